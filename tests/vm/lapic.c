// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC with a split irqchip (KVM_CAP_SPLIT_IRQCHIP):
 * the ioctls with good and bad input, and guests in 32-bit protected mode
 * that use the APIC through its xAPIC page and its x2APIC MSRs: the timer
 * in each mode, self-IPIs, IPIs between four vCPUs, INIT/SIPI, a halted
 * vCPU that waits in the kernel without using the CPU, KVM's PV unhalt
 * (KVM_HC_KICK_CPU waking a vCPU halted with interrupts off) and PV EOI.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"

#define MEM_SIZE	0x100000
#define GDT		0x1000
#define IDT		0x2000
#define CODE		0x4000
#define TRAMPOLINE	0x9000		/* SIPI vector 9 */
#define STACKS		0x20000		/* one page per vCPU below this + id */

/* Guest data, at fixed addresses the code below names. */
#define D_MODE		0x7000		/* 0 xAPIC, 1 x2APIC */
#define D_DEST		0x7004		/* IPI destination: see t_ipi */
#define D_NCPU		0x7008
#define D_TICKS		0x7010		/* timer interrupts */
#define D_STARTED	0x7014		/* APs through the SIPI trampoline */
#define D_READY		0x7018		/* APs with their APIC on */
#define D_PING		0x7020		/* vectors 0x45.. on the BSP */
#define D_SELF		0x7030		/* vector 0x43 */
#define D_EARLY		0x7060		/* deadline: TSC - deadline, high word */
#define D_PARAM		0x7050		/* timer count or TSC delta */
#define D_TPR_SEEN	0x7064		/* D_SELF while TPR blocked it */
#define D_TPR_PPR	0x7068		/* PPR then */
#define D_TPR_IRR	0x706c		/* IRR bits 95:64 then */
#define D_NMI		0x7070		/* NMIs taken */
#define D_LOWEST	0x7074		/* APs that took the lowest-priority IPI */
#define D_PVEOI		0x7080		/* PV EOI's byte */
#define D_PVSEEN	0x7084		/* its bit 0 in h_pveoi, one byte a run */
#define D_PVRUNS	0x7088		/* h_pveoi's runs */
#define D_PONG		0x7100		/* vector 0x41 on AP n: + 4n */

enum { T_ONESHOT = 1, T_PERIODIC, T_DEADLINE, T_SELF, T_IPI, T_INITSIPI,
       T_HALT, T_EXTINT, T_TPR, T_NMI, T_WINDOW, T_KICK, T_PVEOI };

#define NR_VCPUS	4
#define PORT_DONE	0x10
#define PORT_AP		0x11
#define PORT_SIPI	0x12

#define KVM_ENOSYS		1000
#define KVM_CPUID_FEATURES	0x40000001
#define FEATURE_PV_UNHALT	7
#define FEATURE_PV_EOI		6
#define MSR_PV_EOI		0x4b564d04

/*
 * The guest: flat 32-bit code at CODE.  The BSP spins with IF set: under
 * Bochs a guest spinning with IF clear never exits to kvm_intel.  EBX holds the vCPU's index, ESI
 * the test.  Only relative jumps and calls and fixed data addresses, so
 * the bytes run wherever they are copied.
 */
