// SPDX-License-Identifier: GPL-2.0
/*
 * x86 vCPUs. Interrupts go in with KVM_INTERRUPT when kvm_run says the
 * guest can take one; otherwise the vCPU asks for an interrupt window. With
 * one vCPU they come from the userspace 8259 alone; with more, each vCPU
 * has a local APIC (lapic.c) that takes the I/O APIC's messages (ioapic.c),
 * and the 8259 reaches the BSP through LINT0 (ExtINT). Application
 * processors wait in the VMM until INIT and SIPI.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "loader.h"
#include "../sandbox.h"
#include "../vm.h"

/* Injection (KVM_INTERRUPT, KVM_NMI) and an INIT or SIPI's new state. */
const unsigned long arch_vcpu_ioctls[] = {
	KVM_INTERRUPT, KVM_NMI, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS,
	KVM_SET_SREGS, KVM_SET_FPU, KVM_GET_VCPU_EVENTS, 0,
};

const unsigned long arch_dump_ioctls[] = {
	KVM_GET_REGS, KVM_GET_VCPU_EVENTS, 0,
};

static struct kvm_cpuid2 *supported_cpuid(int sys_fd)
{
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
					      n * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = n;
		if (ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	return NULL;
}

/*
 * The guest sees the host's supported CPUID. With the VMM's local APIC,
 * minus x2APIC and the TSC deadline timer (it has neither) and the KVM
 * paravirtual features that need an in-kernel APIC; kvmclock stays. With
 * the kernel's, plus the TSC deadline timer when the module has it
 * (KVM_CAP_TSC_DEADLINE_TIMER, which the supported CPUID leaves out) and PV
 * EOI when offered and not refused (--no-pv-eoi). With one vCPU and the VMM's irqchip there is no local
 * APIC at all (Linux then runs on the 8259 and the PIT); otherwise each vCPU
 * reports its APIC ID.
 */
static void adjust_cpuid(struct kvm_cpuid2 *c, unsigned int id,
			 unsigned int nr, bool smp, bool kapic, bool deadline,
			 bool pv_eoi)
{
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			if (!kapic)
				e->ecx &= ~(1u << 21 | 1u << 24);	/* x2APIC, TSC deadline */
			else if (deadline)
				e->ecx |= 1u << 24;
			e->ecx |= 1u << 31;			/* hypervisor */
			if (!smp)
				e->edx &= ~(1u << 9);		/* APIC */
			else
				e->edx |= 1u << 9;
			e->ebx = (e->ebx & 0xffff) | nr << 16 | id << 24;
			break;
		case 0xb:
		case 0x1f:
			e->edx = id;				/* x2APIC ID */
			break;
		case 0x8000001e:
			e->eax = id;				/* extended APIC ID */
			break;
		case 0x40000001:
			/*
			 * kvmclock (both MSR sets), no-op io delay, stable
			 * bit; PV EOI and PV unhalt (KVM_HC_KICK_CPU, the
			 * guest's PV spinlocks) need the in-kernel APIC.
			 */
			e->eax &= 1u << 0 | 1u << 1 | 1u << 3 | 1u << 24 |
				  (kapic && pv_eoi ? 1u << 6 : 0) |	/* PV EOI */
				  (kapic ? 1u << 7 : 0);		/* unhalt */
			break;
		default:
			break;
		}
	}
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

