#!/usr/bin/env bash
# Boot a test VM, run a command in it, return the command's result.
#
#   scripts/vm.sh [--mode vireo|kvm|none] [--platform qemu-x86] [--timeout S]
#                 [--smp N] [--mem MB] [--add SRC[:DEST]]... [--quiet]
#                 [--console-log FILE] [--results FILE] [--hostroot] [--qemu]
#                 -- CMD...
#
# The VM's /init (scripts/vm/init) loads the mode's modules (vireo:
# kmod/vireo.ko; kvm: the test kernel's own KVM modules, the reference),
# runs CMD, unloads the modules and checks the kernel log. CMD's output goes
# to the console and to a second serial line (the results channel). Exit
# status: CMD's, or 125 on a kernel WARN/BUG/oops, 126 on a leak or failed
# unload, 124 on a timeout, 2 on a harness error.
#
# --hostroot mounts the host's own root read-only over 9p, under a tmpfs
# overlay, and `hostrun CMD` in the VM runs a host program there (QEMU,
# libvirt): the VM then boots Debian's standard kernel flavour, which has 9p,
# and loads the vireo.ko built for it (make modules-std).
#
# --qemu puts the host's QEMU (binary, libraries, x86 firmware) in the
# initramfs at its host paths, for the boot benchmark (tests/bench/boot.c).
#
# VIREO_VM_MONITOR=PATH gives the emulator's monitor a Unix socket there
# (QEMU platforms), to look at a test VM that stopped: `info registers`.
#
# A platform (scripts/vm/platform-NAME.sh) knows how to boot one emulator
# with one kernel; everything else here is shared between platforms.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-$top/.cache}
mode=vireo platform=${VIREO_PLATFORM:-qemu-x86}
timeout=300 smp=2 mem=1024 quiet=0 console_log= results= hostroot=0 qemu=0
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
	--hostroot) hostroot=1; shift ;;
	--qemu) qemu=1; shift ;;
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

# use_kernel NAME: the extracted test kernel $cache/kernel/NAME (setup.sh).
use_kernel() {
	plat_kdir=$cache/kernel/$1/root
	plat_kernel=$(ls "$plat_kdir"/boot/vmlinuz-* 2>/dev/null | head -n1)
	[ -n "$plat_kernel" ] || die "no test kernel in $plat_kdir (run scripts/setup.sh)"
	plat_moddir=$(ls -d "$plat_kdir"/lib/modules/*/kernel | head -n1)
}

work=$(mktemp -d "${TMPDIR:-/tmp}/vireo-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
# shellcheck source=vm/platform-qemu-x86.sh
. "$pf"
. "$top/scripts/vm/initramfs.sh"
. "$top/scripts/vm/verdict.sh"
# The verdict's nonce: scripts/check.sh passes its own to find the line.
nonce=${VIREO_VM_NONCE:-$(vm_nonce)}

root=$work/root
initramfs_base "$root"
[ $hostroot = 1 ] && initramfs_hostroot "$root"
initramfs_modules "$root" "$mode"
initramfs_payload "$root"
[ $qemu = 1 ] && initramfs_qemu "$root"
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
	printf 'VIREO_NONCE=%q\n' "$nonce"
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

if ! vm_verdict "$res" "$nonce"; then
	if [ $boot_rc = 137 ] || [ $boot_rc = 124 ]; then
		echo "vm.sh: TIMEOUT after ${timeout}s" >&2
		exit 124
	fi
	echo "vm.sh: the VM ended without a result (emulator status $boot_rc)" >&2
	tail -n 30 "$con" >&2
	exit 2
fi
if [ "$vm_dmesg" != ok ]; then
	echo "vm.sh: kernel log shows a warning, BUG or oops" >&2
	exit 125
fi
if [ "$vm_unload" != ok ] || [ "$vm_leak" = bad ]; then
	echo "vm.sh: module unload failed or leaked (unload=$vm_unload leak=$vm_leak)" >&2
	exit 126
fi
exit "$vm_rc"
