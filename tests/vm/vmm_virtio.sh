#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's virtio-mmio devices (prints TAP): a guest
# with a read-write and a read-only virtio-blk disk and virtio-rng reads a
# host marker, writes its own, fails to write the read-only disk, flushes,
# reads random bytes; the host then checks the images. With the default
# irqchip (split): notifications through ioeventfds, interrupts through
# the VMM's I/O APIC. Then again with --irqchip kernel (the devices' lines
# as irqfds with resample into the kernel's I/O APIC) and --irqchip user.
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1

# arm64's VMM has no interrupt controller of its own: there the GIC is
# always the kernel's, and --irqchip user has nothing to run on.
case $(uname -m) in
aarch64) dflt=kernel ;;
*) dflt="kernel user" ;;
esac
IRQCHIPS=${VMM_VIRTIO_IRQCHIPS:-$dflt}
k=0
for m in $IRQCHIPS; do k=$((k + 1)); done
plan $((8 + 4 * k))
# The guest needs the test kernel's virtio modules (the cloud kernel has
# them as modules, not built in).
make_tmp vmm_virtio
guest_tree dev proc sys tmp
guest_mods virtio virtio_ring virtio_mmio virtio_blk virtio-rng virtio_console ||
	skip_rest virtio "no $missing.ko for the guest in this test VM"
guest_init <<'GUEST'
for m in virtio_ring virtio virtio_mmio virtio_blk virtio-rng \
	 virtio_console; do
	set -- $m
	mod=$1; shift
	insmod /mods/$mod.ko "$@" 2>&1 | sed 's/^/GUEST: /'
done
sleep 1
dmesg | grep -i -E 'virtio|vd[a-z]|hwrng|hvc' | sed 's/^/GUEST: dmesg: /' | head -n 20
# hvc0 shares the VMM's stdout with ttyS0: let the serial port drain
# first, or the line splits one of its GUEST lines.
[ -c /dev/hvc0 ] && { sleep 1; printf '\nHVC-OUTPUT-OK\n' > /dev/hvc0; }
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

marker_disk "$tmp/rw.img"
dd if=/dev/zero of="$tmp/ro.img" bs=1024 count=1024 2>/dev/null
ro_sum=$(md5sum < "$tmp/ro.img")

# Console input goes to hvc0 once the guest says it listens there.
feed_when "$tmp/out" HVC-READY "hvc-input-line"
run_vmm "$tmp/out" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
	--console virtio --cmdline "console=ttyS0 panic=-1 quiet" \
	--disk "$tmp/rw.img" --disk "$tmp/ro.img,ro"
feed_stop
show_guest "$tmp/out"
t() { res_grep "$tmp/out" "$@"; }
t "GUEST: VDA-READ-OK" "virtio-blk: guest reads the host's marker"
t "GUEST: VDA-WRITE-OK" "virtio-blk: guest write + fsync succeeds"
guest_wrote "$tmp/rw.img"
res $? "virtio-blk: the guest's write is in the host image"
grep -q "GUEST: VDB-RO-OK" "$tmp/out" && [ "$(md5sum < "$tmp/ro.img")" = "$ro_sum" ]
res $? "virtio-blk: read-only disk refuses writes, image unchanged"
t "GUEST: rng-hex-chars 128" "virtio-rng: /dev/hwrng gives 64 bytes"
t "^HVC-OUTPUT-OK" "virtio-console: guest output on hvc0 reaches stdout"
t "GUEST: HVC-GOT:hvc-input-line" "virtio-console: stdin reaches the guest's hvc0 (--console virtio)"
res_status $rc 0 "guest powers off with status 0" "$tmp/out" 25

for m in $IRQCHIPS; do
	marker_disk "$tmp/rw.img"
	rm -f "$tmp/in"
	feed_when "$tmp/$m.out" HVC-READY "hvc-input-line"
	run_vmm "$tmp/$m.out" --kernel "$KERNEL" --initrd "$tmp/initrd" \
		--memory 256M --console virtio --irqchip "$m" \
		--cmdline "console=ttyS0 panic=-1 quiet" \
		--disk "$tmp/rw.img" --disk "$tmp/ro.img,ro"
	feed_stop
	res_grep "$tmp/$m.out" "GUEST: VDA-READ-OK" "--irqchip $m: virtio-blk: guest reads the host's marker"
	guest_wrote "$tmp/rw.img"
	res $? "--irqchip $m: virtio-blk: the guest's write is in the host image"
	res_grep "$tmp/$m.out" "GUEST: rng-hex-chars 128" "--irqchip $m: virtio-rng: /dev/hwrng gives 64 bytes"
	res_status $rc 0 "--irqchip $m: guest powers off with status 0" "$tmp/$m.out" 25
done
tap_done
