// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <unistd.h>

#include "console.h"

void console_open(struct console *c, int in_fd, int out_fd)
{
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	c->raw = false;
	c->in_eof = in_fd < 0;
	c->escape = false;
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
	if (c->raw)
		tcsetattr(c->in_fd, TCSANOW, &c->saved);
	c->raw = false;
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

void console_write(struct console *c, uint8_t byte)
{
	if (c->out_fd < 0)
		return;
	while (write(c->out_fd, &byte, 1) < 0 && errno == EINTR)
		;
}

void console_write_buf(struct console *c, const uint8_t *buf, size_t len)
{
	while (c->out_fd >= 0 && len) {
		ssize_t n = write(c->out_fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}
