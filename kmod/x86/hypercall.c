// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's paravirtual interface as a guest reaches it with VMCALL (Intel) or
 * VMMCALL (AMD), and the instructions KVM's quirks make something other
 * than what the CPU would (KVM_CAP_DISABLE_QUIRKS2): the other vendor's
 * hypercall instruction, MONITOR and MWAIT.  Numbers, registers and
 * answers: Documentation/virt/kvm/x86/hypercalls.rst.
 */
#include <asm/kvm_para.h>
#include <asm/trapnr.h>
#include <linux/errno.h>
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "x86/irq.h"
#include "x86/uexit.h"
#include "x86/walk.h"
#include "x86/x86.h"

/**
 * x86_pv_has - may the guest use this KVM_FEATURE_*?
 * @vcpu: the vCPU
 * @c: its CPUID
 * @feature: the bit of KVM_CPUID_FEATURES' EAX
 *
 * Only with KVM_CAP_ENFORCE_PV_FEATURE_CPUID does the guest's CPUID limit
 * it; otherwise everything Vireo implements is there, as under kvm.ko.
 *
 * Return: true when the feature may be used.
 */
bool x86_pv_has(struct vireo_vcpu *vcpu, const struct x86_cpuid *c,
		unsigned int feature)
{
	u32 out[4];

	if (!READ_ONCE(to_x86_vcpu(vcpu)->pv_enforce))
		return true;
	x86_cpuid_lookup(c, KVM_CPUID_FEATURES, 0, out);
	return out[0] & BIT(feature);
}

/*
 * KVM_HC_KICK_CPU: the vCPU whose APIC ID is @apic_id leaves its HLT, or
 * its next one returns at once.  The message goes on the APIC bus like an
 * IPI (kvm.ko's remote-read mode), so only the in-kernel APIC's usual lock
 * and kick are involved; an ID nobody has, or no in-kernel APIC, and
 * nothing happens, though the guest hears 0 as from kvm.ko.
 */
static void x86_pv_kick(struct vireo_vcpu *vcpu, u32 apic_id)
{
	struct x86_apic_irq irq = {
		.dest = apic_id,
		.delivery = X86_APIC_DM_REMRD,
		.src = vcpu->id,
	};

	if (to_x86_vcpu(vcpu)->apic)
		x86_apic_deliver(vcpu->vm, &irq);
}

/**
 * x86_hypercall - VMCALL or VMMCALL: KVM's hypercall ABI
 * @vcpu: the vCPU
 * @u: its pending user exit, for KVM_EXIT_HYPERCALL
 * @c: its CPUID
 * @gprs: its registers (RBX, RCX, RDX, RSI: the arguments)
 * @rax: its RAX: the number in, the answer out
 * @cpl: its privilege level
 * @longmode: it runs 64-bit code (else numbers, arguments and answer are
 *	32 bits)
 * @rip: the instruction
 * @next_rip: the instruction after it
 *
 * Vireo answers KVM_HC_VAPIC_POLL_IRQ, KVM_HC_KICK_CPU and
 * KVM_HC_SCHED_YIELD itself and hands KVM_HC_MAP_GPA_RANGE to userspace
 * once KVM_CAP_EXIT_HYPERCALL asked for it; any other number (SEND_IPI
 * among them: its feature is not offered) gets -KVM_ENOSYS.
 *
 * Return: X86_GUEST_MSR_DONE (RIP moves on, *@rax holds the answer) or
 * X86_GUEST_MSR_USER (vcpu->run holds the exit).
 */
