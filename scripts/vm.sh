#!/usr/bin/env bash
# Boot a test VM, run a command in it, return the command's result.
#
#   scripts/vm.sh [--mode vireo|kvm|none] [--platform qemu-x86] [--timeout S]
#                 [--smp N] [--mem MB] [--add SRC[:DEST]]... [--quiet]
#                 [--console-log FILE] [--results FILE] -- CMD...
#
# The VM's /init (scripts/vm/init) loads the mode's modules (vireo:
# kmod/vireo.ko; kvm: the test kernel's own KVM modules, the reference),
# runs CMD, unloads the modules and checks the kernel log. CMD's output goes
# to the console and to a second serial line (the results channel). Exit
# status: CMD's, or 125 on a kernel WARN/BUG/oops, 126 on a leak or failed
# unload, 124 on a timeout, 2 on a harness error.
#
# A platform (scripts/vm/platform-NAME.sh) knows how to boot one emulator
# with one kernel; everything else here is shared between platforms.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-$top/.cache}
mode=vireo platform=${VIREO_PLATFORM:-qemu-x86}
timeout=300 smp=2 mem=1024 quiet=0 console_log= results=
adds=()

die() { echo "vm.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--mode) mode=$2; shift 2 ;;
	--platform) platform=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--add) adds+=("$2"); shift 2 ;;
	--quiet) quiet=1; shift ;;
	--console-log) console_log=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	--) shift; break ;;
	*) die "unknown option $1" ;;
	esac
done
[ $# -gt 0 ] || die "no command given (use -- CMD)"
case $mode in vireo|kvm|none) ;; *) die "unknown mode $mode" ;; esac
pf=$top/scripts/vm/platform-$platform.sh
[ -f "$pf" ] || die "unknown platform $platform"

work=$(mktemp -d "${TMPDIR:-/tmp}/vireo-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
# shellcheck source=vm/platform-qemu-x86.sh
. "$pf"
. "$top/scripts/vm/initramfs.sh"

root=$work/root
initramfs_base "$root"
initramfs_modules "$root" "$mode"
initramfs_payload "$root"
for a in ${adds[@]+"${adds[@]}"}; do
	src=${a%%:*} dst=${a#*:}
	[ "$dst" != "$a" ] || dst=/vireo/add/$(basename "$src")
	[ -e "$src" ] || die "--add: $src does not exist"
	mkdir -p "$root$(dirname "$dst")"
	cp -a "$src" "$root$dst"
done
{
	printf 'VIREO_TEST_MODE=%q\n' "$mode"
	printf 'VIREO_TEST_CMD=%q\n' "$*"
	printf 'VIREO_RESULTS=%q\n' "$plat_results_dev"
} > "$root/vireo/env"
initramfs_pack "$root" "$work/initrd"

res=${results:-$work/results}
con=${console_log:-$work/console}
: > "$res"
set +e
if [ $quiet = 1 ]; then
	plat_boot "$work/initrd" "$timeout" "$res" > "$con" 2>&1
	boot_rc=$?
else
	plat_boot "$work/initrd" "$timeout" "$res" 2>&1 | tee "$con"
	boot_rc=${PIPESTATUS[0]}
fi
set -e

status=$(tr -d '\r' < "$res" | sed -n 's/^VIREO-VM: //p' | tail -n1)
if [ -z "$status" ]; then
	if [ $boot_rc = 137 ] || [ $boot_rc = 124 ]; then
		echo "vm.sh: TIMEOUT after ${timeout}s" >&2
		exit 124
	fi
	echo "vm.sh: the VM ended without a result (emulator status $boot_rc)" >&2
	tail -n 30 "$con" >&2
	exit 2
fi
# status is "rc=N dmesg=ok|bad unload=ok|bad leak=ok|bad|none"
eval "$status"
if [ "$dmesg" != ok ]; then
	echo "vm.sh: kernel log shows a warning, BUG or oops" >&2
	exit 125
fi
if [ "$unload" != ok ] || [ "$leak" = bad ]; then
	echo "vm.sh: module unload failed or leaked (unload=$unload leak=$leak)" >&2
	exit 126
fi
exit "$rc"
