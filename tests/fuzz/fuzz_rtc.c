// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the CMOS RTC's index and data ports (any index, NMI
 * bit, BCD and 12-hour modes, CMOS RAM) over a host clock the fuzzer sets
 * to any time Linux's CLOCK_REALTIME can hold: 1970 to 2262 (settimeofday
 * refuses negative seconds, and the kernel keeps time in signed 64-bit
 * nanoseconds). The model does not guard against clocks outside that.
 */
#include "ops.h"
#include "x86/rtc.h"

/* KTIME_SEC_MAX: the last second CLOCK_REALTIME can hold. */
#define CLOCK_SEC_MAX (INT64_MAX / 1000000000LL)

static time_t clock_now;

static time_t now(void *ctx)
{
	(void)ctx;
	return clock_now;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct rtc r;

	clock_now = 0;
	rtc_init(&r, now, NULL);
	while (f.n) {
		if (fz_u8(&f) & 1)
			fz_access(&f, rtc_io, &r, 2, false);
		else
			clock_now = (time_t)(fz_uint(&f, 8) % (CLOCK_SEC_MAX + 1));
	}
	return 0;
}
