// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN on real-mode guests: port I/O in both directions, HLT, CPUID
 * answered in the kernel (its table fixed once the vCPU has run, OSXSAVE
 * following CR4, many in a row), triple fault, signals (a guest spinning,
 * a guest that only exits for CPUID) and immediate_exit.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"

#define CODE	0x1000

FIXTURE(rm) {
	struct vt_vm t;
};

FIXTURE_SETUP(rm)
{
	int r = vt_vm_create(&self->t, 0x10000, CODE);

	ASSERT_EQ(0, r) TH_LOG("vm: %s", strerror(-r));
}

FIXTURE_TEARDOWN(rm)
{
	vt_vm_destroy(&self->t);
}

static void load(struct vt_vm *t, const uint8_t *code, size_t len)
{
	memcpy(t->mem + CODE, code, len);
}

#define EXPECT_EXIT(t, reason) \
	EXPECT_EQ((uint32_t)(reason), (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason))
#define ASSERT_EXIT(t, reason) \
	ASSERT_EQ((uint32_t)(reason), (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason))

TEST_F(rm, out_hlt)
{
	/* mov al, 0x42; out 0x10, al; hlt */
	static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xf4 };
	struct kvm_regs regs;

	load(&self->t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(&self->t));
	ASSERT_EXIT(&self->t, KVM_EXIT_IO);
	EXPECT_EQ(KVM_EXIT_IO_OUT, self->t.run->io.direction);
	EXPECT_EQ(1, self->t.run->io.size);
	EXPECT_EQ(0x10, self->t.run->io.port);
	EXPECT_EQ(1u, self->t.run->io.count);
	EXPECT_EQ(0x42, vt_io_data(&self->t)[0]);
	ASSERT_EQ(0, vt_run(&self->t));
	EXPECT_EXIT(&self->t, KVM_EXIT_HLT);
	ASSERT_EQ(0, ioctl(self->t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(CODE + sizeof(code), regs.rip);
}

TEST_F(rm, in_out_widths)
{
	/*
	 * in al, 0x20; out 0x21, al; in ax, 0x22; out 0x23, ax;
	 * in eax, dx (dx = 0x1234); out dx, eax; hlt
	 */
	static const uint8_t code[] = {
		0xe4, 0x20, 0xe6, 0x21, 0xe5, 0x22, 0xe7, 0x23,
		0xba, 0x34, 0x12, 0x66, 0xed, 0x66, 0xef, 0xf4,
	};
	struct vt_vm *t = &self->t;
	struct kvm_regs regs;

	load(t, code, sizeof(code));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &regs));
	regs.rax = 0x1111111111111111ULL;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_REGS, &regs));

	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_IO);
	EXPECT_EQ(KVM_EXIT_IO_IN, t->run->io.direction);
	EXPECT_EQ(0x20, t->run->io.port);
	EXPECT_EQ(1, t->run->io.size);
	vt_io_data(t)[0] = 0x5a;
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_IO);
	EXPECT_EQ(KVM_EXIT_IO_OUT, t->run->io.direction);
	EXPECT_EQ(0x5a, vt_io_data(t)[0]);

	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_IO);
	EXPECT_EQ(2, t->run->io.size);
	EXPECT_EQ(0x22, t->run->io.port);
	memcpy(vt_io_data(t), "\xcd\xab", 2);
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_IO);
	EXPECT_EQ(0, memcmp(vt_io_data(t), "\xcd\xab", 2));

	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_IO);
	EXPECT_EQ(4, t->run->io.size);
	EXPECT_EQ(0x1234, t->run->io.port);
	memcpy(vt_io_data(t), "\x78\x56\x34\x12", 4);
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_IO);
	EXPECT_EQ(0x1234, t->run->io.port);
	EXPECT_EQ(0, memcmp(vt_io_data(t), "\x78\x56\x34\x12", 4));

	ASSERT_EQ(0, vt_run(t));
	EXPECT_EXIT(t, KVM_EXIT_HLT);
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &regs));
	/* A 32-bit IN clears the upper half of RAX. */
	EXPECT_EQ(0x12345678ULL, regs.rax);
}

