// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/virtio/virtio_blk.h"
#include "vmm/virtio/virtio_console.h"
#include "vmm/virtio/virtio_net.h"
#include "vmm/virtio/virtio_rng.h"
#include "vmm/virtio/virtq.h"
#include "vmm/vm.h"

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

static uint16_t used_idx(struct drv *d)
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

/*
 * Finding 12: another vCPU re-posts the chain the device just took, every
 * time; each pass must end after at most a queue's worth of chains and
 * leave the rest to the virtio worker (t->defer). The "other vCPU" runs
 * where the device lets go of the VMM's lock, or (console) where it hands
 * out the guest's bytes. REPOSTS bounds the attack when nothing else does.
 */
#define REPOSTS 10000

struct attack {
	struct drv *d;
	uint16_t head;
	int reposts, defers;
};

static struct attack atk;

static void repost(void)
{
	if (atk.reposts < REPOSTS) {
		atk.reposts++;
		offer(atk.d, atk.head);
	}
}

static void attack_unlock(void *ctx)
{
	repost();
}

static void attack_relock(void *ctx)
{
}

static void attack_defer(void *ctx)
{
	atk.defers++;
}

/* Wire transport t to the attack on queue q, with one chain posted. */
static void attack_on(struct virtio_mmio *t, struct drv *d, unsigned int q,
		      uint16_t head)
{
	memset(&atk, 0, sizeof(atk));
	atk.d = d;
	atk.head = head;
	t->vq[q] = d->q;
	t->status = 0x0f;
	t->unlock = attack_unlock;
	t->relock = attack_relock;
	t->defer = attack_defer;
	offer(d, head);
}

/* One pass, then the deferred rest as the worker would run it. */
static void expect_bounded(struct __test_metadata *_metadata,
			   struct virtio_mmio *t, struct drv *d, unsigned int q,
			   void (*pass)(struct virtio_mmio *t))
{
	pass(t);
	EXPECT_LE(used_idx(d), d->qsz);
	EXPECT_GE(used_idx(d), d->qsz - 1);
	EXPECT_EQ(1, atk.defers);
	EXPECT_EQ(1u << q, t->deferred);
	virtio_mmio_run_deferred(t);
	EXPECT_LE(used_idx(d), 2 * d->qsz);
	EXPECT_GT(used_idx(d), d->qsz);
	EXPECT_EQ(2, atk.defers);
}

static void blk_pass(struct virtio_mmio *t)
{
	virtio_blk_process(t->dev);
}

TEST(blk_pass_is_bounded)
{
	static struct virtio_blk b;
	struct irq_line none = { NULL, NULL, 0 };
	int fd = memfd_create("disk", 0);
	struct drv d;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	drv_init(&d, 16);
	memset(&b, 0, sizeof(b));
	b.fd = fd;
	b.sectors = 8;
	virtio_blk_attach(&b, &d.m, none);
	/* FLUSH: each turn an fdatasync. */
	memcpy(d.ram + 0x8000, (uint32_t[4]){ 4, 0, 0, 0 }, 16);
	desc(&d, 0, 0x8000, 16, 1, 1);
	desc(&d, 1, 0x9000, 1, 2, 0);
	attack_on(&b.t, &d, 0, 0);
	expect_bounded(_metadata, &b.t, &d, 0, blk_pass);
	EXPECT_EQ(0, d.ram[0x9000]);
	close(fd);
	free(d.ram);
}

static void rng_pass(struct virtio_mmio *t)
{
	virtio_rng_process(t->dev);
}

TEST(rng_pass_is_bounded)
{
	static struct virtio_rng r;
	struct irq_line none = { NULL, NULL, 0 };
	struct drv d;

	drv_init(&d, 16);
	virtio_rng_attach(&r, &d.m, none);
	desc(&d, 3, 0x8000, 64, 2, 0);
	attack_on(&r.t, &d, 0, 3);
	expect_bounded(_metadata, &r.t, &d, 0, rng_pass);
	free(d.ram);
}

