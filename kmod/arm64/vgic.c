// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel GICv3: KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_V3) and its
 * attributes (addresses and redistributor regions, number of interrupts,
 * INIT, the input lines, the registers a VMM saves and restores), the
 * distributor and redistributors emulated in the kernel (gic_model.c),
 * interrupts brought to a vCPU through the list registers of the CPU's
 * virtual interface, KVM_IRQ_LINE, the core's GSI routes and irqfds, SGIs
 * from the trapped ICC_SGI*R_EL1, and the virtual timer's PPI.  Errnos as
 * kvm.ko's.
 *
 * The model is changed under the VGIC's lock from any thread (interrupt
 * lines, guest accesses, list registers); whoever makes an interrupt
 * deliverable kicks the vCPU, which fills its list registers with
 * interrupts off right before it enters the guest.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/anon_inodes.h>
#include <linux/bitfield.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/of_irq.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/irqchip/arm-gic-v3.h>
#include <asm/sysreg.h>

#include "arm64/arm64.h"
#include "arm64/gic_model.h"

#define A64_VGIC_UNDEF		(~0ULL)
/* kvm.ko's bounds for KVM_DEV_ARM_VGIC_GRP_NR_IRQS, and its default. */
#define A64_VGIC_MIN_IRQS	64
#define A64_VGIC_MAX_IRQS	1023
#define A64_VGIC_DEF_IRQS	256
/* Pins of irqchip 0: INTIDs 32 to 1019 */
#define A64_VGIC_PINS		(1020 - 32)

/* KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION's value */
#define A64_RDREG_INDEX		GENMASK_ULL(11, 0)
#define A64_RDREG_FLAGS		GENMASK_ULL(15, 12)
#define A64_RDREG_BASE		GENMASK_ULL(51, 16)
#define A64_RDREG_COUNT		GENMASK_ULL(63, 52)
#define A64_VGIC_RDREGS		256

/* A redistributor region: @count redistributors from @base. */
struct a64_rdreg {
	u64 base;
	u32 count;
};

struct a64_vgic {
	/* The model; taken with interrupts off (irqfd wakeups, entry) */
	spinlock_t lock;
	u64 dist;		/* guest-physical bases, or A64_VGIC_UNDEF */
	/* KVM_VGIC_V3_ADDR_TYPE_REDIST's: one for every vCPU there is */
	u64 redist;
	/*
	 * Or the regions' (index n at rdreg[n]); an entry is set before
	 * nr_rdregs counts it and never changes after (read without locks).
	 */
	struct a64_rdreg rdreg[A64_VGIC_RDREGS];
	u32 nr_rdregs;
	u32 nr_irqs;		/* 0 until the VMM sets it */
	bool init;		/* KVM_DEV_ARM_VGIC_CTRL_INIT done */
	bool mapped;		/* checked at the first KVM_RUN */
	struct gic_model m;
};

/* The host's interrupt for the virtual timer's PPI, 0 when unknown. */
static unsigned int a64_vtimer_irq;
static int __percpu *a64_vtimer_dev;
/* The CPU's virtual interface: list registers and active-priority words. */
static unsigned int a64_nr_lr, a64_nr_apr;
static u64 a64_ich_vtr;

static struct a64_vgic *a64_gic(struct vireo_vm *vm)
{
	/* Set once, before the VM's vCPUs can see it (vm->lock). */
	return smp_load_acquire(&a64_vm(vm)->gic);
}

/* ---- the CPU's list and active-priority registers, by number ---- */

static u64 a64_read_lr(unsigned int i)
{
	switch (i) {
	case 0:
		return read_sysreg_s(SYS_ICH_LR0_EL2);
	case 1:
		return read_sysreg_s(SYS_ICH_LR1_EL2);
	case 2:
		return read_sysreg_s(SYS_ICH_LR2_EL2);
	case 3:
		return read_sysreg_s(SYS_ICH_LR3_EL2);
	case 4:
		return read_sysreg_s(SYS_ICH_LR4_EL2);
	case 5:
		return read_sysreg_s(SYS_ICH_LR5_EL2);
	case 6:
		return read_sysreg_s(SYS_ICH_LR6_EL2);
	case 7:
		return read_sysreg_s(SYS_ICH_LR7_EL2);
	case 8:
		return read_sysreg_s(SYS_ICH_LR8_EL2);
	case 9:
		return read_sysreg_s(SYS_ICH_LR9_EL2);
	case 10:
		return read_sysreg_s(SYS_ICH_LR10_EL2);
	case 11:
		return read_sysreg_s(SYS_ICH_LR11_EL2);
	case 12:
		return read_sysreg_s(SYS_ICH_LR12_EL2);
	case 13:
		return read_sysreg_s(SYS_ICH_LR13_EL2);
	case 14:
		return read_sysreg_s(SYS_ICH_LR14_EL2);
	case 15:
		return read_sysreg_s(SYS_ICH_LR15_EL2);
	}
	return 0;
}

static void a64_write_lr(unsigned int i, u64 v)
{
	switch (i) {
	case 0:
		write_sysreg_s(v, SYS_ICH_LR0_EL2);
		break;
	case 1:
		write_sysreg_s(v, SYS_ICH_LR1_EL2);
		break;
	case 2:
		write_sysreg_s(v, SYS_ICH_LR2_EL2);
		break;
	case 3:
		write_sysreg_s(v, SYS_ICH_LR3_EL2);
		break;
	case 4:
		write_sysreg_s(v, SYS_ICH_LR4_EL2);
		break;
	case 5:
		write_sysreg_s(v, SYS_ICH_LR5_EL2);
		break;
	case 6:
		write_sysreg_s(v, SYS_ICH_LR6_EL2);
		break;
	case 7:
		write_sysreg_s(v, SYS_ICH_LR7_EL2);
		break;
	case 8:
		write_sysreg_s(v, SYS_ICH_LR8_EL2);
		break;
	case 9:
		write_sysreg_s(v, SYS_ICH_LR9_EL2);
		break;
	case 10:
		write_sysreg_s(v, SYS_ICH_LR10_EL2);
		break;
	case 11:
		write_sysreg_s(v, SYS_ICH_LR11_EL2);
		break;
	case 12:
		write_sysreg_s(v, SYS_ICH_LR12_EL2);
		break;
	case 13:
		write_sysreg_s(v, SYS_ICH_LR13_EL2);
		break;
	case 14:
		write_sysreg_s(v, SYS_ICH_LR14_EL2);
		break;
	case 15:
		write_sysreg_s(v, SYS_ICH_LR15_EL2);
		break;
	}
}

static void a64_read_apr(struct a64_gic_regs *r)
{
	r->ap0r[0] = read_sysreg_s(SYS_ICH_AP0R0_EL2);
	r->ap1r[0] = read_sysreg_s(SYS_ICH_AP1R0_EL2);
	if (a64_nr_apr > 1) {
		r->ap0r[1] = read_sysreg_s(SYS_ICH_AP0R1_EL2);
		r->ap1r[1] = read_sysreg_s(SYS_ICH_AP1R1_EL2);
	}
	if (a64_nr_apr > 2) {
		r->ap0r[2] = read_sysreg_s(SYS_ICH_AP0R2_EL2);
		r->ap1r[2] = read_sysreg_s(SYS_ICH_AP1R2_EL2);
		r->ap0r[3] = read_sysreg_s(SYS_ICH_AP0R3_EL2);
		r->ap1r[3] = read_sysreg_s(SYS_ICH_AP1R3_EL2);
	}
}

