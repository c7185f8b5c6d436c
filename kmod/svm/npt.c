// SPDX-License-Identifier: GPL-2.0
/*
 * Nested paging: AMD's entry format for the shared nested page tables
 * (kmod/x86/tdp.c).  Entries use the host's long-mode page table format.
 */
#include <linux/bits.h>
#include <linux/mm.h>

#include "svm/svm.h"

#define NPT_P		BIT_ULL(0)
#define NPT_W		BIT_ULL(1)
/* Nested walks are user accesses: every level needs U. */
#define NPT_U		BIT_ULL(2)
#define NPT_A		BIT_ULL(5)
#define NPT_D		BIT_ULL(6)
#define NPT_PS		BIT_ULL(7)
/* Available to software in an entry the CPU ignores (P clear). */
#define NPT_ZAPPED	BIT_ULL(9)
#define NPT_ZAPPED_W	BIT_ULL(10)

#define PFERR_WRITE	BIT_ULL(1)

static const struct x86_tdp_format npt_format = {
	.present	= NPT_P,
	.table		= NPT_P | NPT_W | NPT_U | NPT_A,
	.leaf		= NPT_P | NPT_U | NPT_A | NPT_D,
	.write		= NPT_W,
	.huge		= NPT_PS,
	.zapped		= NPT_ZAPPED,
	.zapped_w	= NPT_ZAPPED_W,
};

int svm_npt_create(struct svm_vm *svm)
{
	/* Nested walks use the host's paging mode: five levels under LA57. */
	return x86_tdp_init(&svm->tdp, &npt_format,
			    pgtable_l5_enabled() ? 5 : 4, true);
}

void svm_npt_destroy(struct svm_vm *svm)
{
	x86_tdp_destroy(&svm->tdp);
}

unsigned int svm_gpa_bits(void)
{
	return x86_gpa_bits(pgtable_l5_enabled() ? 5 : 4);
}

void svm_npt_unmap(struct vireo_vm *vm, u64 gpa, u64 size)
{
	x86_tdp_unmap(&to_svm_vm(vm)->tdp, gpa, size);
}

void svm_npt_write_protect(struct vireo_vm *vm, const struct vireo_slot *s,
			   const unsigned long *mask)
{
	x86_tdp_write_protect(&to_svm_vm(vm)->tdp, s->gpa, mask,
			      s->size >> PAGE_SHIFT);
}

/* 0: the guest can retry; 1: the access is MMIO; or -errno. */
int svm_npt_fault(struct vireo_vcpu *vcpu, u64 gpa, u64 error)
{
	return x86_tdp_fault(&to_svm_vm(vcpu->vm)->tdp, vcpu->vm, gpa,
			     error & PFERR_WRITE);
}
