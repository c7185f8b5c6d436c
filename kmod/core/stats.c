// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's binary statistics (KVM_GET_STATS_FD on the VM and vCPU fds,
 * Documentation/virt/kvm/api.rst 4.133) and their debugfs sums.
 *
 * A statistics fd reads as one file: the header, the id string, the
 * descriptors, then the data block, which is the VM's or vCPU's own
 * counters read in place.  The counters are plain u64s that only their
 * owner writes; a reader may see one counter a step behind another, as
 * under kvm.ko.  The fd holds a reference to the VM, which owns its
 * vCPUs, so it stays readable after every other fd is closed.
 */
#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/uaccess.h>

#include "core/stats.h"

/*
 * struct kvm_stats_desc with the name that follows it in the file
 * (field for field: vireo_stats_init() checks the layout).
 */
struct vireo_stats_desc {
	u32 flags;
	s16 exponent;
	u16 size;
	u32 offset;
	u32 bucket_size;
	char name[VIREO_STATS_NAME_SIZE];
};

struct vireo_stats_def {
	const char *name;
	u32 flags;
	s16 exponent;
};

#define VIREO_COUNTER	(KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_NONE | \
			 KVM_STATS_BASE_POW10)
#define VIREO_NS	(KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_SECONDS | \
			 KVM_STATS_BASE_POW10)
#define VIREO_FLAG	(KVM_STATS_TYPE_INSTANT | KVM_STATS_UNIT_BOOLEAN | \
			 KVM_STATS_BASE_POW10)

#define COUNTER(str)	{ str, VIREO_COUNTER, 0 }
#define NS(str)		{ str, VIREO_NS, -9 }

/*
 * kvm.ko's names.  Vireo never polls before a halted vCPU sleeps: its
 * poll counters say so by staying 0, for tools that expect them.
 */
static const struct vireo_stats_def vireo_vcpu_defs[VIREO_NR_VCPU_STATS] = {
	[VIREO_STAT_HALT_SUCCESSFUL_POLL] = COUNTER("halt_successful_poll"),
	[VIREO_STAT_HALT_ATTEMPTED_POLL] = COUNTER("halt_attempted_poll"),
	[VIREO_STAT_HALT_POLL_INVALID] = COUNTER("halt_poll_invalid"),
	[VIREO_STAT_HALT_WAKEUP] = COUNTER("halt_wakeup"),
	[VIREO_STAT_HALT_POLL_SUCCESS_NS] = NS("halt_poll_success_ns"),
	[VIREO_STAT_HALT_POLL_FAIL_NS] = NS("halt_poll_fail_ns"),
	[VIREO_STAT_HALT_WAIT_NS] = NS("halt_wait_ns"),
	[VIREO_STAT_BLOCKING] = { "blocking", VIREO_FLAG, 0 },
	[VIREO_STAT_PF_TAKEN] = COUNTER("pf_taken"),
	[VIREO_STAT_PF_FIXED] = COUNTER("pf_fixed"),
	[VIREO_STAT_PF_EMULATE] = COUNTER("pf_emulate"),
	[VIREO_STAT_EXITS] = COUNTER("exits"),
	[VIREO_STAT_IO_EXITS] = COUNTER("io_exits"),
	[VIREO_STAT_MMIO_EXITS] = COUNTER("mmio_exits"),
	[VIREO_STAT_SIGNAL_EXITS] = COUNTER("signal_exits"),
	[VIREO_STAT_IRQ_WINDOW_EXITS] = COUNTER("irq_window_exits"),
	[VIREO_STAT_NMI_WINDOW_EXITS] = COUNTER("nmi_window_exits"),
	[VIREO_STAT_HALT_EXITS] = COUNTER("halt_exits"),
	[VIREO_STAT_REQUEST_IRQ_EXITS] = COUNTER("request_irq_exits"),
	[VIREO_STAT_IRQ_EXITS] = COUNTER("irq_exits"),
	[VIREO_STAT_IRQ_INJECTIONS] = COUNTER("irq_injections"),
	[VIREO_STAT_NMI_INJECTIONS] = COUNTER("nmi_injections"),
	/* L1D flushes before entry; 0 where the host asks for none. */
	[VIREO_STAT_L1D_FLUSH] = COUNTER("l1d_flush"),
};

/*
 * Vireo's own, one pair per reason: exit_NAME counts the exits, and
 * exit_NAME_ns the time from each to the next entry or KVM_RUN's return
 * (vireo_stat_exited()).
 */