static void a64_write_apr(const struct a64_gic_regs *r)
{
	write_sysreg_s(r->ap0r[0], SYS_ICH_AP0R0_EL2);
	write_sysreg_s(r->ap1r[0], SYS_ICH_AP1R0_EL2);
	if (a64_nr_apr > 1) {
		write_sysreg_s(r->ap0r[1], SYS_ICH_AP0R1_EL2);
		write_sysreg_s(r->ap1r[1], SYS_ICH_AP1R1_EL2);
	}
	if (a64_nr_apr > 2) {
		write_sysreg_s(r->ap0r[2], SYS_ICH_AP0R2_EL2);
		write_sysreg_s(r->ap1r[2], SYS_ICH_AP1R2_EL2);
		write_sysreg_s(r->ap0r[3], SYS_ICH_AP0R3_EL2);
		write_sysreg_s(r->ap1r[3], SYS_ICH_AP1R3_EL2);
	}
}

/**
 * a64_vgic_load - the guest's virtual CPU interface into the CPU
 * @a: the vCPU, interrupts off, right before entry
 * @host: where the host's values go, for a64_vgic_unload()
 *
 * Return: false when the VM has no in-kernel GIC (nothing was done).
 */
bool a64_vgic_load(struct a64_vcpu *a, struct a64_gic_regs *host)
{
	struct a64_gic_regs *g = &a->gic;
	unsigned int i;

	if (!a->gic_on)
		return false;
	host->vmcr = read_sysreg_s(SYS_ICH_VMCR_EL2);
	a64_read_apr(host);
	for (i = 0; i < a64_nr_lr; i++)
		host->lr_in[i] = a64_read_lr(i);
	write_sysreg_s(g->vmcr, SYS_ICH_VMCR_EL2);
	a64_write_apr(g);
	for (i = 0; i < a64_nr_lr; i++)
		a64_write_lr(i, i < g->nr_lr ? g->lr_in[i] : 0);
	write_sysreg_s(ICH_HCR_EN, SYS_ICH_HCR_EL2);
	return true;
}

/**
 * a64_vgic_unload - the guest's virtual CPU interface out, the host's back
 * @a: the vCPU, interrupts off, right after the exit
 * @host: what a64_vgic_load() saved
 */
void a64_vgic_unload(struct a64_vcpu *a, const struct a64_gic_regs *host)
{
	struct a64_gic_regs *g = &a->gic;
	unsigned int i;

	g->vmcr = read_sysreg_s(SYS_ICH_VMCR_EL2);
	a64_read_apr(g);
	for (i = 0; i < g->nr_lr; i++)
		g->lr_out[i] = a64_read_lr(i);
	write_sysreg_s(host->vmcr, SYS_ICH_VMCR_EL2);
	a64_write_apr(host);
	for (i = 0; i < a64_nr_lr; i++)
		a64_write_lr(i, host->lr_in[i]);
}

/* ---- interrupts to vCPUs ---- */

static void a64_vgic_kick(struct vireo_vm *vm, int cpu)
{
	/* The model's vCPUs are the VM's first ones, fixed at INIT. */
	if (cpu >= 0 && cpu < READ_ONCE(vm->nr_vcpus))
		vireo_vcpu_kick(vm->vcpus[cpu]);
}

static void a64_vgic_kick_all(struct vireo_vm *vm)
{
	/* Pairs with KVM_CREATE_VCPU's release: the array is filled. */
	unsigned int i, n = smp_load_acquire(&vm->nr_vcpus);

	for (i = 0; i < n; i++)
		vireo_vcpu_kick(vm->vcpus[i]);
}

/* The timer's output into its PPI, where it changed. */
static void a64_vgic_timer(struct a64_vgic *gic, struct a64_vcpu *a)
{
	bool level = a64_timer_level(a);

	if (level == a->timer_line)
		return;
	a->timer_line = level;
	gic_set_line(&gic->m, a->gic_cpu, GIC_VTIMER_PPI, level);
}

/**
 * a64_vgic_flush - fill the vCPU's list registers for its next run
 * @vcpu: the vCPU, interrupts off, right before entry
 *
 * The timer's line is brought up to date first.  Anything that changes
 * the model after this kicks the vCPU, which then exits at once.
 */
void a64_vgic_flush(struct vireo_vcpu *vcpu)
{
	struct a64_vgic *gic = a64_gic(vcpu->vm);
	struct a64_vcpu *a = a64_vcpu(vcpu);

	if (!a->gic_on)
		return;
	spin_lock(&gic->lock);
	a64_vgic_timer(gic, a);
	a->gic.nr_lr = gic_lr_fill(&gic->m, a->gic_cpu, a->gic.lr_in,
				   a64_nr_lr);
	spin_unlock(&gic->lock);
	/*
	 * Its interrupt is in the list registers: the host's must not fire
	 * again until the guest has dealt with it (masked its timer).
	 */
	if (a64_vtimer_irq) {
		if (a->timer_line)
			disable_percpu_irq(a64_vtimer_irq);
		a->vtimer_masked = a->timer_line;
	} else {
		a64_timer_schedule(a);
	}
}

/**
 * a64_vgic_unmask - the host's timer PPI back on after the run
 * @a: the vCPU, interrupts still off, on the CPU it ran on (the mask is
 *	that CPU's)
 *
 * The guest's timer is saved and stopped by now: its line is low.
 */
void a64_vgic_unmask(struct a64_vcpu *a)
{
	if (a->vtimer_masked) {
		enable_percpu_irq(a64_vtimer_irq, IRQ_TYPE_NONE);
		a->vtimer_masked = false;
	}
}

/**
 * a64_vgic_sync - what the guest did with its list registers, into the model
 * @vcpu: the vCPU, after an exit, interrupts on
 */
void a64_vgic_sync(struct vireo_vcpu *vcpu)
{
	struct a64_vgic *gic = a64_gic(vcpu->vm);
	struct a64_vcpu *a = a64_vcpu(vcpu);
	u32 acked[16];
	unsigned long flags;
	unsigned int i, n;

	if (!a->gic_on)
		return;
	spin_lock_irqsave(&gic->lock, flags);
	n = gic_lr_sync(&gic->m, a->gic_cpu, a->gic.lr_in, a->gic.lr_out,
			a->gic.nr_lr, acked);
	a->gic.nr_lr = 0;
	spin_unlock_irqrestore(&gic->lock, flags);
	/* Resamplers may raise the line again: not under the lock. */
	for (i = 0; i < n; i++)
		vireo_irq_acked(vcpu->vm, 0, acked[i] - 32);
}

/**
 * a64_vgic_pending - does an interrupt end the vCPU's WFI?
 * @vcpu: the vCPU, on its own thread
 *
 * Return: true when its virtual CPU interface would take one now.
 */
bool a64_vgic_pending(struct vireo_vcpu *vcpu)
{
	struct a64_vgic *gic = a64_gic(vcpu->vm);
	struct a64_vcpu *a = a64_vcpu(vcpu);
	unsigned long flags;
	bool r;

	if (!a->gic_on)
		return false;
	spin_lock_irqsave(&gic->lock, flags);
	a64_vgic_timer(gic, a);
	r = gic_cpu_pending(&gic->m, a->gic_cpu, a->gic.vmcr);
	spin_unlock_irqrestore(&gic->lock, flags);
	return r;
}

