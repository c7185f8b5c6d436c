// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU fds: the shared kvm_run pages, the register ioctls and the run loop.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "core/stats.h"

void vireo_vcpu_free(struct vireo_vcpu *vcpu)
{
	int i;

	vireo_impl->vcpu_destroy(vcpu);
	vunmap(vcpu->run);
	for (i = 0; i < VIREO_RUN_PAGES; i++)
		vireo_free_page(vcpu->run_pages[i]);
	vireo_free(vcpu);
}

static int vireo_set_sigmask(struct vireo_vcpu *vcpu, void __user *argp)
{
	struct kvm_signal_mask __user *user = argp;
	struct kvm_signal_mask head;
	sigset_t set;

	if (!argp) {
		vcpu->sigmask_set = false;
		return 0;
	}
	if (copy_from_user(&head, user, sizeof(head)))
		return -EFAULT;
	if (head.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, user->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigmask = set;
	vcpu->sigmask_set = true;
	return 0;
}

/**
 * vireo_vcpu_exit_request - must the vCPU stay out of the guest?
 * @vcpu: the vCPU about to enter
 *
 * Backends ask with interrupts off, right before entry.  Whoever makes
 * this true afterwards (a signal, a slot writer) kicks the thread's CPU,
 * and the interrupt then ends the guest's run at once: a guest that never
 * exits by itself cannot hold a signal or a slot update back.
 *
 * Return: true when the backend must return VIREO_RUN_AGAIN without
 * entering.
 */
bool __vireo_hot vireo_vcpu_exit_request(struct vireo_vcpu *vcpu)
{
	return signal_pending(current) ||
	       atomic_read(&vcpu->vm->slot_writers);
}

/**
 * vireo_kick_vcpus - make every vCPU of @vm inside KVM_RUN leave the guest
 * @vm: the VM, with vm->lock held (the vCPU array is stable)
 *
 * The caller first makes vireo_vcpu_exit_request() true for them.
 */
void vireo_kick_vcpus(struct vireo_vm *vm)
{
	struct task_struct *task;
	unsigned int i;

	/* A thread's task_struct is freed only after an RCU grace period. */
	rcu_read_lock();
	for (i = 0; i < vm->nr_vcpus; i++) {
		task = READ_ONCE(vm->vcpus[i]->task);
		if (task)
			kick_process(task);
	}
	rcu_read_unlock();
}

/**
 * vireo_vcpu_kick - make one vCPU look at its state again
 * @vcpu: the vCPU
 *
 * Wakes it if it waits in KVM_RUN (@vcpu_blocked) and interrupts its CPU if
 * it is in the guest, so a backend that checks its own flag with interrupts
 * off before entry cannot miss what the caller changed before.  Any
 * context.
 */
void vireo_vcpu_kick(struct vireo_vcpu *vcpu)
{
	struct task_struct *task;

	wake_up_interruptible(&vcpu->wait);
	rcu_read_lock();
	task = READ_ONCE(vcpu->task);
	if (task && task != current)
		kick_process(task);
	rcu_read_unlock();
}

/* 0 to go on, or -errno (the wait was interrupted, or the backend's). */
static int __vireo_hot vireo_vcpu_wait(struct vireo_vcpu *vcpu)
{
	int r, err;
	u64 t0;
	s64 ns;

	if (!vireo_impl->vcpu_blocked)
		return 0;
	r = vireo_impl->vcpu_blocked(vcpu);
	if (r <= 0)
		return r;
	vcpu->stats.c[VIREO_STAT_BLOCKING] = 1;
	t0 = local_clock();
	/*
	 * Without mem_lock: a slot writer need not wait for a halted vCPU.
	 * The condition's own result is what counts: it may have used up a
	 * one-time -errno.
	 */
	err = wait_event_interruptible(vcpu->wait,
				       (r = vireo_impl->vcpu_blocked(vcpu)) <= 0);
	ns = local_clock() - t0;
	if (ns > 0)
		vcpu->stats.c[VIREO_STAT_HALT_WAIT_NS] += ns;
	vcpu->stats.c[VIREO_STAT_BLOCKING] = 0;
	if (!err)
		vireo_stat_inc(vcpu, VIREO_STAT_HALT_WAKEUP);
	return err ? -EINTR : r;
}

static long __vireo_hot vireo_run(struct vireo_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vireo_vm *vm = vcpu->vm;
	long r;

	/* The guest runs with the VMM's chosen mask, as under kvm.ko. */
	if (vcpu->sigmask_set)
		sigprocmask(SIG_SETMASK, &vcpu->sigmask, &current->real_blocked);

	WRITE_ONCE(vcpu->task, current);
	/* Completing an exit reads and writes guest memory: slots must hold. */
	down_read(&vm->mem_lock);
	r = vireo_impl->vcpu_load(vcpu);
	up_read(&vm->mem_lock);
	if (r)
		goto out;
	if (READ_ONCE(run->immediate_exit)) {
		r = -EINTR;
		goto out;
	}
	for (;;) {
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			vireo_stat_inc(vcpu, VIREO_STAT_SIGNAL_EXITS);
			r = -EINTR;
			break;
		}
		cond_resched();
		r = vireo_vcpu_wait(vcpu);
		if (r == -EINTR)
			continue;
		if (r < 0)
			break;
		down_read(&vm->mem_lock);
		r = vireo_impl->vcpu_run(vcpu);
		up_read(&vm->mem_lock);
		vireo_stats_run_done(vcpu, r);
		vireo_count_exit();
		if (r != VIREO_RUN_AGAIN)
			break;
	}
	if (r == VIREO_RUN_USER)
		r = 0;
out:
	vireo_impl->vcpu_put(vcpu);
	WRITE_ONCE(vcpu->task, NULL);
	if (vcpu->sigmask_set) {
		sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
		sigemptyset(&current->real_blocked);
	}
	return r;
}

