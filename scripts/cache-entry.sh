# shellcheck shell=bash
# Sourced by the scripts that build a .cache entry once (debug-kernel.sh,
# selftests.sh). cache_publish TMP DIR: the finished build in TMP becomes
# DIR, unless a run beside this one made DIR whole first (the caller's
# whole() says), which is then kept; the caller's EXIT trap, which removes
# TMP on failure, is dropped.
cache_publish() {
	local tmp=$1 dir=$2

	touch "$tmp/.done"
	if whole "$dir"; then
		rm -rf "$tmp"
	else
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
	trap - EXIT
}
