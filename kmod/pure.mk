# SPDX-License-Identifier: GPL-2.0
# The module's pure logic, built for userspace unit tests (tests/unit).
KMOD_PURE_SRCS := kmod/x86/decode.c kmod/x86/walk.c \
		  kmod/x86/irqchip/pic.c kmod/x86/irqchip/ioapic.c \
		  kmod/x86/irqchip/pit.c
KMOD_PURE_CFLAGS := -I$(TOP)/kmod
KMOD_PURE_SRCS += kmod/arm64/gic_model.c
