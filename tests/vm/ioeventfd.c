// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IOEVENTFD: a guest write to a port or an MMIO address signals an
 * eventfd instead of exiting, by address, length and (with
 * KVM_IOEVENTFD_FLAG_DATAMATCH) value; every bad input with kvm.ko's errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define CODE	0x1000
#define MMIO	0x20000		/* DS base: no slot there */

static int ioeventfd(int vm, uint64_t addr, uint32_t len, int fd,
		     uint32_t flags, uint64_t datamatch)
{
	struct kvm_ioeventfd a = {
		.datamatch = datamatch, .addr = addr, .len = len, .fd = fd,
		.flags = flags,
	};

	return ioctl(vm, KVM_IOEVENTFD, &a) ? errno : 0;
}

/* The eventfd's count, which reading resets; 0 when never signalled. */
static uint64_t count(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static int new_efd(void)
{
	return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

TEST(capabilities)
{
	int sys = vt_open_dev(), vm;

	ASSERT_LE(0, sys);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION,
			   KVM_CAP_IOEVENTFD_ANY_LENGTH));
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION,
			   KVM_CAP_IOEVENTFD_NO_LENGTH));
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD));
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION,
			   KVM_CAP_IOEVENTFD_ANY_LENGTH));
	close(vm);
	close(sys);
}

FIXTURE(vm)
{
	int sys, vm, efd, efd2;
};

FIXTURE_SETUP(vm)
{
	self->sys = vt_open_dev();
	ASSERT_LE(0, self->sys);
	self->vm = ioctl(self->sys, KVM_CREATE_VM, 0);
	ASSERT_LE(0, self->vm);
	self->efd = new_efd();
	self->efd2 = new_efd();
	ASSERT_LE(0, self->efd);
	ASSERT_LE(0, self->efd2);
}

FIXTURE_TEARDOWN(vm)
{
	close(self->efd2);
	close(self->efd);
	close(self->vm);
	close(self->sys);
}

TEST_F(vm, bad_input)
{
	const uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	/* Length: 0, 1, 2, 4 or 8. */
	EXPECT_EQ(EINVAL, ioeventfd(self->vm, 0x1000, 3, self->efd, 0, 0));
	EXPECT_EQ(EINVAL, ioeventfd(self->vm, 0x1000, 16, self->efd, 0, 0));
	EXPECT_EQ(EINVAL, ioeventfd(self->vm, 0x10, 3, self->efd,
				    KVM_IOEVENTFD_FLAG_PIO, 0));
	/* The range may not wrap. */
	EXPECT_EQ(EINVAL, ioeventfd(self->vm, ~0ULL - 3, 4, self->efd, 0, 0));
	EXPECT_EQ(0, ioeventfd(self->vm, ~0ULL - 7, 4, self->efd, 0, 0));
	/* Unknown flags; bit 4 (kvm_ioeventfd_flag_nr_fast_mmio) is known. */
	EXPECT_EQ(EINVAL, ioeventfd(self->vm, 0x1000, 4, self->efd, 1 << 5, 0));
	EXPECT_EQ(EINVAL, ioeventfd(self->vm, 0x1000, 4, self->efd,
				    1u << 31, 0));
	/* No length, no datamatch. */
	EXPECT_EQ(EINVAL, ioeventfd(self->vm, 0x1000, 0, self->efd, dm, 0));
	/* Not an eventfd: no fd at all, or another kind of file. */
	EXPECT_EQ(EBADF, ioeventfd(self->vm, 0x1000, 4, -1, 0, 0));
	EXPECT_EQ(EBADF, ioeventfd(self->vm, 0x1000, 4, 1000, 0, 0));
	EXPECT_EQ(EINVAL, ioeventfd(self->vm, 0x1000, 4, p[0], 0, 0));
	EXPECT_EQ(EINVAL, ioeventfd(self->vm, 0x1000, 4, self->sys, 0, 0));
	/* The argument checks come before the fd's. */
	EXPECT_EQ(EINVAL, ioeventfd(self->vm, 0x1000, 3, -1, 0, 0));
	EXPECT_EQ(EFAULT, ioctl(self->vm, KVM_IOEVENTFD, (void *)8) ? errno : 0);
	/* None of these took: the address is still free. */
	EXPECT_EQ(0, ioeventfd(self->vm, 0x1000, 4, self->efd, 0, 0));
	/* Bit 4 means the MMIO bus, as no flag does. */
	EXPECT_EQ(EEXIST, ioeventfd(self->vm, 0x1000, 4, self->efd, 1 << 4, 0));
	EXPECT_EQ(0, ioeventfd(self->vm, 0x1008, 4, self->efd, 1 << 4, 0));
	EXPECT_EQ(EEXIST, ioeventfd(self->vm, 0x1008, 4, self->efd2, 0, 0));
	close(p[0]);
	close(p[1]);
}

