// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel GICv3's save and restore attributes, as a VMM migrating a
 * VM uses them: KVM_DEV_ARM_VGIC_GRP_DIST_REGS, _REDIST_REGS (32-bit
 * registers by offset, the vCPU by MPIDR in the attribute) and
 * _CPU_SYSREGS (the ICC_* registers, 64-bit, by encoding).  Round trips
 * of each group, the errnos of bad attributes, busy while a vCPU runs,
 * kvm.ko's reset values (SPIs edge-triggered), redistributor regions
 * (KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION), and a whole GIC saved from one
 * VM and restored into a fresh one, whose guest then takes the SPI that
 * was pending when the state was saved.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

#define DIST	0x08000000ULL
#define REDIST	0x080a0000ULL
#define NR_IRQS	128
#define SPI	40

#define SGI_FRAME	0x10000
/* ICC_* system registers as the attribute encodes them (op0 is 3). */
#define ICC(op1, crn, crm, op2) \
	(3U << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))
#define ICC_PMR		ICC(0, 4, 6, 0)
#define ICC_BPR0	ICC(0, 12, 8, 3)
#define ICC_AP0R(n)	ICC(0, 12, 8, 4 + (n))
#define ICC_AP1R(n)	ICC(0, 12, 9, (n))
#define ICC_BPR1	ICC(0, 12, 12, 3)
#define ICC_CTLR	ICC(0, 12, 12, 4)
#define ICC_SRE		ICC(0, 12, 12, 5)
#define ICC_IGRPEN0	ICC(0, 12, 12, 6)
#define ICC_IGRPEN1	ICC(0, 12, 12, 7)
/* Not one the group has: ICC_IAR1_EL1. */
#define ICC_IAR1	ICC(0, 12, 12, 0)

/*
 * x20 the distributor, x22 the SPI.  x28 zero: program the GIC (the SPI
 * enabled in group 1 at priority 0x80, the CPU interface's mask and
 * group 1 enable), report "ready" (x22) to MMIO + 0 with interrupts still
 * masked and stop there.  x28 non-zero: the GIC is as a restore left it:
 * unmask and WFI.  Each interrupt's INTID goes to MMIO + 8, then EOI.
 */
VA_GUEST(g_take,
	"ldr x10, =0x10000000\n"
	"adr x0, 9f\n"
	"msr vbar_el1, x0\n"
	"cbnz x28, 5f\n"
	"mov w0, #2\n"				/* GICD_CTLR.EnableGrp1 */
	"str w0, [x20]\n"
	"lsr x1, x22, #5\n"
	"and x2, x22, #31\n"
	"mov w3, #1\n"
	"lsl w3, w3, w2\n"
	"add x4, x20, #0x80\n"			/* GICD_IGROUPR<n> */
	"ldr w5, [x4, x1, lsl #2]\n"
	"orr w5, w5, w3\n"
	"str w5, [x4, x1, lsl #2]\n"
	"add x4, x20, #0x400\n"			/* GICD_IPRIORITYR */
	"mov w5, #0x80\n"
	"strb w5, [x4, x22]\n"
	"add x4, x20, #0x100\n"			/* GICD_ISENABLER<n> */
	"str w3, [x4, x1, lsl #2]\n"
	"mov x0, #0xf0\n"
	"msr s3_0_c4_c6_0, x0\n"		/* ICC_PMR_EL1 */
	"mov x0, #1\n"
	"msr s3_0_c12_c12_7, x0\n"		/* ICC_IGRPEN1_EL1 */
	"isb\n"
	"str x22, [x10]\n"
	"b .\n"					/* never resumed */
	"5: msr daifclr, #2\n"
	"6: wfi\n"
	"b 6b\n"
	".skip 0x800 - (. - g_take_start)\n"
	"9: b .\n"				/* the vectors */
	".skip 0x280 - (. - 9b)\n"
	"mrs x0, s3_0_c12_c12_0\n"		/* IRQ: ICC_IAR1_EL1 */
	"str x0, [x10, #8]\n"
	"msr s3_0_c12_c12_1, x0\n"		/* ICC_EOIR1_EL1 */
	"isb\n"
	"eret\n");

static int attr(int fd, unsigned long cmd, uint32_t group, uint64_t a,
		void *val)
{
	struct kvm_device_attr at = {
		.group = group, .attr = a, .addr = (uintptr_t)val,
	};

	return ioctl(fd, cmd, &at) ? -errno : 0;
}

/* KVM_GET/SET_DEVICE_ATTR of one register of each group. */
static int dget(int gic, uint32_t off, uint32_t *v)
{
	return attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
		    off, v);
}

static int dset(int gic, uint32_t off, uint32_t v)
{
	return attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
		    off, &v);
}

static uint64_t rattr(uint32_t mpidr, uint32_t off)
{
	return (uint64_t)mpidr << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT | off;
}

static int rget(int gic, uint32_t mpidr, uint32_t off, uint32_t *v)
{
	return attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS,
		    rattr(mpidr, off), v);
}

static int rset(int gic, uint32_t mpidr, uint32_t off, uint32_t v)
{
	return attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS,
		    rattr(mpidr, off), &v);
}

static int sget(int gic, uint32_t mpidr, uint32_t reg, uint64_t *v)
{
	return attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
		    rattr(mpidr, reg), v);
}

static int sset(int gic, uint32_t mpidr, uint32_t reg, uint64_t v)
{
	return attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
		    rattr(mpidr, reg), &v);
}

static int has(int gic, uint32_t group, uint64_t a)
{
	return attr(gic, KVM_HAS_DEVICE_ATTR, group, a, NULL);
}

static int create_gic(int vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };

	return ioctl(vm, KVM_CREATE_DEVICE, &cd) ? -errno : (int)cd.fd;
}

static int gic_addrs(int gic)
{
	uint64_t dist = DIST, redist = REDIST;
	uint32_t nr = NR_IRQS;

	return attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
		    KVM_VGIC_V3_ADDR_TYPE_DIST, &dist) ?:
	       attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
		    KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist) ?:
	       attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0,
		    &nr);
}

static int gic_init(int gic)
{
	return attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL,
		    KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

/* Two vCPUs (MPIDR Aff0 0 and 1), the GIC, g_take; @init: INIT done. */
struct gvm {
	struct vt_vm t, t1;
	int gic;
};

static int gvm_create(struct gvm *v, bool init)
{
	struct vt_vm *t = &v->t;

	v->gic = -1;
	if (va_vm_create(t, 0x10000))
		return -1;
	memcpy(t->mem, g_take_start, g_take_end - g_take_start);
	if (va_vcpu_add(t, 1, 0, &v->t1))
		return -1;
	v->gic = create_gic(t->vm);
	if (v->gic < 0 || gic_addrs(v->gic) || va_vcpu_init(t) ||
	    va_set_reg(t->vcpu, VA_REG_PC, VA_RAM_GPA) ||
	    va_set_reg(t->vcpu, VA_REG_X(20), DIST) ||
	    va_set_reg(t->vcpu, VA_REG_X(22), SPI))
		return -1;
	return init ? gic_init(v->gic) : 0;
}

static void gvm_destroy(struct gvm *v)
{
	if (v->gic >= 0)
		close(v->gic);
	vt_vm_destroy(&v->t1);
	vt_vm_destroy(&v->t);
}

static int irq_line(int vm, uint32_t num, int level)
{
	struct kvm_irq_level l = {
		.irq = KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT | num,
		.level = level,
	};

	return ioctl(vm, KVM_IRQ_LINE, &l) ? -errno : 0;
}

/* Nothing more comes: the vCPU waits in WFI until a signal. */
static void expect_quiet(struct __test_metadata *_metadata, struct vt_vm *t)
{
	va_alarm(300);
	EXPECT_EQ(-EINTR, vt_run(t));
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t->run->exit_reason);
}

