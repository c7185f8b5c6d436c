// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock: KVM's paravirtual CPUID leaves, the system time and wall clock
 * MSRs, KVM_GET_CLOCK/KVM_SET_CLOCK, and guests that read the clock.
 *
 * A guest's reading is compared with KVM_GET_CLOCK taken before and after
 * the run that made it: it must lie between them within CLOCK_BOUND_NS.
 * The bound covers what the ABI allows: without PVCLOCK_TSC_STABLE_BIT
 * (the host's clocksource is not the TSC, as in the QEMU test VM, where it
 * is the HPET) each vCPU extrapolates the TSC from its own last update, at
 * a rate (tsc_khz) that is not exactly the host clock's.  With the bit set,
 * readings must not go back at all, on one vCPU or across vCPUs.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define KVM_CPUID_SIGNATURE	0x40000000
#define KVM_CPUID_FEATURES	0x40000001
#define KVM_FEATURE_CLOCKSOURCE		0
#define KVM_FEATURE_CLOCKSOURCE2	3
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT	24
#define MSR_KVM_WALL_CLOCK	0x11
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define PVCLOCK_TSC_STABLE_BIT	1
#define PVCLOCK_GUEST_STOPPED	2
/* pvclock_vcpu_time_info's flags byte */
#define PVCLOCK_FLAGS		29
#define MSR_IA32_TSC		0x10

#define CLOCK_BOUND_NS		2000000ULL	/* 2 ms */
#define WALL_BOUND_NS		2000000ULL	/* 2 ms */

#define CODE		0x1000
#define PVCLOCK0	0x6000	/* vCPU 0's structure; samples at +0x100 */
#define PVCLOCK1	0x6200	/* vCPU 1's */
#define WALL		0x6800
#define CPUID_OUT	0x6900
#define PT		0x8000
#define MEM_SIZE	0x20000

#define GUEST(name, body)						\
	extern const uint8_t name[], name##_end[];			\
	asm(".pushsection .rodata\n" #name ":\n" body "\n"		\
	    #name "_end:\n.popsection")

/*
 * Enable kvmclock at RSI, then over and over: a consistent copy of the
 * structure and the TSC (the version the same before and after), stored
 * at RSI + 0x100, and an exit on port 0x10.
 */
GUEST(g_clock,
	"mov $0x4b564d01, %ecx\n lea 1(%rsi), %rax\n xor %edx, %edx\n wrmsr\n"
	"1: mov (%rsi), %ebx\n lfence\n rdtsc\n"
	"mov %eax, 0x100(%rsi)\n mov %edx, 0x104(%rsi)\n"
	"mov 8(%rsi), %rax\n mov %rax, 0x108(%rsi)\n"
	"mov 16(%rsi), %rax\n mov %rax, 0x110(%rsi)\n"
	"mov 24(%rsi), %rax\n mov %rax, 0x118(%rsi)\n"
	"lfence\n cmp (%rsi), %ebx\n jne 1b\n"
	"mov %ebx, 0x120(%rsi)\n"
	"out %al, $0x10\n jmp 1b\n");

GUEST(g_out, "1: out %al, $0x10\n jmp 1b\n");

GUEST(g_wall,
	"mov $0x4b564d00, %ecx\n mov $0x6800, %eax\n xor %edx, %edx\n wrmsr\n"
	"out %al, $0x11\n hlt\n");

GUEST(g_cpuid,
	"mov $0x40000000, %eax\n xor %ecx, %ecx\n cpuid\n"
	"mov %eax, 0x6900\n mov %ebx, 0x6904\n mov %ecx, 0x6908\n"
	"mov %edx, 0x690c\n"
	"mov $0x40000001, %eax\n xor %ecx, %ecx\n cpuid\n"
	"mov %eax, 0x6910\n mov %edx, 0x6914\n"
	"out %al, $0x12\n hlt\n");

struct sample {
	uint64_t tsc;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t mul;
	int8_t shift;
	uint8_t flags;
	uint16_t pad;
	uint32_t version;
} __attribute__((packed));

struct msrs {
	struct kvm_msrs h;
	struct kvm_msr_entry e[1];
};

static int set_msr(int vcpu, uint32_t index, uint64_t data)
{
	struct msrs m = { .h.nmsrs = 1, .e[0] = { .index = index, .data = data } };

	return ioctl(vcpu, KVM_SET_MSRS, &m);
}

static uint64_t get_msr(int vcpu, uint32_t index)
{
	struct msrs m = { .h.nmsrs = 1, .e[0].index = index };

	if (ioctl(vcpu, KVM_GET_MSRS, &m) != 1)
		return ~0ULL;
	return m.e[0].data;
}

static struct kvm_cpuid2 *supported_cpuid(int sys)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
				      256 * sizeof(c->entries[0]));

	if (!c)
		return NULL;
	c->nent = 256;
	if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, c)) {
		free(c);
		return NULL;
	}
	return c;
}

