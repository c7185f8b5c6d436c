// SPDX-License-Identifier: GPL-2.0
/*
 * System, VM and vCPU ioctls whose handling is the same on every x86
 * backend, and the KVM-format conversions both backends use for segment
 * registers, control registers and the FPU image.  A backend keeps its own
 * switch for what touches its control block and hands the rest here.
 */
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/cpufeature.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>
#include <linux/errno.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "x86/events.h"
#include "x86/irqchip/irqchip.h"
#include "x86/lapic.h"
#include "x86/x86.h"

/* What KVM_CAP_X86_USER_SPACE_MSR may ask to see in userspace. */
#define X86_USER_MSR_REASONS	(KVM_MSR_EXIT_REASON_INVAL | \
				 KVM_MSR_EXIT_REASON_UNKNOWN | \
				 KVM_MSR_EXIT_REASON_FILTER)

/*
 * The KVM_X86_QUIRK_* whose disabling Vireo carries out (hypercall.c,
 * msr.c); the others are not offered.
 */
#define X86_QUIRKS	(KVM_X86_QUIRK_FIX_HYPERCALL_INSN | \
			 KVM_X86_QUIRK_MWAIT_NEVER_UD_FAULTS | \
			 KVM_X86_QUIRK_MISC_ENABLE_NO_MWAIT)

/* What kvm_run's sync area carries (KVM_CAP_SYNC_REGS). */
#define X86_SYNC_FIELDS	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | \
			 KVM_SYNC_X86_EVENTS)

/* KVM_SET_GUEST_DEBUG's flags: kvm.ko's KVM_GUESTDBG_VALID_MASK */
#define X86_GUESTDBG_FLAGS	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | \
				 KVM_GUESTDBG_USE_HW_BP | \
				 KVM_GUESTDBG_USE_SW_BP | \
				 KVM_GUESTDBG_INJECT_BP | \
				 KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_BLOCKIRQ)

/* The hypercalls KVM_CAP_EXIT_HYPERCALL may send to userspace. */
#define X86_HYPERCALL_EXITS	BIT_ULL(KVM_HC_MAP_GPA_RANGE)

/**
 * x86_check_extension - KVM_CHECK_EXTENSION for what every backend offers
 * @cap: the capability
 *
 * Return: its value; 0 when unknown.
 */
long x86_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_XSAVE:
	case KVM_CAP_DEBUGREGS:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_REINJECT_CONTROL:
	case KVM_CAP_VAPIC:
		return 1;
	case KVM_CAP_XCRS:
		return boot_cpu_has(X86_FEATURE_XSAVE);
	case KVM_CAP_ADJUST_CLOCK:
		/* The flags KVM_GET_CLOCK can report, as kvm.ko. */
		return KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME |
		       KVM_CLOCK_HOST_TSC;
	case KVM_CAP_MCE:
		return X86_MCE_MAX_BANKS;
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_GET_TSC_KHZ:
	case KVM_CAP_MMU_SHADOW_CACHE_CONTROL:
	case KVM_CAP_MSR_PLATFORM_INFO:
	case KVM_CAP_SET_BOOT_CPU_ID:
	case KVM_CAP_X86_USER_SPACE_MSR:
	case KVM_CAP_X86_MSR_FILTER:
	case KVM_CAP_ENFORCE_PV_FEATURE_CPUID:
	case KVM_CAP_GET_MSR_FEATURES:
	case KVM_CAP_VCPU_ATTRIBUTES:
		return 1;
	case KVM_CAP_SET_GUEST_DEBUG:
	case KVM_CAP_KVMCLOCK_CTRL:
		return 1;
	case KVM_CAP_SET_GUEST_DEBUG2:
		return X86_GUESTDBG_FLAGS;
	case KVM_CAP_SYNC_REGS:
		return X86_SYNC_FIELDS;
	case KVM_CAP_DISABLE_QUIRKS2:
		return X86_QUIRKS;
	case KVM_CAP_EXIT_HYPERCALL:
		return X86_HYPERCALL_EXITS;
	default:
		return 0;
	}
}