/*
 * Before INIT: the registers are busy (once the vCPU the attribute
 * names exists); unknown vCPUs, offsets, encodings and bad buffers after.
 */
TEST(errnos)
{
	uint32_t v32 = 0;
	uint64_t v64 = 0;
	int sys, vm, gic;
	struct gvm v;

	/* No vCPU 0 yet: the distributor's registers have no vCPU. */
	sys = vt_open_dev();
	ASSERT_GE(sys, 0);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	gic = create_gic(vm);
	ASSERT_GE(gic, 0);
	EXPECT_EQ(-EINVAL, dget(gic, 0, &v32));
	EXPECT_EQ(-EINVAL, has(gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0));
	close(gic);
	close(vm);
	close(sys);

	ASSERT_EQ(0, gvm_create(&v, false));
	EXPECT_EQ(0, has(v.gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0));
	EXPECT_EQ(0, has(v.gic, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS,
			 rattr(1, SGI_FRAME + 0x100)));
	EXPECT_EQ(0, has(v.gic, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
			 rattr(0, ICC_PMR)));
	EXPECT_EQ(-EBUSY, dget(v.gic, 0, &v32));
	EXPECT_EQ(-EBUSY, rget(v.gic, 1, 0x14, &v32));
	EXPECT_EQ(-EBUSY, sget(v.gic, 0, ICC_PMR, &v64));
	EXPECT_EQ(-EINVAL, rget(v.gic, 2, 0x14, &v32));
	EXPECT_EQ(-EINVAL, sget(v.gic, 2, ICC_PMR, &v64));
	ASSERT_EQ(0, gic_init(v.gic));

	/* Registers that are not there: offsets, INTIDs past NR_IRQS. */
	EXPECT_EQ(-ENXIO, has(v.gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x9000));
	EXPECT_EQ(-ENXIO, has(v.gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x102));
	EXPECT_EQ(-ENXIO, has(v.gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
			      0x100 + NR_IRQS / 8));
	EXPECT_EQ(0, has(v.gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
			 0x100 + NR_IRQS / 8 - 4));
	EXPECT_EQ(-ENXIO, has(v.gic, KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
			      0x6000 + 8 * NR_IRQS));
	EXPECT_EQ(-ENXIO, has(v.gic, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS,
			      rattr(0, SGI_FRAME + 0x104)));
	EXPECT_EQ(-EINVAL, has(v.gic, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS,
			       rattr(7, SGI_FRAME + 0x100)));
	EXPECT_EQ(-ENXIO, has(v.gic, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
			      rattr(0, ICC_IAR1)));
	/* Get and set of what is not there: zero, ignored. */
	v32 = 0x1234;
	EXPECT_EQ(0, dget(v.gic, 0x9000, &v32));
	EXPECT_EQ(0U, v32);
	EXPECT_EQ(0, dset(v.gic, 0x9000, 1));
	v32 = 0x1234;
	EXPECT_EQ(0, dget(v.gic, 0x102, &v32));
	EXPECT_EQ(0U, v32);
	v32 = 0x1234;
	EXPECT_EQ(0, rget(v.gic, 0, SGI_FRAME + 0x104, &v32));
	EXPECT_EQ(0U, v32);
	EXPECT_EQ(-EINVAL, rget(v.gic, 7, 0x14, &v32));
	EXPECT_EQ(-ENOENT, sget(v.gic, 0, ICC_IAR1, &v64));
	EXPECT_EQ(-ENOENT, sset(v.gic, 0, ICC_IAR1, 0));
	/* ICC_SRE_EL1.SRE stays set. */
	EXPECT_EQ(0, sget(v.gic, 0, ICC_SRE, &v64));
	EXPECT_EQ(7ULL, v64);
	EXPECT_EQ(-EINVAL, sset(v.gic, 0, ICC_SRE, 0));
	EXPECT_EQ(0, sset(v.gic, 0, ICC_SRE, 7));
	/* Read-only identification: another implementer is refused. */
	EXPECT_EQ(0, dget(v.gic, 0x8, &v32));
	EXPECT_EQ(-EINVAL, dset(v.gic, 0x8, v32 ^ 1));
	EXPECT_EQ(0, dset(v.gic, 0x8, v32));
	/* Bad buffers. */
	EXPECT_EQ(-EFAULT, attr(v.gic, KVM_GET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0, (void *)8));
	EXPECT_EQ(-EFAULT, attr(v.gic, KVM_SET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, 0,
				(void *)8));
	EXPECT_EQ(-EFAULT, attr(v.gic, KVM_GET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
				rattr(0, ICC_PMR), (void *)8));
	EXPECT_EQ(-EFAULT, attr(v.gic, KVM_SET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
				rattr(0, ICC_PMR), (void *)8));
	gvm_destroy(&v);
}

/*
 * kvm.ko's reset values: SPIs edge-triggered, SGIs edge, PPIs level (and
 * fixed); every interrupt in group 1, the SGIs enabled, nothing else.
 */
TEST(reset_config)
{
	uint32_t v32;
	struct gvm v;
	int i;

	ASSERT_EQ(0, gvm_create(&v, true));
	for (i = 1; i < NR_IRQS / 32; i++) {
		EXPECT_EQ(0, dget(v.gic, 0x80 + 4 * i, &v32));
		EXPECT_EQ(~0U, v32) TH_LOG("GICD_IGROUPR%d", i);
		EXPECT_EQ(0, dget(v.gic, 0x100 + 4 * i, &v32));
		EXPECT_EQ(0U, v32) TH_LOG("GICD_ISENABLER%d", i);
	}
	EXPECT_EQ(0, rget(v.gic, 1, SGI_FRAME + 0x80, &v32));
	EXPECT_EQ(~0U, v32);
	EXPECT_EQ(0, rget(v.gic, 1, SGI_FRAME + 0x100, &v32));
	EXPECT_EQ(0xffffU, v32);
	for (i = 2; i < NR_IRQS / 16; i++) {
		EXPECT_EQ(0, dget(v.gic, 0xc00 + 4 * i, &v32));
		EXPECT_EQ(0xaaaaaaaaU, v32) TH_LOG("GICD_ICFGR%d", i);
	}
	EXPECT_EQ(0, rget(v.gic, 0, SGI_FRAME + 0xc00, &v32));
	EXPECT_EQ(0xaaaaaaaaU, v32);
	EXPECT_EQ(0, rget(v.gic, 0, SGI_FRAME + 0xc04, &v32));
	EXPECT_EQ(0U, v32);
	/* PPIs stay level, SGIs edge. */
	EXPECT_EQ(0, rset(v.gic, 0, SGI_FRAME + 0xc04, 0xaaaaaaaa));
	EXPECT_EQ(0, rget(v.gic, 0, SGI_FRAME + 0xc04, &v32));
	EXPECT_EQ(0U, v32);
	EXPECT_EQ(0, rset(v.gic, 0, SGI_FRAME + 0xc00, 0));
	EXPECT_EQ(0, rget(v.gic, 0, SGI_FRAME + 0xc00, &v32));
	EXPECT_EQ(0xaaaaaaaaU, v32);
	gvm_destroy(&v);
}

