/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the boot benchmarks (boot.c, qemu.c): start a VMM with its
 * console on a pipe, time it, and bound the waits with SIGALRM.
 */
#ifndef VIREO_BENCH_SPAWN_H
#define VIREO_BENCH_SPAWN_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Set by SIGALRM, installed without SA_RESTART: it ends a blocked read. */
static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Guest RAM comes from transparent huge pages, and fragmentation left by
 * earlier boots would otherwise make later ones stall in compaction or
 * fall back to 4 KiB pages, whichever the module. Compaction keeps the
 * page cache: every VMM stays as warm as the warm-up round left it.
 */
static void compact_memory(void)
{
	FILE *f = fopen("/proc/sys/vm/compact_memory", "w");

	if (f) {
		fputs("1", f);
		fclose(f);
	}
}

/*
 * Run @argv with stdin from /dev/null (not the test VM's console: a VMM
 * would take it over) and stdout, and stderr too when @with_stderr, on a
 * pipe. Returns the pipe's reading end and the child in *@pid, or NULL.
 */
static FILE *spawn_output(char *const argv[], int with_stderr, pid_t *pid)
{
	int fds[2];

	if (pipe(fds))
		return NULL;
	*pid = fork();
	if (*pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	if (!*pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null > 0) {
			dup2(null, 0);
			close(null);
		}
		dup2(fds[1], 1);
		if (with_stderr)
			dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	return fdopen(fds[0], "r");
}

#endif
