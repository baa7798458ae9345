#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a signature costs at BPF_PROG_LOAD (benchs/bench_signed_loader.c):
# signed-load, signed-load-unsigned and signed-load-hash at every metadata
# size, then signed-load of the map-less program with every key type.  One
# "bench: kind=..." line per run; the signed minus the unsigned map-less
# median is one PKCS#7 verification.  Run as root from
# tools/testing/selftests/bpf (it needs ./bench, ./sign-file and
# ./verify_sig_setup.sh), in the environment it sets: ./bench reads
# VERIFY_SIG_KEY_TYPE, which sudo would reset.  A key type that
# verify_sig_setup.sh does not make is reported as skipped.
#
#   SIZES            metadata sizes in bytes (default: 0, 4 KiB, 64 KiB,
#                    1 MiB and the limit, 16 MiB - 1 - 16 bytes of insns)
#   KEYS             key types of verify_sig_setup.sh (default: all five)
#   DURATION         measured seconds per run (default 5) ...
#   LONG_DURATION    ... and for sizes of 4 MiB and more (default 15)

set -euo pipefail

RUN_BENCH=${RUN_BENCH:-./bench -w1 -a}
SIZES=${SIZES:-0 4096 65536 1048576 16777199}
KEYS=${KEYS:-rsa ecdsa-p256 mldsa44 mldsa65 mldsa87}
DURATION=${DURATION:-5}
LONG_DURATION=${LONG_DURATION:-15}

failed=0

# run SIZE BENCH [KEY]
run()
{
	local size=$1 name=$2 key=${3:-rsa} d=$DURATION out

	[ "$size" -ge $((4 << 20)) ] && d=$LONG_DURATION
	echo "=== $name --meta-size $size (key $key, ${d} s)"
	if out=$(VERIFY_SIG_KEY_TYPE=$key $RUN_BENCH -d "$d" --meta-size "$size" "$name" 2>&1) &&
	   grep -q '^bench: kind=' <<<"$out" && ! grep -q ' reps=0 ' <<<"$out"; then
		echo "$out"
	else
		echo "$out"
		echo "FAIL: $name --meta-size $size (key $key)"
		failed=$((failed + 1))
	fi
}

first=
for key in $KEYS; do
	first=$key
	break
done
for size in $SIZES; do
	run "$size" signed-load "$first"
	run "$size" signed-load-unsigned
	[ "$size" = 0 ] || run "$size" signed-load-hash
done
for key in $KEYS; do
	[ "$key" = "$first" ] || run 0 signed-load "$key"
done
if [ $failed != 0 ]; then
	echo "$failed runs failed"
	exit 1
fi
