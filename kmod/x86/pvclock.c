// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock: the KVM paravirtual clock.  A guest gives each vCPU a
 * pvclock_vcpu_time_info in its memory (MSR_KVM_SYSTEM_TIME_NEW) and
 * reads the time from it and its TSC without exits; the module keeps the
 * structure true at every entry.  Per VM the clock counts nanoseconds from
 * the VM's creation (KVM_SET_CLOCK moves it); the host clock behind it is
 * the monotonic raw clock plus the time spent suspended, as under kvm.ko,
 * so that its rate is the TSC's when the host's clocksource is the TSC.
 *
 * When it is (the "master clock"), every vCPU's structure extrapolates
 * from one (TSC, time) pair the VM took at once, each with its own TSC
 * offset: all vCPUs then compute the same time from the same host TSC,
 * and the structure says so with PVCLOCK_TSC_STABLE_BIT.  Otherwise each
 * vCPU takes its own pair when it writes, and rewrites it once a second
 * because the TSC's rate and the host clock's drift apart.
 */
#include <asm/kvm_para.h>
#include <asm/msr.h>
#include <asm/pvclock-abi.h>
#include <asm/tsc.h>
#include <asm/vdso/clocksource.h>
#include <linux/clocksource.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/notifier.h>
#include <linux/pvclock_gtod.h>
#include <linux/smp.h>
#include <linux/timekeeper_internal.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include "x86/x86.h"

/* The flags KVM_GET_CLOCK may report and KVM_SET_CLOCK accepts. */
#define X86_CLOCK_FLAGS	(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | \
			 KVM_CLOCK_HOST_TSC)

/* How long a vCPU's own pair stays in use without the master clock. */
#define X86_PVCLOCK_REFRESH_NS	NSEC_PER_SEC

/* Is the host's clocksource the TSC?  Kept by the timekeeper's notifier. */
static bool x86_clock_tsc;
/* Bumped when that changes: every VM then takes its pair again. */
static atomic_t x86_clock_gen;

static int x86_clock_notify(struct notifier_block *nb, unsigned long unused,
			    void *priv)
{
	struct timekeeper *tk = priv;
	bool tsc = tk->tkr_mono.clock->vdso_clock_mode == VDSO_CLOCKMODE_TSC;

	if (tsc != READ_ONCE(x86_clock_tsc)) {
		WRITE_ONCE(x86_clock_tsc, tsc);
		atomic_inc(&x86_clock_gen);
	}
	return 0;
}

static struct notifier_block x86_clock_nb = {
	.notifier_call = x86_clock_notify,
};

/**
 * x86_kvmclock_init - follow the host's clocksource (module load)
 *
 * Return: 0 or -errno.
 */
int x86_kvmclock_init(void)
{
	return pvclock_gtod_register_notifier(&x86_clock_nb);
}

/** x86_kvmclock_fini - undo x86_kvmclock_init() */
void x86_kvmclock_fini(void)
{
	pvclock_gtod_unregister_notifier(&x86_clock_nb);
}

/*
 * The host kernel marks its TSC unstable for good when it finds it
 * stopping, changing rate or out of step between CPUs; until then, and
 * while the timekeeper runs on it, one extrapolation from it holds on
 * every CPU.
 */
static bool x86_tsc_stable(void)
{
	return boot_cpu_has(X86_FEATURE_TSC) && !check_tsc_unstable();
}

static s64 x86_clock_base(ktime_t raw)
{
	return ktime_to_ns(ktime_mono_to_any(raw, TK_OFFS_BOOT));
}

/*
 * The pvclock scale for the host TSC: nanoseconds are
 * ((tsc << shift, or >> -shift) * mul) >> 32, with mul in [2^31, 2^32)
 * for the most precision.
 */
static void x86_pvclock_scale(u32 *mul, s8 *shift)
{
	u64 hz = (u64)tsc_khz * 1000, ns = NSEC_PER_SEC;
	int s = 0;

	/* No calibrated TSC: the time stands still rather than divide by 0. */
	if (!hz) {
		*mul = 0;
		*shift = 0;
		return;
	}
	/* Find s with hz * 2^(s-1) <= ns < hz * 2^s. */
	while (s < 31 && ns >= hz << s)
		s++;
	while (s > -31 && s <= 0 && ns << (1 - s) < hz)
		s--;
	*shift = s;
	*mul = mul_u64_u64_div_u64(ns, 1ULL << (32 - s), hz);
}

