// SPDX-License-Identifier: GPL-2.0
/*
 * The module's GICv3 model (kmod/arm64/gic_model.c), on the host: the
 * distributor's and redistributors' registers as a guest sees them, lines,
 * SGIs, and what the list registers present and take back.
 */
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "arm64/gic_model.h"

static struct gic_model g;

/* Two vCPUs with kvm.ko's MPIDRs (Aff0 = id), 128 INTIDs. */
static void setup(void)
{
	static const u64 mpidr[2] = { 0x80000000, 0x80000001 };

	gic_model_init(&g, 128, 2, mpidr);
}

/* Enable @intid in group 1, priority 0x80, on @cpu's side for a private. */
static void enable(u32 cpu, u32 intid)
{
	u32 bit = 1U << (intid % 32);

	if (intid < 32) {
		u64 sgi = cpu * GIC_REDIST_SIZE + 0x10000;

		gic_redist_write(&g, sgi + 0x80, 4,
				 gic_redist_read(&g, sgi + 0x80, 4) | bit);
		gic_redist_write(&g, sgi + 0x400 + intid, 1, 0x80);
		gic_redist_write(&g, sgi + 0x100, 4, bit);
	} else {
		gic_dist_write(&g, 0x80 + intid / 32 * 4, 4,
			       gic_dist_read(&g, 0x80 + intid / 32 * 4, 4) | bit);
		gic_dist_write(&g, 0x400 + intid, 1, 0x80);
		gic_dist_write(&g, 0x100 + intid / 32 * 4, 4, bit);
	}
}

TEST(ids_and_typer)
{
	setup();
	EXPECT_EQ(0x30, gic_dist_read(&g, 0xffe8, 4) & 0xf0);
	/* 4 x 32 INTIDs, 10 ID bits, no 1-of-N. */
	/* kvm.ko's TYPER (No1N clear), IIDR (revision 3) and STATUSR. */
	EXPECT_EQ(3 | 9 << 19, gic_dist_read(&g, 0x4, 4));
	EXPECT_EQ(0x4b00343b, gic_dist_read(&g, 0x8, 4));
	EXPECT_EQ(0xffffffff, gic_dist_read(&g, 0x10, 4));
	EXPECT_EQ(0x4b00043b, gic_redist_read(&g, 0x4, 4));
	/* GICR_CTLR: IR and CES at revision 3. */
	EXPECT_EQ(6, gic_redist_read(&g, 0x0, 4));
	EXPECT_EQ(0x50, gic_dist_read(&g, 0x0, 4));
	/* kvm.ko's reset: group 1 everywhere, SGIs enabled. */
	EXPECT_EQ(0xffffffff, gic_dist_read(&g, 0x84, 4));
	EXPECT_EQ(0xffffffff, gic_redist_read(&g, 0x10080, 4));
	EXPECT_EQ(0xffff, gic_redist_read(&g, 0x10100, 4));
	EXPECT_EQ(0, gic_dist_read(&g, 0x104, 4));
	/* EnableGrp0 reads as zero: EnableGrp1 enables both groups. */
	gic_dist_write(&g, 0x0, 4, ~0ULL);
	EXPECT_EQ(0x52, gic_dist_read(&g, 0x0, 4));
	EXPECT_EQ(0x30, gic_redist_read(&g, 0xffe8, 4) & 0xf0);
	/* GICR_TYPER: affinity, processor number, Last on the second. */
	EXPECT_EQ(0ULL, gic_redist_read(&g, 0x8, 8));
	EXPECT_EQ(1ULL << 32 | 1 << 8 | 1 << 4,
		  gic_redist_read(&g, GIC_REDIST_SIZE + 0x8, 8));
	EXPECT_EQ(1, gic_redist_read(&g, GIC_REDIST_SIZE + 0xc, 4));
	/* Past the last redistributor, unaligned, odd sizes: nothing. */
	EXPECT_EQ(0, gic_redist_read(&g, 2 * GIC_REDIST_SIZE + 0x8, 8));
	EXPECT_EQ(0, gic_dist_read(&g, 0x5, 4));
	EXPECT_EQ(0, gic_dist_read(&g, 0x4, 2));
	/*
	 * GICR_PROPBASER (the VM's) and GICR_PENDBASER (each vCPU's): kept
	 * without RES0 bits, the attributes sanitised, PTZ read as zero.
	 */
	EXPECT_EQ(0ULL, gic_redist_read(&g, 0x70, 8));
	EXPECT_EQ(0x580ULL, gic_redist_read(&g, 0x78, 8));
	gic_redist_write(&g, 0x70, 8, ~0ULL);
	EXPECT_EQ(0x000fffffffffff9fULL, gic_redist_read(&g, 0x70, 8));
	EXPECT_EQ(0x000fffffffffff9fULL,
		  gic_redist_read(&g, GIC_REDIST_SIZE + 0x70, 8));
	gic_redist_write(&g, 0x70, 8, 5ULL << 56 | 0x1000 | 2 << 10 | 1 << 7 | 0x13);
	EXPECT_EQ(0x1593ULL, gic_redist_read(&g, 0x70, 8));
	gic_redist_write(&g, 0x74, 4, 0x01000000);
	EXPECT_EQ(0x0100000000001593ULL, gic_redist_read(&g, 0x70, 8));
	EXPECT_EQ(0x01000000, gic_redist_read(&g, 0x74, 4));
	gic_redist_write(&g, 0x78, 8, ~0ULL);
	EXPECT_EQ(0x000fffffffff0f80ULL, gic_redist_read(&g, 0x78, 8));
	EXPECT_EQ(0x580ULL, gic_redist_read(&g, GIC_REDIST_SIZE + 0x78, 8));
	EXPECT_EQ(0, gic_redist_read(&g, 0x71, 1));
	/* GICR_WAKER reads as zero and ignores writes, as kvm.ko's. */
	EXPECT_EQ(0, gic_redist_read(&g, 0x14, 4));
	gic_redist_write(&g, 0x14, 4, 2);
	EXPECT_EQ(0, gic_redist_read(&g, 0x14, 4));
}

