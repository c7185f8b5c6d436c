/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one-line error messages the option parser, the loaders and the CPU
 * controls hand back to main() in a caller's buffer.
 */
#ifndef VIREO_ERRMSG_H
#define VIREO_ERRMSG_H

#include <stdarg.h>
#include <stdio.h>

/* Format the message into @err and return -1, for "return errmsg(...)". */
__attribute__((format(printf, 3, 4)))
static inline int errmsg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#endif
