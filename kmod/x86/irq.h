/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 interrupt controllers in the kernel, and how they meet.  An
 * interrupt reaches a guest in one of three ways, all ending in
 * x86_apic_deliver():
 * - an MSI (KVM_SIGNAL_MSI, an MSI route, an irqfd on one) goes through
 *   x86_msi_deliver();
 * - a pin (KVM_IRQ_LINE, an irqchip route, an irqfd on one) goes through
 *   x86_irqchip_set() into the 8259 pair or the I/O APIC, which sends a
 *   message on the APIC bus; the 8259's output is vCPU 0's LINT0 (ExtINT);
 * - an IPI is a write to a local APIC's ICR.
 * GSI routing itself is architecture-free (kmod/core).
 */
#ifndef VIREO_X86_IRQ_H
#define VIREO_X86_IRQ_H

#include <linux/types.h>

struct vireo_vm;
struct vireo_vcpu;
struct x86_lapic;
struct x86_pic;
struct x86_ioapic;

enum x86_irqchip_mode {
	X86_IRQCHIP_SPLIT = 1,	/* LAPICs here; 8259 and I/O APIC in the VMM */
	X86_IRQCHIP_KERNEL,	/* KVM_CREATE_IRQCHIP: all of them here */
};

/* Per VM, allocated once by KVM_CREATE_IRQCHIP or KVM_CAP_SPLIT_IRQCHIP. */
struct x86_irqchip {
	enum x86_irqchip_mode mode;
	/* SPLIT: I/O APIC pins userspace has (KVM_EXIT_IOAPIC_EOI) */
	u32 split_pins;
	struct x86_pic *pic;		/* KERNEL only */
	struct x86_ioapic *ioapic;	/* KERNEL only */
	/* The PIT is struct x86_vm's: it may exist without an irqchip. */
};

/*
 * Delivery mode 3 (remote read, never sent by real software): kvm.ko's
 * KVM_HC_KICK_CPU, which ends the target's HLT even with RFLAGS.IF clear.
 */
#define X86_APIC_DM_REMRD	3

/* An interrupt message on the APIC bus: an IPI, an MSI or from the I/O APIC. */
struct x86_apic_irq {
	u32 dest;	/* APIC ID, or logical destination bits */
	u8 vector;
	u8 delivery;	/* ICR bits 10:8: fixed, lowest priority, ..., ExtINT */
	u8 shorthand;	/* ICR bits 19:18: none, self, all, all but self */
	bool logical;	/* destination mode */
	bool level;	/* trigger mode */
	bool assert;	/* level: asserted */
	u32 src;	/* the sending vCPU's index, for the shorthands */
};

/*
 * kmod/x86/lapic.c.  Both may be called in atomic context (they take
 * spinlocks only) and wake or kick the vCPUs they reach.
 */

/* Returns how many local APICs took it: 0 if none did, -1 if none matched. */
int x86_apic_deliver(struct vireo_vm *vm, const struct x86_apic_irq *irq);
int x86_msi_deliver(struct vireo_vm *vm, u64 addr, u32 data);
/* The 8259's output changed: vCPU 0 looks again if its LINT0 is ExtINT. */
void x86_apic_extint_changed(struct vireo_vm *vm);

/*
 * kmod/x86/irqchip/ (KERNEL mode).
 * x86_irqchip_set() drives pin @pin of @chip (KVM_IRQCHIP_PIC_MASTER,
 * _PIC_SLAVE, _IOAPIC) to @level; atomic context.  Returns as
 * KVM_IRQ_LINE_STATUS reports: >0 delivered, 0 coalesced, <0 masked.
 * None of these holds its lock while it calls x86_apic_deliver() or
 * x86_apic_extint_changed(), but x86_pic_intack() and x86_ioapic_eoi()
 * may call them (a re-sent level pin, a new 8259 output): call those two
 * without a local APIC lock held.
 */
int x86_irqchip_set(struct vireo_vm *vm, u32 chip, u32 pin, int level,
		    unsigned int src);
/* INTA cycle: the vector the 8259 pair gives vCPU 0 now, or -1. */
int x86_pic_intack(struct vireo_vm *vm);
/* Is the 8259 pair's INTR output asserted? */
bool x86_pic_output(struct vireo_vm *vm);
/*
 * A local APIC EOI'd @vector: remote IRR and resampling of level pins, and
 * the PIT's reinjection, which waits for the EOI of its (edge) vector as
 * in kvm.ko.  So call it for edge vectors too (at least those an I/O APIC
 * pin holds); it ignores vectors no pin has.
 */
void x86_ioapic_eoi(struct vireo_vm *vm, u8 vector);
/* Does a pin of the in-kernel I/O APIC hold @vector (its EOI has work)? */
bool x86_ioapic_has_vector(struct vireo_vm *vm, u8 vector);

#endif
