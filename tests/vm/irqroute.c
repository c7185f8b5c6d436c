// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing and irqfds: KVM_SET_GSI_ROUTING, KVM_IRQ_LINE(_STATUS),
 * KVM_SIGNAL_MSI and KVM_IRQFD, each bad input with kvm.ko's errno, with
 * no irqchip, the split irqchip and KVM_CREATE_IRQCHIP; then interrupts
 * from an irqfd, an MSI and a line reaching a guest through the in-kernel
 * local APIC, and a resampled level irqfd through the I/O APIC.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define CODE		0x1000
#define HANDLER		0x3000
#define VEC_A		0x30
#define VEC_B		0x31
#define APIC_BASE	0xfee00000u
#define APIC_SVR	0xf0

enum chip { NONE, SPLIT, FULL };

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? errno : 0;
}

static int new_efd(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

static uint64_t count(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static int make_chip(int vm, enum chip c)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 },
	};

	if (c == FULL)
		return xioctl(vm, KVM_CREATE_IRQCHIP, NULL);
	if (c == SPLIT)
		return xioctl(vm, KVM_ENABLE_CAP, &cap);
	return 0;
}

/* KVM_SET_GSI_ROUTING with @n entries; returns the errno. */
static int set_routes(int vm, const struct kvm_irq_routing_entry *e,
		      unsigned int n, uint32_t flags)
{
	struct kvm_irq_routing *r;
	int ret;

	r = calloc(1, sizeof(*r) + n * sizeof(*e));
	if (!r)
		return ENOMEM;
	r->nr = n;
	r->flags = flags;
	if (e)
		memcpy(r->entries, e, n * sizeof(*e));
	ret = xioctl(vm, KVM_SET_GSI_ROUTING, r);
	free(r);
	return ret;
}

static struct kvm_irq_routing_entry chip_route(uint32_t gsi, uint32_t chip,
					       uint32_t pin)
{
	struct kvm_irq_routing_entry e = {
		.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
	};

	e.u.irqchip.irqchip = chip;
	e.u.irqchip.pin = pin;
	return e;
}

/* Fixed delivery, physical destination APIC ID @dest, edge. */
static struct kvm_irq_routing_entry msi_route(uint32_t gsi, uint8_t dest,
					      uint8_t vec)
{
	struct kvm_irq_routing_entry e = {
		.gsi = gsi, .type = KVM_IRQ_ROUTING_MSI,
	};

	e.u.msi.address_lo = APIC_BASE | dest << 12;
	e.u.msi.data = vec;
	return e;
}

static int irqfd(int vm, int fd, uint32_t gsi, uint32_t flags, int rfd)
{
	struct kvm_irqfd a = {
		.fd = fd, .gsi = gsi, .flags = flags, .resamplefd = rfd,
	};

	return xioctl(vm, KVM_IRQFD, &a);
}

/* KVM_IRQ_LINE_STATUS: the errno, and the status in *@status. */
static int line_status(int vm, uint32_t irq, uint32_t level, int *status)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };
	int r = xioctl(vm, KVM_IRQ_LINE_STATUS, &l);

	*status = l.status;
	return r;
}

TEST(capabilities)
{
	int sys = vt_open_dev(), vm;

	ASSERT_LE(0, sys);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	EXPECT_EQ(4096, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING));
	EXPECT_EQ(4096, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_SIGNAL_MSI));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_INJECT_STATUS));
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD));
	close(vm);
	close(sys);
}

FIXTURE(vm)
{
	int sys, vm, efd, efd2, pipe[2];
};

FIXTURE_SETUP(vm)
{
	self->sys = vt_open_dev();
	ASSERT_LE(0, self->sys);
	self->vm = ioctl(self->sys, KVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm);
	self->efd = new_efd();
	self->efd2 = new_efd();
	ASSERT_LE(0, self->efd);
	ASSERT_LE(0, self->efd2);
	ASSERT_EQ(0, pipe(self->pipe));
}

