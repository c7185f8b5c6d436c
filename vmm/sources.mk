# SPDX-License-Identifier: GPL-2.0
# The VMM's sources without main.c, relative to the repository top; host unit
# tests (tests/unit) and fuzz targets (tests/fuzz) link against them.
#
# Common code in vmm/ (the VM and vCPU lifetimes, console, buses, options,
# CPU controls, the seccomp sandbox, the 16550), the virtio transports and devices in virtio/,
# then one directory per architecture: x86/ (its devices, ACPI, PCI,
# loaders and the glue) and arm64/. VMM_ARM64_PURE is the part of arm64 that does not need
# arm64's <linux/kvm.h> (kernel loader, device tree): the host's tests and
# fuzz targets build it too.
VMM_COMMON_SRCS := vmm/bus.c vmm/console.c vmm/cpusched.c vmm/ioevent.c \
	    vmm/irqfd.c vmm/mem.c vmm/options.c vmm/profile.c vmm/sandbox.c \
	    vmm/serial.c vmm/vcpu.c vmm/vm.c
VMM_VIRTIO_SRCS := vmm/virtio/virtio_blk.c vmm/virtio/virtio_console.c \
	    vmm/virtio/virtio_mmio.c vmm/virtio/virtio_net.c \
	    vmm/virtio/virtio_rng.c vmm/virtio/virtq.c vmm/virtio/vhost_net.c
# virtio's PCI transport: only the x86 machine has a PCI bus.
VMM_X86_SRCS := vmm/x86/acpi.c vmm/x86/ioapic.c vmm/x86/lapic.c \
	    vmm/x86/loader.c vmm/x86/pci.c vmm/x86/pic.c vmm/x86/pit.c \
	    vmm/x86/pm.c vmm/x86/pvh.c vmm/x86/rtc.c \
	    vmm/virtio/virtio_pci.c vmm/x86/irqchip.c vmm/x86/vcpu.c \
	    vmm/x86/vm.c
VMM_ARM64_PURE := vmm/arm64/image.c vmm/arm64/fdt.c
VMM_ARM64_SRCS := $(VMM_ARM64_PURE) vmm/arm64/vcpu.c vmm/arm64/vm.c
VMM_SRCS := $(VMM_COMMON_SRCS) $(VMM_VIRTIO_SRCS) $(VMM_X86_SRCS) \
	    $(VMM_ARM64_PURE)
VMM_CFLAGS := -pthread
VMM_LIBS := -pthread -lelf -lseccomp -lfdt
