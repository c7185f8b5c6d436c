// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vireo_test.h"

int vt_vm_create(struct vt_vm *t, size_t mem_size, uint64_t rip)
{
	struct kvm_userspace_memory_region mr = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
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
	if (ioctl(t->vcpu, KVM_GET_SREGS, &sregs))
		goto err;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(t->vcpu, KVM_SET_SREGS, &sregs))
		goto err;
	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rflags = 2;
	if (ioctl(t->vcpu, KVM_SET_REGS, &regs))
		goto err;
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

int vt_long_mode(struct vt_vm *t, uint64_t pt)
{
	uint64_t *pml4 = (uint64_t *)(t->mem + pt);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;
	struct kvm_segment cs = {
		.limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
		.s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment ds = {
		.limit = 0xffffffff, .selector = 16, .type = 3, .present = 1,
		.s = 1, .db = 1, .g = 1,
	};
	struct kvm_sregs s;
	int i;

	pml4[0] = (pt + 0x1000) | 3;
	pdpt[0] = (pt + 0x2000) | 3;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;
	if (ioctl(t->vcpu, KVM_GET_SREGS, &s))
		return -errno;
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.cr3 = pt;
	s.cr4 = 1 << 5;			/* PAE */
	s.cr0 = 0x80000001 | (1 << 4);	/* PG, PE, ET */
	s.efer = (1 << 8) | (1 << 10);	/* LME, LMA */
	return ioctl(t->vcpu, KVM_SET_SREGS, &s) ? -errno : 0;
}

int vt_run(struct vt_vm *t)
{
	return ioctl(t->vcpu, KVM_RUN, 0) ? -errno : 0;
}

uint8_t *vt_io_data(struct vt_vm *t)
{
	return (uint8_t *)t->run + t->run->io.data_offset;
}

const char *vt_exit_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "other";
}
