// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile guest: random sequences of privileged and unusual instructions
 * (random opcode bytes among them), port I/O to random ports and sizes,
 * MMIO, RDMSR/WRMSR of random and of host-sensitive MSRs, CR and DR
 * writes, XSETBV, INVLPG/INVPCID, VMMCALL/VMCALL and CPUID, in VMs with
 * and without an in-kernel irqchip.
 *
 * Each step is one short piece of guest code in a sandbox page of a 64-bit
 * guest whose own IDT sends every vector to a stub that reports it on a
 * port; the VMM side answers every I/O and MMIO exit generically and logs
 * the rest.  Between steps the VMM puts the guest's code, tables, registers
 * and control registers back; MSRs, the APIC and XCR0 carry over, so the
 * steps are a sequence.
 *
 * The same steps run on vireo.ko and on kvm.ko in one test VM: the program
 * swaps the modules (as coexist.c does) and gives both the same CPUID, the
 * intersection of what each supports.  Where the architecture defines a
 * step's result (#GP or not for a WRMSR, #UD for a VMX instruction, the
 * exit an OUT makes, ...) and kvm.ko's result is that one, vireo.ko must
 * give it too; every other difference between the two is logged.  Each
 * module's vCPU must keep running or exit with a reason the KVM ABI defines
 * (never a failed entry), and the harness fails the run on any kernel
 * warning.
 *
 * The seed comes from $VIREO_GUESTFUZZ_SEED, else from the clock, and is
 * printed first; $VIREO_GUESTFUZZ_STEPS sets the number of steps (default
 * 1500 per module, 150 on the Bochs VT-x platform);
 * $VIREO_GUESTFUZZ_TRACE=1 prints each step before it runs,
 * $VIREO_GUESTFUZZ_FROM=N starts at step N in a fresh VM and
 * $VIREO_GUESTFUZZ_ONLY=",N,M," runs only those steps (to corner a crash).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"
#include "vt_modules.h"

#define VIREO_KO	"/vireo/kmod/vireo.ko"

/* Guest layout: everything below IMAGE_END is put back before each step. */
#define MEM_SIZE	0x40000
#define SANDBOX		0x1000
#define STUBS		0x2000
#define COMMON		0x3000
#define IDT		0x4000
#define GDT		0x5000
#define TSS		0x5100
#define STACK		0x8000
#define IST_STACK	0xa000
#define DESC		0xb000
#define PT		0x10000		/* PML4, PDPT, four PDs: 4 GiB */
#define IMAGE_END	0x20000
#define SCRATCH		0x20000

#define PORT_DONE	0xf0
#define PORT_FAULT	0xf1
#define MAX_EXITS	32

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_NW		(1ULL << 29)
#define CR0_CD		(1ULL << 30)
#define CR0_PG		(1ULL << 31)
#define CR4_DE		(1ULL << 3)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define CR4_LA57	(1ULL << 12)
#define CR4_OSXSAVE	(1ULL << 18)
#define EFER_SCE	(1ULL << 0)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)
#define EFER_NXE	(1ULL << 11)
#define EFER_SVME	(1ULL << 12)
#define EFER_FFXSR	(1ULL << 14)
#define APIC_X2APIC	(1ULL << 10)

enum op {
	OP_RAND, OP_IN, OP_OUT, OP_MMIO, OP_RDMSR, OP_WRMSR, OP_MSRFLIP,
	OP_CRW, OP_CRR, OP_DRW, OP_XSETBV, OP_INVLPG, OP_INVPCID, OP_HCALL,
	OP_CPUID, OP_PRIV, NR_OPS,
};

static const char *const op_names[] = {
	"random-bytes", "in", "out", "mmio", "rdmsr", "wrmsr", "msr-flip",
	"mov-to-cr", "mov-from-cr", "mov-to-dr", "xsetbv", "invlpg",
	"invpcid", "hypercall", "cpuid", "insn",
};

/* How a step ended. */
enum kind {
	K_DONE, K_FAULT, K_HLT, K_SHUTDOWN, K_INTERNAL, K_TIMEOUT, K_EXITS,
	K_RUNERR, K_FAILENTRY, K_OTHER,
};

static const char *const kind_names[] = {
	"done", "fault", "hlt", "shutdown", "internal-error", "timeout",
	"too-many-exits", "run-error", "fail-entry", "other-exit",
};

struct step {
	enum op op;
	uint8_t code[48];
	unsigned int len;
	uint64_t gpr[16];	/* rax rcx rdx rbx rsp rbp rsi rdi r8-r15 */
	uint8_t desc[16];	/* memory operand at DESC */
	uint64_t in_data;	/* what IN and MMIO reads get */
	uint32_t msr;
	uint64_t val;
	unsigned int reg, size;
	bool write;
	uint64_t addr;
	char what[64];
};

struct outcome {
	uint8_t kind, vector;
	uint32_t err;		/* error code, suberror, errno or exit */
	uint64_t r[4];		/* rax rbx rcx rdx at the end */
	uint16_t nexits;	/* I/O and MMIO exits answered */
	uint8_t xreason, xdir, xsize;
	uint32_t xcount;
	uint64_t xaddr, xdata;
};

/* What the architecture (or the KVM ABI) says, when it says. */
struct expect {
	bool def;
	uint8_t kind, vector;	/* K_DONE or K_FAULT */
	bool xdef;		/* exactly one exit, this one */
	uint8_t xreason, xdir, xsize;
	uint64_t xaddr, xdata;
	bool raxdef;
	uint64_t rax;
	uint8_t chkreg;		/* 1 + index in r[]: those bits must read so */
	uint32_t chkmask, chkval;
	/*
	 * A check the CPU itself makes in guest mode (a reserved CR bit, a
	 * #UD that comes before any VM exit): vireo.ko leaves it to the CPU
	 * where kvm.ko intercepts and checks in software, and the emulators
	 * the tests run on do not make it for a nested guest (QEMU's TCG) or
	 * exit first (Bochs).
	 */
	bool cpu;
	const char *rule;
};

struct cpuid_table {
	struct kvm_cpuid2 h;
	struct kvm_cpuid_entry2 e[100];
};

static struct cpuid_table cpu;	/* what both modules give the guest */
static unsigned int maxphy;
static uint64_t xcr0_mask;
static bool on_qemu, on_bochs;

struct vm {
	int sys, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	bool irqchip;
	struct kvm_sregs base;
};

static uint8_t image[IMAGE_END];

/* --- random numbers: one stream per step, so steps do not drift --- */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rs;

static uint64_t rnd(void)
{
	rs = mix(rs);
	return rs;
}

static unsigned int rn(unsigned int n)
{
	return rnd() % n;
}

/* --- CPUID of the guest --- */

static struct kvm_cpuid_entry2 *leaf(struct cpuid_table *t, uint32_t fn,
				     uint32_t idx)
{
	unsigned int i;

	for (i = 0; i < t->h.nent; i++)
		if (t->e[i].function == fn &&
		    (!(t->e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     t->e[i].index == idx))
			return &t->e[i];
	return NULL;
}

static bool has(uint32_t fn, int reg, int bit)
{
	struct kvm_cpuid_entry2 *e = leaf(&cpu, fn, 0);
	uint32_t v;

	if (!e)
		return false;
	v = reg == 0 ? e->eax : reg == 1 ? e->ebx : reg == 2 ? e->ecx : e->edx;
	return v & (1u << bit);
}

#define EAX 0
#define EBX 1
#define ECX 2
#define EDX 3

static int supported_cpuid(const char *dev, struct cpuid_table *t)
{
	int sys = open(dev, O_RDWR | O_CLOEXEC), r;

	if (sys < 0)
		return -errno;
	memset(t, 0, sizeof(*t));
	t->h.nent = N(t->e);
	r = ioctl(sys, KVM_GET_SUPPORTED_CPUID, t);
	r = r ? -errno : 0;
	close(sys);
	return r;
}

/*
 * What both modules offer: the leaves both list, their feature bits ANDed,
 * the rest of each leaf as the first module has it (the address sizes the
 * smaller of the two).
 */
static void intersect(const struct cpuid_table *a, struct cpuid_table *b)
{
	static const struct { uint32_t fn, idx; uint8_t regs; } feat[] = {
		{ 1, 0, 0xc }, { 6, 0, 0xf }, { 7, 0, 0xe }, { 7, 1, 0xf },
		{ 0xd, 0, 0x9 }, { 0xd, 1, 0x1 }, { 0x80000001, 0, 0xc },
		{ 0x80000008, 0, 0x2 }, { 0x80000021, 0, 0x1 },
		{ 0x40000001, 0, 0x1 },
	};
	struct cpuid_table out = { 0 };
	unsigned int i, j;

	for (i = 0; i < a->h.nent; i++) {
		struct kvm_cpuid_entry2 e = a->e[i], *o = NULL;

		for (j = 0; j < b->h.nent; j++)
			if (b->e[j].function == e.function &&
			    b->e[j].index == e.index)
				o = (struct kvm_cpuid_entry2 *)&b->e[j];
		if (!o)
			continue;
		for (j = 0; j < N(feat); j++) {
			if (feat[j].fn != e.function || feat[j].idx != e.index)
				continue;
			if (feat[j].regs & 1)
				e.eax &= o->eax;
			if (feat[j].regs & 2)
				e.ebx &= o->ebx;
			if (feat[j].regs & 4)
				e.ecx &= o->ecx;
			if (feat[j].regs & 8)
				e.edx &= o->edx;
		}
		if (e.function == 0x80000008 &&
		    (o->eax & 0xff) < (e.eax & 0xff))
			e.eax = (e.eax & ~0xffu) | (o->eax & 0xff);
		out.e[out.h.nent++] = e;
	}
	*b = out;
}

static int wait_node(const char *path)
{
	struct stat st;
	int i;

	for (i = 0; i < 100 && stat(path, &st); i++)
		usleep(20000);
	return stat(path, &st) ? errno : 0;
}

/* Unload module @from, load the other one; returns 0 or an errno. */
static int swap_to(const char *to)
{
	int r;

	if (!strcmp(to, "kvm")) {
		r = vt_module_unload("vireo");
		if (!r)
			r = vt_kvm_load();
		return r ? r : wait_node("/dev/kvm");
	}
	r = vt_kvm_unload();
	if (!r)
		r = vt_module_load(VIREO_KO, "");
	return r ? r : wait_node("/dev/vireo");
}

static const char *dev_of(const char *mode)
{
	return strcmp(mode, "kvm") ? "/dev/vireo" : "/dev/kvm";
}

/* --- the guest --- */

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static bool has_err(unsigned int v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 ||
	       v == 29 || v == 30;
}

static void build_image(void)
{
	static const uint8_t common[] = {
		0x58,			/* pop rax: the vector */
		0x5a,			/* pop rdx: the error code */
		0x59,			/* pop rcx: the RIP */
		0xe7, PORT_FAULT,	/* out PORT_FAULT, eax */
		0xf4, 0xeb, 0xfd,	/* 1: hlt; jmp 1b */
	};
	static const uint64_t gdt[] = {
		0, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL,
	};
	uint64_t tss = TSS;
	unsigned int v, i;

	memset(image, 0, sizeof(image));
	for (v = 0; v < 256; v++) {
		uint8_t *s = image + STUBS + v * 16;
		uint32_t rel;
		uint64_t off = STUBS + v * 16;

		i = 0;
		if (!has_err(v)) {
			s[i++] = 0x6a;		/* push 0 */
			s[i++] = 0;
		}
		s[i++] = 0x68;			/* push imm32: the vector */
		memcpy(s + i, &v, 4);
		i += 4;
		s[i++] = 0xe9;			/* jmp COMMON */
		rel = COMMON - (off + i + 4);
		memcpy(s + i, &rel, 4);
		/* interrupt gate, IST1, DPL 0 */
		put64(image + IDT + v * 16, (off & 0xffff) | 8ULL << 16 |
		      1ULL << 32 | 0x8eULL << 40 | ((off >> 16) & 0xffff) << 48);
		put64(image + IDT + v * 16 + 8, off >> 32);
	}
	memcpy(image + COMMON, common, sizeof(common));
	memcpy(image + GDT, gdt, sizeof(gdt));
	/* 64-bit TSS descriptor at 0x18, available */
	put64(image + GDT + 0x18, 0x67 | (tss & 0xffffff) << 16 |
	      0x89ULL << 40 | ((tss >> 24) & 0xff) << 56);
	put64(image + GDT + 0x20, tss >> 32);
	put64(image + TSS + 4, STACK);			/* RSP0 */
	put64(image + TSS + 0x24, IST_STACK);		/* IST1 */
	/* identity map of the first 4 GiB, 2 MiB pages */
	put64(image + PT, (PT + 0x1000) | 3);
	for (i = 0; i < 4; i++)
		put64(image + PT + 0x1000 + i * 8, (PT + 0x2000 + i * 0x1000) | 3);
	for (i = 0; i < 2048; i++)
		put64(image + PT + 0x2000 + i * 8, ((uint64_t)i << 21) | 0x83);
}

static uint64_t base_cr4(void)
{
	uint64_t cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;

	if (has(1, ECX, 26))
		cr4 |= CR4_OSXSAVE;
	return cr4;
}

static void vm_destroy(struct vm *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->mem)
		munmap(v->mem, MEM_SIZE);
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->vm >= 0)
		close(v->vm);
	if (v->sys >= 0)
		close(v->sys);
	memset(v, 0, sizeof(*v));
	v->sys = v->vm = v->vcpu = -1;
}

