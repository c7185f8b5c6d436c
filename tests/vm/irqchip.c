// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel 8259 pair, I/O APIC and PIT: KVM_CREATE_IRQCHIP,
 * KVM_GET/SET_IRQCHIP, KVM_CREATE_PIT2, KVM_GET/SET_PIT2 and
 * KVM_REINJECT_CONTROL with good and bad input (kvm.ko's errnos), their
 * round trips, and the state a guest leaves in them through their ports
 * and the I/O APIC's page.  No interrupt reaches the guest here (that
 * needs the in-kernel local APIC).
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* The state structures mix widths; the harness compares them as given. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"

#include "irqchip_vm.h"

static int vm_only(int *sys)
{
	*sys = vt_open_dev();
	if (*sys < 0)
		return -1;
	return ioctl(*sys, KVM_CREATE_VM, 0);
}

static int err_of(int r)
{
	return r < 0 ? errno : 0;
}

/*
 * What a client checks before it asks for the devices (QEMU's
 * kernel-irqchip=on, the KVM selftests): on the system fd and the VM's.
 */
TEST(capabilities)
{
	static const int caps[] = {
		KVM_CAP_IRQCHIP, KVM_CAP_PIT2, KVM_CAP_PIT_STATE2,
		KVM_CAP_REINJECT_CONTROL,
	};
	int sys, vm = vm_only(&sys);
	unsigned int i;

	ASSERT_GE(vm, 0);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, caps[i]))
			TH_LOG("capability %d on the system fd", caps[i]);
		EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION, caps[i]))
			TH_LOG("capability %d on the VM fd", caps[i]);
	}
	close(vm);
	close(sys);
}

TEST(create_irqchip)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	int sys, vm = vm_only(&sys), vcpu;

	ASSERT_GE(vm, 0);
	EXPECT_EQ(ENXIO, err_of(ioctl(vm, KVM_GET_IRQCHIP, &chip)));
	EXPECT_EQ(ENXIO, err_of(ioctl(vm, KVM_SET_IRQCHIP, &chip)));
	EXPECT_EQ(0, err_of(ioctl(vm, KVM_CREATE_IRQCHIP, 0)));
	EXPECT_EQ(EEXIST, err_of(ioctl(vm, KVM_CREATE_IRQCHIP, 0)));
	EXPECT_EQ(0, err_of(ioctl(vm, KVM_GET_IRQCHIP, &chip)));
	EXPECT_EQ(EFAULT, err_of(ioctl(vm, KVM_GET_IRQCHIP, NULL)));
	EXPECT_EQ(EFAULT, err_of(ioctl(vm, KVM_SET_IRQCHIP, NULL)));
	close(vm);

	/* Not once a vCPU exists. */
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(vcpu, 0);
	EXPECT_EQ(EINVAL, err_of(ioctl(vm, KVM_CREATE_IRQCHIP, 0)));
	EXPECT_EQ(ENXIO, err_of(ioctl(vm, KVM_GET_IRQCHIP, &chip)));
	close(vcpu);
	close(vm);
	close(sys);
}

TEST(bad_chip_id)
{
	static const uint32_t ids[] = { 3, 4, 0x100, 0xffffffff };
	struct kvm_irqchip chip;
	int sys, vm = vm_only(&sys);
	unsigned int i;

	ASSERT_GE(vm, 0);
	ASSERT_EQ(0, ioctl(vm, KVM_CREATE_IRQCHIP, 0));
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = ids[i];
		EXPECT_EQ(EINVAL, err_of(ioctl(vm, KVM_GET_IRQCHIP, &chip)));
		EXPECT_EQ(EINVAL, err_of(ioctl(vm, KVM_SET_IRQCHIP, &chip)));
	}
	close(vm);
	close(sys);
}