static const char *const vireo_exit_names[VIREO_NR_EXIT_REASONS] = {
	[VIREO_EXIT_IRQ]	= "irq",
	[VIREO_EXIT_NMI]	= "nmi",
	[VIREO_EXIT_IRQ_WINDOW]	= "irq_window",
	[VIREO_EXIT_NMI_WINDOW]	= "nmi_window",
	[VIREO_EXIT_PIO]	= "io",
	[VIREO_EXIT_HALT]	= "halt",
	[VIREO_EXIT_PAGE_FAULT]	= "page_fault",
	[VIREO_EXIT_CPU_ID]	= "cpu_id",
	[VIREO_EXIT_SYSREG]	= "sysreg",
	[VIREO_EXIT_CTRL_REG]	= "ctrl_reg",
	[VIREO_EXIT_DEBUG_REG]	= "debug_reg",
	[VIREO_EXIT_EXCEPTION]	= "exception",
	[VIREO_EXIT_HYPERCALL]	= "hypercall",
	[VIREO_EXIT_INSN]	= "insn",
	[VIREO_EXIT_SHUTDOWN]	= "shutdown",
	[VIREO_EXIT_OTHER]	= "other",
};

static const struct vireo_stats_def vireo_vm_defs[VIREO_NR_VM_STATS] = {
	[VIREO_STAT_MMU_INVALIDATIONS] = COUNTER("mmu_invalidations"),
	[VIREO_STAT_MEMSLOT_UPDATES] = COUNTER("memslot_updates"),
};

#define VIREO_VCPU_DESCS	(VIREO_NR_VCPU_STATS + 2 * VIREO_NR_EXIT_REASONS)

/* One stats file's shape; the descriptors are built at load. */
struct vireo_stats_layout {
	struct kvm_stats_header header;
	struct vireo_stats_desc *desc;
	size_t data_size;
};

static struct vireo_stats_desc vireo_vcpu_desc[VIREO_VCPU_DESCS];
static struct vireo_stats_desc vireo_vm_desc[VIREO_NR_VM_STATS];
static struct vireo_stats_layout vireo_vcpu_layout, vireo_vm_layout;

/* Live VMs, for the debugfs sums. */
static LIST_HEAD(vireo_vms);
static DEFINE_MUTEX(vireo_vms_lock);

static void vireo_desc_set(struct vireo_stats_desc *d, const char *name,
			   const char *suffix, u32 flags, s16 exponent,
			   size_t offset)
{
	d->flags = flags;
	d->exponent = exponent;
	d->size = 1;
	d->offset = offset;
	snprintf(d->name, sizeof(d->name), "%s%s%s", suffix ? "exit_" : "",
		 name, suffix ? suffix : "");
}

static void vireo_layout_init(struct vireo_stats_layout *l,
			      struct vireo_stats_desc *desc, u32 n,
			      size_t data_size)
{
	l->desc = desc;
	l->data_size = data_size;
	l->header.flags = 0;
	l->header.name_size = VIREO_STATS_NAME_SIZE;
	l->header.num_desc = n;
	l->header.id_offset = sizeof(l->header);
	l->header.desc_offset = l->header.id_offset + VIREO_STATS_NAME_SIZE;
	l->header.data_offset = l->header.desc_offset + n * sizeof(*desc);
}

/* Sum one statistic (its data offset) over every live VM or vCPU. */
static int vireo_stats_sum(void *data, u64 *val)
{
	unsigned long key = (unsigned long)data;
	size_t idx = (key >> 1) / sizeof(u64);
	struct vireo_vm *vm;
	unsigned int i, n;
	u64 sum = 0;

	mutex_lock(&vireo_vms_lock);
	list_for_each_entry(vm, &vireo_vms, stats_node) {
		if (!(key & 1)) {
			sum += READ_ONCE(vm->stats.c[idx]);
			continue;
		}
		/* vCPUs live until their VM is freed, which waits for us. */
		n = smp_load_acquire(&vm->nr_vcpus);
		for (i = 0; i < n; i++)
			sum += READ_ONCE(((u64 *)&vm->vcpus[i]->stats)[idx]);
	}
	mutex_unlock(&vireo_vms_lock);
	*val = sum;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vireo_stats_sum_fops, vireo_stats_sum, NULL, "%llu\n");

/**
 * vireo_stats_init - build the descriptors and the debugfs sums
 * @parent: the module's debugfs directory (the sums go in "stats" below it)
 *
 * Each debugfs file holds one statistic summed over the live VMs (VM
 * statistics) or the live vCPUs of every VM, as kvm.ko's debugfs files.
 */
