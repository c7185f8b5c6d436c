#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's virtio-net (prints TAP): the guest pings
# the test VM over a tap device (--net tap:NAME).
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1
TAP=vtap0 HOST_IP=10.77.0.1 GUEST_IP=10.77.0.2

plan 3
if [ ! -c /dev/net/tun ]; then
	f=$(find_mod tun) || skip_rest virtio-net "no /dev/net/tun and no tun.ko in this test VM"
	insmod "$f" || skip_rest virtio-net "cannot load tun.ko"
fi
[ -c /dev/net/tun ] || skip_rest virtio-net "no /dev/net/tun"

make_tmp vmm_net
guest_tree dev proc sys
guest_mods virtio virtio_ring virtio_mmio failover net_failover virtio_net ||
	skip_rest virtio-net "no $missing.ko for the guest in this test VM"
guest_init <<GUEST
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

# Configure the host side once vireo has created the tap.
(
	i=0
	while [ $i -lt 120 ] && [ ! -e /sys/class/net/$TAP ]; do
		sleep 1; i=$((i + 1))
	done
	"$BUSYBOX" ip link set $TAP up
	"$BUSYBOX" ip addr add $HOST_IP/24 dev $TAP
) &
run_vmm "$tmp/out" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
	--net tap:$TAP --cmdline "console=ttyS0 panic=-1 quiet"
show_guest "$tmp/out"
res_grep "$tmp/out" "GUEST: eth0 up" "virtio-net: guest has eth0"
res_grep "$tmp/out" "GUEST: PING-OK" "virtio-net: guest pings the host over the tap"
res_status $rc 0 "guest powers off with status 0" "$tmp/out" 20
tap_done
