// SPDX-License-Identifier: GPL-2.0
/*
 * The 8259A pair of a PC (Intel 8259A datasheet), with the PIIX edge/level
 * control registers at 0x4d0/0x4d1, as kvm.ko models it: fully nested
 * priority with rotation, normal and automatic EOI, poll, special fully
 * nested mode, and the slave on the master's IR2.  Single (uncascaded)
 * mode is not modelled, as in kvm.ko: ICW1's SNGL bit is ignored.
 *
 * ICW sequence: init_state 1 waits for ICW2, 2 for ICW3, 3 for ICW4.
 */
#include "x86/irqchip/model.h"

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

/* Rank (0 highest) of the first bit of @mask in rotation order; 8: none. */
static unsigned int pic_rank(const struct kvm_pic_state *c, u8 mask)
{
	unsigned int r;

	for (r = 0; r < 8; r++)
		if (mask & (1u << ((r + c->priority_add) & 7)))
			return r;
	return 8;
}

/* The input this chip asks the CPU (or the master) to serve, or -1. */
static int pic_pending(const struct kvm_pic_state *c, bool master)
{
	unsigned int req = pic_rank(c, c->irr & ~c->imr);
	u8 in_service = c->isr;

	if (req == 8)
		return -1;
	/* Special mask mode: masked levels do not hold lower ones back. */
	if (c->special_mask)
		in_service &= ~c->imr;
	/* Special fully nested: the slave may interrupt its own service. */
	if (master && c->special_fully_nested_mode)
		in_service &= ~(1u << 2);
	if (req >= pic_rank(c, in_service))
		return -1;
	return (req + c->priority_add) & 7;
}

/* An input's level reaches IRR: 1 new request, 0 already there; -1 masked. */
static int pic_input(struct kvm_pic_state *c, unsigned int irq, bool level)
{
	u8 bit = 1u << irq;
	int r = 1;

	if (c->elcr & bit) {
		if (level) {
			r = !(c->irr & bit);
			c->irr |= bit;
			c->last_irr |= bit;
		} else {
			c->irr &= ~bit;
			c->last_irr &= ~bit;
		}
	} else if (level) {
		if (!(c->last_irr & bit)) {
			r = !(c->irr & bit);
			c->irr |= bit;
		}
		c->last_irr |= bit;
	} else {
		c->last_irr &= ~bit;
	}
	return (c->imr & bit) ? -1 : r;
}

static void pic_retire(struct x86_pic_model *p, unsigned int n,
		       unsigned int irq)
{
	p->chip[n].isr &= ~(1u << irq);
	p->acked |= 1u << (n * 8 + irq);
}

/**
 * x86_pic_model_update - recompute the cascade and the output to the CPU
 * @p: the pair
 *
 * The slave's request reaches the master as an edge on IR2, as in kvm.ko.
 */
void x86_pic_model_update(struct x86_pic_model *p)
{
	if (pic_pending(&p->chip[1], false) >= 0) {
		pic_input(&p->chip[0], 2, true);
		pic_input(&p->chip[0], 2, false);
	}
	p->output = pic_pending(&p->chip[0], true) >= 0;
}

/**
 * x86_pic_model_init - the pair as KVM_CREATE_IRQCHIP leaves it
 * @p: the pair
 *
 * All zero but the ELCR masks: IRQ 0-2 and 8, 13 are edge-only on a PIIX.
 */
void x86_pic_model_init(struct x86_pic_model *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].elcr_mask = 0xf8;
	p->chip[1].elcr_mask = 0xde;
}

/**
 * x86_pic_model_set - a source drives input @irq (0-15)
 * @p: the pair
 * @irq: the input; out of range is ignored
 * @src: enum x86_irq_source
 * @level: the source's level
 *
 * Return: as KVM_IRQ_LINE_STATUS: 1 a new request, 0 coalesced, -1 masked.
 */
