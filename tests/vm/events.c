// SPDX-License-Identifier: GPL-2.0
/*
 * Events and extended state: KVM_NMI (delivery, blocking until IRET, the
 * queue limit), KVM_{GET,SET}_VCPU_EVENTS (round trip, injection, bad
 * input), KVM_{GET,SET}_XCRS (XCR0 rules, the guest's XCR0 in the CPU) and
 * KVM_{GET,SET}_XSAVE (guest XMM/YMM state seen and replaced by userspace).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define CODE		0x1000
#define NMI_HANDLER	0x3000
#define UD_HANDLER	0x3100
#define IRQ_HANDLER	0x3200
#define IRQ_VEC		0x20

#define EXPECT_PORT(t, p) do { \
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason)); \
	EXPECT_EQ(p, (t)->run->io.port); \
} while (0)

#define RUN_TO_PORT(t, p) do { \
	ASSERT_EQ(0, vt_run(t)); \
	EXPECT_PORT(t, p); \
} while (0)

static void set_ivt(struct vt_vm *t, unsigned int vec, uint16_t ip)
{
	t->mem[vec * 4] = ip & 0xff;
	t->mem[vec * 4 + 1] = ip >> 8;
	t->mem[vec * 4 + 2] = 0;
	t->mem[vec * 4 + 3] = 0;
}

/*
 * A real-mode guest running @code with handlers that report themselves:
 * NMI "out 0x22; out 0x23; iret", #UD "out 0x26; iret",
 * vector 0x20 "out 0x20; iret".
 */
static void setup_rm(struct __test_metadata *_metadata, struct vt_vm *t,
		     const uint8_t *code, size_t len)
{
	static const uint8_t nmi[] = { 0xe6, 0x22, 0xe6, 0x23, 0xcf };
	static const uint8_t ud[] = { 0xe6, 0x26, 0xcf };
	static const uint8_t irq[] = { 0xe6, 0x20, 0xcf };

	ASSERT_EQ(0, vt_vm_create(t, 0x10000, CODE));
	memcpy(t->mem + CODE, code, len);
	memcpy(t->mem + NMI_HANDLER, nmi, sizeof(nmi));
	memcpy(t->mem + UD_HANDLER, ud, sizeof(ud));
	memcpy(t->mem + IRQ_HANDLER, irq, sizeof(irq));
	set_ivt(t, 2, NMI_HANDLER);
	set_ivt(t, 6, UD_HANDLER);
	set_ivt(t, IRQ_VEC, IRQ_HANDLER);
}

/* cli; out 0x10; mov cx, 0x100; loop $; out 0x11; hlt */
static const uint8_t cli_code[] = {
	0xfa, 0xe6, 0x10, 0xb9, 0x00, 0x01, 0xe2, 0xfe, 0xe6, 0x11, 0xf4,
};

static int get_events(struct vt_vm *t, struct kvm_vcpu_events *e)
{
	memset(e, 0xa5, sizeof(*e));
	return ioctl(t->vcpu, KVM_GET_VCPU_EVENTS, e) ? errno : 0;
}

static int set_events(struct vt_vm *t, const struct kvm_vcpu_events *e)
{
	return ioctl(t->vcpu, KVM_SET_VCPU_EVENTS, e) ? errno : 0;
}

static int nmi(struct vt_vm *t)
{
	return ioctl(t->vcpu, KVM_NMI) ? errno : 0;
}

TEST(caps)
{
	int fd = vt_open_dev();

	ASSERT_LE(0, fd);
	EXPECT_LT(0, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_NMI));
	EXPECT_LT(0, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_VCPU_EVENTS));
	EXPECT_LT(0, ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE));
	close(fd);
}

/* An NMI reaches IDT entry 2 with IF clear, and blocks NMIs until IRET. */
TEST(nmi_delivered)
{
	struct kvm_vcpu_events e;
	struct vt_vm t;

	setup_rm(_metadata, &t, cli_code, sizeof(cli_code));
	RUN_TO_PORT(&t, 0x10);
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.nmi.pending);
	EXPECT_EQ(0, e.nmi.masked);
	ASSERT_EQ(0, nmi(&t));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(1, e.nmi.pending);
	EXPECT_EQ(0, e.nmi.injected);
	EXPECT_EQ(0, e.nmi.masked);
	RUN_TO_PORT(&t, 0x22);
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.nmi.pending);
	EXPECT_EQ(0, e.nmi.injected);
	EXPECT_EQ(1, e.nmi.masked);
	RUN_TO_PORT(&t, 0x23);
	RUN_TO_PORT(&t, 0x11);
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.nmi.masked);
	EXPECT_EQ(0, e.nmi.pending);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

