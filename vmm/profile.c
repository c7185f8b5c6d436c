// SPDX-License-Identifier: GPL-2.0
/*
 * vireo run --profile (profile.h). The statistics fds follow KVM's binary
 * statistics ABI (<linux/kvm.h>: a header, an id, descriptors, data), so
 * the same dump works on vireo.ko and kvm.ko; each prints its own names.
 */
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vm.h"

void profile_open(struct vm *vm)
{
	vm->stats_fd = ioctl(vm->vm_fd, KVM_GET_STATS_FD, NULL);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].stats_fd = ioctl(vm->vcpus[i].fd, KVM_GET_STATS_FD,
					      NULL);
}

/* Every scalar statistic of @fd as "PROFILE @scope NAME VALUE". */
static void dump_fd(const char *scope, int fd)
{
	struct kvm_stats_header h;
	size_t dsize;
	uint8_t *desc;

	if (fd < 0 || pread(fd, &h, sizeof(h), 0) != sizeof(h) ||
	    !h.name_size || h.name_size > 256 || h.num_desc > 65536)
		return;
	dsize = sizeof(struct kvm_stats_desc) + h.name_size;
	desc = calloc(h.num_desc, dsize);
	if (!desc)
		return;
	if (pread(fd, desc, h.num_desc * dsize, h.desc_offset) ==
	    (ssize_t)(h.num_desc * dsize)) {
		for (uint32_t i = 0; i < h.num_desc; i++) {
			struct kvm_stats_desc *d = (void *)(desc + i * dsize);
			uint64_t v;

			/* Histograms (size > 1) are left out. */
			if (d->size != 1 ||
			    pread(fd, &v, sizeof(v), h.data_offset + d->offset) !=
			    sizeof(v))
				continue;
			fprintf(stderr, "PROFILE %s %.*s %" PRIu64 "\r\n", scope,
				(int)h.name_size, d->name, v);
		}
	}
	free(desc);
}

void profile_dump(struct vm *vm)
{
	char scope[32];

	dump_fd("vm", vm->stats_fd);
	for (unsigned int i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->started)
			continue;
		snprintf(scope, sizeof(scope), "vcpu%u", i);
		fprintf(stderr, "PROFILE %s vmm_runs %" PRIu64 "\r\n"
			"PROFILE %s vmm_in_run_ns %" PRIu64 "\r\n"
			"PROFILE %s vmm_out_of_run_ns %" PRIu64 "\r\n",
			scope, v->prof.runs, scope, v->prof.in_ns, scope,
			v->prof.out_ns);
		dump_fd(scope, v->stats_fd);
	}
}

void profile_close(struct vm *vm)
{
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	vm->stats_fd = -1;
	for (unsigned int i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].stats_fd >= 0)
			close(vm->vcpus[i].stats_fd);
		vm->vcpus[i].stats_fd = -1;
	}
}
