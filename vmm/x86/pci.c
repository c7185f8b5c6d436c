// SPDX-License-Identifier: GPL-2.0
/*
 * PCI host bridge, configuration mechanism #1, and bus 0's configuration
 * spaces. Register layouts and rules are those of the PCI Local Bus
 * Specification 3.0 (6.1-6.2.5 header and BARs, 6.7 capabilities).
 */
#include <errno.h>
#include <string.h>

#include "../bus.h"
#include "pci.h"

/*
 * The host bridge's IDs: 1b36 is Red Hat's vendor ID for emulated devices
 * and 1b36:0008 its generic host bridge; Linux has no quirk keyed on it.
 * Vireo has no vendor ID of its own. Class 06/00/00: host bridge, which is
 * also what Linux's direct type-1 probe looks for on bus 0.
 */
#define HOST_VENDOR	0x1b36
#define HOST_DEVICE	0x0008

#define CFG_ENABLE	0x80000000u
/* CONFIG_ADDRESS: enable, bus, device, function, dword register. */
#define CFG_ADDR_MASK	0x80fffffcu

static uint32_t get(const uint8_t *p, unsigned int size)
{
	return bus_get(p, size);
}

static void put(uint8_t *p, unsigned int size, uint32_t v)
{
	bus_put(p, size, v);
}

void pci_dev_init(struct pci_dev *d, uint16_t vendor, uint16_t device,
		  uint32_t class_code, uint8_t revision, uint16_t subsys_vendor,
		  uint16_t subsys_id)
{
	memset(d, 0, sizeof(*d));
	put(d->cfg + PCI_VENDOR_ID, 2, vendor);
	put(d->cfg + PCI_DEVICE_ID, 2, device);
	d->cfg[PCI_REVISION] = revision;
	put(d->cfg + PCI_CLASS_PROG, 3, class_code);
	d->cfg[PCI_HEADER_TYPE] = 0;		/* type 0, single function */
	put(d->cfg + PCI_SUBSYS_VENDOR, 2, subsys_vendor);
	put(d->cfg + PCI_SUBSYS_ID, 2, subsys_id);
	/* Command: I/O, memory, bus master, interrupt disable. */
	put(d->wmask + PCI_COMMAND, 2,
	    PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_OFF);
	d->wmask[0x0c] = 0xff;			/* cache line size */
	d->wmask[PCI_INT_LINE] = 0xff;
	d->cap_end = PCI_CAP_START;
}

int pci_dev_bar(struct pci_dev *d, unsigned int n, uint32_t size, bool io)
{
	if (n >= PCI_NR_BARS || !size || (size & (size - 1)) ||
	    size < (io ? 4u : 16u) || (io && size > 256))
		return -EINVAL;
	d->bar_size[n] = size;
	d->bar_io[n] = io;
	put(d->cfg + PCI_BAR0 + 4 * n, 4, io ? 1 : 0);
	return 0;
}

unsigned int pci_dev_cap(struct pci_dev *d, uint8_t id, const uint8_t *body,
			 unsigned int len)
{
	unsigned int at = d->cap_end;

	if (len > PCI_CFG_SIZE - 2 || at + 2 + len > PCI_CFG_SIZE)
		return 0;
	d->cfg[at] = id;
	d->cfg[at + 1] = 0;
	memcpy(d->cfg + at + 2, body, len);
	if (d->cap_last)
		d->cfg[d->cap_last + 1] = (uint8_t)at;
	else
		d->cfg[PCI_CAP_PTR] = (uint8_t)at;
	d->cfg[PCI_STATUS] |= PCI_STS_CAPS;
	d->cap_last = at;
	d->cap_end = (at + 2 + len + 3) & ~3u;
	return at;
}

