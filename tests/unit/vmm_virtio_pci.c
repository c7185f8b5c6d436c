// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/bus.h"
#include "vmm/x86/pci.h"
#include "vmm/virtio/virtio_blk.h"
#include "vmm/virtio/virtio_pci.h"
#include "vmm/virtio/virtio_rng.h"

/*
 * virtio-pci modern, driven as Linux's virtio_pci_modern does: find the
 * vendor capabilities, then the common configuration, a queue, notify,
 * INTx and the ISR byte, all through BAR 0 in the PCI MMIO window.
 */

#define RAM (64 * 1024)
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define BUF 0x4000
#define SLOT 2
#define DEVFN (SLOT << 3)

struct env {
	uint8_t *ram;
	struct guest_mem m;
	struct pci_bus bus;
	struct virtio_pci vp;
	struct virtio_rng rng;
	int level, calls;
	uint32_t bar;
};

static void pin(void *ctx, unsigned int irq, int level)
{
	struct env *e = ctx;

	e->level = level;
	e->calls++;
}

static int rng_setup(struct env *e)
{
	struct irq_line l = { pin, e, 6 };

	memset(e, 0, sizeof(*e));
	e->ram = calloc(1, RAM);
	gmem_init(&e->m, e->ram, RAM);
	pci_init(&e->bus);
	virtio_rng_attach(&e->rng, &e->m, virtio_pci_irq(&e->vp));
	virtio_pci_init(&e->vp, &e->rng.t, 0x00ff00);
	pci_dev_intx(&e->vp.pci, l);
	if (pci_plug(&e->bus, &e->vp.pci, SLOT))
		return -1;
	e->bar = pci_cfg_read(&e->bus, DEVFN, PCI_BAR0, 4) & ~15u;
	pci_cfg_write(&e->bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM);
	return 0;
}

static uint32_t rd(struct env *e, uint32_t off, unsigned int size)
{
	uint8_t d[8] = { 0 };

	pci_mmio_io(&e->bus, e->bar + off - PCI_MMIO_BASE, d, size, false);
	return bus_get(d, size);
}

static void wr(struct env *e, uint32_t off, unsigned int size, uint64_t v)
{
	uint8_t d[8];

	bus_put(d, size, v);
	pci_mmio_io(&e->bus, e->bar + off - PCI_MMIO_BASE, d, size, true);
}

/* The vendor capability of cfg_type type, or 0. */
static unsigned int find_cap(struct env *e, uint8_t type)
{
	unsigned int at = pci_cfg_read(&e->bus, DEVFN, PCI_CAP_PTR, 1), n = 0;

	while (at && n++ < 48) {
		if (pci_cfg_read(&e->bus, DEVFN, at, 1) == PCI_CAP_VENDOR &&
		    pci_cfg_read(&e->bus, DEVFN, at + 3, 1) == type)
			return at;
		at = pci_cfg_read(&e->bus, DEVFN, at + 1, 1);
	}
	return 0;
}

TEST(identity_and_capabilities)
{
	struct env e;
	unsigned int c;

	ASSERT_EQ(0, rng_setup(&e));
	EXPECT_EQ(0x10441af4u, pci_cfg_read(&e.bus, DEVFN, 0, 4));
	EXPECT_EQ(1, pci_cfg_read(&e.bus, DEVFN, PCI_REVISION, 1));
	EXPECT_EQ(0x00ff00, pci_cfg_read(&e.bus, DEVFN, 8, 4) >> 8);
	EXPECT_EQ(0x00041af4u, pci_cfg_read(&e.bus, DEVFN, 0x2c, 4));
	EXPECT_EQ(0x0106, pci_cfg_read(&e.bus, DEVFN, PCI_INT_LINE, 2));
	EXPECT_EQ(PCI_MMIO_BASE, e.bar);
	/* BAR 0 is 16 KiB of memory. */
	pci_cfg_write(&e.bus, DEVFN, PCI_BAR0, 4, 0xffffffffu);
	EXPECT_EQ(0xffffc000u, pci_cfg_read(&e.bus, DEVFN, PCI_BAR0, 4));
	pci_cfg_write(&e.bus, DEVFN, PCI_BAR0, 4, e.bar);

	c = find_cap(&e, VIRTIO_PCI_CAP_COMMON);
	ASSERT_NE(0, c);
	EXPECT_EQ(16, pci_cfg_read(&e.bus, DEVFN, c + 2, 1));	/* cap_len */
	EXPECT_EQ(0, pci_cfg_read(&e.bus, DEVFN, c + 4, 1));	/* bar */
	EXPECT_EQ(VIRTIO_PCI_COMMON, pci_cfg_read(&e.bus, DEVFN, c + 8, 4));
	EXPECT_EQ(0x38, pci_cfg_read(&e.bus, DEVFN, c + 12, 4));
	c = find_cap(&e, VIRTIO_PCI_CAP_NOTIFY);
	ASSERT_NE(0, c);
	EXPECT_EQ(20, pci_cfg_read(&e.bus, DEVFN, c + 2, 1));
	EXPECT_EQ(VIRTIO_PCI_NOTIFY, pci_cfg_read(&e.bus, DEVFN, c + 8, 4));
	EXPECT_EQ(4, pci_cfg_read(&e.bus, DEVFN, c + 12, 4));	/* 1 queue */
	EXPECT_EQ(4, pci_cfg_read(&e.bus, DEVFN, c + 16, 4));	/* multiplier */
	c = find_cap(&e, VIRTIO_PCI_CAP_ISR);
	ASSERT_NE(0, c);
	EXPECT_EQ(VIRTIO_PCI_ISR, pci_cfg_read(&e.bus, DEVFN, c + 8, 4));
	EXPECT_EQ(0, find_cap(&e, VIRTIO_PCI_CAP_DEVICE));	/* rng: none */
	c = find_cap(&e, VIRTIO_PCI_CAP_PCI_CFG);
	ASSERT_NE(0, c);
	EXPECT_EQ(20, pci_cfg_read(&e.bus, DEVFN, c + 2, 1));
	/* The capabilities themselves are read-only. */
	c = find_cap(&e, VIRTIO_PCI_CAP_COMMON);
	pci_cfg_write(&e.bus, DEVFN, c + 8, 4, 0x1234);
	EXPECT_EQ(VIRTIO_PCI_COMMON, pci_cfg_read(&e.bus, DEVFN, c + 8, 4));
	free(e.ram);
}

