// SPDX-License-Identifier: GPL-2.0
/*
 * VM-exit handling.  Runs with preemption on: the preempt notifier keeps the
 * vCPU's VMCS current wherever the thread runs.  Exit reasons and
 * qualifications: Intel SDM vol. 3C, chapter 27 and appendix C.
 */
#include <linux/sched.h>
#include <linux/smp.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/trapnr.h>

#include "vmx/vmx.h"
#include "x86/irqchip/irqchip.h"
#include "x86/walk.h"

/* Basic exit reasons <asm/vmx.h> does not name (SDM vol. 3D, appendix C) */
#define VMX_EXIT_GETSEC	11
#define VMX_EXIT_RSM	17

/* DR6.BD and DR7.GD: general detect (SDM vol. 3B, 17.2.4) */
#define VMX_DR6_BD	BIT(13)
#define VMX_DR7_GD	BIT(13)

/* Bits of EFER a guest may set (LMA follows from LME and CR0.PG). */
#define VMX_EFER_GUEST	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

void vmx_inject_exception(u8 vector, bool has_err, u32 err)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	/* Real mode delivers no error code; VM entry checks for that. */
	if (has_err && (vmcs_read(GUEST_CR0) & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, err);
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
}

/* Could an external interrupt be delivered to the guest right now? */
bool vmx_interrupt_allowed(void)
{
	return (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) &&
	       !(vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK);
}

/* The instruction is done: the guest goes on at @rip. */
static void vmx_set_rip(u64 rip)
{
	u32 irq = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_write(GUEST_RIP, rip);
	/* The shadow of STI or MOV SS covers one instruction only. */
	if (irq & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
			   irq & ~(GUEST_INTR_STATE_STI |
				   GUEST_INTR_STATE_MOV_SS));
}

