// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC (xAPIC), after the Intel SDM vol. 3A chapter "Advanced
 * Programmable Interrupt Controller". Registers are 32 bits wide at 16-byte
 * strides; other accesses read the containing register's bytes and write
 * nothing. IPIs are delivered at once, so ICR's delivery status reads idle.
 */
#include <string.h>

#include "../bus.h"
#include "lapic.h"

static void vec_set(uint32_t *r, unsigned int v)
{
	r[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t *r, unsigned int v)
{
	r[v >> 5] &= ~(1u << (v & 31));
}

/* Highest set vector, or -1. */
static int vec_highest(const uint32_t *r)
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

static void set_timer_deadline(struct lapic *l, uint64_t deadline)
{
	l->timer_deadline_ns = deadline;
	if (l->arm)
		l->arm(l->ctx, deadline);
}

/* Power-up and INIT state; INIT keeps the APIC ID. */
static void reset(struct lapic *l)
{
	l->tpr = l->ldr = l->esr = l->esr_pending = 0;
	l->icr_lo = l->icr_hi = 0;
	l->dfr = 0xffffffff;
	l->svr = 0xff;
	for (int i = 0; i < LVT_NR; i++)
		l->lvt[i] = LAPIC_LVT_MASKED;
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	l->tdcr = l->tmict = 0;
	l->timer_start_ns = 0;
	l->nmi_pending = false;
	l->extint_pending = false;
	if (l->timer_deadline_ns)
		set_timer_deadline(l, 0);
}

void lapic_init(struct lapic *l, unsigned int index,
		struct lapic *const *group, unsigned int group_n,
		uint64_t (*now)(void *ctx),
		void (*arm)(void *ctx, uint64_t deadline_ns),
		void (*notify)(void *ctx), void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->index = index;
	l->id = index << 24;
	l->group = group;
	l->group_n = group_n;
	l->now = now;
	l->arm = arm;
	l->notify = notify;
	l->ctx = ctx;
	reset(l);
}

void lapic_virtual_wire(struct lapic *l)
{
	l->svr = LAPIC_SVR_ENABLE | 0xff;
	l->lvt[LVT_LINT0] = DM_EXTINT << 8;
	l->lvt[LVT_LINT1] = DM_NMI << 8;
}

static void notify(struct lapic *l)
{
	if (l->notify)
		l->notify(l->ctx);
}

uint32_t lapic_ppr(const struct lapic *l)
{
	int isrv = vec_highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

int lapic_pending(const struct lapic *l)
{
	int v = vec_highest(l->irr);

	if (v < 0 || !(l->svr & LAPIC_SVR_ENABLE))
		return -1;
	return ((uint32_t)v & 0xf0) > (lapic_ppr(l) & 0xf0) ? v : -1;
}

int lapic_ack(struct lapic *l)
{
	int v = lapic_pending(l);

	if (v >= 0) {
		vec_clear(l->irr, (unsigned int)v);
		vec_set(l->isr, (unsigned int)v);
	}
	return v;
}

bool lapic_extint(const struct lapic *l)
{
	uint32_t lvt = l->lvt[LVT_LINT0];

	return !(lvt & LAPIC_LVT_MASKED) && ((lvt >> 8) & 7) == DM_EXTINT;
}

static void error(struct lapic *l, uint32_t bit)
{
	l->esr_pending |= bit;
	/* The error LVT's interrupt, if unmasked. */
	if (!(l->lvt[LVT_ERROR] & LAPIC_LVT_MASKED) &&
	    (l->lvt[LVT_ERROR] & 0xff) >= 16) {
		vec_set(l->irr, l->lvt[LVT_ERROR] & 0xff);
		notify(l);
	}
}

void lapic_accept_trig(struct lapic *l, uint8_t vector, bool level)
{
	if (vector < 16) {
		error(l, 1u << 6);		/* receive illegal vector */
		return;
	}
	vec_set(l->irr, vector);
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
	notify(l);
}

void lapic_accept(struct lapic *l, uint8_t vector)
{
	lapic_accept_trig(l, vector, false);
}

void lapic_set_eoi_hook(struct lapic *l,
			void (*eoi_level)(void *ctx, uint8_t vector),
			void *ctx)
{
	l->eoi_level = eoi_level;
	l->eoi_ctx = ctx;
}

/* Timer divide configuration (bits 0, 1, 3) as a divisor 1..128. */
static uint64_t divisor(const struct lapic *l)
{
	uint32_t v = (l->tdcr & 3) | ((l->tdcr >> 1) & 4);

	return v == 7 ? 1 : 2ULL << v;
}

static uint64_t period_ns(const struct lapic *l)
{
	/* LAPIC_BUS_HZ is 1 GHz: a bus tick is a nanosecond. */
	return (uint64_t)l->tmict * divisor(l);
}

uint32_t lapic_timer_count(const struct lapic *l, uint64_t now)
{
	uint64_t ticks;

	if (!l->tmict || now < l->timer_start_ns)
		return l->tmict;
	ticks = (now - l->timer_start_ns) / divisor(l);
	if (l->lvt[LVT_TIMER] & LAPIC_TIMER_PERIODIC)
		return l->tmict - (uint32_t)(ticks % l->tmict);
	return ticks >= l->tmict ? 0 : l->tmict - (uint32_t)ticks;
}

static void timer_start(struct lapic *l)
{
	uint64_t p = period_ns(l);

	l->timer_start_ns = l->now ? l->now(l->ctx) : 0;
	if (!l->tmict) {
		set_timer_deadline(l, 0);
		return;
	}
	if ((l->lvt[LVT_TIMER] & LAPIC_TIMER_PERIODIC) && p < LAPIC_MIN_PERIOD_NS)
		p = LAPIC_MIN_PERIOD_NS;
	set_timer_deadline(l, l->timer_start_ns + p);
}

void lapic_timer_expire(struct lapic *l)
{
	uint64_t now, p;

	if (!l->timer_deadline_ns)
		return;
	now = l->now ? l->now(l->ctx) : 0;
	if (now < l->timer_deadline_ns) {
		set_timer_deadline(l, l->timer_deadline_ns);	/* early */
		return;
	}
	if (!(l->lvt[LVT_TIMER] & LAPIC_LVT_MASKED))
		lapic_accept(l, (uint8_t)l->lvt[LVT_TIMER]);
	if (!(l->lvt[LVT_TIMER] & LAPIC_TIMER_PERIODIC)) {
		set_timer_deadline(l, 0);
		return;
	}
	/* Periodic: the next period boundary after now; missed ones merge. */
	p = period_ns(l);
	if (p < LAPIC_MIN_PERIOD_NS)
		p = LAPIC_MIN_PERIOD_NS;
	set_timer_deadline(l, l->timer_deadline_ns +
			   ((now - l->timer_deadline_ns) / p + 1) * p);
}

/* Does l accept destination dest in the given mode (SDM: "Logical
 * Destination Mode", flat and cluster models)? */
static bool dest_match(const struct lapic *l, uint8_t dest, bool logical)
{
	uint8_t ldr = (uint8_t)(l->ldr >> 24);

	if (dest == 0xff)
		return true;
	if (!logical)
		return dest == (uint8_t)(l->id >> 24);
	if ((l->dfr >> 28) == 0xf)		/* flat */
		return ldr & dest;
	/* cluster: high nibble the cluster, low nibble a bit per APIC */
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

/*
 * One APIC takes a message. init_deassert: an INIT level de-assert IPI,
 * which only resyncs arbitration IDs. False when it refuses the vector.
 */
static bool deliver(struct lapic *t, const struct lapic_msg *m,
		    bool init_deassert)
{
	switch (m->mode) {
	case DM_FIXED:
	case DM_LOWEST:
		if (m->vector < 16) {
			error(t, 1u << 6);	/* receive illegal vector */
			return false;
		}
		lapic_accept_trig(t, m->vector, m->level);
		break;
	case DM_NMI:
		t->nmi_pending = true;
		notify(t);
		break;
	case DM_INIT:
		/* The BSP is not reset by the VMM. */
		if (init_deassert || t->index == 0)
			break;
		reset(t);
		t->init_pending = true;
		t->wait_sipi = true;
		t->sipi_pending = false;
		notify(t);
		break;
	case DM_STARTUP:
		if (t->wait_sipi && !t->sipi_pending) {
			t->sipi_pending = true;
			t->sipi_vector = m->vector;
			notify(t);
		}
		break;
	case DM_EXTINT:
		/* The CPU will fetch the vector from the 8259 (vcpu.c). */
		t->extint_pending = true;
		notify(t);
		break;
	default:	/* SMI, reserved: nothing here takes them */
		break;
	}
	return true;
}

/*
 * Deliver m to the APICs of group that the shorthand (ICR bits 19:18; 0
 * for a destination field) selects, self being the sender.
 */
static unsigned int route(struct lapic *const *group, unsigned int n,
			  const struct lapic *self, unsigned int shorthand,
			  const struct lapic_msg *m, bool init_deassert)
{
	struct lapic *lowest = NULL;
	unsigned int taken = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct lapic *t = group[i];
		bool match;

		if (!t)
			continue;
		switch (shorthand) {
		case 1:
			match = t == self;
			break;
		case 2:
			match = true;
			break;
		case 3:
			match = t != self;
			break;
		default:
			match = dest_match(t, m->dest, m->logical);
			break;
		}
		if (!match)
			continue;
		/* Lowest priority: the one APIC with the lowest TPR. */
		if (m->mode == DM_LOWEST) {
			if (!lowest || (t->tpr & 0xff) < (lowest->tpr & 0xff))
				lowest = t;
			continue;
		}
		taken += deliver(t, m, init_deassert);
	}
	if (lowest)
		taken += deliver(lowest, m, init_deassert);
	return taken;
}

unsigned int lapic_deliver(struct lapic *const *group, unsigned int n,
			   const struct lapic_msg *m)
{
	return route(group, n, NULL, 0, m, false);
}

unsigned int lapic_msi(struct lapic *const *group, unsigned int n,
		       uint64_t addr, uint32_t data)
{
	struct lapic_msg m = {
		.vector = (uint8_t)data,
		.dest = (uint8_t)(addr >> 12),
		.mode = (data >> 8) & 7,
		.logical = addr & (1u << 2),
		.level = false,
	};

	if ((addr & ~0xfffffULL) != LAPIC_BASE)
		return 0;
	return route(group, n, NULL, 0, &m, false);
}

void lapic_send_ipi(struct lapic *l, uint32_t lo, uint32_t hi)
{
	struct lapic_msg m = {
		.vector = (uint8_t)lo,
		.dest = (uint8_t)(hi >> 24),
		.mode = (lo >> 8) & 7,
		.logical = lo & (1u << 11),
		.level = false,		/* IPIs are edge-triggered */
	};
	/* INIT with level 0 (bit 14) and trigger level (bit 15). */
	bool deassert = (lo & (1u << 15)) && !(lo & (1u << 14));

	if ((m.mode == DM_FIXED || m.mode == DM_LOWEST) && m.vector < 16) {
		error(l, 1u << 5);		/* send illegal vector */
		return;
	}
	route(l->group, l->group_n, l, (lo >> 18) & 3, &m, deassert);
}

/* The EOI retires the highest in-service vector; a level-triggered one
 * (TMR set) is broadcast to the I/O APIC. */
static void eoi(struct lapic *l)
{
	int v = vec_highest(l->isr);

	if (v < 0)
		return;
	vec_clear(l->isr, (unsigned int)v);
	if ((l->tmr[v >> 5] & (1u << (v & 31))) && l->eoi_level)
		l->eoi_level(l->eoi_ctx, (uint8_t)v);
}

uint32_t lapic_read(struct lapic *l, uint32_t off)
{
	if (off >= LAPIC_ISR && off < LAPIC_ISR + 0x80)
		return l->isr[(off - LAPIC_ISR) >> 4];
	if (off >= LAPIC_TMR && off < LAPIC_TMR + 0x80)
		return l->tmr[(off - LAPIC_TMR) >> 4];
	if (off >= LAPIC_IRR && off < LAPIC_IRR + 0x80)
		return l->irr[(off - LAPIC_IRR) >> 4];
	if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR)
		return l->lvt[(off - LAPIC_LVT_TIMER) >> 4];
	switch (off) {
	case LAPIC_ID:
		return l->id;
	case LAPIC_VER:
		return LAPIC_VERSION;
	case LAPIC_TPR:
		return l->tpr;
	case LAPIC_PPR:
		return lapic_ppr(l);
	case LAPIC_LDR:
		return l->ldr;
	case LAPIC_DFR:
		return l->dfr;
	case LAPIC_SVR:
		return l->svr;
	case LAPIC_ESR:
		return l->esr;
	case LAPIC_ICR_LO:
		return l->icr_lo;
	case LAPIC_ICR_HI:
		return l->icr_hi;
	case LAPIC_TMICT:
		return l->tmict;
	case LAPIC_TMCCT:
		return lapic_timer_count(l, l->now ? l->now(l->ctx) : 0);
	case LAPIC_TDCR:
		return l->tdcr;
	default:	/* APR, RRD, EOI (write-only), reserved */
		return 0;
	}
}

/* Writable bits of each LVT entry (delivery status and remote IRR are
 * read-only; the timer has no delivery mode). */
static const uint32_t lvt_bits[LVT_NR] = {
	[LVT_TIMER] = 0x700ff,
	[LVT_THERMAL] = 0x107ff,
	[LVT_PERF] = 0x107ff,
	[LVT_LINT0] = 0x1a7ff,
	[LVT_LINT1] = 0x1a7ff,
	[LVT_ERROR] = 0x100ff,
};

void lapic_write(struct lapic *l, uint32_t off, uint32_t val)
{
	if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERROR) {
		unsigned int i = (off - LAPIC_LVT_TIMER) >> 4;

		val &= lvt_bits[i];
		if (!(l->svr & LAPIC_SVR_ENABLE))
			val |= LAPIC_LVT_MASKED;
		l->lvt[i] = val;
		return;
	}
	switch (off) {
	case LAPIC_ID:
		l->id = val & 0xff000000;
		break;
	case LAPIC_TPR:
		l->tpr = val & 0xff;
		break;
	case LAPIC_EOI:
		eoi(l);
		break;
	case LAPIC_LDR:
		l->ldr = val & 0xff000000;
		break;
	case LAPIC_DFR:
		l->dfr = val | 0x0fffffff;
		break;
	case LAPIC_SVR:
		l->svr = val & 0x1ff;
		if (!(l->svr & LAPIC_SVR_ENABLE))
			for (int i = 0; i < LVT_NR; i++)
				l->lvt[i] |= LAPIC_LVT_MASKED;
		break;
	case LAPIC_ESR:
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case LAPIC_ICR_LO:
		l->icr_lo = val & ~(1u << 12);	/* delivery status: idle */
		lapic_send_ipi(l, l->icr_lo, l->icr_hi);
		break;
	case LAPIC_ICR_HI:
		l->icr_hi = val & 0xff000000;
		break;
	case LAPIC_TMICT:
		l->tmict = val;
		timer_start(l);
		break;
	case LAPIC_TDCR:
		l->tdcr = val & 0xb;
		break;
	default:	/* read-only or reserved */
		break;
	}
}

void lapic_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
	      bool w)
{
	struct lapic *l = opaque;
	uint32_t reg = (uint32_t)(off & ~3ULL);

	if (off >= LAPIC_SIZE || size > 4 || (off & 3) + size > 4)
		goto bad;
	if (w) {
		if (size == 4 && !(off & 3) && !(off & 0xf))
			lapic_write(l, reg, bus_get(d, 4));
		return;
	}
	bus_put(d, size, (reg & 0xf ? 0 : lapic_read(l, reg)) >> (8 * (off & 3)));
	return;
bad:
	if (!w)
		memset(d, 0, size);
}
