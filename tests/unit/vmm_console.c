// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "vmm/console.h"
#include "vmm/vm.h"

/*
 * Guest output on its way to the host (finding 17 of issue 17): the
 * console never blocks the vCPU that writes, a closed stdout is not fatal,
 * and the boot timer's log line comes once.
 */

#define CHUNK 4096
#define TOTAL (4u << 20)

/* stderr into a temporary file, from capture() until restore(). */
static int saved_stderr = -1;

static FILE *capture(void)
{
	FILE *f = tmpfile();

	fflush(stderr);
	saved_stderr = dup(2);
	if (f)
		dup2(fileno(f), 2);
	return f;
}

/* Back to the real stderr; the lines of f that contain what. */
static int restore(FILE *f, const char *what)
{
	char line[256];
	int n = 0;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	rewind(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i % 251);
}

/* A reader that arrives late: counts what reaches it, checks the order. */
struct reader {
	int fd;
	size_t got;
	bool in_order;
};

static void *read_all(void *arg)
{
	struct reader *r = arg;
	uint8_t buf[CHUNK];
	ssize_t n;

	r->in_order = true;
	while ((n = read(r->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(r->got + (size_t)i))
				r->in_order = false;
		r->got += (size_t)n;
	}
	return NULL;
}

/*
 * Nobody reads stdout (a stalled terminal, a full pipe): 4 MiB of guest
 * output must not block the writer. What does not fit is dropped and
 * counted; what fits arrives in order once the reader shows up.
 */
TEST(stalled_stdout_does_not_block)
{
	static struct console c;
	static uint8_t buf[CHUNK];
	struct reader r = { 0 };
	pthread_t t;
	FILE *err;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	console_open(&c, -1, p[1]);
	alarm(10);			/* a blocking write is a failure */
	for (size_t off = 0; off < TOTAL; off += CHUNK) {
		for (size_t i = 0; i < CHUNK; i++)
			buf[i] = pattern(off + i);
		console_write_buf(&c, buf, CHUNK);
	}
	alarm(0);
	EXPECT_GE(c.dropped, TOTAL - CONSOLE_OUTBUF - (1u << 20));
	r.fd = p[0];
	ASSERT_EQ(0, pthread_create(&t, NULL, read_all, &r));
	err = capture();
	ASSERT_NE(NULL, err);
	console_close(&c);
	EXPECT_EQ(1, restore(err, "bytes of guest output dropped"));
	close(p[1]);
	pthread_join(t, NULL);
	EXPECT_EQ(TOTAL, r.got + c.dropped);
	EXPECT_GE(r.got, CONSOLE_OUTBUF);
	EXPECT_TRUE(r.in_order);
	close(p[0]);
}

/*
 * stdout is a pipe whose reader went away: the next guest byte used to be
 * SIGPIPE, the VMM's end. Now the output stops and the VMM runs on.
 */
TEST(closed_stdout_is_not_fatal)
{
	static struct console c;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	close(p[0]);
	console_open(&c, -1, p[1]);
	for (int i = 0; i < 100; i++) {
		console_write_buf(&c, (const uint8_t *)"guest line\n", 11);
		console_write(&c, '!');
		usleep(100);
	}
	console_close(&c);
	EXPECT_TRUE(c.out_gone);
	close(p[1]);
}

/* A guest writing the boot timer's magic in a loop gets one log line. */
TEST(boot_timer_logs_once)
{
	static struct vm vm;
	uint8_t d;
	FILE *err = capture();

	ASSERT_NE(NULL, err);
	vm.start_ns = vm_now_ns();
	for (int i = 0; i < 1000; i++) {
		d = BOOT_TIMER_MAGIC;
		vm_boot_timer_io(&vm, 0, &d, 1, true);
	}
	EXPECT_EQ(1, restore(err, "boot timer: guest init after"));
	vm_boot_timer_io(&vm, 0, &d, 1, false);
	EXPECT_EQ(0xff, d);
}

TEST_HARNESS_MAIN
