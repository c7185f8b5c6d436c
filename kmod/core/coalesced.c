// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO and PIO (KVM_REGISTER_COALESCED_MMIO): a guest's writes to
 * a zone the VMM registered go into a ring the VMM reads when it likes,
 * instead of each being an exit.  The ring is one page per VM, mapped
 * through every vCPU fd at KVM_COALESCED_MMIO_PAGE_OFFSET, in kvm.ko's
 * layout.
 *
 * The page is writable by the VMM, which consumes entries by moving
 * `first`; any of its threads may scribble on it at any time.  So each
 * index is read once per write, the producer's checked against the
 * ring's size before it is used, and nothing else is taken from the
 * page: whatever the VMM writes there, the kernel stores inside the page
 * and nowhere else.  A full ring, or a producer index out of range, sends
 * the write to the VMM as an ordinary exit, as under kvm.ko.
 */
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "core/vireo.h"

/* kvm.ko's KVM_COALESCED_MMIO_MAX: the entries that fit after the indices */
#define VIREO_COALESCED_MAX \
	((PAGE_SIZE - sizeof(struct kvm_coalesced_mmio_ring)) / \
	 sizeof(struct kvm_coalesced_mmio))
/* Zones per address space: kvm.ko's NR_IOBUS_DEVS */
#define VIREO_COALESCED_ZONES	1000

struct vireo_czone {
	struct list_head node;
	u64 addr;
	u32 size;
	u32 pio;
};

struct vireo_coalesced {
	/* The zones, and the ring's producer side */
	spinlock_t lock;
	struct list_head zones;
	unsigned int nr[2];	/* MMIO, PIO */
	struct page *page;
	struct kvm_coalesced_mmio_ring *ring;
};

/**
 * vireo_coalesced_init - a new VM's ring, where the backend offers it
 * @vm: the VM
 *
 * Return: 0 or -ENOMEM.
 */
int vireo_coalesced_init(struct vireo_vm *vm)
{
	struct vireo_coalesced *c;

	if (!vireo_impl->coalesced_mmio)
		return 0;
	c = vireo_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->page = vireo_alloc_page();
	if (!c->page) {
		vireo_free(c);
		return -ENOMEM;
	}
	spin_lock_init(&c->lock);
	INIT_LIST_HEAD(&c->zones);
	c->ring = page_address(c->page);
	vm->coalesced = c;
	return 0;
}

/**
 * vireo_coalesced_free - a VM's ring and zones, at its end
 * @vm: the VM, which no vCPU and no VMM thread reaches any more
 */
void vireo_coalesced_free(struct vireo_vm *vm)
{
	struct vireo_coalesced *c = vm->coalesced;
	struct vireo_czone *z, *tmp;

	if (!c)
		return;
	list_for_each_entry_safe(z, tmp, &c->zones, node)
		vireo_free(z);
	vireo_free_page(c->page);
	vireo_free(c);
	vm->coalesced = NULL;
}

/**
 * vireo_coalesced_page - the ring's page, for the vCPU fd's mapping
 * @vm: the VM
 *
 * Return: the page, or NULL where the VM has none.
 */
struct page *vireo_coalesced_page(struct vireo_vm *vm)
{
	return vm->coalesced ? vm->coalesced->page : NULL;
}

/*
 * [@addr, @addr + @len) inside @z, with kvm.ko's checks: its length is an
 * int there, so 2 GiB or more is inside no zone.
 */
static bool vireo_czone_holds(const struct vireo_czone *z, u64 addr, u32 len)
{
	if ((s32)len < 0 || addr + len < addr)
		return false;
	return addr >= z->addr && addr + len <= z->addr + z->size;
}

static long vireo_coalesced_register(struct vireo_coalesced *c,
				     const struct kvm_coalesced_mmio_zone *k)
{
	struct vireo_czone *z = vireo_zalloc(sizeof(*z));
	long r = 0;

	if (!z)
		return -ENOMEM;
	z->addr = k->addr;
	z->size = k->size;
	z->pio = k->pio;
	spin_lock(&c->lock);
	if (c->nr[z->pio] >= VIREO_COALESCED_ZONES) {
		r = -ENOSPC;
	} else {
		list_add_tail(&z->node, &c->zones);
		c->nr[z->pio]++;
	}
	spin_unlock(&c->lock);
	if (r)
		vireo_free(z);
	return r;
}

