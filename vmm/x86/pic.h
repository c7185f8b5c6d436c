/* SPDX-License-Identifier: GPL-2.0 */
/* Two cascaded 8259A programmable interrupt controllers (ports 0x20, 0xa0, ELCR 0x4d0). */
#ifndef VIREO_PIC_H
#define VIREO_PIC_H

#include <stdbool.h>
#include <stdint.h>

struct i8259 {
	uint8_t irr, imr, isr;
	uint8_t last_level;	/* input line levels, for edge detection */
	uint8_t elcr, elcr_mask;
	uint8_t vector_base;
	uint8_t priority_add;	/* lowest-priority IRQ is priority_add - 1 */
	uint8_t init_state;	/* 0 ready, 2..4 expecting ICW2..ICW4 */
	bool need_icw4, single, auto_eoi, rotate_on_aeoi;
	bool special_mask, poll, read_isr, sfnm;
};

struct pic {
	struct i8259 chip[2];	/* master, slave (on master input 2) */
	bool output;		/* INTR line to the CPU */
	void (*notify)(void *ctx);	/* called when INTR is (re)asserted */
	void *notify_ctx;
};

void pic_init(struct pic *p, void (*notify)(void *ctx), void *ctx);
void pic_set_irq(struct pic *p, unsigned int irq, int level);
/* irq_line-compatible wrapper (ctx is the struct pic). */
void pic_irq_set(void *ctx, unsigned int irq, int level);
bool pic_pending(const struct pic *p);
/* Interrupt acknowledge: returns the vector to inject (spurious 7/15 if none). */
uint8_t pic_ack(struct pic *p);
/* Port handlers: master at 0x20, slave at 0xa0, ELCR at 0x4d0 (2 bytes). */
void pic_master_io(void *p, uint64_t off, uint8_t *d, unsigned int sz, bool w);
void pic_slave_io(void *p, uint64_t off, uint8_t *d, unsigned int sz, bool w);
void pic_elcr_io(void *p, uint64_t off, uint8_t *d, unsigned int sz, bool w);

#endif