asm(
"	.pushsection .rodata\n"
"	.code32\n"
"guest_start:\n"
"	call setup\n"
"	cmp $1, %esi\n	je t_oneshot\n"
"	cmp $2, %esi\n	je t_periodic\n"
"	cmp $3, %esi\n	je t_deadline\n"
"	cmp $4, %esi\n	je t_self\n"
"	cmp $5, %esi\n	je t_ipi\n"
"	cmp $6, %esi\n	je t_initsipi\n"
"	cmp $7, %esi\n	je t_halt\n"
"	cmp $8, %esi\n	je t_extint\n"
"	cmp $9, %esi\n	je t_tpr\n"
"	cmp $10, %esi\n	je t_nmi\n"
"	cmp $11, %esi\n	je t_window\n"
"	cmp $12, %esi\n	je t_kick\n"
"	cmp $13, %esi\n	je t_pveoi\n"
"	ud2\n"
/* x2APIC on if asked, software enable, flat logical ID 1 << index. */
"setup:\n"
"	cmpl $0, 0x7000\n	je 1f\n"
"	mov $0x1b, %ecx\n	rdmsr\n	or $0xc00, %eax\n	wrmsr\n"
"1:	mov $0xf0, %ecx\n	mov $0x1ff, %eax\n	call apic_write\n"
"	cmpl $0, 0x7000\n	jne 2f\n"
"	mov %ebx, %ecx\n	mov $1, %eax\n	shl %cl, %eax\n	shl $24, %eax\n"
"	mov %eax, 0xfee000d0\n"
"2:	ret\n"
/* ECX register offset, EAX value */
"apic_write:\n"
"	cmpl $0, 0x7000\n	jne 1f\n"
"	mov %eax, 0xfee00000(%ecx)\n	ret\n"
"1:	push %edx\n	shr $4, %ecx\n	add $0x800, %ecx\n	xor %edx, %edx\n"
"	wrmsr\n	pop %edx\n	ret\n"
/* ECX register offset -> EAX */
"apic_read:\n"
"	cmpl $0, 0x7000\n	jne 1f\n"
"	mov 0xfee00000(%ecx), %eax\n	ret\n"
"1:	push %edx\n	shr $4, %ecx\n	add $0x800, %ecx\n	rdmsr\n"
"	pop %edx\n	ret\n"
"apic_id:\n"
"	push %ecx\n	mov $0x20, %ecx\n	call apic_read\n	pop %ecx\n"
"	cmpl $0, 0x7000\n	jne 1f\n	shr $24, %eax\n"
"1:	ret\n"
/* EAX ICR low, EDX destination */
"send_ipi:\n"
"	cmpl $0, 0x7000\n	jne 1f\n"
"	shl $24, %edx\n	mov %edx, 0xfee00310\n	mov %eax, 0xfee00300\n	ret\n"
"1:	push %ecx\n	mov $0x830, %ecx\n	wrmsr\n	pop %ecx\n	ret\n"
"eoi:\n"
"	push %eax\n	push %ecx\n	xor %eax, %eax\n	mov $0xb0, %ecx\n"
"	call apic_write\n	pop %ecx\n	pop %eax\n	ret\n"
/* handlers */
"h_timer:\n"
"	lock incl 0x7010\n	call eoi\n	iret\n"
"h_pong:\n"
"	push %eax\n	call apic_id\n	lock incl 0x7100(,%eax,4)\n"
"	pop %eax\n	call eoi\n	iret\n"
"h_ping:\n"
"	lock incl 0x7020\n	call eoi\n	iret\n"
"h_self:\n"
"	lock incl 0x7030\n	call eoi\n	iret\n"
"h_nmi:\n"
"	lock incl 0x7070\n	iret\n"
/* wait with STI;HLT (no interrupt slips in between) until [EDI] >= EDX */
"wait_for:\n"
"	cli\n	cmp %edx, (%edi)\n	jae 1f\n	sti\n	hlt\n	jmp wait_for\n"
"1:	ret\n"
"done:\n"
"	cli\n	out %eax, $0x10\n	hlt\n	jmp done\n"
/* one-shot: divide by 1, vector 0x40, count from D_PARAM; report TMCCT */
"t_oneshot:\n"
"	mov $0x3e0, %ecx\n	mov $0xb, %eax\n	call apic_write\n"
"	mov $0x320, %ecx\n	mov $0x40, %eax\n	call apic_write\n"
"	mov $0x380, %ecx\n	mov 0x7050, %eax\n	call apic_write\n"
"	mov $0x7010, %edi\n	mov $1, %edx\n	call wait_for\n"
"	mov $0x390, %ecx\n	call apic_read\n	jmp done\n"
/* periodic: five ticks, then the timer stops; report the ticks */
"t_periodic:\n"
"	mov $0x3e0, %ecx\n	mov $0xb, %eax\n	call apic_write\n"
"	mov $0x320, %ecx\n	mov $0x20040, %eax\n	call apic_write\n"
"	mov $0x380, %ecx\n	mov 0x7050, %eax\n	call apic_write\n"
"	mov $0x7010, %edi\n	mov $5, %edx\n	call wait_for\n"
"	mov $0x380, %ecx\n	xor %eax, %eax\n	call apic_write\n"
"	mov 0x7010, %eax\n	jmp done\n"
/* TSC deadline D_PARAM cycles ahead; report the MSR after the interrupt */
"t_deadline:\n"
"	mov $0x320, %ecx\n	mov $0x40040, %eax\n	call apic_write\n"
"	rdtsc\n	add 0x7050, %eax\n	adc $0, %edx\n"
"	mov %eax, 0x7040\n	mov %edx, 0x7044\n"
"	mov $0x6e0, %ecx\n	wrmsr\n"
"	mov $0x7010, %edi\n	mov $1, %edx\n	call wait_for\n"
"	rdtsc\n	sub 0x7040, %eax\n	sbb 0x7044, %edx\n	mov %edx, 0x7060\n"
"	mov $0x6e0, %ecx\n	rdmsr\n	or %edx, %eax\n	jmp done\n"
/* self-IPI through the ICR's shorthand, and x2APIC's SELF_IPI */
"t_self:\n"
"	mov $0x40043, %eax\n	xor %edx, %edx\n	call send_ipi\n"
"	mov $0x7030, %edi\n	mov $1, %edx\n	call wait_for\n"
"	cmpl $0, 0x7000\n	je 1f\n"
"	mov $0x83f, %ecx\n	mov $0x43, %eax\n	xor %edx, %edx\n	wrmsr\n"
"	mov $0x7030, %edi\n	mov $2, %edx\n	call wait_for\n"
"1:	mov 0x7030, %eax\n	jmp done\n"
/*
 * IPIs: the BSP sends vector 0x41 to every AP (D_DEST: 0 physical, 1
 * logical, 2 the all-but-self shorthand, 3 lowest priority to all APs,
 * then the shorthand); AP n answers with 0x44 + n to
 * APIC ID 0: one vector each, as IRR would merge the same vector sent
 * twice before the BSP took it.
 */
"t_ipi:\n"
"	test %ebx, %ebx\n	jnz ap_ipi\n"
"	sti\n	mov 0x7008, %edx\n	dec %edx\n"
"1:	cmp %edx, 0x7018\n	jae 2f\n	pause\n	jmp 1b\n"
"2:	cmpl $3, 0x7004\n	jne 7f\n"
/* lowest priority to every AP (logical 0x0e): exactly one takes it */
"	mov $0x941, %eax\n	mov $0x0e, %edx\n	call send_ipi\n"
"8:	mov 0x7104, %eax\n	add 0x7108, %eax\n	add 0x710c, %eax\n"
"	test %eax, %eax\n	jnz 9f\n	pause\n	jmp 8b\n"
"9:	mov $20000, %ecx\n1:	loop 1b\n"
"	mov 0x7104, %eax\n	add 0x7108, %eax\n	add 0x710c, %eax\n"
"	mov %eax, 0x7074\n"
"	jmp 2f\n"
"7:	cmpl $2, 0x7004\n	jne 3f\n"
"2:	mov $0xc0041, %eax\n	xor %edx, %edx\n	call send_ipi\n	jmp 6f\n"
"3:	mov $1, %ebp\n"
"4:	cmp 0x7008, %ebp\n	jae 6f\n"
"	mov $0x41, %eax\n	mov %ebp, %edx\n"
"	cmpl $1, 0x7004\n	jne 5f\n"
"	or $0x800, %eax\n	mov %ebp, %ecx\n	mov $1, %edx\n	shl %cl, %edx\n"
"5:	call send_ipi\n	inc %ebp\n	jmp 4b\n"
"6:	mov 0x7008, %edx\n	dec %edx\n	mov $0x7020, %edi\n	call wait_for\n"
"	mov 0x7020, %eax\n	jmp done\n"
"ap_ipi:\n"
"	lock incl 0x7018\n"
"	lea 0x7100(,%ebx,4), %edi\n	mov $1, %edx\n	call wait_for\n"
"	lea 0x44(%ebx), %eax\n	xor %edx, %edx\n	call send_ipi\n"
"	mov %ebx, %eax\n	out %eax, $0x11\n	hlt\n"
/* INIT, then SIPI to vector 9, to every AP; wait until all got there */
"t_initsipi:\n"
"	mov $1, %ebp\n"
"1:	cmp 0x7008, %ebp\n	jae 2f\n"
"	mov $0x4500, %eax\n	mov %ebp, %edx\n	call send_ipi\n"
"	mov $0x4609, %eax\n	mov %ebp, %edx\n	call send_ipi\n"
"	inc %ebp\n	jmp 1b\n"
"2:	sti\n	mov 0x7008, %edx\n	dec %edx\n"
"3:	cmp %edx, 0x7014\n	jae 4f\n	pause\n	jmp 3b\n"
"4:	mov 0x7014, %eax\n	jmp done\n"
/* KVM_INTERRUPT's vector (0x43) arrives through LINT0 */
"t_extint:\n"
"	mov $0x7030, %edi\n	mov $1, %edx\n	call wait_for\n"
"	mov 0x7030, %eax\n	jmp done\n"
/*
 * TPR 0x50 holds a self-IPI of vector 0x43 back (in IRR, PPR 0x50);
 * TPR 0 lets it in.
 */
"t_tpr:\n"
"	mov $0x80, %ecx\n	mov $0x50, %eax\n	call apic_write\n"
"	sti\n"
"	mov $0x40043, %eax\n	xor %edx, %edx\n	call send_ipi\n"
"	mov $2000, %ecx\n1:	loop 1b\n"
"	mov 0x7030, %eax\n	mov %eax, 0x7064\n"
"	mov $0xa0, %ecx\n	call apic_read\n	mov %eax, 0x7068\n"
"	mov $0x220, %ecx\n	call apic_read\n	mov %eax, 0x706c\n"
"	mov $0x80, %ecx\n	xor %eax, %eax\n	call apic_write\n"
"	mov $0x7030, %edi\n	mov $1, %edx\n	call wait_for\n"
"	mov 0x7030, %eax\n	jmp done\n"
/* interrupts enabled for a while, then done with 1 */
"t_window:\n"
"	sti\n	mov $20000, %ecx\n1:	loop 1b\n"
"	mov $1, %eax\n	jmp done\n"
/* an NMI IPI to APIC ID 0, itself */
"t_nmi:\n"
"	sti\n	mov $0x400, %eax\n	xor %edx, %edx\n	call send_ipi\n"
"1:	cmpl $0, 0x7070\n	jne 2f\n	pause\n	jmp 1b\n"
"2:	mov 0x7070, %eax\n	jmp done\n"
"t_halt:\n"
"	sti\n	hlt\n	jmp t_halt\n"
/*
 * PV unhalt: the BSP calls KVM_HC_KICK_CPU (5; a0 0, a1 D_DEST) and
 * reports RAX; the host writes its vendor's instruction over kick_insn.
 * The AP halts with IF clear and reports EFLAGS each time it gets past.
 */
"t_kick:\n"
"	test %ebx, %ebx\n	jnz ap_kick\n"
"	mov $5, %eax\n	mov 0x7004, %ecx\n"
"kick_insn:\n"
"	vmcall\n	jmp done\n"
"ap_kick:\n"
"	cli\n	hlt\n	pushf\n	pop %eax\n	out %eax, $0x11\n	jmp ap_kick\n"
/*
 * PV EOI at D_PVEOI: a self-IPI of vector 0x53 alone; then, sent with IF
 * clear, 0x53 and 0x62, so that 0x62 goes in while 0x53 waits in IRR,
 * and 0x53 after it alone.  Reports h_pveoi's runs.
 */
"t_pveoi:\n"
"	mov $0x4b564d04, %ecx\n	mov $0x7081, %eax\n	xor %edx, %edx\n	wrmsr\n"
"	mov $0x40053, %eax\n	xor %edx, %edx\n	call send_ipi\n"
"	mov $0x7088, %edi\n	mov $1, %edx\n	call wait_for\n"
"	mov $0x40053, %eax\n	xor %edx, %edx\n	call send_ipi\n"
"	mov $0x40062, %eax\n	xor %edx, %edx\n	call send_ipi\n"
"	mov $0x7088, %edi\n	mov $3, %edx\n	call wait_for\n"
"	mov 0x7088, %eax\n	jmp done\n"
/* As Linux's handlers: bit 0 set is cleared in place of the EOI. */
"h_pveoi:\n"
"	push %eax\n	push %ecx\n"
"	mov 0x7088, %ecx\n	movzbl 0x7080, %eax\n	and $1, %eax\n"
"	mov %al, 0x7084(%ecx)\n"
"	btrl $0, 0x7080\n	jc 1f\n	call eoi\n"
"1:	incl 0x7088\n	pop %ecx\n	pop %eax\n	iret\n"
"guest_end:\n"
/* The AP's first instructions after SIPI, in real mode at 0x9000 */
"	.code16\n"
"sipi_start:\n"
"	lock incl 0x7014\n	mov $0x12, %dx\n	out %al, %dx\n"
"1:	hlt\n	jmp 1b\n"
"sipi_end:\n"
"	.code64\n"
"	.popsection\n");

