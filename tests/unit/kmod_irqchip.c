// SPDX-License-Identifier: GPL-2.0
/*
 * The module's 8259 pair, I/O APIC and 8254 models (kmod/x86/irqchip/),
 * on the host.
 */
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "x86/irqchip/model.h"

static void pic_out(struct x86_pic_model *p, u16 port, u8 v)
{
	x86_pic_model_write(p, port, v);
}

/* Both chips initialised as Linux does: vectors 0x20 and 0x28. */
static void pic_setup(struct x86_pic_model *p, u8 icw4_slave)
{
	x86_pic_model_init(p);
	pic_out(p, 0x20, 0x11);
	pic_out(p, 0x21, 0x20);
	pic_out(p, 0x21, 0x04);
	pic_out(p, 0x21, 0x01);
	pic_out(p, 0xa0, 0x11);
	pic_out(p, 0xa1, 0x28);
	pic_out(p, 0xa1, 0x02);
	pic_out(p, 0xa1, icw4_slave);
}

TEST(pic_init_sequence)
{
	struct x86_pic_model p;

	x86_pic_model_init(&p);
	EXPECT_EQ(0xf8, p.chip[0].elcr_mask);
	EXPECT_EQ(0xde, p.chip[1].elcr_mask);
	pic_out(&p, 0x20, 0x11);
	EXPECT_EQ(1, p.chip[0].init_state);
	EXPECT_EQ(1, p.chip[0].init4);
	pic_out(&p, 0x21, 0x27);
	EXPECT_EQ(0x20, p.chip[0].irq_base);
	EXPECT_EQ(2, p.chip[0].init_state);
	pic_out(&p, 0x21, 0x04);
	EXPECT_EQ(3, p.chip[0].init_state);
	pic_out(&p, 0x21, 0x13);
	EXPECT_EQ(0, p.chip[0].init_state);
	EXPECT_EQ(1, p.chip[0].auto_eoi);
	EXPECT_EQ(1, p.chip[0].special_fully_nested_mode);
	/* Without ICW4: ICW3 ends it, and AEOI/SFNM are cleared. */
	pic_out(&p, 0x20, 0x10);
	pic_out(&p, 0x21, 0x08);
	pic_out(&p, 0x21, 0x04);
	EXPECT_EQ(0, p.chip[0].init_state);
	EXPECT_EQ(0, p.chip[0].auto_eoi);
	EXPECT_EQ(0, p.chip[0].special_fully_nested_mode);
	pic_out(&p, 0x21, 0x5a);
	EXPECT_EQ(0x5a, p.chip[0].imr);
	EXPECT_EQ(0x5a, x86_pic_model_read(&p, 0x21));
}

TEST(pic_edge_ack_eoi)
{
	struct x86_pic_model p;

	pic_setup(&p, 0x01);
	EXPECT_FALSE(p.output);
	EXPECT_EQ(1, x86_pic_model_set(&p, 0, X86_IRQ_SRC_USER, true));
	EXPECT_TRUE(p.output);
	/* Still high, no new edge: IRR unchanged (kvm.ko still says 1). */
	EXPECT_EQ(1, x86_pic_model_set(&p, 0, X86_IRQ_SRC_USER, true));
	EXPECT_EQ(0x01, p.chip[0].irr);
	EXPECT_EQ(0x20, x86_pic_model_intack(&p));
	EXPECT_FALSE(p.output);
	EXPECT_EQ(0x01, p.chip[0].isr);
	EXPECT_EQ(0x00, p.chip[0].irr);
	/* OCW3 read ISR, then IRR again */
	pic_out(&p, 0x20, 0x0b);
	EXPECT_EQ(0x01, x86_pic_model_read(&p, 0x20));
	pic_out(&p, 0x20, 0x0a);
	EXPECT_EQ(0x00, x86_pic_model_read(&p, 0x20));
	p.acked = 0;
	pic_out(&p, 0x20, 0x20);	/* non-specific EOI */
	EXPECT_EQ(0, p.chip[0].isr);
	EXPECT_EQ(1, p.acked);
	/* Low then high: a new edge. */
	x86_pic_model_set(&p, 0, X86_IRQ_SRC_USER, false);
	EXPECT_EQ(1, x86_pic_model_set(&p, 0, X86_IRQ_SRC_USER, true));
	EXPECT_TRUE(p.output);
}