static void get_chip(struct __test_metadata *_metadata, int vm, uint32_t id,
		     struct kvm_irqchip *chip)
{
	memset(chip, 0xcc, sizeof(*chip));
	chip->chip_id = id;
	ASSERT_EQ(0, ioctl(vm, KVM_GET_IRQCHIP, chip));
	EXPECT_EQ(id, chip->chip_id);
}

TEST(initial_state)
{
	struct kvm_pic_state pic = { 0 };
	struct kvm_irqchip chip;
	int sys, vm = vm_only(&sys), i;

	ASSERT_GE(vm, 0);
	ASSERT_EQ(0, ioctl(vm, KVM_CREATE_IRQCHIP, 0));
	get_chip(_metadata, vm, KVM_IRQCHIP_PIC_MASTER, &chip);
	pic.elcr_mask = 0xf8;
	EXPECT_EQ(0, memcmp(&pic, &chip.chip.pic, sizeof(pic)));
	get_chip(_metadata, vm, KVM_IRQCHIP_PIC_SLAVE, &chip);
	pic.elcr_mask = 0xde;
	EXPECT_EQ(0, memcmp(&pic, &chip.chip.pic, sizeof(pic)));
	get_chip(_metadata, vm, KVM_IRQCHIP_IOAPIC, &chip);
	EXPECT_EQ(0xfec00000ULL, chip.chip.ioapic.base_address);
	EXPECT_EQ(0, chip.chip.ioapic.ioregsel);
	EXPECT_EQ(0, chip.chip.ioapic.id);
	EXPECT_EQ(0, chip.chip.ioapic.irr);
	for (i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		EXPECT_EQ(1ULL << 16, chip.chip.ioapic.redirtbl[i].bits)
			TH_LOG("pin %d", i);
	close(vm);
	close(sys);
}

/* SET_IRQCHIP takes what it is given, whatever it is; GET returns it. */
TEST(irqchip_round_trip)
{
	struct kvm_irqchip in, out;
	int sys, vm = vm_only(&sys), i;
	uint8_t *b;

	ASSERT_GE(vm, 0);
	ASSERT_EQ(0, ioctl(vm, KVM_CREATE_IRQCHIP, 0));
	for (i = 0; i < 2; i++) {
		memset(&in, 0, sizeof(in));
		in.chip_id = i;
		b = (uint8_t *)&in.chip.pic;
		/* Nothing requested, nothing in service: no cascade to move. */
		for (unsigned int j = 0; j < sizeof(in.chip.pic); j++)
			b[j] = 0x5a + 37 * j + i;
		in.chip.pic.irr = 0;
		in.chip.pic.last_irr = 0;
		in.chip.pic.priority_add = 200;	/* out of range */
		in.chip.pic.init_state = 7;
		ASSERT_EQ(0, ioctl(vm, KVM_SET_IRQCHIP, &in));
		get_chip(_metadata, vm, i, &out);
		EXPECT_EQ(0, memcmp(&in.chip.pic, &out.chip.pic,
				    sizeof(in.chip.pic))) TH_LOG("chip %d", i);
	}

	memset(&in, 0, sizeof(in));
	in.chip_id = KVM_IRQCHIP_IOAPIC;
	in.chip.ioapic.base_address = 0xfec00000;
	in.chip.ioapic.ioregsel = 0x2f;
	in.chip.ioapic.id = 0x9;
	for (i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
		in.chip.ioapic.redirtbl[i].bits = 0x0300000000010000ULL |
			(0x30 + i) | ((i & 1) ? 1ULL << 15 : 0);
	/* Masked pins keep a raised line in IRR, edge and level alike. */
	in.chip.ioapic.irr = 0x00a5a5a5;
	ASSERT_EQ(0, ioctl(vm, KVM_SET_IRQCHIP, &in));
	get_chip(_metadata, vm, KVM_IRQCHIP_IOAPIC, &out);
	EXPECT_EQ(0, memcmp(&in.chip.ioapic, &out.chip.ioapic,
			    sizeof(in.chip.ioapic)));
	EXPECT_EQ(0x00a5a5a5u, out.chip.ioapic.irr);

	/*
	 * Unmasked, a raised edge pin sends (no local APIC takes it yet):
	 * IRR hides it; a level pin that sent waits for EOI (remote IRR).
	 */
	in.chip.ioapic.redirtbl[4].bits &= ~(1ULL << 16);	/* edge */
	in.chip.ioapic.redirtbl[5].bits &= ~(1ULL << 16);	/* level */
	in.chip.ioapic.irr = 0x30;
	ASSERT_EQ(0, ioctl(vm, KVM_SET_IRQCHIP, &in));
	get_chip(_metadata, vm, KVM_IRQCHIP_IOAPIC, &out);
	EXPECT_EQ(0x20u, out.chip.ioapic.irr);
	EXPECT_EQ(in.chip.ioapic.redirtbl[4].bits,
		  out.chip.ioapic.redirtbl[4].bits);
	EXPECT_EQ(in.chip.ioapic.redirtbl[5].bits | 1ULL << 14,
		  out.chip.ioapic.redirtbl[5].bits);
	close(vm);
	close(sys);
}

/* The guest initialises both 8259s and the ELCRs; GET_IRQCHIP shows it. */
TEST(guest_programs_pic)
{
	static const uint8_t code[] = {
		0xb0, 0x11, 0xe6, 0x20,		/* ICW1: cascade, ICW4 */
		0xb0, 0x20, 0xe6, 0x21,		/* ICW2: vectors 0x20 */
		0xb0, 0x04, 0xe6, 0x21,		/* ICW3: slave on IR2 */
		0xb0, 0x01, 0xe6, 0x21,		/* ICW4: 8086 */
		0xb0, 0x11, 0xe6, 0xa0,
		0xb0, 0x28, 0xe6, 0xa1,
		0xb0, 0x02, 0xe6, 0xa1,
		0xb0, 0x13, 0xe6, 0xa1,		/* ICW4: 8086, AEOI, SFNM */
		0xb0, 0xfb, 0xe6, 0x21,		/* OCW1 */
		0xb0, 0xff, 0xe6, 0xa1,
		0xb0, 0x0b, 0xe6, 0x20,		/* OCW3: read ISR */
		0xb0, 0x68, 0xe6, 0xa0,		/* OCW3: special mask on */
		0xb0, 0xc4, 0xe6, 0xa0,		/* OCW2: lowest priority 4 */
		0xb0, 0x28, 0xba, 0xd0, 0x04, 0xee,	/* ELCR1 = 0x28 */
		0xb0, 0xff, 0x42, 0xee,		/* ELCR2 = 0xff */
		0xe4, 0x21, 0xe6, 0x10,		/* in 0x21; out 0x10 */
		0xec, 0xe6, 0x11,		/* in 0x4d1; out 0x11 */
		0xe4, 0xa0, 0xe6, 0x12,		/* in 0xa0 (IRR); out 0x12 */
		0xe6, 0x13,
	};
	struct kvm_irqchip chip;
	struct vt_vm t;
	uint32_t v;

	ASSERT_EQ(0, chip_vm(&t, WITH_IRQCHIP, code, sizeof(code)));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x10, &v));
	EXPECT_EQ(0xfb, v & 0xff);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x11, &v));
	EXPECT_EQ(0xde, v & 0xff);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x12, &v));
	EXPECT_EQ(0, v & 0xff);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x13, NULL));

	get_chip(_metadata, t.vm, KVM_IRQCHIP_PIC_MASTER, &chip);
	EXPECT_EQ(0x20, chip.chip.pic.irq_base);
	EXPECT_EQ(0, chip.chip.pic.init_state);
	EXPECT_EQ(1, chip.chip.pic.init4);
	EXPECT_EQ(0, chip.chip.pic.auto_eoi);
	EXPECT_EQ(0xfb, chip.chip.pic.imr);
	EXPECT_EQ(1, chip.chip.pic.read_reg_select);
	EXPECT_EQ(0x28, chip.chip.pic.elcr);
	EXPECT_EQ(0xf8, chip.chip.pic.elcr_mask);
	EXPECT_EQ(0, chip.chip.pic.priority_add);
	get_chip(_metadata, t.vm, KVM_IRQCHIP_PIC_SLAVE, &chip);
	EXPECT_EQ(0x28, chip.chip.pic.irq_base);
	EXPECT_EQ(0, chip.chip.pic.init_state);
	EXPECT_EQ(1, chip.chip.pic.auto_eoi);
	EXPECT_EQ(1, chip.chip.pic.special_fully_nested_mode);
	EXPECT_EQ(1, chip.chip.pic.special_mask);
	EXPECT_EQ(5, chip.chip.pic.priority_add);
	EXPECT_EQ(0xff, chip.chip.pic.imr);
	EXPECT_EQ(0xde, chip.chip.pic.elcr);
	vt_vm_destroy(&t);
}

