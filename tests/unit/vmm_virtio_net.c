// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net's offloads on the VMM's own data path (vmm/virtio/virtio_net.c)
 * and the event index of its queues (vmm/virtio/virtq.c): the guest's
 * transmit header checked before the tap sees it, the tap's receive header
 * checked against the negotiated features, frames over several mergeable
 * receive buffers returned all at once, avail_event and used_event. A
 * SOCK_SEQPACKET socket pair stands in for the tap (one frame a message).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_tun.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/virtio/vhost_net.h"
#include "vmm/virtio/virtio_net.h"
#include "vmm/virtio/virtq.h"

#define RAM	(1 << 20)
#define RXQ	0
#define TXQ	1
#define F(b)	(1ULL << (b))

/* A header: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset. */
static void hdr(uint8_t *h, uint8_t flags, uint8_t gso, uint16_t hdr_len,
		uint16_t gso_size, uint16_t start, uint16_t off)
{
	memset(h, 0, VNET_HDR_LEN);
	h[0] = flags;
	h[1] = gso;
	memcpy(h + 2, &hdr_len, 2);
	memcpy(h + 4, &gso_size, 2);
	memcpy(h + 6, &start, 2);
	memcpy(h + 8, &off, 2);
}

TEST(tx_header_checked_against_features)
{
	const uint64_t csum = F(VIRTIO_NET_F_CSUM);
	const uint64_t tso = csum | F(VIRTIO_NET_F_HOST_TSO4) |
			     F(VIRTIO_NET_F_HOST_TSO6);
	uint8_t h[VNET_HDR_LEN];

	hdr(h, 0, 0, 0, 0, 0, 0);
	EXPECT_TRUE(virtio_net_tx_hdr_ok(h, 0, 60));
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, 0, 0));		/* no frame */
	EXPECT_TRUE(virtio_net_tx_hdr_ok(h, 0, VNET_FRAME_MAX));
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, 0, VNET_FRAME_MAX + 1));
	/* Checksum offload: only negotiated, and inside the frame. */
	hdr(h, VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 34, 16);
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, 0, 60));
	EXPECT_TRUE(virtio_net_tx_hdr_ok(h, csum, 52));
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, csum, 51));
	hdr(h, VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 0xffff, 0xffff);
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, csum, VNET_FRAME_MAX));
	/* Receive-only flags and unknown ones. */
	hdr(h, VNET_HDR_F_DATA_VALID, 0, 0, 0, 0, 0);
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, tso, 60));
	hdr(h, 0x80, 0, 0, 0, 0, 0);
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, tso, 60));
	/* TSO: its feature, a checksum request, a segment size, hdr_len. */
	hdr(h, VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, 66, 1448, 34, 16);
	EXPECT_TRUE(virtio_net_tx_hdr_ok(h, tso, 65000));
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, csum, 65000));
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, csum | F(VIRTIO_NET_F_HOST_TSO6), 65000));
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, tso, 60));	/* hdr_len > frame */
	hdr(h, VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV6, 86, 1428, 54, 16);
	EXPECT_TRUE(virtio_net_tx_hdr_ok(h, tso, 65000));
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, csum | F(VIRTIO_NET_F_HOST_TSO4), 65000));
	hdr(h, 0, VNET_HDR_GSO_TCPV4, 66, 1448, 0, 0);		/* no csum */
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, tso, 65000));
	hdr(h, VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, 66, 0, 34, 16);
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, tso, 65000));	/* gso_size 0 */
	hdr(h, VNET_HDR_F_NEEDS_CSUM, 3, 42, 1472, 34, 6);	/* UDP */
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, ~0ULL, 65000));
	hdr(h, VNET_HDR_F_NEEDS_CSUM, 0x81, 66, 1448, 34, 16);	/* ECN */
	EXPECT_FALSE(virtio_net_tx_hdr_ok(h, ~0ULL, 65000));
}