TEST(pic_sources_or)
{
	struct x86_pic_model p;

	pic_setup(&p, 0x01);
	pic_out(&p, 0x4d0, 0x08);	/* IRQ 3 level */
	x86_pic_model_set(&p, 3, X86_IRQ_SRC_USER, true);
	x86_pic_model_set(&p, 3, X86_IRQ_SRC_PIT, true);
	x86_pic_model_set(&p, 3, X86_IRQ_SRC_PIT, false);
	/* The user still holds it high. */
	EXPECT_EQ(0x08, p.chip[0].irr);
	x86_pic_model_set(&p, 3, X86_IRQ_SRC_USER, false);
	EXPECT_EQ(0x00, p.chip[0].irr);
}

TEST(pic_priority_and_nesting)
{
	struct x86_pic_model p;

	pic_setup(&p, 0x01);
	x86_pic_model_set(&p, 3, 0, true);
	x86_pic_model_set(&p, 1, 0, true);
	EXPECT_EQ(0x21, x86_pic_model_intack(&p));
	/* IRQ 3 waits behind IRQ 1 in service... */
	EXPECT_FALSE(p.output);
	/* ...IRQ 0 does not. */
	x86_pic_model_set(&p, 0, 0, true);
	EXPECT_TRUE(p.output);
	EXPECT_EQ(0x20, x86_pic_model_intack(&p));
	EXPECT_EQ(0x03, p.chip[0].isr);
	pic_out(&p, 0x20, 0x20);	/* EOI retires the highest: 0 */
	EXPECT_EQ(0x02, p.chip[0].isr);
	EXPECT_FALSE(p.output);
	pic_out(&p, 0x20, 0x61);	/* specific EOI for 1 */
	EXPECT_EQ(0x00, p.chip[0].isr);
	EXPECT_TRUE(p.output);
	EXPECT_EQ(0x23, x86_pic_model_intack(&p));
}

TEST(pic_masked)
{
	struct x86_pic_model p;

	pic_setup(&p, 0x01);
	pic_out(&p, 0x21, 0x10);
	EXPECT_EQ(-1, x86_pic_model_set(&p, 4, 0, true));
	EXPECT_FALSE(p.output);
	EXPECT_EQ(0x10, p.chip[0].irr);
	p.unmasked = 0;
	pic_out(&p, 0x21, 0x00);
	EXPECT_EQ(0x10, p.unmasked);
	EXPECT_TRUE(p.output);
	/* Nothing left after the ack: the spurious IRQ 7. */
	EXPECT_EQ(0x24, x86_pic_model_intack(&p));
	EXPECT_EQ(0x27, x86_pic_model_intack(&p));
	EXPECT_EQ(0x10, p.chip[0].isr);
}

TEST(pic_rotation)
{
	struct x86_pic_model p;

	pic_setup(&p, 0x01);
	pic_out(&p, 0x20, 0xc4);	/* IRQ 4 lowest: 5 highest */
	EXPECT_EQ(5, p.chip[0].priority_add);
	x86_pic_model_set(&p, 3, 0, true);
	x86_pic_model_set(&p, 6, 0, true);
	EXPECT_EQ(0x26, x86_pic_model_intack(&p));
	pic_out(&p, 0x20, 0xa0);	/* rotate on non-specific EOI */
	EXPECT_EQ(7, p.chip[0].priority_add);
	EXPECT_EQ(0x23, x86_pic_model_intack(&p));
	pic_out(&p, 0x20, 0xe3);	/* rotate on specific EOI 3 */
	EXPECT_EQ(4, p.chip[0].priority_add);
	EXPECT_EQ(0, p.chip[0].isr);
	/* Out-of-range state from SET_IRQCHIP is masked, not indexed. */
	p.chip[0].priority_add = 0xff;
	x86_pic_model_set(&p, 2, 0, true);
	x86_pic_model_intack(&p);
}

