// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts from the in-kernel 8259 pair and PIT reaching a guest: the
 * PIT's channel 0 ticking through IRQ 0 at the programmed rate, and
 * KVM_IRQ_LINE / KVM_IRQ_LINE_STATUS raising an 8259 input, each taken by
 * a real-mode guest through the local APIC's LINT0 (ExtINT, as at reset).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vireo_test.h"

#include "irqchip_vm.h"

#define COUNTER	0x500
#define HANDLER	0x3000

/* Both 8259s as Linux's i8259 driver leaves them: vectors 0x20, 0x28. */
#define PIC_INIT(mask) \
	0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21, \
	0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21, \
	0xb0, 0x11, 0xe6, 0xa0, 0xb0, 0x28, 0xe6, 0xa1, \
	0xb0, 0x02, 0xe6, 0xa1, 0xb0, 0x01, 0xe6, 0xa1, \
	0xb0, (mask), 0xe6, 0x21, 0xb0, 0xff, 0xe6, 0xa1

/* inc word [COUNTER]; EOI to the master; iret */
static const uint8_t handler[] = {
	0xff, 0x06, COUNTER & 0xff, COUNTER >> 8,
	0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf,
};

static void setup(struct __test_metadata *_metadata, struct vt_vm *t,
		  unsigned int what, const uint8_t *code, size_t len,
		  unsigned int vec)
{
	struct kvm_regs regs;

	ASSERT_EQ(0, chip_vm(t, what, code, len));
	memcpy(t->mem + HANDLER, handler, sizeof(handler));
	t->mem[vec * 4] = HANDLER & 0xff;
	t->mem[vec * 4 + 1] = HANDLER >> 8;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &regs));
	regs.rsp = 0x8000;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_REGS, &regs));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* PIT mode 2 at 10 ms: five ticks through IRQ 0 take about 50 ms. */
TEST(pit_ticks)
{
	static const uint8_t code[] = {
		PIC_INIT(0xfe),
		0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x9c, 0xe6, 0x40,
		0xb0, 0x2e, 0xe6, 0x40,
		0xfb,					/* sti */
		0xf4,					/* 1: hlt */
		0x83, 0x3e, COUNTER & 0xff, COUNTER >> 8, 5, /* cmp [], 5 */
		0x72, 0xf8,				/* jb 1b */
		0xe6, 0x10,
	};
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct vt_vm t;
	double t0, dt;

	setup(_metadata, &t, WITH_IRQCHIP | WITH_PIT, code, sizeof(code),
	      0x20);
	t0 = now_s();
	ASSERT_EQ(0, run_out(_metadata, &t, 0x10, NULL));
	dt = now_s() - t0;
	/* A sixth may come between the compare and the OUT. */
	EXPECT_LE(5, t.mem[COUNTER]);
	EXPECT_GE(6, t.mem[COUNTER]);
	EXPECT_LE(0.040, dt);
	EXPECT_GE(5.0, dt);
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0, chip.chip.pic.isr);
	vt_vm_destroy(&t);
}

/* KVM_IRQ_LINE on GSI 3 reaches the guest as vector 0x23. */
TEST(irq_line_pic)
{
	static const uint8_t code[] = {
		PIC_INIT(0x00),
		0xe6, 0x10,				/* out 0x10 */
		0xfb,					/* sti */
		0xf4,					/* 1: hlt */
		0x83, 0x3e, COUNTER & 0xff, COUNTER >> 8, 1,
		0x72, 0xf8,				/* jb 1b */
		0xe6, 0x11,
	};
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct kvm_irq_level line = { .irq = 3, .level = 1 };
	struct vt_vm t;

	setup(_metadata, &t, WITH_IRQCHIP, code, sizeof(code), 0x23);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x10, NULL));
	ASSERT_EQ(0, ioctl(t.vm, KVM_IRQ_LINE_STATUS, &line));
	EXPECT_EQ(1, line.status);
	line.level = 0;
	ASSERT_EQ(0, ioctl(t.vm, KVM_IRQ_LINE, &line));
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0x08, chip.chip.pic.irr);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x11, NULL));
	EXPECT_EQ(1, t.mem[COUNTER]);
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0, chip.chip.pic.irr);
	EXPECT_EQ(0, chip.chip.pic.isr);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
