// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's machine-check architecture: MCG_CAP/STATUS/CTL and the
 * MCi_CTL/STATUS/ADDR/MISC (and CTL2) banks as registers the VMM and the
 * guest read and write, KVM_X86_SETUP_MCE to size them, and
 * KVM_X86_SET_MCE to report an error into them (a VMM forwards a host
 * memory failure this way).  Nothing reaches the host's own banks.
 *
 * A vCPU starts with every bank and no optional MCG_CAP feature, as under
 * kvm.ko: VMMs save and restore the banks (QEMU writes MCG_STATUS and the
 * bank registers at every reset) whether or not they set them up.
 */
#include <asm/mce.h>
#include <asm/msr-index.h>
#include <asm/trapnr.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>

#include "x86/events.h"
#include "x86/x86.h"

/* Bank @b's first MSR (MCi_CTL, then STATUS, ADDR, MISC), and its CTL2. */
#define X86_MC_CTL(b)		(MSR_IA32_MC0_CTL + 4 * (b))
#define X86_MC_CTL2(b)		(MSR_IA32_MC0_CTL2 + (b))

/* What KVM_X86_SETUP_MCE may ask for beyond the bank count. */
#define X86_MCE_CAP_SUPPORTED	(MCG_CTL_P | MCG_SER_P)

static struct x86_mce *x86_mce_of(void *ctx)
{
	return &to_x86_vcpu(ctx)->mce;
}

/**
 * x86_mce_init - a vCPU's machine-check state at creation
 * @m: the state
 */
void x86_mce_init(struct x86_mce *m)
{
	memset(m, 0, sizeof(*m));
	m->mcg_cap = X86_MCE_MAX_BANKS;
}

/**
 * x86_is_mce_msr - is @index one of the machine-check MSRs handled here?
 * @index: the MSR
 *
 * Return: true for MCG_CAP/STATUS/CTL, the P5 pair and every bank MSR.
 */
bool x86_is_mce_msr(u32 index)
{
	switch (index) {
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
	case MSR_IA32_MCG_CAP:
	case MSR_IA32_MCG_STATUS:
	case MSR_IA32_MCG_CTL:
		return true;
	}
	return (index >= MSR_IA32_MC0_CTL &&
		index < X86_MC_CTL(X86_MCE_MAX_BANKS)) ||
	       (index >= MSR_IA32_MC0_CTL2 &&
		index < X86_MC_CTL2(X86_MCE_MAX_BANKS));
}

/**
 * x86_mce_get_msr - read a machine-check MSR
 * @ctx: the vCPU
 * @index: an MSR for which x86_is_mce_msr() holds
 * @data: its value
 * @host: KVM_GET_MSRS rather than the guest's RDMSR
 *
 * Return: 0, or 1 when the guest's configuration has no such register.
 */
int x86_mce_get_msr(void *ctx, u32 index, u64 *data, bool host)
{
	struct x86_mce *m = x86_mce_of(ctx);
	unsigned int banks = m->mcg_cap & MCG_BANKCNT_MASK;

	switch (index) {
	case MSR_IA32_P5_MC_ADDR:
	case MSR_IA32_P5_MC_TYPE:
		*data = 0;
		return 0;
	case MSR_IA32_MCG_CAP:
		*data = m->mcg_cap;
		return 0;
	case MSR_IA32_MCG_STATUS:
		*data = m->mcg_status;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(m->mcg_cap & MCG_CTL_P) && !host)
			return 1;
		*data = m->mcg_ctl;
		return 0;
	}
	if (index >= MSR_IA32_MC0_CTL2 && index < X86_MC_CTL2(banks)) {
		/* No CMCI is offered: only the VMM sees these (as zeros). */
		if (!host)
			return 1;
		*data = m->ctl2[array_index_nospec(index - MSR_IA32_MC0_CTL2,
						   banks)];
		return 0;
	}
	if (index >= MSR_IA32_MC0_CTL && index < X86_MC_CTL(banks)) {
		*data = m->banks[array_index_nospec(index - MSR_IA32_MC0_CTL,
						    banks * 4)];
		return 0;
	}
	return 1;
}

