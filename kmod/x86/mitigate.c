// SPDX-License-Identifier: GPL-2.0
/*
 * Host mitigations around guest entry, as the host kernel asks for them.
 * The world switches (kmod/svm/vmrun.S, kmod/vmx/vmenter.S) do what must
 * happen in assembly: VERW right before entry, the return-stack-buffer
 * fill and the return untraining right after exit.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/ptrace.h>

#include "core/vireo.h"
#include "x86/mitigate.h"

/* Software L1D flush: more than the L1D of any CPU L1TF affects. */
#define X86_L1D_FLUSH_ORDER	4

static bool x86_l1d_flush_needed;
/* l1tf=full or full,force: every entry, not only after other code ran. */
static bool x86_l1d_flush_always;
static struct page *x86_l1d_flush_pages;

/*
 * L1TF: an entry may leave host data in the L1D for a guest to read through
 * a not-present guest PTE.  The host asks for a flush before VM entry
 * unless l1tf=off, or the CPU is not affected or says VMX entry needs none
 * (ARCH_CAPABILITIES.SKIP_VMENTRY_L1DFLUSH, set for nested hypervisors).
 * AMD-V is not affected.
 */
static bool x86_l1d_flush_wanted(void)
{
	u64 caps = 0;

	if (!boot_cpu_has(X86_FEATURE_VMX) || !boot_cpu_has_bug(X86_BUG_L1TF) ||
	    l1tf_mitigation == L1TF_MITIGATION_OFF)
		return false;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, caps);
	return !(caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH);
}

/**
 * x86_mitigate_init() - read what the host asks for, once at load
 *
 * Return: 0 or -ENOMEM.
 */
int x86_mitigate_init(void)
{
	x86_l1d_flush_needed = x86_l1d_flush_wanted();
	x86_l1d_flush_always = l1tf_mitigation == L1TF_MITIGATION_FULL ||
			       l1tf_mitigation == L1TF_MITIGATION_FULL_FORCE;
	if (x86_l1d_flush_needed && !boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		x86_l1d_flush_pages = alloc_pages(GFP_KERNEL | __GFP_ZERO,
						  X86_L1D_FLUSH_ORDER);
		if (!x86_l1d_flush_pages)
			return -ENOMEM;
		vireo_count_pages(1 << X86_L1D_FLUSH_ORDER);
	}
	return 0;
}

void x86_mitigate_fini(void)
{
	if (!x86_l1d_flush_pages)
		return;
	__free_pages(x86_l1d_flush_pages, X86_L1D_FLUSH_ORDER);
	vireo_count_pages(-(1 << X86_L1D_FLUSH_ORDER));
	x86_l1d_flush_pages = NULL;
}

/**
 * x86_ibpb_new_vcpu() - this CPU is about to run another vCPU than last
 *
 * The branch predictors may hold what the last guest trained; the host
 * asks for an IBPB between address spaces when it uses one at all
 * (X86_FEATURE_USE_IBPB).  Not needed when every exit does one already.
 */
void x86_ibpb_new_vcpu(void)
{
	if (!cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT))
		indirect_branch_prediction_barrier();
}

/* Did an interrupt hit this CPU since the last entry?  Forgets it. */
static bool x86_l1d_irq_since_entry(void)
{
#if IS_ENABLED(CONFIG_KVM_INTEL)
	/* The kernel's interrupt entry marks the CPU for kvm_intel. */
	bool irq = kvm_get_cpu_l1tf_flush_l1d();

	kvm_clear_cpu_l1tf_flush_l1d();
	return irq;
#else
	/* A kernel without the mark: assume one did. */
	return true;
#endif
}

/**
 * x86_l1d_flush() - before VT-x entry, interrupts off: flush the L1D if
 *	the host's L1TF mitigation asks for it
 * @pending: the vCPU's own reason to flush, cleared here; the backend sets
 *	it when its thread comes back from userspace (KVM_RUN) or from
 *	another task (sched in), and after an exit whose handling reached
 *	beyond the vCPU's own state (a nested page fault, an emulation)
 *
 * The host's l1tf= decides, as it does for kvm_intel: "full" flushes
 * before every entry; the default ("flush") only when host code that may
 * have pulled someone else's data into the L1D ran since the last entry:
 * @pending, or an interrupt on this CPU (its handler, softirqs).  An exit
 * handled on the vCPU's own registers (CPUID, MSRs, control registers)
 * then costs no flush: in Bochs the software flush is 4,200 instructions,
 * four times the rest of a CPUID exit.
 *
 * Return: true when it flushed (kvm.ko's l1d_flush statistic counts these).
 */
bool x86_l1d_flush(bool *pending)
{
	bool flush = *pending;
	const u8 *buf;
	unsigned int i;

	if (!x86_l1d_flush_needed)
		return false;
	*pending = false;
	/* Always asked: the interrupt mark must be cleared either way. */
	if (x86_l1d_irq_since_entry())
		flush = true;
	if (!flush && !x86_l1d_flush_always)
		return false;
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D)) {
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return true;
	}
	/*
	 * Without the command: displace every line by reading twice its
	 * size.  The pages' translations first, finished before the fill
	 * (LFENCE), so that no page walk brings a line in behind it; the
	 * fill itself 16 lines a round, loop overhead aside the same loads
	 * as kvm_intel's one line a round; finished before the entry.
	 */
	buf = page_address(x86_l1d_flush_pages);
	for (i = 0; i < PAGE_SIZE << X86_L1D_FLUSH_ORDER; i += PAGE_SIZE)
		(void)READ_ONCE(buf[i]);
	asm volatile("lfence" ::: "memory");
	BUILD_BUG_ON(L1_CACHE_BYTES != 64);
	for (i = 0; i < PAGE_SIZE << X86_L1D_FLUSH_ORDER; i += 16 * 64)
		asm volatile(".irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n\t"
			     "movzbl \\n * 64(%[p]), %%eax\n\t"
			     ".endr"
			     : : [p] "r" (buf + i) : "eax", "memory");
	asm volatile("lfence" ::: "memory");
	return true;
}

/**
 * x86_guest_exited() - right after the world switch returned, interrupts
 *	off, before anything else
 *
 * With IBRS as the kernel's Spectre v2 mitigation (not enhanced IBRS),
 * SPEC_CTRL.IBRS protects only once written after the switch from the
 * less privileged guest.  The guest cannot change SPEC_CTRL here (the MSR
 * is not given to it), so the value to write is the host's own.  VMSCAPE:
 * userspace (the VMM) must not see branch predictions the guest trained.
 */
void __vireo_hot x86_guest_exited(void)
{
	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS))
		native_wrmsrl(MSR_IA32_SPEC_CTRL,
			      this_cpu_read(x86_spec_ctrl_current));
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
}

/**
 * x86_machine_check() - a machine check hit the guest and exited: let the
 *	host's handler see it, on the CPU it happened on, interrupts off
 *
 * The guest context is not the host's: the handler gets registers that
 * say "user mode, interrupts on", so it may kill the VMM's process or
 * panic as its policy says, but never takes guest state for kernel state.
 */
void x86_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = {
		.cs = 3,
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}
