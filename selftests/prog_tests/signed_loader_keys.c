// SPDX-License-Identifier: GPL-2.0
/*
 * Signed loaders beyond the upstream tests' RSA key.  The signed-load tests
 * run once per key type (VERIFY_SIG_KEY_TYPE, see verify_sig_setup.sh); these
 * subtests cover what a per-type run cannot:
 *
 * signature_sizes          the signature sign-file makes with each key type
 *                          against the kernel's limit on signature_size
 *                          (KMALLOC_MAX_CACHE_SIZE), which the test finds by
 *                          probing, and a signed load with each
 * mldsa_without_authattrs  an ML-DSA signature over the payload itself, with
 *                          no signed attributes: OpenSSL 3.5's CMS cannot
 *                          make one, so it is made with openssl pkeyutl and
 *                          wrapped in PKCS#7 here.  The kernel verifies it
 *                          with the data itself, joined once.
 */

#include <test_progs.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/keyctl.h>

#include "signed_loader_helpers.h"
#include "signed_loader_pkcs7.h"

static const char * const key_types[] = {
	"rsa", "ecdsa-p256", "mldsa44", "mldsa65", "mldsa87",
};

/*
 * openssl pkeyutl -sign -rawin: a signature of the file @in itself with the
 * key @key, into @out; 0 if it works.
 */
static int pkeyutl_sign(const char *key, const char *in, const char *out)
{
	int pid, status, fd;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("openssl", "openssl", "pkeyutl", "-sign", "-rawin", "-inkey",
		       key, "-in", in, "-out", out, NULL);
		exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EINVAL;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* Read up to @cap bytes of @path into @buf; the size, or -errno. */
static ssize_t read_file(const char *path, void *buf, size_t cap)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (size_t)st.st_size > cap) {
		close(fd);
		return -E2BIG;
	}
	n = read(fd, buf, st.st_size);
	close(fd);
	return n == st.st_size ? n : -EIO;
}

/*
 * Make a key of @type in a new directory and the session keyring, as
 * verify_sig_setup.sh does with VERIFY_SIG_KEY_TYPE; the caller's type is
 * restored.  Returns the directory (to remove with key_cleanup()) or NULL.
 */
static char *key_setup(const char *type, char *tmpl)
{
	const char *old = getenv("VERIFY_SIG_KEY_TYPE");
	char saved[32] = "";
	char *dir;
	int err;

	if (old)
		snprintf(saved, sizeof(saved), "%s", old);
	dir = mkdtemp(tmpl);
	if (!dir)
		return NULL;
	setenv("VERIFY_SIG_KEY_TYPE", type, 1);
	err = sl_run_setup("setup", dir);
	if (err) {
		rmdir(dir);
		dir = NULL;
	}
	if (old)
		setenv("VERIFY_SIG_KEY_TYPE", saved, 1);
	else
		unsetenv("VERIFY_SIG_KEY_TYPE");
	return dir;
}

static void key_cleanup(char *dir)
{
	if (dir)
		sl_run_setup("cleanup", dir);
}

/*
 * Sign sl_insns with the key of @type and load it: the signature's size.
 * -EOPNOTSUPP if openssl cannot make such a key (before OpenSSL 3.5 for
 * ML-DSA) or the kernel lacks the algorithm (-ENOPKG).
 */
static int sign_and_load(const char *type, __u8 *sig, __u32 *sig_sz)
{
	char tmpl[] = "/tmp/signed_loader_keysXXXXXX";
	const char *old = getenv("VERIFY_SIG_KEY_TYPE");
	char saved[32] = "";
	char *dir;
	int fd, err;

	dir = key_setup(type, tmpl);
	if (!dir) {
		printf("%s: openssl cannot make a %s key\n", __func__, type);
		return -EOPNOTSUPP;
	}
	if (old)
		snprintf(saved, sizeof(saved), "%s", old);
	setenv("VERIFY_SIG_KEY_TYPE", type, 1);
	err = sl_sign(dir, sl_insns, sizeof(sl_insns), sig, sig_sz);
	if (old)
		setenv("VERIFY_SIG_KEY_TYPE", saved, 1);
	else
		unsetenv("VERIFY_SIG_KEY_TYPE");
	if (!ASSERT_OK(err, "sign-file"))
		goto out;
	fd = sl_load(NULL, 0, sig, *sig_sz, KEY_SPEC_SESSION_KEYRING, true);
	if (fd == -ENOPKG) {
		printf("%s: the kernel cannot verify %s signatures\n", __func__, type);
		err = -EOPNOTSUPP;
		goto out;
	}
	if (ASSERT_OK_FD(fd, type))
		close(fd);
	err = fd < 0 ? fd : 0;
out:
	key_cleanup(dir);
	return err;
}

/*
 * The largest signature_size the kernel takes: larger ones fail with
 * -EINVAL before anything else, smaller ones reach the PKCS#7 parser.
 */
static __u32 probe_signature_limit(void)
{
	static __u8 junk[1 << 16];
	__u32 lo = 1, hi = sizeof(junk) + 1, mid;
	int fd;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		fd = sl_load(NULL, 0, junk, mid, 0, false);
		if (fd >= 0)
			close(fd);
		if (fd == -EINVAL)
			hi = mid;
		else
			lo = mid;
	}
	return lo;
}

