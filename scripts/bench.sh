#!/usr/bin/env bash
# make bench: every benchmark in tests/bench on kvm.ko and on vireo.ko in
# one test VM, in interleaved rounds (scripts/vm/run-bench: each round runs
# every benchmark once on each module, the module that goes first
# alternating, after a warm-up round that is not counted). Prints each
# benchmark's value per round, then per module the median with min-max and
# the number of rounds, and vireo's ratio of medians to kvm.ko (below 1.0
# means vireo takes less time); for the boot benchmark, the vireo VMM's
# median against QEMU's, both on kvm.ko.
#
# bench.sh --vmx (make bench-vmx): the exit benchmarks (tests/bench/exits.c)
# on VT-x in Bochs, vireo.ko against kvm_intel, interleaved the same way.
# Bochs has no room for the boot benchmark's guest kernels or for QEMU.
#
# bench.sh --arm64 (make bench-arm64): tests/bench/arm64 (MMIO and HVC exits,
# the VMM's boot to init) in the qemu-arm64 test VM, vireo.ko against the
# kernel's built-in KVM. The two cannot share a boot (vireo.ko needs
# kvm-arm.mode=none), so each round boots the same emulated machine once
# per module, which goes first alternating; no warm-up round (every boot
# starts cold alike).
#
# Environment:
#   VIREO_BENCH_ROUNDS   counted rounds (default 5; 3 with --vmx)
#   VIREO_BENCH          benchmark programs to run (default all; "exits", "irq",
#                        "boot", "qemu")
#   VIREO_BENCH_BOOTS    boot benchmark's boots, of "cloud pvh std smp" (default
#                        all)
#   VIREO_BENCH_BATCHES  exits.c's timed batches per run (default 7; 3 with --vmx)
#   VIREO_BENCH_QEMU_MACHINE  QEMU machine for the boot benchmark (microvm)
#   VIREO_BENCH_QEMU_MACHINES, VIREO_BENCH_QEMU_SMP, VIREO_BENCH_QEMU_TIMEOUT,
#   VIREO_BENCH_QEMU_RETRIES  the QEMU benchmark's machines ("q35 microvm"),
#                        guest vCPUs (1), seconds to init before a boot counts
#                        as timed out (300) and boots again after a timeout (2)
#   VIREO_BENCH_SCRUB_MB  MiB of huge pages the boot benchmarks write over
#                        before each boot (512, which covers a VMM; 0: none):
#                        see scrub_memory() in tests/bench/spawn.h
#   VIREO_BENCH_SMP, VIREO_BENCH_TIMEOUT  the test VM's CPUs and time limit
#
# Fails, naming the benchmark, if any benchmark exits non-zero, dies or
# reports nothing in any round, or the test VM fails.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logs=$top/build/logs
mkdir -p "$logs"
vmx=0 arm64=0
[ "${1:-}" = --vmx ] && vmx=1
[ "${1:-}" = --arm64 ] && arm64=1
if [ $vmx = 1 ] || [ $arm64 = 1 ]; then
	rounds=${VIREO_BENCH_ROUNDS:-3} batches=${VIREO_BENCH_BATCHES:-3}
else
	rounds=${VIREO_BENCH_ROUNDS:-5} batches=${VIREO_BENCH_BATCHES:-7}
fi
case $rounds in ''|*[!0-9]*|0) echo "bench: VIREO_BENCH_ROUNDS must be a number >= 1" >&2; exit 2 ;; esac
# The command the test VM runs: settings as assignments, then run-bench.
cmd="VIREO_BENCH_ROUNDS=$rounds VIREO_BENCH_BATCHES=$batches"
for v in VIREO_BENCH_BOOTS VIREO_BENCH_QEMU_MACHINE VIREO_BENCH_QEMU_MACHINES \
	VIREO_BENCH_QEMU_IRQCHIPS VIREO_BENCH_QEMU_SMP VIREO_BENCH_QEMU_TIMEOUT \
	VIREO_BENCH_QEMU_RETRIES VIREO_BENCH_SCRUB_MB; do
	[ -n "${!v:-}" ] && cmd="$cmd $v='${!v}'"