/*
 * The redistributors' layout: vCPU n has the n-th frame pair of the
 * regions in index order (or of the one KVM_VGIC_V3_ADDR_TYPE_REDIST
 * gave).  Calls @fn(@arg, cpu, base, region's first cpu, region's count)
 * (if any) for each of the model's vCPUs that has one, until it returns
 * true; returns how many vCPUs were visited.
 */
static u32 a64_vgic_layout(struct a64_vgic *gic, u32 nr_cpus,
			   bool (*fn)(void *arg, u32 cpu, u64 base, u32 first,
				      u32 count),
			   void *arg)
{
	/* Pairs with a64_vgic_add_rdreg(): the entries it counts are set. */
	u32 n = smp_load_acquire(&gic->nr_rdregs), r, first = 0, c;

	if (gic->redist != A64_VGIC_UNDEF) {
		for (c = 0; c < nr_cpus && fn; c++)
			if (fn(arg, c, gic->redist + c * GIC_REDIST_SIZE, 0,
			       nr_cpus))
				return c + 1;
		return nr_cpus;
	}
	for (r = 0; r < n && first < nr_cpus; r++) {
		const struct a64_rdreg *rd = &gic->rdreg[r];

		for (c = 0; c < rd->count && first + c < nr_cpus; c++)
			if (fn && fn(arg, first + c,
				     rd->base + c * GIC_REDIST_SIZE, first,
				     rd->count))
				return first + c + 1;
		first += c;
	}
	return first;
}

struct a64_redist_find {
	u64 ipa;
	u64 off;
	bool found;
};

static bool a64_redist_find(void *arg, u32 cpu, u64 base, u32 first,
			    u32 count)
{
	struct a64_redist_find *f = arg;

	if (f->ipa - base >= GIC_REDIST_SIZE)
		return false;
	f->off = cpu * GIC_REDIST_SIZE + (f->ipa - base);
	f->found = true;
	return true;
}

/* @ipa in a vCPU's redistributor: *@off the model's offset for it. */
static bool a64_vgic_redist_off(struct a64_vgic *gic, u64 ipa, u64 *off)
{
	struct a64_redist_find f = { .ipa = ipa };

	a64_vgic_layout(gic, gic->m.nr_cpus, a64_redist_find, &f);
	*off = f.off;
	return f.found;
}

struct a64_redist_last {
	struct a64_vgic *gic;
	u32 nr_cpus;
	u32 last;
};

/*
 * GICR_TYPER.Last as kvm.ko sets it: the last redistributor a region's
 * vCPUs use, unless the region is full and one right after it is used.
 */
static bool a64_redist_last(void *arg, u32 cpu, u64 base, u32 first,
			    u32 count)
{
	struct a64_redist_last *l = arg;
	struct a64_vgic *gic = l->gic;
	u32 r, start = 0, used = min(count, l->nr_cpus - first);
	u64 end = base + GIC_REDIST_SIZE;

	if (cpu - first + 1 != used)
		return false;
	for (r = 0; gic->redist == A64_VGIC_UNDEF && used == count &&
	     r < gic->nr_rdregs; r++) {
		if (gic->rdreg[r].base == end && start < l->nr_cpus)
			return false;
		start += gic->rdreg[r].count;
	}
	l->last |= BIT(cpu);
	return false;
}

/* The model's GICR_TYPER.Last bits for the layout there is; gic->lock held. */
static void a64_vgic_set_last(struct a64_vgic *gic)
{
	struct a64_redist_last l = { .gic = gic, .nr_cpus = gic->m.nr_cpus };

	a64_vgic_layout(gic, l.nr_cpus, a64_redist_last, &l);
	gic->m.last = l.last;
}

/**
 * a64_vgic_mmio - a guest access to the distributor or a redistributor
 * @vcpu: the vCPU
 * @ipa: the address
 * @len: 1, 2, 4 or 8 bytes
 * @write: a store of *@val, else a load into *@val
 * @val: the value
 *
 * Return: true when the access was the GIC's (and is done).
 */
bool a64_vgic_mmio(struct vireo_vcpu *vcpu, u64 ipa, unsigned int len,
		   bool write, u64 *val)
{
	struct a64_vgic *gic = a64_gic(vcpu->vm);
	unsigned long flags;
	bool dist, kick = false;
	u64 off;

	if (!gic || !a64_vcpu(vcpu)->gic_on)
		return false;
	if (ipa - gic->dist < GIC_DIST_SIZE) {
		dist = true;
		off = ipa - gic->dist;
	} else if (a64_vgic_redist_off(gic, ipa, &off)) {
		dist = false;
	} else {
		return false;
	}
	spin_lock_irqsave(&gic->lock, flags);
	if (!write)
		*val = dist ? gic_dist_read(&gic->m, off, len) :
			      gic_redist_read(&gic->m, off, len);
	else if (dist)
		kick = gic_dist_write(&gic->m, off, len, *val);
	else
		kick = gic_redist_write(&gic->m, off, len, *val);
	spin_unlock_irqrestore(&gic->lock, flags);
	if (kick)
		a64_vgic_kick_all(vcpu->vm);
	return true;
}

/**
 * a64_vgic_sgi - a write to ICC_SGI1R_EL1, ICC_ASGI1R_EL1 or ICC_SGI0R_EL1
 * @vcpu: the sender
 * @val: the value written
 * @group1: ICC_SGI1R_EL1
 *
 * Return: false when the VM has no in-kernel GIC (the access is undefined).
 */
bool a64_vgic_sgi(struct vireo_vcpu *vcpu, u64 val, bool group1)
{
	struct a64_vgic *gic = a64_gic(vcpu->vm);
	struct a64_vcpu *a = a64_vcpu(vcpu);
	unsigned long flags, sent;
	unsigned int c;

	if (!a->gic_on)
		return false;
	spin_lock_irqsave(&gic->lock, flags);
	sent = gic_sgi(&gic->m, a->gic_cpu, val, group1);
	spin_unlock_irqrestore(&gic->lock, flags);
	for_each_set_bit(c, &sent, GIC_MAX_CPUS)
		if (c != a->gic_cpu)
			a64_vgic_kick(vcpu->vm, c);
	return true;
}

/* Drive an INTID's line; -EBUSY before INIT, -EINVAL past the SPIs. */
static int a64_vgic_line(struct vireo_vm *vm, u32 cpu, u32 intid, bool level)
{
	struct a64_vgic *gic = a64_gic(vm);
	unsigned long flags;
	int kick = -1, r = 0;

	spin_lock_irqsave(&gic->lock, flags);
	if (!gic->init)
		r = -EBUSY;
	else if (intid >= gic->m.nr_irqs || cpu >= gic->m.nr_cpus)
		r = -EINVAL;
	else
		kick = gic_set_line(&gic->m, cpu, intid, level);
	spin_unlock_irqrestore(&gic->lock, flags);
	a64_vgic_kick(vm, kick);
	return r;
}

