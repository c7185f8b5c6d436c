// SPDX-License-Identifier: GPL-2.0
/*
 * CMOS RTC after the MC146818A datasheet: time registers are produced on
 * each read from the host's UTC clock (no update cycle, UIP never set), in
 * BCD or binary and 12 or 24 hour format as register B selects. Alarms and
 * periodic interrupts are not modelled.
 */
#include <string.h>

#include "rtc.h"

#define REG_A		0x0a
#define REG_B		0x0b
#define REG_C		0x0c
#define REG_D		0x0d
#define REG_CENTURY	0x32
#define B_24H		0x02
#define B_BINARY	0x04

static time_t host_now(void *ctx)
{
	(void)ctx;
	return time(NULL);
}

void rtc_init(struct rtc *r, time_t (*now)(void *ctx), void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->now = now ? now : host_now;
	r->ctx = ctx;
	r->cmos[REG_A] = 0x26;		/* 32.768 kHz base, 1024 Hz rate */
	r->cmos[REG_B] = B_24H;		/* BCD, 24 hour */
	r->cmos[REG_D] = 0x80;		/* valid RAM and time */
}

static uint8_t enc(const struct rtc *r, int v)
{
	if (r->cmos[REG_B] & B_BINARY)
		return (uint8_t)v;
	return (uint8_t)((v / 10) << 4 | v % 10);
}

static uint8_t read_reg(struct rtc *r, uint8_t reg)
{
	time_t t = r->now(r->ctx);
	struct tm tm;
	int hour;

	if (reg > 9 && reg != REG_CENTURY)
		return reg == REG_C ? 0 : r->cmos[reg];
	gmtime_r(&t, &tm);
	switch (reg) {
	case 0:
		return enc(r, tm.tm_sec);
	case 2:
		return enc(r, tm.tm_min);
	case 4:
		hour = tm.tm_hour;
		if (r->cmos[REG_B] & B_24H)
			return enc(r, hour);
		return enc(r, hour % 12 ? hour % 12 : 12) | (hour >= 12 ? 0x80 : 0);
	case 6:
		return enc(r, tm.tm_wday + 1);
	case 7:
		return enc(r, tm.tm_mday);
	case 8:
		return enc(r, tm.tm_mon + 1);
	case 9:
		return enc(r, tm.tm_year % 100);
	case REG_CENTURY:
		return enc(r, 19 + tm.tm_year / 100);
	default:	/* alarm registers 1, 3, 5 */
		return r->cmos[reg];
	}
}

void rtc_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size, bool w)
{
	struct rtc *r = opaque;

	if (size != 1) {
		if (!w)
			memset(d, 0xff, size);
		return;
	}
	if (off == 0) {
		if (w)
			r->index = d[0] & 0x7f;	/* bit 7 is the NMI mask */
		else
			d[0] = 0xff;
		return;
	}
	if (!w) {
		d[0] = read_reg(r, r->index);
		return;
	}
	switch (r->index) {
	case REG_A:
		r->cmos[REG_A] = d[0] & 0x7f;	/* UIP is read-only */
		break;
	case REG_C:
	case REG_D:
		break;
	default:
		/* Writes to the time registers are accepted and forgotten. */
		r->cmos[r->index] = d[0];
		break;
	}
}
