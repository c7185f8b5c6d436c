#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's virtio-blk with a real filesystem (prints
# TAP): the host makes an ext4 image (mke2fs), the guest mounts /dev/vda,
# writes a file carrying a token from its command line, syncs, unmounts and
# powers off; the host then reads the file from the image with debugfs,
# without mounting it. e2fsprogs comes into the test VM with the VMM
# (scripts/vm/initramfs.sh).
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1
MKE2FS=${MKE2FS:-/vireo/bin/mke2fs}
DEBUGFS=${DEBUGFS:-/vireo/bin/debugfs}

plan 5
[ -x "$MKE2FS" ] && [ -x "$DEBUGFS" ] || skip_rest ext4 "no mke2fs/debugfs in this test VM"

make_tmp vmm_ext4
guest_tree dev proc mnt tmp
guest_mods virtio virtio_ring virtio_mmio virtio_blk ||
	skip_rest ext4 "no $missing.ko for the guest in this test VM"
guest_init <<'GUEST'
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

dd if=/dev/zero of="$tmp/disk.img" bs=1M count=16 2>/dev/null
"$MKE2FS" -q -F -t ext4 -L vireo "$tmp/disk.img" > "$tmp/mkfs.out" 2>&1
res $? "host: mke2fs -t ext4 makes the image"
token=t$$-$(date +%s)

run_vmm "$tmp/out" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
	--cmdline "console=ttyS0 panic=-1 quiet vireo.token=$token" \
	--disk "$tmp/disk.img"
show_guest "$tmp/out"
res_grep "$tmp/out" "GUEST: MOUNTED /dev/vda /mnt ext4" "guest mounts the virtio-blk disk as ext4"
grep -q "GUEST: WROTE" "$tmp/out" && grep -q "GUEST: UNMOUNTED" "$tmp/out"
res $? "guest writes a file, syncs and unmounts"
[ $rc = 0 ]
res $? "guest powers off with status 0 (got $rc)"
[ $rc = 0 ] || show "$tmp/out" 25
got=$("$DEBUGFS" -R 'cat /dir/hello.txt' "$tmp/disk.img" 2>"$tmp/debugfs.err")
[ "$got" = "written-by-guest $token" ]
res $? "host reads the guest's file from the image (debugfs): '$got'"
[ "$got" = "written-by-guest $token" ] || comment "$tmp/debugfs.err"
tap_done
