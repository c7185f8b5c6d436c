// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's binary statistics (KVM_GET_STATS_FD, KVM_CAP_BINARY_STATS_FD) on
 * the VM and vCPU fds: the file's layout, its descriptors, the counters
 * both modules name alike moving with what the guest does, the errnos of
 * bad reads, and an fd that outlives the VM's other fds.  Vireo's own
 * per-reason counters and its debugfs sums are checked where they exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vireo.h"
#include "irqchip_vm.h"
#include "vt_host.h"

#define CODE		0x1000
#define MEM		0x10000
/* Outside the slot: a guest access there is MMIO. */
#define MMIO_GPA	0x20000

/* A statistics fd, read once: header, id and descriptors. */
struct st {
	int fd;
	struct kvm_stats_header h;
	char id[256];
	uint8_t *desc;		/* num_desc entries of desc_size bytes */
	size_t desc_size;
	size_t data_size;	/* from the descriptors: end of the last */
};

static struct kvm_stats_desc *st_desc(struct st *s, unsigned int i)
{
	return (struct kvm_stats_desc *)(s->desc + i * s->desc_size);
}

/* 0, or -errno with a line saying what was wrong. */
static int st_open(struct st *s, int owner)
{
	unsigned int i;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->fd = ioctl(owner, KVM_GET_STATS_FD, NULL);
	if (s->fd < 0)
		return -errno;
	if (pread(s->fd, &s->h, sizeof(s->h), 0) != sizeof(s->h))
		return -EIO;
	if (!s->h.name_size || s->h.name_size > sizeof(s->id) ||
	    s->h.num_desc > 4096)
		return -ERANGE;
	n = pread(s->fd, s->id, s->h.name_size, s->h.id_offset);
	if (n != (ssize_t)s->h.name_size)
		return -EIO;
	s->desc_size = sizeof(struct kvm_stats_desc) + s->h.name_size;
	s->desc = calloc(s->h.num_desc, s->desc_size);
	if (!s->desc)
		return -ENOMEM;
	n = pread(s->fd, s->desc, s->h.num_desc * s->desc_size,
		  s->h.desc_offset);
	if (n != (ssize_t)(s->h.num_desc * s->desc_size))
		return -EIO;
	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = st_desc(s, i);
		size_t end = d->offset + d->size * sizeof(uint64_t);

		if (end > s->data_size)
			s->data_size = end;
	}
	return 0;
}

static void st_close(struct st *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->desc);
	s->fd = -1;
	s->desc = NULL;
}

static struct kvm_stats_desc *st_find(struct st *s, const char *name)
{
	unsigned int i;

	for (i = 0; i < s->h.num_desc; i++)
		if (!strncmp(st_desc(s, i)->name, name, s->h.name_size))
			return st_desc(s, i);
	return NULL;
}

/* The first u64 of stat @name, or -1 (missing or unreadable). */
static int64_t st_get(struct st *s, const char *name)
{
	struct kvm_stats_desc *d = st_find(s, name);
	uint64_t v;

	if (!d || pread(s->fd, &v, sizeof(v), s->h.data_offset + d->offset) !=
		  sizeof(v))
		return -1;
	return v;
}

FIXTURE(stats) {
	struct vt_vm t;
	struct st vm, vcpu;
};

FIXTURE_SETUP(stats)
{
	int r = vt_vm_create(&self->t, MEM, CODE);

	self->vm.fd = self->vcpu.fd = -1;
	ASSERT_EQ(0, r) TH_LOG("vm: %s", strerror(-r));
	r = st_open(&self->vm, self->t.vm);
	ASSERT_EQ(0, r) TH_LOG("VM stats: %s", strerror(-r));
	r = st_open(&self->vcpu, self->t.vcpu);
	ASSERT_EQ(0, r) TH_LOG("vCPU stats: %s", strerror(-r));
}

FIXTURE_TEARDOWN(stats)
{
	st_close(&self->vm);
	st_close(&self->vcpu);
	vt_vm_destroy(&self->t);
}