int x86_pic_model_set(struct x86_pic_model *p, unsigned int irq,
		      unsigned int src, bool level)
{
	int r;

	if (irq >= 16 || src >= 8)
		return 0;
	if (level)
		p->lines[irq] |= 1u << src;
	else
		p->lines[irq] &= ~(1u << src);
	r = pic_input(&p->chip[irq >> 3], irq & 7, p->lines[irq] != 0);
	x86_pic_model_update(p);
	return r;
}

static void pic_ack(struct x86_pic_model *p, unsigned int n, unsigned int irq)
{
	struct kvm_pic_state *c = &p->chip[n];
	u8 bit = 1u << irq;

	c->isr |= bit;
	/* A level input stays requested while it is high. */
	if (!(c->elcr & bit))
		c->irr &= ~bit;
	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (irq + 1) & 7;
		pic_retire(p, n, irq);
	}
}

/**
 * x86_pic_model_intack - the CPU's interrupt acknowledge cycle
 * @p: the pair
 *
 * Return: the vector; with nothing to serve, the spurious IRQ 7 of the
 * chip that had nothing.
 */
int x86_pic_model_intack(struct x86_pic_model *p)
{
	int irq = pic_pending(&p->chip[0], true), irq2;
	int vec;

	p->output = false;
	if (irq < 0) {
		vec = p->chip[0].irq_base + 7;
	} else if (irq == 2) {
		pic_ack(p, 0, 2);
		irq2 = pic_pending(&p->chip[1], false);
		if (irq2 >= 0)
			pic_ack(p, 1, irq2);
		else
			irq2 = 7;
		vec = p->chip[1].irq_base + irq2;
	} else {
		pic_ack(p, 0, irq);
		vec = p->chip[0].irq_base + irq;
	}
	x86_pic_model_update(p);
	return vec & 0xff;
}

/* ICW1: the chip starts over and waits for ICW2. */
static void pic_icw1(struct x86_pic_model *p, unsigned int n, u8 val)
{
	struct kvm_pic_state *c = &p->chip[n];
	u8 edge = c->irr & ~c->elcr;
	unsigned int irq;

	c->init4 = val & 1;
	c->last_irr = 0;
	c->irr &= c->elcr;
	c->imr = 0;
	c->priority_add = 0;
	c->special_mask = 0;
	c->read_reg_select = 0;
	if (!c->init4) {
		c->special_fully_nested_mode = 0;
		c->auto_eoi = 0;
	}
	c->init_state = 1;
	/* kvm.ko retires the in-service levels of the dropped edge requests. */
	for (irq = 0; irq < 8; irq++)
		if (edge & (1u << irq))
			pic_retire(p, n, irq);
}

static void pic_ocw2(struct x86_pic_model *p, unsigned int n, u8 val)
{
	struct kvm_pic_state *c = &p->chip[n];
	unsigned int cmd = val >> 5, r, irq;

	switch (cmd) {
	case 0:		/* rotate in automatic EOI mode: clear */
	case 4:		/* set */
		c->rotate_on_auto_eoi = cmd >> 2;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* and rotate */
		r = pic_rank(c, c->isr);
		if (r == 8)
			break;
		irq = (r + c->priority_add) & 7;
		if (cmd == 5)
			c->priority_add = (irq + 1) & 7;
		pic_retire(p, n, irq);
		break;
	case 3:		/* specific EOI */
		pic_retire(p, n, val & 7);
		break;
	case 6:		/* set priority */
		c->priority_add = (val + 1) & 7;
		break;
	case 7:		/* specific EOI and rotate */
		irq = val & 7;
		c->priority_add = (irq + 1) & 7;
		pic_retire(p, n, irq);
		break;
	default:	/* 2: no operation */
		break;
	}
}

