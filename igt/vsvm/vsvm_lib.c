// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the vsvm igt tests: finding and opening the vsvm
 * render nodes with libdrm.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include "igt.h"
#include "vsvm_lib.h"

/**
 * vsvm_fd_is_vsvm() - whether an open DRM node belongs to vsvm
 * @fd: the node
 *
 * Return: true when drmGetVersion() names the driver "vsvm".
 */
bool vsvm_fd_is_vsvm(int fd)
{
	drmVersionPtr ver = drmGetVersion(fd);
	bool ret = ver && !strcmp(ver->name, "vsvm");

	drmFreeVersion(ver);
	return ret;
}

static int vsvm_cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/**
 * vsvm_open_nodes() - open every vsvm render node, in minor order
 * @nodes: filled with the open nodes
 * @max: the size of @nodes
 *
 * Other drivers' nodes are opened, asked their name and closed.
 *
 * Return: the number of nodes opened (0 without /dev/dri).
 */
int vsvm_open_nodes(struct vsvm_node *nodes, int max)
{
	int minors[256];
	int n = 0, found = 0, i, minor, fd;
	struct dirent *de;
	char path[64];
	DIR *dir;

	dir = opendir("/dev/dri");
	if (!dir) {
		igt_debug("no /dev/dri: %s\n", strerror(errno));
		return 0;
	}
	while ((de = readdir(dir)) && n < (int)ARRAY_SIZE(minors)) {
		char end;

		if (sscanf(de->d_name, "renderD%d%c", &minor, &end) == 1)
			minors[n++] = minor;
	}
	closedir(dir);
	qsort(minors, n, sizeof(minors[0]), vsvm_cmp_int);

	for (i = 0; i < n && found < max; i++) {
		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minors[i]);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			igt_warn("cannot open %s: %s\n", path, strerror(errno));
			continue;
		}
		if (!vsvm_fd_is_vsvm(fd)) {
			igt_debug("%s is not a vsvm node\n", path);
			close(fd);
			continue;
		}
		nodes[found].fd = fd;
		nodes[found].minor = minors[i];
		found++;
	}
	return found;
}
