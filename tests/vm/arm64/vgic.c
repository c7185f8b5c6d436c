// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel GICv3 (KVM_DEV_TYPE_ARM_VGIC_V3): the device's attributes
 * and their errnos, KVM_IRQ_LINE's, then guests that program the
 * distributor and redistributor and take interrupts through their CPU
 * interface: an SPI from KVM_IRQ_LINE (and not one the guest left
 * disabled), a PPI, an SPI from an irqfd, an SGI from another vCPU, and
 * the virtual timer's PPI waking a WFI or reaching a spinning guest, a
 * group 0 SPI as a FIQ under EnableGrp1 alone; the input lines saved and
 * restored through LEVEL_INFO.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

#define DIST	0x08000000ULL
#define REDIST	0x080a0000ULL
#define NR_IRQS	128

/*
 * x20 distributor, x21 this vCPU's redistributor, x22 the INTID to
 * enable (group 1, priority 0x80), x23 a value for ICC_SGI1R_EL1 (0:
 * none), x24 non-zero: the SPI edge-triggered, x27 non-zero: the SPI
 * level-sensitive (kvm.ko's SPIs start edge-triggered, vireo.ko's
 * level-sensitive; without either, the default), x25 non-zero: the timer
 * armed that many ticks ahead.  Then "ready" (x22) to MMIO + 0 and WFI in
 * a loop (x26 non-zero: a spin); each interrupt's INTID goes to MMIO + 8
 * before its EOI (the timer's masked first).
 */
VA_GUEST(g_irq,
	"ldr x10, =0x10000000\n"
	"adr x0, 9f\n"
	"msr vbar_el1, x0\n"
	"mov w0, #2\n"				/* GICD_CTLR.EnableGrp1 */
	"str w0, [x20]\n"
	"lsr x1, x22, #5\n"			/* the INTID's word */
	"and x2, x22, #31\n"
	"mov w3, #1\n"
	"lsl w3, w3, w2\n"			/* and bit */
	"cmp x22, #32\n"
	"b.lo 1f\n"
	"add x4, x20, #0x80\n"			/* SPI: GICD_IGROUPR<n> */
	"ldr w5, [x4, x1, lsl #2]\n"
	"orr w5, w5, w3\n"
	"str w5, [x4, x1, lsl #2]\n"
	"add x4, x20, #0x400\n"			/* GICD_IPRIORITYR */
	"mov w5, #0x80\n"
	"strb w5, [x4, x22]\n"
	"cbz x24, 2f\n"
	"lsr x6, x22, #4\n"			/* GICD_ICFGR<n>: edge */
	"and x7, x22, #15\n"
	"lsl x7, x7, #1\n"
	"add x7, x7, #1\n"
	"mov w8, #1\n"
	"lsl w8, w8, w7\n"
	"add x4, x20, #0xc00\n"
	"ldr w5, [x4, x6, lsl #2]\n"
	"orr w5, w5, w8\n"
	"str w5, [x4, x6, lsl #2]\n"
	"2: cbz x27, 12f\n"
	"lsr x6, x22, #4\n"			/* GICD_ICFGR<n>: level */
	"and x7, x22, #15\n"
	"lsl x7, x7, #1\n"
	"add x7, x7, #1\n"
	"mov w8, #1\n"
	"lsl w8, w8, w7\n"
	"add x4, x20, #0xc00\n"
	"ldr w5, [x4, x6, lsl #2]\n"
	"bic w5, w5, w8\n"
	"str w5, [x4, x6, lsl #2]\n"
	"12: add x4, x20, #0x100\n"		/* GICD_ISENABLER<n> */
	"str w3, [x4, x1, lsl #2]\n"
	"b 3f\n"
	"1: add x4, x21, #0x10000\n"		/* SGI/PPI: the SGI frame */
	"ldr w5, [x4, #0x80]\n"			/* GICR_IGROUPR0 */
	"orr w5, w5, w3\n"
	"str w5, [x4, #0x80]\n"
	"add x6, x4, #0x400\n"			/* GICR_IPRIORITYR */
	"mov w5, #0x80\n"
	"strb w5, [x6, x22]\n"
	"str w3, [x4, #0x100]\n"		/* GICR_ISENABLER0 */
	"3: mov x0, #0xff\n"
	"msr s3_0_c4_c6_0, x0\n"		/* ICC_PMR_EL1 */
	"mov x0, #1\n"
	"msr s3_0_c12_c12_7, x0\n"		/* ICC_IGRPEN1_EL1 */
	"isb\n"
	"cbz x25, 4f\n"
	"mrs x0, cntvct_el0\n"
	"add x0, x0, x25\n"
	"msr cntv_cval_el0, x0\n"
	"mov x0, #1\n"
	"msr cntv_ctl_el0, x0\n"
	"isb\n"
	"4: str x22, [x10]\n"
	"cbz x23, 5f\n"
	"msr s3_0_c12_c11_5, x23\n"		/* ICC_SGI1R_EL1 */
	"isb\n"
	"str x23, [x10, #16]\n"
	"5: msr daifclr, #2\n"
	"cbnz x26, 8f\n"
	"6: wfi\n"
	"b 6b\n"
	"8: b 8b\n"				/* or spin, never exiting */
	".skip 0x800 - (. - g_irq_start)\n"
	"9: b .\n"				/* the vectors */
	".skip 0x280 - (. - 9b)\n"
	"mrs x0, s3_0_c12_c12_0\n"		/* IRQ: ICC_IAR1_EL1 */
	"cmp x0, #27\n"
	"b.ne 7f\n"
	"mov x1, #3\n"				/* the timer: masked */
	"msr cntv_ctl_el0, x1\n"
	"isb\n"
	"7: str x0, [x10, #8]\n"
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

static int create_gic(int vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };

	return ioctl(vm, KVM_CREATE_DEVICE, &cd) ? -errno : (int)cd.fd;
}

