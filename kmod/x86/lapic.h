/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel local APIC (kmod/x86/lapic.c): one per vCPU once the VM
 * has an irqchip.  Other vCPUs, the hrtimer and the I/O APIC change it
 * under its lock from any context; only the vCPU's own thread injects
 * what it holds, through the backend's hooks below.
 */
#ifndef VIREO_X86_LAPIC_H
#define VIREO_X86_LAPIC_H

#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "x86/irq.h"
#include "x86/x86.h"

/**
 * struct x86_lapic_ops - what the local APIC asks of its vCPU's backend,
 *	always on the vCPU's own thread with preemption enabled
 * @irq_enabled: does RFLAGS.IF let an interrupt wake a halted vCPU?
 * @init: an INIT: registers to their INIT state (kvm.ko's, as after a
 *	SHUTDOWN), the APIC base kept
 * @sipi: a start-up IPI: CS to @vector << 8, RIP 0
 * @tsc_offset: guest TSC minus host TSC, for the TSC-deadline timer
 * @cpuid: the guest's CPUID (x2APIC and TSC-deadline bits)
 */
struct x86_lapic_ops {
	bool (*irq_enabled)(struct vireo_vcpu *vcpu);
	void (*init)(struct vireo_vcpu *vcpu);
	void (*sipi)(struct vireo_vcpu *vcpu, u8 vector);
	u64 (*tsc_offset)(struct vireo_vcpu *vcpu);
	const struct x86_cpuid *(*cpuid)(struct vireo_vcpu *vcpu);
};

/* Bits of x86_lapic.events, set from any context. */
enum {
	X86_LAPIC_KICK,		/* something changed: evaluate before entry */
	X86_LAPIC_INIT,
	X86_LAPIC_SIPI,
	/* KVM_HC_KICK_CPU: the next (or current) HLT ends; kept until then */
	X86_LAPIC_UNHALT,
};

struct x86_lapic {
	struct vireo_vcpu *vcpu;
	const struct x86_lapic_ops *ops;
	/* Guards the registers and the timer's and events' fields below. */
	spinlock_t lock;
	/* The register page's first KiB, in struct kvm_lapic_state's layout */
	u32 regs[KVM_APIC_REG_SIZE / 4];
	u64 base;		/* IA32_APIC_BASE */
	unsigned long events;
	u8 sipi_vector;
	u8 nmi_pending;
	u32 mp_state;
	/* One KVM_EXIT_... -EAGAIN after an INIT ends KVM_MP_STATE_UNINITIALIZED */
	bool eagain;
	/* Split irqchip: KVM_INTERRUPT's vector for LINT0 (ExtINT), or -1 */
	int extint;
	/* Split irqchip: a level-triggered vector's EOI for the VMM, or -1 */
	int eoi_exit;
	/* Timer: one-shot and periodic count in ns, deadline in guest TSC */
	struct hrtimer timer;
	bool timer_armed;
	ktime_t timer_start;
	ktime_t timer_expire;
	u64 timer_period;	/* ns; 0 for one-shot */
	u64 tsc_deadline;
	/*
	 * KVM_SET_VAPIC_ADDR: the guest-physical word through which QEMU's
	 * TPR-patching option ROM reads and writes the TPR, or 0
	 */
	u64 vapic_addr;
	/* KVM_TPR_ACCESS_REPORTING: TPR accesses exit as KVM_EXIT_TPR_ACCESS */
	bool tpr_report;
	/* A TPR access to report: 1 a read, 2 a write, 0 none */
	u8 tpr_access;
	/* PV EOI: the guest's byte has bit 0 set by the module (lapic.c) */
	bool pv_eoi_pending;
};

int x86_lapic_create(struct vireo_vcpu *vcpu, const struct x86_lapic_ops *ops);
void x86_lapic_destroy(struct vireo_vcpu *vcpu);
void x86_irqchip_destroy(struct vireo_vm *vm);
long x86_enable_cap_split(struct vireo_vm *vm, const struct kvm_enable_cap *cap);

/* Before entry: the vector to inject (ExtINT first), or -1; @ack takes it. */
int x86_lapic_next_irq(struct x86_lapic *apic, bool ack);
/* With interrupts off right before entry: evaluate again? */
static inline bool x86_lapic_kicked(struct x86_lapic *apic)
{
	return test_bit(X86_LAPIC_KICK, &apic->events);
}

void x86_lapic_unkick(struct x86_lapic *apic);
bool x86_lapic_take_nmi(struct x86_lapic *apic);
/* CR8 is TPR[7:4]. */
u8 x86_lapic_get_cr8(struct x86_lapic *apic);
void x86_lapic_set_cr8(struct x86_lapic *apic, u8 cr8);
/* HLT: the vCPU waits in the kernel. */
void x86_lapic_halt(struct x86_lapic *apic);
/* The core's vcpu_blocked hook: >0 wait, 0 run, -errno end KVM_RUN. */
int x86_lapic_blocked(struct x86_lapic *apic);
/* Split irqchip: a level EOI to report as KVM_EXIT_IOAPIC_EOI? */
bool x86_lapic_eoi_exit(struct x86_lapic *apic, struct kvm_run *run);
/* May userspace's KVM_INTERRUPT go in now (ready_for_interrupt_injection)? */
bool x86_lapic_accept_extint(struct x86_lapic *apic);
/* Does the VMM's request_interrupt_window open the window now? */
bool x86_lapic_user_window(struct x86_lapic *apic);

/*
 * The guest's memory: the VAPIC word (KVM_SET_VAPIC_ADDR) before entry,
 * PV EOI's byte right before entry, both after an exit.
 */
void x86_lapic_vapic_enter(struct x86_lapic *apic);
void x86_lapic_pv_eoi_enter(struct x86_lapic *apic);
void x86_lapic_exit(struct x86_lapic *apic);
/* A write of MSR_KVM_PV_EOI_EN, with or without an in-kernel APIC */
int x86_pv_eoi_set_msr(struct vireo_vcpu *vcpu, u64 data);
/* After an exit handled in the kernel: a TPR access for the VMM? */
bool x86_lapic_tpr_exit(struct x86_lapic *apic, struct kvm_run *run, u64 rip);

/* An access to @gpa hits the APIC page: handled if true. */
bool x86_lapic_mmio(struct x86_lapic *apic, u64 gpa, unsigned int size,
		    bool write, u64 *val);
struct x86_insn;
bool x86_apic_mmio(struct x86_lapic *apic, const struct x86_insn *insn,
		   u64 gpa, u64 *gprs);
/* x2APIC and TSC-deadline MSRs, APIC_BASE: 0, 1 (#GP), -ENOENT (not ours). */
int x86_lapic_get_msr(struct x86_lapic *apic, u32 index, u64 *data);
int x86_lapic_set_msr(struct x86_lapic *apic, u32 index, u64 data);
int x86_lapic_set_base(struct x86_lapic *apic, u64 base, bool host);
bool x86_apic_base_valid(const struct x86_cpuid *c, u64 base);
/*
 * KVM_{GET,SET}_LAPIC, KVM_{GET,SET}_MP_STATE, KVM_INTERRUPT,
 * KVM_SET_VAPIC_ADDR, KVM_TPR_ACCESS_REPORTING; -ENOIOCTLCMD
 */
long x86_lapic_ioctl(struct x86_lapic *apic, unsigned int cmd,
		     void __user *argp);

#endif
