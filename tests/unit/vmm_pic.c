// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/x86/pic.h"

/* 8259 pair, programmed as Linux's init_8259A() does. */

static int notified;

static void notify(void *ctx)
{
	(void)ctx;
	notified++;
}

static void out(struct pic *p, uint16_t port, uint8_t v)
{
	if (port >= 0x4d0)
		pic_elcr_io(p, port - 0x4d0, &v, 1, true);
	else if (port >= 0xa0)
		pic_slave_io(p, port - 0xa0, &v, 1, true);
	else
		pic_master_io(p, port - 0x20, &v, 1, true);
}

static uint8_t in(struct pic *p, uint16_t port)
{
	uint8_t v;

	if (port >= 0x4d0)
		pic_elcr_io(p, port - 0x4d0, &v, 1, false);
	else if (port >= 0xa0)
		pic_slave_io(p, port - 0xa0, &v, 1, false);
	else
		pic_master_io(p, port - 0x20, &v, 1, false);
	return v;
}

static void linux_init(struct pic *p)
{
	pic_init(p, notify, NULL);
	notified = 0;
	out(p, 0x21, 0xff);
	out(p, 0xa1, 0xff);
	out(p, 0x20, 0x11);	/* ICW1: edge, cascade, ICW4 */
	out(p, 0x21, 0x30);	/* ICW2: vectors 0x30-0x37 */
	out(p, 0x21, 0x04);	/* ICW3: slave on IR2 */
	out(p, 0x21, 0x01);	/* ICW4: 8086, normal EOI */
	out(p, 0xa0, 0x11);
	out(p, 0xa1, 0x38);
	out(p, 0xa1, 0x02);
	out(p, 0xa1, 0x01);
	out(p, 0x21, 0xfb);	/* all masked but the cascade */
	out(p, 0xa1, 0xff);
}

TEST(imr_reads_back)
{
	struct pic p;

	linux_init(&p);
	EXPECT_EQ(0xfb, in(&p, 0x21));
	EXPECT_EQ(0xff, in(&p, 0xa1));
	out(&p, 0x21, 0x5a);
	EXPECT_EQ(0x5a, in(&p, 0x21));
}

TEST(masked_irq_waits_for_unmask)
{
	struct pic p;

	linux_init(&p);
	pic_set_irq(&p, 0, 1);
	pic_set_irq(&p, 0, 0);
	EXPECT_FALSE(pic_pending(&p));
	EXPECT_EQ(0, notified);
	EXPECT_EQ(0x01, in(&p, 0x20));	/* IRR (OCW3 default read) */
	out(&p, 0x21, 0xfa);
	EXPECT_TRUE(pic_pending(&p));
	EXPECT_EQ(1, notified);
	EXPECT_EQ(0x30, pic_ack(&p));
	EXPECT_FALSE(pic_pending(&p));
	out(&p, 0x20, 0x0b);		/* OCW3: read ISR */
	EXPECT_EQ(0x01, in(&p, 0x20));
	out(&p, 0x20, 0x60);		/* specific EOI, IR0 */
	EXPECT_EQ(0x00, in(&p, 0x20));
}

TEST(priority_and_nesting)
{
	struct pic p;

	linux_init(&p);
	out(&p, 0x21, 0x00);
	pic_set_irq(&p, 4, 1);
	pic_set_irq(&p, 1, 1);
	EXPECT_EQ(0x31, pic_ack(&p));	/* IR1 beats IR4 */
	EXPECT_FALSE(pic_pending(&p));	/* IR4 is lower than in-service IR1 */
	pic_set_irq(&p, 0, 1);
	EXPECT_TRUE(pic_pending(&p));	/* IR0 preempts IR1 */
	EXPECT_EQ(0x30, pic_ack(&p));
	out(&p, 0x20, 0x20);		/* non-specific EOI ends IR0 */
	EXPECT_FALSE(pic_pending(&p));
	out(&p, 0x20, 0x20);		/* ... then IR1 */
	EXPECT_TRUE(pic_pending(&p));
	EXPECT_EQ(0x34, pic_ack(&p));
}

