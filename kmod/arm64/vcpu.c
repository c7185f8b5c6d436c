// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU state and KVM's arm64 vCPU ioctls: KVM_ARM_VCPU_INIT and the core
 * timer and system registers through KVM_GET_ONE_REG/KVM_SET_ONE_REG,
 * with kvm.ko's errnos.
 */
#include <linux/uaccess.h>
#include <asm/cputype.h>
#include <asm/ptrace.h>

#include "arm64/arm64.h"

/* Feature bits KVM_ARM_VCPU_INIT knows (unknown ones: -ENOENT). */
#define A64_MAX_FEATURES	7
/* SCTLR_EL1 out of reset: MMU and caches off, the RES1 bits set. */
#define A64_SCTLR_RESET		0x00c50078ULL

static_assert(offsetof(struct a64_gregs, sp_el0) == A64_GREGS_SP_EL0);
static_assert(offsetof(struct user_fpsimd_state, fpsr) == 512);

/**
 * a64_target - what KVM_ARM_PREFERRED_TARGET answers on this CPU
 *
 * The same mapping from the main ID register as kvm.ko's, so that a VMM
 * that names its target gets the same answer from both.
 *
 * Return: a KVM_ARM_TARGET_* value.
 */
u32 a64_target(void)
{
	u32 midr = read_cpuid_id();

	switch (MIDR_IMPLEMENTOR(midr)) {
	case ARM_CPU_IMP_ARM:
		switch (MIDR_PARTNUM(midr)) {
		case ARM_CPU_PART_AEM_V8:
			return KVM_ARM_TARGET_AEM_V8;
		case ARM_CPU_PART_FOUNDATION:
			return KVM_ARM_TARGET_FOUNDATION_V8;
		case ARM_CPU_PART_CORTEX_A53:
			return KVM_ARM_TARGET_CORTEX_A53;
		case ARM_CPU_PART_CORTEX_A57:
			return KVM_ARM_TARGET_CORTEX_A57;
		}
		break;
	case ARM_CPU_IMP_APM:
		if (MIDR_PARTNUM(midr) == APM_CPU_PART_XGENE)
			return KVM_ARM_TARGET_XGENE_POTENZA;
		break;
	}
	return KVM_ARM_TARGET_GENERIC_V8;
}

int a64_vcpu_create(struct vireo_vcpu *vcpu)
{
	struct a64_vm *v = a64_vm(vcpu->vm);
	struct a64_vcpu *a;

	/* Too late once the GIC has its redistributors: kvm.ko's -EBUSY. */
	if (a64_vgic_initialised(vcpu->vm))
		return -EBUSY;
	a = vireo_zalloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->target = -1;
	a->vcpu = vcpu;
	a64_timer_vcpu_init(a, v->voff);
	a64_run_vcpu_init(a);
	vcpu->arch = a;
	spin_lock(&v->lock);
	v->vcpus[vcpu->id] = vcpu;
	spin_unlock(&v->lock);
	return 0;
}

void a64_vcpu_destroy(struct vireo_vcpu *vcpu)
{
	struct a64_vm *v = a64_vm(vcpu->vm);

	spin_lock(&v->lock);
	v->vcpus[vcpu->id] = NULL;
	spin_unlock(&v->lock);
	a64_timer_vcpu_destroy(vcpu->arch);
	vireo_free(vcpu->arch);
}

/**
 * a64_reset - the architectural reset state of an AArch64 EL1 vCPU
 * @a: the vCPU; powered off if its KVM_ARM_VCPU_INIT asked for that
 *
 * Callers that race with CPU_ON hold the VM's lock; every caller runs on
 * the vCPU's own thread with preemption off.
 */
void a64_reset(struct a64_vcpu *a)
{
	/* A CPU_ON from inside KVM_RUN: the loaded context is overwritten. */
	a64_ctx_put(a);
	memset(&a->g, 0, sizeof(a->g));
	memset(&a->s, 0, sizeof(a->s));
	memset(&a->fp, 0, sizeof(a->fp));
	memset(&a->mmio, 0, sizeof(a->mmio));
	memset(&a->dbg, 0, sizeof(a->dbg));
	memset(a->spsr_aa32, 0, sizeof(a->spsr_aa32));
	a->pc = 0;
	a->pstate = PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT |
		    PSR_F_BIT;
	a->s.sctlr = A64_SCTLR_RESET;
	a->power_off = a->features & BIT(KVM_ARM_VCPU_POWER_OFF);
	a->reset_pending = false;
	a->wfi = false;
}

