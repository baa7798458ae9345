// SPDX-License-Identifier: GPL-2.0
/*
 * The signed-load path under attack and faults.  The caller controls the
 * instructions, fd_array, map contents and writers, signature bytes,
 * keyring id and timing; none of that may yield a VERIFIED program whose
 * bound metadata differs from the signed bytes, a leak, or an errno outside
 * the contract.
 *
 *   toctou   a thread swaps other maps onto the fd number being loaded
 *   writers  updates, writable mmaps and freeze race the signed loads
 *   failnth  every allocation of a two-map signed load fails in turn
 *   mutate   seeded mutations of signature, signature_size, keyring_id
 *            and fd_array_cnt
 *
 * Each prints one line "name: key=value ...".  Sizes and time bounds come
 * from SIGNED_PARAMS="toctou=N writers=N mutate=N mutate_start=N
 * seconds=N seed=N" (defaults: the reduced run of make test).  A subtest
 * fails if its count is not reached within its time bound.
 */

#include <test_progs.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <limits.h>
#include <time.h>
#include <linux/keyctl.h>

#include "signed_loader_helpers.h"

#define VALUE_SZ 64
#define SIGNED 0xa1
#define OTHER 0xb2
#define TARGET_FD 900	/* the fd number the toctou loader names */

static struct {
	long toctou, writers, mutate, mutate_start, seconds;
	unsigned long long seed;
} P;

static void parse_params(void)
{
	const char *env = getenv("SIGNED_PARAMS");
	char buf[512], *tok, *save = NULL;

	P.toctou = 10000;
	P.writers = 10000;
	P.mutate = 10000;
	P.mutate_start = 0;
	P.seconds = 300;
	P.seed = 1;
	if (!env)
		return;
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, " ,", &save); tok;
	     tok = strtok_r(NULL, " ,", &save)) {
		char *eq = strchr(tok, '=');
		long long v;

		if (!eq)
			continue;
		*eq = 0;
		v = strtoll(eq + 1, NULL, 0);
		if (!strcmp(tok, "toctou"))
			P.toctou = v;
		else if (!strcmp(tok, "writers"))
			P.writers = v;
		else if (!strcmp(tok, "mutate"))
			P.mutate = v;
		else if (!strcmp(tok, "mutate_start"))
			P.mutate_start = v;
		else if (!strcmp(tok, "seconds"))
			P.seconds = v;
		else if (!strcmp(tok, "seed"))
			P.seed = v;
		else
			fprintf(stderr, "SIGNED_PARAMS: unknown key %s\n", tok);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A line in the kernel log, so that the host can place kernel messages. */
static void log_kmsg(const char *what)
{
	int fd = open("/dev/kmsg", O_WRONLY);

	if (fd >= 0) {
		dprintf(fd, "signed_loader_stress: %s\n", what);
		close(fd);
	}
}

/* errno histogram, printed as "EKEYREJECTED:12,EBADMSG:3" */
#define NR_ERRNO 600
struct errnos {
	long n[NR_ERRNO];
};

static void count_errno(struct errnos *e, int err)
{
	if (err < 0 && -err < NR_ERRNO)
		__atomic_add_fetch(&e->n[-err], 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&e->n[0], 1, __ATOMIC_RELAXED);
}

static const char *errno_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case EBADMSG: return "EBADMSG";
	case EKEYREJECTED: return "EKEYREJECTED";
	case ENOKEY: return "ENOKEY";
	case ENOPKG: return "ENOPKG";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EMSGSIZE: return "EMSGSIZE";
	case ELIBBAD: return "ELIBBAD";
	case EOVERFLOW: return "EOVERFLOW";
	case 524: return "ENOTSUPP";
	case 0: return "other";
	}
	return NULL;
}

static void format_errnos(const struct errnos *e, char *buf, size_t sz)
{
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < NR_ERRNO && off < sz; i++) {
		const char *name = errno_name(i);

		if (!e->n[i])
			continue;
		if (name)
			off += snprintf(buf + off, sz - off, "%s%s:%ld",
					off ? "," : "", name, e->n[i]);
		else
			off += snprintf(buf + off, sz - off, "%s%d:%ld",
					off ? "," : "", i, e->n[i]);
	}
	if (!off)
		snprintf(buf, sz, "none");
}

