/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the host kernel's own speculation mitigations ask of a hypervisor
 * around guest entry and exit (arch/x86/kernel/cpu/bugs.c decides, the
 * X86_FEATURE_* flags and exported state say), and handing a machine check
 * that hit the guest to the host.  README's "Security model" lists which
 * mitigation applies where.
 */
#ifndef VIREO_X86_MITIGATE_H
#define VIREO_X86_MITIGATE_H

#include <linux/types.h>

int x86_mitigate_init(void);
void x86_mitigate_fini(void);
void x86_ibpb_new_vcpu(void);
bool x86_l1d_flush(bool *pending);
void x86_guest_exited(void);
void x86_machine_check(void);

#endif
