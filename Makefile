# SPDX-License-Identifier: GPL-2.0
#
# make            build kmod/vireo.ko, the vireo VMM and the tests
# make check      host unit tests, then the in-VM suite on vireo.ko and kvm.ko
# make bench      benchmarks on both modules in one test VM, with ratios
# make setup      install Debian packages and fetch the test kernel
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

.PHONY: all modules modules-std vmm tests check check-host check-vm bench setup clean \
	sparse checkpatch demo

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

# Kernel style: sparse over the module, then checkpatch on every file.
sparse:
	$(MAKE) -C $(KDIR) M=$(TOP) C=2 modules

checkpatch:
	$(CACHE)/checkpatch/checkpatch.pl --no-tree --quiet --strict \
		--ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES -f \
		$(shell find kmod uapi -name '*.[chS]' | sort)

vmm:
	$(MAKE) -C vmm

tests:
	$(MAKE) -C tests/vm
	$(MAKE) -C tests/bench
	$(MAKE) -C tests/unit

setup:
	scripts/setup.sh

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

demo: setup
	$(MAKE) modules KDIR=$(TEST_KDIR)
	$(MAKE) vmm tests
	scripts/demo.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C vmm clean
	$(MAKE) -C tests/vm clean
	$(MAKE) -C tests/bench clean
	$(MAKE) -C tests/unit clean
	rm -rf build
