// SPDX-License-Identifier: GPL-2.0
/*
 * 8259A model after the Intel 8259A datasheet: edge or level (ELCR) inputs,
 * fully nested priority with rotation, normal and automatic EOI, special
 * mask mode, poll command, and master/slave cascade on IR2.
 */
#include <string.h>

#include "pic.h"

static int priority_of(const struct i8259 *c, uint8_t mask)
{
	for (int i = 0; i < 8; i++)
		if (mask & (1u << ((i + c->priority_add) & 7)))
			return i;
	return 8;
}

/* The IRQ (0..7) this chip would deliver now, or -1. */
static int chip_irq(const struct i8259 *c, bool is_master)
{
	uint8_t isr = c->isr;
	int prio = priority_of(c, c->irr & ~c->imr);

	if (prio == 8)
		return -1;
	if (c->special_mask)
		isr &= ~c->imr;
	/* Special fully nested mode: the slave may interrupt its own service. */
	if (is_master && c->sfnm)
		isr &= ~(1u << 2);
	if (prio < priority_of(c, isr))
		return (prio + c->priority_add) & 7;
	return -1;
}

static void chip_input(struct i8259 *c, int irq, int level)
{
	uint8_t bit = 1u << irq;

	if (c->elcr & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->last_level & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->last_level |= bit;
	else
		c->last_level &= ~bit;
}

static void update(struct pic *p)
{
	bool was = p->output;

	/*
	 * The cascade acts as a level input: a slave request withdrawn before
	 * INTA withdraws the master's, instead of leaving a spurious IRQ15.
	 */
	if (chip_irq(&p->chip[1], false) >= 0)
		p->chip[0].irr |= 1u << 2;
	else
		p->chip[0].irr &= ~(1u << 2);
	p->output = chip_irq(&p->chip[0], true) >= 0;
	if (p->output && !was && p->notify)
		p->notify(p->notify_ctx);
}

void pic_init(struct pic *p, void (*notify)(void *ctx), void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].elcr_mask = 0xf8;
	p->chip[1].elcr_mask = 0xde;
	p->notify = notify;
	p->notify_ctx = ctx;
}

void pic_set_irq(struct pic *p, unsigned int irq, int level)
{
	if (irq >= 16 || irq == 2)
		return;
	chip_input(&p->chip[irq >> 3], irq & 7, level);
	update(p);
}

void pic_irq_set(void *ctx, unsigned int irq, int level)
{
	pic_set_irq(ctx, irq, level);
}

bool pic_pending(const struct pic *p)
{
	return p->output;
}

static void chip_ack(struct i8259 *c, int irq)
{
	uint8_t bit = 1u << irq;

	if (!(c->elcr & bit))
		c->irr &= ~bit;
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->priority_add = (irq + 1) & 7;
	} else {
		c->isr |= bit;
	}
}

uint8_t pic_ack(struct pic *p)
{
	struct i8259 *m = &p->chip[0], *s = &p->chip[1];
	int irq = chip_irq(m, true);
	uint8_t vec;

	if (irq < 0) {
		vec = m->vector_base + 7;
	} else if (irq == 2) {
		int sirq = chip_irq(s, false);

		chip_ack(m, 2);
		if (sirq < 0) {
			vec = s->vector_base + 7;
		} else {
			chip_ack(s, sirq);
			vec = s->vector_base + sirq;
		}
	} else {
		chip_ack(m, irq);
		vec = m->vector_base + irq;
	}
	update(p);
	return vec;
}

static void eoi(struct i8259 *c, int irq, bool rotate)
{
	c->isr &= ~(1u << irq);
	if (rotate)
		c->priority_add = (irq + 1) & 7;
}

static void write_cmd(struct i8259 *c, uint8_t v)
{
	if (v & 0x10) {			/* ICW1 */
		c->imr = c->isr = c->irr = 0;
		c->last_level = 0;
		c->priority_add = 0;
		c->special_mask = c->poll = c->read_isr = false;
		c->auto_eoi = c->rotate_on_aeoi = false;
		c->need_icw4 = v & 1;
		c->single = v & 2;
		c->init_state = 2;
	} else if (v & 0x08) {		/* OCW3 */
		if (v & 0x04)
			c->poll = true;
		if (v & 0x02)
			c->read_isr = v & 1;
		if (v & 0x40)
			c->special_mask = (v >> 5) & 1;
	} else {			/* OCW2 */
		int prio;

		switch (v >> 5) {
		case 0:
		case 4:
			c->rotate_on_aeoi = v >> 7;
			break;
		case 1:
		case 5:
			prio = priority_of(c, c->isr);
			if (prio != 8)
				eoi(c, (prio + c->priority_add) & 7, v >> 7);
			break;
		case 3:
		case 7:
			eoi(c, v & 7, v >> 7);
			break;
		case 6:
			c->priority_add = (v + 1) & 7;
			break;
		default:
			break;
		}
	}
}

static void write_data(struct i8259 *c, uint8_t v)
{
	switch (c->init_state) {
	case 2:
		c->vector_base = v & 0xf8;
		c->init_state = c->single ? (c->need_icw4 ? 4 : 0) : 3;
		break;
	case 3:
		c->init_state = c->need_icw4 ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = v & 2;
		c->sfnm = v & 0x10;
		c->init_state = 0;
		break;
	default:
		c->imr = v;
		break;
	}
}

static uint8_t poll_read(struct pic *p, int n)
{
	struct i8259 *c = &p->chip[n];
	int irq = chip_irq(c, n == 0);

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_ack(c, irq);	/* a poll read acts as an INTA */
	return 0x80 | irq;
}

static void chip_io(struct pic *p, int n, uint64_t off, uint8_t *d,
		    unsigned int size, bool w)
{
	struct i8259 *c = &p->chip[n];

	if (size != 1 || off > 1) {
		if (!w)
			memset(d, 0xff, size);
		return;
	}
	if (w) {
		if (off == 0)
			write_cmd(c, d[0]);
		else
			write_data(c, d[0]);
	} else if (off == 1) {
		d[0] = c->imr;
	} else if (c->poll) {
		d[0] = poll_read(p, n);
	} else {
		d[0] = c->read_isr ? c->isr : c->irr;
	}
	update(p);
}

void pic_master_io(void *p, uint64_t off, uint8_t *d, unsigned int sz, bool w)
{
	chip_io(p, 0, off, d, sz, w);
}

void pic_slave_io(void *p, uint64_t off, uint8_t *d, unsigned int sz, bool w)
{
	chip_io(p, 1, off, d, sz, w);
}

void pic_elcr_io(void *opaque, uint64_t off, uint8_t *d, unsigned int sz, bool w)
{
	struct pic *p = opaque;

	for (unsigned int i = 0; i < sz; i++) {
		struct i8259 *c = off + i < 2 ? &p->chip[off + i] : NULL;

		if (!c) {
			if (!w)
				d[i] = 0xff;
		} else if (w) {
			c->elcr = d[i] & c->elcr_mask;
		} else {
			d[i] = c->elcr;
		}
	}
	if (w)
		update(p);
}
