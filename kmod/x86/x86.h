/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 layer: architectural state and policy shared by the SVM and VMX
 * backends (general registers, CPUID, MSRs, the MMIO instruction decoder).
 */
#ifndef VIREO_X86_H
#define VIREO_X86_H

#include <asm/cpufeature.h>
#include <asm/fpu/types.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <linux/bits.h>
#include <linux/kvm.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "core/vireo.h"

/* Index by the instruction encoding's register number. */
enum x86_gpr {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
	X86_NR_GPRS
};

struct x86_gprs {
	u64 r[X86_NR_GPRS];
};

void x86_gprs_to_kvm(const struct x86_gprs *g, struct kvm_regs *regs);
void x86_gprs_from_kvm(struct x86_gprs *g, const struct kvm_regs *regs);

#define X86_MAX_CPUID_ENTRIES	80

struct x86_cpuid {
	unsigned int nent;
	/*
	 * The vCPU has run: KVM_SET_CPUID2 may only repeat the table, as
	 * under kvm.ko (what the guest saw must not change under it).
	 */
	bool frozen;
	struct kvm_cpuid_entry2 e[X86_MAX_CPUID_ENTRIES];
};

void x86_cpuid_lookup(const struct x86_cpuid *c, u32 fn, u32 idx, u32 out[4]);
void x86_cpuid_set_mwait(struct x86_cpuid *c, bool on);
void x86_cpuid_guest(const struct x86_cpuid *c, u32 fn, u32 idx, u64 cr4,
		     u32 out[4]);
bool x86_cpuid_is_intel(const struct x86_cpuid *c);
long x86_set_cpuid2(struct x86_cpuid *c, void __user *argp);
long x86_get_cpuid2(const struct x86_cpuid *c, void __user *argp);
long x86_get_supported_cpuid(void __user *argp);

/* MSRs a VMM saves and restores: KVM_GET_MSR_INDEX_LIST. */
extern const u32 x86_msr_list[];
extern const unsigned int x86_msr_list_len;

/*
 * Backend accessors: 0, or nonzero for #GP; X86_MSR_UNKNOWN of these when
 * the module does not know the MSR at all (KVM_MSR_EXIT_REASON_UNKNOWN
 * rather than _INVAL for an exit to userspace).
 */
#define X86_MSR_UNKNOWN		2
typedef int (*x86_msr_get_fn)(void *ctx, u32 index, u64 *data);
typedef int (*x86_msr_set_fn)(void *ctx, u32 index, u64 data);

long x86_get_msr_index_list(void __user *argp);
long x86_get_feature_msrs(void __user *argp);
long x86_get_feature_msr_index_list(void __user *argp);
long x86_tsc_attr_ioctl(void *ctx, u64 (*get)(void *ctx),
			void (*set)(void *ctx, u64 offset), unsigned int cmd,
			void __user *argp);

/* Where the guest's values of x86_msr_list live: the backend's to say. */
enum x86_msr_reg {
	X86_MSR_SYSENTER_CS, X86_MSR_SYSENTER_ESP, X86_MSR_SYSENTER_EIP,
	X86_MSR_STAR, X86_MSR_CSTAR, X86_MSR_LSTAR, X86_MSR_SFMASK,
	X86_MSR_KERNEL_GS_BASE, X86_MSR_FS_BASE, X86_MSR_GS_BASE,
	X86_MSR_TSC_OFFSET, X86_MSR_PAT, X86_MSR_EFER, X86_MSR_APIC_BASE,
	X86_MSR_MISC_ENABLE, X86_MSR_TSC_AUX,
};

/**
 * struct x86_msr_ops - a backend's storage for the guest's MSRs
 * @get: the stored value (the TSC as its offset from the host's)
 * @set: store a value x86_set_msr() has checked; nonzero refuses it
 * @cr0: the guest's CR0, for EFER.LME under paging
 * @cr4: the guest's CR4, for the canonical checks
 * @cpuid: the guest's CPUID, for checks that depend on its vendor, and
 *	for the bits MSR writes change (MISC_ENABLE's MWAIT)
 * @efer_valid: EFER bits the guest may set
 * @sysenter_canonical: SYSENTER_ESP/EIP must be canonical too
 */
