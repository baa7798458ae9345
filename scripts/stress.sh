#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make stress: the signed_loader_stress subtests at full size, in two guest
# runs of the same code.
#
#   full        the variant's kernel (VARIANT=rust or c): toctou, writers
#               and mutate at the sizes of the claims (100,000 swaps,
#               1,000,000 mutations).  Under TCG the sanitizer kernel loads
#               about 20 times slower than this one (measured: 65 vs
#               ~1,600 mutated loads per second), too slow for these sizes.
#   sanitizers  the same configuration plus KASAN, kmemleak, lockdep, UBSAN,
#               Rust debug assertions, DEBUG_ATOMIC_SLEEP and fault injection
#               (VARIANT=debug or debug-c): every subtest, failnth included,
#               at sizes that fit the time bound, then a kmemleak scan.
#   kcsan       the data-race detector (VARIANT=kcsan or kcsan-c): the racing
#               subtests, toctou and writers.  A KCSAN report in our code fails
#               it; others are listed as notes.
#
# Any failed subtest, kernel splat, kmemleak report or timeout fails it.
. "$TOP/scripts/lib.sh"

case $VARIANT in
rust) san=debug kcsan=kcsan ;;
c) san=debug-c kcsan=kcsan-c ;;
*) die "make stress takes VARIANT=rust or VARIANT=c, not $VARIANT" ;;
esac
FULL=${STRESS_FULL:-toctou=100000,writers=20000,mutate=1000000,request=1000000,seconds=1100}
SAN=${STRESS_SANITIZERS:-toctou=10000,writers=1000,mutate=5000,request=5000,seconds=300}
KCSAN=${STRESS_KCSAN:-toctou=20000,writers=5000,seconds=300}
ST=signed_loader_stress

# STRESS_PHASES=sanitizers (or full, kcsan) reruns one run; the report then
# reads the other runs' last results.
PHASES=${STRESS_PHASES:-full sanitizers kcsan}
rc=0
# phase NAME VARIANT TESTS SIZES
phase() {
	case " $PHASES " in *" $1 "*) ;; *) return 0 ;; esac
	echo "==> stress    $1: VARIANT=$2 $4"
	if ! make -s -C "$TOP" run VARIANT="$2" OUT="$OUT/stress-$1" \
	    TESTS="$3" SIGNED_PARAMS="$4" BOOT_TIMEOUT="${STRESS_TIMEOUT:-3000}"; then
		rc=1
		echo "stress: error: phase $1 failed; see $OUT/stress-$1/serial.log" >&2
	fi
}
phase full "$VARIANT" "$ST/toctou,$ST/writers,$ST/mutate,$ST/request" "$FULL"
phase sanitizers "$san" "$ST" "$SAN"
phase kcsan "$kcsan" "$ST/toctou,$ST/writers" "$KCSAN"

# One report: every summary line, tagged with its phase, and the totals.
{
	for p in full sanitizers kcsan; do
		r=$OUT/stress-$p/results.txt
		[ -f "$r" ] || { echo "$p: no results"; continue; }
		grep -E '^(toctou|writers|failnth|mutate|request): ' "$r" | sed "s/^/$p /"
		grep -E '^(PROBLEM|NOTE)' "$r" | sed "s/^/$p /"
	done
	for p in full sanitizers kcsan; do
		tail -n 1 "$OUT/stress-$p/results.txt" 2>/dev/null || echo "0 passed, 1 failed"
	done | awk -F'[ ,]+' '{ p += $1; f += $3; s += $5 }
		END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'
} >"$OUT/stress.txt"
echo "==> stress    report: $OUT/stress.txt"
cat "$OUT/stress.txt"
tail -n 1 "$OUT/stress.txt" | grep -q ' 0 failed' || rc=1
exit $rc
