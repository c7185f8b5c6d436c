/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's kselftest harness (the copy scripts/setup.sh takes from
 * Debian's kernel source, found through #include_next), made strict where
 * its verdicts would let a test pass without earning it:
 *
 * - The harness reads a child's exit status 255 as "skipped".  A helper
 *   that calls exit(-1), or anything else that ends the child with 255,
 *   would turn a test into a skip; here only a test that called SKIP()
 *   is skipped, any other 255 is a failure.
 * - SKIP() sets the test's verdict to "passed", erasing an EXPECT that
 *   failed before it; here SKIP() after a failed check fails the test.
 * - A skipped test's TAP line carries only the reason; here it also names
 *   the test ("ok N fixture.test # SKIP reason"), so that scripts/check.sh
 *   can compare what skipped on vireo.ko with what ran on kvm.ko.
 *
 * tests/static.mk puts tests/vm/lib ahead of the harness's directory, so
 * every in-VM program gets this file for "kselftest_harness.h".
 */
#ifndef VT_KSELFTEST_HARNESS_H
#define VT_KSELFTEST_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>

#include "kselftest.h"

/*
 * Set by SKIP() in the test's child to the number of the test it skips,
 * read by the parent: shared memory, mapped before any test forks.
 */
static volatile unsigned int *vt_skip_called;

static void vt_result_skip(const char *fmt, ...);
static int vt_exit_pass(void);

/* The harness's parent reports skips and its final status through these. */
#define ksft_test_result_skip vt_result_skip
#define ksft_exit_pass vt_exit_pass
#include_next "kselftest_harness.h"
#undef ksft_test_result_skip
#undef ksft_exit_pass

static void __attribute__((constructor)) vt_harness_init(void)
{
	void *p = mmap(NULL, sizeof(*vt_skip_called), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		vt_skip_called = p;
}

/* Runs in the test's child: ksft_test_num() there is the test's index. */
static inline void vt_skip_mark(void)
{
	if (vt_skip_called)
		*vt_skip_called = ksft_test_num() + 1;
}

#undef SKIP
#define SKIP(statement, fmt, ...) do { \
	if (!_metadata->passed) { \
		TH_LOG("SKIP after a failed check is a failure: " fmt, \
		       ##__VA_ARGS__); \
		statement; \
	} else { \
		vt_skip_mark(); \
		snprintf(_metadata->results->reason, \
			 sizeof(_metadata->results->reason), fmt, \
			 ##__VA_ARGS__); \
		if (TH_LOG_ENABLED) \
			fprintf(TH_LOG_STREAM, "#      SKIP      %s\n", \
				_metadata->results->reason); \
		_metadata->passed = 1; \
		_metadata->skip = 1; \
		_metadata->trigger = 0; \
		statement; \
	} \
} while (0)

/* The name of test number @idx (from 0), in the order the harness runs. */
static void vt_test_name(unsigned int idx, char *buf, size_t len)
{
	struct __fixture_variant_metadata no_variant = { .name = "" };
	struct __fixture_variant_metadata *v;
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	unsigned int i = 0;

	snprintf(buf, len, "test%u", idx + 1);
	for (f = __fixture_list; f; f = f->next)
		for (v = f->variant ?: &no_variant; v; v = v->next)
			for (t = f->tests; t; t = t->next)
				if (i++ == idx) {
					snprintf(buf, len, "%s%s%s.%s", f->name,
						 v->name[0] ? "." : "",
						 v->name, t->name);
					return;
				}
}

static void vt_result_skip(const char *fmt, ...)
{
	unsigned int idx = ksft_test_num();
	char name[256];
	va_list ap;

	vt_test_name(idx, name, sizeof(name));
	if (!vt_skip_called || *vt_skip_called != idx + 1) {
		ksft_inc_fail_cnt();
		printf("not ok %u %s # exited with status 255 without SKIP(): a failure, not a skip\n",
		       idx + 1, name);
		return;
	}
	ksft_inc_xskip_cnt();
	printf("ok %u %s # SKIP ", idx + 1, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* The harness counted a 255 it took for a skip as a pass: not here. */
static int vt_exit_pass(void)
{
	if (ksft_get_fail_cnt())
		return ksft_exit_fail();
	return ksft_exit_pass();
}

#endif