/* The GIC with its addresses and NR_IRQS, not initialised. */
static int setup_gic(int vm)
{
	uint64_t dist = DIST, redist = REDIST;
	uint32_t nr = NR_IRQS;
	int gic = create_gic(vm);

	if (gic < 0)
		return gic;
	if (attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
		 KVM_VGIC_V3_ADDR_TYPE_DIST, &dist) ||
	    attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
		 KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist) ||
	    attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0,
		 &nr)) {
		close(gic);
		return -1;
	}
	return gic;
}

static int gic_init(int gic)
{
	return attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL,
		    KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

static int irq_line(int vm, uint32_t type, uint32_t vcpu, uint32_t num,
		    int level)
{
	struct kvm_irq_level l = {
		.irq = type << KVM_ARM_IRQ_TYPE_SHIFT |
		       vcpu << KVM_ARM_IRQ_VCPU_SHIFT | num,
		.level = level,
	};

	return ioctl(vm, KVM_IRQ_LINE, &l) ? -errno : 0;
}

TEST(device_attributes)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3,
					.flags = KVM_CREATE_DEVICE_TEST };
	uint64_t a = DIST;
	uint32_t nr;
	struct vt_vm t;
	int gic;

	ASSERT_EQ(0, va_vm_create(&t, 0x10000));
	EXPECT_EQ(1, ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_DEVICE_CTRL));
	EXPECT_EQ(0, ioctl(t.vm, KVM_CREATE_DEVICE, &cd));
	cd.type = KVM_DEV_TYPE_ARM_VGIC_ITS + 100;
	EXPECT_EQ(-1, ioctl(t.vm, KVM_CREATE_DEVICE, &cd));
	EXPECT_EQ(ENODEV, errno);
	/* No GIC yet: an SPI has nowhere to go. */
	EXPECT_EQ(-ENXIO, irq_line(t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 1));
	gic = create_gic(t.vm);
	ASSERT_GE(gic, 0);
	EXPECT_EQ(-EEXIST, create_gic(t.vm));
	/* Addresses: unset reads as all ones, 64 KiB aligned, set once. */
	EXPECT_EQ(0, attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
			  KVM_VGIC_V3_ADDR_TYPE_DIST, &a));
	EXPECT_EQ(~0ULL, a);
	a = DIST + 0x1000;
	EXPECT_EQ(-EINVAL, attr(gic, KVM_SET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_ADDR,
				KVM_VGIC_V3_ADDR_TYPE_DIST, &a));
	a = 1ULL << 52;
	EXPECT_EQ(-E2BIG, attr(gic, KVM_SET_DEVICE_ATTR,
			       KVM_DEV_ARM_VGIC_GRP_ADDR,
			       KVM_VGIC_V3_ADDR_TYPE_DIST, &a));
	a = DIST;
	EXPECT_EQ(0, attr(gic, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
			  KVM_VGIC_V3_ADDR_TYPE_DIST, &a));
	EXPECT_EQ(-EEXIST, attr(gic, KVM_SET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_ADDR,
				KVM_VGIC_V3_ADDR_TYPE_DIST, &a));
	a = 0;
	EXPECT_EQ(0, attr(gic, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
			  KVM_VGIC_V3_ADDR_TYPE_DIST, &a));
	EXPECT_EQ(DIST, a);
	EXPECT_EQ(-ENXIO, attr(gic, KVM_SET_DEVICE_ATTR,
			       KVM_DEV_ARM_VGIC_GRP_ADDR, 77, &a));
	EXPECT_EQ(0, attr(gic, KVM_HAS_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
			  KVM_VGIC_V3_ADDR_TYPE_REDIST, NULL));
	EXPECT_EQ(-ENXIO, attr(gic, KVM_HAS_DEVICE_ATTR, 1000, 0, NULL));
	/* NR_IRQS: 64 to 1023, a multiple of 32, once. */
	nr = 48;
	EXPECT_EQ(-EINVAL, attr(gic, KVM_SET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr));
	nr = 100;
	EXPECT_EQ(-EINVAL, attr(gic, KVM_SET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr));
	nr = 1024;
	EXPECT_EQ(-EINVAL, attr(gic, KVM_SET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr));
	nr = NR_IRQS;
	EXPECT_EQ(0, attr(gic, KVM_SET_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr));
	EXPECT_EQ(-EBUSY, attr(gic, KVM_SET_DEVICE_ATTR,
			       KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr));
	nr = 0;
	EXPECT_EQ(0, attr(gic, KVM_GET_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr));
	EXPECT_EQ((uint32_t)NR_IRQS, nr);
	/* Before INIT, injection is refused. */
	EXPECT_EQ(-EBUSY, irq_line(t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 1));
	EXPECT_EQ(-ENXIO, attr(gic, KVM_SET_DEVICE_ATTR,
			       KVM_DEV_ARM_VGIC_GRP_CTRL, 1000, NULL));
	EXPECT_EQ(0, gic_init(gic));
	EXPECT_EQ(0, gic_init(gic));
	/* No more vCPUs once the GIC has its redistributors. */
	EXPECT_EQ(-1, ioctl(t.vm, KVM_CREATE_VCPU, 1));
	EXPECT_EQ(EBUSY, errno);
	/* KVM_IRQ_LINE's checks. */
	EXPECT_EQ(0, irq_line(t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 1));
	EXPECT_EQ(-EINVAL, irq_line(t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 20, 1));
	EXPECT_EQ(-EINVAL, irq_line(t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, NR_IRQS, 1));
	EXPECT_EQ(0, irq_line(t.vm, KVM_ARM_IRQ_TYPE_PPI, 0, 20, 1));
	EXPECT_EQ(-EINVAL, irq_line(t.vm, KVM_ARM_IRQ_TYPE_PPI, 0, 5, 1));
	EXPECT_EQ(-EINVAL, irq_line(t.vm, KVM_ARM_IRQ_TYPE_PPI, 1, 20, 1));
	EXPECT_EQ(-ENXIO, irq_line(t.vm, KVM_ARM_IRQ_TYPE_CPU, 0, 0, 1));
	EXPECT_EQ(-EINVAL, irq_line(t.vm, 7, 0, 40, 1));
	close(gic);
	vt_vm_destroy(&t);
}

