#!/bin/sh
# Unmodified QEMU (Debian's qemu-system-x86_64) with -accel kvm on the
# module under test: -M q35 and -M microvm, each with kernel-irqchip=on
# and split (off when named: with -smp 4 its guest reached init on
# neither module in the emulated test VM), boot Debian's cloud kernel
# with -smp 4, a virtio-blk disk and a virtio-net NIC to its init, which
# reports them and powers off:
# QEMU must exit with status 0. Then QEMU's human monitor on a pipe:
# info kvm, info cpus, info registers, stop/cont, system_reset (the guest
# boots again) and quit. VIREO_QEMU_MACHINES and VIREO_QEMU_IRQCHIPS
# narrow the matrix; VIREO_CLIENT_TIMEOUT bounds each boot (seconds).
. /vireo/clients/lib.sh
T=/tmp/qemu-test
mkdir -p $T
echo "TAP version 13"
kvm_dev_setup || { not_ok "clients/qemu: /dev/kvm"; echo "1..$n"; exit 1; }
make_disk $T/disk.img

# qemu_args MACHINE IRQCHIP [reboot]: the command line past the binary;
# with "reboot", a reset boots the guest again (-no-reboot turns the
# monitor's system_reset into an exit too).
qemu_args() {
	local dev=pci machine=$1 cpu=$CPU noreboot=-no-reboot
	[ "${3:-}" = reboot ] && noreboot=
	if [ "$1" = microvm ]; then
		dev=device
		# microvm's second I/O APIC (its virtio-mmio lines, ACPI on) is
		# QEMU's own. With kernel-irqchip=on the LAPICs' EOIs stay in
		# the kernel, so a level-triggered line of that I/O APIC is
		# never acknowledged and fires only once: the guest stops at
		# its first virtio-blk read, on kvm.ko as on vireo.ko. Without
		# it the lines go to the kernel's I/O APIC (GSIs 16-23).
		[ "$2" = on ] && machine=microvm,ioapic2=off
	fi
	# Without an in-kernel LAPIC kvm.ko refuses QEMU 7.2's reset write of
	# MSR_KVM_POLL_CONTROL, with kvm-poll-control=off too, and QEMU
	# aborts ("failed to set MSR 0x4b564d06 to 0x0"). Without the KVM
	# leaf (kvm=off: no paravirtual features, kvmclock included) it
	# does not write it: the same command on both modules.
	[ "$2" = off ] && cpu=$CPU,kvm=off
	echo "-M $machine -accel kvm,kernel-irqchip=$2 -cpu $cpu -smp $SMP -m 256" \
	     "-nodefaults -no-user-config -display none $noreboot -serial stdio" \
	     "-kernel $G/vmlinuz -initrd $G/guest.img" \
	     "-drive file=$T/disk.img,format=raw,if=none,id=d0" \
	     "-device virtio-blk-$dev,drive=d0" \
	     "-netdev user,id=n0 -device virtio-net-$dev,netdev=n0"
}
# Quiet: each character on the emulated UART is two exits to QEMU, and
# in the emulated test VM the kernel's boot messages double the time to
# init (q35 -smp 1 on vireo.ko: 21 s, 11 s quiet). VIREO_CLIENT_APPEND
# adds to it (e.g. "loglevel=7" to see how far a boot gets).
CMDLINE="console=ttyS0 panic=-1 quiet${VIREO_CLIENT_APPEND:+ $VIREO_CLIENT_APPEND}"
SMP=${VIREO_QEMU_SMP:-4}

for m in ${VIREO_QEMU_MACHINES:-q35 microvm}; do
	for irq in ${VIREO_QEMU_IRQCHIPS:-on split}; do
		name="clients/qemu: -M $m kernel-irqchip=$irq -smp $SMP boots to init, powers off"
		log=$T/$m-$irq.log
		# shellcheck disable=SC2046
		boot $log hostrun qemu-system-x86_64 $(qemu_args $m $irq) -append "$CMDLINE"
		if [ $s = 0 ] && guest_ok $log $SMP; then
			ok "$name (${secs} s)"
		else
			not_ok "$name: exit status $s after ${secs} s"
			echo "#   qemu-system-x86_64 $(qemu_args $m $irq) -append '$CMDLINE'"
			tail_log $log
		fi
	done
done