TEST(rx_header_checked_against_features)
{
	const uint64_t gcsum = F(VIRTIO_NET_F_GUEST_CSUM);
	const uint64_t gtso = gcsum | F(VIRTIO_NET_F_GUEST_TSO4) |
			      F(VIRTIO_NET_F_GUEST_TSO6);
	uint8_t h[VNET_HDR_LEN];

	hdr(h, 0, 0, 0, 0, 0, 0);
	EXPECT_TRUE(virtio_net_rx_hdr_ok(h, 0, 60));
	hdr(h, VNET_HDR_F_DATA_VALID, 0, 0, 0, 0, 0);
	EXPECT_TRUE(virtio_net_rx_hdr_ok(h, 0, 60));	/* cleared on delivery */
	hdr(h, VNET_HDR_F_NEEDS_CSUM, 0, 0, 0, 34, 16);
	EXPECT_FALSE(virtio_net_rx_hdr_ok(h, 0, 60));
	EXPECT_TRUE(virtio_net_rx_hdr_ok(h, gcsum, 60));
	EXPECT_FALSE(virtio_net_rx_hdr_ok(h, gcsum, 51));
	hdr(h, VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, 66, 1448, 34, 16);
	EXPECT_FALSE(virtio_net_rx_hdr_ok(h, gcsum, 65000));
	EXPECT_TRUE(virtio_net_rx_hdr_ok(h, gtso, 65000));
	hdr(h, VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV6, 86, 1428, 54, 16);
	EXPECT_FALSE(virtio_net_rx_hdr_ok(h, gcsum | F(VIRTIO_NET_F_GUEST_TSO4), 65000));
	EXPECT_TRUE(virtio_net_rx_hdr_ok(h, gtso, 65000));
	hdr(h, VNET_HDR_F_NEEDS_CSUM, 3, 42, 1472, 34, 6);
	EXPECT_FALSE(virtio_net_rx_hdr_ok(h, ~0ULL, 65000));
	hdr(h, 4, 0, 0, 0, 0, 0);				/* RSC_INFO */
	EXPECT_FALSE(virtio_net_rx_hdr_ok(h, ~0ULL, 60));
}

TEST(tap_offloads_follow_the_driver)
{
	EXPECT_EQ(0u, virtio_net_tap_offloads(0));
	/* Segmentation without checksum is not a thing the tap does. */
	EXPECT_EQ(0u, virtio_net_tap_offloads(F(VIRTIO_NET_F_GUEST_TSO4)));
	EXPECT_EQ((unsigned int)TUN_F_CSUM,
		  virtio_net_tap_offloads(F(VIRTIO_NET_F_GUEST_CSUM)));
	EXPECT_EQ((unsigned int)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6),
		  virtio_net_tap_offloads(F(VIRTIO_NET_F_GUEST_CSUM) |
					  F(VIRTIO_NET_F_GUEST_TSO4) |
					  F(VIRTIO_NET_F_GUEST_TSO6)));
}

/* vhost offers ring layouts it implements; the offloads stay the tap's. */
TEST(vhost_offers_what_it_implements)
{
	uint64_t dev = F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_CSUM) |
		       F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_MRG_RXBUF) |
		       F(VIRTIO_RING_F_EVENT_IDX);
	uint64_t all = F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MRG_RXBUF) |
		       F(VIRTIO_RING_F_EVENT_IDX) | F(VIRTIO_RING_F_INDIRECT_DESC);

	EXPECT_EQ(dev | F(VIRTIO_RING_F_INDIRECT_DESC), vhost_net_offer(dev, all));
	EXPECT_EQ(F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_CSUM) |
		  F(VIRTIO_NET_F_HOST_TSO4),
		  vhost_net_offer(dev, F(VIRTIO_F_VERSION_1)));
	EXPECT_EQ(dev & ~F(VIRTIO_RING_F_EVENT_IDX),
		  vhost_net_offer(dev, all & ~F(VIRTIO_RING_F_EVENT_IDX) &
				  ~F(VIRTIO_RING_F_INDIRECT_DESC)));
}

/* The fake driver: queue q's rings at 0x1000 * (1 + 3q), buffers above. */
struct drv {
	uint8_t *ram;
	struct guest_mem m;
	uint16_t avail[2];
	struct virtio_net *n;
	int sock[2];
};

static uint64_t ring(unsigned int q)
{
	return 0x1000 * (1 + 3 * q);
}

static void desc(struct drv *d, unsigned int q, uint16_t i, uint64_t addr,
		 uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *p = d->ram + ring(q) + 16 * i;

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void offer(struct drv *d, unsigned int q, uint16_t head)
{
	uint8_t *av = d->ram + ring(q) + 0x1000;

	memcpy(av + 4 + 2 * (d->avail[q] % 16), &head, 2);
	d->avail[q]++;
	__atomic_store_n((uint16_t *)(av + 2), d->avail[q], __ATOMIC_RELEASE);
}

static uint16_t rd16(struct drv *d, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, d->ram + gpa, 2);
	return v;
}

static uint32_t rd32(struct drv *d, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, d->ram + gpa, 4);
	return v;
}

static uint16_t used_idx(struct drv *d, unsigned int q)
{
	return rd16(d, ring(q) + 0x2000 + 2);
}

