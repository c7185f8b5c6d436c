// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"

#include <libfdt.h>

#include "vmm/arm64/fdt.h"
#include "vmm/arm64/image.h"
#include "vmm/arm64/layout.h"
#include "vmm/virtio/virtio_mmio.h"

/*
 * The arm64 Image loader against synthetic headers, and the device tree
 * read back with libfdt.
 */

#define MEM (128ULL << 20)
#define SZ_2M (2ULL << 20)

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A header as Debian's 6.1 kernel has it: text_offset 0, 4K, anywhere. */
static uint8_t *fake_image(size_t len, uint64_t text_offset,
			   uint64_t image_size, uint64_t flags)
{
	uint8_t *k = calloc(1, len);

	for (size_t i = 64; i < len; i++)
		k[i] = (uint8_t)(i * 7);
	k[0] = 'M';
	k[1] = 'Z';
	put64(k + 8, text_offset);
	put64(k + 16, image_size);
	put64(k + 24, flags);
	memcpy(k + 56, "ARM\x64", 4);
	return k;
}

FIXTURE(image) {
	struct guest_mem m;
	struct arm64_boot b;
	char err[256];
};

FIXTURE_SETUP(image)
{
	gmem_init_flat(&self->m, calloc(1, MEM), ARM64_RAM_BASE, MEM);
	ASSERT_NE(NULL, self->m.host);
	memset(&self->b, 0, sizeof(self->b));
	self->err[0] = 0;
}

FIXTURE_TEARDOWN(image)
{
	free(self->m.host);
}

TEST_F(image, header_fields)
{
	struct arm64_image img;
	uint8_t *k = fake_image(4096, 0x80000, 0x10000, 0xa);

	ASSERT_EQ(0, arm64_image_parse(k, 4096, &img, self->err, sizeof(self->err)));
	EXPECT_EQ(0x80000, img.text_offset);
	EXPECT_EQ(0x10000, img.image_size);
	EXPECT_EQ(0xa, img.flags);
	free(k);
}

TEST_F(image, bad_headers)
{
	struct arm64_image img;
	uint8_t *k = fake_image(4096, 0, 0x10000, 0xa);

	/* Too short for a header. */
	EXPECT_EQ(-1, arm64_image_parse(k, 63, &img, self->err, sizeof(self->err)));
	/* No magic; a gzip file is named as such. */
	k[56] = 'X';
	EXPECT_EQ(-1, arm64_image_parse(k, 4096, &img, self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "not an arm64 Image"));
	k[0] = 0x1f;
	k[1] = 0x8b;
	EXPECT_EQ(-1, arm64_image_parse(k, 4096, &img, self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "gzip"));
	free(k);
	/* Big-endian. */
	k = fake_image(4096, 0, 0x10000, 0xb);
	EXPECT_EQ(-1, arm64_image_parse(k, 4096, &img, self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "big-endian"));
	free(k);
	/* No image_size (before 3.17): its BSS is unknown. */
	k = fake_image(4096, 0x80000, 0, 0);
	EXPECT_EQ(-1, arm64_image_parse(k, 4096, &img, self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "image_size"));
	free(k);
	/* image_size smaller than the file. */
	k = fake_image(8192, 0, 4096, 0xa);
	EXPECT_EQ(-1, arm64_image_parse(k, 8192, &img, self->err, sizeof(self->err)));
	free(k);
	/* text_offset past the 2 MiB block, or not page-aligned. */
	k = fake_image(4096, SZ_2M, 0x10000, 0xa);
	EXPECT_EQ(-1, arm64_image_parse(k, 4096, &img, self->err, sizeof(self->err)));
	free(k);
	k = fake_image(4096, 0x80010, 0x10000, 0xa);
	EXPECT_EQ(-1, arm64_image_parse(k, 4096, &img, self->err, sizeof(self->err)));
	free(k);
}

