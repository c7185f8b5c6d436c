# SPDX-License-Identifier: GPL-2.0
# Platform: x86-64 under QEMU TCG with -cpu max (AMD-V with nested paging),
# Debian's cloud kernel. Sourced by scripts/vm.sh.

# --hostroot needs 9p and overlayfs: the standard flavour has them.
if [ "$hostroot" = 1 ]; then use_kernel standard; else use_kernel current; fi
plat_kvm_module=kvm-amd
plat_results_dev=/dev/ttyS1

hostroot_args=()
[ "$hostroot" = 1 ] && hostroot_args=(-virtfs
	"local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")

# Single-threaded TCG: with one host thread per CPU (QEMU's default), a
# guest of a guest running on both CPUs of the test VM sees its registers go
# wrong now and then on a loaded host, under kvm.ko as under vireo.ko
# (tests/vm/smp failed 3 runs in 8 on kvm.ko; none in 18 with one thread).
# VIREO_QEMU_ACCEL overrides it.
qemu_accel=${VIREO_QEMU_ACCEL:-tcg,thread=single}

# scripts/vm.sh: VIREO_VM_MONITOR puts the monitor on a Unix socket.
qemu_monitor=none
[ -z "${VIREO_VM_MONITOR:-}" ] ||
	qemu_monitor=unix:$VIREO_VM_MONITOR,server=on,wait=off

# no_timer_check: on a loaded host TCG can miss the test kernel's check
# that the 8254 reaches the I/O APIC, and the kernel then panics at boot
# ("IO-APIC + timer doesn't work"; seen once in the selftests stage).
# plat_boot INITRD TIMEOUT RESULTS: console on stdout, results to RESULTS.
plat_boot() {
	timeout -s KILL "$2" qemu-system-x86_64 -accel "$qemu_accel" -cpu max \
		-smp "$smp" -m "$mem" -display none -monitor "$qemu_monitor" -no-reboot \
		-serial stdio -serial "file:$3" \
		-kernel "$plat_kernel" -initrd "$1" ${hostroot_args[@]+"${hostroot_args[@]}"} \
		-append "console=ttyS0 quiet panic=-1 cryptomgr.notests no_timer_check${VIREO_VM_APPEND:+ $VIREO_VM_APPEND}" \
		< /dev/null
}
