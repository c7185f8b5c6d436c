// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 (Intel 82C54 datasheet) as kvm.ko models it, so that
 * KVM_GET_PIT2 reads the same: counters derive from the time since their
 * count was loaded (channel 0: since its timer started), modes 6 and 7
 * alias 2 and 3, mode 0xff is "never programmed", the gate only restarts
 * the count of modes 1, 2, 3 and 5 on a rising edge, BCD is recorded but
 * counting stays binary, and the status byte's NULL COUNT bit stays 0.
 * Only channel 0 interrupts; its timer is the caller's to run from
 * start_ns, first_ns and period_ns.
 */
#include "x86/irqchip/model.h"

#ifdef __KERNEL__
#include <linux/math64.h>
#include <linux/string.h>
#else
#include <string.h>
#endif

#define NSEC_PER_SECOND	1000000000U

/* a * b / c without overflow in a * b */
static u64 pit_muldiv(u64 a, u32 b, u32 c)
{
#ifdef __KERNEL__
	return mul_u64_u32_div(a, b, c);
#else
	return (u64)((__uint128_t)a * b / c);
#endif
}

static u64 pit_mod(u64 a, u32 b)
{
	return b ? a % b : 0;
}

/* Nanoseconds channel @ch has counted (two's complement if time ran back) */
static s64 pit_elapsed(const struct x86_pit_model *p, unsigned int ch, s64 now)
{
	s64 next;

	/* Userspace sets count_load_time: no signed overflow. */
	if (ch)
		return (s64)((u64)now - (u64)p->s.channels[ch].count_load_time);
	if (!p->period_ns)
		return 0;
	/* As kvm.ko reads it off its timer: a period less the time left. */
	next = p->first_ns;
	if (p->periodic && now >= next)
		next += ((now - next) / p->period_ns + 1) * p->period_ns;
	return p->period_ns - (next - now);
}

static u64 pit_ticks(const struct x86_pit_model *p, unsigned int ch, s64 now)
{
	return pit_muldiv((u64)pit_elapsed(p, ch, now), X86_PIT_HZ,
			  NSEC_PER_SECOND);
}

/**
 * x86_pit_model_count - what counter @ch reads now
 * @p: the PIT
 * @ch: 0-2
 * @now: the clock, in ns
 *
 * Return: the count (the low 16 bits are what the guest reads).
 */
int x86_pit_model_count(const struct x86_pit_model *p, unsigned int ch,
			s64 now)
{
	const struct kvm_pit_channel_state *c = &p->s.channels[ch];
	u64 d = pit_ticks(p, ch, now);

	switch (c->mode) {
	case 0:
	case 1:
	case 4:
	case 5:
		return (c->count - d) & 0xffff;
	case 3:
		return c->count - pit_mod(2 * d, c->count);
	default:
		return c->count - pit_mod(d, c->count);
	}
}

/**
 * x86_pit_model_out - channel @ch's OUT pin now
 * @p: the PIT
 * @ch: 0-2
 * @now: the clock, in ns
 *
 * Return: its level.
 */
bool x86_pit_model_out(const struct x86_pit_model *p, unsigned int ch,
		       s64 now)
{
	const struct kvm_pit_channel_state *c = &p->s.channels[ch];
	u64 d = pit_ticks(p, ch, now);

	switch (c->mode) {
	case 1:
		return d < c->count;
	case 2:
		return pit_mod(d, c->count) == 0 && d;
	case 3:
		return pit_mod(d, c->count) < (((u64)c->count + 1) >> 1);
	case 4:
	case 5:
		return d == c->count;
	default:
		return d >= c->count;
	}
}

static void pit_timer(struct x86_pit_model *p, u32 count, bool periodic,
		      s64 now)
{
	s64 interval;

	if (!p->irqchip || (p->s.flags & KVM_PIT_FLAGS_HPET_LEGACY))
		return;
	interval = pit_muldiv(count, NSEC_PER_SECOND, X86_PIT_HZ);
	p->periodic = periodic;
	p->start_ns = now;
	p->first_ns = now + interval;
	p->period_ns = interval;
	/* A host timer firing every few µs would hog a host CPU. */
	if (periodic && p->period_ns < X86_PIT_MIN_PERIOD_NS)
		p->period_ns = X86_PIT_MIN_PERIOD_NS;
	p->armed = true;
	p->timer_changed = true;
}

