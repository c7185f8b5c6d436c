// SPDX-License-Identifier: GPL-2.0
/* vireo run option parser. */
#include <string.h>

/* The harness leaves parameters unused and compares mixed signedness. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "vmm/options.h"

#define PARSE(cfg, err, ...) ({						\
	char *const _a[] = { __VA_ARGS__ };				\
	options_parse((int)(sizeof(_a) / sizeof(_a[0])), _a, (cfg), (err),	\
		      sizeof(err));					\
})

TEST(defaults)
{
	struct vm_config c;
	char err[128];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "bz"));
	EXPECT_STREQ("bz", c.kernel);
	EXPECT_EQ(NULL, c.initrd);
	EXPECT_EQ(NULL, c.cmdline);
	EXPECT_EQ(512ULL << 20, c.mem_bytes);
	EXPECT_EQ(1U, c.cpus);
	EXPECT_EQ(0U, c.nr_disks);
	EXPECT_EQ(NULL, c.tap);
	EXPECT_EQ(CONSOLE_STDIO, c.console);
	EXPECT_STREQ("/dev/vireo", c.device);
	EXPECT_EQ(0ULL, c.pin_mask);
}

TEST(all_options)
{
	struct vm_config c;
	char err[128];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel=k", "--initrd", "i",
			   "--cmdline", "console=ttyS0 quiet", "--memory", "2G",
			   "--cpus", "4", "--disk", "a.img", "--disk=b.img,ro",
			   "--net", "tap:tap0", "--console", "none",
			   "--pin", "0-2,5", "--device", "/dev/kvm"));
	EXPECT_STREQ("k", c.kernel);
	EXPECT_STREQ("i", c.initrd);
	EXPECT_STREQ("console=ttyS0 quiet", c.cmdline);
	EXPECT_EQ(2ULL << 30, c.mem_bytes);
	EXPECT_EQ(4U, c.cpus);
	ASSERT_EQ(2U, c.nr_disks);
	EXPECT_STREQ("a.img", c.disks[0].path);
	EXPECT_FALSE(c.disks[0].ro);
	EXPECT_STREQ("b.img", c.disks[1].path);
	EXPECT_TRUE(c.disks[1].ro);
	EXPECT_STREQ("tap0", c.tap);
	EXPECT_EQ(CONSOLE_NONE, c.console);
	EXPECT_EQ(0x27ULL, c.pin_mask);
	EXPECT_STREQ("/dev/kvm", c.device);
}

TEST(console_modes)
{
	struct vm_config c;
	char err[128];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--console", "virtio"));
	EXPECT_EQ(CONSOLE_VIRTIO, c.console);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--console", "stdio"));
	EXPECT_EQ(CONSOLE_STDIO, c.console);
}

TEST(virtio_transport)
{
	struct vm_config c;
	char err[128];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k"));
	EXPECT_EQ(VIRTIO_MMIO, c.transport);		/* the default */
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--virtio", "pci"));
	EXPECT_EQ(VIRTIO_PCI, c.transport);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--virtio=mmio"));
	EXPECT_EQ(VIRTIO_MMIO, c.transport);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--virtio", "ccw"));
	EXPECT_STREQ("--virtio: expected mmio or pci, got 'ccw'", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--virtio"));
}

TEST(console_mode)
{
	struct vm_config c;
	char err[128];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k"));
	EXPECT_EQ(CONSOLE_STDIO, c.console);		/* the default */
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--console", "none"));
	EXPECT_EQ(CONSOLE_NONE, c.console);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--console=virtio"));
	EXPECT_EQ(CONSOLE_VIRTIO, c.console);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--console", "Stdio"));
	EXPECT_STREQ("--console: expected stdio, virtio or none, got 'Stdio'", err);
}

TEST(help)
{
	struct vm_config c;
	char err[128];

	ASSERT_EQ(0, PARSE(&c, err, "--help"));
	EXPECT_TRUE(c.help);
}

TEST(errors)
{
	struct vm_config c;
	char err[128];

	EXPECT_EQ(-1, PARSE(&c, err, "--initrd", "x"));
	EXPECT_STREQ("--kernel is required", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--bogus", "1"));
	EXPECT_STREQ("unknown option '--bogus'", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel"));
	EXPECT_STREQ("option '--kernel' needs a value", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "stray"));
	EXPECT_STREQ("unexpected argument 'stray'", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--memory", "lots"));
	EXPECT_STREQ("--memory: bad size 'lots'", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--memory", "0"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--cpus", "0"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--cpus", "65"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--cpus", "65"));
	EXPECT_STREQ("--cpus 65: at most 64 vCPUs are supported", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--cpus", "0"));
	EXPECT_STREQ("--cpus: bad count '0' (1..64)", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--cpus", "2x"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--console", "tty"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--net", "user"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--net", "tap:"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--disk", "a,rx"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--disk", ",ro"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--pin", "3-1"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--disk", "1", "--disk",
			    "2", "--disk", "3", "--disk", "4", "--disk", "5"));
}

TEST(net_vhost)
{
	struct vm_config c;
	char err[128];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--net", "tap:vt0"));
	EXPECT_STREQ("vt0", c.tap);
	EXPECT_FALSE(c.vhost);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--net", "tap:vt0,vhost"));
	EXPECT_STREQ("vt0", c.tap);
	EXPECT_TRUE(c.vhost);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--net", "tap:vt0,vhots"));
	EXPECT_STREQ("--net: unknown flag 'vhots' (vhost)", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--net", "tap:,vhost"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--net",
			    "tap:0123456789012345678901234567890123456789012345678901234567890123"));
	EXPECT_STREQ("--net: tap name too long", err);
}

