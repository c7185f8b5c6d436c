// SPDX-License-Identifier: GPL-2.0
/*
 * I/O APIC after the Intel 82093AA datasheet. Each of the 24 pins has a
 * 64-bit redirection entry: vector, delivery mode, destination mode and
 * destination, polarity, trigger mode, mask. An edge-triggered pin sends
 * its message on a rising edge of its line while unmasked (a masked edge is
 * ignored). A level-triggered pin (fixed or lowest-priority delivery) sends
 * while its line is asserted, unmasked and its remote IRR clear; sending
 * sets remote IRR, and the local APIC's EOI broadcast for the entry's
 * vector clears it, which sends again if the line is still asserted. NMI,
 * SMI, INIT and ExtINT are always edge-triggered. Messages reach the local
 * APICs at once, so delivery status always reads idle.
 */
#include <string.h>

#include "../bus.h"
#include "ioapic.h"

/* Bits the guest may write in an entry's low and high dwords. */
#define RTE_LOW_RW	0x1afffu
#define RTE_HIGH_RW	0xff000000u

static unsigned int mode_of(uint64_t rte)
{
	return (unsigned int)(rte >> IOAPIC_RTE_MODE_SHIFT) & 7;
}

/* Level-triggered in effect: only fixed and lowest-priority can be. */
static bool is_level(uint64_t rte)
{
	unsigned int mode = mode_of(rte);

	return (rte & IOAPIC_RTE_LEVEL) && (mode == DM_FIXED || mode == DM_LOWEST);
}

void ioapic_msi_of(uint64_t rte, uint64_t *addr, uint32_t *data)
{
	*addr = LAPIC_BASE | (rte >> IOAPIC_RTE_DEST_SHIFT & 0xff) << 12 |
		(rte & IOAPIC_RTE_LOGICAL ? 1u << 2 : 0);
	/* Bit 14: the level is asserted, as an MSI's always is. */
	*data = (uint32_t)(rte & IOAPIC_RTE_VECTOR) | mode_of(rte) << 8 |
		1u << 14 | (is_level(rte) ? 1u << 15 : 0);
}

/* Send pin's message; returns how many local APICs took it. */
static unsigned int send(struct ioapic *a, unsigned int pin)
{
	uint64_t rte = a->rte[pin];
	struct lapic_msg m = {
		.vector = (uint8_t)(rte & IOAPIC_RTE_VECTOR),
		.dest = (uint8_t)(rte >> IOAPIC_RTE_DEST_SHIFT),
		.mode = (uint8_t)mode_of(rte),
		.logical = rte & IOAPIC_RTE_LOGICAL,
		.level = is_level(rte),
	};

	a->sent++;
	if (a->msi) {
		uint64_t addr;
		uint32_t data;

		ioapic_msi_of(rte, &addr, &data);
		return a->msi(a->msi_ctx, addr, data);
	}
	return lapic_deliver(a->group, a->group_n, &m);
}

/* A level-triggered pin: send if asserted, unmasked and not in service. */
static void service_level(struct ioapic *a, unsigned int pin)
{
	uint64_t rte = a->rte[pin];

	if (!(a->asserted & (1u << pin)) || (rte & IOAPIC_RTE_MASKED) ||
	    (rte & IOAPIC_RTE_REMOTE_IRR))
		return;
	/* Remote IRR waits for an EOI only from an APIC that took it. */
	if (send(a, pin))
		a->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
}

void ioapic_init(struct ioapic *a, uint8_t id, struct lapic *const *group,
		 unsigned int group_n)
{
	memset(a, 0, sizeof(*a));
	a->id = a->arb = (uint32_t)(id & 0xf) << 24;
	for (unsigned int i = 0; i < IOAPIC_PINS; i++)
		a->rte[i] = IOAPIC_RTE_MASKED;
	a->group = group;
	a->group_n = group_n;
}

