// SPDX-License-Identifier: GPL-2.0
/*
 * MSR policy: which MSRs a guest has, and the KVM_{GET,SET}_MSRS and
 * KVM_GET_MSR_INDEX_LIST plumbing around a backend's accessors.
 */
#include <asm/kvm_para.h>
#include <asm/msr-index.h>
#include <asm/msr.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "x86/lapic.h"
#include "x86/x86.h"

/* kvm.ko's bound on one KVM_{GET,SET}_MSRS call. */
#define X86_MAX_IO_MSRS		256

const u32 x86_msr_list[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
	MSR_IA32_TSC, MSR_IA32_CR_PAT, MSR_FS_BASE, MSR_GS_BASE, MSR_EFER,
	MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE, MSR_TSC_AUX,
	MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME_NEW,
	MSR_KVM_WALL_CLOCK_NEW,
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL, MSR_PLATFORM_INFO,
	MSR_IA32_TSC_ADJUST,
};

const unsigned int x86_msr_list_len = ARRAY_SIZE(x86_msr_list);

long x86_get_msr_index_list(void __user *argp)
{
	struct kvm_msr_list __user *user = argp;
	u32 list[ARRAY_SIZE(x86_msr_list)];
	unsigned int i, len = 0;
	u32 n;

	/* Like kvm.ko, only a host with TSC_AUX lists it. */
	for (i = 0; i < x86_msr_list_len; i++)
		if (x86_msr_list[i] != MSR_TSC_AUX || x86_tsc_aux_ok)
			list[len++] = x86_msr_list[i];
	if (get_user(n, &user->nmsrs))
		return -EFAULT;
	if (put_user(len, &user->nmsrs))
		return -EFAULT;
	if (n < len)
		return -E2BIG;
	if (copy_to_user(user->indices, list, len * sizeof(list[0])))
		return -EFAULT;
	return 0;
}

/*
 * MSR_PLATFORM_INFO: whatever the VMM put there, which the guest may read
 * unless KVM_CAP_MSR_PLATFORM_INFO was turned off, and never write
 * (kvm.ko's).  There is no CPUID faulting here, so the bit that would
 * offer it to the guest is refused.
 */
static int x86_platform_info(void *ctx, bool set, bool host, u64 *data)
{
	struct vireo_vcpu *vcpu = ctx;
	struct x86_vcpu *x = to_x86_vcpu(vcpu);

	if (!host && (set || READ_ONCE(to_x86_vm(vcpu->vm)->no_platform_info)))
		return 1;
	if (!set) {
		*data = x->platform_info;
		return 0;
	}
	if (*data & MSR_PLATFORM_INFO_CPUID_FAULT)
		return 1;
	x->platform_info = *data;
	return 0;
}

/*
 * MSR_IA32_TSC_ADJUST (SDM 17.17.3): the guest's writes to it move its TSC
 * by as much, and its writes to the TSC move it by as much; the VMM's
 * reach only what they name.  Writes are dropped when the guest's CPUID
 * lacks the MSR (kvm.ko's).
 */
static int x86_set_tsc_adjust(const struct x86_msr_ops *ops, void *ctx,
			      u64 data)
{
	struct x86_vcpu *x = to_x86_vcpu(ctx);
	u32 leaf7[4];

	x86_cpuid_lookup(ops->cpuid(ctx), 7, 0, leaf7);
	if (!(leaf7[1] & BIT(X86_FEATURE_TSC_ADJUST & 31)))
		return 0;
	if (!x->msr_host)
		ops->set(ctx, X86_MSR_TSC_OFFSET,
			 ops->get(ctx, X86_MSR_TSC_OFFSET) + data -
			 x->tsc_adjust);
	x->tsc_adjust = data;
	return 0;
}

/* Like kvm.ko: stop at the first entry that fails, return how many went. */
long x86_msrs_ioctl(void __user *argp, bool set, x86_msr_get_fn get,
		    x86_msr_set_fn put, void *ctx)
{
	struct kvm_msrs __user *user = argp;
	struct kvm_msr_entry *e;
	struct kvm_msrs head;
	long r;
	u32 i;

	if (copy_from_user(&head, user, sizeof(head)))
		return -EFAULT;
	if (head.nmsrs >= X86_MAX_IO_MSRS)
		return -E2BIG;
	e = memdup_user(user->entries, head.nmsrs * sizeof(*e));
	if (IS_ERR(e))
		return PTR_ERR(e);
	/* The vCPU's ioctls exclude its KVM_RUN: no guest access meanwhile. */
	if (ctx)
		to_x86_vcpu(ctx)->msr_host = true;
	for (i = 0; i < head.nmsrs; i++) {
		u32 index = e[i].index;

		/* The VMM may reach some that its guest may not. */
		if (ctx && x86_is_mce_msr(index)) {
			if (set ? x86_mce_set_msr(ctx, index, e[i].data, true) :
				  x86_mce_get_msr(ctx, index, &e[i].data, true))
				break;
			continue;
		}
		if (ctx && index == MSR_PLATFORM_INFO) {
			if (x86_platform_info(ctx, set, true, &e[i].data))
				break;
			continue;
		}
		if (set ? put(ctx, index, e[i].data) :
			  get(ctx, index, &e[i].data))
			break;
	}
	if (ctx)
		to_x86_vcpu(ctx)->msr_host = false;
	r = i;
	if (!set && copy_to_user(user->entries, e, i * sizeof(*e)))
		r = -EFAULT;
	kfree(e);
	return r;
}

