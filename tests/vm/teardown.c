// SPDX-License-Identifier: GPL-2.0
/*
 * Taking a large guest's memory away must not keep a host CPU from
 * scheduling.  Many slots alias one range of the VMM's memory (as Linux's
 * max_guest_memory_test does), that range itself maps the same hugetlbfs
 * memfd again and again, and the guest touches it: the nested tables
 * then map up to 126 GiB of guest memory over 256 MiB of the host's (as
 * much as the guest maps in 12 s).  One munmap() of the range invalidates
 * every slot at once, and the VMM's exit takes the whole guest away.
 *
 * A real-time thread on the same CPU as the thread doing that measures how
 * late its 1 ms timer wakes it: how long the kernel ran there without a
 * rescheduling point.  A second one on the other CPU is the control: when
 * the host stops the emulator (a loaded machine), both wake late alike,
 * and only what the first sees beyond that counts.  kvm.ko yields inside
 * its long zaps; a module that walks all slots and tables under a
 * spinlock keeps the CPU for seconds under the emulator.  The kernel's
 * RCU stall detector, its timeout lowered to its minimum (3 s) for just
 * that stretch, then also reports it in the kernel log, which the test
 * VM's verdict judges.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_proc.h"

/* The guest's faults take most of the time: 12 s each test. */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#define SZ_2M		(2UL << 20)
#define SZ_1G		(1UL << 30)
#define LOW_SIZE	(4UL << 20)
#define CODE		0x1000
#define PT		0x10000
/* The aliases start at 1 GiB, after the low slot. */
#define ALIAS_GPA	SZ_1G
/* Guest page directories for 511 GiB at most, after the PDPT. */
#define MAX_GIB		511
/* The memfd, in huge pages, and how many times the range maps it. */
#define MEMFD_SIZE	(256UL << 20)
#define WINDOWS		8
/* How long the guest may take to map them. */
#define POPULATE_MS	12000
#define PORT_DONE	0x10
/*
 * Longest the watcher may wait past its timer.  Under the emulator a
 * yielding module keeps it well under 100 ms; the host's own scheduling
 * of the emulator adds less than this margin.
 */
#define MAX_LATENCY_MS	1000
/* The minimum the RCU stall detector takes (kernel/rcu/tree_stall.h). */
#define STALL_TIMEOUT_S	3

/*
 * 64-bit guest: store each 2 MiB's own GPA into its first quadword, from
 * RAX up to RCX, then OUT PORT_DONE.
 */
static const uint8_t touch_code[] = {
	0x48, 0x89, 0x00,			/* 1: mov [rax], rax */
	0x48, 0x05, 0x00, 0x00, 0x20, 0x00,	/* add rax, 0x200000 */
	0x48, 0x39, 0xc8,			/* cmp rax, rcx */
	0x72, 0xf2,				/* jb 1b */
	0xe6, PORT_DONE,			/* out PORT_DONE, al */
	0xf4,					/* hlt */
};

struct alias_vm {
	struct vt_vm t;
	int memfd;
	uint8_t *range;		/* 2 MiB-aligned: every alias slot maps it */
	size_t range_size;	/* the memfd mapped again and again */
	uint8_t *map;		/* what was reserved around it */
	size_t map_len;
	unsigned int nslots;	/* alias slots */
	unsigned int touched;	/* of which the guest mapped */
};

static long ns_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000L +
	       (b->tv_nsec - a->tv_nsec);
}

