// SPDX-License-Identifier: GPL-2.0
/*
 * VM lifetime: open the KVM-ABI device, map RAM, let the architecture
 * (x86/vm.c, arm64/vm.c) wire its devices and load the kernel, add the
 * virtio devices, start the vCPUs, then serve timers, the console and
 * signals on the calling thread until the guest stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "sandbox.h"
#include "vm.h"

void vm_error(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* \r: the terminal may be in raw mode. */
	fprintf(stderr, "vireo: %s\r\n", buf);
}

uint64_t vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void vm_wake_loop(struct vm *vm)
{
	uint64_t one = 1;

	if (write(vm->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vm_error("eventfd: %s", strerror(errno));
}

void vm_stop_locked(struct vm *vm, int code)
{
	uint64_t one = 1;

	if (vm->stopping)
		return;
	vm->stopping = true;
	if (vm->stop_fd >= 0 && write(vm->stop_fd, &one, sizeof(one)) < 0)
		vm_error("eventfd: %s", strerror(errno));
	vm->exit_code = code;
	pthread_cond_broadcast(&vm->wake);
	pthread_cond_broadcast(&vm->work);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	vm_wake_loop(vm);
}

void vm_stop(struct vm *vm, int code)
{
	pthread_mutex_lock(&vm->lock);
	vm_stop_locked(vm, code);
	pthread_mutex_unlock(&vm->lock);
}

/* Device callbacks; all run with vm->lock held. */
void vm_serial_tx(void *ctx, uint8_t b)
{
	struct vm *vm = ctx;

	console_write(&vm->con, b);
}

void vm_serial_room(void *ctx)
{
	vm_wake_loop(ctx);
}

static void vcon_out(void *ctx, const uint8_t *buf, size_t len)
{
	struct vm *vm = ctx;

	console_write_buf(&vm->con, buf, len);
}

/* A virtio device drops the lock while it works on a chain's buffers. */
static void virtio_unlock(void *ctx)
{
	pthread_mutex_unlock(&((struct vm *)ctx)->lock);
}

static void virtio_relock(void *ctx)
{
	pthread_mutex_lock(&((struct vm *)ctx)->lock);
}

static void virtio_defer(void *ctx)
{
	struct vm *vm = ctx;

	vm->work_pending = true;
	pthread_cond_signal(&vm->work);
}

/*
 * The virtio worker: continues the device passes a notify left unfinished
 * (a driver posting chains as fast as they are used), one bounded pass per
 * queue at a time, letting go of the lock between rounds so that timers,
 * input and signals get their turn.
 */
static void *virtio_worker(void *arg)
{
	struct vm *vm = arg;
	char err[256];

	/* By itself: see vcpu_thread(). */
	pthread_setname_np(pthread_self(), "virtio");
	if (sandbox_enter(SANDBOX_IO, err, sizeof(err))) {
		vm_error("%s", err);
		pthread_mutex_lock(&vm->lock);
		vm_stop_locked(vm, EXIT_ERROR);
		pthread_mutex_unlock(&vm->lock);
		return NULL;
	}
	pthread_mutex_lock(&vm->lock);
	for (;;) {
		while (!vm->stopping && !vm->work_pending)
			pthread_cond_wait(&vm->work, &vm->lock);
		if (vm->stopping)
			break;
		vm->work_pending = false;
		for (unsigned int i = 0; i < vm->nr_virtio; i++)
			virtio_mmio_run_deferred(vm->virtio[i]);
		pthread_mutex_unlock(&vm->lock);
		sched_yield();
		pthread_mutex_lock(&vm->lock);
	}
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

int vm_virtio_worker_start(struct vm *vm)
{
	if (pthread_create(&vm->worker, NULL, virtio_worker, vm))
		return -1;
	vm->worker_started = true;
	for (unsigned int i = 0; i < VIRTIO_SLOTS; i++)
		if (vm->ioev[i].vm && ioevent_start(&vm->ioev[i]))
			return -1;
	return 0;
}

void vm_virtio_add(struct vm *vm, struct virtio_mmio *t)
{
	t->unlock = virtio_unlock;
	t->relock = virtio_relock;
	t->lock_ctx = vm;
	t->defer = virtio_defer;
	t->defer_ctx = vm;
	vm->virtio[vm->nr_virtio++] = t;
}

/*
 * Only the first mark is logged: init starts once, and a guest writing the
 * magic in a loop would otherwise fill the host's log at its own pace.
 */
void vm_boot_timer_io(void *opaque, uint64_t off, uint8_t *d,
		      unsigned int size, bool w)
{
	struct vm *vm = opaque;

	if (!w) {
		memset(d, 0xff, size);
		return;
	}
	if (off == 0 && d[0] == BOOT_TIMER_MAGIC && !vm->boot_timed) {
		uint64_t us = (vm_now_ns() - vm->start_ns) / 1000;

		vm->boot_timed = true;
		vm_error("boot timer: guest init after %llu.%03llu ms",
			 (unsigned long long)us / 1000,
			 (unsigned long long)us % 1000);
		sandbox_selftest();
	}
}

/* The architecture's devices, and the boot timer both have. */
static int add_devices(struct vm *vm)
{
	if (arch_add_devices(vm))
		return -1;
	if (bus_add(&vm->mmio, BOOT_TIMER_MMIO, 0x1000, vm_boot_timer_io, vm)) {
		vm_error("device ports overlap");
		return -1;
	}
	return 0;
}

/* The n-th virtio device: the VM's worker passes, the architecture's place. */
static int add_virtio(struct vm *vm, struct virtio_mmio *t, unsigned int n,
		      uint32_t pci_class)
{
	vm_virtio_add(vm, t);
	return arch_add_virtio(vm, t, n, pci_class);
}

/* The virtio-net backend could not start (lock held): no silent fallback. */
static void net_fail(void *ctx, const char *msg)
{
	vm_error("%s", msg);
	vm_stop_locked(ctx, EXIT_ERROR);
}

/*
 * --net tap:NAME,vhost: the kernel's vhost-net takes the queues' notifies
 * from their ioeventfds (vhost's kick), and the device's I/O thread makes
 * its used-buffer signals (vhost's call) the queue's interrupt. Both need
 * the interrupt controllers in the kernel, which the VMM then has.
 */
static int add_vhost(struct vm *vm, unsigned int n)
{
	struct ioevent *ev = &vm->ioev[n];
	char err[512];

	if (!ev->vm) {
		vm_error("--net tap:%s,vhost: vhost needs ioeventfd and irqfd, which "
			 "the VMM uses only with the interrupt controllers in the kernel "
			 "(--irqchip split or kernel)", vm->cfg->tap);
		return -1;
	}
	if (vhost_net_set_mem(&vm->vhost, &vm->mem, err, sizeof(err))) {
		vm_error("%s", err);
		return -1;
	}
	for (unsigned int q = 0; q < VHOST_NET_QUEUES; q++)
		ioevent_hand_over(ev, q, vm->vhost.call[q]);
	vhost_net_register(&vm->vhost, &vm->net, ev->fd);
	return 0;
}

static int add_virtio_devices(struct vm *vm)
{
	unsigned int n = 0;

	/* PCI classes: mass storage, unclassified, communication, network. */
	for (unsigned int i = 0; i < vm->nr_disks; i++) {
		virtio_blk_attach(&vm->disks[i], &vm->mem, arch_virtio_line(vm, n));
		if (add_virtio(vm, &vm->disks[i].t, n++, 0x018000))
			return -1;
	}
	virtio_rng_attach(&vm->rng, &vm->mem, arch_virtio_line(vm, n));
	if (add_virtio(vm, &vm->rng.t, n++, 0x00ff00))
		return -1;
	virtio_console_attach(&vm->vcon, &vm->mem, arch_virtio_line(vm, n), vcon_out,
			      vm_serial_room, vm);
	if (add_virtio(vm, &vm->vcon.t, n++, 0x078000))
		return -1;
	if (!vm->has_net)
		return 0;
	virtio_net_attach(&vm->net, &vm->mem, arch_virtio_line(vm, n),
			  vm_serial_room, vm);
	vm->net.fail = net_fail;
	vm->net_slot = n;
	if (add_virtio(vm, &vm->net.t, n, 0x020000))
		return -1;
	return vm->has_vhost ? add_vhost(vm, n) : 0;
}

/* Disk images and the tap device, opened before anything else. */
static int open_backends(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	char err[512];

	if (cfg->nr_disks + 3 > VIRTIO_SLOTS) {
		vm_error("too many devices");
		return -1;
	}
	if (cfg->tap && cfg->vhost) {
		vm->has_vhost = true;
		if (vhost_net_open(&vm->vhost, "/dev/vhost-net", err, sizeof(err))) {
			vm_error("%s", err);
			return -1;
		}
	}
	if (cfg->tap) {
		if (virtio_net_open(&vm->net, cfg->tap, err,
				    sizeof(err))) {
			vm_error("%s", err);
			return -1;
		}
		vm->has_net = true;
	}
	for (unsigned int i = 0; i < cfg->nr_disks; i++) {
		if (virtio_blk_open(&vm->disks[i], cfg->disks[i].path,
				    cfg->disks[i].ro, i, err, sizeof(err))) {
			vm_error("%s", err);
			return -1;
		}
		vm->nr_disks++;
	}
	return 0;
}

/* A whole file, read-only; *len 0 means empty. NULL with a message on error. */
static uint8_t *map_file(const char *what, const char *path, size_t *len)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		vm_error("%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		vm_error("%s %s: %s", what, path,
			 S_ISDIR(st.st_mode) ? "is a directory" :
			 st.st_size == 0 ? "is empty" : "not a regular file");
		close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		vm_error("%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	*len = (size_t)st.st_size;
	return p;
}

static int open_device(struct vm *vm)
{
	int v;

	vm->sys_fd = open(vm->cfg->device, O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		vm_error("cannot open %s: %s%s", vm->cfg->device, strerror(errno),
			 errno == ENOENT ? " (module not loaded? --device selects another)" : "");
		return -1;
	}
	v = ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		vm_error("%s: KVM API version %d, need %d", vm->cfg->device, v,
			 KVM_API_VERSION);
		return -1;
	}
	if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0) {
		vm_error("%s: no KVM_CAP_USER_MEMORY", vm->cfg->device);
		return -1;
	}
	vm->run_size = (size_t)ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if ((long)vm->run_size < (long)sizeof(struct kvm_run)) {
		vm_error("%s: bad KVM_GET_VCPU_MMAP_SIZE", vm->cfg->device);
		return -1;
	}
	if (vm->cfg->cpus > 1) {
		/* The API: without MAX_VCPUS use NR_VCPUS, without that 4. */
		int max = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

		if (max <= 0)
			max = ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
		if (max <= 0)
			max = 4;
		if (vm->cfg->cpus > (unsigned int)max) {
			vm_error("--cpus %u: %s supports at most %d vCPUs",
				 vm->cfg->cpus, vm->cfg->device, max);
			return -1;
		}
	}
	vm->vm_fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		vm_error("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	return arch_vm_init(vm);
}

static int check_memory(const struct vm_config *cfg)
{
	uint64_t size = cfg->mem_bytes;
	uint64_t host = (uint64_t)sysconf(_SC_PHYS_PAGES) *
			(uint64_t)sysconf(_SC_PAGESIZE);

	if (size & 0xfff || size < ARCH_MIN_MEM) {
		vm_error("--memory must be a multiple of 4 KiB and at least %llu MiB",
			 ARCH_MIN_MEM >> 20);
		return -1;
	}
	if (size > host) {
		vm_error("--memory %llu MiB is more than the host's %llu MiB of RAM",
			 (unsigned long long)(size >> 20),
			 (unsigned long long)(host >> 20));
		return -1;
	}
	return 0;
}

/*
 * Guest RAM at a 2 MiB-aligned address, so that each 2 MiB of guest-physical
 * memory can be one transparent huge page of ours, and the module one 2 MiB
 * nested mapping: a fraction of the nested page faults of 4 KiB pages, on
 * kvm.ko as on vireo.ko. The slack around the aligned part is unmapped.
 */
static void *map_aligned(uint64_t size)
{
	const uint64_t huge = 2ULL << 20;
	uint8_t *p, *a;

	p = mmap(NULL, size + huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + huge > a)
		munmap(a + size, (size_t)(p + huge - a));
	/* Only a hint: the host may have THP off, or only on madvise. */
	madvise(a, size, MADV_HUGEPAGE);
	return a;
}

static int map_memory(struct vm *vm)
{
	uint64_t size = vm->cfg->mem_bytes;
	struct kvm_userspace_memory_region r = { 0 };
	void *p;

	p = map_aligned(size);
	if (!p) {
		vm_error("cannot allocate %llu MiB of guest memory: %s",
			 (unsigned long long)(size >> 20), strerror(errno));
		return -1;
	}
	arch_mem_init(&vm->mem, p, size);
	r.slot = 0;
	r.guest_phys_addr = vm->mem.base;
	r.memory_size = vm->mem.low_size;
	r.userspace_addr = (uint64_t)(uintptr_t)p;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		goto err;
	if (gmem_high_size(&vm->mem)) {
		r.slot = 1;
		r.guest_phys_addr = GUEST_HIGH_BASE;
		r.memory_size = gmem_high_size(&vm->mem);
		r.userspace_addr = (uint64_t)(uintptr_t)(vm->mem.host +
							 vm->mem.low_size);
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			goto err;
	}
	return 0;
err:
	vm_error("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	return -1;
}

/* The kernel and initrd files, mapped while they are loaded. */
struct images {
	const uint8_t *kernel;
	size_t kernel_len;
	const uint8_t *initrd;	/* may be NULL */
	size_t initrd_len;
};

static void unmap_images(struct images *img)
{
	if (img->kernel)
		munmap((void *)img->kernel, img->kernel_len);
	if (img->initrd)
		munmap((void *)img->initrd, img->initrd_len);
	img->kernel = img->initrd = NULL;
}

static int map_images(const struct vm_config *cfg, struct images *img)
{
	memset(img, 0, sizeof(*img));
	img->kernel = map_file("kernel", cfg->kernel, &img->kernel_len);
	if (!img->kernel)
		return -1;
	if (cfg->initrd) {
		img->initrd = map_file("initrd", cfg->initrd, &img->initrd_len);
		if (!img->initrd) {
			unmap_images(img);
			return -1;
		}
	}
	return 0;
}

/* Bytes the console's input device can take now (lock held). */
static unsigned int input_room(struct vm *vm)
{
	if (vm->cfg->console == CONSOLE_VIRTIO)
		return virtio_console_room(&vm->vcon);
	return serial_rx_room(&vm->com1);
}

static void serve_input(struct vm *vm)
{
	uint8_t buf[256];
	unsigned int room;
	bool quit = false;
	ssize_t n;

	pthread_mutex_lock(&vm->lock);
	room = input_room(vm);
	pthread_mutex_unlock(&vm->lock);
	if (!room)
		return;
	if (room > sizeof(buf))
		room = sizeof(buf);
	n = read(vm->con.in_fd, buf, room);
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			vm->con.in_eof = true;
		return;
	}
	if (vm->con.raw)
		n = (ssize_t)console_filter(&vm->con, buf, (size_t)n, &quit);
	pthread_mutex_lock(&vm->lock);
	if (vm->cfg->console == CONSOLE_VIRTIO)
		virtio_console_input(&vm->vcon, buf, (unsigned int)n);
	else
		serial_rx(&vm->com1, buf, (unsigned int)n);
	if (quit)
		vm_stop_locked(vm, EXIT_QUIT);
	pthread_mutex_unlock(&vm->lock);
}

/* The I/O thread: device timers, console input, signals, wake-ups. */
static void event_loop(struct vm *vm)
{
	for (;;) {
		struct pollfd pf[4 + 1 + OPT_MAX_CPUS] = {
			{ .fd = vm->event_fd, .events = POLLIN },
			{ .fd = vm->signal_fd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		const unsigned int nfds = 4;
		unsigned int narch;
		uint64_t count;
		bool stopping;

		narch = arch_poll_fds(vm, pf + nfds,
				      sizeof(pf) / sizeof(pf[0]) - nfds);
		pthread_mutex_lock(&vm->lock);
		stopping = vm->stopping;
		if (!vm->con.in_eof && input_room(vm))
			pf[2].fd = vm->con.in_fd;
		if (vm->has_net && virtio_net_want_rx(&vm->net))
			pf[3].fd = vm->net.tap;
		pthread_mutex_unlock(&vm->lock);
		if (stopping)
			return;
		if (poll(pf, nfds + narch, -1) < 0) {
			if (errno == EINTR)
				continue;
			vm_error("poll: %s", strerror(errno));
			vm_stop(vm, EXIT_ERROR);
			return;
		}
		if (pf[0].revents && read(vm->event_fd, &count, sizeof(count)) < 0)
			count = 0;
		arch_poll_serve(vm, pf + nfds, narch);
		if (pf[1].revents) {
			struct signalfd_siginfo si;

			if (read(vm->signal_fd, &si, sizeof(si)) == sizeof(si))
				vm_stop(vm, EXIT_QUIT);
		}
		if (pf[2].revents)
			serve_input(vm);
		if (pf[3].revents) {
			pthread_mutex_lock(&vm->lock);
			virtio_net_rx(&vm->net);
			pthread_mutex_unlock(&vm->lock);
		}
	}
}

static int open_fds(struct vm *vm)
{
	sigset_t set;

	/* Error lines on a closed stderr pipe are lost, not fatal. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* Blocked here, so every thread created later inherits the block. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	vm->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	vm->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->signal_fd < 0 || vm->event_fd < 0 || vm->stop_fd < 0) {
		vm_error("cannot create event descriptors: %s", strerror(errno));
		return -1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* only vCPU threads take it */
	return vcpu_signals_init();
}

static void debug_dump(struct vm *vm)
{
	arch_debug_dump(vm);
	for (unsigned int i = 0; i < VIRTIO_SLOTS; i++)
		if (vm->ioev[i].vm)
			vm_error("virtio %u: ioeventfd notifies %llu, resamples %llu, at %#llx",
				 i, (unsigned long long)vm->ioev[i].notifies,
				 (unsigned long long)vm->ioev[i].resamples,
				 (unsigned long long)vm->ioev[i].base);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].started)
			arch_vcpu_dump(&vm->vcpus[i]);
}

static void vm_destroy(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->started)
			pthread_join(v->thread, NULL);
	}
	if (vm->worker_started)
		pthread_join(vm->worker, NULL);
	for (unsigned int i = 0; i < VIRTIO_SLOTS; i++)
		if (vm->ioev[i].vm)
			ioevent_destroy(&vm->ioev[i]);
	if (vm->exit_code == EXIT_QUIT && getenv("VIREO_DEBUG"))
		debug_dump(vm);
	if (vm->cfg->profile)
		profile_dump(vm);
	profile_close(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
		arch_vcpu_destroy(v);
	}
	free(vm->vcpus);
	for (unsigned int i = 0; i < vm->nr_disks; i++)
		virtio_blk_close(&vm->disks[i]);
	/*
	 * What the VMM itself carried and what vhost did, so that a test can
	 * tell which data path the frames took.
	 */
	if (vm->has_net && vm->exit_code != EXIT_ERROR)
		vm_error("virtio-net: frames through the VMM: rx %llu tx %llu; "
			 "vhost: %s, started %llu times, %llu interrupts relayed, "
			 "%llu queue calls on irqfds; offloads: tx gso %llu, "
			 "rx gso %llu, rx merged %llu; dropped: tx bad %llu, "
			 "rx %llu",
			 (unsigned long long)vm->net.rx_frames,
			 (unsigned long long)vm->net.tx_frames,
			 vm->has_vhost ? "on" : "off",
			 (unsigned long long)vm->vhost.starts,
			 (unsigned long long)vm->ioev[vm->net_slot].calls,
			 (unsigned long long)vm->vhost.direct,
			 (unsigned long long)vm->net.tx_gso,
			 (unsigned long long)vm->net.rx_gso,
			 (unsigned long long)vm->net.rx_merged,
			 (unsigned long long)vm->net.tx_bad,
			 (unsigned long long)vm->net.rx_dropped);
	/* Before the tap: the kernel's worker lets go of it first. */
	if (vm->has_vhost)
		vhost_net_close(&vm->vhost);
	if (vm->has_net)
		virtio_net_close(&vm->net);
	console_close(&vm->con);
	arch_vm_destroy(vm);
	if (vm->mem.host)
		munmap(vm->mem.host, vm->mem.size);
	int fds[] = { vm->vm_fd, vm->sys_fd, vm->event_fd, vm->signal_fd,
		      vm->stop_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	pthread_mutex_destroy(&vm->lock);
	pthread_cond_destroy(&vm->wake);
	pthread_cond_destroy(&vm->work);
}

int vm_run(const struct vm_config *cfg, const struct firmware *fw)
{
	struct images img = { 0 };
	struct vm vm;
	char err[512];
	int code = EXIT_ERROR;

	memset(&vm, 0, sizeof(vm));
	vm.cfg = cfg;
	vm.sys_fd = vm.vm_fd = vm.event_fd = vm.signal_fd = vm.stop_fd = -1;
	vm.stats_fd = -1;
	vm.con.in_fd = vm.con.out_fd = -1;
	vm.con.in_eof = true;
	pthread_mutex_init(&vm.lock, NULL);
	pthread_cond_init(&vm.wake, NULL);
	pthread_cond_init(&vm.work, NULL);
	vm.start_ns = vm_now_ns();

	if (cfg->cpus > OPT_MAX_CPUS) {
		vm_error("--cpus %u: at most %d vCPUs are supported", cfg->cpus,
			 OPT_MAX_CPUS);
		goto out;
	}
	if (arch_check(cfg))
		goto out;
	/* 2048: Debian's kernels' COMMAND_LINE_SIZE (x86 and arm64). */
	if (options_cmdline(cfg->cmdline, vm.cmdline, 2048)) {
		vm_error("--cmdline: longer than 2047 bytes");
		goto out;
	}
	if (sched_check(&vm.sched, cfg, err, sizeof(err)) ||
	    sandbox_init(cfg, err, sizeof(err))) {
		vm_error("%s", err);
		goto out;
	}
	if (check_memory(cfg) || map_images(cfg, &img) || open_backends(&vm) ||
	    open_device(&vm) || map_memory(&vm) || open_fds(&vm) ||
	    add_devices(&vm) || add_virtio_devices(&vm) ||
	    arch_load(&vm, fw, img.kernel, img.kernel_len, img.initrd,
		      img.initrd_len))
		goto out;
	unmap_images(&img);
	if (cfg->mem_lock &&
	    sched_mem_lock(vm.mem.host, vm.mem.size, err, sizeof(err))) {
		vm_error("%s", err);
		goto out;
	}

	vm.nr_vcpus = cfg->cpus;
	vm.vcpus = calloc(vm.nr_vcpus, sizeof(*vm.vcpus));
	if (!vm.vcpus)
		goto out;
	for (unsigned int i = 0; i < vm.nr_vcpus; i++)
		vm.vcpus[i].fd = vm.vcpus[i].stats_fd = -1;
	for (unsigned int i = 0; i < vm.nr_vcpus; i++)
		if (vcpu_create(&vm, &vm.vcpus[i], i))
			goto out;
	if (arch_vcpus_done(&vm))
		goto out;
	/* Before the sandbox, which allows vCPU threads KVM_RUN's ioctls only. */
	if (cfg->profile)
		profile_open(&vm);

	/* Threads made from here on inherit --pin-io; vCPUs get their own. */
	if (sched_cgroup_enter(&vm.sched, cfg, err, sizeof(err)) ||
	    sched_pin_io(cfg, err, sizeof(err)) ||
	    sandbox_jail(cfg, err, sizeof(err))) {
		vm_error("%s", err);
		goto out;
	}
	sandbox_allow_rmdir(vm.sched.parent_fd);
	/*
	 * The vCPU threads wait for vcpu_release(): their policy is set and
	 * the credentials dropped (which glibc does on every thread) before
	 * any thread loads its seccomp filter.
	 */
	for (unsigned int i = 0; i < vm.nr_vcpus; i++)
		if (vcpu_start(&vm.vcpus[i]))
			goto stop;
	if (vcpu_prepare(&vm))
		goto stop;
	if (sandbox_drop(cfg, err, sizeof(err))) {
		vm_error("%s", err);
		goto stop;
	}
	if (cfg->console != CONSOLE_NONE)
		console_open(&vm.con, STDIN_FILENO, STDOUT_FILENO);
	if (vm_virtio_worker_start(&vm)) {
		vm_error("cannot start the virtio threads");
		goto stop;
	}
	if (sandbox_enter(SANDBOX_MAIN, err, sizeof(err))) {
		vm_error("%s", err);
		goto stop;
	}
	if (0) {
stop:
		pthread_mutex_lock(&vm.lock);
		vm_stop_locked(&vm, EXIT_ERROR);
		pthread_mutex_unlock(&vm.lock);
	}
	vcpu_release(&vm);
	event_loop(&vm);
	code = vm.exit_code;
out:
	unmap_images(&img);
	vm_destroy(&vm);
	sched_cgroup_leave(&vm.sched);
	return code;
}