static struct kvm_cpuid_entry2 *leaf(struct kvm_cpuid2 *c, uint32_t fn)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn)
			return &c->entries[i];
	return NULL;
}

static uint64_t vm_clock(int vm, uint32_t *flags)
{
	struct kvm_clock_data d = { 0 };

	if (ioctl(vm, KVM_GET_CLOCK, &d))
		return 0;
	if (flags)
		*flags = d.flags;
	return d.clock;
}

/* How far outside [before, after] a reading lies. */
static uint64_t outside(uint64_t ns, uint64_t before, uint64_t after)
{
	if (ns < before)
		return before - ns;
	return ns > after ? ns - after : 0;
}

/* The time a sample says, computed as a guest computes it. */
static uint64_t sample_ns(const struct sample *s)
{
	uint64_t d = s->tsc - s->tsc_timestamp;

	if (s->shift < 0)
		d >>= -s->shift;
	else
		d <<= s->shift;
	return s->system_time + (uint64_t)(((unsigned __int128)d * s->mul) >> 32);
}

struct vcpu {
	int fd;
	struct kvm_run *run;
	size_t run_size;
};

/* A 64-bit guest running @code at CODE, with the supported CPUID. */
static int guest_setup(struct vt_vm *t, const uint8_t *code, size_t len)
{
	struct kvm_cpuid2 *c;
	int r;

	r = vt_vm_create(t, MEM_SIZE, CODE);
	if (r)
		return r;
	memcpy(t->mem + CODE, code, len);
	c = supported_cpuid(t->sys);
	if (!c)
		return -errno;
	r = ioctl(t->vcpu, KVM_SET_CPUID2, c) ? -errno : 0;
	free(c);
	if (r)
		return r;
	return vt_long_mode(t, PT);
}

/* vCPU @id beside vCPU 0, in the same mode, RIP at CODE. */
static int add_vcpu(struct vt_vm *t, int id, struct vcpu *v)
{
	struct kvm_cpuid2 *c;
	struct kvm_sregs sr;
	struct kvm_regs regs;

	v->fd = ioctl(t->vm, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		return -errno;
	v->run_size = t->run_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED)
		return -errno;
	c = supported_cpuid(t->sys);
	if (!c || ioctl(v->fd, KVM_SET_CPUID2, c))
		return -EINVAL;
	free(c);
	if (ioctl(t->vcpu, KVM_GET_SREGS, &sr) || ioctl(v->fd, KVM_SET_SREGS, &sr))
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE;
	regs.rflags = 2;
	return ioctl(v->fd, KVM_SET_REGS, &regs) ? -errno : 0;
}

static int set_rsi(int vcpu, uint64_t rsi)
{
	struct kvm_regs regs;

	if (ioctl(vcpu, KVM_GET_REGS, &regs))
		return -1;
	regs.rsi = rsi;
	return ioctl(vcpu, KVM_SET_REGS, &regs);
}

/*
 * Run @fd to its next sample at @base; the guest's reading, with the
 * VM's clock before and after the run in *@before and *@after, the
 * flags of the latter in after_flags.
 */
static uint32_t after_flags;

