// SPDX-License-Identifier: GPL-2.0
/* virtio-pci modern transport; layouts from virtio 1.2, 4.1.3-4.1.4. */
#include <string.h>

#include "../bus.h"
#include "virtio_pci.h"

#define NO_VECTOR	VIRTIO_PCI_NO_VECTOR	/* VIRTIO_MSI_NO_VECTOR */
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

/* The MSI-X capability (PCI Local Bus 3.0, 6.8.2): message control. */
#define PCI_CAP_MSIX	0x11
#define MSIX_CTRL	2
#define MSIX_ENABLE	0x8000
#define MSIX_MASKALL	0x4000
#define MSIX_ENTRY_MASKED 1u		/* vector control bit 0 */

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
	bus_put(img + C_MSIX, 2, vp->config_vector);
	bus_put(img + C_NUMQ, 2, t->ops->nr_queues);
	img[C_STATUS] = (uint8_t)t->status;
	img[C_CFGGEN] = (uint8_t)t->config_gen;
	bus_put(img + C_Q_SELECT, 2, t->queue_sel);
	if (!q)
		return;				/* queue_size 0: no such queue */
	/* Until the driver picks a size, offer the largest. */
	bus_put(img + C_Q_SIZE, 2, q->size ? q->size : t->ops->queue_max);
	bus_put(img + C_Q_MSIX, 2, vp->queue_vector[t->queue_sel]);
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

static void reset_vectors(struct virtio_pci *vp)
{
	vp->config_vector = NO_VECTOR;
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vp->queue_vector[i] = NO_VECTOR;
}

/* What the irqfd hook (msix_irqfd) answers may have changed: the live device hears of it. */
static void irq_changed(struct virtio_pci *vp)
{
	struct virtio_mmio *t = vp->t;

	if (t->irqfd_hook && t->ops->irq_changed && virtio_mmio_driver_ok(t))
		t->ops->irq_changed(t);
}

