// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_IRQCHIP's 8259 pair and I/O APIC and KVM_CREATE_PIT2's 8254
 * in the kernel: their ioctls, the guest's port and MMIO accesses to
 * them, the PIT's timer, and the wiring between them.  The state
 * machines are in pic.c, ioapic.c and pit.c (pure, unit-tested on the
 * host); this file adds locks, clocks and delivery.
 *
 * Locking: the 8259 pair and the I/O APIC each have a spinlock taken with
 * interrupts off (x86_irqchip_set() may come from any context).  Nothing
 * outside them is called with one held: local APICs are told after the
 * unlock, so their own locks never nest inside these, whichever way a
 * local APIC calls back (x86_pic_intack(), x86_ioapic_eoi()).  The PIT's
 * spinlock is taken only from vCPU threads and ioctls; its hrtimer takes
 * none of these locks and hands the tick to a work item, which raises the
 * line in process context.
 */
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "core/vireo.h"
#include "x86/irq.h"
#include "x86/irqchip/irqchip.h"
#include "x86/irqchip/model.h"
#include "x86/x86.h"

struct x86_pic {
	spinlock_t lock;	/* the model; interrupts off */
	struct x86_pic_model m;
};

struct x86_ioapic {
	spinlock_t lock;	/* the model; interrupts off */
	struct x86_ioapic_model m;
};

struct x86_pit {
	spinlock_t lock;	/* the model and the timer's restarts */
	struct x86_pit_model m;
	struct vireo_vm *vm;
	u32 flags;		/* KVM_PIT_SPEAKER_DUMMY: port 0x61 is ours */
	bool reinject;
	/* What the timer callback reads; written while it is cancelled. */
	s64 period_ns;
	struct hrtimer timer;
	struct work_struct tick;
	/*
	 * Reinject mode: ticks the guest has not yet taken, and whether it
	 * acknowledged the last one (the next is raised only then).
	 */
	atomic_t pending;
	atomic_t irq_ack;
};

/* Published once, before or while vCPUs run: readers pair with these. */
static struct x86_irqchip *x86_chip(struct vireo_vm *vm)
{
	/* Pairs with the release in x86_create_irqchip(). */
	struct x86_irqchip *ic = smp_load_acquire(&to_x86_vm(vm)->irqchip);

	return ic && ic->mode == X86_IRQCHIP_KERNEL ? ic : NULL;
}

static struct x86_pit *x86_pit(struct vireo_vm *vm)
{
	/* Pairs with the release in x86_create_pit(). */
	return smp_load_acquire(&to_x86_vm(vm)->pit);
}

static s64 x86_now(void)
{
	return ktime_get_ns();
}

/* ---- the PIT's tick and its acknowledgment ---- */

static void x86_pit_reset_reinject(struct x86_pit *pit)
{
	atomic_set(&pit->pending, 0);
	atomic_set(&pit->irq_ack, 1);
}

/*
 * One tick on GSI 0, wherever the VM's routes send it: 8259 IRQ 0 and
 * I/O APIC pin 0 by default, pin 2 as VMMs route it.
 */
static void x86_pit_pulse(struct vireo_vm *vm)
{
	vireo_irq_set_src(vm, 0, 1, X86_IRQ_SRC_PIT);
	vireo_irq_set_src(vm, 0, 0, X86_IRQ_SRC_PIT);
}

static void x86_pit_tick(struct work_struct *work)
{
	struct x86_pit *pit = container_of(work, struct x86_pit, tick);

	/* Reinject: one tick at a time, each after the last was taken. */
	if (READ_ONCE(pit->reinject) && !atomic_xchg(&pit->irq_ack, 0))
		return;
	x86_pit_pulse(pit->vm);
}

static enum hrtimer_restart x86_pit_fire(struct hrtimer *timer)
{
	struct x86_pit *pit = container_of(timer, struct x86_pit, timer);

	if (READ_ONCE(pit->reinject))
		atomic_inc(&pit->pending);
	queue_work(system_highpri_wq, &pit->tick);
	if (!pit->period_ns)
		return HRTIMER_NORESTART;
	hrtimer_add_expires_ns(timer, pit->period_ns);
	return HRTIMER_RESTART;
}

