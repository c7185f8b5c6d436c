#!/usr/bin/env bash
# make check: host unit tests (ASan/UBSan), fuzz targets for a bounded
# time, then the in-VM suite on vireo.ko and on kvm.ko (the reference).
# Prints TAP and ends with "N passed, N failed, N skipped"; exits non-zero
# on any failure, including a kernel warning or oops, a leak or failed
# unload, or a VM timeout.
#
# VIREO_CHECK_MODES (default "vireo kvm") and VIREO_CHECK_PROGS (default:
# every in-VM program) narrow the run while developing. VIREO_CHECK_NO_VMX=1
# leaves out the VT-x (Bochs) stage; VIREO_CHECK_ONLY_VMX=1 runs nothing
# else (make check-vmx); VIREO_CHECK_VMX_FULL=1 adds the VMM boot test to it
# (make check-vmx-full). VIREO_CHECK_REFUSE=1 runs the VT-x refusal VMs even
# in a narrowed run (VIREO_CHECK_MODES= with VIREO_CHECK_ONLY_VMX=1: only
# them). VIREO_CHECK_NO_ARM64=1 leaves out the arm64 stage (QEMU's virt
# machine with VHE: tests/vm/arm64 on vireo.ko and the kernel's built-in
# KVM); VIREO_CHECK_PROGS narrows it too.
# Linux's own KVM selftests run on every mode in a whole run;
# VIREO_CHECK_NO_SELFTESTS=1 leaves them out, VIREO_CHECK_SELFTESTS=1 adds
# them to a narrowed one, VIREO_CHECK_SELFTEST_PROGS narrows them.
# QEMU and libvirt (tests/clients) run in a whole run too;
# VIREO_CHECK_NO_CLIENTS=1 leaves them out, VIREO_CHECK_CLIENTS=1 adds them
# to a narrowed one.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logs=$top/build/logs
mkdir -p "$logs"
modes=${VIREO_CHECK_MODES-vireo kvm}
progs=${VIREO_CHECK_PROGS:-}
n=0 pass=0 fail=0 skip=0

echo "TAP version 13"

# Feed one framed TAP stream through tap.awk and add up its counts; with a
# second argument, tap.awk lists each result and program there.
account() {
	local tag=$1 keys=${2:-} out counts
	out=$(awk -v tag="$tag" -v start=$n -v keys="$keys" -f scripts/tap.awk)
	counts=$(printf '%s\n' "$out" | sed -n 's/^# counts //p')
	printf '%s\n' "$out" | grep -v '^# counts '
	set -- $counts
	pass=$((pass + $1)) fail=$((fail + $2)) skip=$((skip + $3))
	n=$((n + $1 + $2 + $3))
}

# One result computed here rather than by a test program.
result() {
	n=$((n + 1))
	if [ "$1" = ok ]; then pass=$((pass + 1)); echo "ok $n $2"
	else fail=$((fail + 1)); echo "not ok $n $2"; fi
}

# What each stage cost, printed as it ends and again as a table at the end
# (README's stage table and CI's budget come from these).
costs=
stage_cost() {
	local d=$(( $(date +%s) - $2 ))
	echo "# time: $1 took $d s"
	costs="$costs$(printf '# %-28s %5d s' "$1" "$d")
"
}
t_all=$(date +%s)

only_vmx=${VIREO_CHECK_ONLY_VMX:-}
# VIREO_CHECK_ONLY_SELFTESTS=1 (make check-selftests): Linux's KVM
# selftests stage alone.
only_st=${VIREO_CHECK_ONLY_SELFTESTS:-}
# The host tests and the AMD-V, debug and arm64 stages.
rest=
[ -z "$only_vmx$only_st" ] && rest=1

# The debug stage's kernel, when not cached, takes about 11 CPU-minutes to
# build: a whole run starts it here, and scripts/debug-kernel.sh builds at
# idle priority, on the CPU the test VMs leave; the debug stage waits.
debug_build_pid=
if [ -n "$rest" ] && [ -z "$progs" ] && [ -z "${VIREO_CHECK_NO_DEBUG:-}" ] &&
	[ -f tests/vm/debug.list ]; then
	scripts/debug-kernel.sh > "$logs/debug-build.log" 2>&1 &
	debug_build_pid=$!
fi