static void pic_write_cmd(struct x86_pic_model *p, unsigned int n, u8 val)
{
	struct kvm_pic_state *c = &p->chip[n];

	if (val & 0x10) {
		pic_icw1(p, n, val);
	} else if (val & 0x08) {	/* OCW3 */
		if (val & 0x04)
			c->poll = 1;
		if (val & 0x02)
			c->read_reg_select = val & 1;
		if (val & 0x40)
			c->special_mask = (val >> 5) & 1;
	} else {
		pic_ocw2(p, n, val);
	}
}

static void pic_write_data(struct x86_pic_model *p, unsigned int n, u8 val)
{
	struct kvm_pic_state *c = &p->chip[n];

	switch (c->init_state) {
	case 0:		/* OCW1 */
		p->unmasked |= (u16)(c->imr & ~val) << (n * 8);
		c->imr = val;
		break;
	case 1:		/* ICW2 */
		c->irq_base = val & 0xf8;
		c->init_state = 2;
		break;
	case 2:		/* ICW3: cascade wiring, fixed here */
		c->init_state = c->init4 ? 3 : 0;
		break;
	case 3:		/* ICW4 */
		c->special_fully_nested_mode = (val >> 4) & 1;
		c->auto_eoi = (val >> 1) & 1;
		c->init_state = 0;
		break;
	default:	/* only SET_IRQCHIP gets here: ignored as in kvm.ko */
		break;
	}
}

/*
 * Poll command: the highest request is served and retired at once (kvm.ko
 * returns its number without bit 7, and 7 when there is none).
 */
static u8 pic_poll(struct x86_pic_model *p, unsigned int n)
{
	struct kvm_pic_state *c = &p->chip[n];
	int irq = pic_pending(c, n == 0);

	if (irq < 0)
		return 7;
	if (n == 1) {
		p->chip[0].isr &= ~(1u << 2);
		p->chip[0].irr &= ~(1u << 2);
	}
	c->irr &= ~(1u << irq);
	pic_retire(p, n, irq);
	return irq;
}

/**
 * x86_pic_model_port - is this access the pair's?
 * @port: first port
 * @len: bytes
 *
 * Return: true when [@port, @port + @len) lies within the command/data
 * ports of either chip or the ELCR pair.
 */
bool x86_pic_model_port(u16 port, unsigned int len)
{
	static const u16 base[] = { 0x20, 0xa0, 0x4d0 };
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (port >= base[i] && len <= 2 && port + len <= base[i] + 2u)
			return true;
	return false;
}

/**
 * x86_pic_model_write - a guest's OUT of one byte
 * @p: the pair
 * @port: 0x20, 0x21, 0xa0, 0xa1, 0x4d0 or 0x4d1
 * @val: the byte
 */
void x86_pic_model_write(struct x86_pic_model *p, u16 port, u8 val)
{
	unsigned int n = (port >> 7) & 1;

	switch (port) {
	case 0x20:
	case 0xa0:
		pic_write_cmd(p, n, val);
		break;
	case 0x21:
	case 0xa1:
		pic_write_data(p, n, val);
		break;
	case 0x4d0:
	case 0x4d1:
		p->chip[port & 1].elcr = val & p->chip[port & 1].elcr_mask;
		break;
	default:
		return;
	}
	x86_pic_model_update(p);
}

/**
 * x86_pic_model_read - a guest's IN of one byte
 * @p: the pair
 * @port: as for x86_pic_model_write()
 *
 * Return: the byte.
 */
u8 x86_pic_model_read(struct x86_pic_model *p, u16 port)
{
	unsigned int n = (port >> 7) & 1;
	struct kvm_pic_state *c = &p->chip[n];
	u8 v;

	switch (port) {
	case 0x4d0:
	case 0x4d1:
		return p->chip[port & 1].elcr;
	case 0x20:
	case 0x21:
	case 0xa0:
	case 0xa1:
		break;
	default:
		return 0xff;
	}
	if (c->poll) {
		c->poll = 0;
		v = pic_poll(p, n);
		x86_pic_model_update(p);
		return v;
	}
	if (port & 1)
		return c->imr;
	return c->read_reg_select ? c->isr : c->irr;
}