static int take_sample(struct vt_vm *t, int fd, struct kvm_run *run,
		       uint64_t base, struct sample *s, uint64_t *before,
		       uint64_t *after)
{
	*before = vm_clock(t->vm, NULL);
	if (ioctl(fd, KVM_RUN, 0))
		return -errno;
	*after = vm_clock(t->vm, &after_flags);
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x10)
		return -EIO;
	memcpy(s, t->mem + base + 0x100, sizeof(*s));
	return 0;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

TEST(supported_leaves)
{
	int sys = vt_open_dev();
	struct kvm_cpuid_entry2 *sig, *feat;
	struct kvm_cpuid2 *c;

	ASSERT_GE(sys, 0);
	c = supported_cpuid(sys);
	ASSERT_NE(NULL, c);
	sig = leaf(c, KVM_CPUID_SIGNATURE);
	feat = leaf(c, KVM_CPUID_FEATURES);
	ASSERT_NE(NULL, sig);
	ASSERT_NE(NULL, feat);
	EXPECT_LE((uint32_t)KVM_CPUID_FEATURES, sig->eax);
	EXPECT_EQ(0, memcmp(&sig->ebx, "KVMK", 4));
	EXPECT_EQ(0, memcmp(&sig->ecx, "VMKV", 4));
	EXPECT_EQ(0, memcmp(&sig->edx, "M\0\0\0", 4));
	EXPECT_NE(0u, feat->eax & (1u << KVM_FEATURE_CLOCKSOURCE2));
	EXPECT_NE(0u, feat->eax & (1u << KVM_FEATURE_CLOCKSOURCE));
	free(c);
	close(sys);
}

TEST(msr_index_list)
{
	int sys = vt_open_dev();

	ASSERT_GE(sys, 0);
	EXPECT_LT(0, vt_msr_listed(sys, MSR_KVM_WALL_CLOCK));
	EXPECT_LT(0, vt_msr_listed(sys, MSR_KVM_SYSTEM_TIME));
	EXPECT_LT(0, vt_msr_listed(sys, MSR_KVM_WALL_CLOCK_NEW));
	EXPECT_LT(0, vt_msr_listed(sys, MSR_KVM_SYSTEM_TIME_NEW));
	close(sys);
}

/*
 * The MSRs keep any value; the old and new numbers are one register each,
 * the system time per vCPU and the wall clock per VM.
 */
TEST(msr_round_trip)
{
	struct vcpu v1;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, MEM_SIZE, CODE));
	ASSERT_EQ(0, add_vcpu(&t, 1, &v1));
	EXPECT_EQ(0ULL, get_msr(t.vcpu, MSR_KVM_SYSTEM_TIME_NEW));
	EXPECT_EQ(0ULL, get_msr(t.vcpu, MSR_KVM_WALL_CLOCK_NEW));
	ASSERT_EQ(1, set_msr(t.vcpu, MSR_KVM_SYSTEM_TIME_NEW, PVCLOCK0 | 1));
	EXPECT_EQ((uint64_t)PVCLOCK0 | 1, get_msr(t.vcpu, MSR_KVM_SYSTEM_TIME_NEW));
	EXPECT_EQ((uint64_t)PVCLOCK0 | 1, get_msr(t.vcpu, MSR_KVM_SYSTEM_TIME));
	EXPECT_EQ(0ULL, get_msr(v1.fd, MSR_KVM_SYSTEM_TIME_NEW));
	ASSERT_EQ(1, set_msr(t.vcpu, MSR_KVM_SYSTEM_TIME, 0x123456789000ULL));
	EXPECT_EQ(0x123456789000ULL, get_msr(t.vcpu, MSR_KVM_SYSTEM_TIME_NEW));
	ASSERT_EQ(1, set_msr(t.vcpu, MSR_KVM_WALL_CLOCK_NEW, 0xfedcba98765ULL));
	EXPECT_EQ(0xfedcba98765ULL, get_msr(v1.fd, MSR_KVM_WALL_CLOCK_NEW));
	EXPECT_EQ(0xfedcba98765ULL, get_msr(v1.fd, MSR_KVM_WALL_CLOCK));
	ASSERT_EQ(1, set_msr(t.vcpu, MSR_KVM_SYSTEM_TIME_NEW, 0));
	EXPECT_EQ(0ULL, get_msr(t.vcpu, MSR_KVM_SYSTEM_TIME_NEW));
	munmap(v1.run, v1.run_size);
	close(v1.fd);
	vt_vm_destroy(&t);
}

