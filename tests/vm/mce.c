// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's machine-check architecture, as QEMU uses it: KVM_CAP_MCE,
 * KVM_X86_GET_MCE_CAP_SUPPORTED, the MCG and bank MSRs of a fresh vCPU
 * (QEMU writes them at every reset, set up or not), KVM_X86_SETUP_MCE,
 * the values each register takes, the guest's own RDMSR/WRMSR of them,
 * and KVM_X86_SET_MCE: a corrected error logged, an uncorrected one
 * delivered as #MC, or a shutdown where the guest cannot take it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"

#define MSR_MCG_CAP	0x179
#define MSR_MCG_STATUS	0x17a
#define MSR_MCG_CTL	0x17b
#define MSR_MC_CTL(b)	(0x400 + 4 * (b))
#define MSR_MC_STATUS(b) (0x401 + 4 * (b))
#define MSR_MC_ADDR(b)	(0x402 + 4 * (b))
#define MSR_MC_MISC(b)	(0x403 + 4 * (b))

#define MCG_CTL_P	(1ULL << 8)
#define MCG_SER_P	(1ULL << 24)
#define MCG_ELOG_P	(1ULL << 26)
#define MCG_STATUS_RIPV	(1ULL << 0)
#define MCG_STATUS_MCIP	(1ULL << 2)
#define MCI_VAL		(1ULL << 63)
#define MCI_OVER	(1ULL << 62)
#define MCI_UC		(1ULL << 61)
#define MCI_EN		(1ULL << 60)
#define MCI_PCC		(1ULL << 57)
#define CR4_MCE		(1ULL << 6)

struct msrs {
	struct kvm_msrs h;
	struct kvm_msr_entry e[160];
};

static int get_msr(struct vt_vm *t, uint32_t index, uint64_t *v)
{
	struct msrs m = { .h.nmsrs = 1 };
	int r;

	m.e[0].index = index;
	r = ioctl(t->vcpu, KVM_GET_MSRS, &m);
	*v = m.e[0].data;
	return r;
}

static int set_msr(struct vt_vm *t, uint32_t index, uint64_t v)
{
	struct msrs m = { .h.nmsrs = 1 };

	m.e[0].index = index;
	m.e[0].data = v;
	return ioctl(t->vcpu, KVM_SET_MSRS, &m);
}

static int setup_mce(struct vt_vm *t, uint64_t cap)
{
	return ioctl(t->vcpu, KVM_X86_SETUP_MCE, &cap);
}

TEST(capability)
{
	int sys = vt_open_dev();
	uint64_t cap = 0;

	ASSERT_GE(sys, 0);
	EXPECT_EQ(32, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_MCE));
	ASSERT_EQ(0, ioctl(sys, KVM_X86_GET_MCE_CAP_SUPPORTED, &cap));
	EXPECT_EQ(MCG_CTL_P | MCG_SER_P, cap & (MCG_CTL_P | MCG_SER_P));
	EXPECT_EQ(0ULL, cap & MCG_ELOG_P);
	close(sys);
}

