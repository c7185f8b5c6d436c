// SPDX-License-Identifier: GPL-2.0
/*
 * Nested page tables, filled on demand from the VMM's own mapping of guest
 * memory.  Each leaf holds a pinned page.  When the VMM's mapping changes
 * (the core's MMU notifier) or a slot goes, leaves are first made
 * non-present, every CPU is made to leave the guest and flush, and only
 * then are the pins dropped: a page the guest can still reach through a
 * stale TLB entry is never freed under it.
 */
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/smp.h>

#include "svm/svm.h"

#define NPT_P		BIT_ULL(0)
#define NPT_W		BIT_ULL(1)
/* Nested walks are user accesses: every level needs U. */
#define NPT_U		BIT_ULL(2)
#define NPT_A		BIT_ULL(5)
#define NPT_D		BIT_ULL(6)
/* Software bits of a leaf being zapped: still pinned, was it writable. */
#define NPT_ZAPPED	BIT_ULL(9)
#define NPT_ZAPPED_W	BIT_ULL(10)
#define NPT_ADDR	GENMASK_ULL(51, 12)
#define NPT_TABLE	(NPT_P | NPT_W | NPT_U | NPT_A)
#define NPT_MAX_LEVELS	5

#define PFERR_WRITE	BIT_ULL(1)

/* Nested walks use the host's paging mode: five levels under LA57. */
static int npt_levels(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}

static u64 *npt_table(u64 e)
{
	return __va(e & NPT_ADDR);
}

/* Find or build the leaf for @gpa, taking missing tables from @spare. */
static u64 *npt_leaf(struct svm_vm *svm, u64 gpa, struct page **spare)
{
	u64 *table = page_address(svm->npt_root);
	int level;

	for (level = npt_levels() - 1; level > 0; level--) {
		u64 *e = &table[(gpa >> (PAGE_SHIFT + 9 * level)) & 511];

		if (!(*e & NPT_P)) {
			*e = page_to_phys(spare[level]) | NPT_TABLE;
			spare[level] = NULL;
		}
		table = npt_table(*e);
	}
	return &table[(gpa >> PAGE_SHIFT) & 511];
}

static void npt_unpin(u64 e, bool dirty)
{
	struct page *page = pfn_to_page((e & NPT_ADDR) >> PAGE_SHIFT);

	if (dirty)
		set_page_dirty(page);
	unpin_user_page(page);
	vireo_count_pages(-1);
}

enum npt_zap_mode {
	NPT_MARK,	/* make leaves non-present, keep the pins */
	NPT_RELEASE,	/* drop the pins of marked leaves */
	NPT_DESTROY,	/* drop every pin and every table */
};

static unsigned long npt_zap(u64 *table, int level, u64 base, u64 start,
			     u64 end, enum npt_zap_mode mode)
{
	u64 span = 1ULL << (PAGE_SHIFT + 9 * level);
	unsigned long n = 0;
	int i;

	for (i = 0; i < 512; i++) {
		u64 lo = base + i * span, e = table[i];

		if (!e || lo + span <= start || lo >= end)
			continue;
		if (level > 0) {
			n += npt_zap(npt_table(e), level - 1, lo, start, end,
				     mode);
			if (mode == NPT_DESTROY) {
				table[i] = 0;
				vireo_free_page(virt_to_page(npt_table(e)));
			}
			continue;
		}
		if (mode == NPT_MARK && (e & NPT_P)) {
			table[i] = (e & NPT_ADDR) | NPT_ZAPPED |
				   ((e & NPT_W) ? NPT_ZAPPED_W : 0);
			n++;
		} else if (mode == NPT_RELEASE && (e & NPT_ZAPPED)) {
			table[i] = 0;
			npt_unpin(e, e & NPT_ZAPPED_W);
		} else if (mode == NPT_DESTROY) {
			table[i] = 0;
			npt_unpin(e, e & (NPT_W | NPT_ZAPPED_W));
		}
	}
	return n;
}

int svm_npt_create(struct svm_vm *svm)
{
	svm->npt_root = vireo_alloc_page();
	if (!svm->npt_root)
		return -ENOMEM;
	spin_lock_init(&svm->npt_lock);
	return 0;
}

void svm_npt_destroy(struct svm_vm *svm)
{
	npt_zap(page_address(svm->npt_root), npt_levels() - 1, 0, 0, ~0ULL,
		NPT_DESTROY);
	vireo_free_page(svm->npt_root);
}

/* An IPI lands only once its CPU is out of the guest (GIF, INTR exits). */
static void svm_npt_kick(void *unused)
{
}

void svm_npt_unmap(struct vireo_vm *vm, u64 gpa, u64 size)
{
	struct svm_vm *svm = to_svm_vm(vm);
	u64 *root = page_address(svm->npt_root);
	unsigned long n;

	spin_lock(&svm->npt_lock);
	n = npt_zap(root, npt_levels() - 1, 0, gpa, gpa + size, NPT_MARK);
	if (n) {
		WRITE_ONCE(svm->npt_gen, svm->npt_gen + 1);
		/* vCPUs read npt_gen with interrupts off, right before VMRUN. */
		smp_mb();
		on_each_cpu(svm_npt_kick, NULL, 1);
		npt_zap(root, npt_levels() - 1, 0, gpa, gpa + size,
			NPT_RELEASE);
	}
	spin_unlock(&svm->npt_lock);
}

/*
 * Map the page behind @gpa.  Returns 0 when the guest can retry, 1 when the
 * access is MMIO (no slot, or a write to a read-only slot), or -errno.
 */
int svm_npt_fault(struct vireo_vcpu *vcpu, u64 gpa, u64 error)
{
	struct svm_vm *svm = to_svm_vm(vcpu->vm);
	struct page *spare[NPT_MAX_LEVELS] = { NULL };
	struct vireo_slot *slot;
	struct page *page;
	unsigned long seq;
	u64 uva, *pte;
	int r, i;
	bool ro;

	slot = vireo_find_slot(vcpu->vm, gpa);
	if (!slot)
		return 1;
	ro = slot->flags & KVM_MEM_READONLY;
	if (ro && (error & PFERR_WRITE))
		return 1;
	uva = slot->uva + ((gpa & PAGE_MASK) - slot->gpa);

	for (i = 1; i < npt_levels(); i++) {
		spare[i] = vireo_alloc_page();
		if (!spare[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
	seq = READ_ONCE(vcpu->vm->mmu_seq);
	/* Pair with the notifier: read the count before the mapping. */
	smp_rmb();
	r = pin_user_pages_fast(uva, 1, ro ? 0 : FOLL_WRITE, &page);
	if (r != 1) {
		r = r < 0 ? r : -EFAULT;
		goto out;
	}

	r = 0;
	spin_lock(&svm->npt_lock);
	pte = npt_leaf(svm, gpa, spare);
	/* Present: another vCPU won.  Zapped: an unmap is finishing. */
	if (*pte || vireo_mmu_retry(vcpu->vm, seq)) {
		spin_unlock(&svm->npt_lock);
		unpin_user_page(page);
		goto out;
	}
	*pte = page_to_phys(page) | NPT_P | NPT_U | NPT_A | NPT_D |
	       (ro ? 0 : NPT_W);
	vireo_count_pages(1);
	spin_unlock(&svm->npt_lock);
out:
	for (i = 0; i < NPT_MAX_LEVELS; i++)
		vireo_free_page(spare[i]);
	return r;
}
