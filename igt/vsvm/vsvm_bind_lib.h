/* SPDX-License-Identifier: MIT */
/*
 * Helpers of the vsvm igt tests that unbind and bind devices through
 * sysfs, PCI and platform alike.
 */
#ifndef VSVM_BIND_LIB_H
#define VSVM_BIND_LIB_H

#include <stddef.h>

/**
 * struct vsvm_bus_dev - the bus device behind a render node
 * @bus: "pci" or "platform"
 * @name: the device's name on the bus, e.g. "0000:03:00.0" or "vsvm.0"
 */
struct vsvm_bus_dev {
	char bus[16];
	char name[64];
};

void vsvm_sysfs_write(const char *path, const char *val);
void vsvm_shrink(void);
int vsvm_node_bus_dev(int minor, struct vsvm_bus_dev *bd);
void vsvm_bus_unbind(const struct vsvm_bus_dev *bd);
void vsvm_bus_bind(const struct vsvm_bus_dev *bd);
int vsvm_bus_wait_render_minor(const struct vsvm_bus_dev *bd);
int vsvm_bus_open_render(const struct vsvm_bus_dev *bd, int *minor);

#endif
