// SPDX-License-Identifier: GPL-2.0
/*
 * Exits that userspace completes; see uexit.h for why nothing here reads
 * back what it wrote to kvm_run.
 */
#include <linux/mm.h>
#include <linux/string.h>

#include "core/vireo.h"
#include "x86/irqchip/irqchip.h"
#include "x86/uexit.h"

/**
 * x86_uexit_pio - describe a plain IN or OUT for userspace
 * @u: the vCPU's pending exit
 * @vm: the VM, whose ioeventfds may take an OUT
 * @run: filled in for KVM_EXIT_IO
 * @port: the port
 * @size: 1, 2 or 4 bytes
 * @in: IN rather than OUT
 * @rax: the guest's RAX, whose low bytes OUT writes
 * @rip: the instruction
 * @next_rip: where the guest goes once userspace has answered
 *
 * Return: X86_STR_EXIT when @run holds an exit for userspace, X86_STR_DONE
 * when an ioeventfd took the OUT (RIP moves on to @u->next_rip).
 */
int __vireo_hot x86_uexit_pio(struct x86_uexit *u, struct vireo_vm *vm,
			      struct kvm_run *run, u16 port, unsigned int size, bool in,
			      u64 rax, u64 rip, u64 next_rip)
{
	u8 *data = (u8 *)run + VIREO_PIO_OFFSET * PAGE_SIZE;

	u->next_rip = next_rip;
	if (!in && (vireo_ioeventfd_write(vm, VIREO_BUS_PIO, port, size, &rax) ||
		    vireo_coalesced_write(vm, VIREO_BUS_PIO, port, size, &rax)))
		return X86_STR_DONE;
	u->kind = X86_UEXIT_PIO;
	u->size = size;
	u->in = in;
	u->rip = rip;
	u->next_rip = next_rip;
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = VIREO_PIO_OFFSET * PAGE_SIZE;
	if (!in)
		memcpy(data, &rax, size);
	return X86_STR_EXIT;
}

/**
 * x86_uexit_pio_string - start an INS or OUTS
 * @u: the vCPU's pending exit
 * @v: the vCPU's registers and address space
 * @io: the exit's description of the instruction
 * @run: filled in for KVM_EXIT_IO
 * @rip: the instruction
 * @next_rip: the instruction after it
 *
 * Return: X86_STR_EXIT when @run holds an exit for userspace, X86_STR_DONE
 * when there was nothing to do, -errno when the guest's source cannot be
 * read.
 */
int x86_uexit_pio_string(struct x86_uexit *u, struct x86_str_view *v,
			 const struct x86_strio *io, struct kvm_run *run,
			 u64 rip, u64 next_rip)
{
	int r;

	u->strio = *io;
	u->rip = rip;
	u->next_rip = next_rip;
	r = x86_string_io(v, &u->strio, run);
	if (r == X86_STR_EXIT)
		u->kind = X86_UEXIT_PIO_STR;
	return r;
}

/**
 * x86_uexit_mmio - start an access to guest-physical memory no slot backs
 * @u: the vCPU's pending exit
 * @v: the vCPU's registers and address space
 * @insn: the decoded instruction
 * @gpa: the address that faulted
 * @run: filled in for KVM_EXIT_MMIO
 * @rip: the instruction
 *
 * Return: X86_STR_EXIT when @run holds an exit for userspace; for a string
 * element that needed none, X86_STR_DONE (RIP moves on to
 * @u->next_rip) or X86_STR_AGAIN (RIP stays); X86_STR_DONE too for an
 * access a device in the kernel took (a load's register written in
 * @v) and for a plain store an ioeventfd took; -errno when the access
 * cannot be emulated.
 */
int x86_uexit_mmio(struct x86_uexit *u, struct x86_str_view *v,
		   const struct x86_insn *insn, u64 gpa, struct kvm_run *run,
		   u64 rip)
{
	bool write = insn->op == X86_MMIO_STORE_REG ||
		     insn->op == X86_MMIO_STORE_IMM;
	u64 val;
	int r;

	u->rip = rip;
	u->next_rip = rip + insn->len;
	if (insn->op == X86_MMIO_STOS || insn->op == X86_MMIO_MOVS) {
		r = x86_string_mmio(v, &u->str, insn, run);
		if (r == X86_STR_EXIT)
			u->kind = X86_UEXIT_MMIO_STR;
		return r;
	}
	val = write ? x86_store_value(insn, v->gprs) : 0;
	if (x86_irqchip_mmio(v->vm, gpa, insn->size, write, &val)) {
		if (!write)
			x86_load_result(insn, v->gprs, val);
		return X86_STR_DONE;
	}
	if (write && (vireo_ioeventfd_write(v->vm, VIREO_BUS_MMIO, gpa,
					    insn->size, &val) ||
		      vireo_coalesced_write(v->vm, VIREO_BUS_MMIO, gpa,
					    insn->size, &val)))
		return X86_STR_DONE;
	u->kind = X86_UEXIT_MMIO;
	u->insn = *insn;
	u->in = !write;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = insn->size;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, &val, insn->size);
	return X86_STR_EXIT;
}