/* Used element i of queue q: its id and length. */
static uint32_t used_id(struct drv *d, unsigned int q, unsigned int i)
{
	return rd32(d, ring(q) + 0x2000 + 4 + 8 * i);
}

static uint32_t used_len(struct drv *d, unsigned int q, unsigned int i)
{
	return rd32(d, ring(q) + 0x2000 + 8 + 8 * i);
}

static void drv_init(struct drv *d, uint64_t features)
{
	static struct virtio_net n;
	struct irq_line none = { NULL, NULL, 0 };

	d->ram = calloc(1, RAM);
	gmem_init(&d->m, d->ram, RAM);
	d->avail[0] = d->avail[1] = 0;
	memset(&n, 0, sizeof(n));
	d->n = &n;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, d->sock))
		abort();
	n.tap = d->sock[1];
	virtio_net_attach(&n, &d->m, none, NULL, NULL);
	n.t.driver_features = features | F(VIRTIO_F_VERSION_1);
	n.t.status = 1 | 2 | 8;
	for (unsigned int q = 0; q < 2; q++) {
		n.t.vq[q] = (struct virtq){ .size = 16, .desc = ring(q),
					    .avail = ring(q) + 0x1000,
					    .used = ring(q) + 0x2000 };
		virtio_mmio_enable_queue(&n.t, &n.t.vq[q]);
	}
	n.t.status |= 4;
}

static void drv_done(struct drv *d)
{
	close(d->sock[0]);
	close(d->sock[1]);
	free(d->ram);
}

/*
 * Transmit: the guest's header, split over two descriptors, reaches the
 * tap as one 12-byte header with num_buffers cleared, before the frame.
 */
TEST(tx_passes_the_checked_header_to_the_tap)
{
	uint64_t f = F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_HOST_TSO4);
	uint8_t h[VNET_HDR_LEN], got[4096];
	struct drv d;

	drv_init(&d, f);
	hdr(h, VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, 54, 1448, 34, 16);
	h[10] = 0x77;
	memcpy(d.ram + 0x10000, h, 5);
	memcpy(d.ram + 0x10100, h + 5, 7);
	memset(d.ram + 0x10200, 0xab, 3000);
	desc(&d, TXQ, 0, 0x10000, 5, 1, 1);
	desc(&d, TXQ, 1, 0x10100, 7, 1, 2);
	desc(&d, TXQ, 2, 0x10200, 3000, 0, 0);
	offer(&d, TXQ, 0);
	virtio_net_tx(d.n);
	ASSERT_EQ(VNET_HDR_LEN + 3000, read(d.sock[0], got, sizeof(got)));
	h[10] = 0;
	EXPECT_EQ(0, memcmp(got, h, VNET_HDR_LEN));
	EXPECT_EQ(0xab, got[VNET_HDR_LEN]);
	EXPECT_EQ(0xab, got[VNET_HDR_LEN + 2999]);
	EXPECT_EQ(1, used_idx(&d, TXQ));
	EXPECT_EQ(0u, d.n->tx_bad);
	drv_done(&d);
}

/* A header the features do not allow: dropped, the chain returned. */
TEST(tx_drops_a_bad_header)
{
	uint8_t h[VNET_HDR_LEN], got[64];
	struct drv d;

	drv_init(&d, F(VIRTIO_NET_F_CSUM));	/* no HOST_TSO4 */
	hdr(h, VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, 54, 1448, 34, 16);
	memcpy(d.ram + 0x10000, h, VNET_HDR_LEN);
	desc(&d, TXQ, 0, 0x10000, VNET_HDR_LEN + 100, 0, 0);
	offer(&d, TXQ, 0);
	/* And a chain shorter than the header. */
	desc(&d, TXQ, 1, 0x10000, VNET_HDR_LEN - 1, 0, 0);
	offer(&d, TXQ, 1);
	virtio_net_tx(d.n);
	EXPECT_EQ(-1, read(d.sock[0], got, sizeof(got)));
	EXPECT_EQ(2, used_idx(&d, TXQ));
	EXPECT_EQ(2u, d.n->tx_bad);
	EXPECT_EQ(0u, d.n->tx_frames);
	drv_done(&d);
}

/* The tap's frame: its header, then len bytes of pattern. */
static void tap_send(struct drv *d, const uint8_t *h, size_t len)
{
	static uint8_t buf[VNET_HDR_LEN + VNET_FRAME_MAX];

	memcpy(buf, h, VNET_HDR_LEN);
	for (size_t i = 0; i < len; i++)
		buf[VNET_HDR_LEN + i] = (uint8_t)i;
	if (send(d->sock[0], buf, VNET_HDR_LEN + len, 0) < 0)
		abort();
}

