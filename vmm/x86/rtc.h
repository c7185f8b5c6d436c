/* SPDX-License-Identifier: GPL-2.0 */
/* MC146818 CMOS real-time clock (ports 0x70, 0x71), reading the host clock. */
#ifndef VIREO_RTC_H
#define VIREO_RTC_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct rtc {
	uint8_t index;
	uint8_t cmos[128];
	time_t (*now)(void *ctx);	/* seconds since the epoch, UTC */
	void *ctx;
};

void rtc_init(struct rtc *r, time_t (*now)(void *ctx), void *ctx);
void rtc_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size, bool w);

#endif
