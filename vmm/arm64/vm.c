// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 half of a VM: the GICv3 and the timer are the kernel's (KVM's
 * vGIC device, the architected timer), so the VMM models only the 16550
 * console and the virtio-mmio devices, raises their SPIs with KVM_IRQ_LINE,
 * and describes the machine to the kernel in a device tree.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "../vm.h"
#include <libfdt.h>

#include "fdt.h"

int arch_check(const struct vm_config *cfg)
{
	if (cfg->transport == VIRTIO_PCI) {
		vm_error("--virtio pci: not on arm64 (its virtio devices are virtio-mmio)");
		return -1;
	}
	/* The vGIC is the kernel's: there is no interrupt controller to split. */
	if (cfg->irqchip == IRQCHIP_USER || cfg->irqchip == IRQCHIP_SPLIT) {
		vm_error("--irqchip: only kernel on arm64 (the GIC is the kernel's vGIC)");
		return -1;
	}
	if (cfg->mem_bytes > ARM64_RAM_MAX) {
		vm_error("--memory: at most %llu GiB on arm64",
			 ARM64_RAM_MAX >> 30);
		return -1;
	}
	return 0;
}

void arch_mem_init(struct guest_mem *m, void *host, uint64_t size)
{
	gmem_init_flat(m, host, ARM64_RAM_BASE, size);
}

static int gic_attr(struct vm *vm, uint32_t group, uint64_t attr, void *val,
		    const char *what)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)val,
	};

	if (ioctl(vm->arch.gic_fd, KVM_SET_DEVICE_ATTR, &a) < 0) {
		vm_error("vGICv3 %s: %s", what, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The vGIC exists before the vCPUs and has its addresses; it is
 * initialised once they all exist (arch_vcpus_done()).
 */
int arch_vm_init(struct vm *vm)
{
	struct kvm_create_device d = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t dist = ARM64_GICD_BASE, redist = ARM64_GICR_BASE;

	vm->arch.gic_fd = -1;
	if (ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &d) < 0) {
		vm_error("KVM_CREATE_DEVICE (vGICv3): %s%s", strerror(errno),
			 errno == ENODEV ? " (the host has no GICv3?)" : "");
		return -1;
	}
	vm->arch.gic_fd = (int)d.fd;
	if (gic_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST,
		     &dist, "distributor address") ||
	    gic_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
		     &redist, "redistributor address"))
		return -1;
	return 0;
}

int arch_vcpus_done(struct vm *vm)
{
	uint32_t nr = ARM64_NR_IRQS;

	if (gic_attr(vm, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr, "interrupts") ||
	    gic_attr(vm, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT,
		     NULL, "init"))
		return -1;
	return 0;
}

/*
 * An SPI line (irq_line, ctx the VM, irq the SPI number): KVM_IRQ_LINE's
 * arm64 encoding puts the type in bits 24-27 and the INTID (32 up) in
 * bits 0-15; the vCPU fields are for PPIs only.
 */
static void spi_set(void *ctx, unsigned int spi, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level l = {
		.irq = KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT | (spi + 32),
		.level = level ? 1 : 0,
	};

	if (spi >= sizeof(vm->arch.spi_level) ||
	    vm->arch.spi_level[spi] == l.level)
		return;
	vm->arch.spi_level[spi] = (uint8_t)l.level;
	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		vm_error("KVM_IRQ_LINE SPI %u: %s", spi, strerror(errno));
}

static struct irq_line spi_line(struct vm *vm, unsigned int spi)
{
	return (struct irq_line){ spi_set, vm, spi };
}

int arch_add_devices(struct vm *vm)
{
	serial_init(&vm->com1, spi_line(vm, ARM64_UART_SPI), vm_serial_tx,
		    vm_serial_room, vm);
	if (bus_add(&vm->mmio, ARM64_UART_BASE, ARM64_UART_SIZE, serial_io,
		    &vm->com1)) {
		vm_error("device ports overlap");
		return -1;
	}
	return 0;
}

struct irq_line arch_virtio_line(struct vm *vm, unsigned int n)
{
	return spi_line(vm, ARM64_VIRTIO_SPI + n);
}

/*
 * Virtio device n in virtio-mmio slot n. Its queue notifications become
 * ioeventfds, which the GIC being always the kernel's allows: no exit per
 * notify, and vhost-net's kicks (--net tap:NAME,vhost) go to the kernel.
 * Its interrupt stays a KVM_IRQ_LINE the VMM drives, lowered when the
 * guest acknowledges it in the device's registers.
 */
int arch_add_virtio(struct vm *vm, struct virtio_mmio *t, unsigned int n,
		    uint32_t pci_class)
{
	uint64_t base = ARM64_VIRTIO_BASE + n * VIRTIO_MMIO_SIZE;
	struct ioevent *ev = &vm->ioev[n];

	(void)pci_class;
	if (bus_add(&vm->mmio, base, VIRTIO_MMIO_SIZE, virtio_mmio_io, t)) {
		vm_error("virtio device %u: MMIO window taken", n);
		return -1;
	}
	if (ioevent_init(ev, vm, t)) {
		vm_error("virtio device %u: eventfd: %s", n, strerror(errno));
		return -1;
	}
	ioevent_place(ev, base + VIRTIO_MMIO_QUEUE_NOTIFY, 0, 4);
	vm->arch.virtio_slots |= 1u << n;
	return 0;
}

int arch_load(struct vm *vm, const struct firmware *fw, const uint8_t *kernel,
	      size_t kernel_len, const uint8_t *initrd, size_t initrd_len)
{
	struct arm64_boot *b = &vm->arch.boot;
	struct arm64_fdt dt = {
		.ram_base = vm->mem.base,
		.ram_size = vm->mem.size,
		.cpus = vm->cfg->cpus,
		.bootargs = vm->cmdline,
		.virtio_slots = vm->arch.virtio_slots,
	};
	char err[256];
	void *p;
	int ret;

	(void)fw;
	if (arm64_load(&vm->mem, kernel, kernel_len, initrd, initrd_len, b,
		       err, sizeof(err))) {
		vm_error("%s: %s", strncmp(err, "initrd", 6) ? vm->cfg->kernel :
			 vm->cfg->initrd, err);
		return -1;
	}
	dt.initrd_start = b->initrd_start;
	dt.initrd_end = b->initrd_end;
	p = gmem_ptr(&vm->mem, b->dtb, ARM64_DTB_MAX);
	ret = p ? arm64_fdt_build(p, ARM64_DTB_MAX, &dt) : -1;
	if (ret) {
		vm_error("device tree: %s", p ? fdt_strerror(ret) : "no room");
		return -1;
	}
	return 0;
}

unsigned int arch_poll_fds(struct vm *vm, struct pollfd *pf, unsigned int max)
{
	(void)vm;
	(void)pf;
	(void)max;
	return 0;
}

void arch_poll_serve(struct vm *vm, const struct pollfd *pf, unsigned int n)
{
	(void)vm;
	(void)pf;
	(void)n;
}

void arch_debug_dump(struct vm *vm)
{
	vm_error("uart: ier %02x thre %d rx %u mcr %02x irq %d",
		 vm->com1.ier, vm->com1.thre_pending, vm->com1.rx_count,
		 vm->com1.mcr, vm->com1.irq_level);
}

void arch_vm_destroy(struct vm *vm)
{
	if (vm->arch.gic_fd > 0)
		close(vm->arch.gic_fd);
}
