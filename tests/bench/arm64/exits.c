// SPDX-License-Identifier: GPL-2.0
/*
 * Arm64 exit benchmarks and the VMM's boot, run by scripts/bench.sh
 * --arm64 in the qemu-arm64 test VM, booted once per module and round
 * (vireo.ko needs the kernel's own KVM off: the two never share a boot).
 * Each figure is time per operation, lower is better; only ratios between
 * the modules mean anything under TCG.
 *
 *   mmio_roundtrip  guest store outside memory -> KVM_EXIT_MMIO -> KVM_RUN
 *   hvc_exit        HVC (PSCI_VERSION) answered in the kernel, per call
 *   run_no_entry    KVM_RUN with immediate_exit: the ioctl and run loop
 *   vm_to_first_insn  KVM_CREATE_VM .. first guest instruction's exit
 *   boot_to_init    the vireo VMM from exec to the guest's init (a marker
 *                   line on its console), Debian's arm64 kernel
 *
 * The VM and its guest come from the arm64 test programs' helpers
 * (tests/vm/arm64/lib).  Every benchmark runs BATCHES timed batches of
 * ITERS operations ($VIREO_BENCH_ITERS) after an untimed warm-up; the
 * BENCH line is the median of the batch means, the "#" line before it
 * gives them all.  VIREO_BENCH_BATCHES overrides BATCHES; boot_to_init
 * runs VIREO_BENCH_BOOTS times (default 1) when VIREO_BENCH_VMM,
 * VIREO_BENCH_KERNEL and VIREO_BENCH_INITRD name the VMM, the guest's
 * kernel and its initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../bench.h"
#include "vt_arm64.h"

#define ITERS		500	/* per batch, unless $VIREO_BENCH_ITERS */
#define HVC_ITERS	500	/* per KVM_RUN */
#define CREATE_ITERS	4	/* per batch */
#define STR(x)		#x
#define XSTR(x)		STR(x)

/* Store x1 to MMIO, forever. */
VA_GUEST(g_mmio,
	"ldr x5, =0x10000000\n"
	"1: str x1, [x5]\n"
	"b 1b\n");

/* HVC_ITERS HVCs (PSCI_VERSION), then a store to MMIO, forever. */
VA_GUEST(g_hvc,
	"ldr x5, =0x10000000\n"
	"1: ldr x6, =" XSTR(HVC_ITERS) "\n"
	"2: ldr x0, =0x84000000\n"
	"hvc #0\n"
	"subs x6, x6, #1\n"
	"b.ne 2b\n"
	"str x0, [x5]\n"
	"b 1b\n");

static int iters = ITERS;

/* A VM running @start..@end from VA_RAM_GPA; exits on failure. */
static void vm_create(struct vt_vm *v, const uint8_t *start,
		      const uint8_t *end)
{
	int r = va_vm_guest(v, 1 << 20, start, end);

	if (r) {
		errno = -r;
		die("a VM for the guest");
	}
}

static void vm_run_mmio(struct vt_vm *v)
{
	do {
		if (ioctl(v->vcpu, KVM_RUN, 0) && errno != EINTR)
			die("KVM_RUN");
	} while (v->run->exit_reason == KVM_EXIT_INTR);
	if (v->run->exit_reason != KVM_EXIT_MMIO) {
		fprintf(stderr, "bench: unexpected exit %u\n",
			v->run->exit_reason);
		exit(1);
	}
}
static double mmio_batch(struct vt_vm *v, int n)
{
	double t0 = now_us();

	for (int i = 0; i < n; i++)
		vm_run_mmio(v);
	return (now_us() - t0) / n;
}

static double no_entry_batch(struct vt_vm *v, int n)
{
	double t0 = now_us();

	for (int i = 0; i < n; i++) {
		if (!ioctl(v->vcpu, KVM_RUN, 0) || errno != EINTR)
			die("KVM_RUN with immediate_exit");
	}
	return (now_us() - t0) / n;
}

