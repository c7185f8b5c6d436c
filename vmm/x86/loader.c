// SPDX-License-Identifier: GPL-2.0
/*
 * Linux/x86 boot protocol (Documentation/x86/boot.rst), 64-bit entry: the
 * protected-mode kernel goes to 1 MiB, boot_params ("zero page") gets the
 * setup header, e820 map, command line and initrd, and the CPU starts in
 * long mode at load address + 0x200 with an identity map of the low 4 GiB.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <asm/bootparam.h>

#include "loader.h"
#include "../errmsg.h"

#define HDR_OFFSET	0x1f1
#define HDR_MAGIC	0x53726448	/* "HdrS" */
#define MIN_VERSION	0x020c		/* xloadflags, 64-bit entry */
#define E820_TYPE_RAM	1
#define E820_TYPE_RESERVED 2

unsigned int loader_e820(const struct guest_mem *m, void *table,
			 unsigned int max)
{
	struct boot_e820_entry *e = table;
	struct boot_e820_entry all[5] = {
		{ 0, BOOT_EBDA, E820_TYPE_RAM },
		{ BOOT_EBDA, 0xa0000 - BOOT_EBDA, E820_TYPE_RESERVED },
		{ BOOT_BIOS, BOOT_BIOS_END - BOOT_BIOS, E820_TYPE_RESERVED },
		{ BOOT_KERNEL, m->low_size - BOOT_KERNEL, E820_TYPE_RAM },
		{ GUEST_HIGH_BASE, gmem_high_size(m), E820_TYPE_RAM },
	};
	unsigned int n = gmem_high_size(m) ? 5 : 4;

	if (n > max)
		n = max;
	memcpy(e, all, n * sizeof(*e));
	return n;
}

/* GDT (null, null, 64-bit code at 0x10, data at 0x18) and page tables. */
static void write_tables(struct guest_mem *m)
{
	uint64_t *gdt = gmem_ptr(m, BOOT_GDT, 4 * 8);
	uint64_t *pml4 = gmem_ptr(m, BOOT_PML4, 6 * 4096);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffULL;	/* code: P, DPL0, exec/read, L, G */
	gdt[3] = 0x00cf93000000ffffULL;	/* data: P, DPL0, read/write, D, G */
	memset(pml4, 0, 6 * 4096);
	pml4[0] = (BOOT_PML4 + 0x1000) | 3;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PML4 + 0x2000 + i * 0x1000ULL) | 3;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83;	/* present, writable, 2 MiB */
}

int loader_bzimage(struct guest_mem *m, const struct boot_image *img,
		   struct boot_entry *out, char *err, size_t errlen)
{
	struct boot_params *bp;
	struct setup_header hdr;
	size_t setup_len, pm_len, hdr_len, cmd_len;
	uint64_t kernel_end, initrd_max, initrd_at = 0;
	uint32_t init_size;

	if (m->low_size < BOOT_MIN_MEM)
		return errmsg(err, errlen, "guest memory below %llu MiB",
			    BOOT_MIN_MEM >> 20);
	if (img->kernel_len < 0x1000)
		return errmsg(err, errlen, "kernel is not a bzImage (too small)");
	memcpy(&hdr, img->kernel + HDR_OFFSET, sizeof(hdr));
	if (hdr.boot_flag != 0xaa55 || hdr.header != HDR_MAGIC)
		return errmsg(err, errlen, "kernel is not a bzImage (no boot header)");
	if (hdr.version < MIN_VERSION)
		return errmsg(err, errlen,
			    "kernel boot protocol %u.%02u too old (need 2.12)",
			    hdr.version >> 8, hdr.version & 0xff);
	if (!(hdr.xloadflags & XLF_KERNEL_64))
		return errmsg(err, errlen, "kernel has no 64-bit entry point");
	setup_len = ((size_t)(hdr.setup_sects ? hdr.setup_sects : 4) + 1) * 512;
	if (setup_len >= img->kernel_len)
		return errmsg(err, errlen, "kernel is truncated (setup %zu bytes)",
			    setup_len);
	pm_len = img->kernel_len - setup_len;
	if (hdr.syssize && (uint64_t)hdr.syssize * 16 > pm_len)
		return errmsg(err, errlen, "kernel is truncated (%zu of %llu bytes)",
			    pm_len, (unsigned long long)hdr.syssize * 16);

