/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsvm tracepoints: GPU faults, migrations to device memory and to system
 * memory started by the GPU fault path, and invalidations of a VM's GPU
 * page table.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vsvm

#if !defined(_VSVM_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _VSVM_TRACE_H_

#include <linux/tracepoint.h>
#include <linux/types.h>

TRACE_EVENT(vsvm_gpu_fault,
	    TP_PROTO(int dev, u32 vm, unsigned long va, unsigned int access),
	    TP_ARGS(dev, vm, va, access),

	    TP_STRUCT__entry(__field(int, dev)
			     __field(u32, vm)
			     __field(unsigned long, va)
			     __field(unsigned int, access)),

	    TP_fast_assign(__entry->dev = dev;
			   __entry->vm = vm;
			   __entry->va = va;
			   __entry->access = access;),

	    TP_printk("dev=%d vm=%u va=0x%lx access=%s", __entry->dev,
		      __entry->vm, __entry->va,
		      __print_symbolic(__entry->access, { 0, "read" },
				       { 1, "write" }, { 2, "atomic" }))
);

DECLARE_EVENT_CLASS(vsvm_migrate,
		    TP_PROTO(int dev, u32 vm, unsigned long start,
			     unsigned long end, unsigned long npages, int err),
		    TP_ARGS(dev, vm, start, end, npages, err),

		    TP_STRUCT__entry(__field(int, dev)
				     __field(u32, vm)
				     __field(unsigned long, start)
				     __field(unsigned long, end)
				     __field(unsigned long, npages)
				     __field(int, err)),

		    TP_fast_assign(__entry->dev = dev;
				   __entry->vm = vm;
				   __entry->start = start;
				   __entry->end = end;
				   __entry->npages = npages;
				   __entry->err = err;),

		    TP_printk("dev=%d vm=%u range=[0x%lx,0x%lx) pages=%lu err=%d",
			      __entry->dev, __entry->vm, __entry->start,
			      __entry->end, __entry->npages, __entry->err)
);

DEFINE_EVENT(vsvm_migrate, vsvm_migrate_to_devmem,
	     TP_PROTO(int dev, u32 vm, unsigned long start, unsigned long end,
		      unsigned long npages, int err),
	     TP_ARGS(dev, vm, start, end, npages, err)
);

DEFINE_EVENT(vsvm_migrate, vsvm_migrate_to_ram,
	     TP_PROTO(int dev, u32 vm, unsigned long start, unsigned long end,
		      unsigned long npages, int err),
	     TP_ARGS(dev, vm, start, end, npages, err)
);

TRACE_EVENT(vsvm_policy,
	    TP_PROTO(int dev, u32 vm, unsigned long start, unsigned long end,
		     unsigned int action, bool to_vram, u32 events),
	    TP_ARGS(dev, vm, start, end, action, to_vram, events),

	    TP_STRUCT__entry(__field(int, dev)
			     __field(u32, vm)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned int, action)
			     __field(bool, to_vram)
			     __field(u32, events)),

	    TP_fast_assign(__entry->dev = dev;
			   __entry->vm = vm;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->action = action;
			   __entry->to_vram = to_vram;
			   __entry->events = events;),

	    TP_printk("dev=%d vm=%u range=[0x%lx,0x%lx) action=%s dest=%s events=%s",
		      __entry->dev, __entry->vm, __entry->start, __entry->end,
		      __print_symbolic(__entry->action, { 0, "migrate" },
				       { 1, "map_remote" }, { 2, "wait" }),
		      __entry->to_vram ? "vram" : "system",
		      __print_flags(__entry->events, "|", { 1, "thrashing" },
				    { 2, "throttle" }, { 4, "pin" },
				    { 8, "unpin" }, { 16, "avoided" },
				    { 32, "wait" }))
);

TRACE_EVENT(vsvm_access_counter,
	    TP_PROTO(int dev, u32 vm, unsigned long start, unsigned long end,
		     bool migrate, int err),
	    TP_ARGS(dev, vm, start, end, migrate, err),

	    TP_STRUCT__entry(__field(int, dev)
			     __field(u32, vm)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(bool, migrate)
			     __field(int, err)),

	    TP_fast_assign(__entry->dev = dev;
			   __entry->vm = vm;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->migrate = migrate;
			   __entry->err = err;),

	    TP_printk("dev=%d vm=%u range=[0x%lx,0x%lx) %s err=%d",
		      __entry->dev, __entry->vm, __entry->start, __entry->end,
		      __entry->migrate ? "migrate" : "left", __entry->err)
);

TRACE_EVENT(vsvm_invalidate,
	    TP_PROTO(int dev, u32 vm, unsigned long start, unsigned long end,
		     unsigned int event),
	    TP_ARGS(dev, vm, start, end, event),

	    TP_STRUCT__entry(__field(int, dev)
			     __field(u32, vm)
			     __field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned int, event)),

	    TP_fast_assign(__entry->dev = dev;
			   __entry->vm = vm;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->event = event;),

	    TP_printk("dev=%d vm=%u range=[0x%lx,0x%lx) event=%u",
		      __entry->dev, __entry->vm, __entry->start, __entry->end,
		      __entry->event)
);

#endif

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vsvm_trace
#include <trace/define_trace.h>
