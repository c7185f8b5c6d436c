/* SPDX-License-Identifier: GPL-2.0 */
/* What the fuzz targets give a device model as its console's output. */
#ifndef VIREO_FUZZ_SINK_H
#define VIREO_FUZZ_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Reads every byte the device hands out, so ASan checks each of them. */
static inline void fuzz_sink(void *ctx, const uint8_t *buf, size_t len)
{
	uint8_t copy[256];

	(void)ctx;
	while (len) {
		size_t n = len < sizeof(copy) ? len : sizeof(copy);

		memcpy(copy, buf, n);
		buf += n;
		len -= n;
	}
}

#endif
