/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the in-VM tests.  They speak only the KVM ABI, so each
 * test runs unchanged on vireo.ko (/dev/vireo) and kvm.ko (/dev/kvm).
 */
#ifndef VIREO_TEST_H
#define VIREO_TEST_H

#include <linux/kvm.h>
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
 * A VM with one slot of @mem_size bytes at GPA 0 and one vCPU in real mode
 * with CS base 0, RIP @rip and flat 64 KiB segments.  Returns 0 or -errno.
 */
int vt_vm_create(struct vt_vm *t, size_t mem_size, uint64_t rip);
void vt_vm_destroy(struct vt_vm *t);
/*
 * Switch the vCPU to 64-bit mode with identity-mapped 2 MiB pages for the
 * first GiB; the page tables go at GPA @pt (three pages, inside the slot).
 */
int vt_long_mode(struct vt_vm *t, uint64_t pt);
/* KVM_RUN; returns 0 or -errno. */
int vt_run(struct vt_vm *t);
/* Data of the last KVM_EXIT_IO. */
uint8_t *vt_io_data(struct vt_vm *t);
const char *vt_exit_name(uint32_t reason);

#endif
