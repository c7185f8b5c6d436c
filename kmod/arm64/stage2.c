// SPDX-License-Identifier: GPL-2.0
/*
 * Stage-2 tables, built on demand from the core's memory slots: a 40-bit
 * IPA space walked from level 1 (two concatenated root tables), 4 KiB
 * leaves that each hold a reference on the VMM's page, and 2 MiB blocks
 * where the VMM's memory is a huge page (each of its 512 pages referenced).  Every change is
 * made under vm->slots_lock, which a64_s2_unmap() takes for each chunk the
 * core gives it.
 */
#include <linux/gfp.h>
#include <linux/libnvdimm.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/cacheflush.h>
#include <asm/kvm_arm.h>
#include <asm/sysreg.h>
#include <asm/tlbflush.h>

#include "arm64/arm64.h"

#define S2_VALID	BIT(0)
/* Table descriptor at levels 1 and 2, page descriptor at level 3. */
#define S2_TABLE	(BIT(0) | BIT(1))
#define S2_ADDR		GENMASK_ULL(47, 12)
/* Normal memory, inner and outer write-back. */
#define S2_MEMATTR_WB	(0xfULL << 2)
#define S2_AP_R		BIT(6)
#define S2_AP_W		BIT(7)
#define S2_SH_INNER	(3ULL << 8)
#define S2_AF		BIT(10)
#define S2_ROOT_ORDER	1
#define S2_L1_ENTRIES	1024
/* A level-2 block descriptor: 2 MiB, 512 base pages. */
#define S2_TYPE		(BIT(0) | BIT(1))
#define S2_BLOCK	BIT(0)
#define S2_BLOCK_PAGES	512

static bool s2_is_block(u64 desc)
{
	return (desc & S2_TYPE) == S2_BLOCK;
}

/* Drop the references a 2 MiB block's 512 pages hold. */
static void s2_put_block(u64 desc)
{
	vireo_put_user_pages(phys_to_page(desc & S2_ADDR), S2_BLOCK_PAGES,
			     false);
}

static u64 *s2_table(u64 desc)
{
	return phys_to_virt(desc & S2_ADDR);
}

/**
 * a64_vttbr - VTTBR_EL2 for @v: its root tables and its VMID
 * @v: the VM
 *
 * Return: the register's value.
 */
u64 a64_vttbr(struct a64_vm *v)
{
	return page_to_phys(v->root) | ((u64)v->vmid << VTTBR_VMID_SHIFT);
}

/**
 * a64_s2_init - allocate @v's empty root tables
 * @v: the VM
 *
 * Return: 0 or -ENOMEM.
 */
int a64_s2_init(struct a64_vm *v)
{
	v->root = alloc_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, S2_ROOT_ORDER);
	if (!v->root)
		return -ENOMEM;
	vireo_count_pages(1 << S2_ROOT_ORDER);
	return 0;
}

/**
 * a64_tlb_flush_vmid - forget every translation of @v's VMID on all CPUs
 * @v: the VM
 *
 * With HCR_EL2.TGE set (the host's setting), the EL1 TLB maintenance
 * instructions would act on the host's own EL2&0 regime: the guest's
 * VMID and a clear TGE are put in place, with interrupts off, just for
 * the invalidation.
 */
void a64_tlb_flush_vmid(struct a64_vm *v)
{
	unsigned long flags;
	u64 hcr, vttbr;

	local_irq_save(flags);
	hcr = read_sysreg(hcr_el2);
	vttbr = read_sysreg(vttbr_el2);
	write_sysreg(a64_vttbr(v), vttbr_el2);
	write_sysreg(hcr & ~HCR_TGE, hcr_el2);
	isb();
	dsb(ishst);
	__tlbi(vmalls12e1is);
	dsb(ish);
	isb();
	write_sysreg(hcr, hcr_el2);
	write_sysreg(vttbr, vttbr_el2);
	isb();
	local_irq_restore(flags);
}

/*
 * The level-3 entry for @ipa; missing tables come from @cache (two pages
 * at most).  NULL when a table is missing and there is no cache, or when
 * a 2 MiB block maps @ipa.
 */