static void signature_sizes(void)
{
	static __u8 sig[SL_SIG_SZ];
	__u32 sizes[ARRAY_SIZE(key_types)] = {}, limit, sig_sz;
	char line[256];
	int i, off, err;
	bool skipped = false;

	limit = probe_signature_limit();
	off = snprintf(line, sizeof(line), "%s: limit=%u", __func__, limit);
	for (i = 0; i < (int)ARRAY_SIZE(key_types); i++) {
		sig_sz = sizeof(sig);
		err = sign_and_load(key_types[i], sig, &sig_sz);
		skipped |= err == -EOPNOTSUPP;
		if (err)
			continue;
		sizes[i] = sig_sz;
		off += snprintf(line + off, sizeof(line) - off, " %s=%u",
				key_types[i], sig_sz);
		ASSERT_LE(sig_sz, limit, "signature within the limit");
	}
	printf("%s\n", line);
	/* The tests' kernels use SLUB: two pages, 8 KiB with 4 KiB pages. */
	ASSERT_GE(limit, 8192, "signature size limit");
	if (sizes[4])
		ASSERT_GT(sizes[4], 4096, "an ML-DSA-87 signature is over one page");
	if (skipped)
		test__skip();
}

#define VALUE_SZ (1024 * 1024)

/*
 * A signed load whose signature is an ML-DSA signature of the payload
 * itself, made by openssl pkeyutl and wrapped in PKCS#7 without signed
 * attributes.  The kernel joins the payload once and verifies it with the
 * key from the session keyring.
 */
static void mldsa_one(const char *type)
{
	char tmpl[] = "/tmp/signed_loader_mldsaXXXXXX";
	char data[PATH_MAX], raw[PATH_MAX], key[PATH_MAX], cert[PATH_MAX];
	static __u8 rawsig[8192], blob[SL_SIG_SZ], der[8192];
	ssize_t rawlen, derlen;
	struct sl_tracer t;
	long long bytes = -1;
	__u8 *payload = NULL, fill = 0x3c;
	int map_fd = -1, fd;
	size_t len, blen;
	char *dir;

	dir = key_setup(type, tmpl);
	if (!dir) {
		printf("mldsa_without_authattrs: openssl cannot make a %s key\n", type);
		test__skip();
		return;
	}
	snprintf(data, sizeof(data), "%s/payload", dir);
	snprintf(raw, sizeof(raw), "%s/payload.sig", dir);
	snprintf(key, sizeof(key), "%s/signing_key.pem", dir);
	snprintf(cert, sizeof(cert), "%s/signing_key.der", dir);

	map_fd = sl_make_map("mldsa", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true,
			     true, fill);
	payload = sl_payload(&fill, 1, VALUE_SZ, &len);
	if (!ASSERT_OK_FD(map_fd, "metadata map") ||
	    !ASSERT_OK_PTR(payload, "payload") ||
	    !ASSERT_OK(write_file(data, payload, len), "payload file") ||
	    !ASSERT_OK(pkeyutl_sign(key, data, raw), "openssl pkeyutl -sign -rawin"))
		goto out;
	rawlen = read_file(raw, rawsig, sizeof(rawsig));
	derlen = read_file(cert, der, sizeof(der));
	if (!ASSERT_GT(rawlen, 0, "raw signature") ||
	    !ASSERT_GT(derlen, 0, "certificate"))
		goto out;
	if (!ASSERT_OK(sl_pkcs7_wrap(der, derlen, type, "sha512", rawsig, rawlen,
				     blob, sizeof(blob), &blen), "wrap"))
		goto out;

	if (!sl_tracer_start(&t)) {
		if (!sl_trace_begin(&t)) {
			fd = sl_load(&map_fd, 1, blob, blen, KEY_SPEC_SESSION_KEYRING,
				     false);
			bytes = sl_trace_end(&t);
		} else {
			fd = -EIO;
		}
		sl_tracer_stop(&t);
	} else {
		fd = sl_load(&map_fd, 1, blob, blen, KEY_SPEC_SESSION_KEYRING,
			     false);
	}
	printf("mldsa_without_authattrs: type=%s sig_bytes=%zu payload=%zu alloc_bytes=%lld fd=%d\n",
	       type, blen, len, bytes, fd);
	if (fd == -ENOPKG) {
		printf("mldsa_without_authattrs: the kernel cannot verify %s\n", type);
		test__skip();
		goto out;
	}
	if (ASSERT_OK_FD(fd, "signed load without signed attributes"))
		close(fd);

	/*
	 * The signature covers the payload: another one does not verify.  The
	 * verified load consumed its map: the same value in a new one.
	 */
	close(map_fd);
	map_fd = sl_make_map("mldsa", BPF_MAP_TYPE_ARRAY, VALUE_SZ, 1, 0, true,
			     true, fill);
	if (!ASSERT_OK_FD(map_fd, "metadata map"))
		goto out;
	rawsig[rawlen / 2] ^= 1;
	if (!ASSERT_OK(sl_pkcs7_wrap(der, derlen, type, "sha512", rawsig, rawlen,
				     blob, sizeof(blob), &blen), "wrap"))
		goto out;
	fd = sl_load(&map_fd, 1, blob, blen, KEY_SPEC_SESSION_KEYRING, true);
	ASSERT_EQ(fd, -EKEYREJECTED, "altered ML-DSA signature");
	if (fd >= 0)
		close(fd);
out:
	free(payload);
	if (map_fd >= 0)
		close(map_fd);
	key_cleanup(dir);
}

static void mldsa_without_authattrs(void)
{
	mldsa_one("mldsa44");
	mldsa_one("mldsa65");
	mldsa_one("mldsa87");
}

void test_signed_loader_keys(void)
{
	syscall(__NR_request_key, "keyring", "_uid.0", NULL,
		KEY_SPEC_SESSION_KEYRING);
	if (test__start_subtest("signature_sizes"))
		signature_sizes();
	if (test__start_subtest("mldsa_without_authattrs"))
		mldsa_without_authattrs();
}
