// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/virtio/virtio_blk.h"
#include "vmm/virtio/virtio_console.h"
#include "vmm/virtio/virtq.h"

/*
 * Split virtqueues and virtio-blk, driven as a guest driver would: rings
 * and descriptors are written into a fake guest RAM buffer.
 */

#define RAM (256 * 1024)
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define QSZ 16

struct drv {
	uint8_t *ram;
	struct guest_mem m;
	struct virtq q;
	uint16_t avail_idx;
};

static void drv_init(struct drv *d)
{
	d->ram = calloc(1, RAM);
	gmem_init(&d->m, d->ram, RAM);
	virtq_reset(&d->q);
	d->q.size = QSZ;
	d->q.desc = DESC;
	d->q.avail = AVAIL;
	d->q.used = USED;
	d->q.ready = virtq_valid(&d->q, &d->m);
	d->avail_idx = 0;
}

static void desc(struct drv *d, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint8_t *p = d->ram + DESC + 16 * i;

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void offer(struct drv *d, uint16_t head)
{
	memcpy(d->ram + AVAIL + 4 + 2 * (d->avail_idx % QSZ), &head, 2);
	d->avail_idx++;
	memcpy(d->ram + AVAIL + 2, &d->avail_idx, 2);
}

static uint16_t used_idx(struct drv *d)
{
	uint16_t v;

	memcpy(&v, d->ram + USED + 2, 2);
	return v;
}

static uint32_t used_len(struct drv *d, unsigned int slot)
{
	uint32_t v;

	memcpy(&v, d->ram + USED + 4 + 8 * slot + 4, 4);
	return v;
}

TEST(pop_chain_and_push)
{
	struct drv d;
	struct virtq_chain c;
	char buf[8];

	drv_init(&d);
	ASSERT_TRUE(d.q.ready);
	EXPECT_EQ(0, virtq_pop(&d.q, &d.m, &c));
	memcpy(d.ram + 0x8000, "hello", 5);
	desc(&d, 3, 0x8000, 5, 1, 7);		/* readable, NEXT */
	desc(&d, 7, 0x9000, 100, 2, 0);		/* writable */
	offer(&d, 3);
	ASSERT_EQ(1, virtq_pop(&d.q, &d.m, &c));
	EXPECT_EQ(3, c.head);
	EXPECT_EQ(2, c.n);
	EXPECT_EQ(1, c.n_read);
	EXPECT_EQ(5, c.read_len);
	EXPECT_EQ(100, c.write_len);
	EXPECT_EQ(5, virtq_read(&c, 0, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_EQ(3, virtq_write(&c, 97, "xyz", 5));	/* clipped at the end */
	EXPECT_EQ(0, memcmp(d.ram + 0x9000 + 97, "xyz", 3));
	virtq_push(&d.q, &d.m, c.head, 42);
	EXPECT_EQ(1, used_idx(&d));
	EXPECT_EQ(42, used_len(&d, 0));
	EXPECT_EQ(0, virtq_pop(&d.q, &d.m, &c));
	free(d.ram);
}

TEST(loop_is_an_error)
{
	struct drv d;
	struct virtq_chain c;

	drv_init(&d);
	desc(&d, 0, 0x8000, 8, 1, 1);
	desc(&d, 1, 0x8000, 8, 1, 0);		/* 0 -> 1 -> 0 -> ... */
	offer(&d, 0);
	EXPECT_EQ(-1, virtq_pop(&d.q, &d.m, &c));
	EXPECT_TRUE(d.q.broken);
	EXPECT_EQ(-1, virtq_pop(&d.q, &d.m, &c));	/* stays stopped */
	free(d.ram);
}

TEST(bad_chains_are_errors)
{
	struct {
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;
	} cases[] = {
		{ RAM - 4, 8, 0, 0 },		/* runs past the end of RAM */
		{ 0xc0000000ULL, 8, 0, 0 },	/* outside RAM */
		{ 0x8000, 0xffffffff, 0, 0 },	/* huge length */
		{ 0x8000, 8, 4, 0 },		/* indirect, not negotiated */
		{ 0x8000, 8, 1, QSZ },		/* next out of range */
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct drv d;
		struct virtq_chain c;

		drv_init(&d);
		desc(&d, 0, cases[i].addr, cases[i].len, cases[i].flags,
		     cases[i].next);
		offer(&d, 0);
		EXPECT_EQ(-1, virtq_pop(&d.q, &d.m, &c)) TH_LOG("case %u", i);
		free(d.ram);
	}
}

TEST(read_after_write_and_bad_indices)
{
	struct drv d;
	struct virtq_chain c;
	uint16_t idx = 100;

	drv_init(&d);
	desc(&d, 0, 0x8000, 8, 2 | 1, 1);	/* writable, then readable */
	desc(&d, 1, 0x9000, 8, 0, 0);
	offer(&d, 0);
	EXPECT_EQ(-1, virtq_pop(&d.q, &d.m, &c));
	free(d.ram);

	drv_init(&d);
	memcpy(d.ram + AVAIL + 2, &idx, 2);	/* 100 new entries in a 16 ring */
	EXPECT_EQ(-1, virtq_pop(&d.q, &d.m, &c));
	free(d.ram);

	drv_init(&d);
	offer(&d, QSZ);				/* head out of range */
	EXPECT_EQ(-1, virtq_pop(&d.q, &d.m, &c));
	free(d.ram);
}

TEST(ring_validation)
{
	struct drv d;

	drv_init(&d);
	d.q.size = 12;				/* not a power of two */
	EXPECT_FALSE(virtq_valid(&d.q, &d.m));
	d.q.size = QSZ;
	d.q.desc = DESC + 8;			/* misaligned */
	EXPECT_FALSE(virtq_valid(&d.q, &d.m));
	d.q.desc = RAM - 16;			/* table runs past RAM */
	EXPECT_FALSE(virtq_valid(&d.q, &d.m));
	free(d.ram);
}

/* virtio-blk: requests through the queue onto a memfd image. */

static void blk_setup(struct drv *d, struct virtio_blk *b, int fd, bool ro)
{
	struct irq_line none = { NULL, NULL, 0 };

	drv_init(d);
	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->ro = ro;
	b->sectors = 8;
	strcpy(b->id, "unit");
	virtio_blk_attach(b, &d->m, none);
	b->t.vq[0] = d->q;
	b->t.vq[0].ready = true;
}

/* header at 0x8000, data at 0xa000 (len), status at 0xc000 */
static void blk_req(struct drv *d, struct virtio_blk *b, uint32_t type,
		    uint64_t sector, uint32_t len, bool data_write)
{
	uint32_t hdr[4] = { type, 0, (uint32_t)sector, (uint32_t)(sector >> 32) };

	memcpy(d->ram + 0x8000, hdr, 16);
	d->ram[0xc000] = 0xee;
	desc(d, 0, 0x8000, 16, 1, 1);
	if (len) {
		desc(d, 1, 0xa000, len, 1 | (data_write ? 2 : 0), 2);
		desc(d, 2, 0xc000, 1, 2, 0);
	} else {
		desc(d, 1, 0xc000, 1, 2, 0);
	}
	offer(d, 0);
	b->t.vq[0].last_avail = d->avail_idx - 1;
	virtio_blk_process(b);
}

TEST(blk_read_write_flush_and_errors)
{
	struct drv d;
	static struct virtio_blk b;
	int fd = memfd_create("disk", 0);
	char buf[512];

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ftruncate(fd, 8 * 512));
	ASSERT_EQ(5, pwrite(fd, "DISK!", 5, 1024));
	blk_setup(&d, &b, fd, false);

	blk_req(&d, &b, 0, 2, 512, true);		/* IN sector 2 */
	EXPECT_EQ(0, d.ram[0xc000]);
	EXPECT_EQ(0, memcmp(d.ram + 0xa000, "DISK!", 5));
	EXPECT_EQ(513, used_len(&d, 0));

	memcpy(d.ram + 0xa000, "GUEST", 5);
	blk_req(&d, &b, 1, 7, 512, false);		/* OUT last sector */
	EXPECT_EQ(0, d.ram[0xc000]);
	ASSERT_EQ(512, pread(fd, buf, 512, 7 * 512));
	EXPECT_EQ(0, memcmp(buf, "GUEST", 5));

	blk_req(&d, &b, 1, 8, 512, false);		/* past the end */
	EXPECT_EQ(1, d.ram[0xc000]);
	blk_req(&d, &b, 0, ~0ULL, 512, true);		/* sector overflow */
	EXPECT_EQ(1, d.ram[0xc000]);
	blk_req(&d, &b, 0, 0, 100, true);		/* not whole sectors */
	EXPECT_EQ(1, d.ram[0xc000]);
	blk_req(&d, &b, 4, 0, 0, false);		/* FLUSH */
	EXPECT_EQ(0, d.ram[0xc000]);
	blk_req(&d, &b, 8, 0, 20, true);		/* GET_ID */
	EXPECT_EQ(0, d.ram[0xc000]);
	EXPECT_EQ(0, memcmp(d.ram + 0xa000, "unit", 5));
	blk_req(&d, &b, 99, 0, 0, false);		/* unknown type */
	EXPECT_EQ(2, d.ram[0xc000]);
	free(d.ram);

	blk_setup(&d, &b, fd, true);			/* read-only */
	blk_req(&d, &b, 1, 0, 512, false);
	EXPECT_EQ(1, d.ram[0xc000]);
	free(d.ram);
	close(fd);
}

TEST(mmio_handshake)
{
	struct drv d;
	static struct virtio_blk b;
	struct irq_line none = { NULL, NULL, 0 };
	uint8_t v[4];
	uint32_t x;

#define RD(off) (virtio_mmio_io(&b.t, (off), v, 4, false), memcpy(&x, v, 4), x)
#define WR(off, val) (x = (val), memcpy(v, &x, 4), virtio_mmio_io(&b.t, (off), v, 4, true))
	drv_init(&d);
	memset(&b, 0, sizeof(b));
	b.sectors = 2048;
	virtio_blk_attach(&b, &d.m, none);
	EXPECT_EQ(0x74726976, RD(0x000));
	EXPECT_EQ(2, RD(0x004));
	EXPECT_EQ(2, RD(0x008));
	WR(0x014, 1);
	EXPECT_EQ(1, RD(0x010));			/* VERSION_1 */
	WR(0x070, 1 | 2);
	WR(0x024, 0);
	WR(0x020, 0);
	WR(0x070, 1 | 2 | 8);				/* no VERSION_1 */
	EXPECT_EQ(0, RD(0x070) & 8);
	WR(0x024, 1);
	WR(0x020, 1);
	WR(0x070, 1 | 2 | 8);
	EXPECT_EQ(8, RD(0x070) & 8);
	WR(0x030, 0);
	EXPECT_EQ(VIRTQ_MAX_SIZE, RD(0x034));
	WR(0x038, QSZ);
	WR(0x080, DESC);
	WR(0x090, AVAIL);
	WR(0x0a0, 0x3001);				/* misaligned used ring */
	WR(0x044, 1);
	EXPECT_EQ(0, RD(0x044));
	EXPECT_TRUE(RD(0x070) & 64);			/* NEEDS_RESET */
	WR(0x070, 0);					/* reset */
	EXPECT_EQ(0, RD(0x070));
	x = 0;
	virtio_mmio_io(&b.t, 0x100, v, 4, false);	/* capacity, low word */
	memcpy(&x, v, 4);
	EXPECT_EQ(2048, x);
	virtio_mmio_io(&b.t, 0x100 + 22, v, 4, false);	/* past config end */
	memcpy(&x, v, 4);
	EXPECT_EQ(0, x);
	free(d.ram);
}

static char con_out[64];
static int con_room_calls;

static void con_write(void *ctx, const uint8_t *buf, size_t len)
{
	strncat(con_out, (const char *)buf, len);
}

static void con_room(void *ctx)
{
	con_room_calls++;
}

TEST(console_tx_and_rx)
{
	struct drv d;
	static struct virtio_console c;
	struct irq_line none = { NULL, NULL, 0 };
	uint8_t junk[VCON_INBUF + 10];

	drv_init(&d);
	virtio_console_attach(&c, &d.m, none, con_write, con_room, NULL);
	c.t.vq[0] = d.q;			/* receiveq */
	c.t.vq[1] = d.q;			/* transmitq: own rings */
	c.t.vq[1].desc = 0x4000;
	c.t.vq[1].avail = 0x5000;
	c.t.vq[1].used = 0x6000;
	c.t.status = 0x0f;
	/* Input before the guest posts buffers waits in the device. */
	EXPECT_EQ(3, virtio_console_input(&c, (const uint8_t *)"abc", 3));
	EXPECT_EQ(VCON_INBUF - 3, virtio_console_room(&c));
	desc(&d, 0, 0x8000, 2, 2, 0);		/* 2-byte receive buffer */
	offer(&d, 0);
	virtio_console_process(&c);
	EXPECT_EQ(0, memcmp(d.ram + 0x8000, "ab", 2));
	EXPECT_EQ(2, used_len(&d, 0));
	EXPECT_EQ(VCON_INBUF - 1, virtio_console_room(&c));
	/* Output: a readable chain on queue 1. */
	memcpy(d.ram + 0x9000, "hvc!", 4);
	memcpy(d.ram + 0x4000, &(uint64_t){ 0x9000 }, 8);
	memcpy(d.ram + 0x4008, &(uint32_t){ 4 }, 4);
	memcpy(d.ram + 0x5004, &(uint16_t){ 0 }, 2);
	memcpy(d.ram + 0x5002, &(uint16_t){ 1 }, 2);
	virtio_console_process(&c);
	EXPECT_STREQ("hvc!", con_out);
	/* A full input buffer takes no more, and says so when it drains. */
	memset(junk, 'j', sizeof(junk));
	EXPECT_EQ(VCON_INBUF - 1, virtio_console_input(&c, junk, sizeof(junk)));
	EXPECT_EQ(0, virtio_console_room(&c));
	desc(&d, 1, 0xa000, 100, 2, 0);
	offer(&d, 1);
	virtio_console_process(&c);
	EXPECT_EQ(1, con_room_calls);
	EXPECT_EQ(100, virtio_console_room(&c));
	free(d.ram);
}

TEST_HARNESS_MAIN