done
if [ $arm64 = 1 ]; then
	res=$logs/bench-arm64.results ref="built-in KVM"
	: > "$res"
	rc=0
	r=1
	while [ $r -le "$rounds" ]; do
		order="kvm vireo"
		[ $((r % 2)) = 0 ] && order="vireo kvm"
		echo "# round $r: $order" >> "$res"
		for m in $order; do
			one=$logs/bench-arm64-$m.results
			scripts/vm.sh --platform qemu-arm64 --mode "$m" --mem 1024 \
				--quiet --timeout "${VIREO_BENCH_TIMEOUT:-1200}" \
				--console-log "$logs/bench-arm64-$m.console" \
				--add "$top/tests/bench/arm64/bin/exits:/vireo/bench/exits" \
				--add "$top/scripts/vm/run-bench-arm64:/vireo/run-bench-arm64" \
				--results "$one" -- \
				"VIREO_BENCH_BATCHES=$batches /vireo/run-bench-arm64 $m $r"
			st=$?
			tr -d '\r' < "$one" | grep -E '^(BENCH|# )' | tee -a "$res" |
				grep -E '^(BENCH|# FAILED)'
			[ $st = 0 ] || { echo "# FAILED round $r on $m: the test VM's status $st" | tee -a "$res"; rc=1; }
		done
		r=$((r + 1))
	done
elif [ $vmx = 1 ]; then
	res=$logs/bench-vmx.results ref=kvm_intel
	scripts/vm.sh --platform bochs-x86 --mode none --smp 1 --mem 256 --quiet \
		--timeout "${VIREO_BENCH_TIMEOUT:-$((1800 + 1200 * rounds))}" \
		--console-log "$logs/bench-vmx.console" \
		--results "$res" -- "$cmd /vireo/run-bench ${VIREO_BENCH:-exits}"
	rc=$?
else
	res=$logs/bench.results ref=kvm.ko
	# The test VM runs the cloud kernel; the boot benchmark boots it (as
	# bzImage and as ELF vmlinux) and the standard kernel, added here.
	# --qemu: QEMU and its firmware in the initramfs, beside the VMM.
	add=()
	for k in "$top"/.cache/kernel/standard/root/boot/vmlinuz-*; do
		[ -f "$k" ] && add=(--add "$k:/vireo/kernel/std-vmlinuz")
	done
	scripts/vm.sh --qemu --mode none --smp "${VIREO_BENCH_SMP:-1}" --mem 2560 \
		--quiet --timeout "${VIREO_BENCH_TIMEOUT:-$((900 + 1800 * rounds))}" \
		--console-log "$logs/bench.console" ${add[@]+"${add[@]}"} \
		--results "$res" -- "$cmd /vireo/run-bench ${VIREO_BENCH:-}"
	rc=$?
