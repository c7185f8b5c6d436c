// SPDX-License-Identifier: GPL-2.0
/*
 * TEMPORARY: stand-ins for what the in-kernel local APIC (kmod/x86/lapic.c,
 * branch irq-lapic) and the core's GSI routing (branch irq-core) provide,
 * so the 8259/I/O APIC/PIT branch builds and runs alone.  Delete at merge.
 */
#include "core/vireo.h"
#include "x86/irq.h"
#include "x86/irqchip/irqchip.h"

/* No local APICs yet: no message reaches a CPU. */
int x86_apic_deliver(struct vireo_vm *vm, const struct x86_apic_irq *irq)
{
	return -1;
}

void x86_apic_extint_changed(struct vireo_vm *vm)
{
}

/* No irqfds yet: nothing to resample. */
void vireo_irq_acked(struct vireo_vm *vm, u32 chip, u32 pin)
{
}

/* No routing table yet: the PIT drives GSI 0's default pins itself. */
int vireo_irq_default_routes(struct vireo_vm *vm)
{
	return 0;
}
