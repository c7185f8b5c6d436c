// SPDX-License-Identifier: GPL-2.0
/*
 * Each frame carries the 12-byte virtio_net_hdr_v1 (all zero: no checksum
 * or segmentation offload is offered). Transmit runs on the notifying vCPU;
 * receive runs on the I/O thread when the tap is readable, one frame per
 * receive chain (no mergeable buffers). With a backend registered (vhost)
 * neither runs: from DRIVER_OK to the next reset the backend owns the
 * queues and the tap.
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

#define NET_F_MAC	5
#define HDR_LEN		VNET_HDR_LEN
#define RXQ		0
#define TXQ		1

static void net_config(struct virtio_mmio *t, uint64_t off, uint8_t *d,
		       unsigned int size, bool w)
{
	struct virtio_net *n = t->dev;

	if (!w)
		memcpy(d, n->mac + off, size);
}

void virtio_net_tx(struct virtio_net *n)
{
	struct virtio_drain d;

	if (!virtio_drain_begin(&d, &n->t, TXQ))
		return;
	while (virtio_drain_next(&d, &n->tx_chain)) {
		struct iovec iov[VIRTQ_MAX_SEGS];
		uint64_t skip = HDR_LEN;
		bool dropped;
		int cnt = 0;

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
		dropped = cnt && n->tap >= 0 && writev(n->tap, iov, cnt) < 0;
		virtio_drain_relock(&d);
		n->tx_dropped += dropped;
		n->tx_frames++;
		virtio_drain_push(&d, n->tx_chain.head, 0);
	}
	virtio_drain_end(&d);
}

/* Put the held frame into the next receive chain; false if none. */
static bool deliver(struct virtio_net *n)
{
	struct virtq *q = &n->t.vq[RXQ];
	uint8_t hdr[HDR_LEN] = { 0 };
	uint64_t len;

	if (virtio_mmio_pop(&n->t, RXQ, &n->chain) != 1)
		return false;
	hdr[10] = 1;			/* num_buffers */
	len = virtq_write(&n->chain, 0, hdr, HDR_LEN);
	len += virtq_write(&n->chain, HDR_LEN, n->frame, n->rx_len);
	virtq_push(q, n->t.mem, n->chain.head, (uint32_t)len);
	n->rx_frames++;
	return true;
}

void virtio_net_rx(struct virtio_net *n)
{
	bool used = false;

	if (n->be || !virtio_mmio_driver_ok(&n->t) || !n->t.vq[RXQ].ready)
		return;
	for (int i = 0; i < 64; i++) {
		if (!n->rx_waiting) {
			ssize_t r = read(n->tap, n->frame, sizeof(n->frame));

			if (r <= 0)
				break;
			n->rx_len = (size_t)r;
			n->rx_waiting = true;
		}
		if (!deliver(n))
			break;		/* wait for the guest to post buffers */
		n->rx_waiting = false;
		used = true;
	}
	if (used)
		virtio_mmio_signal(&n->t, RXQ);
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
			virtio_mmio_signal(&n->t, RXQ);
		}
		if (n->rx_ready)
			n->rx_ready(n->ctx);
	}
}

static void net_reset(struct virtio_mmio *t)
{
	struct virtio_net *n = t->dev;

	n->rx_waiting = false;
	if (n->be)
		n->be->stop(n->be_ctx);
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

	if (!n->be || !n->be->start(n->be_ctx, t, n->tap, err, sizeof(err)))
		return;
	/* No silent fallback: the guest sees a broken device, the user why. */
	virtio_mmio_needs_reset(t);
	if (n->fail)
		n->fail(n->ctx, err);
}

static const struct virtio_dev_ops net_ops = {
	.device_id = 1,
	.features = 1ULL << NET_F_MAC,
	.nr_queues = 2,
	.queue_max = VIRTQ_MAX_SIZE,
	.config_len = 6,
	.config = net_config,
	.notify = net_notify,
	.reset = net_reset,
	.driver_ok = net_driver_ok,
	.irq_changed = net_irq_changed,
};

int virtio_net_open(struct virtio_net *n, const char *name, bool vnet_hdr,
		    char *err, size_t errlen)
{
	int hdr_len = HDR_LEN;

	struct ifreq ifr;

	memset(n, 0, sizeof(*n));
	n->tap = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (n->tap < 0) {
		snprintf(err, errlen, "--net: /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
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
	if (vnet_hdr && ioctl(n->tap, TUNSETVNETHDRSZ, &hdr_len) < 0) {
		snprintf(err, errlen, "--net: tap %s: TUNSETVNETHDRSZ: %s", name,
			 strerror(errno));
		goto fail;
	}
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
}

void virtio_net_close(struct virtio_net *n)
{
	if (n->tap >= 0)
		close(n->tap);
	n->tap = -1;
}