/* What QEMU writes at every reset, on a vCPU it never set up. */
TEST(fresh_vcpu_banks)
{
	struct msrs m = { 0 };
	struct vt_vm t;
	uint64_t v;
	unsigned int i, n = 0;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	ASSERT_EQ(1, get_msr(&t, MSR_MCG_CAP, &v));
	EXPECT_EQ(32ULL, v);
	m.e[n++].index = MSR_MCG_STATUS;
	m.e[n++].index = MSR_MCG_CTL;
	for (i = 0; i < 32 * 4; i++)
		m.e[n++].index = MSR_MC_CTL(0) + i;
	m.h.nmsrs = n;
	EXPECT_EQ((int)n, ioctl(t.vcpu, KVM_SET_MSRS, &m));
	EXPECT_EQ((int)n, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	/* Beyond the 32 banks: no such MSR. */
	EXPECT_EQ(0, get_msr(&t, MSR_MC_CTL(32), &v));
	/* MCG_CTL exists for the VMM, which may only clear it without CTL_P. */
	EXPECT_EQ(0, set_msr(&t, MSR_MCG_CTL, ~0ULL));
	EXPECT_EQ(0, set_msr(&t, MSR_MCG_CAP, 0));
	vt_vm_destroy(&t);
}

TEST(setup)
{
	struct vt_vm t;
	uint64_t v;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	EXPECT_EQ(-1, setup_mce(&t, MCG_CTL_P));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setup_mce(&t, 33));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setup_mce(&t, 4 | MCG_ELOG_P));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, setup_mce(&t, 10 | MCG_CTL_P | MCG_SER_P));

	/* AMD reserves MCG_CAP[63:9]: kvm_amd keeps the rest only. */
	EXPECT_EQ(1, get_msr(&t, MSR_MCG_CAP, &v));
	EXPECT_EQ(10 | MCG_CTL_P | (vt_host_svm() ? 0 : MCG_SER_P), v);
	EXPECT_EQ(1, get_msr(&t, MSR_MCG_CTL, &v));
	EXPECT_EQ(~0ULL, v);
	EXPECT_EQ(1, get_msr(&t, MSR_MC_CTL(9), &v));
	EXPECT_EQ(~0ULL, v);
	EXPECT_EQ(0, get_msr(&t, MSR_MC_CTL(10), &v));

	/* MCG_CTL and MCi_CTL: all ones or zero (bits 10 and 0 may be clear). */
	EXPECT_EQ(0, set_msr(&t, MSR_MCG_CTL, 5));
	EXPECT_EQ(1, set_msr(&t, MSR_MCG_CTL, 0));
	EXPECT_EQ(0, set_msr(&t, MSR_MC_CTL(2), 0x1234));
	EXPECT_EQ(1, set_msr(&t, MSR_MC_CTL(2), ~0ULL & ~(1ULL << 10) & ~1ULL));
	/* The VMM restores any status; MCG_CAP is read-only. */
	EXPECT_EQ(1, set_msr(&t, MSR_MC_STATUS(3), MCI_VAL | 0x17));
	EXPECT_EQ(1, get_msr(&t, MSR_MC_STATUS(3), &v));
	EXPECT_EQ(MCI_VAL | 0x17, v);
	EXPECT_EQ(0, set_msr(&t, MSR_MCG_CAP, 10));
	vt_vm_destroy(&t);
}

/*
 * The guest reads MCG_CAP and MC1_STATUS, clears MC1_STATUS, then writes
 * a non-zero status, which faults (#GP handler: out 0x13).
 */
TEST(guest_access)
{
	static const uint8_t code[] = {
		0x66, 0xb9, 0x79, 0x01, 0x00, 0x00,	/* mov ecx, MCG_CAP */
		0x0f, 0x32,				/* rdmsr */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0x66, 0xb9, 0x05, 0x04, 0x00, 0x00,	/* mov ecx, MC1_STATUS */
		0x0f, 0x32,				/* rdmsr */
		0x66, 0xe7, 0x11,			/* out 0x11, eax */
		0x66, 0x31, 0xc0,			/* xor eax, eax */
		0x66, 0x31, 0xd2,			/* xor edx, edx */
		0x0f, 0x30,				/* wrmsr */
		0x66, 0x40,				/* inc eax */
		0x0f, 0x30,				/* wrmsr: #GP */
		0xf4,
	};
	static const uint8_t gp[] = { 0xb0, 0x0d, 0xe6, 0x13, 0xf4 };
	struct vt_vm t;
	uint32_t v;
	uint64_t s;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	memcpy(t.mem + 0x1000, code, sizeof(code));
	memcpy(t.mem + 0x3000, gp, sizeof(gp));
	t.mem[13 * 4] = 0x00;
	t.mem[13 * 4 + 1] = 0x30;
	ASSERT_EQ(0, setup_mce(&t, 4 | MCG_CTL_P));
	ASSERT_EQ(1, set_msr(&t, MSR_MC_STATUS(1), MCI_VAL | 0x42));

	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	memcpy(&v, vt_io_data(&t), 4);
	EXPECT_EQ(4u | (uint32_t)MCG_CTL_P, v);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	memcpy(&v, vt_io_data(&t), 4);
	EXPECT_EQ(0x42u, v);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x13, t.run->io.port);
	ASSERT_EQ(1, get_msr(&t, MSR_MC_STATUS(1), &s));
	EXPECT_EQ(0ULL, s);
	vt_vm_destroy(&t);
}

static int report(struct vt_vm *t, unsigned int bank, uint64_t status,
		  uint64_t mcg_status, uint64_t addr)
{
	struct kvm_x86_mce e = {
		.bank = bank, .status = status, .mcg_status = mcg_status,
		.addr = addr, .misc = 0x86,
	};

	return ioctl(t->vcpu, KVM_X86_SET_MCE, &e);
}

