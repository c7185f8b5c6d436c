// SPDX-License-Identifier: GPL-2.0
/*
 * Extended page tables, filled on demand from the VMM's own mapping of guest
 * memory, as the AMD-V backend fills its nested tables: each leaf holds a
 * pinned page.  When the VMM's mapping changes (the core's MMU notifier) or
 * a slot goes, leaves are first made non-present, every CPU is made to leave
 * the guest, and only then are the pins dropped; each CPU flushes this VM's
 * translations before its next entry.  Entry format: Intel SDM vol. 3C,
 * "EPT Translation Mechanism".
 */
#include <asm/io.h>
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/smp.h>

#include "vmx/vmx.h"

#define EPT_R		BIT_ULL(0)
#define EPT_W		BIT_ULL(1)
#define EPT_X		BIT_ULL(2)
#define EPT_RWX		(EPT_R | EPT_W | EPT_X)
/* Leaf memory type: write-back, combined with the guest's PAT. */
#define EPT_MT_WB	(6ULL << 3)
/*
 * Software bits of a leaf being zapped: still pinned, was it writable.  An
 * entry without R, W or X is not present and the CPU ignores the rest.
 */
#define EPT_ZAPPED	BIT_ULL(52)
#define EPT_ZAPPED_W	BIT_ULL(53)
#define EPT_ADDR	GENMASK_ULL(51, 12)
#define EPT_LEVELS	4
/* EPTP: write-back walks (bits 2:0 = 6), 4 levels (bits 5:3 = 3). */
#define EPTP_WB_4LEVEL	(6ULL | (3ULL << 3))

#define EPT_QUAL_WRITE	BIT_ULL(1)

static u64 *ept_table(u64 e)
{
	return __va(e & EPT_ADDR);
}

/* Find or build the leaf for @gpa, taking missing tables from @spare. */
static u64 *ept_leaf(struct vmx_vm *vv, u64 gpa, struct page **spare)
{
	u64 *table = page_address(vv->ept_root);
	int level;

	for (level = EPT_LEVELS - 1; level > 0; level--) {
		u64 *e = &table[(gpa >> (PAGE_SHIFT + 9 * level)) & 511];

		if (!(*e & EPT_RWX)) {
			*e = page_to_phys(spare[level]) | EPT_RWX;
			spare[level] = NULL;
		}
		table = ept_table(*e);
	}
	return &table[(gpa >> PAGE_SHIFT) & 511];
}

static void ept_unpin(u64 e, bool dirty)
{
	struct page *page = pfn_to_page((e & EPT_ADDR) >> PAGE_SHIFT);

	if (dirty)
		set_page_dirty(page);
	unpin_user_page(page);
	vireo_count_pages(-1);
}

enum ept_zap_mode {
	EPT_MARK,	/* make leaves non-present, keep the pins */
	EPT_RELEASE,	/* drop the pins of marked leaves */
	EPT_DESTROY,	/* drop every pin and every table */
};

static unsigned long ept_zap(u64 *table, int level, u64 base, u64 start,
			     u64 end, enum ept_zap_mode mode)
{
	u64 span = 1ULL << (PAGE_SHIFT + 9 * level);
	unsigned long n = 0;
	int i;

	for (i = 0; i < 512; i++) {
		u64 lo = base + i * span, e = table[i];

		if (!e || lo + span <= start || lo >= end)
			continue;
		if (level > 0) {
			n += ept_zap(ept_table(e), level - 1, lo, start, end,
				     mode);
			if (mode == EPT_DESTROY) {
				table[i] = 0;
				vireo_free_page(virt_to_page(ept_table(e)));
			}
			continue;
		}
		if (mode == EPT_MARK && (e & EPT_RWX)) {
			table[i] = (e & EPT_ADDR) | EPT_ZAPPED |
				   ((e & EPT_W) ? EPT_ZAPPED_W : 0);
			n++;
		} else if (mode == EPT_RELEASE && (e & EPT_ZAPPED)) {
			table[i] = 0;
			ept_unpin(e, e & EPT_ZAPPED_W);
		} else if (mode == EPT_DESTROY) {
			table[i] = 0;
			ept_unpin(e, e & (EPT_W | EPT_ZAPPED_W));
		}
	}
	return n;
}

int vmx_ept_create(struct vmx_vm *vv)
{
	int cpu;

	vv->cpu_gen = vireo_zalloc(nr_cpu_ids * sizeof(*vv->cpu_gen));
	if (!vv->cpu_gen)
		return -ENOMEM;
	/* A CPU may still cache translations of an earlier EPT at this address. */
	for_each_possible_cpu(cpu)
		vv->cpu_gen[cpu] = ~0ULL;
	vv->ept_root = vireo_alloc_page();
	if (!vv->ept_root) {
		vireo_free(vv->cpu_gen);
		return -ENOMEM;
	}
	vv->eptp = page_to_phys(vv->ept_root) | EPTP_WB_4LEVEL;
	spin_lock_init(&vv->ept_lock);
	return 0;
}

