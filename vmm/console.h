/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host side of the serial console: raw terminal, the Ctrl-A escape, and
 * guest output. The guest's bytes (ttyS0 and hvc0) go into a buffer that a
 * writer thread empties into out_fd, so a vCPU never waits for the host's
 * stdout: when the buffer is full (stdout stalled or slower than the
 * guest) further bytes are dropped and counted; a closed stdout (EPIPE)
 * ends the output, not the VMM. Bytes are passed through unfiltered,
 * escape sequences included, as a terminal emulator or log would get them.
 */
#ifndef VIREO_CONSOLE_H
#define VIREO_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#define CONSOLE_ESCAPE 0x01	/* Ctrl-A */
#define CONSOLE_OUTBUF (1u << 20)
/* How long closing waits for buffered output to reach a slow stdout. */
#define CONSOLE_FLUSH_MS 2000

struct console {
	int in_fd, out_fd;	/* -1 when absent */
	bool raw;		/* in_fd is a terminal put in raw mode */
	bool in_eof;
	bool escape;		/* the last byte was the escape */
	struct termios saved;
	/* Guest output (out_lock): a ring of CONSOLE_OUTBUF bytes. */
	pthread_mutex_t out_lock;
	pthread_cond_t out_cond;	/* bytes to write; or bytes written */
	uint8_t *out_buf;
	size_t out_head, out_len;
	uint64_t dropped;		/* bytes that found the buffer full */
	bool out_gone;			/* out_fd failed (EPIPE): discard */
	bool writer_stop;
	bool writer_started;
	pthread_t writer;
};

/*
 * Take over in_fd (raw mode if a terminal) and out_fd (the writer thread).
 * Ignores SIGPIPE for the process: a reader that went away is EPIPE.
 */
void console_open(struct console *c, int in_fd, int out_fd);
/*
 * Restore the terminal, let the writer finish (at most CONSOLE_FLUSH_MS)
 * and say on stderr how many bytes were dropped, if any.
 */
void console_close(struct console *c);
/*
 * Strip the escape sequences out of n input bytes (in place). Returns the
 * number of bytes left for the guest; sets *quit on Ctrl-A x.
 */
size_t console_filter(struct console *c, uint8_t *buf, size_t n, bool *quit);
/* Guest output; never blocks on out_fd. */
void console_write(struct console *c, uint8_t byte);
void console_write_buf(struct console *c, const uint8_t *buf, size_t len);

#endif