	/* Where the kernel will decompress itself and run. */
	init_size = hdr.init_size;
	kernel_end = BOOT_KERNEL + pm_len;
	if (hdr.relocatable_kernel && hdr.pref_address > BOOT_KERNEL) {
		/* The file chooses pref_address: past 2^64 is "too big". */
		if (hdr.pref_address > UINT64_MAX - init_size)
			kernel_end = UINT64_MAX;
		else if (hdr.pref_address + init_size > kernel_end)
			kernel_end = hdr.pref_address + init_size;
	} else if (BOOT_KERNEL + init_size > kernel_end) {
		kernel_end = BOOT_KERNEL + init_size;
	}
	if (kernel_end > m->low_size)
		return errmsg(err, errlen, "kernel needs %llu MiB, guest has %llu MiB",
			    (unsigned long long)(kernel_end >> 20) + 1,
			    (unsigned long long)(m->low_size >> 20));
	memcpy(gmem_ptr(m, BOOT_KERNEL, pm_len), img->kernel + setup_len, pm_len);

	cmd_len = strlen(img->cmdline);
	if (cmd_len >= (hdr.cmdline_size ? hdr.cmdline_size : 255) ||
	    cmd_len >= BOOT_CMDLINE_MAX)
		return errmsg(err, errlen, "command line too long (%zu bytes, max %u)",
			    cmd_len, hdr.cmdline_size ? hdr.cmdline_size - 1 : 254);
	memcpy(gmem_ptr(m, BOOT_CMDLINE, cmd_len + 1), img->cmdline, cmd_len + 1);

	if (img->initrd) {
		initrd_max = hdr.initrd_addr_max ? hdr.initrd_addr_max : 0x37ffffff;
		if (initrd_max > m->low_size - 1)
			initrd_max = m->low_size - 1;
		/* The header's limit may lie below the kernel: no room at all. */
		if (initrd_max < kernel_end ||
		    img->initrd_len > initrd_max + 1 - kernel_end)
			return errmsg(err, errlen,
				    "initrd (%zu MiB) does not fit in guest memory",
				    img->initrd_len >> 20);
		initrd_at = (initrd_max + 1 - img->initrd_len) & ~0xfffULL;
		if (initrd_at < kernel_end)
			return errmsg(err, errlen,
				    "initrd (%zu MiB) does not fit in guest memory",
				    img->initrd_len >> 20);
		memcpy(gmem_ptr(m, initrd_at, img->initrd_len), img->initrd,
		       img->initrd_len);
	}

	bp = gmem_ptr(m, BOOT_PARAMS, sizeof(*bp));
	memset(bp, 0, sizeof(*bp));
	/* The setup header runs from 0x1f1 to 0x202 + the byte at 0x201. */
	hdr_len = 0x202 + img->kernel[0x201] - HDR_OFFSET;
	if (hdr_len > sizeof(bp->hdr))
		hdr_len = sizeof(bp->hdr);
	memcpy(&bp->hdr, img->kernel + HDR_OFFSET, hdr_len);
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.vid_mode = 0xffff;
	bp->hdr.loadflags &= ~KEEP_SEGMENTS;
	bp->hdr.cmd_line_ptr = (uint32_t)BOOT_CMDLINE;
	bp->ext_cmd_line_ptr = 0;
	if (img->initrd) {
		bp->hdr.ramdisk_image = (uint32_t)initrd_at;
		bp->hdr.ramdisk_size = (uint32_t)img->initrd_len;
		bp->ext_ramdisk_image = (uint32_t)(initrd_at >> 32);
		bp->ext_ramdisk_size = (uint32_t)((uint64_t)img->initrd_len >> 32);
	}
	bp->acpi_rsdp_addr = img->rsdp;
	bp->e820_entries = (uint8_t)loader_e820(m, bp->e820_table,
						E820_MAX_ENTRIES_ZEROPAGE);
	write_tables(m);

	memset(out, 0, sizeof(*out));
	out->rip = BOOT_KERNEL + 0x200;
	out->rsi = BOOT_PARAMS;
	out->cr3 = BOOT_PML4;
	out->gdt = BOOT_GDT;
	out->gdt_limit = 4 * 8 - 1;
	return 0;
}
