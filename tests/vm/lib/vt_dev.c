// SPDX-License-Identifier: GPL-2.0
/*
 * Which device the in-VM tests open: the part of the helpers that names no
 * architecture (tests/vm and tests/vm/arm64 both link it).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vt_dev.h"

const char *vt_dev_path(void)
{
	const char *p = getenv("VIREO_TEST_DEV");

	if (p && *p)
		return p;
	if (access("/dev/vireo", F_OK) == 0)
		return "/dev/vireo";
	return "/dev/kvm";
}

const char *vt_mode(void)
{
	const char *m = getenv("VIREO_TEST_MODE");

	if (m && *m)
		return m;
	return strstr(vt_dev_path(), "vireo") ? "vireo" : "kvm";
}

int vt_open_dev(void)
{
	return open(vt_dev_path(), O_RDWR | O_CLOEXEC);
}
