// SPDX-License-Identifier: GPL-2.0
/*
 * Host state a guest must neither see nor disturb: the debug registers (a
 * host hardware watchpoint set with perf keeps firing, the guest reads and
 * keeps only its own DR0-3/DR6/DR7, KVM_{GET,SET}_DEBUGREGS), the SYSCALL
 * MSRs (a guest's SYSCALL goes to its own LSTAR, 0 after reset, never into
 * the host kernel) and TSC_AUX (RDTSCP and RDPID return the guest's value,
 * and the host's getcpu() is right again afterwards).
 */
#include <cpuid.h>
#include <errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

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
	struct kvm_msr_list *list;
	struct vt_vm t, p;
	cpu_set_t all, one;
	unsigned int i, found = 0;
	int cpu, ncpu = 0, k, sys;
	uint64_t v;

	if (!host_has_rdtscp())
		SKIP(return, "the host CPU has no RDTSCP");
	list = calloc(1, sizeof(*list) + 1024 * sizeof(__u32));
	ASSERT_NE(NULL, list);
	list->nmsrs = 1024;
	sys = vt_open_dev();
	ASSERT_GE(sys, 0);
	ASSERT_EQ(0, ioctl(sys, KVM_GET_MSR_INDEX_LIST, list));
	close(sys);
	for (i = 0; i < list->nmsrs; i++)
		found += list->indices[i] == MSR_TSC_AUX;
	EXPECT_EQ(1u, found) TH_LOG("TSC_AUX not in KVM_GET_MSR_INDEX_LIST");
	free(list);

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

TEST_HARNESS_MAIN