TEST(cmdline)
{
	char out[64];

	/* The command line as given, whatever the vCPU count: no "noapic". */
	ASSERT_EQ(0, options_cmdline(NULL, out, sizeof(out)));
	EXPECT_STREQ(DEFAULT_CMDLINE, out);
	ASSERT_EQ(0, options_cmdline("console=ttyS0 quiet", out, sizeof(out)));
	EXPECT_STREQ("console=ttyS0 quiet", out);
	ASSERT_EQ(0, options_cmdline("", out, sizeof(out)));
	EXPECT_STREQ("", out);
	/* 63 bytes fit with the NUL, 64 do not. */
	ASSERT_EQ(0, options_cmdline("0123456789012345678901234567890123456789"
				     "01234567890123456789012", out, sizeof(out)));
	EXPECT_EQ(-1, options_cmdline("0123456789012345678901234567890123456789"
				      "012345678901234567890123", out,
				      sizeof(out)));
}

TEST(sizes)
{
	uint64_t v;

	ASSERT_EQ(0, options_size("512M", &v));
	EXPECT_EQ(512ULL << 20, v);
	ASSERT_EQ(0, options_size("300", &v));
	EXPECT_EQ(300ULL << 20, v);
	ASSERT_EQ(0, options_size("1g", &v));
	EXPECT_EQ(1ULL << 30, v);
	ASSERT_EQ(0, options_size("4096K", &v));
	EXPECT_EQ(4ULL << 20, v);
	ASSERT_EQ(0, options_size("1GiB", &v));
	EXPECT_EQ(1ULL << 30, v);
	ASSERT_EQ(0, options_size("2MB", &v));
	EXPECT_EQ(2ULL << 20, v);
	ASSERT_EQ(0, options_size("1T", &v));
	EXPECT_EQ(1ULL << 40, v);
	EXPECT_EQ(-1, options_size("", &v));
	EXPECT_EQ(-1, options_size("-1", &v));
	EXPECT_EQ(-1, options_size("1X", &v));
	EXPECT_EQ(-1, options_size("1Mx", &v));
	EXPECT_EQ(-1, options_size("iB", &v));
	EXPECT_EQ(-1, options_size("99999999999999999999", &v));
	EXPECT_EQ(-1, options_size("99999999999G", &v));
}

TEST(cpulists)
{
	uint64_t m;

	ASSERT_EQ(0, options_cpulist("0", &m));
	EXPECT_EQ(1ULL, m);
	ASSERT_EQ(0, options_cpulist("1,3-4,63", &m));
	EXPECT_EQ(0x1aULL | 1ULL << 63, m);
	EXPECT_EQ(-1, options_cpulist("", &m));
	EXPECT_EQ(-1, options_cpulist("64", &m));
	EXPECT_EQ(-1, options_cpulist("1,", &m));
	EXPECT_EQ(-1, options_cpulist("1-", &m));
	EXPECT_EQ(-1, options_cpulist("a", &m));
	EXPECT_EQ(-1, options_cpulist("1;2", &m));
}

