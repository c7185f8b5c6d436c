// SPDX-License-Identifier: GPL-2.0
/*
 * Boot benchmark: time from starting the VMM to the guest's init (its first
 * console line), and the VMM's resident memory beside guest RAM, for the
 * vireo VMM on the module under test and, when the test VM runs with
 * --hostroot, for QEMU (-accel kvm, microvm) on kvm.ko with the same kernel
 * and initrd. Lower is better.
 *
 * Two guest kernels: Debian's cloud kernel (VIREO_BENCH_KERNEL, the one
 * the VMM is meant to boot, LZ4-compressed) and, prefixed "std_", the
 * standard kernel the --hostroot test VM itself runs (XZ-compressed, with
 * far more built in; its decompression alone takes seconds here).
 *
 *   boot_to_init        vireo VMM, ms (median of RUNS)
 *   overhead            vireo VMM resident memory other than guest RAM, KiB
 *   qemu_boot_to_init   QEMU, ms        (kvm.ko only)
 *   qemu_overhead       QEMU, KiB       (kvm.ko only)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS		3
#define GUEST_MB	256
#define MARKER		"VIREO-BENCH-INIT"
#define STD_KERNEL	"/vireo/kernel/vmlinuz"
#define CMDLINE		"console=ttyS0 quiet panic=-1"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Resident KiB of every mapping of @pid except guest RAM (>= GUEST_MB). */
static long overhead_kib(pid_t pid)
{
	char path[64], line[512];
	unsigned long lo, hi;
	long total = 0, rss;
	int guest = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			guest = hi - lo >= (unsigned long)GUEST_MB << 20;
		else if (sscanf(line, "Rss: %ld kB", &rss) == 1 && !guest)
			total += rss;
	}
	fclose(f);
	return total;
}

/*
 * Every boot starts from the same memory state: guest RAM comes from
 * transparent huge pages, and fragmentation left by earlier boots would
 * otherwise make later ones (always vireo.ko's, which run second) stall
 * in compaction or fall back to 4 KiB pages.
 */
static void settle_memory(void)
{
	static const char *const knobs[] = { "/proc/sys/vm/drop_caches",
					     "/proc/sys/vm/compact_memory" };
	const char *val[] = { "3", "1" };
	unsigned int i;

	sync();
	for (i = 0; i < 2; i++) {
		FILE *f = fopen(knobs[i], "w");

		if (f) {
			fputs(val[i], f);
			fclose(f);
		}
	}
}

/* One boot: ms to the marker line and the overhead then, or -1. */
static int boot_once(char *const argv[], double *ms, long *kib)
{
	double t0;
	char line[1024];
	int fds[2], st;
	FILE *out;
	pid_t pid;

	settle_memory();
	t0 = now_ms();
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	*ms = -1;
	while (fgets(line, sizeof(line), out)) {
		if (strstr(line, MARKER)) {
			*ms = now_ms() - t0;
			*kib = overhead_kib(pid);
			break;
		}
	}
	/* The guest powers off by itself; don't let a stuck one hang us. */
	alarm(30);
	while (fgets(line, sizeof(line), out))
		;
	fclose(out);
	if (waitpid(pid, &st, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	alarm(0);
	return *ms < 0 ? -1 : 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void bench(const char *vmm, const char *kernel, char *const argv[])
{
	double ms[RUNS];
	long kib[RUNS];
	int i;

	for (i = 0; i < RUNS; i++) {
		if (boot_once(argv, &ms[i], &kib[i])) {
			printf("# %s%s: run %d did not reach init\n", vmm, kernel,
			       i);
			return;
		}
	}
	qsort(ms, RUNS, sizeof(ms[0]), cmp);
	printf("BENCH %s%sboot_to_init %.0f ms\n", vmm, kernel, ms[RUNS / 2]);
	printf("BENCH %s%soverhead %ld KiB\n", vmm, kernel, kib[RUNS - 1]);
}

/* @kernel on the vireo VMM and, on kvm.ko with --hostroot, on QEMU. */
static void boot_both(const char *dev, const char *mode, const char *name,
		      const char *kernel, const char *initrd, char *mem)
{
	char *const vireo[] = { "/vireo/bin/vireo", "run", "--device",
		(char *)dev, "--kernel", (char *)kernel, "--initrd",
		(char *)initrd, "--memory", mem, "--cmdline", CMDLINE, NULL };
	char *const qemu[] = { "/bin/hostrun", "qemu-system-x86_64",
		"-accel", "kvm", "-M", "microvm", "-cpu", "host",
		"-m", mem, "-smp", "1", "-nodefaults",
		"-no-user-config", "-display", "none", "-serial",
		"stdio", "-kernel", (char *)kernel, "-initrd", (char *)initrd,
		"-append", CMDLINE, NULL };

	bench("", name, vireo);
	if (mode && !strcmp(mode, "kvm") && access("/bin/hostrun", X_OK) == 0)
		bench("qemu_", name, qemu);
}

static void on_alarm(int sig)
{
}

int main(void)
{
	const char *dev = getenv("VIREO_TEST_DEV");
	const char *mode = getenv("VIREO_TEST_MODE");
	const char *initrd = getenv("VIREO_BENCH_INITRD");
	const char *kernel = getenv("VIREO_BENCH_KERNEL");
	char mem[16];
	struct sigaction sa = { .sa_handler = on_alarm };

	/* No SA_RESTART: the alarm must interrupt a blocked read. */
	sigaction(SIGALRM, &sa, NULL);
	if (!dev || !initrd) {
		fprintf(stderr, "boot: VIREO_TEST_DEV and VIREO_BENCH_INITRD needed\n");
		return 1;
	}
	snprintf(mem, sizeof(mem), "%dM", GUEST_MB);
	if (kernel)
		boot_both(dev, mode, "", kernel, initrd, mem);
	boot_both(dev, mode, "std_", STD_KERNEL, initrd, mem);
	return 0;
}