static void vmx_skip(void)
{
	vmx_set_rip(vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

static int vmx_internal_error(struct vireo_vcpu *vcpu, u32 suberror,
			      u32 reason)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = reason;
	run->internal.data[1] = vmcs_read(EXIT_QUALIFICATION);
	run->internal.data[2] = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	return VIREO_RUN_USER;
}

static bool vmx_long_mode(struct vmx_vcpu *vmx)
{
	return (vmx->efer & EFER_LMA) &&
	       (vmcs_read(GUEST_CS_AR_BYTES) & BIT(13));
}

/**
 * vmx_linear_rip - CS:RIP as a linear address, what KVM_EXIT_DEBUG reports
 * @vmx: the vCPU, its VMCS loaded
 *
 * Return: the address.
 */
u64 vmx_linear_rip(struct vmx_vcpu *vmx)
{
	u64 rip = vmcs_read(GUEST_RIP);

	if (vmx_long_mode(vmx))
		return rip;
	return (u32)(vmcs_read(GUEST_CS_BASE) + rip);
}

static u64 vmx_reg_read(struct vmx_vcpu *vmx, int reg)
{
	u64 v = reg == X86_RSP ? vmcs_read(GUEST_RSP) : vmx->gprs.r[reg];

	return vmx_long_mode(vmx) ? v : (u32)v;
}

/* Outside 64-bit mode, writes to a 32-bit register clear the upper half. */
static void vmx_reg_write(struct vmx_vcpu *vmx, int reg, u64 v)
{
	if (!vmx_long_mode(vmx))
		v = (u32)v;
	if (reg == X86_RSP)
		vmcs_write(GUEST_RSP, v);
	else
		vmx->gprs.r[reg] = v;
}

static int vmx_exit_cpuid(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 *r = vmx->gprs.r;
	u32 out[4];

	x86_cpuid_guest(&vmx->cpuid, r[X86_RAX], r[X86_RCX], vmx->cr4, out);
	r[X86_RAX] = out[0];
	r[X86_RBX] = out[1];
	r[X86_RCX] = out[2];
	r[X86_RDX] = out[3];
	vmx_skip();
	return VIREO_RUN_AGAIN;
}

static unsigned int vmx_cpl(void)
{
	return (vmcs_read(GUEST_SS_AR_BYTES) >> 5) & 3;
}

static int vmx_exit_xsetbv(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 *r = vmx->gprs.r;
	u64 val = (u32)r[X86_RAX] | r[X86_RDX] << 32;

	/* Without XSAVE in the host the guest has none either. */
	if (!boot_cpu_has(X86_FEATURE_XSAVE)) {
		vmx_inject_exception(X86_TRAP_UD, false, 0);
		return VIREO_RUN_AGAIN;
	}
	if ((u32)r[X86_RCX] || vmx_cpl() || !x86_xcr0_valid(&vmx->cpuid, val)) {
		vmx_inject_exception(X86_TRAP_GP, true, 0);
		return VIREO_RUN_AGAIN;
	}
	vmx->xcr0 = val;
	vmx_skip();
	return VIREO_RUN_AGAIN;
}

static bool vmx_cr0_valid(struct vmx_vcpu *vmx, u64 cr0)
{
	if (cr0 >> 32)
		return false;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return false;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return false;
	/* Long mode needs PAE paging before PG goes on. */
	if ((cr0 & X86_CR0_PG) && !(vmx->cr0 & X86_CR0_PG) &&
	    (vmx->efer & EFER_LME) && !(vmx->cr4 & X86_CR4_PAE))
		return false;
	return true;
}

static bool vmx_cr4_valid(struct vmx_vcpu *vmx, u64 cr4)
{
	return x86_cr4_write_valid(&vmx->cpuid, vmx->cr4, cr4, vmx->efer) &&
	       !(cr4 & ~vmx_cfg.cr4_fixed1);
}

/*
 * A MOV to CR0, CR3 or CR4 that leaves the guest in PAE paging, with
 * @reload when it changed what the CPU reloads the PDPTEs for, takes them
 * into the VMCS as the CPU would: see vmx_read_pdptes().
 */
static int vmx_cr_pdptes(struct vireo_vcpu *vcpu, u64 cr0, u64 cr3, u64 cr4,
			 bool reload)
{
	u64 pdpte[4];

	if (!reload || !vmx_pae_paging(cr0, cr4, to_vmx(vcpu)->efer))
		return 0;
	if (vmx_read_pdptes(vcpu, cr3, pdpte))
		return -EINVAL;
	vmx_write_pdptes(pdpte);
	return 0;
}

static int vmx_exit_cr(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 qual = vmcs_read(EXIT_QUALIFICATION);
	unsigned int cr = qual & 15, type = (qual >> 4) & 3;
	int reg = (qual >> 8) & 15;
	u64 v;

	switch (type) {
	case 0:		/* MOV to CR */
		v = vmx_reg_read(vmx, reg);
		switch (cr) {
		case 0:
			if (!vmx_cr0_valid(vmx, v) ||
			    vmx_cr_pdptes(vcpu, v, vmcs_read(GUEST_CR3),
					  vmx->cr4, (v ^ vmx->cr0) &
					  (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW)))
				goto gp;
			vmx_set_cr0(vmx, v);
			break;
		case 3:
			if (vmx_cr_pdptes(vcpu, vmx->cr0, v, vmx->cr4, true))
				goto gp;
			vmcs_write(GUEST_CR3, v);
			break;
		case 4:
			if (!vmx_cr4_valid(vmx, v) ||
			    vmx_cr_pdptes(vcpu, vmx->cr0, vmcs_read(GUEST_CR3),
					  v, (v ^ vmx->cr4) &
					  (X86_CR4_PAE | X86_CR4_PGE |
					   X86_CR4_PSE | X86_CR4_SMEP)))
				goto gp;
			vmx_set_cr4(vmx, v);
			break;
		case 8:
			if (v & ~0xfULL)
				goto gp;
			vmx->cr8 = v;
			if (vmx->x86.apic)
				x86_lapic_set_cr8(vmx->x86.apic, v);
			break;
		default:
			goto ud;
		}
		break;
	case 1:		/* MOV from CR: only CR3 and CR8 exit */
		if (cr == 3)
			vmx_reg_write(vmx, reg, vmcs_read(GUEST_CR3));
		else if (cr == 8)
			vmx_reg_write(vmx, reg, vmx->x86.apic ?
				      x86_lapic_get_cr8(vmx->x86.apic) :
				      vmx->cr8);
		else
			goto ud;
		break;
	case 2:		/* CLTS */
		vmx_set_cr0(vmx, vmx->cr0 & ~X86_CR0_TS);
		break;
	default:	/* LMSW: low four bits, and PE can't be cleared */
		v = (qual >> 16) & 0xf;
		vmx_set_cr0(vmx, (vmx->cr0 & ~0xeULL) | v);
		break;
	}
	vmx_skip();
	return VIREO_RUN_AGAIN;
gp:
	vmx_inject_exception(X86_TRAP_GP, true, 0);
	return VIREO_RUN_AGAIN;
ud:
	vmx_inject_exception(X86_TRAP_UD, false, 0);
	return VIREO_RUN_AGAIN;
}

/* Debug registers are the guest's own copy: the host's stay untouched. */
static int vmx_exit_dr(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 qual = vmcs_read(EXIT_QUALIFICATION);
	unsigned int dr = qual & 7;
	int reg = (qual >> 8) & 15;
	bool from = qual & BIT(4);
	u64 v;

	if (vmx_cpl()) {
		vmx_inject_exception(X86_TRAP_GP, true, 0);
		return VIREO_RUN_AGAIN;
	}
	if (dr == 4 || dr == 5) {
		if (vmx->cr4 & X86_CR4_DE) {
			vmx_inject_exception(X86_TRAP_UD, false, 0);
			return VIREO_RUN_AGAIN;
		}
		dr += 2;
	}
	/*
	 * The VMM's DR7.GD: the exit comes before the #DB the CPU would
	 * raise, which the VMM asked to see (kvm.ko's order of checks).
	 */
	if ((vmx->x86.gdb.control & KVM_GUESTDBG_USE_HW_BP) &&
	    (vmx->x86.gdb.dr7 & VMX_DR7_GD)) {
		x86_gdb_exit(vcpu->run, X86_TRAP_DB, vmx_linear_rip(vmx),
			     X86_DR6_CLEAN | VMX_DR6_BD, vmx->x86.gdb.dr7);
		return VIREO_RUN_USER;
	}
	if (from) {
		if (dr < 4)
			v = vmx->dregs.db[dr];
		else if (dr == 6)
			v = vmx->dr6 | VMX_DR6_FIXED;
		else
			v = vmcs_read(GUEST_DR7);
		vmx_reg_write(vmx, reg, v);
	} else {
		v = vmx_reg_read(vmx, reg);
		if (dr < 4) {
			vmx->dregs.db[dr] = v;
		} else {
			if (v >> 32) {
				vmx_inject_exception(X86_TRAP_GP, true, 0);
				return VIREO_RUN_AGAIN;
			}
			if (dr == 6)
				vmx->dr6 = v;
			else
				vmcs_write(GUEST_DR7, v | VMX_DR7_RESET);
		}
	}
	vmx_skip();
	return VIREO_RUN_AGAIN;
}

/* Fields of the VMCS that hold guest MSRs; 0 for those kept in software. */
static unsigned long vmx_msr_field(enum x86_msr_reg reg)
{
	switch (reg) {
	case X86_MSR_SYSENTER_CS:	return GUEST_SYSENTER_CS;
	case X86_MSR_SYSENTER_ESP:	return GUEST_SYSENTER_ESP;
	case X86_MSR_SYSENTER_EIP:	return GUEST_SYSENTER_EIP;
	case X86_MSR_FS_BASE:		return GUEST_FS_BASE;
	case X86_MSR_GS_BASE:		return GUEST_GS_BASE;
	default:			return 0;
	}
}

static u64 *vmx_msr_slot(struct vmx_vcpu *vmx, enum x86_msr_reg reg)
{
	switch (reg) {
	case X86_MSR_STAR:		return &vmx->uret[X86_URET_STAR];
	case X86_MSR_CSTAR:		return &vmx->uret[X86_URET_CSTAR];
	case X86_MSR_LSTAR:		return &vmx->uret[X86_URET_LSTAR];
	case X86_MSR_SFMASK:		return &vmx->uret[X86_URET_SFMASK];
	case X86_MSR_TSC_AUX:		return &vmx->uret[X86_URET_TSC_AUX];
	case X86_MSR_TSC_OFFSET:	return &vmx->tsc_offset;
	case X86_MSR_PAT:		return &vmx->pat;
	case X86_MSR_EFER:		return &vmx->efer;
	case X86_MSR_APIC_BASE:		return &vmx->apic_base;
	case X86_MSR_MISC_ENABLE:	return &vmx->misc_enable;
	default:			return NULL;
	}
}

static u64 vmx_msr_get(void *ctx, enum x86_msr_reg reg)
{
	unsigned long field = vmx_msr_field(reg);

	if (reg == X86_MSR_KERNEL_GS_BASE)
		return vmx_get_kernel_gs_base(to_vmx(ctx));
	return field ? vmcs_read(field) : *vmx_msr_slot(to_vmx(ctx), reg);
}

static int vmx_msr_set(void *ctx, enum x86_msr_reg reg, u64 data)
{
	struct vmx_vcpu *vmx = to_vmx(ctx);
	unsigned long field = vmx_msr_field(reg);
	u64 *slot;

	if (field) {
		vmcs_write(field, data);
		return 0;
	}
	switch (reg) {
	case X86_MSR_SFMASK:
		/* The upper half is reserved; WRMSR to the CPU would #GP. */
		if (data >> 32)
			return 1;
		break;
	case X86_MSR_TSC_OFFSET:
		if (!(vmx_cfg.proc & CPU_BASED_USE_TSC_OFFSETTING))
			return 1;
		vmcs_write(TSC_OFFSET, data);
		break;
	case X86_MSR_EFER:
		vmx_set_efer(vmx, data);
		return 0;
	case X86_MSR_KERNEL_GS_BASE:
		vmx_set_kernel_gs_base(vmx, data);
		return 0;
	default:
		break;
	}
	slot = vmx_msr_slot(vmx, reg);
	*slot = data;
	/* A SYSCALL MSR or TSC_AUX: into the CPU at the next entry. */
	if (slot >= vmx->uret && slot < vmx->uret + X86_URET_NR)
		vmx->uret_dirty = true;
	return 0;
}

static u64 vmx_msr_cr0(void *ctx)
{
	return to_vmx(ctx)->cr0;
}

static u64 vmx_msr_cr4(void *ctx)
{
	return to_vmx(ctx)->cr4;
}

static struct x86_cpuid *vmx_msr_cpuid(void *ctx)
{
	return &to_vmx(ctx)->cpuid;
}

/* KVM_VCPU_TSC_OFFSET: the offset lives in the VMCS, loaded meanwhile. */
static u64 vmx_tsc_offset_get(void *ctx)
{
	struct vmx_vcpu *vmx = to_vmx(ctx);
	u64 offset;

	vmx_get(vmx);
	offset = vmx_msr_get(ctx, X86_MSR_TSC_OFFSET);
	vmx_put(vmx);
	return offset;
}

static void vmx_tsc_offset_set(void *ctx, u64 offset)
{
	struct vmx_vcpu *vmx = to_vmx(ctx);

	vmx_get(vmx);
	vmx_msr_set(ctx, X86_MSR_TSC_OFFSET, offset);
	vmx_put(vmx);
}

/**
 * vmx_tsc_attr_ioctl - KVM_{HAS,GET,SET}_DEVICE_ATTR on a vCPU
 * @vcpu: the vCPU
 * @cmd: the ioctl
 * @argp: the struct kvm_device_attr
 *
 * Return: 0 or -errno.
 */
long vmx_tsc_attr_ioctl(struct vireo_vcpu *vcpu, unsigned int cmd,
			void __user *argp)
{
	return x86_tsc_attr_ioctl(vcpu, vmx_tsc_offset_get, vmx_tsc_offset_set,
				  cmd, argp);
}

static const struct x86_msr_ops vmx_msr_ops = {
	.get			= vmx_msr_get,
	.set			= vmx_msr_set,
	.cr0			= vmx_msr_cr0,
	.cr4			= vmx_msr_cr4,
	.cpuid			= vmx_msr_cpuid,
	.efer_valid		= VMX_EFER_GUEST,
	/* VM entry checks them: they must be canonical in the VMCS */
	.sysenter_canonical	= true,
};

int vmx_get_msr(void *ctx, u32 index, u64 *data)
{
	struct x86_lapic *apic = to_vmx(ctx)->x86.apic;
	int r;

	if (apic) {
		r = x86_lapic_get_msr(apic, index, data);
		if (r != -ENOENT)
			return r;
	}
	return x86_get_msr(&vmx_msr_ops, ctx, index, data);
}

int vmx_set_msr(void *ctx, u32 index, u64 data)
{
	struct x86_lapic *apic = to_vmx(ctx)->x86.apic;
	int r;

	if (apic) {
		r = x86_lapic_set_msr(apic, index, data);
		if (r != -ENOENT)
			return r;
	}
	return x86_set_msr(&vmx_msr_ops, ctx, index, data);
}

/* RDMSR or WRMSR: see x86_guest_msr() for who answers. */
static int vmx_exit_msr(struct vireo_vcpu *vcpu, bool write)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 *r = vmx->gprs.r;
	u64 v = (u32)r[X86_RAX] | r[X86_RDX] << 32;
	u64 rip = vmcs_read(GUEST_RIP);

	switch (x86_guest_msr(vcpu, &vmx->uexit, &vmx->cpuid, write,
			      r[X86_RCX], &v, vmx_get_msr, vmx_set_msr, rip,
			      rip + vmcs_read(VM_EXIT_INSTRUCTION_LEN))) {
	case X86_GUEST_MSR_USER:
		return VIREO_RUN_USER;
	case X86_GUEST_MSR_GP:
		vmx_inject_exception(X86_TRAP_GP, true, 0);
		return VIREO_RUN_AGAIN;
	}
	if (!write) {
		r[X86_RAX] = (u32)v;
		r[X86_RDX] = v >> 32;
	}
	vmx_skip();
	return VIREO_RUN_AGAIN;
}

