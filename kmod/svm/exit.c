// SPDX-License-Identifier: GPL-2.0
/*
 * #VMEXIT handling.  The CPUs this is tested on have no NRIP save, so each
 * handler knows its opcode's length and svm_skip_insn() adds the prefixes
 * (the IOIO exit reports the next RIP itself).
 */
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/fpu/xcr.h>
#include <asm/trapnr.h>

#include "svm/svm.h"
#include "x86/irqchip/irqchip.h"

void svm_inject_exception(struct svm_vcpu *sv, u8 vector, bool has_err,
			  u32 err)
{
	sv->vmcb->control.event_inj = vector | SVM_EVTINJ_VALID |
				      SVM_EVTINJ_TYPE_EXEPT |
				      (has_err ? SVM_EVTINJ_VALID_ERR : 0);
	sv->vmcb->control.event_inj_err = err;
}

static void svm_skip(struct svm_vcpu *sv, unsigned int len)
{
	sv->vmcb->save.rip += len;
}

static int svm_internal_error(struct vireo_vcpu *vcpu, u32 suberror)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = c->exit_code;
	run->internal.data[1] = c->exit_info_1;
	run->internal.data[2] = c->exit_info_2;
	return VIREO_RUN_USER;
}

static int __vireo_hot svm_read_phys(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return vireo_read_guest(ctx, gpa, buf, len);
}

static unsigned int __vireo_hot svm_code_size(const struct vmcb_save_area *s)
{
	if ((s->efer & EFER_LMA) && (s->cs.attrib & SVM_SELECTOR_L_MASK))
		return 8;
	return (s->cs.attrib & SVM_SELECTOR_DB_MASK) ? 4 : 2;
}

static void __vireo_hot svm_paging(const struct vmcb_save_area *s, struct x86_paging *pg)
{
	pg->cr0 = s->cr0;
	pg->cr3 = s->cr3;
	pg->cr4 = s->cr4;
	pg->efer = s->efer;
}

/*
 * Fetch the instruction at CS:RIP into @bytes (*@len of them: up to the
 * architectural maximum, or the end of its page).  Returns how many legacy
 * and REX prefixes come before the opcode, *@rex the REX byte (or 0), or
 * -EFAULT when the guest's tables do not map it.
 */
static int __vireo_hot svm_fetch_insn(struct vireo_vcpu *vcpu, u8 *bytes,
				      unsigned int *len, u8 *rex)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;
	unsigned int mode = svm_code_size(s), i;
	struct x86_paging pg;
	u64 lin;

	svm_paging(s, &pg);
	lin = mode == 8 ? s->rip : (u32)(s->cs.base + (u32)s->rip);
	*len = min_t(unsigned int, X86_MAX_INSN_LEN,
		     PAGE_SIZE - (lin & ~PAGE_MASK));
	*rex = 0;
	if (x86_read_virt(&pg, lin, svm_read_phys, vcpu->vm, bytes, *len))
		return -EFAULT;
	for (i = 0; i < *len; i++) {
		u8 b = bytes[i];

		if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e ||
		    b == 0x64 || b == 0x65 || b == 0x66 || b == 0x67 ||
		    b == 0xf0 || b == 0xf2 || b == 0xf3) {
			*rex = 0;
			continue;
		}
		if (mode == 8 && (b & 0xf0) == 0x40) {
			*rex = b;
			continue;
		}
		break;
	}
	return i;
}

/*
 * Step over the intercepted instruction at RIP, whose opcode takes
 * @opcode_len bytes.  With NRIP save the CPU gives the next RIP; without
 * it, prefixes before the opcode count too: a guest may put any there
 * (WBNOINVD is F3 0F 09 and exits as WBINVD), and a fixed length would
 * resume it in the middle of the instruction.
 */
