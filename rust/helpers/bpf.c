// SPDX-License-Identifier: GPL-2.0

#include <linux/bpf.h>
#include <linux/fdtable.h>
#include <linux/filter.h>

#if IS_ENABLED(CONFIG_RUST_BPF_ABSTRACTIONS)
__rust_helper struct bpf_insn *rust_helper_bpf_prog_insns(struct bpf_prog *prog)
{
	return prog->insnsi;
}
#endif

#if IS_ENABLED(CONFIG_RUST_BPF_ABSTRACTIONS_KUNIT_TEST)
__rust_helper u8 *rust_helper_bpf_prog_digest(struct bpf_prog *prog)
{
	return prog->digest;
}

__rust_helper unsigned int rust_helper_bpf_prog_size(unsigned int proglen)
{
	return bpf_prog_size(proglen);
}

__rust_helper struct bpf_insn rust_helper_bpf_insn_make(u8 code, u8 dst_reg,
							u8 src_reg, s16 off,
							s32 imm)
{
	return (struct bpf_insn) {
		.code = code,
		.dst_reg = dst_reg,
		.src_reg = src_reg,
		.off = off,
		.imm = imm,
	};
}

/* As tools/lib/bpf/skel_internal.h declares it for in-kernel loaders. */
int kern_sys_bpf(int cmd, union bpf_attr *attr, unsigned int size);

/* A referenced map made by BPF_MAP_CREATE, for the KUnit tests. */
__rust_helper struct bpf_map *rust_helper_bpf_test_map_create(u32 type,
							      u32 key_size,
							      u32 value_size,
							      u32 max_entries)
{
	union bpf_attr attr = {
		.map_type = type,
		.key_size = key_size,
		.value_size = value_size,
		.max_entries = max_entries,
	};
	struct bpf_map *map;
	int fd;

	fd = kern_sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return ERR_PTR(fd);
	map = bpf_map_get(fd);
	close_fd(fd);
	return map;
}
#endif