/* Errnos outside @allowed (a 0-terminated list of positive errnos). */
static long unexpected(const struct errnos *e, const int *allowed)
{
	long bad = 0;
	int i, j;

	for (i = 0; i < NR_ERRNO; i++) {
		for (j = 0; allowed[j]; j++)
			if (allowed[j] == i)
				break;
		if (!allowed[j])
			bad += e->n[i];
	}
	return bad;
}

/*
 * The map a loaded program binds, checked against the signed value: true
 * if the program binds exactly one map and its element 0 is @fill.
 */
static bool binds_signed_value(int prog_fd, __u8 fill, __u32 *map_id)
{
	__u8 value[VALUE_SZ], want[VALUE_SZ];
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[4], key = 0;
	int fd;
	bool ok;

	info.nr_map_ids = ARRAY_SIZE(ids);
	info.map_ids = ptr_to_u64(ids);
	if (bpf_prog_get_info_by_fd(prog_fd, &info, &len) ||
	    info.nr_map_ids != 1)
		return false;
	*map_id = ids[0];
	fd = bpf_map_get_fd_by_id(ids[0]);
	if (fd < 0)
		return false;
	memset(want, fill, sizeof(want));
	ok = !bpf_map_lookup_elem(fd, &key, value) &&
	     !memcmp(value, want, sizeof(value));
	close(fd);
	return ok;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_map_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

static int sign_value(const char *dir, __u8 fill, int nmaps, void *sig,
		      __u32 *sig_sz)
{
	__u8 fills[2] = { fill, fill + 1 };
	size_t len;
	void *buf;
	int err;

	buf = sl_payload(fills, nmaps, VALUE_SZ, &len);
	if (!buf)
		return -ENOMEM;
	*sig_sz = SL_SIG_SZ;
	err = sl_sign(dir, buf, len, sig, sig_sz);
	free(buf);
	return err;
}

/* ---- toctou ---------------------------------------------------------- */

struct toctou {
	int good, other, unfrozen, shared;
	__u32 good_id;
	int stop;
};

/* Keep changing what TARGET_FD names. */
static void *toctou_swapper(void *arg)
{
	struct toctou *t = arg;
	unsigned long n = 0;
	int fd;

	while (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
		switch (n++ % 7) {
		case 0:
			dup2(t->other, TARGET_FD);
			break;
		case 1:
		case 5:
			dup2(t->good, TARGET_FD);
			break;
		case 2:
			close(TARGET_FD);
			break;
		case 3:
			/* reopen the signed map through a new file */
			fd = bpf_map_get_fd_by_id(t->good_id);
			if (fd >= 0) {
				dup2(fd, TARGET_FD);
				close(fd);
			}
			break;
		case 4:
			dup2(t->unfrozen, TARGET_FD);
			break;
		case 6:
			dup2(t->shared, TARGET_FD);
			break;
		}
	}
	return NULL;
}

static void stress_toctou(const char *dir)
{
	static const int allowed[] = { EKEYREJECTED, EBADF, EPERM, EINVAL, 0 };
	struct toctou t = { .good = -1, .other = -1, .unfrozen = -1, .shared = -1 };
	static __u8 sig[SL_SIG_SZ];
	struct errnos e = {};
	long i, verified = 0, wrong = 0;
	int target = TARGET_FD, fd;
	__u32 sig_sz, id;
	char errs[256];
	double start, end;
	pthread_t thr;

	t.good = sl_make_map("good", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true, true, SIGNED);
	t.other = sl_make_map("other", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true, true, OTHER);
	t.unfrozen = sl_make_map("unfrozen", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true, false,
				 SIGNED);
	t.shared = sl_make_map("shared", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, false, true, SIGNED);
	if (!ASSERT_OK_FD(t.good, "good") || !ASSERT_OK_FD(t.other, "other") ||
	    !ASSERT_OK_FD(t.unfrozen, "unfrozen") || !ASSERT_OK_FD(t.shared, "shared"))
		goto out;
	t.good_id = map_id(t.good);
	if (!ASSERT_OK(sign_value(dir, SIGNED, 1, sig, &sig_sz), "sign"))
		goto out;
	if (!ASSERT_EQ(dup2(t.good, TARGET_FD), TARGET_FD, "dup2"))
		goto out;
	fd = sl_load(&target, 1, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
	if (!ASSERT_OK_FD(fd, "signed load before the race"))
		goto out;
	close(fd);

	if (!ASSERT_OK(pthread_create(&thr, NULL, toctou_swapper, &t), "thread"))
		goto out;
	start = now();
	end = start + P.seconds;
	for (i = 0; i < P.toctou && now() < end; i++) {
		fd = sl_load(&target, 1, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
		if (fd < 0) {
			count_errno(&e, fd);
			continue;
		}
		verified++;
		/* Only the signed, frozen, exclusive map may be bound. */
		if (!binds_signed_value(fd, SIGNED, &id) || id != t.good_id)
			wrong++;
		close(fd);
	}
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELAXED);
	pthread_join(thr, NULL);
	close(TARGET_FD);

	format_errnos(&e, errs, sizeof(errs));
	printf("toctou: iterations=%ld wrong_verdicts=%ld verified=%ld rejected=%ld",
	       i, wrong, verified, i - verified);
	printf(" errnos=%s seconds=%.1f\n", errs, now() - start);
	ASSERT_GE(i, P.toctou, "iterations within the time bound");
	ASSERT_EQ(wrong, 0, "wrong verdicts");
	ASSERT_GT(verified, 0, "some loads verified");
	ASSERT_GT(e.n[EKEYREJECTED], 0, "some loads saw the other map");
	ASSERT_EQ(unexpected(&e, allowed), 0, "unexpected errnos");
out:
	close(t.good);
	close(t.other);
	close(t.unfrozen);
	close(t.shared);
}

/* ---- writers --------------------------------------------------------- */

struct writers {
	int map;
	int round, done;	/* the writer has finished round done */
	int stop;
	long ops, mmaps, freezes, busy_freezes, bad_freezes, denied;
};

static unsigned long long splitmix(unsigned long long *s)
{
	unsigned long long z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void set_value(int map, __u8 fill)
{
	__u8 value[VALUE_SZ];
	__u32 key = 0;

	memset(value, fill, sizeof(value));
	bpf_map_update_elem(map, &key, value, BPF_ANY);
}

/*
 * One round: a seeded script of updates, writable mappings and freezes on
 * the round's map, then (the map being frozen) more updates and mmaps that
 * must be refused but still count as writers while they run.
 */
static void writer_round(struct writers *w, unsigned long long seed)
{
	int map = w->map, step, frozen = 0;
	long page = sysconf(_SC_PAGESIZE);
	__u8 *mem, value[VALUE_SZ];
	__u32 key = 0;

	for (step = 0; step < 24; step++) {
		unsigned long long r = splitmix(&seed);
		__u8 fill = (r >> 8) & 1 ? SIGNED : OTHER;

		w->ops++;
		switch (r % 4) {
		case 0:
			set_value(map, fill);
			break;
		case 1:
			mem = mmap(NULL, page, PROT_READ | PROT_WRITE,
				   MAP_SHARED, map, 0);
			if (mem == MAP_FAILED) {
				w->denied++;
				break;
			}
			w->mmaps++;
			memset(mem, fill, VALUE_SZ);
			/* freezing with a writable mapping must fail */
			if (bpf_map_freeze(map) == 0) {
				frozen = 1;
				w->bad_freezes++;
			} else {
				w->busy_freezes++;
			}
			sched_yield();
			munmap(mem, page);
			break;
		case 2:
			if (!frozen && bpf_map_freeze(map) == 0) {
				frozen = 1;
				w->freezes++;
			}
			break;
		case 3:
			sched_yield();
			break;
		}
	}
	if (!frozen && bpf_map_freeze(map) == 0)
		w->freezes++;
	/* Refused writes still raise the writer count while they run. */
	memset(value, OTHER, sizeof(value));
	for (step = 0; step < 8; step++)
		if (bpf_map_update_elem(map, &key, value, BPF_ANY))
			w->denied++;
}

static void *writer_thread(void *arg)
{
	struct writers *w = arg;
	int seen = 0, round;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		round = __atomic_load_n(&w->round, __ATOMIC_ACQUIRE);
		if (round == seen) {
			sched_yield();
			continue;
		}
		writer_round(w, P.seed * 1000003ULL + round);
		seen = round;
		__atomic_store_n(&w->done, round, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void stress_writers(const char *dir)
{
	static const int allowed[] = { EKEYREJECTED, EPERM, EBUSY, 0 };
	static __u8 sig[SL_SIG_SZ];
	struct writers w = { .map = -1 };
	long loads = 0, verified = 0, wrong = 0, rounds = 0;
	struct errnos e = {};
	__u32 sig_sz, id;
	double start, end;
	char errs[256];
	pthread_t thr;
	int fd;

	if (!ASSERT_OK(sign_value(dir, SIGNED, 1, sig, &sig_sz), "sign"))
		return;
	if (!ASSERT_OK(pthread_create(&thr, NULL, writer_thread, &w), "thread"))
		return;
	start = now();
	end = start + P.seconds;
	while (loads < P.writers && now() < end) {
		int round_done, map;
		__u8 value[VALUE_SZ], want[VALUE_SZ];

		map = sl_make_map("w", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1,
				  BPF_F_MMAPABLE, true, false, SIGNED);
		if (map < 0) {
			ASSERT_OK_FD(map, "map");
			break;
		}
		w.map = map;
		rounds++;
		__atomic_store_n(&w.round, rounds, __ATOMIC_RELEASE);
		do {
			round_done = __atomic_load_n(&w.done, __ATOMIC_ACQUIRE) == rounds;
			fd = sl_load(&map, 1, sig, sig_sz,
				     KEY_SPEC_SESSION_KEYRING, false);
			loads++;
			if (fd < 0) {
				count_errno(&e, fd);
				continue;
			}
			verified++;
			/*
			 * A verified program's map is frozen with no
			 * writer: its value must be, and stay, the signed one.
			 */
			if (!binds_signed_value(fd, SIGNED, &id))
				wrong++;
			close(fd);
		} while (!round_done);
		/* The writer is done: the verdict must follow the final value. */
		memset(want, SIGNED, sizeof(want));
		if (!bpf_map_lookup_elem(map, &(__u32){0}, value)) {
			fd = sl_load(&map, 1, sig, sig_sz,
				     KEY_SPEC_SESSION_KEYRING, false);
			loads++;
			if (fd >= 0 && memcmp(value, want, sizeof(value)))
				wrong++;
			if (fd < 0 && !memcmp(value, want, sizeof(value)))
				wrong++;
			if (fd >= 0) {
				verified++;
				close(fd);
			} else {
				count_errno(&e, fd);
			}
		}
		close(map);
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	pthread_join(thr, NULL);

	format_errnos(&e, errs, sizeof(errs));
	printf("writers: iterations=%ld wrong_verdicts=%ld rounds=%ld verified=%ld",
	       loads, wrong, rounds, verified);
	printf(" writer_ops=%ld mmaps=%ld freezes=%ld busy_freezes=%ld denied_writes=%ld",
	       w.ops, w.mmaps, w.freezes, w.busy_freezes, w.denied);
	printf(" errnos=%s seconds=%.1f\n", errs, now() - start);
	ASSERT_GE(loads, P.writers, "iterations within the time bound");
	ASSERT_EQ(wrong, 0, "wrong verdicts");
	ASSERT_EQ(w.bad_freezes, 0, "freezes despite a writable mapping");
	ASSERT_GT(verified, 0, "some loads verified");
	ASSERT_EQ(unexpected(&e, allowed), 0, "unexpected errnos");
}

/* ---- failnth --------------------------------------------------------- */

static void debugfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, val, strlen(val)) < 0)
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
		close(fd);
	}
}

/* "id:usage " of every key the task can see: refcounts held by keys. */
static int key_usage(char *buf, size_t sz)
{
	char line[512], id[32];
	size_t off = 0;
	int usage;
	FILE *f = fopen("/proc/keys", "r");

	if (!f)
		return -errno;
	buf[0] = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %*s %d", id, &usage) == 2 && off < sz)
			off += snprintf(buf + off, sz - off, "%s:%d ", id, usage);
	fclose(f);
	return 0;
}

static int count_progs(void)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_prog_get_next_id(id, &id))
		n++;
	return n;
}

