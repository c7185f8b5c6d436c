// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_GUEST_DEBUG, what QEMU's gdbstub and Linux's debug_regs selftest
 * use: single-step (KVM_EXIT_DEBUG after every instruction, those the
 * module carries out for the guest too: port I/O, CPUID), software
 * breakpoints (INT3 exits instead of reaching the guest), the VMM's
 * hardware breakpoints and watchpoints in DR0-3 and DR7 while the guest
 * keeps its own, exceptions injected for the VMM (_INJECT_BP, _INJECT_DB,
 * -EBUSY for a second one), the capabilities and kvm.ko 6.1's tolerance of
 * unknown flags.  Real-mode guests, CS base 0: the linear RIP is RIP.
 *
 * QEMU 7.2's TCG, the AMD-V test VM's CPU, delivers a nested guest's INT3
 * without consulting its #BP intercept and arms no breakpoint of the DR7
 * that VMRUN loads (and keeps a nested guest's armed after the exit, which
 * then crashes it): there, under either module, the breakpoint tests skip;
 * they run on VT-x (Bochs), where single-step skips instead (see there).
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_host.h"

#define TF		0x100ULL
#define DR6_CLEAN	0xffff0ff0ULL
#define DR6_BS		0x4000ULL
#define DR6_BD		0x2000ULL
#define DR7_GD		0x2000ULL
#define VALID_FLAGS	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | \
			 KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW_BP | \
			 KVM_GUESTDBG_INJECT_BP | KVM_GUESTDBG_INJECT_DB | \
			 KVM_GUESTDBG_BLOCKIRQ)

/* Ports of the guest's #DB and #BP handlers */
#define PORT_DB		0x11
#define PORT_BP		0x13

/*
 * 0x1000: nop; inc ax; out 0x10, al; cpuid; nop; hlt
 * 0x1100: int3; out 0x10, al; hlt
 * 0x1200: pop ax; out PORT_DB, ax; hlt		(#DB handler)
 * 0x1300: pop ax; out PORT_BP, ax; hlt		(#BP handler)
 * 0x1400: nop; nop; nop; hlt			(instruction breakpoint)
 * 0x1500: mov [0x2001], al; nop; hlt		(watchpoint)
 * 0x1600: mov eax, dr0; out 0x10, eax; hlt	(the guest's own DR0)
 * 0x1700: mov eax, 0x4321; mov dr1, eax; mov eax, dr7; out 0x10, eax; hlt
 * 0x1800: mov esp, dr0; mov eax, esp; out 0x10, eax; hlt
 */
static const uint8_t step_code[] = { 0x90, 0x40, 0xe6, 0x10, 0x0f, 0xa2,
				     0x90, 0xf4 };
static const uint8_t int3_code[] = { 0xcc, 0xe6, 0x10, 0xf4 };
static const uint8_t db_handler[] = { 0x58, 0xe7, PORT_DB, 0xf4 };
static const uint8_t bp_handler[] = { 0x58, 0xe7, PORT_BP, 0xf4 };
static const uint8_t nops_code[] = { 0x90, 0x90, 0x90, 0xf4 };
static const uint8_t store_code[] = { 0xa2, 0x01, 0x20, 0x90, 0xf4 };
static const uint8_t movdr_code[] = { 0x0f, 0x21, 0xc0, 0x66, 0xe7, 0x10,
				      0xf4 };
static const uint8_t movdr2_code[] = { 0x66, 0xb8, 0x21, 0x43, 0x00, 0x00,
				       0x0f, 0x23, 0xc8, 0x0f, 0x21, 0xf8,
				       0x66, 0xe7, 0x10, 0xf4 };
static const uint8_t movdr_esp_code[] = { 0x0f, 0x21, 0xc4, 0x66, 0x89, 0xe0,
					  0x66, 0xe7, 0x10, 0xf4 };

/* QEMU's TCG: see above */
static bool no_guest_breakpoints(void)
{
	return !strncmp(vt_platform(), "qemu-x86", 8);
}

