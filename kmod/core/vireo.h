/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Vireo core: device, VM and vCPU lifetimes, memory slots and the run loop.
 * Nothing here names an architecture; a backend fills struct vireo_impl.
 */
#ifndef VIREO_CORE_H
#define VIREO_CORE_H

#include <linux/kvm.h>
#include <linux/kref.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/signal_types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#define VIREO_API_VERSION	12
#define VIREO_MAX_VCPUS		16
#define VIREO_MAX_SLOTS		64
#define VIREO_MAX_SLOT_PAGES	((1ULL << 31) - 1)
/* kvm_run, then the PIO data page */
#define VIREO_RUN_PAGES		2
/*
 * kvm.ko's slot-id space, for its errnos: ids below these that name no
 * slot are "no such slot" (ENOENT), not invalid.
 */
#define VIREO_KVM_SLOT_IDS	32764
#define VIREO_KVM_SLOT_SPACES	2
/* What KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 offers. */
#define VIREO_DIRTY_LOG_MANUAL	(KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | \
				 KVM_DIRTY_LOG_INITIALLY_SET)
#define VIREO_PIO_OFFSET	1
/*
 * The statistics' name and id size: kvm.ko's (KVM_STATS_NAME_SIZE, which
 * is not in the UAPI; tools take it from the header's name_size).
 */
#define VIREO_STATS_NAME_SIZE	48

/*
 * The code each exit runs, in one place (VIREO_HOT_SECTION): an emulated
 * CPU such as QEMU's TCG empties its TLB at every world switch and walks
 * the page tables again for each page the exit touches afterwards, code
 * pages included; spread over the module's files, that path touched about
 * fifteen of them.
 */
#define VIREO_HOT_SECTION	".text.vireo_hot"
#define __vireo_hot		__section(VIREO_HOT_SECTION)

struct vireo_slot {
	u64 gpa;
	u64 size;
	u64 uva;
	u32 flags;
	bool used;
	/*
	 * KVM_MEM_LOG_DIRTY_PAGES: a bit per page the guest (or the module
	 * on its behalf) may have written since the VMM last collected it.
	 * Replaced only with mem_lock held for writing.
	 */
	unsigned long *dirty;
};

/*
 * KVM_IOEVENTFD's address spaces.  CCW (virtio-ccw notifications) is
 * accepted as kvm.ko accepts it everywhere, but no guest access reaches it.
 */
enum vireo_bus {
	VIREO_BUS_MMIO,
	VIREO_BUS_PIO,
	VIREO_BUS_CCW,
	VIREO_NR_BUSES
};

/* GSI routes: kvm.ko's KVM_MAX_IRQ_ROUTES, the ABI's limit. */
#define VIREO_MAX_IRQ_ROUTES	4096

/* What struct vireo_impl's irqchip_in_kernel() reports. */
enum vireo_irqchip {
	VIREO_IRQCHIP_NONE,	/* every interrupt controller is the VMM's */
	VIREO_IRQCHIP_MSI,	/* messages only: pin controllers are the VMM's */
	VIREO_IRQCHIP_FULL,	/* pins too: irqchip routes, resampling */
};

struct vireo_irq_routes;
struct vireo_iobus;
struct vireo_coalesced;

/*
 * Why the guest exited, for the statistics (kmod/core/stats.c): a backend
 * names the kind at its exit dispatch with vireo_stat_exit().  Kinds, not
 * a CPU's exit codes, so that every backend's figures read alike.
 */
