// SPDX-License-Identifier: GPL-2.0
/*
 * arm64: no seccomp sandbox yet. Its device models raise their SPIs with
 * KVM_IRQ_LINE, an ioctl from whatever thread the device runs on (the
 * virtio worker and the I/O thread included), which sandbox.c's filters
 * forbid those threads; irqfds would lift that. Until then the VMM runs
 * unfiltered there, and says so for --user and --jail rather than
 * half-doing them.
 */
#include "../errmsg.h"
#include "../sandbox.h"

int sandbox_init(const struct vm_config *cfg, char *err, size_t errlen)
{
	if (cfg->user)
		return errmsg(err, errlen, "--user: not supported on arm64 yet");
	if (cfg->jail)
		return errmsg(err, errlen, "--jail: not supported on arm64 yet");
	return 0;
}

int sandbox_jail(const struct vm_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	return 0;
}

int sandbox_drop(const struct vm_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	return 0;
}

int sandbox_enter(enum sandbox_kind kind, char *err, size_t errlen)
{
	(void)kind;
	(void)err;
	(void)errlen;
	return 0;
}

void sandbox_selftest(void)
{
}

void sandbox_allow_rmdir(int dirfd)
{
	(void)dirfd;
}

const char *sandbox_syscall_name(long nr)
{
	(void)nr;
	return NULL;
}
