#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM (prints TAP): boot the test VM's own Debian
# kernel with a busybox initramfs on $VIREO_TEST_DEV, check the console
# marker, console input, the boot timer, and the exit statuses for guest
# power-off, reboot and triple fault; plus clean errors for bad input; and
# that the guest runs on kvmclock (the VMM passes the KVM leaves through).
# The default irqchip is split (both modules offer it): even one vCPU gets
# an I/O APIC. Then --cpus 4 boots with each --irqchip (user: the VMM's
# local APICs, split and kernel: the module's), each to init on 4 CPUs and
# kvm-clock, with its boot-to-init time in the result's name.
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1
CMDLINE="console=ttyS0 panic=-1 quiet"

make_tmp vmm_boot
IRQCHIPS=${VMM_BOOT_IRQCHIPS:-user split kernel}
k=0
for m in $IRQCHIPS; do k=$((k + 1)); done
plan $((14 + 4 * k))

# --- the guest: busybox initramfs whose /init reports and powers off ---
guest_tree dev proc
guest_init_raw <<'GUEST'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox devmem 0xd0000000 8 123
echo "VIREO-BOOT-MARKER $(/bin/busybox uname -r)"
echo "VIREO-NPROC $(/bin/busybox nproc)"
/bin/busybox grep ttyS0 /proc/interrupts | /bin/busybox sed 's/^/VIREO-IRQ /'
/bin/busybox dmesg | /bin/busybox grep -o 'clocksource: Switched to clocksource .*'
case "$(/bin/busybox cat /proc/cmdline)" in
*vireo.test=reboot*) /bin/busybox reboot -f ;;
*vireo.test=off*) /bin/busybox poweroff -f ;;
esac
echo "VIREO-READY"
read -r line
echo "VIREO-GOT:$line"
/bin/busybox poweroff -f
GUEST

# 1: help
"$VIREO" --help > "$tmp/help.out" 2>&1
rc=$?
[ $rc = 0 ] && grep -q -- '--kernel PATH' "$tmp/help.out"
res $? "help prints usage and exits 0"

# 2-5: bad input gives one error line and the right status
printf 'not a kernel\n' > "$tmp/bad-kernel"
refused "missing kernel" 1 "" --kernel "$tmp/nonexistent"
refused "corrupt kernel" 1 "" --kernel "$tmp/bad-kernel"
refused "too much memory" 1 "" --kernel "$KERNEL" --memory 64T
refused "bad option" 2 "unknown option" --kernel "$KERNEL" --frobnicate
refused "bad --irqchip" 2 "--irqchip: expected" --kernel "$KERNEL" --irqchip on

# 6: a synthetic bzImage whose 64-bit entry executes ud2 with no IDT:
# #UD, #DF, triple fault, KVM_EXIT_SHUTDOWN, status 4.
mk_crash_kernel() {
	f=$1
	dd if=/dev/zero of="$f" bs=4096 count=1 2>/dev/null
	poke() { printf "$2" | dd of="$f" bs=1 seek=$(($1)) conv=notrunc 2>/dev/null; }
	poke 0x1f1 '\004'			# setup_sects: 4, kernel at 0xa00
	poke 0x1fe '\125\252'			# boot_flag 0xaa55
	poke 0x200 '\353\152'			# jump
	poke 0x202 'HdrS'
	poke 0x206 '\017\002'			# protocol 2.15
	poke 0x236 '\001'			# XLF_KERNEL_64
	poke 0xc00 '\017\013'			# 64-bit entry (+0x200): ud2
}
mk_crash_kernel "$tmp/crash-kernel"
run_vmm "$tmp/crash.out" --kernel "$tmp/crash-kernel" --memory 64M
if [ "$rc" = 4 ] && grep -q 'triple fault' "$tmp/crash.out"; then
	ok "triple fault exits with status 4"
else
	not_ok "triple fault exits with status 4 (got $rc)"
	show "$tmp/crash.out"
fi