TEST(banks)
{
	setup();
	/* The distributor's first word is the redistributors'. */
	gic_dist_write(&g, 0x100, 4, ~0ULL);
	EXPECT_EQ(0, gic_dist_read(&g, 0x100, 4));
	gic_dist_write(&g, 0x104, 4, 0x5);
	EXPECT_EQ(0x5, gic_dist_read(&g, 0x104, 4));
	gic_dist_write(&g, 0x184, 4, 0x1);
	EXPECT_EQ(0x4, gic_dist_read(&g, 0x104, 4));
	/* Beyond NR_IRQS: nothing kept. */
	gic_dist_write(&g, 0x110, 4, ~0ULL);
	EXPECT_EQ(0, gic_dist_read(&g, 0x110, 4));
	/* Priorities by byte and word, 5 bits kept. */
	gic_dist_write(&g, 0x420, 4, 0xffa08001);
	EXPECT_EQ(0xf8a08000, gic_dist_read(&g, 0x420, 4));
	EXPECT_EQ(0xa0, gic_dist_read(&g, 0x422, 1));
	EXPECT_EQ(0, gic_dist_read(&g, 0x400, 4));
	/* SGIs edge and PPIs level, always; SPIs edge out of reset. */
	EXPECT_EQ(0xaaaaaaaa, gic_redist_read(&g, 0x10000 + 0xc00, 4));
	gic_redist_write(&g, 0x10000 + 0xc00, 4, 0);
	EXPECT_EQ(0xaaaaaaaa, gic_redist_read(&g, 0x10000 + 0xc00, 4));
	EXPECT_EQ(0, gic_redist_read(&g, 0x10000 + 0xc04, 4));
	gic_redist_write(&g, 0x10000 + 0xc04, 4, 0xaaaaaaaa);
	EXPECT_EQ(0, gic_redist_read(&g, 0x10000 + 0xc04, 4));
	EXPECT_EQ(0xaaaaaaaa, gic_dist_read(&g, 0xc08, 4));
	EXPECT_EQ(0xaaaaaaaa, gic_dist_read(&g, 0xc1c, 4));
	gic_dist_write(&g, 0xc08, 4, 0x2);
	EXPECT_EQ(0x2, gic_dist_read(&g, 0xc08, 4));
	/* IROUTER: 64 bits or halves, Aff2-0 only (no IRM, no Aff3). */
	gic_dist_write(&g, 0x6000 + 8 * 40, 8, ~0ULL);
	EXPECT_EQ(0xffffffULL, gic_dist_read(&g, 0x6000 + 8 * 40, 8));
	gic_dist_write(&g, 0x6000 + 8 * 40 + 4, 4, 0xff);
	EXPECT_EQ(0xffffffULL, gic_dist_read(&g, 0x6000 + 8 * 40, 8));
	gic_dist_write(&g, 0x6000 + 8 * 40, 4, 1);
	gic_dist_write(&g, 0x6000 + 8 * 40 + 4, 4, 0);
	EXPECT_EQ(1ULL, gic_dist_read(&g, 0x6000 + 8 * 40, 8));
	EXPECT_EQ(1, g.spi[8].target);
	gic_dist_write(&g, 0x6000 + 8 * 40, 8, 7);
	EXPECT_EQ(GIC_NO_CPU, g.spi[8].target);
	/* SGIs and PPIs have no IROUTER. */
	gic_dist_write(&g, 0x6000 + 8 * 20, 8, 1);
	EXPECT_EQ(0ULL, gic_dist_read(&g, 0x6000 + 8 * 20, 8));
}