/* The guest took a tick: raise the next one it is owed. */
static void x86_pit_acked(struct vireo_vm *vm)
{
	struct x86_pit *pit = x86_pit(vm);

	if (!pit || !READ_ONCE(pit->reinject))
		return;
	atomic_set(&pit->irq_ack, 1);
	/* irq_ack before pending: pairs with the timer's inc and the xchg. */
	smp_mb__after_atomic();
	if (atomic_dec_if_positive(&pit->pending) > 0)
		queue_work(system_highpri_wq, &pit->tick);
}

/* A masked line never acknowledges: start counting again on unmask. */
static void x86_pit_unmasked(struct vireo_vm *vm)
{
	struct x86_pit *pit = x86_pit(vm);

	if (pit && READ_ONCE(pit->reinject))
		x86_pit_reset_reinject(pit);
}

/* With pit->lock held: follow the model's channel 0. */
static void x86_pit_rearm(struct x86_pit *pit)
{
	struct x86_pit_model *m = &pit->m;

	if (!m->timer_changed)
		return;
	m->timer_changed = false;
	hrtimer_cancel(&pit->timer);
	if (!m->armed)
		return;
	x86_pit_reset_reinject(pit);
	pit->period_ns = m->periodic ? m->period_ns : 0;
	hrtimer_start(&pit->timer, ns_to_ktime(m->first_ns), HRTIMER_MODE_ABS);
}

/* ---- 8259 pair ---- */

/* After an access, with the lock dropped: tell whoever must know. */
static void x86_pic_notify(struct vireo_vm *vm, bool was, bool now, u16 acked,
			   u16 unmasked)
{
	unsigned long bits = acked;
	unsigned int irq;

	if (was != now)
		x86_apic_extint_changed(vm);
	for_each_set_bit(irq, &bits, 16)
		vireo_irq_acked(vm, irq / 8, irq % 8);
	if (acked & 1)
		x86_pit_acked(vm);
	if (unmasked & 1)
		x86_pit_unmasked(vm);
}

static void x86_pic_drive(struct vireo_vm *vm, struct x86_irqchip *ic,
			  unsigned int irq, unsigned int src, bool level,
			  int *ret)
{
	struct x86_pic *pic = ic->pic;
	unsigned long flags;
	bool was, now;

	spin_lock_irqsave(&pic->lock, flags);
	was = pic->m.output;
	*ret = x86_pic_model_set(&pic->m, irq, src, level);
	now = pic->m.output;
	spin_unlock_irqrestore(&pic->lock, flags);
	x86_pic_notify(vm, was, now, 0, 0);
}

static bool x86_pic_io(struct vireo_vm *vm, u16 port, unsigned int size,
		       bool in, u32 *val)
{
	struct x86_irqchip *ic = x86_chip(vm);
	struct x86_pic *pic;
	unsigned long flags;
	u16 acked, unmasked;
	bool was, now;

	if (!ic || !x86_pic_model_port(port, size))
		return false;
	/* kvm.ko takes wider accesses and ignores them, reading 0. */
	if (size != 1) {
		if (in)
			*val = 0;
		return true;
	}
	pic = ic->pic;
	spin_lock_irqsave(&pic->lock, flags);
	was = pic->m.output;
	if (in)
		*val = x86_pic_model_read(&pic->m, port);
	else
		x86_pic_model_write(&pic->m, port, *val);
	now = pic->m.output;
	acked = pic->m.acked;
	unmasked = pic->m.unmasked;
	pic->m.acked = 0;
	pic->m.unmasked = 0;
	spin_unlock_irqrestore(&pic->lock, flags);
	x86_pic_notify(vm, was, now, acked, unmasked);
	return true;
}

/**
 * x86_pic_intack - the 8259 pair's INTA cycle
 * @vm: the VM
 *
 * Return: the vector it gives, or -1 without an in-kernel 8259 pair.
 */
