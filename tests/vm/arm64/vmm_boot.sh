#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM on arm64 (prints TAP), in the qemu-arm64 test
# VM: boot the VM's own Debian arm64 kernel (an Image) with a busybox
# initramfs on $VIREO_TEST_DEV through KVM's arm64 ABI (vGICv3, PSCI,
# KVM_IRQ_LINE), check the console marker, console input (the 16550's
# receive interrupt, an SPI), the boot timer, power-off (PSCI SYSTEM_OFF:
# status 0), a second CPU brought up by PSCI CPU_ON and reboot (PSCI
# SYSTEM_RESET: status 3), four CPUs online and power-off from them;
# the seccomp sandbox (a device model's forbidden call ends the VMM; a
# filter on every thread), --user and --jail; plus clean errors for what
# arm64 refuses.
# Nested guests under TCG are slow: each boot gets BOOT_TIMEOUT seconds.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-360}
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1
# earlycon: a guest that dies before its console is up still says why.
CMDLINE="console=ttyS0 earlycon panic=-1 quiet"

make_tmp vmm_boot
plan 17

guest_tree dev proc
guest_init_raw <<'GUEST'
#!/bin/busybox sh
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox devmem 0x09010000 8 123
echo "VIREO-BOOT-MARKER $(/bin/busybox uname -m) $(/bin/busybox uname -r)"
echo "VIREO-CPUS $(/bin/busybox grep -c ^processor /proc/cpuinfo)"
/bin/busybox dmesg | /bin/busybox grep -o "smp: Brought up.*"
case "$(/bin/busybox cat /proc/cmdline)" in
*vireo.test=reboot*) /bin/busybox reboot -f ;;
*vireo.test=poweroff*) /bin/busybox poweroff -f ;;
*vireo.test=wait*) echo "VIREO-WAITING"; /bin/busybox sleep 1000 ;;
esac
echo "VIREO-READY"
read -r line
echo "VIREO-GOT:$line"
/bin/busybox poweroff -f
GUEST

# 1-2: what arm64 refuses gets one error line, saying so, and status 1.
printf 'not a kernel, long enough to hold an arm64 Image header: %064d\n' 0 \
	> "$tmp/bad-kernel"
refused "not an arm64 Image" 1 "not an arm64 Image" --kernel "$tmp/bad-kernel"
refused "--virtio pci" 1 "--virtio pci: not on arm64" --kernel "$KERNEL" --virtio pci

# 3-6: boot to the marker, type a line, power off.
feed_when "$tmp/boot.out" VIREO-READY "hello-from-host"
start=$(date +%s)
run_vmm "$tmp/boot.out" --kernel "$KERNEL" --initrd "$tmp/initrd" \
	--memory 256M --cmdline "$CMDLINE"
end=$(date +%s)
feed_stop
if grep -q "VIREO-BOOT-MARKER aarch64" "$tmp/boot.out"; then
	ok "Debian's arm64 kernel boots to the initramfs marker ($((end - start)) s)"
else
	not_ok "Debian's arm64 kernel boots to the initramfs marker (status $rc)"
	show "$tmp/boot.out" 60
fi
if grep -q "VIREO-GOT:hello-from-host" "$tmp/boot.out"; then
	ok "console input reaches the guest (16550 receive interrupt, SPI)"
else
	not_ok "console input reaches the guest"
fi
if grep -q "boot timer: guest init after" "$tmp/boot.out"; then
	ok "boot timer: $(grep -o 'guest init after.*' "$tmp/boot.out" | tr -d '\r')"
else
	not_ok "boot timer reports guest init"
fi
if [ "$rc" = 0 ]; then
	ok "guest poweroff -f (PSCI SYSTEM_OFF) ends the VMM with status 0"
else
	not_ok "guest poweroff -f (PSCI SYSTEM_OFF) ends the VMM with status 0 (got $rc)"
	[ "$rc" = 124 ] && echo "# timed out after $BOOT_TIMEOUT s"
	show "$tmp/boot.out" 20
fi

# 7-8: two vCPUs (the second started by PSCI CPU_ON), then reboot.
run_vmm "$tmp/smp.out" --kernel "$KERNEL" --initrd "$tmp/initrd" \
	--memory 256M --cpus 2 --cmdline "$CMDLINE vireo.test=reboot"
if grep -q "VIREO-CPUS 2" "$tmp/smp.out"; then
	ok "--cpus 2: the guest brings up its second CPU (PSCI CPU_ON)"
else
	not_ok "--cpus 2: the guest brings up its second CPU (status $rc)"
	show "$tmp/smp.out" 30
fi
if [ "$rc" = 3 ] && grep -q VIREO-BOOT-MARKER "$tmp/smp.out"; then
	ok "guest reboot -f (PSCI SYSTEM_RESET) ends the VMM with status 3"