static u64 *s2_walk(struct a64_vm *v, u64 ipa, struct page **cache)
{
	u64 *e = (u64 *)page_address(v->root) + ((ipa >> 30) & (S2_L1_ENTRIES - 1));
	int shift, i;

	for (shift = 21; shift >= 12; shift -= 9) {
		/* A 2 MiB block maps it already. */
		if (s2_is_block(READ_ONCE(*e)))
			return NULL;
		if (!(READ_ONCE(*e) & S2_VALID)) {
			struct page *p = NULL;

			for (i = 0; cache && i < 2 && !p; i++) {
				p = cache[i];
				cache[i] = NULL;
			}
			if (!p)
				return NULL;
			/* The zeroed table before the entry that points to it. */
			dsb(ishst);
			WRITE_ONCE(*e, page_to_phys(p) | S2_TABLE);
		}
		e = s2_table(READ_ONCE(*e)) + ((ipa >> shift) & 511);
	}
	return e;
}

/**
 * a64_s2_unmap - the backend's vm_unmap: forget [@gpa, @gpa + @size)
 * @vm: the VM; slots_lock is taken here (no sleeping: the MMU notifier
 *	may not, and the core bounds @size so that the lock is not held long)
 * @gpa: first guest-physical address
 * @size: bytes
 *
 * One level-3 table at a time: entries lose their valid bit (keeping
 * their address), the VMID's TLB entries go, and only then are the pages'
 * references dropped, so no CPU can reach a page that is no longer the
 * guest's.
 */
void a64_s2_unmap(struct vireo_vm *vm, u64 gpa, u64 size)
{
	struct a64_vm *v = a64_vm(vm);
	u64 end = gpa + size, ipa = gpa, *l1 = page_address(v->root);

	spin_lock(&vm->slots_lock);
	while (ipa < end && ipa < BIT_ULL(A64_IPA_BITS)) {
		u64 e1 = READ_ONCE(l1[ipa >> 30]), e2, *l2e, *l3, next;
		unsigned int i, first, last;
		bool any = false;

		if (!(e1 & S2_VALID)) {
			ipa = ALIGN(ipa + 1, SZ_1G);
			continue;
		}
		l2e = &s2_table(e1)[(ipa >> 21) & 511];
		e2 = READ_ONCE(*l2e);
		next = min(ALIGN(ipa + 1, SZ_2M), end);
		if (!(e2 & S2_VALID)) {
			ipa = next;
			continue;
		}
		if (s2_is_block(e2)) {
			/* Any part of it changes: the whole block goes. */
			WRITE_ONCE(*l2e, 0);
			a64_tlb_flush_vmid(v);
			s2_put_block(e2);
			ipa = next;
			continue;
		}
		l3 = s2_table(e2);
		first = (ipa >> 12) & 511;
		last = ((next - 1) >> 12) & 511;
		for (i = first; i <= last; i++) {
			u64 d = READ_ONCE(l3[i]);

			if (d & S2_VALID) {
				WRITE_ONCE(l3[i], d & ~S2_VALID);
				any = true;
			}
		}
		if (any) {
			a64_tlb_flush_vmid(v);
			for (i = first; i <= last; i++) {
				u64 d = READ_ONCE(l3[i]);

				if (d) {
					WRITE_ONCE(l3[i], 0);
					vireo_put_user_page(phys_to_page(d & S2_ADDR));
				}
			}
		}
		ipa = next;
	}
	spin_unlock(&vm->slots_lock);
}

/**
 * a64_s2_free - drop what the tables still hold and free them
 * @v: the VM, which no vCPU can enter any more
 *
 * Sleeps: a large guest's tables take long to walk.
 */
