#!/usr/bin/env bash
# Install everything Vireo needs on Debian 12 and fetch the test kernel.
# Idempotent and non-interactive; safe to run again.
#
# Test kernels are Debian's own packages, resolved through their
# metapackages (never a hard-coded ABI) and extracted into a private cache
# (VIREO_CACHE, default .cache/ in the tree), never into the host's /boot.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VIREO_CACHE:-$top/.cache}
export DEBIAN_FRONTEND=noninteractive

packages=(
	build-essential make gcc libc6-dev pkg-config
	qemu-system-x86 busybox-static cpio kmod
	linux-source-6.1 sparse xz-utils flex bison bc
	libelf-dev libfdt-dev acpica-tools libseccomp-dev
	clang libclang-rt-14-dev
	e2fsprogs iproute2 lz4
	bochs bochsbios vgabios bochs-term isolinux syslinux-common xorriso
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm
	# Unmodified KVM clients in the --hostroot test VM (tests/clients).
	libvirt-daemon-system libvirt-clients
	# make install's DKMS path (scripts/install-test.sh).
	dkms
)

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

# Test kernels, resolved through their metapackages: the cloud flavour
# boots fastest; the standard flavour has 9p and overlayfs, for tests that
# run the host's own programs (QEMU, libvirt) inside the test VM.
flavours=(cloud-amd64 amd64)
abi_pkg() {
	apt-cache depends "linux-image-$1" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p" | head -n1
}
updated=0
# The arm64 test kernel, its headers and busybox are arm64 packages, which
# apt resolves only once the architecture is known.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	sudo_ dpkg --add-architecture arm64
	sudo_ apt-get update -q
	updated=1
