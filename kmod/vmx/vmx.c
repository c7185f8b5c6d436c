// SPDX-License-Identifier: GPL-2.0
/*
 * Intel VT-x backend: CPU enablement, VMCS life and set-up, register state
 * and the entry path.  Encodings and bit positions: Intel SDM vol. 3C,
 * chapters 24-27 and appendix A.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <asm/cpu_entry_area.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/reboot.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/tsc.h>
#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "vmx/vmx.h"
#include "x86/irqchip/irqchip.h"
#include "x86/mitigate.h"

#define VMX_RESET_PAT		0x0007040600070406ULL
#define VMX_RESET_APIC_BASE	(APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE)
/* IA32_VMX_BASIC bits 30:0: the revision VMXON and VMCS regions carry */
#define VMX_BASIC_REVISION	GENMASK_ULL(30, 0)

struct vmx_config vmx_cfg;

struct vmx_cpu {
	struct page *vmxon_page;
	/* VMCSs active on this CPU; touched only by this CPU, IRQs off. */
	struct list_head active;
	struct vmx_vcpu *current_vmcs;
	bool enabled;
};

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpus);
static u64 vmx_host_xcr0;

static DEFINE_SPINLOCK(vmx_vpid_lock);
static unsigned long *vmx_vpid_map;
/*
 * VPIDs the module hands out (1..vpids), for a host that wants to see how
 * vCPUs beyond them behave without holding 65535 of them.
 */
static unsigned int vpids = VMX_NR_VPIDS - 1;
module_param(vpids, uint, 0644);
MODULE_PARM_DESC(vpids, "VT-x: VPIDs to hand out (at most 65535); later vCPUs run without one");

void vmx_vmwrite_error(unsigned long field, u64 value)
{
	pr_err_ratelimited("VMWRITE %#lx = %#llx failed, error %llu\n",
			   field, value, vmcs_read(VM_INSTRUCTION_ERROR));
}

/* VMXON, VMCLEAR, VMPTRLD: a physical address in memory; CF or ZF on failure */
static int vmx_vmxon(u64 pa)
{
	bool fail;

	asm volatile("vmxon %[pa]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

/* Like vmcs_read(), these two fault only with VT-x turned off: -EIO. */
static int vmx_vmclear(u64 pa)
{
	bool fail = true;

	asm volatile("1: vmclear %[pa]\n\tsetna %[fail]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static int vmx_vmptrld(u64 pa)
{
	bool fail = true;

	asm volatile("1: vmptrld %[pa]\n\tsetna %[fail]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

/*
 * A control setting the CPU accepts: bits the allowed-0 half forces on,
 * @want limited to what the allowed-1 half permits.  -EOPNOTSUPP when a bit
 * of @need cannot be set.
 */
static int vmx_adjust(u32 msr, u32 true_msr, u32 want, u32 need, u32 *ctl,
		      u32 *may)
{
	u64 basic, v;
	u32 lo, hi;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	rdmsrl((basic & VMX_BASIC_TRUE_CTLS) && true_msr ? true_msr : msr, v);
	lo = v;
	hi = v >> 32;
	*ctl = (want | lo) & hi;
	if (may)
		*may = hi;
	return (*ctl & need) == need ? 0 : -EOPNOTSUPP;
}

/* The one line a refused load leaves in the kernel log. */
static int vmx_lacks(const char *what)
{
	pr_err("this CPU's VT-x has no %s, which Vireo needs (see README: the minimum CPU)\n",
	       what);
	return -EOPNOTSUPP;
}

/* Return: 0, or -EOPNOTSUPP after one line that says what is missing. */
static int vmx_probe_controls(void)
{
	u32 pin_need = PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING;
	u32 pin_want = pin_need | PIN_BASED_VMX_PREEMPTION_TIMER |
		       PIN_BASED_VIRTUAL_NMIS;
	u32 proc_need = CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING |
			CPU_BASED_CR8_LOAD_EXITING |
			CPU_BASED_CR8_STORE_EXITING |
			CPU_BASED_MOV_DR_EXITING |
			CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	u32 proc_want = proc_need | CPU_BASED_MWAIT_EXITING |
			CPU_BASED_MONITOR_EXITING | CPU_BASED_RDPMC_EXITING |
			CPU_BASED_USE_TSC_OFFSETTING;
	u32 proc2_need = SECONDARY_EXEC_ENABLE_EPT |
			 SECONDARY_EXEC_UNRESTRICTED_GUEST;
	u32 proc2_want = proc2_need | SECONDARY_EXEC_ENABLE_VPID |
			 SECONDARY_EXEC_ENABLE_RDTSCP |
			 SECONDARY_EXEC_ENABLE_INVPCID |
			 SECONDARY_EXEC_WBINVD_EXITING;
	/*
	 * Debug controls: the guest's DR7 and DEBUGCTL go in at entry and
	 * come back at exit, never the host's (every VT-x CPU has them).
	 */
	u32 exit_need = VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_LOAD_IA32_EFER |
			VM_EXIT_SAVE_DEBUG_CONTROLS;
	u32 entry_need = VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_DEBUG_CONTROLS;
	u32 may;
	u64 v;

	if (vmx_adjust(MSR_IA32_VMX_PINBASED_CTLS,
		       MSR_IA32_VMX_TRUE_PINBASED_CTLS, pin_want, pin_need,
		       &vmx_cfg.pin, NULL))
		return vmx_lacks("external-interrupt or NMI exiting");
	if (vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS,
		       MSR_IA32_VMX_TRUE_PROCBASED_CTLS, proc_want, proc_need,
		       &vmx_cfg.proc, &vmx_cfg.proc_may))
		return vmx_lacks("HLT, I/O, CR8 or DR exiting, or secondary controls");
	/* No TRUE_ MSR: every secondary control may be 0 (SDM A.3.3). */
	vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2, 0, proc2_want, 0,
		   &vmx_cfg.proc2, &may);
	if (!(vmx_cfg.proc2 & SECONDARY_EXEC_ENABLE_EPT))
		return vmx_lacks("EPT");
	if (!(vmx_cfg.proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST))
		return vmx_lacks("unrestricted guest");
	if (vmx_adjust(MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS,
		       exit_need, exit_need, &vmx_cfg.exit, NULL))
		return vmx_lacks("64-bit hosts or EFER loading at exit");
	/* IA-32e mode guest is switched at run time: it must be allowed. */
	if (vmx_adjust(MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS,
		       entry_need, entry_need, &vmx_cfg.entry, &may) ||
	    !(may & VM_ENTRY_IA32E_MODE))
		return vmx_lacks("EFER loading at entry or 64-bit guests");

	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, v);
	vmx_cfg.ept_cap = v;
	if (!(v & VMX_EPT_PAGE_WALK_4_BIT) || !(v & VMX_EPTP_WB_BIT) ||
	    !(v & VMX_EPT_INVEPT_BIT) ||
	    !(v & (VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT))) {
		return vmx_lacks("EPT with 4-level walks, write-back and INVEPT");
	}
	vmx_cfg.vpid = (vmx_cfg.proc2 & SECONDARY_EXEC_ENABLE_VPID) &&
		       (v & ((u64)VMX_VPID_INVVPID_BIT << 32)) &&
		       (v & ((u64)VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT << 32));
	if (!vmx_cfg.vpid)
		vmx_cfg.proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;

	/*
	 * A guest with interrupts masked must still give the CPU back: the
	 * preemption timer guarantees an exit every millisecond or so even
	 * where an external interrupt would not cause one (Bochs 2.7 does
	 * not, for a guest entered with RFLAGS.IF clear).
	 */
	if (vmx_cfg.pin & PIN_BASED_VMX_PREEMPTION_TIMER) {
		rdmsrl(MSR_IA32_VMX_MISC, v);
		vmx_cfg.preempt_ticks = max_t(u64, tsc_khz >> (v &
				VMX_MISC_PREEMPTION_TIMER_RATE_MASK), 1);
	}

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_cfg.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx_cfg.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_cfg.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx_cfg.cr4_fixed1);
	return 0;
}

static int vmx_probe(void)
{
	u64 basic, fc;

	/* Quiet: on an AMD CPU the next backend gets its turn. */
	if (!boot_cpu_has(X86_FEATURE_VMX))
		return -ENODEV;
	rdmsrl(MSR_IA32_FEAT_CTL, fc);
	if (!(fc & FEAT_CTL_LOCKED) ||
	    !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("VT-x is disabled by the firmware (IA32_FEATURE_CONTROL %#llx)\n",
		       fc);
		return -EOPNOTSUPP;
	}
	if (__read_cr4() & X86_CR4_VMXE) {
		pr_err("VT-x is already in use by another hypervisor (kvm_intel?)\n");
		return -EBUSY;
	}
	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	/* The VMXON region and the VMCS must fit in one page. */
	if (((basic >> 32) & 0x1fff) > PAGE_SIZE) {
		pr_err("this CPU's VMCS is larger than a page\n");
		return -EOPNOTSUPP;
	}
	vmx_cfg.revision = basic & VMX_BASIC_REVISION;
	vmx_cfg.ins_outs_info = basic & VMX_BASIC_INOUT;
	return vmx_probe_controls();
}

/* Runs on the CPU where @vmx's VMCS is active, IRQs off. */
static void vmx_clear_local(struct vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);

	vmx_vmclear(vmx->vmcs_pa);
	list_del(&vmx->on_cpu);
	if (vc->current_vmcs == vmx)
		vc->current_vmcs = NULL;
	vmx->launched = false;
	/* After the list change: a reader seeing -1 sees it off the list. */
	smp_wmb();
	WRITE_ONCE(vmx->cpu, -1);
}

static void vmx_clear_ipi(void *data)
{
	struct vmx_vcpu *vmx = data;

	if (READ_ONCE(vmx->cpu) == smp_processor_id())
		vmx_clear_local(vmx);
}

/* Make @vmx inactive wherever it is; the caller may sleep-wait for an IPI. */
static void vmx_clear(struct vmx_vcpu *vmx)
{
	int cpu = READ_ONCE(vmx->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_ipi, vmx, 1);
}

static void vmx_cpu_disable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	struct vmx_vcpu *vmx, *tmp;

	x86_uret_flush();
	if (!vc->enabled)
		return;
	/* VMCLEAR writes each VMCS back, so memory holds its final state. */
	list_for_each_entry_safe(vmx, tmp, &vc->active, on_cpu)
		vmx_clear_local(vmx);
	vc->enabled = false;
	asm volatile("vmxoff" ::: "cc", "memory");
	cr4_clear_bits(X86_CR4_VMXE);
}

