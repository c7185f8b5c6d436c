// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt controllers in the kernel (--irqchip split and kernel), the
 * KVM side of them: which mode the module can give, the GSI routing table,
 * and the three ways an interrupt leaves the VMM.
 *
 * - A device line in kernel mode: KVM_IRQ_LINE on its GSI (the in-kernel
 *   8259 and I/O APIC pin of that number; GSI 0, the PIT's, reaches I/O
 *   APIC pin 2 as the MADT says), or its irqfd (ioevent.c).
 * - An I/O APIC message in split mode: the VMM's I/O APIC (ioapic.c)
 *   composes the MSI and KVM_SIGNAL_MSI delivers it to the in-kernel local
 *   APICs. The routing table's first IOAPIC_PINS GSIs mirror the
 *   redirection entries as MSI routes: kvm.ko reports the EOI of a
 *   level-triggered vector (KVM_EXIT_IOAPIC_EOI) only for vectors it finds
 *   there.
 * - An MSI-X message of a virtio-pci device, in either mode: the irqfd of
 *   that (device, vector), whose GSI has an MSI route kept equal to the
 *   table entry the message came from.
 *
 * All of it runs under vm->lock, as every device callback does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "../vm.h"

static bool has_cap(struct vm *vm, long cap)
{
	return ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

static const char *mode_name(enum irqchip_mode m)
{
	return m == IRQCHIP_KERNEL ? "kernel" : m == IRQCHIP_SPLIT ? "split" : "user";
}

/*
 * The capabilities each mode needs, beyond what the user mode does: the
 * first one missing, or NULL.
 */
static const char *missing_cap(struct vm *vm, enum irqchip_mode m)
{
	static const struct {
		long cap;
		const char *name;
		bool kernel_only;
	} need[] = {
		{ KVM_CAP_SPLIT_IRQCHIP, "KVM_CAP_SPLIT_IRQCHIP", false },
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", true },
		{ KVM_CAP_PIT2, "KVM_CAP_PIT2", true },
		{ KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING", false },
		{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI", false },
		{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD", false },
		{ KVM_CAP_IRQFD_RESAMPLE, "KVM_CAP_IRQFD_RESAMPLE", true },
		{ KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD", false },
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		/* Split mode needs no in-kernel 8259/PIT; kernel mode no split. */
		if (m == IRQCHIP_SPLIT && need[i].kernel_only)
			continue;
		if (m == IRQCHIP_KERNEL && need[i].cap == KVM_CAP_SPLIT_IRQCHIP)
			continue;
		if (!has_cap(vm, need[i].cap))
			return need[i].name;
	}
	return NULL;
}

/* A level-triggered ISA line in the in-kernel 8259 and I/O APIC: ELCR. */
static int set_elcr(struct vm *vm, uint16_t level_irqs)
{
	for (unsigned int c = 0; c < 2; c++) {
		struct kvm_irqchip chip = {
			.chip_id = c ? KVM_IRQCHIP_PIC_SLAVE : KVM_IRQCHIP_PIC_MASTER,
		};

		if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) < 0)
			return -1;
		chip.chip.pic.elcr |= (uint8_t)(level_irqs >> (8 * c));
		if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &chip) < 0)
			return -1;
	}
	return 0;
}

int x86_irqchip_create(struct vm *vm, uint16_t level_irqs)
{
	enum irqchip_mode m = vm->cfg->irqchip;
	const char *miss;

	if (m == IRQCHIP_AUTO)
		m = missing_cap(vm, IRQCHIP_SPLIT) ? IRQCHIP_USER : IRQCHIP_SPLIT;
	vm->arch.irqchip = m;
	if (m == IRQCHIP_USER)
		return 0;
	miss = missing_cap(vm, m);
	if (miss) {
		vm_error("--irqchip %s: %s does not offer it (no %s); --irqchip user works without",
			 mode_name(m), vm->cfg->device, miss);
		return -1;
	}
	if (m == IRQCHIP_SPLIT) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_SPLIT_IRQCHIP,
			.args = { IOAPIC_PINS },
		};

		if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
			vm_error("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s",
				 strerror(errno));
			return -1;
		}
	} else {
		struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

		if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
			vm_error("KVM_CREATE_IRQCHIP: %s", strerror(errno));
			return -1;
		}
		if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
			vm_error("KVM_CREATE_PIT2: %s", strerror(errno));
			return -1;
		}
		if (set_elcr(vm, level_irqs) < 0) {
			vm_error("KVM_SET_IRQCHIP (ELCR): %s", strerror(errno));
			return -1;
		}
	}
	return x86_routes_commit(vm);
}