/* A VM with the guest above; returns 0 or -errno (with what failed). */
static int vm_create(struct vm *v, const char *dev, bool irqchip,
		     const char **what)
{
	struct kvm_userspace_memory_region mr = { 0 };
	struct kvm_segment cs = {
		.limit = 0xffffffff, .selector = 8, .type = 11, .present = 1,
		.s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment ds = {
		.limit = 0xffffffff, .selector = 16, .type = 3, .present = 1,
		.s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment tr = {
		.base = TSS, .limit = 0x67, .selector = 0x18, .type = 11,
		.present = 1,
	};
	struct kvm_sregs *s = &v->base;
	int r;

	memset(v, 0, sizeof(*v));
	v->sys = v->vm = v->vcpu = -1;
	v->irqchip = irqchip;
#define TRY(cond, w) do { if (!(cond)) { *what = w; goto err; } } while (0)
	v->sys = open(dev, O_RDWR | O_CLOEXEC);
	TRY(v->sys >= 0, "open");
	v->vm = ioctl(v->sys, KVM_CREATE_VM, 0);
	TRY(v->vm >= 0, "KVM_CREATE_VM");
	if (irqchip)
		TRY(!ioctl(v->vm, KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP");
	v->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED)
		v->mem = NULL;
	TRY(v->mem, "mmap");
	mr.memory_size = MEM_SIZE;
	mr.userspace_addr = (uintptr_t)v->mem;
	TRY(!ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &mr),
	    "KVM_SET_USER_MEMORY_REGION");
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	TRY(v->vcpu >= 0, "KVM_CREATE_VCPU");
	r = ioctl(v->sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	TRY(r > 0, "KVM_GET_VCPU_MMAP_SIZE");
	v->run_size = r;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu, 0);
	if (v->run == MAP_FAILED)
		v->run = NULL;
	TRY(v->run, "mmap kvm_run");
	TRY(!ioctl(v->vcpu, KVM_SET_CPUID2, &cpu), "KVM_SET_CPUID2");
	TRY(!ioctl(v->vcpu, KVM_GET_SREGS, s), "KVM_GET_SREGS");
	s->cs = cs;
	s->ds = s->es = s->fs = s->gs = s->ss = ds;
	s->tr = tr;
	s->ldt.unusable = 1;
	s->ldt.selector = 0;
	s->gdt.base = GDT;
	s->gdt.limit = 0x27;
	s->idt.base = IDT;
	s->idt.limit = 0xfff;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = PT;
	s->cr4 = base_cr4();
	s->efer = EFER_SCE | EFER_LME | EFER_LMA;
	TRY(!ioctl(v->vcpu, KVM_SET_SREGS, s), "KVM_SET_SREGS");
	return 0;
#undef TRY
err:
	r = errno ? -errno : -EIO;
	vm_destroy(v);
	return r;
}

/* --- step generation --- */

static void emit(struct step *s, const uint8_t *b, unsigned int n)
{
	memcpy(s->code + s->len, b, n);
	s->len += n;
}

#define EMIT(s, ...) do { \
	static const uint8_t _b[] = { __VA_ARGS__ }; \
	emit(s, _b, sizeof(_b)); \
} while (0)

static uint64_t canon48(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16);
}

/* Values worth writing to a register or MSR. */
static uint64_t any_value(void)
{
	switch (rn(10)) {
	case 0:
		return 0;
	case 1:
		return rnd();
	case 2:
		return canon48(rnd());
	case 3:
		return canon48(rnd()) ^ (1ULL << (47 + rn(17)));
	case 4:
		return (uint32_t)rnd();
	case 5:
		return 1ULL << rn(64);
	case 6:
		return ~0ULL;
	case 7:
		return (SCRATCH + rn(0x1000) * 8) | rn(2);
	case 8:
		return rnd() & 0x0707070707070707ULL;
	default:
		return rnd() & 0xfff;
	}
}

static const uint32_t msrs[] = {
	0x10, 0x1b, 0x3a, 0x3b, 0x48, 0x49, 0x8b, 0x9e, 0x10a, 0x10b, 0x122,
	0x140, 0x174, 0x175, 0x176, 0x179, 0x17a, 0x17b, 0x186, 0x1a0, 0x1d9,
	0x1db, 0x1dd, 0x200, 0x201, 0x20f, 0x250, 0x258, 0x259, 0x268, 0x26f,
	0x277, 0x2ff, 0xfe, 0x345, 0x38f, 0x400, 0x401, 0x402, 0x403, 0x480,
	0x600, 0x6a0, 0x6a2, 0x6e0, 0x6e1, 0xd90, 0xda0, 0xe1, 0x1c4,
	0x800, 0x802, 0x803, 0x808, 0x80a, 0x80b, 0x80d, 0x80e, 0x80f, 0x810,
	0x828, 0x830, 0x831, 0x832, 0x835, 0x837, 0x838, 0x839, 0x83e, 0x83f,
	0x8ff, 0x11, 0x12, 0x4b564d00, 0x4b564d01, 0x4b564d02, 0x4b564d03,
	0x4b564d04, 0x4b564d05, 0x4b564d06, 0x4b564d07, 0x40000000,
	0x40000001, 0x40000070, 0xc0000080, 0xc0000081, 0xc0000082,
	0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102,
	0xc0000103, 0xc0000104, 0xc0010000, 0xc0010004, 0xc0010010,
	0xc0010015, 0xc0010055, 0xc0010114, 0xc0010117, 0xc001011f,
	0xc0010140, 0xc0010200, 0xc0011020, 0xc0011029, 0xc0001000,
	0xffffffff,
};

/* The host-sensitive ones, and those with architectural rules. */
static const uint32_t hot_msrs[] = {
	0x10, 0x1b, 0x48, 0x49, 0x10b, 0x174, 0x175, 0x176, 0x1d9, 0x277,
	0x2ff, 0xfe, 0x802, 0x808, 0x830, 0x4b564d01, 0x4b564d00, 0xc0000080,
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100,
	0xc0000101, 0xc0000102, 0xc0000103,
};

static uint32_t any_msr(void)
{
	if (rn(2))
		return hot_msrs[rn(N(hot_msrs))];
	switch (rn(8)) {
	case 0:
		return rnd();
	case 1:
		return rn(0x2000);
	case 2:
		return 0xc0000000 + rn(0x2000);
	case 3:
		return 0xc0010000 + rn(0x2000);
	case 4:
		return 0x800 + rn(0x100);
	default:
		return msrs[rn(N(msrs))];
	}
}

static const uint16_t ports[] = {
	0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61,
	0x70, 0x71, 0x80, 0x92, 0x3f8, 0x3fd, 0xcf8, 0xcfc, 0xcfe, 0x510,
	0x511, 0x604, 0xb000, 0xb004, 0x402, 0xe9, 0x0, 0xffff, 0xfffe,
};

static uint64_t any_mmio(void)
{
	switch (rn(6)) {
	case 0:
		return 0xfee00000 + rn(0x100) * 0x10;
	case 1:
		return 0xfec00000 + rn(0x10) * 0x10;
	case 2:
		return 0xfed00000 + rn(0x100) * 8;
	case 3:
		return MEM_SIZE + rn(0x1000) * 8;
	default:
		return MEM_SIZE + (rnd() % (0x100000000ULL - MEM_SIZE));
	}
}