# The monitor: commands in through one FIFO, answers out through another.
mon=$T/mon
log=$T/monitor.log
rm -f $mon.in $mon.out
mkfifo $mon.in $mon.out
exec 6<> $mon.in
# mon_start: QEMU with its monitor on the FIFOs, in the background ($qpid),
# its answers copied to $T/mon.log ($cpid).
mon_start() {
	# shellcheck disable=SC2046
	timeout -s KILL $((LIMIT * 3)) hostrun qemu-system-x86_64 $(qemu_args q35 split reboot) \
		-append "$CMDLINE vireo_hold" -chardev pipe,id=mon,path=$mon \
		-mon chardev=mon,mode=readline > $log 2>&1 < /dev/null &
	qpid=$!
	cat $mon.out >> $T/mon.log &
	cpid=$!
}
mon_stop() {
	kill -9 $qpid 2>/dev/null
	wait $qpid 2>/dev/null
	kill $cpid 2>/dev/null
}
# hmp COMMAND PATTERN: the command's answer must show PATTERN.
hmp() {
	local before
	before=$(wc -c < $T/mon.log)
	echo "$1" >&6
	i=0
	while [ $i -lt 100 ]; do
		tail -c +$((before + 1)) $T/mon.log | tr -d '\r' | grep -q "$2" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	echo "# monitor: '$1' did not answer with '$2':"
	tail -c +$((before + 1)) $T/mon.log | tr -d '\r' | tail -n 5 | sed 's/^/#   /'
	return 1
}
# inits: how many times the guest has reported from its init.
inits() { cat $log 2>/dev/null | grep -c 'VIREO-GUEST: init'; }
# up N: the guest's Nth report within $LIMIT s, unless QEMU ends first.
# A hang on kvm.ko (lib.sh) is retried with RETRY, a command.
up() {
	local i tries=0
	while :; do
		i=0
		while [ $i -lt $((LIMIT * 5)) ] && kill -0 $qpid 2>/dev/null; do
			[ "$(inits)" -ge "$1" ] && return 0
			sleep 0.2
			i=$((i + 1))
		done
		[ "$(inits)" -ge "$1" ] && return 0
		kill -0 $qpid 2>/dev/null && hang_retry "the monitor's guest hung for $LIMIT s" || return 1
		tail_log $log 3
		# Where the guest is, for the record (its console says nothing).
		echo "info registers -a" >&6
		sleep 3
		tail -n 120 $T/mon.log | tr -d '\r' | grep -E '^(CPU#|RIP|EIP|CR0)' |
			tail -n 12 | sed 's/^/#   /'
		$2
	done
}
: > $T/mon.log
mon_start
# Boot again: a new QEMU, its log new.
mon_restart() { mon_stop; mon_start; }
if up 1 mon_restart && guest_ok $log $SMP; then
	ok "clients/qemu: monitor: the guest is up"
	check "clients/qemu: monitor: info kvm" hmp "info kvm" "kvm support: enabled"
	check "clients/qemu: monitor: info cpus" hmp "info cpus" "CPU #$((SMP - 1))"
	check "clients/qemu: monitor: info registers" hmp "info registers" "RIP="
	check "clients/qemu: monitor: stop" hmp "stop" "(qemu)"
	check "clients/qemu: monitor: info status says paused" hmp "info status" "VM status: paused"
	check "clients/qemu: monitor: cont" hmp "cont" "(qemu)"
	check "clients/qemu: monitor: info status says running" hmp "info status" "VM status: running"
	reset() { hmp "system_reset" "(qemu)"; }
	check "clients/qemu: monitor: system_reset" reset
	if up 2 reset; then
		ok "clients/qemu: monitor: after system_reset the guest boots to init again"
	else
		not_ok "clients/qemu: monitor: after system_reset the guest boots to init again"
		echo "#   qemu-system-x86_64 $(qemu_args q35 split reboot) -append '$CMDLINE vireo_hold' -chardev pipe,id=mon,path=$mon -mon chardev=mon,mode=readline"
		tail_log $log
	fi
	echo "quit" >&6
	wait $qpid
	s=$?
	if [ $s = 0 ]; then
		ok "clients/qemu: monitor: quit ends QEMU with status 0"
	else
		not_ok "clients/qemu: monitor: quit ends QEMU with status 0 (got $s)"
		tail_log $log 5
	fi
else
	not_ok "clients/qemu: monitor: the guest is up"
	tail_log $log
	mon_stop
fi
exec 6>&-
kill $cpid 2>/dev/null
echo "1..$n"
[ $failed = 0 ]