/* kvm.ko's KVM_MIN_ALLOC_MMU_PAGES */
#define X86_MIN_MMU_PAGES	64UL

/*
 * KVM_GET_NR_MMU_PAGES: what KVM_SET_NR_MMU_PAGES asked for, else kvm.ko's
 * default of one for every 50 pages of slots (at least its minimum) once
 * a slot exists.  Nested paging has no shadow page cache to size: the numbers
 * are only kept for the VMM.
 */
static long x86_nr_mmu_pages(struct vireo_vm *vm)
{
	unsigned long n = READ_ONCE(to_x86_vm(vm)->nr_mmu_pages);
	u64 pages = 0;
	bool any = false;
	unsigned int i;

	if (n)
		return n;
	spin_lock(&vm->slots_lock);
	for (i = 0; i < VIREO_MAX_SLOTS; i++) {
		if (!vm->slots[i].used)
			continue;
		any = true;
		pages += vm->slots[i].size >> PAGE_SHIFT;
	}
	spin_unlock(&vm->slots_lock);
	return any ? max_t(u64, pages / 50, X86_MIN_MMU_PAGES) : 0;
}

/**
 * x86_dev_ioctl - x86 ioctls on the system fd
 * @cmd: the ioctl
 * @argp: its argument
 *
 * Return: 0 or -errno; -EINVAL for an unknown @cmd, as kvm.ko.
 */
long x86_dev_ioctl(unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case KVM_GET_SUPPORTED_CPUID:
		return x86_get_supported_cpuid(argp);
	case KVM_GET_MSR_INDEX_LIST:
		return x86_get_msr_index_list(argp);
	case KVM_X86_GET_MCE_CAP_SUPPORTED:
		return x86_mce_cap_supported(argp);
	case KVM_GET_MSRS:
		return x86_get_feature_msrs(argp);
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return x86_get_feature_msr_index_list(argp);
	default:
		return -EINVAL;
	}
}

/**
 * x86_vm_ioctl - x86 ioctls on a VM fd
 * @vm: the VM
 * @cmd: the ioctl
 * @argp: its argument
 *
 * Return: 0 or -errno; -ENOTTY for an unknown @cmd.
 */
