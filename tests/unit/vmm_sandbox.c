// SPDX-License-Identifier: GPL-2.0
/* The VMM's sandbox (vmm/sandbox.c): filters, the forbidden-call line, --user. */
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/sandbox.h"

/*
 * In a child: load kind's filter, then call what; the child's stderr and
 * status come back.
 */
static int in_child(enum sandbox_kind kind, void (*what)(void), char *out,
		    size_t len)
{
	struct vm_config cfg;
	int p[2], st;
	ssize_t n, got = 0;
	pid_t pid;

	memset(&cfg, 0, sizeof(cfg));
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		char err[256];

		dup2(p[1], STDERR_FILENO);
		if (sandbox_init(&cfg, err, sizeof(err)) ||
		    sandbox_enter(kind, err, sizeof(err)))
			_exit(3);
		what();
		/* Not _exit: the sanitizers' exit work makes system calls. */
		syscall(SYS_exit_group, 0);
	}
	close(p[1]);
	while (got < (ssize_t)len - 1 && (n = read(p[0], out + got, len - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void do_socket(void)
{
	syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
}

static void do_allowed(void)
{
	char c = 'x';

	(void)!write(STDERR_FILENO, &c, 1);
	(void)!getpid();
}

static void do_vcpu_ioctl_on_io(void)
{
	ioctl(-1, 0xae80 /* KVM_RUN */, 0);
}

TEST(forbidden_call_named)
{
	char out[256];

	EXPECT_EQ(1, in_child(SANDBOX_VCPU, do_socket, out, sizeof(out)));
	EXPECT_STREQ("vireo: sandbox: forbidden system call socket (41), vCPU thread\r\n",
		     out);
	EXPECT_EQ(1, in_child(SANDBOX_IO, do_vcpu_ioctl_on_io, out, sizeof(out)));
	EXPECT_STREQ("vireo: sandbox: forbidden system call ioctl (16), I/O thread\r\n",
		     out);
}

TEST(allowed_calls_pass)
{
	char out[64];

	EXPECT_EQ(0, in_child(SANDBOX_MAIN, do_allowed, out, sizeof(out)));
	EXPECT_STREQ("x", out);
}

TEST(names)
{
	struct vm_config cfg;
	char err[128];

	memset(&cfg, 0, sizeof(cfg));
	ASSERT_EQ(0, sandbox_init(&cfg, err, sizeof(err)));
	EXPECT_STREQ("read", sandbox_syscall_name(0));
	EXPECT_STREQ("socket", sandbox_syscall_name(41));
	EXPECT_EQ(NULL, sandbox_syscall_name(-1));
	EXPECT_EQ(NULL, sandbox_syscall_name(100000));
}

TEST(unknown_user)
{
	struct vm_config cfg;
	char err[128];

	memset(&cfg, 0, sizeof(cfg));
	cfg.user = "no-such-user-vireo";
	EXPECT_EQ(-1, sandbox_init(&cfg, err, sizeof(err)));
	EXPECT_STREQ("--user no-such-user-vireo: no such user", err);
}

/* --jail's directory is checked before the set-up, the jail made after. */
TEST(jail_dir)
{
	struct vm_config cfg;
	char err[128];

	memset(&cfg, 0, sizeof(cfg));
	cfg.no_sandbox = true;
	cfg.jail = "/nonexistent-vireo";
	EXPECT_EQ(-1, sandbox_init(&cfg, err, sizeof(err)));
	EXPECT_STREQ("--jail /nonexistent-vireo: No such file or directory", err);
	cfg.jail = "/dev/null";
	EXPECT_EQ(-1, sandbox_init(&cfg, err, sizeof(err)));
	EXPECT_STREQ("--jail /dev/null: not a directory", err);
	cfg.jail = "/";
	EXPECT_EQ(0, sandbox_init(&cfg, err, sizeof(err)));
}

TEST_HARNESS_MAIN
