// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts from the in-kernel 8259 pair, I/O APIC and PIT reaching a
 * guest: the PIT's channel 0 ticking through IRQ 0 at the programmed rate,
 * and KVM_IRQ_LINE / KVM_IRQ_LINE_STATUS raising an 8259 input, each taken
 * by a real-mode guest through the local APIC's LINT0 (ExtINT, as at
 * reset); an edge and a level I/O APIC pin taken by a 32-bit guest, the
 * level pin's remote IRR held until the local APIC's EOI; the PIT
 * reinjecting missed ticks through the I/O APIC.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
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
	/*
	 * More may come between the compare and the OUT, back to back when
	 * a loaded host ran the timer late, but never more than the time
	 * that passed holds.
	 */
	EXPECT_LE(5, t.mem[COUNTER]);
	EXPECT_GE((int)(dt / 0.01) + 1, t.mem[COUNTER]);
	EXPECT_LE(0.040, dt);
	EXPECT_GE(5.0, dt);
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0, chip.chip.pic.isr);
	vt_vm_destroy(&t);
}

static void on_alarm(int sig)
{
}

#define TICKS_OFF_US	400000
#define TICKS_ON_US	500000
#define LIMIT		0x508	/* the guest stops with OUT 0x11 there */
#define NO_REINJECT_TICKS 30

/*
 * Run a guest that has programmed 10 ms PIT ticks and stopped with OUT
 * 0x10, interrupts still off: it stays off for TICKS_OFF_US, then takes
 * ticks.  With reinjection for TICKS_ON_US; without, until it has taken
 * NO_REINJECT_TICKS (it compares COUNTER with LIMIT after each), so that
 * a host stalling the test VM only makes the wait longer.  Returns ticks
 * taken (the guest counts them at COUNTER), and the ticks the elapsed time
 * holds in @due.
 */
static int ticks_taken(struct __test_metadata *_metadata, struct vt_vm *t,
		       bool reinject, int *due)
{
	struct itimerval it = { .it_value.tv_usec = TICKS_ON_US };
	struct itimerval off = { 0 };
	struct sigaction sa = { .sa_handler = on_alarm };
	uint32_t limit = reinject ? 0xffff : NO_REINJECT_TICKS;
	double t0;
	int taken;

	memcpy(t->mem + LIMIT, &limit, sizeof(limit));
	sigaction(SIGALRM, &sa, NULL);
	t0 = now_s();
	EXPECT_EQ(0, run_out(_metadata, t, 0x10, NULL));
	usleep(TICKS_OFF_US);
	if (reinject) {
		setitimer(ITIMER_REAL, &it, NULL);
		EXPECT_EQ(-EINTR, vt_run(t));
	} else {
		/* Ticks that stop for good end the run here instead. */
		it.it_value.tv_sec = 20;
		it.it_value.tv_usec = 0;
		setitimer(ITIMER_REAL, &it, NULL);
		EXPECT_EQ(0, run_out(_metadata, t, 0x11, NULL));
		setitimer(ITIMER_REAL, &off, NULL);
	}
	*due = (now_s() - t0) / 0.0100001;
	taken = t->mem[COUNTER] | t->mem[COUNTER + 1] << 8;
	TH_LOG("%d ticks taken, %d due", taken, *due);
	return taken;
}

/*
 * With reinjection (the default) every tick the guest missed with
 * interrupts off is taken in the end, back to back, each after the last's
 * EOI; without it the missed ones are lost but one, so the guest's
 * NO_REINJECT_TICKS take most of another 300 ms.  A loaded host may leave
 * a few reinjections still owed when the time is up, or stall the test VM
 * long enough to spoil a whole attempt (kvm.ko too), hence up to three.
 */
#define TICK_TRIES	3

static bool ticks_ok(bool reinject, int taken, int due)
{
	if (reinject)
		return taken >= due - 15 && taken <= due;
	/* 40 of them fell while interrupts were off: one is kept. */
	return taken >= NO_REINJECT_TICKS && taken <= due - 25;
}