long x86_vm_ioctl(struct vireo_vm *vm, unsigned int cmd, void __user *argp)
{
	struct kvm_enable_cap cap;

	switch (cmd) {
	case KVM_ENABLE_CAP:
		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		if (cap.flags)
			return -EINVAL;
		if (cap.cap == KVM_CAP_MSR_PLATFORM_INFO) {
			WRITE_ONCE(to_x86_vm(vm)->no_platform_info,
				   !cap.args[0]);
			return 0;
		}
		if (cap.cap == KVM_CAP_DISABLE_QUIRKS2) {
			if (cap.args[0] & ~X86_QUIRKS)
				return -EINVAL;
			WRITE_ONCE(to_x86_vm(vm)->disabled_quirks, cap.args[0]);
			return 0;
		}
		if (cap.cap == KVM_CAP_EXIT_HYPERCALL) {
			if (cap.args[0] & ~X86_HYPERCALL_EXITS)
				return -EINVAL;
			WRITE_ONCE(to_x86_vm(vm)->hypercall_exits, cap.args[0]);
			return 0;
		}
		if (cap.cap == KVM_CAP_X86_USER_SPACE_MSR) {
			if (cap.args[0] & ~X86_USER_MSR_REASONS)
				return -EINVAL;
			WRITE_ONCE(to_x86_vm(vm)->user_msr_mask, cap.args[0]);
			return 0;
		}
		/* kvm.ko: -EINVAL for a capability it cannot enable. */
		if (cap.cap != KVM_CAP_SPLIT_IRQCHIP ||
		    !vireo_impl->check_extension(cap.cap))
			return -EINVAL;
		return x86_enable_cap_split(vm, &cap);
	case KVM_SET_TSS_ADDR:
		/*
		 * Only VT-x without unrestricted guest needs the TSS, and
		 * Vireo requires unrestricted guest; kvm.ko's range check.
		 */
		if ((unsigned long)argp > (unsigned int)(-3 * PAGE_SIZE))
			return -EINVAL;
		return 0;
	case KVM_GET_CLOCK:
	case KVM_SET_CLOCK:
		return x86_kvmclock_ioctl(vm, cmd, argp);
	case KVM_X86_SET_MSR_FILTER:
		return x86_set_msr_filter(vm, argp);
	case KVM_SET_IDENTITY_MAP_ADDR: {
		u64 addr;
		long r = -EINVAL;

		/*
		 * Also for VT-x without unrestricted guest only: taken and
		 * forgotten, with kvm.ko's checks, until the first vCPU.
		 */
		mutex_lock(&vm->lock);
		if (!vm->nr_vcpus)
			r = copy_from_user(&addr, argp, sizeof(addr)) ? -EFAULT : 0;
		mutex_unlock(&vm->lock);
		return r;
	}
	case KVM_GET_TSC_KHZ:
		/* Guests run at the host's TSC rate (no TSC scaling). */
		return tsc_khz;
	case KVM_SET_BOOT_CPU_ID: {
		long r = 0;

		/* Any ID, as kvm.ko: none may match, and no vCPU is the BSP. */
		mutex_lock(&vm->lock);
		if (vm->nr_vcpus)
			r = -EBUSY;
		else
			WRITE_ONCE(to_x86_vm(vm)->bsp_id, (unsigned long)argp);
		mutex_unlock(&vm->lock);
		return r;
	}
	case KVM_SET_NR_MMU_PAGES:
		if ((unsigned long)argp < X86_MIN_MMU_PAGES)
			return -EINVAL;
		WRITE_ONCE(to_x86_vm(vm)->nr_mmu_pages, (unsigned long)argp);
		return 0;
	case KVM_GET_NR_MMU_PAGES:
		return x86_nr_mmu_pages(vm);
	default:
		return x86_irqchip_vm_ioctl(vm, cmd, argp);
	}
}

/*
 * kvm.ko neither reports nor takes MXCSR through KVM_{GET,SET}_FPU (the
 * XSAVE ioctls carry it, checked): a reserved bit in it would make the
 * host's FXRSTOR/XRSTOR fault.
 */
static void x86_get_fpu(struct fpu_guest *fpu, struct kvm_fpu *f)
{
	struct fxregs_state *fx = &fpu->fpstate->regs.fxsave;

	memset(f, 0, sizeof(*f));
	memcpy(f->fpr, fx->st_space, sizeof(f->fpr));
	f->fcw = fx->cwd;
	f->fsw = fx->swd;
	f->ftwx = fx->twd;
	f->last_opcode = fx->fop;
	f->last_ip = fx->rip;
	f->last_dp = fx->rdp;
	memcpy(f->xmm, fx->xmm_space, sizeof(f->xmm));
}

static void x86_set_fpu(struct fpu_guest *fpu, const struct kvm_fpu *f)
{
	struct fxregs_state *fx = &fpu->fpstate->regs.fxsave;

	memcpy(fx->st_space, f->fpr, sizeof(f->fpr));
	fx->cwd = f->fcw;
	fx->swd = f->fsw;
	fx->twd = f->ftwx;
	fx->fop = f->last_opcode;
	fx->rip = f->last_ip;
	fx->rdp = f->last_dp;
	memcpy(fx->xmm_space, f->xmm, sizeof(f->xmm));
	/* Otherwise XRSTOR would load the init state over what we wrote. */
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		fpu->fpstate->regs.xsave.header.xfeatures |=
			XFEATURE_MASK_FPSSE;
}

