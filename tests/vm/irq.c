// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace interrupt injection without an in-kernel irqchip: KVM_INTERRUPT,
 * request_interrupt_window, if_flag and ready_for_interrupt_injection; also
 * the MP state and FPU ioctls.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"

#define CODE	0x1000
#define VEC	0x20

/* Handler for VEC at 0x3000: out 0x20, al; iret */
static void setup(struct __test_metadata *_metadata, struct vt_vm *t,
		  const uint8_t *code, size_t len)
{
	static const uint8_t handler[] = { 0xe6, 0x20, 0xcf };

	ASSERT_EQ(0, vt_vm_create(t, 0x10000, CODE));
	memcpy(t->mem + CODE, code, len);
	memcpy(t->mem + 0x3000, handler, sizeof(handler));
	t->mem[VEC * 4] = 0x00;
	t->mem[VEC * 4 + 1] = 0x30;
}

#define EXPECT_PORT(t, p) do { \
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, (t)->run->exit_reason) \
		TH_LOG("exit %s", vt_exit_name((t)->run->exit_reason)); \
	EXPECT_EQ(p, (t)->run->io.port); \
} while (0)

static int inject(struct vt_vm *t, unsigned int vec)
{
	struct kvm_interrupt irq = { .irq = vec };

	return ioctl(t->vcpu, KVM_INTERRUPT, &irq) ? errno : 0;
}

TEST(inject_when_enabled)
{
	static const uint8_t code[] = {
		0xfb, 0x90,			/* sti; nop (STI shadow) */
		0xe6, 0x10, 0xe6, 0x11, 0xf4,	/* out 0x10; out 0x11; hlt */
	};
	struct vt_vm t;

	setup(_metadata, &t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_PORT(&t, 0x10);
	EXPECT_EQ(1, t.run->if_flag);
	EXPECT_EQ(1, t.run->ready_for_interrupt_injection);
	EXPECT_EQ(EINVAL, inject(&t, 256));
	ASSERT_EQ(0, inject(&t, VEC));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_PORT(&t, 0x20);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_PORT(&t, 0x11);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

TEST(window_exit)
{
	static const uint8_t code[] = {
		0xfa, 0xe6, 0x10,		/* cli; out 0x10, al */
		0xb9, 0x64, 0x00, 0xe2, 0xfe,	/* mov cx, 100; loop $ */
		0xfb, 0x90, 0x90, 0xeb, 0xfe,	/* sti; nop; nop; jmp $ */
	};
	struct vt_vm t;

	setup(_metadata, &t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_PORT(&t, 0x10);
	EXPECT_EQ(0, t.run->if_flag);
	EXPECT_EQ(0, t.run->ready_for_interrupt_injection);
	t.run->request_interrupt_window = 1;
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IRQ_WINDOW_OPEN, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	EXPECT_EQ(1, t.run->if_flag);
	EXPECT_EQ(1, t.run->ready_for_interrupt_injection);
	t.run->request_interrupt_window = 0;
	ASSERT_EQ(0, inject(&t, VEC));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_PORT(&t, 0x20);
	vt_vm_destroy(&t);
}

/*
 * Without an in-kernel PIC, KVM_INTERRUPT means "acknowledged": the vector
 * is pending at once (KVM_GET_SREGS shows it) and goes in on the next entry
 * even with IF clear.  Checking ready_for_interrupt_injection first is the
 * VMM's job.  What the CPU then does differs: AMD-V delivers the event
 * whatever RFLAGS.IF says, while VT-x refuses to enter a guest with an
 * external interrupt to inject and IF clear (a VM-entry check on guest
 * state, exit reason 33 with bit 31 set), which both modules report as
 * KVM_EXIT_FAIL_ENTRY.
 */
TEST(injected_as_acknowledged)
{
	static const uint8_t code[] = {
		0xfa, 0xe6, 0x10,		/* cli; out 0x10, al */
		0xb9, 0x64, 0x00, 0xe2, 0xfe,	/* mov cx, 100; loop $ */
		0xe6, 0x11,			/* out 0x11, al */
		0xfb, 0x90, 0xf4,		/* sti; nop; hlt */
	};
	struct kvm_sregs s;
	struct vt_vm t;

	setup(_metadata, &t, code, sizeof(code));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_PORT(&t, 0x10);
	EXPECT_EQ(0, t.run->ready_for_interrupt_injection);
	ASSERT_EQ(0, inject(&t, VEC));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &s));
	EXPECT_EQ(1ULL << VEC, s.interrupt_bitmap[0]);
	EXPECT_EQ(0u, s.interrupt_bitmap[1] | s.interrupt_bitmap[2] |
		  s.interrupt_bitmap[3]);
	ASSERT_EQ(0, vt_run(&t));
	if (vt_host_vmx()) {
		ASSERT_EQ((uint32_t)KVM_EXIT_FAIL_ENTRY, t.run->exit_reason)
			TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
		EXPECT_EQ(0x80000021ULL,
			  t.run->fail_entry.hardware_entry_failure_reason);
		vt_vm_destroy(&t);
		return;
	}
	EXPECT_PORT(&t, 0x20);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_PORT(&t, 0x11);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

TEST(mp_state)
{
	struct kvm_mp_state mp = { .mp_state = 99 };
	struct vt_vm t;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((uint32_t)KVM_MP_STATE_RUNNABLE, mp.mp_state);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	EXPECT_EQ(0, ioctl(t.vcpu, KVM_SET_MP_STATE, &mp));
	/* Without an in-kernel APIC nothing else is accepted. */
	mp.mp_state = KVM_MP_STATE_HALTED;
	EXPECT_EQ(-1, ioctl(t.vcpu, KVM_SET_MP_STATE, &mp));
	EXPECT_EQ(EINVAL, errno);
	vt_vm_destroy(&t);
}

/* KVM_SET_FPU reads back; what the guest puts in XMM1 shows in KVM_GET_FPU. */
TEST(fpu)
{
	static const uint8_t code[] = {
		0x66, 0x0f, 0x7e, 0xc0,			/* movd eax, xmm0 */
		0x66, 0xe7, 0x10,			/* out 0x10, eax */
		0x66, 0xb9, 0x0d, 0xf0, 0xfe, 0xca,	/* mov ecx, 0xcafef00d */
		0x66, 0x0f, 0x6e, 0xc9,			/* movd xmm1, ecx */
		0xf4,
	};
	struct kvm_sregs s;
	struct kvm_fpu f;
	struct vt_vm t;
	uint32_t v;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &s));
	s.cr4 |= 1 << 9;		/* OSFXSR */
	s.cr0 &= ~(1ULL << 2);		/* EM */
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_SREGS, &s));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_FPU, &f));
	memcpy(f.xmm[0], "\x44\x33\x22\x11", 4);
	f.fcw = 0x27f;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_FPU, &f));
	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_FPU, &f));
	memcpy(&v, f.xmm[0], 4);
	EXPECT_EQ(0x11223344u, v);
	EXPECT_EQ(0x27fu, f.fcw);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_FPU, &f));
	memcpy(&v, f.xmm[1], 4);
	EXPECT_EQ(0xcafef00du, v);
	vt_vm_destroy(&t);
}

