# SPDX-License-Identifier: GPL-2.0
# Shared by the client tests (tests/clients/*.sh), sourced. They run in
# the --hostroot test VM: the host's QEMU and libvirt through hostrun, on
# the module under test ($VIREO_TEST_MODE), Debian's cloud kernel as the
# guest (scripts/vm/clients-guest.sh, in /vireo/clients/).
G=/vireo/clients
n=0 failed=0
# Seconds for one guest boot. Quiet boots to init with -smp 4 took 12-43 s
# in the emulated test VM under a load of 8-12, 87 s once at 16; a hung
# kvm.ko boot (below) costs this much before its retry.
LIMIT=${VIREO_CLIENT_TIMEOUT:-150}

# On kvm.ko only, QEMU's guest boots without PV EOI, and a guest that hangs
# until the timeout, or panics, is booted again (hang_retry), up to
# $KVM_HANG_RETRIES (2) times, each said in a TAP comment. QEMU 7.2's TCG
# emulation of SVM (the test VM's CPU) sometimes delivers an interrupt
# injected through EVENTINJ a second time, at the first instruction of its
# handler with the guest's IF clear (tests/vm/lib/vmm.sh): kvm.ko's Linux
# guest then spins at one RIP for good, taking no exit but the host's
# interrupts (seen in 5 of 9 boots under load: in check_timer(), ACPI's
# table load, the PCI scan, i8042; and once in a guest just restored by
# libvirt), or faults in its exception entry until it panics ("Fatal
# exception in interrupt"). vireo.ko hands the emulator such interrupts as
# V_IRQ, which it delivers once (kmod/svm/svm.c), and gets no retry; its
# guest keeps PV EOI.
CPU=host
[ "$VIREO_TEST_MODE" = kvm ] && CPU=host,kvm-pv-eoi=off

# hang_retry WHAT: on kvm.ko, while the caller's $tries (from 0) is below
# $KVM_HANG_RETRIES, says WHAT befell the guest and counts the try: the caller
# then boots its guest again. Fails otherwise.
hang_retry() {
	[ "$VIREO_TEST_MODE" = kvm ] && [ "$tries" -lt "${KVM_HANG_RETRIES:-2}" ] ||
		return 1
	tries=$((tries + 1))
	echo "# kvm.ko: $1 (QEMU's TCG SVM interrupt redelivery, tests/clients/lib.sh): boot $((tries + 1))"
}

# boot LOG CMD...: CMD (a client that boots a guest to its power-off) for
# at most $LIMIT s, output in LOG; status in $s, seconds in $secs.
boot() {
	local log=$1 tries=0 t0 why
	shift
	while :; do
		t0=$(date +%s)
		timeout -s KILL $LIMIT "$@" > $log 2>&1 < /dev/null
		s=$?
		secs=$(( $(date +%s) - t0 ))
		if [ $s = 137 ] && [ $secs -ge $LIMIT ]; then
			why="hung for $LIMIT s"
		elif [ $s = 0 ] && ! grep -q 'VIREO-GUEST: init' $log &&
		     grep -q 'Kernel panic' $log; then
			# panic=-1 and -no-reboot: QEMU ends with status 0.
			why="panicked ($(grep -m1 -o 'Kernel panic.*' $log | tr -d '\r'))"
		else
			return 0
		fi
		hang_retry "the guest $why" || return 0
		tail_log $log 3
	done
}

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
# check NAME CMD...: one TAP line for CMD's status.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# The last lines of a log, as TAP comments.
tail_log() { tail -n "${2:-15}" "$1" | tr -d '\r' | cut -c1-200 | sed 's/^/#   /'; }

# /dev/kvm as a distribution gives it to QEMU and libvirt: vireo.ko
# answers there when loaded with devkvm=1, and the project's udev rule
# (scripts/udev/65-vireo-kvm.rules) makes it root:kvm 0660. The test VM
# has no udev: the same ownership and mode are set here by hand.
kvm_dev_setup() {
	local gid
	if [ "$VIREO_TEST_MODE" = vireo ] && [ ! -e /dev/kvm ]; then
		rmmod vireo && insmod /vireo/kmod/vireo.ko devkvm=1 ||
			{ echo "# cannot reload vireo.ko with devkvm=1"; return 1; }
	fi
	[ -c /dev/kvm ] || { echo "# no /dev/kvm"; return 1; }
	gid=$(awk -F: '$1 == "kvm" { print $3 }' /hostroot/etc/group)
	[ -n "$gid" ] || { echo "# the host has no kvm group"; return 1; }
	chown "0:$gid" /dev/kvm && chmod 0660 /dev/kvm
}

# A raw disk whose first bytes the guest reports.
make_disk() {
	dd if=/dev/zero of="$1" bs=1M count=4 2>/dev/null &&
		printf 'VIREO-DISK' | dd of="$1" conv=notrunc 2>/dev/null
}

# wait_for FILE PATTERN SECONDS: until PATTERN shows in FILE.
wait_for() {
	local i=0
	while [ $i -lt $(($3 * 5)) ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# The guest's report, checked: every CPU up, the disk, the NIC.
guest_ok() {
	grep -q "VIREO-GUEST: init cpus=$2 disk=VIREO-DISK net=eth0" "$1"
}
