// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm link emulation: what bytes cost on the way to or from a device.
 *
 * A real GPU reaches memory outside its own VRAM (system memory, a peer's
 * VRAM) over a link, PCIe or a fabric, many times slower than its VRAM: a
 * PCIe 4.0 x16 link moves about 25 GB/s where VRAM moves 500 to 3000 GB/s.
 * That difference is what makes a driver migrate memory to the GPU that
 * uses it (access counters) rather than let it read in place. An emulated
 * device reads every kind of memory with the same CPU loads, so without a
 * model of the link, remote memory is exactly as fast as local memory.
 *
 * The module parameter link_mib_per_s, when non-zero, makes each byte that
 * crosses a device's link cost 1 / link_mib_per_s seconds per MiB on top of
 * the emulation's own time: the executor's in-place accesses to memory that
 * is not the device's own VRAM (slept once at the end of the EXEC, outside
 * every lock), and the copy engine's copies with a side outside its VRAM
 * (slept at the end of each copy list, in the thread that runs it: the
 * caller of a synchronous copy, which holds what the copy holds, or the
 * engine's worker). The link is modelled as a delay of the work that used
 * it, not as a resource shared between devices. Default 0: no model, every byte is as
 * fast as the CPU moves it (the data-path benchmarks compare software
 * overhead with test_hmm, which has no link either).
 *
 * Counters: dri/<device>/counters has none of its own; the time shows in
 * the work's duration only.
 *
 * Locking: none; link_mib_per_s is read once per transfer.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <kunit/visibility.h>

#include "vsvm_link.h"

static unsigned int link_mib_per_s;
module_param(link_mib_per_s, uint, 0644);
MODULE_PARM_DESC(link_mib_per_s,
		 "Emulated link bandwidth in MiB/s for in-place accesses and copies outside the device's VRAM; 0: not emulated (default 0)");

/**
 * vsvm_link_ns() - the time @bytes take over a link
 * @bytes: bytes moved
 * @mib_per_s: the link's bandwidth in MiB/s, 0 for none
 *
 * Return: nanoseconds, at least 1 for any byte; 0 for no link; U64_MAX
 * for more than 584 years.
 */
u64 vsvm_link_ns(u64 bytes, unsigned int mib_per_s)
{
	u64 per_s = (u64)mib_per_s << 20;

	if (!mib_per_s || !bytes)
		return 0;
	/* The quotient below must fit in 64 bits. */
	if (div64_u64(bytes, per_s) >= div64_u64(U64_MAX, NSEC_PER_SEC))
		return U64_MAX;
	return max(mul_u64_u64_div_u64(bytes, NSEC_PER_SEC, per_s), 1ull);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_link_ns);

/**
 * vsvm_link_crossed() - whether a device reaches @addr over its link
 * @addr: an address as the device sees it
 *
 * Return: true for system memory and a peer's VRAM, false for the device's
 * own VRAM.
 */
bool vsvm_link_crossed(const struct drm_pagemap_addr *addr)
{
	return addr->proto != DRM_INTERCONNECT_DRIVER;
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_link_crossed);

/**
 * vsvm_link_transfer() - spend the link time of @bytes
 * @bytes: bytes that crossed the link
 *
 * Sleeps for the link time of @bytes at link_mib_per_s (nothing when the
 * parameter is 0), in one timer; a fatal signal ends the sleep. Called
 * without locks that others wait for, but for what a copy holds anyway.
 */
void vsvm_link_transfer(u64 bytes)
{
	u64 ns = vsvm_link_ns(bytes, READ_ONCE(link_mib_per_s));
	ktime_t end;

	if (!ns)
		return;
	might_sleep();
	/*
	 * One timer for the whole time: a wake-up per piece of work costs a
	 * guest under TCG milliseconds, more than the link time of a page.
	 */
	end = ktime_add_ns(ktime_get(), min_t(u64, ns, KTIME_MAX / 2));
	while (!fatal_signal_pending(current) && ktime_before(ktime_get(), end)) {
		set_current_state(TASK_KILLABLE);
		schedule_hrtimeout(&end, HRTIMER_MODE_ABS);
	}
	__set_current_state(TASK_RUNNING);
}
EXPORT_SYMBOL_IF_KUNIT(vsvm_link_transfer);
