/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 8259 pair, the I/O APIC and the 8254 as state machines: no locks,
 * clocks or interrupt delivery, which kmod/x86/irqchip/irqchip.c adds.
 * Pure: they also build for userspace unit tests and fuzzing
 * (kmod/pure.mk).
 *
 * Their state is kept in the very structures KVM_GET_IRQCHIP and
 * KVM_GET_PIT2 return, field for field as kvm.ko fills them, because
 * those ioctls copy it out and in unchecked.  So every field may hold
 * anything userspace wrote: the models mask what they index with.
 */
#ifndef VIREO_X86_IRQCHIP_MODEL_H
#define VIREO_X86_IRQCHIP_MODEL_H

#include <linux/kvm.h>
#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#else
#include <linux/types.h>
#include <stdbool.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;
#ifndef BIT_ULL
#define BIT_ULL(n)	(1ULL << (n))
#endif
#endif

/* Who drives an input: each source's level is kept, the line is their OR. */
enum x86_irq_source {
	X86_IRQ_SRC_USER,	/* KVM_IRQ_LINE, irqfd */
	X86_IRQ_SRC_PIT,
};

/* ---- 8259A pair (pic.c) ---- */

struct x86_pic_model {
	struct kvm_pic_state chip[2];	/* master, slave */
	u8 lines[16];			/* bit per enum x86_irq_source */
	bool output;			/* INTR to the CPU */
	u16 acked;			/* IRQs an EOI retired since last asked */
	u16 unmasked;			/* IRQs OCW1 unmasked since last asked */
};

void x86_pic_model_init(struct x86_pic_model *p);
int x86_pic_model_set(struct x86_pic_model *p, unsigned int irq,
		      unsigned int src, bool level);
int x86_pic_model_intack(struct x86_pic_model *p);
void x86_pic_model_update(struct x86_pic_model *p);
bool x86_pic_model_port(u16 port, unsigned int len);
void x86_pic_model_write(struct x86_pic_model *p, u16 port, u8 val);
u8 x86_pic_model_read(struct x86_pic_model *p, u16 port);

/* ---- I/O APIC, 24 pins (ioapic.c) ---- */

#define X86_IOAPIC_PINS		24
#define X86_IOAPIC_BASE		0xfec00000ULL
#define X86_IOAPIC_SIZE		0x100
#define X86_IOAPIC_VERSION	0x11

/* Redirection entry bits (82093AA datasheet, 3.2.4) */
#define X86_IOAPIC_VECTOR	0xffULL
#define X86_IOAPIC_DELMODE(e)	(((e) >> 8) & 7)
#define X86_IOAPIC_DESTMODE	BIT_ULL(11)
#define X86_IOAPIC_DELIVS	BIT_ULL(12)
#define X86_IOAPIC_POLARITY	BIT_ULL(13)
#define X86_IOAPIC_REMOTE_IRR	BIT_ULL(14)
#define X86_IOAPIC_LEVEL	BIT_ULL(15)
#define X86_IOAPIC_MASKED	BIT_ULL(16)
#define X86_IOAPIC_DEST(e)	((u32)((e) >> 56))

struct x86_ioapic_model {
	struct kvm_ioapic_state s;
	/* Edge pins whose IRR bit went out already: GET_IRQCHIP hides them. */
	u32 irr_delivered;
	u8 lines[X86_IOAPIC_PINS];
	/* Pins whose message waits for x86_ioapic_model_take(). */
	u32 to_send;
	/* Pins a local APIC's EOI reached since last asked. */
	u32 acked;
	/* Pins the guest unmasked since last asked. */
	u32 unmasked;
	/* EOIs in a row that found the line still high, per pin */
	u16 eoi_storm[X86_IOAPIC_PINS];
};

void x86_ioapic_model_init(struct x86_ioapic_model *m);
int x86_ioapic_model_set(struct x86_ioapic_model *m, unsigned int pin,
			 unsigned int src, bool level);
void x86_ioapic_model_eoi(struct x86_ioapic_model *m, u8 vector);
bool x86_ioapic_model_mmio(const struct x86_ioapic_model *m, u64 gpa,
			   unsigned int len);
void x86_ioapic_model_write(struct x86_ioapic_model *m, u64 gpa,
			    unsigned int len, u64 val);
u64 x86_ioapic_model_read(struct x86_ioapic_model *m, u64 gpa,
			  unsigned int len);
u32 x86_ioapic_model_take(struct x86_ioapic_model *m);
void x86_ioapic_model_coalesced(struct x86_ioapic_model *m, unsigned int pin);
void x86_ioapic_model_get(const struct x86_ioapic_model *m,
			  struct kvm_ioapic_state *s);
void x86_ioapic_model_set_state(struct x86_ioapic_model *m,
				const struct kvm_ioapic_state *s);

/* ---- 8254 (pit.c) ---- */

#define X86_PIT_HZ		1193182ULL
#define X86_PIT_MIN_PERIOD_NS	200000LL	/* kvm.ko's min_timer_period_us */
/* kvm_pit_channel_state.read_state / write_state / count_latched */
#define X86_PIT_RW_LSB		1
#define X86_PIT_RW_MSB		2
#define X86_PIT_RW_WORD0	3
#define X86_PIT_RW_WORD1	4

struct x86_pit_model {
	struct kvm_pit_state2 s;
	/* Channel 0's interrupt timer, which the caller runs. */
	bool hpet_legacy;	/* from s.flags, while it holds */
	bool irqchip;		/* an I/O APIC exists: the timer may run */
	bool armed;
	bool periodic;
	s64 start_ns;		/* when channel 0's count was loaded */
	s64 period_ns;		/* 0: no timer */
	s64 first_ns;		/* first expiry, after start_ns */
	bool timer_changed;	/* the caller must restart its timer */
};

void x86_pit_model_init(struct x86_pit_model *p, s64 now, bool irqchip);
void x86_pit_model_write(struct x86_pit_model *p, u16 port, u8 val, s64 now);
u8 x86_pit_model_read(struct x86_pit_model *p, u16 port, s64 now);
void x86_pit_model_speaker_write(struct x86_pit_model *p, u8 val, s64 now);
u8 x86_pit_model_speaker_read(struct x86_pit_model *p, s64 now);
void x86_pit_model_set_state(struct x86_pit_model *p,
			     const struct kvm_pit_state2 *s, s64 now);
int x86_pit_model_count(const struct x86_pit_model *p, unsigned int ch,
			s64 now);
bool x86_pit_model_out(const struct x86_pit_model *p, unsigned int ch,
		       s64 now);

#endif
