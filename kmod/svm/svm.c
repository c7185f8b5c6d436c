// SPDX-License-Identifier: GPL-2.0
/*
 * AMD-V backend: CPU enablement, VMCB set-up, register state and entry.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/tsc.h>
#include <asm/trapnr.h>
#include <asm/reboot.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/uaccess.h>

#include "svm/svm.h"
#include "x86/irqchip/irqchip.h"
#include "x86/mitigate.h"

#define SVM_ASID		1
#define SVM_IOPM_ORDER		2	/* 12 KiB used */
#define SVM_MSRPM_ORDER		1	/* 8 KiB used */
#define SVM_RESET_PAT		0x0007040600070406ULL
#define SVM_RESET_DR6		0xffff0ff0ULL
#define SVM_RESET_DR7		0x400ULL
#define SVM_RESET_APIC_BASE	(APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE)

/* What LLDT last loaded: the selector, and from its descriptor */
struct svm_ldt {
	u16 sel;
	u32 limit;
	u64 base;
};

struct svm_cpu {
	struct page *hsave;	/* what VMRUN saves of the host */
	struct page *host_vmcb;	/* what VMSAVE/VMLOAD keep of the host */
	u64 host_pa;
	/* the KVM_RUN and LDT whose host state host_vmcb holds */
	u64 host_run;
	struct svm_ldt host_ldt;
	struct vmcb *last_vmcb;
	bool enabled;
};

static DEFINE_PER_CPU(struct svm_cpu, svm_cpus);
/* Numbers every KVM_RUN of every vCPU: see svm_host_save(). */
static atomic64_t svm_runs;
static struct page *svm_iopm;
static struct page *svm_msrpm;
static u64 svm_host_xcr0;
/*
 * Set when this kernel itself runs under a hypervisor: see
 * svm_intr_needs_exit().
 */
static bool svm_nested_host;

/*
 * Intercepting every port and every MSR keeps the guest's reach exactly what
 * the exit handlers allow, and lets all VMs share one pair of bitmaps.
 */
static struct page *svm_alloc_bitmap(unsigned int order)
{
	struct page *page = alloc_pages(GFP_KERNEL, order);

	if (!page)
		return NULL;
	memset(page_address(page), 0xff, PAGE_SIZE << order);
	vireo_count_pages(1 << order);
	return page;
}

static void svm_free_bitmap(struct page *page, unsigned int order)
{
	if (!page)
		return;
	__free_pages(page, order);
	vireo_count_pages(-(1 << order));
}

static int svm_probe(void)
{
	u64 efer, vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM))
		return -ENODEV;
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & (1 << SVM_VM_CR_SVM_DISABLE)) {
		pr_err("AMD-V is disabled by the firmware\n");
		return -EOPNOTSUPP;
	}
	if (!boot_cpu_has(X86_FEATURE_NPT)) {
		pr_err("this CPU has AMD-V but no nested paging\n");
		return -EOPNOTSUPP;
	}
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("AMD-V is already in use by another hypervisor (kvm_amd?)\n");
		return -EBUSY;
	}
	return 0;
}

static void svm_cpu_disable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	x86_uret_flush();
	if (!sc->enabled)
		return;
	sc->enabled = false;
	sc->last_vmcb = NULL;
	sc->host_run = 0;
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	/* Leaving SVM with GIF clear would keep interrupts off for good. */
	asm volatile("stgi" ::: "memory");
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
}

static int svm_cpu_enable(void)
{
	struct svm_cpu *sc = this_cpu_ptr(&svm_cpus);
	u64 efer;

	if (sc->enabled)
		return 0;
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		pr_err("AMD-V is already in use on CPU %d\n", smp_processor_id());
		return -EBUSY;
	}
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(sc->hsave));
	sc->last_vmcb = NULL;
	sc->host_run = 0;
	sc->enabled = true;
	return 0;
}

static void svm_fini(void)
{
	int cpu;

	x86_emergency_unregister();
	x86_kvmclock_fini();
	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		vireo_free_page(sc->hsave);
		vireo_free_page(sc->host_vmcb);
		sc->hsave = NULL;
		sc->host_vmcb = NULL;
	}
	svm_free_bitmap(svm_iopm, SVM_IOPM_ORDER);
	svm_free_bitmap(svm_msrpm, SVM_MSRPM_ORDER);
}

static int svm_init(void)
{
	int cpu;

	svm_iopm = svm_alloc_bitmap(SVM_IOPM_ORDER);
	svm_msrpm = svm_alloc_bitmap(SVM_MSRPM_ORDER);
	if (!svm_iopm || !svm_msrpm)
		goto err;
	for_each_possible_cpu(cpu) {
		struct svm_cpu *sc = per_cpu_ptr(&svm_cpus, cpu);

		sc->hsave = vireo_alloc_page();
		sc->host_vmcb = vireo_alloc_page();
		if (!sc->hsave || !sc->host_vmcb)
			goto err;
		sc->host_pa = page_to_phys(sc->host_vmcb);
	}
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		svm_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	svm_nested_host = boot_cpu_has(X86_FEATURE_HYPERVISOR);
	x86_uret_init(BIT(X86_URET_TSC_AUX));
	if (x86_kvmclock_init())
		goto err;
	x86_emergency_register("kvm_amd", svm_cpu_disable);
	return 0;
err:
	svm_fini();
	return -ENOMEM;
}

static int svm_vm_create(struct vireo_vm *vm)
{
	struct svm_vm *svm = vireo_zalloc(sizeof(*svm));
	int r;

	if (!svm)
		return -ENOMEM;
	r = svm_npt_create(svm);
	if (r) {
		vireo_free(svm);
		return r;
	}
	x86_kvmclock_vm_init(&svm->x86);
	vm->arch = svm;
	return 0;
}

static void svm_vm_destroy(struct vireo_vm *vm)
{
	x86_irqchip_free(vm);
	x86_msr_filter_free(vm->arch);
	svm_npt_destroy(to_svm_vm(vm));
	vireo_free(vm->arch);
}

static void svm_set_intercept(struct vmcb *vmcb, unsigned int bit)
{
	vmcb->control.intercepts[bit / 32] |= 1U << (bit % 32);
}

static void svm_seg_reset(struct vmcb_seg *seg, u16 attrib)
{
	seg->selector = 0;
	seg->attrib = attrib;
	seg->limit = 0xffff;
	seg->base = 0;
}

