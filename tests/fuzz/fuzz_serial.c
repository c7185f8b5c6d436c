// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the 16550 UART as a guest drives it (any register,
 * DLAB on and off, FIFO control, loopback, scratch, interrupt enables),
 * interleaved with bytes arriving from the host side, with the FIFO and
 * interrupt line checked after every step.
 */
#include "ops.h"
#include "serial.h"

static int level;
static unsigned int sent;

static void set_irq(void *ctx, unsigned int irq, int l)
{
	(void)ctx;
	(void)irq;
	level = l;
}

static void tx(void *ctx, uint8_t byte)
{
	(void)ctx;
	(void)byte;
	sent++;
}

static void rx_space(void *ctx)
{
	(void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct serial s;

	serial_init(&s, (struct irq_line){ set_irq, NULL, 4 }, tx, rx_space,
		    NULL);
	while (f.n) {
		uint8_t op = fz_u8(&f);

		if (op & 0x80) {
			uint8_t buf[32];
			unsigned int n = op & 31, room = serial_rx_room(&s);

			for (unsigned int i = 0; i < n; i++)
				buf[i] = fz_u8(&f);
			if (serial_rx(&s, buf, n < room ? n : room) > room)
				abort();
		} else {
			fz_access(&f, serial_io, &s, 8, false);
		}
		if (s.rx_count > SERIAL_FIFO || s.rx_head >= SERIAL_FIFO ||
		    serial_rx_room(&s) > SERIAL_FIFO)
			abort();
	}
	return 0;
}
