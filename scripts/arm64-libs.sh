#!/usr/bin/env bash
# Debian's arm64 static libraries the VMM's arm64 build links (libfdt.a,
# libseccomp.a),
# fetched with `apt-get download PKG:arm64` and extracted into a private
# root, .cache/arm64-libs/VERSION/ (`current` points at it), as the arm64
# kernels are: nothing is installed for arm64 on the host. Idempotent.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VIREO_CACHE:-${CACHE:-$top/.cache}}/arm64-libs
pkgs=(libfdt-dev libseccomp-dev)

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

dpkg --print-foreign-architectures | grep -qx arm64 || {
	sudo_ dpkg --add-architecture arm64
	sudo_ apt-get update -q
}
ver() { apt-cache policy "$1:arm64" | sed -n 's/^ *Candidate: //p'; }
# The cache key: every package's version.
versions() {
	local p v
	for p in "${pkgs[@]}"; do
		v=$(ver "$p")
		[ -n "$v" ] && [ "$v" != "(none)" ] || return 1
		printf '%s-%s+' "$p" "$v"
	done
}
v=$(versions) || { sudo_ apt-get update -q; v=$(versions); } ||
	{ echo "arm64-libs: ${pkgs[*]} not all in apt's lists for arm64" >&2; exit 1; }
key=$(printf '%s\n' "${v%+}" | tr -c 'A-Za-z0-9.+\n' '_')
dir=$cache/$key
if [ ! -f "$dir/.done" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && chmod 755 . && apt-get download -q "${pkgs[@]/%/:arm64}" >/dev/null)
	rm -rf "$dir"
	mkdir -p "$dir"
	for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$dir"; done
	for a in libfdt.a libseccomp.a; do
		[ -f "$dir/usr/lib/aarch64-linux-gnu/$a" ] ||
			{ echo "arm64-libs: $a missing from the packages" >&2; exit 1; }
	done
	touch "$dir/.done"
fi
ln -sfn "$key" "$cache/current"
