// SPDX-License-Identifier: GPL-2.0
/*
 * Arm64 VHE backend: probe, VMs and their VMIDs, the backend table.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/kvm_arm.h>
#include <asm/sysreg.h>
#include <asm/virt.h>
#include <linux/irqchip/arm-gic-v3.h>

#include "arm64/arm64.h"

/* Set once the kernel's own KVM has initialised: it then owns EL2. */
extern struct dentry *kvm_debugfs_dir;

u64 a64_vtcr;
/* The GIC's CPU interface is reached through system registers. */
bool a64_gicv3;

/*
 * 16-bit VMIDs where the CPU has them, else 8-bit; 0 left out.  A VMID is
 * never reused before every CPU's TLB has forgotten it (a64_vm_destroy()).
 */
#define A64_MAX_VMIDS	BIT(16)
static DECLARE_BITMAP(a64_vmids, A64_MAX_VMIDS);
static unsigned int a64_nr_vmids;
static DEFINE_SPINLOCK(a64_vmid_lock);

static int a64_probe(void)
{
	u64 mmfr0, pfr0;

	if (!is_kernel_in_hyp_mode()) {
		pr_err("the kernel does not run at EL2 with VHE\n");
		return -EOPNOTSUPP;
	}
	if (kvm_debugfs_dir) {
		pr_err("the kernel's KVM owns EL2: boot with kvm-arm.mode=none\n");
		return -EBUSY;
	}
	if (PAGE_SIZE != SZ_4K) {
		pr_err("only 4 KiB pages are supported\n");
		return -EOPNOTSUPP;
	}
	/*
	 * A guest's EL1 context stays loaded while the host runs (as KVM's
	 * VHE code keeps it): on CPUs whose speculative AT walks may then
	 * use the guest's tables (Cortex-A55/A76/A77 errata 1165522,
	 * 1530923) that needs KVM's workarounds, which Vireo lacks.
	 */
	if (cpus_have_final_cap(ARM64_WORKAROUND_SPECULATIVE_AT)) {
		pr_err("CPUs with the speculative AT errata are not supported\n");
		return -EOPNOTSUPP;
	}
	mmfr0 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1);
	/* PARange 2 is 40 bits, the IPA size the tables translate. */
	if ((mmfr0 & 0xf) < 2) {
		pr_err("physical addresses narrower than 40 bits\n");
		return -EOPNOTSUPP;
	}
	pfr0 = read_sanitised_ftr_reg(SYS_ID_AA64PFR0_EL1);
	a64_gicv3 = ((pfr0 >> 24) & 0xf) &&
		    (read_sysreg_s(SYS_ICC_SRE_EL2) & ICC_SRE_EL2_SRE);
	return 0;
}

static int a64_init(void)
{
	u64 ps = min_t(u64, read_sanitised_ftr_reg(SYS_ID_AA64MMFR0_EL1) & 0xf, 5);
	u64 mmfr1 = read_sanitised_ftr_reg(SYS_ID_AA64MMFR1_EL1);
	/* ID_AA64MMFR1_EL1.VMIDBits: 2 for 16 bits */
	bool vmid16 = ((mmfr1 >> 4) & 0xf) == 2;

	/*
	 * 4 KiB granule, walks starting at level 1 (two concatenated root
	 * tables cover 40 bits), write-back inner-shareable table walks.
	 */
	a64_vtcr = VTCR_EL2_RES1 | VTCR_EL2_T0SZ(A64_IPA_BITS) |
		   (1UL << VTCR_EL2_SL0_SHIFT) | VTCR_EL2_TG0_4K |
		   VTCR_EL2_SH0_INNER | VTCR_EL2_ORGN0_WBWA |
		   VTCR_EL2_IRGN0_WBWA | (ps << VTCR_EL2_PS_SHIFT) |
		   (vmid16 ? VTCR_EL2_VS_16BIT : VTCR_EL2_VS_8BIT);
	a64_nr_vmids = vmid16 ? BIT(16) : BIT(8);
	a64_timer_init();
	a64_run_init();
	a64_vgic_probe();
	bitmap_zero(a64_vmids, A64_MAX_VMIDS);
	set_bit(0, a64_vmids);
	return 0;
}

static void a64_fini(void)
{
	a64_vgic_exit();
	a64_run_fini();
}

/*
 * Nothing stays set on a CPU outside KVM_RUN: a vCPU's context leaves the
 * CPU with its task (run.c).  Only the host's interrupt
 * for the guests' virtual timer is on while the module is loaded.
 */
