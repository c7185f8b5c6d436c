// SPDX-License-Identifier: GPL-2.0
/*
 * The emergency (crash, emergency reboot) callback that turns the CPU's
 * virtualization off so the next kernel or the firmware gets INIT back.
 * Linux keeps one slot, and warns both on a second claim and on the release
 * of a slot one does not hold; kvm.ko's vendor module claims it at load
 * (kvm_intel on 6.1, kvm_amd on later kernels).  Its callback and Vireo's
 * both turn the extension off on every CPU, so Vireo holds the slot only
 * while that module is absent, and releases it only if it holds it.
 */
#include <asm/reboot.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/notifier.h>
#include <linux/string.h>

#include "x86/x86.h"

static DEFINE_MUTEX(x86_emergency_lock);
static cpu_emergency_virt_cb *x86_emergency_cb;
static const char *x86_emergency_rival;
static bool x86_emergency_held;
static bool x86_emergency_watching;

static void x86_emergency_claim(bool claim)
{
	mutex_lock(&x86_emergency_lock);
	if (claim && !x86_emergency_held)
		cpu_emergency_register_virt_callback(x86_emergency_cb);
	else if (!claim && x86_emergency_held)
		cpu_emergency_unregister_virt_callback(x86_emergency_cb);
	x86_emergency_held = claim;
	mutex_unlock(&x86_emergency_lock);
}

static bool x86_module_loaded(const char *name)
{
	char buf[MODULE_NAME_LEN + 16];
	struct path path;

	snprintf(buf, sizeof(buf), "/sys/module/%s", name);
	if (kern_path(buf, 0, &path))
		return false;
	path_put(&path);
	return true;
}

/* Runs before the rival's init and after its exit (or failed init). */
static int x86_emergency_module_event(struct notifier_block *nb,
				      unsigned long state, void *data)
{
	struct module *mod = data;

	if (strcmp(mod->name, x86_emergency_rival))
		return NOTIFY_DONE;
	if (state == MODULE_STATE_COMING)
		x86_emergency_claim(false);
	else if (state == MODULE_STATE_GOING)
		x86_emergency_claim(true);
	return NOTIFY_OK;
}

static struct notifier_block x86_emergency_nb = {
	.notifier_call = x86_emergency_module_event,
};

/**
 * x86_emergency_register - hold the emergency callback while @rival is away
 * @rival: kvm.ko's vendor module for this CPU ("kvm_amd", "kvm_intel")
 * @cb: the backend's "virtualization off on this CPU", safe to call twice
 *
 * Undone by x86_emergency_unregister(), which is safe to call after a
 * failed or missing registration (error paths).
 */
void x86_emergency_register(const char *rival, cpu_emergency_virt_cb *cb)
{
	x86_emergency_rival = rival;
	x86_emergency_cb = cb;
	register_module_notifier(&x86_emergency_nb);
	x86_emergency_watching = true;
	x86_emergency_claim(!x86_module_loaded(rival));
}

/**
 * x86_emergency_unregister - give the emergency callback back, if held
 */
void x86_emergency_unregister(void)
{
	if (x86_emergency_watching) {
		unregister_module_notifier(&x86_emergency_nb);
		x86_emergency_watching = false;
	}
	x86_emergency_claim(false);
}
