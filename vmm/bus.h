/* SPDX-License-Identifier: GPL-2.0 */
/* Port-I/O and MMIO dispatch: a small per-VM table of address ranges. */
#ifndef VIREO_BUS_H
#define VIREO_BUS_H

#include <stdbool.h>
#include <stdint.h>

/* data holds size bytes, little-endian; reads fill it, writes consume it. */
typedef void (*bus_fn)(void *opaque, uint64_t offset, uint8_t *data,
		       unsigned int size, bool is_write);

#define BUS_MAX_RANGES 32

struct bus_range {
	uint64_t base, len;
	bus_fn fn;
	void *opaque;
};

struct bus {
	struct bus_range r[BUS_MAX_RANGES];
	int n;
};

int bus_add(struct bus *b, uint64_t base, uint64_t len, bus_fn fn, void *opaque);
/* Returns false when nothing claims the address (reads then give all-ones). */
bool bus_access(struct bus *b, uint64_t addr, uint8_t *data, unsigned int size,
		bool is_write);

static inline uint32_t bus_get(const uint8_t *d, unsigned int size)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < size && i < 4; i++)
		v |= (uint32_t)d[i] << (8 * i);
	return v;
}

static inline void bus_put(uint8_t *d, unsigned int size, uint64_t v)
{
	for (unsigned int i = 0; i < size; i++)
		d[i] = (uint8_t)(v >> (8 * i));
}

#endif