/*
 * Mergeable buffers: a 2500-byte frame over three 1000-byte buffers, all
 * three returned at once, num_buffers 3 in the first; with two posted it
 * waits (nothing returned, nothing consumed) for the third.
 */
TEST(rx_frame_over_mergeable_buffers)
{
	uint8_t h[VNET_HDR_LEN];
	struct drv d;

	drv_init(&d, F(VIRTIO_NET_F_MRG_RXBUF));
	for (uint16_t i = 0; i < 3; i++)
		desc(&d, RXQ, i, 0x20000 + 0x1000 * i, 1000, 2, 0);
	offer(&d, RXQ, 0);
	offer(&d, RXQ, 1);
	hdr(h, VNET_HDR_F_DATA_VALID, 0, 0, 0, 0, 0);
	tap_send(&d, h, 2500 - VNET_HDR_LEN);
	virtio_net_rx(d.n);
	EXPECT_EQ(0, used_idx(&d, RXQ));
	EXPECT_EQ(0, d.n->t.vq[RXQ].last_avail);
	EXPECT_TRUE(d.n->rx_waiting);
	offer(&d, RXQ, 2);
	virtio_mmio_notify(&d.n->t, RXQ);
	ASSERT_EQ(3, used_idx(&d, RXQ));
	EXPECT_FALSE(d.n->rx_waiting);
	EXPECT_EQ(0u, used_id(&d, RXQ, 0));
	EXPECT_EQ(1000u, used_len(&d, RXQ, 0));
	EXPECT_EQ(1u, used_id(&d, RXQ, 1));
	EXPECT_EQ(1000u, used_len(&d, RXQ, 1));
	EXPECT_EQ(2u, used_id(&d, RXQ, 2));
	EXPECT_EQ(500u, used_len(&d, RXQ, 2));
	EXPECT_EQ(3, rd16(&d, 0x20000 + 10));		/* num_buffers */
	EXPECT_EQ(0, d.ram[0x20000]);	/* DATA_VALID: no GUEST_CSUM */
	/* The frame's byte i at stream offset 12 + i. */
	EXPECT_EQ(0, d.ram[0x20000 + VNET_HDR_LEN]);
	EXPECT_EQ((uint8_t)(1000 - VNET_HDR_LEN), d.ram[0x21000]);
	EXPECT_EQ((uint8_t)(2499 - VNET_HDR_LEN), d.ram[0x22000 + 499]);
	EXPECT_EQ(1u, d.n->rx_frames);
	drv_done(&d);
}

/* Without MRG_RXBUF: one buffer per frame, num_buffers 1. */
TEST(rx_one_buffer_without_mergeable)
{
	uint8_t h[VNET_HDR_LEN];
	struct drv d;

	drv_init(&d, F(VIRTIO_NET_F_GUEST_CSUM));
	desc(&d, RXQ, 0, 0x20000, 4096, 2, 0);
	offer(&d, RXQ, 0);
	hdr(h, VNET_HDR_F_DATA_VALID, 0, 0, 0, 0, 0);
	tap_send(&d, h, 100);
	virtio_net_rx(d.n);
	ASSERT_EQ(1, used_idx(&d, RXQ));
	EXPECT_EQ(VNET_HDR_LEN + 100u, used_len(&d, RXQ, 0));
	EXPECT_EQ(1, rd16(&d, 0x20000 + 10));
	EXPECT_EQ(VNET_HDR_F_DATA_VALID, d.ram[0x20000]);	/* kept */
	drv_done(&d);
}

/*
 * The tap's header must fit what was negotiated (a frame queued under an
 * earlier driver's offloads): dropped, the buffers kept for the next. A
 * first mergeable buffer too small for the header drops the frame too.
 */
