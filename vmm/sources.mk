# SPDX-License-Identifier: GPL-2.0
# The VMM's sources without main.c, relative to the repository top; host unit
# tests (tests/unit) and fuzz targets (tests/fuzz) link against them.
#
# Common code (the VM and vCPU lifetimes, console, buses, options, CPU
# controls, the 16550), the virtio transport and devices, then one set per
# architecture: x86 (its devices, ACPI, PCI, loaders; x86/ the glue) and
# arm64 (arm64/). VMM_ARM64_PURE is the part of arm64 that does not need
# arm64's <linux/kvm.h> (kernel loader, device tree): the host's tests and
# fuzz targets build it too.
VMM_COMMON_SRCS := vmm/bus.c vmm/console.c vmm/cpusched.c vmm/ioevent.c \
	    vmm/irqfd.c vmm/mem.c vmm/options.c vmm/profile.c vmm/serial.c \
	    vmm/vcpu.c vmm/vm.c
VMM_VIRTIO_SRCS := vmm/virtio_blk.c vmm/virtio_console.c vmm/virtio_mmio.c \
	    vmm/virtio_net.c vmm/virtio_rng.c vmm/virtq.c vmm/vhost_net.c
VMM_X86_SRCS := vmm/acpi.c vmm/ioapic.c vmm/lapic.c vmm/loader.c vmm/pci.c \
	    vmm/pic.c vmm/pit.c vmm/pm.c vmm/pvh.c vmm/rtc.c vmm/sandbox.c \
	    vmm/virtio_pci.c vmm/x86/irqchip.c vmm/x86/vcpu.c vmm/x86/vm.c
VMM_ARM64_PURE := vmm/arm64/image.c vmm/arm64/fdt.c
VMM_ARM64_SRCS := $(VMM_ARM64_PURE) vmm/arm64/vcpu.c vmm/arm64/vm.c \
	    vmm/arm64/sandbox.c
VMM_SRCS := $(VMM_COMMON_SRCS) $(VMM_VIRTIO_SRCS) $(VMM_X86_SRCS) \
	    $(VMM_ARM64_PURE)
VMM_CFLAGS := -pthread
VMM_LIBS := -pthread -lelf -lseccomp -lfdt
