// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory at scale and in huge pages: a guest that touches every page
 * of a 1 GiB slot; slots backed by transparent and hugetlbfs huge pages,
 * with data intact across an invalidation inside a huge page; guest pages
 * swapped out (to zram) and merged by KSM while mapped; and what a VM
 * costs its VMM's memory cgroup.  vireo.ko additionally reports its
 * 2 MiB nested mappings in debugfs (vireo/huge_mappings), which only the
 * vireo runs check.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vireo_test.h"
#include "vt_proc.h"
#include "../../uapi/vireo.h"

/*
 * The harness gives a test 30 s; under make check's debug kernel (KASAN,
 * lockdep, page poisoning: tests/vm/debug.list) a guest over 1 GiB and the
 * memory cgroup test take longer (this program, 200 s in all there).
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300

#define CODE		0x1000
#define PROBE		0x1100
#define VERIFY		0x1200
#define PT		0x8000
#define PD2		(PT + 0x3000)
/* The slot under test: the second GiB of guest-physical space. */
#define SLOT_GPA	0x40000000ULL
#define SZ_2M		(2UL << 20)
#define PORT_DONE	0x10
#define PORT_PROBE	0x11

/*
 * 64-bit guest: write each 4 KiB page's own GPA into its first quadword,
 * from RAX up to RCX, then OUT PORT_DONE.  At PROBE: load the dword at
 * [RBX] and OUT it to PORT_PROBE.
 */
static const uint8_t touch_code[] = {
	0x48, 0x89, 0x00,			/* 1: mov [rax], rax */
	0x48, 0x05, 0x00, 0x10, 0x00, 0x00,	/* add rax, 0x1000 */
	0x48, 0x39, 0xc8,			/* cmp rax, rcx */
	0x72, 0xf2,				/* jb 1b */
	0xe6, PORT_DONE,			/* out PORT_DONE, al */
	0xf4,					/* hlt */
};

static const uint8_t probe_code[] = {
	0x8b, 0x03,				/* mov eax, [rbx] */
	0xe7, PORT_PROBE,			/* out PORT_PROBE, eax */
	0xf4,					/* hlt */
};

/*
 * At VERIFY: count in RDX the pages in [RAX, RCX) whose first quadword is
 * not their own GPA, then OUT the count to PORT_PROBE.
 */
static const uint8_t verify_code[] = {
	0x31, 0xd2,				/* xor edx, edx */
	0x48, 0x39, 0x00,			/* 1: cmp [rax], rax */
	0x74, 0x03,				/* je 2f */
	0x48, 0xff, 0xc2,			/* inc rdx */
	0x48, 0x05, 0x00, 0x10, 0x00, 0x00,	/* 2: add rax, 0x1000 */
	0x48, 0x39, 0xc8,			/* cmp rax, rcx */
	0x72, 0xed,				/* jb 1b */
	0x89, 0xd0,				/* mov eax, edx */
	0xe7, PORT_PROBE,			/* out PORT_PROBE, eax */
	0xf4,					/* hlt */
};

struct mem_vm {
	struct vt_vm t;
	uint8_t *map;		/* what was mmap()ed for the slot */
	size_t map_len;
	uint8_t *slot;		/* 2 MiB-aligned start of the slot */
	size_t size;
};

/* Anonymous memory for the slot, 2 MiB-aligned, @advice applied. */
static uint8_t *map_aligned(struct mem_vm *m, size_t size, int flags,
			    int advice)
{
	uintptr_t p;

	m->map_len = size + ((flags & MAP_HUGETLB) ? 0 : SZ_2M);
	m->map = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | flags,
		      -1, 0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return NULL;
	}
	p = ((uintptr_t)m->map + SZ_2M - 1) & ~(SZ_2M - 1);
	if (advice >= 0 && madvise((void *)p, size, advice))
		return NULL;
	return (uint8_t *)p;
}

/*
 * A long-mode guest whose code and page tables live in slot 0 (64 KiB at
 * GPA 0) and whose memory under test is slot 1: @size bytes at SLOT_GPA,
 * identity-mapped with 2 MiB guest pages.
 */
