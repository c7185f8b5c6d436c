#!/usr/bin/env bash
# make profile: where a Linux boot's time goes on kvm.ko and on vireo.ko.
# One test VM (QEMU TCG with AMD-V, as make bench) runs scripts/vm/run-profile:
# the VMM boots Debian's cloud kernel to a busybox init on each module
# (VIREO_PROFILE_ROUNDS rounds, default 1, the first module alternating)
# with `vireo run --profile`. Printed side by side: exits by reason and the
# time from each world switch back to the host to the next entry (or to the
# return to the VMM), with the host's interrupts, softirqs and other tasks
# in that time; the guest's own time; nested page faults, injected
# interrupts and the modules' other counters; the VMM's time in and out of
# KVM_RUN.
#
# Both modules are measured the same way, from tracefs events and kprobes
# (scripts/vm/run-profile says which): kvm.ko's kvm_exit tracepoint comes
# after the host has handled the interrupt that ended the guest's run, and
# vireo.ko's exit_REASON_ns statistics start before it, so neither is
# compared with the other here. Reasons are vireo.ko's kinds
# (kmod/core/vireo.h, enum vireo_exit_reason); kvm.ko's AMD-V exit names are
# sorted into them. A nested page fault that goes to the VMM is MMIO
# ("npf->VMM"); the others map memory ("npf mapped": mostly 2 MiB first
# touches, whose time is the host zeroing a huge page).
#
# Raw lines: build/logs/profile.results; the table: build/logs/profile.summary.
# VIREO_PROFILE_TIMEOUT bounds the test VM (seconds, default 1800).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logs=$top/build/logs
mkdir -p "$logs"
res=$logs/profile.results sum=$logs/profile.summary

scripts/vm.sh --mode none --smp 1 --mem 1536 --quiet \
	--timeout "${VIREO_PROFILE_TIMEOUT:-1800}" \
	--console-log "$logs/profile.console" \
	--add scripts/vm/run-profile:/vireo/run-profile \
	--results "$res" -- "VIREO_PROFILE_ROUNDS=${VIREO_PROFILE_ROUNDS:-1} /vireo/run-profile"
rc=$?

