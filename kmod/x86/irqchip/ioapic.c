// SPDX-License-Identifier: GPL-2.0
/*
 * An 82093AA-style I/O APIC with 24 pins (datasheet 290566), as kvm.ko
 * models it: IOREGSEL at +0x00, IOWIN at +0x10, ID, version 0x11 with 23
 * as the highest entry, remote IRR for level-triggered pins, cleared by a
 * local APIC's EOI of the pin's vector or by switching the pin to edge.
 * Polarity is stored, not applied (nor does kvm.ko apply it).
 *
 * IRR holds each pin's line level; for an edge pin whose interrupt went
 * out, irr_delivered hides the bit from KVM_GET_IRQCHIP until the next
 * edge.  Sending is left to the caller (x86_ioapic_model_take()): a pin
 * that is sent is counted as delivered, and if no local APIC took it
 * (x86_ioapic_model_coalesced()) a level pin's remote IRR drops again.
 */
#include "x86/irqchip/model.h"

#ifdef __KERNEL__
#include <linux/nospec.h>
#include <linux/string.h>
#else
#include <string.h>
#define array_index_nospec(i, n)	(i)
#endif

#define IOREGSEL	0x00
#define IOWIN		0x10

/* EOIs in a row that find a level pin still high before kvm.ko waits. */
#define X86_IOAPIC_STORM	10000

/**
 * x86_ioapic_model_init - the I/O APIC as KVM_CREATE_IRQCHIP leaves it
 * @m: the I/O APIC
 */
void x86_ioapic_model_init(struct x86_ioapic_model *m)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->s.base_address = X86_IOAPIC_BASE;
	for (i = 0; i < X86_IOAPIC_PINS; i++)
		m->s.redirtbl[i].bits = X86_IOAPIC_MASKED;
}

/* The pin raises its message now, if nothing holds it back. */
static int ioapic_service(struct x86_ioapic_model *m, unsigned int pin)
{
	u64 *e = &m->s.redirtbl[pin].bits;

	if ((*e & X86_IOAPIC_MASKED) ||
	    ((*e & X86_IOAPIC_LEVEL) && (*e & X86_IOAPIC_REMOTE_IRR)))
		return -1;
	if (*e & X86_IOAPIC_LEVEL)
		*e |= X86_IOAPIC_REMOTE_IRR;
	else
		m->irr_delivered |= 1u << pin;
	m->to_send |= 1u << pin;
	return 1;
}

/**
 * x86_ioapic_model_set - a source drives pin @pin
 * @m: the I/O APIC
 * @pin: 0-23; others are ignored
 * @src: enum x86_irq_source
 * @level: the source's level
 *
 * Return: 1 when the pin went low or its message is to be sent, 0 for an
 * edge pin already high (coalesced), -1 when masked or waiting for EOI.
 */
int x86_ioapic_model_set(struct x86_ioapic_model *m, unsigned int pin,
			 unsigned int src, bool level)
{
	u32 bit, old;

	if (pin >= X86_IOAPIC_PINS || src >= 8)
		return 0;
	bit = 1u << pin;
	if (level)
		m->lines[pin] |= 1u << src;
	else
		m->lines[pin] &= ~(1u << src);
	if (!m->lines[pin]) {
		m->s.irr &= ~bit;
		return 1;
	}
	old = m->s.irr;
	m->s.irr |= bit;
	if (!(m->s.redirtbl[pin].bits & X86_IOAPIC_LEVEL)) {
		m->irr_delivered &= ~bit;
		if (old & bit)
			return 0;
	}
	return ioapic_service(m, pin);
}

/**
 * x86_ioapic_model_eoi - a local APIC's EOI for @vector reaches the pins
 * @m: the I/O APIC
 * @vector: the vector
 *
 * Every pin with that vector is reported in @m->acked; a level pin loses
 * remote IRR and, its line still high, sends again.
 */
