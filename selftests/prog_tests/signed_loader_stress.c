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
 *   request  seeded mutations of every other BPF_PROG_LOAD attribute and
 *            of the instructions; what a signed load that succeeds keeps
 *            must be exactly the signed program
 *
 * A signed program reserves the metadata maps it binds for as long as it
 * holds them: until a closed program is freed, after an RCU grace period, no
 * other program binds them (-EBUSY).  So the subtests make new maps, with the
 * same values, after each load that verified.  The signature covers the
 * instructions and the values, not which maps hold them, so it stays valid.
 *
 * Each prints one line "name: key=value ...".  Sizes and time bounds come
 * from SIGNED_PARAMS="toctou=N writers=N mutate=N mutate_start=N
 * request=N request_start=N seconds=N seed=N".  With SIGNED_PARAMS, a
 * subtest fails if its count is not reached within its time bound; the
 * defaults (10000 cases, 2000 requests, 20 s per subtest) fit test_progs'
 * watchdog, and there the time bound only ends a subtest early, with a
 * line that says so.
 */

#include <test_progs.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <limits.h>
#include <time.h>
#include <stdarg.h>
#include <linux/keyctl.h>
#include <bpf/btf.h>

#include "signed_loader_helpers.h"

#define VALUE_SZ 64
#define SIGNED 0xa1
#define OTHER 0xb2
#define TARGET_FD 900	/* the fd number the toctou loader names */

static struct {
	long toctou, writers, mutate, mutate_start, request, request_start;
	long seconds;
	unsigned long long seed;
	bool asked;	/* sizes from SIGNED_PARAMS: reaching them is the test */
} P;

static void parse_params(void)
{
	const char *env = getenv("SIGNED_PARAMS");
	char buf[512], *tok, *save = NULL;

	P.toctou = 10000;
	P.writers = 10000;
	P.mutate = 10000;
	P.mutate_start = 0;
	P.request = 2000;
	P.request_start = 0;
	P.seconds = 20;
	P.seed = 1;
	if (!env)
		return;
	P.asked = true;
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
		else if (!strcmp(tok, "request"))
			P.request = v;
		else if (!strcmp(tok, "request_start"))
			P.request_start = v;
		else if (!strcmp(tok, "seconds"))
			P.seconds = v;
		else if (!strcmp(tok, "seed"))
			P.seed = v;
		else
			fprintf(stderr, "SIGNED_PARAMS: unknown key %s\n", tok);
	}
}

/*
 * A subtest ran @done of its @want cases: with SIGNED_PARAMS that must be
 * all of them; with the defaults, the time bound may end it first.
 */