/*
 * KVM_RUN checks what the GIC still lacks: its addresses (kvm.ko then
 * fails the VM as a whole), then its INIT.
 */
TEST(run_needs_gic_addresses)
{
	struct vt_vm t;
	int gic;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_irq_start, g_irq_end));
	gic = create_gic(t.vm);
	ASSERT_GE(gic, 0);
	EXPECT_EQ(-ENXIO, vt_run(&t));
	close(gic);
	vt_vm_destroy(&t);
}

TEST(run_needs_gic_init)
{
	struct vt_vm t;
	int gic;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_irq_start, g_irq_end));
	gic = setup_gic(t.vm);
	ASSERT_GE(gic, 0);
	EXPECT_EQ(-EBUSY, vt_run(&t));
	close(gic);
	vt_vm_destroy(&t);
}

/* A vCPU has run: too late for a GIC. */
TEST(gic_after_run)
{
	struct vt_vm t;

	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_irq_start, g_irq_end));
	t.run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, vt_run(&t));
	EXPECT_EQ(-EBUSY, create_gic(t.vm));
	vt_vm_destroy(&t);
}

struct irq_vm {
	struct vt_vm t;
	int gic;
};

/* One vCPU, the GIC, the guest with its INTID and options. */
static int irq_vm(struct irq_vm *v, uint64_t intid, uint64_t edge,
		  uint64_t timer)
{
	struct vt_vm *t = &v->t;
	int r = va_vm_create(t, 0x10000);

	if (r)
		return r;
	memcpy(t->mem, g_irq_start, g_irq_end - g_irq_start);
	v->gic = setup_gic(t->vm);
	if (v->gic < 0 || va_vcpu_init(t) || gic_init(v->gic) ||
	    va_set_reg(t->vcpu, VA_REG_PC, VA_RAM_GPA) ||
	    va_set_reg(t->vcpu, VA_REG_X(20), DIST) ||
	    va_set_reg(t->vcpu, VA_REG_X(21), REDIST) ||
	    va_set_reg(t->vcpu, VA_REG_X(22), intid) ||
	    va_set_reg(t->vcpu, VA_REG_X(24), edge) ||
	    va_set_reg(t->vcpu, VA_REG_X(25), timer))
		return -1;
	return 0;
}