/**
 * a64_irq_line - KVM_IRQ_LINE on arm64: a vCPU's IRQ/FIQ, a PPI or an SPI
 * @vm: the VM
 * @irq: type (bits 24-27), vCPU index (16-23, and 28-31 above 255), number
 * @level: the line's level
 *
 * Return: 0 or -errno as kvm.ko: -ENXIO for a type the VM's interrupt
 * controller does not take, -EINVAL for a missing vCPU or a bad number,
 * -EBUSY for the GIC before its INIT.
 */
int a64_irq_line(struct vireo_vm *vm, u32 irq, int level)
{
	u32 type = (irq >> KVM_ARM_IRQ_TYPE_SHIFT) & KVM_ARM_IRQ_TYPE_MASK;
	u32 idx = ((irq >> KVM_ARM_IRQ_VCPU_SHIFT) & KVM_ARM_IRQ_VCPU_MASK) +
		  ((irq >> KVM_ARM_IRQ_VCPU2_SHIFT) & KVM_ARM_IRQ_VCPU2_MASK) *
		  (KVM_ARM_IRQ_VCPU_MASK + 1);
	u32 num = (irq >> KVM_ARM_IRQ_NUM_SHIFT) & KVM_ARM_IRQ_NUM_MASK;
	/* Pairs with KVM_CREATE_VCPU's release: vcpus[] up to it is set. */
	u32 nr = smp_load_acquire(&vm->nr_vcpus);
	bool gic = a64_gic(vm);

	switch (type) {
	case KVM_ARM_IRQ_TYPE_CPU:
		if (gic)
			return -ENXIO;
		if (idx >= nr || num > KVM_ARM_IRQ_CPU_FIQ)
			return -EINVAL;
		a64_cpu_line(vm->vcpus[idx], num, level);
		return 0;
	case KVM_ARM_IRQ_TYPE_PPI:
		if (!gic)
			return -ENXIO;
		if (idx >= nr || num < GIC_NR_SGIS || num >= GIC_NR_PRIV)
			return -EINVAL;
		return a64_vgic_line(vm, idx, num, level);
	case KVM_ARM_IRQ_TYPE_SPI:
		if (!gic)
			return -ENXIO;
		if (num < GIC_NR_PRIV)
			return -EINVAL;
		return a64_vgic_line(vm, 0, num, level);
	default:
		return -EINVAL;
	}
}

/* ---- the core's GSI routes: irqchip 0, pin n is SPI n (INTID n + 32) ---- */

enum vireo_irqchip a64_irqchip_in_kernel(struct vireo_vm *vm)
{
	return a64_gic(vm) ? VIREO_IRQCHIP_FULL : VIREO_IRQCHIP_NONE;
}

int a64_irq_route_check(struct vireo_vm *vm,
			const struct kvm_irq_routing_entry *e)
{
	switch (e->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		return e->u.irqchip.irqchip || e->u.irqchip.pin >= A64_VGIC_PINS ?
		       -EINVAL : 0;
	case KVM_IRQ_ROUTING_MSI:
		/* Taken, as kvm.ko takes it; with no ITS it reaches nothing. */
		return 0;
	default:
		return -EINVAL;
	}
}

int a64_irq_deliver(struct vireo_vm *vm, const struct kvm_irq_routing_entry *e,
		    int level, unsigned int src)
{
	if (e->type != KVM_IRQ_ROUTING_IRQCHIP || !a64_gic(vm))
		return -1;
	return a64_vgic_line(vm, 0, e->u.irqchip.pin + GIC_NR_PRIV, level) ?
	       -1 : 1;
}

/* ---- the device and its attributes ---- */

/* What a fresh vCPU's virtual interface holds: nothing enabled. */
static void a64_vgic_cpu_reset(struct a64_vcpu *a)
{
	memset(&a->gic, 0, sizeof(a->gic));
	a->gic_pri_bits = FIELD_GET(ICH_VTR_PRI_BITS_MASK, a64_ich_vtr) + 1;
	a->gic_id_bits = FIELD_GET(ICH_VTR_ID_BITS_MASK, a64_ich_vtr);
	a->timer_line = false;
}

