// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "errmsg.h"

const char options_usage[] =
"usage: vireo run --kernel PATH [options]\n"
"  --kernel PATH      bzImage to boot (required)\n"
"  --initrd PATH      initial ramdisk\n"
"  --cmdline STR      kernel command line (default \"" DEFAULT_CMDLINE "\")\n"
"  --memory SIZE      guest RAM, e.g. 512M, 2G (default 512M; plain number: MiB)\n"
"  --cpus N           virtual CPUs, 1..64 and at most the module's limit\n"
"                     (default 1)\n"
"  --disk PATH[,ro]   virtio-blk raw image (repeatable)\n"
"  --net tap:NAME[,vhost]  virtio-net on a tap device; with vhost its data\n"
"                     path is the kernel's vhost-net (/dev/vhost-net; needs\n"
"                     --irqchip split or kernel)\n"
"  --console stdio|virtio|none  stdin/stdout on the serial port (ttyS0),\n"
"                     or input to virtio-console (hvc0), or nothing\n"
"  --virtio mmio|pci  transport of the virtio devices: virtio-mmio (default)\n"
"                     or PCI (virtio-pci modern, INTx; MSI-X with --cpus > 1)\n"
"  --irqchip kernel|split|user  interrupt controllers: all in the kernel\n"
"                     (with the PIT), local APICs in the kernel and the I/O\n"
"                     APIC and 8259 in the VMM, or all in the VMM (default:\n"
"                     split when the module offers it, else user)\n"
"  --no-pv-eoi        with the local APICs in the kernel, do not offer the\n"
"                     guest the module's PV EOI (the guest then acknowledges\n"
"                     every interrupt at its local APIC)\n"
"  --pin CPULIST      host CPUs for the vCPU threads, e.g. 0-1,3: vCPU i on\n"
"                     the i-th CPU listed when there are enough, else all\n"
"                     vCPUs on the whole list\n"
"  --pin-io CPULIST   host CPUs for the VMM's other threads\n"
"  --weight N         CPU share against other cgroups, 1..10000 (cgroup v2\n"
"                     cpu.weight, default 100; Xen Credit's weight)\n"
"  --cap PERCENT      at most PERCENT of one CPU for the whole VM (cpu.max;\n"
"                     Xen Credit's cap)\n"
"  --cgroup PATH      cgroup v2 directory under which the VM's cgroup is made\n"
"                     (default: the VMM's own cgroup)\n"
"  --rt BUDGET/PERIOD each vCPU thread gets BUDGET of CPU time every PERIOD\n"
"                     under SCHED_DEADLINE, e.g. 2ms/10ms (Xen RTDS);\n"
"                     implies --mem-lock; not with --pin\n"
"  --mem-lock         fault in and lock guest memory before the guest starts\n"
"  --user NAME        after set-up, run as user NAME\n"
"  --jail DIR         after set-up, run in new mount, network, IPC and UTS\n"
"                     namespaces with DIR (an empty directory will do) as /\n"
"  --no-sandbox       no seccomp filters (by default each thread may make only\n"
"                     the system calls its kind needs once the guest runs)\n"
"  --device PATH      KVM-ABI device (default " DEFAULT_DEVICE ", or /dev/kvm)\n"
"  --profile          at exit, print to stderr each vCPU's time in and out of\n"
"                     KVM_RUN and the module's statistics (KVM_GET_STATS_FD)\n"
"Console: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A.\n"
"Exit status: 0 guest powered off, 1 VMM error, 2 bad usage, 3 guest reboot,\n"
"             4 guest triple fault, 5 quit from the console or a signal.\n";

int options_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 20;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (*end) {
	case 'k': case 'K':
		shift = 10, end++;
		break;
	case 'm': case 'M':
		shift = 20, end++;
		break;
	case 'g': case 'G':
		shift = 30, end++;
		break;
	case 't': case 'T':
		shift = 40, end++;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	/* Accept "512MiB" and "512MB" as well (all binary units). */
	if (end > s && end[-1] > '9' && (!strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	if (*end || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int options_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *name;
		uint64_t mul;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		{ "s", 1000000000 }, { "", 1000 },
	};
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].name))
			continue;
		if (v > UINT64_MAX / units[i].mul)
			return -1;
		*ns = v * units[i].mul;
		return 0;
	}
	return -1;
}