TEST(adjust_clock_cap)
{
	int sys = vt_open_dev();

	ASSERT_GE(sys, 0);
	EXPECT_EQ(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | KVM_CLOCK_HOST_TSC,
		  ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK));
	close(sys);
}

/* Flags outside KVM_CAP_ADJUST_CLOCK's: EINVAL (kvm.ko 6.1, measured). */
TEST(set_clock_bad_flags)
{
	struct kvm_clock_data d;
	struct vt_vm t;
	int bit;

	ASSERT_EQ(0, vt_vm_create(&t, MEM_SIZE, CODE));
	for (bit = 0; bit < 32; bit++) {
		memset(&d, 0, sizeof(d));
		d.flags = 1u << bit;
		d.clock = 5000000000ULL;
		if (d.flags & (KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME |
			       KVM_CLOCK_HOST_TSC))
			continue;
		EXPECT_EQ(-1, ioctl(t.vm, KVM_SET_CLOCK, &d)) TH_LOG("bit %d", bit);
		EXPECT_EQ(EINVAL, errno);
	}
	/* Nothing moved. */
	EXPECT_GT(5000000000ULL, vm_clock(t.vm, NULL));
	EXPECT_EQ(-1, ioctl(t.vm, KVM_SET_CLOCK, NULL));
	EXPECT_EQ(EFAULT, errno);
	vt_vm_destroy(&t);
}

TEST(get_set_clock)
{
	struct kvm_clock_data d = { 0 };
	struct timespec ts;
	struct vt_vm t;
	uint64_t c, real;
	uint32_t flags = 0;

	ASSERT_EQ(0, vt_vm_create(&t, MEM_SIZE, CODE));
	/* A new VM's clock starts at 0. */
	c = vm_clock(t.vm, &flags);
	EXPECT_GT(1000000000ULL, c);
	/* kvm.ko 6.1 gives the instant (realtime, host TSC) on a stable TSC only. */
	if (flags) {
		EXPECT_EQ((uint32_t)(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME |
				     KVM_CLOCK_HOST_TSC), flags);
	}

	d.clock = 1000000000000ULL;
	ASSERT_EQ(0, ioctl(t.vm, KVM_SET_CLOCK, &d));
	c = vm_clock(t.vm, NULL);
	EXPECT_LE(1000000000000ULL, c);
	EXPECT_GT(1000000000000ULL + CLOCK_BOUND_NS * 50, c);

	/* With KVM_CLOCK_REALTIME the time since d.realtime is added. */
	clock_gettime(CLOCK_REALTIME, &ts);
	real = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	d.clock = 2000000000000ULL;
	d.realtime = real - 3000000000ULL;
	d.flags = KVM_CLOCK_REALTIME;
	ASSERT_EQ(0, ioctl(t.vm, KVM_SET_CLOCK, &d));
	c = vm_clock(t.vm, NULL);
	EXPECT_LE(2003000000000ULL, c);
	EXPECT_GT(2003000000000ULL + CLOCK_BOUND_NS * 50, c);

	/* What KVM_GET_CLOCK reports goes back in as it is. */
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_CLOCK, &d));
	d.flags &= ~KVM_CLOCK_REALTIME;
	EXPECT_EQ(0, ioctl(t.vm, KVM_SET_CLOCK, &d));
	vt_vm_destroy(&t);
}

