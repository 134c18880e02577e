/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-irqchip: tracepoints, system "kvm_irqchip".
 *
 * Enable them through tracefs (events/kvm_irqchip/), perf or trace-cmd.
 * Disabled, each call site is one patched-out jump (a static key), so they
 * sit on the delivery path.  The prototypes take pointers and the
 * records are filled only when an event is enabled; this header therefore
 * needs no structure definitions: include/kvm_irqchip/kic.h includes it
 * (after enum kic_stat, which it uses; include kic.h, not this file).
 * virt/trace.c, the only file that defines CREATE_TRACE_POINTS, includes
 * the full headers first.
 *
 * Every record names its instance (kic=, the id of the debugfs directory
 * <pid>-<id>, see virt/debugfs.c).  Event list and fields:
 * Documentation/virt/kvm-irqchip/ecosystem.rst.
 *
 * LOCKING: none; events read what their call site already holds.
 * LIFETIME: records copy values, never pointers.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm_irqchip

/* Read once, unlike the events below, which define_trace.h rereads. */
#ifndef _KVM_IRQCHIP_TRACE_TYPES_H
#define _KVM_IRQCHIP_TRACE_TYPES_H
struct kic;
struct kic_gsi;
struct kic_gsi_block;

/* What happened to an irqfd (kvm_irqchip_irqfd). */
enum kic_trace_irqfd {
	KIC_TRACE_IRQFD_ASSIGN,
	KIC_TRACE_IRQFD_DEASSIGN,
	KIC_TRACE_IRQFD_HANGUP,		/* EPOLLHUP: its eventfd was closed */
	KIC_TRACE_IRQFD_SHUTDOWN,	/* unhooked and freed */
};
#endif /* _KVM_IRQCHIP_TRACE_TYPES_H */

#if !defined(_KVM_IRQCHIP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KVM_IRQCHIP_TRACE_H

#include <linux/tracepoint.h>
#include <kvm_irqchip/model.h>

TRACE_DEFINE_ENUM(KIC_TRACE_IRQFD_ASSIGN);
TRACE_DEFINE_ENUM(KIC_TRACE_IRQFD_DEASSIGN);
TRACE_DEFINE_ENUM(KIC_TRACE_IRQFD_HANGUP);
TRACE_DEFINE_ENUM(KIC_TRACE_IRQFD_SHUTDOWN);
TRACE_DEFINE_ENUM(KIC_SRC_USER);
TRACE_DEFINE_ENUM(KIC_SRC_IRQFD);
TRACE_DEFINE_ENUM(KIC_SRC_RESAMPLE);
TRACE_DEFINE_ENUM(KIC_STAT_NO_ROUTE);
TRACE_DEFINE_ENUM(KIC_STAT_NO_TARGET);
TRACE_DEFINE_ENUM(KIC_STAT_ILLEGAL_VECTOR);
TRACE_DEFINE_ENUM(KIC_STAT_REJECTED);

/* A GSI's entries were replaced (op=set) or removed (op=delete). */
TRACE_EVENT(kvm_irqchip_route,
	    TP_PROTO(const struct kic *kic, u32 gsi, const struct kic_gsi *g,
		     const struct kic_gsi *old),
	    TP_ARGS(kic, gsi, g, old),
	    TP_STRUCT__entry(__field(u32, kic)
			     __field(u32, gsi)
			     __field(u32, nr)
			     __field(u32, old_nr)
			     __field(u32, type)),
	    TP_fast_assign(__entry->kic = kic->id;
			   __entry->gsi = gsi;
			   __entry->nr = g ? g->nr : 0;
			   __entry->old_nr = old ? old->nr : 0;
			   __entry->type = g && g->nr ? g->route[0].type : 0;),
	    TP_printk("kic=%u gsi=%u op=%s nr=%u old_nr=%u type=%s",
		      __entry->kic, __entry->gsi,
		      __entry->nr ? "set" : "delete", __entry->nr,
		      __entry->old_nr,
		      __print_symbolic(__entry->type, { 0, "none" },
				       { KVM_IRQ_ROUTING_IRQCHIP, "irqchip" },
				       { KVM_IRQ_ROUTING_MSI, "msi" },
				       { KVM_IRQ_ROUTING_KIC_XICS, "xics" }))
);

TRACE_EVENT(kvm_irqchip_irqfd,
	    TP_PROTO(const struct kic *kic, u32 gsi, int op, bool resample),
	    TP_ARGS(kic, gsi, op, resample),
	    TP_STRUCT__entry(__field(u32, kic)
			     __field(u32, gsi)
			     __field(int, op)
			     __field(bool, resample)),
	    TP_fast_assign(__entry->kic = kic->id;
			   __entry->gsi = gsi;
			   __entry->op = op;
			   __entry->resample = resample;),
	    TP_printk("kic=%u gsi=%u op=%s resample=%d", __entry->kic,
		      __entry->gsi,
		      __print_symbolic(__entry->op,
				       { KIC_TRACE_IRQFD_ASSIGN, "assign" },
				       { KIC_TRACE_IRQFD_DEASSIGN, "deassign" },
				       { KIC_TRACE_IRQFD_HANGUP, "hangup" },
				       { KIC_TRACE_IRQFD_SHUTDOWN, "shutdown" }),
		      __entry->resample)
);

/*
 * One kic_set_gsi(): a raise or lower of a GSI through all its entries.
 * path: fast (atomic, the eventfd wakeup), slow (an irqfd's work item,
 * unmask, resample), ioctl (KVM_IRQ_LINE).  type, nr, target: the first
 * entry's type, the number of entries, and what the first points at
 * (controller:pin, MSI address:data, XICS irq:0).  status: KVM's (-1 not
 * delivered, 0 coalesced, > 0 vCPUs reached), or -EWOULDBLOCK (-11) when
 * the fast path hands over to the slow one.
 */