TEST(edge_needs_new_edge)
{
	struct pic p;

	linux_init(&p);
	out(&p, 0x21, 0x00);
	pic_set_irq(&p, 4, 1);
	EXPECT_EQ(0x34, pic_ack(&p));
	out(&p, 0x20, 0x64);
	pic_set_irq(&p, 4, 1);		/* still high: no new request */
	EXPECT_FALSE(pic_pending(&p));
	pic_set_irq(&p, 4, 0);
	pic_set_irq(&p, 4, 1);
	EXPECT_TRUE(pic_pending(&p));
}

TEST(slave_through_cascade)
{
	struct pic p;

	linux_init(&p);
	out(&p, 0xa1, 0xfd);		/* unmask IRQ9 */
	pic_set_irq(&p, 9, 1);
	EXPECT_TRUE(pic_pending(&p));
	EXPECT_EQ(0x39, pic_ack(&p));
	out(&p, 0x20, 0x0b);
	EXPECT_EQ(0x04, in(&p, 0x20));	/* master ISR: cascade */
	out(&p, 0xa0, 0x0b);
	EXPECT_EQ(0x02, in(&p, 0xa0));
	out(&p, 0xa0, 0x61);		/* Linux: specific EOI on both */
	out(&p, 0x20, 0x62);
	EXPECT_EQ(0x00, in(&p, 0xa0));
	EXPECT_EQ(0x00, in(&p, 0x20));
}

TEST(level_triggered_via_elcr)
{
	struct pic p;

	linux_init(&p);
	out(&p, 0x4d1, 0x02);		/* IRQ9 level, as for the ACPI SCI */
	EXPECT_EQ(0x02, in(&p, 0x4d1));
	out(&p, 0x4d0, 0xff);
	EXPECT_EQ(0xf8, in(&p, 0x4d0));	/* IRQ0-2 cannot be level */
	out(&p, 0x4d0, 0x00);
	out(&p, 0xa1, 0xfd);
	pic_set_irq(&p, 9, 1);
	EXPECT_EQ(0x39, pic_ack(&p));
	out(&p, 0xa0, 0x61);
	out(&p, 0x20, 0x62);
	EXPECT_TRUE(pic_pending(&p));	/* line still high: requested again */
	pic_set_irq(&p, 9, 0);
	EXPECT_FALSE(pic_pending(&p));
}

TEST(spurious_when_nothing_pending)
{
	struct pic p;

	linux_init(&p);
	EXPECT_EQ(0x37, pic_ack(&p));
}

TEST(auto_eoi_and_poll)
{
	struct pic p;

	pic_init(&p, NULL, NULL);
	out(&p, 0x20, 0x13);		/* single, ICW4 */
	out(&p, 0x21, 0x08);
	out(&p, 0x21, 0x03);		/* auto EOI */
	out(&p, 0x21, 0x00);
	pic_set_irq(&p, 3, 1);
	EXPECT_EQ(0x0b, pic_ack(&p));
	out(&p, 0x20, 0x0b);
	EXPECT_EQ(0x00, in(&p, 0x20));	/* no ISR bit with auto EOI */
	pic_set_irq(&p, 5, 1);
	out(&p, 0x20, 0x0c);		/* poll */
	EXPECT_EQ(0x85, in(&p, 0x20));
	EXPECT_FALSE(pic_pending(&p));
}

TEST(rotation)
{
	struct pic p;

	linux_init(&p);
	out(&p, 0x21, 0x00);
	pic_set_irq(&p, 0, 1);
	EXPECT_EQ(0x30, pic_ack(&p));
	out(&p, 0x20, 0xa0);		/* rotate on non-specific EOI */
	pic_set_irq(&p, 0, 0);
	pic_set_irq(&p, 0, 1);
	pic_set_irq(&p, 5, 1);
	EXPECT_EQ(0x35, pic_ack(&p));	/* IR0 is now lowest priority */
}

TEST_HARNESS_MAIN
