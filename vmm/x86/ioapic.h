/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An I/O APIC after the Intel 82093AA datasheet (version 0x11, 24 pins) at
 * 0xfec00000, for SMP guests: device interrupt lines in, interrupt messages
 * out to the local APICs (lapic.c). Registers through the index (IOREGSEL,
 * offset 0x00) and data (IOWIN, offset 0x10) windows.
 */
#ifndef VIREO_IOAPIC_H
#define VIREO_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "lapic.h"

#define IOAPIC_BASE	0xfec00000ULL
#define IOAPIC_SIZE	0x1000ULL
#define IOAPIC_PINS	24
#define IOAPIC_VERSION	0x11

/* Window offsets in the page, and the registers behind IOWIN. */
enum { IOAPIC_REGSEL = 0x00, IOAPIC_WIN = 0x10 };
enum { IOAPIC_ID = 0x00, IOAPIC_VER = 0x01, IOAPIC_ARB = 0x02,
       IOAPIC_REDTBL = 0x10 };	/* 0x10 + 2 * pin: low, high dword */

/* Redirection entry bits. */
#define IOAPIC_RTE_VECTOR	0xffULL
#define IOAPIC_RTE_MODE_SHIFT	8		/* DM_*, bits 10:8 */
#define IOAPIC_RTE_LOGICAL	(1ULL << 11)
#define IOAPIC_RTE_PENDING	(1ULL << 12)	/* delivery status (RO) */
#define IOAPIC_RTE_ACTIVE_LOW	(1ULL << 13)
#define IOAPIC_RTE_REMOTE_IRR	(1ULL << 14)	/* (RO) */
#define IOAPIC_RTE_LEVEL	(1ULL << 15)
#define IOAPIC_RTE_MASKED	(1ULL << 16)
#define IOAPIC_RTE_DEST_SHIFT	56

struct ioapic {
	uint8_t sel;			/* IOREGSEL */
	uint32_t id;			/* ID register, ID in bits 27:24 */
	uint32_t arb;			/* arbitration ID, bits 27:24 */
	uint64_t rte[IOAPIC_PINS];
	uint32_t asserted;		/* input lines, a bit per pin */
	struct lapic *const *group;	/* the local APICs it sends to */
	unsigned int group_n;
	/*
	 * Local APICs in the kernel (split irqchip): a message goes out as an
	 * MSI (address and data of ioapic_msi_of()) through msi, which says
	 * how many APICs took it; and the kernel hears of each entry that
	 * changes through rte_changed, to know which vectors' EOIs to report.
	 */
	unsigned int (*msi)(void *ctx, uint64_t addr, uint32_t data);
	void (*rte_changed)(void *ctx, unsigned int pin);
	void *msi_ctx;
	/* Statistics, for the VIREO_DEBUG dump. */
	uint64_t sent;
};

/*
 * The MSI a redirection entry stands for (Intel SDM vol. 3, 11.11): its
 * destination and mode in the address, vector, delivery mode and trigger
 * mode in the data.
 */
void ioapic_msi_of(uint64_t rte, uint64_t *addr, uint32_t *data);
/* Power-up state (every pin masked) with APIC ID id. */
void ioapic_init(struct ioapic *a, uint8_t id, struct lapic *const *group,
		 unsigned int group_n);
/*
 * Input pin's line asserted (level 1) or not. The line is the device's
 * logical request: each pin is wired at the polarity the ACPI tables give
 * it, so the polarity bit is kept for the guest but inverts nothing.
 */
void ioapic_set_irq(struct ioapic *a, unsigned int pin, int level);
/* irq_line-compatible wrapper (ctx is the struct ioapic). */
void ioapic_irq_set(void *ctx, unsigned int pin, int level);
/* A local APIC's EOI broadcast for a level-triggered vector. */
void ioapic_eoi(struct ioapic *a, uint8_t vector);
uint32_t ioapic_read(struct ioapic *a, uint8_t reg);
void ioapic_write(struct ioapic *a, uint8_t reg, uint32_t val);
/* The MMIO page (bus_fn); offset from IOAPIC_BASE. */
void ioapic_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
	       bool w);

#endif
