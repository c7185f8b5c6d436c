// SPDX-License-Identifier: GPL-2.0
/*
 * String instructions that exit to userspace.
 *
 * STOS and MOVS on MMIO (memset_io, memcpy_toio, memcpy_fromio): one
 * element per exit.  The instruction restarts until rCX runs out, so every
 * element faults, exits and completes like a plain MOV, and an interrupt
 * can come in between elements as it can on hardware.
 *
 * INS and OUTS: as many elements per exit as fit in the PIO page and in
 * the guest page (one when DF is set), copied through the guest's page
 * tables; the registers move on completion.
 */
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "core/vireo.h"
#include "x86/strmmio.h"

static int x86_str_read(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return vireo_read_guest(ctx, gpa, buf, len);
}

static int x86_str_write(void *ctx, u64 gpa, void *buf, unsigned int len)
{
	return vireo_write_guest(ctx, gpa, buf, len);
}

static u8 *x86_pio_data(const struct kvm_run *run)
{
	return (u8 *)run + VIREO_PIO_OFFSET * PAGE_SIZE;
}

static u64 x86_str_amask(unsigned int asize)
{
	return asize == 8 ? ~0ULL : asize == 4 ? 0xffffffffULL : 0xffffULL;
}

/* Linear address of seg:reg; 64-bit code ignores the ES/CS/SS/DS bases. */
static u64 x86_str_lin(const struct x86_str_view *v, unsigned int seg,
		       u64 off)
{
	u64 base = v->seg_base[seg];

	if (v->long_mode) {
		if (seg < X86_FS)
			base = 0;
		return base + off;
	}
	return (u32)(base + off);
}

/* The guest-physical address of an element; it must not span a page. */
static int x86_str_gpa(const struct x86_str_view *v, u64 lin,
		       unsigned int size, u64 *gpa)
{
	if ((lin & ~PAGE_MASK) + size > PAGE_SIZE)
		return -EINVAL;
	return x86_translate(&v->pg, lin, x86_str_read, v->vm, gpa);
}

static void x86_str_mmio(struct kvm_run *run, u64 gpa, unsigned int size,
			 bool write, u64 data)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = size;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (write)
		memcpy(run->mmio.data, &data, size);
}

/* Set a count or index register to @n within the address size. */
static void x86_str_set(u64 *r, u64 n, u64 amask)
{
	/* 16-bit registers keep their upper bits, 32-bit ones clear them. */
	*r = amask == 0xffffULL ? (*r & ~amask) | (n & amask) : n & amask;
}

/* Move an index register by @bytes, down when DF is set. */
static void x86_str_step(const struct x86_str_view *v, u64 amask,
			 unsigned int reg, u64 bytes)
{
	u64 *r = &v->gprs[reg];

	x86_str_set(r, (v->rflags & X86_EFLAGS_DF) ? *r - bytes : *r + bytes,
		    amask);
}

/* The element is done: step the registers and say what RIP does. */
static int x86_str_done(const struct x86_str_view *v,
			const struct x86_insn *insn)
{
	u64 amask = x86_str_amask(insn->asize);

	x86_str_step(v, amask, X86_RDI, insn->size);
	if (insn->op == X86_MMIO_MOVS)
		x86_str_step(v, amask, X86_RSI, insn->size);
	if (!insn->rep)
		return X86_STR_DONE;
	/* RCX counts in the address size, like the index registers. */
	x86_str_set(&v->gprs[X86_RCX], v->gprs[X86_RCX] - 1, amask);
	return (v->gprs[X86_RCX] & amask) ? X86_STR_AGAIN : X86_STR_DONE;
}

/**
 * x86_string_mmio - start one element of a STOS or MOVS that hit MMIO
 * @v: the vCPU's registers and address space
 * @st: the backend's in-flight state, completed by x86_string_complete()
 * @insn: the decoded instruction (X86_MMIO_STOS or X86_MMIO_MOVS)
 * @run: filled in for a KVM_EXIT_MMIO
 *
 * Return: X86_STR_EXIT when @run holds an MMIO exit, X86_STR_DONE or
 * X86_STR_AGAIN when the element needed no exit after all (RIP moves on or
 * stays), -errno for an access that cannot be emulated.
 */
int x86_string_mmio(struct x86_str_view *v, struct x86_str_state *st,
		    const struct x86_insn *insn, struct kvm_run *run)
{
	u64 amask = x86_str_amask(insn->asize), src_gpa, data = 0;
	unsigned int size = insn->size;

	st->insn = *insn;
	if (insn->rep && !(v->gprs[X86_RCX] & amask))
		return X86_STR_DONE;
	if (x86_str_gpa(v, x86_str_lin(v, X86_ES, v->gprs[X86_RDI] & amask),
			size, &st->dst_gpa))
		return -EINVAL;
	if (insn->op == X86_MMIO_STOS) {
		data = v->gprs[X86_RAX];
	} else {
		if (x86_str_gpa(v, x86_str_lin(v, insn->seg,
					       v->gprs[X86_RSI] & amask),
				size, &src_gpa))
			return -EINVAL;
		/*
		 * The source is MMIO: read it first, store on completion.
		 * Device to device copies are left out (a second exit from
		 * the completion): the destination must be writable RAM.
		 */
		if (vireo_read_guest(v->vm, src_gpa, &data, size)) {
			if (!vireo_gpa_writable(v->vm, st->dst_gpa, size))
				return -EOPNOTSUPP;
			x86_str_mmio(run, src_gpa, size, false, 0);
			st->reading = true;
			return X86_STR_EXIT;
		}
	}
	st->reading = false;
	/*
	 * Memory that takes the store (a slot added meanwhile), or an
	 * ioeventfd, needs no exit.
	 */
	if (!vireo_write_guest(v->vm, st->dst_gpa, &data, size) ||
	    vireo_ioeventfd_write(v->vm, VIREO_BUS_MMIO, st->dst_gpa, size,
				  &data))
		return x86_str_done(v, insn);
	x86_str_mmio(run, st->dst_gpa, size, true, data);
	return X86_STR_EXIT;
}

