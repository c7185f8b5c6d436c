// SPDX-License-Identifier: GPL-2.0
/*
 * Least privilege for the VMM once it has opened everything it needs: each
 * thread loads a seccomp filter for its kind (vCPU, I/O, main) that allows
 * only the system calls, and for ioctl the requests, that kind makes while
 * the guest runs. Anything else traps; the SIGSYS handler names the call
 * and ends the process. With --user the VMM first takes that user's
 * credentials (all threads: glibc applies setuid to every thread). With
 * --jail, before any thread exists, it moves into new mount, network, IPC
 * and UTS namespaces whose root is the jail directory, read-only: once set
 * up, the VMM works only on descriptors it holds, so it needs no file.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/vhost.h>

#include "errmsg.h"
#include "sandbox.h"

#define NR_NAMES	512

static bool enabled;
static uid_t user_uid;
static gid_t user_gid;
static const char *user_name;
static int rmdir_fd = -1;
static char names[NR_NAMES][32];
static __thread const char *thread_kind = "main";

const char *sandbox_syscall_name(long nr)
{
	return nr >= 0 && nr < NR_NAMES && names[nr][0] ? names[nr] : NULL;
}

/* Async-signal-safe: write(2) and exit_group(2) only. */
static void put(const char *s)
{
	ssize_t r = write(STDERR_FILENO, s, strlen(s));

	(void)r;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	const char *name = sandbox_syscall_name(si->si_syscall);
	char num[24];
	int i = sizeof(num) - 1;
	unsigned long n = (unsigned long)si->si_syscall;

	(void)sig, (void)uc;
	num[i] = '\0';
	do {
		num[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n && i);
	put("vireo: sandbox: forbidden system call ");
	put(name ? name : "?");
	put(" (");
	put(num + i);
	put("), ");
	put(thread_kind);
	put(" thread\r\n");
	/* The system call itself: nothing (a sanitizer's _exit) runs first. */
	syscall(SYS_exit_group, 1);
}

int sandbox_init(const struct vm_config *cfg, char *err, size_t errlen)
{
	struct sigaction sa;

	if (cfg->user) {
		struct passwd *pw;

		errno = 0;
		pw = getpwnam(cfg->user);
		/* Not found may come with any of these (getpwnam(3)). */
		if (!pw) {
			int e = errno;

			if (!e || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM)
				snprintf(err, errlen, "--user %s: no such user", cfg->user);
			else
				snprintf(err, errlen, "--user %s: %s", cfg->user, strerror(e));
			return -1;
		}
		user_uid = pw->pw_uid;
		user_gid = pw->pw_gid;
		user_name = cfg->user;
	}
	if (cfg->jail) {
		struct stat st;

		if (stat(cfg->jail, &st))
			return errmsg(err, errlen, "--jail %s: %s", cfg->jail,
				      strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return errmsg(err, errlen, "--jail %s: not a directory",
				      cfg->jail);
	}
	if (cfg->no_sandbox)
		return 0;
	/*
	 * glibc reads the time zone (opens /etc/localtime) at the first
	 * gmtime_r, which the RTC model calls on a vCPU thread: now, while
	 * open is allowed.
	 */
	tzset();
	for (long nr = 0; nr < NR_NAMES; nr++) {
		char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);

		if (s)
			snprintf(names[nr], sizeof(names[nr]), "%s", s);
		free(s);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL)) {
		snprintf(err, errlen, "sandbox: SIGSYS handler: %s", strerror(errno));
		return -1;
	}
	enabled = true;
	return 0;
}

int sandbox_jail(const struct vm_config *cfg, char *err, size_t errlen)
{
	const char *dir = cfg->jail;

	if (!dir)
		return 0;
	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS))
		return errmsg(err, errlen, "--jail %s: cannot make new namespaces: %s",
			      dir, strerror(errno));
	/*
	 * Private first, so nothing below reaches the host's mount table;
	 * then the directory becomes a mount of its own, is pivoted to, and
	 * the old root is detached: no path leads back to it.
	 */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) || chdir(dir))
		goto fail;
	if (!syscall(SYS_pivot_root, ".", ".")) {
		if (umount2(".", MNT_DETACH))
			goto fail;
	} else if (errno != EINVAL ||
		   /*
		    * A root that is the initramfs cannot be pivoted away:
		    * move the jail over it and chroot, as switch_root(8)
		    * does. The old root stays mounted underneath, out of
		    * reach: the filters forbid chroot, fchdir and open.
		    */
		   mount(".", "/", NULL, MS_MOVE, NULL) || chroot(".")) {
		goto fail;
	}
	if (chdir("/"))
		goto fail;
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
		  MS_NODEV | MS_NOEXEC, NULL))
		return errmsg(err, errlen, "--jail %s: cannot make it read-only: %s",
			      dir, strerror(errno));
	return 0;
fail:
	return errmsg(err, errlen, "--jail %s: cannot make it the root: %s", dir,
		      strerror(errno));
}

void sandbox_allow_rmdir(int dirfd)
{
	rmdir_fd = dirfd;
}

int sandbox_drop(const struct vm_config *cfg, char *err, size_t errlen)
{
	if (!cfg->user)
		return 0;
	if (initgroups(user_name, user_gid) || setgid(user_gid) ||
	    setuid(user_uid)) {
		snprintf(err, errlen, "--user %s: cannot take its credentials: %s",
			 user_name, strerror(errno));
		return -1;
	}
	/* Irreversibly: no way back to the old user. */
	if (user_uid && setuid(0) == 0) {
		snprintf(err, errlen, "--user %s: the VMM could become root again",
			 user_name);
		return -1;
	}
	return 0;
}

