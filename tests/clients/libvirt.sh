#!/bin/sh
# libvirt (Debian's libvirt-daemon-system) with a <domain type='kvm'> on
# the module under test, which it finds at /dev/kvm (root:kvm 0660, QEMU
# running as libvirt-qemu:kvm): virsh define, start (the guest boots to
# init with its disk and NIC), dominfo, console (the guest answers),
# suspend/resume, save/restore (the guest carries on), shutdown (ACPI:
# the guest powers off), start again, destroy, undefine.
. /vireo/clients/lib.sh
H=/hostroot
IMG=/var/lib/libvirt/images
SER=/var/log/libvirt/qemu/vireo-guest-serial.log
DOM=vireo-guest
# vCPUs of the domain (VIREO_LIBVIRT_VCPUS, default 2).
VCPUS=${VIREO_LIBVIRT_VCPUS:-2}
echo "TAP version 13"
kvm_dev_setup || { not_ok "clients/libvirt: /dev/kvm"; echo "1..$n"; exit 1; }
virsh() { timeout -s KILL 300 hostrun virsh -c qemu:///system "$@"; }

# The VM has no systemd, cgroup hierarchy or AppArmor: libvirt must not
# build a mount namespace per domain (it would lose the VM's /dev) nor
# cgroups; QEMU still runs as libvirt-qemu:kvm.
cat >> $H/etc/libvirt/qemu.conf <<'CONF'
namespaces = [ ]
cgroup_controllers = [ ]
security_driver = "none"
CONF
mkdir -p $H$IMG $H/var/log/libvirt/qemu $H/run/libvirt
cp $G/vmlinuz $G/guest.img $H$IMG/
make_disk $H$IMG/disk.img
chmod 0644 $H$IMG/*
# PV EOI on vireo.ko; off on kvm.ko (<apic eoi='off'/>), whose guest hangs
# less often without it under QEMU's TCG SVM (lib.sh).
EOI=on
[ "$VIREO_TEST_MODE" = kvm ] && EOI=off
cat > /tmp/dom.xml <<XML
<domain type='kvm'>
  <name>$DOM</name>
  <memory unit='MiB'>256</memory>
  <vcpu>$VCPUS</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$IMG/vmlinuz</kernel>
    <initrd>$IMG/guest.img</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet vireo_hold</cmdline>
  </os>
  <features><acpi/><apic eoi='$EOI'/></features>
  <cpu mode='host-passthrough'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$IMG/disk.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='user'><model type='virtio'/></interface>
    <serial type='pty'>
      <log file='$SER' append='on'/>
      <target port='0'/>
    </serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>
XML

hostrun virtlogd -d
hostrun libvirtd -d
i=0
while [ $i -lt 150 ] && ! virsh version > /dev/null 2>&1; do sleep 0.2; i=$((i + 1)); done
check "clients/libvirt: libvirtd answers" virsh version

state() { virsh domstate $DOM 2>/dev/null | head -n1; }
# wait_state STATE SECONDS
wait_state() {
	local i=0
	while [ $i -lt $(($2 * 5)) ]; do
		[ "$(state)" = "$1" ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	echo "# domain state: $(state), not $1"
	return 1
}
# console_echo WORD: through virsh console (which wants a terminal:
# script gives it one), the guest echoes WORD back on its serial line.
# Three tries, 10 s each: a guest just restored on a loaded machine can
# take seconds to run again.
console_echo() {
	local try=0
	while [ $try -lt 3 ]; do
		(sleep 3; echo "$1"; sleep 10; printf '\035') |
			timeout -s KILL 40 hostrun script -qfc \
			"virsh -c qemu:///system console $DOM --force" /tmp/console.out \
			> /dev/null 2>&1
		grep -q "VIREO-ECHO: $1" $H$SER /tmp/console.out 2>/dev/null && return 0
		try=$((try + 1))
	done
	echo "# the guest did not echo '$1' in 3 tries; virsh console, then the serial log:"
	tail_log /tmp/console.out 5
	tail_log $H$SER 5
	return 1
}
fail_log() {
	tail_log $H/var/log/libvirt/qemu/$DOM.log 10
	tail_log $H$SER 5
}

if virsh define /tmp/dom.xml > /tmp/virsh.out 2>&1; then
	ok "clients/libvirt: virsh define"
else
	not_ok "clients/libvirt: virsh define"; tail_log /tmp/virsh.out
fi
# start_up: virsh start, and the guest's report within $LIMIT s. On
# kvm.ko a guest that does not report is destroyed and started again, up
# to $KVM_HANG_RETRIES (2) times (QEMU's TCG SVM, lib.sh).
start_up() {
	local tries=0
	while :; do
		virsh start $DOM > /tmp/virsh.out 2>&1 &&
			wait_for $H$SER 'VIREO-GUEST: init' $LIMIT && return 0
		[ "$(state)" = running ] && hang_retry "the guest hung for $LIMIT s" || return 1
		virsh destroy $DOM > /dev/null 2>&1
		wait_state "shut off" 30
	done
}
t0=$(date +%s)
if start_up && guest_ok $H$SER $VCPUS; then
	ok "clients/libvirt: virsh start: the guest boots to init with $VCPUS CPUs, its disk and NIC ($(( $(date +%s) - t0 )) s)"
else
	not_ok "clients/libvirt: virsh start: the guest boots to init with $VCPUS CPUs, its disk and NIC"
	tail_log /tmp/virsh.out 5
	fail_log
fi
virsh dominfo $DOM > /tmp/dominfo 2>&1
check "clients/libvirt: virsh dominfo: running, $VCPUS CPUs" \
	sh -c "grep -q '^State: *running' /tmp/dominfo && grep -q '^CPU(s): *$VCPUS' /tmp/dominfo"
check "clients/libvirt: virsh console: the guest answers" console_echo hello
# do_state COMMAND STATE: virsh COMMAND, after which the domain is STATE.
do_state() { virsh "$1" $DOM > /dev/null && wait_state "$2" 10; }
check "clients/libvirt: virsh suspend" do_state suspend paused
check "clients/libvirt: virsh resume" do_state resume running
# save_restore: virsh save (the domain goes off), virsh restore (it runs
# again) and the guest's echo after it; $failed_at names the step that
# failed. On kvm.ko a restored guest that does not answer may have hung
# (lib.sh): it is booted again, saved and restored again.
save_restore() {
	local tries=0
	while :; do
		rm -f $H$IMG/save.img
		failed_at=save
		virsh save $DOM $IMG/save.img > /tmp/virsh.out 2>&1 &&
			wait_state "shut off" 60 || return 1
		failed_at=restore
		virsh restore $IMG/save.img > /tmp/virsh.out 2>&1 &&
			wait_state running 60 || return 1
		failed_at=echo
		console_echo restored && { failed_at=; return 0; }
		hang_retry "the restored guest did not answer" || return 1
		virsh destroy $DOM > /dev/null 2>&1
		wait_state "shut off" 30
		start_up || return 1
	done
}
save_restore
if [ "$failed_at" = save ]; then
	not_ok "clients/libvirt: virsh save"; tail_log /tmp/virsh.out 5; fail_log
else
	ok "clients/libvirt: virsh save: the guest's state is in a file, the domain is off"
fi
case $failed_at in
save) not_ok "clients/libvirt: virsh restore: not tried" ;;
restore) not_ok "clients/libvirt: virsh restore"; tail_log /tmp/virsh.out 5; fail_log ;;
*) ok "clients/libvirt: virsh restore: running again" ;;
esac
if [ "$failed_at" = echo ] || [ "$failed_at" = save ]; then
	not_ok "clients/libvirt: after restore the guest carries on (its console answers)"
else
	ok "clients/libvirt: after restore the guest carries on (its console answers)"
fi
if virsh shutdown $DOM > /tmp/virsh.out 2>&1 && wait_state "shut off" 120 &&
   grep -q 'VIREO-GUEST: power button' $H$SER; then
	ok "clients/libvirt: virsh shutdown: ACPI power button, the guest powers off"
else
	not_ok "clients/libvirt: virsh shutdown"; tail_log /tmp/virsh.out 5; fail_log
fi
check "clients/libvirt: virsh start again" do_state start running
# QEMU runs as libvirt-qemu and reaches /dev/kvm through the kvm group.
qemu_uid() { stat -c %u /proc/$(pidof qemu-system-x86_64 | cut -d' ' -f1); }
check "clients/libvirt: QEMU runs as libvirt-qemu" \
	[ "$(qemu_uid)" = "$(awk -F: '$1 == "libvirt-qemu" { print $3 }' $H/etc/passwd)" ]
check "clients/libvirt: virsh destroy" do_state destroy "shut off"
undefined() { virsh undefine $DOM > /dev/null && ! virsh list --all --name | grep -qx $DOM; }
check "clients/libvirt: virsh undefine" undefined
hostrun sh -c 'kill $(cat /run/libvirtd.pid) $(cat /run/virtlogd.pid)' 2>/dev/null
echo "1..$n"
[ $failed = 0 ]
