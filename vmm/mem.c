// SPDX-License-Identifier: GPL-2.0
#include "mem.h"

void gmem_init(struct guest_mem *m, void *host, uint64_t size)
{
	m->host = host;
	m->size = size;
	m->base = 0;
	m->low_size = size < GUEST_GAP_START ? size : GUEST_GAP_START;
}

void gmem_init_flat(struct guest_mem *m, void *host, uint64_t base,
		    uint64_t size)
{
	m->host = host;
	m->size = size;
	m->base = base;
	m->low_size = size;
}

void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t hi = gmem_high_size(m);

	if (gpa >= m->base && gpa - m->base < m->low_size) {
		if (len > m->low_size - (gpa - m->base))
			return NULL;
		return m->host + (gpa - m->base);
	}
	if (hi && gpa >= GUEST_HIGH_BASE && gpa - GUEST_HIGH_BASE < hi) {
		if (len > hi - (gpa - GUEST_HIGH_BASE))
			return NULL;
		return m->host + m->low_size + (gpa - GUEST_HIGH_BASE);
	}
	return NULL;
}
