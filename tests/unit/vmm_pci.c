// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/bus.h"
#include "vmm/x86/pci.h"

/*
 * The PCI host bridge through the ports, as Linux's conf1 accessors and its
 * direct type-1 probe (arch/x86/pci/direct.c) drive them.
 */

#define ADDR(dev, fn, reg) (0x80000000u | (dev) << 11 | (fn) << 8 | (reg))

static void outl(struct pci_bus *b, uint16_t port, uint32_t v)
{
	uint8_t d[4];

	bus_put(d, 4, v);
	if (port == PCI_ADDR_PORT)
		pci_addr_io(b, 0, d, 4, true);
	else
		pci_data_io(b, port - PCI_DATA_PORT, d, 4, true);
}

static uint32_t in(struct pci_bus *b, uint16_t port, unsigned int size)
{
	uint8_t d[4] = { 0 };

	if (port == PCI_ADDR_PORT)
		pci_addr_io(b, 0, d, size, false);
	else
		pci_data_io(b, port - PCI_DATA_PORT, d, size, false);
	return bus_get(d, size);
}

static void out(struct pci_bus *b, uint16_t port, unsigned int size, uint32_t v)
{
	uint8_t d[4];

	bus_put(d, size, v);
	if (port == PCI_ADDR_PORT)
		pci_addr_io(b, 0, d, size, true);
	else
		pci_data_io(b, port - PCI_DATA_PORT, d, size, true);
}

/* Linux's conf1 read: address to 0xcf8, data from 0xcfc + (reg & 3). */
static uint32_t cfg_rd(struct pci_bus *b, unsigned int dev, unsigned int reg,
		       unsigned int size)
{
	outl(b, PCI_ADDR_PORT, ADDR(dev, 0, reg & 0xfc));
	return in(b, PCI_DATA_PORT + (reg & 3), size);
}

static void cfg_wr(struct pci_bus *b, unsigned int dev, unsigned int reg,
		   unsigned int size, uint32_t v)
{
	outl(b, PCI_ADDR_PORT, ADDR(dev, 0, reg & 0xfc));
	out(b, PCI_DATA_PORT + (reg & 3), size, v);
}

TEST(type1_probe_finds_the_host_bridge)
{
	struct pci_bus b;

	pci_init(&b);
	/* pci_check_type1(): the address register reads back what was written. */
	EXPECT_EQ(0, in(&b, PCI_ADDR_PORT, 4));
	outl(&b, PCI_ADDR_PORT, 0x80000000u);
	EXPECT_EQ(0x80000000u, in(&b, PCI_ADDR_PORT, 4));
	/* pci_sanity_check(): class 0x0600 at 00:00.0. */
	EXPECT_EQ(0x0600, cfg_rd(&b, 0, 0x0a, 2));
	EXPECT_EQ(0x1b36, cfg_rd(&b, 0, 0x00, 2));
	EXPECT_EQ(0x0008, cfg_rd(&b, 0, 0x02, 2));
	EXPECT_EQ(0x00081b36u, cfg_rd(&b, 0, 0, 4));
	EXPECT_EQ(0x06000000u, cfg_rd(&b, 0, 0x08, 4));
	EXPECT_EQ(0, cfg_rd(&b, 0, 0x0e, 1));	/* type 0, one function */
	/* Byte reads of each lane. */
	EXPECT_EQ(0x36, cfg_rd(&b, 0, 0, 1));
	EXPECT_EQ(0x1b, cfg_rd(&b, 0, 1, 1));
	EXPECT_EQ(0x08, cfg_rd(&b, 0, 2, 1));
	EXPECT_EQ(0x00, cfg_rd(&b, 0, 3, 1));
	/* Low two address bits and reserved bits 30:24 read as zero. */
	outl(&b, PCI_ADDR_PORT, 0xff00ff03u);
	EXPECT_EQ(0x8000ff00u, in(&b, PCI_ADDR_PORT, 4));
}

