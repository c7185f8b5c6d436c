// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the split-virtqueue parser over guest memory the fuzzer
 * controls entirely (descriptor tables, rings, indices, chains with loops,
 * out-of-range addresses and huge lengths). ASan checks that every segment
 * handed to a device lies inside guest RAM.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "virtio/virtq.h"

#define MEM (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtq_chain c;
	struct guest_mem m;
	struct virtq q;
	uint8_t *ram;
	uint8_t hdr[8];

	if (size < sizeof(hdr))
		return 0;
	memcpy(hdr, data, sizeof(hdr));
	data += sizeof(hdr);
	size -= sizeof(hdr);

	ram = calloc(1, MEM);
	if (!ram)
		return 0;
	memcpy(ram, data, size < MEM ? size : MEM);
	gmem_init(&m, ram, MEM);

	virtq_reset(&q);
	q.size = (uint16_t)(1u << (hdr[0] % 10));	/* 1..512: some invalid */
	q.desc = (uint64_t)hdr[1] << 8;
	q.avail = (uint64_t)hdr[2] << 8 | (hdr[4] & 1);
	q.used = (uint64_t)hdr[3] << 8 | (hdr[4] & 6);
	q.last_avail = (uint16_t)(hdr[5] | hdr[6] << 8);
	q.used_idx = q.last_avail;
	q.ready = virtq_valid(&q, &m);

	for (int i = 0; i < 300; i++) {
		uint8_t buf[64];
		int r = virtq_pop(&q, &m, &c);

		if (r != 1)
			break;
		/* Touch every byte of every segment, as a device would. */
		for (unsigned int s = 0; s < c.n; s++) {
			volatile uint8_t sum = 0;

			for (uint32_t b = 0; b < c.seg[s].len; b++)
				sum += c.seg[s].ptr[b];
			if (c.seg[s].write)
				memset(c.seg[s].ptr, 0xab, c.seg[s].len);
			(void)sum;
		}
		virtq_read(&c, hdr[7], buf, sizeof(buf));
		virtq_write(&c, hdr[7], buf, sizeof(buf));
		virtq_push(&q, &m, c.head, (uint32_t)c.write_len);
	}
	free(ram);
	return 0;
}
