/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arm64 backend: the host kernel runs at EL2 with VHE and its own KVM off
 * (kvm-arm.mode=none); guests run at EL1 behind Vireo's stage-2 tables and
 * EL2 vectors.  One file per concern: arm64.c (probe, VMs, VMIDs, the
 * backend table), stage2.c (tables and TLB invalidation), vcpu.c (vCPU
 * state and KVM's arm64 vCPU ioctls), run.c (world switch and exits),
 * switch.S (the ERET and the vectors).
 */
#ifndef VIREO_ARM64_H
#define VIREO_ARM64_H

#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/preempt.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "core/vireo.h"
#include "arm64/regs.h"

/* Guest-physical bits the stage-2 tables translate (KVM's default VM). */
#define A64_IPA_BITS		40
/* KVM_ARM_VCPU_INIT features this backend implements. */
#define A64_FEATURES		(BIT(KVM_ARM_VCPU_POWER_OFF) | \
				 BIT(KVM_ARM_VCPU_PSCI_0_2))

struct a64_vgic;

struct a64_vm {
	/* Stage-2 root: two concatenated level-1 tables (40-bit IPA). */
	struct page *root;
	u16 vmid;
	/* The counter offset each new vCPU starts with: CNTVOFF_EL2 */
	u64 voff;
	/*
	 * Per host CPU, the id + 1 of the vCPU that last ran there: another
	 * vCPU of this VM must not see its stage-1 TLB entries (same VMID).
	 */
	u32 *last_vcpu;
	/*
	 * The vCPUs by id, for PSCI, and their power state (a64_vcpu's
	 * power_off and reset): another vCPU's CPU_ON changes them.
	 */
	spinlock_t lock;
	struct vireo_vcpu *vcpus[VIREO_MAX_VCPUS];
	/* KVM_CREATE_DEVICE's GICv3 (vgic.c), set once; NULL without one */
	struct a64_vgic *gic;
	/* A vCPU has been in KVM_RUN: too late for a GIC */
	bool ran;
};

/* Registers switch.S loads and stores: x0-x30, SP_EL0. */
struct a64_gregs {
	u64 x[31];
	u64 sp_el0;
};

/* The guest's EL1 and EL0 system registers, while it is out. */
struct a64_sysregs {
	u64 sctlr, cpacr, ttbr0, ttbr1, tcr, esr, afsr0, afsr1, far;
	u64 mair, amair, vbar, contextidr, cntkctl, elr, spsr;
	u64 sp_el1, tpidr_el1, tpidr_el0, tpidrro_el0, par, csselr;
	u64 cntv_ctl, cntv_cval;
};

/* An MMIO exit userspace has not completed yet, as the guest asked it. */
struct a64_mmio {
	bool pending;
	bool write;
	bool sign_extend;
	bool reg64;
	u8 len;
	u8 rt;
	u8 insn_len;
};

/* The guest's debug registers: storage only, never armed. */
struct a64_debug {
	u64 mdscr, mdccint, osdlr;
	u64 bvr[16], bcr[16], wvr[16], wcr[16];
	bool oslk;
};

/*
 * A virtual CPU interface's state (ICH_* registers): the guest's while it
 * is out, or the host's while the guest runs.
 */
struct a64_gic_regs {
	u32 vmcr;
	u32 ap0r[4], ap1r[4];
	unsigned int nr_lr;
	u64 lr_in[16];		/* as loaded (or the host's, as saved) */
	u64 lr_out[16];		/* as the guest left them */
};

struct a64_vcpu {
	struct vireo_vcpu *vcpu;
	struct a64_gregs g;
	u64 pc;
	u64 pstate;
	struct a64_sysregs s;
	struct user_fpsimd_state fp;
	/* The AArch32 banked SPSRs of struct kvm_regs: kept, never used. */
	u64 spsr_aa32[KVM_NR_SPSR - 1];
	u32 target;		/* -1 until KVM_ARM_VCPU_INIT */
	u32 features;
	bool power_off;
	/* A CPU_ON for this vCPU: it resets itself to this entry point. */
	bool reset_pending;
	u64 reset_pc;
	u64 reset_ctx;
	struct a64_mmio mmio;
	struct a64_debug dbg;
	/* In WFI: KVM_RUN waits until an interrupt or the timer wakes it. */
	bool wfi;
	/* CNTVOFF_EL2 while it runs: its virtual count is the physical less it. */
	u64 voff;
	/* Kicks the vCPU when its timer fires while it waits. */
	struct hrtimer wake;
	/* KVM_IRQ_LINE's IRQ and FIQ lines (no in-kernel GIC), bits 0 and 1 */
	unsigned long irq_lines;
	/* With the VM's GIC, from its INIT: its redistributor, its interface */
	bool gic_on;
	u32 gic_cpu;
	struct a64_gic_regs gic;
	/* ICC_CTLR_EL1's PRIbits + 1 and IDbits: the host's, or a VMM's fewer */
	u8 gic_pri_bits, gic_id_bits;
	bool timer_line;	/* the timer's PPI as last driven */
	bool vtimer_masked;	/* the host's timer PPI masked for this run */
	/*
	 * Inside KVM_RUN the guest's EL1/EL0 context (struct a64_sysregs but
	 * its timer) stays in the CPU from the first entry to the next
	 * time the task leaves the CPU or KVM_RUN ends (run.c); meanwhile
	 * @s holds stale values for it and the host's values wait here.
	 */
	bool ctx_loaded;
	int ctx_cpu;
	struct preempt_notifier pn;
	u64 host_tpidr_el0, host_tpidrro_el0, host_tpidr2_el0;
	u64 host_csselr, host_par, host_vmpidr, host_hcr;
	u64 host_cnthctl, host_cntvoff;
};

