// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's virtual timer (CNTV): the guest programs the CPU's own
 * registers while it runs (run.c switches them), this file gives each vCPU
 * its counter offset, its registers through ONE_REG, and wakes a vCPU that
 * waits in WFI when its timer fires.
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <asm/sysreg.h>

#include "arm64/arm64.h"

/* CNTV_CTL_EL0 */
#define A64_CNTV_ENABLE		BIT(0)
#define A64_CNTV_IMASK		BIT(1)
#define A64_CNTV_ISTATUS	BIT(2)

static u64 a64_cntfrq;

/** a64_timer_init - read the counter's frequency, once, at load */
void a64_timer_init(void)
{
	a64_cntfrq = read_sysreg(cntfrq_el0);
}

static u64 a64_cntpct(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

/**
 * a64_timer_count - the guest's virtual count now (CNTVCT_EL0 as it reads it)
 * @a: the vCPU
 *
 * Return: the physical count less the vCPU's offset.
 */
u64 a64_timer_count(struct a64_vcpu *a)
{
	return a64_cntpct() - a->voff;
}

static bool a64_timer_armed(const struct a64_vcpu *a)
{
	return (a->s.cntv_ctl & (A64_CNTV_ENABLE | A64_CNTV_IMASK)) ==
	       A64_CNTV_ENABLE;
}

/**
 * a64_timer_level - the timer's interrupt output, from the saved registers
 * @a: the vCPU, out of the guest
 *
 * Return: true when it is enabled, not masked and its compare value is
 * reached, as the CPU computes ISTATUS.
 */
bool a64_timer_level(struct a64_vcpu *a)
{
	return a64_timer_armed(a) && a64_timer_count(a) >= a->s.cntv_cval;
}

static enum hrtimer_restart a64_timer_expired(struct hrtimer *t)
{
	struct a64_vcpu *a = container_of(t, struct a64_vcpu, wake);

	vireo_vcpu_kick(a->vcpu);
	return HRTIMER_NORESTART;
}

/**
 * a64_timer_schedule - kick the vCPU when its timer fires, if it may fire
 * @a: the vCPU, about to wait outside the guest (WFI)
 */
void a64_timer_schedule(struct a64_vcpu *a)
{
	u64 now, ns;

	if (!a64_timer_armed(a) || !a64_cntfrq)
		return;
	now = a64_timer_count(a);
	if (now >= a->s.cntv_cval) {
		vireo_vcpu_kick(a->vcpu);
		return;
	}
	ns = mul_u64_u64_div_u64(a->s.cntv_cval - now, NSEC_PER_SEC,
				 a64_cntfrq);
	/* A compare value centuries away: never, as far as ktime goes. */
	if (ns > KTIME_MAX / 2)
		return;
	hrtimer_start(&a->wake, ns_to_ktime(ns), HRTIMER_MODE_REL);
}

/**
 * a64_timer_vcpu_init - the vCPU's timer at creation
 * @a: the vCPU
 * @voff: the VM's counter offset (its virtual count starts at 0 with it)
 */
void a64_timer_vcpu_init(struct a64_vcpu *a, u64 voff)
{
	a->voff = voff;
	hrtimer_init(&a->wake, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	a->wake.function = a64_timer_expired;
}

/** a64_timer_vcpu_destroy - no wake-up may run once the vCPU is gone */
void a64_timer_vcpu_destroy(struct a64_vcpu *a)
{
	hrtimer_cancel(&a->wake);
}

/** a64_timer_vm_offset - a new VM's counter offset: its count starts at 0 */
u64 a64_timer_vm_offset(void)
{
	return a64_cntpct();
}

/**
 * a64_timer_reg - KVM_GET_ONE_REG/KVM_SET_ONE_REG of a timer register
 * @a: the vCPU, out of the guest
 * @id: KVM_REG_ARM_TIMER_CTL, _CNT or _CVAL
 * @val: the value read, or to write
 * @set: write it
 *
 * As kvm.ko: CTL reads with ISTATUS set when the compare value is
 * reached, whatever ENABLE and IMASK say, and its write ignores ISTATUS;
 * CNT is the virtual count, and writing it moves the vCPU's offset.
 *
 * Return: 0, or -ENOENT for another id.
 */
int a64_timer_reg(struct a64_vcpu *a, u64 id, u64 *val, bool set)
{
	switch (id) {
	case KVM_REG_ARM_TIMER_CTL:
		if (set) {
			a->s.cntv_ctl = *val & (A64_CNTV_ENABLE | A64_CNTV_IMASK);
			break;
		}
		*val = a->s.cntv_ctl & (A64_CNTV_ENABLE | A64_CNTV_IMASK);
		if (a64_timer_count(a) >= a->s.cntv_cval)
			*val |= A64_CNTV_ISTATUS;
		break;
	case KVM_REG_ARM_TIMER_CNT:
		if (set)
			a->voff = a64_cntpct() - *val;
		else
			*val = a64_timer_count(a);
		break;
	case KVM_REG_ARM_TIMER_CVAL:
		if (set)
			a->s.cntv_cval = *val;
		else
			*val = a->s.cntv_cval;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}