/**
 * x86_string_complete - finish the element userspace has just handled
 * @v: the vCPU's registers and address space
 * @st: the state x86_string_mmio() left
 * @run: userspace's answer (the data of a read)
 *
 * Return: X86_STR_DONE or X86_STR_AGAIN.
 */
int x86_string_complete(struct x86_str_view *v, struct x86_str_state *st,
			const struct kvm_run *run)
{
	u64 data = 0;

	if (st->reading) {
		memcpy(&data, run->mmio.data, st->insn.size);
		/* A slot gone meanwhile takes nothing, like a failed store. */
		vireo_write_guest(v->vm, st->dst_gpa, &data, st->insn.size);
	}
	return x86_str_done(v, &st->insn);
}

/**
 * x86_string_io - start an INS or OUTS
 * @v: the vCPU's registers and address space
 * @io: the exit's description; @io->lin and @io->count are filled in
 * @run: filled in for a KVM_EXIT_IO
 *
 * Return: X86_STR_EXIT when @run holds the exit, X86_STR_DONE for a REP
 * with nothing to do, X86_STR_DONE or X86_STR_AGAIN when ioeventfds took
 * every element of an OUTS, -errno when OUTS's source cannot be read.
 */
int x86_string_io(struct x86_str_view *v, struct x86_strio *io,
		  struct kvm_run *run)
{
	u64 amask = x86_str_amask(io->asize);
	unsigned int seg = io->in ? X86_ES : io->seg;
	u64 n = v->gprs[X86_RCX] & amask, room;
	unsigned int i;

	io->lin = x86_str_lin(v, seg,
			      v->gprs[io->in ? X86_RDI : X86_RSI] & amask);
	io->count = 1;
	if (io->rep) {
		if (!n)
			return X86_STR_DONE;
		room = (PAGE_SIZE - (io->lin & ~PAGE_MASK)) / io->size;
		if (!(v->rflags & X86_EFLAGS_DF) && room > 1)
			io->count = min(n, room);
	}
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = io->in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = io->size;
	run->io.port = io->port;
	run->io.count = io->count;
	run->io.data_offset = VIREO_PIO_OFFSET * PAGE_SIZE;
	if (io->in)
		return X86_STR_EXIT;
	if (x86_read_virt(&v->pg, io->lin, x86_str_read, v->vm,
			  x86_pio_data(run), io->count * io->size))
		return -EFAULT;
	/*
	 * Elements an ioeventfd takes need no exit; from the first it does
	 * not take, all of them go to userspace, as under kvm.ko.
	 */
	for (i = 0; i < io->count; i++) {
		if (!vireo_ioeventfd_write(v->vm, VIREO_BUS_PIO, io->port,
					   io->size,
					   x86_pio_data(run) + i * io->size))
			return X86_STR_EXIT;
	}
	return x86_string_io_complete(v, io, run);
}

/**
 * x86_string_io_complete - store what INS read and move the registers
 * @v: the vCPU's registers and address space (rCX as userspace left it)
 * @io: what x86_string_io() left
 * @run: userspace's answer
 *
 * Return: X86_STR_DONE, or X86_STR_AGAIN while rCX has more to do.
 */
int x86_string_io_complete(struct x86_str_view *v, const struct x86_strio *io,
			   const struct kvm_run *run)
{
	u64 amask = x86_str_amask(io->asize);
	u64 n = io->count, bytes;

	/*
	 * Userspace may have lowered rCX meanwhile: elements past it are not
	 * the instruction's any more (kvm.ko drops them too), and rCX must
	 * not wrap below zero into an endless REP.
	 */
	if (io->rep)
		n = min(n, v->gprs[X86_RCX] & amask);
	bytes = n * io->size;
	/* A target that is not RAM gets nothing, as a failed store. */
	if (io->in && bytes)
		x86_write_virt(&v->pg, io->lin, x86_str_read, x86_str_write,
			       v->vm, x86_pio_data(run), bytes);
	x86_str_step(v, amask, io->in ? X86_RDI : X86_RSI, bytes);
	if (!io->rep)
		return X86_STR_DONE;
	x86_str_set(&v->gprs[X86_RCX], v->gprs[X86_RCX] - n, amask);
	return (v->gprs[X86_RCX] & amask) ? X86_STR_AGAIN : X86_STR_DONE;
}
