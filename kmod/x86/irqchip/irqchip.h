/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel 8259 pair, I/O APIC and PIT as the rest of the x86 layer
 * and the backends reach them (kmod/x86/irq.h has the interrupt side).
 */
#ifndef VIREO_X86_IRQCHIP_H
#define VIREO_X86_IRQCHIP_H

#include <linux/types.h>

struct vireo_vm;

long x86_irqchip_vm_ioctl(struct vireo_vm *vm, unsigned int cmd,
			  void __user *argp);
bool x86_irqchip_pio(struct vireo_vm *vm, u16 port, unsigned int size,
		     bool in, u32 *val);
bool x86_irqchip_mmio(struct vireo_vm *vm, u64 gpa, unsigned int len,
		      bool write, u64 *val);
void x86_irqchip_release(struct vireo_vm *vm);
void x86_irqchip_free(struct vireo_vm *vm);

#endif
