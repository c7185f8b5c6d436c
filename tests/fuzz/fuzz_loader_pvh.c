// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a malicious ELF vmlinux (program headers, segment
 * addresses and sizes, notes) against the PVH loader, with and without RAM
 * above 4 GiB. It must load or return an error; every byte it writes must
 * be inside guest RAM.
 */
#include "loader_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loader_env e;
	struct boot_entry out;
	char err[256];

	if (!loader_env_setup(&e, data, size) ||
	    !loader_is_elf(e.img.kernel, e.img.kernel_len))
		return 0;
	if (loader_pvh(&e.m, &e.img, &out, err, sizeof(err)) == 0 &&
	    out.rip >= e.m.low_size)
		abort();
	loader_env_done(&e);
	return 0;
}
