// SPDX-License-Identifier: GPL-2.0
/*
 * VM fds: memory slots and vCPU creation.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include "core/irq.h"

static void vireo_vm_free(struct kref *ref)
{
	struct vireo_vm *vm = container_of(ref, struct vireo_vm, ref);
	unsigned int i;

	vireo_irq_vm_destroy(vm);
	if (vireo_impl->vm_release)
		vireo_impl->vm_release(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		vireo_vcpu_free(vm->vcpus[i]);
	mmu_notifier_unregister(&vm->mn, vm->mm);
	vireo_impl->vm_destroy(vm);
	mmdrop(vm->mm);
	vireo_free(vm);
}

void vireo_vm_put(struct vireo_vm *vm)
{
	kref_put(&vm->ref, vireo_vm_free);
}

struct vireo_slot *vireo_find_slot(struct vireo_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < VIREO_MAX_SLOTS; i++) {
		struct vireo_slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

/* From the VMM's thread only: slots are its own mappings. */
int vireo_read_guest(struct vireo_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	struct vireo_slot *s = vireo_find_slot(vm, gpa);

	if (!s || gpa + len - s->gpa > s->size)
		return -EFAULT;
	if (copy_from_user(buf, (void __user *)(unsigned long)
			   (s->uva + gpa - s->gpa), len))
		return -EFAULT;
	return 0;
}

/* Unmap the guest view of the VMM's [start, end). */
static void vireo_unmap_hva(struct vireo_vm *vm, unsigned long start,
			    unsigned long end)
{
	int i;

	for (i = 0; i < VIREO_MAX_SLOTS; i++) {
		struct vireo_slot *s = &vm->slots[i];
		u64 lo, hi;

		if (!s->used || end <= s->uva || start >= s->uva + s->size)
			continue;
		lo = max_t(u64, start, s->uva);
		hi = min_t(u64, end, s->uva + s->size);
		vireo_impl->vm_unmap(vm, s->gpa + (lo - s->uva), hi - lo);
	}
}

static int vireo_mn_start(struct mmu_notifier *mn,
			  const struct mmu_notifier_range *range)
{
	struct vireo_vm *vm = container_of(mn, struct vireo_vm, mn);

	spin_lock(&vm->slots_lock);
	atomic_inc(&vm->mmu_in_progress);
	WRITE_ONCE(vm->mmu_seq, vm->mmu_seq + 1);
	vireo_unmap_hva(vm, range->start, range->end);
	spin_unlock(&vm->slots_lock);
	return 0;
}

static void vireo_mn_end(struct mmu_notifier *mn,
			 const struct mmu_notifier_range *range)
{
	struct vireo_vm *vm = container_of(mn, struct vireo_vm, mn);

	/*
	 * A fault that read the count while this invalidation ran may have
	 * pinned the page the VMM's mapping held before it: counting again
	 * here makes that fault retry even if it looks only after the end.
	 */
	spin_lock(&vm->slots_lock);
	WRITE_ONCE(vm->mmu_seq, vm->mmu_seq + 1);
	/* The new count before the end: vireo_mmu_retry() reads the other way. */
	smp_wmb();
	atomic_dec(&vm->mmu_in_progress);
	spin_unlock(&vm->slots_lock);
}

/* The VMM's address space is going away: the guest loses all memory. */
static void vireo_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct vireo_vm *vm = container_of(mn, struct vireo_vm, mn);

	spin_lock(&vm->slots_lock);
	WRITE_ONCE(vm->mmu_seq, vm->mmu_seq + 1);
	vireo_unmap_hva(vm, 0, ULONG_MAX);
	spin_unlock(&vm->slots_lock);
}

static const struct mmu_notifier_ops vireo_mn_ops = {
	.invalidate_range_start	= vireo_mn_start,
	.invalidate_range_end	= vireo_mn_end,
	.release		= vireo_mn_release,
};

/* Like vireo_read_guest(); read-only slots refuse. */
int vireo_write_guest(struct vireo_vm *vm, u64 gpa, const void *buf,
		      unsigned int len)
{
	struct vireo_slot *s = vireo_find_slot(vm, gpa);

	if (!s || (s->flags & KVM_MEM_READONLY) || gpa + len - s->gpa > s->size)
		return -EFAULT;
	if (copy_to_user((void __user *)(unsigned long)(s->uva + gpa - s->gpa),
			 buf, len))
		return -EFAULT;
	return 0;
}

static bool vireo_slot_overlaps(struct vireo_vm *vm, int id, u64 gpa, u64 size)
{
	int i;

	for (i = 0; i < VIREO_MAX_SLOTS; i++) {
		struct vireo_slot *s = &vm->slots[i];

		if (i == id || !s->used)
			continue;
		if (gpa < s->gpa + s->size && s->gpa < gpa + size)
			return true;
	}
	return false;
}

/*
 * Running vCPUs hold mem_lock for reading while in the guest: make them
 * leave it, and stay out until the writer is done.
 */