/**
 * x86_vcpu_ioctl - vCPU ioctls every x86 backend answers alike
 * @fpu: the vCPU's guest FPU
 * @cpuid: its CPUID table
 * @xcr0: its XCR0
 * @pkru: its PKRU
 * @cmd: the ioctl
 * @argp: its argument
 *
 * Return: 0 or -errno; -ENOIOCTLCMD when @cmd is the backend's to handle.
 */
long x86_vcpu_ioctl(struct fpu_guest *fpu, struct x86_cpuid *cpuid,
		    u64 *xcr0, u32 *pkru, unsigned int cmd, void __user *argp)
{
	struct kvm_mp_state mp;
	struct kvm_fpu f;

	switch (cmd) {
	case KVM_GET_MP_STATE:
		mp.mp_state = KVM_MP_STATE_RUNNABLE;
		return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
	case KVM_SET_MP_STATE:
		if (copy_from_user(&mp, argp, sizeof(mp)))
			return -EFAULT;
		/* Without an in-kernel APIC only RUNNABLE exists, as in kvm.ko. */
		return mp.mp_state == KVM_MP_STATE_RUNNABLE ? 0 : -EINVAL;
	case KVM_GET_FPU:
		x86_get_fpu(fpu, &f);
		return copy_to_user(argp, &f, sizeof(f)) ? -EFAULT : 0;
	case KVM_SET_FPU:
		if (copy_from_user(&f, argp, sizeof(f)))
			return -EFAULT;
		x86_set_fpu(fpu, &f);
		return 0;
	case KVM_GET_TSC_KHZ:
		return tsc_khz;
	case KVM_SET_CPUID2:
		return x86_set_cpuid2(cpuid, argp);
	case KVM_GET_CPUID2:
		return x86_get_cpuid2(cpuid, argp);
	case KVM_GET_XSAVE:
	case KVM_SET_XSAVE:
	case KVM_GET_XCRS:
	case KVM_SET_XCRS:
		return x86_xsave_ioctl(fpu, cpuid, xcr0, pkru, cmd, argp);
	default:
		return -ENOIOCTLCMD;
	}
}

/*
 * Each part of kvm_run's sync area is copied out of the shared page once
 * and applied from the copy, as KVM_SET_REGS, _SREGS and _VCPU_EVENTS
 * would; kvm.ko's dirty bits are cleared as each part is taken.
 */
static int x86_sync_sregs_in(struct vireo_vcpu *vcpu,
			     const struct x86_sync_ops *ops)
{
	struct kvm_sregs sr;

	memcpy(&sr, &vcpu->run->s.regs.sregs, sizeof(sr));
	return ops->set_sregs(vcpu, &sr) ? -EINVAL : 0;
}

static int x86_sync_events_in(struct vireo_vcpu *vcpu,
			      const struct x86_sync_ops *ops)
{
	struct kvm_vcpu_events e;

	memcpy(&e, &vcpu->run->s.regs.events, sizeof(e));
	return ops->set_events(vcpu, &e) ? -EINVAL : 0;
}

/**
 * x86_sync_regs_in - KVM_RUN starts: take what kvm_run's dirty bits name
 * @vcpu: the vCPU, before the last exit is completed (as kvm.ko orders it)
 * @ops: the backend's accessors
 *
 * Return: 0, or -EINVAL for an unknown bit in kvm_valid_regs or
 * kvm_dirty_regs or a state the ioctl would refuse (KVM_RUN fails).
 */