static double create_batch(int n)
{
	double t = 0, t0;
	struct vt_vm v;

	for (int i = 0; i < n; i++) {
		t0 = now_us();
		vm_create(&v, g_mmio_start, g_mmio_end);
		vm_run_mmio(&v);
		t += now_us() - t0;
		vt_vm_destroy(&v);
	}
	return t / n;
}

/*
 * One boot of the VMM: ms from fork to the guest's marker line on its
 * console, then the VMM must end with status 0 (the guest powers off).
 */
static double boot_once(const char *vmm, const char *dev, const char *kernel,
			const char *initrd)
{
	static char buf[1 << 16];
	size_t have = 0;
	double t0 = now_us(), t = -1;
	int p[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		execl(vmm, vmm, "run", "--device", dev, "--kernel", kernel,
		      "--initrd", initrd, "--memory", "256M", "--cmdline",
		      "console=ttyS0 panic=-1 quiet", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += n;
		buf[have] = 0;
		if (t < 0 && strstr(buf, "VIREO-BENCH-INIT"))
			t = (now_us() - t0) / 1e3;
		if (have > sizeof(buf) / 2) {
			/* Keep the tail: the marker may straddle reads. */
			memmove(buf, buf + have - 64, 64);
			have = 64;
		}
	}
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (t < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench: the VMM's guest %s (status %#x)\n",
			t < 0 ? "never reached init" : "did not power off",
			status);
		exit(1);
	}
	return t;
}

int main(void)
{
	const char *dev = getenv("VIREO_TEST_DEV");
	const char *vmm = getenv("VIREO_BENCH_VMM");
	const char *kernel = getenv("VIREO_BENCH_KERNEL");
	const char *initrd = getenv("VIREO_BENCH_INITRD");
	const char *boots = getenv("VIREO_BENCH_BOOTS");
	double mean[MAX_BATCHES];
	struct vt_vm v;
	int i, nboot;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bench_batches())
		return 1;
	if (getenv("VIREO_BENCH_ITERS"))
		iters = atoi(getenv("VIREO_BENCH_ITERS"));
	if (iters < 1)
		iters = ITERS;
	/* The helpers open the device vt_dev_path() names: the same one. */
	if (dev)
		setenv("VIREO_TEST_DEV", dev, 1);
	dev = vt_dev_path();

	/* The first entry and a warm-up batch, neither timed. */
	vm_create(&v, g_mmio_start, g_mmio_end);
	vm_run_mmio(&v);
	mmio_batch(&v, iters);
	for (i = 0; i < batches; i++)
		mean[i] = mmio_batch(&v, iters);
	report_n("mmio_roundtrip", mean, batches, "%.1f", "us");

	v.run->immediate_exit = 1;
	no_entry_batch(&v, iters);
	for (i = 0; i < batches; i++)
		mean[i] = no_entry_batch(&v, iters);
	report_n("run_no_entry", mean, batches, "%.1f", "us");
	vt_vm_destroy(&v);

	/* Each KVM_RUN: HVC_ITERS HVCs in the kernel, then one MMIO store. */
	vm_create(&v, g_hvc_start, g_hvc_end);
	vm_run_mmio(&v);
	vm_run_mmio(&v);
	for (i = 0; i < batches; i++)
		mean[i] = mmio_batch(&v, 1) / HVC_ITERS;
	report_n("hvc_exit", mean, batches, "%.2f", "us");
	vt_vm_destroy(&v);

	create_batch(1);
	for (i = 0; i < batches; i++)
		mean[i] = create_batch(CREATE_ITERS);
	report_n("vm_to_first_insn", mean, batches, "%.1f", "us");

	if (vmm && kernel && initrd) {
		nboot = boots ? atoi(boots) : 1;
		if (nboot < 1 || nboot > MAX_BATCHES)
			nboot = 1;
		for (i = 0; i < nboot; i++)
			mean[i] = boot_once(vmm, dev, kernel, initrd);
		report_n("boot_to_init", mean, nboot, "%.0f", "ms");
	}
	return 0;
}
