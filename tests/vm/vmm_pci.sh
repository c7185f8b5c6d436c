#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's PCI (prints TAP). 1: Debian's kernel finds
# bus 0 through configuration mechanism #1 and the ACPI PCI0 root, without
# "PCI: Fatal", and lists the host bridge at 0000:00:00.0. 2: with
# --virtio pci, virtio-blk, virtio-rng and virtio-console are virtio-pci
# modern devices on that bus, driven through INTx routed by the _PRT. 3:
# the same with --cpus 2: the devices use MSI-X, whose messages reach the
# local APICs. 4: with --cpus 2 and pci=nomsi, the _PRT's GSIs are I/O APIC
# pins and the level-triggered active-low INTx come through the I/O APIC.
# 3 and 4 run with the default irqchip (split: MSI-X through irqfds on MSI
# routes; INTx through the VMM's I/O APIC, KVM_SIGNAL_MSI and
# KVM_EXIT_IOAPIC_EOI). 5: 4 with --irqchip kernel (INTx through irqfds with
# resample into the kernel's I/O APIC). 6: 3 with --irqchip user (MSI-X
# through the VMM's local APICs).
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1

plan 33
make_tmp vmm_pci
guest_tree dev proc sys tmp
have_mods=1
guest_mods virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci \
	virtio_blk virtio-rng virtio_console || have_mods=0
guest_init <<'GUEST'
dmesg | grep -q 'PCI: Fatal' && echo "GUEST: PCI-FATAL"
case "$(cat /proc/cmdline)" in
*vireo.test=pci*)
	for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
		 virtio_pci virtio_blk virtio-rng virtio_console; do
		insmod /mods/$m.ko 2>&1 | sed 's/^/GUEST: /'
	done
	sleep 1
	dmesg | grep -i -E 'virtio|vd[a-z]|PCI INT|1af4' | sed 's/^/GUEST: dmesg: /' | head -n 30
	dd if=/dev/vda bs=512 count=1 2>/dev/null | grep -q HOST-MARKER && echo "GUEST: VDA-READ-OK"
	echo GUEST-WROTE-THIS > /tmp/w
	dd if=/tmp/w of=/dev/vda bs=512 seek=8 conv=sync,fsync 2>/dev/null && echo "GUEST: VDA-WRITE-OK"
	n=$(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n' | wc -c)
	echo "GUEST: rng-hex-chars $n"
	grep -E 'virtio|XT-PIC|IO-APIC' /proc/interrupts | sed 's/^/GUEST: irq /'
	ls /sys/bus/virtio/devices/ 2>&1 | sed 's/^/GUEST: virtio-devs /'
	for d in /sys/bus/virtio/devices/*; do
		echo "GUEST: virtio ${d##*/} $(readlink $d/driver | sed 's|.*/||') on $(readlink $d | sed 's|.*devices/||')"
	done
	;;
*)
	dmesg | grep -i -E 'pci' | sed 's/^/GUEST: dmesg: /' | head -n 40
	;;
esac
for d in /sys/bus/pci/devices/*; do
	[ -e "$d" ] || continue
	echo "GUEST: pci ${d##*/} $(cat $d/vendor):$(cat $d/device) class $(cat $d/class) irq $(cat $d/irq)"
done
# hvc0 and ttyS0 share the VMM's stdout: hvc0 goes last, on a line of its
# own, once the serial port has had time to drain, or it splits a GUEST line.
[ -c /dev/hvc0 ] && { sleep 1; printf '\nHVC-OUTPUT-OK\n' > /dev/hvc0; }
poweroff -f
GUEST

# --- 1: the host bridge, virtio devices on virtio-mmio as by default ---
run_vmm "$tmp/out" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
	--cmdline "console=ttyS0 panic=-1 loglevel=4"
