/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arm64 backend: the host kernel runs at EL2 with VHE and KVM off
 * (kvm-arm.mode=none); guests run at EL1 behind Vireo's own stage-2
 * tables and EL2 vectors.
 */
#ifndef VIREO_ARM64_H
#define VIREO_ARM64_H

#include "core/vireo.h"

extern const struct vireo_impl vireo_arm64_impl;

#endif