/* The architectural state after RESET, as kvm.ko presents it. */
static void svm_vmcb_reset(struct svm_vcpu *sv, struct svm_vm *svm, u32 id)
{
	struct vmcb_control_area *c = &sv->vmcb->control;
	struct vmcb_save_area *s = &sv->vmcb->save;
	static const unsigned int intercepts[] = {
		INTERCEPT_INTR, INTERCEPT_NMI, INTERCEPT_SMI, INTERCEPT_CPUID,
		INTERCEPT_HLT, INTERCEPT_INVLPGA, INTERCEPT_IOIO_PROT,
		INTERCEPT_MSR_PROT, INTERCEPT_SHUTDOWN, INTERCEPT_VMRUN,
		INTERCEPT_VMMCALL, INTERCEPT_VMLOAD, INTERCEPT_VMSAVE,
		INTERCEPT_STGI, INTERCEPT_CLGI, INTERCEPT_SKINIT,
		INTERCEPT_XSETBV, INTERCEPT_MONITOR, INTERCEPT_MWAIT,
		INTERCEPT_RSM,
		/* CR4 against the guest's CPUID, which the CPU does not know */
		INTERCEPT_CR4_WRITE,
		/* host caches, host-wide stalls, host counters */
		INTERCEPT_INVD, INTERCEPT_WBINVD, INTERCEPT_RDPMC,
		INTERCEPT_RDPRU,
		/*
		 * #AC and #DB can be raised by their own delivery, an endless
		 * loop without an instruction boundary where the host could
		 * take its CPU back (CVE-2015-5307, CVE-2015-8104); a machine
		 * check is the host's to handle.
		 */
		INTERCEPT_EXCEPTION_OFFSET + X86_TRAP_DB,
		INTERCEPT_EXCEPTION_OFFSET + X86_TRAP_AC,
		INTERCEPT_EXCEPTION_OFFSET + X86_TRAP_MC,
		/* VMCALL, Intel's hypercall, is one (x86_fix_hypercall()) */
		INTERCEPT_EXCEPTION_OFFSET + X86_TRAP_UD,
	};
	unsigned int i;

	memset(sv->vmcb, 0, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(intercepts); i++)
		svm_set_intercept(sv->vmcb, intercepts[i]);
	svm_dr_intercepts(sv->vmcb, true);
	c->iopm_base_pa = page_to_phys(svm_iopm);
	c->msrpm_base_pa = page_to_phys(svm_msrpm);
	c->asid = SVM_ASID;
	c->int_ctl = V_INTR_MASKING_MASK;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->nested_cr3 = x86_tdp_root_pa(&svm->tdp);

	svm_seg_reset(&s->cs, 0x9b);
	s->cs.selector = 0xf000;
	s->cs.base = 0xffff0000;
	svm_seg_reset(&s->ds, 0x93);
	svm_seg_reset(&s->es, 0x93);
	svm_seg_reset(&s->ss, 0x93);
	svm_seg_reset(&s->fs, 0x93);
	svm_seg_reset(&s->gs, 0x93);
	svm_seg_reset(&s->ldtr, 0x82);
	svm_seg_reset(&s->tr, 0x8b);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	s->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	s->efer = EFER_SVME;
	s->rflags = X86_EFLAGS_FIXED;
	s->rip = 0xfff0;
	s->dr6 = SVM_RESET_DR6;
	s->dr7 = SVM_RESET_DR7;
	s->g_pat = SVM_RESET_PAT;

	memset(&sv->gprs, 0, sizeof(sv->gprs));
	c->tsc_offset = svm->x86.tsc_offset0;
	sv->xcr0 = XFEATURE_MASK_FP;
	sv->apic_base = SVM_RESET_APIC_BASE |
			(x86_is_bsp(&svm->x86, id) ? MSR_IA32_APICBASE_BSP : 0);
	sv->last_cpu = -1;
	sv->uexit.kind = X86_UEXIT_NONE;
	memset(&sv->dregs, 0, sizeof(sv->dregs));
	sv->dr_native = false;
	sv->virq = false;
	memset(sv->uret, 0, sizeof(sv->uret));
}

/**
 * svm_vcpu_reinit - a vCPU back to a known state after a SHUTDOWN intercept
 * @vcpu: the vCPU
 *
 * The VMCB is undefined after SHUTDOWN (APM vol. 2, 15.11), yet a VMM may
 * load new registers and run the vCPU again, as it does for a reset.  Like
 * kvm.ko, treat the shutdown as an INIT: the VMCB and the event state are
 * rebuilt from scratch, keeping what INIT keeps (TSC, PAT, XCR0, APIC base
 * and MISC_ENABLE).
 */
void svm_vcpu_reinit(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	u64 tsc_offset = sv->vmcb->control.tsc_offset;
	u64 pat = sv->vmcb->save.g_pat;
	u64 apic_base = sv->apic_base;
	u64 xcr0 = sv->xcr0;

	svm_vmcb_reset(sv, to_svm_vm(vcpu->vm), vcpu->id);
	sv->vmcb->control.tsc_offset = tsc_offset;
	sv->vmcb->save.g_pat = pat;
	sv->apic_base = apic_base;
	sv->xcr0 = xcr0;
	sv->events.nmi_pending = 0;
	sv->nmi_masked = false;
	sv->nmi_step = SVM_STEP_NONE;
}

static bool svm_lapic_irq_enabled(struct vireo_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->save.rflags & X86_EFLAGS_IF;
}

static void svm_lapic_sipi(struct vireo_vcpu *vcpu, u8 vector)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;

	s->cs.selector = vector << 8;
	s->cs.base = vector << 12;
	s->rip = 0;
}

static u64 svm_lapic_tsc_offset(struct vireo_vcpu *vcpu)
{
	return to_svm(vcpu)->vmcb->control.tsc_offset;
}

static const struct x86_cpuid *svm_lapic_cpuid(struct vireo_vcpu *vcpu)
{
	return &to_svm(vcpu)->cpuid;
}

static const struct x86_lapic_ops svm_lapic_ops = {
	.irq_enabled	= svm_lapic_irq_enabled,
	.init		= svm_vcpu_reinit,
	.sipi		= svm_lapic_sipi,
	.tsc_offset	= svm_lapic_tsc_offset,
	.cpuid		= svm_lapic_cpuid,
};