/* A huge buffer gets a bounded amount of entropy, not all it asks for. */
TEST(rng_chain_is_capped)
{
	static struct virtio_rng r;
	struct irq_line none = { NULL, NULL, 0 };
	struct drv d;
	uint32_t len;

	drv_init(&d, 16);
	virtio_rng_attach(&r, &d.m, none);
	desc(&d, 0, 0x10000, RAM - 0x10000, 2, 0);
	r.t.vq[0] = d.q;
	offer(&d, 0);
	virtio_rng_process(&r);
	ASSERT_EQ(1, used_idx(&d));
	memcpy(&len, d.ram + USED + 8, 4);
	EXPECT_LE(len, 65536);
	EXPECT_GT(len, 0);
	free(d.ram);
}

static void net_pass(struct virtio_mmio *t)
{
	virtio_net_tx(t->dev);
}

TEST(net_tx_pass_is_bounded)
{
	static struct virtio_net n;
	struct irq_line none = { NULL, NULL, 0 };
	struct drv d;

	drv_init(&d, 16);
	memset(&n, 0, sizeof(n));
	n.tap = -1;
	virtio_net_attach(&n, &d.m, none, NULL, NULL);
	desc(&d, 0, 0x8000, 60, 0, 0);
	attack_on(&n.t, &d, 1, 0);
	expect_bounded(_metadata, &n.t, &d, 1, net_pass);
	free(d.ram);
}

static void con_out(void *ctx, const uint8_t *buf, size_t len)
{
	repost();
}

static void con_pass(struct virtio_mmio *t)
{
	virtio_console_process(t->dev);
}

TEST(console_tx_pass_is_bounded)
{
	static struct virtio_console c;
	struct irq_line none = { NULL, NULL, 0 };
	struct drv d;

	drv_init(&d, 16);
	virtio_console_attach(&c, &d.m, none, con_out, NULL, NULL);
	desc(&d, 0, 0x8000, 4, 0, 0);
	attack_on(&c.t, &d, 1, 0);
	expect_bounded(_metadata, &c.t, &d, 1, con_pass);
	free(d.ram);
}

/*
 * The VM's virtio worker against a guest that never stops re-posting: it
 * goes on with the passes a notify left over, one bounded pass at a time,
 * and between them the VMM's lock is free for the timers, console input
 * and signals (here: the test thread, which must get it 200 times).
 */
static struct vm wvm;
static int endless_outs;

static void endless_out(void *ctx, const uint8_t *buf, size_t len)
{
	offer(atk.d, atk.head);		/* under wvm.lock, in the worker */
	endless_outs++;
}

TEST(worker_continues_and_lets_go_of_the_lock)
{
	struct irq_line none = { NULL, NULL, 0 };
	struct virtio_console *c = &wvm.vcon;
	struct drv d;
	int seen = 0;

	drv_init(&d, 16);
	pthread_mutex_init(&wvm.lock, NULL);
	pthread_cond_init(&wvm.wake, NULL);
	pthread_cond_init(&wvm.work, NULL);
	virtio_console_attach(c, &d.m, none, endless_out, NULL, NULL);
	vm_virtio_add(&wvm, &c->t);
	c->t.vq[1] = d.q;
	c->t.status = 0x0f;
	desc(&d, 0, 0x8000, 4, 0, 0);
	atk.d = &d;
	atk.head = 0;
	offer(&d, 0);
	ASSERT_EQ(0, vm_virtio_worker_start(&wvm));
	alarm(20);		/* a lock never let go is a failure */
	pthread_mutex_lock(&wvm.lock);
	virtio_console_process(c);	/* the notify's pass: 16 chains */
	EXPECT_EQ(16, endless_outs);
	pthread_mutex_unlock(&wvm.lock);
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&wvm.lock);
		seen = endless_outs;
		pthread_mutex_unlock(&wvm.lock);
		usleep(1000);
	}
	EXPECT_GT(seen, 16);		/* the worker took over */
	pthread_mutex_lock(&wvm.lock);
	wvm.stopping = true;
	pthread_cond_broadcast(&wvm.work);
	pthread_mutex_unlock(&wvm.lock);
	pthread_join(wvm.worker, NULL);
	alarm(0);
	free(d.ram);
}

