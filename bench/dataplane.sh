#!/bin/sh
# dataplane.sh [BUILD_DIR] - vrrp_ha data plane figures (root; each run in
# a private network namespace): pre-staging rate at 10k/100k bindings,
# activate()/deactivate() time at 1k/10k/100k staged (mark gate, and the
# fib-rule switch for comparison), removal rate, free(). See
# docs/dataplane.md for the figures measured on the build machines.
set -eu
b=${1:-build}/bench/dp-bench
[ -x "$b" ] || { echo "dataplane.sh: $b not built" >&2; exit 1; }
run() { "$b" "$@" | awk '{printf "%s=%s ", $1, $2} END {print ""}'; }
echo "# pre-staging (filter on, gate on), 3 runs each"
for n in 10000 100000; do for i in 1 2 3; do run -n $n -r 1 -p 200 | \
	grep -o 'bindings=[0-9]* .*stage_rate=[0-9]*\|enomem_retries=[0-9]*\|remove_rate=[0-9]*\|free_s=[0-9.]*' | tr '\n' ' '; echo; done; done
echo "# pre-staging without the nftables filter"
for n in 100000; do for i in 1 2 3; do run -n $n -r 1 -p 200 -F | \
	grep -o 'stage_rate=[0-9]*\|enomem_retries=[0-9]*' | tr '\n' ' '; echo; done; done
echo "# activation (10 repeats): gate vs fib rules"
for n in 1000 10000 100000; do
	printf 'n=%s gate:  ' $n; run -n $n -r 10 -p 200 | grep -o 'activate_ms_avg=[0-9.]*\|activate_ms_max=[0-9.]*\|deactivate_ms_avg=[0-9.]*' | tr '\n' ' '; echo
	printf 'n=%s rules: ' $n; run -n $n -r 10 -p 200 -G | grep -o 'activate_ms_avg=[0-9.]*\|activate_ms_max=[0-9.]*\|deactivate_ms_avg=[0-9.]*' | tr '\n' ' '; echo
done
