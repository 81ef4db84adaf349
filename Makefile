# SPDX-License-Identifier: GPL-2.0
#
# drm-msvm developer entry points.
#
#   make            build drm_msvm.ko, vsvm.ko, the KUnit test modules and
#                   the igt binaries (against the rig kernel unless KDIR=)
#   make run        boot the QEMU rig with the modules loaded, run the demo
#                   (or CMD='...' in the guest, or a shell)
#   make check      static checks, then every KUnit suite and igt test in
#                   the rig; fails on any failed test or kernel report
#   make static     the static checks alone
#   make igt-selftest  the igt library's self-test, on the host
#   make test       the rig tests alone
#   make clean

# KDIR: the kernel build to build against. Default: the rig kernel, built
# once and cached under ~/.cache/drm-msvm/ by tools/rig/build-kernel.sh.
ifeq ($(KDIR),)
KDIR := $(shell tools/rig/build-kernel.sh)
ifeq ($(KDIR),)
$(error the rig kernel build failed, see above)
endif
endif
export KDIR

BUILD_DIR ?= $(CURDIR)/build
export BUILD_DIR

.PHONY: all modules igt igt-selftest run check static test clean

all: modules igt

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

igt:
	$(MAKE) -C igt O=$(BUILD_DIR)/igt

run: all
	tools/rig/run.sh $(if $(CMD),--cmd "$(CMD)")

static:
	tools/check-static.sh

test: all
	tools/rig/run.sh --test

# The igt library's own tests run on the host.
igt-selftest:
	$(MAKE) -C igt O=$(BUILD_DIR)/igt selftest

check: static igt-selftest test

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD_DIR)
