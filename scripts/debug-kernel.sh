#!/usr/bin/env bash
# Build the debug kernel of make check's debug stage, once: Debian's 6.1
# source (linux-source-6.1) with KASAN, lockdep, DEBUG_ATOMIC_SLEEP,
# kmemleak, SLUB debug and page poisoning, configured as `make allnoconfig`
# plus scripts/vm/debug-kernel.config so that it builds in minutes.
#
# The result is cached as $cache/kernel-debug/KEY, KEY a hash of the config
# fragment and the source package's version, so a second run costs nothing;
# $cache/kernel-debug/current names the last one built or found:
#   root/boot/vmlinuz-VER      the kernel (bzImage)
#   root/lib/modules/VER/      its modules (kvm.ko, kvm-amd.ko, zram.ko)
#   build/                     the build tree, pruned to what an external
#                              module needs (make modules-debug)
#   config                     the full .config
# Prints the entry's directory on its last line.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/cache-entry.sh"
cache=${CACHE:-$top/.cache}
frag=$top/scripts/vm/debug-kernel.config
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
[ -n "$tarball" ] || { echo "debug-kernel: no linux-source-6.1 (run scripts/setup.sh)" >&2; exit 1; }
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { cat "$frag"; echo "linux-source-6.1 $ver"; } | sha256sum | cut -c1-16)
base=$cache/kernel-debug
dir=$base/$key

# An entry counts only whole: a top-level `make clean` once deleted every
# .ko under the cache (issue 14).
whole() {
	[ -f "$1/.done" ] && [ -f "$1/build/Module.symvers" ] &&
		ls "$1"/root/boot/vmlinuz-* "$1"/root/lib/modules/*/kernel/arch/x86/kvm/kvm-amd.ko \
			"$1"/root/lib/modules/*/kernel/drivers/block/zram/zram.ko > /dev/null 2>&1
}

if ! whole "$dir"; then
	t0=$(date +%s)
	tmp=$base/.$key.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp/build" "$tmp/root/boot"
	trap 'rm -rf "$tmp"' EXIT
	echo "debug-kernel: building $key from linux-source-6.1 $ver (a few minutes per core)" >&2
	tar -xf "$tarball" -C "$tmp/build" --strip-components=1
	cd "$tmp/build"
	KCONFIG_ALLCONFIG=$frag make -s allnoconfig > /dev/null
	# Every line of the fragment must have survived Kconfig's dependencies.
	bad=0
	while read -r l; do
		case $l in
		CONFIG_*=*) grep -qxF "$l" .config ||
			{ echo "debug-kernel: $l did not take" >&2; bad=1; } ;;
		"# CONFIG_"*" is not set")
			s=${l#\# }; s=${s%% *}
			! grep -q "^$s=" .config ||
			{ echo "debug-kernel: $s is set" >&2; bad=1; } ;;
		esac
	done < "$frag"
	[ $bad = 0 ] || exit 1
	j=$(nproc)
	# At idle priority: a whole make check starts this build at its
	# beginning, beside test VMs whose guests boot against timeouts and
	# measure latencies; under a build at equal priority kvm.ko's guests
	# in the clients stage hung 4 times in 9 boots (QEMU's TCG SVM,
	# tests/clients/lib.sh). It takes only the CPU they leave.
	nice -n 19 chrt --idle 0 make -s -j"$j" bzImage modules > build.log 2>&1 ||
		{ tail -n 40 build.log >&2; exit 1; }
	kver=$(make -s kernelrelease)
	make -s INSTALL_MOD_PATH="$tmp/root" INSTALL_MOD_STRIP=1 modules_install > /dev/null
	rm -f "$tmp/root/lib/modules/$kver/build" "$tmp/root/lib/modules/$kver/source"
	cp arch/x86/boot/bzImage "$tmp/root/boot/vmlinuz-$kver"
	cp .config "$tmp/config"
	# Keep what an external module's build reads (Makefiles, Kconfig
	# output, headers, scripts and their host programs, objtool,
	# Module.symvers): the rest is gigabytes.
	rm -rf Documentation LICENSES samples sound net fs drivers crypto block \
		ipc init io_uring kernel lib mm security virt usr certs rust \
		vmlinux vmlinux.o vmlinux.a .tmp_vmlinux* build.log
	find arch -mindepth 1 -maxdepth 1 ! -name x86 ! -name Kconfig -exec rm -rf {} +
	find tools -mindepth 1 -maxdepth 1 ! -name objtool -exec rm -rf {} +
	find tools/objtool -mindepth 1 ! -name objtool -delete 2>/dev/null || true
	find . \( -name '*.o' -o -name '*.ko' -o -name '*.a' -o -name '*.c' \
		-o -name '.*.cmd' -o -name '*.S' \) ! -path './scripts/*' -delete
	cd "$top"
	echo "$kver" > "$tmp/release"
	echo "debug-kernel: built $kver in $(( $(date +%s) - t0 )) s" >&2
	cache_publish "$tmp" "$dir"
fi
ln -sfn "$key" "$base/current"
echo "$dir"