extern const char guest_start[], guest_end[], h_timer[], h_pong[],
	h_ping[], h_self[], h_nmi[], sipi_start[], sipi_end[], kick_insn[],
	h_pveoi[];

struct vm {
	int sys, fd;
	uint8_t *mem;
	int nr;
	struct vcpu {
		int fd;
		struct kvm_run *run;
		pthread_t th;
		pid_t tid;
		/* what the thread saw last */
		int err;
		uint32_t reason, port, val;
		int eagain;
		struct timespec t0, t1;
	} v[NR_VCPUS];
};

static void *mem32(struct vm *m, uint32_t gpa)
{
	return m->mem + gpa;
}

static uint32_t rd32(struct vm *m, uint32_t gpa)
{
	return *(volatile uint32_t *)mem32(m, gpa);
}

static void wr32(struct vm *m, uint32_t gpa, uint32_t v)
{
	*(volatile uint32_t *)mem32(m, gpa) = v;
}

static int enable_split(int vmfd, uint64_t pins)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { pins },
	};

	return ioctl(vmfd, KVM_ENABLE_CAP, &cap);
}

/* The supported CPUID, plus x2APIC and the TSC-deadline timer. */
static int set_cpuid(int sys, int vcpu)
{
	static struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[100];
	} buf;
	unsigned int i;

	buf.c.nent = 100;
	if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, &buf))
		return -1;
	for (i = 0; i < buf.c.nent; i++)
		if (buf.e[i].function == 1)
			buf.e[i].ecx |= 1u << 21 | 1u << 24;
	return ioctl(vcpu, KVM_SET_CPUID2, &buf);
}

static void set_gate(struct vm *m, unsigned int vec, const char *h)
{
	uint32_t off = CODE + (uint32_t)(h - guest_start);
	uint32_t *g = mem32(m, IDT + vec * 8);

	g[0] = (off & 0xffff) | 8 << 16;
	g[1] = (off & 0xffff0000) | 0x8e00;
}

/* 32-bit flat protected mode at the guest's entry, index @i, test @test. */
static int set_pmode(struct vm *m, int i, int test)
{
	struct kvm_segment cs = {
		.limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
		.s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment ds = {
		.limit = 0xffffffff, .selector = 16, .type = 3, .present = 1,
		.s = 1, .db = 1, .g = 1,
	};
	struct kvm_regs r = {
		.rip = CODE, .rflags = 2, .rbx = i, .rsi = test,
		.rsp = STACKS + i * 0x1000 + 0x1000,
	};
	struct kvm_sregs s;

	if (ioctl(m->v[i].fd, KVM_GET_SREGS, &s))
		return -1;
	s.cs = cs;
	s.ds = s.es = s.fs = s.gs = s.ss = ds;
	s.gdt.base = GDT;
	s.gdt.limit = 23;
	s.idt.base = IDT;
	s.idt.limit = 256 * 8 - 1;
	s.cr0 = 0x11;
	if (ioctl(m->v[i].fd, KVM_SET_SREGS, &s))
		return -1;
	return ioctl(m->v[i].fd, KVM_SET_REGS, &r);
}

/* A split-irqchip VM with @nr vCPUs, guest code and tables in place. */
static int vm_create(struct vm *m, int nr, int mode)
{
	struct kvm_userspace_memory_region mr = { .memory_size = MEM_SIZE };
	uint64_t *gdt;
	int i, size;

	memset(m, 0, sizeof(*m));
	m->sys = vt_open_dev();
	if (m->sys < 0)
		return -1;
	m->fd = ioctl(m->sys, KVM_CREATE_VM, 0);
	if (m->fd < 0)
		return -1;
	if (enable_split(m->fd, 24))
		return -1;
	m->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->mem == MAP_FAILED)
		return -1;
	mr.userspace_addr = (uintptr_t)m->mem;
	if (ioctl(m->fd, KVM_SET_USER_MEMORY_REGION, &mr))
		return -1;
	gdt = mem32(m, GDT);
	gdt[1] = 0x00cf9a000000ffffULL;
	gdt[2] = 0x00cf92000000ffffULL;
	memcpy(mem32(m, CODE), guest_start, guest_end - guest_start);
	memcpy(mem32(m, TRAMPOLINE), sipi_start, sipi_end - sipi_start);
	set_gate(m, 0x40, h_timer);
	set_gate(m, 0x41, h_pong);
	for (i = 1; i < nr; i++)
		set_gate(m, 0x44 + i, h_ping);
	set_gate(m, 0x43, h_self);
	set_gate(m, 0x53, h_pveoi);
	set_gate(m, 0x62, h_pveoi);
	set_gate(m, 2, h_nmi);
	wr32(m, D_MODE, mode);
	wr32(m, D_NCPU, nr);
	size = ioctl(m->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	m->nr = nr;
	for (i = 0; i < nr; i++) {
		m->v[i].fd = ioctl(m->fd, KVM_CREATE_VCPU, i);
		if (m->v[i].fd < 0)
			return -1;
		m->v[i].run = mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, m->v[i].fd, 0);
		if (m->v[i].run == MAP_FAILED)
			return -1;
		if (set_cpuid(m->sys, m->v[i].fd))
			return -1;
	}
	return 0;
}

