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
 * outside.  After 3 warm-up runs each kind repeats at least reps times and
 * goes on until 1000 runs or budget seconds; the median and the 90th
 * percentile are printed in microseconds.  One line per size,
 *
 *   bench: size=... maps=... reps=... signed_med_us=... ... extra_bytes=...
 *
 * then "bench: pkcs7_empty_us=...", the signed minus the unsigned median
 * of the map-less load: one PKCS#7 verification of an empty payload.
 * Parameters: SIGNED_PARAMS="reps=N budget=SECONDS sizes=N" (defaults 30,
 * 20 and all 5 sizes).
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
	int reps, sizes;
	double budget;
} P;

static double samples[MAX_SAMPLES];

struct stats {
	int n;
	double med, p90;	/* microseconds */
};

struct maps {
	int fds[MAX_MAPS];
	int n;
};

struct load {
	const int *fds;
	__u32 cnt;
	const void *sig;	/* NULL: an unsigned load */
	__u32 sig_sz;
};

static void parse_params(void)
{
	const char *env = getenv("SIGNED_PARAMS");
	char buf[512], *tok, *save = NULL;

	P.reps = 30;
	P.budget = 20;
	P.sizes = ARRAY_SIZE(sizes);
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

static int time_load(void *arg, double *us)
{
	__u64 t0, t1;
	int fd;

	t0 = now_ns();
	fd = load(arg);
	t1 = now_ns();
	if (fd < 0)
		return fd;
	close(fd);
	*us = (t1 - t0) / 1e3;
	return 0;
}

/* The kernel hashes each frozen map's value: the sum over the maps. */
static int time_hash(void *arg, double *us)
{
	const struct maps *m = arg;
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
	return 0;
}

/* ---- kernel allocations of one load, from tracefs -------------------- */

static const char * const kmem_events[] = {
	"kmem/kmalloc", "kmem/kmem_cache_alloc", "kmem/mm_page_alloc",
};

struct tracer {
	const char *dir;
	int on_fd;	/* tracing_on, kept open across the traced load */
	char was_on;
	int enabled;	/* kmem_events[0 .. enabled - 1] are on */
};

static int tr_write(const char *dir, const char *file, const char *val,
		    int flags)
{
	ssize_t len = strlen(val);
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | flags);
	if (fd < 0)
		return -errno;
	if (len && write(fd, val, len) != len)
		ret = -EIO;
	close(fd);
	return ret;
}

static void tracer_stop(struct tracer *t)
{
	char path[64];
	int i;

	for (i = 0; i < t->enabled; i++) {
		snprintf(path, sizeof(path), "events/%s/enable", kmem_events[i]);
		tr_write(t->dir, path, "0", 0);
	}
	t->enabled = 0;
	if (t->dir)
		tr_write(t->dir, "set_event_pid", "", O_TRUNC);
	if (t->on_fd >= 0) {
		if (pwrite(t->on_fd, &t->was_on, 1, 0) != 1)
			fprintf(stderr, "signed_loader_bench: cannot restore tracing_on\n");
		close(t->on_fd);
		t->on_fd = -1;
	}
}

/* Trace this thread's kmem events, with tracing off until a load. */
static int tracer_start(struct tracer *t)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128], pid[32];
	int i;

	memset(t, 0, sizeof(*t));
	t->on_fd = -1;
	t->was_on = '1';
	for (i = 0; i < (int)ARRAY_SIZE(dirs) && !t->dir; i++) {
		snprintf(path, sizeof(path), "%s/trace", dirs[i]);
		if (!access(path, F_OK))
			t->dir = dirs[i];
	}
	if (!t->dir)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/tracing_on", t->dir);
	t->on_fd = open(path, O_RDWR);
	if (t->on_fd < 0)
		goto err;
	if (pread(t->on_fd, &t->was_on, 1, 0) != 1 || pwrite(t->on_fd, "0", 1, 0) != 1)
		goto err;
	snprintf(pid, sizeof(pid), "%ld", (long)syscall(SYS_gettid));
	if (tr_write(t->dir, "set_event_pid", pid, O_TRUNC))
		goto err;
	for (i = 0; i < (int)ARRAY_SIZE(kmem_events); i++) {
		snprintf(path, sizeof(path), "events/%s/enable", kmem_events[i]);
		if (tr_write(t->dir, path, "1", 0))
			goto err;
		t->enabled = i + 1;
	}
	return 0;
err:
	tracer_stop(t);
	return -ENOENT;
}

/* The value of "@key<number>" after @s, 0 if absent. */
static long long field(const char *s, const char *key)
{
	s = strstr(s, key);
	return s ? strtoll(s + strlen(key), NULL, 0) : 0;
}