static int svm_vcpu_create(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = vireo_zalloc(sizeof(*sv));

	if (!sv)
		return -ENOMEM;
	sv->vmcb_page = vireo_alloc_page();
	if (!sv->vmcb_page)
		goto err;
	if (!x86_fpu_alloc(&sv->fpu))
		goto err;
	sv->vmcb = page_address(sv->vmcb_page);
	sv->vmcb_pa = page_to_phys(sv->vmcb_page);
	x86_tsc_start(vcpu);
	svm_vmcb_reset(sv, to_svm_vm(vcpu->vm), vcpu->id);
	x86_mce_init(&sv->x86.mce);
	/* kvm_amd's made-up microcode revision, until the VMM sets one */
	sv->x86.ucode_rev = 0x01000065;
	vcpu->arch = sv;
	if (x86_lapic_create(vcpu, &svm_lapic_ops)) {
		x86_fpu_free(&sv->fpu);
		goto err;
	}
	return 0;
err:
	vireo_free_page(sv->vmcb_page);
	vireo_free(sv);
	return -ENOMEM;
}

static void svm_vcpu_destroy(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	int cpu;

	x86_lapic_destroy(vcpu);
	/* A later VMCB at this address must not be mistaken for this one. */
	for_each_possible_cpu(cpu)
		cmpxchg(&per_cpu_ptr(&svm_cpus, cpu)->last_vmcb, sv->vmcb, NULL);
	x86_fpu_free(&sv->fpu);
	vireo_free_page(sv->vmcb_page);
	vireo_free(sv);
}

static void svm_get_regs(struct vireo_vcpu *vcpu, struct kvm_regs *regs)
{
	struct svm_vcpu *sv = to_svm(vcpu);

	x86_gprs_to_kvm(&sv->gprs, regs);
	regs->rax = sv->vmcb->save.rax;
	regs->rsp = sv->vmcb->save.rsp;
	regs->rip = sv->vmcb->save.rip;
	regs->rflags = sv->vmcb->save.rflags;
	/* The single-step's TF is the VMM's, as kvm.ko hides it. */
	if (sv->x86.gdb.control & KVM_GUESTDBG_SINGLESTEP)
		regs->rflags &= ~X86_EFLAGS_TF;
}

static void svm_set_regs(struct vireo_vcpu *vcpu, const struct kvm_regs *regs)
{
	struct svm_vcpu *sv = to_svm(vcpu);

	x86_gprs_from_kvm(&sv->gprs, regs);
	sv->vmcb->save.rax = regs->rax;
	sv->vmcb->save.rsp = regs->rsp;
	sv->vmcb->save.rip = regs->rip;
	sv->vmcb->save.rflags = regs->rflags | X86_EFLAGS_FIXED;
	if ((sv->x86.gdb.control & KVM_GUESTDBG_SINGLESTEP) &&
	    svm_linear_rip(&sv->vmcb->save) == sv->x86.gdb.step_rip)
		sv->vmcb->save.rflags |= X86_EFLAGS_TF;
}

/*
 * KVM_SET_GUEST_DEBUG.  #BP is intercepted for software breakpoints only;
 * #DB always is.  With the VMM's hardware breakpoints in the CPU every MOV
 * DR exits (svm_emulate_dr()), as it does before the guest's first one.
 */
