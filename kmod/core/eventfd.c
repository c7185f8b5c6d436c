// SPDX-License-Identifier: GPL-2.0
/*
 * Event fds: KVM_IOEVENTFD (a guest write signals an eventfd instead of
 * exiting to the VMM) and KVM_IRQFD (signalling an eventfd raises a GSI,
 * with KVM_IRQFD_FLAG_RESAMPLE a level the guest's EOI lowers again).
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <asm/unaligned.h>

#include "core/irq.h"

/*
 * Per bus and VM.  kvm.ko bounds ioeventfds only by the VMM's fds; this
 * bound keeps each table within one allocation a VMM may ask for.
 */
#define VIREO_MAX_IOEVENTFDS	65536

struct vireo_ioeventfd {
	u64 addr;
	u64 datamatch;
	struct eventfd_ctx *eventfd;
	u32 len;		/* 0: a write of any length */
	bool wildcard;		/* no datamatch */
};

/* Replaced whole under irq_lock; guest writes read it under RCU. */
struct vireo_iobus {
	struct rcu_head rcu;
	u32 nr;
	struct vireo_ioeventfd e[];	/* by address */
};

static struct vireo_iobus *vireo_iobus_alloc(u32 nr)
{
	struct vireo_iobus *b;

	b = kvzalloc(struct_size(b, e, nr), GFP_KERNEL_ACCOUNT);
	if (b) {
		b->nr = nr;
		vireo_count_objects(1);
	}
	return b;
}

static void vireo_iobus_free(struct vireo_iobus *b)
{
	kvfree(b);
	vireo_count_objects(-1);
}