static void load(struct vt_vm *t, const uint8_t *code, size_t len)
{
	memcpy(t->mem + CODE, code, len);
}

TEST(capability)
{
	int sys = vt_open_dev(), vm;

	ASSERT_LE(0, sys);
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD));
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD));
	/* The system fd has no statistics of its own. */
	EXPECT_EQ(-1, ioctl(sys, KVM_GET_STATS_FD, NULL));
	EXPECT_EQ(EINVAL, errno);
	close(vm);
	close(sys);
}

/* Header and id of one statistics fd: the blocks in order, no overlap. */
static void check_header(struct __test_metadata *_metadata, struct st *s,
			 const char *what)
{
	const struct kvm_stats_header *h = &s->h;
	uint64_t desc_end = h->desc_offset + (uint64_t)h->num_desc * s->desc_size;
	char end;

	TH_LOG("%s: id '%.*s', %u descriptors, name_size %u", what,
	       (int)h->name_size, s->id, h->num_desc, h->name_size);
	EXPECT_EQ(0u, h->flags);
	EXPECT_LT(0u, h->num_desc);
	EXPECT_LE(sizeof(*h), h->id_offset);
	EXPECT_LE(h->id_offset + h->name_size, h->desc_offset);
	EXPECT_LE(desc_end, h->data_offset);
	/* The id: "kvm-PID..." as kvm.ko writes it, NUL-terminated. */
	EXPECT_EQ(0, strncmp(s->id, "kvm-", 4)) TH_LOG("id %.*s",
		(int)h->name_size, s->id);
	EXPECT_GT(h->name_size, strnlen(s->id, h->name_size));
	/* The file ends with the data block. */
	EXPECT_EQ(1, pread(s->fd, &end, 1, h->data_offset + s->data_size - 1));
	EXPECT_EQ(0, pread(s->fd, &end, 1, h->data_offset + s->data_size));
}

TEST_F(stats, header)
{
	char vm_id[256];

	check_header(_metadata, &self->vm, "VM");
	check_header(_metadata, &self->vcpu, "vCPU");
	/* A vCPU's id extends its VM's. */
	snprintf(vm_id, sizeof(vm_id), "%.*s", (int)self->vm.h.name_size,
		 self->vm.id);
	EXPECT_EQ(0, strncmp(self->vcpu.id, vm_id, strlen(vm_id)));
	EXPECT_NE(0, strncmp(self->vcpu.id, vm_id, self->vm.h.name_size));
}

