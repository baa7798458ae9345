// SPDX-License-Identifier: GPL-2.0
/*
 * What a signature costs at load time, measured in the guest that runs the
 * signed-loader tests, so that the C and the Rust implementation can be
 * compared on the same machine and against what cannot be avoided.
 *
 * For metadata of 0 bytes (no map), 4 KiB, 64 KiB, 1 MiB and the limit
 * (a signed payload sl_insns || values of 16 MiB - 1 bytes), split into
 * array maps of at most 4 MiB (KMALLOC_MAX_SIZE) each:
 *
 *   signed     BPF_PROG_LOAD of sl_insns with exclusive, frozen maps and
 *              a PKCS#7 signature over the payload
 *   unsigned   the same load with equal but shared maps and no signature
 *              (an unsigned load cannot bind exclusive maps)
 *   sha256     the kernel's own SHA-256 of the same bytes, through
 *              BPF_OBJ_GET_INFO_BY_FD's info.hash on the frozen maps: the
 *              floor of any scheme that reads all the metadata
 *   alloc      bytes the kernel allocates during one signed and one
 *              unsigned load (tracefs kmem events of this task)
 *
 * Only the syscall is timed (CLOCK_MONOTONIC), the program fd is closed
 * outside, and the maps of each kind are made anew after each load or
 * hash: a signed program keeps its maps reserved until it is freed, and
 * every kind then reads maps as fresh as the signed load's.  After 3
 * warm-up runs each kind repeats at least reps times and goes on until
 * 1000 runs or budget seconds; the median and the 90th
 * percentile are printed in microseconds.  One line per size,
 *
 *   bench: size=... maps=... reps=... signed_med_us=... ... extra_bytes=...
 *
 * then "bench: pkcs7_empty_us=...", the signed minus the unsigned median
 * of the map-less load: one PKCS#7 verification of an empty payload.
 * Then, for each key type (rsa, ecdsa-p256, mldsa44, mldsa65, mldsa87),
 * "bench: key=... pkcs7_us=...": the signed minus the unsigned median of a
 * map-less load with a key of that type ("bench: key=... made=...: ...
 * skipped" where verify_sig_setup.sh made another type, as 7.3's does).
 * Parameters: SIGNED_PARAMS="reps=N budget=SECONDS sizes=N keys=N"
 * (defaults 30, 20, all 5 sizes and all 5 key types).
 */

#include <test_progs.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <time.h>
#include <linux/keyctl.h>

#include "signed_loader_helpers.h"

#define MAX_VALUE	(4U << 20)		/* KMALLOC_MAX_SIZE */
#define MAX_MAPS	4			/* PAYLOAD_MAX / MAX_VALUE, rounded up */
#define PAYLOAD_MAX	((16U << 20) - 1)	/* DYNPTR_MAX_SIZE */
#define WARMUP		3
#define MAX_REPS	1000	/* the adaptive count stops here ... */
#define MAX_SAMPLES	100000	/* ... unless reps asks for more, up to this */
#define HASH_SZ		32	/* SHA-256 */
#define FILL		0xa0	/* map i holds FILL + i */

/* Metadata bytes: the sum of the map value sizes. */
static const __u32 sizes[] = {
	0, 4096, 65536, 1U << 20, PAYLOAD_MAX - sizeof(sl_insns),
};

static struct {
	int reps, sizes, keys;
	double budget;
} P;

static double samples[MAX_SAMPLES];

struct stats {
	int n;
	double med, p90;	/* microseconds */
};

struct maps {
	int fds[MAX_MAPS];
	__u32 value_sz[MAX_MAPS];
	int n;
	bool exclusive;
};

struct load {
	const int *fds;
	__u32 cnt;
	const void *sig;	/* NULL: an unsigned load */
	__u32 sig_sz;
	/*
	 * The maps of the load, made anew after each one, outside the timed
	 * part: a signed program keeps them reserved until it is freed, which
	 * close() does not wait for, and every kind of measurement then reads
	 * maps as fresh as the signed load's.
	 */
	struct maps *remake;
	const char *prefix;
};