show_guest "$tmp/out"
res_grep "$tmp/out" '^GUEST: pci ' "the guest reached its init and read sysfs"
! grep -q 'PCI: Fatal\|PCI-FATAL' "$tmp/out"
res $? "no \"PCI: Fatal\" on the guest's console or in its dmesg"
res_grep "$tmp/out" 'GUEST: pci 0000:00:00.0 0x1b36:0x0008 class 0x060000' \
	"/sys/bus/pci/devices lists the host bridge 0000:00:00.0 (class 0x060000)"
res_grep "$tmp/out" 'GUEST: dmesg: .*PCI Root Bridge \[PCI0\]' "ACPI PCI0 root bridge found"
res_status $rc 0 "host bridge: guest powers off with status 0" "$tmp/out" 25

# --- 2: --virtio pci ---
if [ $have_mods = 0 ]; then
	skip_rest virtio-pci "no virtio_pci.ko (+ _modern_dev, _legacy_dev) for the guest: scripts/vm.sh --add them"
fi
marker_disk "$tmp/rw.img"
run_vmm "$tmp/pci.out" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
	--virtio pci --disk "$tmp/rw.img" \
	--cmdline "console=ttyS0 panic=-1 loglevel=4 vireo.test=pci"
show_guest "$tmp/pci.out"
t() { res_grep "$tmp/pci.out" "$@"; }
t 'GUEST: pci 0000:00:01.0 0x1af4:0x1042 class 0x018000 irq 5' "virtio-blk at 00:01.0 (1af4:1042), INTA# on IRQ 5 by the _PRT"
t 'GUEST: pci 0000:00:02.0 0x1af4:0x1044 class 0x00ff00 irq 6' "virtio-rng at 00:02.0 (1af4:1044), IRQ 6"
t 'GUEST: pci 0000:00:03.0 0x1af4:0x1043 class 0x078000 irq 7' "virtio-console at 00:03.0 (1af4:1043), IRQ 7"
t 'GUEST: virtio virtio0 virtio_blk on pci0000:00/0000:00:01.0/virtio0' "virtio_blk binds through virtio_pci"
t "GUEST: VDA-READ-OK" "virtio-pci blk: the guest reads the host's marker"
t "GUEST: VDA-WRITE-OK" "virtio-pci blk: guest write + fsync succeeds"
guest_wrote "$tmp/rw.img"
res $? "virtio-pci blk: the guest's write is in the host image"
t "GUEST: rng-hex-chars 128" "virtio-pci rng: /dev/hwrng gives 64 bytes"
t "^HVC-OUTPUT-OK" "virtio-pci console: guest output on hvc0 reaches stdout"
! grep -q 'PCI: Fatal\|PCI-FATAL\|no GSI' "$tmp/pci.out"
res $? "virtio-pci: no PCI errors in the guest's log"
res_status $rc 0 "virtio-pci: guest powers off with status 0" "$tmp/pci.out" 25

# --- 3: --virtio pci --cpus 2: MSI-X through the local APICs ---
# loglevel=1: a kernel message from another CPU (under the emulator e.g.
# "hrtimer: interrupt took") could otherwise split a GUEST line.
# irq_sum FILE PATTERN: the CPU columns of FILE's matching "GUEST: irq"
# lines (/proc/interrupts), summed.
irq_sum() {
	grep "^GUEST: irq .*$2" "$1" |
		awk '{ for (i = 4; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }'
}
# boot_smp NAME [CMDLINE [IRQCHIP]]: --virtio pci --cpus 2 over the marker
# disk, console in $tmp/NAME.out without CRs, its GUEST lines shown.
boot_smp() {
	marker_disk "$tmp/rw.img"
	run_vmm "$tmp/$1.out" --kernel "$KERNEL" --initrd "$tmp/initrd" \
		--memory 256M --virtio pci --disk "$tmp/rw.img" --cpus 2 \
		${3:+--irqchip $3} \
		--cmdline "console=ttyS0 panic=-1 loglevel=1 ${2:-}vireo.test=pci"
	tr -d '\r' < "$tmp/$1.out" > "$tmp/$1.lf" && mv "$tmp/$1.lf" "$tmp/$1.out"
	show_guest "$tmp/$1.out"
}
boot_smp smp
t() { res_grep "$tmp/smp.out" "$@"; }
t "GUEST: VDA-READ-OK" "--cpus 2: virtio-pci blk: the guest reads the host's marker"
t "GUEST: rng-hex-chars 128" "--cpus 2: virtio-pci rng: /dev/hwrng gives 64 bytes"
# A vector per queue: PCI-MSI lines named after the virtio queues.
v=$(irq_sum "$tmp/smp.out" 'PCI-MSI.*virtio[0-9]*-')
! grep -q '^GUEST: irq .*\(XT-PIC\|IO-APIC\).*virtio' "$tmp/smp.out" && [ "$v" -gt 0 ]
res $? "--cpus 2: virtio-pci interrupts are MSI-X (PCI-MSI, $v taken), none on INTx"
res_status $rc 0 "--cpus 2: virtio-pci: guest powers off with status 0" "$tmp/smp.out" 25