enum vireo_exit_reason {
	VIREO_EXIT_IRQ,		/* a host interrupt or timer ended the run */
	VIREO_EXIT_NMI,		/* a host NMI, SMI or machine check */
	VIREO_EXIT_IRQ_WINDOW,	/* the guest can take an interrupt now */
	VIREO_EXIT_NMI_WINDOW,	/* ... an NMI now */
	VIREO_EXIT_PIO,		/* port I/O */
	VIREO_EXIT_HALT,	/* the guest waits for an interrupt */
	VIREO_EXIT_PAGE_FAULT,	/* stage-2 fault: memory to map, or MMIO */
	VIREO_EXIT_CPU_ID,	/* the guest asked what the CPU is */
	VIREO_EXIT_SYSREG,	/* model-specific or system register access */
	VIREO_EXIT_CTRL_REG,	/* control register access */
	VIREO_EXIT_DEBUG_REG,	/* debug register access */
	VIREO_EXIT_EXCEPTION,	/* a guest exception the module intercepts */
	VIREO_EXIT_HYPERCALL,	/* a call to the hypervisor or firmware */
	VIREO_EXIT_INSN,	/* another instruction carried out or refused */
	VIREO_EXIT_SHUTDOWN,	/* the guest's CPU reset or failed entry */
	VIREO_EXIT_OTHER,
	VIREO_NR_EXIT_REASONS
};

/*
 * A vCPU's counters, under kvm.ko's names where it counts the same thing
 * (the binary statistics' descriptors are in kmod/core/stats.c).
 */
enum vireo_vcpu_stat {
	VIREO_STAT_HALT_SUCCESSFUL_POLL,
	VIREO_STAT_HALT_ATTEMPTED_POLL,
	VIREO_STAT_HALT_POLL_INVALID,
	VIREO_STAT_HALT_WAKEUP,
	VIREO_STAT_HALT_POLL_SUCCESS_NS,
	VIREO_STAT_HALT_POLL_FAIL_NS,
	VIREO_STAT_HALT_WAIT_NS,
	VIREO_STAT_BLOCKING,
	VIREO_STAT_PF_TAKEN,
	VIREO_STAT_PF_FIXED,
	VIREO_STAT_PF_EMULATE,
	VIREO_STAT_EXITS,
	VIREO_STAT_IO_EXITS,
	VIREO_STAT_MMIO_EXITS,
	VIREO_STAT_SIGNAL_EXITS,
	VIREO_STAT_IRQ_WINDOW_EXITS,
	VIREO_STAT_NMI_WINDOW_EXITS,
	VIREO_STAT_HALT_EXITS,
	VIREO_STAT_REQUEST_IRQ_EXITS,
	VIREO_STAT_IRQ_EXITS,
	VIREO_STAT_IRQ_INJECTIONS,
	VIREO_STAT_NMI_INJECTIONS,
	VIREO_STAT_L1D_FLUSH,
	VIREO_NR_VCPU_STATS
};

/*
 * The data block of a vCPU's statistics fd, in place: the counters, then
 * per exit reason the exits and the nanoseconds from each to the next
 * entry or KVM_RUN's return (vireo_stat_exited()).  Written by the vCPU's thread
 * alone; readers take whole u64s as they are.
 */
struct vireo_vcpu_stats {
	u64 c[VIREO_NR_VCPU_STATS];
	u64 exits[VIREO_NR_EXIT_REASONS];
	u64 exit_ns[VIREO_NR_EXIT_REASONS];
};

/* A VM's counters (VM statistics fd); kmod/core only. */
enum vireo_vm_stat {
	VIREO_STAT_MMU_INVALIDATIONS,
	VIREO_STAT_MEMSLOT_UPDATES,
	VIREO_NR_VM_STATS
};

struct vireo_vm_stats {
	u64 c[VIREO_NR_VM_STATS];
};