static void check_descs(struct __test_metadata *_metadata, struct st *s)
{
	unsigned int i, j;

	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = st_desc(s, i);
		uint32_t type = d->flags & KVM_STATS_TYPE_MASK;
		uint32_t unit = d->flags & KVM_STATS_UNIT_MASK;
		uint32_t base = d->flags & KVM_STATS_BASE_MASK;
		size_t len = strnlen(d->name, s->h.name_size);
		const char *c;

		EXPECT_LT(0u, len) TH_LOG("descriptor %u has no name", i);
		ASSERT_GT(s->h.name_size, len) TH_LOG("descriptor %u", i);
		for (c = d->name; *c; c++) {
			EXPECT_TRUE((*c >= 'a' && *c <= 'z') ||
				    (*c >= '0' && *c <= '9') || *c == '_')
				TH_LOG("name '%s'", d->name);
		}
		EXPECT_EQ(0u, d->flags & ~(KVM_STATS_TYPE_MASK |
					   KVM_STATS_UNIT_MASK |
					   KVM_STATS_BASE_MASK));
		EXPECT_LE(type, (uint32_t)KVM_STATS_TYPE_MAX) TH_LOG("%s", d->name);
		EXPECT_LE(unit, (uint32_t)KVM_STATS_UNIT_MAX) TH_LOG("%s", d->name);
		EXPECT_LE(base, (uint32_t)KVM_STATS_BASE_MAX) TH_LOG("%s", d->name);
		if (unit == KVM_STATS_UNIT_SECONDS) {
			EXPECT_GE(0, d->exponent) TH_LOG("%s", d->name);
		} else if (unit == KVM_STATS_UNIT_BOOLEAN) {
			EXPECT_EQ(0, d->exponent) TH_LOG("%s", d->name);
		} else {
			EXPECT_LE(0, d->exponent) TH_LOG("%s", d->name);
		}
		EXPECT_LT(0, d->size) TH_LOG("%s", d->name);
		if (type == KVM_STATS_TYPE_LINEAR_HIST) {
			EXPECT_LT(0u, d->bucket_size) TH_LOG("%s", d->name);
		} else {
			EXPECT_EQ(0u, d->bucket_size) TH_LOG("%s", d->name);
		}
		EXPECT_EQ(0u, d->offset % sizeof(uint64_t)) TH_LOG("%s", d->name);
		/* No two descriptors share a name or a data word. */
		for (j = 0; j < i; j++) {
			struct kvm_stats_desc *e = st_desc(s, j);

			EXPECT_NE(0, strcmp(d->name, e->name))
				TH_LOG("'%s' twice", d->name);
			EXPECT_TRUE(d->offset >= e->offset +
				    e->size * sizeof(uint64_t) ||
				    e->offset >= d->offset +
				    d->size * sizeof(uint64_t))
				TH_LOG("%s overlaps %s", d->name, e->name);
		}
	}
}

TEST_F(stats, descriptors)
{
	static const char *const vcpu_names[] = {
		"exits", "io_exits", "mmio_exits", "halt_exits", "irq_exits",
		"signal_exits", "request_irq_exits", "irq_window_exits",
		"nmi_window_exits", "halt_wakeup", "halt_wait_ns",
		"halt_successful_poll", "pf_taken", "pf_fixed", "pf_emulate",
		"irq_injections", "nmi_injections", "blocking", "l1d_flush",
	};
	unsigned int i;

	check_descs(_metadata, &self->vm);
	check_descs(_metadata, &self->vcpu);
	/* What both modules count: under kvm.ko's names, of its kinds. */
	for (i = 0; i < sizeof(vcpu_names) / sizeof(vcpu_names[0]); i++) {
		struct kvm_stats_desc *d = st_find(&self->vcpu, vcpu_names[i]);
		uint32_t flags = KVM_STATS_TYPE_CUMULATIVE;
		int exponent = 0;

		ASSERT_NE(NULL, d) TH_LOG("no vCPU stat %s", vcpu_names[i]);
		EXPECT_EQ(1, d->size);
		if (!strcmp(vcpu_names[i], "blocking")) {
			flags = KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_BOOLEAN;
		} else if (strstr(vcpu_names[i], "_ns")) {
			flags |= KVM_STATS_UNIT_SECONDS;
			exponent = -9;
		}
		EXPECT_EQ(flags, d->flags) TH_LOG("%s", vcpu_names[i]);
		EXPECT_EQ(exponent, d->exponent) TH_LOG("%s", vcpu_names[i]);
	}
}

/* Every stat's value, read as one block and one by one, agree at rest. */
TEST_F(stats, data_reads)
{
	struct st *s = &self->vcpu;
	uint64_t *all = calloc(1, s->data_size), v;
	unsigned int i;

	ASSERT_NE(NULL, all);
	ASSERT_EQ((ssize_t)s->data_size,
		  pread(s->fd, all, s->data_size, s->h.data_offset));
	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = st_desc(s, i);

		ASSERT_EQ((ssize_t)sizeof(v), pread(s->fd, &v, sizeof(v),
			  s->h.data_offset + d->offset));
		EXPECT_EQ(all[d->offset / 8], v) TH_LOG("%s", d->name);
	}
	/* A new vCPU has done nothing. */
	EXPECT_EQ(0, st_get(s, "exits"));
	EXPECT_EQ(0, st_get(s, "io_exits"));
	free(all);
}

