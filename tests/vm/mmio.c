// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_EXIT_MMIO: guest accesses to GPAs without a slot, and writes to a
 * read-only slot, decoded in the kernel, in real and long mode.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define CODE	0x1000

static uint64_t u64_of(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

#define EXPECT_MMIO(t, addr, n, write, val) do { \
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason)); \
	EXPECT_EQ((uint64_t)(addr), (t)->run->mmio.phys_addr); \
	EXPECT_EQ((uint32_t)(n), (t)->run->mmio.len); \
	EXPECT_EQ((uint8_t)(write), (t)->run->mmio.is_write); \
	if (write) \
		EXPECT_EQ((uint64_t)(val), u64_of((t)->run->mmio.data, n)); \
} while (0)

static uint32_t out_value(struct __test_metadata *_metadata, struct vt_vm *t)
{
	uint32_t v = 0;

	EXPECT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason);
	memcpy(&v, vt_io_data(t), t->run->io.size);
	return v;
}

TEST(real_mode)
{
	static const uint8_t code[] = {
		0xc6, 0x06, 0x10, 0x00, 0x5a,		/* mov byte [0x10], 0x5a */
		0xc7, 0x06, 0x20, 0x00, 0x34, 0x12,	/* mov word [0x20], 0x1234 */
		0xb8, 0xcd, 0xab,			/* mov ax, 0xabcd */
		0xa3, 0x30, 0x00,			/* mov [0x30], ax */
		0x66, 0xa1, 0x40, 0x00,			/* mov eax, [0x40] */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0x0f, 0xb6, 0x0e, 0x50, 0x00,		/* movzx cx, byte [0x50] */
		0x89, 0xc8,				/* mov ax, cx */
		0xe7, 0x10,				/* out 0x10, ax */
		0x66, 0x0f, 0xbe, 0x0e, 0x60, 0x00,	/* movsx ecx, byte [0x60] */
		0x66, 0x89, 0xc8,			/* mov eax, ecx */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0xb8, 0x11, 0x11,			/* mov ax, 0x1111 */
		0x8a, 0x26, 0x70, 0x00,			/* mov ah, [0x70] */
		0xe7, 0x10,				/* out 0x10, ax */
		0x88, 0x26, 0x71, 0x00,			/* mov [0x71], ah */
		0xf4,
	};
	struct kvm_sregs s;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &s));
	s.ds.selector = 0x2000;
	s.ds.base = 0x20000;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_SREGS, &s));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x20010, 1, 1, 0x5a);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x20020, 2, 1, 0x1234);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x20030, 2, 1, 0xabcd);

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x20040, 4, 0, 0);
	memcpy(t.run->mmio.data, "\xef\xbe\xad\xde", 4);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0xdeadbeefu, out_value(_metadata, &t));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x20050, 1, 0, 0);
	t.run->mmio.data[0] = 0x80;
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0x0080u, out_value(_metadata, &t));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x20060, 1, 0, 0);
	t.run->mmio.data[0] = 0x80;
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0xffffff80u, out_value(_metadata, &t));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x20070, 1, 0, 0);
	t.run->mmio.data[0] = 0x7e;
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0x7e11u, out_value(_metadata, &t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x20071, 1, 1, 0x7e);

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