FIXTURE_TEARDOWN(vm)
{
	close(self->pipe[0]);
	close(self->pipe[1]);
	close(self->efd2);
	close(self->efd);
	close(self->vm);
	close(self->sys);
}

/* Without an in-kernel irqchip there is nothing to route to. */
TEST_F(vm, no_irqchip)
{
	struct kvm_irq_routing_entry e = msi_route(1, 0, VEC_A);
	struct kvm_msi msi = { .address_lo = APIC_BASE, .data = VEC_A };
	struct kvm_irq_level l = { .irq = 4, .level = 1 };
	int vm = self->vm, st;

	EXPECT_EQ(EINVAL, set_routes(vm, NULL, 0, 0));
	EXPECT_EQ(EINVAL, set_routes(vm, &e, 1, 0));
	EXPECT_EQ(EFAULT, xioctl(vm, KVM_SET_GSI_ROUTING, (void *)8));
	EXPECT_EQ(ENXIO, xioctl(vm, KVM_IRQ_LINE, &l));
	EXPECT_EQ(ENXIO, line_status(vm, 4, 1, &st));
	EXPECT_EQ(EFAULT, xioctl(vm, KVM_IRQ_LINE, (void *)8));
	EXPECT_EQ(EFAULT, xioctl(vm, KVM_IRQ_LINE_STATUS, (void *)8));
	EXPECT_EQ(EINVAL, xioctl(vm, KVM_SIGNAL_MSI, &msi));
	EXPECT_EQ(EFAULT, xioctl(vm, KVM_SIGNAL_MSI, (void *)8));

	EXPECT_EQ(EINVAL, irqfd(vm, self->efd, 1, 0, 0));
	EXPECT_EQ(EINVAL, irqfd(vm, -1, 1, 0, 0));
	EXPECT_EQ(EINVAL, irqfd(vm, self->efd, 1, KVM_IRQFD_FLAG_RESAMPLE,
				self->efd2));
	EXPECT_EQ(EINVAL, irqfd(vm, self->efd, 1, 1 << 2, 0));
	EXPECT_EQ(EFAULT, xioctl(vm, KVM_IRQFD, (void *)8));
	/* Deassign needs no irqchip; an irqfd that is not there is no error. */
	EXPECT_EQ(0, irqfd(vm, self->efd, 1, KVM_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(EBADF, irqfd(vm, -1, 1, KVM_IRQFD_FLAG_DEASSIGN, 0));
	EXPECT_EQ(EINVAL, irqfd(vm, self->pipe[0], 1,
				KVM_IRQFD_FLAG_DEASSIGN, 0));
}

/* KVM_CREATE_IRQCHIP: pin routes, 8259 pins 0-7, I/O APIC pins 0-23. */
TEST_F(vm, routing_errnos)
{
	struct kvm_irq_routing_entry e[4096];
	long pg = sysconf(_SC_PAGESIZE);
	int vm = self->vm, st, i;
	struct kvm_irq_routing *r;
	uint8_t *p;

	ASSERT_EQ(0, make_chip(vm, FULL));
	/* The header: flags, and at most KVM_MAX_IRQ_ROUTES entries. */
	EXPECT_EQ(EINVAL, set_routes(vm, NULL, 0, 1));
	EXPECT_EQ(EINVAL, set_routes(vm, NULL, 4097, 0));
	EXPECT_EQ(0, set_routes(vm, NULL, 0, 0));
	/* GSIs below 4096. */
	e[0] = msi_route(4096, 0, VEC_A);
	EXPECT_EQ(EINVAL, set_routes(vm, e, 1, 0));
	e[0] = msi_route(4095, 0, VEC_A);
	EXPECT_EQ(0, set_routes(vm, e, 1, 0));
	/* Flags: only KVM_MSI_VALID_DEVID, and only on an MSI route. */
	e[0].flags = KVM_MSI_VALID_DEVID;
	EXPECT_EQ(0, set_routes(vm, e, 1, 0));
	e[0].flags = 2;
	EXPECT_EQ(EINVAL, set_routes(vm, e, 1, 0));
	e[0] = chip_route(3, KVM_IRQCHIP_IOAPIC, 3);
	e[0].flags = KVM_MSI_VALID_DEVID;
	EXPECT_EQ(EINVAL, set_routes(vm, e, 1, 0));
	/* The entry's pad is not looked at. */
	e[0].flags = 0;
	e[0].pad = 0xdead;
	EXPECT_EQ(0, set_routes(vm, e, 1, 0));
	/* Types, controllers and pins. */
	e[0] = chip_route(3, KVM_IRQCHIP_IOAPIC, 3);
	e[0].type = 99;
	EXPECT_EQ(EINVAL, set_routes(vm, e, 1, 0));
	e[0] = chip_route(3, 3, 3);
	EXPECT_EQ(EINVAL, set_routes(vm, e, 1, 0));
	e[0] = chip_route(3, KVM_IRQCHIP_PIC_MASTER, 8);
	EXPECT_EQ(EINVAL, set_routes(vm, e, 1, 0));
	e[0] = chip_route(3, KVM_IRQCHIP_PIC_SLAVE, 8);
	EXPECT_EQ(EINVAL, set_routes(vm, e, 1, 0));
	e[0] = chip_route(3, KVM_IRQCHIP_IOAPIC, 24);
	EXPECT_EQ(EINVAL, set_routes(vm, e, 1, 0));
	e[0] = chip_route(3, KVM_IRQCHIP_PIC_SLAVE, 7);
	e[1] = chip_route(3, KVM_IRQCHIP_IOAPIC, 23);
	EXPECT_EQ(0, set_routes(vm, e, 2, 0));
	/* One route per controller and GSI; an MSI stands alone. */
	e[2] = chip_route(3, KVM_IRQCHIP_IOAPIC, 4);
	EXPECT_EQ(EINVAL, set_routes(vm, e, 3, 0));
	e[2] = msi_route(3, 0, VEC_A);
	EXPECT_EQ(EINVAL, set_routes(vm, e, 3, 0));
	e[0] = msi_route(3, 0, VEC_A);
	e[1] = msi_route(3, 1, VEC_A);
	EXPECT_EQ(EINVAL, set_routes(vm, e, 2, 0));
	/* A bad entry anywhere refuses the whole table, which stays as it was. */
	e[0] = msi_route(9, 0, VEC_A);
	e[1] = chip_route(10, KVM_IRQCHIP_IOAPIC, 24);
	EXPECT_EQ(EINVAL, set_routes(vm, e, 2, 0));
	/* The entries unreadable after a readable header. */
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + pg, pg, PROT_NONE));
	r = (struct kvm_irq_routing *)(p + pg - sizeof(*r));
	r->nr = 1;
	r->flags = 0;
	EXPECT_EQ(EFAULT, xioctl(vm, KVM_SET_GSI_ROUTING, r));
	munmap(p, 2 * pg);
	/* The most there may be. */
	for (i = 0; i < 4096; i++)
		e[i] = msi_route(i, 0, VEC_A);
	EXPECT_EQ(0, set_routes(vm, e, 4096, 0));
	/* With no vCPU, an MSI finds no destination: -1. */
	EXPECT_EQ(0, line_status(vm, 4095, 1, &st));
	EXPECT_EQ(-1, st);
	/* A GSI without a route, or beyond the table: -1 too. */
	EXPECT_EQ(0, set_routes(vm, e, 16, 0));
	EXPECT_EQ(0, line_status(vm, 100, 1, &st));
	EXPECT_EQ(-1, st);
	EXPECT_EQ(0, line_status(vm, 0xffffffff, 1, &st));
	EXPECT_EQ(-1, st);
}

