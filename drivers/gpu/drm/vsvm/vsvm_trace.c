// SPDX-License-Identifier: GPL-2.0
/*
 * vsvm tracepoints: the one place they are instantiated.
 */
#define CREATE_TRACE_POINTS
#include "vsvm_trace.h"
