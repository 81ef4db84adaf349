# SPDX-License-Identifier: GPL-2.0
#
# drm-msvm developer entry points.
#
#   make            build drm_msvm.ko, vsvm.ko, the KUnit test modules and
#                   the igt binaries (against the rig kernel unless KDIR=)
#   make run        boot the QEMU rig with the modules loaded, run the demo
#                   (demo/) and print its output; CMD='...' runs that in
#                   the guest instead
#   make shell      boot the rig, run the demo, then an interactive shell
#   make check      static checks, then every KUnit suite and igt test in
#                   the rig; fails on any failed test or kernel report
#   make check-all  check-dkms, check-patches, check-plain-6.12,
#                   check-kunit-py, then make check (what CI runs)
#   make static     the static checks alone
#   make igt-selftest  the igt library's self-test, on the host
#   make igt-api-check  compile the igt sources against IGT master's core
#                   API (igt/api-check/igt.h, pinned)
#   make api-check  compile a driver-shaped file written against upstream's
#                   drm_gpusvm/drm_pagemap/drm_pagemap_util API against
#                   include/drm (tools/api-check.sh)
#   make test       the rig tests alone; ONLY='name ...' runs only those
#                   KUnit modules / igt binaries, SEED=N replays a seed
#   make stress     the adversarial harness (fuzzer, torture, fault
#                   injection) for DURATION seconds (default 600) in the
#                   rig, SEED=N to replay
#   make check-dkms  dkms add + dkms build of both modules against KDIR,
#                   in a private DKMS tree under build/dkms
#   make patches    the upstream series against the rig's kernel source,
#                   in build/patches (tools/patches/series says what goes
#                   in which patch)
#   make check-patches  generate the series, apply it patch by patch to a
#                   copy of the source, checkpatch --strict and build
#                   each step
#   make check-kunit-py  the KUnit suites with the kernel's kunit.py
#                   (--arch=x86_64, QEMU) in a copy of the rig's source with
#                   the series applied; the kernel build is cached
#   make check-plain-6.12  build the modules against mainline 6.12's
#                   drm_buddy_* API (Debian's 6.12 has gpu_buddy_*)
#   make dkms-src   stage the DKMS source tree in build/dkms/src (needs no
#                   kernel)
#   make bench      build the non-debug (bench) flavour of the rig kernel
#                   and the modules against it (in build/bench-src), boot
#                   it with vsvm and the kernel's test_hmm.ko, run every
#                   data path of both (bench/vsvm_bench.c) and write the
#                   table, results.csv, results.json and bench.png to
#                   build/bench; SIZES=16,64,256 (MiB) REPS=3
#                   LAT_SAMPLES=64 PATHS=name,... THP=on|off choose what
#                   runs, REV=<git rev> benchmarks that revision's
#                   modules (tools/rig/bench.sh)
#   make clean

# KDIR: the kernel build to build against. Default: the rig kernel, built
# once and cached under ~/.cache/drm-msvm/ by tools/rig/build-kernel.sh.
# Goals that need no kernel do not build one.
NO_KDIR_GOALS := dkms-src igt-api-check igt-selftest check-kunit-py bench
ifeq ($(KDIR)$(if $(MAKECMDGOALS),$(filter-out $(NO_KDIR_GOALS),$(MAKECMDGOALS)),all),)
else ifeq ($(KDIR),)
KDIR := $(shell tools/rig/build-kernel.sh)
ifeq ($(KDIR),)
$(error the rig kernel build failed, see above)
endif
endif
export KDIR

BUILD_DIR ?= $(CURDIR)/build
export BUILD_DIR

.PHONY: all modules igt demo igt-selftest run shell check check-all check-fabric static test stress \
	check-dkms dkms-src patches check-patches igt-api-check api-check \
	check-kunit-py \
	check-plain-6.12 bench clean

all: modules igt demo

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

igt:
	$(MAKE) -C igt O=$(BUILD_DIR)/igt

demo:
	$(MAKE) -C demo O=$(BUILD_DIR)/demo

run: all
	tools/rig/run.sh $(if $(CMD),--cmd "$(CMD)",--demo)

shell: all
	tools/rig/run.sh

static:
	tools/check-static.sh

RIG_TEST_OPTS = $(if $(ONLY),--only "$(ONLY)") $(if $(SEED),--seed $(SEED))
DURATION ?= 600

test: all
	tools/rig/run.sh --test $(RIG_TEST_OPTS)

stress: all
	tools/rig/run.sh --stress $(DURATION) $(RIG_TEST_OPTS)

# The igt library's own tests run on the host.
igt-selftest:
	$(MAKE) -C igt O=$(BUILD_DIR)/igt selftest

check-dkms:
	tools/dkms.sh check $(KDIR)

dkms-src:
	tools/dkms.sh src

patches:
	tools/patches/mkseries.sh

check-patches:
	tools/patches/check-series.sh

check-kunit-py:
	tools/kunit-py.sh

check-plain-6.12:
	tools/compat/plain-6.12.sh

# The benchmark boots its own kernel flavour and builds its own modules.
bench:
	SIZES=$(SIZES) REPS=$(REPS) LAT_SAMPLES=$(LAT_SAMPLES) PATHS=$(PATHS) \
		THP=$(THP) REV=$(REV) tools/rig/bench.sh

# The igt sources build unchanged against IGT master's forms of the core API.
igt-api-check:
	$(MAKE) -C igt O=$(BUILD_DIR)/igt api-check

# A driver written for upstream's API builds against ours.
api-check:
	tools/api-check.sh

check: static igt-selftest igt-api-check api-check test

# Read replicas and access counters on four devices of one owner group:
# the rig's PCI P2P pair is two, so four system-memory devices on a fabric.
check-fabric: all
	tools/rig/run.sh --test --only "vsvm_readmostly vsvm_access" \
		--sysmem-devices 4 --vsvm-params fabric=f0 --expect-group 4 \
		$(if $(SEED),--seed $(SEED))

# CI: the packaging and compatibility checks, kunit.py, then the tests.
check-all: check-dkms check-patches check-plain-6.12 check-kunit-py check \
	check-fabric

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD_DIR)
