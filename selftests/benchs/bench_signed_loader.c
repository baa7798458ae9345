// SPDX-License-Identifier: GPL-2.0
/*
 * What a signature costs at BPF_PROG_LOAD: the signed load of a program with
 * exclusive, frozen metadata maps, the same load unsigned, and the kernel's
 * own SHA-256 of the same map values, the floor of any scheme that reads all
 * the metadata.
 *
 *   signed-load           BPF_PROG_LOAD of a two-instruction program with
 *                         --meta-size bytes of metadata in exclusive, frozen
 *                         array maps of at most 4 MiB (KMALLOC_MAX_SIZE), and
 *                         a PKCS#7 signature over insns || values, made with
 *                         the key verify_sig_setup.sh makes
 *                         (VERIFY_SIG_KEY_TYPE selects its type)
 *   signed-load-unsigned  the same load with equal but shared maps and no
 *                         signature (an unsigned load cannot bind exclusive
 *                         maps)
 *   signed-load-hash      BPF_OBJ_GET_INFO_BY_FD's info.hash of the same
 *                         frozen maps
 *
 * One producer repeats: the syscall, timed, then closing the program fd
 * and making the maps anew (a signed program keeps its maps reserved until
 * it is freed, and every benchmark then reads maps as fresh as the signed
 * load's).  Beside the runner's repetitions per second, the final report
 * gives the median and 90th percentile of the timed syscall over the
 * measured seconds and, for the loads, the bytes the kernel allocates in one
 * load (tracefs kmem events of this task):
 *
 *   bench: kind=signed size=... maps=... key=... sig_bytes=... reps=...
 *          med_us=... p90_us=... mean_us=... alloc_bytes=...
 *
 * A guest without a usable clocksource keeps time in jiffies, too coarse for
 * one load: on x86-64 the timer is the TSC, calibrated against CLOCK_MONOTONIC
 * in setup; elsewhere CLOCK_MONOTONIC itself.
 *
 * Run from the selftests directory (it runs ./verify_sig_setup.sh and
 * ./sign-file); benchs/run_bench_signed_loader.sh runs every size and key
 * type.
 */
#include <argp.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#ifdef __x86_64__
#include <x86intrin.h>
#define HAVE_TSC
#endif
#include "bench.h"
#include "testing_helpers.h"
#include "bpf_util.h"
#include "prog_tests/signed_loader_helpers.h"

#define MAX_VALUE	(4U << 20)		/* KMALLOC_MAX_SIZE */
#define MAX_MAPS	4			/* PAYLOAD_MAX / MAX_VALUE, rounded up */
#define PAYLOAD_MAX	((16U << 20) - 1)	/* DYNPTR_MAX_SIZE */
#define MAX_SAMPLES	1000000
#define HASH_SZ		32			/* SHA-256 */
#define FILL		0xa0			/* map i holds FILL + i */
#define CALIBRATE_NS	2000000000ULL

enum kind { SIGNED, UNSIGNED, HASH };

static const char * const kind_names[] = {
	[SIGNED] = "signed", [UNSIGNED] = "unsigned", [HASH] = "sha256",
};

static struct {
	__u32 meta_size;
} args = {
	.meta_size = 0,
};

enum {
	ARG_META_SIZE = 12000,
};