# 7-11: boot Debian's kernel to the marker, type a line, power off
feed_when "$tmp/boot.out" VIREO-READY "hello-from-host"
start=$(date +%s)
run_vmm "$tmp/boot.out" --kernel "$KERNEL" --initrd "$tmp/initrd" \
	--memory 256M --cmdline "$CMDLINE"
end=$(date +%s)
feed_stop
if grep -q "VIREO-BOOT-MARKER" "$tmp/boot.out"; then
	ok "Debian kernel boots to the initramfs marker ($((end - start)) s)"
else
	not_ok "Debian kernel boots to the initramfs marker (status $rc)"
	show "$tmp/boot.out" 60
fi
if grep -q "VIREO-GOT:hello-from-host" "$tmp/boot.out"; then
	ok "console input reaches the guest (16550 receive interrupt)"
else
	not_ok "console input reaches the guest"
fi
if grep -q "boot timer: guest init after" "$tmp/boot.out"; then
	ok "boot timer: $(grep -o 'guest init after.*' "$tmp/boot.out")"
else
	not_ok "boot timer reports guest init"
fi
if grep -q "clocksource: Switched to clocksource kvm-clock" "$tmp/boot.out"; then
	ok "the guest switched to kvm-clock"
else
	not_ok "the guest switched to kvm-clock"
	grep "clocksource" "$tmp/boot.out" | comment
fi
# One vCPU: on the 8259 alone (XT-PIC) only with the VMM's irqchip.
if grep -q "^VIREO-IRQ .*IO-APIC" "$tmp/boot.out"; then
	ok "default irqchip: split, the guest's serial IRQ is on the I/O APIC"
else
	not_ok "default irqchip: split, the guest's serial IRQ is on the I/O APIC"
	grep "^VIREO-IRQ" "$tmp/boot.out" | comment
fi
if [ "$rc" = 0 ]; then
	ok "guest poweroff -f ends the VMM with status 0"
else
	not_ok "guest poweroff -f ends the VMM with status 0 (got $rc)"
	[ "$rc" = 124 ] && echo "# timed out after $BOOT_TIMEOUT s"
	show "$tmp/boot.out" 20
fi

# 12: reboot request
run_vmm "$tmp/reboot.out" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
	--cmdline "$CMDLINE vireo.test=reboot"
if [ "$rc" = 3 ] && grep -q VIREO-BOOT-MARKER "$tmp/reboot.out"; then
	ok "guest reboot -f ends the VMM with status 3"
else
	not_ok "guest reboot -f ends the VMM with status 3 (got $rc)"
	show "$tmp/reboot.out" 20
fi

# --cpus 4 with each irqchip: init on 4 CPUs, kvm-clock, power-off. 120 s
# each (14-35 s in a loaded test VM): on kvm.ko a hung guest boots again
# (tests/vm/lib/vmm.sh), and run-suite gives the program 600 s.
for m in $IRQCHIPS; do
	o=$tmp/smp-$m.out
	BOOT_TIMEOUT=${SMP_BOOT_TIMEOUT:-120} run_vmm "$o" --kernel "$KERNEL" \
		--initrd "$tmp/initrd" --memory 256M --cpus 4 --irqchip "$m" \
		--cmdline "$CMDLINE vireo.test=off"
	t=$(grep -o 'guest init after [0-9.]* ms' "$o" | tr -d '\r')
	res_status "$rc" 0 "--cpus 4 --irqchip $m: guest powers off with status 0, ${t:-no init}" "$o"
	res_grep "$o" "VIREO-NPROC 4" "--cpus 4 --irqchip $m: the guest runs on 4 CPUs"
	res_grep "$o" "clocksource: Switched to clocksource kvm-clock" \
		"--cpus 4 --irqchip $m: the guest switched to kvm-clock"
	res_grep "$o" "^VIREO-IRQ .*IO-APIC" \
		"--cpus 4 --irqchip $m: the serial IRQ is on the I/O APIC"
done
tap_done
