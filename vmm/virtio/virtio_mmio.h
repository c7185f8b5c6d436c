/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-mmio transport, version 2 (virtio 1.2, 4.2.2). The guest finds a
 * device through the kernel parameter virtio_mmio.device=4K@BASE:IRQ,
 * which the VMM appends to the command line.
 */
#ifndef VIREO_VIRTIO_MMIO_H
#define VIREO_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "../irq.h"
#include "../mem.h"
#include "virtq.h"

#define VIRTIO_MMIO_SIZE	0x1000
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050	/* the register, 32-bit queue index */
#define VIRTIO_MAX_QUEUES	4
#define VIRTIO_F_VERSION_1	32
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX	29
/* virtio_mmio_signal()'s q for a configuration change interrupt. */
#define VIRTIO_SIGNAL_CONFIG	(~0u)

struct virtio_mmio;

/* What a device model provides to the transport. */
struct virtio_dev_ops {
	uint32_t device_id;
	uint64_t features;		/* device bits; VERSION_1 is added */
	unsigned int nr_queues;
	uint16_t queue_max;
	uint32_t config_len;
	/* Reads and writes of the device configuration space. */
	void (*config)(struct virtio_mmio *t, uint64_t off, uint8_t *d,
		       unsigned int size, bool w);
	/* The driver notified queue q. */
	void (*notify)(struct virtio_mmio *t, unsigned int q);
	void (*reset)(struct virtio_mmio *t);
	/*
	 * The driver set DRIVER_OK (after FEATURES_OK): a device whose data
	 * path is elsewhere (vhost) hands it the queues now. May be NULL.
	 */
	void (*driver_ok)(struct virtio_mmio *t);
	/*
	 * What the transport's irqfd_hook answers may have changed (MSI-X
	 * enabled, a vector masked or moved, a queue's vector). May be NULL.
	 */
	void (*irq_changed)(struct virtio_mmio *t);
};

struct virtio_mmio {
	const struct virtio_dev_ops *ops;
	void *dev;			/* the device model's state */
	const struct guest_mem *mem;
	struct irq_line irq;
	uint32_t status;
	/* Device bits offered: ops->features, narrowed by a device model
	 * to what its backend supports before the driver looks. */
	uint64_t features;
	uint32_t dev_features_sel, drv_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t isr;
	uint32_t config_gen;
	struct virtq vq[VIRTIO_MAX_QUEUES];
	/*
	 * Set by a transport with per-queue messages: true when it sent
	 * queue q's interrupt (or with VIRTIO_SIGNAL_CONFIG the configuration
	 * change interrupt) itself; the ISR and irq line are then left alone.
	 */
	bool (*signal_hook)(void *ctx, unsigned int q);
	void *signal_ctx;
	/*
	 * Set by a transport that has an eventfd of its own for queue q's
	 * interrupt (virtio-pci: the MSI-X vector's irqfd, its route kept
	 * equal to the table entry): that fd, or -1 while there is none
	 * (MSI-X off, no vector, masked). Called with signal_ctx. A data path
	 * in the kernel (vhost) signals it directly, without the VMM.
	 */
	int (*irqfd_hook)(void *ctx, unsigned int q);
	/*
	 * The VMM's lock over all device state, which a device drops while it
	 * works on a chain's buffers (file I/O, the tap); NULL hooks when
	 * nothing else runs (tests, fuzzing).
	 */
	void (*unlock)(void *ctx);
	void (*relock)(void *ctx);
	void *lock_ctx;
	/*
	 * A device pass stopped at its limit with chains left on the queues
	 * in deferred: defer(defer_ctx) asks for virtio_mmio_run_deferred()
	 * from another thread, later.
	 */
	uint32_t deferred;
	void (*defer)(void *ctx);
	void *defer_ctx;
	uint32_t busy;		/* queues a pass is running on */
	uint32_t gen;		/* resets so far: stale chains are not returned */
};

/*
 * One pass of a device over queue q: at most the queue's size of chains,
 * so a driver that posts as fast as the device consumes (another vCPU
 * re-posting the same descriptor) cannot keep the caller here; the rest
 * is deferred. A chain the driver broke the rules with stops the queue
 * and the device asks for a reset. Usage:
 *
 *	if (!virtio_drain_begin(&d, t, q))
 *		return;
 *	while (virtio_drain_next(&d, &chain)) {
 *		virtio_drain_unlock(&d);	(optional: slow work)
 *		...
 *		virtio_drain_relock(&d);
 *		virtio_drain_push(&d, chain.head, len);
 *	}
 *	virtio_drain_end(&d);
 */
struct virtio_drain {
	struct virtio_mmio *t;
	struct virtq *q;
	unsigned int qi, left;
	uint32_t gen;
	bool used;
};

/* False when another thread is in a pass over q (it sees new chains). */
bool virtio_drain_begin(struct virtio_drain *d, struct virtio_mmio *t,
			unsigned int q);
bool virtio_drain_next(struct virtio_drain *d, struct virtq_chain *c);
void virtio_drain_unlock(struct virtio_drain *d);
void virtio_drain_relock(struct virtio_drain *d);
/* Return the chain, unless the device was reset or the queue disabled. */
void virtio_drain_push(struct virtio_drain *d, uint16_t head, uint32_t len);
/* Interrupt the driver if chains were used. */
void virtio_drain_end(struct virtio_drain *d);
/* Continue the passes defer() asked for (lock held). */
void virtio_mmio_run_deferred(struct virtio_mmio *t);
/* One chain of queue q outside a pass, as virtq_pop (broken: reset). */
int virtio_mmio_pop(struct virtio_mmio *t, unsigned int q,
		    struct virtq_chain *c);
/*
 * The driver broke the rules: set DEVICE_NEEDS_RESET and, once the driver
 * is live, send a configuration change interrupt (virtio 1.2, 2.1.2).
 */
void virtio_mmio_needs_reset(struct virtio_mmio *t);

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_dev_ops *ops,
		      void *dev, const struct guest_mem *mem,
		      struct irq_line irq);
void virtio_mmio_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		    bool w);
/*
 * The device used buffers on queue q: raise the used-buffer interrupt, or
 * let the transport's signal hook (virtio-pci MSI-X) send q's message.
 */
void virtio_mmio_signal(struct virtio_mmio *t, unsigned int q);
/*
 * The VMM itself used buffers on queue q: virtio_mmio_signal() unless
 * the driver's event index says it does not want to hear of them yet.
 */
void virtio_mmio_signal_used(struct virtio_mmio *t, unsigned int q);
bool virtio_mmio_driver_ok(const struct virtio_mmio *t);

/*
 * struct virtio_mmio also holds the transport-independent device state
 * (status, features, queues, ISR) that the PCI transport (virtio_pci.c)
 * drives through these.
 */
uint64_t virtio_mmio_offered(const struct virtio_mmio *t);
/* A driver's status write: 0 resets, FEATURES_OK is checked. */
void virtio_mmio_set_status(struct virtio_mmio *t, uint32_t v);
/* The driver enables q: check its rings, else NEEDS_RESET. */
void virtio_mmio_enable_queue(struct virtio_mmio *t, struct virtq *q);
/* The driver notified queue q (ignored unless DRIVER_OK and ready). */
void virtio_mmio_notify(struct virtio_mmio *t, uint32_t q);

#endif