static void pit_load(struct x86_pit_model *p, unsigned int ch, u32 val,
		     s64 now)
{
	struct kvm_pit_channel_state *c = &p->s.channels[ch];

	/* Zero is the largest count: 2^16. */
	c->count = val ? val : 0x10000;
	if (ch) {
		c->count_load_time = now;
		return;
	}
	switch (c->mode) {
	case 0:
	case 1:
	case 4:
		pit_timer(p, c->count, false, now);
		break;
	case 2:
	case 3:
		pit_timer(p, c->count, true, now);
		break;
	default:
		p->armed = false;
		p->timer_changed = true;
		break;
	}
}

/**
 * x86_pit_model_init - the PIT as KVM_CREATE_PIT2 leaves it
 * @p: the PIT
 * @now: the clock, in ns
 * @irqchip: an in-kernel I/O APIC exists
 */
void x86_pit_model_init(struct x86_pit_model *p, s64 now, bool irqchip)
{
	unsigned int i;

	memset(p, 0, sizeof(*p));
	p->irqchip = irqchip;
	for (i = 0; i < 3; i++) {
		p->s.channels[i].mode = 0xff;
		p->s.channels[i].gate = i != 2;
		pit_load(p, i, 0, now);
	}
	p->timer_changed = false;
}

static void pit_latch(struct x86_pit_model *p, unsigned int ch, s64 now)
{
	struct kvm_pit_channel_state *c = &p->s.channels[ch];

	if (c->count_latched)
		return;
	c->latched_count = x86_pit_model_count(p, ch, now);
	c->count_latched = c->rw_mode;
}

static void pit_latch_status(struct x86_pit_model *p, unsigned int ch,
			     s64 now)
{
	struct kvm_pit_channel_state *c = &p->s.channels[ch];

	if (c->status_latched)
		return;
	c->status = x86_pit_model_out(p, ch, now) << 7 | c->rw_mode << 4 |
		    c->mode << 1 | c->bcd;
	c->status_latched = 1;
}

static void pit_control(struct x86_pit_model *p, u8 val, s64 now)
{
	unsigned int ch = val >> 6, access = (val >> 4) & 3;
	struct kvm_pit_channel_state *c;

	if (ch == 3) {		/* read-back */
		for (ch = 0; ch < 3; ch++) {
			if (!(val & (2 << ch)))
				continue;
			if (!(val & 0x20))
				pit_latch(p, ch, now);
			if (!(val & 0x10))
				pit_latch_status(p, ch, now);
		}
		return;
	}
	if (!access) {		/* counter latch */
		pit_latch(p, ch, now);
		return;
	}
	c = &p->s.channels[ch];
	c->rw_mode = access;
	c->read_state = access;
	c->write_state = access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;
	c->bcd = val & 1;
}

/**
 * x86_pit_model_write - a guest's OUT to 0x40-0x43
 * @p: the PIT
 * @port: the port
 * @val: its low byte (wider writes give only that, as in kvm.ko)
 * @now: the clock, in ns
 */
void x86_pit_model_write(struct x86_pit_model *p, u16 port, u8 val, s64 now)
{
	unsigned int ch = port & 3;
	struct kvm_pit_channel_state *c;

	if (ch == 3) {
		pit_control(p, val, now);
		return;
	}
	c = &p->s.channels[ch];
	switch (c->write_state) {
	case X86_PIT_RW_MSB:
		pit_load(p, ch, (u32)val << 8, now);
		break;
	case X86_PIT_RW_WORD0:
		c->write_latch = val;
		c->write_state = X86_PIT_RW_WORD1;
		break;
	case X86_PIT_RW_WORD1:
		pit_load(p, ch, c->write_latch | (u32)val << 8, now);
		c->write_state = X86_PIT_RW_WORD0;
		break;
	default:
		pit_load(p, ch, val, now);
		break;
	}
}

