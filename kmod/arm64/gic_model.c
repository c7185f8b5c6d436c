// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's GICv3 distributor and redistributors as a state machine
 * (gic_model.h says what is left out).  Every value a guest writes is
 * masked to the fields it may set before it is kept; every index comes
 * from an offset checked against the model's own bounds.
 */
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "arm64/gic_model.h"

/*
 * GICD_CTLR: EnableGrp1 is the guest's, and as kvm.ko's it forwards both
 * groups; EnableGrp0 reads as zero.  ARE and DS read as one.
 */
#define GICD_CTLR_ENABLE_G1	BIT(1)
#define GICD_CTLR_ARE		BIT(4)
#define GICD_CTLR_DS		BIT(6)
/*
 * GICD_TYPER: 10 INTID bits.  No1N is clear as in kvm.ko's, although
 * IROUTER.IRM reads as zero there too: a guest that asks for 1-of-N gets
 * the vCPU the affinity names, on both.
 */
#define GICD_TYPER_IDBITS	(9U << 19)
#define GICD_STATUSR		0x10
/*
 * The identification kvm.ko gives (implementer Arm 0x43b, product 0x4b),
 * so that a GIC state saved on one restores on the other: KVM's ABI lets
 * a VMM write GICD_IIDR back, and only its revision may differ.
 * Revision 2 has guest-configurable groups (Vireo's always are), 3 adds
 * GICR_CTLR.IR and CES.
 */
#define GIC_IIDR		((0x4bU << 24) | 0x43bU)
#define GIC_IIDR_REV_SHIFT	12
#define GIC_IIDR_REV_MASK	(0xfU << GIC_IIDR_REV_SHIFT)
#define GIC_REV_MIN		2
#define GIC_REV_MAX		3
/* GICR_CTLR from revision 3: IR (bit 2) and CES (bit 1) */
#define GICR_CTLR_REV3		(BIT(2) | BIT(1))
/* PIDR2: architecture revision 3 */
#define GIC_PIDR2		0x3bU
#define GIC_PIDR2_OFF		0xffe8
#define GICR_TYPER_LAST		BIT_ULL(4)
/*
 * GICR_PROPBASER (0x70, one for the VM) and GICR_PENDBASER (0x78, per
 * vCPU) hold what the guest writes, with no LPIs behind them, because
 * kvm.ko's do without an ITS too: a guest reads back what it wrote, a VMM
 * saves and restores it.  Their RES0 bits are dropped and the memory
 * attributes sanitised as kvm.ko does: outer shareable becomes inner,
 * Device or non-cacheable inner becomes read-allocate write-back, an
 * outer other than non-cacheable becomes "as inner".
 */
#define GICR_PROPBASER		0x70
#define GICR_PENDBASER		0x78
#define GICR_PROPBASER_RES0	(GENMASK_ULL(63, 59) | GENMASK_ULL(55, 52) | \
				 GENMASK_ULL(6, 5))
#define GICR_PENDBASER_RES0	(BIT_ULL(63) | GENMASK_ULL(61, 59) | \
				 GENMASK_ULL(55, 52) | GENMASK_ULL(15, 12) | \
				 GENMASK_ULL(6, 0))
/* PENDBASER.PTZ is kept but reads as zero. */
#define GICR_PENDBASER_PTZ	BIT_ULL(62)
#define GIC_BASER_INNER_SHIFT	7
#define GIC_BASER_SH_SHIFT	10
#define GIC_BASER_OUTER_SHIFT	56
#define GIC_BASER_FIELDS	(7ULL << GIC_BASER_INNER_SHIFT | \
				 3ULL << GIC_BASER_SH_SHIFT | \
				 7ULL << GIC_BASER_OUTER_SHIFT)
#define GIC_CACHE_NC		1
#define GIC_CACHE_RAWB		3
#define GIC_SH_INNER		1
#define GIC_SH_OUTER		2
/* PENDBASER out of reset: inner read-allocate write-back, inner shareable */
#define GICR_PENDBASER_RESET	(GIC_CACHE_RAWB << GIC_BASER_INNER_SHIFT | \
				 GIC_SH_INNER << GIC_BASER_SH_SHIFT)
#define GICD_IROUTER		0x6000
/* MPIDR's and IROUTER's affinity fields: Aff3 39:32, Aff2 23:16, ... */
#define GIC_AFF_MASK		0xff00ffffffULL
/*
 * IROUTER keeps Aff2, Aff1 and Aff0 as kvm.ko's does: Aff3 and IRM (the
 * upper word and bit 31) read as zero and ignore writes.
 */
