// SPDX-License-Identifier: GPL-2.0
/*
 * Extended page tables, filled on demand from the VMM's own mapping of guest
 * memory, as the AMD-V backend fills its nested tables: each leaf holds a
 * pinned page, unpinned when the leaf goes.  Entry format: Intel SDM vol. 3C,
 * section 28.3.2.
 */
#include <asm/io.h>
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/mm.h>

#include "vmx/vmx.h"

#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_RWX		(EPT_R | EPT_W | EPT_X)
/* Leaf memory type: write-back, combined with the guest's PAT. */
#define EPT_MT_WB	(6ULL << 3)
#define EPT_ADDR	GENMASK_ULL(51, 12)
#define EPT_LEVELS	4
/* EPTP: write-back walks (bits 2:0 = 6), 4 levels (bits 5:3 = 3). */
#define EPTP_WB_4LEVEL	(6ULL | (3ULL << 3))

static u64 *ept_table(u64 e)
{
	return __va(e & EPT_ADDR);
}

static u64 *ept_leaf(struct vmx_vm *vv, u64 gpa)
{
	u64 *table = page_address(vv->ept_root);
	int level;

	for (level = EPT_LEVELS - 1; level > 0; level--) {
		u64 *e = &table[(gpa >> (PAGE_SHIFT + 9 * level)) & 511];

		if (!(*e & EPT_RWX)) {
			struct page *page = vireo_alloc_page();

			if (!page)
				return ERR_PTR(-ENOMEM);
			*e = page_to_phys(page) | EPT_RWX;
		}
		table = ept_table(*e);
	}
	return &table[(gpa >> PAGE_SHIFT) & 511];
}

/* Drop the leaves in [start, end); with @free, the tables as well. */
static void ept_zap(u64 *table, int level, u64 base, u64 start, u64 end,
		   bool free)
{
	u64 span = 1ULL << (PAGE_SHIFT + 9 * level);
	int i;

	for (i = 0; i < 512; i++) {
		u64 lo = base + i * span, e = table[i];

		if (!(e & EPT_RWX) || lo + span <= start || lo >= end)
			continue;
		if (level == 0) {
			struct page *page = pfn_to_page((e & EPT_ADDR) >> PAGE_SHIFT);

			table[i] = 0;
			unpin_user_pages_dirty_lock(&page, 1, e & EPT_W);
			vireo_count_pages(-1);
			continue;
		}
		ept_zap(ept_table(e), level - 1, lo, start, end, free);
		if (free) {
			table[i] = 0;
			vireo_free_page(virt_to_page(ept_table(e)));
		}
	}
}

int vmx_ept_create(struct vmx_vm *vv)
{
	vv->ept_root = vireo_alloc_page();
	if (!vv->ept_root)
		return -ENOMEM;
	vv->eptp = page_to_phys(vv->ept_root) | EPTP_WB_4LEVEL;
	mutex_init(&vv->ept_lock);
	return 0;
}

void vmx_ept_destroy(struct vmx_vm *vv)
{
	ept_zap(page_address(vv->ept_root), EPT_LEVELS - 1, 0, 0, ~0ULL, true);
	vireo_free_page(vv->ept_root);
}

void vmx_ept_unmap(struct vireo_vm *vm, u64 gpa, u64 size)
{
	struct vmx_vm *vv = to_vmx_vm(vm);

	mutex_lock(&vv->ept_lock);
	ept_zap(page_address(vv->ept_root), EPT_LEVELS - 1, 0, gpa,
		gpa + size, false);
	WRITE_ONCE(vv->ept_gen, vv->ept_gen + 1);
	mutex_unlock(&vv->ept_lock);
}

/*
 * Forget this CPU's cached translations of @vv: guest-physical and combined
 * (linear) ones, for every VPID, since INVEPT covers both.
 */
void vmx_ept_flush(struct vmx_vm *vv)
{
	struct { u64 eptp, zero; } desc = { vv->eptp, 0 };
	unsigned long type = VMX_EPT_EXTENT_CONTEXT;

	if (!(vmx_cfg.ept_cap & VMX_EPT_EXTENT_CONTEXT_BIT))
		type = VMX_EPT_EXTENT_GLOBAL;
	asm volatile("invept %[desc], %[type]"
		     :: [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
}

/*
 * Map the page behind @gpa.  Returns 0 when the guest can retry, 1 when the
 * access is MMIO (no slot, or a write to a read-only slot), or -errno.
 */
int vmx_ept_fault(struct vireo_vcpu *vcpu, u64 gpa, u64 qual)
{
	struct vmx_vm *vv = to_vmx_vm(vcpu->vm);
	struct vireo_slot *slot = vireo_find_slot(vcpu->vm, gpa);
	struct page *page;
	u64 uva, *pte;
	bool ro;
	int r;

	if (!slot)
		return 1;
	ro = slot->flags & KVM_MEM_READONLY;
	if (ro && (qual & EPT_VIOLATION_ACC_WRITE))
		return 1;
	uva = slot->uva + ((gpa & PAGE_MASK) - slot->gpa);
	r = pin_user_pages_fast(uva, 1, ro ? 0 : FOLL_WRITE, &page);
	if (r != 1)
		return r < 0 ? r : -EFAULT;

	mutex_lock(&vv->ept_lock);
	pte = ept_leaf(vv, gpa);
	if (IS_ERR(pte) || (*pte & EPT_RWX)) {
		mutex_unlock(&vv->ept_lock);
		unpin_user_page(page);
		return IS_ERR(pte) ? PTR_ERR(pte) : 0;
	}
	*pte = page_to_phys(page) | EPT_MT_WB | EPT_R | EPT_X |
	       (ro ? 0 : EPT_W);
	vireo_count_pages(1);
	mutex_unlock(&vv->ept_lock);
	return 0;
}
