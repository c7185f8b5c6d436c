// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a malicious bzImage (setup header, sizes, addresses,
 * initrd limits) against the Linux boot-protocol loader. It must load or
 * return an error; every byte it writes must be inside guest RAM.
 */
#include "loader_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loader_env e;
	struct boot_entry out;
	char err[256];

	if (!loader_env_setup(&e, data, size))
		return 0;
	if (loader_bzimage(&e.m, &e.img, &out, err, sizeof(err)) == 0 &&
	    out.rip != BOOT_KERNEL + 0x200)
		abort();
	loader_env_done(&e);
	return 0;
}