#define GIC_IROUTER_MASK	0xffffffULL
/* Priority bits kept: as many as the virtual CPU interface has at least. */
#define GIC_PRIO_MASK		0xf8
#define GIC_PRIO_RESET		0xa0

enum gic_reg {
	GR_GROUP, GR_SENABLE, GR_CENABLE, GR_SPEND, GR_CPEND, GR_SACTIVE,
	GR_CACTIVE, GR_PRIO, GR_CFG, GR_NONE
};

static struct gic_irq *gic_irq(struct gic_model *g, u32 cpu, u32 intid)
{
	if (intid < GIC_NR_PRIV)
		return cpu < g->nr_cpus ? &g->priv[cpu][intid] : NULL;
	if (intid >= g->nr_irqs || intid > GIC_MAX_SPI)
		return NULL;
	return &g->spi[intid - GIC_NR_PRIV];
}

static bool gic_pending(const struct gic_irq *irq)
{
	return irq->latch || (!irq->edge && irq->level);
}

/*
 * Pending, enabled and forwarded by the distributor, whose one enable
 * (EnableGrp1, as kvm.ko's) forwards both groups.
 */
static bool gic_deliverable(const struct gic_model *g,
			    const struct gic_irq *irq)
{
	return gic_pending(irq) && irq->enabled &&
	       (g->ctlr & GICD_CTLR_ENABLE_G1);
}

/* The vCPU whose MPIDR has the affinity @aff (IROUTER layout). */
static u8 gic_route(const struct gic_model *g, u64 aff)
{
	u32 c;

	for (c = 0; c < g->nr_cpus; c++)
		if ((g->mpidr[c] & GIC_AFF_MASK) == (aff & GIC_AFF_MASK))
			return c;
	return GIC_NO_CPU;
}

/**
 * gic_model_init - a GIC out of reset
 * @g: the model
 * @nr_irqs: INTIDs, 64 to 1024 and a multiple of 32 (checked by the caller)
 * @nr_cpus: vCPUs, at most GIC_MAX_CPUS
 * @mpidr: each vCPU's MPIDR_EL1
 */
void gic_model_init(struct gic_model *g, u32 nr_irqs, u32 nr_cpus,
		    const u64 *mpidr)
{
	u32 c, i;

	memset(g, 0, sizeof(*g));
	g->nr_irqs = nr_irqs > GIC_MAX_IRQS ? GIC_MAX_IRQS : nr_irqs;
	g->nr_cpus = nr_cpus > GIC_MAX_CPUS ? GIC_MAX_CPUS : nr_cpus;
	g->rev = GIC_REV_MAX;
	/* One region of them all, until the caller says otherwise. */
	g->last = g->nr_cpus ? BIT(g->nr_cpus - 1) : 0;
	for (c = 0; c < g->nr_cpus; c++) {
		g->mpidr[c] = mpidr[c];
		g->pendbaser[c] = GICR_PENDBASER_RESET;
		/*
		 * kvm.ko's reset values, which a guest restored from its
		 * state or written for it may count on: every interrupt in
		 * group 1, the SGIs enabled.
		 */
		for (i = 0; i < GIC_NR_PRIV; i++) {
			g->priv[c][i].edge = i < GIC_NR_SGIS;
			g->priv[c][i].enabled = i < GIC_NR_SGIS;
			g->priv[c][i].group1 = true;
			g->priv[c][i].lr_cpu = GIC_NO_CPU;
			g->priv[c][i].target = c;
		}
	}
	for (i = 0; i < GIC_MAX_IRQS - GIC_NR_PRIV; i++) {
		/* As kvm.ko's: a guest that wants level says so. */
		g->spi[i].edge = true;
		g->spi[i].group1 = true;
		g->spi[i].lr_cpu = GIC_NO_CPU;
		g->spi[i].target = g->nr_cpus ? 0 : GIC_NO_CPU;
	}
}

/* Which register of the 32-interrupt banks @off is, and its first INTID. */
static enum gic_reg gic_decode(u64 off, u32 *first)
{
	if (off >= 0x80 && off < 0x400) {
		*first = (off & 0x7f) * 8;
		return GR_GROUP + (off - 0x80) / 0x80;
	}
	if (off >= 0x400 && off < 0x800) {
		*first = off - 0x400;
		return GR_PRIO;
	}
	if (off >= 0xc00 && off < 0xd00) {
		*first = (off - 0xc00) * 4;
		return GR_CFG;
	}
	return GR_NONE;
}

