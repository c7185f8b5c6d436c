// SPDX-License-Identifier: GPL-2.0
/* virtio-pci modern transport; layouts from virtio 1.2, 4.1.3-4.1.4. */
#include <string.h>

#include "bus.h"
#include "virtio_pci.h"

#define NO_VECTOR	0xffff		/* VIRTIO_MSI_NO_VECTOR */
#define ST_DRIVER_OK	4
#define ST_FEATURES_OK	8

/* struct virtio_pci_common_cfg */
#define C_DFSELECT	0x00
#define C_DF		0x04
#define C_GFSELECT	0x08
#define C_GF		0x0c
#define C_MSIX		0x10
#define C_NUMQ		0x12
#define C_STATUS	0x14
#define C_CFGGEN	0x15
#define C_Q_SELECT	0x16
#define C_Q_SIZE	0x18
#define C_Q_MSIX	0x1a
#define C_Q_ENABLE	0x1c
#define C_Q_NOFF	0x1e
#define C_Q_DESC	0x20
#define C_Q_AVAIL	0x28
#define C_Q_USED	0x30

/* struct virtio_pci_cap: cap_len, cfg_type, bar, id, 2 pad, offset, length. */
#define CAP_BODY	14
#define CAP_BAR		4		/* offsets from the capability's start */
#define CAP_OFFSET	8
#define CAP_LENGTH	12
#define CAP_DATA	16		/* VIRTIO_PCI_CAP_PCI_CFG: pci_cfg_data */

static void intx(void *ctx, unsigned int irq, int level)
{
	(void)irq;
	pci_set_intx(ctx, level);
}

struct irq_line virtio_pci_irq(struct virtio_pci *vp)
{
	return (struct irq_line){ intx, &vp->pci, 0 };
}

static struct virtq *cur_vq(struct virtio_pci *vp)
{
	struct virtio_mmio *t = vp->t;

	return t->queue_sel < t->ops->nr_queues ? &t->vq[t->queue_sel] : NULL;
}

/* The common configuration structure as the driver reads it. */
static void common_image(struct virtio_pci *vp, uint8_t *img)
{
	struct virtio_mmio *t = vp->t;
	struct virtq *q = cur_vq(vp);
	uint64_t f = virtio_mmio_offered(t);

	memset(img, 0, VIRTIO_PCI_COMMON_LEN);
	bus_put(img + C_DFSELECT, 4, t->dev_features_sel);
	if (t->dev_features_sel < 2)
		bus_put(img + C_DF, 4, f >> (32 * t->dev_features_sel));
	bus_put(img + C_GFSELECT, 4, t->drv_features_sel);
	if (t->drv_features_sel < 2)
		bus_put(img + C_GF, 4,
			t->driver_features >> (32 * t->drv_features_sel));
	bus_put(img + C_MSIX, 2, NO_VECTOR);
	bus_put(img + C_NUMQ, 2, t->ops->nr_queues);
	img[C_STATUS] = (uint8_t)t->status;
	img[C_CFGGEN] = (uint8_t)t->config_gen;
	bus_put(img + C_Q_SELECT, 2, t->queue_sel);
	if (!q)
		return;				/* queue_size 0: no such queue */
	/* Until the driver picks a size, offer the largest. */
	bus_put(img + C_Q_SIZE, 2, q->size ? q->size : t->ops->queue_max);
	bus_put(img + C_Q_MSIX, 2, NO_VECTOR);
	bus_put(img + C_Q_ENABLE, 2, q->ready);
	bus_put(img + C_Q_NOFF, 2, t->queue_sel);
	bus_put(img + C_Q_DESC, 8, q->desc);
	bus_put(img + C_Q_AVAIL, 8, q->avail);
	bus_put(img + C_Q_USED, 8, q->used);
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffULL) | (uint64_t)val << 32;
	else
		*v = (*v & ~0xffffffffULL) | val;
}

