// SPDX-License-Identifier: GPL-2.0
/*
 * Nested page tables, filled on demand from the VMM's own mapping of guest
 * memory.  Each leaf holds a reference to its page.  When the VMM's mapping
 * changes (the core's MMU notifier) or a slot goes, leaves are first made
 * non-present, every CPU is made to leave the guest, and only then are the
 * references dropped: a page the guest can still reach through a stale TLB
 * entry is never freed under it.  Backends enter the guest with interrupts
 * off after reading x86_tdp.gen, so once the IPI has run everywhere, every
 * CPU will flush before it next enters.
 *
 * References, not pins (FOLL_PIN): reclaim will not swap out a pinned page
 * and KSM cannot share one, whereas a plain reference goes in the MMU
 * notifier, which reclaim and KSM call before they look at the page.  A
 * read fault maps a page read-only unless the VMM's mapping is already
 * writable, so that reading shared copy-on-write memory (KSM pages, the
 * zero page) does not unshare it; a later write upgrades the leaf.
 */
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/processor.h>

#include "x86/tdp.h"

#define TDP_ADDR	GENMASK_ULL(51, 12)
#define TDP_HUGE_PAGES	(SZ_2M >> PAGE_SHIFT)

static u64 *tdp_table(u64 e)
{
	return __va(e & TDP_ADDR);
}

static u64 tdp_span(int level)
{
	return 1ULL << (PAGE_SHIFT + 9 * level);
}

static u64 *tdp_entry(u64 *table, int level, u64 gpa)
{
	return &table[(gpa >> (PAGE_SHIFT + 9 * level)) & 511];
}

/*
 * Table pages are charged to the VMM's memory cgroup when allocated; as in
 * kvm.ko they also show as its secondary page tables (memory.stat).
 */
static void tdp_account_table(struct page *page, int n)
{
	mod_lruvec_page_state(page, NR_SECONDARY_PAGETABLE, n);
}

/* A level-1 entry that maps 2 MiB itself rather than a table. */
static bool tdp_is_huge(const struct x86_tdp *t, int level, u64 e)
{
	return level == 1 && (e & t->huge);
}

/*
 * Find or build the entry at @level for @gpa, taking missing tables from
 * the pool (t->lock held); NULL when a 2 MiB leaf covers @gpa above
 * @level, or when the pool ran dry (another fault took its pages between
 * tdp_topup() and here): the guest then faults again.
 */
static u64 *tdp_walk(struct x86_tdp *t, u64 gpa, int level)
{
	const struct x86_tdp_format *f = t->fmt;
	u64 *table = page_address(t->root);
	int l;

	for (l = t->levels - 1; l > level; l--) {
		u64 *e = tdp_entry(table, l, gpa);

		if (tdp_is_huge(t, l, *e))
			return NULL;
		if (!(*e & f->present)) {
			struct page *page;

			if (!t->nr_pool)
				return NULL;
			page = t->pool[--t->nr_pool];
			tdp_account_table(page, 1);
			*e = page_to_phys(page) | f->table;
		}
		table = tdp_table(*e);
	}
	return tdp_entry(table, level, gpa);
}

/*
 * Fill the pool of zeroed table pages to as many as one walk can use.
 * Pages stay there from fault to fault: most faults need no new table,
 * and allocating (zeroing, charging) a page for each level on every fault
 * only to free it again was most of a 4 KiB fault's own cost.
 */
static int tdp_topup(struct x86_tdp *t)
{
	struct page *page;

	while (READ_ONCE(t->nr_pool) < t->levels - 1) {
		page = vireo_alloc_page();
		if (!page)
			return -ENOMEM;
		spin_lock(&t->lock);
		if (t->nr_pool < t->levels - 1) {
			t->pool[t->nr_pool++] = page;
			page = NULL;
		}
		spin_unlock(&t->lock);
		vireo_free_page(page);
	}
	return 0;
}

/* Drop the references of a leaf, one per 4 KiB page. */
static void tdp_put(u64 e, unsigned long npages, bool dirty)
{
	vireo_put_user_pages(pfn_to_page((e & TDP_ADDR) >> PAGE_SHIFT), npages,
			     dirty);
	vireo_count_pages(-(long)npages);
}

enum tdp_zap_mode {
	TDP_MARK,	/* make leaves non-present, keep the references */
	TDP_RELEASE,	/* drop the references of marked leaves */
	TDP_DESTROY,	/* drop every reference and every table */
};

/*
 * A leaf that overlaps the range goes whole, 2 MiB ones included.  Only
 * the entries the range overlaps are looked at, so that the core's small
 * chunks of a large, sparse range cost no more than the range itself.
 * TDP_DESTROY reschedules as it goes: it runs without the lock, on tables
 * no CPU uses any more.
 */
