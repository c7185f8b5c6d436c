// SPDX-License-Identifier: GPL-2.0
/*
 * Entering the guest and handling its exits: the host's EL2 controls and
 * the EL1/EL0 state both worlds use, switched around each run, and the
 * exits (stage-2 faults and MMIO, PSCI over HVC, WFI, traps that become
 * an UNDEF in the guest).
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/arm-smccc.h>
#include <linux/sched/signal.h>
#include <linux/jiffies.h>
#include <asm/daifflags.h>
#include <asm/esr.h>
#include <asm/kvm_arm.h>
#include <asm/neon.h>
#include <asm/ptrace.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>
#include <linux/irqchip/arm-gic-v3.h>

#include "arm64/arm64.h"

/*
 * The guest's hypervisor controls: stage 2 on, EL1 in AArch64, physical
 * interrupts and SErrors to EL2 (a kick ends the run), and traps for
 * what the guest must not reach: SMC, WFI, implementation-defined and
 * auxiliary control registers, set/way cache maintenance, LORegions and
 * RAS error records.  Pointer authentication (API, APK) and MTE (ATA)
 * stay off, so the guest cannot change the keys and tags the host uses.
 */
#define A64_HCR_GUEST	(HCR_VM | HCR_RW | HCR_E2H | HCR_IMO | HCR_FMO | \
			 HCR_AMO | HCR_TSC | HCR_TWI | HCR_TID3 | HCR_TIDCP | \
			 HCR_TACR | HCR_TSW | HCR_BSU_IS | HCR_FB | HCR_PTW | \
			 HCR_TLOR | HCR_TERR)
/*
 * Stage-2 controls the host keeps set while a vCPU's context is loaded:
 * with HCR_EL2.{E2H,TGE} = {1,1} nothing uses the EL1&0 regime they
 * govern, and leaving them alone spares each exit two changes to the
 * stage-2 setup (which an emulated CPU may pay for with a TLB flush).
 */
#define A64_HCR_LOADED	(HCR_VM | HCR_PTW)
/* Debug, PMU, statistical profiling and trace filter registers trap. */
#define A64_MDCR_TRAPS	(MDCR_EL2_TDA | MDCR_EL2_TDOSA | MDCR_EL2_TDRA | \
			 MDCR_EL2_TPM | MDCR_EL2_TPMCR | MDCR_EL2_TPMS | \
			 MDCR_EL2_TTRF)
/*
 * CPTR_EL2 in its E2H layout: FP/SIMD for the guest; SVE, SME, trace
 * and activity monitors trap (the guest has no state for them).
 */
#define A64_CPTR_GUEST	(CPACR_EL1_FPEN_EL1EN | CPACR_EL1_FPEN_EL0EN | \
			 CPACR_EL1_TTA | BIT(30))
/* CNTHCTL_EL2 with E2H: EL1 may read the physical counter, not its timer. */
#define A64_CNTHCTL_EL1PCTEN	BIT(10)
#define A64_CNTHCTL_EL1PTEN	BIT(11)
/* ICH_HCR_EL2 without an in-kernel GIC: every CPU interface register traps. */
#define A64_ICH_HCR_TRAPS	(ICH_HCR_TC | BIT(11) | BIT(12))

/* The trapped instruction's size: an AArch32 EL0 may run T32 code. */
static unsigned int a64_insn_len(u64 esr)
{
	return esr & ESR_ELx_IL ? 4 : 2;
}

/**
 * a64_get_x - a general register as an instruction names it
 * @a: the vCPU
 * @n: 0-30, or 31 for the zero register
 *
 * Return: the value (0 for register 31); a64_set_x() ignores writes to 31.
 */
u64 a64_get_x(struct a64_vcpu *a, unsigned int n)
{
	return n < 31 ? a->g.x[n] : 0;
}

void a64_set_x(struct a64_vcpu *a, unsigned int n, u64 val)
{
	if (n < 31)
		a->g.x[n] = val;
}

/*
 * The host state one guest run changes, beyond what switch.S keeps and
 * the context that stays loaded across runs: EL2 controls, and the debug
 * control the host's own breakpoints and single-step use at EL2.
 */
struct a64_host {
	u64 vbar, cptr, mdcr, ich_hcr, mdscr;
};

