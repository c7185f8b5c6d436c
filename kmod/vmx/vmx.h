/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel VT-x backend: one VMCS per vCPU, EPT filled on demand, one VPID per
 * vCPU.  A vCPU's VMCS stays active on the CPU that last ran it until the
 * vCPU moves (then it is cleared there by IPI) or the CPU leaves VMX.
 */
#ifndef VIREO_VMX_H
#define VIREO_VMX_H

#include <asm/asm.h>
#include <asm/fpu/api.h>
#include <asm/vmx.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/preempt.h>

#include "core/vireo.h"
#include "x86/decode.h"
#include "x86/lapic.h"
#include "x86/events.h"
#include "x86/uexit.h"
#include "x86/tdp.h"
#include "x86/x86.h"

/* DR7 bit 10 and DR6 bits 31:16 and 11:4 read as 1 (SDM vol. 3B, 17.2) */
#define VMX_DR7_RESET	0x400ULL
#define VMX_DR6_FIXED	0xffff0ff0ULL

/* VM-execution, exit and entry controls the probe settled on. */
struct vmx_config {
	u32 revision;
	u32 pin;
	u32 proc;
	u32 proc2;
	u32 exit;
	u32 entry;
	/* allowed-1 of the primary controls, for the window bits */
	u32 proc_may;
	u64 cr0_fixed0, cr0_fixed1;
	u64 cr4_fixed0, cr4_fixed1;
	u64 ept_cap;
	/* VMX-preemption timer reload value, about a millisecond */
	u32 preempt_ticks;
	bool vpid;
	bool ins_outs_info;
};

extern struct vmx_config vmx_cfg;

struct vmx_vm {
	struct x86_vm x86;	/* first: see struct x86_vm */
	struct x86_tdp tdp;
	u64 eptp;
	/* Per CPU: the tdp.gen it last flushed this VM's translations at */
	u64 *cpu_gen;
};

struct vmx_vcpu {
	struct x86_vcpu x86;	/* first: see struct x86_vm */
	struct vireo_vcpu *vcpu;
	struct page *vmcs_page;
	u64 vmcs_pa;
	/* CPU on which the VMCS is active, or -1 when it is clear. */
	int cpu;
	bool launched;
	struct list_head on_cpu;
	struct preempt_notifier pn;
	u16 vpid;
	/* New on this CPU: flush before entering */
	bool moved;
	/* RSP and RIP live in the VMCS; the other GPRs here. */
	struct x86_gprs gprs;
	struct fpu_guest fpu;
	u64 cr0;	/* what the guest believes (the read shadow) */
	u64 cr4;
	u64 cr2;
	u64 cr8;
	/* DR0-3 and DR6; DR7 is in the VMCS */
	struct x86_dregs dregs;
	u64 dr6;
	u64 efer;
	u64 apic_base;
	u64 xcr0;
	struct x86_pkru pkru;
	/* In the CPU instead while the guest's state is (guest_loaded). */
	u64 kernel_gs_base;
	u64 pat;
	u64 misc_enable;
	u64 tsc_offset;
	/* SYSCALL MSRs and TSC_AUX, which kmod/x86/uret.c switches */
	u64 uret[X86_URET_NR];
	/* uret[] may differ from what this CPU holds: x86_uret_enter() */
	bool uret_dirty;
	/*
	 * The guest's segment state is in the CPU (vmx_switch_to_guest()):
	 * its KERNEL_GS_BASE, and the selectors, GDT and TSS limits and LDT
	 * a VM exit leaves.  It stays there across the exits the kernel
	 * handles, until the thread leaves this CPU or KVM_RUN returns.
	 */
	bool guest_loaded;
	/* The host's share of that state, to put back then */
	struct {
		u64 fs_base;	/* also HOST_FS_BASE in the VMCS */
		u64 kernel_gs_base;
		u16 ds, es, fs, gs, ldt;
	} host;
	/* KVM_INTERRUPT vector waiting for the guest to accept it, or -1 */
	int pending_irq;
	u64 host_cr3, host_cr4;
	/* What userspace must finish before the guest can continue. */
	struct x86_uexit uexit;
	struct x86_cpuid cpuid;
	struct x86_events events;
};

static inline struct vmx_vcpu *to_vmx(struct vireo_vcpu *vcpu)
{
	return vcpu->arch;
}

static inline struct vmx_vm *to_vmx_vm(struct vireo_vm *vm)
{
	return vm->arch;
}

