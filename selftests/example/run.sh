#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The signed light-skeleton example in the guest: the certificate of the key
# that signed the loader's skeleton goes into a keyring of its own, then the
# loader runs as signed and with one metadata byte tampered; one result line
# each (example/signed, example/tampered), as test_progs prints them.
# "run.sh shell" (make shell): then an interactive shell on the console.
cd /example || exit 1
# One session keyring for every step (and the shell): a key is usable only
# by a process that possesses it, through a keyring it can reach, and each
# keyctl run without a session keyring would make a new one of its own.
if [ "${EXAMPLE_SESSION:-}" != 1 ]; then
	export EXAMPLE_SESSION=1
	exec keyctl session example /example/run.sh "$@"
fi
ring=$(keyctl search @s keyring example_keyring 2>/dev/null ||
	keyctl newring example_keyring @s)
key=$(keyctl padd asymmetric example_key "$ring" <signing_key.der)
echo "example: keyring $ring holds key $key: $(keyctl rdescribe "$key" 2>&1)"
n=0
for mode in signed tampered; do
	n=$((n + 1))
	if out=$(./loader $mode "$ring" 2>&1); then res=OK; else res=FAIL; fi
	echo "$out" | sed 's/^/example: /'
	echo "#1/$n example/$mode:$res"
done

[ "${1:-}" = shell ] || exit 0
cat <<HELP

Signed BPF light-skeleton example in /example (selftests/example/ in the repository):
  /example/run.sh                            run it again
  /example/loader signed $ring [SECONDS]     load, and keep it loaded SECONDS
  /example/loader tampered $ring [OFFSET]    flip metadata byte OFFSET first
  /example/loader signed $ring 30 & sleep 3; bpftool prog show
  keyctl show @s
  openssl x509 -inform der -in /example/signing_key.der -noout -subject
  cd /selftests && ./test_progs -a signed_loader
exit (or Ctrl-a x) powers the guest off.
HELP
export PS1='signed-bpf:\w# '
exec setsid -c sh -l <>/dev/ttyS0 >&0 2>&0