TEST_F(vm, collisions)
{
	const uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH;
	const uint32_t pio = KVM_IOEVENTFD_FLAG_PIO;
	int vm = self->vm, e = self->efd, e2 = self->efd2;

	ASSERT_EQ(0, ioeventfd(vm, 0x1000, 4, e, 0, 0));
	/* Same address and length, any eventfd, any datamatch. */
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x1000, 4, e, 0, 0));
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x1000, 4, e2, 0, 0));
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x1000, 4, e2, dm, 5));
	/* No length collides with every length. */
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x1000, 0, e2, 0, 0));
	/* Other lengths, addresses and buses do not. */
	EXPECT_EQ(0, ioeventfd(vm, 0x1000, 2, e, 0, 0));
	EXPECT_EQ(0, ioeventfd(vm, 0x1000, 8, e2, dm, 1));
	EXPECT_EQ(0, ioeventfd(vm, 0x1002, 2, e, 0, 0));
	EXPECT_EQ(0, ioeventfd(vm, 0x1000, 4, e, pio, 0));
	EXPECT_EQ(0, ioeventfd(vm, 0x1000, 4, e, KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY, 0));
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x1000, 4, e2,
				    KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY, 0));
	/* Datamatches differ: both stay; a wildcard collides with either. */
	EXPECT_EQ(0, ioeventfd(vm, 0x1000, 8, e2, dm, 2));
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x1000, 8, e, dm, 2));
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x1000, 8, e, 0, 0));
	/* No length: any length collides with it. */
	EXPECT_EQ(0, ioeventfd(vm, 0x2000, 0, e, 0, 0));
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x2000, 1, e2, 0, 0));
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x2000, 8, e2, dm, 3));
	EXPECT_EQ(0, ioeventfd(vm, 0x2000, 0, e, pio, 0));
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x2000, 2, e, pio, 0));
}

TEST_F(vm, deassign)
{
	const uint32_t dm = KVM_IOEVENTFD_FLAG_DATAMATCH;
	const uint32_t pio = KVM_IOEVENTFD_FLAG_PIO;
	const uint32_t de = KVM_IOEVENTFD_FLAG_DEASSIGN;
	int vm = self->vm, e = self->efd, e2 = self->efd2, p[2];

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x1000, 4, e, de, 0));
	ASSERT_EQ(0, ioeventfd(vm, 0x1000, 4, e, dm, 7));
	ASSERT_EQ(0, ioeventfd(vm, 0x3000, 0, e, 0, 0));
	ASSERT_EQ(0, ioeventfd(vm, 0x10, 2, e, pio, 0));
	/* Each field must match: eventfd, address, length, datamatch, bus. */
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x1000, 4, e2, de | dm, 7));
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x1004, 4, e, de | dm, 7));
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x1000, 2, e, de | dm, 7));
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x1000, 4, e, de | dm, 8));
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x1000, 4, e, de, 7));
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x1000, 4, e, de | dm | pio, 7));
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x3000, 4, e, de, 0));
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x10, 2, e, de, 0));
	/* A bad fd fails before the search; flags are not checked. */
	EXPECT_EQ(EBADF, ioeventfd(vm, 0x1000, 4, -1, de | dm, 7));
	EXPECT_EQ(EINVAL, ioeventfd(vm, 0x1000, 4, p[0], de | dm, 7));
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x1000, 3, e, de | (1 << 8), 0));

	EXPECT_EQ(0, ioeventfd(vm, 0x1000, 4, e, de | dm, 7));
	EXPECT_EQ(ENOENT, ioeventfd(vm, 0x1000, 4, e, de | dm, 7));
	EXPECT_EQ(0, ioeventfd(vm, 0x3000, 0, e, de, 0));
	EXPECT_EQ(0, ioeventfd(vm, 0x10, 2, e, de | pio, 0));
	/* Gone: the addresses are free again. */
	EXPECT_EQ(0, ioeventfd(vm, 0x1000, 4, e2, 0, 0));
	EXPECT_EQ(0, ioeventfd(vm, 0x3000, 1, e2, 0, 0));
	EXPECT_EQ(0, ioeventfd(vm, 0x10, 2, e2, pio, 0));
	close(p[0]);
	close(p[1]);
}

