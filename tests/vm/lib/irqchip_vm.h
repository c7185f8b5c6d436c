/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the in-kernel irqchip tests: a VM whose 8259 pair, I/O APIC
 * and PIT exist before its vCPU, as KVM_CREATE_IRQCHIP requires, and more
 * vCPUs beside the first.  The benchmarks (tests/bench) use it too: run_out()
 * is there only when kselftest_harness.h is included first.
 */
#ifndef IRQCHIP_VM_H
#define IRQCHIP_VM_H

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vireo_test.h"

#define CODE		0x1000
#define WITH_IRQCHIP	1
#define WITH_PIT	2
#define WITH_SPEAKER	4	/* KVM_PIT_SPEAKER_DUMMY */
#define PROT32		8	/* flat 32-bit protected mode, no paging */

/*
 * vt_vm_create() but with the devices created before the vCPU, as
 * KVM_CREATE_IRQCHIP requires.
 */
static inline int chip_vm(struct vt_vm *t, unsigned int what, const void *code,
		   size_t len)
{
	struct kvm_userspace_memory_region mr = { 0 };
	struct kvm_pit_config pc = { 0 };
	struct kvm_sregs s;
	struct kvm_regs regs;
	int r;

	memset(t, 0, sizeof(*t));
	t->sys = t->vm = t->vcpu = -1;
	t->sys = vt_open_dev();
	if (t->sys < 0)
		return -errno;
	t->vm = ioctl(t->sys, KVM_CREATE_VM, 0);
	if (t->vm < 0)
		goto err;
	if ((what & WITH_IRQCHIP) && ioctl(t->vm, KVM_CREATE_IRQCHIP, 0))
		goto err;
	pc.flags = (what & WITH_SPEAKER) ? KVM_PIT_SPEAKER_DUMMY : 0;
	if ((what & WITH_PIT) && ioctl(t->vm, KVM_CREATE_PIT2, &pc))
		goto err;
	t->mem_size = 0x10000;
	t->mem = mmap(NULL, t->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->mem == MAP_FAILED) {
		t->mem = NULL;
		goto err;
	}
	memcpy(t->mem + CODE, code, len);
	mr.memory_size = t->mem_size;
	mr.userspace_addr = (uintptr_t)t->mem;
	if (ioctl(t->vm, KVM_SET_USER_MEMORY_REGION, &mr))
		goto err;
	t->vcpu = ioctl(t->vm, KVM_CREATE_VCPU, 0);
	if (t->vcpu < 0)
		goto err;
	t->run_size = ioctl(t->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	t->run = mmap(NULL, t->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      t->vcpu, 0);
	if (t->run == MAP_FAILED) {
		t->run = NULL;
		goto err;
	}
	if (ioctl(t->vcpu, KVM_GET_SREGS, &s))
		goto err;
	s.cs.base = 0;
	s.cs.selector = 0;
	if (what & PROT32) {
		struct kvm_segment cs = {
			.limit = 0xffffffff, .selector = 8, .type = 11,
			.present = 1, .s = 1, .db = 1, .g = 1,
		};
		struct kvm_segment ds = cs;

		ds.selector = 16;
		ds.type = 3;
		s.cs = cs;
		s.ds = s.es = s.fs = s.gs = s.ss = ds;
		s.cr0 |= 1;
	}
	if (ioctl(t->vcpu, KVM_SET_SREGS, &s))
		goto err;
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE;
	regs.rflags = 2;
	if (ioctl(t->vcpu, KVM_SET_REGS, &regs))
		goto err;
	return 0;
err:
	r = -errno;
	vt_vm_destroy(t);
	return r ? r : -EIO;
}

/*
 * Another vCPU of @t's VM, @id, in @t's first vCPU's mode (its segments and
 * descriptor tables) at @rip with its stack at @rsp, runnable (not waiting for INIT and SIPI as an
 * AP does under KVM_CREATE_IRQCHIP), with its kvm_run in *@run.  Returns
 * its fd or -errno.
 */
static inline int chip_vcpu(struct vt_vm *t, int id, uint64_t rip,
			    uint64_t rsp, struct kvm_run **run)
{
	struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };
	struct kvm_regs regs = { .rip = rip, .rsp = rsp, .rflags = 2 };
	struct kvm_sregs s;
	int fd, r;

	if (ioctl(t->vcpu, KVM_GET_SREGS, &s))
		return -errno;
	fd = ioctl(t->vm, KVM_CREATE_VCPU, id);
	if (fd < 0)
		return -errno;
	*run = mmap(NULL, t->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    0);
	if (*run == MAP_FAILED) {
		*run = NULL;
		goto err;
	}
	if (ioctl(fd, KVM_SET_SREGS, &s) || ioctl(fd, KVM_SET_REGS, &regs) ||
	    ioctl(fd, KVM_SET_MP_STATE, &mp))
		goto err;
	return fd;
err:
	r = -errno;
	if (*run)
		munmap(*run, t->run_size);
	close(fd);
	return r ? r : -EIO;
}

#ifdef VT_KSELFTEST_HARNESS_H
/* Run to the next OUT to a port no device claims; its byte or dword. */
static inline int run_out(struct __test_metadata *_metadata, struct vt_vm *t,
		   uint16_t port, uint32_t *val)
{
	uint32_t v = 0;

	if (vt_run(t))
		return -1;
	EXPECT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t->run->exit_reason));
	if (t->run->exit_reason != KVM_EXIT_IO)
		return -1;
	EXPECT_EQ(port, t->run->io.port);
	EXPECT_EQ(KVM_EXIT_IO_OUT, t->run->io.direction);
	memcpy(&v, vt_io_data(t), t->run->io.size);
	if (val)
		*val = v;
	return 0;
}
#endif

#endif
