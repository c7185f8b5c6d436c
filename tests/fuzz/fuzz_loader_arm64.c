// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a malicious arm64 Image (header fields, sizes) and
 * initrd size against the arm64 loader, then the device tree built for
 * what it loaded. It must load or return an error; every byte it writes
 * must be inside guest RAM (ASan: RAM is an exact mapping), and what it
 * reports must follow the boot protocol.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arm64/fdt.h"
#include "arm64/image.h"
#include "arm64/layout.h"

#define RAM_MAX		(64ULL << 20)
#define INITRD_MAX	(128ULL << 20)
#define PREAMBLE	5
#define SZ_2M		(2ULL << 20)

static uint8_t *map(uint64_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		abort();
	return p;
}

/*
 * Preamble: 4 bytes initrd length (0: none), 1 byte RAM size in MiB
 * (1..64, 4 KiB short with bit 7: an unaligned top). Then the Image.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram, *initrd;
	struct guest_mem m;
	struct arm64_boot b;
	char err[256];
	uint32_t rd_len;
	uint64_t ram_size;
	uint8_t *host;

	if (size < PREAMBLE)
		return 0;
	if (!ram) {
		ram = map(RAM_MAX, PROT_READ | PROT_WRITE);
		initrd = map(INITRD_MAX, PROT_READ);
	}
	memcpy(&rd_len, data, 4);
	rd_len %= INITRD_MAX;
	ram_size = (uint64_t)((data[4] & 0x3f) + 1) << 20;
	if (data[4] & 0x80)
		ram_size -= 4096;
	/* RAM ends where the mapping ends: a write past it faults. */
	host = ram + RAM_MAX - ram_size;
	gmem_init_flat(&m, host, ARM64_RAM_BASE, ram_size);
	if (arm64_load(&m, data + PREAMBLE, size - PREAMBLE,
		       rd_len ? initrd : NULL, rd_len, &b, err, sizeof(err)) == 0) {
		struct arm64_fdt dt = {
			.ram_base = m.base, .ram_size = m.size, .cpus = 4,
			.bootargs = "console=ttyS0",
			.initrd_start = b.initrd_start,
			.initrd_end = b.initrd_end, .virtio_slots = 0xff,
		};
		void *p = gmem_ptr(&m, b.dtb, ARM64_DTB_MAX);

		if (b.entry < m.base || b.entry >= m.base + SZ_2M ||
		    b.kernel_end > b.dtb || b.dtb % SZ_2M || !p ||
		    (rd_len && (b.initrd_start < b.kernel_end ||
				b.initrd_end > b.dtb || b.initrd_start & 0xfff)))
			abort();
		if (arm64_fdt_build(p, ARM64_DTB_MAX, &dt))
			abort();
	}
	madvise(host, ram_size, MADV_DONTNEED);
	return 0;
}
