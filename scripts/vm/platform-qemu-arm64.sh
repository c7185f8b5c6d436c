# SPDX-License-Identifier: GPL-2.0
# Platform: arm64 under QEMU TCG, the virt machine with EL2 and GICv3 and
# -cpu max (VHE), Debian's arm64 cloud kernel, busybox and in-VM programs
# built for arm64 (scripts/setup.sh fetches them, make modules-arm64 and
# make tests-arm64 build the rest). Sourced by scripts/vm.sh.
#
# The kernel runs at EL2 with VHE. Its KVM is built in: mode kvm boots it
# as it is (the reference, /dev/kvm); mode vireo turns it off on the command
# line (kvm-arm.mode=none), which leaves EL2 to vireo.ko.
[ "$hostroot" = 0 ] || die "platform qemu-arm64: no --hostroot"
use_kernel arm64
plat_arch=aarch64
plat_kvm_module=
plat_busybox=$(ls "$cache"/busybox-arm64/current/root/bin/busybox 2>/dev/null) ||
	die "no arm64 busybox in $cache/busybox-arm64 (run scripts/setup.sh)"
plat_tests=$top/tests/vm/arm64/bin
# The VMM's shell tests (tests/vm/arm64/*.sh) run vmm/vireo-arm64 (make
# vmm-arm64) on this very kernel's Image as the guest's.
plat_shell_tests=$top/tests/vm/arm64
plat_vmm=$top/vmm/vireo-arm64
# The guests' virtio drivers, modules in this kernel as on x86; tun and
# vhost_net (with tap, vhost) for the test VM's side of virtio-net.
plat_guest_modules="virtio_mmio virtio_blk virtio_net virtio_console virtio-rng
	tun vhost_net"
plat_vireo_ko=$top/build/arm64/kmod/vireo.ko
plat_guest_kernels=0
# The virt machine has one non-secure UART: the results go over a virtio
# console, whose drivers /init loads first.
plat_early_modules="virtio_mmio virtio_console"
plat_results_dev=/dev/hvc0

plat_append=
[ "$mode" = kvm ] || plat_append=kvm-arm.mode=none

# scripts/vm.sh: VIREO_VM_MONITOR puts the monitor on a Unix socket.
qemu_monitor=none
[ -z "${VIREO_VM_MONITOR:-}" ] ||
	qemu_monitor=unix:$VIREO_VM_MONITOR,server=on,wait=off

# plat_boot INITRD TIMEOUT RESULTS: console on stdout, results to RESULTS.
# Pointer authentication with QEMU's own cheap algorithm (pauth-impdef):
# the architected one makes the boot four times slower under TCG.
plat_boot() {
	timeout -s KILL "$2" qemu-system-aarch64 -accel tcg \
		-M virt,virtualization=on,gic-version=3 -cpu max,pauth-impdef=on \
		-smp "$smp" -m "$mem" -display none -monitor "$qemu_monitor" -no-reboot \
		-serial stdio \
		-device virtio-serial-device \
		-chardev "file,id=results,path=$3" \
		-device virtconsole,chardev=results \
		-kernel "$plat_kernel" -initrd "$1" \
		-append "console=ttyAMA0 quiet panic=-1 cryptomgr.notests $plat_append${VIREO_VM_APPEND:+ $VIREO_VM_APPEND}" \
		< /dev/null
}
