#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's SMP guests (prints TAP): Debian's kernel
# with --cpus N (default 2) brings its application processors up through
# the VMM's local APICs (INIT/SIPI), counts N CPUs, takes IPIs on every
# CPU, and powers off; --cpus above the limit gets one clear error line.
# The local APIC timer counts are shown, not judged: under the emulator
# Linux's APIC timer verification can fail, and it then ticks every CPU
# from the PIT by broadcast IPIs.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-240}
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1
CPUS=${SMP_CPUS:-2}

make_tmp vmm_smp
plan 5

guest_tree dev proc sys
guest_init <<'GUEST'
echo "GUEST: nproc $(nproc)"
echo "GUEST: cpuinfo $(grep -c '^processor' /proc/cpuinfo)"
echo "GUEST: online $(cat /sys/devices/system/cpu/online)"
# Work on every CPU, so that each takes IPIs (reschedule, function call).
for i in 1 2 3 4; do (i=0; while [ $i -lt 3000 ]; do i=$((i + 1)); done) & done
wait
grep -E '^ *(LOC|RES|CAL|TLB):' /proc/interrupts | sed 's/^ */GUEST: irq /'
dmesg | grep -E 'smp:|smpboot|APIC|x86: Booting|WARNING|BUG' | sed 's/^/GUEST: dmesg: /' | head -n 30
poweroff -f
GUEST

start=$(date +%s)
run_vmm "$tmp/out" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
	--cpus "$CPUS" --cmdline "console=ttyS0 panic=-1 quiet"
end=$(date +%s)
# The serial console ends lines with CR LF.
tr -d '\r' < "$tmp/out" > "$tmp/out.lf" && mv "$tmp/out.lf" "$tmp/out"
show_guest "$tmp/out"
[ $rc = 0 ]
res $? "--cpus $CPUS: guest boots and powers off with status 0 (got $rc, $((end - start)) s)"
[ $rc = 0 ] || show "$tmp/out" 40
res_grep "$tmp/out" "GUEST: nproc $CPUS\$" "guest's nproc says $CPUS"
res_grep "$tmp/out" "GUEST: cpuinfo $CPUS\$" "guest's /proc/cpuinfo lists $CPUS processors"
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
res $? "IPIs reach every CPU (RES+CAL:$ipis)"

"$VIREO" run --device "$DEV" --kernel "$KERNEL" --cpus 5 > "$tmp/bad.out" 2>&1 < /dev/null
rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$tmp/bad.out")" = 1 ] && grep -q 'at most 4' "$tmp/bad.out"
res $? "--cpus 5: status $rc, $(cat "$tmp/bad.out")"
tap_done
