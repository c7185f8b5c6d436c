// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vt_arm64.h"

int va_vm_create(struct va_vm *t, size_t mem_size)
{
	struct kvm_userspace_memory_region mr = { 0 };
	int r;

	memset(t, 0, sizeof(*t));
	t->sys = t->vm = t->vcpu = -1;
	t->sys = vt_open_dev();
	if (t->sys < 0)
		goto err;
	t->vm = ioctl(t->sys, KVM_CREATE_VM, 0);
	if (t->vm < 0)
		goto err;
	t->mem_size = mem_size;
	t->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t->mem == MAP_FAILED) {
		t->mem = NULL;
		goto err;
	}
	mr.guest_phys_addr = VA_RAM_GPA;
	mr.memory_size = mem_size;
	mr.userspace_addr = (uintptr_t)t->mem;
	if (ioctl(t->vm, KVM_SET_USER_MEMORY_REGION, &mr))
		goto err;
	t->vcpu = ioctl(t->vm, KVM_CREATE_VCPU, 0);
	if (t->vcpu < 0)
		goto err;
	r = ioctl(t->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r <= 0)
		goto err;
	t->run_size = r;
	t->run = mmap(NULL, t->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      t->vcpu, 0);
	if (t->run == MAP_FAILED) {
		t->run = NULL;
		goto err;
	}
	return 0;
err:
	r = -errno;
	va_vm_destroy(t);
	return r ? r : -EIO;
}

int va_vcpu_init(struct va_vm *t)
{
	struct kvm_vcpu_init init;

	memset(&init, 0, sizeof(init));
	if (ioctl(t->vm, KVM_ARM_PREFERRED_TARGET, &init))
		return -errno;
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(t->vcpu, KVM_ARM_VCPU_INIT, &init))
		return -errno;
	return 0;
}

int va_vm_guest(struct va_vm *t, size_t mem_size, const uint8_t *start,
		const uint8_t *end)
{
	int r = va_vm_create(t, mem_size);

	if (r)
		return r;
	r = va_vcpu_init(t);
	if (r)
		goto err;
	if ((size_t)(end - start) > mem_size) {
		r = -E2BIG;
		goto err;
	}
	memcpy(t->mem, start, end - start);
	r = va_set_reg(t->vcpu, VA_REG_PC, VA_RAM_GPA);
	if (r)
		goto err;
	return 0;
err:
	va_vm_destroy(t);
	return r;
}

void va_vm_destroy(struct va_vm *t)
{
	if (t->run)
		munmap(t->run, t->run_size);
	if (t->mem)
		munmap(t->mem, t->mem_size);
	if (t->vcpu >= 0)
		close(t->vcpu);
	if (t->vm >= 0)
		close(t->vm);
	if (t->sys >= 0)
		close(t->sys);
	memset(t, 0, sizeof(*t));
	t->sys = t->vm = t->vcpu = -1;
}

int va_get_reg(int vcpu, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };

	return ioctl(vcpu, KVM_GET_ONE_REG, &reg) ? -errno : 0;
}

int va_set_reg(int vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

	return ioctl(vcpu, KVM_SET_ONE_REG, &reg) ? -errno : 0;
}

int va_run(struct va_vm *t)
{
	return ioctl(t->vcpu, KVM_RUN, 0) ? -errno : 0;
}

const char *va_exit_name(uint32_t reason)
{
	static char buf[32];

	switch (reason) {
	case KVM_EXIT_UNKNOWN: return "UNKNOWN";
	case KVM_EXIT_MMIO: return "MMIO";
	case KVM_EXIT_HYPERCALL: return "HYPERCALL";
	case KVM_EXIT_INTR: return "INTR";
	case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	case KVM_EXIT_SYSTEM_EVENT: return "SYSTEM_EVENT";
	case KVM_EXIT_ARM_NISV: return "ARM_NISV";
	}
	snprintf(buf, sizeof(buf), "%u", reason);
	return buf;
}