int options_rt(const char *s, uint64_t *runtime, uint64_t *period, char *err,
	       size_t errlen)
{
	const char *slash = strchr(s, '/');
	char budget[32];

	if (!slash || (size_t)(slash - s) >= sizeof(budget))
		return errmsg(err, errlen, "--rt: expected BUDGET/PERIOD such as 2ms/10ms, got '%s'",
			    s);
	memcpy(budget, s, (size_t)(slash - s));
	budget[slash - s] = '\0';
	if (options_duration(budget, runtime) || !*runtime)
		return errmsg(err, errlen, "--rt: bad budget '%s' (e.g. 2ms, 500us)", budget);
	if (options_duration(slash + 1, period) || !*period)
		return errmsg(err, errlen, "--rt: bad period '%s' (e.g. 10ms)", slash + 1);
	if (*runtime > *period)
		return errmsg(err, errlen, "--rt %s: budget above period", s);
	return 0;
}

int options_cpulist(const char *s, uint64_t *mask)
{
	uint64_t m = 0;

	if (!s || !*s)
		return -1;
	while (*s) {
		unsigned long a, b;
		char *end;

		if (*s < '0' || *s > '9')
			return -1;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -1;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= 64)
			return -1;
		for (unsigned long i = a; i <= b; i++)
			m |= 1ULL << i;
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	*mask = m;
	return 0;
}

struct choice {
	const char *name;
	int value;
};

static const struct choice console_modes[] = {
	{ "stdio", CONSOLE_STDIO }, { "virtio", CONSOLE_VIRTIO },
	{ "none", CONSOLE_NONE }, { NULL, 0 },
};

static const struct choice transports[] = {
	{ "mmio", VIRTIO_MMIO }, { "pci", VIRTIO_PCI }, { NULL, 0 },
};

static const struct choice irqchip_modes[] = {
	{ "kernel", IRQCHIP_KERNEL }, { "split", IRQCHIP_SPLIT },
	{ "user", IRQCHIP_USER }, { NULL, 0 },
};

/* One of @c's names into *@out; the error lists them all, in order. */
static int parse_choice(const char *opt, const char *val,
			const struct choice *c, int *out, char *err,
			size_t errlen)
{
	char names[128] = "";
	size_t len = 0;
	int n;

	for (n = 0; c[n].name; n++) {
		if (!strcmp(val, c[n].name)) {
			*out = c[n].value;
			return 0;
		}
	}
	for (int i = 0; i < n && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					i == 0 ? "" : i == n - 1 ? " or " : ", ",
					c[i].name);
	return errmsg(err, errlen, "%s: expected %s, got '%s'", opt, names, val);
}

static int parse_disk(struct vm_config *cfg, const char *v, char *err,
		      size_t errlen)
{
	char *buf, *comma;

	if (cfg->nr_disks == OPT_MAX_DISKS)
		return errmsg(err, errlen, "--disk: at most %d disks", OPT_MAX_DISKS);
	if (strlen(v) >= sizeof(cfg->disk_buf[0]) || !*v)
		return errmsg(err, errlen, "--disk: bad path");
	buf = cfg->disk_buf[cfg->nr_disks];
	strcpy(buf, v);
	comma = strchr(buf, ',');
	cfg->disks[cfg->nr_disks].ro = false;
	if (comma) {
		*comma = '\0';
		if (strcmp(comma + 1, "ro") && strcmp(comma + 1, "rw"))
			return errmsg(err, errlen, "--disk: unknown flag '%s' (ro or rw)",
				    comma + 1);
		cfg->disks[cfg->nr_disks].ro = !strcmp(comma + 1, "ro");
		if (!*buf)
			return errmsg(err, errlen, "--disk: bad path");
	}
	cfg->disks[cfg->nr_disks++].path = buf;
	return 0;
}

