// SPDX-License-Identifier: GPL-2.0
/*
 * PVH boot of an uncompressed ELF vmlinux (xen/include/public/arch-x86/
 * hvm/start_info.h, Linux arch/x86/platform/pvh): PT_LOAD segments go to
 * their physical addresses, the entry point comes from the Xen ELF note
 * XEN_ELFNOTE_PHYS32_ENTRY, and the CPU starts in flat 32-bit protected
 * mode without paging, %ebx pointing at an hvm_start_info with the command
 * line, the initrd as module 0, the memory map and the RSDP.
 */
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <asm/bootparam.h>

#include "loader.h"
#include "../errmsg.h"

#define NOTE_PHYS32_ENTRY	18
#define START_MAGIC		0x336ec578
#define PVH_INFO		0x6000ULL	/* start_info, then modlist, memmap */
#define PVH_MODLIST		(PVH_INFO + 0x100)
#define PVH_MEMMAP		(PVH_INFO + 0x200)

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

bool loader_is_elf(const uint8_t *p, size_t len)
{
	return len >= 4 && !memcmp(p, ELFMAG, SELFMAG);
}

/* The PHYS32_ENTRY note of one PT_NOTE segment, or 0. */
static uint64_t find_entry(Elf *e, const GElf_Phdr *ph)
{
	Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset,
					   ph->p_filesz, ELF_T_NHDR);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr n;

	if (!d)
		return 0;
	while ((off = gelf_getnote(d, off, &n, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)d->d_buf + name_off;
		uint64_t v = 0;

		if (n.n_type != NOTE_PHYS32_ENTRY || n.n_namesz != 4 ||
		    memcmp(name, "Xen", 4) || (n.n_descsz != 4 && n.n_descsz != 8))
			continue;
		memcpy(&v, (const char *)d->d_buf + desc_off, n.n_descsz);
		return v;
	}
	return 0;
}

static int load_segments(struct guest_mem *m, const struct boot_image *img,
			 uint64_t *entry, uint64_t *end, char *err, size_t errlen)
{
	Elf *e = elf_memory((char *)img->kernel, img->kernel_len);
	size_t n;
	int ret = -1;

	*entry = 0;
	*end = 0;
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &n)) {
		errmsg(err, errlen, "kernel is not a valid ELF file");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		uint8_t *dst;

		if (!gelf_getphdr(e, (int)i, &ph)) {
			errmsg(err, errlen, "kernel ELF program header %zu unreadable", i);
			goto out;
		}
		if (ph.p_type == PT_NOTE && !*entry)
			*entry = find_entry(e, &ph);
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > img->kernel_len ||
		    ph.p_filesz > img->kernel_len - ph.p_offset) {
			errmsg(err, errlen, "kernel ELF segment %zu is truncated", i);
			goto out;
		}
		if (ph.p_paddr < BOOT_KERNEL) {
			errmsg(err, errlen, "kernel ELF segment %zu below 1 MiB", i);
			goto out;
		}
		dst = gmem_ptr(m, ph.p_paddr, ph.p_memsz);
		if (!dst) {
			errmsg(err, errlen, "kernel ELF segment %zu (%#llx+%#llx) is outside guest memory",
			     i, (unsigned long long)ph.p_paddr,
			     (unsigned long long)ph.p_memsz);
			goto out;
		}
		memcpy(dst, img->kernel + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr + ph.p_memsz > *end)
			*end = ph.p_paddr + ph.p_memsz;
	}
	if (!*entry)
		errmsg(err, errlen, "ELF kernel has no PVH entry note (CONFIG_PVH)");
	else
		ret = 0;
out:
	if (e)
		elf_end(e);
	return ret;
}

int loader_pvh(struct guest_mem *m, const struct boot_image *img,
	       struct boot_entry *out, char *err, size_t errlen)
{
	struct hvm_start_info *si;
	struct hvm_modlist_entry *mod;
	struct boot_e820_entry map[8];
	struct hvm_memmap_entry *mm;
	uint64_t entry, end, initrd_at = 0;
	size_t cmd_len;
	unsigned int nmap;
	uint64_t *gdt;

	if (m->low_size < BOOT_MIN_MEM)
		return errmsg(err, errlen, "guest memory below %llu MiB",
			    BOOT_MIN_MEM >> 20);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return errmsg(err, errlen, "libelf: %s", elf_errmsg(-1));
	if (load_segments(m, img, &entry, &end, err, errlen))
		return -1;
	if (entry >= m->low_size)
		return errmsg(err, errlen, "PVH entry %#llx outside guest memory",
			    (unsigned long long)entry);

	cmd_len = strlen(img->cmdline);
	if (cmd_len >= BOOT_CMDLINE_MAX)
		return errmsg(err, errlen, "command line too long");
	memcpy(gmem_ptr(m, BOOT_CMDLINE, cmd_len + 1), img->cmdline, cmd_len + 1);

	if (img->initrd) {
		uint64_t top = m->low_size;

		/* A segment in RAM above 4 GiB ends the kernel above top. */
		if (end > top || img->initrd_len > top - end)
			return errmsg(err, errlen,
				    "initrd (%zu MiB) does not fit in guest memory",
				    img->initrd_len >> 20);
		initrd_at = (top - img->initrd_len) & ~0xfffULL;
		if (initrd_at < end)
			return errmsg(err, errlen,
				    "initrd (%zu MiB) does not fit in guest memory",
				    img->initrd_len >> 20);
		memcpy(gmem_ptr(m, initrd_at, img->initrd_len), img->initrd,
		       img->initrd_len);
	}

	si = gmem_ptr(m, PVH_INFO, 0x400);
	memset(si, 0, 0x400);
	si->magic = START_MAGIC;
	si->version = 1;
	si->cmdline_paddr = BOOT_CMDLINE;
	si->rsdp_paddr = img->rsdp;
	if (img->initrd) {
		mod = (struct hvm_modlist_entry *)((uint8_t *)si + 0x100);
		mod->paddr = initrd_at;
		mod->size = img->initrd_len;
		si->nr_modules = 1;
		si->modlist_paddr = PVH_MODLIST;
	}
	nmap = loader_e820(m, map, 8);
	mm = (struct hvm_memmap_entry *)((uint8_t *)si + 0x200);
	for (unsigned int i = 0; i < nmap; i++) {
		mm[i].addr = map[i].addr;
		mm[i].size = map[i].size;
		mm[i].type = map[i].type;
	}
	si->memmap_paddr = PVH_MEMMAP;
	si->memmap_entries = nmap;

	/* Flat 32-bit code at 0x10 and data at 0x18. */
	gdt = gmem_ptr(m, BOOT_GDT, 4 * 8);
	gdt[0] = gdt[1] = 0;
	gdt[2] = 0x00cf9b000000ffffULL;
	gdt[3] = 0x00cf93000000ffffULL;

	memset(out, 0, sizeof(*out));
	out->mode32 = true;
	out->rip = entry;
	out->rbx = PVH_INFO;
	out->gdt = BOOT_GDT;
	out->gdt_limit = 4 * 8 - 1;
	return 0;
}