static void vm_destroy(struct vm *m)
{
	int i, size = ioctl(m->sys, KVM_GET_VCPU_MMAP_SIZE, 0);

	for (i = 0; i < m->nr; i++) {
		munmap(m->v[i].run, size);
		close(m->v[i].fd);
	}
	munmap(m->mem, MEM_SIZE);
	close(m->fd);
	close(m->sys);
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

/* Run until an OUT to a port of ours (EAGAIN is kvm.ko's "run again"). */
static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	int i;

	v->tid = syscall(SYS_gettid);
	clock_gettime(CLOCK_MONOTONIC, &v->t0);
	for (i = 0; i < 100000; i++) {
		if (ioctl(v->fd, KVM_RUN, 0)) {
			if (errno == EAGAIN) {
				v->eagain++;
				continue;
			}
			v->err = errno;
			break;
		}
		v->reason = v->run->exit_reason;
		if (v->reason == KVM_EXIT_IOAPIC_EOI)
			continue;
		if (v->reason != KVM_EXIT_IO)
			break;
		v->port = v->run->io.port;
		memcpy(&v->val, (uint8_t *)v->run + v->run->io.data_offset,
		       v->run->io.size);
		if (v->port == PORT_DONE || v->port == PORT_AP ||
		    v->port == PORT_SIPI)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &v->t1);
	return NULL;
}

static void start(struct vm *m, int i)
{
	m->v[i].err = 0;
	pthread_create(&m->v[i].th, NULL, vcpu_thread, &m->v[i]);
}

/* Join, with a watchdog: a vCPU stuck for @secs is signalled out. */
static int join(struct vm *m, int i, int secs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += secs;
	if (pthread_timedjoin_np(m->v[i].th, NULL, &ts) == 0)
		return 0;
	pthread_kill(m->v[i].th, SIGUSR1);
	pthread_join(m->v[i].th, NULL);
	return -1;
}

static long long elapsed_ns(const struct vcpu *v)
{
	return (v->t1.tv_sec - v->t0.tv_sec) * 1000000000LL +
	       (v->t1.tv_nsec - v->t0.tv_nsec);
}

static void __attribute__((constructor)) signals(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };

	sigaction(SIGUSR1, &sa, NULL);
}

#define EXPECT_DONE(m, i, want_port) do {				\
	EXPECT_EQ(0, (m)->v[i].err);					\
	EXPECT_EQ((uint32_t)KVM_EXIT_IO, (m)->v[i].reason)		\
		TH_LOG("vcpu %d exit %u", i, (m)->v[i].reason);		\
	EXPECT_EQ((uint32_t)(want_port), (m)->v[i].port);		\
} while (0)

/* --- ioctls --- */

TEST(split_irqchip_cap)
{
	int sys = vt_open_dev(), vm, vcpu;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP };
	struct kvm_lapic_state s;

	ASSERT_GE(sys, 0);
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP));
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP));
	/* more pins than kvm.ko has routes (KVM_MAX_IRQ_ROUTES) */
	EXPECT_EQ(-1, enable_split(vm, 4097));
	EXPECT_EQ(EINVAL, errno);
	cap.flags = 1;
	EXPECT_EQ(-1, ioctl(vm, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, enable_split(vm, 4096));
	/* once only */
	EXPECT_EQ(-1, enable_split(vm, 24));
	EXPECT_EQ(EEXIST, errno);
	close(vm);

	/* not after the first vCPU */
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	EXPECT_EQ(-1, enable_split(vm, 24));
	EXPECT_EQ(EEXIST, errno);
	/* and without an APIC there is no APIC state */
	EXPECT_EQ(-1, ioctl(vcpu, KVM_GET_LAPIC, &s));
	EXPECT_EQ(EINVAL, errno);
	close(vcpu);
	close(vm);
	close(sys);
}

static uint32_t reg(const struct kvm_lapic_state *s, unsigned int off)
{
	uint32_t v;

	memcpy(&v, s->regs + off, 4);
	return v;
}

static void set_reg(struct kvm_lapic_state *s, unsigned int off, uint32_t v)
{
	memcpy(s->regs + off, &v, 4);
}