/* A second NMI while the handler runs waits for its IRET: no nesting. */
TEST(nmi_masked_until_iret)
{
	struct kvm_vcpu_events e;
	struct vt_vm t;

	setup_rm(_metadata, &t, cli_code, sizeof(cli_code));
	RUN_TO_PORT(&t, 0x10);
	ASSERT_EQ(0, nmi(&t));
	RUN_TO_PORT(&t, 0x22);
	ASSERT_EQ(0, nmi(&t));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(1, e.nmi.pending);
	EXPECT_EQ(1, e.nmi.masked);
	RUN_TO_PORT(&t, 0x23);
	/* The IRET unblocks NMIs: the second one comes before main code. */
	RUN_TO_PORT(&t, 0x22);
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.nmi.pending);
	EXPECT_EQ(1, e.nmi.masked);
	RUN_TO_PORT(&t, 0x23);
	RUN_TO_PORT(&t, 0x11);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

/*
 * The same in 64-bit mode: an IDT gate, IRETQ, and a GDT for the selectors
 * IRETQ loads.
 */
TEST(nmi_long_mode)
{
	/* cli; out 0x10; mov ecx, 0x100; loop $; out 0x11; hlt */
	static const uint8_t code[] = {
		0xfa, 0xe6, 0x10, 0xb9, 0x00, 0x01, 0x00, 0x00, 0xe2, 0xfe,
		0xe6, 0x11, 0xf4,
	};
	/* out 0x22; out 0x23; iretq */
	static const uint8_t handler[] = { 0xe6, 0x22, 0xe6, 0x23, 0x48, 0xcf };
	static const uint64_t gdt[] = {
		0, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL,
	};
	uint64_t *idt;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x20000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	memcpy(t.mem + NMI_HANDLER, handler, sizeof(handler));
	memcpy(t.mem + 0x7000, gdt, sizeof(gdt));
	idt = (uint64_t *)(t.mem + 0x6000);
	idt[4] = NMI_HANDLER | 8 << 16 | 0x8eULL << 40;
	idt[5] = 0;
	ASSERT_EQ(0, vt_long_mode(&t, 0x8000));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &sr));
	sr.gdt.base = 0x7000;
	sr.gdt.limit = sizeof(gdt) - 1;
	sr.idt.base = 0x6000;
	sr.idt.limit = 0xfff;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_SREGS, &sr));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	regs.rsp = 0x5f00;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));

	RUN_TO_PORT(&t, 0x10);
	ASSERT_EQ(0, nmi(&t));
	RUN_TO_PORT(&t, 0x22);
	ASSERT_EQ(0, nmi(&t));
	RUN_TO_PORT(&t, 0x23);
	RUN_TO_PORT(&t, 0x22);
	RUN_TO_PORT(&t, 0x23);
	RUN_TO_PORT(&t, 0x11);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0x5f00u, regs.rsp);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

/*
 * An NMI sent while the guest sits in an STI shadow (the OUT right after
 * STI) is taken as soon as that instruction is done, not one later.
 */
TEST(nmi_after_sti_shadow)
{
	/* cli; out 0x10; sti; out 0x12; out 0x11; hlt */
	static const uint8_t code[] = {
		0xfa, 0xe6, 0x10, 0xfb, 0xe6, 0x12, 0xe6, 0x11, 0xf4,
	};
	struct kvm_vcpu_events e;
	struct vt_vm t;

	setup_rm(_metadata, &t, code, sizeof(code));
	RUN_TO_PORT(&t, 0x10);
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.interrupt.shadow);
	RUN_TO_PORT(&t, 0x12);
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_NE(0, e.interrupt.shadow & KVM_X86_SHADOW_INT_STI);
	ASSERT_EQ(0, nmi(&t));
	RUN_TO_PORT(&t, 0x22);
	RUN_TO_PORT(&t, 0x23);
	RUN_TO_PORT(&t, 0x11);
	vt_vm_destroy(&t);
}

/*
 * A shadow set through SET_VCPU_EVENTS holds a queued NMI back for one
 * instruction: the handler sees what that instruction put in AL.  (Set
 * at a HLT exit: at an I/O exit it would cover the OUT, which completes
 * on the next KVM_RUN.)
 */