TEST(long_mode)
{
	static const uint8_t code[] = {
		0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		/* mov [0x200008], rax */
		0x48, 0xa3, 0x08, 0x00, 0x20, 0x00, 0, 0, 0, 0,
		/* mov rbx, [0x200010] */
		0x48, 0x8b, 0x1c, 0x25, 0x10, 0x00, 0x20, 0x00,
		0x48, 0x89, 0xd8,		/* mov rax, rbx */
		0xe7, 0x10,			/* out 0x10, eax */
		0x48, 0xc1, 0xe8, 0x20,		/* shr rax, 32 */
		0xe7, 0x10,			/* out 0x10, eax */
		/* mov r9d, 0xffffffff; mov r9d, [rip + 0x100000] */
		0x41, 0xb9, 0xff, 0xff, 0xff, 0xff,
		0x44, 0x8b, 0x0d, 0x00, 0x00, 0x10, 0x00,
		0x44, 0x89, 0xc8,		/* mov eax, r9d */
		0xe7, 0x10,			/* out 0x10, eax */
		0xf4,
	};
	struct vt_vm t;
	uint64_t rip_rel;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, vt_long_mode(&t, 0x8000));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x200008, 8, 1, 0x1122334455667788ULL);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x200010, 8, 0, 0);
	memcpy(t.run->mmio.data, "\x18\x07\xf6\xe5\xd4\xc3\xb2\xa1", 8);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0xe5f60718u, out_value(_metadata, &t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0xa1b2c3d4u, out_value(_metadata, &t));

	/* RIP-relative: the end of the mov r9d, [rip + disp] plus disp. */
	rip_rel = CODE + 10 + 10 + 8 + 3 + 2 + 4 + 2 + 6 + 7 + 0x100000;
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, rip_rel, 4, 0, 0);
	memcpy(t.run->mmio.data, "\x01\x02\x03\x04", 4);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0x04030201u, out_value(_metadata, &t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

/* A read-only slot reads normally; its writes exit and change nothing. */
/*
 * memset_io and memcpy_toio/fromio: REP STOS and REP MOVS on MMIO, one
 * element per exit, and a STOS with DF set.
 */
TEST(string_ops)
{
	static const uint8_t code[] = {
		0x48, 0xc7, 0xc7, 0x00, 0x00, 0x20, 0x00, /* mov rdi, 0x200000 */
		0xb8, 0x44, 0x33, 0x22, 0x11,		/* mov eax, 0x11223344 */
		0xb9, 0x03, 0x00, 0x00, 0x00,		/* mov ecx, 3 */
		0xfc,					/* cld */
		0xf3, 0xab,				/* rep stosd */
		0x48, 0xc7, 0xc6, 0x00, 0x30, 0x00, 0x00, /* mov rsi, 0x3000 */
		0x48, 0xc7, 0xc7, 0x00, 0x01, 0x20, 0x00, /* mov rdi, 0x200100 */
		0xb9, 0x02, 0x00, 0x00, 0x00,		/* mov ecx, 2 */
		0xf3, 0x48, 0xa5,			/* rep movsq */
		0x48, 0xc7, 0xc6, 0x00, 0x02, 0x20, 0x00, /* mov rsi, 0x200200 */
		0x48, 0xc7, 0xc7, 0x00, 0x31, 0x00, 0x00, /* mov rdi, 0x3100 */
		0xb9, 0x02, 0x00, 0x00, 0x00,		/* mov ecx, 2 */
		0xf3, 0xa5,				/* rep movsd */
		0xfd,					/* std */
		0x48, 0xc7, 0xc7, 0x0c, 0x01, 0x20, 0x00, /* mov rdi, 0x20010c */
		0xb0, 0x5a,				/* mov al, 0x5a */
		0xaa,					/* stosb */
		0xfc,					/* cld */
		0xf4,					/* hlt */
	};
	static const uint64_t src[2] = {
		0x0102030405060708ULL, 0x1112131415161718ULL,
	};
	struct kvm_regs r;
	struct vt_vm t;
	uint32_t got[2];
	int i;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	memcpy(t.mem + 0x3000, src, sizeof(src));
	ASSERT_EQ(0, vt_long_mode(&t, 0x8000));

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, vt_run(&t));
		EXPECT_MMIO(&t, 0x200000 + 4 * i, 4, 1, 0x11223344);
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, vt_run(&t));
		EXPECT_MMIO(&t, 0x200100 + 8 * i, 8, 1, src[i]);
	}
	for (i = 0; i < 2; i++) {
		uint32_t v = 0xcafe0001 + i;

		ASSERT_EQ(0, vt_run(&t));
		EXPECT_MMIO(&t, 0x200200 + 4 * i, 4, 0, 0);
		memcpy(t.run->mmio.data, &v, 4);
	}
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x20010c, 1, 1, 0x5a);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));

	memcpy(got, t.mem + 0x3100, sizeof(got));
	EXPECT_EQ(0xcafe0001u, got[0]);
	EXPECT_EQ(0xcafe0002u, got[1]);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &r));
	EXPECT_EQ(0x20010bULL, r.rdi);
	EXPECT_EQ(0x200208ULL, r.rsi);
	EXPECT_EQ(0ULL, r.rcx);
	vt_vm_destroy(&t);
}

/*
 * 16-bit code: REP STOSW through ES, whose base places the MMIO; DI wraps
 * within 16 bits and the upper half of EDI stays.
 */
TEST(string_real_mode)
{
	static const uint8_t code[] = {
		0x66, 0xbf, 0xfe, 0xff, 0x34, 0x12,	/* mov edi, 0x1234fffe */
		0xb8, 0xcd, 0xab,			/* mov ax, 0xabcd */
		0xb9, 0x02, 0x00,			/* mov cx, 2 */
		0xf3, 0xab,				/* rep stosw */
		0xf4,					/* hlt */
	};
	struct kvm_sregs s;
	struct kvm_regs r;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &s));
	s.es.selector = 0x3000;
	s.es.base = 0x30000;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_SREGS, &s));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x3fffe, 2, 1, 0xabcd);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x30000, 2, 1, 0xabcd);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &r));
	EXPECT_EQ(0x12340002ULL, r.rdi);
	EXPECT_EQ(0ULL, r.rcx & 0xffff);
	vt_vm_destroy(&t);
}

TEST(readonly_slot)
{
	static const uint8_t code[] = {
		0xa0, 0x00, 0x00,		/* mov al, [0] (ds = 0x2000) */
		0xe6, 0x10,			/* out 0x10, al */
		0xc6, 0x06, 0x00, 0x00, 0x99,	/* mov byte [0], 0x99 */
		0xa0, 0x00, 0x00,		/* mov al, [0] */
		0xe6, 0x10,			/* out 0x10, al */
		0xf4,
	};
	struct kvm_userspace_memory_region mr = {
		.slot = 1, .flags = KVM_MEM_READONLY,
		.guest_phys_addr = 0x20000, .memory_size = 0x1000,
	};
	struct kvm_sregs s;
	struct vt_vm t;
	uint8_t *ro;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	ro = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro[0] = 0x42;
	mr.userspace_addr = (uintptr_t)ro;
	ASSERT_EQ(0, ioctl(t.vm, KVM_SET_USER_MEMORY_REGION, &mr));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &s));
	s.ds.selector = 0x2000;
	s.ds.base = 0x20000;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_SREGS, &s));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0x42u, out_value(_metadata, &t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO(&t, 0x20000, 1, 1, 0x99);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ(0x42u, out_value(_metadata, &t));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	EXPECT_EQ(0x42, ro[0]);
	munmap(ro, 0x1000);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
