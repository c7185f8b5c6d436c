// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU state outside the register ioctls: KVM_CAP_SYNC_REGS (registers,
 * special registers and events carried in kvm_run around KVM_RUN: Linux's
 * sync_regs_test), the feature MSRs on the system fd
 * (KVM_GET_MSR_FEATURE_INDEX_LIST, get_msr_index_features) with the
 * vCPU's microcode revision, and the KVM_VCPU_TSC_OFFSET attribute
 * (system_counter_offset_test).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <x86intrin.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define SYNC_ALL	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | \
			 KVM_SYNC_X86_EVENTS)
#define MSR_UCODE_REV	0x8b

/* 1: in al, 0x10; inc bx; jmp 1b */
static const uint8_t loop[] = { 0xe4, 0x10, 0x43, 0xeb, 0xfb };

static int loop_vm(struct vt_vm *t)
{
	int r = vt_vm_create(t, 0x10000, 0x1000);

	if (!r)
		memcpy(t->mem + 0x1000, loop, sizeof(loop));
	return r;
}

TEST(sync_regs_cap_and_bad_bits)
{
	struct vt_vm t;

	ASSERT_EQ(0, loop_vm(&t));
	EXPECT_EQ((int)SYNC_ALL, ioctl(t.sys, KVM_CHECK_EXTENSION,
				  KVM_CAP_SYNC_REGS));
	t.run->kvm_valid_regs = 0x80000000;
	EXPECT_EQ(-EINVAL, vt_run(&t));
	t.run->kvm_valid_regs = SYNC_ALL | 0x80000000;
	EXPECT_EQ(-EINVAL, vt_run(&t));
	t.run->kvm_valid_regs = 0;
	t.run->kvm_dirty_regs = 0x80000000;
	EXPECT_EQ(-EINVAL, vt_run(&t));
	t.run->kvm_dirty_regs = SYNC_ALL | 0x80000000;
	EXPECT_EQ(-EINVAL, vt_run(&t));
	t.run->kvm_dirty_regs = 0;
	vt_vm_destroy(&t);
}

/* KVM_RUN fills what kvm_valid_regs asks for, as the ioctls read it. */
TEST(sync_regs_out)
{
	struct kvm_vcpu_events ev;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	struct vt_vm t;

	ASSERT_EQ(0, loop_vm(&t));
	t.run->kvm_valid_regs = SYNC_ALL;
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0, memcmp(&regs, &t.run->s.regs.regs, sizeof(regs)));
	EXPECT_EQ(0x1000ULL, t.run->s.regs.regs.rip);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &sr));
	EXPECT_EQ(0, memcmp(&sr, &t.run->s.regs.sregs, sizeof(sr)));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_EQ(0, memcmp(&ev, &t.run->s.regs.events, sizeof(ev)));

	/* Without kvm_valid_regs the area is left alone. */
	t.run->kvm_valid_regs = 0;
	t.run->s.regs.regs.rbx = 0xaaaa;
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0xaaaaULL, t.run->s.regs.regs.rbx);
	vt_vm_destroy(&t);
}

/*
 * kvm_dirty_regs: taken before the pending IN completes (its AL lands on
 * top, and RIP moves on), the bits cleared as they are taken.
 */
TEST(sync_regs_in)
{
	struct kvm_regs regs;
	struct vt_vm t;

	ASSERT_EQ(0, loop_vm(&t));
	t.run->kvm_valid_regs = SYNC_ALL;
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	vt_io_data(&t)[0] = 0x5a;
	t.run->s.regs.regs.rbx = 0x1234;
	t.run->s.regs.regs.rax = 0x11223300;
	t.run->s.regs.sregs.apic_base = 0xfee00000 | (1 << 11) | (1 << 8);
	t.run->kvm_dirty_regs = SYNC_ALL;
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0u, t.run->kvm_dirty_regs);
	EXPECT_EQ(0x1235ULL, t.run->s.regs.regs.rbx);
	EXPECT_EQ(0x1122335aULL, t.run->s.regs.regs.rax);
	EXPECT_EQ(0xfee00000ULL | (1 << 11) | (1 << 8),
		  t.run->s.regs.sregs.apic_base);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0x1235ULL, regs.rbx);

	/* Dirty without valid: taken, not written back. */
	t.run->kvm_valid_regs = 0;
	t.run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	t.run->s.regs.regs.rbx = 0xbbbb;
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0xbbbbULL, t.run->s.regs.regs.rbx);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0xbbbcULL, regs.rbx);
	vt_vm_destroy(&t);
}

/*
 * Special registers KVM_SET_SREGS would refuse (CR0.PG without PE) fail
 * KVM_RUN with EINVAL and change nothing; kvm_valid_regs is still filled.
 */
TEST(sync_regs_refused)
{
	struct kvm_sregs sr;
	struct vt_vm t;

	ASSERT_EQ(0, loop_vm(&t));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &sr));
	memcpy(&t.run->s.regs.sregs, &sr, sizeof(sr));
	t.run->s.regs.sregs.cr0 |= 0x80000000;
	t.run->s.regs.sregs.cr0 &= ~1ULL;
	t.run->s.regs.regs.rbx = 0x7777;
	t.run->kvm_dirty_regs = KVM_SYNC_X86_SREGS;
	t.run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	EXPECT_EQ(-EINVAL, vt_run(&t));
	EXPECT_EQ(0ULL, t.run->s.regs.regs.rbx);
	EXPECT_EQ(0x1000ULL, t.run->s.regs.regs.rip);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &sr));
	EXPECT_EQ(0ULL, sr.cr0 & 0x80000000);
	vt_vm_destroy(&t);
}