int x86_pic_intack(struct vireo_vm *vm)
{
	struct x86_irqchip *ic = x86_chip(vm);
	struct x86_pic *pic;
	unsigned long flags;
	bool was, now;
	u16 acked;
	int vec;

	if (!ic)
		return -1;
	pic = ic->pic;
	spin_lock_irqsave(&pic->lock, flags);
	was = pic->m.output;
	vec = x86_pic_model_intack(&pic->m);
	now = pic->m.output;
	acked = pic->m.acked;
	pic->m.acked = 0;
	spin_unlock_irqrestore(&pic->lock, flags);
	x86_pic_notify(vm, was, now, acked, 0);
	return vec;
}

/**
 * x86_pic_output - is the 8259 pair's INTR output asserted?
 * @vm: the VM
 *
 * Return: its level; false without an in-kernel 8259 pair.
 */
bool x86_pic_output(struct vireo_vm *vm)
{
	struct x86_irqchip *ic = x86_chip(vm);

	return ic && READ_ONCE(ic->pic->m.output);
}

/* ---- I/O APIC ---- */

/*
 * Send the messages the model queued, with the lock dropped.  Return: the
 * delivery result for @pin (-1 none matched, else how many took it), or
 * @r when @pin sent nothing.
 */
static int x86_ioapic_send(struct vireo_vm *vm, struct x86_ioapic *io,
			   unsigned long pins, const u64 *entries, int pin,
			   int r)
{
	unsigned long flags;
	unsigned int i;

	for_each_set_bit(i, &pins, X86_IOAPIC_PINS) {
		u64 e = entries[i];
		struct x86_apic_irq irq = {
			.dest = X86_IOAPIC_DEST(e),
			.vector = e & X86_IOAPIC_VECTOR,
			.delivery = X86_IOAPIC_DELMODE(e),
			.logical = !!(e & X86_IOAPIC_DESTMODE),
			.level = !!(e & X86_IOAPIC_LEVEL),
			.assert = true,
		};
		int d = x86_apic_deliver(vm, &irq);

		if (!d) {
			spin_lock_irqsave(&io->lock, flags);
			x86_ioapic_model_coalesced(&io->m, i);
			spin_unlock_irqrestore(&io->lock, flags);
		}
		if ((int)i == pin)
			r = d;
	}
	return r;
}

/* With io->lock held: what to send and whom to tell once it is dropped. */
struct x86_ioapic_out {
	u32 send, acked, unmasked;
	u64 entries[X86_IOAPIC_PINS];
};

static void x86_ioapic_collect(struct x86_ioapic *io,
			       struct x86_ioapic_out *o)
{
	unsigned int i;

	o->send = x86_ioapic_model_take(&io->m);
	o->acked = io->m.acked;
	o->unmasked = io->m.unmasked;
	io->m.acked = 0;
	io->m.unmasked = 0;
	for (i = 0; i < X86_IOAPIC_PINS; i++)
		if (o->send & (1u << i))
			o->entries[i] = io->m.s.redirtbl[i].bits;
}

/* The PIT's line is GSI 0: pin 0 by default, pin 2 as VMMs route it. */
#define X86_PIT_PINS	(BIT(0) | BIT(2))

/* @told: pins whose acknowledgment the resamplers have heard already. */
static int x86_ioapic_finish(struct vireo_vm *vm, struct x86_ioapic *io,
			     struct x86_ioapic_out *o, int pin, int r,
			     unsigned long told)
{
	unsigned long acked = o->acked & ~told;
	unsigned int i;

	r = x86_ioapic_send(vm, io, o->send, o->entries, pin, r);
	for_each_set_bit(i, &acked, X86_IOAPIC_PINS)
		vireo_irq_acked(vm, KVM_IRQCHIP_IOAPIC, i);
	if (o->acked & X86_PIT_PINS)
		x86_pit_acked(vm);
	if (o->unmasked & X86_PIT_PINS)
		x86_pit_unmasked(vm);
	return r;
}

static int x86_ioapic_drive(struct vireo_vm *vm, struct x86_irqchip *ic,
			    unsigned int pin, unsigned int src, bool level)
{
	struct x86_ioapic *io = ic->ioapic;
	struct x86_ioapic_out o;
	unsigned long flags;
	int r;

	spin_lock_irqsave(&io->lock, flags);
	r = x86_ioapic_model_set(&io->m, pin, src, level);
	x86_ioapic_collect(io, &o);
	spin_unlock_irqrestore(&io->lock, flags);
	return x86_ioapic_finish(vm, io, &o, pin, r, 0);
}