void vmx_ept_destroy(struct vmx_vm *vv)
{
	ept_zap(page_address(vv->ept_root), EPT_LEVELS - 1, 0, 0, ~0ULL,
		EPT_DESTROY);
	vireo_free_page(vv->ept_root);
	vireo_free(vv->cpu_gen);
}

/*
 * The IPI is taken only once its CPU has left the guest: interrupts are off
 * from the ept_gen check to the VM exit, and an interrupt ends guest mode.
 */
static void vmx_ept_kick(void *unused)
{
}

void vmx_ept_unmap(struct vireo_vm *vm, u64 gpa, u64 size)
{
	struct vmx_vm *vv = to_vmx_vm(vm);
	u64 *root = page_address(vv->ept_root);
	unsigned long n;

	spin_lock(&vv->ept_lock);
	n = ept_zap(root, EPT_LEVELS - 1, 0, gpa, gpa + size, EPT_MARK);
	if (n) {
		WRITE_ONCE(vv->ept_gen, vv->ept_gen + 1);
		/* Pairs with the read before entry in vmx_ept_sync(). */
		smp_mb();
		on_each_cpu(vmx_ept_kick, NULL, 1);
		ept_zap(root, EPT_LEVELS - 1, 0, gpa, gpa + size, EPT_RELEASE);
	}
	spin_unlock(&vv->ept_lock);
}

/*
 * Forget this CPU's cached translations of @vv: guest-physical and combined
 * (linear) ones, for every VPID, since INVEPT covers both.
 */
static void vmx_invept(struct vmx_vm *vv)
{
	struct { u64 eptp, zero; } desc = { vv->eptp, 0 };
	unsigned long type = VMX_EPT_EXTENT_CONTEXT;

	if (!(vmx_cfg.ept_cap & VMX_EPT_EXTENT_CONTEXT_BIT))
		type = VMX_EPT_EXTENT_GLOBAL;
	asm volatile("invept %[desc], %[type]"
		     :: [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
}

/*
 * Right before entry, interrupts off: flush if mappings went away since
 * this CPU last flushed for @vv, or when @force (the vCPU just moved here
 * and its linear translations on this CPU may be stale).
 */
void vmx_ept_sync(struct vmx_vm *vv, bool force)
{
	int cpu = smp_processor_id();
	u64 gen = READ_ONCE(vv->ept_gen);

	if (!force && vv->cpu_gen[cpu] == gen)
		return;
	vv->cpu_gen[cpu] = gen;
	vmx_invept(vv);
}

/*
 * Map the page behind @gpa.  Returns 0 when the guest can retry, 1 when the
 * access is MMIO (no slot, or a write to a read-only slot), or -errno.
 */
int vmx_ept_fault(struct vireo_vcpu *vcpu, u64 gpa, u64 qual)
{
	struct vmx_vm *vv = to_vmx_vm(vcpu->vm);
	struct page *spare[EPT_LEVELS] = { NULL };
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
	if (ro && (qual & EPT_QUAL_WRITE))
		return 1;
	uva = slot->uva + ((gpa & PAGE_MASK) - slot->gpa);

	/* Tables are allocated up front: the walk runs under a spinlock. */
	for (i = 1; i < EPT_LEVELS; i++) {
		spare[i] = vireo_alloc_page();
		if (!spare[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
	seq = READ_ONCE(vcpu->vm->mmu_seq);
	/* The count before the pin: an invalidation after it is seen. */
	smp_rmb();
	r = pin_user_pages_fast(uva, 1, ro ? 0 : FOLL_WRITE, &page);
	if (r != 1) {
		r = r < 0 ? r : -EFAULT;
		goto out;
	}

	r = 0;
	spin_lock(&vv->ept_lock);
	pte = ept_leaf(vv, gpa, spare);
	/* Present: another vCPU won.  Zapped: an unmap is finishing. */
	if (*pte || vireo_mmu_retry(vcpu->vm, seq)) {
		spin_unlock(&vv->ept_lock);
		unpin_user_page(page);
		goto out;
	}
	*pte = page_to_phys(page) | EPT_MT_WB | EPT_R | EPT_X |
	       (ro ? 0 : EPT_W);
	vireo_count_pages(1);
	spin_unlock(&vv->ept_lock);
out:
	for (i = 0; i < EPT_LEVELS; i++)
		vireo_free_page(spare[i]);
	return r;
}