TEST(spi_level_through_lrs)
{
	u64 lr[4], out[4];
	u32 acked[4];

	setup();
	gic_dist_write(&g, 0x0, 4, 2);
	gic_dist_write(&g, 0xc08, 4, 0);	/* 32-47 level */
	/* Not enabled: pending, not presented. */
	EXPECT_EQ(-1, gic_set_line(&g, 0, 40, true));
	EXPECT_EQ(0x100, gic_dist_read(&g, 0x204, 4));
	EXPECT_EQ(0, gic_lr_fill(&g, 0, lr, 4));
	enable(0, 40);
	EXPECT_EQ(1, gic_lr_fill(&g, 0, lr, 4));
	EXPECT_EQ(40 | 0x80ULL << 48 | GIC_LR_GROUP1 | GIC_LR_PENDING, lr[0]);
	EXPECT_TRUE(gic_cpu_pending(&g, 0, GIC_VMCR_ENG1 | 0xffU << 24));
	EXPECT_FALSE(gic_cpu_pending(&g, 0, GIC_VMCR_ENG1 | 0x80U << 24));
	EXPECT_FALSE(gic_cpu_pending(&g, 0, 0xffU << 24));
	EXPECT_FALSE(gic_cpu_pending(&g, 1, GIC_VMCR_ENG1 | 0xffU << 24));
	/* The guest acknowledged it: active; the line still high. */
	out[0] = (lr[0] & ~GIC_LR_PENDING) | GIC_LR_ACTIVE;
	EXPECT_EQ(0, gic_lr_sync(&g, 0, lr, out, 1, acked));
	EXPECT_EQ(0x100, gic_dist_read(&g, 0x304, 4));
	EXPECT_EQ(1, gic_lr_fill(&g, 0, lr, 4));
	EXPECT_EQ(GIC_LR_ACTIVE | GIC_LR_PENDING, lr[0] & (3ULL << 62));
	/* The line falls, the guest deactivates: a resampler hears it. */
	EXPECT_EQ(-1, gic_set_line(&g, 0, 40, false));
	EXPECT_EQ(1, gic_lr_fill(&g, 0, lr, 4));
	EXPECT_EQ(GIC_LR_ACTIVE, lr[0] & (3ULL << 62));
	out[0] = lr[0] & ~(3ULL << 62);
	EXPECT_EQ(1, gic_lr_sync(&g, 0, lr, out, 1, acked));
	EXPECT_EQ(40, acked[0]);
	EXPECT_EQ(0, gic_lr_fill(&g, 0, lr, 4));
	EXPECT_EQ(GIC_NO_CPU, g.spi[8].lr_cpu);
}