/* The I/O APIC's window from a 32-bit guest. */
TEST(guest_programs_ioapic)
{
#define SEL(v)	0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, (v), 0, 0, 0
#define WIN(a, b, c, d) 0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe, a, b, c, d
#define RDWIN	0x8b, 0x05, 0x10, 0x00, 0xc0, 0xfe
	static const uint8_t code[] = {
		SEL(0x16), WIN(0x35, 0xa0, 0x00, 0x00),	/* pin 3 low */
		SEL(0x17), WIN(0x00, 0x00, 0x00, 0x0f),	/* pin 3 high */
		SEL(0x01), RDWIN, 0xe7, 0x10,		/* version */
		SEL(0x00), WIN(0x00, 0x00, 0x00, 0xf5),	/* ID */
		RDWIN, 0xe7, 0x11,
		SEL(0x16), RDWIN, 0xe7, 0x12,
		SEL(0x40), RDWIN, 0xe7, 0x13,		/* beyond pin 23 */
		0xe6, 0x14,
	};
	struct kvm_irqchip chip;
	struct vt_vm t;
	uint32_t v;

	ASSERT_EQ(0, chip_vm(&t, WITH_IRQCHIP | PROT32, code, sizeof(code)));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x10, &v));
	EXPECT_EQ(0x00170011u, v);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x11, &v));
	EXPECT_EQ(0x05000000u, v);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x12, &v));
	EXPECT_EQ(0xa035u, v);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x13, &v));
	EXPECT_EQ(0xffffffffu, v);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x14, NULL));
	get_chip(_metadata, t.vm, KVM_IRQCHIP_IOAPIC, &chip);
	EXPECT_EQ(5, chip.chip.ioapic.id);
	EXPECT_EQ(0x40, chip.chip.ioapic.ioregsel);
	EXPECT_EQ(0x0f0000000000a035ULL, chip.chip.ioapic.redirtbl[3].bits);
	vt_vm_destroy(&t);
}

