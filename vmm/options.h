/* SPDX-License-Identifier: GPL-2.0 */
/* `vireo run` command line. */
#ifndef VIREO_OPTIONS_H
#define VIREO_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../uapi/vireo.h"

#define OPT_MAX_DISKS	4
#define OPT_MAX_CPUS	64	/* and the module's KVM_CAP_MAX_VCPUS */
#define OPT_MAX_WEIGHT	10000	/* cgroup v2 cpu.weight's range is 1..10000 */
#define OPT_MAX_CAP	6400	/* percent: 64 CPUs */

/* stdio: stdin/stdout on the 16550 (ttyS0); virtio: input to hvc0 instead. */
enum console_mode { CONSOLE_STDIO, CONSOLE_VIRTIO, CONSOLE_NONE };

/*
 * Where the interrupt controllers are (--irqchip): chosen from what the
 * module offers (split when it has KVM_CAP_SPLIT_IRQCHIP, else user), all
 * in the VMM, local APICs in the kernel with the VMM's I/O APIC and 8259
 * (split), or all of them and the PIT in the kernel.
 */
enum irqchip_mode { IRQCHIP_AUTO, IRQCHIP_USER, IRQCHIP_SPLIT, IRQCHIP_KERNEL };

/* Which transport the virtio devices sit on. */
enum virtio_transport { VIRTIO_MMIO, VIRTIO_PCI };

struct vm_config {
	const char *kernel;
	const char *initrd;
	const char *cmdline;	/* NULL: the default */
	uint64_t mem_bytes;
	unsigned int cpus;
	struct {
		const char *path;
		bool ro;
	} disks[OPT_MAX_DISKS];
	unsigned int nr_disks;
	const char *tap;	/* --net tap:NAME (in tap_buf) */
	bool vhost;		/* --net tap:NAME,vhost */
	enum console_mode console;
	enum virtio_transport transport;	/* --virtio */
	enum irqchip_mode irqchip;		/* --irqchip */
	bool no_pv_eoi;		/* --no-pv-eoi: no KVM_FEATURE_PV_EOI */
	uint64_t pin_mask;	/* host CPUs for vCPU threads; 0 = any */
	uint64_t pin_io_mask;	/* --pin-io: the VMM's other threads; 0 = any */
	unsigned int weight;	/* --weight: cgroup v2 cpu.weight; 0 = unset */
	unsigned int cap;	/* --cap: percent of one CPU (cpu.max); 0 = none */
	const char *cgroup;	/* --cgroup: parent of the VM's cgroup */
	uint64_t rt_runtime_ns, rt_period_ns;	/* --rt BUDGET/PERIOD; 0 = none */
	bool mem_lock;		/* --mem-lock (implied by --rt) */
	const char *user;	/* --user: run as this user after set-up */
	const char *jail;	/* --jail: this directory becomes / after set-up */
	bool no_sandbox;	/* --no-sandbox: no seccomp filters */
	bool profile;		/* --profile: time and statistics at exit */
	const char *device;
	bool help;
	char disk_buf[OPT_MAX_DISKS][4096];
	char tap_buf[64];
};

#define DEFAULT_MEM	(512ULL << 20)
#define DEFAULT_DEVICE	VIREO_DEVICE
#define DEFAULT_CMDLINE	"console=ttyS0 panic=-1"

/*
 * Parse the arguments after "run". Returns 0, or -1 with a one-line message
 * in err. Strings in cfg point into argv.
 */
int options_parse(int argc, char *const argv[], struct vm_config *cfg,
		  char *err, size_t errlen);
/* "512M", "2G", "1048576K", "300" (MiB). Returns -1 on a bad size. */
int options_size(const char *s, uint64_t *out);
/* "0-3,6" into a bit mask of CPUs below 64. Returns -1 when malformed. */
int options_cpulist(const char *s, uint64_t *mask);
/* "2ms", "500us", "1s", "100000ns"; a plain number is microseconds. */
int options_duration(const char *s, uint64_t *ns);
/* "BUDGET/PERIOD", e.g. "2ms/10ms". Returns -1 with a message in err. */
int options_rt(const char *s, uint64_t *runtime, uint64_t *period, char *err,
	       size_t errlen);
/*
 * The guest's command line: user's (NULL: the default). Returns -1 if it
 * does not fit in len bytes with its NUL.
 */
int options_cmdline(const char *user, char *out, size_t len);
extern const char options_usage[];

#endif
