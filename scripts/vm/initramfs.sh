# SPDX-License-Identifier: GPL-2.0
# Assemble the test VM's initramfs. Sourced by scripts/vm.sh after the
# platform file, whose plat_* variables say where the kernel's modules are.

# The module built for the kernel the VM boots.
vireo_ko=${plat_vireo_ko:-$top/kmod/vireo.ko}
[ "$hostroot" = 1 ] && vireo_ko=$top/build/std/kmod/vireo.ko

# A platform for another architecture sets plat_arch and names its busybox
# (plat_busybox), the directory of its in-VM programs (plat_tests) and the
# modules its results channel needs (plat_early_modules); the x86 payload
# (the VMM and its guests' kernels and modules, e2fsprogs, benchmarks) is
# then left out.
plat_arch=${plat_arch:-x86_64}

initramfs_base() {
	local r=$1 f i=10
	mkdir -p "$r"/{bin,sbin,dev,proc,sys,tmp,lib,lib64,vireo/modules}
	cp "${plat_busybox:-/bin/busybox}" "$r/bin/busybox"
	cp "${plat_busybox:-/bin/busybox}" "$r/vireo/busybox"
	if [ -n "${plat_early_modules:-}" ]; then
		load=
		for f in $plat_early_modules; do
			kmod_resolve "$(kmod_path "$f")"
		done
		mkdir -p "$r/vireo/early-modules"
		for f in $load; do
			cp "$f" "$r/vireo/early-modules/$i-$(basename "$f")"
			i=$((i + 1))
		done
	fi
	cp "$top/scripts/vm/init" "$r/init"
	cp "$top/scripts/vm/run-suite" "$top/scripts/vm/run-bench" \
		"$top/scripts/vm/demo" "$r/vireo/"
	chmod +x "$r/init" "$r/vireo/run-suite" "$r/vireo/run-bench" "$r/vireo/demo"
}

# The modules that mount the host's root: 9p over virtio-pci, overlayfs.
initramfs_hostroot() {
	local r=$1 f i=10
	load=
	for f in virtio_pci 9pnet_virtio 9p overlay; do
		kmod_resolve "$(kmod_path $f)"
	done
	mkdir -p "$r/vireo/base-modules"
	for f in $load; do
		cp "$f" "$r/vireo/base-modules/$i-$(basename "$f")"
		i=$((i + 1))
	done
	cp "$top/scripts/vm/hostrun" "$r/bin/hostrun"
	chmod +x "$r/bin/hostrun"
}

# Find a module of the test kernel by name ("kvm_amd" or "kvm-amd").
kmod_path() {
	local n=${1//_/-} f b
	# No subshell per file: the standard kernel has thousands of modules.
	for f in "$plat_moddir"/*/*/*.ko "$plat_moddir"/*/*.ko \
		 "$plat_moddir"/*/*/*/*.ko; do
		b=${f##*/}
		b=${b%.ko}
		[ "${b//_/-}" = "$n" ] && { echo "$f"; return; }
	done
	die "module $1 not found under $plat_moddir"
}

# Append FILE and, first, its dependencies to the load list.
kmod_resolve() {
	local f=$1 d
	for d in $(modinfo -F depends "$f" | tr , ' '); do
		kmod_resolve "$(kmod_path "$d")"
	done
	case " $load " in *" $f "*) ;; *) load="$load $f" ;; esac
}

# /vireo/modules/NN-name.ko in load order; /init loads them in that order
# and unloads them in reverse.
initramfs_modules() {
	local r=$1 m=$2 f i=10
	load=
	case $m in
	vireo)
		[ -f "$vireo_ko" ] || die "$vireo_ko not built"
		kmod_resolve "$vireo_ko" ;;
	kvm) [ -z "$plat_kvm_module" ] || kmod_resolve "$(kmod_path "$plat_kvm_module")" ;;
	esac
	for f in $load; do
		cp "$f" "$r/vireo/modules/$i-$(basename "$f")"
		i=$((i + 1))
	done
	# The reference modules are always there, for tests of coexistence
	# (a kernel with KVM built in has none).
	mkdir -p "$r/vireo/kvm-modules"
	[ -n "$plat_kvm_module" ] || return 0
	load=
	kmod_resolve "$(kmod_path "$plat_kvm_module")"
	i=10
	for f in $load; do
		cp "$f" "$r/vireo/kvm-modules/$i-$(basename "$f")"
		i=$((i + 1))
	done
}

# Copy a dynamically linked program and the libraries it needs.
copy_with_libs() {
	local src=$1 dst=$2 lib
	cp "$src" "$dst"
	for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*' | sort -u); do
		mkdir -p "$r$(dirname "$lib")"
		cp -L "$lib" "$r$lib"
	done
}

