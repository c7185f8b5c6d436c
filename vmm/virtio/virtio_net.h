/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net on a host tap device (virtio 1.2, 5.1): checksum and TCP
 * segmentation offload both ways, mergeable receive buffers, event index.
 */
#ifndef VIREO_VIRTIO_NET_H
#define VIREO_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "virtio_mmio.h"

#define VNET_FRAME_MAX	(65536 + 14)
/* virtio_net_hdr_v1: what precedes each frame (virtio 1.2, 5.1.6). */
#define VNET_HDR_LEN	12

/* Feature bits (virtio 1.2, 5.1.3). */
#define VIRTIO_NET_F_CSUM	0
#define VIRTIO_NET_F_GUEST_CSUM	1
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_GUEST_TSO4	7
#define VIRTIO_NET_F_GUEST_TSO6	8
#define VIRTIO_NET_F_HOST_TSO4	11
#define VIRTIO_NET_F_HOST_TSO6	12
#define VIRTIO_NET_F_MRG_RXBUF	15

/* The header's flags and gso_type (virtio 1.2, 5.1.6). */
#define VNET_HDR_F_NEEDS_CSUM	1
#define VNET_HDR_F_DATA_VALID	2
#define VNET_HDR_GSO_NONE	0
#define VNET_HDR_GSO_TCPV4	1
#define VNET_HDR_GSO_TCPV6	4

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
	/* TUN_F_* the tap accepted (TUNSETOFFLOAD) when opened. */
	unsigned int tap_offloads;
	/* Frames the VMM itself moved (not the backend). */
	uint64_t rx_frames, tx_frames;
	/* Transmitted frames whose header broke the rules (dropped). */
	uint64_t tx_bad;
	/* Offloads used: segmentation each way, frames over several buffers. */
	uint64_t tx_gso, rx_gso, rx_merged;
	/* Received frames the negotiated features cannot carry (dropped). */
	uint64_t rx_dropped;
	bool rx_waiting;	/* a frame is read but no receive buffer was free */
	size_t rx_len;
	uint64_t tx_dropped;
	void (*rx_ready)(void *ctx);	/* the guest posted receive buffers */
	void *ctx;
	struct virtq_chain chain;	/* receive: a frame's first chain */
	struct virtq_chain more;	/* receive: its further ones */
	struct virtq_chain tx_chain;	/* transmit, used without the lock */
	/* A mergeable frame's chains until they are returned together. */
	uint16_t rx_head[VIRTQ_MAX_SIZE];
	uint32_t rx_used[VIRTQ_MAX_SIZE];
	/* The tap's header, then the frame. */
	uint8_t frame[VNET_HDR_LEN + VNET_FRAME_MAX];
};

/*
 * Open (or create) tap device name; -1 with a message in err. The tap
 * reads and writes each frame's VNET_HDR_LEN header (IFF_VNET_HDR), which
 * carries the offloads; the receive offloads (GUEST_*) are offered only
 * if the tap accepts them.
 */
int virtio_net_open(struct virtio_net *n, const char *name, char *err,
		    size_t errlen);
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
/*
 * A transmitted frame's header (the guest's) against the negotiated
 * features and the frame's length after it: true if the tap may have it.
 */
bool virtio_net_tx_hdr_ok(const uint8_t hdr[VNET_HDR_LEN], uint64_t features,
			  uint64_t frame_len);
/* A received frame's header (the tap's) against the negotiated features. */
bool virtio_net_rx_hdr_ok(const uint8_t hdr[VNET_HDR_LEN], uint64_t features,
			  uint64_t frame_len);
/* The TUN_F_* offloads the tap should do for a driver's features. */
unsigned int virtio_net_tap_offloads(uint64_t features);

#endif
