// SPDX-License-Identifier: GPL-2.0
/*
 * Requests run synchronously on the notifying vCPU thread, without the
 * VMM's lock while the file is read or written: a header (type, sector) in
 * the readable part, data, and a status byte as the last writable byte.
 * Flush reaches the disk through fdatasync(); a driver that declines
 * VIRTIO_BLK_F_FLUSH gets write-through (fdatasync after each write), as
 * virtio 1.2, 5.2.6.2 requires.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio_blk.h"

#define BLK_F_SEG_MAX	2
#define BLK_F_RO	5
#define BLK_F_BLK_SIZE	6
#define BLK_F_FLUSH	9

#define T_IN		0
#define T_OUT		1
#define T_FLUSH		4
#define T_GET_ID	8

#define S_OK		0
#define S_IOERR		1
#define S_UNSUPP	2

#define SECTOR		512ULL
#define CONFIG_LEN	24

static void blk_config(struct virtio_mmio *t, uint64_t off, uint8_t *d,
		       unsigned int size, bool w)
{
	struct virtio_blk *b = t->dev;
	uint8_t cfg[CONFIG_LEN] = { 0 };
	uint32_t seg_max = VIRTQ_MAX_SEGS - 2, blk_size = SECTOR;

	if (w)
		return;		/* nothing writable without WCE/topology */
	memcpy(cfg, &b->sectors, 8);
	memcpy(cfg + 12, &seg_max, 4);
	memcpy(cfg + 20, &blk_size, 4);
	memcpy(d, cfg + off, size);
}

/*
 * Move len bytes between the image at file offset pos and the chain's
 * readable (to_disk) or writable part, starting skip bytes into it.
 */
static int chain_io(struct virtio_blk *b, const struct virtq_chain *c,
		    bool to_disk, uint64_t skip, uint64_t len, uint64_t pos)
{
	unsigned int first = to_disk ? 0 : c->n_read;
	unsigned int last = to_disk ? c->n_read : c->n;

	for (unsigned int i = first; i < last && len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		uint64_t n;
		ssize_t r;

		if (skip >= s->len) {
			skip -= s->len;
			continue;
		}
		n = s->len - skip;
		if (n > len)
			n = len;
		r = to_disk ? pwrite(b->fd, s->ptr + skip, n, (off_t)pos) :
			      pread(b->fd, s->ptr + skip, n, (off_t)pos);
		if (r != (ssize_t)n)
			return -1;
		pos += n;
		len -= n;
		skip = 0;
	}
	return len ? -1 : 0;
}

static uint32_t request(struct virtio_blk *b, const struct virtq_chain *c,
			bool write_through)
{
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr;
	uint8_t status = S_OK;
	uint64_t len = 0, written = 0;

	if (c->write_len < 1)
		return 0;	/* no room for a status: nothing to report */
	if (virtq_read(c, 0, &hdr, sizeof(hdr)) != sizeof(hdr)) {
		status = S_IOERR;
		goto out;
	}
	switch (hdr.type) {
	case T_IN:
	case T_OUT:
		len = hdr.type == T_IN ? c->write_len - 1 :
					 c->read_len - sizeof(hdr);
		if (len % SECTOR || hdr.sector > b->sectors ||
		    len / SECTOR > b->sectors - hdr.sector) {
			status = S_IOERR;
			break;
		}
		if (hdr.type == T_OUT && b->ro) {
			status = S_IOERR;
			break;
		}
		if (chain_io(b, c, hdr.type == T_OUT,
			     hdr.type == T_OUT ? sizeof(hdr) : 0, len,
			     hdr.sector * SECTOR)) {
			status = S_IOERR;
			break;
		}
		if (hdr.type == T_IN)
			written = len;
		else if (write_through && fdatasync(b->fd))
			status = S_IOERR;
		break;
	case T_FLUSH:
		if (fdatasync(b->fd))
			status = S_IOERR;
		break;
	case T_GET_ID:
		len = c->write_len - 1 < sizeof(b->id) ? c->write_len - 1 :
							 sizeof(b->id);
		written = virtq_write(c, 0, b->id, len);
		break;
	default:
		status = S_UNSUPP;
		break;
	}
out:
	virtq_write(c, c->write_len - 1, &status, 1);
	return (uint32_t)(written + 1);
}

void virtio_blk_process(struct virtio_blk *b)
{
	struct virtio_drain d;

	if (!virtio_drain_begin(&d, &b->t, 0))
		return;
	while (virtio_drain_next(&d, &b->chain)) {
		bool wt = !(b->t.driver_features & (1ULL << BLK_F_FLUSH));
		uint32_t len;

		virtio_drain_unlock(&d);
		len = request(b, &b->chain, wt);
		virtio_drain_relock(&d);
		virtio_drain_push(&d, b->chain.head, len);
	}
	virtio_drain_end(&d);
}

static void blk_notify(struct virtio_mmio *t, unsigned int q)
{
	if (q == 0)
		virtio_blk_process(t->dev);
}

static const struct virtio_dev_ops blk_ops_rw = {
	.device_id = 2,
	.features = 1ULL << BLK_F_SEG_MAX | 1ULL << BLK_F_BLK_SIZE |
		    1ULL << BLK_F_FLUSH,
	.nr_queues = 1,
	.queue_max = VIRTQ_MAX_SIZE,
	.config_len = CONFIG_LEN,
	.config = blk_config,
	.notify = blk_notify,
};

static const struct virtio_dev_ops blk_ops_ro = {
	.device_id = 2,
	.features = 1ULL << BLK_F_SEG_MAX | 1ULL << BLK_F_BLK_SIZE |
		    1ULL << BLK_F_FLUSH | 1ULL << BLK_F_RO,
	.nr_queues = 1,
	.queue_max = VIRTQ_MAX_SIZE,
	.config_len = CONFIG_LEN,
	.config = blk_config,
	.notify = blk_notify,
};

int virtio_blk_open(struct virtio_blk *b, const char *path, bool ro,
		    unsigned int index, char *err, size_t errlen)
{
	struct stat st;

	memset(b, 0, sizeof(*b));
	b->ro = ro;
	b->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0) {
		snprintf(err, errlen, "disk %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(b->fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < (off_t)SECTOR) {
		snprintf(err, errlen, "disk %s: %s", path,
			 S_ISREG(st.st_mode) ? "smaller than one sector" :
			 "not a regular file");
		close(b->fd);
		b->fd = -1;
		return -1;
	}
	b->sectors = (uint64_t)st.st_size / SECTOR;
	snprintf(b->id, sizeof(b->id), "vireo-disk%u", index);
	return 0;
}

void virtio_blk_attach(struct virtio_blk *b, const struct guest_mem *mem,
		       struct irq_line irq)
{
	virtio_mmio_init(&b->t, b->ro ? &blk_ops_ro : &blk_ops_rw, b, mem, irq);
}

void virtio_blk_close(struct virtio_blk *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}