/* OUT, a write to MMIO, HLT: each counted once, under kvm.ko's names. */
TEST_F(stats, counters_move)
{
	static const uint8_t code[] = {
		0xe6, 0x10,		/* out 0x10, al */
		0xbb, 0x00, 0x20,	/* mov bx, MMIO_GPA >> 4 */
		0x8e, 0xdb,		/* mov ds, bx */
		0xa2, 0x00, 0x00,	/* mov [0], al */
		0xf4,			/* hlt */
	};
	static const char *const names[] = {
		"exits", "io_exits", "mmio_exits", "halt_exits", "pf_taken",
	};
	int64_t before[5], after[5];
	struct vt_vm *t = &self->t;
	unsigned int i;

	load(t, code, sizeof(code));
	for (i = 0; i < 5; i++)
		before[i] = st_get(&self->vcpu, names[i]);
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason);
	ASSERT_EQ(1, st_get(&self->vcpu, "io_exits") - before[1]);
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t->run->exit_reason);
	EXPECT_EQ((uint64_t)MMIO_GPA, t->run->mmio.phys_addr);
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_HLT, t->run->exit_reason);
	for (i = 0; i < 5; i++) {
		after[i] = st_get(&self->vcpu, names[i]);
		TH_LOG("%s: %lld -> %lld", names[i], (long long)before[i],
		       (long long)after[i]);
	}
	EXPECT_LE(3, after[0] - before[0]);
	EXPECT_EQ(1, after[1] - before[1]);
	EXPECT_EQ(1, after[2] - before[2]);
	EXPECT_EQ(1, after[3] - before[3]);
	EXPECT_LE(1, after[4] - before[4]);
	/* None of this was a signal or a window the VMM asked for. */
	EXPECT_EQ(0, st_get(&self->vcpu, "signal_exits"));
	EXPECT_EQ(0, st_get(&self->vcpu, "request_irq_exits"));
	EXPECT_EQ(0, st_get(&self->vcpu, "blocking"));
}

/*
 * On AMD-V a MOV to CR4 exits on both modules (CR4 is checked against the
 * guest's CPUID) and is one of "exits", as every exit is: from one OUT to
 * the next, with the CR4 write between, at least two.  The first OUT has
 * the code page mapped already.
 */
TEST_F(stats, cr4_write_counted)
{
	static const uint8_t code[] = {
		0xe6, 0x10,		/* out 0x10, al */
		0x0f, 0x20, 0xe0,	/* mov eax, cr4 */
		0x0f, 0x22, 0xe0,	/* mov cr4, eax */
		0xe6, 0x10,		/* out 0x10, al */
	};
	struct vt_vm *t = &self->t;
	int64_t before;

	/* VT-x exits only for a write that changes a bit the host owns. */
	if (!vt_host_svm())
		SKIP(return, "a MOV to CR4 of the same value does not exit on VT-x");
	load(t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason);
	before = st_get(&self->vcpu, "exits");
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason);
	EXPECT_LE(2, st_get(&self->vcpu, "exits") - before);
}

static void on_usr1(int sig)
{
}

