// SPDX-License-Identifier: GPL-2.0
/*
 * The signed-load contract beyond what signed_loader pins: the verifier log
 * line of every rejection, the order in which metadata maps are folded into
 * the signed payload, a map named twice in fd_array, and a multi-entry array.
 * Both the C and the Rust implementation must pass these unchanged.
 */

#include <test_progs.h>
#include <limits.h>
#include <linux/keyctl.h>

#include "signed_loader_helpers.h"

static int signed_load(const int *fds, __u32 cnt, const void *sig,
		       __u32 sig_sz, __s32 keyring_id)
{
	return sl_load(fds, cnt, sig, sig_sz, keyring_id, true);
}

static int make_map(const char *name, enum bpf_map_type type, __u32 value_sz,
		    __u32 max_entries, bool exclusive, bool frozen, __u8 fill)
{
	return sl_make_map(name, type, value_sz, max_entries, 0, exclusive,
			   frozen, fill);
}

/* One DER object of 64 bytes that is no PKCS#7 message. */
static const __u8 junk[64] = { 0x30, 62 };

static void expect_rejection(const int *fds, __u32 cnt, __s32 keyring_id,
			     int err, const char *line)
{
	int fd = signed_load(fds, cnt, junk, sizeof(junk), keyring_id);

	ASSERT_EQ(fd, err, "errno");
	if (fd >= 0)
		close(fd);
	ASSERT_HAS_SUBSTR(sl_log, line, "verifier log");
}

static void rejection_logs(void)
{
	int fds[5] = { -1, -1, -1, -1, -1 };
	char line[128];
	int i, fd;

	/* signature_size 0: rejected before anything is logged. */
	fds[0] = make_map("m", BPF_MAP_TYPE_ARRAY, 8, 1, true, true, 1);
	if (!ASSERT_OK_FD(fds[0], "map"))
		return;
	fd = signed_load(fds, 1, junk, 0, KEY_SPEC_SESSION_KEYRING);
	ASSERT_EQ(fd, -EINVAL, "zero signature_size");
	ASSERT_STREQ(sl_log, "", "nothing logged");

	expect_rejection(fds, 1, INT_MAX, -EINVAL,
			 "cannot resolve signing keyring with keyring_id 2147483647\n");
	/* A signature the kernel cannot read: -EFAULT, nothing logged. */
	fd = signed_load(fds, 1, (void *)8, sizeof(junk), KEY_SPEC_SESSION_KEYRING);
	ASSERT_EQ(fd, -EFAULT, "unreadable signature");
	ASSERT_STREQ(sl_log, "", "nothing logged");
	expect_rejection(fds, 1, KEY_SPEC_SESSION_KEYRING, -EBADMSG,
			 "signature verification failed: -74\n");
	close(fds[0]);

	fds[0] = make_map("hash", BPF_MAP_TYPE_HASH, 8, 1, true, false, 1);
	if (ASSERT_OK_FD(fds[0], "hash map")) {
		expect_rejection(fds, 1, KEY_SPEC_SESSION_KEYRING, -EINVAL,
				 "signed program metadata map 'hash' must be an array\n");
		close(fds[0]);
	}
	fds[0] = make_map("unfrozen", BPF_MAP_TYPE_ARRAY, 8, 1, true, false, 1);
	if (ASSERT_OK_FD(fds[0], "unfrozen map")) {
		expect_rejection(fds, 1, KEY_SPEC_SESSION_KEYRING, -EPERM,
				 "signed program metadata map 'unfrozen' must be frozen\n");
		close(fds[0]);
	}
	fds[0] = make_map("shared", BPF_MAP_TYPE_ARRAY, 8, 1, false, true, 1);
	if (ASSERT_OK_FD(fds[0], "non-exclusive map")) {
		expect_rejection(fds, 1, KEY_SPEC_SESSION_KEYRING, -EINVAL,
				 "signed program metadata map 'shared' must be exclusive\n");
		close(fds[0]);
	}
	/* The first failing map is reported, in fd_array order. */
	fds[0] = make_map("good", BPF_MAP_TYPE_ARRAY, 8, 1, true, true, 1);
	fds[1] = make_map("second", BPF_MAP_TYPE_ARRAY, 8, 1, true, false, 1);
	if (ASSERT_OK_FD(fds[0], "good map") && ASSERT_OK_FD(fds[1], "second"))
		expect_rejection(fds, 2, KEY_SPEC_SESSION_KEYRING, -EPERM,
				 "signed program metadata map 'second' must be frozen\n");
	close(fds[0]);
	close(fds[1]);

	/* Five 4 MiB values: 20 MiB + 16 bytes, over the 16 MiB - 1 limit. */
	for (i = 0; i < 5; i++) {
		fds[i] = make_map("big", BPF_MAP_TYPE_ARRAY, 4 << 20, 1, true,
				  true, i);
		if (!ASSERT_OK_FD(fds[i], "4 MiB map"))
			goto close_big;
	}
	snprintf(line, sizeof(line), "signed payload too large: %llu bytes\n",
		 (unsigned long long)sizeof(sl_insns) + 5ULL * (4 << 20));
	expect_rejection(fds, 5, KEY_SPEC_SESSION_KEYRING, -E2BIG, line);
close_big:
	for (i = 0; i < 5; i++)
		if (fds[i] >= 0)
			close(fds[i]);

	/*
	 * A frozen, exclusive array with two entries has no single value to
	 * sign: -EINVAL, where 7.3 leaked the kernel-internal -ENOTSUPP (524).
	 */
	fds[0] = make_map("two", BPF_MAP_TYPE_ARRAY, 8, 2, true, true, 1);
	if (ASSERT_OK_FD(fds[0], "two-entry map")) {
		expect_rejection(fds, 1, KEY_SPEC_SESSION_KEYRING, -EINVAL,
				 "signed program metadata map 'two' must have exactly one entry\n");
		close(fds[0]);
	}
}