static void pit_ticks_taken(struct __test_metadata *_metadata, bool reinject)
{
	static const uint8_t code[] = {
		PIC_INIT(0xfe),
		0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x9c, 0xe6, 0x40,
		0xb0, 0x2e, 0xe6, 0x40,
		0xe6, 0x10,
		0xfb,					/* sti */
		0xf4,					/* 1: hlt */
		0xa1, COUNTER & 0xff, COUNTER >> 8,	/* mov ax, [] */
		0x3b, 0x06, LIMIT & 0xff, LIMIT >> 8,	/* cmp ax, [] */
		0x72, 0xf6,				/* jb 1b */
		0xe6, 0x11,
	};
	struct kvm_reinject_control rc = { .pit_reinject = reinject };
	struct vt_vm t;
	int due, taken, i;
	bool ok = false;

	for (i = 0; i < TICK_TRIES && !ok; i++) {
		setup(_metadata, &t, WITH_IRQCHIP | WITH_PIT, code,
		      sizeof(code), 0x20);
		if (!reinject)
			EXPECT_EQ(0, ioctl(t.vm, KVM_REINJECT_CONTROL, &rc));
		taken = ticks_taken(_metadata, &t, reinject, &due);
		ok = ticks_ok(reinject, taken, due);
		vt_vm_destroy(&t);
	}
	EXPECT_TRUE(ok);
}

TEST(pit_reinject)
{
	pit_ticks_taken(_metadata, true);
}

TEST(pit_no_reinject)
{
	pit_ticks_taken(_metadata, false);
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

#define SEL(v)	0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, (v), 0, 0, 0
#define WIN(a, b) 0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe, (a), (b), 0, 0
#define EOI	0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0, 0, 0, 0
#define COUNTER2 0x504
#define GDT	0x600
#define IDT	0x800

/*
 * A flat 32-bit guest with a GDT, an IDT whose gates @vecs[i] lead to
 * @handlers[i] at HANDLER + 0x100 * i, and a stack.
 */
static void setup32(struct __test_metadata *_metadata, struct vt_vm *t,
		    unsigned int what, const uint8_t *code, size_t len,
		    const uint8_t *const *handlers, const size_t *sizes,
		    const unsigned int *vecs, int n)
{
	static const uint64_t gdt[] = {
		0, 0x00cf9a000000ffffULL, 0x00cf92000000ffffULL,
	};
	struct kvm_sregs s;
	struct kvm_regs regs;
	uint32_t *idt;
	int i;

	ASSERT_EQ(0, chip_vm(t, what | PROT32, code, len));
	memcpy(t->mem + GDT, gdt, sizeof(gdt));
	idt = (uint32_t *)(t->mem + IDT);
	for (i = 0; i < n; i++) {
		memcpy(t->mem + HANDLER + 0x100 * i, handlers[i], sizes[i]);
		idt[vecs[i] * 2] = 8 << 16 | (HANDLER + 0x100 * i);
		idt[vecs[i] * 2 + 1] = 0x8e00;
	}
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_SREGS, &s));
	s.gdt.base = GDT;
	s.gdt.limit = sizeof(gdt) - 1;
	s.idt.base = IDT;
	s.idt.limit = 0x7ff;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_SREGS, &s));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &regs));
	regs.rsp = 0x8000;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_REGS, &regs));
}

/*
 * GSI 4 (edge) and GSI 5 (level) through the I/O APIC to vectors 0x44 and
 * 0x45 on the local APIC of vCPU 0 (the 8259 masked).
 */
TEST(ioapic_edge_and_level)
{
	static const uint8_t code[] = {
		0xb0, 0xff, 0xe6, 0x21, 0xe6, 0xa1,	/* mask the 8259s */
		0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0, 0, /* SVR */
		SEL(0x18), WIN(0x44, 0x00), SEL(0x19), WIN(0, 0),
		SEL(0x1a), WIN(0x45, 0x80), SEL(0x1b), WIN(0, 0),
		0xe6, 0x10,
		0xfb, 0xf4,				/* sti; 1: hlt */
		0x83, 0x3d, COUNTER & 0xff, COUNTER >> 8, 0, 0, 1,
		0x72, 0xf6,				/* jb 1b */
		0xfa, 0xe6, 0x11,
		0xfb, 0xf4,				/* sti; hlt */
		0xfa, 0xe6, 0x13,
	};
	static const uint8_t edge[] = {
		0xff, 0x05, COUNTER & 0xff, COUNTER >> 8, 0, 0, EOI, 0xcf,
	};
	static const uint8_t level[] = {
		0xff, 0x05, COUNTER2 & 0xff, COUNTER2 >> 8, 0, 0,
		0xe6, 0x12, EOI, 0xcf,
	};
	static const uint8_t *const handlers[] = { edge, level };
	static const size_t sizes[] = { sizeof(edge), sizeof(level) };
	static const unsigned int vecs[] = { 0x44, 0x45 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	struct kvm_irq_level line = { .irq = 4, .level = 1 };
	struct vt_vm t;

	setup32(_metadata, &t, WITH_IRQCHIP, code, sizeof(code), handlers,
		sizes, vecs, 2);

	ASSERT_EQ(0, run_out(_metadata, &t, 0x10, NULL));
	ASSERT_EQ(0, ioctl(t.vm, KVM_IRQ_LINE, &line));
	line.level = 0;
	ASSERT_EQ(0, ioctl(t.vm, KVM_IRQ_LINE, &line));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x11, NULL));
	EXPECT_EQ(1, t.mem[COUNTER]);

	/* Level: remote IRR from delivery to the EOI. */
	line.irq = 5;
	line.level = 1;
	ASSERT_EQ(0, ioctl(t.vm, KVM_IRQ_LINE, &line));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x12, NULL));
	EXPECT_EQ(1, t.mem[COUNTER2]);
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0x8045ULL | 1ULL << 14, chip.chip.ioapic.redirtbl[5].bits);
	EXPECT_EQ(1u << 5, chip.chip.ioapic.irr);
	line.level = 0;
	ASSERT_EQ(0, ioctl(t.vm, KVM_IRQ_LINE, &line));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x13, NULL));
	EXPECT_EQ(1, t.mem[COUNTER2]);
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0x8045ULL, chip.chip.ioapic.redirtbl[5].bits);
	EXPECT_EQ(0u, chip.chip.ioapic.irr);
	vt_vm_destroy(&t);
}

