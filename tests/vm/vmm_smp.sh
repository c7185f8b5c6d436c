#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's SMP guests (prints TAP): Debian's kernel
# with --cpus 2 and then 3 (SMP_CPUS overrides the list) and --irqchip user
# (the module's local APICs are vmm_boot.sh's --cpus 4 boots) brings its
# application processors up through the VMM's local APICs (INIT/SIPI),
# counts its CPUs, takes IPIs on every CPU, routes its device interrupts
# through the VMM's I/O APIC (the serial port's edge-triggered IRQ 4 and a
# virtio-mmio device's level-triggered line count up there, and the
# command line has no "noapic"), and powers off; --cpus above the limit
# gets one clear error line; the guest's kernel log must be free of
# warnings, BUGs and oopses. The local APIC timer counts are shown, not
# judged: under the emulator Linux's APIC timer verification can fail, and
# it then ticks every CPU from the PIT by broadcast IPIs. loglevel=1: no
# kernel message from another CPU splits the guest's lines.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-240}
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1
CPU_LIST=${SMP_CPUS:-2 3}

make_tmp vmm_smp
k=0
for c in $CPU_LIST; do k=$((k + 1)); done
plan $((k * 9 + 1))

guest_tree dev proc sys
guest_mods virtio virtio_ring virtio_mmio virtio-rng || {
	echo "# no $missing.ko for the guest: virtio interrupts not tested"
	rm -rf "$tmp/guest/mods"
}
guest_init <<'GUEST'
for m in virtio_ring virtio virtio_mmio virtio-rng; do
	[ -f /mods/$m.ko ] && insmod /mods/$m.ko 2>&1 | sed 's/^/GUEST: /'
done
echo "GUEST: nproc $(nproc)"
echo "GUEST: cpuinfo $(grep -c '^processor' /proc/cpuinfo)"
echo "GUEST: online $(cat /sys/devices/system/cpu/online)"
echo "GUEST: cmdline $(cat /proc/cmdline)"
grep -E 'IO-APIC|XT-PIC' /proc/interrupts | sed 's/^/GUEST: irq1: /'
# Work on every CPU, so that each takes IPIs (reschedule, function call).
for i in 1 2 3 4; do (i=0; while [ $i -lt 3000 ]; do i=$((i + 1)); done) & done
wait
# Serial output (interrupt-driven for user space) and virtio-rng reads.
i=0
while [ $i -lt 20 ]; do echo "GUEST: line $i of serial output"; i=$((i + 1)); done
[ -c /dev/hwrng ] &&
	echo "GUEST: rng $(dd if=/dev/hwrng bs=16 count=4 2>/dev/null | od -An -tx1 | tr -d ' \n' | wc -c)"
grep -E 'IO-APIC|XT-PIC' /proc/interrupts | sed 's/^/GUEST: irq2: /'
grep -E '^ *(LOC|RES|CAL|TLB):' /proc/interrupts | sed 's/^ */GUEST: irq /'
dmesg | grep -E 'smp:|smpboot|APIC|TIMER|x86: Booting|WARNING|BUG' | sed 's/^/GUEST: dmesg: /' | head -n 30
# The guest's kernel log is judged, not only shown: lines with a warning,
# BUG or oops, counted.
echo "GUEST: klog bad lines: $(dmesg | grep -cE 'WARNING:|BUG:|Oops|general protection fault|Call Trace:|UBSAN:|soft lockup|hard LOCKUP|detected stall|Kernel panic|list_(add|del) corruption')"
echo "GUEST: klog xstate warnings: $(dmesg | grep -c 'WARNING: .* at arch/x86/kernel/fpu/xstate.c:')"
poweroff -f
GUEST

# sum_irq SNAPSHOT PATTERN: the first /proc/interrupts line of the
# snapshot (irq1, irq2) that matches, its CPU columns summed (or nothing).
sum_irq() {
	grep "^GUEST: $1: .*$2" "$tmp/out" | head -n 1 |
		awk '{ s = 0; for (i = 4; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s }'
}