/* tap:NAME[,vhost] */
static int parse_net(struct vm_config *cfg, const char *v, char *err,
		     size_t errlen)
{
	char *comma;

	if (strncmp(v, "tap:", 4) || !v[4] || v[4] == ',')
		return errmsg(err, errlen, "--net: expected tap:NAME[,vhost], got '%s'",
			    v);
	if (strlen(v + 4) >= sizeof(cfg->tap_buf))
		return errmsg(err, errlen, "--net: tap name too long");
	strcpy(cfg->tap_buf, v + 4);
	cfg->vhost = false;
	comma = strchr(cfg->tap_buf, ',');
	if (comma) {
		*comma = '\0';
		if (strcmp(comma + 1, "vhost"))
			return errmsg(err, errlen, "--net: unknown flag '%s' (vhost)",
				    comma + 1);
		cfg->vhost = true;
	}
	cfg->tap = cfg->tap_buf;
	return 0;
}

int options_parse(int argc, char *const argv[], struct vm_config *cfg,
		  char *err, size_t errlen)
{
	static const char *const with_value[] = {
		"--kernel", "--initrd", "--cmdline", "--memory", "--cpus",
		"--disk", "--net", "--console", "--virtio", "--pin", "--device",
		"--pin-io", "--weight", "--cap", "--cgroup", "--rt", "--mem-lock",
		"--user", "--no-sandbox", "--jail", "--irqchip", "--profile",
		"--no-pv-eoi", NULL,
	};

	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_bytes = DEFAULT_MEM;
	cfg->cpus = 1;
	cfg->device = DEFAULT_DEVICE;
	cfg->console = CONSOLE_STDIO;

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *val = NULL, *eq;
		char name[32];
		size_t nlen;
		int k;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			cfg->help = true;
			return 0;
		}
		if (strncmp(arg, "--", 2))
			return errmsg(err, errlen, "unexpected argument '%s'", arg);
		eq = strchr(arg, '=');
		nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		if (nlen >= sizeof(name))
			return errmsg(err, errlen, "unknown option '%s'", arg);
		memcpy(name, arg, nlen);
		name[nlen] = '\0';
		for (k = 0; with_value[k]; k++)
			if (!strcmp(name, with_value[k]))
				break;
		if (!with_value[k])
			return errmsg(err, errlen, "unknown option '%s'", name);
		if (!strcmp(name, "--mem-lock") || !strcmp(name, "--no-sandbox") ||
		    !strcmp(name, "--profile") || !strcmp(name, "--no-pv-eoi")) {
			if (eq)
				return errmsg(err, errlen, "%s takes no value", name);
			if (!strcmp(name, "--mem-lock"))
				cfg->mem_lock = true;
			else if (!strcmp(name, "--profile"))
				cfg->profile = true;
			else if (!strcmp(name, "--no-pv-eoi"))
				cfg->no_pv_eoi = true;
			else
				cfg->no_sandbox = true;
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return errmsg(err, errlen, "option '%s' needs a value", name);

		if (!strcmp(name, "--kernel")) {
			cfg->kernel = val;
		} else if (!strcmp(name, "--initrd")) {
			cfg->initrd = val;
		} else if (!strcmp(name, "--cmdline")) {
			cfg->cmdline = val;
		} else if (!strcmp(name, "--memory")) {
			if (options_size(val, &cfg->mem_bytes) || !cfg->mem_bytes)
				return errmsg(err, errlen, "--memory: bad size '%s'", val);
		} else if (!strcmp(name, "--cpus")) {
			char *end;
			unsigned long n = strtoul(val, &end, 10);

			if (*val < '0' || *val > '9' || *end || n < 1)
				return errmsg(err, errlen, "--cpus: bad count '%s' (1..%d)",
					    val, OPT_MAX_CPUS);
			if (n > OPT_MAX_CPUS)
				return errmsg(err, errlen, "--cpus %s: at most %d vCPUs are supported",
					    val, OPT_MAX_CPUS);
			cfg->cpus = (unsigned int)n;
		} else if (!strcmp(name, "--disk")) {
			if (parse_disk(cfg, val, err, errlen))
				return -1;
		} else if (!strcmp(name, "--net")) {
			if (parse_net(cfg, val, err, errlen))
				return -1;
		} else if (!strcmp(name, "--console")) {
			if (parse_choice(name, val, console_modes, &k, err, errlen))
				return -1;
			cfg->console = (enum console_mode)k;
		} else if (!strcmp(name, "--virtio")) {
			if (parse_choice(name, val, transports, &k, err, errlen))
				return -1;
			cfg->transport = (enum virtio_transport)k;
		} else if (!strcmp(name, "--irqchip")) {
			if (parse_choice(name, val, irqchip_modes, &k, err, errlen))
				return -1;
			cfg->irqchip = (enum irqchip_mode)k;
		} else if (!strcmp(name, "--pin")) {
			if (options_cpulist(val, &cfg->pin_mask))
				return errmsg(err, errlen, "--pin: bad CPU list '%s'", val);
		} else if (!strcmp(name, "--pin-io")) {
			if (options_cpulist(val, &cfg->pin_io_mask))
				return errmsg(err, errlen, "--pin-io: bad CPU list '%s'", val);
		} else if (!strcmp(name, "--weight")) {
			char *end;
			unsigned long n = strtoul(val, &end, 10);

			if (*val < '0' || *val > '9' || *end || n < 1 ||
			    n > OPT_MAX_WEIGHT)
				return errmsg(err, errlen, "--weight: '%s' is not in 1..%d",
					    val, OPT_MAX_WEIGHT);
			cfg->weight = (unsigned int)n;
		} else if (!strcmp(name, "--cap")) {
			char *end;
			unsigned long n = strtoul(val, &end, 10);

			if (*end == '%')
				end++;
			if (*val < '0' || *val > '9' || *end || n < 1 ||
			    n > OPT_MAX_CAP)
				return errmsg(err, errlen, "--cap: '%s' is not a percentage in 1..%d",
					    val, OPT_MAX_CAP);
			cfg->cap = (unsigned int)n;
		} else if (!strcmp(name, "--cgroup")) {
			if (*val != '/')
				return errmsg(err, errlen, "--cgroup: '%s' is not an absolute path",
					    val);
			cfg->cgroup = val;
		} else if (!strcmp(name, "--user")) {
			if (!*val)
				return errmsg(err, errlen, "--user: empty name");
			cfg->user = val;
		} else if (!strcmp(name, "--jail")) {
			if (*val != '/')
				return errmsg(err, errlen, "--jail: '%s' is not an absolute path",
					    val);
			cfg->jail = val;
		} else if (!strcmp(name, "--rt")) {
			if (options_rt(val, &cfg->rt_runtime_ns, &cfg->rt_period_ns,
				       err, errlen))
				return -1;
			cfg->mem_lock = true;
		} else {
			cfg->device = val;
		}
	}
	if (!cfg->kernel)
		return errmsg(err, errlen, "--kernel is required");
	/*
	 * A SCHED_DEADLINE thread must be allowed on every CPU of its root
	 * domain (the kernel refuses the policy otherwise): no --pin.
	 */
	if (cfg->rt_period_ns && cfg->pin_mask)
		return errmsg(err, errlen, "--rt cannot be combined with --pin (SCHED_DEADLINE needs every CPU)");
	if (cfg->cgroup && !cfg->weight && !cfg->cap)
		return errmsg(err, errlen, "--cgroup needs --weight or --cap");
	return 0;
}

int options_cmdline(const char *user, char *out, size_t len)
{
	int n = snprintf(out, len, "%s", user ? user : DEFAULT_CMDLINE);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}