static int a64_vcpu_init(struct vireo_vcpu *vcpu, void __user *argp)
{
	struct a64_vm *v = a64_vm(vcpu->vm);
	struct a64_vcpu *a = a64_vcpu(vcpu);
	struct kvm_vcpu_init init;
	u32 features = 0;
	unsigned int i;

	if (copy_from_user(&init, argp, sizeof(init)))
		return -EFAULT;
	if (init.target != a64_target())
		return -EINVAL;
	/* A second KVM_ARM_VCPU_INIT must repeat the first. */
	if (a->target != (u32)-1 && a->target != init.target)
		return -EINVAL;
	for (i = 0; i < sizeof(init.features) * 8; i++) {
		bool set = init.features[i / 32] & BIT(i % 32);

		if (set && i >= A64_MAX_FEATURES)
			return -ENOENT;
		if (a->target != (u32)-1 && i < A64_MAX_FEATURES &&
		    !!(a->features & BIT(i)) != set)
			return -EINVAL;
		if (set)
			features |= BIT(i);
	}
	if (features & ~A64_FEATURES) {
		a->target = -1;
		a->features = 0;
		return -EINVAL;
	}
	spin_lock(&v->lock);
	a->target = init.target;
	a->features = features;
	a64_reset(a);
	spin_unlock(&v->lock);
	return 0;
}

#define CORE_OFF(field)	(offsetof(struct kvm_regs, field) / sizeof(u32))

/*
 * Where a KVM_REG_ARM_CORE register lives in the vCPU, given its offset
 * in struct kvm_regs (in 32-bit words) and the size the id names; NULL
 * for a size or alignment kvm.ko refuses.
 */
static void *a64_core_reg(struct a64_vcpu *a, u64 off, u32 size)
{
	u32 want;

	if (off < CORE_OFF(spsr) + 2 * KVM_NR_SPSR)
		want = 8;
	else if (off >= CORE_OFF(fp_regs.vregs) && off < CORE_OFF(fp_regs.fpsr))
		want = 16;
	else if (off == CORE_OFF(fp_regs.fpsr) || off == CORE_OFF(fp_regs.fpcr))
		want = 4;
	else
		return NULL;
	if (size != want || off % (want / sizeof(u32)))
		return NULL;

	if (off < CORE_OFF(regs.sp))
		return &a->g.x[off / 2];
	if (off == CORE_OFF(regs.sp))
		return &a->g.sp_el0;
	if (off == CORE_OFF(regs.pc))
		return &a->pc;
	if (off == CORE_OFF(regs.pstate))
		return &a->pstate;
	if (off == CORE_OFF(sp_el1))
		return &a->s.sp_el1;
	if (off == CORE_OFF(elr_el1))
		return &a->s.elr;
	if (off == CORE_OFF(spsr[KVM_SPSR_EL1]))
		return &a->s.spsr;
	if (off < CORE_OFF(spsr) + 2 * KVM_NR_SPSR)
		return &a->spsr_aa32[(off - CORE_OFF(spsr[1])) / 2];
	if (off < CORE_OFF(fp_regs.fpsr))
		return &a->fp.vregs[(off - CORE_OFF(fp_regs.vregs)) / 4];
	if (off == CORE_OFF(fp_regs.fpsr))
		return &a->fp.fpsr;
	return &a->fp.fpcr;
}

static int a64_one_reg(struct vireo_vcpu *vcpu, void __user *argp, bool set)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);
	const u32 nr_words = sizeof(struct kvm_regs) / sizeof(u32);
	struct kvm_one_reg reg;
	u8 buf[16];
	void *addr;
	u64 off, val;
	u32 size;
	int r;

	/* Registers exist once the vCPU has a target, as under kvm.ko. */
	if (a->target == (u32)-1)
		return -ENOEXEC;
	if (copy_from_user(&reg, argp, sizeof(reg)))
		return -EFAULT;
	/* A CPU_ON's reset comes before what the VMM reads or writes. */
	a64_power_check(vcpu);
	if ((reg.id & ~KVM_REG_SIZE_MASK) >> 32 != KVM_REG_ARM64 >> 32)
		return -EINVAL;
	if (a64_timer_reg(a, reg.id, &val, false) != -ENOENT) {
		if (!set)
			return put_user(val, (u64 __user *)u64_to_user_ptr(reg.addr));
		if (get_user(val, (u64 __user *)u64_to_user_ptr(reg.addr)))
			return -EFAULT;
		return a64_timer_reg(a, reg.id, &val, true);
	}
	if ((reg.id & KVM_REG_ARM_COPROC_MASK) == KVM_REG_ARM64_SYSREG) {
		if (set && get_user(val, (u64 __user *)u64_to_user_ptr(reg.addr)))
			return -EFAULT;
		r = a64_sysreg_one_reg(a, reg.id, &val, set);
		if (r || set)
			return r;
		return put_user(val, (u64 __user *)u64_to_user_ptr(reg.addr));
	}
	/* The core, timer and system registers so far: the rest is unknown. */
	if ((reg.id & KVM_REG_ARM_COPROC_MASK) != KVM_REG_ARM_CORE)
		return -ENOENT;
	off = reg.id & ~(KVM_REG_ARCH_MASK | KVM_REG_SIZE_MASK | KVM_REG_ARM_CORE);
	size = KVM_REG_SIZE(reg.id);
	if (off >= nr_words || off + size / sizeof(u32) >= nr_words)
		return -ENOENT;
	addr = a64_core_reg(a, off, size);
	if (!addr || size > sizeof(buf))
		return -EINVAL;
	if (!set)
		return copy_to_user(u64_to_user_ptr(reg.addr), addr, size) ?
		       -EFAULT : 0;
	if (copy_from_user(buf, u64_to_user_ptr(reg.addr), size))
		return -EFAULT;
	if (off == CORE_OFF(regs.pstate)) {
		u64 mode = *(u64 *)buf & PSR_AA32_MODE_MASK;

		/* AArch64 EL0 and EL1 only: no AArch32 guests yet. */
		if (mode != PSR_MODE_EL0t && mode != PSR_MODE_EL1t &&
		    mode != PSR_MODE_EL1h)
			return -EINVAL;
	}
	memcpy(addr, buf, size);
	return 0;
}

