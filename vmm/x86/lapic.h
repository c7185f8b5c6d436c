/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A local APIC per vCPU in xAPIC mode (MMIO page at 0xfee00000), for SMP
 * guests when the module has no in-kernel irqchip: the registers, the
 * timer, fixed/lowest-priority/NMI/INIT/SIPI IPIs, LINT0 as ExtINT for the
 * 8259 (virtual-wire mode), and the interrupt messages of the I/O APIC
 * (ioapic.c): level-triggered ones set the TMR, and their EOI is broadcast
 * back to it through the eoi_level hook. No x2APIC, no TSC-deadline mode.
 */
#ifndef VIREO_LAPIC_H
#define VIREO_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_BASE	0xfee00000ULL
#define LAPIC_SIZE	0x1000ULL
/* IA32_APIC_BASE: BSP flag, global enable. */
#define LAPIC_MSR_BSP	(1ULL << 8)
#define LAPIC_MSR_EN	(1ULL << 11)
/* The timer's input clock before the divider: 1 GHz, one tick a ns. */
#define LAPIC_BUS_HZ	1000000000ULL
/* A periodic timer fires at most this often, whatever its count. */
#define LAPIC_MIN_PERIOD_NS 100000ULL
#define LAPIC_VERSION	0x00050014	/* integrated APIC, 6 LVT entries */

/* Register offsets in the page. */
enum {
	LAPIC_ID = 0x20, LAPIC_VER = 0x30, LAPIC_TPR = 0x80, LAPIC_APR = 0x90,
	LAPIC_PPR = 0xa0, LAPIC_EOI = 0xb0, LAPIC_RRD = 0xc0, LAPIC_LDR = 0xd0,
	LAPIC_DFR = 0xe0, LAPIC_SVR = 0xf0, LAPIC_ISR = 0x100,
	LAPIC_TMR = 0x180, LAPIC_IRR = 0x200, LAPIC_ESR = 0x280,
	LAPIC_ICR_LO = 0x300, LAPIC_ICR_HI = 0x310, LAPIC_LVT_TIMER = 0x320,
	LAPIC_LVT_THERMAL = 0x330, LAPIC_LVT_PERF = 0x340,
	LAPIC_LVT_LINT0 = 0x350, LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERROR = 0x370, LAPIC_TMICT = 0x380, LAPIC_TMCCT = 0x390,
	LAPIC_TDCR = 0x3e0,
};

/* LVT indices, in register order from LAPIC_LVT_TIMER. */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR,
       LVT_NR };

#define LAPIC_LVT_MASKED	(1u << 16)
#define LAPIC_TIMER_PERIODIC	(1u << 17)
#define LAPIC_SVR_ENABLE	(1u << 8)
/* Delivery modes (ICR and LVT bits 10:8). */
enum { DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_NMI = 4, DM_INIT = 5,
       DM_STARTUP = 6, DM_EXTINT = 7 };

struct lapic {
	unsigned int index;		/* the vCPU's, also its APIC ID */
	uint32_t id, tpr, ldr, dfr, svr;
	uint32_t esr, esr_pending;
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LVT_NR];
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t tdcr, tmict;
	uint64_t timer_start_ns;	/* when TMICT was written */
	uint64_t timer_deadline_ns;	/* next interrupt, 0 = none */

	/* Taken by the vCPU's thread: INIT/SIPI state and a pending NMI. */
	bool nmi_pending;
	bool init_pending;	/* leave the run loop, wait for a SIPI */
	bool wait_sipi;		/* in wait-for-SIPI: a SIPI is accepted */
	bool sipi_pending;
	uint8_t sipi_vector;
	/* An ExtINT message (I/O APIC): take the 8259's vector next. */
	bool extint_pending;

	struct lapic *const *group;	/* every vCPU's APIC, by index */
	unsigned int group_n;
	uint64_t (*now)(void *ctx);
	/* New timer deadline (0 = none) for the host timer. */
	void (*arm)(void *ctx, uint64_t deadline_ns);
	/* Something is pending for this vCPU: wake or kick it. */
	void (*notify)(void *ctx);
	void *ctx;
	/* EOI of a vector whose TMR bit is set: the EOI broadcast message. */
	void (*eoi_level)(void *ctx, uint8_t vector);
	void *eoi_ctx;
};

/*
 * An interrupt message on the APIC bus, as the I/O APIC (or an MSI) sends
 * it: the SDM's destination and delivery fields of an ICR or redirection
 * entry.
 */
struct lapic_msg {
	uint8_t vector;
	uint8_t dest;		/* APIC ID, or logical destination */
	uint8_t mode;		/* DM_* */
	bool logical;		/* destination mode */
	bool level;		/* trigger mode: set TMR, EOI is broadcast */
};

/* Power-up state; index is the APIC ID. */
void lapic_init(struct lapic *l, unsigned int index,
		struct lapic *const *group, unsigned int group_n,
		uint64_t (*now)(void *ctx),
		void (*arm)(void *ctx, uint64_t deadline_ns),
		void (*notify)(void *ctx), void *ctx);
/*
 * What firmware leaves on the BSP: APIC software-enabled, LINT0 ExtINT (the
 * 8259's output) and LINT1 NMI unmasked.
 */
void lapic_virtual_wire(struct lapic *l);
/* The MMIO page (bus_fn); offset from LAPIC_BASE. */
void lapic_io(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
	      bool w);
/* Highest vector the CPU would take now (IRR above PPR), or -1. */
int lapic_pending(const struct lapic *l);
/* The CPU takes it: IRR -> ISR. Returns the vector, or -1 if none. */
int lapic_ack(struct lapic *l);
/* LINT0 passes the 8259's INTR as ExtINT. */
bool lapic_extint(const struct lapic *l);
/* A fixed edge-triggered interrupt arrives (vector 16..255). */
void lapic_accept(struct lapic *l, uint8_t vector);
/* The same, level-triggered when level (TMR set, EOI calls eoi_level). */
void lapic_accept_trig(struct lapic *l, uint8_t vector, bool level);
/*
 * Deliver m to the APICs of group (n entries, NULL ones skipped) it
 * addresses: lowest priority to one of them, the other modes to all.
 * Returns how many APICs took it.
 */
unsigned int lapic_deliver(struct lapic *const *group, unsigned int n,
			   const struct lapic_msg *m);
/*
 * A message signalled interrupt: a write of data to addr, decoded as the
 * SDM's "Message Signalled Interrupts" says (address 0xfeeXXXXX with the
 * destination ID in bits 19:12 and the destination mode in bit 2; vector
 * and delivery mode in data). Edge-triggered; an address outside the
 * interrupt range delivers nothing. Returns how many APICs took it.
 */
unsigned int lapic_msi(struct lapic *const *group, unsigned int n,
		       uint64_t addr, uint32_t data);
/* Where EOIs of level-triggered vectors go (the I/O APIC). */
void lapic_set_eoi_hook(struct lapic *l,
			void (*eoi_level)(void *ctx, uint8_t vector),
			void *ctx);
/* Send the IPI that ICR (lo, hi) describes, from l. */
void lapic_send_ipi(struct lapic *l, uint32_t lo, uint32_t hi);
/* The host timer fired (or may have): interrupt if due, re-arm. */
void lapic_timer_expire(struct lapic *l);
uint32_t lapic_timer_count(const struct lapic *l, uint64_t now);
uint32_t lapic_ppr(const struct lapic *l);
uint32_t lapic_read(struct lapic *l, uint32_t off);
void lapic_write(struct lapic *l, uint32_t off, uint32_t val);

#endif
