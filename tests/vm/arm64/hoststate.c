// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's EL1/EL0 context and the host's, while the vCPU's task is
 * preempted and migrated in the middle of KVM_RUN (a long run of exits
 * the kernel handles: PSCI_VERSION over HVC), and when KVM_RUN ends with
 * a signal.  The guest finds its registers as it left them; the VMM's
 * thread, and another thread that shares its CPU, find their TLS
 * registers as theirs; ONE_REG reads what the guest wrote.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"
#include "vt_proc.h"

#define SYSREG(op0, op1, crn, crm, op2) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
	KVM_REG_ARM64_SYSREG | (op0) << 14 | (op1) << 11 | (crn) << 7 | \
	(crm) << 3 | (op2))
#define REG_TPIDR_EL0		SYSREG(3, 3, 13, 0, 2)
#define REG_TPIDRRO_EL0		SYSREG(3, 3, 13, 0, 3)
#define REG_CONTEXTIDR_EL1	SYSREG(3, 0, 13, 0, 1)
#define REG_TPIDR_EL1		SYSREG(3, 0, 13, 0, 4)

#define G_TPIDR_EL0	0x1111222233334444ULL
#define G_TPIDRRO_EL0	0x5555666677778888ULL
#define G_CONTEXTIDR	0x4321ULL
#define G_TPIDR_EL1	0x9999aaaabbbbccccULL
#define G_ELR_EL1	0x40001230ULL
#define G_FAR_EL1	0x7654321000ULL
#define G_SP		0x40008000ULL
/* HVCs per report: a few hundred ms under emulation. */
#define HVCS		"4000"

/*
 * Fill the context, report (MMIO 0), then for ever: HVCS in-kernel exits,
 * each after a fresh value (x13) went into TPIDR_EL0, TPIDRRO_EL0,
 * TPIDR_EL1, CONTEXTIDR_EL1 and FAR_EL1 and checked after it (x12 counts
 * the registers that lost theirs); then the constants back and read
 * back, reported at MMIO 8..56, and the count at 64.
 */
VA_GUEST(g_ctx,
	"ldr x5, =0x10000000\n"
	"mov x14, #0\n"
	"ldr x4, =0x40001230\n"
	"msr elr_el1, x4\n"
	"ldr x4, =0x40008000\n"
	"mov sp, x4\n"
	"bl 3f\n"
	"str x4, [x5]\n"
	"1: ldr x6, =" HVCS "\n"
	"mov x12, #0\n"
	"add x14, x14, #0x10000\n"
	"2: add x13, x6, x14\n"
	"msr tpidr_el0, x13\n"
	"msr tpidrro_el0, x13\n"
	"msr tpidr_el1, x13\n"
	"msr contextidr_el1, x13\n"
	"msr far_el1, x13\n"
	"ldr x0, =0x84000000\n"
	"hvc #0\n"
	"mrs x11, tpidr_el0\n"
	"cmp x11, x13\n"
	"cinc x12, x12, ne\n"
	"mrs x11, tpidrro_el0\n"
	"cmp x11, x13\n"
	"cinc x12, x12, ne\n"
	"mrs x11, tpidr_el1\n"
	"cmp x11, x13\n"
	"cinc x12, x12, ne\n"
	"mrs x11, contextidr_el1\n"
	"cmp w11, w13\n"
	"cinc x12, x12, ne\n"
	"mrs x11, far_el1\n"
	"cmp x11, x13\n"
	"cinc x12, x12, ne\n"
	"subs x6, x6, #1\n"
	"b.ne 2b\n"
	"bl 3f\n"
	"mrs x1, tpidr_el0\n"
	"mrs x2, tpidrro_el0\n"
	"mrs x3, contextidr_el1\n"
	"mrs x7, tpidr_el1\n"
	"mrs x8, elr_el1\n"
	"mrs x9, far_el1\n"
	"mov x10, sp\n"
	"str x1, [x5, #8]\n"
	"str x2, [x5, #16]\n"
	"str x3, [x5, #24]\n"
	"str x7, [x5, #32]\n"
	"str x8, [x5, #40]\n"
	"str x9, [x5, #48]\n"
	"str x10, [x5, #56]\n"
	"str x12, [x5, #64]\n"
	"b 1b\n"
	/* The constants into the registers the loop changes. */
	"3: ldr x4, =0x1111222233334444\n"
	"msr tpidr_el0, x4\n"
	"ldr x4, =0x5555666677778888\n"
	"msr tpidrro_el0, x4\n"
	"ldr x4, =0x4321\n"
	"msr contextidr_el1, x4\n"
	"ldr x4, =0x9999aaaabbbbcccc\n"
	"msr tpidr_el1, x4\n"
	"ldr x4, =0x7654321000\n"
	"msr far_el1, x4\n"
	"mov x4, sp\n"
	"isb\n"
	"ret\n");

static uint64_t tpidr_el0(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, tpidr_el0" : "=r"(v));
	return v;
}

static uint64_t tpidrro_el0(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, tpidrro_el0" : "=r"(v));
	return v;
}

