# SPDX-License-Identifier: GPL-2.0
#
# make            build kmod/vireo.ko, the vireo VMM and the tests
# make check      host unit tests, then the in-VM suite on vireo.ko and kvm.ko
# make check-vmx  only the suite's VT-x stage (Bochs, tests/vm/vmx.list)
# make check-selftests  only Linux 6.1's KVM selftests, on vireo.ko and kvm.ko
# make modules-arm64 / tests-arm64  vireo.ko and the in-VM programs for the
#                 arm64 test VM (cross-built; scripts/vm.sh --platform qemu-arm64)
# make check-vmx-full  the VT-x stage plus the VMM booting Debian's kernel
# make bench      benchmarks on both modules in one test VM, with ratios
# make bench-vmx  the exit benchmarks on VT-x (Bochs), vireo.ko vs kvm_intel
# make bench-arm64  the arm64 exit and boot benchmarks, vireo.ko vs the
#                 kernel's built-in KVM (qemu-arm64 test VM)
# make profile    VMM boots on each module, traced alike: exits, time, faults side by side
# make vmm-arm64  the VMM cross-compiled static for arm64 (vmm/vireo-arm64)
# make setup      install Debian packages and fetch the test kernel
# make install    vireo.ko under /lib/modules/KVER/extra with depmod, its
#                 modprobe.d options and udev rule (DESTDIR to stage; dkms.conf
#                 for DKMS)
# make fuzz       replay every fuzz target's committed inputs, then fuzz each
#                 for FUZZ_SECONDS (default 300; make check runs them briefly)
#
# KDIR selects the kernel headers the module is built against: the running
# kernel's build directory when it exists, else the test kernel's headers.

TOP       := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CACHE     ?= $(TOP)/.cache
TEST_ABI   = $(notdir $(realpath $(CACHE)/kernel/current))
TEST_KDIR  = /usr/src/linux-headers-$(TEST_ABI)
RUN_KDIR  := /lib/modules/$(shell uname -r)/build
KDIR      ?= $(if $(wildcard $(RUN_KDIR)/Makefile),$(RUN_KDIR),$(TEST_KDIR))

export CACHE

.PHONY: all modules modules-std modules-debug modules-arm64 tests-arm64 sparse-arm64 vmm vmm-arm64 \
	tests check check-host check-vm bench setup \
	clean clean-modules install uninstall sparse checkpatch demo check-vmx check-vmx-full check-selftests \
	bench-vmx bench-arm64 fuzz profile

all: modules vmm tests

modules:
	$(MAKE) -C $(KDIR) M=$(TOP) modules

# The same module for Debian's standard kernel flavour (vm.sh --hostroot),
# built in a copy of the tree: 6.1's Kbuild cannot put an external module's
# objects elsewhere.
STD_KDIR = /usr/src/linux-headers-$(notdir $(realpath $(CACHE)/kernel/standard))
modules-std:
	rm -rf build/std && mkdir -p build/std
	find Kbuild kmod uapi \( -name Kbuild -o -name '*.[chS]' \) \
		! -name '*.mod.c' | cpio -pdm --quiet build/std
	$(MAKE) -C $(STD_KDIR) M=$(TOP)/build/std modules

# The same module for the debug kernel of make check's debug stage
# (scripts/debug-kernel.sh builds that kernel once and caches it), in a copy
# of the tree for the same reason.
modules-debug:
	rm -rf build/debug && mkdir -p build/debug
	find Kbuild kmod uapi \( -name Kbuild -o -name '*.[chS]' \) \
		! -name '*.mod.c' | cpio -pdm --quiet build/debug
	dkdir=$$(scripts/debug-kernel.sh | tail -n1) && \
		$(MAKE) -C $$dkdir/build M=$(TOP)/build/debug modules

# The same module for Debian's arm64 cloud kernel (the qemu-arm64 test VM),
# cross-built in a copy of the tree against the arm64 headers setup.sh
# extracts into the cache: Kbuild then picks the arm64 backend.
ARM64_ABI  = $(notdir $(realpath $(CACHE)/kernel/arm64))
ARM64_KDIR = $(CACHE)/kernel/arm64/root/usr/src/linux-headers-$(ARM64_ABI)
ARM64_MAKE = $(MAKE) -C $(ARM64_KDIR) ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
modules-arm64:
	rm -rf build/arm64 && mkdir -p build/arm64
	find Kbuild kmod uapi \( -name Kbuild -o -name '*.[chS]' \) \
		! -name '*.mod.c' | cpio -pdm --quiet build/arm64
	$(ARM64_MAKE) M=$(TOP)/build/arm64 modules

# The arm64 in-VM programs (tests/vm/arm64), static arm64 binaries.
tests-arm64:
	$(MAKE) -C tests/vm/arm64

# Kernel style: sparse over the module, then checkpatch on every file.
sparse:
	$(MAKE) -C $(KDIR) M=$(TOP) C=2 modules

# sparse over the arm64 build (its own copy of the tree, as modules-arm64).
sparse-arm64: modules-arm64
	$(ARM64_MAKE) M=$(TOP)/build/arm64 C=2 modules

