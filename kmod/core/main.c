// SPDX-License-Identifier: GPL-2.0
/*
 * Module life, the device nodes and the system fd.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/slab.h>

#include "core/irq.h"
#include "core/stats.h"
#include "uapi/vireo.h"

const struct vireo_impl *vireo_impl;

static bool devkvm;
module_param(devkvm, bool, 0444);
MODULE_PARM_DESC(devkvm, "Also answer as /dev/kvm when its minor is free");

static atomic_long_t vireo_pages = ATOMIC_LONG_INIT(0);
static atomic_long_t vireo_objects = ATOMIC_LONG_INIT(0);
/*
 * References held on the VMM's own pages: they are not the module's
 * allocations, so a lost put_page() would show in no other count (and
 * would pin guest memory after the VM is gone).
 */
static atomic_long_t vireo_page_refs = ATOMIC_LONG_INIT(0);
/*
 * Stage-2 leaves larger than a base page created since load: debugfs
 * vireo/huge_mappings, for tests; not ABI.
 */
static atomic_t vireo_huge = ATOMIC_INIT(0);
/*
 * Guest exits since load, like kvm.ko's debugfs "exits": tests see an
 * intercept through it.  Per CPU, so that counting costs no shared line.
 */
static DEFINE_PER_CPU(unsigned long, vireo_exits);
static struct dentry *vireo_debugfs;

void *vireo_zalloc(size_t size)
{
	void *p = kzalloc(size, GFP_KERNEL_ACCOUNT);

	if (p)
		atomic_long_inc(&vireo_objects);
	return p;
}

void vireo_free(const void *p)
{
	if (!p)
		return;
	kfree(p);
	atomic_long_dec(&vireo_objects);
}

struct page *vireo_alloc_page(void)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (page)
		atomic_long_inc(&vireo_pages);
	return page;
}

void vireo_free_page(struct page *page)
{
	if (!page)
		return;
	__free_page(page);
	atomic_long_dec(&vireo_pages);
}

/* For pages the backend allocates in other shapes (contiguous, pinned). */
void vireo_count_pages(long n)
{
	atomic_long_add(n, &vireo_pages);
}

/* For objects the kernel allocates on the backend's behalf (FPU state). */
void vireo_count_objects(long n)
{
	atomic_long_add(n, &vireo_objects);
}

/**
 * vireo_get_user_pages_fast - get_user_pages_fast(), references counted
 * @start: first user address
 * @nr_pages: pages wanted
 * @gup_flags: FOLL_* flags
 * @pages: the pages, each with a reference to drop by vireo_put_user_page()
 *
 * Return: the number of pages pinned, or -errno.
 */
int vireo_get_user_pages_fast(unsigned long start, int nr_pages,
			      unsigned int gup_flags, struct page **pages)
{
	int n = get_user_pages_fast(start, nr_pages, gup_flags, pages);

	if (n > 0)
		atomic_long_add(n, &vireo_page_refs);
	return n;
}

/**
 * vireo_get_user_page_fast_only - get_user_page_fast_only(), counted
 * @addr: user address
 * @gup_flags: FOLL_* flags
 * @pagep: the page, with a reference to drop by vireo_put_user_page()
 *
 * Return: true when the page was found without faulting.
 */
bool vireo_get_user_page_fast_only(unsigned long addr,
				   unsigned int gup_flags,
				   struct page **pagep)
{
	if (!get_user_page_fast_only(addr, gup_flags, pagep))
		return false;
	atomic_long_inc(&vireo_page_refs);
	return true;
}

/**
 * vireo_put_user_page - drop a reference taken by vireo_get_user_pages_fast()
 * or vireo_get_user_page_fast_only()
 * @page: the page
 *
 * Safe under spinlocks, as put_page() is.
 */
void vireo_put_user_page(struct page *page)
{
	put_page(page);
	atomic_long_dec(&vireo_page_refs);
}

/**
 * vireo_put_user_pages - drop the references of @n consecutive pages
 * @page: the first, each holding a reference as vireo_put_user_page() drops
 * @n: how many (a stage-2 leaf's: 1, or the 512 of a 2 MiB one)
 * @dirty: they were written: mark them dirty first
 *
 * What vireo_put_user_page() does for each, with one atomic operation for
 * each folio rather than for each page: a 2 MiB leaf over a huge page
 * drops its 512 references at once.  Safe under spinlocks.
 */
void vireo_put_user_pages(struct page *page, unsigned long n, bool dirty)
{
	unsigned long i = 0, run;

	while (i < n) {
		struct page *p = nth_page(page, i);
		struct folio *folio = page_folio(p);

		/* put_page() has more to do for device memory. */
		if (is_zone_device_page(p)) {
			if (dirty)
				set_page_dirty(p);
			put_page(p);
			i++;
			continue;
		}
		for (run = 1; i + run < n &&
		     page_folio(nth_page(page, i + run)) == folio; run++)
			;
		/*
		 * The folio's flag, once for all its pages; not the _lock
		 * variant, under spinlocks.
		 */
		if (dirty)
			set_page_dirty(p);
		folio_put_refs(folio, run);
		i += run;
	}
	atomic_long_sub(n, &vireo_page_refs);
}

void vireo_count_huge(void)
{
	atomic_inc(&vireo_huge);
}

void __vireo_hot vireo_count_exit(void)
{
	this_cpu_inc(vireo_exits);
}

static int vireo_exits_get(void *data, u64 *val)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(vireo_exits, cpu);
	*val = sum;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vireo_exits_fops, vireo_exits_get, NULL, "%llu\n");

