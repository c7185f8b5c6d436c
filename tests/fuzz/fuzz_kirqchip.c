// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the module's in-kernel 8259 pair, I/O APIC and PIT
 * models (kmod/x86/irqchip/) under what a guest sends them (port writes
 * and reads, stores and loads in the I/O APIC's window, in any order and
 * width), what KVM_IRQ_LINE and the PIT's tick drive, INTA and EOI cycles,
 * and state KVM_SET_IRQCHIP / KVM_SET_PIT2 take unchecked.  The models
 * must stay in bounds and keep their outputs within range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x86/irqchip/model.h"

struct in {
	const uint8_t *p;
	size_t n;
};

static uint32_t take(struct in *in, unsigned int bytes)
{
	uint32_t v = 0;

	while (bytes-- && in->n) {
		v = v << 8 | *in->p++;
		in->n--;
	}
	return v;
}

static void blob(struct in *in, void *dst, size_t len)
{
	size_t n = len < in->n ? len : in->n;

	memset(dst, 0, len);
	memcpy(dst, in->p, n);
	in->p += n;
	in->n -= n;
}

static const u16 pic_ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1 };
static const unsigned int widths[] = { 1, 2, 4, 8 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct x86_pic_model pic;
	static struct x86_ioapic_model io;
	static struct x86_pit_model pit;
	struct in in = { data, size };
	struct kvm_ioapic_state ios;
	struct kvm_pit_state2 ps;
	s64 now = 1000000000;
	unsigned int i;
	u32 sent;

	x86_pic_model_init(&pic);
	x86_ioapic_model_init(&io);
	x86_pit_model_init(&pit, now, take(&in, 1) & 1);
	while (in.n) {
		unsigned int op = take(&in, 1);
		u32 a = take(&in, 1), v;
		u64 gpa;

		now += (s64)take(&in, 1) * 997;
		switch (op % 14) {
		case 0:
			x86_pic_model_write(&pic, pic_ports[a % 6], take(&in, 1));
			break;
		case 1:
			x86_pic_model_read(&pic, pic_ports[a % 6]);
			break;
		case 2:
			v = x86_pic_model_set(&pic, a & 15, (a >> 4) & 1,
					      a & 0x80);
			if ((int)v < -1 || (int)v > 1)
				abort();
			break;
		case 3:
			if (x86_pic_model_intack(&pic) > 0xff)
				abort();
			break;
		case 4:
			gpa = X86_IOAPIC_BASE + (a & 0xff);
			v = take(&in, 4);
			if (x86_ioapic_model_mmio(&io, gpa, widths[op >> 6]))
				x86_ioapic_model_write(&io, gpa,
						       widths[op >> 6], v);
			break;
		case 5:
			gpa = X86_IOAPIC_BASE + (a & 0xff);
			if (x86_ioapic_model_mmio(&io, gpa, widths[op >> 6]) &&
			    widths[op >> 6] < 8 &&
			    x86_ioapic_model_read(&io, gpa, widths[op >> 6]) >>
			    (8 * widths[op >> 6]))
				abort();
			break;
		case 6:
			x86_ioapic_model_set(&io, a % 32, (a >> 5) & 1,
					     op & 0x80);
			break;
		case 7:
			x86_ioapic_model_eoi(&io, a);
			break;
		case 8:
			sent = x86_ioapic_model_take(&io);
			if (sent >> X86_IOAPIC_PINS)
				abort();
			for (i = 0; i < X86_IOAPIC_PINS; i++)
				if ((sent & (1u << i)) && (a & 1))
					x86_ioapic_model_coalesced(&io, i);
			break;
		case 9:
			x86_pit_model_write(&pit, 0x40 + (a & 3), take(&in, 1),
					    now);
			break;
		case 10:
			x86_pit_model_read(&pit, 0x40 + (a & 3), now);
			break;
		case 11:
			if (a & 1)
				x86_pit_model_speaker_write(&pit, a >> 1, now);
			else
				x86_pit_model_speaker_read(&pit, now);
			break;
		case 12:	/* KVM_SET_IRQCHIP: anything at all */
			if (a % 3 == 2) {
				blob(&in, &ios, sizeof(ios));
				ios.base_address = X86_IOAPIC_BASE;
				x86_ioapic_model_set_state(&io, &ios);
			} else {
				blob(&in, &pic.chip[a % 3],
				     sizeof(pic.chip[0]));
				x86_pic_model_update(&pic);
			}
			break;
		default:	/* KVM_SET_PIT2 */
			blob(&in, &ps, sizeof(ps));
			pit.irqchip = a & 1;
			x86_pit_model_set_state(&pit, &ps, now);
			break;
		}
		/* The caller's timer is never asked for less than the floor. */
		if (pit.armed && pit.periodic &&
		    pit.period_ns < X86_PIT_MIN_PERIOD_NS)
			abort();
		for (i = 0; i < 3; i++) {
			x86_pit_model_count(&pit, i, now);
			x86_pit_model_out(&pit, i, now);
		}
		x86_ioapic_model_get(&io, &ios);
		pit.timer_changed = false;
	}
	return 0;
}
