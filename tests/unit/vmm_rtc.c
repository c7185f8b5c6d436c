// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/x86/rtc.h"

/* CMOS RTC against a fixed clock: 2024-02-29 13:45:07 UTC, a Thursday. */

static time_t fixed(void *ctx)
{
	return 1709214307;
}

static uint8_t rd(struct rtc *r, uint8_t reg)
{
	uint8_t v = reg;

	rtc_io(r, 0, &v, 1, true);
	rtc_io(r, 1, &v, 1, false);
	return v;
}

static void wr(struct rtc *r, uint8_t reg, uint8_t val)
{
	rtc_io(r, 0, &reg, 1, true);
	rtc_io(r, 1, &val, 1, true);
}

TEST(bcd_24h)
{
	struct rtc r;

	rtc_init(&r, fixed, NULL);
	EXPECT_EQ(0x07, rd(&r, 0));
	EXPECT_EQ(0x45, rd(&r, 2));
	EXPECT_EQ(0x13, rd(&r, 4));
	EXPECT_EQ(0x05, rd(&r, 6));
	EXPECT_EQ(0x29, rd(&r, 7));
	EXPECT_EQ(0x02, rd(&r, 8));
	EXPECT_EQ(0x24, rd(&r, 9));
	EXPECT_EQ(0x20, rd(&r, 0x32));
	EXPECT_EQ(0, rd(&r, 0x0a) & 0x80);	/* no update in progress */
	EXPECT_EQ(0x80, rd(&r, 0x0d));
}

TEST(binary_12h_and_nmi_bit)
{
	struct rtc r;

	rtc_init(&r, fixed, NULL);
	wr(&r, 0x0b, 0x04);			/* binary, 12 hour */
	EXPECT_EQ(0x81, rd(&r, 4));		/* 1 PM */
	EXPECT_EQ(45, rd(&r, 0x82));		/* NMI-disable bit ignored */
}

TEST(cmos_ram)
{
	struct rtc r;

	rtc_init(&r, fixed, NULL);
	wr(&r, 0x40, 0xab);
	EXPECT_EQ(0xab, rd(&r, 0x40));
	wr(&r, 0x0a, 0xff);
	EXPECT_EQ(0, rd(&r, 0x0a) & 0x80);
}

TEST_HARNESS_MAIN
