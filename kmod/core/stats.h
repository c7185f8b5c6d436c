/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Core-internal: the binary statistics fds and debugfs sums (stats.c).
 * What the backends call is in vireo.h: vireo_stat_exit(), vireo_stat_inc().
 */
#ifndef VIREO_CORE_STATS_H
#define VIREO_CORE_STATS_H

#include "core/vireo.h"

struct dentry;

void vireo_stats_init(struct dentry *parent);
void vireo_stats_vm_add(struct vireo_vm *vm);
void vireo_stats_vm_del(struct vireo_vm *vm);
void vireo_stats_vcpu_init(struct vireo_vcpu *vcpu);
void vireo_stats_run_done(struct vireo_vcpu *vcpu, int r);
int vireo_vm_stats_fd(struct vireo_vm *vm);
int vireo_vcpu_stats_fd(struct vireo_vcpu *vcpu);

/* A VM counter; the caller serialises (vm->lock, slots_lock). */
static inline void vireo_vm_stat_inc(struct vireo_vm *vm,
				     enum vireo_vm_stat stat)
{
	vm->stats.c[stat]++;
}

#endif