struct insn {
	const char *name;
	uint8_t b[12];
	uint8_t len;
};

static const struct insn insns[] = {
	{ "hlt", { 0xf4 }, 1 },
	{ "rdtsc", { 0x0f, 0x31 }, 2 },
	{ "rdtscp", { 0x0f, 0x01, 0xf9 }, 3 },
	{ "rdpid", { 0xf3, 0x0f, 0xc7, 0xf8 }, 4 },
	{ "rdpmc", { 0x0f, 0x33 }, 2 },
	{ "ud2", { 0x0f, 0x0b }, 2 },
	{ "into", { 0xce }, 1 },
	{ "rsm", { 0x0f, 0xaa }, 2 },
	{ "int3", { 0xcc }, 1 },
	{ "int1", { 0xf1 }, 1 },
	{ "int 0x80", { 0xcd, 0x80 }, 2 },
	{ "syscall", { 0x0f, 0x05 }, 2 },
	{ "sysenter", { 0x0f, 0x34 }, 2 },
	{ "swapgs", { 0x0f, 0x01, 0xf8 }, 3 },
	{ "vmrun", { 0x0f, 0x01, 0xd8 }, 3 },
	{ "vmload", { 0x0f, 0x01, 0xda }, 3 },
	{ "vmsave", { 0x0f, 0x01, 0xdb }, 3 },
	{ "stgi", { 0x0f, 0x01, 0xdc }, 3 },
	{ "clgi", { 0x0f, 0x01, 0xdd }, 3 },
	{ "skinit", { 0x0f, 0x01, 0xde }, 3 },
	{ "invlpga", { 0x0f, 0x01, 0xdf }, 3 },
	{ "vmlaunch", { 0x0f, 0x01, 0xc2 }, 3 },
	{ "vmresume", { 0x0f, 0x01, 0xc3 }, 3 },
	{ "vmxoff", { 0x0f, 0x01, 0xc4 }, 3 },
	{ "vmxon", { 0xf3, 0x0f, 0xc7, 0x33 }, 4 },
	{ "vmptrld", { 0x0f, 0xc7, 0x33 }, 3 },
	{ "vmclear", { 0x66, 0x0f, 0xc7, 0x33 }, 4 },
	{ "vmptrst", { 0x0f, 0xc7, 0x3b }, 3 },
	{ "vmread", { 0x0f, 0x78, 0xc3 }, 3 },
	{ "vmwrite", { 0x0f, 0x79, 0xc3 }, 3 },
	{ "invept", { 0x66, 0x0f, 0x38, 0x80, 0x03 }, 5 },
	{ "invvpid", { 0x66, 0x0f, 0x38, 0x81, 0x03 }, 5 },
	{ "monitor", { 0x0f, 0x01, 0xc8 }, 3 },
	{ "mwait", { 0x0f, 0x01, 0xc9 }, 3 },
	{ "monitorx", { 0x0f, 0x01, 0xfa }, 3 },
	{ "mwaitx", { 0x0f, 0x01, 0xfb }, 3 },
	{ "invd", { 0x0f, 0x08 }, 2 },
	{ "wbinvd", { 0x0f, 0x09 }, 2 },
	{ "wbnoinvd", { 0xf3, 0x0f, 0x09 }, 3 },
	{ "cs cpuid", { 0x2e, 0x0f, 0xa2 }, 3 },
	{ "rex.w wbinvd", { 0x48, 0x0f, 0x09 }, 3 },
	{ "ds rdmsr (TSC)", { 0xb9, 0x10, 0x00, 0x00, 0x00, 0x3e, 0x0f, 0x32 },
	  8 },
	{ "clts", { 0x0f, 0x06 }, 2 },
	{ "lmsw ax", { 0x0f, 0x01, 0xf0 }, 3 },
	{ "smsw eax", { 0x0f, 0x01, 0xe0 }, 3 },
	{ "sgdt [rbx]", { 0x0f, 0x01, 0x03 }, 3 },
	{ "sidt [rbx]", { 0x0f, 0x01, 0x0b }, 3 },
	{ "sldt eax", { 0x0f, 0x00, 0xc0 }, 3 },
	{ "str eax", { 0x0f, 0x00, 0xc8 }, 3 },
	{ "lgdt [rbx]", { 0x0f, 0x01, 0x13 }, 3 },
	{ "lidt [rbx]", { 0x0f, 0x01, 0x1b }, 3 },
	{ "lldt ax", { 0x0f, 0x00, 0xd0 }, 3 },
	{ "ltr ax", { 0x0f, 0x00, 0xd8 }, 3 },
	{ "sti; hlt", { 0xfb, 0xf4 }, 2 },
	{ "xsave [rbx]", { 0x0f, 0xae, 0x23 }, 3 },
	{ "xrstor [rbx]", { 0x0f, 0xae, 0x2b }, 3 },
	{ "fxrstor [rbx]", { 0x0f, 0xae, 0x0b }, 3 },
	{ "ldmxcsr [rbx]", { 0x0f, 0xae, 0x13 }, 3 },
	{ "xgetbv", { 0x0f, 0x01, 0xd0 }, 3 },
	{ "rdfsbase rax", { 0xf3, 0x48, 0x0f, 0xae, 0xc0 }, 5 },
	{ "rdpkru", { 0x0f, 0x01, 0xee }, 3 },
	{ "wrpkru", { 0x0f, 0x01, 0xef }, 3 },
	{ "clflush [rbx]", { 0x0f, 0xae, 0x3b }, 3 },
	{ "clzero", { 0x0f, 0x01, 0xfc }, 3 },
	{ "rdrand eax", { 0x0f, 0xc7, 0xf0 }, 3 },
	{ "rdseed eax", { 0x0f, 0xc7, 0xf8 }, 3 },
	{ "tpause eax", { 0x66, 0x0f, 0xae, 0xf0 }, 4 },
	{ "encls", { 0x0f, 0x01, 0xcf }, 3 },
	{ "getsec", { 0x0f, 0x37 }, 2 },
	{ "invlpgb", { 0x0f, 0x01, 0xfe }, 3 },
	{ "tlbsync", { 0x0f, 0x01, 0xff }, 3 },
	{ "pconfig", { 0x0f, 0x01, 0xc5 }, 3 },
	{ "serialize", { 0x0f, 0x01, 0xe8 }, 3 },
	{ "pause", { 0xf3, 0x90 }, 2 },
	{ "lar eax, ax", { 0x0f, 0x02, 0xc0 }, 3 },
	{ "verw ax", { 0x0f, 0x00, 0xe8 }, 3 },
	{ "xtest", { 0x0f, 0x01, 0xd6 }, 3 },
	{ "rdpru", { 0x0f, 0x01, 0xfd }, 3 },
	{ "aaa", { 0x37 }, 1 },
	{ "push cs", { 0x0e }, 1 },
	{ "lock nop", { 0xf0, 0x90 }, 2 },
	{ "div rcx (0)", { 0x31, 0xc9, 0x48, 0xf7, 0xf1 }, 5 },
	{ "mov rax, [non-canonical]", { 0x48, 0x8b, 0x01 }, 3 },
	{ "mov rax, [5 GiB]", { 0x48, 0x8b, 0x02 }, 3 },
	{ "mov ds, 0x3b", { 0x8e, 0xde }, 2 },
	{ "push (non-canonical rsp)", { 0x48, 0x89, 0xcc, 0x50 }, 4 },
	{ "pushf; tf; popf; nop", { 0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01,
				    0x00, 0x00, 0x9d, 0x90 }, 11 },
	{ "cr0.ts; fld1", { 0x0f, 0x20, 0xc0, 0x48, 0x83, 0xc8, 0x08, 0x0f,
			    0x22, 0xc0, 0xd9, 0xe8 }, 12 },
};

static const uint8_t rand_heads[][4] = {
	{ 1, 0x0f }, { 2, 0x0f, 0x01 }, { 2, 0x0f, 0x00 }, { 2, 0x0f, 0xc7 },
	{ 2, 0x0f, 0x38 }, { 2, 0x0f, 0x3a }, { 2, 0x0f, 0xae },
	{ 2, 0x0f, 0x20 }, { 2, 0x0f, 0x22 }, { 2, 0x0f, 0x21 },
	{ 2, 0xf3, 0x0f }, { 2, 0x66, 0x0f }, { 1, 0xc4 }, { 1, 0xc5 },
	{ 1, 0x8f }, { 1, 0x62 }, { 1, 0xcd }, { 1, 0xe4 }, { 1, 0xe5 },
	{ 1, 0xec }, { 1, 0xed }, { 1, 0xee }, { 1, 0xef }, { 1, 0x6c },
	{ 2, 0xf3, 0x6e }, { 1, 0xcf }, { 2, 0x48, 0xcf }, { 1, 0x9d },
	{ 2, 0x0f, 0x30 }, { 2, 0x0f, 0x32 }, { 1, 0xf0 }, { 1, 0x8e },
	{ 1, 0xff }, { 1, 0xea }, { 1, 0x9a }, { 2, 0x0f, 0xff },
	{ 2, 0x0f, 0xb9 }, { 3, 0x66, 0x0f, 0x38 },
};

/*
 * Byte sequences that crash QEMU 7.2's TCG itself, whoever runs them, so
 * the QEMU platforms leave them out:
 * - MOV to a debug register: QEMU keeps a nested guest's armed breakpoint
 *   after the exit and crashes at the host's next DR7 write
 *   (tests/vm/hostile.c); DR7 is also written without its enable bits;
 * - the 0F 38 and 0F 3A opcode maps, also through a VEX prefix: QEMU
 *   segfaulted on 0F 38 0C 09 (seed 0x18eeb7079a68ba4a, under kvm.ko);
 * - LTR (0F 00 /3): given a null selector, QEMU empties TR where the
 *   architecture raises #GP, and the guest's next exception, through the
 *   IST, aborts QEMU ("qemu: fatal: invalid tss"; seed 0x18eec50a6753da8b
 *   step 379, 0F 00 1C E2, on either module).
 */
static bool qemu_crashes_on(const uint8_t *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i + 1 < n; i++) {
		if (b[i] == 0x0f && (b[i + 1] == 0x23 || b[i + 1] == 0x38 ||
				     b[i + 1] == 0x3a))
			return true;
		if (b[i] == 0x0f && b[i + 1] == 0x00 && i + 2 < n &&
		    (b[i + 2] >> 3 & 7) == 3)
			return true;
		if (b[i] == 0xc4 && ((b[i + 1] & 0x1f) == 2 ||
				     (b[i + 1] & 0x1f) == 3))
			return true;
	}
	return false;
}