static const struct argp_option opts[] = {
	{ "meta-size", ARG_META_SIZE, "BYTES", 0,
	  "Bytes of signed metadata, in array maps of at most 4 MiB (default 0: no map)" },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	unsigned long v;
	char *end;

	switch (key) {
	case ARG_META_SIZE:
		errno = 0;
		v = strtoul(arg, &end, 0);
		if (errno || *end || v > PAYLOAD_MAX - sizeof(sl_insns)) {
			fprintf(stderr, "--meta-size: %s is not a size of 0 to %zu bytes\n",
				arg, PAYLOAD_MAX - sizeof(sl_insns));
			argp_usage(state);
		}
		args.meta_size = v;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp bench_signed_loader_argp = {
	.options = opts,
	.parser = parse_arg,
};

static struct ctx {
	enum kind kind;
	int fds[MAX_MAPS];
	__u32 value_sz[MAX_MAPS];
	int n;
	__u8 sig[SL_SIG_SZ];
	__u32 sig_sz;
	char key_dir[64];
	long long alloc_bytes;
	long hits;
	/* samples[0..nr_samples) are published to report_final() */
	double samples[MAX_SAMPLES];
	int nr_samples;
	bool sampling;
	int measures;
	/* report_final() asks the producer to stop and waits until it has */
	bool stop;
	bool stopped;
} ctx;

/* ---- the timer ------------------------------------------------------- */

static double ns_per_tick = 1;
#ifdef HAVE_TSC
static bool use_counter;
#endif

static __u64 ticks(void)
{
#ifdef HAVE_TSC
	if (use_counter)
		return __rdtsc();
#endif
	return get_time_ns();
}

static void calibrate(void)
{
#ifdef HAVE_TSC
	__u64 t0, c0, t1, c1;

	use_counter = true;
	t0 = get_time_ns();
	c0 = ticks();
	do
		t1 = get_time_ns();
	while (t1 - t0 < CALIBRATE_NS);
	c1 = ticks();
	if (c1 > c0) {
		ns_per_tick = (double)(t1 - t0) / (c1 - c0);
		return;
	}
	use_counter = false;
#endif
	ns_per_tick = 1;	/* nanoseconds */
}

static double now_ns(void)
{
	return ticks() * ns_per_tick;
}

/* ---- maps, signing, one load ----------------------------------------- */

static void close_maps(void)
{
	int i;

	for (i = 0; i < MAX_MAPS; i++) {
		if (ctx.fds[i] >= 0)
			close(ctx.fds[i]);
		ctx.fds[i] = -1;
	}
}

/* (Re)create the maps: map i holds FILL + i in value_sz[i] bytes. */
static int make_maps(void)
{
	char name[16];
	int i;

	close_maps();
	for (i = 0; i < ctx.n && i < MAX_MAPS; i++) {
		snprintf(name, sizeof(name), "bench_%c%d", ctx.kind == UNSIGNED ? 'u' : 's', i);
		ctx.fds[i] = sl_make_map(name, BPF_MAP_TYPE_ARRAY, ctx.value_sz[i], 1, 0,
					 ctx.kind != UNSIGNED, true, FILL + i);
		if (ctx.fds[i] < 0)
			return ctx.fds[i];
	}
	return 0;
}

static int load(void)
{
	bool sig = ctx.kind == SIGNED;

	return sl_load(ctx.n ? ctx.fds : NULL, ctx.n, sig ? ctx.sig : NULL,
		       sig ? ctx.sig_sz : 0, sig ? KEY_SPEC_SESSION_KEYRING : 0, false);
}

/* The kernel's SHA-256 of every map value, summed over the maps. */
static int hash_maps(double *ns)
{
	struct bpf_map_info info;
	__u8 hash[HASH_SZ];
	__u32 len;
	double t0;
	int i, err;

	*ns = 0;
	for (i = 0; i < ctx.n; i++) {
		memset(&info, 0, sizeof(info));
		info.hash = (__u64)(unsigned long)hash;
		info.hash_size = sizeof(hash);
		len = sizeof(info);
		t0 = now_ns();
		err = bpf_map_get_info_by_fd(ctx.fds[i], &info, &len);
		*ns += now_ns() - t0;
		if (err)
			return err;
	}
	return 0;
}

/* One timed repetition: *@ns of syscall, then the maps made anew. */
static int one(double *ns)
{
	double t0, t1;
	int fd;

	if (ctx.kind == HASH) {
		int err = hash_maps(ns);

		return err ? err : make_maps();
	}
	t0 = now_ns();
	fd = load();
	t1 = now_ns();
	if (fd < 0)
		return fd;
	close(fd);
	*ns = t1 - t0;
	return ctx.n ? make_maps() : 0;
}

/*
 * The key type of the certificate verify_sig_setup.sh made, from its
 * algorithm OID: a script that knows no VERIFY_SIG_KEY_TYPE (unpatched 7.3)
 * makes an RSA key whatever was asked, and the report must say so.
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

static void remove_key(void)
{
	if (ctx.key_dir[0])
		sl_run_setup("cleanup", ctx.key_dir);
	ctx.key_dir[0] = 0;
}

/* A key in the session keyring, and the signature of the payload. */
static void make_key_and_sign(void)
{
	size_t len = sizeof(sl_insns), off;
	const char *made;
	__u8 *payload;
	int i, err;

	if (sl_key_setup(ctx.key_dir, sizeof(ctx.key_dir))) {
		fprintf(stderr, "no signing key; run from the selftests directory\n");
		exit(1);
	}
	atexit(remove_key);
	made = cert_key_type(ctx.key_dir);
	if (strcmp(made, sl_key_type())) {
		printf("bench: kind=signed size=%u key=%s made=%s: verify_sig_setup.sh did not make that key type, skipped\n",
		       args.meta_size, sl_key_type(), made);
		exit(0);
	}

	for (i = 0; i < ctx.n; i++)
		len += ctx.value_sz[i];
	payload = malloc(len);
	if (!payload) {
		fprintf(stderr, "payload of %zu bytes: out of memory\n", len);
		exit(1);
	}
	memcpy(payload, sl_insns, sizeof(sl_insns));
	for (i = 0, off = sizeof(sl_insns); i < ctx.n; off += ctx.value_sz[i], i++)
		memset(payload + off, FILL + i, ctx.value_sz[i]);
	ctx.sig_sz = sizeof(ctx.sig);
	err = sl_sign(ctx.key_dir, payload, len, ctx.sig, &ctx.sig_sz);
	free(payload);
	if (err) {
		fprintf(stderr, "sign-file failed (%d)\n", err);
		exit(1);
	}
}

/* One load with the kmem events on: the bytes it allocates, or -1. */
static long long traced_load(void)
{
	struct sl_tracer t;
	long long bytes;
	int fd;

	if (sl_tracer_start(&t)) {
		fprintf(stderr, "no tracefs kmem events: allocations not measured\n");
		return -1;
	}
	bytes = -1;
	if (!sl_trace_begin(&t)) {
		fd = load();
		bytes = sl_trace_end(&t);
		if (fd >= 0)
			close(fd);
		else
			bytes = -1;
	}
	sl_tracer_stop(&t);
	if (ctx.n && make_maps())
		return -1;
	return bytes;
}

static void validate(void)
{
	if (env.producer_cnt != 1) {
		fprintf(stderr, "signed-load benchmarks take one producer\n");
		exit(1);
	}
	if (env.consumer_cnt != 0) {
		fprintf(stderr, "signed-load benchmarks take no consumer\n");
		exit(1);
	}
}

static void setup(enum kind kind)
{
	double ns;
	int i, err;

	setup_libbpf();
	ctx.kind = kind;
	for (i = 0; i < MAX_MAPS; i++)
		ctx.fds[i] = -1;
	ctx.n = (args.meta_size + MAX_VALUE - 1) / MAX_VALUE;
	for (i = 0; i < ctx.n; i++)
		ctx.value_sz[i] = args.meta_size - i * MAX_VALUE < MAX_VALUE ?
				  args.meta_size - i * MAX_VALUE : MAX_VALUE;
	if (kind == HASH && !ctx.n) {
		fprintf(stderr, "signed-load-hash: no map to hash; give --meta-size\n");
		exit(1);
	}
	if (kind == SIGNED)
		make_key_and_sign();
	err = make_maps();
	if (err) {
		fprintf(stderr, "making %d maps of %u bytes in all failed: %d\n", ctx.n,
			args.meta_size, err);
		exit(1);
	}
	calibrate();
	/* One untimed repetition: it fails here rather than in the producer. */
	err = one(&ns);
	if (err) {
		fprintf(stderr, "%s: %s failed: %d (%s)\n", bench->name,
			kind == HASH ? "BPF_OBJ_GET_INFO_BY_FD" : "BPF_PROG_LOAD", err,
			strerror(-err));
		exit(1);
	}
	ctx.alloc_bytes = kind == HASH ? -1 : traced_load();
	__atomic_store_n(&ctx.sampling, env.warmup_sec == 0, __ATOMIC_RELEASE);
}

static void signed_setup(void)
{
	setup(SIGNED);
}

static void unsigned_setup(void)
{
	setup(UNSIGNED);
}

static void hash_setup(void)
{
	setup(HASH);
}

static void *producer(void *input)
{
	double ns = 0;
	sigset_t set;
	int n, err;

	/*
	 * The runner's SIGALRM goes to the main thread: a signal pending in a
	 * load makes the verifier give up with -EAGAIN.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		if (__atomic_load_n(&ctx.stop, __ATOMIC_ACQUIRE)) {
			/* Nothing of ours runs once the report has begun. */
			__atomic_store_n(&ctx.stopped, true, __ATOMIC_RELEASE);
			for (;;)
				pause();
		}
		err = one(&ns);
		if (err) {
			fprintf(stderr, "%s: repetition failed: %d (%s)\n", bench->name, err,
				strerror(-err));
			exit(1);
		}
		n = ctx.nr_samples;
		if (__atomic_load_n(&ctx.sampling, __ATOMIC_ACQUIRE) && n < MAX_SAMPLES) {
			ctx.samples[n] = ns / 1e3;
			__atomic_store_n(&ctx.nr_samples, n + 1, __ATOMIC_RELEASE);
		}
		atomic_inc(&ctx.hits);
	}
	return NULL;
}