TEST_F(vm, signal_msi)
{
	struct kvm_msi msi = { .address_lo = APIC_BASE, .data = VEC_A };
	int vm = self->vm;

	ASSERT_EQ(0, make_chip(vm, FULL));
	msi.flags = 2;
	EXPECT_EQ(EINVAL, xioctl(vm, KVM_SIGNAL_MSI, &msi));
	msi.flags = KVM_MSI_VALID_DEVID;
	/* No vCPU to take it: -1, which the VMM sees as EPERM. */
	EXPECT_EQ(-1, ioctl(vm, KVM_SIGNAL_MSI, &msi));
	EXPECT_EQ(EPERM, errno);
}

TEST_F(vm, irqfd_errnos)
{
	const uint32_t rs = KVM_IRQFD_FLAG_RESAMPLE;
	const uint32_t de = KVM_IRQFD_FLAG_DEASSIGN;
	int vm = self->vm, e = self->efd, e2 = self->efd2;
	int e3 = new_efd(), e4 = new_efd();

	ASSERT_EQ(0, make_chip(vm, FULL));
	EXPECT_EQ(EBADF, irqfd(vm, -1, 1, 0, 0));
	EXPECT_EQ(EINVAL, irqfd(vm, self->pipe[0], 1, 0, 0));
	EXPECT_EQ(EINVAL, irqfd(vm, e, 1, 1 << 2, 0));
	EXPECT_EQ(EBADF, irqfd(vm, e, 1, rs, -1));
	EXPECT_EQ(EINVAL, irqfd(vm, e, 1, rs, self->pipe[0]));
	/* Any GSI: a route may come later. */
	EXPECT_EQ(0, irqfd(vm, e, 100000, 0, 0));
	/* One irqfd per eventfd, whatever the GSI. */
	EXPECT_EQ(EBUSY, irqfd(vm, e, 100000, 0, 0));
	EXPECT_EQ(EBUSY, irqfd(vm, e, 2, rs, e2));
	EXPECT_EQ(0, irqfd(vm, e2, 10, rs, e3));
	/* Resampled irqfds share their GSI's level. */
	EXPECT_EQ(0, irqfd(vm, e4, 10, rs, e3));
	/* Deassign: by eventfd and GSI. */
	EXPECT_EQ(0, irqfd(vm, e, 1, de, 0));
	EXPECT_EQ(EBUSY, irqfd(vm, e, 1, 0, 0));
	EXPECT_EQ(0, irqfd(vm, e, 100000, de, 0));
	EXPECT_EQ(0, irqfd(vm, e, 1, 0, 0));
	EXPECT_EQ(0, irqfd(vm, e2, 10, de | rs, 0));
	EXPECT_EQ(0, irqfd(vm, e2, 11, 0, 0));
	/* Left assigned: the VM's end cleans up (e4 stays resampled). */
	close(e3);
	close(e4);
}