void vireo_stats_init(struct dentry *parent)
{
	struct dentry *dir = debugfs_create_dir("stats", parent);
	unsigned int i, n = 0;
	unsigned long key;

	BUILD_BUG_ON(offsetof(struct vireo_stats_desc, flags) !=
		     offsetof(struct kvm_stats_desc, flags));
	BUILD_BUG_ON(offsetof(struct vireo_stats_desc, exponent) !=
		     offsetof(struct kvm_stats_desc, exponent));
	BUILD_BUG_ON(offsetof(struct vireo_stats_desc, size) !=
		     offsetof(struct kvm_stats_desc, size));
	BUILD_BUG_ON(offsetof(struct vireo_stats_desc, offset) !=
		     offsetof(struct kvm_stats_desc, offset));
	BUILD_BUG_ON(offsetof(struct vireo_stats_desc, bucket_size) !=
		     offsetof(struct kvm_stats_desc, bucket_size));
	BUILD_BUG_ON(offsetof(struct vireo_stats_desc, name) !=
		     offsetof(struct kvm_stats_desc, name));
	BUILD_BUG_ON(sizeof(struct vireo_stats_desc) !=
		     sizeof(struct kvm_stats_desc) + VIREO_STATS_NAME_SIZE);
	for (i = 0; i < VIREO_NR_VCPU_STATS; i++)
		vireo_desc_set(&vireo_vcpu_desc[n++], vireo_vcpu_defs[i].name,
			       NULL, vireo_vcpu_defs[i].flags,
			       vireo_vcpu_defs[i].exponent,
			       offsetof(struct vireo_vcpu_stats, c[i]));
	for (i = 0; i < VIREO_NR_EXIT_REASONS; i++) {
		vireo_desc_set(&vireo_vcpu_desc[n++], vireo_exit_names[i], "",
			       VIREO_COUNTER, 0,
			       offsetof(struct vireo_vcpu_stats, exits[i]));
		vireo_desc_set(&vireo_vcpu_desc[n++], vireo_exit_names[i], "_ns",
			       VIREO_NS, -9,
			       offsetof(struct vireo_vcpu_stats, exit_ns[i]));
	}
	vireo_layout_init(&vireo_vcpu_layout, vireo_vcpu_desc, n,
			  sizeof(struct vireo_vcpu_stats));
	for (i = 0; i < VIREO_NR_VM_STATS; i++)
		vireo_desc_set(&vireo_vm_desc[i], vireo_vm_defs[i].name, NULL,
			       vireo_vm_defs[i].flags, vireo_vm_defs[i].exponent,
			       offsetof(struct vireo_vm_stats, c[i]));
	vireo_layout_init(&vireo_vm_layout, vireo_vm_desc, VIREO_NR_VM_STATS,
			  sizeof(struct vireo_vm_stats));

	/* The key: the data offset, shifted past the vCPU bit. */
	for (i = 0; i < VIREO_NR_VM_STATS; i++) {
		key = vireo_vm_desc[i].offset << 1;
		debugfs_create_file_unsafe(vireo_vm_desc[i].name, 0444, dir,
					   (void *)key, &vireo_stats_sum_fops);
	}
	for (i = 0; i < n; i++) {
		key = vireo_vcpu_desc[i].offset << 1 | 1;
		debugfs_create_file_unsafe(vireo_vcpu_desc[i].name, 0444, dir,
					   (void *)key, &vireo_stats_sum_fops);
	}
}

/**
 * vireo_stats_vm_add - a new VM: its id, and a place in the debugfs sums
 * @vm: the VM, created by the calling process
 */
void vireo_stats_vm_add(struct vireo_vm *vm)
{
	snprintf(vm->stats_id, sizeof(vm->stats_id), "kvm-%d",
		 task_pid_nr(current));
	mutex_lock(&vireo_vms_lock);
	list_add_tail(&vm->stats_node, &vireo_vms);
	mutex_unlock(&vireo_vms_lock);
}

/**
 * vireo_stats_vm_del - the VM is about to be freed: out of the sums
 * @vm: the VM, added by vireo_stats_vm_add()
 */
void vireo_stats_vm_del(struct vireo_vm *vm)
{
	mutex_lock(&vireo_vms_lock);
	list_del(&vm->stats_node);
	mutex_unlock(&vireo_vms_lock);
}

/**
 * vireo_stats_vcpu_init - a new vCPU's id string
 * @vcpu: the vCPU
 */
