// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 half of a VM: the PC's legacy devices on the port bus (8259 pair,
 * PIT, 16550, CMOS RTC, ACPI power management, the keyboard controller's
 * reset), with --cpus > 1 the I/O APIC, the PCI host bridge and virtio-pci,
 * ACPI tables and the bzImage or PVH kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "acpi.h"
#include "loader.h"
#include "../vm.h"

/*
 * ISA IRQs free for virtio devices (level-triggered through the ELCR, and
 * active-low in the I/O APIC); dsdt.asl declares the same slots.
 */
static const uint8_t virtio_irqs[X86_VIRTIO_SLOTS] = { 5, 6, 7, 10, 11, 12, 14, 15 };

#define COM1_PORT	0x3f8
#define COM1_IRQ	4
#define KVM_TSS_ADDR	0xfffbd000

/* The 8259's INTR rose. */
static void irq_notify(void *ctx)
{
	struct vm *vm = ctx;

	pthread_cond_broadcast(&vm->wake);
	if (vm->nr_vcpus)
		vcpu_kick(&vm->vcpus[0]);
	/* INTR also reaches I/O APIC pin 0, for an ExtINT entry there. */
	if (vm->arch.smp) {
		ioapic_set_irq(&vm->arch.ioapic, 0, 1);
		ioapic_set_irq(&vm->arch.ioapic, 0, 0);
	}
}

/*
 * An ISA IRQ line (irq_line, ctx the VM): 8259 input irq and, with an I/O
 * APIC, its pin irq; the PIT's IRQ 0 is on pin 2 (the MADT's override).
 */
static void isa_irq_set(void *ctx, unsigned int irq, int level)
{
	struct vm *vm = ctx;

	pic_set_irq(&vm->arch.pic, irq, level);
	if (vm->arch.smp)
		ioapic_set_irq(&vm->arch.ioapic, irq ? irq : 2, level);
}

/* The line of ISA IRQ (and GSI) irq: to the VMM's controllers or the kernel's. */
static struct irq_line isa_line(struct vm *vm, unsigned int irq)
{
	if (vm->arch.irqchip == IRQCHIP_KERNEL)
		return (struct irq_line){ x86_irq_line_kernel, vm, irq };
	return (struct irq_line){ isa_irq_set, vm, irq };
}

/*
 * A virtio-pci device's MSI-X message (ctx its struct x86_virtio): a write
 * to the local APICs' range; with theirs in the kernel, the vector's irqfd
 * once its route carries this message.
 */
static void msi_send(void *ctx, unsigned int vector, uint64_t addr,
		     uint32_t data)
{
	struct x86_virtio *xv = ctx;
	struct vm *vm = xv->vm;

	if (vm->arch.irqchip == IRQCHIP_USER) {
		lapic_msi(vm->arch.apic_ptrs, vm->cfg->cpus, addr, data);
		return;
	}
	if (vector < VIRTIO_PCI_MSIX_MAX && xv->msix[vector].fd >= 0 &&
	    x86_msi_route(vm, xv->n * VIRTIO_PCI_MSIX_MAX + vector, addr, data))
		irqfd_trigger(&xv->msix[vector]);
	else
		x86_signal_msi(vm, addr, data);
}

/*
 * A virtio-pci device's MSI-X vector for a data path that signals it
 * without the VMM (vhost): its irqfd, once its route carries the table
 * entry's message; -1 if it cannot.
 */
static int msi_irqfd(void *ctx, unsigned int vector, uint64_t addr,
		     uint32_t data)
{
	struct x86_virtio *xv = ctx;
	struct vm *vm = xv->vm;

	if (vm->arch.irqchip == IRQCHIP_USER || vector >= VIRTIO_PCI_MSIX_MAX ||
	    xv->msix[vector].fd < 0 ||
	    !x86_msi_route(vm, xv->n * VIRTIO_PCI_MSIX_MAX + vector, addr, data))
		return -1;
	return xv->msix[vector].fd;
}