static int dbg_vm(struct vt_vm *t)
{
	uint16_t *ivt;
	int r = vt_vm_create(t, 0x10000, 0x1000);

	if (r)
		return r;
	memcpy(t->mem + 0x1000, step_code, sizeof(step_code));
	memcpy(t->mem + 0x1100, int3_code, sizeof(int3_code));
	memcpy(t->mem + 0x1200, db_handler, sizeof(db_handler));
	memcpy(t->mem + 0x1300, bp_handler, sizeof(bp_handler));
	memcpy(t->mem + 0x1400, nops_code, sizeof(nops_code));
	memcpy(t->mem + 0x1500, store_code, sizeof(store_code));
	memcpy(t->mem + 0x1600, movdr_code, sizeof(movdr_code));
	memcpy(t->mem + 0x1700, movdr2_code, sizeof(movdr2_code));
	memcpy(t->mem + 0x1800, movdr_esp_code, sizeof(movdr_esp_code));
	/* IVT: vector 1 and 3 at 0000:1200 and 0000:1300 */
	ivt = (uint16_t *)t->mem;
	ivt[2] = 0x1200;
	ivt[3] = 0;
	ivt[6] = 0x1300;
	ivt[7] = 0;
	return 0;
}

static int set_dbg(struct vt_vm *t, uint32_t control, const uint64_t *dr)
{
	struct kvm_guest_debug d;

	memset(&d, 0, sizeof(d));
	d.control = control;
	if (dr)
		memcpy(d.arch.debugreg, dr, sizeof(d.arch.debugreg));
	return ioctl(t->vcpu, KVM_SET_GUEST_DEBUG, &d) ? -errno : 0;
}

static int set_rip(struct vt_vm *t, uint64_t rip)
{
	struct kvm_regs regs;

	if (ioctl(t->vcpu, KVM_GET_REGS, &regs))
		return -errno;
	regs.rip = rip;
	regs.rsp = 0x8000;
	return ioctl(t->vcpu, KVM_SET_REGS, &regs) ? -errno : 0;
}

static uint64_t io_val(struct vt_vm *t)
{
	uint64_t v = 0;

	memcpy(&v, vt_io_data(t), t->run->io.size);
	return v;
}

TEST(caps)
{
	struct vt_vm t;

	ASSERT_EQ(0, dbg_vm(&t));
	EXPECT_EQ(1, ioctl(t.sys, KVM_CHECK_EXTENSION,
			   KVM_CAP_SET_GUEST_DEBUG));
	EXPECT_EQ((int)VALID_FLAGS, ioctl(t.sys, KVM_CHECK_EXTENSION,
					  KVM_CAP_SET_GUEST_DEBUG2));
	/* kvm.ko 6.1 takes flags it does not know, and no flag without _ENABLE */
	EXPECT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE | 0x40000000, NULL));
	EXPECT_EQ(0, set_dbg(&t, KVM_GUESTDBG_SINGLESTEP |
			     KVM_GUESTDBG_USE_SW_BP, NULL));
	ASSERT_EQ(0, vt_run(&t));
	/* Nothing stops the guest before its OUT */
	EXPECT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x10, t.run->io.port);
	vt_vm_destroy(&t);
}

