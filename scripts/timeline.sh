#!/bin/sh
# timeline.sh - the failover timeline picture: what every home agent sent,
# what it said, and what the mobile nodes' pings got, on one time axis.
#
# Usage: sh scripts/timeline.sh DIR [OUT]
#   writes OUT.svg (default DIR/timeline.svg) and, when gnuplot has a pngcairo
#   or png terminal, OUT.png; prints the path of each file written.
#
# DIR holds any of these files (NODE, NAME: any word; every time is
# CLOCK_REALTIME, except the events'):
#   NODE.vrrp   bc-sniff -o lines "t_ns dir type vrid count len src", captured
#               on NODE's own bridge port, so "in" = what NODE sent: type 1
#               adverts, 14 BC_REQUEST, 15 BC_UPDATE (0: VRRP, type unknown)
#   NODE.tun    pcap-lite lines of the IPv6-in-IPv6 packets NODE sent (the
#               tunnels to the mobile nodes), same port, -p 41 -I in
#   NODE.events vrrp-ha-ctl watch --json of NODE (time_ms: CLOCK_MONOTONIC)
#   clock       "realtime_ns monotonic_ns", read at one instant (maps the
#               events' time_ms onto the axis; without it events are left out)
#   NAME.ping   ping -D output: one row of reply times per file, its longest
#               gap marked
#   marks       "realtime_ns label" lines: dashed vertical lines; the axis
#               starts at 0 = the first mark (else at the earliest time)
# Environment: TIMELINE_FROM / TIMELINE_TO (seconds on that axis) crop the
# picture; TIMELINE_TITLE its title.
set -eu
dir=${1:?usage: timeline.sh DIR [OUT]}
out=${2:-$dir/timeline}
command -v gnuplot >/dev/null 2>&1 || {
	echo "timeline: gnuplot not found (Debian package gnuplot-nox)" >&2
	exit 2
}
tmp=$(mktemp -d /tmp/vrrp-ha-timeline.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

nodes=$(for f in "$dir"/*.vrrp "$dir"/*.tun "$dir"/*.events; do
	[ -e "$f" ] && basename "$f" | sed 's/\.[a-z]*$//'
done | sort -u)
pings=$(for f in "$dir"/*.ping; do [ -e "$f" ] && basename "$f" .ping; done)
[ -n "$nodes$pings" ] || {
	echo "timeline: nothing to plot in $dir" >&2
	exit 1
}

# the event words labelled (STATE stands for its new state)
words=${TIMELINE_EVENTS:-MASTER BACKUP FAULT ACTIVATE DEACTIVATE RECOVER RESTORE SYNC_DIVERGED}
# the clock offset (ns) from the events' monotonic ms to realtime
off=""
[ -s "$dir/clock" ] && off=$(awk 'NR == 1 { printf "%.0f", $1 - $2 }' "$dir/clock")

# everything as "realtime_s kind node extra" in one file, kinds: adv req upd
# tun ev ping mark
{
	for n in $nodes; do
		[ -e "$dir/$n.vrrp" ] && awk -v n="$n" '$2 == "in" {
			k = $3 == 14 ? "req" : $3 == 15 ? "upd" : $3 <= 1 ? "adv" : ""
			if (k == "") next
			printf "%.6f %s %s %s\n", $1 / 1e9, k, n, $5 }' "$dir/$n.vrrp"
		[ -e "$dir/$n.tun" ] && awk -v n="$n" '$3 ~ /:/ { print $1, "tun", n, $5 }' "$dir/$n.tun"
		[ -e "$dir/$n.events" ] && [ -n "$off" ] && awk -v n="$n" -v off="$off" '
			function field(k,   m) {
				if (match($0, "\"" k "\":\"[^\"]*\"")) { m = substr($0, RSTART, RLENGTH); sub(/^[^:]*:"/, "", m); sub(/"$/, "", m); return m }
				if (match($0, "\"" k "\":[0-9]+")) { m = substr($0, RSTART, RLENGTH); sub(/^[^:]*:/, "", m); return m }
				return ""
			}
			/"event":/ && /"time_ms":/ {
				w = field("event")
				if (w == "REFRESH" || w == "DROPPED") next
				if (w == "STATE") w = field("to")
				else if (w == "ADD" || w == "UPDATE" || w == "DELETE" || w == "EXPIRE") w = w "_" field("table")
				printf "%.6f ev %s %s\n", (field("time_ms") * 1e6 + off) / 1e9, n, w
			}' "$dir/$n.events"
	done
	for p in $pings; do
		# a new run (after a statistics block) starts again: no gap across it
		awk -v n="$p" '/statistics/ { b = 1 } /^\[[0-9.]*\] .*icmp_seq=.*time=/ {
			t = substr($1, 2, length($1) - 2); print t, "ping", n, b ? "new" : "-"; b = 0 }' "$dir/$p.ping"
	done
	[ -s "$dir/marks" ] && awk '{ l = $2; for (i = 3; i <= NF; i++) l = l "_" $i
		printf "%.6f mark - %s\n", $1 / 1e9, l }' "$dir/marks"
	true
} | LC_ALL=C sort -n >"$tmp/all"

# the axis origin, the rows (top to bottom), the data files for gnuplot
awk -v nodes="$nodes" -v pings="$pings" -v words="$words" -v from="${TIMELINE_FROM:-}" -v to="${TIMELINE_TO:-}" -v d="$tmp" '
	NR == 1 { t0 = $1 }
	$2 == "mark" && !m { t0 = $1; m = 1 }
	{ t[NR] = $1; k[NR] = $2; n[NR] = $3; x[NR] = $4 }
	END {
		nn = split(nodes, N, " "); np = split(pings, P, " ")
		r = 0
		# rows: per node its packets, its events, its tunnelled packets; then the pings
		for (i = 1; i <= nn; i++) {
			row[N[i] " vrrp"] = ++r; name[r] = N[i] " VRRP"
			row[N[i] " ev"] = ++r; name[r] = N[i] " events"
			row[N[i] " tun"] = ++r; name[r] = N[i] " tunnel to MNs"
		}
		for (i = 1; i <= np; i++) { row[P[i] " ping"] = ++r; name[r] = P[i] " replies" }
		rows = r
		for (i = 1; i <= NR; i++) {
			s = t[i] - t0
			if (from != "" && s < from + 0) continue
			if (to != "" && s > to + 0) continue
			kind = k[i]
			if (kind == "mark") { printf "%.6f %s\n", s, x[i] >(d "/marks"); continue }
			if (kind == "adv" || kind == "req" || kind == "upd") {
				printf "%.6f %d\n", s, rows + 1 - row[n[i] " vrrp"] >(d "/" kind)
				continue
			}
			if (kind == "tun") {
				y = rows + 1 - row[n[i] " tun"]
				seg("tun", y, s)
				# the first packet a node tunnels to an MN after the first mark
				# and a silence of 0.1 s (labelled once per node and episode)
				c = n[i] " " x[i]
				if (m && s >= 0 && (!(c in tl) || s - tl[c] > 0.1)) {
					printf "%.6f %d\n", s, y >(d "/first")
					if (!(n[i] in fl) || s - fl[n[i]] > 0.5) {
						printf "%.6f %d 0 first_tunnelled_+%.0f_ms\n", s, y, s * 1000 >(d "/firstl")
						fl[n[i]] = s
					}
				}
				tl[c] = s
				continue
			}
			if (kind == "ping") {
				y = rows + 1 - row[n[i] " ping"]
				if (x[i] == "new") lp["ping." y] = -1e9
				seg("ping", y, s)
				if (x[i] == "new") delete last[n[i]]
				if (n[i] in last && s - last[n[i]] > gap[n[i]]) { gap[n[i]] = s - last[n[i]]; gat[n[i]] = last[n[i]] }
				last[n[i]] = s
				continue
			}
			# events: one word on one node within 1 s of the last is one label ("x N")
			if (index(" " words " ", " " x[i] " ") == 0) continue
			y = rows + 1 - row[n[i] " ev"]
			key = n[i] " " x[i]
			if (key in ew && s - et[key] < 1) { ec[key]++; et[key] = s; continue }
			if (key in ew) flush_ev(key)
			ew[key] = x[i]; es[key] = s; et[key] = s; ec[key] = 1; ey[key] = y; en[key] = n[i]
		}
		# the rest, in time order (the stacking looks at the previous label)
		for (;;) { b = ""; for (key in ew) if (b == "" || es[key] < es[b]) b = key; if (b == "") break; flush_ev(b) }
		for (p in gap)
			printf "%.6f %d 0 longest_gap_%.0f_ms\n", gat[p] + gap[p] / 2, rows + 1 - row[p " ping"], gap[p] * 1000 >(d "/gaps")
		for (i = 1; i <= rows; i++) printf "%d \"%s\"\n", rows + 1 - i, name[i] >(d "/rows")
	}
	# dense rows (tunnel, ping) as bars: a line from point to point, broken
	# where 50 ms pass without one (files KIND.Y)
	function seg(kind, y, s,   f) {
		f = d "/" kind "." y
		if ((f in lp) && s - lp[f] > 0.05) printf "\n" >f
		printf "%.6f %d\n", s, y >f
		lp[f] = s
	}
	function flush_ev(key,   nd) {
		# labels of one node closer than 0.3 s: stacked (levels 0..3)
		nd = en[key]
		lvl[nd] = (nd in lt && (es[key] - lt[nd])^2 < 0.09) ? (lvl[nd] + 1) % 4 : 0
		lt[nd] = es[key]
		printf "%.6f %d %d %s%s\n", es[key], ey[key], lvl[nd], (ew[key] ~ /^(MASTER|BACKUP|FAULT|INIT)$/ ? "to_" : "") ew[key], (ec[key] > 1 ? "_x" ec[key] : "") >(d "/ev")
		delete ew[key]
	}
' "$tmp/all"

rows=$(wc -l <"$tmp/rows")
ytics=$(awk '{ y = $1; $1 = ""; sub(/^ /, ""); printf "%s%s %d", (NR > 1 ? ", " : ""), $0, y }' "$tmp/rows")
# one gnuplot script, two terminals
plot() { # plot TERMINAL_LINE FILE
	{
		echo "$1"
		echo "set output '$2'"
		cat <<EOF
set title "${TIMELINE_TITLE:-vrrp-ha failover timeline}"
set xlabel "seconds (0 = $(sed -n 's/^[^ ]* //p;q' "$tmp/marks" 2>/dev/null | tr _ ' ' || echo start))"
set yrange [0.3:$rows + 0.9]
set ytics ($ytics)
set ytics nomirror
set grid xtics lc rgb '#dddddd'
set key outside bottom center horizontal
set border 3
EOF
		[ -n "${TIMELINE_FROM:-}${TIMELINE_TO:-}" ] && echo "set xrange [${TIMELINE_FROM:-*}:${TIMELINE_TO:-*}]"
		[ -s "$tmp/marks" ] && awk '{ l = $2; gsub(/_/, " ", l)
			printf "set arrow from %s, graph 0 to %s, graph 1 nohead dt 2 lc rgb \"#888888\"\n", $1, $1
			printf "set label \"%s\" at %s, graph %.3f center font \",9\" tc rgb \"#555555\"\n", l, $1, NR % 2 ? 1.015 : 1.05 }' "$tmp/marks"
		add() { if [ -s "$tmp/$1" ]; then echo "'$tmp/$1' $2"; fi; }
		{
			add adv "using 1:2 with points pt 7 ps 0.5 lc rgb '#1f77b4' title 'advert'"
			add req "using 1:(\$2+0.25) with points pt 9 ps 1.2 lc rgb '#d62728' title 'BC\\\\_REQUEST'"
			add upd "using 1:(\$2-0.25) with points pt 5 ps 0.6 lc rgb '#ff7f0e' title 'BC\\\\_UPDATE'"
			t="title 'tunnelled packets'"
			for f in "$tmp"/tun.*; do
				[ -e "$f" ] && echo "'$f' using 1:2 with lines lw 5 lc rgb '#2ca02c' $t" && t=notitle
			done
			add first "using 1:2 with points pt 6 ps 1.5 lw 2 lc rgb '#006400' title 'first tunnelled after 0'"
			add ev "using 1:2 with points pt 2 ps 1 lc rgb '#9467bd' title 'event'"
			add ev "using 1:(\$2+(int(\$3)%2 ? -0.3-0.1*\$3 : 0.15+0.1*\$3)):(strcol(4)) with labels left offset 0.4,0 font ',8' tc rgb '#5b3a8c' notitle"
			t="title 'ping replies (every 10 ms)'"
			for f in "$tmp"/ping.*; do
				[ -e "$f" ] && echo "'$f' using 1:2 with lines lw 5 lc rgb '#555555' $t" && t=notitle
			done
			add gaps "using 1:(\$2+0.3):(strcol(4)) with labels center font ',9' tc rgb '#b22222' notitle"
			add firstl "using 1:(\$2-0.3):(strcol(4)) with labels left font ',7' tc rgb '#006400' notitle"
		} | awk 'BEGIN { printf "plot " } { printf "%s%s", (NR > 1 ? ", \\\n     " : ""), $0 } END { print "" }'
	} >"$tmp/plot.gp"
	gnuplot "$tmp/plot.gp"
}
# labels in the data files use _ for blanks (whitespace-separated columns):
# quote the 4th column, blanks back
for f in ev gaps firstl; do
	[ -s "$tmp/$f" ] && sed -i 's/_/ /g; s/^\([^ ]* [^ ]* [^ ]* \)\(.*\)$/\1"\2"/' "$tmp/$f"
done
h=$((140 + rows * 34))
plot "set terminal svg size 1400,$h dynamic background rgb 'white' font 'Helvetica,11'" "$out.svg"
echo "$out.svg"
terms=$(gnuplot -e 'set terminal' 2>&1 </dev/null || true)
if echo "$terms" | grep -qw pngcairo; then
	plot "set terminal pngcairo size 1400,$h font 'Helvetica,10'" "$out.png"
	echo "$out.png"
elif echo "$terms" | grep -qw png; then
	plot "set terminal png size 1400,$h" "$out.png"
	echo "$out.png"
fi