TEST(driver_handshake_queue_notify_and_intx)
{
	struct env e;
	uint16_t head = 0, idx = 1;
	uint64_t addr = BUF;
	uint32_t len = 32;
	uint16_t flags = 2;				/* VIRTQ_DESC_F_WRITE */

	ASSERT_EQ(0, rng_setup(&e));
	EXPECT_EQ(1, rd(&e, 0x12, 2));			/* num_queues */
	wr(&e, 0x00, 4, 1);
	EXPECT_EQ(1, rd(&e, 0x04, 4));			/* VERSION_1 */
	wr(&e, 0x14, 1, 1 | 2);
	wr(&e, 0x08, 4, 0);
	wr(&e, 0x0c, 4, 0);
	wr(&e, 0x08, 4, 1);
	wr(&e, 0x0c, 4, 1);
	EXPECT_EQ(1, rd(&e, 0x0c, 4));
	wr(&e, 0x14, 1, 1 | 2 | 8);
	EXPECT_EQ(1 | 2 | 8, rd(&e, 0x14, 1));
	EXPECT_EQ(0xffff, rd(&e, 0x10, 2));		/* no MSI-X */

	wr(&e, 0x16, 2, 3);				/* no such queue */
	EXPECT_EQ(0, rd(&e, 0x18, 2));
	wr(&e, 0x16, 2, 0);
	EXPECT_EQ(VIRTQ_MAX_SIZE, rd(&e, 0x18, 2));
	wr(&e, 0x18, 2, 16);
	EXPECT_EQ(16, rd(&e, 0x18, 2));
	EXPECT_EQ(0, rd(&e, 0x1e, 2));			/* queue_notify_off */
	wr(&e, 0x1a, 2, 0);				/* MSI-X vector: refused */
	EXPECT_EQ(0xffff, rd(&e, 0x1a, 2));
	/* 64-bit fields as two 32-bit halves, as Linux writes them. */
	wr(&e, 0x20, 4, DESC);
	wr(&e, 0x24, 4, 0);
	wr(&e, 0x28, 4, AVAIL);
	wr(&e, 0x2c, 4, 0);
	wr(&e, 0x30, 8, USED);				/* or at once */
	EXPECT_EQ(AVAIL, rd(&e, 0x28, 4));
	EXPECT_EQ(USED, rd(&e, 0x30, 4));
	EXPECT_EQ(0, rd(&e, 0x34, 4));
	wr(&e, 0x1c, 2, 1);
	EXPECT_EQ(1, rd(&e, 0x1c, 2));
	/* Rings are fixed once the queue is enabled. */
	wr(&e, 0x20, 4, 0x8000);
	EXPECT_EQ(DESC, rd(&e, 0x20, 4));
	wr(&e, 0x14, 1, 1 | 2 | 8 | 4);		/* DRIVER_OK */

	/* One writable buffer; notify queue 0. */
	memcpy(e.ram + DESC, &addr, 8);
	memcpy(e.ram + DESC + 8, &len, 4);
	memcpy(e.ram + DESC + 12, &flags, 2);
	memcpy(e.ram + AVAIL + 4, &head, 2);
	memcpy(e.ram + AVAIL + 2, &idx, 2);
	EXPECT_EQ(0, e.level);
	wr(&e, VIRTIO_PCI_NOTIFY + 0, 2, 0);
	memcpy(&idx, e.ram + USED + 2, 2);
	EXPECT_EQ(1, idx);
	memcpy(&len, e.ram + USED + 8, 4);
	EXPECT_EQ(32, len);
	EXPECT_EQ(1, e.level);
	EXPECT_EQ(PCI_STS_INTX, pci_cfg_read(&e.bus, DEVFN, PCI_STATUS, 2) &
				PCI_STS_INTX);
	/* Interrupt disable masks INTx; the ISR read clears it. */
	pci_cfg_write(&e.bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_INTX_OFF);
	EXPECT_EQ(0, e.level);
	pci_cfg_write(&e.bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM);
	EXPECT_EQ(1, e.level);
	EXPECT_EQ(1, rd(&e, VIRTIO_PCI_ISR, 1));
	EXPECT_EQ(0, e.level);
	EXPECT_EQ(0, rd(&e, VIRTIO_PCI_ISR, 1));
	EXPECT_EQ(0, pci_cfg_read(&e.bus, DEVFN, PCI_STATUS, 2) & PCI_STS_INTX);
	/* A notify for a queue that does not exist, odd offsets: ignored. */
	wr(&e, VIRTIO_PCI_NOTIFY + 4, 2, 1);
	wr(&e, VIRTIO_PCI_NOTIFY + 2, 2, 0);
	wr(&e, VIRTIO_PCI_BAR_SIZE - 4, 4, 0);
	EXPECT_EQ(0, rd(&e, VIRTIO_PCI_DEVICE, 4));	/* no device config */
	/* Reset. */
	wr(&e, 0x14, 1, 0);
	EXPECT_EQ(0, rd(&e, 0x14, 1));
	EXPECT_EQ(0, rd(&e, 0x1c, 2));
	EXPECT_EQ(VIRTQ_MAX_SIZE, rd(&e, 0x18, 2));
	free(e.ram);
}

