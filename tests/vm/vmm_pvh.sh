#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's PVH path (prints TAP): boot an uncompressed
# ELF vmlinux through its PVH entry note to a busybox marker and power off.
# The harness puts the ELF at /vireo/kernel/vmlinux (setup.sh extracts it
# from the bzImage); $VIREO_VMLINUX overrides; without one the test skips.
VIREO=${VIREO:-/vireo/bin/vireo}
BUSYBOX=${BUSYBOX:-/vireo/busybox}
DEV=${VIREO_TEST_DEV:-/dev/kvm}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-150}
VMLINUX=${VIREO_VMLINUX:-/vireo/kernel/vmlinux}

echo "1..2"
if [ ! -f "$VMLINUX" ]; then
	echo "ok 1 PVH boot # SKIP no ELF vmlinux in this test VM"
	echo "ok 2 PVH power-off # SKIP no ELF vmlinux in this test VM"
	exit 0
fi
tmp=$(mktemp -d /tmp/vmm_pvh.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/guest/bin"
cp "$BUSYBOX" "$tmp/guest/bin/busybox"
printf '#!/bin/busybox sh\necho VIREO-PVH-MARKER\n/bin/busybox poweroff -f\n' \
	> "$tmp/guest/init"
chmod +x "$tmp/guest/init"
(cd "$tmp/guest" && find . | "$BUSYBOX" cpio -o -H newc > "$tmp/initrd" 2>/dev/null)
timeout "$BOOT_TIMEOUT" "$VIREO" run --device "$DEV" --kernel "$VMLINUX" \
	--initrd "$tmp/initrd" --memory 256M \
	--cmdline "console=ttyS0 panic=-1 quiet" > "$tmp/out" 2>&1 < /dev/null
rc=$?
failed=0
if grep -q VIREO-PVH-MARKER "$tmp/out"; then
	echo "ok 1 PVH boot of an ELF vmlinux reaches init"
else
	failed=1
	echo "not ok 1 PVH boot of an ELF vmlinux reaches init (status $rc)"
	tail -n 20 "$tmp/out" | sed 's/^/# /'
fi
if [ $rc = 0 ]; then echo "ok 2 PVH guest powers off with status 0"
else failed=1; echo "not ok 2 PVH guest powers off with status 0 (got $rc)"; fi
[ $failed = 0 ]
