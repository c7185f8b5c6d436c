// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes: fds closed while a vCPU runs, a VMM killed inside KVM_RUN,
 * guest memory unmapped under a running guest.  Nothing may leak: the
 * harness checks the module's counts at unload.  Built for x86-64 and
 * arm64 (tests/vm/arm64/shared.list).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

struct runner {
	struct vt_vm *t;
	int ret;
	int err;
	uint32_t reason;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;

	r->ret = ioctl(r->t->vcpu, KVM_RUN, 0);
	r->err = errno;
	r->reason = r->t->run->exit_reason;
	return NULL;
}

static void on_usr1(int sig)
{
}

/*
 * A guest that writes to 255 of its 256 "pages" of 256 bytes (not its
 * own), forever, in @t; 0 or -errno.
 */
static int spin_create(struct vt_vm *t)
{
	int r = vt_vm_create(t, 0x10000, 0xff00);

	if (r)
		return r;
	r = vt_guest_spin(t, 0xff00);
	if (r)
		vt_vm_destroy(t);
	return r;
}

static void spin_vm(struct __test_metadata *_metadata, struct vt_vm *t)
{
	ASSERT_EQ(0, spin_create(t));
}

TEST(close_fds_while_running)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct runner r = { 0 };
	struct vt_vm t;
	pthread_t th;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	spin_vm(_metadata, &t);
	r.t = &t;
	ASSERT_EQ(0, pthread_create(&th, NULL, run_thread, &r));
	usleep(200000);
	/* The running ioctl keeps the vCPU (and so the VM) alive. */
	close(t.vm);
	close(t.sys);
	t.vm = t.sys = -1;
	usleep(100000);
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EINTR, r.err);
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, r.reason);
	/* The guest really ran: it wrote its page numbers. */
	EXPECT_EQ(0x12, t.mem[0x1200]);
	EXPECT_EQ(0xfe, t.mem[0xfe00]);
	vt_vm_destroy(&t);
}

TEST(kill_vmm_in_run)
{
	pid_t pid = fork();
	int status;

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct vt_vm t;

		if (spin_create(&t))
			_exit(1);
		ioctl(t.vcpu, KVM_RUN, 0);
		_exit(2);
	}
	usleep(300000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
}

/*
 * The VMM unmaps guest memory under a running guest: the MMU notifier
 * takes the pages from the guest, whose next touch ends KVM_RUN with
 * EFAULT (as on kvm.ko).  The signal is only a backstop.
 */
TEST(unmap_under_guest)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct runner r = { 0 };
	struct vt_vm t;
	pthread_t th;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	spin_vm(_metadata, &t);
	r.t = &t;
	ASSERT_EQ(0, pthread_create(&th, NULL, run_thread, &r));
	usleep(200000);
	ASSERT_EQ(0, munmap(t.mem, t.mem_size));
	t.mem = NULL;
	usleep(300000);
	pthread_kill(th, SIGUSR1);
	pthread_join(th, NULL);
	EXPECT_EQ(-1, r.ret);
	EXPECT_EQ(EFAULT, r.err);
	vt_vm_destroy(&t);
}

/* Many short-lived VMs with vCPUs that ran: creation and teardown. */
TEST(churn)
{
	uint64_t v;
	int i;

	for (i = 0; i < 50; i++) {
		struct vt_vm t;

		ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
		ASSERT_EQ(0, vt_guest_report(&t, 0x1000, i));
		ASSERT_EQ(0, vt_run(&t));
		ASSERT_TRUE(vt_exit_report(&t, &v))
			TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
		EXPECT_EQ((uint64_t)i, v);
		vt_vm_destroy(&t);
	}
}

TEST_HARNESS_MAIN
