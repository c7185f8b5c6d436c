// SPDX-License-Identifier: GPL-2.0
/*
 * Each frame carries the 12-byte virtio_net_hdr_v1, which the tap
 * (IFF_VNET_HDR) reads and writes too: checksum and TCP segmentation
 * offloads pass between the guest and the host's stack as they are. The
 * guest's header is checked against the negotiated features before the
 * tap sees it; the tap's receive offloads (TUNSETOFFLOAD) are set at
 * DRIVER_OK to what the driver accepted, and taken back at reset.
 * Transmit runs on the notifying vCPU; receive runs on the I/O thread when
 * the tap is readable, a frame per receive chain or, with MRG_RXBUF, over
 * as many as it takes. With a backend registered (vhost) neither runs:
 * from DRIVER_OK to the next reset the backend owns the queues and the
 * tap, which it reads and writes with the same header.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>

#include "virtio_net.h"

#define HDR_LEN		VNET_HDR_LEN
#define RXQ		0
#define TXQ		1
#define BIT(f)		(1ULL << (f))
#define HAS(feat, f)	(((feat) >> (f)) & 1)

/* The header's fields (little-endian: VERSION_1). */
#define H_FLAGS		0
#define H_GSO_TYPE	1
#define H_HDR_LEN	2
#define H_GSO_SIZE	4
#define H_CSUM_START	6
#define H_CSUM_OFF	8
#define H_NUM_BUFFERS	10

static unsigned int le16(const uint8_t *p)
{
	return p[0] | (unsigned int)p[1] << 8;
}

static void net_config(struct virtio_mmio *t, uint64_t off, uint8_t *d,
		       unsigned int size, bool w)
{
	struct virtio_net *n = t->dev;

	if (!w)
		memcpy(d, n->mac + off, size);
}

/*
 * The checksum request must lie in the frame: the tap checks it too, but
 * what reaches it from here was checked once, on our copy.
 */
static bool csum_ok(const uint8_t *h, uint64_t frame_len)
{
	return le16(h + H_CSUM_START) + (uint64_t)le16(h + H_CSUM_OFF) + 2 <=
	       frame_len;
}

/* virtio 1.2, 5.1.6.2: what a driver may put in a transmitted header. */
bool virtio_net_tx_hdr_ok(const uint8_t hdr[VNET_HDR_LEN], uint64_t features,
			  uint64_t frame_len)
{
	unsigned int gso = hdr[H_GSO_TYPE];

	if (!frame_len || frame_len > VNET_FRAME_MAX)
		return false;
	if (hdr[H_FLAGS] & ~VNET_HDR_F_NEEDS_CSUM)
		return false;		/* DATA_VALID, RSC_INFO: receive only */
	if (hdr[H_FLAGS] & VNET_HDR_F_NEEDS_CSUM &&
	    (!HAS(features, VIRTIO_NET_F_CSUM) || !csum_ok(hdr, frame_len)))
		return false;
	if (gso == VNET_HDR_GSO_NONE)
		return true;
	/* UDP and ECN are not offered; TSO needs its feature and a checksum. */
	if (!(gso == VNET_HDR_GSO_TCPV4 && HAS(features, VIRTIO_NET_F_HOST_TSO4)) &&
	    !(gso == VNET_HDR_GSO_TCPV6 && HAS(features, VIRTIO_NET_F_HOST_TSO6)))
		return false;
	return hdr[H_FLAGS] & VNET_HDR_F_NEEDS_CSUM &&
	       le16(hdr + H_GSO_SIZE) != 0 &&
	       le16(hdr + H_HDR_LEN) <= frame_len;
}

/* virtio 1.2, 5.1.6.3: what the device may tell this driver. */
bool virtio_net_rx_hdr_ok(const uint8_t hdr[VNET_HDR_LEN], uint64_t features,
			  uint64_t frame_len)
{
	unsigned int gso = hdr[H_GSO_TYPE];

	if (hdr[H_FLAGS] & ~(VNET_HDR_F_NEEDS_CSUM | VNET_HDR_F_DATA_VALID))
		return false;
	if (hdr[H_FLAGS] & VNET_HDR_F_NEEDS_CSUM &&
	    (!HAS(features, VIRTIO_NET_F_GUEST_CSUM) || !csum_ok(hdr, frame_len)))
		return false;
	if (gso == VNET_HDR_GSO_NONE)
		return true;
	return ((gso == VNET_HDR_GSO_TCPV4 && HAS(features, VIRTIO_NET_F_GUEST_TSO4)) ||
		(gso == VNET_HDR_GSO_TCPV6 && HAS(features, VIRTIO_NET_F_GUEST_TSO6))) &&
	       hdr[H_FLAGS] & VNET_HDR_F_NEEDS_CSUM && le16(hdr + H_GSO_SIZE) != 0;
}