/* Without KVM_CREATE_IRQCHIP the ports and the page stay the VMM's. */
TEST(no_irqchip_exits)
{
	static const uint8_t code[] = {
		0xb0, 0x11, 0xe6, 0x20,
		0xe4, 0x40,
		SEL(0x01),
	};
	struct vt_vm t;

	ASSERT_EQ(0, chip_vm(&t, PROT32, code, sizeof(code)));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x20, NULL));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x40, t.run->io.port);
	EXPECT_EQ(KVM_EXIT_IO_IN, t.run->io.direction);
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_MMIO, t.run->exit_reason);
	EXPECT_EQ(0xfec00000ULL, t.run->mmio.phys_addr);
	vt_vm_destroy(&t);
}

TEST(create_pit2)
{
	struct kvm_pit_config pc = { 0 };
	struct kvm_reinject_control rc = { .pit_reinject = 0 };
	struct kvm_pit_state2 ps;
	int sys, vm = vm_only(&sys);

	ASSERT_GE(vm, 0);
	EXPECT_EQ(ENXIO, err_of(ioctl(vm, KVM_GET_PIT2, &ps)));
	EXPECT_EQ(ENXIO, err_of(ioctl(vm, KVM_SET_PIT2, &ps)));
	EXPECT_EQ(ENXIO, err_of(ioctl(vm, KVM_REINJECT_CONTROL, &rc)));
	EXPECT_EQ(EFAULT, err_of(ioctl(vm, KVM_CREATE_PIT2, NULL)));
	/* kvm.ko creates one with or without an irqchip. */
	EXPECT_EQ(0, err_of(ioctl(vm, KVM_CREATE_PIT2, &pc)));
	EXPECT_EQ(EEXIST, err_of(ioctl(vm, KVM_CREATE_PIT2, &pc)));
	EXPECT_EQ(0, err_of(ioctl(vm, KVM_GET_PIT2, &ps)));
	EXPECT_EQ(EFAULT, err_of(ioctl(vm, KVM_GET_PIT2, NULL)));
	EXPECT_EQ(EFAULT, err_of(ioctl(vm, KVM_SET_PIT2, NULL)));
	EXPECT_EQ(EFAULT, err_of(ioctl(vm, KVM_REINJECT_CONTROL, NULL)));
	EXPECT_EQ(0, err_of(ioctl(vm, KVM_REINJECT_CONTROL, &rc)));
	rc.pit_reinject = 1;
	EXPECT_EQ(0, err_of(ioctl(vm, KVM_REINJECT_CONTROL, &rc)));
	/* And the irqchip still after it. */
	EXPECT_EQ(0, err_of(ioctl(vm, KVM_CREATE_IRQCHIP, 0)));
	close(vm);
	close(sys);
}