struct vireo_vm {
	struct kref ref;
	struct mm_struct *mm;
	/* Serialises vCPU creation and slot updates. */
	struct mutex lock;
	/*
	 * Running vCPUs hold it for reading between entering the guest and
	 * handling the exit, so a writer knows no guest uses a stale mapping.
	 */
	struct rw_semaphore mem_lock;
	/*
	 * Slot writers waiting for mem_lock: vCPUs stay out of the guest,
	 * which might otherwise run without an exit for as long as it likes.
	 */
	atomic_t slot_writers;
	/* Taken with mem_lock to change slots; alone to read them. */
	spinlock_t slots_lock;
	struct vireo_slot slots[VIREO_MAX_SLOTS];
	/*
	 * The VMM's mapping changes under the guest: stage-2 faults that
	 * pinned a page while an invalidation ran must retry.
	 */
	struct mmu_notifier mn;
	atomic_t mmu_in_progress;
	unsigned long mmu_seq;
	struct vireo_vcpu *vcpus[VIREO_MAX_VCPUS];
	unsigned int nr_vcpus;
	/*
	 * kmod/core/irq.c and eventfd.c.  irq_lock serialises the writers of
	 * the routes, the ioeventfd buses and the resamplers; their readers
	 * (interrupt delivery, guest writes) hold only rcu_read_lock().
	 */
	struct mutex irq_lock;
	struct vireo_irq_routes __rcu *irq_routes;
	struct vireo_iobus __rcu *buses[VIREO_NR_BUSES];
	/* irqfds; taken from eventfd wakeups, so with interrupts off */
	spinlock_t irqfds_lock;
	struct list_head irqfds;
	struct list_head resamplers;
	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 as enabled (KVM_DIRTY_LOG_*) */
	u64 dirty_log_manual;
	/* KVM_REGISTER_COALESCED_MMIO's ring and zones (kmod/core/coalesced.c) */
	struct vireo_coalesced *coalesced;
	/* KVM_CAP_MAX_VCPU_ID as enabled; 0 until then */
	u32 max_vcpu_ids;
	/* Statistics: the creator's id (KVM's "kvm-PID"), the list of VMs */
	char stats_id[VIREO_STATS_NAME_SIZE];
	struct vireo_vm_stats stats;
	struct list_head stats_node;
	void *arch;
};

struct vireo_vcpu {
	struct vireo_vm *vm;
	u32 id;
	struct kvm_run *run;
	struct page *run_pages[VIREO_RUN_PAGES];
	/* One ioctl at a time, as kvm.ko does. */
	struct mutex lock;
	/* The thread inside KVM_RUN, for kicks; NULL outside it. */
	struct task_struct *task;
	bool sigmask_set;
	sigset_t sigmask;
	/* Where KVM_RUN waits while the backend says the vCPU is blocked. */
	wait_queue_head_t wait;
	char stats_id[VIREO_STATS_NAME_SIZE];
	struct vireo_vcpu_stats stats;
	/*
	 * The last exit's reason (VIREO_NR_EXIT_REASONS: none yet) and when
	 * it happened (0: not timed), until the next entry or KVM_RUN's end.
	 */
	enum vireo_exit_reason exit_reason;
	u64 exit_start;
	void *arch;
};

/**
 * vireo_stat_inc - count one event of a vCPU
 * @vcpu: the vCPU, on its own thread (or under its ioctl lock)
 * @stat: the counter
 */
static inline void vireo_stat_inc(struct vireo_vcpu *vcpu,
				  enum vireo_vcpu_stat stat)
{
	vcpu->stats.c[stat]++;
}

void vireo_stat_exit(struct vireo_vcpu *vcpu, enum vireo_exit_reason why);
void vireo_stat_exited(struct vireo_vcpu *vcpu);
void vireo_stat_entering(struct vireo_vcpu *vcpu);

/* vcpu_run() results other than a negative errno */
#define VIREO_RUN_AGAIN		0
#define VIREO_RUN_USER		1

