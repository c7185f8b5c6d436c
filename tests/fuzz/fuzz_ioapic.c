// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the I/O APIC's windows (IOREGSEL/IOWIN, any width
 * and offset; redirection entries in every delivery, destination, trigger
 * and polarity setting) with device lines going up and down on any pin,
 * delivering to two local APICs whose EOIs come back as broadcasts.
 */
#include "x86/ioapic.h"
#include "x86/lapic.h"
#include "ops.h"

#define N 2

static struct ioapic io;

static uint64_t now(void *ctx)
{
	(void)ctx;
	return 1000000000ULL;
}

static void arm(void *ctx, uint64_t d)
{
	(void)ctx;
	(void)d;
}

static void notify(void *ctx)
{
	(void)ctx;
}

static void eoi_level(void *ctx, uint8_t vector)
{
	ioapic_eoi(ctx, vector);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lapic l[N];
	static struct lapic *const group[N] = { &l[0], &l[1] };
	struct fz f = { data, size };

	for (unsigned int i = 0; i < N; i++) {
		lapic_init(&l[i], i, group, N, now, arm, notify, NULL);
		lapic_virtual_wire(&l[i]);
		lapic_set_eoi_hook(&l[i], eoi_level, &io);
	}
	ioapic_init(&io, N, group, N);
	while (f.n) {
		uint8_t op = fz_u8(&f);
		struct lapic *a = &l[(op >> 7) & 1];

		switch (op % 6) {
		case 0:
		case 1:
			fz_access(&f, ioapic_io, &io, IOAPIC_SIZE, true);
			break;
		case 2:		/* by register number, as through the window */
			ioapic_write(&io, fz_u8(&f), fz_uint(&f, 4));
			break;
		case 3:		/* pins past the last one too */
			ioapic_irq_set(&io, fz_u8(&f) % 40, (op >> 3) & 1);
			break;
		case 4:		/* the CPU takes the interrupt, then EOIs it */
			if (lapic_ack(a) >= 0 && op & 8)
				lapic_write(a, LAPIC_EOI, 0);
			break;
		default:
			ioapic_eoi(&io, fz_u8(&f));
			(void)ioapic_read(&io, fz_u8(&f));
			break;
		}
		if (io.asserted >> IOAPIC_PINS)
			abort();
	}
	return 0;
}