TEST(pic_level_elcr)
{
	struct x86_pic_model p;

	pic_setup(&p, 0x01);
	pic_out(&p, 0x4d0, 0xff);
	EXPECT_EQ(0xf8, x86_pic_model_read(&p, 0x4d0));
	pic_out(&p, 0x4d1, 0xff);
	EXPECT_EQ(0xde, x86_pic_model_read(&p, 0x4d1));
	EXPECT_EQ(1, x86_pic_model_set(&p, 5, 0, true));
	EXPECT_EQ(0x25, x86_pic_model_intack(&p));
	/* A level request stays while the line is high. */
	EXPECT_EQ(0x20, p.chip[0].irr);
	pic_out(&p, 0x20, 0x20);
	EXPECT_TRUE(p.output);
	x86_pic_model_set(&p, 5, 0, false);
	EXPECT_EQ(0, p.chip[0].irr);
	EXPECT_FALSE(p.output);
}

TEST(pic_cascade)
{
	struct x86_pic_model p;

	pic_setup(&p, 0x01);
	x86_pic_model_set(&p, 10, 0, true);
	EXPECT_TRUE(p.output);
	EXPECT_EQ(0x2a, x86_pic_model_intack(&p));
	EXPECT_EQ(0x04, p.chip[0].isr);
	EXPECT_EQ(0x04, p.chip[1].isr);
	/* Nothing on the slave when the master says IR2: slave's IRQ 7. */
	p.chip[0].irr |= 0x04;
	p.chip[0].isr = 0;
	EXPECT_EQ(0x2f, x86_pic_model_intack(&p));
}

TEST(pic_auto_eoi)
{
	struct x86_pic_model p;

	pic_setup(&p, 0x03);
	p.acked = 0;
	x86_pic_model_set(&p, 12, 0, true);
	EXPECT_EQ(0x2c, x86_pic_model_intack(&p));
	EXPECT_EQ(0, p.chip[1].isr);
	EXPECT_EQ(1u << 12, p.acked);
	/* Rotate in AEOI mode */
	pic_out(&p, 0xa0, 0x80);
	x86_pic_model_set(&p, 9, 0, true);
	pic_out(&p, 0x20, 0x20);	/* the master's IR2 */
	EXPECT_EQ(0x29, x86_pic_model_intack(&p));
	EXPECT_EQ(2, p.chip[1].priority_add);
}

TEST(pic_poll)
{
	struct x86_pic_model p;

	pic_setup(&p, 0x01);
	pic_out(&p, 0x20, 0x0c);
	EXPECT_EQ(7, x86_pic_model_read(&p, 0x20));
	EXPECT_EQ(0, p.chip[0].poll);
	x86_pic_model_set(&p, 6, 0, true);
	pic_out(&p, 0x20, 0x0c);
	EXPECT_EQ(6, x86_pic_model_read(&p, 0x21));
	EXPECT_EQ(0, p.chip[0].irr);
	EXPECT_EQ(0, p.chip[0].isr);
}

TEST(pic_special_mask)
{
	struct x86_pic_model p;

	pic_setup(&p, 0x01);
	x86_pic_model_set(&p, 1, 0, true);
	EXPECT_EQ(0x21, x86_pic_model_intack(&p));
	pic_out(&p, 0x21, 0x02);
	x86_pic_model_set(&p, 3, 0, true);
	EXPECT_FALSE(p.output);
	pic_out(&p, 0x20, 0x68);	/* special mask on */
	EXPECT_TRUE(p.output);
	pic_out(&p, 0x20, 0x48);	/* off */
	EXPECT_FALSE(p.output);
}

TEST(pic_ports)
{
	EXPECT_TRUE(x86_pic_model_port(0x20, 1));
	EXPECT_TRUE(x86_pic_model_port(0x20, 2));
	EXPECT_FALSE(x86_pic_model_port(0x21, 2));
	EXPECT_FALSE(x86_pic_model_port(0x20, 4));
	EXPECT_TRUE(x86_pic_model_port(0xa1, 1));
	EXPECT_TRUE(x86_pic_model_port(0x4d1, 1));
	EXPECT_FALSE(x86_pic_model_port(0x4d2, 1));
	EXPECT_FALSE(x86_pic_model_port(0x22, 1));
}

/* ---- I/O APIC ---- */

#define BASE	X86_IOAPIC_BASE