static void gen_step(struct step *s, uint64_t seed, uint64_t i)
{
	unsigned int k, n;
	uint8_t *b;

	memset(s, 0, sizeof(*s));
	rs = seed ^ mix(i);
	for (k = 0; k < 16; k++)
		s->gpr[k] = SCRATCH + 0x1000 + k * 0x100;
	s->gpr[4] = STACK;
	s->in_data = rnd();
	for (k = 0; k < 16; k++)
		s->desc[k] = rnd();
	s->op = rn(100) < 12 ? OP_RAND : rn(NR_OPS);
	switch (s->op) {
	case OP_RAND:
		do {
			s->len = 0;
			if (rn(2)) {
				const uint8_t *h = rand_heads[rn(N(rand_heads))];

				emit(s, h + 1, h[0]);
			}
			n = 1 + rn(15 - s->len);
			b = s->code + s->len;
			for (k = 0; k < n; k++)
				b[k] = rnd();
			s->len += n;
		} while (on_qemu && qemu_crashes_on(s->code, s->len));
		for (k = 0; k < s->len; k++)
			sprintf(s->what + 2 * k, "%02x", s->code[k]);
		break;
	case OP_IN:
	case OP_OUT:
		s->reg = rn(8) ? ports[rn(N(ports))] : rnd() & 0xffff;
		if (s->reg == PORT_DONE || s->reg == PORT_FAULT)
			s->reg = 0x80;
		s->size = 1 << rn(3);
		s->gpr[0] = rnd();
		s->gpr[2] = s->reg;
		if (s->size == 2)
			EMIT(s, 0x66);
		if (s->reg < 0x100 && rn(2)) {
			uint8_t op = (s->op == OP_IN ? 0xe4 : 0xe6) |
				     (s->size > 1);

			emit(s, &op, 1);
			emit(s, (uint8_t *)&s->reg, 1);
		} else {
			uint8_t op = (s->op == OP_IN ? 0xec : 0xee) |
				     (s->size > 1);

			emit(s, &op, 1);
		}
		sprintf(s->what, "%s %#x, size %u", op_names[s->op], s->reg,
			s->size);
		break;
	case OP_MMIO:
		s->size = 1 << rn(4);
		s->write = rn(2);
		s->addr = any_mmio();
		if (rn(4) == 0)
			s->addr += rn(8);
		s->gpr[3] = s->addr;
		s->gpr[0] = rnd();
		if (s->size == 2)
			EMIT(s, 0x66);
		if (s->size == 8)
			EMIT(s, 0x48);
		{
			uint8_t op[2] = { 0x88, 0x03 };

			op[0] |= (s->size > 1) | (s->write ? 0 : 2);
			emit(s, op, 2);
		}
		sprintf(s->what, "mmio %s %#" PRIx64 ", size %u",
			s->write ? "write" : "read", s->addr, s->size);
		break;
	case OP_RDMSR:
	case OP_WRMSR:
	case OP_MSRFLIP:
		s->msr = any_msr();
		s->gpr[1] = s->msr;
		if (s->op == OP_RDMSR) {
			EMIT(s, 0x0f, 0x32);
			sprintf(s->what, "rdmsr %#x", s->msr);
			break;
		}
		if (s->op == OP_MSRFLIP) {
			/* rdmsr; xor eax, r8d; xor edx, r9d; wrmsr */
			s->val = 1ULL << rn(64);
			if (rn(4) == 0)
				s->val |= 1ULL << rn(64);
			s->gpr[8] = (uint32_t)s->val;
			s->gpr[9] = s->val >> 32;
			EMIT(s, 0x0f, 0x32, 0x44, 0x31, 0xc0, 0x44, 0x31, 0xca,
			     0x0f, 0x30);
			sprintf(s->what, "msr %#x ^= %#" PRIx64, s->msr, s->val);
			break;
		}
		s->val = any_value();
		if (s->msr == 0x277 && rn(2))
			s->val = rnd() & 0x0707070707070707ULL;
		s->gpr[0] = (uint32_t)s->val;
		s->gpr[2] = s->val >> 32;
		EMIT(s, 0x0f, 0x30);
		sprintf(s->what, "wrmsr %#x, %#" PRIx64, s->msr, s->val);
		break;
	case OP_CRW:
	case OP_CRR:
		k = rn(8) ? (const unsigned int[]){ 0, 2, 3, 4, 8 }[rn(5)] :
			    rn(16);
		s->reg = k;
		if (k >= 8)
			EMIT(s, 0x44);
		{
			uint8_t op[3] = { 0x0f, s->op == OP_CRW ? 0x22 : 0x20,
					  0xc0 | (k & 7) << 3 };

			emit(s, op, 3);
		}
		if (s->op == OP_CRR) {
			sprintf(s->what, "mov rax, cr%u", k);
			break;
		}
		switch (k) {
		case 0:
			s->val = rn(2) ? (CR0_PE | CR0_MP | CR0_ET | CR0_NE |
					  CR0_WP | CR0_PG) ^ (1ULL << rn(64)) :
					 any_value();
			break;
		case 3:
			s->val = rn(2) ? PT | (rnd() & 0x18) :
				 PT | 1ULL << (40 + rn(24));
			break;
		case 4:
			s->val = rn(3) ? base_cr4() ^ (1ULL << rn(32)) :
				 any_value();
			break;
		case 8:
			s->val = rn(2) ? rn(16) : any_value();
			break;
		default:
			s->val = any_value();
		}
		s->gpr[0] = s->val;
		sprintf(s->what, "mov cr%u, %#" PRIx64, k, s->val);
		break;
	case OP_DRW:
		k = rn(8) ? rn(8) : 8 + rn(8);
		s->reg = k;
		s->val = any_value();
		if (k == 7 || k == 5)
			s->val = rn(2) ? s->val : 0x400 | (rnd() & 0xffff0000);
		if (on_qemu && (k == 7 || k == 5))
			s->val &= ~0xffULL;
		s->gpr[0] = s->val;
		if (k >= 8)
			EMIT(s, 0x44);
		{
			uint8_t op[3] = { 0x0f, 0x23, 0xc0 | (k & 7) << 3 };

			emit(s, op, 3);
		}
		sprintf(s->what, "mov dr%u, %#" PRIx64, k, s->val);
		break;
	case OP_XSETBV:
		s->reg = rn(8) ? 0 : rnd();
		switch (rn(5)) {
		case 0:
			s->val = any_value();
			break;
		case 1:
			s->val = xcr0_mask;
			break;
		case 2:
			s->val = (rnd() & xcr0_mask) | 1;
			break;
		default:
			s->val = xcr0_mask ^ (1ULL << rn(20));
		}
		s->gpr[0] = (uint32_t)s->val;
		s->gpr[1] = s->reg;
		s->gpr[2] = s->val >> 32;
		EMIT(s, 0x0f, 0x01, 0xd1);
		sprintf(s->what, "xsetbv %#x, %#" PRIx64, s->reg, s->val);
		break;
	case OP_INVLPG:
		s->addr = any_value();
		s->gpr[3] = s->addr;
		EMIT(s, 0x0f, 0x01, 0x3b);
		sprintf(s->what, "invlpg [%#" PRIx64 "]", s->addr);
		break;
	case OP_INVPCID:
		s->val = rn(4) ? rn(4) : rn(8) + (rn(2) ? 0 : rnd());
		if (rn(2)) {
			memset(s->desc, 0, 16);
			s->desc[0] = rn(2) ? 0 : rnd() & 0xff;
			put64(s->desc + 8, any_value());
		}
		s->gpr[0] = s->val;
		s->gpr[3] = DESC;
		EMIT(s, 0x66, 0x0f, 0x38, 0x82, 0x03);
		sprintf(s->what, "invpcid %#" PRIx64, s->val);
		break;
	case OP_HCALL:
		s->gpr[0] = rn(2) ? rn(13) : rn(2) ? rnd() : (uint32_t)rnd();
		s->gpr[3] = any_value();
		s->gpr[1] = any_value();
		s->gpr[2] = any_value();
		s->gpr[6] = any_value();
		if (rn(2))
			EMIT(s, 0x0f, 0x01, 0xd9);
		else
			EMIT(s, 0x0f, 0x01, 0xc1);
		sprintf(s->what, "%s %#" PRIx64,
			s->code[2] == 0xd9 ? "vmmcall" : "vmcall", s->gpr[0]);
		break;
	case OP_CPUID:
		switch (rn(4)) {
		case 0:
			s->gpr[0] = rn(0x24);
			break;
		case 1:
			s->gpr[0] = 0x80000000 + rn(0x24);
			break;
		case 2:
			s->gpr[0] = 0x40000000 + rn(0x10);
			break;
		default:
			s->gpr[0] = (uint32_t)rnd();
		}
		s->gpr[1] = rn(2) ? rn(4) : (uint32_t)rnd();
		EMIT(s, 0x0f, 0xa2);
		sprintf(s->what, "cpuid %#" PRIx64 ".%#" PRIx64,
			s->gpr[0], s->gpr[1]);
		break;
	case OP_PRIV:
	default:
		k = rn(N(insns));
		s->reg = k;
		emit(s, insns[k].b, insns[k].len);
		s->gpr[0] = rn(2) ? any_value() : (uint32_t)rnd();
		s->gpr[1] = rn(2) ? rn(8) : any_value();
		s->gpr[2] = rn(2) ? 0 : any_value();
		if (!strcmp(insns[k].name, "mov rax, [non-canonical]"))
			s->gpr[1] = 0x8000000000000000ULL | rnd();
		if (!strcmp(insns[k].name, "mov rax, [5 GiB]"))
			s->gpr[2] = 0x140000000ULL + rn(0x1000);
		if (!strcmp(insns[k].name, "push (non-canonical rsp)"))
			s->gpr[1] = 0x8000000000001000ULL;
		if (!strcmp(insns[k].name, "mov ds, 0x3b"))
			s->gpr[6] = 0x3b;
		if (!strcmp(insns[k].name, "xgetbv") && rn(2))
			s->gpr[1] = 0;
		snprintf(s->what, sizeof(s->what), "%s", insns[k].name);
		break;
	}
	/* The sandbox's end: report RAX on the done port. */
	if (s->op == OP_RAND)
		for (k = 0; k < 16; k++)
			EMIT(s, 0x90);
	EMIT(s, 0xe7, PORT_DONE, 0xf4, 0xeb, 0xfd);
}