TEST_F(rm, out_loop)
{
	/* l: out 0x10, al; inc al; jmp l */
	static const uint8_t code[] = { 0xe6, 0x10, 0xfe, 0xc0, 0xeb, 0xfa };
	struct vt_vm *t = &self->t;
	int i;

	load(t, code, sizeof(code));
	for (i = 0; i < 2000; i++) {
		ASSERT_EQ(0, vt_run(t));
		ASSERT_EXIT(t, KVM_EXIT_IO);
		ASSERT_EQ((uint8_t)i, vt_io_data(t)[0]);
	}
}

TEST_F(rm, cpuid)
{
	/*
	 * mov eax, 0x40000000; xor ecx, ecx; cpuid;
	 * out 0x30, eax; mov eax, ebx; out 0x30, eax; mov eax, edx;
	 * out 0x30, eax; hlt
	 */
	static const uint8_t code[] = {
		0x66, 0xb8, 0x00, 0x00, 0x00, 0x40, 0x66, 0x31, 0xc9,
		0x0f, 0xa2, 0x66, 0xe7, 0x30, 0x66, 0x89, 0xd8,
		0x66, 0xe7, 0x30, 0x66, 0x89, 0xd0, 0x66, 0xe7, 0x30, 0xf4,
	};
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[2];
	} cpuid = { 0 };
	struct vt_vm *t = &self->t;
	uint32_t want[3] = { 0x40000000, 0x12345678, 0x9abcdef0 }, got;
	int i;

	cpuid.c.nent = 1;
	cpuid.e[0].function = 0x40000000;
	cpuid.e[0].eax = want[0];
	cpuid.e[0].ebx = want[1];
	cpuid.e[0].edx = want[2];
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_CPUID2, &cpuid));
	load(t, code, sizeof(code));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, vt_run(t));
		ASSERT_EXIT(t, KVM_EXIT_IO);
		memcpy(&got, vt_io_data(t), 4);
		EXPECT_EQ(want[i], got);
	}
	ASSERT_EQ(0, vt_run(t));
	EXPECT_EXIT(t, KVM_EXIT_HLT);
}

/*
 * CPUIDs back to back (VT-x answers them without leaving the entry loop):
 * each one the table's answer, each one past its instruction.
 */
TEST_F(rm, cpuid_loop)
{
	/*
	 * mov si, 100; xor edi, edi;
	 * 1: mov eax, 0x40000000; xor ecx, ecx; cpuid; add edi, ebx;
	 * dec si; jnz 1b; mov eax, edi; out 0x30, eax; hlt
	 */
	static const uint8_t code[] = {
		0xbe, 0x64, 0x00, 0x66, 0x31, 0xff,
		0x66, 0xb8, 0x00, 0x00, 0x00, 0x40, 0x66, 0x31, 0xc9,
		0x0f, 0xa2, 0x66, 0x01, 0xdf, 0x4e, 0x75, 0xef,
		0x66, 0x89, 0xf8, 0x66, 0xe7, 0x30, 0xf4,
	};
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[1];
	} cpuid = { 0 };
	struct vt_vm *t = &self->t;
	uint32_t got;

	cpuid.c.nent = 1;
	cpuid.e[0].function = 0x40000000;
	cpuid.e[0].ebx = 0x12345678;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_CPUID2, &cpuid));
	load(t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_IO);
	memcpy(&got, vt_io_data(t), 4);
	EXPECT_EQ((uint32_t)(100 * 0x12345678u), got);
	ASSERT_EQ(0, vt_run(t));
	EXPECT_EXIT(t, KVM_EXIT_HLT);
}

/*
 * Once the vCPU has run, KVM_SET_CPUID2 may repeat its table but not
 * change it (Linux's cpuid_test): EINVAL, and the old table stays.
 */
