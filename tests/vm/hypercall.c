// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's hypercalls (VMMCALL on AMD, VMCALL on Intel): unknown numbers,
 * 32-bit callers, KVM_CAP_ENFORCE_PV_FEATURE_CPUID, KVM_CAP_EXIT_HYPERCALL
 * with KVM_HC_MAP_GPA_RANGE; and what KVM_CAP_DISABLE_QUIRKS2 changes: the
 * other vendor's instruction rewritten to the native one, MONITOR/MWAIT
 * as NOPs, MISC_ENABLE's MWAIT bit (Linux's kvm_pv_test,
 * fix_hypercall_test and monitor_mwait_test, in real and long mode).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"

#define KVM_ENOSYS		1000
#define KVM_EINVAL		22
#define HC_VAPIC_POLL_IRQ	1
#define HC_SCHED_YIELD		11
#define HC_MAP_GPA_RANGE	12
#define KVM_CPUID_FEATURES	0x40000001
#define FEATURE_CLOCKSOURCE2	3
#define FEATURE_PV_SCHED_YIELD	13
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define MSR_MISC_ENABLE		0x1a0
#define MISC_ENABLE_MWAIT	(1ULL << 18)
#define CPUID_MWAIT		(1u << 3)

#define QUIRK_FIX_HYPERCALL	(1 << 5)
#define QUIRK_MWAIT_NEVER_UD	(1 << 6)
#define QUIRK_MISC_NO_MWAIT	(1 << 4)

static const uint8_t vmcall[3] = { 0x0f, 0x01, 0xc1 };
static const uint8_t vmmcall[3] = { 0x0f, 0x01, 0xd9 };

static const uint8_t *native(void)
{
	return vt_host_svm() ? vmmcall : vmcall;
}

static const uint8_t *foreign(void)
{
	return vt_host_svm() ? vmcall : vmmcall;
}

/*
 * A real-mode guest at 0x1000 running @insn (3 bytes), then OUT 0x10, EAX
 * and HLT; its #UD and #GP handlers report the vector on port 0x13.
 */
static int guest(struct vt_vm *t, const uint8_t *insn)
{
	static const uint8_t tail[] = { 0x66, 0xe7, 0x10, 0xf4 };
	static const uint8_t ud[] = { 0xb0, 0x06, 0xe6, 0x13, 0xf4 };
	static const uint8_t gp[] = { 0xb0, 0x0d, 0xe6, 0x13, 0xf4 };
	int r = vt_vm_create(t, 0x10000, 0x1000);

	if (r)
		return r;
	memcpy(t->mem + 0x1000, insn, 3);
	memcpy(t->mem + 0x1003, tail, sizeof(tail));
	memcpy(t->mem + 0x3000, ud, sizeof(ud));
	memcpy(t->mem + 0x3010, gp, sizeof(gp));
	t->mem[6 * 4 + 1] = 0x30;
	t->mem[13 * 4] = 0x10;
	t->mem[13 * 4 + 1] = 0x30;
	return 0;
}

/* RAX, RBX, RCX, RDX for the call; RIP back to 0x1000. */
static int set_args(struct vt_vm *t, uint64_t nr, uint64_t a0, uint64_t a1,
		    uint64_t a2)
{
	struct kvm_regs regs;

	if (ioctl(t->vcpu, KVM_GET_REGS, &regs))
		return -errno;
	regs.rax = nr;
	regs.rbx = a0;
	regs.rcx = a1;
	regs.rdx = a2;
	regs.rip = 0x1000;
	return ioctl(t->vcpu, KVM_SET_REGS, &regs) ? -errno : 0;
}

static uint64_t rax(struct vt_vm *t)
{
	struct kvm_regs regs;

	if (ioctl(t->vcpu, KVM_GET_REGS, &regs))
		return 0xbad;
	return regs.rax;
}

static int enable_vm(struct vt_vm *t, uint32_t c, uint64_t arg)
{
	struct kvm_enable_cap cap = { .cap = c, .args = { arg } };

	return ioctl(t->vm, KVM_ENABLE_CAP, &cap);
}

/* The supported CPUID; with or without leaf 0x40000001, MWAIT as said. */
static struct kvm_cpuid2 *cpuid(int sys, bool pv_features, bool mwait)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
				      100 * sizeof(struct kvm_cpuid_entry2));
	unsigned int i, n = 0;

	if (!c)
		return NULL;
	c->nent = 100;
	if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, c)) {
		free(c);
		return NULL;
	}
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == KVM_CPUID_FEATURES && !pv_features)
			continue;
		if (e->function == 1)
			e->ecx = mwait ? e->ecx | CPUID_MWAIT :
					 e->ecx & ~CPUID_MWAIT;
		c->entries[n++] = *e;
	}
	c->nent = n;
	return c;
}