static int vmx_read_phys(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return vireo_read_guest(ctx, gpa, buf, len);
}

/* Operand size of the code segment: 2, 4 or 8 bytes. */
static unsigned int vmx_code_size(struct vmx_vcpu *vmx)
{
	u32 ar = vmcs_read(GUEST_CS_AR_BYTES);

	if ((vmx->efer & EFER_LMA) && (ar & BIT(13)))
		return 8;
	return (ar & BIT(14)) ? 4 : 2;
}

/* The registers STOS and MOVS use; RSP from the VMCS. */
static void vmx_str_view(struct vireo_vcpu *vcpu, struct x86_str_view *v)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	int i;

	vmx->gprs.r[X86_RSP] = vmcs_read(GUEST_RSP);
	v->gprs = vmx->gprs.r;
	v->rflags = vmcs_read(GUEST_RFLAGS);
	/* The base fields follow the encoding's order: ES CS SS DS FS GS. */
	for (i = 0; i < ARRAY_SIZE(v->seg_base); i++)
		v->seg_base[i] = vmcs_read(GUEST_ES_BASE + 2 * i);
	v->long_mode = vmx_code_size(vmx) == 8;
	v->pg.cr0 = vmx->cr0;
	v->pg.cr3 = vmcs_read(GUEST_CR3);
	v->pg.cr4 = vmx->cr4;
	v->pg.efer = vmx->efer;
	v->vm = vcpu->vm;
}

