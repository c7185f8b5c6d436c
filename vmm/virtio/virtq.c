// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <string.h>

#include "virtq.h"

#define DESC_F_NEXT	1
#define DESC_F_WRITE	2
#define DESC_F_INDIRECT	4

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

static uint64_t avail_bytes(uint16_t size)
{
	return 6 + 2ULL * size;		/* flags, idx, ring[], used_event */
}

static uint64_t used_bytes(uint16_t size)
{
	return 6 + 8ULL * size;		/* flags, idx, ring[], avail_event */
}

bool virtq_valid(const struct virtq *q, const struct guest_mem *m)
{
	if (!q->size || q->size > VIRTQ_MAX_SIZE || (q->size & (q->size - 1)))
		return false;
	/* Alignment from the spec: 16, 2 and 4 bytes. */
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3))
		return false;
	return gmem_ptr(m, q->desc, 16ULL * q->size) &&
	       gmem_ptr(m, q->avail, avail_bytes(q->size)) &&
	       gmem_ptr(m, q->used, used_bytes(q->size));
}

static uint16_t load16(const void *p)
{
	return __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE);
}

static int broken(struct virtq *q)
{
	q->broken = true;
	return -1;
}

int virtq_pop(struct virtq *q, const struct guest_mem *m, struct virtq_chain *c)
{
	const uint8_t *avail, *table;
	uint16_t idx, i;
	unsigned int count = 0;

	if (!q->ready || q->broken || !virtq_valid(q, m))
		return q->broken ? -1 : 0;
	avail = gmem_ptr(m, q->avail, avail_bytes(q->size));
	table = gmem_ptr(m, q->desc, 16ULL * q->size);
	idx = load16(avail + 2);
	if (idx == q->last_avail && q->event_idx) {
		/*
		 * Ask for a notify at the next chain (avail_event), then look
		 * again: one the driver posted before it could see the request
		 * would otherwise wait for the one after.
		 */
		uint8_t *used = gmem_ptr(m, q->used, used_bytes(q->size));

		__atomic_store_n((uint16_t *)(used + 4 + 8ULL * q->size),
				 q->last_avail, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		idx = load16(avail + 2);
	}
	if (idx == q->last_avail)
		return 0;
	if ((uint16_t)(idx - q->last_avail) > q->size)
		return broken(q);
	i = load16(avail + 4 + 2 * (q->last_avail % q->size));
	if (i >= q->size)
		return broken(q);
	q->last_avail++;

	memset(c, 0, offsetof(struct virtq_chain, seg));
	c->head = i;
	for (;;) {
		struct desc d;
		struct virtq_seg *s;

		/* One copy: the guest may change the table while we look. */
		memcpy(&d, table + 16ULL * i, sizeof(d));
		if (++count > q->size || c->n == VIRTQ_MAX_SEGS)
			return broken(q);	/* loop or too long */
		if (d.flags & DESC_F_INDIRECT)
			return broken(q);	/* not negotiated */
		if (d.len) {
			s = &c->seg[c->n];
			s->ptr = gmem_ptr(m, d.addr, d.len);
			if (!s->ptr)
				return broken(q);
			s->len = d.len;
			s->write = d.flags & DESC_F_WRITE;
			if (s->write) {
				c->write_len += d.len;
			} else {
				if (c->n != c->n_read)
					return broken(q);	/* read after write */
				c->n_read++;
				c->read_len += d.len;
			}
			c->n++;
		}
		if (!(d.flags & DESC_F_NEXT))
			break;
		if (d.next >= q->size)
			return broken(q);
		i = d.next;
	}
	return 1;
}

bool virtq_has_avail(const struct virtq *q, const struct guest_mem *m)
{
	const uint8_t *avail;

	if (!q->ready || q->broken || !virtq_valid(q, m))
		return false;
	avail = gmem_ptr(m, q->avail, avail_bytes(q->size));
	return load16(avail + 2) != q->last_avail;
}

void virtq_push(struct virtq *q, const struct guest_mem *m, uint16_t head,
		uint32_t len)
{
	uint8_t *used = gmem_ptr(m, q->used, used_bytes(q->size));
	uint8_t *elem;

	if (!used || !q->size)
		return;
	elem = used + 4 + 8 * (q->used_idx % q->size);
	memcpy(elem, &(uint32_t){ head }, 4);
	memcpy(elem + 4, &len, 4);
	q->used_idx++;
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
}

void virtq_push_batch(struct virtq *q, const struct guest_mem *m,
		      const uint16_t *head, const uint32_t *len, unsigned int n)
{
	uint8_t *used = gmem_ptr(m, q->used, used_bytes(q->size));

	if (!used || !q->size || !n)
		return;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *elem = used + 4 + 8 * ((uint16_t)(q->used_idx + i) % q->size);

		memcpy(elem, &(uint32_t){ head[i] }, 4);
		memcpy(elem + 4, &len[i], 4);
	}
	q->used_idx = (uint16_t)(q->used_idx + n);
	__atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
}

bool virtq_need_signal(struct virtq *q, const struct guest_mem *m)
{
	const uint8_t *avail = gmem_ptr(m, q->avail, avail_bytes(q->size));
	uint16_t event, old = q->signalled_used;
	bool valid = q->signalled_valid;

	if (!q->event_idx || !avail || !q->size)
		return true;
	/* The used index must be visible before used_event is read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	event = load16(avail + 4 + 2ULL * q->size);
	q->signalled_used = q->used_idx;
	q->signalled_valid = true;
	if (!valid)
		return true;
	/* virtio 1.2, 2.7.10: the driver asked once used_idx passes event. */
	return (uint16_t)(q->used_idx - event - 1) < (uint16_t)(q->used_idx - old);
}

static uint64_t copy(const struct virtq_chain *c, bool write, uint64_t off,
		     uint8_t *buf, const uint8_t *src, uint64_t len)
{
	unsigned int first = write ? c->n_read : 0;
	unsigned int last = write ? c->n : c->n_read;
	uint64_t done = 0;

	for (unsigned int i = first; i < last && done < len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		uint64_t n;

		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off;
		if (n > len - done)
			n = len - done;
		if (write)
			memcpy(s->ptr + off, src + done, n);
		else
			memcpy(buf + done, s->ptr + off, n);
		done += n;
		off = 0;
	}
	return done;
}

uint64_t virtq_read(const struct virtq_chain *c, uint64_t off, void *buf,
		    uint64_t len)
{
	return copy(c, false, off, buf, NULL, len);
}

uint64_t virtq_write(const struct virtq_chain *c, uint64_t off,
		     const void *buf, uint64_t len)
{
	return copy(c, true, off, NULL, buf, len);
}