static int vmx_cpu_enable(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	u64 fc;

	if (vc->enabled)
		return 0;
	if (__read_cr4() & X86_CR4_VMXE) {
		pr_err("VT-x is already in use on CPU %d\n", smp_processor_id());
		return -EBUSY;
	}
	rdmsrl(MSR_IA32_FEAT_CTL, fc);
	if (!(fc & FEAT_CTL_LOCKED) ||
	    !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("VT-x is disabled by the firmware on CPU %d\n",
		       smp_processor_id());
		return -EOPNOTSUPP;
	}
	cr4_set_bits(X86_CR4_VMXE);
	if (vmx_vmxon(page_to_phys(vc->vmxon_page))) {
		cr4_clear_bits(X86_CR4_VMXE);
		pr_err("VMXON failed on CPU %d\n", smp_processor_id());
		return -EIO;
	}
	vc->current_vmcs = NULL;
	vc->enabled = true;
	return 0;
}

static void vmx_fini(void)
{
	int cpu;

	x86_emergency_unregister();
	x86_kvmclock_fini();
	preempt_notifier_dec();
	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

		vireo_free_page(vc->vmxon_page);
		vc->vmxon_page = NULL;
	}
	vireo_free(vmx_vpid_map);
	vmx_vpid_map = NULL;
	x86_mitigate_fini();
}

static int vmx_init(void)
{
	int cpu;

	vmx_vpid_map = vireo_zalloc(BITS_TO_LONGS(VMX_NR_VPIDS) *
				    sizeof(long));
	if (!vmx_vpid_map)
		return -ENOMEM;
	/* VPID 0 is the host's. */
	__set_bit(0, vmx_vpid_map);
	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

		INIT_LIST_HEAD(&vc->active);
		vc->vmxon_page = vireo_alloc_page();
		if (!vc->vmxon_page)
			goto err;
		*(u32 *)page_address(vc->vmxon_page) = vmx_cfg.revision;
	}
	if (x86_mitigate_init())
		goto err;
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		vmx_host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	x86_uret_init(BIT(X86_URET_STAR) | BIT(X86_URET_LSTAR) |
		      BIT(X86_URET_CSTAR) | BIT(X86_URET_SFMASK) |
		      ((vmx_cfg.proc2 & SECONDARY_EXEC_ENABLE_RDTSCP) ?
		       BIT(X86_URET_TSC_AUX) : 0));
	if (x86_kvmclock_init()) {
		x86_mitigate_fini();
		goto err;
	}
	preempt_notifier_inc();
	x86_emergency_register("kvm_intel", vmx_cpu_disable);
	return 0;
err:
	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

		vireo_free_page(vc->vmxon_page);
		vc->vmxon_page = NULL;
	}
	vireo_free(vmx_vpid_map);
	vmx_vpid_map = NULL;
	return -ENOMEM;
}

static u16 vmx_alloc_vpid(void)
{
	unsigned long v, limit;

	if (!vmx_cfg.vpid)
		return 0;
	limit = min_t(unsigned long, READ_ONCE(vpids), VMX_NR_VPIDS - 1) + 1;
	spin_lock(&vmx_vpid_lock);
	v = find_first_zero_bit(vmx_vpid_map, limit);
	if (v < limit)
		__set_bit(v, vmx_vpid_map);
	else
		v = 0;	/* out of VPIDs: see vmx_vmcs_reset() */
	spin_unlock(&vmx_vpid_lock);
	return v;
}

static void vmx_free_vpid(u16 vpid)
{
	if (!vpid)
		return;
	spin_lock(&vmx_vpid_lock);
	__clear_bit(vpid, vmx_vpid_map);
	spin_unlock(&vmx_vpid_lock);
}

static long vmx_check_extension(long cap)
{
	if (cap == KVM_CAP_USER_NMI)
		return vmx_nmi_supported();
	return x86_check_extension(cap);
}

static int vmx_vm_create(struct vireo_vm *vm)
{
	struct vmx_vm *vv = vireo_zalloc(sizeof(*vv));
	int r;

	if (!vv)
		return -ENOMEM;
	r = vmx_ept_create(vv);
	if (r) {
		vireo_free(vv);
		return r;
	}
	x86_kvmclock_vm_init(&vv->x86);
	vm->arch = vv;
	return 0;
}

static void vmx_vm_destroy(struct vireo_vm *vm)
{
	x86_irqchip_free(vm);
	x86_msr_filter_free(vm->arch);
	vmx_ept_destroy(to_vmx_vm(vm));
	vireo_free(vm->arch);
}

/*
 * Make @vmx's VMCS current on this CPU (preemption off).  A VMCS still
 * active elsewhere is cleared there first: the SDM forbids one VMCS being
 * active on two CPUs.  Per-CPU host state is rewritten on a move.
 */
static void vmx_load_on_cpu(struct vmx_vcpu *vmx)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	int cpu = smp_processor_id();
	unsigned long flags;
	struct desc_ptr dt;
	u64 v;

	if (vmx->cpu != cpu) {
		vmx_clear(vmx);
		local_irq_save(flags);
		list_add(&vmx->on_cpu, &vc->active);
		vmx->cpu = cpu;
		vmx->launched = false;
		vmx_vmptrld(vmx->vmcs_pa);
		vc->current_vmcs = vmx;
		local_irq_restore(flags);
		x86_ibpb_new_vcpu();

		vmcs_write(HOST_TR_BASE,
			   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
		native_store_gdt(&dt);
		vmcs_write(HOST_GDTR_BASE, dt.address);
		rdmsrl(MSR_GS_BASE, v);
		vmcs_write(HOST_GS_BASE, v);
		rdmsrl(MSR_IA32_SYSENTER_ESP, v);
		vmcs_write(HOST_IA32_SYSENTER_ESP, v);
		/* This CPU may hold stale linear translations of the vCPU. */
		vmx->moved = true;
		return;
	}
	if (vc->current_vmcs != vmx) {
		vmx_vmptrld(vmx->vmcs_pa);
		vc->current_vmcs = vmx;
		x86_ibpb_new_vcpu();
	}
}

