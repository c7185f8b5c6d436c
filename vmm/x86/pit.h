/* SPDX-License-Identifier: GPL-2.0 */
/* 8254 programmable interval timer (ports 0x40-0x43) and port 0x61. */
#ifndef VIREO_PIT_H
#define VIREO_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "../irq.h"

#define PIT_HZ 1193182ULL
/*
 * Channel 0 interrupts at most this often in the periodic modes, whatever
 * the count (a count of 1 would be one every 838 ns): the local APIC
 * timer's limit, LAPIC_MIN_PERIOD_NS. The counter still reads at PIT_HZ.
 */
#define PIT_MIN_PERIOD_NS 100000ULL

struct pit_channel {
	uint8_t mode;		/* 0..5 */
	uint8_t rw;		/* 1 lsb, 2 msb, 3 lsb then msb */
	bool bcd;
	bool gate;
	bool counting;		/* a count has been loaded (and gate allows) */
	bool write_msb_next, read_msb_next;
	uint8_t write_lsb;
	uint32_t reload;	/* 1..65536 */
	uint64_t start_ns;	/* when counting started */
	bool latched;
	uint16_t latch;
	bool status_latched;
	uint8_t status;
};

struct pit {
	struct pit_channel ch[3];
	bool speaker_data, refresh;
	uint64_t next_irq_ns;	/* channel 0 interrupt deadline, 0 = none */
	bool shot_pending;	/* channel 0 one-shot loaded, not yet fired */
	struct irq_line irq;	/* IRQ0 */
	uint64_t (*now)(void *ctx);
	/* Called with the new channel-0 deadline (0 = disarm) when it changes. */
	void (*arm)(void *ctx, uint64_t deadline_ns);
	void *ctx;
};

void pit_init(struct pit *p, struct irq_line irq, uint64_t (*now)(void *ctx),
	      void (*arm)(void *ctx, uint64_t deadline_ns), void *ctx);
/* The timer fired (or may have): raise IRQ0 if due and re-arm. */
void pit_expire(struct pit *p);
/* Current count of a channel (for tests and the read path). */
uint16_t pit_count(const struct pit *p, int ch, uint64_t now);
bool pit_out(const struct pit *p, int ch, uint64_t now);
void pit_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size, bool w);
void pit_port61_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		   bool w);

#endif