static u64 x86_pvclock_delta(u64 delta, u32 mul, s8 shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return mul_u64_u32_shr(delta, mul, 32);
}

/* The TSC and the host clock at one instant: the master clock's pair. */
static bool x86_clock_pair(u64 *tsc, s64 *ns, ktime_t *real)
{
	struct system_time_snapshot snap;
	int gen = atomic_read(&x86_clock_gen);

	if (!READ_ONCE(x86_clock_tsc) || !x86_tsc_stable())
		return false;
	ktime_get_snapshot(&snap);
	/* The counter is the TSC only if the clocksource did not change. */
	if (atomic_read(&x86_clock_gen) != gen)
		return false;
	*tsc = snap.cycles;
	*ns = x86_clock_base(snap.raw);
	if (real)
		*real = snap.real;
	return true;
}

/* Take the VM's pair again (clock->lock held). */
static void x86_kvmclock_resync(struct x86_kvmclock *c)
{
	c->host_gen = atomic_read(&x86_clock_gen);
	c->master = !c->boot_old &&
		    x86_clock_pair(&c->master_tsc, &c->master_ns, NULL);
	c->gen++;
}

/**
 * x86_kvmclock_vm_init - a new VM's clock, at 0
 * @xv: the VM's x86 state
 */
void x86_kvmclock_vm_init(struct x86_vm *xv)
{
	struct x86_kvmclock *c = &xv->clock;

	spin_lock_init(&c->lock);
	spin_lock(&c->lock);
	x86_kvmclock_resync(c);
	c->offset = c->master ? -c->master_ns : -x86_clock_base(ktime_get_raw());
	spin_unlock(&c->lock);
}

/**
 * x86_tsc_start - the VM's guest TSC starts at 0 with its first vCPU
 * @vcpu: the vCPU being created (vm->lock held)
 *
 * Every later vCPU takes the same offset (x86_vm.tsc_offset0), so the
 * VM's TSCs agree, as under kvm.ko.
 */
void x86_tsc_start(struct vireo_vcpu *vcpu)
{
	if (!vcpu->vm->nr_vcpus)
		to_x86_vm(vcpu->vm)->tsc_offset0 = -rdtsc();
}

/*
 * The VM's time now (clock->lock held) and the real time; on the master
 * clock both of one instant, with the host TSC of that instant in *@tsc
 * (true returned).
 */
static bool x86_kvmclock_now(struct x86_kvmclock *c, s64 *now, u64 *tsc,
			     ktime_t *real)
{
	s64 ns;
	u32 mul;
	s8 shift;

	if (c->master && x86_clock_pair(tsc, &ns, real)) {
		x86_pvclock_scale(&mul, &shift);
		*now = c->master_ns + c->offset +
		       x86_pvclock_delta(*tsc - c->master_tsc, mul, shift);
		return true;
	}
	*real = ktime_get_real();
	*now = x86_clock_base(ktime_get_raw()) + c->offset;
	return false;
}

static long x86_get_clock(struct x86_kvmclock *c, void __user *argp)
{
	struct kvm_clock_data d;
	ktime_t real;
	s64 now;
	u64 tsc;

	memset(&d, 0, sizeof(d));
	spin_lock(&c->lock);
	/* Like kvm.ko 6.1: the instant is exact only on the master clock. */
	if (x86_kvmclock_now(c, &now, &tsc, &real)) {
		d.flags = KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME |
			  KVM_CLOCK_HOST_TSC;
		d.realtime = ktime_to_ns(real);
		d.host_tsc = tsc;
	}
	d.clock = now;
	spin_unlock(&c->lock);
	return copy_to_user(argp, &d, sizeof(d)) ? -EFAULT : 0;
}

