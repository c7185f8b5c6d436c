/* SPDX-License-Identifier: GPL-2.0 */
/* virtio-blk over a raw image file (virtio 1.2, 5.2). */
#ifndef VIREO_VIRTIO_BLK_H
#define VIREO_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_mmio.h"

struct virtio_blk {
	struct virtio_mmio t;
	int fd;
	bool ro;
	uint64_t sectors;
	char id[20];
	struct virtq_chain chain;	/* scratch, too big for the stack */
};

/* Opens path; returns -1 with a message in err. */
int virtio_blk_open(struct virtio_blk *b, const char *path, bool ro,
		    unsigned int index, char *err, size_t errlen);
void virtio_blk_attach(struct virtio_blk *b, const struct guest_mem *mem,
		       struct irq_line irq);
void virtio_blk_close(struct virtio_blk *b);
/* Process queue 0 (also the fuzzing entry point). */
void virtio_blk_process(struct virtio_blk *b);

#endif