unsigned int virtio_net_tap_offloads(uint64_t features)
{
	unsigned int o = 0;

	/* The tap segments only what it also checksums. */
	if (!HAS(features, VIRTIO_NET_F_GUEST_CSUM))
		return 0;
	o |= TUN_F_CSUM;
	if (HAS(features, VIRTIO_NET_F_GUEST_TSO4))
		o |= TUN_F_TSO4;
	if (HAS(features, VIRTIO_NET_F_GUEST_TSO6))
		o |= TUN_F_TSO6;
	return o;
}

void virtio_net_tx(struct virtio_net *n)
{
	struct virtio_drain d;

	if (!virtio_drain_begin(&d, &n->t, TXQ))
		return;
	while (virtio_drain_next(&d, &n->tx_chain)) {
		struct iovec iov[1 + VIRTQ_MAX_SEGS];
		uint8_t hdr[HDR_LEN];
		uint64_t skip = HDR_LEN;
		bool dropped;
		int cnt = 1;

		/* One copy of the guest's header: checked, then sent. */
		if (virtq_read(&n->tx_chain, 0, hdr, HDR_LEN) != HDR_LEN ||
		    !virtio_net_tx_hdr_ok(hdr, n->t.driver_features,
					  n->tx_chain.read_len - HDR_LEN)) {
			n->tx_bad++;
			virtio_drain_push(&d, n->tx_chain.head, 0);
			continue;
		}
		hdr[H_NUM_BUFFERS] = hdr[H_NUM_BUFFERS + 1] = 0;
		n->tx_gso += hdr[H_GSO_TYPE] != VNET_HDR_GSO_NONE;
		iov[0].iov_base = hdr;
		iov[0].iov_len = HDR_LEN;
		for (unsigned int i = 0; i < n->tx_chain.n_read; i++) {
			struct virtq_seg *s = &n->tx_chain.seg[i];

			if (skip >= s->len) {
				skip -= s->len;
				continue;
			}
			iov[cnt].iov_base = s->ptr + skip;
			iov[cnt].iov_len = s->len - skip;
			skip = 0;
			cnt++;
		}
		/* A failed write drops the frame, as a busy wire would. */
		virtio_drain_unlock(&d);
		dropped = n->tap >= 0 && writev(n->tap, iov, cnt) < 0;
		virtio_drain_relock(&d);
		n->tx_dropped += dropped;
		n->tx_frames++;
		virtio_drain_push(&d, n->tx_chain.head, 0);
	}
	virtio_drain_end(&d);
}

/*
 * The held frame (the tap's header, then rx_len bytes) into receive
 * buffers: one chain, or with MRG_RXBUF as many as it takes, returned
 * together with their count in the first one's header. False if the
 * driver has not posted enough; the frame is kept for its next notify.
 */