/* One KVM_EXIT_DEBUG of a single step, to @pc */
static void expect_step(struct __test_metadata *_metadata, struct vt_vm *t,
			uint64_t pc)
{
	struct kvm_regs regs;

	ASSERT_EQ(0, vt_run(t));
	ASSERT_EQ((uint32_t)KVM_EXIT_DEBUG, t->run->exit_reason) {
		TH_LOG("step to 0x%llx: exit %s", (unsigned long long)pc,
		       vt_exit_name(t->run->exit_reason));
	}
	EXPECT_EQ(1u, t->run->debug.arch.exception);
	EXPECT_EQ(pc, t->run->debug.arch.pc);
	EXPECT_EQ(DR6_CLEAN | DR6_BS, t->run->debug.arch.dr6);
	ASSERT_EQ(0, ioctl(t->vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(pc, regs.rip);
	/* The trap flag is the VMM's: KVM_GET_REGS does not show it */
	EXPECT_EQ(0ULL, regs.rflags & TF);
}

TEST(single_step)
{
	struct kvm_regs regs;
	struct vt_vm t;

	/*
	 * Bochs 2.7 raises the trap before the first instruction after a VM
	 * entry with TF set: under kvm_intel and vireo.ko alike every exit
	 * there comes one instruction early.
	 */
	if (vt_platform_is("bochs-x86"))
		SKIP(return, "%s traps before the first instruction after VM entry",
		     vt_platform());
	ASSERT_EQ(0, dbg_vm(&t));
	ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE |
			     KVM_GUESTDBG_SINGLESTEP, NULL));
	expect_step(_metadata, &t, 0x1001);
	expect_step(_metadata, &t, 0x1002);
	/*
	 * KVM_SET_REGS keeps the trap flag only at the RIP where the VMM
	 * asked for single-step (kvm.ko's rule): from here the guest runs
	 * through to its HLT, until KVM_SET_GUEST_DEBUG comes again.
	 */
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	/* At that RIP it stays */
	regs.rip = 0x1000;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE |
			     KVM_GUESTDBG_SINGLESTEP, NULL));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_REGS, &regs));
	expect_step(_metadata, &t, 0x1001);
	expect_step(_metadata, &t, 0x1002);
	/* OUT goes to the VMM first; the step ends when it completes */
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x10, t.run->io.port);
	expect_step(_metadata, &t, 0x1004);
	/* CPUID, carried out by the module */
	expect_step(_metadata, &t, 0x1006);
	expect_step(_metadata, &t, 0x1007);
	/* Off again: TF goes with it, the guest runs on to its HLT */
	ASSERT_EQ(0, set_dbg(&t, 0, NULL));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0ULL, regs.rflags & TF);
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

TEST(sw_breakpoint)
{
	struct vt_vm t;

	if (no_guest_breakpoints())
		SKIP(return, "%s delivers INT3 without its intercept",
		     vt_platform());
	ASSERT_EQ(0, dbg_vm(&t));
	ASSERT_EQ(0, set_rip(&t, 0x1100));
	ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE |
			     KVM_GUESTDBG_USE_SW_BP, NULL));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_DEBUG, t.run->exit_reason) {
		TH_LOG("INT3: exit %s port 0x%x",
		       vt_exit_name(t.run->exit_reason), t.run->io.port);
	}
	EXPECT_EQ(3u, t.run->debug.arch.exception);
	EXPECT_EQ(0x1100ULL, t.run->debug.arch.pc);
	/* Again, and again: the INT3 stays where it is */
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_DEBUG, t.run->exit_reason);
	EXPECT_EQ(3u, t.run->debug.arch.exception);
	EXPECT_EQ(0x1100ULL, t.run->debug.arch.pc);
	vt_vm_destroy(&t);
}

TEST(inject_bp)
{
	struct vt_vm t;

	ASSERT_EQ(0, dbg_vm(&t));
	ASSERT_EQ(0, set_rip(&t, 0x1100));
	/*
	 * Handed back to the guest as its own breakpoint: its handler runs
	 * (and returns past the INT3, where the CPU takes NextRIP).
	 */
	ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE |
			     KVM_GUESTDBG_INJECT_BP, NULL));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(PORT_BP, t.run->io.port);
	TH_LOG("#BP handler's return address 0x%llx",
	       (unsigned long long)io_val(&t));
	EXPECT_TRUE(io_val(&t) == 0x1101 || io_val(&t) == 0x1100);

	/* Without _USE_SW_BP the guest takes its INT3 itself */
	ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE, NULL));
	ASSERT_EQ(0, set_rip(&t, 0x1100));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(PORT_BP, t.run->io.port);
	EXPECT_EQ(0x1101ULL, io_val(&t));
	vt_vm_destroy(&t);
}