static long x86_set_clock(struct vireo_vm *vm, struct x86_kvmclock *c,
			  void __user *argp)
{
	struct kvm_clock_data d;
	s64 real;

	if (copy_from_user(&d, argp, sizeof(d)))
		return -EFAULT;
	/* What KVM_GET_CLOCK reports may come back. */
	if (d.flags & ~X86_CLOCK_FLAGS)
		return -EINVAL;
	spin_lock(&c->lock);
	x86_kvmclock_resync(c);
	/* Time that passed since the VMM read the clock counts, never back. */
	if (d.flags & KVM_CLOCK_REALTIME) {
		real = ktime_get_real_ns();
		if (real > (s64)d.realtime)
			d.clock += real - d.realtime;
	}
	c->offset = d.clock - (c->master ? c->master_ns :
			       x86_clock_base(ktime_get_raw()));
	spin_unlock(&c->lock);
	/* Running vCPUs pass an entry and rewrite their structures. */
	mutex_lock(&vm->lock);
	vireo_kick_vcpus(vm);
	mutex_unlock(&vm->lock);
	return 0;
}

/**
 * x86_kvmclock_ioctl - KVM_GET_CLOCK and KVM_SET_CLOCK
 * @vm: the VM
 * @cmd: the ioctl
 * @argp: its argument
 *
 * Return: 0 or -errno; -ENOTTY for another @cmd.
 */
long x86_kvmclock_ioctl(struct vireo_vm *vm, unsigned int cmd,
			void __user *argp)
{
	struct x86_kvmclock *c = &to_x86_vm(vm)->clock;

	switch (cmd) {
	case KVM_GET_CLOCK:
		return x86_get_clock(c, argp);
	case KVM_SET_CLOCK:
		return x86_set_clock(vm, c, argp);
	default:
		return -ENOTTY;
	}
}

/**
 * x86_kvmclock_msr - is @index one of kvmclock's MSRs?
 * @index: the MSR
 *
 * Return: true for the system time and wall clock MSRs, old and new.
 */
bool x86_kvmclock_msr(u32 index)
{
	return index == MSR_KVM_SYSTEM_TIME_NEW ||
	       index == MSR_KVM_WALL_CLOCK_NEW ||
	       index == MSR_KVM_SYSTEM_TIME || index == MSR_KVM_WALL_CLOCK;
}

/**
 * x86_kvmclock_get_msr - read a kvmclock MSR
 * @vcpu: the vCPU
 * @index: an MSR for which x86_kvmclock_msr() is true
 * @data: its value
 *
 * The wall clock's is the VM's, the system time's the vCPU's, each the
 * last value written, whichever number it was written through (kvm.ko's).
 *
 * Return: 0.
 */
int x86_kvmclock_get_msr(struct vireo_vcpu *vcpu, u32 index, u64 *data)
{
	struct x86_kvmclock *c = &to_x86_vm(vcpu->vm)->clock;

	if (index == MSR_KVM_WALL_CLOCK_NEW || index == MSR_KVM_WALL_CLOCK) {
		spin_lock(&c->lock);
		*data = c->wall_msr;
		spin_unlock(&c->lock);
	} else {
		*data = to_x86_vcpu(vcpu)->pvclock.msr;
	}
	return 0;
}

/**
 * x86_kvmclock_set_msr - write a kvmclock MSR
 * @vcpu: the vCPU
 * @index: an MSR for which x86_kvmclock_msr() is true
 * @data: the value: a guest-physical address, bit 0 "enabled" for the
 *	system time
 *
 * Guest memory is written at the vCPU's next entry, where the slots hold.
 *
 * Return: 0 (kvm.ko takes any value).
 */
int x86_kvmclock_set_msr(struct vireo_vcpu *vcpu, u32 index, u64 data)
{
	struct x86_kvmclock *c = &to_x86_vm(vcpu->vm)->clock;
	struct x86_pvclock *p = &to_x86_vcpu(vcpu)->pvclock;
	bool old = index == MSR_KVM_SYSTEM_TIME || index == MSR_KVM_WALL_CLOCK;

	if (index == MSR_KVM_WALL_CLOCK_NEW || index == MSR_KVM_WALL_CLOCK) {
		spin_lock(&c->lock);
		c->wall_msr = data;
		spin_unlock(&c->lock);
		p->wall_pending = data != 0;
		return 0;
	}
	p->msr = data;
	p->dirty = true;
	/*
	 * Guests that know only the old MSR predate the stable bit: kvm.ko
	 * keeps it off for a VM whose boot vCPU uses that MSR, and so do we.
	 */
	if (vcpu->id == 0 && (data & 1)) {
		spin_lock(&c->lock);
		if (c->boot_old != old) {
			c->boot_old = old;
			x86_kvmclock_resync(c);
		}
		spin_unlock(&c->lock);
	}
	return 0;
}