/* KVM_DEV_ARM_VGIC_CTRL_INIT: the model sized for the vCPUs there are. */
static int a64_vgic_init(struct vireo_vm *vm, struct a64_vgic *gic)
{
	struct kvm_irq_routing_entry *e;
	u64 mpidr[GIC_MAX_CPUS];
	unsigned int i, n = vm->nr_vcpus;
	int r;

	if (gic->init)
		return 0;
	if (!gic->nr_irqs)
		gic->nr_irqs = A64_VGIC_DEF_IRQS;
	for (i = 0; i < n; i++)
		mpidr[i] = a64_vmpidr(vm->vcpus[i]->id);
	e = kvcalloc(gic->nr_irqs - GIC_NR_PRIV, sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	for (i = 0; i < gic->nr_irqs - GIC_NR_PRIV; i++) {
		e[i].gsi = i;
		e[i].type = KVM_IRQ_ROUTING_IRQCHIP;
		e[i].u.irqchip.pin = i;
	}
	r = vireo_set_default_routes(vm, e, gic->nr_irqs - GIC_NR_PRIV);
	kvfree(e);
	if (r)
		return r;
	spin_lock_irq(&gic->lock);
	gic_model_init(&gic->m, gic->nr_irqs, n, mpidr);
	a64_vgic_set_last(gic);
	gic->init = true;
	spin_unlock_irq(&gic->lock);
	for (i = 0; i < n; i++) {
		struct a64_vcpu *a = a64_vcpu(vm->vcpus[i]);

		a64_vgic_cpu_reset(a);
		a->gic_cpu = i;
		/* The vCPU's next entry reads it. */
		smp_store_release(&a->gic_on, true);
	}
	return 0;
}

/* A base address for the distributor or the redistributors. */
static int a64_vgic_set_addr(struct vireo_vm *vm, struct a64_vgic *gic,
			     u64 type, u64 addr)
{
	u64 *base;

	switch (type) {
	case KVM_VGIC_V3_ADDR_TYPE_DIST:
		base = &gic->dist;
		break;
	case KVM_VGIC_V3_ADDR_TYPE_REDIST:
		base = &gic->redist;
		break;
	default:
		return -ENXIO;
	}
	/* One way of placing the redistributors, not both. */
	if (type == KVM_VGIC_V3_ADDR_TYPE_REDIST && gic->nr_rdregs)
		return -EINVAL;
	if (*base != A64_VGIC_UNDEF)
		return -EEXIST;
	if (!IS_ALIGNED(addr, SZ_64K))
		return -EINVAL;
	if (addr >> vireo_impl->gpa_bits() ||
	    (type == KVM_VGIC_V3_ADDR_TYPE_DIST &&
	     (addr + GIC_DIST_SIZE) >> vireo_impl->gpa_bits()))
		return -E2BIG;
	*base = addr;
	if (type == KVM_VGIC_V3_ADDR_TYPE_REDIST && gic->init) {
		spin_lock_irq(&gic->lock);
		a64_vgic_set_last(gic);
		spin_unlock_irq(&gic->lock);
	}
	return 0;
}

/* Do [@a, @a + @asize) and [@b, @b + @bsize) meet? */
static bool a64_overlap(u64 a, u64 asize, u64 b, u64 bsize)
{
	return a < b + bsize && b < a + asize;
}

/*
 * KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION: the next region, in index order;
 * kvm.ko's errnos in its order.
 */
static int a64_vgic_add_rdreg(struct vireo_vm *vm, struct a64_vgic *gic,
			      u64 val)
{
	u32 index = FIELD_GET(A64_RDREG_INDEX, val), r;
	u32 count = FIELD_GET(A64_RDREG_COUNT, val);
	u64 base = val & A64_RDREG_BASE, size = count * GIC_REDIST_SIZE;
	struct a64_rdreg *rd;

	if (!count || FIELD_GET(A64_RDREG_FLAGS, val))
		return -EINVAL;
	/* After the one KVM_VGIC_V3_ADDR_TYPE_REDIST, region 0 is it. */
	if (index != (gic->redist != A64_VGIC_UNDEF ?
		      max(gic->nr_rdregs, 1U) : gic->nr_rdregs))
		return -EINVAL;
	if (gic->redist != A64_VGIC_UNDEF &&
	    a64_overlap(base, size, gic->redist,
			vm->nr_vcpus * GIC_REDIST_SIZE))
		return -EINVAL;
	for (r = 0; r < gic->nr_rdregs; r++)
		if (a64_overlap(base, size, gic->rdreg[r].base,
				gic->rdreg[r].count * GIC_REDIST_SIZE))
			return -EINVAL;
	if (base + size > BIT_ULL(vireo_impl->gpa_bits()))
		return -E2BIG;
	if (gic->dist != A64_VGIC_UNDEF &&
	    a64_overlap(base, size, gic->dist, GIC_DIST_SIZE))
		return -EINVAL;
	/*
	 * Regions after the one REDIST are kept, to be read back, and left
	 * unused as kvm.ko leaves them: that one has a redistributor for
	 * every vCPU (a64_vgic_layout()), and rdreg[0] stays empty.
	 */
	if (index >= A64_VGIC_RDREGS)
		return -EINVAL;
	rd = &gic->rdreg[index];
	rd->base = base;
	rd->count = count;
	/* Pairs with a64_vgic_layout(): the entry is set before it counts. */
	smp_store_release(&gic->nr_rdregs, index + 1);
	if (gic->init) {
		spin_lock_irq(&gic->lock);
		a64_vgic_set_last(gic);
		spin_unlock_irq(&gic->lock);
	}
	return 0;
}

/* Reading a region back: the index comes in the value. */
static int a64_vgic_get_rdreg(struct a64_vgic *gic, u64 __user *u64p)
{
	u64 val;
	u32 index;

	if (get_user(val, u64p))
		return -EFAULT;
	index = FIELD_GET(A64_RDREG_INDEX, val);
	if (gic->redist != A64_VGIC_UNDEF && index == 0)
		return put_user(gic->redist, u64p);
	if (index >= gic->nr_rdregs)
		return -ENOENT;
	return put_user(index | gic->rdreg[index].base |
			FIELD_PREP(A64_RDREG_COUNT, gic->rdreg[index].count),
			u64p);
}

/*
 * The model's vCPU whose MPIDR is @mpidr in KVM's attribute layout (Aff3
 * to Aff0, a byte each), or -1.
 */
static int a64_vgic_mpidr_cpu(struct vireo_vm *vm, u64 mpidr)
{
	/* Pairs with KVM_CREATE_VCPU's release: the array is filled. */
	unsigned int i, n = smp_load_acquire(&vm->nr_vcpus);

	for (i = 0; i < n && i < GIC_MAX_CPUS; i++)
		if ((a64_vmpidr(vm->vcpus[i]->id) & 0xffffff) == mpidr)
			return i;
	return -1;
}

/*
 * Every vCPU out of KVM_RUN and its other ioctls for the access, as
 * kvm.ko (busy otherwise): their list registers are then empty and the
 * model and their a64_gic_regs are the whole state.
 */
static bool a64_vgic_lock_vcpus(struct vireo_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (!mutex_trylock(&vm->vcpus[i]->lock)) {
			while (i--)
				mutex_unlock(&vm->vcpus[i]->lock);
			return false;
		}
	}
	return true;
}

static void a64_vgic_unlock_vcpus(struct vireo_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		mutex_unlock(&vm->vcpus[i]->lock);
}

/*
 * KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO: the input lines of 32 INTIDs, as a
 * VMM saves and restores them; kvm.ko's checks in its order (the vCPU,
 * the buffer, INIT, the vCPUs idle, the kind and the INTID's alignment).
 */
static int a64_vgic_level_info(struct vireo_vm *vm, struct a64_vgic *gic,
			       const struct kvm_device_attr *at, bool set)
{
	u32 __user *u32p = u64_to_user_ptr(at->addr);
	u32 info = (at->attr & KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_MASK) >>
		   KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT;
	u32 intid = at->attr & KVM_DEV_ARM_VGIC_LINE_LEVEL_INTID_MASK;
	u32 val = 0, kick = 0;
	int cpu, i, r = 0;

	cpu = a64_vgic_mpidr_cpu(vm, (at->attr & KVM_DEV_ARM_VGIC_V3_MPIDR_MASK) >>
				 KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT);
	if (cpu < 0)
		return -EINVAL;
	if (set && get_user(val, u32p))
		return -EFAULT;
	if (!gic->init || !a64_vgic_lock_vcpus(vm))
		return -EBUSY;
	spin_lock_irq(&gic->lock);
	if (info != VGIC_LEVEL_INFO_LINE_LEVEL || intid % 32)
		r = -EINVAL;
	else if (set)
		kick = gic_set_level_info(&gic->m, cpu, intid, val);
	else
		val = gic_level_info(&gic->m, cpu, intid);
	spin_unlock_irq(&gic->lock);
	a64_vgic_unlock_vcpus(vm);
	for (i = 0; kick; i++, kick >>= 1)
		if (kick & 1)
			a64_vgic_kick(vm, i);
	if (r || set)
		return r;
	return put_user(val, u32p);
}

/* ---- the save and restore groups: _DIST_REGS, _REDIST_REGS, _CPU_SYSREGS ---- */

/* The ICC_* registers' encodings as the attribute has them (op0 3). */
#define A64_ICC(op1, crn, crm, op2) \
	(3U << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))
#define A64_ICC_PMR		A64_ICC(0, 4, 6, 0)
#define A64_ICC_BPR0		A64_ICC(0, 12, 8, 3)
#define A64_ICC_AP0R0		A64_ICC(0, 12, 8, 4)
#define A64_ICC_AP1R0		A64_ICC(0, 12, 9, 0)
#define A64_ICC_BPR1		A64_ICC(0, 12, 12, 3)
#define A64_ICC_CTLR		A64_ICC(0, 12, 12, 4)
#define A64_ICC_SRE		A64_ICC(0, 12, 12, 5)
#define A64_ICC_IGRPEN0		A64_ICC(0, 12, 12, 6)
#define A64_ICC_IGRPEN1		A64_ICC(0, 12, 12, 7)
/* ICC_CTLR_EL1.EOImode */
#define A64_ICC_CTLR_EOIMODE	BIT(1)

static bool a64_icc_known(u32 enc)
{
	switch (enc) {
	case A64_ICC_PMR:
	case A64_ICC_BPR0:
	case A64_ICC_AP0R0 ... A64_ICC_AP0R0 + 3:
	case A64_ICC_AP1R0 ... A64_ICC_AP1R0 + 3:
	case A64_ICC_BPR1:
	case A64_ICC_CTLR:
	case A64_ICC_SRE:
	case A64_ICC_IGRPEN0:
	case A64_ICC_IGRPEN1:
		return true;
	default:
		return false;
	}
}