static long svm_set_guest_debug(struct svm_vcpu *sv, void __user *argp)
{
	struct vmcb_control_area *c = &sv->vmcb->control;
	struct vmcb_save_area *s = &sv->vmcb->save;
	u32 bp = BIT(X86_TRAP_BP), old, now;
	struct kvm_guest_debug dbg;

	if (copy_from_user(&dbg, argp, sizeof(dbg)))
		return -EFAULT;
	if (dbg.control & (KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP)) {
		/* kvm.ko: one exception at a time */
		if ((c->event_inj & (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) ==
		    (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_EXEPT))
			return -EBUSY;
		if (dbg.control & KVM_GUESTDBG_INJECT_DB) {
			svm_inject_exception(sv, X86_TRAP_DB, false, 0);
		} else {
			/*
			 * As the INT3 at RIP would have raised it (the VMM
			 * hands back a breakpoint of the guest's): the handler
			 * returns past it.  NextRIP tells the CPU, as kvm.ko
			 * does; an emulator that ignores it for an injected
			 * exception (QEMU's TCG) saves RIP itself, under
			 * kvm.ko too.
			 */
			svm_inject_exception(sv, X86_TRAP_BP, false, 0);
			if (boot_cpu_has(X86_FEATURE_NRIPS))
				c->next_rip = s->rip + 1;
			else
				s->rip++;
		}
	}
	old = x86_gdb_set(&sv->x86.gdb, &dbg);
	now = sv->x86.gdb.control;
	sv->x86.gdb.step_rip = svm_linear_rip(s);
	/* TF: taken back from the old single-step, set for the new one */
	if (sv->nmi_step) {
		if (old & KVM_GUESTDBG_SINGLESTEP)
			sv->step_tf = false;
		if (now & KVM_GUESTDBG_SINGLESTEP)
			sv->step_tf = true;
	} else {
		if (old & KVM_GUESTDBG_SINGLESTEP)
			s->rflags &= ~X86_EFLAGS_TF;
		if (now & KVM_GUESTDBG_SINGLESTEP)
			s->rflags |= X86_EFLAGS_TF;
	}
	if (now & KVM_GUESTDBG_USE_SW_BP)
		c->intercepts[INTERCEPT_EXCEPTION] |= bp;
	else
		c->intercepts[INTERCEPT_EXCEPTION] &= ~bp;
	svm_dr_intercepts(sv->vmcb, !sv->dr_native ||
			  (now & KVM_GUESTDBG_USE_HW_BP));
	return 0;
}

/* The VMCB packs descriptor bits 55:52 right above bits 47:40. */
static void svm_seg_to_kvm(const struct vmcb_seg *seg, struct kvm_segment *k)
{
	k->base = seg->base;
	k->limit = seg->limit;
	k->selector = seg->selector;
	x86_seg_to_kvm((seg->attrib & 0xff) | (seg->attrib & 0xf00) << 4, k);
	k->unusable = !k->present;
}

static void svm_seg_from_kvm(struct vmcb_seg *seg, const struct kvm_segment *k)
{
	u32 ar = x86_seg_from_kvm(k);

	seg->base = k->base;
	seg->limit = k->limit;
	seg->selector = k->selector;
	seg->attrib = (ar & X86_SEG_UNUSABLE) ? 0 :
		      (ar & 0xff) | ((ar >> 4) & 0xf00);
}

/*
 * The VMCB holds the guest's EFER, with LMA kept by the CPU as the guest
 * turns paging on and off; SVME must be set there for VMRUN and is never
 * the guest's own (it cannot see SVM).
 */
static u64 svm_guest_efer(struct svm_vcpu *sv)
{
	return sv->vmcb->save.efer & ~EFER_SVME;
}

static void svm_get_sregs(struct svm_vcpu *sv, struct kvm_sregs *sr)
{
	struct vmcb_save_area *s = &sv->vmcb->save;

	memset(sr, 0, sizeof(*sr));
	svm_seg_to_kvm(&s->cs, &sr->cs);
	svm_seg_to_kvm(&s->ds, &sr->ds);
	svm_seg_to_kvm(&s->es, &sr->es);
	svm_seg_to_kvm(&s->fs, &sr->fs);
	svm_seg_to_kvm(&s->gs, &sr->gs);
	svm_seg_to_kvm(&s->ss, &sr->ss);
	svm_seg_to_kvm(&s->tr, &sr->tr);
	svm_seg_to_kvm(&s->ldtr, &sr->ldt);
	/* The busy TSS and the LDT are present whatever the P bit says. */
	sr->tr.unusable = 0;
	sr->gdt.base = s->gdtr.base;
	sr->gdt.limit = s->gdtr.limit;
	sr->idt.base = s->idtr.base;
	sr->idt.limit = s->idtr.limit;
	sr->cr0 = s->cr0;
	sr->cr2 = s->cr2;
	sr->cr3 = s->cr3;
	sr->cr4 = s->cr4;
	sr->cr8 = sv->x86.apic ? x86_lapic_get_cr8(sv->x86.apic) :
		  sv->vmcb->control.int_ctl & V_TPR_MASK;
	sr->efer = svm_guest_efer(sv);
	sr->apic_base = sv->apic_base;
	if (sv->vmcb->control.event_inj & SVM_EVTINJ_VALID &&
	    (sv->vmcb->control.event_inj & SVM_EVTINJ_TYPE_MASK) ==
	    SVM_EVTINJ_TYPE_INTR) {
		u8 v = sv->vmcb->control.event_inj & SVM_EVTINJ_VEC_MASK;

		sr->interrupt_bitmap[v / 64] |= 1ULL << (v % 64);
	}
}

static void svm_set_efer(struct svm_vcpu *sv, u64 efer)
{
	sv->vmcb->save.efer = efer | EFER_SVME;
}

static int svm_set_sregs(struct svm_vcpu *sv, const struct kvm_sregs *sr)
{
	struct vmcb_save_area *s = &sv->vmcb->save;
	int irq = x86_sregs_irq(sr);

	if (x86_sregs_check(&sv->cpuid, sr))
		return -EINVAL;
	if (sv->x86.apic) {
		if (x86_lapic_set_base(sv->x86.apic, sr->apic_base, true))
			return -EINVAL;
		x86_lapic_set_cr8(sv->x86.apic, sr->cr8);
	}
	svm_seg_from_kvm(&s->cs, &sr->cs);
	svm_seg_from_kvm(&s->ds, &sr->ds);
	svm_seg_from_kvm(&s->es, &sr->es);
	svm_seg_from_kvm(&s->fs, &sr->fs);
	svm_seg_from_kvm(&s->gs, &sr->gs);
	svm_seg_from_kvm(&s->ss, &sr->ss);
	svm_seg_from_kvm(&s->tr, &sr->tr);
	svm_seg_from_kvm(&s->ldtr, &sr->ldt);
	s->cpl = (s->cs.attrib >> 5) & 3;
	s->gdtr.base = sr->gdt.base;
	s->gdtr.limit = sr->gdt.limit;
	s->idtr.base = sr->idt.base;
	s->idtr.limit = sr->idt.limit;
	s->cr0 = sr->cr0;
	s->cr2 = sr->cr2;
	s->cr3 = sr->cr3;
	s->cr4 = sr->cr4;
	sv->vmcb->control.int_ctl = (sv->vmcb->control.int_ctl & ~V_TPR_MASK) |
				    (sr->cr8 & V_TPR_MASK);
	svm_set_efer(sv, sr->efer);
	sv->apic_base = sr->apic_base;
	if (irq >= 0)
		sv->vmcb->control.event_inj = irq | SVM_EVTINJ_VALID |
					      SVM_EVTINJ_TYPE_INTR;
	return 0;
}

/* The VMCB save area holds most of the guest's MSRs itself. */
static u64 *svm_msr_slot(struct svm_vcpu *sv, enum x86_msr_reg reg)
{
	struct vmcb_save_area *s = &sv->vmcb->save;

	switch (reg) {
	case X86_MSR_SYSENTER_CS:	return &s->sysenter_cs;
	case X86_MSR_SYSENTER_ESP:	return &s->sysenter_esp;
	case X86_MSR_SYSENTER_EIP:	return &s->sysenter_eip;
	case X86_MSR_STAR:		return &s->star;
	case X86_MSR_CSTAR:		return &s->cstar;
	case X86_MSR_LSTAR:		return &s->lstar;
	case X86_MSR_SFMASK:		return &s->sfmask;
	case X86_MSR_KERNEL_GS_BASE:	return &s->kernel_gs_base;
	case X86_MSR_FS_BASE:		return &s->fs.base;
	case X86_MSR_GS_BASE:		return &s->gs.base;
	case X86_MSR_TSC_OFFSET:	return &sv->vmcb->control.tsc_offset;
	case X86_MSR_PAT:		return &s->g_pat;
	case X86_MSR_APIC_BASE:		return &sv->apic_base;
	case X86_MSR_MISC_ENABLE:	return &sv->misc_enable;
	case X86_MSR_TSC_AUX:		return &sv->uret[X86_URET_TSC_AUX];
	default:			return NULL;
	}
}

static u64 svm_msr_get(void *ctx, enum x86_msr_reg reg)
{
	struct svm_vcpu *sv = to_svm(ctx);

	if (reg == X86_MSR_EFER)
		return svm_guest_efer(sv);
	return *svm_msr_slot(sv, reg);
}

static int svm_msr_set(void *ctx, enum x86_msr_reg reg, u64 data)
{
	struct svm_vcpu *sv = to_svm(ctx);

	/* LMA is the CPU's to change, not an MSR write's. */
	if (reg == X86_MSR_EFER)
		svm_set_efer(sv, (data & ~(u64)EFER_LMA) |
			     (svm_guest_efer(sv) & EFER_LMA));
	else
		*svm_msr_slot(sv, reg) = data;
	return 0;
}

static u64 svm_msr_cr0(void *ctx)
{
	return to_svm(ctx)->vmcb->save.cr0;
}

static u64 svm_msr_cr4(void *ctx)
{
	return to_svm(ctx)->vmcb->save.cr4;
}

static struct x86_cpuid *svm_msr_cpuid(void *ctx)
{
	return &to_svm(ctx)->cpuid;
}

static const struct x86_msr_ops svm_msr_ops = {
	.get		= svm_msr_get,
	.set		= svm_msr_set,
	.cr0		= svm_msr_cr0,
	.cr4		= svm_msr_cr4,
	.cpuid		= svm_msr_cpuid,
	.efer_valid	= EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_FFXSR,
};

/* @ctx is the vCPU; also used for the guest's own RDMSR and WRMSR. */
int svm_get_msr(void *ctx, u32 index, u64 *data)
{
	struct x86_lapic *apic = to_svm(ctx)->x86.apic;
	int r;

	if (apic) {
		r = x86_lapic_get_msr(apic, index, data);
		if (r != -ENOENT)
			return r;
	}
	/* Linux reads it on AMD; no C1E here to report. */
	if (index == MSR_K8_INT_PENDING_MSG) {
		*data = 0;
		return 0;
	}
	return x86_get_msr(&svm_msr_ops, ctx, index, data);
}

int svm_set_msr(void *ctx, u32 index, u64 data)
{
	struct x86_lapic *apic = to_svm(ctx)->x86.apic;
	int r;

	if (apic) {
		r = x86_lapic_set_msr(apic, index, data);
		if (r != -ENOENT)
			return r;
	}
	return x86_set_msr(&svm_msr_ops, ctx, index, data);
}

static u64 svm_tsc_offset_get(void *ctx)
{
	return svm_msr_get(ctx, X86_MSR_TSC_OFFSET);
}

static void svm_tsc_offset_set(void *ctx, u64 offset)
{
	svm_msr_set(ctx, X86_MSR_TSC_OFFSET, offset);
}

static long svm_vcpu_ioctl(struct vireo_vcpu *vcpu, unsigned int cmd,
			   void __user *argp)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct kvm_sregs sr;
	long r;

	r = x86_lapic_ioctl(sv->x86.apic, cmd, argp);
	if (r != -ENOIOCTLCMD)
		return r;
	switch (cmd) {
	case KVM_INTERRUPT:
		r = x86_get_interrupt(argp);
		if (r < 0)
			return r;
		/*
		 * With the PIC in userspace the vector counts as acknowledged
		 * and goes in on the next entry; kvm.ko does the same and
		 * leaves the IF check to the VMM (ready_for_interrupt_injection).
		 */
		sv->vmcb->control.event_inj = r | SVM_EVTINJ_VALID |
					      SVM_EVTINJ_TYPE_INTR;
		return 0;
	case KVM_GET_SREGS:
		svm_get_sregs(sv, &sr);
		return copy_to_user(argp, &sr, sizeof(sr)) ? -EFAULT : 0;
	case KVM_SET_SREGS:
		if (copy_from_user(&sr, argp, sizeof(sr)))
			return -EFAULT;
		return svm_set_sregs(sv, &sr);
	case KVM_GET_MSRS:
		return x86_msrs_ioctl(argp, false, svm_get_msr, svm_set_msr, vcpu);
	case KVM_SET_MSRS:
		return x86_msrs_ioctl(argp, true, svm_get_msr, svm_set_msr, vcpu);
	case KVM_ENABLE_CAP:
		return x86_vcpu_enable_cap(vcpu, argp);
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR:
		return x86_tsc_attr_ioctl(vcpu, svm_tsc_offset_get,
					  svm_tsc_offset_set, cmd, argp);
	case KVM_NMI:
	case KVM_GET_VCPU_EVENTS:
	case KVM_SET_VCPU_EVENTS:
		return x86_events_ioctl(&sv->events, &svm_event_ops, vcpu, cmd,
					argp);
	case KVM_SET_GUEST_DEBUG:
		return svm_set_guest_debug(sv, argp);
	case KVM_KVMCLOCK_CTRL:
		return x86_kvmclock_ctrl(vcpu);
	case KVM_GET_DEBUGREGS:
	case KVM_SET_DEBUGREGS:
		return x86_debugregs_ioctl(&sv->dregs, &sv->vmcb->save.dr6,
					   &sv->vmcb->save.dr7, cmd, argp);
	case KVM_X86_SETUP_MCE:
	case KVM_X86_SET_MCE:
		return x86_mce_ioctl(vcpu, &svm_event_ops, sv->vmcb->save.cr4,
				     GENMASK_ULL(8, 0), cmd, argp);
	default:
		r = x86_vcpu_ioctl(&sv->fpu, &sv->cpuid, &sv->xcr0,
				   &sv->pkru.guest, cmd, argp);
		return r == -ENOIOCTLCMD ? -EINVAL : r;
	}
}

