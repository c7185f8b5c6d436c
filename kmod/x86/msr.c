// SPDX-License-Identifier: GPL-2.0
/*
 * MSR policy: which MSRs a guest has, and the KVM_{GET,SET}_MSRS and
 * KVM_GET_MSR_INDEX_LIST plumbing around a backend's accessors.
 */
#include <asm/apicdef.h>
#include <asm/kvm_para.h>
#include <asm/msr-index.h>
#include <asm/msr.h>
#include <linux/errno.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "x86/lapic.h"
#include "x86/uexit.h"
#include "x86/x86.h"

/* kvm.ko's bound on one KVM_{GET,SET}_MSRS call. */
#define X86_MAX_IO_MSRS		256

const u32 x86_msr_list[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
	MSR_IA32_TSC, MSR_IA32_CR_PAT, MSR_FS_BASE, MSR_GS_BASE, MSR_EFER,
	MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE, MSR_TSC_AUX,
	MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME_NEW,
	MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_STEAL_TIME, MSR_KVM_PV_EOI_EN,
	MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL, MSR_PLATFORM_INFO,
	MSR_IA32_TSC_ADJUST, MSR_IA32_POWER_CTL, MSR_IA32_UCODE_REV,
};

const unsigned int x86_msr_list_len = ARRAY_SIZE(x86_msr_list);