TEST(edge_and_priority_order)
{
	u64 lr[2], out[2];
	u32 acked[2];

	setup();
	gic_dist_write(&g, 0x0, 4, 2);
	enable(0, 33);
	enable(0, 34);
	enable(0, 35);
	gic_dist_write(&g, 0x400 + 34, 1, 0x10);
	gic_dist_write(&g, 0x400 + 35, 1, 0x20);
	gic_dist_write(&g, 0xc08, 4, 0x2 << 2);	/* 33 edge */
	EXPECT_EQ(0, gic_set_line(&g, 0, 33, true));
	EXPECT_EQ(0, gic_set_line(&g, 0, 33, false));
	EXPECT_EQ(0, gic_set_line(&g, 0, 34, true));
	EXPECT_EQ(0, gic_set_line(&g, 0, 35, true));
	/* Two list registers: the two best priorities. */
	EXPECT_EQ(2, gic_lr_fill(&g, 0, lr, 2));
	EXPECT_EQ(34, lr[0] & GIC_LR_INTID);
	EXPECT_EQ(35, lr[1] & GIC_LR_INTID);
	out[0] = lr[0];
	out[1] = lr[1];
	gic_lr_sync(&g, 0, lr, out, 2, acked);
	gic_set_line(&g, 0, 34, false);
	gic_set_line(&g, 0, 35, false);
	EXPECT_EQ(1, gic_lr_fill(&g, 0, lr, 2));
	EXPECT_EQ(33, lr[0] & GIC_LR_INTID);
	/* Edge: taken, the latch is spent. */
	out[0] = lr[0] & ~GIC_LR_PENDING;
	gic_lr_sync(&g, 0, lr, out, 1, acked);
	EXPECT_EQ(0, gic_dist_read(&g, 0x204, 4) & (1 << 1));
	out[0] = 0;
	lr[0] = 33 | GIC_LR_ACTIVE;
	EXPECT_EQ(0, gic_lr_sync(&g, 0, lr, out, 1, acked));
}

TEST(sgis_and_ppis)
{
	u64 lr[4];

	setup();
	gic_dist_write(&g, 0x0, 4, 2);
	enable(0, 3);
	enable(1, 3);
	enable(1, 20);
	/* By target list (Aff0 1), then to all but the sender. */
	EXPECT_EQ(2, gic_sgi(&g, 0, 3ULL << 24 | 2, true));
	EXPECT_EQ(1, gic_lr_fill(&g, 1, lr, 4));
	EXPECT_EQ(3, lr[0] & GIC_LR_INTID);
	EXPECT_EQ(0, gic_lr_fill(&g, 0, lr, 4));
	EXPECT_EQ(1, gic_sgi(&g, 1, 3ULL << 24 | 1ULL << 40, true));
	EXPECT_EQ(1, gic_lr_fill(&g, 0, lr, 4));
	/* A wrong Aff1, an RS past the vCPUs: nobody. */
	EXPECT_EQ(0, gic_sgi(&g, 0, 3ULL << 24 | 1ULL << 16 | 1, true));
	EXPECT_EQ(0, gic_sgi(&g, 0, 3ULL << 24 | 1ULL << 44 | 1, true));
	/* ICC_SGI0R_EL1 only pends Group 0 SGIs (SGI 4 of vCPU 1). */
	gic_redist_write(&g, GIC_REDIST_SIZE + 0x10080, 4, ~(1U << 4));
	EXPECT_EQ(0, gic_sgi(&g, 0, 3ULL << 24 | 2, false));
	EXPECT_EQ(2, gic_sgi(&g, 0, 4ULL << 24 | 2, false));
	/* A PPI is its vCPU's alone. */
	EXPECT_EQ(1, gic_set_line(&g, 1, 20, true));
	EXPECT_EQ(-1, gic_set_line(&g, 0, 20, true));
	EXPECT_EQ(-1, gic_set_line(&g, 5, 20, true));
	EXPECT_EQ(-1, gic_set_line(&g, 0, 5, true));
	EXPECT_EQ(-1, gic_set_line(&g, 0, 128, true));
}

