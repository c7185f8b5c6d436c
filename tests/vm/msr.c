// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs: the index list, KVM_GET/SET_MSRS, and the guest's RDMSR/WRMSR
 * (with #GP for an MSR that does not exist); MSR_PLATFORM_INFO; the TSC
 * and IA32_TSC_ADJUST.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define MSR_IA32_TSC	0x10
#define MSR_LSTAR	0xc0000082
#define MSR_STAR	0xc0000081

struct msrs {
	struct kvm_msrs h;
	struct kvm_msr_entry e[4];
};

TEST(index_list)
{
	int sys = vt_open_dev();
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	unsigned int i, found = 0;

	ASSERT_GE(sys, 0);
	EXPECT_EQ(-1, ioctl(sys, KVM_GET_MSR_INDEX_LIST, &probe));
	EXPECT_EQ(E2BIG, errno);
	ASSERT_GT(probe.nmsrs, 0u);
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(__u32));
	ASSERT_NE(NULL, list);
	list->nmsrs = probe.nmsrs;
	ASSERT_EQ(0, ioctl(sys, KVM_GET_MSR_INDEX_LIST, list));
	EXPECT_EQ(probe.nmsrs, list->nmsrs);
	for (i = 0; i < list->nmsrs; i++)
		found += list->indices[i] == MSR_LSTAR ||
			 list->indices[i] == MSR_IA32_TSC;
	EXPECT_EQ(2u, found);
	free(list);
	close(sys);
}

TEST(get_set)
{
	struct msrs m = { 0 };
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	m.h.nmsrs = 2;
	m.e[0].index = MSR_LSTAR;
	m.e[0].data = 0xffffffff81234560ULL;
	m.e[1].index = MSR_STAR;
	m.e[1].data = 0x0023001000000000ULL;
	EXPECT_EQ(2, ioctl(t.vcpu, KVM_SET_MSRS, &m));
	m.e[0].data = m.e[1].data = 0;
	EXPECT_EQ(2, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(0xffffffff81234560ULL, m.e[0].data);
	EXPECT_EQ(0x0023001000000000ULL, m.e[1].data);

	/* Addresses must be canonical. */
	m.h.nmsrs = 1;
	m.e[0].data = 0x0000800000000000ULL;
	EXPECT_EQ(0, ioctl(t.vcpu, KVM_SET_MSRS, &m));

	/* Processing stops at an MSR that does not exist. */
	m.h.nmsrs = 2;
	m.e[0].index = MSR_LSTAR;
	m.e[1].index = 0xdeadbeef;
	EXPECT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	m.h.nmsrs = 1000;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(E2BIG, errno);
	vt_vm_destroy(&t);
}

TEST(guest_rdmsr_wrmsr)
{
	static const uint8_t code[] = {
		0x66, 0xb9, 0x82, 0x00, 0x00, 0xc0,	/* mov ecx, LSTAR */
		0x0f, 0x32,				/* rdmsr */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0x66, 0x89, 0xd0,			/* mov eax, edx */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,	/* mov eax, 0x12345678 */
		0x66, 0x31, 0xd2,			/* xor edx, edx */
		0x0f, 0x30,				/* wrmsr */
		0x66, 0xb9, 0xef, 0xbe, 0xad, 0xde,	/* mov ecx, 0xdeadbeef */
		0x0f, 0x32,				/* rdmsr: #GP */
		0xf4,
	};
	/* #GP handler at 0x3000: out 0x13, al; hlt */
	static const uint8_t gp[] = { 0xb0, 0x0d, 0xe6, 0x13, 0xf4 };
	struct msrs m = { 0 };
	uint32_t v;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	memcpy(t.mem + 0x1000, code, sizeof(code));
	memcpy(t.mem + 0x3000, gp, sizeof(gp));
	/* Real-mode IVT entry 13: 0000:3000 */
	t.mem[13 * 4] = 0x00;
	t.mem[13 * 4 + 1] = 0x30;
	m.h.nmsrs = 1;
	m.e[0].index = MSR_LSTAR;
	m.e[0].data = 0xffff8000aabbccddULL;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_SET_MSRS, &m));

	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	memcpy(&v, vt_io_data(&t), 4);
	EXPECT_EQ(0xaabbccddu, v);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	memcpy(&v, vt_io_data(&t), 4);
	EXPECT_EQ(0xffff8000u, v);

	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x13, t.run->io.port);
	EXPECT_EQ(0x0d, vt_io_data(&t)[0]);
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(0x12345678ULL, m.e[0].data);
	vt_vm_destroy(&t);
}

