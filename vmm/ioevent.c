// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "ioevent.h"
#include "sandbox.h"
#include "vm.h"

int ioevent_init(struct ioevent *e, struct vm *vm, struct virtio_mmio *t)
{
	memset(e, 0, sizeof(*e));
	e->vm = vm;
	e->t = t;
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		e->fd[q] = e->call[q] = -1;
	for (unsigned int q = 0; q < t->ops->nr_queues; q++) {
		e->fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (e->fd[q] < 0)
			return -1;
	}
	return 0;
}

/* One queue's registration at the current place, made or undone. */
static int one(struct ioevent *e, unsigned int q, bool assign)
{
	struct kvm_ioeventfd a = {
		.datamatch = q,
		.addr = e->base + (uint64_t)q * e->stride,
		.len = e->len,
		.fd = e->fd[q],
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(e->vm->vm_fd, KVM_IOEVENTFD, &a);
}

int ioevent_place(struct ioevent *e, uint64_t base, unsigned int stride,
		  unsigned int len)
{
	int ret = 0;

	if (e->base == base && e->stride == stride && e->len == len)
		return 0;
	for (unsigned int q = 0; e->base && q < VIRTIO_MAX_QUEUES; q++)
		if (e->fd[q] >= 0)
			one(e, q, false);
	e->base = base;
	e->stride = stride;
	e->len = len;
	for (unsigned int q = 0; base && q < VIRTIO_MAX_QUEUES; q++) {
		if (e->fd[q] < 0 || !one(e, q, true))
			continue;
		/*
		 * Another device's registration there already (two BARs the
		 * guest placed over each other): undo ours, the writes exit.
		 */
		vm_error("KVM_IOEVENTFD at %#llx: %s",
			 (unsigned long long)(base + (uint64_t)q * stride),
			 strerror(errno));
		while (q--)
			if (e->fd[q] >= 0)
				one(e, q, false);
		e->base = 0;
		ret = -1;
		break;
	}
	return ret;
}

void ioevent_hand_over(struct ioevent *e, unsigned int q, int call)
{
	if (q >= VIRTIO_MAX_QUEUES)
		return;
	e->handed |= 1u << q;
	e->call[q] = call;
}

#define RESAMPLE	INT_MIN

static void *ioevent_thread(void *arg)
{
	struct ioevent *e = arg;
	struct vm *vm = e->vm;
	char err[256];

	/* By itself: see vcpu_thread(). */
	pthread_setname_np(pthread_self(), "virtio-io");
	if (sandbox_enter(SANDBOX_IO, err, sizeof(err))) {
		vm_error("%s", err);
		vm_stop(vm, EXIT_ERROR);
		return NULL;
	}
	for (;;) {
		struct pollfd pf[VIRTIO_MAX_QUEUES + 2];
		/* A queue's notify (q), its backend's signal (~q), a resample. */
		int which[VIRTIO_MAX_QUEUES + 2];
		unsigned int n = 0;
		uint64_t count;

		pf[n] = (struct pollfd){ .fd = vm->stop_fd, .events = POLLIN };
		which[n++] = -2;
		for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++) {
			bool handed = e->handed & (1u << q);
			int fd = handed ? e->call[q] : e->fd[q];

			if (fd < 0)
				continue;
			pf[n] = (struct pollfd){ .fd = fd, .events = POLLIN };
			which[n++] = handed ? ~(int)q : (int)q;
		}
		if (e->resample) {
			pf[n] = (struct pollfd){ .fd = e->resample->resample_fd,
						 .events = POLLIN };
			which[n++] = RESAMPLE;
		}
		if (poll(pf, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			vm_error("poll: %s", strerror(errno));
			vm_stop(vm, EXIT_ERROR);
			return NULL;
		}
		if (pf[0].revents)
			return NULL;
		for (unsigned int i = 1; i < n; i++) {
			if (!pf[i].revents ||
			    read(pf[i].fd, &count, sizeof(count)) != sizeof(count))
				continue;
			pthread_mutex_lock(&vm->lock);
			if (which[i] == RESAMPLE) {
				e->resamples++;
				irqfd_resample(e->resample);
			} else if (which[i] >= 0) {
				e->notifies++;
				virtio_mmio_notify(e->t, (uint32_t)which[i]);
			} else if (virtio_mmio_driver_ok(e->t)) {
				/* Not after a reset: the queue is gone. */
				e->calls++;
				virtio_mmio_signal(e->t, (unsigned int)~which[i]);
			}
			pthread_mutex_unlock(&vm->lock);
		}
	}
}

int ioevent_start(struct ioevent *e)
{
	if (pthread_create(&e->thread, NULL, ioevent_thread, e))
		return -1;
	e->started = true;
	return 0;
}

void ioevent_destroy(struct ioevent *e)
{
	if (e->started)
		pthread_join(e->thread, NULL);
	e->started = false;
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (e->fd[q] >= 0)
			close(e->fd[q]);
		e->fd[q] = -1;
	}
}
