/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Vireo's own userspace ABI, beside KVM's.
 *
 * Every ioctl vireo.ko answers is KVM's, as <linux/kvm.h> defines it: the
 * same numbers, structures and errnos, so KVM clients need nothing from
 * here.  What is Vireo's own:
 *
 * - The device node VIREO_DEVICE, always there.  With the module
 *   parameter devkvm=1 the module also takes KVM's misc minor as /dev/kvm
 *   when that is free.
 * - VIREOIO, the ioctl type for Vireo's additions, kept apart from KVMIO
 *   (0xAE) so that no addition can collide with a KVM ioctl; it is unused
 *   in Documentation/userspace-api/ioctl/ioctl-number.rst.  No ioctl uses
 *   it yet, and KVM_CHECK_EXTENSION reports only KVM's capabilities.
 * - Read-only debugfs counters under VIREO_DEBUGFS: huge_mappings (2 MiB
 *   nested mappings made since load), exits (guest exits since load, as
 *   kvm.ko's debugfs kvm/exits) and stats/NAME (each binary statistic of
 *   KVM_GET_STATS_FD summed over the live VMs or vCPUs).  Debugging aids,
 *   not a stable ABI.
 */
#ifndef _UAPI_VIREO_H
#define _UAPI_VIREO_H

#define VIREO_DEVICE_NAME	"vireo"
#define VIREO_DEVICE		"/dev/" VIREO_DEVICE_NAME
#define VIREO_DEBUGFS		"/sys/kernel/debug/" VIREO_DEVICE_NAME

#define VIREOIO			0xB8

#endif /* _UAPI_VIREO_H */