TEST_F(image, kernel_initrd_dtb_placement)
{
	const size_t klen = 64 * 1024, rdlen = 3 * 4096 + 5;
	uint8_t *k = fake_image(klen, 0x80000, 8 << 20, 0xa);
	uint8_t *rd = malloc(rdlen);
	uint8_t *p;

	memset(rd, 0x5a, rdlen);
	ASSERT_EQ(0, arm64_load(&self->m, k, klen, rd, rdlen, &self->b,
				self->err, sizeof(self->err))) {
		TH_LOG("%s", self->err);
	}
	/* The kernel text_offset above the 2 MiB-aligned start of RAM. */
	EXPECT_EQ(ARM64_RAM_BASE + 0x80000, self->b.entry);
	EXPECT_EQ(self->b.entry + (8 << 20), self->b.kernel_end);
	p = gmem_ptr(&self->m, self->b.entry, klen);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, memcmp(p, k, klen));
	/* The DTB: its own 2 MiB region at the top of RAM. */
	EXPECT_EQ(ARM64_RAM_BASE + MEM - SZ_2M, self->b.dtb);
	EXPECT_EQ(0, self->b.dtb % SZ_2M);
	/* The initrd: page-aligned, whole, below the DTB, above the kernel. */
	EXPECT_EQ(0, self->b.initrd_start & 0xfff);
	EXPECT_EQ(self->b.initrd_start + rdlen, self->b.initrd_end);
	EXPECT_LE(self->b.initrd_end, self->b.dtb);
	EXPECT_GE(self->b.initrd_start, self->b.kernel_end);
	EXPECT_GT(self->b.initrd_start + 4096, self->b.dtb - rdlen);
	p = gmem_ptr(&self->m, self->b.initrd_start, rdlen);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, memcmp(p, rd, rdlen));
	free(k);
	free(rd);
}

TEST_F(image, no_initrd)
{
	uint8_t *k = fake_image(4096, 0, 4096, 0xa);

	ASSERT_EQ(0, arm64_load(&self->m, k, 4096, NULL, 0, &self->b,
				self->err, sizeof(self->err)));
	EXPECT_EQ(ARM64_RAM_BASE, self->b.entry);
	EXPECT_EQ(0, self->b.initrd_start);
	EXPECT_EQ(0, self->b.initrd_end);
	free(k);
}

TEST_F(image, too_little_memory)
{
	/* image_size leaves no 2 MiB for the DTB. */
	uint8_t *k = fake_image(4096, 0, MEM - SZ_2M + 4096, 0xa);
	uint8_t rd[4096] = { 0 };

	EXPECT_EQ(-1, arm64_load(&self->m, k, 4096, NULL, 0, &self->b,
				 self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "RAM"));
	free(k);
	/* Exactly enough for the kernel and the DTB, none for an initrd. */
	k = fake_image(4096, 0, MEM - SZ_2M, 0xa);
	EXPECT_EQ(0, arm64_load(&self->m, k, 4096, NULL, 0, &self->b,
				self->err, sizeof(self->err)));
	EXPECT_EQ(-1, arm64_load(&self->m, k, 4096, rd, sizeof(rd), &self->b,
				 self->err, sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "initrd:", 7));
	free(k);
}

/* Huge sizes must not wrap past the checks. */
TEST_F(image, hostile_sizes)
{
	uint8_t *k = fake_image(4096, 0x1000, ~0ULL, 0xa);
	uint8_t rd[16] = { 0 };

	EXPECT_EQ(-1, arm64_load(&self->m, k, 4096, NULL, 0, &self->b,
				 self->err, sizeof(self->err)));
	free(k);
	k = fake_image(4096, 0x1000, ~0ULL - 0xfff, 0xa);
	EXPECT_EQ(-1, arm64_load(&self->m, k, 4096, NULL, 0, &self->b,
				 self->err, sizeof(self->err)));
	free(k);
	k = fake_image(4096, 0, 4096, 0xa);
	EXPECT_EQ(-1, arm64_load(&self->m, k, 4096, rd, ~(size_t)0, &self->b,
				 self->err, sizeof(self->err)));
	free(k);
}

/*
 * More RAM than 1 GiB: the DTB and initrd still at the top of RAM (the
 * window starts at the 1 GiB-aligned base); past 32 GiB they stay inside
 * the first 32 GiB.
 */
TEST(image_big_ram)
{
	const uint64_t sizes[] = { 3ULL << 30, 40ULL << 30 };

	for (unsigned int i = 0; i < 2; i++) {
		struct guest_mem m;
		struct arm64_boot b;
		char err[256];
		uint8_t *k = fake_image(4096, 0, 4096, 0xa);
		uint8_t rd[100] = { 1 };
		uint64_t top;
		void *host = mmap(NULL, sizes[i], PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);

		ASSERT_NE(MAP_FAILED, host);
		gmem_init_flat(&m, host, ARM64_RAM_BASE, sizes[i]);
		ASSERT_EQ(0, arm64_load(&m, k, 4096, rd, sizeof(rd), &b, err,
					sizeof(err)));
		top = ARM64_RAM_BASE + (sizes[i] < (32ULL << 30) ? sizes[i] :
					32ULL << 30);
		EXPECT_EQ(top - SZ_2M, b.dtb);
		EXPECT_EQ(b.dtb - 4096, b.initrd_start);
		munmap(host, sizes[i]);
		free(k);
	}
}