void a64_s2_free(struct a64_vm *v)
{
	u64 *l1 = page_address(v->root);
	unsigned int i, j, k;

	for (i = 0; i < S2_L1_ENTRIES; i++) {
		u64 *l2;

		if (!(l1[i] & S2_VALID))
			continue;
		l2 = s2_table(l1[i]);
		for (j = 0; j < 512; j++) {
			u64 *l3;

			if (!(l2[j] & S2_VALID))
				continue;
			/* Up to 512 references for each 2 MiB. */
			cond_resched();
			if (s2_is_block(l2[j])) {
				s2_put_block(l2[j]);
				continue;
			}
			l3 = s2_table(l2[j]);
			for (k = 0; k < 512; k++)
				if (l3[k] & S2_ADDR)
					vireo_put_user_page(phys_to_page(l3[k] & S2_ADDR));
			vireo_free_page(virt_to_page(l3));
		}
		vireo_free_page(virt_to_page(l2));
	}
	__free_pages(v->root, S2_ROOT_ORDER);
	vireo_count_pages(-(1 << S2_ROOT_ORDER));
}

/* Clean what the VMM wrote to where a guest with its MMU off reads it. */
static void s2_clean(struct page *page, unsigned long size)
{
	unsigned long va = (unsigned long)page_address(page);

	arch_wb_cache_pmem((void *)va, size);
	caches_clean_inval_pou(va, va + size);
}

/*
 * Map the 2 MiB around @ipa with one block when the VMM's pages there are
 * one aligned, physically contiguous run (a huge page).  Every page in it
 * holds a reference, so a later split of the VMM's mapping cannot free
 * what the block still reaches; the MMU notifier takes the whole block
 * away when any part of it changes.  The block gets the slot's full
 * rights, so that no write has to upgrade it.
 *
 * Return: 0 when the guest can retry, -EAGAIN to map 4 KiB instead.
 */