void vireo_stats_vcpu_init(struct vireo_vcpu *vcpu)
{
	snprintf(vcpu->stats_id, sizeof(vcpu->stats_id), "%s/vcpu-%u",
		 vcpu->vm->stats_id, vcpu->id);
	vcpu->exit_reason = VIREO_NR_EXIT_REASONS;
}

/**
 * vireo_stat_exited - the guest has just exited: its exit's clock starts
 * @vcpu: the vCPU, on its own thread, right after the world switch
 *
 * An exit's time in the module runs from here to the next entry
 * (vireo_stat_entering()) or to KVM_RUN's return, whichever comes first,
 * and goes to the reason vireo_stat_exit() gives it.  It includes the host
 * interrupt that ended an irq exit, which kvm.ko's kvm_exit to kvm_entry
 * (or kvm_userspace_exit) tracepoints leave out on AMD-V (kvm_exit comes
 * after the interrupt there).
 * Interrupts may be off: local_clock() is safe there.
 */
void __vireo_hot vireo_stat_exited(struct vireo_vcpu *vcpu)
{
	vcpu->exit_start = local_clock();
}

/* The last exit's time ends now (the vCPU's thread). */
static void __vireo_hot vireo_stat_exit_done(struct vireo_vcpu *vcpu)
{
	enum vireo_exit_reason why = vcpu->exit_reason;
	s64 ns;

	if (why < VIREO_NR_EXIT_REASONS && vcpu->exit_start) {
		/* local_clock() may step back after a move to another CPU. */
		ns = local_clock() - vcpu->exit_start;
		if (ns > 0)
			vcpu->stats.exit_ns[why] += ns;
	}
	vcpu->exit_reason = VIREO_NR_EXIT_REASONS;
	vcpu->exit_start = 0;
}

/**
 * vireo_stat_entering - the guest is about to be entered
 * @vcpu: the vCPU, on its own thread, right before the world switch
 *
 * Ends the time of the exit before (see vireo_stat_exited()).
 */
void __vireo_hot vireo_stat_entering(struct vireo_vcpu *vcpu)
{
	if (vcpu->exit_reason < VIREO_NR_EXIT_REASONS)
		vireo_stat_exit_done(vcpu);
}

/**
 * vireo_stat_exit - a backend's exit dispatch: count the exit by its reason
 * @vcpu: the vCPU that exited, on its own thread
 * @why: the kind of exit
 *
 * The exit's time (vireo_stat_exited()) goes to @why as well.
 */
void __vireo_hot vireo_stat_exit(struct vireo_vcpu *vcpu, enum vireo_exit_reason why)
{
	static const u8 kvm_name[VIREO_NR_EXIT_REASONS] = {
		[VIREO_EXIT_IRQ]	= VIREO_STAT_IRQ_EXITS,
		[VIREO_EXIT_IRQ_WINDOW]	= VIREO_STAT_IRQ_WINDOW_EXITS,
		[VIREO_EXIT_NMI_WINDOW]	= VIREO_STAT_NMI_WINDOW_EXITS,
		[VIREO_EXIT_PIO]	= VIREO_STAT_IO_EXITS,
		[VIREO_EXIT_HALT]	= VIREO_STAT_HALT_EXITS,
		[VIREO_EXIT_PAGE_FAULT]	= VIREO_STAT_PF_TAKEN,
	};
	struct vireo_vcpu_stats *s = &vcpu->stats;

	if (WARN_ON_ONCE(why >= VIREO_NR_EXIT_REASONS))
		why = VIREO_EXIT_OTHER;
	s->c[VIREO_STAT_EXITS]++;
	s->exits[why]++;
	/* 0 is a real counter, but none of the reasons above maps to it. */
	if (kvm_name[why])
		s->c[kvm_name[why]]++;
	vcpu->exit_reason = why;
	/* A backend without vireo_stat_exited() times from here. */
	if (!vcpu->exit_start)
		vcpu->exit_start = local_clock();
}

/**
 * vireo_stats_run_done - the backend returned to the run loop
 * @vcpu: the vCPU, on its own thread
 * @r: what the backend's vcpu_run returned
 */
