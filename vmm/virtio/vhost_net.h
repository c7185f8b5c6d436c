/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net's data path in the host kernel (--net tap:NAME,vhost): Linux's
 * vhost-net (/dev/vhost-net) moves the frames between the guest's queues
 * and the tap, the VMM keeps the device's registers, features and status.
 *
 * - Set-up: VHOST_SET_OWNER (the kernel's worker thread, vhost-PID, works
 *   in this process's memory), VHOST_GET_FEATURES, VHOST_SET_MEM_TABLE
 *   with guest RAM's regions (fixed for the VM's life).
 * - The device offers mergeable receive buffers, event index and indirect
 *   descriptors only as far as vhost-net implements them
 *   (vhost_net_offer()); the offloads are the tap's.
 * - DRIVER_OK: the negotiated features, then per ready queue its size,
 *   next available index, ring addresses (host addresses of the guest's
 *   rings), the kick eventfd (the queue's KVM_IOEVENTFD: the guest's
 *   notify wakes vhost without an exit), the call eventfd, and the tap.
 * - Reset: VHOST_NET_SET_BACKEND with -1 and VHOST_GET_VRING_BASE stop each
 *   queue before the driver may reuse its memory.
 *
 * A queue's call: where the transport has an irqfd for the queue's
 * interrupt (virtio-pci with MSI-X on and the vector unmasked:
 * virtio_mmio's irqfd_hook), that irqfd, so vhost interrupts the guest
 * without the VMM; it follows the transport's changes (irq_changed: a
 * masked vector goes back to the VMM, which keeps it pending). Otherwise
 * an eventfd of the VMM's, which the device's I/O thread (ioevent.c)
 * turns into the queue's interrupt through virtio_mmio_signal(): the ISR
 * that virtio-mmio and INTx drivers read must be set first.
 */
#ifndef VIREO_VHOST_NET_H
#define VIREO_VHOST_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vhost.h>

#include "../mem.h"
#include "virtio_net.h"
#include "virtq.h"

#define VHOST_NET_QUEUES	2	/* receive, transmit */
#define VHOST_NET_REGIONS	2	/* x86: below the MMIO gap, above 4 GiB */

struct vhost_net {
	int fd;				/* /dev/vhost-net, -1 none */
	uint64_t features;		/* what the kernel's vhost-net offers */
	int kick[VHOST_NET_QUEUES];	/* the queues' ioeventfds, not ours */
	int call[VHOST_NET_QUEUES];	/* ours: the I/O thread serves them */
	int cur_call[VHOST_NET_QUEUES];	/* what vhost signals now */
	uint32_t live;			/* queues vhost runs */
	bool running;			/* DRIVER_OK until the reset */
	/* Statistics: starts, and queues put on the transport's irqfds. */
	uint64_t starts, direct;
};

/*
 * Open path (/dev/vhost-net), become its owner, read its features and make
 * the call eventfds. 0, or -1 with one line in err.
 */
int vhost_net_open(struct vhost_net *v, const char *path, char *err,
		   size_t errlen);
/* Guest RAM for the kernel: VHOST_SET_MEM_TABLE. 0, or -1 with err. */
int vhost_net_set_mem(struct vhost_net *v, const struct guest_mem *m,
		      char *err, size_t errlen);
/*
 * Take over n's data path from DRIVER_OK on, its queue q notified on
 * kick[q] (the KVM_IOEVENTFD of the notify address).
 */
void vhost_net_register(struct vhost_net *v, struct virtio_net *n,
			const int kick[VHOST_NET_QUEUES]);
void vhost_net_close(struct vhost_net *v);

/* The pure parts, for the unit tests. */
/* Guest RAM's regions into r (at most max); how many. */
unsigned int vhost_net_mem_table(const struct guest_mem *m,
				 struct vhost_memory_region *r,
				 unsigned int max);
/* Queue idx's rings as host addresses; -1 when not wholly in guest RAM. */
int vhost_net_vring_addr(const struct guest_mem *m, const struct virtq *q,
			 unsigned int idx, struct vhost_vring_addr *a);
/* What the device offers with vhost: device's bits, kernel's features. */
uint64_t vhost_net_offer(uint64_t device, uint64_t kernel);
/* What VHOST_SET_FEATURES gets: the driver's choice the kernel implements. */
uint64_t vhost_net_features(uint64_t driver, uint64_t kernel);

#endif
