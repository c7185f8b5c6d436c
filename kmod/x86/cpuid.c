// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID as the guest sees it: the table the VMM sets with KVM_SET_CPUID2.
 */
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/kvm_para.h>
#include <asm/processor.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "x86/x86.h"

/* kvm.ko's limit, so VMMs that size their buffers for it work. */
#define X86_KVM_MAX_CPUID_ENTRIES	256

static const struct kvm_cpuid_entry2 *x86_cpuid_find(const struct x86_cpuid *c,
						     u32 fn, u32 idx)
{
	unsigned int i;

	for (i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->e[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != idx)
			continue;
		return e;
	}
	return NULL;
}

void __vireo_hot x86_cpuid_lookup(const struct x86_cpuid *c, u32 fn, u32 idx, u32 out[4])
{
	const struct kvm_cpuid_entry2 *e = x86_cpuid_find(c, fn, idx);

	out[0] = e ? e->eax : 0;
	out[1] = e ? e->ebx : 0;
	out[2] = e ? e->ecx : 0;
	out[3] = e ? e->edx : 0;
}

/**
 * x86_cpuid_set_mwait - set or clear MWAIT in leaf 1
 * @c: the guest's CPUID table
 * @on: the value
 *
 * With KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT disabled, MISC_ENABLE's MWAIT
 * bit decides it, as kvm.ko has it; a table without leaf 1 stays so.
 */
void x86_cpuid_set_mwait(struct x86_cpuid *c, bool on)
{
	struct kvm_cpuid_entry2 *e;

	e = (struct kvm_cpuid_entry2 *)x86_cpuid_find(c, 1, 0);
	if (!e)
		return;
	if (on)
		e->ecx |= BIT(X86_FEATURE_MWAIT & 31);
	else
		e->ecx &= ~BIT(X86_FEATURE_MWAIT & 31);
}

/*
 * The bits of the table that follow the guest's CR4 rather than the VMM:
 * OSXSAVE (leaf 1 ECX) and OSPKE (leaf 7.0 ECX).
 */
static u32 x86_cpuid_cr4_bits(u32 fn, u32 idx)
{
	if (fn == 1 && boot_cpu_has(X86_FEATURE_XSAVE))
		return BIT(X86_FEATURE_OSXSAVE & 31);
	if (fn == 7 && idx == 0 && boot_cpu_has(X86_FEATURE_PKU))
		return BIT(X86_FEATURE_OSPKE & 31);
	return 0;
}

/**
 * x86_cpuid_guest - what the guest's CPUID instruction returns
 * @c: the guest's CPUID table
 * @fn: EAX
 * @idx: ECX
 * @cr4: the guest's CR4
 * @out: EAX, EBX, ECX, EDX
 *
 * The table's entry, with OSXSAVE and OSPKE as the guest's CR4 has them
 * now, as on hardware and under kvm.ko (a leaf the table lacks stays
 * all zeroes).
 */
void __vireo_hot x86_cpuid_guest(const struct x86_cpuid *c, u32 fn, u32 idx, u64 cr4,
				 u32 out[4])
{
	u32 bit = x86_cpuid_cr4_bits(fn, idx);
	bool on;

	x86_cpuid_lookup(c, fn, idx, out);
	if (!bit || !x86_cpuid_find(c, fn, idx))
		return;
	on = cr4 & (fn == 1 ? X86_CR4_OSXSAVE : X86_CR4_PKE);
	out[2] = on ? out[2] | bit : out[2] & ~bit;
}

/* The table again, but for the bits the guest's CR4 sets. */
static bool x86_cpuid_same(const struct kvm_cpuid_entry2 *a,
			   const struct kvm_cpuid_entry2 *b)
{
	u32 dyn = x86_cpuid_cr4_bits(a->function, a->index);

	return a->function == b->function && a->index == b->index &&
	       a->flags == b->flags && a->eax == b->eax &&
	       a->ebx == b->ebx && ((a->ecx ^ b->ecx) & ~dyn) == 0 &&
	       a->edx == b->edx;
}

/**
 * x86_cpuid_is_intel - does the guest's CPUID say GenuineIntel?
 * @c: the guest's CPUID
 *
 * Return: true when it does.
 */
