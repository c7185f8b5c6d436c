/* SPDX-License-Identifier: GPL-2.0 */
/* Host side of the serial console: raw terminal and the Ctrl-A escape. */
#ifndef VIREO_CONSOLE_H
#define VIREO_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#define CONSOLE_ESCAPE 0x01	/* Ctrl-A */

struct console {
	int in_fd, out_fd;	/* -1 when absent */
	bool raw;		/* in_fd is a terminal put in raw mode */
	bool in_eof;
	bool escape;		/* the last byte was the escape */
	struct termios saved;
};

void console_open(struct console *c, int in_fd, int out_fd);
void console_close(struct console *c);
/*
 * Strip the escape sequences out of n input bytes (in place). Returns the
 * number of bytes left for the guest; sets *quit on Ctrl-A x.
 */
size_t console_filter(struct console *c, uint8_t *buf, size_t n, bool *quit);
void console_write(struct console *c, uint8_t byte);
void console_write_buf(struct console *c, const uint8_t *buf, size_t len);

#endif