TEST(bad_ring_needs_reset)
{
	struct env e;

	ASSERT_EQ(0, rng_setup(&e));
	wr(&e, 0x14, 1, 1 | 2);
	wr(&e, 0x08, 4, 1);
	wr(&e, 0x0c, 4, 1);
	wr(&e, 0x14, 1, 1 | 2 | 8);
	wr(&e, 0x18, 2, 16);
	wr(&e, 0x20, 4, DESC);
	wr(&e, 0x28, 4, AVAIL);
	wr(&e, 0x30, 4, 0x3001);			/* misaligned used ring */
	wr(&e, 0x1c, 2, 1);
	EXPECT_EQ(0, rd(&e, 0x1c, 2));
	EXPECT_TRUE(rd(&e, 0x14, 1) & 64);		/* NEEDS_RESET */
	wr(&e, 0x18, 2, 1000);				/* larger than the max */
	EXPECT_EQ(VIRTQ_MAX_SIZE, rd(&e, 0x18, 2));
	free(e.ram);
}

TEST(pci_cfg_capability_reaches_the_bar)
{
	struct env e;
	unsigned int c;

	ASSERT_EQ(0, rng_setup(&e));
	c = find_cap(&e, VIRTIO_PCI_CAP_PCI_CFG);
	ASSERT_NE(0, c);
	/* Memory decode off: the window still works. */
	pci_cfg_write(&e.bus, DEVFN, PCI_COMMAND, 2, 0);
	pci_cfg_write(&e.bus, DEVFN, c + 4, 1, 0);		/* bar */
	pci_cfg_write(&e.bus, DEVFN, c + 8, 4, 0x12);		/* num_queues */
	pci_cfg_write(&e.bus, DEVFN, c + 12, 4, 2);
	EXPECT_EQ(1, pci_cfg_read(&e.bus, DEVFN, c + 16, 2));
	pci_cfg_write(&e.bus, DEVFN, c + 8, 4, 0x14);		/* status */
	pci_cfg_write(&e.bus, DEVFN, c + 12, 4, 1);
	pci_cfg_write(&e.bus, DEVFN, c + 16, 1, 1 | 2);
	EXPECT_EQ(1 | 2, pci_cfg_read(&e.bus, DEVFN, c + 16, 1));
	EXPECT_EQ(1 | 2, e.rng.t.status);
	/* Bad windows do nothing: length 3, misaligned, other BAR, past it. */
	pci_cfg_write(&e.bus, DEVFN, c + 12, 4, 3);
	pci_cfg_write(&e.bus, DEVFN, c + 16, 1, 0);
	EXPECT_EQ(1 | 2, e.rng.t.status);
	pci_cfg_write(&e.bus, DEVFN, c + 8, 4, 0x13);
	pci_cfg_write(&e.bus, DEVFN, c + 12, 4, 2);
	pci_cfg_write(&e.bus, DEVFN, c + 16, 2, 0);
	pci_cfg_write(&e.bus, DEVFN, c + 4, 1, 1);
	pci_cfg_write(&e.bus, DEVFN, c + 8, 4, 0x14);
	pci_cfg_write(&e.bus, DEVFN, c + 12, 4, 1);
	pci_cfg_write(&e.bus, DEVFN, c + 16, 1, 0);
	pci_cfg_write(&e.bus, DEVFN, c + 4, 1, 0);
	pci_cfg_write(&e.bus, DEVFN, c + 8, 4, 0xfffffffc);
	pci_cfg_write(&e.bus, DEVFN, c + 12, 4, 4);
	pci_cfg_write(&e.bus, DEVFN, c + 16, 4, 0);
	EXPECT_EQ(1 | 2, e.rng.t.status);
	free(e.ram);
}