static void io_wr(struct x86_ioapic_model *m, u32 reg, u32 val)
{
	x86_ioapic_model_write(m, BASE, 4, reg);
	x86_ioapic_model_write(m, BASE + 0x10, 4, val);
}

static u32 io_rd(struct x86_ioapic_model *m, u32 reg)
{
	x86_ioapic_model_write(m, BASE, 4, reg);
	return x86_ioapic_model_read(m, BASE + 0x10, 4);
}

TEST(ioapic_registers)
{
	struct x86_ioapic_model m;

	x86_ioapic_model_init(&m);
	EXPECT_EQ(0x00170011u, io_rd(&m, 1));
	io_wr(&m, 0, 0xffffffff);
	EXPECT_EQ(0x0f000000u, io_rd(&m, 0));
	EXPECT_EQ(0x0f000000u, io_rd(&m, 2));	/* arbitration */
	EXPECT_EQ(0x10000u, io_rd(&m, 0x10));
	EXPECT_EQ(0u, io_rd(&m, 0x11));
	EXPECT_EQ(0xffffffffu, io_rd(&m, 0x40));
	EXPECT_EQ(0xffffffffu, io_rd(&m, 0x03));
	/* IOREGSEL is 8 bits; reads back through any width. */
	x86_ioapic_model_write(&m, BASE, 4, 0x1234);
	EXPECT_EQ(0x34u, x86_ioapic_model_read(&m, BASE, 8));
	EXPECT_EQ(0x34u, x86_ioapic_model_read(&m, BASE, 1));
	EXPECT_EQ(0u, x86_ioapic_model_read(&m, BASE + 0x20, 4));
	/* Remote IRR and delivery status are read-only. */
	io_wr(&m, 0x12, 0x2035 | 1u << 14 | 1u << 12);
	EXPECT_EQ(0x2035u, io_rd(&m, 0x12));
	io_wr(&m, 0x13, 0xff000000);
	EXPECT_EQ(0xff00000000002035ULL, m.s.redirtbl[1].bits);
	EXPECT_TRUE(x86_ioapic_model_mmio(&m, BASE + 0xff, 1));
	EXPECT_FALSE(x86_ioapic_model_mmio(&m, BASE + 0xfd, 4));
	EXPECT_FALSE(x86_ioapic_model_mmio(&m, BASE + 0x100, 1));
	EXPECT_FALSE(x86_ioapic_model_mmio(&m, BASE - 1, 4));
	/* Moved by SET_IRQCHIP: answered neither here nor there. */
	m.s.base_address = BASE + 0x1000;
	EXPECT_FALSE(x86_ioapic_model_mmio(&m, BASE, 4));
	EXPECT_FALSE(x86_ioapic_model_mmio(&m, BASE + 0x1000, 4));
}

TEST(ioapic_edge)
{
	struct kvm_ioapic_state s;
	struct x86_ioapic_model m;

	x86_ioapic_model_init(&m);
	io_wr(&m, 0x10 + 2 * 4, 0x31);
	EXPECT_EQ(1, x86_ioapic_model_set(&m, 4, 0, true));
	EXPECT_EQ(1u << 4, x86_ioapic_model_take(&m));
	x86_ioapic_model_get(&m, &s);
	EXPECT_EQ(0u, s.irr);
	EXPECT_EQ(0, x86_ioapic_model_set(&m, 4, 0, true));
	EXPECT_EQ(0u, x86_ioapic_model_take(&m));
	x86_ioapic_model_set(&m, 4, 0, false);
	EXPECT_EQ(1, x86_ioapic_model_set(&m, 4, 0, true));
	EXPECT_EQ(1u << 4, x86_ioapic_model_take(&m));
	/* Masked: kept in IRR, not sent. */
	x86_ioapic_model_set(&m, 4, 0, false);
	io_wr(&m, 0x10 + 2 * 4, 0x10031);
	EXPECT_EQ(-1, x86_ioapic_model_set(&m, 4, 0, true));
	x86_ioapic_model_get(&m, &s);
	EXPECT_EQ(1u << 4, s.irr);
	EXPECT_EQ(0u, x86_ioapic_model_take(&m));
	/* Unmasking an edge pin sends nothing. */
	io_wr(&m, 0x10 + 2 * 4, 0x31);
	EXPECT_EQ(1u << 4, m.unmasked);
	EXPECT_EQ(0u, x86_ioapic_model_take(&m));
	/* EOI of an edge vector: reported, nothing else. */
	x86_ioapic_model_eoi(&m, 0x31);
	EXPECT_EQ(1u << 4, m.acked);
	EXPECT_EQ(0u, x86_ioapic_model_take(&m));
}

