# SPDX-License-Identifier: GPL-2.0
# Turn the guest's serial log into the result table.
#
# Input: the serial log.  Variables: expected (file of result names that must
# appear, one per line), qrc (QEMU's exit status, 124 = timeout).
# Output: one line per test_progs subtest and KUnit case, then problems, then
# "N passed, N failed, N skipped".

function record(name, res) {
	if (!(name in result))
		order[n++] = name
	result[name] = res
}

function problem(msg) {
	problems[np++] = msg
	if (in_mutate)
		mutate_problems++
}

{
	line = $0
	sub(/\r$/, "", line)
	# printk timestamp
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)
}

# test_progs: "#12/3    signed_loader/name:OK" and "#12/3 name:FAIL"
line ~ /^#[0-9]+\/[0-9]+ +[^ ]+:(OK|FAIL|SKIP)/ {
	s = line
	sub(/^#[0-9]+\/[0-9]+ +/, "", s)
	res = s
	sub(/.*:/, "", res)
	sub(/ .*/, "", res)
	sub(/:(OK|FAIL|SKIP).*$/, "", s)
	record(s, res)
	next
}
# test_progs: a test without subtests "#12     name:OK"
line ~ /^#[0-9]+ +[^ \/]+:(OK|FAIL|SKIP)/ {
	s = line
	sub(/^#[0-9]+ +/, "", s)
	res = s
	sub(/.*:/, "", res)
	sub(/ .*/, "", res)
	sub(/:(OK|FAIL|SKIP).*$/, "", s)
	tests[s] = res
	next
}
# Summary lines of the stress, bench and holes tests: "name: key=value ..."
line ~ /^(toctou|writers|failnth|mutate|request|bench|mldsa_signers_memory|signers_hash_once|signature_sizes|mldsa_without_authattrs): [a-z_]+=/ {
	stress[ns++] = line
	next
}
# Kernel log markers of signed_loader_stress.  Injected allocation failures
# print a stack (warn_alloc) by design: inside the fault-injection window a
# bare "Call Trace:" is not a problem; BUG, WARNING, KASAN and the rest are.
line ~ /signed_loader_stress: fault injection begin/ { in_fi = 1; next }
line ~ /signed_loader_stress: fault injection end/ { in_fi = 0; next }
line ~ /signed_loader_stress: mutate begin/ { in_mutate = 1; mutate_seen = 1; next }
line ~ /signed_loader_stress: mutate end/ { in_mutate = 0; next }
in_fi && line ~ /Call Trace:/ { next }
line ~ /^=== TEST_PROGS-EXIT / { tp_exit = line; sub(/.* /, "", tp_exit); next }
line ~ /^=== GUEST-DONE/ { done = 1; next }
line ~ /^=== KMEMLEAK-BEGIN/ { in_leak = 1; next }
line ~ /^=== KMEMLEAK-END/ { in_leak = 0; next }
in_leak && line ~ /^unreferenced object/ { problem("kmemleak: " line); next }

# KTAP (KUnit): "# Subtest: suite" opens a suite; indented "ok N case"
line ~ /^ *# Subtest: / {
	s = line
	sub(/^ *# Subtest: /, "", s)
	depth = line
	sub(/#.*/, "", depth)
	suite[length(depth)] = s
	next
}
line ~ /^ +(not )?ok [0-9]+ / {
	s = line
	ind = s
	sub(/[^ ].*/, "", ind)
	sub(/^ +/, "", s)
	res = (s ~ /^not ok/) ? "FAIL" : "OK"
	sub(/^(not )?ok [0-9]+ /, "", s)
	if (s ~ /# *SKIP/)
		res = "SKIP"
	sub(/ *#.*/, "", s)
	parent = suite[length(ind)]
	if (parent != "")
		record("kunit/" parent "/" s, res)
	next
}
line ~ /^(not )?ok [0-9]+ / && line !~ /^ / {
	# a top-level suite result; cases were recorded above
	next
}

# KCSAN data races: a report that names our code (the signed-load check,
# the map reservation, PKCS#7, the Rust kernel::bpf abstractions) fails the
# run; others are listed as notes.
line ~ /BUG: KCSAN: / {
	if (line ~ /bpf_prog_verify_signature|bpf_prog_sig_|bpf_map_excl_|bpf_sig_|bpf_key_verify_pkcs7|pkcs7_|prog_sig|6kernel3bpf/)
		problem("kcsan: " line)
	else
		notes[nn++] = "kcsan (not our code): " line
	next
}

# Kernel trouble.  Any of these fails the run.
line ~ /BUG: |WARNING: |Oops|Kernel panic|general protection fault|Call Trace:|KASAN: |UBSAN: |kmemleak: [0-9]+ new suspected|possible circular locking|inconsistent lock state|sleeping function called from invalid context|INFO: task .* blocked|RCU detected stall|Unable to handle kernel/ {
	problem("kernel: " line)
}

END {
	passed = failed = skipped = 0
	while ((getline e < expected) > 0) {
		if (e ~ /^#/ || e == "")
			continue
		if (!(e in result)) {
			record(e, "MISSING")
		}
	}
	# A crash inside the mutation run ends the log before "mutate end".
	if (in_mutate)
		mutate_problems++
	for (i = 0; i < ns; i++) {
		if (stress[i] ~ /^mutate: /)
			stress[i] = stress[i] " crashes=" (mutate_problems + 0)
		print stress[i]
	}
	if (mutate_seen && ns == 0)
		print "mutate: no summary line; crashes=" (mutate_problems + 0)
	for (i = 0; i < n; i++) {
		name = order[i]
		res = result[name]
		printf "%s %s\n", name, res
		if (res == "OK")
			passed++
		else if (res == "SKIP")
			skipped++
		else
			failed++
	}
	if (qrc == 124) {
		problem("guest: timed out")
	} else if (!done) {
		problem("guest: did not finish (no GUEST-DONE marker; crash or early exit)")
	}
	if (tp_exit != "" && tp_exit != "0" && failed == 0)
		problem("test_progs: exited " tp_exit " with no failing subtest")
	for (i = 0; i < nn; i++)
		print "NOTE " notes[i]
	for (i = 0; i < np; i++) {
		print "PROBLEM " problems[i]
		failed++
	}
	if (n == 0)
		print "PROBLEM no test result in the serial log"
	if (n == 0 && np == 0)
		failed++
	printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
}