/* RIP after a string element: on, or back to the same instruction. */
static int vmx_str_rip(struct vmx_vcpu *vmx, int r)
{
	if (r == X86_STR_DONE)
		vmx_set_rip(vmx->uexit.next_rip);
	return VIREO_RUN_AGAIN;
}

/*
 * INS and OUTS, with or without REP: see x86_string_io().  The address
 * size and OUTS's segment come from the VM-exit instruction information,
 * which CPUs without it (IA32_VMX_BASIC bit 54) do not give.
 */
static int vmx_exit_io_string(struct vireo_vcpu *vcpu, u64 qual, u32 reason)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct x86_strio io = {
		.port = qual >> 16,
		.size = (qual & 7) + 1,
		.in = qual & BIT(3),
		.rep = qual & BIT(5),
	};
	struct x86_str_view v;
	u64 rip;
	u32 info;
	int r;

	if (!vmx_cfg.ins_outs_info)
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  reason);
	info = vmcs_read(VMX_INSTRUCTION_INFO);
	io.asize = 2 << ((info >> 7) & 7);
	io.seg = (info >> 15) & 7;
	rip = vmcs_read(GUEST_RIP);
	vmx_str_view(vcpu, &v);
	r = x86_uexit_pio_string(&vmx->uexit, &v, &io, vcpu->run, rip,
				 rip + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	if (r < 0)
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  reason);
	if (r != X86_STR_EXIT)
		return vmx_str_rip(vmx, r);
	return VIREO_RUN_USER;
}

