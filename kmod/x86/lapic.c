// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC in the kernel, for both x86 backends: the register file
 * (xAPIC page and x2APIC MSRs), the timer on an hrtimer, IPIs and MSIs on
 * the APIC bus, INIT/SIPI and HLT.  Facts from the Intel SDM vol. 3 ch. 11;
 * the ioctls and their errnos as kvm.ko has them.
 *
 * Any context may set IRR bits, INIT/SIPI/NMI requests (under the APIC's
 * spinlock) and then kick the vCPU; only the vCPU's thread moves a vector
 * from IRR to ISR and into the guest (x86_lapic_next_irq()).
 */
#include <asm/apicdef.h>
#include <asm/kvm_para.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>
#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "core/vireo.h"
#include "x86/decode.h"
#include "x86/lapic.h"
#include "x86/x86.h"

#define LAPIC_VERSION		0x14
#define LAPIC_NR_LVT		6
#define LAPIC_LVT_MASK		BIT(16)
#define LAPIC_LVT_LEVEL		BIT(15)
#define LAPIC_TIMER_MODE	(3U << 17)
#define LAPIC_TIMER_PERIODIC	BIT(17)
#define LAPIC_TIMER_DEADLINE	(2U << 17)
#define LAPIC_SVR_ENABLE	BIT(8)
#define LAPIC_SVR_NO_BROADCAST	BIT(12)
#define LAPIC_LVR_DIRECTED_EOI	BIT(24)
#define LAPIC_DM_FIXED		0
#define LAPIC_DM_LOWEST		1
#define LAPIC_DM_SMI		2
#define LAPIC_DM_REMRD		X86_APIC_DM_REMRD
#define LAPIC_DM_NMI		4
#define LAPIC_DM_INIT		5
#define LAPIC_DM_SIPI		6
#define LAPIC_DM_EXTINT		7
#define LAPIC_SH_NONE		0
#define LAPIC_SH_SELF		1
#define LAPIC_SH_ALL		2
#define LAPIC_SH_OTHERS		3
/* kvm.ko's floor for a periodic timer, so a guest cannot flood the host */
#define LAPIC_MIN_PERIOD_NS	200000ULL
#define LAPIC_X2APIC_MSR	0x800
#define LAPIC_MSR_SELF_IPI	0x83f
#define LAPIC_REG_SELF_IPI	0x3f0
/* kvm.ko's bound: its number of GSI routes (KVM_MAX_IRQ_ROUTES) */
#define LAPIC_MAX_SPLIT_PINS	4096

static u32 lapic_reg(const struct x86_lapic *a, unsigned int off)
{
	return READ_ONCE(a->regs[off / 4]);
}

static void lapic_set_reg(struct x86_lapic *a, unsigned int off, u32 v)
{
	WRITE_ONCE(a->regs[off / 4], v);
}

/* IRR, ISR and TMR: eight 32-bit words, 16 bytes apart. */
static bool lapic_test_vec(const struct x86_lapic *a, unsigned int base,
			   u8 vec)
{
	return lapic_reg(a, base + (vec / 32) * 0x10) & BIT(vec % 32);
}

static void lapic_assign_vec(struct x86_lapic *a, unsigned int base, u8 vec,
			     bool on)
{
	unsigned int off = base + (vec / 32) * 0x10;
	u32 v = lapic_reg(a, off);

	lapic_set_reg(a, off, on ? v | BIT(vec % 32) : v & ~BIT(vec % 32));
}

/* The highest vector set in IRR, ISR or TMR, or -1. */
static int lapic_highest(const struct x86_lapic *a, unsigned int base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 v = lapic_reg(a, base + i * 0x10);

		if (v)
			return i * 32 + fls(v) - 1;
	}
	return -1;
}

static bool lapic_hw_enabled(const struct x86_lapic *a)
{
	return a->base & MSR_IA32_APICBASE_ENABLE;
}

static bool lapic_x2apic(const struct x86_lapic *a)
{
	return (a->base & (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE)) ==
	       (MSR_IA32_APICBASE_ENABLE | X2APIC_ENABLE);
}

static bool lapic_sw_enabled(const struct x86_lapic *a)
{
	return lapic_reg(a, APIC_SPIV) & LAPIC_SVR_ENABLE;
}

static u32 lapic_ppr(const struct x86_lapic *a)
{
	u32 tpr = lapic_reg(a, APIC_TASKPRI) & 0xff;
	int isr = lapic_highest(a, APIC_ISR);
	u32 isrv = isr < 0 ? 0 : isr;

	return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr : isrv & 0xf0;
}

/*
 * kvm.ko offers directed EOI (the I/O APIC's EOI register, so no EOI
 * broadcast) where the I/O APIC is the VMM's and the guest has x2APIC.
 */
static u32 lapic_version(const struct x86_lapic *a)
{
	u32 v = LAPIC_VERSION | (LAPIC_NR_LVT - 1) << 16, leaf1[4];

	if (to_x86_vm(a->vcpu->vm)->irqchip->mode == X86_IRQCHIP_SPLIT) {
		x86_cpuid_lookup(a->ops->cpuid(a->vcpu), 1, 0, leaf1);
		if (leaf1[2] & BIT(21))
			v |= LAPIC_LVR_DIRECTED_EOI;
	}
	return v;
}

static u32 lapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

/*
 * Poke the vCPU: it evaluates its APIC again before its next entry, wakes
 * if it waits in HLT, and leaves the guest now if it is in there.
 */
static void lapic_kick(struct x86_lapic *a)
{
	set_bit(X86_LAPIC_KICK, &a->events);
	/* The flag before the wake-up and the kick, which read the state. */
	smp_mb__after_atomic();
	vireo_vcpu_kick(a->vcpu);
}

/* Reset (@init: an INIT), keeping the base and, as kvm.ko does, the ID. */
static void lapic_reset(struct x86_lapic *a, bool init)
{
	u32 id = init ? lapic_reg(a, APIC_ID) : a->vcpu->id << 24;
	unsigned int off;

	a->timer_armed = false;
	hrtimer_try_to_cancel(&a->timer);
	a->tsc_deadline = 0;
	a->timer_period = 0;
	memset(a->regs, 0, sizeof(a->regs));
	if (lapic_x2apic(a)) {
		id = a->vcpu->id;
		lapic_set_reg(a, APIC_LDR, lapic_x2apic_ldr(id));
	}
	lapic_set_reg(a, APIC_ID, id);
	lapic_set_reg(a, APIC_LVR, lapic_version(a));
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		lapic_set_reg(a, off, LAPIC_LVT_MASK);
	lapic_set_reg(a, APIC_DFR, 0xffffffff);
	lapic_set_reg(a, APIC_SPIV, 0xff);
	/* The BSP's LINT0 takes the 8259's ExtINT, as kvm.ko sets it. */
	if (a->base & MSR_IA32_APICBASE_BSP)
		lapic_set_reg(a, APIC_LVT0, APIC_DM_EXTINT);
	a->extint = -1;
	a->eoi_exit = -1;
}

/* --- the timer --- */

static u32 lapic_divide(const struct x86_lapic *a)
{
	u32 v = lapic_reg(a, APIC_TDCR);
	u32 d = (v & 3) | ((v & 8) >> 1);

	return 1U << ((d + 1) & 7);
}

