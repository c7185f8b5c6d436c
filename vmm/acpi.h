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
 * lists that many local APICs and the I/O APIC (ID nr_cpus, at most 14),
 * with ISA IRQ 0 on GSI 2, and the SCI and the ISA IRQs whose bits are set
 * in level_irqs level-triggered active-low; 0 means no MADT (the guest then
 * runs on the 8259 without a local APIC). Returns the RSDP's guest address,
 * or 0 if the area is too small.
 */
uint64_t acpi_build(uint8_t *area, uint64_t gpa, size_t len,
		    const uint8_t *dsdt, size_t dsdt_len, unsigned int nr_cpus,
		    uint16_t level_irqs);
/* Sum of len bytes (an ACPI table is valid when this is 0). */
uint8_t acpi_sum(const uint8_t *p, size_t len);

#endif
