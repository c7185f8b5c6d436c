/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two-dimensional paging: the guest-physical to host-physical tables both
 * x86 backends keep, filled on demand from the VMM's own mapping of guest
 * memory.  The walk, the fill and the invalidation are the same for every
 * entry format; a backend describes its format in struct x86_tdp_format
 * and flushes its TLBs when x86_tdp.gen moves.
 */
#ifndef VIREO_X86_TDP_H
#define VIREO_X86_TDP_H

#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "core/vireo.h"

/* Levels of the deepest tables (five-level paging). */
#define X86_TDP_MAX_LEVELS	5

/**
 * struct x86_tdp_format - how a backend's hardware reads an entry
 * @present: an entry with any of these bits set is used by the CPU
 * @table: the bits of an entry that points to the next table
 * @leaf: the bits of a readable, executable leaf (memory type included)
 * @write: what makes a leaf writable
 * @huge: in a level-1 entry, marks a 2 MiB leaf
 * @zapped: a software bit the CPU ignores in a non-present entry: a leaf
 *	being taken away, whose page is still pinned
 * @zapped_w: a second such bit: the zapped leaf was writable
 */
struct x86_tdp_format {
	u64 present;
	u64 table;
	u64 leaf;
	u64 write;
	u64 huge;
	u64 zapped;
	u64 zapped_w;
};

/**
 * struct x86_tdp - one VM's nested page tables
 * @fmt: the entry format
 * @root: the top-level table
 * @levels: 4 or 5
 * @huge: @fmt->huge when the CPU takes 2 MiB leaves, else 0
 * @lock: guards the tables; never held across a sleep
 * @gen: bumped when mappings go away; a backend flushes its TLBs for this
 *	VM on a CPU whose last flush saw an older value
 * @cpus: CPUs that have entered this VM: where unmaps send their IPI
 * @pool: zeroed pages for the tables a fault adds, under @lock
 * @nr_pool: how many; at most @levels - 1, what one walk can take
 */
struct x86_tdp {
	const struct x86_tdp_format *fmt;
	struct page *root;
	int levels;
	u64 huge;
	spinlock_t lock;	/* the tables; never held across a sleep */
	u64 gen;
	cpumask_var_t cpus;
	struct page *pool[X86_TDP_MAX_LEVELS - 1];
	int nr_pool;
};

int x86_tdp_init(struct x86_tdp *t, const struct x86_tdp_format *fmt,
		 int levels, bool huge);
void x86_tdp_destroy(struct x86_tdp *t);
void x86_tdp_unmap(struct x86_tdp *t, u64 gpa, u64 size);
void x86_tdp_write_protect(struct x86_tdp *t, u64 gpa,
			   const unsigned long *mask, unsigned long npages);
unsigned int x86_gpa_bits(int levels);
int x86_tdp_fault(struct x86_tdp *t, struct vireo_vm *vm, u64 gpa,
		  bool write);

/**
 * x86_tdp_gen_on - the generation to compare, right before an entry
 * @t: the tables
 * @cpu: this CPU, with interrupts off until the guest runs
 *
 * Also puts @cpu in @t->cpus, before @gen is read: an unmap that bumps
 * @gen after this read sees the CPU there, and its IPI waits for the
 * guest to exit.
 */
static inline u64 x86_tdp_gen_on(struct x86_tdp *t, int cpu)
{
	if (!cpumask_test_cpu(cpu, t->cpus))
		cpumask_set_cpu(cpu, t->cpus);
	/* Pairs with the barrier between the write of gen and the IPI. */
	smp_mb();
	return READ_ONCE(t->gen);
}

static inline u64 x86_tdp_root_pa(const struct x86_tdp *t)
{
	return page_to_phys(t->root);
}

#endif
