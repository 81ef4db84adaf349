# SPDX-License-Identifier: MIT
#
# The plot of make bench: gnuplot -e "datafile='summary.dat';
# outfile='bench.png'; ntp=N; nlat=M" plot.gp. summary.dat is vsvm_bench's:
# index 0 the throughput paths (best MiB/s of vsvm, test_hmm and the
# guest's memcpy), index 1 the single-fault latencies (p50 and p99 in
# microseconds); ntp and nlat are their numbers of lines (a panel without
# data is left out).
set terminal pngcairo size 1600,(ntp > 0 && nlat > 0 ? 1100 : 600) font ",10" noenhanced
set output outfile
set multiplot layout (ntp > 0) + (nlat > 0),1 title "drm-msvm: vsvm vs test_hmm (make bench, non-debug rig kernel)"

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set grid ytics
set xtics rotate by -45 scale 0
set key top left
set rmargin 8

nz(x) = x > 0 ? x : 1/0
# gnuplot does not count a data set without data lines: with no
# throughput lines the latencies are the first index.
ilat = ntp > 0 ? 1 : 0

if (ntp > 0) {
	set title "throughput, best of the samples (MiB/s, log scale)"
	set ylabel "MiB/s"
	plot datafile index 0 using (nz($3)):xtic(sprintf("%s %sM", strcol(1), strcol(2))) title "vsvm", \
	     '' index 0 using (nz($5)) title "test_hmm", \
	     '' index 0 using (nz($7)) title "guest memcpy"
}

if (nlat > 0) {
	set title "single-fault latency (us, log scale): p50 and p99"
	set ylabel "us"
	plot datafile index ilat using (nz($3)):xtic(sprintf("%s %sK", strcol(1), strcol(2))) title "vsvm p50", \
	     '' index ilat using (nz($4)) title "vsvm p99", \
	     '' index ilat using (nz($5)) title "test_hmm p50", \
	     '' index ilat using (nz($6)) title "test_hmm p99"
}
unset multiplot
