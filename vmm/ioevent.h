/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio device's queue notifications through KVM_IOEVENTFD: the kernel
 * turns the driver's write of queue q's index at the notify address into a
 * signal on q's eventfd instead of an exit, and an I/O thread of the
 * device's own runs the notify (under vm->lock, as a vCPU would). The same
 * thread serves the resamples of the device's level-triggered irqfd, when
 * it has one. One mechanism for every device and both transports: only
 * where the notify addresses are differs (virtio-mmio: QueueNotify, 32
 * bits, at a fixed address; virtio-pci: 16 bits at 4 * q in BAR 0, which
 * the guest may move).
 *
 * A device whose data path is in the kernel (vhost) takes its queues'
 * eventfds over (ioevent_hand_over): the thread leaves them to it and
 * serves the backend's used-buffer signals instead, as the queue's
 * interrupt.
 */
#ifndef VIREO_IOEVENT_H
#define VIREO_IOEVENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "irqfd.h"
#include "virtio/virtio_mmio.h"

struct vm;

struct ioevent {
	struct vm *vm;
	struct virtio_mmio *t;
	int fd[VIRTIO_MAX_QUEUES];	/* an eventfd per queue, -1 none */
	/* Where they are registered: queue q at base + q * stride. */
	uint64_t base;			/* 0: not registered */
	unsigned int stride, len;
	struct irqfd *resample;		/* a level line's irqfd, or NULL */
	/* Queue q handed over: fd[q] is the backend's, call[q] its signal. */
	uint32_t handed;
	int call[VIRTIO_MAX_QUEUES];
	pthread_t thread;
	bool started;
	/* Statistics, for the VIREO_DEBUG dump. */
	uint64_t notifies, resamples, calls;
};

/* Eventfds for t's queues; 0, or -1 with errno. */
int ioevent_init(struct ioevent *e, struct vm *vm, struct virtio_mmio *t);
/*
 * Register the queues' notify writes at base (0: nowhere), queue q at base
 * + q * stride, len bytes whose value is q; drops the old registration.
 * Returns 0, or -1 (the notifies then exit as before, and still work).
 */
int ioevent_place(struct ioevent *e, uint64_t base, unsigned int stride,
		  unsigned int len);
/*
 * Before ioevent_start: queue q's notifies go to whoever else reads fd[q]
 * (vhost's kick), and each signal on call (vhost's) becomes q's interrupt.
 */
void ioevent_hand_over(struct ioevent *e, unsigned int q, int call);
/* Start the device's I/O thread (after the last ioevent_place is not needed). */
int ioevent_start(struct ioevent *e);
/* After vm_stop: join the thread, close the eventfds. */
void ioevent_destroy(struct ioevent *e);

#endif
