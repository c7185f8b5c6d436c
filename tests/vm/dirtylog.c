// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty logging, as QEMU's save, restore and migration use it:
 * KVM_MEM_LOG_DIRTY_PAGES on a slot (at creation, or turned on and off
 * later), KVM_GET_DIRTY_LOG (which clears what it returns and catches the
 * next write to each page again), KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 with
 * KVM_CLEAR_DIRTY_LOG and INITIALLY_SET, and their errnos.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define LOG_GPA		0x8000
#define LOG_PAGES	16
#define PAGE		4096

/*
 * ES = 0x0800 (the logged slot); write pages 3 and 7; exit; write pages
 * 3 and 10 and read page 5; exit; halt.
 */
static const uint8_t code[] = {
	0xb8, 0x00, 0x08,			/* mov ax, 0x0800 */
	0x8e, 0xc0,				/* mov es, ax */
	0x26, 0xc6, 0x06, 0x00, 0x30, 0x01,	/* mov byte es:[0x3000], 1 */
	0x26, 0xc6, 0x06, 0x00, 0x70, 0x01,	/* mov byte es:[0x7000], 1 */
	0xe6, 0x10,				/* out 0x10, al */
	0x26, 0xc6, 0x06, 0x00, 0x30, 0x02,	/* mov byte es:[0x3000], 2 */
	0x26, 0xc6, 0x06, 0x00, 0xa0, 0x02,	/* mov byte es:[0xa000], 2 */
	0x26, 0xa0, 0x00, 0x50,			/* mov al, es:[0x5000] */
	0xe6, 0x10,				/* out 0x10, al */
	0xf4,					/* hlt */
};

struct logvm {
	struct vt_vm t;
	uint8_t *data;
};

static int add_slot(struct logvm *l, uint32_t flags)
{
	struct kvm_userspace_memory_region mr = {
		.slot = 1, .flags = flags, .guest_phys_addr = LOG_GPA,
		.memory_size = LOG_PAGES * PAGE,
		.userspace_addr = (uintptr_t)l->data,
	};

	return ioctl(l->t.vm, KVM_SET_USER_MEMORY_REGION, &mr);
}

static int logvm_create(struct logvm *l)
{
	int r = vt_vm_create(&l->t, LOG_GPA, 0x1000);

	if (r)
		return r;
	memcpy(l->t.mem + 0x1000, code, sizeof(code));
	l->data = mmap(NULL, LOG_PAGES * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return l->data == MAP_FAILED ? -ENOMEM : 0;
}

static void logvm_destroy(struct logvm *l)
{
	vt_vm_destroy(&l->t);
	munmap(l->data, LOG_PAGES * PAGE);
}

/* The slot's log as one word (16 pages), or -errno. */
static long long get_log(struct logvm *l, uint32_t slot)
{
	uint64_t bits = 0;
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = &bits };

	if (ioctl(l->t.vm, KVM_GET_DIRTY_LOG, &log))
		return -errno;
	return bits;
}

static int clear_log(struct logvm *l, uint32_t first, uint32_t n,
		     uint64_t bits)
{
	struct kvm_clear_dirty_log c = {
		.slot = 1, .first_page = first, .num_pages = n,
		.dirty_bitmap = &bits,
	};

	return ioctl(l->t.vm, KVM_CLEAR_DIRTY_LOG, &c) ? -errno : 0;
}

static int run_to_out(struct logvm *l)
{
	if (vt_run(&l->t))
		return -1;
	return l->t.run->exit_reason == KVM_EXIT_IO &&
	       l->t.run->io.port == 0x10 ? 0 : -1;
}

TEST(capability_and_errors)
{
	struct logvm l;

	ASSERT_EQ(0, logvm_create(&l));
	EXPECT_EQ(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET,
		  ioctl(l.t.vm, KVM_CHECK_EXTENSION,
			KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2));
	/* No such flag. */
	EXPECT_EQ(-1, add_slot(&l, 1u << 2));
	EXPECT_EQ(EINVAL, errno);
	/* A slot without a log, an empty slot, a slot out of range. */
	EXPECT_EQ(-ENOENT, get_log(&l, 0));
	EXPECT_EQ(-ENOENT, get_log(&l, 1));
	EXPECT_EQ(-ENOENT, get_log(&l, 5000));
	EXPECT_EQ(-ENOENT, get_log(&l, 1u << 16));
	EXPECT_EQ(-EINVAL, get_log(&l, 40000));
	EXPECT_EQ(-EINVAL, get_log(&l, 2u << 16));
	EXPECT_EQ(-ENOENT, clear_log(&l, 0, 64, 1));
	EXPECT_EQ(-EINVAL, clear_log(&l, 1, 0, 1));
	logvm_destroy(&l);
}

