// SPDX-License-Identifier: GPL-2.0
/* ACPI 6.4 tables, field offsets from the specification's table layouts. */
#include <string.h>

#include "acpi.h"
#include "ioapic.h"
#include "lapic.h"
#include "pm.h"

#define OFF_FACS	0x40
#define OFF_XSDT	0x80
#define OFF_FADT	0x100
#define OFF_MADT	0x300
#define OFF_DSDT	0x800	/* the MADT has room for 140 CPUs */
#define FADT_LEN	276
/* Local APICs, their NMI, the I/O APIC, then the source overrides. */
#define MADT_LEN(n, isos) (44 + 8 * (n) + 6 + 12 + 10 * (isos))
/* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2. */
#define INTI_CONFORMING	0x0
#define INTI_LEVEL_LOW	(3u << 2 | 3u)

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "VIREO ", 6);		/* OEM ID */
	memcpy(t + 16, "VIREOVM ", 8);		/* OEM table ID */
	put32(t + 24, 1);			/* OEM revision */
	memcpy(t + 28, "VIRO", 4);		/* creator ID */
	put32(t + 32, 1);			/* creator revision */
}

static void checksum(uint8_t *t, size_t len, size_t at)
{
	t[at] = 0;
	t[at] = (uint8_t)-acpi_sum(t, len);
}

/* Generic Address Structure in system I/O space. */
static void gas_io(uint8_t *p, uint8_t bits, uint16_t port)
{
	p[0] = 1;				/* system I/O */
	p[1] = bits;
	p[2] = 0;
	p[3] = bits == 8 ? 1 : bits == 16 ? 2 : 3;	/* access size */
	put64(p + 4, port);
}

static void fadt(uint8_t *t, uint64_t facs, uint64_t dsdt)
{
	header(t, "FACP", FADT_LEN, 6);
	put32(t + 36, (uint32_t)facs);
	put32(t + 40, (uint32_t)dsdt);
	put16(t + 46, ACPI_SCI_IRQ);
	/* SMI_CMD 0: no SMM, the platform is always in ACPI mode. */
	put32(t + 56, PM1A_EVT_PORT);
	put32(t + 64, PM1A_CNT_PORT);
	t[88] = 4;				/* PM1_EVT_LEN */
	t[89] = 2;				/* PM1_CNT_LEN */
	put16(t + 96, 101);			/* no C2 */
	put16(t + 98, 1001);			/* no C3 */
	t[108] = 0x32;				/* CMOS century register */
	put16(t + 109, 1 << 2);			/* IAPC_BOOT_ARCH: no VGA, no 8042 */
	/* WBINVD, PROC_C1, no fixed power/sleep buttons, RESET_REG_SUP. */
	put32(t + 112, 1 << 0 | 1 << 2 | 1 << 4 | 1 << 5 | 1 << 10);
	gas_io(t + 116, 8, PM_RESET_PORT);
	t[128] = PM_RESET_VALUE;
	t[131] = 4;				/* FADT minor version */
	put64(t + 132, facs);
	put64(t + 140, dsdt);
	gas_io(t + 148, 32, PM1A_EVT_PORT);
	gas_io(t + 172, 16, PM1A_CNT_PORT);
	memcpy(t + 268, "VIREO   ", 8);		/* hypervisor vendor */
	checksum(t, FADT_LEN, 9);
}

/* ISA IRQs the MADT overrides: IRQ 0 (to GSI 2), the SCI, level_irqs. */
static unsigned int nr_isos(uint16_t level_irqs)
{
	level_irqs &= (uint16_t)~(1u << 0 | 1u << ACPI_SCI_IRQ);
	return 2 + (unsigned int)__builtin_popcount(level_irqs);
}

/* Interrupt Source Override: ISA IRQ irq is GSI gsi with flags. */
static uint8_t *iso(uint8_t *e, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	e[0] = 2;
	e[1] = 10;
	e[2] = 0;				/* bus: ISA */
	e[3] = irq;
	put32(e + 4, gsi);
	put16(e + 8, flags);
	return e + 10;
}

