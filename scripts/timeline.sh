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
		[ -e "$dir/$n.tun" ] && awk -v n="$n" '$3 ~ /:/ { print $1, "tun", n, $9 }' "$dir/$n.tun"
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
		sed -n 's/^\[\([0-9.]*\)\] .*icmp_seq=.*time=.*/\1/p' "$dir/$p.ping" |
			awk -v n="$p" '{ print $1, "ping", n, "-" }'
	done
	[ -s "$dir/marks" ] && awk '{ l = $2; for (i = 3; i <= NF; i++) l = l "_" $i
		printf "%.6f mark - %s\n", $1 / 1e9, l }' "$dir/marks"
	true
} | LC_ALL=C sort -n >"$tmp/all"

# the axis origin, the rows (top to bottom), the data files for gnuplot
awk -v nodes="$nodes" -v pings="$pings" -v from="${TIMELINE_FROM:-}" -v to="${TIMELINE_TO:-}" -v d="$tmp" '
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
				printf "%.6f %d\n", s, y >(d "/tun")
				# the first packet each node tunnels to each MN after the first mark
				if (m && s >= 0 && !first[n[i] " " x[i]]++)
					printf "%.6f %d 0 first_to_%s_+%.0f_ms\n", s, y, x[i], s * 1000 >(d "/first")
				continue
			}
			if (kind == "ping") {
				y = rows + 1 - row[n[i] " ping"]
				printf "%.6f %d\n", s, y >(d "/ping")
				if (n[i] in last && s - last[n[i]] > gap[n[i]]) { gap[n[i]] = s - last[n[i]]; gat[n[i]] = last[n[i]] }
				last[n[i]] = s
				continue
			}
			# events: a run of the same word on one node within 0.2 s is one label
			y = rows + 1 - row[n[i] " ev"]
			key = n[i]
			if (key in ew && ew[key] == x[i] && s - et[key] < 0.2) { ec[key]++; et[key] = s; continue }
			if (key in ew) flush_ev(key)
			ew[key] = x[i]; es[key] = s; et[key] = s; ec[key] = 1; ey[key] = y
		}
		for (key in ew) flush_ev(key)
		for (p in gap)
			printf "%.6f %d 0 longest_gap_%.0f_ms\n", gat[p] + gap[p] / 2, rows + 1 - row[p " ping"], gap[p] * 1000 >(d "/gaps")
		for (i = 1; i <= rows; i++) printf "%d \"%s\"\n", rows + 1 - i, name[i] >(d "/rows")
	}
	function flush_ev(key) {
		lvl[key] = (lvl[key] + 1) % 3
		printf "%.6f %d %d %s%s\n", es[key], ey[key], lvl[key], ew[key], (ec[key] > 1 ? "_x" ec[key] : "") >(d "/ev")
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
		[ -s "$tmp/marks" ] && awk '{ l = $2; gsub(/_/, " ", l)
			printf "set arrow from %s, graph 0 to %s, graph 1 nohead dt 2 lc rgb \"#888888\"\n", $1, $1
			printf "set label \"%s\" at %s, graph 1.015 center font \",9\" tc rgb \"#555555\"\n", l, $1 }' "$tmp/marks"
		add() { if [ -s "$tmp/$1" ]; then echo "'$tmp/$1' $2"; fi; }
		{
			add adv "using 1:2 with points pt 7 ps 0.5 lc rgb '#1f77b4' title 'advert'"
			add req "using 1:(\$2+0.25) with points pt 9 ps 1.2 lc rgb '#d62728' title 'BC\\\\_REQUEST'"
			add upd "using 1:(\$2-0.25) with points pt 5 ps 0.6 lc rgb '#ff7f0e' title 'BC\\\\_UPDATE'"
			add tun "using 1:2 with points pt 7 ps 0.15 lc rgb '#2ca02c' title 'tunnelled packet'"
			add first "using 1:2 with points pt 6 ps 1.5 lw 2 lc rgb '#006400' title 'first tunnelled after 0'"
			add ev "using 1:2 with points pt 2 ps 1 lc rgb '#9467bd' title 'event'"
			add ev "using 1:(\$2+0.12+0.2*\$3):(strcol(4)) with labels left offset 0.4,0 font ',8' tc rgb '#5b3a8c' notitle"
			add ping "using 1:2 with points pt 7 ps 0.15 lc rgb '#555555' title 'ping reply'"
			add gaps "using 1:(\$2+0.3):(strcol(4)) with labels center font ',9' tc rgb '#b22222' notitle"
			add first "using 1:(\$2-0.3):(strcol(4)) with labels left font ',7' tc rgb '#006400' notitle"
		} | awk 'BEGIN { printf "plot " } { printf "%s%s", (NR > 1 ? ", \\\n     " : ""), $0 } END { print "" }'
	} >"$tmp/plot.gp"
	gnuplot "$tmp/plot.gp"
}
# labels in the data files use _ for blanks (whitespace-separated columns):
# quote the 4th column, blanks back
for f in ev gaps first; do
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