static size_t env_size(const char *name, size_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/*
 * The range: @windows mappings of the whole memfd back to back, each
 * populated (the memfd's pages are allocated once, by the first).
 */
static int map_range(struct alias_vm *a, unsigned int windows)
{
	uint8_t *p;
	unsigned int i;

	a->memfd = memfd_create("teardown", MFD_HUGETLB | MFD_CLOEXEC);
	if (a->memfd < 0 || ftruncate(a->memfd, MEMFD_SIZE))
		return -errno;
	a->range_size = (size_t)windows * MEMFD_SIZE;
	a->map_len = a->range_size + SZ_2M;
	a->map = mmap(NULL, a->map_len, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a->map == MAP_FAILED) {
		a->map = NULL;
		return -errno;
	}
	a->range = (uint8_t *)(((uintptr_t)a->map + SZ_2M - 1) &
			       ~(SZ_2M - 1));
	for (i = 0; i < windows; i++) {
		p = mmap(a->range + i * MEMFD_SIZE, MEMFD_SIZE,
			 PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED | MAP_POPULATE, a->memfd, 0);
		if (p == MAP_FAILED)
			return -errno;
	}
	return 0;
}

/*
 * A VM whose low slot holds the code and page tables and whose alias
 * slots each map the whole range, back to back from ALIAS_GPA; the guest
 * maps all of it with 2 MiB pages.
 */
static int alias_vm_create(struct alias_vm *a, unsigned int nslots)
{
	struct kvm_userspace_memory_region mr = { 0 };
	uint64_t *pdpt, *pd, j;
	unsigned int i, gib;
	int r, max;

	memset(a, 0, sizeof(*a));
	a->memfd = -1;
	r = map_range(a, env_size("VIREO_TEARDOWN_WINDOWS", WINDOWS));
	if (r)
		return r;
	r = vt_vm_create(&a->t, LOW_SIZE, CODE);
	if (r)
		return r;
	max = ioctl(a->t.sys, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	if (max > 1 && nslots > (unsigned int)max - 1)
		nslots = max - 1;
	while (nslots > 1 && ALIAS_GPA + nslots * a->range_size >
	       (uint64_t)MAX_GIB * SZ_1G)
		nslots--;
	a->nslots = nslots;
	r = vt_long_mode(&a->t, PT);
	if (r)
		return r;
	memcpy(a->t.mem + CODE, touch_code, sizeof(touch_code));
	pdpt = (uint64_t *)(a->t.mem + PT + 0x1000);
	gib = (ALIAS_GPA + nslots * a->range_size + SZ_1G - 1) / SZ_1G;
	for (i = 1; i < gib; i++) {
		pd = (uint64_t *)(a->t.mem + PT + 0x2000 + i * 0x1000);
		pdpt[i] = (PT + 0x2000 + i * 0x1000) | 3;
		for (j = 0; j < 512; j++)
			pd[j] = ((uint64_t)i * SZ_1G + j * SZ_2M) | 0x83;
	}

	for (i = 0; i < nslots; i++) {
		mr.slot = 1 + i;
		mr.guest_phys_addr = ALIAS_GPA + i * a->range_size;
		mr.memory_size = a->range_size;
		mr.userspace_addr = (uintptr_t)a->range;
		if (ioctl(a->t.vm, KVM_SET_USER_MEMORY_REGION, &mr))
			return -errno;
	}
	return 0;
}

static void alias_vm_destroy(struct alias_vm *a)
{
	vt_vm_destroy(&a->t);
	if (a->map)
		munmap(a->map, a->map_len);
	a->map = NULL;
	if (a->memfd >= 0)
		close(a->memfd);
	a->memfd = -1;
}

/*
 * The guest touches every 2 MiB of one alias after another, until all are
 * mapped or POPULATE_MS have gone (the debug kernel's faults are many
 * times slower, and so is its unmap: the stall to find grows with what is
 * mapped, not with the time); 0 or -errno, the time it took in *@ms.
 */
static int populate(struct alias_vm *a, long *ms)
{
	struct timespec t0, t1;
	struct kvm_regs regs;
	unsigned int i;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < a->nslots; i++) {
		if (ioctl(a->t.vcpu, KVM_GET_REGS, &regs))
			return -errno;
		regs.rip = CODE;
		regs.rax = ALIAS_GPA + i * a->range_size;
		regs.rcx = regs.rax + a->range_size;
		if (ioctl(a->t.vcpu, KVM_SET_REGS, &regs))
			return -errno;
		r = vt_run(&a->t);
		if (r)
			return r;
		if (a->t.run->exit_reason != KVM_EXIT_IO ||
		    a->t.run->io.port != PORT_DONE)
			return -EPROTO;
		a->touched = i + 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		*ms = ns_between(&t0, &t1) / 1000000;
		if (*ms > POPULATE_MS)
			break;
	}
	return 0;
}

/*
 * The watcher: a SCHED_FIFO thread on the CPU under test that sleeps 1 ms
 * at a time and keeps the worst lateness of its wakeups.
 */
struct watcher {
	pthread_t thread;
	int cpu;
	atomic_bool stop;
	atomic_bool running;
	long max_ns;
	long wakeups;
	int err;
};

static void *watch(void *arg)
{
	struct watcher *w = arg;
	struct sched_param sp = { .sched_priority = 1 };
	struct timespec due, now;
	long late;

	w->err = pin_self(w->cpu);
	if (!w->err && pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp))
		w->err = -EPERM;
	atomic_store(&w->running, true);
	if (w->err)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &due);
	while (!atomic_load(&w->stop)) {
		due.tv_nsec += 1000000;
		if (due.tv_nsec >= 1000000000) {
			due.tv_nsec -= 1000000000;
			due.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		late = ns_between(&due, &now);
		if (late > w->max_ns)
			w->max_ns = late;
		w->wakeups++;
		/* Behind: measure from now on, not a backlog of timers. */
		if (late > 0)
			due = now;
	}
	return NULL;
}