static void update_intx(struct pci_dev *d)
{
	uint16_t cmd = (uint16_t)get(d->cfg + PCI_COMMAND, 2);

	/* The status bit shows the device's request even while masked. */
	if (d->intx)
		d->cfg[PCI_STATUS] |= PCI_STS_INTX;
	else
		d->cfg[PCI_STATUS] &= (uint8_t)~PCI_STS_INTX;
	irq_set(&d->irq, d->intx && !(cmd & PCI_CMD_INTX_OFF));
}

void pci_dev_intx(struct pci_dev *d, struct irq_line irq)
{
	d->irq = irq;
	d->cfg[PCI_INT_PIN] = 1;		/* INTA# */
	d->cfg[PCI_INT_LINE] = (uint8_t)irq.irq;
}

void pci_set_intx(struct pci_dev *d, int level)
{
	d->intx = level != 0;
	update_intx(d);
}

uint32_t pci_bar_addr(const struct pci_dev *d, unsigned int n)
{
	uint32_t v = get(d->cfg + PCI_BAR0 + 4 * n, 4);

	return v & (d->bar_io[n] ? ~3u : ~15u);
}

/* A BAR keeps the bits above its size; the low bits read as its type. */
static void write_bar(struct pci_dev *d, unsigned int n, uint32_t v)
{
	uint32_t size = d->bar_size[n];

	if (!size)
		return;				/* unimplemented: reads 0 */
	v &= ~(size - 1);
	if (d->bar_io[n])
		v = (v & 0xffff) | 1;		/* 16-bit I/O decode */
	put(d->cfg + PCI_BAR0 + 4 * n, 4, v);
}

static void dev_write(struct pci_dev *d, unsigned int off, unsigned int size,
		      uint32_t v)
{
	for (unsigned int i = 0; i < size; i++) {
		unsigned int o = off + i, sh = 8 * (o & 3);
		uint8_t b = (uint8_t)(v >> (8 * i));

		if (o >= PCI_BAR0 && o < PCI_BAR0 + 4 * PCI_NR_BARS) {
			unsigned int n = (o - PCI_BAR0) / 4;
			uint32_t cur = get(d->cfg + PCI_BAR0 + 4 * n, 4);

			write_bar(d, n, (cur & ~(0xffu << sh)) |
					(uint32_t)b << sh);
			continue;
		}
		d->cfg[o] = (uint8_t)((d->cfg[o] & ~d->wmask[o]) |
				      (b & d->wmask[o]));
	}
	if (off < PCI_COMMAND + 2 && off + size > PCI_COMMAND)
		update_intx(d);
	if (d->cfg_written)
		d->cfg_written(d->opaque, off, size);
}

void pci_init(struct pci_bus *b)
{
	memset(b, 0, sizeof(*b));
	pci_dev_init(&b->host, HOST_VENDOR, HOST_DEVICE, 0x060000, 0, 0, 0);
	b->host.plugged = true;
	b->mmio_next = PCI_MMIO_BASE;
	b->io_next = PCI_IO_BASE;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int pci_plug(struct pci_bus *b, struct pci_dev *d, unsigned int slot)
{
	uint64_t mmio = b->mmio_next, io = b->io_next;

	if (slot == 0 || slot >= PCI_SLOTS || b->slot[slot])
		return -EBUSY;
	for (unsigned int n = 0; n < PCI_NR_BARS; n++) {
		uint64_t *next = d->bar_io[n] ? &io : &mmio;
		uint64_t end = d->bar_io[n] ? PCI_IO_BASE + PCI_IO_SIZE :
			       PCI_MMIO_BASE + PCI_MMIO_SIZE;

		if (!d->bar_size[n])
			continue;
		*next = align_up(*next, d->bar_size[n]);
		if (*next + d->bar_size[n] > end)
			return -ENOSPC;
		write_bar(d, n, (uint32_t)*next);
		*next += d->bar_size[n];
	}
	b->mmio_next = mmio;
	b->io_next = (uint32_t)io;
	b->slot[slot] = d;
	d->plugged = true;
	return 0;
}

static struct pci_dev *find(struct pci_bus *b, unsigned int devfn)
{
	if (devfn & 7)
		return NULL;			/* single-function devices only */
	return devfn ? b->slot[(devfn >> 3) & 31] : &b->host;
}

uint32_t pci_cfg_read(struct pci_bus *b, unsigned int devfn, unsigned int off,
		      unsigned int size)
{
	struct pci_dev *d = find(b, devfn);

	if (!d || size > 4 || off >= PCI_CFG_SIZE || size > PCI_CFG_SIZE - off)
		return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (d->cfg_read)
		d->cfg_read(d->opaque, off, size);
	return get(d->cfg + off, size);
}

void pci_cfg_write(struct pci_bus *b, unsigned int devfn, unsigned int off,
		   unsigned int size, uint32_t v)
{
	struct pci_dev *d = find(b, devfn);

	if (d && size <= 4 && off < PCI_CFG_SIZE && size <= PCI_CFG_SIZE - off)
		dev_write(d, off, size, v);
}

void pci_addr_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		 bool w)
{
	struct pci_bus *b = opaque;

	/* Only whole-dword accesses at 0xcf8 are CONFIG_ADDRESS. */
	if (off != 0 || size != 4) {
		if (!w)
			memset(d, 0xff, size);
		return;
	}
	if (w)
		b->addr = bus_get(d, 4) & CFG_ADDR_MASK;
	else
		bus_put(d, 4, b->addr);
}