/*
 * Feature MSRs: the list, each of them read on the system fd; the
 * microcode revision among them, which a vCPU takes from the VMM and its
 * guest reads but cannot write.
 */
TEST(feature_msrs)
{
	static const uint8_t code[] = {
		0x66, 0xb9, 0x8b, 0x00, 0x00, 0x00,	/* mov ecx, 0x8b */
		0x66, 0x31, 0xc0,			/* xor eax, eax */
		0x66, 0x31, 0xd2,			/* xor edx, edx */
		0x0f, 0x30,				/* wrmsr: dropped */
		0x0f, 0x32,				/* rdmsr */
		0x66, 0x89, 0xd0,			/* mov eax, edx */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0xf4,
	};
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[1];
	} m = { .h.nmsrs = 1 };
	unsigned int i, ucode = 0;
	uint32_t v;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	EXPECT_EQ(1, ioctl(t.sys, KVM_CHECK_EXTENSION,
			   KVM_CAP_GET_MSR_FEATURES));
	EXPECT_EQ(-1, ioctl(t.sys, KVM_GET_MSR_FEATURE_INDEX_LIST, &probe));
	EXPECT_EQ(E2BIG, errno);
	ASSERT_GT(probe.nmsrs, 0u);
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(__u32));
	ASSERT_NE(NULL, list);
	list->nmsrs = probe.nmsrs;
	ASSERT_EQ(0, ioctl(t.sys, KVM_GET_MSR_FEATURE_INDEX_LIST, list));
	for (i = 0; i < list->nmsrs; i++) {
		m.e[0].index = list->indices[i];
		EXPECT_EQ(1, ioctl(t.sys, KVM_GET_MSRS, &m))
			TH_LOG("feature MSR %#x", list->indices[i]);
		ucode += list->indices[i] == MSR_UCODE_REV;
	}
	EXPECT_EQ(1u, ucode);
	free(list);

	memcpy(t.mem + 0x1000, code, sizeof(code));
	m.e[0].index = MSR_UCODE_REV;
	m.e[0].data = 0x1234567800000000ULL;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_SET_MSRS, &m));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x10, t.run->io.port);
	memcpy(&v, vt_io_data(&t), 4);
	EXPECT_EQ(0x12345678u, v);
	m.e[0].data = 0;
	ASSERT_EQ(1, ioctl(t.vcpu, KVM_GET_MSRS, &m));
	EXPECT_EQ(0x1234567800000000ULL, m.e[0].data);
	vt_vm_destroy(&t);
}

/* The guest's RDTSC, as EDX:EAX on port 0x10. */
static uint64_t guest_tsc(struct vt_vm *t)
{
	uint32_t lo, hi;

	if (vt_run(t) || t->run->exit_reason != KVM_EXIT_IO)
		return 0;
	memcpy(&lo, vt_io_data(t), 4);
	if (vt_run(t) || t->run->exit_reason != KVM_EXIT_IO)
		return 0;
	memcpy(&hi, vt_io_data(t), 4);
	return lo | (uint64_t)hi << 32;
}

/*
 * KVM_VCPU_TSC_CTRL/KVM_VCPU_TSC_OFFSET: the guest's TSC is the host's
 * plus the offset, which reads back (about) as set; nothing else is there.
 */
TEST(tsc_offset_attr)
{
	static const uint8_t code[] = {
		0x0f, 0x31,				/* rdtsc */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0x66, 0x89, 0xd0,			/* mov eax, edx */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0xeb, 0xf3,				/* jmp 0x1000 */
	};
	static const uint64_t offsets[] = { 0, 1ULL << 42, -(1ULL << 20) };
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
	};
	uint64_t off, start, end, tsc;
	struct vt_vm t;
	unsigned int i;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	memcpy(t.mem + 0x1000, code, sizeof(code));
	EXPECT_EQ(1, ioctl(t.sys, KVM_CHECK_EXTENSION,
			   KVM_CAP_VCPU_ATTRIBUTES));
	EXPECT_EQ(0, ioctl(t.vcpu, KVM_HAS_DEVICE_ATTR, &attr));
	attr.attr = 1;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_HAS_DEVICE_ATTR, &attr));
	EXPECT_EQ(ENXIO, errno);
	attr.attr = KVM_VCPU_TSC_OFFSET;
	attr.group = 1;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_HAS_DEVICE_ATTR, &attr));
	EXPECT_EQ(ENXIO, errno);
	attr.group = KVM_VCPU_TSC_CTRL;
	attr.addr = 0;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_GET_DEVICE_ATTR, &attr));
	EXPECT_EQ(EFAULT, errno);

	attr.addr = (uintptr_t)&off;
	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		off = offsets[i];
		ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_DEVICE_ATTR, &attr));
		off = 0x55;
		ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_DEVICE_ATTR, &attr));
		/*
		 * kvm.ko moves the offset by the time its load of the vCPU
		 * took where it finds the host TSC unstable (the emulated
		 * test VM's): close, not equal.
		 */
		EXPECT_GT(1ULL << 32, off - offsets[i] + (1ULL << 31))
			TH_LOG("offset %#llx read back as %#llx",
			       (unsigned long long)offsets[i],
			       (unsigned long long)off);
		start = __rdtsc() + offsets[i];
		tsc = guest_tsc(&t);
		end = __rdtsc() + offsets[i];
		EXPECT_LE(start, tsc);
		EXPECT_GE(end, tsc);
	}
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