/* The first entry at or above @addr. */
static u32 vireo_iobus_find(const struct vireo_iobus *b, u64 addr)
{
	u32 lo = 0, hi = b->nr;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (b->e[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool vireo_ioeventfd_match(const struct vireo_ioeventfd *p,
				  unsigned int len, const void *val)
{
	u64 v;

	if (!p->len)
		return true;
	if (len != p->len)
		return false;
	if (p->wildcard)
		return true;
	switch (len) {
	case 1:
		v = *(const u8 *)val;
		break;
	case 2:
		v = get_unaligned((const u16 *)val);
		break;
	case 4:
		v = get_unaligned((const u32 *)val);
		break;
	case 8:
		v = get_unaligned((const u64 *)val);
		break;
	default:
		return false;
	}
	return v == p->datamatch;
}

/**
 * vireo_ioeventfd_write - does an ioeventfd take this guest write?
 * @vm: the VM
 * @bus: where the guest wrote
 * @addr: the address or port
 * @len: bytes written
 * @val: the bytes, in the guest's order
 *
 * For a backend, before it hands a write to the VMM: when this returns
 * true the write is done (the eventfd was signalled) and the guest goes
 * on without an exit.  Atomic context is fine.
 *
 * Return: true when an ioeventfd matched.
 */
bool __vireo_hot vireo_ioeventfd_write(struct vireo_vm *vm, enum vireo_bus bus, u64 addr,
				       unsigned int len, const void *val)
{
	const struct vireo_iobus *b;
	bool hit = false;
	u32 i;

	if (!rcu_access_pointer(vm->buses[bus]))
		return false;
	rcu_read_lock();
	b = rcu_dereference(vm->buses[bus]);
	/*
	 * The collision rules leave at most one entry that takes a given
	 * write, whatever the order of those at one address.
	 */
	for (i = b ? vireo_iobus_find(b, addr) : 0;
	     b && i < b->nr && b->e[i].addr == addr; i++) {
		if (vireo_ioeventfd_match(&b->e[i], len, val)) {
			eventfd_signal(b->e[i].eventfd, 1);
			hit = true;
			break;
		}
	}
	rcu_read_unlock();
	return hit;
}

static enum vireo_bus vireo_ioeventfd_bus(u32 flags)
{
	if (flags & KVM_IOEVENTFD_FLAG_PIO)
		return VIREO_BUS_PIO;
	if (flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
		return VIREO_BUS_CCW;
	return VIREO_BUS_MMIO;
}

/* kvm.ko's rule: one address, and lengths or datamatches that overlap. */
static bool vireo_ioeventfd_collide(const struct vireo_ioeventfd *a,
				    const struct vireo_ioeventfd *b)
{
	return a->addr == b->addr &&
	       (!a->len || !b->len ||
		(a->len == b->len &&
		 (a->wildcard || b->wildcard || a->datamatch == b->datamatch)));
}

static int vireo_ioeventfd_assign(struct vireo_vm *vm,
				  const struct kvm_ioeventfd *args)
{
	enum vireo_bus bus = vireo_ioeventfd_bus(args->flags);
	struct vireo_iobus *old, *new;
	struct vireo_ioeventfd p = {
		.addr = args->addr,
		.len = args->len,
	};
	u32 i, at;
	int r;

	/* kvm.ko's checks, in its order */
	if (args->len != 0 && args->len != 1 && args->len != 2 &&
	    args->len != 4 && args->len != 8)
		return -EINVAL;
	if (args->addr + args->len < args->addr)
		return -EINVAL;
	/* Includes bit 4 (fast MMIO), which changes nothing, as in kvm.ko. */
	if (args->flags & ~KVM_IOEVENTFD_VALID_FLAG_MASK)
		return -EINVAL;
	if (!args->len && (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;

	if (args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH)
		p.datamatch = args->datamatch;
	else
		p.wildcard = true;
	p.eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(p.eventfd))
		return PTR_ERR(p.eventfd);

	mutex_lock(&vm->irq_lock);
	old = rcu_dereference_protected(vm->buses[bus],
					lockdep_is_held(&vm->irq_lock));
	for (i = 0; old && i < old->nr; i++) {
		if (vireo_ioeventfd_collide(&old->e[i], &p)) {
			r = -EEXIST;
			goto fail;
		}
	}
	r = -ENOSPC;
	if (old && old->nr >= VIREO_MAX_IOEVENTFDS)
		goto fail;
	r = -ENOMEM;
	new = vireo_iobus_alloc(old ? old->nr + 1 : 1);
	if (!new)
		goto fail;
	at = old ? vireo_iobus_find(old, p.addr) : 0;
	if (old) {
		memcpy(new->e, old->e, at * sizeof(p));
		memcpy(&new->e[at + 1], &old->e[at],
		       (old->nr - at) * sizeof(p));
	}
	new->e[at] = p;
	rcu_assign_pointer(vm->buses[bus], new);
	mutex_unlock(&vm->irq_lock);
	/* The eventfds stay: they are in the new table too. */
	if (old) {
		kvfree_rcu(old, rcu);
		vireo_count_objects(-1);
	}
	return 0;

fail:
	mutex_unlock(&vm->irq_lock);
	eventfd_ctx_put(p.eventfd);
	return r;
}

/* As kvm.ko: no checks of flags or length beyond the match itself. */
static int vireo_ioeventfd_deassign(struct vireo_vm *vm,
				    const struct kvm_ioeventfd *args)
{
	enum vireo_bus bus = vireo_ioeventfd_bus(args->flags);
	bool wildcard = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	struct vireo_iobus *old, *new = NULL;
	struct eventfd_ctx *eventfd, *gone;
	u32 i;
	int r = -ENOENT;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);

	mutex_lock(&vm->irq_lock);
	old = rcu_dereference_protected(vm->buses[bus],
					lockdep_is_held(&vm->irq_lock));
	for (i = 0; old && i < old->nr; i++) {
		const struct vireo_ioeventfd *p = &old->e[i];

		if (p->eventfd == eventfd && p->addr == args->addr &&
		    p->len == args->len && p->wildcard == wildcard &&
		    (wildcard || p->datamatch == args->datamatch))
			break;
	}
	if (!old || i == old->nr)
		goto out;
	if (old->nr > 1) {
		r = -ENOMEM;
		new = vireo_iobus_alloc(old->nr - 1);
		if (!new)
			goto out;
		memcpy(new->e, old->e, i * sizeof(new->e[0]));
		memcpy(&new->e[i], &old->e[i + 1],
		       (old->nr - i - 1) * sizeof(new->e[0]));
	}
	gone = old->e[i].eventfd;
	rcu_assign_pointer(vm->buses[bus], new);
	mutex_unlock(&vm->irq_lock);
	/*
	 * A vCPU may be signalling it right now.  Expedited: VMMs deassign
	 * many at once (a device reset), and kvm.ko waits as briefly.
	 */
	synchronize_rcu_expedited();
	eventfd_ctx_put(gone);
	vireo_iobus_free(old);
	eventfd_ctx_put(eventfd);
	return 0;

out:
	mutex_unlock(&vm->irq_lock);
	eventfd_ctx_put(eventfd);
	return r;
}

static long vireo_ioeventfd(struct vireo_vm *vm, struct kvm_ioeventfd *args)
{
	if (args->flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return vireo_ioeventfd_deassign(vm, args);
	return vireo_ioeventfd_assign(vm, args);
}

/*
 * irqfds.  One is live while on vm->irqfds; whoever takes it off (the
 * VMM's deassign, the eventfd's release, the VM's end) queues its
 * shutdown, which unhooks it from the eventfd and frees it.  Deassign
 * and the VM's end wait for the shutdowns, so no interrupt comes from an
 * irqfd after either.
 */
static struct workqueue_struct *vireo_irqfd_wq;

/* The irqfds of one GSI with KVM_IRQFD_FLAG_RESAMPLE: one level, shared. */
struct vireo_resampler {
	struct list_head link;		/* vm->resamplers */
	struct list_head irqfds;	/* their resample_link */
	u32 gsi;
};

struct vireo_irqfd {
	struct vireo_vm *vm;
	struct list_head link;		/* vm->irqfds */
	u32 gsi;
	struct eventfd_ctx *eventfd;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct inject;
	struct work_struct shutdown;
	struct vireo_resampler *resampler;
	struct eventfd_ctx *resamplefd;
	struct list_head resample_link;
};

/*
 * An edge: up and down again.  A resampled irqfd only raises its level;
 * the guest's EOI lowers it (vireo_irq_acked()).
 */
static void vireo_irqfd_inject(struct vireo_irqfd *irqfd)
{
	vireo_irq_set(irqfd->vm, irqfd->gsi, 1);
	if (!irqfd->resampler)
		vireo_irq_set(irqfd->vm, irqfd->gsi, 0);
}

static void vireo_irqfd_inject_work(struct work_struct *work)
{
	vireo_irqfd_inject(container_of(work, struct vireo_irqfd, inject));
}

/* Take @irqfd off the live list; irqfds_lock held. */
static void vireo_irqfd_deactivate(struct vireo_irqfd *irqfd)
{
	if (list_empty(&irqfd->link))
		return;
	list_del_init(&irqfd->link);
	queue_work(vireo_irqfd_wq, &irqfd->shutdown);
}

/*
 * The eventfd's wait queue calls this with its lock held and interrupts
 * off, when it is signalled (EPOLLIN) or closed (EPOLLHUP).
 */
static int vireo_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			      int sync, void *key)
{
	struct vireo_irqfd *irqfd = container_of(wait, struct vireo_irqfd, wait);
	__poll_t events = key_to_poll(key);
	struct vireo_vm *vm = irqfd->vm;
	unsigned long flags;
	u64 cnt;

	if (events & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		/*
		 * Backends deliver in atomic context but not from a hard
		 * interrupt handler, where some drivers signal eventfds.
		 */
		if (in_hardirq())
			queue_work(vireo_irqfd_wq, &irqfd->inject);
		else
			vireo_irqfd_inject(irqfd);
	}
	if (events & EPOLLHUP) {
		spin_lock_irqsave(&vm->irqfds_lock, flags);
		vireo_irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&vm->irqfds_lock, flags);
	}
	return 0;
}

static void vireo_irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
				   poll_table *pt)
{
	struct vireo_irqfd *irqfd = container_of(pt, struct vireo_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

/* irq_lock held */
static int vireo_resampler_attach(struct vireo_irqfd *irqfd)
{
	struct vireo_vm *vm = irqfd->vm;
	struct vireo_resampler *rs;

	list_for_each_entry(rs, &vm->resamplers, link) {
		if (rs->gsi == irqfd->gsi)
			goto found;
	}
	rs = vireo_zalloc(sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	rs->gsi = irqfd->gsi;
	INIT_LIST_HEAD(&rs->irqfds);
	list_add_rcu(&rs->link, &vm->resamplers);
found:
	list_add_rcu(&irqfd->resample_link, &rs->irqfds);
	irqfd->resampler = rs;
	return 0;
}

/*
 * irq_lock held.  The last irqfd of a GSI lowers its level: nothing would
 * lower it later.  On return no EOI signals @irqfd's resamplefd.
 */
static void vireo_resampler_detach(struct vireo_irqfd *irqfd)
{
	struct vireo_resampler *rs = irqfd->resampler;

	list_del_rcu(&irqfd->resample_link);
	if (list_empty(&rs->irqfds)) {
		list_del_rcu(&rs->link);
		vireo_irq_set(irqfd->vm, rs->gsi, 0);
		synchronize_rcu();
		vireo_free(rs);
	} else {
		synchronize_rcu();
	}
	irqfd->resampler = NULL;
}

static void vireo_irqfd_free(struct vireo_irqfd *irqfd)
{
	if (irqfd->resampler) {
		mutex_lock(&irqfd->vm->irq_lock);
		vireo_resampler_detach(irqfd);
		mutex_unlock(&irqfd->vm->irq_lock);
	}
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	if (irqfd->eventfd)
		eventfd_ctx_put(irqfd->eventfd);
	vireo_free(irqfd);
}

static void vireo_irqfd_shutdown(struct work_struct *work)
{
	struct vireo_irqfd *irqfd = container_of(work, struct vireo_irqfd,
						 shutdown);
	u64 cnt;

	/* Waits for a wakeup running now: it holds the queue's lock. */
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	flush_work(&irqfd->inject);
	vireo_irqfd_free(irqfd);
}

static int vireo_irqfd_assign(struct vireo_vm *vm, const struct kvm_irqfd *args)
{
	bool resample = args->flags & KVM_IRQFD_FLAG_RESAMPLE;
	struct vireo_irqfd *irqfd, *tmp;
	__poll_t events;
	struct fd f;
	int r;

	if (vireo_irqchip_of(vm) <
	    (resample ? VIREO_IRQCHIP_FULL : VIREO_IRQCHIP_MSI))
		return -EINVAL;
	irqfd = vireo_zalloc(sizeof(*irqfd));
	if (!irqfd)
		return -ENOMEM;
	irqfd->vm = vm;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->link);
	INIT_LIST_HEAD(&irqfd->resample_link);
	INIT_WORK(&irqfd->inject, vireo_irqfd_inject_work);
	INIT_WORK(&irqfd->shutdown, vireo_irqfd_shutdown);
	init_waitqueue_func_entry(&irqfd->wait, vireo_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, vireo_irqfd_queue_proc);

	f = fdget(args->fd);
	if (!f.file) {
		vireo_free(irqfd);
		return -EBADF;
	}
	irqfd->eventfd = eventfd_ctx_fileget(f.file);
	if (IS_ERR(irqfd->eventfd)) {
		r = PTR_ERR(irqfd->eventfd);
		irqfd->eventfd = NULL;
		goto fail;
	}
	if (resample) {
		irqfd->resamplefd = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(irqfd->resamplefd)) {
			r = PTR_ERR(irqfd->resamplefd);
			irqfd->resamplefd = NULL;
			goto fail;
		}
	}

	/*
	 * irq_lock keeps a deassign from finding this irqfd before it is
	 * hooked to its eventfd.
	 */
	mutex_lock(&vm->irq_lock);
	if (resample) {
		r = vireo_resampler_attach(irqfd);
		if (r)
			goto fail_unlock;
	}
	spin_lock_irq(&vm->irqfds_lock);
	list_for_each_entry(tmp, &vm->irqfds, link) {
		if (tmp->eventfd == irqfd->eventfd) {
			spin_unlock_irq(&vm->irqfds_lock);
			r = -EBUSY;
			goto fail_unlock;
		}
	}
	list_add_tail(&irqfd->link, &vm->irqfds);
	spin_unlock_irq(&vm->irqfds_lock);

	/* Signalled before it was hooked: that counts too. */
	events = vfs_poll(f.file, &irqfd->pt);
	if (events & EPOLLIN)
		vireo_irqfd_inject(irqfd);
	mutex_unlock(&vm->irq_lock);
	fdput(f);
	return 0;

fail_unlock:
	if (irqfd->resampler)
		vireo_resampler_detach(irqfd);
	mutex_unlock(&vm->irq_lock);
fail:
	fdput(f);
	vireo_irqfd_free(irqfd);
	return r;
}

/* As kvm.ko: no irqchip needed, and an unknown irqfd is no error. */
static int vireo_irqfd_deassign(struct vireo_vm *vm,
				const struct kvm_irqfd *args)
{
	struct vireo_irqfd *irqfd, *tmp;
	struct eventfd_ctx *eventfd;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);
	mutex_lock(&vm->irq_lock);
	spin_lock_irq(&vm->irqfds_lock);
	list_for_each_entry_safe(irqfd, tmp, &vm->irqfds, link) {
		if (irqfd->eventfd == eventfd && irqfd->gsi == args->gsi)
			vireo_irqfd_deactivate(irqfd);
	}
	spin_unlock_irq(&vm->irqfds_lock);
	mutex_unlock(&vm->irq_lock);
	eventfd_ctx_put(eventfd);
	flush_workqueue(vireo_irqfd_wq);
	return 0;
}

static long vireo_irqfd(struct vireo_vm *vm, const struct kvm_irqfd *args)
{
	if (args->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args->flags & KVM_IRQFD_FLAG_DEASSIGN)
		return vireo_irqfd_deassign(vm, args);
	return vireo_irqfd_assign(vm, args);
}

/**
 * vireo_irq_acked - the guest has EOI'd an interrupt from a controller pin
 * @vm: the VM
 * @irqchip: the controller, as in struct kvm_irq_routing_irqchip
 * @pin: its pin, as there
 *
 * For the interrupt controllers, on the EOI of a level-triggered
 * interrupt: the resampled irqfds of the pin's GSI lower their level and
 * tell the VMM through their resamplefds, which then raises it again if
 * its device still wants it.  Atomic context is fine, but the caller must
 * not hold the controller's own locks: lowering the level goes through
 * irq_deliver() again.
 */
void vireo_irq_acked(struct vireo_vm *vm, u32 irqchip, u32 pin)
{
	struct vireo_resampler *rs;
	struct vireo_irqfd *irqfd;
	int gsi;

	if (list_empty(&vm->resamplers))
		return;
	rcu_read_lock();
	gsi = vireo_irq_pin_gsi(vm, irqchip, pin);
	list_for_each_entry_rcu(rs, &vm->resamplers, link) {
		if (gsi < 0 || rs->gsi != gsi)
			continue;
		vireo_irq_set(vm, gsi, 0);
		list_for_each_entry_rcu(irqfd, &rs->irqfds, resample_link)
			eventfd_signal(irqfd->resamplefd, 1);
	}
	rcu_read_unlock();
}

long vireo_eventfd_ioctl(struct vireo_vm *vm, unsigned int cmd,
			 void __user *argp)
{
	switch (cmd) {
	case KVM_IOEVENTFD: {
		struct kvm_ioeventfd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return vireo_ioeventfd(vm, &args);
	}
	case KVM_IRQFD: {
		struct kvm_irqfd args;

		if (copy_from_user(&args, argp, sizeof(args)))
			return -EFAULT;
		return vireo_irqfd(vm, &args);
	}
	default:
		return -ENOTTY;
	}
}

/* No vCPU runs any more; irqfds may still be signalled until shut down. */
void vireo_eventfd_vm_destroy(struct vireo_vm *vm)
{
	struct vireo_irqfd *irqfd, *tmp;
	int bus, i;

	spin_lock_irq(&vm->irqfds_lock);
	list_for_each_entry_safe(irqfd, tmp, &vm->irqfds, link)
		vireo_irqfd_deactivate(irqfd);
	spin_unlock_irq(&vm->irqfds_lock);
	flush_workqueue(vireo_irqfd_wq);
	WARN_ON(!list_empty(&vm->resamplers));

	for (bus = 0; bus < VIREO_NR_BUSES; bus++) {
		struct vireo_iobus *b = rcu_dereference_protected(vm->buses[bus], 1);

		if (!b)
			continue;
		for (i = 0; i < b->nr; i++)
			eventfd_ctx_put(b->e[i].eventfd);
		vireo_iobus_free(b);
	}
}

int vireo_eventfd_init(void)
{
	vireo_irqfd_wq = alloc_workqueue("vireo-irqfd", 0, 0);
	return vireo_irqfd_wq ? 0 : -ENOMEM;
}

void vireo_eventfd_exit(void)
{
	destroy_workqueue(vireo_irqfd_wq);
}