# Host unit tests.
if [ -n "$rest" ]; then
	t0=$(date +%s)
	{
		if ! make -s -k -C tests/unit all > "$logs/unit-build.log" 2>&1; then
			echo "# program: build"
			echo "# exit: 1"
		fi
		# One program per source: one without its binary fails.
		for c in tests/unit/*.c; do
			p=tests/unit/bin/$(basename "$c" .c)
			echo "# program: $(basename "$p")"
			if [ -x "$p" ]; then "$p" 2>&1; echo "# exit: $?"
			else echo "# exit: missing"; fi
		done
		echo "# program: harness-test"
		scripts/harness-test.sh 2>&1
		echo "# exit: $?"
		echo "# program: install-test"
		scripts/install-test.sh 2>&1
		echo "# exit: $?"
	} > "$logs/unit.tap" 2>&1
	account host < "$logs/unit.tap"
	[ -s "$logs/unit-build.log" ] && grep -q 'Error' "$logs/unit-build.log" &&
		sed 's/^/# /' "$logs/unit-build.log" | tail -n 20
	stage_cost host/unit "$t0"
fi

# Fuzz targets: every committed seed and past crash replayed, then each
# target fuzzed for a bounded time (FUZZ_SECONDS, 10 by default; make fuzz
# runs longer campaigns).
if [ -n "$rest" ] && [ -f tests/fuzz/Makefile ]; then
	t0=$(date +%s)
	make -s -C tests/fuzz replay > "$logs/fuzz-replay.log" 2>&1
	fz=$?
	sed -n 's/^# replay: //p' "$logs/fuzz-replay.log" | sed 's/^/# /'
	[ $fz = 0 ] && r=ok || { r=bad; tail -n 40 "$logs/fuzz-replay.log" | sed 's/^/# /'; }
	result $r "host/fuzz: every seed and regression input replays without a crash"
	make -s -C tests/fuzz run FUZZ_SECONDS="${FUZZ_SECONDS:-10}" > "$logs/fuzz.log" 2>&1
	fz=$?
	sed -n 's/^# fuzz: //p' "$logs/fuzz.log" | sed 's/^/# /'
	[ $fz = 0 ] && r=ok || { r=bad; tail -n 40 "$logs/fuzz.log" | sed 's/^/# /'; }
	result $r "host/fuzz: every libFuzzer target ran its time without a crash"
	stage_cost host/fuzz "$t0"
fi

# The in-VM suite, once per platform and module. AMD-V (QEMU) runs every
# program; VT-x (Bochs, ~100x slower) runs those listed in tests/vm/vmx.list,
# and with VIREO_CHECK_VMX_FULL also the VMM's boot test, whose guest kernel
# the Bochs platform does not carry by default.
#
# Every program expected (from the sources: each tests/vm/*.c and *.sh, or
# vmx.list, or VIREO_CHECK_PROGS) must report; the VM's verdict is parsed
# from the line with this run's nonce (scripts/vm/verdict.sh); the suite's
# and the harness's exit status are judged; what skipped on vireo.ko is
# compared with kvm.ko on the same platform.
. scripts/vm/verdict.sh
all_progs=$(for f in tests/vm/*.c tests/vm/*.sh; do
	[ -f "$f" ] || continue
	b=${f##*/}; echo "${b%.c}"
done | tr '\n' ' ')
vmx_progs= vmx_out=
if [ -f tests/vm/vmx.list ]; then
	vmx_progs=$(grep -v '^[#-]' tests/vm/vmx.list | grep -v '^[[:space:]]*$' | tr '\n' ' ')
	# "-NAME": left out of the VT-x stage on purpose (the list says why).
	vmx_out=$(sed -n 's/^-//p' tests/vm/vmx.list | tr '\n' ' ')
fi

# vmx.list must name every C program (the VMM's shell tests stay out: Bochs
# cannot boot their guests in time), run or left out, and nothing without a
# source.
if [ -f tests/vm/vmx.list ] && [ -z "$only_st" ]; then
	bad=
	for p in $all_progs; do
		case $p in *.sh) continue ;; esac
		case " $vmx_progs $vmx_out " in *" $p "*) ;; *) bad="$bad $p(unlisted)" ;; esac
	done
	for p in $vmx_progs $vmx_out; do
		case " $all_progs " in *" $p "*) ;; *) bad="$bad $p(no source)" ;; esac
	done
	[ -z "$bad" ] && r=ok || r=bad
	result $r "host/vmx.list: names every in-VM C program and only those${bad:+:$bad}"
fi

# The arm64 stage: every tests/vm/arm64 program and the tests/vm programs
# tests/vm/arm64/shared.list names (built for arm64 too), on vireo.ko (the
# kernel's KVM off with kvm-arm.mode=none) and on the kernel's built-in KVM.
arm64_progs=$({ for f in tests/vm/arm64/*.c tests/vm/arm64/*.sh; do
	[ -f "$f" ] || continue
	b=${f##*/}; echo "${b%.c}"
done; sed -n 's/^\([^#[:space:]][^[:space:]]*\).*/\1/p' \
	tests/vm/arm64/shared.list 2>/dev/null; } | tr '\n' ' ')