static int mem_vm_create(struct mem_vm *m, size_t size, int flags, int advice)
{
	struct kvm_userspace_memory_region mr = {
		.slot = 1, .guest_phys_addr = SLOT_GPA, .memory_size = size,
	};
	uint64_t *pdpt, *pd2;
	size_t i;
	int r;

	memset(m, 0, sizeof(*m));
	r = vt_vm_create(&m->t, 0x10000, CODE);
	if (r)
		return r;
	r = vt_long_mode(&m->t, PT);
	if (r)
		return r;
	pdpt = (uint64_t *)(m->t.mem + PT + 0x1000);
	pd2 = (uint64_t *)(m->t.mem + PD2);
	pdpt[1] = PD2 | 3;
	for (i = 0; i < 512; i++)
		pd2[i] = (SLOT_GPA + i * SZ_2M) | 0x83;
	memcpy(m->t.mem + CODE, touch_code, sizeof(touch_code));
	memcpy(m->t.mem + PROBE, probe_code, sizeof(probe_code));
	memcpy(m->t.mem + VERIFY, verify_code, sizeof(verify_code));

	m->slot = map_aligned(m, size, flags, advice);
	if (!m->slot)
		return -errno;
	m->size = size;
	mr.userspace_addr = (uintptr_t)m->slot;
	return ioctl(m->t.vm, KVM_SET_USER_MEMORY_REGION, &mr) ? -errno : 0;
}

static void mem_vm_destroy(struct mem_vm *m)
{
	vt_vm_destroy(&m->t);
	if (m->map)
		munmap(m->map, m->map_len);
}

static int set_regs(struct vt_vm *t, uint64_t rip, uint64_t rax,
		    uint64_t rbx, uint64_t rcx)
{
	struct kvm_regs r;

	if (ioctl(t->vcpu, KVM_GET_REGS, &r))
		return -errno;
	r.rip = rip;
	r.rax = rax;
	r.rbx = rbx;
	r.rcx = rcx;
	return ioctl(t->vcpu, KVM_SET_REGS, &r) ? -errno : 0;
}

/*
 * Run until the OUT to @port, then on to the HLT behind it: with no I/O
 * left to complete, KVM_SET_REGS can send the guest elsewhere next time.
 */
static int run_to(struct vt_vm *t, uint16_t port, uint32_t *data)
{
	int r = vt_run(t);

	if (r)
		return r;
	if (t->run->exit_reason != KVM_EXIT_IO || t->run->io.port != port)
		return -EPROTO;
	if (data)
		memcpy(data, vt_io_data(t), 4);
	r = vt_run(t);
	if (r)
		return r;
	return t->run->exit_reason == KVM_EXIT_HLT ? 0 : -EPROTO;
}

/* Run the touch loop over [@lo, @hi) of guest-physical space. */
static int touch(struct vt_vm *t, uint64_t lo, uint64_t hi)
{
	int r = set_regs(t, CODE, lo, 0, hi);

	return r ? r : run_to(t, PORT_DONE, NULL);
}

/* What the guest reads at @gpa (low 32 bits), or -errno. */
static int64_t probe(struct vt_vm *t, uint64_t gpa)
{
	uint32_t v;
	int r = set_regs(t, PROBE, 0, gpa, 0);

	if (!r)
		r = run_to(t, PORT_PROBE, &v);
	return r ? (int64_t)r : (int64_t)v;
}

/*
 * Pages in [@lo, @hi) whose first quadword the guest does not read as
 * their own GPA, or -errno.
 */
static int64_t verify(struct vt_vm *t, uint64_t lo, uint64_t hi)
{
	uint32_t v;
	int r = set_regs(t, VERIFY, lo, 0, hi);

	if (!r)
		r = run_to(t, PORT_PROBE, &v);
	return r ? (int64_t)r : (int64_t)v;
}

/* Pages of the slot whose first quadword is not their own GPA. */
static size_t bad_pages(const struct mem_vm *m)
{
	size_t off, bad = 0;
	uint64_t v;

	for (off = 0; off < m->size; off += 4096) {
		memcpy(&v, m->slot + off, 8);
		if (v != SLOT_GPA + off)
			bad++;
	}
	return bad;
}

static bool is_vireo(void)
{
	return !strcmp(vt_mode(), "vireo");
}

/*
 * Touch every page of a huge-page-backed slot, take one 4 KiB page away
 * from under the guest in the VMM (MADV_DONTNEED splits the huge mapping
 * and fires the MMU notifier), and check that the guest sees the fresh zero
 * page there and its own data everywhere else.
 */
