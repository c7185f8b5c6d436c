// SPDX-License-Identifier: GPL-2.0
/*
 * Nested page tables, filled on demand from the VMM's own mapping of guest
 * memory.  Each leaf holds a pinned page; the pin is dropped when the leaf
 * goes (slot deleted or moved, VM destroyed), so a page the guest can reach
 * is never freed under it.
 */
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/mm.h>

#include "svm/svm.h"

#define NPT_P		BIT_ULL(0)
#define NPT_W		BIT_ULL(1)
/* Nested walks are user accesses: every level needs U. */
#define NPT_U		BIT_ULL(2)
#define NPT_A		BIT_ULL(5)
#define NPT_D		BIT_ULL(6)
#define NPT_ADDR	GENMASK_ULL(51, 12)
#define NPT_TABLE	(NPT_P | NPT_W | NPT_U | NPT_A)

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

static u64 *npt_leaf(struct svm_vm *svm, u64 gpa)
{
	u64 *table = page_address(svm->npt_root);
	int level;

	for (level = npt_levels() - 1; level > 0; level--) {
		u64 *e = &table[(gpa >> (PAGE_SHIFT + 9 * level)) & 511];

		if (!(*e & NPT_P)) {
			struct page *page = vireo_alloc_page();

			if (!page)
				return ERR_PTR(-ENOMEM);
			*e = page_to_phys(page) | NPT_TABLE;
		}
		table = npt_table(*e);
	}
	return &table[(gpa >> PAGE_SHIFT) & 511];
}

/* Drop the leaves in [start, end); with @free, the tables as well. */
static void npt_zap(u64 *table, int level, u64 base, u64 start, u64 end,
		    bool free)
{
	u64 span = 1ULL << (PAGE_SHIFT + 9 * level);
	int i;

	for (i = 0; i < 512; i++) {
		u64 lo = base + i * span, e = table[i];

		if (!(e & NPT_P) || lo + span <= start || lo >= end)
			continue;
		if (level == 0) {
			struct page *page = pfn_to_page((e & NPT_ADDR) >> PAGE_SHIFT);

			table[i] = 0;
			unpin_user_pages_dirty_lock(&page, 1, e & NPT_W);
			vireo_count_pages(-1);
			continue;
		}
		npt_zap(npt_table(e), level - 1, lo, start, end, free);
		if (free) {
			table[i] = 0;
			vireo_free_page(virt_to_page(npt_table(e)));
		}
	}
}

int svm_npt_create(struct svm_vm *svm)
{
	svm->npt_root = vireo_alloc_page();
	if (!svm->npt_root)
		return -ENOMEM;
	mutex_init(&svm->npt_lock);
	return 0;
}

void svm_npt_destroy(struct svm_vm *svm)
{
	npt_zap(page_address(svm->npt_root), npt_levels() - 1, 0, 0, ~0ULL, true);
	vireo_free_page(svm->npt_root);
}

void svm_npt_unmap(struct vireo_vm *vm, u64 gpa, u64 size)
{
	struct svm_vm *svm = to_svm_vm(vm);

	mutex_lock(&svm->npt_lock);
	npt_zap(page_address(svm->npt_root), npt_levels() - 1, 0, gpa,
		gpa + size, false);
	WRITE_ONCE(svm->npt_gen, svm->npt_gen + 1);
	mutex_unlock(&svm->npt_lock);
}

/*
 * Map the page behind @gpa.  Returns 0 when the guest can retry, 1 when the
 * access is MMIO (no slot, or a write to a read-only slot), or -errno.
 */
int svm_npt_fault(struct vireo_vcpu *vcpu, u64 gpa, u64 error)
{
	struct svm_vm *svm = to_svm_vm(vcpu->vm);
	struct vireo_slot *slot = vireo_find_slot(vcpu->vm, gpa);
	bool ro;
	struct page *page;
	u64 uva, *pte;
	int r;

	if (!slot)
		return 1;
	ro = slot->flags & KVM_MEM_READONLY;
	if (ro && (error & PFERR_WRITE))
		return 1;
	uva = slot->uva + ((gpa & PAGE_MASK) - slot->gpa);
	r = pin_user_pages_fast(uva, 1, ro ? 0 : FOLL_WRITE, &page);
	if (r != 1)
		return r < 0 ? r : -EFAULT;

	mutex_lock(&svm->npt_lock);
	pte = npt_leaf(svm, gpa);
	if (IS_ERR(pte) || (*pte & NPT_P)) {
		mutex_unlock(&svm->npt_lock);
		unpin_user_page(page);
		return IS_ERR(pte) ? PTR_ERR(pte) : 0;
	}
	*pte = page_to_phys(page) | NPT_P | NPT_U | NPT_A | NPT_D |
	       (ro ? 0 : NPT_W);
	vireo_count_pages(1);
	mutex_unlock(&svm->npt_lock);
	return 0;
}
