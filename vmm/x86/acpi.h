/* SPDX-License-Identifier: GPL-2.0 */
/* ACPI tables: RSDP, XSDT, FADT, FACS, and the DSDT compiled from dsdt.asl. */
#ifndef VIREO_ACPI_H
#define VIREO_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_SCI_IRQ 9

/*
 * Lay the tables out in area (guest address gpa, len bytes), RSDP first (it
 * must be 16-byte aligned inside 0xe0000-0xfffff). With nr_cpus > 0 a MADT
 * lists that many local APICs (IDs 0..nr_cpus - 1) and the I/O APIC,
 * with ISA IRQ 0 on GSI 2, and the SCI and the ISA IRQs whose bits are set
 * in level_irqs level-triggered active-low; 0 means no MADT (the guest then
 * runs on the 8259 without a local APIC). Returns the RSDP's guest address,
 * or 0 if the area is too small.
 */
/*
 * The I/O APIC's ID: after the CPUs' while its 4 bits allow, else 0 (its ID
 * space is its own on x86-64 guests, as on QEMU's machines).
 */
static inline uint8_t acpi_ioapic_id(unsigned int nr_cpus)
{
	return nr_cpus < 15 ? (uint8_t)nr_cpus : 0;
}

uint64_t acpi_build(uint8_t *area, uint64_t gpa, size_t len,
		    const uint8_t *dsdt, size_t dsdt_len, unsigned int nr_cpus,
		    uint16_t level_irqs);
/* Sum of len bytes (an ACPI table is valid when this is 0). */
uint8_t acpi_sum(const uint8_t *p, size_t len);

#endif
