# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of kvm-irqchip.ko (objects are listed in ./Kbuild),
# its selftests, the demo and benchmark, style checks and the test VM.
# "make help" lists the targets and variables.

# Kbuild reads ./Kbuild; it only falls back to this file when that is gone.
ifneq ($(KERNELRELEASE),)
$(error ./Kbuild is missing)
endif

SHELL := /bin/bash
VM := tools/testing/vm
SELFTESTS_DIR := tools/testing/selftests/kvm-irqchip
DEMO_DIR := tools/kvm-irqchip

# Generated files: downloads and extracts are kept across "make clean".
KIC_CACHE ?= $(CURDIR)/.cache
KIC_BUILD ?= $(CURDIR)/build
override KIC_CACHE := $(abspath $(KIC_CACHE))
override KIC_BUILD := $(abspath $(KIC_BUILD))
export KIC_CACHE KIC_BUILD

# Kernel to build against: the running kernel's build tree on a real host,
# else the Debian headers matching the test VM's kernel.
KVER ?= $(shell uname -r)
ifeq ($(origin KDIR),undefined)
  ifneq ($(wildcard /lib/modules/$(KVER)/build/Makefile),)
    KDIR := /lib/modules/$(KVER)/build
  else
    KDIR := $(shell $(VM)/kdir.sh 2>/dev/null)
  endif
endif
# Release the headers are for (where modules_install puts the module).
KREL = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

KSFT_DIR := $(KIC_CACHE)/linux-source/tools/testing/selftests
CHECKPATCH := $(KIC_CACHE)/linux-source/scripts/checkpatch.pl
# Our C sources checked by checkpatch.
SOURCES = $(shell find virt arch include tools -name '*.[ch]' 2>/dev/null | sort)

# W=, C=, V= etc. given on the command line reach kbuild via MAKEFLAGS.
KBUILD = $(MAKE) -C $(KDIR) M=$(CURDIR)

.PHONY: all modules clean distclean install uninstall sparse checkpatch \
	selftests demo setup source check run bench help kdir check-debug \
	check-arm64 check-ppc64 check-cross debug-kernel headers_install install-udev uninstall-udev dkms-src

all: modules

kdir:
	@test -f "$(KDIR)/Makefile" || { echo "no kernel headers (KDIR='$(KDIR)');" \
		"run 'make setup' as root or set KDIR=" >&2; exit 1; }

modules: kdir
	$(KBUILD) modules

# Kbuild prints nothing from sparse on clean code; anything it prints fails.
sparse: kdir
	@mkdir -p $(KIC_BUILD)
	set -o pipefail; $(KBUILD) C=2 modules 2>&1 | tee $(KIC_BUILD)/sparse.log
	@! grep -E ': (warning|error):' $(KIC_BUILD)/sparse.log

# checkpatch.pl exits non-zero on any ERROR, WARNING or CHECK.
checkpatch: source
	@files="$(SOURCES)"; \
	if [ -z "$$files" ]; then echo "checkpatch: no sources"; exit 0; fi; \
	perl $(CHECKPATCH) --strict --no-tree --terse -f $$files

selftests: source
	@if [ -d $(SELFTESTS_DIR) ]; then \
		mkdir -p $(KIC_BUILD)/selftests && \
		$(MAKE) -C $(SELFTESTS_DIR) OUTPUT=$(KIC_BUILD)/selftests \
			KSFT_DIR=$(KSFT_DIR); \
	else echo "no $(SELFTESTS_DIR): no selftests to build"; fi

demo:
	@if [ -d $(DEMO_DIR) ]; then \
		mkdir -p $(KIC_BUILD)/tools && \
		$(MAKE) -C $(DEMO_DIR) OUTPUT=$(KIC_BUILD)/tools; \
	else echo "no $(DEMO_DIR): no demo to build"; fi

# Debian packages (as root, only the missing ones) and tarball extracts.
setup:
	$(VM)/setup.sh
source:
	@$(VM)/extract-source.sh

# All three boot the test VM (see tools/testing/vm/check.sh).
check:
	@MAKE="$(MAKE)" $(VM)/check.sh check
run:
	@MAKE="$(MAKE)" $(VM)/check.sh run
bench:
	@MAKE="$(MAKE)" $(VM)/check.sh bench

# The same on the debug kernel (KASAN, lockdep, kmemleak...), built once
# from linux-source-6.1 by debug-kernel.sh and cached in $(KIC_CACHE).
check-debug:
	@MAKE="$(MAKE)" $(VM)/check.sh check-debug
debug-kernel:
	@$(VM)/debug-kernel.sh

# "check" for arm64 and ppc64le: Debian's kernel of that architecture (the
# ABI of linux-headers-amd64) under qemu TCG, the module and the selftests
# cross-built against its headers (testing.rst, "The cross lanes").
check-arm64:
	@MAKE="$(MAKE)" $(VM)/check.sh check-arm64
check-ppc64:
	@MAKE="$(MAKE)" $(VM)/check.sh check-ppc64
check-cross:
	@MAKE="$(MAKE)" $(VM)/check.sh check-arm64
	@MAKE="$(MAKE)" $(VM)/check.sh check-ppc64

