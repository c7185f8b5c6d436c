// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a malicious guest driver against virtio-mmio + blk.
 * The input is a queue layout, guest RAM, then a script of register accesses;
 * queue notifies run the block request parser on a 64 KiB memfd disk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bus.h"
#include "mem.h"
#include "virtio/virtio_blk.h"

#define MEM (64 * 1024)
#define RAM_BYTES 4096	/* how much of RAM the input seeds */

static void nop_irq(void *ctx, unsigned int irq, int level)
{
	(void)ctx, (void)irq, (void)level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtio_blk b;
	static int fd = -1;
	struct irq_line irq = { nop_irq, NULL, 0 };
	struct guest_mem m;
	uint8_t *ram, q[4];
	size_t seed;

	if (size < sizeof(q))
		return 0;
	memcpy(q, data, sizeof(q));	/* queue layout, so requests get parsed */
	data += sizeof(q);
	size -= sizeof(q);
	seed = size < RAM_BYTES ? size : RAM_BYTES;

	if (fd < 0) {
		fd = memfd_create("disk", 0);
		if (fd < 0 || ftruncate(fd, 64 * 1024))
			abort();
	}
	ram = calloc(1, MEM);
	if (!ram)
		return 0;
	/* Seed the start of RAM and repeat it through the rest. */
	for (size_t off = 0; seed && off < MEM; off += seed)
		memcpy(ram + off, data, MEM - off < seed ? MEM - off : seed);
	data += seed;
	size -= seed;
	gmem_init(&m, ram, MEM);

	memset(&b, 0, sizeof(b));
	b.fd = fd;
	b.sectors = 128;
	b.ro = size & 1;
	strcpy(b.id, "fuzz");
	virtio_blk_attach(&b, &m, irq);
	b.t.vq[0].size = (uint16_t)(1u << (q[0] % 9));
	b.t.vq[0].desc = (uint64_t)q[1] << 8;
	b.t.vq[0].avail = (uint64_t)q[2] << 8;
	b.t.vq[0].used = (uint64_t)q[3] << 8;
	b.t.vq[0].ready = virtq_valid(&b.t.vq[0], &m);
	b.t.status = 0x0f;	/* driver ready; the script may reset it */

	/* Script: [offset/4][value32] records; offset 0x100+ hits config. */
	while (size >= 5) {
		uint8_t d[4];
		uint64_t off = (uint64_t)data[0] * 4;

		memcpy(d, data + 1, 4);
		virtio_mmio_io(&b.t, off, d, 4, !(data[0] & 0x80) || off < 0x100);
		data += 5;
		size -= 5;
	}
	virtio_blk_process(&b);
	free(ram);
	return 0;
}
