// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/virtio_net.h"
#include "vmm/virtq.h"

/*
 * The virtio devices against a driver that breaks the rules or tries to
 * keep the VMM busy: rings are written into a fake guest RAM buffer, as
 * in vmm_virtio.c, but queues are as large as the devices allow.
 */

#define RAM (1024 * 1024)
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000

struct drv {
	uint8_t *ram;
	struct guest_mem m;
	struct virtq q;
	uint16_t qsz;
	uint16_t avail_idx;
};

/* A queue of qsz entries with its rings at base + DESC, AVAIL, USED. */
static void drv_queue(struct drv *d, uint64_t base, uint16_t qsz)
{
	virtq_reset(&d->q);
	d->qsz = qsz;
	d->q.size = qsz;
	d->q.desc = base + DESC;
	d->q.avail = base + AVAIL;
	d->q.used = base + USED;
	d->q.ready = virtq_valid(&d->q, &d->m);
	d->avail_idx = 0;
}

static void drv_init(struct drv *d, uint16_t qsz)
{
	d->ram = calloc(1, RAM);
	gmem_init(&d->m, d->ram, RAM);
	drv_queue(d, 0, qsz);
}

static void desc(struct drv *d, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint8_t *p = d->ram + d->q.desc + 16 * i;

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void offer(struct drv *d, uint16_t head)
{
	memcpy(d->ram + d->q.avail + 4 + 2 * (d->avail_idx % d->qsz), &head, 2);
	d->avail_idx++;
	__atomic_store_n((uint16_t *)(d->ram + d->q.avail + 2), d->avail_idx,
			 __ATOMIC_RELEASE);
}

static inline uint16_t used_idx(struct drv *d)
{
	uint16_t v;

	memcpy(&v, d->ram + d->q.used + 2, 2);
	return v;
}

/*
 * Finding 13: the I/O thread polls the tap only when a received frame has
 * somewhere to go; otherwise a readable tap wakes it again at once.
 */
TEST(net_rx_wants_frames_only_with_buffers)
{
	static struct virtio_net n;
	struct irq_line none = { NULL, NULL, 0 };
	struct drv d;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	drv_init(&d, 16);
	memset(&n, 0, sizeof(n));
	n.tap = p[0];
	virtio_net_attach(&n, &d.m, none, NULL, NULL);
	n.t.status = 0x0f;
	EXPECT_FALSE(virtio_net_want_rx(&n));		/* RX queue not ready */
	n.t.vq[0] = d.q;
	EXPECT_FALSE(virtio_net_want_rx(&n));		/* ready, no buffers */
	desc(&d, 0, 0x8000, 2048, 2, 0);
	offer(&d, 0);
	n.t.vq[0].ready = true;
	EXPECT_TRUE(virtio_net_want_rx(&n));
	n.t.vq[0].ready = false;			/* the driver disabled it */
	EXPECT_FALSE(virtio_net_want_rx(&n));
	n.t.vq[0].ready = true;
	n.t.status = 0x0f | 64;				/* NEEDS_RESET */
	EXPECT_FALSE(virtio_net_want_rx(&n));
	close(p[0]);
	close(p[1]);
	free(d.ram);
}

TEST_HARNESS_MAIN
