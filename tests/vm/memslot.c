// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION: good and bad requests get kvm.ko's answers,
 * and a guest sees memory where the slots put it.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define MB	(1UL << 20)

FIXTURE(slots) {
	int sys, vm;
	uint8_t *mem;
};

FIXTURE_SETUP(slots)
{
	self->sys = vt_open_dev();
	ASSERT_GE(self->sys, 0);
	self->vm = ioctl(self->sys, KVM_CREATE_VM, 0);
	ASSERT_GE(self->vm, 0);
	self->mem = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(slots)
{
	close(self->vm);
	close(self->sys);
	munmap(self->mem, 4 * MB);
}

static int set(int vm, uint32_t slot, uint32_t flags, uint64_t gpa,
	       uint64_t size, void *uva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)uva,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) ? errno : 0;
}

TEST_F(slots, create_delete)
{
	EXPECT_EQ(0, set(self->vm, 0, 0, 0, MB, self->mem));
	EXPECT_EQ(0, set(self->vm, 1, 0, 2 * MB, MB, self->mem + MB));
	/* Same again: nothing to change. */
	EXPECT_EQ(0, set(self->vm, 1, 0, 2 * MB, MB, self->mem + MB));
	EXPECT_EQ(0, set(self->vm, 1, 0, 0, 0, NULL));
	EXPECT_EQ(0, set(self->vm, 0, 0, 0, 0, NULL));
	/* Deleting what is not there. */
	EXPECT_EQ(EINVAL, set(self->vm, 3, 0, 0, 0, NULL));
}

TEST_F(slots, bad_alignment)
{
	EXPECT_EQ(EINVAL, set(self->vm, 0, 0, 0x800, MB, self->mem));
	EXPECT_EQ(EINVAL, set(self->vm, 0, 0, 0, MB + 1, self->mem));
	EXPECT_EQ(EINVAL, set(self->vm, 0, 0, 0, MB, self->mem + 8));
}

TEST_F(slots, bad_flags_and_ids)
{
	EXPECT_EQ(EINVAL, set(self->vm, 0, 1u << 7, 0, MB, self->mem));
	/* Address space 2 exists on no x86 kvm.ko. */
	EXPECT_EQ(EINVAL, set(self->vm, 2u << 16, 0, 0, MB, self->mem));
	EXPECT_EQ(EINVAL, set(self->vm, 0xffff, 0, 0, MB, self->mem));
	/* GPA range that wraps. */
	EXPECT_EQ(EINVAL, set(self->vm, 0, 0, -MB, 2 * MB, self->mem));
	/* Kernel addresses are not the VMM's memory. */
	EXPECT_EQ(EINVAL, set(self->vm, 0, 0, 0, MB,
			      (void *)0xffff888000000000ULL));
}

TEST_F(slots, overlap)
{
	ASSERT_EQ(0, set(self->vm, 0, 0, MB, 2 * MB, self->mem));
	EXPECT_EQ(EEXIST, set(self->vm, 1, 0, 0, 2 * MB, self->mem));
	EXPECT_EQ(EEXIST, set(self->vm, 1, 0, 2 * MB, 2 * MB, self->mem));
	EXPECT_EQ(EEXIST, set(self->vm, 1, 0, MB + 4096, 4096, self->mem));
	EXPECT_EQ(0, set(self->vm, 1, 0, 3 * MB, MB, self->mem));
	EXPECT_EQ(0, set(self->vm, 2, 0, 0, MB, self->mem));
}

TEST_F(slots, modify)
{
	ASSERT_EQ(0, set(self->vm, 0, 0, 0, MB, self->mem));
	/* Size, address and the read-only flag are fixed once created. */
	EXPECT_EQ(EINVAL, set(self->vm, 0, 0, 0, 2 * MB, self->mem));
	EXPECT_EQ(EINVAL, set(self->vm, 0, 0, 0, MB, self->mem + MB));
	EXPECT_EQ(EINVAL, set(self->vm, 0, KVM_MEM_READONLY, 0, MB,
			      self->mem));
	/* Moving is allowed, onto free space only. */
	EXPECT_EQ(0, set(self->vm, 0, 0, 8 * MB, MB, self->mem));
	ASSERT_EQ(0, set(self->vm, 1, 0, 0, MB, self->mem + MB));
	EXPECT_EQ(EEXIST, set(self->vm, 0, 0, 0, MB, self->mem));
}

TEST_F(slots, readonly)
{
	EXPECT_EQ(0, set(self->vm, 0, KVM_MEM_READONLY, 0, MB, self->mem));
	EXPECT_LT(0, ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM));
}

/* The guest reads through two slots and a move. */
TEST(guest_sees_slots)
{
	/* mov al, [0x2000]; out 0x10, al; mov al, [0x3000]; out 0x10, al; hlt */
	static const uint8_t code[] = {
		0xa0, 0x00, 0x20, 0xe6, 0x10, 0xa0, 0x00, 0x30, 0xe6, 0x10,
		0xf4,
	};
	struct vt_vm t;
	uint8_t *other;

	ASSERT_EQ(0, vt_vm_create(&t, 0x3000, 0x1000));
	other = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, other);
	memcpy(t.mem + 0x1000, code, sizeof(code));
	t.mem[0x2000] = 0x11;
	other[0] = 0x22;
	ASSERT_EQ(0, set(t.vm, 1, 0, 0x3000, 0x1000, other));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x11, vt_io_data(&t)[0]);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x22, vt_io_data(&t)[0]);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	munmap(other, 0x1000);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
