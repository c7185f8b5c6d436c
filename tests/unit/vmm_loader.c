// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include <glob.h>
#include <stdio.h>
#include <unistd.h>

#include <asm/bootparam.h>

#include "vmm/x86/loader.h"

/* bzImage loading against a synthetic image and Debian's real kernel. */

#define MEM (64ULL << 20)
#define SETUP_SECTS 4
#define PM_LEN 0x3000

struct fake {
	uint8_t *img;
	size_t len;
	struct setup_header *hdr;
};

static void fake_init(struct fake *f)
{
	f->len = (SETUP_SECTS + 1) * 512 + PM_LEN;
	f->img = calloc(1, f->len);
	f->hdr = (struct setup_header *)(f->img + 0x1f1);
	f->hdr->setup_sects = SETUP_SECTS;
	f->hdr->boot_flag = 0xaa55;
	f->hdr->jump = 0x6aeb;
	f->hdr->header = 0x53726448;
	f->hdr->version = 0x020f;
	f->hdr->xloadflags = XLF_KERNEL_64;
	f->hdr->relocatable_kernel = 1;
	f->hdr->pref_address = 0x1000000;
	f->hdr->init_size = 0x800000;
	f->hdr->cmdline_size = 2047;
	f->hdr->initrd_addr_max = 0x7fffffff;
	f->hdr->syssize = PM_LEN / 16;
	for (size_t i = (SETUP_SECTS + 1) * 512; i < f->len; i++)
		f->img[i] = (uint8_t)i;
}

FIXTURE(loader) {
	struct guest_mem m;
	struct fake f;
	struct boot_image bi;
	struct boot_entry e;
	char err[256];
};

FIXTURE_SETUP(loader)
{
	gmem_init(&self->m, calloc(1, MEM), MEM);
	ASSERT_NE(NULL, self->m.host);
	fake_init(&self->f);
	memset(&self->bi, 0, sizeof(self->bi));
	self->bi.kernel = self->f.img;
	self->bi.kernel_len = self->f.len;
	self->bi.cmdline = "console=ttyS0";
	self->bi.rsdp = 0xe0000;
	self->err[0] = 0;
}

FIXTURE_TEARDOWN(loader)
{
	free(self->m.host);
	free(self->f.img);
}

TEST_F(loader, boot_params_and_entry)
{
	struct boot_params *bp;
	uint64_t *gdt, *pml4, *pd;

	ASSERT_EQ(0, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				    sizeof(self->err))) TH_LOG("%s", self->err);
	EXPECT_EQ(0x100200, self->e.rip);
	EXPECT_EQ(BOOT_PARAMS, self->e.rsi);
	EXPECT_EQ(0, memcmp(self->m.host + 0x100000,
			    self->f.img + (SETUP_SECTS + 1) * 512, PM_LEN));
	bp = (struct boot_params *)(self->m.host + BOOT_PARAMS);
	EXPECT_EQ(0xaa55, bp->hdr.boot_flag);
	EXPECT_EQ(0x020f, bp->hdr.version);
	EXPECT_EQ(0xff, bp->hdr.type_of_loader);
	EXPECT_EQ(BOOT_CMDLINE, bp->hdr.cmd_line_ptr);
	EXPECT_STREQ("console=ttyS0", (char *)self->m.host + BOOT_CMDLINE);
	EXPECT_EQ(0, bp->hdr.ramdisk_image);
	EXPECT_EQ(0xe0000, bp->acpi_rsdp_addr);
	/* e820: low RAM, EBDA, BIOS area, RAM from 1 MiB to the end. */
	ASSERT_EQ(4, bp->e820_entries);
	EXPECT_EQ(0, bp->e820_table[0].addr);
	EXPECT_EQ(1, bp->e820_table[0].type);
	EXPECT_EQ(2, bp->e820_table[1].type);
	EXPECT_EQ(0xe0000, bp->e820_table[2].addr);
	EXPECT_EQ(2, bp->e820_table[2].type);
	EXPECT_EQ(0x100000, bp->e820_table[3].addr);
	EXPECT_EQ(MEM - 0x100000, bp->e820_table[3].size);
	EXPECT_EQ(1, bp->e820_table[3].type);
	/* GDT and identity page tables. */
	gdt = (uint64_t *)(self->m.host + BOOT_GDT);
	EXPECT_EQ(0x00af9b000000ffffULL, gdt[BOOT_CS / 8]);
	EXPECT_EQ(0x00cf93000000ffffULL, gdt[BOOT_DS / 8]);
	pml4 = (uint64_t *)(self->m.host + self->e.cr3);
	EXPECT_EQ(self->e.cr3 + 0x1000 + 3, pml4[0]);
	pd = (uint64_t *)(self->m.host + self->e.cr3 + 0x2000);
	EXPECT_EQ(0x83ULL, pd[0]);
	EXPECT_EQ((3ULL << 30) + (511ULL << 21) + 0x83, pd[4 * 512 - 1]);
}

TEST_F(loader, initrd_at_top_of_low_memory)
{
	struct boot_params *bp;
	static uint8_t rd[10000];

	memset(rd, 0x5a, sizeof(rd));
	self->bi.initrd = rd;
	self->bi.initrd_len = sizeof(rd);
	ASSERT_EQ(0, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				    sizeof(self->err))) TH_LOG("%s", self->err);
	bp = (struct boot_params *)(self->m.host + BOOT_PARAMS);
	EXPECT_EQ(sizeof(rd), bp->hdr.ramdisk_size);
	EXPECT_EQ(0, bp->hdr.ramdisk_image & 0xfff);
	EXPECT_LE(bp->hdr.ramdisk_image + sizeof(rd), MEM);
	EXPECT_GT(bp->hdr.ramdisk_image + sizeof(rd), MEM - 4096);
	EXPECT_EQ(0, memcmp(self->m.host + bp->hdr.ramdisk_image, rd,
			    sizeof(rd)));
}

