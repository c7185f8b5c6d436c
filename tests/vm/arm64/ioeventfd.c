// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD on arm64: a guest store to a registered MMIO address
 * (any value, or the datamatch one) signals the eventfd in the kernel
 * without an exit; another value, or a load, still exits to the VMM.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

/* Stores to +0x100 (4 bytes: 7, then 8), then to +0 (the exit). */
VA_GUEST(g_notify,
	"ldr x10, =0x10000000\n"
	"mov w1, #7\n"
	"str w1, [x10, #0x100]\n"
	"mov w1, #8\n"
	"str w1, [x10, #0x100]\n"
	"str x1, [x10]\n"
	"b .\n");

static uint64_t count(int fd)
{
	uint64_t v = 0;

	return read(fd, &v, 8) == 8 ? v : 0;
}

TEST(mmio_notify)
{
	struct kvm_ioeventfd io = {
		.addr = VA_MMIO_GPA + 0x100, .len = 4,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH, .datamatch = 7,
	};
	struct va_vm t;
	int efd;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_notify_start, g_notify_end));
	EXPECT_EQ(1, ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD));
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_GE(efd, 0);
	io.fd = efd;
	ASSERT_EQ(0, ioctl(t.vm, KVM_IOEVENTFD, &io));
	/* 7 matches: no exit; 8 does not: the VMM sees it. */
	ASSERT_EQ(0, va_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason)
		TH_LOG("exit %s", va_exit_name(t.run->exit_reason));
	EXPECT_EQ(VA_MMIO_GPA + 0x100, t.run->mmio.phys_addr);
	EXPECT_EQ(8, t.run->mmio.data[0]);
	EXPECT_EQ(1ULL, count(efd));
	ASSERT_EQ(0, va_run(&t));
	EXPECT_EQ(VA_MMIO_GPA, t.run->mmio.phys_addr);
	close(efd);
	va_vm_destroy(&t);
}

TEST_HARNESS_MAIN
