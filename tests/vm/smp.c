// SPDX-License-Identifier: GPL-2.0
/*
 * Several vCPUs of one VM running at once in their own threads, each
 * exiting to userspace a few thousand times; the boot CPU's choice.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"

#define NR_VCPUS	4
#define EXITS		600

struct worker {
	int fd;
	struct kvm_run *run;
	unsigned int id;
	unsigned int ok;
	int err;
	/* What ended the loop early, for the log. */
	unsigned int reason, port;	/* port: suberror on internal errors */
	uint16_t val;
	uint64_t data[3];
};

static void *vcpu_thread(void *arg)
{
	struct worker *w = arg;
	unsigned int i;

	for (i = 0; i < EXITS; i++) {
		uint16_t v;

		if (ioctl(w->fd, KVM_RUN, 0)) {
			w->err = errno;
			break;
		}
		w->reason = w->run->exit_reason;
		w->port = w->run->exit_reason == KVM_EXIT_INTERNAL_ERROR ?
			  w->run->internal.suberror : w->run->io.port;
		if (w->run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			memcpy(w->data, w->run->internal.data, sizeof(w->data));
		if (w->run->exit_reason != KVM_EXIT_IO || w->run->io.port != 0x10)
			break;
		memcpy(&v, (uint8_t *)w->run + w->run->io.data_offset, 2);
		w->val = v;
		/* BX holds the id, SI counts the loop: both must be ours. */
		if ((v & 0xff) != w->id || (v >> 8) != (uint8_t)i)
			break;
		w->ok++;
	}
	return NULL;
}

TEST(four_vcpus)
{
	/*
	 * l: mov ax, si; shl ax, 8; or al, bl; out 0x10, ax; inc si; jmp l
	 */
	static const uint8_t code[] = {
		0x89, 0xf0, 0xc1, 0xe0, 0x08, 0x08, 0xd8, 0xe7, 0x10,
		0x46, 0xeb, 0xf4,
	};
	struct worker w[NR_VCPUS];
	pthread_t th[NR_VCPUS];
	struct vt_vm t;
	int i, size;

	ASSERT_EQ(0, vt_vm_create(&t, 0x10000, 0x1000));
	memcpy(t.mem + 0x1000, code, sizeof(code));
	size = ioctl(t.sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	for (i = 0; i < NR_VCPUS; i++) {
		struct kvm_sregs s;
		struct kvm_regs r = { .rip = 0x1000, .rflags = 2, .rbx = i };

		memset(&w[i], 0, sizeof(w[i]));
		w[i].id = i;
		if (i == 0) {
			w[i].fd = t.vcpu;
			w[i].run = t.run;
		} else {
			w[i].fd = ioctl(t.vm, KVM_CREATE_VCPU, i);
			ASSERT_GE(w[i].fd, 0);
			w[i].run = mmap(NULL, size, PROT_READ | PROT_WRITE,
					MAP_SHARED, w[i].fd, 0);
			ASSERT_NE(MAP_FAILED, w[i].run);
			ASSERT_EQ(0, ioctl(w[i].fd, KVM_GET_SREGS, &s));
			s.cs.base = 0;
			s.cs.selector = 0;
			ASSERT_EQ(0, ioctl(w[i].fd, KVM_SET_SREGS, &s));
		}
		ASSERT_EQ(0, ioctl(w[i].fd, KVM_SET_REGS, &r));
	}
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, vcpu_thread, &w[i]));
	for (i = 0; i < NR_VCPUS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, w[i].err);
		EXPECT_EQ((unsigned int)EXITS, w[i].ok)
			TH_LOG("vcpu %d: exit %u port %#x value %#x data %#llx %#llx %#llx",
			       i, w[i].reason, w[i].port, w[i].val,
			       (unsigned long long)w[i].data[0],
			       (unsigned long long)w[i].data[1],
			       (unsigned long long)w[i].data[2]);
	}
	for (i = 1; i < NR_VCPUS; i++) {
		munmap(w[i].run, size);
		close(w[i].fd);
	}
	vt_vm_destroy(&t);
}

/* MSR_IA32_APICBASE's BSP bit (8) of one vCPU. */
static int apic_bsp(int vcpu)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = 0x1b };

	if (ioctl(vcpu, KVM_GET_MSRS, &m) != 1)
		return -1;
	return !!(m.e.data & (1u << 8));
}

/*
 * KVM_SET_BOOT_CPU_ID (Linux's set_boot_cpu_id): the vCPU it names is
 * the BSP, the others are not and, with an in-kernel irqchip, wait for
 * INIT and SIPI; it is refused with EBUSY once a vCPU exists.
 */
TEST(boot_cpu_id)
{
	int sys = vt_open_dev(), vm, v[2], i, chip;

	ASSERT_GE(sys, 0);
	EXPECT_EQ(1, ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_SET_BOOT_CPU_ID));
	for (chip = 0; chip < 2; chip++) {
		struct kvm_mp_state mp;

		vm = ioctl(sys, KVM_CREATE_VM, 0);
		ASSERT_GE(vm, 0);
		if (chip)
			ASSERT_EQ(0, ioctl(vm, KVM_CREATE_IRQCHIP, 0));
		ASSERT_EQ(0, ioctl(vm, KVM_SET_BOOT_CPU_ID, 1ul));
		for (i = 0; i < 2; i++) {
			v[i] = ioctl(vm, KVM_CREATE_VCPU, i);
			ASSERT_GE(v[i], 0);
		}
		EXPECT_EQ(0, apic_bsp(v[0])) TH_LOG("irqchip %d", chip);
		EXPECT_EQ(1, apic_bsp(v[1])) TH_LOG("irqchip %d", chip);
		if (chip) {
			ASSERT_EQ(0, ioctl(v[0], KVM_GET_MP_STATE, &mp));
			EXPECT_EQ((__u32)KVM_MP_STATE_UNINITIALIZED, mp.mp_state);
			ASSERT_EQ(0, ioctl(v[1], KVM_GET_MP_STATE, &mp));
			EXPECT_EQ((__u32)KVM_MP_STATE_RUNNABLE, mp.mp_state);
		}
		EXPECT_EQ(-1, ioctl(vm, KVM_SET_BOOT_CPU_ID, 0ul));
		EXPECT_EQ(EBUSY, errno);
		for (i = 0; i < 2; i++)
			close(v[i]);
		close(vm);
	}
	close(sys);
}

TEST_HARNESS_MAIN