/* Every kind: memory, locks, time, signals to the VMM's own threads, I/O on open descriptors. */
static const int common[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv),
	SCMP_SYS(pwritev), SCMP_SYS(lseek), SCMP_SYS(fdatasync),
	SCMP_SYS(fsync), SCMP_SYS(close), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(futex), SCMP_SYS(mmap),
	SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(madvise),
	SCMP_SYS(brk), SCMP_SYS(mremap), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettid),
	SCMP_SYS(getpid), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sched_yield), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(restart_syscall), SCMP_SYS(timerfd_settime),
	SCMP_SYS(timerfd_gettime), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(getrandom),
};

/*
 * KVM_RUN and what the devices' register writes need on a vCPU thread;
 * each architecture adds its own (arch_vcpu_ioctls).
 */
static const unsigned long vcpu_ioctls[] = {
	KVM_RUN,
	KVM_IOEVENTFD,		/* a virtio-pci BAR the guest moved */
	/*
	 * --net ...,vhost: the driver's DRIVER_OK and reset, register writes
	 * that exit on a vCPU, start and stop vhost-net's queues. Only the
	 * vhost-net fd (opened before the filters) answers them.
	 */
	VHOST_SET_FEATURES, VHOST_SET_VRING_NUM, VHOST_SET_VRING_BASE,
	VHOST_GET_VRING_BASE, VHOST_SET_VRING_ADDR, VHOST_SET_VRING_KICK,
	VHOST_SET_VRING_CALL, VHOST_NET_SET_BACKEND,
	/* --net: the tap's receive offloads follow the driver's features. */
	TUNSETOFFLOAD, 0,
};

/*
 * Every kind: a device model raises its interrupt from whichever thread
 * runs it, and with the interrupt controllers in the kernel that is a VM
 * ioctl (an I/O APIC message, an ISA line, an MSI route that moved). They
 * reach only this VM's own interrupt controllers.
 */
static const unsigned long irq_ioctls[] = {
	KVM_SIGNAL_MSI, KVM_IRQ_LINE, KVM_SET_GSI_ROUTING, 0,
};

/*
 * The terminal restored at exit; the architecture's dump of a stuck guest
 * adds its own (arch_dump_ioctls).
 */
static const unsigned long main_ioctls[] = {
	TCGETS, TCSETS, TCSETSW, TCSETSF, 0,
};

/*
 * Argument @arg compared with @a (and @b, the mask of a masked compare):
 * libseccomp's SCMP_A* macros leave datum_b out, which clang's
 * -Wmissing-field-initializers refuses.
 */
static struct scmp_arg_cmp arg_cmp(unsigned int arg, enum scmp_compare op,
				   scmp_datum_t a, scmp_datum_t b)
{
	struct scmp_arg_cmp c = {
		.arg = arg, .op = op, .datum_a = a, .datum_b = b,
	};

	return c;
}

/* The requests of @req, a list that ends with 0 (no ioctl is 0). */
static int allow_ioctls(scmp_filter_ctx ctx, const unsigned long *req)
{
	for (size_t i = 0; req[i]; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     arg_cmp(1, SCMP_CMP_MASKED_EQ, 0xffffffffULL,
					     req[i] & 0xffffffffULL)))
			return -1;
	return 0;
}

int sandbox_enter(enum sandbox_kind kind, char *err, size_t errlen)
{
	static const char *const kinds[] = { "main", "I/O", "vCPU" };
	scmp_filter_ctx ctx;
	int ret = -1;

	thread_kind = kinds[kind];
	if (!enabled)
		return 0;
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		snprintf(err, errlen, "sandbox: seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, common[i], 0))
			goto out;
	/* Signals only to this process's threads (vCPU kicks). */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
			     arg_cmp(0, SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0)))
		goto out;
	if (allow_ioctls(ctx, irq_ioctls))
		goto out;
	switch (kind) {
	case SANDBOX_VCPU:
		if (allow_ioctls(ctx, vcpu_ioctls) ||
		    allow_ioctls(ctx, arch_vcpu_ioctls))
			goto out;
		break;
	case SANDBOX_MAIN:
		if (allow_ioctls(ctx, main_ioctls) ||
		    allow_ioctls(ctx, arch_dump_ioctls))
			goto out;
		/* The VM's cgroup removed at exit, through its parent's fd. */
		if (rmdir_fd >= 0 &&
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat), 2,
				     arg_cmp(0, SCMP_CMP_EQ, (scmp_datum_t)rmdir_fd, 0),
				     arg_cmp(2, SCMP_CMP_EQ, AT_REMOVEDIR, 0)))
			goto out;
		break;
	case SANDBOX_IO:
		break;
	}
	ret = seccomp_load(ctx);
out:
	seccomp_release(ctx);
	if (ret)
		snprintf(err, errlen, "sandbox: cannot load the %s threads' filter: %s",
			 kinds[kind], strerror(ret < 0 ? -ret : EINVAL));
	return ret ? -1 : 0;
}

void sandbox_selftest(void)
{
	static int done;

	if (done++ || !getenv("VIREO_SANDBOX_SELFTEST"))
		return;
	/* socket(2): no VMM thread opens anything once the guest runs. */
	syscall(SYS_socket, 1, 1, 0);
}
