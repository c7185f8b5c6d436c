// SPDX-License-Identifier: GPL-2.0
/* The one place that lists the hardware backends, best first. */
#include "core/vireo.h"
#include "svm/svm.h"
#include "vmx/vmx.h"

const struct vireo_impl *const vireo_impls[] = {
	&vireo_svm_impl,
	&vireo_vmx_impl,
	NULL,
};
