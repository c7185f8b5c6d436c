/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 half of a VM (x86/vm.c, x86/vcpu.c): the PC's legacy devices, the
 * local and I/O APICs, ACPI, PCI, and the boot state of the two loaders.
 */
#ifndef VIREO_X86_ARCH_H
#define VIREO_X86_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "ioapic.h"
#include "../irqfd.h"
#include "lapic.h"
#include "loader.h"
#include "../options.h"
#include "pci.h"
#include "pic.h"
#include "pit.h"
#include "pm.h"
#include "rtc.h"
#include "../virtio/virtio_pci.h"

#define ARCH_MIN_MEM	BOOT_MIN_MEM
#define BOOT_TIMER_MMIO	0xd0000000ULL
/*
 * virtio-mmio devices: one 4 KiB window each, from here up, described to the
 * guest in the DSDT (dsdt.asl); port VIRTIO_SLOTS_PORT reads the bitmap of
 * slots in use.
 */
#define VIRTIO_MMIO_BASE 0xd0001000ULL
#define VIRTIO_SLOTS_PORT 0x510
#define X86_VIRTIO_SLOTS 8	/* with --virtio pci: PCI devices 1..8 */
/*
 * With the local APICs in the kernel, a virtio-pci device's MSI-X vector v
 * of slot n is GSI X86_MSI_GSI(n * VIRTIO_PCI_MSIX_MAX + v), above the
 * I/O APIC's pins, routed as an MSI (x86/irqchip.c).
 */
#define X86_MSI_ROUTES	(X86_VIRTIO_SLOTS * VIRTIO_PCI_MSIX_MAX)
#define X86_MSI_GSI(i)	(IOAPIC_PINS + (i))

struct x86_msi_route {
	bool routed;
	uint64_t addr;
	uint32_t data;
};

struct vm;

/*
 * A virtio device's interrupts as irqfds, with the interrupt controllers
 * in the kernel: its INTx or virtio-mmio line (kernel irqchip: the GSI of
 * its ISA IRQ, level-triggered with resample) and its MSI-X vectors (GSIs
 * X86_MSI_GSI()).
 */
struct x86_virtio {
	struct vm *vm;
	unsigned int n;			/* its slot */
	struct irqfd intx;
	struct irqfd msix[VIRTIO_PCI_MSIX_MAX];
};

struct arch_vm {
	struct pic pic;
	struct pit pit;
	struct rtc rtc;
	struct pm pm;
	struct pci_bus pci;
	uint8_t virtio_slots;
	struct virtio_pci vpci[X86_VIRTIO_SLOTS];	/* --virtio pci */
	struct x86_virtio vdev[X86_VIRTIO_SLOTS];
	/*
	 * The guest has local APICs, an I/O APIC and a MADT: with --cpus > 1,
	 * or with the local APICs in the kernel (irqchip split or kernel).
	 * With the user irqchip and one vCPU it has no APIC at all and runs
	 * on the 8259 alone.
	 */
	bool smp;
	enum irqchip_mode irqchip;	/* resolved: never IRQCHIP_AUTO */
	struct ioapic ioapic;
	/* Split irqchip: each pin's message, as last routed. */
	struct x86_msi_route pin_msi[IOAPIC_PINS];
	struct x86_msi_route msi[X86_MSI_ROUTES];
	bool has_nmi;		/* KVM_CAP_USER_NMI: NMI IPIs reach the guest */
	struct lapic apics[OPT_MAX_CPUS];
	struct lapic *apic_ptrs[OPT_MAX_CPUS];
	int pit_fd;		/* timerfd of the PIT's next interrupt */
	struct boot_entry entry;
};

struct arch_vcpu {
	bool halted;
	/* SMP guests: this vCPU's local APIC and its timer (vm->lock). */
	struct lapic *apic;
	int apic_timer_fd;
	/* Statistics, for the VIREO_DEBUG dump. */
	uint64_t io_exits, hlt_exits, window_exits, eoi_exits, injected;
	uint64_t halt_ns;	/* length of the last halt */
};

/*
 * x86/irqchip.c: the interrupt controllers in the kernel. After
 * KVM_CREATE_VM: the mode cfg asks for (or the module's best), its
 * controllers and GSI routes; level_irqs are the ISA IRQs for the in-kernel
 * 8259's ELCR. 0, or -1 after an error line.
 */
int x86_irqchip_create(struct vm *vm, uint16_t level_irqs);
const char *x86_irqchip_name(const struct vm *vm);
int x86_routes_commit(struct vm *vm);
void x86_irq_line_kernel(void *ctx, unsigned int irq, int level);
unsigned int x86_signal_msi(void *ctx, uint64_t addr, uint32_t data);
void x86_ioapic_rte_changed(void *ctx, unsigned int pin);
bool x86_msi_route(struct vm *vm, unsigned int i, uint64_t addr, uint32_t data);

#endif