TEST(nmi_waits_out_shadow)
{
	/* sti; nop; mov al, 0; hlt; mov al, 0x5a; out 0x11; hlt */
	static const uint8_t code[] = {
		0xfb, 0x90, 0xb0, 0x00, 0xf4, 0xb0, 0x5a, 0xe6, 0x11, 0xf4,
	};
	struct kvm_vcpu_events e;
	struct vt_vm t;

	setup_rm(_metadata, &t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	ASSERT_EQ(0, get_events(&t, &e));
	e.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
	e.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	e.nmi.pending = 1;
	ASSERT_EQ(0, set_events(&t, &e));
	RUN_TO_PORT(&t, 0x22);
	EXPECT_EQ(0x5a, vt_io_data(&t)[0]);
	RUN_TO_PORT(&t, 0x23);
	RUN_TO_PORT(&t, 0x11);
	vt_vm_destroy(&t);
}

/* One NMI runs and one waits; a third sent meanwhile is lost. */
TEST(nmi_queue_limit)
{
	struct vt_vm t;

	setup_rm(_metadata, &t, cli_code, sizeof(cli_code));
	RUN_TO_PORT(&t, 0x10);
	ASSERT_EQ(0, nmi(&t));
	ASSERT_EQ(0, nmi(&t));
	ASSERT_EQ(0, nmi(&t));
	RUN_TO_PORT(&t, 0x22);
	RUN_TO_PORT(&t, 0x23);
	RUN_TO_PORT(&t, 0x22);
	RUN_TO_PORT(&t, 0x23);
	RUN_TO_PORT(&t, 0x11);
	vt_vm_destroy(&t);
}

TEST(events_roundtrip)
{
	struct kvm_vcpu_events e, s;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ((uint32_t)(KVM_VCPUEVENT_VALID_NMI_PENDING |
			     KVM_VCPUEVENT_VALID_SHADOW),
		  e.flags & (KVM_VCPUEVENT_VALID_NMI_PENDING |
			     KVM_VCPUEVENT_VALID_SHADOW |
			     KVM_VCPUEVENT_VALID_PAYLOAD |
			     KVM_VCPUEVENT_VALID_TRIPLE_FAULT));
	EXPECT_EQ(0, e.exception.injected);
	EXPECT_EQ(0, e.interrupt.injected);
	EXPECT_EQ(0, e.interrupt.shadow);
	EXPECT_EQ(0, e.nmi.injected);
	EXPECT_EQ(0, e.nmi.pending);
	EXPECT_EQ(0, e.nmi.masked);
	EXPECT_EQ(0, e.nmi.pad);
	EXPECT_EQ(0, e.smi.smm);
	EXPECT_EQ(0, e.smi.pending);

	/* NMI blocking and the NMI queue. */
	s = e;
	s.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	s.nmi.masked = 1;
	s.nmi.pending = 1;
	ASSERT_EQ(0, set_events(&t, &s));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(1, e.nmi.masked);
	EXPECT_EQ(1, e.nmi.pending);
	/* Without the flag the queue stays as it is. */
	s.flags = 0;
	s.nmi.pending = 0;
	s.nmi.masked = 0;
	ASSERT_EQ(0, set_events(&t, &s));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.nmi.masked);
	EXPECT_EQ(1, e.nmi.pending);
	s.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	ASSERT_EQ(0, set_events(&t, &s));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.nmi.pending);

	/* The interrupt shadow, only with its flag. */
	s.flags = KVM_VCPUEVENT_VALID_SHADOW;
	s.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	ASSERT_EQ(0, set_events(&t, &s));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_NE(0, e.interrupt.shadow & KVM_X86_SHADOW_INT_STI);
	s.flags = 0;
	s.interrupt.shadow = 0;
	ASSERT_EQ(0, set_events(&t, &s));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_NE(0, e.interrupt.shadow & KVM_X86_SHADOW_INT_STI);
	s.flags = KVM_VCPUEVENT_VALID_SHADOW;
	ASSERT_EQ(0, set_events(&t, &s));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.interrupt.shadow);

	/* Injected events read back. */
	s.flags = 0;
	s.interrupt.injected = 1;
	s.interrupt.nr = IRQ_VEC;
	ASSERT_EQ(0, set_events(&t, &s));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(1, e.interrupt.injected);
	EXPECT_EQ(IRQ_VEC, e.interrupt.nr);
	EXPECT_EQ(0, e.exception.injected);
	s.interrupt.injected = 0;
	s.exception.injected = 1;
	s.exception.nr = 6;
	ASSERT_EQ(0, set_events(&t, &s));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(1, e.exception.injected);
	EXPECT_EQ(6, e.exception.nr);
	EXPECT_EQ(0, e.exception.has_error_code);
	EXPECT_EQ(0, e.interrupt.injected);
	vt_vm_destroy(&t);
}

