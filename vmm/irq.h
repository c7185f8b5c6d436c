/* SPDX-License-Identifier: GPL-2.0 */
/* An interrupt line from a device model to an interrupt controller. */
#ifndef VIREO_IRQ_H
#define VIREO_IRQ_H

struct irq_line {
	void (*set)(void *ctx, unsigned int irq, int level);
	void *ctx;
	unsigned int irq;
};

static inline void irq_set(const struct irq_line *l, int level)
{
	if (l->set)
		l->set(l->ctx, l->irq, level);
}

#endif
