// SPDX-License-Identifier: GPL-2.0
/*
 * TEMPORARY, deleted when the irq-chips branch (8259 pair, I/O APIC, PIT)
 * is merged: the symbols kmod/x86/lapic.c calls in KERNEL mode, which no
 * VM can reach before KVM_CREATE_IRQCHIP exists.
 */
#include "x86/irq.h"

int x86_irqchip_set(struct vireo_vm *vm, u32 chip, u32 pin, int level)
{
	return -1;
}

int x86_pic_intack(struct vireo_vm *vm)
{
	return -1;
}

bool x86_pic_output(struct vireo_vm *vm)
{
	return false;
}

void x86_ioapic_eoi(struct vireo_vm *vm, u8 vector)
{
}