TEST(absent_functions_and_disabled_cycles_read_ones)
{
	struct pci_bus b;

	pci_init(&b);
	EXPECT_EQ(0xffffffffu, cfg_rd(&b, 1, 0, 4));
	EXPECT_EQ(0xffffffffu, cfg_rd(&b, 31, 0, 4));
	EXPECT_EQ(0xffff, cfg_rd(&b, 5, 2, 2));
	EXPECT_EQ(0xff, cfg_rd(&b, 7, 3, 1));
	/* Function 1 of the host bridge. */
	outl(&b, PCI_ADDR_PORT, ADDR(0, 1, 0));
	EXPECT_EQ(0xffffffffu, in(&b, PCI_DATA_PORT, 4));
	/* Bus 1 does not exist. */
	outl(&b, PCI_ADDR_PORT, 0x80010000u);
	EXPECT_EQ(0xffffffffu, in(&b, PCI_DATA_PORT, 4));
	/* Enable bit clear: no configuration cycle, writes go nowhere. */
	outl(&b, PCI_ADDR_PORT, 0x00000004u);
	EXPECT_EQ(0xffffffffu, in(&b, PCI_DATA_PORT, 4));
	out(&b, PCI_DATA_PORT, 2, 0x0006);
	EXPECT_EQ(0, cfg_rd(&b, 0, 4, 2));
	/* Byte and word accesses at 0xcf8 are not CONFIG_ADDRESS. */
	outl(&b, PCI_ADDR_PORT, 0x80000000u);
	out(&b, PCI_ADDR_PORT, 1, 0x01);
	EXPECT_EQ(0x80000000u, in(&b, PCI_ADDR_PORT, 4));
	EXPECT_EQ(0xff, in(&b, PCI_ADDR_PORT, 1));
	/* Writes to absent functions are dropped without harm. */
	cfg_wr(&b, 9, 0x10, 4, 0xffffffffu);
	EXPECT_EQ(0xffffffffu, cfg_rd(&b, 9, 0x10, 4));
}

static uint8_t bar_mem[2][0x1000];
static int written_off = -1, written_size;

static void bar_rw(void *opaque, unsigned int bar, uint64_t off,
		   uint8_t *data, unsigned int size, bool w)
{
	if (w)
		memcpy(&bar_mem[bar == 0 ? 0 : 1][off], data, size);
	else
		memcpy(data, &bar_mem[bar == 0 ? 0 : 1][off], size);
}

static void written(void *opaque, unsigned int off, unsigned int size)
{
	written_off = (int)off;
	written_size = (int)size;
}

struct intx {
	int level, calls;
};

static void intx_set(void *ctx, unsigned int irq, int level)
{
	struct intx *x = ctx;

	x->level = level;
	x->calls++;
}

static void make_dev(struct pci_dev *d)
{
	pci_dev_init(d, 0x1af4, 0x1042, 0x010000, 1, 0x1af4, 2);
	d->bar_access = bar_rw;
	d->cfg_written = written;
}

TEST(bar_sizing_and_decode)
{
	struct pci_bus b;
	struct pci_dev d;
	uint8_t v[4];

	pci_init(&b);
	make_dev(&d);
	ASSERT_EQ(0, pci_dev_bar(&d, 0, 0x1000, false));
	ASSERT_EQ(0, pci_dev_bar(&d, 2, 0x20, true));
	EXPECT_NE(0, pci_dev_bar(&d, 1, 0x1800, false));	/* not a power of 2 */
	EXPECT_NE(0, pci_dev_bar(&d, 1, 8, false));		/* memory < 16 */
	EXPECT_NE(0, pci_dev_bar(&d, 1, 512, true));		/* I/O > 256 */
	EXPECT_NE(0, pci_dev_bar(&d, 6, 16, false));
	ASSERT_EQ(0, pci_plug(&b, &d, 3));
	EXPECT_NE(0, pci_plug(&b, &d, 3));			/* taken */
	EXPECT_NE(0, pci_plug(&b, &d, 0));			/* host bridge */
	EXPECT_NE(0, pci_plug(&b, &d, 32));

	/* Placed in the windows, as firmware would. */
	EXPECT_EQ(PCI_MMIO_BASE, cfg_rd(&b, 3, 0x10, 4));
	EXPECT_EQ(PCI_IO_BASE | 1, cfg_rd(&b, 3, 0x18, 4));
	EXPECT_EQ(0x1af4, cfg_rd(&b, 3, 0, 2));
	EXPECT_EQ(0x1042, cfg_rd(&b, 3, 2, 2));
	EXPECT_EQ(0x01000001u, cfg_rd(&b, 3, 8, 4));
	EXPECT_EQ(0x00021af4u, cfg_rd(&b, 3, 0x2c, 4));

	/* Sizing: all ones, read the mask back, restore. */
	cfg_wr(&b, 3, 0x10, 4, 0xffffffffu);
	EXPECT_EQ(0xfffff000u, cfg_rd(&b, 3, 0x10, 4));
	cfg_wr(&b, 3, 0x18, 4, 0xffffffffu);
	EXPECT_EQ(0x0000ffe1u, cfg_rd(&b, 3, 0x18, 4));
	/* Unimplemented BARs and the ROM BAR stay zero. */
	for (unsigned int r = 0x14; r <= 0x30; r += 4) {
		if (r == 0x18 || (r > 0x24 && r < 0x30))
			continue;
		cfg_wr(&b, 3, r, 4, 0xffffffffu);
		EXPECT_EQ(0, cfg_rd(&b, 3, r, 4));
	}
	cfg_wr(&b, 3, 0x10, 4, 0xe0123456u);
	EXPECT_EQ(0xe0123000u, cfg_rd(&b, 3, 0x10, 4));
	EXPECT_EQ(0xe0123000u, pci_bar_addr(&d, 0));
	cfg_wr(&b, 3, 0x18, 4, 0x2043);
	EXPECT_EQ(0x2041, cfg_rd(&b, 3, 0x18, 4));
	EXPECT_EQ(0x2040, pci_bar_addr(&d, 2));
	/* A byte write changes one lane of a BAR. */
	cfg_wr(&b, 3, 0x12, 1, 0x45);
	EXPECT_EQ(0xe0453000u, cfg_rd(&b, 3, 0x10, 4));
	EXPECT_EQ(0x12, written_off);
	EXPECT_EQ(1, written_size);

	/* No decode until the command register enables it. */
	memset(bar_mem, 0, sizeof(bar_mem));
	bus_put(v, 4, 0x11223344);
	pci_mmio_io(&b, 0x00453010, v, 4, true);
	EXPECT_EQ(0, bar_mem[0][0x10]);
	pci_mmio_io(&b, 0x00453010, v, 4, false);
	EXPECT_EQ(0xffffffffu, bus_get(v, 4));
	cfg_wr(&b, 3, 4, 2, PCI_CMD_MEM | PCI_CMD_IO);
	EXPECT_EQ(PCI_CMD_MEM | PCI_CMD_IO, cfg_rd(&b, 3, 4, 2));
	bus_put(v, 4, 0x11223344);
	pci_mmio_io(&b, 0x00453010, v, 4, true);
	EXPECT_EQ(0x44, bar_mem[0][0x10]);
	memset(v, 0, 4);
	pci_mmio_io(&b, 0x00453010, v, 2, false);
	EXPECT_EQ(0x3344, bus_get(v, 2));
	/* Past the BAR's end, or straddling it: nobody answers. */
	pci_mmio_io(&b, 0x00454000, v, 4, false);
	EXPECT_EQ(0xffffffffu, bus_get(v, 4));
	pci_mmio_io(&b, 0x00453ffe, v, 4, false);
	EXPECT_EQ(0xffffffffu, bus_get(v, 4));
	/* I/O BAR through the I/O window. */
	v[0] = 0x5a;
	pci_pio_io(&b, 0x2040 + 3 - PCI_IO_BASE, v, 1, true);
	EXPECT_EQ(0x5a, bar_mem[1][3]);
	/* Memory decode off again. */
	cfg_wr(&b, 3, 4, 2, PCI_CMD_IO);
	pci_mmio_io(&b, 0x00453010, v, 4, false);
	EXPECT_EQ(0xffffffffu, bus_get(v, 4));
}

