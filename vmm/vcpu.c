// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU threads: create, start, run the guest and dispatch its exits; the
 * architecture (x86/vcpu.c, arm64/vcpu.c) sets up the registers, injects
 * interrupts and handles the exits of its own. A thread is kicked out of
 * KVM_RUN by SIGUSR1, whose handler sets kvm_run->immediate_exit so that a
 * kick racing with the next KVM_RUN is not lost.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "sandbox.h"
#include "vm.h"

#define SIG_KICK SIGUSR1

static __thread struct kvm_run *current_run;

static void kick_handler(int sig)
{
	(void)sig;
	if (current_run)
		current_run->immediate_exit = 1;
}

int vcpu_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIG_KICK, &sa, NULL);
}

void vcpu_kick(struct vcpu *v)
{
	if (v->started && !pthread_equal(v->thread, pthread_self()))
		pthread_kill(v->thread, SIG_KICK);
}

int vcpu_create(struct vm *vm, struct vcpu *v, unsigned int id)
{
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		vm_error("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		return -1;
	}
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		vm_error("cannot map kvm_run: %s", strerror(errno));
		return -1;
	}
	return arch_vcpu_init(v);
}

static void mmio_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (run->mmio.len > sizeof(run->mmio.data))
		return;
	pthread_mutex_lock(&v->vm->lock);
	if (!arch_vcpu_mmio(v, run->mmio.phys_addr, run->mmio.data,
			    run->mmio.len, run->mmio.is_write))
		bus_access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data,
			   run->mmio.len, run->mmio.is_write);
	pthread_mutex_unlock(&v->vm->lock);
}

/* Returns false when the vCPU must stop. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	v->exits++;
	v->last_exit = run->exit_reason;
	v->last_exit_ns = vm_now_ns();
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		v->mmio_exits++;
		mmio_exit(v);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
			vm_stop(v->vm, EXIT_POWEROFF);
		} else if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
			vm_stop(v->vm, EXIT_REBOOT);
		} else {
			vm_error("guest system event %u", run->system_event.type);
			vm_stop(v->vm, EXIT_ERROR);
		}
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vm_error("VM entry failed (reason %#llx)",
			 (unsigned long long)
			 run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vm_error("KVM internal error (suberror %u)",
			 run->internal.suberror);
		break;
	default:
		switch (arch_vcpu_exit(v)) {
		case 1:
			return true;
		case 0:
			return false;
		}
		vm_error("unexpected exit reason %u", run->exit_reason);
		break;
	}
	vm_stop(v->vm, EXIT_ERROR);
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	char err[256], name[16];
	bool prof = vm->cfg->profile;
	sigset_t set;

	/*
	 * Named by itself (prctl): naming another thread goes through /proc,
	 * which a --jail does not have.
	 */
	snprintf(name, sizeof(name), "vcpu%u", v->id);
	pthread_setname_np(pthread_self(), name);
	current_run = v->run;
	sigemptyset(&set);
	sigaddset(&set, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	/* The main thread sets this thread's policy by tid before it runs. */
	pthread_mutex_lock(&vm->lock);
	v->tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_broadcast(&vm->wake);
	while (!v->go && !vm->stopping)
		pthread_cond_wait(&vm->wake, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	if (sandbox_enter(SANDBOX_VCPU, err, sizeof(err))) {
		vm_error("%s", err);
		vm_stop(vm, EXIT_ERROR);
		return NULL;
	}

	for (;;) {
		uint64_t t0 = 0;
		bool stopping;
		int r;

		pthread_mutex_lock(&vm->lock);
		stopping = vm->stopping;
		pthread_mutex_unlock(&vm->lock);
		if (stopping || !arch_vcpu_enter(v))
			break;
		if (prof)
			profile_run_start(&v->prof, t0 = vm_now_ns());
		r = ioctl(v->fd, KVM_RUN, 0);
		if (prof)
			profile_run_end(&v->prof, t0, vm_now_ns());
		if (r < 0) {
			int err = errno;

			v->run->immediate_exit = 0;
			if (err == EINTR || err == EAGAIN) {
				v->eintr++;
				continue;
			}
			vm_error("KVM_RUN: %s", strerror(err));
			vm_stop(vm, EXIT_ERROR);
			break;
		}
		if (!handle_exit(v))
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	struct vm *vm = v->vm;
	const struct vm_config *cfg = vm->cfg;
	pthread_attr_t attr;
	cpu_set_t cpus;
	int ret;

	pthread_attr_init(&attr);
	if (sched_vcpu_cpus(&vm->sched, cfg, v->id, &cpus))
		pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	ret = pthread_create(&v->thread, &attr, vcpu_thread, v);
	pthread_attr_destroy(&attr);
	if (ret) {
		vm_error("cannot start vCPU thread: %s", strerror(ret));
		return -1;
	}
	pthread_mutex_lock(&vm->lock);
	v->started = true;
	pthread_mutex_unlock(&vm->lock);
	return 0;
}

int vcpu_prepare(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	char err[256];

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->started)
			continue;
		pthread_mutex_lock(&vm->lock);
		while (!v->tid)
			pthread_cond_wait(&vm->wake, &vm->lock);
		pthread_mutex_unlock(&vm->lock);
		if (cfg->rt_period_ns &&
		    sched_rt_apply(cfg, v->tid, vm->nr_vcpus, err, sizeof(err))) {
			vm_error("%s", err);
			return -1;
		}
	}
	return 0;
}

void vcpu_release(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].go = true;
	pthread_cond_broadcast(&vm->wake);
	pthread_mutex_unlock(&vm->lock);
}
