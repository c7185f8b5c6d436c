/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests know about the machine they run on: the CPU's
 * virtualization extension (the backend both modules use) and the test
 * VM's platform, for the few places where an emulator's quirk changes what
 * a test can ask of kvm.ko.
 */
#ifndef VT_HOST_H
#define VT_HOST_H

#include <cpuid.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vireo_test.h"

/* Intel VT-x: CPUID.1:ECX.VMX[bit 5]. */
static inline bool vt_host_vmx(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 5));
}

/* AMD-V: CPUID.80000001h:ECX.SVM[bit 2]. */
static inline bool vt_host_svm(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 2));
}

/*
 * The harness's platform (scripts/vm/platform-*.sh), from
 * $VIREO_PLATFORM; "qemu-x86" when it is not set.
 */
static inline const char *vt_platform(void)
{
	const char *p = getenv("VIREO_PLATFORM");

	return p && *p ? p : "qemu-x86";
}

static inline bool vt_platform_is(const char *name)
{
	return strcmp(vt_platform(), name) == 0;
}

/*
 * RFLAGS for a guest that spins until the host takes the CPU back.  IF is
 * clear: a host interrupt must end the guest's slice whatever the guest
 * masks.  Bochs 2.7 (platform bochs-x86) breaks that for VT-x: it causes
 * no VM exit for an external interrupt while the guest's IF is clear.
 * vireo.ko gets the CPU back through the VMX preemption timer, kvm_intel
 * never does, so there, under kvm.ko only, the guest spins with IF set
 * (nothing injects interrupts, so the guest runs the same either way).
 */
static inline unsigned long long vt_spin_rflags(void)
{
	if (vt_platform_is("bochs-x86") && !strcmp(vt_mode(), "kvm"))
		return 0x202;
	return 0x2;
}

#endif