TEST(blk_device_config_in_the_bar)
{
	static struct virtio_blk b;
	struct virtio_pci vp;
	struct pci_bus bus;
	struct guest_mem m;
	uint8_t *ram = calloc(1, RAM), d[8];
	unsigned int at;
	bool found = false;

	gmem_init(&m, ram, RAM);
	pci_init(&bus);
	memset(&b, 0, sizeof(b));
	b.sectors = 4096;
	virtio_blk_attach(&b, &m, virtio_pci_irq(&vp));
	virtio_pci_init(&vp, &b.t, 0x018000);
	ASSERT_EQ(0, pci_plug(&bus, &vp.pci, 1));
	EXPECT_EQ(0x1042, pci_cfg_read(&bus, 1 << 3, 2, 2));
	for (at = pci_cfg_read(&bus, 1 << 3, PCI_CAP_PTR, 1); at;
	     at = pci_cfg_read(&bus, 1 << 3, at + 1, 1))
		if (pci_cfg_read(&bus, 1 << 3, at + 3, 1) == VIRTIO_PCI_CAP_DEVICE) {
			found = true;
			EXPECT_EQ(VIRTIO_PCI_DEVICE, pci_cfg_read(&bus, 1 << 3, at + 8, 4));
			EXPECT_EQ(b.t.ops->config_len, pci_cfg_read(&bus, 1 << 3, at + 12, 4));
		}
	EXPECT_TRUE(found);
	pci_cfg_write(&bus, 1 << 3, PCI_COMMAND, 2, PCI_CMD_MEM);
	pci_mmio_io(&bus, VIRTIO_PCI_DEVICE, d, 8, false);	/* BAR at the base */
	EXPECT_EQ(4096, bus_get(d, 4));
	/* Past the device configuration: zero. */
	pci_mmio_io(&bus, VIRTIO_PCI_DEVICE + b.t.ops->config_len, d, 4, false);
	EXPECT_EQ(0, bus_get(d, 4));
	free(ram);
}

/* MSI-X: the sink records the messages the device sends. */
struct msi_sink {
	int n;
	unsigned int vector;
	uint64_t addr;
	uint32_t data;
};

static void msi(void *ctx, unsigned int vector, uint64_t addr, uint32_t data)
{
	struct msi_sink *m = ctx;

	m->n++;
	m->vector = vector;
	m->addr = addr;
	m->data = data;
}

/* The driver's handshake and queue 0 (16 entries) up to DRIVER_OK. */
static void rng_ready(struct env *e)
{
	wr(e, 0x14, 1, 1 | 2);
	wr(e, 0x08, 4, 1);
	wr(e, 0x0c, 4, 1);
	wr(e, 0x14, 1, 1 | 2 | 8);
	wr(e, 0x16, 2, 0);
	wr(e, 0x18, 2, 16);
	wr(e, 0x20, 8, DESC);
	wr(e, 0x28, 8, AVAIL);
	wr(e, 0x30, 8, USED);
	wr(e, 0x1c, 2, 1);
	wr(e, 0x14, 1, 1 | 2 | 8 | 4);
}

/* The idx-th request: one writable buffer on queue 0, notified. */
static void rng_request(struct env *e, uint16_t idx)
{
	uint64_t addr = BUF;
	uint32_t len = 8;
	uint16_t flags = 2, head = 0;

	memcpy(e->ram + DESC, &addr, 8);
	memcpy(e->ram + DESC + 8, &len, 4);
	memcpy(e->ram + DESC + 12, &flags, 2);
	memcpy(e->ram + AVAIL + 4 + 2 * ((idx - 1) % 16), &head, 2);
	memcpy(e->ram + AVAIL + 2, &idx, 2);
	wr(e, VIRTIO_PCI_NOTIFY + 0, 2, 0);
}