void vmx_get(struct vmx_vcpu *vmx)
{
	preempt_disable();
	vmx_load_on_cpu(vmx);
}

void vmx_put(struct vmx_vcpu *vmx)
{
	preempt_enable();
}

/*
 * The state VM exit does not give back to the host, switched once per
 * stretch of this thread on this CPU rather than around every entry.
 * Exit loads the host's GS base (per-CPU data, which interrupts and NMIs
 * use) and FS base (the VMM's, from HOST_FS_BASE) itself; what is left for
 * later is what only user mode or the next task relies on:
 * KERNEL_GS_BASE (the user GS base, taken by SWAPGS on the way out to
 * user mode, and saved by a context switch), the DS, ES, FS and GS
 * selectors (zero after exit), the LDT (null after exit), the GDT limit
 * (0xffff after exit: user mode must not reach past the GDT) and the TSS
 * limit (0x67 after exit: the I/O bitmap beyond it is for user mode).  An
 * interrupt or NMI that arrives meanwhile comes from kernel mode and goes
 * back there: no SWAPGS, no selector or LDT loads, nothing beyond the GDT.
 */

/* Interrupts off, the VMCS current: right before an entry. */
static void vmx_switch_to_guest(struct vmx_vcpu *vmx)
{
	savesegment(ds, vmx->host.ds);
	savesegment(es, vmx->host.es);
	savesegment(fs, vmx->host.fs);
	savesegment(gs, vmx->host.gs);
	store_ldt(vmx->host.ldt);
	/* Not cached: INIT rewrites the VMCS's host fields. */
	rdmsrl(MSR_FS_BASE, vmx->host.fs_base);
	vmcs_write(HOST_FS_BASE, vmx->host.fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->host.kernel_gs_base);
	/* SWAPGS in the guest changes it behind the VMCS's back. */
	wrmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
	/* Another vCPU, or a return to user mode, may have changed them. */
	vmx->uret_dirty = true;
	vmx->guest_loaded = true;
}

/*
 * Preemption off (the thread's last KVM_RUN step, or its preempt notifier
 * on the way out of the CPU, interrupts off there): the host's state back
 * exactly, before user mode or another task can see the CPU's.
 */
static void vmx_switch_to_host(struct vmx_vcpu *vmx)
{
	if (!vmx->guest_loaded)
		return;
	vmx->guest_loaded = false;
	rdmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
	/* First: the selectors below may be the LDT's (modify_ldt()). */
	if (unlikely(vmx->host.ldt))
		asm volatile("lldt %0" :: "rm" (vmx->host.ldt));
	if (unlikely(vmx->host.ds))
		loadsegment(ds, vmx->host.ds);
	if (unlikely(vmx->host.es))
		loadsegment(es, vmx->host.es);
	/* Loading a selector loads its descriptor's base: the MSR after. */
	if (unlikely(vmx->host.fs)) {
		loadsegment(fs, vmx->host.fs);
		wrmsrl(MSR_FS_BASE, vmx->host.fs_base);
	}
	if (unlikely(vmx->host.gs))
		load_gs_index(vmx->host.gs);
	wrmsrl(MSR_KERNEL_GS_BASE, vmx->host.kernel_gs_base);
	load_fixmap_gdt(smp_processor_id());
	invalidate_tss_limit();
}

/**
 * vmx_get_kernel_gs_base - the guest's KERNEL_GS_BASE, wherever it is
 * @vmx: the vCPU, on its own thread or stopped
 *
 * Return: the value.
 */
u64 vmx_get_kernel_gs_base(struct vmx_vcpu *vmx)
{
	preempt_disable();
	if (vmx->guest_loaded)
		rdmsrl(MSR_KERNEL_GS_BASE, vmx->kernel_gs_base);
	preempt_enable();
	return vmx->kernel_gs_base;
}

/**
 * vmx_set_kernel_gs_base - set the guest's KERNEL_GS_BASE, in the CPU too
 *	while the guest's state is there
 * @vmx: the vCPU, on its own thread or stopped
 * @v: the value, canonical
 */
void vmx_set_kernel_gs_base(struct vmx_vcpu *vmx, u64 v)
{
	preempt_disable();
	vmx->kernel_gs_base = v;
	if (vmx->guest_loaded)
		wrmsrl(MSR_KERNEL_GS_BASE, v);
	preempt_enable();
}

static struct vmx_vcpu *pn_to_vmx(struct preempt_notifier *pn)
{
	return container_of(pn, struct vmx_vcpu, pn);
}

static void vmx_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct vmx_vcpu *vmx = pn_to_vmx(pn);

	/* Another task ran here, or the thread came from another CPU. */
	vmx->x86.l1d_flush = true;
	vmx_load_on_cpu(vmx);
}

static void vmx_sched_out(struct preempt_notifier *pn,
			  struct task_struct *next)
{
	/* Before the context switch saves this thread's FS, GS and KGS. */
	vmx_switch_to_host(pn_to_vmx(pn));
}

static struct preempt_ops vmx_preempt_ops = {
	.sched_in	= vmx_sched_in,
	.sched_out	= vmx_sched_out,
};

/* Guest segment registers in VMCS order: ES CS SS DS FS GS LDTR TR. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

static void vmx_seg_write(int seg, u16 sel, u64 base, u32 limit, u32 ar)
{
	vmcs_write(GUEST_ES_SELECTOR + 2 * seg, sel);
	vmcs_write(GUEST_ES_BASE + 2 * seg, base);
	vmcs_write(GUEST_ES_LIMIT + 2 * seg, limit);
	vmcs_write(GUEST_ES_AR_BYTES + 2 * seg, ar);
}

static void vmx_seg_to_kvm(int seg, struct kvm_segment *k)
{
	k->selector = vmcs_read(GUEST_ES_SELECTOR + 2 * seg);
	k->base = vmcs_read(GUEST_ES_BASE + 2 * seg);
	k->limit = vmcs_read(GUEST_ES_LIMIT + 2 * seg);
	x86_seg_to_kvm(vmcs_read(GUEST_ES_AR_BYTES + 2 * seg), k);
}

static void vmx_seg_from_kvm(int seg, const struct kvm_segment *k)
{
	u32 ar = x86_seg_from_kvm(k);

	/*
	 * VM entry wants usable code and data segments marked accessed; the
	 * CPU would set the bit on first use anyway.
	 */
	if (!(ar & X86_SEG_UNUSABLE) && seg != SEG_LDTR && seg != SEG_TR)
		ar |= 1;
	vmx_seg_write(seg, k->selector, k->base, k->limit, ar);
}

/* The real CR0: what VMX operation needs, whatever the guest believes. */
void vmx_set_cr0(struct vmx_vcpu *vmx, u64 cr0)
{
	u64 fixed0 = vmx_cfg.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	vmx->cr0 = cr0;
	vmcs_write(CR0_READ_SHADOW, cr0);
	vmcs_write(GUEST_CR0, (cr0 | fixed0) & vmx_cfg.cr0_fixed1);
	/* Paging with EFER.LME set is what turns long mode on. */
	vmx_set_efer(vmx, vmx->efer);
}

void vmx_set_cr4(struct vmx_vcpu *vmx, u64 cr4)
{
	vmx->cr4 = cr4;
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR4, (cr4 | vmx_cfg.cr4_fixed0) & vmx_cfg.cr4_fixed1);
}

void vmx_set_efer(struct vmx_vcpu *vmx, u64 efer)
{
	if ((efer & EFER_LME) && (vmx->cr0 & X86_CR0_PG))
		efer |= EFER_LMA;
	else
		efer &= ~EFER_LMA;
	vmx->efer = efer;
	vmcs_write(GUEST_IA32_EFER, efer);
	if (efer & EFER_LMA)
		vmcs_set_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	else
		vmcs_clear_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
}

/*
 * RDTSCP and RDPID run in the guest, on its own TSC_AUX, when its CPUID
 * offers either; otherwise they raise #UD, as under kvm_intel.  The VMCS
 * is current.
 */
void vmx_update_rdtscp(struct vmx_vcpu *vmx)
{
	if (!(vmx_cfg.proc2 & SECONDARY_EXEC_ENABLE_RDTSCP))
		return;
	if (x86_tsc_aux_ok && x86_guest_has_tsc_aux(&vmx->cpuid))
		vmcs_set_bits(SECONDARY_VM_EXEC_CONTROL,
			      SECONDARY_EXEC_ENABLE_RDTSCP);
	else
		vmcs_clear_bits(SECONDARY_VM_EXEC_CONTROL,
				SECONDARY_EXEC_ENABLE_RDTSCP);
}