static bool deliver(struct virtio_net *n)
{
	struct virtq *q = &n->t.vq[RXQ];
	uint64_t f = n->t.driver_features;
	uint64_t total = HDR_LEN + n->rx_len, off = 0;
	uint8_t *hdr = n->frame;
	unsigned int count = 0;

	if (!HAS(f, VIRTIO_NET_F_GUEST_CSUM))
		hdr[H_FLAGS] &= ~VNET_HDR_F_DATA_VALID;
	if (virtio_mmio_pop(&n->t, RXQ, &n->chain) != 1)
		return false;
	if (!HAS(f, VIRTIO_NET_F_MRG_RXBUF)) {
		hdr[H_NUM_BUFFERS] = 1;
		hdr[H_NUM_BUFFERS + 1] = 0;
		n->rx_head[0] = n->chain.head;
		n->rx_used[0] = (uint32_t)virtq_write(&n->chain, 0, hdr, total);
		count = 1;
	} else if (n->chain.write_len < HDR_LEN) {
		/* The header must fit the first buffer (virtio 1.2, 5.1.6.4). */
		n->rx_head[0] = n->chain.head;
		n->rx_used[0] = 0;
		n->rx_dropped++;
		virtq_push_batch(q, n->t.mem, n->rx_head, n->rx_used, 1);
		return true;
	} else {
		struct virtq_chain *c = &n->chain;

		for (;;) {
			/* Each chain takes the next part from its own start. */
			uint64_t w = virtq_write(c, 0, hdr + off, total - off);

			n->rx_head[count] = c->head;
			n->rx_used[count] = (uint32_t)w;
			count++;
			off += w;
			if (off >= total)
				break;
			c = &n->more;
			if (count == q->size) {
				/* The whole ring would not hold it: drop it. */
				q->last_avail = (uint16_t)(q->last_avail - count);
				n->rx_dropped++;
				return true;
			}
			if (virtio_mmio_pop(&n->t, RXQ, c) != 1) {
				/* Not enough yet: give the chains back unused. */
				q->last_avail = (uint16_t)(q->last_avail - count);
				return false;
			}
		}
		/* Written in place: the first chain holds the header. */
		virtq_write(&n->chain, H_NUM_BUFFERS,
			    (uint8_t[2]){ (uint8_t)count, (uint8_t)(count >> 8) }, 2);
	}
	virtq_push_batch(q, n->t.mem, n->rx_head, n->rx_used, count);
	n->rx_frames++;
	n->rx_gso += hdr[H_GSO_TYPE] != VNET_HDR_GSO_NONE;
	n->rx_merged += count > 1;
	return true;
}

/* The tap's frame, read into n->frame; false when there is none. */
static bool rx_read(struct virtio_net *n)
{
	for (;;) {
		ssize_t r = read(n->tap, n->frame, sizeof(n->frame));

		if (r <= 0)
			return false;
		if (r < HDR_LEN) {
			n->rx_dropped++;
			continue;
		}
		n->rx_len = (size_t)r - HDR_LEN;
		if (virtio_net_rx_hdr_ok(n->frame, n->t.driver_features, n->rx_len))
			return true;
		n->rx_dropped++;	/* offloads of an earlier negotiation */
	}
}

void virtio_net_rx(struct virtio_net *n)
{
	bool used = false;

	if (n->be || !virtio_mmio_driver_ok(&n->t) || !n->t.vq[RXQ].ready)
		return;
	for (int i = 0; i < 64; i++) {
		if (!n->rx_waiting) {
			if (!rx_read(n))
				break;
			n->rx_waiting = true;
		}
		if (!deliver(n))
			break;		/* wait for the guest to post buffers */
		n->rx_waiting = false;
		used = true;
	}
	if (used)
		virtio_mmio_signal_used(&n->t, RXQ);
}

/*
 * Only with a receive buffer to put a frame in: a readable tap would
 * otherwise wake the I/O thread again and again. The driver's notify on
 * the receive queue (rx_ready) has it look again.
 */
bool virtio_net_want_rx(const struct virtio_net *n)
{
	return n->tap >= 0 && !n->be && virtio_mmio_driver_ok(&n->t) &&
	       !n->rx_waiting &&
	       virtq_has_avail(&n->t.vq[RXQ], n->t.mem);
}

static void net_notify(struct virtio_mmio *t, unsigned int q)
{
	struct virtio_net *n = t->dev;

	if (n->be) {
		n->be->kick(n->be_ctx, q);
		return;
	}
	if (q == TXQ) {
		virtio_net_tx(n);
	} else if (q == RXQ) {
		if (n->rx_waiting && deliver(n)) {
			n->rx_waiting = false;
			virtio_mmio_signal_used(&n->t, RXQ);
		}
		if (n->rx_ready)
			n->rx_ready(n->ctx);
	}
}

/* The tap's receive offloads: what the driver accepted, or none. */
static int set_offloads(struct virtio_net *n, uint64_t features)
{
	unsigned int o = virtio_net_tap_offloads(features) & n->tap_offloads;

	if (!n->tap_offloads)
		return 0;	/* offers none: nothing to take back either */
	return ioctl(n->tap, TUNSETOFFLOAD, (unsigned long)o);
}

static void net_reset(struct virtio_mmio *t)
{
	struct virtio_net *n = t->dev;

	n->rx_waiting = false;
	if (n->be)
		n->be->stop(n->be_ctx);
	/* The next driver may take fewer: the tap then does the work. */
	set_offloads(n, 0);
}

static void net_irq_changed(struct virtio_mmio *t)
{
	struct virtio_net *n = t->dev;

	if (n->be && n->be->irq_changed)
		n->be->irq_changed(n->be_ctx, t);
}