TEST(ioapic_level)
{
	struct x86_ioapic_model m;

	x86_ioapic_model_init(&m);
	io_wr(&m, 0x10 + 2 * 9, 0x8041);
	EXPECT_EQ(1, x86_ioapic_model_set(&m, 9, 0, true));
	EXPECT_EQ(1u << 9, x86_ioapic_model_take(&m));
	EXPECT_TRUE(m.s.redirtbl[9].bits & X86_IOAPIC_REMOTE_IRR);
	/* Waiting for EOI */
	EXPECT_EQ(-1, x86_ioapic_model_set(&m, 9, 0, true));
	EXPECT_EQ(0u, x86_ioapic_model_take(&m));
	/* EOI with the line still high: again. */
	x86_ioapic_model_eoi(&m, 0x41);
	EXPECT_EQ(1u << 9, x86_ioapic_model_take(&m));
	EXPECT_TRUE(m.s.redirtbl[9].bits & X86_IOAPIC_REMOTE_IRR);
	/* Line low, EOI: done. */
	x86_ioapic_model_set(&m, 9, 0, false);
	x86_ioapic_model_eoi(&m, 0x41);
	EXPECT_EQ(0u, x86_ioapic_model_take(&m));
	EXPECT_FALSE(m.s.redirtbl[9].bits & X86_IOAPIC_REMOTE_IRR);
	/* No local APIC took it: no EOI will come. */
	x86_ioapic_model_set(&m, 9, 0, true);
	EXPECT_EQ(1u << 9, x86_ioapic_model_take(&m));
	x86_ioapic_model_coalesced(&m, 9);
	EXPECT_FALSE(m.s.redirtbl[9].bits & X86_IOAPIC_REMOTE_IRR);
	/* Switching to edge clears remote IRR. */
	x86_ioapic_model_eoi(&m, 0x41);
	x86_ioapic_model_take(&m);
	EXPECT_TRUE(m.s.redirtbl[9].bits & X86_IOAPIC_REMOTE_IRR);
	io_wr(&m, 0x10 + 2 * 9, 0x0041);
	EXPECT_FALSE(m.s.redirtbl[9].bits & X86_IOAPIC_REMOTE_IRR);
}

TEST(ioapic_unmask_level_sends)
{
	struct x86_ioapic_model m;

	x86_ioapic_model_init(&m);
	io_wr(&m, 0x10 + 2 * 20, 0x18050);
	EXPECT_EQ(-1, x86_ioapic_model_set(&m, 20, 0, true));
	EXPECT_EQ(0u, x86_ioapic_model_take(&m));
	io_wr(&m, 0x10 + 2 * 20, 0x08050);
	EXPECT_EQ(1u << 20, x86_ioapic_model_take(&m));
}

TEST(ioapic_eoi_storm)
{
	struct x86_ioapic_model m;
	int i, sent = 0;

	x86_ioapic_model_init(&m);
	io_wr(&m, 0x10 + 2 * 7, 0x8061);
	x86_ioapic_model_set(&m, 7, 0, true);
	x86_ioapic_model_take(&m);
	for (i = 0; i < 20000; i++) {
		x86_ioapic_model_eoi(&m, 0x61);
		sent += !!x86_ioapic_model_take(&m);
	}
	/* A line that never drops stops being re-sent at some point. */
	EXPECT_LT(sent, 20000);
	EXPECT_GE(sent, 9999);
}