/* Many on one eventfd, removed in another order; the VM's end frees them. */
TEST_F(vm, many)
{
	const uint32_t pio = KVM_IOEVENTFD_FLAG_PIO;
	const uint32_t de = KVM_IOEVENTFD_FLAG_DEASSIGN;
	int i;

	for (i = 0; i < 2000; i++)
		ASSERT_EQ(0, ioeventfd(self->vm, (i * 7919) % 65536, 1,
				       self->efd, pio, 0)) TH_LOG("%d", i);
	for (i = 0; i < 2000; i += 2)
		ASSERT_EQ(0, ioeventfd(self->vm, (i * 7919) % 65536, 1,
				       self->efd, pio | de, 0)) TH_LOG("%d", i);
	for (i = 0; i < 2000; i++)
		ASSERT_EQ(i & 1 ? EEXIST : 0,
			  ioeventfd(self->vm, (i * 7919) % 65536, 1, self->efd2,
				    pio, 0)) TH_LOG("%d", i);
}

#define EXPECT_IO(t, p, n, v) do { \
	uint32_t _v = 0; \
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason)); \
	EXPECT_EQ(p, (t)->run->io.port); \
	EXPECT_EQ(n, (t)->run->io.size); \
	EXPECT_EQ(KVM_EXIT_IO_OUT, (t)->run->io.direction); \
	memcpy(&_v, vt_io_data(t), (t)->run->io.size); \
	EXPECT_EQ((uint32_t)(v), _v); \
} while (0)

/*
 * OUTs taken by an ioeventfd never reach userspace; those no ioeventfd
 * takes (wrong length or value, after deassign) exit as before.
 */
TEST(guest_pio)
{
	static const uint8_t code[] = {
		0xb0, 0x11, 0xe6, 0x10,			/* mov al, 0x11; out 0x10, al */
		0xb8, 0x34, 0x12, 0xe7, 0x20,		/* mov ax, 0x1234; out 0x20, ax */
		0xb8, 0x35, 0x12, 0xe7, 0x20,		/* out 0x20, 0x1235: exits */
		0xe7, 0x10,				/* out 0x10, ax: exits */
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,	/* mov eax, 0x12345678 */
		0x66, 0xe7, 0x30,			/* out 0x30, eax */
		0xba, 0x30, 0x00, 0xee,			/* mov dx, 0x30; out dx, al */
		0xe4, 0x10,				/* in al, 0x10: exits */
		0xe6, 0x40,				/* out 0x40, al: sync */
		0xe6, 0x10,				/* out 0x10, al: exits now */
		0xf4,
	};
	const uint32_t pio = KVM_IOEVENTFD_FLAG_PIO;
	int e10 = new_efd(), e20 = new_efd(), e30 = new_efd();
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, ioeventfd(t.vm, 0x10, 1, e10, pio, 0));
	ASSERT_EQ(0, ioeventfd(t.vm, 0x20, 2, e20,
			       pio | KVM_IOEVENTFD_FLAG_DATAMATCH, 0x1234));
	ASSERT_EQ(0, ioeventfd(t.vm, 0x30, 0, e30, pio, 0));
	/* The same ports on the MMIO bus take nothing from OUT. */
	ASSERT_EQ(0, ioeventfd(t.vm, 0x40, 1, e30, 0, 0));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_IO(&t, 0x20, 2, 0x1235);
	EXPECT_EQ(1u, count(e10));
	EXPECT_EQ(1u, count(e20));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_IO(&t, 0x10, 2, 0x1235);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x10, t.run->io.port);
	EXPECT_EQ(KVM_EXIT_IO_IN, t.run->io.direction);
	EXPECT_EQ(2u, count(e30));
	*vt_io_data(&t) = 0x5a;
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_IO(&t, 0x40, 1, 0x5a);
	EXPECT_EQ(0u, count(e10));
	ASSERT_EQ(0, ioeventfd(t.vm, 0x10, 1, e10,
			       pio | KVM_IOEVENTFD_FLAG_DEASSIGN, 0));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_IO(&t, 0x10, 1, 0x5a);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	EXPECT_EQ(0u, count(e10));
	EXPECT_EQ(0u, count(e20));
	vt_vm_destroy(&t);
	close(e10);
	close(e20);
	close(e30);
}

