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
TESTS=8

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
mkdir -p "$tmp/guest/bin" "$tmp/guest/dev" "$tmp/guest/proc" "$tmp/guest/sys" "$tmp/guest/tmp" \
	 "$tmp/guest/mods"
for m in virtio virtio_ring virtio_mmio virtio_blk virtio-rng virtio_console; do
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
for m in virtio_ring virtio virtio_mmio virtio_blk virtio-rng \
	 virtio_console; do
	set -- $m
	mod=$1; shift
	insmod /mods/$mod.ko "$@" 2>&1 | sed 's/^/GUEST: /'
done
sleep 1
dmesg | grep -i -E 'virtio|vd[a-z]|hwrng|hvc' | sed 's/^/GUEST: dmesg: /' | head -n 20
[ -c /dev/hvc0 ] && echo HVC-OUTPUT-OK > /dev/hvc0
ls /dev/vd* 2>&1 | sed 's/^/GUEST: dev /'
dd if=/dev/vda bs=512 count=1 2>/dev/null | grep -q HOST-MARKER && echo "GUEST: VDA-READ-OK"
echo GUEST-WROTE-THIS > /tmp/w
if dd if=/tmp/w of=/dev/vda bs=512 seek=8 conv=sync,fsync 2>/tmp/dderr; then
	echo "GUEST: VDA-WRITE-OK"
else
	sed 's/^/GUEST: dd: /' /tmp/dderr
	dmesg | tail -n 5 | sed 's/^/GUEST: dmesg: /'
fi
[ -b /dev/vdb ] && ! dd if=/tmp/w of=/dev/vdb bs=512 seek=8 conv=sync,fsync 2>/dev/null &&
	echo "GUEST: VDB-RO-OK"
echo "GUEST: rng $(cat /sys/class/misc/hw_random/rng_current 2>&1)"
n=$(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n' | wc -c)
echo "GUEST: rng-hex-chars $n"
echo "GUEST: HVC-READY"
[ -c /dev/hvc0 ] && read -t 60 line < /dev/hvc0 && echo "GUEST: HVC-GOT:$line"
poweroff -f
GUEST
chmod +x "$tmp/guest/init"
(cd "$tmp/guest" && find . | "$BUSYBOX" cpio -o -H newc > "$tmp/initrd" 2>/dev/null)

dd if=/dev/zero of="$tmp/rw.img" bs=1024 count=1024 2>/dev/null
dd if=/dev/zero of="$tmp/ro.img" bs=1024 count=1024 2>/dev/null
echo HOST-MARKER | dd of="$tmp/rw.img" conv=notrunc 2>/dev/null
ro_sum=$(md5sum < "$tmp/ro.img")

# Console input goes to hvc0 once the guest says it listens there.
mkfifo "$tmp/in"
(
	i=0
	while [ $i -lt "$BOOT_TIMEOUT" ] && ! grep -q HVC-READY "$tmp/out" 2>/dev/null; do
		sleep 1; i=$((i + 1))
	done
	echo "hvc-input-line"
	sleep "$BOOT_TIMEOUT"
) > "$tmp/in" &
feeder=$!
timeout "$BOOT_TIMEOUT" "$VIREO" run --device "$DEV" --kernel "$KERNEL" \
	--initrd "$tmp/initrd" --memory 256M --console virtio \
	--cmdline "console=ttyS0 panic=-1 quiet" \
	--disk "$tmp/rw.img" --disk "$tmp/ro.img,ro" > "$tmp/out" 2>&1 < "$tmp/in"
rc=$?
kill $feeder 2>/dev/null
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
t "^HVC-OUTPUT-OK" "virtio-console: guest output on hvc0 reaches stdout"
t "GUEST: HVC-GOT:hvc-input-line" "virtio-console: stdin reaches the guest's hvc0 (--console virtio)"
n=$((n + 1))
if [ $rc = 0 ]; then
	echo "ok $n guest powers off with status 0"
else
	failed=$((failed + 1)); echo "not ok $n guest powers off with status 0 (got $rc)"
	tail -n 25 "$tmp/out" | sed 's/^/# /'
fi
[ $failed = 0 ]
