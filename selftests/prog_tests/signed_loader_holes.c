// SPDX-License-Identifier: GPL-2.0
/*
 * What a VERIFIED signed load must mean beyond the errno contract: the
 * kernel keeps and runs exactly the signed instructions, bound to exactly
 * the signed metadata, and checking the signature costs bounded memory and
 * time.  Each subtest is an attack that Linux 7.3 lets through (it prints
 * what it achieved there) and that the series closes, on both the C and
 * the Rust path.
 *
 * core_relo_rewrite     CO-RE relocations (core_relos against the caller's
 *                       prog_btf_fd) are not covered by the signature and
 *                       rewrite instruction immediates after the verdict.
 * btf_info_rejected     func_info and line_info need the same unsigned BTF;
 *                       func_info decides how subprograms are verified and
 *                       which one is the exception callback.
 * same_digest_clone     an exclusive map is exclusive to a digest: an
 *                       unsigned load of the signed instructions can bind the
 *                       metadata of a VERIFIED program and write it, or hold
 *                       it while the signed load verifies it.
 * fd_array_duplicate    fd_array [m0, m0, m1] binds the maps signed as
 *                       [m0, m1], but index 1 now names m0: the signed
 *                       instructions read other metadata.
 * bind_map_after_verdict  BPF_PROG_BIND_MAP adds maps the signature does not
 *                       cover to a VERIFIED program.
 * digest_before_reservation  a load of another digest that names an exclusive
 *                       map must be refused before it counts itself on the
 *                       map: while it holds the map, even briefly, a load of
 *                       the map's own program fails with -EBUSY.
 * one_ber_object        bytes after the signature's BER object, or a larger
 *                       signature_size, still verify: bytes no verdict covers.
 * mldsa_signers_memory  signers whose algorithm takes the data itself (ML-DSA
 *                       without signed attributes) must not each get a copy
 *                       of the payload.
 * signers_hash_once     the payload is hashed once per digest algorithm, not
 *                       once per SignerInfo.
 */

#include <test_progs.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/keyctl.h>
#include <linux/userfaultfd.h>
#include <bpf/btf.h>

#include "testing_helpers.h"

#include "signed_loader_helpers.h"
#include "signed_loader_pkcs7.h"
#include "test_signed_loader_lsm.skel.h"

#define BPF_SIG_VERIFIED 1

/* What an attack achieved, or a summary line: "<subtest>: ...". */
#define say(fmt, ...) printf("%s: " fmt, __func__, ##__VA_ARGS__)

/* The LSM view of the loads of this thread: what security_bpf_prog_load() saw. */
static struct test_signed_loader_lsm *lsm_open(void)
{
	struct test_signed_loader_lsm *lsm;

	lsm = test_signed_loader_lsm__open_and_load();
	if (!ASSERT_OK_PTR(lsm, "lsm skeleton"))
		return NULL;
	lsm->bss->monitored_tid = syscall(SYS_gettid);
	if (!ASSERT_OK(test_signed_loader_lsm__attach(lsm), "lsm attach")) {
		test_signed_loader_lsm__destroy(lsm);
		return NULL;
	}
	return lsm;
}

static int sign_insns(const char *dir, const struct bpf_insn *insns,
		      __u32 insn_cnt, const void *value, __u32 value_sz,
		      void *sig, __u32 *sig_sz)
{
	size_t len = insn_cnt * sizeof(*insns) + value_sz;
	__u8 *buf = malloc(len);
	int err;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, insns, insn_cnt * sizeof(*insns));
	if (value_sz)
		memcpy(buf + insn_cnt * sizeof(*insns), value, value_sz);
	err = sl_sign(dir, buf, len, sig, sig_sz);
	free(buf);
	return err;
}

/* The first @n xlated instructions of @fd, or -errno. */
static int xlated(int fd, struct bpf_insn *insns, __u32 n)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	info.xlated_prog_len = n * sizeof(*insns);
	info.xlated_prog_insns = ptr_to_u64(insns);
	if (bpf_prog_get_info_by_fd(fd, &info, &len))
		return -errno;
	return info.xlated_prog_len / sizeof(*insns);
}

/* A BTF object with struct bpf_map { __u32 max_entries; } and a FUNC. */
struct core_btf {
	struct btf *btf;
	int fd, struct_id, func_id, access_off, file_off, line_off;
};

