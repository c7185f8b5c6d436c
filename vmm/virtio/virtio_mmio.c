// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "../bus.h"
#include "virtio_mmio.h"

#define MAGIC		0x74726976	/* "virt" */
#define VENDOR		0x4f524956	/* "VIRO" */

#define ST_ACK		1
#define ST_DRIVER	2
#define ST_DRIVER_OK	4
#define ST_FEATURES_OK	8
#define ST_NEEDS_RESET	64
#define ST_FAILED	128

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev_ops *ops,
		      void *dev, const struct guest_mem *mem,
		      struct irq_line irq)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->dev = dev;
	t->mem = mem;
	t->irq = irq;
	t->features = ops->features;
}

uint64_t virtio_mmio_offered(const struct virtio_mmio *t)
{
	return t->features | 1ULL << VIRTIO_F_VERSION_1;
}

static void update_irq(struct virtio_mmio *t)
{
	irq_set(&t->irq, t->isr != 0);
}

void virtio_mmio_signal(struct virtio_mmio *t, unsigned int q)
{
	if (t->signal_hook && t->signal_hook(t->signal_ctx, q))
		return;
	t->isr |= 1;
	update_irq(t);
}

void virtio_mmio_signal_used(struct virtio_mmio *t, unsigned int q)
{
	if (q < VIRTIO_MAX_QUEUES && !virtq_need_signal(&t->vq[q], t->mem))
		return;
	virtio_mmio_signal(t, q);
}

void virtio_mmio_needs_reset(struct virtio_mmio *t)
{
	if (t->status & ST_NEEDS_RESET)
		return;
	t->status |= ST_NEEDS_RESET;
	if (!(t->status & ST_DRIVER_OK))
		return;		/* the driver reads the status before going live */
	if (t->signal_hook && t->signal_hook(t->signal_ctx, VIRTIO_SIGNAL_CONFIG))
		return;
	t->isr |= 2;
	update_irq(t);
}

int virtio_mmio_pop(struct virtio_mmio *t, unsigned int q,
		    struct virtq_chain *c)
{
	int r = virtq_pop(&t->vq[q], t->mem, c);

	if (r < 0)
		virtio_mmio_needs_reset(t);
	return r;
}

bool virtio_drain_begin(struct virtio_drain *d, struct virtio_mmio *t,
			unsigned int q)
{
	if (t->busy & (1u << q))
		return false;
	t->busy |= 1u << q;
	d->t = t;
	d->q = &t->vq[q];
	d->qi = q;
	d->left = t->vq[q].size;
	d->gen = t->gen;
	d->used = false;
	return true;
}

bool virtio_drain_next(struct virtio_drain *d, struct virtq_chain *c)
{
	struct virtio_mmio *t = d->t;

	/* After a reset while the lock was dropped: the new queue's chains. */
	d->gen = t->gen;
	if (!d->left) {
		if (virtq_has_avail(d->q, t->mem)) {
			t->deferred |= 1u << d->qi;
			if (t->defer)
				t->defer(t->defer_ctx);
		}
		return false;
	}
	d->left--;
	return virtio_mmio_pop(t, d->qi, c) == 1;
}

void virtio_drain_unlock(struct virtio_drain *d)
{
	if (d->t->unlock)
		d->t->unlock(d->t->lock_ctx);
}

void virtio_drain_relock(struct virtio_drain *d)
{
	if (d->t->relock)
		d->t->relock(d->t->lock_ctx);
}

void virtio_drain_push(struct virtio_drain *d, uint16_t head, uint32_t len)
{
	if (d->gen != d->t->gen || !d->q->ready)
		return;
	virtq_push(d->q, d->t->mem, head, len);
	d->used = true;
}

void virtio_drain_end(struct virtio_drain *d)
{
	d->t->busy &= ~(1u << d->qi);
	if (d->used && d->gen == d->t->gen)
		virtio_mmio_signal_used(d->t, d->qi);
}

void virtio_mmio_run_deferred(struct virtio_mmio *t)
{
	uint32_t q = t->deferred;

	t->deferred = 0;
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		if (q & (1u << i))
			virtio_mmio_notify(t, i);
}

bool virtio_mmio_driver_ok(const struct virtio_mmio *t)
{
	return (t->status & ST_DRIVER_OK) && !(t->status & ST_NEEDS_RESET);
}

static void reset(struct virtio_mmio *t)
{
	t->gen++;
	t->deferred = 0;
	t->status = 0;
	t->dev_features_sel = t->drv_features_sel = 0;
	t->driver_features = 0;
	t->queue_sel = 0;
	t->isr = 0;
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		virtq_reset(&t->vq[i]);
	if (t->ops->reset)
		t->ops->reset(t);
	update_irq(t);
}