/* PAE paging, the mode whose top level VM entry takes from the VMCS. */
bool vmx_pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & EFER_LME);
}

/**
 * vmx_read_pdptes - the four PDPTEs a PAE guest's CR3 points at
 * @vcpu: the vCPU
 * @cr3: the guest's CR3
 * @pdpte: filled in (zeros when they cannot be read)
 *
 * With EPT, VM entry loads a PAE guest's PDPTEs from the VMCS rather than
 * through CR3, and the CPU refreshes those fields itself only for the
 * guest's own MOV to CR3 and at VM exit; every other change of CR3, CR0 or
 * CR4 that (re)enters PAE paging is the VMM's to follow.  Guest memory may
 * fault in: call without the VMCS held.
 *
 * Return: 0; -EFAULT when the table is not in guest memory, -EINVAL when a
 * present entry sets a reserved bit (the guest's MOV to CR gets #GP).
 */
int vmx_read_pdptes(struct vireo_vcpu *vcpu, u64 cr3, u64 pdpte[4])
{
	u64 rsvd = GENMASK_ULL(63, boot_cpu_data.x86_phys_bits) |
		   GENMASK_ULL(8, 5) | GENMASK_ULL(2, 1);
	int i;

	if (vireo_read_guest(vcpu->vm, (u32)cr3 & ~0x1fU, pdpte,
			     4 * sizeof(*pdpte))) {
		memset(pdpte, 0, 4 * sizeof(*pdpte));
		return -EFAULT;
	}
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & _PAGE_PRESENT) && (pdpte[i] & rsvd))
			return -EINVAL;
	return 0;
}

/* Into the current VMCS, for the next VM entry. */
void vmx_write_pdptes(const u64 pdpte[4])
{
	vmcs_write(GUEST_PDPTR0, pdpte[0]);
	vmcs_write(GUEST_PDPTR1, pdpte[1]);
	vmcs_write(GUEST_PDPTR2, pdpte[2]);
	vmcs_write(GUEST_PDPTR3, pdpte[3]);
}

/* Host state that is the same on every CPU and for every entry. */
static void vmx_vmcs_host(void)
{
	struct desc_ptr dt;
	u32 lo, hi;
	u64 v;

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR3, __read_cr3());
	vmcs_write(HOST_CR4, __read_cr4());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&dt);
	vmcs_write(HOST_IDTR_BASE, dt.address);
	vmcs_write(HOST_RIP, (unsigned long)vireo_vmx_exit);
	rdmsr(MSR_IA32_SYSENTER_CS, lo, hi);
	vmcs_write(HOST_IA32_SYSENTER_CS, lo);
	rdmsrl(MSR_IA32_SYSENTER_EIP, v);
	vmcs_write(HOST_IA32_SYSENTER_EIP, v);
	rdmsrl(MSR_EFER, v);
	vmcs_write(HOST_IA32_EFER, v);
}

/* The architectural state after RESET, as kvm.ko presents it. */
static void vmx_vmcs_reset(struct vmx_vcpu *vmx, struct vmx_vm *vv, u32 id)
{
	int seg;

	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmx_cfg.pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmx_cfg.proc);
	/*
	 * VPID 0 is the host's and VM entry refuses it: a vCPU the pool ran
	 * out for runs with VPID off, where every entry and exit flushes the
	 * linear mappings tagged 0, so host and guest never share one.
	 */
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, vmx->vpid ? vmx_cfg.proc2 :
		   vmx_cfg.proc2 & ~SECONDARY_EXEC_ENABLE_VPID);
	vmx_update_rdtscp(vmx);
	vmcs_write(VM_EXIT_CONTROLS, vmx_cfg.exit);
	vmcs_write(VM_ENTRY_CONTROLS, vmx_cfg.entry);
	/*
	 * #AC and #DB can be raised by their own delivery, an endless loop
	 * without an instruction boundary where the host could take its CPU
	 * back (CVE-2015-5307, CVE-2015-8104); a machine check is the host's.
	 * #UD: AMD's VMMCALL may be a hypercall (x86_fix_hypercall()).
	 */
	vmcs_write(EXCEPTION_BITMAP, BIT(X86_TRAP_DB) | BIT(X86_TRAP_AC) |
		   BIT(X86_TRAP_MC) | BIT(X86_TRAP_UD));
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	/* Every CR0 and CR4 write exits: the guest sees only its shadow. */
	vmcs_write(CR0_GUEST_HOST_MASK, ~0UL);
	vmcs_write(CR4_GUEST_HOST_MASK, ~0UL);
	vmcs_write(EPT_POINTER, vv->eptp);
	if (vmx->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
	if (vmx_cfg.pin & PIN_BASED_VMX_PREEMPTION_TIMER)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vmx_cfg.preempt_ticks);
	vmx_vmcs_host();

	for (seg = SEG_ES; seg <= SEG_GS; seg++)
		vmx_seg_write(seg, 0, 0, 0xffff, 0x93);
	vmx_seg_write(SEG_CS, 0xf000, 0xffff0000, 0xffff, 0x9b);
	vmx_seg_write(SEG_LDTR, 0, 0, 0xffff, 0x82);
	vmx_seg_write(SEG_TR, 0, 0, 0xffff, 0x8b);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_write(GUEST_RIP, 0xfff0);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(GUEST_CR3, 0);
	vmcs_write(GUEST_DR7, VMX_DR7_RESET);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);

	memset(&vmx->gprs, 0, sizeof(vmx->gprs));
	vmx->efer = 0;
	vmx_set_cr0(vmx, X86_CR0_ET | X86_CR0_CD | X86_CR0_NW);
	vmx_set_cr4(vmx, 0);
	vmx->cr8 = 0;
	vmx->xcr0 = XFEATURE_MASK_FP;
	vmx->pat = VMX_RESET_PAT;
	/* INIT comes on the vCPU's thread: the guest's state may be loaded. */
	vmx_set_kernel_gs_base(vmx, 0);
	vmx->misc_enable = 0;
	vmx->tsc_offset = vv->x86.tsc_offset0;
	if (vmx_cfg.proc & CPU_BASED_USE_TSC_OFFSETTING)
		vmcs_write(TSC_OFFSET, vmx->tsc_offset);
	memset(vmx->uret, 0, sizeof(vmx->uret));
	vmx->uret_dirty = true;
	memset(&vmx->dregs, 0, sizeof(vmx->dregs));
	vmx->dr6 = VMX_DR6_FIXED;
	vmx->pending_irq = -1;
	vmx->apic_base = VMX_RESET_APIC_BASE |
			 (x86_is_bsp(&vv->x86, id) ? MSR_IA32_APICBASE_BSP : 0);
	vmx->uexit.kind = X86_UEXIT_NONE;
}

static bool vmx_lapic_irq_enabled(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	bool r;

	vmx_get(vmx);
	r = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;
	vmx_put(vmx);
	return r;
}

/* INIT: the RESET state but for what INIT keeps (SDM 9.1.1) */
static void vmx_lapic_init(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 apic_base = vmx->apic_base, tsc = vmx->tsc_offset, pat = vmx->pat;
	u64 xcr0 = vmx->xcr0, misc = vmx->misc_enable;

	vmx_get(vmx);
	vmx_vmcs_reset(vmx, to_vmx_vm(vcpu->vm), vcpu->id);
	vmx->apic_base = apic_base;
	vmx->tsc_offset = tsc;
	if (vmx_cfg.proc & CPU_BASED_USE_TSC_OFFSETTING)
		vmcs_write(TSC_OFFSET, tsc);
	vmx->pat = pat;
	vmx->xcr0 = xcr0;
	vmx->misc_enable = misc;
	vmx->events.nmi_pending = 0;
	vmx_put(vmx);
}

static void vmx_lapic_sipi(struct vireo_vcpu *vcpu, u8 vector)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	vmx_get(vmx);
	vmcs_write(GUEST_CS_SELECTOR, vector << 8);
	vmcs_write(GUEST_CS_BASE, vector << 12);
	vmcs_write(GUEST_RIP, 0);
	vmx_put(vmx);
}

