/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the signed-loader contract and stress tests: a two-instruction
 * program that binds its metadata maps through fd_array alone, exclusive
 * array maps for it, and signing with the key verify_sig_setup.sh makes.
 */
#ifndef __SIGNED_LOADER_HELPERS_H
#define __SIGNED_LOADER_HELPERS_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>

#define SL_LOG_SZ (64 * 1024)
#define SL_SIG_SZ 8192

/* r0 = 0; exit. It loads no map by fd: its digest is SHA-256(insns). */
extern const struct bpf_insn sl_insns[2];
/* Verifier log of the last sl_load() that asked for one. */
extern char sl_log[SL_LOG_SZ];

/*
 * BPF_PROG_LOAD of sl_insns as a sleepable syscall program with @cnt
 * entries of @fds and the given signature; the log goes to sl_log when
 * @log. Returns the program fd or -errno.
 */
int sl_load(const int *fds, __u32 cnt, const void *sig, __u32 sig_sz,
	    __s32 keyring_id, bool log);

/*
 * The attributes sl_load() uses, for @insns: callers change some before
 * sl_attr_load(), which returns the program fd or -errno (the log goes to
 * sl_log when @log).
 */
void sl_attr_init(union bpf_attr *attr, const struct bpf_insn *insns,
		  __u32 insn_cnt, const int *fds, __u32 cnt, const void *sig,
		  __u32 sig_sz, __s32 keyring_id);
int sl_attr_load(union bpf_attr *attr, bool log);

/*
 * A map exclusive to sl_insns (unless !@exclusive) whose element 0 is
 * filled with @fill, frozen if asked. Returns the fd or -errno.
 */
int sl_make_map(const char *name, enum bpf_map_type type, __u32 value_sz,
		__u32 max_entries, __u32 flags, bool exclusive, bool frozen,
		__u8 fill);
/* The same for a program of @insn_cnt instructions @insns. */
int sl_make_map_for(const struct bpf_insn *insns, __u32 insn_cnt,
		    const char *name, enum bpf_map_type type, __u32 value_sz,
		    __u32 max_entries, __u32 flags, bool exclusive, bool frozen,
		    __u8 fill);

/* The signed payload: sl_insns, then @n values of @value_sz bytes. */
void *sl_payload(const __u8 *fills, int n, __u32 value_sz, size_t *len);

/* verify_sig_setup.sh @cmd @dir: "setup" makes a key in @dir. */
int sl_run_setup(const char *cmd, const char *dir);

/*
 * The key type verify_sig_setup.sh makes (VERIFY_SIG_KEY_TYPE: rsa, the
 * default, ecdsa-p256, mldsa44, mldsa65 or mldsa87), and the digest sign-file
 * must use with it: the kernel takes ML-DSA signed attributes only with
 * SHA-512.
 */
const char *sl_key_type(void);
const char *sl_sign_digest(void);

/*
 * Sign @len bytes with the key in @dir; on entry *@sig_sz is the size of
 * @sig, on return the signature's size. sl_sign() signs with the digest
 * sl_sign_digest() names, which suits the key verify_sig_setup.sh makes;
 * sl_sign_with() with @digest (a name sign-file takes), for another key.
 */
int sl_sign(const char *dir, const void *buf, size_t len, void *sig,
	    __u32 *sig_sz);
int sl_sign_with(const char *dir, const char *digest, const void *buf,
		 size_t len, void *sig, __u32 *sig_sz);

/*
 * Make a signing key in the session keyring, in a new directory whose path
 * goes to @dir (@size bytes; 32 suffice); verify_sig_setup.sh "cleanup"
 * removes both. 0 or -errno, with the cause on stderr.
 */
int sl_key_setup(char *dir, size_t size);

/*
 * Run @fn with a signing key in the session keyring and its directory;
 * false, with the cause on stderr, if the key could not be made.
 */
bool sl_with_key(void (*fn)(const char *dir));

/*
 * Bytes the kernel allocates in this thread between sl_trace_begin() and
 * sl_trace_end(), from the tracefs kmem events (kmalloc, kmem_cache_alloc,
 * mm_page_alloc) in a tracefs instance of its own, which sl_tracer_stop()
 * removes: nothing global in tracefs changes.
 */
struct sl_tracer {
	char dir[192];	/* the instance */
	int on_fd;	/* its tracing_on, kept open across the traced load */
	int enabled;	/* that many kmem events are on */
};

int sl_tracer_start(struct sl_tracer *t);
void sl_tracer_stop(struct sl_tracer *t);
int sl_trace_begin(struct sl_tracer *t);
/* The bytes allocated since sl_trace_begin(), or -1 if events were lost. */
long long sl_trace_end(struct sl_tracer *t);

#endif /* __SIGNED_LOADER_HELPERS_H */
