// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile VMM rewrites the shared kvm_run page between an exit and the
 * KVM_RUN that completes it (size, count, direction, data offset, MMIO
 * length and direction).  The module must finish the exit as the guest
 * made it, taking from the page only the data of a read, and only as many
 * bytes as the guest asked for: the host survives and the guest's
 * registers and memory change exactly as without the tampering.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define CODE	0x1000
#define BUF	0x3000
/* Guest RAM ends here; above it, MMIO. */
#define RAM	0x8000
#define MMIO	0x9000

/* The PIO data bytes the exit offered, and how many the page holds. */
static uint8_t *pio_data(struct vt_vm *t, size_t *room)
{
	uint8_t *p = vt_io_data(t);

	*room = t->run_size - t->run->io.data_offset;
	return p;
}

static void run_to(struct __test_metadata *_metadata, struct vt_vm *t,
		   uint32_t reason)
{
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ(reason, t->run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t->run->exit_reason));
}

static uint64_t rax(struct __test_metadata *_metadata, struct vt_vm *t)
{
	struct kvm_regs regs;

	EXPECT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &regs));
	return regs.rax;
}

static void set_rbx(struct __test_metadata *_metadata, struct vt_vm *t,
		    uint64_t v)
{
	struct kvm_regs regs;

	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &regs));
	regs.rbx = v;
	regs.rdx = 0x10;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_REGS, &regs));
}

static void guest(struct __test_metadata *_metadata, struct vt_vm *t,
		  const uint8_t *code, size_t len)
{
	ASSERT_EQ(0, vt_vm_create(t, RAM, CODE));
	memcpy(t->mem + CODE, code, len);
	set_rbx(_metadata, t, MMIO);
}

/* IN AL: the exit grows to 255 bytes read from the start of kvm_run. */
TEST(in_with_size_count_and_offset_rewritten)
{
	static const uint8_t code[] = {
		0x66, 0xb8, 0x44, 0x33, 0x22, 0x11,	/* mov eax, 0x11223344 */
		0xe4, 0x10,				/* in al, 0x10 */
		0xf4,					/* hlt */
	};
	struct vt_vm t;
	size_t room;
	uint8_t *d;

	guest(_metadata, &t, code, sizeof(code));
	run_to(_metadata, &t, KVM_EXIT_IO);
	ASSERT_EQ(KVM_EXIT_IO_IN, t.run->io.direction);
	ASSERT_EQ(1, t.run->io.size);
	d = pio_data(&t, &room);
	ASSERT_GE(room, 256u);
	memset(d, 0xab, 256);
	t.run->io.size = 255;
	t.run->io.count = 200;
	t.run->io.data_offset = 0;
	run_to(_metadata, &t, KVM_EXIT_HLT);
	EXPECT_EQ(0x112233abu, rax(_metadata, &t));
	vt_vm_destroy(&t);
}

/* OUT AL: userspace turns it into a 4-byte IN; RAX must not change. */
TEST(out_turned_into_in)
{
	static const uint8_t code[] = {
		0x66, 0xb8, 0x44, 0x33, 0x22, 0x11,	/* mov eax, 0x11223344 */
		0xe6, 0x10,				/* out 0x10, al */
		0xf4,
	};
	struct vt_vm t;
	size_t room;

	guest(_metadata, &t, code, sizeof(code));
	run_to(_metadata, &t, KVM_EXIT_IO);
	ASSERT_EQ(KVM_EXIT_IO_OUT, t.run->io.direction);
	EXPECT_EQ(0x44, vt_io_data(&t)[0]);
	memset(pio_data(&t, &room), 0xcd, 8);
	t.run->io.direction = KVM_EXIT_IO_IN;
	t.run->io.size = 4;
	run_to(_metadata, &t, KVM_EXIT_HLT);
	EXPECT_EQ(0x11223344u, rax(_metadata, &t));
	vt_vm_destroy(&t);
}

/* MOV [BX], EAX to MMIO: userspace turns the write into an 8-byte read. */
TEST(mmio_write_turned_into_read)
{
	static const uint8_t code[] = {
		0x66, 0xb8, 0x44, 0x33, 0x22, 0x11,	/* mov eax, 0x11223344 */
		0x66, 0x89, 0x07,			/* mov [bx], eax */
		0xf4,
	};
	struct vt_vm t;

	guest(_metadata, &t, code, sizeof(code));
	run_to(_metadata, &t, KVM_EXIT_MMIO);
	ASSERT_EQ(1, t.run->mmio.is_write);
	ASSERT_EQ(4u, t.run->mmio.len);
	ASSERT_EQ((uint64_t)MMIO, t.run->mmio.phys_addr);
	memset(t.run->mmio.data, 0xee, sizeof(t.run->mmio.data));
	t.run->mmio.is_write = 0;
	t.run->mmio.len = 8;
	run_to(_metadata, &t, KVM_EXIT_HLT);
	EXPECT_EQ(0x11223344u, rax(_metadata, &t));
	vt_vm_destroy(&t);
}

/* MOV AL, [BX] from MMIO: the read's length grows to 8 bytes. */
TEST(mmio_read_grown)
{
	static const uint8_t code[] = {
		0x66, 0xb8, 0x44, 0x33, 0x22, 0x11,	/* mov eax, 0x11223344 */
		0x8a, 0x07,				/* mov al, [bx] */
		0xf4,
	};
	struct vt_vm t;

	guest(_metadata, &t, code, sizeof(code));
	run_to(_metadata, &t, KVM_EXIT_MMIO);
	ASSERT_EQ(0, t.run->mmio.is_write);
	ASSERT_EQ(1u, t.run->mmio.len);
	memset(t.run->mmio.data, 0x55, sizeof(t.run->mmio.data));
	t.run->mmio.len = 255;
	run_to(_metadata, &t, KVM_EXIT_HLT);
	EXPECT_EQ(0x11223355u, rax(_metadata, &t));
	vt_vm_destroy(&t);
}

/*
 * REP INSB of 2 bytes: every exit's count and size are rewritten to
 * 200 x 4; only the 2 bytes the guest asked for may land, and the bytes
 * after them keep their sentinel.
 */
TEST(ins_count_grown)
{
	static const uint8_t code[] = {
		0xbf, 0x00, 0x30,	/* mov di, BUF */
		0xb9, 0x02, 0x00,	/* mov cx, 2 */
		0xfc,			/* cld */
		0xf3, 0x6c,		/* rep insb (dx = 0x10) */
		0xf4,
	};
	unsigned int exits = 0, i;
	struct kvm_regs regs;
	struct vt_vm t;
	size_t room;

	guest(_metadata, &t, code, sizeof(code));
	memset(t.mem + BUF, 0x77, 0x1000);
	for (;;) {
		ASSERT_EQ(0, vt_run(&t));
		if (t.run->exit_reason == KVM_EXIT_HLT)
			break;
		ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
			TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
		ASSERT_LT(exits++, 4u);
		ASSERT_LE(t.run->io.count, 2u);
		memset(pio_data(&t, &room), 0x99, 800);
		t.run->io.count = 200;
		t.run->io.size = 4;
	}
	EXPECT_EQ(0x99, t.mem[BUF]);
	EXPECT_EQ(0x99, t.mem[BUF + 1]);
	for (i = 2; i < 0x1000; i++)
		if (t.mem[BUF + i] != 0x77)
			break;
	EXPECT_EQ(0x1000u, i) TH_LOG("byte %u overwritten", i);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(BUF + 2u, regs.rdi & 0xffff);
	EXPECT_EQ(0u, regs.rcx & 0xffff);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