/* The id of the core register at @off, or 0 when kvm.ko has none there. */
static u64 a64_core_id(struct a64_vcpu *a, u64 off)
{
	static const u32 sizes[] = { 4, 8, 16 };
	static const u64 size_ids[] = {
		KVM_REG_SIZE_U32, KVM_REG_SIZE_U64, KVM_REG_SIZE_U128
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		if (a64_core_reg(a, off, sizes[i]))
			return KVM_REG_ARM64 | size_ids[i] | KVM_REG_ARM_CORE | off;
	return 0;
}

/* The timer's registers, after the core ones, as kvm.ko lists them. */
static const u64 a64_timer_ids[] = {
	KVM_REG_ARM_TIMER_CTL, KVM_REG_ARM_TIMER_CNT, KVM_REG_ARM_TIMER_CVAL,
};

/*
 * KVM_GET_REG_LIST: the core, timer and system registers, the ones ONE_REG
 * reaches here, in kvm.ko's order; -E2BIG with the count when the VMM's
 * array is too small.
 */
static long a64_reg_list(struct vireo_vcpu *vcpu, void __user *argp)
{
	const u64 nr_words = sizeof(struct kvm_regs) / sizeof(u32);
	struct kvm_reg_list __user *user = argp;
	struct a64_vcpu *a = a64_vcpu(vcpu);
	struct kvm_reg_list head;
	u64 off, id, n = 0;
	unsigned int i;

	if (a->target == (u32)-1)
		return -ENOEXEC;
	if (copy_from_user(&head, user, sizeof(head)))
		return -EFAULT;
	for (off = 0; off < nr_words; off++)
		if (a64_core_id(a, off))
			n++;
	n += ARRAY_SIZE(a64_timer_ids);
	for (i = 0; a64_sysreg_id(i); i++)
		n++;
	if (put_user(n, &user->n))
		return -EFAULT;
	if (head.n < n)
		return -E2BIG;
	n = 0;
	for (off = 0; off < nr_words; off++) {
		id = a64_core_id(a, off);
		if (id && put_user(id, &user->reg[n++]))
			return -EFAULT;
	}
	for (off = 0; off < ARRAY_SIZE(a64_timer_ids); off++)
		if (put_user(a64_timer_ids[off], &user->reg[n++]))
			return -EFAULT;
	for (i = 0; (id = a64_sysreg_id(i)); i++)
		if (put_user(id, &user->reg[n++]))
			return -EFAULT;
	return 0;
}

long a64_vcpu_ioctl(struct vireo_vcpu *vcpu, unsigned int cmd,
		    void __user *argp)
{
	switch (cmd) {
	case KVM_ARM_VCPU_INIT:
		return a64_vcpu_init(vcpu, argp);
	case KVM_GET_ONE_REG:
		return a64_one_reg(vcpu, argp, false);
	case KVM_SET_ONE_REG:
		return a64_one_reg(vcpu, argp, true);
	case KVM_GET_REG_LIST:
		return a64_reg_list(vcpu, argp);
	case KVM_GET_MP_STATE:
		return a64_get_mp_state(vcpu, argp);
	case KVM_SET_MP_STATE:
		return a64_set_mp_state(vcpu, argp);
	default:
		return -EINVAL;
	}
}