/*
 * KVM_{GET,SET}_FPU neither report nor take MXCSR (kvm.ko's behaviour; the
 * XSAVE ioctls carry it): a value with reserved bits set would make the
 * host's FXRSTOR/XRSTOR fault.  Neither a reserved nor a valid value
 * reaches the guest, which keeps its reset MXCSR.
 */
TEST(fpu_mxcsr)
{
	static const uint8_t code[] = {
		0x0f, 0xae, 0x1e, 0x00, 0x20,		/* stmxcsr [0x2000] */
		0xf4,
	};
	struct kvm_sregs s;
	struct kvm_fpu f;
	struct vt_vm t;
	uint32_t guest;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, CODE));
	memcpy(t.mem + CODE, code, sizeof(code));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_SREGS, &s));
	s.cr4 |= 1 << 9;		/* OSFXSR */
	s.cr0 &= ~(1ULL << 2);		/* EM */
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_SREGS, &s));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_FPU, &f));
	EXPECT_EQ(0u, f.mxcsr);

	f.mxcsr = 0xdead0000u | 0x1f80;	/* bits 31:16 are reserved */
	f.fcw = 0x27f;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_FPU, &f));
	memset(&f, 0, sizeof(f));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_FPU, &f));
	EXPECT_EQ(0u, f.mxcsr);
	EXPECT_EQ(0x27fu, f.fcw);

	f.mxcsr = 0x1f00;		/* valid: round to nearest, unmasked PE */
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_FPU, &f));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_FPU, &f));
	EXPECT_EQ(0u, f.mxcsr);

	memset(t.mem + 0x2000, 0xff, 4);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t.run->exit_reason));
	memcpy(&guest, t.mem + 0x2000, 4);
	EXPECT_EQ(0x1f80u, guest);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