static bool gic_bit(const struct gic_irq *irq, enum gic_reg r)
{
	switch (r) {
	case GR_GROUP:
		return irq->group1;
	case GR_SENABLE:
	case GR_CENABLE:
		return irq->enabled;
	case GR_SPEND:
	case GR_CPEND:
		return gic_pending(irq);
	case GR_SACTIVE:
	case GR_CACTIVE:
		return irq->active;
	default:
		return false;
	}
}

static u32 gic_bank_read(struct gic_model *g, u32 cpu, enum gic_reg r,
			 u32 first, unsigned int len)
{
	struct gic_irq *irq;
	u32 v = 0, i;

	if (len > 4)
		return 0;
	if (r == GR_PRIO) {
		for (i = 0; i < len; i++) {
			irq = gic_irq(g, cpu, first + i);
			if (irq)
				v |= (u32)irq->prio << (8 * i);
		}
		return v;
	}
	if (len != 4)
		return 0;
	for (i = 0; i < 32; i++) {
		irq = gic_irq(g, cpu, first + i);
		if (!irq)
			continue;
		if (r == GR_CFG) {
			if (i < 16 && irq->edge)
				v |= 2U << (2 * i);
		} else if (gic_bit(irq, r)) {
			v |= 1U << i;
		}
	}
	return v;
}

/* Returns true when an interrupt may have become deliverable. */
static bool gic_bank_write(struct gic_model *g, u32 cpu, enum gic_reg r,
			   u32 first, unsigned int len, u32 v)
{
	struct gic_irq *irq;
	bool kick = false;
	u32 i;

	if (len > 4)
		return false;
	if (r == GR_PRIO) {
		for (i = 0; i < len; i++) {
			irq = gic_irq(g, cpu, first + i);
			if (irq)
				irq->prio = (v >> (8 * i)) & GIC_PRIO_MASK;
		}
		return true;
	}
	if (len != 4)
		return false;
	for (i = 0; i < 32; i++) {
		bool bit = v & (1U << i);

		irq = gic_irq(g, cpu, first + i);
		if (!irq)
			continue;
		switch (r) {
		case GR_GROUP:
			kick |= irq->group1 != bit;
			irq->group1 = bit;
			break;
		case GR_SENABLE:
			kick |= bit;
			irq->enabled |= bit;
			break;
		case GR_CENABLE:
			irq->enabled &= !bit;
			break;
		case GR_SPEND:
			kick |= bit;
			irq->latch |= bit;
			break;
		case GR_CPEND:
			irq->latch &= !bit;
			break;
		case GR_SACTIVE:
			irq->active |= bit;
			break;
		case GR_CACTIVE:
			kick |= bit;
			irq->active &= !bit;
			break;
		case GR_CFG:
			/*
			 * SGIs are always edge-triggered; PPIs stay level
			 * (IMPLEMENTATION DEFINED; kvm.ko's are fixed too,
			 * and the timer's PPI is level).
			 */
			if (i < 16 && first + i >= GIC_NR_PRIV) {
				kick = true;
				irq->edge = v & (2U << (2 * i));
			}
			break;
		default:
			break;
		}
	}
	return kick;
}

/* The half or whole of a 64-bit register an access of @len at @off reads. */
static u64 gic_part(u64 reg, u64 off, unsigned int len)
{
	if (len == 8)
		return reg;
	return (u32)(reg >> (off & 4 ? 32 : 0));
}

static u64 gic_merge(u64 reg, u64 off, unsigned int len, u64 val)
{
	if (len == 8)
		return val;
	if (off & 4)
		return (reg & 0xffffffffULL) | (val << 32);
	return (reg & ~0xffffffffULL) | (u32)val;
}

/* Only naturally aligned accesses of 4 bytes, or of 8 where @wide. */
static bool gic_sized(u64 off, unsigned int len, bool wide)
{
	return !(off & (len - 1)) && (len == 4 || (wide && len == 8));
}

/**
 * gic_dist_read - a guest read of the distributor
 * @g: the model
 * @off: offset into GIC_DIST_SIZE
 * @len: 1, 2, 4 or 8
 *
 * Return: the value, zero-extended.
 */