/* What SET_VCPU_EVENTS injects reaches the guest's handlers. */
TEST(events_inject)
{
	/* sti; nop; out 0x10; mov cx, 0x100; loop $; out 0x11; hlt */
	static const uint8_t code[] = {
		0xfb, 0x90, 0xe6, 0x10, 0xb9, 0x00, 0x01, 0xe2, 0xfe,
		0xe6, 0x11, 0xf4,
	};
	struct kvm_vcpu_events e;
	struct vt_vm t;

	setup_rm(_metadata, &t, code, sizeof(code));
	RUN_TO_PORT(&t, 0x10);
	ASSERT_EQ(0, get_events(&t, &e));
	e.flags = 0;
	e.interrupt.injected = 1;
	e.interrupt.nr = IRQ_VEC;
	ASSERT_EQ(0, set_events(&t, &e));
	RUN_TO_PORT(&t, 0x20);
	RUN_TO_PORT(&t, 0x11);
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.interrupt.injected);
	e.flags = 0;
	e.exception.injected = 1;
	e.exception.nr = 6;
	e.exception.has_error_code = 0;
	ASSERT_EQ(0, set_events(&t, &e));
	RUN_TO_PORT(&t, 0x26);
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.exception.injected);
	e.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	e.nmi.pending = 1;
	ASSERT_EQ(0, set_events(&t, &e));
	RUN_TO_PORT(&t, 0x22);
	RUN_TO_PORT(&t, 0x23);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

TEST(events_bad_input)
{
	struct kvm_vcpu_events e, base;
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	ASSERT_EQ(0, get_events(&t, &base));
	base.flags = 0;

	e = base;
	e.flags = 0x40;
	EXPECT_EQ(EINVAL, set_events(&t, &e));
	e.flags = 0x80000000;
	EXPECT_EQ(EINVAL, set_events(&t, &e));
	/* Payloads and triple faults need capabilities not enabled here. */
	e.flags = KVM_VCPUEVENT_VALID_PAYLOAD;
	EXPECT_EQ(EINVAL, set_events(&t, &e));
	e.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	EXPECT_EQ(EINVAL, set_events(&t, &e));

	/* An exception vector must be an exception, and not the NMI. */
	e = base;
	e.exception.injected = 1;
	e.exception.nr = 2;
	EXPECT_EQ(EINVAL, set_events(&t, &e));
	e.exception.nr = 32;
	EXPECT_EQ(EINVAL, set_events(&t, &e));
	e.exception.nr = 255;
	EXPECT_EQ(EINVAL, set_events(&t, &e));
	/* ... but only when one is injected. */
	e.exception.injected = 0;
	EXPECT_EQ(0, set_events(&t, &e));

	/* Padding and reserved bytes are not checked, as on kvm.ko. */
	e = base;
	e.nmi.pad = 0xff;
	e.reserved[0] = 1;
	EXPECT_EQ(0, set_events(&t, &e));
	ASSERT_EQ(0, get_events(&t, &e));
	EXPECT_EQ(0, e.nmi.pad);
	EXPECT_EQ(0, e.reserved[0]);

	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_VCPU_EVENTS, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_GET_VCPU_EVENTS, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	vt_vm_destroy(&t);
}

/* The host's supported CPUID as the vCPU's, or -errno. */
static int set_supported_cpuid(struct vt_vm *t, struct kvm_cpuid2 **out)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) +
				      256 * sizeof(c->entries[0]));
	int r = 0;

	if (!c)
		return -ENOMEM;
	c->nent = 256;
	if (ioctl(t->sys, KVM_GET_SUPPORTED_CPUID, c) ||
	    ioctl(t->vcpu, KVM_SET_CPUID2, c))
		r = -errno;
	*out = c;
	return r;
}