struct x86_msr_ops {
	u64 (*get)(void *ctx, enum x86_msr_reg reg);
	int (*set)(void *ctx, enum x86_msr_reg reg, u64 data);
	u64 (*cr0)(void *ctx);
	u64 (*cr4)(void *ctx);
	struct x86_cpuid *(*cpuid)(void *ctx);
	u64 efer_valid;
	bool sysenter_canonical;
};

int x86_get_msr(const struct x86_msr_ops *ops, void *ctx, u32 index,
		u64 *data);
int x86_set_msr(const struct x86_msr_ops *ops, void *ctx, u32 index,
		u64 data);
long x86_msrs_ioctl(void __user *argp, bool set, x86_msr_get_fn get,
		    x86_msr_set_fn put, void *ctx);
bool x86_msr_guest_ok(const struct x86_cpuid *c, u32 index);

/* x86_guest_msr()'s results */
enum { X86_GUEST_MSR_DONE, X86_GUEST_MSR_GP, X86_GUEST_MSR_USER };

struct x86_uexit;
struct x86_vm;
int x86_guest_msr(struct vireo_vcpu *vcpu, struct x86_uexit *u,
		  const struct x86_cpuid *c, bool write, u32 index, u64 *data,
		  x86_msr_get_fn get, x86_msr_set_fn set, u64 rip,
		  u64 next_rip);
long x86_set_msr_filter(struct vireo_vm *vm, void __user *argp);

/* kmod/x86/hypercall.c */
struct x86_paging;
bool x86_pv_has(struct vireo_vcpu *vcpu, const struct x86_cpuid *c,
		unsigned int feature);
int x86_hypercall(struct vireo_vcpu *vcpu, struct x86_uexit *u,
		  const struct x86_cpuid *c, const u64 *gprs, u64 *rax,
		  unsigned int cpl, bool longmode, u64 rip, u64 next_rip);
int x86_fix_hypercall(struct vireo_vm *vm, const struct x86_paging *pg,
		      u64 lin, bool intel, unsigned int cpl, bool pmode);
bool x86_mwait_ud(struct vireo_vm *vm, const struct x86_cpuid *c);
long x86_vcpu_enable_cap(struct vireo_vcpu *vcpu, void __user *argp);
struct x86_lapic;
struct x86_events;
bool x86_fast_reenter(struct vireo_vcpu *vcpu, struct x86_lapic *apic,
		      const struct x86_events *ev, u64 until);
void x86_msr_filter_free(struct x86_vm *xv);
bool x86_guest_has_tsc_aux(const struct x86_cpuid *c);

/*
 * kmod/x86/uret.c: MSRs switched lazily, the host's back on the next
 * return to user mode; the guest keeps its values in an array by this
 * index.
 */
enum x86_uret_msr {
	X86_URET_STAR, X86_URET_LSTAR, X86_URET_CSTAR, X86_URET_SFMASK,
	X86_URET_TSC_AUX, X86_URET_NR
};

extern bool x86_tsc_aux_ok;
void x86_uret_init(unsigned long mask);
void x86_uret_enter(const u64 *guest);
void x86_uret_flush(void);

/* kmod/x86/debugreg.c: the guest's DR0-3, in the CPU only when needed */
struct x86_dregs {
	u64 db[4];
	bool loaded;	/* in the CPU for this entry */
	bool vmm;	/* ... and they were the VMM's (KVM_SET_GUEST_DEBUG) */
};

/* DR7 L0-3 and G0-3: a breakpoint is armed */
#define X86_DR7_ENABLES		0xffULL

