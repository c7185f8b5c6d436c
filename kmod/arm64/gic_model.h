/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's GICv3 as a state machine: the distributor's and the
 * redistributors' registers, interrupt lines, SGIs, and the list register
 * values that present interrupts to a vCPU's virtual CPU interface.  No
 * locks, clocks or system registers: kmod/arm64/vgic.c adds them.  Pure:
 * it also builds for userspace unit tests and fuzzing (kmod/pure.mk).
 *
 * One security state (GICD_CTLR.DS set), affinity routing always on, no
 * LPIs or ITS, SPIs routed to one vCPU each (IROUTER.IRM reads as zero,
 * as kvm.ko's).  Out of reset
 * as kvm.ko's: SPIs edge-triggered, PPIs level-sensitive (always), SGIs
 * edge and enabled, everything in group 1.  Facts from the
 * GICv3/v4 architecture specification (IHI 0069).
 */
#ifndef VIREO_ARM64_GIC_MODEL_H
#define VIREO_ARM64_GIC_MODEL_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#else
#include <linux/types.h>
#include <stdbool.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#ifndef BIT
#define BIT(n)		(1UL << (n))
#endif
#ifndef BIT_ULL
#define BIT_ULL(n)	(1ULL << (n))
#endif
#ifndef GENMASK_ULL
#define GENMASK_ULL(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))
#endif
#endif

#define GIC_MAX_CPUS		16
#define GIC_NR_SGIS		16
#define GIC_NR_PRIV		32
/* INTIDs the model can have: SPIs end at 1019, the last multiple of 32. */
#define GIC_MAX_IRQS		1024
#define GIC_MAX_SPI		1019
#define GIC_DIST_SIZE		0x10000ULL
/* Per vCPU: the RD_base frame, then the SGI_base frame. */
#define GIC_REDIST_SIZE		0x20000ULL
#define GIC_NO_CPU		0xff
/* The virtual timer's PPI, as the architecture recommends and KVM uses. */
#define GIC_VTIMER_PPI		27

/* ICH_LR<n>_EL2 */
#define GIC_LR_INTID		0xffffffffULL
#define GIC_LR_PRIO_SHIFT	48
#define GIC_LR_GROUP1		BIT_ULL(60)
#define GIC_LR_PENDING		BIT_ULL(62)
#define GIC_LR_ACTIVE		BIT_ULL(63)
/* ICH_VMCR_EL2 */
#define GIC_VMCR_ENG0		BIT(0)
#define GIC_VMCR_ENG1		BIT(1)
#define GIC_VMCR_PMR_SHIFT	24

struct gic_irq {
	u8 prio;
	/* SPIs: the vCPU IROUTER names, GIC_NO_CPU when it names none */
	u8 target;
	/* The vCPU whose list registers hold it, or GIC_NO_CPU */
	u8 lr_cpu;
	bool enabled;
	bool latch;	/* pending by an edge, a write or an SGI */
	bool level;	/* the input line */
	bool active;
	bool edge;
	bool group1;
	u64 irouter;
};

struct gic_model {
	u32 nr_irqs;	/* 64 to 1024 INTIDs, a multiple of 32 */
	u32 nr_cpus;
	u32 ctlr;	/* GICD_CTLR's group enables */
	u64 mpidr[GIC_MAX_CPUS];
	u8 rev;		/* GICD_IIDR's revision, 2 or 3 */
	u64 propbaser;	/* GICR_PROPBASER, the VM's one */
	u64 pendbaser[GIC_MAX_CPUS];
	/* GICR_TYPER.Last per vCPU: the redistributors' layout says */
	u32 last;
	struct gic_irq priv[GIC_MAX_CPUS][GIC_NR_PRIV];
	struct gic_irq spi[GIC_MAX_IRQS - GIC_NR_PRIV];
};

void gic_model_init(struct gic_model *g, u32 nr_irqs, u32 nr_cpus,
		    const u64 *mpidr);
/*
 * Guest accesses at an offset into the distributor (GIC_DIST_SIZE) or
 * the redistributors (GIC_REDIST_SIZE per vCPU), of 1, 2, 4 or 8 bytes:
 * what the architecture does not define reads as zero and ignores
 * writes.  A write returns true when an interrupt may have become
 * deliverable somewhere (the caller kicks the vCPUs).
 */
u64 gic_dist_read(struct gic_model *g, u64 off, unsigned int len);
bool gic_dist_write(struct gic_model *g, u64 off, unsigned int len, u64 val);
u64 gic_redist_read(struct gic_model *g, u64 off, unsigned int len);
bool gic_redist_write(struct gic_model *g, u64 off, unsigned int len,
		      u64 val);
/*
 * KVM_DEV_ARM_VGIC_GRP_DIST_REGS and _REDIST_REGS: a VMM's 32-bit accesses,
 * KVM's registers and semantics (gic_model.c says which).
 */
bool gic_dist_reg_exists(u32 nr_irqs, u64 off);
bool gic_redist_reg_exists(u64 off);
bool gic_dist_uaccess(struct gic_model *g, u64 off, bool write, u32 *val);
void gic_redist_uaccess(struct gic_model *g, u32 cpu, u64 off, bool write,
			u32 *val);
/*
 * Drive an input: a PPI of @cpu, or an SPI (@cpu ignored).  Returns the
 * vCPU to kick, or -1 (nothing changed, or no vCPU takes it).
 */
int gic_set_line(struct gic_model *g, u32 cpu, u32 intid, bool level);
/*
 * A write to ICC_SGI1R_EL1 (@group1) or ICC_SGI0R_EL1/ICC_ASGI1R_EL1 by
 * @cpu: returns a bit per vCPU that got an SGI.
 */
u32 gic_sgi(struct gic_model *g, u32 cpu, u64 val, bool group1);
u32 gic_level_info(struct gic_model *g, u32 cpu, u32 intid);
u32 gic_set_level_info(struct gic_model *g, u32 cpu, u32 intid, u32 val);
/*
 * Up to @n list register values for @cpu: whatever it has active, then
 * its pending interrupts by priority.  Returns how many.
 */
unsigned int gic_lr_fill(struct gic_model *g, u32 cpu, u64 *lr,
			 unsigned int n);
/*
 * The list registers as the guest left them (@in as gic_lr_fill() gave).
 * Returns how many level-sensitive SPIs the guest has deactivated, their
 * INTIDs in @acked (room for @n).
 */
unsigned int gic_lr_sync(struct gic_model *g, u32 cpu, const u64 *in,
			 const u64 *out, unsigned int n, u32 *acked);
/* Would @cpu's virtual CPU interface (its ICH_VMCR_EL2) signal one? */
bool gic_cpu_pending(const struct gic_model *g, u32 cpu, u32 vmcr);

#endif