/* What one guest exit left in the EL2 registers. */
struct a64_exit {
	u64 code;
	u64 esr;
	u64 far;
	u64 hpfar;
};

static inline struct a64_vm *a64_vm(struct vireo_vm *vm)
{
	return vm->arch;
}

static inline struct a64_vcpu *a64_vcpu(struct vireo_vcpu *vcpu)
{
	return vcpu->arch;
}

/* MPIDR_EL1 as the guest reads it: affinity from the vCPU id, as kvm.ko. */
static inline u64 a64_vmpidr(u32 id)
{
	return BIT(31) | (id & 0xf) | (((id >> 4) & 0xff) << 8) |
	       (((id >> 12) & 0xff) << 16);
}

extern const struct vireo_impl vireo_arm64_impl;
extern u64 a64_vtcr;
extern bool a64_gicv3;

/* stage2.c */
int a64_s2_init(struct a64_vm *v);
void a64_s2_free(struct a64_vm *v);
void a64_s2_unmap(struct vireo_vm *vm, u64 gpa, u64 size);
int a64_s2_fault(struct vireo_vcpu *vcpu, u64 ipa, bool write);
void a64_tlb_flush_vmid(struct a64_vm *v);
u64 a64_vttbr(struct a64_vm *v);

/* vcpu.c */
int a64_vcpu_create(struct vireo_vcpu *vcpu);
void a64_vcpu_destroy(struct vireo_vcpu *vcpu);
long a64_vcpu_ioctl(struct vireo_vcpu *vcpu, unsigned int cmd,
		    void __user *argp);
u32 a64_target(void);

/* psci.c */
int a64_hvc(struct vireo_vcpu *vcpu);
bool a64_power_check(struct vireo_vcpu *vcpu);
long a64_get_mp_state(struct vireo_vcpu *vcpu, void __user *argp);
long a64_set_mp_state(struct vireo_vcpu *vcpu, void __user *argp);

/* vcpu.c */
void a64_reset(struct a64_vcpu *a);

/* run.c */
void a64_run_init(void);
void a64_run_fini(void);
void a64_run_vcpu_init(struct a64_vcpu *a);
void a64_ctx_put(struct a64_vcpu *a);
int a64_vcpu_load(struct vireo_vcpu *vcpu);
void a64_vcpu_put(struct vireo_vcpu *vcpu);
int a64_vcpu_run(struct vireo_vcpu *vcpu);
u64 a64_get_x(struct a64_vcpu *a, unsigned int n);
void a64_inject_undef(struct a64_vcpu *a);
void a64_wfi(struct a64_vcpu *a);
void a64_cpu_line(struct vireo_vcpu *vcpu, u32 line, int level);
int a64_vcpu_blocked(struct vireo_vcpu *vcpu);

/* sysreg.c */
void a64_sysreg(struct a64_vcpu *a, u64 esr);
void a64_set_x(struct a64_vcpu *a, unsigned int n, u64 val);
u64 a64_sysreg_id(unsigned int i);
int a64_sysreg_one_reg(struct a64_vcpu *a, u64 id, u64 *val, bool set);

/* timer.c */
void a64_timer_init(void);
u64 a64_timer_vm_offset(void);
void a64_timer_vcpu_init(struct a64_vcpu *a, u64 voff);
void a64_timer_vcpu_destroy(struct a64_vcpu *a);
u64 a64_timer_count(struct a64_vcpu *a);
bool a64_timer_level(struct a64_vcpu *a);
void a64_timer_schedule(struct a64_vcpu *a);
int a64_timer_reg(struct a64_vcpu *a, u64 id, u64 *val, bool set);

/* vgic.c */
void a64_vgic_probe(void);
void a64_vgic_exit(void);
void a64_vgic_cpu_enable(void);
void a64_vgic_cpu_disable(void);
long a64_create_device(struct vireo_vm *vm, void __user *argp);
void a64_vgic_free(struct vireo_vm *vm);
int a64_vgic_run_check(struct vireo_vcpu *vcpu);
bool a64_vgic_load(struct a64_vcpu *a, struct a64_gic_regs *host);
void a64_vgic_unload(struct a64_vcpu *a, const struct a64_gic_regs *host);
void a64_vgic_flush(struct vireo_vcpu *vcpu);
void a64_vgic_unmask(struct a64_vcpu *a);
void a64_vgic_sync(struct vireo_vcpu *vcpu);
bool a64_vgic_pending(struct vireo_vcpu *vcpu);
bool a64_vgic_mmio(struct vireo_vcpu *vcpu, u64 ipa, unsigned int len,
		   bool write, u64 *val);
bool a64_vgic_sgi(struct vireo_vcpu *vcpu, u64 val, bool group1);
int a64_irq_line(struct vireo_vm *vm, u32 irq, int level);
enum vireo_irqchip a64_irqchip_in_kernel(struct vireo_vm *vm);
int a64_irq_route_check(struct vireo_vm *vm,
			const struct kvm_irq_routing_entry *e);
int a64_irq_deliver(struct vireo_vm *vm, const struct kvm_irq_routing_entry *e,
		    int level, unsigned int src);
bool a64_vgic_initialised(struct vireo_vm *vm);

/* switch.S */
u64 a64_switch(struct a64_gregs *g);
void a64_fp_load(const struct user_fpsimd_state *fp);
void a64_fp_save(struct user_fpsimd_state *fp);
extern char a64_vectors[];

#endif
