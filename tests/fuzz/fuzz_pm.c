// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the ACPI fixed hardware (PM1a event and control
 * blocks, the reset register) at every width and offset: sleep types,
 * SLP_EN, write-one-to-clear status bits, resets.
 */
#include "ops.h"
#include "x86/pm.h"

static unsigned int events[2];

static void event(void *ctx, enum pm_event ev)
{
	(void)ctx;
	if (ev != PM_POWEROFF && ev != PM_RESET)
		abort();
	events[ev]++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct pm p;

	pm_init(&p, event, NULL);
	while (f.n) {
		switch (fz_u8(&f) % 3) {
		case 0:
			fz_access(&f, pm_evt_io, &p, 4, false);
			break;
		case 1:
			fz_access(&f, pm_cnt_io, &p, 2, false);
			break;
		default:
			fz_access(&f, pm_reset_io, &p, 1, false);
			break;
		}
	}
	return 0;
}