TEST(ioapic_set_state)
{
	struct kvm_ioapic_state s, g;
	struct x86_ioapic_model m;
	int i;

	x86_ioapic_model_init(&m);
	memset(&s, 0, sizeof(s));
	s.base_address = BASE;
	for (i = 0; i < X86_IOAPIC_PINS; i++)
		s.redirtbl[i].bits = X86_IOAPIC_MASKED | (0x30 + i);
	s.redirtbl[1].bits = 0x31;		/* edge, unmasked */
	s.irr = 0x3;
	x86_ioapic_model_set_state(&m, &s);
	EXPECT_EQ(2u, x86_ioapic_model_take(&m));
	x86_ioapic_model_get(&m, &g);
	EXPECT_EQ(1u, g.irr);
	/* A hostile IOREGSEL still only indexes the table. */
	s.ioregsel = 0xffffffff;
	x86_ioapic_model_set_state(&m, &s);
	x86_ioapic_model_write(&m, BASE + 0x10, 4, 1);
	EXPECT_EQ(0xffffffffULL, x86_ioapic_model_read(&m, BASE + 0x10, 4));
}

/* ---- PIT ---- */

#define NS(ticks)	((s64)((ticks) * 1000000000ULL / X86_PIT_HZ))

TEST(pit_init)
{
	struct x86_pit_model p;
	int i;

	x86_pit_model_init(&p, 1000, true);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0xff, p.s.channels[i].mode);
		EXPECT_EQ(0x10000u, p.s.channels[i].count);
		EXPECT_EQ(i != 2, p.s.channels[i].gate);
		EXPECT_EQ(i ? 1000 : 0, p.s.channels[i].count_load_time);
	}
	EXPECT_FALSE(p.armed);
	EXPECT_FALSE(p.timer_changed);
}

TEST(pit_periodic_timer)
{
	struct x86_pit_model p;
	s64 t0 = 5000000000LL;
	int c;

	x86_pit_model_init(&p, 0, true);
	x86_pit_model_write(&p, 0x43, 0x34, t0);
	x86_pit_model_write(&p, 0x40, 0x9c, t0);
	EXPECT_FALSE(p.timer_changed);
	x86_pit_model_write(&p, 0x40, 0x2e, t0);
	EXPECT_TRUE(p.timer_changed);
	EXPECT_TRUE(p.armed);
	EXPECT_TRUE(p.periodic);
	EXPECT_EQ(t0 + NS(0x2e9c), p.first_ns);
	EXPECT_EQ(NS(0x2e9c), p.period_ns);
	/* A third of the way through the second period. */
	c = x86_pit_model_count(&p, 0, t0 + NS(0x2e9c) + NS(11932 / 3));
	EXPECT_LE(0x2e9c - 11932 / 3 - 2, c);
	EXPECT_GE(0x2e9c - 11932 / 3 + 2, c);
	/* Short periods are stretched to the minimum. */
	x86_pit_model_write(&p, 0x43, 0x14, t0);
	x86_pit_model_write(&p, 0x40, 10, t0);
	EXPECT_EQ(X86_PIT_MIN_PERIOD_NS, p.period_ns);
	EXPECT_EQ(t0 + NS(10), p.first_ns);
	/* No I/O APIC: kvm.ko runs no timer. */
	x86_pit_model_init(&p, 0, false);
	x86_pit_model_write(&p, 0x43, 0x14, t0);
	x86_pit_model_write(&p, 0x40, 10, t0);
	EXPECT_FALSE(p.armed);
}

