#!/usr/bin/env bash
# Build Linux 6.1's own KVM selftests (tools/testing/selftests/kvm from
# Debian's linux-source-6.1, the x86_64 programs, static) once, for make
# check's selftests stage (scripts/vm/run-selftests runs them in the VM).
#
# The result is cached as $cache/selftests/KEY, KEY a hash of the source
# package's version and this script, so a second run costs nothing;
# $cache/selftests/current names the last one built or found:
#   bin/NAME        every x86_64 program that built (Debian 12's headers
#                   break a few: make -k), flat, x86_64/ dropped from names
#   list            the programs Linux's Makefile names for x86_64, in its
#                   order; one missing from bin/ did not build
# Prints the entry's directory on its last line.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/cache-entry.sh"
cache=${CACHE:-$top/.cache}
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
[ -n "$tarball" ] || { echo "selftests: no linux-source-6.1 (run scripts/setup.sh)" >&2; exit 1; }
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { cat "$0"; echo "linux-source-6.1 $ver"; } | sha256sum | cut -c1-16)
base=$cache/selftests
dir=$base/$key

whole() { [ -f "$1/.done" ] && [ -s "$1/list" ] && [ -d "$1/bin" ]; }

if ! whole "$dir"; then
	t0=$(date +%s)
	tmp=$base/.$key.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp/src" "$tmp/bin"
	trap 'rm -rf "$tmp"' EXIT
	echo "selftests: building $key from linux-source-6.1 $ver" >&2
	# The selftests need the kernel's tools/ tree (headers, lib) and
	# little else; the UAPI headers are the build machine's own.
	tar -xf "$tarball" -C "$tmp/src" --strip-components=1 --wildcards \
		'*/tools/*' '*/scripts/*' '*/Makefile' '*/arch/x86/include/*' \
		'*/include/uapi/*' '*/usr/include/*' 2> /dev/null || true
	kst=$tmp/src/tools/testing/selftests/kvm
	[ -f "$kst/Makefile" ] || { echo "selftests: $tarball has no KVM selftests" >&2; exit 1; }
	# Debian's 6.1 backports use TEST_ASSERT_EQ, which its 6.1 library
	# lacks (dirty_log_test would not link).
	grep -q 'define TEST_ASSERT_EQ' "$kst/include/test_util.h" ||
		sed -i '/^#define TEST_ASSERT(e, fmt/i #define TEST_ASSERT_EQ(a, b) TEST_ASSERT((a) == (b), "%s == %s", #a, #b)\n' \
			"$kst/include/test_util.h"
	sed -n 's/^TEST_GEN_PROGS_x86_64 *+\{0,1\}= *//p' "$kst/Makefile" |
		sed 's,^x86_64/,,' > "$tmp/list"
	# Run from make check, MAKELEVEL is set, and the selftests' lib.mk
	# then leaves OUTPUT empty and writes to /: start a fresh make.
	# Debian 12's <asm/kvm.h> uses __DECLARE_FLEX_ARRAY from its
	# <linux/stddef.h>, which the tools/ tree's <linux/types.h> does not
	# pull in (steal_time would not build).
	nice env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS \
		make -k -j"$(nproc)" -C "$kst" LINUX_HDR_PATH=/usr/include/ \
		EXTRA_CFLAGS="-include linux/stddef.h" \
		LDFLAGS=-static > "$tmp/build.log" 2>&1 || true
	n=0
	while read -r t; do
		for f in "$kst/x86_64/$t" "$kst/$t"; do
			if [ -x "$f" ] && [ -f "$f" ]; then
				# Debug info is most of their size, and the
				# test VM's initramfs carries them all.
				strip --strip-debug -o "$tmp/bin/$t" "$f"
				n=$((n + 1))
				break
			fi
		done
	done < "$tmp/list"
	[ $n -gt 0 ] || { tail -n 40 "$tmp/build.log" >&2; exit 1; }
	grep -E 'error:|Error [0-9]' "$tmp/build.log" > "$tmp/build-errors" || true
	rm -rf "$tmp/src"
	echo "selftests: built $n of $(wc -l < "$tmp/list") programs in $(( $(date +%s) - t0 )) s" >&2
	cache_publish "$tmp" "$dir"
fi
ln -sfn "$key" "$base/current"
echo "$dir"
