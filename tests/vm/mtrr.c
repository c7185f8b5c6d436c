// SPDX-License-Identifier: GPL-2.0
/*
 * MTRRs as registers, as QEMU writes them at every vCPU reset (whatever
 * CPUID says): MTRRcap, MTRRdefType, the 11 fixed-range and 8 variable-
 * range pairs through KVM_{GET,SET}_MSRS, the values each takes, and the
 * guest's own RDMSR/WRMSR of them.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define MTRR_CAP	0xfe
#define MTRR_DEFTYPE	0x2ff

static const uint32_t fixed[] = {
	0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d,
	0x26e, 0x26f,
};

struct msrs {
	struct kvm_msrs h;
	struct kvm_msr_entry e[40];
};

static int set_msr(struct vt_vm *t, uint32_t index, uint64_t v)
{
	struct msrs m = { .h.nmsrs = 1 };

	m.e[0].index = index;
	m.e[0].data = v;
	return ioctl(t->vcpu, KVM_SET_MSRS, &m);
}

static int get_msr(struct vt_vm *t, uint32_t index, uint64_t *v)
{
	struct msrs m = { .h.nmsrs = 1 };
	int r;

	m.e[0].index = index;
	r = ioctl(t->vcpu, KVM_GET_MSRS, &m);
	*v = m.e[0].data;
	return r;
}

TEST(reset_set)
{
	struct msrs m = { 0 };
	struct vt_vm t;
	unsigned int i, n = 0;
	uint64_t v;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	/* Write-combining, fixed ranges, 8 variable ranges. */
	ASSERT_EQ(1, get_msr(&t, MTRR_CAP, &v));
	EXPECT_EQ(0x508ULL, v);
	EXPECT_EQ(0, set_msr(&t, MTRR_CAP, v));
	m.e[n].index = MTRR_DEFTYPE;
	m.e[n++].data = 0xc06;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		m.e[n].index = fixed[i];
		m.e[n++].data = 0x0606060606060606ULL;
	}
	for (i = 0; i < 16; i++) {
		m.e[n].index = 0x200 + i;
		m.e[n++].data = i & 1 ? 0xf80000800ULL : 0x80000006ULL;
	}
	m.h.nmsrs = n;
	EXPECT_EQ((int)n, ioctl(t.vcpu, KVM_SET_MSRS, &m));
	for (i = 0; i < n; i++)
		m.e[i].data = 0;
	EXPECT_EQ((int)n, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(0xc06ULL, m.e[0].data);
	EXPECT_EQ(0x0606060606060606ULL, m.e[1].data);
	EXPECT_EQ(0x80000006ULL, m.e[12].data);
	EXPECT_EQ(0xf80000800ULL, m.e[13].data);
	/* A ninth variable pair does not exist. */
	EXPECT_EQ(0, get_msr(&t, 0x210, &v));
	vt_vm_destroy(&t);
}

TEST(values)
{
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	/* Memory types 2 and 3 do not exist; MTRRdefType has E, FE, type. */
	EXPECT_EQ(0, set_msr(&t, MTRR_DEFTYPE, 2));
	EXPECT_EQ(0, set_msr(&t, MTRR_DEFTYPE, 0x1006));
	EXPECT_EQ(0, set_msr(&t, 0x258, 0x0606060606030606ULL));
	/* PhysBase: a valid type, bits 11:8 clear, within MAXPHYADDR (36). */
	EXPECT_EQ(0, set_msr(&t, 0x200, 0x7));
	EXPECT_EQ(0, set_msr(&t, 0x200, 0x106));
	EXPECT_EQ(0, set_msr(&t, 0x200, (1ULL << 40) | 6));
	/* PhysMask: bits 10:0 clear. */
	EXPECT_EQ(0, set_msr(&t, 0x201, 0x801));
	EXPECT_EQ(1, set_msr(&t, 0x201, 0xffff00800ULL));
	vt_vm_destroy(&t);
}

/* The guest reads MTRRcap and writes MTRRdefType, then a bad type (#GP). */
TEST(guest_access)
{
	static const uint8_t code[] = {
		0x66, 0xb9, 0xfe, 0x00, 0x00, 0x00,	/* mov ecx, MTRRcap */
		0x0f, 0x32,				/* rdmsr */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0x66, 0xb9, 0xff, 0x02, 0x00, 0x00,	/* mov ecx, MTRRdefType */
		0x66, 0xb8, 0x06, 0x0c, 0x00, 0x00,	/* mov eax, 0xc06 */
		0x66, 0x31, 0xd2,			/* xor edx, edx */
		0x0f, 0x30,				/* wrmsr */
		0x66, 0xb8, 0x02, 0x00, 0x00, 0x00,	/* mov eax, 2 */
		0x0f, 0x30,				/* wrmsr: #GP */
		0xf4,
	};
	static const uint8_t gp[] = { 0xb0, 0x0d, 0xe6, 0x13, 0xf4 };
	struct vt_vm t;
	uint32_t v;
	uint64_t d;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	memcpy(t.mem + 0x1000, code, sizeof(code));
	memcpy(t.mem + 0x3000, gp, sizeof(gp));
	t.mem[13 * 4] = 0x00;
	t.mem[13 * 4 + 1] = 0x30;
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	memcpy(&v, vt_io_data(&t), 4);
	EXPECT_EQ(0x508u, v);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x13, t.run->io.port);
	ASSERT_EQ(1, get_msr(&t, MTRR_DEFTYPE, &d));
	EXPECT_EQ(0xc06ULL, d);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