static void a64_vmcr_set(struct a64_gic_regs *g, u32 mask, u32 shift, u64 v)
{
	g->vmcr = (g->vmcr & ~mask) | (((u32)v << shift) & mask);
}

/*
 * One ICC_* register of a vCPU that is not running, from or into the
 * virtual interface's state the vCPU keeps (ICH_VMCR_EL2, the active
 * priorities): -EINVAL for what this CPU cannot restore, as kvm.ko.
 */
static int a64_icc_access(struct a64_vcpu *a, u32 enc, u64 *val, bool set)
{
	struct a64_gic_regs *g = &a->gic;
	u32 vmcr = g->vmcr, n;
	u64 v = *val;

	switch (enc) {
	case A64_ICC_PMR:
		if (set)
			a64_vmcr_set(g, ICH_VMCR_PMR_MASK, ICH_VMCR_PMR_SHIFT, v);
		else
			*val = FIELD_GET(ICH_VMCR_PMR_MASK, vmcr);
		return 0;
	case A64_ICC_BPR0:
		if (set)
			a64_vmcr_set(g, ICH_VMCR_BPR0_MASK, ICH_VMCR_BPR0_SHIFT, v);
		else
			*val = FIELD_GET(ICH_VMCR_BPR0_MASK, vmcr);
		return 0;
	case A64_ICC_BPR1:
		/* With CBPR, BPR1 follows BPR0 and ignores writes. */
		if (vmcr & ICH_VMCR_CBPR_MASK) {
			if (!set)
				*val = min_t(u32, FIELD_GET(ICH_VMCR_BPR0_MASK,
							    vmcr) + 1, 7);
		} else if (set) {
			a64_vmcr_set(g, ICH_VMCR_BPR1_MASK, ICH_VMCR_BPR1_SHIFT, v);
		} else {
			*val = FIELD_GET(ICH_VMCR_BPR1_MASK, vmcr);
		}
		return 0;
	case A64_ICC_IGRPEN0:
		if (set)
			a64_vmcr_set(g, ICH_VMCR_ENG0_MASK, ICH_VMCR_ENG0_SHIFT, v);
		else
			*val = FIELD_GET(ICH_VMCR_ENG0_MASK, vmcr);
		return 0;
	case A64_ICC_IGRPEN1:
		if (set)
			a64_vmcr_set(g, ICH_VMCR_ENG1_MASK, ICH_VMCR_ENG1_SHIFT, v);
		else
			*val = FIELD_GET(ICH_VMCR_ENG1_MASK, vmcr);
		return 0;
	case A64_ICC_SRE:
		/* System register access only: SRE, and no bypass. */
		if (set)
			return v & ICC_SRE_EL1_SRE ? 0 : -EINVAL;
		*val = ICC_SRE_EL1_SRE | ICC_SRE_EL1_DFB | ICC_SRE_EL1_DIB;
		return 0;
	case A64_ICC_CTLR:
		if (!set) {
			*val = FIELD_PREP(ICC_CTLR_EL1_PRI_BITS_MASK,
					  a->gic_pri_bits - 1) |
			       FIELD_PREP(ICC_CTLR_EL1_ID_BITS_MASK,
					  a->gic_id_bits) |
			       FIELD_PREP(ICC_CTLR_EL1_SEIS_MASK,
					  FIELD_GET(ICH_VTR_SEIS_MASK, a64_ich_vtr)) |
			       FIELD_PREP(ICC_CTLR_EL1_A3V_MASK,
					  FIELD_GET(ICH_VTR_A3V_MASK, a64_ich_vtr)) |
			       FIELD_PREP(ICC_CTLR_EL1_CBPR_MASK,
					  FIELD_GET(ICH_VMCR_CBPR_MASK, vmcr)) |
			       FIELD_PREP(A64_ICC_CTLR_EOIMODE,
					  FIELD_GET(ICH_VMCR_EOIM_MASK, vmcr));
			return 0;
		}
		/* A state this CPU's interface cannot give the guest. */
		if (FIELD_GET(ICC_CTLR_EL1_PRI_BITS_MASK, v) + 1 > a->gic_pri_bits ||
		    FIELD_GET(ICC_CTLR_EL1_ID_BITS_MASK, v) > a->gic_id_bits ||
		    FIELD_GET(ICC_CTLR_EL1_SEIS_MASK, v) !=
		    FIELD_GET(ICH_VTR_SEIS_MASK, a64_ich_vtr) ||
		    FIELD_GET(ICC_CTLR_EL1_A3V_MASK, v) !=
		    FIELD_GET(ICH_VTR_A3V_MASK, a64_ich_vtr))
			return -EINVAL;
		a->gic_pri_bits = FIELD_GET(ICC_CTLR_EL1_PRI_BITS_MASK, v) + 1;
		a->gic_id_bits = FIELD_GET(ICC_CTLR_EL1_ID_BITS_MASK, v);
		a64_vmcr_set(g, ICH_VMCR_CBPR_MASK, ICH_VMCR_CBPR_SHIFT,
			     FIELD_GET(ICC_CTLR_EL1_CBPR_MASK, v));
		a64_vmcr_set(g, ICH_VMCR_EOIM_MASK, ICH_VMCR_EOIM_SHIFT,
			     FIELD_GET(A64_ICC_CTLR_EOIMODE, v));
		return 0;
	}
	/* AP0R<n> and AP1R<n>: as many as the priority bits need. */
	n = enc & 3;
	if (n > (a->gic_pri_bits == 7 ? 3 : a->gic_pri_bits == 6 ? 1 : 0))
		return -EINVAL;
	if (enc - n == A64_ICC_AP0R0) {
		if (set)
			g->ap0r[n] = v;
		else
			*val = g->ap0r[n];
	} else {
		if (set)
			g->ap1r[n] = v;
		else
			*val = g->ap1r[n];
	}
	return 0;
}

/* The vCPU a register group's attribute names, or NULL (-EINVAL). */
static struct vireo_vcpu *a64_vgic_attr_vcpu(struct vireo_vm *vm,
					     const struct kvm_device_attr *at)
{
	int cpu;

	/* The distributor's are vCPU 0's, for no reason but kvm.ko's. */
	if (at->group == KVM_DEV_ARM_VGIC_GRP_DIST_REGS)
		cpu = READ_ONCE(vm->nr_vcpus) ? 0 : -1;
	else
		cpu = a64_vgic_mpidr_cpu(vm, (at->attr &
				KVM_DEV_ARM_VGIC_V3_MPIDR_MASK) >>
				KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT);
	return cpu < 0 ? NULL : vm->vcpus[cpu];
}

/*
 * KVM_DEV_ARM_VGIC_GRP_DIST_REGS, _REDIST_REGS and _CPU_SYSREGS: a VMM's
 * save and restore, of the kernel's own state; kvm.ko's checks in its
 * order (the vCPU, the buffer, INIT, the vCPUs idle, the register).
 * vm->lock held: no vCPU comes or goes.
 */
