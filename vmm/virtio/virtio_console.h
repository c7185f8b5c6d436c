/* SPDX-License-Identifier: GPL-2.0 */
/* virtio-console, one port (virtio 1.2, 5.3): the guest's /dev/hvc0. */
#ifndef VIREO_VIRTIO_CONSOLE_H
#define VIREO_VIRTIO_CONSOLE_H

#include "virtio_mmio.h"

#define VCON_INBUF 1024

struct virtio_console {
	struct virtio_mmio t;
	uint8_t in[VCON_INBUF];		/* host input not yet in guest buffers */
	unsigned int in_len;
	void (*out)(void *ctx, const uint8_t *buf, size_t len);
	void (*room)(void *ctx);	/* input buffer has space again */
	void *ctx;
	struct virtq_chain chain;
};

void virtio_console_attach(struct virtio_console *c, const struct guest_mem *mem,
			   struct irq_line irq,
			   void (*out)(void *ctx, const uint8_t *buf, size_t len),
			   void (*room)(void *ctx), void *ctx);
unsigned int virtio_console_room(const struct virtio_console *c);
/* Queue host input for the guest; returns bytes taken. */
unsigned int virtio_console_input(struct virtio_console *c, const uint8_t *buf,
				  unsigned int len);
/* Process both queues (also the fuzzing entry point). */
void virtio_console_process(struct virtio_console *c);

#endif