static int core_btf_make(struct core_btf *b)
{
	int u32_id, proto;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	b->btf = btf__new_empty();
	if (!b->btf)
		return -ENOMEM;
	u32_id = btf__add_int(b->btf, "unsigned int", 4, 0);
	/* The local view of a vmlinux struct: the field sits at offset 0. */
	b->struct_id = btf__add_struct(b->btf, "bpf_map", 4);
	if (u32_id < 0 || b->struct_id < 0 ||
	    btf__add_field(b->btf, "max_entries", u32_id, 0, 0))
		return -EINVAL;
	proto = btf__add_func_proto(b->btf, u32_id);
	b->func_id = btf__add_func(b->btf, "prog", BTF_FUNC_GLOBAL, proto);
	b->access_off = btf__add_str(b->btf, "0:0");
	b->file_off = btf__add_str(b->btf, "prog.c");
	b->line_off = btf__add_str(b->btf, "return 0;");
	if (proto < 0 || b->func_id < 0 || b->access_off < 0 ||
	    b->file_off < 0 || b->line_off < 0)
		return -EINVAL;
	if (btf__load_into_kernel(b->btf))
		return -errno;
	b->fd = btf__fd(b->btf);
	return 0;
}

static void core_btf_free(struct core_btf *b)
{
	btf__free(b->btf);
}

/*
 * sl_insns is "r0 = 0; exit".  A CO-RE field-offset relocation of
 * bpf_map.max_entries on instruction 0 expects the local offset, 0, and
 * patches in the vmlinux offset: the program then returns another value
 * than the one signed.
 */
static void core_relo_rewrite(const char *dir)
{
	struct test_signed_loader_lsm *lsm;
	struct bpf_insn x[ARRAY_SIZE(sl_insns)];
	struct bpf_core_relo relo;
	__u32 sig_sz = SL_SIG_SZ;
	static __u8 sig[SL_SIG_SZ];
	union bpf_attr attr;
	struct core_btf b;
	int fd, n;

	lsm = lsm_open();
	if (!lsm)
		return;
	if (!ASSERT_OK(core_btf_make(&b), "CO-RE BTF"))
		goto out;
	if (!ASSERT_OK(sign_insns(dir, sl_insns, ARRAY_SIZE(sl_insns), NULL, 0,
				  sig, &sig_sz), "sign"))
		goto out;

	/* Control: the same signed load without relocations verifies. */
	fd = sl_load(NULL, 0, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
	if (!ASSERT_OK_FD(fd, "signed load without relocations"))
		goto out;
	close(fd);

	relo = (struct bpf_core_relo){
		.insn_off = 0,
		.type_id = b.struct_id,
		.access_str_off = b.access_off,
		.kind = BPF_CORE_FIELD_BYTE_OFFSET,
	};
	sl_attr_init(&attr, sl_insns, ARRAY_SIZE(sl_insns), NULL, 0, sig, sig_sz,
		     KEY_SPEC_SESSION_KEYRING);
	attr.prog_btf_fd = b.fd;
	attr.core_relos = ptr_to_u64(&relo);
	attr.core_relo_cnt = 1;
	attr.core_relo_rec_size = sizeof(relo);
	lsm->bss->seen = 0;
	fd = sl_attr_load(&attr, true);
	if (fd >= 0) {
		LIBBPF_OPTS(bpf_test_run_opts, run);

		n = xlated(fd, x, ARRAY_SIZE(x));
		bpf_prog_test_run_opts(fd, &run);
		say("signed load with a CO-RE relocation accepted: lsm verdict=%d, xlated insns=%d insn0.imm=%d (signed imm %d), run retval=%u (signed program returns 0)\n",
		    lsm->bss->sig_verdict, n, n > 0 ? x[0].imm : -1,
		    sl_insns[0].imm, run.retval);
		close(fd);
	}
	ASSERT_EQ(fd, -EINVAL, "signed load with CO-RE relocations");
	ASSERT_HAS_SUBSTR(sl_log, "signed program cannot carry CO-RE relocations\n",
			  "verifier log");
	ASSERT_EQ(lsm->bss->seen, 0, "rejected before security_bpf_prog_load()");
out:
	core_btf_free(&b);
	test_signed_loader_lsm__destroy(lsm);
}

static void btf_info_rejected(const char *dir)
{
	struct bpf_func_info func;
	struct bpf_line_info line;
	__u32 sig_sz = SL_SIG_SZ;
	static __u8 sig[SL_SIG_SZ];
	union bpf_attr attr;
	struct core_btf b;
	int fd;

	if (!ASSERT_OK(core_btf_make(&b), "BTF"))
		goto out;
	if (!ASSERT_OK(sign_insns(dir, sl_insns, ARRAY_SIZE(sl_insns), NULL, 0,
				  sig, &sig_sz), "sign"))
		goto out;

	func = (struct bpf_func_info){ .insn_off = 0, .type_id = b.func_id };
	sl_attr_init(&attr, sl_insns, ARRAY_SIZE(sl_insns), NULL, 0, sig, sig_sz,
		     KEY_SPEC_SESSION_KEYRING);
	attr.prog_btf_fd = b.fd;
	attr.func_info = ptr_to_u64(&func);
	attr.func_info_cnt = 1;
	attr.func_info_rec_size = sizeof(func);
	fd = sl_attr_load(&attr, true);
	if (fd >= 0) {
		say("signed load with func_info accepted\n");
		close(fd);
	}
	ASSERT_EQ(fd, -EINVAL, "signed load with func_info");
	ASSERT_HAS_SUBSTR(sl_log, "signed program cannot carry func_info\n",
			  "verifier log");

	line = (struct bpf_line_info){
		.insn_off = 0,
		.file_name_off = b.file_off,
		.line_off = b.line_off,
		.line_col = 1 << 10,
	};
	sl_attr_init(&attr, sl_insns, ARRAY_SIZE(sl_insns), NULL, 0, sig, sig_sz,
		     KEY_SPEC_SESSION_KEYRING);
	attr.prog_btf_fd = b.fd;
	attr.line_info = ptr_to_u64(&line);
	attr.line_info_cnt = 1;
	attr.line_info_rec_size = sizeof(line);
	fd = sl_attr_load(&attr, true);
	if (fd >= 0) {
		say("signed load with line_info accepted\n");
		close(fd);
	}
	ASSERT_EQ(fd, -EINVAL, "signed load with line_info");
	ASSERT_HAS_SUBSTR(sl_log, "signed program cannot carry line_info\n",
			  "verifier log");
out:
	core_btf_free(&b);
}

/*
 * A loader in the style of libbpf's gen_loader: it writes data from its
 * context (BPF_PROG_RUN's ctx_in) into its metadata map, bound through
 * fd_array[0].  Its digest covers only these instructions.
 */
static const struct bpf_insn writer_insns[] = {
	BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, 0),
	BPF_LD_IMM64_RAW(BPF_REG_1, BPF_PSEUDO_MAP_IDX_VALUE, 0),
	BPF_STX_MEM(BPF_DW, BPF_REG_1, BPF_REG_2, 0),
	BPF_MOV64_IMM(BPF_REG_0, 0),
	BPF_EXIT_INSN(),
};