static unsigned long tdp_zap(struct x86_tdp *t, u64 *table, int level,
			     u64 base, u64 start, u64 end,
			     enum tdp_zap_mode mode)
{
	const struct x86_tdp_format *f = t->fmt;
	unsigned int shift = PAGE_SHIFT + 9 * level;
	u64 span = tdp_span(level), first, last, i;
	unsigned long n = 0, npages = span >> PAGE_SHIFT;

	first = start > base ? (start - base) >> shift : 0;
	last = min_t(u64, (end - 1 - base) >> shift, 511);
	for (i = first; i <= last; i++) {
		u64 lo = base + i * span, e = table[i];

		if (!e)
			continue;
		/* Each of these entries holds up to 512 references. */
		if (mode == TDP_DESTROY && level > 0)
			cond_resched();
		if (level > 0 && !tdp_is_huge(t, level, e)) {
			n += tdp_zap(t, tdp_table(e), level - 1, lo, start, end,
				     mode);
			if (mode == TDP_DESTROY) {
				table[i] = 0;
				tdp_account_table(virt_to_page(tdp_table(e)),
						  -1);
				vireo_free_page(virt_to_page(tdp_table(e)));
			}
			continue;
		}
		if (mode == TDP_MARK && (e & f->present)) {
			table[i] = (e & (TDP_ADDR | t->huge)) | f->zapped |
				   ((e & f->write) ? f->zapped_w : 0);
			n++;
		} else if (mode == TDP_RELEASE && (e & f->zapped)) {
			table[i] = 0;
			tdp_put(e, npages, e & f->zapped_w);
		} else if (mode == TDP_DESTROY) {
			table[i] = 0;
			tdp_put(e, npages, e & (f->write | f->zapped_w));
		}
	}
	return n;
}

/**
 * x86_tdp_init - set up empty nested page tables
 * @t: the tables
 * @fmt: the backend's entry format
 * @levels: how many levels the CPU walks
 * @huge: the CPU takes 2 MiB leaves
 *
 * Return: 0 or -ENOMEM.
 */
int x86_tdp_init(struct x86_tdp *t, const struct x86_tdp_format *fmt,
		 int levels, bool huge)
{
	if (!zalloc_cpumask_var(&t->cpus, GFP_KERNEL_ACCOUNT))
		return -ENOMEM;
	t->root = vireo_alloc_page();
	if (!t->root) {
		free_cpumask_var(t->cpus);
		return -ENOMEM;
	}
	tdp_account_table(t->root, 1);
	t->fmt = fmt;
	t->levels = levels;
	t->huge = huge ? fmt->huge : 0;
	t->gen = 0;
	t->nr_pool = 0;
	spin_lock_init(&t->lock);
	return 0;
}

/**
 * x86_tdp_destroy - free every table and drop every page reference
 * @t: the tables, which no CPU may be using any more
 *
 * Sleeps: a large guest's tables take long to walk.
 */
void x86_tdp_destroy(struct x86_tdp *t)
{
	tdp_zap(t, page_address(t->root), t->levels - 1, 0, 0, ~0ULL,
		TDP_DESTROY);
	while (t->nr_pool)
		vireo_free_page(t->pool[--t->nr_pool]);
	tdp_account_table(t->root, -1);
	vireo_free_page(t->root);
	free_cpumask_var(t->cpus);
}

/**
 * x86_gpa_bits - guest-physical address bits nested tables can map
 * @levels: levels of the tables
 *
 * No more than the host's MAXPHYADDR either: the hardware cannot take
 * guest-physical addresses wider than that through nested paging (kvm.ko
 * refuses such slots too).
 *
 * Return: the width; memory must end at or below 1 << width.
 */
unsigned int x86_gpa_bits(int levels)
{
	return min_t(unsigned int, boot_cpu_data.x86_phys_bits,
		     PAGE_SHIFT + 9 * levels);
}

static void x86_tdp_kick(void *unused)
{
}

/* Rights went away: no CPU may enter again before it flushed. */
static void tdp_flush_all(struct x86_tdp *t)
{
	WRITE_ONCE(t->gen, t->gen + 1);
	/* Pairs with x86_tdp_gen_on(). */
	smp_mb();
	on_each_cpu_mask(t->cpus, x86_tdp_kick, NULL, true);
}

/*
 * The 4 KiB leaf for @gpa if the tables reach one; nothing is built.
 * Otherwise NULL, and *@level is that of the entry that ends the walk (no
 * table below it, or a 2 MiB leaf): nothing else it covers has a leaf.
 */
static u64 *tdp_lookup(struct x86_tdp *t, u64 gpa, int *level)
{
	u64 *table = page_address(t->root);
	int l;

	for (l = t->levels - 1; l > 0; l--) {
		u64 e = *tdp_entry(table, l, gpa);

		if (!(e & t->fmt->present) || tdp_is_huge(t, l, e)) {
			*level = l;
			return NULL;
		}
		table = tdp_table(e);
	}
	return tdp_entry(table, 0, gpa);
}

