// SPDX-License-Identifier: GPL-2.0
/*
 * String port I/O: OUTS and INS, single and with REP, in real mode.  An
 * implementation may split a REP into several exits; the tests only rely
 * on the data and the final registers.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define CODE	0x1000

TEST(rep_outsb_and_insw)
{
	static const uint8_t code[] = {
		0xbe, 0x00, 0x20,	/* mov si, 0x2000 */
		0xb9, 0x05, 0x00,	/* mov cx, 5 */
		0xfc,			/* cld */
		0xf3, 0x6e,		/* rep outsb (dx = 0x10 set by regs) */
		0xbf, 0x00, 0x30,	/* mov di, 0x3000 */
		0xb9, 0x03, 0x00,	/* mov cx, 3 */
		0x42,			/* inc dx (0x11) */
		0xf3, 0x6d,		/* rep insw */
		0x6e,			/* outsb (one, from si = 0x2005) */
		0xf4,
	};
	uint8_t out[16] = { 0 }, in[] = "ABCDEF";
	unsigned int got = 0, given = 0, exits = 0;
	struct kvm_regs regs;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	memcpy(t.mem + 0x2000, "hello!", 6);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	regs.rdx = 0x10;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));

	while (got < 5 && exits++ < 10) {
		ASSERT_EQ(0, vt_run(&t));
		ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
			TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
		ASSERT_EQ(KVM_EXIT_IO_OUT, t.run->io.direction);
		ASSERT_EQ(0x10, t.run->io.port);
		ASSERT_EQ(1, t.run->io.size);
		ASSERT_LE(got + t.run->io.count, 5u);
		memcpy(out + got, vt_io_data(&t), t.run->io.count);
		got += t.run->io.count;
	}
	EXPECT_EQ(0, memcmp(out, "hello", 5));

	exits = 0;
	while (given < 3 && exits++ < 10) {
		ASSERT_EQ(0, vt_run(&t));
		ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
		ASSERT_EQ(KVM_EXIT_IO_IN, t.run->io.direction);
		ASSERT_EQ(0x11, t.run->io.port);
		ASSERT_EQ(2, t.run->io.size);
		ASSERT_LE(given + t.run->io.count, 3u);
		memcpy(vt_io_data(&t), in + 2 * given, 2 * t.run->io.count);
		given += t.run->io.count;
	}

	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(1u, t.run->io.count);
	EXPECT_EQ('!', vt_io_data(&t)[0]);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	EXPECT_EQ(0, memcmp(t.mem + 0x3000, "ABCDEF", 6));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0x2006u, regs.rsi);
	EXPECT_EQ(0x3006u, regs.rdi);
	EXPECT_EQ(0u, regs.rcx & 0xffff);
	vt_vm_destroy(&t);
}

/* REP with CX = 0 does nothing and exits to nobody. */
TEST(rep_zero_count)
{
	static const uint8_t code[] = {
		0x31, 0xc9, 0xf3, 0x6e, 0xf4,	/* xor cx, cx; rep outsb; hlt */
	};
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

/*
 * A VMM that lowers rCX while a REP INS waits for its data (Linux's
 * userspace_io_test does): the instruction ends when rCX runs out, with
 * one element stored per count left, whatever the exit asked for.
 */
TEST(rep_insb_count_lowered)
{
	static const uint8_t code[] = {
		0xbf, 0x00, 0x30,	/* mov di, 0x3000 */
		0xb9, 0x04, 0x00,	/* mov cx, 4 */
		0xba, 0x80, 0x00,	/* mov dx, 0x80 */
		0xfc,			/* cld */
		0xf3, 0x6c,		/* rep insb */
		0xf4,
	};
	struct kvm_regs regs;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	memset(t.mem + 0x3000, 0x11, 8);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	ASSERT_EQ(KVM_EXIT_IO_IN, t.run->io.direction);
	ASSERT_EQ(0x80, t.run->io.port);
	ASSERT_LE(1u, t.run->io.count);
	ASSERT_GE(4u, t.run->io.count);
	memset(vt_io_data(&t), 0xaa, t.run->io.count);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	ASSERT_EQ(4u, regs.rcx & 0xffff);
	regs.rcx = (regs.rcx & ~0xffffULL) | 1;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason)
		TH_LOG("exit %s, count %u", vt_exit_name(t.run->exit_reason),
		       t.run->io.count);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0u, regs.rcx & 0xffff);
	EXPECT_EQ(0x3001u, regs.rdi & 0xffff);
	EXPECT_EQ(0xaa, t.mem[0x3000]);
	EXPECT_EQ(0x11, t.mem[0x3001]);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
