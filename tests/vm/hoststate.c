// SPDX-License-Identifier: GPL-2.0
/*
 * Host state a guest must neither see nor disturb: the debug registers (a
 * host hardware watchpoint set with perf keeps firing, the guest reads and
 * keeps only its own DR0-3/DR6/DR7, KVM_{GET,SET}_DEBUGREGS), the SYSCALL
 * MSRs (a guest's SYSCALL goes to its own LSTAR, 0 after reset, never into
 * the host kernel) and TSC_AUX (RDTSCP and RDPID return the guest's value,
 * and the host's getcpu() is right again afterwards).  The segment state a
 * VT-x exit leaves behind (selectors, the LDT, the GDT and TSS limits, the
 * FS and GS bases), for the VMM's thread and for another thread of it that
 * shares its CPU, while the vCPU's thread is preempted and moved in the
 * middle of long runs of exits the kernel handles; the GS base the VMM
 * thread writes between two runs, and the LDT another thread of it
 * rewrites in the middle of one, both kept by the runs that follow (the
 * host state a backend saves once and reloads after each exit).
 */
#include <asm/ldt.h>
#include <asm/prctl.h>
#include <cpuid.h>
#include <errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_proc.h"

#define MEM		0x20000
#define CODE		0x1000
#define LANDING		0x3000	/* LSTAR set by KVM_SET_MSRS */
#define VECTORS		0x4000	/* a 32-byte stub per exception vector */
#define DATA		0x5000	/* what the guest reports */
#define FAULT_CR2	0x5100
#define DR7_VALUE	0x5200	/* what the guest writes to DR7 */
#define STACK		0x5f00
#define IDT		0x6000
#define GDT		0x7000
#define PT		0x8000
#define PORT_EXC	0xee	/* an exception stub: AL = its vector */

#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_CSTAR	0xc0000083
#define MSR_SFMASK	0xc0000084
#define MSR_TSC_AUX	0xc0000103

#define DR6_RESET	0xffff0ff0ULL
#define DR7_RESET	0x400ULL
/*
 * What the guest writes to DR7: breakpoint 0 on 8-byte writes, enabled
 * (L0) where the CPU is not QEMU's TCG: QEMU 7.2 reloads the host's DR7 at
 * #VMEXIT without disarming what the guest's DR7 armed, and the host's next
 * DR7 write then crashes it, under kvm.ko as under vireo.ko.
 */
#define GUEST_DR7	0xd0401ULL
#define GUEST_DR7_TCG	0xd0400ULL

/*
 * Guest code is assembled with the test program and copied into guest
 * memory: position-independent, absolute addresses are guest-physical.
 */
#define GUEST(name, body)						\
	extern const uint8_t name[], name##_end[];			\
	asm(".pushsection .rodata\n" #name ":\n" body "\n"		\
	    #name "_end:\n.popsection")

#define SAVE_DRS(base)							\
	"mov %dr0, %rax\n mov %rax, " #base "\n"			\
	"mov %dr1, %rax\n mov %rax, " #base "+8\n"			\
	"mov %dr2, %rax\n mov %rax, " #base "+16\n"			\
	"mov %dr3, %rax\n mov %rax, " #base "+24\n"			\
	"mov %dr6, %rax\n mov %rax, " #base "+32\n"			\
	"mov %dr7, %rax\n mov %rax, " #base "+40\n"

GUEST(g_dr,
	SAVE_DRS(0x5000)
	"out %al, $0x10\n"
	"mov $0x7f000, %rax\n mov %rax, %dr0\n"
	"mov $0x7f100, %rax\n mov %rax, %dr1\n"
	"mov $0x7f200, %rax\n mov %rax, %dr2\n"
	"mov $0x7f300, %rax\n mov %rax, %dr3\n"
	"mov 0x5200, %rax\n mov %rax, %dr7\n"
	"out %al, $0x11\n"
	SAVE_DRS(0x5040)
	"out %al, $0x12\n"
	SAVE_DRS(0x5080)
	"out %al, $0x13\n"
	"hlt\n");

GUEST(g_syscall, "syscall\n out %al, $0x1f\n hlt\n");

GUEST(g_rdtscp, "1: rdtscp\n mov %rcx, 0x5000\n out %al, $0x10\n jmp 1b\n");

/* RDPID RAX, spelled out for assemblers that lack it */
GUEST(g_rdpid, "1: .byte 0xf3, 0x0f, 0xc7, 0xf8\n"
	       "mov %rax, 0x5000\n out %al, $0x10\n jmp 1b\n");

GUEST(g_wrmsr_aux,
	"mov $0xc0000103, %ecx\n mov $0x789, %eax\n xor %edx, %edx\n wrmsr\n"
	"rdtscp\n mov %rcx, 0x5000\n out %al, $0x10\n hlt\n");

GUEST(g_rdmsr_aux,
	"mov $0xc0000103, %ecx\n rdmsr\n mov %rax, 0x5000\n"
	"out %al, $0x10\n hlt\n");

#define EXPECT_PORT(t, p) do { \
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason)); \
	if ((t)->run->io.port == PORT_EXC) \
		TH_LOG("guest exception %u, CR2 %#llx", vt_io_data(t)[0], \
		       (unsigned long long)guest_u64(t, FAULT_CR2)); \
	ASSERT_EQ(p, (t)->run->io.port); \
} while (0)

