// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the PCI host bridge's configuration ports and BAR
 * windows with virtio-pci rng and console devices plugged (the console
 * with MSI-X: its capability, table and pending bits), as a guest
 * drives them: CONFIG_ADDRESS and data port accesses of any width and
 * offset (BAR sizing and moves, command, capabilities including the
 * PCI_CFG window), then MMIO and I/O accesses anywhere in the windows,
 * over fuzzer-controlled guest RAM (rings, buffers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "mem.h"
#include "sink.h"
#include "x86/pci.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_pci.h"
#include "virtio/virtio_rng.h"

#define MEM (64 * 1024)

static int level;
static unsigned int msis;

static void pin(void *ctx, unsigned int irq, int l)
{
	(void)ctx;
	(void)irq;
	level = l;
}

static void msi(void *ctx, unsigned int vector, uint64_t addr, uint32_t data)
{
	(void)ctx;
	(void)vector;
	(void)addr;
	(void)data;
	msis++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pci_bus bus;
	static struct virtio_pci vp[2];
	static struct virtio_rng rng;
	static struct virtio_console con;
	struct irq_line line = { pin, NULL, 5 };
	struct guest_mem m;
	uint8_t *ram;
	size_t ram_len;

	if (size < 2)
		return 0;
	/* The first bytes say how much of the input is guest RAM. */
	ram_len = ((size_t)data[0] << 8 | data[1]) % (size - 1);
	data += 2;
	size -= 2;
	ram = calloc(1, MEM);
	if (!ram)
		return 0;
	memcpy(ram, data, ram_len < MEM ? ram_len : MEM);
	data += ram_len;
	size -= ram_len;
	gmem_init(&m, ram, MEM);

	pci_init(&bus);
	virtio_rng_attach(&rng, &m, virtio_pci_irq(&vp[0]));
	virtio_pci_init(&vp[0], &rng.t, 0x00ff00);
	pci_dev_intx(&vp[0].pci, line);
	pci_plug(&bus, &vp[0].pci, 1);
	virtio_console_attach(&con, &m, virtio_pci_irq(&vp[1]), fuzz_sink,
			      NULL, NULL);
	virtio_pci_init(&vp[1], &con.t, 0x078000);
	pci_dev_intx(&vp[1].pci, line);
	virtio_pci_msix(&vp[1], msi, NULL);
	pci_plug(&bus, &vp[1].pci, 2);

	/* Operations: op, then 2 bytes of offset, then up to 8 of value. */
	while (size >= 11) {
		static const unsigned int sizes[] = { 1, 2, 4, 8 };
		unsigned int op = data[0] % 6, sz = sizes[(data[0] >> 3) & 3];
		uint32_t off = (uint32_t)data[1] | (uint32_t)data[2] << 8;
		uint8_t d[8];

		memcpy(d, data + 3, 8);
		data += 11;
		size -= 11;
		switch (op) {
		case 0:			/* CONFIG_ADDRESS, mostly enabled */
			pci_addr_io(&bus, 0, d, 4, !(data[-11] & 0x80));
			break;
		case 1:
		case 2:			/* data ports 0xcfc-0xcff */
			pci_data_io(&bus, off & 3, d, sz > 4 ? 4 : sz, op == 1);
			break;
		case 3:
		case 4:			/* the MMIO window where the BARs sit */
			pci_mmio_io(&bus, off, d, sz, op == 3);
			break;
		default:		/* the I/O window */
			pci_pio_io(&bus, off % PCI_IO_SIZE, d, sz > 4 ? 4 : sz,
				   data[-11] & 0x80);
			break;
		}
	}
	free(ram);
	return 0;
}