static int a64_vgic_regs(struct vireo_vm *vm, struct a64_vgic *gic,
			 const struct kvm_device_attr *at, bool set)
{
	u32 __user *u32p = u64_to_user_ptr(at->addr);
	u64 __user *u64p = u64_to_user_ptr(at->addr);
	u64 off = at->attr & KVM_DEV_ARM_VGIC_OFFSET_MASK;
	bool sys = at->group == KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS;
	u32 enc = at->attr & KVM_DEV_ARM_VGIC_SYSREG_INSTR_MASK;
	struct vireo_vcpu *vcpu = a64_vgic_attr_vcpu(vm, at);
	struct a64_vcpu *a;
	u64 v64 = 0;
	u32 val = 0;
	int r = 0;

	if (!vcpu)
		return -EINVAL;
	a = a64_vcpu(vcpu);
	if (set && !sys && get_user(val, u32p))
		return -EFAULT;
	if (!gic->init)
		return -EBUSY;
	if (!a64_vgic_lock_vcpus(vm))
		return -EBUSY;
	if (sys) {
		if (!a64_icc_known(enc))
			r = -ENOENT;
		else if (set && get_user(v64, u64p))
			r = -EFAULT;
		else
			r = a64_icc_access(a, enc, &v64, set);
		if (!r && !set)
			r = put_user(v64, u64p);
		a64_vgic_unlock_vcpus(vm);
		return r;
	}
	spin_lock_irq(&gic->lock);
	if (at->group == KVM_DEV_ARM_VGIC_GRP_REDIST_REGS)
		gic_redist_uaccess(&gic->m, a->gic_cpu, off, set, &val);
	else if (!gic_dist_uaccess(&gic->m, off, set, &val))
		r = -EINVAL;
	spin_unlock_irq(&gic->lock);
	a64_vgic_unlock_vcpus(vm);
	if (r || set)
		return r;
	return put_user(val, u32p);
}

/* KVM_HAS_DEVICE_ATTR of a register group: its vCPU, then the register. */
static int a64_vgic_has_reg(struct vireo_vm *vm, struct a64_vgic *gic,
			    const struct kvm_device_attr *at)
{
	u64 off = at->attr & KVM_DEV_ARM_VGIC_OFFSET_MASK;
	u32 nr = gic->init ? gic->m.nr_irqs : gic->nr_irqs;
	bool ok;

	if (!a64_vgic_attr_vcpu(vm, at))
		return -EINVAL;
	switch (at->group) {
	case KVM_DEV_ARM_VGIC_GRP_DIST_REGS:
		/* Before NR_IRQS, the private INTIDs' words only. */
		ok = gic_dist_reg_exists(nr ? nr : GIC_NR_PRIV, off);
		break;
	case KVM_DEV_ARM_VGIC_GRP_REDIST_REGS:
		ok = gic_redist_reg_exists(off);
		break;
	default:
		ok = a64_icc_known(at->attr & KVM_DEV_ARM_VGIC_SYSREG_INSTR_MASK);
		break;
	}
	return ok ? 0 : -ENXIO;
}

static int a64_vgic_attr(struct vireo_vm *vm, struct a64_vgic *gic,
			 const struct kvm_device_attr *at, bool set)
{
	u64 __user *u64p = u64_to_user_ptr(at->addr);
	u32 __user *u32p = u64_to_user_ptr(at->addr);
	u64 addr;
	u32 nr;

	switch (at->group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		if (at->attr == KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION) {
			if (!set)
				return a64_vgic_get_rdreg(gic, u64p);
			if (get_user(addr, u64p))
				return -EFAULT;
			return a64_vgic_add_rdreg(vm, gic, addr);
		}
		if (at->attr != KVM_VGIC_V3_ADDR_TYPE_DIST &&
		    at->attr != KVM_VGIC_V3_ADDR_TYPE_REDIST)
			return -ENXIO;
		/* The redistributors' base: REDIST's, or the first region's. */
		if (!set)
			return put_user(at->attr == KVM_VGIC_V3_ADDR_TYPE_DIST ?
					gic->dist : gic->nr_rdregs &&
					gic->redist == A64_VGIC_UNDEF ?
					gic->rdreg[0].base : gic->redist, u64p);
		if (get_user(addr, u64p))
			return -EFAULT;
		return a64_vgic_set_addr(vm, gic, at->attr, addr);
	case KVM_DEV_ARM_VGIC_GRP_NR_IRQS:
		if (!set)
			return put_user(gic->nr_irqs ? gic->nr_irqs :
					GIC_NR_PRIV, u32p);
		if (get_user(nr, u32p))
			return -EFAULT;
		if (nr < A64_VGIC_MIN_IRQS || nr > A64_VGIC_MAX_IRQS || nr % 32)
			return -EINVAL;
		if (gic->init || gic->nr_irqs)
			return -EBUSY;
		gic->nr_irqs = nr;
		return 0;
	case KVM_DEV_ARM_VGIC_GRP_CTRL:
		if (!set || at->attr != KVM_DEV_ARM_VGIC_CTRL_INIT)
			return -ENXIO;
		return a64_vgic_init(vm, gic);
	case KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO:
		return a64_vgic_level_info(vm, gic, at, set);
	case KVM_DEV_ARM_VGIC_GRP_DIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_REDIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS:
		return a64_vgic_regs(vm, gic, at, set);
	default:
		return -ENXIO;
	}
}

static int a64_vgic_has_attr(struct vireo_vm *vm, struct a64_vgic *gic,
			     const struct kvm_device_attr *at)
{
	switch (at->group) {
	case KVM_DEV_ARM_VGIC_GRP_DIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_REDIST_REGS:
	case KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS:
		return a64_vgic_has_reg(vm, gic, at);
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		return at->attr == KVM_VGIC_V3_ADDR_TYPE_DIST ||
		       at->attr == KVM_VGIC_V3_ADDR_TYPE_REDIST ||
		       at->attr == KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION ?
		       0 : -ENXIO;
	case KVM_DEV_ARM_VGIC_GRP_NR_IRQS:
		return 0;
	case KVM_DEV_ARM_VGIC_GRP_CTRL:
		return at->attr == KVM_DEV_ARM_VGIC_CTRL_INIT ? 0 : -ENXIO;
	case KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO:
		return (at->attr & KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_MASK) >>
		       KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT ==
		       VGIC_LEVEL_INFO_LINE_LEVEL ? 0 : -ENXIO;
	default:
		return -ENXIO;
	}
}

static long a64_vgic_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct vireo_vm *vm = file->private_data;
	struct a64_vgic *gic = a64_gic(vm);
	struct kvm_device_attr at;
	long r;

	if (vm->mm != current->mm)
		return -EIO;
	switch (cmd) {
	case KVM_SET_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_HAS_DEVICE_ATTR:
		break;
	default:
		return -ENOTTY;
	}
	if (copy_from_user(&at, (void __user *)arg, sizeof(at)))
		return -EFAULT;
	/* vm->lock: the vCPUs INIT counts cannot change under it. */
	mutex_lock(&vm->lock);
	if (cmd == KVM_HAS_DEVICE_ATTR)
		r = a64_vgic_has_attr(vm, gic, &at);
	else
		r = a64_vgic_attr(vm, gic, &at, cmd == KVM_SET_DEVICE_ATTR);
	mutex_unlock(&vm->lock);
	return r;
}