static u64 vmx_lapic_tsc_offset(struct vireo_vcpu *vcpu)
{
	return to_vmx(vcpu)->tsc_offset;
}

static const struct x86_cpuid *vmx_lapic_cpuid(struct vireo_vcpu *vcpu)
{
	return &to_vmx(vcpu)->cpuid;
}

static const struct x86_lapic_ops vmx_lapic_ops = {
	.irq_enabled	= vmx_lapic_irq_enabled,
	.init		= vmx_lapic_init,
	.sipi		= vmx_lapic_sipi,
	.tsc_offset	= vmx_lapic_tsc_offset,
	.cpuid		= vmx_lapic_cpuid,
};

static int vmx_vcpu_blocked(struct vireo_vcpu *vcpu)
{
	struct x86_lapic *apic = to_vmx(vcpu)->x86.apic;

	return apic ? x86_lapic_blocked(apic) : 0;
}

static int vmx_vcpu_create(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = vireo_zalloc(sizeof(*vmx));

	if (!vmx)
		return -ENOMEM;
	vmx->vmcs_page = vireo_alloc_page();
	if (!vmx->vmcs_page)
		goto err;
	if (!x86_fpu_alloc(&vmx->fpu))
		goto err;
	vmx->vcpu = vcpu;
	vmx->vmcs_pa = page_to_phys(vmx->vmcs_page);
	*(u32 *)page_address(vmx->vmcs_page) = vmx_cfg.revision;
	vmx->cpu = -1;
	INIT_LIST_HEAD(&vmx->on_cpu);
	preempt_notifier_init(&vmx->pn, &vmx_preempt_ops);
	vmx->vpid = vmx_alloc_vpid();
	x86_mce_init(&vmx->x86.mce);
	/* kvm_intel's made-up microcode revision, until the VMM sets one */
	vmx->x86.ucode_rev = 0x100000000ULL;
	vcpu->arch = vmx;

	/* VMCLEAR puts a fresh VMCS in the "clear" launch state. */
	if (vmx_vmclear(vmx->vmcs_pa))
		goto err_vpid;
	vmx_get(vmx);
	x86_tsc_start(vcpu);
	vmx_vmcs_reset(vmx, to_vmx_vm(vcpu->vm), vcpu->id);
	vmx_put(vmx);
	if (x86_lapic_create(vcpu, &vmx_lapic_ops)) {
		vmx_clear(vmx);
		goto err_vpid;
	}
	return 0;
err_vpid:
	vmx_free_vpid(vmx->vpid);
	x86_fpu_free(&vmx->fpu);
	vcpu->arch = NULL;
err:
	vireo_free_page(vmx->vmcs_page);
	vireo_free(vmx);
	return -ENOMEM;
}

static void vmx_vcpu_destroy(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	x86_lapic_destroy(vcpu);
	vmx_clear(vmx);
	vmx_free_vpid(vmx->vpid);
	x86_fpu_free(&vmx->fpu);
	vireo_free_page(vmx->vmcs_page);
	vireo_free(vmx);
}

static void vmx_get_regs(struct vireo_vcpu *vcpu, struct kvm_regs *regs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	x86_gprs_to_kvm(&vmx->gprs, regs);
	vmx_get(vmx);
	regs->rsp = vmcs_read(GUEST_RSP);
	regs->rip = vmcs_read(GUEST_RIP);
	regs->rflags = vmcs_read(GUEST_RFLAGS);
	vmx_put(vmx);
	/* The single-step's TF is the VMM's, as kvm.ko hides it. */
	if (vmx->x86.gdb.control & KVM_GUESTDBG_SINGLESTEP)
		regs->rflags &= ~X86_EFLAGS_TF;
}

static void vmx_set_regs(struct vireo_vcpu *vcpu, const struct kvm_regs *regs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	x86_gprs_from_kvm(&vmx->gprs, regs);
	vmx_get(vmx);
	vmcs_write(GUEST_RSP, regs->rsp);
	vmcs_write(GUEST_RIP, regs->rip);
	vmcs_write(GUEST_RFLAGS, regs->rflags | X86_EFLAGS_FIXED);
	if ((vmx->x86.gdb.control & KVM_GUESTDBG_SINGLESTEP) &&
	    vmx_linear_rip(vmx) == vmx->x86.gdb.step_rip)
		vmcs_set_bits(GUEST_RFLAGS, X86_EFLAGS_TF);
	vmx_put(vmx);
}

static void vmx_get_sregs(struct vmx_vcpu *vmx, struct kvm_sregs *sr)
{
	u32 info;

	memset(sr, 0, sizeof(*sr));
	vmx_get(vmx);
	vmx_seg_to_kvm(SEG_CS, &sr->cs);
	vmx_seg_to_kvm(SEG_DS, &sr->ds);
	vmx_seg_to_kvm(SEG_ES, &sr->es);
	vmx_seg_to_kvm(SEG_FS, &sr->fs);
	vmx_seg_to_kvm(SEG_GS, &sr->gs);
	vmx_seg_to_kvm(SEG_SS, &sr->ss);
	vmx_seg_to_kvm(SEG_TR, &sr->tr);
	vmx_seg_to_kvm(SEG_LDTR, &sr->ldt);
	sr->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sr->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	sr->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sr->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
	sr->cr0 = vmx->cr0;
	sr->cr2 = vmx->cr2;
	sr->cr3 = vmcs_read(GUEST_CR3);
	sr->cr4 = vmx->cr4;
	sr->cr8 = vmx->x86.apic ? x86_lapic_get_cr8(vmx->x86.apic) : vmx->cr8;
	sr->efer = vmx->efer;
	sr->apic_base = vmx->apic_base;
	info = vmcs_read(VM_ENTRY_INTR_INFO_FIELD);
	if ((info & INTR_INFO_VALID_MASK) &&
	    (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR) {
		u8 v = info & INTR_INFO_VECTOR_MASK;

		sr->interrupt_bitmap[v / 64] |= 1ULL << (v % 64);
	} else if (vmx->pending_irq >= 0) {
		sr->interrupt_bitmap[vmx->pending_irq / 64] |=
			1ULL << (vmx->pending_irq % 64);
	}
	vmx_put(vmx);
}

static int vmx_set_sregs(struct vmx_vcpu *vmx, const struct kvm_sregs *sr)
{
	bool pae = vmx_pae_paging(sr->cr0, sr->cr4, sr->efer);
	int irq = x86_sregs_irq(sr);
	u64 pdpte[4];

	if (x86_sregs_check(&vmx->cpuid, sr))
		return -EINVAL;
	if (vmx->x86.apic) {
		if (x86_lapic_set_base(vmx->x86.apic, sr->apic_base, true))
			return -EINVAL;
		x86_lapic_set_cr8(vmx->x86.apic, sr->cr8);
	}
	/* As kvm.ko: a table outside guest memory is the guest's problem. */
	if (pae)
		vmx_read_pdptes(vmx->vcpu, sr->cr3, pdpte);
	vmx_get(vmx);
	if (pae)
		vmx_write_pdptes(pdpte);
	vmx_seg_from_kvm(SEG_CS, &sr->cs);
	vmx_seg_from_kvm(SEG_DS, &sr->ds);
	vmx_seg_from_kvm(SEG_ES, &sr->es);
	vmx_seg_from_kvm(SEG_FS, &sr->fs);
	vmx_seg_from_kvm(SEG_GS, &sr->gs);
	vmx_seg_from_kvm(SEG_SS, &sr->ss);
	vmx_seg_from_kvm(SEG_TR, &sr->tr);
	vmx_seg_from_kvm(SEG_LDTR, &sr->ldt);
	vmcs_write(GUEST_GDTR_BASE, sr->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sr->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sr->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sr->idt.limit);
	vmx->cr2 = sr->cr2;
	vmcs_write(GUEST_CR3, sr->cr3);
	vmx->efer = sr->efer;
	vmx_set_cr4(vmx, sr->cr4);
	vmx_set_cr0(vmx, sr->cr0);
	vmx->cr8 = sr->cr8 & 0xf;
	vmx->apic_base = sr->apic_base;
	if (irq >= 0)
		vmx->pending_irq = irq;
	vmx_put(vmx);
	return 0;
}

static long vmx_msrs_ioctl(struct vireo_vcpu *vcpu, void __user *argp,
			   bool set)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	long r;

	/* The accessors touch the VMCS; the copies may fault and sleep. */
	vmx_get(vmx);
	preempt_notifier_register(&vmx->pn);
	preempt_enable();
	r = x86_msrs_ioctl(argp, set, vmx_get_msr, vmx_set_msr, vcpu);
	preempt_disable();
	preempt_notifier_unregister(&vmx->pn);
	vmx_put(vmx);
	return r;
}

