// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 Image loader. Facts from Documentation/arm64/booting.rst: a
 * 64-byte little-endian header (code0, code1, text_offset, image_size,
 * flags, three reserved words, magic "ARM\x64", res5); the kernel goes
 * text_offset bytes above a 2 MiB-aligned base in RAM with image_size
 * bytes free from there; the device tree on an 8-byte boundary, at most
 * 2 MiB, in a 2 MiB region of its own; the initrd inside a 1 GiB-aligned
 * window of up to 32 GiB that covers the kernel too. Both files are
 * untrusted: every size is checked before it is added to an address.
 */
#include <string.h>

#include "../errmsg.h"
#include "image.h"

#define SZ_2M	(2ULL << 20)
#define SZ_1G	(1ULL << 30)
#define WINDOW_MAX (32ULL << 30)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int arm64_image_parse(const uint8_t *k, size_t len, struct arm64_image *out,
		      char *err, size_t errlen)
{
	if (len < ARM64_IMAGE_HDR_LEN || (uint32_t)le64(k + 56) != ARM64_IMAGE_MAGIC)
		return errmsg(err, errlen,
			      "not an arm64 Image (no \"ARM\\x64\" magic at offset 56%s)",
			      len >= 2 && k[0] == 0x1f && k[1] == 0x8b ?
			      "; gzip-compressed: decompress it first" : "");
	out->text_offset = le64(k + 8);
	out->image_size = le64(k + 16);
	out->flags = le64(k + 24);
	if (out->flags & ARM64_FLAG_BE)
		return errmsg(err, errlen, "big-endian arm64 Image: not supported");
	/*
	 * image_size 0 means a kernel before 3.17, whose BSS size the header
	 * does not give: there is no telling how much RAM it will clear.
	 */
	if (!out->image_size)
		return errmsg(err, errlen,
			      "arm64 Image without image_size (before Linux 3.17): not supported");
	if (out->image_size < len)
		return errmsg(err, errlen,
			      "arm64 Image: image_size %llu is smaller than the file (%zu bytes)",
			      (unsigned long long)out->image_size, len);
	if (out->text_offset >= SZ_2M || out->text_offset & 0xfff)
		return errmsg(err, errlen, "arm64 Image: bad text_offset %#llx",
			      (unsigned long long)out->text_offset);
	return 0;
}

int arm64_load(struct guest_mem *m, const uint8_t *kernel, size_t kernel_len,
	       const uint8_t *initrd, size_t initrd_len, struct arm64_boot *out,
	       char *err, size_t errlen)
{
	struct arm64_image img;
	uint64_t top, size = m->low_size;
	uint8_t *dst;

	if (arm64_image_parse(kernel, kernel_len, &img, err, errlen))
		return -1;
	if (m->base & (SZ_2M - 1) || gmem_high_size(m))
		return errmsg(err, errlen, "arm64: RAM must be one 2 MiB-aligned block");
	/* The window the initrd and the DTB must share with the kernel. */
	top = size < WINDOW_MAX ? size : WINDOW_MAX;
	if (m->base & (SZ_1G - 1))
		top = 0;	/* no 1 GiB-aligned window starts at the base */
	top &= ~(SZ_2M - 1);
	/* text_offset < 2 MiB and image_size >= the file: checked above. */
	if (top < SZ_2M + img.text_offset ||
	    img.image_size > top - SZ_2M - img.text_offset)
		return errmsg(err, errlen,
			      "kernel needs %llu MiB of RAM, more than --memory gives",
			      (unsigned long long)((img.text_offset + img.image_size +
						    SZ_2M + (1 << 20) - 1) >> 20));
	out->entry = m->base + img.text_offset;
	out->kernel_end = out->entry + img.image_size;
	out->dtb = m->base + top - SZ_2M;
	out->initrd_start = out->initrd_end = 0;
	dst = gmem_ptr(m, out->entry, kernel_len);
	if (!dst)
		return errmsg(err, errlen, "kernel does not fit in RAM");
	memcpy(dst, kernel, kernel_len);
	/* The rest of image_size (BSS) is the kernel's: RAM starts zeroed. */
	if (initrd && initrd_len) {
		uint64_t room = out->dtb - out->kernel_end;
		uint64_t start;

		if (initrd_len > room)
			return errmsg(err, errlen,
				      "initrd: %zu bytes do not fit between the kernel and the device tree (%llu bytes free)",
				      initrd_len, (unsigned long long)room);
		/* Highest page-aligned place below the DTB's region. */
		start = (out->dtb - initrd_len) & ~0xfffULL;
		if (start < out->kernel_end)
			return errmsg(err, errlen,
				      "initrd: does not fit page-aligned below the device tree");
		dst = gmem_ptr(m, start, initrd_len);
		if (!dst)
			return errmsg(err, errlen, "initrd: does not fit in RAM");
		memcpy(dst, initrd, initrd_len);
		out->initrd_start = start;
		out->initrd_end = start + initrd_len;
	}
	return 0;
}