/**
 * struct vireo_impl - what a hardware backend provides to the core
 * @name: shown in the load message
 * @probe: does this CPU have everything the backend needs? -errno if not
 * @init: global setup after a successful probe; @fini undoes it
 * @cpu_enable: turn virtualization on for the calling CPU (preemption off);
 *	@cpu_disable turns it off and must be safe to call twice
 * @check_extension: value of an arch capability for KVM_CHECK_EXTENSION
 * @gpa_bits: guest-physical address bits the stage-2 tables translate;
 *	memory slots must end at or below 1 << @gpa_bits
 * @gpa_range_errno: what KVM_SET_USER_MEMORY_REGION returns for a slot
 *	that ends above that (the reference's: -EINVAL on x86, -EFAULT on
 *	arm64)
 * @coalesced_mmio: the VM has a coalesced MMIO/PIO ring, mapped through
 *	the vCPU fds at KVM_COALESCED_MMIO_PAGE_OFFSET (past the run pages),
 *	and the backend hands guest writes to vireo_coalesced_write()
 * @dev_ioctl: arch ioctls on the system fd (-EINVAL if unknown)
 * @vm_create: set up @vm->arch; @vm_destroy frees it
 * @vm_release: optional; the VM's last reference is gone and its vCPUs are
 *	about to be freed: stop what could still reach them (timers, work)
 * @vm_ioctl: arch ioctls on a VM fd (-ENOTTY if unknown)
 * @vm_unmap: forget stage-2 mappings in [gpa, gpa + size); when it returns
 *	no CPU can reach those pages.  Called without slots_lock, for at most
 *	a bounded chunk (64 MiB) at a time, also from an MMU notifier that
 *	may not block: must not sleep.  The core reschedules between chunks
 * @vm_write_protect: take write access to the pages of the dirty-logged
 *	slot @s whose bits are set in @mask (one per page of the slot), so
 *	that the next write to each faults and is logged; when it returns no
 *	CPU can write through the old rights.  From the ioctl, with vm->lock
 *	held: may sleep
 * @vcpu_create: set up @vcpu->arch in its reset state, or -errno for
 *	KVM_CREATE_VCPU to return (with vm->lock held); @vcpu_destroy frees it
 * @vcpu_ioctl: arch ioctls on a vCPU fd (-EINVAL if unknown)
 * @get_regs: read the general registers; @set_regs writes them.  Both
 *	NULL where KVM_GET_REGS and KVM_SET_REGS are not the architecture's
 *	ABI (its registers go through ONE_REG): they then fail with -EINVAL
 * @vcpu_load: KVM_RUN starts: guest FPU in, take the registers the VMM
 *	left in @vcpu->run for it, if the architecture has such, and finish
 *	the exit userspace has just handled (mem_lock held for reading).
 *	0, or -errno for KVM_RUN to return (@vcpu_put is still called);
 *	@vcpu_put: KVM_RUN ends
 * @vcpu_run: enter the guest once and handle the exit; VIREO_RUN_AGAIN,
 *	VIREO_RUN_USER with @vcpu->run filled in, or -errno.  Called with
 *	mem_lock held for reading.  With interrupts off just before entry it
 *	asks vireo_vcpu_exit_request() and returns VIREO_RUN_AGAIN without
 *	entering when that says so.
 * @vcpu_blocked: optional: inside KVM_RUN, must the vCPU wait instead of
 *	entering (a halted CPU)?  >0 wait, 0 run, -errno end KVM_RUN with it.
 *	On the vCPU's thread without mem_lock, also as the condition of the
 *	wait: must not sleep.  Whatever ends the wait calls vireo_vcpu_kick().
 * @irq_line: optional: KVM_IRQ_LINE and KVM_IRQ_LINE_STATUS where the
 *	architecture's irq field is more than a GSI: drive line @irq to
 *	@level; 0 or -errno, and the struct comes back unchanged.  Without
 *	it the core drives the GSI's routes.
 * @irqchip_in_kernel: which interrupt controllers of @vm are in the kernel
 *	(enum vireo_irqchip).  KVM_IRQ_LINE, KVM_SET_GSI_ROUTING,
 *	KVM_SIGNAL_MSI and KVM_IRQFD need VIREO_IRQCHIP_MSI at least,
 *	KVM_IRQFD_FLAG_RESAMPLE VIREO_IRQCHIP_FULL.  Any context.
 * @irq_route_check: may @e be a GSI route of @vm?  The core has checked
 *	the GSI, the flags and that no other route of that GSI conflicts;
 *	this checks the type and its u.irqchip or u.msi.  0 or -EINVAL.
 *	Also called while KVM_CREATE_IRQCHIP installs its default routes.
 * @irq_deliver: drive the route @e (checked by @irq_route_check, or an
 *	MSI from KVM_SIGNAL_MSI) to @level (0 or 1; an MSI at level 0 does
 *	nothing) for source @src (VIREO_IRQ_SRC_USER: KVM_IRQ_LINE and
 *	irqfds; others are the backend's own devices', whose levels a
 *	controller keeps apart).  Returns as KVM_IRQ_LINE_STATUS reports: >0 delivered, 0
 *	coalesced or blocked, <0 not delivered (masked, no destination).
 *	Called in atomic context (under rcu_read_lock(), from an eventfd's
 *	wakeup with interrupts off), never from a hard interrupt handler.
 */
