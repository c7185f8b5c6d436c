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
# (make check-vmx-full).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logs=$top/build/logs
mkdir -p "$logs"
modes=${VIREO_CHECK_MODES-vireo kvm}
progs=${VIREO_CHECK_PROGS:-}
n=0 pass=0 fail=0 skip=0

echo "TAP version 13"

# Feed one framed TAP stream through tap.awk and add up its counts.
account() {
	local tag=$1 out counts
	out=$(awk -v tag="$tag" -v start=$n -f scripts/tap.awk)
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

only_vmx=${VIREO_CHECK_ONLY_VMX:-}

# Host unit tests.
if [ -z "$only_vmx" ]; then
	{
		if ! make -s -k -C tests/unit all > "$logs/unit-build.log" 2>&1; then
			echo "# program: build"
			echo "# exit: 1"
		fi
		for p in tests/unit/bin/*; do
			[ -x "$p" ] || continue
			echo "# program: $(basename "$p")"
			"$p" 2>&1
			echo "# exit: $?"
		done
	} > "$logs/unit.tap" 2>&1
	account host < "$logs/unit.tap"
	[ -s "$logs/unit-build.log" ] && grep -q 'Error' "$logs/unit-build.log" &&
		sed 's/^/# /' "$logs/unit-build.log" | tail -n 20
fi

# Fuzz targets, a bounded time each.
if [ -z "$only_vmx" ] && [ -f tests/fuzz/Makefile ]; then
	make -s -C tests/fuzz run > "$logs/fuzz.log" 2>&1
	fz=$?
	sed -n 's/^# fuzz: //p' "$logs/fuzz.log" | sed 's/^/# /'
	[ $fz = 0 ] && r=ok || { r=bad; tail -n 40 "$logs/fuzz.log" | sed 's/^/# /'; }
	result $r "host/fuzz: every libFuzzer target ran its time without a crash"
fi

# The in-VM suite, once per platform and module. AMD-V (QEMU) runs every
# program; VT-x (Bochs, ~100x slower) runs those listed in tests/vm/vmx.list,
# and with VIREO_CHECK_VMX_FULL also the VMM's boot test, whose guest kernel
# the Bochs platform does not carry by default.
stages=
[ -z "$only_vmx" ] && for m in $modes; do stages="$stages qemu-x86:$m"; done
# The debug stage: vireo.ko, the programs of tests/vm/debug.list,
# under a kernel with KASAN, lockdep, DEBUG_ATOMIC_SLEEP, kmemleak, SLUB
# debug and page poisoning (scripts/debug-kernel.sh, built once and cached):
# any report fails it. VIREO_CHECK_NO_DEBUG=1 leaves it out;
# VIREO_CHECK_DEBUG_MODES="vireo kvm" adds kvm.ko built with that kernel.
if [ -z "$only_vmx" ] && [ -z "${VIREO_CHECK_NO_DEBUG:-}" ] &&
	[ -f tests/vm/debug.list ]; then
	for m in ${VIREO_CHECK_DEBUG_MODES:-vireo}; do
		case " $modes " in *" $m "*) stages="$stages qemu-x86-debug:$m" ;; esac
	done
fi
if [ -f tests/vm/vmx.list ] && [ -z "${VIREO_CHECK_NO_VMX:-}" ]; then
	for m in $modes; do stages="$stages bochs-x86:$m"; done
fi
vmx_kernel=$(ls "${CACHE:-$top/.cache}"/kernel/current/root/boot/vmlinuz-* 2>/dev/null | head -n1)
for st in $stages; do
	plat=${st%%:*} m=${st#*:}
	case $plat in
	# 2 GiB: tests/vm/memory.c runs a guest over a 1 GiB slot.
	qemu-x86) tag=$m opts=(--timeout 900 --mem 2048) list=$progs ;;
	qemu-x86-debug) tag=debug-$m opts=(--timeout 2400 --mem 2048)
		list=$(grep -v '^#' tests/vm/debug.list | tr '\n' ' ')
		if [ -n "$progs" ]; then
			list=$(for p in $progs; do
				case " $list " in *" $p "*) echo "$p" ;; esac
			done | tr '\n' ' ')
			# None of the named programs is for this stage.
			[ -n "${list// /}" ] || continue
		fi
		if ! { scripts/debug-kernel.sh && make -s modules-debug; } \
			> "$logs/debug-build.log" 2>&1; then
			result bad "$tag/build: the debug kernel and vireo.ko for it"
			tail -n 30 "$logs/debug-build.log" | sed 's/^/# /'
			continue
		fi ;;
	bochs-x86) tag=vmx-$m opts=(--timeout 1200 --mem 256 --smp 1)
		list=${progs:-$(grep -v '^#' tests/vm/vmx.list | tr '\n' ' ')}
		if [ -n "${VIREO_CHECK_VMX_FULL:-}" ]; then
			# The VMM's guest gets 256 MiB of its own.
			opts=(--timeout 2400 --mem 768 --smp 1
			      --add "$vmx_kernel:/vireo/kernel/vmlinuz")
			list="$list vmm_boot.sh"
		fi ;;
	esac
	scripts/vm.sh --platform "$plat" --mode "$m" --quiet "${opts[@]}" \
		--console-log "$logs/$tag.console" --results "$logs/$tag.results" \
		-- /vireo/run-suite $list
	vm_rc=$?
	tr -d '\r' < "$logs/$tag.results" | grep -v '^# dmesg: ' > "$logs/$tag.tap"
	account "$tag" < "$logs/$tag.tap"
	# Under Bochs a burst on the results line can lose bytes before the
	# status line: find it anywhere in a line.
	vm=$(tr -d '\r' < "$logs/$tag.results" | sed -n 's/^.*VIREO-VM: //p' | tail -n1)
	rc=none dmesg=bad unload=bad leak=bad
	[ -n "$vm" ] && eval "$vm"
	[ -n "$vm" ] && r=ok || r=bad
	result $r "$tag/vm: the VM finished in time (harness status $vm_rc)"
	result $dmesg "$tag/vm: kernel log free of WARN/BUG/oops"
	result $unload "$tag/vm: modules unload"
	if [ "$m" = vireo ]; then
		result $leak "$tag/vm: no pages or objects held at unload"
	fi
	if [ "$dmesg" != ok ]; then
		tr -d '\r' < "$logs/$tag.results" | grep '^# dmesg: ' | tail -n 40
	fi
	[ -n "$vm" ] || tail -n 30 "$logs/$tag.console" | sed 's/^/# console: /'
done

# VT-x refusals: Bochs CPU models whose VT-x lacks unrestricted guest
# (Nehalem) or EPT (Penryn); vireo.ko must not load, and say why in one line.
if echo "$stages" | grep -q bochs-x86 && [ -z "$progs" ]; then
	# The expected words as one grep pattern without spaces: the VM's
	# command line splits its arguments at spaces.
	for cm in corei5_lynnfield_750:unrestricted.guest, core2_penryn_t9600:EPT,; do
		model=${cm%%:*} want=${cm#*:}
		VIREO_BOCHS_CPU=$model scripts/vm.sh --platform bochs-x86 \
			--mode none --quiet --smp 1 --mem 256 --timeout 600 \
			--add kmod/vireo.ko:/vireo/refuse/vireo.ko \
			--add scripts/vm/vmx-refuse:/vireo/refuse/vmx-refuse \
			--console-log "$logs/refuse-$model.console" \
			--results "$logs/refuse-$model.results" \
			-- /vireo/refuse/vmx-refuse /vireo/refuse/vireo.ko "no.$want" \
			> /dev/null 2>&1
		{
			echo "# program: $model"
			tr -d '\r' < "$logs/refuse-$model.results" |
				grep -v '^# dmesg: \|VIREO-VM: '
			echo "# exit: 0"
		} > "$logs/refuse-$model.tap"
		account "refuse" < "$logs/refuse-$model.tap"
	done
fi

echo "1..$n"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ] && [ $n -gt 0 ]
