// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION: good and bad requests get kvm.ko's answers,
 * and a guest sees memory where the slots put it; KVM_SET_NR_MMU_PAGES.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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

/*
 * Nested paging translates no wider guest-physical addresses than the
 * host's MAXPHYADDR (and 48 bits with 4-level tables): beyond, a slot
 * would alias low memory.  kvm.ko refuses such slots with EINVAL.
 */
TEST_F(slots, above_phys_width)
{
	unsigned int a, b, c, d, bits;
	uint64_t top;

	ASSERT_TRUE(__get_cpuid(0x80000008, &a, &b, &c, &d));
	bits = a & 0xff;
	if (bits > 48)
		bits = 48;
	top = 1ULL << bits;
	EXPECT_EQ(0, set(self->vm, 0, 0, top - 4 * MB, MB, self->mem));
	EXPECT_EQ(0, set(self->vm, 1, 0, top - 3 * MB, MB, self->mem + MB));
	EXPECT_EQ(EINVAL, set(self->vm, 2, 0, top, MB, self->mem + 2 * MB));
	/* Across the top, and ending just below it. */
	EXPECT_EQ(EINVAL, set(self->vm, 2, 0, top - MB / 2, MB,
			      self->mem + 2 * MB));
	EXPECT_EQ(0, set(self->vm, 2, 0, top - MB, MB, self->mem + 2 * MB));
	EXPECT_EQ(EINVAL, set(self->vm, 2, 0, 1ULL << 52, MB,
			      self->mem + 2 * MB));
	/* Nor can a slot move there. */
	EXPECT_EQ(EINVAL, set(self->vm, 0, 0, top, MB, self->mem));
	EXPECT_EQ(0, set(self->vm, 0, 0, 0, MB, self->mem));
}

/*
 * KVM_SET_NR_MMU_PAGES and KVM_GET_NR_MMU_PAGES (Linux's
 * set_memory_region_test sets 64 before its first KVM_RUN): kvm.ko's
 * minimum, and its default of a page for every 50 pages of slots.
 */
TEST_F(slots, nr_mmu_pages)
{
	size_t size = 256 * MB;
	void *big = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	ASSERT_NE(MAP_FAILED, big);
	EXPECT_EQ(1, ioctl(self->vm, KVM_CHECK_EXTENSION,
			   KVM_CAP_MMU_SHADOW_CACHE_CONTROL));
	EXPECT_EQ(0, ioctl(self->vm, KVM_GET_NR_MMU_PAGES, 0));
	EXPECT_EQ(0, set(self->vm, 0, 0, 0, size, big));
	EXPECT_EQ((int)(size / 4096 / 50),
		  ioctl(self->vm, KVM_GET_NR_MMU_PAGES, 0));
	EXPECT_EQ(-1, ioctl(self->vm, KVM_SET_NR_MMU_PAGES, 63ul));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(self->vm, KVM_SET_NR_MMU_PAGES, 64ul));
	EXPECT_EQ(64, ioctl(self->vm, KVM_GET_NR_MMU_PAGES, 0));
	/* Asked for, it stays whatever the slots do. */
	EXPECT_EQ(0, set(self->vm, 1, 0, size, MB, self->mem));
	EXPECT_EQ(64, ioctl(self->vm, KVM_GET_NR_MMU_PAGES, 0));
	EXPECT_EQ(0, ioctl(self->vm, KVM_SET_NR_MMU_PAGES, 1000ul));
	EXPECT_EQ(1000, ioctl(self->vm, KVM_GET_NR_MMU_PAGES, 0));
	EXPECT_EQ(0, set(self->vm, 0, 0, 0, 0, NULL));
	munmap(big, size);
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

struct completion_race {
	struct vt_vm *t;
	int run_rc;
	volatile int deleted;
};

static void *run_thread(void *arg)
{
	struct completion_race *c = arg;

	c->run_rc = ioctl(c->t->vcpu, KVM_RUN, 0);
	return NULL;
}

static void *delete_thread(void *arg)
{
	struct completion_race *c = arg;

	set(c->t->vm, 0, 0, 0, 0, NULL);
	c->deleted = 1;
	return NULL;
}

/*
 * Completing an exit writes guest memory from inside KVM_RUN (the bytes of
 * a REP INSB).  A slot deleted meanwhile waits for that write, as under
 * kvm.ko: the guest's data never lands in memory the VMM has taken back.
 * A userfaultfd holds the write in a page fault while the slot goes.
 */
TEST(delete_waits_for_exit_completion)
{
	static const uint8_t code[] = {
		0xbf, 0x00, 0x80,	/* mov di, 0x8000 */
		0xb9, 0x04, 0x00,	/* mov cx, 4 */
		0xfc,			/* cld */
		0xf3, 0x6c,		/* rep insb (dx = 0x10) */
		0xf4,
	};
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_copy copy = { 0 };
	struct completion_race c = { 0 };
	struct uffd_msg msg;
	pthread_t runner, deleter;
	struct kvm_regs regs;
	int uffd, deleted_early;
	struct vt_vm t;
	static uint8_t src[4096];

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	memcpy(t.mem + 0x1000, code, sizeof(code));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	regs.rdx = 0x10;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	ASSERT_EQ(KVM_EXIT_IO_IN, t.run->io.direction);
	memcpy(vt_io_data(&t), "WXYZ", 4);

	/* The buffer page is missing until the fault is answered. */
	ASSERT_EQ(0, madvise(t.mem + 0x8000, 4096, MADV_DONTNEED));
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	ASSERT_LE(0, uffd);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	reg.range.start = (uintptr_t)(t.mem + 0x8000);
	reg.range.len = 4096;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	c.t = &t;
	ASSERT_EQ(0, pthread_create(&runner, NULL, run_thread, &c));
	ASSERT_EQ((ssize_t)sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	EXPECT_EQ((uintptr_t)(t.mem + 0x8000),
		  msg.arg.pagefault.address & ~4095ULL);
	ASSERT_EQ(0, pthread_create(&deleter, NULL, delete_thread, &c));
	usleep(500 * 1000);
	deleted_early = c.deleted;
	copy.dst = (uintptr_t)(t.mem + 0x8000);
	copy.src = (uintptr_t)src;
	copy.len = 4096;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	pthread_join(deleter, NULL);
	pthread_join(runner, NULL);
	EXPECT_EQ(0, deleted_early)
		TH_LOG("the slot went while the exit's write was in flight");
	EXPECT_EQ(0, memcmp(t.mem + 0x8000, "WXYZ", 4));
	close(uffd);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
