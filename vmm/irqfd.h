/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device interrupt as an eventfd the kernel listens to (KVM_IRQFD): a
 * write raises the GSI it is bound to, whatever the GSI's route (an
 * in-kernel interrupt controller pin, or an MSI). A level-triggered line
 * has a resample eventfd too: the kernel lowers the line when the guest
 * acknowledges it (the EOI), says so there, and irqfd_resample() raises it
 * again while the device still asserts it.
 */
#ifndef VIREO_IRQFD_H
#define VIREO_IRQFD_H

#include <stdbool.h>
#include <stdint.h>

#include "irq.h"

struct irqfd {
	int fd;			/* -1: not assigned */
	int resample_fd;	/* level-triggered only, else -1 */
	uint32_t gsi;
	int level;		/* the device's line, for a level one */
};

/* Not assigned: irqfd_assign() has not been called or failed. */
void irqfd_init(struct irqfd *f);
/* Bind a new eventfd to gsi of the VM (with a resample one if level); -1, errno. */
int irqfd_assign(struct irqfd *f, int vm_fd, uint32_t gsi, bool level);
/* An edge: one interrupt on the GSI (an MSI). */
void irqfd_trigger(const struct irqfd *f);
/* A level line (irq_line's set; ctx is the struct irqfd, irq unused). */
void irqfd_line_set(void *ctx, unsigned int irq, int level);
struct irq_line irqfd_line(struct irqfd *f);
/* The resample eventfd was readable (read it first): raise the line again. */
void irqfd_resample(struct irqfd *f);
/* Unbind and close (with the VM's fd still open), or just close (vm_fd -1). */
void irqfd_release(struct irqfd *f, int vm_fd);

#endif