/* DR6 with no status bit set: what the CPU leaves in its bits 31:16, 11:4 */
#define X86_DR6_CLEAN		0xffff0ff0ULL
/* DR6 B0-3, BD, BS, BT: the bits a MOV to DR6 can change */
#define X86_DR6_VOLATILE	0xe00fULL
/* DR7 bit 10, always 1 */
#define X86_DR7_FIXED		0x400ULL

/*
 * KVM_SET_GUEST_DEBUG: the VMM debugs the guest.  Its breakpoints replace
 * the guest's in the CPU while it runs (the guest's own stay where the
 * backend keeps them: the control block outside an entry, x86_dregs).
 */
struct x86_gdb {
	u32 control;		/* KVM_GUESTDBG_*; 0 unless _ENABLE */
	u64 db[4];		/* KVM_GUESTDBG_USE_HW_BP: the VMM's DR0-3 */
	u64 dr7;		/* ... and DR7 */
	/*
	 * KVM_GUESTDBG_SINGLESTEP: the linear RIP when it was set.  As under
	 * kvm.ko, KVM_SET_REGS keeps the trap flag only at that RIP.
	 */
	u64 step_rip;
	/*
	 * An instruction the module carried out for the guest completed
	 * under single-step: KVM_EXIT_DEBUG before the next entry.
	 */
	bool step_pending;
	/* Around one entry: the guest's DR6 and DR7 while the VMM's are in */
	u64 guest_dr6;
	u64 guest_dr7;
	/* What the CPU left in them at the exit */
	u64 exit_dr6;
	u64 exit_dr7;
};

/* A #DB then goes to the VMM, not to the guest. */
#define X86_GDB_DB_EXITS	(KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_USE_HW_BP)

void x86_dr_enter(struct x86_dregs *d, const u64 *vmm, bool load, u64 *dr6);
void x86_dr_exit(struct x86_dregs *d, u64 *dr6);
long x86_debugregs_ioctl(struct x86_dregs *d, u64 *dr6, u64 *dr7,
			 unsigned int cmd, void __user *argp);
u32 x86_gdb_set(struct x86_gdb *g, const struct kvm_guest_debug *dbg);
void x86_gdb_exit(struct kvm_run *run, u32 exception, u64 pc, u64 dr6,
		  u64 dr7);
bool x86_gdb_stepped(struct x86_gdb *g, struct kvm_run *run, u64 rflags,
		     u64 pc, u64 dr7);

/*
 * What every x86 backend's VM and vCPU start with (vm->arch and
 * vcpu->arch point at their first member), so the x86 layer reaches its
 * own per-VM and per-vCPU state without knowing the backend.
 */
struct x86_irqchip;
struct x86_lapic;
struct x86_pit;

/* kmod/x86/pvclock.c: a VM's kvmclock */
struct x86_kvmclock {
	spinlock_t lock;	/* all of it; the vCPUs' entries take it */
	s64 offset;		/* the VM's time minus the host clock's */
	/* The master clock: one (host TSC, host clock) pair for every vCPU */
	bool master;
	u64 master_tsc;
	s64 master_ns;
	u32 gen;		/* moves when every vCPU must rewrite */
	int host_gen;		/* the clocksource generation it was taken at */
	bool boot_old;		/* vCPU 0 enabled the clock by the old MSR */
	u64 wall_msr;
	u32 wall_version;
};

/* A vCPU's struct kvm_steal_time (kmod/x86/steal.c) */
struct x86_steal {
	u64 msr;		/* guest-physical address | enabled */
	u64 steal;		/* the total, in nanoseconds */
	u64 last;		/* the thread's run_delay when last counted */
	const struct task_struct *task;	/* that thread: compared only */
	u32 version;
	bool dirty;
};

