// SPDX-License-Identifier: GPL-2.0
/*
 * The module's MMIO decoder and guest page-table walker, on the host.
 */
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "x86/decode.h"
#include "x86/walk.h"

static int dec(const char *bytes, unsigned int n, unsigned int mode,
	       struct x86_insn *insn)
{
	return x86_decode((const u8 *)bytes, n, mode, insn);
}

TEST(mov_store_reg)
{
	struct x86_insn i;

	/* 64-bit: mov [rdi + 8], r9 = 4c 89 4f 08 */
	ASSERT_EQ(0, dec("\x4c\x89\x4f\x08", 4, 8, &i));
	EXPECT_EQ(4, i.len);
	EXPECT_EQ(X86_MMIO_STORE_REG, i.op);
	EXPECT_EQ(8, i.size);
	EXPECT_EQ(9, i.reg);
	/* 32-bit: mov [eax], cx with 66 = 66 89 08 */
	ASSERT_EQ(0, dec("\x66\x89\x08", 3, 4, &i));
	EXPECT_EQ(3, i.len);
	EXPECT_EQ(2, i.size);
	EXPECT_EQ(1, i.reg);
	/* 16-bit: mov [bx+si+0x1234], dl = 88 90 34 12 */
	ASSERT_EQ(0, dec("\x88\x90\x34\x12", 4, 2, &i));
	EXPECT_EQ(4, i.len);
	EXPECT_EQ(1, i.size);
	EXPECT_EQ(2, i.reg);
	EXPECT_FALSE(i.high_byte);
}

TEST(high_byte_and_rex)
{
	struct x86_insn i;
	u64 regs[16] = { 0 };

	/* mov [rax], ah = 88 20 */
	ASSERT_EQ(0, dec("\x88\x20", 2, 8, &i));
	EXPECT_TRUE(i.high_byte);
	EXPECT_EQ(0, i.reg);
	regs[0] = 0xbeef;
	EXPECT_EQ(0xbeu, x86_store_value(&i, regs));
	/* With any REX, reg 4 is SPL: 40 88 20 */
	ASSERT_EQ(0, dec("\x40\x88\x20", 3, 8, &i));
	EXPECT_FALSE(i.high_byte);
	EXPECT_EQ(4, i.reg);
}

TEST(sib_and_disp)
{
	struct x86_insn i;

	/* mov eax, [rsp + rcx*4 + 0x12345678] = 8b 84 8c 78 56 34 12 */
	ASSERT_EQ(0, dec("\x8b\x84\x8c\x78\x56\x34\x12", 7, 8, &i));
	EXPECT_EQ(7, i.len);
	EXPECT_EQ(X86_MMIO_LOAD, i.op);
	/* mov eax, [0x1000] via SIB no base = 8b 04 25 00 10 00 00 */
	ASSERT_EQ(0, dec("\x8b\x04\x25\x00\x10\x00\x00", 7, 8, &i));
	EXPECT_EQ(7, i.len);
	/* RIP-relative = 8b 05 disp32 */
	ASSERT_EQ(0, dec("\x8b\x05\x00\x00\x00\x00", 6, 8, &i));
	EXPECT_EQ(6, i.len);
	/* 67 prefix in 16-bit code switches to 32-bit addressing */
	ASSERT_EQ(0, dec("\x67\x8b\x05\x00\x00\x00\x00", 7, 2, &i));
	EXPECT_EQ(7, i.len);
	EXPECT_EQ(2, i.size);
}

TEST(store_imm)
{
	struct x86_insn i;
	u64 regs[16] = { 0 };

	/* mov qword [rax], -2 = 48 c7 00 fe ff ff ff */
	ASSERT_EQ(0, dec("\x48\xc7\x00\xfe\xff\xff\xff", 7, 8, &i));
	EXPECT_EQ(7, i.len);
	EXPECT_EQ(8, i.size);
	EXPECT_EQ(0xfffffffffffffffeULL, x86_store_value(&i, regs));
	/* mov word [bx], 0x1234 in 16-bit = c7 07 34 12 */
	ASSERT_EQ(0, dec("\xc7\x07\x34\x12", 4, 2, &i));
	EXPECT_EQ(4, i.len);
	EXPECT_EQ(0x1234u, x86_store_value(&i, regs));
	/* c6 with reg != 0 is not a MOV */
	EXPECT_NE(0, dec("\xc6\x08\x01", 3, 8, &i));
}

