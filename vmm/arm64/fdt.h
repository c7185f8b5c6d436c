/* SPDX-License-Identifier: GPL-2.0 */
/* The arm64 guest's flattened device tree, built with libfdt. */
#ifndef VIREO_ARM64_FDT_H
#define VIREO_ARM64_FDT_H

#include <stddef.h>
#include <stdint.h>

struct arm64_fdt {
	uint64_t ram_base, ram_size;
	unsigned int cpus;		/* 1..OPT_MAX_CPUS, MPIDR Aff0 0..cpus-1 */
	const char *bootargs;
	uint64_t initrd_start, initrd_end;	/* both 0: none */
	uint32_t virtio_slots;		/* bit n: a virtio-mmio device in slot n */
};

/*
 * Write the device tree for c into buf (size bytes): the layout.h map,
 * a PSCI (HVC) enable method for each CPU, GICv3, the architected timer,
 * the 16550 as the console (stdout-path), the virtio-mmio slots in use.
 * Returns 0, or a negative libfdt error (-FDT_ERR_NOSPACE: buf too small).
 */
int arm64_fdt_build(void *buf, size_t size, const struct arm64_fdt *c);

#endif
