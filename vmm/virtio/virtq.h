/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueues (virtio 1.2, 2.7), device side. Everything read from
 * guest memory is validated: indices, chain length and loops, addresses
 * and lengths against guest RAM, readable-before-writable order.
 */
#ifndef VIREO_VIRTQ_H
#define VIREO_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include "../mem.h"

#define VIRTQ_MAX_SIZE	256
/* A chain may use every descriptor of the largest queue (virtio 1.2, 2.7.5). */
#define VIRTQ_MAX_SEGS	VIRTQ_MAX_SIZE

struct virtq {
	uint16_t size;		/* entries, a power of two <= VIRTQ_MAX_SIZE */
	bool ready;
	bool broken;		/* the driver violated the spec: queue stopped */
	uint64_t desc, avail, used;	/* guest addresses */
	uint16_t last_avail;	/* next avail ring slot to consume */
	uint16_t used_idx;
	/*
	 * VIRTIO_RING_F_EVENT_IDX negotiated (set when the queue is enabled):
	 * the device publishes avail_event and signals only past used_event.
	 */
	bool event_idx;
	uint16_t signalled_used;	/* used_idx at the last signal */
	bool signalled_valid;
};

struct virtq_seg {
	uint8_t *ptr;		/* host address, inside guest RAM */
	uint32_t len;
	bool write;		/* device-writable */
};

struct virtq_chain {
	uint16_t head;
	unsigned int n, n_read;	/* segments; the first n_read are readable */
	uint64_t read_len, write_len;
	struct virtq_seg seg[VIRTQ_MAX_SEGS];
};

void virtq_reset(struct virtq *q);
/* Ring addresses and size are valid guest memory (for QueueReady). */
bool virtq_valid(const struct virtq *q, const struct guest_mem *m);
/*
 * Take the next available chain: 1 on success, 0 when the ring is empty,
 * -1 when the driver broke the rules (the queue is then marked broken).
 */
int virtq_pop(struct virtq *q, const struct guest_mem *m, struct virtq_chain *c);
/* The driver has made a chain available (what virtq_pop would take). */
bool virtq_has_avail(const struct virtq *q, const struct guest_mem *m);
/* Return a chain to the driver with len bytes written. */
void virtq_push(struct virtq *q, const struct guest_mem *m, uint16_t head,
		uint32_t len);
/*
 * Return n chains at once: the driver sees all or none of them (one
 * frame over several mergeable receive buffers).
 */
void virtq_push_batch(struct virtq *q, const struct guest_mem *m,
		      const uint16_t *head, const uint32_t *len, unsigned int n);
/*
 * Whether the driver wants an interrupt for what was pushed since the
 * last signal: always without event index, else past its used_event.
 * Counts the signal as sent when it says true.
 */
bool virtq_need_signal(struct virtq *q, const struct guest_mem *m);

/* Copy helpers over a chain's readable / writable segments. */
uint64_t virtq_read(const struct virtq_chain *c, uint64_t off, void *buf,
		    uint64_t len);
uint64_t virtq_write(const struct virtq_chain *c, uint64_t off,
		     const void *buf, uint64_t len);

#endif
