// SPDX-License-Identifier: GPL-2.0
/* Helpers of the signed-loader tests; see signed_loader_helpers.h. */

/*
 * Linked into test_progs and into the bench binary
 * (benchs/bench_signed_loader.c): nothing here depends on test_progs.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include "bpf_util.h"
#include "bpf/libbpf_internal.h" /* for libbpf_sha256() */
#include "signed_loader_helpers.h"

static __u64 ptr_to_u64(const void *ptr)
{
	return (__u64)(unsigned long)ptr;
}

const struct bpf_insn sl_insns[2] = {
	BPF_MOV64_IMM(BPF_REG_0, 0),
	BPF_EXIT_INSN(),
};

char sl_log[SL_LOG_SZ];

void sl_attr_init(union bpf_attr *attr, const struct bpf_insn *insns,
		  __u32 insn_cnt, const int *fds, __u32 cnt, const void *sig,
		  __u32 sig_sz, __s32 keyring_id)
{
	memset(attr, 0, sizeof(*attr));
	attr->prog_type = BPF_PROG_TYPE_SYSCALL;
	attr->insns = ptr_to_u64(insns);
	attr->insn_cnt = insn_cnt;
	attr->license = ptr_to_u64("GPL");
	attr->prog_flags = BPF_F_SLEEPABLE;
	attr->fd_array = ptr_to_u64(fds);
	attr->fd_array_cnt = cnt;
	attr->signature = ptr_to_u64(sig);
	attr->signature_size = sig_sz;
	attr->keyring_id = keyring_id;
}

int sl_attr_load(union bpf_attr *attr, bool log)
{
	int fd;

	if (log) {
		attr->log_level = 1;
		attr->log_buf = ptr_to_u64(sl_log);
		attr->log_size = sizeof(sl_log);
		sl_log[0] = 0;
	}
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, attr,
		     offsetofend(union bpf_attr, keyring_id));
	return fd < 0 ? -errno : fd;
}

int sl_load(const int *fds, __u32 cnt, const void *sig, __u32 sig_sz,
	    __s32 keyring_id, bool log)
{
	union bpf_attr attr;

	sl_attr_init(&attr, sl_insns, ARRAY_SIZE(sl_insns), fds, cnt, sig,
		     sig_sz, keyring_id);
	return sl_attr_load(&attr, log);
}

int sl_make_map(const char *name, enum bpf_map_type type, __u32 value_sz,
		__u32 max_entries, __u32 flags, bool exclusive, bool frozen,
		__u8 fill)
{
	return sl_make_map_for(sl_insns, ARRAY_SIZE(sl_insns), name, type,
			       value_sz, max_entries, flags, exclusive, frozen,
			       fill);
}

int sl_make_map_for(const struct bpf_insn *insns, __u32 insn_cnt,
		    const char *name, enum bpf_map_type type, __u32 value_sz,
		    __u32 max_entries, __u32 flags, bool exclusive, bool frozen,
		    __u8 fill)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	__u8 digest[SHA256_DIGEST_LENGTH];
	__u32 key = 0;
	void *value;
	int fd, err;

	libbpf_sha256(insns, insn_cnt * sizeof(*insns), digest);
	if (exclusive) {
		opts.excl_prog_hash = digest;
		opts.excl_prog_hash_size = sizeof(digest);
	}
	fd = bpf_map_create(type, name, 4, value_sz, max_entries, &opts);
	if (fd < 0)
		return -errno;
	value = malloc(value_sz);
	if (!value) {
		close(fd);
		return -ENOMEM;
	}
	memset(value, fill, value_sz);
	err = bpf_map_update_elem(fd, &key, value, BPF_ANY);
	free(value);
	if (!err && frozen)
		err = bpf_map_freeze(fd);
	if (err) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void *sl_payload(const __u8 *fills, int n, __u32 value_sz, size_t *len)
{
	__u8 *buf;
	int i;

	*len = sizeof(sl_insns) + (size_t)n * value_sz;
	buf = malloc(*len);
	if (!buf)
		return NULL;
	memcpy(buf, sl_insns, sizeof(sl_insns));
	for (i = 0; i < n; i++)
		memset(buf + sizeof(sl_insns) + (size_t)i * value_sz,
		       fills[i], value_sz);
	return buf;
}

/* waitpid(), through the signals of a caller's timer (the bench runner's). */
static int sl_wait(int pid, int *status)
{
	int ret;

	do
		ret = waitpid(pid, status, 0);
	while (ret < 0 && errno == EINTR);
	return ret;
}

int sl_run_setup(const char *cmd, const char *dir)
{
	int pid, status;

	/*
	 * The script writes to the descriptors test_progs captures: flush
	 * what this process has buffered first, or its lines and the
	 * script's output interleave.
	 */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("./verify_sig_setup.sh", "./verify_sig_setup.sh",
		       cmd, dir, NULL);
		_exit(127);	/* not exit(): no atexit handler of the parent */
	}
	if (sl_wait(pid, &status) < 0)
		return -errno;
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : -EINVAL;
}

const char *sl_key_type(void)
{
	const char *type = getenv("VERIFY_SIG_KEY_TYPE");

	return type && *type ? type : "rsa";
}