void x86_ioapic_model_eoi(struct x86_ioapic_model *m, u8 vector)
{
	unsigned int pin;

	for (pin = 0; pin < X86_IOAPIC_PINS; pin++) {
		u64 *e = &m->s.redirtbl[pin].bits;

		if ((*e & X86_IOAPIC_VECTOR) != vector)
			continue;
		m->acked |= 1u << pin;
		if (!(*e & X86_IOAPIC_LEVEL))
			continue;
		*e &= ~X86_IOAPIC_REMOTE_IRR;
		if ((*e & X86_IOAPIC_MASKED) || !(m->s.irr & (1u << pin))) {
			m->eoi_storm[pin] = 0;
			continue;
		}
		/*
		 * A guest that never quiets its device would take the
		 * interrupt forever; kvm.ko then delays the next one.  Here
		 * the pin waits for its line to move instead.
		 */
		if (++m->eoi_storm[pin] >= X86_IOAPIC_STORM) {
			m->eoi_storm[pin] = 0;
			continue;
		}
		ioapic_service(m, pin);
	}
}

/**
 * x86_ioapic_model_mmio - is this access the I/O APIC's?
 * @m: the I/O APIC
 * @gpa: first byte
 * @len: bytes
 *
 * The window stays where KVM_CREATE_IRQCHIP put it: kvm.ko answers only
 * there, and only while KVM_SET_IRQCHIP's base_address still says so.
 *
 * Return: true when [@gpa, @gpa + @len) lies in its 256-byte window.
 */
bool x86_ioapic_model_mmio(const struct x86_ioapic_model *m, u64 gpa,
			   unsigned int len)
{
	return m->s.base_address == X86_IOAPIC_BASE &&
	       gpa >= X86_IOAPIC_BASE && gpa - X86_IOAPIC_BASE < X86_IOAPIC_SIZE &&
	       len <= X86_IOAPIC_SIZE - (gpa - X86_IOAPIC_BASE);
}

static u32 ioapic_read_indirect(const struct x86_ioapic_model *m)
{
	u32 sel = m->s.ioregsel, idx;
	u64 e = ~0ULL;

	switch (sel) {
	case 0:
	case 2:		/* arbitration ID reads as the ID */
		return (m->s.id & 0xf) << 24;
	case 1:
		return (X86_IOAPIC_PINS - 1) << 16 | X86_IOAPIC_VERSION;
	default:
		idx = (sel - 0x10) >> 1;
		if (sel >= 0x10 && idx < X86_IOAPIC_PINS)
			e = m->s.redirtbl[array_index_nospec(idx,
					X86_IOAPIC_PINS)].bits;
		return (sel & 1) ? e >> 32 : (u32)e;
	}
}

static void ioapic_write_indirect(struct x86_ioapic_model *m, u32 val)
{
	const u64 ro = X86_IOAPIC_REMOTE_IRR | X86_IOAPIC_DELIVS;
	u32 sel = m->s.ioregsel, idx;
	u64 *e, was;

	switch (sel) {
	case 0:
		m->s.id = (val >> 24) & 0xf;
		return;
	case 1:
	case 2:
		return;
	}
	idx = (sel - 0x10) >> 1;
	if (sel < 0x10 || idx >= X86_IOAPIC_PINS)
		return;
	idx = array_index_nospec(idx, X86_IOAPIC_PINS);
	e = &m->s.redirtbl[idx].bits;
	was = *e;
	if (sel & 1)
		*e = (*e & 0xffffffffULL) | (u64)val << 32;
	else
		*e = (*e & (~0xffffffffULL | ro)) | (val & ~ro);
	/*
	 * An edge pin has no remote IRR: guests (Linux, Xen) flip a pin to
	 * edge and back to clear it where the I/O APIC lacks an EOI register.
	 */
	if (!(*e & X86_IOAPIC_LEVEL))
		*e &= ~X86_IOAPIC_REMOTE_IRR;
	if (was & ~*e & X86_IOAPIC_MASKED)
		m->unmasked |= 1u << idx;
	/* A level pin unmasked with its line high sends now. */
	if ((*e & X86_IOAPIC_LEVEL) && (m->s.irr & (1u << idx)) &&
	    !(*e & (X86_IOAPIC_MASKED | X86_IOAPIC_REMOTE_IRR)))
		ioapic_service(m, idx);
}