/* The guest's CPUID leaves are the ones the VMM set, not the module's. */
TEST(guest_cpuid)
{
	struct kvm_cpuid_entry2 *feat;
	struct kvm_cpuid2 *c;
	struct vt_vm t;
	uint32_t *out;

	ASSERT_EQ(0, guest_setup(&t, g_cpuid, g_cpuid_end - g_cpuid));
	c = supported_cpuid(t.sys);
	ASSERT_NE(NULL, c);
	feat = leaf(c, KVM_CPUID_FEATURES);
	ASSERT_NE(NULL, feat);
	feat->eax = 1u << KVM_FEATURE_CLOCKSOURCE2;
	feat->edx = 0;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_CPUID2, c));
	free(c);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	ASSERT_EQ(0x12, t.run->io.port);
	out = (uint32_t *)(t.mem + CPUID_OUT);
	EXPECT_LE((uint32_t)KVM_CPUID_FEATURES, out[0]);
	EXPECT_EQ(0, memcmp(&out[1], "KVMKVMKVM\0\0\0", 12));
	EXPECT_EQ(1u << KVM_FEATURE_CLOCKSOURCE2, out[4]);
	vt_vm_destroy(&t);
}

/*
 * One vCPU reads its clock again and again, moved between host CPUs:
 * version even, the stable bit only as the VM's clock and CPUID allow,
 * within the bound of KVM_GET_CLOCK, and never back (beyond the bound
 * without the stable bit).
 */
TEST(guest_reads_clock)
{
	struct kvm_cpuid_entry2 *feat;
	uint64_t before, after, ns, last = 0, worst = 0;
	struct kvm_cpuid2 *c;
	struct sample s;
	struct vt_vm t;
	int i;

	ASSERT_EQ(0, guest_setup(&t, g_clock, g_clock_end - g_clock));
	ASSERT_EQ(0, set_rsi(t.vcpu, PVCLOCK0));
	c = supported_cpuid(t.sys);
	ASSERT_NE(NULL, c);
	feat = leaf(c, KVM_CPUID_FEATURES);
	ASSERT_NE(NULL, feat);
	for (i = 0; i < 40; i++) {
		pin(i / 4);
		ASSERT_EQ(0, take_sample(&t, t.vcpu, t.run, PVCLOCK0, &s,
					 &before, &after))
			TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
		ns = sample_ns(&s);
		if (outside(ns, before, after) > worst)
			worst = outside(ns, before, after);
		EXPECT_EQ(0u, s.version & 1);
		EXPECT_NE(0u, s.mul);
		EXPECT_LE(s.tsc_timestamp, s.tsc);
		EXPECT_LE(before, ns + CLOCK_BOUND_NS)
			TH_LOG("sample %d: guest %llu, before %llu", i,
			       (unsigned long long)ns, (unsigned long long)before);
		EXPECT_GE(after + CLOCK_BOUND_NS, ns)
			TH_LOG("sample %d: guest %llu, after %llu", i,
			       (unsigned long long)ns, (unsigned long long)after);
		if (s.flags & PVCLOCK_TSC_STABLE_BIT) {
			EXPECT_NE(0u, after_flags & KVM_CLOCK_TSC_STABLE);
			EXPECT_NE(0u, feat->eax &
				    (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT));
			EXPECT_LE(last, ns);
		} else {
			EXPECT_LE(last, ns + CLOCK_BOUND_NS);
		}
		last = ns;
	}
	TH_LOG("worst reading %llu ns off, stable bit %u",
	       (unsigned long long)worst, s.flags & PVCLOCK_TSC_STABLE_BIT);
	pin(0);
	free(c);
	vt_vm_destroy(&t);
}

/* Two vCPUs take turns: one timeline, as above. */
TEST(two_vcpus)
{
	uint64_t before, after, ns, last = 0, worst = 0;
	struct sample s;
	struct vcpu v1;
	struct vt_vm t;
	int i;

	ASSERT_EQ(0, guest_setup(&t, g_clock, g_clock_end - g_clock));
	ASSERT_EQ(0, add_vcpu(&t, 1, &v1));
	ASSERT_EQ(0, set_rsi(t.vcpu, PVCLOCK0));
	ASSERT_EQ(0, set_rsi(v1.fd, PVCLOCK1));
	for (i = 0; i < 40; i++) {
		int fd = i & 1 ? v1.fd : t.vcpu;
		struct kvm_run *run = i & 1 ? v1.run : t.run;
		uint64_t base = i & 1 ? PVCLOCK1 : PVCLOCK0;

		ASSERT_EQ(0, take_sample(&t, fd, run, base, &s, &before, &after))
			TH_LOG("vCPU %d: exit %s", i & 1,
			       vt_exit_name(run->exit_reason));
		ns = sample_ns(&s);
		if (outside(ns, before, after) > worst)
			worst = outside(ns, before, after);
		EXPECT_EQ(0u, s.version & 1);
		EXPECT_LE(before, ns + CLOCK_BOUND_NS);
		EXPECT_GE(after + CLOCK_BOUND_NS, ns);
		if (s.flags & PVCLOCK_TSC_STABLE_BIT) {
			EXPECT_LE(last, ns) TH_LOG("sample %d", i);
		} else {
			EXPECT_LE(last, ns + CLOCK_BOUND_NS) TH_LOG("sample %d", i);
		}
		last = ns;
	}
	TH_LOG("worst reading %llu ns off", (unsigned long long)worst);
	munmap(v1.run, v1.run_size);
	close(v1.fd);
	vt_vm_destroy(&t);
}