/*
 * MADT: the local APICs at LAPIC_BASE, one enabled processor per vCPU
 * (UID and APIC ID = index), LINT1 as NMI on all of them, PCAT_COMPAT (the
 * 8259s are there too), the I/O APIC (ID acpi_ioapic_id(), GSIs 0-23 on its pins),
 * and the overrides of the identity ISA IRQ n = GSI n: the PIT's IRQ 0 is
 * on pin 2, the SCI is level-triggered active-low as the ACPI default
 * for it says, and so are the ISA IRQs in level_irqs (the PCI INTx lines
 * and the virtio-mmio interrupts that dsdt.asl declares so).
 */
static void madt(uint8_t *t, unsigned int nr_cpus, uint16_t level_irqs)
{
	uint32_t len = MADT_LEN(nr_cpus, nr_isos(level_irqs));
	uint8_t *e = t + 44;

	header(t, "APIC", len, 5);
	put32(t + 36, (uint32_t)LAPIC_BASE);
	put32(t + 40, 1);			/* PCAT_COMPAT */
	for (unsigned int i = 0; i < nr_cpus; i++, e += 8) {
		e[0] = 0;			/* Processor Local APIC */
		e[1] = 8;
		e[2] = (uint8_t)i;		/* ACPI processor UID */
		e[3] = (uint8_t)i;		/* APIC ID */
		put32(e + 4, 1);		/* enabled */
	}
	e[0] = 4;				/* Local APIC NMI */
	e[1] = 6;
	e[2] = 0xff;				/* all processors */
	put16(e + 3, 0);			/* bus-conforming polarity, trigger */
	e[5] = 1;				/* LINT1 */
	e += 6;
	e[0] = 1;				/* I/O APIC */
	e[1] = 12;
	e[2] = acpi_ioapic_id(nr_cpus);
	e[3] = 0;
	put32(e + 4, (uint32_t)IOAPIC_BASE);
	put32(e + 8, 0);			/* GSI base */
	e += 12;
	e = iso(e, 0, 2, INTI_CONFORMING);
	e = iso(e, ACPI_SCI_IRQ, ACPI_SCI_IRQ, INTI_LEVEL_LOW);
	for (unsigned int irq = 1; irq < 16; irq++)
		if (irq != ACPI_SCI_IRQ && (level_irqs & (1u << irq)))
			e = iso(e, (uint8_t)irq, irq, INTI_LEVEL_LOW);
	checksum(t, len, 9);
}

uint64_t acpi_build(uint8_t *area, uint64_t gpa, size_t len,
		    const uint8_t *dsdt, size_t dsdt_len, unsigned int nr_cpus,
		    uint16_t level_irqs)
{
	uint8_t *rsdp = area, *facs = area + OFF_FACS, *xsdt = area + OFF_XSDT;
	uint32_t xsdt_len = 36 + 8 * (nr_cpus ? 2 : 1);

	if (gpa & 15 || len < OFF_DSDT || dsdt_len > len - OFF_DSDT ||
	    dsdt_len < 36 || nr_cpus > 254 ||
	    OFF_MADT + MADT_LEN(nr_cpus, nr_isos(level_irqs)) > OFF_DSDT)
		return 0;
	memset(area, 0, OFF_DSDT);
	memcpy(area + OFF_DSDT, dsdt, dsdt_len);

	memcpy(facs, "FACS", 4);
	put32(facs + 4, 64);
	facs[32] = 2;				/* version */

	fadt(area + OFF_FADT, gpa + OFF_FACS, gpa + OFF_DSDT);

	if (nr_cpus) {
		madt(area + OFF_MADT, nr_cpus, level_irqs);
		put64(xsdt + 44, gpa + OFF_MADT);
	}
	header(xsdt, "XSDT", xsdt_len, 1);
	put64(xsdt + 36, gpa + OFF_FADT);
	checksum(xsdt, xsdt_len, 9);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "VIREO ", 6);
	rsdp[15] = 2;				/* ACPI 2.0+ */
	put32(rsdp + 20, 36);
	put64(rsdp + 24, gpa + OFF_XSDT);
	checksum(rsdp, 20, 8);
	checksum(rsdp, 36, 32);
	return gpa;
}
