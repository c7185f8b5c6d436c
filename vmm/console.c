// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "sandbox.h"

/* Empty the output ring into out_fd; blocking writes, without out_lock. */
static void *writer(void *arg)
{
	struct console *c = arg;
	char err[256];

	/* Unfiltered, this thread would be the sandbox's hole: end the VMM. */
	if (sandbox_enter(SANDBOX_IO, err, sizeof(err))) {
		fprintf(stderr, "vireo: %s\r\n", err);
		_exit(1);
	}
	pthread_mutex_lock(&c->out_lock);
	for (;;) {
		size_t n;
		ssize_t w;

		while (!c->out_len && !c->writer_stop)
			pthread_cond_wait(&c->out_cond, &c->out_lock);
		if (!c->out_len)
			break;
		/* The bytes from out_head on are ours until out_head moves. */
		n = CONSOLE_OUTBUF - c->out_head;
		if (n > c->out_len)
			n = c->out_len;
		pthread_mutex_unlock(&c->out_lock);
		do
			w = write(c->out_fd, c->out_buf + c->out_head, n);
		while (w < 0 && errno == EINTR);
		pthread_mutex_lock(&c->out_lock);
		if (w <= 0) {
			/* EPIPE or worse: nobody reads the console any more. */
			c->out_gone = true;
			c->out_len = 0;
		} else {
			c->out_head = (c->out_head + (size_t)w) % CONSOLE_OUTBUF;
			c->out_len -= (size_t)w;
		}
		pthread_cond_broadcast(&c->out_cond);
	}
	pthread_mutex_unlock(&c->out_lock);
	return NULL;
}

void console_open(struct console *c, int in_fd, int out_fd)
{
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	c->raw = false;
	c->in_eof = in_fd < 0;
	c->escape = false;
	c->out_head = c->out_len = 0;
	c->dropped = 0;
	c->out_gone = c->writer_stop = c->writer_started = false;
	/* A closed stdout pipe must not kill the VMM at the guest's next byte. */
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&c->out_lock, NULL);
	pthread_cond_init(&c->out_cond, NULL);
	c->out_buf = out_fd >= 0 ? malloc(CONSOLE_OUTBUF) : NULL;
	if (c->out_buf && !pthread_create(&c->writer, NULL, writer, c))
		c->writer_started = true;
	if (!c->writer_started) {
		free(c->out_buf);
		c->out_buf = NULL;
		c->out_fd = -1;		/* no output rather than blocking output */
	}
	if (in_fd >= 0 && isatty(in_fd) && tcgetattr(in_fd, &c->saved) == 0) {
		struct termios t = c->saved;

		cfmakeraw(&t);
		t.c_oflag |= OPOST;	/* keep the host's newline handling */
		if (tcsetattr(in_fd, TCSANOW, &t) == 0)
			c->raw = true;
	}
}

void console_close(struct console *c)
{
	struct timespec until;
	bool drained;

	if (c->raw)
		tcsetattr(c->in_fd, TCSANOW, &c->saved);
	c->raw = false;
	if (!c->writer_started)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += CONSOLE_FLUSH_MS / 1000;
	until.tv_nsec += (CONSOLE_FLUSH_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->out_lock);
	c->writer_stop = true;
	pthread_cond_broadcast(&c->out_cond);
	while (c->out_len &&
	       pthread_cond_timedwait(&c->out_cond, &c->out_lock, &until) == 0)
		;
	drained = !c->out_len;
	c->dropped += c->out_len;
	pthread_mutex_unlock(&c->out_lock);
	/* A writer stuck on a stalled stdout is left to the process's exit. */
	if (drained)
		pthread_join(c->writer, NULL);
	else
		pthread_detach(c->writer);
	c->writer_started = false;
	c->out_fd = -1;
	if (c->dropped)
		fprintf(stderr, "vireo: %llu bytes of guest output dropped "
			"(the console's output was too slow)\r\n",
			(unsigned long long)c->dropped);
	if (drained) {
		free(c->out_buf);
		c->out_buf = NULL;
	}
}

size_t console_filter(struct console *c, uint8_t *buf, size_t n, bool *quit)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = buf[i];

		if (c->escape) {
			c->escape = false;
			if (b == 'x' || b == 'X') {
				*quit = true;
				return out;
			}
			if (b == CONSOLE_ESCAPE)
				buf[out++] = b;
			/* Any other byte after the escape is dropped. */
		} else if (b == CONSOLE_ESCAPE) {
			c->escape = true;
		} else {
			buf[out++] = b;
		}
	}
	return out;
}

void console_write_buf(struct console *c, const uint8_t *buf, size_t len)
{
	size_t room, tail;

	if (c->out_fd < 0 || !len)
		return;
	pthread_mutex_lock(&c->out_lock);
	if (c->out_gone) {
		pthread_mutex_unlock(&c->out_lock);
		return;
	}
	room = CONSOLE_OUTBUF - c->out_len;
	if (len > room) {
		c->dropped += len - room;
		len = room;
	}
	tail = (c->out_head + c->out_len) % CONSOLE_OUTBUF;
	for (size_t done = 0; done < len;) {
		size_t n = CONSOLE_OUTBUF - tail;

		if (n > len - done)
			n = len - done;
		memcpy(c->out_buf + tail, buf + done, n);
		done += n;
		tail = (tail + n) % CONSOLE_OUTBUF;
	}
	c->out_len += len;
	if (len)
		pthread_cond_broadcast(&c->out_cond);
	pthread_mutex_unlock(&c->out_lock);
}

void console_write(struct console *c, uint8_t byte)
{
	console_write_buf(c, &byte, 1);
}