/* The split irqchip: local APICs only, so MSI routes only. */
TEST_F(vm, split)
{
	struct kvm_irq_routing_entry e[2];
	int vm = self->vm, st;

	ASSERT_EQ(0, make_chip(vm, SPLIT));
	e[0] = chip_route(3, KVM_IRQCHIP_IOAPIC, 3);
	EXPECT_EQ(EINVAL, set_routes(vm, e, 1, 0));
	e[0] = msi_route(3, 0, VEC_A);
	EXPECT_EQ(0, set_routes(vm, e, 1, 0));
	EXPECT_EQ(EINVAL, irqfd(vm, self->efd, 3, KVM_IRQFD_FLAG_RESAMPLE,
				self->efd2));
	EXPECT_EQ(0, irqfd(vm, self->efd, 3, 0, 0));
	EXPECT_EQ(0, line_status(vm, 3, 1, &st));
	EXPECT_EQ(-1, st);
	EXPECT_EQ(0, line_status(vm, 4, 1, &st));
	EXPECT_EQ(-1, st);
}

/*
 * A vCPU in real mode over a 64 KiB slot, made after its VM's irqchip,
 * with its local APIC software-enabled and FS based at the APIC page (for
 * the handler's EOI).  It waits in HLT; each vector's handler reports
 * itself on port 0x98, EOIs, and reports again on port 0x99.  (Where an
 * interrupt lands, before or after the HLT, is the CPU's choice.)
 */
