// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs the host reads only on its way to and from user mode, that entry
 * and exit do not switch: the SYSCALL MSRs on VT-x (no VMCS fields; AMD-V
 * has VMLOAD/VMSAVE) and TSC_AUX on both (in neither control block; the
 * host's vDSO getcpu() reads it with RDTSCP or RDPID).  The guest's values
 * go into the CPU before every entry where they are not there already; the
 * host's come back when that CPU next returns to user mode, whichever task
 * does (a user-return notifier), or when it leaves virtualization.  Exits
 * handled in the kernel cost nothing; the kernel itself reads none of
 * these MSRs in between (its entry code avoids RDPID for this reason).
 *
 * The host sets these MSRs when it brings a CPU up and never changes them
 * afterwards, so each CPU's values are read once, when it first enters a
 * guest after entering virtualization, not at every KVM_RUN; and when the
 * guest's values equal the host's (TSC_AUX on a guest that keeps its
 * CPU's number) nothing is written, so no notifier is needed either.
 */
#include <asm/msr.h>
#include <linux/bitops.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/user-return-notifier.h>

#include "x86/x86.h"

#ifndef CONFIG_USER_RETURN_NOTIFIER
#error "vireo.ko needs CONFIG_USER_RETURN_NOTIFIER (kvm.ko selects it)"
#endif

static const u32 x86_uret_index[X86_URET_NR] = {
	[X86_URET_STAR]		= MSR_STAR,
	[X86_URET_LSTAR]	= MSR_LSTAR,
	[X86_URET_CSTAR]	= MSR_CSTAR,
	[X86_URET_SFMASK]	= MSR_SYSCALL_MASK,
	[X86_URET_TSC_AUX]	= MSR_TSC_AUX,
};

/* The ones the backend switches, set once at its init. */
static unsigned long x86_uret_mask;

struct x86_uret_cpu {
	struct user_return_notifier urn;
	/* The notifier is registered; guest values may be in the CPU. */
	bool active;
	/* host[] holds this CPU's values (until it leaves virtualization). */
	bool host_read;
	u64 host[X86_URET_NR];
	u64 cur[X86_URET_NR];
};

static DEFINE_PER_CPU(struct x86_uret_cpu, x86_uret_cpus);

/* TSC_AUX exists for guests: the host has it and the backend can switch it. */
bool x86_tsc_aux_ok;

/* Interrupts off, on the CPU of @c. */
static void __vireo_hot x86_uret_restore(struct x86_uret_cpu *c)
{
	unsigned int i;

	if (!c->active)
		return;
	for_each_set_bit(i, &x86_uret_mask, X86_URET_NR) {
		if (c->cur[i] != c->host[i]) {
			wrmsrl(x86_uret_index[i], c->host[i]);
			c->cur[i] = c->host[i];
		}
	}
	c->active = false;
	user_return_notifier_unregister(&c->urn);
}

static void __vireo_hot x86_uret_notify(struct user_return_notifier *urn)
{
	unsigned long flags;

	local_irq_save(flags);
	x86_uret_restore(container_of(urn, struct x86_uret_cpu, urn));
	local_irq_restore(flags);
}

/**
 * x86_uret_init - choose the MSRs to switch
 * @mask: bits of enum x86_uret_msr; TSC_AUX is left out unless the host
 *	has it (RDTSCP or RDPID)
 */
void x86_uret_init(unsigned long mask)
{
	if (!boot_cpu_has(X86_FEATURE_RDTSCP) &&
	    !boot_cpu_has(X86_FEATURE_RDPID))
		mask &= ~BIT(X86_URET_TSC_AUX);
	x86_uret_mask = mask;
	x86_tsc_aux_ok = mask & BIT(X86_URET_TSC_AUX);
}

/**
 * x86_uret_enter - the guest's values in this CPU, right before an entry
 * @guest: the guest's values, indexed by enum x86_uret_msr
 *
 * Interrupts off, so nothing returns to user mode on this CPU before the
 * entry.
 */
void __vireo_hot x86_uret_enter(const u64 *guest)
{
	struct x86_uret_cpu *c = this_cpu_ptr(&x86_uret_cpus);
	unsigned int i;

	lockdep_assert_irqs_disabled();
	if (!x86_uret_mask)
		return;
	if (!c->host_read) {
		for_each_set_bit(i, &x86_uret_mask, X86_URET_NR) {
			rdmsrl(x86_uret_index[i], c->host[i]);
			c->cur[i] = c->host[i];
		}
		c->host_read = true;
	}
	for_each_set_bit(i, &x86_uret_mask, X86_URET_NR) {
		if (guest[i] == c->cur[i])
			continue;
		wrmsrl(x86_uret_index[i], guest[i]);
		c->cur[i] = guest[i];
		/* cur[] equals host[] whenever the notifier is not armed. */
		if (!c->active) {
			c->urn.on_user_return = x86_uret_notify;
			user_return_notifier_register(&c->urn);
			c->active = true;
		}
	}
}

/**
 * x86_uret_flush - the host's values back in this CPU now
 *
 * For a CPU leaving virtualization (going offline, the module unloading):
 * its notifier must not outlive the module.
 */
void x86_uret_flush(void)
{
	struct x86_uret_cpu *c;
	unsigned long flags;

	local_irq_save(flags);
	c = this_cpu_ptr(&x86_uret_cpus);
	x86_uret_restore(c);
	c->host_read = false;
	local_irq_restore(flags);
}
