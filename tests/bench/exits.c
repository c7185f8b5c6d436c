// SPDX-License-Identifier: GPL-2.0
/*
 * Exit and memory benchmarks, run on kvm.ko and vireo.ko in the same test
 * VM by scripts/bench.sh. Each figure is time per operation, lower is
 * better; only ratios between the two modules mean anything under TCG.
 *
 *   io_roundtrip   guest OUT -> KVM_EXIT_IO -> KVM_RUN again
 *   cpuid_exit     CPUID, handled in the kernel without leaving KVM_RUN
 *   run_no_entry   KVM_RUN with immediate_exit set: the ioctl and the run
 *                  loop's way in and out, without entering the guest
 *   vm_to_first_insn  KVM_CREATE_VM .. first guest instruction's exit
 *   fault_in_page  first touch of a guest page (nested page fault)
 *   huge_touch_1g  a guest touching each 4 KiB page of 1 GiB backed by
 *                  transparent huge pages (2 MiB nested mappings)
 *
 * Each benchmark runs BATCHES timed batches after one untimed warm-up
 * batch, and none times a VM's first entry (it sets up state once per
 * vCPU; vm_to_first_insn is the one that measures it, on purpose). The
 * BENCH line gives the median of the batch means; a "#" line before it
 * gives every batch mean, so the spread is in the log.
 * VIREO_BENCH_BATCHES overrides BATCHES (Bochs wants fewer).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "vt_proc.h"

#define IO_ITERS	2000	/* per batch */
#define CPUID_ITERS	2000	/* per batch */
#define CREATE_ITERS	4	/* per batch */
#define FAULT_MB	32	/* per batch, in a fresh VM */
#define HUGE_BASE	0x200000	/* 2 MiB: the touched GiB's start */
#define HUGE_SIZE	0x40000000	/* 1 GiB */
#define HUGE_BATCHES	3	/* each zeroes 1 GiB of host memory */
#define CODE_GPA	0x1000
#define STR(x)		#x
#define XSTR(x)		STR(x)

/* Guest code is assembled by gcc and copied into guest memory. */
extern const unsigned char g_io[], g_io_end[];
extern const unsigned char g_cpuid[], g_cpuid_end[];
extern const unsigned char g_touch[], g_touch_end[];
extern const unsigned char g_huge[], g_huge_end[];
asm(".pushsection .rodata\n"
    ".code16\n"
    "g_io:\n"
    "	mov $0x10, %dx\n"
    "1:	out %al, %dx\n"
    "	jmp 1b\n"
    "g_io_end:\n"
    "g_cpuid:\n"
    "1:	mov $" XSTR(CPUID_ITERS) ", %esi\n"
    "2:	xor %eax, %eax\n"
    "	cpuid\n"
    "	dec %esi\n"
    "	jnz 2b\n"
    "	out %al, $0x10\n"
    "	jmp 1b\n"
    "g_cpuid_end:\n"
    ".code32\n"
    "g_touch:\n"
    "	out %al, $0x10\n"
    "	mov $0x100000, %ebx\n"
    "1:	movl $1, (%ebx)\n"
    "	add $4096, %ebx\n"
    "	cmp $(0x100000 + " XSTR(FAULT_MB) " * 0x100000), %ebx\n"
    "	jb 1b\n"
    "	out %al, $0x10\n"
    "	hlt\n"
    "g_touch_end:\n"
    "g_huge:\n"
    "	out %al, $0x10\n"
    "	mov $" XSTR(HUGE_BASE) ", %ebx\n"
    "1:	movl $1, (%ebx)\n"
    "	add $4096, %ebx\n"
    "	cmp $(" XSTR(HUGE_BASE) " + " XSTR(HUGE_SIZE) "), %ebx\n"
    "	jb 1b\n"
    "	out %al, $0x10\n"
    "	hlt\n"
    "g_huge_end:\n"
    ".code64\n"
    ".popsection\n");

struct vm {
	int sys, fd, vcpu;
	struct kvm_run *run;
	size_t run_size;
	void *mem;
	size_t mem_size;
};

/*
 * Guest RAM from 0: with @huge, 2 MiB-aligned and advised for transparent
 * huge pages, so that both modules can map it 2 MiB at a time.
 */