fi
sum=$logs/bench.summary
[ $vmx = 1 ] && sum=$logs/bench-vmx.summary
[ $arm64 = 1 ] && sum=$logs/bench-arm64.summary
tr -d '\r' < "$res" | awk -v ref="$ref" '
function med(list,    a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	lo = a[1]; hi = a[n]; cnt = n
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(mod, b,    m) {
	if (vals[mod, b] == "")
		return sprintf("%-26s", "-")
	m = med(vals[mod, b])
	return sprintf("%-26s", sprintf("%g [%g-%g] n=%d", m, lo, hi, cnt))
}
/^# (round|FAILED)/ || /did not reach|no init|timed out|counted boot/ { print }
/reference note/ && !noted { sub(/^# [a-z]+ r[0-9]+ [a-z]+: /, "# "); print; noted = 1 }
$1 == "BENCH" && $3 != "r0" {
	mod = $2; b = $4
	vals[mod, b] = vals[mod, b] " " $5
	unit[b] = $6
	byround[mod, b] = byround[mod, b] sprintf(" %s=%s", $3, $5)
	if (!(b in seen)) { seen[b] = 1; order[n++] = b }
}
END {
	mname["kvm"] = ref; mname["vireo"] = "vireo.ko"
	printf "\nper round (rN=value; round 0, the warm-up, not counted):\n"
	for (i = 0; i < n; i++)
		for (m = 0; m < 2; m++) {
			mod = m ? "vireo" : "kvm"; b = order[i]
			if (byround[mod, b] != "")
				printf "  %-31s %-9s%s %s\n", b, mname[mod], byround[mod, b], unit[b]
		}
	printf "\n%-31s %-26s %-26s %6s  %s\n", "median [min-max] n=rounds", ref, "vireo.ko", "ratio", "unit"
	for (i = 0; i < n; i++) {
		b = order[i]
		k = vals["kvm", b] == "" ? "" : med(vals["kvm", b])
		r = vals["vireo", b] == "" ? "" : med(vals["vireo", b])
		ratio = (k != "" && r != "" && k > 0) ? sprintf("%.2f", r / k) : "-"
		printf "%-31s %s %s %6s  %s\n", b, fmt("kvm", b), fmt("vireo", b), ratio, unit[b]
	}
	# Where an I/O round trip goes (tests/bench/exits.c): the ioctl and
	# run loop, one guest entry and exit with an in-kernel handler, and
	# the rest (the I/O exit itself: decode, kvm_run, back to userspace).
	for (m = 0; m < 2; m++) {
		mod = m ? "vireo" : "kvm"
		if (vals[mod, "io_roundtrip"] == "" || vals[mod, "cpuid_exit"] == "" ||
		    vals[mod, "run_no_entry"] == "")
			continue
		io = med(vals[mod, "io_roundtrip"]); c = med(vals[mod, "cpuid_exit"])
		r = med(vals[mod, "run_no_entry"])
		printf "%s io_roundtrip %.1f us = ioctl+run loop %.1f + entry/exit+handler %.1f + I/O exit %.1f (medians%s)\n", mname[mod], io, r, c, io - c - r, io < c + r ? "; too noisy to split" : ""
	}
	# The vireo VMM against QEMU, both on kvm.ko.
	for (i = 0; i < n; i++) {
		b = order[i]
		if (b !~ /^qemu_/)
			continue
		o = substr(b, 6)
		if (vals["kvm", b] == "" || vals["kvm", o] == "")
			continue
		q = med(vals["kvm", b]); k = med(vals["kvm", o])
		if (q > 0)
			printf "vireo VMM / QEMU on %s, %-22s %6.2f  (medians %g vs %g %s)\n", ref, o, k / q, k, q, unit[b]
	}
	# The VMM with 4 vCPUs: each irqchip against its default, split.
	for (m = 0; m < 2; m++) {
		mod = m ? "vireo" : "kvm"
		if (vals[mod, "smp_boot_to_init"] == "")
			continue
		d = med(vals[mod, "smp_boot_to_init"])
		for (c = 0; c < 2; c++) {
			b = c ? "smp_user_boot_to_init" : "smp_kernel_boot_to_init"
			if (vals[mod, b] == "" || d <= 0)
				continue
			k = med(vals[mod, b])
			printf "vireo VMM on %s, --cpus 4 --irqchip %s / split %6.2f  (medians %g vs %g ms)\n", mname[mod], c ? "user" : "kernel", k / d, k, d
		}
		b = "smp_pveoi_boot_to_init"
		if (vals[mod, b] != "" && d > 0) {
			k = med(vals[mod, b])
			printf "vireo VMM on %s, --cpus 4 with PV EOI / without %6.2f  (medians %g vs %g ms)\n", mname[mod], k / d, k, d
		}
	}
}' | tee "$sum"
if [ $rc != 0 ]; then
	echo "bench: FAILED (status $rc):" >&2
	tr -d '\r' < "$res" | grep -E '^# (FAILED|.*did not reach|.*no init)' >&2
	[ $rc = 124 ] && echo "bench: the test VM timed out (VIREO_BENCH_TIMEOUT)" >&2
	# A benchmark that hangs takes the VM down with it: say where it was.
	echo "bench: last result line: $(tr -d '\r' < "$res" |
		grep -E '^(BENCH|# (round|kvm|vireo) )' | tail -n 1)" >&2
fi
exit $rc
