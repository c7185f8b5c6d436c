// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: virtio-console, virtio-net (no tap; the guest's
 * transmit headers under the offloads an input byte negotiates) and virtio-rng
 * queues over fuzzer-controlled guest RAM and queue layouts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sink.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_rng.h"

#define MEM (64 * 1024)

static void layout(struct virtq *q, const uint8_t *b, const struct guest_mem *m)
{
	q->size = (uint16_t)(1u << (b[0] % 9));
	q->desc = (uint64_t)b[1] << 8;
	q->avail = (uint64_t)b[2] << 8;
	q->used = (uint64_t)b[3] << 8;
	q->ready = virtq_valid(q, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtio_console con;
	static struct virtio_net net;
	static struct virtio_rng rng;
	struct irq_line irq = { NULL, NULL, 0 };
	struct guest_mem m;
	uint8_t *ram, h[9];

	if (size < sizeof(h))
		return 0;
	memcpy(h, data, sizeof(h));
	data += sizeof(h);
	size -= sizeof(h);
	ram = calloc(1, MEM);
	if (!ram)
		return 0;
	memcpy(ram, data, size < MEM ? size : MEM);
	gmem_init(&m, ram, MEM);

	switch (h[0] % 3) {
	case 0:
		virtio_console_attach(&con, &m, irq, fuzz_sink, NULL, NULL);
		layout(&con.t.vq[0], h + 1, &m);
		layout(&con.t.vq[1], h + 5, &m);
		con.t.status = 0x0f;
		virtio_console_input(&con, data, size < 300 ? (unsigned int)size : 300);
		virtio_console_process(&con);
		break;
	case 1:
		memset(&net, 0, sizeof(net));
		net.tap = -1;
		virtio_net_attach(&net, &m, irq, NULL, NULL);
		layout(&net.t.vq[1], h + 1, &m);
		/* The offloads the guest's headers may ask for, event index. */
		net.t.driver_features = (h[5] & 1 ? 1ULL << VIRTIO_NET_F_CSUM : 0) |
			(h[5] & 2 ? 1ULL << VIRTIO_NET_F_HOST_TSO4 : 0) |
			(h[5] & 4 ? 1ULL << VIRTIO_NET_F_HOST_TSO6 : 0);
		net.t.vq[1].event_idx = h[5] & 8;
		net.t.status = 0x0f;
		virtio_net_tx(&net);
		break;
	default:
		virtio_rng_attach(&rng, &m, irq);
		layout(&rng.t.vq[0], h + 1, &m);
		virtio_rng_process(&rng);
		break;
	}
	free(ram);
	return 0;
}
