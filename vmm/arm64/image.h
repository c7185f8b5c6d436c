/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 Linux boot protocol (Documentation/arm64/booting.rst): the
 * Image header, where the kernel, initrd and device tree go in guest RAM.
 */
#ifndef VIREO_ARM64_IMAGE_H
#define VIREO_ARM64_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../mem.h"

#define ARM64_IMAGE_MAGIC	0x644d5241u	/* "ARM\x64" at offset 56 */
#define ARM64_IMAGE_HDR_LEN	64
#define ARM64_FLAG_BE		(1ULL << 0)	/* kernel is big-endian */
#define ARM64_FLAG_PAGE_SHIFT	1		/* 2 bits: 0 any, 1 4K, 2 16K, 3 64K */
#define ARM64_FLAG_ANYWHERE	(1ULL << 3)	/* base anywhere in RAM */
#define ARM64_DTB_MAX		(2ULL << 20)	/* booting.rst's limit */

struct arm64_image {
	uint64_t text_offset;	/* from a 2 MiB-aligned base */
	uint64_t image_size;	/* bytes the kernel occupies, BSS included */
	uint64_t flags;
};

/* Where everything went; the boot CPU starts at entry with x0 = dtb. */
struct arm64_boot {
	uint64_t entry;		/* the kernel's first byte */
	uint64_t kernel_end;	/* entry + image_size */
	uint64_t dtb;		/* 2 MiB-aligned, ARM64_DTB_MAX bytes free */
	uint64_t initrd_start, initrd_end;	/* 0, 0 without an initrd */
};

/*
 * Check an Image's header (magic, little-endian, image_size present and
 * not smaller than the file). Returns 0, or -1 with one line in err.
 */
int arm64_image_parse(const uint8_t *k, size_t len, struct arm64_image *out,
		      char *err, size_t errlen);
/*
 * Copy the kernel to m's base + text_offset and the initrd (may be NULL)
 * below a 2 MiB region for the device tree, at the top of the 1 GiB-aligned
 * window (at most 32 GiB) that starts at the base, and that covers the
 * kernel. m's base must be 2 MiB-aligned. Returns 0, or -1 with one line in
 * err ("initrd: ..." for the initrd's own faults).
 */
int arm64_load(struct guest_mem *m, const uint8_t *kernel, size_t kernel_len,
	       const uint8_t *initrd, size_t initrd_len, struct arm64_boot *out,
	       char *err, size_t errlen);

#endif