TEST(inject_db)
{
	struct vt_vm t;

	ASSERT_EQ(0, dbg_vm(&t));
	ASSERT_EQ(0, set_rip(&t, 0x1400));
	ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE |
			     KVM_GUESTDBG_INJECT_DB, NULL));
	/* One exception at a time */
	EXPECT_EQ(-EBUSY, set_dbg(&t, KVM_GUESTDBG_ENABLE |
				  KVM_GUESTDBG_INJECT_DB, NULL));
	EXPECT_EQ(-EBUSY, set_dbg(&t, KVM_GUESTDBG_ENABLE |
				  KVM_GUESTDBG_INJECT_BP, NULL));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(PORT_DB, t.run->io.port);
	EXPECT_EQ(0x1400ULL, io_val(&t));
	vt_vm_destroy(&t);
}

TEST(hw_breakpoints)
{
	struct kvm_debugregs g, back;
	uint64_t dr[8];
	struct vt_vm t;
	int i;

	if (no_guest_breakpoints())
		SKIP(return, "%s arms no breakpoint of a nested guest's DR7",
		     vt_platform());
	ASSERT_EQ(0, dbg_vm(&t));
	/* The guest's own debug registers, which must come through */
	memset(&g, 0, sizeof(g));
	g.db[0] = 0x1234;
	g.db[3] = 0x5678;
	g.dr6 = DR6_CLEAN;
	g.dr7 = 0x400;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_DEBUGREGS, &g));
	for (i = 0; i < 4; i++) {
		memset(dr, 0, sizeof(dr));
		dr[i] = 0x1402;
		dr[7] = 0x400 | (2ULL << (2 * i));
		ASSERT_EQ(0, set_rip(&t, 0x1400));
		ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE |
				     KVM_GUESTDBG_USE_HW_BP, dr));
		ASSERT_EQ(0, vt_run(&t));
		ASSERT_EQ((uint32_t)KVM_EXIT_DEBUG, t.run->exit_reason) {
			TH_LOG("DR%d: exit %s", i,
			       vt_exit_name(t.run->exit_reason));
		}
		EXPECT_EQ(1u, t.run->debug.arch.exception);
		EXPECT_EQ(0x1402ULL, t.run->debug.arch.pc);
		EXPECT_EQ(DR6_CLEAN | (1ULL << i), t.run->debug.arch.dr6);
		EXPECT_EQ(dr[7], t.run->debug.arch.dr7);
	}
	/* A write watchpoint in DR1: a trap after the store */
	memset(dr, 0, sizeof(dr));
	dr[1] = 0x2001;
	dr[7] = 0x400 | (2ULL << 2) | (1ULL << 20);
	ASSERT_EQ(0, set_rip(&t, 0x1500));
	ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE |
			     KVM_GUESTDBG_USE_HW_BP, dr));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_DEBUG, t.run->exit_reason);
	EXPECT_EQ(1u, t.run->debug.arch.exception);
	EXPECT_EQ(0x1503ULL, t.run->debug.arch.pc);
	EXPECT_EQ(DR6_CLEAN | 2, t.run->debug.arch.dr6);

	/* The guest reads its own DR0, not the VMM's */
	ASSERT_EQ(0, set_rip(&t, 0x1600));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x1234ULL, io_val(&t));

	/* ... and so does the VMM, DR6 untouched by the VMM's #DBs */
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_DEBUGREGS, &back));
	EXPECT_EQ(0x1234ULL, back.db[0]);
	EXPECT_EQ(0ULL, back.db[1]);
	EXPECT_EQ(0x5678ULL, back.db[3]);
	EXPECT_EQ(DR6_CLEAN, back.dr6);
	EXPECT_EQ(0x400ULL, back.dr7);

	/* Off: the same instruction runs through */
	ASSERT_EQ(0, set_dbg(&t, 0, NULL));
	ASSERT_EQ(0, set_rip(&t, 0x1400));
	ASSERT_EQ(0, vt_run(&t));
	EXPECT_EQ((uint32_t)KVM_EXIT_HLT, t.run->exit_reason);
	vt_vm_destroy(&t);
}

/*
 * While the VMM's breakpoints are in the CPU the guest's MOV DR sees and
 * changes its own registers, and KVM_GET_DEBUGREGS reports those.  The
 * VMM's DR7 arms nothing here, so this runs on QEMU's TCG too.
 */