TEST(rx_drops_what_the_driver_cannot_take)
{
	uint8_t h[VNET_HDR_LEN];
	struct drv d;

	drv_init(&d, F(VIRTIO_NET_F_MRG_RXBUF));
	desc(&d, RXQ, 0, 0x20000, 4096, 2, 0);
	offer(&d, RXQ, 0);
	hdr(h, VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_TCPV4, 54, 1448, 34, 16);
	tap_send(&d, h, 3000);
	hdr(h, 0, 0, 0, 0, 0, 0);
	tap_send(&d, h, 60);
	virtio_net_rx(d.n);
	ASSERT_EQ(1, used_idx(&d, RXQ));
	EXPECT_EQ(VNET_HDR_LEN + 60u, used_len(&d, RXQ, 0));
	EXPECT_EQ(1u, d.n->rx_dropped);
	desc(&d, RXQ, 1, 0x21000, VNET_HDR_LEN - 2, 2, 0);
	offer(&d, RXQ, 1);
	tap_send(&d, h, 60);
	virtio_net_rx(d.n);
	ASSERT_EQ(2, used_idx(&d, RXQ));
	EXPECT_EQ(0u, used_len(&d, RXQ, 1));
	EXPECT_EQ(2u, d.n->rx_dropped);
	EXPECT_EQ(1u, d.n->rx_frames);
	drv_done(&d);
}

/* A frame larger than the whole ring's buffers is dropped, not waited for. */
TEST(rx_frame_larger_than_the_ring_is_dropped)
{
	uint8_t h[VNET_HDR_LEN];
	struct drv d;

	drv_init(&d, F(VIRTIO_NET_F_MRG_RXBUF));
	for (uint16_t i = 0; i < 16; i++) {
		desc(&d, RXQ, i, 0x20000 + 0x100 * i, 100, 2, 0);
		offer(&d, RXQ, i);
	}
	hdr(h, 0, 0, 0, 0, 0, 0);
	tap_send(&d, h, 1700);
	tap_send(&d, h, 50);
	virtio_net_rx(d.n);
	ASSERT_EQ(1, used_idx(&d, RXQ));
	EXPECT_EQ(VNET_HDR_LEN + 50u, used_len(&d, RXQ, 0));
	EXPECT_EQ(1u, d.n->rx_dropped);
	drv_done(&d);
}

/*
 * Event index: an empty pop asks for the next notify (avail_event), and
 * the device signals only once used_idx passes the driver's used_event.
 */
TEST(event_index_both_ways)
{
	struct virtq_chain *c = calloc(1, sizeof(*c));
	struct drv d;
	struct virtq *q;

	drv_init(&d, F(VIRTIO_RING_F_EVENT_IDX));
	q = &d.n->t.vq[TXQ];
	ASSERT_TRUE(q->event_idx);
	desc(&d, TXQ, 0, 0x10000, 64, 0, 0);
	offer(&d, TXQ, 0);
	offer(&d, TXQ, 0);
	ASSERT_EQ(1, virtq_pop(q, &d.m, c));
	/* Not empty yet: avail_event stays. */
	EXPECT_EQ(0, rd16(&d, ring(TXQ) + 0x2000 + 4 + 8 * 16));
	ASSERT_EQ(1, virtq_pop(q, &d.m, c));
	ASSERT_EQ(0, virtq_pop(q, &d.m, c));
	EXPECT_EQ(2, rd16(&d, ring(TXQ) + 0x2000 + 4 + 8 * 16));
	/* used_event (avail ring's last word) = 1: signal when idx passes 1. */
	memcpy(d.ram + ring(TXQ) + 0x1000 + 4 + 2 * 16, &(uint16_t){ 1 }, 2);
	virtq_push(q, &d.m, 0, 0);
	EXPECT_TRUE(virtq_need_signal(q, &d.m));	/* the first one */
	EXPECT_FALSE(virtq_need_signal(q, &d.m));	/* nothing new */
	virtq_push(q, &d.m, 0, 0);			/* idx 1 -> 2: passes 1 */
	EXPECT_TRUE(virtq_need_signal(q, &d.m));
	virtq_push(q, &d.m, 0, 0);			/* 2 -> 3: event still 1 */
	EXPECT_FALSE(virtq_need_signal(q, &d.m));
	memcpy(d.ram + ring(TXQ) + 0x1000 + 4 + 2 * 16, &(uint16_t){ 3 }, 2);
	virtq_push(q, &d.m, 0, 0);			/* 3 -> 4: passes 3 */
	EXPECT_TRUE(virtq_need_signal(q, &d.m));
	/* Without the feature: always, and avail_event untouched. */
	q->event_idx = false;
	memset(d.ram + ring(TXQ) + 0x2000 + 4 + 8 * 16, 0, 2);
	ASSERT_EQ(0, virtq_pop(q, &d.m, c));
	EXPECT_EQ(0, rd16(&d, ring(TXQ) + 0x2000 + 4 + 8 * 16));
	EXPECT_TRUE(virtq_need_signal(q, &d.m));
	EXPECT_TRUE(virtq_need_signal(q, &d.m));
	free(c);
	drv_done(&d);
}

TEST_HARNESS_MAIN
