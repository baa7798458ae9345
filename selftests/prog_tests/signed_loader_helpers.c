// SPDX-License-Identifier: GPL-2.0
/* Helpers of the signed-loader tests; see signed_loader_helpers.h. */

#include <test_progs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/keyctl.h>

#include "bpf/libbpf_internal.h" /* for libbpf_sha256() */
#include "signed_loader_helpers.h"

const struct bpf_insn sl_insns[2] = {
	BPF_MOV64_IMM(BPF_REG_0, 0),
	BPF_EXIT_INSN(),
};

char sl_log[SL_LOG_SZ];

int sl_load(const int *fds, __u32 cnt, const void *sig, __u32 sig_sz,
	    __s32 keyring_id, bool log)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SYSCALL;
	attr.insns = ptr_to_u64(sl_insns);
	attr.insn_cnt = ARRAY_SIZE(sl_insns);
	attr.license = ptr_to_u64("GPL");
	attr.prog_flags = BPF_F_SLEEPABLE;
	attr.fd_array = ptr_to_u64(fds);
	attr.fd_array_cnt = cnt;
	attr.signature = ptr_to_u64(sig);
	attr.signature_size = sig_sz;
	attr.keyring_id = keyring_id;
	if (log) {
		attr.log_level = 1;
		attr.log_buf = ptr_to_u64(sl_log);
		attr.log_size = sizeof(sl_log);
		sl_log[0] = 0;
	}
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr,
		     offsetofend(union bpf_attr, keyring_id));
	return fd < 0 ? -errno : fd;
}

int sl_make_map(const char *name, enum bpf_map_type type, __u32 value_sz,
		__u32 max_entries, __u32 flags, bool exclusive, bool frozen,
		__u8 fill)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	__u8 digest[SHA256_DIGEST_LENGTH];
	__u32 key = 0;
	void *value;
	int fd, err;

	libbpf_sha256(sl_insns, sizeof(sl_insns), digest);
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

int sl_run_setup(const char *cmd, const char *dir)
{
	int pid, status;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("./verify_sig_setup.sh", "./verify_sig_setup.sh",
		       cmd, dir, NULL);
		exit(1);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : -EINVAL;
}

int sl_sign(const char *dir, const void *buf, size_t len, void *sig,
	    __u32 *sig_sz)
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
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0) {
		execlp("./sign-file", "./sign-file", "-d", "sha256", key, key,
		       data, NULL);
		exit(1);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
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

bool sl_with_key(void (*fn)(const char *dir))
{
	char tmpl[] = "/tmp/signed_loaderXXXXXX", *dir;

	syscall(__NR_request_key, "keyring", "_uid.0", NULL,
		KEY_SPEC_SESSION_KEYRING);
	dir = mkdtemp(tmpl);
	if (!ASSERT_OK_PTR(dir, "mkdtemp"))
		return false;
	if (!ASSERT_OK(sl_run_setup("setup", dir), "verify_sig_setup")) {
		rmdir(dir);
		return false;
	}
	fn(dir);
	sl_run_setup("cleanup", dir);
	return true;
}