/* A signal that ends KVM_RUN, and the interrupt window userspace asks for. */
TEST_F(stats, signal_and_window)
{
	static const uint8_t code[] = {
		0xfa, 0xe6, 0x10,		/* cli; out 0x10, al */
		0xfb, 0x90, 0x90, 0xeb, 0xfe,	/* sti; nop; nop; jmp $ */
	};
	struct kvm_signal_mask *km;
	struct vt_vm *t = &self->t;
	sigset_t usr1, empty;
	struct timespec now = { 0 };

	load(t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason);

	/* Pending while blocked here, unblocked inside KVM_RUN. */
	signal(SIGUSR1, on_usr1);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&empty);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &usr1, NULL));
	km = calloc(1, sizeof(*km) + 8);
	ASSERT_NE(NULL, km);
	km->len = 8;
	memcpy(km->sigset, &empty, 8);
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_SIGNAL_MASK, km));
	raise(SIGUSR1);
	EXPECT_EQ(-EINTR, vt_run(t));
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, t->run->exit_reason);
	EXPECT_EQ(1, st_get(&self->vcpu, "signal_exits"));
	EXPECT_EQ(SIGUSR1, sigtimedwait(&usr1, NULL, &now));
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_SET_SIGNAL_MASK, NULL));
	ASSERT_EQ(0, sigprocmask(SIG_UNBLOCK, &usr1, NULL));
	free(km);

	t->run->request_interrupt_window = 1;
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IRQ_WINDOW_OPEN, t->run->exit_reason);
	t->run->request_interrupt_window = 0;
	EXPECT_EQ(1, st_get(&self->vcpu, "request_irq_exits"));
	EXPECT_EQ(1, st_get(&self->vcpu, "signal_exits"));
}

/*
 * An interrupt the VMM injects (KVM_INTERRUPT) when the guest opened its
 * window: one injection, under kvm.ko's name, and no NMI.  Both modules
 * count every delivery, so the pages the delivery touches (IVT, stack,
 * handler) are written first: a nested page fault in the middle of it
 * would make the CPU deliver it again (3 on either module otherwise).
 */
TEST_F(stats, injection)
{
	static const uint8_t code[] = {
		0xa2, 0x10, 0x00,		/* mov [0x0010], al (IVT) */
		0xa2, 0x10, 0x30,		/* mov [0x3010], al (handler) */
		0xa2, 0xf0, 0xff,		/* mov [0xfff0], al (stack) */
		0xfa, 0xe6, 0x10,		/* cli; out 0x10, al */
		0xfb, 0x90, 0x90, 0xeb, 0xfe,	/* sti; nop; nop; jmp $ */
	};
	/* The handler of vector 0x20, at 0x3000: out 0x20, al; hlt */
	static const uint8_t handler[] = { 0xe6, 0x20, 0xf4 };
	struct kvm_interrupt irq = { .irq = 0x20 };
	struct vt_vm *t = &self->t;

	load(t, code, sizeof(code));
	memcpy(t->mem + 0x3000, handler, sizeof(handler));
	t->mem[0x20 * 4 + 1] = 0x30;
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason);
	EXPECT_EQ(0, st_get(&self->vcpu, "irq_injections"));
	t->run->request_interrupt_window = 1;
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IRQ_WINDOW_OPEN, t->run->exit_reason);
	t->run->request_interrupt_window = 0;
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_INTERRUPT, &irq));
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason);
	EXPECT_EQ(0x20, t->run->io.port);
	EXPECT_EQ(1, st_get(&self->vcpu, "irq_injections"));
	EXPECT_EQ(0, st_get(&self->vcpu, "nmi_injections"));
}

/*
 * An interrupt of the in-kernel 8259 (KVM_IRQ_LINE) that the guest takes at
 * once costs no exit of its own.  vireo.ko used to end the guest right
 * after each delivery (an INTR exit, counted in irq_exits) when the host
 * is itself a guest, to dodge QEMU's TCG delivering it twice; kvm.ko does
 * not (it does after KVM_INTERRUPT, which is why the 8259 here is the
 * kernel's).  Twenty interrupts; a host interrupt may still end a few runs.
 */