static void measure(struct bench_res *res)
{
	res->hits = atomic_swap(&ctx.hits, 0);
	/* The samples are those of the seconds report_final() is given. */
	if (++ctx.measures == env.warmup_sec)
		__atomic_store_n(&ctx.sampling, true, __ATOMIC_RELEASE);
}

static void report_progress(int iter, struct bench_res *res, long delta_ns)
{
	printf("Iter %3d (%7.3lfus): reps %8.2lf/s\n", iter,
	       (delta_ns - 1000000000) / 1000.0, res->hits * 1e9 / delta_ns);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report_final(struct bench_res res[], int res_cnt)
{
	double mean = 0, stddev = 0, sum = 0, med = 0, p90 = 0;
	struct itimerval off = {};
	int i, n;

	/*
	 * The measurements are over: stop the runner's timer (removing the
	 * key at exit may take longer than its one spare result slot), and
	 * stop the producer before anything is torn down, or the key's
	 * removal would fail its next signed load.
	 */
	setitimer(ITIMER_REAL, &off, NULL);
	__atomic_store_n(&ctx.stop, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&ctx.stopped, __ATOMIC_ACQUIRE))
		usleep(1000);
	n = __atomic_load_n(&ctx.nr_samples, __ATOMIC_ACQUIRE);
	for (i = 0; i < res_cnt; i++)
		mean += res[i].hits / (double)res_cnt;
	for (i = 0; res_cnt > 1 && i < res_cnt; i++)
		stddev += (mean - res[i].hits) * (mean - res[i].hits) / (res_cnt - 1.0);
	stddev = sqrt(stddev);
	qsort(ctx.samples, n, sizeof(ctx.samples[0]), cmp_double);
	for (i = 0; i < n; i++)
		sum += ctx.samples[i];
	if (n) {
		med = n % 2 ? ctx.samples[n / 2] :
			      (ctx.samples[n / 2 - 1] + ctx.samples[n / 2]) / 2;
		p90 = ctx.samples[(9 * n + 9) / 10 - 1];	/* ceil(0.9 * n) - 1 */
	}
	printf("Summary: reps %8.2lf ± %6.2lf/s, latency median %.1f us, p90 %.1f us (%d samples)\n",
	       mean, stddev, med, p90, n);
	printf("bench: kind=%s size=%u maps=%d key=%s sig_bytes=%u reps=%d med_us=%.1f p90_us=%.1f mean_us=%.1f alloc_bytes=%lld ns_per_tick=%.4f\n",
	       kind_names[ctx.kind], args.meta_size, ctx.n,
	       ctx.kind == SIGNED ? sl_key_type() : "none", ctx.kind == SIGNED ? ctx.sig_sz : 0,
	       n, med, p90, n ? sum / n : 0, ctx.alloc_bytes, ns_per_tick);
	if (!n)
		fprintf(stderr, "%s: no repetition ended in the measured seconds; give a longer -d\n",
			bench->name);
}

const struct bench bench_signed_load = {
	.name = "signed-load",
	.argp = &bench_signed_loader_argp,
	.validate = validate,
	.setup = signed_setup,
	.producer_thread = producer,
	.measure = measure,
	.report_progress = report_progress,
	.report_final = report_final,
};

const struct bench bench_signed_load_unsigned = {
	.name = "signed-load-unsigned",
	.argp = &bench_signed_loader_argp,
	.validate = validate,
	.setup = unsigned_setup,
	.producer_thread = producer,
	.measure = measure,
	.report_progress = report_progress,
	.report_final = report_final,
};

const struct bench bench_signed_load_hash = {
	.name = "signed-load-hash",
	.argp = &bench_signed_loader_argp,
	.validate = validate,
	.setup = hash_setup,
	.producer_thread = producer,
	.measure = measure,
	.report_progress = report_progress,
	.report_final = report_final,
};
