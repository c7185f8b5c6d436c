// SPDX-License-Identifier: GPL-2.0
/*
 * The x86-64 part of the helpers (vireo_test.h): the vCPU in real mode or
 * long mode, and the canned guests as 16-bit code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vireo_test.h"
#include "vt_host.h"

int vt_vm_create(struct vt_vm *t, size_t mem_size, uint64_t rip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r = vt_vm_open(t, 0, mem_size);

	if (r)
		return r;
	if (ioctl(t->vcpu, KVM_GET_SREGS, &sregs))
		goto err;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(t->vcpu, KVM_SET_SREGS, &sregs))
		goto err;
	memset(&regs, 0, sizeof(regs));
	regs.rip = rip;
	regs.rflags = 2;
	if (ioctl(t->vcpu, KVM_SET_REGS, &regs))
		goto err;
	return 0;
err:
	r = -errno;
	vt_vm_destroy(t);
	return r ? r : -EIO;
}

int vt_long_mode(struct vt_vm *t, uint64_t pt)
{
	uint64_t *pml4 = (uint64_t *)(t->mem + pt);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;
	struct kvm_segment cs = {
		.limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
		.s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment ds = {
		.limit = 0xffffffff, .selector = 16, .type = 3, .present = 1,
		.s = 1, .db = 1, .g = 1,
	};
	struct kvm_sregs s;
	int i;

	pml4[0] = (pt + 0x1000) | 3;
	pdpt[0] = (pt + 0x2000) | 3;
	for (i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;
	if (ioctl(t->vcpu, KVM_GET_SREGS, &s))
		return -errno;
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.cr3 = pt;
	s.cr4 = 1 << 5;			/* PAE */
	s.cr0 = 0x80000001 | (1 << 4);	/* PG, PE, ET */
	s.efer = (1 << 8) | (1 << 10);	/* LME, LMA */
	return ioctl(t->vcpu, KVM_SET_SREGS, &s) ? -errno : 0;
}

uint8_t *vt_io_data(struct vt_vm *t)
{
	return (uint8_t *)t->run + t->run->io.data_offset;
}

int vt_msr_listed(int sys, uint32_t index)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *list;
	int found = -1;
	unsigned int i;

	if (ioctl(sys, KVM_GET_MSR_INDEX_LIST, &probe) != -1 || errno != E2BIG)
		return -1;
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(__u32));
	if (!list)
		return -1;
	list->nmsrs = probe.nmsrs;
	if (!ioctl(sys, KVM_GET_MSR_INDEX_LIST, list))
		for (found = 0, i = 0; i < list->nmsrs; i++)
			found += list->indices[i] == index;
	free(list);
	return found;
}

/* @code at @at, RIP there, RFLAGS @rflags; 0 or -errno. */
static int load(struct vt_vm *t, uint64_t at, const uint8_t *code,
		size_t len, uint64_t rflags)
{
	struct kvm_regs regs;

	if (at + len > t->mem_size || at + len > 0x10000)
		return -E2BIG;
	memcpy(t->mem + at, code, len);
	if (ioctl(t->vcpu, KVM_GET_REGS, &regs))
		return -errno;
	regs.rip = at;
	regs.rflags = rflags;
	return ioctl(t->vcpu, KVM_SET_REGS, &regs) ? -errno : 0;
}

int vt_guest_report(struct vt_vm *t, uint64_t at, uint8_t val)
{
	const uint8_t code[] = {
		0xb0, val,			/* mov al, val */
		0xe6, VT_REPORT_PORT,		/* out VT_REPORT_PORT, al */
		0xf4,				/* hlt */
	};

	return load(t, at, code, sizeof(code), 2);
}

int vt_guest_load2(struct vt_vm *t, uint64_t at, uint16_t a, uint16_t b)
{
	const uint8_t code[] = {
		0xa0, a & 0xff, a >> 8,		/* mov al, [a] */
		0xe6, VT_REPORT_PORT,		/* out VT_REPORT_PORT, al */
		0xa0, b & 0xff, b >> 8,		/* mov al, [b] */
		0xe6, VT_REPORT_PORT,
		0xf4,				/* hlt */
	};

	return load(t, at, code, sizeof(code), 2);
}

int vt_guest_spin(struct vt_vm *t, uint64_t at)
{
	static const uint8_t code[] = {
		0x31, 0xdb,			/* l: xor bx, bx */
		0x88, 0x3f,			/* m: mov [bx], bh */
		0x81, 0xc3, 0x00, 0x01,		/* add bx, 0x100 */
		0x80, 0xff, 0xff,		/* cmp bh, 0xff */
		0x75, 0xf5,			/* jne m */
		0xeb, 0xf1,			/* jmp l */
	};

	return load(t, at, code, sizeof(code), vt_spin_rflags());
}

bool vt_exit_report(const struct vt_vm *t, uint64_t *val)
{
	const struct kvm_run *run = t->run;
	uint64_t v = 0;

	if (run->exit_reason != KVM_EXIT_IO ||
	    run->io.direction != KVM_EXIT_IO_OUT ||
	    run->io.port != VT_REPORT_PORT || run->io.size > sizeof(v))
		return false;
	memcpy(&v, (const uint8_t *)run + run->io.data_offset, run->io.size);
	*val = v;
	return true;
}

bool vt_exit_stop(const struct vt_vm *t)
{
	return t->run->exit_reason == KVM_EXIT_HLT;
}
