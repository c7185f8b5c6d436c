// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/x86/pit.h"

/* 8254 against a fake clock; IRQ0 edges are counted. */

struct env {
	uint64_t now, armed, step;
	int arms, rises, level;
};

static uint64_t now(void *ctx)
{
	struct env *e = ctx;

	e->now += e->step;	/* a clock that moves between reads */
	return e->now;
}

static void arm(void *ctx, uint64_t deadline)
{
	struct env *e = ctx;

	e->armed = deadline;
	e->arms++;
}

static void irq(void *ctx, unsigned int n, int level)
{
	struct env *e = ctx;

	if (level && !e->level)
		e->rises++;
	e->level = level;
}

static void setup(struct pit *p, struct env *e)
{
	struct irq_line l = { irq, e, 0 };

	memset(e, 0, sizeof(*e));
	e->now = 1000000000ULL;
	pit_init(p, l, now, arm, e);
}

static void out(struct pit *p, uint16_t port, uint8_t v)
{
	if (port == 0x61)
		pit_port61_io(p, 0, &v, 1, true);
	else
		pit_io(p, port - 0x40, &v, 1, true);
}

static uint8_t in(struct pit *p, uint16_t port)
{
	uint8_t v;

	if (port == 0x61)
		pit_port61_io(p, 0, &v, 1, false);
	else
		pit_io(p, port - 0x40, &v, 1, false);
	return v;
}

/* ns for n PIT clocks, rounded up. */
static uint64_t clocks(uint64_t n)
{
	return (n * 1000000000ULL + PIT_HZ - 1) / PIT_HZ;
}

TEST(periodic_mode2_ticks)
{
	struct pit p;
	struct env e;
	uint64_t t0;

	setup(&p, &e);
	out(&p, 0x43, 0x34);		/* ch0, lsb/msb, mode 2 */
	out(&p, 0x40, 0x9c);
	EXPECT_EQ(0, e.armed);		/* not counting until both bytes */
	out(&p, 0x40, 0x12);		/* 0x129c = 4764: 250 Hz */
	t0 = e.now;
	EXPECT_EQ(t0 + clocks(4764), e.armed);
	e.now = e.armed;
	pit_expire(&p);
	EXPECT_EQ(1, e.rises);
	EXPECT_EQ(0, e.level);		/* a pulse */
	EXPECT_EQ(t0 + clocks(2 * 4764), e.armed);
	/* Late timer: one tick for the missed period, next deadline ahead. */
	e.now = t0 + clocks(5 * 4764) + 10;
	pit_expire(&p);
	EXPECT_EQ(2, e.rises);
	EXPECT_EQ(t0 + clocks(6 * 4764), e.armed);
	/* Early wakeup: nothing. */
	e.now = e.armed - 1000;
	pit_expire(&p);
	EXPECT_EQ(2, e.rises);
}

/*
 * A guest that programs a count of 1 in a periodic mode asks for an
 * interrupt every 838 ns; the VMM's timer fires at most every
 * PIT_MIN_PERIOD_NS (like the local APIC's), whatever the count.
 */
TEST(periodic_rate_is_clamped)
{
	static const uint8_t modes[] = { 0x34, 0x36 };	/* modes 2 and 3 */

	for (unsigned int i = 0; i < sizeof(modes); i++) {
		struct pit p;
		struct env e;
		uint64_t t0;

		setup(&p, &e);
		out(&p, 0x43, modes[i]);
		out(&p, 0x40, 2);
		out(&p, 0x40, 0);		/* count 2: 1.7 us */
		t0 = e.now;
		EXPECT_LE(t0 + PIT_MIN_PERIOD_NS, e.armed);
		/* 10 ms of a timer serviced the moment it fires. */
		while (e.armed && e.armed < t0 + 10000000ULL) {
			uint64_t prev = e.armed;

			e.now = e.armed;
			pit_expire(&p);
			ASSERT_LE(prev + PIT_MIN_PERIOD_NS, e.armed);
		}
		EXPECT_LE(e.rises, 10000000ULL / PIT_MIN_PERIOD_NS);
		EXPECT_GE(e.rises, 10000000ULL / PIT_MIN_PERIOD_NS - 1);
		/* The counter the guest reads still runs at the PIT's rate. */
		EXPECT_LE(pit_count(&p, 0, e.now), 2);
	}
}

