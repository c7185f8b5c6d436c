/* SPDX-License-Identifier: GPL-2.0 */
/* 16550A UART (8 registers, 16-byte FIFOs), transmit is instantaneous. */
#ifndef VIREO_SERIAL_H
#define VIREO_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "irq.h"

#define SERIAL_FIFO 16

struct serial {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr, msr_delta;
	bool thre_pending;	/* THR-empty interrupt not yet acknowledged */
	bool overrun;
	uint8_t rx[SERIAL_FIFO];
	unsigned int rx_head, rx_count;
	int irq_level;
	struct irq_line irq;
	void (*tx)(void *ctx, uint8_t byte);	/* guest output */
	void (*rx_space)(void *ctx);	/* the guest drained the receive FIFO */
	void *ctx;
};

void serial_init(struct serial *s, struct irq_line irq,
		 void (*tx)(void *ctx, uint8_t byte),
		 void (*rx_space)(void *ctx), void *ctx);
/* Bytes the receive FIFO can take now. */
unsigned int serial_rx_room(const struct serial *s);
/* Queue received bytes (at most serial_rx_room()); returns bytes taken. */
unsigned int serial_rx(struct serial *s, const uint8_t *buf, unsigned int len);
void serial_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
	       bool w);

#endif