/**
 * x86_mce_set_msr - write a machine-check MSR
 * @ctx: the vCPU
 * @index: an MSR for which x86_is_mce_msr() holds
 * @data: the value
 * @host: KVM_SET_MSRS rather than the guest's WRMSR
 *
 * The values the architecture leaves undefined are refused as kvm.ko
 * refuses them, so that a guest behaves the same on both.
 *
 * Return: 0, or 1 for "no such register / bad value" (#GP).
 */
int x86_mce_set_msr(void *ctx, u32 index, u64 data, bool host)
{
	struct x86_mce *m = x86_mce_of(ctx);
	unsigned int banks = m->mcg_cap & MCG_BANKCNT_MASK, i;

	switch (index) {
	case MSR_IA32_MCG_STATUS:
		m->mcg_status = data;
		return 0;
	case MSR_IA32_MCG_CTL:
		if (!(m->mcg_cap & MCG_CTL_P) && (data || !host))
			return 1;
		if (data && data != ~0ULL)
			return 1;
		m->mcg_ctl = data;
		return 0;
	}
	if (index >= MSR_IA32_MC0_CTL2 && index < X86_MC_CTL2(banks)) {
		/* Without CMCI the VMM may restore zeros, nothing else. */
		if (data || !host)
			return 1;
		m->ctl2[array_index_nospec(index - MSR_IA32_MC0_CTL2, banks)] = 0;
		return 0;
	}
	if (index < MSR_IA32_MC0_CTL || index >= X86_MC_CTL(banks))
		return 1;
	i = array_index_nospec(index - MSR_IA32_MC0_CTL, banks * 4);
	switch (i % 4) {
	case 0:
		/*
		 * MCi_CTL: all ones or zero; guests that mask bit 10 (the
		 * K8 GART erratum) or bit 0 must not fault, as on hardware.
		 */
		if (data && (data | BIT_ULL(10) | 1) != ~0ULL)
			return 1;
		break;
	case 1:
		/*
		 * MCi_STATUS: a guest may only clear it (AMD's
		 * HWCR.McStatusWrEn is not offered).
		 */
		if (data && !host)
			return 1;
		break;
	}
	m->banks[i] = data;
	return 0;
}

static long x86_mce_setup(struct x86_mce *m, u64 keep, void __user *argp)
{
	unsigned int banks, i;
	u64 cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	banks = cap & MCG_BANKCNT_MASK;
	if (!banks || banks > X86_MCE_MAX_BANKS)
		return -EINVAL;
	/* The bank count and MCG_EXT_CNT are the VMM's to choose. */
	if (cap & ~(X86_MCE_CAP_SUPPORTED | MCG_BANKCNT_MASK |
		    MCG_EXT_CNT_MASK))
		return -EINVAL;
	m->mcg_cap = cap & keep;
	if (cap & MCG_CTL_P)
		m->mcg_ctl = ~0ULL;
	for (i = 0; i < banks; i++)
		m->banks[i * 4] = ~0ULL;
	return 0;
}

/*
 * An uncorrected error goes to the guest as #MC, which the injection
 * field takes only when it is free or holds an exception that the #MC may
 * replace (a #DF there makes it a triple fault, as a third fault would).
 */
static long x86_mce_inject(void *ctx, const struct x86_event_ops *ev)
{
	struct x86_event_state st;

	ev->get(ctx, &st);
	switch (st.inj.type) {
	case X86_EVENT_NONE:
	case X86_EVENT_SOFT:
		break;
	case X86_EVENT_EXCEPTION:
		if (st.inj.vector == X86_TRAP_DF) {
			to_x86_vcpu(ctx)->triple_fault = true;
			return 0;
		}
		break;
	default:
		/*
		 * An interrupt or NMI the VMM already handed in would be
		 * lost: it must run the guest until it is delivered first.
		 */
		return -EBUSY;
	}
	st.inj.type = X86_EVENT_EXCEPTION;
	st.inj.vector = X86_TRAP_MC;
	st.inj.has_error = false;
	st.inj.error = 0;
	ev->set(ctx, &st, false);
	return 0;
}