TEST(loads_extend)
{
	struct x86_insn i;
	u64 regs[16];

	memset(regs, 0xff, sizeof(regs));
	/* movzx eax, byte [rbx] = 0f b6 03 */
	ASSERT_EQ(0, dec("\x0f\xb6\x03", 3, 8, &i));
	x86_load_result(&i, regs, 0x80);
	EXPECT_EQ(0x80u, regs[0]);
	/* movsx rax, word [rbx] = 48 0f bf 03 */
	ASSERT_EQ(0, dec("\x48\x0f\xbf\x03", 4, 8, &i));
	x86_load_result(&i, regs, 0x8000);
	EXPECT_EQ(0xffffffffffff8000ULL, regs[0]);
	/* mov ax, [rbx] keeps the upper bits = 66 8b 03 */
	regs[0] = 0x1111111111111111ULL;
	ASSERT_EQ(0, dec("\x66\x8b\x03", 3, 8, &i));
	x86_load_result(&i, regs, 0xabcd);
	EXPECT_EQ(0x111111111111abcdULL, regs[0]);
	/* mov eax, [rbx] clears them = 8b 03 */
	ASSERT_EQ(0, dec("\x8b\x03", 2, 8, &i));
	x86_load_result(&i, regs, 0x12345678);
	EXPECT_EQ(0x12345678ULL, regs[0]);
}

TEST(moffs)
{
	struct x86_insn i;

	/* mov rax, [moffs64] = 48 a1 + 8 bytes */
	ASSERT_EQ(0, dec("\x48\xa1\0\0\0\0\0\0\0\0", 10, 8, &i));
	EXPECT_EQ(10, i.len);
	EXPECT_EQ(8, i.size);
	/* 16-bit: mov [moffs16], al = a2 34 12 */
	ASSERT_EQ(0, dec("\xa2\x34\x12", 3, 2, &i));
	EXPECT_EQ(3, i.len);
	EXPECT_EQ(X86_MMIO_STORE_REG, i.op);
}

TEST(rejects)
{
	struct x86_insn i;

	/* register operand */
	EXPECT_NE(0, dec("\x89\xc0", 2, 8, &i));
	/* truncated */
	EXPECT_NE(0, dec("\x8b\x84\x8c", 3, 8, &i));
	/* unsupported opcode (add) */
	EXPECT_NE(0, dec("\x01\x03", 2, 8, &i));
	/* 15 prefixes then an opcode: too long */
	EXPECT_NE(0, dec("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
			 "\x66\x66\x66\x8b\x03", 17, 8, &i));
}

TEST(string_ops)
{
	struct x86_insn i;
	u64 regs[16] = { 0 };

	/* 64-bit: rep stosq = f3 48 ab */
	ASSERT_EQ(0, dec("\xf3\x48\xab", 3, 8, &i));
	EXPECT_EQ(3, i.len);
	EXPECT_EQ(X86_MMIO_STOS, i.op);
	EXPECT_EQ(8, i.size);
	EXPECT_TRUE(i.rep);
	EXPECT_EQ(8, i.asize);
	regs[0] = 0x1122334455667788ULL;
	EXPECT_EQ(0x1122334455667788ULL, x86_store_value(&i, regs));
	/* stosb without rep */
	ASSERT_EQ(0, dec("\xaa", 1, 8, &i));
	EXPECT_EQ(1, i.size);
	EXPECT_FALSE(i.rep);
	EXPECT_EQ(0x88u, x86_store_value(&i, regs));
	/* 32-bit: rep movsd with a 16-bit address size and an FS source:
	 * 67 64 f3 a5 */
	ASSERT_EQ(0, dec("\x67\x64\xf3\xa5", 4, 4, &i));
	EXPECT_EQ(4, i.len);
	EXPECT_EQ(X86_MMIO_MOVS, i.op);
	EXPECT_EQ(4, i.size);
	EXPECT_EQ(2, i.asize);
	EXPECT_EQ(X86_FS, i.seg);
	EXPECT_TRUE(i.rep);
	/* movsw in 16-bit code, source segment DS by default: a5 */
	ASSERT_EQ(0, dec("\xa5", 1, 2, &i));
	EXPECT_EQ(2, i.size);
	EXPECT_EQ(X86_DS, i.seg);
	/* ES override: 26 a4 */
	ASSERT_EQ(0, dec("\x26\xa4", 2, 8, &i));
	EXPECT_EQ(X86_ES, i.seg);
	EXPECT_EQ(1, i.size);
	/* a repeat prefix on a plain MOV is not something we emulate */
	EXPECT_NE(0, dec("\xf3\x89\x03", 3, 8, &i));
}