static int setup_regs(struct vcpu *v, const struct boot_entry *b)
{
	struct kvm_sregs sr;
	struct kvm_regs r;
	struct kvm_fpu fpu;

	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	seg(&sr.cs, BOOT_CS, 0xb, !b->mode32);
	seg(&sr.ds, BOOT_DS, 0x3, false);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.type = 0xb;		/* busy 64-bit TSS */
	sr.tr.present = 1;
	sr.tr.limit = 0xffff;
	memset(&sr.ldt, 0, sizeof(sr.ldt));
	sr.ldt.type = 0x2;
	sr.ldt.present = 1;
	sr.ldt.limit = 0xffff;
	sr.gdt.base = b->gdt;
	sr.gdt.limit = b->gdt_limit;
	sr.idt.base = 0;
	sr.idt.limit = 0;
	if (b->mode32) {		/* PVH: protected mode, no paging */
		sr.cr0 = 0x31;		/* NE, ET, PE */
		sr.cr3 = 0;
		sr.cr4 = 0;
		sr.efer = 0;
	} else {
		sr.cr0 = 0x80000031;	/* PG, NE, ET, PE */
		sr.cr3 = b->cr3;
		sr.cr4 = 0x20;		/* PAE */
		sr.efer = 0x500;	/* LMA, LME */
	}
	/*
	 * KVM derives CPUID.1:EDX.APIC from the APIC base MSR's enable bit:
	 * off without a local APIC, on (with BSP on vCPU 0) with one.
	 */
	sr.apic_base = v->vm->arch.smp ? LAPIC_BASE | LAPIC_MSR_EN |
		       (v->id ? 0 : LAPIC_MSR_BSP) : 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0)
		return -1;

	memset(&r, 0, sizeof(r));
	r.rflags = 2;
	r.rip = b->rip;
	r.rsi = b->rsi;
	r.rbx = b->rbx;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return -1;

	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	return ioctl(v->fd, KVM_SET_FPU, &fpu);
}

/*
 * Real mode at vector * 0x1000 after INIT and a start-up IPI (the SDM's
 * state after INIT, with CS:IP = vector << 8 : 0).
 */
static int sipi_regs(struct vcpu *v, uint8_t vector)
{
	struct kvm_sregs sr;
	struct kvm_regs r;
	struct kvm_fpu fpu;
	struct kvm_segment data = {
		.limit = 0xffff, .type = 0x3, .present = 1, .s = 1,
	};

	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	sr.cs = data;
	sr.cs.type = 0xb;
	sr.cs.selector = (uint16_t)(vector << 8);
	sr.cs.base = (uint64_t)vector << 12;
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = data;
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.type = 0xb;
	sr.tr.present = 1;
	sr.tr.limit = 0xffff;
	memset(&sr.ldt, 0, sizeof(sr.ldt));
	sr.ldt.type = 0x2;
	sr.ldt.present = 1;
	sr.ldt.limit = 0xffff;
	sr.gdt.base = sr.idt.base = 0;
	sr.gdt.limit = sr.idt.limit = 0xffff;
	sr.cr0 = 0x60000010;		/* CD, NW, ET */
	sr.cr2 = sr.cr3 = sr.cr4 = 0;
	sr.efer = 0;
	sr.apic_base = LAPIC_BASE | LAPIC_MSR_EN;
	memset(sr.interrupt_bitmap, 0, sizeof(sr.interrupt_bitmap));
	if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0)
		return -1;
	memset(&r, 0, sizeof(r));
	r.rflags = 2;
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return -1;
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	return ioctl(v->fd, KVM_SET_FPU, &fpu);
}

/* Local APIC callbacks, with vm->lock held; ctx is the vCPU. */
static uint64_t apic_now(void *ctx)
{
	(void)ctx;
	return vm_now_ns();
}

