/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the device-model fuzz targets share: the input read as a stream of
 * operations, and bus accesses made the way the VMM's bus makes them
 * (bus.c: an offset inside the range, the exit's size), with a check that
 * a read fills exactly the bytes asked for: the buffer is the kvm_run
 * page's data area, and a model writing past it would corrupt the page.
 */
#ifndef VIREO_FUZZ_OPS_H
#define VIREO_FUZZ_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"

struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

/* k bytes, little-endian; zeros once the input runs out. */
static inline uint64_t fz_uint(struct fz *f, unsigned int k)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < k; i++)
		v |= (uint64_t)fz_u8(f) << (8 * i);
	return v;
}

#define FZ_SENTINEL 0xa5

/*
 * One access to a range of len bytes: a control byte (bit 0 write, bits
 * 1-2 size), an offset byte (two when the range is longer than 256) and
 * 8 bytes of data for a write. Port I/O uses sizes 1, 2 and 4, MMIO also
 * 8. Returns the value read, or what was written.
 */
static inline uint64_t fz_access(struct fz *f, bus_fn fn, void *opaque,
				 uint64_t len, bool mmio)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	uint8_t c = fz_u8(f), d[16];
	bool w = c & 1;
	unsigned int sz = sizes[(c >> 1) & 3];
	uint64_t off = fz_uint(f, len > 256 ? 2 : 1) % len, v = 0;

	if (!mmio && sz == 8)
		sz = 4;
	memset(d, FZ_SENTINEL, sizeof(d));
	if (w) {
		v = fz_uint(f, 8);
		bus_put(d, sz, v);
	}
	fn(opaque, off, d, sz, w);
	for (unsigned int i = sz; i < sizeof(d); i++)
		if (d[i] != FZ_SENTINEL)
			abort();	/* wrote past the access */
	if (!w)
		for (unsigned int i = 0; i < sz; i++)
			v |= (uint64_t)d[i] << (8 * i);
	return v;
}

#endif