static int watcher_start(struct watcher *w, int cpu)
{
	memset(w, 0, sizeof(*w));
	w->cpu = cpu;
	if (pthread_create(&w->thread, NULL, watch, w))
		return -EAGAIN;
	while (!atomic_load(&w->running))
		usleep(1000);
	/* A few wakeups first: the thread is in its loop. */
	usleep(20000);
	return w->err;
}

static void watcher_stop(struct watcher *w)
{
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
}

/*
 * The RCU stall detector's timeout, lowered to its minimum for the test's
 * duration (restored by the fixture's teardown): a CPU kept busy in the
 * kernel for longer is reported in the kernel log, which the test VM's
 * verdict judges.
 */
#define STALL_PARAM	"/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout"
#define HUGEPAGES	"/proc/sys/vm/nr_hugepages"

FIXTURE(teardown) {
	long stall_timeout;
	long hugepages;
};

/* The memfd's huge pages, and the CPU under test. */
FIXTURE_SETUP(teardown)
{
	long want = MEMFD_SIZE / SZ_2M;

	self->stall_timeout = vt_read_long(STALL_PARAM);
	self->hugepages = vt_read_long(HUGEPAGES);
	ASSERT_LE(0, self->hugepages);
	if (vt_meminfo("HugePages_Free") < want)
		ASSERT_EQ(0, vt_write_long(HUGEPAGES, self->hugepages + want));
	ASSERT_LE(want, vt_meminfo("HugePages_Free"))
		TH_LOG("%ld MiB of huge pages not to be had", want * 2);
	ASSERT_EQ(0, pin_self(0));
}

FIXTURE_TEARDOWN(teardown)
{
	if (self->stall_timeout > STALL_TIMEOUT_S)
		vt_write_long(STALL_PARAM, self->stall_timeout);
	vt_write_long(HUGEPAGES, self->hugepages);
}

/*
 * The stretch under test: the watchers, and the stall detector's timeout
 * lowered only meanwhile (a grace period starting then gets it), so that
 * the emulator stopped by a loaded host at another time is not taken for
 * a stall.
 */
struct measure {
	struct watcher w;	/* CPU 0, where the test runs */
	struct watcher ctl;	/* CPU 1: the control */
	bool have_ctl;
	struct timespec t0;
	long took_ns;
};