/* RAM at a base: nothing below it or past its end is RAM. */
TEST(flat_memory)
{
	static uint8_t ram[8192];
	struct guest_mem m;

	gmem_init_flat(&m, ram, ARM64_RAM_BASE, sizeof(ram));
	EXPECT_EQ(ARM64_RAM_BASE, m.base);
	EXPECT_EQ(0, gmem_high_size(&m));
	EXPECT_EQ((void *)ram, gmem_ptr(&m, ARM64_RAM_BASE, sizeof(ram)));
	EXPECT_EQ((void *)(ram + 100), gmem_ptr(&m, ARM64_RAM_BASE + 100, 1));
	EXPECT_EQ(NULL, gmem_ptr(&m, 0, 1));
	EXPECT_EQ(NULL, gmem_ptr(&m, ARM64_RAM_BASE - 1, 2));
	EXPECT_EQ(NULL, gmem_ptr(&m, ARM64_RAM_BASE + sizeof(ram), 1));
	EXPECT_EQ(NULL, gmem_ptr(&m, ARM64_RAM_BASE + 1, sizeof(ram)));
	EXPECT_EQ(NULL, gmem_ptr(&m, ARM64_RAM_BASE + 1, ~0ULL));
	/* The x86 high block's address is not RAM here. */
	EXPECT_EQ(NULL, gmem_ptr(&m, GUEST_HIGH_BASE, 1));
}

/* --- the device tree --- */

static const fdt32_t *prop32(const void *fdt, const char *path,
			     const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path);

	if (node < 0)
		return NULL;
	return fdt_getprop(fdt, node, name, len);
}

static uint64_t cell64(const fdt32_t *p, int i)
{
	return (uint64_t)fdt32_to_cpu(p[2 * i]) << 32 | fdt32_to_cpu(p[2 * i + 1]);
}

FIXTURE(dt) {
	uint8_t buf[65536];
	struct arm64_fdt c;
};

FIXTURE_SETUP(dt)
{
	memset(self->buf, 0, sizeof(self->buf));
	self->c = (struct arm64_fdt){
		.ram_base = ARM64_RAM_BASE,
		.ram_size = 512ULL << 20,
		.cpus = 3,
		.bootargs = "console=ttyS0 panic=-1",
		.initrd_start = 0x9fc00000,
		.initrd_end = 0x9fd00123,
		.virtio_slots = 0x5,	/* slots 0 and 2 */
	};
}

FIXTURE_TEARDOWN(dt)
{
}

