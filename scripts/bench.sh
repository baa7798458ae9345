#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench: the bench runner's signed-load benchmarks
# (benchs/bench_signed_loader.c) in three guests, alternating: unpatched 7.3
# (c73: VARIANT=c with the benchmark's selftests patch only), the series' C
# path (c) and the Rust path (rust); then one table, a CSV and a PNG plot in
# $OUT.
#
# limit_us is what a signed load cannot go below on this guest: the unsigned
# load of the same program and maps, plus the kernel's SHA-256 over the
# metadata bytes, plus one PKCS#7 verification of an empty payload (the
# signed minus the unsigned map-less load), all from the rust guest; c/limit
# is the C path against the same sum from the c guest.  The two guests run
# the same C code at different speeds under TCG (their SHA-256 medians
# differ), so each path is compared with its own guest's limit.
. "$TOP/scripts/lib.sh"

# The guest runs benchs/run_bench_signed_loader.sh (TESTS=bench): every
# benchmark for 1 s of warm-up and DURATION seconds (LONG_DURATION from
# 4 MiB of metadata on), see selftests/vm/init for the parameters.
PARAMS=${BENCH_PARAMS:-duration=5,long=15}
# TCG timings drift by 10-20 % from one guest boot to the next (host noise):
# the guests alternate, c73 c rust c73 c rust ..., and each figure is the
# lowest median of the rounds.
ROUNDS=${BENCH_ROUNDS:-2}
GUESTS=${BENCH_GUESTS:-c73 c rust}
# BENCH_RUN=0: no guest, the report from the results the last run left.
RUN=${BENCH_RUN:-1}
# 7.3 has no such benchmark: its guest is 7.3 with the benchmark's patch
# (selftests only; the kernel is unpatched 7.3).
bench_patch=$(awk '$2 == "selftests/benchs/bench_signed_loader.c" { print $1 }' \
	"$TOP/kernel-patch/files")
bench_patch=$(patches | grep "^$bench_patch-") ||
	die "kernel-patch/files assigns selftests/benchs/bench_signed_loader.c to no patch of kernel-patch/series"
mkdir -p "$OUT"
# (its MAINTAINERS hunk needs the earlier patches)
patch_sections "$TOP/kernel-patch/$bench_patch" SKIP MAINTAINERS >"$OUT/bench-c73.patch"
echo "$OUT/bench-c73.patch" >"$OUT/bench-c73.series"
rc=0 files=
r=1
while [ $r -le "$ROUNDS" ]; do
	for g in $GUESTS; do
		if [ "$RUN" = 0 ]; then
			[ -f "$OUT/bench-$g-$r/results.txt" ] ||
				die "BENCH_RUN=0: no $OUT/bench-$g-$r/results.txt; run make bench first"
			files="$files $OUT/bench-$g-$r/results.txt"
			continue
		fi
		base73=
		case $g in
		c73) v=c series=$OUT/bench-c73.series base73=1 ;;
		c | rust) v=$g series=$TOP/kernel-patch/series ;;
		*) die "BENCH_GUESTS: unknown guest '$g' (c73, c, rust)" ;;
		esac
		echo "==> bench     round $r/$ROUNDS $g (VARIANT=$v SERIES=$series${base73:+ BASE73=1}) $PARAMS"
		make -s -C "$TOP" run VARIANT=$v SERIES="$series" BASE73="$base73" \
			OUT="$OUT/bench-$g-$r" TESTS=bench SIGNED_PARAMS="$PARAMS" BOOT_TIMEOUT=1800 ||
			{ rc=1; echo "bench: error: the $g guest failed; see $OUT/bench-$g-$r/serial.log" >&2; }
		files="$files $OUT/bench-$g-$r/results.txt"
	done
	r=$((r + 1))
done
[ $rc = 0 ] || exit 1

