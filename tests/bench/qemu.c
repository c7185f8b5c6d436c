// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU benchmark: unmodified QEMU 7.2 with -accel kvm,kernel-irqchip=on
 * booting the cloud kernel (VIREO_BENCH_QEMU_KERNEL, its bzImage) to its
 * init on the module under test, with the same command on both modules
 * (run-bench loads vireo.ko with devkvm=1, so QEMU finds it at /dev/kvm).
 * One boot per machine per call:
 *
 *   qemu_q35_boot_to_init      -M q35 (SeaBIOS, PCI, ACPI)
 *   qemu_microvm_boot_to_init  -M microvm (qboot, no PCI)
 *
 * (VIREO_BENCH_QEMU_MACHINES: the machines, default "q35 microvm";
 * VIREO_BENCH_QEMU_IRQCHIPS: "on" by default, "split" adds
 * qemu_<machine>_split_boot_to_init). Time
 * from fork() to the guest's marker line, the first thing its /init
 * prints (run-bench's guest: VIREO-BENCH-INIT), in ms; lower is better.
 * The guest: 256 MiB, VIREO_BENCH_QEMU_SMP vCPUs (1), "-cpu
 * host,kvm-pv-eoi=off" on both modules (kvm.ko's guest hangs more often
 * with it under the test VM's emulated AMD-V, tests/clients/lib.sh, and the
 * guest sees the same CPU on both), no devices but the serial port,
 * -no-reboot.
 * The order of the boots reverses with VIREO_BENCH_ROUND.
 *
 * A boot that does not reach init within VIREO_BENCH_QEMU_TIMEOUT seconds
 * (300) is killed, said in a "# ... timed out" line with its last console
 * line, and booted again, at most VIREO_BENCH_QEMU_RETRIES (2) more times:
 * kvm.ko's guests now and then hang under QEMU's TCG AMD-V (its interrupt
 * redelivery, tests/clients/lib.sh). A timed-out boot is never counted:
 * when every attempt times out the machine has no BENCH line this round
 * and the exit status is 1, as for a boot that exits with a failure
 * status or does not exit after its power-off (not retried).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"

#define QEMU		"/usr/bin/qemu-system-x86_64"
#define MARKER		"VIREO-BENCH-INIT"
#define CMDLINE		"console=ttyS0 quiet panic=-1"
#define MAX_MACHINES	4

static int env_int(const char *name, int dflt, int lo, int hi)
{
	const char *s = getenv(name);
	int v;

	if (!s || !*s)
		return dflt;
	v = atoi(s);
	if (v < lo || v > hi) {
		fprintf(stderr, "qemu: %s=%s not in %d..%d\n", name, s, lo, hi);
		exit(1);
	}
	return v;
}

enum outcome { BOOTED, TIMED_OUT, FAILED };

/*
 * One boot of @argv: ms from fork() to the marker in *@ms. A boot that
 * shows no marker in @limit s is TIMED_OUT; one that reaches it but then
 * does not exit with status 0 within a minute (the guest powers off at
 * once) is FAILED.
 */
static enum outcome boot_once(const char *label, char *const argv[],
			      int limit, double *ms)
{
	char line[1024], last[1024] = "";
	int st, reaped = 0;
	double t0;
	FILE *out;
	pid_t pid;

	compact_memory();
	scrub_memory();
	t0 = now_ms();
	out = spawn_output(argv, 1, &pid);
	if (!out)
		return FAILED;
	*ms = -1;
	alarmed = 0;
	alarm(limit);
	while (fgets(line, sizeof(line), out)) {
		if (strstr(line, MARKER)) {
			*ms = now_ms() - t0;
			break;
		}
		if (line[0] != '\n' && line[0] != '\r')
			strcpy(last, line);
	}
	alarm(0);
	if (*ms < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fclose(out);
		if (alarmed) {
			printf("# %s: timed out: no init after %.0f ms; last line: %s",
			       label, now_ms() - t0, last[0] ? last : "(none)\n");
			return TIMED_OUT;
		}
		printf("# %s: QEMU ended before init (%s); last line: %s",
		       label, WIFEXITED(st) ? "exit status" : "signal",
		       last[0] ? last : "(none)\n");
		return FAILED;
	}
	/* The pipe ends as QEMU closes its files, a moment before its exit. */
	alarmed = 0;
	alarm(60);
	while (fgets(line, sizeof(line), out))
		;
	fclose(out);
	if (!alarmed && waitpid(pid, &st, 0) == pid)
		reaped = 1;
	alarm(0);
	if (!reaped) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		printf("# %s: reached init but QEMU did not exit after power-off\n",
		       label);
		return FAILED;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("# %s: reached init but QEMU exited with a failure status\n",
		       label);
		return FAILED;
	}
	return BOOTED;
}

