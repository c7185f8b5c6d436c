#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's virtio-net (prints TAP): the guest pings
# the test VM over a tap device (--net tap:NAME).
VIREO=${VIREO:-/vireo/bin/vireo}
KERNEL=${KERNEL:-/vireo/kernel/vmlinuz}
BUSYBOX=${BUSYBOX:-/vireo/busybox}
DEV=${VIREO_TEST_DEV:-/dev/kvm}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-150}
TAP=vtap0 HOST_IP=10.77.0.1 GUEST_IP=10.77.0.2
TESTS=3

echo "1..$TESTS"
skip_all() {
	i=1
	while [ $i -le $TESTS ]; do echo "ok $i virtio-net # SKIP $1"; i=$((i + 1)); done
	exit 0
}
find_mod() {
	for d in ${VIREO_GUEST_MODULES:-} /vireo/guest-modules /vireo/add \
		 /vireo/base-modules "/lib/modules/$(uname -r)"; do
		[ -d "$d" ] || continue
		f=$(find "$d" -name "$1.ko" -o -name "[0-9]*-$1.ko" 2>/dev/null | head -n1)
		[ -n "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
if [ ! -c /dev/net/tun ]; then
	f=$(find_mod tun) || skip_all "no /dev/net/tun and no tun.ko in this test VM"
	insmod "$f" || skip_all "cannot load tun.ko"
fi
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun"

tmp=$(mktemp -d /tmp/vmm_net.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/guest/bin" "$tmp/guest/dev" "$tmp/guest/proc" "$tmp/guest/sys" \
	 "$tmp/guest/mods"
for m in virtio virtio_ring virtio_mmio failover net_failover virtio_net; do
	f=$(find_mod "$m") || skip_all "no $m.ko for the guest in this test VM"
	cp "$f" "$tmp/guest/mods/$m.ko"
done
cp "$BUSYBOX" "$tmp/guest/bin/busybox"
cat > "$tmp/guest/init" <<GUEST
#!/bin/busybox sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
for m in virtio_ring virtio virtio_mmio failover net_failover virtio_net; do
	set -- \$m
	mod=\$1; shift
	insmod /mods/\$mod.ko "\$@" 2>&1 | sed 's/^/GUEST: /'
done
ip link set eth0 up && ip addr add $GUEST_IP/24 dev eth0 && echo "GUEST: eth0 up"
echo "GUEST: NET-READY"
i=0
while [ \$i -lt 60 ]; do
	ping -c 1 -W 2 $HOST_IP > /dev/null 2>&1 && { echo "GUEST: PING-OK"; break; }
	i=\$((i + 1))
done
ping -c 3 $HOST_IP 2>&1 | sed 's/^/GUEST: /'
poweroff -f
GUEST
chmod +x "$tmp/guest/init"
(cd "$tmp/guest" && find . | "$BUSYBOX" cpio -o -H newc > "$tmp/initrd" 2>/dev/null)

# Configure the host side once vireo has created the tap.
(
	i=0
	while [ $i -lt 120 ] && [ ! -e /sys/class/net/$TAP ]; do
		sleep 1; i=$((i + 1))
	done
	"$BUSYBOX" ip link set $TAP up
	"$BUSYBOX" ip addr add $HOST_IP/24 dev $TAP
) &
timeout "$BOOT_TIMEOUT" "$VIREO" run --device "$DEV" --kernel "$KERNEL" \
	--initrd "$tmp/initrd" --memory 256M --net tap:$TAP \
	--cmdline "console=ttyS0 panic=-1 quiet" > "$tmp/out" 2>&1 < /dev/null
rc=$?
grep '^GUEST' "$tmp/out" | sed 's/^/# /'
failed=0
if grep -q "GUEST: eth0 up" "$tmp/out"; then echo "ok 1 virtio-net: guest has eth0"
else failed=1; echo "not ok 1 virtio-net: guest has eth0"; fi
if grep -q "GUEST: PING-OK" "$tmp/out"; then echo "ok 2 virtio-net: guest pings the host over the tap"
else failed=1; echo "not ok 2 virtio-net: guest pings the host over the tap"; fi
if [ $rc = 0 ]; then echo "ok 3 guest powers off with status 0"
else
	failed=1; echo "not ok 3 guest powers off with status 0 (got $rc)"
	tail -n 20 "$tmp/out" | sed 's/^/# /'
fi
[ $failed = 0 ]