static long __vireo_hot vireo_vcpu_ioctl_locked(struct vireo_vcpu *vcpu, unsigned int cmd,
						void __user *argp)
{
	struct kvm_regs regs;

	switch (cmd) {
	case KVM_RUN:
		if (argp)
			return -EINVAL;
		return vireo_run(vcpu);
	case KVM_GET_REGS:
		if (!vireo_impl->get_regs)
			return -EINVAL;
		memset(&regs, 0, sizeof(regs));
		vireo_impl->get_regs(vcpu, &regs);
		return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
	case KVM_SET_REGS:
		if (!vireo_impl->set_regs)
			return -EINVAL;
		if (copy_from_user(&regs, argp, sizeof(regs)))
			return -EFAULT;
		vireo_impl->set_regs(vcpu, &regs);
		return 0;
	case KVM_SET_SIGNAL_MASK:
		return vireo_set_sigmask(vcpu, argp);
	case KVM_GET_STATS_FD:
		return vireo_vcpu_stats_fd(vcpu);
	default:
		return vireo_impl->vcpu_ioctl(vcpu, cmd, argp);
	}
}

static long __vireo_hot vireo_vcpu_ioctl(struct file *file, unsigned int cmd,
					 unsigned long arg)
{
	struct vireo_vcpu *vcpu = file->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (_IOC_TYPE(cmd) != KVMIO)
		return -EINVAL;
	if (mutex_lock_killable(&vcpu->lock))
		return -EINTR;
	r = vireo_vcpu_ioctl_locked(vcpu, cmd, (void __user *)arg);
	mutex_unlock(&vcpu->lock);
	return r;
}

static vm_fault_t vireo_run_fault(struct vm_fault *vmf)
{
	struct vireo_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == KVM_COALESCED_MMIO_PAGE_OFFSET &&
	    vireo_coalesced_page(vcpu->vm))
		page = vireo_coalesced_page(vcpu->vm);
	else if (vmf->pgoff < VIREO_RUN_PAGES)
		page = vcpu->run_pages[vmf->pgoff];
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct vireo_run_vm_ops = {
	.fault = vireo_run_fault,
};

static int vireo_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &vireo_run_vm_ops;
	return 0;
}

static int vireo_vcpu_release(struct inode *inode, struct file *file)
{
	struct vireo_vcpu *vcpu = file->private_data;

	vireo_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations vireo_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= vireo_vcpu_release,
	.unlocked_ioctl	= vireo_vcpu_ioctl,
	.mmap		= vireo_vcpu_mmap,
	.llseek		= noop_llseek,
};

/* The vCPU, or an ERR_PTR: -ENOMEM, or what the backend refused it with. */
static struct vireo_vcpu *vireo_vcpu_alloc(struct vireo_vm *vm, u32 id)
{
	struct vireo_vcpu *vcpu;
	int i, r = -ENOMEM;

	vcpu = vireo_zalloc(sizeof(*vcpu));
	if (!vcpu)
		return ERR_PTR(-ENOMEM);
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->lock);
	init_waitqueue_head(&vcpu->wait);
	vireo_stats_vcpu_init(vcpu);
	for (i = 0; i < VIREO_RUN_PAGES; i++) {
		vcpu->run_pages[i] = vireo_alloc_page();
		if (!vcpu->run_pages[i])
			goto err;
	}
	vcpu->run = vmap(vcpu->run_pages, VIREO_RUN_PAGES, VM_MAP, PAGE_KERNEL);
	if (!vcpu->run)
		goto err;
	r = vireo_impl->vcpu_create(vcpu);
	if (r) {
		vunmap(vcpu->run);
		goto err;
	}
	return vcpu;
err:
	for (i = 0; i < VIREO_RUN_PAGES; i++)
		vireo_free_page(vcpu->run_pages[i]);
	vireo_free(vcpu);
	return ERR_PTR(r);
}

int vireo_create_vcpu(struct vireo_vm *vm, unsigned long id)
{
	struct vireo_vcpu *vcpu;
	unsigned int i;
	int r;

	if (id >= VIREO_MAX_VCPUS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	r = -EINVAL;
	/* The first vCPU fixes KVM_CAP_MAX_VCPU_ID. */
	if (!vm->max_vcpu_ids)
		vm->max_vcpu_ids = VIREO_MAX_VCPUS;
	if (id >= vm->max_vcpu_ids || vm->nr_vcpus >= VIREO_MAX_VCPUS)
		goto out;
	r = -EEXIST;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id)
			goto out;
	vcpu = vireo_vcpu_alloc(vm, id);
	r = PTR_ERR_OR_ZERO(vcpu);
	if (r)
		goto out;
	kref_get(&vm->ref);
	r = anon_inode_getfd("vireo-vcpu", &vireo_vcpu_fops, vcpu,
			     O_RDWR | O_CLOEXEC);
	if (r < 0) {
		refcount_dec(&vm->ref.refcount);
		vireo_vcpu_free(vcpu);
		goto out;
	}
	vm->vcpus[vm->nr_vcpus] = vcpu;
	/* The APIC bus reads the array without vm->lock. */
	smp_store_release(&vm->nr_vcpus, vm->nr_vcpus + 1);
out:
	mutex_unlock(&vm->lock);
	return r;
}
