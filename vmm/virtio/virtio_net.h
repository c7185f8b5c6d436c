/* SPDX-License-Identifier: GPL-2.0 */
/* virtio-net on a host tap device (virtio 1.2, 5.1): no offloads. */
#ifndef VIREO_VIRTIO_NET_H
#define VIREO_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "virtio_mmio.h"

#define VNET_FRAME_MAX	(65536 + 14)
/* virtio_net_hdr_v1: what precedes each frame (virtio 1.2, 5.1.6). */
#define VNET_HDR_LEN	12

/*
 * A data path outside the VMM (vhost_net.c registers one): the device
 * model keeps its configuration space, features and status, the backend
 * moves the frames between the queues and the tap. Called with the VM's
 * lock held.
 */
struct virtio_net_backend {
	/* DRIVER_OK: take the ready queues; 0, or -1 with a message in err. */
	int (*start)(void *ctx, struct virtio_mmio *t, int tap, char *err,
		     size_t errlen);
	/* The device was reset: let go of the queues. */
	void (*stop)(void *ctx);
	/* A notify that reached the VMM rather than the backend: pass it on. */
	void (*kick)(void *ctx, unsigned int q);
	/* The transport's irqfd for a queue may have changed (irqfd_hook). */
	void (*irq_changed)(void *ctx, struct virtio_mmio *t);
};

struct virtio_net {
	struct virtio_mmio t;
	int tap;
	uint8_t mac[6];
	const struct virtio_net_backend *be;	/* NULL: frames through the VMM */
	void *be_ctx;
	/* The backend failed to start (lock held): say so, stop the VM. */
	void (*fail)(void *ctx, const char *msg);
	/* Frames the VMM itself moved (not the backend). */
	uint64_t rx_frames, tx_frames;
	bool rx_waiting;	/* a frame is read but no receive buffer was free */
	size_t rx_len;
	uint64_t tx_dropped;
	void (*rx_ready)(void *ctx);	/* the guest posted receive buffers */
	void *ctx;
	struct virtq_chain chain;	/* receive */
	struct virtq_chain tx_chain;	/* transmit, used without the lock */
	uint8_t frame[VNET_FRAME_MAX];
};

/*
 * Open (or create) tap device name; -1 with a message in err. With
 * vnet_hdr the tap itself reads and writes each frame's VNET_HDR_LEN
 * header (IFF_VNET_HDR), as a backend in the kernel needs.
 */
int virtio_net_open(struct virtio_net *n, const char *name, bool vnet_hdr,
		    char *err, size_t errlen);
void virtio_net_attach(struct virtio_net *n, const struct guest_mem *mem,
		       struct irq_line irq, void (*rx_ready)(void *ctx),
		       void *ctx);
void virtio_net_close(struct virtio_net *n);
/* Whether the I/O thread should poll the tap for frames now. */
bool virtio_net_want_rx(const struct virtio_net *n);
/* The tap is readable: move frames into guest receive buffers. */
void virtio_net_rx(struct virtio_net *n);
/* Transmit queue processing (also the fuzzing entry point). */
void virtio_net_tx(struct virtio_net *n);

#endif
