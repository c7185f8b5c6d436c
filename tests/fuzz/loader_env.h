/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the loader fuzz targets share: guest RAM and an initrd, both
 * reserved mappings made once and handed back to the kernel after each
 * input, and the input's preamble that picks the memory layout and the
 * initrd size before the kernel file's bytes.
 */
#ifndef VIREO_FUZZ_LOADER_ENV_H
#define VIREO_FUZZ_LOADER_ENV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "x86/loader.h"
#include "mem.h"

#define FUZZ_LOW	(64ULL << 20)
#define FUZZ_HIGH	(16ULL << 20)
#define FUZZ_INITRD_MAX	(256ULL << 20)
#define FUZZ_PREAMBLE	5

struct loader_env {
	struct guest_mem m;
	struct boot_image img;
};

static uint8_t *fuzz_map(uint64_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		abort();
	return p;
}

/*
 * Preamble: 4 bytes initrd length (0: none), 1 byte layout (bit 0: 16 MiB
 * of RAM at 4 GiB, as a guest of more than 3 GiB has). False if too short.
 */
static bool loader_env_setup(struct loader_env *e, const uint8_t *data,
			     size_t size)
{
	static uint8_t *ram, *initrd;
	uint32_t rd_len;

	if (size < FUZZ_PREAMBLE)
		return false;
	if (!ram) {
		ram = fuzz_map(FUZZ_LOW + FUZZ_HIGH, PROT_READ | PROT_WRITE);
		initrd = fuzz_map(FUZZ_INITRD_MAX, PROT_READ);
	}
	memcpy(&rd_len, data, 4);
	rd_len %= FUZZ_INITRD_MAX;
	memset(e, 0, sizeof(*e));
	e->m.host = ram;
	e->m.low_size = FUZZ_LOW;
	e->m.size = FUZZ_LOW + (data[4] & 1 ? FUZZ_HIGH : 0);
	e->img.kernel = data + FUZZ_PREAMBLE;
	e->img.kernel_len = size - FUZZ_PREAMBLE;
	e->img.cmdline = "console=ttyS0";
	e->img.initrd = rd_len ? initrd : NULL;
	e->img.initrd_len = rd_len;
	e->img.rsdp = 0xe0000;
	return true;
}

/* Give the pages a run wrote back, so that RAM use stays flat. */
static void loader_env_done(struct loader_env *e)
{
	madvise(e->m.host, FUZZ_LOW + FUZZ_HIGH, MADV_DONTNEED);
}

#endif
