// SPDX-License-Identifier: GPL-2.0
/*
 * A random ioctl sequence fuzzer over every fd a KVM client holds: the
 * system fd (including VM creation), VM fds and vCPU fds, with random,
 * short and bad buffers, vCPU and VM fds closed in either order while the
 * other is still used, eventfds for KVM_IOEVENTFD and KVM_IRQFD that are
 * signalled and closed under them, statistics fds (KVM_GET_STATS_FD)
 * read at random offsets after their VM or vCPU may be gone, random guest
 * code, and the vCPU's kvm_run page scribbled on between runs (KVM_RUN
 * itself cut short by a timer). It
 * passes when nothing hangs or crashes (the harness also fails the run on
 * any kernel warning or leak) and a fresh VM still runs a guest afterwards.
 *
 * The seed comes from $VIREO_FUZZ_SEED, else from the clock, and is the
 * first thing printed: `VIREO_FUZZ_SEED=<seed> fuzz` replays a failing
 * sequence exactly (the kvm_run and timer interplay aside). The run ends
 * after $VIREO_FUZZ_ROUNDS calls (default 4000) or $VIREO_FUZZ_SECONDS
 * (default 20), whichever comes first.
 *
 * Built for x86-64 and arm64 (tests/vm/arm64/shared.list): the ioctls and
 * their plausible arguments are each architecture's; on arm64 a device fd
 * (the vGIC's, from KVM_CREATE_DEVICE) gets its attribute ioctls too.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define BUF		8192
#define MEM_PAGES	16

#ifdef __x86_64__
/*
 * What either module answers, and some it may not (those must fail
 * cleanly): GET_MSR_FEATURE_INDEX_LIST, GET_EMULATED_CPUID, TRANSLATE,
 * GET_TSC_KHZ, and numbers no KVM ioctl uses.
 */
static const unsigned long sys_ioctls[] = {
	KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE,
	KVM_GET_SUPPORTED_CPUID, KVM_GET_MSR_INDEX_LIST, KVM_CREATE_VM,
	KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_EMULATED_CPUID,
	_IO(KVMIO, 0xf0),
};

static const unsigned long vm_ioctls[] = {
	KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU, KVM_SET_TSS_ADDR,
	KVM_SET_IDENTITY_MAP_ADDR, KVM_CHECK_EXTENSION, KVM_GET_CLOCK,
	KVM_IOEVENTFD, KVM_IRQFD, KVM_SET_GSI_ROUTING, KVM_IRQ_LINE,
	KVM_IRQ_LINE_STATUS, KVM_SIGNAL_MSI, KVM_CREATE_IRQCHIP,
	KVM_GET_IRQCHIP, KVM_SET_IRQCHIP,
	KVM_CREATE_PIT2, KVM_GET_PIT2, KVM_SET_PIT2, KVM_REINJECT_CONTROL, KVM_SET_CLOCK,
	KVM_GET_STATS_FD, KVM_REGISTER_COALESCED_MMIO,
	KVM_UNREGISTER_COALESCED_MMIO, _IO(KVMIO, 0xf1),
};

static const unsigned long vcpu_ioctls[] = {
	KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
	KVM_GET_FPU, KVM_SET_FPU, KVM_GET_MSRS, KVM_SET_MSRS,
	KVM_SET_CPUID2, KVM_GET_CPUID2, KVM_GET_MP_STATE, KVM_SET_MP_STATE,
	KVM_INTERRUPT, KVM_NMI, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
	KVM_GET_XSAVE, KVM_SET_XSAVE, KVM_GET_XCRS, KVM_SET_XCRS,
	KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS, KVM_SET_SIGNAL_MASK,
	KVM_TRANSLATE, KVM_GET_TSC_KHZ, KVM_GET_STATS_FD, KVM_SET_GUEST_DEBUG,
	KVM_KVMCLOCK_CTRL, _IO(KVMIO, 0xf2),
};

/* No device fd is ever taken on x86. */
static const unsigned long dev_ioctls[] = { _IO(KVMIO, 0xf3) };
#else
static const unsigned long sys_ioctls[] = {
	KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE,
	KVM_CREATE_VM, KVM_ARM_PREFERRED_TARGET, _IO(KVMIO, 0xf0),
};