static void svm_sync_get_sregs(struct vireo_vcpu *vcpu, struct kvm_sregs *sr)
{
	svm_get_sregs(to_svm(vcpu), sr);
}

static int svm_sync_set_sregs(struct vireo_vcpu *vcpu,
			      const struct kvm_sregs *sr)
{
	return svm_set_sregs(to_svm(vcpu), sr);
}

static void svm_sync_get_events(struct vireo_vcpu *vcpu,
				struct kvm_vcpu_events *e)
{
	x86_get_events(&to_svm(vcpu)->events, &svm_event_ops, vcpu, e);
}

static int svm_sync_set_events(struct vireo_vcpu *vcpu,
			       const struct kvm_vcpu_events *e)
{
	return x86_set_events(&to_svm(vcpu)->events, &svm_event_ops, vcpu, e);
}

static const struct x86_sync_ops svm_sync_ops = {
	.get_regs	= svm_get_regs,
	.set_regs	= svm_set_regs,
	.get_sregs	= svm_sync_get_sregs,
	.set_sregs	= svm_sync_set_sregs,
	.get_events	= svm_sync_get_events,
	.set_events	= svm_sync_set_events,
};

static int __vireo_hot svm_vcpu_load(struct vireo_vcpu *vcpu)
{
	int r;

	/* Userspace may have changed its FS and GS since the last KVM_RUN. */
	to_svm(vcpu)->run_id = atomic64_inc_return(&svm_runs);
	fpu_swap_kvm_fpstate(&to_svm(vcpu)->fpu, true);
	/* The VMM's registers first: the completion may build on them. */
	r = x86_sync_regs_in(vcpu, &svm_sync_ops);
	if (r)
		return r;
	svm_complete_user(vcpu);
	return 0;
}

