// SPDX-License-Identifier: GPL-2.0
/*
 * Nested page tables, filled on demand from the VMM's own mapping of guest
 * memory.  Each leaf holds a pinned page.  When the VMM's mapping changes
 * (the core's MMU notifier) or a slot goes, leaves are first made
 * non-present, every CPU is made to leave the guest, and only then are the
 * pins dropped: a page the guest can still reach through a stale TLB entry
 * is never freed under it.  Backends enter the guest with interrupts off
 * after reading x86_tdp.gen, so once the IPI has run everywhere, every CPU
 * will flush before it next enters.
 */
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/smp.h>

#include "x86/tdp.h"

#define TDP_ADDR	GENMASK_ULL(51, 12)
#define TDP_MAX_LEVELS	5

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

/* A level-1 entry that maps 2 MiB itself rather than a table. */
static bool tdp_is_huge(const struct x86_tdp *t, int level, u64 e)
{
	return level == 1 && t->fmt->huge && (e & t->fmt->huge);
}

/*
 * Find or build the entry at @level for @gpa, taking missing tables from
 * @spare; NULL when a 2 MiB leaf covers @gpa above @level.
 */
static u64 *tdp_walk(struct x86_tdp *t, u64 gpa, int level,
		     struct page **spare)
{
	const struct x86_tdp_format *f = t->fmt;
	u64 *table = page_address(t->root);
	int l;

	for (l = t->levels - 1; l > level; l--) {
		u64 *e = tdp_entry(table, l, gpa);

		if (tdp_is_huge(t, l, *e))
			return NULL;
		if (!(*e & f->present)) {
			*e = page_to_phys(spare[l]) | f->table;
			spare[l] = NULL;
		}
		table = tdp_table(*e);
	}
	return tdp_entry(table, level, gpa);
}

/*
 * Drop the pins of a leaf, one per 4 KiB page.  set_page_dirty() rather
 * than the _lock variants: this runs under spinlocks and must not sleep.
 */
static void tdp_unpin(u64 e, unsigned long npages, bool dirty)
{
	struct page *page = pfn_to_page((e & TDP_ADDR) >> PAGE_SHIFT);
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *p = nth_page(page, i);

		if (dirty)
			set_page_dirty(p);
		unpin_user_page(p);
	}
	vireo_count_pages(-(long)npages);
}

enum tdp_zap_mode {
	TDP_MARK,	/* make leaves non-present, keep the pins */
	TDP_RELEASE,	/* drop the pins of marked leaves */
	TDP_DESTROY,	/* drop every pin and every table */
};

/* A leaf that overlaps the range goes whole, 2 MiB ones included. */
static unsigned long tdp_zap(struct x86_tdp *t, u64 *table, int level,
			     u64 base, u64 start, u64 end,
			     enum tdp_zap_mode mode)
{
	const struct x86_tdp_format *f = t->fmt;
	u64 span = tdp_span(level);
	unsigned long n = 0, npages = span >> PAGE_SHIFT;
	int i;

	for (i = 0; i < 512; i++) {
		u64 lo = base + i * span, e = table[i];

		if (!e || lo + span <= start || lo >= end)
			continue;
		if (level > 0 && !tdp_is_huge(t, level, e)) {
			n += tdp_zap(t, tdp_table(e), level - 1, lo, start, end,
				     mode);
			if (mode == TDP_DESTROY) {
				table[i] = 0;
				vireo_free_page(virt_to_page(tdp_table(e)));
			}
			continue;
		}
		if (mode == TDP_MARK && (e & f->present)) {
			table[i] = (e & (TDP_ADDR | f->huge)) | f->zapped |
				   ((e & f->write) ? f->zapped_w : 0);
			n++;
		} else if (mode == TDP_RELEASE && (e & f->zapped)) {
			table[i] = 0;
			tdp_unpin(e, npages, e & f->zapped_w);
		} else if (mode == TDP_DESTROY) {
			table[i] = 0;
			tdp_unpin(e, npages, e & (f->write | f->zapped_w));
		}
	}
	return n;
}