#define EXPECT_MMIO_W(t, addr, n, v) do { \
	uint64_t _v = 0; \
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason)); \
	EXPECT_EQ((uint64_t)(addr), (t)->run->mmio.phys_addr); \
	EXPECT_EQ((uint32_t)(n), (t)->run->mmio.len); \
	EXPECT_EQ(1, (t)->run->mmio.is_write); \
	memcpy(&_v, (t)->run->mmio.data, n); \
	EXPECT_EQ((uint64_t)(v), _v); \
} while (0)

TEST(guest_mmio)
{
	static const uint8_t code[] = {
		0xc6, 0x06, 0x10, 0x00, 0x5a,		/* mov byte [0x10], 0x5a */
		0xc7, 0x06, 0x20, 0x00, 0x34, 0x12,	/* mov word [0x20], 0x1234 */
		0xc7, 0x06, 0x20, 0x00, 0x21, 0x43,	/* mov word [0x20], 0x4321: exits */
		0xc6, 0x06, 0x30, 0x00, 0x01,		/* mov byte [0x30], 1 */
		0x66, 0xc7, 0x06, 0x30, 0x00,		/* mov dword [0x30], 2 */
		0x02, 0x00, 0x00, 0x00,
		0xc7, 0x06, 0x10, 0x00, 0x5a, 0x00,	/* mov word [0x10], 0x5a: exits */
		0xa0, 0x10, 0x00,			/* mov al, [0x10]: a read exits */
		0xe6, 0x40,				/* out 0x40, al: sync */
		0xc6, 0x06, 0x10, 0x00, 0x5b,		/* mov byte [0x10], 0x5b: exits now */
		0xf4,
	};
	int e10 = new_efd(), e20 = new_efd(), e30 = new_efd();
	struct kvm_sregs s;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &s));
	s.ds.selector = MMIO >> 4;
	s.ds.base = MMIO;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_SREGS, &s));
	ASSERT_EQ(0, ioeventfd(t.vm, MMIO + 0x10, 1, e10, 0, 0));
	ASSERT_EQ(0, ioeventfd(t.vm, MMIO + 0x20, 2, e20,
			       KVM_IOEVENTFD_FLAG_DATAMATCH, 0x1234));
	ASSERT_EQ(0, ioeventfd(t.vm, MMIO + 0x30, 0, e30, 0, 0));
	/* A port of that number takes nothing from a store. */
	ASSERT_EQ(0, ioeventfd(t.vm, MMIO + 0x10, 2, e30,
			       KVM_IOEVENTFD_FLAG_PIO, 0));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO_W(&t, MMIO + 0x20, 2, 0x4321);
	EXPECT_EQ(1u, count(e10));
	EXPECT_EQ(1u, count(e20));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO_W(&t, MMIO + 0x10, 2, 0x5a);
	EXPECT_EQ(2u, count(e30));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	EXPECT_EQ((uint64_t)MMIO + 0x10, t.run->mmio.phys_addr);
	EXPECT_EQ(0, t.run->mmio.is_write);
	t.run->mmio.data[0] = 0x77;
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_IO(&t, 0x40, 1, 0x77);
	EXPECT_EQ(0u, count(e10));
	ASSERT_EQ(0, ioeventfd(t.vm, MMIO + 0x10, 1, e10,
			       KVM_IOEVENTFD_FLAG_DEASSIGN, 0));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO_W(&t, MMIO + 0x10, 1, 0x5b);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	EXPECT_EQ(0u, count(e10));
	EXPECT_EQ(0u, count(e30));
	vt_vm_destroy(&t);
	close(e10);
	close(e20);
	close(e30);
}

