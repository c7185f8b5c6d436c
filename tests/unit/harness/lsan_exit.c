// SPDX-License-Identifier: GPL-2.0
/*
 * Leak checks for test bodies. The kselftest harness runs each test in a
 * forked child that ends with _exit(), which skips the atexit handler
 * where LeakSanitizer looks for leaks: without this, no leak in a test
 * body (or in the VMM code it calls) is ever reported. Every program is
 * linked with -Wl,--wrap=_exit, so each child looks for leaks first and
 * a passing test that leaked exits with LEAK_STATUS, which the harness
 * reports as a failure ("Test failed at step #253").
 */
#include <sanitizer/lsan_interface.h>
#include <stdio.h>

#define LEAK_STATUS 253

void __real__exit(int status) __attribute__((noreturn));
void __wrap__exit(int status) __attribute__((noreturn));

void __wrap__exit(int status)
{
	/* 255 is a skip: a leak there still fails the test. */
	if (__lsan_do_recoverable_leak_check()) {
		fprintf(stderr, "# LeakSanitizer: the test leaked (see above)\n");
		if (status == 0 || status == 255)
			status = LEAK_STATUS;
	}
	__real__exit(status);
}
