/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Core-internal: GSI routing (irq.c) and the event fds (eventfd.c).  What
 * the backends and the interrupt controllers call is in vireo.h.
 */
#ifndef VIREO_CORE_IRQ_H
#define VIREO_CORE_IRQ_H

#include "core/vireo.h"

/* The backend's irqchip_in_kernel(), NONE where it has no such op. */
static inline enum vireo_irqchip vireo_irqchip_of(struct vireo_vm *vm)
{
	return vireo_impl->irqchip_in_kernel ?
	       vireo_impl->irqchip_in_kernel(vm) : VIREO_IRQCHIP_NONE;
}

void vireo_irq_vm_init(struct vireo_vm *vm);
void vireo_irq_vm_destroy(struct vireo_vm *vm);
long vireo_irq_ioctl(struct vireo_vm *vm, unsigned int cmd, void __user *argp);
int vireo_irq_set(struct vireo_vm *vm, u32 gsi, int level);
int vireo_irq_pin_gsi(struct vireo_vm *vm, u32 irqchip, u32 pin);

int vireo_eventfd_init(void);
void vireo_eventfd_exit(void);
void vireo_eventfd_vm_destroy(struct vireo_vm *vm);
long vireo_eventfd_ioctl(struct vireo_vm *vm, unsigned int cmd,
			 void __user *argp);

#endif
