// SPDX-License-Identifier: GPL-2.0
/*
 * Boot benchmark: time from starting a VMM to the guest's init (its first
 * console line), and the VMM's private memory beside guest RAM, for the
 * vireo VMM on the module under test and, on kvm.ko, for QEMU (-accel kvm)
 * with the same kernel, initrd, memory, vCPU count and command line. One
 * boot of each per call: scripts/vm/run-bench calls this once per round
 * and module, and scripts/bench.sh takes the medians. Lower is better.
 *
 * Both VMMs start from the same place: both binaries, their libraries and
 * QEMU's firmware sit in the test VM's initramfs (vm.sh --qemu), so in RAM,
 * and run-bench's warm-up round boots each once, untimed, before any
 * counted boot. Nothing drops caches in between. The clock starts right
 * before fork() for both, which exec the VMM by its absolute path.
 *
 * Three boots, each for both VMMs (names prefixed "qemu_" for QEMU):
 *
 *   boot_to_init       Debian's cloud kernel as bzImage (VIREO_BENCH_KERNEL).
 *                      The vireo VMM enters the compressed kernel's 64-bit
 *                      entry; QEMU goes through its firmware (qboot on
 *                      microvm), which starts the kernel's 16-bit setup code.
 *   pvh_boot_to_init   the same kernel as ELF vmlinux (VIREO_BENCH_VMLINUX),
 *                      through its PVH entry note: no decompression for
 *                      either, the same 32-bit entry for both; QEMU still
 *                      runs its firmware first (qboot loads the ELF and
 *                      jumps to the PVH entry).
 *   std_boot_to_init   the standard kernel as bzImage
 *                      (VIREO_BENCH_STD_KERNEL; XZ, far more built in).
 *
 *   smp_boot_to_init   the cloud bzImage (VIREO_BENCH_SMP_KERNEL) with 4 vCPUs:
 *                      the vireo VMM with --cpus 4 and its default irqchip
 *                      (split, the local APICs in the kernel), against QEMU
 *                      -M q35 -smp 4 -accel kvm,kernel-irqchip=on (SeaBIOS
 *                      and a PCI bus the VMM has no counterpart for, but the
 *                      machine QEMU's users boot); and the VMM alone with
 *                      --irqchip kernel (smp_kernel_) and --irqchip user
 *                      (smp_user_, every APIC access in the VMM). Under an
 *                      emulated AMD-V (the test VM), the VMM gets
 *                      --no-pv-eoi and QEMU kvm-pv-eoi=off on both modules,
 *                      said in a "#" line: kvm.ko must boot without PV EOI
 *                      there (tests/vm/lib/vmm.sh: QEMU TCG's interrupt
 *                      redelivery hangs its SMP guests), and the guest sees
 *                      the same CPU on both; there vireo.ko also boots the
 *                      VMM's default with PV EOI (smp_pveoi_).
 *
 * and for each, <name>overhead: the VMM's private memory (Private_Clean +
 * Private_Dirty in /proc/PID/smaps) in every mapping but guest RAM, read
 * when the marker line arrives; shared library pages are not counted. For
 * the SMP boots also <name>cpu, the CPU time (user + system, every thread)
 * the VMM's process has used by then, and for the vireo VMM <name>ap_cpu,
 * the part of it its application processors' threads (vcpu1 onwards) used:
 * in the one-CPU test VM every vCPU thread takes turns on that CPU, so what
 * the APs cost shows up in the boot time (tests/bench/README.md).
 *
 * QEMU runs -M microvm (VIREO_BENCH_QEMU_MACHINE overrides): of QEMU's x86
 * machines it is the one closest to what the vireo VMM builds (virtio-mmio,
 * no PCI, a 64 KiB firmware that only loads the kernel); -M pc adds SeaBIOS
 * POST and a PCI bus the kernel then enumerates, which the VMM has no
 * counterpart for. Both boot bzImage and PVH vmlinux with QEMU 7.2.
 *
 * VIREO_BENCH_ROUND (run-bench's round number) decides which VMM boots
 * first: the vireo VMM in even rounds, QEMU in odd ones. Exit status 1 if
 * any boot did not reach init or its VMM did not exit cleanly.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"

#define GUEST_MB	256
#define MARKER		"VIREO-BENCH-INIT"
#define QEMU		"/usr/bin/qemu-system-x86_64"
#define CMDLINE		"console=ttyS0 quiet panic=-1"
#define INIT_TIMEOUT	180	/* s; a boot here takes 5 to 25, more loaded */