/**
 * x86_ioapic_eoi - a local APIC's EOI for @vector
 * @vm: the VM
 * @vector: the vector
 *
 * Level pins with that vector lose remote IRR and send again while their
 * line is high; every pin with it counts as acknowledged (the PIT's
 * reinjection waits for that).
 */
void x86_ioapic_eoi(struct vireo_vm *vm, u8 vector)
{
	struct x86_irqchip *ic = x86_chip(vm);
	struct x86_ioapic_out o;
	struct x86_ioapic *io;
	unsigned long flags, pins = 0;
	unsigned int i;

	if (!ic)
		return;
	io = ic->ioapic;
	/*
	 * Resampled irqfds lower the lines of the pins this EOI ends before
	 * it is applied, as kvm.ko's ack notifiers run: a level pin whose
	 * device has gone quiet is then not sent again.  Outside the lock,
	 * which lowering a line takes.
	 */
	spin_lock_irqsave(&io->lock, flags);
	for (i = 0; i < X86_IOAPIC_PINS; i++)
		if ((u8)io->m.s.redirtbl[i].bits == vector)
			pins |= BIT(i);
	spin_unlock_irqrestore(&io->lock, flags);
	for_each_set_bit(i, &pins, X86_IOAPIC_PINS)
		vireo_irq_acked(vm, KVM_IRQCHIP_IOAPIC, i);
	spin_lock_irqsave(&io->lock, flags);
	x86_ioapic_model_eoi(&io->m, vector);
	x86_ioapic_collect(io, &o);
	spin_unlock_irqrestore(&io->lock, flags);
	/* The PIT still counts its pins' acknowledgment. */
	x86_ioapic_finish(vm, io, &o, -1, 0, pins);
}

/**
 * x86_ioapic_has_vector - is @vector one an EOI must report here?
 * @vm: the VM
 * @vector: the vector
 *
 * Masked pins count too: the question is whether x86_ioapic_eoi() has
 * anything to do for @vector, and a pin unmasked later would.
 *
 * Return: true when a pin of the in-kernel I/O APIC holds @vector.
 */
bool x86_ioapic_has_vector(struct vireo_vm *vm, u8 vector)
{
	struct x86_irqchip *ic = x86_chip(vm);
	struct x86_ioapic *io;
	unsigned long flags;
	bool found = false;
	unsigned int i;

	if (!ic)
		return false;
	io = ic->ioapic;
	spin_lock_irqsave(&io->lock, flags);
	for (i = 0; i < X86_IOAPIC_PINS && !found; i++)
		found = (u8)io->m.s.redirtbl[i].bits == vector;
	spin_unlock_irqrestore(&io->lock, flags);
	return found;
}

/**
 * x86_irqchip_mmio - a guest's access to the I/O APIC's page
 * @vm: the VM
 * @gpa: the address
 * @len: 1, 2, 4 or 8 bytes
 * @write: a store (*@val holds the data) rather than a load (*@val gets it)
 * @val: the data
 *
 * Return: true when the in-kernel I/O APIC took the access.
 */
bool x86_irqchip_mmio(struct vireo_vm *vm, u64 gpa, unsigned int len,
		      bool write, u64 *val)
{
	struct x86_irqchip *ic = x86_chip(vm);
	struct x86_ioapic_out o;
	struct x86_ioapic *io;
	unsigned long flags;

	if (!ic)
		return false;
	io = ic->ioapic;
	spin_lock_irqsave(&io->lock, flags);
	if (!x86_ioapic_model_mmio(&io->m, gpa, len)) {
		spin_unlock_irqrestore(&io->lock, flags);
		return false;
	}
	if (write)
		x86_ioapic_model_write(&io->m, gpa, len, *val);
	else
		*val = x86_ioapic_model_read(&io->m, gpa, len);
	x86_ioapic_collect(io, &o);
	spin_unlock_irqrestore(&io->lock, flags);
	x86_ioapic_finish(vm, io, &o, -1, 0, 0);
	return true;
}

