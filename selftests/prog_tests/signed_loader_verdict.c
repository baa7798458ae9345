// SPDX-License-Identifier: GPL-2.0
/*
 * What a loaded program says about its signature: the sig_* fields of
 * bpf_prog_info, the sig_* lines of its fdinfo and "bpftool prog show",
 * plain and JSON, all the same values to a privileged caller (see "Seeing
 * the verdict" in Documentation/bpf/signing.rst).
 *
 * unsigned        no signature: zeroes, no "signed" line, "unsigned" in
 *                 JSON.
 * user            verified against a user keyring, named by its serial or
 *                 by KEY_SPEC_SESSION_KEYRING: the serial of that keyring.
 * user_unprivileged
 *                 the same program seen without CAP_BPF and CAP_SYS_ADMIN:
 *                 bpf_prog_info and fdinfo have the verdict and the keyring
 *                 type but serial 0.
 * builtin         signed with a key the builtin keyring trusts, such as a
 *                 kernel build's certs/signing_key.pem: a PEM file with its
 *                 private key and certificate, named by the environment
 *                 variable SIGNED_LOADER_BUILTIN_KEY (skipped without it):
 *                 keyring_id 0. The keyring type follows keyring_id, so the
 *                 same signature is "secondary" with
 *                 VERIFY_USE_SECONDARY_KEYRING, whose keyring trusts the
 *                 builtin keys as well.
 * secondary       a key whose certificate the builtin key signed, added to
 *                 .secondary_trusted_keys (CONFIG_SECONDARY_TRUSTED_KEYRING):
 *                 verified with VERIFY_USE_SECONDARY_KEYRING, and unknown
 *                 to the builtin keyring.
 * platform_nokey  no verified program: the kernel fills the platform keyring
 *                 only at boot, from firmware (the UEFI db and MOK lists, or
 *                 their s390 and powerpc counterparts), and user space may
 *                 not add keys to it, so a test machine booted without such
 *                 firmware has no key there (or no platform keyring at
 *                 all). A load that names it fails with -ENOKEY and no
 *                 program, hence no verdict, is left.
 *
 * The builtin and secondary cases sign with a digest that suits the key they
 * use, not the one sl_sign_digest() names for VERIFY_SIG_KEY_TYPE.
 */

#include <test_progs.h>
#include <limits.h>
#include <linux/keyctl.h>

#include "bpftool_helpers.h"
#include "cap_helpers.h"
#include "signed_loader_helpers.h"

/* keyring_id of the system keyrings (VERIFY_USE_*_KEYRING). */
#define KEYRING_ID_BUILTIN	0
#define KEYRING_ID_SECONDARY	1
#define KEYRING_ID_PLATFORM	2

/*
 * The PEM file with the private key and certificate of a key the builtin
 * keyring trusts (a kernel build's certs/signing_key.pem, say). A key that
 * signs for the kernel: name one on test machines only.
 */
#define BUILTIN_KEY_ENV "SIGNED_LOADER_BUILTIN_KEY"

/* What bpf_capable() checks. */
#define BPF_CAPS ((1ULL << CAP_BPF) | (1ULL << CAP_SYS_ADMIN))

static char output[16384];
static __u8 sig[SL_SIG_SZ];
static __u32 sig_sz;

