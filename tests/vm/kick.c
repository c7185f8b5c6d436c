// SPDX-License-Identifier: GPL-2.0
/*
 * A guest that never exits by itself (a tight loop, interrupts off) cannot
 * hold back the VMM: a memory-slot change made while it runs completes,
 * and a signal to its thread ends KVM_RUN, each within a bound.  With
 * nohz_full on the vCPU's CPU (make check boots the test VM so when
 * VIREO_VM_APPEND says) the host takes no timer tick there, so only a kick
 * from the module gets the guest out.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define CODE	0x1000
#define MB	(1UL << 20)

struct spinner {
	struct vt_vm t;
	int cpu;
	volatile int started;
	int rc, err;
};

static void on_signal(int sig)
{
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;

	pin(s->cpu);
	s->started = 1;
	s->rc = ioctl(s->t.vcpu, KVM_RUN, 0);
	s->err = errno;
	return NULL;
}

/* cli; jmp $: no exit unless the host interrupts it. */
static int start(struct spinner *s, pthread_t *th)
{
	static const uint8_t code[] = { 0xfa, 0xeb, 0xfe };
	struct sigaction sa = { .sa_handler = on_signal };
	int r;

	sigaction(SIGUSR1, &sa, NULL);
	r = vt_vm_create(&s->t, 0x10000, CODE);
	if (r)
		return r;
	memcpy(s->t.mem + CODE, code, sizeof(code));
	s->cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	pin(0);
	r = pthread_create(th, NULL, spin_thread, s);
	if (r)
		return -r;
	while (!s->started)
		usleep(1000);
	/* Into the guest, and long enough for a nohz_full tick to stop. */
	sleep(2);
	return 0;
}

static int stop(struct spinner *s, pthread_t th, double *took)
{
	double t0 = now();

	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	*took = now() - t0;
	return s->rc ? s->err : 0;
}

TEST(slot_change_under_a_spinning_guest)
{
	struct kvm_userspace_memory_region r = {
		.slot = 1, .guest_phys_addr = 16 * MB, .memory_size = MB,
	};
	struct spinner s = { 0 };
	double t0, took;
	pthread_t th;
	void *mem;

	mem = mmap(NULL, MB, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	r.userspace_addr = (uintptr_t)mem;
	ASSERT_EQ(0, start(&s, &th));
	t0 = now();
	EXPECT_EQ(0, ioctl(s.t.vm, KVM_SET_USER_MEMORY_REGION, &r));
	took = now() - t0;
	TH_LOG("slot added in %.3f s", took);
	EXPECT_LT(took, 1.0);
	r.memory_size = 0;
	EXPECT_EQ(0, ioctl(s.t.vm, KVM_SET_USER_MEMORY_REGION, &r));
	EXPECT_EQ(EINTR, stop(&s, th, &took));
	EXPECT_LT(took, 1.0);
	vt_vm_destroy(&s.t);
	munmap(mem, MB);
}

TEST(signal_ends_a_spinning_guest)
{
	struct spinner s = { 0 };
	double took;
	pthread_t th;

	ASSERT_EQ(0, start(&s, &th));
	EXPECT_EQ(EINTR, stop(&s, th, &took));
	TH_LOG("KVM_RUN returned %.3f s after the signal", took);
	EXPECT_LT(took, 1.0);
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, s.t.run->exit_reason);
	vt_vm_destroy(&s.t);
}

/* Function-call IPIs taken so far by @cpu ("CAL" in /proc/interrupts). */
static long cal_count(int cpu)
{
	char line[4096], *p;
	long v = -1;
	FILE *f = fopen("/proc/interrupts", "r");
	int i;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, "CAL:", 4))
			continue;
		p += 4;
		for (i = 0; i <= cpu; i++)
			v = strtol(p, &p, 10);
		break;
	}
	fclose(f);
	return v;
}

/*
 * Taking guest memory away (here madvise(MADV_DONTNEED) on the VMM's
 * mapping) must interrupt only the CPUs that may be running the VM: the
 * other CPUs of the host take no IPI for it.
 */
TEST(unmap_ipis_stay_on_the_vms_cpus)
{
	/* 1: mov [0x8000], al; out 0x10, al; jmp 1 */
	static const uint8_t code[] = {
		0xa2, 0x00, 0x80, 0xe6, 0x10, 0xeb, 0xf9,
	};
	int other = sysconf(_SC_NPROCESSORS_ONLN) - 1, i;
	long before, after;
	struct vt_vm t;

	if (other < 1)
		SKIP(return, "one CPU");
	pin(0);
	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, vt_run(&t));
	before = cal_count(other);
	ASSERT_LE(0, before);
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, madvise(t.mem + 0x8000, 4096, MADV_DONTNEED));
		ASSERT_EQ(0, vt_run(&t));
		ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	}
	after = cal_count(other);
	TH_LOG("CPU %d took %ld function-call IPIs in 200 unmaps", other,
	       after - before);
	EXPECT_LT(after - before, 50);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