#define RUN_TO_PORT(t, p) do { \
	ASSERT_EQ(0, vt_run(t)); \
	EXPECT_PORT(t, p); \
} while (0)

struct msrs {
	struct kvm_msrs h;
	struct kvm_msr_entry e[1];
};

static uint64_t guest_u64(struct vt_vm *t, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, t->mem + gpa, sizeof(v));
	return v;
}

static int set_msr(struct vt_vm *t, uint32_t index, uint64_t data)
{
	struct msrs m = { .h.nmsrs = 1, .e[0] = { .index = index, .data = data } };

	return ioctl(t->vcpu, KVM_SET_MSRS, &m);
}

static int get_msr(struct vt_vm *t, uint32_t index, uint64_t *data)
{
	struct msrs m = { .h.nmsrs = 1, .e[0].index = index };
	int r = ioctl(t->vcpu, KVM_GET_MSRS, &m);

	*data = m.e[0].data;
	return r;
}

/* The host's supported CPUID, less @clear_rdtscp's bits, as the vCPU's. */
static int set_cpuid(struct vt_vm *t, bool clear_rdtscp)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
				      256 * sizeof(c->entries[0]));
	uint32_t i;
	int r = 0;

	if (!c)
		return -ENOMEM;
	c->nent = 256;
	if (ioctl(t->sys, KVM_GET_SUPPORTED_CPUID, c)) {
		r = -errno;
		goto out;
	}
	for (i = 0; i < c->nent && clear_rdtscp; i++) {
		if (c->entries[i].function == 0x80000001)
			c->entries[i].edx &= ~(1u << 27);
		if (c->entries[i].function == 7 && c->entries[i].index == 0)
			c->entries[i].ecx &= ~(1u << 22);
	}
	if (ioctl(t->vcpu, KVM_SET_CPUID2, c))
		r = -errno;
out:
	free(c);
	return r;
}

/*
 * A 64-bit guest at CODE running @code, with a GDT, a stack and an IDT
 * whose every exception stub reports its vector on PORT_EXC (and CR2).
 */
static void setup64(struct __test_metadata *_metadata, struct vt_vm *t,
		    const uint8_t *code, const uint8_t *end)
{
	static const uint64_t gdt[] = {
		0, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL,
	};
	uint64_t *idt;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	unsigned int v;

	ASSERT_EQ(0, vt_vm_create(t, MEM, CODE));
	memcpy(t->mem + CODE, code, end - code);
	memcpy(t->mem + GDT, gdt, sizeof(gdt));
	idt = (uint64_t *)(t->mem + IDT);
	for (v = 0; v < 32; v++) {
		static const uint8_t stub[] = {
			0x0f, 0x20, 0xd0,			/* mov rax, cr2 */
			0x48, 0x89, 0x04, 0x25, 0x00, 0x51, 0, 0, /* mov [FAULT_CR2], rax */
			0xb0, 0x00,				/* mov al, vector */
			0xe6, PORT_EXC,				/* out PORT_EXC, al */
			0xf4,					/* hlt */
		};
		uint64_t h = VECTORS + v * 32;

		memcpy(t->mem + h, stub, sizeof(stub));
		t->mem[h + 12] = v;
		idt[2 * v] = (h & 0xffff) | 8 << 16 | 0x8eULL << 40 |
			     (h >> 16) << 48;
		idt[2 * v + 1] = 0;
	}
	ASSERT_EQ(0, vt_long_mode(t, PT));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_SREGS, &sr));
	sr.gdt.base = GDT;
	sr.gdt.limit = sizeof(gdt) - 1;
	sr.idt.base = IDT;
	sr.idt.limit = 32 * 16 - 1;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_SREGS, &sr));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &regs));
	regs.rsp = STACK;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_REGS, &regs));
}

/* What the host watches with a hardware breakpoint. */
static volatile uint64_t watched __attribute__((aligned(8)));

static int watch(void)
{
	struct perf_event_attr pe = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(pe),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (uintptr_t)&watched,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	return syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
}

static uint64_t hits(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return ~0ULL;
	return n;
}

/* The host writes what it watches: its breakpoint must count the write. */
#define EXPECT_HOST_BREAKPOINT(fd, what) do { \
	uint64_t before = hits(fd); \
	watched++; \
	EXPECT_EQ(before + 1, hits(fd)) \
		TH_LOG("the host's watchpoint did not fire %s", what); \
} while (0)

/* Is this the CPU of QEMU's TCG (CPUID hypervisor leaf "TCGTCGTCGTCG")? */
static bool host_is_tcg(void)
{
	uint32_t r[4] = { 0 };

	__cpuid(0x40000000, r[0], r[1], r[2], r[3]);
	return r[1] == 0x54474354 && r[2] == 0x43544743 && r[3] == 0x47435447;
}

