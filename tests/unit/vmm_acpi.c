// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/pm.h"

/* ACPI tables and the PM1/reset registers they describe. */

#define BASE 0xe0000ULL

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t *table(uint8_t *area, uint64_t gpa)
{
	return area + (gpa - BASE);
}

TEST(tables_are_linked_and_checksummed)
{
	static uint8_t area[0x20000];
	uint8_t dsdt[40] = "DSDT";
	uint8_t *rsdp, *xsdt, *fadt, *d, *facs;

	dsdt[4] = sizeof(dsdt);
	ASSERT_EQ(BASE, acpi_build(area, BASE, sizeof(area), dsdt, sizeof(dsdt), 0, 0));
	rsdp = area;
	EXPECT_EQ(0, memcmp(rsdp, "RSD PTR ", 8));
	EXPECT_EQ(0, acpi_sum(rsdp, 20));
	EXPECT_EQ(0, acpi_sum(rsdp, 36));
	EXPECT_EQ(2, rsdp[15]);
	xsdt = table(area, rd64(rsdp + 24));
	EXPECT_EQ(0, memcmp(xsdt, "XSDT", 4));
	EXPECT_EQ(0, acpi_sum(xsdt, rd32(xsdt + 4)));
	ASSERT_EQ(44, rd32(xsdt + 4));
	fadt = table(area, rd64(xsdt + 36));
	EXPECT_EQ(0, memcmp(fadt, "FACP", 4));
	EXPECT_EQ(0, acpi_sum(fadt, rd32(fadt + 4)));
	EXPECT_EQ(ACPI_SCI_IRQ, fadt[46]);
	EXPECT_EQ(PM1A_EVT_PORT, rd32(fadt + 56));
	EXPECT_EQ(PM1A_CNT_PORT, rd32(fadt + 64));
	EXPECT_EQ(4, fadt[88]);
	EXPECT_EQ(2, fadt[89]);
	EXPECT_TRUE(rd32(fadt + 112) & (1u << 10));	/* RESET_REG_SUP */
	EXPECT_EQ(PM_RESET_PORT, rd64(fadt + 116 + 4));
	EXPECT_EQ(PM_RESET_VALUE, fadt[128]);
	EXPECT_EQ(rd32(fadt + 40), rd64(fadt + 140));	/* DSDT, X_DSDT */
	d = table(area, rd64(fadt + 140));
	EXPECT_EQ(0, memcmp(d, dsdt, sizeof(dsdt)));
	facs = table(area, rd64(fadt + 132));
	EXPECT_EQ(0, memcmp(facs, "FACS", 4));
	EXPECT_EQ(0, (rd64(fadt + 132)) & 63);
}

TEST(madt_lists_the_cpus)
{
	static uint8_t area[0x20000];
	uint8_t dsdt[40] = "DSDT";
	uint8_t *xsdt, *madt, *e;

	dsdt[4] = sizeof(dsdt);
	/* Level IRQs 5 and 10, and 0 and 9 which have their own entries. */
	ASSERT_EQ(BASE, acpi_build(area, BASE, sizeof(area), dsdt, sizeof(dsdt), 3,
				   1u << 0 | 1u << 5 | 1u << 9 | 1u << 10));
	xsdt = table(area, rd64(area + 24));
	ASSERT_EQ(52, rd32(xsdt + 4));
	EXPECT_EQ(0, acpi_sum(xsdt, 52));
	EXPECT_EQ(0, memcmp(table(area, rd64(xsdt + 36)), "FACP", 4));
	madt = table(area, rd64(xsdt + 44));
	ASSERT_EQ(0, memcmp(madt, "APIC", 4));
	ASSERT_EQ(44 + 3 * 8 + 6 + 12 + 4 * 10, rd32(madt + 4));
	EXPECT_EQ(0, acpi_sum(madt, rd32(madt + 4)));
	EXPECT_EQ(0xfee00000u, rd32(madt + 36));
	EXPECT_EQ(1u, rd32(madt + 40));		/* PCAT_COMPAT */
	e = madt + 44;
	for (unsigned int i = 0; i < 3; i++, e += 8) {
		EXPECT_EQ(0, e[0]);
		EXPECT_EQ(8, e[1]);
		EXPECT_EQ(i, e[2]);
		EXPECT_EQ(i, e[3]);
		EXPECT_EQ(1u, rd32(e + 4));
	}
	EXPECT_EQ(4, e[0]);			/* LAPIC NMI on LINT1 */
	EXPECT_EQ(6, e[1]);
	EXPECT_EQ(0xff, e[2]);
	EXPECT_EQ(1, e[5]);
	e += 6;
	EXPECT_EQ(1, e[0]);			/* I/O APIC */
	EXPECT_EQ(12, e[1]);
	EXPECT_EQ(3, e[2]);			/* ID after the CPUs' */
	EXPECT_EQ(0xfec00000u, rd32(e + 4));
	EXPECT_EQ(0u, rd32(e + 8));		/* GSI base */
	e += 12;
	/* Overrides: IRQ 0 on GSI 2 (conforming), SCI and IRQs 5 and 10
	 * on their own GSIs, level-triggered active-low. */
	static const uint8_t want[4][3] = {
		{ 0, 2, 0 }, { 9, 9, 0xf }, { 5, 5, 0xf }, { 10, 10, 0xf },
	};
	for (unsigned int i = 0; i < 4; i++, e += 10) {
		EXPECT_EQ(2, e[0]);
		EXPECT_EQ(10, e[1]);
		EXPECT_EQ(0, e[2]);		/* ISA */
		EXPECT_EQ(want[i][0], e[3]);
		EXPECT_EQ(want[i][1], rd32(e + 4));
		EXPECT_EQ(want[i][2], e[8] | e[9] << 8);
	}
	EXPECT_EQ(madt + rd32(madt + 4), e);
	/* Without CPUs: no MADT. */
	ASSERT_EQ(BASE, acpi_build(area, BASE, sizeof(area), dsdt, sizeof(dsdt), 0, 0));
	EXPECT_EQ(44, rd32(xsdt + 4));
	/* 16 CPUs: the I/O APIC's 4-bit ID cannot follow theirs, it is 0. */
	ASSERT_EQ(BASE, acpi_build(area, BASE, sizeof(area), dsdt, sizeof(dsdt), 16,
				   0));
	madt = table(area, rd64(xsdt + 44));
	e = madt + 44 + 16 * 8 + 6;
	EXPECT_EQ(1, e[0]);
	EXPECT_EQ(0, e[2]);
	EXPECT_EQ(15, madt[44 + 15 * 8 + 3]);	/* the last CPU's APIC ID */
	/* 64 fit. */
	ASSERT_EQ(BASE, acpi_build(area, BASE, sizeof(area), dsdt, sizeof(dsdt), 64,
				   0xffff));
	/* Too many for the space before the DSDT. */
	EXPECT_EQ(0, acpi_build(area, BASE, sizeof(area), dsdt, sizeof(dsdt), 200, 0));
}

