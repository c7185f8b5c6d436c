// SPDX-License-Identifier: GPL-2.0
#include <sys/random.h>

#include "virtio_rng.h"

void virtio_rng_process(struct virtio_rng *r)
{
	struct virtq *q = &r->t.vq[0];
	bool used = false;

	while (virtq_pop(q, r->t.mem, &r->chain) == 1) {
		uint64_t done = 0;

		/* Fill the writable segments; readable ones are ignored. */
		for (unsigned int i = r->chain.n_read; i < r->chain.n; i++) {
			struct virtq_seg *s = &r->chain.seg[i];
			ssize_t n = getrandom(s->ptr, s->len, GRND_NONBLOCK);

			if (n <= 0)
				break;
			done += (uint64_t)n;
			if ((uint32_t)n < s->len)
				break;
		}
		virtq_push(q, r->t.mem, r->chain.head, (uint32_t)done);
		used = true;
	}
	if (used)
		virtio_mmio_signal(&r->t, 0);
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
