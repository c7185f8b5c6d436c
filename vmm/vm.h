/* SPDX-License-Identifier: GPL-2.0 */
/* One virtual machine: KVM file descriptors, RAM, devices, threads. */
#ifndef VIREO_VM_H
#define VIREO_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "console.h"
#include "ioapic.h"
#include "lapic.h"
#include "mem.h"
#include "options.h"
#include "pci.h"
#include "pic.h"
#include "pit.h"
#include "pm.h"
#include "rtc.h"
#include "cpusched.h"
#include "serial.h"
#include "virtio_blk.h"
#include "virtio_console.h"
#include "virtio_net.h"
#include "virtio_pci.h"
#include "virtio_rng.h"

enum vm_exit {
	EXIT_POWEROFF = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_REBOOT = 3,
	EXIT_TRIPLE_FAULT = 4,
	EXIT_QUIT = 5,
};

/*
 * Boot timer: the guest writes BOOT_TIMER_MAGIC to this MMIO byte when its
 * init starts (busybox: devmem 0xd0000000 8 123); the VMM logs the time.
 */
#define BOOT_TIMER_MMIO	0xd0000000ULL
#define BOOT_TIMER_MAGIC 123
/*
 * virtio-mmio devices: one 4 KiB window each, from here up, described to the
 * guest in the DSDT (dsdt.asl); port VIRTIO_SLOTS_PORT reads the bitmap of
 * slots in use.
 */
#define VIRTIO_MMIO_BASE 0xd0001000ULL
#define VIRTIO_SLOTS_PORT 0x510
#define VIRTIO_SLOTS	8	/* with --virtio pci: PCI devices 1..8 */
#define CMDLINE_MAX	4096

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	pid_t tid;		/* set by the thread itself (vm->lock) */
	bool go;		/* the thread may run the guest (vm->lock) */
	bool halted;
	/* SMP guests: this vCPU's local APIC and its timer (vm->lock). */
	struct lapic *apic;
	int apic_timer_fd;
	/* Statistics, for the VIREO_DEBUG dump. */
	uint64_t exits, io_exits, mmio_exits, hlt_exits, window_exits;
	uint64_t eintr, injected;
	uint32_t last_exit;
	uint64_t last_exit_ns, halt_ns;	/* when; length of the last halt */
};

struct firmware {
	const uint8_t *dsdt;
	size_t dsdt_len;
};

struct vm {
	const struct vm_config *cfg;
	int sys_fd, vm_fd;
	struct guest_mem mem;
	size_t run_size;
	struct bus pio, mmio;

	pthread_mutex_t lock;	/* all device state below */
	pthread_cond_t wake;	/* halted vCPUs wait here */
	struct pic pic;
	struct pit pit;
	struct serial com1;
	struct rtc rtc;
	struct pm pm;
	struct pci_bus pci;
	struct console con;
	struct virtio_rng rng;
	struct virtio_console vcon;
	struct virtio_net net;
	bool has_net;
	uint8_t virtio_slots;
	struct virtio_pci vpci[VIRTIO_SLOTS];	/* --virtio pci */
	struct virtio_blk disks[OPT_MAX_DISKS];
	unsigned int nr_disks;
	/*
	 * The virtio devices, and their work left for later: a notify does at
	 * most a queue's worth, the virtio worker thread the rest.
	 */
	struct virtio_mmio *virtio[VIRTIO_SLOTS];
	unsigned int nr_virtio;
	pthread_cond_t work;
	bool work_pending;
	pthread_t worker;
	bool worker_started;
	char cmdline[CMDLINE_MAX];

	struct vcpu *vcpus;
	unsigned int nr_vcpus;
	/*
	 * --cpus > 1: a local APIC per vCPU, an I/O APIC and a MADT; with one
	 * vCPU the guest has no APIC at all and runs on the 8259 alone.
	 */
	bool smp;
	struct ioapic ioapic;
	bool has_nmi;		/* KVM_CAP_USER_NMI: NMI IPIs reach the guest */
	struct lapic apics[OPT_MAX_CPUS];
	struct lapic *apic_ptrs[OPT_MAX_CPUS];
	int timer_fd, event_fd, signal_fd;
	uint64_t start_ns;
	bool boot_timed;	/* the boot timer has been logged */
	bool stopping;
	int exit_code;
	struct sched_state sched;
};

/* Boot the configured guest; returns the process exit status. */
int vm_run(const struct vm_config *cfg, const struct firmware *fw);
/* Stop the VM with a status (first caller wins). Call with vm->lock held. */
void vm_stop_locked(struct vm *vm, int code);
uint64_t vm_now_ns(void);
/*
 * A virtio device of the VM: its passes drop vm->lock for slow work and
 * leave what is over to the virtio worker thread, which
 * vm_virtio_worker_start() starts (vm_stop_locked() ends it).
 */
void vm_virtio_add(struct vm *vm, struct virtio_mmio *t);
int vm_virtio_worker_start(struct vm *vm);
/* The boot timer's MMIO page (opaque: the VM). */
void vm_boot_timer_io(void *opaque, uint64_t off, uint8_t *d,
		      unsigned int size, bool w);
void vm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* vcpu.c */
int vcpu_create(struct vm *vm, struct vcpu *v, unsigned int id,
		const void *entry);
int vcpu_start(struct vcpu *v);
/*
 * After every vcpu_start(): --rt on each vCPU thread (0, or -1 with the
 * error given); vcpu_release() then lets the threads run the guest, or
 * stop if the VM is stopping.
 */
int vcpu_prepare(struct vm *vm);
void vcpu_release(struct vm *vm);
void vcpu_kick(struct vcpu *v);
void vcpu_dump(struct vcpu *v);
int vcpu_signals_init(void);

#endif
