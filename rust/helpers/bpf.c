// SPDX-License-Identifier: GPL-2.0

#include <linux/bpf.h>
#include <linux/bpfptr.h>
#include <linux/filter.h>
#include <linux/verification.h>

__rust_helper int rust_helper_copy_from_bpfptr(void *dst, bpfptr_t src,
					       size_t size)
{
	return copy_from_bpfptr(dst, src, size);
}

__rust_helper unsigned int rust_helper_bpf_prog_size(unsigned int proglen)
{
	return bpf_prog_size(proglen);
}

__rust_helper s32 rust_helper_bpf_key_serial(const struct bpf_key *key)
{
	return bpf_key_serial(key);
}

__rust_helper int rust_helper_system_keyring_id_check(u64 id)
{
	return system_keyring_id_check(id);
}