static void parse_params(void)
{
	const char *env = getenv("SIGNED_PARAMS");
	char buf[512], *tok, *save = NULL;

	P.reps = 30;
	P.budget = 20;
	P.sizes = ARRAY_SIZE(sizes);
	P.keys = 5;
	if (env) {
		snprintf(buf, sizeof(buf), "%s", env);
		for (tok = strtok_r(buf, " ,", &save); tok;
		     tok = strtok_r(NULL, " ,", &save)) {
			char *eq = strchr(tok, '=');

			if (!eq)
				continue;
			*eq = 0;
			if (!strcmp(tok, "reps"))
				P.reps = strtol(eq + 1, NULL, 0);
			else if (!strcmp(tok, "budget"))
				P.budget = strtod(eq + 1, NULL);
			else if (!strcmp(tok, "sizes"))
				P.sizes = strtol(eq + 1, NULL, 0);
			else if (!strcmp(tok, "keys"))
				P.keys = strtol(eq + 1, NULL, 0);
		}
	}
	if (P.reps < 1)
		P.reps = 1;
	if (P.reps > MAX_SAMPLES)
		P.reps = MAX_SAMPLES;
	if (P.budget < 0)
		P.budget = 0;
	if (P.sizes < 1)
		P.sizes = 1;
	if (P.sizes > (int)ARRAY_SIZE(sizes))
		P.sizes = ARRAY_SIZE(sizes);
	if (P.keys < 0 || P.keys > 5)
		P.keys = 5;
}

static __u64 clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * A guest without a usable clocksource (QEMU TCG without ACPI: no HPET, the
 * TSC not calibrated) keeps time in jiffies, 4 ms steps at HZ=250: too coarse
 * for one load.  Where the compiler can read the CPU's cycle counter, that is
 * the timer, scaled by a calibration against CLOCK_MONOTONIC over
 * CALIBRATE_NS; otherwise CLOCK_MONOTONIC itself.
 */
#define CALIBRATE_NS 2000000000ULL
static double ns_per_tick;
static bool use_counter;

#ifdef __has_builtin
#if __has_builtin(__builtin_readcyclecounter)
#define HAVE_CYCLE_COUNTER
#endif
#endif

static __u64 ticks(void)
{
#ifdef HAVE_CYCLE_COUNTER
	if (use_counter)
		return __builtin_readcyclecounter();
#endif
	return clock_ns();
}

static void calibrate(void)
{
	__u64 t0, c0, t1, c1;

	use_counter = true;
	t0 = clock_ns();
	c0 = ticks();
	do
		t1 = clock_ns();
	while (t1 - t0 < CALIBRATE_NS);
	c1 = ticks();
	if (c1 > c0) {
		ns_per_tick = (double)(t1 - t0) / (c1 - c0);
	} else {
		use_counter = false;	/* no counter: nanoseconds */
		ns_per_tick = 1;
	}
}