/*
 * Finding 16: a chain may use every descriptor of its queue (virtio 1.2,
 * 2.7.5.2); 64 segments was an arbitrary limit that broke the queue.
 */
TEST(chain_as_long_as_the_queue)
{
	static struct virtq_chain c;
	struct drv d;

	drv_init(&d, 256);
	for (uint16_t i = 0; i < 199; i++)
		desc(&d, i, 0x10000 + 16 * i, 16, 1, i + 1);
	desc(&d, 199, 0x20000, 16, 2, 0);
	offer(&d, 0);
	ASSERT_EQ(1, virtq_pop(&d.q, &d.m, &c));
	EXPECT_EQ(200, c.n);
	EXPECT_EQ(199, c.n_read);
	EXPECT_FALSE(d.q.broken);
	free(d.ram);
}

/* A write of 200 one-sector segments through virtio-blk. */
TEST(blk_request_with_200_segments)
{
	static struct virtio_blk b;
	struct irq_line none = { NULL, NULL, 0 };
	int fd = memfd_create("disk", 0);
	uint8_t sector[512];
	struct drv d;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ftruncate(fd, 256 * 512));
	drv_init(&d, 256);
	memset(&b, 0, sizeof(b));
	b.fd = fd;
	b.sectors = 256;
	virtio_blk_attach(&b, &d.m, none);
	b.t.vq[0] = d.q;
	b.t.driver_features = 1ULL << 9;		/* FLUSH */
	memcpy(d.ram + 0x8000, (uint32_t[4]){ 1, 0, 0, 0 }, 16);	/* OUT */
	desc(&d, 0, 0x8000, 16, 1, 1);
	for (uint16_t i = 1; i <= 200; i++) {
		memset(d.ram + 0x10000 + 512 * i, i, 512);
		desc(&d, i, 0x10000 + 512 * i, 512, 1, i + 1);
	}
	desc(&d, 201, 0x9000, 1, 2, 0);
	d.ram[0x9000] = 0xee;
	offer(&d, 0);
	virtio_blk_process(&b);
	EXPECT_EQ(1, used_idx(&d));
	EXPECT_EQ(0, d.ram[0x9000]);
	ASSERT_EQ(512, pread(fd, sector, 512, 199 * 512));
	EXPECT_EQ(200, sector[0]);
	EXPECT_FALSE(b.t.vq[0].broken);
	close(fd);
	free(d.ram);
}

static int irq_level;

static void irq_pin(void *ctx, unsigned int irq, int level)
{
	irq_level = level;
}

static uint32_t mmio_rd(struct virtio_mmio *t, uint64_t off)
{
	uint8_t v[4];
	uint32_t x;

	virtio_mmio_io(t, off, v, 4, false);
	memcpy(&x, v, 4);
	return x;
}

static void mmio_wr(struct virtio_mmio *t, uint64_t off, uint32_t x)
{
	uint8_t v[4];

	memcpy(v, &x, 4);
	virtio_mmio_io(t, off, v, 4, true);
}

/*
 * A driver that breaks the rules (a descriptor loop) on a live device:
 * DEVICE_NEEDS_RESET and a configuration change interrupt (virtio 1.2,
 * 2.1.2), not a queue that stops without a word. A reset recovers.
 */
