// SPDX-License-Identifier: GPL-2.0
/*
 * The host's and other VMs' state around a guest: the caller's LDT after
 * KVM_RUN, VMs beyond the VT-x VPID pool, PAE paging (whose PDPTEs VT-x
 * takes from the VMCS), and a vCPU run again after a triple fault.
 */
#include <asm/ldt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"

#define CODE	0x1000
#define DATA	0x2000
#define PDPT	0x3000
#define PD	0x4000
#define PORT	0x10

#define EXPECT_EXIT(t, reason) \
	EXPECT_EQ((uint32_t)(reason), (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason))
#define ASSERT_EXIT(t, reason) \
	ASSERT_EQ((uint32_t)(reason), (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason))

/* mov al, 0x42; out PORT, al; hlt: the same bytes in 16 and 32 bits */
static const uint8_t out_hlt[] = { 0xb0, 0x42, 0xe6, PORT, 0xf4 };

/* The guest ran to its OUT of @val and then to HLT. */
static void expect_out_hlt(struct __test_metadata *_metadata,
			   struct vt_vm *t, uint8_t val)
{
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_IO);
	EXPECT_EQ(PORT, t->run->io.port);
	EXPECT_EQ(val, vt_io_data(t)[0]);
	ASSERT_EQ(0, vt_run(t));
	EXPECT_EXIT(t, KVM_EXIT_HLT);
}

/* Is LDT selector @sel (RPL 3) readable from here? (VERR never faults.) */
static bool ldt_readable(uint16_t sel)
{
	uint8_t ok;

	asm volatile("verr %1; setz %0" : "=q" (ok) : "rm" (sel) : "cc");
	return ok;
}

/*
 * VM exit on VT-x leaves LDTR null: the module must give a process that
 * installed an LDT (modify_ldt: Wine, DOSEMU, old runtimes) its LDT back.
 */
TEST(ldt_survives_run)
{
	struct user_desc d = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff,
		.seg_32bit = 1, .contents = 0, .read_exec_only = 0,
		.limit_in_pages = 1, .seg_not_present = 0, .useable = 1,
	};
	const uint16_t sel = (0 << 3) | 4 | 3;	/* entry 0, LDT, RPL 3 */
	struct vt_vm t;
	int i, r;

	ASSERT_EQ(0, syscall(SYS_modify_ldt, 1, &d, sizeof(d)))
		TH_LOG("modify_ldt: %s", strerror(errno));
	ASSERT_TRUE(ldt_readable(sel));
	r = vt_vm_create(&t, 0x10000, CODE);
	ASSERT_EQ(0, r) TH_LOG("vm: %s", strerror(-r));
	memcpy(t.mem + CODE, out_hlt, sizeof(out_hlt));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, vt_run(&t));
		EXPECT_TRUE(ldt_readable(sel)) TH_LOG("after exit %d", i);
	}
	vt_vm_destroy(&t);
}

#define VPIDS_PARAM	"/sys/module/vireo/parameters/vpids"
#define NR_VCPUS	4

/*
 * vCPUs beyond the VT-x VPID pool still run, and so do other VMs created
 * after it ran out.  65535 vCPUs do not fit in the test VM: vireo.ko's
 * "vpids" parameter shrinks the pool (kvm.ko has none; there the test
 * shows only that the same VMs run).
 */
FIXTURE(vpids) {
	char saved[32];
};

FIXTURE_SETUP(vpids)
{
	int fd = open(VPIDS_PARAM, O_RDWR), n;

	self->saved[0] = 0;
	if (fd < 0)
		return;
	n = read(fd, self->saved, sizeof(self->saved) - 1);
	ASSERT_GT(n, 0);
	self->saved[n] = 0;
	/* Fewer than the test's vCPUs. */
	ASSERT_EQ(1, write(fd, "2", 1));
	close(fd);
}

FIXTURE_TEARDOWN(vpids)
{
	int fd;

	if (!self->saved[0])
		return;
	fd = open(VPIDS_PARAM, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, self->saved, strlen(self->saved)) < 0)
			perror("restore " VPIDS_PARAM);
		close(fd);
	}
}

/* One more real-mode vCPU @id in @t's VM, at CODE; its fd, run in @run. */
static int add_vcpu(struct vt_vm *t, int id, struct kvm_run **run)
{
	struct kvm_sregs s;
	struct kvm_regs regs = { .rip = CODE, .rflags = 2 };
	int fd = ioctl(t->vm, KVM_CREATE_VCPU, id);

	if (fd < 0)
		return -1;
	*run = mmap(NULL, t->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (*run == MAP_FAILED || ioctl(fd, KVM_GET_SREGS, &s))
		return -1;
	s.cs.base = 0;
	s.cs.selector = 0;
	if (ioctl(fd, KVM_SET_SREGS, &s) || ioctl(fd, KVM_SET_REGS, &regs))
		return -1;
	return fd;
}

TEST_F(vpids, beyond_the_pool)
{
	struct kvm_run *run[NR_VCPUS];
	int fd[NR_VCPUS], i, r;
	struct vt_vm t, other;

	r = vt_vm_create(&t, 0x10000, CODE);
	ASSERT_EQ(0, r) TH_LOG("vm: %s", strerror(-r));
	memcpy(t.mem + CODE, out_hlt, sizeof(out_hlt));
	fd[0] = t.vcpu;
	run[0] = t.run;
	for (i = 1; i < NR_VCPUS; i++) {
		fd[i] = add_vcpu(&t, i, &run[i]);
		ASSERT_GE(fd[i], 0) TH_LOG("vCPU %d: %s", i, strerror(errno));
	}
	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(0, ioctl(fd[i], KVM_RUN, 0));
		EXPECT_EQ((uint32_t)KVM_EXIT_IO, run[i]->exit_reason)
			TH_LOG("vCPU %d: exit %s", i,
			       vt_exit_name(run[i]->exit_reason));
	}
	/* Another user's VM, with the pool still empty. */
	r = vt_vm_create(&other, 0x10000, CODE);
	ASSERT_EQ(0, r) TH_LOG("vm: %s", strerror(-r));
	memcpy(other.mem + CODE, out_hlt, sizeof(out_hlt));
	expect_out_hlt(_metadata, &other, 0x42);
	vt_vm_destroy(&other);
	for (i = 1; i < NR_VCPUS; i++) {
		munmap(run[i], t.run_size);
		close(fd[i]);
	}
	vt_vm_destroy(&t);
}

