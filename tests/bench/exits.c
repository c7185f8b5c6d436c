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

#define IO_ITERS	2000
#define CPUID_ITERS	2000
#define CREATE_ITERS	20
#define FAULT_MB	32
#define CODE_GPA	0x1000
#define STR(x)		#x
#define XSTR(x)		STR(x)

/* Guest code is assembled by gcc and copied into guest memory. */
extern const unsigned char g_io[], g_io_end[];
extern const unsigned char g_cpuid[], g_cpuid_end[];
extern const unsigned char g_touch[], g_touch_end[];
asm(".pushsection .rodata\n"
    ".code16\n"
    "g_io:\n"
    "	mov $0x10, %dx\n"
    "1:	out %al, %dx\n"
    "	jmp 1b\n"
    "g_io_end:\n"
    "g_cpuid:\n"
    "	mov $" XSTR(CPUID_ITERS) ", %esi\n"
    "1:	xor %eax, %eax\n"
    "	cpuid\n"
    "	dec %esi\n"
    "	jnz 1b\n"
    "	out %al, $0x10\n"
    "	hlt\n"
    "g_cpuid_end:\n"
    ".code32\n"
    "g_touch:\n"
    "	mov $0x100000, %ebx\n"
    "1:	movl $1, (%ebx)\n"
    "	add $4096, %ebx\n"
    "	cmp $(0x100000 + " XSTR(FAULT_MB) " * 0x100000), %ebx\n"
    "	jb 1b\n"
    "	out %al, $0x10\n"
    "	hlt\n"
    "g_touch_end:\n"
    ".code64\n"
    ".popsection\n");

struct vm {
	int sys, fd, vcpu;
	struct kvm_run *run;
	size_t run_size;
	void *mem;
	size_t mem_size;
};

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void vm_create(struct vm *v, int sys, size_t mem_size,
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
	v->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->mem == MAP_FAILED)
		die("mmap guest memory");
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

int main(void)
{
	const char *dev = getenv("VIREO_TEST_DEV");
	struct vm v;
	double t0, t;
	int sys, i;

	sys = open(dev ? dev : "/dev/kvm", O_RDWR | O_CLOEXEC);
	if (sys < 0)
		die("open device");

	vm_create(&v, sys, 1 << 20, g_io, g_io_end - g_io);
	vm_mode(&v, 0);
	vm_run_io(&v);
	t0 = now_us();
	for (i = 0; i < IO_ITERS; i++)
		vm_run_io(&v);
	printf("BENCH io_roundtrip %.1f us\n", (now_us() - t0) / IO_ITERS);

	/*
	 * Where an I/O round trip goes: this part, one guest entry and exit
	 * (about cpuid_exit), and the rest is the I/O exit's own handling.
	 */
	v.run->immediate_exit = 1;
	t0 = now_us();
	for (i = 0; i < IO_ITERS; i++) {
		if (!ioctl(v.vcpu, KVM_RUN, 0) || errno != EINTR)
			die("KVM_RUN with immediate_exit");
	}
	printf("BENCH run_no_entry %.1f us\n", (now_us() - t0) / IO_ITERS);
	vm_destroy(&v);

	vm_create(&v, sys, 1 << 20, g_cpuid, g_cpuid_end - g_cpuid);
	vm_mode(&v, 0);
	t0 = now_us();
	vm_run_io(&v);
	printf("BENCH cpuid_exit %.1f us\n", (now_us() - t0) / CPUID_ITERS);
	vm_destroy(&v);

	t = 0;
	for (i = 0; i < CREATE_ITERS; i++) {
		t0 = now_us();
		vm_create(&v, sys, 1 << 20, g_io, g_io_end - g_io);
		vm_mode(&v, 0);
		vm_run_io(&v);
		t += now_us() - t0;
		vm_destroy(&v);
	}
	printf("BENCH vm_to_first_insn %.1f us\n", t / CREATE_ITERS);

	vm_create(&v, sys, (FAULT_MB + 1) << 20, g_touch, g_touch_end - g_touch);
	vm_mode(&v, 1);
	t0 = now_us();
	vm_run_io(&v);
	printf("BENCH fault_in_page %.2f us\n",
	       (now_us() - t0) / (FAULT_MB * 256));
	vm_destroy(&v);
	return 0;
}