/**
 * x86_tdp_write_protect - make pages of a dirty-logged slot read-only
 * @t: the tables
 * @gpa: guest-physical address of the slot's first page
 * @mask: one bit per page of the slot; set bits name the pages
 * @npages: the slot's size in pages
 *
 * The guest's next write to such a page faults, and the fault logs it
 * again (x86_tdp_fault()).  A dirty-logged slot has only 4 KiB leaves.
 * When it returns no CPU can write through the old rights.  Sleeps: a
 * slot has up to 2^31 pages, so the lock is given up when the CPU is
 * wanted, and the pages under a missing table are skipped at once.  A
 * write meanwhile through a leaf already protected faults and is logged
 * again; through a stale TLB entry it goes to a page this call reports
 * dirty anyway.
 */
void x86_tdp_write_protect(struct x86_tdp *t, u64 gpa,
			   const unsigned long *mask, unsigned long npages)
{
	const struct x86_tdp_format *f = t->fmt;
	unsigned long i, n = 0;
	int level;
	u64 *pte;

	spin_lock(&t->lock);
	for (i = find_first_bit(mask, npages); i < npages;
	     i = find_next_bit(mask, npages, i + 1)) {
		u64 a = gpa + ((u64)i << PAGE_SHIFT);

		cond_resched_lock(&t->lock);
		pte = tdp_lookup(t, a, &level);
		if (!pte) {
			/* On from the first page past that entry's span. */
			i = ((ALIGN(a + 1, tdp_span(level)) - gpa) >>
			     PAGE_SHIFT) - 1;
			continue;
		}
		if ((*pte & f->present) && (*pte & f->write)) {
			/* Its page was written through this leaf. */
			set_page_dirty(pfn_to_page((*pte & TDP_ADDR) >> PAGE_SHIFT));
			*pte &= ~f->write;
			n++;
		}
	}
	if (n)
		tdp_flush_all(t);
	spin_unlock(&t->lock);
}

/**
 * x86_tdp_unmap - take [@gpa, @gpa + @size) out of the guest's reach
 * @t: the tables
 * @gpa: start of the range
 * @size: its length
 *
 * When it returns no CPU can reach those pages any more and their
 * references are gone.  Does not sleep (the MMU notifier may not); the
 * core calls it for at most a bounded chunk at a time, so the lock is
 * held for as long as that chunk's references take to drop.
 */
void x86_tdp_unmap(struct x86_tdp *t, u64 gpa, u64 size)
{
	u64 *root = page_address(t->root);
	unsigned long n;

	spin_lock(&t->lock);
	n = tdp_zap(t, root, t->levels - 1, 0, gpa, gpa + size, TDP_MARK);
	if (n) {
		tdp_flush_all(t);
		tdp_zap(t, root, t->levels - 1, 0, gpa, gpa + size,
			TDP_RELEASE);
	}
	spin_unlock(&t->lock);
}

static void tdp_put_pages(struct page **pages, int n)
{
	while (n > 0)
		vireo_put_user_page(pages[--n]);
}

/*
 * Can the 2 MiB around @gpa be one leaf?  The slot must hold all of it,
 * at the same offset within 2 MiB in the VMM's address space.
 */
static bool tdp_huge_fits(const struct x86_tdp *t,
			  const struct vireo_slot *slot, u64 gpa)
{
	u64 base = gpa & ~(u64)(SZ_2M - 1);

	return t->huge && base >= slot->gpa &&
	       base + SZ_2M <= slot->gpa + slot->size &&
	       !((slot->uva - slot->gpa) & (SZ_2M - 1));
}

/*
 * Map the 2 MiB around @gpa with one leaf when the VMM's pages there are
 * one aligned, physically contiguous run (a transparent or hugetlbfs huge
 * page); every 4 KiB page in it holds a reference, so a later split of the
 * VMM's mapping cannot free what the leaf still reaches, and the MMU
 * notifier takes the whole leaf away when any part of the range changes.
 * The leaf gets the slot's full rights (@ro or writable), so that no write
 * ever has to upgrade a 2 MiB leaf.
 *
 * Return: 0 when the guest can retry, -EAGAIN to map 4 KiB instead, or
 * -errno.
 */
