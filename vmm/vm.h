/* SPDX-License-Identifier: GPL-2.0 */
/* One virtual machine: KVM file descriptors, RAM, devices, threads. */
#ifndef VIREO_VM_H
#define VIREO_VM_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "console.h"
#include "ioevent.h"
#include "cpusched.h"
#include "mem.h"
#include "options.h"
#include "profile.h"
#include "serial.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_mmio.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_rng.h"
#include "virtio/vhost_net.h"

/*
 * The architecture's own devices, boot state and vCPU state: struct
 * arch_vm, struct arch_vcpu, ARCH_MIN_MEM and BOOT_TIMER_MMIO (x86/arch.h,
 * arm64/arch.h). Its functions, the arch_*() below, live beside them.
 */
#if defined(__aarch64__)
#include "arm64/arch.h"
#else
#include "x86/arch.h"
#endif

enum vm_exit {
	EXIT_POWEROFF = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_REBOOT = 3,
	EXIT_TRIPLE_FAULT = 4,
	EXIT_QUIT = 5,
};

/*
 * Boot timer: the guest writes BOOT_TIMER_MAGIC to the MMIO byte at
 * BOOT_TIMER_MMIO (the architecture's) when its init starts (busybox on
 * x86: devmem 0xd0000000 8 123); the VMM logs the time.
 */
#define BOOT_TIMER_MAGIC 123
#define VIRTIO_SLOTS	8	/* virtio devices at most */
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
	struct arch_vcpu arch;
	/* Statistics, for the VIREO_DEBUG dump. */
	uint64_t exits, mmio_exits, eintr;
	uint32_t last_exit;
	uint64_t last_exit_ns;
	/* --profile (vmm/profile.c): the module's statistics fd, or -1 */
	int stats_fd;
	struct vcpu_profile prof;
};

/* What main() hands the VM besides the options (x86: the DSDT). */
struct firmware {
	const uint8_t *dsdt;
	size_t dsdt_len;
};

struct vm {
	const struct vm_config *cfg;
	int sys_fd, vm_fd;
	int stats_fd;		/* --profile: the VM's statistics fd, or -1 */
	struct guest_mem mem;
	size_t run_size;
	struct bus pio, mmio;

	pthread_mutex_t lock;	/* all device state below */
	pthread_cond_t wake;	/* halted vCPUs wait here */
	struct serial com1;	/* the console UART, a 16550 on both */
	struct console con;
	struct virtio_rng rng;
	struct virtio_console vcon;
	struct virtio_net net;
	bool has_net;
	unsigned int net_slot;	/* its virtio device number */
	struct vhost_net vhost;	/* --net tap:NAME,vhost */
	bool has_vhost;
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
	/*
	 * With the interrupt controllers in the kernel: each virtio device's
	 * queue notifications through ioeventfds, on an I/O thread of its own
	 * (ioev[n].vm set when device n has them).
	 */
	struct ioevent ioev[VIRTIO_SLOTS];
	char cmdline[CMDLINE_MAX];

	struct vcpu *vcpus;
	unsigned int nr_vcpus;
	struct arch_vm arch;
	int event_fd, signal_fd;
	int stop_fd;		/* readable once the VM stops (I/O threads) */
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
/* The same, taking the lock. */
void vm_stop(struct vm *vm, int code);
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

/* The console UART's callbacks (ctx the VM), for the architecture's wiring. */
void vm_serial_tx(void *ctx, uint8_t b);
void vm_serial_room(void *ctx);
/* Wake the I/O thread's poll(), e.g. after a device timer was re-armed. */
void vm_wake_loop(struct vm *vm);

/* vcpu.c */
int vcpu_create(struct vm *vm, struct vcpu *v, unsigned int id);
int vcpu_start(struct vcpu *v);
/*
 * After every vcpu_start(): --rt on each vCPU thread (0, or -1 with the
 * error given); vcpu_release() then lets the threads run the guest, or
 * stop if the VM is stopping.
 */
int vcpu_prepare(struct vm *vm);
void vcpu_release(struct vm *vm);
void vcpu_kick(struct vcpu *v);
int vcpu_signals_init(void);

/*
 * The architecture's half of the VM (x86/vm.c, arm64/vm.c), in the order
 * vm_run() calls it. Functions returning int give 0, or -1 after printing
 * one error line.
 */
/* Options it cannot honour, before anything is set up. */
int arch_check(const struct vm_config *cfg);
/* Lay guest RAM (host, size bytes) out in guest-physical space. */
void arch_mem_init(struct guest_mem *m, void *host, uint64_t size);
/* After KVM_CREATE_VM and the RAM slots: VM-wide KVM state. */
int arch_vm_init(struct vm *vm);
/* Its devices on vm->pio/vm->mmio, the console UART (vm->com1) included. */
int arch_add_devices(struct vm *vm);
/*
 * The n-th virtio device: the interrupt line it signals on, then its place
 * (a virtio-mmio window, or with --virtio pci a PCI slot of that class).
 */
struct irq_line arch_virtio_line(struct vm *vm, unsigned int n);
int arch_add_virtio(struct vm *vm, struct virtio_mmio *t, unsigned int n,
		    uint32_t pci_class);
/* Firmware tables and the kernel in guest RAM; the boot state in vm->arch. */
int arch_load(struct vm *vm, const struct firmware *fw, const uint8_t *kernel,
	      size_t kernel_len, const uint8_t *initrd, size_t initrd_len);
/* A vCPU just created (fd, run mapped): its boot state. */
int arch_vcpu_init(struct vcpu *v);
/* Every vCPU created (arm64: the vGIC is initialised now). */
int arch_vcpus_done(struct vm *vm);
/* The I/O thread's descriptors for device timers; returns how many. */
unsigned int arch_poll_fds(struct vm *vm, struct pollfd *pf, unsigned int max);
/* Those descriptors after poll(), the vm->lock not held. */
void arch_poll_serve(struct vm *vm, const struct pollfd *pf, unsigned int n);
/*
 * vCPU thread, before each KVM_RUN (interrupt injection, a CPU waiting for
 * its start-up): false when the vCPU must stop.
 */
bool arch_vcpu_enter(struct vcpu *v);
/* An MMIO exit at an address of this vCPU's own (the x86 local APIC). */
bool arch_vcpu_mmio(struct vcpu *v, uint64_t addr, uint8_t *data,
		    unsigned int len, bool w);
/*
 * An exit the common code does not handle: 1 handled, 0 the vCPU stops
 * (having stopped the VM), -1 unknown.
 */
int arch_vcpu_exit(struct vcpu *v);
void arch_vcpu_dump(struct vcpu *v);
void arch_debug_dump(struct vm *vm);
/* After every thread stopped: the architecture's descriptors. */
void arch_vcpu_destroy(struct vcpu *v);
void arch_vm_destroy(struct vm *vm);

#endif
