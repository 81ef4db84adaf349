// SPDX-License-Identifier: MIT
/*
 * vsvm_bench: every data path of vsvm side by side with the kernel's
 * test_hmm, in one boot (make bench; the paths are in bench_core.c).
 *
 *   vsvm_bench [-s MiB,MiB,...] [-r REPS] [-l SAMPLES] [-o DIR]
 *              [-p PATH,PATH,...] [-t on|off] [-n] [-m MiB] [-w TURNS]
 *              [-P PARAM=VALUE,...] [-L MiB/s]
 *
 * -s: the sizes of the throughput paths (default 16,64,256; at most 1024,
 * the largest EXEC); -r: samples per path, size and implementation
 * (default 3); -l: single faults per latency sample (default 64;
 * latencies run at 4 KiB, 64 KiB and 2 MiB);
 * -o: where to write results.csv, results.json and summary.dat (default
 * /tmp/bench); -p: run only these paths; -t: madvise every buffer
 * MADV_HUGEPAGE or MADV_NOHUGEPAGE (default: the system's THP setting);
 * -n: no test_hmm (vsvm alone); -m and -w: the buffer size and the turns
 * of the migration policy's workloads (bench_policy.c, policy-*; default
 * 8 MiB and 100 turns; their samples go to policy.csv); -P: set these
 * drm_msvm module parameters first (thrashing_lapse_us=50000,...), to
 * tune the policy (the policy workloads run at thrashing_lapse_cost=16,
 * the rig's tuning, unless -P sets it); -L: the bandwidth of the emulated
 * link (vsvm.link_mib_per_s) for the paths that measure placement, where
 * the cost of remote access is the point (acc-read-*, rm-read-*; default
 * 256, about a seventh of the rig's local read speed; 0: no link model).
 * The data paths always run without a link model, as test_hmm has none.
 *
 * Each sample runs in a forked child of its own; for each path and size
 * the samples of vsvm and test_hmm alternate, vsvm first on even
 * repetitions, test_hmm first on odd ones. Every sample checks its data
 * and placement: any failure is printed and makes the exit status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "vsvm_workload.h"

#define MAX_SIZES	8
#define MAX_REPS	64

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const size_t lat_sizes[] = { 4096, 65536, 2u << 20 };
#define NUM_LAT_SIZES	ARRAY_SIZE(lat_sizes)
#define MAX_PATHS	32

/* The timings of one path, implementation and size, all repetitions. */
struct cell {
	double *secs;
	unsigned int n;
	unsigned int failed;
};

static struct cell cells[MAX_PATHS][BENCH_IMPLS][MAX_SIZES];
static size_t sizes[MAX_SIZES];
static unsigned int num_sizes;
static FILE *csv;
static bool failed;
static const char *sel_paths;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double percentile(const struct cell *c, double p)
{
	size_t i;

	if (!c->n)
		return 0;
	i = (size_t)(p * (c->n - 1) + 0.5);
	return c->secs[i];
}

static void cell_add(struct cell *c, const struct bench_out *o)
{
	unsigned int i;
	double *s = realloc(c->secs, (c->n + o->n) * sizeof(*s));

	if (!s) {
		fprintf(stderr, "vsvm_bench: out of memory\n");
		exit(1);
	}
	c->secs = s;
	for (i = 0; i < o->n; i++)
		c->secs[c->n++] = o->secs[i];
}

static const char *size_str(size_t size, char *buf, size_t len)
{
	if (size >= 1u << 20)
		snprintf(buf, len, "%zuM", size >> 20);
	else
		snprintf(buf, len, "%zuK", size >> 10);
	return buf;
}

static double mibps(size_t size, double secs)
{
	return secs > 0 ? size / 1048576.0 / secs : 0;
}

/* The emulated link's bandwidth for the paths that model one; 0: none. */
static void link_set(unsigned int mib_per_s)
{
	int err = vsvm_module_param_set("vsvm", "link_mib_per_s", mib_per_s);

	if (err && mib_per_s) {
		fprintf(stderr, "vsvm_bench: vsvm.link_mib_per_s: %s\n",
			strerror(-err));
		exit(1);
	}
}