/* Run until the OUT to port 0x10 (or the #UD/#GP report on 0x13). */
static int run_to_out(struct vt_vm *t)
{
	int r = vt_run(t);

	if (r)
		return r;
	if (t->run->exit_reason != KVM_EXIT_IO)
		return -1000 - (int)t->run->exit_reason;
	return t->run->io.port;
}

/* An unknown number: -KVM_ENOSYS, in 32 bits outside 64-bit mode. */
TEST(unknown_number)
{
	struct vt_vm t;

	ASSERT_EQ(0, guest(&t, native()));
	ASSERT_EQ(0, set_args(&t, 0xabcdef, 0, 0, 0));
	ASSERT_EQ(0x10, run_to_out(&t));
	EXPECT_EQ((uint64_t)(uint32_t)-KVM_ENOSYS, rax(&t));

	/* Only EAX counts here: 0x1_00000001 is KVM_HC_VAPIC_POLL_IRQ. */
	ASSERT_EQ(0, set_args(&t, 0x100000000ULL | HC_VAPIC_POLL_IRQ, 0, 0, 0));
	ASSERT_EQ(0x10, run_to_out(&t));
	EXPECT_EQ(0ULL, rax(&t));
	ASSERT_EQ(0, set_args(&t, HC_SCHED_YIELD, 0, 0, 0));
	ASSERT_EQ(0x10, run_to_out(&t));
	EXPECT_EQ(0ULL, rax(&t));
	vt_vm_destroy(&t);
}

/* In 64-bit mode the number and the answer are 64 bits. */
TEST(long_mode)
{
	struct kvm_regs regs;
	struct vt_vm t;

	ASSERT_EQ(0, guest(&t, native()));
	ASSERT_EQ(0, vt_long_mode(&t, 0x8000));
	ASSERT_EQ(0, set_args(&t, 0x100000000ULL | HC_VAPIC_POLL_IRQ, 0, 0, 0));
	/* OUT imm8, EAX without the 0x66 prefix in 64-bit code */
	t.mem[0x1003] = 0x90;
	ASSERT_EQ(0x10, run_to_out(&t));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ((uint64_t)-KVM_ENOSYS, regs.rax);
	vt_vm_destroy(&t);
}

/*
 * KVM_CAP_ENFORCE_PV_FEATURE_CPUID: without KVM_CPUID_FEATURES in the
 * guest's CPUID, KVM_HC_SCHED_YIELD is -KVM_ENOSYS and the kvmclock MSRs
 * are gone, for the guest (#GP) and for the VMM; with it they are back.
 */
TEST(enforce_pv_cpuid)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
		.args = { 1 },
	};
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[1];
	} m = { .h.nmsrs = 1, .e[0].index = MSR_KVM_SYSTEM_TIME_NEW };
	/* mov ecx, MSR_KVM_SYSTEM_TIME_NEW; rdmsr */
	static const uint8_t rd[] = {
		0x66, 0xb9, 0x01, 0x4d, 0x56, 0x4b, 0x0f, 0x32,
		0x66, 0xe7, 0x10, 0xf4,
	};
	struct kvm_cpuid2 *c;
	struct vt_vm t;

	ASSERT_EQ(0, guest(&t, native()));
	EXPECT_EQ(1, ioctl(t.sys, KVM_CHECK_EXTENSION,
			   KVM_CAP_ENFORCE_PV_FEATURE_CPUID));
	c = cpuid(t.sys, false, false);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_CPUID2, c));
	free(c);
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(0, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	ASSERT_EQ(0, set_args(&t, HC_SCHED_YIELD, 0, 0, 0));
	ASSERT_EQ(0x10, run_to_out(&t));
	EXPECT_EQ((uint64_t)(uint32_t)-KVM_ENOSYS, rax(&t));
	memcpy(t.mem + 0x1000, rd, sizeof(rd));
	ASSERT_EQ(0, set_args(&t, 0, 0, 0, 0));
	ASSERT_EQ(0x13, run_to_out(&t));
	EXPECT_EQ(0x0d, vt_io_data(&t)[0]);
	vt_vm_destroy(&t);

	/* With the features in CPUID (the VMM's choice, as supported). */
	ASSERT_EQ(0, guest(&t, native()));
	c = cpuid(t.sys, true, false);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_CPUID2, c));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_ENABLE_CAP, &cap));
	free(c);
	EXPECT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	memcpy(t.mem + 0x1000, rd, sizeof(rd));
	ASSERT_EQ(0, set_args(&t, 0, 0, 0, 0));
	ASSERT_EQ(0x10, run_to_out(&t));
	cap.args[0] = 0;
	cap.flags = 1;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	vt_vm_destroy(&t);
}