/*
 * x20 the distributor, x21 vCPU 0's redistributor: the registers whose
 * values are the implementation's, each to MMIO + 0 in turn.
 */
VA_GUEST(g_ids,
	"ldr x10, =0x10000000\n"
	"mov w0, #3\n"				/* GICD_CTLR: both enables */
	"str w0, [x20]\n"
	"ldr w0, [x20]\n"
	"str x0, [x10]\n"
	"ldr w0, [x20, #0x4]\n"		/* GICD_TYPER */
	"str x0, [x10]\n"
	"ldr w0, [x20, #0x8]\n"		/* GICD_IIDR */
	"str x0, [x10]\n"
	"ldr w0, [x20, #0x10]\n"		/* GICD_STATUSR */
	"str x0, [x10]\n"
	"add x4, x20, #0x6000\n"		/* GICD_IROUTER<40> */
	"mov x0, #-1\n"
	"str x0, [x4, #0x140]\n"
	"ldr x0, [x4, #0x140]\n"
	"str x0, [x10]\n"
	"mov w0, #0xff\n"			/* its Aff3 alone */
	"str w0, [x4, #0x144]\n"
	"ldr x0, [x4, #0x140]\n"
	"str x0, [x10]\n"
	"ldr w0, [x21]\n"			/* GICR_CTLR */
	"str x0, [x10]\n"
	"ldr w0, [x21, #0x4]\n"		/* GICR_IIDR */
	"str x0, [x10]\n"
	"ldr w0, [x21, #0x14]\n"		/* GICR_WAKER */
	"str x0, [x10]\n"
	"mov w0, #2\n"				/* ProcessorSleep */
	"str w0, [x21, #0x14]\n"
	"ldr w0, [x21, #0x14]\n"
	"str x0, [x10]\n"
	"b .\n");

/*
 * The registers that identify the GIC read as kvm.ko's, for the guest and
 * the VMM: GICD_CTLR with EnableGrp1 alone (one enable for both groups),
 * GICD_TYPER without No1N, GICD_IIDR (implementer Arm, product 0x4b,
 * revision 3) and GICR_IIDR, GICD_STATUSR all ones, GICR_CTLR with IR and
 * CES, GICR_WAKER as zero, IROUTER without IRM or Aff3 (no 1-of-N).
 * A VMM may restore revision 2 (GICR_CTLR then without IR and CES), no
 * other, and no other implementer or product.
 */
TEST(id_registers)
{
	uint32_t v32;
	struct gvm v;

	ASSERT_EQ(0, gvm_create(&v, true));
	memcpy(v.t.mem, g_ids_start, g_ids_end - g_ids_start);
	ASSERT_EQ(0, va_set_reg(v.t.vcpu, VA_REG_X(21), REDIST));
	EXPECT_EQ(0x52ULL, va_store(&v.t, 0));
	EXPECT_EQ(0x480003ULL, va_store(&v.t, 0));
	EXPECT_EQ(0x4b00343bULL, va_store(&v.t, 0));
	EXPECT_EQ(0xffffffffULL, va_store(&v.t, 0));
	EXPECT_EQ(0xffffffULL, va_store(&v.t, 0));
	EXPECT_EQ(0xffffffULL, va_store(&v.t, 0));
	EXPECT_EQ(0x6ULL, va_store(&v.t, 0));
	EXPECT_EQ(0x4b00043bULL, va_store(&v.t, 0));
	EXPECT_EQ(0ULL, va_store(&v.t, 0));
	EXPECT_EQ(0ULL, va_store(&v.t, 0));

	EXPECT_EQ(0, dget(v.gic, 0x0, &v32));
	EXPECT_EQ(0x52U, v32);
	EXPECT_EQ(0, dget(v.gic, 0x10, &v32));
	EXPECT_EQ(0xffffffffU, v32);
	EXPECT_EQ(0, rget(v.gic, 0, 0x14, &v32));
	EXPECT_EQ(0U, v32);
	EXPECT_EQ(0, dget(v.gic, 0x8, &v32));
	EXPECT_EQ(0x4b00343bU, v32);
	EXPECT_EQ(0, dset(v.gic, 0x8, 0x4b00243b));
	EXPECT_EQ(0, dget(v.gic, 0x8, &v32));
	EXPECT_EQ(0x4b00243bU, v32);
	EXPECT_EQ(0, rget(v.gic, 1, 0x0, &v32));
	EXPECT_EQ(0U, v32);
	EXPECT_EQ(-EINVAL, dset(v.gic, 0x8, 0x4b00143b));
	EXPECT_EQ(-EINVAL, dset(v.gic, 0x8, 0x4b00443b));
	EXPECT_EQ(-EINVAL, dset(v.gic, 0x8, 0x5600343b));
	EXPECT_EQ(0, dset(v.gic, 0x8, 0x4b00343b));
	EXPECT_EQ(0, rget(v.gic, 1, 0x0, &v32));
	EXPECT_EQ(0x6U, v32);
	gvm_destroy(&v);
}

/*
 * x21 vCPU 0's redistributor, x23 vCPU 1's: GICR_PROPBASER and
 * GICR_PENDBASER written and read back, each read to MMIO + 0.
 */
VA_GUEST(g_bases,
	"ldr x10, =0x10000000\n"
	"ldr x0, [x21, #0x70]\n"
	"str x0, [x10]\n"
	"ldr x0, [x21, #0x78]\n"
	"str x0, [x10]\n"
	"mov x0, #-1\n"
	"str x0, [x21, #0x70]\n"
	"ldr x0, [x21, #0x70]\n"
	"str x0, [x10]\n"
	"ldr x0, [x23, #0x70]\n"		/* one for the VM */
	"str x0, [x10]\n"
	"ldr x0, =0x0500000000001893\n"	/* outer WaWb, outer shareable, */
	"str x0, [x21, #0x70]\n"		/* inner non-cacheable */
	"ldr x0, [x21, #0x70]\n"
	"str x0, [x10]\n"
	"mov w0, #0x1000000\n"			/* the upper half: outer nC */
	"str w0, [x21, #0x74]\n"
	"ldr x0, [x21, #0x70]\n"
	"str x0, [x10]\n"
	"mov x0, #-1\n"
	"str x0, [x21, #0x78]\n"
	"ldr x0, [x21, #0x78]\n"
	"str x0, [x10]\n"
	"ldr x0, [x23, #0x78]\n"		/* one per vCPU */
	"str x0, [x10]\n"
	"b .\n");

