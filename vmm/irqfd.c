// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "irqfd.h"

void irqfd_init(struct irqfd *f)
{
	f->fd = f->resample_fd = -1;
	f->gsi = 0;
	f->level = 0;
}

int irqfd_assign(struct irqfd *f, int vm_fd, uint32_t gsi, bool level)
{
	struct kvm_irqfd a = { .gsi = gsi };
	int e;

	irqfd_init(f);
	f->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->fd < 0)
		goto fail;
	if (level) {
		f->resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (f->resample_fd < 0)
			goto fail;
		a.flags = KVM_IRQFD_FLAG_RESAMPLE;
		a.resamplefd = (uint32_t)f->resample_fd;
	}
	a.fd = (uint32_t)f->fd;
	if (ioctl(vm_fd, KVM_IRQFD, &a) < 0)
		goto fail;
	f->gsi = gsi;
	return 0;
fail:
	e = errno;
	irqfd_release(f, -1);
	errno = e;
	return -1;
}

void irqfd_trigger(const struct irqfd *f)
{
	uint64_t one = 1;
	ssize_t r;

	if (f->fd < 0)
		return;
	/* EAGAIN: the counter is full of interrupts not yet taken; as good. */
	r = write(f->fd, &one, sizeof(one));
	(void)r;
}

void irqfd_line_set(void *ctx, unsigned int irq, int level)
{
	struct irqfd *f = ctx;

	(void)irq;
	f->level = level != 0;
	/* Lowering is the kernel's, at the EOI; the resample then finds 0. */
	if (f->level)
		irqfd_trigger(f);
}

struct irq_line irqfd_line(struct irqfd *f)
{
	return (struct irq_line){ irqfd_line_set, f, f->gsi };
}

void irqfd_resample(struct irqfd *f)
{
	if (f->level)
		irqfd_trigger(f);
}

void irqfd_release(struct irqfd *f, int vm_fd)
{
	if (f->fd >= 0 && vm_fd >= 0) {
		struct kvm_irqfd a = {
			.fd = (uint32_t)f->fd, .gsi = f->gsi,
			.flags = KVM_IRQFD_FLAG_DEASSIGN,
		};

		ioctl(vm_fd, KVM_IRQFD, &a);
	}
	if (f->fd >= 0)
		close(f->fd);
	if (f->resample_fd >= 0)
		close(f->resample_fd);
	irqfd_init(f);
}
