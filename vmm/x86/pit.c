// SPDX-License-Identifier: GPL-2.0
/*
 * 8254 model after the Intel 82C54 datasheet. Counters are computed from
 * the host clock at read time; only channel 0 drives an interrupt (IRQ0, a
 * pulse per terminal count), through a deadline the VM turns into a timer.
 */
#include <string.h>

#include "pit.h"

static uint64_t ticks_since(const struct pit_channel *c, uint64_t now)
{
	if (!c->counting || now < c->start_ns)
		return 0;
	return (uint64_t)((unsigned __int128)(now - c->start_ns) * PIT_HZ /
			  1000000000ULL);
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * 1000000000ULL +
			   PIT_HZ - 1) / PIT_HZ);
}

static bool periodic(const struct pit_channel *c)
{
	return c->mode == 2 || c->mode == 3;
}

uint16_t pit_count(const struct pit *p, int n, uint64_t now)
{
	const struct pit_channel *c = &p->ch[n];
	uint64_t t = ticks_since(c, now);

	if (!c->counting)
		return (uint16_t)c->reload;
	if (periodic(c)) {
		uint64_t v = c->reload - t % c->reload;

		if (c->mode == 3)	/* counts down by two, twice a period */
			v = (v * 2) % c->reload;
		return (uint16_t)v;
	}
	/* Modes 0, 1, 4, 5: count down once, then wrap through 0xffff. */
	return (uint16_t)(c->reload - t);
}

bool pit_out(const struct pit *p, int n, uint64_t now)
{
	const struct pit_channel *c = &p->ch[n];
	uint64_t t = ticks_since(c, now);

	if (!c->counting)
		return c->mode != 0;
	switch (c->mode) {
	case 0:
	case 1:
		return t >= c->reload;
	case 2:
		return t % c->reload != c->reload - 1;
	case 3:
		return t % c->reload < (c->reload + 1) / 2;
	default:	/* 4, 5: low for one clock at terminal count */
		return t != c->reload;
	}
}

static void rearm(struct pit *p)
{
	struct pit_channel *c = &p->ch[0];
	uint64_t now = p->now(p->ctx), deadline = 0;

	if (c->counting && periodic(c) &&
	    ticks_to_ns(c->reload) < PIT_MIN_PERIOD_NS) {
		/* Each interrupt stands for the periods since the last. */
		uint64_t since = now > c->start_ns ? now - c->start_ns : 0;

		deadline = c->start_ns +
			   (since / PIT_MIN_PERIOD_NS + 1) * PIT_MIN_PERIOD_NS;
	} else if (c->counting && periodic(c)) {
		uint64_t t = ticks_since(c, now);

		deadline = c->start_ns + ticks_to_ns((t / c->reload + 1) * c->reload);
	} else if (c->counting && p->shot_pending) {
		/*
		 * Even if the terminal count already passed (a short count,
		 * a slow exit path): the interrupt is still owed.
		 */
		deadline = c->start_ns + ticks_to_ns(c->reload);
	}
	if (deadline != p->next_irq_ns) {
		p->next_irq_ns = deadline;
		if (p->arm)
			p->arm(p->ctx, deadline);
	}
}

void pit_expire(struct pit *p)
{
	uint64_t now = p->now(p->ctx);

	if (p->next_irq_ns && now >= p->next_irq_ns) {
		irq_set(&p->irq, 1);
		irq_set(&p->irq, 0);
		p->next_irq_ns = 0;	/* the armed deadline has passed */
		p->shot_pending = false;
	}
	rearm(p);
}

void pit_init(struct pit *p, struct irq_line irq, uint64_t (*now)(void *ctx),
	      void (*arm)(void *ctx, uint64_t deadline_ns), void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->irq = irq;
	p->now = now;
	p->arm = arm;
	p->ctx = ctx;
	for (int i = 0; i < 3; i++) {
		p->ch[i].reload = 0x10000;
		p->ch[i].rw = 3;
		p->ch[i].gate = i != 2;
	}
}

