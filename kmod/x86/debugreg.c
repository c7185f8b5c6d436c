// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's debug registers.  DR7 (and on AMD-V DR6) has a slot in the
 * control block that entry loads; DR0-3 have none.  So the guest's DR0-3
 * are put in the CPU around the entries that need them: whenever its DR7
 * enables a breakpoint (else it would match the host's addresses), and on
 * AMD-V whenever its MOV DR runs without exits.  After every exit the
 * host's breakpoints are put back: the exit leaves DR7 with all of them
 * off, and perf and ptrace keep theirs armed for as long as a task runs,
 * not just until its next context switch.  The host's own record of them
 * (cpu_dr7 and the per-CPU addresses behind hw_breakpoint_restore()) is
 * what comes back, as for kvm.ko.
 */
#include <linux/errno.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/debugreg.h>
#include <asm/trapnr.h>

#include "x86/x86.h"

/**
 * x86_dr_enter - before an entry, interrupts off: the guest's DR0-3 in
 *	the CPU if @load, or the VMM's
 * @d: the guest's DR0-3
 * @vmm: the VMM's DR0-3 (KVM_GUESTDBG_USE_HW_BP), in the CPU instead of
 *	the guest's for this entry, else NULL
 * @load: the guest runs with its own DR0-3
 * @dr6: where the backend keeps the guest's DR6 when entry does not load
 *	it (VT-x), else NULL
 */
void __vireo_hot x86_dr_enter(struct x86_dregs *d, const u64 *vmm, bool load, u64 *dr6)
{
	const u64 *db = vmm ? vmm : d->db;

	/*
	 * Entry loads the guest's DR7, but the host's breakpoints go off
	 * first, as under kvm.ko: they must not match the guest's addresses
	 * written below, and an emulated CPU (QEMU 7.2's TCG) that loads
	 * DR7 at VMRUN without dropping the breakpoints it had armed for the
	 * old value crashes when the host's DR7 comes back after the exit.
	 */
	if (hw_breakpoint_active())
		set_debugreg(0UL, 7);
	d->loaded = load || vmm;
	d->vmm = vmm;
	if (!d->loaded)
		return;
	set_debugreg(db[0], 0);
	set_debugreg(db[1], 1);
	set_debugreg(db[2], 2);
	set_debugreg(db[3], 3);
	if (dr6)
		set_debugreg(*dr6, 6);
}

/**
 * x86_dr_exit - after the exit, interrupts off: the host's debug
 *	registers back
 * @d: the guest's DR0-3, updated from the CPU when they were in it
 * @dr6: as for x86_dr_enter()
 */
void __vireo_hot x86_dr_exit(struct x86_dregs *d, u64 *dr6)
{
	if (d->loaded) {
		/* The guest cannot write the VMM's: its MOV DR exit. */
		if (!d->vmm) {
			get_debugreg(d->db[0], 0);
			get_debugreg(d->db[1], 1);
			get_debugreg(d->db[2], 2);
			get_debugreg(d->db[3], 3);
		}
		if (dr6)
			get_debugreg(*dr6, 6);
	}
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	else if (d->loaded && dr6)
		/* A host #DB must not see the guest's status bits. */
		set_debugreg(DR6_RESERVED, 6);
}

/**
 * x86_debugregs_ioctl - KVM_GET_DEBUGREGS and KVM_SET_DEBUGREGS
 * @d: the guest's DR0-3
 * @dr6: its DR6
 * @dr7: its DR7
 * @cmd: the ioctl
 * @argp: its argument
 *
 * Return: 0 or -errno: -EINVAL for flags or bits above 31 in DR6 or DR7,
 * as kvm.ko.
 */
long x86_debugregs_ioctl(struct x86_dregs *d, u64 *dr6, u64 *dr7,
			 unsigned int cmd, void __user *argp)
{
	struct kvm_debugregs k;

	if (cmd == KVM_GET_DEBUGREGS) {
		memset(&k, 0, sizeof(k));
		memcpy(k.db, d->db, sizeof(k.db));
		k.dr6 = *dr6;
		k.dr7 = *dr7;
		return copy_to_user(argp, &k, sizeof(k)) ? -EFAULT : 0;
	}
	if (copy_from_user(&k, argp, sizeof(k)))
		return -EFAULT;
	if (k.flags || k.dr6 >> 32 || k.dr7 >> 32)
		return -EINVAL;
	memcpy(d->db, k.db, sizeof(d->db));
	*dr6 = k.dr6;
	*dr7 = k.dr7;
	return 0;
}

/**
 * x86_gdb_set - KVM_SET_GUEST_DEBUG's new state
 * @g: the vCPU's guest-debug state
 * @dbg: what userspace passed, copied once
 *
 * Flags kvm.ko 6.1 does not know are kept, as it keeps them (no -EINVAL);
 * without KVM_GUESTDBG_ENABLE nothing is.  The VMM's DR7 goes into the
 * control block at entry: bits 63:32, which would fail the entry, are
 * dropped.
 *
 * Return: the flags before.
 */
u32 x86_gdb_set(struct x86_gdb *g, const struct kvm_guest_debug *dbg)
{
	u32 old = g->control;

	g->control = (dbg->control & KVM_GUESTDBG_ENABLE) ? dbg->control : 0;
	if (g->control & KVM_GUESTDBG_USE_HW_BP) {
		memcpy(g->db, dbg->arch.debugreg, sizeof(g->db));
		g->dr7 = (u32)dbg->arch.debugreg[7];
	}
	g->step_pending = false;
	return old;
}

/**
 * x86_gdb_exit - fill kvm_run for KVM_EXIT_DEBUG
 * @run: the vCPU's kvm_run
 * @exception: 1 (#DB) or 3 (#BP)
 * @pc: the guest's linear RIP
 * @dr6: DR6 as the exception left it
 * @dr7: the DR7 the guest ran with
 */
void x86_gdb_exit(struct kvm_run *run, u32 exception, u64 pc, u64 dr6,
		  u64 dr7)
{
	run->exit_reason = KVM_EXIT_DEBUG;
	run->debug.arch.exception = exception;
	run->debug.arch.pc = pc;
	run->debug.arch.dr6 = dr6;
	run->debug.arch.dr7 = dr7;
}

/**
 * x86_gdb_stepped - the module carried out an instruction for the guest
 * @g: the vCPU's guest-debug state
 * @run: its kvm_run
 * @rflags: the guest's RFLAGS before that instruction
 * @pc: the linear RIP after it
 * @dr7: the DR7 the guest runs with
 *
 * The CPU raises no single-step trap for an instruction it did not run;
 * under KVM_GUESTDBG_SINGLESTEP the VMM gets the exit it would have given,
 * as from kvm.ko.
 *
 * Return: true when @run now holds that KVM_EXIT_DEBUG.
 */
bool x86_gdb_stepped(struct x86_gdb *g, struct kvm_run *run, u64 rflags,
		     u64 pc, u64 dr7)
{
	if (!(g->control & KVM_GUESTDBG_SINGLESTEP) ||
	    !(rflags & X86_EFLAGS_TF))
		return false;
	x86_gdb_exit(run, X86_TRAP_DB, pc, X86_DR6_CLEAN | DR_STEP, dr7);
	return true;
}