static void check_count(long done, long want, const char *what)
{
	if (P.asked)
		ASSERT_GE(done, want, what);
	else if (done < want)
		printf("%s: the time bound (%ld s) ended it after %ld of %ld\n",
		       what, P.seconds, done, want);
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
	case ENOSPC: return "ENOSPC";
	case ENOENT: return "ENOENT";
	case EPROTO: return "EPROTO";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENXIO: return "ENXIO";
	case ERANGE: return "ERANGE";
	case ESRCH: return "ESRCH";
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

#define GOOD_FD 901	/* the current signed map, which the swapper duplicates */

/*
 * A verified program holds the signed map until it is freed, so the loader
 * makes a new one (same value) after each verified load and dup2()s it onto
 * GOOD_FD: the swapper only duplicates GOOD_FD, never a number that may be
 * closed or reused meanwhile.
 * good_id, the id of the map on GOOD_FD, is published with release and
 * acquire.  Every map the swapper puts on TARGET_FD but the current signed
 * ones is refused: another value (EKEYREJECTED), unfrozen (EPERM), not
 * exclusive (EINVAL), a signed map a verified program still holds (EBUSY),
 * no map (EBADF).
 */
struct toctou {
	int other, unfrozen, shared;
	__u32 good_id;
	long goods;		/* signed maps made */
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
			dup2(GOOD_FD, TARGET_FD);
			break;
		case 2:
			close(TARGET_FD);
			break;
		case 3:
			/* reopen the signed map through a new file */
			fd = bpf_map_get_fd_by_id(__atomic_load_n(&t->good_id,
								  __ATOMIC_ACQUIRE));
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

/* A new signed map on GOOD_FD, in place of the one a verified load holds. */
static int toctou_new_good(struct toctou *t)
{
	int fd, err = 0;
	__u32 id;

	fd = sl_make_map("good", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true, true, SIGNED);
	if (fd < 0)
		return fd;
	id = map_id(fd);
	if (!id)
		err = -ENOENT;
	else if (dup2(fd, GOOD_FD) != GOOD_FD)
		err = -errno;
	close(fd);
	if (err)
		return err;
	__atomic_store_n(&t->good_id, id, __ATOMIC_RELEASE);
	t->goods++;
	return 0;
}

static void stress_toctou(const char *dir)
{
	static const int allowed[] = { EKEYREJECTED, EBADF, EPERM, EINVAL,
				       EBUSY, 0 };
	struct toctou t = { .other = -1, .unfrozen = -1, .shared = -1 };
	static __u8 sig[SL_SIG_SZ];
	struct errnos e = {};
	long i, verified = 0, wrong = 0;
	int target = TARGET_FD, fd, err = 0;
	bool good_fd = false, target_fd = false;
	__u32 sig_sz, id;
	char errs[256];
	double start, end;
	pthread_t thr;

	t.other = sl_make_map("other", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true, true, OTHER);
	t.unfrozen = sl_make_map("unfrozen", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true, false,
				 SIGNED);
	t.shared = sl_make_map("shared", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, false, true, SIGNED);
	if (!ASSERT_OK_FD(t.other, "other") || !ASSERT_OK_FD(t.unfrozen, "unfrozen") ||
	    !ASSERT_OK_FD(t.shared, "shared"))
		goto out;
	err = toctou_new_good(&t);
	good_fd = !err;
	if (!ASSERT_OK(err, "good"))
		goto out;
	if (!ASSERT_OK(sign_value(dir, SIGNED, 1, sig, &sig_sz), "sign"))
		goto out;
	target_fd = dup2(GOOD_FD, TARGET_FD) == TARGET_FD;
	if (!ASSERT_TRUE(target_fd, "dup2"))
		goto out;
	fd = sl_load(&target, 1, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
	if (!ASSERT_OK_FD(fd, "signed load before the race"))
		goto out;
	ASSERT_TRUE(binds_signed_value(fd, SIGNED, &id) && id == t.good_id,
		    "the load before the race binds the signed map");
	close(fd);
	if (!ASSERT_OK(toctou_new_good(&t), "new good"))
		goto out;

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
		/*
		 * Only a signed map, frozen, exclusive and holding the signed
		 * value, may be bound (an older one the swapper still holds
		 * is one too, once the program that verified it is freed).
		 */
		if (!binds_signed_value(fd, SIGNED, &id))
			wrong++;
		close(fd);
		err = toctou_new_good(&t);
		if (err) {
			i++;
			break;
		}
	}
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELAXED);
	pthread_join(thr, NULL);

	format_errnos(&e, errs, sizeof(errs));
	printf("toctou: iterations=%ld wrong_verdicts=%ld verified=%ld rejected=%ld",
	       i, wrong, verified, i - verified);
	printf(" errnos=%s seconds=%.1f signed_maps=%ld\n", errs, now() - start,
	       t.goods);
	ASSERT_OK(err, "new signed map after a verified load");
	check_count(i, P.toctou, "toctou iterations within the time bound");
	ASSERT_EQ(wrong, 0, "wrong verdicts");
	ASSERT_GT(verified, 0, "some loads verified");
	ASSERT_GT(e.n[EKEYREJECTED], 0, "some loads saw the other map");
	ASSERT_EQ(unexpected(&e, allowed), 0, "unexpected errnos");
out:
	if (target_fd)
		close(TARGET_FD);
	if (good_fd)
		close(GOOD_FD);
	if (t.other >= 0)
		close(t.other);
	if (t.unfrozen >= 0)
		close(t.unfrozen);
	if (t.shared >= 0)
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

/*
 * Every verified load binds the signed value.  A verified program reserves its
 * map until it is freed, after an RCU grace period: a later load of the round
 * may get -EBUSY meanwhile.  Once the writer is done, the verdict must follow
 * the final value (retried while a freed program still holds the map).
 */
static int load_settled(int map, const void *sig, __u32 sig_sz)
{
	int fd, i;

	for (i = 0; i < 300; i++) {
		fd = sl_load(&map, 1, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
		if (fd != -EBUSY)
			break;
		usleep(10000);
	}
	return fd;
}

static void stress_writers(const char *dir)
{
	static const int allowed[] = { EKEYREJECTED, EPERM, EBUSY, 0 };
	static __u8 sig[SL_SIG_SZ];
	struct writers w = { .map = -1 };
	long loads = 0, verified = 0, wrong = 0, rounds = 0;
	struct errnos e = {};
	__u32 sig_sz, id, key = 0;
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
		__u8 value[VALUE_SZ], want[VALUE_SZ];
		bool signed_value, loaded;
		int round_done, map;

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
			 * writer: its value must be, and stay, the signed
			 * one.
			 */
			if (!binds_signed_value(fd, SIGNED, &id))
				wrong++;
			close(fd);
		} while (!round_done);
		/* The writer is done: the verdict must follow the final value. */
		memset(want, SIGNED, sizeof(want));
		if (!bpf_map_lookup_elem(map, &key, value)) {
			signed_value = !memcmp(value, want, sizeof(value));
			fd = load_settled(map, sig, sig_sz);
			loaded = fd >= 0;
			loads++;
			if (signed_value != loaded)
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
	check_count(loads, P.writers, "writers iterations within the time bound");
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

/* The first line of @path, "" if it cannot be read. */
static void debugfs_read(const char *path, char *buf, size_t sz)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, buf, sz - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

/* Fail sleeping allocations and order-0 pages too, quietly. */
static const char * const fi_knobs[][2] = {
	{ "/sys/kernel/debug/failslab/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/failslab/verbose", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N" },
	{ "/sys/kernel/debug/fail_page_alloc/min-order", "0" },
	{ "/sys/kernel/debug/fail_page_alloc/verbose", "0" },
};

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

/* The ids of every map failnth made, each of which must be freed. */
struct map_ids {
	__u32 *id;
	long n, cap;
};

static void close_maps(int fds[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/*
 * The two metadata maps of one load, new each time: a load that succeeded
 * holds its maps until its program is freed.
 */
static int failnth_maps(int fds[2], struct map_ids *ids)
{
	__u32 *grown;
	int i;

	close_maps(fds);
	if (ids->n + 2 > ids->cap) {
		grown = realloc(ids->id, (ids->cap + 256) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		ids->id = grown;
		ids->cap += 256;
	}
	for (i = 0; i < 2; i++) {
		fds[i] = sl_make_map(i ? "meta_b" : "meta_a", BPF_MAP_TYPE_ARRAY,
				     VALUE_SZ, 1, 0, true, true, SIGNED + i);
		if (fds[i] < 0)
			return fds[i];
		ids->id[ids->n] = map_id(fds[i]);
		if (!ids->id[ids->n])
			return -ENOENT;
		ids->n++;
	}
	return 0;
}

static void stress_failnth(const char *dir)
{
	static char base_keys[8192], keys[8192], saved[ARRAY_SIZE(fi_knobs)][32];
	static __u8 sig[SL_SIG_SZ];
	long points = 0, clean = 0, leaks = 0, tolerated = 0, k;
	int fds[2] = { -1, -1 }, nth_fd, fd, base_progs, n, i;
	struct map_ids ids = {};
	struct errnos e = {};
	char path[64], buf[32], errs[256];
	double start = now(), end, until;
	__u32 sig_sz;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	nth_fd = open(path, O_RDWR);
	if (nth_fd < 0) {
		printf("failnth: skipped (no %s: kernel without CONFIG_FAULT_INJECTION)\n", path);
		test__skip();
		return;
	}
	/* Saved, to be restored at the end. */
	for (i = 0; i < (int)ARRAY_SIZE(fi_knobs); i++) {
		debugfs_read(fi_knobs[i][0], saved[i], sizeof(saved[i]));
		debugfs_write(fi_knobs[i][0], fi_knobs[i][1]);
	}

	if (!ASSERT_OK(failnth_maps(fds, &ids), "maps"))
		goto out;
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
		int remaining, err;

		/* made before the fault is armed */
		err = failnth_maps(fds, &ids);
		if (!ASSERT_OK(err, "maps"))
			break;
		snprintf(buf, sizeof(buf), "%d", n);
		if (pwrite(nth_fd, buf, strlen(buf), 0) < 0)
			break;
		fd = sl_load(fds, 2, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
		memset(buf, 0, sizeof(buf));
		remaining = pread(nth_fd, buf, sizeof(buf) - 1, 0) > 0 ? atoi(buf) : -1;
		pwrite(nth_fd, "0", 1, 0);
		close_maps(fds);
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
	if (P.asked)
		ASSERT_LT(now(), end, "sweep within the time bound");
	else if (now() >= end)
		printf("failnth: the time bound (%ld s) ended the sweep\n", P.seconds);
out:
	close_maps(fds);
	/* Every map must be freed once its last fd and program are gone. */
	until = now() + 10;
	for (k = 0; k < ids.n; k++) {
		while (!map_gone(ids.id[k]) && now() < until)
			usleep(10000);
		if (!map_gone(ids.id[k]))
			leaks++;
	}
	leaks += (points - tolerated) - clean;
	close(nth_fd);
	for (i = 0; i < (int)ARRAY_SIZE(fi_knobs); i++)
		if (saved[i][0])
			debugfs_write(fi_knobs[i][0], saved[i]);
	format_errnos(&e, errs, sizeof(errs));
	printf("failnth: points=%ld clean=%ld leaks=%ld tolerated=%ld",
	       points, clean, leaks, tolerated);
	printf(" errnos=%s seconds=%.1f metadata_maps=%ld\n", errs, now() - start,
	       ids.n);
	free(ids.id);
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
	int len_off[256];	/* offsets of DER length octets in sig */
	int nlen, issuer_off, issuer_end, serial_off, serial_end, val_off;
	long next, cases, accepted, malleable, by_kind[M_KINDS],
	     malleable_by_kind[M_KINDS], accepted_by_kind[M_KINDS];
	long maps, map_errors;	/* metadata map pairs made, failures to */
	struct errnos e;
	double end;
};

/*
 * Each thread loads with its own maps, new after each accepted case: no
 * program holds the maps of a case, so -EBUSY (a map bound to another
 * program) is no outcome of a case.
 */
struct mutate_thr {
	struct mutate *m;
	int fds[64];		/* fds[0] the signed map, then another, then -1 */
};

/*
 * New metadata maps in @fds[0] and @fds[1]: an accepted case's program holds
 * the ones it bound until it is freed.  The signature covers their values, not the maps.
 */
static int mutate_maps(int *fds)
{
	int a, b;

	a = sl_make_map("meta", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true, true, SIGNED);
	if (a < 0)
		return a;
	b = sl_make_map("meta2", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true, true, OTHER);
	if (b < 0) {
		close(a);
		return b;
	}
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	fds[0] = a;
	fds[1] = b;
	return 0;
}

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
	struct mutate_thr *thr = arg;
	struct mutate *m = thr->m;
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
		fd = sl_load(thr->fds, cnt, sig, sig_sz, keyring, false);
		__atomic_add_fetch(&m->cases, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&m->by_kind[kind], 1, __ATOMIC_RELAXED);
		/* the first few accepted extensions and signature sizes, shown */
		if (fd >= 0 &&
		    __atomic_add_fetch(&m->accepted_by_kind[kind], 1,
				       __ATOMIC_RELAXED) <= 16 &&
		    (kind == M_EXTEND || kind == M_SIGSZ))
			fprintf(stderr, "mutate case %ld (%s) accepted: signature_size %u, signed %u\n",
				i, kind_name[kind], sig_sz, m->sig_sz);
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
		/*
		 * An accepted case's program holds the maps until it is
		 * freed.  -EBUSY counts as an unexpected errno; new maps keep
		 * one such failure from turning every later case into another.
		 */
		if (fd >= 0 || fd == -EBUSY) {
			if (mutate_maps(thr->fds)) {
				__atomic_add_fetch(&m->map_errors, 1, __ATOMIC_RELAXED);
				break;
			}
			__atomic_add_fetch(&m->maps, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void stress_mutate(const char *dir)
{
	/*
	 * The contract's errnos, plus fd_array resolution's EBADF.  Not
	 * EBUSY: each case binds maps that no other program binds.
	 */
	static const int allowed[] = { EINVAL, EFAULT, E2BIG, ENOMEM, EBADMSG,
				       EKEYREJECTED, ENOKEY, ENOPKG, EBADF,
				       EMSGSIZE, 0 };
	static struct mutate_thr thr[2];
	static struct mutate m;
	static __u8 sig[SL_SIG_SZ];
	char errs[512], kinds[512], benign[512];
	int i, j, fd, nthr = 0, started = 0;
	int ctl[2] = { -1, -1 };
	pthread_t tid[2];
	long trailing;
	double start;
	size_t off = 0;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < (int)ARRAY_SIZE(thr); i++) {
		thr[i].m = &m;
		for (j = 0; j < (int)ARRAY_SIZE(thr[i].fds); j++)
			thr[i].fds[j] = -1;
	}
	if (!ASSERT_OK(sign_value(dir, SIGNED, 1, sig, &m.sig_sz), "sign"))
		goto out;
	m.sig = sig;
	der_walk(&m, sig, 0, m.sig_sz, 0);
	if (!ASSERT_GT(m.nlen, 10, "DER headers in the signature") ||
	    !ASSERT_GT(m.issuer_end - m.issuer_off, 16, "issuer found") ||
	    !ASSERT_GT(m.val_off, m.serial_end, "signature value found"))
		goto out;
	/* The unmutated load is accepted: rejections below are the mutation's. */
	if (!ASSERT_OK(mutate_maps(ctl), "maps"))
		goto out;
	fd = sl_load(ctl, 1, sig, m.sig_sz, KEY_SPEC_SESSION_KEYRING, false);
	if (!ASSERT_OK_FD(fd, "unmutated signed load"))
		goto out;
	close(fd);

	nthr = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
	for (i = 0; i < nthr; i++)
		if (!ASSERT_OK(mutate_maps(thr[i].fds), "maps"))
			goto out;
	m.next = P.mutate_start;
	start = now();
	m.end = start + P.seconds;
	log_kmsg("mutate begin");
	for (i = 0; i < nthr; i++) {
		if (!ASSERT_OK(pthread_create(&tid[i], NULL, mutate_thread, &thr[i]),
			       "thread"))
			break;
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
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
	/* bytes after the DER object: one object, one verdict (-EBADMSG) */
	trailing = m.accepted_by_kind[M_EXTEND] + m.accepted_by_kind[M_SIGSZ];
	format_errnos(&m.e, errs, sizeof(errs));
	printf("mutate: cases=%ld accepted=%ld same_signature_accepted=%ld",
	       m.cases, m.accepted, m.malleable);
	printf(" first=%ld seed=%llu sig_bytes=%u errnos=%s kinds=%s",
	       (long)P.mutate_start, P.seed, m.sig_sz, errs, kinds);
	printf(" same_signature_kinds=%s seconds=%.1f", benign, now() - start);
	printf(" trailing_accepted=%ld metadata_maps=%ld\n", trailing,
	       2 * (m.maps + nthr + 1));
	check_count(m.cases, P.mutate, "mutate cases within the time bound");
	ASSERT_EQ(m.accepted, 0, "accepted mutations");
	ASSERT_EQ(trailing, 0, "extensions and larger signature_size accepted");
	ASSERT_EQ(m.map_errors, 0, "new maps after an accepted case");
	ASSERT_EQ(unexpected(&m.e, allowed), 0, "unexpected errnos");
out:
	close_maps(ctl);
	for (i = 0; i < (int)ARRAY_SIZE(thr); i++)
		close_maps(thr[i].fds);
}

/* ---- request --------------------------------------------------------- */

/*
 * A valid signed load, then every BPF_PROG_LOAD attribute and the
 * instructions mutated, one kind of mutation at a time and several at
 * once.  A load that succeeds while carrying the signature must keep
 * exactly the signed program: the reference load's xlated instructions,
 * the case's two maps in fd_array order, each holding its signed value.
 * Any other success is a wrong verdict.
 *
 * A loaded program, signed or not, holds its maps until it is freed, so
 * every case (and the second reference load) gets new maps with the signed
 * values, always on the same two fd numbers: a case depends on its seed and
 * number alone.  The xlated instructions name maps by id, so they are
 * compared with map references made fd_array indexes (rq_normalise()).
 *
 * The signed program is r0 = meta[0] + meta2[1] + 0.  It reads both
 * metadata maps through fd_array indexes (BPF_PSEUDO_MAP_IDX_VALUE), so
 * what insns 0 and 3 load is decided by fd_array; the load offset of
 * insn 2 and the zero immediate of insn 7 are what a CO-RE field offset
 * relocation rewrites.  Every 32-bit definition is read as 64 bits (no
 * upper half for BPF_F_TEST_RND_HI32 to randomize), and there is no ctx
 * access and no call, so no other attribute has a reason to change what
 * the kernel keeps.
 */
#define RQ_INSNS	10
#define RQ_LDX		2	/* r0 = *(u8 *)(r1 + 0) */
#define RQ_MOV		7	/* r3 = 0 */
#define RQ_ROOM		64	/* instruction buffer, with room to append */
#define RQ_FDS		64
#define RQ_REC		512	/* bytes of func_info, line_info, core_relos */
#define RQ_LOG		4096
#define RQ_XLATED	256
#define RQ_IDS		8
#define RQ_SHOWN	16	/* wrong verdicts described on stderr */
#define RQ_NONE		(~0ULL)	/* the n of a mutation in multi: no sweep */
#define RQ_LOG_STATS	4	/* include/linux/bpf_verifier.h */
#define RQ_LOG_FIXED	8

static const struct bpf_insn rq_insns[RQ_INSNS] = {
	BPF_LD_IMM64_RAW_FULL(BPF_REG_1, BPF_PSEUDO_MAP_IDX_VALUE, 0, 0, 0, 0),
	BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, 0),
	BPF_LD_IMM64_RAW_FULL(BPF_REG_1, BPF_PSEUDO_MAP_IDX_VALUE, 0, 0, 1, 0),
	BPF_LDX_MEM(BPF_B, BPF_REG_2, BPF_REG_1, 1),
	BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_2),
	BPF_MOV64_IMM(BPF_REG_3, 0),
	BPF_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_3),
	BPF_EXIT_INSN(),
};

/* Instructions that mutations append, insert or substitute. */
static const struct bpf_insn rq_spare[] = {
	BPF_EXIT_INSN(),
	BPF_MOV64_IMM(BPF_REG_0, 0),
	BPF_JMP_A(0),
	BPF_ALU64_IMM(BPF_ADD, BPF_REG_0, 0),
	BPF_MOV64_IMM(BPF_REG_3, 0),
	BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, 0),
};

enum {
	RK_PROG_TYPE, RK_ATTACH_TYPE, RK_FLAGS, RK_LICENSE, RK_KERN_VERSION,
	RK_NAME, RK_IFINDEX, RK_LOG, RK_ATTR_SIZE, RK_COMMON, RK_BTF_FD,
	RK_FUNC_INFO, RK_LINE_INFO, RK_CORE_RELO, RK_ATTACH, RK_FD_ARRAY,
	RK_FD_CNT, RK_SIGNATURE, RK_KEYRING, RK_TOKEN, RK_INSN_CNT, RK_INSNS,
	RK_MULTI, RK_KINDS
};

static const char * const rq_kind_name[RK_KINDS] = {
	"prog_type", "attach_type", "prog_flags", "license", "kern_version",
	"prog_name", "ifindex", "log", "attr_size", "common_attrs", "btf_fd",
	"func_info", "line_info", "core_relo", "attach", "fd_array",
	"fd_array_cnt", "signature", "keyring", "token", "insn_cnt", "insns",
	"multi",
};

/*
 * Buffers that end where a PROT_NONE page begins, one per user, each large
 * enough for any signature (ML-DSA ones exceed a page).
 */
enum {
	EDGE_SIG, EDGE_INSNS, EDGE_LOG, EDGE_LICENSE, EDGE_FDS, EDGE_FINFO,
	EDGE_LINFO, EDGE_RELO, EDGE_NR
};

/* One request: the attributes and everything they point to. */
struct rq_case {
	struct {
		union bpf_attr attr;
		__u8 tail[64];		/* past the union, for attr_size */
	} a;
	struct {
		struct bpf_common_attr attr;
		__u8 tail[16];
	} common;
	unsigned int size, common_size;
	int cmd;
	void *common_ptr;
	struct bpf_insn insns[RQ_ROOM];
	int fds[RQ_FDS];
	__u8 finfo[RQ_REC], linfo[RQ_REC], relos[RQ_REC];
	char license[160];
	__u8 sig[SL_SIG_SZ + 64];
	int own[8], nown;		/* fds this case opened */
	char what[256];			/* what was mutated, for the report */
};

struct rq_count {
	long tried, accepted, as_signed, unsigned_ok, wrong;
	struct errnos e;
};

struct request {
	__u8 sig[SL_SIG_SZ], alt_sig[SL_SIG_SZ];
	__u32 sig_sz, alt_sig_sz;
	int maps[2];			/* the signed metadata maps of the case */
	__u32 map_ids[2];
	long map_pairs;			/* made for the cases */
	__u8 values[2][VALUE_SZ];
	struct bpf_insn xlated[RQ_XLATED];
	__u32 xlated_len;
	/* objects that mutations put where they do not belong */
	int other, unfrozen, shared, foreign, hash, small, two;
	int btf_fd, vmlinux_btf, target, bpffs, closed;
	struct btf *btf;
	int int_id, struct_id, proto_id, func_id, static_id, btf_types;
	int acc_off, file_off, line_off;
	int fentry_id, lsm_id, tp_id, iter_id;	/* in vmlinux BTF, or 0 */
	__u8 *edge;
	long page, edge_pages;		/* edge_pages: one slot, with its guard */
	struct rq_count all, kind[RK_KINDS];
};

static struct request rq;

/* The fds rq holds, all -1 or open. */
static int * const rq_fd_slots[] = {
	&rq.maps[0], &rq.maps[1], &rq.other, &rq.unfrozen, &rq.shared,
	&rq.foreign, &rq.hash, &rq.small, &rq.two, &rq.vmlinux_btf,
	&rq.target, &rq.bpffs,
};

static char rq_log[RQ_LOG + 8];

static unsigned long long rq_rand(unsigned long long *s, unsigned long long n)
{
	return splitmix(s) % n;
}

/*
 * Set @p[@i] to a non-zero byte.  (One random draw per statement keeps the
 * order of draws, and so every case, the same whatever the compiler.)
 */
static void rq_poke(__u8 *p, unsigned long long i, unsigned long long *s)
{
	p[i] = 1 + rq_rand(s, 255);
}

static __printf(2, 3) void rq_note(struct rq_case *c, const char *fmt, ...)
{
	size_t len = strlen(c->what);
	va_list ap;

	if (len + 2 >= sizeof(c->what))
		return;
	if (len)
		c->what[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(c->what + len, sizeof(c->what) - len, fmt, ap);
	va_end(ap);
}

/* Where buffer @slot ends: the next byte is in a PROT_NONE page. */
static __u8 *rq_edge_end(int slot)
{
	return rq.edge + ((slot + 1) * rq.edge_pages - 1) * rq.page;
}

/* @len bytes of @src that end right before the PROT_NONE page. */
static void *rq_edge(int slot, const void *src, size_t len)
{
	__u8 *dst = rq_edge_end(slot) - len;

	memcpy(dst, src, len);
	return dst;
}

static void *rq_guard(void)
{
	return rq_edge_end(0);
}

/* Remember an fd this case opened; it is closed after the load. */
static int rq_own(struct rq_case *c, int fd)
{
	if (fd >= 0 && c->nown < (int)ARRAY_SIZE(c->own))
		c->own[c->nown++] = fd;
	else if (fd >= 0)
		close(fd);
	return fd;
}

/* An fd of every kind of object, of a closed file, or of none at all. */
static int rq_any_fd(unsigned long long *s)
{
	const int fds[] = { rq.maps[0], rq.other, rq.hash, rq.btf_fd,
			    rq.vmlinux_btf, rq.target, rq.bpffs, rq.closed, -1,
			    0, (int)rq_rand(s, 2048) };

	return fds[rq_rand(s, ARRAY_SIZE(fds))];
}

/* A map that is not a signed one, or another object, or no object. */
static int rq_wrong_map(unsigned long long *s)
{
	const int fds[] = { rq.other, rq.unfrozen, rq.shared, rq.foreign,
			    rq.hash, rq.small, rq.two, rq.btf_fd,
			    rq.vmlinux_btf, rq.target, rq.closed, -1, 0 };

	return fds[rq_rand(s, ARRAY_SIZE(fds))];
}

/* The valid signed request of the reference load. */
static void rq_case_init(struct rq_case *c)
{
	union bpf_attr *attr = &c->a.attr;
	int i;

	memset(c, 0, sizeof(*c));
	memcpy(c->insns, rq_insns, sizeof(rq_insns));
	c->fds[0] = rq.maps[0];
	c->fds[1] = rq.maps[1];
	for (i = 2; i < RQ_FDS; i++)
		c->fds[i] = -1;
	memcpy(c->sig, rq.sig, rq.sig_sz);
	memcpy(c->license, "GPL", sizeof("GPL"));
	attr->prog_type = BPF_PROG_TYPE_SYSCALL;
	attr->insns = ptr_to_u64(c->insns);
	attr->insn_cnt = RQ_INSNS;
	attr->license = ptr_to_u64(c->license);
	attr->prog_flags = BPF_F_SLEEPABLE;
	attr->fd_array = ptr_to_u64(c->fds);
	attr->fd_array_cnt = 2;
	attr->signature = ptr_to_u64(c->sig);
	attr->signature_size = rq.sig_sz;
	attr->keyring_id = KEY_SPEC_SESSION_KEYRING;
	c->cmd = BPF_PROG_LOAD;
	c->size = offsetofend(union bpf_attr, keyring_id);
}

static int rq_load(struct rq_case *c)
{
	int fd;

	fd = syscall(__NR_bpf, c->cmd, &c->a, c->size, c->common_ptr,
		     c->common_size);
	return fd < 0 ? -errno : fd;
}

/* The attributes as the kernel copies them: @size bytes, the rest zero. */
static void rq_view(const struct rq_case *c, union bpf_attr *view)
{
	memset(view, 0, sizeof(*view));
	memcpy(view, &c->a.attr,
	       c->size < sizeof(*view) ? c->size : sizeof(*view));
}

/*
 * Whether the instructions the kernel reads are not the signed ones: any
 * other count, or other bytes in the buffer @view points to (NULL and
 * PROT_NONE pointers cannot have given the kernel the signed ones).
 */
static bool rq_insns_differ(const struct rq_case *c,
			    const union bpf_attr *view)
{
	const void *insns = (const void *)(unsigned long)view->insns;

	if (view->insn_cnt != RQ_INSNS)
		return true;
	if (insns != c->insns &&
	    insns != rq_edge_end(EDGE_INSNS) - sizeof(rq_insns))
		return true;
	return memcmp(insns, rq_insns, sizeof(rq_insns));
}

/* A func_info record naming the BTF FUNC of the main program. */
static void rq_func_info(struct rq_case *c)
{
	struct bpf_func_info fi = { .insn_off = 0, .type_id = rq.func_id };
	union bpf_attr *attr = &c->a.attr;

	memcpy(c->finfo, &fi, sizeof(fi));
	attr->prog_btf_fd = rq.btf_fd;
	attr->func_info = ptr_to_u64(c->finfo);
	attr->func_info_rec_size = sizeof(fi);
	attr->func_info_cnt = 1;
}

/* A line_info record for the first instruction. */
static void rq_line_info(struct rq_case *c)
{
	struct bpf_line_info li = {
		.insn_off = 0,
		.file_name_off = rq.file_off,
		.line_off = rq.line_off,
		.line_col = 1 << 10 | 1,
	};
	union bpf_attr *attr = &c->a.attr;

	memcpy(c->linfo, &li, sizeof(li));
	attr->prog_btf_fd = rq.btf_fd;
	attr->line_info = ptr_to_u64(c->linfo);
	attr->line_info_rec_size = sizeof(li);
	attr->line_info_cnt = 1;
}

/* Record @idx of @rec_size bytes in @buf, if it fits. */
static void rq_put_rec(__u8 *buf, __u32 rec_size, int idx, const void *rec,
		       size_t len)
{
	if (len > rec_size)
		len = rec_size;
	if ((size_t)(idx + 1) * rec_size <= RQ_REC)
		memcpy(buf + (size_t)idx * rec_size, rec, len);
}

/* A non-zero byte in the tail of record 0, past the kernel's struct. */
static void rq_dirty_tail(__u8 *buf, __u32 rec_size, size_t len,
			  unsigned long long *s)
{
	if (rec_size > len && rec_size <= RQ_REC)
		rq_poke(buf, len + rq_rand(s, rec_size - len), s);
}

/*
 * prog_type: every type, with BPF_F_SLEEPABLE kept (most types refuse it)
 * and cleared, then random values.  The signature does not cover the
 * type: where the same instructions verify as another type, the kernel
 * must still keep them as signed.
 */
static void rk_prog_type(struct rq_case *c, unsigned long long *s,
			 unsigned long long n)
{
	static const __u32 types[] = {
		BPF_PROG_TYPE_UNSPEC, BPF_PROG_TYPE_SOCKET_FILTER,
		BPF_PROG_TYPE_KPROBE, BPF_PROG_TYPE_SCHED_CLS,
		BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_TRACEPOINT,
		BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_PERF_EVENT,
		BPF_PROG_TYPE_CGROUP_SKB, BPF_PROG_TYPE_CGROUP_SOCK,
		BPF_PROG_TYPE_LWT_IN, BPF_PROG_TYPE_SOCK_OPS,
		BPF_PROG_TYPE_SK_SKB, BPF_PROG_TYPE_CGROUP_DEVICE,
		BPF_PROG_TYPE_SK_MSG, BPF_PROG_TYPE_RAW_TRACEPOINT,
		BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_PROG_TYPE_LWT_SEG6LOCAL,
		BPF_PROG_TYPE_LIRC_MODE2, BPF_PROG_TYPE_SK_REUSEPORT,
		BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_PROG_TYPE_CGROUP_SYSCTL,
		BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
		BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_PROG_TYPE_TRACING,
		BPF_PROG_TYPE_STRUCT_OPS, BPF_PROG_TYPE_EXT, BPF_PROG_TYPE_LSM,
		BPF_PROG_TYPE_SK_LOOKUP, BPF_PROG_TYPE_NETFILTER,
	};
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m, t = ARRAY_SIZE(types);

	m = n < 2 * t ? n : rq_rand(s, 3 * t);
	if (m < 2 * t) {
		attr->prog_type = types[m / 2];
		if (m % 2)
			attr->prog_flags &= ~BPF_F_SLEEPABLE;
	} else if (m % 2) {
		attr->prog_type = rq_rand(s, __MAX_BPF_PROG_TYPE + 8);
	} else {
		attr->prog_type = splitmix(s);
	}
	rq_note(c, "prog_type=%u prog_flags=%#x", attr->prog_type,
		attr->prog_flags);
}

/*
 * expected_attach_type: types that fit a program type (with that type and
 * BPF_F_SLEEPABLE cleared), and random ones with the syscall type or
 * another.
 */
static void rk_attach_type(struct rq_case *c, unsigned long long *s,
			   unsigned long long n)
{
	static const __u32 pairs[][2] = {
		{ BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS },
		{ BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE },
		{ BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT },
		{ BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT },
		{ BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP },
		{ BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT },
		{ BPF_PROG_TYPE_NETFILTER, BPF_NETFILTER },
		{ BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP },
		{ BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP },
		{ BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_INGRESS },
		{ BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI },
		{ BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI },
		{ BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP },
		{ BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER },
		{ BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY_MULTI },
		{ BPF_PROG_TYPE_LSM, BPF_LSM_MAC },
		{ BPF_PROG_TYPE_PERF_EVENT, BPF_PERF_EVENT },
		{ BPF_PROG_TYPE_SYSCALL, BPF_TRACE_FENTRY },
	};
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m, p = ARRAY_SIZE(pairs);

	m = n < p ? n : rq_rand(s, 2 * p);
	if (m < p) {
		attr->prog_type = pairs[m][0];
		attr->expected_attach_type = pairs[m][1];
		attr->prog_flags &= ~BPF_F_SLEEPABLE;
	} else if (m % 2) {
		attr->expected_attach_type = rq_rand(s, __MAX_BPF_ATTACH_TYPE + 4);
	} else {
		attr->prog_type = pairs[rq_rand(s, p)][0];
		attr->expected_attach_type = splitmix(s);
		attr->prog_flags &= ~BPF_F_SLEEPABLE;
	}
	rq_note(c, "prog_type=%u expected_attach_type=%u prog_flags=%#x",
		attr->prog_type, attr->expected_attach_type, attr->prog_flags);
}

/*
 * prog_flags: first each of the 32 bits toggled, then known bits toggled,
 * random sets of the known bits and random words.  Alignment and test
 * flags only steer the verifier; BPF_F_TEST_RND_HI32 would rewrite dead
 * upper halves, of which the program has none.
 */
static void rk_flags(struct rq_case *c, unsigned long long *s,
		     unsigned long long n)
{
	static const __u32 bits[] = {
		BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT,
		BPF_F_TEST_RND_HI32, BPF_F_TEST_STATE_FREQ, BPF_F_SLEEPABLE,
		BPF_F_XDP_HAS_FRAGS, BPF_F_XDP_DEV_BOUND_ONLY,
		BPF_F_TEST_REG_INVARIANTS, BPF_F_TOKEN_FD,
	};
	union bpf_attr *attr = &c->a.attr;
	unsigned int i;

	if (n < 32) {
		attr->prog_flags ^= 1U << n;
	} else {
		switch (rq_rand(s, 4)) {
		case 0:
			attr->prog_flags ^= bits[rq_rand(s, ARRAY_SIZE(bits))];
			break;
		case 1:
			attr->prog_flags = 0;
			for (i = 0; i < ARRAY_SIZE(bits); i++)
				if (rq_rand(s, 3) == 0)
					attr->prog_flags |= bits[i];
			break;
		case 2:
			attr->prog_flags = splitmix(s);
			break;
		default:
			attr->prog_flags ^= 1U << rq_rand(s, 32);
		}
	}
	rq_note(c, "prog_flags=%#x", attr->prog_flags);
}

/*
 * license: GPL-compatible and other strings, one longer than the 127
 * bytes the kernel reads, NULL, a PROT_NONE page, and "GPL" without its
 * NUL right before one.  The program calls no GPL-only helper.
 */
static void rk_license(struct rq_case *c, unsigned long long *s,
		       unsigned long long n)
{
	static const char * const names[] = {
		"GPL", "GPL v2", "Dual MIT/GPL", "Dual BSD/GPL", "Proprietary",
		"", "G", "GPL\n",
	};
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m, l = ARRAY_SIZE(names);

	m = n < l + 4 ? n : rq_rand(s, l + 4);
	if (m < l) {
		snprintf(c->license, sizeof(c->license), "%s", names[m]);
		rq_note(c, "license=\"%s\"", c->license);
		return;
	}
	switch (m - l) {
	case 0:
		memset(c->license, 'A' + rq_rand(s, 26), sizeof(c->license) - 1);
		break;
	case 1:
		attr->license = 0;
		break;
	case 2:
		attr->license = ptr_to_u64(rq_guard());
		break;
	default:
		attr->license = ptr_to_u64(rq_edge(EDGE_LICENSE, "GPL", 3));
	}
	rq_note(c, "license#%llu", m - l);
}

/* kern_version: unused by the kernel, any value. */
static void rk_kern_version(struct rq_case *c, unsigned long long *s,
			    unsigned long long n)
{
	static const __u32 versions[] = { 1, 0x070304, 0x070300, 0xffffffff };
	union bpf_attr *attr = &c->a.attr;

	if (n < ARRAY_SIZE(versions))
		attr->kern_version = versions[n];
	else if (rq_rand(s, 2))
		attr->kern_version = versions[rq_rand(s, ARRAY_SIZE(versions))];
	else
		attr->kern_version = splitmix(s);
	rq_note(c, "kern_version=%#x", attr->kern_version);
}

/*
 * prog_name: valid names of every length, one invalid character, 16 valid
 * characters without a NUL, random bytes.
 */
static void rk_name(struct rq_case *c, unsigned long long *s,
		    unsigned long long n)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";
	static const char bad[] = "-/ :\xff\n";
	char *name = c->a.attr.prog_name;
	unsigned long long m = rq_rand(s, 4);
	int len = rq_rand(s, BPF_OBJ_NAME_LEN), i;

	memset(name, 0, BPF_OBJ_NAME_LEN);
	if (m == 2 || m == 3)
		len = BPF_OBJ_NAME_LEN;
	for (i = 0; i < len; i++)
		name[i] = m == 3 ? (char)splitmix(s) : ok[rq_rand(s, sizeof(ok) - 1)];
	if (m == 1) {
		i = rq_rand(s, len + 1);
		name[i] = bad[rq_rand(s, sizeof(bad) - 1)];
	}
	rq_note(c, "prog_name#%llu len=%d", m, len);
}

/*
 * prog_ifindex: alone (the syscall type cannot be bound to a device), as
 * a device-bound XDP program (with and without frags), and asking for
 * XDP or tc offload.  Loopback is ifindex 1.
 */
static void rk_ifindex(struct rq_case *c, unsigned long long *s,
		       unsigned long long n)
{
	static const __u32 ifindexes[] = { 1, 1, 2, 0x7fffffff, 0xffffffff };
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m = n < 4 ? n : rq_rand(s, 4);

	attr->prog_ifindex = ifindexes[rq_rand(s, ARRAY_SIZE(ifindexes))];
	if (rq_rand(s, 4) == 0)
		attr->prog_ifindex = splitmix(s);
	switch (m) {
	case 0:
		break;
	case 1:
		attr->prog_type = BPF_PROG_TYPE_XDP;
		attr->prog_flags = BPF_F_XDP_DEV_BOUND_ONLY;
		if (rq_rand(s, 2))
			attr->prog_flags |= BPF_F_XDP_HAS_FRAGS;
		break;
	case 2:
		attr->prog_type = BPF_PROG_TYPE_XDP;
		attr->prog_flags = 0;
		break;
	default:
		attr->prog_type = BPF_PROG_TYPE_SCHED_CLS;
		attr->prog_flags = 0;
	}
	rq_note(c, "prog_ifindex=%u prog_type=%u prog_flags=%#x",
		attr->prog_ifindex, attr->prog_type, attr->prog_flags);
}

/*
 * log_level, log_size, log_buf: every level (BPF_LOG_STATS, BPF_LOG_FIXED,
 * level 2 prints every state), a whole buffer, a tiny one (-ENOSPC), an
 * unaligned one, size without buffer and buffer without size, a size
 * over the limit, a PROT_NONE buffer and one that runs into PROT_NONE;
 * log_true_size is an output, its input any value.
 */
static void rk_log(struct rq_case *c, unsigned long long *s,
		   unsigned long long n)
{
	static const __u32 levels[] = {
		1, 2, 3, RQ_LOG_STATS, 1 | RQ_LOG_STATS, 1 | RQ_LOG_FIXED,
		2 | RQ_LOG_FIXED, RQ_LOG_FIXED, 16, 0,
	};
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m = rq_rand(s, 9);
	char *buf = rq_log;
	__u32 size = RQ_LOG;

	if (n >= ARRAY_SIZE(levels))
		n = rq_rand(s, ARRAY_SIZE(levels));
	attr->log_level = levels[n];
	switch (m) {
	case 0:
		break;
	case 1:
		size = 1 + rq_rand(s, 16);
		break;
	case 2:
		buf += 1 + rq_rand(s, 7);
		size -= 8;
		break;
	case 3:
		buf = NULL;
		break;
	case 4:
		size = 0;
		break;
	case 5:
		size = (UINT_MAX >> 2) + 1;
		break;
	case 6:
		buf = rq_guard();
		size = 64;
		break;
	case 7:
		buf = (char *)rq_edge_end(EDGE_LOG) - 16;
		size = 64;
		break;
	default:
		buf = NULL;
		size = 0;
	}
	attr->log_buf = ptr_to_u64(buf);
	attr->log_size = size;
	if (rq_rand(s, 2))
		attr->log_true_size = splitmix(s);
	rq_note(c, "log_level=%#x log#%llu log_size=%u", attr->log_level, m,
		size);
}

/*
 * The size argument of bpf(2): cutting off keyring_id, signature_size or
 * the signature pointer, parts of them, the end of the attributes, the
 * whole union and more (zero tail), a non-zero byte past the union
 * (-E2BIG) and inside it past keyring_id (-EINVAL).
 */
static void rk_attr_size(struct rq_case *c, unsigned long long *s,
			 unsigned long long n)
{
	const unsigned int end = offsetofend(union bpf_attr, keyring_id);
	const unsigned int sig = offsetof(union bpf_attr, signature);
	const unsigned int sizes[] = {
		0, 8, offsetof(union bpf_attr, fd_array),
		offsetof(union bpf_attr, log_true_size), sig, sig + 4,
		offsetof(union bpf_attr, signature_size),
		offsetof(union bpf_attr, keyring_id),
		offsetof(union bpf_attr, keyring_id) + 2, end - 1, end + 4,
		sizeof(union bpf_attr), sizeof(c->a),
	};
	unsigned long long m, z = ARRAY_SIZE(sizes);
	__u8 *bytes = (__u8 *)&c->a.attr;

	m = n < z + 2 ? n : rq_rand(s, z + 2);
	if (m < z) {
		c->size = sizes[m];
	} else if (m == z) {
		c->size = sizeof(c->a);
		rq_poke(c->a.tail, rq_rand(s, sizeof(c->a.tail)), s);
	} else if (sizeof(union bpf_attr) > end) {
		c->size = sizeof(union bpf_attr);
		rq_poke(bytes, end + rq_rand(s, sizeof(union bpf_attr) - end), s);
	}
	rq_note(c, "size=%u#%llu", c->size, m);
}

/*
 * BPF_COMMON_ATTRS: the verifier log through struct bpf_common_attr, alone,
 * together with the same or another log in the attributes, with every
 * size of the common attributes, a non-zero tail, a NULL or PROT_NONE
 * pointer, invalid levels and a tiny buffer.
 */
static void rk_common(struct rq_case *c, unsigned long long *s,
		      unsigned long long n)
{
	static const unsigned int sizes[] = {
		0, 8, 12, offsetofend(struct bpf_common_attr, log_level),
	};
	struct bpf_common_attr *common = &c->common.attr;
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m = n < 8 ? n : rq_rand(s, 8);

	c->cmd = BPF_PROG_LOAD | BPF_COMMON_ATTRS;
	c->common_ptr = &c->common;
	c->common_size = sizeof(*common);
	common->log_buf = ptr_to_u64(rq_log);
	common->log_size = RQ_LOG;
	common->log_level = 1;
	switch (m) {
	case 0:
		break;
	case 1:
		attr->log_buf = common->log_buf;
		attr->log_size = common->log_size;
		attr->log_level = common->log_level;
		break;
	case 2:
		attr->log_buf = ptr_to_u64(rq_log + 8);
		attr->log_size = RQ_LOG - 8;
		attr->log_level = 2;
		break;
	case 3:
		c->common_size = sizes[rq_rand(s, ARRAY_SIZE(sizes))];
		break;
	case 4:
		c->common_size = sizeof(c->common);
		c->common.tail[rq_rand(s, sizeof(c->common.tail))] = 1;
		break;
	case 5:
		c->common_ptr = rq_rand(s, 2) ? NULL : rq_guard();
		break;
	case 6:
		common->log_level = rq_rand(s, 2) ? 16 : 0;
		break;
	default:
		common->log_size = 1 + rq_rand(s, 16);
	}
	rq_note(c, "common#%llu common_size=%u", m, c->common_size);
}

/*
 * prog_btf_fd alone (ignored without records), and with a func_info or a
 * line_info record: the program's BTF, vmlinux BTF, other objects, none.
 */
static void rk_btf_fd(struct rq_case *c, unsigned long long *s,
		      unsigned long long n)
{
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m = rq_rand(s, 3);

	if (m == 1)
		rq_func_info(c);
	else if (m == 2)
		rq_line_info(c);
	attr->prog_btf_fd = rq_any_fd(s);
	rq_note(c, "prog_btf_fd=%d records#%llu", (int)attr->prog_btf_fd, m);
}

/*
 * func_info, func_info_rec_size, func_info_cnt: a valid record (BTF FUNC
 * of the main program), larger records with a zero or a non-zero tail,
 * sizes below the minimum, unaligned or above the maximum, counts that do
 * not match the one subprogram, records naming other types or other
 * offsets, and NULL, PROT_NONE and edge pointers.
 */
static void rk_func_info(struct rq_case *c, unsigned long long *s,
			 unsigned long long n)
{
	static const __u32 rec_sizes[] = { 8, 8, 8, 12, 16, 252, 4, 10, 256, 0 };
	static const __u32 cnts[] = { 1, 1, 1, 0, 2, 3, 1U << 28, UINT_MAX };
	const __u32 types[] = { rq.func_id, rq.func_id, rq.static_id, rq.int_id,
				rq.struct_id, rq.proto_id, 0, rq.btf_types + 5,
				(__u32)splitmix(s) };
	struct bpf_func_info fi = { .insn_off = 0, .type_id = rq.func_id };
	union bpf_attr *attr = &c->a.attr;
	__u32 rs = rec_sizes[rq_rand(s, ARRAY_SIZE(rec_sizes))];
	__u32 type_id, insn_off;

	rq_func_info(c);
	memset(c->finfo, 0, sizeof(c->finfo));
	if (rq_rand(s, 3) == 0)
		fi.type_id = types[rq_rand(s, ARRAY_SIZE(types))];
	if (rq_rand(s, 5) == 0)
		fi.insn_off = rq_rand(s, 2) ? 1 + rq_rand(s, RQ_INSNS) : splitmix(s);
	rq_put_rec(c->finfo, rs, 0, &fi, sizeof(fi));
	type_id = fi.type_id;
	insn_off = fi.insn_off;
	fi.insn_off = 5;
	rq_put_rec(c->finfo, rs, 1, &fi, sizeof(fi));
	fi.insn_off = 7;
	fi.type_id = rq.static_id;
	rq_put_rec(c->finfo, rs, 2, &fi, sizeof(fi));
	if (rq_rand(s, 3) == 0)
		rq_dirty_tail(c->finfo, rs, sizeof(fi), s);
	attr->func_info_rec_size = rs;
	attr->func_info_cnt = cnts[rq_rand(s, ARRAY_SIZE(cnts))];
	switch (rq_rand(s, 10)) {
	case 0:
		attr->func_info = 0;
		break;
	case 1:
		attr->func_info = ptr_to_u64(rq_guard());
		break;
	case 2:
		attr->func_info = ptr_to_u64(rq_edge(EDGE_FINFO, c->finfo, 8));
		break;
	case 3:
		attr->prog_btf_fd = rq_any_fd(s);
		break;
	}
	rq_note(c, "func_info rec_size=%u cnt=%u type_id=%u insn_off=%u ptr=%s",
		rs, attr->func_info_cnt, type_id, insn_off,
		attr->func_info == ptr_to_u64(c->finfo) ? "buf" : "other");
}

/*
 * line_info, line_info_rec_size, line_info_cnt: valid records at the
 * first instructions, records at the second half of an ld_imm64 (code 0),
 * out of order or out of range, string offsets past the string section,
 * record sizes and counts as for func_info, and the pointers.
 */
static void rk_line_info(struct rq_case *c, unsigned long long *s,
			 unsigned long long n)
{
	static const __u32 rec_sizes[] = { 16, 16, 16, 20, 24, 12, 18, 252, 256 };
	static const __u32 cnts[] = { 1, 1, 2, 3, 0, 1U << 28, UINT_MAX };
	static const __u32 offs[] = { 2, 3, 1, 0, 9, 10, 4 };
	struct bpf_line_info li = {
		.insn_off = 0,
		.file_name_off = rq.file_off,
		.line_off = rq.line_off,
		.line_col = 2 << 10 | 1,
	};
	union bpf_attr *attr = &c->a.attr;
	__u32 rs = rec_sizes[rq_rand(s, ARRAY_SIZE(rec_sizes))];

	rq_line_info(c);
	memset(c->linfo, 0, sizeof(c->linfo));
	if (rq_rand(s, 4) == 0)
		li.file_name_off = rq_rand(s, 2) ? rq_rand(s, 256) : splitmix(s);
	if (rq_rand(s, 4) == 0)
		li.line_off = rq_rand(s, 256);
	if (rq_rand(s, 6) == 0)
		li.insn_off = offs[rq_rand(s, ARRAY_SIZE(offs))];
	rq_put_rec(c->linfo, rs, 0, &li, sizeof(li));
	li.insn_off = offs[rq_rand(s, ARRAY_SIZE(offs))];
	rq_put_rec(c->linfo, rs, 1, &li, sizeof(li));
	li.insn_off = 7;
	rq_put_rec(c->linfo, rs, 2, &li, sizeof(li));
	if (rq_rand(s, 3) == 0)
		rq_dirty_tail(c->linfo, rs, sizeof(li), s);
	attr->line_info_rec_size = rs;
	attr->line_info_cnt = cnts[rq_rand(s, ARRAY_SIZE(cnts))];
	switch (rq_rand(s, 10)) {
	case 0:
		attr->line_info = 0;
		break;
	case 1:
		attr->line_info = ptr_to_u64(rq_guard());
		break;
	case 2:
		attr->line_info = ptr_to_u64(rq_edge(EDGE_LINFO, c->linfo, 16));
		break;
	case 3:
		rq_func_info(c);
		break;
	case 4:
		attr->prog_btf_fd = rq_any_fd(s);
		break;
	}
	rq_note(c, "line_info rec_size=%u cnt=%u", rs, attr->line_info_cnt);
}

/*
 * A CO-RE relocation record: @insn_off in bytes, of the local BTF type
 * @type_id, its field given by the access string at @acc.
 */
static void rq_relo(struct rq_case *c, __u32 rec_size, int idx,
		    __u32 insn_off, __u32 type_id, __u32 acc, __u32 kind)
{
	struct bpf_core_relo r = {
		.insn_off = insn_off,
		.type_id = type_id,
		.access_str_off = acc,
		.kind = kind,
	};

	rq_put_rec(c->relos, rec_size, idx, &r, sizeof(r));
}

/* A random relocation: mostly on an instruction, of a local type. */
static void rq_random_relo(struct rq_case *c, __u32 rec_size, int idx,
			   unsigned long long *s)
{
	const __u32 accs[] = { rq.acc_off, rq.acc_off, 0, rq.file_off,
			       rq.line_off, (__u32)rq_rand(s, 512) };
	__u32 insn_off, type_id, acc, kind;

	insn_off = rq_rand(s, 4) ? rq_rand(s, RQ_INSNS) * 8 : rq_rand(s, 4096);
	type_id = rq_rand(s, rq.btf_types + 3);
	acc = accs[rq_rand(s, ARRAY_SIZE(accs))];
	kind = rq_rand(s, 16);
	rq_relo(c, rec_size, idx, insn_off, type_id, acc, kind);
}

/*
 * core_relos, core_relo_rec_size, core_relo_cnt, with prog_btf_fd: the
 * real relocation, BPF_CORE_FIELD_BYTE_OFFSET of max_entries in a local
 * "struct bpf_map { __u32 max_entries; }" (offset 0), which the kernel
 * resolves against vmlinux's struct bpf_map: on insn 7 (r3 = 0) it
 * rewrites the immediate, on insn 2 the load offset.  Both after the
 * signature was verified: on Linux 7.3 these are the expected wrong
 * verdicts; the series refuses a signed load with any relocation
 * (-EINVAL, as with func_info or line_info).  Then every relocation kind
 * on insn 7 (all but BPF_CORE_FIELD_SIGNED fail validation; that one keeps
 * the 0), random records, larger records with a zero or non-zero tail,
 * other BTF fds, counts and pointers.
 */
static void rk_core_relo(struct rq_case *c, unsigned long long *s,
			 unsigned long long n)
{
	static const __u32 cnts[] = { 0, 3, 1U << 28, UINT_MAX };
	const __u32 mov = RQ_MOV * 8, ldx = RQ_LDX * 8;
	__u32 rs = sizeof(struct bpf_core_relo), cnt = 1;
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m = n < 10 ? n : rq_rand(s, 10);
	__u32 kind = BPF_CORE_FIELD_BYTE_OFFSET;

	attr->prog_btf_fd = rq.btf_fd;
	attr->core_relos = ptr_to_u64(c->relos);
	switch (m) {
	case 0:
		rq_relo(c, rs, 0, mov, rq.struct_id, rq.acc_off, kind);
		break;
	case 1:
		rq_relo(c, rs, 0, ldx, rq.struct_id, rq.acc_off, kind);
		break;
	case 2:
		rq_relo(c, rs, 0, ldx, rq.struct_id, rq.acc_off, kind);
		rq_relo(c, rs, 1, mov, rq.struct_id, rq.acc_off, kind);
		cnt = 2;
		break;
	case 3:
		kind = rq_rand(s, BPF_CORE_TYPE_MATCHES + 1);
		rq_relo(c, rs, 0, mov, rq.struct_id, rq.acc_off, kind);
		break;
	case 4:
		rq_random_relo(c, rs, 0, s);
		break;
	case 5:
		rq_relo(c, rs, 0, mov, rq.struct_id, rq.acc_off, kind);
		rq_random_relo(c, rs, 1, s);
		cnt = 2;
		break;
	case 6:
		rs = rq_rand(s, 2) ? 20 : 24;
		rq_relo(c, rs, 0, mov, rq.struct_id, rq.acc_off, kind);
		if (rq_rand(s, 2))
			rq_dirty_tail(c->relos, rs, sizeof(struct bpf_core_relo), s);
		break;
	case 7:
		rq_relo(c, rs, 0, mov, rq.struct_id, rq.acc_off, kind);
		attr->prog_btf_fd = rq_any_fd(s);
		break;
	case 8:
		rq_relo(c, rs, 0, ldx, rq.struct_id, rq.acc_off, kind);
		rq_relo(c, rs, 1, mov, rq.struct_id, rq.acc_off, kind);
		cnt = cnts[rq_rand(s, ARRAY_SIZE(cnts))];
		break;
	default:
		rq_relo(c, rs, 0, mov, rq.struct_id, rq.acc_off, kind);
		if (rq_rand(s, 3) == 0)
			attr->core_relos = 0;
		else if (rq_rand(s, 2))
			attr->core_relos = ptr_to_u64(rq_guard());
		else
			attr->core_relos = ptr_to_u64(rq_edge(EDGE_RELO, c->relos,
							      rs));
	}
	attr->core_relo_rec_size = rs;
	attr->core_relo_cnt = cnt;
	rq_note(c, "core_relo#%llu kind=%u rec_size=%u cnt=%u prog_btf_fd=%d",
		m, kind, rs, cnt, (int)attr->prog_btf_fd);
}

/*
 * attach_btf_id, attach_prog_fd / attach_btf_obj_fd: ids alone (only
 * tracing, LSM, struct_ops and extension programs take one), fentry,
 * fexit, fmod_ret, tp_btf and iterator programs on vmlinux functions, LSM
 * programs on a hook, an extension of another program's global function
 * (with the BTF and func_info that needs), and every kind of fd as the
 * attach target.
 */
static void rk_attach(struct rq_case *c, unsigned long long *s,
		      unsigned long long n)
{
	static const __u32 tracing[] = {
		BPF_TRACE_FENTRY, BPF_TRACE_FEXIT, BPF_MODIFY_RETURN,
		BPF_TRACE_RAW_TP, BPF_TRACE_ITER,
	};
	static const __u32 types[] = {
		BPF_PROG_TYPE_TRACING, BPF_PROG_TYPE_LSM, BPF_PROG_TYPE_EXT,
		BPF_PROG_TYPE_STRUCT_OPS, BPF_PROG_TYPE_SYSCALL,
	};
	const __u32 ids[] = { rq.fentry_id, rq.lsm_id, rq.tp_id, rq.iter_id,
			      rq.func_id, 1, 0x100001, (__u32)rq_rand(s, 100000) };
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m = n < 6 ? n : rq_rand(s, 6);

	switch (m) {
	case 0:
		attr->attach_btf_id = ids[rq_rand(s, ARRAY_SIZE(ids))];
		break;
	case 1:
		attr->prog_type = BPF_PROG_TYPE_TRACING;
		attr->expected_attach_type = tracing[rq_rand(s, ARRAY_SIZE(tracing))];
		attr->attach_btf_id = ids[rq_rand(s, ARRAY_SIZE(ids))];
		if (rq_rand(s, 3) == 0)
			attr->attach_btf_id = rq.fentry_id;
		if (attr->expected_attach_type == BPF_TRACE_RAW_TP)
			attr->attach_btf_id = rq.tp_id;
		if (attr->expected_attach_type == BPF_TRACE_ITER)
			attr->attach_btf_id = rq.iter_id;
		if (rq_rand(s, 2))
			attr->prog_flags &= ~BPF_F_SLEEPABLE;
		break;
	case 2:
		attr->prog_type = BPF_PROG_TYPE_LSM;
		attr->expected_attach_type = rq_rand(s, 2) ? BPF_LSM_MAC : BPF_LSM_CGROUP;
		attr->attach_btf_id = rq.lsm_id;
		if (rq_rand(s, 2))
			attr->prog_flags &= ~BPF_F_SLEEPABLE;
		break;
	case 3:
		/* freplace the target's global function rq_main */
		rq_func_info(c);
		attr->prog_type = BPF_PROG_TYPE_EXT;
		attr->prog_flags = 0;
		attr->attach_prog_fd = rq.target;
		attr->attach_btf_id = rq_rand(s, 4) ? rq.func_id : ids[rq_rand(s, ARRAY_SIZE(ids))];
		break;
	case 4:
		attr->prog_type = rq_rand(s, 2) ? BPF_PROG_TYPE_TRACING : BPF_PROG_TYPE_EXT;
		attr->expected_attach_type = attr->prog_type == BPF_PROG_TYPE_EXT ?
					     0 : BPF_TRACE_FENTRY;
		attr->prog_flags &= ~BPF_F_SLEEPABLE;
		attr->attach_prog_fd = rq_any_fd(s);
		attr->attach_btf_id = ids[rq_rand(s, ARRAY_SIZE(ids))];
		if (rq_rand(s, 2))
			rq_func_info(c);
		break;
	default:
		attr->prog_type = types[rq_rand(s, ARRAY_SIZE(types))];
		attr->expected_attach_type = rq_rand(s, __MAX_BPF_ATTACH_TYPE + 2);
		attr->attach_btf_id = ids[rq_rand(s, ARRAY_SIZE(ids))];
		if (rq_rand(s, 2))
			attr->attach_btf_id = splitmix(s);
		if (rq_rand(s, 2))
			attr->attach_prog_fd = rq_any_fd(s);
	}
	rq_note(c, "attach#%llu prog_type=%u expected_attach_type=%u attach_btf_id=%u attach_fd=%d",
		m, attr->prog_type, attr->expected_attach_type,
		attr->attach_btf_id, (int)attr->attach_prog_fd);
}

/*
 * fd_array contents (fd_array_cnt follows the length): the signed maps
 * through other fds (dup, reopened by id: the same maps, accepted),
 * another object in place of one (other value, unfrozen, not exclusive,
 * exclusive to another program, a hash map, another value size, two
 * entries, BTF, a program, closed, -1, 0), the two swapped, a duplicate
 * entry before the second map ([m0, m0, m1]: still two distinct maps over
 * the same payload, but fd_array index 1 now names m0, so insn 3 loads
 * meta instead of meta2; Linux 7.3 accepts it, a wrong verdict; the
 * series refuses an fd_array that names a map twice: -EINVAL),
 * duplicates that keep every index, one map twice, an extra entry, random
 * sequences.
 */
static void rk_fd_array(struct rq_case *c, unsigned long long *s,
			unsigned long long n)
{
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m = n < 8 ? n : rq_rand(s, 8);
	int j = rq_rand(s, 2), i, len, m0 = rq.maps[0], m1 = rq.maps[1];

	switch (m) {
	case 0:
		c->fds[j] = rq_own(c, rq_rand(s, 2) ? dup(rq.maps[j]) :
				   bpf_map_get_fd_by_id(rq.map_ids[j]));
		break;
	case 1:
		c->fds[j] = rq_wrong_map(s);
		break;
	case 2:
		c->fds[0] = m1;
		c->fds[1] = m0;
		break;
	case 3:
		c->fds[0] = m0;
		c->fds[1] = rq_rand(s, 2) ? m0 : rq_own(c, dup(m0));
		c->fds[2] = m1;
		attr->fd_array_cnt = 3;
		break;
	case 4:
		c->fds[2] = rq.maps[j];
		attr->fd_array_cnt = 3;
		break;
	case 5:
		c->fds[1 - j] = c->fds[j];
		break;
	case 6:
		c->fds[2] = rq_rand(s, 2) ? rq_wrong_map(s) : rq_any_fd(s);
		attr->fd_array_cnt = 3;
		break;
	default:
		len = 1 + rq_rand(s, 6);
		for (i = 0; i < len; i++) {
			switch (rq_rand(s, 6)) {
			case 0:
			case 1:
				c->fds[i] = m0;
				break;
			case 2:
			case 3:
				c->fds[i] = m1;
				break;
			case 4:
				c->fds[i] = rq_own(c, dup(rq.maps[rq_rand(s, 2)]));
				break;
			default:
				c->fds[i] = rq_wrong_map(s);
			}
		}
		attr->fd_array_cnt = len;
	}
	rq_note(c, "fd_array#%llu cnt=%u [%d %d %d]", m, attr->fd_array_cnt,
		c->fds[0], c->fds[1], c->fds[2]);
}

/*
 * fd_array_cnt over the same array (entries past the two maps are -1),
 * and the fd_array pointer: NULL with and without a count (a signed
 * program must bind through a continuous fd_array), PROT_NONE, the two
 * entries right before PROT_NONE (accepted) and one entry there.
 */
static void rk_fd_cnt(struct rq_case *c, unsigned long long *s,
		      unsigned long long n)
{
	static const __u32 cnts[] = { 0, 1, 3, 4, 63, 64, 65, 4096, 4097,
				      1 << 16, UINT_MAX };
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m, k = ARRAY_SIZE(cnts);

	m = n < k + 5 ? n : rq_rand(s, k + 5);
	if (m < k) {
		attr->fd_array_cnt = cnts[m];
	} else {
		switch (m - k) {
		case 0:
			attr->fd_array = 0;
			break;
		case 1:
			attr->fd_array = 0;
			attr->fd_array_cnt = 0;
			break;
		case 2:
			attr->fd_array = ptr_to_u64(rq_guard());
			break;
		case 3:
			attr->fd_array = ptr_to_u64(rq_edge(EDGE_FDS, c->fds,
							    2 * sizeof(int)));
			break;
		default:
			attr->fd_array = ptr_to_u64(rq_edge(EDGE_FDS, c->fds,
							    sizeof(int)));
		}
	}
	rq_note(c, "fd_array_cnt=%u#%llu", attr->fd_array_cnt, m);
}

/*
 * signature and signature_size (the bytes themselves are the mutate
 * subtest's): no signature (an unsigned load, which the exclusive maps
 * refuse), PROT_NONE, the right size at an offset into the buffer, the
 * signature right before PROT_NONE (accepted) and a size that runs into
 * it, shorter and longer sizes (longer ones add zero bytes after the DER
 * object: -EBADMSG), sizes at the kmalloc limit, another valid
 * signature of the same key over another payload, random bytes.
 */
static void rk_signature(struct rq_case *c, unsigned long long *s,
			 unsigned long long n)
{
	static const __u32 sizes[] = { 8191, 8192, 8193, 65536, UINT_MAX };
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m = n < 10 ? n : rq_rand(s, 10);
	__u32 i;

	switch (m) {
	case 0:
		attr->signature = 0;
		break;
	case 1:
		attr->signature = ptr_to_u64(rq_guard());
		break;
	case 2:
		attr->signature = ptr_to_u64(c->sig + 1 + rq_rand(s, 8));
		break;
	case 3:
		attr->signature = ptr_to_u64(rq_edge(EDGE_SIG, rq.sig, rq.sig_sz));
		break;
	case 4:
		attr->signature = ptr_to_u64(rq_edge(EDGE_SIG, rq.sig, rq.sig_sz));
		attr->signature_size += 1 + rq_rand(s, 16);
		break;
	case 5:
		attr->signature_size = rq_rand(s, 2) ? rq_rand(s, 3) :
				       rq.sig_sz - 1 - rq_rand(s, 64);
		break;
	case 6:
		attr->signature_size += 1 + rq_rand(s, 16);
		break;
	case 7:
		attr->signature_size = sizes[rq_rand(s, ARRAY_SIZE(sizes))];
		break;
	case 8:
		memset(c->sig, 0, sizeof(c->sig));
		memcpy(c->sig, rq.alt_sig, rq.alt_sig_sz);
		attr->signature_size = rq.alt_sig_sz;
		break;
	default:
		for (i = 0; i < rq.sig_sz; i++)
			c->sig[i] = splitmix(s);
	}
	rq_note(c, "signature#%llu signature_size=%u", m, attr->signature_size);
}

/* keyring_id: special and random ids, never one that holds the key. */
static void rk_keyring(struct rq_case *c, unsigned long long *s,
		       unsigned long long n)
{
	static const __s32 special[] = { 0, 1, 2, 3, 0xffff, -1, -2, -4, -5,
					 -6, -7, -8, -9, INT_MIN, INT_MAX };
	union bpf_attr *attr = &c->a.attr;
	int tries;

	for (tries = 0; tries < 16; tries++) {
		if (n < ARRAY_SIZE(special) && !tries)
			attr->keyring_id = special[n];
		else if (rq_rand(s, 2))
			attr->keyring_id = special[rq_rand(s, ARRAY_SIZE(special))];
		else
			attr->keyring_id = splitmix(s);
		if (!holds_key(attr->keyring_id))
			break;
	}
	if (tries == 16)
		attr->keyring_id = 0;
	rq_note(c, "keyring_id=%d", attr->keyring_id);
}

/*
 * prog_token_fd with BPF_F_TOKEN_FD: every kind of fd (no BPF token can be
 * made in the initial user namespace), and without the flag (ignored).
 */
static void rk_token(struct rq_case *c, unsigned long long *s,
		     unsigned long long n)
{
	const int fds[] = { -1, 0, rq.bpffs, INT_MAX };
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m = n < 3 ? n : rq_rand(s, 3);

	if (m != 2)
		attr->prog_flags |= BPF_F_TOKEN_FD;
	attr->prog_token_fd = m == 1 ? fds[rq_rand(s, ARRAY_SIZE(fds))] : rq_any_fd(s);
	rq_note(c, "token#%llu prog_token_fd=%d", m, attr->prog_token_fd);
}

/*
 * insn_cnt over the same buffer (past the program: zeros, exits or a
 * copy of it), counts over the limits, and the insns pointer: NULL,
 * PROT_NONE, the program right before PROT_NONE (accepted) and one more
 * instruction than that.  A count other than the signed one must never
 * verify.
 */
static void rk_insn_cnt(struct rq_case *c, unsigned long long *s,
			unsigned long long n)
{
	static const __u32 cnts[] = { 0, 1, 2, RQ_INSNS - 1, RQ_INSNS + 1,
				      RQ_INSNS + 2, RQ_INSNS + 8, RQ_ROOM,
				      1000001, UINT_MAX };
	union bpf_attr *attr = &c->a.attr;
	unsigned long long m, k = ARRAY_SIZE(cnts);
	int i;

	m = n < k + 4 ? n : rq_rand(s, k + 4);
	if (m < k) {
		attr->insn_cnt = cnts[m];
		for (i = RQ_INSNS; i < RQ_ROOM; i++) {
			if (m % 3 == 1)
				c->insns[i] = rq_spare[0];
			else if (m % 3 == 2)
				c->insns[i] = rq_insns[i % RQ_INSNS];
		}
	} else {
		switch (m - k) {
		case 0:
			attr->insns = 0;
			break;
		case 1:
			attr->insns = ptr_to_u64(rq_guard());
			break;
		case 2:
			attr->insns = ptr_to_u64(rq_edge(EDGE_INSNS, rq_insns,
							 sizeof(rq_insns)));
			break;
		default:
			attr->insns = ptr_to_u64(rq_edge(EDGE_INSNS, rq_insns,
							 sizeof(rq_insns)));
			attr->insn_cnt++;
		}
	}
	rq_note(c, "insn_cnt=%u#%llu", attr->insn_cnt, m);
}

/*
 * The instructions: first every single bit flipped in turn, then a few
 * random bit flips, a byte changed, two instructions swapped, one to four
 * appended, one inserted, removed or replaced.  None may verify with the
 * reference signature.
 */
static void rk_insns(struct rq_case *c, unsigned long long *s,
		     unsigned long long n)
{
	union bpf_attr *attr = &c->a.attr;
	__u8 *bytes = (__u8 *)c->insns;
	__u32 cnt = RQ_INSNS;
	unsigned long long m = 0;
	int i, j, k;

	if (n < 8 * sizeof(rq_insns)) {
		bytes[n / 8] ^= 1 << (n % 8);
		goto out;
	}
	m = 1 + rq_rand(s, 7);
	switch (m) {
	case 1:
		for (k = 1 + rq_rand(s, 3); k; k--) {
			i = rq_rand(s, sizeof(rq_insns));
			bytes[i] ^= 1 << rq_rand(s, 8);
		}
		break;
	case 2:
		i = rq_rand(s, sizeof(rq_insns));
		bytes[i] ^= 1 + rq_rand(s, 255);
		break;
	case 3:
		i = rq_rand(s, RQ_INSNS);
		j = (i + 1 + rq_rand(s, RQ_INSNS - 1)) % RQ_INSNS;
		c->insns[i] = rq_insns[j];
		c->insns[j] = rq_insns[i];
		break;
	case 4:
		for (k = 1 + rq_rand(s, 4); k; k--)
			c->insns[cnt++] = rq_spare[rq_rand(s, ARRAY_SIZE(rq_spare))];
		break;
	case 5:
		i = rq_rand(s, RQ_INSNS + 1);
		memmove(&c->insns[i + 1], &c->insns[i],
			(RQ_INSNS - i) * sizeof(c->insns[0]));
		c->insns[i] = rq_spare[rq_rand(s, ARRAY_SIZE(rq_spare))];
		cnt++;
		break;
	case 6:
		i = rq_rand(s, RQ_INSNS);
		memmove(&c->insns[i], &c->insns[i + 1],
			(RQ_INSNS - i - 1) * sizeof(c->insns[0]));
		cnt--;
		break;
	default:
		i = rq_rand(s, RQ_INSNS);
		c->insns[i] = rq_spare[rq_rand(s, ARRAY_SIZE(rq_spare))];
	}
out:
	/* flips that cancelled, a swap or a replacement with the same insn */
	if (cnt == RQ_INSNS && !memcmp(c->insns, rq_insns, sizeof(rq_insns)))
		c->insns[RQ_INSNS - 1].imm ^= 1;
	attr->insn_cnt = cnt;
	rq_note(c, "insns#%llu insn_cnt=%u", m, cnt);
}

static void rq_mutate(struct rq_case *c, int kind, unsigned long long *s,
		      unsigned long long n);

/* Two to four different kinds at once, each with random choices. */
static void rk_multi(struct rq_case *c, unsigned long long *s,
		     unsigned long long n)
{
	unsigned long long used = 0;
	int k, kind;

	for (k = 2 + rq_rand(s, 3); k; k--) {
		kind = rq_rand(s, RK_MULTI);
		if (used & (1ULL << kind))
			continue;
		used |= 1ULL << kind;
		rq_note(c, "[%s]", rq_kind_name[kind]);
		rq_mutate(c, kind, s, RQ_NONE);
	}
}

static void (* const rq_mutators[RK_KINDS])(struct rq_case *c,
					    unsigned long long *s,
					    unsigned long long n) = {
	[RK_PROG_TYPE] = rk_prog_type,
	[RK_ATTACH_TYPE] = rk_attach_type,
	[RK_FLAGS] = rk_flags,
	[RK_LICENSE] = rk_license,
	[RK_KERN_VERSION] = rk_kern_version,
	[RK_NAME] = rk_name,
	[RK_IFINDEX] = rk_ifindex,
	[RK_LOG] = rk_log,
	[RK_ATTR_SIZE] = rk_attr_size,
	[RK_COMMON] = rk_common,
	[RK_BTF_FD] = rk_btf_fd,
	[RK_FUNC_INFO] = rk_func_info,
	[RK_LINE_INFO] = rk_line_info,
	[RK_CORE_RELO] = rk_core_relo,
	[RK_ATTACH] = rk_attach,
	[RK_FD_ARRAY] = rk_fd_array,
	[RK_FD_CNT] = rk_fd_cnt,
	[RK_SIGNATURE] = rk_signature,
	[RK_KEYRING] = rk_keyring,
	[RK_TOKEN] = rk_token,
	[RK_INSN_CNT] = rk_insn_cnt,
	[RK_INSNS] = rk_insns,
	[RK_MULTI] = rk_multi,
};

static void rq_mutate(struct rq_case *c, int kind, unsigned long long *s,
		      unsigned long long n)
{
	rq_mutators[kind](c, s, n);
}

/*
 * What the kernel keeps of a program: its xlated instructions and the
 * ids of the maps it binds, in order.  The first call gets the lengths.
 */
static int rq_info(int prog_fd, struct bpf_insn *xlated, __u32 *xlated_len,
		   __u32 *ids, __u32 *nr_ids)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_prog_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	if (info.xlated_prog_len > RQ_XLATED * sizeof(*xlated) ||
	    info.nr_map_ids > RQ_IDS)
		return -E2BIG;
	*xlated_len = info.xlated_prog_len;
	*nr_ids = info.nr_map_ids;
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = *xlated_len;
	info.xlated_prog_insns = ptr_to_u64(xlated);
	info.nr_map_ids = *nr_ids;
	info.map_ids = ptr_to_u64(ids);
	len = sizeof(info);
	if (bpf_prog_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	if (info.xlated_prog_len != *xlated_len || info.nr_map_ids != *nr_ids)
		return -EAGAIN;
	return 0;
}

/*
 * The xlated instructions name the maps they load by id: make each such id
 * the index in @ids (the maps of the load, in fd_array order) of its map,
 * or RQ_FOREIGN if no map of @ids has it.  Returns how many references
 * named maps of @ids.
 */
#define RQ_FOREIGN	(-1)

static int rq_normalise(struct bpf_insn *x, __u32 len, const __u32 *ids,
			__u32 nr_ids)
{
	__u32 i, k, n = len / sizeof(*x);
	int refs = 0;

	for (i = 0; i + 1 < n; i++) {
		if (x[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		if (x[i].src_reg == BPF_PSEUDO_MAP_FD ||
		    x[i].src_reg == BPF_PSEUDO_MAP_VALUE) {
			for (k = 0; k < nr_ids && ids[k] != (__u32)x[i].imm; k++)
				;
			x[i].imm = k < nr_ids ? (int)k : RQ_FOREIGN;
			refs += k < nr_ids;
		}
		i++;	/* the second half */
	}
	return refs;
}

/*
 * The property: @prog_fd is the signed program as the reference load kept
 * it: it binds the two signed maps of the case in fd_array order, each
 * holding its signed value, and its xlated instructions are the reference's
 * byte for byte, once map ids are made indexes of those maps.  If not, @why
 * says what differs.
 */
static bool rq_kept_as_signed(int prog_fd, char *why, size_t sz)
{
	static struct bpf_insn xlated[RQ_XLATED];
	__u32 xlated_len, ids[RQ_IDS], nr_ids, key = 0, i, k, n;
	const struct bpf_insn *x, *r;
	__u8 value[VALUE_SZ];
	int err, fd;

	err = rq_info(prog_fd, xlated, &xlated_len, ids, &nr_ids);
	if (err) {
		snprintf(why, sz, "no program info: %d", err);
		return false;
	}
	if (nr_ids != 2 || ids[0] != rq.map_ids[0] || ids[1] != rq.map_ids[1]) {
		snprintf(why, sz, "binds %u maps (%u %u), the case's %u %u", nr_ids,
			 nr_ids > 0 ? ids[0] : 0, nr_ids > 1 ? ids[1] : 0,
			 rq.map_ids[0], rq.map_ids[1]);
		return false;
	}
	rq_normalise(xlated, xlated_len, rq.map_ids, 2);
	if (xlated_len != rq.xlated_len ||
	    memcmp(xlated, rq.xlated, xlated_len)) {
		n = xlated_len < rq.xlated_len ? xlated_len : rq.xlated_len;
		for (k = 0; k < n / sizeof(*xlated); k++)
			if (memcmp(&xlated[k], &rq.xlated[k], sizeof(*xlated)))
				break;
		x = &xlated[k];
		r = &rq.xlated[k];
		snprintf(why, sz, "xlated %u insns, signed %u; insn %u %02x %02x %d %d, signed %02x %02x %d %d",
			 xlated_len / 8, rq.xlated_len / 8, k, x->code,
			 x->dst_reg | x->src_reg << 4, x->off, x->imm, r->code,
			 r->dst_reg | r->src_reg << 4, r->off, r->imm);
		return false;
	}
	for (i = 0; i < 2; i++) {
		fd = bpf_map_get_fd_by_id(ids[i]);
		err = fd < 0 ? -errno : 0;
		if (!err && bpf_map_lookup_elem(fd, &key, value))
			err = -errno;
		if (fd >= 0)
			close(fd);
		if (err || memcmp(value, rq.values[i], VALUE_SZ)) {
			snprintf(why, sz, "map %u: %s", ids[i],
				 err ? "no value" : "not the signed value");
			return false;
		}
	}
	return true;
}

static void rq_count(struct rq_count *k, int fd, bool carried, bool ok)
{
	k->tried++;
	if (fd < 0) {
		count_errno(&k->e, fd);
		return;
	}
	k->accepted++;
	if (!carried)
		k->unsigned_ok++;
	else if (ok)
		k->as_signed++;
	else
		k->wrong++;
}

/* Load case @i of kind @kind and judge what the kernel kept. */
static void rq_run(struct rq_case *c, int kind, long i)
{
	char why[320] = "";
	union bpf_attr view;
	bool carried, ok = false;
	int fd, k;

	rq_view(c, &view);
	carried = view.signature != 0;
	fd = rq_load(c);
	for (k = 0; k < c->nown; k++)
		close(c->own[k]);
	if (fd >= 0 && carried) {
		if (rq_insns_differ(c, &view))
			snprintf(why, sizeof(why),
				 "instructions other than the signed ones verified");
		else
			ok = rq_kept_as_signed(fd, why, sizeof(why));
		if (!ok && rq.all.wrong < RQ_SHOWN)
			fprintf(stderr, "request case %ld (%s) wrong verdict: %s: %s\n",
				i, rq_kind_name[kind], c->what, why);
	}
	rq_count(&rq.all, fd, carried, ok);
	rq_count(&rq.kind[kind], fd, carried, ok);
	if (fd >= 0)
		close(fd);
}

/* An array (or other) map exclusive to rq_insns unless !@exclusive. */
static int rq_map(const char *name, enum bpf_map_type type, __u32 value_sz,
		  __u32 max_entries, bool exclusive, bool frozen, __u8 fill)
{
	return sl_make_map_for(rq_insns, RQ_INSNS, name, type, value_sz,
			       max_entries, 0, exclusive, frozen, fill);
}

/*
 * New signed metadata maps, with the signed values, in place of the last
 * ones on the same fd numbers: the program of any accepted case holds them
 * until it is freed.
 */
static int rq_new_maps(void)
{
	int i, fd, err = 0;
	__u32 id;

	for (i = 0; i < 2 && !err; i++) {
		fd = rq_map(i ? "meta2" : "meta", BPF_MAP_TYPE_ARRAY, VALUE_SZ,
			    1, true, true, SIGNED + i);
		if (fd < 0)
			return fd;
		id = map_id(fd);
		if (!id) {
			err = -ENOENT;
		} else if (rq.maps[i] < 0) {
			rq.maps[i] = fd;
			fd = -1;
		} else if (dup2(fd, rq.maps[i]) != rq.maps[i]) {
			err = -errno;
		}
		if (fd >= 0)
			close(fd);
		if (!err)
			rq.map_ids[i] = id;
	}
	if (!err)
		rq.map_pairs++;
	return err;
}

/*
 * The program's BTF: ints, a local "struct bpf_map { __u32 max_entries; }"
 * for CO-RE, a FUNC_PROTO int (void *ctx), a global FUNC
 * "int rq_main(void *ctx __arg_ctx)" and a static FUNC rq_static, and the
 * strings line_info and core_relos name.  The main program of a SYSCALL
 * program has no named context type: only with the arg:ctx tag is rq_main's
 * BTF reliable, which an extension's target needs (a main program whose
 * BTF does not match is treated as a static function, never replaced).
 */
static int rq_make_btf(void)
{
	struct btf *btf = btf__new_empty();
	int u32_id, ptr_id, tag_id, err, param;

	if (!btf)
		return -errno;
	rq.btf = btf;
	rq.int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	u32_id = btf__add_int(btf, "unsigned int", 4, 0);
	rq.struct_id = btf__add_struct(btf, "bpf_map", 4);
	err = btf__add_field(btf, "max_entries", u32_id, 0, 0);
	ptr_id = btf__add_ptr(btf, 0);
	rq.proto_id = btf__add_func_proto(btf, rq.int_id);
	param = btf__add_func_param(btf, "ctx", ptr_id);
	rq.func_id = btf__add_func(btf, "rq_main", BTF_FUNC_GLOBAL, rq.proto_id);
	tag_id = btf__add_decl_tag(btf, "arg:ctx", rq.func_id, 0);
	rq.static_id = btf__add_func(btf, "rq_static", BTF_FUNC_STATIC,
				     rq.proto_id);
	rq.acc_off = btf__add_str(btf, "0:0");
	rq.file_off = btf__add_str(btf, "signed_loader_stress.c");
	rq.line_off = btf__add_str(btf, "return meta[0] + meta2[1];");
	if (rq.int_id <= 0 || u32_id <= 0 || rq.struct_id <= 0 || err ||
	    ptr_id <= 0 || rq.proto_id <= 0 || param || rq.func_id <= 0 ||
	    tag_id <= 0 || rq.static_id <= 0 || rq.acc_off <= 0 ||
	    rq.file_off <= 0 || rq.line_off <= 0)
		return -EINVAL;
	rq.btf_types = btf__type_cnt(btf);
	err = btf__load_into_kernel(btf);
	if (err)
		return err;
	rq.btf_fd = btf__fd(btf);
	return 0;
}

/*
 * An unsigned program with BTF whose global function rq_main EXT replaces:
 * a SYSCALL program must be sleepable (check_attach_btf_id()), and the
 * target of an extension needs func_info naming a global function with
 * reliable BTF (bpf_check_attach_target()).  Returns the fd or -errno, with
 * the verifier log in rq_log.
 */
static int rq_load_target(void)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	struct bpf_func_info fi = { .insn_off = 0, .type_id = rq.func_id };
	int fd;

	opts.prog_flags = BPF_F_SLEEPABLE;
	opts.prog_btf_fd = rq.btf_fd;
	opts.func_info = &fi;
	opts.func_info_cnt = 1;
	opts.func_info_rec_size = sizeof(fi);
	opts.log_buf = rq_log;
	opts.log_size = RQ_LOG;
	opts.log_level = 1;
	rq_log[0] = 0;
	fd = bpf_prog_load(BPF_PROG_TYPE_SYSCALL, "rq_target", "GPL",
			   sl_insns, ARRAY_SIZE(sl_insns), &opts);
	return fd < 0 ? -errno : fd;
}

static int rq_vmlinux_btf_fd(void)
{
	__u32 id = 0;
	int n, fd;

	for (n = 0; n < 64 && !bpf_btf_get_next_id(id, &id); n++) {
		struct bpf_btf_info info = {};
		__u32 len = sizeof(info);
		char name[16] = "";

		fd = bpf_btf_get_fd_by_id(id);
		if (fd < 0)
			continue;
		info.name = ptr_to_u64(name);
		info.name_len = sizeof(name);
		if (!bpf_btf_get_info_by_fd(fd, &info, &len) && info.kernel_btf &&
		    !strcmp(name, "vmlinux"))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/* Attach targets in vmlinux BTF; an id that is not there stays 0. */
static void rq_find_attach_ids(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id;

	if (!vmlinux)
		return;
	id = btf__find_by_name_kind(vmlinux, "bpf_fentry_test1", BTF_KIND_FUNC);
	rq.fentry_id = id > 0 ? id : 0;
	id = btf__find_by_name_kind(vmlinux, "bpf_lsm_bpf_prog_load", BTF_KIND_FUNC);
	rq.lsm_id = id > 0 ? id : 0;
	id = btf__find_by_name_kind(vmlinux, "btf_trace_sys_enter", BTF_KIND_TYPEDEF);
	rq.tp_id = id > 0 ? id : 0;
	id = btf__find_by_name_kind(vmlinux, "bpf_iter_bpf_map", BTF_KIND_FUNC);
	rq.iter_id = id > 0 ? id : 0;
	btf__free(vmlinux);
}

/* An fd number that is not open (nothing here opens that many). */
static int rq_closed_fd(void)
{
	int fd;

	for (fd = 990; fd < 1020; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			return fd;
	return -1;
}

static void rq_teardown(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rq_fd_slots); i++) {
		if (*rq_fd_slots[i] >= 0)
			close(*rq_fd_slots[i]);
		*rq_fd_slots[i] = -1;
	}
	btf__free(rq.btf);	/* closes btf_fd */
	rq.btf = NULL;
	rq.btf_fd = -1;
	if (rq.edge)
		munmap(rq.edge, EDGE_NR * rq.edge_pages * rq.page);
	rq.edge = NULL;
}

/*
 * Maps, BTF, the other objects, the signatures; then the reference load,
 * whose xlated instructions and maps every accepted case must match, and
 * a second identical load that must match them too.
 */
static bool rq_setup(const char *dir)
{
	static struct rq_case c;
	__u32 ids[RQ_IDS], nr_ids, sz;
	__u8 *payload;
	size_t len;
	int i, fd, err;
	bool ok;

	memset(&rq, 0, sizeof(rq));
	for (i = 0; i < (int)ARRAY_SIZE(rq_fd_slots); i++)
		*rq_fd_slots[i] = -1;
	rq.btf_fd = -1;
	rq.page = sysconf(_SC_PAGESIZE);
	rq.edge_pages = (sizeof(rq.sig) + rq.page - 1) / rq.page + 1;
	rq.edge = mmap(NULL, EDGE_NR * rq.edge_pages * rq.page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_NEQ(rq.edge, MAP_FAILED, "mmap")) {
		rq.edge = NULL;
		return false;
	}
	for (i = 0; i < EDGE_NR; i++)
		if (!ASSERT_OK(mprotect(rq_edge_end(i), rq.page, PROT_NONE),
			       "mprotect"))
			return false;

	if (!ASSERT_OK(rq_new_maps(), "meta, meta2"))
		return false;
	rq.other = rq_map("other", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, true, true,
			  OTHER);
	rq.unfrozen = rq_map("unfrozen", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, true,
			     false, SIGNED);
	rq.shared = rq_map("shared", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, false,
			   true, SIGNED);
	rq.hash = rq_map("hash", BPF_MAP_TYPE_HASH, VALUE_SZ, 1, true, false,
			 SIGNED);
	rq.small = rq_map("small", BPF_MAP_TYPE_ARRAY, 8, 1, true, true, SIGNED);
	rq.two = rq_map("two", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 2, true, true,
			SIGNED);
	/* exclusive to sl_insns, another program */
	rq.foreign = sl_make_map("foreign", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0,
				 true, true, SIGNED);
	if (!ASSERT_OK_FD(rq.other, "other") || !ASSERT_OK_FD(rq.unfrozen, "unfrozen") ||
	    !ASSERT_OK_FD(rq.shared, "shared") || !ASSERT_OK_FD(rq.hash, "hash") ||
	    !ASSERT_OK_FD(rq.small, "small") || !ASSERT_OK_FD(rq.two, "two") ||
	    !ASSERT_OK_FD(rq.foreign, "foreign"))
		return false;
	for (i = 0; i < 2; i++)
		memset(rq.values[i], SIGNED + i, VALUE_SZ);
	if (!ASSERT_OK(rq_make_btf(), "program BTF"))
		return false;
	/* Without it the attach cases name a bad fd; the subtest fails. */
	rq.target = rq_load_target();
	if (!ASSERT_OK_FD(rq.target, "freplace target"))
		fprintf(stderr, "freplace target verifier log:\n%s\n", rq_log);
	rq.vmlinux_btf = rq_vmlinux_btf_fd();
	rq_find_attach_ids();
	rq.bpffs = open("/sys/fs/bpf", O_RDONLY | O_DIRECTORY);
	rq.closed = rq_closed_fd();

	/* insns || meta || meta2, and another payload signed by the same key */
	len = sizeof(rq_insns) + 2 * VALUE_SZ;
	payload = malloc(len);
	if (!ASSERT_OK_PTR(payload, "payload"))
		return false;
	memcpy(payload, rq_insns, sizeof(rq_insns));
	memcpy(payload + sizeof(rq_insns), rq.values, 2 * VALUE_SZ);
	sz = sizeof(rq.sig);
	err = sl_sign(dir, payload, len, rq.sig, &sz);
	free(payload);
	if (!ASSERT_OK(err, "sign"))
		return false;
	rq.sig_sz = sz;
	if (!ASSERT_OK(sign_value(dir, SIGNED, 2, rq.alt_sig, &rq.alt_sig_sz),
		       "sign another payload"))
		return false;

	rq_case_init(&c);
	fd = rq_load(&c);
	if (!ASSERT_OK_FD(fd, "reference signed load"))
		return false;
	err = rq_info(fd, rq.xlated, &rq.xlated_len, ids, &nr_ids);
	close(fd);
	if (!ASSERT_OK(err, "reference program info") ||
	    !ASSERT_EQ(nr_ids, 2, "reference maps") ||
	    !ASSERT_EQ(ids[0], rq.map_ids[0], "reference map 0") ||
	    !ASSERT_EQ(ids[1], rq.map_ids[1], "reference map 1") ||
	    !ASSERT_GE(rq.xlated_len, sizeof(rq_insns), "reference xlated") ||
	    !ASSERT_EQ(rq_normalise(rq.xlated, rq.xlated_len, rq.map_ids, 2), 2,
		       "reference map references"))
		return false;
	/* what the comparison is against does not vary between loads */
	if (!ASSERT_OK(rq_new_maps(), "new maps"))
		return false;
	rq_case_init(&c);
	fd = rq_load(&c);
	if (!ASSERT_OK_FD(fd, "second reference load"))
		return false;
	ok = rq_kept_as_signed(fd, c.what, sizeof(c.what));
	close(fd);
	if (!ok)
		fprintf(stderr, "second reference load: %s\n", c.what);
	return ASSERT_TRUE(ok, "reference loads agree");
}

static void stress_request(const char *dir)
{
	static struct rq_case c;
	char errs[512], kinds[1024], wrong[512];
	size_t off = 0, woff = 0;
	double start, end;
	long i;
	int k;

	if (!rq_setup(dir))
		goto out;
	start = now();
	end = start + P.seconds;
	log_kmsg("request begin");
	for (i = P.request_start; i < P.request_start + P.request; i++) {
		unsigned long long s = P.seed ^ (i * 0x9e3779b97f4a7c15ULL);
		int kind = i % RK_KINDS;

		if (!(i & 15) && now() > end)
			break;
		if (!ASSERT_OK(rq_new_maps(), "new maps"))
			break;
		splitmix(&s);
		rq_case_init(&c);
		/* the first cases of a kind sweep its special values in order */
		rq_mutate(&c, kind, &s, i / RK_KINDS);
		rq_run(&c, kind, i);
	}
	log_kmsg("request end");

	kinds[0] = 0;
	wrong[0] = 0;
	for (k = 0; k < RK_KINDS; k++) {
		struct rq_count *n = &rq.kind[k];

		if (off < sizeof(kinds))
			off += snprintf(kinds + off, sizeof(kinds) - off, " %s=%ld/%ld",
					rq_kind_name[k], n->accepted, n->tried);
		if (n->wrong && woff < sizeof(wrong))
			woff += snprintf(wrong + woff, sizeof(wrong) - woff, "%s%s:%ld",
					 woff ? "," : "", rq_kind_name[k], n->wrong);
	}
	if (!woff)
		snprintf(wrong, sizeof(wrong), "none");
	format_errnos(&rq.all.e, errs, sizeof(errs));
	printf("request: cases=%ld wrong_verdicts=%ld seed=%llu first=%ld",
	       rq.all.tried, rq.all.wrong, P.seed, (long)P.request_start);
	printf(" accepted=%ld accepted_as_signed=%ld accepted_unsigned=%ld",
	       rq.all.accepted, rq.all.as_signed, rq.all.unsigned_ok);
	printf(" metadata_maps=%ld", 2 * rq.map_pairs);
	printf(" errnos=%s wrong_kinds=%s seconds=%.1f kinds:%s\n", errs, wrong,
	       now() - start, kinds);
	/* per kind: tried, accepted, kept as signed, unsigned, wrong, errnos */
	for (k = 0; k < RK_KINDS; k++) {
		struct rq_count *n = &rq.kind[k];

		format_errnos(&n->e, errs, sizeof(errs));
		printf("request kind %s: tried=%ld accepted=%ld accepted_as_signed=%ld",
		       rq_kind_name[k], n->tried, n->accepted, n->as_signed);
		printf(" accepted_unsigned=%ld wrong_verdicts=%ld errnos=%s\n",
		       n->unsigned_ok, n->wrong, errs);
	}
	check_count(rq.all.tried, P.request, "request cases within the time bound");
	ASSERT_EQ(rq.all.wrong, 0, "wrong verdicts");
	if (rq.all.tried >= 4 * RK_KINDS)
		ASSERT_GT(rq.all.as_signed, 0, "mutated loads kept as signed");
out:
	rq_teardown();
}

void serial_test_signed_loader_stress(void)
{
	parse_params();
	if (test__start_subtest("toctou"))
		ASSERT_TRUE(sl_with_key(stress_toctou), "signing key");
	if (test__start_subtest("writers"))
		ASSERT_TRUE(sl_with_key(stress_writers), "signing key");
	if (test__start_subtest("failnth"))
		ASSERT_TRUE(sl_with_key(stress_failnth), "signing key");
	if (test__start_subtest("mutate"))
		ASSERT_TRUE(sl_with_key(stress_mutate), "signing key");
	if (test__start_subtest("request"))
		ASSERT_TRUE(sl_with_key(stress_request), "signing key");
}