#define META_FILL 0x11
#define EVIL 0x6666666666666666ULL

/* The signature of writer_insns over the metadata writer_map() makes. */
static int sign_writer(const char *dir, void *sig, __u32 *sig_sz)
{
	__u64 meta;

	memset(&meta, META_FILL, sizeof(meta));
	return sign_insns(dir, writer_insns, ARRAY_SIZE(writer_insns), &meta,
			  sizeof(meta), sig, sig_sz);
}

static int writer_map(void)
{
	return sl_make_map_for(writer_insns, ARRAY_SIZE(writer_insns), "meta",
			       BPF_MAP_TYPE_ARRAY, 8, 1, 0, true, true,
			       META_FILL);
}

/*
 * The signed load binds the map through a continuous fd_array, as it must;
 * the unsigned clone names it through the legacy sparse fd_array (no
 * fd_array_cnt), resolved once the digest is known.
 */
static int writer_load(int map_fd, const void *sig, __u32 sig_sz)
{
	union bpf_attr attr;

	sl_attr_init(&attr, writer_insns, ARRAY_SIZE(writer_insns), &map_fd,
		     sig ? 1 : 0, sig, sig_sz, sig ? KEY_SPEC_SESSION_KEYRING : 0);
	return sl_attr_load(&attr, true);
}

static __u64 map_value(int map_fd)
{
	__u64 v = 0;
	__u32 key = 0;

	bpf_map_lookup_elem(map_fd, &key, &v);
	return v;
}

/*
 * A closed program is freed after an RCU grace period, and with it its
 * hold on the map: wait for one, then retry while the free is pending
 * (-EBUSY), for up to 30 s.
 */
static int writer_load_settled(int map_fd, const void *sig, __u32 sig_sz)
{
	int fd, i;

	kern_sync_rcu();
	for (i = 0; i < 3000; i++) {
		fd = writer_load(map_fd, sig, sig_sz);
		if (fd != -EBUSY)
			break;
		usleep(10000);
	}
	return fd;
}