TEST_F(dt, reads_back)
{
	const void *fdt = self->buf;
	const fdt32_t *p;
	const char *s;
	int len, node, n;

	ASSERT_EQ(0, arm64_fdt_build(self->buf, sizeof(self->buf), &self->c));
	ASSERT_EQ(0, fdt_check_header(fdt));
	EXPECT_LE(fdt_totalsize(fdt), sizeof(self->buf));

	/* Root: 2 address and size cells, interrupts to the GIC. */
	p = prop32(fdt, "/", "#address-cells", &len);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(2, fdt32_to_cpu(p[0]));
	p = prop32(fdt, "/", "interrupt-parent", &len);
	ASSERT_NE(NULL, p);
	node = fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(p[0]));
	ASSERT_GE(node, 0);
	EXPECT_EQ(0, fdt_node_check_compatible(fdt, node, "arm,gic-v3"));

	/* chosen */
	s = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", &len);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("console=ttyS0 panic=-1", s);
	p = prop32(fdt, "/chosen", "linux,initrd-start", &len);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(8, len);
	EXPECT_EQ(0x9fc00000, cell64(p, 0));
	p = prop32(fdt, "/chosen", "linux,initrd-end", &len);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0x9fd00123, cell64(p, 0));
	s = fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "stdout-path", &len);
	ASSERT_NE(NULL, s);
	node = fdt_path_offset(fdt, s);
	ASSERT_GE(node, 0);
	EXPECT_EQ(0, fdt_node_check_compatible(fdt, node, "ns16550a"));
	p = fdt_getprop(fdt, node, "reg", &len);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(ARM64_UART_BASE, cell64(p, 0));
	p = fdt_getprop(fdt, node, "interrupts", &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(12, len);
	EXPECT_EQ(0, fdt32_to_cpu(p[0]));		/* SPI */
	EXPECT_EQ(ARM64_UART_SPI, fdt32_to_cpu(p[1]));
	EXPECT_EQ(4, fdt32_to_cpu(p[2]));		/* level, high */
	EXPECT_NE(NULL, fdt_getprop(fdt, node, "clock-frequency", &len));

	/* memory */
	node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory",
					     sizeof("memory"));
	ASSERT_GE(node, 0);
	p = fdt_getprop(fdt, node, "reg", &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(16, len);
	EXPECT_EQ(ARM64_RAM_BASE, cell64(p, 0));
	EXPECT_EQ(512ULL << 20, cell64(p, 1));

	/* cpus: one node each, PSCI enable method, reg = MPIDR Aff0. */
	n = 0;
	fdt_for_each_subnode(node, fdt, fdt_path_offset(fdt, "/cpus")) {
		s = fdt_getprop(fdt, node, "enable-method", &len);
		ASSERT_NE(NULL, s);
		EXPECT_STREQ("psci", s);
		p = fdt_getprop(fdt, node, "reg", &len);
		ASSERT_NE(NULL, p);
		EXPECT_EQ(n, fdt32_to_cpu(p[0]));
		n++;
	}
	EXPECT_EQ(3, n);
	node = fdt_path_offset(fdt, "/psci");
	ASSERT_GE(node, 0);
	EXPECT_STREQ("hvc", fdt_getprop(fdt, node, "method", &len));
	EXPECT_EQ(0, fdt_node_check_compatible(fdt, node, "arm,psci-0.2"));

	/* GIC: distributor, then redistributors for every CPU. */
	node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
	ASSERT_GE(node, 0);
	EXPECT_NE(NULL, fdt_getprop(fdt, node, "interrupt-controller", &len));
	p = fdt_getprop(fdt, node, "#interrupt-cells", &len);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(3, fdt32_to_cpu(p[0]));
	p = fdt_getprop(fdt, node, "reg", &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(32, len);
	EXPECT_EQ(ARM64_GICD_BASE, cell64(p, 0));
	EXPECT_EQ(ARM64_GICD_SIZE, cell64(p, 1));
	EXPECT_EQ(ARM64_GICR_BASE, cell64(p, 2));
	EXPECT_EQ(3 * ARM64_GICR_STRIDE, cell64(p, 3));

	/* Timer: four PPIs, the virtual one 11 (INTID 27). */
	node = fdt_node_offset_by_compatible(fdt, -1, "arm,armv8-timer");
	ASSERT_GE(node, 0);
	p = fdt_getprop(fdt, node, "interrupts", &len);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(48, len);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(1, fdt32_to_cpu(p[3 * i]));	/* PPI */
	EXPECT_EQ(13, fdt32_to_cpu(p[1]));
	EXPECT_EQ(14, fdt32_to_cpu(p[4]));
	EXPECT_EQ(11, fdt32_to_cpu(p[7]));
	EXPECT_EQ(10, fdt32_to_cpu(p[10]));

	/* virtio-mmio: exactly the slots in use, each with its SPI. */
	n = 0;
	for (node = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio");
	     node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) {
		unsigned int slot = n ? 2 : 0;

		p = fdt_getprop(fdt, node, "reg", &len);
		ASSERT_NE(NULL, p);
		EXPECT_EQ(ARM64_VIRTIO_BASE + slot * VIRTIO_MMIO_SIZE, cell64(p, 0));
		EXPECT_EQ(VIRTIO_MMIO_SIZE, cell64(p, 1));
		p = fdt_getprop(fdt, node, "interrupts", &len);
		ASSERT_NE(NULL, p);
		EXPECT_EQ(ARM64_VIRTIO_SPI + slot, fdt32_to_cpu(p[1]));
		n++;
	}
	EXPECT_EQ(2, n);
}

TEST_F(dt, no_initrd_no_virtio)
{
	int len;

	self->c.initrd_start = self->c.initrd_end = 0;
	self->c.virtio_slots = 0;
	ASSERT_EQ(0, arm64_fdt_build(self->buf, sizeof(self->buf), &self->c));
	EXPECT_EQ(NULL, prop32(self->buf, "/chosen", "linux,initrd-start", &len));
	EXPECT_GT(0, fdt_node_offset_by_compatible(self->buf, -1, "virtio,mmio"));
}

/* A buffer too small is an error, never an overflow (ASan watches). */
TEST_F(dt, too_small)
{
	uint8_t *small = malloc(256);

	EXPECT_EQ(-FDT_ERR_NOSPACE, arm64_fdt_build(small, 256, &self->c));
	free(small);
}

TEST_HARNESS_MAIN