TEST(guest_drs_kept)
{
	struct kvm_debugregs g, back;
	uint64_t dr[8];
	struct vt_vm t;

	ASSERT_EQ(0, dbg_vm(&t));
	memset(&g, 0, sizeof(g));
	g.db[0] = 0x1234;
	g.dr6 = DR6_CLEAN;
	g.dr7 = 0x400;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_DEBUGREGS, &g));
	memset(dr, 0, sizeof(dr));
	dr[0] = 0xdead0;
	dr[1] = 0xbeef0;
	dr[7] = 0x400 | (3ULL << 16);
	ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE |
			     KVM_GUESTDBG_USE_HW_BP, dr));
	ASSERT_EQ(0, set_rip(&t, 0x1600));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x1234ULL, io_val(&t));
	ASSERT_EQ(0, set_rip(&t, 0x1700));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x400ULL, io_val(&t));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_DEBUGREGS, &back));
	EXPECT_EQ(0x1234ULL, back.db[0]);
	EXPECT_EQ(0x4321ULL, back.db[1]);
	EXPECT_EQ(0x400ULL, back.dr7);
	/* Off: the guest's values, now in the CPU, are the same */
	ASSERT_EQ(0, set_dbg(&t, 0, NULL));
	ASSERT_EQ(0, set_rip(&t, 0x1600));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x1234ULL, io_val(&t));
	vt_vm_destroy(&t);
}

/*
 * Outside 64-bit mode, with the VMM's breakpoints in the CPU (every MOV DR
 * decoded by the module on AMD-V), a MOV from a debug register into ESP
 * reaches the guest's stack pointer, which AMD-V keeps apart from the other
 * registers.  Arms nothing: runs on QEMU's TCG too.
 */
TEST(movdr_to_esp)
{
	struct kvm_debugregs g;
	struct kvm_regs regs;
	uint64_t dr[8];
	struct vt_vm t;

	ASSERT_EQ(0, dbg_vm(&t));
	memset(&g, 0, sizeof(g));
	g.db[0] = 0x1234;
	g.dr6 = DR6_CLEAN;
	g.dr7 = 0x400;
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_SET_DEBUGREGS, &g));
	memset(dr, 0, sizeof(dr));
	dr[0] = 0xdead0;
	dr[7] = 0x400 | (3ULL << 16);
	ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE |
			     KVM_GUESTDBG_USE_HW_BP, dr));
	ASSERT_EQ(0, set_rip(&t, 0x1800));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_IO, t.run->exit_reason);
	EXPECT_EQ(0x1234ULL, io_val(&t));
	ASSERT_EQ(0, ioctl(t.vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0x1234ULL, regs.rsp);
	vt_vm_destroy(&t);
}

/*
 * The VMM's DR7.GD: a MOV DR exits before it runs.  Intel only: on AMD-V
 * kvm.ko leaves it to the CPU, and QEMU's TCG, the test VM's AMD-V, does
 * not implement general detect.
 */
TEST(general_detect)
{
	unsigned int a, b, c, d;
	uint64_t dr[8];
	struct vt_vm t;

	__cpuid(0, a, b, c, d);
	if (b != 0x756e6547) {	/* "Genu" */
		TH_LOG("not checked on this vendor");
		return;
	}
	ASSERT_EQ(0, dbg_vm(&t));
	memset(dr, 0, sizeof(dr));
	dr[7] = 0x400 | DR7_GD;
	ASSERT_EQ(0, set_rip(&t, 0x1600));
	ASSERT_EQ(0, set_dbg(&t, KVM_GUESTDBG_ENABLE |
			     KVM_GUESTDBG_USE_HW_BP, dr));
	ASSERT_EQ(0, vt_run(&t));
	ASSERT_EQ((uint32_t)KVM_EXIT_DEBUG, t.run->exit_reason);
	EXPECT_EQ(1u, t.run->debug.arch.exception);
	EXPECT_EQ(0x1600ULL, t.run->debug.arch.pc);
	EXPECT_EQ(DR6_CLEAN | DR6_BD, t.run->debug.arch.dr6);
	vt_vm_destroy(&t);
}

TEST_HARNESS_MAIN
