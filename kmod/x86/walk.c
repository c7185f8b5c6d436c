// SPDX-License-Identifier: GPL-2.0
/*
 * Guest page-table walks in all three paging modes.  Access rights are not
 * checked: the CPU already did so before it reached the faulting access.
 */
#include "x86/walk.h"

#ifndef __KERNEL__
#include <errno.h>
#define __vireo_hot
#else
#include <linux/errno.h>
#include "core/vireo.h"
#endif

#define CR0_PG		BIT_ULL(31)
#define CR4_PSE		BIT_ULL(4)
#define CR4_PAE		BIT_ULL(5)
#define CR4_LA57	BIT_ULL(12)
#define EFER_LMA_BIT	BIT_ULL(10)
#define PTE_P		1ULL
#define PTE_PS		BIT_ULL(7)
#define ADDR_MASK	0x000ffffffffff000ULL

static int read_entry(x86_read_phys rd, void *ctx, u64 gpa, unsigned int size,
		      u64 *e)
{
	*e = 0;
	return rd(ctx, gpa, e, size);
}

int x86_translate(const struct x86_paging *p, u64 gva, x86_read_phys rd,
		  void *ctx, u64 *gpa)
{
	unsigned int levels, shift, bits, esize;
	u64 table, e;
	int r;

	if (!(p->cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	if (p->efer & EFER_LMA_BIT) {
		levels = (p->cr4 & CR4_LA57) ? 5 : 4;
		bits = 9;
		esize = 8;
		table = p->cr3 & ADDR_MASK;
	} else if (p->cr4 & CR4_PAE) {
		gva &= 0xffffffffULL;
		r = read_entry(rd, ctx, (p->cr3 & 0xffffffe0ULL) + (gva >> 30) * 8,
			       8, &e);
		if (r)
			return r;
		if (!(e & PTE_P))
			return -EFAULT;
		table = e & ADDR_MASK;
		levels = 2;
		bits = 9;
		esize = 8;
	} else {
		gva &= 0xffffffffULL;
		levels = 2;
		bits = 10;
		esize = 4;
		table = p->cr3 & 0xfffff000ULL;
	}
	for (; levels; levels--) {
		shift = 12 + bits * (levels - 1);
		r = read_entry(rd, ctx,
			       table + ((gva >> shift) & ((1U << bits) - 1)) * esize,
			       esize, &e);
		if (r)
			return r;
		if (!(e & PTE_P))
			return -EFAULT;
		if (levels > 1 && (e & PTE_PS) &&
		    (esize == 8 || (p->cr4 & CR4_PSE))) {
			u64 mask = (1ULL << shift) - 1;

			*gpa = ((esize == 4 ? e & 0xffffffffULL : e & ADDR_MASK) &
				~mask) | (gva & mask);
			return 0;
		}
		table = (esize == 4 ? e & 0xfffff000ULL : e & ADDR_MASK);
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

int __vireo_hot x86_read_virt(const struct x86_paging *p, u64 gva, x86_read_phys rd,
			      void *ctx, void *buf, unsigned int len)
{
	u8 *out = buf;

	while (len) {
		unsigned int n = 4096 - (gva & 0xfff);
		u64 gpa;
		int r;

		if (n > len)
			n = len;
		r = x86_translate(p, gva, rd, ctx, &gpa);
		if (!r)
			r = rd(ctx, gpa, out, n);
		if (r)
			return r;
		gva += n;
		out += n;
		len -= n;
	}
	return 0;
}

/* @wr has x86_read_phys's shape but copies from @buf into the guest. */
int x86_write_virt(const struct x86_paging *p, u64 gva, x86_read_phys rd,
		   x86_read_phys wr, void *ctx, const void *buf,
		   unsigned int len)
{
	const u8 *in = buf;

	while (len) {
		unsigned int n = 4096 - (gva & 0xfff);
		u64 gpa;
		int r;

		if (n > len)
			n = len;
		r = x86_translate(p, gva, rd, ctx, &gpa);
		if (!r)
			r = wr(ctx, gpa, (void *)in, n);
		if (r)
			return r;
		gva += n;
		in += n;
		len -= n;
	}
	return 0;
}