/*
 * Without an ITS, kvm.ko's GICR_PROPBASER (one for the VM) and
 * GICR_PENDBASER (per vCPU, inner write-back and inner shareable out of
 * reset) still keep what is written, without their RES0 bits, outer
 * shareable made inner, Device or non-cacheable inner made write-back,
 * outer cacheable made "as inner", PENDBASER.PTZ read as zero: for the
 * guest and for the VMM's save and restore.
 */
TEST(lpi_base_registers)
{
	uint32_t v32;
	struct gvm v;

	ASSERT_EQ(0, gvm_create(&v, true));
	memcpy(v.t.mem, g_bases_start, g_bases_end - g_bases_start);
	ASSERT_EQ(0, va_set_reg(v.t.vcpu, VA_REG_X(21), REDIST));
	ASSERT_EQ(0, va_set_reg(v.t.vcpu, VA_REG_X(23), REDIST + 0x20000));
	EXPECT_EQ(0ULL, va_store(&v.t, 0));
	EXPECT_EQ(0x580ULL, va_store(&v.t, 0));
	EXPECT_EQ(0x000fffffffffff9fULL, va_store(&v.t, 0));
	EXPECT_EQ(0x000fffffffffff9fULL, va_store(&v.t, 0));
	EXPECT_EQ(0x1593ULL, va_store(&v.t, 0));
	EXPECT_EQ(0x0100000000001593ULL, va_store(&v.t, 0));
	EXPECT_EQ(0x000fffffffff0f80ULL, va_store(&v.t, 0));
	EXPECT_EQ(0x580ULL, va_store(&v.t, 0));

	EXPECT_EQ(0, rget(v.gic, 1, 0x70, &v32));
	EXPECT_EQ(0x1593U, v32);
	EXPECT_EQ(0, rget(v.gic, 1, 0x74, &v32));
	EXPECT_EQ(0x01000000U, v32);
	EXPECT_EQ(0, rget(v.gic, 0, 0x78, &v32));
	EXPECT_EQ(0xffff0f80U, v32);
	EXPECT_EQ(0, rget(v.gic, 0, 0x7c, &v32));
	EXPECT_EQ(0x000fffffU, v32);
	EXPECT_EQ(0, rset(v.gic, 1, 0x78, 0x012345ff));
	EXPECT_EQ(0, rget(v.gic, 1, 0x78, &v32));
	EXPECT_EQ(0x01230580U, v32);
	EXPECT_EQ(0, rset(v.gic, 1, 0x74, 0));
	EXPECT_EQ(0, rget(v.gic, 0, 0x74, &v32));
	EXPECT_EQ(0U, v32);
	gvm_destroy(&v);
}

/* Each distributor register the VMM restores reads back as written. */
TEST(dist_round_trip)
{
	uint32_t v32;
	struct gvm v;

	ASSERT_EQ(0, gvm_create(&v, true));
	EXPECT_EQ(0, dset(v.gic, 0x0, 2));
	EXPECT_EQ(0, dget(v.gic, 0x0, &v32));
	EXPECT_EQ(2U, v32 & 3);
	/* TYPER: read-only, 4 x 32 INTIDs. */
	EXPECT_EQ(0, dget(v.gic, 0x4, &v32));
	EXPECT_EQ((uint32_t)NR_IRQS / 32 - 1, v32 & 0x1f);
	EXPECT_EQ(0, dset(v.gic, 0x4, v32 + 1));
	EXPECT_EQ(0, dget(v.gic, 0x4, &v32));
	EXPECT_EQ((uint32_t)NR_IRQS / 32 - 1, v32 & 0x1f);

	EXPECT_EQ(0, dset(v.gic, 0x84, 0xf0f0f0f0));
	EXPECT_EQ(0, dget(v.gic, 0x84, &v32));
	EXPECT_EQ(0xf0f0f0f0U, v32);
	EXPECT_EQ(0, dset(v.gic, 0x84, 0x0f0f0f0f));
	EXPECT_EQ(0, dget(v.gic, 0x84, &v32));
	EXPECT_EQ(0x0f0f0f0fU, v32);
	/* The private INTIDs' words are the redistributors'. */
	EXPECT_EQ(0, dset(v.gic, 0x80, ~0U));
	EXPECT_EQ(0, dget(v.gic, 0x80, &v32));
	EXPECT_EQ(0U, v32);

	EXPECT_EQ(0, dset(v.gic, 0x104, 0x00ff00ff));
	EXPECT_EQ(0, dget(v.gic, 0x104, &v32));
	EXPECT_EQ(0x00ff00ffU, v32);
	EXPECT_EQ(0, dget(v.gic, 0x184, &v32));
	EXPECT_EQ(0x00ff00ffU, v32);
	EXPECT_EQ(0, dset(v.gic, 0x184, 0x000000f0));
	EXPECT_EQ(0, dget(v.gic, 0x104, &v32));
	EXPECT_EQ(0x00ff000fU, v32);

	/* Pending: ISPENDR sets exactly the latches; ICPENDR reads zero. */
	EXPECT_EQ(0, dset(v.gic, 0x208, 0x80000003));
	EXPECT_EQ(0, dget(v.gic, 0x208, &v32));
	EXPECT_EQ(0x80000003U, v32);
	EXPECT_EQ(0, dset(v.gic, 0x208, 0x2));
	EXPECT_EQ(0, dget(v.gic, 0x208, &v32));
	EXPECT_EQ(0x2U, v32);
	EXPECT_EQ(0, dget(v.gic, 0x288, &v32));
	EXPECT_EQ(0U, v32);
	EXPECT_EQ(0, dset(v.gic, 0x288, ~0U));
	EXPECT_EQ(0, dget(v.gic, 0x208, &v32));
	EXPECT_EQ(0x2U, v32);

	/* Active: set and clear. */
	EXPECT_EQ(0, dset(v.gic, 0x30c, 0x11));
	EXPECT_EQ(0, dget(v.gic, 0x30c, &v32));
	EXPECT_EQ(0x11U, v32);
	EXPECT_EQ(0, dget(v.gic, 0x38c, &v32));
	EXPECT_EQ(0x11U, v32);
	EXPECT_EQ(0, dset(v.gic, 0x38c, 0x1));
	EXPECT_EQ(0, dget(v.gic, 0x30c, &v32));
	EXPECT_EQ(0x10U, v32);

	/* Priorities: 5 bits kept. */
	EXPECT_EQ(0, dset(v.gic, 0x400 + SPI, 0xffa08017));
	EXPECT_EQ(0, dget(v.gic, 0x400 + SPI, &v32));
	EXPECT_EQ(0xf8a08010U, v32);

	/* Configuration: SPIs as written. */
	EXPECT_EQ(0, dset(v.gic, 0xc0c, 0x0000a00a));
	EXPECT_EQ(0, dget(v.gic, 0xc0c, &v32));
	EXPECT_EQ(0x0000a00aU, v32);

	/* IROUTER in halves: vCPU 1 (Aff0 1). */
	EXPECT_EQ(0, dset(v.gic, 0x6000 + 8 * SPI, 1));
	EXPECT_EQ(0, dset(v.gic, 0x6000 + 8 * SPI + 4, 0));
	EXPECT_EQ(0, dget(v.gic, 0x6000 + 8 * SPI, &v32));
	EXPECT_EQ(1U, v32);
	EXPECT_EQ(0, dget(v.gic, 0x6000 + 8 * SPI + 4, &v32));
	EXPECT_EQ(0U, v32);

	/* Identification registers: PIDR2 says GICv3. */
	EXPECT_EQ(0, dget(v.gic, 0xffe8, &v32));
	EXPECT_EQ(0x30U, v32 & 0xf0);
	gvm_destroy(&v);
}

