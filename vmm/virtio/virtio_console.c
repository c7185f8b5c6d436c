// SPDX-License-Identifier: GPL-2.0
/*
 * Queue 0 (receiveq) holds guest buffers for host input; queue 1
 * (transmitq) carries guest output. No multiport, no size reporting.
 */
#include <string.h>

#include "virtio_console.h"

#define RXQ 0
#define TXQ 1

/* Both passes stay under the lock: they share c->chain, and are copies. */
static void deliver(struct virtio_console *c)
{
	bool was_full = c->in_len == VCON_INBUF;
	struct virtio_drain d;

	if (!c->in_len || !virtio_drain_begin(&d, &c->t, RXQ))
		return;
	while (c->in_len && virtio_drain_next(&d, &c->chain)) {
		uint64_t n = virtq_write(&c->chain, 0, c->in, c->in_len);

		memmove(c->in, c->in + n, c->in_len - n);
		c->in_len -= (unsigned int)n;
		virtio_drain_push(&d, c->chain.head, (uint32_t)n);
	}
	virtio_drain_end(&d);
	if (was_full && c->in_len < VCON_INBUF && c->room)
		c->room(c->ctx);
}

static void transmit(struct virtio_console *c)
{
	struct virtio_drain d;

	if (!virtio_drain_begin(&d, &c->t, TXQ))
		return;
	while (virtio_drain_next(&d, &c->chain)) {
		for (unsigned int i = 0; i < c->chain.n_read; i++)
			if (c->out)
				c->out(c->ctx, c->chain.seg[i].ptr,
				       c->chain.seg[i].len);
		virtio_drain_push(&d, c->chain.head, 0);
	}
	virtio_drain_end(&d);
}

void virtio_console_process(struct virtio_console *c)
{
	transmit(c);
	deliver(c);
}

static void con_notify(struct virtio_mmio *t, unsigned int q)
{
	(void)q;
	virtio_console_process(t->dev);
}

static void con_reset(struct virtio_mmio *t)
{
	struct virtio_console *c = t->dev;

	c->in_len = 0;
}

static const struct virtio_dev_ops con_ops = {
	.device_id = 3,
	.nr_queues = 2,
	.queue_max = VIRTQ_MAX_SIZE,
	.notify = con_notify,
	.reset = con_reset,
};

void virtio_console_attach(struct virtio_console *c, const struct guest_mem *mem,
			   struct irq_line irq,
			   void (*out)(void *ctx, const uint8_t *buf, size_t len),
			   void (*room)(void *ctx), void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->room = room;
	c->ctx = ctx;
	virtio_mmio_init(&c->t, &con_ops, c, mem, irq);
}

unsigned int virtio_console_room(const struct virtio_console *c)
{
	return VCON_INBUF - c->in_len;
}

unsigned int virtio_console_input(struct virtio_console *c, const uint8_t *buf,
				  unsigned int len)
{
	unsigned int n = len < VCON_INBUF - c->in_len ? len : VCON_INBUF - c->in_len;

	memcpy(c->in + c->in_len, buf, n);
	c->in_len += n;
	if (virtio_mmio_driver_ok(&c->t))
		deliver(c);
	return n;
}