/*
 * The guest's EL1/EL0 context in, the host's EL0 and shared EL1 values
 * aside.  Under VHE the host kernel runs at EL2 with its own registers
 * (the EL1 names reach the EL2 ones), so the guest's can stay loaded
 * while the host handles an exit; what the host does use of these (TLS
 * at EL0, CSSELR, PAR, VMPIDR, and HCR_EL2, CNTHCTL_EL2 and CNTVOFF_EL2
 * as they were) waits in the vCPU until a64_ctx_put().
 */
static void a64_ctx_load(struct vireo_vcpu *vcpu)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);
	struct a64_sysregs *s = &a->s;

	if (a->ctx_loaded)
		return;
	a->host_tpidr_el0 = read_sysreg(tpidr_el0);
	a->host_tpidrro_el0 = read_sysreg(tpidrro_el0);
	a->host_csselr = read_sysreg(csselr_el1);
	a->host_par = read_sysreg(par_el1);
	a->host_vmpidr = read_sysreg(vmpidr_el2);
	a->host_hcr = read_sysreg(hcr_el2);
	a->host_cnthctl = read_sysreg(cnthctl_el2);
	a->host_cntvoff = read_sysreg(cntvoff_el2);
	/* SME's TLS register: EL1 reaches it whatever CPTR_EL2.SMEN says. */
	if (system_supports_sme())
		a->host_tpidr2_el0 = read_sysreg_s(SYS_TPIDR2_EL0);

	write_sysreg_s(s->sctlr, SYS_SCTLR_EL12);
	write_sysreg_s(s->cpacr, SYS_CPACR_EL12);
	write_sysreg_s(s->ttbr0, SYS_TTBR0_EL12);
	write_sysreg_s(s->ttbr1, SYS_TTBR1_EL12);
	write_sysreg_s(s->tcr, SYS_TCR_EL12);
	write_sysreg_s(s->esr, SYS_ESR_EL12);
	write_sysreg_s(s->afsr0, SYS_AFSR0_EL12);
	write_sysreg_s(s->afsr1, SYS_AFSR1_EL12);
	write_sysreg_s(s->far, SYS_FAR_EL12);
	write_sysreg_s(s->mair, SYS_MAIR_EL12);
	write_sysreg_s(s->amair, SYS_AMAIR_EL12);
	write_sysreg_s(s->vbar, SYS_VBAR_EL12);
	write_sysreg_s(s->contextidr, SYS_CONTEXTIDR_EL12);
	write_sysreg_s(s->cntkctl, SYS_CNTKCTL_EL12);
	write_sysreg_s(s->elr, SYS_ELR_EL12);
	write_sysreg_s(s->spsr, SYS_SPSR_EL12);
	write_sysreg(s->sp_el1, sp_el1);
	write_sysreg(s->tpidr_el1, tpidr_el1);
	write_sysreg(s->tpidr_el0, tpidr_el0);
	write_sysreg(s->tpidrro_el0, tpidrro_el0);
	write_sysreg(s->par, par_el1);
	write_sysreg(s->csselr, csselr_el1);
	write_sysreg(a64_vmpidr(vcpu->id), vmpidr_el2);
	/*
	 * The counter controls and offset of EL1 only: with E2H set the
	 * host's EL2 and EL0 see no virtual offset, and its own bits of
	 * CNTHCTL_EL2 stay as they are.
	 */
	write_sysreg((a->host_cnthctl | A64_CNTHCTL_EL1PCTEN) &
		     ~A64_CNTHCTL_EL1PTEN, cnthctl_el2);
	write_sysreg(a->voff, cntvoff_el2);
	a->ctx_cpu = smp_processor_id();
	a->ctx_loaded = true;
}

/**
 * a64_ctx_put - the guest's EL1/EL0 context out of the CPU, the host's back
 * @a: the vCPU, on the CPU that loaded it (preemption off)
 *
 * Called when the task leaves the CPU (preempt notifier), when KVM_RUN
 * ends, and before the kernel edits the saved context between runs
 * (an injected exception, a reset); the next entry loads it again.
 */
