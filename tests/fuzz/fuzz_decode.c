// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the module's MMIO instruction decoder (kmod/x86/
 * decode.c, built for userspace as the unit tests build it) over any
 * bytes in 16-, 32- and 64-bit modes with any number of bytes fetched,
 * then the register-file helpers on what it decoded: a decoded
 * instruction never claims more bytes than it was given, has a valid
 * size, and a load changes no register but its destination.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x86/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int modes[] = { 2, 4, 8, 8 };
	u8 buf[X86_MAX_INSN_LEN + 1];
	u64 gprs[16], before[16], value;
	struct x86_insn insn;
	unsigned int mode, avail;

	if (size < 2)
		return 0;
	mode = modes[data[0] & 3];
	avail = (data[0] >> 2) % (X86_MAX_INSN_LEN + 2);
	data++;
	size--;
	if (avail > size)
		avail = (unsigned int)size;
	/* Exactly avail bytes, on the heap, so ASan sees a read past them. */
	u8 *b = malloc(avail ? avail : 1);

	if (!b)
		return 0;
	memcpy(b, data, avail);
	memset(&insn, 0, sizeof(insn));
	if (x86_decode(b, avail, mode, &insn)) {
		free(b);
		return 0;
	}
	free(b);
	if (!insn.len || insn.len > avail || insn.len > X86_MAX_INSN_LEN ||
	    insn.reg > 15 || insn.op > X86_MMIO_MOVS ||
	    (insn.size != 1 && insn.size != 2 && insn.size != 4 &&
	     insn.size != 8) ||
	    (insn.asize != 2 && insn.asize != 4 && insn.asize != 8))
		abort();
	memset(buf, 0, sizeof(buf));
	memcpy(buf, data, size < sizeof(buf) ? size : sizeof(buf));
	for (int i = 0; i < 16; i++)
		gprs[i] = 0x0101010101010101ULL * (uint64_t)(i + 1) ^
			  (uint64_t)buf[i];
	memcpy(before, gprs, sizeof(gprs));
	memcpy(&value, buf + 8, sizeof(value));
	(void)x86_store_value(&insn, gprs);
	if (insn.op == X86_MMIO_LOAD || insn.op == X86_MMIO_LOAD_SX) {
		x86_load_result(&insn, gprs, value);
		for (int i = 0; i < 16; i++)
			if (i != insn.reg && gprs[i] != before[i])
				abort();
	}
	return 0;
}