TEST(rejects_bad_placement)
{
	static uint8_t area[0x1000];
	uint8_t dsdt[40] = "DSDT";

	EXPECT_EQ(0, acpi_build(area, BASE + 8, sizeof(area), dsdt, 40, 0, 0));
	EXPECT_EQ(0, acpi_build(area, BASE, 0x100, dsdt, 40, 0, 0));
	EXPECT_EQ(0, acpi_build(area, BASE, sizeof(area), dsdt, 0x1000, 0, 0));
}

struct ev {
	int poweroff, reset;
};

static void event(void *ctx, enum pm_event e)
{
	struct ev *v = ctx;

	if (e == PM_POWEROFF)
		v->poweroff++;
	else
		v->reset++;
}

static void out16(void (*fn)(void *, uint64_t, uint8_t *, unsigned int, bool),
		  struct pm *p, uint64_t off, uint16_t v)
{
	uint8_t d[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	fn(p, off, d, 2, true);
}

static uint16_t in16(void (*fn)(void *, uint64_t, uint8_t *, unsigned int, bool),
		     struct pm *p, uint64_t off)
{
	uint8_t d[2];

	fn(p, off, d, 2, false);
	return (uint16_t)(d[0] | d[1] << 8);
}

TEST(s5_powers_off)
{
	struct pm p;
	struct ev v = { 0 };

	pm_init(&p, event, &v);
	EXPECT_EQ(1, in16(pm_cnt_io, &p, 0) & 1);	/* SCI_EN */
	/* ACPICA writes SLP_TYP first, then SLP_TYP | SLP_EN. */
	out16(pm_cnt_io, &p, 0, PM_S5_TYP << 10);
	EXPECT_EQ(0, v.poweroff);
	out16(pm_cnt_io, &p, 0, PM_S5_TYP << 10 | 0x2000);
	EXPECT_EQ(1, v.poweroff);
	EXPECT_EQ(0, in16(pm_cnt_io, &p, 0) & 0x2000);
}

TEST(other_sleep_types_ignored)
{
	struct pm p;
	struct ev v = { 0 };

	pm_init(&p, event, &v);
	out16(pm_cnt_io, &p, 0, 1 << 10 | 0x2000);	/* S1 */
	EXPECT_EQ(0, v.poweroff);
	/* Byte writes: high byte carries SLP_TYP and SLP_EN. */
	uint8_t hi = (PM_S5_TYP << 2) | 0x20;

	pm_cnt_io(&p, 1, &hi, 1, true);
	EXPECT_EQ(1, v.poweroff);
}

TEST(pm1_status_write_one_to_clear)
{
	struct pm p;

	pm_init(&p, NULL, NULL);
	p.sts = 0x8101;
	out16(pm_evt_io, &p, 0, 0x0100);
	EXPECT_EQ(0x8001, in16(pm_evt_io, &p, 0));
	out16(pm_evt_io, &p, 2, 0x0120);
	EXPECT_EQ(0x0120, in16(pm_evt_io, &p, 2));
}

TEST(reset_register)
{
	struct pm p;
	struct ev v = { 0 };
	uint8_t b = 0x02;

	pm_init(&p, event, &v);
	pm_reset_io(&p, 0, &b, 1, true);
	EXPECT_EQ(0, v.reset);
	b = PM_RESET_VALUE;
	pm_reset_io(&p, 0, &b, 1, true);
	EXPECT_EQ(1, v.reset);
	EXPECT_EQ(0, v.poweroff);
}

TEST_HARNESS_MAIN
