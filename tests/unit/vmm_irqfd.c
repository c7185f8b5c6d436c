// SPDX-License-Identifier: GPL-2.0
/*
 * irqfd lines (vmm/irqfd.c) without a VM: the eventfd the kernel would
 * listen to is ours to read, so what a device's line does to it shows.
 */
#include <sys/eventfd.h>
#include <unistd.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/irqfd.h"

/* Interrupts the kernel would have seen since the last call. */
static uint64_t taken(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

TEST(level_line_and_resample)
{
	struct irqfd f;
	struct irq_line l;

	irqfd_init(&f);
	f.fd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, f.fd);
	f.gsi = 10;
	l = irqfd_line(&f);
	EXPECT_EQ(10u, l.irq);
	/* Asserting raises; raising again while up is another write. */
	irq_set(&l, 1);
	EXPECT_EQ(1u, taken(f.fd));
	irq_set(&l, 1);
	EXPECT_EQ(1u, taken(f.fd));
	/* The EOI lowered it; the device still asserts: up again. */
	irqfd_resample(&f);
	EXPECT_EQ(1u, taken(f.fd));
	/* Deasserting writes nothing (the kernel lowers at the EOI)... */
	irq_set(&l, 0);
	EXPECT_EQ(0u, taken(f.fd));
	/* ...and the resample after it leaves the line down. */
	irqfd_resample(&f);
	EXPECT_EQ(0u, taken(f.fd));
	irqfd_release(&f, -1);
	EXPECT_EQ(-1, f.fd);
	EXPECT_EQ(-1, f.resample_fd);
	/* An unassigned irqfd: nothing to write to, nothing breaks. */
	irqfd_trigger(&f);
	irq_set(&l, 1);
}

TEST(edge_trigger_counts)
{
	struct irqfd f;

	irqfd_init(&f);
	f.fd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, f.fd);
	irqfd_trigger(&f);
	irqfd_trigger(&f);
	EXPECT_EQ(2u, taken(f.fd));
	irqfd_release(&f, -1);
}

TEST(assign_without_a_vm_fails_cleanly)
{
	struct irqfd f;
	int fd = eventfd(0, 0);

	/* An eventfd is no VM: KVM_IRQFD fails, nothing is left open. */
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, irqfd_assign(&f, fd, 5, true));
	EXPECT_EQ(-1, f.fd);
	EXPECT_EQ(-1, f.resample_fd);
	close(fd);
}

TEST_HARNESS_MAIN