/* An edge on an SPI out of reset stays pending after the line falls. */
TEST(spi_edge_by_default)
{
	u64 lr[4];

	setup();
	gic_dist_write(&g, 0x0, 4, 2);
	enable(0, 40);
	EXPECT_EQ(0, gic_set_line(&g, 0, 40, true));
	/* Still pending after the line falls: still vCPU 0's to take. */
	EXPECT_EQ(0, gic_set_line(&g, 0, 40, false));
	EXPECT_EQ(0x100, gic_dist_read(&g, 0x204, 4));
	EXPECT_EQ(1, gic_lr_fill(&g, 0, lr, 4));
	EXPECT_EQ(40 | 0x80ULL << 48 | GIC_LR_GROUP1 | GIC_LR_PENDING, lr[0]);
}

/* KVM_DEV_ARM_VGIC_GRP_DIST_REGS and _REDIST_REGS: which registers exist. */
TEST(uaccess_regs_exist)
{
	EXPECT_TRUE(gic_dist_reg_exists(128, 0x0));
	EXPECT_TRUE(gic_dist_reg_exists(128, 0x10));
	EXPECT_FALSE(gic_dist_reg_exists(128, 0x14));
	EXPECT_FALSE(gic_dist_reg_exists(128, 0x102));
	EXPECT_TRUE(gic_dist_reg_exists(128, 0x10c));
	EXPECT_FALSE(gic_dist_reg_exists(128, 0x110));
	EXPECT_TRUE(gic_dist_reg_exists(128, 0x47c));
	EXPECT_FALSE(gic_dist_reg_exists(128, 0x480));
	EXPECT_TRUE(gic_dist_reg_exists(128, 0xc1c));
	EXPECT_FALSE(gic_dist_reg_exists(128, 0xc20));
	EXPECT_TRUE(gic_dist_reg_exists(128, 0x6000 + 8 * 127 + 4));
	EXPECT_FALSE(gic_dist_reg_exists(128, 0x6000 + 8 * 128));
	EXPECT_TRUE(gic_dist_reg_exists(128, 0xfffc));
	EXPECT_FALSE(gic_dist_reg_exists(128, 0x10000));
	EXPECT_FALSE(gic_dist_reg_exists(128, 0x9000));
	EXPECT_TRUE(gic_redist_reg_exists(0x14));
	EXPECT_TRUE(gic_redist_reg_exists(0xc));
	EXPECT_FALSE(gic_redist_reg_exists(0x18));
	EXPECT_TRUE(gic_redist_reg_exists(0x10380));
	EXPECT_FALSE(gic_redist_reg_exists(0x10384));
	EXPECT_TRUE(gic_redist_reg_exists(0x1041c));
	EXPECT_FALSE(gic_redist_reg_exists(0x10420));
	EXPECT_TRUE(gic_redist_reg_exists(0x10c04));
	EXPECT_FALSE(gic_redist_reg_exists(0x10c08));
	EXPECT_FALSE(gic_redist_reg_exists(0x20000));
}

/*
 * A VMM's accesses: the pending latches alone through ISPENDR, ICPENDR
 * nothing, identification read-only, the rest as a guest's.
 */
