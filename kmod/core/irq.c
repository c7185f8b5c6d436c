// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing: KVM_SET_GSI_ROUTING, KVM_IRQ_LINE(_STATUS), KVM_SIGNAL_MSI.
 *
 * Every interrupt the VMM or an irqfd raises is a GSI, and goes through
 * vireo_irq_set() to the backend's irq_deliver(), which makes it an
 * interrupt in the guest: a GSI has up to one route per interrupt
 * controller pin, or one MSI.
 *
 * Delivery runs in atomic context (eventfd wakeups, a controller's EOI),
 * so it never waits for a writer: the table is built aside and replaced
 * whole, readers under rcu_read_lock().
 */
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "core/irq.h"

#define VIREO_NO_ROUTE	U32_MAX

struct vireo_irq_route {
	struct kvm_irq_routing_entry e;
	u32 next;		/* the next route of the same GSI */
};

struct vireo_irq_routes {
	struct rcu_head rcu;
	u32 nr;
	u32 nr_gsi;		/* highest GSI routed, plus one */
	u32 *head;		/* each GSI's first route, in @r */
	struct vireo_irq_route r[];	/* in the VMM's order */
};

static void vireo_routes_free(struct vireo_irq_routes *rt)
{
	kvfree(rt);
	vireo_count_objects(-1);
}

/*
 * The checks follow kvm.ko's, all -EINVAL: GSI in range, flags for the
 * type, at most one route per controller and GSI (and an MSI alone), then
 * the backend's view of the type and its pin or message.
 */
static struct vireo_irq_routes *
vireo_routes_build(struct vireo_vm *vm, const struct kvm_irq_routing_entry *ue,
		   u32 nr)
{
	struct vireo_irq_routes *rt;
	u32 i, j, nr_gsi = 0;
	int r;

	for (i = 0; i < nr; i++) {
		if (ue[i].gsi >= VIREO_MAX_IRQ_ROUTES)
			return ERR_PTR(-EINVAL);
		nr_gsi = max(nr_gsi, ue[i].gsi + 1);
	}
	rt = kvzalloc(struct_size(rt, r, nr) + nr_gsi * sizeof(u32),
		      GFP_KERNEL_ACCOUNT);
	if (!rt)
		return ERR_PTR(-ENOMEM);
	vireo_count_objects(1);
	rt->nr = nr;
	rt->nr_gsi = nr_gsi;
	rt->head = (u32 *)&rt->r[nr];
	for (i = 0; i < nr_gsi; i++)
		rt->head[i] = VIREO_NO_ROUTE;

	for (i = 0; i < nr; i++) {
		const struct kvm_irq_routing_entry *e = &ue[i];
		u32 gsi = array_index_nospec(e->gsi, nr_gsi);
		u32 flags = e->type == KVM_IRQ_ROUTING_MSI ?
			    KVM_MSI_VALID_DEVID : 0;

		r = -EINVAL;
		if (e->flags & ~flags)
			goto fail;
		for (j = rt->head[gsi]; j != VIREO_NO_ROUTE; j = rt->r[j].next) {
			const struct kvm_irq_routing_entry *o = &rt->r[j].e;

			if (o->type != KVM_IRQ_ROUTING_IRQCHIP ||
			    e->type != KVM_IRQ_ROUTING_IRQCHIP ||
			    o->u.irqchip.irqchip == e->u.irqchip.irqchip)
				goto fail;
		}
		r = vireo_impl->irq_route_check(vm, e);
		if (r)
			goto fail;
		rt->r[i].e = *e;
		rt->r[i].next = rt->head[gsi];
		rt->head[gsi] = i;
	}
	return rt;

fail:
	vireo_routes_free(rt);
	return ERR_PTR(r);
}

static void vireo_routes_replace(struct vireo_vm *vm,
				 struct vireo_irq_routes *rt)
{
	struct vireo_irq_routes *old;

	mutex_lock(&vm->irq_lock);
	old = rcu_replace_pointer(vm->irq_routes, rt,
				  lockdep_is_held(&vm->irq_lock));
	mutex_unlock(&vm->irq_lock);
	/*
	 * VMMs rewrite MSI routes as the guest masks and unmasks vectors:
	 * the old table goes after a grace period without waiting for one.
	 */
	if (old) {
		kvfree_rcu(old, rcu);
		vireo_count_objects(-1);
	}
}

/**
 * vireo_set_default_routes - install the routes an in-kernel irqchip starts
 * with
 * @vm: the VM
 * @e: the routes, as KVM_SET_GSI_ROUTING would take them
 * @n: how many
 *
 * For KVM_CREATE_IRQCHIP, which may call it before irqchip_in_kernel()
 * says so; the backend's irq_route_check() still sees every route.
 *
 * Return: 0 or -errno as KVM_SET_GSI_ROUTING returns it.
 */
int vireo_set_default_routes(struct vireo_vm *vm,
			     const struct kvm_irq_routing_entry *e,
			     unsigned int n)
{
	struct vireo_irq_routes *rt;

	if (n > VIREO_MAX_IRQ_ROUTES)
		return -EINVAL;
	rt = vireo_routes_build(vm, e, n);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	vireo_routes_replace(vm, rt);
	return 0;
}

/**
 * vireo_irq_set - drive every route of a GSI to a level
 * @vm: the VM
 * @gsi: the GSI
 * @level: 0 or 1
 *
 * Atomic context is fine (not a hard interrupt handler).
 *
 * Return: as KVM_IRQ_LINE_STATUS reports: the sum of what the routes that
 * took it returned, or -1 when none did (or the GSI has no route).
 */
int vireo_irq_set(struct vireo_vm *vm, u32 gsi, int level)
{
	return vireo_irq_set_src(vm, gsi, level, VIREO_IRQ_SRC_USER);
}

/**
 * vireo_irq_set_src - vireo_irq_set() for a device of the backend's
 * @vm: the VM
 * @gsi: the GSI
 * @level: 0 or 1
 * @src: the device, as the backend's irq_deliver() knows it
 *
 * Return: as vireo_irq_set().
 */
int vireo_irq_set_src(struct vireo_vm *vm, u32 gsi, int level,
		      unsigned int src)
{
	const struct vireo_irq_routes *rt;
	int ret = -1, r;
	u32 i;

	rcu_read_lock();
	rt = rcu_dereference(vm->irq_routes);
	if (rt && gsi < rt->nr_gsi) {
		gsi = array_index_nospec(gsi, rt->nr_gsi);
		for (i = rt->head[gsi]; i != VIREO_NO_ROUTE; i = rt->r[i].next) {
			r = vireo_impl->irq_deliver(vm, &rt->r[i].e, level,
						    src);
			if (r >= 0)
				ret = (ret < 0 ? 0 : ret) + r;
		}
	}
	rcu_read_unlock();
	return ret;
}

/**
 * vireo_irq_pin_gsi - the GSI routed to a controller's pin
 * @vm: the VM
 * @irqchip: the controller, as in struct kvm_irq_routing_irqchip
 * @pin: its pin, as there
 *
 * Caller holds rcu_read_lock().  Several GSIs on one pin: the last route
 * the VMM gave wins, as under kvm.ko.
 *
 * Return: the GSI, or -1.
 */
int vireo_irq_pin_gsi(struct vireo_vm *vm, u32 irqchip, u32 pin)
{
	const struct vireo_irq_routes *rt = rcu_dereference(vm->irq_routes);
	u32 i;

	if (!rt)
		return -1;
	for (i = rt->nr; i--; ) {
		const struct kvm_irq_routing_entry *e = &rt->r[i].e;

		if (e->type == KVM_IRQ_ROUTING_IRQCHIP &&
		    e->u.irqchip.irqchip == irqchip && e->u.irqchip.pin == pin)
			return e->gsi;
	}
	return -1;
}

static long vireo_set_gsi_routing(struct vireo_vm *vm,
				  struct kvm_irq_routing __user *argp)
{
	struct kvm_irq_routing_entry *e = NULL;
	struct vireo_irq_routes *rt;
	struct kvm_irq_routing hdr;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (vireo_irqchip_of(vm) == VIREO_IRQCHIP_NONE)
		return -EINVAL;
	if (hdr.nr > VIREO_MAX_IRQ_ROUTES || hdr.flags)
		return -EINVAL;
	if (hdr.nr) {
		e = vmemdup_user(argp->entries, array_size(sizeof(*e), hdr.nr));
		if (IS_ERR(e))
			return PTR_ERR(e);
	}
	rt = vireo_routes_build(vm, e, hdr.nr);
	kvfree(e);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	vireo_routes_replace(vm, rt);
	return 0;
}

static long vireo_irq_line(struct vireo_vm *vm, unsigned int cmd,
			   struct kvm_irq_level __user *argp)
{
	struct kvm_irq_level l;
	int r;

	if (copy_from_user(&l, argp, sizeof(l)))
		return -EFAULT;
	if (vireo_impl->irq_line) {
		r = vireo_impl->irq_line(vm, l.irq, l.level);
		if (r)
			return r;
		if (cmd == KVM_IRQ_LINE_STATUS && copy_to_user(argp, &l, sizeof(l)))
			return -EFAULT;
		return 0;
	}
	if (vireo_irqchip_of(vm) == VIREO_IRQCHIP_NONE)
		return -ENXIO;
	l.status = vireo_irq_set(vm, l.irq, !!l.level);
	if (cmd == KVM_IRQ_LINE_STATUS && copy_to_user(argp, &l, sizeof(l)))
		return -EFAULT;
	return 0;
}

/* The result is the ioctl's: -1 (EPERM to the VMM) when nothing took it. */
static long vireo_signal_msi(struct vireo_vm *vm, struct kvm_msi __user *argp)
{
	struct kvm_irq_routing_entry e = { .type = KVM_IRQ_ROUTING_MSI };
	struct kvm_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (vireo_irqchip_of(vm) == VIREO_IRQCHIP_NONE ||
	    (msi.flags & ~KVM_MSI_VALID_DEVID))
		return -EINVAL;
	e.flags = msi.flags;
	e.u.msi.address_lo = msi.address_lo;
	e.u.msi.address_hi = msi.address_hi;
	e.u.msi.data = msi.data;
	e.u.msi.devid = msi.devid;
	return vireo_impl->irq_deliver(vm, &e, 1, VIREO_IRQ_SRC_USER);
}

long vireo_irq_ioctl(struct vireo_vm *vm, unsigned int cmd, void __user *argp)
{
	switch (cmd) {
	case KVM_SET_GSI_ROUTING:
		return vireo_set_gsi_routing(vm, argp);
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
		return vireo_irq_line(vm, cmd, argp);
	case KVM_SIGNAL_MSI:
		return vireo_signal_msi(vm, argp);
	default:
		return -ENOTTY;
	}
}

void vireo_irq_vm_init(struct vireo_vm *vm)
{
	mutex_init(&vm->irq_lock);
	spin_lock_init(&vm->irqfds_lock);
	INIT_LIST_HEAD(&vm->irqfds);
	INIT_LIST_HEAD(&vm->resamplers);
}

/* First thing when the VM goes: nothing may inject once vCPUs are freed. */
void vireo_irq_vm_destroy(struct vireo_vm *vm)
{
	struct vireo_irq_routes *rt;

	vireo_eventfd_vm_destroy(vm);
	rt = rcu_dereference_protected(vm->irq_routes, 1);
	if (rt)
		vireo_routes_free(rt);
}
