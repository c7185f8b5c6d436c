// SPDX-License-Identifier: GPL-2.0
/*
 * Steal time (KVM_FEATURE_STEAL_TIME): each vCPU may give a 64-byte
 * struct kvm_steal_time in its memory (MSR_KVM_STEAL_TIME), where the
 * module keeps the nanoseconds its thread spent runnable on the host but
 * not running.  The guest's scheduler then charges that time to no task,
 * and its clock of CPU use stays honest on an overcommitted host.
 *
 * The total is the vCPU's own, kept here and only written out: nothing is
 * read back from guest memory.  It grows by the thread's run_delay (the
 * scheduler's count of time spent waiting on a run queue) since the last
 * entry; a vCPU run from another thread starts that count afresh.  The
 * "preempted" byte is left alone (always 0: the guest sees its vCPUs as
 * never preempted, as it would without the feature).
 */
#include <asm/kvm_para.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/stat.h>

#include "core/vireo.h"
#include "x86/x86.h"

/**
 * x86_steal_supported - can the module keep steal time on this host?
 *
 * Return: true when the scheduler counts run delays (CONFIG_SCHED_INFO).
 */
bool x86_steal_supported(void)
{
	return sched_info_on();
}

/**
 * x86_steal_get_msr - read MSR_KVM_STEAL_TIME
 * @vcpu: the vCPU
 * @data: the last value written
 *
 * Return: 0.
 */
int x86_steal_get_msr(struct vireo_vcpu *vcpu, u64 *data)
{
	*data = to_x86_vcpu(vcpu)->steal.msr;
	return 0;
}

/**
 * x86_steal_set_msr - write MSR_KVM_STEAL_TIME
 * @vcpu: the vCPU
 * @data: the structure's guest-physical address, 64-byte aligned, bit 0
 *	"enabled"
 *
 * The structure is written at the vCPU's next entry, where the slots hold.
 *
 * Return: 0, or 1 (#GP, a failed KVM_SET_MSRS) for a reserved bit or a
 * host without run-delay accounting, as kvm.ko.
 */
int x86_steal_set_msr(struct vireo_vcpu *vcpu, u64 data)
{
	struct x86_steal *st = &to_x86_vcpu(vcpu)->steal;

	if (!x86_steal_supported() || (data & KVM_STEAL_RESERVED_MASK))
		return 1;
	st->msr = data;
	st->dirty = true;
	return 0;
}

/**
 * x86_steal_enter - bring the vCPU's steal time up to date
 * @vcpu: the vCPU, about to enter (slots held, preemptible)
 *
 * Writes the structure when the MSR changed or the thread waited on a run
 * queue since the last entry; otherwise costs one comparison.  The
 * version is odd while the total changes, as the guest expects.
 */
void __vireo_hot x86_steal_enter(struct vireo_vcpu *vcpu)
{
	struct x86_steal *st = &to_x86_vcpu(vcpu)->steal;
	u64 gpa = st->msr & KVM_STEAL_VALID_BITS;
	u32 version;
	u64 delay;

	if (!(st->msr & KVM_MSR_ENABLED))
		return;
	delay = current->sched_info.run_delay;
	if (st->task != current || delay < st->last) {
		st->task = current;
		st->dirty = true;
	} else if (delay != st->last) {
		st->steal += delay - st->last;
		st->dirty = true;
	}
	st->last = delay;
	if (!st->dirty)
		return;
	st->dirty = false;
	st->version += 2;
	version = st->version - 1;
	if (vireo_write_guest(vcpu->vm, gpa + offsetof(struct kvm_steal_time,
						       version),
			      &version, sizeof(version)))
		return;
	/* The odd version is visible before the total changes... */
	smp_wmb();
	vireo_write_guest(vcpu->vm, gpa, &st->steal, sizeof(st->steal));
	/* ...and the total before the even one. */
	smp_wmb();
	version = st->version;
	vireo_write_guest(vcpu->vm, gpa + offsetof(struct kvm_steal_time,
						   version),
			  &version, sizeof(version));
}