tr -d '\r' < "$res" | awk '
function kind(r) {
	if (r ~ /^v[0-9]+$/) return vk[substr(r, 2) + 1]
	if (r == "interrupt") return "irq"
	if (r == "nmi" || r == "smi" || r == "MC_excp") return "nmi"
	if (r == "vintr") return "irq_window"
	if (r == "iret") return "nmi_window"
	if (r == "io") return "io"
	if (r == "hlt") return "halt"
	if (r == "npf") return "npf mapped"
	if (r == "cpuid") return "cpu_id"
	if (r == "msr") return "sysreg"
	if (r ~ /^(read|write)_cr|cr0_sel_write|xsetbv|_trap$/) return "ctrl_reg"
	if (r ~ /^(read|write)_dr/) return "debug_reg"
	if (r ~ /excp$/) return "exception"
	if (r == "vmmcall") return "hypercall"
	if (r == "shutdown") return "shutdown"
	return "insn"
}
BEGIN {
	split("irq nmi irq_window nmi_window io halt npf_mapped cpu_id sysreg ctrl_reg debug_reg exception hypercall insn shutdown other", vk, " ")
	vk[7] = "npf mapped"
}
/^# / && !/^# dmesg/ { print; next }
$1 != "PROFILE" { next }
$3 == "boot" { boots[$2] = boots[$2] " " $5; nb[$2]++; next }
$3 == "win" {
	r = $4
	if (r == "npf_user" || r == "v6_user") k = "npf->VMM"
	else k = kind(r)
	n[$2, k] += $5; ns[$2, k] += $6; hard[$2, k] += $7; soft[$2, k] += $8
	out[$2, k] += $9; traced[$2] = 1
	next
}
$3 == "ran" { ran[$2, $4] += $5; rn[$4] = 1; next }
$3 == "trace" { tr[$2, $4] += $5; next }
$3 ~ /^vcpu/ { v[$2, $4] += $5; next }
$3 == "vm" { vm[$2, $4] += $5; next }
function ms(x) { return sprintf("%.1f", x / 1e6) }
function per(t, c) { return c ? sprintf("%.1f", t / c / 1e3) : "-" }
function pr(m, k) {
	return n[m, k] ? sprintf("%s/%s/%s", per(hard[m, k], n[m, k]),
		per(soft[m, k], n[m, k]), per(out[m, k], n[m, k])) : "-"
}
function row3(name, a, b) {
	printf "%-24s %14s %14s\n", name, a == "" ? "-" : a, b == "" ? "-" : b
}
END {
	printf "Boot to init (ms, traced, per round): kvm.ko%s, vireo.ko%s\n\n", boots["kvm"], boots["vireo"]
	printf "Exits, all rounds: from the world switch to the next entry or the return to the VMM\n"
	printf "(irq/softirq/out: us per exit in host interrupts, softirqs, other tasks)\n"
	printf "%-11s %7s %7s %9s %9s %8s %8s %18s %18s\n", "exit reason", "kvm.ko", "vireo", "kvm ms",
		"vireo ms", "kvm us/x", "vireo us/x", "kvm irq/soft/out", "vireo irq/soft/out"
	split("irq nmi irq_window nmi_window io halt npf_mapped npf->VMM cpu_id sysreg ctrl_reg debug_reg exception hypercall insn shutdown other", ks, " ")
	ks[7] = "npf mapped"
	for (i = 1; i in ks; i++) {
		k = ks[i]
		if (!n["kvm", k] && !n["vireo", k]) continue
		printf "%-11s %7d %7d %9s %9s %8s %8s %18s %18s\n", k, n["kvm", k], n["vireo", k],
			ms(ns["kvm", k]), ms(ns["vireo", k]), per(ns["kvm", k], n["kvm", k]),
			per(ns["vireo", k], n["vireo", k]), pr("kvm", k), pr("vireo", k)
		tk += n["kvm", k]; tv += n["vireo", k]; tkn += ns["kvm", k]; tvn += ns["vireo", k]
	}
	printf "%-11s %7d %7d %9s %9s %8s %8s\n", "total", tk, tv, ms(tkn), ms(tvn), per(tkn, tk), per(tvn, tv)
	printf "%-11s %7s %7s %9s %9s\n\n", "in guest", "", "", ms(tr["kvm", "guest_ns"]), ms(tr["vireo", "guest_ns"])
	for (c in rn)
		if (ran["kvm", c] + ran["vireo", c] >= 1e6)
			printf "ran while the vCPU thread was out, %-16s kvm.ko %7s ms, vireo.ko %7s ms\n", c, ms(ran["kvm", c]), ms(ran["vireo", c])
	printf "\n%-24s %14s %14s\n", "counter (all vCPUs)", "kvm.ko", "vireo.ko"
	split("exits io_exits mmio_exits halt_exits irq_exits irq_window_exits nmi_window_exits request_irq_exits signal_exits pf_taken pf_fixed pf_emulate irq_injections nmi_injections", names, " ")
	for (i = 1; i in names; i++)
		row3(names[i], (("kvm", names[i]) in v) ? v["kvm", names[i]] : "",
		     (("vireo", names[i]) in v) ? v["vireo", names[i]] : "")
	row3("VM pages_2m (at exit)", vm["kvm", "pages_2m"], "")
	printf "\n%-24s %14s %14s\n", "VMM (all vCPUs, rounds)", "kvm.ko", "vireo.ko"
	row3("KVM_RUN calls", v["kvm", "vmm_runs"], v["vireo", "vmm_runs"])
	row3("in KVM_RUN (ms)", ms(v["kvm", "vmm_in_run_ns"]), ms(v["vireo", "vmm_in_run_ns"]))
	row3("outside KVM_RUN (ms)", ms(v["kvm", "vmm_out_of_run_ns"]), ms(v["vireo", "vmm_out_of_run_ns"]))
	row3("outside, per call (us)", per(v["kvm", "vmm_out_of_run_ns"], v["kvm", "vmm_runs"]),
	     per(v["vireo", "vmm_out_of_run_ns"], v["vireo", "vmm_runs"]))
}' | tee "$sum"
if [ $rc != 0 ]; then
	echo "profile: the test VM failed (scripts/vm.sh $rc); see $logs/profile.console" >&2
	tail -n 3 "$res" 2>/dev/null | sed 's/^/# /' >&2
fi
exit $rc
