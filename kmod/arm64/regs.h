/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the world switch (switch.S) and the C side agree on; C checks the
 * offsets against struct a64_gregs at build time.
 */
#ifndef VIREO_ARM64_REGS_H
#define VIREO_ARM64_REGS_H

/* x0-x30, then SP_EL0 */
#define A64_GREGS_SP_EL0	248

/* Why the guest came back: the vector it left through. */
#define A64_EXIT_SYNC		0
#define A64_EXIT_IRQ		1
#define A64_EXIT_FIQ		2
#define A64_EXIT_SERROR		3

#endif