TEST(pit_initial_state)
{
	struct kvm_pit_config pc = { .flags = KVM_PIT_SPEAKER_DUMMY };
	struct kvm_pit_state2 ps;
	int sys, vm = vm_only(&sys), i;

	ASSERT_GE(vm, 0);
	ASSERT_EQ(0, ioctl(vm, KVM_CREATE_IRQCHIP, 0));
	ASSERT_EQ(0, ioctl(vm, KVM_CREATE_PIT2, &pc));
	memset(&ps, 0xcc, sizeof(ps));
	ASSERT_EQ(0, ioctl(vm, KVM_GET_PIT2, &ps));
	EXPECT_EQ(0u, ps.flags);
	for (i = 0; i < 9; i++)
		EXPECT_EQ(0u, ps.reserved[i]);
	for (i = 0; i < 3; i++) {
		struct kvm_pit_channel_state *c = &ps.channels[i];

		EXPECT_EQ(0x10000u, c->count) TH_LOG("channel %d", i);
		EXPECT_EQ(0xff, c->mode);
		EXPECT_EQ(i != 2, c->gate);
		EXPECT_EQ(0, c->latched_count);
		EXPECT_EQ(0, c->count_latched);
		EXPECT_EQ(0, c->status_latched);
		EXPECT_EQ(0, c->status);
		EXPECT_EQ(0, c->read_state);
		EXPECT_EQ(0, c->write_state);
		EXPECT_EQ(0, c->write_latch);
		EXPECT_EQ(0, c->rw_mode);
		EXPECT_EQ(0, c->bcd);
		/* Channel 0 counts from its timer, the others from this. */
		if (i) {
			EXPECT_NE(0, c->count_load_time);
		} else {
			EXPECT_EQ(0, c->count_load_time);
		}
	}
	close(vm);
	close(sys);
}