TEST_F(rm, cpuid_fixed_after_run)
{
	static const uint8_t code[] = { 0xf4 };	/* hlt */
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[2];
	} cpuid = { 0 }, got = { 0 };
	struct vt_vm *t = &self->t;

	cpuid.c.nent = 2;
	cpuid.e[0].function = 0x40000000;
	cpuid.e[0].eax = 0x40000001;
	cpuid.e[0].ebx = 0x12345678;
	cpuid.e[1].function = 0x40000001;
	cpuid.e[1].eax = 0x11;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_CPUID2, &cpuid));
	/* Before the first KVM_RUN the VMM may still change it. */
	cpuid.e[1].eax = 0x22;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_CPUID2, &cpuid));
	load(t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_HLT);

	EXPECT_EQ(0, ioctl(t->vcpu, KVM_SET_CPUID2, &cpuid));
	cpuid.e[0].ebx--;
	EXPECT_EQ(-1, ioctl(t->vcpu, KVM_SET_CPUID2, &cpuid));
	EXPECT_EQ(EINVAL, errno);
	cpuid.e[0].ebx++;
	cpuid.c.nent = 1;
	EXPECT_EQ(-1, ioctl(t->vcpu, KVM_SET_CPUID2, &cpuid));
	EXPECT_EQ(EINVAL, errno);

	got.c.nent = 2;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_CPUID2, &got));
	ASSERT_EQ(2u, got.c.nent);
	EXPECT_EQ(0x12345678u, got.e[0].ebx);
	EXPECT_EQ(0x22u, got.e[1].eax);
}

/*
 * CPUID.1:ECX.OSXSAVE (bit 27) follows the guest's CR4.OSXSAVE, whatever
 * the VMM's table says (Linux's cr4_cpuid_sync_test).
 */
TEST_F(rm, cpuid_osxsave_follows_cr4)
{
	static const uint8_t code[] = {
		0x66, 0xb8, 0x01, 0x00, 0x00, 0x00,	/* mov eax, 1 */
		0x0f, 0xa2,				/* cpuid */
		0x66, 0x89, 0xc8,			/* mov eax, ecx */
		0x66, 0xe7, 0x30,			/* out 0x30, eax */
		0x0f, 0x20, 0xe0,			/* mov eax, cr4 */
		0x66, 0x0d, 0x00, 0x00, 0x04, 0x00,	/* or eax, 0x40000 */
		0x0f, 0x22, 0xe0,			/* mov cr4, eax */
		0x66, 0xb8, 0x01, 0x00, 0x00, 0x00,	/* mov eax, 1 */
		0x0f, 0xa2,				/* cpuid */
		0x66, 0x89, 0xc8,			/* mov eax, ecx */
		0x66, 0xe7, 0x30,			/* out 0x30, eax */
		0xf4,
	};
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} cpuid = { .c.nent = 256 };
	struct vt_vm *t = &self->t;
	struct kvm_cpuid_entry2 *one = NULL;
	uint32_t ecx;
	unsigned int i;

	ASSERT_EQ(0, ioctl(t->sys, KVM_GET_SUPPORTED_CPUID, &cpuid));
	for (i = 0; i < cpuid.c.nent; i++)
		if (cpuid.e[i].function == 1)
			one = &cpuid.e[i];
	ASSERT_NE(NULL, one);
	/*
	 * Neither OSXSAVE nor OSPKE (leaf 7 ECX bit 4) is the VMM's to offer:
	 * the host's CR4 must not show through.
	 */
	EXPECT_EQ(0u, one->ecx & (1u << 27));
	for (i = 0; i < cpuid.c.nent; i++)
		if (cpuid.e[i].function == 7 && cpuid.e[i].index == 0)
			EXPECT_EQ(0u, cpuid.e[i].ecx & (1u << 4));
	if (!(one->ecx & (1u << 26)))
		SKIP(return, "no XSAVE in the supported CPUID");
	/* The table says OSXSAVE is off: the guest's CR4 decides. */
	one->ecx &= ~(1u << 27);
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_CPUID2, &cpuid));
	load(t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_IO);
	memcpy(&ecx, vt_io_data(t), 4);
	EXPECT_EQ(0u, ecx & (1u << 27));
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EXIT(t, KVM_EXIT_IO);
	memcpy(&ecx, vt_io_data(t), 4);
	EXPECT_EQ(1u << 27, ecx & (1u << 27));
	ASSERT_EQ(0, vt_run(t));
	EXPECT_EXIT(t, KVM_EXIT_HLT);
}