/* The DR7 the guest runs with: the VMM's under KVM_GUESTDBG_USE_HW_BP */
static u64 __vireo_hot svm_gdb_dr7(struct svm_vcpu *sv)
{
	if (sv->x86.gdb.control & KVM_GUESTDBG_USE_HW_BP)
		return sv->x86.gdb.dr7;
	return sv->vmcb->save.dr7;
}

static bool __vireo_hot svm_interrupt_allowed(struct svm_vcpu *sv)
{
	return (sv->vmcb->save.rflags & X86_EFLAGS_IF) &&
	       !(sv->vmcb->control.int_state & SVM_INTERRUPT_SHADOW_MASK) &&
	       !(sv->vmcb->control.event_inj & SVM_EVTINJ_VALID);
}

static void __vireo_hot svm_vcpu_put(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct kvm_run *run = vcpu->run;

	fpu_swap_kvm_fpstate(&sv->fpu, false);
	run->if_flag = !!(sv->vmcb->save.rflags & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = svm_interrupt_allowed(sv) &&
		(!sv->x86.apic || x86_lapic_accept_extint(sv->x86.apic));
	run->cr8 = sv->vmcb->control.int_ctl & V_TPR_MASK;
	run->apic_base = sv->apic_base;
	x86_sync_regs_out(vcpu, &svm_sync_ops);
}

/*
 * The in-kernel APIC's next interrupt goes in when the guest can take it
 * (after an NMI, never under an NMI's single step, whose TF the delivery
 * would save).  Returns true when one waits for the guest's window.
 */
static bool __vireo_hot svm_apic_prepare(struct svm_vcpu *sv)
{
	struct x86_lapic *apic = sv->x86.apic;
	struct vmcb_control_area *c = &sv->vmcb->control;
	int v;

	if (!apic)
		return false;
	x86_lapic_unkick(apic);
	while (x86_lapic_take_nmi(apic))
		if (sv->events.nmi_pending < 2)
			sv->events.nmi_pending++;
	c->int_ctl = (c->int_ctl & ~V_TPR_MASK) | x86_lapic_get_cr8(apic);
	if (x86_lapic_next_irq(apic, false) < 0)
		return false;
	/* KVM_GUESTDBG_BLOCKIRQ: none goes in, nor is a window awaited */
	if (sv->x86.gdb.control & KVM_GUESTDBG_BLOCKIRQ)
		return false;
	if (sv->nmi_step || !svm_interrupt_allowed(sv))
		return true;
	v = x86_lapic_next_irq(apic, true);
	if (v >= 0)
		c->event_inj = v | SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR;
	return false;
}

static int __vireo_hot svm_vcpu_blocked(struct vireo_vcpu *vcpu)
{
	struct x86_lapic *apic = to_svm(vcpu)->x86.apic;

	return apic ? x86_lapic_blocked(apic) : 0;
}

/*
 * When userspace asks for the interrupt window, have the CPU exit (VINTR)
 * as soon as the guest could take an interrupt.
 */
static void __vireo_hot svm_prepare_events(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct vmcb_control_area *c = &sv->vmcb->control;
	bool want_window = READ_ONCE(vcpu->run->request_interrupt_window) &&
			   (!sv->x86.apic || x86_lapic_user_window(sv->x86.apic));

	svm_nmi_prepare(sv);
	if (svm_apic_prepare(sv))
		want_window = true;
	c->intercepts[INTERCEPT_VINTR / 32] &= ~(1U << (INTERCEPT_VINTR % 32));
	c->int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
	if (want_window) {
		c->intercepts[INTERCEPT_VINTR / 32] |=
			1U << (INTERCEPT_VINTR % 32);
		c->int_ctl |= V_IRQ_MASK | V_INTR_PRIO_MASK | V_IGN_TPR_MASK;
	}
}

/*
 * QEMU 7.2's TCG emulation of SVM (Debian 12's, the test VM's) delivers an
 * external interrupt injected through EVENTINJ inside VMRUN but leaves its
 * vector as the CPU's pending exception; when the emulator's CPU loop is
 * asked to stop (its round-robin kick, an interrupt for another of its CPUs)
 * before the guest's next exception or #VMEXIT, it delivers the vector a
 * second time, with the guest's IF clear, at the first instruction of its
 * handler.  Linux guests then deadlock on the 8259's irq_desc lock, loop in
 * page faults with the user GS (the VMM boot test hung in about one boot in
 * eight), or retire a second in-service vector at a second EOI.  kvm.ko
 * 6.1 is hit alike (tests/vm/lib/vmm.sh retries its hung boots).
 *
 * A virtual interrupt (V_IRQ) is delivered by the emulator's interrupt
 * check, which leaves no pending exception behind.  So while nested, an
 * EVENTINJ interrupt that the guest would take at once anyway (IF set, no
 * interrupt shadow) goes in as V_IRQ with its vector, TPR ignored (the
 * vector was already chosen against it, and the guest runs no instruction
 * before taking it), and no VINTR intercept.  It is still acknowledged
 * when chosen, as for EVENTINJ: svm_reinject() puts it back into EVENTINJ
 * at the exit if the guest did not take it, or was taking it when the exit
 * came (TCG reports that delivery as an exception), so every exit leaves
 * the same event state as EVENTINJ would.  Vectors below 32, which TCG
 * could not tell from exceptions, and entries under guest debugging keep
 * EVENTINJ.
 */
static void __vireo_hot svm_intr_virq(struct svm_vcpu *sv)
{
	struct vmcb_control_area *c = &sv->vmcb->control;
	u32 inj = c->event_inj;
	u8 vector = inj & SVM_EVTINJ_VEC_MASK;

	if (!svm_nested_host ||
	    (inj & (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) !=
	    (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR) ||
	    vector < 32 || (c->int_ctl & V_IRQ_MASK) ||
	    sv->x86.gdb.control || sv->nmi_step ||
	    !(sv->vmcb->save.rflags & X86_EFLAGS_IF) ||
	    (c->int_state & SVM_INTERRUPT_SHADOW_MASK))
		return;
	c->int_vector = vector;
	c->int_ctl |= V_IRQ_MASK | V_IGN_TPR_MASK |
		      ((vector >> 4) << V_INTR_PRIO_SHIFT);
	c->event_inj = 0;
	sv->virq = true;
}

/*
 * An EVENTINJ interrupt that svm_intr_virq() left there while nested (IF
 * clear at a reinjection, a vector below 32, guest debugging): a physical
 * interrupt pending at VMRUN ends the guest with an INTR exit right after
 * the delivery, which clears the emulator's stale state first.  One extra
 * exit, in these rare cases only.
 */
static bool __vireo_hot svm_intr_needs_exit(const struct vmcb *vmcb)
{
	u32 inj = vmcb->control.event_inj;

	return svm_nested_host &&
	       (inj & (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) ==
	       (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR);
}

static void __vireo_hot svm_count_injection(struct vireo_vcpu *vcpu, u32 inj)
{
	if ((inj & SVM_EVTINJ_TYPE_MASK) == SVM_EVTINJ_TYPE_INTR)
		vireo_stat_inc(vcpu, VIREO_STAT_IRQ_INJECTIONS);
	else if ((inj & SVM_EVTINJ_TYPE_MASK) == SVM_EVTINJ_TYPE_NMI)
		vireo_stat_inc(vcpu, VIREO_STAT_NMI_INJECTIONS);
}

/*
 * The LDT this CPU has loaded.  The kernel has one LDT selector, and
 * load_mm_ldt() writes its descriptor, then loads it, interrupts off; a
 * null LDTR is loaded the same way every time.
 */
static void __vireo_hot svm_host_ldt(struct svm_ldt *l)
{
	struct ldttss_desc *d;

	store_ldt(l->sel);
	l->base = 0;
	l->limit = 0;
	if (!l->sel)
		return;
	d = (struct ldttss_desc *)&get_cpu_gdt_rw(smp_processor_id())[GDT_ENTRY_LDT];
	l->base = (u64)d->base3 << 32 | (u64)d->base2 << 24 |
		  (u64)d->base1 << 16 | d->base0;
	l->limit = (u32)d->limit1 << 16 | d->limit0;
}

/*
 * What VMLOAD gives back to the host after each exit, VMSAVE'd right before
 * the entry, GIF clear: the thread's FS and GS (selectors, hidden parts, the
 * user GS base in KERNEL_GS_BASE), the CPU's GS base, TR and SYSCALL and
 * SYSENTER MSRs, and the LDT of the thread's mm.  The CPU's part never
 * changes while it is online; the thread's changes only in user mode (or
 * by ptrace, with the thread stopped there), so not within one KVM_RUN,
 * which is where svm_vcpu_load() gives each a new number; and the LDT
 * changes when another thread of the VMM calls modify_ldt(), whose IPI may
 * come between two entries: the one the CPU has loaded is compared.  So a
 * save is redone only when another KVM_RUN (of this vCPU or another) or
 * another LDT came first: each VMSAVE is a host call under an emulated
 * CPU.  An IPI that changes the LDT after the check waits for the exit and
 * its VMLOAD, since interrupts and GIF are off until then.
 */
static void __vireo_hot svm_host_save(struct svm_cpu *sc, u64 run_id)
{
	struct svm_ldt ldt;

	svm_host_ldt(&ldt);
	if (sc->host_run == run_id && ldt.sel == sc->host_ldt.sel &&
	    ldt.base == sc->host_ldt.base && ldt.limit == sc->host_ldt.limit)
		return;
	asm volatile("vmsave %0" : : "a" (sc->host_pa) : "memory");
	sc->host_run = run_id;
	sc->host_ldt = ldt;
}

/* An entry given up with interrupts off: what x86_lapic_*_enter() set. */
static int svm_give_up(struct svm_vcpu *sv, int r)
{
	local_irq_enable();
	if (sv->x86.apic)
		x86_lapic_exit(sv->x86.apic);
	return r;
}

/*
 * One entry.  Every guest uses ASID 1, so a CPU flushes the TLB whenever it
 * runs a different VMCB than last time, the vCPU comes from another CPU, or
 * nested mappings were taken away; no flush-by-ASID needed.
 */
static int __vireo_hot svm_vcpu_run(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct svm_vm *svm = to_svm_vm(vcpu->vm);
	struct vmcb *vmcb = sv->vmcb;
	bool swap_xcr0;
	struct x86_gdb *g = &sv->x86.gdb;
	struct svm_cpu *sc;
	int cpu, r;
	u64 gen, rip;

	if (unlikely(sv->x86.triple_fault)) {
		sv->x86.triple_fault = false;
		svm_vcpu_reinit(vcpu);
		vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
		return VIREO_RUN_USER;
	}
	if (unlikely(g->step_pending)) {
		g->step_pending = false;
		if (x86_gdb_stepped(g, vcpu->run, vmcb->save.rflags,
				    svm_linear_rip(&vmcb->save),
				    svm_gdb_dr7(sv)))
			return VIREO_RUN_USER;
	}
	sv->cpuid.frozen = true;
	svm_prepare_events(vcpu);
	x86_kvmclock_enter(vcpu, &sv->cpuid, vmcb->control.tsc_offset);
	if (sv->x86.apic) {
		x86_lapic_vapic_enter(sv->x86.apic);
		x86_lapic_pv_eoi_enter(sv->x86.apic);
	}
	swap_xcr0 = svm_host_xcr0 && sv->xcr0 != svm_host_xcr0;
	vmcb->control.clean = 0;

	/*
	 * With interrupts off, an unmap's IPI waits until this guest entry
	 * has exited again, so reading tdp.gen here cannot miss one.
	 */
	local_irq_disable();
	if (vireo_vcpu_exit_request(vcpu) ||
	    (sv->x86.apic && x86_lapic_kicked(sv->x86.apic)) ||
	    x86_kvmclock_moved(vcpu, smp_processor_id()))
		return svm_give_up(sv, VIREO_RUN_AGAIN);
	/*
	 * Kernel FPU use since the guest state went in (softirqs, preemption)
	 * left the guest's registers in memory only: reload them now that
	 * nothing can take them away before VMRUN.
	 */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	cpu = smp_processor_id();
	sc = this_cpu_ptr(&svm_cpus);
	/*
	 * A reboot or an emergency clears EFER.SVME on every CPU by IPI,
	 * which interrupts off and then GIF hold back until the guest has
	 * exited: checked here, SVM stays on through VMRUN.
	 */
	if (unlikely(!sc->enabled))
		return svm_give_up(sv, -EIO);
	vmcb->control.tlb_ctl = TLB_CONTROL_DO_NOTHING;
	if (sc->last_vmcb != vmcb)
		x86_ibpb_new_vcpu();
	gen = x86_tdp_gen_on(&svm->tdp, cpu);
	if (sv->last_cpu != cpu || sc->last_vmcb != vmcb ||
	    sv->npt_gen != gen || sv->tlb_flush) {
		vmcb->control.tlb_ctl = TLB_CONTROL_FLUSH_ALL_ASID;
		sv->tlb_flush = false;
		sv->last_cpu = cpu;
		sc->last_vmcb = vmcb;
		sv->npt_gen = gen;
	}
	/* Each delivery counts, a repeated one too, as under kvm.ko. */
	if (vmcb->control.event_inj & SVM_EVTINJ_VALID)
		svm_count_injection(vcpu, vmcb->control.event_inj);
	svm_intr_virq(sv);
	vireo_stat_entering(vcpu);
	/* Pending until VMRUN sets GIF: the exit follows the delivery. */
	if (svm_intr_needs_exit(vmcb))
		smp_send_reschedule(cpu);
	asm volatile("clgi" ::: "memory");
	if (swap_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, sv->xcr0);
	x86_pkru_enter(&sv->pkru, vmcb->save.cr4, sv->xcr0);
	/*
	 * A #DB the VMM asked for reports its own cause: DR6 starts clean,
	 * and the VMM's DR7 replaces the guest's, for this entry only.
	 */
	if (unlikely(g->control & X86_GDB_DB_EXITS)) {
		g->guest_dr6 = vmcb->save.dr6;
		g->guest_dr7 = vmcb->save.dr7;
		vmcb->save.dr6 = X86_DR6_CLEAN;
		if (g->control & KVM_GUESTDBG_USE_HW_BP)
			vmcb->save.dr7 = g->dr7;
	}
	x86_dr_enter(&sv->dregs,
		     (g->control & KVM_GUESTDBG_USE_HW_BP) ? g->db : NULL,
		     sv->dr_native || (vmcb->save.dr7 & X86_DR7_ENABLES), NULL);
	x86_uret_enter(sv->uret);
	svm_host_save(sc, sv->run_id);
	/*
	 * GIF holds interrupts back until the guest runs; with IF set they
	 * then end the guest's time slice as INTR exits.
	 */
	raw_local_irq_enable();
	vireo_svm_vmrun(&sv->gprs, sv->vmcb_pa, sc->host_pa);
	raw_local_irq_disable();
	x86_guest_exited();
	vireo_stat_exited(vcpu);
	x86_dr_exit(&sv->dregs, NULL);
	g->exit_dr6 = vmcb->save.dr6;
	g->exit_dr7 = vmcb->save.dr7;
	if (unlikely(g->control & X86_GDB_DB_EXITS)) {
		vmcb->save.dr6 = g->guest_dr6;
		vmcb->save.dr7 = g->guest_dr7;
	}
	/*
	 * Read back what the guest left in XCR0: a CPU that does not honour
	 * the XSETBV intercept (QEMU's emulation) lets it write XCR0 itself.
	 */
	if (svm_host_xcr0) {
		sv->xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if (sv->xcr0 != svm_host_xcr0)
			xsetbv(XCR_XFEATURE_ENABLED_MASK, svm_host_xcr0);
	}
	x86_pkru_exit(&sv->pkru, vmcb->save.cr4, sv->xcr0);
	asm volatile("stgi" ::: "memory");
	/* On this CPU, before anything can move the thread elsewhere. */
	if (vmcb->control.exit_code == SVM_EXIT_EXCP_BASE + X86_TRAP_MC)
		x86_machine_check();
	local_irq_enable();

	rip = vmcb->save.rip;
	if (sv->x86.apic) {
		x86_lapic_set_cr8(sv->x86.apic, vmcb->control.int_ctl & V_TPR_MASK);
		x86_lapic_exit(sv->x86.apic);
	}
	r = svm_handle_exit(vcpu);
	/* An instruction the module carried out ends a single step. */
	if (r == VIREO_RUN_AGAIN && unlikely(g->control) &&
	    vmcb->save.rip != rip &&
	    x86_gdb_stepped(g, vcpu->run, vmcb->save.rflags,
			    svm_linear_rip(&vmcb->save), svm_gdb_dr7(sv)))
		r = VIREO_RUN_USER;
	if (r == VIREO_RUN_AGAIN && sv->x86.apic &&
	    (x86_lapic_eoi_exit(sv->x86.apic, vcpu->run) ||
	     x86_lapic_tpr_exit(sv->x86.apic, vcpu->run, rip)))
		r = VIREO_RUN_USER;
	if (r == VIREO_RUN_AGAIN && READ_ONCE(vcpu->run->request_interrupt_window) &&
	    svm_interrupt_allowed(sv) &&
	    (!sv->x86.apic || x86_lapic_user_window(sv->x86.apic))) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		r = VIREO_RUN_USER;
	}
	return r;
}

const struct vireo_impl vireo_svm_impl = {
	.name		 = "AMD-V",
	.probe		 = svm_probe,
	.init		 = svm_init,
	.fini		 = svm_fini,
	.cpu_enable	 = svm_cpu_enable,
	.cpu_disable	 = svm_cpu_disable,
	.check_extension = x86_check_extension,
	.gpa_bits	 = svm_gpa_bits,
	.gpa_range_errno = -EINVAL,
	.coalesced_mmio	 = true,
	.dev_ioctl	 = x86_dev_ioctl,
	.vm_create	 = svm_vm_create,
	.vm_destroy	 = svm_vm_destroy,
	.vm_release	 = x86_irqchip_release,
	.vm_ioctl	 = x86_vm_ioctl,
	.vm_unmap	 = svm_npt_unmap,
	.vm_write_protect = svm_npt_write_protect,
	.vcpu_create	 = svm_vcpu_create,
	.vcpu_destroy	 = svm_vcpu_destroy,
	.vcpu_ioctl	 = svm_vcpu_ioctl,
	.get_regs	 = svm_get_regs,
	.set_regs	 = svm_set_regs,
	.vcpu_load	 = svm_vcpu_load,
	.vcpu_put	 = svm_vcpu_put,
	.vcpu_run	 = svm_vcpu_run,
	.vcpu_blocked	 = svm_vcpu_blocked,
	.irqchip_in_kernel = x86_irqchip_in_kernel,
	.irq_route_check = x86_irq_route_check,
	.irq_deliver	 = x86_irq_deliver,
};
