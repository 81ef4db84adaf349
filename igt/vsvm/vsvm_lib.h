/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the vsvm igt tests: finding and opening the vsvm
 * render nodes. Built with the tests both by igt/Makefile and inside an IGT
 * tree (igt/meson.build).
 */
#ifndef VSVM_LIB_H
#define VSVM_LIB_H

#include <stdbool.h>

/**
 * struct vsvm_node - an open vsvm render node
 * @fd: the open file descriptor (O_RDWR | O_CLOEXEC)
 * @minor: N of /dev/dri/renderDN
 */
struct vsvm_node {
	int fd;
	int minor;
};

bool vsvm_fd_is_vsvm(int fd);
int vsvm_open_nodes(struct vsvm_node *nodes, int max);

#endif