/* One field write of the driver's natural width (64-bit ones as halves). */
static void common_write(struct virtio_pci *vp, uint64_t off,
			 unsigned int size, uint32_t v)
{
	struct virtio_mmio *t = vp->t;
	struct virtq *q = cur_vq(vp);
	/* Rings move only while the device is not live and q is disabled. */
	bool setup = q && !q->ready && !(t->status & ST_DRIVER_OK);

	if (off >= C_Q_DESC && off < C_Q_USED + 8) {
		if (setup && size == 4)
			set_half(off < C_Q_AVAIL ? &q->desc :
				 off < C_Q_USED ? &q->avail : &q->used,
				 off & 4, v);
		return;
	}
	switch (off | (uint64_t)size << 8) {
	case C_DFSELECT | 4 << 8:
		t->dev_features_sel = v;
		break;
	case C_GFSELECT | 4 << 8:
		t->drv_features_sel = v;
		break;
	case C_GF | 4 << 8:
		if (t->drv_features_sel < 2 && !(t->status & ST_FEATURES_OK))
			set_half(&t->driver_features, t->drv_features_sel, v);
		break;
	case C_STATUS | 1 << 8:
		virtio_mmio_set_status(t, v);
		break;
	case C_Q_SELECT | 2 << 8:
		t->queue_sel = v;
		break;
	case C_Q_SIZE | 2 << 8:
		if (q && !q->ready)
			q->size = v <= t->ops->queue_max ? (uint16_t)v : 0;
		break;
	case C_Q_ENABLE | 2 << 8:
		/* 1 enables; a queue is disabled only by a device reset. */
		if (q && v == 1 && !q->ready)
			virtio_mmio_enable_queue(t, q);
		break;
	default:			/* read-only fields, MSI-X vectors */
		break;
	}
}

static void common(struct virtio_pci *vp, uint64_t off, uint8_t *d,
		   unsigned int size, bool w)
{
	uint8_t img[VIRTIO_PCI_COMMON_LEN];

	if (off >= VIRTIO_PCI_COMMON_LEN || size > VIRTIO_PCI_COMMON_LEN - off)
		return;
	if (!w) {
		common_image(vp, img);
		memcpy(d, img + off, size);
	} else if (size == 8) {
		common_write(vp, off, 4, bus_get(d, 4));
		common_write(vp, off + 4, 4, bus_get(d + 4, 4));
	} else {
		common_write(vp, off, size, bus_get(d, size));
	}
}

void virtio_pci_bar(void *opaque, unsigned int bar, uint64_t off,
		    uint8_t *d, unsigned int size, bool w)
{
	struct virtio_pci *vp = opaque;
	struct virtio_mmio *t = vp->t;

	if (!w)
		memset(d, 0, size);
	if (bar != 0 || off >= VIRTIO_PCI_BAR_SIZE ||
	    size > VIRTIO_PCI_BAR_SIZE - off)
		return;
	if (off < VIRTIO_PCI_ISR) {
		common(vp, off - VIRTIO_PCI_COMMON, d, size, w);
	} else if (off < VIRTIO_PCI_DEVICE) {
		/* Reading the ISR byte returns and clears it. */
		if (off == VIRTIO_PCI_ISR && !w) {
			d[0] = (uint8_t)t->isr;
			t->isr = 0;
			irq_set(&t->irq, 0);
		}
	} else if (off < VIRTIO_PCI_NOTIFY) {
		off -= VIRTIO_PCI_DEVICE;
		if (t->ops->config && off < t->ops->config_len &&
		    size <= t->ops->config_len - off)
			t->ops->config(t, off, d, size, w);
	} else if (w) {
		off -= VIRTIO_PCI_NOTIFY;
		if (off % VIRTIO_PCI_NOTIFY_MULT == 0)
			virtio_mmio_notify(t, (uint32_t)(off / VIRTIO_PCI_NOTIFY_MULT));
	}
}

/*
 * VIRTIO_PCI_CAP_PCI_CFG: the driver sets bar, offset and length, then
 * reads or writes pci_cfg_data for a BAR access of that length.
 */