/* --- the architecture's answer, from the vCPU's state before the step --- */

static bool canonical(uint64_t v, unsigned int bits)
{
	return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits)) == v;
}

static void want_fault(struct expect *e, uint8_t v, const char *rule)
{
	e->def = true;
	e->kind = K_FAULT;
	e->vector = v;
	e->rule = rule;
}

static void want_none(struct expect *e, const char *rule)
{
	e->def = true;
	e->kind = K_DONE;
	e->rule = rule;
}

static bool pat_valid(uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		uint8_t t = v >> (i * 8);

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static bool mtrr_type_ok(unsigned int t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

static bool spec_ctrl_cpuid(void)
{
	return has(7, EDX, 26) || has(7, EDX, 27) || has(7, EDX, 31) ||
	       has(0x80000008, EBX, 14) || has(0x80000008, EBX, 15) ||
	       has(0x80000008, EBX, 24) || has(0x80000008, EBX, 25);
}

static void expect_rdmsr(struct expect *e, uint32_t m, uint64_t apic_base)
{
	if (m >= 0x800 && m <= 0x8ff && !(apic_base & APIC_X2APIC))
		return want_fault(e, 13, "x2APIC MSRs are #GP outside x2APIC mode");
	switch (m) {
	case 0x10: case 0x1b: case 0x174: case 0x175: case 0x176:
	case 0x277: case 0xc0000080: case 0xc0000081: case 0xc0000082:
	case 0xc0000083: case 0xc0000084: case 0xc0000100: case 0xc0000101:
	case 0xc0000102:
		return want_none(e, "an architectural MSR reads");
	case 0x48:
		if (!spec_ctrl_cpuid())
			want_fault(e, 13, "SPEC_CTRL without CPUID is #GP");
		return;
	case 0x49:
	case 0x10b:
		return want_fault(e, 13, "a command MSR is write-only");
	case 0xfe:
	case 0x2ff:
		if (has(1, EDX, 12))
			want_none(e, "MTRRs read with CPUID.MTRR");
		return;
	case 0xc0000103:
		if (!has(0x80000001, EDX, 27) && !has(7, ECX, 22))
			want_fault(e, 13, "TSC_AUX without RDTSCP/RDPID is #GP");
		return;
	}
}

static void expect_wrmsr(struct expect *e, uint32_t m, uint64_t v,
			 uint64_t apic_base, uint64_t efer)
{
	uint64_t rsvd;

	if (m >= 0x800 && m <= 0x8ff && !(apic_base & APIC_X2APIC))
		return want_fault(e, 13, "x2APIC MSRs are #GP outside x2APIC mode");
	switch (m) {
	case 0xc0000082: case 0xc0000083: case 0xc0000100: case 0xc0000101:
	case 0xc0000102:
		if (canonical(v, 48))
			return want_none(e, "a canonical base or entry point is taken");
		if (!canonical(v, 57))
			return want_fault(e, 13, "a non-canonical base or entry point is #GP");
		return;
	case 0x277:
		if (pat_valid(v))
			return want_none(e, "a valid PAT is taken");
		return want_fault(e, 13, "an undefined PAT memory type is #GP");
	case 0x10:
		return want_none(e, "any TSC value is taken");
	case 0xc0000081:
		return want_none(e, "any STAR value is taken");
	case 0xc0000080:
		/* SCE, LME, LMA, NXE, SVME, LMSLE, FFXSR, TCE, 17, 18, 20, 21 */
		rsvd = ~0x376f01ULL;
		if (v & rsvd)
			return want_fault(e, 13, "EFER's reserved bits are #GP");
		if ((v ^ efer) & EFER_LME)
			return want_fault(e, 13, "EFER.LME cannot change with paging on");
		if ((v & EFER_SVME) && !has(0x80000001, ECX, 2))
			return want_fault(e, 13, "EFER.SVME without CPUID.SVM is #GP");
		if ((v & EFER_NXE) && !has(0x80000001, EDX, 20))
			return want_fault(e, 13, "EFER.NXE without CPUID.NX is #GP");
		if ((v & EFER_FFXSR) && !has(0x80000001, EDX, 25))
			return want_fault(e, 13, "EFER.FFXSR without CPUID is #GP");
		if (!(v & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)))
			return want_none(e, "EFER.SCE/NXE are writable");
		return;
	case 0x1b:
		rsvd = 0x2ff | ~((1ULL << maxphy) - 1);
		if (v & rsvd)
			return want_fault(e, 13, "APIC_BASE's reserved bits are #GP");
		if ((v & APIC_X2APIC) && !has(1, ECX, 21))
			return want_fault(e, 13, "x2APIC mode without CPUID is #GP");
		return;
	case 0x48:
		if (!spec_ctrl_cpuid())
			want_fault(e, 13, "SPEC_CTRL without CPUID is #GP");
		return;
	case 0x49:
		if (!has(7, EDX, 26) && !has(0x80000008, EBX, 12))
			want_fault(e, 13, "PRED_CMD without CPUID.IBPB is #GP");
		return;
	case 0x10b:
		if (!has(7, EDX, 28))
			want_fault(e, 13, "FLUSH_CMD without CPUID.L1D_FLUSH is #GP");
		return;
	case 0xfe:
		return want_fault(e, 13, "MTRRcap is read-only");
	case 0x2ff:
		if (!has(1, EDX, 12))
			return;
		if ((v & ~0xcffULL) || !mtrr_type_ok(v & 0xff))
			return want_fault(e, 13, "a bad MTRRdefType is #GP");
		return want_none(e, "a valid MTRRdefType is taken");
	case 0xc0000103:
		if (!has(0x80000001, EDX, 27) && !has(7, ECX, 22))
			want_fault(e, 13, "TSC_AUX without RDTSCP/RDPID is #GP");
		return;
	}
}

static bool host_has(uint32_t fn, int reg, int bit)
{
	unsigned int r[4];

	__cpuid_count(fn, 0, r[0], r[1], r[2], r[3]);
	return r[reg] & (1u << bit);
}

/* The CR4 bits the guest's CPUID (or, @host, the test VM's CPU) allows. */
static uint64_t cr4_allowed_by(bool host)
{
	static const struct { int bit; uint32_t fn; int reg, fbit; } f[] = {
		{ 0, 1, EDX, 1 }, { 1, 1, EDX, 1 }, { 3, 1, EDX, 2 },
		{ 4, 1, EDX, 3 }, { 6, 1, EDX, 7 }, { 7, 1, EDX, 13 },
		{ 9, 1, EDX, 24 }, { 10, 1, EDX, 25 }, { 11, 7, ECX, 2 },
		{ 12, 7, ECX, 16 }, { 13, 1, ECX, 5 }, { 14, 1, ECX, 6 },
		{ 16, 7, EBX, 0 }, { 17, 1, ECX, 17 }, { 18, 1, ECX, 26 },
		{ 20, 7, EBX, 7 }, { 21, 7, EBX, 20 }, { 22, 7, ECX, 3 },
		{ 23, 7, ECX, 7 }, { 24, 7, ECX, 31 },
	};
	uint64_t a = (1 << 2) | CR4_PAE | (1 << 8);
	unsigned int i;

	for (i = 0; i < N(f); i++)
		if (host ? host_has(f[i].fn, f[i].reg, f[i].fbit) :
			   has(f[i].fn, f[i].reg, f[i].fbit))
			a |= 1ULL << f[i].bit;
	return a;
}

static uint64_t cr4_allowed(void)
{
	return cr4_allowed_by(false);
}

static bool xcr0_ok(uint64_t v)
{
	uint64_t avx512 = v & 0xe0, tiles = v & 0x60000;

	if (!(v & 1) || (v & ~(xcr0_mask | 1)))
		return false;
	if ((v & 4) && !(v & 2))
		return false;
	if (!(v & 8) != !(v & 0x10))
		return false;
	if (avx512 && (avx512 != 0xe0 || !(v & 4)))
		return false;
	if (tiles && tiles != 0x60000)
		return false;
	return true;
}

static bool in_pic(unsigned int port)
{
	return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 ||
	       port == 0x4d0 || port == 0x4d1;
}

static uint64_t merge(uint64_t old, uint64_t d, unsigned int size)
{
	switch (size) {
	case 1:
		return (old & ~0xffULL) | (d & 0xff);
	case 2:
		return (old & ~0xffffULL) | (d & 0xffff);
	case 4:
		return (uint32_t)d;
	default:
		return d;
	}
}

static uint64_t lowbytes(uint64_t v, unsigned int size)
{
	return size == 8 ? v : v & ((1ULL << (size * 8)) - 1);
}

static void expect_step(struct expect *e, const struct step *s,
			const struct vm *v, const struct kvm_sregs *sr,
			const uint64_t *cur)
{
	const char *name = s->op == OP_PRIV ? insns[s->reg].name : "";

	memset(e, 0, sizeof(*e));
	switch (s->op) {
	case OP_IN:
	case OP_OUT:
		if (v->irqchip && in_pic(s->reg))
			return;
		want_none(e, "port I/O exits to the VMM (KVM ABI)");
		e->xdef = true;
		e->xreason = KVM_EXIT_IO;
		e->xdir = s->op == OP_IN ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
		e->xsize = s->size;
		e->xaddr = s->reg;
		e->xdata = lowbytes(s->op == OP_OUT ? s->gpr[0] : s->in_data,
				    s->size);
		e->raxdef = true;
		e->rax = s->op == OP_IN ? merge(s->gpr[0], s->in_data, s->size) :
			 s->gpr[0];
		return;
	case OP_MMIO:
		if (v->irqchip &&
		    ((s->addr >> 12) == (sr->apic_base >> 12) ||
		     (s->addr >> 12) == 0xfec00))
			return;
		if ((s->addr & 0xfff) + s->size > 0x1000)
			return;
		want_none(e, "MMIO exits to the VMM (KVM ABI)");
		e->xdef = true;
		e->xreason = KVM_EXIT_MMIO;
		e->xdir = s->write;
		e->xsize = s->size;
		e->xaddr = s->addr;
		e->xdata = lowbytes(s->write ? s->gpr[0] : s->in_data, s->size);
		e->raxdef = true;
		e->rax = s->write ? s->gpr[0] :
			 merge(s->gpr[0], s->in_data, s->size);
		return;
	case OP_RDMSR:
		return expect_rdmsr(e, s->msr, sr->apic_base);
	case OP_WRMSR:
		return expect_wrmsr(e, s->msr, s->val, sr->apic_base,
				    v->base.efer);
	case OP_MSRFLIP:
		/* The write's rule applies once the read is known to pass. */
		expect_rdmsr(e, s->msr, sr->apic_base);
		if (!e->def || e->kind == K_FAULT)
			return;
		memset(e, 0, sizeof(*e));
		/* The value read, from the VMM's side; TSC moves meanwhile. */
		if (cur)
			expect_wrmsr(e, s->msr, *cur ^ s->val, sr->apic_base,
				     v->base.efer);
		return;
	case OP_CRR:
		e->cpu = true;
		if (s->reg == 1 || (s->reg >= 5 && s->reg != 8))
			return want_fault(e, 6, "CR1, CR5-7, CR9-15 are #UD");
		return want_none(e, "CR0, 2, 3, 4, 8 read at CPL 0");
	case OP_CRW:
		switch (s->reg) {
		case 0:
			e->cpu = true;
			if (s->val >> 32)
				return want_fault(e, 13, "CR0[63:32] set is #GP");
			if ((s->val & CR0_NW) && !(s->val & CR0_CD))
				return want_fault(e, 13, "CR0.NW without CD is #GP");
			if (!(s->val & CR0_PG))
				return want_fault(e, 13, "clearing CR0.PG in 64-bit mode is #GP");
			if (!(s->val & CR0_PE))
				return want_fault(e, 13, "CR0.PG without PE is #GP");
			return want_none(e, "a valid CR0 is taken");
		case 2:
			return want_none(e, "any CR2 is taken");
		case 3:
			e->cpu = true;
			if (s->val >> 52)
				return want_fault(e, 13, "CR3[63:52] set is #GP");
			if (!(s->val >> maxphy))
				return want_none(e, "a CR3 within MAXPHYADDR is taken");
			return;
		case 4:
			e->cpu = true;
			if (s->val & ~cr4_allowed_by(true))
				return want_fault(e, 13, "a CR4 bit the CPU lacks is #GP");
			/* Only software knows what the guest's CPUID hides. */
			e->cpu = false;
			if (s->val & ~cr4_allowed())
				return want_fault(e, 13, "a CR4 bit without its CPUID feature is #GP");
			e->cpu = true;
			if (!(s->val & CR4_PAE))
				return want_fault(e, 13, "clearing CR4.PAE in long mode is #GP");
			if ((s->val ^ sr->cr4) & CR4_LA57)
				return want_fault(e, 13, "CR4.LA57 cannot change in long mode");
			/* Bits that change nothing for this guest but their own. */
			if (!((s->val ^ sr->cr4) & ~0x77cfdfULL))
				return want_none(e, "a CR4 the CPUID allows is taken");
			return;
		case 8:
			e->cpu = true;
			if (s->val >> 4)
				return want_fault(e, 13, "CR8[63:4] set is #GP");
			return want_none(e, "a TPR is taken");
		default:
			e->cpu = true;
			return want_fault(e, 6, "CR1, CR5-7, CR9-15 are #UD");
		}
	case OP_DRW:
		/* #UD before any exit on hardware; Bochs exits first */
		e->cpu = true;
		if (s->reg >= 8)
			return want_fault(e, 6, "DR8-15 are #UD");
		if ((s->reg == 4 || s->reg == 5) && (sr->cr4 & CR4_DE))
			return want_fault(e, 6, "DR4/5 with CR4.DE are #UD");
		e->cpu = s->reg >= 4;
		if (s->reg >= 4 && (s->val >> 32))
			return want_fault(e, 13, "DR6/DR7[63:32] set is #GP");
		return want_none(e, "a debug register write at CPL 0");
	case OP_XSETBV:
		if (!(sr->cr4 & CR4_OSXSAVE))
			return want_fault(e, 6, "XSETBV without CR4.OSXSAVE is #UD");
		if (s->reg)
			return want_fault(e, 13, "XSETBV of an XCR other than 0 is #GP");
		if (!xcr0_ok(s->val))
			return want_fault(e, 13, "an invalid XCR0 is #GP");
		return want_none(e, "a valid XCR0 is taken");
	case OP_INVLPG:
		return want_none(e, "INVLPG of any address at CPL 0");
	case OP_INVPCID:
		if (!has(7, EBX, 10))
			return want_fault(e, 6, "INVPCID without CPUID is #UD");
		if (s->val > 3)
			return want_fault(e, 13, "an INVPCID type above 3 is #GP");
		return;
	case OP_HCALL:
		/*
		 * Either vendor's instruction (the other one rewritten to the
		 * native one by kvm.ko's default quirk), at CPL 0 in 64-bit
		 * mode.  CLOCK_PAIRING and SEND_IPI are left out: kvm.ko
		 * carries them out, Vireo offers neither.  KICK_CPU too:
		 * lapic.c tests it where a second vCPU can be kicked.
		 */
		if (s->gpr[0] == 5 || s->gpr[0] == 9 || s->gpr[0] == 10)
			return;
		want_none(e, s->gpr[0] == 1 || s->gpr[0] == 11 ?
			  "VAPIC_POLL_IRQ and SCHED_YIELD answer 0" :
			  "an unknown hypercall answers -KVM_ENOSYS");
		e->raxdef = true;
		e->rax = s->gpr[0] == 1 || s->gpr[0] == 11 ? 0 : -1000ULL;
		return;
	case OP_PRIV:
		if (!strcmp(name, "ud2") || !strcmp(name, "into") ||
		    !strcmp(name, "rsm") || !strcmp(name, "aaa") ||
		    !strcmp(name, "push cs") || !strcmp(name, "lock nop"))
			return want_fault(e, 6, "an invalid opcode is #UD");
		if (!strcmp(name, "vmrun") || !strcmp(name, "vmload") ||
		    !strcmp(name, "vmsave") || !strcmp(name, "stgi") ||
		    !strcmp(name, "clgi") || !strcmp(name, "invlpga"))
			return want_fault(e, 6, "SVM instructions without EFER.SVME are #UD");
		if (!strncmp(name, "vm", 2) && strcmp(name, "vmmcall") &&
		    !has(1, ECX, 5))
			return want_fault(e, 6, "VMX instructions without VMX are #UD");
		if (!strcmp(name, "invept") || !strcmp(name, "invvpid"))
			return want_fault(e, 6, "VMX instructions without VMX are #UD");
		if (!strcmp(name, "rdfsbase rax"))
			return want_fault(e, 6, "RDFSBASE without CR4.FSGSBASE is #UD");
		if (!strcmp(name, "rdpkru") || !strcmp(name, "wrpkru"))
			return want_fault(e, 6, "PKRU without CR4.PKE is #UD");
		if (!strcmp(name, "getsec"))
			return want_fault(e, 6, "GETSEC without CR4.SMXE is #UD");
		if (!strcmp(name, "rdtscp"))
			return has(0x80000001, EDX, 27) ?
			       want_none(e, "RDTSCP with CPUID") :
			       want_fault(e, 6, "RDTSCP without CPUID is #UD");
		if (!strcmp(name, "rdpid"))
			return has(7, ECX, 22) ? want_none(e, "RDPID with CPUID") :
			       want_fault(e, 6, "RDPID without CPUID is #UD");
		if (!strcmp(name, "int3"))
			return want_fault(e, 3, "INT3 is #BP");
		if (!strcmp(name, "int 0x80"))
			return want_fault(e, 0x80, "INT n goes through the IDT");
		if (!strcmp(name, "div rcx (0)"))
			return want_fault(e, 0, "division by zero is #DE");
		if (!strcmp(name, "mov rax, [non-canonical]"))
			return want_fault(e, 13, "a non-canonical access is #GP");
		if (!strcmp(name, "mov rax, [5 GiB]"))
			return want_fault(e, 14, "an unmapped access is #PF");
		if (!strcmp(name, "mov ds, 0x3b"))
			return want_fault(e, 13, "a selector past the GDT is #GP");
		if (!strcmp(name, "push (non-canonical rsp)"))
			return want_fault(e, 12, "a non-canonical stack is #SS");
		if (!strcmp(name, "pushf; tf; popf; nop"))
			return want_fault(e, 1, "a single step is #DB");
		if (!strcmp(name, "cr0.ts; fld1"))
			return want_fault(e, 7, "x87 with CR0.TS is #NM");
		if (!strcmp(name, "rdtsc") || !strcmp(name, "swapgs") ||
		    !strcmp(name, "invd") || !strcmp(name, "wbinvd") ||
		    !strcmp(name, "wbnoinvd") || !strcmp(name, "clts") ||
		    !strcmp(name, "cs cpuid") || !strcmp(name, "rex.w wbinvd") ||
		    !strcmp(name, "ds rdmsr (TSC)") ||
		    !strcmp(name, "smsw eax") || !strcmp(name, "sgdt [rbx]") ||
		    !strcmp(name, "sidt [rbx]") || !strcmp(name, "sldt eax") ||
		    !strcmp(name, "str eax") || !strcmp(name, "pause") ||
		    !strcmp(name, "lar eax, ax") || !strcmp(name, "verw ax") ||
		    !strcmp(name, "clflush [rbx]") || !strcmp(name, "lmsw ax"))
			return want_none(e, "allowed at CPL 0");
		return;
	case OP_CPUID:
		want_none(e, "CPUID at CPL 0");
		if (s->gpr[0] == 1 && has(1, ECX, 26)) {
			e->rule = "CPUID.1:ECX.OSXSAVE is CR4.OSXSAVE";
			e->chkreg = 1 + 2;
			e->chkmask = 1u << 27;
			e->chkval = sr->cr4 & CR4_OSXSAVE ? 1u << 27 : 0;
		}
		if (s->gpr[0] == 7 && (uint32_t)s->gpr[1] == 0 && has(7, ECX, 3)) {
			e->rule = "CPUID.7:ECX.OSPKE is CR4.PKE";
			e->chkreg = 1 + 2;
			e->chkmask = 1u << 4;
			e->chkval = sr->cr4 & (1u << 22) ? 1u << 4 : 0;
		}
		return;
	default:
		return;
	}
}

/* --- running a step --- */

static void on_alarm(int sig)
{
}

static unsigned int step_ms(void)
{
	return on_bochs ? 3000 : 300;
}

static int run_once(struct vm *v)
{
	struct itimerval it = { .it_value = {
		.tv_sec = step_ms() / 1000,
		.tv_usec = (step_ms() % 1000) * 1000 } };
	struct itimerval off = { 0 };
	int r;

	setitimer(ITIMER_REAL, &it, NULL);
	r = ioctl(v->vcpu, KVM_RUN, 0) ? -errno : 0;
	setitimer(ITIMER_REAL, &off, NULL);
	return r;
}

/* Finish whatever exit is pending, without entering the guest. */
static void complete(struct vm *v)
{
	v->run->immediate_exit = 1;
	ioctl(v->vcpu, KVM_RUN, 0);
	v->run->immediate_exit = 0;
}

/* Put the guest back to its start; false if the module refused. */
static bool reset(struct vm *v, const struct step *s, struct kvm_sregs *sr)
{
	struct kvm_debugregs dr = { .dr6 = 0xffff0ff0, .dr7 = 0x400 };
	struct kvm_mp_state mp = { KVM_MP_STATE_RUNNABLE };
	struct kvm_regs regs = { 0 };

	memcpy(v->mem, image, IMAGE_END);
	memcpy(v->mem + SANDBOX, s->code, s->len);
	memcpy(v->mem + DESC, s->desc, sizeof(s->desc));
	/* kvm_regs has its own order; s->gpr has the instruction set's. */
	regs.rax = s->gpr[0];
	regs.rcx = s->gpr[1];
	regs.rdx = s->gpr[2];
	regs.rbx = s->gpr[3];
	regs.rsp = s->gpr[4];
	regs.rbp = s->gpr[5];
	regs.rsi = s->gpr[6];
	regs.rdi = s->gpr[7];
	memcpy(&regs.r8, s->gpr + 8, 8 * sizeof(s->gpr[0]));
	regs.rip = SANDBOX;
	regs.rflags = 2;
	if (ioctl(v->vcpu, KVM_GET_SREGS, sr))
		return false;
	sr->cs = v->base.cs;
	sr->ds = v->base.ds;
	sr->es = v->base.es;
	sr->fs = v->base.fs;
	sr->gs = v->base.gs;
	sr->ss = v->base.ss;
	sr->tr = v->base.tr;
	sr->ldt = v->base.ldt;
	sr->gdt = v->base.gdt;
	sr->idt = v->base.idt;
	sr->cr0 = v->base.cr0;
	sr->cr2 = 0;
	sr->cr3 = v->base.cr3;
	sr->cr4 = v->base.cr4;
	sr->efer = v->base.efer;
	memset(sr->interrupt_bitmap, 0, sizeof(sr->interrupt_bitmap));
	if (ioctl(v->vcpu, KVM_SET_SREGS, sr) ||
	    ioctl(v->vcpu, KVM_SET_REGS, &regs) ||
	    ioctl(v->vcpu, KVM_SET_DEBUGREGS, &dr))
		return false;
	if (v->irqchip && ioctl(v->vcpu, KVM_SET_MP_STATE, &mp))
		return false;
	return true;
}

static void get_result(struct vm *v, struct outcome *o)
{
	struct kvm_regs regs;

	if (ioctl(v->vcpu, KVM_GET_REGS, &regs))
		return;
	o->r[0] = regs.rax;
	o->r[1] = regs.rbx;
	o->r[2] = regs.rcx;
	o->r[3] = regs.rdx;
}

/* Returns true when the VM must be replaced before the next step. */
static bool run_step(struct vm *v, const struct step *s, struct outcome *o)
{
	struct kvm_run *run = v->run;
	/*
	 * A guest that may spin or halt for good gets two timer periods; the
	 * single instructions of the other steps more, so that a loaded host
	 * does not make a slow step look like a hang.
	 */
	unsigned int intr = 0, max_intr = s->op == OP_RAND ||
		s->op == OP_HCALL || s->op == OP_PRIV ? 2 : 10;
	bool pending = false;
	int r;

	memset(o, 0, sizeof(*o));
	for (;;) {
		r = run_once(v);
		if (r == -EINTR) {
			pending = false;
			if (++intr < max_intr)
				continue;
			o->kind = K_TIMEOUT;
			return false;
		}
		if (r) {
			o->kind = K_RUNERR;
			o->err = -r;
			return true;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t *d = (uint8_t *)run + run->io.data_offset;
			unsigned int n = run->io.size * run->io.count;

			pending = true;
			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.port == PORT_DONE && run->io.size == 4) {
				o->kind = K_DONE;
				get_result(v, o);
				complete(v);
				return false;
			}
			if (run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.port == PORT_FAULT && run->io.size == 4) {
				o->kind = K_FAULT;
				o->vector = d[0];
				get_result(v, o);
				o->err = o->r[3];
				complete(v);
				return false;
			}
			if (!o->nexits++) {
				o->xreason = KVM_EXIT_IO;
				o->xdir = run->io.direction;
				o->xsize = run->io.size;
				o->xcount = run->io.count;
				o->xaddr = run->io.port;
				if (run->io.direction == KVM_EXIT_IO_OUT)
					memcpy(&o->xdata, d, run->io.size);
				else
					o->xdata = lowbytes(s->in_data,
							    run->io.size);
			}
			if (run->io.direction == KVM_EXIT_IO_IN) {
				unsigned int i;

				for (i = 0; i < n && run->io.data_offset + i <
					    v->run_size; i++)
					d[i] = s->in_data >> (8 * (i % 8));
			}
			break;
		}
		case KVM_EXIT_MMIO:
			pending = true;
			if (!o->nexits++) {
				o->xreason = KVM_EXIT_MMIO;
				o->xdir = run->mmio.is_write;
				o->xsize = run->mmio.len;
				o->xaddr = run->mmio.phys_addr;
				if (run->mmio.is_write)
					memcpy(&o->xdata, run->mmio.data,
					       run->mmio.len > 8 ? 8 :
					       run->mmio.len);
				else
					o->xdata = lowbytes(s->in_data,
							    run->mmio.len > 8 ?
							    8 : run->mmio.len);
			}
			if (!run->mmio.is_write)
				memcpy(run->mmio.data, &s->in_data, 8);
			break;
		case KVM_EXIT_HLT:
			o->kind = K_HLT;
			get_result(v, o);
			return false;
		case KVM_EXIT_SHUTDOWN:
			o->kind = K_SHUTDOWN;
			return false;
		case KVM_EXIT_INTERNAL_ERROR:
			o->kind = K_INTERNAL;
			o->err = run->internal.suberror;
			return true;
		case KVM_EXIT_FAIL_ENTRY:
			o->kind = K_FAILENTRY;
			o->err = run->fail_entry.hardware_entry_failure_reason;
			return true;
		default:
			o->kind = K_OTHER;
			o->err = run->exit_reason;
			return true;
		}
		if (o->nexits >= MAX_EXITS) {
			o->kind = K_EXITS;
			if (pending)
				complete(v);
			return false;
		}
	}
}