static const unsigned long vm_ioctls[] = {
	KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU, KVM_CHECK_EXTENSION,
	KVM_IOEVENTFD, KVM_IRQFD, KVM_SET_GSI_ROUTING, KVM_IRQ_LINE,
	KVM_SIGNAL_MSI, KVM_CREATE_DEVICE, KVM_ARM_PREFERRED_TARGET,
	KVM_ARM_SET_DEVICE_ADDR, KVM_GET_DIRTY_LOG, KVM_ENABLE_CAP,
	KVM_GET_STATS_FD, _IO(KVMIO, 0xf1),
};

static const unsigned long vcpu_ioctls[] = {
	KVM_RUN, KVM_ARM_VCPU_INIT, KVM_GET_ONE_REG, KVM_SET_ONE_REG,
	KVM_GET_REG_LIST, KVM_GET_MP_STATE, KVM_SET_MP_STATE,
	KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, KVM_SET_SIGNAL_MASK,
	KVM_SET_DEVICE_ATTR, KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR,
	KVM_GET_STATS_FD, _IO(KVMIO, 0xf2),
};

static const unsigned long dev_ioctls[] = {
	KVM_SET_DEVICE_ATTR, KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR,
	_IO(KVMIO, 0xf3),
};

/* The target KVM_ARM_PREFERRED_TARGET gives, for plausible VCPU_INITs. */
static uint32_t arm_target;
#endif

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng;