static u64 __vireo_hot svm_next_rip(struct vireo_vcpu *vcpu, unsigned int opcode_len)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	u8 bytes[X86_MAX_INSN_LEN], rex;
	unsigned int len;
	int pfx;

	if (boot_cpu_has(X86_FEATURE_NRIPS) && sv->vmcb->control.next_rip)
		return sv->vmcb->control.next_rip;
	pfx = svm_fetch_insn(vcpu, bytes, &len, &rex);
	return sv->vmcb->save.rip + (pfx < 0 ? 0 : pfx) + opcode_len;
}

static void __vireo_hot svm_skip_insn(struct vireo_vcpu *vcpu, unsigned int opcode_len)
{
	to_svm(vcpu)->vmcb->save.rip = svm_next_rip(vcpu, opcode_len);
}

/* General register @reg: RAX and RSP live in the VMCB, the rest beside it. */
static u64 __vireo_hot svm_get_reg(struct svm_vcpu *sv, int reg)
{
	if (reg == X86_RAX)
		return sv->vmcb->save.rax;
	if (reg == X86_RSP)
		return sv->vmcb->save.rsp;
	return sv->gprs.r[reg];
}

static void __vireo_hot svm_set_reg(struct svm_vcpu *sv, int reg, u64 val)
{
	if (reg == X86_RAX)
		sv->vmcb->save.rax = val;
	else if (reg == X86_RSP)
		sv->vmcb->save.rsp = val;
	else
		sv->gprs.r[reg] = val;
}

/* Writes to a 32-bit register clear the upper half, as on hardware. */
static void __vireo_hot svm_set_reg32(struct svm_vcpu *sv, int reg, u32 val)
{
	svm_set_reg(sv, reg, val);
}

static int __vireo_hot svm_exit_cpuid(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	u32 out[4];

	x86_cpuid_guest(&sv->cpuid, sv->vmcb->save.rax, sv->gprs.r[X86_RCX],
			sv->vmcb->save.cr4, out);
	svm_set_reg32(sv, X86_RAX, out[0]);
	svm_set_reg32(sv, X86_RBX, out[1]);
	svm_set_reg32(sv, X86_RCX, out[2]);
	svm_set_reg32(sv, X86_RDX, out[3]);
	svm_skip_insn(vcpu, 2);
	return VIREO_RUN_AGAIN;
}

/* RDMSR or WRMSR: see x86_guest_msr() for who answers. */
static int __vireo_hot svm_exit_msr(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	bool write = sv->vmcb->control.exit_info_1;
	u64 val = (u32)sv->vmcb->save.rax | sv->gprs.r[X86_RDX] << 32;
	u64 next = svm_next_rip(vcpu, 2);

	switch (x86_guest_msr(vcpu, &sv->uexit, &sv->cpuid, write,
			      sv->gprs.r[X86_RCX], &val, svm_get_msr,
			      svm_set_msr, sv->vmcb->save.rip, next)) {
	case X86_GUEST_MSR_USER:
		return VIREO_RUN_USER;
	case X86_GUEST_MSR_GP:
		svm_inject_exception(sv, X86_TRAP_GP, true, 0);
		return VIREO_RUN_AGAIN;
	}
	if (!write) {
		svm_set_reg32(sv, X86_RAX, val);
		svm_set_reg32(sv, X86_RDX, val >> 32);
	}
	sv->vmcb->save.rip = next;
	return VIREO_RUN_AGAIN;
}

/* VMMCALL: KVM's hypercalls (x86_hypercall()). */
static int svm_exit_vmmcall(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct vmcb_save_area *s = &sv->vmcb->save;
	u64 next = svm_next_rip(vcpu, 3);

	if (x86_hypercall(vcpu, &sv->uexit, &sv->cpuid, sv->gprs.r, &s->rax,
			  s->cpl, svm_code_size(s) == 8, s->rip, next) ==
	    X86_GUEST_MSR_USER)
		return VIREO_RUN_USER;
	s->rip = next;
	return VIREO_RUN_AGAIN;
}

