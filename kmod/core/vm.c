// SPDX-License-Identifier: GPL-2.0
/*
 * VM fds: memory slots and vCPU creation.
 */
#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>

#include "core/irq.h"
#include "core/stats.h"

/* A dirty bitmap as KVM_GET_DIRTY_LOG copies it: whole longs. */
static unsigned long vireo_dirty_bytes(const struct vireo_slot *s)
{
	return BITS_TO_LONGS(s->size >> PAGE_SHIFT) * sizeof(long);
}

static unsigned long *vireo_dirty_alloc(u64 size)
{
	unsigned long *b = kvzalloc(BITS_TO_LONGS(size >> PAGE_SHIFT) *
				    sizeof(long), GFP_KERNEL_ACCOUNT);

	if (b)
		vireo_count_objects(1);
	return b;
}

static void vireo_dirty_free(unsigned long *b)
{
	if (!b)
		return;
	kvfree(b);
	vireo_count_objects(-1);
}

static void vireo_vm_free(struct kref *ref)
{
	struct vireo_vm *vm = container_of(ref, struct vireo_vm, ref);
	unsigned int i;

	vireo_stats_vm_del(vm);
	vireo_irq_vm_destroy(vm);
	if (vireo_impl->vm_release)
		vireo_impl->vm_release(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		vireo_vcpu_free(vm->vcpus[i]);
	for (i = 0; i < VIREO_MAX_SLOTS; i++)
		vireo_dirty_free(vm->slots[i].dirty);
	vireo_coalesced_free(vm);
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
int __vireo_hot vireo_read_guest(struct vireo_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	struct vireo_slot *s = vireo_find_slot(vm, gpa);

	if (!s || gpa + len - s->gpa > s->size)
		return -EFAULT;
	if (copy_from_user(buf, (void __user *)(unsigned long)
			   (s->uva + gpa - s->gpa), len))
		return -EFAULT;
	return 0;
}

/*
 * The most guest-physical memory one vm_unmap call covers.  What a call
 * costs grows with the references it drops (one per 4 KiB page mapped,
 * 2 MiB leaves included), so this bounds the time the backend spends
 * under its lock; the core reschedules between calls where it may.
 */
#define VIREO_UNMAP_CHUNK	SZ_64M

/*
 * Take [@gpa, @gpa + @size) out of the guest's reach, one chunk at a time.
 * The caller holds no spinlock; @may_block: it may also sleep.
 */
static void vireo_unmap_gpa(struct vireo_vm *vm, u64 gpa, u64 size,
			    bool may_block)
{
	u64 end = gpa + size, next;

	while (gpa < end) {
		next = min(ALIGN(gpa + 1, VIREO_UNMAP_CHUNK), end);
		vireo_impl->vm_unmap(vm, gpa, next - gpa);
		gpa = next;
		if (may_block)
			cond_resched();
	}
}

/*
 * Unmap the guest view of the VMM's [start, end) in every slot that maps
 * part of it, as many slots may (aliases of the same memory).
 *
 * slots_lock is held only to read one slot: a slot changed meanwhile
 * costs nothing.  Its old range is unmapped by the change itself and its
 * new one holds no mapping yet; with mmu_in_progress raised, as every
 * caller does, no fault adds one before the invalidation ends, and
 * unmapping a range that went to another slot only costs its faults.
 */
static void vireo_unmap_hva(struct vireo_vm *vm, unsigned long start,
			    unsigned long end, bool may_block)
{
	int i;

	for (i = 0; i < VIREO_MAX_SLOTS; i++) {
		struct vireo_slot *s = &vm->slots[i];
		u64 lo = 0, hi = 0, gpa = 0;

		spin_lock(&vm->slots_lock);
		if (s->used && end > s->uva && start < s->uva + s->size) {
			lo = max_t(u64, start, s->uva);
			hi = min_t(u64, end, s->uva + s->size);
			gpa = s->gpa + (lo - s->uva);
		}
		spin_unlock(&vm->slots_lock);
		if (hi > lo)
			vireo_unmap_gpa(vm, gpa, hi - lo, may_block);
	}
}

/*
 * An invalidation starts: faults from now on retry until it ends.  Slots
 * are read only after this (vireo_unmap_hva()).
 */
static void vireo_mmu_begin(struct vireo_vm *vm, bool notifier)
{
	spin_lock(&vm->slots_lock);
	if (notifier)
		vireo_vm_stat_inc(vm, VIREO_STAT_MMU_INVALIDATIONS);
	atomic_inc(&vm->mmu_in_progress);
	WRITE_ONCE(vm->mmu_seq, vm->mmu_seq + 1);
	spin_unlock(&vm->slots_lock);
}

static void vireo_mmu_end(struct vireo_vm *vm)
{
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

/*
 * Non-blockable callers (the OOM reaper) cannot be told to come back: a
 * notifier with invalidate_range_end must not fail its start (the core
 * of mm WARNs), so the unmap runs to its end without rescheduling.  It
 * still takes no lock for longer than a chunk.
 */
static int vireo_mn_start(struct mmu_notifier *mn,
			  const struct mmu_notifier_range *range)
{
	struct vireo_vm *vm = container_of(mn, struct vireo_vm, mn);

	vireo_mmu_begin(vm, true);
	vireo_unmap_hva(vm, range->start, range->end,
			mmu_notifier_range_blockable(range));
	return 0;
}

static void vireo_mn_end(struct mmu_notifier *mn,
			 const struct mmu_notifier_range *range)
{
	vireo_mmu_end(container_of(mn, struct vireo_vm, mn));
}

/*
 * The VMM's address space is going away (exit_mmap(), or the VM's
 * mmu_notifier_unregister()): the guest loses all memory.  Both may sleep.
 */
static void vireo_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct vireo_vm *vm = container_of(mn, struct vireo_vm, mn);

	vireo_mmu_begin(vm, false);
	vireo_unmap_hva(vm, 0, ULONG_MAX, true);
	vireo_mmu_end(vm);
}

static const struct mmu_notifier_ops vireo_mn_ops = {
	.invalidate_range_start	= vireo_mn_start,
	.invalidate_range_end	= vireo_mn_end,
	.release		= vireo_mn_release,
};

static bool vireo_slot_writable(const struct vireo_slot *s, u64 gpa,
				unsigned int len)
{
	return s && !(s->flags & KVM_MEM_READONLY) &&
	       gpa + len - s->gpa <= s->size;
}

/**
 * vireo_gpa_writable - is guest memory at @gpa there for the module to write?
 * @vm: the VM
 * @gpa: the first byte
 * @len: bytes from it, all in one slot
 *
 * For an address the guest or the VMM gives the module to write later
 * (kvm.ko checks such addresses when they are given): a slot that is not
 * read-only must hold all of it.  Takes slots_lock.
 *
 * Return: true when it does.
 */
bool vireo_gpa_writable(struct vireo_vm *vm, u64 gpa, unsigned int len)
{
	bool ok;

	spin_lock(&vm->slots_lock);
	ok = vireo_slot_writable(vireo_find_slot(vm, gpa), gpa, len);
	spin_unlock(&vm->slots_lock);
	return ok;
}

/* Like vireo_read_guest(); read-only slots refuse. */
int vireo_write_guest(struct vireo_vm *vm, u64 gpa, const void *buf,
		      unsigned int len)
{
	struct vireo_slot *s = vireo_find_slot(vm, gpa);

	if (!vireo_slot_writable(s, gpa, len))
		return -EFAULT;
	if (copy_to_user((void __user *)(unsigned long)(s->uva + gpa - s->gpa),
			 buf, len))
		return -EFAULT;
	if (len) {
		vireo_mark_dirty(s, gpa);
		vireo_mark_dirty(s, gpa + len - 1);
	}
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

static int vireo_slot_set_log(struct vireo_vm *vm, struct vireo_slot *s,
			      bool log);

/* The checks and errnos follow kvm.ko's, in its order. */
static int vireo_set_memory_region(struct vireo_vm *vm,
				   struct kvm_userspace_memory_region *mem)
{
	u32 as_id = mem->slot >> 16, id = (u16)mem->slot;
	unsigned long *dirty = NULL, *old_dirty = NULL;
	bool log = mem->flags & KVM_MEM_LOG_DIRTY_PAGES;
	struct vireo_slot *s;
	int r = 0;

	/* Dirty logging needs the backend's write protection. */
	if (log && !vireo_impl->vm_write_protect)
		return -EINVAL;
	if (mem->flags & ~(u32)(KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES))
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
		/* No vCPU runs, and the notifier adds no mapping. */
		vireo_unmap_gpa(vm, s->gpa, s->size, true);
		spin_lock(&vm->slots_lock);
		s->used = false;
		old_dirty = s->dirty;
		s->dirty = NULL;
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
		if (mem->guest_phys_addr == s->gpa) {
			if (mem->flags != s->flags)
				r = vireo_slot_set_log(vm, s, log);
			goto out;
		}
	}
	if (vireo_slot_overlaps(vm, id, mem->guest_phys_addr, mem->memory_size)) {
		r = -EEXIST;
		goto out;
	}
	/* The stage-2 tables index only so many bits: above, GPAs would alias. */
	if (mem->guest_phys_addr + mem->memory_size >
	    BIT_ULL(vireo_impl->gpa_bits())) {
		r = vireo_impl->gpa_range_errno;
		goto out;
	}
	/* A moved slot keeps its log, as under kvm.ko. */
	if (log && !(s->used && s->dirty)) {
		dirty = vireo_dirty_alloc(mem->memory_size);
		if (!dirty) {
			r = -ENOMEM;
			goto out;
		}
		if (vm->dirty_log_manual & KVM_DIRTY_LOG_INITIALLY_SET)
			bitmap_set(dirty, 0, mem->memory_size >> PAGE_SHIFT);
	}
	vireo_slots_write_lock(vm);
	if (s->used)
		vireo_unmap_gpa(vm, s->gpa, s->size, true);
	spin_lock(&vm->slots_lock);
	if (!s->used || !log) {
		old_dirty = s->dirty;
		s->dirty = dirty;
	} else if (dirty) {
		s->dirty = dirty;
	}
	s->gpa = mem->guest_phys_addr;
	s->size = mem->memory_size;
	s->uva = mem->userspace_addr;
	s->flags = mem->flags;
	s->used = true;
	spin_unlock(&vm->slots_lock);
	up_write(&vm->mem_lock);
out:
	if (!r)
		vireo_vm_stat_inc(vm, VIREO_STAT_MEMSLOT_UPDATES);
	mutex_unlock(&vm->lock);
	vireo_dirty_free(old_dirty);
	return r;
}

/*
 * Dirty logging of a slot turned on or off (KVM's "flags only" change).
 * Turning it on drops the slot's stage-2 mappings: every page is then
 * mapped again 4 KiB at a time, read-only until the guest writes it, so
 * each first write faults and is logged.
 */
static int vireo_slot_set_log(struct vireo_vm *vm, struct vireo_slot *s,
			      bool log)
{
	unsigned long *dirty = NULL, *old = NULL;

	if (log && !s->dirty) {
		dirty = vireo_dirty_alloc(s->size);
		if (!dirty)
			return -ENOMEM;
		if (vm->dirty_log_manual & KVM_DIRTY_LOG_INITIALLY_SET)
			bitmap_set(dirty, 0, s->size >> PAGE_SHIFT);
	}
	vireo_slots_write_lock(vm);
	if (dirty)
		vireo_unmap_gpa(vm, s->gpa, s->size, true);
	spin_lock(&vm->slots_lock);
	if (dirty) {
		s->dirty = dirty;
	} else if (!log) {
		old = s->dirty;
		s->dirty = NULL;
	}
	s->flags = log ? s->flags | KVM_MEM_LOG_DIRTY_PAGES :
			 s->flags & ~KVM_MEM_LOG_DIRTY_PAGES;
	spin_unlock(&vm->slots_lock);
	up_write(&vm->mem_lock);
	vireo_dirty_free(old);
	return 0;
}

/* Words of a dirty log between rescheduling points. */
#define VIREO_RESCHED_WORDS	4096

/* The slot KVM_{GET,CLEAR}_DIRTY_LOG name, with vm->lock held. */
static struct vireo_slot *vireo_log_slot(struct vireo_vm *vm, u32 slot,
					 int *err)
{
	u32 as_id = slot >> 16, id = (u16)slot;
	struct vireo_slot *s;

	*err = -EINVAL;
	if (as_id >= VIREO_KVM_SLOT_SPACES || id >= VIREO_KVM_SLOT_IDS)
		return NULL;
	*err = -ENOENT;
	if (as_id || id >= VIREO_MAX_SLOTS)
		return NULL;
	s = &vm->slots[array_index_nospec(id, VIREO_MAX_SLOTS)];
	if (!s->used || !s->dirty)
		return NULL;
	return s;
}

/*
 * KVM_GET_DIRTY_LOG: the pages written since the last call.  Unless the
 * VMM enabled manual protection, the log is cleared as it is read and the
 * pages it named are write-protected again, so that a write after this
 * call shows in the next one.
 */
static int vireo_get_dirty_log(struct vireo_vm *vm, struct kvm_dirty_log *log)
{
	unsigned long *buf, n, i;
	struct vireo_slot *s;
	bool any = false;
	int r;

	mutex_lock(&vm->lock);
	s = vireo_log_slot(vm, log->slot, &r);
	if (!s)
		goto out;
	n = vireo_dirty_bytes(s);
	if (vm->dirty_log_manual & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE) {
		r = copy_to_user(log->dirty_bitmap, s->dirty, n) ? -EFAULT : 0;
		goto out;
	}
	r = -ENOMEM;
	buf = kvzalloc(n, GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto out;
	for (i = 0; i < n / sizeof(long); i++) {
		/* A slot's log runs to 2^31 bits: 2^25 words to look at. */
		if (!(i % VIREO_RESCHED_WORDS))
			cond_resched();
		if (!READ_ONCE(s->dirty[i]))
			continue;
		buf[i] = xchg(&s->dirty[i], 0);
		any = true;
	}
	if (any)
		vireo_impl->vm_write_protect(vm, s, buf);
	r = copy_to_user(log->dirty_bitmap, buf, n) ? -EFAULT : 0;
	kvfree(buf);
out:
	mutex_unlock(&vm->lock);
	return r;
}

/* KVM_CLEAR_DIRTY_LOG: forget and write-protect the pages named. */
static int vireo_clear_dirty_log(struct vireo_vm *vm,
				 struct kvm_clear_dirty_log *log)
{
	unsigned long *buf = NULL, *mask, npages, n, i;
	struct vireo_slot *s;
	bool any = false;
	int r;

	/* Before the slot's lookup, as kvm.ko. */
	if (log->first_page & 63)
		return -EINVAL;
	mutex_lock(&vm->lock);
	s = vireo_log_slot(vm, log->slot, &r);
	if (!s)
		goto out;
	npages = s->size >> PAGE_SHIFT;
	r = -EINVAL;
	if (log->first_page > npages ||
	    log->num_pages > npages - log->first_page ||
	    (log->num_pages < npages - log->first_page &&
	     (log->num_pages & 63)))
		goto out;
	r = -ENOMEM;
	buf = kvzalloc(vireo_dirty_bytes(s), GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto out;
	/* Whole longs from the user, placed where their pages are. */
	n = BITS_TO_LONGS(log->num_pages);
	mask = buf + log->first_page / BITS_PER_LONG;
	r = -EFAULT;
	if (copy_from_user(mask, log->dirty_bitmap, n * sizeof(long)))
		goto out;
	for (i = 0; i < n; i++) {
		if (!(i % VIREO_RESCHED_WORDS))
			cond_resched();
		if (!mask[i])
			continue;
		/* Only bits that were set are protected: the slot's own. */
		mask[i] &= atomic_long_fetch_andnot(mask[i],
				(atomic_long_t *)&s->dirty[i + log->first_page /
							    BITS_PER_LONG]);
		any |= mask[i] != 0;
	}
	if (any)
		vireo_impl->vm_write_protect(vm, s, buf);
	r = 0;
out:
	mutex_unlock(&vm->lock);
	kvfree(buf);
	return r;
}

static int vireo_vm_enable_cap(struct vireo_vm *vm, void __user *argp)
{
	struct kvm_enable_cap cap;
	long r;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	switch (cap.cap) {
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		if (cap.flags || (cap.args[0] & ~VIREO_DIRTY_LOG_MANUAL))
			return -EINVAL;
		/* INITIALLY_SET means nothing without manual protection. */
		if ((cap.args[0] & KVM_DIRTY_LOG_INITIALLY_SET) &&
		    !(cap.args[0] & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE))
			return -EINVAL;
		WRITE_ONCE(vm->dirty_log_manual, cap.args[0]);
		return 0;
	case KVM_CAP_MAX_VCPU_ID:
		if (cap.flags || cap.args[0] > VIREO_MAX_VCPUS)
			return -EINVAL;
		r = -EINVAL;
		/* Once set, or once a vCPU exists, it is fixed. */
		mutex_lock(&vm->lock);
		if (vm->max_vcpu_ids == cap.args[0]) {
			r = 0;
		} else if (!vm->max_vcpu_ids) {
			vm->max_vcpu_ids = cap.args[0];
			r = 0;
		}
		mutex_unlock(&vm->lock);
		return r;
	default:
		r = vireo_impl->vm_ioctl(vm, KVM_ENABLE_CAP, argp);
		return r == -ENOTTY ? -EINVAL : r;
	}
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
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return vireo_get_dirty_log(vm, &log);
	}
	case KVM_CLEAR_DIRTY_LOG: {
		struct kvm_clear_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return vireo_clear_dirty_log(vm, &log);
	}
	case KVM_ENABLE_CAP:
		return vireo_vm_enable_cap(vm, argp);
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
		if (!vm->coalesced)
			break;
		return vireo_coalesced_ioctl(vm, cmd, argp);
	case KVM_GET_STATS_FD:
		return vireo_vm_stats_fd(vm);
	}
	return vireo_impl->vm_ioctl(vm, cmd, argp);
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
	r = vireo_coalesced_init(vm);
	if (r)
		goto err;
	r = vireo_impl->vm_create(vm);
	if (r)
		goto err;
	vm->mn.ops = &vireo_mn_ops;
	r = mmu_notifier_register(&vm->mn, vm->mm);
	if (r) {
		vireo_impl->vm_destroy(vm);
		goto err;
	}
	vireo_stats_vm_add(vm);
	r = anon_inode_getfd("vireo-vm", &vireo_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (r < 0)
		vireo_vm_put(vm);
	return r;
err:
	vireo_coalesced_free(vm);
	mmdrop(vm->mm);
	vireo_free(vm);
	return r;
}