TEST(injection_exits)
{
	static const uint8_t code[] = {
		/* both 8259s as Linux leaves them: vectors 0x20 and 0x28 */
		0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21,
		0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21,
		0xb0, 0x11, 0xe6, 0xa0, 0xb0, 0x28, 0xe6, 0xa1,
		0xb0, 0x02, 0xe6, 0xa1, 0xb0, 0x01, 0xe6, 0xa1,
		0xb0, 0x00, 0xe6, 0x21, 0xb0, 0xff, 0xe6, 0xa1,
		/* the pages the delivery touches, mapped before it */
		0xa0, 0x8c, 0x00,		/* mov al, [0x008c] (IVT) */
		0xa0, 0x00, 0x30,		/* mov al, [0x3000] (handler) */
		0xa0, 0xf0, 0x7f,		/* mov al, [0x7ff0] (stack) */
		0xfb, 0x90, 0xe6, 0x10,		/* 1: sti; nop; out 0x10, al */
		0xeb, 0xfa,			/* jmp 1b */
	};
	/* Vector 0x23's handler: EOI to the master 8259; out 0x12; iret */
	static const uint8_t handler[] = {
		0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xe6, 0x12, 0xcf,
	};
	struct kvm_irq_level line = { .irq = 3 };
	long extra = 0, before;
	struct kvm_regs regs;
	struct vt_vm t;
	struct st s;
	int i;

	ASSERT_EQ(0, chip_vm(&t, WITH_IRQCHIP, code, sizeof(code)));
	memcpy(t.mem + 0x3000, handler, sizeof(handler));
	t.mem[0x23 * 4 + 1] = 0x30;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	regs.rsp = 0x8000;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, st_open(&s, t.vcpu));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	ASSERT_EQ(0x10, t.run->io.port);
	for (i = 0; i < 20; i++) {
		before = st_get(&s, "irq_exits");
		line.level = 1;
		ASSERT_EQ(0, ioctl(t.vm, KVM_IRQ_LINE, &line));
		line.level = 0;
		ASSERT_EQ(0, ioctl(t.vm, KVM_IRQ_LINE, &line));
		ASSERT_EQ(0, vt_run(&t));
		ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
		ASSERT_EQ(0x12, t.run->io.port);
		extra += st_get(&s, "irq_exits") - before;
		ASSERT_EQ(0, vt_run(&t));
		ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
		ASSERT_EQ(0x10, t.run->io.port);
	}
	EXPECT_LE(20, st_get(&s, "irq_injections"));
	EXPECT_GT(10, extra) TH_LOG("%ld INTR exits for 20 interrupts", extra);
	st_close(&s);
	vt_vm_destroy(&t);
}

/* What kvm.ko answers to reads and calls a statistics fd does not take. */
TEST_F(stats, bad_input)
{
	int fd = self->vcpu.fd;
	struct kvm_stats_header h;
	void *volatile bad = (void *)8;
	char buf[64];
	void *p;

	EXPECT_EQ(O_RDONLY, fcntl(fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	errno = 0;
	EXPECT_EQ(-1, write(fd, buf, 1));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	/* Not positioned-writable: that check comes first. */
	EXPECT_EQ(-1, pwrite(fd, buf, 1, 0));
	EXPECT_EQ(ESPIPE, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_STATS_FD, NULL));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, bad, sizeof(buf), 0));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), -1));
	EXPECT_EQ(EINVAL, errno);
	/* Past the end: nothing, at any distance. */
	EXPECT_EQ(0, pread(fd, buf, sizeof(buf), 1LL << 40));
	EXPECT_EQ(0, pread(fd, buf, 0, 0));
	/* A read that runs off the end is cut at it. */
	EXPECT_EQ(8, pread(fd, buf, sizeof(buf), self->vcpu.h.data_offset +
			   self->vcpu.data_size - 8));
	/* read() goes on from where the last one ended; lseek() moves nothing. */
	EXPECT_EQ((ssize_t)sizeof(h), read(fd, &h, sizeof(h)));
	EXPECT_EQ(0, memcmp(&h, &self->vcpu.h, sizeof(h)));
	EXPECT_EQ(4, read(fd, buf, 4));
	EXPECT_EQ(0, memcmp(buf, self->vcpu.id, 4));
	EXPECT_EQ((off_t)sizeof(h) + 4, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(4, read(fd, buf, 4));
	EXPECT_EQ(0, memcmp(buf, self->vcpu.id + 4, 4));
	/* KVM_GET_STATS_FD takes no argument; kvm.ko ignores one. */
	fd = ioctl(self->t.vm, KVM_GET_STATS_FD, 1UL);
	EXPECT_LE(0, fd);
	close(fd);
}

