/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI bus 0 behind a host bridge with configuration mechanism #1 (PCI Local
 * Bus 3.0, 3.2.2.3.2): ports 0xcf8 (address, dword accesses only) and
 * 0xcfc-0xcff (data, byte/word/dword). One function per device number;
 * 00:00.0 is the host bridge. Type-0 headers, 256 bytes of configuration
 * space each, 32-bit memory and I/O BARs, a capability list.
 *
 * BARs are given addresses inside the host bridge's windows (dsdt.asl,
 * PCI0._CRS) when a device is plugged, as firmware would; the guest may move
 * them. Accesses reach a BAR while its decode bit in the command register is
 * set and it lies inside a window.
 */
#ifndef VIREO_PCI_H
#define VIREO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "../irq.h"

#define PCI_ADDR_PORT	0xcf8
#define PCI_DATA_PORT	0xcfc
#define PCI_SLOTS	32
#define PCI_CFG_SIZE	256
#define PCI_NR_BARS	6

/* The host bridge's windows; dsdt.asl's PCI0._CRS declares the same. */
#define PCI_MMIO_BASE	0xe0000000ULL
#define PCI_MMIO_SIZE	0x10000000ULL
#define PCI_IO_BASE	0x1000
#define PCI_IO_SIZE	0xf000

/* Configuration header offsets and bits used here. */
#define PCI_VENDOR_ID	0x00
#define PCI_DEVICE_ID	0x02
#define PCI_COMMAND	0x04
#define PCI_STATUS	0x06
#define PCI_REVISION	0x08
#define PCI_CLASS_PROG	0x09
#define PCI_HEADER_TYPE	0x0e
#define PCI_BAR0	0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID	0x2e
#define PCI_ROM		0x30
#define PCI_CAP_PTR	0x34
#define PCI_INT_LINE	0x3c
#define PCI_INT_PIN	0x3d
#define PCI_CAP_START	0x40

#define PCI_CMD_IO	0x0001
#define PCI_CMD_MEM	0x0002
#define PCI_CMD_MASTER	0x0004
#define PCI_CMD_INTX_OFF 0x0400
#define PCI_STS_INTX	0x0008
#define PCI_STS_CAPS	0x0010

#define PCI_CAP_VENDOR	0x09

struct pci_dev {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];	/* bits the guest may change */
	uint32_t bar_size[PCI_NR_BARS];	/* power of two; 0: no BAR */
	bool bar_io[PCI_NR_BARS];	/* I/O space, else 32-bit memory */
	unsigned int cap_end;		/* first byte after the last capability */
	unsigned int cap_last;		/* the last capability, 0 if none */
	/* Accesses inside a BAR, off from its base (data as in bus.h). */
	void (*bar_access)(void *opaque, unsigned int bar, uint64_t off,
			   uint8_t *data, unsigned int size, bool w);
	/* Before a guest read of size bytes at off: refresh cfg there. */
	void (*cfg_read)(void *opaque, unsigned int off, unsigned int size);
	/* After a guest write of size bytes at off (already applied). */
	void (*cfg_written)(void *opaque, unsigned int off, unsigned int size);
	void *opaque;
	struct irq_line irq;		/* INTx, routed by dsdt.asl's _PRT */
	int intx;			/* the device's INTx level */
	bool plugged;
};

struct pci_bus {
	uint32_t addr;			/* CONFIG_ADDRESS */
	struct pci_dev host;		/* 00:00.0 */
	struct pci_dev *slot[PCI_SLOTS];
	uint64_t mmio_next;		/* BAR placement at plug time */
	uint32_t io_next;
};

/* A type-0 function: IDs, class code (base, sub, prog-if) and revision. */
void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device,
		  uint32_t class_code, uint8_t revision, uint16_t subsys_vendor,
		  uint16_t subsys_id);
/* Declare BAR n (size a power of two, memory >= 16, I/O >= 4 bytes). */
int pci_dev_bar(struct pci_dev *d, unsigned int n, uint32_t size, bool io);
/*
 * Append a capability: id, then len bytes of body after the next pointer.
 * Returns its offset in configuration space, or 0 when it does not fit.
 */
unsigned int pci_dev_cap(struct pci_dev *d, uint8_t id, const uint8_t *body,
			 unsigned int len);
/* Route INTA# to irq (also reported in the interrupt line register). */
void pci_dev_intx(struct pci_dev *d, struct irq_line irq);
/* The device asserts (1) or deasserts (0) INTA#. */
void pci_set_intx(struct pci_dev *d, int level);
/* A BAR's current base address. */
uint32_t pci_bar_addr(const struct pci_dev *d, unsigned int n);

void pci_init(struct pci_bus *b);
/* Put d at device number slot (1..31) and place its BARs in the windows. */
int pci_plug(struct pci_bus *b, struct pci_dev *d, unsigned int slot);

/* Configuration space of bus 0, by device/function and register offset. */
uint32_t pci_cfg_read(struct pci_bus *b, unsigned int devfn, unsigned int off,
		      unsigned int size);
void pci_cfg_write(struct pci_bus *b, unsigned int devfn, unsigned int off,
		   unsigned int size, uint32_t v);

/* Bus handlers: 0xcf8 (1 port), 0xcfc (4 ports), the MMIO and I/O windows. */
void pci_addr_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		 bool w);
void pci_data_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		 bool w);
void pci_mmio_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		 bool w);
void pci_pio_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		bool w);

#endif