static int vmx_exit_io(struct vireo_vcpu *vcpu, u32 reason)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 qual = vmcs_read(EXIT_QUALIFICATION);
	u64 rip = vmcs_read(GUEST_RIP);
	int r;

	if (qual & BIT(4))
		return vmx_exit_io_string(vcpu, qual, reason);
	if (x86_uexit_pio_kernel(vcpu->vm, qual >> 16, (qual & 7) + 1,
				 qual & BIT(3), &vmx->gprs.r[X86_RAX])) {
		vmx_set_rip(rip + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
		return VIREO_RUN_AGAIN;
	}
	/*
	 * RIP moves on only when userspace comes back, as under kvm.ko (if
	 * userspace moved RIP meanwhile, the instruction is abandoned), or
	 * at once when an ioeventfd took the OUT.
	 */
	r = x86_uexit_pio(&vmx->uexit, vcpu->vm, vcpu->run, qual >> 16,
			  (qual & 7) + 1, qual & BIT(3), vmx->gprs.r[X86_RAX],
			  rip, rip + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	if (r != X86_STR_EXIT)
		return vmx_str_rip(vmx, r);
	return VIREO_RUN_USER;
}

void vmx_complete_user(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct x86_str_view v;
	u64 rip;
	int r;

	if (vmx->uexit.kind == X86_UEXIT_NONE)
		return;
	rip = vmcs_read(GUEST_RIP);
	vmx_str_view(vcpu, &v);
	r = x86_uexit_complete(&vmx->uexit, &v, vmcs_read(GUEST_RIP),
			       vcpu->run);
	if (r == X86_STR_IDLE)
		return;
	if (r == X86_UEXIT_GP) {
		vmx_inject_exception(X86_TRAP_GP, true, 0);
		return;
	}
	vmcs_write(GUEST_RSP, vmx->gprs.r[X86_RSP]);
	vmx_str_rip(vmx, r);
	/* The instruction is done now: a single-step exit is due. */
	if (vmcs_read(GUEST_RIP) != rip &&
	    (vmx->x86.gdb.control & KVM_GUESTDBG_SINGLESTEP))
		vmx->x86.gdb.step_pending = true;
}

/*
 * An EPT violation reports no instruction length: fetch the instruction
 * through the guest's page tables, decode it with the shared decoder, and
 * hand the access to userspace.
 */
static int vmx_exit_mmio(struct vireo_vcpu *vcpu, u64 gpa, u32 reason)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct x86_paging pg = {
		.cr0 = vmx->cr0, .cr3 = vmcs_read(GUEST_CR3),
		.cr4 = vmx->cr4, .efer = vmx->efer,
	};
	unsigned int mode = vmx_code_size(vmx), len = X86_MAX_INSN_LEN;
	u64 rip = vmcs_read(GUEST_RIP), lin;
	u8 bytes[X86_MAX_INSN_LEN];
	struct x86_str_view v;
	struct x86_insn insn;
	int r;

	if (mode != 8)
		rip = (u32)rip;
	lin = mode == 8 ? rip : (u32)(vmcs_read(GUEST_CS_BASE) + rip);
	if (x86_read_virt(&pg, lin, vmx_read_phys, vcpu->vm, bytes, len)) {
		/* The instruction may end right before unbacked memory. */
		len = min_t(unsigned int, len, PAGE_SIZE - (lin & ~PAGE_MASK));
		if (x86_read_virt(&pg, lin, vmx_read_phys, vcpu->vm, bytes,
				  len))
			return vmx_internal_error(vcpu,
					KVM_INTERNAL_ERROR_EMULATION, reason);
	}
	if (x86_decode(bytes, len, mode, &insn))
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  reason);
	vmx_str_view(vcpu, &v);
	if (vmx->x86.apic && x86_apic_mmio(vmx->x86.apic, &insn, gpa, v.gprs)) {
		vmcs_write(GUEST_RSP, vmx->gprs.r[X86_RSP]);
		vmx_set_rip(vmcs_read(GUEST_RIP) + insn.len);
		return VIREO_RUN_AGAIN;
	}
	r = x86_uexit_mmio(&vmx->uexit, &v, &insn, gpa, vcpu->run, rip);
	if (r < 0)
		return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					  reason);
	if (r != X86_STR_EXIT) {
		/* A load the kernel answered may have written RSP. */
		vmcs_write(GUEST_RSP, vmx->gprs.r[X86_RSP]);
		return vmx_str_rip(vmx, r);
	}
	return VIREO_RUN_USER;
}

