// SPDX-License-Identifier: GPL-2.0
/* vireo: a small VMM on the KVM ioctl ABI (/dev/vireo or /dev/kvm). */
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "vm.h"

#if defined(__x86_64__)
/* The DSDT, compiled from dsdt.asl by iasl at build time (dsdt_blob.S). */
extern const uint8_t vireo_dsdt_aml[], vireo_dsdt_aml_end[];
#endif

int main(int argc, char *argv[])
{
	struct firmware fw = {
#if defined(__x86_64__)
		.dsdt = vireo_dsdt_aml,
		.dsdt_len = (size_t)(vireo_dsdt_aml_end - vireo_dsdt_aml),
#endif
	};
	static struct vm_config cfg;
	char err[256];

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(options_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "run")) {
		fprintf(stderr, "vireo: unknown command '%s' (try: vireo --help)\n",
			argv[1]);
		return EXIT_USAGE;
	}
	if (options_parse(argc - 2, argv + 2, &cfg, err, sizeof(err))) {
		fprintf(stderr, "vireo: %s (try: vireo --help)\n", err);
		return EXIT_USAGE;
	}
	if (cfg.help) {
		fputs(options_usage, stdout);
		return 0;
	}
	return vm_run(&cfg, &fw);
}