bool x86_cpuid_is_intel(const struct x86_cpuid *c)
{
	u32 v[4];

	x86_cpuid_lookup(c, 0, 0, v);
	return v[1] == 0x756e6547 && v[3] == 0x49656e69 && v[2] == 0x6c65746e;
}

long x86_set_cpuid2(struct x86_cpuid *c, void __user *argp)
{
	struct kvm_cpuid2 __user *user = argp;
	struct kvm_cpuid2 head;

	if (copy_from_user(&head, user, sizeof(head)))
		return -EFAULT;
	if (head.nent > X86_KVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	if (head.nent > X86_MAX_CPUID_ENTRIES)
		return -ENOMEM;
	if (c->frozen) {
		struct kvm_cpuid_entry2 e;
		unsigned int i;

		if (head.nent != c->nent)
			return -EINVAL;
		for (i = 0; i < head.nent; i++) {
			if (copy_from_user(&e, &user->entries[i], sizeof(e)))
				return -EFAULT;
			if (!x86_cpuid_same(&e, &c->e[i]))
				return -EINVAL;
		}
		return 0;
	}
	if (copy_from_user(c->e, user->entries, head.nent * sizeof(c->e[0])))
		return -EFAULT;
	c->nent = head.nent;
	return 0;
}

long x86_get_cpuid2(const struct x86_cpuid *c, void __user *argp)
{
	struct kvm_cpuid2 __user *user = argp;
	struct kvm_cpuid2 head;

	if (copy_from_user(&head, user, sizeof(head)))
		return -EFAULT;
	if (head.nent < c->nent)
		return -E2BIG;
	if (copy_to_user(user->entries, c->e, c->nent * sizeof(c->e[0])))
		return -EFAULT;
	if (put_user(c->nent, &user->nent))
		return -EFAULT;
	return 0;
}

static void x86_host_leaf(struct kvm_cpuid_entry2 *e, u32 fn, u32 idx,
			  bool indexed)
{
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	cpuid_count(fn, idx, &e->eax, &e->ebx, &e->ecx, &e->edx);
}

/*
 * What a guest may be told: the host's leaves minus what the module cannot
 * give it.  Gone are features that need MSRs or devices it does not
 * emulate (MTRR, performance counters, the TSC deadline timer
 * (KVM_CAP_TSC_DEADLINE_TIMER says it, as kvm.ko does), speculation-control MSRs),
 * nested virtualization, MONITOR, RDTSCP and RDPID where the backend
 * cannot give the guest its own TSC_AUX, and XSAVE state beyond the host's XCR0
 * (XSETBV allows no more) or needing IA32_XSS.
 */
static void x86_filter_leaf(struct kvm_cpuid_entry2 *e, u64 xcr0)
{
	switch (e->function) {
	case 1:
		e->ecx &= ~(BIT(3) | BIT(5) | BIT(6) | BIT(7) | BIT(8) |
			    BIT(15) | BIT(18) | BIT(24) | BIT(27));
		/*
		 * x2APIC always, as kvm.ko reports it: the in-kernel APIC
		 * has it, and without one its MSRs #GP as under kvm.ko.
		 */
		e->ecx |= BIT(21) | BIT(31);
		/* A host without XSAVE (Bochs' Linux) has no XCR0 to lend. */
		if (!xcr0)
			e->ecx &= ~BIT(26);
		e->edx &= ~(BIT(12) | BIT(21) | BIT(22) | BIT(29));
		break;
	case 6:
		/*
		 * Of the power management leaf only ARAT, as kvm.ko reports
		 * it: the APIC timer is an hrtimer of the host's, which runs
		 * on whatever the guest's CPU does (a halted vCPU's timer
		 * wakes it).  Without ARAT a Linux guest keeps the PIT as a
		 * broadcast clockevent (apic_needs_pit()) and takes its
		 * ticks through the VMM or the in-kernel PIT while it boots.
		 */
		e->eax = BIT(X86_FEATURE_ARAT & 31);
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
		break;
	case 0xa:
		e->eax = 0;
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
		break;
	case 7:
		if (e->index)
			break;
		e->ebx &= ~(BIT(2) | BIT(14));
		/* Emulated (kmod/x86/msr.c), whatever the host has. */
		e->ebx |= BIT(X86_FEATURE_TSC_ADJUST & 31);
		/* OSPKE is the guest's CR4.PKE (x86_cpuid_guest()). */
		e->ecx &= ~(BIT(5) | BIT(X86_FEATURE_OSPKE & 31));
		if (!x86_tsc_aux_ok)
			e->ecx &= ~BIT(X86_FEATURE_RDPID & 31);
		e->edx &= ~(BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(30) |
			    BIT(31));
		break;
	case 0xd:
		if (e->index == 0) {
			e->eax &= (u32)xcr0;
			e->edx &= (u32)(xcr0 >> 32);
		} else if (e->index == 1) {
			e->eax &= ~BIT(3);
			e->ecx = 0;
			e->edx = 0;
		}
		break;
	case 0x80000001:
		e->ecx &= ~(BIT(2) | BIT(23) | BIT(24) | BIT(28));
		e->edx &= ~BIT(12);
		if (!x86_tsc_aux_ok)
			e->edx &= ~BIT(X86_FEATURE_RDTSCP & 31);
		break;
	case 0x80000007:
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
		break;
	case 0x80000008:
		e->ebx = 0;
		break;
	}
}

static unsigned int x86_supported_leaves(struct kvm_cpuid_entry2 *e,
					 unsigned int max)
{
	u64 xcr0 = boot_cpu_has(X86_FEATURE_XSAVE) ?
		   xgetbv(XCR_XFEATURE_ENABLED_MASK) : 0;
	unsigned int n = 0, sub, subs;
	u32 fn, top, b, c, d;

	cpuid(0, &top, &b, &c, &d);
	top = min_t(u32, top, 0xd);
	for (fn = 0; fn <= top && n < max; fn++) {
		bool idx = fn == 4 || fn == 7 || fn == 0xb || fn == 0xd;

		subs = fn == 0xd ? 64 : idx ? 4 : 1;
		for (sub = 0; sub < subs && n < max; sub++) {
			/* XSAVE components exist as subleaves of their bits. */
			if (fn == 0xd && sub >= 2 && !(xcr0 & BIT_ULL(sub)))
				continue;
			if (fn == 0xd && !xcr0)
				break;
			x86_host_leaf(&e[n], fn, sub, idx);
			x86_filter_leaf(&e[n], xcr0);
			n++;
		}
	}
	/* KVM's paravirtual leaves: the signature, then kvmclock. */
	if (n + 2 <= max) {
		memset(&e[n], 0, 2 * sizeof(*e));
		e[n].function = KVM_CPUID_SIGNATURE;
		e[n].eax = KVM_CPUID_FEATURES;
		memcpy(&e[n].ebx, "KVMK", 4);
		memcpy(&e[n].ecx, "VMKV", 4);
		memcpy(&e[n].edx, "M\0\0\0", 4);
		e[n + 1].function = KVM_CPUID_FEATURES;
		e[n + 1].eax = x86_kvmclock_features();
		n += 2;
	}
	cpuid(0x80000000, &top, &b, &c, &d);
	top = min_t(u32, top, 0x80000008);
	for (fn = 0x80000000; fn <= top && n < max; fn++) {
		x86_host_leaf(&e[n], fn, 0, false);
		x86_filter_leaf(&e[n], xcr0);
		n++;
	}
	return n;
}

long x86_get_supported_cpuid(void __user *argp)
{
	struct kvm_cpuid2 __user *user = argp;
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 head;
	unsigned int n;
	long r = 0;

	if (copy_from_user(&head, user, sizeof(head)))
		return -EFAULT;
	if (head.nent < 1)
		return -E2BIG;
	e = kcalloc(X86_MAX_CPUID_ENTRIES, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	n = x86_supported_leaves(e, X86_MAX_CPUID_ENTRIES);
	if (head.nent < n)
		r = -E2BIG;
	else if (copy_to_user(user->entries, e, n * sizeof(*e)) ||
		 put_user(n, &user->nent))
		r = -EFAULT;
	kfree(e);
	return r;
}
