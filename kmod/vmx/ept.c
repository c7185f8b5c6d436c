// SPDX-License-Identifier: GPL-2.0
/*
 * Extended page tables: Intel's entry format for the shared nested page
 * tables (kmod/x86/tdp.c), and the INVEPT that makes each CPU forget this
 * VM's translations before its next entry once mappings went away.  Entry
 * format: Intel SDM vol. 3C, "EPT Translation Mechanism".
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
/*
 * Leaf memory type: write-back, and "ignore PAT" so the guest's PAT cannot
 * make it UC or WC.  Every leaf maps ordinary RAM that the host keeps
 * write-back, and no device does non-coherent DMA into it: a guest-chosen
 * type would only make a second, differently cached alias of host memory,
 * which the SDM leaves unpredictable.  kvm.ko does the same when no
 * non-coherent DMA is assigned.
 */
#define EPT_MT_WB	(6ULL << 3)
#define EPT_IPAT	BIT_ULL(6)
/* In a level-2 entry (PDE): maps 2 MiB */
#define EPT_LARGE	BIT_ULL(7)
/*
 * Software bits of a leaf being zapped: still pinned, was it writable.  An
 * entry without R, W or X is not present and the CPU ignores the rest.
 */
#define EPT_ZAPPED	BIT_ULL(52)
#define EPT_ZAPPED_W	BIT_ULL(53)
#define EPT_LEVELS	4
/* EPTP: write-back walks (bits 2:0 = 6), 4 levels (bits 5:3 = 3). */
#define EPTP_WB_4LEVEL	(6ULL | (3ULL << 3))

#define EPT_QUAL_WRITE	BIT_ULL(1)

static const struct x86_tdp_format ept_format = {
	.present	= EPT_RWX,
	.table		= EPT_RWX,
	.leaf		= EPT_R | EPT_X | EPT_MT_WB | EPT_IPAT,
	.write		= EPT_W,
	.huge		= EPT_LARGE,
	.zapped		= EPT_ZAPPED,
	.zapped_w	= EPT_ZAPPED_W,
};

int vmx_ept_create(struct vmx_vm *vv)
{
	int cpu, r;

	vv->cpu_gen = vireo_zalloc(nr_cpu_ids * sizeof(*vv->cpu_gen));
	if (!vv->cpu_gen)
		return -ENOMEM;
	/* A CPU may still cache translations of an earlier EPT at this address. */
	for_each_possible_cpu(cpu)
		vv->cpu_gen[cpu] = ~0ULL;
	r = x86_tdp_init(&vv->tdp, &ept_format, EPT_LEVELS,
			 vmx_cfg.ept_cap & VMX_EPT_2MB_PAGE_BIT);
	if (r) {
		vireo_free(vv->cpu_gen);
		return r;
	}
	vv->eptp = x86_tdp_root_pa(&vv->tdp) | EPTP_WB_4LEVEL;
	return 0;
}

void vmx_ept_destroy(struct vmx_vm *vv)
{
	x86_tdp_destroy(&vv->tdp);
	vireo_free(vv->cpu_gen);
}

unsigned int vmx_gpa_bits(void)
{
	return x86_gpa_bits(EPT_LEVELS);
}

void vmx_ept_unmap(struct vireo_vm *vm, u64 gpa, u64 size)
{
	x86_tdp_unmap(&to_vmx_vm(vm)->tdp, gpa, size);
}

void vmx_ept_write_protect(struct vireo_vm *vm, const struct vireo_slot *s,
			   const unsigned long *mask)
{
	x86_tdp_write_protect(&to_vmx_vm(vm)->tdp, s->gpa, mask,
			      s->size >> PAGE_SHIFT);
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
	u64 gen = x86_tdp_gen_on(&vv->tdp, cpu);

	if (!force && vv->cpu_gen[cpu] == gen)
		return;
	vv->cpu_gen[cpu] = gen;
	vmx_invept(vv);
}

/* 0: the guest can retry; 1: the access is MMIO; or -errno. */
int vmx_ept_fault(struct vireo_vcpu *vcpu, u64 gpa, u64 qual)
{
	return x86_tdp_fault(&to_vmx_vm(vcpu->vm)->tdp, vcpu->vm, gpa,
			     qual & EPT_QUAL_WRITE);
}
