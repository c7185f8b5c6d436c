// SPDX-License-Identifier: GPL-2.0
/*
 * Arm64 VHE backend.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/module.h>
#include <asm/virt.h>

#include "arm64/arm64.h"

/* Set once the kernel's own KVM has initialised (it then owns EL2). */
extern struct dentry *kvm_debugfs_dir;

static int arm64_probe(void)
{
	if (!is_kernel_in_hyp_mode()) {
		pr_err("the kernel does not run at EL2 with VHE\n");
		return -EOPNOTSUPP;
	}
	if (kvm_debugfs_dir) {
		pr_err("the kernel's KVM owns EL2: boot with kvm-arm.mode=none\n");
		return -EBUSY;
	}
	return 0;
}

static int arm64_init(void)
{
	return 0;
}

static void arm64_fini(void)
{
}

static int arm64_cpu_enable(void)
{
	return 0;
}

static void arm64_cpu_disable(void)
{
}

static long arm64_check_extension(long cap)
{
	return 0;
}

static unsigned int arm64_gpa_bits(void)
{
	return 40;
}

static long arm64_dev_ioctl(unsigned int cmd, void __user *argp)
{
	return -EINVAL;
}

static int arm64_vm_create(struct vireo_vm *vm)
{
	return 0;
}

static void arm64_vm_destroy(struct vireo_vm *vm)
{
}

static long arm64_vm_ioctl(struct vireo_vm *vm, unsigned int cmd,
			   void __user *argp)
{
	return -ENOTTY;
}

static void arm64_vm_unmap(struct vireo_vm *vm, u64 gpa, u64 size)
{
}

static int arm64_vcpu_create(struct vireo_vcpu *vcpu)
{
	return 0;
}

static void arm64_vcpu_destroy(struct vireo_vcpu *vcpu)
{
}

static long arm64_vcpu_ioctl(struct vireo_vcpu *vcpu, unsigned int cmd,
			     void __user *argp)
{
	return -EINVAL;
}

static void arm64_vcpu_load(struct vireo_vcpu *vcpu)
{
}

static void arm64_vcpu_put(struct vireo_vcpu *vcpu)
{
}

static int arm64_vcpu_run(struct vireo_vcpu *vcpu)
{
	return -ENOEXEC;
}

const struct vireo_impl vireo_arm64_impl = {
	.name		 = "Arm64 VHE",
	.probe		 = arm64_probe,
	.init		 = arm64_init,
	.fini		 = arm64_fini,
	.cpu_enable	 = arm64_cpu_enable,
	.cpu_disable	 = arm64_cpu_disable,
	.check_extension = arm64_check_extension,
	.gpa_bits	 = arm64_gpa_bits,
	.dev_ioctl	 = arm64_dev_ioctl,
	.vm_create	 = arm64_vm_create,
	.vm_destroy	 = arm64_vm_destroy,
	.vm_ioctl	 = arm64_vm_ioctl,
	.vm_unmap	 = arm64_vm_unmap,
	.vcpu_create	 = arm64_vcpu_create,
	.vcpu_destroy	 = arm64_vcpu_destroy,
	.vcpu_ioctl	 = arm64_vcpu_ioctl,
	.vcpu_load	 = arm64_vcpu_load,
	.vcpu_put	 = arm64_vcpu_put,
	.vcpu_run	 = arm64_vcpu_run,
};