/* KVM_SET_CLOCK while the guest has the clock: its next reading follows. */
TEST(set_clock_guest_sees)
{
	uint64_t before, after, ns;
	struct kvm_clock_data d = { 0 };
	struct sample s;
	struct vt_vm t;

	ASSERT_EQ(0, guest_setup(&t, g_clock, g_clock_end - g_clock));
	ASSERT_EQ(0, set_rsi(t.vcpu, PVCLOCK0));
	ASSERT_EQ(0, take_sample(&t, t.vcpu, t.run, PVCLOCK0, &s, &before, &after));
	EXPECT_GT(1000000000ULL, sample_ns(&s));

	d.clock = 5000000000000ULL;
	ASSERT_EQ(0, ioctl(t.vm, KVM_SET_CLOCK, &d));
	ASSERT_EQ(0, take_sample(&t, t.vcpu, t.run, PVCLOCK0, &s, &before, &after));
	ns = sample_ns(&s);
	EXPECT_LE(5000000000000ULL, ns + CLOCK_BOUND_NS);
	EXPECT_LE(before, ns + CLOCK_BOUND_NS);
	EXPECT_GE(after + CLOCK_BOUND_NS, ns);

	/* And back. */
	d.clock = 7000000000ULL;
	ASSERT_EQ(0, ioctl(t.vm, KVM_SET_CLOCK, &d));
	ASSERT_EQ(0, take_sample(&t, t.vcpu, t.run, PVCLOCK0, &s, &before, &after));
	ns = sample_ns(&s);
	EXPECT_LE(7000000000ULL, ns + CLOCK_BOUND_NS);
	EXPECT_GE(after + CLOCK_BOUND_NS, ns);
	vt_vm_destroy(&t);
}

/*
 * The VMM moves the guest's TSC back (a restore, a reset): the structure
 * follows the new offset, and the time does not jump with the TSC.
 */
TEST(tsc_write)
{
	uint64_t before, after, ns;
	struct sample s;
	struct vt_vm t;

	ASSERT_EQ(0, guest_setup(&t, g_clock, g_clock_end - g_clock));
	ASSERT_EQ(0, set_rsi(t.vcpu, PVCLOCK0));
	ASSERT_EQ(0, take_sample(&t, t.vcpu, t.run, PVCLOCK0, &s, &before, &after));
	ASSERT_EQ(1, set_msr(t.vcpu, MSR_IA32_TSC, 1000));
	ASSERT_EQ(0, take_sample(&t, t.vcpu, t.run, PVCLOCK0, &s, &before, &after));
	ns = sample_ns(&s);
	EXPECT_LE(s.tsc_timestamp, s.tsc);
	EXPECT_LE(before, ns + CLOCK_BOUND_NS)
		TH_LOG("guest %llu, before %llu", (unsigned long long)ns,
		       (unsigned long long)before);
	EXPECT_GE(after + CLOCK_BOUND_NS, ns)
		TH_LOG("guest %llu, after %llu", (unsigned long long)ns,
		       (unsigned long long)after);
	vt_vm_destroy(&t);
}

