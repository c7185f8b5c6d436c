/* SPDX-License-Identifier: GPL-2.0 */
/* virtio-rng: the host's getrandom() (virtio 1.2, 5.4). */
#ifndef VIREO_VIRTIO_RNG_H
#define VIREO_VIRTIO_RNG_H

#include "virtio_mmio.h"

struct virtio_rng {
	struct virtio_mmio t;
	struct virtq_chain chain;
};

void virtio_rng_attach(struct virtio_rng *r, const struct guest_mem *mem,
		       struct irq_line irq);
void virtio_rng_process(struct virtio_rng *r);

#endif