static int tdp_fault_huge(struct x86_tdp *t, struct vireo_vm *vm,
			  const struct vireo_slot *slot, u64 gpa, bool ro,
			  unsigned long seq)
{
	const struct x86_tdp_format *f = t->fmt;
	u64 base = gpa & ~(u64)(SZ_2M - 1), *pde;
	unsigned long pfn;
	struct page **pages;
	int n, i, r = 0;

	pages = kmalloc_array(TDP_HUGE_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -EAGAIN;
	n = vireo_get_user_pages_fast(slot->uva + (base - slot->gpa),
				      TDP_HUGE_PAGES, ro ? 0 : FOLL_WRITE, pages);
	if (n != TDP_HUGE_PAGES) {
		r = -EAGAIN;
		goto put;
	}
	pfn = page_to_pfn(pages[0]);
	for (i = 0; i < TDP_HUGE_PAGES; i++) {
		if (page_to_pfn(pages[i]) != pfn + i ||
		    (pfn & (TDP_HUGE_PAGES - 1))) {
			r = -EAGAIN;
			goto put;
		}
	}

	spin_lock(&t->lock);
	pde = tdp_walk(t, base, 1);
	if (pde && *pde && !tdp_is_huge(t, 1, *pde)) {
		/* 4 KiB leaves exist below: keep to them. */
		r = -EAGAIN;
	} else if (pde && !*pde && !vireo_mmu_retry(vm, seq)) {
		*pde = PFN_PHYS(pfn) | f->leaf | t->huge | (ro ? 0 : f->write);
		vireo_count_pages(TDP_HUGE_PAGES);
		vireo_count_huge();
		n = 0;
	}
	spin_unlock(&t->lock);
put:
	tdp_put_pages(pages, n);
	kfree(pages);
	return r;
}

/**
 * x86_tdp_fault - map the page behind @gpa
 * @t: the VM's tables
 * @vm: the VM, for its slots and its MMU notifier's sequence count
 * @gpa: the guest-physical address that faulted
 * @write: the access was a write
 *
 * Return: 0 when the guest can retry, 1 when the access is MMIO (no slot,
 * or a write to a read-only slot), or -errno.
 */
int x86_tdp_fault(struct x86_tdp *t, struct vireo_vm *vm, u64 gpa,
		  bool write)
{
	const struct x86_tdp_format *f = t->fmt;
	struct vireo_slot *slot;
	struct page *page;
	unsigned long seq;
	u64 uva, *pte;
	bool ro, w;
	int r;

	slot = vireo_find_slot(vm, gpa);
	if (!slot)
		return 1;
	ro = slot->flags & KVM_MEM_READONLY;
	if (ro && write)
		return 1;
	uva = slot->uva + ((gpa & PAGE_MASK) - slot->gpa);

	/* Tables are allocated up front: the walk runs under a spinlock. */
	r = tdp_topup(t);
	if (r)
		return r;
	seq = READ_ONCE(vm->mmu_seq);
	/* The count before the lookup: an invalidation after it is seen. */
	smp_rmb();
	/*
	 * A read takes write access only where the VMM's page table already
	 * grants it (the fast lookup never faults, so never unshares), and
	 * never in a dirty-logged slot, whose writes must each fault once.
	 */
	w = !ro && !write && !slot->dirty &&
	    vireo_get_user_page_fast_only(uva, FOLL_WRITE, &page);
	if (!w) {
		w = write;
		r = vireo_get_user_pages_fast(uva, 1, w ? FOLL_WRITE : 0, &page);
		if (r != 1)
			return r < 0 ? r : -EFAULT;
	}

	/* Dirty logging counts 4 KiB pages: no 2 MiB leaf while it is on. */
	if ((w || ro) && !slot->dirty && PageCompound(page) &&
	    tdp_huge_fits(t, slot, gpa)) {
		r = tdp_fault_huge(t, vm, slot, gpa, ro, seq);
		if (r != -EAGAIN) {
			vireo_put_user_page(page);
			return r;
		}
	}

	spin_lock(&t->lock);
	pte = tdp_walk(t, gpa, 0);
	if (pte && w && (*pte & f->present) && !(*pte & f->write) &&
	    (*pte & TDP_ADDR) == page_to_phys(page) &&
	    !vireo_mmu_retry(vm, seq)) {
		/*
		 * A write to a page first mapped for a read, and still the
		 * same page: only rights grow, so no CPU needs a flush.  The
		 * leaf keeps its reference; ours goes.
		 */
		*pte |= f->write;
		vireo_mark_dirty(slot, gpa);
		spin_unlock(&t->lock);
		vireo_put_user_page(page);
		return 0;
	}
	/*
	 * Present: another vCPU won, or the page behind a read-only leaf
	 * changed and an unmap will take the leaf.  Zapped: an unmap is
	 * finishing.  No entry: a 2 MiB leaf covers it, present or going,
	 * or the pool ran dry.
	 */
	if (!pte || *pte || vireo_mmu_retry(vm, seq)) {
		spin_unlock(&t->lock);
		vireo_put_user_page(page);
		return 0;
	}
	*pte = page_to_phys(page) | f->leaf | (w ? f->write : 0);
	if (w)
		vireo_mark_dirty(slot, gpa);
	vireo_count_pages(1);
	spin_unlock(&t->lock);
	return 0;
}