/* The copies may fault: DR7 travels between the VMCS and a local. */
static long vmx_debugregs_ioctl(struct vmx_vcpu *vmx, unsigned int cmd,
				void __user *argp)
{
	u64 dr7;
	long r;

	vmx_get(vmx);
	dr7 = vmcs_read(GUEST_DR7);
	vmx_put(vmx);
	r = x86_debugregs_ioctl(&vmx->dregs, &vmx->dr6, &dr7, cmd, argp);
	if (!r && cmd == KVM_SET_DEBUGREGS) {
		vmx_get(vmx);
		vmcs_write(GUEST_DR7, dr7);
		vmx_put(vmx);
	}
	return r;
}

/*
 * KVM_SET_GUEST_DEBUG.  #BP is intercepted for software breakpoints only;
 * #DB and MOV DR always are.
 */
static long vmx_set_guest_debug(struct vmx_vcpu *vmx, void __user *argp)
{
	struct kvm_guest_debug dbg;
	u32 old, now, info;
	u64 rflags;

	if (copy_from_user(&dbg, argp, sizeof(dbg)))
		return -EFAULT;
	vmx_get(vmx);
	info = vmcs_read(VM_ENTRY_INTR_INFO_FIELD);
	if (dbg.control & (KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP)) {
		/* kvm.ko: one exception at a time */
		if ((info & INTR_INFO_VALID_MASK) &&
		    (info & INTR_INFO_INTR_TYPE_MASK) != INTR_TYPE_EXT_INTR &&
		    (info & INTR_INFO_INTR_TYPE_MASK) != INTR_TYPE_NMI_INTR) {
			vmx_put(vmx);
			return -EBUSY;
		}
		if (dbg.control & KVM_GUESTDBG_INJECT_DB) {
			vmx_inject_exception(X86_TRAP_DB, false, 0);
		} else {
			/*
			 * As the INT3 at RIP would have raised it (the VMM
			 * hands back a breakpoint of the guest's): the
			 * handler returns past it.
			 */
			vmcs_write(VM_ENTRY_INTR_INFO_FIELD, X86_TRAP_BP |
				   INTR_TYPE_SOFT_EXCEPTION |
				   INTR_INFO_VALID_MASK);
			vmcs_write(VM_ENTRY_INSTRUCTION_LEN, 1);
		}
	}
	old = x86_gdb_set(&vmx->x86.gdb, &dbg);
	now = vmx->x86.gdb.control;
	vmx->x86.gdb.step_rip = vmx_linear_rip(vmx);
	rflags = vmcs_read(GUEST_RFLAGS);
	if (old & KVM_GUESTDBG_SINGLESTEP)
		rflags &= ~X86_EFLAGS_TF;
	if (now & KVM_GUESTDBG_SINGLESTEP)
		rflags |= X86_EFLAGS_TF;
	vmcs_write(GUEST_RFLAGS, rflags);
	if (now & KVM_GUESTDBG_USE_SW_BP)
		vmcs_set_bits(EXCEPTION_BITMAP, BIT(X86_TRAP_BP));
	else
		vmcs_clear_bits(EXCEPTION_BITMAP, BIT(X86_TRAP_BP));
	vmx_put(vmx);
	return 0;
}

static long vmx_vcpu_ioctl(struct vireo_vcpu *vcpu, unsigned int cmd,
			   void __user *argp)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct kvm_sregs sr;
	long r;

	r = x86_lapic_ioctl(vmx->x86.apic, cmd, argp);
	if (r != -ENOIOCTLCMD)
		return r;
	switch (cmd) {
	case KVM_SET_GUEST_DEBUG:
		return vmx_set_guest_debug(vmx, argp);
	case KVM_KVMCLOCK_CTRL:
		return x86_kvmclock_ctrl(vcpu);
	case KVM_INTERRUPT:
		r = x86_get_interrupt(argp);
		if (r < 0)
			return r;
		/*
		 * With the PIC in userspace the vector counts as acknowledged
		 * and goes in on the next entry; checking that the guest can
		 * take it is the VMM's job (ready_for_interrupt_injection).
		 */
		vmx->pending_irq = r;
		return 0;
	case KVM_GET_MSRS:
		return vmx_msrs_ioctl(vcpu, argp, false);
	case KVM_SET_MSRS:
		return vmx_msrs_ioctl(vcpu, argp, true);
	case KVM_ENABLE_CAP:
		return x86_vcpu_enable_cap(vcpu, argp);
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_SET_DEVICE_ATTR:
		return vmx_tsc_attr_ioctl(vcpu, cmd, argp);
	case KVM_GET_SREGS:
		vmx_get_sregs(vmx, &sr);
		return copy_to_user(argp, &sr, sizeof(sr)) ? -EFAULT : 0;
	case KVM_SET_SREGS:
		if (copy_from_user(&sr, argp, sizeof(sr)))
			return -EFAULT;
		return vmx_set_sregs(vmx, &sr);
	case KVM_NMI:
		if (!vmx_nmi_supported())
			return -EINVAL;
		fallthrough;
	case KVM_GET_VCPU_EVENTS:
	case KVM_SET_VCPU_EVENTS:
		return x86_events_ioctl(&vmx->events, &vmx_event_ops, vcpu, cmd,
					argp);
	case KVM_GET_DEBUGREGS:
	case KVM_SET_DEBUGREGS:
		return vmx_debugregs_ioctl(vmx, cmd, argp);
	case KVM_X86_SETUP_MCE:
	case KVM_X86_SET_MCE:
		return x86_mce_ioctl(vcpu, &vmx_event_ops, vmx->cr4, ~0ULL, cmd,
				     argp);
	default:
		r = x86_vcpu_ioctl(&vmx->fpu, &vmx->cpuid, &vmx->xcr0,
				   &vmx->pkru.guest, cmd, argp);
		if (!r && cmd == KVM_SET_CPUID2) {
			vmx_get(vmx);
			vmx_update_rdtscp(vmx);
			vmx_put(vmx);
		}
		return r == -ENOIOCTLCMD ? -EINVAL : r;
	}
}

static void vmx_sync_get_sregs(struct vireo_vcpu *vcpu, struct kvm_sregs *sr)
{
	vmx_get_sregs(to_vmx(vcpu), sr);
}

static int vmx_sync_set_sregs(struct vireo_vcpu *vcpu,
			      const struct kvm_sregs *sr)
{
	return vmx_set_sregs(to_vmx(vcpu), sr);
}

static void vmx_sync_get_events(struct vireo_vcpu *vcpu,
				struct kvm_vcpu_events *e)
{
	x86_get_events(&to_vmx(vcpu)->events, &vmx_event_ops, vcpu, e);
}

static int vmx_sync_set_events(struct vireo_vcpu *vcpu,
			       const struct kvm_vcpu_events *e)
{
	return x86_set_events(&to_vmx(vcpu)->events, &vmx_event_ops, vcpu, e);
}

static const struct x86_sync_ops vmx_sync_ops = {
	.get_regs	= vmx_get_regs,
	.set_regs	= vmx_set_regs,
	.get_sregs	= vmx_sync_get_sregs,
	.set_sregs	= vmx_sync_set_sregs,
	.get_events	= vmx_sync_get_events,
	.set_events	= vmx_sync_set_events,
};

static int vmx_vcpu_load(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int r;

	fpu_swap_kvm_fpstate(&vmx->fpu, true);
	/* Back from userspace, which may have had anything in the L1D. */
	vmx->x86.l1d_flush = true;
	preempt_disable();
	vmx_load_on_cpu(vmx);
	preempt_notifier_register(&vmx->pn);
	preempt_enable();
	/* The VMM's registers first: the completion may build on them. */
	r = x86_sync_regs_in(vcpu, &vmx_sync_ops);
	if (r)
		return r;
	vmx_complete_user(vcpu);
	return 0;
}