int __vireo_hot x86_sync_regs_in(struct vireo_vcpu *vcpu, const struct x86_sync_ops *ops)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);
	u64 dirty = READ_ONCE(run->kvm_dirty_regs);
	struct kvm_regs regs;
	int r;

	if ((valid | dirty) & ~X86_SYNC_FIELDS)
		return -EINVAL;
	if (dirty & KVM_SYNC_X86_REGS) {
		memcpy(&regs, &run->s.regs.regs, sizeof(regs));
		ops->set_regs(vcpu, &regs);
		dirty &= ~KVM_SYNC_X86_REGS;
		WRITE_ONCE(run->kvm_dirty_regs, dirty);
	}
	if (dirty & KVM_SYNC_X86_SREGS) {
		r = x86_sync_sregs_in(vcpu, ops);
		if (r)
			return r;
		dirty &= ~KVM_SYNC_X86_SREGS;
		WRITE_ONCE(run->kvm_dirty_regs, dirty);
	}
	if (dirty & KVM_SYNC_X86_EVENTS) {
		r = x86_sync_events_in(vcpu, ops);
		if (r)
			return r;
		dirty &= ~KVM_SYNC_X86_EVENTS;
		WRITE_ONCE(run->kvm_dirty_regs, dirty);
	}
	return 0;
}

/**
 * x86_sync_regs_out - KVM_RUN ends: fill what kvm_valid_regs names
 * @vcpu: the vCPU
 * @ops: the backend's accessors
 *
 * Also after a failed KVM_RUN, as kvm.ko does.  Written, never read back.
 */
void __vireo_hot x86_sync_regs_out(struct vireo_vcpu *vcpu, const struct x86_sync_ops *ops)
{
	struct kvm_run *run = vcpu->run;
	u64 valid = READ_ONCE(run->kvm_valid_regs);
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_vcpu_events events;
	} u;

	if (valid & KVM_SYNC_X86_REGS) {
		memset(&u, 0, sizeof(u));
		ops->get_regs(vcpu, &u.regs);
		memcpy(&run->s.regs.regs, &u.regs, sizeof(u.regs));
	}
	if (valid & KVM_SYNC_X86_SREGS) {
		memset(&u, 0, sizeof(u));
		ops->get_sregs(vcpu, &u.sregs);
		memcpy(&run->s.regs.sregs, &u.sregs, sizeof(u.sregs));
	}
	if (valid & KVM_SYNC_X86_EVENTS) {
		memset(&u, 0, sizeof(u));
		ops->get_events(vcpu, &u.events);
		memcpy(&run->s.regs.events, &u.events, sizeof(u.events));
	}
}

/**
 * x86_vcpu_enable_cap - KVM_ENABLE_CAP on a vCPU fd
 * @vcpu: the vCPU
 * @argp: the struct kvm_enable_cap
 *
 * Return: 0 or -errno; -EINVAL for a capability that cannot be enabled
 * here, as kvm.ko.
 */
long x86_vcpu_enable_cap(struct vireo_vcpu *vcpu, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.flags || cap.cap != KVM_CAP_ENFORCE_PV_FEATURE_CPUID)
		return -EINVAL;
	WRITE_ONCE(to_x86_vcpu(vcpu)->pv_enforce, !!cap.args[0]);
	return 0;
}

/**
 * x86_fast_reenter - may an exit the backend answered in its entry loop
 *	(CPUID), interrupts still off, go straight back into the guest?
 * @vcpu: the vCPU
 * @apic: its in-kernel local APIC, or NULL
 * @ev: its queued NMIs
 * @until: TSC value after which the run loop must have a turn
 *
 * Not when the run loop has something to do: a signal, a slot writer, a
 * reschedule, an APIC kick, a VAPIC or a PV EOI to sync, an NMI to inject
 * or a window the VMM asked for.  An interrupt that arrives meanwhile stays
 * pending and ends the next entry at once; but not on every CPU (Bochs 2.7
 * lets a guest with RFLAGS.IF clear run on), and a backend may restart a
 * timer at each entry: so no more than a bounded time goes by in the loop.
 * The backend adds what is its own (an interrupt it holds, stale TLBs).
 *
 * Return: true if the guest may be entered again without the run loop.
 */
bool x86_fast_reenter(struct vireo_vcpu *vcpu, struct x86_lapic *apic,
		      const struct x86_events *ev, u64 until)
{
	if ((s64)(rdtsc() - until) >= 0 ||
	    vireo_vcpu_exit_request(vcpu) || need_resched() ||
	    ev->nmi_pending || READ_ONCE(vcpu->run->request_interrupt_window))
		return false;
	return !apic || (!apic->vapic_addr && !apic->pv_eoi_pending &&
			 !x86_lapic_kicked(apic));
}