void ioapic_set_irq(struct ioapic *a, unsigned int pin, int level)
{
	uint32_t bit;
	bool rising;

	if (pin >= IOAPIC_PINS)
		return;
	bit = 1u << pin;
	rising = level && !(a->asserted & bit);
	if (level)
		a->asserted |= bit;
	else
		a->asserted &= ~bit;
	if (is_level(a->rte[pin]))
		service_level(a, pin);
	else if (rising && !(a->rte[pin] & IOAPIC_RTE_MASKED))
		send(a, pin);
}

void ioapic_irq_set(void *ctx, unsigned int pin, int level)
{
	ioapic_set_irq(ctx, pin, level);
}

void ioapic_eoi(struct ioapic *a, uint8_t vector)
{
	for (unsigned int pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t rte = a->rte[pin];

		if ((rte & IOAPIC_RTE_VECTOR) != vector ||
		    !(rte & IOAPIC_RTE_REMOTE_IRR))
			continue;
		a->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		if (is_level(rte))
			service_level(a, pin);
	}
}

uint32_t ioapic_read(struct ioapic *a, uint8_t reg)
{
	unsigned int pin;

	switch (reg) {
	case IOAPIC_ID:
		return a->id;
	case IOAPIC_VER:	/* maximum redirection entry, version */
		return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	case IOAPIC_ARB:
		return a->arb;
	default:
		break;
	}
	if (reg < IOAPIC_REDTBL || reg >= IOAPIC_REDTBL + 2 * IOAPIC_PINS)
		return 0;
	pin = (reg - IOAPIC_REDTBL) / 2;
	return (uint32_t)(a->rte[pin] >> (reg & 1 ? 32 : 0));
}

void ioapic_write(struct ioapic *a, uint8_t reg, uint32_t val)
{
	unsigned int pin;
	uint64_t rte;

	if (reg == IOAPIC_ID) {
		/* The arbitration ID is loaded from the ID on this write. */
		a->id = a->arb = val & 0x0f000000;
		return;
	}
	if (reg < IOAPIC_REDTBL || reg >= IOAPIC_REDTBL + 2 * IOAPIC_PINS)
		return;		/* version, arbitration: read-only */
	pin = (reg - IOAPIC_REDTBL) / 2;
	rte = a->rte[pin];
	if (reg & 1) {
		rte = (rte & ~((uint64_t)RTE_HIGH_RW << 32)) |
		      (uint64_t)(val & RTE_HIGH_RW) << 32;
	} else {
		rte = (rte & ~(uint64_t)RTE_LOW_RW) | (val & RTE_LOW_RW);
		/* Remote IRR is undefined for edge: an edge entry clears it
		 * (guests without an EOI register rely on that). */
		if (!(rte & IOAPIC_RTE_LEVEL))
			rte &= ~IOAPIC_RTE_REMOTE_IRR;
	}
	a->rte[pin] = rte;
	if (a->rte_changed)
		a->rte_changed(a->msi_ctx, pin);
	/* An unmasked level entry over an asserted line sends now. */
	if (is_level(rte))
		service_level(a, pin);
}

void ioapic_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
	       bool w)
{
	struct ioapic *a = opaque;

	if (size > 4 || off >= IOAPIC_SIZE || (off & 3) + size > 4) {
		if (!w)
			memset(d, 0, size);
		return;
	}
	switch (off & ~3ULL) {
	case IOAPIC_REGSEL:
		if (w && !(off & 3))
			a->sel = d[0];
		else if (!w)
			bus_put(d, size, (uint64_t)a->sel >> (8 * (off & 3)));
		return;
	case IOAPIC_WIN:
		/* The data window: 32-bit writes, reads of any bytes. */
		if (w && size == 4)
			ioapic_write(a, a->sel, bus_get(d, 4));
		else if (!w)
			bus_put(d, size, ioapic_read(a, a->sel) >> (8 * (off & 3)));
		return;
	default:
		if (!w)
			memset(d, 0, size);
		return;
	}
}