static void irq_vm_destroy(struct irq_vm *v)
{
	if (v->gic >= 0)
		close(v->gic);
	vt_vm_destroy(&v->t);
}

/* Nothing more comes: the vCPU waits in WFI until a signal. */
static void expect_quiet(struct __test_metadata *_metadata, struct vt_vm *t)
{
	va_alarm(300);
	EXPECT_EQ(-EINTR, vt_run(t));
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t->run->exit_reason)
		TH_LOG("exit %s, at %#llx", vt_exit_name(t->run->exit_reason),
		       (unsigned long long)t->run->mmio.phys_addr);
}

TEST(spi_from_irq_line)
{
	struct irq_vm v;

	ASSERT_EQ(0, irq_vm(&v, 40, 0, 0));
	EXPECT_EQ(40ULL, va_store(&v.t, 0));
	expect_quiet(_metadata, &v.t);
	ASSERT_EQ(0, irq_line(v.t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 1));
	EXPECT_EQ(40ULL, va_store(&v.t, 8));
	/* Lowered before the guest's EOI: taken once. */
	ASSERT_EQ(0, irq_line(v.t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 0));
	expect_quiet(_metadata, &v.t);
	/* Another SPI, not enabled in the distributor: not taken. */
	ASSERT_EQ(0, irq_line(v.t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 41, 1));
	expect_quiet(_metadata, &v.t);
	/* The enabled one, raised again, is taken again. */
	ASSERT_EQ(0, irq_line(v.t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 1));
	EXPECT_EQ(40ULL, va_store(&v.t, 8));
	ASSERT_EQ(0, irq_line(v.t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 0));
	expect_quiet(_metadata, &v.t);
	irq_vm_destroy(&v);
}

/*
 * x20 the distributor, x22 an SPI: put in group 0 (priority 0x80,
 * enabled) with GICD_CTLR's EnableGrp1 alone and the CPU interface's
 * group 0 enable; "ready" (x22) to MMIO + 0, then WFI with IRQs and FIQs
 * unmasked.  A group 0 interrupt is a virtual FIQ: its INTID to MMIO + 8
 * before its EOI; an IRQ's to MMIO + 16.
 */
