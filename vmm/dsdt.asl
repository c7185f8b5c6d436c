/*
 * SPDX-License-Identifier: GPL-2.0
 * Vireo's DSDT: the sleep-state packages the OS needs for power-off. The
 * FADT (built in acpi.c) points PM1a_CNT at port 0x604; writing SLP_TYP=5
 * with SLP_EN there powers the VM off (pm.c, PM_S5_TYP).
 */
DefinitionBlock ("", "DSDT", 2, "VIREO ", "VIREODSD", 1)
{
	Name (\_S5, Package (0x04) { 0x05, 0x05, Zero, Zero })

	/* The OS reports its interrupt model; only the PIC model exists here. */
	Method (\_PIC, 1, NotSerialized) { }
}