int x86_hypercall(struct vireo_vcpu *vcpu, struct x86_uexit *u,
		  const struct x86_cpuid *c, const u64 *gprs, u64 *rax,
		  unsigned int cpl, bool longmode, u64 rip, u64 next_rip)
{
	struct x86_vm *xv = to_x86_vm(vcpu->vm);
	u64 nr = *rax, a0 = gprs[X86_RBX], a1 = gprs[X86_RCX];
	u64 a2 = gprs[X86_RDX];
	s64 ret = -KVM_ENOSYS;

	if (!longmode) {
		nr = (u32)nr;
		a0 = (u32)a0;
		a1 = (u32)a1;
		a2 = (u32)a2;
	}
	if (cpl) {
		ret = -KVM_EPERM;
		goto out;
	}
	switch (nr) {
	case KVM_HC_VAPIC_POLL_IRQ:
		ret = 0;
		break;
	case KVM_HC_KICK_CPU:
		if (!x86_pv_has(vcpu, c, KVM_FEATURE_PV_UNHALT))
			break;
		x86_pv_kick(vcpu, a1);
		ret = 0;
		break;
	case KVM_HC_SCHED_YIELD:
		if (!x86_pv_has(vcpu, c, KVM_FEATURE_PV_SCHED_YIELD))
			break;
		/* Only a hint: the CPU for whoever else wants it. */
		cond_resched();
		ret = 0;
		break;
	case KVM_HC_MAP_GPA_RANGE:
		if (!(READ_ONCE(xv->hypercall_exits) &
		      BIT(KVM_HC_MAP_GPA_RANGE)))
			break;
		/* Whole pages, at least one, not wrapping around. */
		if (!PAGE_ALIGNED(a0) || !a1 ||
		    (a0 >> PAGE_SHIFT) + a1 <= (a0 >> PAGE_SHIFT)) {
			ret = -KVM_EINVAL;
			break;
		}
		u->kind = X86_UEXIT_HYPERCALL;
		u->rip = rip;
		u->next_rip = next_rip;
		u->longmode = longmode;
		vcpu->run->exit_reason = KVM_EXIT_HYPERCALL;
		memset(&vcpu->run->hypercall, 0, sizeof(vcpu->run->hypercall));
		vcpu->run->hypercall.nr = KVM_HC_MAP_GPA_RANGE;
		vcpu->run->hypercall.args[0] = a0;
		vcpu->run->hypercall.args[1] = a1;
		vcpu->run->hypercall.args[2] = a2;
		vcpu->run->hypercall.longmode = longmode;
		return X86_GUEST_MSR_USER;
	}
out:
	*rax = longmode ? (u64)ret : (u32)ret;
	return X86_GUEST_MSR_DONE;
}

static int x86_hc_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return vireo_read_guest(ctx, gpa, buf, len);
}

static int x86_hc_write(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return vireo_write_guest(ctx, gpa, buf, len);
}

/**
 * x86_fix_hypercall - the guest took #UD: the other vendor's hypercall?
 * @vm: the VM
 * @pg: the guest's paging
 * @lin: the linear address of the instruction
 * @intel: the host runs VT-x, whose hypercall is VMCALL
 * @cpl: the guest's privilege level
 * @pmode: the guest runs in protected mode, not virtual-8086 mode
 *
 * With KVM_X86_QUIRK_FIX_HYPERCALL_INSN (on unless disabled), kvm.ko
 * writes the native instruction over the other one and lets the guest run
 * it again: a guest image built for one vendor works on the other.  Its
 * emulator's rules come first: VMMCALL only in protected mode (else #UD),
 * VMCALL only at CPL 0 (else #GP).
 *
 * Return: -1 when the instruction was rewritten (the guest resumes at
 * it), else the vector the guest takes: X86_TRAP_UD or X86_TRAP_GP.
 */
int x86_fix_hypercall(struct vireo_vm *vm, const struct x86_paging *pg,
		      u64 lin, bool intel, unsigned int cpl, bool pmode)
{
	static const u8 vmcall[3] = { 0x0f, 0x01, 0xc1 };
	static const u8 vmmcall[3] = { 0x0f, 0x01, 0xd9 };
	u8 insn[3], native[3];

	if (x86_read_virt(pg, lin, x86_hc_read, vm, insn, sizeof(insn)) ||
	    memcmp(insn, intel ? vmmcall : vmcall, sizeof(insn)))
		return X86_TRAP_UD;
	if (intel && !pmode)
		return X86_TRAP_UD;
	if (!intel && cpl)
		return X86_TRAP_GP;
	if (READ_ONCE(to_x86_vm(vm)->disabled_quirks) &
	    KVM_X86_QUIRK_FIX_HYPERCALL_INSN)
		return X86_TRAP_UD;
	memcpy(native, intel ? vmcall : vmmcall, sizeof(native));
	if (x86_write_virt(pg, lin, x86_hc_read, x86_hc_write, vm, native,
			   sizeof(native)))
		return X86_TRAP_UD;
	return -1;
}

/**
 * x86_mwait_ud - does the guest's MONITOR or MWAIT fault?
 * @vm: the VM
 * @c: the guest's CPUID
 *
 * kvm.ko runs both as NOPs, but with KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS
 * disabled a guest whose CPUID lacks MWAIT gets the #UD the CPU gives.
 *
 * Return: true for #UD, false for a NOP.
 */
bool x86_mwait_ud(struct vireo_vm *vm, const struct x86_cpuid *c)
{
	u32 leaf1[4];

	if (!(READ_ONCE(to_x86_vm(vm)->disabled_quirks) &
	      KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS))
		return false;
	x86_cpuid_lookup(c, 1, 0, leaf1);
	return !(leaf1[2] & BIT(X86_FEATURE_MWAIT & 31));
}