/* --- one module's run, and the comparison --- */

struct result {
	struct outcome *o;
	struct expect *e;
	unsigned int vms, replaced;
	unsigned int kinds[K_OTHER + 1];
	char error[160];
};

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

static uint64_t nr_steps(void)
{
	return env_u64("VIREO_GUESTFUZZ_STEPS", on_bochs ? 150 : 1500);
}

/* Steps per VM: each VM is a new sequence, with or without an irqchip. */
#define EPISODE		64

static bool episode_irqchip(uint64_t seed, uint64_t i)
{
	return mix(seed ^ mix(0x1c ^ i / EPISODE)) & 1;
}

static bool run_module(const char *mode, uint64_t seed, uint64_t n,
		       struct result *res)
{
	bool trace = env_u64("VIREO_GUESTFUZZ_TRACE", 0);
	uint64_t from = env_u64("VIREO_GUESTFUZZ_FROM", 0);
	struct vm v = { .sys = -1, .vm = -1, .vcpu = -1 };
	struct kvm_sregs sr;
	struct step s;
	uint64_t i;
	int r;

	/* ",3,17,": only these steps (with FROM, to corner a crash) */
	const char *only = getenv("VIREO_GUESTFUZZ_ONLY");

	for (i = from; i < n; i++) {
		struct { struct kvm_msrs h; struct kvm_msr_entry e; } m;
		const char *what = "";
		const uint64_t *cur = NULL;
		bool retried = false;
		char key[32];

		snprintf(key, sizeof(key), ",%llu,", (unsigned long long)i);
		if (only && !strstr(only, key))
			continue;

		if (i % EPISODE == 0 || i == from)
			vm_destroy(&v);
		gen_step(&s, seed, i);
again:
		if (v.vcpu < 0) {
			r = vm_create(&v, dev_of(mode), episode_irqchip(seed, i),
				      &what);
			if (r) {
				snprintf(res->error, sizeof(res->error),
					 "step %" PRIu64 ": %s failed: %s", i,
					 what, strerror(-r));
				return false;
			}
			res->vms++;
		}
		if (!reset(&v, &s, &sr)) {
			/* e.g. a state the guest left that the module will not take back */
			printf("# %s: step %" PRIu64 ": resetting the vCPU failed (%s): new VM\n",
			       mode, i, strerror(errno));
			vm_destroy(&v);
			res->replaced++;
			if (retried) {
				snprintf(res->error, sizeof(res->error),
					 "step %" PRIu64 ": a new VM's vCPU cannot be set up",
					 i);
				return false;
			}
			retried = true;
			goto again;
		}
		if (s.op == OP_MSRFLIP) {
			memset(&m, 0, sizeof(m));
			m.h.nmsrs = 1;
			m.e.index = s.msr;
			if (ioctl(v.vcpu, KVM_GET_MSRS, &m) == 1)
				cur = (const uint64_t *)&m.e.data;
		}
		expect_step(&res->e[i], &s, &v, &sr, cur);
		if (trace) {
			/* Before the step: what a crash of the emulator stopped at. */
			printf("# %s step %" PRIu64 ": %s: %s\n", mode, i,
			       op_names[s.op], s.what);
			fflush(stdout);
		}
		if (run_step(&v, &s, &res->o[i])) {
			vm_destroy(&v);
			res->replaced++;
		}
		res->kinds[res->o[i].kind]++;
	}
	vm_destroy(&v);
	return true;
}

