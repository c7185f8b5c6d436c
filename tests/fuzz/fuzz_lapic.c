// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: four local APICs as their vCPUs' guests drive them
 * through the MMIO page (any register, width and offset: LVTs, timer in
 * every mode and divider, TPR, EOI, SVR, LDR/DFR, ICR IPIs of every
 * delivery and destination mode between them), interrupts arriving from
 * outside (fixed, level, MSI writes), acknowledges and a clock the fuzzer
 * advances: the vector a CPU would take is always a valid one.
 */
#include "x86/lapic.h"
#include "ops.h"

#define N 4

static uint64_t clock_ns;
static unsigned int eois;

static uint64_t now(void *ctx)
{
	(void)ctx;
	return clock_ns;
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
	(void)ctx;
	(void)vector;
	eois++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lapic l[N];
	static struct lapic *const group[N] = { &l[0], &l[1], &l[2], &l[3] };
	struct fz f = { data, size };

	clock_ns = 1000000000ULL;
	for (unsigned int i = 0; i < N; i++) {
		lapic_init(&l[i], i, group, N, now, arm, notify, NULL);
		lapic_set_eoi_hook(&l[i], eoi_level, NULL);
	}
	if (f.n && fz_u8(&f) & 1)
		lapic_virtual_wire(&l[0]);
	while (f.n) {
		uint8_t op = fz_u8(&f);
		struct lapic *a = &l[(op >> 5) & 3];

		switch (op % 8) {
		case 0:
		case 1:
			fz_access(&f, lapic_io, a, LAPIC_SIZE, true);
			break;
		case 2:		/* a register write by number, aligned */
			lapic_write(a, (fz_u8(&f) & 0x3f) << 4, fz_uint(&f, 4));
			break;
		case 3:
			lapic_accept_trig(a, fz_u8(&f), op & 0x80);
			break;
		case 4: {
			struct lapic_msg m;
			uint8_t b = fz_u8(&f);

			m.vector = fz_u8(&f);
			m.dest = fz_u8(&f);
			m.mode = b & 7;
			m.logical = b & 8;
			m.level = b & 16;
			lapic_deliver(group, N, &m);
			break;
		}
		case 5:
			lapic_msi(group, N, 0xfee00000ULL | fz_uint(&f, 3) |
				  (op & 0x80 ? 1ULL << 32 : 0), fz_uint(&f, 4));
			break;
		case 6: {
			int p = lapic_pending(a), v = lapic_ack(a);

			if (p >= 0 && p != v)
				abort();
			if (v >= 0 && v < 16)
				abort();
			(void)lapic_extint(a);
			(void)lapic_ppr(a);
			break;
		}
		default:
			clock_ns += fz_uint(&f, 4);
			lapic_timer_expire(a);
			(void)lapic_timer_count(a, clock_ns);
			break;
		}
	}
	return 0;
}
