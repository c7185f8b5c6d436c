// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the 8254 PIT and port 0x61 as a guest programs them
 * (every mode, access and BCD setting, latches and read-back, gates) on a
 * clock the fuzzer advances, with expiries at any time: modes, access
 * modes and reload values stay in range.
 */
#include "ops.h"
#include "x86/pit.h"

static uint64_t clock_ns, deadline;

static uint64_t now(void *ctx)
{
	(void)ctx;
	return clock_ns;
}

static void arm(void *ctx, uint64_t d)
{
	(void)ctx;
	deadline = d;
}

static void set_irq(void *ctx, unsigned int irq, int l)
{
	(void)ctx;
	(void)irq;
	(void)l;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct pit p;

	clock_ns = 1000000000ULL;
	deadline = 0;
	pit_init(&p, (struct irq_line){ set_irq, NULL, 0 }, now, arm, NULL);
	while (f.n) {
		uint8_t op = fz_u8(&f);

		switch (op % 5) {
		case 0:
		case 1:
			fz_access(&f, pit_io, &p, 4, false);
			break;
		case 2:
			fz_access(&f, pit_port61_io, &p, 1, false);
			break;
		case 3:		/* time passes: up to ~1 s, or to the deadline */
			if (op & 0x80 && deadline > clock_ns)
				clock_ns = deadline;
			else
				clock_ns += fz_uint(&f, 4);
			pit_expire(&p);
			break;
		default:
			for (int c = 0; c < 3; c++) {
				(void)pit_count(&p, c, clock_ns);
				(void)pit_out(&p, c, clock_ns);
			}
			break;
		}
		for (int c = 0; c < 3; c++)
			if (p.ch[c].mode > 5 || !p.ch[c].rw || p.ch[c].rw > 3 ||
			    (p.ch[c].counting &&
			     (!p.ch[c].reload || p.ch[c].reload > 65536)))
				abort();
	}
	return 0;
}