static void *guest_ram(size_t size, int huge)
{
	size_t align = huge ? 2 << 20 : 0;
	uintptr_t a;
	char *m;

	m = mmap(NULL, size + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		die("mmap guest memory");
	if (!huge)
		return m;
	a = ((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1);
	if (a != (uintptr_t)m)
		munmap(m, a - (uintptr_t)m);
	munmap((char *)a + size, (uintptr_t)m + align - a);
	if (madvise((void *)a, size, MADV_HUGEPAGE))
		die("madvise(MADV_HUGEPAGE)");
	return (void *)a;
}

static void vm_create_ram(struct vm *v, int sys, size_t mem_size, int huge,
			  const unsigned char *code, size_t len)
{
	struct kvm_userspace_memory_region r = { 0 };
	struct kvm_regs regs = { 0 };
	int sz;

	v->sys = sys;
	v->fd = ioctl(sys, KVM_CREATE_VM, 0);
	if (v->fd < 0)
		die("KVM_CREATE_VM");
	v->mem_size = mem_size;
	v->mem = guest_ram(mem_size, huge);
	memcpy((char *)v->mem + CODE_GPA, code, len);
	r.memory_size = mem_size;
	r.userspace_addr = (uintptr_t)v->mem;
	if (ioctl(v->fd, KVM_SET_USER_MEMORY_REGION, &r))
		die("KVM_SET_USER_MEMORY_REGION");
	v->vcpu = ioctl(v->fd, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		die("KVM_CREATE_VCPU");
	sz = ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	v->run_size = sz;
	v->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		die("mmap kvm_run");
	regs.rip = CODE_GPA;
	regs.rflags = 2;
	if (ioctl(v->vcpu, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
}

static void vm_create(struct vm *v, int sys, size_t mem_size,
		      const unsigned char *code, size_t len)
{
	vm_create_ram(v, sys, mem_size, 0, code, len);
}

/* Real mode at CS=0, or flat 32-bit protected mode without paging. */
static void vm_mode(struct vm *v, int protected)
{
	struct kvm_sregs s;
	struct kvm_segment *seg[] = { &s.ds, &s.es, &s.fs, &s.gs, &s.ss };
	unsigned int i;

	if (ioctl(v->vcpu, KVM_GET_SREGS, &s))
		die("KVM_GET_SREGS");
	s.cs.base = 0;
	s.cs.selector = 0;
	if (protected) {
		s.cr0 |= 1;
		s.cs = (struct kvm_segment){ .base = 0, .limit = 0xffffffff,
			.selector = 8, .type = 11, .present = 1, .s = 1,
			.db = 1, .g = 1 };
		for (i = 0; i < sizeof(seg) / sizeof(seg[0]); i++)
			*seg[i] = (struct kvm_segment){ .limit = 0xffffffff,
				.selector = 16, .type = 3, .present = 1,
				.s = 1, .db = 1, .g = 1 };
	}
	if (ioctl(v->vcpu, KVM_SET_SREGS, &s))
		die("KVM_SET_SREGS");
}

static void vm_run_io(struct vm *v)
{
	do {
		if (ioctl(v->vcpu, KVM_RUN, 0) && errno != EINTR)
			die("KVM_RUN");
	} while (v->run->exit_reason == KVM_EXIT_INTR);
	if (v->run->exit_reason != KVM_EXIT_IO) {
		fprintf(stderr, "bench: unexpected exit %u\n",
			v->run->exit_reason);
		exit(1);
	}
}

static void vm_destroy(struct vm *v)
{
	munmap(v->run, v->run_size);
	close(v->vcpu);
	close(v->fd);
	munmap(v->mem, v->mem_size);
}

/* @iters guest OUTs, each a KVM_RUN returning KVM_EXIT_IO: us each. */
static double io_batch(struct vm *v, int iters)
{
	double t0 = now_us();

	for (int i = 0; i < iters; i++)
		vm_run_io(v);
	return (now_us() - t0) / iters;
}

static double no_entry_batch(struct vm *v, int iters)
{
	double t0 = now_us();

	for (int i = 0; i < iters; i++) {
		if (!ioctl(v->vcpu, KVM_RUN, 0) || errno != EINTR)
			die("KVM_RUN with immediate_exit");
	}
	return (now_us() - t0) / iters;
}

/* Fresh VMs, KVM_CREATE_VM to the first instruction's exit: us each. */
static double create_batch(int sys, int iters)
{
	double t = 0, t0;
	struct vm v;

	for (int i = 0; i < iters; i++) {
		t0 = now_us();
		vm_create(&v, sys, 1 << 20, g_io, g_io_end - g_io);
		vm_mode(&v, 0);
		vm_run_io(&v);
		t += now_us() - t0;
		vm_destroy(&v);
	}
	return t / iters;
}

/*
 * FAULT_MB never touched by this VM: us per 4 KiB page. The guest's first
 * exit comes before its first touch, so the VM's first entry is not timed.
 */
static double fault_batch(int sys)
{
	struct vm v;
	double t0, t;

	vm_create(&v, sys, (FAULT_MB + 1) << 20, g_touch, g_touch_end - g_touch);
	vm_mode(&v, 1);
	vm_run_io(&v);
	t0 = now_us();
	vm_run_io(&v);
	t = (now_us() - t0) / (FAULT_MB * 256);
	vm_destroy(&v);
	return t;
}

/*
 * A fresh VM whose guest touches each 4 KiB page of a GiB that transparent
 * huge pages back: us per page, the host's zeroing of the memory included
 * (the same on both modules). Host memory is compacted first, as for the
 * boots. A GiB less than nine tenths huge would measure 4 KiB mappings:
 * the benchmark fails rather than report that.
 */
static double huge_batch(int sys)
{
	struct vm v;
	double t0, t;
	long kb;
	int fd;

	fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			fprintf(stderr, "bench: compact_memory: %s\n",
				strerror(errno));
		close(fd);
	}
	vm_create_ram(&v, sys, HUGE_BASE + HUGE_SIZE, 1, g_huge,
		      g_huge_end - g_huge);
	vm_mode(&v, 1);
	vm_run_io(&v);
	t0 = now_us();
	vm_run_io(&v);
	t = (now_us() - t0) / (HUGE_SIZE / 4096);
	kb = vt_anon_huge_kb((char *)v.mem + HUGE_BASE);
	if (kb < (long)(HUGE_SIZE / 1024 * 9 / 10)) {
		fprintf(stderr, "bench: huge_touch_1g: only %ld kB of the GiB in huge pages\n",
			kb);
		exit(1);
	}
	vm_destroy(&v);
	return t;
}

int main(void)
{
	const char *dev = getenv("VIREO_TEST_DEV");
	double mean[MAX_BATCHES];
	struct vm v;
	int sys, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bench_batches())
		return 1;
	sys = open(dev ? dev : "/dev/kvm", O_RDWR | O_CLOEXEC);
	if (sys < 0)
		die("open device");

	/* The first entry, then a warm-up batch, neither timed. */
	vm_create(&v, sys, 1 << 20, g_io, g_io_end - g_io);
	vm_mode(&v, 0);
	vm_run_io(&v);
	io_batch(&v, IO_ITERS);
	for (i = 0; i < batches; i++)
		mean[i] = io_batch(&v, IO_ITERS);
	report("io_roundtrip", mean, "%.1f");

	/*
	 * Where an I/O round trip goes: this part, one guest entry and exit
	 * (about cpuid_exit), and the rest is the I/O exit's own handling.
	 */
	v.run->immediate_exit = 1;
	no_entry_batch(&v, IO_ITERS);
	for (i = 0; i < batches; i++)
		mean[i] = no_entry_batch(&v, IO_ITERS);
	report("run_no_entry", mean, "%.1f");
	vm_destroy(&v);

	/* Each KVM_RUN: CPUID_ITERS CPUIDs in the kernel, then one OUT. */
	vm_create(&v, sys, 1 << 20, g_cpuid, g_cpuid_end - g_cpuid);
	vm_mode(&v, 0);
	vm_run_io(&v);
	vm_run_io(&v);
	for (i = 0; i < batches; i++)
		mean[i] = io_batch(&v, 1) / CPUID_ITERS;
	report("cpuid_exit", mean, "%.2f");
	vm_destroy(&v);

	create_batch(sys, 1);
	for (i = 0; i < batches; i++)
		mean[i] = create_batch(sys, CREATE_ITERS);
	report("vm_to_first_insn", mean, "%.1f");

	fault_batch(sys);
	for (i = 0; i < batches; i++)
		mean[i] = fault_batch(sys);
	report("fault_in_page", mean, "%.2f");

	{
		int all = batches;

		batches = all < HUGE_BATCHES ? all : HUGE_BATCHES;
		for (i = 0; i < batches; i++)
			mean[i] = huge_batch(sys);
		report("huge_touch_1g", mean, "%.2f");
		batches = all;
	}
	return 0;
}
