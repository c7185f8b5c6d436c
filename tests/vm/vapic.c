// SPDX-License-Identifier: GPL-2.0
/*
 * The VAPIC interface QEMU's in-kernel APIC model calls at every vCPU
 * reset (QEMU 7.2 aborts when KVM_SET_VAPIC_ADDR fails): KVM_CAP_VAPIC,
 * KVM_SET_VAPIC_ADDR and KVM_TPR_ACCESS_REPORTING with their errnos,
 * the VAPIC word kept in step with the TPR both ways, and the
 * KVM_EXIT_TPR_ACCESS reports of a guest's xAPIC TPR accesses.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "irqchip_vm.h"

#define VAPIC		0x8000

#define GUEST(name, body)						\
	extern const uint8_t name[], name##_end[];			\
	asm(".pushsection .rodata\n.code32\n" #name ":\n" body "\n"	\
	    #name "_end:\n.code64\n.popsection")

/*
 * Flat 32-bit, IF clear.  The APIC on; the guest's TPR 0x30 written
 * through the VAPIC word, read back from the xAPIC page; then TPR 0xf0,
 * again through the word, and a self-IPI that it holds back in IRR.
 * (kvm.ko refreshes the word only when it has an event to evaluate, and
 * takes the guest's TPR back from it after every exit: a TPR written
 * through the page while the word is in use does not last there.)
 */
GUEST(g_sync,
	"movl $0x1ff, 0xfee000f0\n"
	"out %al, $0x10\n"
	"movb $0x30, 0x8000\n"
	"mov 0xfee00080, %eax\n"
	"out %eax, $0x11\n"
	"movb $0xf0, 0x8000\n"
	"movl $0x40045, 0xfee00300\n"
	"out %al, $0x12\n"
	"out %al, $0x13\n"
	"hlt\n");

/* A TPR read and a TPR write through the xAPIC page, each then an OUT. */
GUEST(g_report,
	"movl $0x1ff, 0xfee000f0\n"
	"g_report_rd:\n"
	"mov 0xfee00080, %eax\n"
	"out %al, $0x10\n"
	"g_report_wr:\n"
	"movl $0x20, 0xfee00080\n"
	"out %al, $0x11\n"
	"mov 0xfee00080, %eax\n"
	"out %al, $0x12\n"
	"hlt\n");
extern const uint8_t g_report_rd[], g_report_wr[];

static int set_vapic(int vcpu, uint64_t addr)
{
	struct kvm_vapic_addr va = { .vapic_addr = addr };

	return ioctl(vcpu, KVM_SET_VAPIC_ADDR, &va) ? errno : 0;
}

static int tpr_reporting(int vcpu, uint32_t enabled, uint32_t flags)
{
	struct kvm_tpr_access_ctl c = { .enabled = enabled, .flags = flags };

	return ioctl(vcpu, KVM_TPR_ACCESS_REPORTING, &c) ? errno : 0;
}

static uint32_t vapic_word(struct vt_vm *t)
{
	uint32_t w;

	memcpy(&w, t->mem + VAPIC, sizeof(w));
	return w;
}