/* Each vCPU's redistributor, by MPIDR: the SGI frame and RD_base's. */
TEST(redist_round_trip)
{
	uint32_t v32, mp;
	struct gvm v;

	ASSERT_EQ(0, gvm_create(&v, true));
	for (mp = 0; mp < 2; mp++) {
		/* GICR_TYPER: affinity, processor number, Last. */
		EXPECT_EQ(0, rget(v.gic, mp, 0x8, &v32));
		EXPECT_EQ(mp << 8 | (mp ? 1U << 4 : 0), v32 & 0xff10);
		EXPECT_EQ(0, rget(v.gic, mp, 0xc, &v32));
		EXPECT_EQ(mp, v32);
		EXPECT_EQ(0, rset(v.gic, mp, SGI_FRAME + 0x80, 0x12345678 + mp));
		EXPECT_EQ(0, rget(v.gic, mp, SGI_FRAME + 0x80, &v32));
		EXPECT_EQ(0x12345678U + mp, v32);
		EXPECT_EQ(0, rset(v.gic, mp, SGI_FRAME + 0x180, ~0U));
		EXPECT_EQ(0, rset(v.gic, mp, SGI_FRAME + 0x100, 0x00f00f01 << mp));
		EXPECT_EQ(0, rget(v.gic, mp, SGI_FRAME + 0x100, &v32));
		EXPECT_EQ(0x00f00f01U << mp, v32);
		EXPECT_EQ(0, rset(v.gic, mp, SGI_FRAME + 0x200, 0x00100008 << mp));
		EXPECT_EQ(0, rget(v.gic, mp, SGI_FRAME + 0x200, &v32));
		EXPECT_EQ(0x00100008U << mp, v32);
		EXPECT_EQ(0, rget(v.gic, mp, SGI_FRAME + 0x280, &v32));
		EXPECT_EQ(0U, v32);
		EXPECT_EQ(0, rset(v.gic, mp, SGI_FRAME + 0x300, 0x00200004 << mp));
		EXPECT_EQ(0, rget(v.gic, mp, SGI_FRAME + 0x380, &v32));
		EXPECT_EQ(0x00200004U << mp, v32);
		EXPECT_EQ(0, rset(v.gic, mp, SGI_FRAME + 0x400 + 20,
				  0x10203040 + 8 * mp));
		EXPECT_EQ(0, rget(v.gic, mp, SGI_FRAME + 0x400 + 20, &v32));
		EXPECT_EQ(0x10203040U + 8 * mp, v32);
	}
	/* vCPU 0's are not vCPU 1's. */
	EXPECT_EQ(0, rget(v.gic, 0, SGI_FRAME + 0x80, &v32));
	EXPECT_EQ(0x12345678U, v32);
	EXPECT_EQ(0, rget(v.gic, 0, SGI_FRAME + 0x200, &v32));
	EXPECT_EQ(0x00100008U, v32);
	gvm_destroy(&v);
}

/* The ICC_* registers of each vCPU, 64 bits, by encoding. */
TEST(cpu_sysregs_round_trip)
{
	uint64_t ctlr, v64;
	uint32_t mp;
	struct gvm v;

	ASSERT_EQ(0, gvm_create(&v, true));
	for (mp = 0; mp < 2; mp++) {
		EXPECT_EQ(0, sset(v.gic, mp, ICC_PMR, 0xe0 + 8 * mp));
		EXPECT_EQ(0, sset(v.gic, mp, ICC_BPR0, 3));
		EXPECT_EQ(0, sset(v.gic, mp, ICC_BPR1, 4 + mp));
		EXPECT_EQ(0, sset(v.gic, mp, ICC_IGRPEN0, mp));
		EXPECT_EQ(0, sset(v.gic, mp, ICC_IGRPEN1, !mp));
		EXPECT_EQ(0, sset(v.gic, mp, ICC_AP0R(0), 1U << (mp + 3)));
		EXPECT_EQ(0, sset(v.gic, mp, ICC_AP1R(0), 1U << (mp + 7)));
	}
	for (mp = 0; mp < 2; mp++) {
		EXPECT_EQ(0, sget(v.gic, mp, ICC_PMR, &v64));
		EXPECT_EQ(0xe0ULL + 8 * mp, v64);
		EXPECT_EQ(0, sget(v.gic, mp, ICC_BPR0, &v64));
		EXPECT_EQ(3ULL, v64);
		EXPECT_EQ(0, sget(v.gic, mp, ICC_BPR1, &v64));
		EXPECT_EQ(4ULL + mp, v64);
		EXPECT_EQ(0, sget(v.gic, mp, ICC_IGRPEN0, &v64));
		EXPECT_EQ((uint64_t)mp, v64);
		EXPECT_EQ(0, sget(v.gic, mp, ICC_IGRPEN1, &v64));
		EXPECT_EQ((uint64_t)!mp, v64);
		EXPECT_EQ(0, sget(v.gic, mp, ICC_AP0R(0), &v64));
		EXPECT_EQ(1ULL << (mp + 3), v64);
		EXPECT_EQ(0, sget(v.gic, mp, ICC_AP1R(0), &v64));
		EXPECT_EQ(1ULL << (mp + 7), v64);
	}
	/* ICC_CTLR_EL1: EOImode writable, the CPU's fields checked. */
	ASSERT_EQ(0, sget(v.gic, 0, ICC_CTLR, &ctlr));
	EXPECT_EQ(0, sset(v.gic, 0, ICC_CTLR, ctlr | 2));
	EXPECT_EQ(0, sget(v.gic, 0, ICC_CTLR, &v64));
	EXPECT_EQ(ctlr | 2, v64);
	EXPECT_EQ(0, sget(v.gic, 1, ICC_CTLR, &v64));
	EXPECT_EQ(ctlr, v64);
	EXPECT_EQ(-EINVAL, sset(v.gic, 0, ICC_CTLR, ctlr ^ 1U << 14));
	if (((ctlr >> 8) & 7) < 7)
		EXPECT_EQ(-EINVAL, sset(v.gic, 0, ICC_CTLR, ctlr + (1U << 8)));
	/* Five priority bits: one active-priority register per group. */
	if (((ctlr >> 8) & 7) == 4) {
		EXPECT_EQ(-EINVAL, sset(v.gic, 0, ICC_AP0R(1), 0));
		EXPECT_EQ(-EINVAL, sget(v.gic, 0, ICC_AP1R(3), &v64));
	}
	TH_LOG("ICC_CTLR_EL1 %#llx", (unsigned long long)ctlr);
	gvm_destroy(&v);
}