TEST(oneshot_mode4_like_linux)
{
	struct pit p;
	struct env e;

	setup(&p, &e);
	out(&p, 0x43, 0x38);		/* ch0, lsb/msb, mode 4 */
	out(&p, 0x40, 0xe8);
	out(&p, 0x40, 0x03);		/* 1000 clocks */
	EXPECT_EQ(e.now + clocks(1000), e.armed);
	e.now += clocks(1000);
	pit_expire(&p);
	EXPECT_EQ(1, e.rises);
	e.now += clocks(70000);
	pit_expire(&p);
	EXPECT_EQ(1, e.rises);		/* only once */
	/* Reprogramming the count starts a new shot. */
	out(&p, 0x40, 0x64);
	out(&p, 0x40, 0x00);
	EXPECT_EQ(e.now + clocks(100), e.armed);
	e.now += clocks(100);
	pit_expire(&p);
	EXPECT_EQ(2, e.rises);
}

TEST(short_oneshot_expired_before_arming_still_fires)
{
	struct pit p;
	struct env e;

	/* Linux's minimum delta (15 clocks) can pass while the VMM works. */
	setup(&p, &e);
	out(&p, 0x43, 0x38);
	out(&p, 0x40, 0x0f);
	e.step = clocks(20);
	out(&p, 0x40, 0x00);
	e.step = 0;
	ASSERT_NE(0, e.armed);		/* armed in the past: fires at once */
	EXPECT_LE(e.armed, e.now);
	pit_expire(&p);
	EXPECT_EQ(1, e.rises);
	pit_expire(&p);
	EXPECT_EQ(1, e.rises);
}

TEST(shutdown_sequence_disarms)
{
	struct pit p;
	struct env e;

	setup(&p, &e);
	out(&p, 0x43, 0x34);
	out(&p, 0x40, 0x9c);
	out(&p, 0x40, 0x12);
	EXPECT_NE(0, e.armed);
	out(&p, 0x43, 0x30);		/* mode 0: counting stops */
	EXPECT_EQ(0, e.armed);
}

TEST(counter_latch_and_read)
{
	struct pit p;
	struct env e;
	uint16_t v;

	setup(&p, &e);
	out(&p, 0x43, 0x34);
	out(&p, 0x40, 0x00);
	out(&p, 0x40, 0x10);		/* 4096 */
	e.now += clocks(100) + 1;
	out(&p, 0x43, 0x00);		/* latch ch0 */
	e.now += clocks(1000);		/* the latch holds */
	v = in(&p, 0x40);
	v |= in(&p, 0x40) << 8;
	EXPECT_EQ(4096 - 100, v);
	v = in(&p, 0x40);		/* now live again */
	v |= in(&p, 0x40) << 8;
	EXPECT_EQ(4096 - 1100, v);
}

TEST(readback_status)
{
	struct pit p;
	struct env e;

	setup(&p, &e);
	out(&p, 0x43, 0xb6);		/* ch2, lsb/msb, mode 3 */
	out(&p, 0x43, 0xe8);		/* read-back: status only, ch2 */
	EXPECT_EQ(0x40 | 0x30 | 0x06, in(&p, 0x42) & 0x7f);
}

TEST(channel2_gate_and_out_for_tsc_calibration)
{
	struct pit p;
	struct env e;

	setup(&p, &e);
	out(&p, 0x61, (in(&p, 0x61) & ~0x02) | 0x01);	/* gate on */
	out(&p, 0x43, 0xb0);		/* ch2, lsb/msb, mode 0 */
	out(&p, 0x42, 0x2e);
	out(&p, 0x42, 0x9b);		/* 0x9b2e = 39726 clocks */
	EXPECT_EQ(0, in(&p, 0x61) & 0x20);
	e.now += clocks(39725);
	EXPECT_EQ(0, in(&p, 0x61) & 0x20);
	e.now += clocks(2);
	EXPECT_EQ(0x20, in(&p, 0x61) & 0x20);
	EXPECT_EQ(0, e.rises);		/* channel 2 has no interrupt */
	/* The refresh bit toggles between reads. */
	EXPECT_NE(in(&p, 0x61) & 0x10, in(&p, 0x61) & 0x10);
}

TEST(msb_only_reads)
{
	struct pit p;
	struct env e;

	setup(&p, &e);
	out(&p, 0x61, 0x01);
	out(&p, 0x43, 0xa0);		/* ch2, msb only, mode 0 */
	out(&p, 0x42, 0xff);		/* 0xff00 */
	e.now += clocks(0x100) + 1;
	EXPECT_EQ(0xfe, in(&p, 0x42));
}

TEST_HARNESS_MAIN
