/* SPDX-License-Identifier: GPL-2.0 */
/* Embeds the AML that iasl compiled from dsdt.asl (path in DSDT_AML). */
	.section .rodata
	.balign 16
	.globl vireo_dsdt_aml, vireo_dsdt_aml_end
vireo_dsdt_aml:
	.incbin DSDT_AML
vireo_dsdt_aml_end:
	.section .note.GNU-stack, "", @progbits