/* A struct kvm_msr_list: its count back always, the indices if they fit. */
static long x86_put_msr_list(void __user *argp, const u32 *list,
			     unsigned int len)
{
	struct kvm_msr_list __user *user = argp;
	u32 n;

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

long x86_get_msr_index_list(void __user *argp)
{
	u32 list[ARRAY_SIZE(x86_msr_list)];
	unsigned int i, len = 0;

	/* Like kvm.ko, only a host with TSC_AUX lists it. */
	for (i = 0; i < x86_msr_list_len; i++)
		if (x86_msr_list[i] != MSR_TSC_AUX || x86_tsc_aux_ok)
			list[len++] = x86_msr_list[i];
	return x86_put_msr_list(argp, list, len);
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
 * Feature MSRs, KVM_GET_MSRS and KVM_GET_MSR_FEATURE_INDEX_LIST on the
 * system fd: what a VMM may offer its guests.  The PMU's capabilities
 * (none: there is no virtual PMU) and the microcode revision (the host's,
 * which a vCPU then takes from the VMM); kvm.ko's others
 * (ARCH_CAPABILITIES, DE_CFG, nested VMX) are MSRs its guests have and
 * Vireo's do not, so they are not listed.
 */
static const u32 x86_feature_msrs[] = {
	MSR_IA32_UCODE_REV, MSR_IA32_PERF_CAPABILITIES,
};

static int x86_feature_msr_get(void *ctx, u32 index, u64 *data)
{
	switch (index) {
	case MSR_IA32_PERF_CAPABILITIES:
		*data = 0;
		return 0;
	case MSR_IA32_UCODE_REV:
		/* kvm.ko's: the raw MSR, 0 where the host cannot read it */
		*data = 0;
		rdmsrl_safe(index, data);
		return 0;
	default:
		return 1;
	}
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

/**
 * x86_get_feature_msr_index_list - KVM_GET_MSR_FEATURE_INDEX_LIST
 * @argp: the struct kvm_msr_list
 *
 * Return: 0 or -errno (-E2BIG, with the count filled in, when it is short).
 */
long x86_get_feature_msr_index_list(void __user *argp)
{
	return x86_put_msr_list(argp, x86_feature_msrs,
				ARRAY_SIZE(x86_feature_msrs));
}

/**
 * x86_tsc_attr_ioctl - KVM_{HAS,GET,SET}_DEVICE_ATTR on a vCPU
 * @ctx: the vCPU, for @get and @set
 * @get: the guest's TSC offset from the host's TSC
 * @set: set it
 * @cmd: the ioctl
 * @argp: the struct kvm_device_attr
 *
 * Only KVM_VCPU_TSC_CTRL's KVM_VCPU_TSC_OFFSET exists: the guest's TSC is
 * the host's plus that offset, as under kvm.ko (no TSC scaling here).
 *
 * Return: 0 or -errno; -ENXIO for another group or attribute.
 */
long x86_tsc_attr_ioctl(void *ctx, u64 (*get)(void *ctx),
			void (*set)(void *ctx, u64 offset), unsigned int cmd,
			void __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;
	u64 offset;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL || attr.attr != KVM_VCPU_TSC_OFFSET)
		return -ENXIO;
	uaddr = u64_to_user_ptr(attr.addr);
	switch (cmd) {
	case KVM_GET_DEVICE_ATTR:
		return put_user(get(ctx), uaddr);
	case KVM_SET_DEVICE_ATTR:
		if (get_user(offset, uaddr))
			return -EFAULT;
		set(ctx, offset);
		return 0;
	default:
		return 0;
	}
}

/*
 * Under KVM_CAP_ENFORCE_PV_FEATURE_CPUID a kvmclock MSR exists only with
 * its feature in the guest's CPUID, for the VMM's accesses too (kvm.ko's).
 */
static bool x86_kvmclock_pv_ok(const struct x86_msr_ops *ops, void *ctx,
			       u32 index)
{
	bool v2 = index == MSR_KVM_SYSTEM_TIME_NEW ||
		  index == MSR_KVM_WALL_CLOCK_NEW;

	return x86_pv_has(ctx, ops->cpuid(ctx), v2 ? KVM_FEATURE_CLOCKSOURCE2 :
						    KVM_FEATURE_CLOCKSOURCE);
}

/*
 * MISC_ENABLE: with KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT disabled, its MWAIT
 * bit is CPUID's MWAIT, and may change only for a guest with SSE3.
 */
static int x86_set_misc_enable(const struct x86_msr_ops *ops, void *ctx,
			       u64 data)
{
	struct vireo_vcpu *vcpu = ctx;
	struct x86_cpuid *c = ops->cpuid(ctx);
	u32 leaf1[4];

	if ((READ_ONCE(to_x86_vm(vcpu->vm)->disabled_quirks) &
	     KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT) &&
	    ((data ^ ops->get(ctx, X86_MSR_MISC_ENABLE)) &
	     MSR_IA32_MISC_ENABLE_MWAIT)) {
		x86_cpuid_lookup(c, 1, 0, leaf1);
		if (!(leaf1[2] & BIT(X86_FEATURE_XMM3 & 31)))
			return 1;
		x86_cpuid_set_mwait(c, data & MSR_IA32_MISC_ENABLE_MWAIT);
	}
	return ops->set(ctx, X86_MSR_MISC_ENABLE, data);
}

/* The x2APIC's MSRs, which kvm.ko knows even without an in-kernel APIC. */
static bool x86_is_x2apic_msr(u32 index)
{
	return index >= APIC_BASE_MSR && index <= APIC_BASE_MSR + 0xff;
}

/* What an MSR no one here answers gets: known (#GP) or not at all. */
static int x86_msr_unknown(u32 index)
{
	return x86_is_x2apic_msr(index) ? 1 : X86_MSR_UNKNOWN;
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
 * Return: 0, X86_MSR_UNKNOWN for an MSR Vireo does not know, other
 * nonzero when the guest may not read it (#GP).
 */
int x86_get_msr(const struct x86_msr_ops *ops, void *ctx, u32 index,
		u64 *data)
{
	int reg = x86_msr_reg(index);

	if (x86_kvmclock_msr(index))
		return x86_kvmclock_pv_ok(ops, ctx, index) ?
		       x86_kvmclock_get_msr(ctx, index, data) : 1;
	if (index == MSR_KVM_STEAL_TIME)
		return x86_pv_has(ctx, ops->cpuid(ctx), KVM_FEATURE_STEAL_TIME) ?
		       x86_steal_get_msr(ctx, data) : 1;
	if (index == MSR_KVM_PV_EOI_EN) {
		if (!x86_pv_has(ctx, ops->cpuid(ctx), KVM_FEATURE_PV_EOI))
			return 1;
		*data = to_x86_vcpu(ctx)->pv_eoi;
		return 0;
	}
	if (x86_is_mce_msr(index))
		return x86_mce_get_msr(ctx, index, data, false);
	if (index == MSR_PLATFORM_INFO)
		return x86_platform_info(ctx, false, false, data);
	if (index == MSR_IA32_TSC_ADJUST) {
		*data = to_x86_vcpu(ctx)->tsc_adjust;
		return 0;
	}
	if (index == MSR_IA32_POWER_CTL) {
		*data = to_x86_vcpu(ctx)->power_ctl;
		return 0;
	}
	if (index == MSR_IA32_UCODE_REV) {
		*data = to_x86_vcpu(ctx)->ucode_rev;
		return 0;
	}
	if (x86_is_mtrr_msr(index)) {
		x86_mtrr_get(&to_x86_vcpu(ctx)->mtrr, ops->cpuid(ctx), index,
			     data);
		return 0;
	}
	if (reg < 0)
		return x86_msr_unknown(index);
	if (reg == X86_MSR_TSC_AUX && !x86_tsc_aux_ok)
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
 * Return: 0, X86_MSR_UNKNOWN for an MSR Vireo does not know, other
 * nonzero for a value the guest may not write (#GP).
 */
int x86_set_msr(const struct x86_msr_ops *ops, void *ctx, u32 index,
		u64 data)
{
	int reg = x86_msr_reg(index);

	if (x86_kvmclock_msr(index))
		return x86_kvmclock_pv_ok(ops, ctx, index) ?
		       x86_kvmclock_set_msr(ctx, index, data) : 1;
	if (index == MSR_KVM_STEAL_TIME)
		return x86_pv_has(ctx, ops->cpuid(ctx), KVM_FEATURE_STEAL_TIME) ?
		       x86_steal_set_msr(ctx, data) : 1;
	if (index == MSR_KVM_PV_EOI_EN)
		return x86_pv_has(ctx, ops->cpuid(ctx), KVM_FEATURE_PV_EOI) ?
		       x86_pv_eoi_set_msr(ctx, data) : 1;
	if (x86_is_mce_msr(index))
		return x86_mce_set_msr(ctx, index, data, false);
	if (index == MSR_PLATFORM_INFO)
		return x86_platform_info(ctx, true, false, &data);
	if (index == MSR_IA32_TSC_ADJUST)
		return x86_set_tsc_adjust(ops, ctx, data);
	if (index == MSR_IA32_POWER_CTL) {
		/* Stored for the guest to read back, as kvm.ko does. */
		to_x86_vcpu(ctx)->power_ctl = data;
		return 0;
	}
	if (index == MSR_IA32_UCODE_REV) {
		/* The VMM's to set; the guest's writes are dropped. */
		if (to_x86_vcpu(ctx)->msr_host)
			to_x86_vcpu(ctx)->ucode_rev = data;
		return 0;
	}
	if (x86_is_mtrr_msr(index))
		return x86_mtrr_set(&to_x86_vcpu(ctx)->mtrr, ops->cpuid(ctx),
				    index, data);
	switch (reg) {
	case -1:
		return x86_msr_unknown(index);
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
	case X86_MSR_MISC_ENABLE:
		return x86_set_misc_enable(ops, ctx, data);
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

/*
 * KVM_X86_SET_MSR_FILTER, as the VM keeps it: copied from userspace once,
 * checked, and never written again; a new filter replaces the old one
 * whole, so a guest access sees one or the other.
 */
struct x86_msr_range {
	u32 flags;
	u32 base;
	u32 nmsrs;
	unsigned long *bitmap;
};

struct x86_msr_filter {
	struct rcu_head rcu;
	bool default_allow;
	unsigned int count;
	struct x86_msr_range r[KVM_MSR_FILTER_MAX_RANGES];
};

static void x86_msr_filter_destroy(struct x86_msr_filter *f)
{
	unsigned int i;

	if (!f)
		return;
	for (i = 0; i < f->count; i++)
		vireo_free(f->r[i].bitmap);
	vireo_free(f);
}

/* kvm.ko's checks, in its order, so that a bad filter gets its errno. */
static int x86_msr_range_add(struct x86_msr_filter *f,
			     const struct kvm_msr_filter_range *u)
{
	struct x86_msr_range *r;
	size_t size;

	if (!u->nmsrs)
		return 0;
	if (u->flags & ~(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE) ||
	    !u->flags)
		return -EINVAL;
	/* kvm.ko copies whole longs of the bitmap, and no more than this. */
	size = BITS_TO_LONGS(u->nmsrs) * sizeof(long);
	if (size > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
		return -EINVAL;
	r = &f->r[f->count];
	r->bitmap = vireo_zalloc(size);
	if (!r->bitmap)
		return -ENOMEM;
	if (copy_from_user(r->bitmap, u64_to_user_ptr((u64)(uintptr_t)u->bitmap),
			   size)) {
		vireo_free(r->bitmap);
		r->bitmap = NULL;
		return -EFAULT;
	}
	r->flags = u->flags;
	r->base = u->base;
	r->nmsrs = u->nmsrs;
	f->count++;
	return 0;
}

/**
 * x86_set_msr_filter - KVM_X86_SET_MSR_FILTER
 * @vm: the VM
 * @argp: the struct kvm_msr_filter
 *
 * Return: 0 or -errno.
 */
long x86_set_msr_filter(struct vireo_vm *vm, void __user *argp)
{
	struct x86_vm *xv = to_x86_vm(vm);
	struct x86_msr_filter *f, *old;
	struct kvm_msr_filter u;
	bool empty = true;
	unsigned int i;
	int r;

	if (copy_from_user(&u, argp, sizeof(u)))
		return -EFAULT;
	if (u.flags & ~KVM_MSR_FILTER_DEFAULT_DENY)
		return -EINVAL;
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
		empty &= !u.ranges[i].nmsrs;
	if (empty && (u.flags & KVM_MSR_FILTER_DEFAULT_DENY))
		return -EINVAL;
	f = vireo_zalloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->default_allow = !(u.flags & KVM_MSR_FILTER_DEFAULT_DENY);
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		r = x86_msr_range_add(f, &u.ranges[i]);
		if (r) {
			x86_msr_filter_destroy(f);
			return r;
		}
	}
	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(xv->msr_filter, f,
				  lockdep_is_held(&vm->lock));
	mutex_unlock(&vm->lock);
	/* vCPUs inside an MSR exit may still look at the old one. */
	synchronize_rcu();
	x86_msr_filter_destroy(old);
	return 0;
}

/**
 * x86_msr_filter_free - drop the VM's MSR filter, once no vCPU runs
 * @xv: the VM
 */
void x86_msr_filter_free(struct x86_vm *xv)
{
	x86_msr_filter_destroy(rcu_dereference_protected(xv->msr_filter, 1));
	RCU_INIT_POINTER(xv->msr_filter, NULL);
}

/* May the guest's RDMSR (or WRMSR) of @index go ahead, by the filter? */
static bool x86_msr_allowed(struct x86_vm *xv, u32 index, bool write)
{
	u32 type = write ? KVM_MSR_FILTER_WRITE : KVM_MSR_FILTER_READ;
	const struct x86_msr_filter *f;
	bool allowed = true;
	unsigned int i;

	/* The x2APIC's MSRs are never filtered (api.rst). */
	if (x86_is_x2apic_msr(index))
		return true;
	rcu_read_lock();
	f = rcu_dereference(xv->msr_filter);
	if (f) {
		allowed = f->default_allow;
		for (i = 0; i < f->count; i++) {
			const struct x86_msr_range *r = &f->r[i];
			/* kvm.ko's 32-bit end: a range that wraps matches none */
			u32 end = r->base + r->nmsrs;

			if (index >= r->base && index < end &&
			    (r->flags & type)) {
				allowed = test_bit(index - r->base, r->bitmap);
				break;
			}
		}
	}
	rcu_read_unlock();
	return allowed;
}

/**
 * x86_guest_msr - the guest's own RDMSR or WRMSR
 * @vcpu: the vCPU
 * @u: its pending user exit, filled in for KVM_EXIT_X86_RDMSR/WRMSR
 * @c: its CPUID
 * @write: WRMSR rather than RDMSR
 * @index: ECX
 * @data: EDX:EAX to write; where a read's value goes
 * @get: the backend's accessor for a read
 * @set: the backend's accessor for a write
 * @rip: the instruction
 * @next_rip: the instruction after it
 *
 * The filter is applied first, then the module's own MSRs; what the
 * filter refuses, or what the module does not know or refuses, goes to
 * userspace when KVM_CAP_X86_USER_SPACE_MSR asked for that reason.
 *
 * Return: X86_GUEST_MSR_DONE (RIP moves on; @data holds a read's value),
 * X86_GUEST_MSR_GP (#GP) or X86_GUEST_MSR_USER (vcpu->run holds the exit).
 */
int x86_guest_msr(struct vireo_vcpu *vcpu, struct x86_uexit *u,
		  const struct x86_cpuid *c, bool write, u32 index, u64 *data,
		  x86_msr_get_fn get, x86_msr_set_fn set, u64 rip,
		  u64 next_rip)
{
	struct x86_vm *xv = to_x86_vm(vcpu->vm);
	struct kvm_run *run = vcpu->run;
	u32 reason;
	int r;

	if (!x86_msr_allowed(xv, index, write)) {
		reason = KVM_MSR_EXIT_REASON_FILTER;
	} else {
		if (!x86_msr_guest_ok(c, index))
			r = 1;
		else
			r = write ? set(vcpu, index, *data) :
				    get(vcpu, index, data);
		if (!r)
			return X86_GUEST_MSR_DONE;
		reason = r == X86_MSR_UNKNOWN ? KVM_MSR_EXIT_REASON_UNKNOWN :
						KVM_MSR_EXIT_REASON_INVAL;
	}
	if (!(READ_ONCE(xv->user_msr_mask) & reason))
		return X86_GUEST_MSR_GP;
	u->kind = write ? X86_UEXIT_WRMSR : X86_UEXIT_RDMSR;
	u->rip = rip;
	u->next_rip = next_rip;
	run->exit_reason = write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	memset(&run->msr, 0, sizeof(run->msr));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = write ? *data : 0;
	return X86_GUEST_MSR_USER;
}