static int a64_vgic_release(struct inode *inode, struct file *file)
{
	vireo_vm_put(file->private_data);
	return 0;
}

static const struct file_operations a64_vgic_fops = {
	.owner		= THIS_MODULE,
	.release	= a64_vgic_release,
	.unlocked_ioctl	= a64_vgic_ioctl,
	.llseek		= noop_llseek,
};

/**
 * a64_create_device - KVM_CREATE_DEVICE: the GICv3, and only it
 * @vm: the VM
 * @argp: struct kvm_create_device
 *
 * Return: 0 with the device's fd in the struct, or -errno as kvm.ko:
 * -ENODEV for another type (or a host without GICv3), -EEXIST for a
 * second GIC, -EBUSY once a vCPU has run.
 */
long a64_create_device(struct vireo_vm *vm, void __user *argp)
{
	struct kvm_create_device __user *user = argp;
	struct a64_vm *v = a64_vm(vm);
	struct kvm_create_device cd;
	struct a64_vgic *gic;
	int fd;

	if (copy_from_user(&cd, user, sizeof(cd)))
		return -EFAULT;
	if (cd.type != KVM_DEV_TYPE_ARM_VGIC_V3 || !a64_gicv3 || !a64_nr_lr)
		return -ENODEV;
	if (cd.flags & KVM_CREATE_DEVICE_TEST)
		return 0;
	gic = vireo_zalloc(sizeof(*gic));
	if (!gic)
		return -ENOMEM;
	spin_lock_init(&gic->lock);
	gic->dist = A64_VGIC_UNDEF;
	gic->redist = A64_VGIC_UNDEF;
	mutex_lock(&vm->lock);
	fd = -EEXIST;
	if (v->gic)
		goto err;
	fd = -EBUSY;
	if (READ_ONCE(v->ran))
		goto err;
	kref_get(&vm->ref);
	fd = anon_inode_getfd("kvm-arm-vgic-v3", &a64_vgic_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		refcount_dec(&vm->ref.refcount);
		goto err;
	}
	/* Pairs with a64_gic(): the GIC is set up before it is seen. */
	smp_store_release(&v->gic, gic);
	mutex_unlock(&vm->lock);
	/* The fd is the VMM's already: a fault here leaves it to close. */
	return put_user(fd, &user->fd);
err:
	mutex_unlock(&vm->lock);
	vireo_free(gic);
	return fd;
}

/**
 * a64_vgic_run_check - may the vCPU run? The GIC's set-up is complete
 * @vcpu: the vCPU, at KVM_RUN
 *
 * Return: 0, or kvm.ko's errno: -ENXIO without the distributor's address
 * or a redistributor for every vCPU, -EINVAL when the distributor and the
 * redistributors overlap, -EBUSY before INIT.
 */
int a64_vgic_run_check(struct vireo_vcpu *vcpu)
{
	struct vireo_vm *vm = vcpu->vm;
	struct a64_vgic *gic = a64_gic(vm);
	u64 rsize;
	int r = 0;
	u32 i;

	if (!gic || READ_ONCE(gic->mapped))
		return 0;
	mutex_lock(&vm->lock);
	rsize = vm->nr_vcpus * GIC_REDIST_SIZE;
	if (gic->redist == A64_VGIC_UNDEF) {
		if (gic->dist == A64_VGIC_UNDEF ||
		    a64_vgic_layout(gic, vm->nr_vcpus, NULL, NULL) <
		    vm->nr_vcpus)
			r = -ENXIO;
		for (i = 0; i < gic->nr_rdregs && !r; i++)
			if (a64_overlap(gic->dist, GIC_DIST_SIZE,
					gic->rdreg[i].base,
					gic->rdreg[i].count * GIC_REDIST_SIZE))
				r = -EINVAL;
	} else if (gic->dist == A64_VGIC_UNDEF) {
		r = -ENXIO;
	} else if (a64_overlap(gic->dist, GIC_DIST_SIZE, gic->redist, rsize)) {
		r = -EINVAL;
	} else if ((gic->redist + rsize) >> vireo_impl->gpa_bits()) {
		r = -E2BIG;
	}
	if (!r && !gic->init)
		r = -EBUSY;
	else if (!r)
		WRITE_ONCE(gic->mapped, true);
	mutex_unlock(&vm->lock);
	return r;
}

/**
 * a64_vgic_initialised - has the VM's GIC had its INIT?
 * @vm: the VM, with vm->lock held
 *
 * Return: true after KVM_DEV_ARM_VGIC_CTRL_INIT.
 */
bool a64_vgic_initialised(struct vireo_vm *vm)
{
	struct a64_vgic *gic = a64_gic(vm);

	return gic && gic->init;
}

/** a64_vgic_free - the VM goes: its GIC with it */
void a64_vgic_free(struct vireo_vm *vm)
{
	vireo_free(a64_vm(vm)->gic);
}

static irqreturn_t a64_vtimer_handler(int irq, void *dev)
{
	/*
	 * The guest's timer fired while it ran: the exit was the point.
	 * Its state was saved, and the line quietened, before this runs.
	 */
	return IRQ_HANDLED;
}

/**
 * a64_vgic_probe - the CPU's virtual interface and the host's timer PPI
 *
 * Without the virtual timer's interrupt (no device tree node), a vCPU's
 * timer still fires, from an hrtimer (a64_timer_schedule()), only later.
 */
void a64_vgic_probe(void)
{
	struct device_node *np;
	u64 vtr;
	int irq;

	if (!a64_gicv3)
		return;
	vtr = read_sysreg_s(SYS_ICH_VTR_EL2);
	a64_ich_vtr = vtr;
	a64_nr_lr = (vtr & 0x1f) + 1;
	if (a64_nr_lr > 16)
		a64_nr_lr = 16;
	/* PREbits: 5 to 7 bits, so one, two or four AP words per group. */
	a64_nr_apr = 1U << ((((vtr >> 26) & 7) + 1) - 5);
	np = of_find_compatible_node(NULL, NULL, "arm,armv8-timer");
	if (!np)
		return;
	/* Secure and non-secure physical, virtual, hypervisor: the third. */
	irq = irq_of_parse_and_map(np, 2);
	of_node_put(np);
	if (irq <= 0)
		return;
	a64_vtimer_dev = alloc_percpu(int);
	if (!a64_vtimer_dev)
		return;
	if (request_percpu_irq(irq, a64_vtimer_handler, "vireo-vtimer",
			       a64_vtimer_dev)) {
		free_percpu(a64_vtimer_dev);
		return;
	}
	a64_vtimer_irq = irq;
}

/** a64_vgic_cpu_enable - the host's timer PPI on, on this CPU */
void a64_vgic_cpu_enable(void)
{
	if (a64_vtimer_irq)
		enable_percpu_irq(a64_vtimer_irq, IRQ_TYPE_NONE);
}

/** a64_vgic_cpu_disable - and off */
void a64_vgic_cpu_disable(void)
{
	if (a64_vtimer_irq)
		disable_percpu_irq(a64_vtimer_irq);
}

/** a64_vgic_exit - the PPI released at unload */
void a64_vgic_exit(void)
{
	if (!a64_vtimer_irq)
		return;
	free_percpu_irq(a64_vtimer_irq, a64_vtimer_dev);
	free_percpu(a64_vtimer_dev);
	a64_vtimer_irq = 0;
}
