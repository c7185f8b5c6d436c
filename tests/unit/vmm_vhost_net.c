// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-net's view of guest memory (vmm/vhost_net.c) without the kernel:
 * the memory table it gets, the host addresses of a queue's rings, the
 * features passed on; the backend's hooks in the device model; and the
 * error of a missing /dev/vhost-net.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/virtio/vhost_net.h"
#include "vmm/virtio/virtio_mmio.h"

TEST(mem_table_low_only)
{
	static uint8_t ram[1 << 20];
	struct vhost_memory_region r[VHOST_NET_REGIONS];
	struct guest_mem m;

	gmem_init(&m, ram, sizeof(ram));
	ASSERT_EQ(1u, vhost_net_mem_table(&m, r, VHOST_NET_REGIONS));
	EXPECT_EQ(0u, r[0].guest_phys_addr);
	EXPECT_EQ(sizeof(ram), r[0].memory_size);
	EXPECT_EQ((uint64_t)(uintptr_t)ram, r[0].userspace_addr);
	EXPECT_EQ(0u, r[0].flags_padding);
}

/* Above the MMIO gap: a second region at 4 GiB, the mapping's rest. */
TEST(mem_table_split_around_the_gap)
{
	struct vhost_memory_region r[VHOST_NET_REGIONS];
	struct guest_mem m;
	uint8_t *host = (uint8_t *)(uintptr_t)0x7f0000000000ULL;	/* never touched */

	gmem_init(&m, host, GUEST_GAP_START + (64ULL << 20));
	ASSERT_EQ(2u, vhost_net_mem_table(&m, r, VHOST_NET_REGIONS));
	EXPECT_EQ(0u, r[0].guest_phys_addr);
	EXPECT_EQ(GUEST_GAP_START, r[0].memory_size);
	EXPECT_EQ(GUEST_HIGH_BASE, r[1].guest_phys_addr);
	EXPECT_EQ(64ULL << 20, r[1].memory_size);
	EXPECT_EQ((uint64_t)(uintptr_t)host + GUEST_GAP_START, r[1].userspace_addr);
	/* A smaller table takes what fits. */
	EXPECT_EQ(1u, vhost_net_mem_table(&m, r, 1));
}

/* arm64's flat RAM at a base. */
TEST(mem_table_flat)
{
	static uint8_t ram[1 << 16];
	struct vhost_memory_region r[VHOST_NET_REGIONS];
	struct guest_mem m;

	gmem_init_flat(&m, ram, 0x80000000ULL, sizeof(ram));
	ASSERT_EQ(1u, vhost_net_mem_table(&m, r, VHOST_NET_REGIONS));
	EXPECT_EQ(0x80000000ULL, r[0].guest_phys_addr);
	EXPECT_EQ((uint64_t)(uintptr_t)ram, r[0].userspace_addr);
}

TEST(vring_addr_translates_each_ring)
{
	static uint8_t ram[1 << 20];
	struct guest_mem m;
	struct virtq q = { .size = 256, .desc = 0x1000, .avail = 0x2000,
			   .used = 0x3000, .ready = true };
	struct vhost_vring_addr a;

	gmem_init(&m, ram, sizeof(ram));
	ASSERT_EQ(0, vhost_net_vring_addr(&m, &q, 1, &a));
	EXPECT_EQ(1u, a.index);
	EXPECT_EQ(0u, a.flags);
	EXPECT_EQ((uint64_t)(uintptr_t)(ram + 0x1000), a.desc_user_addr);
	EXPECT_EQ((uint64_t)(uintptr_t)(ram + 0x2000), a.avail_user_addr);
	EXPECT_EQ((uint64_t)(uintptr_t)(ram + 0x3000), a.used_user_addr);
	EXPECT_EQ(0u, a.log_guest_addr);
}

/*
 * A ring that does not fit in RAM, ends past it by its event word, or has
 * no size is refused: the kernel must never get an address outside the
 * guest's mapping.
 */
TEST(vring_addr_refuses_rings_outside_ram)
{
	static uint8_t ram[1 << 16];
	struct guest_mem m;
	struct virtq q = { .size = 16, .desc = 0x1000, .avail = 0x2000,
			   .used = 0x3000 };
	struct vhost_vring_addr a;

	gmem_init(&m, ram, sizeof(ram));
	ASSERT_EQ(0, vhost_net_vring_addr(&m, &q, 0, &a));
	q.desc = sizeof(ram) - 16 * 16 + 16;
	EXPECT_EQ(-1, vhost_net_vring_addr(&m, &q, 0, &a));
	q.desc = 0x1000;
	/* avail: flags, idx, 16 entries, used_event = 38 bytes. */
	q.avail = sizeof(ram) - 38;
	EXPECT_EQ(0, vhost_net_vring_addr(&m, &q, 0, &a));
	q.avail = sizeof(ram) - 36;
	EXPECT_EQ(-1, vhost_net_vring_addr(&m, &q, 0, &a));
	q.avail = 0x2000;
	/* used: flags, idx, 16 entries of 8, avail_event = 134 bytes. */
	q.used = sizeof(ram) - 134;
	EXPECT_EQ(0, vhost_net_vring_addr(&m, &q, 0, &a));
	q.used = sizeof(ram) - 132;
	EXPECT_EQ(-1, vhost_net_vring_addr(&m, &q, 0, &a));
	q.used = 0x3000;
	/* In the MMIO gap of a guest that has RAM above it. */
	q.desc = GUEST_GAP_START + 0x1000;
	EXPECT_EQ(-1, vhost_net_vring_addr(&m, &q, 0, &a));
	q.desc = 0x1000;
	q.size = 0;
	EXPECT_EQ(-1, vhost_net_vring_addr(&m, &q, 0, &a));
}

