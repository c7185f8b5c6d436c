// SPDX-License-Identifier: GPL-2.0
/*
 * PSCI 1.0 over HVC (SMCCC), in the kernel: VERSION, FEATURES,
 * CPU_SUSPEND (as WFI), CPU_OFF, CPU_ON, AFFINITY_INFO, MIGRATE_INFO_TYPE,
 * SYSTEM_OFF and SYSTEM_RESET (KVM_EXIT_SYSTEM_EVENT); and the power
 * state behind them, KVM_GET_MP_STATE and KVM_SET_MP_STATE.
 */
#include <linux/arm-smccc.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <uapi/linux/psci.h>
#include <asm/cputype.h>

#include "arm64/arm64.h"

#define A64_PSCI_VERSION	0x10000UL

/**
 * a64_power_check - may @vcpu run? Applies a reset CPU_ON left for it
 * @vcpu: the vCPU, from its own thread
 *
 * Return: false while the vCPU is stopped.
 */
bool a64_power_check(struct vireo_vcpu *vcpu)
{
	struct a64_vm *v = a64_vm(vcpu->vm);
	struct a64_vcpu *a = a64_vcpu(vcpu);
	bool on;

	spin_lock(&v->lock);
	if (a->reset_pending) {
		u64 pc = a->reset_pc, ctx = a->reset_ctx;

		a64_reset(a);
		a->power_off = false;
		a->pc = pc;
		a->g.x[0] = ctx;
	}
	on = !a->power_off;
	spin_unlock(&v->lock);
	return on;
}

/* Affinity fields that count at @level (0 to 3), as PSCI defines them. */
static u64 a64_affinity_mask(u64 level)
{
	switch (level) {
	case 0:
		return MPIDR_HWID_BITMASK;
	case 1:
		return MPIDR_HWID_BITMASK & ~0xffULL;
	case 2:
		return MPIDR_HWID_BITMASK & ~0xffffULL;
	case 3:
		return MPIDR_HWID_BITMASK & ~0xffffffULL;
	default:
		return 0;
	}
}

static long a64_cpu_on(struct vireo_vcpu *vcpu, u64 mpidr, u64 pc, u64 ctx)
{
	struct a64_vm *v = a64_vm(vcpu->vm);
	struct vireo_vcpu *t = NULL;
	struct task_struct *task;
	long r = PSCI_RET_INVALID_PARAMS;
	unsigned int i;

	spin_lock(&v->lock);
	for (i = 0; i < VIREO_MAX_VCPUS; i++) {
		struct vireo_vcpu *c = v->vcpus[i];

		if (c && a64_vcpu(c)->target != (u32)-1 &&
		    (a64_vmpidr(c->id) & MPIDR_HWID_BITMASK) ==
		    (mpidr & MPIDR_HWID_BITMASK)) {
			t = c;
			break;
		}
	}
	if (t && !a64_vcpu(t)->power_off) {
		r = PSCI_RET_ALREADY_ON;
	} else if (t) {
		struct a64_vcpu *ta = a64_vcpu(t);

		ta->reset_pending = true;
		ta->reset_pc = pc;
		ta->reset_ctx = ctx;
		ta->power_off = false;
		r = PSCI_RET_SUCCESS;
	}
	spin_unlock(&v->lock);
	if (r != PSCI_RET_SUCCESS)
		return r;
	/* A task_struct is freed only after an RCU grace period. */
	rcu_read_lock();
	task = READ_ONCE(t->task);
	if (task)
		wake_up_process(task);
	rcu_read_unlock();
	return r;
}

static long a64_affinity_info(struct vireo_vcpu *vcpu, u64 aff, u64 level)
{
	struct a64_vm *v = a64_vm(vcpu->vm);
	u64 mask = a64_affinity_mask(level);
	long r = PSCI_0_2_AFFINITY_LEVEL_OFF;
	unsigned int i;

	if (!mask)
		return PSCI_RET_INVALID_PARAMS;
	spin_lock(&v->lock);
	for (i = 0; i < VIREO_MAX_VCPUS; i++) {
		struct vireo_vcpu *c = v->vcpus[i];

		if (c && (a64_vmpidr(c->id) & mask) == (aff & mask) &&
		    !a64_vcpu(c)->power_off)
			r = PSCI_0_2_AFFINITY_LEVEL_ON;
	}
	spin_unlock(&v->lock);
	return r;
}

/* SYSTEM_OFF and SYSTEM_RESET stop every vCPU until the VMM acts. */
static void a64_system_event(struct vireo_vcpu *vcpu, u32 type)
{
	struct a64_vm *v = a64_vm(vcpu->vm);
	struct kvm_run *run = vcpu->run;
	unsigned int i;

	spin_lock(&v->lock);
	for (i = 0; i < VIREO_MAX_VCPUS; i++)
		if (v->vcpus[i])
			a64_vcpu(v->vcpus[i])->power_off = true;
	spin_unlock(&v->lock);
	memset(&run->system_event, 0, sizeof(run->system_event));
	run->system_event.type = type;
	run->system_event.ndata = 1;
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
}