/*
 * KVM_CAP_EXIT_HYPERCALL: KVM_HC_MAP_GPA_RANGE goes to userspace, whose
 * answer (taken once, in 32 bits here) is the guest's RAX; a range that is
 * not whole pages is -KVM_EINVAL without an exit.  Not enabled: ENOSYS.
 */
TEST(map_gpa_range_exit)
{
	struct vt_vm t;

	ASSERT_EQ(0, guest(&t, native()));
	EXPECT_EQ(1 << HC_MAP_GPA_RANGE,
		  ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_EXIT_HYPERCALL));
	ASSERT_EQ(0, set_args(&t, HC_MAP_GPA_RANGE, 0x2000, 2, 0x10));
	ASSERT_EQ(0x10, run_to_out(&t));
	EXPECT_EQ((uint64_t)(uint32_t)-KVM_ENOSYS, rax(&t));

	EXPECT_EQ(-1, enable_vm(&t, KVM_CAP_EXIT_HYPERCALL, 2));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, enable_vm(&t, KVM_CAP_EXIT_HYPERCALL,
			       1 << HC_MAP_GPA_RANGE));
	ASSERT_EQ(0, set_args(&t, HC_MAP_GPA_RANGE, 0x2000, 2, 0x10));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_HYPERCALL, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ((uint64_t)HC_MAP_GPA_RANGE, t.run->hypercall.nr);
	EXPECT_EQ(0x2000ULL, t.run->hypercall.args[0]);
	EXPECT_EQ(2ULL, t.run->hypercall.args[1]);
	EXPECT_EQ(0x10ULL, t.run->hypercall.args[2]);
	EXPECT_EQ(0u, t.run->hypercall.longmode);
	t.run->hypercall.ret = 0x100000005ULL;
	t.run->hypercall.nr = 1;
	ASSERT_EQ(0x10, run_to_out(&t));
	EXPECT_EQ(5ULL, rax(&t));

	ASSERT_EQ(0, set_args(&t, HC_MAP_GPA_RANGE, 0x2001, 2, 0));
	ASSERT_EQ(0x10, run_to_out(&t));
	EXPECT_EQ((uint64_t)(uint32_t)-KVM_EINVAL, rax(&t));
	ASSERT_EQ(0, set_args(&t, HC_MAP_GPA_RANGE, 0x2000, 0, 0));
	ASSERT_EQ(0x10, run_to_out(&t));
	EXPECT_EQ((uint64_t)(uint32_t)-KVM_EINVAL, rax(&t));
	vt_vm_destroy(&t);
}

/*
 * The other vendor's instruction: rewritten in guest memory to the
 * native one, which then runs; with KVM_X86_QUIRK_FIX_HYPERCALL_INSN
 * disabled, the guest's #UD and its code untouched.  kvm.ko's emulator
 * takes VMMCALL only in protected mode: on Intel a real-mode VMMCALL is
 * #UD, while on AMD a real-mode VMCALL is rewritten.
 */