const char *sl_sign_digest(void)
{
	return strncmp(sl_key_type(), "mldsa", 5) ? "sha256" : "sha512";
}

int sl_sign(const char *dir, const void *buf, size_t len, void *sig,
	    __u32 *sig_sz)
{
	return sl_sign_with(dir, sl_sign_digest(), buf, len, sig, sig_sz);
}

int sl_sign_with(const char *dir, const char *digest, const void *buf,
		 size_t len, void *sig, __u32 *sig_sz)
{
	char data[PATH_MAX], key[PATH_MAX], sigpath[PATH_MAX + 8];
	int fd, pid, status, ret = 0;
	struct stat st;

	snprintf(data, sizeof(data), "%s/dataXXXXXX", dir);
	snprintf(key, sizeof(key), "%s/signing_key.pem", dir);
	fd = mkstemp(data);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		ret = -EIO;
		goto out;
	}
	close(fd);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0) {
		execlp("./sign-file", "./sign-file", "-d", digest, key, key,
		       data, NULL);
		_exit(127);
	}
	if (sl_wait(pid, &status) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		ret = -EINVAL;
		goto out;
	}
	snprintf(sigpath, sizeof(sigpath), "%s.p7s", data);
	fd = open(sigpath, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size > *sig_sz ||
	    read(fd, sig, st.st_size) != st.st_size)
		ret = -EIO;
	else
		*sig_sz = st.st_size;
	if (fd >= 0)
		close(fd);
	unlink(sigpath);
out:
	unlink(data);
	return ret;
}

int sl_key_setup(char *dir, size_t size)
{
	int err;

	syscall(__NR_request_key, "keyring", "_uid.0", NULL,
		KEY_SPEC_SESSION_KEYRING);
	snprintf(dir, size, "/tmp/signed_loaderXXXXXX");
	if (!mkdtemp(dir)) {
		err = -errno;
		fprintf(stderr, "%s: mkdtemp: %s\n", __func__, strerror(-err));
		return err;
	}
	err = sl_run_setup("setup", dir);
	if (err) {
		fprintf(stderr, "%s: verify_sig_setup.sh setup failed: %d\n",
			__func__, err);
		rmdir(dir);
		return err;
	}
	return 0;
}

bool sl_with_key(void (*fn)(const char *dir))
{
	char dir[64];

	if (sl_key_setup(dir, sizeof(dir)))
		return false;
	fn(dir);
	sl_run_setup("cleanup", dir);
	return true;
}

/* Kernel allocations, from tracefs. */

static const char * const kmem_events[] = {
	"kmem/kmalloc", "kmem/kmem_cache_alloc", "kmem/mm_page_alloc",
};

static int tr_write(const char *dir, const char *file, const char *val,
		    int flags)
{
	ssize_t len = strlen(val);
	char path[256];
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

void sl_tracer_stop(struct sl_tracer *t)
{
	char path[sizeof(t->dir) + 64];
	int i;

	for (i = 0; i < t->enabled; i++) {
		snprintf(path, sizeof(path), "events/%s/enable", kmem_events[i]);
		tr_write(t->dir, path, "0", 0);
	}
	t->enabled = 0;
	if (t->on_fd >= 0) {
		close(t->on_fd);
		t->on_fd = -1;
	}
	if (t->dir[0] && rmdir(t->dir))
		fprintf(stderr, "signed_loader: cannot remove %s: %s\n", t->dir,
			strerror(errno));
	t->dir[0] = 0;
}

/*
 * Trace this thread's kmem events in a tracefs instance of its own, with
 * tracing off until a load: the global trace buffer, its events and
 * settings are left as they are.
 */
int sl_tracer_start(struct sl_tracer *t)
{
	static const char * const roots[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[sizeof(t->dir) + 64], pid[32];
	long tid = syscall(SYS_gettid);
	int i;

	memset(t, 0, sizeof(*t));
	t->on_fd = -1;
	for (i = 0; i < (int)ARRAY_SIZE(roots); i++) {
		snprintf(path, sizeof(path), "%s/instances", roots[i]);
		if (!access(path, F_OK))
			break;
	}
	if (i == (int)ARRAY_SIZE(roots))
		return -ENOENT;
	snprintf(t->dir, sizeof(t->dir), "%s/instances/signed_loader_%ld",
		 roots[i], tid);
	if (mkdir(t->dir, 0700)) {
		t->dir[0] = 0;
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/tracing_on", t->dir);
	t->on_fd = open(path, O_RDWR);
	if (t->on_fd < 0 || pwrite(t->on_fd, "0", 1, 0) != 1)
		goto err;
	snprintf(pid, sizeof(pid), "%ld", tid);
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
	sl_tracer_stop(t);
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
	char path[256], *line = NULL, *p;
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

int sl_trace_begin(struct sl_tracer *t)
{
	if (tr_write(t->dir, "trace", "", O_TRUNC) ||
	    pwrite(t->on_fd, "1", 1, 0) != 1)
		return -EIO;
	return 0;
}

long long sl_trace_end(struct sl_tracer *t)
{
	if (pwrite(t->on_fd, "0", 1, 0) != 1)
		return -1;
	return trace_bytes(t->dir);
}