void pci_data_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		 bool w)
{
	struct pci_bus *b = opaque;
	unsigned int n = size, reg = (b->addr & 0xfc) + (unsigned int)off;
	unsigned int devfn = (b->addr >> 8) & 0xff;
	bool on = (b->addr & CFG_ENABLE) && !(b->addr & 0x00ff0000) && off < 4;

	/* Bytes past 0xcff are other ports: nothing there. */
	if (off < 4 && n > 4 - off)
		n = 4 - (unsigned int)off;
	if (!w)
		memset(d, 0xff, size);
	if (!on || size > 4)
		return;				/* disabled or not bus 0 */
	if (w)
		pci_cfg_write(b, devfn, reg, n, bus_get(d, n));
	else
		bus_put(d, n, pci_cfg_read(b, devfn, reg, n));
}

/* The BAR that decodes addr..addr+size, with its offset there. */
static struct pci_dev *decode(struct pci_bus *b, uint64_t addr,
			      unsigned int size, bool io, unsigned int *bar,
			      uint64_t *off)
{
	for (unsigned int s = 1; s < PCI_SLOTS; s++) {
		struct pci_dev *d = b->slot[s];
		uint16_t cmd;

		if (!d)
			continue;
		cmd = (uint16_t)get(d->cfg + PCI_COMMAND, 2);
		if (!(cmd & (io ? PCI_CMD_IO : PCI_CMD_MEM)))
			continue;
		for (unsigned int n = 0; n < PCI_NR_BARS; n++) {
			uint64_t base = pci_bar_addr(d, n), len = d->bar_size[n];

			if (!len || d->bar_io[n] != io || addr < base ||
			    addr - base >= len || size > len - (addr - base))
				continue;
			*bar = n;
			*off = addr - base;
			return d;
		}
	}
	return NULL;
}

static void window_io(struct pci_bus *b, uint64_t addr, uint8_t *data,
		      unsigned int size, bool w, bool io)
{
	unsigned int bar;
	uint64_t off;
	struct pci_dev *d = decode(b, addr, size, io, &bar, &off);

	if (!d || !d->bar_access) {
		if (!w)
			memset(data, 0xff, size);
		return;
	}
	d->bar_access(d->opaque, bar, off, data, size, w);
}

void pci_mmio_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		 bool w)
{
	window_io(opaque, PCI_MMIO_BASE + off, d, size, w, false);
}

void pci_pio_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		bool w)
{
	window_io(opaque, PCI_IO_BASE + off, d, size, w, true);
}