static void same_digest_clone(const char *dir)
{
	__u64 meta, evil = EVIL;
	__u32 sig_sz = SL_SIG_SZ;
	static __u8 sig[SL_SIG_SZ];
	int map_fd, sfd = -1, cfd = -1;

	memset(&meta, META_FILL, sizeof(meta));
	if (!ASSERT_OK(sign_writer(dir, sig, &sig_sz), "sign"))
		return;

	/* A clone after the signed load: it must not bind the metadata. */
	map_fd = writer_map();
	if (!ASSERT_OK_FD(map_fd, "metadata map"))
		return;
	sfd = writer_load(map_fd, sig, sig_sz);
	if (!ASSERT_OK_FD(sfd, "signed load"))
		goto out;
	cfd = writer_load(map_fd, NULL, 0);
	if (cfd >= 0) {
		LIBBPF_OPTS(bpf_test_run_opts, run, .ctx_in = &evil,
			    .ctx_size_in = sizeof(evil));

		bpf_prog_test_run_opts(cfd, &run);
		say("unsigned clone bound the metadata of a VERIFIED program and wrote it: value %#llx, signed %#llx\n",
		    (unsigned long long)map_value(map_fd),
		    (unsigned long long)meta);
		close(cfd);
	}
	ASSERT_EQ(cfd, -EBUSY, "clone of a VERIFIED program binds its metadata");
	ASSERT_HAS_SUBSTR(sl_log, "map 'meta' is reserved by a signed program\n",
			  "verifier log");
	ASSERT_EQ(map_value(map_fd), meta, "metadata unchanged");
	/* Once the VERIFIED program is gone, the map is free again. */
	close(sfd);
	sfd = -1;
	cfd = writer_load_settled(map_fd, NULL, 0);
	ASSERT_OK_FD(cfd, "unsigned load once the VERIFIED program is freed");
	if (cfd >= 0)
		close(cfd);
	cfd = -1;
	close(map_fd);

	/* A clone before the signed load: the signed load must fail. */
	map_fd = writer_map();
	if (!ASSERT_OK_FD(map_fd, "metadata map"))
		return;
	cfd = writer_load(map_fd, NULL, 0);
	if (!ASSERT_OK_FD(cfd, "unsigned load first"))
		goto out;
	sfd = writer_load(map_fd, sig, sig_sz);
	if (sfd >= 0) {
		say("signed load VERIFIED over metadata that an unsigned clone holds and can write\n");
		close(sfd);
	}
	ASSERT_EQ(sfd, -EBUSY, "signed load over metadata another program holds");
	ASSERT_HAS_SUBSTR(sl_log,
			  "signed program metadata map 'meta' is bound to another program\n",
			  "verifier log");
	sfd = -1;
	/* Once the clone is gone, the map is the signed program's again. */
	close(cfd);
	cfd = -1;
	sfd = writer_load_settled(map_fd, sig, sig_sz);
	ASSERT_OK_FD(sfd, "signed load after the clone is freed");
out:
	if (cfd >= 0)
		close(cfd);
	if (sfd >= 0)
		close(sfd);
	close(map_fd);
}

/* Reads byte 0 of the map at fd_array index 1 and returns it. */
static const struct bpf_insn index1_insns[] = {
	BPF_LD_IMM64_RAW(BPF_REG_1, BPF_PSEUDO_MAP_IDX_VALUE, 1),
	BPF_LDX_MEM(BPF_B, BPF_REG_0, BPF_REG_1, 0),
	BPF_EXIT_INSN(),
};

static void fd_array_duplicate(const char *dir)
{
	__u64 values[2];
	__u32 sig_sz = SL_SIG_SZ;
	static __u8 sig[SL_SIG_SZ];
	int m[2], fds[3], fd;
	union bpf_attr attr;

	memset(&values[0], 0xa0, sizeof(values[0]));
	memset(&values[1], 0xb1, sizeof(values[1]));
	m[0] = sl_make_map_for(index1_insns, ARRAY_SIZE(index1_insns), "m0",
			       BPF_MAP_TYPE_ARRAY, 8, 1, 0, true, true, 0xa0);
	m[1] = sl_make_map_for(index1_insns, ARRAY_SIZE(index1_insns), "m1",
			       BPF_MAP_TYPE_ARRAY, 8, 1, 0, true, true, 0xb1);
	if (!ASSERT_OK_FD(m[0], "m0") || !ASSERT_OK_FD(m[1], "m1"))
		goto out;
	if (!ASSERT_OK(sign_insns(dir, index1_insns, ARRAY_SIZE(index1_insns),
				  values, sizeof(values), sig, &sig_sz), "sign"))
		goto out;

	/* As signed, index 1 is m1. */
	sl_attr_init(&attr, index1_insns, ARRAY_SIZE(index1_insns), m, 2, sig,
		     sig_sz, KEY_SPEC_SESSION_KEYRING);
	fd = sl_attr_load(&attr, true);
	if (ASSERT_OK_FD(fd, "signed load as signed")) {
		LIBBPF_OPTS(bpf_test_run_opts, run);

		ASSERT_OK(bpf_prog_test_run_opts(fd, &run), "run");
		ASSERT_EQ(run.retval, 0xb1, "index 1 reads m1");
		close(fd);
	}

	/* The verified load consumed m0 and m1: the same values again. */
	close(m[0]);
	close(m[1]);
	m[0] = sl_make_map_for(index1_insns, ARRAY_SIZE(index1_insns), "m0",
			       BPF_MAP_TYPE_ARRAY, 8, 1, 0, true, true, 0xa0);
	m[1] = sl_make_map_for(index1_insns, ARRAY_SIZE(index1_insns), "m1",
			       BPF_MAP_TYPE_ARRAY, 8, 1, 0, true, true, 0xb1);
	if (!ASSERT_OK_FD(m[0], "m0") || !ASSERT_OK_FD(m[1], "m1"))
		goto out;
	fds[0] = m[0];
	fds[1] = m[0];
	fds[2] = m[1];
	sl_attr_init(&attr, index1_insns, ARRAY_SIZE(index1_insns), fds, 3, sig,
		     sig_sz, KEY_SPEC_SESSION_KEYRING);
	fd = sl_attr_load(&attr, true);
	if (fd >= 0) {
		LIBBPF_OPTS(bpf_test_run_opts, run);

		bpf_prog_test_run_opts(fd, &run);
		say("signed load with fd_array [m0, m0, m1] accepted: index 1 reads %#x (signed: m1 = 0xb1)\n",
		    run.retval);
		close(fd);
	}
	ASSERT_EQ(fd, -EINVAL, "fd_array that repeats a map");
	ASSERT_HAS_SUBSTR(sl_log, "signed program fd_array must name each map once\n",
			  "verifier log");
out:
	if (m[0] >= 0)
		close(m[0]);
	if (m[1] >= 0)
		close(m[1]);
}

