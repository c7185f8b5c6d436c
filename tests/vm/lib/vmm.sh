# SPDX-License-Identifier: GPL-2.0
# Shared code of the in-VM shell tests of the vireo VMM (tests/vm/vmm_*.sh):
# TAP helpers, a busybox guest initramfs, running the VMM with a timeout.
# POSIX sh (the tests run under busybox in the test VM). Not a test itself:
# scripts/vm/initramfs.sh installs it as /vireo/lib/vmm.sh, outside
# /vireo/tests, and the tests source "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh".
# A test may set BOOT_TIMEOUT (and the others) before sourcing it.
VIREO=${VIREO:-/vireo/bin/vireo}
KERNEL=${KERNEL:-/vireo/kernel/vmlinuz}
BUSYBOX=${BUSYBOX:-/vireo/busybox}
DEV=${VIREO_TEST_DEV:-/dev/kvm}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-150}

# --- TAP ---
n=0 failed=0
# plan N: print the plan; N is also $TESTS, for skip_rest.
plan() { TESTS=$1; echo "1..$TESTS"; }
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }
# res STATUS NAME: ok if STATUS is 0.
res() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
# res_grep FILE PATTERN NAME: ok if PATTERN is in FILE.
res_grep() { grep -q "$2" "$1"; res $? "$3"; }
# res_status RC WANT NAME [FILE [LINES]]: ok if the status RC is WANT; else
# the name says what it got, followed by the last LINES (30) lines of FILE.
res_status() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3 (got $1)"
		[ -n "${4:-}" ] && show "$4" "${5:-30}"
	fi
	return 0
}
# skip_rest LABEL REASON: the tests not run yet are skipped; exit 0.
skip_rest() {
	while [ $n -lt "$TESTS" ]; do n=$((n + 1)); echo "ok $n $1 # SKIP $2"; done
	exit 0
}
# tap_done: the exit status, 0 if no test failed (the script's last command).
tap_done() { [ $failed = 0 ]; }
# comment [FILE]: as TAP comments.
comment() { sed 's/^/# /' "$@"; }
# show FILE [LINES]: the last LINES (30) lines of FILE, as comments.
show() { comment "$1" | tail -n "${2:-30}"; }
# refused LABEL STATUS PATTERN ARGS...: `vireo run ARGS` must end with
# STATUS after printing one line, "vireo: ..." with PATTERN in it.
refused() {
	label=$1 want=$2 pat=$3; shift 3
	"$VIREO" run --device "$DEV" "$@" > "$tmp/bad.out" 2>&1 < /dev/null
	rc=$?
	lines=$(wc -l < "$tmp/bad.out")
	if [ $rc = "$want" ] && [ "$lines" = 1 ] && grep -q "^vireo: .*$pat" "$tmp/bad.out"; then
		ok "$label: status $rc, $(cat "$tmp/bad.out")"
	else
		not_ok "$label: status $rc (want $want), $lines lines (want 1: 'vireo: ...$pat')"
		show "$tmp/bad.out"
	fi
}
# show_guest FILE: the guest's "GUEST..." lines in FILE, as comments.
show_guest() { grep '^GUEST' "$1" | comment; }