TEST_F(loader, initrd_too_big)
{
	self->bi.initrd = self->m.host;	/* any readable bytes */
	self->bi.initrd_len = MEM - 0x1000000;
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "initrd", 6)) TH_LOG("%s", self->err);
}

/*
 * A header whose initrd_addr_max lies below the kernel: the room left for
 * the initrd is negative, and unsigned arithmetic once wrapped it into a
 * huge placement address that gmem_ptr() refused, so the copy went to NULL.
 */
TEST_F(loader, initrd_limit_below_kernel)
{
	static uint8_t rd[0x2000];

	self->bi.initrd = rd;
	self->bi.initrd_len = sizeof(rd);
	self->f.hdr->initrd_addr_max = 0xfff;
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "initrd", 6)) TH_LOG("%s", self->err);

	/* Below the kernel's end but above the initrd's size. */
	self->f.hdr->initrd_addr_max = 0x80000;
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "initrd", 6)) TH_LOG("%s", self->err);
}

/* pref_address + init_size past 2^64 must not wrap to a small kernel end. */
TEST_F(loader, kernel_extent_does_not_wrap)
{
	self->f.hdr->pref_address = 0xfffffffffff00000ULL;
	self->f.hdr->init_size = 0x200000;
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "kernel needs", 12)) TH_LOG("%s", self->err);
}

TEST_F(loader, rejects_bad_images)
{
	self->bi.kernel_len = 100;
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_STREQ("kernel is not a bzImage (too small)", self->err);
	self->bi.kernel_len = self->f.len;

	self->f.hdr->header = 0x12345678;
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_STREQ("kernel is not a bzImage (no boot header)", self->err);
	self->f.hdr->header = 0x53726448;

	self->f.hdr->version = 0x0209;
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_STREQ("kernel boot protocol 2.09 too old (need 2.12)", self->err);
	self->f.hdr->version = 0x020f;

	self->f.hdr->xloadflags = 0;
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_STREQ("kernel has no 64-bit entry point", self->err);
	self->f.hdr->xloadflags = XLF_KERNEL_64;

	self->f.hdr->syssize = PM_LEN;	/* claims 16x the bytes present */
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "kernel is truncated", 19));
	self->f.hdr->syssize = PM_LEN / 16;

	self->f.hdr->setup_sects = 200;	/* setup beyond the file */
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "kernel is truncated", 19));
	self->f.hdr->setup_sects = SETUP_SECTS;

	self->f.hdr->init_size = MEM;	/* needs more RAM than there is */
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "kernel needs", 12)) TH_LOG("%s", self->err);
	self->f.hdr->init_size = 0x800000;

	self->f.hdr->cmdline_size = 5;
	EXPECT_EQ(-1, loader_bzimage(&self->m, &self->bi, &self->e, self->err,
				     sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "command line too long", 21));
}

TEST(e820_with_high_memory)
{
	struct guest_mem m;
	struct boot_e820_entry e[8];

	gmem_init(&m, NULL, 4ULL << 30);
	ASSERT_EQ(5, loader_e820(&m, e, 8));
	EXPECT_EQ(0xc0000000ULL - 0x100000, e[3].size);
	EXPECT_EQ(0x100000000ULL, e[4].addr);
	EXPECT_EQ(1ULL << 30, e[4].size);
}

TEST(debian_kernel)
{
	struct guest_mem m;
	struct boot_image bi = { 0 };
	struct boot_entry e;
	struct boot_params *bp;
	char err[256];
	glob_t g;
	FILE *f;
	long len;

	char pat[4096];
	ssize_t n = readlink("/proc/self/exe", pat, sizeof(pat) - 64);

	/* This program is tests/unit/bin/vmm_loader under the repository. */
	ASSERT_GT(n, 0);
	pat[n] = 0;
	*strrchr(pat, '/') = 0;
	strcat(pat, "/../../../.cache/kernel/current/root/boot/vmlinuz-*");
	if (glob(pat, 0, NULL, &g))
		SKIP(return, "no test kernel in .cache");
	f = fopen(g.gl_pathv[0], "rb");
	ASSERT_NE(NULL, f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	bi.kernel = malloc(len);
	ASSERT_EQ(1, fread((void *)bi.kernel, len, 1, f));
	fclose(f);
	globfree(&g);
	bi.kernel_len = len;
	bi.cmdline = "console=ttyS0";
	gmem_init(&m, calloc(1, 256ULL << 20), 256ULL << 20);
	ASSERT_EQ(0, loader_bzimage(&m, &bi, &e, err, sizeof(err))) TH_LOG("%s", err);
	bp = (struct boot_params *)(m.host + BOOT_PARAMS);
	EXPECT_GE(bp->hdr.version, 0x020c);
	EXPECT_TRUE(bp->hdr.xloadflags & XLF_KERNEL_64);
	/* Too little memory for this kernel is a clean error. */
	gmem_init(&m, m.host, 40ULL << 20);
	EXPECT_EQ(-1, loader_bzimage(&m, &bi, &e, err, sizeof(err)));
	EXPECT_EQ(0, strncmp(err, "kernel needs", 12)) TH_LOG("%s", err);
	free(m.host);
	free((void *)bi.kernel);
}

TEST_HARNESS_MAIN