static int read_fdinfo(int fd, char *buf, size_t size)
{
	size_t len = 0;
	char path[64];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY);
	if (f < 0)
		return -errno;
	while (len < size - 1 &&
	       (n = read(f, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = 0;
	close(f);
	return 0;
}

/* "bpftool [-j] prog show id @id" into output. */
static int bpftool_show(bool json, __u32 id)
{
	char args[64];

	snprintf(args, sizeof(args), "%sprog show id %u", json ? "-j " : "", id);
	memset(output, 0, sizeof(output));
	return get_bpftool_command_output(args, output, sizeof(output) - 1);
}

/*
 * The verdict of the program @fd in bpf_prog_info, its fdinfo and bpftool's
 * output; @keyring is the name bpftool gives the keyring type.
 */
static void check_verdict(int fd, __u32 verdict, __u32 type,
			  const char *keyring, __s32 serial)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char want[160];
	__u32 id;

	if (!ASSERT_OK(bpf_prog_get_info_by_fd(fd, &info, &len), "prog info"))
		return;
	id = info.id;
	if (ASSERT_GE(len, offsetofend(struct bpf_prog_info, sig_keyring_serial),
		      "info_len reaches sig_keyring_serial")) {
		ASSERT_EQ(info.sig_verdict, verdict, "info sig_verdict");
		ASSERT_EQ(info.sig_keyring_type, type, "info sig_keyring_type");
		ASSERT_EQ(info.sig_keyring_serial, serial, "info sig_keyring_serial");
	}

	if (ASSERT_OK(read_fdinfo(fd, output, sizeof(output)), "read fdinfo")) {
		snprintf(want, sizeof(want),
			 "sig_verdict:\t%u\nsig_keyring_type:\t%u\nsig_keyring_serial:\t%d\n",
			 verdict, type, serial);
		ASSERT_HAS_SUBSTR(output, want, "fdinfo");
	}

	if (ASSERT_OK(bpftool_show(false, id), "bpftool prog show")) {
		snprintf(want, sizeof(want), "%u: syscall  ", id);
		ASSERT_HAS_SUBSTR(output, want, "bpftool shows the program");
		if (verdict == BPF_SIG_UNSIGNED) {
			ASSERT_NULL(strstr(output, "\n\tsigned "),
				    "bpftool: no signed line");
		} else {
			if (serial)
				snprintf(want, sizeof(want),
					 "\n\tsigned verified  keyring %s:%d\n",
					 keyring, serial);
			else
				snprintf(want, sizeof(want),
					 "\n\tsigned verified  keyring %s\n",
					 keyring);
			ASSERT_HAS_SUBSTR(output, want, "bpftool");
		}
	}

	if (ASSERT_OK(bpftool_show(true, id), "bpftool -j prog show")) {
		snprintf(want, sizeof(want), "{\"id\":%u,", id);
		ASSERT_HAS_SUBSTR(output, want, "bpftool -j shows the program");
		if (verdict == BPF_SIG_UNSIGNED) {
			ASSERT_HAS_SUBSTR(output, "\"sig_verdict\":\"unsigned\"",
					  "bpftool -j");
			ASSERT_NULL(strstr(output, "\"sig_keyring"),
				    "bpftool -j: no keyring");
		} else {
			snprintf(want, sizeof(want),
				 "\"sig_verdict\":\"verified\",\"sig_keyring_type\":\"%s\",\"sig_keyring_serial\":%d",
				 keyring, serial);
			ASSERT_HAS_SUBSTR(output, want, "bpftool -j");
		}
	}
}

/*
 * Sign sl_insns, the whole payload of a load without maps, with @dir's key
 * and @digest.
 */
static bool sign_insns_with(const char *dir, const char *digest)
{
	sig_sz = sizeof(sig);
	return ASSERT_OK(sl_sign_with(dir, digest, sl_insns, sizeof(sl_insns),
				      sig, &sig_sz), "sign-file");
}

/* The same with the key verify_sig_setup.sh made in @dir. */
static bool sign_insns(const char *dir)
{
	return sign_insns_with(dir, sl_sign_digest());
}

/* A signed load of sl_insns with @keyring_id, checked as verified. */
static void load_verified(__s32 keyring_id, __u32 type, const char *keyring,
			  __s32 serial)
{
	int fd = sl_load(NULL, 0, sig, sig_sz, keyring_id, true);

	if (!ASSERT_OK_FD(fd, "verified load"))
		return;
	check_verdict(fd, BPF_SIG_VERIFIED, type, keyring, serial);
	close(fd);
}

/* A signed load of sl_insns with @keyring_id that finds no key. */
static void load_no_key(__s32 keyring_id)
{
	int fd = sl_load(NULL, 0, sig, sig_sz, keyring_id, true);

	ASSERT_EQ(fd, -ENOKEY, "load without the key");
	if (fd >= 0)
		close(fd);
	ASSERT_HAS_SUBSTR(sl_log, "signature verification failed: -126\n",
			  "verifier log");
}

static void unsigned_prog(void)
{
	int fd = sl_load(NULL, 0, NULL, 0, 0, false);

	if (!ASSERT_OK_FD(fd, "unsigned load"))
		return;
	check_verdict(fd, BPF_SIG_UNSIGNED, BPF_SIG_KEYRING_NONE, NULL, 0);
	close(fd);
}

/* The keyring verify_sig_setup.sh links the key into. */
static __s32 testing_keyring(void)
{
	return syscall(__NR_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING,
		       "keyring", "ebpf_testing_keyring", 0);
}

static void user_keyring(const char *dir)
{
	__s32 ring, session;

	ring = testing_keyring();
	session = syscall(__NR_keyctl, KEYCTL_GET_KEYRING_ID,
			  KEY_SPEC_SESSION_KEYRING, 0);
	if (!ASSERT_GT(ring, 0, "testing keyring") ||
	    !ASSERT_GT(session, 0, "session keyring") || !sign_insns(dir))
		return;

	load_verified(ring, BPF_SIG_KEYRING_USER, "user", ring);
	load_verified(KEY_SPEC_SESSION_KEYRING, BPF_SIG_KEYRING_USER, "user",
		      session);
}

/*
 * A program verified against a user keyring, seen by a caller without
 * CAP_BPF and CAP_SYS_ADMIN: the verdict and the keyring type, but no
 * serial of a keyring it may not be allowed to view, in bpf_prog_info and
 * fdinfo alike.
 */
static void user_unprivileged(const char *dir)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, info_err, fdinfo_err;
	__u64 caps = 0;
	char want[96];
	__s32 ring;

	ring = testing_keyring();
	if (!ASSERT_GT(ring, 0, "testing keyring") || !sign_insns(dir))
		return;
	fd = sl_load(NULL, 0, sig, sig_sz, ring, true);
	if (!ASSERT_OK_FD(fd, "verified load"))
		return;

	if (!ASSERT_OK(cap_disable_effective(BPF_CAPS, &caps), "disable caps"))
		goto out;
	info_err = bpf_prog_get_info_by_fd(fd, &info, &len);
	fdinfo_err = read_fdinfo(fd, output, sizeof(output));
	ASSERT_OK(cap_enable_effective(caps, NULL), "enable caps");

	if (ASSERT_OK(info_err, "prog info") &&
	    ASSERT_GE(len, offsetofend(struct bpf_prog_info, sig_keyring_serial),
		      "info_len reaches sig_keyring_serial")) {
		ASSERT_EQ(info.sig_verdict, BPF_SIG_VERIFIED, "info sig_verdict");
		ASSERT_EQ(info.sig_keyring_type, BPF_SIG_KEYRING_USER,
			  "info sig_keyring_type");
		ASSERT_EQ(info.sig_keyring_serial, 0, "info sig_keyring_serial");
		/* Unprivileged indeed: no instructions either. */
		ASSERT_EQ(info.xlated_prog_len, 0, "info xlated_prog_len");
	}
	if (ASSERT_OK(fdinfo_err, "read fdinfo")) {
		snprintf(want, sizeof(want),
			 "sig_verdict:\t%u\nsig_keyring_type:\t%u\nsig_keyring_serial:\t0\n",
			 BPF_SIG_VERIFIED, BPF_SIG_KEYRING_USER);
		ASSERT_HAS_SUBSTR(output, want, "fdinfo");
	}
out:
	close(fd);
}

