// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 side of the core's GSI routing (kmod/core/irq.c): which routes
 * exist here, and where each one goes: an MSI to the local APICs, a pin to
 * the 8259 pair or the I/O APIC (kmod/x86/irq.h).
 */
#include <linux/slab.h>

#include "x86/irq.h"
#include "x86/x86.h"

#define X86_PIC_PINS		8	/* each of the pair */
#define X86_IOAPIC_PINS		24

/**
 * x86_irqchip_in_kernel - which interrupt controllers the kernel has
 * @vm: the VM
 *
 * Return: VIREO_IRQCHIP_FULL after KVM_CREATE_IRQCHIP, VIREO_IRQCHIP_MSI
 * with the split irqchip (the 8259 and I/O APIC are the VMM's),
 * VIREO_IRQCHIP_NONE before either.
 */
enum vireo_irqchip __vireo_hot x86_irqchip_in_kernel(struct vireo_vm *vm)
{
	const struct x86_irqchip *chip = READ_ONCE(to_x86_vm(vm)->irqchip);

	if (!chip)
		return VIREO_IRQCHIP_NONE;
	return chip->mode == X86_IRQCHIP_KERNEL ? VIREO_IRQCHIP_FULL :
						  VIREO_IRQCHIP_MSI;
}

/**
 * x86_irq_route_check - may @e be a GSI route of @vm?
 * @vm: the VM
 * @e: the route
 *
 * kvm.ko's rules: pin routes only without the split irqchip (also while
 * KVM_CREATE_IRQCHIP sets up), pins 0-7 of either 8259 and 0-23 of the
 * I/O APIC; MSI routes always.
 *
 * Return: 0 or -EINVAL.
 */
int x86_irq_route_check(struct vireo_vm *vm,
			const struct kvm_irq_routing_entry *e)
{
	const struct x86_irqchip *chip = READ_ONCE(to_x86_vm(vm)->irqchip);

	switch (e->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (chip && chip->mode == X86_IRQCHIP_SPLIT)
			return -EINVAL;
		switch (e->u.irqchip.irqchip) {
		case KVM_IRQCHIP_PIC_MASTER:
		case KVM_IRQCHIP_PIC_SLAVE:
			return e->u.irqchip.pin < X86_PIC_PINS ? 0 : -EINVAL;
		case KVM_IRQCHIP_IOAPIC:
			return e->u.irqchip.pin < X86_IOAPIC_PINS ? 0 : -EINVAL;
		default:
			return -EINVAL;
		}
	case KVM_IRQ_ROUTING_MSI:
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * x86_irq_deliver - drive a route
 * @vm: the VM
 * @e: a route x86_irq_route_check() accepted, or KVM_SIGNAL_MSI's message
 * @level: 0 or 1
 * @src: who drives it (enum x86_irq_source)
 *
 * Atomic context; see struct vireo_impl.
 *
 * Return: as KVM_IRQ_LINE_STATUS reports: >0 delivered, 0 coalesced, <0
 * masked or no destination.
 */
int x86_irq_deliver(struct vireo_vm *vm, const struct kvm_irq_routing_entry *e,
		    int level, unsigned int src)
{
	const struct x86_irqchip *chip = READ_ONCE(to_x86_vm(vm)->irqchip);

	switch (e->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (!chip || chip->mode != X86_IRQCHIP_KERNEL)
			return -1;
		return x86_irqchip_set(vm, e->u.irqchip.irqchip,
				       e->u.irqchip.pin, level, src);
	case KVM_IRQ_ROUTING_MSI:
		/* A message has no level to lower. */
		if (!level)
			return -1;
		return x86_msi_deliver(vm, (u64)e->u.msi.address_hi << 32 |
					   e->u.msi.address_lo,
				       e->u.msi.data);
	default:
		return -1;
	}
}

/**
 * x86_irq_default_routes - the routes KVM_CREATE_IRQCHIP starts with
 * @vm: the VM
 *
 * kvm.ko's defaults: GSIs 0-15 to the I/O APIC pin of that number and to
 * the 8259 pin of that number (0-7 master, 8-15 slave), GSIs 16-23 to the
 * I/O APIC alone.
 *
 * Return: 0 or -errno (-ENOMEM).
 */
int x86_irq_default_routes(struct vireo_vm *vm)
{
	struct kvm_irq_routing_entry *e;
	unsigned int n = 0, gsi;
	int r;

	e = kcalloc(2 * X86_PIC_PINS + X86_IOAPIC_PINS, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	for (gsi = 0; gsi < X86_IOAPIC_PINS; gsi++) {
		e[n].gsi = gsi;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e[n++].u.irqchip.pin = gsi;
		if (gsi >= 2 * X86_PIC_PINS)
			continue;
		e[n].gsi = gsi;
		e[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[n].u.irqchip.irqchip = gsi < X86_PIC_PINS ?
					 KVM_IRQCHIP_PIC_MASTER :
					 KVM_IRQCHIP_PIC_SLAVE;
		e[n++].u.irqchip.pin = gsi % X86_PIC_PINS;
	}
	r = vireo_set_default_routes(vm, e, n);
	kfree(e);
	return r;
}