u64 gic_dist_read(struct gic_model *g, u64 off, unsigned int len)
{
	enum gic_reg r;
	u32 first, n;

	if (off >= GIC_DIST_SIZE || !len || (off & (len - 1)))
		return 0;
	r = gic_decode(off, &first);
	if (r == GR_PRIO && len <= 4)
		return first < GIC_NR_PRIV ? 0 : gic_bank_read(g, 0, r, first, len);
	if (off >= GICD_IROUTER + 8 * GIC_NR_PRIV && off < GICD_IROUTER + 0x2000) {
		n = (off - GICD_IROUTER) / 8;
		if (!gic_sized(off, len, true) || n >= g->nr_irqs || n > GIC_MAX_SPI)
			return 0;
		return gic_part(g->spi[n - GIC_NR_PRIV].irouter, off, len);
	}
	if (len != 4)
		return 0;
	if (r != GR_NONE)
		return first < GIC_NR_PRIV ? 0 : gic_bank_read(g, 0, r, first, 4);
	switch (off) {
	case 0x0:
		return (g->ctlr & GICD_CTLR_ENABLE_G1) | GICD_CTLR_ARE |
		       GICD_CTLR_DS;
	case 0x4:
		return (g->nr_irqs / 32 - 1) | GICD_TYPER_IDBITS;
	case 0x8:
		return GIC_IIDR | (u32)g->rev << GIC_IIDR_REV_SHIFT;
	case GICD_STATUSR:
		/* kvm.ko's reads as all ones */
		return 0xffffffffU;
	case GIC_PIDR2_OFF:
		return GIC_PIDR2;
	default:
		return 0;
	}
}

/**
 * gic_dist_write - a guest write to the distributor
 * @g: the model
 * @off: offset into GIC_DIST_SIZE
 * @len: 1, 2, 4 or 8
 * @val: the value written (the low @len bytes count)
 *
 * Return: true when an interrupt may have become deliverable.
 */
bool gic_dist_write(struct gic_model *g, u64 off, unsigned int len, u64 val)
{
	struct gic_irq *irq;
	enum gic_reg r;
	u32 first, n;

	if (off >= GIC_DIST_SIZE || !len || (off & (len - 1)))
		return false;
	r = gic_decode(off, &first);
	if (r == GR_PRIO && len <= 4)
		return first >= GIC_NR_PRIV &&
		       gic_bank_write(g, 0, r, first, len, (u32)val);
	if (off >= GICD_IROUTER + 8 * GIC_NR_PRIV && off < GICD_IROUTER + 0x2000) {
		n = (off - GICD_IROUTER) / 8;
		if (!gic_sized(off, len, true) || n >= g->nr_irqs || n > GIC_MAX_SPI)
			return false;
		irq = &g->spi[n - GIC_NR_PRIV];
		irq->irouter = gic_merge(irq->irouter, off, len, val) &
			       GIC_IROUTER_MASK;
		irq->target = gic_route(g, irq->irouter);
		return true;
	}
	if (len != 4)
		return false;
	if (r != GR_NONE)
		return first >= GIC_NR_PRIV &&
		       gic_bank_write(g, 0, r, first, 4, (u32)val);
	if (off == 0x0) {
		g->ctlr = val & GICD_CTLR_ENABLE_G1;
		return true;
	}
	return false;
}

/* A GICR_PROPBASER or GICR_PENDBASER value as kvm.ko keeps it. */
static u64 gic_baser(u64 v, u64 res0)
{
	u64 inner = (v >> GIC_BASER_INNER_SHIFT) & 7;
	u64 sh = (v >> GIC_BASER_SH_SHIFT) & 3;
	u64 outer = (v >> GIC_BASER_OUTER_SHIFT) & 7;

	if (sh == GIC_SH_OUTER)
		sh = GIC_SH_INNER;
	if (inner <= GIC_CACHE_NC)
		inner = GIC_CACHE_RAWB;
	if (outer > GIC_CACHE_NC)
		outer = 0;
	return (v & ~(res0 | GIC_BASER_FIELDS)) |
	       inner << GIC_BASER_INNER_SHIFT | sh << GIC_BASER_SH_SHIFT |
	       outer << GIC_BASER_OUTER_SHIFT;
}

/* GICR_TYPER: the vCPU's affinity, its number, and the last frame's flag. */
static u64 gic_redist_typer(const struct gic_model *g, u32 cpu)
{
	u64 m = g->mpidr[cpu];
	u64 aff = (m & 0xffffff) | ((m >> 32) & 0xff) << 24;

	return aff << 32 | (u64)cpu << 8 |
	       (g->last & BIT(cpu) ? GICR_TYPER_LAST : 0);
}

/**
 * gic_redist_read - a guest read of the redistributors
 * @g: the model
 * @off: offset into the redistributors (GIC_REDIST_SIZE per vCPU)
 * @len: 1, 2, 4 or 8
 *
 * Return: the value, zero-extended.
 */
