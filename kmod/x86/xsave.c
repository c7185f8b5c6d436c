// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's extended FPU state and XCR0 for userspace: KVM_{GET,SET}_XSAVE
 * in the standard (non-compacted) XSAVE layout, KVM_{GET,SET}_XCRS, and the
 * XCR0 rules a guest's XSETBV shares with them.
 */
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "core/vireo.h"
#include "x86/events.h"

/**
 * x86_fpu_alloc - the guest's FPU state, counted like the module's objects
 * @fpu: where the kernel keeps it
 *
 * Return: true on success.
 */
bool x86_fpu_alloc(struct fpu_guest *fpu)
{
	if (!fpu_alloc_guest_fpstate(fpu))
		return false;
	vireo_count_objects(1);
	return true;
}

/* Undoes x86_fpu_alloc(). */
void x86_fpu_free(struct fpu_guest *fpu)
{
	fpu_free_guest_fpstate(fpu);
	vireo_count_objects(-1);
}

/*
 * The guest state lives in a buffer sized for the host's default features;
 * those that need XFD permission first (AMX tiles) would not fit in it.
 */
u64 x86_supported_xcr0(void)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return 0;
	return xgetbv(XCR_XFEATURE_ENABLED_MASK) & ~(u64)XFEATURE_MASK_XTILE;
}

/* What the guest was told it may enable (CPUID leaf 0xd), within reach. */
static u64 x86_guest_xcr0_mask(const struct x86_cpuid *c)
{
	u32 out[4];

	x86_cpuid_lookup(c, 0xd, 0, out);
	return ((u64)out[3] << 32 | out[0]) & x86_supported_xcr0();
}

/* The #GP conditions of XSETBV (Intel SDM vol. 1, 13.3; AMD APM vol. 4). */
bool x86_xcr0_valid(const struct x86_cpuid *c, u64 xcr0)
{
	u64 avx512 = xcr0 & XFEATURE_MASK_AVX512;
	u64 tiles = xcr0 & XFEATURE_MASK_XTILE;

	if (!(xcr0 & XFEATURE_MASK_FP))
		return false;
	if (xcr0 & ~(x86_guest_xcr0_mask(c) | XFEATURE_MASK_FP))
		return false;
	if ((xcr0 & XFEATURE_MASK_YMM) && !(xcr0 & XFEATURE_MASK_SSE))
		return false;
	/* MPX's two components go together. */
	if (!(xcr0 & XFEATURE_MASK_BNDREGS) != !(xcr0 & XFEATURE_MASK_BNDCSR))
		return false;
	/* AVX-512's three components go together, and on top of AVX. */
	if (avx512 && (avx512 != XFEATURE_MASK_AVX512 ||
		       !(xcr0 & XFEATURE_MASK_YMM)))
		return false;
	if (tiles && tiles != XFEATURE_MASK_XTILE)
		return false;
	return true;
}

static long x86_get_xsave(struct fpu_guest *fpu, const struct x86_cpuid *c,
			  u32 pkru, void __user *argp)
{
	struct kvm_xsave *xs = kzalloc(sizeof(*xs), GFP_KERNEL_ACCOUNT);
	long r = 0;

	if (!xs)
		return -ENOMEM;
	/*
	 * Only what the guest may enable, so the image restores on any host
	 * that can run this guest; x87 and SSE are always there.
	 */
	fpu_copy_guest_fpstate_to_uabi(fpu, xs->region, sizeof(xs->region),
				       x86_guest_xcr0_mask(c) |
				       XFEATURE_MASK_FPSSE, pkru);
	if (copy_to_user(argp, xs, sizeof(*xs)))
		r = -EFAULT;
	kfree(xs);
	return r;
}

static long x86_set_xsave(struct fpu_guest *fpu, u32 *pkru, void __user *argp)
{
	struct kvm_xsave *xs = memdup_user(argp, sizeof(*xs));
	long r;

	if (IS_ERR(xs))
		return PTR_ERR(xs);
	/* PKRU comes out of the image apart: the backend swaps it itself. */
	r = fpu_copy_uabi_to_guest_fpstate(fpu, xs->region,
					   x86_supported_xcr0(), pkru);
	kfree(xs);
	return r;
}

static long x86_get_xcrs(u64 xcr0, void __user *argp)
{
	struct kvm_xcrs *x = kzalloc(sizeof(*x), GFP_KERNEL_ACCOUNT);
	long r = 0;

	if (!x)
		return -ENOMEM;
	/* Without XSAVE in the host there is no XCR to report. */
	if (boot_cpu_has(X86_FEATURE_XSAVE)) {
		x->nr_xcrs = 1;
		x->xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		x->xcrs[0].value = xcr0;
	}
	if (copy_to_user(argp, x, sizeof(*x)))
		r = -EFAULT;
	kfree(x);
	return r;
}

static long x86_set_xcrs(const struct x86_cpuid *c, u64 *xcr0,
			 void __user *argp)
{
	struct kvm_xcrs *x;
	long r = 0;
	u32 i;

	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return -EINVAL;
	x = memdup_user(argp, sizeof(*x));
	if (IS_ERR(x))
		return PTR_ERR(x);
	if (x->nr_xcrs > KVM_MAX_XCRS || x->flags) {
		r = -EINVAL;
		goto out;
	}
	/* XCR0 is the only one; entries for others are ignored, as by kvm.ko. */
	for (i = 0; i < x->nr_xcrs; i++) {
		if (x->xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK)
			continue;
		if (!x86_xcr0_valid(c, x->xcrs[i].value))
			r = -EINVAL;
		else
			*xcr0 = x->xcrs[i].value;
		break;
	}
out:
	kfree(x);
	return r;
}

/**
 * x86_xsave_ioctl() - KVM_{GET,SET}_XSAVE and KVM_{GET,SET}_XCRS
 * @fpu: the guest's FPU state, not loaded in the CPU (outside KVM_RUN)
 * @c: the guest's CPUID, which bounds XCR0 and the state reported
 * @xcr0: the guest's XCR0, loaded by the backend around each entry
 * @pkru: the guest's PKRU, likewise
 * @cmd: the ioctl
 * @argp: its user argument
 *
 * Return: 0 or -errno, as kvm.ko returns them.
 */
long x86_xsave_ioctl(struct fpu_guest *fpu, const struct x86_cpuid *c,
		     u64 *xcr0, u32 *pkru, unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case KVM_GET_XSAVE:
		return x86_get_xsave(fpu, c, *pkru, argp);
	case KVM_SET_XSAVE:
		return x86_set_xsave(fpu, pkru, argp);
	case KVM_GET_XCRS:
		return x86_get_xcrs(*xcr0, argp);
	case KVM_SET_XCRS:
		return x86_set_xcrs(c, xcr0, argp);
	default:
		return -EINVAL;
	}
}