/* Eventfds for KVM_IOEVENTFD and KVM_IRQFD, signalled and replaced at random. */
#define NR_EFDS		4
static int efds[NR_EFDS];

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void on_alarm(int sig)
{
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static unsigned int fuzz_seconds(void)
{
	return env_u64("VIREO_FUZZ_SECONDS", 20);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#ifdef __aarch64__
/*
 * Arguments shaped like arm64's: VCPU_INIT with the real target, ONE_REG
 * ids of real kinds, IRQ_LINE numbers of every type, the vGIC's attribute
 * groups with addresses and offsets it may take.
 */
static void arm64_arg(unsigned long cmd, uint8_t *buf)
{
	static const uint64_t kinds[] = {
		KVM_REG_ARM_CORE, KVM_REG_ARM64_SYSREG, KVM_REG_ARM_FW,
		KVM_REG_ARM64_SVE, KVM_REG_ARM_DEMUX,
	};
	struct kvm_vcpu_init *init = (void *)buf;
	struct kvm_one_reg *reg = (void *)buf;
	struct kvm_device_attr *attr = (void *)buf;
	struct kvm_create_device *dev = (void *)buf;
	struct kvm_irq_level *irq = (void *)buf;
	uint64_t size;

	switch (cmd) {
	case KVM_ARM_VCPU_INIT:
		memset(init, 0, sizeof(*init));
		init->target = arm_target;
		init->features[0] = rnd() & (rnd() % 2 ? 0x7f : 0x4);
		break;
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG:
		size = (rnd() % 5) << KVM_REG_SIZE_SHIFT;
		reg->id = KVM_REG_ARM64 | size | kinds[rnd() % N(kinds)] |
			  (rnd() % 2 ? rnd() % 0x200 : rnd() & 0xffff);
		reg->addr = (uintptr_t)(buf + 512);
		break;
	case KVM_IRQ_LINE:
		irq->irq = (rnd() % 4) << 24 | (rnd() % 4) << 16 | rnd() % 160;
		irq->level = rnd() % 2;
		break;
	case KVM_CREATE_DEVICE:
		dev->type = rnd() % 4 ? KVM_DEV_TYPE_ARM_VGIC_V3 : rnd() % 16;
		dev->flags = rnd() % 4 == 0;
		break;
	case KVM_SET_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
	case KVM_HAS_DEVICE_ATTR:
		attr->flags = 0;
		attr->group = rnd() % 10;
		attr->attr = rnd() % 2 ? rnd() % 8 :
			     (rnd() % 4) << 32 | (rnd() % 0x10000 & ~3ULL);
		attr->addr = (uintptr_t)(buf + 512);
		/* A GPA or a value: 64 KiB-aligned half the time. */
		*(uint64_t *)(buf + 512) = rnd() % 2 ?
			(rnd() % 0x1000) << 16 : rnd();
		break;
	}
}

/* arm_target from a VM of the moment; 0 or -errno. */
static int arm64_target(int sys)
{
	struct kvm_vcpu_init init;
	int vm = ioctl(sys, KVM_CREATE_VM, 0), r;

	if (vm < 0)
		return -errno;
	r = ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) ? -errno : 0;
	arm_target = init.target;
	close(vm);
	return r;
}
#endif

/* A buffer for the ioctl: random bytes, with sizes that are plausible. */
static unsigned long arg_for(unsigned long cmd, uint8_t *buf, uint8_t *mem)
{
	unsigned int i;

	switch (rnd() % 8) {
	case 0:
		return 0;
	case 1:
		return 1;			/* a bad pointer */
	case 2:
		return rnd() % 64;		/* a small number */
	case 3:
		return (unsigned long)(buf + BUF - (rnd() % 16));	/* runs off */
	default:
		break;
	}
	for (i = 0; i < BUF; i += 8)
		*(uint64_t *)(buf + i) = rnd();
	/* Keep counts small enough to be interesting, not just E2BIG. */
	*(uint32_t *)buf %= 8;
	if (cmd == KVM_SET_USER_MEMORY_REGION && rnd() % 2) {
		struct kvm_userspace_memory_region *m = (void *)buf;

		m->slot %= 4;
		m->flags %= 3;
		m->guest_phys_addr = (rnd() % 64) << 12;
		m->memory_size = (rnd() % MEM_PAGES) << 12;
		m->userspace_addr = (uintptr_t)mem + ((rnd() % MEM_PAGES) << 12);
	}
	if (cmd == KVM_IOEVENTFD && rnd() % 2) {
		struct kvm_ioeventfd *a = (void *)buf;
		static const uint32_t lens[] = { 0, 1, 2, 4, 8 };

		a->addr = rnd() % 64;
		if (rnd() % 2)
			a->addr += 0x10000;	/* above the slots: MMIO */
		a->len = lens[rnd() % N(lens)];
		a->fd = efds[rnd() % NR_EFDS];
		a->flags %= 16;
		a->datamatch %= 4;
	}
	if (cmd == KVM_IRQFD && rnd() % 2) {
		struct kvm_irqfd *a = (void *)buf;

		a->fd = efds[rnd() % NR_EFDS];
		a->resamplefd = efds[rnd() % NR_EFDS];
		a->gsi %= 32;
		a->flags %= 4;
	}
	if (cmd == KVM_SET_GSI_ROUTING && rnd() % 2) {
		struct kvm_irq_routing *r = (void *)buf;

		r->flags = 0;
		for (i = 0; i < r->nr; i++) {
			r->entries[i].gsi %= 32;
			r->entries[i].type %= 3;
			r->entries[i].flags = 0;
			r->entries[i].u.irqchip.irqchip %= 4;
			r->entries[i].u.irqchip.pin %= 32;
		}
	}
	if ((cmd == KVM_IRQ_LINE || cmd == KVM_IRQ_LINE_STATUS) && rnd() % 2) {
		*(uint32_t *)buf %= 32;
		*(uint32_t *)(buf + 4) %= 2;
	}
#ifdef __x86_64__
	if ((cmd == KVM_REGISTER_COALESCED_MMIO ||
	     cmd == KVM_UNREGISTER_COALESCED_MMIO) && rnd() % 2) {
		struct kvm_coalesced_mmio_zone *z = (void *)buf;

		/* Around the slots and past them, and the ports */
		z->addr %= (MEM_PAGES + 4) << 12;
		z->size %= 0x2000;
		z->pio %= 2;
	}
	if (cmd == KVM_SET_GUEST_DEBUG && rnd() % 2) {
		struct kvm_guest_debug *d = (void *)buf;

		/* Mostly flags that exist, and breakpoints on the code */
		d->control &= 0x1f0003 | (rnd() % 4 ? 0 : ~0u);
		for (i = 0; i < 4; i++)
			d->arch.debugreg[i] %= MEM_PAGES << 12;
		d->arch.debugreg[7] &= 0xffffffff;
	}
#endif
	if (cmd == KVM_CREATE_VCPU)
		return rnd() % 8;
#ifdef __aarch64__
	if (rnd() % 2)
		arm64_arg(cmd, buf);
#endif
	return (unsigned long)buf;
}

/*
 * Random writes to the shared pages (kvm_run, and on x86 the PIO data
 * and coalesced MMIO ring pages too): the module must not trust any of
 * it.
 */
static void scribble(struct kvm_run *run, size_t size)
{
	uint8_t *p = (uint8_t *)run;
	unsigned int n = rnd() % 8;

	while (n--)
		p[rnd() % size] = (uint8_t)rnd();
	/* Mostly let the run go ahead rather than end at once. */
	if (rnd() % 4)
		run->immediate_exit = 0;
}

struct fds {
	int vm, vcpu, dev;
	struct kvm_run *run;
	size_t run_size;
};

static void drop_vcpu(struct fds *f)
{
	if (f->run)
		munmap(f->run, f->run_size);
	if (f->vcpu >= 0)
		close(f->vcpu);
	f->run = NULL;
	f->vcpu = -1;
}

/* A new vCPU fd: take it and map its kvm_run page (either may fail). */
static void take_vcpu(struct fds *f, int fd, int sys)
{
	int sz = ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *p;

	drop_vcpu(f);
	f->vcpu = fd;
	if (sz < 4096)
		return;
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		f->run = p;
		f->run_size = sz;
	}
}