TEST(fix_hypercall)
{
	struct kvm_regs regs;
	struct vt_vm t;
	long q;

	/* 64-bit mode: rewritten on either vendor. */
	ASSERT_EQ(0, guest(&t, foreign()));
	q = ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_DISABLE_QUIRKS2);
	EXPECT_EQ(QUIRK_FIX_HYPERCALL | QUIRK_MWAIT_NEVER_UD |
		  QUIRK_MISC_NO_MWAIT,
		  q & (QUIRK_FIX_HYPERCALL | QUIRK_MWAIT_NEVER_UD |
		       QUIRK_MISC_NO_MWAIT));
	EXPECT_EQ(-1, enable_vm(&t, KVM_CAP_DISABLE_QUIRKS2, 1 << 20));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, vt_long_mode(&t, 0x8000));
	t.mem[0x1003] = 0x90;	/* OUT imm8, EAX without 0x66 */
	ASSERT_EQ(0, set_args(&t, 0xabcdef, 0, 0, 0));
	ASSERT_EQ(0x10, run_to_out(&t));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ((uint64_t)-KVM_ENOSYS, regs.rax);
	EXPECT_EQ(0, memcmp(t.mem + 0x1000, native(), 3));
	vt_vm_destroy(&t);

	/* Real mode. */
	ASSERT_EQ(0, guest(&t, foreign()));
	ASSERT_EQ(0, set_args(&t, 0xabcdef, 0, 0, 0));
	if (vt_host_svm()) {
		ASSERT_EQ(0x10, run_to_out(&t));
		EXPECT_EQ((uint64_t)(uint32_t)-KVM_ENOSYS, rax(&t));
		EXPECT_EQ(0, memcmp(t.mem + 0x1000, native(), 3));
	} else {
		ASSERT_EQ(0x13, run_to_out(&t));
		EXPECT_EQ(6, vt_io_data(&t)[0]);
		EXPECT_EQ(0, memcmp(t.mem + 0x1000, foreign(), 3));
	}

	/* Disabled: #UD, nothing written. */
	memcpy(t.mem + 0x1000, foreign(), 3);
	ASSERT_EQ(0, enable_vm(&t, KVM_CAP_DISABLE_QUIRKS2,
			       QUIRK_FIX_HYPERCALL));
	ASSERT_EQ(0, set_args(&t, 0xabcdef, 0, 0, 0));
	ASSERT_EQ(0x13, run_to_out(&t));
	EXPECT_EQ(6, vt_io_data(&t)[0]);
	EXPECT_EQ(0, memcmp(t.mem + 0x1000, foreign(), 3));
	vt_vm_destroy(&t);
}

/*
 * MONITOR and MWAIT are NOPs, whatever CPUID says, until
 * KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS is disabled: then #UD without
 * CPUID's MWAIT.  With KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT disabled,
 * MISC_ENABLE's MWAIT bit sets CPUID's.
 */
TEST(monitor_mwait)
{
	static const uint8_t code[] = {
		0x66, 0x31, 0xc9,			/* xor ecx, ecx */
		0x66, 0x31, 0xd2,			/* xor edx, edx */
		0x66, 0xb8, 0x00, 0x10, 0x00, 0x00,	/* mov eax, 0x1000 */
		0x0f, 0x01, 0xc8,			/* monitor */
		0x66, 0x31, 0xc0,			/* xor eax, eax */
		0x0f, 0x01, 0xc9,			/* mwait */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0xf4,
	};
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[1];
	} m = { .h.nmsrs = 1, .e[0].index = MSR_MISC_ENABLE };
	struct kvm_cpuid2 *c;
	struct vt_vm t;
	unsigned int i;
	uint32_t ecx = 0;

	ASSERT_EQ(0, guest(&t, native()));
	memcpy(t.mem + 0x1000, code, sizeof(code));
	c = cpuid(t.sys, true, false);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_CPUID2, c));
	ASSERT_EQ(0x10, run_to_out(&t));

	ASSERT_EQ(0, enable_vm(&t, KVM_CAP_DISABLE_QUIRKS2,
			       QUIRK_MWAIT_NEVER_UD));
	ASSERT_EQ(0, set_args(&t, 0, 0, 0, 0));
	ASSERT_EQ(0x13, run_to_out(&t));
	EXPECT_EQ(6, vt_io_data(&t)[0]);

	/* MISC_ENABLE.MWAIT turns CPUID's on: NOPs again. */
	ASSERT_EQ(0, enable_vm(&t, KVM_CAP_DISABLE_QUIRKS2,
			       QUIRK_MWAIT_NEVER_UD | QUIRK_MISC_NO_MWAIT));
	m.e[0].data = MISC_ENABLE_MWAIT;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_SET_MSRS, &m));
	c->nent = 100;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_CPUID2, c));
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			ecx = c->entries[i].ecx;
	EXPECT_EQ(CPUID_MWAIT, ecx & CPUID_MWAIT);
	ASSERT_EQ(0, set_args(&t, 0, 0, 0, 0));
	ASSERT_EQ(0x10, run_to_out(&t));

	m.e[0].data = 0;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_SET_MSRS, &m));
	ASSERT_EQ(0, set_args(&t, 0, 0, 0, 0));
	ASSERT_EQ(0x13, run_to_out(&t));
	EXPECT_EQ(6, vt_io_data(&t)[0]);
	free(c);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
