// SPDX-License-Identifier: GPL-2.0
/*
 * Two vCPUs and PSCI: vCPU 1 starts powered off (KVM_MP_STATE_STOPPED)
 * and waits inside KVM_RUN in its own thread until vCPU 0's CPU_ON starts
 * it at the given entry with the given context; AFFINITY_INFO follows its
 * state, CPU_ON answers INVALID_PARAMETERS for a missing vCPU and
 * ALREADY_ON for a running one; each vCPU reads its own MPIDR_EL1.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vt_arm64.h"

VA_GUEST(g_smp,
	"ldr x10, =0x10000000\n"
	"ldr x0, =0xc4000004\n"		/* AFFINITY_INFO(1, level 0) */
	"mov x1, #1\n"
	"mov x2, #0\n"
	"hvc #0\n"
	"str x0, [x10]\n"
	"ldr x0, =0xc4000003\n"		/* CPU_ON(5): no such vCPU */
	"mov x1, #5\n"
	"adr x2, 1f\n"
	"mov x3, #0\n"
	"hvc #0\n"
	"str x0, [x10, #8]\n"
	"ldr x0, =0xc4000003\n"		/* CPU_ON(1, 1f, 0xc0ffee) */
	"mov x1, #1\n"
	"adr x2, 1f\n"
	"ldr x3, =0xc0ffee\n"
	"hvc #0\n"
	"str x0, [x10, #16]\n"
	"ldr x0, =0xc4000003\n"		/* CPU_ON(1) again */
	"mov x1, #1\n"
	"adr x2, 1f\n"
	"mov x3, #0\n"
	"hvc #0\n"
	"str x0, [x10, #24]\n"
	"ldr x0, =0xc4000004\n"		/* AFFINITY_INFO(1, level 0) */
	"mov x1, #1\n"
	"mov x2, #0\n"
	"hvc #0\n"
	"str x0, [x10, #32]\n"
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n"
	/* vCPU 1: its context and MPIDR to MMIO, then spin. */
	"1: ldr x10, =0x10000000\n"
	"mrs x1, mpidr_el1\n"
	"str x0, [x10, #0x100]\n"
	"str x1, [x10, #0x108]\n"
	"2: b 2b\n");

struct second {
	int vcpu;
	struct kvm_run *run;
	uint64_t ctx, mpidr;
	int runs, last;
	volatile int done;
};

static void on_usr1(int sig)
{
}

static int run1(struct second *s)
{
	return ioctl(s->vcpu, KVM_RUN, 0) ? -errno : 0;
}

static void *second_thread(void *arg)
{
	struct second *s = arg;

	/* Two MMIO writes once vCPU 0 has turned it on, then a spin. */
	while (s->runs < 2) {
		s->last = run1(s);
		if (s->last || s->run->exit_reason != KVM_EXIT_MMIO)
			break;
		if (s->run->mmio.phys_addr == VA_MMIO_GPA + 0x100)
			memcpy(&s->ctx, s->run->mmio.data, 8);
		else
			memcpy(&s->mpidr, s->run->mmio.data, 8);
		s->runs++;
	}
	if (s->runs == 2)
		s->last = run1(s);
	s->done = 1;
	return NULL;
}

TEST(cpu_on)
{
	struct kvm_mp_state mp;
	struct sigaction sa;
	struct vt_vm t, t1;
	struct second s;
	pthread_t th;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	ASSERT_EQ(0, va_vm_guest(&t, 0x10000, g_smp_start, g_smp_end));
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, va_vcpu_add(&t, 1, 1U << KVM_ARM_VCPU_POWER_OFF, &t1));
	s.vcpu = t1.vcpu;
	s.run = t1.run;
	ASSERT_EQ(0, ioctl(s.vcpu, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((uint32_t)KVM_MP_STATE_STOPPED, mp.mp_state);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((uint32_t)KVM_MP_STATE_RUNNABLE, mp.mp_state);

	ASSERT_EQ(0, pthread_create(&th, NULL, second_thread, &s));
	/* Let it block in KVM_RUN first: CPU_ON must wake it there. */
	usleep(100000);
	EXPECT_EQ(1ULL, va_store(&t, 0));		/* OFF */
	EXPECT_EQ((uint64_t)-2, va_store(&t, 8));	/* INVALID */
	EXPECT_EQ(0ULL, va_store(&t, 16));		/* SUCCESS */
	EXPECT_EQ((uint64_t)-4, va_store(&t, 24));	/* ALREADY_ON */
	EXPECT_EQ(0ULL, va_store(&t, 32));		/* ON */
	/*
	 * vCPU 1 reports before vCPU 0 powers the system off, which stops
	 * every vCPU, vCPU 1 too if it has not run yet.
	 */
	for (i = 0; i < 1000 && s.runs < 2 && !s.done; i++)
		usleep(10000);
	EXPECT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_SYSTEM_EVENT, t.run->exit_reason);

	/* vCPU 1 spins (or is stopped): a signal ends its KVM_RUN. */
	for (i = 0; i < 500 && !s.done; i++) {
		pthread_kill(th, SIGUSR1);
		usleep(10000);
	}
	ASSERT_EQ(1, s.done);
	pthread_join(th, NULL);
	EXPECT_EQ(2, s.runs) TH_LOG("KVM_RUN of vCPU 1: %d, exit %s", s.last,
				    vt_exit_name(s.run->exit_reason));
	EXPECT_EQ(0xc0ffeeULL, s.ctx);
	EXPECT_EQ(0x80000001ULL, s.mpidr);
	EXPECT_EQ(-EINTR, s.last);
	vt_vm_destroy(&t1);
	vt_vm_destroy(&t);
}

TEST(mp_state)
{
	struct kvm_mp_state mp;
	struct vt_vm t;

	ASSERT_EQ(0, va_vm_create(&t, 0x10000));
	ASSERT_EQ(0, va_vcpu_init(&t));
	mp.mp_state = KVM_MP_STATE_STOPPED;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_MP_STATE, &mp));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((uint32_t)KVM_MP_STATE_STOPPED, mp.mp_state);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_MP_STATE, &mp));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((uint32_t)KVM_MP_STATE_RUNNABLE, mp.mp_state);
	/* An x86 state: refused. */
	mp.mp_state = KVM_MP_STATE_INIT_RECEIVED;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_MP_STATE, &mp));
	EXPECT_EQ(EINVAL, errno);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
