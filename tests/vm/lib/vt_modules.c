// SPDX-License-Identifier: GPL-2.0
/* The modules under test, loaded and unloaded from inside the test VM. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vt_host.h"
#include "vt_modules.h"

int vt_module_load(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return errno;
	r = syscall(SYS_finit_module, fd, params, 0) ? errno : 0;
	close(fd);
	return r;
}

int vt_module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? errno : 0;
}

int vt_kvm_load(void)
{
	struct dirent **list;
	int n, i, r = 0;

	n = scandir(VT_KVM_MODS, &list, NULL, alphasort);
	if (n < 0)
		return errno;
	for (i = 0; i < n; i++) {
		char path[512];

		if (!r && strstr(list[i]->d_name, ".ko")) {
			snprintf(path, sizeof(path), VT_KVM_MODS "/%s",
				 list[i]->d_name);
			r = vt_module_load(path, "");
			if (r == EEXIST)
				r = 0;
		}
		free(list[i]);
	}
	free(list);
	return r;
}

int vt_kvm_unload(void)
{
	int r = vt_module_unload(vt_host_vmx() ? "kvm_intel" : "kvm_amd");

	if (!r)
		r = vt_module_unload("kvm");
	if (!r)
		r = vt_module_unload("irqbypass");
	return r;
}