u64 gic_redist_read(struct gic_model *g, u64 off, unsigned int len)
{
	u64 cpu = off / GIC_REDIST_SIZE, r = off % GIC_REDIST_SIZE;
	enum gic_reg reg;
	u32 first;

	if (cpu >= g->nr_cpus || !len || (off & (len - 1)))
		return 0;
	if (r >= 0x10000) {
		reg = gic_decode(r - 0x10000, &first);
		if (reg == GR_NONE || first >= GIC_NR_PRIV)
			return 0;
		return gic_bank_read(g, cpu, reg, first, len);
	}
	if (r == 0x8 || r == 0xc)
		return gic_sized(r, len, true) ?
		       gic_part(gic_redist_typer(g, cpu), r, len) : 0;
	if ((r & ~0xfULL) == GICR_PROPBASER && gic_sized(r, len, true))
		return gic_part(r < GICR_PENDBASER ? g->propbaser :
				g->pendbaser[cpu] & ~GICR_PENDBASER_PTZ,
				r, len);
	if (len != 4)
		return 0;
	/* GICR_WAKER (0x14) reads as zero and ignores writes, as kvm.ko's. */
	switch (r) {
	case 0x0:
		return g->rev >= 3 ? GICR_CTLR_REV3 : 0;
	case 0x4:
		return GIC_IIDR;
	case GIC_PIDR2_OFF:
		return GIC_PIDR2;
	default:
		return 0;
	}
}

/**
 * gic_redist_write - a guest write to the redistributors
 * @g: the model
 * @off: offset into the redistributors (GIC_REDIST_SIZE per vCPU)
 * @len: 1, 2, 4 or 8
 * @val: the value written
 *
 * Return: true when an interrupt may have become deliverable.
 */
bool gic_redist_write(struct gic_model *g, u64 off, unsigned int len, u64 val)
{
	u64 cpu = off / GIC_REDIST_SIZE, r = off % GIC_REDIST_SIZE;
	enum gic_reg reg;
	u32 first;

	if (cpu >= g->nr_cpus || !len || (off & (len - 1)))
		return false;
	if (r >= 0x10000) {
		reg = gic_decode(r - 0x10000, &first);
		if (reg == GR_NONE || first >= GIC_NR_PRIV)
			return false;
		return gic_bank_write(g, cpu, reg, first, len, (u32)val);
	}
	if ((r & ~0xfULL) != GICR_PROPBASER || !gic_sized(r, len, true))
		return false;
	if (r < GICR_PENDBASER)
		g->propbaser = gic_baser(gic_merge(g->propbaser, r, len, val),
					 GICR_PROPBASER_RES0);
	else
		g->pendbaser[cpu] = gic_baser(gic_merge(g->pendbaser[cpu], r,
							len, val),
					      GICR_PENDBASER_RES0);
	return false;
}

/* ---- a VMM's accesses: KVM_DEV_ARM_VGIC_GRP_DIST_REGS and _REDIST_REGS ---- */

/**
 * gic_dist_reg_exists - does KVM's ABI have a distributor register here?
 * @nr_irqs: INTIDs the distributor has; per-INTID registers end there
 * @off: offset into the distributor, of a 32-bit access
 *
 * Return: true for a register KVM_HAS_DEVICE_ATTR reports.
 */
bool gic_dist_reg_exists(u32 nr_irqs, u64 off)
{
	if (off & 3)
		return false;
	if (off < 0x14 || (off >= 0xffd0 && off < GIC_DIST_SIZE))
		return true;
	/* IGROUPR to ICACTIVER: a bit per INTID */
	if (off >= 0x80 && off < 0x400)
		return (off & 0x7f) * 8 < nr_irqs;
	/* IPRIORITYR and ITARGETSR: a byte */
	if (off >= 0x400 && off < 0xc00)
		return (off & 0x3ff) < nr_irqs;
	if (off >= 0xc00 && off < 0xd00)
		return (off - 0xc00) * 4 < nr_irqs;
	/* IGRPMODR */
	if (off >= 0xd00 && off < 0xd80)
		return (off - 0xd00) * 8 < nr_irqs;
	if (off >= GICD_IROUTER && off < GICD_IROUTER + 0x2000)
		return (off - GICD_IROUTER) / 8 < nr_irqs;
	return false;
}

/**
 * gic_redist_reg_exists - does KVM's ABI have a redistributor register here?
 * @off: offset into one redistributor (GIC_REDIST_SIZE), a 32-bit access
 *
 * Return: true for a register KVM_HAS_DEVICE_ATTR reports.
 */