/* Eight bytes in long mode, and a datamatch wider than the write. */
TEST(guest_mmio_64)
{
	static const uint8_t code[] = {
		0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
		/* mov [0x200008], rax */
		0x48, 0xa3, 0x08, 0x00, 0x20, 0x00, 0, 0, 0, 0,
		/* mov [0x200010], eax: the datamatch has more bits, exits */
		0xa3, 0x10, 0x00, 0x20, 0x00, 0, 0, 0, 0,
		0xf4,
	};
	int e8 = new_efd(), e10 = new_efd();
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, vt_long_mode(&t, 0x8000));
	ASSERT_EQ(0, ioeventfd(t.vm, 0x200008, 8, e8,
			       KVM_IOEVENTFD_FLAG_DATAMATCH,
			       0x1122334455667788ULL));
	ASSERT_EQ(0, ioeventfd(t.vm, 0x200010, 4, e10,
			       KVM_IOEVENTFD_FLAG_DATAMATCH,
			       0x155667788ULL));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO_W(&t, 0x200010, 4, 0x55667788);
	EXPECT_EQ(1u, count(e8));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	EXPECT_EQ(0u, count(e10));
	vt_vm_destroy(&t);
	close(e8);
	close(e10);
}

/* STOS to MMIO and OUTS, element by element, with and without REP. */
TEST(guest_string)
{
	static const uint8_t code[] = {
		0xb8, 0x00, 0x20, 0x8e, 0xc0,	/* mov ax, 0x2000; mov es, ax */
		0xbf, 0x10, 0x00, 0xb0, 0x5a,	/* mov di, 0x10; mov al, 0x5a */
		0xaa,				/* stosb */
		0xbf, 0x10, 0x00,		/* mov di, 0x10 */
		0xb9, 0x02, 0x00, 0xf3, 0xaa,	/* mov cx, 2; rep stosb */
		0x31, 0xc0, 0x8e, 0xd8,		/* xor ax, ax; mov ds, ax */
		0xbe, 0x00, 0x20,		/* mov si, 0x2000 */
		0xb9, 0x03, 0x00,		/* mov cx, 3 */
		0xba, 0x10, 0x00,		/* mov dx, 0x10 */
		0xf3, 0x6e,			/* rep outsb: no exit */
		0xbe, 0x00, 0x20,		/* mov si, 0x2000 */
		0xb9, 0x02, 0x00, 0xf3, 0x6f,	/* mov cx, 2; rep outsw: exits */
		0xe6, 0x40,			/* out 0x40, al */
		0xf4,
	};
	int e10 = new_efd(), ep = new_efd();
	unsigned int n = 0;
	uint8_t data[4];
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	memcpy(t.mem + 0x2000, "abcd", 4);
	ASSERT_EQ(0, ioeventfd(t.vm, MMIO + 0x10, 1, e10, 0, 0));
	ASSERT_EQ(0, ioeventfd(t.vm, 0x10, 1, ep, KVM_IOEVENTFD_FLAG_PIO, 0));

	ASSERT_EQ(0, vt_run(&t));
	EXPECT_MMIO_W(&t, MMIO + 0x11, 1, 0x5a);
	EXPECT_EQ(2u, count(e10));
	/*
	 * The OUTSW's elements exit (one or both per exit) with DS's data,
	 * not ES's: the IOIO exit of an AMD CPU without decode assists
	 * names no segment.
	 */
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	while (t.run->exit_reason == KVM_EXIT_IO && t.run->io.port == 0x10) {
		EXPECT_EQ(2, t.run->io.size);
		EXPECT_EQ(KVM_EXIT_IO_OUT, t.run->io.direction);
		ASSERT_GE(4u, n + 2 * t.run->io.count);
		memcpy(data + n, vt_io_data(&t), 2 * t.run->io.count);
		n += 2 * t.run->io.count;
		ASSERT_EQ(0, vt_run(&t));
	}
	EXPECT_EQ(4u, n);
	EXPECT_EQ(0, memcmp(data, "abcd", 4));
	EXPECT_IO(&t, 0x40, 1, 0);
	EXPECT_EQ(3u, count(ep));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	EXPECT_EQ(0u, count(e10));
	vt_vm_destroy(&t);
	close(e10);
	close(ep);
}

/* The eventfd closed while assigned: the VM still ends cleanly. */
TEST(close_first)
{
	int sys = vt_open_dev(), vm, e = new_efd();

	ASSERT_LE(0, sys);
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, ioeventfd(vm, 0x1000, 4, e, 0, 0));
	ASSERT_EQ(0, ioeventfd(vm, 0x1000, 4, e, KVM_IOEVENTFD_FLAG_PIO, 0));
	close(e);
	e = new_efd();
	EXPECT_EQ(EEXIST, ioeventfd(vm, 0x1000, 4, e, 0, 0));
	close(vm);
	close(sys);
	close(e);
}

TEST_HARNESS_MAIN