/* IN writes AL or AX in place, and all of RAX as EAX. */
static void x86_uexit_in(u64 *rax, unsigned int size, u64 val)
{
	if (size == 4)
		*rax = (u32)val;
	else if (size == 2)
		*rax = (*rax & ~0xffffULL) | (u16)val;
	else
		*rax = (*rax & ~0xffULL) | (u8)val;
}

/**
 * x86_uexit_pio_kernel - a plain IN or OUT a device in the kernel takes
 * @vm: the VM
 * @port: the port
 * @size: 1, 2 or 4 bytes
 * @in: IN rather than OUT
 * @rax: the guest's RAX: OUT's data, IN's destination
 *
 * Return: true when it was handled here (the caller moves RIP on), false
 * when it is userspace's (x86_uexit_pio()).
 */
bool __vireo_hot x86_uexit_pio_kernel(struct vireo_vm *vm, u16 port, unsigned int size,
				      bool in, u64 *rax)
{
	u32 val = *rax;

	if (!x86_irqchip_pio(vm, port, size, in, &val))
		return false;
	if (in)
		x86_uexit_in(rax, size, val);
	return true;
}

/**
 * x86_uexit_complete - finish the exit userspace has just handled
 * @u: the vCPU's pending exit, cleared here
 * @v: the vCPU's registers (RAX and RSP current), updated in place
 * @rip: the guest's RIP now
 * @run: userspace's answer: only the data of a read is taken from it
 *
 * A plain IN or OUT whose RIP userspace moved meanwhile is abandoned, as
 * under kvm.ko; so is an RDMSR, a WRMSR or a hypercall.  Of an MSR exit's
 * answer the error byte and a read's data are each read once, as is a
 * hypercall's return value.
 *
 * Return: X86_STR_IDLE when nothing was done (registers untouched),
 * X86_STR_DONE when RIP moves on to @u->next_rip, X86_STR_AGAIN when the
 * instruction runs again for its next element, X86_UEXIT_GP when the
 * guest takes #GP at the instruction.
 */
int __vireo_hot x86_uexit_complete(struct x86_uexit *u, struct x86_str_view *v, u64 rip,
				   const struct kvm_run *run)
{
	const u8 *pio = (const u8 *)run + VIREO_PIO_OFFSET * PAGE_SIZE;
	u8 kind = u->kind;
	u64 val = 0;

	u->kind = X86_UEXIT_NONE;
	switch (kind) {
	case X86_UEXIT_PIO:
		if (rip != u->rip)
			return X86_STR_IDLE;
		if (u->in) {
			memcpy(&val, pio, u->size);
			x86_uexit_in(&v->gprs[X86_RAX], u->size, val);
		}
		return X86_STR_DONE;
	case X86_UEXIT_MMIO:
		if (u->in) {
			memcpy(&val, run->mmio.data, u->insn.size);
			x86_load_result(&u->insn, v->gprs, val);
		}
		return X86_STR_DONE;
	case X86_UEXIT_PIO_STR:
		return x86_string_io_complete(v, &u->strio, run);
	case X86_UEXIT_MMIO_STR:
		return x86_string_complete(v, &u->str, run);
	case X86_UEXIT_RDMSR:
	case X86_UEXIT_WRMSR:
		if (rip != u->rip)
			return X86_STR_IDLE;
		/* Any nonzero error byte refuses the access (api.rst). */
		if (READ_ONCE(run->msr.error))
			return X86_UEXIT_GP;
		if (kind == X86_UEXIT_RDMSR) {
			val = READ_ONCE(run->msr.data);
			v->gprs[X86_RAX] = (u32)val;
			v->gprs[X86_RDX] = val >> 32;
		}
		return X86_STR_DONE;
	case X86_UEXIT_HYPERCALL:
		if (rip != u->rip)
			return X86_STR_IDLE;
		val = READ_ONCE(run->hypercall.ret);
		v->gprs[X86_RAX] = u->longmode ? val : (u32)val;
		return X86_STR_DONE;
	default:
		return X86_STR_IDLE;
	}
}
