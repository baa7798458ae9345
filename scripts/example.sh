#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build the signed light-skeleton example (selftests/example/) for the guest,
# with what the selftests step built in $SELFTEST_OUT (bpftool, libbpf's
# headers) and the work tree's uapi headers:
#   1. a new signing key and certificate (the settings of upstream's
#      verify_sig_setup.sh), made at every build;
#   2. example.bpf.c with clang-22, linked by bpftool gen object;
#   3. its light skeleton, signed: bpftool gen skeleton -L -S -k KEY -i CERT;
#   4. the loader (loader.c + the skeleton + libbpf's skel_internal.h).
# Output in $SELFTEST_OUT/example; initramfs.sh puts the loader, run.sh, the
# certificate and the sources into the guest's /example (not the private key).
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step example "$OUT/example.log"
SRC=$TOP/selftests/example
E=$SELFTEST_OUT/example
BPFTOOL=$SELFTEST_OUT/tools/sbin/bpftool
INC=$SELFTEST_OUT/tools/include
UAPI=$WORK/tools/include/uapi
[ -x "$BPFTOOL" ] || die "no $BPFTOOL; run 'make selftests'"
[ -f "$INC/bpf/skel_internal.h" ] || die "no libbpf headers in $INC; run 'make selftests'"
[ -f "$UAPI/linux/bpf.h" ] || die "no $UAPI/linux/bpf.h; run 'make worktree'"
rm -rf "$E"
mkdir -p "$E"

cat >"$E/x509.genkey" <<'EOF'
[ req ]
default_bits = 2048
distinguished_name = req_distinguished_name
prompt = no
string_mask = utf8only
x509_extensions = myexts

[ req_distinguished_name ]
CN = Signed BPF light-skeleton example key

[ myexts ]
basicConstraints=critical,CA:FALSE
keyUsage=digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
echo "    key: openssl req -x509 (RSA 2048), $E/signing_key.pem" | tee -a "$LOG"
run_logged openssl req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 \
	-config "$E/x509.genkey" -outform PEM -out "$E/signing_key.pem" \
	-keyout "$E/signing_key.pem"
run_logged openssl x509 -in "$E/signing_key.pem" -outform der -out "$E/signing_key.der"

echo "    example.bpf.o: clang-22 --target=bpf" | tee -a "$LOG"
run_logged clang-22 --target=bpf -O2 -g -Wall -Werror -I"$INC" -I"$UAPI" \
	-c "$SRC/example.bpf.c" -o "$E/example.bpf.o"
run_logged "$BPFTOOL" gen object "$E/example.linked.o" "$E/example.bpf.o"
echo "    example.lskel.h: bpftool gen skeleton -L -S -k signing_key.pem -i signing_key.der" |
	tee -a "$LOG"
if ! "$BPFTOOL" gen skeleton -L -S -k "$E/signing_key.pem" -i "$E/signing_key.der" \
	"$E/example.linked.o" name example >"$E/example.lskel.h" 2>>"$LOG"; then
	tail -n 20 "$LOG" >&2
	die "bpftool could not make the signed light skeleton; see $LOG"
fi
grep -q 'opts_sig\[\]' "$E/example.lskel.h" ||
	die "$E/example.lskel.h has no signature (bpftool built without libcrypto?)"

echo "    loader: clang-22 loader.c" | tee -a "$LOG"
run_logged clang-22 -O2 -g -Wall -Werror -I"$E" -I"$INC" -I"$UAPI" \
	"$SRC/loader.c" -o "$E/loader"
cp "$SRC/run.sh" "$E/run.sh"
chmod +x "$E/run.sh"
echo "    done: $E" | tee -a "$LOG"
