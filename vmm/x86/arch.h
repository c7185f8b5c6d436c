/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 half of a VM (x86/vm.c, x86/vcpu.c): the PC's legacy devices, the
 * local and I/O APICs, ACPI, PCI, and the boot state of the two loaders.
 */
#ifndef VIREO_X86_ARCH_H
#define VIREO_X86_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "../ioapic.h"
#include "../lapic.h"
#include "../loader.h"
#include "../options.h"
#include "../pci.h"
#include "../pic.h"
#include "../pit.h"
#include "../pm.h"
#include "../rtc.h"
#include "../virtio_pci.h"

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

struct arch_vm {
	struct pic pic;
	struct pit pit;
	struct rtc rtc;
	struct pm pm;
	struct pci_bus pci;
	uint8_t virtio_slots;
	struct virtio_pci vpci[X86_VIRTIO_SLOTS];	/* --virtio pci */
	/*
	 * --cpus > 1: a local APIC per vCPU, an I/O APIC and a MADT; with one
	 * vCPU the guest has no APIC at all and runs on the 8259 alone.
	 */
	bool smp;
	struct ioapic ioapic;
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
	uint64_t io_exits, hlt_exits, window_exits, injected;
	uint64_t halt_ns;	/* length of the last halt */
};

#endif
