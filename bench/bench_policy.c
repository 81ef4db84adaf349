// SPDX-License-Identifier: MIT
/*
 * The migration policy's benchmark: processors taking turns on one buffer
 * (vsvm_workload_alternate(), the workload of igt's vsvm_policy), with the
 * policy off (drm_msvm.policy_enable=0) and on. The rig's emulated devices
 * migrate about a hundred times slower than hardware, so NVIDIA's fixed
 * 500 us lapse never sees a ping-pong there: unless -P sets it (0 for
 * NVIDIA's fixed lapse), the benchmark sets thrashing_lapse_cost (the
 * lapse's scaling with the cost of a migration) to %BENCH_LAPSE_COST for
 * its run, and restores it.
 *
 * Workloads, each @turns turns on a @size buffer, every turn writing the
 * whole buffer then reading it back and checking every word:
 *
 * - policy-p2p: GPU A and its P2P peer B;
 * - policy-cpu: GPU A and the CPU;
 * - policy-madvise: A and B with crossed advice (each VM prefers its own
 *   device's VRAM);
 * - policy-single: GPU A alone, evicting the buffer to system memory with
 *   PREFETCH before each turn, so that every turn migrates it back by GPU
 *   faults, each decided and recorded by the policy (what it must not
 *   slow down: a PREFETCH is never thrashing).
 *
 * Each sample runs in a forked child with VMs and a buffer of its own;
 * off and on alternate, off first on even repetitions. Reported: the bytes
 * every vsvm VRAM moved (debugfs vram_pages_in/out) and the time, best of
 * the repetitions, and their ratios off / on. A wrong word, a failed EXEC
 * or a failed sample fails the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm.h>
#include <drm/vsvm_drm.h>

#include "bench.h"
#include "vsvm_exec_lib.h"
#include "vsvm_workload.h"

enum policy_wl { WL_P2P, WL_CPU, WL_MADVISE, WL_SINGLE, NUM_WL };

static const char *const wl_names[NUM_WL] = {
	"policy-p2p", "policy-cpu", "policy-madvise", "policy-single",
};

static const char *const wl_descs[NUM_WL] = {
	"GPU A and its P2P peer B take turns",
	"GPU A and the CPU take turns",
	"A and B take turns, each VM preferring its own VRAM",
	"GPU A alone, evicted by PREFETCH before each turn",
};

#define MAX_REPS	64
/* thrashing_lapse_cost for the rig, tuned with this benchmark. */
#define BENCH_LAPSE_COST	16

struct wl_sample {
	struct vsvm_workload_result res;
	int err;
};

static int open_minor(int minor)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
	return open(path, O_RDWR | O_CLOEXEC);
}

static int prefer_own(int fd, __u32 vm, void *buf, size_t size)
{
	struct drm_vsvm_madvise m = {
		.vm_id = vm,
		.type = DRM_VSVM_MADVISE_PREFERRED_LOC,
		.start = (uintptr_t)buf,
		.range = size,
		.value = DRM_VSVM_LOCATION_DEVICE,
	};

	return ioctl(fd, DRM_IOCTL_VSVM_MADVISE, &m) ? -errno : 0;
}

/* The child: set up the workload's processors and run it. */
static int wl_child(const struct bench_env *env, enum policy_wl wl,
		    size_t size, unsigned int turns,
		    struct vsvm_workload_result *res)
{
	struct vsvm_actor actors[2];
	int nactors = wl == WL_SINGLE ? 1 : 2, i, err;
	void *buf;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -ENOMEM;
	if (env->thp)
		madvise(buf, size, env->thp > 0 ? MADV_HUGEPAGE :
			MADV_NOHUGEPAGE);
	memset(buf, 0, size);
	for (i = 0; i < nactors; i++) {
		actors[i].evict = false;
		if (wl == WL_CPU && i == 1) {
			actors[i].fd = -1;
			actors[i].vm = 0;
			continue;
		}
		actors[i].fd = open_minor(env->minor[i]);
		if (actors[i].fd < 0)
			return -errno;
		err = vsvm_vm_create(actors[i].fd, &actors[i].vm);
		if (err)
			return err;
		if (wl == WL_MADVISE) {
			err = prefer_own(actors[i].fd, actors[i].vm, buf,
					 size);
			if (err)
				return err;
		}
	}
	actors[0].evict = wl == WL_SINGLE;
	return vsvm_workload_alternate(actors, nactors, buf, size, turns,
				       res);
}

static int wl_sample(const struct bench_env *env, enum policy_wl wl,
		     size_t size, unsigned int turns, bool policy,
		     struct wl_sample *out)
{
	struct wl_sample *shared;
	int status;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	out->err = vsvm_policy_param_set("policy_enable", policy);
	if (out->err)
		return 0;
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -ENOMEM;
	shared->err = -ECHILD;
	pid = fork();
	if (!pid) {
		shared->err = wl_child(env, wl, size, turns, &shared->res);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status))
		shared->err = shared->err ? shared->err : -ECHILD;
	*out = *shared;
	munmap(shared, sizeof(*shared));
	return 0;
}

