# SPDX-License-Identifier: GPL-2.0
# Platform: x86-64 under Bochs with an emulated Skylake-X (Intel VT-x with
# EPT, unrestricted guest, VPID), Debian's cloud kernel booted from an
# isolinux ISO. Slow (~25M instructions/s): keep suites small.
# Sourced by scripts/vm.sh.

use_kernel current
plat_kvm_module=kvm-intel
plat_results_dev=/dev/ttyS1
bochs_ips=50000000
# The BIOS loads the initrd slowly: leave out the VMM's guest kernels.
plat_guest_kernels=0
[ "$hostroot" = 0 ] || die "--hostroot needs the qemu-x86 platform"

# plat_boot INITRD TIMEOUT RESULTS: console on stdout, results to RESULTS.
plat_boot() {
	local d=$work/iso con=$work/bochs-console rc
	mkdir -p "$d/isolinux"
	cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 \
		"$d/isolinux/"
	cp "$plat_kernel" "$d/vmlinuz"
	cp "$1" "$d/initrd"
	# The emulated TSC claims 3.5 GHz but runs at the ips rate: tell
	# Linux the truth or its clock runs 70x slow. VIREO_PLATFORM reaches
	# /init's environment (the kernel passes on parameters it does not
	# know), so tests can allow for this emulator's quirks.
	cat > "$d/isolinux/isolinux.cfg" <<-CFG
	DEFAULT linux
	LABEL linux
	  KERNEL /vmlinuz
	  APPEND initrd=/initrd console=ttyS0,115200 quiet panic=-1 cryptomgr.notests tsc_early_khz=$((bochs_ips / 1000)) VIREO_PLATFORM=bochs-x86
	CFG
	xorriso -as mkisofs -quiet -o "$work/boot.iso" -b isolinux/isolinux.bin \
		-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
		-boot-info-table "$d" 2>/dev/null || return 2
	: > "$con"
	cat > "$work/bochsrc" <<-RC
	megs: $mem
	cpu: model=${VIREO_BOCHS_CPU:-corei7_skylake_x}, count=$smp, ips=$bochs_ips, reset_on_triple_fault=1
	clock: sync=none, time0=local
	romimage: file=/usr/share/bochs/BIOS-bochs-latest
	vgaromimage: file=/usr/share/vgabios/vgabios.bin
	ata0-master: type=cdrom, path=$work/boot.iso, status=inserted
	boot: cdrom
	com1: enabled=1, mode=file, dev=$con
	com2: enabled=1, mode=file, dev=$3
	display_library: term
	log: $work/bochs.log
	RC
	printf 'c\nquit\n' > "$work/bochs.rc"
	tail -n +1 -f "$con" &
	local tailpid=$!
	# Bochs wants a terminal for its term display; its exit status says
	# nothing (1 even after a clean power-off): vm.sh judges the results.
	(cd "$work" && timeout -s KILL "$2" script -qefc \
		"bochs -q -f $work/bochsrc -rc $work/bochs.rc" /dev/null \
		< /dev/null > /dev/null 2>&1)
	rc=$?
	kill "$tailpid" 2>/dev/null
	wait "$tailpid" 2>/dev/null
	[ $rc = 137 ] && return 137
	return 0
}
