// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the module's guest page-table walker (kmod/x86/
 * walk.c) in every paging mode the control registers select (none,
 * 32-bit with and without PSE, PAE, 4-level, reserved and odd bit
 * combinations) over guest tables the fuzzer writes, with reads and
 * writes spanning pages: a translation keeps the offset in the page, and
 * every guest-physical access goes through the callbacks, in bounds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x86/walk.h"

#define MEM (64 * 1024)

static u8 gmem[MEM];
static bool alias;

/* Strict: outside RAM is a fault. Aliased: every address is in RAM. */
static int rd(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	(void)ctx;
	if (len > MEM)
		abort();	/* the walker reads entries and pieces of pages */
	if (alias)
		gpa %= MEM - len + 1;
	else if (gpa > MEM || MEM - gpa < len)
		return -EFAULT;
	memcpy(buf, gmem + gpa, len);
	return 0;
}

static int wr(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	(void)ctx;
	if (len > MEM)
		abort();
	if (alias)
		gpa %= MEM - len + 1;
	else if (gpa > MEM || MEM - gpa < len)
		return -EFAULT;
	memcpy(gmem + gpa, buf, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x86_paging p;
	u8 hdr[36], buf[300];
	u64 gva, gpa, cr3;
	unsigned int len;

	if (size < sizeof(hdr))
		return 0;
	memcpy(hdr, data, sizeof(hdr));
	data += sizeof(hdr);
	size -= sizeof(hdr);
	memset(gmem, 0, sizeof(gmem));
	memcpy(gmem, data, size < MEM ? size : MEM);

	/* Flags byte: paging on, PAE, PSE, LME+LMA, aliasing; then raw bits. */
	memcpy(&p.cr0, hdr + 4, 4);
	memcpy(&p.cr4, hdr + 8, 4);
	memcpy(&p.efer, hdr + 12, 4);
	memcpy(&cr3, hdr + 16, 8);
	memcpy(&gva, hdr + 24, 8);
	p.cr0 &= 0xffffffffULL;
	p.cr4 &= 0xffffffffULL;
	p.efer &= 0xffffffffULL;
	if (hdr[0] & 1)
		p.cr0 |= 0x80000001ULL;
	if (hdr[0] & 2)
		p.cr4 |= 0x20;
	if (hdr[0] & 4)
		p.cr4 |= 0x10;
	if (hdr[0] & 8)
		p.efer |= 0x500;
	alias = hdr[0] & 16;
	/* Mostly a CR3 inside RAM, so walks get somewhere. */
	p.cr3 = hdr[0] & 32 ? cr3 : cr3 % MEM;
	len = (hdr[32] | hdr[33] << 8) % sizeof(buf);

	if (!x86_translate(&p, gva, rd, NULL, &gpa) && (p.cr0 >> 31) &&
	    (gpa & 0xfff) != (gva & 0xfff))
		abort();
	memcpy(buf, hdr, sizeof(hdr));
	if (hdr[34] & 1)
		(void)x86_write_virt(&p, gva, rd, wr, NULL, buf, len);
	else
		(void)x86_read_virt(&p, gva, rd, NULL, buf, len);
	return 0;
}
