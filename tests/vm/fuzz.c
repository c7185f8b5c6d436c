// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded random ioctl fuzzer over the system, VM and vCPU fds, with
 * random, short and bad buffers, and KVM_RUN cut short by a timer.  It
 * passes when nothing hangs or crashes (the harness also fails the run on
 * any kernel warning) and a fresh VM still runs a guest afterwards.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define ROUNDS		4000
#define BUF		8192

static const unsigned long sys_ioctls[] = {
	KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE,
	KVM_GET_SUPPORTED_CPUID, KVM_GET_MSR_INDEX_LIST, _IO(KVMIO, 0xf0),
};

static const unsigned long vm_ioctls[] = {
	KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU, KVM_SET_TSS_ADDR,
	KVM_SET_IDENTITY_MAP_ADDR, KVM_CHECK_EXTENSION, _IO(KVMIO, 0xf1),
};

static const unsigned long vcpu_ioctls[] = {
	KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
	KVM_GET_FPU, KVM_SET_FPU, KVM_GET_MSRS, KVM_SET_MSRS,
	KVM_SET_CPUID2, KVM_GET_CPUID2, KVM_GET_MP_STATE, KVM_SET_MP_STATE,
	KVM_INTERRUPT, KVM_NMI, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
	KVM_GET_XSAVE, KVM_SET_XSAVE, KVM_GET_XCRS, KVM_SET_XCRS,
	KVM_SET_SIGNAL_MASK, _IO(KVMIO, 0xf2),
};

static uint64_t rng;

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
		m->memory_size = (rnd() % 16) << 12;
		m->userspace_addr = (uintptr_t)mem + ((rnd() % 16) << 12);
	}
	if (cmd == KVM_CREATE_VCPU)
		return rnd() % 8;
	return (unsigned long)buf;
}

TEST(random_ioctls)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = {
		.it_value = { .tv_usec = 5000 },
		.it_interval = { .tv_usec = 5000 },
	};
	static const uint8_t code[] = { 0xe6, 0x10, 0xf4 };
	int sys, vm = -1, vcpu = -1, i, runs = 0;
	uint8_t *buf, *mem;
	struct vt_vm t;

	rng = getenv("VIREO_FUZZ_SEED") ? strtoull(getenv("VIREO_FUZZ_SEED"),
						   NULL, 0) : 0x9e3779b97f4a7c15ULL;
	TH_LOG("seed %#llx", (unsigned long long)rng);
	buf = mmap(NULL, BUF + 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	/* The page after the buffer faults: overruns hit it. */
	ASSERT_EQ(0, mprotect(buf + BUF, 4096, PROT_NONE));
	mem = mmap(NULL, 16 << 12, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));

	sys = vt_open_dev();
	ASSERT_GE(sys, 0);
	for (i = 0; i < ROUNDS; i++) {
		unsigned long cmd;
		int fd, r, which = rnd() % 10;

		if (vm < 0 || rnd() % 500 == 0) {
			if (vcpu >= 0)
				close(vcpu);
			if (vm >= 0)
				close(vm);
			vcpu = -1;
			do
				vm = ioctl(sys, KVM_CREATE_VM, 0);
			while (vm < 0 && errno == EINTR);
			ASSERT_GE(vm, 0) TH_LOG("round %d: %s", i, strerror(errno));
		}
		if (vcpu < 0 && rnd() % 4 == 0)
			vcpu = ioctl(vm, KVM_CREATE_VCPU, rnd() % 4);
		if (which < 2) {
			fd = sys;
			cmd = sys_ioctls[rnd() % (sizeof(sys_ioctls) / sizeof(long))];
		} else if (which < 4 || vcpu < 0) {
			fd = vm;
			cmd = vm_ioctls[rnd() % (sizeof(vm_ioctls) / sizeof(long))];
		} else {
			fd = vcpu;
			cmd = vcpu_ioctls[rnd() % (sizeof(vcpu_ioctls) / sizeof(long))];
		}
		if (cmd == KVM_RUN) {
			runs++;
			r = ioctl(fd, KVM_RUN, 0);
			continue;
		}
		r = ioctl(fd, cmd, arg_for(cmd, buf, mem));
		/* New fds from CREATE_VCPU on a random id: keep one. */
		if (cmd == KVM_CREATE_VCPU && r >= 0) {
			if (vcpu < 0)
				vcpu = r;
			else
				close(r);
		}
	}
	it.it_value.tv_usec = 0;
	it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	TH_LOG("%d rounds, %d KVM_RUN", ROUNDS, runs);
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
	close(sys);
	munmap(mem, 16 << 12);
	munmap(buf, BUF + 4096);

	/* The module still works. */
	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	memcpy(t.mem + 0x1000, code, sizeof(code));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