static void expect_drs(struct __test_metadata *_metadata, struct vt_vm *t,
		       uint64_t base, const uint64_t want[6])
{
	static const char *const name[] = {
		"DR0", "DR1", "DR2", "DR3", "DR6", "DR7",
	};
	int i;

	for (i = 0; i < 6; i++) {
		uint64_t v = guest_u64(t, base + 8 * i);

		EXPECT_EQ(want[i], v)
			TH_LOG("guest %s = %#llx%s", name[i],
			       (unsigned long long)v,
			       v == (uintptr_t)&watched ?
			       ": the host's watchpoint address" : "");
	}
}

TEST(debug_registers)
{
	static const uint64_t reset[6] = { 0, 0, 0, 0, DR6_RESET, DR7_RESET };
	uint64_t own[6] = {
		0x7f000, 0x7f100, 0x7f200, 0x7f300, DR6_RESET, GUEST_DR7,
	};
	static const uint64_t set[6] = {
		0x6000a0, 0x6000b0, 0x6000c0, 0x6000d0, DR6_RESET, DR7_RESET,
	};
	struct kvm_debugregs dr;
	struct vt_vm t;
	int fd, i;

	fd = watch();
	if (fd < 0)
		SKIP(return, "no hardware breakpoints through perf (errno %d)",
		     errno);
	EXPECT_HOST_BREAKPOINT(fd, "before any guest ran");
	setup64(_metadata, &t, g_dr, g_dr_end);
	if (host_is_tcg())
		own[5] = GUEST_DR7_TCG;
	memcpy(t.mem + DR7_VALUE, &own[5], sizeof(own[5]));

	/* Reset values, never the host's watchpoint. */
	RUN_TO_PORT(&t, 0x10);
	expect_drs(_metadata, &t, DATA, reset);
	EXPECT_HOST_BREAKPOINT(fd, "after a guest exit");
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_DEBUGREGS, &dr));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0ULL, dr.db[i]);
	EXPECT_EQ(DR7_RESET, dr.dr7);

	/* The guest's own values take nothing from the host... */
	RUN_TO_PORT(&t, 0x11);
	EXPECT_HOST_BREAKPOINT(fd, "after the guest wrote DR0-3 and DR7");
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_DEBUGREGS, &dr));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(own[i], dr.db[i]);
	EXPECT_EQ(own[5], dr.dr7);
	EXPECT_EQ(0u, dr.flags);

	/* ...and stay the guest's across exits and host breakpoints. */
	RUN_TO_PORT(&t, 0x12);
	expect_drs(_metadata, &t, DATA + 0x40, own);
	EXPECT_HOST_BREAKPOINT(fd, "after the guest ran with its DR7 enabled");

	/* Userspace's values are what the guest reads next. */
	memset(&dr, 0, sizeof(dr));
	for (i = 0; i < 4; i++)
		dr.db[i] = set[i];
	dr.dr6 = DR6_RESET;
	dr.dr7 = DR7_RESET;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_DEBUGREGS, &dr));
	RUN_TO_PORT(&t, 0x13);
	expect_drs(_metadata, &t, DATA + 0x80, set);
	EXPECT_HOST_BREAKPOINT(fd, "after KVM_SET_DEBUGREGS and a guest run");

	/* kvm.ko's checks: no flags, nothing in the upper halves. */
	dr.flags = 1;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_DEBUGREGS, &dr));
	EXPECT_EQ(EINVAL, errno);
	dr.flags = 0;
	dr.dr7 = 1ULL << 32;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_DEBUGREGS, &dr));
	EXPECT_EQ(EINVAL, errno);
	dr.dr7 = DR7_RESET;
	dr.dr6 = 1ULL << 32;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_DEBUGREGS, &dr));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	EXPECT_HOST_BREAKPOINT(fd, "after the guest halted");
	vt_vm_destroy(&t);
	close(fd);
}

/* Where a SYSCALL lands: a stub that reports @port. */
static void landing(struct vt_vm *t, uint64_t gpa, uint8_t port)
{
	t->mem[gpa] = 0xe6;		/* out port, al */
	t->mem[gpa + 1] = port;
	t->mem[gpa + 2] = 0xf4;		/* hlt */
}

static void enable_syscall(struct __test_metadata *_metadata,
			   struct vt_vm *t)
{
	struct kvm_sregs sr;

	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_SREGS, &sr));
	sr.efer |= 1;			/* SCE */
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_SREGS, &sr));
}

TEST(syscall_lstar_reset)
{
	static const uint32_t idx[] = {
		MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
	};
	struct kvm_regs regs;
	struct vt_vm t;
	uint64_t v;
	unsigned int i;

	setup64(_metadata, &t, g_syscall, g_syscall_end);
	landing(&t, 0, 0x42);
	enable_syscall(_metadata, &t);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, get_msr(&t, idx[i], &v));
		EXPECT_EQ(0ULL, v) TH_LOG("MSR %#x = %#llx after reset", idx[i],
				       (unsigned long long)v);
	}
	/* LSTAR 0: SYSCALL goes to RIP 0, with RCX the next instruction. */
	RUN_TO_PORT(&t, 0x42);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(CODE + 2ULL, regs.rcx);
	vt_vm_destroy(&t);
}

