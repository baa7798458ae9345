// SPDX-License-Identifier: GPL-2.0
/*
 * The loader of the signed light-skeleton example: example.lskel.h, made by
 * "bpftool gen skeleton -L -S" with the build's key, loaded with the key in
 * the keyring named on the command line (as test_progs does with its signed
 * light skeletons, through the skeleton's keyring_id).
 *
 *   loader signed KEYRING [SECONDS]   as bpftool signed it; with SECONDS,
 *                                     the signed loader program and answer
 *                                     stay loaded that long (for bpftool
 *                                     prog show)
 *   loader tampered KEYRING [OFFSET]  one byte of the metadata (the loader
 *                                     map's value, which the signature
 *                                     covers) flipped before the map is
 *                                     frozen: byte OFFSET, by default the
 *                                     immediate of answer's "w0 += 1"
 *
 * It prints the verdict (the program's result, or the load's errno) and the
 * verifier log's signature line.  Exit status 0 when the outcome is the one
 * the mode expects (signed: verified and ran; tampered: refused by the
 * signature check), 1 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <bpf/bpf.h>

/*
 * The hook.  The skeleton makes its bpf() calls with syscall()
 * (skel_internal.h); while it is compiled below, syscall names this
 * function, which passes every call on unchanged and
 * - keeps the verifier log of the signed load (of "__loader.prog"): the
 *   loader program reuses the log buffer for the programs it loads;
 * - in tampered mode, gives the update that fills the loader's metadata map
 *   a copy of the value with one byte flipped.  Creation, freezing, the
 *   signature, the keyring and the program stay exactly those of the signed
 *   run.
 */
static int tamper;
static long tamper_offset = -1;
static char signed_load_log[4096];
static int hold_fd = -1, hold_seconds;
static int meta_fd = -1;
static __u32 meta_size;

/* answer's "w0 += 1" (BPF_ALU | BPF_ADD | BPF_K, dst w0, imm 1) */
static const unsigned char add_one[8] = { 0x04, 0, 0, 0, 1, 0, 0, 0 };

static long default_offset(const unsigned char *meta, __u32 size)
{
	__u32 i;

	for (i = 0; i + sizeof(add_one) <= size; i += 1)
		if (!memcmp(meta + i, add_one, sizeof(add_one)))
			return i + 4;
	return size / 2;
}

static long example_syscall(long nr, long cmd, union bpf_attr *attr, long size)
{
	static unsigned char *copy;
	long ret, off;

	if (nr == __NR_bpf && tamper && cmd == BPF_MAP_UPDATE_ELEM &&
	    meta_fd >= 0 && attr->map_fd == (__u32)meta_fd && !copy) {
		copy = malloc(meta_size);
		if (!copy)
			return -1;
		memcpy(copy, (const void *)(long)attr->value, meta_size);
		off = tamper_offset >= 0 ? tamper_offset % meta_size :
					   default_offset(copy, meta_size);
		printf("tampered: metadata byte %ld of %u flipped, 0x%02x -> 0x%02x%s, before the map is frozen\n",
		       off, meta_size, copy[off], copy[off] ^ 0xff,
		       tamper_offset < 0 && off >= 4 && !memcmp(copy + off - 4, add_one, 8) ?
		       " (answer's \"w0 += 1\" becomes \"w0 += 254\")" : "");
		copy[off] ^= 0xff;
		attr->value = (long)copy;
	}
	ret = syscall(nr, cmd, attr, size);
	if (nr == __NR_bpf && cmd == BPF_MAP_CREATE && ret >= 0 &&
	    !strcmp(attr->map_name, "__loader.map")) {
		meta_fd = ret;
		meta_size = attr->value_size;
	}
	if (nr == __NR_bpf && cmd == BPF_PROG_LOAD && attr->log_buf &&
	    !strcmp(attr->prog_name, "__loader.prog")) {
		snprintf(signed_load_log, sizeof(signed_load_log), "%s",
			 (const char *)(long)attr->log_buf);
		/* The skeleton closes it once it has run: keep it to show. */
		if (ret >= 0 && hold_seconds > 0)
			hold_fd = dup(ret);
	}
	return ret;
}

#define syscall example_syscall
#include "example.lskel.h"
#undef syscall

/* The first line of a verifier log that names the signature or keyring. */
static const char *sig_line(char *log)
{
	char *line, *save = NULL;

	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "signature") || strstr(line, "keyring"))
			return line;
	return "(no signature line in the verifier log)";
}

int main(int argc, char **argv)
{
	static char log[1 << 20];
	struct { __u32 x; } args = { 41 };
	union bpf_attr attr;
	struct example *skel;
	const char *mode, *line;
	int err, ok;

	if (argc < 3 || (strcmp(argv[1], "signed") && strcmp(argv[1], "tampered"))) {
		fprintf(stderr, "usage: %s signed KEYRING_SERIAL [SECONDS]\n"
			"       %s tampered KEYRING_SERIAL [OFFSET]\n", argv[0], argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mode = argv[1];
	tamper = !strcmp(mode, "tampered");
	if (argc > 3 && tamper)
		tamper_offset = atol(argv[3]);
	else if (argc > 3)
		hold_seconds = atoi(argv[3]);

	skel = example__open();
	if (!skel) {
		printf("%s: example__open: %s\n", mode, strerror(errno));
		return 1;
	}
	skel->keyring_id = atoi(argv[2]);
	/* Level 2: at level 1 a successful verification empties the log. */
	skel->ctx.log_level = 2;
	skel->ctx.log_size = sizeof(log);
	skel->ctx.log_buf = (long)log;
	err = example__load(skel);
	line = sig_line(signed_load_log);
	if (err) {
		printf("%s: load refused: %d (%s); verifier log: %s\n",
		       mode, err, strerror(-err), line);
		ok = tamper && strstr(line, "signature verification failed");
	} else {
		memset(&attr, 0, sizeof(attr));
		attr.test.prog_fd = skel->progs.answer.prog_fd;
		attr.test.ctx_in = (long)&args;
		attr.test.ctx_size_in = sizeof(args);
		err = skel_sys_bpf(BPF_PROG_TEST_RUN, &attr, sizeof(attr));
		printf("%s: loaded (keyring %d); verifier log: %s; answer(41) = %d%s%s\n",
		       mode, skel->keyring_id, line, err ? -1 : (int)attr.test.retval,
		       err ? ", run failed: " : "", err ? strerror(errno) : "");
		ok = !tamper && !err && attr.test.retval == 42 &&
		     !strcmp(line, "signature verification passed");
		if (hold_fd >= 0) {
			printf("%s: holding __loader.prog and answer for %d s\n",
			       mode, hold_seconds);
			sleep(hold_seconds);
			close(hold_fd);
		}
	}
	example__destroy(skel);
	return ok ? 0 : 1;
}
