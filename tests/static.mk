# SPDX-License-Identifier: GPL-2.0
# Shared rules for programs that run inside the test VM: every *.c in the
# including directory is one static program in bin/, linked with the test
# helpers in $(LIBDIR).
TOP    := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
CACHE  ?= $(TOP)/.cache
LIBDIR := $(TOP)/tests/vm/lib
CC     ?= gcc
# $(LIBDIR) before the harness's own directory: its kselftest_harness.h
# wraps the kernel's (#include_next) with stricter verdicts.
CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	  -I$(LIBDIR) -I$(CACHE)/kselftest -I$(TOP)/uapi -D_GNU_SOURCE
LDFLAGS := -static -pthread

PROGS  := $(patsubst %.c,bin/%,$(wildcard *.c))
LIBSRC := $(wildcard $(LIBDIR)/*.c $(LIBDIR)/*.S)
LIBHDR := $(wildcard $(LIBDIR)/*.h $(TOP)/uapi/*.h)

all: $(PROGS)

bin/%: %.c $(LIBSRC) $(LIBHDR)
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $< $(LIBSRC) $(LDFLAGS)

clean:
	rm -rf bin

.PHONY: all clean
