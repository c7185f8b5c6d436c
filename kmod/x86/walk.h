/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest page-table walks, for fetching the bytes of a faulting instruction
 * when the CPU gives none (no decode assists, or VT-x).  Pure, like the
 * decoder.
 */
#ifndef VIREO_X86_WALK_H
#define VIREO_X86_WALK_H

#include "x86/decode.h"

struct x86_paging {
	u64 cr0, cr3, cr4, efer;
};

/* Read guest-physical memory; 0 or -errno. */
typedef int (*x86_read_phys)(void *ctx, u64 gpa, void *buf, unsigned int len);

int x86_translate(const struct x86_paging *p, u64 gva, x86_read_phys rd,
		  void *ctx, u64 *gpa);
/* Read @len bytes at linear address @gva, page by page. */
int x86_read_virt(const struct x86_paging *p, u64 gva, x86_read_phys rd,
		  void *ctx, void *buf, unsigned int len);

/* Write @len bytes at linear address @gva, page by page. */
int x86_write_virt(const struct x86_paging *p, u64 gva, x86_read_phys rd,
		   x86_read_phys wr, void *ctx, const void *buf,
		   unsigned int len);

#endif