static void huge_slot(struct __test_metadata *_metadata, struct mem_vm *m,
		      bool thp)
{
	uint64_t hole = 2 * SZ_2M + 5 * 4096;
	long before = is_vireo() ? vt_huge_mappings() : -1, after, huge_kb;

	ASSERT_EQ(0, touch(&m->t, SLOT_GPA, SLOT_GPA + m->size));
	EXPECT_EQ(0u, bad_pages(m));
	/*
	 * The test VM leaves room for transparent huge pages, and the slot is
	 * advised for them: a slot without any would leave the 2 MiB nested
	 * mappings unchecked, on either module.
	 */
	huge_kb = thp ? vt_anon_huge_kb(m->slot) : (long)(m->size / 1024);
	ASSERT_LT(0, huge_kb)
		TH_LOG("no transparent huge page backs the slot");
	if (is_vireo()) {
		after = vt_huge_mappings();
		ASSERT_LE(0, before) TH_LOG("no vireo/huge_mappings in debugfs");
		/* One for each 2 MiB of the slot backed by a huge page. */
		EXPECT_LE(before + huge_kb / 2048, after)
			TH_LOG("%ld 2 MiB mappings before, %ld after (%ld kB huge)",
			       before, after, huge_kb);
	}

	/* The guest's view changes with the VMM's mapping. */
	memcpy(m->slot + hole + 4096, "\x44\x33\x22\x11", 4);
	EXPECT_EQ(0x11223344, probe(&m->t, SLOT_GPA + hole + 4096));
	if (!thp) {
		ASSERT_EQ(0, touch(&m->t, SLOT_GPA + hole + 4096,
				   SLOT_GPA + hole + 8192));
		EXPECT_EQ(0u, bad_pages(m));
		return;
	}
	ASSERT_EQ(0, madvise(m->slot + hole, 4096, MADV_DONTNEED));
	EXPECT_EQ(0, probe(&m->t, SLOT_GPA + hole));
	EXPECT_EQ(0x11223344, probe(&m->t, SLOT_GPA + hole + 4096));
	EXPECT_EQ((uint32_t)(SLOT_GPA + hole - 4096),
		  probe(&m->t, SLOT_GPA + hole - 4096));
	/* And the guest's writes land in the VMM's pages, the new one too. */
	ASSERT_EQ(0, touch(&m->t, SLOT_GPA + hole, SLOT_GPA + hole + 8192));
	EXPECT_EQ(0u, bad_pages(m));
}

/* Transparent huge pages off in this kernel ("[never]")? */
static bool thp_off(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	bool off = true;

	if (f) {
		off = !fgets(buf, sizeof(buf), f) || strstr(buf, "[never]");
		fclose(f);
	}
	return off;
}

TEST(thp_slot)
{
	struct mem_vm m;

	/* Linux turns them off below 512 MiB of RAM (the VT-x test VM). */
	if (thp_off())
		SKIP(return, "transparent huge pages are off in this kernel");
	ASSERT_EQ(0, mem_vm_create(&m, 8 * SZ_2M, 0, MADV_HUGEPAGE));
	huge_slot(_metadata, &m, true);
	mem_vm_destroy(&m);
}

TEST(hugetlb_slot)
{
	const size_t size = 4 * SZ_2M;
	char buf[32];
	long want, have;
	struct mem_vm m;
	int fd, r;

	/* Reserve what the slot needs on top of what is free already. */
	have = vt_meminfo("HugePages_Total");
	want = have + size / SZ_2M;
	fd = open("/proc/sys/vm/nr_hugepages", O_WRONLY);
	if (fd >= 0) {
		snprintf(buf, sizeof(buf), "%ld", want);
		r = write(fd, buf, strlen(buf));
		close(fd);
		(void)r;
	}
	if (vt_meminfo("HugePages_Free") < (long)(size / SZ_2M))
		SKIP(return, "cannot reserve %zu hugetlbfs pages", size / SZ_2M);
	ASSERT_EQ(0, mem_vm_create(&m, size, MAP_HUGETLB, -1));
	/* hugetlbfs pages do not split: MADV_DONTNEED there frees 2 MiB. */
	huge_slot(_metadata, &m, false);
	mem_vm_destroy(&m);
}

/*
 * The scale test: every 4 KiB page of a 1 GiB slot, written by the
 * guest and read back by the VMM.  The test VM needs room for it
 * (scripts/check.sh gives the AMD-V VM 2 GiB); with less, it is skipped.
 */