TEST(pit_round_trip)
{
	struct kvm_pit_config pc = { 0 };
	struct kvm_pit_state2 in, out;
	int sys, vm = vm_only(&sys), i;

	ASSERT_GE(vm, 0);
	ASSERT_EQ(0, ioctl(vm, KVM_CREATE_IRQCHIP, 0));
	ASSERT_EQ(0, ioctl(vm, KVM_CREATE_PIT2, &pc));
	memset(&in, 0, sizeof(in));
	for (i = 0; i < 3; i++) {
		struct kvm_pit_channel_state *c = &in.channels[i];

		c->count = i == 1 ? 0 : 0x1234 + i;
		c->latched_count = 0x4321 + i;
		c->count_latched = 3;
		c->status_latched = 1;
		c->status = 0x36 + i;
		c->read_state = 4;
		c->write_state = 3;
		c->write_latch = 0x77;
		c->rw_mode = 3;
		c->mode = i == 0 ? 4 : 7;	/* out of range: kept */
		c->bcd = 1;
		c->gate = i & 1;
		c->count_load_time = 123456789;
	}
	in.flags = KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	in.reserved[0] = 0xdead;
	ASSERT_EQ(0, ioctl(vm, KVM_SET_PIT2, &in));
	memset(&out, 0xcc, sizeof(out));
	ASSERT_EQ(0, ioctl(vm, KVM_GET_PIT2, &out));
	EXPECT_EQ(in.flags, out.flags);
	EXPECT_EQ(0u, out.reserved[0]);
	/* Count 0 is 2^16; channels 1 and 2 start counting at the load. */
	in.channels[1].count = 0x10000;
	for (i = 0; i < 3; i++) {
		if (i)
			in.channels[i].count_load_time =
				out.channels[i].count_load_time;
		EXPECT_EQ(0, memcmp(&in.channels[i], &out.channels[i],
				    sizeof(in.channels[i]))) TH_LOG("ch %d", i);
	}
	EXPECT_NE(123456789, out.channels[1].count_load_time);
	close(vm);
	close(sys);
}

/* The guest programs two channels and reads status and a latched count. */
TEST(guest_programs_pit)
{
	static const uint8_t code[] = {
		0xb0, 0x34, 0xe6, 0x43,		/* ch0: lo/hi, mode 2 */
		0xb0, 0x9c, 0xe6, 0x40,
		0xb0, 0x2e, 0xe6, 0x40,		/* 0x2e9c: 10 ms */
		0xb0, 0xb7, 0xe6, 0x43,		/* ch2: lo/hi, mode 3, BCD */
		0xb0, 0x00, 0xe6, 0x42,
		0xb0, 0x10, 0xe6, 0x42,
		0xb0, 0xe2, 0xe6, 0x43,		/* read-back: status of ch0 */
		0xe4, 0x40, 0xe6, 0x10,
		0xb0, 0x00, 0xe6, 0x43,		/* latch ch0 */
		0xe4, 0x40, 0xe6, 0x11,
		0xe4, 0x40, 0xe6, 0x12,
		0xb0, 0x90, 0xe6, 0x43,		/* ch2: lsb only, mode 0 */
		0xe6, 0x13,
	};
	struct kvm_pit_state2 ps;
	struct vt_vm t;
	uint32_t v, lo, hi;

	ASSERT_EQ(0, chip_vm(&t, WITH_IRQCHIP | WITH_PIT, code, sizeof(code)));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x10, &v));
	/* OUT (bit 7) may be either; rw 3, mode 2, binary */
	EXPECT_EQ(0x34, v & 0x7f);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x11, &lo));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x12, &hi));
	v = (hi & 0xff) << 8 | (lo & 0xff);
	EXPECT_GE(0x2e9cu, v);
	EXPECT_LT(0u, v);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x13, NULL));
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_PIT2, &ps));
	EXPECT_EQ(0x2e9cu, ps.channels[0].count);
	EXPECT_EQ(2, ps.channels[0].mode);
	EXPECT_EQ(3, ps.channels[0].rw_mode);
	EXPECT_EQ(3, ps.channels[0].read_state);
	EXPECT_EQ(3, ps.channels[0].write_state);
	EXPECT_EQ(0, ps.channels[0].count_latched);
	EXPECT_EQ(0, ps.channels[0].status_latched);
	EXPECT_EQ(0, ps.channels[0].bcd);
	EXPECT_EQ(0x1000u, ps.channels[2].count);
	EXPECT_EQ(0, ps.channels[2].mode);
	EXPECT_EQ(1, ps.channels[2].rw_mode);
	EXPECT_EQ(1, ps.channels[2].write_state);
	EXPECT_EQ(0, ps.channels[2].bcd);
	EXPECT_EQ(0, ps.channels[2].gate);
	vt_vm_destroy(&t);
}

