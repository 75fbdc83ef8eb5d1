#!/bin/sh
# ctl_fault.sh - an instance whose control socket cannot be opened never
# serves as MASTER without its input: the owner is held in FAULT (the
# backup takes the address), logs it once, retries every 5 s, and leaves
# FAULT as soon as the socket opens.
TEST_NAME=ctl_fault
. "$(dirname "$0")/lib.sh"

setup_bridge
add_node a 1
add_node b 2
write_conf a 255 0.2
write_conf b 100 0.2
# a directory where the socket should be: bind() fails at run time, while
# keepalived -t (which checks the directory holding it) accepts the config
mkdir "$WORK/a/ctl.sock"
check "keepalived -t accepts the config" ns a "$KEEPALIVED" -t -f "$WORK/a/keepalived.conf" \
	-p "$WORK/a/t.pid" -r "$WORK/a/tv.pid"
KA_NO_CTL_WAIT=1
start_ka a
KA_NO_CTL_WAIT=
start_ka b
wait_for 10 "a logs the FAULT hold" grep -q 'no control socket .*held in FAULT' "$WORK/a/keepalived.log"
wait_for 10 "a enters FAULT" grep -q 'Entering FAULT STATE' "$WORK/a/keepalived.log"
wait_for 10 "b takes the address: MASTER" is_state b MASTER
check "a never became MASTER" sh -c "! grep -q 'Entering MASTER STATE' '$WORK/a/keepalived.log'"
check "the hold was logged once" [ "$(grep -c 'held in FAULT' "$WORK/a/keepalived.log")" -eq 1 ]

# the obstacle goes away: within one retry the socket opens, a leaves FAULT
rmdir "$WORK/a/ctl.sock"
wait_for 15 "a's control socket answers" sh -c "$VRRP_HA_CTL -s $WORK/a/ctl.sock state >/dev/null 2>&1"
check "a logs leaving FAULT" grep -q 'control socket .* open, leaving FAULT' "$WORK/a/keepalived.log"
wait_for 10 "a (the owner) MASTER" is_state a MASTER
wait_for 10 "b BACKUP" is_state b BACKUP
ctl a add 2001:db8:aa::1 2001:db8:cc::1 3600 1 AH >/dev/null
wait_for 5 "replication works" rbc_is b 1
ok "replication works after the hold"
finish
