/* SPDX-License-Identifier: GPL-2.0 */
/*
 * drm-msvm: what differs between the kernels it builds against.
 *
 * MODULE_IMPORT_NS(): Linux 6.13 made symbol namespaces string literals,
 * MODULE_IMPORT_NS("NS"); 6.12 takes a bare identifier and stringifies it.
 * drm-msvm writes the string form. The build defines
 * MSVM_IMPORT_NS_STRINGIFIES when the kernel's MODULE_IMPORT_NS() still
 * stringifies its argument; this header then makes it take the string as
 * it is.
 */
#ifndef _DRM_MSVM_COMPAT_H_
#define _DRM_MSVM_COMPAT_H_

#include <linux/module.h>

#ifdef MSVM_IMPORT_NS_STRINGIFIES
#undef MODULE_IMPORT_NS
#define MODULE_IMPORT_NS(ns)	MODULE_INFO(import_ns, ns)
#endif

#endif /* _DRM_MSVM_COMPAT_H_ */
