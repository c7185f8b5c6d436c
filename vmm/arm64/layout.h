/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 guest's physical address map and interrupt numbers, which the
 * device tree (fdt.c) describes and the VM (vm.c) wires. Devices sit below
 * RAM, which starts 1 GiB-aligned so that the kernel, its initrd and the
 * device tree share one 1 GiB-aligned window (booting.rst).
 */
#ifndef VIREO_ARM64_LAYOUT_H
#define VIREO_ARM64_LAYOUT_H

#define ARM64_GICD_BASE		0x08000000ULL	/* GICv3 distributor */
#define ARM64_GICD_SIZE		0x10000ULL
#define ARM64_GICR_BASE		0x080a0000ULL	/* redistributors, one per vCPU */
#define ARM64_GICR_STRIDE	0x20000ULL	/* RD_base + SGI_base frames */
#define ARM64_UART_BASE		0x09000000ULL	/* 16550, byte registers */
#define ARM64_UART_SIZE		0x1000ULL
#define ARM64_UART_CLOCK	1843200
#define ARM64_BOOT_TIMER	0x09010000ULL	/* vm.h's boot timer byte */
#define ARM64_VIRTIO_BASE	0x0a000000ULL	/* VIRTIO_MMIO_SIZE each */
#define ARM64_RAM_BASE		0x80000000ULL
#define ARM64_RAM_MAX		(1ULL << 39)	/* below a 40-bit IPA space */

/* SPI numbers (INTID - 32) of the devices; all level-sensitive. */
#define ARM64_UART_SPI		1
#define ARM64_VIRTIO_SPI	16		/* + the device's slot */
#define ARM64_NR_IRQS		128		/* INTIDs the vGIC gets: 96 SPIs */

/* The architected timer's PPIs (INTID - 16), as KVM assigns them. */
#define ARM64_PPI_SEC_PHYS	13
#define ARM64_PPI_PHYS		14
#define ARM64_PPI_VIRT		11
#define ARM64_PPI_HYP		10

#endif