void a64_ctx_put(struct a64_vcpu *a)
{
	struct a64_sysregs *s = &a->s;

	if (!a->ctx_loaded)
		return;
	WARN_ON_ONCE(a->ctx_cpu != smp_processor_id());
	s->sctlr = read_sysreg_s(SYS_SCTLR_EL12);
	s->cpacr = read_sysreg_s(SYS_CPACR_EL12);
	s->ttbr0 = read_sysreg_s(SYS_TTBR0_EL12);
	s->ttbr1 = read_sysreg_s(SYS_TTBR1_EL12);
	s->tcr = read_sysreg_s(SYS_TCR_EL12);
	s->esr = read_sysreg_s(SYS_ESR_EL12);
	s->afsr0 = read_sysreg_s(SYS_AFSR0_EL12);
	s->afsr1 = read_sysreg_s(SYS_AFSR1_EL12);
	s->far = read_sysreg_s(SYS_FAR_EL12);
	s->mair = read_sysreg_s(SYS_MAIR_EL12);
	s->amair = read_sysreg_s(SYS_AMAIR_EL12);
	s->vbar = read_sysreg_s(SYS_VBAR_EL12);
	s->contextidr = read_sysreg_s(SYS_CONTEXTIDR_EL12);
	s->cntkctl = read_sysreg_s(SYS_CNTKCTL_EL12);
	s->elr = read_sysreg_s(SYS_ELR_EL12);
	s->spsr = read_sysreg_s(SYS_SPSR_EL12);
	s->sp_el1 = read_sysreg(sp_el1);
	s->tpidr_el1 = read_sysreg(tpidr_el1);
	s->tpidr_el0 = read_sysreg(tpidr_el0);
	s->tpidrro_el0 = read_sysreg(tpidrro_el0);
	s->par = read_sysreg(par_el1);
	s->csselr = read_sysreg(csselr_el1);

	write_sysreg(a->host_tpidr_el0, tpidr_el0);
	write_sysreg(a->host_tpidrro_el0, tpidrro_el0);
	write_sysreg(a->host_csselr, csselr_el1);
	write_sysreg(a->host_par, par_el1);
	write_sysreg(a->host_vmpidr, vmpidr_el2);
	write_sysreg(a->host_hcr, hcr_el2);
	write_sysreg(a->host_cnthctl, cnthctl_el2);
	write_sysreg(a->host_cntvoff, cntvoff_el2);
	if (system_supports_sme())
		write_sysreg_s(a->host_tpidr2_el0, SYS_TPIDR2_EL0);
	isb();
	a->ctx_loaded = false;
}

/* Outside a run, with preemption on: the saved context made current. */
static void a64_ctx_sync(struct a64_vcpu *a)
{
	preempt_disable();
	a64_ctx_put(a);
	preempt_enable();
}

static void a64_sched_in(struct preempt_notifier *pn, int cpu)
{
	/* The next entry loads the context where the task now runs. */
}

static void a64_sched_out(struct preempt_notifier *pn,
			  struct task_struct *next)
{
	a64_ctx_put(container_of(pn, struct a64_vcpu, pn));
}

static struct preempt_ops a64_preempt_ops = {
	.sched_in	= a64_sched_in,
	.sched_out	= a64_sched_out,
};

/** a64_run_init - at load: vCPUs use preempt notifiers */
void a64_run_init(void)
{
	preempt_notifier_inc();
}

/** a64_run_fini - at unload */
void a64_run_fini(void)
{
	preempt_notifier_dec();
}

/**
 * a64_run_vcpu_init - a new vCPU's run state
 * @a: the vCPU, its context not loaded anywhere
 */
void a64_run_vcpu_init(struct a64_vcpu *a)
{
	preempt_notifier_init(&a->pn, &a64_preempt_ops);
}