/**
 * x86_get_interrupt - the vector of a KVM_INTERRUPT
 * @argp: the ioctl's argument
 *
 * Return: the vector, or -errno (-EINVAL above 255, as kvm.ko).
 */
int x86_get_interrupt(void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	return irq.irq < 256 ? irq.irq : -EINVAL;
}

/*
 * CR4 bits a guest may have at all: kvm.ko's set.  VMXE is not among them
 * (no nested virtualization), nor is anything newer that Vireo does not
 * virtualize.
 */
#define X86_CR4_GUEST	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
			 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
			 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_UMIP | \
			 X86_CR4_LA57 | X86_CR4_FSGSBASE | X86_CR4_PCIDE | \
			 X86_CR4_OSXSAVE | X86_CR4_SMEP | X86_CR4_SMAP | \
			 X86_CR4_PKE)

/* A CR4 bit that exists only with a CPU feature: its CPUID leaf-7/1 bit. */
struct x86_cr4_feature {
	u64 cr4;
	u32 leaf;
	u8 reg;		/* 1: EBX, 2: ECX */
	u8 bit;
	u16 host;	/* X86_FEATURE_* the host kernel must have */
};

static const struct x86_cr4_feature x86_cr4_features[] = {
	{ X86_CR4_OSXSAVE,	1, 2, 26, X86_FEATURE_XSAVE },
	{ X86_CR4_PCIDE,	1, 2, 17, X86_FEATURE_PCID },
	{ X86_CR4_FSGSBASE,	7, 1, 0,  X86_FEATURE_FSGSBASE },
	{ X86_CR4_SMEP,		7, 1, 7,  X86_FEATURE_SMEP },
	{ X86_CR4_SMAP,		7, 1, 20, X86_FEATURE_SMAP },
	{ X86_CR4_UMIP,		7, 2, 2,  X86_FEATURE_UMIP },
	{ X86_CR4_PKE,		7, 2, 3,  X86_FEATURE_OSPKE },
	/* The host kernel's own paging depth says nothing: see below. */
	{ X86_CR4_LA57,		7, 2, 16, 0 },
};

/**
 * x86_cr4_valid - may a guest have this CR4?
 * @cpuid: the guest's CPUID table
 * @cr4: the value
 *
 * A feature bit needs the host CPU's feature (the host's WRMSR, VMRUN and
 * VM entry judge guest state by what the CPU has: with CR4.LA57 on a CPU
 * without 5-level paging, 57-bit "canonical" MSR values would pass the
 * checks and fault in the host) and, once KVM_SET_CPUID2 set a table, the
 * guest's CPUID bit, as kvm.ko checks both.
 *
 * Return: true when the CPU would accept @cr4 for this guest.
 */
bool x86_cr4_valid(const struct x86_cpuid *cpuid, u64 cr4)
{
	unsigned int i;
	u32 out[4];

	if (cr4 & ~X86_CR4_GUEST)
		return false;
	for (i = 0; i < ARRAY_SIZE(x86_cr4_features); i++) {
		const struct x86_cr4_feature *f = &x86_cr4_features[i];

		if (!(cr4 & f->cr4))
			continue;
		/*
		 * LA57 is the CPU's, not the host kernel's: Linux clears the
		 * feature when it runs 4-level paging, yet the CPU's
		 * canonical checks of MSR values then still allow 57 bits.
		 */
		if (f->host ? !boot_cpu_has(f->host) :
			      boot_cpu_data.cpuid_level < 7 ||
			      !(cpuid_ecx(7) & BIT(f->bit)))
			return false;
		if (!cpuid->nent)
			continue;
		x86_cpuid_lookup(cpuid, f->leaf, 0, out);
		if (!(out[f->reg] & BIT(f->bit)))
			return false;
	}
	return true;
}