static struct kvm_cpuid_entry2 *leaf(struct kvm_cpuid2 *c, uint32_t fn,
				     uint32_t idx)
{
	static struct kvm_cpuid_entry2 none;
	uint32_t i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    (c->entries[i].index == idx ||
		     !(c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX)))
			return &c->entries[i];
	return &none;
}

static uint64_t supported_xcr0(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *d = leaf(c, 0xd, 0);

	if (!(leaf(c, 1, 0)->ecx & (1u << 26)))
		return 0;
	return d->eax | (uint64_t)d->edx << 32;
}

/*
 * What the host has, from the CPU itself: a skip or a smaller check may
 * depend on the host, never on what the module under test reports.
 */
static uint32_t host_cpuid_ecx(uint32_t fn, uint32_t idx)
{
	uint32_t a = fn, b, c = idx, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c;
}

/* The host kernel uses XSAVE: CPUID.1:ECX.OSXSAVE[bit 27]. */
static bool host_osxsave(void)
{
	return host_cpuid_ecx(1, 0) & (1u << 27);
}

/* The host kernel has AVX state enabled in its XCR0. */
static bool host_avx(void)
{
	uint32_t a, d;

	if (!host_osxsave() || !(host_cpuid_ecx(1, 0) & (1u << 28)))
		return false;
	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return (a & 6) == 6;
}

static int set_xcr0(struct vt_vm *t, uint64_t v)
{
	struct kvm_xcrs x = { .nr_xcrs = 1 };

	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = v;
	return ioctl(t->vcpu, KVM_SET_XCRS, &x) ? errno : 0;
}

static uint64_t get_xcr0(struct __test_metadata *_metadata, struct vt_vm *t)
{
	struct kvm_xcrs x;

	memset(&x, 0xa5, sizeof(x));
	EXPECT_EQ(0, ioctl(t->vcpu, KVM_GET_XCRS, &x));
	EXPECT_EQ(1u, x.nr_xcrs);
	EXPECT_EQ(0u, x.flags);
	EXPECT_EQ(0u, x.xcrs[0].xcr);
	return x.xcrs[0].value;
}

TEST(xcrs)
{
	struct kvm_cpuid2 *c = NULL;
	struct kvm_xcrs x;
	uint64_t sup;
	struct vt_vm t;
	int bit;

	if (!host_osxsave())
		SKIP(return, "the host does not use XSAVE");
	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	ASSERT_LT(0, ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_XCRS));
	EXPECT_EQ(1u, get_xcr0(_metadata, &t));
	/* Before KVM_SET_CPUID2 the guest may enable x87 state only. */
	EXPECT_EQ(EINVAL, set_xcr0(&t, 3));
	EXPECT_EQ(0, set_xcr0(&t, 1));
	ASSERT_EQ(0, set_supported_cpuid(&t, &c));
	sup = supported_xcr0(c);
	ASSERT_EQ(3u, sup & 3) TH_LOG("supported XCR0 %#llx",
				      (unsigned long long)sup);
	EXPECT_EQ(0, set_xcr0(&t, 3));
	EXPECT_EQ(3u, get_xcr0(_metadata, &t));

	EXPECT_EQ(EINVAL, set_xcr0(&t, 0));
	EXPECT_EQ(EINVAL, set_xcr0(&t, 2));		/* no x87 */
	EXPECT_EQ(EINVAL, set_xcr0(&t, 1 | 4));		/* AVX without SSE */
	for (bit = 62; bit > 2 && (sup >> bit) & 1; bit--)
		;
	EXPECT_EQ(EINVAL, set_xcr0(&t, 3 | 1ULL << bit))
		TH_LOG("bit %d", bit);
	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].value = 1;
	x.flags = 1;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_XCRS, &x));
	EXPECT_EQ(EINVAL, errno);
	x.flags = 0;
	x.nr_xcrs = KVM_MAX_XCRS + 1;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_XCRS, &x));
	EXPECT_EQ(EINVAL, errno);
	/* Only XCR0 exists: entries for others are passed over. */
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 1;
	EXPECT_EQ(0, ioctl(t.vcpu, KVM_SET_XCRS, &x));
	EXPECT_EQ(3u, get_xcr0(_metadata, &t));
	if (sup & 4) {
		EXPECT_EQ(0, set_xcr0(&t, 7));
		EXPECT_EQ(7u, get_xcr0(_metadata, &t));
	}
	free(c);
	vt_vm_destroy(&t);
}