/* The guest's #UD: Intel's VMCALL may become VMMCALL and run again. */
static int svm_exit_ud(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct vmcb_save_area *s = &sv->vmcb->save;
	struct x86_paging pg;
	u64 lin;
	int v;

	svm_paging(s, &pg);
	lin = svm_code_size(s) == 8 ? s->rip : (u32)(s->cs.base + (u32)s->rip);
	v = x86_fix_hypercall(vcpu->vm, &pg, lin, false, s->cpl,
			      (s->cr0 & X86_CR0_PE) &&
			      !(s->rflags & X86_EFLAGS_VM));
	if (v >= 0)
		svm_inject_exception(sv, v, v == X86_TRAP_GP, 0);
	return VIREO_RUN_AGAIN;
}

/* MONITOR and MWAIT: NOPs, or #UD (x86_mwait_ud()). */
static int svm_exit_mwait(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);

	if (x86_mwait_ud(vcpu->vm, &sv->cpuid))
		svm_inject_exception(sv, X86_TRAP_UD, false, 0);
	else
		svm_skip_insn(vcpu, 3);
	return VIREO_RUN_AGAIN;
}

static int svm_exit_xsetbv(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	u64 val = (sv->vmcb->save.rax & 0xffffffffULL) |
		  sv->gprs.r[X86_RDX] << 32;

	if ((u32)sv->gprs.r[X86_RCX] || sv->vmcb->save.cpl ||
	    !x86_xcr0_valid(&sv->cpuid, val)) {
		svm_inject_exception(sv, X86_TRAP_GP, true, 0);
		return VIREO_RUN_AGAIN;
	}
	sv->xcr0 = val;
	svm_skip_insn(vcpu, 3);
	return VIREO_RUN_AGAIN;
}

/**
 * svm_dr_intercepts() - make every MOV to or from DR0-7 exit, or none
 * @vmcb: the vCPU's VMCB
 * @on: exit or not
 */
void svm_dr_intercepts(struct vmcb *vmcb, bool on)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		u32 rd = INTERCEPT_DR0_READ + i, wr = INTERCEPT_DR0_WRITE + i;

		if (on) {
			vmcb->control.intercepts[rd / 32] |= BIT(rd % 32);
			vmcb->control.intercepts[wr / 32] |= BIT(wr % 32);
		} else {
			vmcb->control.intercepts[rd / 32] &= ~BIT(rd % 32);
			vmcb->control.intercepts[wr / 32] &= ~BIT(wr % 32);
		}
	}
}

/*
 * MOV to or from a debug register while the VMM's breakpoints are in the
 * CPU (KVM_GUESTDBG_USE_HW_BP): carried out on the guest's own copy, where
 * it runs natively otherwise.  No decode assists: the general register
 * comes from the instruction (0F 21 /r reads, 0F 23 /r writes).
 */
static int svm_emulate_dr(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct vmcb_save_area *s = &sv->vmcb->save;
	unsigned int mode = svm_code_size(s), len, dr;
	u8 bytes[X86_MAX_INSN_LEN], rex;
	u64 val;
	int i, reg;

	i = svm_fetch_insn(vcpu, bytes, &len, &rex);
	if (i < 0 || i + 3 > len || bytes[i] != 0x0f ||
	    (bytes[i + 1] != 0x21 && bytes[i + 1] != 0x23))
		return svm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
	dr = (bytes[i + 2] >> 3) & 7;
	reg = (bytes[i + 2] & 7) | (rex & 1 ? 8 : 0);
	if (rex & 4) {
		/* DR8-15 do not exist */
		svm_inject_exception(sv, X86_TRAP_UD, false, 0);
		return VIREO_RUN_AGAIN;
	}
	if (s->cpl) {
		svm_inject_exception(sv, X86_TRAP_GP, true, 0);
		return VIREO_RUN_AGAIN;
	}
	if (dr == 4 || dr == 5) {
		if (s->cr4 & X86_CR4_DE) {
			svm_inject_exception(sv, X86_TRAP_UD, false, 0);
			return VIREO_RUN_AGAIN;
		}
		dr += 2;
	}
	if (bytes[i + 1] == 0x21) {
		if (dr < 4)
			val = sv->dregs.db[dr];
		else
			val = dr == 6 ? s->dr6 : s->dr7;
		if (mode != 8)
			svm_set_reg32(sv, reg, val);
		else
			svm_set_reg(sv, reg, val);
	} else {
		val = svm_get_reg(sv, reg);
		if (mode != 8)
			val = (u32)val;
		if (dr >= 6 && val >> 32) {
			svm_inject_exception(sv, X86_TRAP_GP, true, 0);
			return VIREO_RUN_AGAIN;
		}
		if (dr < 4)
			sv->dregs.db[dr] = val;
		else if (dr == 6)
			s->dr6 = (val & X86_DR6_VOLATILE) | X86_DR6_CLEAN;
		else
			s->dr7 = val | X86_DR7_FIXED;
	}
	svm_skip(sv, i + 3);
	return VIREO_RUN_AGAIN;
}

