# SPDX-License-Identifier: GPL-2.0
# The test VM's verdict, as its /init (scripts/vm/init) prints it last on
# the results channel:
#   VIREO-VM: nonce=N rc=N dmesg=ok|bad unload=ok|bad leak=ok|bad|none
# Sourced by scripts/vm.sh and scripts/check.sh. Parsed, never evaluated:
# a test's output shares the channel. Only the line with the nonce the host
# gave this VM counts; no test sees it.

# vm_nonce: a fresh nonce for one VM.
vm_nonce() { od -An -N8 -tx8 /dev/urandom | tr -d ' \n'; }

# vm_verdict RESULTS NONCE: sets vm_rc, vm_dmesg, vm_unload and vm_leak
# from the last well-formed verdict line with NONCE; returns 1 (and sets
# them to failures) when there is none. Under Bochs a burst can lose bytes
# before the verdict: it is looked for anywhere in a line.
vm_verdict() {
	local line
	vm_rc=none vm_dmesg=bad vm_unload=bad vm_leak=bad
	[ -n "$2" ] || return 1
	line=$(tr -d '\r' < "$1" | sed -n "s/^.*VIREO-VM: nonce=$2 //p" | tail -n1)
	printf '%s\n' "$line" |
		grep -qxE 'rc=[0-9]+ dmesg=(ok|bad) unload=(ok|bad) leak=(ok|bad|none)' ||
		return 1
	set -- $line
	vm_rc=${1#rc=} vm_dmesg=${2#dmesg=} vm_unload=${3#unload=} vm_leak=${4#leak=}
}

# vm_tap RESULTS NONCE: the results without the kernel log and the verdict
# (what scripts/tap.awk reads).
vm_tap() {
	tr -d '\r' < "$1" | grep -v "^# dmesg: \|VIREO-VM: nonce=$2 "
}
