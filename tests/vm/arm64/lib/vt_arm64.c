// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "vt_arm64.h"

int va_vm_create(struct vt_vm *t, size_t mem_size)
{
	return vt_vm_open(t, VA_RAM_GPA, mem_size);
}

int va_vcpu_init(struct vt_vm *t)
{
	struct kvm_vcpu_init init;

	memset(&init, 0, sizeof(init));
	if (ioctl(t->vm, KVM_ARM_PREFERRED_TARGET, &init))
		return -errno;
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(t->vcpu, KVM_ARM_VCPU_INIT, &init))
		return -errno;
	return 0;
}

int va_vm_guest(struct vt_vm *t, size_t mem_size, const uint8_t *start,
		const uint8_t *end)
{
	int r = va_vm_create(t, mem_size);

	if (r)
		return r;
	r = va_vcpu_init(t);
	if (r)
		goto err;
	if ((size_t)(end - start) > mem_size) {
		r = -E2BIG;
		goto err;
	}
	memcpy(t->mem, start, end - start);
	r = va_set_reg(t->vcpu, VA_REG_PC, VA_RAM_GPA);
	if (r)
		goto err;
	return 0;
err:
	vt_vm_destroy(t);
	return r;
}

int va_get_reg(int vcpu, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)val };

	return ioctl(vcpu, KVM_GET_ONE_REG, &reg) ? -errno : 0;
}

int va_set_reg(int vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

	return ioctl(vcpu, KVM_SET_ONE_REG, &reg) ? -errno : 0;
}


/* The shared programs' VM (vireo_test.h): RAM at GPA 0, the vCPU at @entry. */
int vt_vm_create(struct vt_vm *t, size_t mem_size, uint64_t entry)
{
	int r = vt_vm_open(t, 0, mem_size);

	if (r)
		return r;
	r = va_vcpu_init(t);
	if (!r)
		r = va_set_reg(t->vcpu, VA_REG_PC, entry);
	if (r)
		vt_vm_destroy(t);
	return r;
}

/* x1 = the value: report it, then stop. */
VA_GUEST(vt_g_report,
	"ldr x5, =0x10000000\n"
	"str x1, [x5]\n"
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n");

/* x1, x2 = two addresses: report the byte at each, then stop. */
VA_GUEST(vt_g_load2,
	"ldr x5, =0x10000000\n"
	"ldrb w3, [x1]\n"
	"str x3, [x5]\n"
	"ldrb w3, [x2]\n"
	"str x3, [x5]\n"
	"ldr x0, =0x84000008\n"
	"hvc #0\n"
	"b .\n");

VA_GUEST(vt_g_spin,
	"mov x3, #0xff00\n"
	"1: mov x1, #0\n"
	"2: lsr x2, x1, #8\n"
	"strb w2, [x1]\n"
	"add x1, x1, #0x100\n"
	"cmp x1, x3\n"
	"b.ne 2b\n"
	"b 1b\n");

/* The code between @start and @end at @at, PC there; 0 or -errno. */
static int load(struct vt_vm *t, uint64_t at, const uint8_t *start,
		const uint8_t *end)
{
	if (at + (end - start) > t->mem_size)
		return -E2BIG;
	memcpy(t->mem + at, start, end - start);
	return va_set_reg(t->vcpu, VA_REG_PC, at);
}

int vt_guest_report(struct vt_vm *t, uint64_t at, uint8_t val)
{
	int r = va_set_reg(t->vcpu, VA_REG_X(1), val);

	return r ? r : load(t, at, vt_g_report_start, vt_g_report_end);
}

int vt_guest_load2(struct vt_vm *t, uint64_t at, uint16_t a, uint16_t b)
{
	int r = va_set_reg(t->vcpu, VA_REG_X(1), a);

	if (!r)
		r = va_set_reg(t->vcpu, VA_REG_X(2), b);
	return r ? r : load(t, at, vt_g_load2_start, vt_g_load2_end);
}

int vt_guest_spin(struct vt_vm *t, uint64_t at)
{
	return load(t, at, vt_g_spin_start, vt_g_spin_end);
}

bool vt_exit_report(const struct vt_vm *t, uint64_t *val)
{
	const struct kvm_run *run = t->run;
	uint64_t v = 0;

	if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write ||
	    run->mmio.phys_addr != VT_REPORT_GPA ||
	    run->mmio.len > sizeof(v))
		return false;
	memcpy(&v, run->mmio.data, run->mmio.len);
	*val = v;
	return true;
}

bool vt_exit_stop(const struct vt_vm *t)
{
	return t->run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
	       t->run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN;
}

static void va_on_alarm(int sig)
{
}

void va_alarm(long ms)
{
	struct itimerval it = {
		.it_value = { ms / 1000, (ms % 1000) * 1000 },
	};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = va_on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

long va_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int va_vcpu_add(struct vt_vm *t, unsigned int id, uint32_t features,
		struct vt_vm *out)
{
	struct kvm_vcpu_init init;
	int r;

	memset(out, 0, sizeof(*out));
	out->sys = out->vm = -1;
	out->vcpu = ioctl(t->vm, KVM_CREATE_VCPU, id);
	if (out->vcpu < 0)
		return -errno;
	out->run_size = t->run_size;
	out->run = mmap(NULL, out->run_size, PROT_READ | PROT_WRITE,
			MAP_SHARED, out->vcpu, 0);
	if (out->run == MAP_FAILED) {
		r = -errno;
		out->run = NULL;
		goto err;
	}
	if (ioctl(t->vm, KVM_ARM_PREFERRED_TARGET, &init))
		goto err_errno;
	init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2 | features;
	if (ioctl(out->vcpu, KVM_ARM_VCPU_INIT, &init))
		goto err_errno;
	return va_set_reg(out->vcpu, VA_REG_PC, VA_RAM_GPA);
err_errno:
	r = -errno;
err:
	vt_vm_destroy(out);
	return r;
}