TEST(set_mce_corrected)
{
	struct vt_vm t;
	uint64_t v;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	t.mem[0x1000] = 0xf4;
	ASSERT_EQ(0, setup_mce(&t, 4 | MCG_CTL_P | MCG_SER_P));
	EXPECT_EQ(-1, report(&t, 4, MCI_VAL | MCI_EN, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, report(&t, 0, MCI_EN, 0, 0));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, report(&t, 2, MCI_VAL | MCI_EN | 0x1, 0, 0x1000));
	EXPECT_EQ(1, get_msr(&t, MSR_MC_STATUS(2), &v));
	EXPECT_EQ(MCI_VAL | MCI_EN | 0x1, v);
	EXPECT_EQ(1, get_msr(&t, MSR_MC_ADDR(2), &v));
	EXPECT_EQ(0x1000ULL, v);
	EXPECT_EQ(1, get_msr(&t, MSR_MC_MISC(2), &v));
	EXPECT_EQ(0x86ULL, v);
	/* A second one overwrites the first, marked as an overflow. */
	ASSERT_EQ(0, report(&t, 2, MCI_VAL | MCI_EN | 0x2, 0, 0x2000));
	EXPECT_EQ(1, get_msr(&t, MSR_MC_STATUS(2), &v));
	EXPECT_EQ(MCI_VAL | MCI_OVER | MCI_EN | 0x2, v);
	/* A corrected error never runs the guest's handler. */
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	vt_vm_destroy(&t);
}

static int set_cr4(struct vt_vm *t, uint64_t cr4)
{
	struct kvm_sregs sr;

	if (ioctl(t->vcpu, KVM_GET_SREGS, &sr))
		return -1;
	sr.cr4 = cr4;
	return ioctl(t->vcpu, KVM_SET_SREGS, &sr);
}

/* An uncorrected error with CR4.MCE set: #MC, handler at 0x3000. */
TEST(set_mce_uncorrected)
{
	static const uint8_t mc[] = { 0xb0, 0x12, 0xe6, 0x12, 0xf4 };
	uint64_t uc = MCI_VAL | MCI_UC | MCI_EN | MCI_PCC | 0x5;
	struct vt_vm t;
	uint64_t v;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	t.mem[0x1000] = 0xf4;
	memcpy(t.mem + 0x3000, mc, sizeof(mc));
	t.mem[18 * 4] = 0x00;
	t.mem[18 * 4 + 1] = 0x30;
	ASSERT_EQ(0, setup_mce(&t, 4 | MCG_CTL_P | MCG_SER_P));
	ASSERT_EQ(0, set_cr4(&t, CR4_MCE));
	ASSERT_EQ(0, report(&t, 1, uc, MCG_STATUS_RIPV | MCG_STATUS_MCIP,
			    0x5000));
	EXPECT_EQ(1, get_msr(&t, MSR_MCG_STATUS, &v));
	EXPECT_EQ(MCG_STATUS_RIPV | MCG_STATUS_MCIP, v);
	EXPECT_EQ(1, get_msr(&t, MSR_MC_STATUS(1), &v));
	EXPECT_EQ(uc, v);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x12, t.run->io.port);

	/* Another inside the handler (MCIP still set): shutdown. */
	ASSERT_EQ(0, report(&t, 2, uc, MCG_STATUS_RIPV | MCG_STATUS_MCIP, 0));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_SHUTDOWN, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	vt_vm_destroy(&t);
}

/* Uncorrected with CR4.MCE clear: shutdown; with the bank off: dropped. */
TEST(set_mce_no_cr4_mce)
{
	uint64_t uc = MCI_VAL | MCI_UC | MCI_EN | MCI_PCC | 0x5;
	struct vt_vm t;
	uint64_t v;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	t.mem[0x1000] = 0xf4;
	ASSERT_EQ(0, setup_mce(&t, 4 | MCG_CTL_P));
	ASSERT_EQ(1, set_msr(&t, MSR_MC_CTL(0), 0));
	ASSERT_EQ(0, report(&t, 0, uc, MCG_STATUS_MCIP, 0));
	EXPECT_EQ(1, get_msr(&t, MSR_MC_STATUS(0), &v));
	EXPECT_EQ(0ULL, v);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));

	ASSERT_EQ(0, report(&t, 1, uc, MCG_STATUS_MCIP, 0));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_SHUTDOWN, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