bool gic_redist_reg_exists(u64 off)
{
	if (off & 3 || off >= GIC_REDIST_SIZE)
		return false;
	if (off >= 0x10000) {
		off -= 0x10000;
		return (off >= 0x80 && off < 0x400 && !(off & 0x7c)) ||
		       (off >= 0x400 && off < 0x420) ||
		       off == 0xc00 || off == 0xc04 || off == 0xd00 ||
		       off == 0xe00;
	}
	/* CTLR, IIDR, TYPER, STATUSR, WAKER; the LPI registers; the IDs */
	return off < 0x18 || (off >= 0x70 && off < 0x80) ||
	       (off >= 0xa0 && off < 0xa8) || (off >= 0xb0 && off < 0xb8) ||
	       off == 0xc0 || off >= 0xffd0;
}

/*
 * GICD_ISPENDR and GICR_ISPENDR0 as a VMM sees them: the pending latches
 * alone (a level-sensitive interrupt's line is LEVEL_INFO's), written
 * whole, set and clear alike.
 */
static u32 gic_latch_uaccess(struct gic_model *g, u32 cpu, u32 first,
			     bool write, u32 val)
{
	struct gic_irq *irq;
	u32 i, r = 0;

	for (i = 0; i < 32; i++) {
		irq = gic_irq(g, cpu, first + i);
		if (!irq)
			continue;
		if (write)
			irq->latch = val & BIT(i);
		else if (irq->latch)
			r |= BIT(i);
	}
	return r;
}

/**
 * gic_dist_uaccess - a VMM's 32-bit access to the distributor's registers
 * @g: the model
 * @off: offset into the distributor
 * @write: a store of *@val, else a load into it
 * @val: the value
 *
 * As KVM's: what is not there reads as zero and ignores writes; the
 * pending registers give and take the latches; the identification
 * registers take only their own values, GICD_IIDR with another revision
 * kvm.ko has.
 *
 * Return: false when the write is refused (EINVAL).
 */
bool gic_dist_uaccess(struct gic_model *g, u64 off, bool write, u32 *val)
{
	u32 rev;

	if (!gic_dist_reg_exists(g->nr_irqs, off)) {
		if (!write)
			*val = 0;
		return true;
	}
	if (off >= 0x200 && off < 0x300) {
		/* ICPENDR reads as zero and ignores writes. */
		u32 first = (off & 0x7f) * 8;
		bool set = off < 0x280;

		if (first < GIC_NR_PRIV || !set) {
			if (!write)
				*val = 0;
			return true;
		}
		if (write)
			gic_latch_uaccess(g, 0, first, true, *val);
		else
			*val = gic_latch_uaccess(g, 0, first, false, 0);
		return true;
	}
	if (!write) {
		*val = gic_dist_read(g, off, 4);
		return true;
	}
	switch (off) {
	case 0x4:
		return true;
	case 0x8:
		/* A revision kvm.ko has, and otherwise kvm.ko's value. */
		rev = (*val & GIC_IIDR_REV_MASK) >> GIC_IIDR_REV_SHIFT;
		if ((*val & ~GIC_IIDR_REV_MASK) != GIC_IIDR ||
		    rev < GIC_REV_MIN || rev > GIC_REV_MAX)
			return false;
		g->rev = rev;
		return true;
	case 0xc:
		return *val == gic_dist_read(g, off, 4);
	default:
		gic_dist_write(g, off, 4, *val);
		return true;
	}
}

/**
 * gic_redist_uaccess - a VMM's 32-bit access to a redistributor's registers
 * @g: the model
 * @cpu: whose redistributor
 * @off: offset into it (GIC_REDIST_SIZE)
 * @write: a store of *@val, else a load into it
 * @val: the value
 *
 * As gic_dist_uaccess(); GICR_TYPER and GICR_IIDR ignore writes.
 */
void gic_redist_uaccess(struct gic_model *g, u32 cpu, u64 off, bool write,
			u32 *val)
{
	u64 base = (u64)cpu * GIC_REDIST_SIZE;

	if (cpu >= g->nr_cpus || !gic_redist_reg_exists(off) ||
	    off == 0x10280) {
		if (!write)
			*val = 0;
		return;
	}
	if (off == 0x10200) {
		if (write)
			gic_latch_uaccess(g, cpu, 0, true, *val);
		else
			*val = gic_latch_uaccess(g, cpu, 0, false, 0);
	} else if (!write) {
		*val = gic_redist_read(g, base + off, 4);
	} else {
		gic_redist_write(g, base + off, 4, *val);
	}
}

