#!/usr/bin/env bash
# make bench: every benchmark in tests/bench, on kvm.ko and on vireo.ko in
# the same test VM, printed side by side with vireo's ratio to kvm.ko
# (below 1.0 means vireo takes less time).
#
# bench.sh --vmx (make bench-vmx): the exit benchmarks (tests/bench/exits.c)
# on VT-x in Bochs, vireo.ko against kvm_intel in the same run. Bochs has no
# room for the boot benchmark's guest kernels or for QEMU.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logs=$top/build/logs
mkdir -p "$logs"
if [ "${1:-}" = --vmx ]; then
	res=$logs/bench-vmx.results ref=kvm_intel
	scripts/vm.sh --platform bochs-x86 --mode none --smp 1 --mem 256 --quiet \
		--timeout 1800 --console-log "$logs/bench-vmx.console" \
		--results "$res" -- /vireo/run-bench exits
	rc=$?
else
	res=$logs/bench.results ref=kvm.ko
	# --hostroot: QEMU from the host runs inside the VM for the boot benchmark.
	make -s modules-std > "$logs/bench-build.log" 2>&1 ||
		{ cat "$logs/bench-build.log"; exit 1; }
	# The VM boots the standard kernel (it has 9p); the boot benchmark
	# also boots the cloud kernel, the one the VMM is meant for.
	add=()
	for k in "$top"/.cache/kernel/current/root/boot/vmlinuz-*; do
		[ -f "$k" ] && add=(--add "$k:/vireo/kernel/cloud-vmlinuz")
	done
	scripts/vm.sh --hostroot --mode none --smp "${VIREO_BENCH_SMP:-1}" --quiet \
		--timeout 1800 --console-log "$logs/bench.console" ${add[@]+"${add[@]}"} \
		--results "$res" -- /vireo/run-bench
	rc=$?
fi
tr -d '\r' < "$res" | awk -v ref="$ref" '
/^# .*(did not reach|no init)/ { print }
$1 == "BENCH" { v[$2 " " $3] = $4; unit[$3] = $5; if (!($3 in seen)) { seen[$3] = 1; order[n++] = $3 } }
END {
	printf "%-28s %14s %14s %8s  %s\n", "benchmark", ref, "vireo.ko", "ratio", "unit"
	for (i = 0; i < n; i++) {
		b = order[i]; k = v["kvm " b]; r = v["vireo " b]
		ratio = (k != "" && r != "" && k > 0) ? sprintf("%.2f", r / k) : "-"
		printf "%-28s %14s %14s %8s  %s\n", b, k == "" ? "-" : k, r == "" ? "-" : r, ratio, unit[b]
	}
	# Where an I/O round trip goes (tests/bench/exits.c): the ioctl and
	# run loop, one guest entry and exit with an in-kernel handler, and
	# the rest (the I/O exit itself: decode, kvm_run, back to userspace).
	for (m = 0; m < 2; m++) {
		mod = m ? "vireo" : "kvm"
		io = v[mod " io_roundtrip"]; c = v[mod " cpuid_exit"]; r = v[mod " run_no_entry"]
		if (io != "" && c != "" && r != "")
			printf "%s io_roundtrip %.1f us = ioctl+run loop %.1f + entry/exit+handler %.1f + I/O exit %.1f\n", m ? "vireo.ko" : ref, io, r, c, io - c - r
	}
	# The VMM against QEMU, both on kvm.ko.
	for (i = 0; i < n; i++) {
		b = order[i]
		if (b !~ /^qemu_/)
			continue
		o = substr(b, 6); q = v["kvm " b]; k = v["kvm " o]
		if (q != "" && k != "" && q > 0)
			printf "vireo VMM / QEMU on kvm.ko, %-17s %8.2f  (%s vs %s %s)\n", o, k / q, k, q, unit[b]
	}
}'
exit $rc