/* A vCPU's pvclock_vcpu_time_info: what was last written, and where */
struct x86_pvclock {
	u64 msr;		/* guest-physical address | enabled */
	bool dirty;
	bool wall_pending;	/* the VM's wall clock, at the next entry */
	u32 version;
	u32 gen;
	int cpu;
	u64 tsc_offset;
	u64 stamp;		/* the raw clock when written */
	bool stop_request;	/* KVM_KVMCLOCK_CTRL: PVCLOCK_GUEST_STOPPED */
};

/* kvm.ko's bank count, which VMMs size their MSR lists by. */
#define X86_MCE_MAX_BANKS	32

/* kmod/x86/mce.c: the guest's machine-check registers */
struct x86_mce {
	u64 mcg_cap;
	u64 mcg_status;
	u64 mcg_ctl;
	u64 banks[X86_MCE_MAX_BANKS * 4];	/* CTL, STATUS, ADDR, MISC */
	u64 ctl2[X86_MCE_MAX_BANKS];
};

struct x86_vm {
	struct x86_irqchip *irqchip;	/* NULL: interrupts are the VMM's */
	/* KVM_CREATE_PIT2, which kvm.ko allows with or without an irqchip */
	struct x86_pit *pit;
	struct x86_kvmclock clock;
	/* KVM_SET_NR_MMU_PAGES; 0 until then */
	unsigned long nr_mmu_pages;
	/* KVM_CAP_MSR_PLATFORM_INFO turned off: the guest's RDMSR gets #GP */
	bool no_platform_info;
	/* KVM_SET_BOOT_CPU_ID: the vCPU whose APIC base says BSP at reset */
	u32 bsp_id;
	/* Every vCPU's TSC offset at reset: from 0 at the first vCPU */
	u64 tsc_offset0;
	/* KVM_CAP_X86_USER_SPACE_MSR: the KVM_MSR_EXIT_REASON_* that exit */
	u32 user_msr_mask;
	/* KVM_X86_SET_MSR_FILTER's, read under RCU; NULL: none */
	struct x86_msr_filter __rcu *msr_filter;
	/* KVM_CAP_DISABLE_QUIRKS2: the KVM_X86_QUIRK_* turned off */
	u64 disabled_quirks;
	/* KVM_CAP_EXIT_HYPERCALL: a bit per KVM_HC_* that exits */
	u64 hypercall_exits;
};

/* kmod/x86/mtrr.c: the guest's MTRRs, kvm.ko's 8 variable ranges */
#define X86_MTRR_VAR		8
#define X86_MTRR_FIXED		11

struct x86_mtrr {
	u64 deftype;
	u64 fixed[X86_MTRR_FIXED];
	u64 var[2 * X86_MTRR_VAR];	/* PhysBase, PhysMask pairs */
};

struct x86_vcpu {
	struct x86_lapic *apic;		/* NULL without an in-kernel irqchip */
	struct x86_pvclock pvclock;
	struct x86_steal steal;
	struct x86_mce mce;
	struct x86_mtrr mtrr;
	u64 platform_info;		/* MSR_PLATFORM_INFO, the VMM's */
	u64 tsc_adjust;			/* MSR_IA32_TSC_ADJUST */
	u64 power_ctl;			/* MSR_IA32_POWER_CTL */
	u64 ucode_rev;			/* MSR_IA32_UCODE_REV, the VMM's */
	u64 pv_eoi;			/* MSR_KVM_PV_EOI_EN */
	struct x86_gdb gdb;		/* KVM_SET_GUEST_DEBUG */
	bool msr_host;			/* KVM_{GET,SET}_MSRS, not the guest */
	/* KVM_CAP_ENFORCE_PV_FEATURE_CPUID: KVM_CPUID_FEATURES limits it */
	bool pv_enforce;
	/*
	 * The next KVM_RUN ends in KVM_EXIT_SHUTDOWN before entering, as a
	 * triple fault the guest took (a machine check it cannot take).
	 */
	bool triple_fault;
	/* VT-x: the next entry flushes the L1D if L1TF asks (mitigate.c) */
	bool l1d_flush;
};

