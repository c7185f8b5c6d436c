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
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
 * The test VM's emulator (QEMU TCG) remembers, for each page of the test
 * VM, the code it translated from it, and a store to such a page takes its
 * self-modifying-code path until every translation there is gone. The
 * pages a VMM gets for guest RAM are mostly those the previous boot's VMM
 * just freed, where the previous guest's kernel ran, and the kernel's
 * zeroing of them for the new VMM does not take the emulator's memory of
 * them away: in every boot of a test VM but the first, the next guest's
 * bzImage decompressor spent 3 to 5 s more in that path (a perf profile of
 * the emulator: page_collection_lock() and its GTree in 30 to 35% of the
 * samples over those seconds; 0.5 to 0.9 s to decompress in a first boot),
 * whichever the VMM. Writing over VIREO_BENCH_SCRUB_MB MiB (512 by
 * default, which covers a VMM's guest; 0 turns it off) of huge pages from
 * this process, and freeing them, hands the next VMM pages the emulator
 * has forgotten, outside the timed boot. The stores pay the emulator's
 * price once, here: several seconds a boot.
 *
 * Without it the module comparison drifts too: QEMU boots only in
 * kvm.ko's turns, so the two modules' VMM boots get pages with a different
 * past. The scrub narrows that, not always all of it: in a boot-only run
 * with it vireo.ko's PVH boot was 0.94 of kvm.ko's, every boot's spread
 * under 15%; whole make bench runs gave 1.88 without it, 1.61 and 1.82
 * with it (tests/bench/README.md, "The decompressor").
 */
static void scrub_memory(void)
{
	const char *e = getenv("VIREO_BENCH_SCRUB_MB");
	size_t len = (size_t)(e && *e ? strtoul(e, NULL, 10) : 512) << 20;
	char *p;

	if (!len)
		return;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return;
	madvise(p, len, MADV_HUGEPAGE);
	memset(p, 1, len);
	munmap(p, len);
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
