// SPDX-License-Identifier: GPL-2.0
/* The one place that lists the hardware backends, best first. */
#include "core/vireo.h"

extern const struct vireo_impl vireo_svm_impl;

const struct vireo_impl *const vireo_impls[] = {
	&vireo_svm_impl,
	NULL,
};