struct runner {
	struct vt_vm *t;
	volatile int done;
	int r;
};

static void on_usr1(int sig)
{
}

static void *run_thread(void *p)
{
	struct runner *r = p;

	r->r = vt_run(r->t);
	r->done = 1;
	return NULL;
}

/* A vCPU inside KVM_RUN: every state group is busy, as kvm.ko's. */
TEST(busy_while_running)
{
	struct runner r = { 0 };
	struct sigaction sa;
	uint32_t v32;
	uint64_t v64;
	struct gvm v;
	pthread_t th;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	ASSERT_EQ(0, gvm_create(&v, true));
	/* vCPU 1 waits in WFI for an interrupt that never comes. */
	ASSERT_EQ(0, va_set_reg(v.t1.vcpu, VA_REG_X(28), 1));
	r.t = &v.t1;
	ASSERT_EQ(0, pthread_create(&th, NULL, run_thread, &r));
	usleep(200000);
	EXPECT_EQ(0, r.done);
	EXPECT_EQ(-EBUSY, dget(v.gic, 0x0, &v32));
	EXPECT_EQ(-EBUSY, dset(v.gic, 0x104, 1));
	EXPECT_EQ(-EBUSY, rget(v.gic, 0, SGI_FRAME + 0x100, &v32));
	EXPECT_EQ(-EBUSY, sget(v.gic, 0, ICC_PMR, &v64));
	EXPECT_EQ(-EBUSY, sset(v.gic, 1, ICC_PMR, 0));
	/* The input lines too (LINE_LEVEL of INTIDs 32-63). */
	EXPECT_EQ(-EBUSY, attr(v.gic, KVM_GET_DEVICE_ATTR,
			       KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, rattr(0, 32),
			       &v32));
	for (i = 0; i < 500 && !r.done; i++) {
		pthread_kill(th, SIGUSR1);
		usleep(10000);
	}
	ASSERT_EQ(1, r.done);
	pthread_join(th, NULL);
	EXPECT_EQ(-EINTR, r.r);
	EXPECT_EQ(0, dget(v.gic, 0x0, &v32));
	gvm_destroy(&v);
}

/* KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION's value. */
#define RDREG(index, base, count) \
	((uint64_t)(index) | (base) | (uint64_t)(count) << 52)
#define R0	0x080a0000ULL
#define R1	0x09000000ULL

/* x21 a redistributor: its GICR_TYPER to MMIO + 0, then a spin. */
VA_GUEST(g_typer,
	"ldr x10, =0x10000000\n"
	"ldr x0, [x21, #8]\n"
	"str x0, [x10]\n"
	"b .\n");

static int region(int gic, unsigned long cmd, uint64_t *val)
{
	return attr(gic, cmd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		    KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION, val);
}

static int add_region(int gic, uint64_t val)
{
	return region(gic, KVM_SET_DEVICE_ATTR, &val);
}

/* Two vCPUs, the GIC with its distributor and NR_IRQS, no redistributor. */
static int rvm_create(struct gvm *v)
{
	uint64_t dist = DIST;
	uint32_t nr = NR_IRQS;

	v->gic = -1;
	if (va_vm_create(&v->t, 0x10000))
		return -1;
	memcpy(v->t.mem, g_typer_start, g_typer_end - g_typer_start);
	if (va_vcpu_add(&v->t, 1, 0, &v->t1) || va_vcpu_init(&v->t) ||
	    va_set_reg(v->t.vcpu, VA_REG_PC, VA_RAM_GPA))
		return -1;
	v->gic = create_gic(v->t.vm);
	if (v->gic < 0)
		return -1;
	return attr(v->gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
		    KVM_VGIC_V3_ADDR_TYPE_DIST, &dist) ?:
	       attr(v->gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_NR_IRQS,
		    0, &nr);
}

/*
 * Redistributor regions: in index order, none empty or overlapping, not
 * mixed with KVM_VGIC_V3_ADDR_TYPE_REDIST after them (after it: kept from
 * index 1 and unused, as kvm.ko); read back by index; a vCPU without a redistributor cannot run; each vCPU finds its
 * own where its region puts it, GICR_TYPER.Last on a region's last.
 */
