/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the in-VM tests read from (and write to) /proc, /sys and the
 * module's debugfs, on any architecture (vt_proc.c). Each returns -1 (or
 * -errno for a write) when the file or the field is not there.
 */
#ifndef VT_PROC_H
#define VT_PROC_H

/* The first number in the file at @path. */
long vt_read_long(const char *path);
/* Writes @v and a newline to @path: 0 or -errno. */
int vt_write_long(const char *path, long v);
/* The field @key ("MemAvailable", "HugePages_Free"...) of /proc/meminfo, in kB or pages. */
long vt_meminfo(const char *key);
/* AnonHugePages of this process's mapping that holds @addr, in kB. */
long vt_anon_huge_kb(const void *addr);
/* vireo.ko's count of 2 MiB guest mappings made since load (debugfs, mounted if need be). */
long vt_huge_mappings(void);

#endif
