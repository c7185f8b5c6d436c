/* SPDX-License-Identifier: GPL-2.0 */
/* Linux x86 boot protocol: bzImage, boot_params, e820, 64-bit entry state. */
#ifndef VIREO_LOADER_H
#define VIREO_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../mem.h"

/* Guest-physical layout of everything the VMM writes before boot. */
#define BOOT_GDT	0x500ULL
#define BOOT_PARAMS	0x7000ULL
#define BOOT_PML4	0x9000ULL	/* PML4, PDPT, then 4 PDs: 0x9000-0xefff */
#define BOOT_CMDLINE	0x20000ULL
#define BOOT_CMDLINE_MAX 0x10000ULL
#define BOOT_EBDA	0x9fc00ULL
#define BOOT_BIOS	0xe0000ULL	/* ACPI tables live here, up to 1 MiB */
#define BOOT_BIOS_END	0x100000ULL
#define BOOT_KERNEL	0x100000ULL
#define BOOT_CS		0x10
#define BOOT_DS		0x18
#define BOOT_MIN_MEM	(32ULL << 20)

struct boot_entry {
	bool mode32;		/* PVH: 32-bit protected mode, no paging */
	uint64_t rip;		/* entry point */
	uint64_t rsi;		/* boot_params (bzImage) */
	uint64_t rbx;		/* hvm_start_info (PVH) */
	uint64_t cr3;
	uint64_t gdt;
	uint16_t gdt_limit;
};

struct boot_image {
	const uint8_t *kernel;
	size_t kernel_len;
	const char *cmdline;
	const uint8_t *initrd;	/* may be NULL */
	size_t initrd_len;
	uint64_t rsdp;		/* 0 if none */
};

/* Load a bzImage; on error returns -1 with a one-line message in err. */
int loader_bzimage(struct guest_mem *m, const struct boot_image *img,
		   struct boot_entry *out, char *err, size_t errlen);
/* An ELF vmlinux booted through its PVH entry note (pvh.c, libelf). */
bool loader_is_elf(const uint8_t *p, size_t len);
int loader_pvh(struct guest_mem *m, const struct boot_image *img,
	       struct boot_entry *out, char *err, size_t errlen);
/* Fill an e820 table for m; returns the entry count. */
unsigned int loader_e820(const struct guest_mem *m, void *table,
			 unsigned int max);

#endif
