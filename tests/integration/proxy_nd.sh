#!/bin/sh
# proxy_nd.sh - home link takeover (draft-deng 5.2.1): a HoA inside the home
# prefix is answered for by the new master after the owner crashes (kernel
# proxy entry + unsolicited NA), and by nobody while it is BACKUP.
TEST_NAME=proxy_nd
. "$(dirname "$0")/lib.sh"

HOA=2001:db8:1::abc
setup_bridge
add_node a 1
add_node b 2
add_node c 3
write_conf a 255 0.1
write_conf b 100 0.1 "proxy_nd"
start_ka a
start_ka b
wait_for 10 "a MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP
proxy_has() { ns "$1" ip -6 neigh show proxy dev eth0 | grep -q "^$HOA "; }

ctl a add $HOA 2001:db8:cc::1 3600 1 AH
wait_for 5 "binding on b" rbc_is b 1
check "b BACKUP: no proxy entry for $HOA" sh -c "! ip netns exec ${PFX}b ip -6 neigh show proxy dev eth0 | grep -q '^$HOA '"

crash a linkdown
wait_for 10 "b MASTER" is_state b MASTER
wait_for 5 "proxy entry on b" proxy_has b
ok "b MASTER: kernel proxy entry for $HOA"
check "b: pnd_added counted" [ "$(counter b pnd_added)" -ge 1 ]

# c resolves the HoA to b's MAC (b's kernel answers the solicitation)
bmac=$(ns b cat /sys/class/net/eth0/address)
ns c ping -6 -c 1 -W 1 $HOA >/dev/null 2>&1 || true
resolved() { ns c ip -6 neigh show $HOA dev eth0 | grep -qi "lladdr $bmac"; }
wait_for 5 "c resolves $HOA to b" resolved
ok "c: $HOA resolves to b's MAC $bmac"

stop_ka b
check "b stopped: proxy entry removed" sh -c "! ip netns exec ${PFX}b ip -6 neigh show proxy dev eth0 | grep -q '^$HOA '"
finish