/*
 * Feature MSRs, KVM_GET_MSRS on the system fd: what a VMM may offer its
 * guests.  Only the PMU's capabilities are answered (none: there is no
 * virtual PMU); kvm.ko's others (ARCH_CAPABILITIES, the microcode
 * revision, DE_CFG) stay unknown, so KVM_CAP_GET_MSR_FEATURES and its
 * index list are not offered.
 */
static int x86_feature_msr_get(void *ctx, u32 index, u64 *data)
{
	if (index != MSR_IA32_PERF_CAPABILITIES)
		return 1;
	*data = 0;
	return 0;
}

/**
 * x86_get_feature_msrs - KVM_GET_MSRS on the system fd
 * @argp: the struct kvm_msrs
 *
 * Return: the number of MSRs read, or -errno.
 */
long x86_get_feature_msrs(void __user *argp)
{
	return x86_msrs_ioctl(argp, false, x86_feature_msr_get, NULL, NULL);
}

static int x86_msr_reg(u32 index)
{
	switch (index) {
	case MSR_IA32_SYSENTER_CS:	return X86_MSR_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:	return X86_MSR_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:	return X86_MSR_SYSENTER_EIP;
	case MSR_STAR:			return X86_MSR_STAR;
	case MSR_CSTAR:			return X86_MSR_CSTAR;
	case MSR_LSTAR:			return X86_MSR_LSTAR;
	case MSR_SYSCALL_MASK:		return X86_MSR_SFMASK;
	case MSR_KERNEL_GS_BASE:	return X86_MSR_KERNEL_GS_BASE;
	case MSR_FS_BASE:		return X86_MSR_FS_BASE;
	case MSR_GS_BASE:		return X86_MSR_GS_BASE;
	case MSR_IA32_TSC:		return X86_MSR_TSC_OFFSET;
	case MSR_IA32_CR_PAT:		return X86_MSR_PAT;
	case MSR_EFER:			return X86_MSR_EFER;
	case MSR_IA32_APICBASE:		return X86_MSR_APIC_BASE;
	case MSR_IA32_MISC_ENABLE:	return X86_MSR_MISC_ENABLE;
	case MSR_TSC_AUX:		return X86_MSR_TSC_AUX;
	default:			return -1;
	}
}

/**
 * x86_get_msr - read one of the MSRs in x86_msr_list for a guest
 * @ops: the backend's storage
 * @ctx: the vCPU, for @ops
 * @index: the MSR
 * @data: its value
 *
 * Return: 0, or nonzero when the guest has no such MSR.
 */
int x86_get_msr(const struct x86_msr_ops *ops, void *ctx, u32 index,
		u64 *data)
{
	int reg = x86_msr_reg(index);

	if (x86_kvmclock_msr(index))
		return x86_kvmclock_get_msr(ctx, index, data);
	if (x86_is_mce_msr(index))
		return x86_mce_get_msr(ctx, index, data, false);
	if (index == MSR_PLATFORM_INFO)
		return x86_platform_info(ctx, false, false, data);
	if (index == MSR_IA32_TSC_ADJUST) {
		*data = to_x86_vcpu(ctx)->tsc_adjust;
		return 0;
	}
	if (x86_is_mtrr_msr(index)) {
		x86_mtrr_get(&to_x86_vcpu(ctx)->mtrr, ops->cpuid(ctx), index,
			     data);
		return 0;
	}
	if (reg < 0 || (reg == X86_MSR_TSC_AUX && !x86_tsc_aux_ok))
		return 1;
	*data = ops->get(ctx, reg);
	if (reg == X86_MSR_TSC_OFFSET)
		*data += rdtsc();
	return 0;
}

/*
 * Each byte must name a memory type: 0 (UC), 1 (WC), 4 (WT), 5 (WP),
 * 6 (WB) or 7 (UC-); 2 and 3 are reserved too.
 */