TEST(redist_regions)
{
	uint64_t val;
	uint32_t v32;
	struct gvm v;

	ASSERT_EQ(0, rvm_create(&v));
	EXPECT_EQ(0, has(v.gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
			 KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION));
	val = 0;
	EXPECT_EQ(-ENOENT, region(v.gic, KVM_GET_DEVICE_ATTR, &val));
	EXPECT_EQ(-EINVAL, add_region(v.gic, RDREG(0, R0, 0)));
	EXPECT_EQ(-EINVAL, add_region(v.gic, RDREG(0, R0, 1) | 1U << 12));
	EXPECT_EQ(-EINVAL, add_region(v.gic, RDREG(1, R0, 1)));
	EXPECT_EQ(-EINVAL, add_region(v.gic, RDREG(0, DIST, 1)));
	EXPECT_EQ(-E2BIG, add_region(v.gic, RDREG(0, (1ULL << 40) - 0x10000,
						  1)));
	EXPECT_EQ(0, add_region(v.gic, RDREG(0, R0, 1)));
	EXPECT_EQ(-EINVAL, add_region(v.gic, RDREG(0, R1, 1)));
	EXPECT_EQ(-EINVAL, add_region(v.gic, RDREG(2, R1, 1)));
	EXPECT_EQ(-EINVAL, add_region(v.gic, RDREG(1, R0 + 0x10000, 1)));
	val = R1;
	EXPECT_EQ(-EINVAL, attr(v.gic, KVM_SET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_ADDR,
				KVM_VGIC_V3_ADDR_TYPE_REDIST, &val));
	ASSERT_EQ(0, gic_init(v.gic));
	EXPECT_EQ(0, add_region(v.gic, RDREG(1, R1, 1)));
	val = 1;
	EXPECT_EQ(0, region(v.gic, KVM_GET_DEVICE_ATTR, &val));
	EXPECT_EQ(RDREG(1, R1, 1), val);
	val = 0;
	EXPECT_EQ(0, region(v.gic, KVM_GET_DEVICE_ATTR, &val));
	EXPECT_EQ(RDREG(0, R0, 1), val);
	val = 2;
	EXPECT_EQ(-ENOENT, region(v.gic, KVM_GET_DEVICE_ATTR, &val));
	EXPECT_EQ(-EFAULT, attr(v.gic, KVM_GET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_ADDR,
				KVM_VGIC_V3_ADDR_TYPE_REDIST_REGION,
				(void *)8));
	/* The redistributors' base reads as the first region's. */
	val = 0;
	EXPECT_EQ(0, attr(v.gic, KVM_GET_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_ADDR,
			  KVM_VGIC_V3_ADDR_TYPE_REDIST, &val));
	EXPECT_EQ(R0, val);
	/* Each the last of its region, the regions apart. */
	EXPECT_EQ(0, rget(v.gic, 0, 0x8, &v32));
	EXPECT_EQ(0x10U, v32);
	EXPECT_EQ(0, rget(v.gic, 1, 0x8, &v32));
	EXPECT_EQ(0x110U, v32);
	ASSERT_EQ(0, va_set_reg(v.t.vcpu, VA_REG_X(21), R0));
	ASSERT_EQ(0, va_set_reg(v.t1.vcpu, VA_REG_X(21), R1));
	EXPECT_EQ(0x10ULL, va_store(&v.t, 0));
	EXPECT_EQ(1ULL << 32 | 0x110, va_store(&v.t1, 0));
	gvm_destroy(&v);

	/* Adjacent regions: only the second's redistributor is the last. */
	ASSERT_EQ(0, rvm_create(&v));
	EXPECT_EQ(0, add_region(v.gic, RDREG(0, R0, 1)));
	EXPECT_EQ(0, add_region(v.gic, RDREG(1, R0 + 0x20000, 4)));
	/* One that ends where the 40-bit IPA space does. */
	EXPECT_EQ(0, add_region(v.gic, RDREG(2, (1ULL << 40) - 0x20000, 1)));
	ASSERT_EQ(0, gic_init(v.gic));
	EXPECT_EQ(0, rget(v.gic, 0, 0x8, &v32));
	EXPECT_EQ(0U, v32);
	EXPECT_EQ(0, rget(v.gic, 1, 0x8, &v32));
	EXPECT_EQ(0x110U, v32);
	ASSERT_EQ(0, va_set_reg(v.t1.vcpu, VA_REG_X(21), R0 + 0x20000));
	EXPECT_EQ(1ULL << 32 | 0x110, va_store(&v.t1, 0));
	gvm_destroy(&v);

	/*
	 * Regions after the one REDIST: taken in index order from 1, read
	 * back, and unused (every vCPU's is in REDIST's).
	 */
	ASSERT_EQ(0, rvm_create(&v));
	val = R0;
	ASSERT_EQ(0, attr(v.gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
			  KVM_VGIC_V3_ADDR_TYPE_REDIST, &val));
	EXPECT_EQ(-EINVAL, add_region(v.gic, RDREG(0, R1, 1)));
	EXPECT_EQ(-EINVAL, add_region(v.gic, RDREG(2, R1, 1)));
	EXPECT_EQ(-EINVAL, add_region(v.gic, RDREG(1, R0 + 0x20000, 1)));
	EXPECT_EQ(0, add_region(v.gic, RDREG(1, R1, 1)));
	EXPECT_EQ(0, add_region(v.gic, RDREG(2, R1 + 0x20000, 2)));
	EXPECT_EQ(-EINVAL, attr(v.gic, KVM_SET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_ADDR,
				KVM_VGIC_V3_ADDR_TYPE_REDIST, &val));
	val = 1;
	EXPECT_EQ(0, region(v.gic, KVM_GET_DEVICE_ATTR, &val));
	EXPECT_EQ(RDREG(1, R1, 1), val);
	val = 0;
	EXPECT_EQ(0, region(v.gic, KVM_GET_DEVICE_ATTR, &val));
	EXPECT_EQ(R0, val);
	val = 0;
	EXPECT_EQ(0, attr(v.gic, KVM_GET_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_ADDR,
			  KVM_VGIC_V3_ADDR_TYPE_REDIST, &val));
	EXPECT_EQ(R0, val);
	ASSERT_EQ(0, gic_init(v.gic));
	EXPECT_EQ(0, rget(v.gic, 1, 0x8, &v32));
	EXPECT_EQ(0x110U, v32);
	ASSERT_EQ(0, va_set_reg(v.t1.vcpu, VA_REG_X(21), R0 + 0x20000));
	EXPECT_EQ(1ULL << 32 | 0x110, va_store(&v.t1, 0));
	gvm_destroy(&v);

	/* One redistributor for two vCPUs: no vCPU runs (kvm.ko: the VM). */
	ASSERT_EQ(0, rvm_create(&v));
	EXPECT_EQ(0, add_region(v.gic, RDREG(0, R0, 1)));
	ASSERT_EQ(0, gic_init(v.gic));
	EXPECT_EQ(-ENXIO, vt_run(&v.t));
	gvm_destroy(&v);
}

/* What a VMM saves: the registers it reads back, by range. */
#define D_WORDS		(0x1000 / 4)
#define R_WORDS		(0x100 / 4)
#define S_WORDS		(0x1000 / 4)
#define I_WORDS		(2 * NR_IRQS)
static const uint32_t icc_regs[] = {
	ICC_PMR, ICC_BPR0, ICC_BPR1, ICC_CTLR, ICC_SRE, ICC_IGRPEN0,
	ICC_IGRPEN1, ICC_AP0R(0), ICC_AP1R(0),
};
#define NR_ICC	(sizeof(icc_regs) / sizeof(icc_regs[0]))

struct gic_state {
	uint32_t dist[D_WORDS];
	uint32_t irouter[I_WORDS];
	uint32_t idregs[12];
	uint32_t rd[2][R_WORDS];
	uint32_t sgi[2][S_WORDS];
	uint64_t icc[2][NR_ICC];
};

static int gic_save(int gic, struct gic_state *s)
{
	uint32_t i, mp;
	int r = 0;

	for (i = 0; i < D_WORDS && !r; i++)
		r = dget(gic, 4 * i, &s->dist[i]);
	for (i = 0; i < I_WORDS && !r; i++)
		r = dget(gic, 0x6000 + 4 * i, &s->irouter[i]);
	for (i = 0; i < 12 && !r; i++)
		r = dget(gic, 0xffd0 + 4 * i, &s->idregs[i]);
	for (mp = 0; mp < 2; mp++) {
		for (i = 0; i < R_WORDS && !r; i++)
			r = rget(gic, mp, 4 * i, &s->rd[mp][i]);
		for (i = 0; i < S_WORDS && !r; i++)
			r = rget(gic, mp, SGI_FRAME + 4 * i, &s->sgi[mp][i]);
		for (i = 0; i < NR_ICC && !r; i++)
			r = sget(gic, mp, icc_regs[i], &s->icc[mp][i]);
	}
	return r;
}

