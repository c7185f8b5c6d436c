/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the in-VM micro-benchmarks (exits.c, irq.c, arm64/exits.c): the number of
 * timed batches, the clock, and the BENCH line with the batch means.
 */
#ifndef VIREO_BENCH_H
#define VIREO_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCHES		7
#define MAX_BATCHES	64

static int batches = BATCHES;

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

/* VIREO_BENCH_BATCHES overrides BATCHES (Bochs wants fewer); 0 or -1. */
static int bench_batches(void)
{
	const char *nb = getenv("VIREO_BENCH_BATCHES");

	if (!nb)
		return 0;
	batches = atoi(nb);
	if (batches < 1 || batches > MAX_BATCHES) {
		fprintf(stderr, "bench: VIREO_BENCH_BATCHES %s not in 1..%d\n",
			nb, MAX_BATCHES);
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The median of @n batch means, printed as the benchmark's BENCH line in
 * @unit, after a "#" line with every batch mean in the order measured.
 */
static void report_n(const char *name, const double *mean, int n,
		     const char *fmt, const char *unit)
{
	double sorted[MAX_BATCHES];
	char val[32];
	int i;

	printf("# %s batch means:", name);
	for (i = 0; i < n; i++) {
		snprintf(val, sizeof(val), fmt, mean[i]);
		printf(" %s", val);
		sorted[i] = mean[i];
	}
	qsort(sorted, n, sizeof(sorted[0]), cmp_double);
	snprintf(val, sizeof(val), fmt, sorted[n / 2]);
	printf(" (median %s, min ", val);
	printf(fmt, sorted[0]);
	printf(", max ");
	printf(fmt, sorted[n - 1]);
	printf(", %d batches)\n", n);
	printf("BENCH %s %s %s\n", name, val, unit);
}

/* The figure of $batches batch means, in microseconds. */
static inline void report(const char *name, const double *mean,
			  const char *fmt)
{
	report_n(name, mean, batches, fmt, "us");
}

#endif