struct vireo_impl {
	const char *name;
	int (*probe)(void);
	int (*init)(void);
	void (*fini)(void);
	int (*cpu_enable)(void);
	void (*cpu_disable)(void);
	long (*check_extension)(long cap);
	unsigned int (*gpa_bits)(void);
	int gpa_range_errno;
	bool coalesced_mmio;
	long (*dev_ioctl)(unsigned int cmd, void __user *argp);
	int (*vm_create)(struct vireo_vm *vm);
	void (*vm_destroy)(struct vireo_vm *vm);
	void (*vm_release)(struct vireo_vm *vm);
	long (*vm_ioctl)(struct vireo_vm *vm, unsigned int cmd,
			 void __user *argp);
	void (*vm_unmap)(struct vireo_vm *vm, u64 gpa, u64 size);
	void (*vm_write_protect)(struct vireo_vm *vm,
				 const struct vireo_slot *s,
				 const unsigned long *mask);
	int (*vcpu_create)(struct vireo_vcpu *vcpu);
	void (*vcpu_destroy)(struct vireo_vcpu *vcpu);
	long (*vcpu_ioctl)(struct vireo_vcpu *vcpu, unsigned int cmd,
			   void __user *argp);
	void (*get_regs)(struct vireo_vcpu *vcpu, struct kvm_regs *regs);
	void (*set_regs)(struct vireo_vcpu *vcpu, const struct kvm_regs *regs);
	int (*vcpu_load)(struct vireo_vcpu *vcpu);
	void (*vcpu_put)(struct vireo_vcpu *vcpu);
	int (*vcpu_run)(struct vireo_vcpu *vcpu);
	int (*vcpu_blocked)(struct vireo_vcpu *vcpu);
	int (*irq_line)(struct vireo_vm *vm, u32 irq, int level);
	enum vireo_irqchip (*irqchip_in_kernel)(struct vireo_vm *vm);
	int (*irq_route_check)(struct vireo_vm *vm,
			       const struct kvm_irq_routing_entry *e);
	int (*irq_deliver)(struct vireo_vm *vm,
			   const struct kvm_irq_routing_entry *e, int level,
			   unsigned int src);
};

/* Backends in order of preference; NULL-terminated (kmod/backends.c). */
extern const struct vireo_impl *const vireo_impls[];
extern const struct vireo_impl *vireo_impl;

/* Accounted allocations: the unload line reports what is still held. */
void *vireo_zalloc(size_t size);
void vireo_free(const void *p);
struct page *vireo_alloc_page(void);
void vireo_free_page(struct page *page);
void vireo_count_pages(long n);
void vireo_count_objects(long n);
/*
 * References to the VMM's pages (guest memory): every one taken through
 * the first two must be dropped through the last two, or the unload line
 * shows it.
 */
int vireo_get_user_pages_fast(unsigned long start, int nr_pages,
			      unsigned int gup_flags, struct page **pages);