TEST_F(rm, triple_fault)
{
	/* With an empty IDT, int3 cannot be delivered, nor can #DF. */
	static const uint8_t code[] = { 0xcc };
	struct vt_vm *t = &self->t;
	struct kvm_sregs sregs;

	load(t, code, sizeof(code));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_SREGS, &sregs));
	sregs.idt.limit = 0;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_SREGS, &sregs));
	ASSERT_EQ(0, vt_run(t));
	EXPECT_EXIT(t, KVM_EXIT_SHUTDOWN);
}

TEST_F(rm, immediate_exit)
{
	static const uint8_t code[] = { 0xf4 };
	struct vt_vm *t = &self->t;
	struct kvm_regs regs;

	load(t, code, sizeof(code));
	t->run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, vt_run(t));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ((uint64_t)CODE, regs.rip);
	t->run->immediate_exit = 0;
	ASSERT_EQ(0, vt_run(t));
	EXPECT_EXIT(t, KVM_EXIT_HLT);
}

static void on_alarm(int sig)
{
}

TEST_F(rm, signal_interrupts_spin)
{
	/* jmp $ */
	static const uint8_t code[] = { 0xeb, 0xfe };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	struct vt_vm *t = &self->t;
	struct kvm_regs regs;

	load(t, code, sizeof(code));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &regs));
	regs.rflags = vt_spin_rflags();
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, vt_run(t));
	EXPECT_EXIT(t, KVM_EXIT_INTR);
}

/* A guest that only ever exits for CPUID still lets a signal in. */
TEST_F(rm, signal_interrupts_cpuid_loop)
{
	/* 1: xor ax, ax; cpuid; jmp 1b */
	static const uint8_t code[] = { 0x31, 0xc0, 0x0f, 0xa2, 0xeb, 0xfa };
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	struct vt_vm *t = &self->t;

	load(t, code, sizeof(code));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-EINTR, vt_run(t));
	EXPECT_EXIT(t, KVM_EXIT_INTR);
}

TEST_F(rm, regs_roundtrip)
{
	struct vt_vm *t = &self->t;
	struct kvm_regs a, b;
	struct kvm_sregs sa, sb;
	uint64_t *p = (uint64_t *)&a;
	unsigned int i;

	for (i = 0; i < sizeof(a) / 8; i++)
		p[i] = 0x0101010101010101ULL * (i + 1);
	a.rflags = 0x202;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_REGS, &a));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &b));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));

	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_SREGS, &sa));
	sa.ds.base = 0x12340;
	sa.ds.selector = 0x1234;
	sa.gdt.base = 0x5000;
	sa.gdt.limit = 0x27;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_SREGS, &sa));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_SREGS, &sb));
	EXPECT_EQ(0x12340u, sb.ds.base);
	EXPECT_EQ(0x1234, sb.ds.selector);
	EXPECT_EQ(0x5000u, sb.gdt.base);
	EXPECT_EQ(0x27, sb.gdt.limit);
	EXPECT_EQ(sa.cr0, sb.cr0);
	EXPECT_EQ(sa.efer, sb.efer);
}

TEST(reset_state)
{
	int sys = vt_open_dev(), vm, vcpu;
	struct kvm_sregs s;
	struct kvm_regs r;

	ASSERT_GE(sys, 0);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	ASSERT_EQ(0, ioctl(vcpu, KVM_GET_REGS, &r));
	ASSERT_EQ(0, ioctl(vcpu, KVM_GET_SREGS, &s));
	EXPECT_EQ(0xfff0u, r.rip);
	EXPECT_EQ(2u, r.rflags);
	EXPECT_EQ(0xf000, s.cs.selector);
	EXPECT_EQ(0xffff0000u, s.cs.base);
	EXPECT_EQ(0xffffu, s.cs.limit);
	EXPECT_EQ(0x60000010u, s.cr0);
	EXPECT_EQ(0u, s.efer);
	close(vcpu);
	close(vm);
	close(sys);
}

TEST_HARNESS_MAIN
