// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 guest's device tree. Bindings (Documentation/devicetree/
 * bindings): arm/cpus.yaml and arm/psci.yaml (CPUs started by PSCI CPU_ON
 * over HVC), interrupt-controller/arm,gic-v3.yaml (3 interrupt cells: type
 * 0 SPI / 1 PPI, number, flags), timer/arm,arch_timer.yaml (secure,
 * non-secure, virtual and hypervisor PPIs), serial/8250.yaml, virtio/mmio.
 */
#include <stdio.h>

#include <libfdt.h>

#include "../virtio/virtio_mmio.h"
#include "fdt.h"
#include "layout.h"

#define GIC_PHANDLE	1
#define IRQ_SPI		0
#define IRQ_PPI		1
#define IRQ_LEVEL_HIGH	4

/* Stop at the first libfdt error: every call below returns 0 or -FDT_ERR_*. */
#define TRY(x) do { int r_ = (x); if (r_ < 0) return r_; } while (0)

static int prop_reg(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

static int prop_irq(void *fdt, uint32_t type, uint32_t nr)
{
	fdt32_t irq[3] = { cpu_to_fdt32(type), cpu_to_fdt32(nr),
			   cpu_to_fdt32(IRQ_LEVEL_HIGH) };

	return fdt_property(fdt, "interrupts", irq, sizeof(irq));
}

static int cpus(void *fdt, unsigned int n)
{
	char name[32];

	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 1));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
		TRY(fdt_property_string(fdt, "enable-method", "psci"));
		/* KVM's MPIDR for vCPU i below 16: Aff0 = i. */
		TRY(fdt_property_u32(fdt, "reg", i));
		TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int gic(void *fdt, unsigned int ncpus)
{
	char name[32];
	fdt64_t reg[4] = {
		cpu_to_fdt64(ARM64_GICD_BASE), cpu_to_fdt64(ARM64_GICD_SIZE),
		cpu_to_fdt64(ARM64_GICR_BASE),
		cpu_to_fdt64(ARM64_GICR_STRIDE * ncpus),
	};

	snprintf(name, sizeof(name), "intc@%llx",
		 (unsigned long long)ARM64_GICD_BASE);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property(fdt, "reg", reg, sizeof(reg)));
	TRY(fdt_property_u32(fdt, "phandle", GIC_PHANDLE));
	return fdt_end_node(fdt);
}

static int timer(void *fdt)
{
	static const uint32_t ppis[] = {
		ARM64_PPI_SEC_PHYS, ARM64_PPI_PHYS, ARM64_PPI_VIRT, ARM64_PPI_HYP,
	};
	fdt32_t irq[3 * 4];

	for (unsigned int i = 0; i < 4; i++) {
		irq[3 * i] = cpu_to_fdt32(IRQ_PPI);
		irq[3 * i + 1] = cpu_to_fdt32(ppis[i]);
		irq[3 * i + 2] = cpu_to_fdt32(IRQ_LEVEL_HIGH);
	}
	TRY(fdt_begin_node(fdt, "timer"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	TRY(fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	TRY(fdt_property(fdt, "always-on", NULL, 0));
	return fdt_end_node(fdt);
}

static int uart(void *fdt, const char *name)
{
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
	TRY(prop_reg(fdt, ARM64_UART_BASE, ARM64_UART_SIZE));
	TRY(fdt_property_u32(fdt, "clock-frequency", ARM64_UART_CLOCK));
	TRY(prop_irq(fdt, IRQ_SPI, ARM64_UART_SPI));
	return fdt_end_node(fdt);
}

static int virtio(void *fdt, unsigned int slot)
{
	uint64_t base = ARM64_VIRTIO_BASE + (uint64_t)slot * VIRTIO_MMIO_SIZE;
	char name[32];

	snprintf(name, sizeof(name), "virtio_mmio@%llx",
		 (unsigned long long)base);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	TRY(prop_reg(fdt, base, VIRTIO_MMIO_SIZE));
	TRY(prop_irq(fdt, IRQ_SPI, ARM64_VIRTIO_SPI + slot));
	TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	return fdt_end_node(fdt);
}

int arm64_fdt_build(void *buf, size_t size, const struct arm64_fdt *c)
{
	void *fdt = buf;
	char name[32], uart_name[32], uart_path[40];

	if (size > INT32_MAX)
		size = INT32_MAX;
	TRY(fdt_create(fdt, (int)size));
	TRY(fdt_finish_reservemap(fdt));
	TRY(fdt_begin_node(fdt, ""));
	TRY(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
	TRY(fdt_property_string(fdt, "model", "vireo"));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_u32(fdt, "interrupt-parent", GIC_PHANDLE));

	snprintf(uart_name, sizeof(uart_name), "serial@%llx",
		 (unsigned long long)ARM64_UART_BASE);
	snprintf(uart_path, sizeof(uart_path), "/%s", uart_name);
	TRY(fdt_begin_node(fdt, "chosen"));
	TRY(fdt_property_string(fdt, "bootargs", c->bootargs ? c->bootargs : ""));
	TRY(fdt_property_string(fdt, "stdout-path", uart_path));
	if (c->initrd_end > c->initrd_start) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start", c->initrd_start));
		TRY(fdt_property_u64(fdt, "linux,initrd-end", c->initrd_end));
	}
	TRY(fdt_end_node(fdt));

	snprintf(name, sizeof(name), "memory@%llx",
		 (unsigned long long)c->ram_base);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(prop_reg(fdt, c->ram_base, c->ram_size));
	TRY(fdt_end_node(fdt));

	TRY(cpus(fdt, c->cpus));
	TRY(fdt_begin_node(fdt, "psci"));
	TRY(fdt_property(fdt, "compatible", "arm,psci-1.0\0arm,psci-0.2",
			 sizeof("arm,psci-1.0\0arm,psci-0.2")));
	TRY(fdt_property_string(fdt, "method", "hvc"));
	TRY(fdt_end_node(fdt));
	TRY(gic(fdt, c->cpus));
	TRY(timer(fdt));
	TRY(uart(fdt, uart_name));
	for (unsigned int i = 0; i < 32; i++)
		if (c->virtio_slots & 1u << i)
			TRY(virtio(fdt, i));
	TRY(fdt_end_node(fdt));
	TRY(fdt_finish(fdt));
	return 0;
}
