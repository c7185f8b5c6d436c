// SPDX-License-Identifier: GPL-2.0
/*
 * TEMPORARY, deleted at the merge with the in-kernel LAPIC (kmod/x86/lapic.c)
 * and the 8259/I/O APIC (kmod/x86/pic.c, ioapic.c): stand-ins for what
 * kmod/x86/irqroute.c calls, so the core's routing, irqfd and ioeventfd
 * build and run before them.  No VM has an irqchip yet, so nothing takes
 * an interrupt.
 */
#include "x86/irq.h"

int x86_msi_deliver(struct vireo_vm *vm, u64 addr, u32 data)
{
	return -1;
}

int x86_irqchip_set(struct vireo_vm *vm, u32 chip, u32 pin, int level)
{
	return -1;
}
