// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the module's GICv3 model (kmod/arm64/gic_model.c)
 * under what a guest sends it (distributor and redistributor accesses of
 * any offset, width and value, SGI register writes), what KVM_IRQ_LINE
 * and irqfds drive, a VMM's saves and restores (KVM_DEV_ARM_VGIC_GRP_
 * DIST_REGS and _REDIST_REGS), and list registers coming back in any
 * state.  The
 * model must stay in bounds, present only INTIDs it has, to the vCPU
 * that holds them, and never more than the list registers there are.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arm64/gic_model.h"

struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct in *in, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes-- && in->n) {
		v = v << 8 | *in->p++;
		in->n--;
	}
	return v;
}

static const unsigned int widths[] = { 1, 2, 4, 8 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gic_model g;
	struct in in = { data, size };
	u64 mpidr[GIC_MAX_CPUS], lr[GIC_MAX_CPUS][16], out[16];
	unsigned int nr_lr[GIC_MAX_CPUS] = { 0 };
	u32 acked[16], cpus, nr, c, i, n;
	u64 off, val;
	u32 v32;

	cpus = take(&in, 1) % GIC_MAX_CPUS + 1;
	nr = (take(&in, 1) % 31 + 2) * 32;
	for (c = 0; c < cpus; c++)
		mpidr[c] = 0x80000000ULL | (c & 0xf) | (c >> 4) << 8;
	gic_model_init(&g, nr, cpus, mpidr);
	while (in.n) {
		unsigned int op = take(&in, 1), len = widths[take(&in, 1) & 3];

		c = take(&in, 1) % cpus;
		switch (op % 10) {
		case 0:
			off = take(&in, 2);
			gic_dist_read(&g, off, len);
			break;
		case 1:
			off = take(&in, 2);
			gic_dist_write(&g, off, len, take(&in, 8));
			break;
		case 2:
			off = take(&in, 3) % (GIC_REDIST_SIZE * (cpus + 1));
			gic_redist_read(&g, off, len);
			break;
		case 3:
			off = take(&in, 3) % (GIC_REDIST_SIZE * (cpus + 1));
			gic_redist_write(&g, off, len, take(&in, 8));
			break;
		case 4:
			i = take(&in, 2);
			if (gic_set_line(&g, c, i, take(&in, 1) & 1) >= (int)cpus)
				abort();
			break;
		case 5:
			val = take(&in, 8);
			if (gic_sgi(&g, c, val, val & 1) >> cpus)
				abort();
			break;
		case 6:
			/* A run: fill, then the guest's doings. */
			n = take(&in, 1) % 17;
			nr_lr[c] = gic_lr_fill(&g, c, lr[c], n);
			if (nr_lr[c] > n)
				abort();
			for (i = 0; i < nr_lr[c]; i++) {
				u64 id = lr[c][i] & GIC_LR_INTID;
				const struct gic_irq *irq = id < GIC_NR_PRIV ?
					&g.priv[c][id] : &g.spi[id - GIC_NR_PRIV];

				if (id >= g.nr_irqs || irq->lr_cpu != c)
					abort();
			}
			for (i = 0; i < nr_lr[c]; i++)
				out[i] = take(&in, 8);
			if (gic_lr_sync(&g, c, lr[c], out, nr_lr[c], acked) >
			    nr_lr[c])
				abort();
			break;
		case 7:
			gic_cpu_pending(&g, c, take(&in, 4));
			break;
		case 8:
			off = take(&in, 4);
			v32 = take(&in, 4);
			gic_dist_uaccess(&g, off, len & 1, &v32);
			break;
		case 9:
			off = take(&in, 3);
			v32 = take(&in, 4);
			gic_redist_uaccess(&g, take(&in, 1) % (cpus + 1), off,
					   len & 1, &v32);
			break;
		}
	}
	return 0;
}