/* One guest run, with every exception masked around it. */
static void a64_enter(struct vireo_vcpu *vcpu, struct a64_exit *e)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);
	struct a64_vm *v = a64_vm(vcpu->vm);
	struct a64_gic_regs gic_host;
	struct a64_host h;
	unsigned long daif, lines;
	bool gic;
	u64 hcr;
	unsigned int cpu;
	bool flush;

	daif = local_daif_save();
	cpu = smp_processor_id();
	flush = v->last_vcpu[cpu] != vcpu->id + 1;
	v->last_vcpu[cpu] = vcpu->id + 1;

	h.vbar = read_sysreg(vbar_el2);
	h.cptr = read_sysreg(cptr_el2);
	h.mdcr = read_sysreg(mdcr_el2);
	h.mdscr = read_sysreg(mdscr_el1);
	if (a64_gicv3)
		h.ich_hcr = read_sysreg_s(SYS_ICH_HCR_EL2);

	a64_ctx_load(vcpu);
	/* Breakpoints, watchpoints and single-step are the host's: off. */
	write_sysreg(0, mdscr_el1);
	write_sysreg((h.mdcr & ~MDCR_EL2_TDE) | A64_MDCR_TRAPS, mdcr_el2);
	write_sysreg_s(a->s.cntv_cval, SYS_CNTV_CVAL_EL02);
	write_sysreg_s(a->s.cntv_ctl, SYS_CNTV_CTL_EL02);
	gic = a64_gicv3 && a64_vgic_load(a, &gic_host);
	if (a64_gicv3 && !gic)
		write_sysreg_s(A64_ICH_HCR_TRAPS, SYS_ICH_HCR_EL2);
	write_sysreg(a64_vtcr, vtcr_el2);
	write_sysreg(a64_vttbr(v), vttbr_el2);
	/* KVM_IRQ_LINE's lines, where the GIC is the VMM's: virtual IRQ, FIQ. */
	lines = READ_ONCE(a->irq_lines);
	hcr = A64_HCR_GUEST;
	if (lines & BIT(KVM_ARM_IRQ_CPU_IRQ))
		hcr |= HCR_VI;
	if (lines & BIT(KVM_ARM_IRQ_CPU_FIQ))
		hcr |= HCR_VF;
	write_sysreg(hcr, hcr_el2);
	isb();
	if (flush) {
		/* Another vCPU's stage-1 entries carry this VMID too. */
		__tlbi(vmalle1);
		dsb(nsh);
	}
	write_sysreg(A64_CPTR_GUEST, cptr_el2);
	write_sysreg(a64_vectors, vbar_el2);
	write_sysreg(a->pc, elr_el2);
	write_sysreg(a->pstate, spsr_el2);
	isb();
	a64_fp_load(&a->fp);

	e->code = a64_switch(&a->g);

	a64_fp_save(&a->fp);
	e->esr = read_sysreg(esr_el2);
	e->far = read_sysreg(far_el2);
	e->hpfar = read_sysreg(hpfar_el2);
	a->pc = read_sysreg(elr_el2);
	a->pstate = read_sysreg(spsr_el2);

	write_sysreg(h.vbar, vbar_el2);
	write_sysreg(a->host_hcr | A64_HCR_LOADED, hcr_el2);
	write_sysreg(h.cptr, cptr_el2);
	isb();
	a->s.cntv_ctl = read_sysreg_s(SYS_CNTV_CTL_EL02);
	a->s.cntv_cval = read_sysreg_s(SYS_CNTV_CVAL_EL02);
	/* The guest's timer must not fire while it is out (nor in the host). */
	write_sysreg_s(0, SYS_CNTV_CTL_EL02);
	write_sysreg(h.mdcr, mdcr_el2);
	if (gic)
		a64_vgic_unload(a, &gic_host);
	if (a64_gicv3)
		write_sysreg_s(h.ich_hcr, SYS_ICH_HCR_EL2);
	write_sysreg(h.mdscr, mdscr_el1);
	isb();
	local_daif_restore(daif);
}

/*
 * Take an exception to the guest's EL1 as the CPU would: ESR, FAR, ELR
 * and SPSR of EL1, then EL1h with everything masked at the vector.
 */
static void a64_inject(struct a64_vcpu *a, u64 esr, u64 far)
{
	u64 mode = a->pstate & (PSR_MODE32_BIT | PSR_MODE_MASK), off;

	a64_ctx_sync(a);
	switch (mode) {
	case PSR_MODE_EL1h:
		off = 0x200;
		break;
	case PSR_MODE_EL1t:
		off = 0;
		break;
	case PSR_MODE_EL0t:
		off = 0x400;
		break;
	default:
		off = 0x600;
		break;
	}
	a->s.esr = esr;
	a->s.far = far;
	a->s.elr = a->pc;
	a->s.spsr = a->pstate;
	a->pstate = PSR_MODE_EL1h | PSR_D_BIT | PSR_A_BIT | PSR_I_BIT |
		    PSR_F_BIT;
	if (!(a->s.sctlr & SCTLR_EL1_SPAN) &&
	    cpus_have_final_cap(ARM64_HAS_PAN))
		a->pstate |= PSR_PAN_BIT;
	if (a->s.sctlr & SCTLR_ELx_DSSBS)
		a->pstate |= PSR_SSBS_BIT;
	a->pc = a->s.vbar + off;
}

