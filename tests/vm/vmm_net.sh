#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's virtio-net (prints TAP): the guest pings
# the test VM over a tap device (--net tap:NAME), with virtio-net on
# virtio-mmio and then on virtio-pci (--virtio pci); then the same with the
# kernel's vhost-net as the data path (--net tap:NAME,vhost), where the
# frames must not pass through the VMM: its exit line counts those it
# moved itself (none), vhost's starts, the interrupts it relayed for vhost
# (virtio-mmio) and the queues vhost signals on MSI-X irqfds itself
# (virtio-pci), and the kernel's worker thread of the VMM (vhost-PID) must
# exist. On arm64 (the qemu-arm64 test VM, tests/vm/arm64/vmm_net.sh links
# here) the VMM has virtio-mmio only and the GIC is always the kernel's:
# there the virtio-pci rounds and the --irqchip user refusal are not
# planned.
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1
TAP=vtap0 HOST_IP=10.77.0.1 GUEST_IP=10.77.0.2

case $(uname -m) in
aarch64) arm64=1; plan 9 ;;
*) arm64=0; plan 17 ;;
esac
if [ ! -c /dev/net/tun ]; then
	f=$(find_mod tun) || skip_rest virtio-net "no /dev/net/tun and no tun.ko in this test VM"
	insmod "$f" || skip_rest virtio-net "cannot load tun.ko"
fi
[ -c /dev/net/tun ] || skip_rest virtio-net "no /dev/net/tun"

make_tmp vmm_net
guest_tree dev proc sys
guest_mods virtio virtio_ring virtio_mmio failover net_failover virtio_net ||
	skip_rest virtio-net "no $missing.ko for the guest in this test VM"
have_pci=1
guest_mods virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci || have_pci=0
guest_init <<GUEST
for m in virtio_ring virtio virtio_mmio virtio_pci_legacy_dev \
	 virtio_pci_modern_dev virtio_pci failover net_failover virtio_net; do
	[ -f /mods/\$m.ko ] && insmod /mods/\$m.ko 2>&1 | sed 's/^/GUEST: /'
done
for d in /sys/class/net/eth0/device; do
	echo "GUEST: eth0 on \$(readlink -f \$d | sed 's|.*devices/||')"
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

# net_run TRANSPORT OUT [,vhost]: boot with virtio-net on TRANSPORT,
# configuring the host side once vireo has created the tap. OUT.threads
# gets the VMM's vhost worker threads ("vhost-PID"), looked for once a
# second while the VMM runs until one is found (an arm64 guest pings and
# powers off within a second or two: a single look after its ping could
# come too late).
net_run() {
	(
		i=0
		while [ $i -lt 120 ] && [ ! -e /sys/class/net/$TAP ]; do
			sleep 1; i=$((i + 1))
		done
		"$BUSYBOX" ip link set $TAP up
		"$BUSYBOX" ip addr add $HOST_IP/24 dev $TAP
		: > "$2.threads"
		while [ $i -lt "$BOOT_TIMEOUT" ] && [ ! -s "$2.threads" ] &&
			pids=$("$BUSYBOX" pidof vireo); do
			for p in $pids; do
				for c in /proc/[0-9]*/comm; do
					[ "$(cat "$c" 2>/dev/null)" = "vhost-$p" ] &&
						echo "vhost thread: vhost-$p"
				done
			done > "$2.threads"
			sleep 1; i=$((i + 1))
		done
	) &
	run_vmm "$2" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
		--virtio "$1" --net tap:$TAP${3:-} --cmdline "console=ttyS0 panic=-1 quiet"
	wait
	show_guest "$2"
	grep "virtio-net:\|vhost" "$2" | comment
	comment "$2.threads"
}

# vhost_checks OUT LABEL CALLS WHAT: the guest pinged through vhost alone,
# its interrupts as CALLS (a pattern of the VMM's exit line) says.
vhost_checks() {
	res_grep "$1" "GUEST: PING-OK" "$2: guest pings the host over the tap"
	res_grep "$1" "frames through the VMM: rx 0 tx 0; vhost: on, started [1-9][0-9]* times, $3" \
		"$2: no frame through the VMM, vhost started, $4"
	res_grep "$1.threads" "vhost thread: vhost-" \
		"$2: the kernel's vhost worker of the VMM exists"
	res_status $rc 0 "$2: guest powers off with status 0" "$1" 20
}

net_run mmio "$tmp/out"
res_grep "$tmp/out" "GUEST: eth0 up" "virtio-net: guest has eth0"
res_grep "$tmp/out" "GUEST: PING-OK" "virtio-net: guest pings the host over the tap"
res_grep "$tmp/out" "frames through the VMM: rx [1-9][0-9]* tx [1-9][0-9]*; vhost: off" \
	"virtio-net: without vhost the frames go through the VMM"
res_status $rc 0 "guest powers off with status 0" "$tmp/out" 20

if [ $arm64 = 0 ]; then
	[ $have_pci = 1 ] || skip_rest virtio-net-pci "no $missing.ko for the guest in this test VM"
	net_run pci "$tmp/pci.out"
	# The devices are rng, console, net: net is the third, at 00:03.0.
	res_grep "$tmp/pci.out" "GUEST: eth0 on pci0000:00/0000:00:03.0/virtio[0-9]" \
		"virtio-pci net: guest has eth0 on PCI device 00:03.0"
	res_grep "$tmp/pci.out" "GUEST: PING-OK" "virtio-pci net: guest pings the host over the tap"
	res_status $rc 0 "virtio-pci net: guest powers off with status 0" "$tmp/pci.out" 20
fi

# vhost-net: the test VM's own modules, from its initramfs.
host_mods vhost_iotlb vhost tap vhost_net && [ -c /dev/vhost-net ]
res $? "vhost-net: the test VM loads vhost_net and its dependencies"
[ -c /dev/vhost-net ] || skip_rest vhost-net "no /dev/vhost-net (${missing:-})"
if [ $arm64 = 0 ]; then
	# Without ioeventfd and irqfd (--irqchip user): an error, no fallback.
	run_vmm "$tmp/user.out" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
		--irqchip user --net tap:$TAP,vhost
	grep -q "vhost needs ioeventfd and irqfd" "$tmp/user.out" && [ $rc = 1 ]
	res $? "vhost-net: --irqchip user is refused with a reason (status $rc)"
fi
net_run mmio "$tmp/vhost.out" ,vhost
# virtio-mmio: vhost's signals reach the guest through the VMM, which sets
# the interrupt status register first.
vhost_checks "$tmp/vhost.out" "vhost-net (mmio)" \
	"[1-9][0-9]* interrupts relayed, 0 queue calls on irqfds" \
	"its interrupts relayed by the VMM"
[ $arm64 = 0 ] || { tap_done; exit; }
net_run pci "$tmp/vhost-pci.out" ,vhost
# virtio-pci with MSI-X: vhost signals the vectors' irqfds itself.
vhost_checks "$tmp/vhost-pci.out" "vhost-net (pci)" \
	"[0-9]* interrupts relayed, [1-9][0-9]* queue calls on irqfds" \
	"its queues on the MSI-X vectors' irqfds"
tap_done
