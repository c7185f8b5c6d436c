// SPDX-License-Identifier: GPL-2.0
#include <sys/random.h>

#include "virtio_rng.h"

/*
 * Bytes one chain gets at most: the device may fill less than the driver
 * offers (virtio 1.2, 5.4.6), and a gigabyte buffer would keep us here.
 */
#define RNG_CHAIN_MAX	65536

void virtio_rng_process(struct virtio_rng *r)
{
	struct virtio_drain d;

	if (!virtio_drain_begin(&d, &r->t, 0))
		return;
	while (virtio_drain_next(&d, &r->chain)) {
		uint64_t done = 0;

		virtio_drain_unlock(&d);
		/* Fill the writable segments; readable ones are ignored. */
		for (unsigned int i = r->chain.n_read; i < r->chain.n; i++) {
			struct virtq_seg *s = &r->chain.seg[i];
			size_t want = s->len < RNG_CHAIN_MAX - done ?
				      s->len : RNG_CHAIN_MAX - done;
			ssize_t n = getrandom(s->ptr, want, GRND_NONBLOCK);

			if (n <= 0)
				break;
			done += (uint64_t)n;
			if ((size_t)n < s->len || done == RNG_CHAIN_MAX)
				break;
		}
		virtio_drain_relock(&d);
		virtio_drain_push(&d, r->chain.head, (uint32_t)done);
	}
	virtio_drain_end(&d);
}

static void rng_notify(struct virtio_mmio *t, unsigned int q)
{
	if (q == 0)
		virtio_rng_process(t->dev);
}

static const struct virtio_dev_ops rng_ops = {
	.device_id = 4,
	.nr_queues = 1,
	.queue_max = VIRTQ_MAX_SIZE,
	.notify = rng_notify,
};

void virtio_rng_attach(struct virtio_rng *r, const struct guest_mem *mem,
		       struct irq_line irq)
{
	virtio_mmio_init(&r->t, &rng_ops, r, mem, irq);
}
