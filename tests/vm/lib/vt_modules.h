/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and unloading the modules under test inside the test VM, for the
 * programs that switch between vireo.ko and the reference themselves.
 */
#ifndef VT_MODULES_H
#define VT_MODULES_H

/* Where the test VM keeps the reference's modules, NN-name.ko. */
#define VT_KVM_MODS	"/vireo/kvm-modules"

/* Each returns 0 or an errno. */
int vt_module_load(const char *path, const char *params);
int vt_module_unload(const char *name);
/* The reference modules in their order; one already loaded is fine. */
int vt_kvm_load(void);
/* What vt_kvm_load() loaded, the vendor module first. */
int vt_kvm_unload(void);

#endif