static int a64_cpu_enable(void)
{
	a64_vgic_cpu_enable();
	return 0;
}

static void a64_cpu_disable(void)
{
	a64_vgic_cpu_disable();
}

/* What works, and only that (the rest of kvm.ko's arm64 answers are 0). */
static long a64_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_ONE_REG:
	case KVM_CAP_ARM_PSCI_0_2:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_DEVICE_CTRL:
		return 1;
	case KVM_CAP_IRQCHIP:
		return a64_gicv3;
	default:
		return 0;
	}
}

static unsigned int a64_gpa_bits(void)
{
	return A64_IPA_BITS;
}

static long a64_dev_ioctl(unsigned int cmd, void __user *argp)
{
	return -EINVAL;
}

static int a64_vm_create(struct vireo_vm *vm)
{
	struct a64_vm *v;
	int vmid, r;

	v = vireo_zalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->last_vcpu = vireo_zalloc(nr_cpu_ids * sizeof(*v->last_vcpu));
	if (!v->last_vcpu) {
		r = -ENOMEM;
		goto err;
	}
	spin_lock(&a64_vmid_lock);
	vmid = find_first_zero_bit(a64_vmids, a64_nr_vmids);
	if (vmid < a64_nr_vmids)
		set_bit(vmid, a64_vmids);
	spin_unlock(&a64_vmid_lock);
	if (vmid >= a64_nr_vmids) {
		r = -ENOSPC;
		goto err;
	}
	v->vmid = vmid;
	v->voff = a64_timer_vm_offset();
	spin_lock_init(&v->lock);
	r = a64_s2_init(v);
	if (r)
		goto err_vmid;
	vm->arch = v;
	return 0;
err_vmid:
	spin_lock(&a64_vmid_lock);
	clear_bit(vmid, a64_vmids);
	spin_unlock(&a64_vmid_lock);
err:
	vireo_free(v->last_vcpu);
	vireo_free(v);
	return r;
}

static void a64_vm_destroy(struct vireo_vm *vm)
{
	struct a64_vm *v = a64_vm(vm);

	/*
	 * No CPU may keep a translation, or a cached walk into the tables
	 * freed next, for the VMID the next VM gets.
	 */
	a64_tlb_flush_vmid(v);
	a64_s2_free(v);
	a64_vgic_free(vm);
	spin_lock(&a64_vmid_lock);
	clear_bit(v->vmid, a64_vmids);
	spin_unlock(&a64_vmid_lock);
	vireo_free(v->last_vcpu);
	vireo_free(v);
}

static long a64_vm_ioctl(struct vireo_vm *vm, unsigned int cmd,
			 void __user *argp)
{
	struct kvm_vcpu_init init;

	switch (cmd) {
	case KVM_ARM_PREFERRED_TARGET:
		memset(&init, 0, sizeof(init));
		init.target = a64_target();
		return copy_to_user(argp, &init, sizeof(init)) ? -EFAULT : 0;
	case KVM_CREATE_DEVICE:
		return a64_create_device(vm, argp);
	default:
		return -EINVAL;
	}
}

const struct vireo_impl vireo_arm64_impl = {
	.name		 = "Arm64 VHE",
	.probe		 = a64_probe,
	.init		 = a64_init,
	.fini		 = a64_fini,
	.cpu_enable	 = a64_cpu_enable,
	.cpu_disable	 = a64_cpu_disable,
	.check_extension = a64_check_extension,
	.gpa_bits	 = a64_gpa_bits,
	.gpa_range_errno = -EFAULT,
	.dev_ioctl	 = a64_dev_ioctl,
	.vm_create	 = a64_vm_create,
	.vm_destroy	 = a64_vm_destroy,
	.vm_ioctl	 = a64_vm_ioctl,
	.vm_unmap	 = a64_s2_unmap,
	.vcpu_create	 = a64_vcpu_create,
	.vcpu_destroy	 = a64_vcpu_destroy,
	.vcpu_ioctl	 = a64_vcpu_ioctl,
	.vcpu_load	 = a64_vcpu_load,
	.vcpu_put	 = a64_vcpu_put,
	.vcpu_run	 = a64_vcpu_run,
	.vcpu_blocked	 = a64_vcpu_blocked,
	.irq_line	 = a64_irq_line,
	.irqchip_in_kernel = a64_irqchip_in_kernel,
	.irq_route_check = a64_irq_route_check,
	.irq_deliver	 = a64_irq_deliver,
};