static bool map_gone(__u32 id)
{
	int fd = bpf_map_get_fd_by_id(id);

	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == ENOENT;
}

static void stress_failnth(const char *dir)
{
	static char base_keys[8192], keys[8192];
	static __u8 sig[SL_SIG_SZ];
	long points = 0, clean = 0, leaks = 0, tolerated = 0;
	int fds[2] = { -1, -1 }, nth_fd, fd, base_progs, n, i;
	__u32 sig_sz, ids[2];
	struct errnos e = {};
	char path[64], buf[32], errs[256];
	double start = now(), end;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	nth_fd = open(path, O_RDWR);
	if (nth_fd < 0) {
		printf("failnth: skipped (no %s: kernel without CONFIG_FAULT_INJECTION)\n", path);
		test__skip();
		return;
	}
	/* Fail sleeping allocations and order-0 pages too, quietly. */
	debugfs_write("/sys/kernel/debug/failslab/ignore-gfp-wait", "N");
	debugfs_write("/sys/kernel/debug/failslab/verbose", "0");
	debugfs_write("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N");
	debugfs_write("/sys/kernel/debug/fail_page_alloc/min-order", "0");
	debugfs_write("/sys/kernel/debug/fail_page_alloc/verbose", "0");

	for (i = 0; i < 2; i++) {
		fds[i] = sl_make_map(i ? "meta_b" : "meta_a", BPF_MAP_TYPE_ARRAY,
				     VALUE_SZ, 1, 0, true, true, SIGNED + i);
		if (!ASSERT_OK_FD(fds[i], "map"))
			goto out;
		ids[i] = map_id(fds[i]);
	}
	if (!ASSERT_OK(sign_value(dir, SIGNED, 2, sig, &sig_sz), "sign"))
		goto out;
	/* The load must succeed without faults, and leave nothing behind. */
	fd = sl_load(fds, 2, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
	if (!ASSERT_OK_FD(fd, "signed load"))
		goto out;
	close(fd);
	base_progs = count_progs();
	if (!ASSERT_OK(key_usage(base_keys, sizeof(base_keys)), "/proc/keys"))
		goto out;

	log_kmsg("fault injection begin");
	start = now();
	end = start + P.seconds;
	for (n = 1; now() < end; n++) {
		int remaining;

		snprintf(buf, sizeof(buf), "%d", n);
		if (pwrite(nth_fd, buf, strlen(buf), 0) < 0)
			break;
		fd = sl_load(fds, 2, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
		memset(buf, 0, sizeof(buf));
		remaining = pread(nth_fd, buf, sizeof(buf) - 1, 0) > 0 ? atoi(buf) : -1;
		pwrite(nth_fd, "0", 1, 0);
		if (remaining != 0) {
			/* No n-th fault point left: the load ran to the end. */
			ASSERT_OK_FD(fd, "load without an injected fault");
			if (fd >= 0)
				close(fd);
			break;
		}
		points++;
		if (fd >= 0) {
			/* The failure was absorbed (a fallback path). */
			tolerated++;
			close(fd);
			continue;
		}
		count_errno(&e, fd);
		if (key_usage(keys, sizeof(keys)) == 0 &&
		    !strcmp(keys, base_keys) && count_progs() == base_progs) {
			clean++;
		} else {
			fprintf(stderr, "failnth: point %d (%d) left state behind:\n",
				n, fd);
			fprintf(stderr, "before %s\nafter  %s\n", base_keys, keys);
		}
	}
	log_kmsg("fault injection end");
	ASSERT_LT(now(), end, "sweep within the time bound");
out:
	for (i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* Both maps must be freed once their last fd is gone. */
	for (i = 0; i < 2 && fds[i] >= 0; i++) {
		double until = now() + 10;

		while (!map_gone(ids[i]) && now() < until)
			usleep(10000);
		if (!map_gone(ids[i]))
			leaks++;
	}
	leaks += (points - tolerated) - clean;
	close(nth_fd);
	format_errnos(&e, errs, sizeof(errs));
	printf("failnth: points=%ld clean=%ld leaks=%ld tolerated=%ld",
	       points, clean, leaks, tolerated);
	printf(" errnos=%s seconds=%.1f\n", errs, now() - start);
	ASSERT_GT(points, 0, "fault points");
	ASSERT_EQ(leaks, 0, "leaks");
	ASSERT_EQ(e.n[0], 0, "failures without an errno");
}

/* ---- mutate ---------------------------------------------------------- */

enum {
	M_FLIP, M_BYTE, M_TRUNC, M_EXTEND, M_DERLEN, M_RANDDER, M_SIGSZ,
	M_KEYRING, M_FDCNT, M_KINDS
};

static const char * const kind_name[M_KINDS] = {
	"bitflip", "byte", "truncate", "extend", "derlen", "randder",
	"sigsize", "keyring", "fdcnt",
};

struct mutate {
	const __u8 *sig;
	__u32 sig_sz;
	int fds[64];		/* fds[0] the signed map, then another, then -1 */
	int len_off[256];	/* offsets of DER length octets in sig */
	int nlen, issuer_off, issuer_end, serial_off, serial_end, val_off;
	long next, cases, accepted, malleable, by_kind[M_KINDS],
	     malleable_by_kind[M_KINDS];
	struct errnos e;
	double end;
};

/*
 * Record every DER header of the signature: its length octet (for length
 * edits) and, from the PKCS#7 structure, where the signer's identity (the
 * values of issuer and serialNumber, from which the kernel builds the key
 * id) and the signature value lie.
 */
static void der_walk(struct mutate *m, const __u8 *sig, int p, int end,
		     int depth)
{
	int prev_off = -1, prev_end = -1;

	while (p + 2 <= end && depth < 16) {
		__u8 tag = sig[p];
		int len, hdr, i;

		if ((tag & 0x1f) == 0x1f)
			return;	/* multi-byte tags do not occur in PKCS#7 */
		if (m->nlen < (int)ARRAY_SIZE(m->len_off))
			m->len_off[m->nlen++] = p + 1;
		len = sig[p + 1];
		hdr = 2;
		if (len & 0x80) {
			int n = len & 0x7f;

			if (!n || n > 3 || p + 2 + n > end)
				return;
			for (len = 0, i = 0; i < n; i++)
				len = len << 8 | sig[p + 2 + i];
			hdr += n;
		}
		if (p + hdr + len > end)
			return;
		/* the certificate serial, after the issuer Name */
		if (tag == 0x02 && len >= 8 && !m->serial_end && prev_off >= 0) {
			m->issuer_off = prev_off;
			m->issuer_end = prev_end;
			m->serial_off = p + hdr;
			m->serial_end = p + hdr + len;
		}
		/* the last long OCTET STRING: the signature value */
		if (tag == 0x04 && len >= 128)
			m->val_off = p + hdr;
		if (tag & 0x20)
			der_walk(m, sig, p + hdr, p + hdr + len, depth + 1);
		prev_off = p + hdr;
		prev_end = p + hdr + len;
		p += hdr + len;
	}
}

/*
 * An accepted mutation is benign (the PKCS#7 layer's leniency, shared by
 * the C and the Rust path) only if it keeps the signer's identity and the
 * signature value byte for byte: then it names the same key and carries
 * the same signature over the same payload.  Anything else accepted is a
 * wrong verdict.
 */
static bool same_signer_and_value(const struct mutate *m, const __u8 *sig,
				  __u32 len)
{
	return len >= m->sig_sz &&
	       !memcmp(sig + m->issuer_off, m->sig + m->issuer_off,
		       m->issuer_end - m->issuer_off) &&
	       !memcmp(sig + m->serial_off, m->sig + m->serial_off,
		       m->serial_end - m->serial_off) &&
	       !memcmp(sig + m->val_off, m->sig + m->val_off,
		       m->sig_sz - m->val_off);
}

static int rand_der(unsigned long long *s, __u8 *out, int room, int depth)
{
	static const __u8 tags[] = { 0x30, 0x31, 0x02, 0x06, 0x04, 0xa0, 0x05,
				     0x17, 0x0c, 0x03, 0x80, 0xa1 };
	int n = 0;

	while (room - n > 4 && splitmix(s) % 4) {
		__u8 tag = tags[splitmix(s) % sizeof(tags)];
		int len, max = room - n - 4;

		if ((tag & 0x20) && depth < 5) {
			len = rand_der(s, out + n + 4, max < 600 ? max : 600, depth + 1);
		} else {
			len = splitmix(s) % (max < 300 ? max + 1 : 301);
			for (int i = 0; i < len; i++)
				out[n + 4 + i] = splitmix(s);
		}
		out[n] = tag;
		out[n + 1] = 0x82;
		out[n + 2] = len >> 8;
		out[n + 3] = len;
		n += 4 + len;
	}
	return n;
}

/* keyring ids that name keyrings holding the key are not mutations */
static bool holds_key(__s32 id)
{
	return syscall(__NR_keyctl, KEYCTL_SEARCH, id, "asymmetric",
		       "ebpf_testing_key", 0) >= 0;
}

static void *mutate_thread(void *arg)
{
	static const __s32 special[] = { 0, 1, 2, 3, 0xffff, -1, -2, -4, -5,
					 -6, -7, -8, -9, INT_MIN, INT_MAX };
	struct mutate *m = arg;
	__u8 sig[SL_SIG_SZ + 64];
	long i;

	while ((i = __atomic_fetch_add(&m->next, 1, __ATOMIC_RELAXED)) <
	       P.mutate_start + P.mutate) {
		unsigned long long s = P.seed ^ (i * 0x9e3779b97f4a7c15ULL);
		__u32 len = m->sig_sz, sig_sz, cnt = 1;
		__s32 keyring = KEY_SPEC_SESSION_KEYRING;
		int kind, fd, k, off;

		if (!(i & 63) && now() > m->end)
			break;
		splitmix(&s);
		kind = splitmix(&s) % M_KINDS;
		memcpy(sig, m->sig, len);
		memset(sig + len, 0, sizeof(sig) - len);
		/* Cases 0 .. 8 * len - 1 flip every single bit once. */
		if (i < 8 * (long)len) {
			kind = M_FLIP;
			sig[i / 8] ^= 1 << (i % 8);
			goto load;
		}
		switch (kind) {
		case M_FLIP:
			for (k = 1 + splitmix(&s) % 3; k; k--) {
				off = splitmix(&s) % len;
				sig[off] ^= 1 << (splitmix(&s) % 8);
			}
			if (!memcmp(sig, m->sig, len))
				sig[0] ^= 1;	/* two flips cancelled */
			break;
		case M_BYTE:
			off = splitmix(&s) % len;
			sig[off] ^= 1 + splitmix(&s) % 255;
			break;
		case M_TRUNC:
			len = splitmix(&s) % len;
			break;
		case M_EXTEND:
			for (k = 1 + splitmix(&s) % 64; k; k--)
				sig[len++] = splitmix(&s);
			break;
		case M_DERLEN: {
			int at = m->len_off[splitmix(&s) % m->nlen];
			static const __u8 lens[] = { 0x00, 0x01, 0x7f, 0x80,
						     0x81, 0x82, 0x83, 0x84,
						     0x88, 0xff };
			__u8 old = sig[at];

			switch (splitmix(&s) % 3) {
			case 0:
				sig[at] = old + 1;
				break;
			case 1:
				sig[at] = old - 1;
				break;
			default:
				sig[at] = lens[splitmix(&s) % sizeof(lens)];
				if (sig[at] == old)
					sig[at] ^= 0x40;
			}
			/* a long-form length's value octet, if any */
			if ((old & 0x80) && splitmix(&s) % 2) {
				sig[at] = old;
				sig[at + 1 + splitmix(&s) % (old & 0x7f)] ^=
					1 << (splitmix(&s) % 8);
			}
			break;
		}
		case M_RANDDER:
			if (splitmix(&s) % 2) {
				/* a valid prefix, then random structure */
				off = splitmix(&s) % len;
				len = off + rand_der(&s, sig + off,
						     SL_SIG_SZ - off, 1);
			} else {
				len = rand_der(&s, sig, SL_SIG_SZ, 0);
			}
			if (!len)
				len = 1;
			if (len == m->sig_sz && !memcmp(sig, m->sig, len))
				sig[len - 1] ^= 1;
			break;
		case M_SIGSZ: {
			static const __u32 sizes[] = { 0, 1, 2, 8191, 8192,
						       8193, 65536, UINT_MAX };

			k = splitmix(&s) % 4;
			if (k == 0)
				len = sizes[splitmix(&s) % ARRAY_SIZE(sizes)];
			else if (k == 1)
				len = m->sig_sz - 1 - splitmix(&s) % 16;
			else if (k == 2)
				len = m->sig_sz + 1 + splitmix(&s) % 16;
			else
				len = 1 + splitmix(&s) % SL_SIG_SZ;
			if (len == m->sig_sz)
				len++;
			/* bytes beyond the signature are zero; past the
			 * buffer the kernel must fault cleanly
			 */
			break;
		}
		case M_KEYRING:
			do {
				if (splitmix(&s) % 2)
					keyring = special[splitmix(&s) % ARRAY_SIZE(special)];
				else
					keyring = (__s32)splitmix(&s);
			} while (holds_key(keyring));
			break;
		case M_FDCNT: {
			static const __u32 cnts[] = { 0, 2, 3, 63, 64, 65,
						      1 << 16, UINT_MAX };

			cnt = cnts[splitmix(&s) % ARRAY_SIZE(cnts)];
			break;
		}
		}
load:
		sig_sz = len;
		fd = sl_load(m->fds, cnt, sig, sig_sz, keyring, false);
		__atomic_add_fetch(&m->cases, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&m->by_kind[kind], 1, __ATOMIC_RELAXED);
		if (fd >= 0 && cnt == 1 && keyring == KEY_SPEC_SESSION_KEYRING &&
		    same_signer_and_value(m, sig, sig_sz)) {
			__atomic_add_fetch(&m->malleable, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&m->malleable_by_kind[kind], 1,
					   __ATOMIC_RELAXED);
			close(fd);
		} else if (fd >= 0) {
			__atomic_add_fetch(&m->accepted, 1, __ATOMIC_RELAXED);
			fprintf(stderr, "mutate case %ld (%s) accepted\n",
				i, kind_name[kind]);
			close(fd);
		} else {
			count_errno(&m->e, fd);
		}
	}
	return NULL;
}

static void stress_mutate(const char *dir)
{
	/* The contract's errnos, plus fd_array resolution's EBADF. */
	static const int allowed[] = { EINVAL, EFAULT, E2BIG, ENOMEM, EBADMSG,
				       EKEYREJECTED, ENOKEY, ENOPKG, EBADF,
				       EMSGSIZE, 0 };
	static struct mutate m;
	static __u8 sig[SL_SIG_SZ];
	char errs[512], kinds[512], benign[512];
	double start;
	pthread_t thr[2];
	size_t off = 0;
	int i, fd, nthr;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < (int)ARRAY_SIZE(m.fds); i++)
		m.fds[i] = -1;
	m.fds[0] = sl_make_map("meta", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true, true, SIGNED);
	m.fds[1] = sl_make_map("meta2", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true, true, OTHER);
	if (!ASSERT_OK_FD(m.fds[0], "map") || !ASSERT_OK_FD(m.fds[1], "map2"))
		goto out;
	if (!ASSERT_OK(sign_value(dir, SIGNED, 1, sig, &m.sig_sz), "sign"))
		goto out;
	m.sig = sig;
	der_walk(&m, sig, 0, m.sig_sz, 0);
	if (!ASSERT_GT(m.nlen, 10, "DER headers in the signature") ||
	    !ASSERT_GT(m.issuer_end - m.issuer_off, 16, "issuer found") ||
	    !ASSERT_GT(m.val_off, m.serial_end, "signature value found"))
		goto out;
	/* The unmutated load is accepted: rejections below are the mutation's. */
	fd = sl_load(m.fds, 1, sig, m.sig_sz, KEY_SPEC_SESSION_KEYRING, false);
	if (!ASSERT_OK_FD(fd, "unmutated signed load"))
		goto out;
	close(fd);

	m.next = P.mutate_start;
	start = now();
	m.end = start + P.seconds;
	log_kmsg("mutate begin");
	nthr = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
	for (i = 0; i < nthr; i++)
		ASSERT_OK(pthread_create(&thr[i], NULL, mutate_thread, &m), "thread");
	for (i = 0; i < nthr; i++)
		pthread_join(thr[i], NULL);
	log_kmsg("mutate end");

	for (i = 0; i < M_KINDS; i++)
		off += snprintf(kinds + off, sizeof(kinds) - off, "%s%s:%ld",
				i ? "," : "", kind_name[i], m.by_kind[i]);
	for (i = 0, off = 0; i < M_KINDS; i++)
		if (m.malleable_by_kind[i])
			off += snprintf(benign + off, sizeof(benign) - off,
					"%s%s:%ld", off ? "," : "",
					kind_name[i], m.malleable_by_kind[i]);
	if (!off)
		snprintf(benign, sizeof(benign), "none");
	format_errnos(&m.e, errs, sizeof(errs));
	printf("mutate: cases=%ld accepted=%ld same_signature_accepted=%ld",
	       m.cases, m.accepted, m.malleable);
	printf(" first=%ld seed=%llu sig_bytes=%u errnos=%s kinds=%s",
	       (long)P.mutate_start, P.seed, m.sig_sz, errs, kinds);
	printf(" same_signature_kinds=%s seconds=%.1f\n", benign, now() - start);
	ASSERT_GE(m.cases, P.mutate, "cases within the time bound");
	ASSERT_EQ(m.accepted, 0, "accepted mutations");
	ASSERT_EQ(unexpected(&m.e, allowed), 0, "unexpected errnos");
out:
	close(m.fds[0]);
	close(m.fds[1]);
}

void serial_test_signed_loader_stress(void)
{
	parse_params();
	if (test__start_subtest("toctou"))
		sl_with_key(stress_toctou);
	if (test__start_subtest("writers"))
		sl_with_key(stress_writers);
	if (test__start_subtest("failnth"))
		sl_with_key(stress_failnth);
	if (test__start_subtest("mutate"))
		sl_with_key(stress_mutate);
}
