// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include <elf.h>
#include <sys/mman.h>

#include "vmm/x86/loader.h"

/* PVH loading of a synthetic ELF: two PT_LOADs and a Xen PHYS32_ENTRY note. */

#define MEM (64ULL << 20)

struct img {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];
	struct {
		Elf64_Nhdr n;
		char name[4];
		uint32_t entry;
	} note;
	uint8_t code[64];
	uint8_t data[32];
};

static void build(struct img *i, bool with_note)
{
	memset(i, 0, sizeof(*i));
	memcpy(i->eh.e_ident, ELFMAG, SELFMAG);
	i->eh.e_ident[EI_CLASS] = ELFCLASS64;
	i->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	i->eh.e_ident[EI_VERSION] = EV_CURRENT;
	i->eh.e_type = ET_EXEC;
	i->eh.e_machine = EM_X86_64;
	i->eh.e_version = EV_CURRENT;
	i->eh.e_phoff = offsetof(struct img, ph);
	i->eh.e_ehsize = sizeof(Elf64_Ehdr);
	i->eh.e_phentsize = sizeof(Elf64_Phdr);
	i->eh.e_phnum = 3;
	i->ph[0].p_type = PT_LOAD;
	i->ph[0].p_offset = offsetof(struct img, code);
	i->ph[0].p_paddr = 0x1000000;
	i->ph[0].p_filesz = sizeof(i->code);
	i->ph[0].p_memsz = sizeof(i->code);
	i->ph[1].p_type = PT_LOAD;
	i->ph[1].p_offset = offsetof(struct img, data);
	i->ph[1].p_paddr = 0x1200000;
	i->ph[1].p_filesz = sizeof(i->data);
	i->ph[1].p_memsz = 0x1000;		/* bss after the data */
	i->ph[2].p_type = PT_NOTE;
	i->ph[2].p_offset = offsetof(struct img, note);
	i->ph[2].p_filesz = sizeof(i->note);
	i->ph[2].p_align = 4;
	i->note.n.n_namesz = 4;
	i->note.n.n_descsz = 4;
	i->note.n.n_type = with_note ? 18 : 17;
	memcpy(i->note.name, "Xen", 4);
	i->note.entry = 0x1000010;
	memset(i->code, 0x90, sizeof(i->code));
	memset(i->data, 0xda, sizeof(i->data));
}

FIXTURE(pvh) {
	struct guest_mem m;
	struct img k;
	struct boot_image bi;
	struct boot_entry e;
	char err[256];
};

FIXTURE_SETUP(pvh)
{
	gmem_init(&self->m, calloc(1, MEM), MEM);
	build(&self->k, true);
	memset(&self->bi, 0, sizeof(self->bi));
	self->bi.kernel = (const uint8_t *)&self->k;
	self->bi.kernel_len = sizeof(self->k);
	self->bi.cmdline = "console=ttyS0";
	self->bi.rsdp = 0xe0000;
}

FIXTURE_TEARDOWN(pvh)
{
	free(self->m.host);
}