/*
 * The PIT through the I/O APIC, routed as QEMU routes it (GSI 0 to pin 0
 * of the 8259 and pin 2 of the I/O APIC; the 8259 masked, as Linux runs):
 * the acknowledgment that lets the PIT reinject reaches it only through
 * the I/O APIC's EOI of pin 2.
 */
static void pit_ioapic(struct __test_metadata *_metadata, bool reinject)
{
	static const uint8_t code[] = {
		0xb0, 0xff, 0xe6, 0x21, 0xe6, 0xa1,	/* mask the 8259s */
		0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0, 0, /* SVR */
		SEL(0x14), WIN(0x30, 0x00), SEL(0x15), WIN(0, 0),
		0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x9c, 0xe6, 0x40,
		0xb0, 0x2e, 0xe6, 0x40,
		0xe6, 0x10,
		0xfb,					/* sti */
		0xf4,					/* 1: hlt */
		0xa1, COUNTER & 0xff, COUNTER >> 8, 0, 0, /* mov eax, [] */
		0x3b, 0x05, LIMIT & 0xff, LIMIT >> 8, 0, 0, /* cmp eax, [] */
		0x72, 0xf2,				/* jb 1b */
		0xe6, 0x11,
	};
	static const uint8_t tick[] = {
		0xff, 0x05, COUNTER & 0xff, COUNTER >> 8, 0, 0, EOI, 0xcf,
	};
	static const uint8_t *const handlers[] = { tick };
	static const size_t sizes[] = { sizeof(tick) };
	static const unsigned int vecs[] = { 0x30 };
	struct kvm_reinject_control rc = { .pit_reinject = reinject };
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[2];
	} routes = {
		.r.nr = 2,
		.e[0] = { .gsi = 0, .type = KVM_IRQ_ROUTING_IRQCHIP,
			  .u.irqchip = { KVM_IRQCHIP_PIC_MASTER, 0 } },
		.e[1] = { .gsi = 0, .type = KVM_IRQ_ROUTING_IRQCHIP,
			  .u.irqchip = { KVM_IRQCHIP_IOAPIC, 2 } },
	};
	struct vt_vm t;
	int due, taken, i;
	bool ok = false;

	for (i = 0; i < TICK_TRIES && !ok; i++) {
		setup32(_metadata, &t, WITH_IRQCHIP | WITH_PIT, code,
			sizeof(code), handlers, sizes, vecs, 1);
		ASSERT_EQ(0, ioctl(t.vm, KVM_SET_GSI_ROUTING, &routes));
		if (!reinject)
			EXPECT_EQ(0, ioctl(t.vm, KVM_REINJECT_CONTROL, &rc));
		taken = ticks_taken(_metadata, &t, reinject, &due);
		ok = ticks_ok(reinject, taken, due);
		vt_vm_destroy(&t);
	}
	EXPECT_TRUE(ok);
}

TEST(pit_reinject_ioapic)
{
	pit_ioapic(_metadata, true);
}

TEST(pit_no_reinject_ioapic)
{
	pit_ioapic(_metadata, false);
}

TEST_HARNESS_MAIN