static void vireo_slots_write_lock(struct vireo_vm *vm)
{
	atomic_inc(&vm->slot_writers);
	/* The count before the kick: vCPUs read it with interrupts off. */
	smp_mb__after_atomic();
	vireo_kick_vcpus(vm);
	down_write(&vm->mem_lock);
	/* Later entries wait in down_read() now. */
	atomic_dec(&vm->slot_writers);
}

/* The checks and errnos follow kvm.ko's, in its order. */
static int vireo_set_memory_region(struct vireo_vm *vm,
				   struct kvm_userspace_memory_region *mem)
{
	u32 as_id = mem->slot >> 16, id = (u16)mem->slot;
	struct vireo_slot *s;
	int r = 0;

	if (mem->flags & ~(u32)KVM_MEM_READONLY)
		return -EINVAL;
	if ((mem->memory_size & ~PAGE_MASK) || (mem->guest_phys_addr & ~PAGE_MASK))
		return -EINVAL;
	if ((mem->userspace_addr & ~PAGE_MASK) ||
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr,
		       mem->memory_size))
		return -EINVAL;
	if (as_id || id >= VIREO_MAX_SLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if ((mem->memory_size >> PAGE_SHIFT) > VIREO_MAX_SLOT_PAGES)
		return -EINVAL;

	mutex_lock(&vm->lock);
	s = &vm->slots[id];
	if (!mem->memory_size) {
		if (!s->used) {
			r = -EINVAL;
			goto out;
		}
		vireo_slots_write_lock(vm);
		spin_lock(&vm->slots_lock);
		vireo_impl->vm_unmap(vm, s->gpa, s->size);
		s->used = false;
		spin_unlock(&vm->slots_lock);
		up_write(&vm->mem_lock);
		goto out;
	}
	if (s->used) {
		if (mem->userspace_addr != s->uva ||
		    mem->memory_size != s->size ||
		    ((mem->flags ^ s->flags) & KVM_MEM_READONLY)) {
			r = -EINVAL;
			goto out;
		}
		if (mem->guest_phys_addr == s->gpa)
			goto out;
	}
	if (vireo_slot_overlaps(vm, id, mem->guest_phys_addr, mem->memory_size)) {
		r = -EEXIST;
		goto out;
	}
	/* The stage-2 tables index only so many bits: above, GPAs would alias. */
	if (mem->guest_phys_addr + mem->memory_size >
	    BIT_ULL(vireo_impl->gpa_bits())) {
		r = -EINVAL;
		goto out;
	}
	vireo_slots_write_lock(vm);
	spin_lock(&vm->slots_lock);
	if (s->used)
		vireo_impl->vm_unmap(vm, s->gpa, s->size);
	s->gpa = mem->guest_phys_addr;
	s->size = mem->memory_size;
	s->uva = mem->userspace_addr;
	s->flags = mem->flags;
	s->used = true;
	spin_unlock(&vm->slots_lock);
	up_write(&vm->mem_lock);
out:
	mutex_unlock(&vm->lock);
	return r;
}

static long vireo_vm_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct vireo_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	if (vm->mm != current->mm)
		return -EIO;

	switch (cmd) {
	case KVM_CREATE_VCPU:
		return vireo_create_vcpu(vm, arg);
	case KVM_CHECK_EXTENSION:
		return vireo_check_extension(arg);
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region mem;

		if (copy_from_user(&mem, argp, sizeof(mem)))
			return -EFAULT;
		return vireo_set_memory_region(vm, &mem);
	}
	case KVM_SET_GSI_ROUTING:
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
	case KVM_SIGNAL_MSI:
		return vireo_irq_ioctl(vm, cmd, argp);
	case KVM_IRQFD:
	case KVM_IOEVENTFD:
		return vireo_eventfd_ioctl(vm, cmd, argp);
	default:
		return vireo_impl->vm_ioctl(vm, cmd, argp);
	}
}

static int vireo_vm_release(struct inode *inode, struct file *file)
{
	vireo_vm_put(file->private_data);
	return 0;
}

static const struct file_operations vireo_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= vireo_vm_release,
	.unlocked_ioctl	= vireo_vm_ioctl,
	.llseek		= noop_llseek,
};

int vireo_create_vm(unsigned long type)
{
	struct vireo_vm *vm;
	int r;

	if (type)
		return -EINVAL;
	vm = vireo_zalloc(sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	kref_init(&vm->ref);
	mutex_init(&vm->lock);
	vireo_irq_vm_init(vm);
	init_rwsem(&vm->mem_lock);
	spin_lock_init(&vm->slots_lock);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	r = vireo_impl->vm_create(vm);
	if (r)
		goto err;
	vm->mn.ops = &vireo_mn_ops;
	r = mmu_notifier_register(&vm->mn, vm->mm);
	if (r) {
		vireo_impl->vm_destroy(vm);
		goto err;
	}
	r = anon_inode_getfd("vireo-vm", &vireo_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (r < 0)
		vireo_vm_put(vm);
	return r;
err:
	mmdrop(vm->mm);
	vireo_free(vm);
	return r;
}