VA_GUEST(g_grp0,
	"ldr x10, =0x10000000\n"
	"adr x0, 9f\n"
	"msr vbar_el1, x0\n"
	"mov w0, #2\n"				/* GICD_CTLR.EnableGrp1 */
	"str w0, [x20]\n"
	"lsr x1, x22, #5\n"
	"and x2, x22, #31\n"
	"mov w3, #1\n"
	"lsl w3, w3, w2\n"
	"add x4, x20, #0x80\n"			/* GICD_IGROUPR<n>: group 0 */
	"ldr w5, [x4, x1, lsl #2]\n"
	"bic w5, w5, w3\n"
	"str w5, [x4, x1, lsl #2]\n"
	"add x4, x20, #0x400\n"			/* GICD_IPRIORITYR */
	"mov w5, #0x80\n"
	"strb w5, [x4, x22]\n"
	"add x4, x20, #0x100\n"			/* GICD_ISENABLER<n> */
	"str w3, [x4, x1, lsl #2]\n"
	"mov x0, #0xff\n"
	"msr s3_0_c4_c6_0, x0\n"		/* ICC_PMR_EL1 */
	"mov x0, #1\n"
	"msr s3_0_c12_c12_6, x0\n"		/* ICC_IGRPEN0_EL1 */
	"isb\n"
	"str x22, [x10]\n"
	"msr daifclr, #3\n"
	"1: wfi\n"
	"b 1b\n"
	".skip 0x800 - (. - g_grp0_start)\n"
	"9: b .\n"				/* the vectors */
	".skip 0x280 - (. - 9b)\n"
	"mrs x0, s3_0_c12_c12_0\n"		/* IRQ: ICC_IAR1_EL1 */
	"str x0, [x10, #16]\n"
	"msr s3_0_c12_c12_1, x0\n"		/* ICC_EOIR1_EL1 */
	"isb\n"
	"eret\n"
	".skip 0x300 - (. - 9b)\n"
	"mrs x0, s3_0_c12_c8_0\n"		/* FIQ: ICC_IAR0_EL1 */
	"str x0, [x10, #8]\n"
	"msr s3_0_c12_c8_1, x0\n"		/* ICC_EOIR0_EL1 */
	"isb\n"
	"eret\n");

/*
 * kvm.ko's distributor has one enable, GICD_CTLR.EnableGrp1, and it
 * forwards group 0 interrupts too: the guest takes a group 0 SPI as a
 * FIQ with EnableGrp0 (which reads as zero) never set.
 */
TEST(spi_group0_under_enable_grp1)
{
	struct vt_vm t;
	int gic;

	ASSERT_EQ(0, va_vm_create(&t, 0x10000));
	memcpy(t.mem, g_grp0_start, g_grp0_end - g_grp0_start);
	gic = setup_gic(t.vm);
	ASSERT_GE(gic, 0);
	ASSERT_EQ(0, va_vcpu_init(&t));
	ASSERT_EQ(0, gic_init(gic));
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_PC, VA_RAM_GPA));
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(20), DIST));
	ASSERT_EQ(0, va_set_reg(t.vcpu, VA_REG_X(22), 40));
	EXPECT_EQ(40ULL, va_store(&t, 0));
	ASSERT_EQ(0, irq_line(t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 1));
	va_alarm(2000);
	EXPECT_EQ(40ULL, va_store(&t, 8));
	va_alarm(0);
	ASSERT_EQ(0, irq_line(t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 0));
	expect_quiet(_metadata, &t);
	close(gic);
	vt_vm_destroy(&t);
}

/* KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO's attribute: vCPU @mpidr, @intid. */
#define LEVEL_INFO(mpidr, info, intid) \
	((uint64_t)(mpidr) << KVM_DEV_ARM_VGIC_V3_MPIDR_SHIFT | \
	 (uint64_t)(info) << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT | (intid))

/*
 * KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO, which a VMM saves and restores the
 * input lines with: it reads what KVM_IRQ_LINE drove, a line it raises is
 * taken by the guest, and kvm.ko's errnos (EBUSY before INIT, EINVAL for
 * no such vCPU, another kind or an unaligned INTID, EFAULT).
 */