/* Print why a sample failed, if it did. */
static bool wl_failed(enum policy_wl wl, bool on, unsigned int rep,
		      const struct wl_sample *s)
{
	if (!s->err && !s->res.errors && !s->res.bad_words)
		return false;
	printf("FAIL %s policy %s rep %u: err %d, %llu failed EXECs,",
	       wl_names[wl], on ? "on" : "off", rep, s->err,
	       (unsigned long long)s->res.errors);
	printf(" %llu wrong words\n", (unsigned long long)s->res.bad_words);
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static double mib(unsigned long long bytes)
{
	return bytes / 1048576.0;
}

/**
 * bench_policy_run() - run the policy workloads and print their table
 * @env: the devices (A and its P2P peer B)
 * @selected: whether a workload's name is selected (-p)
 * @size: the buffer size
 * @turns: the turns per sample
 * @reps: the samples per workload and setting
 * @csv: where every sample goes (path,policy,size,turns,rep,seconds,
 *	bytes_moved)
 * @keep_cost: run at thrashing_lapse_cost as it is (-P set it), else at
 *	%BENCH_LAPSE_COST
 *
 * Return: 0, or 1 if a sample failed or read wrong data.
 */
int bench_policy_run(const struct bench_env *env,
		     bool (*selected)(const char *name), size_t size,
		     unsigned int turns, unsigned int reps, FILE *csv,
		     bool keep_cost)
{
	unsigned long long bytes[NUM_WL][2][MAX_REPS], ns[NUM_WL][2][MAX_REPS];
	unsigned int n[NUM_WL][2] = { { 0 } };
	__u64 saved = 1, saved_cost = 0, cost;
	bool failed = false, ran = false;
	unsigned int w, rep, k;

	if (vsvm_policy_param_get("policy_enable", &saved)) {
		printf("FAIL policy: no drm_msvm.policy_enable parameter\n");
		return 1;
	}
	if (reps > MAX_REPS)
		reps = MAX_REPS;
	vsvm_policy_param_get("thrashing_lapse_cost", &saved_cost);
	cost = keep_cost ? saved_cost : BENCH_LAPSE_COST;
	if (vsvm_policy_param_set("thrashing_lapse_cost", cost))
		printf("vsvm_bench: no thrashing_lapse_cost parameter\n");
	for (w = 0; w < NUM_WL; w++) {
		if (!selected(wl_names[w]) ||
		    ((w == WL_P2P || w == WL_MADVISE) && env->minor[1] < 0))
			continue;
		ran = true;
		for (rep = 0; rep < reps; rep++) {
			for (k = 0; k < 2; k++) {
				bool on = (rep & 1) ? !k : k;
				struct wl_sample s;

				if (wl_sample(env, w, size, turns, on, &s) ||
				    wl_failed(w, on, rep, &s)) {
					failed = true;
					continue;
				}
				bytes[w][on][n[w][on]] = s.res.bytes_moved;
				ns[w][on][n[w][on]++] = s.res.ns;
				fprintf(csv, "%s,%s,%zu,%u,%u,%.9f,%llu\n",
					wl_names[w], on ? "on" : "off", size,
					turns, rep, s.res.ns / 1e9,
					(unsigned long long)s.res.bytes_moved);
				fflush(csv);
			}
		}
		printf("vsvm_bench: %s done\n", wl_names[w]);
		fflush(stdout);
	}
	vsvm_policy_param_set("policy_enable", saved);
	vsvm_policy_param_set("thrashing_lapse_cost", saved_cost);
	if (!ran)
		return 0;

	printf("\n== migration policy: %zu MiB x %u turns, best of %u;",
	       size >> 20, turns, reps);
	printf(" off = policy_enable=0, on: thrashing_lapse_cost=%llu\n",
	       (unsigned long long)cost);
	printf("%-15s %10s %8s %10s %8s %9s %9s  %s\n", "workload",
	       "off MiB", "off s", "on MiB", "on s", "bytes x", "time x",
	       "what");
	for (w = 0; w < NUM_WL; w++) {
		unsigned long long b[2], t[2];

		if (!n[w][0] || !n[w][1])
			continue;
		for (k = 0; k < 2; k++) {
			qsort(bytes[w][k], n[w][k], sizeof(bytes[0][0][0]),
			      cmp_u64);
			qsort(ns[w][k], n[w][k], sizeof(ns[0][0][0]),
			      cmp_u64);
			b[k] = bytes[w][k][0];
			t[k] = ns[w][k][0];
		}
		printf("%-15s %10.1f %8.2f %10.1f %8.2f", wl_names[w],
		       mib(b[0]), t[0] / 1e9, mib(b[1]), t[1] / 1e9);
		if (b[1])
			printf(" %9.1f", (double)b[0] / b[1]);
		else
			printf(" %9s", b[0] ? "inf" : "-");
		printf(" %9.2f  %s\n", t[1] ? (double)t[0] / t[1] : 0,
		       wl_descs[w]);
	}
	return failed;
}