/* The wall clock plus the VM's clock is the host's real time. */
TEST(wall_clock)
{
	struct kvm_clock_data d = { 0 };
	uint32_t version, sec, nsec;
	struct timespec ts;
	uint64_t before, after, wall;
	struct vt_vm t;

	ASSERT_EQ(0, guest_setup(&t, g_wall, g_wall_end - g_wall));
	/* Junk where the structure goes: nothing of it is read back. */
	memset(t.mem + WALL, 0xa5, 12);
	d.clock = 3000000000000ULL;
	ASSERT_EQ(0, ioctl(t.vm, KVM_SET_CLOCK, &d));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	ASSERT_EQ(0x11, t.run->io.port);
	memcpy(&version, t.mem + WALL, 4);
	memcpy(&sec, t.mem + WALL + 4, 4);
	memcpy(&nsec, t.mem + WALL + 8, 4);
	EXPECT_EQ(0u, version & 1);
	EXPECT_GT(1000000000u, nsec);
	EXPECT_EQ((uint64_t)WALL, get_msr(t.vcpu, MSR_KVM_WALL_CLOCK_NEW));

	clock_gettime(CLOCK_REALTIME, &ts);
	before = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_CLOCK, &d));
	clock_gettime(CLOCK_REALTIME, &ts);
	after = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	wall = sec * 1000000000ULL + nsec + d.clock;
	EXPECT_GE(wall + WALL_BOUND_NS, before)
		TH_LOG("wall %llu real %llu", (unsigned long long)wall,
		       (unsigned long long)before);
	EXPECT_LE(wall, after + WALL_BOUND_NS)
		TH_LOG("wall %llu real %llu", (unsigned long long)wall,
		       (unsigned long long)after);
	TH_LOG("wall clock %llu ns off", (unsigned long long)outside(wall, before, after));
	vt_vm_destroy(&t);
}

/*
 * KVM_KVMCLOCK_CTRL: the structure says PVCLOCK_GUEST_STOPPED from the
 * next entry on, through any rewrite, until the guest takes the bit away.
 */
TEST(kvmclock_ctrl)
{
	struct kvm_clock_data d = { 0 };
	uint8_t *flags;
	struct vt_vm t;

	ASSERT_EQ(0, guest_setup(&t, g_out, g_out_end - g_out));
	flags = t.mem + PVCLOCK0 + PVCLOCK_FLAGS;
	EXPECT_EQ(1, ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_KVMCLOCK_CTRL));
	/* Not before the guest's clock is on */
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_KVMCLOCK_CTRL, 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(1, set_msr(t.vcpu, MSR_KVM_SYSTEM_TIME_NEW, PVCLOCK0 | 1));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0, *flags & PVCLOCK_GUEST_STOPPED);

	EXPECT_EQ(0, ioctl(t.vcpu, KVM_KVMCLOCK_CTRL, 0));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(PVCLOCK_GUEST_STOPPED, *flags & PVCLOCK_GUEST_STOPPED);
	EXPECT_EQ(0u, *(uint32_t *)(t.mem + PVCLOCK0) & 1);

	/* The guest clears it, as Linux does: it stays clear */
	*flags &= ~PVCLOCK_GUEST_STOPPED;
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0, *flags & PVCLOCK_GUEST_STOPPED);

	/* Set again, it survives the rewrite a KVM_SET_CLOCK causes */
	EXPECT_EQ(0, ioctl(t.vcpu, KVM_KVMCLOCK_CTRL, 0));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(PVCLOCK_GUEST_STOPPED, *flags & PVCLOCK_GUEST_STOPPED);
	d.clock = 3000000000ULL;
	ASSERT_EQ(0, ioctl(t.vm, KVM_SET_CLOCK, &d));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_LE(3000000000ULL, *(uint64_t *)(t.mem + PVCLOCK0 + 16));
	EXPECT_EQ(PVCLOCK_GUEST_STOPPED, *flags & PVCLOCK_GUEST_STOPPED);

	/* Off again: -EINVAL */
	ASSERT_EQ(1, set_msr(t.vcpu, MSR_KVM_SYSTEM_TIME_NEW, PVCLOCK0));
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_KVMCLOCK_CTRL, 0));
	EXPECT_EQ(EINVAL, errno);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
