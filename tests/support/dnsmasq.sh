# tests/support/dnsmasq.sh - sourced by the bash tests that need a DNS
# server on loopback (tests/net/test_resolve.sh, tests/apps/test_fetch_dns.sh):
# Debian's dnsmasq (package dnsmasq-base) answering only for names under
# .test from the records given on its command line, as this user, on a free
# port of 127.0.0.1. Needs tap.sh sourced first; sources ports.sh (free_port).
#   dnsmasq_need NAME          skips the whole script (TAP "# SKIP", exit 0) when dnsmasq is missing
#   dnsmasq_start DIR ARG...   starts dnsmasq with the extra ARGs (--host-record=..., --cname=...)
#                              on a free port; sets dnsmasq_port and dnsmasq_pid; queries are
#                              logged to DIR/queries.log, its stderr to DIR/dnsmasq.log; returns
#                              once it accepts TCP connections, 1 if it does not within 5 s
#   dnsmasq_stop               stops it and waits for it (nothing if it is not running)
. "$AVILA_ROOT/tests/support/ports.sh"
dnsmasq_bin=
dnsmasq_port=
dnsmasq_pid=
dnsmasq_need() {
    dnsmasq_bin=$(command -v dnsmasq 2>/dev/null || echo /usr/sbin/dnsmasq)
    [ -x "$dnsmasq_bin" ] || skip_all "$1" "dnsmasq not installed"
}
dnsmasq_start() {
    local dir=$1
    shift
    [ -n "$dnsmasq_bin" ] || dnsmasq_bin=$(command -v dnsmasq 2>/dev/null || echo /usr/sbin/dnsmasq)
    dnsmasq_port=$(free_port)
    "$dnsmasq_bin" -k --conf-file=/dev/null --no-resolv --no-hosts --port="$dnsmasq_port" \
        --listen-address=127.0.0.1 --bind-interfaces --local=/test/ \
        --user="$(id -un)" --group="$(id -gn)" --log-queries --log-facility="$dir/queries.log" \
        --pid-file="$dir/dnsmasq.pid" "$@" 2>"$dir/dnsmasq.log" &
    dnsmasq_pid=$!
    wait_port "$dnsmasq_port" "$dnsmasq_pid"
}
dnsmasq_stop() {
    [ -n "$dnsmasq_pid" ] || return 0
    kill "$dnsmasq_pid" 2>/dev/null
    wait "$dnsmasq_pid" 2>/dev/null
    dnsmasq_pid=
}
