// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/x86/ioapic.h"

/* An I/O APIC in front of the local APICs of a 4-vCPU group. */

#define N 4

struct env {
	struct ioapic io;
	struct lapic apic[N];
	struct lapic *ptr[N];
	int notified[N];
	int eois;
};

struct slot {
	struct env *e;
	unsigned int i;
};

static struct slot slots[N];

static void notify(void *ctx)
{
	struct slot *s = ctx;

	s->e->notified[s->i]++;
}

static void eoi_hook(void *ctx, uint8_t vector)
{
	struct env *e = ctx;

	e->eois++;
	ioapic_eoi(&e->io, vector);
}

static void lwr(struct lapic *l, uint32_t off, uint32_t v)
{
	uint8_t d[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	lapic_io(l, off, d, 4, true);
}

/* Every APIC software-enabled, logical flat with LDR bit i. */
static void setup(struct env *e)
{
	memset(e, 0, sizeof(*e));
	for (unsigned int i = 0; i < N; i++) {
		slots[i].e = e;
		slots[i].i = i;
		e->ptr[i] = &e->apic[i];
	}
	for (unsigned int i = 0; i < N; i++) {
		lapic_init(&e->apic[i], i, e->ptr, N, NULL, NULL, notify, &slots[i]);
		lapic_set_eoi_hook(&e->apic[i], eoi_hook, e);
		lwr(&e->apic[i], LAPIC_SVR, LAPIC_SVR_ENABLE | 0xff);
		lwr(&e->apic[i], LAPIC_LDR, (1u << i) << 24);
	}
	ioapic_init(&e->io, N, e->ptr, N);
}

/* Through the MMIO windows, as the guest does. */
static void sel(struct ioapic *a, uint8_t reg)
{
	uint8_t d[4] = { reg, 0, 0, 0 };

	ioapic_io(a, IOAPIC_REGSEL, d, 4, true);
}

static uint32_t rd(struct ioapic *a, uint8_t reg)
{
	uint8_t d[4];

	sel(a, reg);
	ioapic_io(a, IOAPIC_WIN, d, 4, false);
	return d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24;
}

static void wr(struct ioapic *a, uint8_t reg, uint32_t v)
{
	uint8_t d[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	sel(a, reg);
	ioapic_io(a, IOAPIC_WIN, d, 4, true);
}

/* Redirection entry of pin: high dword (destination) first, as Linux. */
static void route(struct ioapic *a, unsigned int pin, uint32_t lo, uint8_t dest)
{
	wr(a, IOAPIC_REDTBL + 2 * pin + 1, (uint32_t)dest << 24);
	wr(a, IOAPIC_REDTBL + 2 * pin, lo);
}

static bool in_irr(const struct lapic *l, uint8_t v)
{
	return l->irr[v >> 5] & (1u << (v & 31));
}

static bool in_tmr(const struct lapic *l, uint8_t v)
{
	return l->tmr[v >> 5] & (1u << (v & 31));
}

/* The CPU takes the vector and writes EOI. */
static void take_and_eoi(struct lapic *l, int want, struct __test_metadata *_metadata)
{
	ASSERT_EQ(want, lapic_ack(l));
	lwr(l, LAPIC_EOI, 0);
}

TEST(registers)
{
	struct env e;
	uint8_t d[4];

	setup(&e);
	EXPECT_EQ((uint32_t)N << 24, rd(&e.io, IOAPIC_ID));
	EXPECT_EQ(0x170011u, rd(&e.io, IOAPIC_VER));	/* 24 pins, 0x11 */
	EXPECT_EQ((uint32_t)N << 24, rd(&e.io, IOAPIC_ARB));
	/* ID: bits 27:24 only; the arbitration ID follows it. */
	wr(&e.io, IOAPIC_ID, 0xffffffff);
	EXPECT_EQ(0x0f000000u, rd(&e.io, IOAPIC_ID));
	EXPECT_EQ(0x0f000000u, rd(&e.io, IOAPIC_ARB));
	/* Version and arbitration are read-only. */
	wr(&e.io, IOAPIC_VER, 0);
	wr(&e.io, IOAPIC_ARB, 0);
	EXPECT_EQ(0x170011u, rd(&e.io, IOAPIC_VER));
	EXPECT_EQ(0x0f000000u, rd(&e.io, IOAPIC_ARB));
	/* Every entry masked at reset. */
	for (unsigned int pin = 0; pin < IOAPIC_PINS; pin++) {
		EXPECT_EQ((uint32_t)IOAPIC_RTE_MASKED,
			  rd(&e.io, IOAPIC_REDTBL + 2 * pin));
		EXPECT_EQ(0u, rd(&e.io, IOAPIC_REDTBL + 2 * pin + 1));
	}
	/* Writable bits: delivery status and remote IRR are read-only, the
	 * high dword keeps only the destination. */
	wr(&e.io, IOAPIC_REDTBL + 6, 0xffffffff);
	EXPECT_EQ(0x1afffu, rd(&e.io, IOAPIC_REDTBL + 6));
	wr(&e.io, IOAPIC_REDTBL + 7, 0xffffffff);
	EXPECT_EQ(0xff000000u, rd(&e.io, IOAPIC_REDTBL + 7));
	EXPECT_EQ(0xff0000000001afffULL, e.io.rte[3]);
	/* Past the last entry: reads 0, writes nothing. */
	wr(&e.io, IOAPIC_REDTBL + 2 * IOAPIC_PINS, 0x12345678);
	EXPECT_EQ(0u, rd(&e.io, IOAPIC_REDTBL + 2 * IOAPIC_PINS));
	EXPECT_EQ(0u, rd(&e.io, 0x03));
	/* IOREGSEL reads back; sub-word reads of IOWIN see its bytes. */
	sel(&e.io, IOAPIC_VER);
	ioapic_io(&e.io, IOAPIC_REGSEL, d, 1, false);
	EXPECT_EQ(IOAPIC_VER, d[0]);
	ioapic_io(&e.io, IOAPIC_WIN + 2, d, 1, false);
	EXPECT_EQ(0x17, d[0]);
	/* A byte write to IOWIN writes nothing. */
	sel(&e.io, IOAPIC_REDTBL + 7);
	d[0] = 0;
	ioapic_io(&e.io, IOAPIC_WIN, d, 1, true);
	EXPECT_EQ(0xff000000u, rd(&e.io, IOAPIC_REDTBL + 7));
	/* Elsewhere in the page, or too wide: zeros, no crash. */
	memset(d, 0xaa, sizeof(d));
	ioapic_io(&e.io, 0x20, d, 4, false);
	EXPECT_EQ(0, d[3]);
	ioapic_io(&e.io, IOAPIC_SIZE - 2, d, 4, false);
	EXPECT_EQ(0, d[0]);
	ioapic_io(&e.io, 0x20, d, 4, true);
	/* Lines beyond the last pin are ignored. */
	ioapic_set_irq(&e.io, IOAPIC_PINS, 1);
	ioapic_set_irq(&e.io, 1000, 1);
	EXPECT_EQ(0u, e.io.asserted);
}

TEST(edge_delivery_and_masking)
{
	struct env e;

	setup(&e);
	route(&e.io, 4, 0x31, 1);		/* fixed, physical, APIC 1 */
	ioapic_set_irq(&e.io, 4, 1);
	EXPECT_EQ(0x31, lapic_pending(&e.apic[1]));
	EXPECT_FALSE(in_tmr(&e.apic[1], 0x31));
	EXPECT_EQ(1, e.notified[1]);
	EXPECT_EQ(0, e.notified[0] + e.notified[2] + e.notified[3]);
	/* Held high: one message per rising edge. */
	ioapic_set_irq(&e.io, 4, 1);
	EXPECT_EQ(1, e.notified[1]);
	ioapic_set_irq(&e.io, 4, 0);
	take_and_eoi(&e.apic[1], 0x31, _metadata);
	EXPECT_EQ(0, e.eois);			/* edge: no EOI broadcast */
	EXPECT_EQ(0u, rd(&e.io, IOAPIC_REDTBL + 8) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&e.io, 4, 1);
	EXPECT_EQ(2, e.notified[1]);
	ioapic_set_irq(&e.io, 4, 0);
	take_and_eoi(&e.apic[1], 0x31, _metadata);
	/* A masked edge is lost, and unmasking does not bring it back. */
	route(&e.io, 4, IOAPIC_RTE_MASKED | 0x31, 1);
	ioapic_set_irq(&e.io, 4, 1);
	ioapic_set_irq(&e.io, 4, 0);
	route(&e.io, 4, 0x31, 1);
	EXPECT_EQ(-1, lapic_pending(&e.apic[1]));
	EXPECT_EQ(2, e.notified[1]);
	/* A rising edge while the line was already up under the mask: the
	 * line is still high, so no new edge after unmasking either. */
	route(&e.io, 4, IOAPIC_RTE_MASKED | 0x31, 1);
	ioapic_set_irq(&e.io, 4, 1);
	route(&e.io, 4, 0x31, 1);
	ioapic_set_irq(&e.io, 4, 1);
	EXPECT_EQ(-1, lapic_pending(&e.apic[1]));
	/* Polarity is kept but the line stays the logical request. */
	ioapic_set_irq(&e.io, 4, 0);
	route(&e.io, 4, IOAPIC_RTE_ACTIVE_LOW | 0x32, 1);
	EXPECT_EQ(-1, lapic_pending(&e.apic[1]));
	ioapic_set_irq(&e.io, 4, 1);
	EXPECT_EQ(0x32, lapic_pending(&e.apic[1]));
	/* The irq_line wrapper, as vm.c wires it. */
	route(&e.io, 7, 0x40, 2);
	ioapic_irq_set(&e.io, 7, 1);
	EXPECT_EQ(0x40, lapic_pending(&e.apic[2]));
	EXPECT_EQ(1u << 4 | 1u << 7, e.io.asserted);
}

TEST(level_remote_irr_and_eoi)
{
	struct env e;
	const uint32_t lvl = IOAPIC_RTE_LEVEL | IOAPIC_RTE_ACTIVE_LOW;

	setup(&e);
	route(&e.io, 10, lvl | 0x51, 0);
	ioapic_set_irq(&e.io, 10, 1);
	EXPECT_EQ(0x51, lapic_pending(&e.apic[0]));
	EXPECT_TRUE(in_tmr(&e.apic[0], 0x51));
	EXPECT_TRUE(rd(&e.io, IOAPIC_REDTBL + 20) & IOAPIC_RTE_REMOTE_IRR);
	/* While remote IRR is set nothing more is sent. */
	ioapic_set_irq(&e.io, 10, 0);
	ioapic_set_irq(&e.io, 10, 1);
	EXPECT_EQ(1, e.notified[0]);
	/* EOI with the line still asserted: remote IRR clears and the
	 * interrupt comes again. */
	take_and_eoi(&e.apic[0], 0x51, _metadata);
	EXPECT_EQ(1, e.eois);
	EXPECT_EQ(2, e.notified[0]);
	EXPECT_EQ(0x51, lapic_pending(&e.apic[0]));
	EXPECT_TRUE(rd(&e.io, IOAPIC_REDTBL + 20) & IOAPIC_RTE_REMOTE_IRR);
	/* The device withdraws its request before the EOI: nothing more. */
	ASSERT_EQ(0x51, lapic_ack(&e.apic[0]));
	ioapic_set_irq(&e.io, 10, 0);
	lwr(&e.apic[0], LAPIC_EOI, 0);
	EXPECT_EQ(2, e.eois);
	EXPECT_EQ(0u, rd(&e.io, IOAPIC_REDTBL + 20) & IOAPIC_RTE_REMOTE_IRR);
	EXPECT_EQ(-1, lapic_pending(&e.apic[0]));
	EXPECT_EQ(2, e.notified[0]);
	/* An EOI for another vector leaves remote IRR alone. */
	ioapic_set_irq(&e.io, 10, 1);
	EXPECT_EQ(3, e.notified[0]);
	ioapic_eoi(&e.io, 0x52);
	EXPECT_TRUE(rd(&e.io, IOAPIC_REDTBL + 20) & IOAPIC_RTE_REMOTE_IRR);
	/* Switching the entry to edge clears remote IRR (Linux's EOI for
	 * I/O APICs without an EOI register); back to level, unmasked over
	 * the asserted line, it sends again. */
	route(&e.io, 10, IOAPIC_RTE_MASKED | 0x51, 0);
	EXPECT_EQ(0u, rd(&e.io, IOAPIC_REDTBL + 20) & IOAPIC_RTE_REMOTE_IRR);
	route(&e.io, 10, lvl | 0x51, 0);
	EXPECT_EQ(4, e.notified[0]);
	EXPECT_TRUE(rd(&e.io, IOAPIC_REDTBL + 20) & IOAPIC_RTE_REMOTE_IRR);
	/* An edge vector in the same APIC does not broadcast its EOI. */
	take_and_eoi(&e.apic[0], 0x51, _metadata);
	ioapic_set_irq(&e.io, 10, 0);
	take_and_eoi(&e.apic[0], 0x51, _metadata);
	lapic_accept(&e.apic[0], 0x51);
	EXPECT_FALSE(in_tmr(&e.apic[0], 0x51));
	ASSERT_EQ(0x51, lapic_ack(&e.apic[0]));
	e.eois = 0;
	lwr(&e.apic[0], LAPIC_EOI, 0);
	EXPECT_EQ(0, e.eois);
}

TEST(level_masking)
{
	struct env e;
	const uint32_t lvl = IOAPIC_RTE_LEVEL;

	setup(&e);
	/* Asserted under the mask: nothing; unmasking sends it. */
	route(&e.io, 5, IOAPIC_RTE_MASKED | lvl | 0x61, 3);
	ioapic_set_irq(&e.io, 5, 1);
	EXPECT_EQ(0, e.notified[3]);
	EXPECT_EQ(0u, rd(&e.io, IOAPIC_REDTBL + 10) & IOAPIC_RTE_REMOTE_IRR);
	route(&e.io, 5, lvl | 0x61, 3);
	EXPECT_EQ(1, e.notified[3]);
	EXPECT_EQ(0x61, lapic_pending(&e.apic[3]));
	/* Masked while in service: the EOI clears remote IRR, sends nothing. */
	route(&e.io, 5, IOAPIC_RTE_MASKED | lvl | 0x61, 3);
	take_and_eoi(&e.apic[3], 0x61, _metadata);
	EXPECT_EQ(0u, rd(&e.io, IOAPIC_REDTBL + 10) & IOAPIC_RTE_REMOTE_IRR);
	EXPECT_EQ(1, e.notified[3]);
	/* De-asserted under the mask, then unmasked: nothing. */
	ioapic_set_irq(&e.io, 5, 0);
	route(&e.io, 5, lvl | 0x61, 3);
	EXPECT_EQ(1, e.notified[3]);
	/* No APIC at the destination: remote IRR stays clear, so the pin
	 * is not stuck once it is pointed at one. */
	route(&e.io, 5, lvl | 0x61, 9);
	ioapic_set_irq(&e.io, 5, 1);
	EXPECT_EQ(0u, rd(&e.io, IOAPIC_REDTBL + 10) & IOAPIC_RTE_REMOTE_IRR);
	route(&e.io, 5, lvl | 0x61, 2);
	EXPECT_EQ(0x61, lapic_pending(&e.apic[2]));
	EXPECT_TRUE(rd(&e.io, IOAPIC_REDTBL + 10) & IOAPIC_RTE_REMOTE_IRR);
}

TEST(destinations)
{
	struct env e;

	setup(&e);
	/* Physical broadcast 0xff. */
	route(&e.io, 1, 0x70, 0xff);
	ioapic_set_irq(&e.io, 1, 1);
	for (unsigned int i = 0; i < N; i++)
		EXPECT_TRUE(in_irr(&e.apic[i], 0x70));
	/* Logical flat: LDR bits 0b1010 take it. */
	route(&e.io, 2, IOAPIC_RTE_LOGICAL | 0x71, 0x0a);
	ioapic_set_irq(&e.io, 2, 1);
	EXPECT_FALSE(in_irr(&e.apic[0], 0x71));
	EXPECT_TRUE(in_irr(&e.apic[1], 0x71));
	EXPECT_FALSE(in_irr(&e.apic[2], 0x71));
	EXPECT_TRUE(in_irr(&e.apic[3], 0x71));
	/* Logical, lowest priority: one APIC of the set, the lowest TPR. */
	lwr(&e.apic[1], LAPIC_TPR, 0x40);
	lwr(&e.apic[3], LAPIC_TPR, 0x20);
	route(&e.io, 3, IOAPIC_RTE_LOGICAL | DM_LOWEST << 8 | 0x72, 0x0a);
	ioapic_set_irq(&e.io, 3, 1);
	EXPECT_FALSE(in_irr(&e.apic[1], 0x72));
	EXPECT_TRUE(in_irr(&e.apic[3], 0x72));
	/* Logical cluster model: cluster 2, members 0b0011. */
	for (unsigned int i = 0; i < N; i++) {
		lwr(&e.apic[i], LAPIC_DFR, 0x0fffffff);
		lwr(&e.apic[i], LAPIC_LDR, (i < 2 ? 0x20u : 0x10u) << 24 |
		    (1u << (i & 1)) << 24);
	}
	route(&e.io, 6, IOAPIC_RTE_LOGICAL | 0x73, 0x23);
	ioapic_set_irq(&e.io, 6, 1);
	EXPECT_TRUE(in_irr(&e.apic[0], 0x73));
	EXPECT_TRUE(in_irr(&e.apic[1], 0x73));
	EXPECT_FALSE(in_irr(&e.apic[2], 0x73));
	EXPECT_FALSE(in_irr(&e.apic[3], 0x73));
	/* Physical: the APIC ID, not the logical ID. */
	route(&e.io, 8, 0x74, 2);
	ioapic_set_irq(&e.io, 8, 1);
	EXPECT_TRUE(in_irr(&e.apic[2], 0x74));
	EXPECT_FALSE(in_irr(&e.apic[1], 0x74));
	/* A missing vCPU in the group is skipped. */
	e.ptr[3] = NULL;
	route(&e.io, 9, 0x75, 0xff);
	ioapic_set_irq(&e.io, 9, 1);
	EXPECT_TRUE(in_irr(&e.apic[0], 0x75));
	EXPECT_FALSE(in_irr(&e.apic[3], 0x75));
}

TEST(nmi_init_extint)
{
	struct env e;

	setup(&e);
	/* NMI, even with the level bit: edge, no remote IRR. */
	route(&e.io, 11, IOAPIC_RTE_LEVEL | DM_NMI << 8, 1);
	ioapic_set_irq(&e.io, 11, 1);
	EXPECT_TRUE(e.apic[1].nmi_pending);
	EXPECT_EQ(0u, rd(&e.io, IOAPIC_REDTBL + 22) & IOAPIC_RTE_REMOTE_IRR);
	/* INIT to an AP. */
	route(&e.io, 12, DM_INIT << 8, 2);
	ioapic_set_irq(&e.io, 12, 1);
	EXPECT_TRUE(e.apic[2].init_pending);
	EXPECT_TRUE(e.apic[2].wait_sipi);
	/* ExtINT: the CPU is to fetch the 8259's vector. */
	route(&e.io, 0, DM_EXTINT << 8, 0);
	ioapic_set_irq(&e.io, 0, 1);
	EXPECT_TRUE(e.apic[0].extint_pending);
	EXPECT_EQ(-1, lapic_pending(&e.apic[0]));
	/* Illegal vector for fixed delivery: the APIC's receive error; a
	 * level pin is then not left waiting for an EOI. */
	route(&e.io, 13, IOAPIC_RTE_LEVEL | 0x05, 3);
	ioapic_set_irq(&e.io, 13, 1);
	EXPECT_EQ(-1, lapic_pending(&e.apic[3]));
	lwr(&e.apic[3], LAPIC_ESR, 0);
	EXPECT_EQ(1u << 6, lapic_read(&e.apic[3], LAPIC_ESR));
	EXPECT_EQ(0u, rd(&e.io, IOAPIC_REDTBL + 26) & IOAPIC_RTE_REMOTE_IRR);
}

TEST(msi_messages)
{
	struct env e;

	setup(&e);
	/* Physical: address 0xfee00000 | APIC ID << 12, vector in data. */
	EXPECT_EQ(1u, lapic_msi(e.ptr, N, 0xfee02000, 0x41));
	EXPECT_EQ(0x41, lapic_pending(&e.apic[2]));
	EXPECT_FALSE(in_tmr(&e.apic[2], 0x41));
	/* Logical (bit 2), flat: LDR bits 0b0101. */
	EXPECT_EQ(2u, lapic_msi(e.ptr, N, 0xfee05004, 0x42));
	EXPECT_TRUE(in_irr(&e.apic[0], 0x42));
	EXPECT_TRUE(in_irr(&e.apic[2], 0x42));
	EXPECT_FALSE(in_irr(&e.apic[1], 0x42));
	/* Lowest priority to the same set: one of them. */
	EXPECT_EQ(1u, lapic_msi(e.ptr, N, 0xfee05004, DM_LOWEST << 8 | 0x43));
	/* NMI. */
	EXPECT_EQ(1u, lapic_msi(e.ptr, N, 0xfee03000, DM_NMI << 8));
	EXPECT_TRUE(e.apic[3].nmi_pending);
	/* Outside the interrupt range: a plain memory write, no interrupt. */
	EXPECT_EQ(0u, lapic_msi(e.ptr, N, 0xfed00000, 0x44));
	EXPECT_EQ(0u, lapic_msi(e.ptr, N, 0x1fee00000ULL, 0x44));
	for (unsigned int i = 0; i < N; i++)
		EXPECT_FALSE(in_irr(&e.apic[i], 0x44));
}

/* Split irqchip: messages leave as MSIs, entries are reported as they change. */
struct sink {
	int msis, changes;
	unsigned int last_pin;
	uint64_t addr;
	uint32_t data;
	unsigned int took;	/* what the kernel says: APICs that took it */
};

static unsigned int sink_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct sink *k = ctx;

	k->msis++;
	k->addr = addr;
	k->data = data;
	return k->took;
}

static void sink_changed(void *ctx, unsigned int pin)
{
	struct sink *k = ctx;

	k->changes++;
	k->last_pin = pin;
}

TEST(msi_of_entries)
{
	uint64_t addr;
	uint32_t data;

	/* Physical, fixed, edge: APIC ID 3, vector 0x31. */
	ioapic_msi_of(0x31 | 3ULL << IOAPIC_RTE_DEST_SHIFT, &addr, &data);
	EXPECT_EQ(0xfee03000ULL, addr);
	EXPECT_EQ(0x4031u, data);
	/* Logical, lowest priority, level, active low: mask bit left out. */
	ioapic_msi_of(0x42 | DM_LOWEST << IOAPIC_RTE_MODE_SHIFT |
		      IOAPIC_RTE_LOGICAL | IOAPIC_RTE_LEVEL | IOAPIC_RTE_ACTIVE_LOW |
		      IOAPIC_RTE_MASKED | 0x0fULL << IOAPIC_RTE_DEST_SHIFT,
		      &addr, &data);
	EXPECT_EQ(0xfee0f004ULL, addr);
	EXPECT_EQ(0xc142u, data);
	/* NMI is edge whatever the trigger bit says. */
	ioapic_msi_of(DM_NMI << IOAPIC_RTE_MODE_SHIFT | IOAPIC_RTE_LEVEL, &addr,
		      &data);
	EXPECT_EQ(0x4400u, data);
}

TEST(split_msi_delivery)
{
	struct ioapic a;
	struct sink k = { .took = 1 };

	ioapic_init(&a, 4, NULL, 0);
	a.msi = sink_msi;
	a.rte_changed = sink_changed;
	a.msi_ctx = &k;
	/* Each dword written is a change the kernel hears of. */
	route(&a, 5, 0x35 | IOAPIC_RTE_LEVEL, 1);
	EXPECT_EQ(2, k.changes);
	EXPECT_EQ(5u, k.last_pin);
	EXPECT_EQ(0, k.msis);
	/* Level: sent while asserted, once until the EOI. */
	ioapic_set_irq(&a, 5, 1);
	EXPECT_EQ(1, k.msis);
	EXPECT_EQ(0xfee01000ULL, k.addr);
	EXPECT_EQ(0xc035u, k.data);
	EXPECT_TRUE(a.rte[5] & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&a, 5, 1);
	EXPECT_EQ(1, k.msis);
	/* KVM_EXIT_IOAPIC_EOI with the line still up: again. */
	ioapic_eoi(&a, 0x35);
	EXPECT_EQ(2, k.msis);
	ioapic_set_irq(&a, 5, 0);
	ioapic_eoi(&a, 0x35);
	EXPECT_EQ(2, k.msis);
	EXPECT_FALSE(a.rte[5] & IOAPIC_RTE_REMOTE_IRR);
	/* No APIC took it (the kernel said 0): no remote IRR to wait on. */
	k.took = 0;
	ioapic_set_irq(&a, 5, 1);
	EXPECT_EQ(3, k.msis);
	EXPECT_FALSE(a.rte[5] & IOAPIC_RTE_REMOTE_IRR);
	/* Edge pin: one message per rising edge. */
	route(&a, 4, 0x34, 0);
	ioapic_set_irq(&a, 4, 1);
	ioapic_set_irq(&a, 4, 1);
	ioapic_set_irq(&a, 4, 0);
	ioapic_set_irq(&a, 4, 1);
	EXPECT_EQ(5, k.msis);
	EXPECT_EQ(0x4034u, k.data);
}

TEST_HARNESS_MAIN