/**
 * a64_inject_undef - the instruction at the guest's PC is undefined
 * @a: the vCPU, whose next entry goes to its EL1 vector
 */
void a64_inject_undef(struct a64_vcpu *a)
{
	/* Its FAR stays as the guest left it. */
	a64_ctx_sync(a);
	a64_inject(a, ((u64)ESR_ELx_EC_UNKNOWN << ESR_ELx_EC_SHIFT) |
		   ESR_ELx_IL, a->s.far);
}

/* A synchronous external abort on @addr, as kvm.ko injects one. */
static void a64_inject_abort(struct a64_vcpu *a, bool iabt, u64 addr)
{
	bool el0 = (a->pstate & (PSR_MODE32_BIT | PSR_MODE_MASK)) == PSR_MODE_EL0t;
	u64 ec;

	if (iabt)
		ec = el0 ? ESR_ELx_EC_IABT_LOW : ESR_ELx_EC_IABT_CUR;
	else
		ec = el0 ? ESR_ELx_EC_DABT_LOW : ESR_ELx_EC_DABT_CUR;
	a64_inject(a, (ec << ESR_ELx_EC_SHIFT) | ESR_ELx_IL |
		   ESR_ELx_FSC_EXTABT, addr);
}

/* A load's value into its register: sign-extended, 32 or 64 bits wide. */
static void a64_mmio_load(struct a64_vcpu *a, const struct a64_mmio *m,
			  u64 data)
{
	if (m->sign_extend && m->len < 8)
		data = sign_extend64(data, m->len * 8 - 1);
	if (!m->reg64)
		data = lower_32_bits(data);
	a64_set_x(a, m->rt, data);
}

/**
 * a64_vcpu_load - KVM_RUN starts: finish the MMIO exit userspace handled
 * @vcpu: the vCPU
 *
 * What the access was comes from the vCPU's own record; from the kvm_run
 * page only a read's data, and only as many bytes as the guest asked for.
 *
 * Return: 0 (nothing here can fail KVM_RUN).
 */
int a64_vcpu_load(struct vireo_vcpu *vcpu)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);
	struct a64_mmio *m = &a->mmio;
	u64 data = 0;

	/* Until a64_vcpu_put(): the context leaves the CPU with the task. */
	preempt_notifier_register(&a->pn);
	/* A WFI that a signal interrupted is over, as under kvm.ko. */
	a->wfi = false;
	/* Even an immediate_exit: too late for a GIC (KVM_CREATE_DEVICE). */
	if (a->target != (u32)-1)
		WRITE_ONCE(a64_vm(vcpu->vm)->ran, true);
	if (!m->pending)
		return 0;
	m->pending = false;
	if (!m->write) {
		memcpy(&data, vcpu->run->mmio.data, m->len);
		a64_mmio_load(a, m, data);
	}
	a->pc += m->insn_len;
	return 0;
}

void a64_vcpu_put(struct vireo_vcpu *vcpu)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);

	preempt_disable();
	a64_ctx_put(a);
	preempt_notifier_unregister(&a->pn);
	preempt_enable();
}