static bool matches(const struct outcome *o, const struct expect *e)
{
	if (o->kind != e->kind)
		return false;
	if (o->kind == K_FAULT && o->vector != e->vector)
		return false;
	if (e->xdef && (o->nexits != 1 || o->xreason != e->xreason ||
			o->xdir != e->xdir || o->xsize != e->xsize ||
			o->xaddr != e->xaddr || o->xdata != e->xdata ||
			(o->xreason == KVM_EXIT_IO && o->xcount != 1)))
		return false;
	if (e->raxdef && o->r[0] != e->rax)
		return false;
	if (e->chkreg && (o->r[e->chkreg - 1] & e->chkmask) != e->chkval)
		return false;
	return true;
}

static bool same(const struct outcome *a, const struct outcome *b,
		 const struct step *s)
{
	if (a->kind != b->kind || a->nexits != b->nexits)
		return false;
	if (a->kind == K_FAULT && a->vector != b->vector)
		return false;
	if (a->nexits && (a->xreason != b->xreason || a->xdir != b->xdir ||
			  a->xsize != b->xsize || a->xaddr != b->xaddr ||
			  a->xdata != b->xdata || a->xcount != b->xcount))
		return false;
	if (a->kind == K_DONE &&
	    (s->op == OP_IN || s->op == OP_MMIO || s->op == OP_HCALL) &&
	    a->r[0] != b->r[0])
		return false;
	if (a->kind == K_DONE && s->op == OP_CPUID &&
	    memcmp(a->r, b->r, sizeof(a->r)))
		return false;
	return true;
}

