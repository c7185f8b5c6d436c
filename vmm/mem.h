/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest physical memory: one host mapping, on x86 split around the 32-bit
 * MMIO gap, on arm64 one block at a base above the devices.
 */
#ifndef VIREO_MEM_H
#define VIREO_MEM_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_GAP_START	0xc0000000ULL	/* RAM above this moves to 4 GiB */
#define GUEST_HIGH_BASE	0x100000000ULL

struct guest_mem {
	uint8_t *host;		/* whole RAM, low part first */
	uint64_t size;		/* total bytes */
	uint64_t base;		/* GPA of the first byte (x86: 0) */
	uint64_t low_size;	/* bytes mapped at GPA base */
};

/* x86: RAM from GPA 0, what does not fit below the gap from 4 GiB. */
void gmem_init(struct guest_mem *m, void *host, uint64_t size);
/* One block of size bytes at GPA base, no gap (arm64). */
void gmem_init_flat(struct guest_mem *m, void *host, uint64_t base,
		    uint64_t size);
/* Host pointer for [gpa, gpa+len) if wholly inside RAM, else NULL. */
void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);
static inline uint64_t gmem_high_size(const struct guest_mem *m)
{
	return m->size - m->low_size;
}

#endif
