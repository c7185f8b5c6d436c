// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: virtio-net's receive path. Frames of any length (up
 * to past the largest a tap hands out) arrive on a socket that stands in
 * for the tap, while the guest drives the virtio-mmio registers, posts
 * receive chains and rewrites its rings and buffers between deliveries.
 * Each input starts with a queue layout (or none: the registers then do
 * it) and the negotiated features (mergeable buffers, the receive
 * offloads, event index), then guest RAM, then operations. Each frame
 * starts with the tap's 12-byte header, checked against those features.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mem.h"
#include "ops.h"
#include "virtio/virtio_net.h"

#define MEM (64 * 1024)

static int sock[2] = { -1, -1 };
static uint8_t frame[VNET_FRAME_MAX + 64];

static void layout(struct virtq *q, const uint8_t *b, const struct guest_mem *m)
{
	q->size = (uint16_t)(1u << (b[0] % 9));
	q->desc = (uint64_t)b[1] << 8;
	q->avail = (uint64_t)b[2] << 8;
	q->used = (uint64_t)b[3] << 8;
	q->ready = virtq_valid(q, m);
}

static void rx_ready(void *ctx)
{
	(void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtio_net net;
	static uint8_t ram[MEM];
	struct irq_line irq = { NULL, NULL, 0 };
	struct fz f = { data, size };
	struct guest_mem m;
	uint8_t h[5];
	size_t ram_len;

	if (sock[0] < 0 &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sock))
		abort();
	while (read(sock[1], frame, sizeof(frame)) > 0)
		;	/* what the last input left unread */
	for (unsigned int i = 0; i < sizeof(h); i++)
		h[i] = fz_u8(&f);
	memset(ram, 0, sizeof(ram));
	ram_len = fz_uint(&f, 2);
	if (ram_len > f.n)
		ram_len = f.n;
	memcpy(ram, f.p, ram_len);
	f.p += ram_len;
	f.n -= ram_len;
	gmem_init(&m, ram, MEM);

	memset(&net, 0, sizeof(net));
	virtio_net_attach(&net, &m, irq, rx_ready, NULL);
	net.tap = sock[1];
	/* The features the tap's headers are checked against. */
	net.t.driver_features = 1ULL << VIRTIO_F_VERSION_1 |
		(h[0] & 2 ? 1ULL << VIRTIO_NET_F_MRG_RXBUF : 0) |
		(h[0] & 4 ? 1ULL << VIRTIO_NET_F_GUEST_CSUM : 0) |
		(h[0] & 8 ? 1ULL << VIRTIO_NET_F_GUEST_TSO4 : 0) |
		(h[0] & 16 ? 1ULL << VIRTIO_NET_F_GUEST_TSO6 : 0) |
		(h[0] & 32 ? 1ULL << VIRTIO_RING_F_EVENT_IDX : 0);
	if (h[0] & 1) {
		layout(&net.t.vq[0], h + 1, &m);
		net.t.vq[0].event_idx = h[0] & 32;
		net.t.status = 0x0f;
	}
	while (f.n) {
		uint8_t op = fz_u8(&f);

		switch (op % 5) {
		case 0:
			fz_access(&f, virtio_mmio_io, &net.t, 0x200, true);
			break;
		case 1: {	/* a frame: bit 7 adds 64 KiB to its length */
			size_t len = fz_uint(&f, 2) + (op & 0x80 ? 65536 : 0);
			size_t take = len < f.n ? len : f.n;

			if (len > sizeof(frame))
				len = sizeof(frame);
			if (take > len)
				take = len;
			memcpy(frame, f.p, take);
			memset(frame + take, 0x5a, len - take);
			f.p += take;
			f.n -= take;
			if (send(sock[0], frame, len, 0) < 0 && errno != EAGAIN &&
			    errno != EMSGSIZE)
				abort();
		}
			/* fall through */
		case 2:
			virtio_net_rx(&net);
			break;
		case 3:		/* the guest rewrites its memory */
			ram[fz_uint(&f, 2) % MEM] = fz_u8(&f);
			break;
		default:
			(void)virtio_net_want_rx(&net);
			break;
		}
	}
	return 0;
}