static void guest(struct __test_metadata *_metadata, struct vt_vm *t,
		  enum chip c, uint64_t rip)
{
	static const uint8_t code[] = {
		0xb0, 0xff, 0xe6, 0x21, 0xe6, 0xa1,	/* mask the 8259s */
		0xfb, 0xf4, 0xeb, 0xfd,			/* 6: sti; 7: hlt; jmp 7 */
	};
	static const uint8_t handler[] = {
		0xb0, VEC_A, 0xeb, 0x02,		/* mov al, VEC_A; jmp 6 */
		0xb0, VEC_B,				/* 4: mov al, VEC_B */
		0xe6, 0x98,				/* 6: out 0x98, al */
		/* mov dword [fs:0xb0], 0: EOI */
		0x64, 0x66, 0xc7, 0x06, 0xb0, 0x00, 0, 0, 0, 0,
		0xe6, 0x99,				/* out 0x99, al */
		0xcf,					/* iret */
	};
	struct kvm_userspace_memory_region mr = { .memory_size = 0x10000 };
	struct kvm_lapic_state apic;
	struct kvm_sregs s;
	struct kvm_regs regs = { .rip = rip, .rflags = 2 };

	memset(t, 0, sizeof(*t));
	t->sys = vt_open_dev();
	ASSERT_LE(0, t->sys);
	t->vm = ioctl(t->sys, KVM_CREATE_VM, 0);
	ASSERT_LE(0, t->vm);
	ASSERT_EQ(0, make_chip(t->vm, c));
	t->mem_size = 0x10000;
	t->mem = mmap(NULL, t->mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, t->mem);
	mr.userspace_addr = (uintptr_t)t->mem;
	ASSERT_EQ(0, ioctl(t->vm, KVM_SET_USER_MEMORY_REGION, &mr));
	t->vcpu = ioctl(t->vm, KVM_CREATE_VCPU, 0);
	ASSERT_LE(0, t->vcpu);
	t->run_size = ioctl(t->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	t->run = mmap(NULL, t->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      t->vcpu, 0);
	ASSERT_NE(MAP_FAILED, t->run);

	memcpy(t->mem + CODE, code, sizeof(code));
	memcpy(t->mem + HANDLER, handler, sizeof(handler));
	t->mem[VEC_A * 4] = HANDLER & 0xff;
	t->mem[VEC_A * 4 + 1] = HANDLER >> 8;
	t->mem[VEC_B * 4] = (HANDLER + 4) & 0xff;
	t->mem[VEC_B * 4 + 1] = (HANDLER + 4) >> 8;

	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_SREGS, &s));
	s.cs.base = 0;
	s.cs.selector = 0;
	s.fs.base = APIC_BASE;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_SREGS, &s));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_LAPIC, &apic));
	apic.regs[APIC_SVR] = 0xff;
	apic.regs[APIC_SVR + 1] = 0x01;		/* APIC software enabled */
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_LAPIC, &apic));
}

#define EXPECT_OUT(t, p, v) do { \
	ASSERT_EQ(0, vt_run(t)); \
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason)); \
	EXPECT_EQ(p, (t)->run->io.port); \
	EXPECT_EQ((uint8_t)(v), *vt_io_data(t)); \
} while (0)