/* The threads that take the vCPU's CPU from it, and move it. */
struct rivals {
	struct vt_mover move;		/* the vCPU's thread */
	volatile long spins, bad;
};

/* Busy on CPU 0, checking its own TLS registers all along. */
static void *spinner(void *p)
{
	struct rivals *r = p;
	uint64_t mine = tpidr_el0(), ro = tpidrro_el0();

	vt_pin(0, 0);
	while (!r->move.stop) {
		if (tpidr_el0() != mine || tpidrro_el0() != ro)
			r->bad++;
		r->spins++;
	}
	return NULL;
}

static uint64_t get(struct __test_metadata *_metadata, int vcpu, uint64_t id)
{
	uint64_t v = 0;

	EXPECT_EQ(0, va_get_reg(vcpu, id, &v));
	return v;
}

TEST(context_across_preemption_and_signals)
{
	uint64_t tls = tpidr_el0(), ro = tpidrro_el0();
	struct rivals r = { .move.tid = gettid() };
	pthread_t spin_th, move_th;
	long sw0, sw1;
	struct vt_vm t;
	int round, rc = 0;
	uint64_t x13;

	r.move.ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_ctx_start, g_ctx_end));
	EXPECT_EQ(G_SP, va_store(&t, 0));
	/* KVM_RUN returned: the host's TLS back, the guest's in its vCPU. */
	EXPECT_EQ(tls, tpidr_el0());
	EXPECT_EQ(ro, tpidrro_el0());
	EXPECT_EQ(G_TPIDR_EL0, get(_metadata, t.vcpu, REG_TPIDR_EL0));
	EXPECT_EQ(G_TPIDRRO_EL0, get(_metadata, t.vcpu, REG_TPIDRRO_EL0));
	EXPECT_EQ(G_CONTEXTIDR, get(_metadata, t.vcpu, REG_CONTEXTIDR_EL1));
	EXPECT_EQ(G_TPIDR_EL1, get(_metadata, t.vcpu, REG_TPIDR_EL1));

	vt_pin(0, 0);
	ASSERT_EQ(0, pthread_create(&spin_th, NULL, spinner, &r));
	ASSERT_EQ(0, pthread_create(&move_th, NULL, vt_mover, &r.move));
	sw0 = vt_nivcsw();
	/* Until the thread was preempted and moved a few times, at least. */
	for (round = 0; round < 2 || (round < 200 &&
	     (vt_nivcsw() < sw0 + 3 || (r.move.ncpus > 1 && r.move.moves < 3))); round++) {
		EXPECT_EQ(G_TPIDR_EL0, va_store(&t, 8));
		EXPECT_EQ(tls, tpidr_el0());
		EXPECT_EQ(ro, tpidrro_el0());
		EXPECT_EQ(G_TPIDRRO_EL0, va_store(&t, 16));
		EXPECT_EQ(G_CONTEXTIDR, va_store(&t, 24));
		EXPECT_EQ(G_TPIDR_EL1, va_store(&t, 32));
		EXPECT_EQ(G_ELR_EL1, va_store(&t, 40));
		EXPECT_EQ(G_FAR_EL1, va_store(&t, 48));
		EXPECT_EQ(G_SP, va_store(&t, 56));
		EXPECT_EQ(0ULL, va_store(&t, 64));
	}
	sw1 = vt_nivcsw();
	r.move.stop = 1;
	pthread_join(spin_th, NULL);
	pthread_join(move_th, NULL);
	/* The runs did share the CPU (else the test proved nothing). */
	EXPECT_LT(sw0, sw1) TH_LOG("involuntary switches %ld -> %ld", sw0, sw1);
	EXPECT_LT(0, r.spins);
	EXPECT_EQ(0, r.bad) TH_LOG("the other thread's TLS changed %ld times",
				  r.bad);
	TH_LOG("%ld involuntary switches, %ld moves", sw1 - sw0, r.move.moves);

	/* A signal ends a run of in-kernel exits: the same holds. */
	va_alarm(50);
	for (round = 0; round < 1000; round++) {
		rc = vt_run(&t);
		if (rc || t.run->exit_reason != KVM_EXIT_MMIO)
			break;
	}
	EXPECT_EQ(-EINTR, rc);
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t.run->exit_reason);
	EXPECT_EQ(tls, tpidr_el0());
	EXPECT_EQ(ro, tpidrro_el0());
	/* Stopped at an HVC: every register holds the iteration's x13. */
	x13 = get(_metadata, t.vcpu, VA_REG_X(13));
	EXPECT_EQ(x13, get(_metadata, t.vcpu, REG_TPIDR_EL0));
	EXPECT_EQ(x13, get(_metadata, t.vcpu, REG_TPIDRRO_EL0));
	EXPECT_EQ(x13, get(_metadata, t.vcpu, REG_TPIDR_EL1));
	EXPECT_EQ(x13 & 0xffffffffULL,
		  get(_metadata, t.vcpu, REG_CONTEXTIDR_EL1));
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