/* kvm.ko's APIC bus runs at 1 GHz: one count is @divide nanoseconds. */
static void lapic_start_count(struct x86_lapic *a)
{
	u32 mode = lapic_reg(a, APIC_LVTT) & LAPIC_TIMER_MODE;
	u64 ns = (u64)lapic_reg(a, APIC_TMICT) * lapic_divide(a);

	a->timer_armed = false;
	hrtimer_try_to_cancel(&a->timer);
	if (!ns || mode == LAPIC_TIMER_DEADLINE)
		return;
	if (mode == LAPIC_TIMER_PERIODIC)
		ns = max(ns, LAPIC_MIN_PERIOD_NS);
	a->timer_period = mode == LAPIC_TIMER_PERIODIC ? ns : 0;
	a->timer_start = ktime_get();
	a->timer_expire = ktime_add_ns(a->timer_start, ns);
	a->timer_armed = true;
	hrtimer_start(&a->timer, a->timer_expire, HRTIMER_MODE_ABS_HARD);
}

static void lapic_start_deadline(struct x86_lapic *a, u64 guest_tsc)
{
	u64 ns = 0;

	a->timer_armed = false;
	hrtimer_try_to_cancel(&a->timer);
	if (!a->tsc_deadline)
		return;
	if (a->tsc_deadline > guest_tsc && tsc_khz)
		ns = mul_u64_u32_div(a->tsc_deadline - guest_tsc, 1000000,
				     tsc_khz);
	a->timer_period = 0;
	a->timer_start = ktime_get();
	a->timer_expire = ktime_add_ns(a->timer_start, ns);
	a->timer_armed = true;
	hrtimer_start(&a->timer, a->timer_expire, HRTIMER_MODE_ABS_HARD);
}

static u32 lapic_current_count(struct x86_lapic *a)
{
	ktime_t now = ktime_get();
	s64 left;
	u64 rem;

	if (!a->timer_armed || a->tsc_deadline)
		return 0;
	left = ktime_to_ns(ktime_sub(a->timer_expire, now));
	if (left <= 0) {
		if (!a->timer_period)
			return 0;
		div64_u64_rem(-left, a->timer_period, &rem);
		left = a->timer_period - rem;
	}
	return div_u64(left, lapic_divide(a));
}

static void lapic_set_irr(struct x86_lapic *a, u8 vec, bool level)
{
	lapic_assign_vec(a, APIC_IRR, vec, true);
	lapic_assign_vec(a, APIC_TMR, vec, level);
}

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct x86_lapic *a = container_of(t, struct x86_lapic, timer);
	enum hrtimer_restart r = HRTIMER_NORESTART;
	unsigned long flags;
	u32 lvtt;

	spin_lock_irqsave(&a->lock, flags);
	/* Re-armed or stopped while this call waited for the lock. */
	if (!a->timer_armed || ktime_before(ktime_get(), a->timer_expire))
		goto out;
	lvtt = lapic_reg(a, APIC_LVTT);
	if (!(lvtt & LAPIC_LVT_MASK))
		lapic_set_irr(a, lvtt & 0xff, false);
	if (a->timer_period) {
		hrtimer_forward_now(t, ns_to_ktime(a->timer_period));
		a->timer_expire = hrtimer_get_expires(t);
		r = HRTIMER_RESTART;
	} else {
		a->timer_armed = false;
		a->tsc_deadline = 0;
	}
	spin_unlock_irqrestore(&a->lock, flags);
	if (!(lvtt & LAPIC_LVT_MASK))
		lapic_kick(a);
	return r;
out:
	spin_unlock_irqrestore(&a->lock, flags);
	return r;
}

/* --- the APIC bus --- */