/*
 * Write @len bytes at @gpa whose first 32 bits are a version: a guest
 * may read them meanwhile on another vCPU (the vDSO reads vCPU 0's
 * pvclock from any CPU) and retries while the version is odd or changed.
 * @buf's version is even; the odd one before it goes in first.
 */
static void x86_write_versioned(struct vireo_vm *vm, u64 gpa, void *buf,
				unsigned int len)
{
	u32 *version = buf, odd = *version - 1;

	if (vireo_write_guest(vm, gpa, &odd, sizeof(odd)))
		return;
	/* The odd version is visible before any of the body. */
	smp_wmb();
	vireo_write_guest(vm, gpa + 4, (u8 *)buf + 4, len - 4);
	/* The whole body is visible before the even version. */
	smp_wmb();
	vireo_write_guest(vm, gpa, version, sizeof(*version));
}

/* The wall clock per the ABI: the real time at which the VM's clock was 0. */
static void x86_write_wall_clock(struct vireo_vcpu *vcpu)
{
	struct x86_kvmclock *c = &to_x86_vm(vcpu->vm)->clock;
	struct pvclock_wall_clock wc;
	ktime_t real;
	u64 gpa, tsc;
	s64 now;
	u32 rem;

	spin_lock(&c->lock);
	gpa = c->wall_msr;
	x86_kvmclock_now(c, &now, &tsc, &real);
	c->wall_version += 2;
	wc.version = c->wall_version;
	spin_unlock(&c->lock);
	wc.sec = (u32)div_u64_rem(ktime_to_ns(real) - now, NSEC_PER_SEC, &rem);
	wc.nsec = rem;
	x86_write_versioned(vcpu->vm, gpa, &wc, sizeof(wc));
}

/**
 * x86_kvmclock_enter - bring the vCPU's pvclock structure up to date
 * @vcpu: the vCPU, about to enter (slots held, preemptible)
 * @cpuid: its CPUID, whether the guest was offered the stable bit
 * @tsc_offset: the guest's TSC minus the host's
 *
 * The structure is rewritten when the MSR, the VM's clock, the TSC offset
 * or the host CPU changed since the last time, and without the master
 * clock once a second.  The backend then calls x86_kvmclock_moved() with
 * interrupts off.  Nothing is read back from guest memory.  The vCPU's
 * steal time goes in here too (x86_steal_enter()).
 */