static const char *describe(const struct outcome *o, char *buf, size_t n)
{
	int k = 0;

	if (o->nexits)
		k = snprintf(buf, n, "%u exit%s (first %s %s %#" PRIx64
			     " size %u data %#" PRIx64 "), then ", o->nexits,
			     o->nexits > 1 ? "s" : "",
			     o->xreason == KVM_EXIT_IO ? "io" : "mmio",
			     o->xdir ? "out/write" : "in/read", o->xaddr,
			     o->xsize, o->xdata);
	switch (o->kind) {
	case K_FAULT:
		snprintf(buf + k, n - k, "vector %u (error code %#x)",
			 o->vector, o->err);
		break;
	case K_DONE:
		snprintf(buf + k, n - k, "no fault, rax %#" PRIx64 " rbx %#"
			 PRIx64 " rcx %#" PRIx64 " rdx %#" PRIx64, o->r[0],
			 o->r[1], o->r[2], o->r[3]);
		break;
	case K_INTERNAL:
	case K_RUNERR:
	case K_FAILENTRY:
	case K_OTHER:
		snprintf(buf + k, n - k, "%s (%u)", kind_names[o->kind], o->err);
		break;
	default:
		snprintf(buf + k, n - k, "%s", kind_names[o->kind]);
	}
	return buf;
}

static const char *describe_expect(const struct expect *e, char *buf,
				   size_t n)
{
	if (e->kind == K_FAULT)
		snprintf(buf, n, "vector %u", e->vector);
	else if (e->xdef)
		snprintf(buf, n, "one %s exit at %#" PRIx64 " size %u data %#"
			 PRIx64 ", then no fault%s", e->xreason == KVM_EXIT_IO ?
			 "io" : "mmio", e->xaddr, e->xsize, e->xdata,
			 e->raxdef ? " and rax as the VMM gave it" : "");
	else
		snprintf(buf, n, "no fault");
	return buf;
}

/* A vCPU that neither runs on nor stops for a reason the KVM ABI defines. */
static bool undefined_exit(const struct outcome *o)
{
	return o->kind == K_RUNERR ||
	       (o->kind == K_OTHER &&
		(o->err == KVM_EXIT_UNKNOWN || o->err > 40));
}

TEST(hostile_guest)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	const char *home = vt_mode();
	const char *other = strcmp(home, "kvm") ? "kvm" : "vireo";
	static struct cpuid_table a, b;
	struct result rh = { 0 }, ro = { 0 }, *rv, *rk;
	unsigned int fails = 0, diffs = 0, kvm_off = 0, both_off = 0, bad = 0;
	unsigned int tcg = 0;
	unsigned int diff_by_op[NR_OPS] = { 0 }, i;
	uint64_t seed, n, k;
	struct kvm_cpuid_entry2 *e;
	char b1[200], b2[200], b3[160];
	bool ok_o, ok_h;
	struct step s;
	int r;

	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = env_u64("VIREO_GUESTFUZZ_SEED",
			       (uint64_t)ts.tv_sec * 1000000007ULL ^
			       (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32);
	}
	on_qemu = !strncmp(vt_platform(), "qemu", 4);
	on_bochs = vt_platform_is("bochs-x86");
	n = nr_steps();
	printf("# guestfuzz: VIREO_GUESTFUZZ_SEED=%#" PRIx64
	       " VIREO_GUESTFUZZ_STEPS=%" PRIu64 " (per module)\n", seed, n);
	fflush(stdout);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	rh.o = calloc(n, sizeof(*rh.o));
	rh.e = calloc(n, sizeof(*rh.e));
	ro.o = calloc(n, sizeof(*ro.o));
	ro.e = calloc(n, sizeof(*ro.e));
	ASSERT_TRUE(rh.o && rh.e && ro.o && ro.e);

	/* Both modules' CPUID, then the other module's run, then ours. */
	ASSERT_EQ(0, supported_cpuid(dev_of(home), &a));
	r = swap_to(other);
	if (r) {
		swap_to(home);
		ASSERT_EQ(0, r) TH_LOG("loading %s: %s", other, strerror(r));
	}
	r = supported_cpuid(dev_of(other), &b);
	if (!r) {
		intersect(&a, &b);
		cpu = b;
		cpu.h.nent = b.h.nent;
		e = leaf(&cpu, 0x80000008, 0);
		maxphy = e ? e->eax & 0xff : 36;
		e = leaf(&cpu, 0xd, 0);
		xcr0_mask = e ? e->eax | (uint64_t)e->edx << 32 : 3;
		build_image();
		if (!run_module(other, seed, n, &ro))
			r = -1;
	}
	ASSERT_EQ(0, swap_to(home)) TH_LOG("loading %s back", home);
	ASSERT_EQ(0, r) TH_LOG("%s: %s", other, ro.error);
	ASSERT_TRUE(run_module(home, seed, n, &rh)) TH_LOG("%s: %s", home,
							   rh.error);

	rv = strcmp(home, "kvm") ? &rh : &ro;
	rk = strcmp(home, "kvm") ? &ro : &rh;
	for (i = 0; i <= K_OTHER; i++)
		if (rv->kinds[i] || rk->kinds[i])
			printf("# steps ending in %s: vireo.ko %u, kvm.ko %u\n",
			       kind_names[i], rv->kinds[i], rk->kinds[i]);
	printf("# VMs: vireo.ko %u (%u replaced), kvm.ko %u (%u replaced)\n",
	       rv->vms, rv->replaced, rk->vms, rk->replaced);
	for (k = 0; k < n; k++) {
		const struct outcome *ov = &rv->o[k], *ok = &rk->o[k];
		const struct expect *ev = &rv->e[k], *ek = &rk->e[k];

		gen_step(&s, seed, k);
		ok_o = !ek->def || matches(ok, ek);
		ok_h = !ev->def || matches(ov, ev);
		if (undefined_exit(ov)) {
			bad++;
			printf("# FAIL step %" PRIu64 " (%s: %s): vireo.ko: %s\n",
			       k, op_names[s.op], s.what,
			       describe(ov, b1, sizeof(b1)));
		}
		if (ek->def && !ok_o) {
			if (kvm_off++ < 20)
				printf("# kvm.ko departs from \"%s\" at step %"
				       PRIu64 " (%s): %s, expected %s\n",
				       ek->rule, k, s.what,
				       describe(ok, b1, sizeof(b1)),
				       describe_expect(ek, b3, sizeof(b3)));
		}
		if (ev->def && !ok_h && ov->kind == K_TIMEOUT) {
			/* No verdict: the step did not finish in its time. */
			printf("# step %" PRIu64 " (%s) timed out on vireo.ko\n",
			       k, s.what);
		} else if (ev->def && !ok_h) {
			if (ek->def && ok_o && ek->rule == ev->rule &&
			    ev->cpu && (on_qemu || on_bochs)) {
				if (tcg++ < 10)
					printf("# the emulated CPU does not check \"%s\" at step %"
					       PRIu64 " (%s): vireo.ko, which leaves it to the CPU: %s; kvm.ko: %s\n",
					       ev->rule, k, s.what,
					       describe(ov, b1, sizeof(b1)),
					       describe(ok, b2, sizeof(b2)));
			} else if (ek->def && ok_o && ek->rule == ev->rule) {
				fails++;
				printf("# FAIL step %" PRIu64 " (%s): \"%s\": vireo.ko: %s; kvm.ko: %s\n",
				       k, s.what, ev->rule,
				       describe(ov, b1, sizeof(b1)),
				       describe(ok, b2, sizeof(b2)));
			} else {
				both_off++;
			}
		}
		if (!same(ov, ok, &s)) {
			diff_by_op[s.op]++;
			if (diffs++ < 40)
				printf("# differs at step %" PRIu64 " (%s: %s): vireo.ko: %s; kvm.ko: %s\n",
				       k, op_names[s.op], s.what,
				       describe(ov, b1, sizeof(b1)),
				       describe(ok, b2, sizeof(b2)));
		}
	}
	for (i = 0; i < NR_OPS; i++)
		if (diff_by_op[i])
			printf("# differences in %s steps: %u\n", op_names[i],
			       diff_by_op[i]);
	printf("# %" PRIu64 " steps per module: %u differences, %u where vireo.ko breaks a rule kvm.ko keeps (and %u a check the emulated CPU leaves out), %u where kvm.ko departs from a rule, %u where neither keeps it, %u undefined exits on vireo.ko\n",
	       n, diffs, fails, tcg, kvm_off, both_off, bad);
	printf("# replay: VIREO_GUESTFUZZ_SEED=%#" PRIx64
	       " VIREO_GUESTFUZZ_STEPS=%" PRIu64 " guestfuzz\n", seed, n);
	fflush(stdout);
	EXPECT_EQ(0u, fails);
	EXPECT_EQ(0u, bad);
	free(rh.o);
	free(rh.e);
	free(ro.o);
	free(ro.e);
}

/* Two runs and two module swaps; run-suite gives a program 600 s. */
static void __attribute__((constructor)) guestfuzz_timeout(void)
{
	_hostile_guest_object.timeout = 560;
}

TEST_HARNESS_MAIN