/**
 * x86_pit_model_read - a guest's IN from 0x40-0x43
 * @p: the PIT
 * @port: the port
 * @now: the clock, in ns
 *
 * Return: the byte: a latched status first, then a latched count, else
 * the live count; the control port reads 0.
 */
u8 x86_pit_model_read(struct x86_pit_model *p, u16 port, s64 now)
{
	unsigned int ch = port & 3;
	struct kvm_pit_channel_state *c;
	int count;

	if (ch == 3)
		return 0;
	c = &p->s.channels[ch];
	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	switch (c->count_latched) {
	case 0:
		break;
	case X86_PIT_RW_MSB:
		c->count_latched = 0;
		return c->latched_count >> 8;
	case X86_PIT_RW_WORD0:
		c->count_latched = X86_PIT_RW_MSB;
		return c->latched_count & 0xff;
	default:
		c->count_latched = 0;
		return c->latched_count & 0xff;
	}
	count = x86_pit_model_count(p, ch, now);
	switch (c->read_state) {
	case X86_PIT_RW_MSB:
		return count >> 8;
	case X86_PIT_RW_WORD0:
		c->read_state = X86_PIT_RW_WORD1;
		return count;
	case X86_PIT_RW_WORD1:
		c->read_state = X86_PIT_RW_WORD0;
		return count >> 8;
	default:
		return count;
	}
}

/**
 * x86_pit_model_speaker_write - OUT to port 0x61
 * @p: the PIT
 * @val: bit 0 channel 2's gate, bit 1 the speaker's data enable
 * @now: the clock, in ns
 */
void x86_pit_model_speaker_write(struct x86_pit_model *p, u8 val, s64 now)
{
	struct kvm_pit_channel_state *c = &p->s.channels[2];
	u8 gate = val & 1;

	if (val & 2)
		p->s.flags |= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	else
		p->s.flags &= ~KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	/* A rising gate restarts the count, except in modes 0 and 4. */
	if (c->gate < gate && c->mode != 0 && c->mode != 4 && c->mode <= 5)
		c->count_load_time = now;
	c->gate = gate;
}

/**
 * x86_pit_model_speaker_read - IN from port 0x61
 * @p: the PIT
 * @now: the clock, in ns
 *
 * Return: gate 2 (bit 0), speaker data (1), a refresh toggle every 2^14 ns
 * (4), channel 2's OUT (5).
 */
u8 x86_pit_model_speaker_read(struct x86_pit_model *p, s64 now)
{
	return !!(p->s.flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON) << 1 |
	       (p->s.channels[2].gate & 1) | x86_pit_model_out(p, 2, now) << 5 |
	       (((u64)now >> 14) & 1) << 4;
}

/**
 * x86_pit_model_set_state - KVM_SET_PIT2
 * @p: the PIT
 * @s: what userspace gave, taken as is; every count is loaded again
 * @now: the clock, in ns
 *
 * Entering HPET legacy mode stops channel 0's timer; while in it, loads
 * do not start one.
 */
void x86_pit_model_set_state(struct x86_pit_model *p,
			     const struct kvm_pit_state2 *s, s64 now)
{
	bool start = !(p->s.flags & KVM_PIT_FLAGS_HPET_LEGACY) &&
		     (s->flags & KVM_PIT_FLAGS_HPET_LEGACY);
	u8 mode;
	unsigned int i;

	memcpy(p->s.channels, s->channels, sizeof(p->s.channels));
	p->s.flags = s->flags;
	for (i = 0; i < 3; i++) {
		if (i == 0 && start) {
			mode = p->s.channels[0].mode;
			p->s.channels[0].mode = 0xff;
			pit_load(p, 0, p->s.channels[0].count, now);
			p->s.channels[0].mode = mode;
		} else {
			pit_load(p, i, p->s.channels[i].count, now);
		}
	}
}
