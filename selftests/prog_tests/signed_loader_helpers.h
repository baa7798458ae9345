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
 * A map exclusive to sl_insns (unless !@exclusive) whose element 0 is
 * filled with @fill, frozen if asked. Returns the fd or -errno.
 */
int sl_make_map(const char *name, enum bpf_map_type type, __u32 value_sz,
		__u32 max_entries, __u32 flags, bool exclusive, bool frozen,
		__u8 fill);

/* The signed payload: sl_insns, then @n values of @value_sz bytes. */
void *sl_payload(const __u8 *fills, int n, __u32 value_sz, size_t *len);

/* verify_sig_setup.sh @cmd @dir: "setup" makes a key in @dir. */
int sl_run_setup(const char *cmd, const char *dir);

/*
 * Sign @len bytes with the key in @dir; on entry *@sig_sz is the size of
 * @sig, on return the signature's size.
 */
int sl_sign(const char *dir, const void *buf, size_t len, void *sig,
	    __u32 *sig_sz);

/*
 * Run @fn with a signing key in the session keyring and its directory;
 * false if the key could not be made.
 */
bool sl_with_key(void (*fn)(const char *dir));

#endif /* __SIGNED_LOADER_HELPERS_H */
