#!/usr/bin/env bash
# Debian's arm64 static libraries the VMM's arm64 build links (libfdt.a),
# fetched with `apt-get download PKG:arm64` and extracted into a private
# root, .cache/arm64-libs/VERSION/ (`current` points at it), as the arm64
# kernels are: nothing is installed for arm64 on the host. Idempotent.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VIREO_CACHE:-${CACHE:-$top/.cache}}/arm64-libs
pkgs=(libfdt-dev)

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

dpkg --print-foreign-architectures | grep -qx arm64 || {
	sudo_ dpkg --add-architecture arm64
	sudo_ apt-get update -q
}
ver() { apt-cache policy "$1:arm64" | sed -n 's/^ *Candidate: //p'; }
v=$(ver libfdt-dev)
if [ -z "$v" ] || [ "$v" = "(none)" ]; then
	sudo_ apt-get update -q
	v=$(ver libfdt-dev)
fi
[ -n "$v" ] && [ "$v" != "(none)" ] ||
	{ echo "arm64-libs: no libfdt-dev:arm64 in apt's lists" >&2; exit 1; }
key=$(printf '%s\n' "$v" | tr -c 'A-Za-z0-9.+\n' '_')
dir=$cache/$key
if [ ! -f "$dir/.done" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && chmod 755 . && apt-get download -q "${pkgs[@]/%/:arm64}" >/dev/null)
	rm -rf "$dir"
	mkdir -p "$dir"
	for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$dir"; done
	[ -f "$dir/usr/lib/aarch64-linux-gnu/libfdt.a" ] ||
		{ echo "arm64-libs: libfdt.a missing from the package" >&2; exit 1; }
	touch "$dir/.done"
fi
ln -sfn "$key" "$cache/current"
