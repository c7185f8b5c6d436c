/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-VM tests.  They speak only the KVM ABI, so each
 * test runs unchanged on vireo.ko (/dev/vireo) and kvm.ko (/dev/kvm).
 *
 * The programs that do not depend on one architecture (memory slots,
 * lifetimes, the ioctl fuzzer, the bare fds) build for x86-64 and for arm64
 * (tests/vm/arm64/shared.list): they create their VM with vt_vm_create()
 * and run the canned guests below, which each architecture provides
 * (vt_x86.c here, tests/vm/arm64/lib/vt_arm64.c).
 */
#ifndef VIREO_TEST_H
#define VIREO_TEST_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vt_dev.h"


struct vt_vm {
	int sys;
	int vm;
	int vcpu;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	size_t mem_size;
};

/*
 * A VM with one slot of @mem_size bytes at GPA @gpa and one vCPU whose
 * kvm_run is mapped; nothing set up in the vCPU.  Returns 0 or -errno.
 */
int vt_vm_open(struct vt_vm *t, uint64_t gpa, size_t mem_size);
/*
 * A VM with one slot of @mem_size bytes at GPA 0 and one vCPU ready to run
 * from GPA @entry: on x86 in real mode with CS base 0 and flat 64 KiB
 * segments, on arm64 initialised (PSCI 0.2) at EL1 with its MMU off.
 * Returns 0 or -errno.
 */
int vt_vm_create(struct vt_vm *t, size_t mem_size, uint64_t entry);
void vt_vm_destroy(struct vt_vm *t);
/* KVM_RUN; returns 0 or -errno. */
int vt_run(struct vt_vm *t);
const char *vt_exit_name(uint32_t reason);

/*
 * The canned guests.  Each copies its code into the slot at GPA @at (below
 * 64 KiB, clear of what the guest touches) and points the vCPU there.  A
 * guest "reports" a value with an exit to the VMM (x86: OUT to port
 * VT_REPORT_PORT; arm64: a store to VT_REPORT_GPA outside every slot, an
 * MMIO exit) and "stops" with an exit that ends it (x86: HLT; arm64: PSCI
 * SYSTEM_OFF).
 */
#define VT_REPORT_PORT	0x10
#define VT_REPORT_GPA	0x10000000ULL

/* Report @val, then stop. */
int vt_guest_report(struct vt_vm *t, uint64_t at, uint8_t val);
/* Report the byte at @a, then the byte at @b (both below 64 KiB), stop. */
int vt_guest_load2(struct vt_vm *t, uint64_t at, uint16_t a, uint16_t b);
/*
 * Forever: write the byte i at GPA i * 256 for i from 0 to 254, with no
 * exit of its own (@at must be 0xff00).  The host's interrupts still end
 * the guest's slices, whatever the guest masks.
 */
int vt_guest_spin(struct vt_vm *t, uint64_t at);
/* Was the last exit a report?  Its value in *@val. */
bool vt_exit_report(const struct vt_vm *t, uint64_t *val);
/* Was the last exit a stop? */
bool vt_exit_stop(const struct vt_vm *t);

#ifdef __x86_64__
/*
 * Switch the vCPU to 64-bit mode with identity-mapped 2 MiB pages for the
 * first GiB; the page tables go at GPA @pt (three pages, inside the slot).
 */
int vt_long_mode(struct vt_vm *t, uint64_t pt);
/* Data of the last KVM_EXIT_IO. */
uint8_t *vt_io_data(struct vt_vm *t);
/*
 * How many times KVM_GET_MSR_INDEX_LIST on @sys names @index, the list's
 * size asked for first (E2BIG); -1 if either call does not answer so.
 */
int vt_msr_listed(int sys, uint32_t index);
#endif

#endif