/*
 * The statistics fds hold the VM: closing every other fd first leaves
 * them readable, with the counts as they were (KASAN in the debug stage
 * would see a read of freed memory).
 */
TEST_F(stats, outlives_vm)
{
	static const uint8_t code[] = { 0xe6, 0x10, 0xf4 };
	struct vt_vm *t = &self->t;
	struct kvm_stats_header h;

	load(t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason);
	vt_vm_destroy(t);
	t->sys = t->vm = t->vcpu = -1;
	t->run = NULL;
	t->mem = NULL;
	EXPECT_EQ(1, st_get(&self->vcpu, "io_exits"));
	EXPECT_LE(1, st_get(&self->vcpu, "exits"));
	ASSERT_EQ((ssize_t)sizeof(h), pread(self->vm.fd, &h, sizeof(h), 0));
	EXPECT_EQ(0, memcmp(&h, &self->vm.h, sizeof(h)));
	st_close(&self->vcpu);
	ASSERT_EQ((ssize_t)sizeof(h), pread(self->vm.fd, &h, sizeof(h), 0));
}

/* vireo.ko's debugfs sum of stat @name over live vCPUs, or -1. */
static long long debugfs_sum(const char *name)
{
	char path[128];
	long long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), VIREO_DEBUGFS "/stats/%s", name);
	if (access(VIREO_DEBUGFS, R_OK))
		mount("none", "/sys/kernel/debug", "debugfs", 0, NULL);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * Vireo's per-reason counters (exit_REASON, exit_REASON_ns) add up to
 * "exits", and the exit the guest made is in its reason's; kvm.ko has
 * no such counters and skips.
 */
TEST_F(stats, exit_reasons)
{
	static const uint8_t code[] = {
		0x0f, 0x20, 0xe0,	/* mov eax, cr4 */
		0x0f, 0x22, 0xe0,	/* mov cr4, eax: exits on vireo.ko */
		0xe6, 0x10,		/* out 0x10, al */
		0xf4,			/* hlt */
	};
	struct vt_vm *t = &self->t;
	struct st *s = &self->vcpu;
	int64_t sum = 0, ns = 0;
	unsigned int i;

	if (!st_find(s, "exit_io"))
		SKIP(return, "%s has no per-reason exit counters", vt_mode());
	load(t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason);
	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_HLT, t->run->exit_reason);
	for (i = 0; i < s->h.num_desc; i++) {
		struct kvm_stats_desc *d = st_desc(s, i);
		size_t len = strlen(d->name);
		int64_t v = st_get(s, d->name);

		if (strncmp(d->name, "exit_", 5))
			continue;
		if (len > 3 && !strcmp(d->name + len - 3, "_ns"))
			ns += v;
		else
			sum += v;
	}
	EXPECT_EQ(st_get(s, "exits"), sum);
	EXPECT_EQ(1, st_get(s, "exit_io"));
	EXPECT_EQ(1, st_get(s, "exit_halt"));
	if (vt_host_svm())
		EXPECT_EQ(1, st_get(s, "exit_ctrl_reg"));
	EXPECT_LT(0, st_get(s, "exit_io_ns"));
	EXPECT_LE(st_get(s, "exit_io_ns"), ns);
	/* The debugfs sums cover this live vCPU. */
	EXPECT_LE(1, debugfs_sum("exit_io"));
	EXPECT_LE(st_get(s, "exits"), debugfs_sum("exits"));
	EXPECT_LE(0, debugfs_sum("memslot_updates"));
	EXPECT_LE(1, st_get(&self->vm, "memslot_updates"));
}

#define FLUSH_RUNS	10
#define FLUSH_CPUIDS	1000