/*
 * The guest's first MOV DR.  Until now DR0-3 in the CPU were the host's,
 * and an exit per access would need the instruction decoded (no decode
 * assists here).  From now on svm_vcpu_run() puts the guest's DR0-3 in
 * the CPU around every entry and the guest's MOV DR run without exits:
 * this one runs again, natively.
 */
static int svm_exit_dr(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);

	if (sv->x86.gdb.control & KVM_GUESTDBG_USE_HW_BP)
		return svm_emulate_dr(vcpu);
	svm_dr_intercepts(sv->vmcb, false);
	sv->dr_native = true;
	return VIREO_RUN_AGAIN;
}

/*
 * MOV to CR4.  The CPU would check CR4 against itself only, not against the
 * guest's CPUID: a bit the host has and the guest's CPUID hides (PKE, UMIP,
 * FSGSBASE, ...) must be #GP as under kvm.ko, so every write exits here.
 * No decode assists: the source register comes from the instruction.
 */
static int svm_exit_cr4_write(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct vmcb_save_area *s = &sv->vmcb->save;
	unsigned int mode = svm_code_size(s), len;
	u8 bytes[X86_MAX_INSN_LEN], rex;
	u64 val;
	int i, reg;

	i = svm_fetch_insn(vcpu, bytes, &len, &rex);
	/* 0F 22 /r with ModRM.reg (and REX.R) naming CR4 */
	if (i < 0 || i + 3 > len || bytes[i] != 0x0f || bytes[i + 1] != 0x22 ||
	    ((bytes[i + 2] >> 3) & 7) != 4 || (rex & 4))
		return svm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
	reg = (bytes[i + 2] & 7) | (rex & 1 ? 8 : 0);
	val = svm_get_reg(sv, reg);
	if (mode != 8)
		val = (u32)val;
	if (!x86_cr4_write_valid(&sv->cpuid, s->cr4, val, s->efer)) {
		svm_inject_exception(sv, X86_TRAP_GP, true, 0);
		return VIREO_RUN_AGAIN;
	}
	/* What the CPU's own MOV to CR4 would have flushed. */
	if ((val ^ s->cr4) & (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE |
			      X86_CR4_SMEP | X86_CR4_PCIDE | X86_CR4_LA57))
		sv->tlb_flush = true;
	s->cr4 = val;
	svm_skip(sv, i + 3);
	return VIREO_RUN_AGAIN;
}

/* The registers STOS and MOVS use, RAX and RSP from the VMCB. */
static void __vireo_hot svm_str_view(struct vireo_vcpu *vcpu, struct x86_str_view *v)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct vmcb_save_area *s = &sv->vmcb->save;
	const struct vmcb_seg *seg = &s->es;
	int i;

	sv->gprs.r[X86_RAX] = s->rax;
	sv->gprs.r[X86_RSP] = s->rsp;
	v->gprs = sv->gprs.r;
	v->rflags = s->rflags;
	/* Segments in VMCB order are the encoding's: ES CS SS DS FS GS. */
	for (i = 0; i < ARRAY_SIZE(v->seg_base); i++)
		v->seg_base[i] = seg[i].base;
	v->long_mode = svm_code_size(s) == 8;
	svm_paging(s, &v->pg);
	v->vm = vcpu->vm;
}

