// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A model after the National Semiconductor PC16550D datasheet. The
 * IRQ output is gated by MCR.OUT2 as on PC boards; loopback mode (MCR bit 4)
 * routes THR to the receiver and MCR to MSR.
 */
#include <string.h>

#include "serial.h"

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IER_RLSI	0x04
#define IER_MSI		0x08
#define IIR_NONE	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_FIFO	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

static uint8_t msr_lines(const struct serial *s)
{
	uint8_t m = s->mcr;

	if (!(m & MCR_LOOP))
		return 0xb0;	/* DCD, DSR, CTS: a connected terminal */
	return (m & MCR_RTS ? 0x10 : 0) | (m & MCR_DTR ? 0x20 : 0) |
	       (m & MCR_OUT1 ? 0x40 : 0) | (m & MCR_OUT2 ? 0x80 : 0);
}

static uint8_t iir(const struct serial *s)
{
	uint8_t fifo = s->fcr & FCR_ENABLE ? IIR_FIFO : 0;

	if ((s->ier & IER_RLSI) && s->overrun)
		return fifo | IIR_RLSI;
	if ((s->ier & IER_RDI) && s->rx_count)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thre_pending)
		return fifo | IIR_THRI;
	if ((s->ier & IER_MSI) && s->msr_delta)
		return fifo | IIR_MSI;
	return fifo | IIR_NONE;
}

static void update_irq(struct serial *s)
{
	/* OUT2 gates the line; in loopback the gate is internal, so no IRQ. */
	int level = !(iir(s) & IIR_NONE) && (s->mcr & MCR_OUT2) &&
		    !(s->mcr & MCR_LOOP);

	if (level != s->irq_level) {
		s->irq_level = level;
		irq_set(&s->irq, level);
	}
}

void serial_init(struct serial *s, struct irq_line irq,
		 void (*tx)(void *ctx, uint8_t byte),
		 void (*rx_space)(void *ctx), void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->irq = irq;
	s->tx = tx;
	s->rx_space = rx_space;
	s->ctx = ctx;
	s->dll = 12;	/* 9600 baud */
}

unsigned int serial_rx_room(const struct serial *s)
{
	return SERIAL_FIFO - s->rx_count;
}

static bool rx_push(struct serial *s, uint8_t b)
{
	if (s->rx_count == SERIAL_FIFO) {
		s->overrun = true;
		return false;
	}
	s->rx[(s->rx_head + s->rx_count) % SERIAL_FIFO] = b;
	s->rx_count++;
	return true;
}

unsigned int serial_rx(struct serial *s, const uint8_t *buf, unsigned int len)
{
	unsigned int n = 0;

	/* The receiver is disconnected from the line in loopback mode. */
	if (s->mcr & MCR_LOOP)
		return 0;
	while (n < len && s->rx_count < SERIAL_FIFO)
		rx_push(s, buf[n++]);
	update_irq(s);
	return n;
}

static uint8_t rx_pop(struct serial *s)
{
	uint8_t b;
	bool was_full = s->rx_count == SERIAL_FIFO;

	if (!s->rx_count)
		return 0;
	b = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_FIFO;
	s->rx_count--;
	if (was_full && s->rx_space)
		s->rx_space(s->ctx);
	return b;
}

static void reg_write(struct serial *s, unsigned int reg, uint8_t v)
{
	uint8_t old;

	switch (reg) {
	case 0:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			break;
		}
		if (s->mcr & MCR_LOOP)
			rx_push(s, v);
		else if (s->tx)
			s->tx(s->ctx, v);
		/* Sent at once: THR is empty again. */
		s->thre_pending = true;
		break;
	case 1:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		old = s->ier;
		s->ier = v & 0x0f;
		/* Enabling THRI while THR is empty raises the interrupt. */
		if ((s->ier & IER_THRI) && !(old & IER_THRI))
			s->thre_pending = true;
		break;
	case 2:
		if ((v ^ s->fcr) & FCR_ENABLE || (v & FCR_CLEAR_RX)) {
			s->rx_count = 0;
			s->rx_head = 0;
		}
		s->fcr = v & 0xc9;	/* enable, DMA mode, trigger level */
		break;
	case 3:
		s->lcr = v;
		break;
	case 4:
		old = msr_lines(s);
		s->mcr = v & 0x1f;
		/* Delta bits: DCTS, DDSR, TERI (falling RI), DDCD. */
		old ^= msr_lines(s);
		s->msr_delta |= (old & 0x10 ? 1 : 0) | (old & 0x20 ? 2 : 0) |
				(old & 0x40 && !(msr_lines(s) & 0x40) ? 4 : 0) |
				(old & 0x80 ? 8 : 0);
		break;
	case 7:
		s->scr = v;
		break;
	default:	/* LSR and MSR are read-only */
		break;
	}
}

static uint8_t reg_read(struct serial *s, unsigned int reg)
{
	uint8_t v;

	switch (reg) {
	case 0:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		return rx_pop(s);
	case 1:
		return s->lcr & LCR_DLAB ? s->dlm : s->ier;
	case 2:
		v = iir(s);
		if ((v & 0x0f) == IIR_THRI)
			s->thre_pending = false;
		return v;
	case 3:
		return s->lcr;
	case 4:
		return s->mcr;
	case 5:
		v = LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0) |
		    (s->overrun ? LSR_OE : 0);
		s->overrun = false;
		return v;
	case 6:
		v = msr_lines(s) | s->msr_delta;
		s->msr_delta = 0;
		return v;
	default:
		return s->scr;
	}
}

void serial_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
	       bool w)
{
	struct serial *s = opaque;

	for (unsigned int i = 0; i < size; i++) {
		unsigned int reg = (unsigned int)(off + i);

		if (reg > 7) {
			if (!w)
				d[i] = 0xff;
			continue;
		}
		if (w)
			reg_write(s, reg, d[i]);
		else
			d[i] = reg_read(s, reg);
	}
	update_irq(s);
}