/*
 * How to sign with a key, from its certificate in "openssl x509 -text":
 * sign-file's digest, and openssl x509's option for a certificate it signs.
 * The kernel takes ML-DSA signed attributes with SHA-512 alone, and ML-DSA
 * hashes what it signs itself (openssl takes no digest with it); an ECDSA
 * key gets a digest as long as its curve's order, which the kernel's own
 * P-384 module keys need.
 */
struct key_algo {
	const char *text;
	const char *digest;
	const char *x509_md;
};

static const struct key_algo key_algos[] = {
	{ "Public Key Algorithm: rsaEncryption",	"sha256", "-sha256" },
	{ "NIST CURVE: P-256",				"sha256", "-sha256" },
	{ "NIST CURVE: P-384",				"sha384", "-sha384" },
	{ "NIST CURVE: P-521",				"sha512", "-sha512" },
	{ "Public Key Algorithm: ML-DSA-",		"sha512", "" },
};

/* The algorithm of the certificate in @pem, or NULL if not one above. */
static const struct key_algo *key_algo(const char *pem)
{
	const struct key_algo *algo = NULL;
	char cmd[PATH_MAX + 64], line[256];
	FILE *p;
	int i;

	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -text", pem);
	p = popen(cmd, "r");
	if (!ASSERT_OK_PTR(p, "openssl x509 -text"))
		return NULL;
	while (fgets(line, sizeof(line), p))
		for (i = 0; i < ARRAY_SIZE(key_algos); i++)
			if (strstr(line, key_algos[i].text))
				algo = &key_algos[i];
	pclose(p);
	if (!algo)
		fprintf(stderr, "%s: %s: no certificate of an RSA, ECDSA or ML-DSA key\n",
			__func__, pem);
	return algo;
}

/*
 * A new directory for sl_sign_with() whose signing_key.pem is the builtin
 * key, the real path of which goes to @key.
 */
static bool builtin_key_dir(char *dir, size_t size, char *key)
{
	const char *pem = getenv(BUILTIN_KEY_ENV);
	char link[PATH_MAX + 32];

	if (!pem || !*pem) {
		printf("%s: %s unset, skipping (%s)\n", __func__, BUILTIN_KEY_ENV,
		       "a PEM file with the private key and certificate of a key the builtin keyring trusts");
		test__skip();
		return false;
	}
	if (!ASSERT_OK_PTR(realpath(pem, key), BUILTIN_KEY_ENV))
		return false;
	snprintf(dir, size, "/tmp/signed_loader_verdictXXXXXX");
	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return false;
	snprintf(link, sizeof(link), "%s/signing_key.pem", dir);
	if (!ASSERT_OK(symlink(key, link), "symlink")) {
		rmdir(dir);
		return false;
	}
	return true;
}