/*
 * One machine's boot with one irqchip, retried after a timeout; 0 when
 * one was counted.
 */
static int bench_machine(const char *machine, const char *irqchip,
			 const char *kernel, const char *initrd, int smp,
			 int limit, int retries)
{
	char label[80], mach[64], accel[64];
	char cpus[16], mem[] = "256M";
	char *const argv[] = { QEMU, "-M", mach, "-accel", accel,
		"-cpu", "host,kvm-pv-eoi=off", "-smp", cpus, "-m", mem,
		"-nodefaults", "-no-user-config", "-display", "none",
		"-no-reboot", "-serial", "stdio", "-kernel", (char *)kernel,
		"-initrd", (char *)initrd, "-append", CMDLINE, NULL };
	double ms;

	snprintf(mach, sizeof(mach), "%s", machine);
	snprintf(cpus, sizeof(cpus), "%d", smp);
	snprintf(accel, sizeof(accel), "kvm,kernel-irqchip=%s", irqchip);
	/* kernel-irqchip=on, the figure, keeps the short name. */
	if (strcmp(irqchip, "on"))
		snprintf(label, sizeof(label), "qemu_%s_%s_boot_to_init",
			 machine, irqchip);
	else
		snprintf(label, sizeof(label), "qemu_%s_boot_to_init", machine);
	for (int attempt = 1; attempt <= 1 + retries; attempt++) {
		switch (boot_once(label, argv, limit, &ms)) {
		case BOOTED:
			if (attempt > 1)
				printf("# %s: counted boot %d of %d (the earlier timed out)\n",
				       label, attempt, 1 + retries);
			printf("BENCH %s %.0f ms\n", label, ms);
			return 0;
		case TIMED_OUT:
			printf("# %s: boot %d of %d timed out after %d s%s\n",
			       label, attempt, 1 + retries, limit,
			       attempt <= retries ? ": booting again" :
			       ": not counted, no result this round");
			continue;
		case FAILED:
			break;
		}
		break;
	}
	printf("# %s did not reach init cleanly\n", label);
	return 1;
}

int main(void)
{
	const char *kernel = getenv("VIREO_BENCH_QEMU_KERNEL");
	const char *initrd = getenv("VIREO_BENCH_INITRD");
	const char *round = getenv("VIREO_BENCH_ROUND");
	const char *list = getenv("VIREO_BENCH_QEMU_MACHINES");
	const char *chips = getenv("VIREO_BENCH_QEMU_IRQCHIPS");
	int smp = env_int("VIREO_BENCH_QEMU_SMP", 1, 1, 8);
	int limit = env_int("VIREO_BENCH_QEMU_TIMEOUT", 300, 10, 3600);
	int retries = env_int("VIREO_BENCH_QEMU_RETRIES", 2, 0, 5);
	char buf[256], cbuf[64], *machine[MAX_MACHINES], *chip[3];
	char *save = NULL;
	struct sigaction sa = { .sa_handler = on_alarm };
	int n = 0, nc = 0, failed = 0, reverse;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* No SA_RESTART: the alarm must interrupt a blocked read. */
	sigaction(SIGALRM, &sa, NULL);
	if (!kernel || !*kernel || !initrd || access(QEMU, X_OK)) {
		fprintf(stderr, "qemu: needs VIREO_BENCH_QEMU_KERNEL, VIREO_BENCH_INITRD and %s\n",
			QEMU);
		return 1;
	}
	if (access("/dev/kvm", R_OK | W_OK)) {
		fprintf(stderr, "qemu: no /dev/kvm (vireo.ko answers there with devkvm=1)\n");
		return 1;
	}
	snprintf(buf, sizeof(buf), "%s", list && *list ? list : "q35 microvm");
	for (char *m = strtok_r(buf, " ", &save); m && n < MAX_MACHINES;
	     m = strtok_r(NULL, " ", &save))
		machine[n++] = m;
	snprintf(cbuf, sizeof(cbuf), "%s", chips && *chips ? chips : "on");
	save = NULL;
	for (char *c = strtok_r(cbuf, " ", &save); c && nc < 2;
	     c = strtok_r(NULL, " ", &save)) {
		/*
		 * Not off: QEMU 7.2 then aborts on kvm.ko unless the KVM
		 * leaf goes too (tests/clients/qemu.sh), another command.
		 */
		if (strcmp(c, "on") && strcmp(c, "split")) {
			fprintf(stderr, "qemu: irqchip %s: not on or split\n", c);
			return 1;
		}
		chip[nc++] = c;
	}
	reverse = round && atoi(round) % 2 == 0;
	for (int i = 0; i < n * nc; i++) {
		int k = reverse ? n * nc - 1 - i : i;

		failed += bench_machine(machine[k / nc], chip[k % nc], kernel,
					initrd, smp, limit, retries);
	}
	return failed ? 1 : 0;
}
