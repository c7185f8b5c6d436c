#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make install and dkms.conf, staged in a temporary root (prints TAP; run by
# scripts/check.sh with the host unit tests): vireo.ko lands under the
# kernel it was built for, modprobe resolves `vireo` to it with the
# modprobe.d options, the udev rule comes with it, make uninstall takes it
# all back, and DKMS builds the module from the tree with dkms.conf.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-$top/.cache}
kdir=${KDIR:-/usr/src/linux-headers-$(basename "$(readlink -f "$cache/kernel/current")")}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vireo-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
echo "1..6"
res() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi
}

root=$tmp/root
make -s -C "$top" install DESTDIR="$root" KDIR="$kdir" > "$tmp/install.log" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$tmp/install.log" | tail -n 20
kver=$(modinfo -F vermagic "$top/kmod/vireo.ko" 2>/dev/null | cut -d' ' -f1)
ko=$root/lib/modules/$kver/extra/vireo.ko
[ $rc = 0 ] && [ -n "$kver" ] && cmp -s "$top/kmod/vireo.ko" "$ko"
res $? "make install: vireo.ko under /lib/modules/$kver/extra"

dep=$(modprobe -d "$root" -S "$kver" -C "$root/etc/modprobe.d" \
	--show-depends vireo 2>&1)
echo "# modprobe: $dep"
[ "$dep" = "insmod $ko devkvm=1 " ] || [ "$dep" = "insmod $ko devkvm=1" ]
res $? "modprobe vireo resolves to it, with devkvm=1 from modprobe.d"

cmp -s "$top/scripts/udev/65-vireo-kvm.rules" \
	"$root/etc/udev/rules.d/65-vireo-kvm.rules"
res $? "the udev rule for /dev/kvm (root:kvm 0660) is installed"

make -s -C "$top" uninstall DESTDIR="$root" KDIR="$kdir" > "$tmp/uninstall.log" 2>&1
rc=$?
left=$(find "$root" -name 'vireo*' -o -name '65-vireo-kvm.rules' | sed "s|^$root||")
[ -n "$left" ] && echo "# left behind: $left"
[ $rc = 0 ] && [ -z "$left" ] &&
	! modprobe -d "$root" -S "$kver" --show-depends vireo > /dev/null 2>&1
res $? "make uninstall leaves no file and modprobe no longer finds it"

# DKMS from a copy of the committed tree (what a package would ship), in
# private trees: nothing under /usr/src or /var/lib/dkms.
src=$tmp/src/vireo-0.1
mkdir -p "$src"
(cd "$top" && git ls-files -z 2>/dev/null | cpio -0 -pdm --quiet "$src") ||
	(cd "$top" && find Kbuild Makefile dkms.conf kmod uapi scripts vmm tests \
		-type f | cpio -pdm --quiet "$src")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
if ! command -v dkms > /dev/null; then
	res 1 "dkms is installed (scripts/setup.sh)"
else
	res 0 "dkms is installed (scripts/setup.sh)"
fi
mkdir -p "$tmp/dkms"
dkms build -m vireo -v "$ver" -k "$kver" --kernelsourcedir "$kdir" \
	--sourcetree "$tmp/src" --dkmstree "$tmp/dkms" > "$tmp/dkms.log" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$tmp/dkms.log" | tail -n 20
built=$(find "$tmp/dkms" 2>/dev/null -path "*/$kver/*" -name 'vireo.ko*' | head -n1)
[ $rc = 0 ] && [ -n "$built" ] &&
	[ "$(modinfo -F vermagic "$built" | cut -d' ' -f1)" = "$kver" ]
res $? "dkms build vireo/$ver with dkms.conf: vireo.ko for $kver"
exit $failed