void virtio_mmio_enable_queue(struct virtio_mmio *t, struct virtq *q)
{
	q->ready = virtq_valid(q, t->mem);
	q->event_idx = t->driver_features >> VIRTIO_RING_F_EVENT_IDX & 1;
	if (!q->ready)		/* bad ring setup: fail the device */
		virtio_mmio_needs_reset(t);
}

void virtio_mmio_notify(struct virtio_mmio *t, uint32_t q)
{
	if (q < t->ops->nr_queues && virtio_mmio_driver_ok(t) &&
	    t->vq[q].ready && t->ops->notify)
		t->ops->notify(t, q);
}

static struct virtq *cur_vq(struct virtio_mmio *t)
{
	return t->queue_sel < t->ops->nr_queues ? &t->vq[t->queue_sel] : NULL;
}

static uint32_t reg_read(struct virtio_mmio *t, uint64_t off)
{
	struct virtq *q = cur_vq(t);

	switch (off) {
	case 0x000:
		return MAGIC;
	case 0x004:
		return 2;
	case 0x008:
		return t->ops->device_id;
	case 0x00c:
		return VENDOR;
	case 0x010:
		return t->dev_features_sel > 1 ? 0 :
		       (uint32_t)(virtio_mmio_offered(t) >> (32 * t->dev_features_sel));
	case 0x034:
		return q ? t->ops->queue_max : 0;
	case 0x044:
		return q ? q->ready : 0;
	case 0x060:
		return t->isr;
	case 0x070:
		return t->status;
	case 0x0fc:
		return t->config_gen;
	default:
		return 0;
	}
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffULL) | (uint64_t)val << 32;
	else
		*v = (*v & ~0xffffffffULL) | val;
}

void virtio_mmio_set_status(struct virtio_mmio *t, uint32_t v)
{
	uint32_t old = t->status;

	if (v == 0) {
		reset(t);
		return;
	}
	if ((v & ST_FEATURES_OK) && !(t->status & ST_FEATURES_OK)) {
		/* Only offered features, and the modern interface is required. */
		if ((t->driver_features & ~virtio_mmio_offered(t)) ||
		    !(t->driver_features & (1ULL << VIRTIO_F_VERSION_1)))
			v &= ~ST_FEATURES_OK;
	}
	t->status = v & 0xff;
	if ((t->status & ST_DRIVER_OK) && !(old & ST_DRIVER_OK) &&
	    (t->status & ST_FEATURES_OK) && t->ops->driver_ok)
		t->ops->driver_ok(t);
}

static void reg_write(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtq *q = cur_vq(t);
	bool setup = !(t->status & ST_DRIVER_OK) && !(q && q->ready);

	switch (off) {
	case 0x014:
		t->dev_features_sel = v;
		break;
	case 0x020:
		if (t->drv_features_sel < 2 && !(t->status & ST_FEATURES_OK))
			set_half(&t->driver_features, t->drv_features_sel, v);
		break;
	case 0x024:
		t->drv_features_sel = v;
		break;
	case 0x030:
		t->queue_sel = v;
		break;
	case 0x038:
		if (q && !q->ready)
			q->size = v <= t->ops->queue_max ? (uint16_t)v : 0;
		break;
	case 0x044:
		if (!q)
			break;
		if (v && !q->ready)
			virtio_mmio_enable_queue(t, q);
		else if (!v)
			q->ready = false;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		virtio_mmio_notify(t, v);
		break;
	case 0x064:
		t->isr &= ~v;
		update_irq(t);
		break;
	case 0x070:
		virtio_mmio_set_status(t, v);
		break;
	case 0x080: case 0x084:
		if (q && setup)
			set_half(&q->desc, off == 0x084, v);
		break;
	case 0x090: case 0x094:
		if (q && setup)
			set_half(&q->avail, off == 0x094, v);
		break;
	case 0x0a0: case 0x0a4:
		if (q && setup)
			set_half(&q->used, off == 0x0a4, v);
		break;
	default:
		break;
	}
}

void virtio_mmio_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		    bool w)
{
	struct virtio_mmio *t = opaque;

	if (off >= 0x100) {
		off -= 0x100;
		if (off >= t->ops->config_len || size > t->ops->config_len - off ||
		    !t->ops->config) {
			if (!w)
				memset(d, 0, size);
			return;
		}
		t->ops->config(t, off, d, size, w);
		return;
	}
	/* Registers are 32 bits wide and aligned. */
	if (size != 4 || (off & 3)) {
		if (!w)
			memset(d, 0, size);
		return;
	}
	if (w)
		reg_write(t, off, bus_get(d, 4));
	else
		bus_put(d, 4, reg_read(t, off));
}