TEST(syscall_lstar_set)
{
	struct kvm_regs regs;
	struct vt_vm t;
	int i;

	/* Twice: the second run starts with the first one's MSRs loaded. */
	for (i = 0; i < 2; i++) {
		setup64(_metadata, &t, g_syscall, g_syscall_end);
		landing(&t, 0, 0x42);
		landing(&t, LANDING + i * 0x10, 0x43 + i);
		enable_syscall(_metadata, &t);
		ASSERT_EQ(1, set_msr(&t, MSR_LSTAR, LANDING + i * 0x10));
		RUN_TO_PORT(&t, 0x43 + i);
		ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
		EXPECT_EQ(CODE + 2ULL, regs.rcx);
		vt_vm_destroy(&t);
	}
}

static bool host_has(uint32_t leaf, int reg, int bit)
{
	uint32_t r[4];

	if (!__get_cpuid_count(leaf, 0, &r[0], &r[1], &r[2], &r[3]))
		return false;
	return r[reg] & (1u << bit);
}

static bool host_has_rdtscp(void)
{
	return host_has(0x80000001, 3, 27);
}

static bool host_has_rdpid(void)
{
	return host_has(7, 2, 22);
}

static __attribute__((noinline)) bool host_is_intel(void)
{
	uint32_t r[4] = { 0 };

	__get_cpuid(0, &r[0], &r[1], &r[2], &r[3]);
	return r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
}

static uint32_t host_rdtscp_aux(void)
{
	uint32_t lo, hi, aux;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

/* The host's own idea of its CPU must agree with the kernel's. */
static void expect_host_cpu(struct __test_metadata *_metadata, int cpu)
{
	unsigned int k = ~0u;

	ASSERT_EQ(0, syscall(SYS_getcpu, &k, NULL, NULL));
	ASSERT_EQ((unsigned int)cpu, k);
	EXPECT_EQ((uint32_t)cpu, host_rdtscp_aux() & 0xfff)
		TH_LOG("host RDTSCP: TSC_AUX %#x on CPU %d",
		       host_rdtscp_aux(), cpu);
	EXPECT_EQ(cpu, sched_getcpu());
}

TEST(tsc_aux)
{
	uint32_t values[2] = { 0x123, 0xabc };
	struct vt_vm t, p;
	cpu_set_t all, one;
	int cpu, ncpu = 0, k, sys;
	uint64_t v;

	if (!host_has_rdtscp())
		SKIP(return, "the host CPU has no RDTSCP");
	sys = vt_open_dev();
	ASSERT_GE(sys, 0);
	EXPECT_EQ(1, vt_msr_listed(sys, MSR_TSC_AUX))
		TH_LOG("TSC_AUX not in KVM_GET_MSR_INDEX_LIST");
	close(sys);

	setup64(_metadata, &t, g_rdtscp, g_rdtscp_end);
	ASSERT_EQ(0, set_cpuid(&t, false));
	if (host_has_rdpid()) {
		setup64(_metadata, &p, g_rdpid, g_rdpid_end);
		ASSERT_EQ(0, set_cpuid(&p, false));
	}
	EXPECT_EQ(1, get_msr(&t, MSR_TSC_AUX, &v));
	EXPECT_EQ(0ULL, v);

	/* On each CPU, each value; the host's is back after every run. */
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(all), &all));
	for (cpu = 0; cpu < CPU_SETSIZE && ncpu < 4; cpu++) {
		if (!CPU_ISSET(cpu, &all))
			continue;
		ncpu++;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
		for (k = 0; k < 2; k++) {
			EXPECT_EQ(1, set_msr(&t, MSR_TSC_AUX, values[k] + cpu));
			RUN_TO_PORT(&t, 0x10);
			EXPECT_EQ(values[k] + cpu, guest_u64(&t, DATA))
				TH_LOG("guest RDTSCP on CPU %d: TSC_AUX %#llx",
				       cpu, (unsigned long long)
				       guest_u64(&t, DATA));
			expect_host_cpu(_metadata, cpu);
			if (!host_has_rdpid())
				continue;
			EXPECT_EQ(1, set_msr(&p, MSR_TSC_AUX, values[k] - cpu));
			RUN_TO_PORT(&p, 0x10);
			EXPECT_EQ(values[k] - cpu, guest_u64(&p, DATA))
				TH_LOG("guest RDPID on CPU %d", cpu);
			expect_host_cpu(_metadata, cpu);
		}
	}
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(all), &all));
	if (host_has_rdpid())
		vt_vm_destroy(&p);
	vt_vm_destroy(&t);

	/* The guest's WRMSR, seen by its RDTSCP and by KVM_GET_MSRS. */
	setup64(_metadata, &t, g_wrmsr_aux, g_wrmsr_aux_end);
	ASSERT_EQ(0, set_cpuid(&t, false));
	RUN_TO_PORT(&t, 0x10);
	EXPECT_EQ(0x789ULL, guest_u64(&t, DATA));
	ASSERT_EQ(1, get_msr(&t, MSR_TSC_AUX, &v));
	EXPECT_EQ(0x789ULL, v);
	expect_host_cpu(_metadata, sched_getcpu());
	vt_vm_destroy(&t);
}