/* Where the notify structure decodes, as ioevent.c hears of it. */
struct moves {
	int n;
	uint64_t base;
};

static void moved(void *ctx, uint64_t base)
{
	struct moves *m = ctx;

	m->n++;
	m->base = base;
}

TEST(notify_base_follows_bar_and_decode)
{
	struct env e;
	struct moves m = { 0 };

	memset(&e, 0, sizeof(e));
	e.ram = calloc(1, RAM);
	gmem_init(&e.m, e.ram, RAM);
	pci_init(&e.bus);
	virtio_rng_attach(&e.rng, &e.m, virtio_pci_irq(&e.vp));
	virtio_pci_init(&e.vp, &e.rng.t, 0x00ff00);
	e.vp.notify_moved = moved;
	e.vp.notify_ctx = &m;
	ASSERT_EQ(0, pci_plug(&e.bus, &e.vp.pci, SLOT));
	e.bar = pci_cfg_read(&e.bus, DEVFN, PCI_BAR0, 4) & ~15u;
	/* Placed at plug time, but not decoded yet: nowhere. */
	EXPECT_EQ(0, m.n);
	EXPECT_EQ(0u, e.vp.notify_base);
	pci_cfg_write(&e.bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM);
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(e.bar + VIRTIO_PCI_NOTIFY, m.base);
	/* Other writes tell nothing. */
	pci_cfg_write(&e.bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	EXPECT_EQ(1, m.n);
	/* Sizing with decode off (as Linux does), then a new address. */
	pci_cfg_write(&e.bus, DEVFN, PCI_COMMAND, 2, 0);
	EXPECT_EQ(2, m.n);
	EXPECT_EQ(0u, m.base);
	pci_cfg_write(&e.bus, DEVFN, PCI_BAR0, 4, 0xffffffffu);
	pci_cfg_write(&e.bus, DEVFN, PCI_BAR0, 4, e.bar + 0x10000);
	EXPECT_EQ(2, m.n);
	pci_cfg_write(&e.bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM);
	EXPECT_EQ(3, m.n);
	EXPECT_EQ(e.bar + 0x10000 + VIRTIO_PCI_NOTIFY, m.base);
	/* Moved while decoded; then outside the host bridge's window. */
	pci_cfg_write(&e.bus, DEVFN, PCI_BAR0, 4, e.bar);
	EXPECT_EQ(4, m.n);
	EXPECT_EQ(e.bar + VIRTIO_PCI_NOTIFY, m.base);
	pci_cfg_write(&e.bus, DEVFN, PCI_BAR0, 4, 0x10000000u);
	EXPECT_EQ(5, m.n);
	EXPECT_EQ(0u, m.base);
	free(e.ram);
}

TEST(msix_vectors_table_and_masks)
{
	struct env e;
	struct msi_sink m = { 0 };
	unsigned int c = 0, at, n = 0;
	uint32_t bar1, t;
	uint16_t idx = 0;

	memset(&e, 0, sizeof(e));
	e.ram = calloc(1, RAM);
	gmem_init(&e.m, e.ram, RAM);
	pci_init(&e.bus);
	virtio_rng_attach(&e.rng, &e.m, virtio_pci_irq(&e.vp));
	virtio_pci_init(&e.vp, &e.rng.t, 0x00ff00);
	pci_dev_intx(&e.vp.pci, (struct irq_line){ pin, &e, 6 });
	virtio_pci_msix(&e.vp, msi, &m);
	ASSERT_EQ(0, pci_plug(&e.bus, &e.vp.pci, SLOT));
	e.bar = pci_cfg_read(&e.bus, DEVFN, PCI_BAR0, 4) & ~15u;
	bar1 = pci_cfg_read(&e.bus, DEVFN, PCI_BAR0 + 4, 4) & ~15u;
	ASSERT_NE(0, bar1);
	pci_cfg_write(&e.bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM);
	/* BAR 1: 4 KiB of memory. */
	pci_cfg_write(&e.bus, DEVFN, PCI_BAR0 + 4, 4, 0xffffffffu);
	EXPECT_EQ(0xfffff000u, pci_cfg_read(&e.bus, DEVFN, PCI_BAR0 + 4, 4));
	pci_cfg_write(&e.bus, DEVFN, PCI_BAR0 + 4, 4, bar1);

	/* The capability: 2 vectors (queue + config), table and PBA in BAR 1. */
	for (at = pci_cfg_read(&e.bus, DEVFN, PCI_CAP_PTR, 1); at && n++ < 48;
	     at = pci_cfg_read(&e.bus, DEVFN, at + 1, 1))
		if (pci_cfg_read(&e.bus, DEVFN, at, 1) == 0x11)
			c = at;
	ASSERT_NE(0, c);
	EXPECT_EQ(1, pci_cfg_read(&e.bus, DEVFN, c + 2, 2));
	EXPECT_EQ(1, pci_cfg_read(&e.bus, DEVFN, c + 4, 4));
	EXPECT_EQ(0x801, pci_cfg_read(&e.bus, DEVFN, c + 8, 4));
	/* Only enable and function mask are writable. */
	pci_cfg_write(&e.bus, DEVFN, c + 2, 2, 0x3fff);
	EXPECT_EQ(1, pci_cfg_read(&e.bus, DEVFN, c + 2, 2));

	/* Table entries start masked; address, data, mask bit only. */
#define TBL(v, w) (bar1 + 16 * (v) + 4 * (w) - (uint32_t)PCI_MMIO_BASE)
	uint8_t d[8];

	pci_mmio_io(&e.bus, TBL(1, 3), d, 4, false);
	EXPECT_EQ(1u, bus_get(d, 4));
	bus_put(d, 8, 0xfee01000ULL);
	pci_mmio_io(&e.bus, TBL(1, 0), d, 8, true);	/* a qword write */
	bus_put(d, 4, 0x45);
	pci_mmio_io(&e.bus, TBL(1, 2), d, 4, true);
	bus_put(d, 4, 0xfffffffe);
	pci_mmio_io(&e.bus, TBL(1, 3), d, 4, true);	/* unmask */
	pci_mmio_io(&e.bus, TBL(1, 3), d, 4, false);
	EXPECT_EQ(0u, bus_get(d, 4));
	pci_mmio_io(&e.bus, TBL(1, 0), d, 4, false);
	EXPECT_EQ(0xfee01000u, bus_get(d, 4));
	pci_mmio_io(&e.bus, TBL(2, 0), d, 4, false);	/* no vector 2 */
	EXPECT_EQ(0u, bus_get(d, 4));

	/* Vectors in the common configuration; 2 is out of range. */
	rng_ready(&e);
	EXPECT_EQ(0xffff, rd(&e, 0x10, 2));
	wr(&e, 0x10, 2, 0);
	EXPECT_EQ(0, rd(&e, 0x10, 2));
	wr(&e, 0x1a, 2, 2);
	EXPECT_EQ(0xffff, rd(&e, 0x1a, 2));
	wr(&e, 0x1a, 2, 1);
	EXPECT_EQ(1, rd(&e, 0x1a, 2));

	/* MSI-X off: INTx and the ISR, as before. */
	rng_request(&e, ++idx);
	EXPECT_EQ(1, e.level);
	EXPECT_EQ(0, m.n);
	EXPECT_EQ(1, rd(&e, VIRTIO_PCI_ISR, 1));
	/* On: the queue's vector is its message; INTx and ISR quiet. */
	pci_cfg_write(&e.bus, DEVFN, c + 2, 2, 0x8000);
	rng_request(&e, ++idx);
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(1u, m.vector);
	EXPECT_EQ(0xfee01000u, m.addr);
	EXPECT_EQ(0x45u, m.data);
	EXPECT_EQ(0, e.level);
	EXPECT_EQ(0, rd(&e, VIRTIO_PCI_ISR, 1));
	/* A masked entry holds its pending bit until unmasked. */
	bus_put(d, 4, 1);
	pci_mmio_io(&e.bus, TBL(1, 3), d, 4, true);
	rng_request(&e, ++idx);
	EXPECT_EQ(1, m.n);
	pci_mmio_io(&e.bus, bar1 + 0x800 - (uint32_t)PCI_MMIO_BASE, d, 4, false);
	EXPECT_EQ(2u, bus_get(d, 4));
	bus_put(d, 4, 0);
	pci_mmio_io(&e.bus, TBL(1, 3), d, 4, true);
	EXPECT_EQ(2, m.n);
	pci_mmio_io(&e.bus, bar1 + 0x800 - (uint32_t)PCI_MMIO_BASE, d, 4, false);
	EXPECT_EQ(0u, bus_get(d, 4));
	/* The function mask, likewise. */
	pci_cfg_write(&e.bus, DEVFN, c + 2, 2, 0xc000);
	rng_request(&e, ++idx);
	EXPECT_EQ(2, m.n);
	pci_cfg_write(&e.bus, DEVFN, c + 2, 2, 0x8000);
	EXPECT_EQ(3, m.n);
	/* NO_VECTOR: no interrupt at all. */
	wr(&e, 0x1a, 2, 0xffff);
	rng_request(&e, ++idx);
	EXPECT_EQ(3, m.n);
	EXPECT_EQ(0, e.level);
	/* Odd accesses to BAR 1 do nothing. */
	pci_mmio_io(&e.bus, TBL(0, 0) + 2, d, 2, true);
	pci_mmio_io(&e.bus, bar1 + 0xffc - (uint32_t)PCI_MMIO_BASE, d, 4, true);
	/* A reset forgets the vectors. */
	wr(&e, 0x14, 1, 0);
	EXPECT_EQ(0xffff, rd(&e, 0x10, 2));
	wr(&e, 0x16, 2, 0);
	EXPECT_EQ(0xffff, rd(&e, 0x1a, 2));
	t = pci_cfg_read(&e.bus, DEVFN, c + 2, 2);
	EXPECT_EQ(0x8001u, t);
#undef TBL
	free(e.ram);
}

/* What a vector's irqfd would be asked for (x86/vm.c's msi_irqfd). */
static struct msi_sink irqfd_asked;

static int fake_irqfd(void *ctx, unsigned int vector, uint64_t addr,
		      uint32_t data)
{
	msi(&irqfd_asked, vector, addr, data);
	return 42;
}

/*
 * The irqfd hook a data path in the kernel (vhost) signals queue 0 on:
 * the vector's irqfd, with its table entry's message, only while MSI-X is
 * on, the function and the entry unmasked and the queue has a vector.
 */
TEST(msix_irqfd_hook_follows_enable_masks_and_vectors)
{
	struct env e;
	struct msi_sink m = { 0 };
	unsigned int c = 0, at, n = 0;
	uint32_t bar1;
	uint8_t d[8];
	int (*hook)(void *, unsigned int);
	void *hctx;

	memset(&e, 0, sizeof(e));
	memset(&irqfd_asked, 0, sizeof(irqfd_asked));
	e.ram = calloc(1, RAM);
	gmem_init(&e.m, e.ram, RAM);
	pci_init(&e.bus);
	virtio_rng_attach(&e.rng, &e.m, virtio_pci_irq(&e.vp));
	virtio_pci_init(&e.vp, &e.rng.t, 0x00ff00);
	/* Without MSI-X there is nothing to hook. */
	virtio_pci_msix_irqfd(&e.vp, fake_irqfd);
	EXPECT_TRUE(e.rng.t.irqfd_hook == NULL);
	virtio_pci_msix(&e.vp, msi, &m);
	virtio_pci_msix_irqfd(&e.vp, fake_irqfd);
	hook = e.rng.t.irqfd_hook;
	hctx = e.rng.t.signal_ctx;
	ASSERT_TRUE(hook != NULL);
	ASSERT_EQ(0, pci_plug(&e.bus, &e.vp.pci, SLOT));
	e.bar = pci_cfg_read(&e.bus, DEVFN, PCI_BAR0, 4) & ~15u;
	bar1 = pci_cfg_read(&e.bus, DEVFN, PCI_BAR0 + 4, 4) & ~15u;
	pci_cfg_write(&e.bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM);
	for (at = pci_cfg_read(&e.bus, DEVFN, PCI_CAP_PTR, 1); at && n++ < 48;
	     at = pci_cfg_read(&e.bus, DEVFN, at + 1, 1))
		if (pci_cfg_read(&e.bus, DEVFN, at, 1) == 0x11)
			c = at;
	ASSERT_NE(0, c);
#define TBL(v, w) (bar1 + 16 * (v) + 4 * (w) - (uint32_t)PCI_MMIO_BASE)
	bus_put(d, 4, 0xfee02000u);
	pci_mmio_io(&e.bus, TBL(1, 0), d, 4, true);
	bus_put(d, 4, 0x51);
	pci_mmio_io(&e.bus, TBL(1, 2), d, 4, true);
	rng_ready(&e);
	wr(&e, 0x1a, 2, 1);
	/* MSI-X off, then on with the entry still masked. */
	EXPECT_EQ(-1, hook(hctx, 0));
	pci_cfg_write(&e.bus, DEVFN, c + 2, 2, 0x8000);
	EXPECT_EQ(-1, hook(hctx, 0));
	bus_put(d, 4, 0);
	pci_mmio_io(&e.bus, TBL(1, 3), d, 4, true);
	EXPECT_EQ(42, hook(hctx, 0));
	EXPECT_EQ(1u, irqfd_asked.vector);
	EXPECT_EQ(0xfee02000u, irqfd_asked.addr);
	EXPECT_EQ(0x51u, irqfd_asked.data);
	/* The function mask; a queue without a vector or beyond the table. */
	pci_cfg_write(&e.bus, DEVFN, c + 2, 2, 0xc000);
	EXPECT_EQ(-1, hook(hctx, 0));
	pci_cfg_write(&e.bus, DEVFN, c + 2, 2, 0x8000);
	EXPECT_EQ(42, hook(hctx, 0));
	EXPECT_EQ(-1, hook(hctx, 1));
	EXPECT_EQ(-1, hook(hctx, VIRTIO_MAX_QUEUES));
	wr(&e, 0x1a, 2, 0xffff);
	EXPECT_EQ(-1, hook(hctx, 0));
	/* No message went out through the VMM meanwhile. */
	EXPECT_EQ(0, m.n);
#undef TBL
	free(e.ram);
}

/*
 * A queue the driver broke (an indirect descriptor, not negotiated) with
 * MSI-X on: DEVICE_NEEDS_RESET, and the configuration change goes out as
 * config_vector's message, not the queue's (virtio 1.2, 4.1.5.3).
 */
TEST(broken_queue_signals_config_vector)
{
	struct env e;
	struct msi_sink m = { 0 };
	unsigned int c = 0, at, n = 0;
	uint32_t bar1;
	uint8_t d[8];
	uint64_t addr = BUF;
	uint32_t len = 8;
	uint16_t flags = 4, idx = 1;			/* INDIRECT */

	memset(&e, 0, sizeof(e));
	e.ram = calloc(1, RAM);
	gmem_init(&e.m, e.ram, RAM);
	pci_init(&e.bus);
	virtio_rng_attach(&e.rng, &e.m, virtio_pci_irq(&e.vp));
	virtio_pci_init(&e.vp, &e.rng.t, 0x00ff00);
	pci_dev_intx(&e.vp.pci, (struct irq_line){ pin, &e, 6 });
	virtio_pci_msix(&e.vp, msi, &m);
	ASSERT_EQ(0, pci_plug(&e.bus, &e.vp.pci, SLOT));
	e.bar = pci_cfg_read(&e.bus, DEVFN, PCI_BAR0, 4) & ~15u;
	bar1 = pci_cfg_read(&e.bus, DEVFN, PCI_BAR0 + 4, 4) & ~15u;
	pci_cfg_write(&e.bus, DEVFN, PCI_COMMAND, 2, PCI_CMD_MEM);
	for (at = pci_cfg_read(&e.bus, DEVFN, PCI_CAP_PTR, 1); at && n++ < 48;
	     at = pci_cfg_read(&e.bus, DEVFN, at + 1, 1))
		if (pci_cfg_read(&e.bus, DEVFN, at, 1) == 0x11)
			c = at;
	ASSERT_NE(0, c);
	/* Vector 0 (config): data 0x40; vector 1 (queue 0): data 0x41. */
	for (unsigned int v = 0; v < 2; v++) {
		uint32_t base = bar1 + 16 * v - (uint32_t)PCI_MMIO_BASE;

		bus_put(d, 8, 0xfee00000ULL);
		pci_mmio_io(&e.bus, base, d, 8, true);
		bus_put(d, 4, 0x40 + v);
		pci_mmio_io(&e.bus, base + 8, d, 4, true);
		bus_put(d, 4, 0);
		pci_mmio_io(&e.bus, base + 12, d, 4, true);
	}
	rng_ready(&e);
	wr(&e, 0x10, 2, 0);
	wr(&e, 0x1a, 2, 1);
	pci_cfg_write(&e.bus, DEVFN, c + 2, 2, 0x8000);	/* MSI-X on */

	memcpy(e.ram + DESC, &addr, 8);
	memcpy(e.ram + DESC + 8, &len, 4);
	memcpy(e.ram + DESC + 12, &flags, 2);
	memcpy(e.ram + AVAIL + 4, &(uint16_t){ 0 }, 2);
	memcpy(e.ram + AVAIL + 2, &idx, 2);
	wr(&e, VIRTIO_PCI_NOTIFY + 0, 2, 0);
	EXPECT_EQ(64, rd(&e, 0x14, 1) & 64);		/* DEVICE_NEEDS_RESET */
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(0x40u, m.data);
	EXPECT_EQ(0, e.level);
	/* Further notifies on the dead queue send nothing more. */
	wr(&e, VIRTIO_PCI_NOTIFY + 0, 2, 0);
	EXPECT_EQ(1, m.n);

	/* MSI-X off: INTx and ISR bit 1, the configuration change. */
	wr(&e, 0x14, 1, 0);
	pci_cfg_write(&e.bus, DEVFN, c + 2, 2, 0);
	rng_ready(&e);
	idx = 2;
	memcpy(e.ram + AVAIL + 4 + 2, &(uint16_t){ 0 }, 2);
	memcpy(e.ram + AVAIL + 2, &idx, 2);
	memcpy(e.ram + USED + 2, &(uint16_t){ 0 }, 2);
	/* The reset restarted the ring at 0: post two entries. */
	memcpy(e.ram + AVAIL + 4, &(uint16_t){ 0 }, 2);
	wr(&e, VIRTIO_PCI_NOTIFY + 0, 2, 0);
	EXPECT_EQ(64, rd(&e, 0x14, 1) & 64);
	EXPECT_EQ(1, e.level);
	EXPECT_EQ(2, rd(&e, VIRTIO_PCI_ISR, 1));
	free(e.ram);
}

TEST_HARNESS_MAIN