TEST_F(pvh, loads_segments_and_start_info)
{
	static const uint8_t rd[5000] = { 1, 2, 3 };
	uint8_t *ram = self->m.host;
	uint32_t *si;
	uint64_t *mod, *mm;

	self->bi.initrd = rd;
	self->bi.initrd_len = sizeof(rd);
	ASSERT_TRUE(loader_is_elf(self->bi.kernel, self->bi.kernel_len));
	ASSERT_EQ(0, loader_pvh(&self->m, &self->bi, &self->e, self->err,
				sizeof(self->err))) TH_LOG("%s", self->err);
	EXPECT_TRUE(self->e.mode32);
	EXPECT_EQ(0x1000010, self->e.rip);
	EXPECT_EQ(0x90, ram[0x1000000 + 63]);
	EXPECT_EQ(0xda, ram[0x1200000 + 31]);
	EXPECT_EQ(0, ram[0x1200000 + 32]);		/* bss zeroed */
	si = (uint32_t *)(ram + self->e.rbx);
	EXPECT_EQ(0x336ec578, si[0]);
	EXPECT_EQ(1, si[1]);
	EXPECT_EQ(1, si[3]);				/* one module */
	EXPECT_STREQ("console=ttyS0", (char *)ram + *(uint64_t *)(si + 6));
	EXPECT_EQ(0xe0000, *(uint64_t *)(si + 8));
	mod = (uint64_t *)(ram + *(uint64_t *)(si + 4));
	EXPECT_EQ(sizeof(rd), mod[1]);
	EXPECT_EQ(0, memcmp(ram + mod[0], rd, sizeof(rd)));
	EXPECT_EQ(4, si[12]);				/* memmap entries */
	mm = (uint64_t *)(ram + *(uint64_t *)(si + 10));
	EXPECT_EQ(0x100000, mm[3 * 3]);			/* entry 3: RAM at 1 MiB */
	EXPECT_EQ(MEM - 0x100000, mm[3 * 3 + 1]);
}

TEST_F(pvh, rejects_bad_elves)
{
	build(&self->k, false);
	EXPECT_EQ(-1, loader_pvh(&self->m, &self->bi, &self->e, self->err,
				 sizeof(self->err)));
	EXPECT_STREQ("ELF kernel has no PVH entry note (CONFIG_PVH)", self->err);

	build(&self->k, true);
	self->k.ph[0].p_paddr = MEM - 16;		/* past the end of RAM */
	EXPECT_EQ(-1, loader_pvh(&self->m, &self->bi, &self->e, self->err,
				 sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "kernel ELF segment 0", 20));

	build(&self->k, true);
	self->k.ph[1].p_filesz = 1 << 20;		/* beyond the file */
	EXPECT_EQ(-1, loader_pvh(&self->m, &self->bi, &self->e, self->err,
				 sizeof(self->err)));
	EXPECT_STREQ("kernel ELF segment 1 is truncated", self->err);

	build(&self->k, true);
	self->k.eh.e_phoff = 1 << 30;			/* headers nowhere */
	EXPECT_EQ(-1, loader_pvh(&self->m, &self->bi, &self->e, self->err,
				 sizeof(self->err)));
	EXPECT_FALSE(loader_is_elf((const uint8_t *)"MZ\0\0", 4));
}

/*
 * A segment in RAM above 4 GiB ends the kernel above the top of low memory,
 * where the initrd goes: the room below the top was once computed as
 * top - end, which wrapped, and the initrd was copied to a NULL pointer.
 * The layout is synthetic (32 MiB low, 16 MiB at 4 GiB), as with a guest
 * of more than 3 GiB; the initrd is a reserved mapping never touched.
 */
TEST_F(pvh, high_segment_and_big_initrd)
{
	const size_t rd_len = 40ULL << 20;
	struct guest_mem m = { 0 };
	void *rd;

	m.host = self->m.host;
	m.size = 48ULL << 20;
	m.low_size = 32ULL << 20;
	rd = mmap(NULL, rd_len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		  MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, rd);
	self->k.ph[1].p_paddr = GUEST_HIGH_BASE;
	self->bi.initrd = rd;
	self->bi.initrd_len = rd_len;
	EXPECT_EQ(-1, loader_pvh(&m, &self->bi, &self->e, self->err,
				 sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "initrd", 6)) TH_LOG("%s", self->err);

	/* A small initrd still has no room above a kernel that ends high. */
	self->bi.initrd_len = 4096;
	EXPECT_EQ(-1, loader_pvh(&m, &self->bi, &self->e, self->err,
				 sizeof(self->err)));
	EXPECT_EQ(0, strncmp(self->err, "initrd", 6)) TH_LOG("%s", self->err);
	munmap(rd, rd_len);
}

TEST_HARNESS_MAIN
