/* SPDX-License-Identifier: GPL-2.0 */
/* The device the in-VM tests open, on any architecture (vt_dev.c). */
#ifndef VT_DEV_H
#define VT_DEV_H

/* The device in $VIREO_TEST_DEV, else /dev/vireo, else /dev/kvm. */
const char *vt_dev_path(void);
/* "vireo" or "kvm", from $VIREO_TEST_MODE (default from the path). */
const char *vt_mode(void);
int vt_open_dev(void);

#endif
