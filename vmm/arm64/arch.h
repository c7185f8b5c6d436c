/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 half of a VM (arm64/vm.c, arm64/vcpu.c): the in-kernel GICv3
 * and timer, the 16550 on MMIO, virtio-mmio, a device tree, the Image.
 */
#ifndef VIREO_ARM64_ARCH_H
#define VIREO_ARM64_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "image.h"
#include "layout.h"

/* Kernel, 2 MiB for the device tree, some room to run. */
#define ARCH_MIN_MEM	(64ULL << 20)
#define BOOT_TIMER_MMIO	ARM64_BOOT_TIMER

struct arch_vm {
	int gic_fd;		/* the KVM_DEV_TYPE_ARM_VGIC_V3 device */
	uint32_t target;	/* KVM_ARM_PREFERRED_TARGET's */
	bool have_target;
	uint32_t virtio_slots;	/* bit n: a device in virtio-mmio slot n */
	/* Last level set per SPI, so that an unchanged line costs no ioctl. */
	uint8_t spi_level[ARM64_NR_IRQS - 32];
	struct arm64_boot boot;
};

struct arch_vcpu {
	int unused;
};

#endif