/* The paths that measure placement, where remote access must cost. */
static bool path_has_link(const struct bench_path *path)
{
	return !strncmp(path->name, "acc-read-", 9) ||
	       !strncmp(path->name, "rm-read-", 8);
}

/* Run one sample; record it in its cell and the CSV. */
static void run_one(const struct bench_env *env, unsigned int p,
		    enum bench_impl impl, unsigned int s, size_t size,
		    unsigned int rep)
{
	const struct bench_path *path = &bench_paths[p];
	struct bench_out *o = calloc(1, sizeof(*o));
	char sz[16];
	unsigned int i;
	int err;

	if (!o) {
		fprintf(stderr, "vsvm_bench: out of memory\n");
		exit(1);
	}
	size_str(size, sz, sizeof(sz));
	if (path_has_link(path))
		link_set(env->link_mib_per_s);
	err = bench_sample(env, path, impl, size, o);
	if (path_has_link(path))
		link_set(0);
	if (err) {
		printf("FAIL %s %s %s rep %u: %s\n", path->name,
		       bench_impl_names[impl], sz, rep, o->err);
		cells[p][impl][s].failed++;
		failed = true;
		free(o);
		return;
	}
	cell_add(&cells[p][impl][s], o);
	for (i = 0; i < o->n; i++)
		fprintf(csv, "%s,%s,%zu,%u,%u,%.9f,%.3f,%llu\n", path->name,
			bench_impl_names[impl], size, rep, i, o->secs[i],
			path->kind == BENCH_LATENCY ? 0 :
			mibps(size, o->secs[i]), o->timed_faults);
	fflush(csv);
	free(o);
}

