// SPDX-License-Identifier: GPL-2.0
/*
 * Vireo-only: module life next to kvm.ko's vendor module (kvm_amd on AMD-V,
 * kvm_intel on VT-x: the harness puts the one for this CPU in
 * /vireo/kvm-modules), and the devkvm parameter.  Each test runs in both
 * modes, loading and unloading the modules it needs by hand.
 */
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"
#include "vt_modules.h"

#define VIREO_KO	"/vireo/kmod/vireo.ko"

static bool is_mode(const char *m)
{
	return strcmp(vt_mode(), m) == 0;
}

/*
 * Each test needs one hypervisor loaded as the harness loads it and loads
 * the other by hand.  In the other mode it first swaps the harness's
 * module for the one it needs, and swaps back at the end: every test runs
 * on both modes (no skip that depends on the module under test), and
 * vireo.ko's every load is leak-checked at its unload (scripts/vm/init).
 */
static int use_kvm(void)
{
	int r;

	if (!is_mode("vireo"))
		return 0;
	r = vt_module_unload("vireo");
	return r ? r : vt_kvm_load();
}

static int unuse_kvm(void)
{
	int r;

	if (!is_mode("vireo"))
		return 0;
	r = vt_kvm_unload();
	return r ? r : vt_module_load(VIREO_KO, "");
}

static int use_vireo(void)
{
	int r;

	if (!is_mode("kvm"))
		return 0;
	r = vt_kvm_unload();
	return r ? r : vt_module_load(VIREO_KO, "");
}

static int unuse_vireo(void)
{
	int r;

	if (!is_mode("kvm"))
		return 0;
	r = vt_module_unload("vireo");
	return r ? r : vt_kvm_load();
}

/* The device node of a module just loaded shows up asynchronously. */
static int wait_node(const char *path)
{
	struct stat st;
	int i;

	for (i = 0; i < 50 && stat(path, &st); i++)
		usleep(20000);
	return stat(path, &st) ? errno : 0;
}

/*
 * kvm.ko holds the CPU's extension (SVM or VMX) while a VM exists:
 * vireo.ko must refuse, then load.
 */
TEST(vireo_refuses_busy_cpu)
{
	int sys, vm;

	ASSERT_EQ(0, use_kvm());
	ASSERT_EQ(0, wait_node("/dev/kvm"));
	sys = open("/dev/kvm", O_RDWR);
	ASSERT_GE(sys, 0);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	EXPECT_EQ(EBUSY, vt_module_load(VIREO_KO, ""));
	close(vm);
	close(sys);
	/* With no VM left kvm.ko lets go of it; /dev/kvm stays kvm.ko's. */
	ASSERT_EQ(0, vt_module_load(VIREO_KO, "devkvm=1"));
	ASSERT_EQ(0, wait_node("/dev/vireo"));
	sys = open("/dev/vireo", O_RDWR);
	ASSERT_GE(sys, 0);
	EXPECT_EQ(12, ioctl(sys, KVM_GET_API_VERSION, 0));
	close(sys);
	EXPECT_EQ(0, vt_module_unload("vireo"));
	ASSERT_EQ(0, unuse_kvm());
	if (is_mode("vireo"))
		EXPECT_EQ(0, wait_node("/dev/vireo"));
}

/*
 * With vireo.ko loaded and a VM open, kvm.ko's vendor module loads but
 * cannot take the extension: its first VM fails with EBUSY.
 */
TEST(kvm_refused)
{
	int sys, vm, ours, ourvm;

	ASSERT_EQ(0, use_vireo());
	ASSERT_EQ(0, wait_node("/dev/vireo"));
	ours = open("/dev/vireo", O_RDWR);
	ASSERT_GE(ours, 0);
	ourvm = ioctl(ours, KVM_CREATE_VM, 0);
	ASSERT_GE(ourvm, 0);
	ASSERT_EQ(0, vt_kvm_load());
	sys = open("/dev/kvm", O_RDWR);
	ASSERT_GE(sys, 0);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	EXPECT_EQ(-1, vm);
	EXPECT_EQ(EBUSY, errno);
	if (vm >= 0)
		close(vm);
	close(sys);
	EXPECT_EQ(0, vt_kvm_unload());
	close(ourvm);
	close(ours);
	ASSERT_EQ(0, unuse_vireo());
	if (is_mode("kvm"))
		EXPECT_EQ(0, wait_node("/dev/kvm"));
}

/* devkvm=1: the same device also answers on KVM's misc minor. */
TEST(devkvm_param)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, use_vireo());
	ASSERT_EQ(0, vt_module_unload("vireo"));
	ASSERT_EQ(0, vt_module_load(VIREO_KO, "devkvm=1"));
	ASSERT_EQ(0, wait_node("/dev/kvm"));
	ASSERT_EQ(0, stat("/dev/kvm", &st));
	EXPECT_EQ(10u, major(st.st_rdev));
	EXPECT_EQ(232u, minor(st.st_rdev));
	fd = open("/dev/kvm", O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(12, ioctl(fd, KVM_GET_API_VERSION, 0));
	close(fd);
	/* Back to the harness's own configuration. */
	ASSERT_EQ(0, vt_module_unload("vireo"));
	ASSERT_EQ(0, vt_module_load(VIREO_KO, ""));
	ASSERT_EQ(0, wait_node("/dev/vireo"));
	ASSERT_EQ(0, unuse_vireo());
	if (is_mode("kvm"))
		EXPECT_EQ(0, wait_node("/dev/kvm"));
}

TEST_HARNESS_MAIN