static bool x86_pat_valid(u64 pat)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

/**
 * x86_set_msr - write one of the MSRs in x86_msr_list for a guest
 * @ops: the backend's storage
 * @ctx: the vCPU, for @ops
 * @index: the MSR
 * @data: the value
 *
 * The architectural checks are made here (canonical bases, PAT memory
 * types, EFER's reserved bits); @ops->set() adds what its hardware needs.
 *
 * Return: 0, or nonzero for "no such MSR / bad value" (#GP).
 */
int x86_set_msr(const struct x86_msr_ops *ops, void *ctx, u32 index,
		u64 data)
{
	int reg = x86_msr_reg(index);

	if (x86_kvmclock_msr(index))
		return x86_kvmclock_set_msr(ctx, index, data);
	if (x86_is_mce_msr(index))
		return x86_mce_set_msr(ctx, index, data, false);
	if (index == MSR_PLATFORM_INFO)
		return x86_platform_info(ctx, true, false, &data);
	if (index == MSR_IA32_TSC_ADJUST)
		return x86_set_tsc_adjust(ops, ctx, data);
	if (x86_is_mtrr_msr(index))
		return x86_mtrr_set(&to_x86_vcpu(ctx)->mtrr, ops->cpuid(ctx),
				    index, data);
	switch (reg) {
	case -1:
		return 1;
	case X86_MSR_SYSENTER_ESP:
	case X86_MSR_SYSENTER_EIP:
		if (!ops->sysenter_canonical)
			break;
		fallthrough;
	case X86_MSR_CSTAR:
	case X86_MSR_LSTAR:
	case X86_MSR_KERNEL_GS_BASE:
	case X86_MSR_FS_BASE:
	case X86_MSR_GS_BASE:
		if (!x86_canonical(data, ops->cr4(ctx)))
			return 1;
		break;
	case X86_MSR_TSC_OFFSET:
		data -= rdtsc();
		/* The guest's write shows in TSC_ADJUST, the VMM's does not. */
		if (!to_x86_vcpu(ctx)->msr_host)
			to_x86_vcpu(ctx)->tsc_adjust +=
				data - ops->get(ctx, X86_MSR_TSC_OFFSET);
		break;
	case X86_MSR_PAT:
		if (!x86_pat_valid(data))
			return 1;
		break;
	case X86_MSR_APIC_BASE:
		/* Without an in-kernel APIC nothing else checks it. */
		if (!x86_apic_base_valid(ops->cpuid(ctx), data))
			return 1;
		break;
	case X86_MSR_EFER:
		if (data & ~ops->efer_valid)
			return 1;
		/* The guest's LME is fixed while it pages; the VMM's restores. */
		if (!to_x86_vcpu(ctx)->msr_host &&
		    (ops->cr0(ctx) & X86_CR0_PG) &&
		    ((data ^ ops->get(ctx, X86_MSR_EFER)) & EFER_LME))
			return 1;
		break;
	case X86_MSR_TSC_AUX:
		if (!x86_tsc_aux_ok)
			return 1;
		/*
		 * Bits 63:32 are reserved on Intel and ignored on AMD; kvm.ko
		 * goes by the guest's vendor, so a guest sees one behaviour
		 * whatever the host.
		 */
		if (data >> 32 && x86_cpuid_is_intel(ops->cpuid(ctx)))
			return 1;
		data = (u32)data;
		break;
	}
	return ops->set(ctx, reg, data);
}

/**
 * x86_guest_has_tsc_aux - does the guest's CPUID offer RDTSCP or RDPID?
 * @c: the guest's CPUID
 *
 * Return: true when it does, and so has the TSC_AUX MSR.
 */
bool x86_guest_has_tsc_aux(const struct x86_cpuid *c)
{
	u32 ext[4], leaf7[4];

	x86_cpuid_lookup(c, 0x80000001, 0, ext);
	x86_cpuid_lookup(c, 7, 0, leaf7);
	return (ext[3] & BIT(X86_FEATURE_RDTSCP & 31)) ||
	       (leaf7[2] & BIT(X86_FEATURE_RDPID & 31));
}

/**
 * x86_msr_guest_ok - may the guest's own RDMSR/WRMSR reach this MSR?
 * @c: the guest's CPUID
 * @index: the MSR
 *
 * KVM_{GET,SET}_MSRS may reach it regardless, as under kvm.ko.
 *
 * Return: false when the guest gets #GP for it.
 */
bool x86_msr_guest_ok(const struct x86_cpuid *c, u32 index)
{
	return index != MSR_TSC_AUX || x86_guest_has_tsc_aux(c);
}