/**
 * x86_irqchip_set - drive an input of the 8259 pair or the I/O APIC
 * @vm: the VM
 * @chip: KVM_IRQCHIP_PIC_MASTER, _PIC_SLAVE or _IOAPIC
 * @pin: the input on that chip
 * @level: the level its source gives it
 * @src: the source (enum x86_irq_source): userspace or an irqfd, the PIT
 *
 * Return: >0 delivered, 0 coalesced, <0 masked (KVM_IRQ_LINE_STATUS).
 */
int x86_irqchip_set(struct vireo_vm *vm, u32 chip, u32 pin, int level,
		    unsigned int src)
{
	struct x86_irqchip *ic = x86_chip(vm);
	int r = -1;

	/* The core's VIREO_IRQ_SRC_USER is X86_IRQ_SRC_USER. */
	BUILD_BUG_ON(X86_IRQ_SRC_USER != VIREO_IRQ_SRC_USER);
	if (!ic || src > X86_IRQ_SRC_PIT)
		return -1;
	switch (chip) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		if (pin < 8)
			x86_pic_drive(vm, ic, chip * 8 + pin, src, level, &r);
		return r;
	case KVM_IRQCHIP_IOAPIC:
		if (pin >= X86_IOAPIC_PINS)
			return -1;
		return x86_ioapic_drive(vm, ic, pin, src, level);
	default:
		return -1;
	}
}

/* ---- port I/O ---- */

static bool x86_pit_io(struct vireo_vm *vm, u16 port, unsigned int size,
		       bool in, u32 *val)
{
	struct x86_pit *pit = x86_pit(vm);
	bool speaker = port == 0x61;
	s64 now;

	if (!pit)
		return false;
	if (speaker) {
		if (!(pit->flags & KVM_PIT_SPEAKER_DUMMY) || size > 4)
			return false;
	} else if (port < 0x40 || port + size > 0x44) {
		return false;
	}
	spin_lock(&pit->lock);
	now = x86_now();
	pit->m.irqchip = x86_chip(vm);
	if (speaker && in)
		*val = x86_pit_model_speaker_read(&pit->m, now);
	else if (speaker)
		x86_pit_model_speaker_write(&pit->m, *val, now);
	else if (in)
		*val = x86_pit_model_read(&pit->m, port, now);
	else
		x86_pit_model_write(&pit->m, port, *val, now);
	x86_pit_rearm(pit);
	spin_unlock(&pit->lock);
	return true;
}

/**
 * x86_irqchip_pio - a guest's IN or OUT to a device in the kernel
 * @vm: the VM
 * @port: the port
 * @size: 1, 2 or 4 bytes
 * @in: IN (*@val gets the data) rather than OUT (*@val holds it)
 * @val: the data
 *
 * Return: true when the 8259 pair, the ELCR, the PIT or its speaker port
 * took the access; false for userspace to handle.
 */
bool __vireo_hot x86_irqchip_pio(struct vireo_vm *vm, u16 port, unsigned int size,
				 bool in, u32 *val)
{
	return x86_pic_io(vm, port, size, in, val) ||
	       x86_pit_io(vm, port, size, in, val);
}

/* ---- lifetime ---- */

static int x86_create_irqchip(struct vireo_vm *vm)
{
	struct x86_vm *xv = to_x86_vm(vm);
	struct x86_irqchip *ic;
	int r = 0;

	mutex_lock(&vm->lock);
	if (xv->irqchip) {
		r = -EEXIST;
		goto out;
	}
	if (vm->nr_vcpus) {
		r = -EINVAL;
		goto out;
	}
	ic = vireo_zalloc(sizeof(*ic));
	if (!ic) {
		r = -ENOMEM;
		goto out;
	}
	ic->pic = vireo_zalloc(sizeof(*ic->pic));
	ic->ioapic = vireo_zalloc(sizeof(*ic->ioapic));
	if (!ic->pic || !ic->ioapic) {
		vireo_free(ic->pic);
		vireo_free(ic->ioapic);
		vireo_free(ic);
		r = -ENOMEM;
		goto out;
	}
	ic->mode = X86_IRQCHIP_KERNEL;
	spin_lock_init(&ic->pic->lock);
	x86_pic_model_init(&ic->pic->m);
	spin_lock_init(&ic->ioapic->lock);
	x86_ioapic_model_init(&ic->ioapic->m);
	r = x86_irq_default_routes(vm);
	if (r) {
		vireo_free(ic->pic);
		vireo_free(ic->ioapic);
		vireo_free(ic);
		goto out;
	}
	/* Initialised before published: pairs with x86_chip(). */
	smp_store_release(&xv->irqchip, ic);
out:
	mutex_unlock(&vm->lock);
	return r;
}