static inline struct x86_vm *to_x86_vm(struct vireo_vm *vm)
{
	return vm->arch;
}

static inline struct x86_vcpu *to_x86_vcpu(struct vireo_vcpu *vcpu)
{
	return vcpu->arch;
}

/* Is @id the VM's boot processor (vCPU 0 unless KVM_SET_BOOT_CPU_ID)? */
static inline bool x86_is_bsp(const struct x86_vm *vm, u32 id)
{
	return id == READ_ONCE(vm->bsp_id);
}

/* kmod/x86/steal.c */
bool x86_steal_supported(void);
int x86_steal_get_msr(struct vireo_vcpu *vcpu, u64 *data);
int x86_steal_set_msr(struct vireo_vcpu *vcpu, u64 data);
void x86_steal_enter(struct vireo_vcpu *vcpu);

/* kmod/x86/pvclock.c */
int x86_kvmclock_init(void);
void x86_kvmclock_fini(void);
void x86_kvmclock_vm_init(struct x86_vm *xv);
void x86_tsc_start(struct vireo_vcpu *vcpu);
long x86_kvmclock_ioctl(struct vireo_vm *vm, unsigned int cmd,
			void __user *argp);
bool x86_kvmclock_msr(u32 index);
int x86_kvmclock_get_msr(struct vireo_vcpu *vcpu, u32 index, u64 *data);
int x86_kvmclock_set_msr(struct vireo_vcpu *vcpu, u32 index, u64 data);
void x86_kvmclock_enter(struct vireo_vcpu *vcpu, const struct x86_cpuid *cpuid,
			u64 tsc_offset);
bool x86_kvmclock_moved(struct vireo_vcpu *vcpu, int cpu);
long x86_kvmclock_ctrl(struct vireo_vcpu *vcpu);
u32 x86_kvmclock_features(void);

/* kmod/x86/vcpu.c: what every x86 backend handles alike */
struct fpu_guest;
struct vireo_vm;
long x86_check_extension(long cap);
long x86_dev_ioctl(unsigned int cmd, void __user *argp);
long x86_vm_ioctl(struct vireo_vm *vm, unsigned int cmd, void __user *argp);
long x86_vcpu_ioctl(struct fpu_guest *fpu, struct x86_cpuid *cpuid,
		    u64 *xcr0, u32 *pkru, unsigned int cmd, void __user *argp);
int x86_get_interrupt(void __user *argp);
bool x86_cr4_valid(const struct x86_cpuid *cpuid, u64 cr4);
bool x86_cr4_write_valid(const struct x86_cpuid *cpuid, u64 old, u64 cr4,
			 u64 efer);
int x86_sregs_check(const struct x86_cpuid *cpuid, const struct kvm_sregs *sr);
int x86_sregs_irq(const struct kvm_sregs *sr);

/*
 * KVM_CAP_SYNC_REGS: a backend's accessors for the state kvm_run carries
 * (struct kvm_sync_regs), each taking the vCPU.
 */
struct x86_sync_ops {
	void (*get_regs)(struct vireo_vcpu *vcpu, struct kvm_regs *regs);
	void (*set_regs)(struct vireo_vcpu *vcpu, const struct kvm_regs *regs);
	void (*get_sregs)(struct vireo_vcpu *vcpu, struct kvm_sregs *sr);
	int (*set_sregs)(struct vireo_vcpu *vcpu, const struct kvm_sregs *sr);
	void (*get_events)(struct vireo_vcpu *vcpu, struct kvm_vcpu_events *e);
	int (*set_events)(struct vireo_vcpu *vcpu,
			  const struct kvm_vcpu_events *e);
};

int x86_sync_regs_in(struct vireo_vcpu *vcpu, const struct x86_sync_ops *ops);
void x86_sync_regs_out(struct vireo_vcpu *vcpu,
		       const struct x86_sync_ops *ops);

