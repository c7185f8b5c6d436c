// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory mapped on demand: a guest over many pages reads what the
 * VMM wrote and the VMM reads what it wrote back; a page the VMM replaces
 * under the guest (MMU notifier) is the new one at the guest's next
 * access; a read-only slot reads as memory and writes exit as MMIO.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

#define NPAGES	1024
#define DATA	0x10000

/* x0 = first data page, x1 = pages: sum the words, write each index back. */
VA_GUEST(g_pages,
	"mov x2, #0\n"
	"mov x3, #0\n"
	"1: ldr x4, [x0]\n"
	"add x3, x3, x4\n"
	"str x2, [x0, #8]\n"
	"add x0, x0, #4096\n"
	"add x2, x2, #1\n"
	"cmp x2, x1\n"
	"b.ne 1b\n"
	"ldr x5, =0x10000000\n"
	"str x3, [x5]\n"
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n");

TEST(many_pages)
{
	size_t size = DATA + NPAGES * 4096UL;
	uint64_t sum = 0, v;
	struct va_vm t;
	unsigned int i;

	ASSERT_EQ(0, va_vm_guest(&t, size, g_pages_start, g_pages_end));
	for (i = 0; i < NPAGES; i++) {
		v = i * 3 + 1;
		memcpy(t.mem + DATA + i * 4096UL, &v, 8);
		sum += v;
	}
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(0), VA_RAM_GPA + DATA));
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(1), NPAGES));
	ASSERT_EQ(0, va_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason)
		TH_LOG("exit %s", va_exit_name(t.run->exit_reason));
	memcpy(&v, t.run->mmio.data, 8);
	EXPECT_EQ(sum, v);
	for (i = 0; i < NPAGES; i++) {
		memcpy(&v, t.mem + DATA + i * 4096UL + 8, 8);
		EXPECT_EQ((uint64_t)i, v) TH_LOG("page %u", i);
		if (v != i)
			break;
	}
	ASSERT_EQ(0, va_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason);
	va_vm_destroy(&t);
}

/* Read the word at x0 twice, each time to MMIO. */
VA_GUEST(g_twice,
	"ldr x5, =0x10000000\n"
	"ldr x1, [x0]\n"
	"str x1, [x5]\n"
	"ldr x1, [x0]\n"
	"str x1, [x5]\n"
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n");

TEST(page_replaced_under_the_guest)
{
	struct va_vm t;
	uint64_t v = 0x1111;

	ASSERT_EQ(0, va_vm_guest(&t, DATA + 4096, g_twice_start, g_twice_end));
	memcpy(t.mem + DATA, &v, 8);
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(0), VA_RAM_GPA + DATA));
	ASSERT_EQ(0, va_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	memcpy(&v, t.run->mmio.data, 8);
	ASSERT_EQ(0x1111ULL, v);
	/* A fresh page there now: the guest must not keep the old one. */
	ASSERT_EQ(0, madvise(t.mem + DATA, 4096, MADV_DONTNEED));
	v = 0x2222;
	memcpy(t.mem + DATA, &v, 8);
	ASSERT_EQ(0, va_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	memcpy(&v, t.run->mmio.data, 8);
	EXPECT_EQ(0x2222ULL, v);
	va_vm_destroy(&t);
}

/* x0 = a read-only slot: read its word to MMIO, then write to it. */
VA_GUEST(g_ro,
	"ldr x5, =0x10000000\n"
	"ldr x1, [x0]\n"
	"str x1, [x5]\n"
	"ldr x2, =0x3333\n"
	"str x2, [x0, #8]\n"
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n");

TEST(readonly_slot)
{
	struct kvm_userspace_memory_region mr = {
		.slot = 1,
		.flags = KVM_MEM_READONLY,
		.guest_phys_addr = 0x50000000,
		.memory_size = 4096,
	};
	struct va_vm t;
	uint64_t v = 0x4444;
	uint8_t *ro;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_ro_start, g_ro_end));
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memcpy(ro, &v, 8);
	mr.userspace_addr = (uintptr_t)ro;
	ASSERT_EQ(0, ioctl(t.vm, KVM_SET_USER_MEMORY_REGION, &mr));
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(0), 0x50000000));
	ASSERT_EQ(0, va_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	memcpy(&v, t.run->mmio.data, 8);
	EXPECT_EQ(0x4444ULL, v);
	ASSERT_EQ(0, va_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason)
		TH_LOG("exit %s", va_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x50000008ULL, t.run->mmio.phys_addr);
	EXPECT_EQ(1, t.run->mmio.is_write);
	memcpy(&v, t.run->mmio.data, 8);
	EXPECT_EQ(0x3333ULL, v);
	memcpy(&v, ro + 8, 8);
	EXPECT_EQ(0ULL, v);
	va_vm_destroy(&t);
	munmap(ro, 4096);
}

TEST_HARNESS_MAIN