TEST(level_info)
{
	uint32_t val = 0;
	struct irq_vm v;
	struct vt_vm t;
	int gic;

	/* Before INIT: busy, once the vCPU is known. */
	ASSERT_EQ(0, va_vm_create(&t, 0x10000));
	gic = setup_gic(t.vm);
	ASSERT_GE(gic, 0);
	EXPECT_EQ(0, attr(gic, KVM_HAS_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
			  LEVEL_INFO(0, VGIC_LEVEL_INFO_LINE_LEVEL, 32), NULL));
	EXPECT_EQ(-ENXIO, attr(gic, KVM_HAS_DEVICE_ATTR,
			       KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
			       LEVEL_INFO(0, 1, 32), NULL));
	EXPECT_EQ(-EBUSY, attr(gic, KVM_GET_DEVICE_ATTR,
			       KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
			       LEVEL_INFO(0, VGIC_LEVEL_INFO_LINE_LEVEL, 32),
			       &val));
	EXPECT_EQ(-EINVAL, attr(gic, KVM_GET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
				LEVEL_INFO(1, VGIC_LEVEL_INFO_LINE_LEVEL, 32),
				&val));
	close(gic);
	vt_vm_destroy(&t);

	ASSERT_EQ(0, irq_vm(&v, 40, 0, 0));
	/* SPI 40 level-sensitive, whatever the GIC's default. */
	ASSERT_EQ(0, va_set_reg(v.t.vcpu, VA_REG_X(27), 1));
	EXPECT_EQ(40ULL, va_store(&v.t, 0));
	EXPECT_EQ(0, attr(v.gic, KVM_GET_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
			  LEVEL_INFO(0, VGIC_LEVEL_INFO_LINE_LEVEL, 32), &val));
	EXPECT_EQ(0U, val);
	/* KVM_IRQ_LINE's level (SPI 40: bit 8). */
	ASSERT_EQ(0, irq_line(v.t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 1));
	EXPECT_EQ(0, attr(v.gic, KVM_GET_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
			  LEVEL_INFO(0, VGIC_LEVEL_INFO_LINE_LEVEL, 32), &val));
	EXPECT_EQ(1U << 8, val);
	EXPECT_EQ(40ULL, va_store(&v.t, 8));
	ASSERT_EQ(0, irq_line(v.t.vm, KVM_ARM_IRQ_TYPE_SPI, 0, 40, 0));
	EXPECT_EQ(0, attr(v.gic, KVM_GET_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
			  LEVEL_INFO(0, VGIC_LEVEL_INFO_LINE_LEVEL, 32), &val));
	EXPECT_EQ(0U, val);
	expect_quiet(_metadata, &v.t);
	/* Raised through the attribute: the guest takes SPI 40. */
	val = 1U << 8;
	EXPECT_EQ(0, attr(v.gic, KVM_SET_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
			  LEVEL_INFO(0, VGIC_LEVEL_INFO_LINE_LEVEL, 32), &val));
	val = 0;
	EXPECT_EQ(0, attr(v.gic, KVM_GET_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
			  LEVEL_INFO(0, VGIC_LEVEL_INFO_LINE_LEVEL, 32), &val));
	EXPECT_EQ(1U << 8, val);
	EXPECT_EQ(40ULL, va_store(&v.t, 8));
	/* Lowered before the guest's EOI: taken once. */
	val = 0;
	EXPECT_EQ(0, attr(v.gic, KVM_SET_DEVICE_ATTR,
			  KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
			  LEVEL_INFO(0, VGIC_LEVEL_INFO_LINE_LEVEL, 32), &val));
	expect_quiet(_metadata, &v.t);
	/* Another kind, an unaligned INTID, no such vCPU, a bad buffer. */
	EXPECT_EQ(-EINVAL, attr(v.gic, KVM_GET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
				LEVEL_INFO(0, 1, 32), &val));
	EXPECT_EQ(-EINVAL, attr(v.gic, KVM_GET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
				LEVEL_INFO(0, VGIC_LEVEL_INFO_LINE_LEVEL, 40),
				&val));
	EXPECT_EQ(-EINVAL, attr(v.gic, KVM_GET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
				LEVEL_INFO(3, VGIC_LEVEL_INFO_LINE_LEVEL, 32),
				&val));
	EXPECT_EQ(-EFAULT, attr(v.gic, KVM_SET_DEVICE_ATTR,
				KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
				LEVEL_INFO(0, VGIC_LEVEL_INFO_LINE_LEVEL, 32),
				(void *)8));
	irq_vm_destroy(&v);
}

TEST(ppi_from_irq_line)
{
	struct irq_vm v;

	ASSERT_EQ(0, irq_vm(&v, 20, 0, 0));
	EXPECT_EQ(20ULL, va_store(&v.t, 0));
	ASSERT_EQ(0, irq_line(v.t.vm, KVM_ARM_IRQ_TYPE_PPI, 0, 20, 1));
	EXPECT_EQ(20ULL, va_store(&v.t, 8));
	ASSERT_EQ(0, irq_line(v.t.vm, KVM_ARM_IRQ_TYPE_PPI, 0, 20, 0));
	expect_quiet(_metadata, &v.t);
	irq_vm_destroy(&v);
}

