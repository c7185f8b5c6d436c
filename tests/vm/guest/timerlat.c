// SPDX-License-Identifier: GPL-2.0
/*
 * Runs inside a guest of the VMM, not in the test VM (tests/vm/vmm_sched.sh
 * copies it into the guest's initramfs): how late the guest notices its
 * timers. Each round sleeps until an absolute CLOCK_MONOTONIC deadline and
 * reads the clock on waking; the lateness of every round is one sample.
 *
 *   timerlat ROUNDS PERIOD_US
 *
 * prints one line: "TIMERLAT n=ROUNDS min=.. p50=.. p90=.. p99=.. max=.."
 * (microseconds). Static, no libraries: the guest has only busybox.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 50 };
	struct timespec now, dl;
	long rounds, period_us, *lat;

	if (argc != 3)
		return 2;
	rounds = strtol(argv[1], NULL, 10);
	period_us = strtol(argv[2], NULL, 10);
	if (rounds < 1 || rounds > 100000 || period_us < 1 || period_us > 1000000)
		return 2;
	lat = calloc(rounds, sizeof(*lat));
	if (!lat)
		return 1;
	/*
	 * Nothing else of the guest's may stand between the timer and this
	 * thread, and its deadlines are not rounded (the default timer slack
	 * is 50 us): what is measured is the host's part.
	 */
	sched_setscheduler(0, SCHED_FIFO, &sp);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	for (long i = 0; i < rounds; i++) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_nsec += period_us * 1000;
		while (dl.tv_nsec >= 1000000000) {
			dl.tv_nsec -= 1000000000;
			dl.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL))
			;
		clock_gettime(CLOCK_MONOTONIC, &now);
		lat[i] = (ns(&now) - ns(&dl)) / 1000;
	}
	qsort(lat, rounds, sizeof(*lat), cmp);
	printf("TIMERLAT n=%ld min=%ld p50=%ld p90=%ld p99=%ld max=%ld\n", rounds,
	       lat[0], lat[rounds / 2], lat[rounds * 9 / 10], lat[rounds * 99 / 100],
	       lat[rounds - 1]);
	free(lat);
	return 0;
}