# ENOSYS: KVM's ABI gives it a meaning beyond "no such system call" (on
# arm64, a guest's MMIO access without a valid syndrome).
checkpatch:
	$(CACHE)/checkpatch/checkpatch.pl --no-tree --quiet --strict \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES,ENOSYS -f \
		$(shell find kmod uapi -name '*.[chS]' ! -name '*.mod.c' | sort)

vmm:
	$(MAKE) -C vmm

# Debian's arm64 libfdt.a first (scripts/arm64-libs.sh, cached in .cache).
vmm-arm64:
	scripts/arm64-libs.sh
	$(MAKE) -C vmm ARCH=arm64

tests:
	$(MAKE) -C tests/vm
	$(MAKE) -C tests/vm/guest
	$(MAKE) -C tests/bench
	$(MAKE) -C tests/unit

setup:
	scripts/setup.sh

# Deeper campaigns than make check's: corpora grow in build/fuzz/ from run
# to run; `make -C tests/fuzz merge T=fuzz_x` folds one back into seeds/.
FUZZ_SECONDS ?= 300
fuzz:
	$(MAKE) -C tests/fuzz replay
	$(MAKE) -C tests/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

# The in-VM suite runs on the test kernel, so the module is built against
# its headers whatever KDIR says.
check: setup
	$(MAKE) modules KDIR=$(TEST_KDIR)
	$(MAKE) vmm tests
	scripts/check.sh

bench: setup
	$(MAKE) modules KDIR=$(TEST_KDIR)
	$(MAKE) vmm tests
	scripts/bench.sh

# VT-x runs in Bochs (scripts/vm.sh --platform bochs-x86), ~100x slower than
# QEMU: check-vmx is make check's VT-x stage alone; check-vmx-full adds the
# VMM's boot test (tests/vm/vmm_boot.sh), too slow for every run.
check-vmx check-vmx-full: setup
	$(MAKE) modules KDIR=$(TEST_KDIR)
	$(MAKE) vmm tests
	VIREO_CHECK_ONLY_VMX=1 $(if $(filter check-vmx-full,$@),VIREO_CHECK_VMX_FULL=1) \
		scripts/check.sh

# Linux 6.1's own KVM selftests on vireo.ko and kvm.ko, nothing else
# (make check's selftests stage alone).
check-selftests: setup
	$(MAKE) modules KDIR=$(TEST_KDIR)
	VIREO_CHECK_ONLY_SELFTESTS=1 scripts/check.sh

bench-vmx: setup
	$(MAKE) modules KDIR=$(TEST_KDIR)
	$(MAKE) vmm tests
	scripts/bench.sh --vmx

# The arm64 benchmarks (tests/bench/arm64) in the qemu-arm64 test VM,
# vireo.ko against the kernel's built-in KVM, one boot per module and round.
bench-arm64: setup modules-arm64 vmm-arm64
	$(MAKE) -C tests/bench/arm64
	scripts/bench.sh --arm64

profile: setup
	$(MAKE) modules KDIR=$(TEST_KDIR)
	$(MAKE) vmm tests
	scripts/profile.sh

demo: setup
	$(MAKE) modules KDIR=$(TEST_KDIR)
	$(MAKE) vmm tests
	scripts/demo.sh

# Installed as a distribution installs a module: under the kernel the
# module was built for (its vermagic, so KDIR picks the kernel), with
# depmod, so `modprobe vireo` works; the modprobe.d options (devkvm=1) and
# the udev rule for /dev/kvm come with it. DESTDIR stages it elsewhere.
KVER = $(firstword $(shell modinfo -F vermagic kmod/vireo.ko 2>/dev/null))
INSTALLED = $(DESTDIR)/lib/modules/$(KVER)/extra/vireo.ko \
	$(DESTDIR)/etc/modprobe.d/vireo.conf \
	$(DESTDIR)/etc/udev/rules.d/65-vireo-kvm.rules
install: modules
	install -D -m 0644 kmod/vireo.ko $(DESTDIR)/lib/modules/$(KVER)/extra/vireo.ko
	install -D -m 0644 scripts/modprobe.d/vireo.conf $(DESTDIR)/etc/modprobe.d/vireo.conf
	install -D -m 0644 scripts/udev/65-vireo-kvm.rules \
		$(DESTDIR)/etc/udev/rules.d/65-vireo-kvm.rules
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

uninstall:
	@test -n "$(KVER)" || { echo "uninstall: build kmod/vireo.ko first (it names the kernel)" >&2; exit 1; }
	rm -f $(INSTALLED)
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

# Not Kbuild's external-module clean: it deletes every *.ko below M=, and
# below this tree lie the test kernels' modules (.cache/kernel). The
# module's build outputs go by name, under kmod/ and at the top only.
KMOD_OUTPUTS = -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
	-o -name '.*.cmd' -o -name '.*.d' -o -name '*.o.d' -o -name modules.order
clean-modules:
	find kmod uapi -type f \( $(KMOD_OUTPUTS) \) -delete
	rm -f Module.symvers modules.order .Module.symvers.cmd .modules.order.cmd
	rm -rf .tmp_versions

clean: clean-modules
	$(MAKE) -C vmm clean
	$(MAKE) -C tests/vm clean
	$(MAKE) -C tests/vm/arm64 clean
	$(MAKE) -C tests/bench/arm64 clean
	$(MAKE) -C tests/bench clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tests/fuzz clean
	rm -rf build