/* GSI n is SPI n (INTID n + 32) by default; an irqfd pulses it. */
TEST(spi_from_irqfd)
{
	struct kvm_irqfd fd = { .gsi = 13 };
	struct irq_vm v;
	uint64_t one = 1;
	int efd;

	ASSERT_EQ(0, irq_vm(&v, 13 + 32, 1, 0));
	EXPECT_EQ(1, ioctl(v.t.sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	fd.fd = efd;
	ASSERT_EQ(0, ioctl(v.t.vm, KVM_IRQFD, &fd));
	EXPECT_EQ(45ULL, va_store(&v.t, 0));
	ASSERT_EQ(8, write(efd, &one, 8));
	EXPECT_EQ(45ULL, va_store(&v.t, 8));
	/* Edge-triggered: once. */
	expect_quiet(_metadata, &v.t);
	close(efd);
	irq_vm_destroy(&v);
}

/* The virtual timer's PPI 27 ends a WFI when the timer fires. */
TEST(timer_wakes_wfi)
{
	struct irq_vm v;
	uint64_t frq;
	long t0, dt;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frq));
	ASSERT_EQ(0, irq_vm(&v, 27, 0, frq / 5));
	t0 = va_now_ms();
	va_alarm(5000);
	EXPECT_EQ(27ULL, va_store(&v.t, 0));
	EXPECT_EQ(27ULL, va_store(&v.t, 8));
	dt = va_now_ms() - t0;
	va_alarm(0);
	EXPECT_GE(dt, 150) TH_LOG("after %ld ms", dt);
	/* The guest masked it: it fires no more. */
	expect_quiet(_metadata, &v.t);
	irq_vm_destroy(&v);
}

/*
 * The timer fires while the guest spins with interrupts unmasked and
 * never exits by itself: the interrupt still reaches it.
 */
TEST(timer_fires_while_spinning)
{
	struct irq_vm v;
	uint64_t frq;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frq));
	ASSERT_EQ(0, irq_vm(&v, 27, 0, frq / 5));
	ASSERT_EQ(0, va_set_reg(v.t.vcpu, VA_REG_X(26), 1));
	va_alarm(5000);
	EXPECT_EQ(27ULL, va_store(&v.t, 0));
	EXPECT_EQ(27ULL, va_store(&v.t, 8));
	va_alarm(0);
	irq_vm_destroy(&v);
}

/* vCPU 1 sends SGI 3 to vCPU 0 through ICC_SGI1R_EL1. */
TEST(sgi_between_vcpus)
{
	struct vt_vm t1;
	struct irq_vm v;
	int gic;

	ASSERT_EQ(0, va_vm_create(&v.t, 0x10000));
	memcpy(v.t.mem, g_irq_start, g_irq_end - g_irq_start);
	ASSERT_EQ(0, va_vcpu_add(&v.t, 1, 0, &t1));
	gic = setup_gic(v.t.vm);
	v.gic = gic;
	ASSERT_GE(gic, 0);
	ASSERT_EQ(0, va_vcpu_init(&v.t));
	ASSERT_EQ(0, gic_init(gic));
	ASSERT_EQ(0, va_set_reg(v.t.vcpu, VA_REG_PC, VA_RAM_GPA));
	ASSERT_EQ(0, va_set_reg(v.t.vcpu, VA_REG_X(20), DIST));
	ASSERT_EQ(0, va_set_reg(v.t.vcpu, VA_REG_X(21), REDIST));
	ASSERT_EQ(0, va_set_reg(v.t.vcpu, VA_REG_X(22), 3));
	ASSERT_EQ(0, va_set_reg(t1.vcpu, VA_REG_X(20), DIST));
	ASSERT_EQ(0, va_set_reg(t1.vcpu, VA_REG_X(21), REDIST + 0x20000));
	ASSERT_EQ(0, va_set_reg(t1.vcpu, VA_REG_X(22), 5));
	/* INTID 3, target list: Aff0 0 (vCPU 0). */
	ASSERT_EQ(0, va_set_reg(t1.vcpu, VA_REG_X(23), 3ULL << 24 | 1));
	EXPECT_EQ(3ULL, va_store(&v.t, 0));
	EXPECT_EQ(5ULL, va_store(&t1, 0));
	EXPECT_EQ(3ULL << 24 | 1, va_store(&t1, 16));
	EXPECT_EQ(3ULL, va_store(&v.t, 8));
	expect_quiet(_metadata, &v.t);
	vt_vm_destroy(&t1);
	irq_vm_destroy(&v);
}

TEST_HARNESS_MAIN