TEST(cpu_controls)
{
	struct vm_config c;
	char err[160];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k"));
	EXPECT_EQ(0ULL, c.pin_io_mask);
	EXPECT_EQ(0U, c.weight);
	EXPECT_EQ(0U, c.cap);
	EXPECT_EQ(NULL, c.cgroup);
	EXPECT_EQ(0ULL, c.rt_runtime_ns);
	EXPECT_FALSE(c.mem_lock);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--pin-io", "2-3",
			   "--weight", "200", "--cap=25%", "--cgroup",
			   "/sys/fs/cgroup/vms", "--mem-lock"));
	EXPECT_EQ(0xcULL, c.pin_io_mask);
	EXPECT_EQ(200U, c.weight);
	EXPECT_EQ(25U, c.cap);
	EXPECT_STREQ("/sys/fs/cgroup/vms", c.cgroup);
	EXPECT_TRUE(c.mem_lock);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--rt", "2ms/10ms"));
	EXPECT_EQ(2000000ULL, c.rt_runtime_ns);
	EXPECT_EQ(10000000ULL, c.rt_period_ns);
	EXPECT_TRUE(c.mem_lock);		/* --rt implies --mem-lock */
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--weight", "1", "--cap", "6400"));
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--weight", "10000"));

	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--weight", "0"));
	EXPECT_STREQ("--weight: '0' is not in 1..10000", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--weight", "10001"));
	EXPECT_STREQ("--weight: '10001' is not in 1..10000", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--weight", "-5"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--weight", "99999999999999999999999"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--cap", "0"));
	EXPECT_STREQ("--cap: '0' is not a percentage in 1..6400", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--cap", "25%%"));
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--pin-io", "x"));
	EXPECT_STREQ("--pin-io: bad CPU list 'x'", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--rt", "3ms/2ms"));
	EXPECT_STREQ("--rt 3ms/2ms: budget above period", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--rt", "2ms"));
	EXPECT_STREQ("--rt: expected BUDGET/PERIOD such as 2ms/10ms, got '2ms'", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--rt", "0/10ms"));
	EXPECT_STREQ("--rt: bad budget '0' (e.g. 2ms, 500us)", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--rt", "2ms/10xs"));
	EXPECT_STREQ("--rt: bad period '10xs' (e.g. 10ms)", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--rt", "2ms/10ms", "--pin", "0"));
	EXPECT_STREQ("--rt cannot be combined with --pin (SCHED_DEADLINE needs every CPU)", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--cgroup", "/x"));
	EXPECT_STREQ("--cgroup needs --weight or --cap", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--weight", "5", "--cgroup", "rel"));
	EXPECT_STREQ("--cgroup: 'rel' is not an absolute path", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--mem-lock=1"));
	EXPECT_STREQ("--mem-lock takes no value", err);
}

TEST(sandbox_options)
{
	struct vm_config c;
	char err[160];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k"));
	EXPECT_EQ(NULL, c.user);
	EXPECT_FALSE(c.no_sandbox);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--user", "nobody", "--no-sandbox"));
	EXPECT_STREQ("nobody", c.user);
	EXPECT_TRUE(c.no_sandbox);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--user", ""));
	EXPECT_STREQ("--user: empty name", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--no-sandbox=yes"));
	EXPECT_STREQ("--no-sandbox takes no value", err);
	EXPECT_EQ(NULL, c.jail);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--jail", "/var/empty"));
	EXPECT_STREQ("/var/empty", c.jail);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--jail", "empty"));
	EXPECT_STREQ("--jail: 'empty' is not an absolute path", err);
}

TEST(irqchip_modes)
{
	struct vm_config c;
	char err[128];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k"));
	EXPECT_EQ(IRQCHIP_AUTO, c.irqchip);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--irqchip", "kernel"));
	EXPECT_EQ(IRQCHIP_KERNEL, c.irqchip);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--irqchip=split"));
	EXPECT_EQ(IRQCHIP_SPLIT, c.irqchip);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--irqchip", "user"));
	EXPECT_EQ(IRQCHIP_USER, c.irqchip);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--irqchip", "on"));
	EXPECT_STREQ("--irqchip: expected kernel, split or user, got 'on'", err);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--irqchip"));
}

TEST(durations)
{
	uint64_t ns;

	ASSERT_EQ(0, options_duration("2ms", &ns));
	EXPECT_EQ(2000000ULL, ns);
	ASSERT_EQ(0, options_duration("500us", &ns));
	EXPECT_EQ(500000ULL, ns);
	ASSERT_EQ(0, options_duration("1s", &ns));
	EXPECT_EQ(1000000000ULL, ns);
	ASSERT_EQ(0, options_duration("1024ns", &ns));
	EXPECT_EQ(1024ULL, ns);
	ASSERT_EQ(0, options_duration("300", &ns));	/* microseconds */
	EXPECT_EQ(300000ULL, ns);
	EXPECT_EQ(-1, options_duration("", &ns));
	EXPECT_EQ(-1, options_duration("ms", &ns));
	EXPECT_EQ(-1, options_duration("2 ms", &ns));
	EXPECT_EQ(-1, options_duration("2m", &ns));
	EXPECT_EQ(-1, options_duration("-2ms", &ns));
	EXPECT_EQ(-1, options_duration("99999999999999999s", &ns));
	EXPECT_EQ(-1, options_duration("99999999999999999999999", &ns));
}

TEST(profile_option)
{
	struct vm_config c;
	char err[160];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k"));
	EXPECT_FALSE(c.profile);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--profile"));
	EXPECT_TRUE(c.profile);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--profile=1"));
	EXPECT_STREQ("--profile takes no value", err);
	EXPECT_NE(NULL, strstr(options_usage, "--profile"));
}

TEST(no_pv_eoi_option)
{
	struct vm_config c;
	char err[160];

	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k"));
	EXPECT_FALSE(c.no_pv_eoi);
	ASSERT_EQ(0, PARSE(&c, err, "--kernel", "k", "--no-pv-eoi"));
	EXPECT_TRUE(c.no_pv_eoi);
	EXPECT_EQ(-1, PARSE(&c, err, "--kernel", "k", "--no-pv-eoi=1"));
	EXPECT_STREQ("--no-pv-eoi takes no value", err);
	EXPECT_NE(NULL, strstr(options_usage, "--no-pv-eoi"));
}

TEST_HARNESS_MAIN
