// SPDX-License-Identifier: GPL-2.0
/* The VMM's CPU controls (vmm/cpusched.c): placement and error lines. */
#include <string.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/cpusched.h"

static struct sched_state st;

#define EXPECT_PREFIX(want, got) EXPECT_EQ(0, strncmp((got), (want), strlen(want)))

static void allow(unsigned int n)
{
	CPU_ZERO(&st.allowed);
	for (unsigned int i = 0; i < n; i++)
		CPU_SET(i, &st.allowed);
}

static void cfg_init(struct vm_config *c, unsigned int cpus, uint64_t pin,
		     uint64_t pin_io)
{
	memset(c, 0, sizeof(*c));
	c->cpus = cpus;
	c->pin_mask = pin;
	c->pin_io_mask = pin_io;
}

TEST(vcpu_placement)
{
	struct vm_config c;
	cpu_set_t s;
	char b[64];

	allow(8);
	/* Enough CPUs listed: vCPU i on the i-th of them. */
	cfg_init(&c, 3, 0x2cULL /* 2,3,5 */, 0);
	ASSERT_TRUE(sched_vcpu_cpus(&st, &c, 0, &s));
	sched_format_cpus(&s, b, sizeof(b));
	EXPECT_STREQ("2", b);
	ASSERT_TRUE(sched_vcpu_cpus(&st, &c, 2, &s));
	sched_format_cpus(&s, b, sizeof(b));
	EXPECT_STREQ("5", b);
	/* Too few: every vCPU on the whole list. */
	cfg_init(&c, 4, 0x2cULL, 0);
	ASSERT_TRUE(sched_vcpu_cpus(&st, &c, 3, &s));
	sched_format_cpus(&s, b, sizeof(b));
	EXPECT_STREQ("2-3,5", b);
	/* No --pin: free, or back on every CPU when --pin-io moved the rest. */
	cfg_init(&c, 2, 0, 0);
	EXPECT_FALSE(sched_vcpu_cpus(&st, &c, 0, &s));
	cfg_init(&c, 2, 0, 0x1);
	ASSERT_TRUE(sched_vcpu_cpus(&st, &c, 1, &s));
	sched_format_cpus(&s, b, sizeof(b));
	EXPECT_STREQ("0-7", b);
}

TEST(unknown_cpus)
{
	struct vm_config c;
	char err[160];

	/* sched_check reads the real affinity: any machine has CPU 63 off. */
	cfg_init(&c, 1, 1ULL << 63, 0);
	EXPECT_EQ(-1, sched_check(&st, &c, err, sizeof(err)));
	EXPECT_PREFIX("--pin: CPU 63 is not available (this process may use ", err);
	cfg_init(&c, 1, 0, 3ULL << 62);
	EXPECT_EQ(-1, sched_check(&st, &c, err, sizeof(err)));
	EXPECT_PREFIX("--pin-io: CPU 62-63 is not available (this process may use ", err);
	cfg_init(&c, 1, 1, 1);
	EXPECT_EQ(0, sched_check(&st, &c, err, sizeof(err)));
}

TEST(cgroup_errors)
{
	struct vm_config c;
	char err[200];

	cfg_init(&c, 1, 0, 0);
	/* Nothing asked: nothing done. */
	EXPECT_EQ(0, sched_cgroup_enter(&st, &c, err, sizeof(err)));
	EXPECT_STREQ("", st.cgroup);
	sched_cgroup_leave(&st);
	c.weight = 100;
	c.cgroup = "/";
	EXPECT_EQ(-1, sched_cgroup_enter(&st, &c, err, sizeof(err)));
	/* Either no cgroup v2 at all or / is not one: one line that says so. */
	EXPECT_TRUE(!strcmp(err, "cgroup /: not a cgroup v2 directory") ||
		    !strcmp(err, "--weight/--cap need cgroup v2, and none is mounted")) {
		TH_LOG("%s", err);
	}
	EXPECT_STREQ("", st.cgroup);
}

TEST(words)
{
	EXPECT_TRUE(sched_has_word("cpuset cpu io memory", "cpu"));
	EXPECT_TRUE(sched_has_word("cpu", "cpu"));
	EXPECT_TRUE(sched_has_word("io cpu\n", "cpu"));
	EXPECT_FALSE(sched_has_word("cpuset io memory", "cpu"));
	EXPECT_FALSE(sched_has_word("", "cpu"));
	EXPECT_FALSE(sched_has_word("xcpu", "cpu"));
}

TEST(formats)
{
	cpu_set_t s;
	char b[16];

	CPU_ZERO(&s);
	sched_format_cpus(&s, b, sizeof(b));
	EXPECT_STREQ("", b);
	CPU_SET(0, &s);
	CPU_SET(2, &s);
	CPU_SET(3, &s);
	CPU_SET(4, &s);
	CPU_SET(1000, &s);
	sched_format_cpus(&s, b, sizeof(b));
	EXPECT_STREQ("0,2-4,1000", b);
	/* Truncated, never overrun (ASan). */
	for (int i = 10; i < 40; i += 2)
		CPU_SET(i, &s);
	sched_format_cpus(&s, b, sizeof(b));
	EXPECT_EQ(15U, strlen(b));
}

TEST_HARNESS_MAIN
