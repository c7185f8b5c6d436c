// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/serial.h"

/* 16550A as Linux's 8250 driver drives it. */

struct env {
	char out[64];
	int nout, level, room_calls;
};

static void irq(void *ctx, unsigned int n, int level)
{
	((struct env *)ctx)->level = level;
}

static void tx(void *ctx, uint8_t b)
{
	struct env *e = ctx;

	if (e->nout < (int)sizeof(e->out) - 1)
		e->out[e->nout++] = (char)b;
}

static void room(void *ctx)
{
	((struct env *)ctx)->room_calls++;
}

static void setup(struct serial *s, struct env *e)
{
	struct irq_line l = { irq, e, 4 };

	memset(e, 0, sizeof(*e));
	serial_init(s, l, tx, room, e);
}

static void out(struct serial *s, int reg, uint8_t v)
{
	serial_io(s, reg, &v, 1, true);
}

static uint8_t in(struct serial *s, int reg)
{
	uint8_t v;

	serial_io(s, reg, &v, 1, false);
	return v;
}

TEST(probe_looks_like_16550a)
{
	struct serial s;
	struct env e;

	setup(&s, &e);
	out(&s, 7, 0xa5);
	EXPECT_EQ(0xa5, in(&s, 7));	/* scratch register */
	out(&s, 1, 0x00);
	EXPECT_EQ(0x00, in(&s, 1));
	out(&s, 1, 0xff);
	EXPECT_EQ(0x0f, in(&s, 1));	/* IER: 4 bits, no UUE (not XScale) */
	out(&s, 1, 0x00);
	out(&s, 2, 0x01);		/* FIFO on */
	EXPECT_EQ(0xc0, in(&s, 2) & 0xc0);
	EXPECT_EQ(0x00, in(&s, 2) & 0x20);	/* not a 16750 */
	out(&s, 3, 0xbf);		/* EFR probe sees IIR: not a 16650 */
	EXPECT_NE(0x00, in(&s, 2));
	out(&s, 3, 0x03);
	/* Loopback: MSR follows MCR (RTS->CTS, OUT2->DCD). */
	out(&s, 4, 0x1a);
	EXPECT_EQ(0x90, in(&s, 6) & 0xf0);
	out(&s, 4, 0x00);
	EXPECT_EQ(0xb0, in(&s, 6) & 0xf0);
}

TEST(divisor_latch)
{
	struct serial s;
	struct env e;

	setup(&s, &e);
	out(&s, 3, 0x83);
	out(&s, 0, 0x01);
	out(&s, 1, 0x00);
	EXPECT_EQ(0x01, in(&s, 0));
	out(&s, 3, 0x03);
	EXPECT_EQ(0, e.nout);		/* DLL write is not data */
	EXPECT_EQ(0x00, in(&s, 1));	/* IER unaffected */
}

TEST(transmit_and_thre_interrupt)
{
	struct serial s;
	struct env e;

	setup(&s, &e);
	out(&s, 4, 0x0b);		/* DTR, RTS, OUT2 */
	EXPECT_EQ(0x60, in(&s, 5) & 0x60);	/* THRE, TEMT */
	out(&s, 0, 'h');
	out(&s, 0, 'i');
	EXPECT_STREQ("hi", e.out);
	EXPECT_EQ(0, e.level);		/* THRI not enabled */
	out(&s, 1, 0x02);
	EXPECT_EQ(1, e.level);
	EXPECT_EQ(0x02, in(&s, 2) & 0x0f);	/* reading IIR acks THRE */
	EXPECT_EQ(0, e.level);
	EXPECT_EQ(0x01, in(&s, 2) & 0x0f);
	out(&s, 0, '!');		/* next empty THR raises it again */
	EXPECT_EQ(1, e.level);
	out(&s, 1, 0x00);
	EXPECT_EQ(0, e.level);
}

TEST(linux_thre_test_sees_no_bug)
{
	struct serial s;
	struct env e;
	uint8_t iir1, iir;

	/* serial8250_do_startup(): UART_BUG_THRE detection. */
	setup(&s, &e);
	out(&s, 1, 0x02);
	iir1 = in(&s, 2);
	out(&s, 1, 0x00);
	out(&s, 1, 0x02);
	iir = in(&s, 2);
	out(&s, 1, 0x00);
	EXPECT_FALSE(iir1 & 0x01);
	EXPECT_FALSE(iir & 0x01);
}

TEST(out2_gates_the_line)
{
	struct serial s;
	struct env e;

	setup(&s, &e);
	out(&s, 1, 0x02);
	EXPECT_EQ(0, e.level);
	out(&s, 4, 0x08);
	EXPECT_EQ(1, e.level);
}

TEST(receive_fifo_and_interrupt)
{
	struct serial s;
	struct env e;
	uint8_t buf[20];

	setup(&s, &e);
	out(&s, 4, 0x08);
	out(&s, 2, 0x01);
	out(&s, 1, 0x01);
	EXPECT_EQ(SERIAL_FIFO, serial_rx_room(&s));
	EXPECT_EQ(3, serial_rx(&s, (const uint8_t *)"abc", 3));
	EXPECT_EQ(1, e.level);
	EXPECT_EQ(0x04, in(&s, 2) & 0x0f);
	EXPECT_EQ(0x01, in(&s, 5) & 0x01);
	EXPECT_EQ('a', in(&s, 0));
	EXPECT_EQ('b', in(&s, 0));
	EXPECT_EQ('c', in(&s, 0));
	EXPECT_EQ(0x00, in(&s, 5) & 0x01);
	EXPECT_EQ(0, e.level);
	/* A full FIFO takes no more, and draining it asks for more input. */
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(SERIAL_FIFO, serial_rx(&s, buf, sizeof(buf)));
	EXPECT_EQ(0, serial_rx_room(&s));
	EXPECT_EQ(0, e.room_calls);
	in(&s, 0);
	EXPECT_EQ(1, e.room_calls);
	/* FCR clears the receive FIFO. */
	out(&s, 2, 0x03);
	EXPECT_EQ(SERIAL_FIFO, serial_rx_room(&s));
}

TEST(rx_beats_thre_in_iir)
{
	struct serial s;
	struct env e;

	setup(&s, &e);
	out(&s, 4, 0x08);
	out(&s, 1, 0x03);
	serial_rx(&s, (const uint8_t *)"z", 1);
	EXPECT_EQ(0x04, in(&s, 2) & 0x0f);
	in(&s, 0);
	EXPECT_EQ(0x02, in(&s, 2) & 0x0f);
}

TEST(loopback_routes_tx_to_rx)
{
	struct serial s;
	struct env e;

	setup(&s, &e);
	out(&s, 4, 0x18);
	out(&s, 0, 'q');
	EXPECT_EQ(0, e.nout);
	EXPECT_EQ(0x01, in(&s, 5) & 0x01);
	EXPECT_EQ('q', in(&s, 0));
	EXPECT_EQ(0, serial_rx(&s, (const uint8_t *)"x", 1));
}

TEST(out_of_range_and_wide_access)
{
	struct serial s;
	struct env e;
	uint8_t d[4] = { 'a', 'b', 0, 0 };

	setup(&s, &e);
	serial_io(&s, 0, d, 1, true);
	serial_io(&s, 6, d, 4, false);	/* MSR, SCR, then two beyond */
	EXPECT_EQ(0xff, d[2]);
	EXPECT_EQ(0xff, d[3]);
}

TEST_HARNESS_MAIN