TEST(uaccess)
{
	u32 v;

	setup();
	gic_dist_write(&g, 0xc08, 4, 0);	/* 32-47 level */
	gic_set_line(&g, 0, 41, true);
	v = 0x100;
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x204, true, &v));
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x204, false, &v));
	EXPECT_EQ(0x100, v);
	/* The guest sees the line too. */
	EXPECT_EQ(0x300, gic_dist_read(&g, 0x204, 4));
	v = 0;
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x204, true, &v));
	EXPECT_EQ(0x200, gic_dist_read(&g, 0x204, 4));
	v = ~0U;
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x284, true, &v));
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x284, false, &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0x200, gic_dist_read(&g, 0x204, 4));
	/* Private INTIDs' words in the distributor: nothing. */
	v = ~0U;
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x200, true, &v));
	EXPECT_EQ(0, gic_redist_read(&g, 0x10200, 4));
	/*
	 * Identification: its own value only, IIDR with revision 2 or 3
	 * (GICR_CTLR's IR and CES from 3); TYPER ignores writes.
	 */
	v = gic_dist_read(&g, 0x8, 4);
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x8, true, &v));
	v ^= 1;
	EXPECT_FALSE(gic_dist_uaccess(&g, 0x8, true, &v));
	v = 0x4b00243b;
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x8, true, &v));
	EXPECT_EQ(0x4b00243b, gic_dist_read(&g, 0x8, 4));
	EXPECT_EQ(0, gic_redist_read(&g, 0x0, 4));
	v = 0x4b00143b;
	EXPECT_FALSE(gic_dist_uaccess(&g, 0x8, true, &v));
	v = 0x4b00443b;
	EXPECT_FALSE(gic_dist_uaccess(&g, 0x8, true, &v));
	v = 0x4b00343b;
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x8, true, &v));
	EXPECT_EQ(6, gic_redist_read(&g, 0x0, 4));
	v = 1;
	EXPECT_FALSE(gic_dist_uaccess(&g, 0xc, true, &v));
	v = 0;
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x4, true, &v));
	EXPECT_EQ(3, gic_dist_read(&g, 0x4, 4) & 0x1f);
	/* Past NR_IRQS, unaligned: zero. */
	v = 5;
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x110, false, &v));
	EXPECT_EQ(0, v);
	v = 5;
	EXPECT_TRUE(gic_dist_uaccess(&g, 0x101, false, &v));
	EXPECT_EQ(0, v);
	/* The redistributors: by vCPU, latches, TYPER. */
	v = 0x30;
	gic_redist_uaccess(&g, 1, 0x10200, true, &v);
	gic_redist_uaccess(&g, 1, 0x10200, false, &v);
	EXPECT_EQ(0x30, v);
	gic_redist_uaccess(&g, 0, 0x10200, false, &v);
	EXPECT_EQ(0, v);
	gic_redist_uaccess(&g, 1, 0x10280, false, &v);
	EXPECT_EQ(0, v);
	gic_redist_uaccess(&g, 1, 0xc, false, &v);
	EXPECT_EQ(1, v);
	v = 7;
	gic_redist_uaccess(&g, 1, 0xc, true, &v);
	gic_redist_uaccess(&g, 1, 0xc, false, &v);
	EXPECT_EQ(1, v);
	v = 5;
	gic_redist_uaccess(&g, 2, 0xc, false, &v);
	EXPECT_EQ(0, v);
}

/* What another vCPU's list registers hold stays there. */
TEST(lr_owner)
{
	u64 lr[4], out[4];
	u32 acked[4];

	setup();
	gic_dist_write(&g, 0x0, 4, 2);
	enable(0, 40);
	gic_set_line(&g, 0, 40, true);
	EXPECT_EQ(1, gic_lr_fill(&g, 0, lr, 4));
	gic_dist_write(&g, 0x6000 + 8 * 40, 8, 1);
	EXPECT_EQ(0, gic_lr_fill(&g, 1, lr + 1, 3));
	out[0] = lr[0];
	gic_lr_sync(&g, 0, lr, out, 1, acked);
	/* vCPU 0 lets it go at its next fill; then vCPU 1 has it. */
	EXPECT_EQ(0, gic_lr_fill(&g, 0, lr, 4));
	EXPECT_EQ(1, gic_lr_fill(&g, 1, lr, 4));
	/* A list register value naming what the vCPU does not hold. */
	lr[0] = 41;
	out[0] = GIC_LR_ACTIVE;
	EXPECT_EQ(0, gic_lr_sync(&g, 0, lr, out, 1, acked));
	EXPECT_FALSE(g.spi[9].active);
}

TEST_HARNESS_MAIN