/*
 * The L1D flush that L1TF asks for before VT-x entry (kvm.ko's l1d_flush
 * counts them): 0 where the host asks for none (AMD-V, a CPU L1TF does
 * not affect, l1tf=off), else at least one per KVM_RUN, whose way through
 * userspace may have pulled anything into the cache, but not one per
 * entry: the CPUIDs handled in the kernel in between touch nothing of
 * anyone else's, and an interrupt or a task switch on the CPU asks for
 * one of its own (a few, in these runs of a few milliseconds).
 */
TEST_F(stats, l1d_flush)
{
	static const uint8_t code[] = {
		0xbe, FLUSH_CPUIDS & 0xff, FLUSH_CPUIDS >> 8,	/* mov si, N */
		0x31, 0xc0,		/* 1: xor ax, ax */
		0x0f, 0xa2,		/* cpuid */
		0x4e,			/* dec si */
		0x75, 0xf9,		/* jnz 1b */
		0xe6, 0x10,		/* out 0x10, al */
		0xeb, 0xf2,		/* jmp back to the start */
	};
	struct vt_vm *t = &self->t;
	int64_t before, flushes;
	unsigned int i;

	load(t, code, sizeof(code));
	before = st_get(&self->vcpu, "l1d_flush");
	ASSERT_LE(0, before) TH_LOG("no vCPU stat l1d_flush");
	for (i = 0; i < FLUSH_RUNS; i++) {
		ASSERT_EQ(0, vt_run(t));
		ASSERT_EQ((uint32_t)KVM_EXIT_IO, t->run->exit_reason);
	}
	flushes = st_get(&self->vcpu, "l1d_flush") - before;
	TH_LOG("%s: %lld L1D flushes in %d runs of %d CPUID exits", vt_mode(),
	       (long long)flushes, FLUSH_RUNS, FLUSH_CPUIDS);
	if (flushes)
		EXPECT_LE(FLUSH_RUNS, flushes);
	EXPECT_GT(FLUSH_RUNS * FLUSH_CPUIDS / 4, flushes);
}

#define FAULT_PAGES	224

/*
 * Nested page faults the kernel resolves by mapping the VMM's page need
 * no flush either, as under kvm_intel: a guest touching FAULT_PAGES new
 * pages in one KVM_RUN gets far fewer flushes than faults.
 */
TEST(l1d_flush_faults)
{
	static const uint8_t code[] = {
		0xb8, 0x00, 0x10,		/* mov ax, 0x1000 */
		0x8e, 0xc0,			/* mov es, ax */
		0xb9, FAULT_PAGES, 0x00,	/* mov cx, FAULT_PAGES */
		0x26, 0xc6, 0x06, 0x00, 0x00, 0x01, /* 1: mov byte [es:0], 1 */
		0x05, 0x00, 0x01,		/* add ax, 0x100 */
		0x8e, 0xc0,			/* mov es, ax */
		0xe2, 0xf3,			/* loop 1b */
		0xe6, 0x10,			/* out 0x10, al */
		0xf4,				/* hlt */
	};
	int64_t before, flushes, faults;
	struct vt_vm t;
	struct st s;
	int r;

	r = vt_vm_create(&t, 0x100000, CODE);
	ASSERT_EQ(0, r) TH_LOG("vm: %s", strerror(-r));
	memcpy(t.mem + CODE, code, sizeof(code));
	r = st_open(&s, t.vcpu);
	ASSERT_EQ(0, r) TH_LOG("vCPU stats: %s", strerror(-r));
	before = st_get(&s, "l1d_flush");
	faults = st_get(&s, "pf_fixed");
	ASSERT_LE(0, before) TH_LOG("no vCPU stat l1d_flush");
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	flushes = st_get(&s, "l1d_flush") - before;
	faults = st_get(&s, "pf_fixed") - faults;
	TH_LOG("%s: %lld L1D flushes, %lld nested page faults fixed",
	       vt_mode(), (long long)flushes, (long long)faults);
	EXPECT_LE(FAULT_PAGES, faults);
	EXPECT_GT(FAULT_PAGES / 4, flushes);
	st_close(&s);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
