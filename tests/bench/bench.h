/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the in-VM micro-benchmarks (exits.c, irq.c): the number of
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
 * The median of the batch means, printed as the benchmark's BENCH line,
 * after a "#" line with every batch mean in the order measured.
 */
static void report(const char *name, double *mean, const char *fmt)
{
	double sorted[MAX_BATCHES];
	char val[32];
	int i;

	printf("# %s batch means:", name);
	for (i = 0; i < batches; i++) {
		snprintf(val, sizeof(val), fmt, mean[i]);
		printf(" %s", val);
		sorted[i] = mean[i];
	}
	qsort(sorted, batches, sizeof(sorted[0]), cmp_double);
	snprintf(val, sizeof(val), fmt, sorted[batches / 2]);
	printf(" (median %s, min ", val);
	printf(fmt, sorted[0]);
	printf(", max ");
	printf(fmt, sorted[batches - 1]);
	printf(", %d batches)\n", batches);
	printf("BENCH %s %s us\n", name, val);
}

#endif