/*
 * Channel 0's timer raises IRQ 0 on the 8259 (IRR), whether or not the
 * guest takes it (here it keeps interrupts off).
 */
TEST(pit_raises_irq0)
{
	static const uint8_t code[] = {
		0xe6, 0x10,
		0xb0, 0x34, 0xe6, 0x43,		/* ch0: lo/hi, mode 2 */
		0xb0, 0x9c, 0xe6, 0x40,
		0xb0, 0x2e, 0xe6, 0x40,		/* 10 ms */
		0xe6, 0x11,
	};
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct vt_vm t;

	ASSERT_EQ(0, chip_vm(&t, WITH_IRQCHIP | WITH_PIT, code, sizeof(code)));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x10, NULL));
	usleep(30000);
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(0, chip.chip.pic.irr);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x11, NULL));
	usleep(50000);
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_IRQCHIP, &chip));
	EXPECT_EQ(1, chip.chip.pic.irr);
	vt_vm_destroy(&t);
}

/* Port 0x61 is the kernel's only with KVM_PIT_SPEAKER_DUMMY. */
TEST(speaker_port)
{
	static const uint8_t code[] = {
		0xb0, 0x90, 0xe6, 0x43,		/* ch2: lsb only, mode 0 */
		0xb0, 0x01, 0xe6, 0x42,		/* count 1: OUT high at once */
		0xb0, 0x03, 0xe6, 0x61,		/* gate 2 on, speaker data */
		0xe4, 0x61, 0xe6, 0x10,
		0xb0, 0x00, 0xe6, 0x61,
		0xe4, 0x61, 0xe6, 0x11,
		0xb0, 0x01, 0xe6, 0x61,
		0xe6, 0x12,
	};
	struct kvm_pit_state2 ps;
	struct vt_vm t;
	uint32_t v;

	ASSERT_EQ(0, chip_vm(&t, WITH_IRQCHIP | WITH_PIT | WITH_SPEAKER, code,
			     sizeof(code)));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x10, &v));
	/*
	 * Gate, data, and channel 2's OUT: in mode 0 it rose one tick
	 * (838 ns) after the load, long past by the time of an exit.  Bit 4
	 * is the refresh clock, toggling every 2^14 ns.
	 */
	EXPECT_EQ(0x23, v & 0xef);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x11, &v));
	EXPECT_EQ(0x20, v & 0xef);
	ASSERT_EQ(0, run_out(_metadata, &t, 0x12, NULL));
	ASSERT_EQ(0, ioctl(t.vm, KVM_GET_PIT2, &ps));
	EXPECT_EQ(0u, ps.flags);
	EXPECT_EQ(1, ps.channels[2].gate);
	EXPECT_EQ(1u, ps.channels[2].count);
	EXPECT_EQ(0, ps.channels[2].mode);
	vt_vm_destroy(&t);

	ASSERT_EQ(0, chip_vm(&t, WITH_IRQCHIP | WITH_PIT, code, sizeof(code)));
	ASSERT_EQ(0, run_out(_metadata, &t, 0x61, &v));
	EXPECT_EQ(0x03, v & 0xff);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
