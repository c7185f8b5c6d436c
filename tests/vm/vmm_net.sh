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
# exist. On virtio-mmio, with and without vhost, the guest also negotiates
# the offloads (checksum and TCP segmentation both ways, mergeable receive
# buffers, event index; with vhost indirect descriptors too) and moves 2 MiB
# over TCP each way; without vhost the VMM's exit line counts segmentation
# frames each way and frames over several receive buffers. On arm64 (the
# qemu-arm64 test VM, tests/vm/arm64/vmm_net.sh links here) the VMM has
# virtio-mmio only and the GIC is always the kernel's: there the virtio-pci
# rounds, the --irqchip user refusal and the TCP transfers (their guest
# program is built for x86) are not planned.
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1
TAP=vtap0 HOST_IP=10.77.0.1 GUEST_IP=10.77.0.2

case $(uname -m) in
aarch64) arm64=1 xfer= ; plan 9 ;;
*) arm64=0 xfer=xfer; plan 22 ;;
esac
if [ ! -c /dev/net/tun ]; then
	f=$(find_mod tun) || skip_rest virtio-net "no /dev/net/tun and no tun.ko in this test VM"
	insmod "$f" || skip_rest virtio-net "cannot load tun.ko"
fi
[ -c /dev/net/tun ] || skip_rest virtio-net "no /dev/net/tun"

make_tmp vmm_net
guest_tree dev proc sys
NETSEND=/vireo/guest-bin/netsend
[ -x "$NETSEND" ] && cp "$NETSEND" "$tmp/guest/bin/netsend"
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
# The negotiated features, bit i the i-th character; then (vnet_xfer on
# the command line) 2 MiB each way.
echo "GUEST: features \$(cat /sys/class/net/eth0/device/features)"
if [ -x /bin/netsend ] && grep -q vnet_xfer /proc/cmdline; then
	# nc's input stays open (a fifo we hold): its end would close
	# the connection's other half before the host is done.
	mkfifo /rx.fifo && exec 3<> /rx.fifo
	echo "GUEST: RX-LISTEN"
	echo "GUEST: RX-BYTES \$(nc -l -p 5002 < /rx.fifo | wc -c)"
	exec 3>&-
	/bin/netsend $HOST_IP 5001 2 | sed 's/^/GUEST: /'
fi
poweroff -f
GUEST