/**
 * x86_cr4_write_valid - may the guest's own MOV to CR4 load this value?
 * @cpuid: the guest's CPUID table
 * @old: CR4 before the write
 * @cr4: the value written
 * @efer: the guest's EFER
 *
 * x86_cr4_valid()'s checks, and those of long mode: PAE stays on and the
 * paging depth (LA57) does not change.
 *
 * Return: true when the write is taken, false for #GP.
 */
bool x86_cr4_write_valid(const struct x86_cpuid *cpuid, u64 old, u64 cr4,
			 u64 efer)
{
	if (!x86_cr4_valid(cpuid, cr4))
		return false;
	if ((efer & EFER_LMA) && !(cr4 & X86_CR4_PAE))
		return false;
	return !(efer & EFER_LMA) || !((cr4 ^ old) & X86_CR4_LA57);
}

/**
 * x86_sregs_check - does KVM_SET_SREGS get kvm.ko's -EINVAL?
 * @cpuid: the vCPU's CPUID table
 * @sr: what userspace passed
 *
 * Return: 0 or -EINVAL.
 */
int x86_sregs_check(const struct x86_cpuid *cpuid, const struct kvm_sregs *sr)
{
	if ((sr->efer & EFER_LME) && (sr->cr0 & X86_CR0_PG)) {
		/* That is long mode: PAE paging, and LMA says so. */
		if (!(sr->cr4 & X86_CR4_PAE) || !(sr->efer & EFER_LMA))
			return -EINVAL;
	} else if ((sr->efer & EFER_LMA) || sr->cs.l) {
		return -EINVAL;
	}
	if ((sr->cr0 & X86_CR0_PG) && !(sr->cr0 & X86_CR0_PE))
		return -EINVAL;
	if (!x86_cr4_valid(cpuid, sr->cr4))
		return -EINVAL;
	return 0;
}

/**
 * x86_sregs_irq - the pending interrupt in a KVM_SET_SREGS bitmap
 * @sr: what userspace passed
 *
 * Return: the lowest vector set, or -1.
 */
int x86_sregs_irq(const struct kvm_sregs *sr)
{
	unsigned int i;

	for (i = 0; i < 256; i++)
		if (sr->interrupt_bitmap[i / 64] & (1ULL << (i % 64)))
			return i;
	return -1;
}

/**
 * x86_seg_to_kvm - fill a kvm_segment from descriptor attributes
 * @ar: attributes in the VMCS layout: descriptor bits 47:40 at 7:0, bits
 *	55:52 at 15:12, and bit 16 for "unusable"
 * @k: filled in, but for selector, base and limit
 */
void x86_seg_to_kvm(u32 ar, struct kvm_segment *k)
{
	k->type = ar & 0xf;
	k->s = (ar >> 4) & 1;
	k->dpl = (ar >> 5) & 3;
	k->present = (ar >> 7) & 1;
	k->avl = (ar >> 12) & 1;
	k->l = (ar >> 13) & 1;
	k->db = (ar >> 14) & 1;
	k->g = (ar >> 15) & 1;
	k->unusable = (ar >> 16) & 1;
	k->padding = 0;
}

/**
 * x86_seg_from_kvm - descriptor attributes of a kvm_segment
 * @k: what userspace passed
 *
 * Return: attributes in the layout x86_seg_to_kvm() reads; a segment that
 * is unusable or not present gets only X86_SEG_UNUSABLE.
 */
u32 x86_seg_from_kvm(const struct kvm_segment *k)
{
	if (k->unusable || !k->present)
		return X86_SEG_UNUSABLE;
	return (k->type & 0xf) | (k->s & 1) << 4 | (k->dpl & 3) << 5 |
	       1 << 7 | (k->avl & 1) << 12 | (k->l & 1) << 13 |
	       (k->db & 1) << 14 | (k->g & 1) << 15;
}
