#!/usr/bin/env bash
# The guest that tests/clients/ boots in QEMU and libvirt: Debian's cloud
# kernel (the test kernel) and a busybox initramfs with that kernel's
# virtio modules. Its /init reports one line on the serial console,
#   VIREO-GUEST: init cpus=N disk=MARKER net=eth0
# (the CPUs it brought up, the first bytes of its virtio disk, its virtio
# NIC) and powers off, or, with "vireo_hold" on its command line, stays
# up: it echoes each line its console receives ("VIREO-ECHO: LINE") and
# powers off at the ACPI power button (monitor and libvirt tests).
#   scripts/vm/clients-guest.sh OUTDIR   -> OUTDIR/vmlinuz, OUTDIR/guest.img
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${CACHE:-$top/.cache}
out=$1
kdir=$cache/kernel/current/root
kernel=$(ls "$kdir"/boot/vmlinuz-* | head -n1)
moddir=$(ls -d "$kdir"/lib/modules/*/kernel | head -n1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

find_mod() {
	local n=${1//_/-} f b
	while IFS= read -r f; do
		b=${f##*/}; b=${b%.ko}
		[ "${b//_/-}" = "$n" ] && { echo "$f"; return; }
	done < "$work/all"
	echo "clients-guest: module $1 not found" >&2
	exit 1
}
load=
resolve() {
	local d
	for d in $(modinfo -F depends "$1" | tr , ' '); do
		resolve "$(find_mod "$d")"
	done
	case " $load " in *" $1 "*) ;; *) load="$load $1" ;; esac
}
find "$moddir" -name '*.ko' > "$work/all"
for m in virtio_pci virtio_mmio virtio_blk virtio_net button evdev; do
	resolve "$(find_mod $m)"
done
r=$work/root
mkdir -p "$r"/{bin,proc,sys,dev,mods}
cp /bin/busybox "$r/bin/busybox"
i=10
for f in $load; do
	cp "$f" "$r/mods/$i-${f##*/}"
	i=$((i + 1))
done
cat > "$r/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in /mods/*.ko; do insmod "$m" 2>/dev/null; done
# Devices probe asynchronously.
n=0
while [ $n -lt 50 ] && { [ ! -e /sys/block/vda ] || [ ! -e /sys/class/net/eth0 ]; }; do
	sleep 0.1
	n=$((n + 1))
done
disk=$(head -c 16 /dev/vda 2>/dev/null | tr -cd 'A-Z-')
net=$(ls /sys/class/net | grep -v '^lo$' | head -n1)
echo "VIREO-GUEST: init cpus=$(grep -c ^processor /proc/cpuinfo) disk=${disk:-none} net=${net:-none}"
if grep -q vireo_hold /proc/cmdline; then
	# ACPI shutdown: the power button's first event powers off.
	for e in /sys/class/input/event*; do
		grep -qs 'Power Button' "$e/device/name" || continue
		(head -c 1 "/dev/input/${e##*/}" > /dev/null &&
			echo "VIREO-GUEST: power button" && poweroff -f) &
		break
	done
	# The console answers what it is sent.
	while read -r line; do echo "VIREO-ECHO: $line"; done
	while :; do sleep 1; done
fi
poweroff -f
INIT
chmod +x "$r/init"
mkdir -p "$out"
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/guest.img"
cp "$kernel" "$out/vmlinuz"