# Kbuild skips depmod when the headers lack System.map (Debian's do), so
# run it ourselves when installing to the live system.
DEPMOD = if [ -z "$(INSTALL_MOD_PATH)" ] && command -v depmod >/dev/null; \
	then depmod -a $(KREL); fi

install: modules
	$(KBUILD) modules_install
	@$(DEPMOD)

uninstall: kdir
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(KREL)/$(or $(INSTALL_MOD_DIR),extra)/kvm-irqchip.ko*
	@$(DEPMOD)

# The uapi header for VMMs: $(INSTALL_HDR_PATH)/include/linux/kvm_irqchip.h
# (the kernel's headers_install layout; default ./usr as the kernel's).
INSTALL_HDR_PATH ?= $(CURDIR)/usr
headers_install:
	install -D -m 0644 include/uapi/linux/kvm_irqchip.h \
		$(DESTDIR)$(INSTALL_HDR_PATH)/include/linux/kvm_irqchip.h

# /dev/kvm-irqchip as /dev/kvm (root:kvm 0660) and the modprobe.d example.
UDEV_RULES_DIR ?= /etc/udev/rules.d
MODPROBE_DIR ?= /etc/modprobe.d
install-udev:
	install -D -m 0644 packaging/udev/65-kvm-irqchip.rules \
		$(DESTDIR)$(UDEV_RULES_DIR)/65-kvm-irqchip.rules
	@if [ ! -e $(DESTDIR)$(MODPROBE_DIR)/kvm-irqchip.conf ]; then \
		install -D -m 0644 packaging/modprobe.d/kvm-irqchip.conf \
			$(DESTDIR)$(MODPROBE_DIR)/kvm-irqchip.conf; fi
	@if [ -z "$(DESTDIR)" ] && command -v udevadm >/dev/null; then \
		udevadm control --reload-rules && \
		udevadm trigger -s misc --sysname-match=kvm-irqchip; fi
uninstall-udev:
	rm -f $(DESTDIR)$(UDEV_RULES_DIR)/65-kvm-irqchip.rules

# The module's sources where dkms wants them: /usr/src/<name>-<version>.
DKMS_VERSION = $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC = $(DESTDIR)/usr/src/kvm-irqchip-$(DKMS_VERSION)
dkms-src:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -r dkms.conf Kbuild Makefile virt arch include $(DKMS_SRC)/
	find $(DKMS_SRC) -name '*.o' -o -name '*.cmd' -o -name '*.ko' | xargs rm -f

# Not Kbuild's "M=... clean": it walks the whole directory, .cache/ (the
# debug kernel's build tree) included.  What the module build leaves, where
# it leaves it:
KBUILD_LEFTOVERS := -name '*.o' -o -name '*.ko' -o -name '*.mod' \
	-o -name '*.mod.c' -o -name '.*.cmd' -o -name '*.symvers' \
	-o -name modules.order -o -name '*.dwo' -o -name '*.su' -o -name '.*.d'
clean:
	find . -maxdepth 1 -type f \( $(KBUILD_LEFTOVERS) \) -delete
	find virt arch -type f \( $(KBUILD_LEFTOVERS) \) -delete
	rm -rf $(KIC_BUILD)

distclean: clean
	rm -rf $(KIC_CACHE)

help:
	@echo 'Targets:'
	@echo '  modules (default)  build kvm-irqchip.ko'
	@echo '  install/uninstall  modules_install (+depmod) / remove it'
	@echo '  headers_install    the uapi header into $$(INSTALL_HDR_PATH)/include'
	@echo '  install-udev       udev rule (root:kvm 0660) + modprobe.d example'
	@echo '  dkms-src           sources to /usr/src/kvm-irqchip-<ver> for dkms'
	@echo '  sparse             build with C=2; fails on any sparse output'
	@echo '  checkpatch         checkpatch --strict on virt/ arch/ include/ tools/'
	@echo '  selftests, demo    static binaries into $$(KIC_BUILD)/{selftests,tools}'
	@echo '                     (demo: the demo and the benchmark)'
	@echo '  setup              install missing Debian packages (root)'
	@echo '  check              build all, run every selftest in the test VM'
	@echo '  run                build, run the demo in the test VM'
	@echo '  bench              build, run the benchmark in the test VM'
	@echo '                     (bridge vs KVM irqfd injection rates)'
	@echo '  check-debug        check on the debug kernel (KASAN, lockdep,'
	@echo '                     kmemleak...); builds it once (~4-10 min)'
	@echo '  debug-kernel       build it only; prints its tree (a KDIR)'
	@echo '  check-arm64        check on Debian'"'"'s arm64 kernel (qemu TCG),'
	@echo '  check-ppc64        on its ppc64el one; module and selftests'
	@echo '                     cross-built; check-cross: both'
	@echo '  clean, distclean   remove build output (distclean: also the cache)'
	@echo 'Variables: KDIR KVER W= C= V= KIC_CACHE KIC_BUILD INSTALL_MOD_PATH'
	@echo 'Env for check/run/bench: KIC_ACCEL=kvm|tcg KIC_VM_TIMEOUT KIC_TEST_TIMEOUT'
	@echo '  KIC_VM_CPUS KIC_VM_MEM KIC_MODULE_KO KIC_TESTS_DIR KIC_DEMO KIC_BENCH'