static long a64_psci_features(u32 fn)
{
	switch (fn) {
	case PSCI_0_2_FN_PSCI_VERSION:
	case PSCI_1_0_FN_PSCI_FEATURES:
	case PSCI_0_2_FN_CPU_SUSPEND:
	case PSCI_0_2_FN64_CPU_SUSPEND:
	case PSCI_0_2_FN_CPU_OFF:
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
	case PSCI_0_2_FN_AFFINITY_INFO:
	case PSCI_0_2_FN64_AFFINITY_INFO:
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
	case PSCI_0_2_FN_SYSTEM_OFF:
	case PSCI_0_2_FN_SYSTEM_RESET:
		return 0;
	default:
		return PSCI_RET_NOT_SUPPORTED;
	}
}

/**
 * a64_hvc - an HVC from the guest: an SMCCC call, PSCI or nothing
 * @vcpu: the calling vCPU
 *
 * Return: VIREO_RUN_AGAIN, or VIREO_RUN_USER for a system event.
 */
int a64_hvc(struct vireo_vcpu *vcpu)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);
	u64 *x = a->g.x, a1 = x[1], a2 = x[2], a3 = x[3];
	long val = PSCI_RET_NOT_SUPPORTED;
	int r = VIREO_RUN_AGAIN;
	u32 fn = x[0];

	/* SMC32 calls pass 32-bit arguments. */
	if (!(fn & BIT(ARM_SMCCC_CALL_CONV_SHIFT))) {
		a1 = lower_32_bits(a1);
		a2 = lower_32_bits(a2);
		a3 = lower_32_bits(a3);
	}
	if (!(a->features & BIT(KVM_ARM_VCPU_PSCI_0_2)))
		fn = 0;
	switch (fn) {
	case PSCI_0_2_FN_PSCI_VERSION:
		val = A64_PSCI_VERSION;
		break;
	case PSCI_1_0_FN_PSCI_FEATURES:
		val = a64_psci_features(a1);
		break;
	case PSCI_0_2_FN_CPU_SUSPEND:
	case PSCI_0_2_FN64_CPU_SUSPEND:
		/* A standby: the vCPU waits as in WFI. */
		a64_wfi(a);
		val = PSCI_RET_SUCCESS;
		break;
	case PSCI_0_2_FN_CPU_OFF:
		spin_lock(&a64_vm(vcpu->vm)->lock);
		a->power_off = true;
		spin_unlock(&a64_vm(vcpu->vm)->lock);
		val = PSCI_RET_INTERNAL_FAILURE;
		break;
	case PSCI_0_2_FN_CPU_ON:
	case PSCI_0_2_FN64_CPU_ON:
		val = a64_cpu_on(vcpu, a1, a2, a3);
		break;
	case PSCI_0_2_FN_AFFINITY_INFO:
	case PSCI_0_2_FN64_AFFINITY_INFO:
		val = a64_affinity_info(vcpu, a1, a2);
		break;
	case PSCI_0_2_FN_MIGRATE_INFO_TYPE:
		val = PSCI_0_2_TOS_MP;
		break;
	case PSCI_0_2_FN_SYSTEM_OFF:
	case PSCI_0_2_FN_SYSTEM_RESET:
		a64_system_event(vcpu, fn == PSCI_0_2_FN_SYSTEM_OFF ?
				 KVM_SYSTEM_EVENT_SHUTDOWN :
				 KVM_SYSTEM_EVENT_RESET);
		/* What the guest sees should the VMM run it again. */
		val = PSCI_RET_INTERNAL_FAILURE;
		r = VIREO_RUN_USER;
		break;
	}
	x[0] = val;
	x[1] = 0;
	x[2] = 0;
	x[3] = 0;
	return r;
}

/**
 * a64_get_mp_state - KVM_GET_MP_STATE: RUNNABLE or STOPPED
 * @vcpu: the vCPU
 * @argp: struct kvm_mp_state
 *
 * Return: 0 or -EFAULT.
 */
long a64_get_mp_state(struct vireo_vcpu *vcpu, void __user *argp)
{
	struct kvm_mp_state mp = {
		.mp_state = a64_power_check(vcpu) ? KVM_MP_STATE_RUNNABLE :
						    KVM_MP_STATE_STOPPED,
	};

	return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
}

/**
 * a64_set_mp_state - KVM_SET_MP_STATE: RUNNABLE or STOPPED, else -EINVAL
 * @vcpu: the vCPU
 * @argp: struct kvm_mp_state
 *
 * Return: 0, -EFAULT or -EINVAL.
 */
long a64_set_mp_state(struct vireo_vcpu *vcpu, void __user *argp)
{
	struct a64_vm *v = a64_vm(vcpu->vm);
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	if (mp.mp_state != KVM_MP_STATE_RUNNABLE &&
	    mp.mp_state != KVM_MP_STATE_STOPPED)
		return -EINVAL;
	spin_lock(&v->lock);
	a64_vcpu(vcpu)->power_off = mp.mp_state == KVM_MP_STATE_STOPPED;
	spin_unlock(&v->lock);
	return 0;
}