# --- the guest ---
# make_tmp NAME: a directory $tmp (/tmp/NAME.XXXXXX) removed at exit.
make_tmp() {
	tmp=$(mktemp -d "/tmp/$1.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT
}

# find_mod NAME: path of the guest module NAME.ko (or NN-NAME.ko, as
# scripts/vm/initramfs.sh names them); the test kernel doubles as the
# guest kernel and has its virtio drivers as modules.
find_mod() {
	for d in ${VIREO_GUEST_MODULES:-} /vireo/guest-modules /vireo/add \
		 /vireo/base-modules "/lib/modules/$(uname -r)"; do
		[ -d "$d" ] || continue
		f=$(find "$d" -name "$1.ko" -o -name "[0-9]*-$1.ko" 2>/dev/null | head -n1)
		[ -n "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# guest_tree DIR...: the guest's root $tmp/guest with bin/busybox and DIRs.
guest_tree() {
	mkdir -p "$tmp/guest/bin"
	for d in "$@"; do mkdir -p "$tmp/guest/$d"; done
	cp "$BUSYBOX" "$tmp/guest/bin/busybox"
}

# guest_mods NAME...: copy the modules to the guest's /mods/NAME.ko; fails
# at the first one not found, named in $missing.
guest_mods() {
	mkdir -p "$tmp/guest/mods"
	for m in "$@"; do
		f=$(find_mod "$m") || { missing=$m; return 1; }
		cp "$f" "$tmp/guest/mods/$m.ko"
	done
}

# guest_init_raw < SCRIPT: SCRIPT is the guest's /init; packs $tmp/initrd.
# guest_init < BODY: the same, /init being busybox sh with every applet on
# PATH, devtmpfs, proc and (if the tree has /sys) sysfs mounted, then BODY.
guest_init_raw() {
	cat > "$tmp/guest/init"
	chmod +x "$tmp/guest/init"
	(cd "$tmp/guest" && find . | "$BUSYBOX" cpio -o -H newc > "$tmp/initrd" 2>/dev/null)
}
guest_init() {
	{
		echo '#!/bin/busybox sh'
		echo 'export PATH=/bin'
		echo '/bin/busybox --install -s /bin'
		echo 'mount -t devtmpfs dev /dev'
		echo 'mount -t proc proc /proc'
		[ -d "$tmp/guest/sys" ] && echo 'mount -t sysfs sys /sys'
		cat
	} | guest_init_raw
}

# --- host side ---
# REF_ARGS: what `vireo run` gets on the reference only, under the test VM's
# emulated AMD-V (QEMU 7.2's TCG SVM; the test VM never has another AMD-V):
# --no-pv-eoi. That emulator delivers an interrupt injected through
# EVENTINJ a second time, with IF clear, when anything asks its CPU loop to
# stop (the other CPU's interrupts, its round-robin kick) before the guest's
# next exception or #VMEXIT (kmod/svm/svm.c, svm_intr_virq()). With
# kvm.ko's PV EOI the guest acknowledges its interrupts in memory, without
# an exit, so that window spans the whole handler and more; the guest's
# second EOI then retires another in-service vector and a CPU loses its
# timer. --cpus 4 --irqchip split on kvm.ko, 5 boots each: with PV EOI 6 of
# 6 hung (RCU: "timer wakeup didn't happen"), without 6 of 6 reached init
# (21-30 s). vireo.ko hands the emulator such interrupts as V_IRQ, which it
# delivers only once, and its guests keep PV EOI; turning it off on the
# reference takes nothing from what vireo.ko is tested on.
REF_ARGS=
if [ "${VIREO_TEST_MODE:-}" = kvm ] && grep -qw svm /proc/cpuinfo 2>/dev/null; then
	REF_ARGS=--no-pv-eoi
fi
ref_noted=

# run_vmm OUT ARGS...: `vireo run` on $DEV with ARGS (and $REF_ARGS), at
# most $BOOT_TIMEOUT s; stdout and stderr in OUT, stdin from $vmm_in
# (/dev/null), status $rc.
#
# On kvm.ko only, a guest that hangs until the timeout, or panics (status
# 3 with "Kernel panic" on its console), is booted again, up to
# $KVM_HANG_RETRIES (2) times, each said in a TAP comment: QEMU 7.2's
# TCG emulation of SVM (the test VM's CPU) sometimes delivers an interrupt
# injected through EVENTINJ a second time, with the guest's IF clear, at the
# first instruction of its handler (kmod/svm/svm.c, svm_intr_virq());
# the Linux guest then deadlocks in native_queued_spin_lock_slowpath, or
# faults until it panics.
# vireo.ko avoids that (svm_intr_virq()) and gets no retry; kvm.ko
# does not: in a loaded test VM (load 13 on 2 cores) one Debian boot
# in six hung there, --irqchip user and split alike, in check_timer() or
# later.
run_vmm() {
	out=$1; shift
	hang_tries=0
	if [ -n "$REF_ARGS" ] && [ -z "$ref_noted" ]; then
		ref_noted=1
		echo "# reference note: kvm.ko under QEMU's TCG AMD-V boots with $REF_ARGS (the emulator's EVENTINJ redelivery, tests/vm/lib/vmm.sh)"
	fi
	while :; do
		t0=$(date +%s)
		# SIGKILL 60 s after the SIGTERM: a VMM whose vCPUs spin on a
		# deadlocked guest's lock is slow to go on a loaded test VM.
		timeout -k 60 "$BOOT_TIMEOUT" "$VIREO" run --device "$DEV" $REF_ARGS "$@" \
			> "$out" 2>&1 < "${vmm_in:-/dev/null}"
		rc=$?
		[ "${VIREO_TEST_MODE:-}" = kvm ] &&
			[ $hang_tries -lt "${KVM_HANG_RETRIES:-2}" ] || break
		# SIGTERM from timeout (status 5) or its SIGKILL (137), after
		# the whole timeout; or a guest panic (panic=-1: a reboot).
		if { [ $rc = 5 ] || [ $rc = 137 ]; } &&
			[ $(($(date +%s) - t0)) -ge "$BOOT_TIMEOUT" ]; then
			why="hung for $BOOT_TIMEOUT s"
		elif [ $rc = 3 ] && grep -q "Kernel panic" "$out"; then
			why="panicked ($(grep -m1 -o 'Kernel panic.*' "$out" | tr -d '\r'))"
		else
			break
		fi
		hang_tries=$((hang_tries + 1))
		echo "# kvm.ko: the guest $why (QEMU's TCG SVM interrupt redelivery, see tests/vm/lib/vmm.sh): boot $((hang_tries + 1))"
		# The console input again, for the new boot.
		if [ -n "${feed_marker:-}" ] && [ -n "${vmm_in:-}" ]; then
			fo=$feed_out fm=$feed_marker fl=$feed_line
			feed_stop
			rm -f "$tmp/in"
			feed_when "$fo" "$fm" "$fl"
		fi
	done
}

# feed_when OUT MARKER LINE: stdin for run_vmm ($vmm_in, a fifo) that
# gives LINE once MARKER shows in OUT, then stays open; feed_stop ends it.
feed_when() {
	feed_out=$1 feed_marker=$2 feed_line=$3
	mkfifo "$tmp/in"
	(
		i=0
		while [ $i -lt "$BOOT_TIMEOUT" ] && ! grep -q "$2" "$1" 2>/dev/null; do
			sleep 1; i=$((i + 1))
		done
		echo "$3"
		sleep "$BOOT_TIMEOUT"	# keep stdin open until the guest is done
	) > "$tmp/in" &
	feeder=$!
	vmm_in=$tmp/in
}
feed_stop() { kill "$feeder" 2>/dev/null; vmm_in= feed_marker=; }

# marker_disk FILE: a 1 MiB disk image starting with "HOST-MARKER".
marker_disk() {
	dd if=/dev/zero of="$1" bs=1024 count=1024 2>/dev/null
	echo HOST-MARKER | dd of="$1" conv=notrunc 2>/dev/null
}
# guest_wrote FILE: sector 8 of FILE holds the guest's "GUEST-WROTE-THIS".
guest_wrote() {
	dd if="$1" bs=512 skip=8 count=1 2>/dev/null | grep -q GUEST-WROTE-THIS
}

# host_mods NAME...: load the test VM's own modules NAME (in this order,
# dependencies first) from the initramfs unless loaded already; fails at
# the first that will not load, named in $missing.
host_mods() {
	for m in "$@"; do
		[ -d "/sys/module/$m" ] && continue
		f=$(find_mod "$m") && insmod "$f" || { missing=$m; return 1; }
	done
}
