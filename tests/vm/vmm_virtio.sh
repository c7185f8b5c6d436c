#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's virtio-mmio devices (prints TAP): a guest
# with a read-write and a read-only virtio-blk disk and virtio-rng reads a
# host marker, writes its own, fails to write the read-only disk, flushes,
# reads random bytes; the host then checks the images.
VIREO=${VIREO:-/vireo/bin/vireo}
KERNEL=${KERNEL:-/vireo/kernel/vmlinuz}
BUSYBOX=${BUSYBOX:-/vireo/busybox}
DEV=${VIREO_TEST_DEV:-/dev/kvm}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-150}
TESTS=6

echo "1..$TESTS"
skip_all() {
	i=1
	while [ $i -le $TESTS ]; do echo "ok $i virtio # SKIP $1"; i=$((i + 1)); done
	exit 0
}

# The guest needs the test kernel's virtio modules (the cloud kernel has
# them as modules, not built in).
find_mod() {
	for d in ${VIREO_GUEST_MODULES:-} /vireo/guest-modules /vireo/add \
		 /vireo/base-modules "/lib/modules/$(uname -r)"; do
		[ -d "$d" ] || continue
		f=$(find "$d" -name "$1.ko" -o -name "[0-9]*-$1.ko" 2>/dev/null | head -n1)
		[ -n "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
tmp=$(mktemp -d /tmp/vmm_virtio.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/guest/bin" "$tmp/guest/dev" "$tmp/guest/proc" "$tmp/guest/sys" \
	 "$tmp/guest/mods"
for m in virtio virtio_ring virtio_mmio virtio_blk virtio-rng; do
	f=$(find_mod "$m") || skip_all "no $m.ko for the guest in this test VM"
	cp "$f" "$tmp/guest/mods/$m.ko"
done
cp "$BUSYBOX" "$tmp/guest/bin/busybox"
cat > "$tmp/guest/init" <<'GUEST'
#!/bin/busybox sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
args=
for w in $(cat /proc/cmdline); do
	case $w in virtio_mmio.device=*) args="$args device=${w#virtio_mmio.device=}" ;; esac
done
insmod /mods/virtio.ko && insmod /mods/virtio_ring.ko &&
	insmod /mods/virtio_mmio.ko $args && insmod /mods/virtio_blk.ko &&
	insmod /mods/virtio-rng.ko && echo "GUEST: modules loaded"
sleep 1
ls /dev/vd* 2>&1 | sed 's/^/GUEST: dev /'
dd if=/dev/vda bs=512 count=1 2>/dev/null | grep -q HOST-MARKER && echo "GUEST: VDA-READ-OK"
echo GUEST-WROTE-THIS > /tmp/w
dd if=/tmp/w of=/dev/vda bs=512 seek=8 conv=sync,fsync 2>/dev/null && echo "GUEST: VDA-WRITE-OK"
dd if=/tmp/w of=/dev/vdb bs=512 seek=8 conv=sync,fsync 2>/dev/null || echo "GUEST: VDB-RO-OK"
echo "GUEST: rng $(cat /sys/class/misc/hw_random/rng_current 2>&1)"
n=$(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n' | wc -c)
echo "GUEST: rng-hex-chars $n"
poweroff -f
GUEST
chmod +x "$tmp/guest/init"
(cd "$tmp/guest" && find . | "$BUSYBOX" cpio -o -H newc > "$tmp/initrd" 2>/dev/null)

dd if=/dev/zero of="$tmp/rw.img" bs=1024 count=1024 2>/dev/null
dd if=/dev/zero of="$tmp/ro.img" bs=1024 count=1024 2>/dev/null
echo HOST-MARKER | dd of="$tmp/rw.img" conv=notrunc 2>/dev/null
ro_sum=$(md5sum < "$tmp/ro.img")

timeout "$BOOT_TIMEOUT" "$VIREO" run --device "$DEV" --kernel "$KERNEL" \
	--initrd "$tmp/initrd" --memory 256M \
	--cmdline "console=ttyS0 panic=-1 quiet" \
	--disk "$tmp/rw.img" --disk "$tmp/ro.img,ro" > "$tmp/out" 2>&1 < /dev/null
rc=$?
grep '^GUEST' "$tmp/out" | sed 's/^/# /'
n=0 failed=0
t() {
	n=$((n + 1))
	if grep -q "$1" "$tmp/out"; then echo "ok $n $2"; else failed=$((failed + 1)); echo "not ok $n $2"; fi
}
t "GUEST: VDA-READ-OK" "virtio-blk: guest reads the host's marker"
t "GUEST: VDA-WRITE-OK" "virtio-blk: guest write + fsync succeeds"
n=$((n + 1))
if dd if="$tmp/rw.img" bs=512 skip=8 count=1 2>/dev/null | grep -q GUEST-WROTE-THIS; then
	echo "ok $n virtio-blk: the guest's write is in the host image"
else
	failed=$((failed + 1)); echo "not ok $n virtio-blk: the guest's write is in the host image"
fi
n=$((n + 1))
if grep -q "GUEST: VDB-RO-OK" "$tmp/out" && [ "$(md5sum < "$tmp/ro.img")" = "$ro_sum" ]; then
	echo "ok $n virtio-blk: read-only disk refuses writes, image unchanged"
else
	failed=$((failed + 1)); echo "not ok $n virtio-blk: read-only disk refuses writes, image unchanged"
fi
t "GUEST: rng-hex-chars 128" "virtio-rng: /dev/hwrng gives 64 bytes"
n=$((n + 1))
if [ $rc = 0 ]; then
	echo "ok $n guest powers off with status 0"
else
	failed=$((failed + 1)); echo "not ok $n guest powers off with status 0 (got $rc)"
	tail -n 25 "$tmp/out" | sed 's/^/# /'
fi
[ $failed = 0 ]