TEST(random_ioctls)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = {
		.it_value = { .tv_usec = 5000 },
		.it_interval = { .tv_usec = 5000 },
	};
	struct fds f = { .vm = -1, .vcpu = -1, .dev = -1 };
	uint64_t seed, rounds, i;
	unsigned int runs = 0, scribbles = 0, vms = 0, preads_failed = 0;
	int stats = -1;
	uint64_t v;
	double start, secs;
	uint8_t *buf, *mem;
	struct vt_vm t;
	int sys;

	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = env_u64("VIREO_FUZZ_SEED",
			       (uint64_t)ts.tv_sec * 1000000007ULL ^
			       (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32);
	}
	if (!seed)
		seed = 1;	/* xorshift stays at 0 */
	rng = seed;
	rounds = env_u64("VIREO_FUZZ_ROUNDS", 4000);
	secs = fuzz_seconds();
	/* First, so that a crash or hang still leaves it in the log. */
	printf("# fuzz: VIREO_FUZZ_SEED=%#llx (rounds %llu, %.0f s at most)\n",
	       (unsigned long long)seed, (unsigned long long)rounds, secs);
	fflush(stdout);

	buf = mmap(NULL, BUF + 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	/* The page after the buffer faults: overruns hit it. */
	ASSERT_EQ(0, mprotect(buf + BUF, 4096, PROT_NONE));
	mem = mmap(NULL, MEM_PAGES << 12, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	/* Random guest code: whatever the slots map, the guest runs noise. */
	for (i = 0; i < (MEM_PAGES << 12) / 8; i++)
		((uint64_t *)mem)[i] = rnd();
	/* Before the alarm starts interrupting: set-up must not see EINTR. */
	sys = vt_open_dev();
	ASSERT_GE(sys, 0);
#ifdef __aarch64__
	ASSERT_EQ(0, arm64_target(sys));
#endif
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));

	for (i = 0; i < NR_EFDS; i++) {
		efds[i] = eventfd(0, EFD_NONBLOCK);
		ASSERT_LE(0, efds[i]);
	}
	start = now_s();
	for (i = 0; i < rounds && now_s() - start < secs; i++) {
		unsigned long cmd, arg;
		int fd, r, which = rnd() % 10;
		bool arg_is_buf;

		if (f.vm < 0 || rnd() % 500 == 0) {
			/* Close them in either order; a vCPU may outlive its VM. */
			if (rnd() % 2)
				drop_vcpu(&f);
			if (f.vm >= 0)
				close(f.vm);
			/* A device fd too may outlive its VM. */
			if (f.dev >= 0 && rnd() % 2) {
				close(f.dev);
				f.dev = -1;
			}
			do
				f.vm = ioctl(sys, KVM_CREATE_VM, 0);
			while (f.vm < 0 && errno == EINTR);
			ASSERT_GE(f.vm, 0) TH_LOG("round %llu: %s",
						  (unsigned long long)i,
						  strerror(errno));
			vms++;
		}
		if (f.vcpu < 0 && rnd() % 4 == 0) {
			r = ioctl(f.vm, KVM_CREATE_VCPU, rnd() % 4);
			if (r >= 0)
				take_vcpu(&f, r, sys);
		}
		if (rnd() % 64 == 0)	/* the guest's memory changes too */
			((uint64_t *)mem)[rnd() % ((MEM_PAGES << 12) / 8)] = rnd();
		if (rnd() % 16 == 0) {	/* an irqfd fires, or its eventfd goes */
			uint64_t one = 1;
			int e = rnd() % NR_EFDS;

			if (rnd() % 8) {
				if (write(efds[e], &one, sizeof(one)) < 0)
					one = 0;
			} else {
				close(efds[e]);
				efds[e] = eventfd(0, EFD_NONBLOCK);
				ASSERT_LE(0, efds[e]);
			}
		}
		if (which < 2) {
			fd = sys;
			cmd = sys_ioctls[rnd() % N(sys_ioctls)];
		} else if (which < 4 || f.vcpu < 0) {
			fd = f.vm;
			cmd = vm_ioctls[rnd() % N(vm_ioctls)];
		} else if (which < 6 && f.dev >= 0) {
			fd = f.dev;
			cmd = dev_ioctls[rnd() % N(dev_ioctls)];
		} else {
			fd = f.vcpu;
			cmd = vcpu_ioctls[rnd() % N(vcpu_ioctls)];
		}
		if (cmd == KVM_RUN) {
			if (f.run && rnd() % 2) {
				scribble(f.run, f.run_size);
				scribbles++;
			}
			runs++;
			ioctl(fd, KVM_RUN, 0);
			continue;
		}
		if (cmd == KVM_CREATE_VM) {
			/* Machine types other than 0 must fail; a VM is closed. */
			r = ioctl(fd, cmd, rnd() % 4 ? 0 : rnd() % 64);
			if (r >= 0)
				close(r);
			continue;
		}
		if (stats >= 0 && rnd() % 8 == 0) {
			/* A statistics fd outlives what it counts: read it. */
			uint64_t off = rnd() % 4096, len = rnd() % 2048;

			if (pread(stats, buf, len, off) < 0)
				preads_failed++;
		}
		arg = arg_for(cmd, buf, mem);
		arg_is_buf = arg == (unsigned long)buf;
		r = ioctl(fd, cmd, arg);
		if (cmd == KVM_GET_STATS_FD && r >= 0) {
			if (stats >= 0)
				close(stats);
			stats = r;
			continue;
		}
		/* A device's fd: keep the newest. */
		if (cmd == KVM_CREATE_DEVICE && r == 0 &&
		    !(((struct kvm_create_device *)buf)->flags & 1) &&
		    arg_is_buf) {
			if (f.dev >= 0)
				close(f.dev);
			f.dev = ((struct kvm_create_device *)buf)->fd;
			continue;
		}
		/* New fds from CREATE_VCPU on a random id: keep one. */
		if (cmd == KVM_CREATE_VCPU && r >= 0) {
			if (f.vcpu < 0 || rnd() % 2)
				take_vcpu(&f, r, sys);
			else
				close(r);
		}
	}
	it.it_value.tv_usec = 0;
	it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	TH_LOG("%llu rounds in %.1f s: %u VMs, %u KVM_RUN (%u after scribbling on kvm_run)",
	       (unsigned long long)i, now_s() - start, vms, runs, scribbles);
	/* Reads within the file and past its end never fail. */
	EXPECT_EQ(0u, preads_failed);
	if (stats >= 0)
		close(stats);
	drop_vcpu(&f);
	if (f.dev >= 0)
		close(f.dev);
	close(f.vm);
	close(sys);
	for (i = 0; i < NR_EFDS; i++)
		close(efds[i]);
	munmap(mem, MEM_PAGES << 12);
	munmap(buf, BUF + 4096);

	/* The module still works. */
	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	ASSERT_EQ(0, vt_guest_report(&t, 0x1000, 0x5a));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_TRUE(vt_exit_report(&t, &v) && v == 0x5a)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_TRUE(vt_exit_stop(&t))
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	vt_vm_destroy(&t);
}

/*
 * The harness kills a test after 30 s: give this one its time budget and
 * a margin for the last VM, so a long campaign is not cut short and a
 * hang still fails.
 */
static void __attribute__((constructor)) fuzz_timeout(void)
{
	_random_ioctls_object.timeout = fuzz_seconds() + 30;
}

TEST_HARNESS_MAIN