/*
 * Without RDTSCP and RDPID in its CPUID the guest has no TSC_AUX MSR.  As
 * under kvm.ko, RDTSCP raises #UD on VT-x and runs on AMD-V; RDPID, which
 * AMD-V cannot intercept, may run too.  What runs sees the guest's value,
 * never the host's.
 */
TEST(tsc_aux_hidden)
{
	struct vt_vm t;

	if (!host_has_rdtscp())
		SKIP(return, "the host CPU has no RDTSCP");
	setup64(_metadata, &t, g_rdmsr_aux, g_rdmsr_aux_end);
	ASSERT_EQ(0, set_cpuid(&t, true));
	ASSERT_EQ(1, set_msr(&t, MSR_TSC_AUX, 0x5a5));
	RUN_TO_PORT(&t, PORT_EXC);
	EXPECT_EQ(13, vt_io_data(&t)[0]);
	vt_vm_destroy(&t);

	setup64(_metadata, &t, g_rdtscp, g_rdtscp_end);
	ASSERT_EQ(0, set_cpuid(&t, true));
	ASSERT_EQ(1, set_msr(&t, MSR_TSC_AUX, 0x5a5));
	if (host_is_intel()) {
		RUN_TO_PORT(&t, PORT_EXC);
		EXPECT_EQ(6, vt_io_data(&t)[0]);
	} else {
		RUN_TO_PORT(&t, 0x10);
		EXPECT_EQ(0x5a5ULL, guest_u64(&t, DATA));
	}
	vt_vm_destroy(&t);

	if (!host_has_rdpid())
		return;
	setup64(_metadata, &t, g_rdpid, g_rdpid_end);
	ASSERT_EQ(0, set_cpuid(&t, true));
	ASSERT_EQ(1, set_msr(&t, MSR_TSC_AUX, 0x5a5));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	if (t.run->io.port == PORT_EXC) {
		EXPECT_EQ(6, vt_io_data(&t)[0]);
	} else {
		EXPECT_EQ(0x10, t.run->io.port);
		EXPECT_EQ(0x5a5ULL, guest_u64(&t, DATA));
	}
	TH_LOG("RDPID hidden from CPUID on %s: %s",
	       host_is_intel() ? "Intel" : "AMD",
	       t.run->io.port == PORT_EXC ? "#UD" : "runs");
	vt_vm_destroy(&t);
}

/*
 * Segments.  The guest: its own selectors, FS and GS bases and
 * KERNEL_GS_BASE, new values each iteration, then (GS swapped) a
 * hypercall and a CPUID, exits the kernel handles, and a check of them
 * all; SEG_ITERS iterations, then the count of lost values (SEG_BAD) and
 * a report (port 0x10), for ever.  The hypercall instruction is the
 * host's vendor's (patched in at SEG_HC).
 */
#define SEG_ITERS	"2000"
#define SEG_BAD		0x5000
#define SEG_ROUND	0x5008

#define SEG_WRMSR(idx, off)						\
	"lea " off "(%rsi), %rax\n mov %rax, %rdx\n shr $32, %rdx\n"	\
	"mov $" idx ", %ecx\n wrmsr\n"
#define SEG_CHECK_MSR(idx, off)						\
	"mov $" idx ", %ecx\n rdmsr\n shl $32, %rdx\n or %rdx, %rax\n"	\
	"lea " off "(%rsi), %rdi\n cmp %rdi, %rax\n setne %cl\n"		\
	"movzbl %cl, %ecx\n add %rcx, %r15\n"
#define SEG_CHECK_SEL(seg)						\
	"mov %" seg ", %eax\n cmp $0x10, %ax\n setne %cl\n"		\
	"movzbl %cl, %ecx\n add %rcx, %r15\n"

GUEST(g_seg,
	"mov $0x10, %eax\n mov %eax, %ds\n mov %eax, %es\n"
	"mov %eax, %fs\n mov %eax, %gs\n"
	"xor %r14d, %r14d\n"
	"1: add $0x100000, %r14\n"
	"xor %r15d, %r15d\n"
	"mov $" SEG_ITERS ", %r12d\n"
	"2: lea 0x1000000(%r14, %r12), %rsi\n"
	SEG_WRMSR("0xc0000100", "0")
	SEG_WRMSR("0xc0000101", "0x1000")
	SEG_WRMSR("0xc0000102", "0x2000")
	"swapgs\n"
	"mov $0x7fff0000, %eax\n"
	".globl g_seg_hc\n g_seg_hc: vmcall\n"
	"xor %eax, %eax\n cpuid\n"
	"swapgs\n"
	SEG_CHECK_MSR("0xc0000100", "0")
	SEG_CHECK_MSR("0xc0000101", "0x1000")
	SEG_CHECK_MSR("0xc0000102", "0x2000")
	SEG_CHECK_SEL("ds")
	SEG_CHECK_SEL("es")
	SEG_CHECK_SEL("fs")
	SEG_CHECK_SEL("gs")
	SEG_CHECK_SEL("ss")
	"dec %r12d\n jnz 2b\n"
	"mov %r15, 0x5000\n mov %r14, 0x5008\n"
	"out %al, $0x10\n"
	"jmp 1b\n");