/* A tiny guest-physical memory for the walker. */
static u8 gmem[0x10000];

static int rd(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	if (gpa + len > sizeof(gmem))
		return -14;
	memcpy(buf, gmem + gpa, len);
	return 0;
}

TEST(walk_modes)
{
	struct x86_paging p = { 0 };
	u64 gpa, *q = (u64 *)gmem;
	u32 *d = (u32 *)gmem;

	ASSERT_EQ(0, x86_translate(&p, 0x12345, rd, NULL, &gpa));
	EXPECT_EQ(0x12345u, gpa);

	/* 4-level: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000 */
	memset(gmem, 0, sizeof(gmem));
	q[0x1000 / 8] = 0x2003;
	q[0x2000 / 8] = 0x3003;
	q[0x3000 / 8 + 1] = 0x4003;		/* 2 MiB - 4 MiB */
	q[0x4000 / 8 + 5] = 0x9003;		/* page 5 */
	q[0x3000 / 8 + 2] = 0x400083;		/* 4 MiB large page */
	p.cr0 = 0x80000011;
	p.cr4 = 0x20;
	p.efer = 0x500;
	p.cr3 = 0x1000;
	ASSERT_EQ(0, x86_translate(&p, 0x205123, rd, NULL, &gpa));
	EXPECT_EQ(0x9123u, gpa);
	ASSERT_EQ(0, x86_translate(&p, 0x412345, rd, NULL, &gpa));
	EXPECT_EQ(0x412345u, gpa);
	EXPECT_NE(0, x86_translate(&p, 0x600000, rd, NULL, &gpa));

	/* 32-bit, 2 levels: PD 0x5000, PT 0x6000 */
	memset(gmem, 0, sizeof(gmem));
	d[0x5000 / 4 + 1] = 0x6003;		/* 4 MiB - 8 MiB */
	d[0x6000 / 4 + 2] = 0x7003;
	d[0x5000 / 4 + 2] = 0x800083;		/* 4 MiB page, PSE */
	p.efer = 0;
	p.cr4 = 0x10;
	p.cr3 = 0x5000;
	ASSERT_EQ(0, x86_translate(&p, 0x402abc, rd, NULL, &gpa));
	EXPECT_EQ(0x7abcu, gpa);
	ASSERT_EQ(0, x86_translate(&p, 0x812345, rd, NULL, &gpa));
	EXPECT_EQ(0x812345u, gpa);

	/* PAE: PDPT at 0x8000 (32-byte aligned), PD 0x9000, PT 0xa000 */
	memset(gmem, 0, sizeof(gmem));
	q[0x8000 / 8 + 1] = 0x9001;		/* 1 GiB - 2 GiB */
	q[0x9000 / 8] = 0xa003;
	q[0xa000 / 8 + 3] = 0xb003;
	p.cr4 = 0x20;
	p.cr3 = 0x8000;
	ASSERT_EQ(0, x86_translate(&p, 0x40003456, rd, NULL, &gpa));
	EXPECT_EQ(0xb456u, gpa);
}

TEST_HARNESS_MAIN