TEST(read_only_fields_and_writable_ones)
{
	struct pci_bus b;
	struct pci_dev d;

	pci_init(&b);
	make_dev(&d);
	ASSERT_EQ(0, pci_plug(&b, &d, 1));
	cfg_wr(&b, 1, 0, 4, 0);
	EXPECT_EQ(0x10421af4u, cfg_rd(&b, 1, 0, 4));
	cfg_wr(&b, 1, 8, 4, 0);
	EXPECT_EQ(0x01000001u, cfg_rd(&b, 1, 8, 4));
	/* Command: only the implemented bits stick; status is read-only. */
	cfg_wr(&b, 1, 4, 4, 0xffffffffu);
	EXPECT_EQ(0x0407, cfg_rd(&b, 1, 4, 2));
	EXPECT_EQ(0, cfg_rd(&b, 1, 6, 2));
	cfg_wr(&b, 1, 0x0c, 1, 0x10);
	EXPECT_EQ(0x10, cfg_rd(&b, 1, 0x0c, 1));
	cfg_wr(&b, 1, 0x3c, 1, 0x0b);
	EXPECT_EQ(0x0b, cfg_rd(&b, 1, 0x3c, 1));
	EXPECT_EQ(0, cfg_rd(&b, 1, 0x3d, 1));	/* no interrupt pin */
	/* A word at 0xcfe reaches bytes 2-3 of the register. */
	cfg_wr(&b, 1, 0x3c, 4, 0);
	outl(&b, PCI_ADDR_PORT, ADDR(1, 0, 0x00));
	EXPECT_EQ(0x1042, in(&b, PCI_DATA_PORT + 2, 2));
	/* A dword at 0xcfd only covers 0xcfd-0xcff. */
	EXPECT_EQ(0xff10421au, in(&b, PCI_DATA_PORT + 1, 4) | 0xff000000u);
	/* The host bridge keeps its identity too. */
	cfg_wr(&b, 0, 0, 4, 0x12345678);
	EXPECT_EQ(0x00081b36u, cfg_rd(&b, 0, 0, 4));
	/* The API's bounds. */
	EXPECT_EQ(0xffffffffu, pci_cfg_read(&b, 8, 254, 4));
	pci_cfg_write(&b, 8, 255, 4, 0);
}

