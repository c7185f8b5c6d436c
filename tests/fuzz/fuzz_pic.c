// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the cascaded 8259 pair as a guest programs it (ICW1-4
 * in any order and state, OCW2/3: rotate, specific and non-specific EOI,
 * special mask, poll, IRR/ISR reads; ELCR) while devices raise and drop
 * lines and the CPU acknowledges: the vector handed out always lies in the
 * programmed block of the chip that gave it (or is the spurious one).
 */
#include "ops.h"
#include "x86/pic.h"

static void notify(void *ctx)
{
	(void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct pic p;

	pic_init(&p, notify, NULL);
	while (f.n) {
		uint8_t op = fz_u8(&f);

		switch (op % 6) {
		case 0:
			fz_access(&f, pic_master_io, &p, 2, false);
			break;
		case 1:
			fz_access(&f, pic_slave_io, &p, 2, false);
			break;
		case 2:
			fz_access(&f, pic_elcr_io, &p, 2, false);
			break;
		case 3:		/* any line number: the bridge may pass any */
			pic_set_irq(&p, fz_u8(&f) % 20, (op >> 3) & 1);
			break;
		case 4: {
			bool pending = pic_pending(&p);
			uint8_t v = pic_ack(&p);
			uint8_t m = p.chip[0].vector_base & 0xf8;
			uint8_t sl = p.chip[1].vector_base & 0xf8;

			if (pending && (v & 0xf8) != m && (v & 0xf8) != sl)
				abort();
			break;
		}
		default:
			pic_irq_set(&p, fz_u8(&f) % 16, (op >> 3) & 1);
			break;
		}
	}
	return 0;
}