/* RIP after a string element: on, or back to the same instruction. */
static int __vireo_hot svm_str_rip(struct svm_vcpu *sv, int r)
{
	if (r == X86_STR_DONE)
		sv->vmcb->save.rip = sv->uexit.next_rip;
	return VIREO_RUN_AGAIN;
}

/*
 * Without decode assists the IOIO exit gives no segment (bits 12:10 read
 * as ES), and emulators also leave the address size (bits 9:7) out: read
 * both from the instruction's prefixes.  OUTS reads DS unless overridden.
 */
static int svm_io_string_prefixes(struct vireo_vcpu *vcpu, struct x86_strio *io,
				  bool asize_known)
{
	struct vmcb_save_area *s = &to_svm(vcpu)->vmcb->save;
	unsigned int mode = svm_code_size(s), i, len = X86_MAX_INSN_LEN;
	struct x86_paging pg;
	u8 bytes[X86_MAX_INSN_LEN];
	bool a67 = false;
	u64 lin;

	svm_paging(s, &pg);
	lin = mode == 8 ? s->rip : (u32)(s->cs.base + (u32)s->rip);
	len = min_t(unsigned int, len, PAGE_SIZE - (lin & ~PAGE_MASK));
	if (x86_read_virt(&pg, lin, svm_read_phys, vcpu->vm, bytes, len))
		return -EFAULT;
	io->seg = X86_DS;
	for (i = 0; i < len; i++) {
		switch (bytes[i]) {
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			io->seg = (bytes[i] >> 3) & 3;
			continue;
		case 0x64: case 0x65:
			io->seg = bytes[i] - 0x64 + X86_FS;
			continue;
		case 0x67:
			a67 = true;
			continue;
		case 0x66: case 0xf0: case 0xf2: case 0xf3:
			continue;
		}
		if (mode == 8 && (bytes[i] & 0xf0) == 0x40)
			continue;
		break;
	}
	if (!asize_known)
		io->asize = mode == 8 ? (a67 ? 4 : 8) : ((mode == 4) ^ a67) ? 4 : 2;
	return 0;
}

