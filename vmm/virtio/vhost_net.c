// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../errmsg.h"
#include "vhost_net.h"
#include "virtio_mmio.h"

unsigned int vhost_net_mem_table(const struct guest_mem *m,
				 struct vhost_memory_region *r,
				 unsigned int max)
{
	unsigned int n = 0;

	if (n < max && m->low_size)
		r[n++] = (struct vhost_memory_region){
			.guest_phys_addr = m->base,
			.memory_size = m->low_size,
			.userspace_addr = (uint64_t)(uintptr_t)m->host,
		};
	if (n < max && gmem_high_size(m))
		r[n++] = (struct vhost_memory_region){
			.guest_phys_addr = GUEST_HIGH_BASE,
			.memory_size = gmem_high_size(m),
			.userspace_addr = (uint64_t)(uintptr_t)(m->host + m->low_size),
		};
	return n;
}

/*
 * The kernel translates the ring addresses once, at VHOST_SET_VRING_ADDR,
 * as addresses of ours: each ring must lie within one region, which the
 * transport's own check (virtq_valid, at queue enable) made sure of.
 */
int vhost_net_vring_addr(const struct guest_mem *m, const struct virtq *q,
			 unsigned int idx, struct vhost_vring_addr *a)
{
	/* Sizes with the event-index words, as virtq.c checks them. */
	void *desc = gmem_ptr(m, q->desc, 16ULL * q->size);
	void *avail = gmem_ptr(m, q->avail, 6 + 2ULL * q->size);
	void *used = gmem_ptr(m, q->used, 6 + 8ULL * q->size);

	if (!q->size || !desc || !avail || !used)
		return -1;
	*a = (struct vhost_vring_addr){
		.index = idx,
		.desc_user_addr = (uint64_t)(uintptr_t)desc,
		.avail_user_addr = (uint64_t)(uintptr_t)avail,
		.used_user_addr = (uint64_t)(uintptr_t)used,
	};
	return 0;
}

uint64_t vhost_net_features(uint64_t driver, uint64_t kernel)
{
	/*
	 * The device-specific bits the VMM answers itself (MAC: the
	 * configuration space) are not vhost's; it refuses what it lacks.
	 */
	return driver & kernel;
}

int vhost_net_open(struct vhost_net *v, const char *path, char *err,
		   size_t errlen)
{
	memset(v, 0, sizeof(*v));
	for (unsigned int q = 0; q < VHOST_NET_QUEUES; q++)
		v->kick[q] = v->call[q] = v->cur_call[q] = -1;
	v->fd = open(path, O_RDWR | O_CLOEXEC);
	if (v->fd < 0)
		return errmsg(err, errlen, "--net ...,vhost: %s: %s%s", path,
			      strerror(errno),
			      errno == ENOENT ? " (is the vhost_net module loaded?)" : "");
	if (ioctl(v->fd, VHOST_SET_OWNER, NULL) < 0)
		return errmsg(err, errlen, "--net ...,vhost: VHOST_SET_OWNER: %s",
			      strerror(errno));
	if (ioctl(v->fd, VHOST_GET_FEATURES, &v->features) < 0)
		return errmsg(err, errlen, "--net ...,vhost: VHOST_GET_FEATURES: %s",
			      strerror(errno));
	/* The 12-byte header and little-endian rings of virtio 1.0. */
	if (!(v->features & (1ULL << VIRTIO_F_VERSION_1)))
		return errmsg(err, errlen,
			      "--net ...,vhost: %s does not offer VIRTIO_F_VERSION_1",
			      path);
	for (unsigned int q = 0; q < VHOST_NET_QUEUES; q++) {
		v->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->call[q] < 0)
			return errmsg(err, errlen, "--net ...,vhost: eventfd: %s",
				      strerror(errno));
	}
	return 0;
}

int vhost_net_set_mem(struct vhost_net *v, const struct guest_mem *m,
		      char *err, size_t errlen)
{
	struct vhost_memory *t;
	int ret;

	t = calloc(1, sizeof(*t) + VHOST_NET_REGIONS * sizeof(t->regions[0]));
	if (!t)
		return errmsg(err, errlen, "--net ...,vhost: out of memory");
	t->nregions = vhost_net_mem_table(m, t->regions, VHOST_NET_REGIONS);
	ret = ioctl(v->fd, VHOST_SET_MEM_TABLE, t);
	free(t);
	if (ret < 0)
		return errmsg(err, errlen, "--net ...,vhost: VHOST_SET_MEM_TABLE: %s",
			      strerror(errno));
	return 0;
}

static int file(int fd, unsigned long req, unsigned int q, int f)
{
	struct vhost_vring_file vf = { .index = q, .fd = f };

	return ioctl(fd, req, &vf);
}

static void stop(void *ctx)
{
	struct vhost_net *v = ctx;

	if (!v->running)
		return;
	/*
	 * Detaching the tap stops the queue's work; reading the base waits
	 * for the worker to be done with it, after which the driver owns its
	 * memory again.
	 */
	for (unsigned int q = 0; q < VHOST_NET_QUEUES; q++) {
		struct vhost_vring_state s = { .index = q };

		file(v->fd, VHOST_NET_SET_BACKEND, q, -1);
		ioctl(v->fd, VHOST_GET_VRING_BASE, &s);
		v->cur_call[q] = -1;
	}
	v->live = 0;
	v->running = false;
}