#define XS_FCW		0
#define XS_MXCSR	24
#define XS_XMM0		160
#define XS_XSTATE_BV	512

/*
 * A 64-bit guest loads XMM0 (YMM0 with AVX) from 0x5000 and reports; then
 * stores it to 0x5100.  Userspace checks and replaces the register in
 * between, through the XSAVE image.
 */
TEST(xsave_roundtrip)
{
	static const uint8_t avx_code[] = {
		0xc5, 0xfe, 0x6f, 0x04, 0x25, 0x00, 0x50, 0x00, 0x00,
		0x31, 0xc9, 0x0f, 0x01, 0xd0,	/* xor ecx, ecx; xgetbv */
		0xe7, 0x10,			/* out 0x10, eax */
		0xc5, 0xfe, 0x7f, 0x04, 0x25, 0x00, 0x51, 0x00, 0x00,
		0xe6, 0x11, 0xf4,
	};
	static const uint8_t sse_code[] = {
		0xf3, 0x0f, 0x6f, 0x04, 0x25, 0x00, 0x50, 0x00, 0x00,
		0xe6, 0x10,
		0xf3, 0x0f, 0x7f, 0x04, 0x25, 0x00, 0x51, 0x00, 0x00,
		0xe6, 0x11, 0xf4,
	};
	struct kvm_cpuid2 *c = NULL;
	struct kvm_xsave *xs = calloc(1, sizeof(*xs));
	uint8_t *x = (uint8_t *)xs->region;
	uint8_t want[32], repl[32];
	unsigned int len, ymm_off = 0, i;
	struct kvm_sregs sr;
	uint64_t bv;
	struct vt_vm t;
	bool avx;

	ASSERT_NE(NULL, xs);
	ASSERT_EQ(0, vt_vm_create(&t, 0x20000, CODE));
	ASSERT_LT(0, ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE));
	ASSERT_EQ(0, set_supported_cpuid(&t, &c));
	/* A host with AVX: the module must offer it, and YMM0 is checked. */
	avx = host_avx();
	if (avx) {
		ASSERT_LT(0, ioctl(t.sys, KVM_CHECK_EXTENSION, KVM_CAP_XCRS));
		ASSERT_NE(0u, leaf(c, 1, 0)->ecx & (1u << 28));
		ASSERT_NE(0u, supported_xcr0(c) & 4);
	}
	TH_LOG("%s", avx ? "YMM0 with AVX" : "XMM0 only (the host has no AVX)");
	len = avx ? 32 : 16;
	if (avx)
		ymm_off = leaf(c, 0xd, 2)->ebx;

	/* Reset state first: FCW 0x37f, MXCSR 0x1f80. */
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_XSAVE, xs));
	EXPECT_EQ(0x37f, x[XS_FCW] | x[XS_FCW + 1] << 8);
	EXPECT_EQ(0x1f80, x[XS_MXCSR] | x[XS_MXCSR + 1] << 8);

	for (i = 0; i < 32; i++) {
		want[i] = 0x40 + i;
		repl[i] = 0xc0 ^ (i * 7);
	}
	memcpy(t.mem + 0x5000, want, 32);
	memcpy(t.mem + CODE, avx ? avx_code : sse_code,
	       avx ? sizeof(avx_code) : sizeof(sse_code));
	ASSERT_EQ(0, vt_long_mode(&t, 0x8000));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &sr));
	sr.cr4 |= 1 << 9 | 1 << 10;		/* OSFXSR, OSXMMEXCPT */
	if (avx)
		sr.cr4 |= 1 << 18;		/* OSXSAVE */
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_SREGS, &sr));
	/* Without YMM in XCR0 the VEX load would fault: this must reach the CPU. */
	if (avx)
		ASSERT_EQ(0, set_xcr0(&t, 7));

	RUN_TO_PORT(&t, 0x10);
	if (avx)
		EXPECT_EQ(7u, *(uint32_t *)vt_io_data(&t));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_XSAVE, xs));
	memcpy(&bv, x + XS_XSTATE_BV, 8);
	EXPECT_NE(0u, bv & 2);
	EXPECT_EQ(0, memcmp(x + XS_XMM0, want, 16));
	if (avx) {
		EXPECT_NE(0u, bv & 4);
		EXPECT_EQ(0, memcmp(x + ymm_off, want + 16, 16));
	}

	/* Bad images: a feature the host cannot hold, reserved MXCSR bits. */
	memcpy(x + XS_XSTATE_BV, &(uint64_t){ bv | 1ULL << 63 }, 8);
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_XSAVE, xs));
	EXPECT_EQ(EINVAL, errno);
	memcpy(x + XS_XSTATE_BV, &bv, 8);
	memcpy(x + XS_MXCSR, &(uint32_t){ 0xffffffff }, 4);
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_XSAVE, xs));
	EXPECT_EQ(EINVAL, errno);
	memcpy(x + XS_MXCSR, &(uint32_t){ 0x1f80 }, 4);

	memcpy(x + XS_XMM0, repl, 16);
	if (avx)
		memcpy(x + ymm_off, repl + 16, 16);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_XSAVE, xs));
	RUN_TO_PORT(&t, 0x11);
	EXPECT_EQ(0, memcmp(t.mem + 0x5100, repl, len));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	free(c);
	free(xs);
	vt_vm_destroy(&t);
}

