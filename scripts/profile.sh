#!/usr/bin/env bash
# make profile: where a Linux boot's time goes on kvm.ko and on vireo.ko.
# One test VM (QEMU TCG with AMD-V, as make bench) runs scripts/vm/run-profile:
# the VMM boots Debian's cloud kernel to a busybox init once on each module
# with `vireo run --profile`. Printed side by side: exits by reason, the
# time the module spent on them, nested page faults, injected interrupts,
# kvm.ko's other counters under the names both modules use, and the VMM's
# time in and out of KVM_RUN.
#
# Reasons are vireo.ko's kinds (kmod/core/vireo.h, enum vireo_exit_reason);
# kvm.ko's AMD-V exit codes are sorted into them here. vireo.ko's time is
# from its exit dispatch to the backend's return to the run loop; kvm.ko's
# from its kvm_exit tracepoint to the next kvm_entry (or to the return to
# the VMM), so it also covers the next entry's preparation.
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
	--results "$res" -- /vireo/run-profile
rc=$?

tr -d '\r' < "$res" | awk '
function kind(c) {
	if (c < 32) return "ctrl_reg"
	if (c < 64) return "debug_reg"
	if (c == 82) return "nmi"		# #MC
	if (c < 96) return "exception"
	if (c == 96) return "irq"
	if (c == 97 || c == 98) return "nmi"
	if (c == 100) return "irq_window"
	if (c == 116) return "nmi_window"	# IRET
	if (c == 114) return "cpu_id"
	if (c == 120) return "halt"
	if (c == 123) return "io"
	if (c == 124) return "sysreg"
	if (c == 127) return "shutdown"
	if (c == 129) return "hypercall"
	if (c == 101 || c == 141 || (c >= 143 && c <= 159)) return "ctrl_reg"
	if (c == 1024) return "page_fault"
	if (c >= 110 && c <= 162) return "insn"
	return "other"
}
function hex(s,    i, v) {
	v = 0
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}
/^# / { print; next }
$1 != "PROFILE" { next }
$3 == "boot" { boot[$2] = $5; next }
$2 == "kvm" && $3 == "trace" {
	k = kind(hex($4)); n["kvm", k] += $5; ns["kvm", k] += $6; traced = 1
	next
}
$3 ~ /^vcpu/ { v[$2, $4] += $5; next }
$3 == "vm" { vm[$2, $4] += $5; next }
function ms(x) { return sprintf("%.1f", x / 1e6) }
function per(t, c) { return c ? sprintf("%.1f", t / c / 1e3) : "-" }
function row3(name, a, b) {
	printf "%-24s %14s %14s\n", name, a == "" ? "-" : a, b == "" ? "-" : b
}
END {
	split("irq nmi irq_window nmi_window io halt page_fault cpu_id sysreg ctrl_reg debug_reg exception hypercall insn shutdown other", kinds, " ")
	for (i = 1; i in kinds; i++) {
		n["vireo", kinds[i]] = v["vireo", "exit_" kinds[i]]
		ns["vireo", kinds[i]] = v["vireo", "exit_" kinds[i] "_ns"]
	}
	printf "Boot to init (ms): kvm.ko %s%s, vireo.ko %s\n\n", boot["kvm"],
		traced ? " (with tracing)" : "", boot["vireo"]
	printf "%-12s %9s %9s %10s %10s %9s %9s\n", "exit reason", "kvm.ko", "vireo.ko",
		"kvm ms", "vireo ms", "kvm us/x", "vireo us/x"
	for (i = 1; i in kinds; i++) {
		k = kinds[i]
		if (!n["kvm", k] && !n["vireo", k]) continue
		printf "%-12s %9s %9s %10s %10s %9s %9s\n", k,
			traced ? n["kvm", k] + 0 : "-", n["vireo", k] + 0,
			traced ? ms(ns["kvm", k]) : "-", ms(ns["vireo", k]),
			traced ? per(ns["kvm", k], n["kvm", k]) : "-",
			per(ns["vireo", k], n["vireo", k])
		tk += n["kvm", k]; tv += n["vireo", k]
		tkn += ns["kvm", k]; tvn += ns["vireo", k]
	}
	printf "%-12s %9s %9s %10s %10s %9s %9s\n\n", "total",
		traced ? tk : "-", tv, traced ? ms(tkn) : "-", ms(tvn),
		traced ? per(tkn, tk) : "-", per(tvn, tv)
	printf "%-24s %14s %14s\n", "counter (all vCPUs)", "kvm.ko", "vireo.ko"
	split("exits io_exits mmio_exits halt_exits irq_exits irq_window_exits nmi_window_exits request_irq_exits signal_exits pf_taken pf_fixed pf_emulate irq_injections nmi_injections", names, " ")
	for (i = 1; i in names; i++)
		row3(names[i], (("kvm", names[i]) in v) ? v["kvm", names[i]] : "",
		     (("vireo", names[i]) in v) ? v["vireo", names[i]] : "")
	row3("VM pages_4k (at exit)", vm["kvm", "pages_4k"], "")
	row3("VM pages_2m (at exit)", vm["kvm", "pages_2m"], "")
	printf "\n%-24s %14s %14s\n", "VMM (all vCPUs)", "kvm.ko", "vireo.ko"
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