TEST(capability_list)
{
	struct pci_dev d;
	struct pci_bus b;
	uint8_t body[14] = { 14 + 2, 1, 2, 3 };
	uint8_t big[250] = { 0 };
	unsigned int at, n = 0;

	pci_init(&b);
	make_dev(&d);
	EXPECT_EQ(0, d.cfg[PCI_CAP_PTR]);
	EXPECT_EQ(0x40, pci_dev_cap(&d, PCI_CAP_VENDOR, body, sizeof(body)));
	EXPECT_EQ(0x50, pci_dev_cap(&d, PCI_CAP_VENDOR, body, 3));
	EXPECT_EQ(0x58, pci_dev_cap(&d, 0x05, body, 2));
	EXPECT_EQ(0, pci_dev_cap(&d, PCI_CAP_VENDOR, big, sizeof(big)));
	ASSERT_EQ(0, pci_plug(&b, &d, 2));
	EXPECT_EQ(PCI_STS_CAPS, cfg_rd(&b, 2, 6, 2) & PCI_STS_CAPS);
	/* Walk the list as the guest does. */
	at = cfg_rd(&b, 2, PCI_CAP_PTR, 1);
	while (at && n < 10) {
		EXPECT_EQ(0, at & 3);
		EXPECT_GE(at, 0x40);
		n++;
		if (n == 1) {
			EXPECT_EQ(PCI_CAP_VENDOR, cfg_rd(&b, 2, at, 1));
			EXPECT_EQ(16, cfg_rd(&b, 2, at + 2, 1));
			EXPECT_EQ(0x030201, pci_cfg_read(&b, 2 << 3, at + 3, 4) & 0xffffff);
		}
		if (n == 3)
			EXPECT_EQ(5, cfg_rd(&b, 2, at, 1));
		at = cfg_rd(&b, 2, at + 1, 1);
	}
	EXPECT_EQ(3, n);
	/* Capabilities are read-only unless the device opens bytes. */
	cfg_wr(&b, 2, 0x44, 4, 0xffffffffu);
	EXPECT_EQ(0x030201, pci_cfg_read(&b, 2 << 3, 0x43, 4) & 0xffffff);
	d.wmask[0x44] = 0xff;
	cfg_wr(&b, 2, 0x44, 1, 0x77);
	EXPECT_EQ(0x77, cfg_rd(&b, 2, 0x44, 1));
	/* Every capability fits: the list ends inside configuration space. */
	while (pci_dev_cap(&d, 0x09, body, 2))
		;
	EXPECT_LE(d.cap_end, PCI_CFG_SIZE);
}

TEST(intx_follows_the_command_register)
{
	struct pci_bus b;
	struct pci_dev d;
	struct intx x = { 0 };
	struct irq_line l = { intx_set, &x, 11 };

	pci_init(&b);
	make_dev(&d);
	pci_dev_intx(&d, l);
	ASSERT_EQ(0, pci_plug(&b, &d, 4));
	EXPECT_EQ(0x010b, cfg_rd(&b, 4, 0x3c, 2));	/* INTA#, line 11 */
	pci_set_intx(&d, 1);
	EXPECT_EQ(1, x.level);
	EXPECT_EQ(PCI_STS_INTX, cfg_rd(&b, 4, 6, 2) & PCI_STS_INTX);
	/* Interrupt disable masks the line, not the status bit. */
	cfg_wr(&b, 4, 4, 2, PCI_CMD_INTX_OFF);
	EXPECT_EQ(0, x.level);
	EXPECT_EQ(PCI_STS_INTX, cfg_rd(&b, 4, 6, 2) & PCI_STS_INTX);
	cfg_wr(&b, 4, 4, 2, 0);
	EXPECT_EQ(1, x.level);
	pci_set_intx(&d, 0);
	EXPECT_EQ(0, x.level);
	EXPECT_EQ(0, cfg_rd(&b, 4, 6, 2) & PCI_STS_INTX);
}

TEST(windows_fill_up)
{
	struct pci_bus b;
	static struct pci_dev d[4];

	pci_init(&b);
	for (int i = 0; i < 4; i++) {
		make_dev(&d[i]);
		ASSERT_EQ(0, pci_dev_bar(&d[i], 0, 0x4000000, false));
	}
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(0, pci_plug(&b, &d[i], i + 1));
	EXPECT_EQ(PCI_MMIO_BASE + 3 * 0x4000000ULL, pci_bar_addr(&d[3], 0));
	make_dev(&d[0]);
	ASSERT_EQ(0, pci_dev_bar(&d[0], 0, 16, false));
	EXPECT_NE(0, pci_plug(&b, &d[0], 9));
	EXPECT_EQ(0xffffffffu, cfg_rd(&b, 9, 0, 4));
}

TEST_HARNESS_MAIN