TRACE_EVENT(kvm_irqchip_set_gsi,
	    TP_PROTO(const struct kic *kic, u32 gsi, const struct kic_gsi *g,
		     unsigned int src, int level, unsigned int how,
		     int status),
	    TP_ARGS(kic, gsi, g, src, level, how, status),
	    TP_STRUCT__entry(__field(u32, kic)
			     __field(u32, gsi)
			     __field(int, level)
			     __field(u32, src)
			     __field(bool, atomic)
			     __field(u32, type)
			     __field(u32, nr)
			     __field(u32, target)
			     __field(u32, target2)
			     __field(int, status)),
	    TP_fast_assign(__entry->kic = kic->id;
			   __entry->gsi = gsi;
			   __entry->level = level;
			   __entry->src = src;
			   __entry->atomic = how & KIC_SET_ATOMIC;
			   __entry->type = g && g->nr ? g->route[0].type : 0;
			   __entry->nr = g ? g->nr : 0;
			   __entry->target = kic_trace_target(g, false);
			   __entry->target2 = kic_trace_target(g, true);
			   __entry->status = status;),
	    TP_printk("kic=%u gsi=%u level=%d src=%s path=%s type=%s nr=%u target=%#x:%#x status=%d",
		      __entry->kic, __entry->gsi, __entry->level,
		      __print_symbolic(__entry->src,
				       { KIC_SRC_USER, "user" },
				       { KIC_SRC_IRQFD, "irqfd" },
				       { KIC_SRC_RESAMPLE, "resample" }),
		      __entry->atomic ? "fast" :
		      __entry->src == KIC_SRC_USER ? "ioctl" : "slow",
		      __print_symbolic(__entry->type, { 0, "none" },
				       { KVM_IRQ_ROUTING_IRQCHIP, "irqchip" },
				       { KVM_IRQ_ROUTING_MSI, "msi" },
				       { KVM_IRQ_ROUTING_KIC_XICS, "xics" }),
		      __entry->nr, __entry->target, __entry->target2,
		      __entry->status)
);

/* A model counted an interrupt it could not deliver, and why. */
TRACE_EVENT(kvm_irqchip_dropped,
	    TP_PROTO(const struct kic *kic, int reason),
	    TP_ARGS(kic, reason),
	    TP_STRUCT__entry(__field(u32, kic)
			     __field(int, reason)),
	    TP_fast_assign(__entry->kic = kic->id;
			   __entry->reason = reason;),
	    TP_printk("kic=%u reason=%s", __entry->kic,
		      __print_symbolic(__entry->reason,
				       { KIC_STAT_NO_ROUTE, "no_route" },
				       { KIC_STAT_NO_TARGET, "no_target" },
				       { KIC_STAT_ILLEGAL_VECTOR,
					 "illegal_vector" },
				       { KIC_STAT_REJECTED, "rejected" }))
);

/* A raise that found its interrupt already pending (IRR or source). */
TRACE_EVENT(kvm_irqchip_coalesced,
	    TP_PROTO(const struct kic *kic),
	    TP_ARGS(kic),
	    TP_STRUCT__entry(__field(u32, kic)),
	    TP_fast_assign(__entry->kic = kic->id;),
	    TP_printk("kic=%u", __entry->kic)
);

/* KVM_IRQCHIP_ROUTE_OP_MASK / _UNMASK; pending as the op found it. */
TRACE_EVENT(kvm_irqchip_gsi_mask,
	    TP_PROTO(const struct kic *kic, u32 gsi, bool masked,
		     const unsigned long *pending),
	    TP_ARGS(kic, gsi, masked, pending),
	    TP_STRUCT__entry(__field(u32, kic)
			     __field(u32, gsi)
			     __field(bool, masked)
			     __field(bool, pending)),
	    TP_fast_assign(__entry->kic = kic->id;
			   __entry->gsi = gsi;
			   __entry->masked = masked;
			   __entry->pending = test_bit(gsi % BITS_PER_LONG,
						       pending);),
	    TP_printk("kic=%u gsi=%u masked=%d pending=%d", __entry->kic,
		      __entry->gsi, __entry->masked, __entry->pending)
);

DECLARE_EVENT_CLASS(kvm_irqchip_gsi_event,
		    TP_PROTO(const struct kic *kic, u32 gsi),
		    TP_ARGS(kic, gsi),
		    TP_STRUCT__entry(__field(u32, kic)
				     __field(u32, gsi)),
		    TP_fast_assign(__entry->kic = kic->id;
				   __entry->gsi = gsi;),
		    TP_printk("kic=%u gsi=%u", __entry->kic, __entry->gsi)
);

/* A raise of a masked GSI, latched in its pending bit. */
DEFINE_EVENT(kvm_irqchip_gsi_event, kvm_irqchip_latch,
	     TP_PROTO(const struct kic *kic, u32 gsi),
	     TP_ARGS(kic, gsi)
);

/* The guest completed an interrupt of the GSI (EOI, ack). */
DEFINE_EVENT(kvm_irqchip_gsi_event, kvm_irqchip_ack,
	     TP_PROTO(const struct kic *kic, u32 gsi),
	     TP_ARGS(kic, gsi)
);

/* The GSI's resampling irqfds are lowered and their resamplefds signalled. */
DEFINE_EVENT(kvm_irqchip_gsi_event, kvm_irqchip_resample,
	     TP_PROTO(const struct kic *kic, u32 gsi),
	     TP_ARGS(kic, gsi)
);

#endif /* _KVM_IRQCHIP_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src)/include. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH kvm_irqchip
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace

#include <trace/define_trace.h>