CSV=$OUT/bench.csv
awk -v out="$CSV" '
	function val(line, key,   m) {
		if (match(line, " " key "=[-0-9.]+")) {
			m = substr(line, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
			return m + 0
		}
		return -1
	}
	function str(line, key,   m) {
		if (match(line, " " key "=[^ ]+"))
			return substr(line, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
		return ""
	}
	# keep the lowest of the rounds
	function low(arr, k, x) { if (x >= 0 && (!((k) in arr) || x < arr[k])) arr[k] = x }
	function ratio(a, b) { return b > 0 ? a / b : 0 }
	FNR == 1 {
		v = FILENAME
		sub(/.*\/bench-/, "", v)
		sub(/-[0-9]+\/.*/, "", v)
	}
	# "bench: kind=signed size=0 key=mldsa44 made=rsa: ... skipped"
	/^bench: kind=/ && !/ made=/ {
		kind = str($0, "kind")
		s = val($0, "size")
		key = str($0, "key")
		if (kind == "signed") {
			# the sizes run with the first key type, the other key
			# types at size 0 only
			if (!(v in skey))
				skey[v] = key
			if (s == 0) {
				if (!(key in kseen)) { kseen[key] = 1; keys[nk++] = key }
				low(ksigned, v SUBSEP key, val($0, "med_us"))
				ksig[key] = val($0, "sig_bytes")
			}
			if (key != skey[v])
				next
			if (!(s in seen)) { seen[s] = 1; sizes[n++] = s }
			low(signed, v SUBSEP s, val($0, "med_us"))
			low(p90, v SUBSEP s, val($0, "p90_us"))
			low(asigned, v SUBSEP s, val($0, "alloc_bytes"))
			low(reps, v SUBSEP s, val($0, "reps"))
		} else if (kind == "unsigned") {
			low(unsigned, v SUBSEP s, val($0, "med_us"))
			low(aunsigned, v SUBSEP s, val($0, "alloc_bytes"))
		} else if (kind == "sha256") {
			low(sha, v SUBSEP s, val($0, "med_us"))
		}
	}
	END {
		for (g in skey) {
			pkcs7[g] = signed[g, 0] - unsigned[g, 0]
			for (i = 0; i < n; i++) {
				s = sizes[i]
				extra[g, s] = -1
				if (((g, s) in asigned) && ((g, s) in aunsigned))
					extra[g, s] = asigned[g, s] - aunsigned[g, s]
			}
			for (i = 0; i < nk; i++)
				if ((g, keys[i]) in ksigned)
					kpkcs7[g, keys[i]] = ksigned[g, keys[i]] - unsigned[g, 0]
		}
		printf "%10s %10s %10s %10s %9s %7s %10s %10s %8s %11s %9s %12s %12s %12s\n", "size",
			"c73_us", "c_us", "rust_us", "rust/c73", "rust/c", "limit_us", "rust/limit",
			"c/limit", "unsigned_us", "sha256_us", "c73_extra_B", "c_extra_B", "rust_extra_B"
		print "size,c73_us,c_us,rust_us,rust_over_c73,rust_over_c,limit_us,rust_over_limit,unsigned_us,sha256_us,pkcs7_us,c73_p90_us,c_p90_us,rust_p90_us,c73_extra_bytes,c_extra_bytes,rust_extra_bytes,c73_reps,c_reps,rust_reps" > out
		for (i = 0; i < n; i++) {
			s = sizes[i]
			limit = unsigned["rust", s] + sha["rust", s] + pkcs7["rust"]
			r73 = ratio(signed["rust", s], signed["c73", s])
			rc_ = ratio(signed["rust", s], signed["c", s])
			rl = ratio(signed["rust", s], limit)
			# the C path against the same limit made from the c guest
			cl = ratio(signed["c", s], unsigned["c", s] + sha["c", s] + pkcs7["c"])
			printf "%10d %10.1f %10.1f %10.1f %9.2f %7.2f %10.1f %10.2f %8.2f %11.1f %9.1f %12d %12d %12d\n",
				s, signed["c73", s], signed["c", s], signed["rust", s], r73, rc_, limit, rl,
				cl, unsigned["rust", s], sha["rust", s], extra["c73", s], extra["c", s],
				extra["rust", s]
			printf "%d,%.1f,%.1f,%.1f,%.3f,%.3f,%.1f,%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%d,%d,%d,%d,%d,%d\n",
				s, signed["c73", s], signed["c", s], signed["rust", s], r73, rc_, limit, rl,
				unsigned["rust", s], sha["rust", s], pkcs7["rust"], p90["c73", s], p90["c", s],
				p90["rust", s], extra["c73", s], extra["c", s], extra["rust", s],
				reps["c73", s], reps["c", s], reps["rust", s] > out
		}
		printf "pkcs7 verification of an empty payload: c73 %.1f us, c %.1f us, rust %.1f us\n",
			pkcs7["c73"], pkcs7["c"], pkcs7["rust"]
		if (nk) {
			printf "\none PKCS#7 verification per key type (signed minus unsigned map-less load, us):\n"
			printf "%12s %10s %10s %10s %10s %9s %7s\n", "key", "sig_bytes", "c73_us", "c_us",
				"rust_us", "rust/c73", "rust/c"
		}
		for (i = 0; i < nk; i++) {
			k = keys[i]
			printf "%12s %10d %10.1f %10.1f %10.1f %9.2f %7.2f\n", k, ksig[k], kpkcs7["c73", k],
				kpkcs7["c", k], kpkcs7["rust", k], ratio(kpkcs7["rust", k], kpkcs7["c73", k]),
				ratio(kpkcs7["rust", k], kpkcs7["c", k])
		}
	}' $files | tee "$OUT/bench.txt"

# The plot: latency against payload size, log axes (size 0 is drawn at 1 B).
in_root gnuplot -e "
	set terminal pngcairo size 900,600 noenhanced;
	set output '$OUT/bench.png';
	set datafile separator ',';
	set logscale xy;
	set key left top;
	set grid;
	set xlabel 'signed metadata (bytes)';
	set ylabel 'BPF_PROG_LOAD latency, median (us)';
	set title 'Signed loads under QEMU TCG: 7.3 C, series C, Rust, hashing limit';
	x(s) = s < 1 ? 1 : s;
	plot '$CSV' skip 1 using (x(\$1)):2 with linespoints title 'C, unpatched 7.3',
	     '' skip 1 using (x(\$1)):3 with linespoints title 'C, the series',
	     '' skip 1 using (x(\$1)):4 with linespoints title 'Rust',
	     '' skip 1 using (x(\$1)):9 with linespoints title 'unsigned load',
	     '' skip 1 using (x(\$1)):7 with linespoints dt 2 title 'limit: unsigned + SHA-256 + PKCS#7'
" >"$OUT/bench-plot.log" 2>&1 || die "gnuplot failed; see $OUT/bench-plot.log"
echo "==> bench     table: $OUT/bench.txt  csv: $CSV  plot: $OUT/bench.png"
