// SPDX-License-Identifier: GPL-2.0
/* The part of the helpers that names no architecture (vireo_test.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vireo_test.h"

int vt_vm_open(struct vt_vm *t, uint64_t gpa, size_t mem_size)
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
	mr.guest_phys_addr = gpa;
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
	vt_vm_destroy(t);
	return r ? r : -EIO;
}

void vt_vm_destroy(struct vt_vm *t)
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

int vt_run(struct vt_vm *t)
{
	return ioctl(t->vcpu, KVM_RUN, 0) ? -errno : 0;
}

const char *vt_exit_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_ARM_NISV] = "ARM_NISV",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "other";
}