static bool window(struct virtio_pci *vp, unsigned int off, unsigned int size,
		   uint32_t *bar_off, unsigned int *len)
{
	const uint8_t *c = vp->pci.cfg + vp->cfg_cap;
	unsigned int data = vp->cfg_cap + CAP_DATA;

	if (!vp->cfg_cap || off >= data + 4 || off + size <= data)
		return false;
	*bar_off = bus_get(c + CAP_OFFSET, 4);
	*len = bus_get(c + CAP_LENGTH, 4);
	return c[CAP_BAR] == 0 && (*len == 1 || *len == 2 || *len == 4) &&
	       *bar_off % *len == 0 && *bar_off < VIRTIO_PCI_BAR_SIZE;
}

static void cfg_read(void *opaque, unsigned int off, unsigned int size)
{
	struct virtio_pci *vp = opaque;
	uint8_t *data = vp->pci.cfg + vp->cfg_cap + CAP_DATA;
	uint32_t bar_off;
	unsigned int len;

	if (window(vp, off, size, &bar_off, &len)) {
		memset(data, 0, 4);
		virtio_pci_bar(vp, 0, bar_off, data, len, false);
	}
}

static void cfg_written(void *opaque, unsigned int off, unsigned int size)
{
	struct virtio_pci *vp = opaque;
	uint32_t bar_off;
	unsigned int len;

	if (window(vp, off, size, &bar_off, &len))
		virtio_pci_bar(vp, 0, bar_off,
			       vp->pci.cfg + vp->cfg_cap + CAP_DATA, len, true);
}

static unsigned int add_cap(struct virtio_pci *vp, uint8_t type,
			    uint32_t offset, uint32_t length,
			    const uint8_t *extra, unsigned int extra_len)
{
	uint8_t body[CAP_BODY + 4] = { 0 };

	body[0] = (uint8_t)(2 + CAP_BODY + extra_len);	/* cap_len */
	body[1] = type;
	body[2] = 0;					/* BAR 0 */
	bus_put(body + CAP_OFFSET - 2, 4, offset);
	bus_put(body + CAP_LENGTH - 2, 4, length);
	if (extra_len)
		memcpy(body + CAP_BODY, extra, extra_len);
	return pci_dev_cap(&vp->pci, 0x09, body, CAP_BODY + extra_len);
}

void virtio_pci_init(struct virtio_pci *vp, struct virtio_mmio *t,
		     uint32_t class_code)
{
	const struct virtio_dev_ops *ops = t->ops;
	uint8_t mult[4], zero[4] = { 0 };
	unsigned int c;

	vp->t = t;
	pci_dev_init(&vp->pci, VIRTIO_PCI_VENDOR,
		     (uint16_t)(VIRTIO_PCI_DEVICE_BASE + ops->device_id),
		     class_code, 1, VIRTIO_PCI_VENDOR,
		     (uint16_t)ops->device_id);
	pci_dev_bar(&vp->pci, 0, VIRTIO_PCI_BAR_SIZE, false);
	vp->pci.bar_access = virtio_pci_bar;
	vp->pci.cfg_read = cfg_read;
	vp->pci.cfg_written = cfg_written;
	vp->pci.opaque = vp;

	add_cap(vp, VIRTIO_PCI_CAP_COMMON, VIRTIO_PCI_COMMON,
		VIRTIO_PCI_COMMON_LEN, NULL, 0);
	bus_put(mult, 4, VIRTIO_PCI_NOTIFY_MULT);
	add_cap(vp, VIRTIO_PCI_CAP_NOTIFY, VIRTIO_PCI_NOTIFY,
		VIRTIO_PCI_NOTIFY_MULT * ops->nr_queues, mult, 4);
	add_cap(vp, VIRTIO_PCI_CAP_ISR, VIRTIO_PCI_ISR, 1, NULL, 0);
	if (ops->config_len)
		add_cap(vp, VIRTIO_PCI_CAP_DEVICE, VIRTIO_PCI_DEVICE,
			ops->config_len, NULL, 0);
	c = add_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, zero, 4);
	/* bar, offset, length and the data window are the driver's. */
	vp->pci.wmask[c + CAP_BAR] = 0xff;
	memset(vp->pci.wmask + c + CAP_OFFSET, 0xff, 12);
	vp->cfg_cap = c;
}