/* INS and OUTS, with or without REP: see x86_string_io(). */
static int svm_exit_io_string(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	u64 info = sv->vmcb->control.exit_info_1;
	struct x86_strio io = {
		.port = info >> 16,
		.size = (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT,
		.asize = (info & BIT(9)) ? 8 : (info & BIT(8)) ? 4 : 2,
		.seg = (info >> 10) & 7,
		.in = info & SVM_IOIO_TYPE_MASK,
		.rep = info & SVM_IOIO_REP_MASK,
	};
	struct x86_str_view v;
	int r;

	if ((!boot_cpu_has(X86_FEATURE_DECODEASSISTS) ||
	     !(info & SVM_IOIO_ASIZE_MASK)) &&
	    svm_io_string_prefixes(vcpu, &io, info & SVM_IOIO_ASIZE_MASK))
		return svm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
	svm_str_view(vcpu, &v);
	r = x86_uexit_pio_string(&sv->uexit, &v, &io, vcpu->run,
				 sv->vmcb->save.rip,
				 sv->vmcb->control.exit_info_2);
	if (r < 0)
		return svm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
	if (r != X86_STR_EXIT)
		return svm_str_rip(sv, r);
	return VIREO_RUN_USER;
}

static int __vireo_hot svm_exit_io(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	u64 info = sv->vmcb->control.exit_info_1;
	int r;

	if (info & SVM_IOIO_STR_MASK)
		return svm_exit_io_string(vcpu);
	if (x86_uexit_pio_kernel(vcpu->vm, info >> 16,
				 (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT,
				 info & SVM_IOIO_TYPE_MASK,
				 &sv->vmcb->save.rax)) {
		sv->vmcb->save.rip = sv->vmcb->control.exit_info_2;
		return VIREO_RUN_AGAIN;
	}
	/*
	 * RIP moves on only when userspace comes back, as under kvm.ko, or
	 * at once when an ioeventfd took the OUT.
	 */
	r = x86_uexit_pio(&sv->uexit, vcpu->vm, vcpu->run, info >> 16,
			  (info & SVM_IOIO_SIZE_MASK) >> SVM_IOIO_SIZE_SHIFT,
			  info & SVM_IOIO_TYPE_MASK, sv->vmcb->save.rax,
			  sv->vmcb->save.rip, sv->vmcb->control.exit_info_2);
	if (r != X86_STR_EXIT)
		return svm_str_rip(sv, r);
	return VIREO_RUN_USER;
}

void __vireo_hot svm_complete_user(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	u64 rip = sv->vmcb->save.rip;
	struct x86_str_view v;
	int r;

	if (sv->uexit.kind == X86_UEXIT_NONE)
		return;
	svm_str_view(vcpu, &v);
	r = x86_uexit_complete(&sv->uexit, &v, sv->vmcb->save.rip, vcpu->run);
	if (r == X86_STR_IDLE)
		return;
	if (r == X86_UEXIT_GP) {
		svm_inject_exception(sv, X86_TRAP_GP, true, 0);
		return;
	}
	sv->vmcb->save.rax = sv->gprs.r[X86_RAX];
	sv->vmcb->save.rsp = sv->gprs.r[X86_RSP];
	svm_str_rip(sv, r);
	/* The instruction is done now: a single-step exit is due. */
	if (sv->vmcb->save.rip != rip &&
	    (sv->x86.gdb.control & KVM_GUESTDBG_SINGLESTEP))
		sv->x86.gdb.step_pending = true;
}

/*
 * No decode assists here: fetch the instruction through the guest's page
 * tables, decode it, and hand the access to userspace.
 */
static int svm_exit_mmio(struct vireo_vcpu *vcpu, u64 gpa)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct vmcb_save_area *s = &sv->vmcb->save;
	struct x86_paging pg = {
		.cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer,
	};
	unsigned int mode = svm_code_size(s), len = X86_MAX_INSN_LEN;
	u64 rip = mode == 8 ? s->rip : (u32)s->rip, lin;
	struct x86_str_view v;
	struct x86_insn insn;
	u8 bytes[X86_MAX_INSN_LEN];
	int r;

	lin = mode == 8 ? rip : (u32)(s->cs.base + rip);
	if (x86_read_virt(&pg, lin, svm_read_phys, vcpu->vm, bytes, len)) {
		/* The instruction may end right before unbacked memory. */
		len = min_t(unsigned int, len, PAGE_SIZE - (lin & ~PAGE_MASK));
		if (x86_read_virt(&pg, lin, svm_read_phys, vcpu->vm, bytes, len))
			return svm_internal_error(vcpu,
						  KVM_INTERNAL_ERROR_EMULATION);
	}
	if (x86_decode(bytes, len, mode, &insn))
		return svm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
	svm_str_view(vcpu, &v);
	if (sv->x86.apic && x86_apic_mmio(sv->x86.apic, &insn, gpa, v.gprs)) {
		s->rax = sv->gprs.r[X86_RAX];
		s->rsp = sv->gprs.r[X86_RSP];
		s->rip += insn.len;
		return VIREO_RUN_AGAIN;
	}
	r = x86_uexit_mmio(&sv->uexit, &v, &insn, gpa, vcpu->run, s->rip);
	if (r < 0)
		return svm_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION);
	if (r != X86_STR_EXIT) {
		/* A load the kernel answered wrote its register already. */
		s->rax = sv->gprs.r[X86_RAX];
		s->rsp = sv->gprs.r[X86_RSP];
		return svm_str_rip(sv, r);
	}
	return VIREO_RUN_USER;
}

static int svm_exit_npf(struct vireo_vcpu *vcpu)
{
	struct vmcb_control_area *c = &to_svm(vcpu)->vmcb->control;
	int r = svm_npt_fault(vcpu, c->exit_info_2, c->exit_info_1);

	if (r < 0)
		return r;
	vireo_stat_inc(vcpu, r ? VIREO_STAT_PF_EMULATE : VIREO_STAT_PF_FIXED);
	if (r == 0)
		return VIREO_RUN_AGAIN;
	return svm_exit_mmio(vcpu, c->exit_info_2);
}