void __vireo_hot vireo_stats_run_done(struct vireo_vcpu *vcpu, int r)
{
	if (r == VIREO_RUN_AGAIN)
		return;
	/* KVM_RUN ends: so does the exit's time in the module. */
	vireo_stat_exit_done(vcpu);
	if (r != VIREO_RUN_USER)
		return;
	/*
	 * The backend has just written the reason.  Statistics only: a VMM
	 * that rewrites the shared page meanwhile skews its own counts.
	 */
	switch (READ_ONCE(vcpu->run->exit_reason)) {
	case KVM_EXIT_MMIO:
		vireo_stat_inc(vcpu, VIREO_STAT_MMIO_EXITS);
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		vireo_stat_inc(vcpu, VIREO_STAT_REQUEST_IRQ_EXITS);
		break;
	}
}

/* Copy the part of [start, start + len) that the read at *pos reaches. */
static int vireo_stats_copy(char __user **buf, size_t *left, loff_t *pos,
			    loff_t start, const void *src, size_t len)
{
	size_t off, n;

	if (!*left || *pos < start || *pos >= start + (loff_t)len)
		return 0;
	off = *pos - start;
	n = min(len - off, *left);
	if (copy_to_user(*buf, src + off, n))
		return -EFAULT;
	*buf += n;
	*left -= n;
	*pos += n;
	return 0;
}

static ssize_t vireo_stats_read(const struct vireo_stats_layout *l,
				const char *id, const void *data,
				char __user *buf, size_t size, loff_t *ppos)
{
	const struct kvm_stats_header *h = &l->header;
	size_t left = size;
	loff_t pos = *ppos;

	if (vireo_stats_copy(&buf, &left, &pos, 0, h, sizeof(*h)) ||
	    vireo_stats_copy(&buf, &left, &pos, h->id_offset, id,
			     VIREO_STATS_NAME_SIZE) ||
	    vireo_stats_copy(&buf, &left, &pos, h->desc_offset, l->desc,
			     h->num_desc * sizeof(*l->desc)) ||
	    vireo_stats_copy(&buf, &left, &pos, h->data_offset, data,
			     l->data_size))
		return -EFAULT;
	*ppos = pos;
	return size - left;
}

static ssize_t vireo_vm_stats_read(struct file *file, char __user *buf,
				   size_t size, loff_t *ppos)
{
	struct vireo_vm *vm = file->private_data;

	return vireo_stats_read(&vireo_vm_layout, vm->stats_id, &vm->stats,
				buf, size, ppos);
}

static ssize_t vireo_vcpu_stats_read(struct file *file, char __user *buf,
				     size_t size, loff_t *ppos)
{
	struct vireo_vcpu *vcpu = file->private_data;

	return vireo_stats_read(&vireo_vcpu_layout, vcpu->stats_id,
				&vcpu->stats, buf, size, ppos);
}

static int vireo_vm_stats_release(struct inode *inode, struct file *file)
{
	vireo_vm_put(file->private_data);
	return 0;
}

static int vireo_vcpu_stats_release(struct inode *inode, struct file *file)
{
	struct vireo_vcpu *vcpu = file->private_data;

	vireo_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations vireo_vm_stats_fops = {
	.owner		= THIS_MODULE,
	.read		= vireo_vm_stats_read,
	.release	= vireo_vm_stats_release,
	.llseek		= noop_llseek,
};

static const struct file_operations vireo_vcpu_stats_fops = {
	.owner		= THIS_MODULE,
	.read		= vireo_vcpu_stats_read,
	.release	= vireo_vcpu_stats_release,
	.llseek		= noop_llseek,
};

static int vireo_stats_fd(struct vireo_vm *vm, const char *name,
			  const struct file_operations *fops, void *priv)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = anon_inode_getfile(name, fops, priv, O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	/* Dropped by the release: the VM outlives its last other fd. */
	kref_get(&vm->ref);
	file->f_mode |= FMODE_PREAD;
	fd_install(fd, file);
	return fd;
}

/**
 * vireo_vm_stats_fd - KVM_GET_STATS_FD on a VM fd
 * @vm: the VM
 *
 * Return: a new read-only fd, or -errno.
 */
int vireo_vm_stats_fd(struct vireo_vm *vm)
{
	return vireo_stats_fd(vm, "vireo-vm-stats", &vireo_vm_stats_fops, vm);
}

/**
 * vireo_vcpu_stats_fd - KVM_GET_STATS_FD on a vCPU fd
 * @vcpu: the vCPU
 *
 * Return: a new read-only fd, or -errno.
 */
int vireo_vcpu_stats_fd(struct vireo_vcpu *vcpu)
{
	return vireo_stats_fd(vcpu->vm, "vireo-vcpu-stats",
			      &vireo_vcpu_stats_fops, vcpu);
}