TEST(pit_lsb_msb_and_latch)
{
	struct x86_pit_model p;
	s64 t0 = 1000000;

	x86_pit_model_init(&p, 0, true);
	/* ch1, lo/hi, mode 2, count 1000 */
	x86_pit_model_write(&p, 0x43, 0x74, t0);
	x86_pit_model_write(&p, 0x41, 1000 & 0xff, t0);
	x86_pit_model_write(&p, 0x41, 1000 >> 8, t0);
	EXPECT_EQ(t0, p.s.channels[1].count_load_time);
	/* 100 ticks later */
	EXPECT_EQ(900 & 0xff, x86_pit_model_read(&p, 0x41, t0 + NS(100) + 1));
	EXPECT_EQ(900 >> 8, x86_pit_model_read(&p, 0x41, t0 + NS(100) + 1));
	x86_pit_model_write(&p, 0x43, 0x40, t0 + NS(200) + 1);
	EXPECT_EQ(3, p.s.channels[1].count_latched);
	/* The latch holds while time passes; a second latch is ignored. */
	x86_pit_model_write(&p, 0x43, 0x40, t0 + NS(300) + 1);
	EXPECT_EQ(800 & 0xff, x86_pit_model_read(&p, 0x41, t0 + NS(500)));
	EXPECT_EQ(800 >> 8, x86_pit_model_read(&p, 0x41, t0 + NS(500)));
	EXPECT_EQ(0, p.s.channels[1].count_latched);
	/* lsb-only mode */
	x86_pit_model_write(&p, 0x43, 0x50, t0);
	x86_pit_model_write(&p, 0x41, 0x80, t0);
	EXPECT_EQ(0x80u, p.s.channels[1].count);
	EXPECT_EQ(0x70, x86_pit_model_read(&p, 0x41, t0 + NS(16) + 1));
	/* msb-only */
	x86_pit_model_write(&p, 0x43, 0x60, t0);
	x86_pit_model_write(&p, 0x41, 0x12, t0);
	EXPECT_EQ(0x1200u, p.s.channels[1].count);
	EXPECT_EQ(0x12, x86_pit_model_read(&p, 0x41, t0));
	EXPECT_EQ(0, x86_pit_model_read(&p, 0x43, t0));
}

TEST(pit_modes_out)
{
	struct x86_pit_model p;
	s64 t0 = 0;

	x86_pit_model_init(&p, 0, true);
	/* ch2, mode 0, count 100: OUT rises at terminal count. */
	x86_pit_model_write(&p, 0x43, 0xb0, t0);
	x86_pit_model_write(&p, 0x42, 100, t0);
	x86_pit_model_write(&p, 0x42, 0, t0);
	EXPECT_FALSE(x86_pit_model_out(&p, 2, t0 + NS(50)));
	EXPECT_TRUE(x86_pit_model_out(&p, 2, t0 + NS(101)));
	/* and the count wraps through 0xffff */
	EXPECT_EQ(0xffff - 9, x86_pit_model_count(&p, 2, t0 + NS(110) + 1));
	/* mode 3: square wave, high for the first half; counts by two. */
	x86_pit_model_write(&p, 0x43, 0xb6, t0);
	x86_pit_model_write(&p, 0x42, 100, t0);
	x86_pit_model_write(&p, 0x42, 0, t0);
	EXPECT_TRUE(x86_pit_model_out(&p, 2, t0 + NS(10) + 1));
	EXPECT_FALSE(x86_pit_model_out(&p, 2, t0 + NS(60) + 1));
	EXPECT_EQ(80, x86_pit_model_count(&p, 2, t0 + NS(10) + 1));
	/* mode 1: OUT low while counting */
	x86_pit_model_write(&p, 0x43, 0xb2, t0);
	x86_pit_model_write(&p, 0x42, 100, t0);
	x86_pit_model_write(&p, 0x42, 0, t0);
	EXPECT_TRUE(x86_pit_model_out(&p, 2, t0 + NS(10) + 1));
	EXPECT_FALSE(x86_pit_model_out(&p, 2, t0 + NS(101) + 1));
	/* mode 4: a strobe at terminal count only */
	x86_pit_model_write(&p, 0x43, 0xb8, t0);
	x86_pit_model_write(&p, 0x42, 100, t0);
	x86_pit_model_write(&p, 0x42, 0, t0);
	EXPECT_FALSE(x86_pit_model_out(&p, 2, t0 + NS(99) + 1));
	EXPECT_TRUE(x86_pit_model_out(&p, 2, t0 + NS(100) + 1));
	EXPECT_FALSE(x86_pit_model_out(&p, 2, t0 + NS(101) + 1));
	/* modes 6 and 7 are 2 and 3 */
	x86_pit_model_write(&p, 0x43, 0xbc, t0);
	EXPECT_EQ(2, p.s.channels[2].mode);
	x86_pit_model_write(&p, 0x43, 0xbf, t0);
	EXPECT_EQ(3, p.s.channels[2].mode);
	EXPECT_EQ(1, p.s.channels[2].bcd);
}