# Left out of the vireo.ko run on purpose, one per line with the reason:
# tests/vm/arm64/vireo-out.list (the module lacks what they need yet).
arm64_vireo_out=$(sed -n 's/^\([^#[:space:]][^[:space:]]*\).*/\1/p' \
	tests/vm/arm64/vireo-out.list 2>/dev/null | tr '\n' ' ')
# Narrowed by VIREO_CHECK_PROGS: names only tests/vm/arm64 has are for
# that stage alone.
x86_progs=
if [ -n "$progs" ]; then
	x86_progs=$(for p in $progs; do
		case " $all_progs " in *" $p "*) echo "$p"; continue ;; esac
		case " $arm64_progs " in *" $p "*) ;; *) echo "$p" ;; esac
	done | tr '\n' ' ')
	arm64_progs=$(for p in $progs; do
		case " $arm64_progs " in *" $p "*) echo "$p" ;; esac
	done | tr '\n' ' ')
fi
# The nohz stage runs tests/vm/kick.c again with nohz_full on the vCPU's
# CPU: no timer tick there, so only the module's own kick gets a spinning
# guest out of the way of a slot change.
nohz_progs=kick
case " ${progs:-$nohz_progs} " in *" kick "*) ;; *) nohz_progs= ;; esac
stages=
# The VMM's shell tests (tests/vm/*.sh) get a test VM of their own per
# mode, and 1200 s: they boot Debian guests, 781 s together on vireo.ko and
# 707 s on kvm.ko (its retries of hung guests included) in a test VM at
# host load 4-5, which with the C programs did not fit one VM's 900 s.
x86_list=$all_progs
[ -n "$progs" ] && x86_list=$x86_progs
x86_c=$(for p in $x86_list; do case $p in *.sh) ;; *) echo "$p" ;; esac; done | tr '\n' ' ')
x86_sh=$(for p in $x86_list; do case $p in *.sh) echo "$p" ;; esac; done | tr '\n' ' ')
[ -n "$rest" ] && [ -n "${x86_c// /}" ] &&
	for m in $modes; do stages="$stages qemu-x86:$m"; done
[ -n "$rest" ] && [ -n "${x86_sh// /}" ] &&
	for m in $modes; do stages="$stages qemu-x86-vmm:$m"; done
[ -n "$rest" ] && [ -n "$nohz_progs" ] &&
	for m in $modes; do stages="$stages qemu-x86-nohz:$m"; done
# The debug stage: vireo.ko, the programs of tests/vm/debug.list,
# under a kernel with KASAN, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak, SLUB
# debug and page poisoning (scripts/debug-kernel.sh, built once and cached):
# any report fails it. VIREO_CHECK_NO_DEBUG=1 leaves it out;
# VIREO_CHECK_DEBUG_MODES="vireo kvm" adds kvm.ko built with that kernel.
if [ -n "$rest" ] && [ -z "${VIREO_CHECK_NO_DEBUG:-}" ] &&
	[ -f tests/vm/debug.list ]; then
	for m in ${VIREO_CHECK_DEBUG_MODES:-vireo}; do
		case " $modes " in *" $m "*) stages="$stages qemu-x86-debug:$m" ;; esac
	done
fi
if [ -f tests/vm/vmx.list ] && [ -z "${VIREO_CHECK_NO_VMX:-}" ] &&
	[ -z "$only_st" ]; then
	for m in $modes; do stages="$stages bochs-x86:$m"; done
fi
arm64_built=
if [ -n "$rest" ] && [ -z "${VIREO_CHECK_NO_ARM64:-}" ] &&
	[ -n "${arm64_progs// /}" ]; then
	for m in $modes; do stages="$stages qemu-arm64:$m"; done
fi
vmx_kernel=$(ls "${CACHE:-$top/.cache}"/kernel/current/root/boot/vmlinuz-* 2>/dev/null | head -n1)
# The guest fuzzer's seed is the commit's: each commit fuzzes a sequence of
# its own, and the same tree checks the same way again (CI included).
# VIREO_GUESTFUZZ_SEED replays another; a tree without git falls back to
# the clock (guestfuzz prints the seed either way).
gf_env=() vmx_gf_seed=0x1
gf_seed=${VIREO_GUESTFUZZ_SEED:-}
[ -n "$gf_seed" ] || { gf_seed=$(git -C "$top" rev-parse -q --verify HEAD 2>/dev/null) &&
	gf_seed=0x${gf_seed:0:16}; } || gf_seed=
