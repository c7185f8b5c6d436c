/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio over PCI, the modern (non-transitional) interface of virtio 1.2,
 * 4.1: vendor 0x1af4, device 0x1040 + virtio device ID, revision 1, and
 * vendor-specific capabilities locating the common configuration, notify,
 * ISR and device configuration structures in memory BAR 0. Interrupts are
 * INTA#: the ISR byte says why, and reading it deasserts. With
 * virtio_pci_msix() the device also has an MSI-X capability, its table and
 * pending bit array in memory BAR 1, a vector per queue and one for
 * configuration changes; once the driver enables MSI-X each queue's
 * interrupt is its vector's message, a configuration change (a device that
 * needs a reset) config_vector's, and INTA# and the ISR stay quiet.
 *
 * The device model is unchanged: it keeps its struct virtio_mmio, which
 * holds the device state both transports share, and signals through the
 * irq_line virtio_pci_irq() gives it.
 */
#ifndef VIREO_VIRTIO_PCI_H
#define VIREO_VIRTIO_PCI_H

#include <stdint.h>

#include "../x86/pci.h"
#include "virtio_mmio.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040

/* BAR 0: one 4 KiB page per structure. */
#define VIRTIO_PCI_BAR_SIZE	0x4000
#define VIRTIO_PCI_COMMON	0x0000
#define VIRTIO_PCI_ISR		0x1000
#define VIRTIO_PCI_DEVICE	0x2000
#define VIRTIO_PCI_NOTIFY	0x3000
#define VIRTIO_PCI_NOTIFY_MULT	4	/* queue q's notify address: 4 * q */
#define VIRTIO_PCI_COMMON_LEN	0x38

/* cfg_type of the vendor-specific capabilities. */
#define VIRTIO_PCI_CAP_COMMON	1
#define VIRTIO_PCI_CAP_NOTIFY	2
#define VIRTIO_PCI_CAP_ISR	3
#define VIRTIO_PCI_CAP_DEVICE	4
#define VIRTIO_PCI_CAP_PCI_CFG	5

/* BAR 1: the MSI-X table (16 bytes a vector), then the pending bits. */
#define VIRTIO_PCI_MSIX_BAR	1
#define VIRTIO_PCI_MSIX_BAR_SIZE 0x1000
#define VIRTIO_PCI_MSIX_PBA	0x800
#define VIRTIO_PCI_MSIX_MAX	(VIRTIO_MAX_QUEUES + 1)
#define VIRTIO_PCI_NO_VECTOR	0xffff

struct virtio_pci {
	struct pci_dev pci;
	struct virtio_mmio *t;		/* the device model's state */
	unsigned int cfg_cap;		/* VIRTIO_PCI_CAP_PCI_CFG's offset */
	/* MSI-X, when virtio_pci_msix() gave the device a capability. */
	unsigned int msix_cap;		/* its offset, 0 if none */
	unsigned int msix_n;		/* table size: queues + 1 */
	uint32_t msix_table[VIRTIO_PCI_MSIX_MAX][4];	/* addr lo/hi, data, ctrl */
	uint32_t msix_pending;		/* the pending bit array */
	uint16_t config_vector;
	uint16_t queue_vector[VIRTIO_MAX_QUEUES];
	void (*msi)(void *ctx, unsigned int vector, uint64_t addr, uint32_t data);
	void *msi_ctx;
	/* The vector's irqfd once it carries this message, or -1. */
	int (*msi_irqfd)(void *ctx, unsigned int vector, uint64_t addr,
			 uint32_t data);
	/*
	 * Where the notify structure decodes now: BAR 0's + VIRTIO_PCI_NOTIFY
	 * while memory decode is on and BAR 0 lies in the host bridge's
	 * window, else 0. notify_moved hears of each change (ioevent.c
	 * registers the queues' notify addresses there).
	 */
	uint64_t notify_base;
	void (*notify_moved)(void *ctx, uint64_t base);
	void *notify_ctx;
};

/* The interrupt line to attach the device model with: vp's INTA#. */
struct irq_line virtio_pci_irq(struct virtio_pci *vp);
/* Wrap an attached device model; class_code is the PCI class to show. */
void virtio_pci_init(struct virtio_pci *vp, struct virtio_mmio *t,
		     uint32_t class_code);
/*
 * Give vp (after virtio_pci_init, before pci_plug) an MSI-X capability
 * whose messages msi sends (the vector, the address and data of its table
 * entry).
 */
void virtio_pci_msix(struct virtio_pci *vp,
		     void (*msi)(void *ctx, unsigned int vector, uint64_t addr,
				 uint32_t data),
		     void *ctx);
/*
 * After virtio_pci_msix: each vector also has an irqfd (msi_irqfd, with
 * the same ctx), which the device model's data path may signal directly
 * while its vector is enabled and unmasked (virtio_mmio's irqfd_hook).
 */
void virtio_pci_msix_irqfd(struct virtio_pci *vp,
			   int (*msi_irqfd)(void *ctx, unsigned int vector,
					    uint64_t addr, uint32_t data));
/* BAR 0 and 1 accesses (BAR 0 also through the PCI_CFG capability). */
void virtio_pci_bar(void *opaque, unsigned int bar, uint64_t off,
		    uint8_t *d, unsigned int size, bool w);

#endif