static void bind_map_after_verdict(const char *dir)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	__u32 sig_sz = SL_SIG_SZ;
	static __u8 sig[SL_SIG_SZ];
	int fd, map_fd, err;

	if (!ASSERT_OK(sign_insns(dir, sl_insns, ARRAY_SIZE(sl_insns), NULL, 0,
				  sig, &sig_sz), "sign"))
		return;
	fd = sl_load(NULL, 0, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
	if (!ASSERT_OK_FD(fd, "signed load"))
		return;
	map_fd = sl_make_map("extra", BPF_MAP_TYPE_ARRAY, 8, 1, 0, false, false, 0);
	if (!ASSERT_OK_FD(map_fd, "another map"))
		goto out;
	err = bpf_prog_bind_map(fd, map_fd, NULL);
	err = err ? -errno : 0;
	if (!err) {
		bpf_prog_get_info_by_fd(fd, &info, &len);
		say("BPF_PROG_BIND_MAP bound a map the signature does not cover to a VERIFIED program: nr_map_ids=%u\n",
		    info.nr_map_ids);
	}
	ASSERT_EQ(err, -EACCES, "BPF_PROG_BIND_MAP on a VERIFIED program");
	close(map_fd);
out:
	close(fd);
}

/*
 * A load of index1_insns, whose digest no map here is exclusive to, naming
 * the map through fd_array: it must fail with -EACCES.  Its verifier log
 * lies in a page that userfaultfd holds, so the load blocks at its first
 * log line, which is the refusal of the map, until the uffd is closed.
 */
struct intruder {
	int map_fd;
	bool signed_load;
	void *log;		/* the blocked page */
	int err;
};

static void *intruder_load(void *arg)
{
	static const __u8 junk[16] = { 0x30, 0x0e };
	struct intruder *in = arg;
	union bpf_attr attr;

	sl_attr_init(&attr, index1_insns, ARRAY_SIZE(index1_insns), &in->map_fd,
		     1, in->signed_load ? junk : NULL,
		     in->signed_load ? sizeof(junk) : 0,
		     in->signed_load ? KEY_SPEC_SESSION_KEYRING : 0);
	attr.log_level = 1;
	attr.log_buf = ptr_to_u64(in->log);
	attr.log_size = getpagesize();
	in->err = sl_attr_load(&attr, false);
	if (in->err >= 0) {
		close(in->err);
		in->err = 0;
	}
	return NULL;
}

/*
 * Starts an intruder on @map_fd and waits until it is blocked in its log
 * write: returns the uffd that holds it, or -1.
 */