# Modules a guest of the VMM loads from its own initramfs (the test kernel
# doubles as the guest kernel and has its virtio drivers as modules), in
# /vireo/guest-modules/NN-name.ko, dependencies first (ext4 is built in).
# tun, vhost_net (with tap, vhost, vhost_iotlb) and zram are for the test
# VM itself: tap devices back virtio-net, vhost-net is its data path in the
# kernel (--net tap:NAME,vhost), and
# a zram swap device lets tests/vm/memory.c swap guest memory out.
initramfs_guest_modules() {
	local r=$1 f i=10
	load=
	for f in ${plat_guest_modules:-virtio_mmio virtio_pci virtio_blk virtio_net \
		 virtio_console virtio-rng tun vhost_net zram}; do
		kmod_resolve "$(kmod_path $f)"
	done
	mkdir -p "$r/vireo/guest-modules"
	for f in $load; do
		cp "$f" "$r/vireo/guest-modules/$i-$(basename "$f")"
		i=$((i + 1))
	done
}

initramfs_payload() {
	local r=$1 f
	if [ "$plat_arch" != x86_64 ]; then
		mkdir -p "$r/vireo/tests" "$r/vireo/kmod"
		[ -f "$vireo_ko" ] && cp "$vireo_ko" "$r/vireo/kmod/"
		for f in "$plat_tests"/*; do
			[ -f "$f" ] && [ -x "$f" ] && cp "$f" "$r/vireo/tests/"
		done
		# The VMM (static), its shell tests and their library, and the
		# platform's own kernel as their guest kernel.
		if [ -n "${plat_vmm:-}" ] && [ -x "$plat_vmm" ]; then
			mkdir -p "$r/vireo/bin" "$r/vireo/lib" "$r/vireo/kernel"
			cp "$plat_vmm" "$r/vireo/bin/vireo"
			cp "$top/tests/vm/lib/vmm.sh" "$r/vireo/lib/"
			cp "$plat_kernel" "$r/vireo/kernel/vmlinuz"
			initramfs_guest_modules "$r"
			for f in "${plat_shell_tests:-/nonexistent}"/*.sh; do
				[ -f "$f" ] && [ -x "$f" ] && cp "$f" "$r/vireo/tests/"
			done
		fi
		return 0
	fi
	initramfs_guest_modules "$r"
	mkdir -p "$r/vireo/tests" "$r/vireo/bench" "$r/vireo/bin" \
		"$r/vireo/kmod" "$r/vireo/kernel"
	# Guest kernels for the VMM: the test kernel itself, as bzImage and
	# as ELF vmlinux (PVH). Slow platforms run no VMM boots and skip them.
	if [ "${plat_guest_kernels:-1}" = 1 ]; then
		cp "$plat_kernel" "$r/vireo/kernel/vmlinuz"
		[ -f "$plat_kdir/../vmlinux" ] &&
			cp "$plat_kdir/../vmlinux" "$r/vireo/kernel/vmlinux"
	fi
	[ -f "$vireo_ko" ] && cp "$vireo_ko" "$r/vireo/kmod/"
	for f in "$top"/tests/vm/bin/* "$top"/tests/vm/*.sh; do
		[ -f "$f" ] && [ -x "$f" ] && cp "$f" "$r/vireo/tests/"
	done
	# The VMM tests' shell library, sourced by them, and the programs
	# they put in their guests; outside /vireo/tests, whose every entry
	# run-suite runs.
	mkdir -p "$r/vireo/lib" "$r/vireo/guest-bin"
	cp "$top/tests/vm/lib/vmm.sh" "$r/vireo/lib/"
	for f in "$top"/tests/vm/guest/bin/*; do
		[ -f "$f" ] && [ -x "$f" ] && cp "$f" "$r/vireo/guest-bin/"
	done
	for f in "$top"/tests/bench/bin/*; do
		[ -f "$f" ] && [ -x "$f" ] && cp "$f" "$r/vireo/bench/"
	done
	[ -x "$top/vmm/vireo" ] && copy_with_libs "$top/vmm/vireo" "$r/vireo/bin/vireo"
	# e2fsprogs, for the VMM's ext4 disk test (tests/vm/vmm_ext4.sh).
	for f in /sbin/mke2fs /sbin/debugfs; do
		[ -x "$f" ] && copy_with_libs "$f" "$r/vireo/bin/${f##*/}"
	done
	return 0
}

# QEMU for the boot benchmark (vm.sh --qemu): the host's binary, its
# libraries and the x86 firmware it loads (qboot, SeaBIOS and the option
# ROMs that boot -kernel), at their host paths in the initramfs, like the
# VMM: both start from RAM, with nothing read over 9p while timed.
initramfs_qemu() {
	local r=$1 q d f
	q=$(command -v qemu-system-x86_64) || die "--qemu: no qemu-system-x86_64"
	mkdir -p "$r/usr/bin"
	copy_with_libs "$q" "$r/usr/bin/qemu-system-x86_64"
	for d in /usr/share/qemu /usr/share/seabios; do
		mkdir -p "$r$d"
		for f in "$d"/*.bin "$d"/*.rom; do
			[ -f "$f" ] && cp -L "$f" "$r$d/"
		done
	done
	return 0
}

initramfs_pack() {
	(cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) > "$2"
}
