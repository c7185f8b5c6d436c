// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/bus.h"
#include "vmm/console.h"
#include "vmm/mem.h"

/* Guest memory bounds, the port bus, and the console escape. */

TEST(gmem_bounds_low_only)
{
	static uint8_t ram[1 << 16];
	struct guest_mem m;

	gmem_init(&m, ram, sizeof(ram));
	EXPECT_EQ((void *)ram, gmem_ptr(&m, 0, sizeof(ram)));
	EXPECT_EQ((void *)(ram + 100), gmem_ptr(&m, 100, 10));
	EXPECT_EQ(NULL, gmem_ptr(&m, sizeof(ram) - 1, 2));
	EXPECT_EQ(NULL, gmem_ptr(&m, sizeof(ram), 0));
	EXPECT_EQ(NULL, gmem_ptr(&m, 0, UINT64_MAX));
	EXPECT_EQ(NULL, gmem_ptr(&m, UINT64_MAX, 1));
	EXPECT_EQ(NULL, gmem_ptr(&m, GUEST_HIGH_BASE, 1));
}

TEST(gmem_split_around_gap)
{
	struct guest_mem m;
	uint8_t *base = (uint8_t *)0x10000000;

	gmem_init(&m, base, 4ULL << 30);
	EXPECT_EQ(GUEST_GAP_START, m.low_size);
	EXPECT_EQ(NULL, gmem_ptr(&m, GUEST_GAP_START - 1, 2));
	EXPECT_EQ(NULL, gmem_ptr(&m, GUEST_GAP_START, 1));
	EXPECT_EQ((void *)(base + GUEST_GAP_START), gmem_ptr(&m, GUEST_HIGH_BASE, 1));
	EXPECT_EQ((void *)(base + (4ULL << 30) - 1),
		  gmem_ptr(&m, GUEST_HIGH_BASE + (1ULL << 30) - 1, 1));
	EXPECT_EQ(NULL, gmem_ptr(&m, GUEST_HIGH_BASE + (1ULL << 30) - 1, 2));
}

static void dev(void *opaque, uint64_t off, uint8_t *d, unsigned int size,
		bool w)
{
	uint64_t *last = opaque;

	*last = off;
	if (!w)
		memset(d, 0x42, size);
}

TEST(bus_dispatch)
{
	struct bus b = { .n = 0 };
	uint64_t last = 99;
	uint8_t d[4];

	ASSERT_EQ(0, bus_add(&b, 0x3f8, 8, dev, &last));
	EXPECT_NE(0, bus_add(&b, 0x3fc, 8, dev, &last));	/* overlap */
	EXPECT_NE(0, bus_add(&b, 0x500, 0, dev, &last));
	EXPECT_TRUE(bus_access(&b, 0x3fd, d, 1, false));
	EXPECT_EQ(5, last);
	EXPECT_EQ(0x42, d[0]);
	EXPECT_FALSE(bus_access(&b, 0x400, d, 4, false));
	EXPECT_EQ(0xffffffffU, bus_get(d, 4));
	bus_put(d, 2, 0x1234);
	EXPECT_EQ(0x1234, bus_get(d, 2));
}

TEST(console_escape)
{
	struct console c = { .in_fd = -1, .out_fd = -1 };
	uint8_t buf[8];
	bool quit = false;

	memcpy(buf, "ab\x01\x01" "c\x01z", 7);
	EXPECT_EQ(4, console_filter(&c, buf, 7, &quit));
	EXPECT_EQ(0, memcmp(buf, "ab\x01" "c", 4));
	EXPECT_FALSE(quit);
	/* The escape may arrive at the end of one read, x in the next. */
	memcpy(buf, "q\x01", 2);
	EXPECT_EQ(1, console_filter(&c, buf, 2, &quit));
	EXPECT_FALSE(quit);
	memcpy(buf, "xyz", 3);
	EXPECT_EQ(0, console_filter(&c, buf, 3, &quit));
	EXPECT_TRUE(quit);
}

TEST_HARNESS_MAIN
