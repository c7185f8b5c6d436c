#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's PCI host bridge (prints TAP): Debian's
# kernel finds bus 0 through configuration mechanism #1 and the ACPI PCI0
# root, without "PCI: Fatal", and lists the host bridge at 0000:00:00.0.
VIREO=${VIREO:-/vireo/bin/vireo}
KERNEL=${KERNEL:-/vireo/kernel/vmlinuz}
BUSYBOX=${BUSYBOX:-/vireo/busybox}
DEV=${VIREO_TEST_DEV:-/dev/kvm}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-150}
TESTS=5

echo "1..$TESTS"
tmp=$(mktemp -d /tmp/vmm_pci.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/guest/bin" "$tmp/guest/dev" "$tmp/guest/proc" "$tmp/guest/sys"
cp "$BUSYBOX" "$tmp/guest/bin/busybox"
cat > "$tmp/guest/init" <<'GUEST'
#!/bin/busybox sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
dmesg | grep -i -E 'pci' | sed 's/^/GUEST: dmesg: /' | head -n 40
dmesg | grep -q 'PCI: Fatal' && echo "GUEST: PCI-FATAL"
for d in /sys/bus/pci/devices/*; do
	[ -e "$d" ] || continue
	echo "GUEST: pci ${d##*/} $(cat $d/vendor):$(cat $d/device) class $(cat $d/class)"
done
poweroff -f
GUEST
chmod +x "$tmp/guest/init"
(cd "$tmp/guest" && find . | "$BUSYBOX" cpio -o -H newc > "$tmp/initrd" 2>/dev/null)

timeout "$BOOT_TIMEOUT" "$VIREO" run --device "$DEV" --kernel "$KERNEL" \
	--initrd "$tmp/initrd" --memory 256M \
	--cmdline "console=ttyS0 panic=-1 loglevel=4" > "$tmp/out" 2>&1 < /dev/null
rc=$?
grep '^GUEST' "$tmp/out" | sed 's/^/# /'
n=0 failed=0
res() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else failed=$((failed + 1)); echo "not ok $n $2"; fi
}
grep -q '^GUEST: pci ' "$tmp/out"
res $? "the guest reached its init and read sysfs"
! grep -q 'PCI: Fatal' "$tmp/out"
res $? "no \"PCI: Fatal\" on the guest's console or in its dmesg"
grep -q 'GUEST: pci 0000:00:00.0 0x1b36:0x0008 class 0x060000' "$tmp/out"
res $? "/sys/bus/pci/devices lists the host bridge 0000:00:00.0 (class 0x060000)"
grep -q 'GUEST: dmesg: .*PCI Root Bridge \[PCI0\]' "$tmp/out"
res $? "ACPI PCI0 root bridge found"
if [ $rc = 0 ]; then
	res 0 "guest powers off with status 0"
else
	res 1 "guest powers off with status 0 (got $rc)"
	tail -n 25 "$tmp/out" | sed 's/^/# /'
fi
[ $failed = 0 ]