TEST(get_clears_and_protects)
{
	struct logvm l;

	ASSERT_EQ(0, logvm_create(&l));
	ASSERT_EQ(0, add_slot(&l, KVM_MEM_LOG_DIRTY_PAGES));
	EXPECT_EQ(0, get_log(&l, 1));
	ASSERT_EQ(0, run_to_out(&l))
		TH_LOG("exit %s", vt_exit_name(l.t.run->exit_reason));
	EXPECT_EQ(1, l.data[3 * PAGE]);
	EXPECT_EQ(1, l.data[7 * PAGE]);
	EXPECT_EQ((1 << 3) | (1 << 7), get_log(&l, 1));
	/* Read and cleared. */
	EXPECT_EQ(0, get_log(&l, 1));
	/* Page 3 again (protected anew), page 10; the read of page 5 is not a write. */
	ASSERT_EQ(0, run_to_out(&l));
	EXPECT_EQ((1 << 3) | (1 << 10), get_log(&l, 1));
	EXPECT_EQ(2, l.data[3 * PAGE]);
	EXPECT_EQ(2, l.data[10 * PAGE]);
	ASSERT_EQ(0, vt_run(&l.t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, l.t.run->exit_reason);
	EXPECT_EQ(0, get_log(&l, 1));
	logvm_destroy(&l);
}

TEST(manual_protect)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 };
	struct logvm l;

	ASSERT_EQ(0, logvm_create(&l));
	cap.args[0] = 4;
	EXPECT_EQ(-1, ioctl(l.t.vm, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap.args[0] = KVM_DIRTY_LOG_INITIALLY_SET;
	EXPECT_EQ(-1, ioctl(l.t.vm, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;
	ASSERT_EQ(0, ioctl(l.t.vm, KVM_ENABLE_CAP, &cap));
	ASSERT_EQ(0, add_slot(&l, KVM_MEM_LOG_DIRTY_PAGES));

	ASSERT_EQ(0, run_to_out(&l));
	EXPECT_EQ((1 << 3) | (1 << 7), get_log(&l, 1));
	/* Reading does not clear. */
	EXPECT_EQ((1 << 3) | (1 << 7), get_log(&l, 1));
	/* Bad ranges: unaligned start, past the slot, a partial word inside. */
	EXPECT_EQ(-EINVAL, clear_log(&l, 8, 8, ~0ULL));
	EXPECT_EQ(-EINVAL, clear_log(&l, 0, LOG_PAGES + 1, ~0ULL));
	EXPECT_EQ(-EINVAL, clear_log(&l, 64, 0, ~0ULL));
	EXPECT_EQ(0, clear_log(&l, 0, LOG_PAGES, 1 << 3));
	EXPECT_EQ(1 << 7, get_log(&l, 1));
	/* Page 3 was protected again by the clear; 7 stays logged. */
	ASSERT_EQ(0, run_to_out(&l));
	EXPECT_EQ((1 << 3) | (1 << 7) | (1 << 10), get_log(&l, 1));
	logvm_destroy(&l);
}

TEST(initially_set)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 };
	struct logvm l;

	ASSERT_EQ(0, logvm_create(&l));
	cap.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
		      KVM_DIRTY_LOG_INITIALLY_SET;
	ASSERT_EQ(0, ioctl(l.t.vm, KVM_ENABLE_CAP, &cap));
	ASSERT_EQ(0, add_slot(&l, KVM_MEM_LOG_DIRTY_PAGES));
	EXPECT_EQ((1 << LOG_PAGES) - 1, get_log(&l, 1));
	EXPECT_EQ(0, clear_log(&l, 0, LOG_PAGES, ~0ULL));
	EXPECT_EQ(0, get_log(&l, 1));
	ASSERT_EQ(0, run_to_out(&l));
	EXPECT_EQ((1 << 3) | (1 << 7), get_log(&l, 1));
	logvm_destroy(&l);
}

/* Logging turned on for a slot the guest has already written, then off. */
TEST(flags_only_change)
{
	struct logvm l;

	ASSERT_EQ(0, logvm_create(&l));
	ASSERT_EQ(0, add_slot(&l, 0));
	ASSERT_EQ(0, run_to_out(&l));
	EXPECT_EQ(-ENOENT, get_log(&l, 1));
	ASSERT_EQ(0, add_slot(&l, KVM_MEM_LOG_DIRTY_PAGES));
	/* Pages 3 and 7 are mapped writable from before: they must log too. */
	EXPECT_EQ(0, get_log(&l, 1));
	ASSERT_EQ(0, run_to_out(&l));
	EXPECT_EQ((1 << 3) | (1 << 10), get_log(&l, 1));
	EXPECT_EQ(2, l.data[3 * PAGE]);
	ASSERT_EQ(0, add_slot(&l, 0));
	EXPECT_EQ(-ENOENT, get_log(&l, 1));
	ASSERT_EQ(0, vt_run(&l.t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, l.t.run->exit_reason);
	logvm_destroy(&l);
}

TEST_HARNESS_MAIN