static int measure_start(struct measure *m, long stall_timeout)
{
	int r;

	memset(m, 0, sizeof(*m));
	if (stall_timeout > STALL_TIMEOUT_S)
		vt_write_long(STALL_PARAM, STALL_TIMEOUT_S);
	m->have_ctl = sysconf(_SC_NPROCESSORS_ONLN) > 1;
	if (m->have_ctl) {
		r = watcher_start(&m->ctl, 1);
		if (r)
			return r;
	}
	r = watcher_start(&m->w, 0);
	clock_gettime(CLOCK_MONOTONIC, &m->t0);
	return r;
}

static void measure_stop(struct measure *m, long stall_timeout)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	m->took_ns = ns_between(&m->t0, &t1);
	watcher_stop(&m->w);
	if (m->have_ctl)
		watcher_stop(&m->ctl);
	if (stall_timeout > STALL_TIMEOUT_S)
		vt_write_long(STALL_PARAM, stall_timeout);
}

/* How late CPU 0's watcher was at worst beyond the control's, in ms. */
static long measure_late_ms(const struct measure *m)
{
	return (m->w.max_ns - (m->have_ctl ? m->ctl.max_ns : 0)) / 1000000;
}

static void report(struct __test_metadata *_metadata, const char *what,
		   const struct alias_vm *a, long populate_ms,
		   const struct measure *m)
{
	TH_LOG("%u of %u slots x %zu MiB (%zu GiB of guest memory, 2 MiB "
	       "pages) mapped in %ld ms; %s in %ld ms, the watcher woke %ld "
	       "times, at worst %ld ms late (the control: %ld ms)",
	       a->touched, a->nslots, a->range_size >> 20,
	       (a->touched * a->range_size) >> 30, populate_ms, what,
	       m->took_ns / 1000000, m->w.wakeups, m->w.max_ns / 1000000,
	       m->ctl.max_ns / 1000000);
}

/* The VMM unmaps the range every slot aliases: one invalidation. */
TEST_F(teardown, munmap_aliases)
{
	struct alias_vm a;
	struct measure m;
	long pop_ms;
	int r;

	ASSERT_EQ(0, alias_vm_create(&a, env_size("VIREO_TEARDOWN_SLOTS", 63)));
	ASSERT_EQ(0, populate(&a, &pop_ms));
	ASSERT_EQ(0, measure_start(&m, self->stall_timeout));
	r = munmap(a.map, a.map_len);
	measure_stop(&m, self->stall_timeout);
	ASSERT_EQ(0, r);
	a.map = NULL;
	report(_metadata, "munmap", &a, pop_ms, &m);
	EXPECT_GT(MAX_LATENCY_MS, measure_late_ms(&m));
	alias_vm_destroy(&a);
}

/*
 * The VMM exits with every alias mapped: its address space goes (the MMU
 * notifier's release), then its fds.  A child process is the VMM here;
 * the watcher runs in the test beside it, on the same CPU.
 */
TEST_F(teardown, exit)
{
	int go[2], ready[2], status;
	struct alias_vm a;
	struct measure m;
	long pop_ms = -1;
	pid_t pid, p;
	ssize_t n;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c;

		if (alias_vm_create(&a, env_size("VIREO_TEARDOWN_SLOTS", 63)) ||
		    populate(&a, &pop_ms))
			_exit(1);
		if (write(ready[1], &a, sizeof(a)) != sizeof(a) ||
		    write(ready[1], &pop_ms, sizeof(pop_ms)) != sizeof(pop_ms) ||
		    read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ((ssize_t)sizeof(a), read(ready[0], &a, sizeof(a)))
		TH_LOG("the child could not build its VM");
	ASSERT_EQ((ssize_t)sizeof(pop_ms), read(ready[0], &pop_ms, sizeof(pop_ms)));
	ASSERT_EQ(0, measure_start(&m, self->stall_timeout));
	n = write(go[1], "x", 1);
	p = waitpid(pid, &status, 0);
	measure_stop(&m, self->stall_timeout);
	ASSERT_EQ(1, n);
	ASSERT_EQ(pid, p);
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	report(_metadata, "exit", &a, pop_ms, &m);
	EXPECT_GT(MAX_LATENCY_MS, measure_late_ms(&m));
}

TEST_HARNESS_MAIN