/*
 * MSR_PLATFORM_INFO (Linux's platform_info_test): listed, the VMM's value
 * for the guest to read; the guest's WRMSR gets #GP, and so does its
 * RDMSR once KVM_CAP_MSR_PLATFORM_INFO is turned off.
 */
TEST(platform_info)
{
	static const uint8_t code[] = {
		0x66, 0xb9, 0xce, 0x00, 0x00, 0x00,	/* mov ecx, 0xce */
		0x0f, 0x32,				/* rdmsr */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0x0f, 0x30,				/* wrmsr: #GP */
	};
	/* #GP handler at 0x3000: out 0x13, al; hlt */
	static const uint8_t gp[] = { 0xb0, 0x0d, 0xe6, 0x13, 0xf4 };
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MSR_PLATFORM_INFO };
	struct msrs m = { 0 };
	struct kvm_regs regs;
	uint64_t base;
	uint32_t v;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	EXPECT_EQ(1, ioctl(t.vm, KVM_CHECK_EXTENSION,
			   KVM_CAP_MSR_PLATFORM_INFO));
	EXPECT_EQ(1, vt_msr_listed(t.sys, 0xce));

	memcpy(t.mem + 0x1000, code, sizeof(code));
	memcpy(t.mem + 0x3000, gp, sizeof(gp));
	t.mem[13 * 4] = 0x00;
	t.mem[13 * 4 + 1] = 0x30;
	m.h.nmsrs = 1;
	m.e[0].index = 0xce;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	base = m.e[0].data;
	m.e[0].data = base | 0xff00;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_SET_MSRS, &m));
	m.e[0].data = 0;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(base | 0xff00, m.e[0].data);

	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x10, t.run->io.port);
	memcpy(&v, vt_io_data(&t), 4);
	EXPECT_EQ((uint32_t)(base | 0xff00), v);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x13, t.run->io.port);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);

	/* Turned off: RDMSR faults before anything reaches port 0x10. */
	ASSERT_EQ(0, ioctl(t.vm, KVM_ENABLE_CAP, &cap));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	regs.rip = 0x1000;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x13, t.run->io.port);
	/* The VMM still reaches it. */
	m.e[0].data = 0;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(base | 0xff00, m.e[0].data);
	vt_vm_destroy(&t);
}

/*
 * The guest's TSC counts from 0 when its vCPU is created; IA32_TSC_ADJUST
 * follows the guest's writes to the TSC and moves the TSC when the guest
 * writes it, while the VMM's writes change only what they name (Linux's
 * tsc_msrs_test). Values in units of 2^30 cycles: the emulated test VM is
 * slow.
 */
