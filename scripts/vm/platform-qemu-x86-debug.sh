# SPDX-License-Identifier: GPL-2.0
# Platform: the qemu-x86 machine booting the debug kernel (KASAN, lockdep,
# DEBUG_ATOMIC_SLEEP, kmemleak, SLUB debug, page poisoning) that
# scripts/debug-kernel.sh builds and caches, with the vireo.ko built
# against it (make modules-debug). Sourced by scripts/vm.sh.
#
# The debug kernel has no 9p, virtio or network: no --hostroot, no guest
# kernels for the VMM's tests, and of the guest modules only zram (swap
# for tests/vm/memory.c).
[ "$hostroot" = 0 ] || die "platform qemu-x86-debug: no --hostroot"
# shellcheck source=platform-qemu-x86.sh
. "$top/scripts/vm/platform-qemu-x86.sh"

dbg=$cache/kernel-debug/current
[ -f "$dbg/.done" ] || die "no debug kernel in $dbg (run scripts/debug-kernel.sh)"
plat_kdir=$dbg/root
plat_kernel=$(ls "$plat_kdir"/boot/vmlinuz-* | head -n1)
plat_moddir=$(ls -d "$plat_kdir"/lib/modules/*/kernel | head -n1)
plat_vireo_ko=$top/build/debug/kmod/vireo.ko
plat_guest_kernels=0
plat_guest_modules=zram
# Freed pages are poisoned and checked when next allocated (the kernel's
# own SLUB debugging is on by its configuration: CONFIG_SLUB_DEBUG_ON).
VIREO_VM_APPEND="page_poison=1${VIREO_VM_APPEND:+ $VIREO_VM_APPEND}"