extern const uint8_t g_seg_hc[];

/* An LDT data segment, loaded into DS, ES, FS and GS when the host can. */
#define LDT_SEL		((0 << 3) | 4 | 3)
#define LDT_BASE	0x12340000ULL
#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE	(1 << 1)
#endif

/* What a thread of the VMM expects its segment registers to hold. */
struct seg_state {
	uint16_t ds, es, fs, gs;
	uint64_t fs_base, gs_base;
	uint16_t gdt_limit;
	bool ldt;		/* LDT_SEL readable (its LDT loaded) */
};

static bool seg_fsgsbase, seg_have_ldt, seg_sgdt;

static uint64_t seg_fs_base(void)
{
	uint64_t v = 0;

	if (seg_fsgsbase)
		asm volatile("rdfsbase %0" : "=r" (v));
	else
		syscall(SYS_arch_prctl, ARCH_GET_FS, &v);
	return v;
}

static uint64_t seg_gs_base(void)
{
	uint64_t v = 0;

	if (seg_fsgsbase)
		asm volatile("rdgsbase %0" : "=r" (v));
	else
		syscall(SYS_arch_prctl, ARCH_GET_GS, &v);
	return v;
}

static bool seg_ldt_readable(void)
{
	uint8_t ok;

	asm volatile("verr %1; setz %0" : "=q" (ok) : "rm" ((uint16_t)LDT_SEL)
		     : "cc");
	return ok;
}

static void seg_read(struct seg_state *st)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdt = { 0 };

	asm volatile("mov %%ds, %0" : "=r" (st->ds));
	asm volatile("mov %%es, %0" : "=r" (st->es));
	asm volatile("mov %%fs, %0" : "=r" (st->fs));
	asm volatile("mov %%gs, %0" : "=r" (st->gs));
	st->fs_base = seg_fs_base();
	st->gs_base = seg_gs_base();
	/* Without UMIP: with it the kernel would answer (and log) for SGDT. */
	if (seg_sgdt)
		asm volatile("sgdt %0" : "=m" (gdt));
	st->gdt_limit = gdt.limit;
	st->ldt = seg_have_ldt && seg_ldt_readable();
}

/* The first difference, or NULL. */
static const char *seg_diff(const struct seg_state *a,
			    const struct seg_state *b)
{
	if (a->ds != b->ds)
		return "DS";
	if (a->es != b->es)
		return "ES";
	if (a->fs != b->fs)
		return "FS";
	if (a->gs != b->gs)
		return "GS";
	if (a->fs_base != b->fs_base)
		return "FS base";
	if (a->gs_base != b->gs_base)
		return "GS base";
	if (a->gdt_limit != b->gdt_limit)
		return "GDT limit";
	if (a->ldt != b->ldt)
		return "LDT";
	return NULL;
}

/*
 * This thread's segments: the LDT's in DS, ES and GS; @gs_base in the GS
 * base where user mode can write it, else the descriptor's.  FS keeps the
 * thread's TLS, selector 0: kvm_intel 6.1 gives a thread with an LDT
 * selector in FS its descriptor's base back, not the one it wrote.
 */
static void seg_dress(struct seg_state *st, uint64_t gs_base)
{
	uint16_t sel = LDT_SEL;

	if (seg_have_ldt)
		asm volatile("mov %0, %%ds\n mov %0, %%es\n mov %0, %%gs"
			     : : "r" (sel));
	if (seg_fsgsbase)
		asm volatile("wrgsbase %0" : : "r" (gs_base));
	else if (!seg_have_ldt)
		syscall(SYS_arch_prctl, ARCH_SET_GS, gs_base);
	seg_read(st);
}

/* Zero selectors again. */
static void seg_undress(void)
{
	uint16_t zero = 0;

	asm volatile("mov %0, %%ds\n mov %0, %%es\n mov %0, %%gs"
		     : : "r" (zero));
}

struct seg_rivals {
	struct vt_mover move;		/* the vCPU's thread */
	volatile int ready;
	volatile long spins, bad;
	char what[64];
};

/* Busy on CPU 0, where the vCPU's thread starts, checking its own state. */
static void *seg_spinner(void *p)
{
	struct seg_rivals *r = p;
	struct seg_state mine, now;
	const char *d;

	vt_pin(0, 0);
	seg_dress(&mine, 0x5a5a5a5a000ULL);
	r->ready = 1;
	while (!r->move.stop) {
		seg_read(&now);
		d = seg_diff(&mine, &now);
		if (d && !r->bad++)
			snprintf(r->what, sizeof(r->what), "%s", d);
		r->spins++;
	}
	return NULL;
}

static sigjmp_buf seg_fault_jmp;
static volatile sig_atomic_t seg_probing;

