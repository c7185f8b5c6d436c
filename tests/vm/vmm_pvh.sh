#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM test of the vireo VMM's PVH path (prints TAP): boot an uncompressed
# ELF vmlinux through its PVH entry note to a busybox marker and power off.
# The harness puts the ELF at /vireo/kernel/vmlinux (setup.sh extracts it
# from the bzImage); $VIREO_VMLINUX overrides; without one the test skips.
. "${VIREO_TEST_LIB:-/vireo/lib}/vmm.sh" || exit 1
VMLINUX=${VIREO_VMLINUX:-/vireo/kernel/vmlinux}

plan 2
if [ ! -f "$VMLINUX" ]; then
	echo "ok 1 PVH boot # SKIP no ELF vmlinux in this test VM"
	echo "ok 2 PVH power-off # SKIP no ELF vmlinux in this test VM"
	exit 0
fi
make_tmp vmm_pvh
guest_tree
printf '#!/bin/busybox sh\necho VIREO-PVH-MARKER\n/bin/busybox poweroff -f\n' | guest_init_raw
run_vmm "$tmp/out" --kernel "$VMLINUX" --initrd "$tmp/initrd" --memory 256M \
	--cmdline "console=ttyS0 panic=-1 quiet"
if grep -q VIREO-PVH-MARKER "$tmp/out"; then
	ok "PVH boot of an ELF vmlinux reaches init"
else
	not_ok "PVH boot of an ELF vmlinux reaches init (status $rc)"
	show "$tmp/out" 20
fi
res_status $rc 0 "PVH guest powers off with status 0"
tap_done