static int x86_create_pit(struct vireo_vm *vm, void __user *argp)
{
	struct x86_vm *xv = to_x86_vm(vm);
	struct kvm_pit_config cfg;
	struct x86_pit *pit;
	int r = 0;

	if (copy_from_user(&cfg, argp, sizeof(cfg)))
		return -EFAULT;
	mutex_lock(&vm->lock);
	if (xv->pit) {
		r = -EEXIST;
		goto out;
	}
	pit = vireo_zalloc(sizeof(*pit));
	if (!pit) {
		r = -ENOMEM;
		goto out;
	}
	spin_lock_init(&pit->lock);
	pit->vm = vm;
	pit->flags = cfg.flags;
	pit->reinject = true;
	x86_pit_reset_reinject(pit);
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pit->timer.function = x86_pit_fire;
	INIT_WORK(&pit->tick, x86_pit_tick);
	x86_pit_model_init(&pit->m, x86_now(), x86_chip(vm));
	/* Initialised before published: pairs with x86_pit(). */
	smp_store_release(&xv->pit, pit);
out:
	mutex_unlock(&vm->lock);
	return r;
}

/**
 * x86_irqchip_release - the VM's last reference is gone
 * @vm: the VM
 *
 * Before its vCPUs are freed: the PIT's timer and tick stop, so nothing
 * raises a line towards a local APIC that is going away.
 */
void x86_irqchip_release(struct vireo_vm *vm)
{
	struct x86_pit *pit = to_x86_vm(vm)->pit;

	if (!pit)
		return;
	WRITE_ONCE(pit->reinject, false);
	hrtimer_cancel(&pit->timer);
	cancel_work_sync(&pit->tick);
}

/**
 * x86_irqchip_free - free the devices (vm_destroy, after the vCPUs)
 * @vm: the VM
 */
void x86_irqchip_free(struct vireo_vm *vm)
{
	struct x86_vm *xv = to_x86_vm(vm);
	struct x86_irqchip *ic = xv->irqchip;

	x86_irqchip_release(vm);
	vireo_free(xv->pit);
	xv->pit = NULL;
	/* SPLIT mode's has no devices: NULL, which vireo_free() takes. */
	if (ic) {
		vireo_free(ic->pic);
		vireo_free(ic->ioapic);
		vireo_free(ic);
		xv->irqchip = NULL;
	}
}

/* ---- state ioctls ---- */

static int x86_get_irqchip(struct vireo_vm *vm, struct kvm_irqchip *chip)
{
	struct x86_irqchip *ic = x86_chip(vm);
	unsigned long flags;

	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		spin_lock_irqsave(&ic->pic->lock, flags);
		chip->chip.pic = ic->pic->m.chip[chip->chip_id];
		spin_unlock_irqrestore(&ic->pic->lock, flags);
		return 0;
	case KVM_IRQCHIP_IOAPIC:
		spin_lock_irqsave(&ic->ioapic->lock, flags);
		x86_ioapic_model_get(&ic->ioapic->m, &chip->chip.ioapic);
		spin_unlock_irqrestore(&ic->ioapic->lock, flags);
		return 0;
	default:
		return -EINVAL;
	}
}