const char *x86_irqchip_name(const struct vm *vm)
{
	return mode_name(vm->arch.irqchip);
}

static void irqchip_entry(struct kvm_irq_routing_entry *e, uint32_t gsi,
			  uint32_t chip, uint32_t pin)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

static void msi_entry(struct kvm_irq_routing_entry *e, uint32_t gsi,
		      uint64_t addr, uint32_t data)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = (uint32_t)addr;
	e->u.msi.address_hi = (uint32_t)(addr >> 32);
	e->u.msi.data = data;
}

#define MAX_ROUTES (16 + IOAPIC_PINS + X86_MSI_ROUTES)

int x86_routes_commit(struct vm *vm)
{
	struct arch_vm *a = &vm->arch;
	struct kvm_irq_routing *r;
	unsigned int n = 0;
	int ret;

	r = calloc(1, sizeof(*r) + MAX_ROUTES * sizeof(r->entries[0]));
	if (!r)
		return -1;
	if (a->irqchip == IRQCHIP_KERNEL) {
		/* ISA IRQs on the 8259s (2 is the cascade), GSIs on the I/O APIC. */
		for (unsigned int irq = 0; irq < 16; irq++)
			if (irq != 2)
				irqchip_entry(&r->entries[n++], irq,
					      irq < 8 ? KVM_IRQCHIP_PIC_MASTER :
					      KVM_IRQCHIP_PIC_SLAVE, irq & 7);
		for (unsigned int gsi = 0; gsi < IOAPIC_PINS; gsi++)
			if (gsi != 2)
				irqchip_entry(&r->entries[n++], gsi,
					      KVM_IRQCHIP_IOAPIC, gsi ? gsi : 2);
	} else {
		for (unsigned int pin = 0; pin < IOAPIC_PINS; pin++) {
			uint64_t addr;
			uint32_t data;

			ioapic_msi_of(a->ioapic.rte[pin], &addr, &data);
			msi_entry(&r->entries[n++], pin, addr, data);
		}
	}
	for (unsigned int i = 0; i < X86_MSI_ROUTES; i++)
		if (a->msi[i].routed)
			msi_entry(&r->entries[n++], X86_MSI_GSI(i), a->msi[i].addr,
				  a->msi[i].data);
	r->nr = n;
	ret = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	if (ret < 0) {
		vm_error("KVM_SET_GSI_ROUTING: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* An ISA line with the 8259s and I/O APIC in the kernel (ctx the VM). */
void x86_irq_line_kernel(void *ctx, unsigned int irq, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level l = { .irq = irq, .level = (uint32_t)level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		vm_error("KVM_IRQ_LINE %u: %s", irq, strerror(errno));
}

/* An MSI to the in-kernel local APICs; how many took it. */
unsigned int x86_signal_msi(void *ctx, uint64_t addr, uint32_t data)
{
	struct vm *vm = ctx;
	struct kvm_msi m = {
		.address_lo = (uint32_t)addr,
		.address_hi = (uint32_t)(addr >> 32),
		.data = data,
	};
	int r = ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &m);

	if (r < 0) {
		vm_error("KVM_SIGNAL_MSI: %s", strerror(errno));
		return 0;
	}
	return (unsigned int)r;
}

/*
 * Split irqchip: a redirection entry changed. Its MSI route follows only
 * when the message did (the mask bit is not part of it), so a guest
 * masking and unmasking a pin costs no routing update.
 */
void x86_ioapic_rte_changed(void *ctx, unsigned int pin)
{
	struct vm *vm = ctx;
	uint64_t addr;
	uint32_t data;

	if (pin >= IOAPIC_PINS)
		return;
	ioapic_msi_of(vm->arch.ioapic.rte[pin], &addr, &data);
	if (addr == vm->arch.pin_msi[pin].addr && data == vm->arch.pin_msi[pin].data)
		return;
	vm->arch.pin_msi[pin].addr = addr;
	vm->arch.pin_msi[pin].data = data;
	x86_routes_commit(vm);
}

/*
 * Route i (a virtio-pci device's MSI-X vector) now carries this message:
 * the routing table follows when it changed; false when it cannot.
 */
bool x86_msi_route(struct vm *vm, unsigned int i, uint64_t addr, uint32_t data)
{
	struct x86_msi_route *m = &vm->arch.msi[i];

	if (m->routed && m->addr == addr && m->data == data)
		return true;
	m->routed = true;
	m->addr = addr;
	m->data = data;
	return x86_routes_commit(vm) == 0;
}