static void vmx_vcpu_put(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	struct kvm_run *run = vcpu->run;

	preempt_disable();
	run->if_flag = !!(vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = vmx->pending_irq < 0 &&
		vmx_interrupt_allowed() &&
		(!vmx->x86.apic || x86_lapic_accept_extint(vmx->x86.apic));
	vmx_switch_to_host(vmx);
	preempt_notifier_unregister(&vmx->pn);
	preempt_enable();
	run->cr8 = vmx->cr8;
	run->apic_base = vmx->apic_base;
	x86_sync_regs_out(vcpu, &vmx_sync_ops);
	fpu_swap_kvm_fpstate(&vmx->fpu, false);
}

/*
 * The in-kernel APIC's next interrupt goes in when the guest can take it,
 * after an NMI.  Returns true when one waits for the interrupt window.
 */
static bool vmx_apic_prepare(struct vmx_vcpu *vmx)
{
	struct x86_lapic *apic = vmx->x86.apic;
	int v;

	if (!apic)
		return false;
	x86_lapic_unkick(apic);
	while (x86_lapic_take_nmi(apic))
		if (vmx->events.nmi_pending < 2)
			vmx->events.nmi_pending++;
	if (x86_lapic_next_irq(apic, false) < 0)
		return false;
	/* KVM_GUESTDBG_BLOCKIRQ: none goes in, nor is a window awaited */
	if (vmx->x86.gdb.control & KVM_GUESTDBG_BLOCKIRQ)
		return false;
	if (!vmx_interrupt_allowed())
		return true;
	v = x86_lapic_next_irq(apic, true);
	if (v >= 0)
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, v | INTR_TYPE_EXT_INTR |
			   INTR_INFO_VALID_MASK);
	return false;
}

/*
 * Inject a KVM_INTERRUPT vector, and ask for an exit as soon as the guest
 * can take an interrupt when userspace wants that window.
 */
static void vmx_prepare_events(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	bool window = READ_ONCE(vcpu->run->request_interrupt_window) &&
		      (!vmx->x86.apic || x86_lapic_user_window(vmx->x86.apic));

	/*
	 * As on kvm_intel, the vector goes in on the next entry whatever
	 * RFLAGS.IF says; VM entry then fails if the guest cannot take it.
	 */
	if (vmx->pending_irq >= 0 &&
	    !(vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK)) {
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, vmx->pending_irq |
			   INTR_TYPE_EXT_INTR | INTR_INFO_VALID_MASK);
		vmx->pending_irq = -1;
	}
	vmx_nmi_prepare(vmx);
	if (vmx_apic_prepare(vmx))
		window = true;
	if (window)
		vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL,
			      CPU_BASED_INTR_WINDOW_EXITING);
	else
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL,
				CPU_BASED_INTR_WINDOW_EXITING);
}

static bool vmx_exit_is_mce(u32 reason)
{
	u32 info;

	if ((u16)reason == EXIT_REASON_MCE_DURING_VMENTRY)
		return true;
	if ((u16)reason != EXIT_REASON_EXCEPTION_NMI)
		return false;
	info = vmcs_read(VM_EXIT_INTR_INFO);
	return (info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK |
			INTR_INFO_VECTOR_MASK)) ==
	       (INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | X86_TRAP_MC);
}

static void vmx_count_injection(struct vireo_vcpu *vcpu, u32 info)
{
	if (!(info & INTR_INFO_VALID_MASK))
		return;
	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_EXT_INTR)
		vireo_stat_inc(vcpu, VIREO_STAT_IRQ_INJECTIONS);
	else if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		vireo_stat_inc(vcpu, VIREO_STAT_NMI_INJECTIONS);
}

/* The DR7 the guest runs with: the VMM's under KVM_GUESTDBG_USE_HW_BP */
static u64 vmx_gdb_dr7(struct vmx_vcpu *vmx)
{
	if (vmx->x86.gdb.control & KVM_GUESTDBG_USE_HW_BP)
		return vmx->x86.gdb.dr7;
	return vmcs_read(GUEST_DR7);
}

/*
 * Exits whose handling reads and writes only the vCPU's own state (its
 * registers, CPUID table and MSRs, the VMCS, guest memory for PAE
 * PDPTEs) and so pulls no one else's data into the L1D: the next entry
 * needs no L1TF flush for them (x86_l1d_flush()).  Interrupts that end
 * the guest's slice mark the CPU themselves.  So does a nested page
 * fault, as kvm_intel has it: mapping the VMM's page touches its page
 * tables and the allocator, not other guests' or tasks' data (a fault
 * that sleeps comes back through sched-in); one that turns out to be
 * MMIO asks for a flush itself (vmx_exit_ept()).  Any other exit, an
 * emulated instruction among them, asks for one.
 */
static bool vmx_exit_stays_local(u32 reason)
{
	switch ((u16)reason) {
	case EXIT_REASON_CPUID:
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_DR_ACCESS:
	case EXIT_REASON_XSETBV:
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
	case EXIT_REASON_HLT:
	case EXIT_REASON_RDPMC:
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
	case EXIT_REASON_MWAIT_INSTRUCTION:
	case EXIT_REASON_MONITOR_INSTRUCTION:
		return !(reason & VMX_EXIT_REASONS_FAILED_VMENTRY);
	default:
		return false;
	}
}

/*
 * May an exit vmx_handle_fast() handled go straight back into the guest,
 * interrupts still off?  x86_fast_reenter() says, and not with an
 * interrupt waiting for injection; each entry restarts the preemption
 * timer, so @until is the timer's millisecond.
 */
static bool vmx_reenter(struct vireo_vcpu *vcpu, u64 until)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	if (vmx->pending_irq >= 0 ||
	    !x86_fast_reenter(vcpu, vmx->x86.apic, &vmx->events, until))
		return false;
	/* An unmap since the entry: its IPI is pending, but flush now. */
	vmx_ept_sync(to_vmx_vm(vcpu->vm), false);
	return true;
}

/*
 * An entry given up (or failed) with preemption off: what
 * x86_lapic_pv_eoi_enter() set.  Interrupts on already or now.
 */
static int vmx_give_up(struct vmx_vcpu *vmx, int r)
{
	local_irq_enable();
	preempt_enable();
	if (vmx->x86.apic)
		x86_lapic_exit(vmx->x86.apic);
	return r;
}

