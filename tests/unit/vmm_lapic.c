// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/x86/lapic.h"

/* Local APICs of a 4-vCPU group against a fake clock. */

#define N 4

struct env {
	uint64_t now;
	struct lapic apic[N];
	struct lapic *ptr[N];
	uint64_t armed[N];
	int notified[N];
};

struct slot {
	struct env *e;
	unsigned int i;
};

static struct slot slots[N];

static uint64_t now(void *ctx)
{
	struct slot *s = ctx;

	return s->e->now;
}

static void arm(void *ctx, uint64_t deadline)
{
	struct slot *s = ctx;

	s->e->armed[s->i] = deadline;
}

static void notify(void *ctx)
{
	struct slot *s = ctx;

	s->e->notified[s->i]++;
}

static void setup(struct env *e)
{
	memset(e, 0, sizeof(*e));
	e->now = 5000000000ULL;
	for (unsigned int i = 0; i < N; i++) {
		slots[i].e = e;
		slots[i].i = i;
		e->ptr[i] = &e->apic[i];
	}
	for (unsigned int i = 0; i < N; i++)
		lapic_init(&e->apic[i], i, e->ptr, N, now, arm, notify, &slots[i]);
}

static uint32_t rd(struct lapic *l, uint32_t off)
{
	uint8_t d[4];

	lapic_io(l, off, d, 4, false);
	return d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24;
}