/*
 * The restore a VMM does (QEMU's order): the distributor's enable first
 * (kvm.ko queues a restored pending interrupt only while it is on), the
 * configuration, then enables, pending and active state through the set
 * registers after clearing, the CPU interfaces.
 */
static int gic_restore(int gic, const struct gic_state *s)
{
	uint32_t i, mp;
	int r;

	r = dset(gic, 0x0, s->dist[0]);
	for (i = 1; i < NR_IRQS / 32 && !r; i++)
		r = dset(gic, 0x80 + 4 * i, s->dist[(0x80 + 4 * i) / 4]) ?:
		    dset(gic, 0x180 + 4 * i, ~0U) ?:
		    dset(gic, 0x100 + 4 * i, s->dist[(0x100 + 4 * i) / 4]) ?:
		    dset(gic, 0x200 + 4 * i, s->dist[(0x200 + 4 * i) / 4]) ?:
		    dset(gic, 0x380 + 4 * i, ~0U) ?:
		    dset(gic, 0x300 + 4 * i, s->dist[(0x300 + 4 * i) / 4]);
	for (i = 32 / 4; i < NR_IRQS / 4 && !r; i++)
		r = dset(gic, 0x400 + 4 * i, s->dist[(0x400 + 4 * i) / 4]);
	for (i = 2; i < NR_IRQS / 16 && !r; i++)
		r = dset(gic, 0xc00 + 4 * i, s->dist[(0xc00 + 4 * i) / 4]);
	for (i = 2 * 32; i < I_WORDS && !r; i++)
		r = dset(gic, 0x6000 + 4 * i, s->irouter[i]);
	for (mp = 0; mp < 2 && !r; mp++) {
		const uint32_t *g = s->sgi[mp];

		r = rset(gic, mp, 0x14, s->rd[mp][0x14 / 4]) ?:
		    rset(gic, mp, SGI_FRAME + 0x80, g[0x80 / 4]) ?:
		    rset(gic, mp, SGI_FRAME + 0xc04, g[0xc04 / 4]);
		for (i = 0; i < 8 && !r; i++)
			r = rset(gic, mp, SGI_FRAME + 0x400 + 4 * i,
				 g[0x400 / 4 + i]);
		r = r ?: rset(gic, mp, SGI_FRAME + 0x180, ~0U) ?:
			 rset(gic, mp, SGI_FRAME + 0x100, g[0x100 / 4]) ?:
			 rset(gic, mp, SGI_FRAME + 0x200, g[0x200 / 4]) ?:
			 rset(gic, mp, SGI_FRAME + 0x380, ~0U) ?:
			 rset(gic, mp, SGI_FRAME + 0x300, g[0x300 / 4]);
		for (i = 0; i < NR_ICC && !r; i++)
			r = sset(gic, mp, icc_regs[i], s->icc[mp][i]);
	}
	return r;
}

static void expect_same(struct __test_metadata *_metadata,
			const struct gic_state *a, const struct gic_state *b)
{
	uint32_t i, mp;

	for (i = 0; i < D_WORDS; i++)
		EXPECT_EQ(a->dist[i], b->dist[i]) TH_LOG("GICD + %#x", 4 * i);
	for (i = 0; i < I_WORDS; i++)
		EXPECT_EQ(a->irouter[i], b->irouter[i])
			TH_LOG("GICD + %#x", 0x6000 + 4 * i);
	for (i = 0; i < 12; i++)
		EXPECT_EQ(a->idregs[i], b->idregs[i])
			TH_LOG("GICD + %#x", 0xffd0 + 4 * i);
	for (mp = 0; mp < 2; mp++) {
		for (i = 0; i < R_WORDS; i++)
			EXPECT_EQ(a->rd[mp][i], b->rd[mp][i])
				TH_LOG("GICR%u + %#x", mp, 4 * i);
		for (i = 0; i < S_WORDS; i++)
			EXPECT_EQ(a->sgi[mp][i], b->sgi[mp][i])
				TH_LOG("GICR%u + %#x", mp, SGI_FRAME + 4 * i);
		for (i = 0; i < NR_ICC; i++)
			EXPECT_EQ(a->icc[mp][i], b->icc[mp][i])
				TH_LOG("vCPU %u ICC %#x", mp, icc_regs[i]);
	}
}

/*
 * The guest programs its GIC, an edge on the SPI comes while it has
 * interrupts masked, the whole GIC is saved and restored into a fresh
 * VM: the state reads the same there, and that guest, which programs
 * nothing, takes the SPI once.
 */
TEST(save_restore_pending_spi)
{
	static struct gic_state a, b;
	struct gvm v, w;
	uint32_t v32;
	long t0;

	ASSERT_EQ(0, gvm_create(&v, true));
	EXPECT_EQ((uint64_t)SPI, va_store(&v.t, 0));
	ASSERT_EQ(0, irq_line(v.t.vm, SPI, 1));
	ASSERT_EQ(0, irq_line(v.t.vm, SPI, 0));
	/* Some state of every kind besides, on both vCPUs. */
	ASSERT_EQ(0, dset(v.gic, 0x400 + 64, 0x0000a800));
	ASSERT_EQ(0, dset(v.gic, 0x6000 + 8 * 66, 1));
	ASSERT_EQ(0, dset(v.gic, 0x308, 1U << (70 - 64)));
	ASSERT_EQ(0, rset(v.gic, 1, SGI_FRAME + 0x200, 1U << 5));
	ASSERT_EQ(0, rset(v.gic, 1, SGI_FRAME + 0x100, 1U << 20));
	ASSERT_EQ(0, sset(v.gic, 1, ICC_PMR, 0x60));
	t0 = va_now_ms();
	ASSERT_EQ(0, gic_save(v.gic, &a));
	TH_LOG("saved in %ld ms", va_now_ms() - t0);
	/* The SPI is pending (its latch) and enabled, in group 1. */
	EXPECT_EQ(1U << (SPI - 32), a.dist[(0x204) / 4]);
	EXPECT_EQ(1U << (SPI - 32), a.dist[(0x104) / 4]);
	EXPECT_EQ(0xf0ULL, a.icc[0][0]);

	ASSERT_EQ(0, gvm_create(&w, true));
	ASSERT_EQ(0, gic_restore(w.gic, &a));
	ASSERT_EQ(0, gic_save(w.gic, &b));
	expect_same(_metadata, &a, &b);
	ASSERT_EQ(0, va_set_reg(w.t.vcpu, VA_REG_X(28), 1));
	va_alarm(2000);
	EXPECT_EQ((uint64_t)SPI, va_store(&w.t, 8));
	va_alarm(0);
	expect_quiet(_metadata, &w.t);
	/* Taken: no longer pending. */
	EXPECT_EQ(0, dget(w.gic, 0x204, &v32));
	EXPECT_EQ(0U, v32);
	gvm_destroy(&w);
	gvm_destroy(&v);
}

TEST_HARNESS_MAIN