/* A vector the driver asks for: one of the table's, else NO_VECTOR. */
static uint16_t vector(const struct virtio_pci *vp, uint32_t v)
{
	return v < vp->msix_n ? (uint16_t)v : NO_VECTOR;
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
		if (!v)
			reset_vectors(vp);
		break;
	case C_MSIX | 2 << 8:
		vp->config_vector = vector(vp, v);
		break;
	case C_Q_MSIX | 2 << 8:
		if (q)
			vp->queue_vector[t->queue_sel] = vector(vp, v);
		irq_changed(vp);
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
	default:			/* read-only fields */
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

/* MSI-X: message control's enable and function mask bits. */
static uint16_t msix_ctrl(const struct virtio_pci *vp)
{
	return (uint16_t)bus_get(vp->pci.cfg + vp->msix_cap + MSIX_CTRL, 2);
}

/* Vector v's message, or its pending bit while it is masked. */
static void msix_fire(struct virtio_pci *vp, unsigned int v)
{
	const uint32_t *e = vp->msix_table[v];

	if ((msix_ctrl(vp) & MSIX_MASKALL) || (e[3] & MSIX_ENTRY_MASKED)) {
		vp->msix_pending |= 1u << v;
		return;
	}
	vp->msix_pending &= ~(1u << v);
	if (vp->msi)
		vp->msi(vp->msi_ctx, v, (uint64_t)e[1] << 32 | e[0], e[2]);
}

/* Pending vectors whose mask went away: send them now. */
static void msix_unmasked(struct virtio_pci *vp)
{
	for (unsigned int v = 0; v < vp->msix_n; v++)
		if (vp->msix_pending & (1u << v))
			msix_fire(vp, v);
}

/*
 * virtio_mmio's signal hook: with MSI-X enabled, queue q's vector, or for
 * a configuration change config_vector.
 */
static bool msix_signal(void *ctx, unsigned int q)
{
	struct virtio_pci *vp = ctx;
	uint16_t v;

	if (!(msix_ctrl(vp) & MSIX_ENABLE))
		return false;
	if (q == VIRTIO_SIGNAL_CONFIG)
		v = vp->config_vector;
	else
		v = q < VIRTIO_MAX_QUEUES ? vp->queue_vector[q] : NO_VECTOR;
	if (v < vp->msix_n)
		msix_fire(vp, v);
	return true;
}

/*
 * virtio_mmio's irqfd hook: queue q's vector's irqfd while MSI-X is on and
 * the vector unmasked; else -1, and its interrupts go through msix_fire.
 */
static int msix_irqfd(void *ctx, unsigned int q)
{
	struct virtio_pci *vp = ctx;
	const uint32_t *e;
	uint16_t v;

	if (!vp->msi_irqfd || q >= VIRTIO_MAX_QUEUES ||
	    (msix_ctrl(vp) & (MSIX_ENABLE | MSIX_MASKALL)) != MSIX_ENABLE)
		return -1;
	v = vp->queue_vector[q];
	if (v >= vp->msix_n)
		return -1;
	e = vp->msix_table[v];
	if (e[3] & MSIX_ENTRY_MASKED)
		return -1;
	return vp->msi_irqfd(vp->msi_ctx, v, (uint64_t)e[1] << 32 | e[0], e[2]);
}

/* BAR 1: the table (dword or aligned qword accesses), then the PBA. */
static void msix_bar(struct virtio_pci *vp, uint64_t off, uint8_t *d,
		     unsigned int size, bool w)
{
	if ((size != 4 && size != 8) || off % size)
		return;
	if (off >= VIRTIO_PCI_MSIX_PBA) {
		if (!w && off == VIRTIO_PCI_MSIX_PBA)
			bus_put(d, 4, vp->msix_pending);
		return;
	}
	for (unsigned int i = 0; i < size; i += 4, off += 4) {
		unsigned int v = (unsigned int)(off / 16), word = (off % 16) / 4;

		if (v >= vp->msix_n)
			return;
		if (!w) {
			bus_put(d + i, 4, vp->msix_table[v][word]);
			continue;
		}
		/* Vector control: only the mask bit is writable. */
		vp->msix_table[v][word] = word == 3 ?
			bus_get(d + i, 4) & MSIX_ENTRY_MASKED : bus_get(d + i, 4);
		if (word == 3)
			msix_unmasked(vp);
	}
	if (w)
		irq_changed(vp);
}

void virtio_pci_bar(void *opaque, unsigned int bar, uint64_t off,
		    uint8_t *d, unsigned int size, bool w)
{
	struct virtio_pci *vp = opaque;
	struct virtio_mmio *t = vp->t;

	if (!w)
		memset(d, 0, size);
	if (bar == VIRTIO_PCI_MSIX_BAR && vp->msix_cap) {
		msix_bar(vp, off, d, size, w);
		return;
	}
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

/* Where the notify structure decodes now (see notify_base). */
static uint64_t notify_at(const struct virtio_pci *vp)
{
	uint16_t cmd = (uint16_t)bus_get(vp->pci.cfg + PCI_COMMAND, 2);
	uint64_t bar = pci_bar_addr(&vp->pci, 0);

	if (!(cmd & PCI_CMD_MEM) || bar < PCI_MMIO_BASE ||
	    bar + VIRTIO_PCI_BAR_SIZE > PCI_MMIO_BASE + PCI_MMIO_SIZE)
		return 0;
	return bar + VIRTIO_PCI_NOTIFY;
}

static void cfg_written(void *opaque, unsigned int off, unsigned int size)
{
	struct virtio_pci *vp = opaque;
	uint64_t notify = notify_at(vp);
	uint32_t bar_off;
	unsigned int len;

	/* BAR 0 moved, or memory decode went on or off. */
	if (notify != vp->notify_base) {
		vp->notify_base = notify;
		if (vp->notify_moved)
			vp->notify_moved(vp->notify_ctx, notify);
	}

	/* Message control: enabling or unmasking sends what is pending. */
	if (vp->msix_cap && off < vp->msix_cap + MSIX_CTRL + 2 &&
	    off + size > vp->msix_cap + MSIX_CTRL) {
		msix_unmasked(vp);
		irq_changed(vp);
	}

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
	vp->msix_cap = vp->msix_n = 0;
	vp->msix_pending = 0;
	vp->msi = NULL;
	vp->msi_irqfd = NULL;
	vp->notify_base = 0;
	vp->notify_moved = NULL;
	reset_vectors(vp);
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

void virtio_pci_msix(struct virtio_pci *vp,
		     void (*msi)(void *ctx, unsigned int vector, uint64_t addr,
				 uint32_t data),
		     void *ctx)
{
	uint8_t body[10];
	unsigned int c;

	vp->msix_n = vp->t->ops->nr_queues + 1;
	/* Message control: table size - 1; table and PBA in BAR 1. */
	bus_put(body, 2, vp->msix_n - 1);
	bus_put(body + 2, 4, 0 | VIRTIO_PCI_MSIX_BAR);
	bus_put(body + 6, 4, VIRTIO_PCI_MSIX_PBA | VIRTIO_PCI_MSIX_BAR);
	c = pci_dev_cap(&vp->pci, PCI_CAP_MSIX, body, sizeof(body));
	if (!c || pci_dev_bar(&vp->pci, VIRTIO_PCI_MSIX_BAR,
			      VIRTIO_PCI_MSIX_BAR_SIZE, false))
		return;
	vp->pci.wmask[c + MSIX_CTRL + 1] = (MSIX_ENABLE | MSIX_MASKALL) >> 8;
	for (unsigned int v = 0; v < vp->msix_n; v++) {
		memset(vp->msix_table[v], 0, sizeof(vp->msix_table[v]));
		vp->msix_table[v][3] = MSIX_ENTRY_MASKED;
	}
	vp->msix_cap = c;
	vp->msi = msi;
	vp->msi_ctx = ctx;
	vp->t->signal_hook = msix_signal;
	vp->t->signal_ctx = vp;
}

void virtio_pci_msix_irqfd(struct virtio_pci *vp,
			   int (*msi_irqfd)(void *ctx, unsigned int vector,
					    uint64_t addr, uint32_t data))
{
	if (!vp->msix_cap)
		return;
	vp->msi_irqfd = msi_irqfd;
	vp->t->irqfd_hook = msix_irqfd;
}