# --- 4: the same with pci=nomsi: INTx through the I/O APIC ---
boot_smp intx "pci=nomsi "
t() { res_grep "$tmp/intx.out" "$@"; }
t 'GUEST: pci 0000:00:01.0 0x1af4:0x1042 class 0x018000 irq 5' "pci=nomsi: virtio-blk's INTA# on GSI 5 by the _PRT"
t "GUEST: VDA-READ-OK" "pci=nomsi: virtio-pci blk: the guest reads the host's marker"
t "GUEST: rng-hex-chars 128" "pci=nomsi: virtio-pci rng: /dev/hwrng gives 64 bytes"
# Level-triggered pins (fasteoi): remote IRR and EOI broadcast each time.
v=$(irq_sum "$tmp/intx.out" 'IO-APIC *[0-9]*-fasteoi *virtio')
! grep -q '^GUEST: irq .*\(XT-PIC\|PCI-MSI\)' "$tmp/intx.out" && [ "$v" -gt 0 ]
res $? "pci=nomsi: virtio-pci INTx are level-triggered IO-APIC interrupts ($v taken)"
res_status $rc 0 "pci=nomsi: guest powers off with status 0" "$tmp/intx.out" 25

# --- 5: INTx with the kernel's irqchip: level irqfds with resample ---
boot_smp kintx "pci=nomsi " kernel
t() { res_grep "$tmp/kintx.out" "$@"; }
t "GUEST: VDA-READ-OK" "--irqchip kernel, pci=nomsi: virtio-pci blk: the guest reads the host's marker"
t "GUEST: rng-hex-chars 128" "--irqchip kernel, pci=nomsi: virtio-pci rng: /dev/hwrng gives 64 bytes"
v=$(irq_sum "$tmp/kintx.out" 'IO-APIC *[0-9]*-fasteoi *virtio')
! grep -q '^GUEST: irq .*\(XT-PIC\|PCI-MSI\)' "$tmp/kintx.out" && [ "$v" -gt 0 ]
res $? "--irqchip kernel, pci=nomsi: INTx are level-triggered IO-APIC interrupts ($v taken)"
res_status $rc 0 "--irqchip kernel, pci=nomsi: guest powers off with status 0" "$tmp/kintx.out" 25

# --- 6: MSI-X with the VMM's local APICs ---
boot_smp umsi "" user
t() { res_grep "$tmp/umsi.out" "$@"; }
t "GUEST: VDA-READ-OK" "--irqchip user: virtio-pci blk: the guest reads the host's marker"
t "GUEST: rng-hex-chars 128" "--irqchip user: virtio-pci rng: /dev/hwrng gives 64 bytes"
v=$(irq_sum "$tmp/umsi.out" 'PCI-MSI.*virtio[0-9]*-')
! grep -q '^GUEST: irq .*\(XT-PIC\|IO-APIC\).*virtio' "$tmp/umsi.out" && [ "$v" -gt 0 ]
res $? "--irqchip user: virtio-pci interrupts are MSI-X (PCI-MSI, $v taken), none on INTx"
res_status $rc 0 "--irqchip user: guest powers off with status 0" "$tmp/umsi.out" 25
tap_done