static int vmx_exit_ept(struct vireo_vcpu *vcpu, u32 reason)
{
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	int r = vmx_ept_fault(vcpu, gpa, vmcs_read(EXIT_QUALIFICATION));

	if (r < 0)
		return r;
	vireo_stat_inc(vcpu, r ? VIREO_STAT_PF_EMULATE : VIREO_STAT_PF_FIXED);
	if (r == 0)
		return VIREO_RUN_AGAIN;
	/* Decoding and emulating reach beyond the vCPU: see mitigate.c. */
	to_vmx(vcpu)->x86.l1d_flush = true;
	return vmx_exit_mmio(vcpu, gpa, reason);
}

/*
 * An event the guest was receiving when the exit hit (say, an interrupt
 * whose IDT entry was not mapped yet) must be delivered again.
 */
static void vmx_reinject(void)
{
	u32 info = vmcs_read(IDT_VECTORING_INFO_FIELD);
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	if (info & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmcs_read(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN,
			   vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_UNBLOCK_NMI);
}

static int vmx_simul_ex(struct vireo_vcpu *vcpu, u32 info)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_SIMUL_EX;
	run->internal.ndata = 4;
	run->internal.data[0] = vmcs_read(IDT_VECTORING_INFO_FIELD);
	run->internal.data[1] = info;
	run->internal.data[2] = (info & INTR_INFO_DELIVER_CODE_MASK) ?
				vmcs_read(VM_EXIT_INTR_ERROR_CODE) : 0;
	run->internal.data[3] = raw_smp_processor_id();
	return VIREO_RUN_USER;
}

/*
 * The exceptions of the exception bitmap (vmx_vmcs_reset()).  #AC and #DB
 * go back to the guest: they are intercepted only so that each delivery
 * of one passes the host.  A machine check went to the host's handler in
 * vmx_vcpu_run().
 */
/* The guest's #UD: AMD's VMMCALL may become VMCALL and run again. */
static int vmx_exit_ud(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct x86_paging pg = {
		.cr0 = vmx->cr0, .cr3 = vmcs_read(GUEST_CR3),
		.cr4 = vmx->cr4, .efer = vmx->efer,
	};
	u64 rip = vmcs_read(GUEST_RIP);
	u64 lin = vmx_code_size(vmx) == 8 ? rip :
		  (u32)(vmcs_read(GUEST_CS_BASE) + (u32)rip);
	int v;

	v = x86_fix_hypercall(vcpu->vm, &pg, lin, true,
			      (vmcs_read(GUEST_SS_AR_BYTES) >> 5) & 3,
			      (vmx->cr0 & X86_CR0_PE) &&
			      !(vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_VM));
	if (v >= 0)
		vmx_inject_exception(v, v == X86_TRAP_GP, 0);
	return VIREO_RUN_AGAIN;
}