[ -n "$gf_seed" ] && gf_env+=("VIREO_GUESTFUZZ_SEED=$gf_seed")
[ -n "${VIREO_GUESTFUZZ_STEPS:-}" ] &&
	gf_env+=("VIREO_GUESTFUZZ_STEPS=$VIREO_GUESTFUZZ_STEPS")
# One stage: its test VM, its results, its cost.
run_stage() {
	local st=$1
	t0=$(date +%s)
	plat=${st%%:*} m=${st#*:} append=
	st_env=("${gf_env[@]}")
	case $plat in
	# 2 GiB: tests/vm/memory.c runs a guest over a 1 GiB slot.
	qemu-x86) tag=$m opts=(--timeout 900 --mem 2048) list=$x86_c ;;
	qemu-x86-vmm) plat=qemu-x86 tag=vmm-$m opts=(--timeout 1200 --mem 2048)
		list=$x86_sh ;;
	qemu-x86-nohz) plat=qemu-x86 tag=$m-nohz opts=(--timeout 300)
		list=$nohz_progs append=nohz_full=1 ;;
	qemu-x86-debug) tag=debug-$m opts=(--timeout 2400 --mem 2048)
		list=$(grep -v '^#' tests/vm/debug.list | tr '\n' ' ')
		if [ -n "$progs" ]; then
			list=$(for p in $progs; do
				case " $list " in *" $p "*) echo "$p" ;; esac
			done | tr '\n' ' ')
			# None of the named programs is for this stage.
			[ -n "${list// /}" ] || return 0
		fi
		if [ -n "$debug_build_pid" ]; then
			wait "$debug_build_pid"
			debug_built=$?
			debug_build_pid=
		else
			scripts/debug-kernel.sh > "$logs/debug-build.log" 2>&1
			debug_built=$?
		fi
		if ! { [ $debug_built = 0 ] && make -s modules-debug; } \
			>> "$logs/debug-build.log" 2>&1; then
			result bad "$tag/build: the debug kernel and vireo.ko for it"
			tail -n 30 "$logs/debug-build.log" | sed 's/^/# /'
			return 0
		fi ;;
	qemu-arm64) tag=arm64-$m opts=(--timeout 900 --mem 1024)
		list=$arm64_progs
		[ "$m" = vireo ] && list=$(for p in $list; do
			case " $arm64_vireo_out " in *" $p "*) ;; *) echo "$p" ;; esac
		done | tr '\n' ' ')
		# Nothing for this module: no keys, for the skip comparison.
		[ -n "${list// /}" ] || { : > "$logs/$tag.keys"; return 0; }
		if [ -z "$arm64_built" ]; then
			if ! make -s modules-arm64 tests-arm64 vmm-arm64 \
				> "$logs/arm64-build.log" 2>&1; then
				result bad "arm64/build: vireo.ko, tests/vm/arm64 and the VMM for arm64"
				tail -n 30 "$logs/arm64-build.log" | sed 's/^/# /'
				return 0
			fi
			arm64_built=1
		fi ;;
	bochs-x86) tag=vmx-$m opts=(--timeout 1200 --mem 256 --smp 1)
		# kvm_intel under Bochs can wedge the whole emulated machine on
		# a random instruction stream (seed 0x18eebcbf3c67cd3f, step
		# 126, ff 27: jmp [rdi]; vireo.ko ran all 150 steps of it), so
		# this stage replays one seed both modules finish, and the
		# commit's seed fuzzes on QEMU's AMD-V only.
		st_env=("VIREO_GUESTFUZZ_SEED=${VIREO_GUESTFUZZ_SEED:-$vmx_gf_seed}")
		[ -n "${VIREO_GUESTFUZZ_STEPS:-}" ] &&
			st_env+=("VIREO_GUESTFUZZ_STEPS=$VIREO_GUESTFUZZ_STEPS")
		list=${progs:-$vmx_progs}
		if [ -n "${VIREO_CHECK_VMX_FULL:-}" ]; then
			# The VMM's guest gets 256 MiB of its own.
			opts=(--timeout 2400 --mem 768 --smp 1
			      --add "$vmx_kernel:/vireo/kernel/vmlinuz")
			list="$list vmm_boot.sh"
		fi ;;
	esac
	nonce=$(vm_nonce)
	VIREO_VM_APPEND=$append VIREO_VM_NONCE=$nonce \
		scripts/vm.sh --platform "$plat" --mode "$m" --quiet \
		"${opts[@]}" --console-log "$logs/$tag.console" \
		--results "$logs/$tag.results" -- env "${st_env[@]}" /vireo/run-suite $list
	vm_sh=$?
	vm_tap "$logs/$tag.results" "$nonce" > "$logs/$tag.tap"
	: > "$logs/$tag.keys"
	account "$tag" "$logs/$tag.keys" < "$logs/$tag.tap"
	# Each expected program reported (framed, whatever its result).
	for p in $list; do
		grep -qxF "program	$p" "$logs/$tag.keys" ||
			result bad "$tag/$p: expected, but it never reported"
	done
	if vm_verdict "$logs/$tag.results" "$nonce"; then r=ok; else r=bad; fi
	result $r "$tag/vm: the VM finished in time and gave its verdict"
	[ "$vm_rc" = 0 ] && r=ok || r=bad
	result $r "$tag/vm: the suite exited with status 0 (got $vm_rc)"
	[ $vm_sh = 0 ] && r=ok || r=bad
	result $r "$tag/vm: scripts/vm.sh exited with status 0 (got $vm_sh)"
	result $vm_dmesg "$tag/vm: kernel log free of WARN/BUG/oops"
	result $vm_unload "$tag/vm: modules unload"
	# vireo.ko is loaded in vireo mode, and by coexist in kvm mode: every
	# load must end in an unload that holds nothing.
	case " $list " in *" coexist "*) loads_vireo=1 ;; *) loads_vireo= ;; esac
	if [ "$m" = vireo ] || [ -n "$loads_vireo" ] || [ "$vm_leak" != none ]; then
		[ "$vm_leak" = ok ] && r=ok || r=bad
		result $r "$tag/vm: every load of vireo.ko held no pages, objects or page references at its unload (leak=$vm_leak)"
	fi
	if [ "$vm_dmesg" != ok ] || [ "$vm_leak" = bad ]; then
		tr -d '\r' < "$logs/$tag.results" | grep '^# dmesg: \|^# leak: ' | tail -n 40
	fi
	vm_verdict "$logs/$tag.results" "$nonce" ||
		tail -n 30 "$logs/$tag.console" | sed 's/^/# console: /'
	stage_cost "$tag" "$t0"
}