/**
 * gic_set_line - drive an interrupt input
 * @g: the model
 * @cpu: the vCPU whose PPI it is (ignored for SPIs)
 * @intid: a PPI (16-31) or SPI INTID
 * @level: the line's level; an edge-triggered one pends at each assertion
 *
 * Return: the vCPU that may now have it to take, or -1.
 */
int gic_set_line(struct gic_model *g, u32 cpu, u32 intid, bool level)
{
	struct gic_irq *irq;

	if (intid < GIC_NR_SGIS)
		return -1;
	irq = gic_irq(g, cpu, intid);
	if (!irq)
		return -1;
	irq->level = level;
	if (irq->edge && level)
		irq->latch = true;
	if (!gic_deliverable(g, irq) || irq->target == GIC_NO_CPU)
		return -1;
	return irq->target;
}

/**
 * gic_level_info - the input lines of 32 INTIDs, as KVM's LEVEL_INFO reads them
 * @g: the model
 * @cpu: whose SGIs and PPIs
 * @intid: the first, a multiple of 32
 *
 * Return: bit i set where INTID @intid + i is level-sensitive and its line
 * high; SGIs and INTIDs past the model's are 0.
 */
u32 gic_level_info(struct gic_model *g, u32 cpu, u32 intid)
{
	struct gic_irq *irq;
	u32 i, val = 0;

	for (i = 0; i < 32; i++) {
		if (intid + i < GIC_NR_SGIS)
			continue;
		irq = gic_irq(g, cpu, intid + i);
		if (irq && !irq->edge && irq->level)
			val |= BIT(i);
	}
	return val;
}

/**
 * gic_set_level_info - set the input lines of 32 INTIDs (LEVEL_INFO)
 * @g: the model
 * @cpu: whose SGIs and PPIs
 * @intid: the first, a multiple of 32
 * @val: bit i the line of INTID @intid + i, whatever its trigger (as
 *	KVM's: a VMM may restore the lines before the configuration); a
 *	raised line latches no edge
 *
 * Return: a bit per vCPU that has an interrupt to take now.
 */
u32 gic_set_level_info(struct gic_model *g, u32 cpu, u32 intid, u32 val)
{
	struct gic_irq *irq;
	u32 i, kick = 0;

	for (i = 0; i < 32; i++) {
		if (intid + i < GIC_NR_SGIS)
			continue;
		irq = gic_irq(g, cpu, intid + i);
		if (!irq)
			continue;
		irq->level = val & BIT(i);
		if (gic_deliverable(g, irq) && irq->target != GIC_NO_CPU)
			kick |= BIT(irq->target);
	}
	return kick;
}

/**
 * gic_sgi - a vCPU generates SGIs (ICC_SGI1R_EL1 and its siblings)
 * @g: the model
 * @cpu: the sender
 * @val: the register's value: INTID, targets by affinity, or all but self
 * @group1: ICC_SGI1R_EL1, which pends an SGI of either group; the others
 *	only pend Group 0 SGIs
 *
 * Return: a bit per vCPU an SGI was made pending for.
 */
u32 gic_sgi(struct gic_model *g, u32 cpu, u64 val, bool group1)
{
	u32 intid = (val >> 24) & 0xf, list = val & 0xffff, rs = (val >> 44) & 0xf;
	u64 aff = ((val >> 16) & 0xff) << 8 | ((val >> 32) & 0xff) << 16 |
		  ((val >> 48) & 0xffULL) << 32;
	bool all = val & BIT_ULL(40);
	u32 c, sent = 0;

	for (c = 0; c < g->nr_cpus; c++) {
		u64 m = g->mpidr[c] & GIC_AFF_MASK;
		struct gic_irq *irq = &g->priv[c][intid];

		if (all) {
			if (c == cpu)
				continue;
		} else if ((m & ~0xffULL) != aff || (m & 0xf0) >> 4 != rs ||
			   !(list & (1U << (m & 0xf)))) {
			continue;
		}
		if (!group1 && irq->group1)
			continue;
		irq->latch = true;
		sent |= 1U << c;
	}
	return sent;
}

/* Is @a to be presented before @b: active ones first, then by priority. */
static bool gic_before(const struct gic_irq *a, const struct gic_irq *b)
{
	if (a->active != b->active)
		return a->active;
	return a->prio < b->prio;
}

/**
 * gic_lr_fill - what @cpu's list registers hold for its next run
 * @g: the model
 * @cpu: the vCPU
 * @lr: the ICH_LR<n>_EL2 values
 * @n: how many list registers the CPU has (at most 16)
 *
 * Interrupts the vCPU's list registers held that are no longer active,
 * nor pending and routed to it, are let go; an interrupt another vCPU's
 * list registers hold stays there.
 *
 * Return: how many of @lr are filled.
 */