/* Virtio-pci's BAR 0 moved: its queues' notify addresses follow. */
static void notify_moved(void *ctx, uint64_t base)
{
	ioevent_place(ctx, base, VIRTIO_PCI_NOTIFY_MULT, 2);
}

/* ISA IRQs of the virtio devices: level-triggered (ELCR, MADT). */
static uint16_t virtio_level_irqs(void)
{
	uint16_t level_irqs = 0;

	for (unsigned int i = 0; i < X86_VIRTIO_SLOTS; i++)
		level_irqs |= (uint16_t)(1u << virtio_irqs[i]);
	return level_irqs;
}

static uint64_t pit_now(void *ctx)
{
	(void)ctx;
	return vm_now_ns();
}

static void pit_arm(void *ctx, uint64_t deadline)
{
	struct vm *vm = ctx;
	struct itimerspec its = {
		.it_value = {
			.tv_sec = (time_t)(deadline / 1000000000ULL),
			.tv_nsec = (long)(deadline % 1000000000ULL),
		},
	};

	/* A deadline of 0 disarms; a past deadline fires at once. */
	if (timerfd_settime(vm->arch.pit_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		vm_error("timerfd: %s", strerror(errno));
}

static void pm_event(void *ctx, enum pm_event ev)
{
	vm_stop_locked(ctx, ev == PM_POWEROFF ? EXIT_POWEROFF : EXIT_REBOOT);
}

static void i8042_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		     bool w)
{
	/* Only the "pulse reset line" command of the keyboard controller. */
	(void)off;
	if (!w) {
		memset(d, 0, size);	/* status: buffers empty */
		return;
	}
	if (size == 1 && d[0] == 0xfe)
		vm_stop_locked(opaque, EXIT_REBOOT);
}

static void slots_io(void *opaque, uint64_t off, uint8_t *d,
		     unsigned int size, bool w)
{
	struct vm *vm = opaque;

	if (!w) {
		memset(d, 0, size);
		if (off == 0)
			d[0] = vm->arch.virtio_slots;
	}
}

int arch_add_devices(struct vm *vm)
{
	int ret = 0;

	pic_init(&vm->arch.pic, irq_notify, vm);
	pit_init(&vm->arch.pit, isa_line(vm, 0), pit_now, pit_arm, vm);
	serial_init(&vm->com1, isa_line(vm, COM1_IRQ), vm_serial_tx, vm_serial_room,
		    vm);
	rtc_init(&vm->arch.rtc, NULL, NULL);
	pm_init(&vm->arch.pm, pm_event, vm);
	pci_init(&vm->arch.pci);

	/* With the kernel's irqchip its 8259s, PIT and port 0x61 answer. */
	if (vm->arch.irqchip != IRQCHIP_KERNEL) {
		ret |= bus_add(&vm->pio, 0x20, 2, pic_master_io, &vm->arch.pic);
		ret |= bus_add(&vm->pio, 0xa0, 2, pic_slave_io, &vm->arch.pic);
		ret |= bus_add(&vm->pio, 0x4d0, 2, pic_elcr_io, &vm->arch.pic);
		ret |= bus_add(&vm->pio, 0x40, 4, pit_io, &vm->arch.pit);
		ret |= bus_add(&vm->pio, 0x61, 1, pit_port61_io, &vm->arch.pit);
	}
	ret |= bus_add(&vm->pio, 0x64, 1, i8042_io, vm);
	ret |= bus_add(&vm->pio, 0x70, 2, rtc_io, &vm->arch.rtc);
	ret |= bus_add(&vm->pio, COM1_PORT, 8, serial_io, &vm->com1);
	ret |= bus_add(&vm->pio, PM1A_EVT_PORT, 4, pm_evt_io, &vm->arch.pm);
	ret |= bus_add(&vm->pio, PM1A_CNT_PORT, 2, pm_cnt_io, &vm->arch.pm);
	ret |= bus_add(&vm->pio, PM_RESET_PORT, 1, pm_reset_io, &vm->arch.pm);
	ret |= bus_add(&vm->pio, VIRTIO_SLOTS_PORT, 1, slots_io, vm);
	/* 0xcf9 between them is the reset register (pm.c). */
	ret |= bus_add(&vm->pio, PCI_ADDR_PORT, 1, pci_addr_io, &vm->arch.pci);
	ret |= bus_add(&vm->pio, PCI_DATA_PORT, 4, pci_data_io, &vm->arch.pci);
	ret |= bus_add(&vm->pio, PCI_IO_BASE, PCI_IO_SIZE, pci_pio_io, &vm->arch.pci);
	ret |= bus_add(&vm->mmio, PCI_MMIO_BASE, PCI_MMIO_SIZE, pci_mmio_io,
		       &vm->arch.pci);
	if (vm->arch.smp && vm->arch.irqchip != IRQCHIP_KERNEL) {
		/* The MADT gives the same ID. */
		ioapic_init(&vm->arch.ioapic, acpi_ioapic_id(vm->cfg->cpus),
			    vm->arch.apic_ptrs,
			    vm->cfg->cpus);
		if (vm->arch.irqchip == IRQCHIP_SPLIT) {
			vm->arch.ioapic.msi = x86_signal_msi;
			vm->arch.ioapic.rte_changed = x86_ioapic_rte_changed;
			vm->arch.ioapic.msi_ctx = vm;
		}
		ret |= bus_add(&vm->mmio, IOAPIC_BASE, IOAPIC_SIZE, ioapic_io,
			       &vm->arch.ioapic);
	}
	if (ret) {
		vm_error("device ports overlap");
		return -1;
	}
	return 0;
}

/*
 * Virtio device n's INTx (or virtio-mmio) line: its ISA IRQ, through the
 * kernel's irqchip an irqfd with resample when it can have one.
 */
static struct irq_line virtio_intx(struct vm *vm, unsigned int n)
{
	struct x86_virtio *xv = &vm->arch.vdev[n];

	if (vm->arch.irqchip != IRQCHIP_KERNEL)
		return isa_line(vm, virtio_irqs[n]);
	if (xv->intx.fd < 0 &&
	    irqfd_assign(&xv->intx, vm->vm_fd, virtio_irqs[n], true) < 0) {
		vm_error("KVM_IRQFD (GSI %u): %s; KVM_IRQ_LINE instead",
			 virtio_irqs[n], strerror(errno));
		return isa_line(vm, virtio_irqs[n]);
	}
	return irqfd_line(&xv->intx);
}

/*
 * The interrupt line the n-th virtio device model signals on: its ISA IRQ,
 * or with --virtio pci its INTA#, which dsdt.asl's _PRT routes to the same
 * IRQ (GSI).
 */
struct irq_line arch_virtio_line(struct vm *vm, unsigned int n)
{
	if (vm->cfg->transport == VIRTIO_PCI)
		return virtio_pci_irq(&vm->arch.vpci[n]);
	return virtio_intx(vm, n);
}

/*
 * Put the n-th virtio device in virtio-mmio slot n (the DSDT tells the
 * guest), or with --virtio pci at PCI device n + 1 with the PCI class given.
 */
int arch_add_virtio(struct vm *vm, struct virtio_mmio *t, unsigned int n,
		    uint32_t class_code)
{
	uint64_t base = VIRTIO_MMIO_BASE + n * VIRTIO_MMIO_SIZE;
	unsigned int irq = virtio_irqs[n];

	struct x86_virtio *xv = &vm->arch.vdev[n];
	struct ioevent *ev = NULL;

	vm->arch.pic.chip[irq >> 3].elcr |= 1u << (irq & 7);
	/* Queue notifications without an exit, when the irqchip is the kernel's. */
	if (vm->arch.irqchip != IRQCHIP_USER) {
		ev = &vm->ioev[n];
		if (ioevent_init(ev, vm, t)) {
			vm_error("virtio device %u: eventfd: %s", n, strerror(errno));
			return -1;
		}
		if (xv->intx.resample_fd >= 0)
			ev->resample = &xv->intx;
	}
	if (vm->cfg->transport == VIRTIO_PCI) {
		struct virtio_pci *vp = &vm->arch.vpci[n];

		virtio_pci_init(vp, t, class_code);
		pci_dev_intx(&vp->pci, virtio_intx(vm, n));
		if (xv->intx.resample_fd >= 0)
			ev->resample = &xv->intx;
		/* MSI-X needs the local APICs of an SMP guest. */
		if (vm->arch.smp)
			virtio_pci_msix(vp, msi_send, xv);
		for (unsigned int v = 0; ev && v < vp->msix_n; v++)
			if (irqfd_assign(&xv->msix[v], vm->vm_fd,
					 X86_MSI_GSI(n * VIRTIO_PCI_MSIX_MAX + v),
					 false) < 0)
				vm_error("KVM_IRQFD (MSI-X): %s; KVM_SIGNAL_MSI instead",
					 strerror(errno));
		if (ev && vm->arch.smp)
			virtio_pci_msix_irqfd(vp, msi_irqfd);
		if (ev) {
			vp->notify_moved = notify_moved;
			vp->notify_ctx = ev;
		}
		if (pci_plug(&vm->arch.pci, &vp->pci, n + 1)) {
			vm_error("virtio device %u: no room on PCI bus 0", n);
			return -1;
		}
		return 0;
	}
	if (bus_add(&vm->mmio, base, VIRTIO_MMIO_SIZE, virtio_mmio_io, t)) {
		vm_error("virtio device %u: MMIO window taken", n);
		return -1;
	}
	if (ev)
		ioevent_place(ev, base + VIRTIO_MMIO_QUEUE_NOTIFY, 0, 4);
	vm->arch.virtio_slots |= 1u << n;
	return 0;
}

int arch_load(struct vm *vm, const struct firmware *fw, const uint8_t *kernel,
	      size_t kernel_len, const uint8_t *initrd, size_t initrd_len)
{
	struct boot_image img = {
		.kernel = kernel, .kernel_len = kernel_len,
		.initrd = initrd, .initrd_len = initrd_len,
		.cmdline = vm->cmdline,
	};
	char err[256];
	uint16_t level_irqs = virtio_level_irqs();

	img.rsdp = acpi_build(gmem_ptr(&vm->mem, BOOT_BIOS,
				       BOOT_BIOS_END - BOOT_BIOS),
			      BOOT_BIOS, BOOT_BIOS_END - BOOT_BIOS, fw->dsdt,
			      fw->dsdt_len, vm->arch.smp ? vm->cfg->cpus : 0,
			      level_irqs);
	if (!img.rsdp) {
		vm_error("ACPI tables do not fit");
		return -1;
	}
	if ((loader_is_elf(kernel, kernel_len) ? loader_pvh : loader_bzimage)
	    (&vm->mem, &img, &vm->arch.entry, err, sizeof(err))) {
		vm_error("%s: %s", strncmp(err, "initrd", 6) ? vm->cfg->kernel :
			 vm->cfg->initrd, err);
		return -1;
	}
	return 0;
}

void arch_debug_dump(struct vm *vm)
{
	const struct i8259 *m = &vm->arch.pic.chip[0], *s = &vm->arch.pic.chip[1];
	const struct pit_channel *c = &vm->arch.pit.ch[0];
	uint64_t now = vm_now_ns();

	vm_error("pic: out %d master irr %02x imr %02x isr %02x elcr %02x "
		 "slave irr %02x imr %02x isr %02x elcr %02x",
		 vm->arch.pic.output, m->irr, m->imr, m->isr, m->elcr, s->irr,
		 s->imr, s->isr, s->elcr);
	vm_error("pit: ch0 mode %u counting %d reload %u next irq in %lld us, "
		 "count %u", c->mode, c->counting, c->reload,
		 vm->arch.pit.next_irq_ns ?
		 (long long)(vm->arch.pit.next_irq_ns - now) / 1000 : -1LL,
		 pit_count(&vm->arch.pit, 0, now));
	vm_error("com1: ier %02x iir-pending thre %d rx %u mcr %02x irq %d",
		 vm->com1.ier, vm->com1.thre_pending, vm->com1.rx_count,
		 vm->com1.mcr, vm->com1.irq_level);
	vm_error("irqchip: %s", x86_irqchip_name(vm));
	if (vm->arch.smp && vm->arch.irqchip != IRQCHIP_KERNEL) {
		vm_error("ioapic: asserted %06x sent %llu",
			 vm->arch.ioapic.asserted,
			 (unsigned long long)vm->arch.ioapic.sent);
		for (unsigned int i = 0; i < IOAPIC_PINS; i++)
			if (!(vm->arch.ioapic.rte[i] & IOAPIC_RTE_MASKED))
				vm_error("ioapic: pin %u %016llx", i,
					 (unsigned long long)vm->arch.ioapic.rte[i]);
	}
}

int arch_check(const struct vm_config *cfg)
{
	(void)cfg;
	return 0;
}

void arch_mem_init(struct guest_mem *m, void *host, uint64_t size)
{
	gmem_init(m, host, size);
}

int arch_vm_init(struct vm *vm)
{
	for (unsigned int n = 0; n < X86_VIRTIO_SLOTS; n++) {
		struct x86_virtio *xv = &vm->arch.vdev[n];

		xv->vm = vm;
		xv->n = n;
		irqfd_init(&xv->intx);
		for (unsigned int v = 0; v < VIRTIO_PCI_MSIX_MAX; v++)
			irqfd_init(&xv->msix[v]);
	}
	vm->arch.has_nmi = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION,
				 KVM_CAP_USER_NMI) > 0;
	if (x86_irqchip_create(vm, virtio_level_irqs()))
		return -1;
	vm->arch.smp = vm->cfg->cpus > 1 || vm->arch.irqchip != IRQCHIP_USER;
	/* Needed by VT-x without unrestricted guest; harmless elsewhere. */
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR);
	/* Non-blocking: re-arming between poll() and read() drops the expiry. */
	vm->arch.pit_fd = timerfd_create(CLOCK_MONOTONIC,
					 TFD_CLOEXEC | TFD_NONBLOCK);
	if (vm->arch.pit_fd < 0) {
		vm_error("cannot create the PIT's timer: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int arch_vcpus_done(struct vm *vm)
{
	(void)vm;
	return 0;
}

/* The PIT's deadline, then the local APICs' timers, one per vCPU. */
unsigned int arch_poll_fds(struct vm *vm, struct pollfd *pf, unsigned int max)
{
	unsigned int n = 0;

	if (n < max)
		pf[n++] = (struct pollfd){ .fd = vm->arch.pit_fd, .events = POLLIN };
	for (unsigned int i = 0; vm->arch.irqchip == IRQCHIP_USER && vm->arch.smp &&
	     i < vm->nr_vcpus && n < max; i++)
		pf[n++] = (struct pollfd){ .fd = vm->vcpus[i].arch.apic_timer_fd,
					   .events = POLLIN };
	return n;
}

void arch_poll_serve(struct vm *vm, const struct pollfd *pf, unsigned int n)
{
	uint64_t count;

	for (unsigned int i = 0; i < n; i++) {
		if (!pf[i].revents)
			continue;
		if (read(pf[i].fd, &count, sizeof(count)) < 0)
			count = 0;
		pthread_mutex_lock(&vm->lock);
		if (i == 0)
			pit_expire(&vm->arch.pit);
		else
			lapic_timer_expire(vm->vcpus[i - 1].arch.apic);
		pthread_mutex_unlock(&vm->lock);
	}
}

void arch_vm_destroy(struct vm *vm)
{
	/* Closing the VM unbinds its irqfds: only the descriptors are ours. */
	for (unsigned int n = 0; n < X86_VIRTIO_SLOTS && vm->arch.vdev[n].vm; n++) {
		irqfd_release(&vm->arch.vdev[n].intx, -1);
		for (unsigned int v = 0; v < VIRTIO_PCI_MSIX_MAX; v++)
			irqfd_release(&vm->arch.vdev[n].msix[v], -1);
	}
	if (vm->arch.pit_fd > 0)
		close(vm->arch.pit_fd);
}