# Bochs and QEMU (thread=single) each keep one CPU busy, so the VT-x
# stages, the clients stage, the refusals and the selftests (in that
# order: the lane is the shorter one) run beside the others, in a
# subshell whose results are replayed in order once the QEMU stages are
# done: on two CPUs make check then takes about as long as its QEMU stages
# alone.
# VIREO_CHECK_SERIAL=1 runs them one after the other.
run_lane() {
	account() {
		local f=$logs/$1.lane.tap
		cat > "$f"
		[ -z "${2:-}" ] ||
			awk -v tag="$1" -v start=0 -v keys="$2" -f scripts/tap.awk < "$f" > /dev/null
		printf 'A\t%s\t%s\n' "$1" "$f"
	}
	result() { printf 'R\t%s\t%s\n' "$1" "$2"; }
	stage_cost() {
		local d=$(( $(date +%s) - $2 ))
		echo "# time: $1 took $d s"
		printf 'C\t%s\t%s\n' "$1" "$d"
	}
	"$@"
}
replay_lane() {
	local line k x y
	while IFS= read -r line; do
		case $line in
		R$'\t'*) IFS=$'\t' read -r k x y <<< "$line"; result "$x" "$y" ;;
		A$'\t'*) IFS=$'\t' read -r k x y <<< "$line"; account "$x" < "$y" ;;
		C$'\t'*) IFS=$'\t' read -r k x y <<< "$line"
			costs="$costs$(printf '# %-28s %5d s (beside)' "$x" "$y")
" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done < "$1"
}
bochs_lane() {
	local st
	for st in $stages; do
		case $st in bochs-x86:*) run_stage "$st" ;; esac
	done
	[ -z "$clients_on" ] || run_clients
	run_refusals
	[ -z "$selftests_on" ] || run_selftests
}
run_refusals() {
	if echo "$stages" | grep -q bochs-x86 && [ -z "$progs" ] ||
	   { [ -n "${VIREO_CHECK_REFUSE:-}" ] && [ -z "${VIREO_CHECK_NO_VMX:-}" ]; }; then
		# The expected words as one grep pattern without spaces: the VM's
		# command line splits its arguments at spaces.
		t0=$(date +%s)
		for cm in corei5_lynnfield_750:unrestricted.guest, core2_penryn_t9600:EPT,; do
			model=${cm%%:*} want=${cm#*:} tag=refuse-$model
			nonce=$(vm_nonce)
			VIREO_VM_NONCE=$nonce VIREO_BOCHS_CPU=$model scripts/vm.sh \
				--platform bochs-x86 --mode none --quiet --smp 1 --mem 256 \
				--timeout 600 \
				--add kmod/vireo.ko:/vireo/refuse/vireo.ko \
				--add scripts/vm/vmx-refuse:/vireo/refuse/vmx-refuse \
				--console-log "$logs/$tag.console" \
				--results "$logs/$tag.results" \
				-- /vireo/refuse/vmx-refuse /vireo/refuse/vireo.ko "no.$want" \
				> "$logs/$tag.vm.log" 2>&1
			vm_sh=$?
			vm_verdict "$logs/$tag.results" "$nonce"
			{
				echo "# program: $model"
				vm_tap "$logs/$tag.results" "$nonce"
				echo "# exit: $vm_rc"
			} > "$logs/$tag.tap"
			account refuse < "$logs/$tag.tap"
			[ $vm_sh = 0 ] && r=ok || r=bad
			result $r "$tag/vm: finished with status 0 (scripts/vm.sh $vm_sh, verdict rc=$vm_rc)"
			result $vm_dmesg "$tag/vm: kernel log free of WARN/BUG/oops"
			if [ "$vm_leak" != none ]; then
				[ "$vm_leak" = ok ] && r=ok || r=bad
				result $r "$tag/vm: vireo.ko loaded after all, and held nothing at unload"
			fi
			if [ "$vm_dmesg" != ok ] || [ $vm_sh != 0 ]; then
				tr -d '\r' < "$logs/$tag.results" | grep '^# dmesg: ' | tail -n 40
				sed 's/^/# vm.sh: /' "$logs/$tag.vm.log" | tail -n 10
			fi
		done
		stage_cost vmx-refusals "$t0"
	fi
}
# The end of a stage that runs one VM per mode (clients, selftests): the
# VM's verdict, its kernel log and, on vireo.ko, what each load of the
# module held at its unload.
vm_end() { # TAG MODE NONCE VM_SH
	local r
	if vm_verdict "$logs/$1.results" "$3"; then r=ok; else r=bad; fi
	result $r "$1/vm: the VM finished in time and gave its verdict (scripts/vm.sh $4)"
	result $vm_dmesg "$1/vm: kernel log free of WARN/BUG/oops"
	if [ "$2" = vireo ]; then
		[ "$vm_leak" = ok ] && r=ok || r=bad
		result $r "$1/vm: every load of vireo.ko held nothing at its unload (leak=$vm_leak)"
	fi
	[ "$vm_dmesg" = ok ] ||
		tr -d '\r' < "$logs/$1.results" | grep '^# dmesg: ' | tail -n 40
}
# Unmodified KVM clients (tests/clients): Debian's QEMU and libvirt from
# the host's own root, in the --hostroot test VM, booting Debian's cloud
# kernel (scripts/vm/clients-guest.sh), on every mode: 5.0 minutes for
# vireo.ko and 6.5 for kvm.ko (2.5 of them one hung boot, retried) at load
# 4-8. Part of a whole run, beside the QEMU stages with the VT-x ones when
# they run; VIREO_CHECK_NO_CLIENTS=1 leaves it out, VIREO_CHECK_CLIENTS=1
# adds it to a narrowed run, VIREO_CHECK_CLIENT_TESTS narrows it ("qemu",
# "libvirt").
run_clients() {
	t0=$(date +%s)
	cdir=build/clients
	rm -rf "$cdir" && mkdir -p "$cdir"
	if ! { make -s modules-std && scripts/vm/clients-guest.sh "$cdir" &&
	       cp tests/clients/* "$cdir/"; } > "$logs/clients-build.log" 2>&1; then
		result bad "clients/build: vireo.ko for the standard kernel, the guest"
		tail -n 20 "$logs/clients-build.log" | sed 's/^/# /'
	else
		for m in $modes; do
			tag=clients-$m
			nonce=$(vm_nonce)
			# Four CPUs: QEMU's guest has four, and each spins less
			# when none has to wait for another to be scheduled.
			# kernel-irqchip=off is left out by default: QEMU 7.2
			# aborts there at once on kvm.ko, the reference
			# (tests/clients/qemu.sh).
			VIREO_VM_NONCE=$nonce scripts/vm.sh --hostroot --mode "$m" \
				--quiet --timeout 3600 --mem 2048 --smp 4 \
				--add "$cdir:/vireo/clients" \
				--console-log "$logs/$tag.console" \
				--results "$logs/$tag.results" -- \
				VIREO_CLIENT_TIMEOUT=${VIREO_CLIENT_TIMEOUT:-150} \
				VIREO_QEMU_SMP=${VIREO_QEMU_SMP:-4} \
				VIREO_LIBVIRT_VCPUS=${VIREO_LIBVIRT_VCPUS:-2} \
				VIREO_QEMU_MACHINES=\"${VIREO_QEMU_MACHINES:-q35 microvm}\" \
				VIREO_QEMU_IRQCHIPS=\"${VIREO_QEMU_IRQCHIPS:-on split}\" \
				/vireo/clients/run ${VIREO_CHECK_CLIENT_TESTS:-} \
				> "$logs/$tag.vm.log" 2>&1
			vm_sh=$?
			vm_tap "$logs/$tag.results" "$nonce" > "$logs/$tag.tap"
			account "$tag" < "$logs/$tag.tap"
			vm_end "$tag" "$m" "$nonce" "$vm_sh"
		done
	fi
	stage_cost clients "$t0"
}

# Linux 6.1's own KVM selftests (scripts/selftests.sh builds them once
# from linux-source-6.1, static, cached), x86_64 programs but those
# tests/selftests.list turns off (smm_test wedges the emulated test VM's
# kernel even on kvm.ko; the others cannot finish there even on kvm.ko),
# in one test VM per mode. One table: each test's result on kvm.ko and on
# vireo.ko; a test that passes on kvm.ko and fails, hangs or skips on
# vireo.ko fails the run, unless the list puts it out of scope. Part of a
# whole run (about 8 minutes for both modules); a run narrowed by
# VIREO_CHECK_PROGS leaves it out unless VIREO_CHECK_SELFTESTS=1 asks,
# VIREO_CHECK_NO_SELFTESTS=1 leaves it out of a whole run.
st_on=
if [ -n "$only_st" ] || [ -n "${VIREO_CHECK_SELFTESTS:-}" ]; then st_on=1
elif [ -n "$rest" ] && [ -z "$progs" ] && [ -z "${VIREO_CHECK_NO_SELFTESTS:-}" ]; then st_on=1
fi
selftests_on=
[ -z "$st_on" ] || [ -n "$only_vmx" ] || [ -z "$modes" ] || selftests_on=1
run_selftests() {
	t0=$(date +%s)
	if ! st=$(scripts/selftests.sh 2> "$logs/selftests-build.log" | tail -n1) ||
	   [ ! -d "$st/bin" ]; then
		result bad "selftests/build: Linux's KVM selftests from linux-source-6.1"
		tail -n 20 "$logs/selftests-build.log" | sed 's/^/# /'
	else
		# tests/selftests.list: "off" ones do not run unless named,
		# "scope" ones run but vireo.ko's result is not judged, "long"
		# ones get 360 s rather than 120.
		st_kind() { awk -v k="$1" '!/^#/ && $2 == k { print $1 }' tests/selftests.list | tr '\n' ' '; }
		st_off=$(st_kind off) st_scope=$(st_kind scope) st_long=$(st_kind long)
		st_list=${VIREO_CHECK_SELFTEST_PROGS:-$(for t in $(cat "$st/list"); do
			case " $st_off " in *" $t "*) ;; *) echo "$t" ;; esac
		done | tr '\n' ' ')}
		for m in $modes; do
			tag=selftests-$m
			nonce=$(vm_nonce)
			VIREO_VM_NONCE=$nonce scripts/vm.sh --platform qemu-x86 \
				--mode "$m" --quiet --timeout 3600 --mem 2048 \
				--add "$st/bin:/vireo/selftests" \
				--add scripts/vm/run-selftests:/vireo/run-selftests \
				--console-log "$logs/$tag.console" \
				--results "$logs/$tag.results" -- \
				VIREO_SELFTEST_TIMEOUT=${VIREO_SELFTEST_TIMEOUT:-120} \
				VIREO_SELFTEST_LONG=\"$st_long\" \
				/vireo/run-selftests $st_list > "$logs/$tag.vm.log" 2>&1
			vm_sh=$?
			tr -d '\r' < "$logs/$tag.results" |
				sed -n 's/^# selftest: \([^ ]*\) \([A-Z]*\)$/\1 \2/p' \
				> "$logs/$tag.res"
			vm_end "$tag" "$m" "$nonce" "$vm_sh"
		done
		res() { awk -v t="$1" '$1 == t { print $2 }' "$logs/selftests-$2.res"; }
		printf '# %-40s %-8s %-8s\n' test kvm.ko vireo.ko
		np_k=0 np_v=0 bad=0
		for t in $st_list; do
			k=$(res "$t" kvm) v=$(res "$t" vireo) note=
			case " $st_scope " in *" $t "*) note="out of scope" ;; esac
			printf '# %-40s %-8s %-8s %s\n' "$t" "${k:--}" "${v:--}" "$note"
			[ "$k" = PASS ] && np_k=$((np_k + 1))
			[ "$v" = PASS ] && np_v=$((np_v + 1))
			[ -z "$note" ] || continue
			case " $modes " in *" kvm "*) ;; *) continue ;; esac
			case " $modes " in *" vireo "*) ;; *) continue ;; esac
			if [ "$k" = PASS ] && [ "$v" != PASS ]; then
				result bad "selftests/$t: passes on kvm.ko, ${v:-no result} on vireo.ko"
				tr -d '\r' < "$logs/selftests-vireo.results" |
					awk -v t="selftests/$t" '
						/^(ok|not ok) / { on = ($3 == t || $4 == t); next }
						on && /^#   / { print }
						!/^#   / { on = 0 }' | head -n 8
				bad=$((bad + 1))
			fi
		done
		echo "# selftests: $(echo $st_list | wc -w) programs; pass on kvm.ko: $np_k, on vireo.ko: $np_v; not run (tests/selftests.list):$st_off"
		case " $modes " in
		*" kvm "*" vireo "*|*" vireo "*" kvm "*)
			[ $bad = 0 ] &&
				result ok "selftests: each test that passes on kvm.ko passes on vireo.ko, but those out of scope" ;;
		esac
	fi
	stage_cost selftests "$t0"
}
clients_on=
if [ -n "$rest" ] && [ -n "$modes" ] && { [ -n "${VIREO_CHECK_CLIENTS:-}" ] ||
	{ [ -z "$progs" ] && [ -z "${VIREO_CHECK_NO_CLIENTS:-}" ]; }; }; then
	clients_on=1
fi
lane=
if [ -z "${VIREO_CHECK_SERIAL:-}" ] && echo "$stages" | grep -q bochs-x86 &&
	echo "$stages" | grep -q qemu-; then
	lane=$logs/lane-bochs.out
	run_lane bochs_lane > "$lane" 2>&1 &
	lane_pid=$!
	echo "# the VT-x, clients and selftests stages run beside the QEMU ones; their results follow them"
fi
for st in $stages; do
	case $st in bochs-x86:*) [ -n "$lane" ] && continue ;; esac
	run_stage "$st"
done


if [ -n "$clients_on" ] && [ -z "$lane" ]; then
	run_clients
fi
if [ -n "$selftests_on" ] && [ -z "$lane" ]; then
	run_selftests
fi

if [ -n "$lane" ]; then
	wait "$lane_pid"
	replay_lane "$lane"
else
	run_refusals
fi

# Skip parity: a test may skip on vireo.ko only where it also skips on
# kvm.ko on the same platform (a skip that depends on the module under test
# hides what the module lacks).
for pair in qemu-x86:vireo:kvm qemu-x86-vmm:vmm-vireo:vmm-kvm \
	    qemu-x86-nohz:vireo-nohz:kvm-nohz \
	    bochs-x86:vmx-vireo:vmx-kvm qemu-arm64:arm64-vireo:arm64-kvm; do
	IFS=: read -r plat v k <<< "$pair"
	case " $stages " in *" $plat:vireo "*) ;; *) continue ;; esac
	vk=$(awk -F '\t' '$1 == "skip" { print $2 }' "$logs/$v.keys" | sort -u)
	case " $stages " in
	*" $plat:kvm "*) ;;
	*) [ -z "$vk" ] || echo "# $v: skip parity not judged: no kvm.ko stage in this run"
	   continue ;;
	esac
	odd=0
	while IFS= read -r key; do
		[ -n "$key" ] || continue
		got=$(K=$key awk -F '\t' '$2 == ENVIRON["K"] { s[$1] = 1 }
			END {
				if ("skip" in s) print "skipped"
				else if ("fail" in s) print "failed"
				else if ("pass" in s) print "passed"
				else print "absent"
			}' "$logs/$k.keys")
		[ "$got" = skipped ] && continue
		result bad "$v/$key: skipped on vireo.ko but $got on kvm.ko"
		odd=$((odd + 1))
	done <<< "$vk"
	[ $odd = 0 ] &&
		result ok "$v/skips: each of the $(printf '%s' "$vk" | grep -c .) skips on vireo.ko also skips on kvm.ko"
done

# VT-x refusals: Bochs CPU models whose VT-x lacks unrestricted guest
# (Nehalem) or EPT (Penryn); vireo.ko must not load, and say why in one
# line. Each VM's verdict is judged like the suite's: its kernel log, and a
# leak should the module load after all. VIREO_CHECK_REFUSE=1 runs them
# even when VIREO_CHECK_PROGS narrows the run.

echo "# stage costs (wall clock):"
printf '%s' "$costs"
printf '# %-28s %5d s\n' total $(( $(date +%s) - t_all ))
echo "1..$n"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ] && [ $n -gt 0 ]