/*
 * Private KiB of every mapping of @pid except guest RAM (>= GUEST_MB):
 * smaps_rollup's Private_Clean + Private_Dirty less the guest RAM
 * mapping's, read in one pass over smaps.
 */
static long private_kib(pid_t pid)
{
	char path[64], line[512];
	unsigned long lo, hi;
	long total = 0, kib;
	int guest = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			guest = hi - lo >= (unsigned long)GUEST_MB << 20;
		else if (!guest &&
			 (sscanf(line, "Private_Clean: %ld kB", &kib) == 1 ||
			  sscanf(line, "Private_Dirty: %ld kB", &kib) == 1))
			total += kib;
	}
	fclose(f);
	return total;
}

/* /proc/@pid/task, the directory of its threads, or NULL. */
static DIR *task_dir(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	return opendir(path);
}

/* /proc/@pid/task/@tid/@name, open for reading, or NULL. */
static FILE *task_file(pid_t pid, const char *tid, const char *name)
{
	char path[96];

	if (snprintf(path, sizeof(path), "/proc/%d/task/%.16s/%s", pid, tid,
		     name) >= (int)sizeof(path))
		return NULL;
	return fopen(path, "r");
}

/*
 * CPU time of @pid's threads so far, ms: all of them in *@all, those named
 * "vcpuN" with N >= 1 (the vireo VMM's application processors) in *@aps.
 * -1 in *@all when the process cannot be read.
 */
static void thread_cpu_ms(pid_t pid, long *all, long *aps)
{
	long tick = sysconf(_SC_CLK_TCK);
	char buf[1024];
	struct dirent *e;
	DIR *d;

	*all = -1;
	*aps = 0;
	d = task_dir(pid);
	if (!d || tick <= 0) {
		if (d)
			closedir(d);
		return;
	}
	*all = 0;
	while ((e = readdir(d))) {
		unsigned long ut, st;
		unsigned int n;
		char *comm, *end;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		f = task_file(pid, e->d_name, "stat");
		if (!f)
			continue;
		/* "tid (comm) state ..." where comm may hold spaces. */
		if (fgets(buf, sizeof(buf), f) && (comm = strchr(buf, '(')) &&
		    (end = strrchr(buf, ')')) &&
		    sscanf(end + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			   &ut, &st) == 2) {
			long ms = (long)((ut + st) * 1000 / tick);

			*end = 0;
			*all += ms;
			if (sscanf(comm + 1, "vcpu%u", &n) == 1 && n >= 1)
				*aps += ms;
		}
		fclose(f);
	}
	closedir(d);
}

/* Each thread of @pid: its state line and its kernel stack, as comments. */
static void thread_stacks(pid_t pid)
{
	static const char *const files[] = { "status", "stack" };
	struct dirent *e;
	unsigned int i;
	char buf[256];
	DIR *d;

	d = task_dir(pid);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			FILE *f = task_file(pid, e->d_name, files[i]);

			if (!f)
				continue;
			while (fgets(buf, sizeof(buf), f))
				if (i || !strncmp(buf, "Name:", 5) ||
				    !strncmp(buf, "State:", 6))
					printf("#   %s %s", e->d_name, buf);
			fclose(f);
		}
	}
	closedir(d);
}

/*
 * One boot: ms to the marker line, and then the private memory and the
 * threads' CPU times (thread_cpu_ms()); 0 or -1.
 */
static int boot_once(const char *label, char *const argv[], double *ms,
		     long *kib, long *cpu, long *ap_cpu)
{
	char line[1024], last[1024];
	int st, killed = 0;
	double t0;
	FILE *out;
	pid_t pid;

	compact_memory();
	scrub_memory();
	t0 = now_ms();
	out = spawn_output(argv, 0, &pid);
	if (!out)
		return -1;
	*ms = -1;
	*kib = -1;
	*cpu = -1;
	*ap_cpu = 0;
	/* A boot that hangs is reported with its last console line. */
	alarm(INIT_TIMEOUT);
	last[0] = 0;
	while (fgets(line, sizeof(line), out)) {
		if (strstr(line, MARKER)) {
			*ms = now_ms() - t0;
			*kib = private_kib(pid);
			thread_cpu_ms(pid, cpu, ap_cpu);
			break;
		}
		strcpy(last, line);
	}
	if (*ms < 0) {
		printf("# %s: no init after %.0f ms; last line: %s", label,
		       now_ms() - t0, last[0] ? last : "(none)\n");
		thread_stacks(pid);
		/* With VIREO_DEBUG, the VMM says where its vCPUs are stuck. */
		kill(pid, SIGTERM);
		clearerr(out);
	}
	/*
	 * The guest powers off by itself; don't let a stuck one hang us. The
	 * pipe's end of file comes as the VMM closes its files, a moment
	 * before it can be reaped: wait for it, under the same alarm.
	 */
	alarmed = 0;
	alarm(*ms < 0 ? 5 : 60);
	while (fgets(line, sizeof(line), out))
		;
	fclose(out);
	if (alarmed || waitpid(pid, &st, 0) != pid) {
		kill(pid, SIGKILL);
		alarmed = 0;
		alarm(30);
		if (waitpid(pid, &st, 0) != pid) {
			/* Not even SIGKILL ends it: where are its threads? */
			printf("# %s: the VMM (pid %d) outlived SIGKILL by 30 s\n",
			       label, (int)pid);
			thread_stacks(pid);
			alarm(0);
			return -1;
		}
		killed = 1;
	}
	alarm(0);
	if (*ms < 0)
		return -1;
	if (killed || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("# %s: reached init but %s\n", label,
		       killed ? "did not exit after power-off" :
		       "exited with a failure status");
		return -1;
	}
	if (*kib < 0) {
		printf("# %s: no smaps for its process\n", label);
		return -1;
	}
	return 0;
}

