// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 vCPUs: KVM_ARM_VCPU_INIT with the host's preferred target and PSCI
 * 0.2, so that PSCI calls (CPU_ON for the secondaries, SYSTEM_OFF and
 * SYSTEM_RESET as KVM_EXIT_SYSTEM_EVENT) are the kernel's; the secondaries
 * start powered off. The boot CPU starts at the Image's first byte with
 * x0 the device tree, x1-x3 zero, EL1h with DAIF masked (booting.rst).
 * WFI, the timer and the GIC are in the kernel: only MMIO (common code) and
 * system events come back here, and a vCPU thread's seccomp filter allows
 * it no ioctl beyond the common ones (sandbox.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "../sandbox.h"
#include "../vm.h"

/* The kernel answers WFI, PSCI, the timer and the GIC: nothing more. */
const unsigned long arch_vcpu_ioctls[] = { 0 };

const unsigned long arch_dump_ioctls[] = { KVM_GET_ONE_REG, 0 };

#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		     KVM_REG_ARM_CORE_REG(x))
#define PSTATE_EL1H	0x5
#define PSTATE_DAIF	(0xfULL << 6)

static int set_reg(struct vcpu *v, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	return ioctl(v->fd, KVM_SET_ONE_REG, &r);
}

static int get_reg(struct vcpu *v, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return ioctl(v->fd, KVM_GET_ONE_REG, &r);
}

int arch_vcpu_init(struct vcpu *v)
{
	struct vm *vm = v->vm;
	const struct arm64_boot *b = &vm->arch.boot;
	struct kvm_vcpu_init init;

	if (!vm->arch.have_target) {
		memset(&init, 0, sizeof(init));
		if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
			vm_error("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
			return -1;
		}
		vm->arch.target = init.target;
		vm->arch.have_target = true;
	}
	memset(&init, 0, sizeof(init));
	init.target = vm->arch.target;
	init.features[0] = 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (v->id)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		vm_error("KVM_ARM_VCPU_INIT %u: %s", v->id, strerror(errno));
		return -1;
	}
	/* Secondaries: CPU_ON gives them their entry point and context. */
	if (v->id)
		return 0;
	if (set_reg(v, CORE_REG(regs.pc), b->entry) < 0 ||
	    set_reg(v, CORE_REG(regs.regs[0]), b->dtb) < 0 ||
	    set_reg(v, CORE_REG(regs.regs[1]), 0) < 0 ||
	    set_reg(v, CORE_REG(regs.regs[2]), 0) < 0 ||
	    set_reg(v, CORE_REG(regs.regs[3]), 0) < 0 ||
	    set_reg(v, CORE_REG(regs.pstate), PSTATE_DAIF | PSTATE_EL1H) < 0) {
		vm_error("setting up vCPU %u registers: %s", v->id,
			 strerror(errno));
		return -1;
	}
	return 0;
}

bool arch_vcpu_enter(struct vcpu *v)
{
	(void)v;
	return true;
}

bool arch_vcpu_mmio(struct vcpu *v, uint64_t addr, uint8_t *data,
		    unsigned int len, bool w)
{
	(void)v;
	(void)addr;
	(void)data;
	(void)len;
	(void)w;
	return false;
}

int arch_vcpu_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_ARM_NISV:
		/*
		 * A data abort outside RAM whose syndrome does not say which
		 * register (a load/store pair, writeback): no device model
		 * can complete it.
		 */
		vm_error("vCPU %u: MMIO access at %#llx without a valid syndrome",
			 v->id, (unsigned long long)run->arm_nisv.fault_ipa);
		vm_stop(v->vm, EXIT_ERROR);
		return 0;
	default:
		return -1;
	}
}

void arch_vcpu_dump(struct vcpu *v)
{
	uint64_t pc = 0, pstate = 0;

	get_reg(v, CORE_REG(regs.pc), &pc);
	get_reg(v, CORE_REG(regs.pstate), &pstate);
	vm_error("vcpu%u: pc %#llx pstate %#llx exits %llu (mmio %llu eintr %llu) "
		 "last exit %u",
		 v->id, (unsigned long long)pc, (unsigned long long)pstate,
		 (unsigned long long)v->exits, (unsigned long long)v->mmio_exits,
		 (unsigned long long)v->eintr, v->last_exit);
}

void arch_vcpu_destroy(struct vcpu *v)
{
	(void)v;
}
