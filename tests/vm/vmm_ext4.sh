#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's virtio-blk with a real filesystem (prints
# TAP): the host makes an ext4 image (mke2fs), the guest mounts /dev/vda,
# writes a file carrying a token from its command line, syncs, unmounts and
# powers off; the host then reads the file from the image with debugfs,
# without mounting it. e2fsprogs comes into the test VM with the VMM
# (scripts/vm/initramfs.sh).
VIREO=${VIREO:-/vireo/bin/vireo}
KERNEL=${KERNEL:-/vireo/kernel/vmlinuz}
BUSYBOX=${BUSYBOX:-/vireo/busybox}
DEV=${VIREO_TEST_DEV:-/dev/kvm}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-150}
MKE2FS=${MKE2FS:-/vireo/bin/mke2fs}
DEBUGFS=${DEBUGFS:-/vireo/bin/debugfs}
TESTS=5

echo "1..$TESTS"
skip_all() {
	i=1
	while [ $i -le $TESTS ]; do echo "ok $i ext4 # SKIP $1"; i=$((i + 1)); done
	exit 0
}
[ -x "$MKE2FS" ] && [ -x "$DEBUGFS" ] || skip_all "no mke2fs/debugfs in this test VM"

find_mod() {
	for d in ${VIREO_GUEST_MODULES:-} /vireo/guest-modules /vireo/add \
		 "/lib/modules/$(uname -r)"; do
		[ -d "$d" ] || continue
		f=$(find "$d" -name "$1.ko" -o -name "[0-9]*-$1.ko" 2>/dev/null | head -n1)
		[ -n "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
tmp=$(mktemp -d /tmp/vmm_ext4.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/guest/bin" "$tmp/guest/dev" "$tmp/guest/proc" "$tmp/guest/mnt" "$tmp/guest/tmp" \
	 "$tmp/guest/mods"
for m in virtio virtio_ring virtio_mmio virtio_blk; do
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
for m in virtio_ring virtio virtio_mmio virtio_blk; do
	insmod /mods/$m.ko 2>&1 | sed 's/^/GUEST: /'
done
token=$(sed -n 's/.*vireo.token=\([^ ]*\).*/\1/p' /proc/cmdline)
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if mount -t ext4 /dev/vda /mnt 2>/tmp/err; then
	echo "GUEST: MOUNTED $(grep ' /mnt ' /proc/mounts)"
	mkdir /mnt/dir && echo "written-by-guest $token" > /mnt/dir/hello.txt &&
		sync && echo "GUEST: WROTE"
	umount /mnt && echo "GUEST: UNMOUNTED"
else
	sed 's/^/GUEST: mount: /' /tmp/err
	dmesg | tail -n 10 | sed 's/^/GUEST: dmesg: /'
fi
poweroff -f
GUEST
chmod +x "$tmp/guest/init"
(cd "$tmp/guest" && find . | "$BUSYBOX" cpio -o -H newc > "$tmp/initrd" 2>/dev/null)

n=0 failed=0
res() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n $2"; else failed=$((failed + 1)); echo "not ok $n $2"; fi
}

dd if=/dev/zero of="$tmp/disk.img" bs=1M count=16 2>/dev/null
"$MKE2FS" -q -F -t ext4 -L vireo "$tmp/disk.img" > "$tmp/mkfs.out" 2>&1
res $? "host: mke2fs -t ext4 makes the image"
token=t$$-$(date +%s)

timeout "$BOOT_TIMEOUT" "$VIREO" run --device "$DEV" --kernel "$KERNEL" \
	--initrd "$tmp/initrd" --memory 256M \
	--cmdline "console=ttyS0 panic=-1 quiet vireo.token=$token" \
	--disk "$tmp/disk.img" > "$tmp/out" 2>&1 < /dev/null
rc=$?
grep '^GUEST' "$tmp/out" | sed 's/^/# /'
grep -q "GUEST: MOUNTED /dev/vda /mnt ext4" "$tmp/out"
res $? "guest mounts the virtio-blk disk as ext4"
grep -q "GUEST: WROTE" "$tmp/out" && grep -q "GUEST: UNMOUNTED" "$tmp/out"
res $? "guest writes a file, syncs and unmounts"
[ $rc = 0 ]
res $? "guest powers off with status 0 (got $rc)"
[ $rc = 0 ] || tail -n 25 "$tmp/out" | sed 's/^/# /'
got=$("$DEBUGFS" -R 'cat /dir/hello.txt' "$tmp/disk.img" 2>"$tmp/debugfs.err")
[ "$got" = "written-by-guest $token" ]
res $? "host reads the guest's file from the image (debugfs): '$got'"
[ "$got" = "written-by-guest $token" ] || sed 's/^/# /' "$tmp/debugfs.err"
[ $failed = 0 ]