# net_run TRANSPORT OUT [,vhost [xfer]]: boot with virtio-net on TRANSPORT,
# configuring the host side once vireo has created the tap. OUT.threads
# gets the VMM's vhost worker threads ("vhost-PID"), looked for once a
# second while the VMM runs until one is found (an arm64 guest pings and
# powers off within a second or two: a single look after its ping could
# come too late); without vhost the look ends at the guest's ping. With
# xfer, 2 MiB over TCP each way follow (only there: on a loaded test VM a
# boot with them is slow enough to look hung on kvm.ko).
net_run() {
	# The host side, each time a VMM makes the tap: run_vmm boots a hung
	# kvm.ko guest again, and the new VMM's tap is a new device.
	(
		while :; do
			[ -e /sys/class/net/$TAP ] &&
				! "$BUSYBOX" ip addr show dev $TAP 2>/dev/null |
					grep -q "inet $HOST_IP/" &&
				"$BUSYBOX" ip link set $TAP up &&
				"$BUSYBOX" ip addr add $HOST_IP/24 dev $TAP
			sleep 1
		done
	) &
	tap_keeper=$!
	(
		i=0
		while [ $i -lt 120 ] && [ ! -e /sys/class/net/$TAP ]; do
			sleep 1; i=$((i + 1))
		done
		: > "$2.threads"
		while [ $i -lt "$BOOT_TIMEOUT" ] && [ ! -s "$2.threads" ] &&
			pids=$("$BUSYBOX" pidof vireo); do
			[ -z "${3:-}" ] && grep -q "GUEST: PING-OK" "$2" && break
			for p in $pids; do
				for c in /proc/[0-9]*/comm; do
					[ "$(cat "$c" 2>/dev/null)" = "vhost-$p" ] &&
						echo "vhost thread: vhost-$p"
				done
			done > "$2.threads"
			sleep 1; i=$((i + 1))
		done
		# 2 MiB to the guest once it listens; its 2 MiB into $2.rx (the
		# fifo keeps nc's input open: a closed one would end the
		# stream's other half before the guest is done sending).
		if [ "${4:-}" = xfer ] && [ -x "$NETSEND" ]; then
			rm -f "$2.fifo" && "$BUSYBOX" mkfifo "$2.fifo"
			exec 3<> "$2.fifo"
			"$BUSYBOX" nc -l -p 5001 < "$2.fifo" > "$2.rx" 2>/dev/null &
			rxpid=$!
			while [ $i -lt "$BOOT_TIMEOUT" ] && ! grep -q "GUEST: RX-LISTEN" "$2"; do
				sleep 1; i=$((i + 1))
			done
			for t in 1 2 3 4 5 6 7 8 9 10; do
				"$BUSYBOX" dd if=/dev/zero bs=64k count=32 2>/dev/null |
					"$BUSYBOX" nc $GUEST_IP 5002 2>/dev/null && break
				sleep 1
			done
			# nc ends at the end of the guest's stream.
			while [ $i -lt "$BOOT_TIMEOUT" ] && kill -0 $rxpid 2>/dev/null; do
				sleep 1; i=$((i + 1))
			done
			kill $rxpid 2>/dev/null
			exec 3>&-
		fi
	) &
	run_vmm "$2" --kernel "$KERNEL" --initrd "$tmp/initrd" --memory 256M \
		--virtio "$1" --net tap:$TAP${3:-} \
		--cmdline "console=ttyS0 panic=-1 quiet${4:+ vnet_$4}"
	kill $tap_keeper
	wait
	[ -f "$2.rx" ] && echo "host received $("$BUSYBOX" wc -c < "$2.rx") bytes" >> "$2"
	show_guest "$2"
	grep "virtio-net:\|vhost\|features\|BYTES\|NETSEND\|received" "$2" | comment
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

# offload_checks OUT LABEL FEATURES: the guest negotiated FEATURES (a
# pattern of its 64-character feature string) and 2 MiB went each way.
offload_checks() {
	if [ ! -x "$NETSEND" ]; then
		not_ok "$2: offloads (no $NETSEND in this test VM)"
		not_ok "$2: TCP transfer (no $NETSEND in this test VM)"
		return
	fi
	res_grep "$1" "GUEST: features $3" \
		"$2: checksum, segmentation, mergeable buffers, event index negotiated"
	grep -q "GUEST: RX-BYTES 2097152" "$1" && grep -q "GUEST: NETSEND-DONE" "$1" &&
		grep -q "host received 2097152 bytes" "$1"
	res $? "$2: 2 MiB over TCP to the guest and 2 MiB from it"
}

net_run mmio "$tmp/out" "" $xfer
res_grep "$tmp/out" "GUEST: eth0 up" "virtio-net: guest has eth0"
res_grep "$tmp/out" "GUEST: PING-OK" "virtio-net: guest pings the host over the tap"
res_grep "$tmp/out" "frames through the VMM: rx [1-9][0-9]* tx [1-9][0-9]*; vhost: off" \
	"virtio-net: without vhost the frames go through the VMM"
res_status $rc 0 "guest powers off with status 0" "$tmp/out" 20
# Bits 0 1 (checksums) 5 (MAC) 7 8 11 12 (TSO) 15 (mergeable) 29 (event
# index) 32 (VERSION_1); 28 (indirect) only with vhost.
if [ $arm64 = 0 ]; then
	offload_checks "$tmp/out" "virtio-net" "11...1.11..11..1............01..1"
	res_grep "$tmp/out" "offloads: tx gso [1-9][0-9]*, rx gso [1-9][0-9]*, rx merged [1-9][0-9]*; dropped: tx bad 0" \
		"virtio-net: segmentation offload both ways through the VMM, frames over several buffers, no bad header"
fi

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
net_run mmio "$tmp/vhost.out" ,vhost $xfer
# virtio-mmio: vhost's signals reach the guest through the VMM, which sets
# the interrupt status register first.
vhost_checks "$tmp/vhost.out" "vhost-net (mmio)" \
	"[1-9][0-9]* interrupts relayed, 0 queue calls on irqfds" \
	"its interrupts relayed by the VMM"
[ $arm64 = 0 ] || { tap_done; exit; }
offload_checks "$tmp/vhost.out" "vhost-net (mmio)" "11...1.11..11..1............11..1"
net_run pci "$tmp/vhost-pci.out" ,vhost
# virtio-pci with MSI-X: vhost signals the vectors' irqfds itself.
vhost_checks "$tmp/vhost-pci.out" "vhost-net (pci)" \
	"[0-9]* interrupts relayed, [1-9][0-9]* queue calls on irqfds" \
	"its queues on the MSI-X vectors' irqfds"
tap_done