TEST(broken_queue_needs_reset)
{
	static struct virtio_blk b;
	struct irq_line pin = { irq_pin, NULL, 5 };
	struct drv d;

	drv_init(&d, 16);
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	virtio_blk_attach(&b, &d.m, pin);
	b.t.vq[0] = d.q;
	b.t.status = 0x0f;
	desc(&d, 0, 0x8000, 16, 1, 1);
	desc(&d, 1, 0x8000, 16, 1, 0);			/* 0 -> 1 -> 0 ... */
	offer(&d, 0);
	irq_level = 0;
	mmio_wr(&b.t, 0x050, 0);			/* QueueNotify */
	EXPECT_TRUE(b.t.vq[0].broken);
	EXPECT_EQ(64, mmio_rd(&b.t, 0x070) & 64);	/* DEVICE_NEEDS_RESET */
	EXPECT_EQ(2, mmio_rd(&b.t, 0x060) & 2);		/* configuration change */
	EXPECT_EQ(1, irq_level);
	mmio_wr(&b.t, 0x064, 2);			/* InterruptACK */
	EXPECT_EQ(0, irq_level);
	mmio_wr(&b.t, 0x070, 0);			/* reset */
	EXPECT_EQ(0, mmio_rd(&b.t, 0x070));
	EXPECT_FALSE(b.t.vq[0].broken);
	free(d.ram);
}

/* Before DRIVER_OK the driver reads the status itself: no interrupt. */
TEST(bad_ring_before_driver_ok_no_interrupt)
{
	static struct virtio_blk b;
	struct irq_line pin = { irq_pin, NULL, 5 };
	struct drv d;

	drv_init(&d, 16);
	memset(&b, 0, sizeof(b));
	b.fd = -1;
	virtio_blk_attach(&b, &d.m, pin);
	irq_level = 0;
	mmio_wr(&b.t, 0x070, 1 | 2 | 8);
	mmio_wr(&b.t, 0x038, 16);
	mmio_wr(&b.t, 0x0a0, 0x3001);			/* misaligned used ring */
	mmio_wr(&b.t, 0x044, 1);
	EXPECT_EQ(64, mmio_rd(&b.t, 0x070) & 64);
	EXPECT_EQ(0, mmio_rd(&b.t, 0x060));
	EXPECT_EQ(0, irq_level);
	free(d.ram);
}

/*
 * Writes are stable before they complete when the driver declined
 * VIRTIO_BLK_F_FLUSH (virtio 1.2, 5.2.6.2: write-through); with FLUSH
 * negotiated they wait for the driver's flush. The test program's own
 * fdatasync() counts the calls the device makes.
 */
static int syncs;

int fdatasync(int fd)
{
	syncs++;
	return (int)syscall(SYS_fdatasync, fd);
}

TEST(blk_write_through_without_flush)
{
	static struct virtio_blk b;
	struct irq_line none = { NULL, NULL, 0 };
	int fd = memfd_create("disk", 0);
	struct drv d;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ftruncate(fd, 8 * 512));
	for (int flush = 0; flush < 2; flush++) {
		drv_init(&d, 16);
		memset(&b, 0, sizeof(b));
		b.fd = fd;
		b.sectors = 8;
		virtio_blk_attach(&b, &d.m, none);
		b.t.vq[0] = d.q;
		b.t.driver_features = 1ULL << 32 | (flush ? 1ULL << 9 : 0);
		memcpy(d.ram + 0x8000, (uint32_t[4]){ 1, 0, 3, 0 }, 16);
		desc(&d, 0, 0x8000, 16, 1, 1);
		desc(&d, 1, 0xa000, 512, 1, 2);
		desc(&d, 2, 0x9000, 1, 2, 0);
		d.ram[0x9000] = 0xee;
		offer(&d, 0);
		syncs = 0;
		virtio_blk_process(&b);
		EXPECT_EQ(0, d.ram[0x9000]);
		EXPECT_EQ(flush ? 0 : 1, syncs) TH_LOG("FLUSH %s",
						      flush ? "on" : "off");
		free(d.ram);
	}
	close(fd);
}

TEST_HARNESS_MAIN