static int a64_mmio_exit(struct vireo_vcpu *vcpu, u64 esr, u64 ipa)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);
	struct kvm_run *run = vcpu->run;
	struct a64_mmio *m = &a->mmio;
	u64 data = 0;

	/* kvm.ko's answer without KVM_CAP_ARM_NISV_TO_USER. */
	if (!(esr & ESR_ELx_ISV))
		return -ENOSYS;
	m->write = esr & ESR_ELx_WNR;
	m->len = 1U << ((esr & ESR_ELx_SAS) >> ESR_ELx_SAS_SHIFT);
	m->sign_extend = esr & ESR_ELx_SSE;
	m->reg64 = esr & ESR_ELx_SF;
	m->rt = (esr & ESR_ELx_SRT_MASK) >> ESR_ELx_SRT_SHIFT;
	m->insn_len = a64_insn_len(esr);
	if (m->write) {
		data = a64_get_x(a, m->rt);
		if (m->len < 8)
			data &= BIT_ULL(m->len * 8) - 1;
	}
	/* The in-kernel GIC's registers, then the VMM's ioeventfds. */
	if (a64_vgic_mmio(vcpu, ipa, m->len, m->write, &data) ||
	    (m->write && vireo_ioeventfd_write(vcpu->vm, VIREO_BUS_MMIO, ipa,
					       m->len, &data))) {
		if (!m->write)
			a64_mmio_load(a, m, data);
		a->pc += m->insn_len;
		return VIREO_RUN_AGAIN;
	}
	m->pending = true;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = ipa;
	run->mmio.len = m->len;
	run->mmio.is_write = m->write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (m->write)
		memcpy(run->mmio.data, &data, m->len);
	return VIREO_RUN_USER;
}

static int a64_abort(struct vireo_vcpu *vcpu, struct a64_exit *e, bool iabt)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);
	u64 esr = e->esr, fsc = esr & ESR_ELx_FSC_TYPE;
	u64 ipa = ((e->hpfar & HPFAR_MASK) << 8) | (e->far & ~PAGE_MASK);
	bool s1ptw = esr & ESR_ELx_S1PTW;
	/* A stage-1 walk may set access and dirty flags: treat it as a write. */
	bool write = !iabt && (s1ptw || ((esr & ESR_ELx_WNR) &&
					 !(esr & ESR_ELx_CM)));
	int r;

	if (fsc != ESR_ELx_FSC_FAULT && fsc != ESR_ELx_FSC_PERM &&
	    fsc != ESR_ELx_FSC_ACCESS) {
		a64_inject_abort(a, iabt, e->far);
		return VIREO_RUN_AGAIN;
	}
	r = a64_s2_fault(vcpu, ipa, write);
	if (r <= 0)
		return r;
	/* Outside memory, or a write to a read-only slot. */
	if (iabt || s1ptw) {
		a64_inject_abort(a, iabt, e->far);
		return VIREO_RUN_AGAIN;
	}
	/* Cache maintenance by address on a device: nothing to do. */
	if (esr & ESR_ELx_CM) {
		a->pc += a64_insn_len(esr);
		return VIREO_RUN_AGAIN;
	}
	return a64_mmio_exit(vcpu, esr, ipa);
}

static int a64_handle_exit(struct vireo_vcpu *vcpu, struct a64_exit *e)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);

	switch (e->code) {
	case A64_EXIT_IRQ:
	case A64_EXIT_FIQ:
		vireo_stat_exit(vcpu, VIREO_EXIT_IRQ);
		/* The host takes it as soon as interrupts are on again. */
		return VIREO_RUN_AGAIN;
	case A64_EXIT_SERROR:
		vireo_stat_exit(vcpu, VIREO_EXIT_OTHER);
		pr_warn_ratelimited("SError during a guest run (ESR %#llx)\n",
				    e->esr);
		return VIREO_RUN_AGAIN;
	}
	switch (ESR_ELx_EC(e->esr)) {
	case ESR_ELx_EC_WFx:
		vireo_stat_exit(vcpu, VIREO_EXIT_HALT);
		a->pc += a64_insn_len(e->esr);
		/* Only WFI traps; the run loop waits (a64_vcpu_blocked()). */
		if ((e->esr & ESR_ELx_WFx_ISS_TI) == ESR_ELx_WFx_ISS_WFI)
			a64_wfi(a);
		return VIREO_RUN_AGAIN;
	case ESR_ELx_EC_HVC64:
		vireo_stat_exit(vcpu, VIREO_EXIT_HYPERCALL);
		return a64_hvc(vcpu);
	case ESR_ELx_EC_SYS64:
		vireo_stat_exit(vcpu, VIREO_EXIT_SYSREG);
		a64_sysreg(a, e->esr);
		return VIREO_RUN_AGAIN;
	case ESR_ELx_EC_SMC64:
		vireo_stat_exit(vcpu, VIREO_EXIT_HYPERCALL);
		/* No secure firmware behind it: "not supported", as kvm.ko. */
		a->g.x[0] = SMCCC_RET_NOT_SUPPORTED;
		a->pc += 4;
		return VIREO_RUN_AGAIN;
	case ESR_ELx_EC_DABT_LOW:
		vireo_stat_exit(vcpu, VIREO_EXIT_PAGE_FAULT);
		return a64_abort(vcpu, e, false);
	case ESR_ELx_EC_IABT_LOW:
		vireo_stat_exit(vcpu, VIREO_EXIT_PAGE_FAULT);
		return a64_abort(vcpu, e, true);
	default:
		vireo_stat_exit(vcpu, VIREO_EXIT_INSN);
		/*
		 * Trapped system registers, SVE/SME, pointer
		 * authentication: none is offered to the guest.
		 */
		a64_inject_undef(a);
		return VIREO_RUN_AGAIN;
	}
}

