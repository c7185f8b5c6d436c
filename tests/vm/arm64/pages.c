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
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"
#include "vt_proc.h"

#define NPAGES	1024
#define SZ_2M	0x200000UL
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
	struct vt_vm t;
	unsigned int i;

	ASSERT_EQ(0, va_vm_guest(&t, size, g_pages_start, g_pages_end));
	for (i = 0; i < NPAGES; i++) {
		v = i * 3 + 1;
		memcpy(t.mem + DATA + i * 4096UL, &v, 8);
		sum += v;
	}
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(0), VA_RAM_GPA + DATA));
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(1), NPAGES));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	memcpy(&v, t.run->mmio.data, 8);
	EXPECT_EQ(sum, v);
	for (i = 0; i < NPAGES; i++) {
		memcpy(&v, t.mem + DATA + i * 4096UL + 8, 8);
		EXPECT_EQ((uint64_t)i, v) TH_LOG("page %u", i);
		if (v != i)
			break;
	}
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason);
	vt_vm_destroy(&t);
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
	struct vt_vm t;
	uint64_t v = 0x1111;

	ASSERT_EQ(0, va_vm_guest(&t, DATA + 4096, g_twice_start, g_twice_end));
	memcpy(t.mem + DATA, &v, 8);
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(0), VA_RAM_GPA + DATA));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	memcpy(&v, t.run->mmio.data, 8);
	ASSERT_EQ(0x1111ULL, v);
	/* A fresh page there now: the guest must not keep the old one. */
	ASSERT_EQ(0, madvise(t.mem + DATA, 4096, MADV_DONTNEED));
	v = 0x2222;
	memcpy(t.mem + DATA, &v, 8);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	memcpy(&v, t.run->mmio.data, 8);
	EXPECT_EQ(0x2222ULL, v);
	vt_vm_destroy(&t);
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
	struct vt_vm t;
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
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	memcpy(&v, t.run->mmio.data, 8);
	EXPECT_EQ(0x4444ULL, v);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(0x50000008ULL, t.run->mmio.phys_addr);
	EXPECT_EQ(1, t.run->mmio.is_write);
	memcpy(&v, t.run->mmio.data, 8);
	EXPECT_EQ(0x3333ULL, v);
	memcpy(&v, ro + 8, 8);
	EXPECT_EQ(0ULL, v);
	vt_vm_destroy(&t);
	munmap(ro, 4096);
}

/* A 2 MiB-aligned huge page for slot 1 at 0x80000000; words 7, 8, ... */
static uint8_t *huge_slot(struct __test_metadata *_metadata, struct vt_vm *t,
			  uint8_t **raw, uint64_t *sum)
{
	struct kvm_userspace_memory_region mr = {
		.slot = 1,
		.guest_phys_addr = 0x80000000,
		.memory_size = SZ_2M,
	};
	uint8_t *slot;
	uint64_t v;
	unsigned int i;

	*raw = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*raw == MAP_FAILED)
		return NULL;
	slot = (uint8_t *)(((uintptr_t)*raw + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1));
	madvise(slot, SZ_2M, MADV_HUGEPAGE);
	*sum = 0;
	for (i = 0; i < 512; i++) {
		v = i + 7;
		memcpy(slot + i * 4096UL, &v, 8);
		*sum += v;
	}
	/* Without a huge page the blocks would go unchecked on either module. */
	EXPECT_LT(0, vt_anon_huge_kb(slot)) TH_LOG("no transparent huge page");
	mr.userspace_addr = (uintptr_t)slot;
	EXPECT_EQ(0, ioctl(t->vm, KVM_SET_USER_MEMORY_REGION, &mr));
	return slot;
}

/* The guest sums a word of each of the 512 pages: one 2 MiB block. */
TEST(huge_block)
{
	long before = -1, after;
	uint8_t *raw, *slot;
	uint64_t sum, v;
	struct vt_vm t;
	unsigned int i;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_pages_start, g_pages_end));
	slot = huge_slot(_metadata, &t, &raw, &sum);
	ASSERT_NE(NULL, slot);
	if (!strcmp(vt_mode(), "vireo"))
		before = vt_huge_mappings();
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(0), 0x80000000));
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(1), 512));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	memcpy(&v, t.run->mmio.data, 8);
	EXPECT_EQ(sum, v);
	for (i = 0; i < 512; i++) {
		memcpy(&v, slot + i * 4096UL + 8, 8);
		EXPECT_EQ((uint64_t)i, v) TH_LOG("page %u", i);
		if (v != i)
			break;
	}
	if (!strcmp(vt_mode(), "vireo")) {
		after = vt_huge_mappings();
		ASSERT_LE(0, before) TH_LOG("no vireo/huge_mappings in debugfs");
		EXPECT_LT(before, after) TH_LOG("%ld blocks before, %ld after",
						before, after);
	}
	vt_vm_destroy(&t);
	munmap(raw, 2 * SZ_2M);
}

/*
 * A 4 KiB page taken away under the guest (MADV_DONTNEED splits the VMM's
 * huge mapping, the MMU notifier fires) is the fresh one at the guest's
 * next access: the block holding the old one must be gone.
 */
TEST(huge_block_split)
{
	uint8_t *raw, *slot;
	uint64_t sum, v;
	struct vt_vm t;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_twice_start, g_twice_end));
	slot = huge_slot(_metadata, &t, &raw, &sum);
	ASSERT_NE(NULL, slot);
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(0), 0x80000000 + 5 * 4096));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	memcpy(&v, t.run->mmio.data, 8);
	ASSERT_EQ(12ULL, v);
	ASSERT_EQ(0, madvise(slot + 5 * 4096, 4096, MADV_DONTNEED));
	v = 0x2222;
	memcpy(slot + 5 * 4096, &v, 8);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	memcpy(&v, t.run->mmio.data, 8);
	EXPECT_EQ(0x2222ULL, v);
	vt_vm_destroy(&t);
	munmap(raw, 2 * SZ_2M);
}

TEST_HARNESS_MAIN