/* Every zone of that space holding the range goes, as under kvm.ko. */
static void vireo_coalesced_unregister(struct vireo_coalesced *c,
				       const struct kvm_coalesced_mmio_zone *k)
{
	struct vireo_czone *z, *tmp;
	LIST_HEAD(gone);

	spin_lock(&c->lock);
	list_for_each_entry_safe(z, tmp, &c->zones, node) {
		if (z->pio != k->pio || !vireo_czone_holds(z, k->addr, k->size))
			continue;
		list_move(&z->node, &gone);
		c->nr[z->pio]--;
	}
	spin_unlock(&c->lock);
	list_for_each_entry_safe(z, tmp, &gone, node)
		vireo_free(z);
}

/**
 * vireo_coalesced_ioctl - KVM_REGISTER_COALESCED_MMIO and
 *	KVM_UNREGISTER_COALESCED_MMIO
 * @vm: the VM
 * @cmd: the ioctl
 * @argp: its struct kvm_coalesced_mmio_zone
 *
 * Return: 0 or -errno: -EINVAL for a pio field other than 0 or 1,
 * -ENOSPC past the zones an address space may have, as kvm.ko; -ENOTTY
 * where the backend does not offer the ring.  Unregistering always
 * succeeds, whether or not a zone went.
 */
long vireo_coalesced_ioctl(struct vireo_vm *vm, unsigned int cmd,
			   void __user *argp)
{
	struct kvm_coalesced_mmio_zone k;

	if (!vm->coalesced)
		return -ENOTTY;
	if (copy_from_user(&k, argp, sizeof(k)))
		return -EFAULT;
	if (k.pio > 1)
		return -EINVAL;
	if (cmd == KVM_REGISTER_COALESCED_MMIO)
		return vireo_coalesced_register(vm->coalesced, &k);
	vireo_coalesced_unregister(vm->coalesced, &k);
	return 0;
}

/**
 * vireo_coalesced_write - a guest's write, into the ring if a zone has it
 * @vm: the VM
 * @bus: VIREO_BUS_MMIO or VIREO_BUS_PIO
 * @addr: the address or port
 * @len: bytes written, at most 8
 * @val: the data
 *
 * From the vCPU's thread; any context that may take a spinlock.
 *
 * Return: true when the write is in the ring (the instruction is done),
 * false when it must go to the VMM as an exit.
 */
bool __vireo_hot vireo_coalesced_write(struct vireo_vm *vm, enum vireo_bus bus, u64 addr,
				       unsigned int len, const void *val)
{
	struct vireo_coalesced *c = vm->coalesced;
	u32 pio = bus == VIREO_BUS_PIO, last, first;
	struct kvm_coalesced_mmio *e;
	struct vireo_czone *z;
	bool found = false;

	if (!c || !READ_ONCE(c->nr[pio]) || len > sizeof(e->data))
		return false;
	spin_lock(&c->lock);
	list_for_each_entry(z, &c->zones, node) {
		if (z->pio == pio && vireo_czone_holds(z, addr, len)) {
			found = true;
			break;
		}
	}
	last = READ_ONCE(c->ring->last);
	first = READ_ONCE(c->ring->first);
	/*
	 * "Full" is kvm.ko 6.1's test, in its 32-bit arithmetic, so that a
	 * VMM sees the same exits: (first - last - 1) wraps modulo 2^32,
	 * not the ring's size, and so also says "full" with room left (with
	 * first 0, at last 85).  Only the producer index decides where the
	 * entry goes, and it is checked.
	 */
	if (!found || last >= VIREO_COALESCED_MAX ||
	    (u32)(first - last - 1) % VIREO_COALESCED_MAX == 0) {
		spin_unlock(&c->lock);
		return false;
	}
	e = &c->ring->coalesced_mmio[last];
	e->phys_addr = addr;
	e->len = len;
	e->pio = pio;
	memset(e->data, 0, sizeof(e->data));
	memcpy(e->data, val, len);
	/* The entry is whole before the VMM can see it. */
	smp_wmb();
	WRITE_ONCE(c->ring->last, (last + 1) % VIREO_COALESCED_MAX);
	spin_unlock(&c->lock);
	return true;
}
