# SPDX-License-Identifier: GPL-2.0
# Platform: x86-64 under QEMU TCG with -cpu max (AMD-V with nested paging),
# Debian's cloud kernel. Sourced by scripts/vm.sh.

plat_kdir=$cache/kernel/current/root
plat_kernel=$(ls "$plat_kdir"/boot/vmlinuz-* 2>/dev/null | head -n1)
[ -n "$plat_kernel" ] || die "no test kernel in $plat_kdir (run scripts/setup.sh)"
plat_moddir=$(ls -d "$plat_kdir"/lib/modules/*/kernel | head -n1)
plat_kvm_module=kvm-amd
plat_results_dev=/dev/ttyS1

# plat_boot INITRD TIMEOUT RESULTS: console on stdout, results to RESULTS.
plat_boot() {
	timeout -s KILL "$2" qemu-system-x86_64 -accel tcg -cpu max \
		-smp "$smp" -m "$mem" -display none -monitor none -no-reboot \
		-serial stdio -serial "file:$3" \
		-kernel "$plat_kernel" -initrd "$1" \
		-append "console=ttyS0 quiet panic=-1 cryptomgr.notests" \
		< /dev/null
}
