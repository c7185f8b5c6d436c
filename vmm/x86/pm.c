// SPDX-License-Identifier: GPL-2.0
/* ACPI PM1a registers (ACPI 6.4, 4.8.3) and the reset register. */
#include <string.h>

#include "pm.h"

#define CNT_SCI_EN	0x0001
#define CNT_SLP_EN	0x2000

void pm_init(struct pm *p, void (*event)(void *ctx, enum pm_event ev),
	     void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->cnt = CNT_SCI_EN;	/* no SMI_CMD: always in ACPI mode */
	p->event = event;
	p->ctx = ctx;
}

void pm_evt_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
	       bool w)
{
	struct pm *p = opaque;

	for (unsigned int i = 0; i < size; i++) {
		uint64_t o = off + i;
		uint16_t *reg = o < 2 ? &p->sts : &p->en;
		unsigned int shift = 8 * (o & 1);

		if (o >= 4) {
			if (!w)
				d[i] = 0xff;
		} else if (!w) {
			d[i] = (uint8_t)(*reg >> shift);
		} else if (o < 2) {	/* status bits: write one to clear */
			*reg &= (uint16_t)~(d[i] << shift);
		} else {
			*reg = (uint16_t)((*reg & ~(0xff << shift)) | d[i] << shift);
		}
	}
}

void pm_cnt_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
	       bool w)
{
	struct pm *p = opaque;

	for (unsigned int i = 0; i < size; i++) {
		unsigned int shift = 8 * ((off + i) & 1);

		if (off + i >= 2) {
			if (!w)
				d[i] = 0xff;
		} else if (w) {
			p->cnt = (uint16_t)((p->cnt & ~(0xff << shift)) |
					    d[i] << shift);
		} else {
			d[i] = (uint8_t)(p->cnt >> shift);
		}
	}
	if (!w)
		return;
	p->cnt |= CNT_SCI_EN;
	if (p->cnt & CNT_SLP_EN) {
		unsigned int typ = (p->cnt >> 10) & 7;

		p->cnt &= ~CNT_SLP_EN;	/* SLP_EN reads as zero */
		if (typ == PM_S5_TYP && p->event)
			p->event(p->ctx, PM_POWEROFF);
	}
}

void pm_reset_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		 bool w)
{
	struct pm *p = opaque;

	if (!w) {
		memset(d, 0, size);
		return;
	}
	/* 0xcf9: bit 2 starts the reset (bit 1 selects hard or soft). */
	if (off == 0 && size == 1 && (d[0] & 0x04) && p->event)
		p->event(p->ctx, PM_RESET);
}