/* CPUID.(7,0):ECX.OSPKE[bit 4]. */
static bool host_ospke(void)
{
	return host_cpuid_ecx(7, 0) & (1u << 4);
}

static uint32_t host_pkru(void)
{
	uint32_t a, d;

	__asm__ volatile("rdpkru" : "=a"(a), "=d"(d) : "c"(0));
	return a;
}

/*
 * PKRU lives in neither the VMCB nor the VMCS: a guest that writes it must
 * leave the VMM's alone, and find its own value again after an exit.
 * KVM_GET_XSAVE reports the guest's value and KVM_SET_XSAVE replaces it.
 */
TEST(pkru_is_the_guests)
{
	static const uint8_t code[] = {
		0x0f, 0x20, 0xe0,		/* mov rax, cr4 */
		0x0f, 0xba, 0xe8, 0x16,		/* bts eax, 22 (PKE) */
		0x0f, 0x22, 0xe0,		/* mov cr4, rax */
		0x31, 0xc9, 0x31, 0xd2,		/* xor ecx, ecx; xor edx, edx */
		0xb8, 0x0c, 0x00, 0x00, 0x00,	/* mov eax, 0xc */
		0x0f, 0x01, 0xef,		/* wrpkru */
		0xe6, 0x10,			/* out 0x10, al */
		0x31, 0xc9,			/* xor ecx, ecx */
		0x0f, 0x01, 0xee,		/* rdpkru */
		0xe7, 0x11,			/* out 0x11, eax */
		0xf4,				/* hlt */
	};
	struct kvm_xsave *xs = calloc(1, sizeof(*xs));
	uint8_t *x = (uint8_t *)xs->region;
	struct kvm_cpuid2 *c = NULL;
	uint32_t before, pkru, off;
	uint64_t bv;
	struct vt_vm t;

	ASSERT_NE(NULL, xs);
	if (!host_ospke())
		SKIP(free(xs); return, "the host does not use protection keys");
	ASSERT_EQ(0, vt_vm_create(&t, 0x20000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, vt_long_mode(&t, 0x8000));
	ASSERT_EQ(0, set_supported_cpuid(&t, &c));
	/* The host uses protection keys: the module must offer them. */
	ASSERT_NE(0u, leaf(c, 7, 0)->ecx & (1u << 3))
		TH_LOG("no PKU in the supported CPUID");
	/* PKRU's place in the XSAVE image: CPUID.(0xd, 9).EBX. */
	off = leaf(c, 0xd, 9)->ebx;
	ASSERT_LE(off + 4, sizeof(xs->region));
	before = host_pkru();
	ASSERT_NE(0xcu, before);
	RUN_TO_PORT(&t, 0x10);
	EXPECT_EQ(before, host_pkru());

	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_XSAVE, xs));
	memcpy(&pkru, x + off, 4);
	EXPECT_EQ(0xcu, pkru);
	memcpy(x + off, &(uint32_t){ 0x30 }, 4);
	memcpy(&bv, x + XS_XSTATE_BV, 8);
	bv |= 1ULL << 9;
	memcpy(x + XS_XSTATE_BV, &bv, 8);
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_XSAVE, xs));
	EXPECT_EQ(before, host_pkru());

	RUN_TO_PORT(&t, 0x11);
	EXPECT_EQ(4, t.run->io.size);
	EXPECT_EQ(0x30u, *(uint32_t *)vt_io_data(&t));
	EXPECT_EQ(before, host_pkru());
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	free(c);
	free(xs);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