/* kmod/x86/irqroute.c: the core's GSI routes, to the controllers */
enum vireo_irqchip x86_irqchip_in_kernel(struct vireo_vm *vm);
int x86_irq_route_check(struct vireo_vm *vm,
			const struct kvm_irq_routing_entry *e);
int x86_irq_deliver(struct vireo_vm *vm, const struct kvm_irq_routing_entry *e,
		    int level, unsigned int src);
int x86_irq_default_routes(struct vireo_vm *vm);
bool x86_is_mtrr_msr(u32 index);
void x86_mtrr_get(const struct x86_mtrr *m, const struct x86_cpuid *c,
		  u32 index, u64 *data);
int x86_mtrr_set(struct x86_mtrr *m, const struct x86_cpuid *c, u32 index,
		 u64 data);

/* kmod/x86/mce.c */
struct x86_event_ops;
void x86_mce_init(struct x86_mce *m);
bool x86_is_mce_msr(u32 index);
int x86_mce_get_msr(void *ctx, u32 index, u64 *data, bool host);
int x86_mce_set_msr(void *ctx, u32 index, u64 data, bool host);
long x86_mce_ioctl(void *ctx, const struct x86_event_ops *ev, u64 cr4,
		   u64 keep, unsigned int cmd, void __user *argp);
long x86_mce_cap_supported(void __user *argp);

/* kmod/x86/emergency.c: the crash/emergency-reboot "virtualization off" */
void x86_emergency_register(const char *rival, void (*cb)(void));
void x86_emergency_unregister(void);

/* Segment attributes in the VMCS layout; bit 16: unusable */
#define X86_SEG_UNUSABLE	BIT(16)
void x86_seg_to_kvm(u32 ar, struct kvm_segment *k);
u32 x86_seg_from_kvm(const struct kvm_segment *k);

/*
 * An address the guest may load into a base MSR: canonical for the paging
 * mode it runs (57 bits with CR4.LA57, else 48), as the CPU checks it.
 */
static inline bool x86_canonical(u64 addr, u64 cr4)
{
	int shift = (cr4 & X86_CR4_LA57) ? 64 - 57 : 64 - 48;

	return (u64)((s64)(addr << shift) >> shift) == addr;
}

/*
 * PKRU is in neither the VMCB nor the VMCS, and a guest changes it without
 * an exit (WRPKRU with CR4.PKE, XRSTOR with XCR0.PKRU), while the host's
 * user-memory accesses obey it: backends swap it around each entry, with
 * interrupts off, beside XCR0.
 */
struct x86_pkru {
	u32 guest;	/* the guest's value, what KVM_{GET,SET}_XSAVE carry */
	u32 host;
	bool loaded;	/* the guest's value went in at this entry */
};

static inline bool x86_pkru_in_use(u64 cr4, u64 xcr0)
{
	return (cr4 & X86_CR4_PKE) || (xcr0 & XFEATURE_MASK_PKRU);
}

/* Just before entry, with the guest's CR4 and XCR0. */
static inline void x86_pkru_enter(struct x86_pkru *p, u64 cr4, u64 xcr0)
{
	p->loaded = false;
	if (!cpu_feature_enabled(X86_FEATURE_OSPKE))
		return;
	p->host = rdpkru();
	if (x86_pkru_in_use(cr4, xcr0)) {
		if (p->guest != p->host)
			wrpkru(p->guest);
		p->loaded = true;
	}
}

/* Just after the exit, with the CR4 and XCR0 the guest left. */
static inline void x86_pkru_exit(struct x86_pkru *p, u64 cr4, u64 xcr0)
{
	if (!cpu_feature_enabled(X86_FEATURE_OSPKE))
		return;
	if (!p->loaded && !x86_pkru_in_use(cr4, xcr0))
		return;
	p->guest = rdpkru();
	if (p->guest != p->host)
		wrpkru(p->host);
}

#endif