/* Anything but a probe: say where before dying of it. */
static void seg_on_segv(int sig, siginfo_t *si, void *uc)
{
	const ucontext_t *u = uc;
	char msg[128];
	int n;

	if (seg_probing)
		siglongjmp(seg_fault_jmp, 1);
	n = snprintf(msg, sizeof(msg),
		     "# SIGSEGV in thread %d: RIP %#llx, si_code %d, address %p\n",
		     (int)gettid(), (unsigned long long)u->uc_mcontext.gregs[REG_RIP],
		     si->si_code, si->si_addr);
	if (write(2, msg, n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

/* User-mode port I/O through the TSS's I/O bitmap (ioperm()): no #GP. */
static bool seg_port_ok(void)
{
	bool ok = false;

	if (!sigsetjmp(seg_fault_jmp, 1)) {
		seg_probing = 1;
		asm volatile("inb $0x80, %%al" : : : "eax");
		ok = true;
	}
	seg_probing = 0;
	return ok;
}

static void seg_alarm(int sig)
{
}

TEST(segments_across_preemption)
{
	static const uint8_t vmcall[] = { 0x0f, 0x01, 0xc1 };
	static const uint8_t vmmcall[] = { 0x0f, 0x01, 0xd9 };
	struct user_desc d = {
		.entry_number = 0, .base_addr = LDT_BASE, .limit = 0xfffff,
		.seg_32bit = 1, .limit_in_pages = 1, .useable = 1,
	};
	struct sigaction sa = {
		.sa_sigaction = seg_on_segv, .sa_flags = SA_SIGINFO,
	};
	struct sigaction al = { .sa_handler = seg_alarm };
	struct itimerval it = {
		.it_value.tv_usec = 50000, .it_interval.tv_usec = 50000,
	};
	struct seg_rivals r = { .move.tid = gettid() };
	struct seg_state want, now;
	pthread_t spin_th, move_th;
	bool ports;
	long sw0, sw1;
	uint32_t c[4];
	struct vt_vm t;
	const char *diff;
	int round, rc = 0;

	seg_fsgsbase = getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE;
	seg_have_ldt = !syscall(SYS_modify_ldt, 1, &d, sizeof(d));
	seg_sgdt = !(__get_cpuid_count(7, 0, &c[0], &c[1], &c[2], &c[3]) &&
		     (c[2] & (1u << 2)));
	ports = !ioperm(0x80, 1, 1);
	TH_LOG("FSGSBASE %d, LDT %d, SGDT %d, ioperm %d", seg_fsgsbase,
	       seg_have_ldt, seg_sgdt, ports);
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	if (ports)
		ASSERT_TRUE(seg_port_ok());
	r.move.ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	vt_pin(0, 0);
	seg_dress(&want, 0x2468ace000ULL);
	EXPECT_EQ(seg_have_ldt, want.ldt);

	setup64(_metadata, &t, g_seg, g_seg_end);
	memcpy(t.mem + CODE + (g_seg_hc - g_seg),
	       host_is_intel() ? vmcall : vmmcall, 3);

	ASSERT_EQ(0, pthread_create(&spin_th, NULL, seg_spinner, &r));
	ASSERT_EQ(0, pthread_create(&move_th, NULL, vt_mover, &r.move));
	/* Its selectors in place before any guest runs. */
	while (!r.ready)
		sched_yield();
	sw0 = vt_nivcsw();
	/* Until the thread was preempted and moved a few times, at least. */
	for (round = 0; round < 2 || (round < 100 &&
	     (vt_nivcsw() < sw0 + 3 || (r.move.ncpus > 1 && r.move.moves < 3)));
	     round++) {
		RUN_TO_PORT(&t, 0x10);
		EXPECT_EQ(0ULL, guest_u64(&t, SEG_BAD))
			TH_LOG("round %d: the guest lost %llu values", round,
			       (unsigned long long)guest_u64(&t, SEG_BAD));
		EXPECT_EQ((round + 1) * 0x100000ULL, guest_u64(&t, SEG_ROUND));
		seg_read(&now);
		diff = seg_diff(&want, &now);
		EXPECT_EQ(NULL, diff)
			TH_LOG("round %d: the VMM thread's %s changed", round,
			       diff);
		if (ports)
			EXPECT_TRUE(seg_port_ok())
				TH_LOG("round %d: port I/O faults", round);
	}
	sw1 = vt_nivcsw();
	r.move.stop = 1;
	pthread_join(spin_th, NULL);
	pthread_join(move_th, NULL);
	/* The runs did share the CPU (else the test proved nothing). */
	EXPECT_LT(sw0, sw1) TH_LOG("involuntary switches %ld -> %ld", sw0, sw1);
	EXPECT_LT(0, r.spins);
	EXPECT_EQ(0, r.bad) TH_LOG("the other thread's %s changed %ld times",
				  r.what, r.bad);
	TH_LOG("%d rounds, %ld involuntary switches, %ld moves", round,
	       sw1 - sw0, r.move.moves);

	/* A signal ends a run of in-kernel exits: the same holds. */
	ASSERT_EQ(0, sigaction(SIGALRM, &al, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	for (round = 0; round < 1000; round++) {
		rc = vt_run(&t);
		if (rc || t.run->exit_reason != KVM_EXIT_IO)
			break;
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	EXPECT_EQ(-EINTR, rc);
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t.run->exit_reason);
	seg_read(&now);
	diff = seg_diff(&want, &now);
	EXPECT_EQ(NULL, diff) TH_LOG("after a signal: the VMM thread's %s",
				     diff);
	if (ports)
		EXPECT_TRUE(seg_port_ok());
	vt_vm_destroy(&t);
	seg_undress();
}

/* Each run: CPUIDs the kernel answers, then one exit to the VMM. */
GUEST(g_cpuid_loop,
	"1: mov $400, %r8d\n"
	"2: xor %eax, %eax\n cpuid\n dec %r8d\n jnz 2b\n"
	"out %al, $0x10\n jmp 1b\n");

static void seg_set_gs_base(uint64_t v)
{
	if (seg_fsgsbase)
		asm volatile("wrgsbase %0" : : "r" (v));
	else
		syscall(SYS_arch_prctl, ARCH_SET_GS, v);
}

/*
 * The VMM thread's GS base (KERNEL_GS_BASE while in the kernel), changed
 * before each run: every exit of the run gives the new one back, not one
 * saved at an earlier run.
 */
TEST(gs_base_across_runs)
{
	uint64_t want, got;
	struct vt_vm t;
	int round;

	seg_fsgsbase = getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE;
	setup64(_metadata, &t, g_cpuid_loop, g_cpuid_loop_end);
	for (round = 0; round < 16; round++) {
		want = 0x3579b000ULL + round * 0x1000;
		seg_set_gs_base(want);
		RUN_TO_PORT(&t, 0x10);
		got = seg_gs_base();
		EXPECT_EQ(want, got)
			TH_LOG("round %d: GS base %#llx after the run", round,
			       (unsigned long long)got);
	}
	seg_set_gs_base(0);
	vt_vm_destroy(&t);
}

struct ldt_writer {
	volatile int go, stop;
	volatile unsigned int written;	/* the limit last written */
};

/* LDT entry 1 with limit @limit (bytes), in a new LDT the kernel installs. */
static int ldt_write(unsigned int limit)
{
	struct user_desc d = {
		.entry_number = 1, .limit = limit, .seg_32bit = 1,
		.useable = 1,
	};

	return syscall(SYS_modify_ldt, 1, &d, sizeof(d));
}

/* One LDT write whenever told to: while the vCPU's thread is in a run. */
static void *ldt_writer(void *p)
{
	struct ldt_writer *w = p;
	unsigned int k = 0x100;

	while (!w->stop) {
		if (!__atomic_load_n(&w->go, __ATOMIC_ACQUIRE)) {
			sched_yield();
			continue;
		}
		if (!ldt_write(++k))
			__atomic_store_n(&w->written, k, __ATOMIC_RELEASE);
		__atomic_store_n(&w->go, 0, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Another thread of the VMM rewrites the LDT while the vCPU's thread runs
 * a long stretch of exits the kernel handles; the kernel loads the new LDT
 * on every CPU that runs the VMM (an IPI), between two of those exits or
 * in one.  The exits after it must give the vCPU's thread that LDT back,
 * not the one it had when its run began (freed by then).
 *
 * kvm.ko 6.1 does not: it VMSAVEs the host once per vcpu_load and VMLOADs
 * that after every exit, so the VMM thread comes back with the old LDT
 * (seen here in about one run in three).  On the reference the stale LDT
 * is only logged; the runs must still complete.
 */
TEST(ldt_rewritten_during_run)
{
	bool strict = !strcmp(vt_mode(), "vireo");
	struct ldt_writer w = { 0 };
	unsigned int limit, want, seen = 0, stale = 0;
	pthread_t th;
	struct vt_vm t;
	uint8_t ok;
	int round;

	if (ldt_write(0x100))
		SKIP(return, "modify_ldt: %s", strerror(errno));
	setup64(_metadata, &t, g_cpuid_loop, g_cpuid_loop_end);
	ASSERT_EQ(0, pthread_create(&th, NULL, ldt_writer, &w));
	for (round = 0; round < 16; round++) {
		__atomic_store_n(&w.go, 1, __ATOMIC_RELEASE);
		RUN_TO_PORT(&t, 0x10);
		/* The write is done (and no other comes) before checking. */
		while (__atomic_load_n(&w.go, __ATOMIC_ACQUIRE))
			sched_yield();
		want = __atomic_load_n(&w.written, __ATOMIC_ACQUIRE);
		limit = 0;
		asm volatile("lsl %2, %0\n setz %1"
			     : "+r" (limit), "=q" (ok)
			     : "r" ((uint32_t)((1 << 3) | 4 | 3)) : "cc");
		if (!ok || limit != want) {
			stale++;
			TH_LOG("round %d: LDT entry 1 limit %#x (valid %d), written %#x",
			       round, limit, ok, want);
		}
		seen += want != 0x100;
	}
	w.stop = 1;
	pthread_join(th, NULL);
	/* The writer did write (else the test proved nothing). */
	EXPECT_LT(0u, seen);
	if (strict) {
		EXPECT_EQ(0u, stale);
	} else if (stale) {
		TH_LOG("%s: the VMM thread had a stale LDT after %u runs of 16",
		       vt_mode(), stale);
	}
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