/**
 * a64_wfi - the vCPU waits for an interrupt (WFI, PSCI CPU_SUSPEND)
 * @a: the vCPU, on its own thread, out of the guest
 */
void a64_wfi(struct a64_vcpu *a)
{
	a->wfi = true;
	/* Its interrupt reaches the vCPU only through the GIC. */
	if (a->gic_on)
		a64_timer_schedule(a);
}

/**
 * a64_cpu_line - KVM_IRQ_LINE for a VM without an in-kernel GIC
 * @vcpu: the vCPU
 * @line: KVM_ARM_IRQ_CPU_IRQ or KVM_ARM_IRQ_CPU_FIQ
 * @level: asserted or not; the guest sees it as a virtual IRQ or FIQ
 */
void a64_cpu_line(struct vireo_vcpu *vcpu, u32 line, int level)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);

	if (level)
		set_bit(line, &a->irq_lines);
	else
		clear_bit(line, &a->irq_lines);
	vireo_vcpu_kick(vcpu);
}

/**
 * a64_vcpu_blocked - the backend's vcpu_blocked: a vCPU in WFI waits
 * @vcpu: the vCPU, on its own thread
 *
 * The wait ends when an interrupt is pending for it (in the GIC, or on
 * KVM_IRQ_LINE's lines), or with a signal (the core's wait).  Without an
 * in-kernel GIC its timer's interrupt goes nowhere, as under kvm.ko.
 *
 * Return: 1 while it must wait, else 0.
 */
int a64_vcpu_blocked(struct vireo_vcpu *vcpu)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);

	if (!a->wfi)
		return 0;
	if (READ_ONCE(a->irq_lines) || a64_vgic_pending(vcpu)) {
		a->wfi = false;
		return 0;
	}
	return 1;
}

/**
 * a64_vcpu_run - the backend's vcpu_run: enter the guest once
 * @vcpu: the vCPU (mem_lock held for reading)
 *
 * Return: VIREO_RUN_AGAIN, VIREO_RUN_USER with the exit in kvm_run, or
 * -errno (-ENOEXEC before KVM_ARM_VCPU_INIT).
 */
int a64_vcpu_run(struct vireo_vcpu *vcpu)
{
	struct a64_vcpu *a = a64_vcpu(vcpu);
	struct a64_exit e;

	int r;

	if (a->target == (u32)-1)
		return -ENOEXEC;
	r = a64_vgic_run_check(vcpu);
	if (r)
		return r;
	if (!a64_power_check(vcpu)) {
		/*
		 * Stopped until another vCPU's CPU_ON wakes it or a signal
		 * comes; a little at a time, so that slot writers get
		 * mem_lock.
		 */
		if (!vireo_vcpu_exit_request(vcpu))
			schedule_timeout_interruptible(msecs_to_jiffies(10));
		return VIREO_RUN_AGAIN;
	}
	/* The task's FP/SIMD state is saved; the registers are the guest's. */
	kernel_neon_begin();
	local_irq_disable();
	if (vireo_vcpu_exit_request(vcpu)) {
		local_irq_enable();
		kernel_neon_end();
		return VIREO_RUN_AGAIN;
	}
	a64_vgic_flush(vcpu);
	vireo_stat_entering(vcpu);
	a64_enter(vcpu, &e);
	vireo_stat_exited(vcpu);
	a64_vgic_unmask(a);
	local_irq_enable();
	kernel_neon_end();
	a64_vgic_sync(vcpu);
	return a64_handle_exit(vcpu, &e);
}