void __vireo_hot x86_kvmclock_enter(struct vireo_vcpu *vcpu, const struct x86_cpuid *cpuid,
				    u64 tsc_offset)
{
	struct x86_kvmclock *c = &to_x86_vm(vcpu->vm)->clock;
	struct x86_pvclock *p = &to_x86_vcpu(vcpu)->pvclock;
	struct pvclock_vcpu_time_info t = { 0 };
	u64 host_tsc, gpa = p->msr & ~1ULL;
	u8 stopped;
	bool stable;
	u32 kvm[4];
	s64 base;

	x86_steal_enter(vcpu);
	if (p->wall_pending) {
		p->wall_pending = false;
		x86_write_wall_clock(vcpu);
	}
	if (!(p->msr & 1))
		return;
	spin_lock(&c->lock);
	/*
	 * A new TSC offset (the VMM wrote the guest's TSC) takes the VM's
	 * pair again, as kvm.ko's master clock update does: the old pair's
	 * TSC may lie before the guest's TSC began, and the structure
	 * would then start from a negative guest TSC.
	 */
	if (c->host_gen != atomic_read(&x86_clock_gen) ||
	    (c->master && p->tsc_offset != tsc_offset))
		x86_kvmclock_resync(c);
	if (!p->dirty && p->gen == c->gen && p->tsc_offset == tsc_offset &&
	    p->cpu == raw_smp_processor_id() &&
	    (c->master || ktime_get_raw_ns() - p->stamp < X86_PVCLOCK_REFRESH_NS)) {
		spin_unlock(&c->lock);
		return;
	}
	/* One CPU's TSC and clock: x86_kvmclock_moved() checks it stays. */
	preempt_disable();
	p->cpu = smp_processor_id();
	if (c->master) {
		host_tsc = c->master_tsc;
		base = c->master_ns;
	} else {
		host_tsc = rdtsc();
		base = x86_clock_base(ktime_get_raw());
	}
	preempt_enable();
	p->stamp = ktime_get_raw_ns();
	p->gen = c->gen;
	p->tsc_offset = tsc_offset;
	p->dirty = false;
	t.tsc_timestamp = host_tsc + tsc_offset;
	t.system_time = base + c->offset;
	stable = c->master;
	spin_unlock(&c->lock);

	x86_pvclock_scale(&t.tsc_to_system_mul, &t.tsc_shift);
	x86_cpuid_lookup(cpuid, KVM_CPUID_FEATURES, 0, kvm);
	if (stable && (kvm[0] & BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT)))
		t.flags = PVCLOCK_TSC_STABLE_BIT;
	/*
	 * "Stopped by the host" stays until the guest has seen it and taken
	 * it away (its watchdogs then forgive the pause), as under kvm.ko:
	 * the one bit read back, which goes back to the guest only.
	 */
	if (p->stop_request ||
	    (!vireo_read_guest(vcpu->vm,
			       gpa + offsetof(struct pvclock_vcpu_time_info,
					      flags), &stopped, 1) &&
	     (stopped & PVCLOCK_GUEST_STOPPED)))
		t.flags |= PVCLOCK_GUEST_STOPPED;
	p->stop_request = false;
	p->version += 2;
	t.version = p->version;
	x86_write_versioned(vcpu->vm, gpa, &t, sizeof(t));
}

/**
 * x86_kvmclock_moved - did the vCPU leave the CPU it wrote its clock on?
 * @vcpu: the vCPU, interrupts off just before entry
 * @cpu: this CPU
 *
 * Return: true when the backend must go round again (VIREO_RUN_AGAIN) so
 * that x86_kvmclock_enter() writes for this CPU.
 */
bool __vireo_hot x86_kvmclock_moved(struct vireo_vcpu *vcpu, int cpu)
{
	struct x86_pvclock *p = &to_x86_vcpu(vcpu)->pvclock;

	return (p->msr & 1) && p->cpu != cpu;
}

/**
 * x86_kvmclock_ctrl - KVM_KVMCLOCK_CTRL: tell the guest the host paused it
 * @vcpu: the vCPU
 *
 * Its structure carries PVCLOCK_GUEST_STOPPED from the next entry on.
 *
 * Return: 0, or -EINVAL when the guest has not enabled kvmclock, as
 * kvm.ko.
 */
long x86_kvmclock_ctrl(struct vireo_vcpu *vcpu)
{
	struct x86_pvclock *p = &to_x86_vcpu(vcpu)->pvclock;

	if (!(p->msr & 1))
		return -EINVAL;
	p->stop_request = true;
	p->dirty = true;
	return 0;
}

/**
 * x86_kvmclock_features - the KVM_CPUID_FEATURES bits Vireo implements
 *
 * Return: EAX of leaf 0x40000001: kvmclock through both MSR pairs, no
 * need for the port 0x80 delay, steal time where the host counts run
 * delays, and the stable bit unless the host's TSC was found unstable
 * (then no structure will ever carry the bit).  PV_UNHALT (KVM_HC_KICK_CPU)
 * and PV_EOI always, as kvm.ko reports them: every VM may create the
 * in-kernel APIC they need, and without one a kick is a harmless no-op and
 * the PV EOI MSR is kept but unused (a VMM with its own APIC leaves the bit
 * out, as QEMU and Vireo's do).
 */
u32 x86_kvmclock_features(void)
{
	u32 f = BIT(KVM_FEATURE_CLOCKSOURCE) | BIT(KVM_FEATURE_NOP_IO_DELAY) |
		BIT(KVM_FEATURE_CLOCKSOURCE2) | BIT(KVM_FEATURE_PV_UNHALT) |
		BIT(KVM_FEATURE_PV_EOI);

	if (x86_tsc_stable())
		f |= BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT);
	if (x86_steal_supported())
		f |= BIT(KVM_FEATURE_STEAL_TIME);
	return f;
}