TEST(cap_and_errnos)
{
	struct kvm_userspace_memory_region ro = {
		.slot = 1, .flags = KVM_MEM_READONLY,
		.guest_phys_addr = 0x100000, .memory_size = 0x1000,
	};
	struct vt_vm t;
	void *page;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	EXPECT_EQ(1, ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_VAPIC));
	EXPECT_EQ(1, ioctl(t.vm, KVM_CHECK_EXTENSION, KVM_CAP_VAPIC));
	/* No in-kernel APIC: no VAPIC; reporting is taken all the same. */
	EXPECT_EQ(EINVAL, set_vapic(t.vcpu, 0));
	EXPECT_EQ(EINVAL, set_vapic(t.vcpu, VAPIC));
	EXPECT_EQ(0, tpr_reporting(t.vcpu, 1, 0));
	EXPECT_EQ(EINVAL, tpr_reporting(t.vcpu, 1, 1));
	EXPECT_EQ(EFAULT, ioctl(t.vcpu, KVM_TPR_ACCESS_REPORTING, NULL) ?
			  errno : 0);
	vt_vm_destroy(&t);

	ASSERT_EQ(0, chip_vm(&t, WITH_IRQCHIP, g_sync, g_sync_end - g_sync));
	EXPECT_EQ(0, set_vapic(t.vcpu, 0));
	EXPECT_EQ(0, set_vapic(t.vcpu, VAPIC));
	EXPECT_EQ(0, set_vapic(t.vcpu, 0xfffc));
	/*
	 * Outside guest memory, or in read-only memory.  Not the APIC page:
	 * kvm_intel backs it with a memory slot of its own (its APIC-access
	 * page) and takes an address there, kvm_amd refuses it.
	 */
	EXPECT_EQ(EINVAL, set_vapic(t.vcpu, 0x10000));
	page = mmap(NULL, 0x1000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ro.userspace_addr = (uintptr_t)page;
	ASSERT_EQ(0, ioctl(t.vm, KVM_SET_USER_MEMORY_REGION, &ro));
	EXPECT_EQ(EINVAL, set_vapic(t.vcpu, 0x100000));
	EXPECT_EQ(EFAULT, ioctl(t.vcpu, KVM_SET_VAPIC_ADDR, NULL) ? errno : 0);
	EXPECT_EQ(0, tpr_reporting(t.vcpu, 0, 0));
	EXPECT_EQ(EINVAL, tpr_reporting(t.vcpu, 0, 2));
	vt_vm_destroy(&t);
	munmap(page, 0x1000);
}

TEST(word_follows_tpr)
{
	struct kvm_lapic_state s;
	struct vt_vm t;
	uint32_t v = 0, w;

	ASSERT_EQ(0, chip_vm(&t, WITH_IRQCHIP | PROT32, g_sync,
			     g_sync_end - g_sync));
	ASSERT_EQ(0, set_vapic(t.vcpu, VAPIC));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x10, NULL));
	/* The guest's write to the word is its TPR. */
	ASSERT_EQ(0, run_out(_metadata, &t, 0x11, &v));
	EXPECT_EQ(0x30u, v);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_LAPIC, &s));
	EXPECT_EQ(0x30u, *(uint32_t *)(s.regs + 0x80));
	/*
	 * Byte 0 the TPR, byte 3 the highest vector waiting in IRR, byte 1
	 * none in service.
	 */
	ASSERT_EQ(0, run_out(_metadata, &t, 0x12, NULL));
	w = vapic_word(&t);
	EXPECT_EQ(0x450000f0u, w) TH_LOG("word %#x", w);
	/* Address 0 stops it: the word keeps what it had. */
	memset(t.mem + VAPIC, 0, 4);
	ASSERT_EQ(0, set_vapic(t.vcpu, 0));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x13, NULL));
	EXPECT_EQ(0u, vapic_word(&t));
	vt_vm_destroy(&t);
}

TEST(tpr_access_exits)
{
	uint64_t rd = CODE + (g_report_rd - g_report);
	uint64_t wr = CODE + (g_report_wr - g_report);
	struct vt_vm t;

	ASSERT_EQ(0, chip_vm(&t, WITH_IRQCHIP | PROT32, g_report,
			     g_report_end - g_report));
	ASSERT_EQ(0, tpr_reporting(t.vcpu, 1, 0));
	/* The read is done, then reported with its instruction's address. */
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_TPR_ACCESS, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(rd, t.run->tpr_access.rip);
	EXPECT_EQ(0u, t.run->tpr_access.is_write);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x10, NULL));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_TPR_ACCESS, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(wr, t.run->tpr_access.rip);
	EXPECT_EQ(1u, t.run->tpr_access.is_write);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x11, NULL));
	/* Off again: the next read goes unreported. */
	ASSERT_EQ(0, tpr_reporting(t.vcpu, 0, 0));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x12, NULL));
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