static __u64 now_ns(void)
{
	return ticks() * ns_per_tick;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Run @one WARMUP times, then at least P.reps times and on until MAX_REPS
 * runs or P.budget seconds; @one times one repetition into *@us.
 */
static int measure(int (*one)(void *arg, double *us), void *arg,
		   struct stats *st)
{
	__u64 start, budget = P.budget * 1e9;
	double us;
	int i, n, err;

	for (i = 0; i < WARMUP; i++) {
		err = one(arg, &us);
		if (err)
			return err;
	}
	start = now_ns();
	for (n = 0; n < P.reps || (n < MAX_REPS && now_ns() - start < budget); n++) {
		err = one(arg, &samples[n]);
		if (err)
			return err;
	}
	qsort(samples, n, sizeof(samples[0]), cmp_double);
	st->n = n;
	st->med = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
	st->p90 = samples[(9 * n + 9) / 10 - 1];	/* ceil(0.9 * n) - 1 */
	return 0;
}

static int load(const struct load *l)
{
	return sl_load(l->fds, l->cnt, l->sig, l->sig_sz,
		       l->sig ? KEY_SPEC_SESSION_KEYRING : 0, false);
}

static void close_maps(struct maps *m)
{
	int i;

	for (i = 0; i < MAX_MAPS; i++) {
		if (m->fds[i] >= 0)
			close(m->fds[i]);
		m->fds[i] = -1;
	}
}

/* (Re)create the maps of @m: map i holds FILL + i in value_sz[i] bytes. */
static int make_maps(struct maps *m, const char *prefix)
{
	char name[16];
	int i;

	close_maps(m);
	for (i = 0; i < m->n; i++) {
		snprintf(name, sizeof(name), "%s%d", prefix, i);
		m->fds[i] = sl_make_map(name, BPF_MAP_TYPE_ARRAY, m->value_sz[i], 1,
					0, m->exclusive, true, FILL + i);
		if (m->fds[i] < 0)
			return m->fds[i];
	}
	return 0;
}

static int time_load(void *arg, double *us)
{
	const struct load *l = arg;
	__u64 t0, t1;
	int fd;

	t0 = now_ns();
	fd = load(l);
	t1 = now_ns();
	if (fd < 0)
		return fd;
	close(fd);
	*us = (t1 - t0) / 1e3;
	return l->remake && l->remake->n ? make_maps(l->remake, l->prefix) : 0;
}

/*
 * The kernel hashes each frozen map's value: the sum over the maps, which
 * are then made anew, as for the loads.
 */
static int time_hash(void *arg, double *us)
{
	struct maps *m = arg;
	struct bpf_map_info info;
	__u8 hash[HASH_SZ];
	__u64 t0, sum = 0;
	__u32 len;
	int i, err;

	for (i = 0; i < m->n; i++) {
		memset(&info, 0, sizeof(info));
		info.hash = ptr_to_u64(hash);
		info.hash_size = sizeof(hash);
		len = sizeof(info);
		t0 = now_ns();
		err = bpf_map_get_info_by_fd(m->fds[i], &info, &len);
		sum += now_ns() - t0;
		if (err)
			return err;
	}
	*us = sum / 1e3;
	return make_maps(m, "bench_s");
}

/* One load with tracing on; *@bytes is -1 if tracing did not work. */
static int traced_load(struct sl_tracer *t, const struct load *l, long long *bytes)
{
	int fd;

	*bytes = -1;
	if (sl_trace_begin(t))
		return 0;
	fd = load(l);
	*bytes = sl_trace_end(t);
	if (fd < 0)
		return fd;
	close(fd);
	return l->remake && l->remake->n ? make_maps(l->remake, l->prefix) : 0;
}

/* ---- one size ---------------------------------------------------------- */

static int bench_size(const char *dir, __u32 size, struct stats *signed_st,
		      struct stats *unsigned_st)
{
	static __u8 sig[SL_SIG_SZ];
	struct stats sha_st = {};
	struct maps sm, um;
	struct load sl, ul;
	struct sl_tracer t;
	long long alloc_s = -1, alloc_u = -1;
	__u32 *value_sz = sm.value_sz, sig_sz = sizeof(sig);
	size_t len = sizeof(sl_insns), off;
	__u8 *payload;
	int i, n, err = 0;

	n = (size + MAX_VALUE - 1) / MAX_VALUE;
	for (i = 0; i < MAX_MAPS; i++) {
		sm.fds[i] = -1;
		um.fds[i] = -1;
	}
	sm.n = n;
	um.n = n;
	sm.exclusive = true;
	um.exclusive = false;
	for (i = 0; i < n; i++) {
		value_sz[i] = size - i * MAX_VALUE < MAX_VALUE ?
			      size - i * MAX_VALUE : MAX_VALUE;
		um.value_sz[i] = value_sz[i];
		len += value_sz[i];
	}
	err = make_maps(&sm, "bench_s");
	if (!ASSERT_OK(err, "signed maps"))
		goto out;
	err = make_maps(&um, "bench_u");
	if (!ASSERT_OK(err, "unsigned maps"))
		goto out;

	/* The signed payload: sl_insns || value_0 || value_1 ... */
	payload = malloc(len);
	if (!ASSERT_OK_PTR(payload, "payload")) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(payload, sl_insns, sizeof(sl_insns));
	for (i = 0, off = sizeof(sl_insns); i < n; off += value_sz[i], i++)
		memset(payload + off, FILL + i, value_sz[i]);
	err = sl_sign(dir, payload, len, sig, &sig_sz);
	free(payload);
	if (!ASSERT_OK(err, "sign"))
		goto out;

	sl = (struct load){ .fds = n ? sm.fds : NULL, .cnt = n, .sig = sig,
			    .sig_sz = sig_sz, .remake = &sm, .prefix = "bench_s" };
	ul = (struct load){ .fds = n ? um.fds : NULL, .cnt = n, .remake = &um,
			    .prefix = "bench_u" };
	err = measure(time_load, &sl, signed_st);
	if (!ASSERT_OK(err, "signed loads"))
		goto out;
	err = measure(time_load, &ul, unsigned_st);
	if (!ASSERT_OK(err, "unsigned loads"))
		goto out;
	if (n) {
		err = measure(time_hash, &sm, &sha_st);
		if (!ASSERT_OK(err, "in-kernel SHA-256"))
			goto out;
	}

	/* Events stay off while timing: a probe on every allocation costs. */
	if (!sl_tracer_start(&t)) {
		err = traced_load(&t, &sl, &alloc_s);
		if (!err)
			err = traced_load(&t, &ul, &alloc_u);
		sl_tracer_stop(&t);
		if (!ASSERT_OK(err, "traced loads"))
			goto out;
	} else {
		fprintf(stderr, "%s: no tracefs kmem events, allocations not measured\n",
			__func__);
	}

	printf("bench: size=%u maps=%d reps=%d signed_med_us=%.1f signed_p90_us=%.1f",
	       size, n, signed_st->n, signed_st->med, signed_st->p90);
	printf(" unsigned_med_us=%.1f unsigned_p90_us=%.1f sha256_med_us=%.1f sha256_p90_us=%.1f",
	       unsigned_st->med, unsigned_st->p90, sha_st.med, sha_st.p90);
	printf(" alloc_signed_bytes=%lld alloc_unsigned_bytes=%lld extra_bytes=%lld\n",
	       alloc_s, alloc_u, alloc_s < 0 || alloc_u < 0 ? -1 : alloc_s - alloc_u);
out:
	close_maps(&sm);
	close_maps(&um);
	return err;
}

static void run_bench(const char *dir)
{
	struct stats s = {}, u = {};
	double pkcs7 = -1;
	int i;

	for (i = 0; i < P.sizes; i++) {
		if (bench_size(dir, sizes[i], &s, &u))
			break;
		if (!sizes[i])
			pkcs7 = s.med - u.med;
	}
	printf("bench: pkcs7_empty_us=%.1f\n", pkcs7);
}

/*
 * The key type of the certificate verify_sig_setup.sh made, from its
 * algorithm OID: a script without VERIFY_SIG_KEY_TYPE (unpatched 7.3)
 * makes an RSA key whatever was asked, and the line must say so.
 */
static const char *cert_key_type(const char *dir)
{
	static const struct {
		const char *name;
		unsigned char oid[11];
		size_t len;
	} oids[] = {
		{ "rsa", { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
			   0x01, 0x01, 0x01 }, 11 },
		{ "ecdsa-p256", { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
				  0x03, 0x01, 0x07 }, 10 },
		{ "mldsa44", { 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
			       0x04, 0x03, 0x11 }, 11 },
		{ "mldsa65", { 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
			       0x04, 0x03, 0x12 }, 11 },
		{ "mldsa87", { 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
			       0x04, 0x03, 0x13 }, 11 },
	};
	static unsigned char der[16384];
	char path[PATH_MAX];
	ssize_t n;
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/signing_key.der", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return "unknown";
	n = read(fd, der, sizeof(der));
	close(fd);
	for (i = 0; n > 0 && i < ARRAY_SIZE(oids); i++)
		if (memmem(der, n, oids[i].oid, oids[i].len))
			return oids[i].name;
	return "unknown";
}

/* One PKCS#7 verification with the key of the current type, no payload. */
static void run_key_type(const char *dir)
{
	static __u8 sig[SL_SIG_SZ];
	struct stats s = {}, u = {};
	__u32 sig_sz = sizeof(sig);
	struct load sl, ul = {};
	const char *made = cert_key_type(dir);

	if (strcmp(made, sl_key_type())) {
		printf("bench: key=%s made=%s: verify_sig_setup.sh did not make that key type, skipped\n",
		       sl_key_type(), made);
		return;
	}
	if (!ASSERT_OK(sl_sign(dir, sl_insns, sizeof(sl_insns), sig, &sig_sz),
		       "sign"))
		return;
	sl = (struct load){ .sig = sig, .sig_sz = sig_sz };
	if (!ASSERT_OK(measure(time_load, &sl, &s), "signed loads") ||
	    !ASSERT_OK(measure(time_load, &ul, &u), "unsigned loads"))
		return;
	printf("bench: key=%s sig_bytes=%u reps=%d signed_med_us=%.1f unsigned_med_us=%.1f pkcs7_us=%.1f\n",
	       sl_key_type(), sig_sz, s.n, s.med, u.med, s.med - u.med);
}

void serial_test_signed_loader_bench(void)
{
	static const char * const types[] = {
		"rsa", "ecdsa-p256", "mldsa44", "mldsa65", "mldsa87",
	};
	int i;

	parse_params();
	calibrate();
	printf("bench: clock ns_per_tick=%.4f\n", ns_per_tick);
	sl_with_key(run_bench);
	/* The cost of one verification per key type (SIGNED_PARAMS keys=0: none). */
	for (i = 0; i < P.keys; i++) {
		setenv("VERIFY_SIG_KEY_TYPE", types[i], 1);
		sl_with_key(run_key_type);
	}
	unsetenv("VERIFY_SIG_KEY_TYPE");
}
