/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI fixed hardware the FADT points at: PM1a event block (0x600, 4 bytes),
 * PM1a control block (0x604, 2 bytes), and the reset register (0xcf9).
 */
#ifndef VIREO_PM_H
#define VIREO_PM_H

#include <stdbool.h>
#include <stdint.h>

#define PM1A_EVT_PORT	0x600
#define PM1A_CNT_PORT	0x604
#define PM_RESET_PORT	0xcf9
#define PM_RESET_VALUE	0x06
#define PM_S5_TYP	5	/* must match \_S5 in dsdt.asl */

enum pm_event { PM_POWEROFF, PM_RESET };

struct pm {
	uint16_t sts, en, cnt;
	void (*event)(void *ctx, enum pm_event ev);
	void *ctx;
};

void pm_init(struct pm *p, void (*event)(void *ctx, enum pm_event ev),
	     void *ctx);
void pm_evt_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
	       bool w);
void pm_cnt_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
	       bool w);
void pm_reset_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		 bool w);

#endif
