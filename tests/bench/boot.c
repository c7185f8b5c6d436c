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
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS		5
#define GUEST_MB	256
#define MARKER		"VIREO-BENCH-INIT"
#define STD_KERNEL	"/vireo/kernel/vmlinuz"
#define CMDLINE		"console=ttyS0 quiet panic=-1"
#define INIT_TIMEOUT	120	/* s; a boot here takes 5 to 25 */

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
	char line[1024], last[1024];
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
		/* Not the test VM's console: both VMMs would take it over. */
		int null = open("/dev/null", O_RDONLY);

		if (null > 0) {
			dup2(null, 0);
			close(null);
		}
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	*ms = -1;
	/* A boot that hangs is reported with its last console line. */
	alarm(INIT_TIMEOUT);
	last[0] = 0;
	while (fgets(line, sizeof(line), out)) {
		if (strstr(line, MARKER)) {
			*ms = now_ms() - t0;
			*kib = overhead_kib(pid);
			break;
		}
		strcpy(last, line);
	}
	if (*ms < 0) {
		printf("# no init after %.0f ms; last line: %s", now_ms() - t0,
		       last[0] ? last : "(none)\n");
		/* With VIREO_DEBUG, the VMM says where its vCPUs are stuck. */
		kill(pid, SIGTERM);
		clearerr(out);
	}
	/* The guest powers off by itself; don't let a stuck one hang us. */
	alarm(*ms < 0 ? 5 : 30);
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

/* One VMM's boots of one kernel. */
struct series {
	const char *vmm;	/* "" or "qemu_" */
	char *const *argv;
	double ms[RUNS];
	long kib[RUNS];
	int failed;
};

static void report(struct series *s, const char *kernel)
{
	if (s->failed)
		return;
	qsort(s->ms, RUNS, sizeof(s->ms[0]), cmp);
	printf("BENCH %s%sboot_to_init %.0f ms\n", s->vmm, kernel, s->ms[RUNS / 2]);
	printf("BENCH %s%soverhead %ld KiB\n", s->vmm, kernel, s->kib[RUNS - 1]);
}

/*
 * @kernel on the vireo VMM and, on kvm.ko with --hostroot, on QEMU. The
 * two take turns, so that the emulated machine slowing down or speeding up
 * over the minutes this takes (it does, by tens of percent) weighs on both
 * alike instead of on whichever ran in the slow stretch.
 */
static void boot_both(const char *dev, const char *mode, const char *name,
		      const char *kernel, const char *initrd, char *mem,
		      int warm_up)
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
	struct series s[2] = { { .vmm = "", .argv = vireo },
			       { .vmm = "qemu_", .argv = qemu } };
	int n = mode && !strcmp(mode, "kvm") &&
		access("/bin/hostrun", X_OK) == 0 ? 2 : 1;

	/*
	 * One boot that does not count, before the first measured one: in
	 * the emulated machine here, the first nested boot in the test VM's
	 * life runs its kernel's decompressor several times faster than
	 * later ones (with the same exits and the same huge pages), and that
	 * advantage would go to whichever VMM was first. Reloading the module
	 * does not bring it back. The emulator's own counters (QEMU monitor,
	 * "info jit") point at its translated code: a boot writes guest RAM
	 * over pages an earlier nested guest ran code from, and each such
	 * write makes TCG drop its translations (about 5k invalidations in
	 * the first boot, about 60k in each later one).
	 */
	if (warm_up) {
		double ms;
		long kib;

		if (boot_once(vireo, &ms, &kib) == 0)
			printf("# warm-up boot (not counted): %.0f ms\n", ms);
	}
	for (int i = 0; i < RUNS; i++) {
		for (int j = 0; j < n; j++) {
			if (s[j].failed)
				continue;
			if (boot_once(s[j].argv, &s[j].ms[i], &s[j].kib[i])) {
				printf("# %s%s: run %d did not reach init\n",
				       s[j].vmm, name, i);
				s[j].failed = 1;
				continue;
			}
			printf("# %s%sboot_to_init run %d: %.0f ms\n", s[j].vmm,
			       name, i, s[j].ms[i]);
		}
	}
	for (int j = 0; j < n; j++)
		report(&s[j], name);
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

	/* Results survive a test VM that times out. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* No SA_RESTART: the alarm must interrupt a blocked read. */
	sigaction(SIGALRM, &sa, NULL);
	if (!dev || !initrd) {
		fprintf(stderr, "boot: VIREO_TEST_DEV and VIREO_BENCH_INITRD needed\n");
		return 1;
	}
	setenv("VIREO_DEBUG", "1", 1);
	snprintf(mem, sizeof(mem), "%dM", GUEST_MB);
	if (kernel)
		boot_both(dev, mode, "", kernel, initrd, mem, 1);
	boot_both(dev, mode, "std_", STD_KERNEL, initrd, mem, !kernel);
	return 0;
}