TEST(touch_every_page_of_1g)
{
	const size_t size = 1UL << 30;
	struct mem_vm m;

	if (vt_meminfo("MemAvailable") < (long)(size / 1024) + 256 * 1024)
		SKIP(return, "%ld kB available, 1 GiB slot needs more",
		     vt_meminfo("MemAvailable"));
	ASSERT_EQ(0, mem_vm_create(&m, size, 0, -1));
	ASSERT_EQ(0, touch(&m.t, SLOT_GPA, SLOT_GPA + size));
	EXPECT_EQ(0u, bad_pages(&m));
	EXPECT_EQ((uint32_t)(SLOT_GPA + size - 4096),
		  probe(&m.t, SLOT_GPA + size - 4096));
	mem_vm_destroy(&m);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -errno;
}

/*
 * Swap and KSM take pages from under a guest that has them mapped: the
 * module must let them go (hold nothing its MMU notifier does not give
 * back), and the guest must then see the right data.
 */
#define RECLAIM_SLOT	(16UL << 20)
#define RECLAIM_PAGES	((int64_t)(RECLAIM_SLOT / 4096))
#define KSM		"/sys/kernel/mm/ksm/"

/* The pagemap entries of [@p, @p + @len), to free(); NULL on error. */
static uint64_t *pagemap(const void *p, size_t len)
{
	size_t n = len / 4096;
	uint64_t *e = calloc(n, sizeof(*e));
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (!e || fd < 0 || pread(fd, e, n * 8, (uintptr_t)p / 4096 * 8) !=
			    (ssize_t)(n * 8)) {
		free(e);
		e = NULL;
	}
	if (fd >= 0)
		close(fd);
	return e;
}

/* Pages of [@p, @p + @len) that pagemap shows as swapped out, or -errno. */
static long swapped_pages(const void *p, size_t len)
{
	uint64_t *e = pagemap(p, len);
	size_t i;
	long c = 0;

	if (!e)
		return -EIO;
	for (i = 0; i < len / 4096; i++)
		c += (e[i] >> 62) & 1;
	free(e);
	return c;
}

/*
 * Pages of [@p, @p + @len) that are KSM pages (pagemap's PFN, then that
 * page's KPF_KSM in kpageflags: root only), or -errno.  KSM's own counters
 * lag: ksmd updates them as it scans.
 */
static long ksm_pages(const void *p, size_t len)
{
	uint64_t *e = pagemap(p, len), flags;
	int kf = open("/proc/kpageflags", O_RDONLY);
	long c = e && kf >= 0 ? 0 : -EIO;
	size_t i;

	for (i = 0; c >= 0 && i < len / 4096; i++) {
		if (!(e[i] >> 63))
			continue;
		if (pread(kf, &flags, 8, (e[i] & ((1ULL << 55) - 1)) * 8) != 8)
			c = -EIO;
		else
			c += (flags >> 21) & 1;
	}
	if (kf >= 0)
		close(kf);
	free(e);
	return c;
}

/*
 * MADV_PAGEOUT until most of [@p, @p + @len) is in swap, at most 3 times;
 * returns how many pages are.  A page the guest used since the last pass
 * survives a pass: kvm.ko reports the guest's accessed bits to reclaim.
 */
static long page_out(void *p, size_t len)
{
	long out = 0;
	int i;

	for (i = 0; i < 3 && out < (long)(len / 4096) * 9 / 10; i++) {
		if (madvise(p, len, MADV_PAGEOUT))
			return -errno;
		out = swapped_pages(p, len);
	}
	return out;
}

/* Swap on a zram device (the test VM has no disk); false if impossible. */
static bool zram_swap_on(void)
{
	return !system("grep -q '^/dev/zram0 ' /proc/swaps && exit 0; "
		       "for m in /vireo/guest-modules/*-zsmalloc.ko "
		       "/vireo/guest-modules/*-zram.ko; do "
		       "insmod $m 2>/dev/null; done; "
		       "echo deflate > /sys/block/zram0/comp_algorithm && "
		       "echo 64M > /sys/block/zram0/disksize && "
		       "mkswap /dev/zram0 >/dev/null && swapon /dev/zram0");
}

static void zram_swap_off(void)
{
	if (system("swapoff /dev/zram0 && rmmod zram zsmalloc"))
		fprintf(stderr, "# cannot remove the zram swap device\n");
}

/*
 * Pages the guest wrote go to swap and come back: the guest reads its own
 * data back, and after the VMM rewrote them, the VMM's.
 */
/* Compressing 16 MiB into zram takes minutes under Bochs. */
FIXTURE(reclaim) {
	int unused;
};

