// SPDX-License-Identifier: GPL-2.0
/*
 * MSR policy: which MSRs a guest has, and the KVM_{GET,SET}_MSRS and
 * KVM_GET_MSR_INDEX_LIST plumbing around a backend's accessors.
 */
#include <asm/msr-index.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "x86/x86.h"

/* kvm.ko's bound on one KVM_{GET,SET}_MSRS call. */
#define X86_MAX_IO_MSRS		256

const u32 x86_msr_list[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
	MSR_IA32_TSC, MSR_IA32_CR_PAT, MSR_FS_BASE, MSR_GS_BASE, MSR_EFER,
	MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE,
};

const unsigned int x86_msr_list_len = ARRAY_SIZE(x86_msr_list);

long x86_get_msr_index_list(void __user *argp)
{
	struct kvm_msr_list __user *user = argp;
	u32 n;

	if (get_user(n, &user->nmsrs))
		return -EFAULT;
	if (put_user(x86_msr_list_len, &user->nmsrs))
		return -EFAULT;
	if (n < x86_msr_list_len)
		return -E2BIG;
	if (copy_to_user(user->indices, x86_msr_list, sizeof(x86_msr_list)))
		return -EFAULT;
	return 0;
}

/* Like kvm.ko: stop at the first entry that fails, return how many went. */
long x86_msrs_ioctl(void __user *argp, bool set, x86_msr_get_fn get,
		    x86_msr_set_fn put, void *ctx)
{
	struct kvm_msrs __user *user = argp;
	struct kvm_msr_entry *e;
	struct kvm_msrs head;
	long r;
	u32 i;

	if (copy_from_user(&head, user, sizeof(head)))
		return -EFAULT;
	if (head.nmsrs >= X86_MAX_IO_MSRS)
		return -E2BIG;
	e = memdup_user(user->entries, head.nmsrs * sizeof(*e));
	if (IS_ERR(e))
		return PTR_ERR(e);
	for (i = 0; i < head.nmsrs; i++) {
		if (set ? put(ctx, e[i].index, e[i].data) :
			  get(ctx, e[i].index, &e[i].data))
			break;
	}
	r = i;
	if (!set && copy_to_user(user->entries, e, i * sizeof(*e)))
		r = -EFAULT;
	kfree(e);
	return r;
}