/* VMCALL: KVM's hypercalls (x86_hypercall()). */
static int vmx_exit_vmcall(struct vireo_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u64 rip = vmcs_read(GUEST_RIP);
	unsigned int cpl = (vmcs_read(GUEST_SS_AR_BYTES) >> 5) & 3;

	if (x86_hypercall(vcpu, &vmx->uexit, &vmx->cpuid, vmx->gprs.r,
			  &vmx->gprs.r[X86_RAX], cpl, vmx_long_mode(vmx), rip,
			  rip + vmcs_read(VM_EXIT_INSTRUCTION_LEN)) ==
	    X86_GUEST_MSR_USER)
		return VIREO_RUN_USER;
	vmx_skip();
	return VIREO_RUN_AGAIN;
}

static int vmx_exit_exception(struct vireo_vcpu *vcpu, u32 reason)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	u32 info = vmcs_read(VM_EXIT_INTR_INFO);
	u64 qual;

	/* A fault in an IRET that had unblocked NMIs: it runs again. */
	if ((info & INTR_INFO_UNBLOCK_NMI) && vmx_nmi_supported())
		vmcs_set_bits(GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);

	if ((info & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC)
		return VIREO_RUN_AGAIN;
	/*
	 * Raised while delivering another event, say the #AC of a CPL-3
	 * handler whose stack is misaligned: kvm_intel gives up on the guest
	 * here (KVM_INTERNAL_ERROR_SIMUL_EX) rather than loop with it.
	 */
	if (vmcs_read(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK)
		return vmx_simul_ex(vcpu, info);
	switch (info & INTR_INFO_VECTOR_MASK) {
	case X86_TRAP_AC:
		vmx_inject_exception(X86_TRAP_AC, true, 0);
		return VIREO_RUN_AGAIN;
	case X86_TRAP_UD:
		return vmx_exit_ud(vcpu);
	case X86_TRAP_BP:
		/* Intercepted for KVM_GUESTDBG_USE_SW_BP only; RIP at the INT3 */
		x86_gdb_exit(vcpu->run, X86_TRAP_BP, vmx_linear_rip(vmx),
			     vmx->x86.gdb.exit_dr6, vmx->x86.gdb.exit_dr7);
		return VIREO_RUN_USER;
	case X86_TRAP_DB:
		qual = vmcs_read(EXIT_QUALIFICATION);
		if (vmx->x86.gdb.control & X86_GDB_DB_EXITS) {
			/* The VMM's: the guest's DR6 stays as it was. */
			x86_gdb_exit(vcpu->run, X86_TRAP_DB,
				     vmx_linear_rip(vmx), qual | X86_DR6_CLEAN,
				     vmx->x86.gdb.exit_dr7);
			return VIREO_RUN_USER;
		}
		/*
		 * The CPU left DR6 and DR7 alone and put the DR6 bits of this
		 * #DB in the qualification: update them as its delivery
		 * would have (SDM vol. 3B, 17.2.3 and 17.2.4).
		 */
		vmx->dr6 = (vmx->dr6 & ~(u64)DR_TRAP_BITS) |
			   (qual & (DR_TRAP_BITS | VMX_DR6_BD | DR_STEP));
		vmcs_clear_bits(GUEST_DR7, VMX_DR7_GD);
		/* INT1 (ICEBP) is a trap after the instruction. */
		if ((info & INTR_INFO_INTR_TYPE_MASK) ==
		    INTR_TYPE_PRIV_SW_EXCEPTION)
			vmx_skip();
		vmx_inject_exception(X86_TRAP_DB, false, 0);
		return VIREO_RUN_AGAIN;
	}
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				  reason);
}

/**
 * vmx_handle_fast - handle an exit with interrupts off and the guest's
 *	state still in the CPU, so that the guest can go straight back in
 * @vcpu: the vCPU
 * @reason: the exit reason
 *
 * Only CPUID: it reads the vCPU's CPUID table and writes its registers,
 * nothing else, and no event delivery can have been under way.
 *
 * Return: true when handled and counted in the vCPU's statistics; false
 * leaves the exit to vmx_handle_exit().
 */