static const char *machine(void)
{
	const char *m = getenv("VIREO_BENCH_QEMU_MACHINE");

	return m && *m ? m : "microvm";
}

/* One boot of @argv, its BENCH lines under @label and @name"overhead". */
static int boot_report(const char *label, const char *name,
		       char *const argv[])
{
	long kib, cpu, ap_cpu;
	double ms;

	if (boot_once(label, argv, &ms, &kib, &cpu, &ap_cpu)) {
		printf("# %s did not reach init cleanly\n", label);
		return 1;
	}
	printf("BENCH %s %.0f ms\n", label, ms);
	printf("BENCH %soverhead %ld KiB\n", name, kib);
	if (strstr(name, "smp_") && cpu >= 0) {
		printf("BENCH %scpu %ld ms\n", name, cpu);
		if (ap_cpu > 0)
			printf("BENCH %sap_cpu %ld ms\n", name, ap_cpu);
	}
	return 0;
}

/*
 * @kernel on the vireo VMM and, on kvm.ko, on QEMU, in the order the
 * round asks for. Returns the number of failed boots.
 */
static int boot_both(const char *dev, int qemu_too, int qemu_first,
		     const char *name, const char *kernel, const char *initrd)
{
	static char mem[16];
	char *const vireo[] = { "/vireo/bin/vireo", "run", "--device",
		(char *)dev, "--kernel", (char *)kernel, "--initrd",
		(char *)initrd, "--memory", mem, "--cmdline", CMDLINE, NULL };
	char *const qemu[] = { QEMU, "-accel", "kvm",
		"-M", (char *)machine(), "-cpu", "host",
		"-m", mem, "-smp", "1", "-nodefaults",
		"-no-user-config", "-display", "none", "-serial",
		"stdio", "-kernel", (char *)kernel, "-initrd", (char *)initrd,
		"-append", CMDLINE, NULL };
	char *const *argv[2] = { vireo, qemu };
	const char *prefix[2] = { "", "qemu_" };
	int failed = 0;

	snprintf(mem, sizeof(mem), "%dM", GUEST_MB);
	for (int i = 0; i < 1 + qemu_too; i++) {
		int j = qemu_too && qemu_first ? 1 - i : i;
		char label[64], oname[64];

		snprintf(label, sizeof(label), "%s%sboot_to_init", prefix[j],
			 name);
		snprintf(oname, sizeof(oname), "%s%s", prefix[j], name);
		failed += boot_report(label, oname, argv[j]);
	}
	return failed;
}

/*
 * Does this kernel run on AMD-V? In the test VM that is QEMU's TCG, the
 * one AMD-V make bench knows (the rule of tests/vm/lib/vmm.sh).
 */
static int has_svm(void)
{
	char line[4096];
	int svm = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			svm = strstr(line, " svm") != NULL;
			break;
		}
	fclose(f);
	return svm;
}

/*
 * The SMP boots (smp_boot_to_init above): the VMM with its default, kernel
 * and user irqchip, and on kvm.ko QEMU's q35; QEMU first in odd rounds.
 */