long vireo_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_BINARY_STATS_FD:
		return 1;
	/* Only where the backend has interrupt controllers to route to. */
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_IOEVENTFD_NO_LENGTH:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IRQ_INJECT_STATUS:
		return !!vireo_impl->irqchip_in_kernel;
	case KVM_CAP_IRQ_ROUTING:
		return vireo_impl->irqchip_in_kernel ? VIREO_MAX_IRQ_ROUTES : 0;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return VIREO_MAX_VCPUS;
	case KVM_CAP_NR_MEMSLOTS:
		return VIREO_MAX_SLOTS;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return vireo_impl->vm_write_protect ? VIREO_DIRTY_LOG_MANUAL : 0;
	/* The ring's page offset in the vCPU mapping, as kvm.ko answers */
	case KVM_CAP_COALESCED_MMIO:
		return vireo_impl->coalesced_mmio ?
		       KVM_COALESCED_MMIO_PAGE_OFFSET : 0;
	case KVM_CAP_COALESCED_PIO:
		return vireo_impl->coalesced_mmio;
	default:
		return vireo_impl->check_extension(cap);
	}
}

static long vireo_dev_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	switch (cmd) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : VIREO_API_VERSION;
	case KVM_CREATE_VM:
		return vireo_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return vireo_check_extension(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : vireo_vcpu_mmap_pages() * PAGE_SIZE;
	default:
		return vireo_impl->dev_ioctl(cmd, (void __user *)arg);
	}
}

static const struct file_operations vireo_dev_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= vireo_dev_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vireo_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= VIREO_DEVICE_NAME,
	.fops	= &vireo_dev_fops,
	.mode	= 0666,
};

static struct miscdevice vireo_kvm_dev = {
	.minor	= KVM_MINOR,
	.name	= "kvm",
	.fops	= &vireo_dev_fops,
	.mode	= 0666,
};

static bool kvm_dev_registered;
static int cpuhp_state;

static int vireo_cpu_online(unsigned int cpu)
{
	return vireo_impl->cpu_enable();
}

static int vireo_cpu_offline(unsigned int cpu)
{
	vireo_impl->cpu_disable();
	return 0;
}

static void vireo_cpu_disable_ipi(void *unused)
{
	vireo_impl->cpu_disable();
}

/* A CPU left in virtualization mode can hang a warm reboot on some parts. */
static int vireo_reboot(struct notifier_block *nb, unsigned long code,
			void *unused)
{
	on_each_cpu(vireo_cpu_disable_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block vireo_reboot_nb = {
	.notifier_call = vireo_reboot,
};

static int __init vireo_init(void)
{
	const struct vireo_impl *const *impl;
	int r = -ENODEV;

	/*
	 * -ENODEV means "not this vendor" and stays quiet; any other error
	 * was explained by its backend and is the one to return.
	 */
	for (impl = vireo_impls; *impl; impl++) {
		int e = (*impl)->probe();

		if (!e)
			break;
		if (r == -ENODEV)
			r = e;
	}
	if (!*impl) {
		if (r == -ENODEV)
			pr_err("this CPU has no hardware virtualization Vireo supports\n");
		return r;
	}
	vireo_impl = *impl;

	r = vireo_eventfd_init();
	if (r)
		return r;
	r = vireo_impl->init();
	if (r)
		goto err_eventfd;

	r = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "vireo:online",
			      vireo_cpu_online, vireo_cpu_offline);
	if (r < 0)
		goto err_fini;
	cpuhp_state = r;
	register_reboot_notifier(&vireo_reboot_nb);

	r = misc_register(&vireo_dev);
	if (r) {
		pr_err("cannot register /dev/vireo: %d\n", r);
		goto err_cpuhp;
	}
	if (devkvm) {
		if (misc_register(&vireo_kvm_dev))
			pr_warn("/dev/kvm is taken; only /dev/vireo exists\n");
		else
			kvm_dev_registered = true;
	}
	vireo_debugfs = debugfs_create_dir(VIREO_DEVICE_NAME, NULL);
	debugfs_create_atomic_t("huge_mappings", 0444, vireo_debugfs,
				&vireo_huge);
	debugfs_create_file_unsafe("exits", 0444, vireo_debugfs, NULL,
				   &vireo_exits_fops);
	vireo_stats_init(vireo_debugfs);
	pr_info("loaded, %s backend%s\n", vireo_impl->name,
		kvm_dev_registered ? ", also /dev/kvm" : "");
	return 0;

err_cpuhp:
	unregister_reboot_notifier(&vireo_reboot_nb);
	cpuhp_remove_state(cpuhp_state);
err_fini:
	vireo_impl->fini();
err_eventfd:
	vireo_eventfd_exit();
	return r;
}

static void __exit vireo_exit(void)
{
	debugfs_remove_recursive(vireo_debugfs);
	if (kvm_dev_registered)
		misc_deregister(&vireo_kvm_dev);
	misc_deregister(&vireo_dev);
	unregister_reboot_notifier(&vireo_reboot_nb);
	cpuhp_remove_state(cpuhp_state);
	vireo_impl->fini();
	vireo_eventfd_exit();
	pr_info("unload: %ld pages, %ld objects, %ld page references outstanding\n",
		atomic_long_read(&vireo_pages),
		atomic_long_read(&vireo_objects),
		atomic_long_read(&vireo_page_refs));
}

module_init(vireo_init);
module_exit(vireo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Vireo: a small hypervisor on the KVM ABI");