static void builtin_keyring(void)
{
	char dir[64], key[PATH_MAX];
	const struct key_algo *algo;

	if (!builtin_key_dir(dir, sizeof(dir), key))
		return;
	algo = key_algo(key);
	if (ASSERT_OK_PTR(algo, "builtin key type") &&
	    sign_insns_with(dir, algo->digest)) {
		load_verified(KEYRING_ID_BUILTIN, BPF_SIG_KEYRING_BUILTIN,
			      "builtin", 0);
		load_verified(KEYRING_ID_SECONDARY, BPF_SIG_KEYRING_SECONDARY,
			      "secondary", 0);
	}
	SYS_NOFAIL("rm -rf %s", dir);
}

static const char secondary_genkey[] =
	"[ req ]\n"
	"default_bits = 2048\n"
	"distinguished_name = req_distinguished_name\n"
	"prompt = no\n"
	"string_mask = utf8only\n"
	"\n"
	"[ req_distinguished_name ]\n"
	"CN = signed_loader_verdict secondary key\n"
	"\n"
	"[ myexts ]\n"
	"basicConstraints = critical,CA:FALSE\n"
	"keyUsage = digitalSignature\n"
	"subjectKeyIdentifier = hash\n"
	"authorityKeyIdentifier = keyid\n";

/*
 * A key left in .secondary_trusted_keys, by a run that crashed before
 * unlinking it, stays there until reboot: run this on test machines only.
 */
static void secondary_keyring(void)
{
	char dir[64], key[PATH_MAX], path[128];
	const struct key_algo *ca, *algo;
	int key_id = 0;
	FILE *f;

	if (!builtin_key_dir(dir, sizeof(dir), key))
		return;
	ca = key_algo(key);
	if (!ASSERT_OK_PTR(ca, "builtin key type"))
		goto out;
	/* Replace the builtin key by a new one, certified by it. */
	snprintf(path, sizeof(path), "%s/signing_key.pem", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/x509.genkey", dir);
	f = fopen(path, "w");
	if (!ASSERT_OK_PTR(f, "x509.genkey"))
		goto out;
	fputs(secondary_genkey, f);
	fclose(f);
	SYS(out,
	    "openssl req -new -nodes -utf8 -sha256 -batch -config %s/x509.genkey -keyout %s/signing_key.pem -out %s/req.pem",
	    dir, dir, dir);
	SYS(out,
	    "openssl x509 -req -in %s/req.pem -CA %s -CAkey %s %s -days 36500 -set_serial 1 -extfile %s/x509.genkey -extensions myexts -out %s/cert.pem",
	    dir, key, key, ca->x509_md, dir, dir);
	/* sign-file finds the certificate after the private key. */
	SYS(out, "cat %s/cert.pem >>%s/signing_key.pem", dir, dir);
	SYS(out, "openssl x509 -in %s/cert.pem -outform DER -out %s/cert.der",
	    dir, dir);
	/* The secondary keyring takes a key that the builtin keys certify. */
	SYS(out,
	    "keyctl padd asymmetric '' %%:.secondary_trusted_keys <%s/cert.der >%s/key_id",
	    dir, dir);
	snprintf(path, sizeof(path), "%s/key_id", dir);
	f = fopen(path, "r");
	if (!ASSERT_OK_PTR(f, "key_id") ||
	    !ASSERT_EQ(fscanf(f, "%d", &key_id), 1, "key serial")) {
		if (f)
			fclose(f);
		goto out;
	}
	fclose(f);

	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	algo = key_algo(path);
	if (!ASSERT_OK_PTR(algo, "secondary key type") ||
	    !sign_insns_with(dir, algo->digest))
		goto out;
	load_verified(KEYRING_ID_SECONDARY, BPF_SIG_KEYRING_SECONDARY,
		      "secondary", 0);
	load_no_key(KEYRING_ID_BUILTIN);
out:
	if (key_id > 0)
		SYS_NOFAIL("keyctl unlink %d %%:.secondary_trusted_keys", key_id);
	SYS_NOFAIL("rm -rf %s", dir);
}

static void platform_keyring(const char *dir)
{
	if (sign_insns(dir))
		load_no_key(KEYRING_ID_PLATFORM);
}

void test_signed_loader_verdict(void)
{
	if (test__start_subtest("unsigned"))
		unsigned_prog();
	if (test__start_subtest("user"))
		ASSERT_TRUE(sl_with_key(user_keyring), "signing key");
	if (test__start_subtest("user_unprivileged"))
		ASSERT_TRUE(sl_with_key(user_unprivileged), "signing key");
	if (test__start_subtest("builtin"))
		builtin_keyring();
	if (test__start_subtest("secondary"))
		secondary_keyring();
	if (test__start_subtest("platform_nokey"))
		ASSERT_TRUE(sl_with_key(platform_keyring), "signing key");
}
