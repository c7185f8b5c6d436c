/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arm64 guests for the in-VM tests: a VM with one slot and one vCPU
 * initialised through KVM's arm64 ABI, register access by ONE_REG, and
 * guest code written as assembly in the test itself (the test runs on the
 * architecture it virtualises) and copied into guest memory.
 */
#ifndef VT_ARM64_H
#define VT_ARM64_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vireo_test.h"

/* Guest RAM starts here, as on QEMU's virt machine; MMIO lies below. */
#define VA_RAM_GPA	0x40000000ULL
/* An address outside every slot: the guests' MMIO "device". */
#define VA_MMIO_GPA	VT_REPORT_GPA

/* KVM_REG_ARM_CORE register ids (struct kvm_regs offsets, in 32-bit words). */
#define VA_CORE_REG(field) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
	KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, field) / sizeof(uint32_t)))
#define VA_REG_X(n)	VA_CORE_REG(regs.regs[n])
#define VA_REG_SP	VA_CORE_REG(regs.sp)
#define VA_REG_PC	VA_CORE_REG(regs.pc)
#define VA_REG_PSTATE	VA_CORE_REG(regs.pstate)
#define VA_REG_SP_EL1	VA_CORE_REG(sp_el1)
#define VA_REG_ELR_EL1	VA_CORE_REG(elr_el1)

/* PSTATE for EL1 with SP_EL1, every exception masked: the reset state. */
#define VA_PSTATE_EL1H	0x3c5ULL

/* PSCI 0.2+ function ids (SMC32/SMC64 calling convention). */
#define VA_PSCI_VERSION		0x84000000U
#define VA_PSCI_SYSTEM_OFF	0x84000008U
#define VA_PSCI_SYSTEM_RESET	0x84000009U
#define VA_PSCI_FEATURES	0x8400000aU

/*
 * The guest code between symbols NAME_start and NAME_end, assembled into
 * the test's read-only data; position-independent code only, its literal
 * pool 8-aligned from NAME_start (a guest with its MMU off faults on
 * unaligned loads).  The symbols are global: the GOT entries of two local
 * labels in one section would collapse into one (section plus no addend).
 */
#define VA_GUEST(name, body)						\
	extern const uint8_t name##_start[], name##_end[];		\
	__asm__(".pushsection .rodata\n"				\
		".balign 16\n"						\
		".globl " #name "_start, " #name "_end\n"		\
		".hidden " #name "_start, " #name "_end\n"		\
		#name "_start:\n" body "\n"				\
		".ltorg\n"						\
		#name "_end:\n"						\
		".popsection\n")

/*
 * A VM with @mem_size bytes of RAM at VA_RAM_GPA and one vCPU: created,
 * not yet initialised.  Returns 0 or -errno.
 */
int va_vm_create(struct vt_vm *t, size_t mem_size);
/* KVM_ARM_PREFERRED_TARGET then KVM_ARM_VCPU_INIT with PSCI 0.2. */
int va_vcpu_init(struct vt_vm *t);
/* Both of the above, then the guest code copied to VA_RAM_GPA and PC there. */
int va_vm_guest(struct vt_vm *t, size_t mem_size, const uint8_t *start,
		const uint8_t *end);
/*
 * Another vCPU @id of @t's VM, initialised (PSCI 0.2 and @features, more
 * KVM_ARM_VCPU_* bits) with PC at VA_RAM_GPA, in @out: its vcpu and run
 * only (vt_vm_destroy() on it closes those).  Returns 0 or -errno.
 */
int va_vcpu_add(struct vt_vm *t, unsigned int id, uint32_t features,
		struct vt_vm *out);
/* A SIGALRM in @ms ms whose handler does nothing: it ends a KVM_RUN. */
void va_alarm(long ms);
long va_now_ms(void);
int va_get_reg(int vcpu, uint64_t id, uint64_t *val);
int va_set_reg(int vcpu, uint64_t id, uint64_t val);

/*
 * For tests (after kselftest_harness.h): run @t; the exit must be the
 * guest's store to VA_MMIO_GPA + @off.  Returns the value stored.
 */
#define va_store(t, off)	va_store_(_metadata, t, off)
#ifdef TEST_HARNESS_MAIN
static inline uint64_t va_store_(struct __test_metadata *_metadata,
				 struct vt_vm *t, uint64_t off)
{
	uint64_t v = 0;

	EXPECT_EQ(0, vt_run(t));
	EXPECT_EQ((uint32_t)KVM_EXIT_MMIO, t->run->exit_reason)
		TH_LOG("exit %s", vt_exit_name(t->run->exit_reason));
	EXPECT_EQ(VA_MMIO_GPA + off, t->run->mmio.phys_addr);
	EXPECT_EQ(1, t->run->mmio.is_write);
	memcpy(&v, t->run->mmio.data, 8);
	return v;
}
#endif

#endif