static long x86_mce_report(void *ctx, const struct x86_event_ops *ev,
			   u64 cr4, void __user *argp)
{
	struct x86_mce *m = x86_mce_of(ctx);
	unsigned int banks = m->mcg_cap & MCG_BANKCNT_MASK;
	struct kvm_x86_mce e;
	u64 *b;
	long r;

	if (copy_from_user(&e, argp, sizeof(e)))
		return -EFAULT;
	if (e.bank >= banks || !(e.status & MCI_STATUS_VAL))
		return -EINVAL;
	b = &m->banks[array_index_nospec(e.bank, banks) * 4];
	/*
	 * Uncorrected, no action required (UCNA): logged for the guest to
	 * find, never signalled (it would take CMCI, which is not offered).
	 */
	if (!e.mcg_status && (e.status & MCI_STATUS_UC) &&
	    !(e.status & (MCI_STATUS_PCC | MCI_STATUS_S | MCI_STATUS_AR))) {
		b[1] = e.status;
		b[2] = e.addr;
		b[3] = e.misc;
		m->mcg_status = 0;
		return 0;
	}
	if (!(e.status & MCI_STATUS_UC)) {
		/* Corrected: logged unless an uncorrected one holds the bank. */
		if ((b[1] & MCI_STATUS_VAL) && (b[1] & MCI_STATUS_UC)) {
			b[1] |= MCI_STATUS_OVER;
			return 0;
		}
		if (b[1] & MCI_STATUS_VAL)
			e.status |= MCI_STATUS_OVER;
		b[1] = e.status;
		b[2] = e.addr;
		b[3] = e.misc;
		return 0;
	}
	/* Signalling disabled globally or for the bank: dropped. */
	if ((m->mcg_cap & MCG_CTL_P) && m->mcg_ctl != ~0ULL)
		return 0;
	if (b[0] != ~0ULL)
		return 0;
	/* A machine check inside one, or with CR4.MCE clear, shuts down. */
	if ((m->mcg_status & MCG_STATUS_MCIP) || !(cr4 & X86_CR4_MCE)) {
		to_x86_vcpu(ctx)->triple_fault = true;
		return 0;
	}
	r = x86_mce_inject(ctx, ev);
	if (r)
		return r;
	if (b[1] & MCI_STATUS_VAL)
		e.status |= MCI_STATUS_OVER;
	b[1] = e.status;
	b[2] = e.addr;
	b[3] = e.misc;
	m->mcg_status = e.mcg_status;
	return 0;
}

/**
 * x86_mce_ioctl - KVM_X86_SETUP_MCE and KVM_X86_SET_MCE
 * @ctx: the vCPU
 * @ev: the backend's injection state, for the #MC
 * @cr4: the guest's CR4
 * @keep: the MCG_CAP bits the guest's CPU vendor has (AMD's reserve
 *	63:9, and kvm_amd drops them from what KVM_X86_SETUP_MCE asked)
 * @cmd: the ioctl
 * @argp: its argument
 *
 * Return: 0 or -errno (kvm.ko's); -ENOIOCTLCMD for another @cmd.
 */
long x86_mce_ioctl(void *ctx, const struct x86_event_ops *ev, u64 cr4,
		   u64 keep, unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case KVM_X86_SETUP_MCE:
		return x86_mce_setup(x86_mce_of(ctx), keep, argp);
	case KVM_X86_SET_MCE:
		return x86_mce_report(ctx, ev, cr4, argp);
	default:
		return -ENOIOCTLCMD;
	}
}

/**
 * x86_mce_cap_supported - KVM_X86_GET_MCE_CAP_SUPPORTED
 * @argp: where the value goes
 *
 * Return: 0 or -EFAULT.
 */
long x86_mce_cap_supported(void __user *argp)
{
	u64 cap = X86_MCE_CAP_SUPPORTED;

	return copy_to_user(argp, &cap, sizeof(cap)) ? -EFAULT : 0;
}