static int x86_set_irqchip(struct vireo_vm *vm, const struct kvm_irqchip *chip)
{
	struct x86_irqchip *ic = x86_chip(vm);
	struct x86_pic *pic = ic->pic;
	struct x86_ioapic_out o;
	unsigned long flags;
	bool was, now;
	int r = 0;

	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		spin_lock_irqsave(&pic->lock, flags);
		pic->m.chip[chip->chip_id] = chip->chip.pic;
		spin_unlock_irqrestore(&pic->lock, flags);
		break;
	case KVM_IRQCHIP_IOAPIC:
		spin_lock_irqsave(&ic->ioapic->lock, flags);
		x86_ioapic_model_set_state(&ic->ioapic->m, &chip->chip.ioapic);
		x86_ioapic_collect(ic->ioapic, &o);
		spin_unlock_irqrestore(&ic->ioapic->lock, flags);
		x86_ioapic_finish(vm, ic->ioapic, &o, -1, 0, 0);
		break;
	default:
		r = -EINVAL;
		break;
	}
	/* kvm.ko looks at the 8259 output again whatever was set. */
	spin_lock_irqsave(&pic->lock, flags);
	was = pic->m.output;
	x86_pic_model_update(&pic->m);
	now = pic->m.output;
	spin_unlock_irqrestore(&pic->lock, flags);
	x86_pic_notify(vm, was, now, 0, 0);
	return r;
}

static int x86_irqchip_state(struct vireo_vm *vm, unsigned int cmd,
			     void __user *argp)
{
	struct kvm_irqchip *chip;
	int r;

	chip = memdup_user(argp, sizeof(*chip));
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	if (!x86_chip(vm))
		r = -ENXIO;
	else if (cmd == KVM_SET_IRQCHIP)
		r = x86_set_irqchip(vm, chip);
	else
		r = x86_get_irqchip(vm, chip);
	if (!r && cmd == KVM_GET_IRQCHIP &&
	    copy_to_user(argp, chip, sizeof(*chip)))
		r = -EFAULT;
	kfree(chip);
	return r;
}

static int x86_pit_state(struct vireo_vm *vm, unsigned int cmd,
			 void __user *argp)
{
	struct x86_pit *pit = x86_pit(vm);
	struct kvm_pit_state2 ps;

	if (cmd == KVM_GET_PIT2) {
		if (!pit)
			return -ENXIO;
		spin_lock(&pit->lock);
		ps = pit->m.s;
		spin_unlock(&pit->lock);
		memset(ps.reserved, 0, sizeof(ps.reserved));
		return copy_to_user(argp, &ps, sizeof(ps)) ? -EFAULT : 0;
	}
	if (copy_from_user(&ps, argp, sizeof(ps)))
		return -EFAULT;
	if (!pit)
		return -ENXIO;
	spin_lock(&pit->lock);
	pit->m.irqchip = x86_chip(vm);
	x86_pit_model_set_state(&pit->m, &ps, x86_now());
	x86_pit_rearm(pit);
	spin_unlock(&pit->lock);
	return 0;
}

static int x86_reinject_control(struct vireo_vm *vm, void __user *argp)
{
	struct kvm_reinject_control ctl;
	struct x86_pit *pit = x86_pit(vm);

	if (copy_from_user(&ctl, argp, sizeof(ctl)))
		return -EFAULT;
	if (!pit)
		return -ENXIO;
	spin_lock(&pit->lock);
	if (!pit->reinject && ctl.pit_reinject)
		x86_pit_reset_reinject(pit);
	WRITE_ONCE(pit->reinject, !!ctl.pit_reinject);
	spin_unlock(&pit->lock);
	return 0;
}

/**
 * x86_irqchip_vm_ioctl - the in-kernel 8259/I/O APIC/PIT VM ioctls
 * @vm: the VM
 * @cmd: the ioctl
 * @argp: its argument
 *
 * Return: 0 or -errno as kvm.ko; -ENOTTY when @cmd is none of them.
 */
long x86_irqchip_vm_ioctl(struct vireo_vm *vm, unsigned int cmd,
			  void __user *argp)
{
	switch (cmd) {
	case KVM_CREATE_IRQCHIP:
		return x86_create_irqchip(vm);
	case KVM_GET_IRQCHIP:
	case KVM_SET_IRQCHIP:
		return x86_irqchip_state(vm, cmd, argp);
	case KVM_CREATE_PIT2:
		return x86_create_pit(vm, argp);
	case KVM_GET_PIT2:
	case KVM_SET_PIT2:
		return x86_pit_state(vm, cmd, argp);
	case KVM_REINJECT_CONTROL:
		return x86_reinject_control(vm, argp);
	default:
		return -ENOTTY;
	}
}