/**
 * x86_ioapic_model_write - a guest's store into the window
 * @m: the I/O APIC
 * @gpa: where (x86_ioapic_model_mmio() said yes)
 * @len: 1, 2, 4 or 8 bytes (8 writes the low 4; others are ignored)
 * @val: the data
 */
void x86_ioapic_model_write(struct x86_ioapic_model *m, u64 gpa,
			    unsigned int len, u64 val)
{
	u32 data;

	switch (len) {
	case 8:
	case 4:
		data = (u32)val;
		break;
	case 2:
		data = (u16)val;
		break;
	case 1:
		data = (u8)val;
		break;
	default:
		return;
	}
	switch ((gpa - m->s.base_address) & 0xff) {
	case IOREGSEL:
		m->s.ioregsel = data & 0xff;
		break;
	case IOWIN:
		ioapic_write_indirect(m, data);
		break;
	}
}

/**
 * x86_ioapic_model_read - a guest's load from the window
 * @m: the I/O APIC
 * @gpa: where
 * @len: bytes, at most 8
 *
 * Return: the data, zero-extended (anything but IOREGSEL and IOWIN reads 0).
 */
u64 x86_ioapic_model_read(struct x86_ioapic_model *m, u64 gpa,
			  unsigned int len)
{
	u64 v;

	switch ((gpa - m->s.base_address) & 0xff) {
	case IOREGSEL:
		v = m->s.ioregsel;
		break;
	case IOWIN:
		v = ioapic_read_indirect(m);
		break;
	default:
		v = 0;
		break;
	}
	if (len < 8)
		v &= (1ULL << (len * 8)) - 1;
	return v;
}

/**
 * x86_ioapic_model_take - the pins whose messages are to go out now
 * @m: the I/O APIC
 *
 * Return: a bitmap of pins, cleared here.
 */
u32 x86_ioapic_model_take(struct x86_ioapic_model *m)
{
	u32 r = m->to_send;

	m->to_send = 0;
	return r;
}

/**
 * x86_ioapic_model_coalesced - no local APIC took @pin's message
 * @m: the I/O APIC
 * @pin: 0-23
 *
 * A level pin then does not wait for an EOI that will not come.
 */
void x86_ioapic_model_coalesced(struct x86_ioapic_model *m, unsigned int pin)
{
	if (pin < X86_IOAPIC_PINS &&
	    (m->s.redirtbl[pin].bits & X86_IOAPIC_LEVEL))
		m->s.redirtbl[pin].bits &= ~X86_IOAPIC_REMOTE_IRR;
}

/**
 * x86_ioapic_model_get - KVM_GET_IRQCHIP's view
 * @m: the I/O APIC
 * @s: filled in
 */
void x86_ioapic_model_get(const struct x86_ioapic_model *m,
			  struct kvm_ioapic_state *s)
{
	*s = m->s;
	s->irr &= ~m->irr_delivered;
}

/**
 * x86_ioapic_model_set_state - KVM_SET_IRQCHIP
 * @m: the I/O APIC
 * @s: what userspace gave, taken as is
 *
 * Its IRR is taken as lines userspace raised: each such pin is driven
 * high and sends if it may, as under kvm.ko.
 */
void x86_ioapic_model_set_state(struct x86_ioapic_model *m,
				const struct kvm_ioapic_state *s)
{
	unsigned int pin;
	u32 irr = s->irr;

	m->s = *s;
	m->s.irr = 0;
	m->irr_delivered = 0;
	for (pin = 0; pin < X86_IOAPIC_PINS; pin++)
		if (irr & (1u << pin))
			x86_ioapic_model_set(m, pin, X86_IRQ_SRC_USER, true);
}