extern const struct vireo_impl vireo_vmx_impl;

/*
 * VMREAD/VMWRITE of a field the CPU knows cannot fail while a VMCS is
 * current; a failure is a bug worth one line in the log.
 *
 * They fault (#UD) only outside VMX operation: when a reboot or an
 * emergency turned VT-x off on this CPU (vmx_cpu_disable() by IPI) under a
 * vCPU between two accesses.  The fault is then skipped, a read gives 0,
 * and the vCPU's next entry sees the CPU off and fails KVM_RUN instead.
 */
void vmx_vmwrite_error(unsigned long field, u64 value);

static __always_inline u64 vmcs_read(unsigned long field)
{
	u64 value = 0;

	asm volatile("1: vmread %[f], %[v]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [v] "+rm" (value) : [f] "r" (field) : "cc");
	return value;
}

static __always_inline void vmcs_write(unsigned long field, u64 value)
{
	bool fail = false;

	asm volatile("1: vmwrite %[v], %[f]\n\tsetna %[fail]\n2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : [fail] "+qm" (fail)
		     : [v] "rm" (value), [f] "r" (field) : "cc");
	if (unlikely(fail))
		vmx_vmwrite_error(field, value);
}

static inline void vmcs_set_bits(unsigned long field, u32 bits)
{
	vmcs_write(field, vmcs_read(field) | bits);
}

static inline void vmcs_clear_bits(unsigned long field, u32 bits)
{
	vmcs_write(field, vmcs_read(field) & ~bits);
}

/*
 * The VMCS of @vmx is current on this CPU from vmx_get() to vmx_put();
 * during KVM_RUN a preempt notifier keeps it so across rescheduling.
 */
void vmx_get(struct vmx_vcpu *vmx);
void vmx_put(struct vmx_vcpu *vmx);
u64 vmx_get_kernel_gs_base(struct vmx_vcpu *vmx);
void vmx_set_kernel_gs_base(struct vmx_vcpu *vmx, u64 v);

/* vmenter.S: 0 after a VM exit, 1 when VMLAUNCH/VMRESUME failed. */
int vireo_vmx_enter(struct x86_gprs *gprs, bool launched);
/* HOST_RIP: where a VM exit lands, inside vireo_vmx_enter() */
void vireo_vmx_exit(void);

int vmx_ept_create(struct vmx_vm *vv);
void vmx_ept_destroy(struct vmx_vm *vv);
unsigned int vmx_gpa_bits(void);
void vmx_ept_unmap(struct vireo_vm *vm, u64 gpa, u64 size);
void vmx_ept_write_protect(struct vireo_vm *vm, const struct vireo_slot *s,
			   const unsigned long *mask);
int vmx_ept_fault(struct vireo_vcpu *vcpu, u64 gpa, u64 qual);
void vmx_ept_sync(struct vmx_vm *vv, bool force);

int vmx_handle_exit(struct vireo_vcpu *vcpu, u32 reason);
bool vmx_handle_fast(struct vireo_vcpu *vcpu, u32 reason);
void vmx_complete_user(struct vireo_vcpu *vcpu);
u64 vmx_linear_rip(struct vmx_vcpu *vmx);
long vmx_tsc_attr_ioctl(struct vireo_vcpu *vcpu, unsigned int cmd,
			void __user *argp);
void vmx_inject_exception(u8 vector, bool has_err, u32 err);
void vmx_set_cr0(struct vmx_vcpu *vmx, u64 cr0);
void vmx_set_cr4(struct vmx_vcpu *vmx, u64 cr4);
void vmx_set_efer(struct vmx_vcpu *vmx, u64 efer);
void vmx_update_rdtscp(struct vmx_vcpu *vmx);
bool vmx_pae_paging(u64 cr0, u64 cr4, u64 efer);
int vmx_read_pdptes(struct vireo_vcpu *vcpu, u64 cr3, u64 pdpte[4]);
void vmx_write_pdptes(const u64 pdpte[4]);
/* MSR accessors for x86_msrs_ioctl(); @ctx is the vCPU, VMCS current */
int vmx_get_msr(void *ctx, u32 index, u64 *data);
int vmx_set_msr(void *ctx, u32 index, u64 data);
bool vmx_interrupt_allowed(void);

extern const struct x86_event_ops vmx_event_ops;
bool vmx_nmi_supported(void);
void vmx_nmi_prepare(struct vmx_vcpu *vmx);
void vmx_nmi_exit(u32 reason);

#endif