/*
 * Queue q's call: the transport's irqfd for it when there is one, else
 * our eventfd. 0, or -1 with errno.
 */
static int set_call(struct vhost_net *v, struct virtio_mmio *t, unsigned int q)
{
	int fd = t->irqfd_hook ? t->irqfd_hook(t->signal_ctx, q) : -1;
	int want = fd >= 0 ? fd : v->call[q];

	if (want == v->cur_call[q])
		return 0;
	if (file(v->fd, VHOST_SET_VRING_CALL, q, want) < 0)
		return -1;
	v->cur_call[q] = want;
	v->direct += fd >= 0;
	return 0;
}

static void irq_changed(void *ctx, struct virtio_mmio *t)
{
	struct vhost_net *v = ctx;

	for (unsigned int q = 0; v->running && q < VHOST_NET_QUEUES; q++)
		if ((v->live & (1u << q)) && set_call(v, t, q) < 0)
			fprintf(stderr, "vireo: virtio-net: vhost: VHOST_SET_VRING_CALL: %s\r\n",
				strerror(errno));
}

static int start(void *ctx, struct virtio_mmio *t, int tap, char *err,
		 size_t errlen)
{
	struct vhost_net *v = ctx;
	uint64_t f = vhost_net_features(t->driver_features, v->features);
	const char *what = "VHOST_SET_FEATURES";

	stop(v);
	if (ioctl(v->fd, VHOST_SET_FEATURES, &f) < 0)
		goto fail;
	v->running = true;
	for (unsigned int q = 0; q < VHOST_NET_QUEUES; q++) {
		const struct virtq *vq = &t->vq[q];
		struct vhost_vring_state num = { .index = q, .num = vq->size };
		struct vhost_vring_state base = { .index = q, .num = vq->last_avail };
		struct vhost_vring_addr a;

		if (!vq->ready)
			continue;
		what = "VHOST_SET_VRING_NUM";
		if (ioctl(v->fd, VHOST_SET_VRING_NUM, &num) < 0)
			goto fail;
		what = "VHOST_SET_VRING_BASE";
		if (ioctl(v->fd, VHOST_SET_VRING_BASE, &base) < 0)
			goto fail;
		what = "VHOST_SET_VRING_ADDR";
		if (vhost_net_vring_addr(t->mem, vq, q, &a)) {
			errno = EFAULT;
			goto fail;
		}
		if (ioctl(v->fd, VHOST_SET_VRING_ADDR, &a) < 0)
			goto fail;
		what = "VHOST_SET_VRING_KICK";
		if (file(v->fd, VHOST_SET_VRING_KICK, q, v->kick[q]) < 0)
			goto fail;
		what = "VHOST_SET_VRING_CALL";
		if (set_call(v, t, q) < 0)
			goto fail;
		v->live |= 1u << q;
		what = "VHOST_NET_SET_BACKEND";
		if (file(v->fd, VHOST_NET_SET_BACKEND, q, tap) < 0)
			goto fail;
	}
	v->starts++;
	return 0;
fail:
	errmsg(err, errlen, "virtio-net: vhost: %s: %s", what, strerror(errno));
	stop(v);
	return -1;
}

/* A notify that exited (its ioeventfd not registered): what the kernel would do. */
static void kick(void *ctx, unsigned int q)
{
	struct vhost_net *v = ctx;
	uint64_t one = 1;
	ssize_t r;

	if (q >= VHOST_NET_QUEUES || v->kick[q] < 0)
		return;
	r = write(v->kick[q], &one, sizeof(one));
	(void)r;	/* EAGAIN: a kick is pending already */
}

static const struct virtio_net_backend vhost_backend = {
	.start = start,
	.stop = stop,
	.kick = kick,
	.irq_changed = irq_changed,
};

uint64_t vhost_net_offer(uint64_t device, uint64_t kernel)
{
	/*
	 * Ring and buffer layouts are vhost's to implement: offered only if
	 * it does (and indirect descriptors, which the VMM's own queues lack,
	 * only here). The offloads are the tap's, whose header vhost passes
	 * on untouched.
	 */
	uint64_t vhost_bits = 1ULL << VIRTIO_NET_F_MRG_RXBUF |
			      1ULL << VIRTIO_RING_F_EVENT_IDX |
			      1ULL << VIRTIO_RING_F_INDIRECT_DESC;

	return (device & ~vhost_bits) |
	       ((device | 1ULL << VIRTIO_RING_F_INDIRECT_DESC) & vhost_bits & kernel);
}

void vhost_net_register(struct vhost_net *v, struct virtio_net *n,
			const int kick_fds[VHOST_NET_QUEUES])
{
	n->t.features = vhost_net_offer(n->t.features, v->features);
	for (unsigned int q = 0; q < VHOST_NET_QUEUES; q++)
		v->kick[q] = kick_fds[q];
	n->be = &vhost_backend;
	n->be_ctx = v;
}

void vhost_net_close(struct vhost_net *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	for (unsigned int q = 0; q < VHOST_NET_QUEUES; q++) {
		if (v->call[q] >= 0)
			close(v->call[q]);
		v->call[q] = -1;
	}
	v->running = false;
}