static int boot_smp(const char *dev, int on_kvm, int qemu_first,
		    const char *kernel, const char *initrd)
{
	static char mem[16];
	int no_pv_eoi = has_svm();
	char *const qemu[] = { QEMU, "-accel", "kvm,kernel-irqchip=on",
		"-M", "q35", "-cpu",
		no_pv_eoi ? "host,kvm-pv-eoi=off" : "host",
		"-m", mem, "-smp", "4", "-nodefaults", "-no-user-config",
		"-display", "none", "-serial", "stdio", "-kernel",
		(char *)kernel, "-initrd", (char *)initrd, "-append", CMDLINE,
		NULL };
	static const char *const chip[] = { NULL, "kernel", "user", NULL };
	static const char *const name[] = { "smp_", "smp_kernel_", "smp_user_",
					    "smp_pveoi_" };
	static const int pv_eoi[] = { 0, 0, 0, 1 };
	int failed = 0;

	snprintf(mem, sizeof(mem), "%dM", GUEST_MB);
	if (no_pv_eoi)
		printf("# reference note: under QEMU's TCG AMD-V the SMP boots run the VMM with --no-pv-eoi and QEMU with kvm-pv-eoi=off on both modules (kvm.ko's guests hang with PV EOI there: the emulator's EVENTINJ redelivery, tests/vm/lib/vmm.sh)\n");
	if (on_kvm && qemu_first)
		failed += boot_report("qemu_smp_boot_to_init", "qemu_smp_", qemu);
	for (unsigned int i = 0; i < sizeof(chip) / sizeof(chip[0]); i++) {
		char *argv[20], label[64];
		int n = 0;

		/* What PV EOI saves, where the rows above go without it. */
		if (pv_eoi[i] && (on_kvm || !no_pv_eoi))
			continue;
		argv[n++] = "/vireo/bin/vireo";
		argv[n++] = "run";
		argv[n++] = "--device";
		argv[n++] = (char *)dev;
		argv[n++] = "--cpus";
		argv[n++] = "4";
		if (chip[i]) {
			argv[n++] = "--irqchip";
			argv[n++] = (char *)chip[i];
		}
		if (no_pv_eoi && !pv_eoi[i])
			argv[n++] = "--no-pv-eoi";
		argv[n++] = "--kernel";
		argv[n++] = (char *)kernel;
		argv[n++] = "--initrd";
		argv[n++] = (char *)initrd;
		argv[n++] = "--memory";
		argv[n++] = mem;
		argv[n++] = "--cmdline";
		argv[n++] = CMDLINE;
		argv[n] = NULL;
		snprintf(label, sizeof(label), "%sboot_to_init", name[i]);
		failed += boot_report(label, name[i], argv);
	}
	if (on_kvm && !qemu_first)
		failed += boot_report("qemu_smp_boot_to_init", "qemu_smp_", qemu);
	return failed;
}

int main(void)
{
	static const struct {
		const char *name, *env;
	} boots[] = {
		{ "", "VIREO_BENCH_KERNEL" },
		{ "pvh_", "VIREO_BENCH_VMLINUX" },
		{ "std_", "VIREO_BENCH_STD_KERNEL" },
	};
	const char *dev = getenv("VIREO_TEST_DEV");
	const char *mode = getenv("VIREO_TEST_MODE");
	const char *initrd = getenv("VIREO_BENCH_INITRD");
	const char *round = getenv("VIREO_BENCH_ROUND");
	struct sigaction sa = { .sa_handler = on_alarm };
	int qemu_too, qemu_first, failed = 0, ran = 0;

	/* Results survive a test VM that times out. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* No SA_RESTART: the alarm must interrupt a blocked read. */
	sigaction(SIGALRM, &sa, NULL);
	if (!dev || !initrd) {
		fprintf(stderr, "boot: VIREO_TEST_DEV and VIREO_BENCH_INITRD needed\n");
		return 1;
	}
	setenv("VIREO_DEBUG", "1", 1);
	/* QEMU opens /dev/kvm: it runs on kvm.ko only. */
	qemu_too = mode && !strcmp(mode, "kvm") && access(QEMU, X_OK) == 0;
	qemu_first = round && atoi(round) % 2;
	for (unsigned int i = 0; i < sizeof(boots) / sizeof(boots[0]); i++) {
		const char *kernel = getenv(boots[i].env);

		if (!kernel || !*kernel)
			continue;
		failed += boot_both(dev, qemu_too, qemu_first, boots[i].name,
				    kernel, initrd);
		ran++;
	}
	if (getenv("VIREO_BENCH_SMP_KERNEL") && *getenv("VIREO_BENCH_SMP_KERNEL")) {
		failed += boot_smp(dev, qemu_too, qemu_first,
				   getenv("VIREO_BENCH_SMP_KERNEL"), initrd);
		ran++;
	}
	if (!ran) {
		printf("# no guest kernel given: nothing to boot\n");
		return 1;
	}
	return failed ? 1 : 0;
}