static void load(struct pit *p, int n, uint32_t v)
{
	struct pit_channel *c = &p->ch[n];

	if (c->bcd) {	/* four BCD digits */
		v = (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
		    ((v >> 12) & 0xf) * 1000;
	}
	c->reload = v ? v : (c->bcd ? 10000 : 0x10000);
	/* Modes 1 and 5 wait for a gate edge; the others start now if gated on. */
	if (c->mode != 1 && c->mode != 5 && c->gate) {
		c->counting = true;
		c->start_ns = p->now(p->ctx);
	}
	if (n == 0) {
		p->shot_pending = !periodic(c);
		rearm(p);
	}
}

static void write_counter(struct pit *p, int n, uint8_t v)
{
	struct pit_channel *c = &p->ch[n];

	switch (c->rw) {
	case 1:
		load(p, n, v);
		break;
	case 2:
		load(p, n, (uint32_t)v << 8);
		break;
	default:
		if (!c->write_msb_next) {
			c->write_lsb = v;
			c->write_msb_next = true;
			/* Mode 0: writing the first byte stops the count. */
			if (c->mode == 0) {
				c->counting = false;
				if (n == 0)
					rearm(p);
			}
		} else {
			c->write_msb_next = false;
			load(p, n, c->write_lsb | (uint32_t)v << 8);
		}
		break;
	}
}

static void latch_count(struct pit *p, int n, uint64_t now)
{
	struct pit_channel *c = &p->ch[n];

	if (c->latched)
		return;
	c->latched = true;
	c->latch = pit_count(p, n, now);
}

static uint8_t read_counter(struct pit *p, int n, uint64_t now)
{
	struct pit_channel *c = &p->ch[n];
	uint16_t v;
	uint8_t out;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	v = c->latched ? c->latch : pit_count(p, n, now);
	if (c->rw == 1) {
		out = v & 0xff;
	} else if (c->rw == 2) {
		out = v >> 8;
	} else {
		out = c->read_msb_next ? v >> 8 : v & 0xff;
		c->read_msb_next = !c->read_msb_next;
	}
	/* A latch holds until fully read (both bytes in lsb-then-msb mode). */
	if (c->latched && (c->rw != 3 || !c->read_msb_next))
		c->latched = false;
	return out;
}

static void write_control(struct pit *p, uint8_t v, uint64_t now)
{
	int n = v >> 6;

	if (n == 3) {		/* read-back */
		for (int i = 0; i < 3; i++) {
			struct pit_channel *c = &p->ch[i];

			if (!(v & (2u << i)))
				continue;
			if (!(v & 0x20))
				latch_count(p, i, now);
			if (!(v & 0x10) && !c->status_latched) {
				c->status_latched = true;
				c->status = (pit_out(p, i, now) ? 0x80 : 0) |
					    (c->counting ? 0 : 0x40) |
					    c->rw << 4 | c->mode << 1 | c->bcd;
			}
		}
		return;
	}
	if (!(v & 0x30)) {
		latch_count(p, n, now);
		return;
	}
	struct pit_channel *c = &p->ch[n];

	c->rw = (v >> 4) & 3;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;	/* 6, 7 alias 2, 3 */
	c->bcd = v & 1;
	c->write_msb_next = c->read_msb_next = false;
	c->latched = c->status_latched = false;
	c->counting = false;	/* waits for a new count */
	if (n == 0)
		rearm(p);
}

void pit_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size, bool w)
{
	struct pit *p = opaque;
	uint64_t now = p->now(p->ctx);

	if (size != 1) {
		if (!w)
			memset(d, 0xff, size);
		return;
	}
	if (off == 3) {
		if (w)
			write_control(p, d[0], now);
		else
			d[0] = 0xff;
	} else if (w) {
		write_counter(p, (int)off, d[0]);
	} else {
		d[0] = read_counter(p, (int)off, now);
	}
}

void pit_port61_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		   bool w)
{
	struct pit *p = opaque;
	struct pit_channel *c2 = &p->ch[2];
	uint64_t now = p->now(p->ctx);

	(void)off;
	if (size != 1) {
		if (!w)
			memset(d, 0xff, size);
		return;
	}
	if (w) {
		bool gate = d[0] & 1;

		if (gate && !c2->gate) {
			/* Rising gate edge (re)starts the count in modes 1, 2, 3, 5. */
			if (c2->mode != 0 && c2->mode != 4) {
				c2->counting = true;
				c2->start_ns = now;
			} else if (!c2->counting && !c2->write_msb_next) {
				c2->counting = true;
				c2->start_ns = now;
			}
		} else if (!gate && c2->gate && (c2->mode == 2 || c2->mode == 3)) {
			c2->counting = false;
		}
		c2->gate = gate;
		p->speaker_data = d[0] & 2;
		return;
	}
	p->refresh = !p->refresh;
	d[0] = (c2->gate ? 1 : 0) | (p->speaker_data ? 2 : 0) |
	       (p->refresh ? 0x10 : 0) | (pit_out(p, 2, now) ? 0x20 : 0);
}