fi
[ -n "$(abi_pkg cloud-amd64)" ] || { sudo_ apt-get update -q; updated=1; }
imgs=()
for f in "${flavours[@]}"; do
	img=$(abi_pkg "$f")
	[ -n "$img" ] || { echo "setup: cannot resolve linux-image-$f" >&2; exit 1; }
	imgs+=("$img")
	hdr=linux-headers-${img#linux-image-}
	dpkg-query -W -f='${Status}' "$hdr" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$hdr")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ $updated = 1 ] || sudo_ apt-get update -q
	sudo_ apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The ELF vmlinux inside a bzImage, for the VMM's PVH boot path: the boot
# protocol header gives the compressed payload's offset (from the start of
# the 32-bit code, after the setup sectors) and length; Debian's is lz4.
le32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
extract_vmlinux() {
	local setup off len
	setup=$(od -An -t u1 -j $((0x1f1)) -N 1 "$1" | tr -d ' ')
	off=$(( (setup + 1) * 512 + $(le32 "$1" $((0x248))) ))
	len=$(le32 "$1" $((0x24c)))
	# lz4 complains about the size the kernel appends to the stream (and
	# tail dies of SIGPIPE): judge the result by its ELF magic instead.
	tail -c +$((off + 1)) "$1" | head -c "$len" | lz4 -dc > "$2" 2>/dev/null || true
	if [ "$(head -c 4 "$2" | tail -c 3)" != ELF ]; then
		echo "setup: cannot extract vmlinux from $1" >&2
		rm -f "$2"
		return 1
	fi
}

# The files of an extracted kernel, with their sizes: its .manifest.
kernel_files() {
	(cd "$1/root" && find . -type f -printf '%P %s\n' | LC_ALL=C sort)
}

# Is the cached kernel in $1 whole? Every file its extraction listed in
# .manifest must still be there at its size (an older `make clean` deleted
# every *.ko below the tree, the cache's included, and left .done behind).
# A cache made before manifests existed must at least hold the modules
# the test VMs load.
kernel_whole() {
	local kdir=$1 m
	[ -f "$kdir/.done" ] && [ -d "$kdir/root" ] || return 1
	if [ -f "$kdir/.manifest" ]; then
		[ -z "$(kernel_files "$kdir" | LC_ALL=C comm -23 "$kdir/.manifest" -)" ]
		return
	fi
	for m in kvm kvm-amd kvm-intel irqbypass overlay; do
		[ -n "$(find "$kdir/root/lib/modules" -name "$m.ko" -print -quit 2>/dev/null)" ] ||
			return 1
	done
}

# Each image package is extracted privately under $cache/kernel/<abi>;
# "current" names the cloud kernel, "standard" the standard one. Only the
# cloud kernel's vmlinux is extracted: the VMM's PVH test boots that one.
# A damaged extraction is made again.
fetch_kernel() {
	local img=$1 link=$2 abi=${1#linux-image-} kdir
	kdir=$cache/kernel/$abi
	if ! kernel_whole "$kdir"; then
		[ ! -f "$kdir/.done" ] ||
			echo "setup: the cached kernel $abi is damaged: extracting it again" >&2
		rm -rf "$kdir"
		mkdir -p "$kdir/deb"
		(cd "$kdir/deb" && apt-get download -q "$img")
		dpkg-deb -x "$kdir"/deb/*.deb "$kdir/root"
		rm -rf "$kdir/deb"
		[ "$link" != current ] ||
			extract_vmlinux "$kdir"/root/boot/vmlinuz-* "$kdir/vmlinux"
		kernel_files "$kdir" > "$kdir/.manifest"
		touch "$kdir/.done"
	fi
	ln -sfn "$abi" "$cache/kernel/$link"
	echo "setup: test kernel $abi in $kdir"
}
fetch_kernel "${imgs[0]}" current
fetch_kernel "${imgs[1]}" standard

# kselftest harness header, taken from Debian's kernel source at build time.
ksrc=$cache/kselftest
if [ ! -f "$ksrc/kselftest_harness.h" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.* | head -n1)
	mkdir -p "$ksrc"
	tar -xf "$tarball" -C "$ksrc" --strip-components=4 --wildcards \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h'
fi
if [ ! -x "$cache/checkpatch/checkpatch.pl" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.* | head -n1)
	mkdir -p "$cache/checkpatch"
	tar -xf "$tarball" -C "$cache/checkpatch" --strip-components=2 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
fi

# Arm64 (scripts/vm/platform-qemu-arm64.sh): Debian's arm64 cloud kernel,
# its headers (make modules-arm64 cross-builds vireo.ko against them) and
# arm64 busybox-static, each fetched with apt-get download and extracted
# under $cache keyed by its version; nothing is installed for arm64.
fetch_arm64() {
	local img abi kdir ver bdir
	img=$(abi_pkg cloud-arm64:arm64)
	img=${img%:arm64}
	[ -n "$img" ] || { echo "setup: cannot resolve linux-image-cloud-arm64" >&2; exit 1; }
	abi=${img#linux-image-}
	kdir=$cache/kernel/$abi
	if ! kernel_whole "$kdir"; then
		rm -rf "$kdir"
		mkdir -p "$kdir/deb"
		(cd "$kdir/deb" && apt-get download -q "$img:arm64" \
			"linux-headers-$abi:arm64")
		for d in "$kdir"/deb/*.deb; do dpkg-deb -x "$d" "$kdir/root"; done
		rm -rf "$kdir/deb"
		kernel_files "$kdir" > "$kdir/.manifest"
		touch "$kdir/.done"
	fi
	# The headers' scripts and tools point at ../../lib/linux-kbuild-6.1,
	# arm64 binaries in the package: the host's own kbuild of the same
	# version (the amd64 headers' dependency) runs instead, and the common
	# headers are the host's /usr/src ones, arch-independent.
	local kb
	kb=$(readlink "$kdir/root/usr/src/linux-headers-$abi/scripts")
	kb=/usr/lib/${kb#../../lib/}
	kb=${kb%/scripts}
	[ -d "$kb" ] || { echo "setup: $kb missing (the amd64 kbuild)" >&2; exit 1; }
	ln -sfn "$kb" "$kdir/root/usr/lib/$(basename "$kb")"
	ln -sfn "$abi" "$cache/kernel/arm64"
	echo "setup: arm64 test kernel $abi in $kdir"

	ver=$(apt-cache policy busybox-static:arm64 | sed -n 's/^ *Candidate: //p')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] ||
		{ echo "setup: cannot resolve busybox-static:arm64" >&2; exit 1; }
	bdir=$cache/busybox-arm64/${ver//[:+~]/_}
	if [ ! -f "$bdir/.done" ]; then
		rm -rf "$bdir"
		mkdir -p "$bdir/deb"
		(cd "$bdir/deb" && apt-get download -q "busybox-static:arm64=$ver")
		dpkg-deb -x "$bdir"/deb/*.deb "$bdir/root"
		rm -rf "$bdir/deb"
		touch "$bdir/.done"
	fi
	ln -sfn "$(basename "$bdir")" "$cache/busybox-arm64/current"
}
fetch_arm64
# Debian's arm64 libfdt.a, which the VMM's arm64 build links (make vmm-arm64).
VIREO_CACHE=$cache "$top/scripts/arm64-libs.sh"