static bool selected(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static bool path_selected(const char *name)
{
	return selected(sel_paths, name);
}

static void print_ratio(double a, double b)
{
	if (a > 0 && b > 0)
		printf(" %6.2f", a / b);
	else
		printf(" %6s", "-");
}

/*
 * The scaling goal: each path's best vsvm throughput at the
 * largest size within 15 % of the smallest size's (the ratio at least
 * 0.85); "LOW" marks a path that falls short.
 */
static void print_scaling(const char *paths)
{
	unsigned int p, s, lo = 0, hi = 0;
	char a[16], b[16];

	for (s = 1; s < num_sizes; s++) {
		if (sizes[s] < sizes[lo])
			lo = s;
		if (sizes[s] > sizes[hi])
			hi = s;
	}
	if (lo == hi)
		return;
	printf("\n== scaling: best vsvm MiB/s at %s / at %s (goal: at least 0.85)\n",
	       size_str(sizes[hi], a, sizeof(a)),
	       size_str(sizes[lo], b, sizeof(b)));
	for (p = 0; p < bench_num_paths; p++) {
		const struct bench_path *path = &bench_paths[p];
		unsigned int impl = path->fn[BENCH_CPU] ? BENCH_CPU : BENCH_VSVM;
		const struct cell *l = &cells[p][impl][lo];
		const struct cell *h = &cells[p][impl][hi];
		double r;

		if (path->kind != BENCH_THROUGHPUT ||
		    !selected(paths, path->name) || !l->n || !h->n)
			continue;
		r = mibps(sizes[hi], h->secs[0]) / mibps(sizes[lo], l->secs[0]);
		printf("%-16s %6.2f  %s\n", path->name, r,
		       r >= 0.85 ? "ok" : "LOW");
	}
}

/* The figures of a cell in results.json, and the closing brace. */
static void json_figures(FILE *json, const struct cell *c, bool lat,
			 size_t size)
{
	if (c->n && lat)
		fprintf(json, ", \"p50_us\": %.1f, \"p99_us\": %.1f",
			percentile(c, 0.5) * 1e6, percentile(c, 0.99) * 1e6);
	else if (c->n)
		fprintf(json, ", \"best_mibps\": %.2f, \"median_mibps\": %.2f",
			mibps(size, c->secs[0]),
			mibps(size, percentile(c, 0.5)));
	fprintf(json, "}");
}

/*
 * The terminal table, summary.dat (for the plot) and results.json's
 * summary: per throughput path and size the best and median MiB/s of each
 * implementation and their ratios; per latency path and size p50 and p99.
 */
static void report(const char *dir, const struct bench_env *env,
		   const char *paths, unsigned int reps)
{
	char file[512], sz[16];
	unsigned int p, s, i;
	FILE *dat, *json;
	bool first = true;
	struct utsname u;

	snprintf(file, sizeof(file), "%s/summary.dat", dir);
	dat = fopen(file, "w");
	snprintf(file, sizeof(file), "%s/results.json", dir);
	json = fopen(file, "w");
	if (!dat || !json) {
		fprintf(stderr, "vsvm_bench: cannot write to %s: %s\n", dir,
			strerror(errno));
		exit(1);
	}
	uname(&u);
	fprintf(json, "{\n  \"kernel\": \"%s %s\",\n  \"reps\": %u,\n"
		"  \"lat_samples\": %u,\n  \"thp\": %d,\n"
		"  \"test_hmm\": %s,\n  \"p2p\": %s,\n  \"results\": [\n",
		u.release, u.version, reps, env->lat_samples, env->thp,
		env->hmm_path[0] ? "true" : "false",
		env->minor[1] >= 0 ? "true" : "false");
	fprintf(dat, "# path size_mib vsvm_best vsvm_median hmm_best hmm_median cpu_best\n");

	for (p = 0; p < bench_num_paths; p++) {
		const struct bench_path *path = &bench_paths[p];
		bool lat = path->kind == BENCH_LATENCY;
		unsigned int ns = lat ? NUM_LAT_SIZES : num_sizes;

		if (!selected(paths, path->name))
			continue;
		for (s = 0; s < ns; s++) {
			size_t size = lat ? lat_sizes[s] : sizes[s];

			for (i = 0; i < BENCH_IMPLS; i++) {
				struct cell *c = &cells[p][i][s];

				if (!c->n && !c->failed)
					continue;
				qsort(c->secs, c->n, sizeof(double),
				      cmp_double);
				fprintf(json, "%s    {\"path\": \"%s\", \"impl\": \"%s\", ",
					first ? "" : ",\n", path->name,
					bench_impl_names[i]);
				fprintf(json, "\"size\": %zu, \"samples\": %u, \"failed\": %u",
					size, c->n, c->failed);
				first = false;
				json_figures(json, c, lat, size);
			}
		}
	}
	fprintf(json, "\n  ]\n}\n");
	fclose(json);

	printf("\n== throughput, MiB/s: best (median) of %u samples each;", reps);
	printf(" ratio = vsvm / test_hmm, best (median)\n");
	printf("%-16s %5s %19s %19s %15s  %s\n", "path", "size", "vsvm",
	       "test_hmm", "ratio", "test_hmm path");
	for (p = 0; p < bench_num_paths; p++) {
		const struct bench_path *path = &bench_paths[p];

		if (path->kind != BENCH_THROUGHPUT ||
		    !selected(paths, path->name))
			continue;
		for (s = 0; s < num_sizes; s++) {
			struct cell *v = &cells[p][path->fn[BENCH_CPU] ?
						   BENCH_CPU : BENCH_VSVM][s];
			struct cell *h = &cells[p][BENCH_HMM][s];
			double vb = v->n ? mibps(sizes[s], v->secs[0]) : 0;
			double vm = mibps(sizes[s], percentile(v, 0.5));
			double hb = h->n ? mibps(sizes[s], h->secs[0]) : 0;
			double hm = mibps(sizes[s], percentile(h, 0.5));

			printf("%-16s %5s", path->name,
			       size_str(sizes[s], sz, sizeof(sz)));
			if (v->n)
				printf(" %8.1f (%8.1f)", vb, vm);
			else
				printf(" %19s", v->failed ? "FAILED" : "-");
			if (h->n)
				printf(" %8.1f (%8.1f)", hb, hm);
			else
				printf(" %19s", h->failed ? "FAILED" : "-");
			print_ratio(vb, hb);
			printf(" (");
			print_ratio(vm, hm);
			printf(")  %s\n", path->hmm_desc ? path->hmm_desc : "");
			fprintf(dat, "%s %zu %.2f %.2f %.2f %.2f %.2f\n",
				path->name, sizes[s] >> 20,
				path->fn[BENCH_CPU] ? 0 : vb,
				path->fn[BENCH_CPU] ? 0 : vm, hb, hm,
				path->fn[BENCH_CPU] ? vb : 0);
		}
	}

	/* The ratios of the goals that are not vsvm / test_hmm. */
	printf("\n== derived ratios (best)\n");
	for (s = 0; s < num_sizes; s++) {
		const struct cell *c[8] = { NULL };
		const char *names[8] = { "p2p-direct", "p2p-bounce",
					 "s2v-prefetch", "memcpy",
					 "acc-read-on", "acc-read-off",
					 "rm-read-on", "rm-read-off" };
		double b[8] = { 0 };
		unsigned int k;

		for (k = 0; k < 8; k++)
			for (p = 0; p < bench_num_paths; p++)
				if (!strcmp(bench_paths[p].name, names[k]))
					c[k] = &cells[p][k == 3 ? BENCH_CPU :
							 BENCH_VSVM][s];
		for (k = 0; k < 8; k++)
			if (c[k] && c[k]->n)
				b[k] = mibps(sizes[s], c[k]->secs[0]);
		size_str(sizes[s], sz, sizeof(sz));
		printf("%5s  p2p-direct / p2p-bounce:", sz);
		print_ratio(b[0], b[1]);
		printf("   s2v-prefetch / memcpy:");
		print_ratio(b[2], b[3]);
		printf("   acc-read-on / acc-read-off:");
		print_ratio(b[4], b[5]);
		printf("   rm-read-on / rm-read-off:");
		print_ratio(b[6], b[7]);
		printf("\n");
	}

	print_scaling(paths);

	fprintf(dat, "\n\n# path size_kib vsvm_p50_us vsvm_p99_us hmm_p50_us hmm_p99_us 0\n");
	printf("\n== single-fault latency, us: p50 / p99 of %u faults x %u samples\n",
	       env->lat_samples, reps);
	printf("%-16s %5s %19s %19s  %s\n", "path", "size", "vsvm",
	       "test_hmm", "test_hmm path");
	for (p = 0; p < bench_num_paths; p++) {
		const struct bench_path *path = &bench_paths[p];

		if (path->kind != BENCH_LATENCY ||
		    !selected(paths, path->name))
			continue;
		for (s = 0; s < NUM_LAT_SIZES; s++) {
			printf("%-16s %5s", path->name,
			       size_str(lat_sizes[s], sz, sizeof(sz)));
			for (i = 0; i < BENCH_HMM + 1; i++) {
				struct cell *c = &cells[p][i][s];

				if (c->n)
					printf(" %8.1f / %8.1f",
					       percentile(c, 0.5) * 1e6,
					       percentile(c, 0.99) * 1e6);
				else
					printf(" %19s",
					       c->failed ? "FAILED" : "-");
			}
			printf("  %s\n", path->hmm_desc ? path->hmm_desc : "");
			fprintf(dat, "%s %zu %.1f %.1f %.1f %.1f 0\n",
				path->name, lat_sizes[s] >> 10,
				percentile(&cells[p][BENCH_VSVM][s], 0.5) * 1e6,
				percentile(&cells[p][BENCH_VSVM][s], 0.99) * 1e6,
				percentile(&cells[p][BENCH_HMM][s], 0.5) * 1e6,
				percentile(&cells[p][BENCH_HMM][s], 0.99) * 1e6);
		}
	}
	fclose(dat);
}

/*
 * One sample of each implementation's PREFETCH (and of P2P) at the largest
 * size, not recorded: the first use of a device creates its pagemap, and
 * test_hmm adds device memory in 256 MiB chunks when it runs out, which
 * the first timed samples would otherwise pay for. A failure here fails
 * the run like any other.
 */
static void warm_up(const struct bench_env *env)
{
	static const char *const names[] = { "s2v-prefetch", "p2p-direct" };
	size_t max = 0;
	unsigned int s, p, k, i;

	for (s = 0; s < num_sizes; s++)
		if (sizes[s] > max)
			max = sizes[s];
	for (k = 0; k < ARRAY_SIZE(names); k++) {
		for (p = 0; p < bench_num_paths; p++) {
			const struct bench_path *path = &bench_paths[p];
			struct bench_out *o;

			if (strcmp(path->name, names[k]) ||
			    (path->p2p && env->minor[1] < 0))
				continue;
			for (i = 0; i < BENCH_HMM + 1; i++) {
				if (!path->fn[i] ||
				    (i == BENCH_HMM && !env->hmm_path[0]))
					continue;
				o = calloc(1, sizeof(*o));
				if (!o || bench_sample(env, path, i, max, o)) {
					printf("FAIL warm-up %s %s: %s\n",
					       path->name, bench_impl_names[i],
					       o ? o->err : "out of memory");
					failed = true;
				}
				free(o);
			}
		}
	}
}

/* -P: "name=value,..." into /sys/module/drm_msvm/parameters. */
static int set_params(const char *arg)
{
	char *list = strdup(arg), *tok, *save, *eq;
	int ret = 0;

	for (tok = strtok_r(list, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq) {
			fprintf(stderr, "vsvm_bench: -P %s: no value\n", tok);
			ret = 1;
			break;
		}
		*eq = 0;
		if (vsvm_policy_param_set(tok, strtoull(eq + 1, NULL, 0))) {
			fprintf(stderr, "vsvm_bench: cannot set drm_msvm.%s\n",
				tok);
			ret = 1;
		} else {
			printf("vsvm_bench: drm_msvm.%s=%s\n", tok, eq + 1);
		}
	}
	free(list);
	return ret;
}

static void usage(void)
{
	fprintf(stderr, "vsvm_bench [-s MiB,...] [-r reps] [-l samples]");
	fprintf(stderr, " [-o dir] [-p path,...] [-t on|off] [-n] [-m MiB]");
	fprintf(stderr, " [-w turns] [-P param=value,...] [-L MiB/s]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench_env env = { .lat_samples = 64, .link_mib_per_s = 256 };
	const char *dir = "/tmp/bench", *paths = NULL;
	unsigned int reps = 3, p, s, rep, k, turns = 100;
	size_t policy_size = 8u << 20;
	FILE *pcsv;
	bool no_hmm = false, keep_cost = false;
	char file[512], err[256], *tok, *save, *list;
	int opt;
	double start = (double)time(NULL);

	sizes[0] = 16u << 20;
	sizes[1] = 64u << 20;
	sizes[2] = 256u << 20;
	num_sizes = 3;
	while ((opt = getopt(argc, argv, "s:r:l:o:p:t:nm:w:P:L:")) != -1) {
		switch (opt) {
		case 's':
			num_sizes = 0;
			list = strdup(optarg);
			for (tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				unsigned long mib = strtoul(tok, NULL, 10);

				if (!mib || mib > 1024 || num_sizes == MAX_SIZES)
					usage();
				sizes[num_sizes++] = (size_t)mib << 20;
			}
			free(list);
			if (!num_sizes)
				usage();
			break;
		case 'r':
			reps = strtoul(optarg, NULL, 10);
			if (!reps || reps > MAX_REPS)
				usage();
			break;
		case 'l':
			env.lat_samples = strtoul(optarg, NULL, 10);
			if (!env.lat_samples ||
			    env.lat_samples > BENCH_MAX_TIMES)
				usage();
			break;
		case 'o':
			dir = optarg;
			break;
		case 'p':
			paths = optarg;
			break;
		case 't':
			if (!strcmp(optarg, "on"))
				env.thp = 1;
			else if (!strcmp(optarg, "off"))
				env.thp = -1;
			else
				usage();
			break;
		case 'n':
			no_hmm = true;
			break;
		case 'm':
			policy_size = strtoul(optarg, NULL, 10) << 20;
			if (!policy_size || policy_size > (1024u << 20))
				usage();
			break;
		case 'w':
			turns = strtoul(optarg, NULL, 10);
			if (!turns || turns > 100000)
				usage();
			break;
		case 'L':
			env.link_mib_per_s = strtoul(optarg, NULL, 10);
			break;
		case 'P':
			if (set_params(optarg))
				return 1;
			if (strstr(optarg, "thrashing_lapse_cost="))
				keep_cost = true;
			break;
		default:
			usage();
		}
	}
	if (bench_num_paths > MAX_PATHS)
		usage();
	if (bench_env_init(&env, !no_hmm, err, sizeof(err))) {
		fprintf(stderr, "vsvm_bench: %s\n", err);
		return 1;
	}
	if (!no_hmm && !env.hmm_path[0]) {
		fprintf(stderr, "vsvm_bench: no test_hmm device: load test_hmm.ko, or use -n\n");
		return 1;
	}
	mkdir(dir, 0755);
	snprintf(file, sizeof(file), "%s/results.csv", dir);
	csv = fopen(file, "w");
	if (!csv) {
		fprintf(stderr, "vsvm_bench: %s: %s\n", file, strerror(errno));
		return 1;
	}
	fprintf(csv, "path,impl,size,rep,sample,seconds,mibps,timed_gpu_faults\n");
	printf("vsvm_bench: device A renderD%d (index %u), B %s%d, test_hmm %s, THP %s\n",
	       env.minor[0], env.index[0], env.minor[1] >= 0 ? "renderD" : "",
	       env.minor[1], env.hmm_path[0] ? env.hmm_path : "none",
	       env.thp > 0 ? "on" : env.thp < 0 ? "off" : "default");
	printf("vsvm_bench: emulated link for acc-read-* and rm-read-*: %u MiB/s%s\n",
	       env.link_mib_per_s, env.link_mib_per_s ? "" : " (none)");

	warm_up(&env);
	for (s = 0; s < num_sizes; s++) {
		for (rep = 0; rep < reps; rep++) {
			for (p = 0; p < bench_num_paths; p++) {
				const struct bench_path *path = &bench_paths[p];

				if (path->kind != BENCH_THROUGHPUT ||
				    !selected(paths, path->name) ||
				    (path->p2p && env.minor[1] < 0))
					continue;
				for (k = 0; k < BENCH_IMPLS; k++) {
					/* vsvm first on even reps. */
					enum bench_impl i = k;

					if (rep & 1)
						i = k == BENCH_VSVM ? BENCH_HMM :
						    k == BENCH_HMM ? BENCH_VSVM : k;
					if (!path->fn[i] ||
					    (i == BENCH_HMM && !env.hmm_path[0]))
						continue;
					run_one(&env, p, i, s, sizes[s], rep);
				}
			}
			printf("vsvm_bench: %zu MiB rep %u done (%.0f s)\n",
			       sizes[s] >> 20, rep, (double)time(NULL) - start);
			fflush(stdout);
		}
	}
	for (rep = 0; rep < reps; rep++) {
		for (p = 0; p < bench_num_paths; p++) {
			const struct bench_path *path = &bench_paths[p];

			if (path->kind != BENCH_LATENCY ||
			    !selected(paths, path->name))
				continue;
			for (s = 0; s < NUM_LAT_SIZES; s++) {
				for (k = 0; k < 2; k++) {
					enum bench_impl i = (rep & 1) ? 1 - k : k;

					if (!path->fn[i] ||
					    (i == BENCH_HMM && !env.hmm_path[0]))
						continue;
					run_one(&env, p, i, s, lat_sizes[s],
						rep);
				}
			}
		}
		printf("vsvm_bench: latency rep %u done (%.0f s)\n", rep,
		       (double)time(NULL) - start);
		fflush(stdout);
	}
	fclose(csv);
	report(dir, &env, paths, reps);

	sel_paths = paths;
	snprintf(file, sizeof(file), "%s/policy.csv", dir);
	pcsv = fopen(file, "w");
	if (!pcsv) {
		fprintf(stderr, "vsvm_bench: %s: %s\n", file, strerror(errno));
		return 1;
	}
	fprintf(pcsv, "path,policy,size,turns,rep,seconds,bytes_moved\n");
	if (bench_policy_run(&env, path_selected, policy_size, turns, reps,
			     pcsv, keep_cost))
		failed = true;
	fclose(pcsv);
	printf("\nvsvm_bench: %s (%.0f s)\n", failed ?
	       "FAILED: a sample failed, see the FAIL lines above" :
	       "every sample checked its data", (double)time(NULL) - start);
	return failed ? 1 : 0;
}