TEST(pit_read_back)
{
	struct x86_pit_model p;

	x86_pit_model_init(&p, 0, true);
	x86_pit_model_write(&p, 0x43, 0x34, 0);
	x86_pit_model_write(&p, 0x40, 0, 0);
	x86_pit_model_write(&p, 0x40, 0x10, 0);
	x86_pit_model_write(&p, 0x43, 0x75, 0);	/* ch1 lo/hi mode 2 BCD */
	/* status and count of ch0 and ch1 */
	x86_pit_model_write(&p, 0x43, 0xc6, 0);
	EXPECT_EQ(0x34, x86_pit_model_read(&p, 0x40, 0));
	EXPECT_EQ(0x00, x86_pit_model_read(&p, 0x40, 0));
	EXPECT_EQ(0x10, x86_pit_model_read(&p, 0x40, 0));
	EXPECT_EQ(0x35, x86_pit_model_read(&p, 0x41, 0) & 0x7f);
	/* status only */
	x86_pit_model_write(&p, 0x43, 0xe2, 0);
	EXPECT_EQ(1, p.s.channels[0].status_latched);
	EXPECT_EQ(0, p.s.channels[0].count_latched);
}

TEST(pit_gate_and_speaker)
{
	struct x86_pit_model p;

	x86_pit_model_init(&p, 0, true);
	x86_pit_model_write(&p, 0x43, 0xb6, 10);	/* ch2 mode 3 */
	x86_pit_model_write(&p, 0x42, 0x00, 10);
	x86_pit_model_write(&p, 0x42, 0x10, 10);
	EXPECT_EQ(0, x86_pit_model_speaker_read(&p, 20) & 3);
	x86_pit_model_speaker_write(&p, 3, 5000);
	EXPECT_EQ(5000, p.s.channels[2].count_load_time);
	EXPECT_EQ(KVM_PIT_FLAGS_SPEAKER_DATA_ON, p.s.flags);
	EXPECT_EQ(0x23, x86_pit_model_speaker_read(&p, 5000) & 0x2f);
	/* A gate already high restarts nothing; mode 0 never restarts. */
	x86_pit_model_speaker_write(&p, 1, 9000);
	EXPECT_EQ(5000, p.s.channels[2].count_load_time);
	EXPECT_EQ(0u, p.s.flags);
	x86_pit_model_write(&p, 0x43, 0xb0, 10);
	x86_pit_model_speaker_write(&p, 0, 9000);
	x86_pit_model_speaker_write(&p, 1, 9500);
	EXPECT_EQ(5000, p.s.channels[2].count_load_time);
	/* bit 4 toggles every 2^14 ns */
	EXPECT_NE(x86_pit_model_speaker_read(&p, 0) & 0x10,
		  x86_pit_model_speaker_read(&p, 1 << 14) & 0x10);
}

TEST(pit_set_state)
{
	struct kvm_pit_state2 s;
	struct x86_pit_model p;

	x86_pit_model_init(&p, 0, true);
	memset(&s, 0, sizeof(s));
	s.channels[0].mode = 2;
	s.channels[0].count = 0;
	s.channels[1].count = 0xffffffff;	/* hostile, kept */
	s.channels[1].mode = 3;
	s.channels[2].count_load_time = (s64)0x8000000000000000ULL;
	s.channels[2].mode = 2;
	x86_pit_model_set_state(&p, &s, 777);
	EXPECT_EQ(0x10000u, p.s.channels[0].count);
	EXPECT_TRUE(p.armed);
	EXPECT_TRUE(p.periodic);
	EXPECT_EQ(777, p.s.channels[1].count_load_time);
	x86_pit_model_count(&p, 1, 1LL << 62);
	x86_pit_model_out(&p, 1, 1LL << 62);
	/* Entering HPET legacy mode stops channel 0's timer. */
	s.flags = KVM_PIT_FLAGS_HPET_LEGACY;
	p.timer_changed = false;
	x86_pit_model_set_state(&p, &s, 800);
	EXPECT_TRUE(p.timer_changed);
	EXPECT_FALSE(p.armed);
	EXPECT_EQ(2, p.s.channels[0].mode);
	/* and loads in it start none */
	x86_pit_model_write(&p, 0x43, 0x34, 900);
	x86_pit_model_write(&p, 0x40, 0x10, 900);
	x86_pit_model_write(&p, 0x40, 0x10, 900);
	EXPECT_FALSE(p.armed);
}

TEST_HARNESS_MAIN
