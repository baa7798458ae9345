// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF program of the signed light-skeleton example: a BPF_PROG_TYPE_SYSCALL
 * program, run by the loader with BPF_PROG_TEST_RUN.  It has no global data,
 * so everything the kernel loads for it comes from the loader's metadata,
 * which the signature covers.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct args {
	__u32 x;
};

SEC("syscall")
int answer(struct args *args)
{
	return args->x + 1;
}

char LICENSE[] SEC("license") = "GPL";
