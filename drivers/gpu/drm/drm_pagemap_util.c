// SPDX-License-Identifier: GPL-2.0
/* placeholder: drm_pagemap_util.c is written by its issue */
#include <linux/module.h>