static void apic_arm(void *ctx, uint64_t deadline)
{
	struct vcpu *v = ctx;
	struct itimerspec its = {
		.it_value = {
			.tv_sec = (time_t)(deadline / 1000000000ULL),
			.tv_nsec = (long)(deadline % 1000000000ULL),
		},
	};

	if (timerfd_settime(v->arch.apic_timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		vm_error("timerfd: %s", strerror(errno));
}

static void apic_notify(void *ctx)
{
	struct vcpu *v = ctx;

	pthread_cond_broadcast(&v->vm->wake);
	vcpu_kick(v);
}

/* The EOI of a level-triggered vector, broadcast to the I/O APIC. */
static void apic_eoi(void *ctx, uint8_t vector)
{
	struct vm *vm = ctx;

	ioapic_eoi(&vm->arch.ioapic, vector);
}

int arch_vcpu_init(struct vcpu *v)
{
	struct vm *vm = v->vm;
	unsigned int id = v->id;
	struct kvm_cpuid2 *c;
	int ret;

	v->arch.apic_timer_fd = -1;
	c = supported_cpuid(vm->sys_fd);
	if (!c) {
		vm_error("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		return -1;
	}
	if (vm->arch.smp && vm->arch.irqchip == IRQCHIP_USER) {
		/* Non-blocking: the I/O thread reads it after poll(). */
		v->arch.apic_timer_fd = timerfd_create(CLOCK_MONOTONIC,
						  TFD_CLOEXEC | TFD_NONBLOCK);
		if (v->arch.apic_timer_fd < 0) {
			vm_error("timerfd: %s", strerror(errno));
			free(c);
			return -1;
		}
		v->arch.apic = &vm->arch.apics[id];
		pthread_mutex_lock(&vm->lock);
		lapic_init(v->arch.apic, id, vm->arch.apic_ptrs, vm->nr_vcpus, apic_now,
			   apic_arm, apic_notify, v);
		lapic_set_eoi_hook(v->arch.apic, apic_eoi, vm);
		if (id == 0)
			lapic_virtual_wire(v->arch.apic);
		else
			v->arch.apic->wait_sipi = true;	/* APs wait for INIT/SIPI */
		vm->arch.apic_ptrs[id] = v->arch.apic;
		pthread_mutex_unlock(&vm->lock);
	}
	adjust_cpuid(c, id, vm->nr_vcpus, vm->arch.smp,
		     vm->arch.irqchip != IRQCHIP_USER,
		     ioctl(vm->sys_fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_TSC_DEADLINE_TIMER) > 0,
		     !vm->cfg->no_pv_eoi);
	ret = ioctl(v->fd, KVM_SET_CPUID2, c);
	free(c);
	if (ret < 0) {
		vm_error("KVM_SET_CPUID2: %s", strerror(errno));
		return -1;
	}
	if (setup_regs(v, &vm->arch.entry) < 0) {
		vm_error("setting up vCPU %u registers: %s", id, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The 8259's vector is for this vCPU (lock held): an ExtINT message from
 * the I/O APIC, or INTR on the BSP's LINT0.
 */
static bool extint_pending(struct vcpu *v)
{
	if (v->arch.apic && v->arch.apic->extint_pending)
		return true;
	if (v->id != 0 || !pic_pending(&v->vm->arch.pic))
		return false;
	/* No APIC, or the guest turned it off in IA32_APIC_BASE: direct. */
	if (!v->arch.apic || !(v->run->apic_base & LAPIC_MSR_EN))
		return true;
	return lapic_extint(v->arch.apic);
}

/* Something a halted vCPU with interrupts enabled would take (lock held). */
static bool irq_pending(struct vcpu *v)
{
	return extint_pending(v) || (v->arch.apic && lapic_pending(v->arch.apic) >= 0);
}

/*
 * Deliver a pending NMI, then an ExtINT from the 8259 or the local APIC's
 * highest deliverable vector, or ask for the interrupt window. With a split
 * irqchip only the 8259's vectors come this way (the in-kernel local APIC
 * takes them through LINT0 and says so in ready_for_interrupt_injection);
 * with the kernel's irqchip none do.
 */
static void inject(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct kvm_run *run = v->run;

	if ((v->id != 0 && !v->arch.apic) || vm->arch.irqchip == IRQCHIP_KERNEL)
		return;
	pthread_mutex_lock(&vm->lock);
	if (v->arch.apic && v->arch.apic->nmi_pending) {
		v->arch.apic->nmi_pending = false;
		if (vm->arch.has_nmi && ioctl(v->fd, KVM_NMI, 0) < 0)
			vm_error("KVM_NMI: %s", strerror(errno));
	}
	if (run->ready_for_interrupt_injection && run->if_flag) {
		int vec = -1;

		if (extint_pending(v)) {
			vec = pic_ack(&vm->arch.pic);
			if (v->arch.apic)
				v->arch.apic->extint_pending = false;
		} else if (v->arch.apic)
			vec = lapic_ack(v->arch.apic);
		if (vec >= 0) {
			struct kvm_interrupt irq = { .irq = (uint32_t)vec };

			if (ioctl(v->fd, KVM_INTERRUPT, &irq) < 0)
				vm_error("KVM_INTERRUPT: %s", strerror(errno));
			v->arch.injected++;
		}
	}
	run->request_interrupt_window = irq_pending(v);
	pthread_mutex_unlock(&vm->lock);
}

static void io_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool w = run->io.direction == KVM_EXIT_IO_OUT;

	if (run->io.size > 4 || run->io.data_offset + (uint64_t)run->io.size *
	    run->io.count > v->vm->run_size)
		return;
	pthread_mutex_lock(&v->vm->lock);
	for (uint32_t i = 0; i < run->io.count; i++)
		bus_access(&v->vm->pio, run->io.port, data + i * run->io.size,
			   run->io.size, w);
	pthread_mutex_unlock(&v->vm->lock);
}

static void halt(struct vcpu *v)
{
	struct vm *vm = v->vm;

	pthread_mutex_lock(&vm->lock);
	/* With IF clear only the end of the VM wakes a halted CPU. */
	uint64_t t0 = vm_now_ns();

	v->arch.halted = true;
	while (!vm->stopping &&
	       !(v->run->if_flag && irq_pending(v)) &&
	       !(v->arch.apic && (v->arch.apic->nmi_pending || v->arch.apic->init_pending)))
		pthread_cond_wait(&vm->wake, &vm->lock);
	v->arch.halted = false;
	v->arch.halt_ns = vm_now_ns() - t0;
	pthread_mutex_unlock(&vm->lock);
}

/*
 * An AP after INIT: wait for a start-up IPI, then enter real mode at its
 * vector. Returns false when the VM stops first.
 */
static bool wait_for_sipi(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint8_t vector;

	pthread_mutex_lock(&vm->lock);
	while (!vm->stopping && !v->arch.apic->sipi_pending)
		pthread_cond_wait(&vm->wake, &vm->lock);
	if (vm->stopping) {
		pthread_mutex_unlock(&vm->lock);
		return false;
	}
	vector = v->arch.apic->sipi_vector;
	v->arch.apic->sipi_pending = false;
	v->arch.apic->wait_sipi = false;
	v->arch.apic->init_pending = false;	/* an INIT during the wait is spent */
	/* Interrupts for the old life of this CPU are gone. */
	v->run->request_interrupt_window = 0;
	pthread_mutex_unlock(&vm->lock);
	if (sipi_regs(v, vector) < 0) {
		vm_error("vCPU %u: start-up state: %s", v->id, strerror(errno));
		vm_stop(vm, EXIT_ERROR);
		return false;
	}
	return true;
}

bool arch_vcpu_enter(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool init;

	pthread_mutex_lock(&vm->lock);
	init = v->arch.apic && (v->arch.apic->init_pending ||
				(v->id && v->arch.apic->wait_sipi));
	pthread_mutex_unlock(&vm->lock);
	if (init && !wait_for_sipi(v))
		return false;
	inject(v);
	return true;
}

/* The local APIC page: the same address, a different APIC per vCPU. */
bool arch_vcpu_mmio(struct vcpu *v, uint64_t addr, uint8_t *data,
		    unsigned int len, bool w)
{
	if (!v->arch.apic || addr < LAPIC_BASE || addr >= LAPIC_BASE + LAPIC_SIZE)
		return false;
	lapic_io(v->arch.apic, addr - LAPIC_BASE, data, len, w);
	return true;
}

int arch_vcpu_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		v->arch.io_exits++;
		io_exit(v);
		return 1;
	case KVM_EXIT_HLT:
		v->arch.hlt_exits++;
		halt(v);
		return 1;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		v->arch.window_exits++;
		return 1;
	case KVM_EXIT_IOAPIC_EOI:
		/* Split irqchip: a level-triggered vector's EOI, for remote IRR. */
		v->arch.eoi_exits++;
		pthread_mutex_lock(&v->vm->lock);
		ioapic_eoi(&v->vm->arch.ioapic, run->eoi.vector);
		pthread_mutex_unlock(&v->vm->lock);
		return 1;
	case KVM_EXIT_SHUTDOWN: {
		struct kvm_regs r;

		if (ioctl(v->fd, KVM_GET_REGS, &r) < 0)
			r.rip = 0;
		vm_error("guest triple fault (KVM_EXIT_SHUTDOWN), rip %#llx",
			 (unsigned long long)r.rip);
		vm_stop(v->vm, EXIT_TRIPLE_FAULT);
		return 0;
	}
	default:
		return -1;
	}
}

/* After the thread has stopped: state for debugging a stuck guest. */
void arch_vcpu_dump(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_vcpu_events ev;
	struct kvm_run *run = v->run;

	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0)
		memset(&r, 0, sizeof(r));
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		memset(&ev, 0, sizeof(ev));
	vm_error("vcpu%u: events: interrupt injected %u nr %#x soft %u shadow %u; "
		 "exception injected %u nr %u; nmi injected %u pending %u",
		 v->id, ev.interrupt.injected, ev.interrupt.nr, ev.interrupt.soft,
		 ev.interrupt.shadow, ev.exception.injected, ev.exception.nr,
		 ev.nmi.injected, ev.nmi.pending);
	vm_error("vcpu%u: rip %#llx rflags %#llx exits %llu (io %llu mmio %llu "
		 "hlt %llu window %llu eoi %llu eintr %llu) injected %llu last exit %u "
		 "if %u ready %u window-req %u; last exit %llu ms ago, last halt %llu ms",
		 v->id, (unsigned long long)r.rip, (unsigned long long)r.rflags,
		 (unsigned long long)v->exits, (unsigned long long)v->arch.io_exits,
		 (unsigned long long)v->mmio_exits,
		 (unsigned long long)v->arch.hlt_exits,
		 (unsigned long long)v->arch.window_exits,
		 (unsigned long long)v->arch.eoi_exits,
		 (unsigned long long)v->eintr, (unsigned long long)v->arch.injected,
		 v->last_exit, run->if_flag, run->ready_for_interrupt_injection,
		 run->request_interrupt_window,
		 (unsigned long long)(vm_now_ns() - v->last_exit_ns) / 1000000,
		 (unsigned long long)v->arch.halt_ns / 1000000);
	if (v->arch.apic) {
		struct lapic *l = v->arch.apic;

		vm_error("vcpu%u: apic base %#llx svr %#x tpr %#x ppr %#x pending %d "
			 "lint0 %#x timer %#x tmict %u tdcr %#x icr %#x:%#x esr %#x "
			 "init %d wait-sipi %d sipi %d nmi %d",
			 v->id, (unsigned long long)run->apic_base, l->svr, l->tpr,
			 lapic_ppr(l), lapic_pending(l), l->lvt[LVT_LINT0],
			 l->lvt[LVT_TIMER], l->tmict, l->tdcr, l->icr_hi, l->icr_lo,
			 l->esr_pending, l->init_pending, l->wait_sipi,
			 l->sipi_pending, l->nmi_pending);
	}
}

void arch_vcpu_destroy(struct vcpu *v)
{
	if (v->arch.apic && v->arch.apic_timer_fd >= 0)
		close(v->arch.apic_timer_fd);
}