TEST(features_only_what_both_have)
{
	const uint64_t v1 = 1ULL << VIRTIO_F_VERSION_1, mac = 1ULL << 5;
	const uint64_t kernel = v1 | 1ULL << 15 | 1ULL << 28 | 1ULL << 29;

	/* MAC is the VMM's (configuration space), not vhost's. */
	EXPECT_EQ(v1, vhost_net_features(v1 | mac, kernel));
	EXPECT_EQ(0u, vhost_net_features(mac, kernel));
}

TEST(missing_device_says_so)
{
	struct vhost_net v;
	char err[256] = "";

	EXPECT_EQ(-1, vhost_net_open(&v, "/nonexistent/vhost-net", err,
				     sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/nonexistent/vhost-net"));
	EXPECT_NE(NULL, strstr(err, "vhost_net module"));
	vhost_net_close(&v);
	EXPECT_EQ(-1, v.fd);
}

/* Not a vhost device: the first vhost ioctl fails, with its name. */
TEST(not_a_vhost_device)
{
	struct vhost_net v;
	char err[256] = "";

	EXPECT_EQ(-1, vhost_net_open(&v, "/dev/null", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "VHOST_SET_OWNER"));
	vhost_net_close(&v);
}

/*
 * Registered on a device model: the VMM's receive path stays off, and a
 * notify that reached the VMM (no ioeventfd) becomes a kick on the
 * queue's eventfd, for vhost to see.
 */
TEST(registered_backend_takes_the_data_path)
{
	static uint8_t ram[1 << 16];
	static struct virtio_net n;
	struct vhost_net v;
	struct guest_mem m;
	struct irq_line none = { 0 };
	int kick[VHOST_NET_QUEUES];
	uint64_t cnt = 0;

	gmem_init(&m, ram, sizeof(ram));
	memset(&n, 0, sizeof(n));
	n.tap = -1;
	memset(&v, 0, sizeof(v));
	v.fd = v.call[0] = v.call[1] = -1;
	for (int q = 0; q < VHOST_NET_QUEUES; q++) {
		kick[q] = eventfd(0, EFD_NONBLOCK);
		ASSERT_LE(0, kick[q]);
	}
	virtio_net_attach(&n, &m, none, NULL, NULL);
	vhost_net_register(&v, &n, kick);
	EXPECT_TRUE(n.be != NULL);
	EXPECT_FALSE(virtio_net_want_rx(&n));
	/* Bring the device live by hand, queue 1 ready, and notify it. */
	n.t.status = 1 | 2 | 8 | 4;
	n.t.vq[1] = (struct virtq){ .size = 16, .desc = 0x1000, .avail = 0x2000,
				    .used = 0x3000, .ready = true };
	virtio_mmio_notify(&n.t, 1);
	EXPECT_EQ(8, read(kick[1], &cnt, sizeof(cnt)));
	EXPECT_EQ(1u, cnt);
	EXPECT_EQ(-1, read(kick[0], &cnt, sizeof(cnt)));
	/* Nothing went through the VMM's own transmit path. */
	EXPECT_EQ(0u, n.tx_frames);
	close(kick[0]);
	close(kick[1]);
}

static char failed_with[256];

static void on_fail(void *ctx, const char *msg)
{
	snprintf(failed_with, sizeof(failed_with), "%s", msg);
}

/*
 * DRIVER_OK starts the backend; when vhost refuses, the device asks for
 * a reset and the VMM is told why (no fallback to its own data path). A
 * device reset stops a running backend.
 */
TEST(driver_ok_starts_reset_stops)
{
	static uint8_t ram[1 << 16];
	static struct virtio_net n;
	struct vhost_net v;
	struct guest_mem m;
	struct irq_line none = { 0 };
	int kick[VHOST_NET_QUEUES] = { -1, -1 };

	gmem_init(&m, ram, sizeof(ram));
	memset(&n, 0, sizeof(n));
	n.tap = -1;
	memset(&v, 0, sizeof(v));
	/* Not a vhost device: every vhost ioctl fails. */
	v.fd = -1;
	v.call[0] = v.call[1] = v.cur_call[0] = v.cur_call[1] = -1;
	virtio_net_attach(&n, &m, none, NULL, NULL);
	n.fail = on_fail;
	vhost_net_register(&v, &n, kick);
	n.t.driver_features = 1ULL << VIRTIO_F_VERSION_1;
	virtio_mmio_set_status(&n.t, 1 | 2 | 8);
	EXPECT_STREQ("", failed_with);
	virtio_mmio_set_status(&n.t, 1 | 2 | 8 | 4);
	EXPECT_NE(NULL, strstr(failed_with, "virtio-net: vhost: VHOST_SET_FEATURES"));
	EXPECT_TRUE(n.t.status & 64);		/* DEVICE_NEEDS_RESET */
	EXPECT_FALSE(v.running);
	EXPECT_EQ(0u, v.starts);
	/* A running backend (as if started) stops at the reset. */
	v.running = true;
	v.live = 3;
	virtio_mmio_set_status(&n.t, 0);
	EXPECT_FALSE(v.running);
	EXPECT_EQ(0u, v.live);
	EXPECT_EQ(0u, n.t.status);
}

TEST_HARNESS_MAIN