for CPUS in $CPU_LIST; do
	start=$(date +%s)
	run_vmm "$tmp/out" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
		--cpus "$CPUS" --irqchip user \
		--cmdline "console=ttyS0 panic=-1 quiet loglevel=1"
	end=$(date +%s)
	# The serial console ends lines with CR LF.
	tr -d '\r' < "$tmp/out" > "$tmp/out.lf" && mv "$tmp/out.lf" "$tmp/out"
	grep '^GUEST' "$tmp/out" | grep -v 'GUEST: line' | comment
	[ $rc = 0 ]
	res $? "--cpus $CPUS: guest boots and powers off with status 0 (got $rc, $((end - start)) s)"
	[ $rc = 0 ] || show "$tmp/out" 40
	res_grep "$tmp/out" "GUEST: nproc $CPUS\$" "--cpus $CPUS: guest's nproc says $CPUS"
	res_grep "$tmp/out" "GUEST: cpuinfo $CPUS\$" "--cpus $CPUS: guest's /proc/cpuinfo lists $CPUS processors"
	# On kvm.ko (6.1, in the test VM) the guest reads CPUID.(0xd,0).EBX =
	# 576 (x87 and SSE only) after setting AVX and PKRU in XCR0, warns
	# "XSAVE consistency problem: size 2696 != kernel_size 576" (a WARNING
	# and its Call Trace) and does without XSAVE. Allowed there only.
	bad=$(sed -n 's/^GUEST: klog bad lines: //p' "$tmp/out" | head -n1)
	xs=$(sed -n 's/^GUEST: klog xstate warnings: //p' "$tmp/out" | head -n1)
	known=0
	[ "${VIREO_TEST_MODE:-}" = kvm ] && [ "$xs" = 1 ] && known=2
	[ -n "$bad" ] && [ $((bad - known)) = 0 ]
	res $? "--cpus $CPUS: guest's kernel log free of WARN/BUG/oops (${bad:-no} lines, $known allowed)"
	# Every CPU column of LOC (local timer) and RES/CAL (IPIs) summed: each
	# CPU must have taken local timer interrupts and at least one IPI.
	cols() { sed -n "s/^GUEST: irq $1: *//p" "$tmp/out" | tr -s ' ' '\n' | head -n "$CPUS"; }
	all_nonzero() {
		k=0
		for c in $1; do [ "$c" -gt 0 ] 2>/dev/null || return 1; k=$((k + 1)); done
		[ $k = "$CPUS" ]
	}
	echo "# local APIC timer interrupts per CPU (LOC): $(cols LOC | tr '\n' ' ')"
	ipis=
	for c in $(seq 1 "$CPUS"); do
		r=$(cols RES | sed -n "${c}p") f=$(cols CAL | sed -n "${c}p")
		ipis="$ipis $((${r:-0} + ${f:-0}))"
	done
	all_nonzero "$ipis"
	res $? "--cpus $CPUS: IPIs reach every CPU (RES+CAL:$ipis)"
	grep "^GUEST: cmdline " "$tmp/out" | grep -q -v -w noapic
	res $? "--cpus $CPUS: the VMM leaves \"noapic\" off the guest's command line"
	! grep -q "^GUEST: irq2: .*XT-PIC" "$tmp/out" &&
		grep -q "^GUEST: irq2: .*IO-APIC" "$tmp/out"
	res $? "--cpus $CPUS: the guest's device interrupts are on the IO-APIC, none on the 8259 (XT-PIC)"
	# ttyS0: IRQ 4 on pin 4, edge; it counts up while the guest writes.
	s1=$(sum_irq irq1 'IO-APIC *4-edge *ttyS0') s2=$(sum_irq irq2 'IO-APIC *4-edge *ttyS0')
	[ -n "$s1" ] && [ -n "$s2" ] && [ "$s2" -gt "$s1" ]
	res $? "--cpus $CPUS: serial IRQ 4 is IO-APIC 4-edge and counts up (${s1:-none} -> ${s2:-none})"
	# virtio-rng on virtio-mmio: level-triggered (fasteoi), remote IRR and
	# EOI broadcast each time.
	if [ -d "$tmp/guest/mods" ]; then
		v=$(sum_irq irq2 'IO-APIC *[0-9]*-fasteoi *virtio')
		[ -n "$v" ] && [ "$v" -gt 0 ] && grep -q "^GUEST: rng 128" "$tmp/out"
		res $? "--cpus $CPUS: virtio-rng's level-triggered IO-APIC interrupt counts up (${v:-none}) and the guest reads it"
	else
		ok "--cpus $CPUS: virtio interrupt # SKIP no virtio modules for the guest"
	fi
done

"$VIREO" run --device "$DEV" --kernel "$KERNEL" --cpus 65 > "$tmp/bad.out" 2>&1 < /dev/null
rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$tmp/bad.out")" = 1 ] && grep -q "at most 64" "$tmp/bad.out"
res $? "--cpus 65: status $rc, $(cat "$tmp/bad.out")"
tap_done