static int s2_fault_huge(struct vireo_vm *vm, const struct vireo_slot *slot,
			 u64 ipa, bool ro, unsigned long seq, struct page **cache)
{
	struct a64_vm *v = a64_vm(vm);
	u64 base = ipa & ~(u64)(SZ_2M - 1), *l1, *l2e, desc;
	struct page **pages;
	unsigned long pfn;
	int n, i, r = -EAGAIN;

	if (base < slot->gpa || base + SZ_2M > slot->gpa + slot->size ||
	    ((slot->uva - slot->gpa) & (SZ_2M - 1)))
		return -EAGAIN;
	pages = kmalloc_array(S2_BLOCK_PAGES, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -EAGAIN;
	n = vireo_get_user_pages_fast(slot->uva + (base - slot->gpa),
				      S2_BLOCK_PAGES, ro ? 0 : FOLL_WRITE, pages);
	if (n != S2_BLOCK_PAGES)
		goto put;
	pfn = page_to_pfn(pages[0]);
	if (pfn & (S2_BLOCK_PAGES - 1))
		goto put;
	for (i = 1; i < S2_BLOCK_PAGES; i++)
		if (page_to_pfn(pages[i]) != pfn + i)
			goto put;
	s2_clean(pages[0], SZ_2M);
	desc = PFN_PHYS(pfn) | S2_BLOCK | S2_MEMATTR_WB | S2_SH_INNER | S2_AF |
	       S2_AP_R | (ro ? 0 : S2_AP_W);

	spin_lock(&vm->slots_lock);
	l1 = (u64 *)page_address(v->root) + ((base >> 30) & (S2_L1_ENTRIES - 1));
	if (!(READ_ONCE(*l1) & S2_VALID)) {
		/* The zeroed table before the entry that points to it. */
		dsb(ishst);
		WRITE_ONCE(*l1, page_to_phys(cache[0]) | S2_TABLE);
		cache[0] = NULL;
	}
	l2e = s2_table(READ_ONCE(*l1)) + ((base >> 21) & 511);
	if (READ_ONCE(*l2e) & S2_VALID) {
		/* 4 KiB leaves below: keep to them; or a block already. */
		r = s2_is_block(READ_ONCE(*l2e)) ? 0 : -EAGAIN;
	} else if (vireo_mmu_retry(vm, seq)) {
		r = 0;
	} else {
		dsb(ishst);
		WRITE_ONCE(*l2e, desc);
		dsb(ishst);
		vireo_count_huge();
		n = 0;	/* the block holds the references now */
		r = 0;
	}
	spin_unlock(&vm->slots_lock);
put:
	for (i = 0; i < n; i++)
		vireo_put_user_page(pages[i]);
	kfree(pages);
	return r;
}

/**
 * a64_s2_fault - map the page of @ipa after a stage-2 fault
 * @vcpu: the faulting vCPU (mem_lock held for reading: slots stay)
 * @ipa: the faulting guest-physical address
 * @write: the access writes (a read maps read-only unless the VMM's own
 *	mapping is writable already, so reading shared memory does not
 *	unshare it)
 *
 * Return: 0 when the guest may retry the access, 1 when no slot backs it
 * for this access (MMIO, or a write to a read-only slot), or -errno.
 */
int a64_s2_fault(struct vireo_vcpu *vcpu, u64 ipa, bool write)
{
	struct vireo_vm *vm = vcpu->vm;
	struct a64_vm *v = a64_vm(vm);
	struct page *page, *cache[2] = { NULL, NULL };
	struct vireo_slot *s, slot;
	bool ro, writable;
	unsigned long seq;
	u64 uva, *pte, old, desc;
	int i, r = 0;

	spin_lock(&vm->slots_lock);
	s = vireo_find_slot(vm, ipa);
	if (s) {
		slot = *s;
		uva = s->uva + (ipa & PAGE_MASK) - s->gpa;
		ro = s->flags & KVM_MEM_READONLY;
	}
	spin_unlock(&vm->slots_lock);
	if (!s || (write && ro))
		return 1;

	seq = READ_ONCE(vm->mmu_seq);
	/* The count before the page: pairs with the notifier's barrier. */
	smp_rmb();
	writable = !ro && vireo_get_user_page_fast_only(uva, FOLL_WRITE, &page);
	if (!writable) {
		if (vireo_get_user_pages_fast(uva, 1, write ? FOLL_WRITE : 0,
					      &page) != 1)
			return -EFAULT;
		writable = write;
	}
	for (i = 0; i < 2; i++) {
		cache[i] = vireo_alloc_page();
		if (!cache[i]) {
			r = -ENOMEM;
			goto out_put;
		}
	}
	/*
	 * With the slot's full rights only, so that a block is never
	 * upgraded; @cache[0] is there for its level-2 table.
	 */
	if ((writable || ro) && PageCompound(page) &&
	    s2_fault_huge(vm, &slot, ipa, ro, seq, cache) != -EAGAIN)
		goto out_put;
	/*
	 * A guest with its MMU off reads memory uncached: what the VMM
	 * wrote must have reached the point of coherency, and instruction
	 * fetches must not find stale lines.
	 */
	s2_clean(page, PAGE_SIZE);

	desc = page_to_phys(page) | S2_TABLE | S2_MEMATTR_WB | S2_SH_INNER |
	       S2_AF | S2_AP_R | (writable ? S2_AP_W : 0);
	spin_lock(&vm->slots_lock);
	if (vireo_mmu_retry(vm, seq))
		goto out_unlock;
	pte = s2_walk(v, ipa, cache);
	if (!pte)
		goto out_unlock;	/* a 2 MiB block maps it */
	old = READ_ONCE(*pte);
	if ((old & S2_VALID) && (old & S2_ADDR) == page_to_phys(page) &&
	    (!write || (old & S2_AP_W)))
		goto out_unlock;	/* another vCPU mapped it first */
	if (old & S2_VALID) {
		/* Break before make: no CPU may hold both translations. */
		WRITE_ONCE(*pte, 0);
		a64_tlb_flush_vmid(v);
		vireo_put_user_page(phys_to_page(old & S2_ADDR));
	}
	dsb(ishst);
	WRITE_ONCE(*pte, desc);
	dsb(ishst);
	page = NULL;	/* the entry holds the reference now */
out_unlock:
	spin_unlock(&vm->slots_lock);
out_put:
	if (page)
		vireo_put_user_page(page);
	for (i = 0; i < 2; i++)
		vireo_free_page(cache[i]);
	return r;
}