/*
 * An event the guest was receiving when the exit hit (say, an interrupt
 * whose IDT entry was not mapped yet) must be delivered again.  So must an
 * interrupt svm_intr_virq() put in V_IRQ that the guest did not take yet;
 * one it was taking comes back, from QEMU's TCG, as an exception with its
 * vector of 32 or more, which no exception has.
 */
static void __vireo_hot svm_reinject(struct svm_vcpu *sv)
{
	struct vmcb_control_area *c = &sv->vmcb->control;
	u32 info = c->exit_int_info;
	bool virq = sv->virq;

	c->event_inj = 0;
	if (virq) {
		sv->virq = false;
		if (c->int_ctl & V_IRQ_MASK) {
			c->event_inj = c->int_vector | SVM_EVTINJ_VALID |
				       SVM_EVTINJ_TYPE_INTR;
			c->int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
			return;
		}
		c->int_ctl &= ~V_IRQ_INJECTION_BITS_MASK;
	}
	if (!(info & SVM_EXITINTINFO_VALID))
		return;
	switch (info & SVM_EXITINTINFO_TYPE_MASK) {
	case SVM_EXITINTINFO_TYPE_EXEPT:
		if (virq && (info & SVM_EXITINTINFO_VEC_MASK) >= 32) {
			c->event_inj = (info & SVM_EXITINTINFO_VEC_MASK) |
				       SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR;
			break;
		}
		fallthrough;
	case SVM_EXITINTINFO_TYPE_INTR:
	case SVM_EXITINTINFO_TYPE_NMI:
		c->event_inj = info;
		c->event_inj_err = c->exit_int_info_err;
		break;
	}
}