static bool lapic_match_dest(struct x86_lapic *a, const struct x86_apic_irq *irq)
{
	u32 id = lapic_reg(a, APIC_ID), ldr = lapic_reg(a, APIC_LDR);
	u32 dest = irq->dest;

	if (lapic_x2apic(a)) {
		if (dest == 0xffffffff)
			return true;
		if (!irq->logical)
			return dest == id;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	if (!irq->logical)
		return dest == 0xff || dest == 0xffffffff || dest == id >> 24;
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	ldr >>= 24;
	if ((lapic_reg(a, APIC_DFR) >> 28) == 0xf)
		return ldr & dest;
	/* Cluster model: the high nibbles name the cluster. */
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

/* One APIC takes the message; kvm.ko counts it even if IRR had it. */
static int lapic_accept(struct x86_lapic *a, const struct x86_apic_irq *irq)
{
	unsigned long flags;
	int r = 0;

	spin_lock_irqsave(&a->lock, flags);
	switch (irq->delivery) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		if ((irq->level && !irq->assert) || !lapic_sw_enabled(a))
			break;
		lapic_set_irr(a, irq->vector, irq->level);
		r = 1;
		break;
	case LAPIC_DM_NMI:
		if (a->nmi_pending < 2)
			a->nmi_pending++;
		r = 1;
		break;
	case LAPIC_DM_INIT:
		/* A level de-assert INIT only synchronises arbitration IDs. */
		if (irq->level && !irq->assert)
			break;
		set_bit(X86_LAPIC_INIT, &a->events);
		r = 1;
		break;
	case LAPIC_DM_SIPI:
		a->sipi_vector = irq->vector;
		set_bit(X86_LAPIC_SIPI, &a->events);
		r = 1;
		break;
	case LAPIC_DM_EXTINT:
		r = 1;
		break;
	case LAPIC_DM_REMRD:
		/*
		 * The PV kick (from an IPI, MSI or RTE with this mode too,
		 * as under kvm.ko): a lock waiter halted with interrupts
		 * off must run again.
		 */
		set_bit(X86_LAPIC_UNHALT, &a->events);
		r = 1;
		break;
	default:	/* SMI: no SMM */
		break;
	}
	spin_unlock_irqrestore(&a->lock, flags);
	if (r)
		lapic_kick(a);
	return r;
}

static struct x86_lapic *lapic_of(struct vireo_vcpu *vcpu)
{
	return to_x86_vcpu(vcpu)->apic;
}

static bool lapic_targets(struct x86_lapic *a, const struct x86_apic_irq *irq)
{
	bool self = a->vcpu->id == irq->src;

	if (!lapic_hw_enabled(a))
		return false;
	switch (irq->shorthand) {
	case LAPIC_SH_SELF:
		return self;
	case LAPIC_SH_ALL:
		return true;
	case LAPIC_SH_OTHERS:
		return !self;
	default:
		return lapic_match_dest(a, irq);
	}
}

/**
 * x86_apic_deliver - send a message on a VM's APIC bus
 * @vm: the VM
 * @irq: the message
 *
 * Lowest priority goes to the matching APIC with the lowest TPR.  Atomic
 * context is fine: spinlocks only.
 *
 * Return: how many local APICs took it, or -1 if none matched.
 */
int x86_apic_deliver(struct vireo_vm *vm, const struct x86_apic_irq *irq)
{
	/* Pairs with vCPU creation's release: the array up to n is set. */
	unsigned int i, n = smp_load_acquire(&vm->nr_vcpus);
	struct x86_lapic *a, *low = NULL;
	int r = -1;

	for (i = 0; i < n; i++) {
		a = lapic_of(vm->vcpus[i]);
		if (!a || !lapic_targets(a, irq))
			continue;
		if (irq->delivery == LAPIC_DM_LOWEST && !irq->shorthand) {
			if (!low || (lapic_reg(a, APIC_TASKPRI) & 0xff) <
				    (lapic_reg(low, APIC_TASKPRI) & 0xff))
				low = a;
			continue;
		}
		r = max(r, 0) + lapic_accept(a, irq);
	}
	if (low)
		r = lapic_accept(low, irq);
	return r;
}

/**
 * x86_msi_deliver - an MSI write reaches the APIC bus
 * @vm: the VM
 * @addr: the message address (0xfeexxxxx)
 * @data: the message data
 *
 * Return: as x86_apic_deliver().
 */
int x86_msi_deliver(struct vireo_vm *vm, u64 addr, u32 data)
{
	struct x86_apic_irq irq = {
		.dest = (addr >> 12) & 0xff,
		.logical = addr & BIT(2),
		.vector = data & 0xff,
		.delivery = (data >> 8) & 7,
		.level = data & BIT(15),
		.assert = true,
		.src = U32_MAX,
	};

	return x86_apic_deliver(vm, &irq);
}

/**
 * x86_apic_extint_changed - the 8259 pair's output moved
 * @vm: the VM
 *
 * vCPU 0 takes ExtINT through LINT0: have it look again.
 */
void x86_apic_extint_changed(struct vireo_vm *vm)
{
	struct x86_lapic *a;

	/* Pairs with vCPU creation's release: vcpus[0] is set. */
	if (!smp_load_acquire(&vm->nr_vcpus))
		return;
	a = lapic_of(vm->vcpus[0]);
	if (a)
		lapic_kick(a);
}

/* The ICR was written: low word @lo, destination @hi (x2APIC: all of it). */
static void lapic_send_ipi(struct x86_lapic *a, u32 lo, u32 hi)
{
	struct x86_apic_irq irq = {
		.dest = lapic_x2apic(a) ? hi : hi >> 24,
		.vector = lo & 0xff,
		.delivery = (lo >> 8) & 7,
		.logical = lo & APIC_DEST_LOGICAL,
		.assert = lo & APIC_INT_ASSERT,
		.level = lo & APIC_INT_LEVELTRIG,
		.shorthand = (lo >> 18) & 3,
		.src = a->vcpu->id,
	};

	x86_apic_deliver(a->vcpu->vm, &irq);
}

/* --- the vCPU's side --- */

/* May the 8259's ExtINT come in through LINT0? */
static bool lapic_lint0_extint(const struct x86_lapic *a)
{
	u32 lvt0 = lapic_reg(a, APIC_LVT0);

	if (!lapic_hw_enabled(a))
		return true;
	return !(lvt0 & LAPIC_LVT_MASK) &&
	       ((lvt0 >> 8) & 7) == LAPIC_DM_EXTINT;
}

/*
 * The in-kernel 8259 pair's interrupt for vCPU 0, outside the APIC's lock
 * (the 8259 may tell the APICs about its output as it acks), or -1.
 */
static int lapic_kernel_extint(struct x86_lapic *a, bool ack)
{
	struct vireo_vm *vm = a->vcpu->vm;

	if (to_x86_vm(vm)->irqchip->mode != X86_IRQCHIP_KERNEL ||
	    a->vcpu->id || !lapic_lint0_extint(a) || !x86_pic_output(vm))
		return -1;
	return ack ? x86_pic_intack(vm) : 0;
}

/**
 * x86_lapic_next_irq - the interrupt the vCPU should take next
 * @apic: the vCPU's APIC
 * @ack: take it: the vector moves from IRR to ISR (or the 8259 acks)
 *
 * Return: the vector, or -1 if nothing is deliverable now (masked by PPR,
 * or nothing pending).
 */
int __vireo_hot x86_lapic_next_irq(struct x86_lapic *apic, bool ack)
{
	unsigned long flags;
	int v;

	v = lapic_kernel_extint(apic, ack);
	if (v >= 0)
		return v;
	spin_lock_irqsave(&apic->lock, flags);
	/* Split irqchip: the VMM's 8259 (KVM_INTERRUPT) through LINT0 */
	if (apic->extint >= 0 && lapic_lint0_extint(apic)) {
		v = apic->extint;
		if (ack)
			apic->extint = -1;
		goto out;
	}
	v = -1;
	if (!lapic_hw_enabled(apic))
		goto out;
	v = lapic_highest(apic, APIC_IRR);
	if (v < 0 || (v & 0xf0) <= (lapic_ppr(apic) & 0xf0)) {
		v = -1;
		goto out;
	}
	if (ack) {
		lapic_assign_vec(apic, APIC_IRR, v, false);
		lapic_assign_vec(apic, APIC_ISR, v, true);
	}
out:
	spin_unlock_irqrestore(&apic->lock, flags);
	return v;
}

/**
 * x86_lapic_unkick - the vCPU is about to evaluate its APIC for an entry
 * @apic: the vCPU's APIC
 *
 * Anything that arrives from now on sets the flag again, which the backend
 * tests with interrupts off before entering (x86_lapic_kicked()).
 */
void __vireo_hot x86_lapic_unkick(struct x86_lapic *apic)
{
	clear_bit(X86_LAPIC_KICK, &apic->events);
	/* The flag cleared before the state is read; lapic_kick() pairs. */
	smp_mb__after_atomic();
}

/**
 * x86_lapic_take_nmi - an NMI message for the backend's NMI queue
 * @apic: the vCPU's APIC
 *
 * Return: true if one was pending (it is no longer).
 */
bool __vireo_hot x86_lapic_take_nmi(struct x86_lapic *apic)
{
	unsigned long flags;
	bool r;

	spin_lock_irqsave(&apic->lock, flags);
	r = apic->nmi_pending;
	if (r)
		apic->nmi_pending--;
	spin_unlock_irqrestore(&apic->lock, flags);
	return r;
}

u8 __vireo_hot x86_lapic_get_cr8(struct x86_lapic *apic)
{
	return (lapic_reg(apic, APIC_TASKPRI) >> 4) & 0xf;
}

/* TPR[3:0] stays when the class did not change (V_TPR has no room for it). */
void __vireo_hot x86_lapic_set_cr8(struct x86_lapic *apic, u8 cr8)
{
	if (x86_lapic_get_cr8(apic) != (cr8 & 0xf))
		lapic_set_reg(apic, APIC_TASKPRI, (cr8 & 0xf) << 4);
}

void x86_lapic_halt(struct x86_lapic *apic)
{
	apic->mp_state = KVM_MP_STATE_HALTED;
}

/* An INIT or a SIPI that arrived: on the vCPU's thread. */
static void __vireo_hot lapic_accept_events(struct x86_lapic *a)
{
	unsigned long flags;

	if (test_and_clear_bit(X86_LAPIC_INIT, &a->events)) {
		a->ops->init(a->vcpu);
		spin_lock_irqsave(&a->lock, flags);
		lapic_reset(a, true);
		a->nmi_pending = 0;
		spin_unlock_irqrestore(&a->lock, flags);
		/* As kvm.ko's reset: a new kernel has not asked for PV EOI. */
		to_x86_vcpu(a->vcpu)->pv_eoi = 0;
		if (a->mp_state == KVM_MP_STATE_UNINITIALIZED)
			a->eagain = true;
		/* The BSP goes on from the reset vector, as under kvm.ko. */
		a->mp_state = (a->base & MSR_IA32_APICBASE_BSP) ?
			      KVM_MP_STATE_RUNNABLE :
			      KVM_MP_STATE_INIT_RECEIVED;
	}
	if (test_and_clear_bit(X86_LAPIC_SIPI, &a->events) &&
	    a->mp_state == KVM_MP_STATE_INIT_RECEIVED) {
		a->ops->sipi(a->vcpu, READ_ONCE(a->sipi_vector));
		a->mp_state = KVM_MP_STATE_RUNNABLE;
	}
}

/**
 * x86_lapic_blocked - does the vCPU wait instead of entering the guest?
 * @apic: the vCPU's APIC
 *
 * On the vCPU's thread, also as the condition of its wait (no sleeping).
 * An INIT or SIPI that arrived takes effect here.  A halted vCPU runs again
 * once an NMI, an interrupt it can take or a KVM_HC_KICK_CPU arrives (the
 * kick also when it came before the HLT).
 *
 * Return: 1 to wait, 0 to run, -EAGAIN once when an INIT ended the
 * UNINITIALIZED state a vCPU other than the BSP starts in (kvm.ko's).
 */
int __vireo_hot x86_lapic_blocked(struct x86_lapic *apic)
{
	lapic_accept_events(apic);
	if (apic->eagain) {
		apic->eagain = false;
		return -EAGAIN;
	}
	switch (apic->mp_state) {
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
		return 1;
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_AP_RESET_HOLD:
		if (test_bit(X86_LAPIC_UNHALT, &apic->events) ||
		    READ_ONCE(apic->nmi_pending) ||
		    (x86_lapic_next_irq(apic, false) >= 0 &&
		     apic->ops->irq_enabled(apic->vcpu))) {
			/* Whatever ended this HLT, a kick is used up. */
			clear_bit(X86_LAPIC_UNHALT, &apic->events);
			apic->mp_state = KVM_MP_STATE_RUNNABLE;
			return 0;
		}
		return 1;
	default:
		return 0;
	}
}

/*
 * EOI: the highest in-service vector is done.  Returns the vector the
 * in-kernel I/O APIC must hear of, or -1: the caller tells it
 * once the lock is dropped, as the I/O APIC may deliver to this APIC again.
 */
static int lapic_eoi(struct x86_lapic *a)
{
	struct x86_irqchip *chip = to_x86_vm(a->vcpu->vm)->irqchip;
	int v = lapic_highest(a, APIC_ISR);
	bool level;

	if (v < 0)
		return -1;
	lapic_assign_vec(a, APIC_ISR, v, false);
	level = lapic_test_vec(a, APIC_TMR, v);
	/* With directed EOI the guest writes the I/O APIC's EOI itself. */
	if (level && (lapic_reg(a, APIC_SPIV) & LAPIC_SVR_NO_BROADCAST))
		return -1;
	/*
	 * The in-kernel I/O APIC hears edge EOIs too, as under kvm.ko: the
	 * PIT's reinjection counts them.  The VMM's hears of level ones.
	 */
	if (chip->mode == X86_IRQCHIP_KERNEL)
		return v;
	if (level)
		a->eoi_exit = v;
	return -1;
}

/**
 * x86_lapic_eoi_exit - report a level-triggered EOI to the VMM
 * @apic: the vCPU's APIC
 * @run: filled in for KVM_EXIT_IOAPIC_EOI
 *
 * With a split irqchip the I/O APIC is the VMM's: its remote IRR waits for
 * the EOI of a vector that came in level-triggered (TMR set).
 *
 * Return: true when @run holds the exit.
 */
bool __vireo_hot x86_lapic_eoi_exit(struct x86_lapic *apic, struct kvm_run *run)
{
	if (apic->eoi_exit < 0)
		return false;
	run->exit_reason = KVM_EXIT_IOAPIC_EOI;
	run->eoi.vector = apic->eoi_exit;
	apic->eoi_exit = -1;
	return true;
}

bool __vireo_hot x86_lapic_accept_extint(struct x86_lapic *apic)
{
	return apic->extint < 0 && lapic_lint0_extint(apic);
}

/**
 * x86_lapic_user_window - does the VMM's request_interrupt_window count now?
 * @apic: the vCPU's APIC
 *
 * Only the VMM's 8259 (split irqchip) asks for the window, and, as kvm.ko
 * has it, only while KVM_INTERRUPT could take its vector: with LINT0
 * masked a VMM that keeps asking would otherwise get an interrupt-window
 * exit at every entry and the guest would never run.
 *
 * Return: true if the window opens for the VMM.
 */
bool __vireo_hot x86_lapic_user_window(struct x86_lapic *apic)
{
	return to_x86_vm(apic->vcpu->vm)->irqchip->mode == X86_IRQCHIP_SPLIT &&
	       x86_lapic_accept_extint(apic);
}

/* --- registers --- */

static bool lapic_readable(const struct x86_lapic *a, unsigned int off)
{
	switch (off) {
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_PROCPRI:
	case APIC_LDR: case APIC_SPIV: case APIC_ESR: case APIC_ICR:
	case APIC_LVTT: case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0:
	case APIC_LVT1: case APIC_LVTERR: case APIC_TMICT: case APIC_TMCCT:
	case APIC_TDCR:
	case APIC_ISR ... APIC_ISR + 0x70:
	case APIC_TMR ... APIC_TMR + 0x70:
	case APIC_IRR ... APIC_IRR + 0x70:
		return true;
	case APIC_ARBPRI: case APIC_DFR: case APIC_ICR2:
		return !lapic_x2apic(a);
	default:
		return false;
	}
}

static u32 lapic_read(struct x86_lapic *a, unsigned int off)
{
	switch (off) {
	case APIC_PROCPRI:
		return lapic_ppr(a);
	case APIC_LVR:
		return lapic_version(a);
	case APIC_TMCCT:
		return lapic_current_count(a);
	case APIC_ICR:
		return lapic_reg(a, APIC_ICR) & ~APIC_ICR_BUSY;
	case APIC_TASKPRI:
		if (a->tpr_report)
			a->tpr_access = 1;
		return lapic_reg(a, off);
	default:
		return lapic_reg(a, off);
	}
}

static void lapic_lvt_write(struct x86_lapic *a, unsigned int off, u32 v)
{
	static const u32 masks[] = {
		[(APIC_LVTT - APIC_LVTT) >> 4] = 0x100ff,
		[(APIC_LVTTHMR - APIC_LVTT) >> 4] = 0x107ff,
		[(APIC_LVTPC - APIC_LVTT) >> 4] = 0x107ff,
		[(APIC_LVT0 - APIC_LVTT) >> 4] = 0x1a7ff,
		[(APIC_LVT1 - APIC_LVTT) >> 4] = 0x1a7ff,
		[(APIC_LVTERR - APIC_LVTT) >> 4] = 0x100ff,
	};
	u32 mask = masks[(off - APIC_LVTT) >> 4];
	u32 old;

	if (off == APIC_LVTT) {
		const struct x86_cpuid *c = a->ops->cpuid(a->vcpu);
		u32 leaf1[4];

		x86_cpuid_lookup(c, 1, 0, leaf1);
		mask |= LAPIC_TIMER_PERIODIC;
		if (leaf1[2] & BIT(24))
			mask |= LAPIC_TIMER_DEADLINE;
	}
	if (!lapic_sw_enabled(a))
		v |= LAPIC_LVT_MASK;
	v &= mask;
	old = lapic_reg(a, off);
	lapic_set_reg(a, off, v);
	/* A new timer mode stops the timer and clears its count. */
	if (off == APIC_LVTT &&
	    ((old ^ v) & LAPIC_TIMER_MODE)) {
		a->timer_armed = false;
		hrtimer_try_to_cancel(&a->timer);
		lapic_set_reg(a, APIC_TMICT, 0);
		a->tsc_deadline = 0;
		a->timer_period = 0;
	}
}

/*
 * A register write, with the lock held.  Returns nonzero where an x2APIC
 * WRMSR raises #GP.  IPIs (@ipi) and the I/O APIC's EOI (@eoi) go out after
 * the lock is dropped.
 */
static int lapic_write(struct x86_lapic *a, unsigned int off, u32 v,
		       u32 hi, bool *ipi, int *eoi)
{
	bool x2 = lapic_x2apic(a);
	unsigned int o;

	switch (off) {
	case APIC_ID:
		if (x2)
			return 1;
		lapic_set_reg(a, APIC_ID, v & 0xff000000);
		break;
	case APIC_TASKPRI:
		lapic_set_reg(a, APIC_TASKPRI, v & 0xff);
		if (a->tpr_report)
			a->tpr_access = 2;
		break;
	case APIC_EOI:
		if (x2 && v)
			return 1;
		*eoi = lapic_eoi(a);
		break;
	case APIC_LDR:
		if (x2)
			return 1;
		lapic_set_reg(a, APIC_LDR, v & 0xff000000);
		break;
	case APIC_DFR:
		if (x2)
			return 1;
		lapic_set_reg(a, APIC_DFR, v | 0x0fffffff);
		break;
	case APIC_SPIV:
		lapic_set_reg(a, APIC_SPIV, v & (0x3ff |
			      (lapic_version(a) & LAPIC_LVR_DIRECTED_EOI ?
			       LAPIC_SVR_NO_BROADCAST : 0)));
		if (!(v & LAPIC_SVR_ENABLE)) {
			for (o = APIC_LVTT; o <= APIC_LVTERR; o += 0x10)
				lapic_set_reg(a, o, lapic_reg(a, o) |
					      LAPIC_LVT_MASK);
		}
		break;
	case APIC_ESR:
		if (x2 && v)
			return 1;
		break;
	case APIC_ICR:
		lapic_set_reg(a, APIC_ICR, v & ~APIC_ICR_BUSY);
		if (x2)
			lapic_set_reg(a, APIC_ICR2, hi);
		*ipi = true;
		break;
	case APIC_ICR2:
		if (x2)
			return 1;
		lapic_set_reg(a, APIC_ICR2, v & 0xff000000);
		break;
	case APIC_LVTT ... APIC_LVTERR:
		if (off & 0xf)
			return 1;
		lapic_lvt_write(a, off, v);
		break;
	case APIC_TMICT:
		if ((lapic_reg(a, APIC_LVTT) & LAPIC_TIMER_MODE) ==
		    LAPIC_TIMER_DEADLINE)
			break;
		lapic_set_reg(a, APIC_TMICT, v);
		lapic_start_count(a);
		break;
	case APIC_TDCR:
		lapic_set_reg(a, APIC_TDCR, v & 0xb);
		break;
	case LAPIC_REG_SELF_IPI:
		if (!x2)
			return 1;
		lapic_set_irr(a, v & 0xff, false);
		set_bit(X86_LAPIC_KICK, &a->events);
		break;
	default:
		return 1;
	}
	return 0;
}

static int lapic_write_unlocked(struct x86_lapic *a, unsigned int off, u32 v,
				u32 hi)
{
	unsigned long flags;
	bool ipi = false;
	int r, eoi = -1;
	u32 lo, dest;

	spin_lock_irqsave(&a->lock, flags);
	r = lapic_write(a, off, v, hi, &ipi, &eoi);
	lo = lapic_reg(a, APIC_ICR);
	dest = lapic_reg(a, APIC_ICR2);
	spin_unlock_irqrestore(&a->lock, flags);
	if (ipi)
		lapic_send_ipi(a, lo, dest);
	if (eoi >= 0)
		x86_ioapic_eoi(a->vcpu->vm, eoi);
	return r;
}

/**
 * x86_lapic_mmio - an access to the xAPIC page
 * @apic: the vCPU's APIC
 * @gpa: the address
 * @size: bytes
 * @write: a store
 * @val: what a store writes; what a load gets
 *
 * As under kvm.ko, the page belongs to the APIC whatever its mode: with
 * the APIC off or in x2APIC mode loads read all ones and stores vanish;
 * a store that is not an aligned dword is dropped.
 *
 * Return: true if @gpa is in the APIC page (the access is done).
 */
bool x86_lapic_mmio(struct x86_lapic *apic, u64 gpa, unsigned int size,
		    bool write, u64 *val)
{
	unsigned int off = gpa & ~PAGE_MASK, align = off & 0xf;
	unsigned long flags;
	u32 v = 0;

	if ((gpa & PAGE_MASK) != (apic->base & MSR_IA32_APICBASE_BASE))
		return false;
	if (!lapic_hw_enabled(apic) || lapic_x2apic(apic)) {
		if (!write)
			*val = ~0ULL;
		return true;
	}
	if (write) {
		if (size == 4 && !align && off != LAPIC_REG_SELF_IPI)
			lapic_write_unlocked(apic, off, *val, 0);
		return true;
	}
	*val = 0;
	off &= ~0xf;
	if (align + size > 4 || off >= KVM_APIC_REG_SIZE ||
	    !lapic_readable(apic, off))
		return true;
	spin_lock_irqsave(&apic->lock, flags);
	v = lapic_read(apic, off);
	spin_unlock_irqrestore(&apic->lock, flags);
	memcpy(val, (u8 *)&v + align, size);
	return true;
}

/**
 * x86_apic_base_valid - may IA32_APIC_BASE hold this value at all?
 * @c: the guest's CPUID
 * @base: the value
 *
 * The checks that do not depend on the mode the APIC is in: a VM without
 * an in-kernel APIC gets them too, as under kvm.ko.
 *
 * Return: false for a reserved bit (7:0, 9, the physical address width
 * and up, EXTD without CPUID's x2APIC) or for EXTD without EN.
 */
bool x86_apic_base_valid(const struct x86_cpuid *c, u64 base)
{
	u64 reserved = 0x2ff | ~((1ULL << boot_cpu_data.x86_phys_bits) - 1);
	u32 leaf1[4];

	x86_cpuid_lookup(c, 1, 0, leaf1);
	if (!(leaf1[2] & BIT(21)))
		reserved |= X2APIC_ENABLE;
	if (base & reserved)
		return false;
	return !(base & X2APIC_ENABLE) || (base & MSR_IA32_APICBASE_ENABLE);
}

/**
 * x86_lapic_set_base - IA32_APIC_BASE is written
 * @apic: the vCPU's APIC
 * @base: the new value
 * @host: from KVM_SET_SREGS or KVM_SET_MSRS (mode transitions the guest
 *	may not make)
 *
 * Return: 0, or 1 for a reserved bit or a transition the SDM forbids.
 */
int x86_lapic_set_base(struct x86_lapic *apic, u64 base, bool host)
{
	bool en = base & MSR_IA32_APICBASE_ENABLE, x2 = base & X2APIC_ENABLE;
	unsigned long flags;
	u64 old;

	if (!x86_apic_base_valid(apic->ops->cpuid(apic->vcpu), base))
		return 1;
	old = apic->base;
	if (!host) {
		if ((old & X2APIC_ENABLE) && en && !x2)
			return 1;
		if (!(old & MSR_IA32_APICBASE_ENABLE) && x2)
			return 1;
	}
	spin_lock_irqsave(&apic->lock, flags);
	apic->base = base;
	if ((old ^ base) & X2APIC_ENABLE && x2) {
		lapic_set_reg(apic, APIC_ID, apic->vcpu->id);
		lapic_set_reg(apic, APIC_LDR,
			      lapic_x2apic_ldr(apic->vcpu->id));
	}
	/* Disabling the APIC resets it (SDM 11.4.3); the ID comes back. */
	if ((old & MSR_IA32_APICBASE_ENABLE) && !en)
		lapic_reset(apic, false);
	spin_unlock_irqrestore(&apic->lock, flags);
	return 0;
}

static bool lapic_msr_in_range(u32 index)
{
	return index >= LAPIC_X2APIC_MSR && index <= LAPIC_MSR_SELF_IPI;
}

/**
 * x86_lapic_get_msr - RDMSR of an x2APIC register or TSC_DEADLINE
 * @apic: the vCPU's APIC
 * @index: the MSR
 * @data: its value
 *
 * Return: 0, 1 for #GP, -ENOENT when the MSR is not the APIC's.
 */
int x86_lapic_get_msr(struct x86_lapic *apic, u32 index, u64 *data)
{
	unsigned int off = (index - LAPIC_X2APIC_MSR) << 4;
	unsigned long flags;

	if (index == MSR_IA32_TSC_DEADLINE) {
		spin_lock_irqsave(&apic->lock, flags);
		*data = (lapic_reg(apic, APIC_LVTT) & LAPIC_TIMER_MODE) ==
			LAPIC_TIMER_DEADLINE ? apic->tsc_deadline : 0;
		spin_unlock_irqrestore(&apic->lock, flags);
		return 0;
	}
	if (!lapic_msr_in_range(index))
		return -ENOENT;
	if (!lapic_x2apic(apic) || !lapic_readable(apic, off))
		return 1;
	spin_lock_irqsave(&apic->lock, flags);
	*data = lapic_read(apic, off);
	if (off == APIC_ICR)
		*data |= (u64)lapic_reg(apic, APIC_ICR2) << 32;
	spin_unlock_irqrestore(&apic->lock, flags);
	return 0;
}

/**
 * x86_lapic_set_msr - WRMSR of an x2APIC register, TSC_DEADLINE or APIC_BASE
 * @apic: the vCPU's APIC
 * @index: the MSR
 * @data: the value
 *
 * APIC_BASE is only checked and applied here: the backend stores it too.
 *
 * Return: 0, 1 for #GP, -ENOENT when the backend goes on with the MSR.
 */
int x86_lapic_set_msr(struct x86_lapic *apic, u32 index, u64 data)
{
	unsigned int off = (index - LAPIC_X2APIC_MSR) << 4;
	unsigned long flags;
	u64 tsc;

	/*
	 * KVM_SET_MSRS may make the mode transitions a guest's WRMSR may not,
	 * as under kvm.ko: QEMU's reset writes the xAPIC base over an x2APIC.
	 */
	if (index == MSR_IA32_APICBASE)
		return x86_lapic_set_base(apic, data,
					  to_x86_vcpu(apic->vcpu)->msr_host) ?
		       1 : -ENOENT;
	if (index == MSR_IA32_TSC_DEADLINE) {
		tsc = rdtsc() + apic->ops->tsc_offset(apic->vcpu);
		spin_lock_irqsave(&apic->lock, flags);
		if ((lapic_reg(apic, APIC_LVTT) & LAPIC_TIMER_MODE) ==
		    LAPIC_TIMER_DEADLINE) {
			apic->tsc_deadline = data;
			lapic_start_deadline(apic, tsc);
		}
		spin_unlock_irqrestore(&apic->lock, flags);
		return 0;
	}
	if (!lapic_msr_in_range(index))
		return -ENOENT;
	if (!lapic_x2apic(apic))
		return 1;
	if (off != APIC_ICR && data >> 32)
		return 1;
	return lapic_write_unlocked(apic, off, data, data >> 32);
}

/* --- the VAPIC word and TPR access reports (QEMU's kvmvapic ROM) --- */

/*
 * The word's layout, as kvm.ko writes it: byte 0 the TPR, byte 1 the
 * class of the highest in-service vector, byte 3 the highest requested
 * vector (0 for none).  The guest's ROM code writes byte 0 only.
 */
static u32 lapic_vapic_word(struct x86_lapic *a)
{
	int irr, isr;
	u32 tpr;

	tpr = lapic_reg(a, APIC_TASKPRI) & 0xff;
	irr = lapic_highest(a, APIC_IRR);
	isr = lapic_highest(a, APIC_ISR);
	return tpr | ((isr < 0 ? 0 : isr & 0xf0) << 8) |
	       ((irr < 0 ? 0 : irr) << 24);
}

/**
 * x86_lapic_vapic_enter - publish the TPR and the vectors in the VAPIC word
 * @apic: the vCPU's APIC
 *
 * Before an entry, preemptible, slots held.  A word that is no longer in
 * guest memory is skipped, as kvm.ko skips it.
 */
void __vireo_hot x86_lapic_vapic_enter(struct x86_lapic *apic)
{
	unsigned long flags;
	u32 w;

	if (!apic->vapic_addr)
		return;
	spin_lock_irqsave(&apic->lock, flags);
	w = lapic_vapic_word(apic);
	spin_unlock_irqrestore(&apic->lock, flags);
	vireo_write_guest(apic->vcpu->vm, apic->vapic_addr, &w, sizeof(w));
}

/* --- PV EOI (KVM_FEATURE_PV_EOI) --- */

/*
 * The guest names a byte of its memory (MSR_KVM_PV_EOI_EN).  Before an
 * entry whose in-service vector needs nothing from its EOI but the ISR
 * bit cleared, the module sets bit 0 of that byte, and the guest's EOI
 * then only clears the bit: no exit.  That holds when no interrupt waits
 * in IRR (the EOI might let it in, and nothing would exit to deliver it),
 * the vector came edge-triggered (a level one's EOI goes to an I/O APIC)
 * and no pin of the in-kernel I/O APIC holds it (that one hears edge EOIs
 * too, for the PIT).  At the next exit the module reads the byte back:
 * clear, the guest made its EOI, which the module carries out; still set,
 * the module clears it and the guest's EOI comes the usual way.
 *
 * The byte is read only while pv_eoi_pending says the module set it, and
 * a clear bit does no more than an EOI the guest could have written.
 */
static u64 lapic_pv_eoi_gpa(const struct x86_lapic *a)
{
	return to_x86_vcpu(a->vcpu)->pv_eoi & ~(u64)KVM_MSR_ENABLED;
}

/**
 * x86_lapic_pv_eoi_enter - offer the guest a PV EOI for this entry
 * @apic: the vCPU's APIC
 *
 * Right before an entry, once the interrupt to inject is in ISR; slots
 * held, preemption off on VT-x: the byte is written without faulting a
 * page in, and a page that is not there leaves the EOI to exit as usual.
 * The backend calls x86_lapic_exit() after the exit, or if it gives the
 * entry up.
 */
void __vireo_hot x86_lapic_pv_eoi_enter(struct x86_lapic *apic)
{
	u8 b = KVM_PV_EOI_ENABLED;
	unsigned long flags;
	int v;

	if (!(to_x86_vcpu(apic->vcpu)->pv_eoi & KVM_MSR_ENABLED) ||
	    apic->pv_eoi_pending)
		return;
	spin_lock_irqsave(&apic->lock, flags);
	v = lapic_highest(apic, APIC_ISR);
	if (v >= 0 && (lapic_highest(apic, APIC_IRR) >= 0 ||
		       lapic_test_vec(apic, APIC_TMR, v)))
		v = -1;
	spin_unlock_irqrestore(&apic->lock, flags);
	if (v < 0 || x86_ioapic_has_vector(apic->vcpu->vm, v))
		return;
	pagefault_disable();
	apic->pv_eoi_pending = !vireo_write_guest(apic->vcpu->vm,
						  lapic_pv_eoi_gpa(apic),
						  &b, 1);
	pagefault_enable();
}

/* The guest's PV EOI, if it made one since x86_lapic_pv_eoi_enter(). */
static void lapic_pv_eoi_exit(struct x86_lapic *a)
{
	u8 b = 0;

	if (!a->pv_eoi_pending)
		return;
	a->pv_eoi_pending = false;
	/* Memory gone since (a slot deleted) counts as the EOI, as in kvm.ko. */
	if (!vireo_read_guest(a->vcpu->vm, lapic_pv_eoi_gpa(a), &b, 1) &&
	    (b & KVM_PV_EOI_ENABLED)) {
		b = 0;
		vireo_write_guest(a->vcpu->vm, lapic_pv_eoi_gpa(a), &b, 1);
		return;
	}
	lapic_write_unlocked(a, APIC_EOI, 0, 0);
}

/**
 * x86_lapic_exit - take what the guest wrote for its APIC in its memory
 * @apic: the vCPU's APIC
 *
 * After an exit, or an entry given up after x86_lapic_pv_eoi_enter();
 * preemptible, slots held: the guest's PV EOI, then the TPR it wrote in
 * the VAPIC word (any byte is a valid TPR: the guest's memory only ever
 * becomes the guest's own TPR).
 */
void __vireo_hot x86_lapic_exit(struct x86_lapic *apic)
{
	unsigned long flags;
	u32 w;

	lapic_pv_eoi_exit(apic);
	if (!apic->vapic_addr ||
	    vireo_read_guest(apic->vcpu->vm, apic->vapic_addr, &w, sizeof(w)))
		return;
	spin_lock_irqsave(&apic->lock, flags);
	lapic_set_reg(apic, APIC_TASKPRI, w & 0xff);
	spin_unlock_irqrestore(&apic->lock, flags);
}

/**
 * x86_pv_eoi_set_msr - write MSR_KVM_PV_EOI_EN
 * @vcpu: the vCPU
 * @data: the byte's guest-physical address, 4-byte aligned, bit 0
 *	"enabled"
 *
 * As kvm.ko: the address is checked when enabled, against writable guest
 * memory; without an in-kernel APIC the value is kept and does nothing.
 *
 * Return: 0, or 1 (#GP, a failed KVM_SET_MSRS) for a misaligned address
 * or one in no writable slot.
 */
int x86_pv_eoi_set_msr(struct vireo_vcpu *vcpu, u64 data)
{
	u64 gpa = data & ~(u64)KVM_MSR_ENABLED;

	if (!IS_ALIGNED(gpa, 4))
		return 1;
	if ((data & KVM_MSR_ENABLED) && !vireo_gpa_writable(vcpu->vm, gpa, 1))
		return 1;
	to_x86_vcpu(vcpu)->pv_eoi = data;
	return 0;
}

/**
 * x86_lapic_tpr_exit - report a TPR access the guest made, as kvm.ko does
 * @apic: the vCPU's APIC
 * @run: the kvm_run page, for KVM_EXIT_TPR_ACCESS
 * @rip: the address of the instruction that made it
 *
 * Return: true when KVM_RUN goes back to the VMM with the report.
 */
bool __vireo_hot x86_lapic_tpr_exit(struct x86_lapic *apic, struct kvm_run *run, u64 rip)
{
	u8 access = apic->tpr_access;

	if (!access)
		return false;
	apic->tpr_access = 0;
	run->exit_reason = KVM_EXIT_TPR_ACCESS;
	run->tpr_access.rip = rip;
	run->tpr_access.is_write = access == 2;
	run->tpr_access.pad = 0;
	return true;
}

/* kvm.ko takes an address in writable guest memory only. */
static long lapic_set_vapic_addr(struct x86_lapic *a, void __user *argp)
{
	struct kvm_vapic_addr va;

	if (copy_from_user(&va, argp, sizeof(va)))
		return -EFAULT;
	if (va.vapic_addr &&
	    !vireo_gpa_writable(a->vcpu->vm, va.vapic_addr, sizeof(u32)))
		return -EINVAL;
	a->vapic_addr = va.vapic_addr;
	return 0;
}

/* --- ioctls --- */

static long lapic_get_state(struct x86_lapic *a, void __user *argp)
{
	struct kvm_lapic_state *s = vireo_zalloc(sizeof(*s));
	unsigned long flags;
	long r = 0;
	u32 v;

	if (!s)
		return -ENOMEM;
	spin_lock_irqsave(&a->lock, flags);
	memcpy(s->regs, a->regs, sizeof(s->regs));
	v = lapic_current_count(a);
	memcpy(s->regs + APIC_TMCCT, &v, 4);
	v = lapic_ppr(a);
	memcpy(s->regs + APIC_PROCPRI, &v, 4);
	v = lapic_version(a);
	memcpy(s->regs + APIC_LVR, &v, 4);
	/* kvm.ko's format without KVM_CAP_X2APIC_API: the ID in bits 31:24 */
	if (lapic_x2apic(a)) {
		v = lapic_reg(a, APIC_ID) << 24;
		memcpy(s->regs + APIC_ID, &v, 4);
	}
	spin_unlock_irqrestore(&a->lock, flags);
	if (copy_to_user(argp, s, sizeof(*s)))
		r = -EFAULT;
	vireo_free(s);
	return r;
}

static long lapic_set_state(struct x86_lapic *a, void __user *argp)
{
	struct kvm_lapic_state *s = vireo_zalloc(sizeof(*s));
	unsigned long flags;
	u32 v;

	if (!s)
		return -ENOMEM;
	if (copy_from_user(s, argp, sizeof(*s))) {
		vireo_free(s);
		return -EFAULT;
	}
	spin_lock_irqsave(&a->lock, flags);
	memcpy(a->regs, s->regs, sizeof(a->regs));
	if (lapic_x2apic(a)) {
		v = lapic_reg(a, APIC_ID) >> 24;
		lapic_set_reg(a, APIC_ID, v);
		lapic_set_reg(a, APIC_LDR, lapic_x2apic_ldr(v));
	}
	lapic_set_reg(a, APIC_LVR, lapic_version(a));
	/* PPR is computed from TPR and ISR. */
	lapic_set_reg(a, APIC_PROCPRI, 0);
	/* The count goes on from what TMCCT held. */
	a->timer_armed = false;
	hrtimer_try_to_cancel(&a->timer);
	a->tsc_deadline = 0;
	v = lapic_reg(a, APIC_TMCCT);
	lapic_set_reg(a, APIC_TMCCT, 0);
	if ((lapic_reg(a, APIC_LVTT) & LAPIC_TIMER_MODE) !=
	    LAPIC_TIMER_DEADLINE && v) {
		u32 init = lapic_reg(a, APIC_TMICT);

		lapic_set_reg(a, APIC_TMICT, v);
		lapic_start_count(a);
		lapic_set_reg(a, APIC_TMICT, init);
		if (a->timer_period)
			a->timer_period = max((u64)init * lapic_divide(a),
					      LAPIC_MIN_PERIOD_NS);
	}
	spin_unlock_irqrestore(&a->lock, flags);
	vireo_free(s);
	lapic_kick(a);
	return 0;
}

/**
 * x86_lapic_ioctl - vCPU ioctls that change with an in-kernel APIC
 * @apic: the vCPU's APIC, or NULL
 * @cmd: the ioctl
 * @argp: its argument
 *
 * Return: 0 or -errno; -ENOIOCTLCMD when the backend handles @cmd.
 */
long x86_lapic_ioctl(struct x86_lapic *apic, unsigned int cmd,
		     void __user *argp)
{
	struct kvm_tpr_access_ctl tac;
	struct kvm_mp_state mp;
	int irq;

	switch (cmd) {
	case KVM_GET_LAPIC:
		return apic ? lapic_get_state(apic, argp) : -EINVAL;
	case KVM_SET_LAPIC:
		return apic ? lapic_set_state(apic, argp) : -EINVAL;
	case KVM_SET_VAPIC_ADDR:
		return apic ? lapic_set_vapic_addr(apic, argp) : -EINVAL;
	case KVM_TPR_ACCESS_REPORTING:
		/*
		 * kvm.ko takes it with or without an in-kernel APIC and
		 * writes the structure back; only that APIC reports.
		 */
		if (copy_from_user(&tac, argp, sizeof(tac)))
			return -EFAULT;
		if (tac.flags)
			return -EINVAL;
		if (apic)
			apic->tpr_report = tac.enabled;
		return copy_to_user(argp, &tac, sizeof(tac)) ? -EFAULT : 0;
	}
	if (!apic)
		return -ENOIOCTLCMD;
	switch (cmd) {
	case KVM_GET_MP_STATE:
		lapic_accept_events(apic);
		mp.mp_state = apic->mp_state;
		/* As kvm.ko: a kicked vCPU is as good as running. */
		if ((mp.mp_state == KVM_MP_STATE_HALTED ||
		     mp.mp_state == KVM_MP_STATE_AP_RESET_HOLD) &&
		    test_bit(X86_LAPIC_UNHALT, &apic->events))
			mp.mp_state = KVM_MP_STATE_RUNNABLE;
		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	case KVM_SET_MP_STATE:
		if (copy_from_user(&mp, argp, sizeof(mp)))
			return -EFAULT;
		switch (mp.mp_state) {
		case KVM_MP_STATE_SIPI_RECEIVED:
			apic->mp_state = KVM_MP_STATE_INIT_RECEIVED;
			set_bit(X86_LAPIC_SIPI, &apic->events);
			return 0;
		case KVM_MP_STATE_RUNNABLE:
		case KVM_MP_STATE_UNINITIALIZED:
		case KVM_MP_STATE_INIT_RECEIVED:
		case KVM_MP_STATE_HALTED:
		case KVM_MP_STATE_AP_RESET_HOLD:
			apic->mp_state = mp.mp_state;
			return 0;
		default:
			return -EINVAL;
		}
	case KVM_INTERRUPT:
		irq = x86_get_interrupt(argp);
		if (irq < 0)
			return irq;
		/* The 8259 is the VMM's only with a split irqchip. */
		if (to_x86_vm(apic->vcpu->vm)->irqchip->mode !=
		    X86_IRQCHIP_SPLIT)
			return -ENXIO;
		if (apic->extint >= 0)
			return -EEXIST;
		apic->extint = irq;
		return 0;
	default:
		return -ENOIOCTLCMD;
	}
}

/* --- lifetime --- */

/**
 * x86_lapic_create - give a new vCPU of an irqchip VM its local APIC
 * @vcpu: the vCPU, its arch part set up (to_x86_vcpu() works)
 * @ops: its backend's hooks
 *
 * Return: 0 or -ENOMEM; nothing to do without an irqchip.
 */
int x86_lapic_create(struct vireo_vcpu *vcpu, const struct x86_lapic_ops *ops)
{
	struct x86_lapic *a;
	bool bsp;

	if (!to_x86_vm(vcpu->vm)->irqchip)
		return 0;
	a = vireo_zalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->vcpu = vcpu;
	a->ops = ops;
	spin_lock_init(&a->lock);
	hrtimer_init(&a->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	a->timer.function = lapic_timer_fn;
	bsp = x86_is_bsp(to_x86_vm(vcpu->vm), vcpu->id);
	a->base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
		  (bsp ? MSR_IA32_APICBASE_BSP : 0);
	lapic_reset(a, false);
	/* kvm.ko: vCPUs but the BSP wait for INIT and SIPI. */
	a->mp_state = bsp ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED;
	to_x86_vcpu(vcpu)->apic = a;
	return 0;
}

void x86_lapic_destroy(struct vireo_vcpu *vcpu)
{
	struct x86_lapic *a = to_x86_vcpu(vcpu)->apic;

	if (!a)
		return;
	hrtimer_cancel(&a->timer);
	to_x86_vcpu(vcpu)->apic = NULL;
	vireo_free(a);
}

/* The VM goes away; its vCPUs (and their APICs) are gone already. */
void x86_irqchip_destroy(struct vireo_vm *vm)
{
	vireo_free(to_x86_vm(vm)->irqchip);
	to_x86_vm(vm)->irqchip = NULL;
}

/**
 * x86_enable_cap_split - KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)
 * @vm: the VM
 * @cap: args[0]: the I/O APIC pins the VMM keeps
 *
 * Return: 0, -EINVAL for more pins than kvm.ko has routes, -EEXIST once an irqchip or a vCPU
 * exists (kvm.ko's errnos, in its order).
 */
long x86_enable_cap_split(struct vireo_vm *vm, const struct kvm_enable_cap *cap)
{
	struct x86_irqchip *chip;
	long r;

	if (cap->args[0] > LAPIC_MAX_SPLIT_PINS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (to_x86_vm(vm)->irqchip || vm->nr_vcpus)
		goto out;
	r = -ENOMEM;
	chip = vireo_zalloc(sizeof(*chip));
	if (!chip)
		goto out;
	chip->mode = X86_IRQCHIP_SPLIT;
	chip->split_pins = cap->args[0];
	to_x86_vm(vm)->irqchip = chip;
	r = 0;
out:
	mutex_unlock(&vm->lock);
	return r;
}

/**
 * x86_apic_mmio - a decoded MMIO instruction that may hit the APIC page
 * @apic: the vCPU's APIC
 * @insn: the instruction
 * @gpa: the address it touched
 * @gprs: the register file (RAX current), updated for a load
 *
 * String instructions go to the VMM as before.
 *
 * Return: true when the APIC took it: RIP moves on by @insn->len.
 */
bool x86_apic_mmio(struct x86_lapic *apic, const struct x86_insn *insn,
		   u64 gpa, u64 *gprs)
{
	bool write = insn->op == X86_MMIO_STORE_REG ||
		     insn->op == X86_MMIO_STORE_IMM;
	u64 val = 0;

	if (insn->op == X86_MMIO_STOS || insn->op == X86_MMIO_MOVS)
		return false;
	if (write)
		val = x86_store_value(insn, gprs);
	if (!x86_lapic_mmio(apic, gpa, insn->size, write, &val))
		return false;
	if (!write)
		x86_load_result(insn, gprs, val);
	return true;
}
