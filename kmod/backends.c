// SPDX-License-Identifier: GPL-2.0
/* The one place that lists the hardware backends, best first. */
#include "core/vireo.h"
#ifdef CONFIG_X86
#include "svm/svm.h"
#include "vmx/vmx.h"
#endif
#ifdef CONFIG_ARM64
#include "arm64/arm64.h"
#endif

const struct vireo_impl *const vireo_impls[] = {
#ifdef CONFIG_X86
	&vireo_svm_impl,
	&vireo_vmx_impl,
#endif
#ifdef CONFIG_ARM64
	&vireo_arm64_impl,
#endif
	NULL,
};