TEST(tsc_adjust)
{
	static const uint8_t code[] = {
		0x66, 0xb9, 0x10, 0x00, 0x00, 0x00,	/* mov ecx, TSC */
		0x66, 0x31, 0xc0,			/* xor eax, eax */
		0x66, 0xba, 0x10, 0x00, 0x00, 0x00,	/* mov edx, 0x10 */
		0x0f, 0x30,				/* wrmsr: 2^36 */
		0xf4,
		0x66, 0xb9, 0x3b, 0x00, 0x00, 0x00,	/* mov ecx, TSC_ADJUST */
		0x0f, 0x32,				/* rdmsr */
		0x66, 0x83, 0xc2, 0x04,			/* add edx, 4: +2^34 */
		0x0f, 0x30,				/* wrmsr */
		0x66, 0xb9, 0x10, 0x00, 0x00, 0x00,	/* mov ecx, TSC */
		0x0f, 0x32,				/* rdmsr */
		0x66, 0x89, 0xd0,			/* mov eax, edx */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0xf4,
	};
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[256];
	} cpuid = { .c.nent = 256 };
	const uint64_t g = 1ULL << 30;
	struct msrs m = { 0 };
	uint64_t adj;
	unsigned int i;
	uint32_t hi;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	ASSERT_EQ(0, ioctl(t.sys, KVM_GET_SUPPORTED_CPUID, &cpuid));
	for (i = 0; i < cpuid.c.nent; i++)
		if (cpuid.e[i].function == 7 && cpuid.e[i].index == 0)
			EXPECT_NE(0u, cpuid.e[i].ebx & 2) TH_LOG("no TSC_ADJUST");
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_CPUID2, &cpuid));
	memcpy(t.mem + 0x1000, code, sizeof(code));

	m.h.nmsrs = 2;
	m.e[0].index = MSR_IA32_TSC;
	m.e[1].index = 0x3b;
	ASSERT_EQ(2, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_GT(8 * g, m.e[0].data) TH_LOG("TSC %#llx at creation",
					     (unsigned long long)m.e[0].data);
	EXPECT_EQ(0u, m.e[1].data);

	/* The guest's write to the TSC shows in TSC_ADJUST. */
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	ASSERT_EQ(2, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	adj = m.e[1].data;
	EXPECT_GE(64 * g, adj);
	EXPECT_LT(56 * g, adj);
	EXPECT_LE(64 * g, m.e[0].data);
	EXPECT_GT(72 * g, m.e[0].data);

	/* The VMM's does not; its TSC_ADJUST does not move the TSC. */
	m.h.nmsrs = 1;
	m.e[0].data = 128 * g;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_SET_MSRS, &m));
	m.h.nmsrs = 2;
	ASSERT_EQ(2, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(adj, m.e[1].data);
	EXPECT_LE(128 * g, m.e[0].data);
	EXPECT_GT(136 * g, m.e[0].data);
	m.e[1].data = 5 * g;
	ASSERT_EQ(2, ioctl(t.vcpu, KVM_SET_MSRS, &m));
	ASSERT_EQ(2, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(5 * g, m.e[1].data);
	EXPECT_GT(136 * g, m.e[0].data);
	m.e[1].data = adj;
	ASSERT_EQ(2, ioctl(t.vcpu, KVM_SET_MSRS, &m));

	/* The guest's write to TSC_ADJUST moves its TSC by as much. */
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	memcpy(&hi, vt_io_data(&t), 4);
	EXPECT_LE(0x24u, hi);
	EXPECT_GE(0x25u, hi);
	m.h.nmsrs = 2;
	ASSERT_EQ(2, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(adj + 16 * g, m.e[1].data);
	vt_vm_destroy(&t);
}

/* The TSC starts at 0 with the first vCPU, not with the VM (kvm.ko's). */
TEST(tsc_starts_with_first_vcpu)
{
	struct msrs m = { .h.nmsrs = 1, .e[0].index = MSR_IA32_TSC };
	int sys = vt_open_dev(), vm, vcpu;
	long khz;

	ASSERT_GE(sys, 0);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	sleep(2);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	ASSERT_EQ(1, ioctl(vcpu, KVM_GET_MSRS, &m));
	khz = ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
	ASSERT_LT(0, khz);
	EXPECT_GT((uint64_t)khz * 1000, m.e[0].data)
		TH_LOG("TSC %#llx, %ld kHz", (unsigned long long)m.e[0].data,
		       khz);
	close(vcpu);
	close(vm);
	close(sys);
}

/*
 * WRMSR of a PAT with a reserved memory type (2 or 3) in any byte is #GP,
 * as is one with a type above 7; a valid one is taken.
 */
TEST(guest_pat_types)
{
	static const uint64_t bad[] = {
		0x0007040600070402ULL, 0x0307040600070406ULL, 0x0007040600070408ULL,
	};
	static const uint64_t good = 0x0007040600070106ULL;
	/* #GP handler at 0x3000: out 0x13, al; hlt */
	static const uint8_t gp[] = { 0xb0, 0x0d, 0xe6, 0x13, 0xf4 };
	struct msrs m = { 0 };
	unsigned int i;

	for (i = 0; i <= 3; i++) {
		uint64_t v = i < 3 ? bad[i] : good;
		uint8_t code[] = {
			0x66, 0xb9, 0x77, 0x02, 0x00, 0x00,	/* mov ecx, PAT */
			0x66, 0xb8, 0, 0, 0, 0,			/* mov eax, lo */
			0x66, 0xba, 0, 0, 0, 0,			/* mov edx, hi */
			0x0f, 0x30,				/* wrmsr */
			0xe6, 0x10, 0xf4,			/* out 0x10, al; hlt */
		};
		struct vt_vm t;

		memcpy(code + 8, &v, 4);
		memcpy(code + 14, (uint8_t *)&v + 4, 4);
		ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
		memcpy(t.mem + 0x1000, code, sizeof(code));
		memcpy(t.mem + 0x3000, gp, sizeof(gp));
		t.mem[13 * 4] = 0x00;
		t.mem[13 * 4 + 1] = 0x30;
		ASSERT_EQ(0, vt_run(&t));
		ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
		EXPECT_EQ(i < 3 ? 0x13 : 0x10, t.run->io.port)
			TH_LOG("WRMSR PAT %#llx", (unsigned long long)v);
		m.h.nmsrs = 1;
		m.e[0].index = 0x277;
		ASSERT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
		EXPECT_EQ(i < 3 ? 0x0007040600070406ULL : good, m.e[0].data);
		vt_vm_destroy(&t);
	}
}

/*
 * Without an in-kernel APIC the module still owns IA32_APIC_BASE: a
 * reserved bit (7:0, 9, above the physical address width) is #GP.
 */
TEST(guest_apic_base_reserved)
{
	static const uint32_t bad[] = { 0xfee00901, 0xfee00b00 };
	/* #GP handler at 0x3000: out 0x13, al; hlt */
	static const uint8_t gp[] = { 0xb0, 0x0d, 0xe6, 0x13, 0xf4 };
	unsigned int i;

	for (i = 0; i <= 2; i++) {
		uint32_t v = i < 2 ? bad[i] : 0xfee00800;
		uint8_t code[] = {
			0x66, 0xb9, 0x1b, 0x00, 0x00, 0x00,	/* mov ecx, APIC_BASE */
			0x66, 0xb8, 0, 0, 0, 0,			/* mov eax, v */
			0x66, 0x31, 0xd2,			/* xor edx, edx */
			0x0f, 0x30,				/* wrmsr */
			0xe6, 0x10, 0xf4,			/* out 0x10, al; hlt */
		};
		struct vt_vm t;

		memcpy(code + 8, &v, 4);
		ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
		memcpy(t.mem + 0x1000, code, sizeof(code));
		memcpy(t.mem + 0x3000, gp, sizeof(gp));
		t.mem[13 * 4] = 0x00;
		t.mem[13 * 4 + 1] = 0x30;
		ASSERT_EQ(0, vt_run(&t));
		ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
		EXPECT_EQ(i < 2 ? 0x13 : 0x10, t.run->io.port)
			TH_LOG("WRMSR APIC_BASE %#x", v);
		vt_vm_destroy(&t);
	}
}

TEST_HARNESS_MAIN