static void wr(struct lapic *l, uint32_t off, uint32_t v)
{
	uint8_t d[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	lapic_io(l, off, d, 4, true);
}

static void enable(struct lapic *l)
{
	wr(l, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xff);
}

TEST(reset_state)
{
	struct env e;
	struct lapic *l;

	setup(&e);
	l = &e.apic[2];
	EXPECT_EQ(2u << 24, rd(l, LAPIC_ID));
	EXPECT_EQ(LAPIC_VERSION, rd(l, LAPIC_VER));
	EXPECT_EQ(5u, (rd(l, LAPIC_VER) >> 16) & 0xff);	/* max LVT */
	EXPECT_EQ(0xffffffffu, rd(l, LAPIC_DFR));
	EXPECT_EQ(0xffu, rd(l, LAPIC_SVR));
	for (uint32_t off = LAPIC_LVT_TIMER; off <= LAPIC_LVT_ERROR; off += 16)
		EXPECT_EQ(LAPIC_LVT_MASKED, rd(l, off));
	EXPECT_EQ(0u, rd(l, LAPIC_TPR));
	EXPECT_EQ(0u, rd(l, LAPIC_PPR));
	EXPECT_FALSE(lapic_extint(l));
	lapic_virtual_wire(&e.apic[0]);
	EXPECT_TRUE(lapic_extint(&e.apic[0]));
	EXPECT_EQ(DM_NMI << 8, rd(&e.apic[0], LAPIC_LVT_LINT1));
}

TEST(register_write_masks)
{
	struct env e;
	struct lapic *l;

	setup(&e);
	l = &e.apic[1];
	/* Software-disabled: LVT writes stay masked. */
	wr(l, LAPIC_LVT_TIMER, 0x20030);
	EXPECT_EQ(0x30030u, rd(l, LAPIC_LVT_TIMER));
	enable(l);
	wr(l, LAPIC_LVT_TIMER, 0xfff1f0ef);	/* junk in reserved bits */
	EXPECT_EQ(0x100efu, rd(l, LAPIC_LVT_TIMER));	/* mask, vector */
	wr(l, LAPIC_LVT_LINT0, 0xffffffff);
	EXPECT_EQ(0x1a7ffu, rd(l, LAPIC_LVT_LINT0));	/* no remote IRR, status */
	wr(l, LAPIC_DFR, 0);
	EXPECT_EQ(0x0fffffffu, rd(l, LAPIC_DFR));
	wr(l, LAPIC_LDR, 0x12345678);
	EXPECT_EQ(0x12000000u, rd(l, LAPIC_LDR));
	wr(l, LAPIC_TPR, 0x1234);
	EXPECT_EQ(0x34u, rd(l, LAPIC_TPR));
	wr(l, LAPIC_TDCR, 0xff);
	EXPECT_EQ(0xbu, rd(l, LAPIC_TDCR));
	wr(l, LAPIC_VER, 0);
	EXPECT_EQ(LAPIC_VERSION, rd(l, LAPIC_VER));
	/* Disabling the APIC masks every LVT. */
	wr(l, LAPIC_LVT_ERROR, 0xfe);
	EXPECT_EQ(0xfeu, rd(l, LAPIC_LVT_ERROR));
	wr(l, LAPIC_SVR, 0xff);
	EXPECT_EQ(LAPIC_LVT_MASKED | 0xfe, rd(l, LAPIC_LVT_ERROR));
	/* Sub-word reads see the register's bytes; odd writes do nothing. */
	uint8_t b;

	lapic_io(l, LAPIC_VER + 2, &b, 1, false);
	EXPECT_EQ(5, b);
	b = 0x77;
	lapic_io(l, LAPIC_TPR, &b, 1, true);
	EXPECT_EQ(0x34u, rd(l, LAPIC_TPR));
	/* Outside the page and misaligned: no crash, zeros. */
	uint8_t d[8];

	memset(d, 0xaa, sizeof(d));
	lapic_io(l, LAPIC_SIZE - 2, d, 4, false);
	EXPECT_EQ(0, d[0]);
	lapic_io(l, LAPIC_ID, d, 8, false);
	EXPECT_EQ(0, d[7]);
	lapic_io(l, 0x5000, d, 4, true);
}

TEST(priority_irr_isr_eoi)
{
	struct env e;
	struct lapic *l;

	setup(&e);
	l = &e.apic[0];
	lapic_accept(l, 0x41);
	EXPECT_EQ(-1, lapic_pending(l));	/* software-disabled */
	enable(l);
	EXPECT_EQ(0x41, lapic_pending(l));
	EXPECT_EQ(1u << 1, rd(l, LAPIC_IRR + 0x20));
	lapic_accept(l, 0x31);
	lapic_accept(l, 0xec);
	EXPECT_EQ(0xec, lapic_ack(l));
	EXPECT_EQ(1u << 12, rd(l, LAPIC_ISR + 0x70));
	EXPECT_EQ(0xe0u, rd(l, LAPIC_PPR));
	/* 0x41 is below the in-service class: held. */
	EXPECT_EQ(-1, lapic_pending(l));
	wr(l, LAPIC_EOI, 0);
	EXPECT_EQ(0u, rd(l, LAPIC_ISR + 0x70));
	EXPECT_EQ(0u, rd(l, LAPIC_PPR));
	/* TPR masks a class and below. */
	wr(l, LAPIC_TPR, 0x45);
	EXPECT_EQ(0x45u, rd(l, LAPIC_PPR));
	EXPECT_EQ(-1, lapic_pending(l));
	wr(l, LAPIC_TPR, 0x30);
	EXPECT_EQ(0x41, lapic_ack(l));
	EXPECT_EQ(0x40u, rd(l, LAPIC_PPR));	/* ISR class beats TPR */
	EXPECT_EQ(-1, lapic_ack(l));		/* 0x31: same class as TPR */
	wr(l, LAPIC_TPR, 0);
	EXPECT_EQ(-1, lapic_ack(l));		/* below in-service 0x41 */
	wr(l, LAPIC_EOI, 0);
	EXPECT_EQ(0x31, lapic_ack(l));
	wr(l, LAPIC_EOI, 0);
	EXPECT_EQ(-1, lapic_ack(l));
	wr(l, LAPIC_EOI, 0);			/* EOI with nothing in service */
	/* Nested: EOI retires the highest in-service vector first. */
	lapic_accept(l, 0x50);
	EXPECT_EQ(0x50, lapic_ack(l));
	lapic_accept(l, 0x60);
	EXPECT_EQ(0x60, lapic_ack(l));
	wr(l, LAPIC_EOI, 0);
	EXPECT_EQ(1u << 16, rd(l, LAPIC_ISR + 0x20));
	/* Illegal vectors: an error, no interrupt. */
	lapic_accept(l, 5);
	wr(l, LAPIC_ESR, 0);
	EXPECT_EQ(1u << 6, rd(l, LAPIC_ESR));
	wr(l, LAPIC_ESR, 0);
	EXPECT_EQ(0u, rd(l, LAPIC_ESR));
}

TEST(timer_one_shot)
{
	struct env e;
	struct lapic *l;

	setup(&e);
	l = &e.apic[1];
	enable(l);
	wr(l, LAPIC_TDCR, 0x3);			/* divide by 16 */
	wr(l, LAPIC_LVT_TIMER, 0xef);
	wr(l, LAPIC_TMICT, 1000);
	EXPECT_EQ(e.now + 16000, e.armed[1]);
	EXPECT_EQ(1000u, rd(l, LAPIC_TMCCT));
	e.now += 16 * 250 + 15;
	EXPECT_EQ(750u, rd(l, LAPIC_TMCCT));
	lapic_timer_expire(l);			/* early: no interrupt */
	EXPECT_EQ(-1, lapic_pending(l));
	EXPECT_NE(0u, e.armed[1]);
	e.now += 16000;
	lapic_timer_expire(l);
	EXPECT_EQ(0xef, lapic_pending(l));
	EXPECT_EQ(1, e.notified[1]);
	EXPECT_EQ(0u, e.armed[1]);
	EXPECT_EQ(0u, rd(l, LAPIC_TMCCT));
	lapic_timer_expire(l);			/* no second shot */
	EXPECT_EQ(1, e.notified[1]);
	/* Divide by 1 (bits 1011) and stopping with a zero count. */
	wr(l, LAPIC_TDCR, 0xb);
	wr(l, LAPIC_TMICT, 100);
	EXPECT_EQ(e.now + 100, e.armed[1]);
	wr(l, LAPIC_TMICT, 0);
	EXPECT_EQ(0u, e.armed[1]);
	EXPECT_EQ(0u, rd(l, LAPIC_TMCCT));
	/* Masked: counts, but raises nothing. */
	wr(l, LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | 0xe0);
	wr(l, LAPIC_TMICT, 100);
	e.now += 200;
	lapic_timer_expire(l);
	EXPECT_EQ(1, e.notified[1]);
}

TEST(timer_periodic)
{
	struct env e;
	struct lapic *l;
	uint64_t t0;

	setup(&e);
	l = &e.apic[0];
	enable(l);
	wr(l, LAPIC_TDCR, 0x1);			/* divide by 4 */
	wr(l, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0xec);
	t0 = e.now;
	wr(l, LAPIC_TMICT, 250000);		/* 1 ms */
	EXPECT_EQ(t0 + 1000000, e.armed[0]);
	e.now = t0 + 1000000 + 4 * 10;
	EXPECT_EQ(250000u - 10, rd(l, LAPIC_TMCCT));	/* reloaded */
	lapic_timer_expire(l);
	EXPECT_EQ(0xec, lapic_ack(l));
	EXPECT_EQ(t0 + 2000000, e.armed[0]);
	/* Late by 3.5 periods: one interrupt, next deadline on the grid. */
	e.now = t0 + 5500000;
	lapic_timer_expire(l);
	EXPECT_EQ(t0 + 6000000, e.armed[0]);
	EXPECT_EQ(2, e.notified[0]);
	EXPECT_EQ(125000u, rd(l, LAPIC_TMCCT));
	/* A tiny period still fires no more often than the floor. */
	wr(l, LAPIC_TMICT, 1);
	EXPECT_EQ(e.now + LAPIC_MIN_PERIOD_NS, e.armed[0]);
}

TEST(ipi_fixed_physical_and_logical)
{
	struct env e;

	setup(&e);
	for (int i = 0; i < N; i++)
		enable(&e.apic[i]);
	/* Physical destination 2. */
	wr(&e.apic[0], LAPIC_ICR_HI, 2u << 24);
	wr(&e.apic[0], LAPIC_ICR_LO, 0xf3);
	EXPECT_EQ(0xf3, lapic_pending(&e.apic[2]));
	EXPECT_EQ(1, e.notified[2]);
	EXPECT_EQ(0, e.notified[1] + e.notified[3] + e.notified[0]);
	EXPECT_EQ(0u, rd(&e.apic[0], LAPIC_ICR_LO) & (1u << 12));	/* idle */
	EXPECT_EQ(0xf3u, rd(&e.apic[0], LAPIC_ICR_LO));
	/* Logical flat: LDR bits 1<<i, destination mask 0b1010. */
	for (int i = 0; i < N; i++)
		wr(&e.apic[i], LAPIC_LDR, (1u << i) << 24);
	wr(&e.apic[0], LAPIC_ICR_HI, 0x0au << 24);
	wr(&e.apic[0], LAPIC_ICR_LO, 1u << 11 | 0xf4);
	EXPECT_EQ(0xf4, lapic_pending(&e.apic[1]));
	EXPECT_EQ(0xf4, lapic_pending(&e.apic[3]));
	EXPECT_EQ(-1, lapic_pending(&e.apic[0]));
	/* Logical cluster: cluster 1, members 0b0001 and 0b0100. */
	for (int i = 0; i < N; i++) {
		wr(&e.apic[i], LAPIC_DFR, 0x0fffffff);
		wr(&e.apic[i], LAPIC_LDR, (0x10u | (1u << i)) << 24);
	}
	wr(&e.apic[1], LAPIC_ICR_HI, 0x15u << 24);
	wr(&e.apic[1], LAPIC_ICR_LO, 1u << 11 | 0xe5);
	EXPECT_TRUE(e.apic[0].irr[0xe5 >> 5] & (1u << (0xe5 & 31)));
	EXPECT_TRUE(e.apic[2].irr[0xe5 >> 5] & (1u << (0xe5 & 31)));
	EXPECT_FALSE(e.apic[1].irr[0xe5 >> 5] & (1u << (0xe5 & 31)));
	EXPECT_FALSE(e.apic[3].irr[0xe5 >> 5] & (1u << (0xe5 & 31)));
	/* Send illegal vector. */
	wr(&e.apic[1], LAPIC_ICR_LO, 0x0f);
	wr(&e.apic[1], LAPIC_ESR, 0);
	EXPECT_EQ(1u << 5, rd(&e.apic[1], LAPIC_ESR));
}

TEST(ipi_shorthands_and_lowest_priority)
{
	struct env e;

	setup(&e);
	for (int i = 0; i < N; i++)
		enable(&e.apic[i]);
	wr(&e.apic[1], LAPIC_ICR_LO, 3u << 18 | 0xfd);	/* all but self */
	EXPECT_EQ(0xfd, lapic_pending(&e.apic[0]));
	EXPECT_EQ(-1, lapic_pending(&e.apic[1]));
	EXPECT_EQ(0xfd, lapic_pending(&e.apic[3]));
	wr(&e.apic[1], LAPIC_ICR_LO, 1u << 18 | 0xfc);	/* self */
	EXPECT_EQ(0xfc, lapic_pending(&e.apic[1]));
	EXPECT_EQ(0xfd, lapic_pending(&e.apic[2]));
	wr(&e.apic[1], LAPIC_ICR_LO, 2u << 18 | 0xfe);	/* all incl. self */
	for (int i = 0; i < N; i++)
		EXPECT_EQ(0xfe, lapic_pending(&e.apic[i]));
	/* Lowest priority to the broadcast: only the lowest TPR gets it. */
	wr(&e.apic[0], LAPIC_TPR, 0x20);
	wr(&e.apic[1], LAPIC_TPR, 0x10);
	wr(&e.apic[2], LAPIC_TPR, 0x30);
	wr(&e.apic[3], LAPIC_TPR, 0x40);
	wr(&e.apic[0], LAPIC_ICR_HI, 0xffu << 24);
	wr(&e.apic[0], LAPIC_ICR_LO, DM_LOWEST << 8 | 0x80);
	EXPECT_TRUE(e.apic[1].irr[4] & 1);
	EXPECT_FALSE(e.apic[0].irr[4] & 1);
	EXPECT_FALSE(e.apic[2].irr[4] & 1);
	EXPECT_FALSE(e.apic[3].irr[4] & 1);
}

TEST(nmi_init_sipi)
{
	struct env e;
	struct lapic *ap;

	setup(&e);
	ap = &e.apic[1];
	enable(&e.apic[0]);
	/* NMI: pending for the target's thread. */
	wr(&e.apic[0], LAPIC_ICR_HI, 1u << 24);
	wr(&e.apic[0], LAPIC_ICR_LO, DM_NMI << 8);
	EXPECT_TRUE(ap->nmi_pending);
	EXPECT_EQ(1, e.notified[1]);
	/* SIPI before INIT: ignored (not in wait-for-SIPI). */
	wr(&e.apic[0], LAPIC_ICR_LO, DM_STARTUP << 8 | 0x9a);
	EXPECT_FALSE(ap->sipi_pending);
	/* INIT assert resets the AP, keeps its ID, waits for SIPI. */
	enable(ap);
	wr(ap, LAPIC_TPR, 0x50);
	lapic_accept(ap, 0x40);
	wr(&e.apic[0], LAPIC_ICR_LO, DM_INIT << 8 | 1u << 14 | 1u << 15);
	EXPECT_TRUE(ap->init_pending);
	EXPECT_TRUE(ap->wait_sipi);
	EXPECT_FALSE(ap->nmi_pending);
	EXPECT_EQ(0u, rd(ap, LAPIC_TPR));
	EXPECT_EQ(0xffu, rd(ap, LAPIC_SVR));
	EXPECT_EQ(0u, rd(ap, LAPIC_IRR + 0x20));
	EXPECT_EQ(1u << 24, rd(ap, LAPIC_ID));
	/* INIT de-assert changes nothing. */
	ap->init_pending = false;
	wr(&e.apic[0], LAPIC_ICR_LO, DM_INIT << 8 | 1u << 15);
	EXPECT_FALSE(ap->init_pending);
	/* First SIPI taken, the second ignored. */
	wr(&e.apic[0], LAPIC_ICR_LO, DM_STARTUP << 8 | 0x9a);
	EXPECT_TRUE(ap->sipi_pending);
	EXPECT_EQ(0x9a, ap->sipi_vector);
	wr(&e.apic[0], LAPIC_ICR_LO, DM_STARTUP << 8 | 0x77);
	EXPECT_EQ(0x9a, ap->sipi_vector);
	/* INIT never resets the BSP here. */
	enable(&e.apic[0]);
	wr(ap, LAPIC_ICR_HI, 0);
	wr(ap, LAPIC_ICR_LO, DM_INIT << 8 | 1u << 14);
	EXPECT_FALSE(e.apic[0].init_pending);
	EXPECT_EQ(LAPIC_SVR_ENABLE | 0xff, rd(&e.apic[0], LAPIC_SVR));
}

TEST(init_stops_the_timer)
{
	struct env e;

	setup(&e);
	enable(&e.apic[2]);
	wr(&e.apic[2], LAPIC_LVT_TIMER, 0xee);
	wr(&e.apic[2], LAPIC_TMICT, 100000);
	EXPECT_NE(0u, e.armed[2]);
	wr(&e.apic[0], LAPIC_ICR_HI, 2u << 24);
	wr(&e.apic[0], LAPIC_ICR_LO, DM_INIT << 8 | 1u << 14);
	EXPECT_EQ(0u, e.armed[2]);
	EXPECT_EQ(0u, rd(&e.apic[2], LAPIC_TMICT));
}

TEST_HARNESS_MAIN