/* One entry and the exit's first, atomic part. */
static int vmx_vcpu_run(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_vm *vv = to_vmx_vm(vcpu->vm);
	struct x86_gdb *g = &vmx->x86.gdb;
	u64 guest_cr2 = vmx->cr2, host_cr2;
	bool swap_xcr0, handled = false;
	unsigned long host_debugctl;
	u32 reason = 0;
	int fail, r;
	u64 rip, until;

	if (unlikely(vmx->x86.triple_fault)) {
		vmx->x86.triple_fault = false;
		vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
		return VIREO_RUN_USER;
	}
	if (unlikely(g->step_pending)) {
		g->step_pending = false;
		vmx_get(vmx);
		r = x86_gdb_stepped(g, vcpu->run, vmcs_read(GUEST_RFLAGS),
				    vmx_linear_rip(vmx), vmx_gdb_dr7(vmx));
		vmx_put(vmx);
		if (r)
			return VIREO_RUN_USER;
	}
	vmx->cpuid.frozen = true;
	/* Guest memory may fault in: before preemption goes off. */
	x86_kvmclock_enter(vcpu, &vmx->cpuid, vmx->tsc_offset);
	if (vmx->x86.apic)
		x86_lapic_vapic_enter(vmx->x86.apic);
	preempt_disable();
	vmx_load_on_cpu(vmx);
	vmx_prepare_events(vcpu);
	if (vmx->x86.apic)
		x86_lapic_pv_eoi_enter(vmx->x86.apic);
	if (unlikely(vmx->host_cr3 != __read_cr3())) {
		vmx->host_cr3 = __read_cr3();
		vmcs_write(HOST_CR3, vmx->host_cr3);
	}
	if (unlikely(vmx->host_cr4 != __read_cr4())) {
		vmx->host_cr4 = __read_cr4();
		vmcs_write(HOST_CR4, vmx->host_cr4);
	}
	swap_xcr0 = vmx_host_xcr0 && vmx->xcr0 != vmx_host_xcr0;

	/*
	 * With interrupts off, an unmap's IPI waits until this guest entry
	 * has exited again, so reading tdp.gen here cannot miss one.
	 */
	local_irq_disable();
	if (vireo_vcpu_exit_request(vcpu) ||
	    (vmx->x86.apic && x86_lapic_kicked(vmx->x86.apic)) ||
	    x86_kvmclock_moved(vcpu, smp_processor_id()))
		return vmx_give_up(vmx, VIREO_RUN_AGAIN);
	/*
	 * A reboot or an emergency turns VT-x off on every CPU by IPI, which
	 * interrupts off hold back from here to the exit: past this check
	 * the CPU stays in VMX operation until the guest is out again.
	 */
	if (unlikely(!this_cpu_ptr(&vmx_cpus)->enabled))
		return vmx_give_up(vmx, -EIO);
	/*
	 * Kernel code that used the FPU since vcpu_load() (an interrupt, a
	 * preemption) left the guest's registers in memory only: reload
	 * them now that nothing else can take them away.
	 */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	vmx_ept_sync(vv, vmx->moved);
	vmx->moved = false;
	if (!vmx->guest_loaded)
		vmx_switch_to_guest(vmx);
	/*
	 * Kernel code may use the FPU, and reads and writes user memory
	 * under PKRU, between two exits: XCR0 and PKRU switch every time.
	 */
	if (swap_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx->xcr0);
	x86_pkru_enter(&vmx->pkru, vmcs_read(GUEST_CR4), vmx->xcr0);
	if (unlikely(vmx->uret_dirty)) {
		x86_uret_enter(vmx->uret);
		vmx->uret_dirty = false;
	}
	/*
	 * The VMM's DR7 replaces the guest's for this entry.  A single-step
	 * entry with an STI or MOV SS shadow would need a pending BS to
	 * pass the entry checks, and the trap is the VMM's: the shadow goes,
	 * as under kvm.ko.
	 */
	if (unlikely(g->control)) {
		g->guest_dr7 = vmcs_read(GUEST_DR7);
		if (g->control & KVM_GUESTDBG_USE_HW_BP)
			vmcs_write(GUEST_DR7, g->dr7);
		if (g->control & KVM_GUESTDBG_SINGLESTEP)
			vmcs_clear_bits(GUEST_INTERRUPTIBILITY_INFO,
					GUEST_INTR_STATE_STI |
					GUEST_INTR_STATE_MOV_SS);
	}
	x86_dr_enter(&vmx->dregs,
		     (g->control & KVM_GUESTDBG_USE_HW_BP) ? g->db : NULL,
		     vmcs_read(GUEST_DR7) & X86_DR7_ENABLES, &vmx->dr6);
	/* A VM exit clears DEBUGCTL; the host's (BTF, LBR) comes back. */
	host_debugctl = get_debugctlmsr();
	host_cr2 = native_read_cr2();
	if (host_cr2 != guest_cr2)
		native_write_cr2(guest_cr2);

	/* Each delivery counts, a repeated one too, as under kvm.ko. */
	vmx_count_injection(vcpu, vmcs_read(VM_ENTRY_INTR_INFO_FIELD));
	/*
	 * Exits handled in vmx_handle_fast() loop here, CR2, DEBUGCTL,
	 * XCR0, PKRU and the debug registers still the guest's: nothing of
	 * the host runs in between but an NMI, as between any exit and
	 * their restore below.
	 */
	until = rdtsc() + tsc_khz;
	for (;;) {
		vireo_stat_entering(vcpu);
		if (x86_l1d_flush(&vmx->x86.l1d_flush))
			vireo_stat_inc(vcpu, VIREO_STAT_L1D_FLUSH);
		fail = vireo_vmx_enter(&vmx->gprs, vmx->launched);
		x86_guest_exited();
		vireo_stat_exited(vcpu);
		if (fail)
			break;
		vmx->launched = true;
		reason = vmcs_read(VM_EXIT_REASON);
		/* A debugger's single step must see each CPUID: no fast path. */
		handled = !g->control && vmx_handle_fast(vcpu, reason);
		if (!handled || !vmx_reenter(vcpu, until))
			break;
		/* The run loop counts the last one. */
		vireo_count_exit();
	}

	vmx->cr2 = native_read_cr2();
	if (vmx->cr2 != host_cr2)
		native_write_cr2(host_cr2);
	if (host_debugctl)
		update_debugctlmsr(host_debugctl);
	x86_dr_exit(&vmx->dregs, &vmx->dr6);
	if (unlikely(g->control)) {
		g->exit_dr7 = vmcs_read(GUEST_DR7);
		vmcs_write(GUEST_DR7, g->guest_dr7);
	}
	x86_pkru_exit(&vmx->pkru, vmcs_read(GUEST_CR4), vmx->xcr0);
	if (swap_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx_host_xcr0);

	if (!fail) {
		/* An NMI that hit the guest is the host's: hand it over. */
		if ((u16)reason == EXIT_REASON_EXCEPTION_NMI &&
		    (vmcs_read(VM_EXIT_INTR_INFO) &
		     (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) ==
		    (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
			asm volatile("int $2");
		/* So is a machine check, on this CPU, before anything moves. */
		if (vmx_exit_is_mce(reason))
			x86_machine_check();
	}
	/* Interrupts that ended the guest's slice are taken here. */
	local_irq_enable();

	if (fail) {
		struct kvm_run *run = vcpu->run;

		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason =
			vmcs_read(VM_INSTRUCTION_ERROR);
		run->fail_entry.cpu = smp_processor_id();
		return vmx_give_up(vmx, VIREO_RUN_USER);
	}
	rip = vmcs_read(GUEST_RIP);
	preempt_enable();
	if (vmx->x86.apic)
		x86_lapic_exit(vmx->x86.apic);
	r = handled ? VIREO_RUN_AGAIN : vmx_handle_exit(vcpu, reason);
	if (!vmx_exit_stays_local(reason))
		vmx->x86.l1d_flush = true;
	/* An instruction the module carried out ends a single step. */
	if (r == VIREO_RUN_AGAIN && unlikely(g->control) &&
	    vmcs_read(GUEST_RIP) != rip &&
	    x86_gdb_stepped(g, vcpu->run, vmcs_read(GUEST_RFLAGS),
			    vmx_linear_rip(vmx), vmx_gdb_dr7(vmx)))
		r = VIREO_RUN_USER;
	if (r == VIREO_RUN_AGAIN && vmx->x86.apic &&
	    (x86_lapic_eoi_exit(vmx->x86.apic, vcpu->run) ||
	     x86_lapic_tpr_exit(vmx->x86.apic, vcpu->run, rip)))
		r = VIREO_RUN_USER;
	if (r == VIREO_RUN_AGAIN && READ_ONCE(vcpu->run->request_interrupt_window) &&
	    vmx->pending_irq < 0 && vmx_interrupt_allowed() &&
	    (!vmx->x86.apic || x86_lapic_user_window(vmx->x86.apic))) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		r = VIREO_RUN_USER;
	}
	return r;
}

const struct vireo_impl vireo_vmx_impl = {
	.name		 = "Intel VT-x",
	.probe		 = vmx_probe,
	.init		 = vmx_init,
	.fini		 = vmx_fini,
	.cpu_enable	 = vmx_cpu_enable,
	.cpu_disable	 = vmx_cpu_disable,
	.check_extension = vmx_check_extension,
	.gpa_bits	 = vmx_gpa_bits,
	.gpa_range_errno = -EINVAL,
	.coalesced_mmio	 = true,
	.dev_ioctl	 = x86_dev_ioctl,
	.vm_create	 = vmx_vm_create,
	.vm_destroy	 = vmx_vm_destroy,
	.vm_release	 = x86_irqchip_release,
	.vm_ioctl	 = x86_vm_ioctl,
	.vm_unmap	 = vmx_ept_unmap,
	.vm_write_protect = vmx_ept_write_protect,
	.vcpu_create	 = vmx_vcpu_create,
	.vcpu_destroy	 = vmx_vcpu_destroy,
	.vcpu_ioctl	 = vmx_vcpu_ioctl,
	.get_regs	 = vmx_get_regs,
	.set_regs	 = vmx_set_regs,
	.vcpu_load	 = vmx_vcpu_load,
	.vcpu_put	 = vmx_vcpu_put,
	.vcpu_run	 = vmx_vcpu_run,
	.vcpu_blocked	 = vmx_vcpu_blocked,
	.irqchip_in_kernel = x86_irqchip_in_kernel,
	.irq_route_check = x86_irq_route_check,
	.irq_deliver	 = x86_irq_deliver,
};