unsigned int gic_lr_fill(struct gic_model *g, u32 cpu, u64 *lr, unsigned int n)
{
	struct gic_irq *best[16];
	u32 ids[16], i, j, k, nr = 0;

	if (cpu >= g->nr_cpus)
		return 0;
	if (n > 16)
		n = 16;
	for (i = 0; i < g->nr_irqs && i <= GIC_MAX_SPI; i++) {
		struct gic_irq *irq = gic_irq(g, cpu, i);

		if (!irq)
			continue;
		if (irq->lr_cpu == cpu)
			irq->lr_cpu = GIC_NO_CPU;
		else if (irq->lr_cpu != GIC_NO_CPU || irq->target != cpu)
			continue;
		/* An active one stays; a pending one goes where it is routed. */
		if (!irq->active &&
		    (irq->target != cpu || !gic_deliverable(g, irq)))
			continue;
		/* Insert into the best @n so far, in order. */
		for (j = 0; j < nr && !gic_before(irq, best[j]); j++)
			;
		if (j >= n)
			continue;
		if (nr < n)
			nr++;
		for (k = nr - 1; k > j; k--) {
			best[k] = best[k - 1];
			ids[k] = ids[k - 1];
		}
		best[j] = irq;
		ids[j] = i;
	}
	for (j = 0; j < nr; j++) {
		struct gic_irq *irq = best[j];

		lr[j] = ids[j] | (u64)irq->prio << GIC_LR_PRIO_SHIFT |
			(irq->group1 ? GIC_LR_GROUP1 : 0) |
			(irq->active ? GIC_LR_ACTIVE : 0) |
			(gic_deliverable(g, irq) ? GIC_LR_PENDING : 0);
		irq->lr_cpu = cpu;
	}
	return nr;
}

/**
 * gic_lr_sync - take back what the guest did with its list registers
 * @g: the model
 * @cpu: the vCPU
 * @in: the values gic_lr_fill() gave
 * @out: the same registers after the run: only their state bits count
 * @n: how many
 * @acked: where the INTIDs of deactivated level-sensitive SPIs go
 *
 * An interrupt no longer pending was acknowledged: its pending latch is
 * spent (a level-sensitive one stays pending while its line is high).
 *
 * Return: how many INTIDs @acked holds.
 */
unsigned int gic_lr_sync(struct gic_model *g, u32 cpu, const u64 *in,
			 const u64 *out, unsigned int n, u32 *acked)
{
	unsigned int i, nr = 0;

	for (i = 0; i < n; i++) {
		u32 intid = in[i] & GIC_LR_INTID;
		struct gic_irq *irq = gic_irq(g, cpu, intid);
		u64 st = out[i] & (GIC_LR_PENDING | GIC_LR_ACTIVE);

		if (!irq || irq->lr_cpu != cpu)
			continue;
		if ((in[i] & GIC_LR_PENDING) && !(st & GIC_LR_PENDING))
			irq->latch = false;
		irq->active = st & GIC_LR_ACTIVE;
		if (st)
			continue;
		irq->lr_cpu = GIC_NO_CPU;
		if (intid >= GIC_NR_PRIV && !irq->edge)
			acked[nr++] = intid;
	}
	return nr;
}

/**
 * gic_cpu_pending - would @cpu take an interrupt (what ends its WFI)?
 * @g: the model
 * @cpu: the vCPU
 * @vmcr: its ICH_VMCR_EL2: the group enables and the priority mask
 *
 * Return: true when one is deliverable, not active, enabled in the CPU
 * interface and above its priority mask.
 */
bool gic_cpu_pending(const struct gic_model *g, u32 cpu, u32 vmcr)
{
	u32 pmr = vmcr >> GIC_VMCR_PMR_SHIFT, i;

	if (cpu >= g->nr_cpus)
		return false;
	for (i = 0; i < g->nr_irqs && i <= GIC_MAX_SPI; i++) {
		const struct gic_irq *irq = i < GIC_NR_PRIV ? &g->priv[cpu][i] :
					    &g->spi[i - GIC_NR_PRIV];

		if (irq->target != cpu || irq->active ||
		    !gic_deliverable(g, irq) || irq->prio >= pmr)
			continue;
		if (vmcr & (irq->group1 ? GIC_VMCR_ENG1 : GIC_VMCR_ENG0))
			return true;
	}
	return false;
}