/* Split irqchip: an irqfd on an MSI route, KVM_SIGNAL_MSI, KVM_IRQ_LINE. */
TEST(msi_to_guest)
{
	struct kvm_irq_routing_entry e[2];
	struct kvm_msi msi = { .address_lo = APIC_BASE, .data = VEC_B };
	int efd = new_efd(), st;
	uint64_t one = 1;
	struct vt_vm t;

	guest(_metadata, &t, SPLIT, CODE + 6);
	e[0] = msi_route(7, 0, VEC_A);
	e[1] = msi_route(8, 0, VEC_B);
	ASSERT_EQ(0, set_routes(t.vm, e, 2, 0));
	ASSERT_EQ(0, irqfd(t.vm, efd, 7, 0, 0));

	ASSERT_EQ((ssize_t)sizeof(one), write(efd, &one, sizeof(one)));
	EXPECT_OUT(&t, 0x98, VEC_A);
	EXPECT_OUT(&t, 0x99, VEC_A);

	EXPECT_EQ(1, ioctl(t.vm, KVM_SIGNAL_MSI, &msi));
	EXPECT_OUT(&t, 0x98, VEC_B);
	EXPECT_OUT(&t, 0x99, VEC_B);

	EXPECT_EQ(0, line_status(t.vm, 7, 1, &st));
	EXPECT_EQ(1, st);
	EXPECT_OUT(&t, 0x98, VEC_A);
	EXPECT_OUT(&t, 0x99, VEC_A);
	/* An MSI has no level to lower. */
	EXPECT_EQ(0, line_status(t.vm, 8, 0, &st));
	EXPECT_EQ(-1, st);

	/* Deassigned: the next signal stays in the eventfd. */
	ASSERT_EQ(0, irqfd(t.vm, efd, 7, KVM_IRQFD_FLAG_DEASSIGN, 0));
	ASSERT_EQ((ssize_t)sizeof(one), write(efd, &one, sizeof(one)));
	EXPECT_EQ(1u, count(efd));
	EXPECT_EQ(1, ioctl(t.vm, KVM_SIGNAL_MSI, &msi));
	EXPECT_OUT(&t, 0x98, VEC_B);
	vt_vm_destroy(&t);
	close(efd);
}

/*
 * KVM_CREATE_IRQCHIP: GSI 10 (I/O APIC pin 10 by the default routes) made
 * level-triggered; a resampled irqfd raises it, the guest's EOI lowers it
 * and signals the resamplefd, and the next signal interrupts again.
 */
TEST(resample_to_guest)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	int efd = new_efd(), rfd = new_efd();
	uint64_t one = 1;
	struct vt_vm t;

	guest(_metadata, &t, FULL, CODE);
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_IRQCHIP, &chip));
	chip.chip.ioapic.redirtbl[10].bits = 0;
	chip.chip.ioapic.redirtbl[10].fields.vector = VEC_B;
	chip.chip.ioapic.redirtbl[10].fields.trig_mode = 1;
	chip.chip.ioapic.redirtbl[10].fields.dest_id = 0;
	ASSERT_EQ(0, ioctl(t.vm, KVM_SET_IRQCHIP, &chip));
	ASSERT_EQ(0, irqfd(t.vm, efd, 10, KVM_IRQFD_FLAG_RESAMPLE, rfd));

	ASSERT_EQ((ssize_t)sizeof(one), write(efd, &one, sizeof(one)));
	EXPECT_OUT(&t, 0x98, VEC_B);
	EXPECT_EQ(0u, count(rfd));
	EXPECT_OUT(&t, 0x99, VEC_B);
	EXPECT_EQ(1u, count(rfd));
	/* Lowered by the EOI: the guest is not interrupted again ... */
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0, (int)chip.chip.ioapic.redirtbl[10].fields.remote_irr);
	EXPECT_EQ(0u, chip.chip.ioapic.irr & (1u << 10));
	/* ... until the VMM signals again. */
	ASSERT_EQ((ssize_t)sizeof(one), write(efd, &one, sizeof(one)));
	EXPECT_OUT(&t, 0x98, VEC_B);
	EXPECT_OUT(&t, 0x99, VEC_B);
	EXPECT_EQ(1u, count(rfd));
	vt_vm_destroy(&t);
	close(efd);
	close(rfd);
}

TEST_HARNESS_MAIN
