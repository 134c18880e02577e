// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-irqchip XICS model: the RTAS calls on sources (PAPR 7.3.10,
 * "Interrupt Support"): ibm,set-xive, ibm,get-xive, ibm,int-off and
 * ibm,int-on, forwarded by the VMM with KVM_IRQCHIP_XICS_RTAS.
 *
 * A call the guest got wrong (argument counts, an interrupt number naming
 * no source, an unknown server, a priority above 0xff) returns RTAS status
 * -3, "parameter error", in rets[0], and the ioctl succeeds; only a
 * malformed request from the VMM (unknown call, non-zero padding) fails
 * the ioctl.  Unmasking a source that was triggered while masked, or that
 * waits for a resend, presents it (as KVM).
 *
 * LOCKING: each call runs under the source's ICS lock, so concurrent calls
 * on one source do not interleave; the offer it may make follows ics.c.
 * LIFETIME: nothing of its own.
 */
#include <kvm_irqchip/model.h>

#include "xics.h"

#define RTAS_OK		KVM_IRQCHIP_XICS_RTAS_SUCCESS
#define RTAS_PARAM	KVM_IRQCHIP_XICS_RTAS_PARAM_ERROR

/**
 * struct xics_xive - what a call makes of a source's server and priority
 * @server: in: for set-xive; out: the server now
 * @priority: in: for set-xive; out: the priority now
 */
struct xics_xive {
	u32 server;
	u32 priority;
};

typedef int (*xics_xive_fn)(struct kic_xics *xics, struct xics_source *s,
			    struct xics_xive *x);

static int xics_set_xive(struct kic_xics *xics, struct xics_source *s,
			 struct xics_xive *x)
{
	if (x->priority > XICS_MASKED || !xics_icp_find(xics, x->server))
		return RTAS_PARAM;
	s->server = x->server;
	s->priority = x->priority;
	s->saved_priority = x->priority;
	return RTAS_OK;
}

static int xics_get_xive(struct kic_xics *xics, struct xics_source *s,
			 struct xics_xive *x)
{
	return RTAS_OK;
}

static int xics_int_off(struct kic_xics *xics, struct xics_source *s,
			struct xics_xive *x)
{
	/* Turning off twice keeps the priority int-on is to restore. */
	if (s->priority != XICS_MASKED)
		s->saved_priority = s->priority;
	s->priority = XICS_MASKED;
	return RTAS_OK;
}

static int xics_int_on(struct kic_xics *xics, struct xics_source *s,
		       struct xics_xive *x)
{
	if (!xics_icp_find(xics, s->server))
		return RTAS_PARAM;
	s->priority = s->saved_priority;
	return RTAS_OK;
}

/* Apply @fn to the source @irq; then present it if it became deliverable. */
static int xics_xive_call(struct kic_xics *xics, u32 irq, xics_xive_fn fn,
			  struct xics_xive *x)
{
	struct xics_source *s;
	struct xics_ics *ics;
	unsigned long flags;
	u32 idx, reject = 0;
	int ret;

	ics = xics_ics_find(xics, irq, &idx);
	if (!ics)
		return RTAS_PARAM;
	s = &ics->src[idx];

	spin_lock_irqsave(&ics->lock, flags);
	ret = fn(xics, s, x);
	if (ret == RTAS_OK && s->priority != XICS_MASKED &&
	    (s->masked_pending || s->resend)) {
		s->masked_pending = false;
		reject = xics_present_locked(xics, ics, idx);
	}
	x->server = s->server;
	x->priority = s->priority;
	spin_unlock_irqrestore(&ics->lock, flags);

	if (reject)
		xics_reject(xics, reject, 0);
	return ret;
}

/**
 * struct xics_rtas_call - one RTAS call
 * @fn: what it does to the source
 * @nargs: the argument count PAPR gives it
 * @nret: the return count PAPR gives it
 */
struct xics_rtas_call {
	xics_xive_fn fn;
	u32 nargs;
	u32 nret;
};

static const struct xics_rtas_call xics_rtas_calls[] = {
	[KVM_IRQCHIP_XICS_SET_XIVE] = { xics_set_xive, 3, 1 },
	[KVM_IRQCHIP_XICS_GET_XIVE] = { xics_get_xive, 1, 3 },
	[KVM_IRQCHIP_XICS_INT_OFF]  = { xics_int_off, 1, 1 },
	[KVM_IRQCHIP_XICS_INT_ON]   = { xics_int_on, 1, 1 },
};

/**
 * xics_rtas() - KVM_IRQCHIP_XICS_RTAS
 * @xics: the model
 * @c: the call, copied from userspace; rets filled in
 *
 * Process context.
 *
 * Return: 0 with the RTAS status in @c->rets[0]; -EINVAL for an unknown
 * call or non-zero padding.
 */
int xics_rtas(struct kic_xics *xics, struct kvm_irqchip_xics_rtas *c)
{
	const struct xics_rtas_call *call;
	struct xics_xive x;
	int i;

	if (c->pad || c->reserved[0] || c->reserved[1])
		return -EINVAL;
	if (c->call >= ARRAY_SIZE(xics_rtas_calls) ||
	    !xics_rtas_calls[c->call].fn)
		return -EINVAL;
	call = &xics_rtas_calls[c->call];

	for (i = 0; i < ARRAY_SIZE(c->rets); i++)
		c->rets[i] = 0;
	if (c->nargs != call->nargs || c->nret != call->nret) {
		c->rets[0] = RTAS_PARAM;
		return 0;
	}
	x.server = c->args[1];
	x.priority = c->args[2];
	c->rets[0] = xics_xive_call(xics, c->args[0], call->fn, &x);
	if (c->call == KVM_IRQCHIP_XICS_GET_XIVE && c->rets[0] == RTAS_OK) {
		c->rets[1] = x.server;
		c->rets[2] = x.priority;
	}
	return 0;
}