FIXTURE(pm) {
	struct vt_vm t;
};

FIXTURE_SETUP(pm)
{
	int r = vt_vm_create(&self->t, 0x10000, CODE);

	ASSERT_EQ(0, r) TH_LOG("vm: %s", strerror(-r));
}

FIXTURE_TEARDOWN(pm)
{
	vt_vm_destroy(&self->t);
}

/* 32-bit flat protected mode; @cr0 extra bits (PG), @cr4, @cr3. */
static int protected_mode(struct vt_vm *t, uint64_t cr0, uint64_t cr4,
			  uint64_t cr3)
{
	struct kvm_segment cs = {
		.limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
		.s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment ds = {
		.limit = 0xffffffff, .selector = 16, .type = 3, .present = 1,
		.s = 1, .db = 1, .g = 1,
	};
	struct kvm_sregs s;

	if (ioctl(t->vcpu, KVM_GET_SREGS, &s))
		return -errno;
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.cr0 = 0x11 | cr0;		/* PE, ET */
	s.cr4 = cr4;
	s.cr3 = cr3;
	s.efer = 0;
	s.idt.limit = 0;
	return ioctl(t->vcpu, KVM_SET_SREGS, &s) ? -errno : 0;
}

/*
 * PAE tables: linear 0-2 MiB and 2-4 MiB both map guest-physical 0 with
 * one 2 MiB page, so a read at 2 MiB + DATA works only through paging.
 */
static void pae_tables(struct vt_vm *t)
{
	uint64_t *pdpt = (uint64_t *)(t->mem + PDPT);
	uint64_t *pd = (uint64_t *)(t->mem + PD);

	pdpt[0] = PD | 1;		/* present; PAE PDPTEs have no R/W */
	pd[0] = 0x83;			/* present, writable, 2 MiB */
	pd[1] = 0x83;
	t->mem[DATA] = 0x5a;
}

/* mov eax, [0x200000 + DATA]; out PORT, al; hlt */
#define READ_HIGH	0xa1, 0x00, 0x20, 0x20, 0x00, 0xe6, PORT, 0xf4

TEST_F(pm, pae_paging_from_sregs)
{
	static const uint8_t code[] = { READ_HIGH };

	pae_tables(&self->t);
	memcpy(self->t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, protected_mode(&self->t, 0x80000000, 1 << 5, PDPT));
	expect_out_hlt(_metadata, &self->t, 0x5a);
}

TEST_F(pm, pae_paging_by_guest)
{
	static const uint8_t code[] = {
		0xb8, 0x00, 0x30, 0x00, 0x00,	/* mov eax, PDPT */
		0x0f, 0x22, 0xd8,		/* mov cr3, eax */
		0x0f, 0x20, 0xe0,		/* mov eax, cr4 */
		0x83, 0xc8, 0x20,		/* or eax, PAE */
		0x0f, 0x22, 0xe0,		/* mov cr4, eax */
		0x0f, 0x20, 0xc0,		/* mov eax, cr0 */
		0x0d, 0x00, 0x00, 0x00, 0x80,	/* or eax, PG */
		0x0f, 0x22, 0xc0,		/* mov cr0, eax */
		READ_HIGH,
	};

	pae_tables(&self->t);
	memcpy(self->t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, protected_mode(&self->t, 0, 0, 0));
	expect_out_hlt(_metadata, &self->t, 0x5a);
}

/*
 * After KVM_EXIT_SHUTDOWN a VMM may load a new state and run again (a
 * reset): nothing of the fault that ended the guest may come back.  On
 * AMD-V the VMCB is undefined after a SHUTDOWN intercept.
 */
TEST_F(pm, run_after_shutdown)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	struct kvm_regs regs = { .rip = CODE + 0x100, .rflags = 2 };
	struct kvm_sregs s;
	int i;

	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_GET_SREGS, &s));
	memcpy(self->t.mem + CODE, ud2, sizeof(ud2));
	memcpy(self->t.mem + CODE + 0x100, out_hlt, sizeof(out_hlt));
	for (i = 0; i < 2; i++) {
		/* #UD with no IDT: #GP, #DF, triple fault. */
		ASSERT_EQ(0, protected_mode(&self->t, 0, 0, 0));
		ASSERT_EQ(0, vt_run(&self->t));
		ASSERT_EXIT(&self->t, KVM_EXIT_SHUTDOWN);
		ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_SET_SREGS, &s));
		ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_SET_REGS, &regs));
		expect_out_hlt(_metadata, &self->t, 0x42);
		memset(&regs, 0, sizeof(regs));
		regs.rip = CODE;
		regs.rflags = 2;
		ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_SET_REGS, &regs));
		regs.rip = CODE + 0x100;
	}
}

TEST_HARNESS_MAIN
