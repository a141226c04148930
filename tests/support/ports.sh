# tests/support/ports.sh - sourced by the bash tests that start servers on
# loopback (dnsmasq.sh, tests/apps/test_fetch_nginx.sh).
#   free_port          prints a TCP port of 127.0.0.1 free at the time of the call (python3)
#   wait_port PORT PID [HOST]   waits until HOST (default 127.0.0.1) accepts TCP connections
#                      on PORT: 0, or 1 after 5 s or as soon as process PID has exited
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
    local _
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/${3:-127.0.0.1}/$1") 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