/* Whether the pointer "@key<ptr>" after @s is NULL: a failed allocation. */
static bool null_ptr(const char *s, const char *key)
{
	s = strstr(s, key);
	if (!s)
		return false;
	s += strlen(key);
	if (!strncmp(s, "(null)", 6))
		return true;
	if (*s != '0')
		return false;
	while (*s == '0')
		s++;
	return *s == ' ' || *s == '\n' || !*s;
}

/*
 * Bytes allocated in the trace: bytes_alloc of kmalloc and kmem_cache_alloc,
 * PAGE_SIZE << order of mm_page_alloc (vmalloc memory comes as pages).  A
 * kmalloc above KMALLOC_MAX_CACHE_SIZE (two pages) comes from the page
 * allocator, whose event counts it already.  -1 if events were lost.
 */
static long long trace_bytes(const char *dir)
{
	long long sum = 0, page = sysconf(_SC_PAGESIZE), v;
	char path[128], *line = NULL, *p;
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if (line[0] == '#')
			continue;
		if (strstr(line, "[LOST ")) {
			sum = -1;
			break;
		}
		p = strstr(line, ": kmalloc: ");
		if (p) {
			v = field(p, " bytes_alloc=");
			if (!null_ptr(p, " ptr=") && v <= 2 * page)
				sum += v;
			continue;
		}
		p = strstr(line, ": kmem_cache_alloc: ");
		if (p) {
			if (!null_ptr(p, " ptr="))
				sum += field(p, " bytes_alloc=");
			continue;
		}
		p = strstr(line, ": mm_page_alloc: ");
		if (p) {
			v = field(p, " order=");
			if (!null_ptr(p, " page=") && v >= 0 && v < 32)
				sum += page << v;
		}
	}
	free(line);
	fclose(f);
	return sum;
}

/* One load with tracing on; *@bytes is -1 if tracing did not work. */
static int traced_load(struct tracer *t, const struct load *l, long long *bytes)
{
	bool traced;
	int fd;

	*bytes = -1;
	if (tr_write(t->dir, "trace", "", O_TRUNC) || pwrite(t->on_fd, "1", 1, 0) != 1)
		return 0;
	fd = load(l);
	traced = pwrite(t->on_fd, "0", 1, 0) == 1;
	if (fd < 0)
		return fd;
	close(fd);
	if (traced)
		*bytes = trace_bytes(t->dir);
	return 0;
}

/* ---- one size ---------------------------------------------------------- */

static void close_maps(struct maps *m)
{
	int i;

	for (i = 0; i < MAX_MAPS; i++) {
		if (m->fds[i] >= 0)
			close(m->fds[i]);
		m->fds[i] = -1;
	}
}

static int bench_size(const char *dir, __u32 size, struct stats *signed_st,
		      struct stats *unsigned_st)
{
	static __u8 sig[SL_SIG_SZ];
	struct stats sha_st = {};
	struct maps sm, um;
	struct load sl, ul;
	struct tracer t;
	long long alloc_s = -1, alloc_u = -1;
	__u32 value_sz[MAX_MAPS], sig_sz = sizeof(sig);
	size_t len = sizeof(sl_insns), off;
	__u8 *payload;
	char name[16];
	int i, n, err = 0;

	n = (size + MAX_VALUE - 1) / MAX_VALUE;
	for (i = 0; i < MAX_MAPS; i++) {
		sm.fds[i] = -1;
		um.fds[i] = -1;
	}
	sm.n = n;
	um.n = n;
	for (i = 0; i < n; i++) {
		value_sz[i] = size - i * MAX_VALUE < MAX_VALUE ?
			      size - i * MAX_VALUE : MAX_VALUE;
		len += value_sz[i];
		snprintf(name, sizeof(name), "bench_s%d", i);
		sm.fds[i] = sl_make_map(name, BPF_MAP_TYPE_ARRAY, value_sz[i], 1, 0,
					true, true, FILL + i);
		if (!ASSERT_OK_FD(sm.fds[i], "signed map")) {
			err = sm.fds[i];
			goto out;
		}
		snprintf(name, sizeof(name), "bench_u%d", i);
		um.fds[i] = sl_make_map(name, BPF_MAP_TYPE_ARRAY, value_sz[i], 1, 0,
					false, true, FILL + i);
		if (!ASSERT_OK_FD(um.fds[i], "unsigned map")) {
			err = um.fds[i];
			goto out;
		}
	}

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

	sl = (struct load){ .fds = n ? sm.fds : NULL, .cnt = n,
			    .sig = sig, .sig_sz = sig_sz };
	ul = (struct load){ .fds = n ? um.fds : NULL, .cnt = n };
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
	if (!tracer_start(&t)) {
		err = traced_load(&t, &sl, &alloc_s);
		if (!err)
			err = traced_load(&t, &ul, &alloc_u);
		tracer_stop(&t);
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

void serial_test_signed_loader_bench(void)
{
	parse_params();
	calibrate();
	printf("bench: clock ns_per_tick=%.4f\n", ns_per_tick);
	sl_with_key(run_bench);
}