TEST(lapic_state)
{
	struct kvm_lapic_state s, s2;
	struct kvm_mp_state mp;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} msr = { .h.nmsrs = 1, .e.index = 0x1b };
	static const __u32 bad_mp[] = { 5, 6, 7, 8, 10, 99 };
	unsigned int off;
	struct vm m;

	ASSERT_EQ(0, vm_create(&m, 2, 0));
	/* Reset state: IDs, LINT0 ExtINT on the BSP only, LVTs masked. */
	ASSERT_EQ(0, ioctl(m.v[0].fd, KVM_GET_LAPIC, &s));
	EXPECT_EQ(0u, reg(&s, 0x20));
	EXPECT_EQ(0x14u, reg(&s, 0x30) & 0xff);
	EXPECT_EQ(0xffu, reg(&s, 0xf0));
	EXPECT_EQ(0xffffffffu, reg(&s, 0xe0));
	EXPECT_EQ(0x700u, reg(&s, 0x350));
	EXPECT_EQ(0x10000u, reg(&s, 0x320));
	ASSERT_EQ(0, ioctl(m.v[1].fd, KVM_GET_LAPIC, &s));
	EXPECT_EQ(1u << 24, reg(&s, 0x20));
	EXPECT_EQ(0x10000u, reg(&s, 0x350));
	/* APs wait for INIT and SIPI; the BSP runs */
	ASSERT_EQ(0, ioctl(m.v[0].fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((__u32)KVM_MP_STATE_RUNNABLE, mp.mp_state);
	ASSERT_EQ(0, ioctl(m.v[1].fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((__u32)KVM_MP_STATE_UNINITIALIZED, mp.mp_state);
	mp.mp_state = KVM_MP_STATE_HALTED;
	EXPECT_EQ(0, ioctl(m.v[1].fd, KVM_SET_MP_STATE, &mp));
	ASSERT_EQ(0, ioctl(m.v[1].fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((__u32)KVM_MP_STATE_HALTED, mp.mp_state);

	/* kvm.ko 6.1 takes x86's states and AP_RESET_HOLD, no others */
	for (off = 0; off < sizeof(bad_mp) / sizeof(bad_mp[0]); off++) {
		mp.mp_state = bad_mp[off];
		EXPECT_EQ(-1, ioctl(m.v[1].fd, KVM_SET_MP_STATE, &mp));
		EXPECT_EQ(EINVAL, errno) TH_LOG("state %u", bad_mp[off]);
	}
	mp.mp_state = KVM_MP_STATE_AP_RESET_HOLD;
	EXPECT_EQ(0, ioctl(m.v[1].fd, KVM_SET_MP_STATE, &mp));
	ASSERT_EQ(0, ioctl(m.v[1].fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((__u32)KVM_MP_STATE_AP_RESET_HOLD, mp.mp_state);

	/* A round trip keeps what was set, PPR following TPR. */
	set_reg(&s, 0x80, 0x20);
	set_reg(&s, 0xf0, 0x1ff);
	set_reg(&s, 0x320, 0x30);
	set_reg(&s, 0x200 + 0x10 * 2, 1u << 3);	/* IRR: vector 0x43 */
	ASSERT_EQ(0, ioctl(m.v[1].fd, KVM_SET_LAPIC, &s));
	ASSERT_EQ(0, ioctl(m.v[1].fd, KVM_GET_LAPIC, &s2));
	EXPECT_EQ(1u << 24, reg(&s2, 0x20));
	EXPECT_EQ(0x20u, reg(&s2, 0x80));
	EXPECT_EQ(0x20u, reg(&s2, 0xa0));
	EXPECT_EQ(0x1ffu, reg(&s2, 0xf0));
	EXPECT_EQ(0x30u, reg(&s2, 0x320));
	EXPECT_EQ(1u << 3, reg(&s2, 0x220));

	/*
	 * No bit is refused: all ones come back as set, but for the version
	 * (the APIC's own: 6 LVTs, and directed EOI as the guest has x2APIC
	 * and the I/O APIC is the VMM's), PPR (from TPR 0xff) and the
	 * current count.
	 */
	memset(&s, 0xff, sizeof(s));
	ASSERT_EQ(0, ioctl(m.v[0].fd, KVM_SET_LAPIC, &s));
	ASSERT_EQ(0, ioctl(m.v[0].fd, KVM_GET_LAPIC, &s2));
	for (off = 0; off < 0x400; off += 0x10) {
		uint32_t want = off == 0x30 ? 0x1050014 : off == 0xa0 ? 0xff :
				0xffffffff;

		if (off == 0x390)
			continue;
		EXPECT_EQ(want, reg(&s2, off)) TH_LOG("register %#x", off);
	}

	/* x2APIC: the ID reads back in xAPIC format (no X2APIC_API) */
	msr.e.data = 0xfee00c00;
	EXPECT_EQ(1, ioctl(m.v[1].fd, KVM_SET_MSRS, &msr));
	ASSERT_EQ(0, ioctl(m.v[1].fd, KVM_GET_LAPIC, &s2));
	EXPECT_EQ(1u << 24, reg(&s2, 0x20));
	EXPECT_EQ(2u, reg(&s2, 0xd0));
	EXPECT_EQ(1, ioctl(m.v[1].fd, KVM_GET_MSRS, &msr));
	EXPECT_EQ(0xfee00c00ull, msr.e.data);

	/*
	 * The VMM may make the transitions its guest may not: QEMU's
	 * system_reset writes the xAPIC base over an x2APIC one, and aborts
	 * if the write is refused.
	 */
	msr.e.data = 0xfee00800;
	EXPECT_EQ(1, ioctl(m.v[1].fd, KVM_SET_MSRS, &msr));
	EXPECT_EQ(1, ioctl(m.v[1].fd, KVM_GET_MSRS, &msr));
	EXPECT_EQ(0xfee00800ull, msr.e.data);
	msr.e.data = 0;
	EXPECT_EQ(1, ioctl(m.v[1].fd, KVM_SET_MSRS, &msr));
	msr.e.data = 0xfee00c00;
	EXPECT_EQ(1, ioctl(m.v[1].fd, KVM_SET_MSRS, &msr));
	EXPECT_EQ(1, ioctl(m.v[1].fd, KVM_GET_MSRS, &msr));
	EXPECT_EQ(0xfee00c00ull, msr.e.data);
	vm_destroy(&m);
}

TEST(interrupt_ioctl)
{
	struct kvm_interrupt irq = { .irq = 0x30 };
	struct vm m;

	ASSERT_EQ(0, vm_create(&m, 1, 0));
	irq.irq = 256;
	EXPECT_EQ(-1, ioctl(m.v[0].fd, KVM_INTERRUPT, &irq));
	EXPECT_EQ(EINVAL, errno);
	/* the VMM's 8259 has one vector outstanding at a time */
	irq.irq = 0x30;
	EXPECT_EQ(0, ioctl(m.v[0].fd, KVM_INTERRUPT, &irq));
	EXPECT_EQ(-1, ioctl(m.v[0].fd, KVM_INTERRUPT, &irq));
	EXPECT_EQ(EEXIST, errno);
	vm_destroy(&m);
}

/*
 * The VMM's request for the interrupt window (its 8259 has an interrupt)
 * counts only while KVM_INTERRUPT could deliver through LINT0, as under
 * kvm.ko: QEMU keeps asking while its 8259's timer interrupt waits, and a
 * Linux guest runs for a long time with LINT0 masked.  At WINDOW_CODE:
 * LINT0 masked, IF set, an OUT; LINT0 unmasked, an OUT; a loop.
 */
#define WINDOW_CODE	0xb000
asm(".pushsection .rodata\n.code32\n"
"g_window:\n"
"	movl $0x1ff, 0xfee000f0\n"
"	movl $0x10700, 0xfee00350\n"
"	sti\n	nop\n"
"	out %al, $0x10\n"
"	movl $0x700, 0xfee00350\n"
"	out %al, $0x11\n"
"1:	nop\n	jmp 1b\n"
"g_window_end:\n"
".code64\n.popsection\n");
extern const char g_window[], g_window_end[];

static void window_run(struct __test_metadata *_metadata, struct vm *m,
		       uint32_t reason, int port)
{
	struct kvm_run *run = m->v[0].run;

	ASSERT_EQ(0, ioctl(m->v[0].fd, KVM_RUN, 0));
	EXPECT_EQ(reason, run->exit_reason);
	if (reason == KVM_EXIT_IO)
		EXPECT_EQ(port, run->io.port);
}

TEST(interrupt_window_needs_lint0)
{
	struct kvm_regs r;
	struct vm m;

	ASSERT_EQ(0, vm_create(&m, 1, 0));
	memcpy(mem32(&m, WINDOW_CODE), g_window, g_window_end - g_window);
	ASSERT_EQ(0, set_pmode(&m, 0, 0));
	ASSERT_EQ(0, ioctl(m.v[0].fd, KVM_GET_REGS, &r));
	r.rip = WINDOW_CODE;
	ASSERT_EQ(0, ioctl(m.v[0].fd, KVM_SET_REGS, &r));
	m.v[0].run->request_interrupt_window = 1;
	/* LINT0 masked: the guest runs on to its OUT with IF set. */
	window_run(_metadata, &m, KVM_EXIT_IO, 0x10);
	EXPECT_EQ(0, m.v[0].run->ready_for_interrupt_injection);
	m.v[0].run->request_interrupt_window = 0;
	window_run(_metadata, &m, KVM_EXIT_IO, 0x11);
	/* LINT0 takes ExtINT again: the window opens. */
	m.v[0].run->request_interrupt_window = 1;
	window_run(_metadata, &m, KVM_EXIT_IRQ_WINDOW_OPEN, 0);
	EXPECT_EQ(1, m.v[0].run->ready_for_interrupt_injection);
	vm_destroy(&m);
}

/* --- guests --- */

FIXTURE(guest) {
	struct vm m;
};

FIXTURE_VARIANT(guest) {
	int mode;
};

FIXTURE_VARIANT_ADD(guest, xapic) { .mode = 0 };
FIXTURE_VARIANT_ADD(guest, x2apic) { .mode = 1 };

FIXTURE_SETUP(guest)
{
	ASSERT_EQ(0, vm_create(&self->m, NR_VCPUS, variant->mode));
}

FIXTURE_TEARDOWN(guest)
{
	vm_destroy(&self->m);
}

/* The BSP alone runs test @test and reports on PORT_DONE. */
static void run_bsp(struct __test_metadata *_metadata, struct vm *m, int test)
{
	ASSERT_EQ(0, set_pmode(m, 0, test));
	start(m, 0);
	ASSERT_EQ(0, join(m, 0, 20));
	EXPECT_DONE(m, 0, PORT_DONE);
}

TEST_F(guest, timer_oneshot)
{
	wr32(&self->m, D_PARAM, 20000000);	/* 20 ms at kvm.ko's 1 GHz */
	run_bsp(_metadata, &self->m, T_ONESHOT);
	EXPECT_EQ(1u, rd32(&self->m, D_TICKS));
	EXPECT_EQ(0u, self->m.v[0].val);	/* TMCCT after it fired */
	EXPECT_GE(elapsed_ns(&self->m.v[0]), 20000000LL);
}

TEST_F(guest, timer_periodic)
{
	wr32(&self->m, D_PARAM, 4000000);
	run_bsp(_metadata, &self->m, T_PERIODIC);
	EXPECT_GE(self->m.v[0].val, 5u);
	EXPECT_LE(self->m.v[0].val, 6u);
	EXPECT_GE(elapsed_ns(&self->m.v[0]), 5 * 4000000LL);
}

TEST_F(guest, timer_tsc_deadline)
{
	wr32(&self->m, D_PARAM, 50000000);	/* TSC cycles */
	run_bsp(_metadata, &self->m, T_DEADLINE);
	EXPECT_EQ(1u, rd32(&self->m, D_TICKS));
	/* the MSR reads 0 once the deadline passed, and it had */
	EXPECT_EQ(0u, self->m.v[0].val);
	EXPECT_EQ(0u, rd32(&self->m, D_EARLY) >> 31);
}

TEST_F(guest, self_ipi)
{
	run_bsp(_metadata, &self->m, T_SELF);
	EXPECT_EQ(variant->mode ? 2u : 1u, self->m.v[0].val);
}

/* PPR follows TPR and holds back vectors of its class and below. */
TEST_F(guest, tpr)
{
	run_bsp(_metadata, &self->m, T_TPR);
	EXPECT_EQ(0u, rd32(&self->m, D_TPR_SEEN));
	EXPECT_EQ(0x50u, rd32(&self->m, D_TPR_PPR));
	EXPECT_EQ(1u << 3, rd32(&self->m, D_TPR_IRR));
	EXPECT_EQ(1u, self->m.v[0].val);
}

TEST_F(guest, nmi_ipi)
{
	run_bsp(_metadata, &self->m, T_NMI);
	EXPECT_EQ(1u, self->m.v[0].val);
}

/* The VMM's 8259 (KVM_INTERRUPT) reaches the guest through the BSP's LINT0. */
TEST_F(guest, extint)
{
	struct kvm_interrupt irq = { .irq = 0x43 };

	ASSERT_EQ(0, ioctl(self->m.v[0].fd, KVM_INTERRUPT, &irq));
	run_bsp(_metadata, &self->m, T_EXTINT);
	EXPECT_EQ(1u, self->m.v[0].val);
}

/*
 * The VMM's interrupt window (request_interrupt_window) opens only when a
 * KVM_INTERRUPT could go in: with the BSP's LINT0 in ExtINT mode it exits
 * as soon as IF is set, ready for injection; with LINT0 masked the 8259
 * cannot reach the CPU, so, as under kvm.ko, the request is no reason to
 * exit (the VMM would be called back in a loop it cannot end, forever
 * exiting with ready_for_interrupt_injection 0).
 */
TEST_F(guest, window_extint)
{
	self->m.v[0].run->request_interrupt_window = 1;
	ASSERT_EQ(0, set_pmode(&self->m, 0, T_WINDOW));
	start(&self->m, 0);
	ASSERT_EQ(0, join(&self->m, 0, 20));
	EXPECT_EQ((uint32_t)KVM_EXIT_IRQ_WINDOW_OPEN, self->m.v[0].reason);
	EXPECT_EQ(1, self->m.v[0].run->ready_for_interrupt_injection);
	EXPECT_EQ(1, self->m.v[0].run->if_flag);
}

TEST_F(guest, window_lint0_masked)
{
	struct kvm_lapic_state s;

	ASSERT_EQ(0, ioctl(self->m.v[0].fd, KVM_GET_LAPIC, &s));
	set_reg(&s, 0x350, 0x10700);		/* LVT0: masked ExtINT */
	ASSERT_EQ(0, ioctl(self->m.v[0].fd, KVM_SET_LAPIC, &s));
	self->m.v[0].run->request_interrupt_window = 1;
	run_bsp(_metadata, &self->m, T_WINDOW);
	EXPECT_EQ(1u, self->m.v[0].val);
	EXPECT_EQ(0, self->m.v[0].run->ready_for_interrupt_injection);
}

static void ipis(struct __test_metadata *_metadata, struct vm *m, int dest)
{
	struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };
	int i;

	wr32(m, D_DEST, dest);
	for (i = 0; i < m->nr; i++) {
		ASSERT_EQ(0, ioctl(m->v[i].fd, KVM_SET_MP_STATE, &mp));
		ASSERT_EQ(0, set_pmode(m, i, T_IPI));
	}
	for (i = 0; i < m->nr; i++)
		start(m, i);
	for (i = 0; i < m->nr; i++) {
		EXPECT_EQ(0, join(m, i, 25)) TH_LOG("vcpu %d stuck", i);
	}
	EXPECT_EQ((uint32_t)m->nr - 1, rd32(m, D_READY));
	EXPECT_DONE(m, 0, PORT_DONE);
	EXPECT_EQ((uint32_t)m->nr - 1, m->v[0].val);
	for (i = 1; i < m->nr; i++) {
		EXPECT_DONE(m, i, PORT_AP);
		EXPECT_EQ((uint32_t)i, m->v[i].val);
		/* the lowest-priority AP may take the shorthand's IPI too */
		EXPECT_GE(rd32(m, D_PONG + 4 * i), 1u);
		EXPECT_LE(rd32(m, D_PONG + 4 * i), dest == 3 ? 2u : 1u);
	}
	if (dest == 3)
		EXPECT_EQ(1u, rd32(m, D_LOWEST));
}

TEST_F_TIMEOUT(guest, ipi_physical, 120)
{
	ipis(_metadata, &self->m, 0);
}

TEST_F_TIMEOUT(guest, ipi_logical, 120)
{
	ipis(_metadata, &self->m, 1);
}

TEST_F_TIMEOUT(guest, ipi_all_but_self, 120)
{
	ipis(_metadata, &self->m, 2);
}

TEST_F_TIMEOUT(guest, ipi_lowest_priority, 120)
{
	ipis(_metadata, &self->m, 3);
}

TEST_F_TIMEOUT(guest, init_sipi, 120)
{
	struct vm *m = &self->m;
	struct kvm_mp_state mp;
	int i;

	ASSERT_EQ(0, set_pmode(m, 0, T_INITSIPI));
	for (i = 0; i < m->nr; i++)
		start(m, i);
	for (i = 0; i < m->nr; i++) {
		EXPECT_EQ(0, join(m, i, 25)) TH_LOG("vcpu %d stuck", i);
	}
	EXPECT_DONE(m, 0, PORT_DONE);
	EXPECT_EQ((uint32_t)m->nr - 1, m->v[0].val);
	for (i = 1; i < m->nr; i++) {
		EXPECT_DONE(m, i, PORT_SIPI);
		ASSERT_EQ(0, ioctl(m->v[i].fd, KVM_GET_MP_STATE, &mp));
		EXPECT_EQ((__u32)KVM_MP_STATE_RUNNABLE, mp.mp_state);
	}
}

/* schedstat's first field: ns this thread ran */
static long long run_ns(pid_t tid)
{
	char path[64];
	long long ns = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &ns) != 1)
		ns = -1;
	fclose(f);
	return ns;
}

TEST_F(guest, halt_uses_no_cpu)
{
	struct vm *m = &self->m;
	struct kvm_mp_state mp;
	long long a, b;

	ASSERT_EQ(0, set_pmode(m, 0, T_HALT));
	start(m, 0);
	usleep(300000);
	a = run_ns(m->v[0].tid);
	usleep(1000000);
	b = run_ns(m->v[0].tid);
	ASSERT_GE(a, 0);
	/* a spinning vCPU would have run most of that second */
	EXPECT_LT(b - a, 50000000LL) TH_LOG("ran %lld ns while halted", b - a);
	pthread_kill(m->v[0].th, SIGUSR1);
	EXPECT_EQ(0, join(m, 0, 10));
	EXPECT_EQ(EINTR, m->v[0].err);
	ASSERT_EQ(0, ioctl(m->v[0].fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((__u32)KVM_MP_STATE_HALTED, mp.mp_state);
	/* immediate_exit still ends KVM_RUN at once */
	m->v[0].run->immediate_exit = 1;
	EXPECT_EQ(-1, ioctl(m->v[0].fd, KVM_RUN, 0));
	EXPECT_EQ(EINTR, errno);
}

/* --- PV unhalt (KVM_FEATURE_PV_UNHALT, KVM_HC_KICK_CPU) --- */

/*
 * EAX of leaf @fn of the supported CPUID (KVM_GET_SUPPORTED_CPUID); the
 * test fails unless the leaf is there, once.
 */
static __u32 supported_eax(struct __test_metadata *_metadata, __u32 fn)
{
	static struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[100];
	} buf;
	int sys = vt_open_dev();
	unsigned int i, found = 0;
	__u32 eax = 0;

	EXPECT_GE(sys, 0);
	if (sys < 0)
		return 0;
	buf.c.nent = 100;
	EXPECT_EQ(0, ioctl(sys, KVM_GET_SUPPORTED_CPUID, &buf));
	for (i = 0; i < buf.c.nent; i++) {
		if (buf.e[i].function == fn) {
			found++;
			eax = buf.e[i].eax;
		}
	}
	EXPECT_EQ(1u, found);
	close(sys);
	return eax;
}

/* The guest's PV spinlocks need it; kvm.ko offers it to every VM. */
TEST(pv_unhalt_supported)
{
	EXPECT_NE(0u, supported_eax(_metadata, KVM_CPUID_FEATURES) &
		  (1u << FEATURE_PV_UNHALT));
}

/*
 * ARAT (CPUID 6 EAX bit 2): the APIC timer runs whatever the guest's CPU
 * does (the timer tests' guests wait for their ticks in HLT).  kvm.ko
 * reports it; without it a Linux guest keeps the PIT as its broadcast
 * clockevent and boots with PIT ticks.
 */
TEST(arat_supported)
{
	EXPECT_EQ(1u << 2, supported_eax(_metadata, 6));
}

/* vCPU @i's thread is inside KVM_RUN and asleep there. */
static void expect_blocked(struct __test_metadata *_metadata, struct vm *m,
			   int i)
{
	long long a, b;

	usleep(300000);
	a = run_ns(m->v[i].tid);
	usleep(300000);
	b = run_ns(m->v[i].tid);
	ASSERT_GE(a, 0);
	ASSERT_EQ(EBUSY, pthread_tryjoin_np(m->v[i].th, NULL))
		TH_LOG("vcpu %d left KVM_RUN: exit %u port %#x", i,
		       m->v[i].reason, m->v[i].port);
	EXPECT_LT(b - a, 50000000LL) TH_LOG("ran %lld ns while halted", b - a);
}

/* vCPU @i from the test's start, runnable. */
static void kick_prepare(struct __test_metadata *_metadata, struct vm *m,
			 int i)
{
	struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };

	ASSERT_EQ(0, ioctl(m->v[i].fd, KVM_SET_MP_STATE, &mp));
	ASSERT_EQ(0, set_pmode(m, i, T_KICK));
}

/* The BSP kicks APIC ID @dest; returns the hypercall's RAX. */
static uint32_t kick(struct __test_metadata *_metadata, struct vm *m,
		     uint32_t dest)
{
	static const uint8_t vmcall[3] = { 0x0f, 0x01, 0xc1 };
	static const uint8_t vmmcall[3] = { 0x0f, 0x01, 0xd9 };

	memcpy(mem32(m, CODE + (uint32_t)(kick_insn - guest_start)),
	       vt_host_svm() ? vmmcall : vmcall, 3);
	wr32(m, D_DEST, dest);
	kick_prepare(_metadata, m, 0);
	start(m, 0);
	EXPECT_EQ(0, join(m, 0, 20));
	EXPECT_DONE(m, 0, PORT_DONE);
	return m->v[0].val;
}

/* The AP got past its HLT, interrupts still off. */
static void expect_unhalted(struct __test_metadata *_metadata, struct vm *m)
{
	EXPECT_EQ(0, join(m, 1, 20)) TH_LOG("vcpu 1 still halted");
	EXPECT_DONE(m, 1, PORT_AP);
	EXPECT_EQ(0u, m->v[1].val & 0x200) TH_LOG("EFLAGS %#x", m->v[1].val);
}

/* A vCPU asleep in HLT with IF clear wakes on the kick, and only then. */
TEST_F_TIMEOUT(guest, pv_kick_halted, 120)
{
	struct vm *m = &self->m;

	kick_prepare(_metadata, m, 1);
	start(m, 1);
	expect_blocked(_metadata, m, 1);
	EXPECT_EQ(0u, kick(_metadata, m, 1));
	expect_unhalted(_metadata, m);
}

/*
 * A kick before the HLT makes that HLT return at once and is used up by
 * it; one that reaches a halted vCPU outside KVM_RUN shows as RUNNABLE.
 */
TEST_F_TIMEOUT(guest, pv_kick_before_halt, 120)
{
	struct vm *m = &self->m;
	struct kvm_mp_state mp;

	kick_prepare(_metadata, m, 1);
	EXPECT_EQ(0u, kick(_metadata, m, 1));
	start(m, 1);
	expect_unhalted(_metadata, m);
	start(m, 1);
	expect_blocked(_metadata, m, 1);
	pthread_kill(m->v[1].th, SIGUSR1);
	EXPECT_EQ(0, join(m, 1, 10));
	EXPECT_EQ(EINTR, m->v[1].err);
	ASSERT_EQ(0, ioctl(m->v[1].fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((__u32)KVM_MP_STATE_HALTED, mp.mp_state);
	EXPECT_EQ(0u, kick(_metadata, m, 1));
	ASSERT_EQ(0, ioctl(m->v[1].fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((__u32)KVM_MP_STATE_RUNNABLE, mp.mp_state);
	start(m, 1);
	expect_unhalted(_metadata, m);
}

/* An APIC ID nobody has: nothing happens, and kvm.ko answers 0. */
TEST_F(guest, pv_kick_bad_id)
{
	EXPECT_EQ(0u, kick(_metadata, &self->m, 50));
}

/*
 * KVM_CAP_ENFORCE_PV_FEATURE_CPUID with PV_UNHALT cleared from the
 * caller's CPUID: -KVM_ENOSYS (32 bits, as the guest runs 32-bit code).
 */
TEST_F(guest, pv_kick_enforced)
{
	static struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[100];
	} buf = { .c.nent = 100 };
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID, .args = { 1 },
	};
	struct vm *m = &self->m;
	unsigned int i;

	ASSERT_EQ(0, ioctl(m->sys, KVM_GET_SUPPORTED_CPUID, &buf));
	for (i = 0; i < buf.c.nent; i++) {
		if (buf.e[i].function == 1)
			buf.e[i].ecx |= 1u << 21 | 1u << 24;
		if (buf.e[i].function == KVM_CPUID_FEATURES)
			buf.e[i].eax &= ~(1u << FEATURE_PV_UNHALT);
	}
	ASSERT_EQ(0, ioctl(m->v[0].fd, KVM_SET_CPUID2, &buf));
	ASSERT_EQ(0, ioctl(m->v[0].fd, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ((uint32_t)-KVM_ENOSYS, kick(_metadata, m, 1));
}

/* --- PV EOI --- */

/* KVM_{GET,SET}_MSRS of one MSR: how many went through (1, or 0 for #GP). */
static int one_msr(int vcpu, unsigned long req, __u32 index, __u64 *data)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index, .e.data = *data };
	int r = ioctl(vcpu, req, &m);

	*data = m.e.data;
	return r;
}

TEST(pv_eoi_supported)
{
	EXPECT_NE(0u, supported_eax(_metadata, KVM_CPUID_FEATURES) &
		  (1u << FEATURE_PV_EOI));
}

/*
 * MSR_KVM_PV_EOI_EN as kvm.ko takes it: enabled, the address must be
 * 4-byte aligned and in writable guest memory; disabled, anything goes.
 */
TEST_F(guest, pv_eoi_msr)
{
	int fd = self->m.v[0].fd;
	__u64 v;

	v = D_PVEOI | 2 | 1;
	EXPECT_EQ(0, one_msr(fd, KVM_SET_MSRS, MSR_PV_EOI, &v));
	v = MEM_SIZE | 1;
	EXPECT_EQ(0, one_msr(fd, KVM_SET_MSRS, MSR_PV_EOI, &v));
	v = MEM_SIZE;
	EXPECT_EQ(1, one_msr(fd, KVM_SET_MSRS, MSR_PV_EOI, &v));
	v = D_PVEOI | 1;
	EXPECT_EQ(1, one_msr(fd, KVM_SET_MSRS, MSR_PV_EOI, &v));
	v = 0;
	EXPECT_EQ(1, one_msr(fd, KVM_GET_MSRS, MSR_PV_EOI, &v));
	EXPECT_EQ((__u64)(D_PVEOI | 1), v);
	/* Saved and restored with the others. */
	EXPECT_EQ(1, vt_msr_listed(self->m.sys, MSR_PV_EOI));
}

/*
 * The guest's handlers clear bit 0 of the byte in place of an EOI when it
 * is set.  The module sets it for a vector that needs no more than that
 * (the first 0x53, and 0x53 after 0x62), not while another waits in IRR
 * (0x62, whose EOI must exit to let 0x53 in); and a PV EOI frees ISR: the
 * second 0x53 gets in, and at the end nothing is in service.
 */
TEST_F(guest, pv_eoi)
{
	struct kvm_lapic_state st;
	const uint8_t *seen = mem32(&self->m, D_PVSEEN);
	unsigned int i;

	run_bsp(_metadata, &self->m, T_PVEOI);
	EXPECT_EQ(3u, self->m.v[0].val);
	EXPECT_EQ(1, seen[0]);
	EXPECT_EQ(0, seen[1]);
	EXPECT_EQ(1, seen[2]);
	EXPECT_EQ(0, *(uint8_t *)mem32(&self->m, D_PVEOI));
	ASSERT_EQ(0, ioctl(self->m.v[0].fd, KVM_GET_LAPIC, &st));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(0u, *(uint32_t *)&st.regs[0x100 + i * 0x10])
			TH_LOG("ISR word %u", i);
}

TEST_HARNESS_MAIN