/* Load with @fds, signed over sl_insns and @fills in that order. */
static int load_signed_over(const char *dir, const int *fds, __u32 cnt,
			    const __u8 *fills, int n)
{
	__u32 sig_sz = SL_SIG_SZ;
	static __u8 sig[SL_SIG_SZ];
	size_t len;
	void *buf;
	int err;

	buf = sl_payload(fills, n, 8, &len);
	if (!buf)
		return -ENOMEM;
	err = sl_sign(dir, buf, len, sig, &sig_sz);
	free(buf);
	if (!ASSERT_OK(err, "sign-file"))
		return -EIO;
	return signed_load(fds, cnt, sig, sig_sz, KEY_SPEC_SESSION_KEYRING);
}

static void two_maps_order(const char *dir)
{
	const __u8 in_order[] = { 0xa0, 0xb1 }, swapped[] = { 0xb1, 0xa0 };
	int fds[2], fd;

	fds[0] = make_map("a", BPF_MAP_TYPE_ARRAY, 8, 1, true, true, 0xa0);
	fds[1] = make_map("b", BPF_MAP_TYPE_ARRAY, 8, 1, true, true, 0xb1);
	if (!ASSERT_OK_FD(fds[0], "map a") || !ASSERT_OK_FD(fds[1], "map b"))
		goto out;

	/* A failed load leaves the maps to a later one. */
	fd = load_signed_over(dir, fds, 2, swapped, 2);
	ASSERT_EQ(fd, -EKEYREJECTED, "signed over b, a");
	if (fd >= 0)
		close(fd);
	ASSERT_HAS_SUBSTR(sl_log, "signature verification failed: -129\n",
			  "log");

	fd = load_signed_over(dir, fds, 2, in_order, 2);
	/*
	 * No log assertion here: at log_level 1 the verifier resets the log
	 * when verification succeeds, dropping the "passed" line.
	 */
	if (ASSERT_OK_FD(fd, "signed over a, b in fd_array order"))
		close(fd);
out:
	close(fds[0]);
	close(fds[1]);
}

static void same_map_twice(const char *dir)
{
	const __u8 once[] = { 0x5a }, twice[] = { 0x5a, 0x5a };
	int fds[2], fd;

	fds[0] = make_map("dup", BPF_MAP_TYPE_ARRAY, 8, 1, true, true, 0x5a);
	if (!ASSERT_OK_FD(fds[0], "map"))
		return;
	fds[1] = fds[0];

	/*
	 * A map is bound once, but instructions name maps by fd_array index:
	 * an fd_array that repeats a map is refused, however it is signed.
	 */
	fd = load_signed_over(dir, fds, 2, once, 1);
	ASSERT_EQ(fd, -EINVAL, "signed over the map once");
	ASSERT_HAS_SUBSTR(sl_log, "signed program fd_array must name each map once\n",
			  "verifier log");
	if (fd >= 0)
		close(fd);
	fd = load_signed_over(dir, fds, 2, twice, 2);
	ASSERT_EQ(fd, -EINVAL, "signed over the map twice");
	if (fd >= 0)
		close(fd);
	close(fds[0]);
}

void test_signed_loader_contract(void)
{
	if (test__start_subtest("rejection_logs"))
		rejection_logs();
	if (test__start_subtest("two_maps_order"))
		ASSERT_TRUE(sl_with_key(two_maps_order), "signing key");
	if (test__start_subtest("same_map_twice"))
		ASSERT_TRUE(sl_with_key(same_map_twice), "signing key");
}