else
	not_ok "guest reboot -f (PSCI SYSTEM_RESET) ends the VMM with status 3 (got $rc)"
	show "$tmp/smp.out" 20
fi

# 9-11: four vCPUs, each started by PSCI CPU_ON and online, then power-off.
run_vmm "$tmp/smp4.out" --kernel "$KERNEL" --initrd "$tmp/initrd" \
	--memory 256M --cpus 4 --cmdline "$CMDLINE vireo.test=poweroff"
grep "smp: Brought up\|VIREO-CPUS" "$tmp/smp4.out" | tr -d '\r' | comment
res_grep "$tmp/smp4.out" "VIREO-CPUS 4" \
	"--cpus 4: /proc/cpuinfo lists 4 processors"
res_grep "$tmp/smp4.out" "smp: Brought up 1 node, 4 CPUs" \
	"--cpus 4: the guest kernel brought up 4 CPUs"
res_status $rc 0 "--cpus 4: guest poweroff -f ends the VMM with status 0" \
	"$tmp/smp4.out" 20

# 12-13: the sandbox is on by default: the boot timer's write, a device
# model's work on a vCPU thread, makes a call no filter allows.
VIREO_SANDBOX_SELFTEST=1 run_vmm "$tmp/sys.out" --kernel "$KERNEL" \
	--initrd "$tmp/initrd" --memory 256M --cmdline "$CMDLINE vireo.test=poweroff"
grep -q "^vireo: sandbox: forbidden system call socket ([0-9]*), vCPU thread" "$tmp/sys.out" &&
	! grep -q VIREO-CPUS "$tmp/sys.out"
res $? "sandbox: a device model's forbidden call ends the VMM: $(grep sandbox "$tmp/sys.out" | tr -d '\r')"
res_status $rc 1 "sandbox: status 1 after the forbidden call" "$tmp/sys.out" 20

# 14-17: --user and --jail on a running guest: every thread filtered and
# the user's, the root a read-only jail in namespaces of its own.
mkdir -p /etc "$tmp/jail"
: > "$tmp/jail/jail-marker"
grep -q '^vireotest:' /etc/passwd 2>/dev/null ||
	echo 'vireotest:x:4242:4243::/nonexistent:/bin/false' >> /etc/passwd
grep -q '^vireotest:' /etc/group 2>/dev/null || echo 'vireotest:x:4243:' >> /etc/group
"$VIREO" run --device "$DEV" --kernel "$KERNEL" --initrd "$tmp/initrd" \
	--memory 256M --cpus 2 --cmdline "$CMDLINE vireo.test=wait" \
	--user vireotest --jail "$tmp/jail" > "$tmp/jail.out" 2>&1 < /dev/null &
pid=$!
i=0
while [ $i -lt "$BOOT_TIMEOUT" ] && kill -0 $pid 2>/dev/null &&
	! grep -q VIREO-WAITING "$tmp/jail.out"; do
	sleep 1; i=$((i + 1))
done
if grep -q VIREO-WAITING "$tmp/jail.out" && kill -0 $pid 2>/dev/null; then
	k=0 f=0 u=0
	for t in /proc/$pid/task/*; do
		k=$((k + 1))
		grep -q '^Seccomp:[[:space:]]*2$' "$t/status" && f=$((f + 1))
		grep -q '^Uid:[[:space:]]*4242[[:space:]]*4242[[:space:]]*4242[[:space:]]*4242$' "$t/status" &&
			u=$((u + 1))
		echo "# $(cat "$t/comm"): $(grep '^Seccomp:' "$t/status" | tr -s '\t' ' ')"
	done
	[ $k -ge 3 ] && [ $f = $k ]
	res $? "sandbox: a seccomp filter on $f of the VMM's $k threads"
	[ $u = $k ]
	res $? "--user vireotest: uid 4242 on $u of $k threads"
	r=/proc/$pid/root ns=0
	for n in mnt net ipc uts; do
		[ "$(readlink /proc/$pid/ns/$n)" != "$(readlink /proc/self/ns/$n)" ] &&
			ns=$((ns + 1))
	done
	[ -e "$r/jail-marker" ] && [ ! -e "$r/vireo" ] && [ $ns = 4 ] &&
		grep -q ' / ro,nosuid,nodev,noexec' /proc/$pid/mountinfo
	res $? "--jail: a read-only root holding the jail's marker, $ns of 4 namespaces new"
	kill $pid; wait $pid
	res_status $? 5 "--jail --user: SIGTERM ends the VMM with status 5" "$tmp/jail.out" 20
else
	kill -9 $pid 2>/dev/null; wait $pid
	not_ok "sandbox: the --user --jail guest never waited"
	show "$tmp/jail.out" 30
	not_ok "--user vireotest"; not_ok "--jail"; not_ok "--jail --user: exit"
fi
tap_done