bool vmx_handle_fast(struct vireo_vcpu *vcpu, u32 reason)
{
	if (reason != EXIT_REASON_CPUID ||
	    (vmcs_read(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK))
		return false;
	vireo_stat_exit(vcpu, VIREO_EXIT_CPU_ID);
	vmx_exit_cpuid(vcpu);
	return true;
}

int vmx_handle_exit(struct vireo_vcpu *vcpu, u32 reason)
{
	struct kvm_run *run = vcpu->run;

	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		vireo_stat_exit(vcpu, VIREO_EXIT_SHUTDOWN);
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = reason;
		run->fail_entry.cpu = raw_smp_processor_id();
		return VIREO_RUN_USER;
	}
	vmx_reinject();
	vmx_nmi_exit(reason);
	switch ((u16)reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		/* NMIs went to the host in vmx_vcpu_run(). */
		if ((vmcs_read(VM_EXIT_INTR_INFO) & INTR_INFO_INTR_TYPE_MASK) ==
		    INTR_TYPE_NMI_INTR) {
			vireo_stat_exit(vcpu, VIREO_EXIT_NMI);
			return VIREO_RUN_AGAIN;
		}
		vireo_stat_exit(vcpu, VIREO_EXIT_EXCEPTION);
		return vmx_exit_exception(vcpu, reason);
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
		vireo_stat_exit(vcpu, VIREO_EXIT_IRQ);
		return VIREO_RUN_AGAIN;
	case EXIT_REASON_NMI_WINDOW:
		vireo_stat_exit(vcpu, VIREO_EXIT_NMI_WINDOW);
		/* NMIs unblocked; vmx_nmi_prepare() injects the next one. */
		return VIREO_RUN_AGAIN;
	case EXIT_REASON_INTERRUPT_WINDOW:
		vireo_stat_exit(vcpu, VIREO_EXIT_IRQ_WINDOW);
		/* The window is open; vmx_prepare_events() decides again. */
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL,
				CPU_BASED_INTR_WINDOW_EXITING);
		return VIREO_RUN_AGAIN;
	case EXIT_REASON_TRIPLE_FAULT:
		vireo_stat_exit(vcpu, VIREO_EXIT_SHUTDOWN);
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return VIREO_RUN_USER;
	case EXIT_REASON_IO_INSTRUCTION:
		vireo_stat_exit(vcpu, VIREO_EXIT_PIO);
		return vmx_exit_io(vcpu, reason);
	case EXIT_REASON_HLT:
		vireo_stat_exit(vcpu, VIREO_EXIT_HALT);
		vmx_skip();
		if (to_vmx(vcpu)->x86.apic) {
			x86_lapic_halt(to_vmx(vcpu)->x86.apic);
			return VIREO_RUN_AGAIN;
		}
		run->exit_reason = KVM_EXIT_HLT;
		return VIREO_RUN_USER;
	case EXIT_REASON_CPUID:
		vireo_stat_exit(vcpu, VIREO_EXIT_CPU_ID);
		return vmx_exit_cpuid(vcpu);
	case EXIT_REASON_CR_ACCESS:
		vireo_stat_exit(vcpu, VIREO_EXIT_CTRL_REG);
		return vmx_exit_cr(vcpu);
	case EXIT_REASON_DR_ACCESS:
		vireo_stat_exit(vcpu, VIREO_EXIT_DEBUG_REG);
		return vmx_exit_dr(vcpu);
	case EXIT_REASON_MSR_READ:
		vireo_stat_exit(vcpu, VIREO_EXIT_SYSREG);
		return vmx_exit_msr(vcpu, false);
	case EXIT_REASON_MSR_WRITE:
		vireo_stat_exit(vcpu, VIREO_EXIT_SYSREG);
		return vmx_exit_msr(vcpu, true);
	case EXIT_REASON_XSETBV:
		vireo_stat_exit(vcpu, VIREO_EXIT_CTRL_REG);
		return vmx_exit_xsetbv(vcpu);
	case EXIT_REASON_EPT_VIOLATION:
		vireo_stat_exit(vcpu, VIREO_EXIT_PAGE_FAULT);
		return vmx_exit_ept(vcpu, reason);
	case EXIT_REASON_RDPMC:
		vireo_stat_exit(vcpu, VIREO_EXIT_INSN);
		vmx_inject_exception(X86_TRAP_GP, true, 0);
		return VIREO_RUN_AGAIN;
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		vireo_stat_exit(vcpu, VIREO_EXIT_INSN);
		/*
		 * INVD would drop the host's dirty lines; WBINVD would stall
		 * every CPU for the guest.  Without devices that bypass the
		 * caches a guest needs neither: a NOP, as under kvm.ko.
		 */
		vmx_skip();
		return VIREO_RUN_AGAIN;
	case EXIT_REASON_VMCALL:
		vireo_stat_exit(vcpu, VIREO_EXIT_HYPERCALL);
		return vmx_exit_vmcall(vcpu);
	case EXIT_REASON_MWAIT_INSTRUCTION:
	case EXIT_REASON_MONITOR_INSTRUCTION:
		vireo_stat_exit(vcpu, VIREO_EXIT_INSN);
		/* NOPs, or #UD: x86_mwait_ud() */
		if (x86_mwait_ud(vcpu->vm, &to_vmx(vcpu)->cpuid))
			vmx_inject_exception(X86_TRAP_UD, false, 0);
		else
			vmx_skip();
		return VIREO_RUN_AGAIN;
	case VMX_EXIT_RSM:
	case VMX_EXIT_GETSEC:
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
		vireo_stat_exit(vcpu, VIREO_EXIT_INSN);
		vmx_inject_exception(X86_TRAP_UD, false, 0);
		return VIREO_RUN_AGAIN;
	}
	vireo_stat_exit(vcpu, VIREO_EXIT_OTHER);
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				  reason);
}