bool vireo_get_user_page_fast_only(unsigned long addr,
				   unsigned int gup_flags,
				   struct page **pagep);
void vireo_put_user_page(struct page *page);
void vireo_put_user_pages(struct page *page, unsigned long n, bool dirty);
/* A stage-2 leaf larger than a base page was created (statistics only). */
void vireo_count_huge(void);
/* The guest exited once (statistics only). */
void vireo_count_exit(void);

int vireo_create_vm(unsigned long type);
long vireo_check_extension(long cap);
int vireo_create_vcpu(struct vireo_vm *vm, unsigned long id);
bool vireo_vcpu_exit_request(struct vireo_vcpu *vcpu);
void vireo_kick_vcpus(struct vireo_vm *vm);
void vireo_vcpu_kick(struct vireo_vcpu *vcpu);
void vireo_vm_put(struct vireo_vm *vm);
void vireo_vcpu_free(struct vireo_vcpu *vcpu);
struct vireo_slot *vireo_find_slot(struct vireo_vm *vm, u64 gpa);
/* For stage-2 faults: has the VMM's mapping changed since @seq? */
static inline bool vireo_mmu_retry(struct vireo_vm *vm, unsigned long seq)
{
	if (atomic_read(&vm->mmu_in_progress))
		return true;
	/* Pairs with the write barrier in the notifier's range end. */
	smp_rmb();
	return READ_ONCE(vm->mmu_seq) != seq;
}

/**
 * vireo_mark_dirty - log a write to the page at @gpa of @slot
 * @slot: the slot, which holds @gpa
 * @gpa: the guest-physical address written
 */
static inline void vireo_mark_dirty(const struct vireo_slot *slot, u64 gpa)
{
	if (slot->dirty)
		set_bit((gpa - slot->gpa) >> PAGE_SHIFT, slot->dirty);
}

int vireo_read_guest(struct vireo_vm *vm, u64 gpa, void *buf, unsigned int len);
int vireo_write_guest(struct vireo_vm *vm, u64 gpa, const void *buf,
		      unsigned int len);
bool vireo_gpa_writable(struct vireo_vm *vm, u64 gpa, unsigned int len);

/* kmod/core/irq.c and eventfd.c: GSI routing, irqfd, ioeventfd */
int vireo_set_default_routes(struct vireo_vm *vm,
			     const struct kvm_irq_routing_entry *e,
			     unsigned int n);
void vireo_irq_acked(struct vireo_vm *vm, u32 irqchip, u32 pin);
/* Who drives a GSI: userspace, or a device of the backend's (irq_deliver). */
#define VIREO_IRQ_SRC_USER	0
int vireo_irq_set_src(struct vireo_vm *vm, u32 gsi, int level,
		      unsigned int src);
bool vireo_ioeventfd_write(struct vireo_vm *vm, enum vireo_bus bus, u64 addr,
			   unsigned int len, const void *val);

/* kmod/core/coalesced.c: KVM_REGISTER_COALESCED_MMIO */
int vireo_coalesced_init(struct vireo_vm *vm);
void vireo_coalesced_free(struct vireo_vm *vm);
struct page *vireo_coalesced_page(struct vireo_vm *vm);
long vireo_coalesced_ioctl(struct vireo_vm *vm, unsigned int cmd,
			   void __user *argp);
bool vireo_coalesced_write(struct vireo_vm *vm, enum vireo_bus bus, u64 addr,
			   unsigned int len, const void *val);
/* KVM_GET_VCPU_MMAP_SIZE: the run pages, and the ring's where offered */
static inline unsigned long vireo_vcpu_mmap_pages(void)
{
	if (vireo_impl->coalesced_mmio &&
	    KVM_COALESCED_MMIO_PAGE_OFFSET >= VIREO_RUN_PAGES)
		return KVM_COALESCED_MMIO_PAGE_OFFSET + 1;
	return VIREO_RUN_PAGES;
}

#endif
