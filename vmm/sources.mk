# SPDX-License-Identifier: GPL-2.0
# The VMM's sources without main.c, relative to the repository top; host unit
# tests (tests/unit) and fuzz targets (tests/fuzz) link against them.
VMM_SRCS := vmm/acpi.c vmm/bus.c vmm/cpusched.c vmm/console.c vmm/loader.c vmm/mem.c \
	    vmm/ioapic.c vmm/lapic.c vmm/options.c vmm/pci.c vmm/pic.c vmm/pvh.c vmm/pit.c vmm/pm.c vmm/rtc.c vmm/sandbox.c vmm/serial.c \
	    vmm/vcpu.c vmm/virtio_blk.c vmm/virtio_console.c vmm/virtio_mmio.c \
	    vmm/virtio_net.c vmm/virtio_pci.c vmm/virtio_rng.c \
	    vmm/virtq.c vmm/vm.c
VMM_CFLAGS := -pthread
VMM_LIBS := -pthread -lelf -lseccomp