int __vireo_hot svm_handle_exit(struct vireo_vcpu *vcpu)
{
	struct svm_vcpu *sv = to_svm(vcpu);
	struct vmcb_control_area *c = &sv->vmcb->control;
	struct kvm_run *run = vcpu->run;

	sv->exit_rip = sv->vmcb->save.rip;
	svm_reinject(sv);
	switch (c->exit_code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
		vireo_stat_exit(vcpu, c->exit_code == SVM_EXIT_INTR ?
				VIREO_EXIT_IRQ : VIREO_EXIT_NMI);
		return VIREO_RUN_AGAIN;
	case SVM_EXIT_VINTR:
		vireo_stat_exit(vcpu, VIREO_EXIT_IRQ_WINDOW);
		/* The window is open; svm_prepare_events() decides again. */
		return VIREO_RUN_AGAIN;
	case SVM_EXIT_RSM:
		vireo_stat_exit(vcpu, VIREO_EXIT_INSN);
		svm_inject_exception(sv, X86_TRAP_UD, false, 0);
		return VIREO_RUN_AGAIN;
	case SVM_EXIT_IOIO:
		vireo_stat_exit(vcpu, VIREO_EXIT_PIO);
		return svm_exit_io(vcpu);
	case SVM_EXIT_HLT:
		vireo_stat_exit(vcpu, VIREO_EXIT_HALT);
		svm_skip_insn(vcpu, 1);
		if (sv->x86.apic) {
			x86_lapic_halt(sv->x86.apic);
			return VIREO_RUN_AGAIN;
		}
		run->exit_reason = KVM_EXIT_HLT;
		return VIREO_RUN_USER;
	case SVM_EXIT_CPUID:
		vireo_stat_exit(vcpu, VIREO_EXIT_CPU_ID);
		return svm_exit_cpuid(vcpu);
	case SVM_EXIT_MSR:
		vireo_stat_exit(vcpu, VIREO_EXIT_SYSREG);
		return svm_exit_msr(vcpu);
	case SVM_EXIT_XSETBV:
		vireo_stat_exit(vcpu, VIREO_EXIT_CTRL_REG);
		return svm_exit_xsetbv(vcpu);
	case SVM_EXIT_WRITE_CR4:
		vireo_stat_exit(vcpu, VIREO_EXIT_CTRL_REG);
		return svm_exit_cr4_write(vcpu);
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_READ_DR7:
	case SVM_EXIT_WRITE_DR0 ... SVM_EXIT_WRITE_DR7:
		vireo_stat_exit(vcpu, VIREO_EXIT_DEBUG_REG);
		return svm_exit_dr(vcpu);
	case SVM_EXIT_IRET:
		vireo_stat_exit(vcpu, VIREO_EXIT_NMI_WINDOW);
		return svm_exit_iret(vcpu);
	case SVM_EXIT_EXCP_BASE + X86_TRAP_DB:
		vireo_stat_exit(vcpu, VIREO_EXIT_EXCEPTION);
		return svm_exit_db(vcpu);
	case SVM_EXIT_EXCP_BASE + X86_TRAP_BP:
		/* Intercepted for KVM_GUESTDBG_USE_SW_BP only; RIP at the INT3 */
		vireo_stat_exit(vcpu, VIREO_EXIT_EXCEPTION);
		x86_gdb_exit(run, X86_TRAP_BP, svm_linear_rip(&sv->vmcb->save),
			     sv->x86.gdb.exit_dr6, sv->x86.gdb.exit_dr7);
		return VIREO_RUN_USER;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_AC:
		vireo_stat_exit(vcpu, VIREO_EXIT_EXCEPTION);
		/* Intercepted only so that each delivery passes the host. */
		svm_inject_exception(sv, X86_TRAP_AC, true, 0);
		return VIREO_RUN_AGAIN;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_UD:
		vireo_stat_exit(vcpu, VIREO_EXIT_EXCEPTION);
		return svm_exit_ud(vcpu);
	case SVM_EXIT_VMMCALL:
		vireo_stat_exit(vcpu, VIREO_EXIT_HYPERCALL);
		return svm_exit_vmmcall(vcpu);
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
		vireo_stat_exit(vcpu, VIREO_EXIT_INSN);
		return svm_exit_mwait(vcpu);
	case SVM_EXIT_EXCP_BASE + X86_TRAP_MC:
		vireo_stat_exit(vcpu, VIREO_EXIT_NMI);
		/* svm_vcpu_run() gave it to the host's handler. */
		return VIREO_RUN_AGAIN;
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD:
		vireo_stat_exit(vcpu, VIREO_EXIT_INSN);
		/*
		 * INVD would drop the host's dirty lines; WBINVD would stall
		 * every CPU for the guest.  Without devices that bypass the
		 * caches a guest needs neither: a NOP, as under kvm.ko.
		 */
		svm_skip_insn(vcpu, 2);
		return VIREO_RUN_AGAIN;
	case SVM_EXIT_RDPMC:
		vireo_stat_exit(vcpu, VIREO_EXIT_INSN);
		/* No virtual PMU: every counter index is out of range. */
		svm_inject_exception(sv, X86_TRAP_GP, true, 0);
		return VIREO_RUN_AGAIN;
	case SVM_EXIT_NPF:
		vireo_stat_exit(vcpu, VIREO_EXIT_PAGE_FAULT);
		return svm_exit_npf(vcpu);
	case SVM_EXIT_SHUTDOWN:
		vireo_stat_exit(vcpu, VIREO_EXIT_SHUTDOWN);
		svm_vcpu_reinit(vcpu);
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return VIREO_RUN_USER;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
	case SVM_EXIT_RDPRU:
		vireo_stat_exit(vcpu, VIREO_EXIT_INSN);
		svm_inject_exception(sv, X86_TRAP_UD, false, 0);
		return VIREO_RUN_AGAIN;
	case SVM_EXIT_ERR:
		vireo_stat_exit(vcpu, VIREO_EXIT_SHUTDOWN);
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = c->exit_code;
		run->fail_entry.cpu = raw_smp_processor_id();
		return VIREO_RUN_USER;
	default:
		vireo_stat_exit(vcpu, VIREO_EXIT_OTHER);
		return svm_internal_error(vcpu,
				KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
	}
}