FIXTURE_SETUP(reclaim)
{
}

FIXTURE_TEARDOWN(reclaim)
{
}

TEST_F_TIMEOUT(reclaim, swap_out_and_in, 600)
{
	struct mem_vm m;
	long out;

	if (!zram_swap_on())
		SKIP(return, "no zram swap device in this VM");
	ASSERT_EQ(0, mem_vm_create(&m, RECLAIM_SLOT, 0, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, touch(&m.t, SLOT_GPA, SLOT_GPA + RECLAIM_SLOT));
	ASSERT_EQ(0u, bad_pages(&m));

	out = page_out(m.slot, RECLAIM_SLOT);
	TH_LOG("%ld of %lld guest pages swapped out", out,
	       (long long)RECLAIM_PAGES);
	/* A few may sit in per-CPU LRU caches, out of reclaim's reach. */
	EXPECT_LE(RECLAIM_PAGES * 9 / 10, out);
	EXPECT_EQ(0, verify(&m.t, SLOT_GPA, SLOT_GPA + RECLAIM_SLOT));

	EXPECT_LE(RECLAIM_PAGES * 9 / 10, page_out(m.slot, RECLAIM_SLOT));
	memset(m.slot, 0, RECLAIM_SLOT);
	EXPECT_EQ(RECLAIM_PAGES,
		  verify(&m.t, SLOT_GPA, SLOT_GPA + RECLAIM_SLOT));
	ASSERT_EQ(0, touch(&m.t, SLOT_GPA, SLOT_GPA + RECLAIM_SLOT));
	EXPECT_EQ(0u, bad_pages(&m));

	mem_vm_destroy(&m);
	zram_swap_off();
}

static long ksm_read(const char *name)
{
	char path[96];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), KSM "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int ksm_write(const char *name, long v)
{
	char path[96], val[24];

	snprintf(path, sizeof(path), KSM "%s", name);
	snprintf(val, sizeof(val), "%ld", v);
	return write_file(path, val);
}

/*
 * KSM merges identical guest pages while the guest has them mapped; the
 * guest reads merged pages without unmerging them (it is given them
 * read-only), and its writes break the sharing and reach the VMM.
 */
TEST_F_TIMEOUT(reclaim, ksm_merges_guest_pages, 600)
{
	long run = ksm_read("run"), scan = ksm_read("pages_to_scan");
	long sleep_ms = ksm_read("sleep_millisecs"), merged = 0, after;
	struct mem_vm m;
	int i;

	if (run < 0 || scan < 0 || sleep_ms < 0)
		SKIP(return, "no KSM in this kernel");
	ASSERT_EQ(0, mem_vm_create(&m, RECLAIM_SLOT, 0, MADV_NOHUGEPAGE));
	memset(m.slot, 0x5a, RECLAIM_SLOT);
	/* Every page alike, and mapped for the guest. */
	ASSERT_EQ(RECLAIM_PAGES,
		  verify(&m.t, SLOT_GPA, SLOT_GPA + RECLAIM_SLOT));

	ASSERT_EQ(0, madvise(m.slot, RECLAIM_SLOT, MADV_MERGEABLE));
	ASSERT_EQ(0, ksm_write("pages_to_scan", 4096));
	ASSERT_EQ(0, ksm_write("sleep_millisecs", 10));
	ASSERT_EQ(0, ksm_write("run", 1));
	for (i = 0; i < 600 && merged < RECLAIM_PAGES * 9 / 10; i++) {
		usleep(100000);
		merged = ksm_pages(m.slot, RECLAIM_SLOT);
	}
	/*
	 * 0: ksmd stops (after its current batch: the write waits for it) and
	 * what is merged stays merged.
	 */
	ASSERT_EQ(0, ksm_write("run", 0));
	merged = ksm_pages(m.slot, RECLAIM_SLOT);
	TH_LOG("%ld of %lld pages merged after %d ms", merged,
	       (long long)RECLAIM_PAGES, i * 100);
	EXPECT_LE(RECLAIM_PAGES * 9 / 10, merged);

	EXPECT_EQ(RECLAIM_PAGES,
		  verify(&m.t, SLOT_GPA, SLOT_GPA + RECLAIM_SLOT));
	after = ksm_pages(m.slot, RECLAIM_SLOT);
	TH_LOG("%ld pages still merged after the guest read them all", after);
	EXPECT_EQ(merged, after);

	ASSERT_EQ(0, touch(&m.t, SLOT_GPA, SLOT_GPA + RECLAIM_SLOT));
	EXPECT_EQ(0u, bad_pages(&m));
	EXPECT_EQ(0, ksm_pages(m.slot, RECLAIM_SLOT));

	mem_vm_destroy(&m);
	ksm_write("pages_to_scan", scan);
	ksm_write("sleep_millisecs", sleep_ms);
	ksm_write("run", run);
}

/* Memory cgroup v2: a group of our own for this test's process. */
#define CG_ROOT	"/sys/fs/cgroup"


static long long cg_stat(const char *cg, const char *key)
{
	char path[128], name[64];
	long long v, r = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", cg);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, key))
			r = v;
	fclose(f);
	return r;
}

/*
 * memory.stat lags the charges (per-CPU counters flushed in batches);
 * enough page-state churn makes the next read flush them all.
 */
static void cg_flush(void)
{
	size_t len = 64UL << 20;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	madvise(p, len, MADV_NOHUGEPAGE);
	memset(p, 1, len);
	munmap(p, len);
}

struct cg_sample {
	long long kernel, sec_pt;
};

static void cg_sample(const char *cg, struct cg_sample *s)
{
	cg_flush();
	s->kernel = cg_stat(cg, "kernel");
	s->sec_pt = cg_stat(cg, "sec_pagetables");
}

#define NR_VCPUS	8
#define CG_SLOT		(32UL << 20)

/*
 * What the module allocates for a VM is charged to the memory cgroup of
 * the process that made it: vCPUs (control blocks, kvm_run) and the nested
 * page tables that fault-in builds.  With 4 KiB host pages the slot needs
 * one last-level table per 2 MiB on either module.
 */
TEST(memcg_charges)
{
	struct cg_sample s0, s1, s2;
	char cg[64], pid[16];
	int vcpus[NR_VCPUS] = { 0 };
	struct mem_vm m;
	long long d;
	int i;

	if (access(CG_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(CG_ROOT, 0755);
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			SKIP(return, "cannot mount cgroup2: %s", strerror(errno));
	}
	if (write_file(CG_ROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller in cgroup2");
	snprintf(cg, sizeof(cg), CG_ROOT "/vt-memcg-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	snprintf(pid, sizeof(pid), "%d", getpid());
	{
		char procs[96];

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		ASSERT_EQ(0, write_file(procs, pid));
	}

	/* The slot is in place and faulted in before the first sample. */
	ASSERT_EQ(0, mem_vm_create(&m, CG_SLOT, 0, MADV_NOHUGEPAGE));
	memset(m.slot, 0, CG_SLOT);
	cg_sample(cg, &s0);
	ASSERT_LE(0, s0.kernel) TH_LOG("no 'kernel' in memory.stat");

	for (i = 0; i < NR_VCPUS; i++) {
		vcpus[i] = ioctl(m.t.vm, KVM_CREATE_VCPU, i + 1);
		ASSERT_LE(0, vcpus[i]);
	}
	cg_sample(cg, &s1);
	d = s1.kernel - s0.kernel;
	TH_LOG("%d vCPUs: kernel +%lld bytes", NR_VCPUS, d);
	/* At least a control block page and kvm_run per vCPU. */
	EXPECT_LE(NR_VCPUS * 2 * 4096LL, d);
	EXPECT_GT(16LL << 20, d);

	ASSERT_EQ(0, touch(&m.t, SLOT_GPA, SLOT_GPA + CG_SLOT));
	EXPECT_EQ(0u, bad_pages(&m));
	cg_sample(cg, &s2);
	d = s2.kernel - s1.kernel;
	TH_LOG("%lu MiB faulted in: kernel +%lld, sec_pagetables +%lld",
	       CG_SLOT >> 20, d, s2.sec_pt - s1.sec_pt);
	EXPECT_LE((long long)(CG_SLOT / SZ_2M) * 4096, d);
	/* Guest memory is the VMM's own, not kernel memory. */
	EXPECT_GT((long long)CG_SLOT / 2, d);
	if (s1.sec_pt >= 0)
		EXPECT_LE((long long)(CG_SLOT / SZ_2M) * 4096,
			  s2.sec_pt - s1.sec_pt);

	for (i = 0; i < NR_VCPUS; i++)
		close(vcpus[i]);
	mem_vm_destroy(&m);
	write_file(CG_ROOT "/cgroup.procs", pid);
	rmdir(cg);
}

TEST_HARNESS_MAIN