/**
 * x86_tdp_init - set up empty nested page tables
 * @t: the tables
 * @fmt: the backend's entry format
 * @levels: how many levels the CPU walks
 *
 * Return: 0 or -ENOMEM.
 */
int x86_tdp_init(struct x86_tdp *t, const struct x86_tdp_format *fmt,
		 int levels)
{
	t->root = vireo_alloc_page();
	if (!t->root)
		return -ENOMEM;
	t->fmt = fmt;
	t->levels = levels;
	t->gen = 0;
	spin_lock_init(&t->lock);
	return 0;
}

/**
 * x86_tdp_destroy - free every table and drop every pin
 * @t: the tables, which no CPU may be using any more
 */
void x86_tdp_destroy(struct x86_tdp *t)
{
	tdp_zap(t, page_address(t->root), t->levels - 1, 0, 0, ~0ULL,
		TDP_DESTROY);
	vireo_free_page(t->root);
}

static void x86_tdp_kick(void *unused)
{
}

/**
 * x86_tdp_unmap - take [@gpa, @gpa + @size) out of the guest's reach
 * @t: the tables
 * @gpa: start of the range
 * @size: its length
 *
 * When it returns no CPU can reach those pages any more and their pins are
 * gone.  Does not sleep (the MMU notifier calls it under a spinlock).
 */
void x86_tdp_unmap(struct x86_tdp *t, u64 gpa, u64 size)
{
	u64 *root = page_address(t->root);
	unsigned long n;

	spin_lock(&t->lock);
	n = tdp_zap(t, root, t->levels - 1, 0, gpa, gpa + size, TDP_MARK);
	if (n) {
		WRITE_ONCE(t->gen, t->gen + 1);
		/* Pairs with the backends' read of gen before entry. */
		smp_mb();
		on_each_cpu(x86_tdp_kick, NULL, 1);
		tdp_zap(t, root, t->levels - 1, 0, gpa, gpa + size,
			TDP_RELEASE);
	}
	spin_unlock(&t->lock);
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
	struct page *spare[TDP_MAX_LEVELS] = { NULL };
	struct vireo_slot *slot;
	struct page *page;
	unsigned long seq;
	u64 uva, *pte;
	int r, i;
	bool ro;

	slot = vireo_find_slot(vm, gpa);
	if (!slot)
		return 1;
	ro = slot->flags & KVM_MEM_READONLY;
	if (ro && write)
		return 1;
	uva = slot->uva + ((gpa & PAGE_MASK) - slot->gpa);

	/* Tables are allocated up front: the walk runs under a spinlock. */
	for (i = 1; i < t->levels; i++) {
		spare[i] = vireo_alloc_page();
		if (!spare[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
	seq = READ_ONCE(vm->mmu_seq);
	/* The count before the pin: an invalidation after it is seen. */
	smp_rmb();
	r = pin_user_pages_fast(uva, 1, ro ? 0 : FOLL_WRITE, &page);
	if (r != 1) {
		r = r < 0 ? r : -EFAULT;
		goto out;
	}

	r = 0;
	spin_lock(&t->lock);
	pte = tdp_walk(t, gpa, 0, spare);
	/*
	 * Present: another vCPU won.  Zapped: an unmap is finishing.  No
	 * entry: a 2 MiB leaf covers it, present or going.
	 */
	if (!pte || *pte || vireo_mmu_retry(vm, seq)) {
		spin_unlock(&t->lock);
		unpin_user_page(page);
		goto out;
	}
	*pte = page_to_phys(page) | f->leaf | (ro ? 0 : f->write);
	vireo_count_pages(1);
	spin_unlock(&t->lock);
out:
	for (i = 0; i < TDP_MAX_LEVELS; i++)
		vireo_free_page(spare[i]);
	return r;
}