static void net_driver_ok(struct virtio_mmio *t)
{
	struct virtio_net *n = t->dev;
	char err[256];

	if (set_offloads(n, t->driver_features) < 0)
		snprintf(err, sizeof(err), "virtio-net: TUNSETOFFLOAD: %s",
			 strerror(errno));
	else if (!n->be || !n->be->start(n->be_ctx, t, n->tap, err, sizeof(err)))
		return;
	/* No silent fallback: the guest sees a broken device, the user why. */
	virtio_mmio_needs_reset(t);
	if (n->fail)
		n->fail(n->ctx, err);
}

static const struct virtio_dev_ops net_ops = {
	.device_id = 1,
	/*
	 * What the VMM's own data path does; virtio_net_attach() takes the
	 * receive offloads away when the tap refuses them, a backend what it
	 * lacks (vhost_net_register()).
	 */
	.features = BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_CSUM) |
		    BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6) |
		    BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_GUEST_TSO4) |
		    BIT(VIRTIO_NET_F_GUEST_TSO6) | BIT(VIRTIO_NET_F_MRG_RXBUF) |
		    BIT(VIRTIO_RING_F_EVENT_IDX),
	.nr_queues = 2,
	.queue_max = VIRTQ_MAX_SIZE,
	.config_len = 6,
	.config = net_config,
	.notify = net_notify,
	.reset = net_reset,
	.driver_ok = net_driver_ok,
	.irq_changed = net_irq_changed,
};

int virtio_net_open(struct virtio_net *n, const char *name, char *err,
		    size_t errlen)
{
	unsigned int all = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	int hdr_len = HDR_LEN;
	struct ifreq ifr;

	memset(n, 0, sizeof(*n));
	n->tap = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (n->tap < 0) {
		snprintf(err, errlen, "--net: /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (strlen(name) >= sizeof(ifr.ifr_name)) {
		snprintf(err, errlen, "--net: tap name too long");
		goto fail;
	}
	strcpy(ifr.ifr_name, name);
	if (ioctl(n->tap, TUNSETIFF, &ifr) < 0) {
		snprintf(err, errlen, "--net: tap %s: %s", name, strerror(errno));
		goto fail;
	}
	/* The tap's default header is the legacy 10 bytes; VERSION_1's is 12. */
	if (ioctl(n->tap, TUNSETVNETHDRSZ, &hdr_len) < 0) {
		snprintf(err, errlen, "--net: tap %s: TUNSETVNETHDRSZ: %s", name,
			 strerror(errno));
		goto fail;
	}
	/* Receive offloads if the tap takes them; none until a driver does. */
	if (ioctl(n->tap, TUNSETOFFLOAD, (unsigned long)all) == 0)
		n->tap_offloads = all;
	if (ioctl(n->tap, TUNSETOFFLOAD, 0UL) < 0)
		n->tap_offloads = 0;
	/* A locally administered address: 52:54:00 + the tap's name hash. */
	n->mac[0] = 0x52;
	n->mac[1] = 0x54;
	for (const char *p = name; *p; p++)
		n->mac[2 + (p - name) % 4] ^= (uint8_t)*p;
	return 0;
fail:
	close(n->tap);
	n->tap = -1;
	return -1;
}

void virtio_net_attach(struct virtio_net *n, const struct guest_mem *mem,
		       struct irq_line irq, void (*rx_ready)(void *ctx),
		       void *ctx)
{
	n->rx_ready = rx_ready;
	n->ctx = ctx;
	virtio_mmio_init(&n->t, &net_ops, n, mem, irq);
	if (!(n->tap_offloads & TUN_F_CSUM))
		n->t.features &= ~(BIT(VIRTIO_NET_F_GUEST_CSUM) |
				   BIT(VIRTIO_NET_F_GUEST_TSO4) |
				   BIT(VIRTIO_NET_F_GUEST_TSO6));
	if (!(n->tap_offloads & TUN_F_TSO4))
		n->t.features &= ~BIT(VIRTIO_NET_F_GUEST_TSO4);
	if (!(n->tap_offloads & TUN_F_TSO6))
		n->t.features &= ~BIT(VIRTIO_NET_F_GUEST_TSO6);
}

void virtio_net_close(struct virtio_net *n)
{
	if (n->tap >= 0)
		close(n->tap);
	n->tap = -1;
}