static int intruder_block(struct intruder *in, pthread_t *thread, int map_fd,
			  bool signed_load)
{
	struct uffd_msg msg;
	struct pollfd pfd;
	int uffd;

	in->map_fd = map_fd;
	in->signed_load = signed_load;
	in->log = mmap(NULL, getpagesize(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ASSERT_NEQ(in->log, MAP_FAILED, "log page"))
		return -1;
	uffd = uffd_block_page(in->log);
	if (!ASSERT_GE(uffd, 0, "userfaultfd on the log page")) {
		munmap(in->log, getpagesize());
		return -1;
	}
	if (!ASSERT_OK(pthread_create(thread, NULL, intruder_load, in),
		       "intruder thread")) {
		close(uffd);
		munmap(in->log, getpagesize());
		return -1;
	}
	/* The intruder faults on its first log line. */
	pfd.fd = uffd;
	pfd.events = POLLIN;
	if (!ASSERT_EQ(poll(&pfd, 1, 10000), 1, "intruder blocked in its log") ||
	    !ASSERT_EQ(read(uffd, &msg, sizeof(msg)), sizeof(msg),
		       "intruder blocked in its log") ||
	    !ASSERT_EQ(msg.event, UFFD_EVENT_PAGEFAULT, "page fault event")) {
		close(uffd);
		pthread_join(*thread, NULL);
		munmap(in->log, getpagesize());
		return -1;
	}
	return uffd;
}

static void intruder_release(struct intruder *in, pthread_t thread, int uffd)
{
	close(uffd);
	pthread_join(thread, NULL);
	munmap(in->log, getpagesize());
	ASSERT_EQ(in->err, -EACCES, "load of another digest");
}

static void digest_before_reservation(const char *dir)
{
	struct intruder in;
	__u32 sig_sz = SL_SIG_SZ;
	static __u8 sig[SL_SIG_SZ];
	pthread_t thread;
	int map_fd, uffd, fd;

	if (!ASSERT_OK(sign_writer(dir, sig, &sig_sz), "sign"))
		return;

	/* An unsigned intruder, then the signed load of the map's program. */
	map_fd = writer_map();
	if (!ASSERT_OK_FD(map_fd, "metadata map"))
		return;
	uffd = intruder_block(&in, &thread, map_fd, false);
	if (uffd >= 0) {
		fd = writer_load(map_fd, sig, sig_sz);
		if (fd == -EBUSY)
			say("an unsigned load of another digest held the metadata map: the signed load got -EBUSY: %s",
			    sl_log);
		ASSERT_OK_FD(fd, "signed load while another digest tries the map");
		if (fd >= 0)
			close(fd);
		intruder_release(&in, thread, uffd);
	}
	close(map_fd);

	/* A signed intruder, then an unsigned load of the map's program. */
	map_fd = writer_map();
	if (!ASSERT_OK_FD(map_fd, "metadata map"))
		return;
	uffd = intruder_block(&in, &thread, map_fd, true);
	if (uffd >= 0) {
		fd = writer_load(map_fd, NULL, 0);
		if (fd == -EBUSY)
			say("a signed load of another digest reserved the map: the unsigned load got -EBUSY: %s",
			    sl_log);
		ASSERT_OK_FD(fd, "unsigned load while another digest tries the map");
		if (fd >= 0)
			close(fd);
		intruder_release(&in, thread, uffd);
	}
	close(map_fd);
}

/* The end of the BER element at @off of @p (@len bytes), or 0 if malformed. */
static size_t ber_end(const __u8 *p, size_t len, size_t off)
{
	size_t n, l;

	if (len - off < 2 || (p[off] & 0x1f) == 0x1f)
		return 0;
	off++;
	l = p[off++];
	if (l == 0x80) {
		while (len - off >= 2 && (p[off] || p[off + 1])) {
			off = ber_end(p, len, off);
			if (!off)
				return 0;
		}
		return len - off >= 2 ? off + 2 : 0;
	}
	if (l & 0x80) {
		n = l & 0x7f;
		if (n > 4 || len - off < n)
			return 0;
		for (l = 0; n; n--)
			l = l << 8 | p[off++];
	}
	return l <= len - off ? off + l : 0;
}

static size_t ber_hdr(const __u8 *p, size_t off)
{
	return 2 + (p[off + 1] > 0x80 ? p[off + 1] & 0x7f : 0);
}

/* The end of the contents of the element at @off, or 0 if malformed. */
static size_t ber_content_end(const __u8 *p, size_t len, size_t off)
{
	size_t end = ber_end(p, len, off);

	return end && p[off + 1] == 0x80 ? end - 2 : end;
}

static size_t put(__u8 *out, size_t n, const void *src, size_t sz)
{
	memcpy(out + n, src, sz);
	return n + sz;
}

/*
 * @sig (one ContentInfo with SignedData, as sign-file writes it) rewritten
 * with indefinite lengths for ContentInfo, its [0] and SignedData, and a
 * digestAlgorithms SET whose AlgorithmIdentifier has parameters (ANY, which
 * the kernel's decoder skips and nothing reads) holding an OCTET STRING with
 * a 5-byte length: the decoder takes lengths of up to 7 bytes in what it
 * skips.  The same signature over the same data.  Returns the size written
 * to @out, or 0.
 */
static size_t long_length_variant(const __u8 *sig, size_t sig_sz, __u8 *out,
				  size_t cap)
{
	static const __u8 params[] = {
		0x30, 0x80, 0x04, 0x85, 0, 0, 0, 0, 1, 0x41, 0, 0,
	};
	static const __u8 eoc[6];
	size_t oid, ctx, sd, sd_end, ver, da, da_end, alg, aoid, aoid_end;
	size_t n = 0;

	if (sig_sz < 2 || sig[0] != 0x30)
		return 0;
	oid = ber_hdr(sig, 0);
	ctx = ber_end(sig, sig_sz, oid);		/* contentType */
	if (!ctx || sig_sz - ctx < 2 || sig[ctx] != 0xa0)
		return 0;
	sd = ctx + ber_hdr(sig, ctx);
	if (sig_sz - sd < 2 || sig[sd] != 0x30)
		return 0;
	sd_end = ber_content_end(sig, sig_sz, sd);
	ver = sd + ber_hdr(sig, sd);
	da = ber_end(sig, sig_sz, ver);		/* after version */
	if (!sd_end || !da || da >= sd_end || sig[da] != 0x31)
		return 0;
	da_end = ber_end(sig, sig_sz, da);
	alg = da + ber_hdr(sig, da);
	aoid = alg + ber_hdr(sig, alg);
	if (!da_end || aoid >= da_end || sig[aoid] != 0x06)
		return 0;
	aoid_end = ber_end(sig, sig_sz, aoid);
	if (!aoid_end || sig_sz + 8 + sizeof(params) + sizeof(eoc) + 4 > cap)
		return 0;
	n = put(out, n, "\x30\x80", 2);
	n = put(out, n, sig + oid, ctx - oid);
	n = put(out, n, "\xa0\x80\x30\x80", 4);
	n = put(out, n, sig + ver, da - ver);
	n = put(out, n, "\x31\x80\x30\x80", 4);
	n = put(out, n, sig + aoid, aoid_end - aoid);
	n = put(out, n, params, sizeof(params));
	n = put(out, n, eoc, 4);
	n = put(out, n, sig + da_end, sd_end - da_end);
	n = put(out, n, eoc, 6);
	return n;
}

/* A valid signature with bytes after its BER object, or a larger size. */
static void one_ber_object(const char *dir)
{
	__u32 sig_sz = SL_SIG_SZ - 64;
	static __u8 sig[SL_SIG_SZ], var[SL_SIG_SZ];
	size_t var_sz;
	char line[96];
	int fd;

	if (!ASSERT_OK(sign_insns(dir, sl_insns, ARRAY_SIZE(sl_insns), NULL, 0,
				  sig, &sig_sz), "sign"))
		return;
	fd = sl_load(NULL, 0, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, true);
	if (!ASSERT_OK_FD(fd, "the signature as signed"))
		return;
	close(fd);

	/* signature_size beyond the object: the kernel reads zeros. */
	memset(sig + sig_sz, 0, 16);
	fd = sl_load(NULL, 0, sig, sig_sz + 16, KEY_SPEC_SESSION_KEYRING, true);
	if (fd >= 0) {
		say("a signature_size 16 bytes larger than the signature verified\n");
		close(fd);
	}
	ASSERT_EQ(fd, -EBADMSG, "larger signature_size");
	snprintf(line, sizeof(line),
		 "signature must be one BER object: %u bytes after it\n", 16);
	ASSERT_HAS_SUBSTR(sl_log, line, "verifier log");

	/* Any trailing byte. */
	sig[sig_sz] = 0x30;
	fd = sl_load(NULL, 0, sig, sig_sz + 1, KEY_SPEC_SESSION_KEYRING, true);
	if (fd >= 0) {
		say("a signature with a trailing byte verified\n");
		close(fd);
	}
	ASSERT_EQ(fd, -EBADMSG, "trailing byte");
	snprintf(line, sizeof(line),
		 "signature must be one BER object: %u bytes after it\n", 1);
	ASSERT_HAS_SUBSTR(sl_log, line, "verifier log");

	/*
	 * A length of 5 bytes where the decoder skips: the same signature
	 * verifies, and a byte after it must still be refused.
	 */
	var_sz = long_length_variant(sig, sig_sz, var, sizeof(var) - 1);
	if (!ASSERT_GT(var_sz, 0, "indefinite-length signature to rewrite"))
		return;
	fd = sl_load(NULL, 0, var, var_sz, KEY_SPEC_SESSION_KEYRING, true);
	if (!ASSERT_OK_FD(fd, "signature with a 5-byte length inside"))
		return;
	close(fd);
	var[var_sz] = 0x30;
	fd = sl_load(NULL, 0, var, var_sz + 1, KEY_SPEC_SESSION_KEYRING, true);
	if (fd >= 0) {
		say("with a 5-byte length inside, a signature with a trailing byte verified\n");
		close(fd);
	}
	ASSERT_EQ(fd, -EBADMSG, "trailing byte after a 5-byte length");
	ASSERT_HAS_SUBSTR(sl_log, line, "verifier log");
}

#define BIG_VALUE (1024 * 1024)

/*
 * One signed load of sl_insns with a BIG_VALUE metadata map and the
 * signature @sig: bytes the kernel allocated, and the load's errno.
 */
static long long traced_signed_load(int map_fd, const void *sig, __u32 sig_sz,
				    int *err)
{
	struct sl_tracer t;
	long long bytes;
	int fd;

	if (sl_tracer_start(&t))
		return -1;
	if (sl_trace_begin(&t)) {
		sl_tracer_stop(&t);
		return -1;
	}
	fd = sl_load(&map_fd, 1, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
	bytes = sl_trace_end(&t);
	sl_tracer_stop(&t);
	if (fd >= 0)
		close(fd);
	*err = fd < 0 ? fd : 0;
	return bytes;
}

/* @n minimal ML-DSA-65 signers, or as many as fit SL_SIG_SZ if @n < 0. */
static int signers_blob(int n, void *buf, size_t *len)
{
	if (n < 0)
		n = sl_pkcs7_max_signers(SL_SIG_SZ, "mldsa65", 1);
	return sl_pkcs7_signers(buf, SL_SIG_SZ, n, "mldsa65", 1, len) ? -1 : n;
}

static void mldsa_signers_memory(void)
{
	static __u8 blob[SL_SIG_SZ];
	long long one, many;
	int map_fd, n, err1, err;
	size_t len1, len;

	map_fd = sl_make_map("big", BPF_MAP_TYPE_ARRAY, BIG_VALUE, 1, 0, true,
			     true, 0x5a);
	if (!ASSERT_OK_FD(map_fd, "1 MiB metadata map"))
		return;
	if (!ASSERT_EQ(signers_blob(1, blob, &len1), 1, "one signer"))
		goto out;
	one = traced_signed_load(map_fd, blob, len1, &err1);
	n = signers_blob(-1, blob, &len);
	if (!ASSERT_GT(n, 100, "signers in one signature"))
		goto out;
	many = traced_signed_load(map_fd, blob, len, &err);
	say("payload=%zu signers=%d sig_bytes=%zu alloc_one_signer=%lld alloc_all_signers=%lld extra_per_signer=%lld errnos=%d/%d\n",
	    sizeof(sl_insns) + BIG_VALUE, n, len, one, many,
	    one >= 0 && many >= 0 ? (many - one) / (n - 1) : -1, err1, err);
	if (one < 0 || many < 0) {
		test__skip();
		goto out;
	}
	/* No key signed it: it parses and no signer is trusted. */
	ASSERT_EQ(err, -ENOKEY, "errno of the signers blob");
	/* At most one copy of the payload, whatever the number of signers. */
	ASSERT_LT(many - one, (long long)BIG_VALUE, "payload copies");
out:
	close(map_fd);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double timed_signed_load(int map_fd, const void *sig, __u32 sig_sz,
				int *err)
{
	double t = now_s();
	int fd;

	fd = sl_load(&map_fd, 1, sig, sig_sz, KEY_SPEC_SESSION_KEYRING, false);
	t = now_s() - t;
	if (fd >= 0)
		close(fd);
	*err = fd < 0 ? fd : 0;
	return t;
}

/*
 * Signers whose algorithm hashes the data (RSA, SHA-512, no signed
 * attributes): one digest of the payload serves them all.
 */
static void signers_hash_once(void)
{
	static __u8 blob[SL_SIG_SZ];
	double one, many;
	size_t len1, len;
	int map_fd, n, err1, err;

	map_fd = sl_make_map("big", BPF_MAP_TYPE_ARRAY, BIG_VALUE, 1, 0, true,
			     true, 0x5a);
	if (!ASSERT_OK_FD(map_fd, "1 MiB metadata map"))
		return;
	if (!ASSERT_OK(sl_pkcs7_signers(blob, sizeof(blob), 1, "rsa", 16, &len1),
		       "one signer"))
		goto out;
	timed_signed_load(map_fd, blob, len1, &err1);
	one = timed_signed_load(map_fd, blob, len1, &err1);
	n = 64;
	if (!ASSERT_OK(sl_pkcs7_signers(blob, sizeof(blob), n, "rsa", 16, &len),
		       "signers"))
		goto out;
	many = timed_signed_load(map_fd, blob, len, &err);
	say("payload=%u signers=%d one_signer_ms=%.1f all_signers_ms=%.1f errnos=%d/%d\n",
	    (unsigned int)sizeof(sl_insns) + BIG_VALUE, n, one * 1e3,
	    many * 1e3, err1, err);
	ASSERT_EQ(err, -ENOKEY, "errno of the signers blob");
	/*
	 * Hashing 1 MiB once per signer takes n (64) times as long; the bound
	 * leaves a factor of 8 for a loaded machine.
	 */
	ASSERT_LT(many, 8 * one + 0.5, "one digest for every signer");
out:
	close(map_fd);
}

void test_signed_loader_holes(void)
{
	if (test__start_subtest("core_relo_rewrite"))
		ASSERT_TRUE(sl_with_key(core_relo_rewrite), "signing key");
	if (test__start_subtest("btf_info_rejected"))
		ASSERT_TRUE(sl_with_key(btf_info_rejected), "signing key");
	if (test__start_subtest("same_digest_clone"))
		ASSERT_TRUE(sl_with_key(same_digest_clone), "signing key");
	if (test__start_subtest("fd_array_duplicate"))
		ASSERT_TRUE(sl_with_key(fd_array_duplicate), "signing key");
	if (test__start_subtest("bind_map_after_verdict"))
		ASSERT_TRUE(sl_with_key(bind_map_after_verdict), "signing key");
	if (test__start_subtest("digest_before_reservation"))
		ASSERT_TRUE(sl_with_key(digest_before_reservation), "signing key");
	if (test__start_subtest("one_ber_object"))
		ASSERT_TRUE(sl_with_key(one_ber_object), "signing key");
	if (test__start_subtest("mldsa_signers_memory"))
		mldsa_signers_memory();
	if (test__start_subtest("signers_hash_once"))
		signers_hash_once();
}
