# tests/support/python_peer.sh - sourced by the tests/*/test_*_python.sh
# scripts: the random differential tests where a Python peer
# (tests/<layer>/peer_*.py) draws the cases and feeds them to a tool_*
# program through one pipe.
#   python_peer NAME PEER TOOL [MODULE]
# runs `python3 $AVILA_ROOT/PEER $AVILA_BUILD/TOOL` in place of the script
# (exec), so the peer's TAP and exit status are the script's. Skips (TAP
# "# SKIP", exit 0) when AVILA_PEER_TESTS=0, when python3 is missing, or
# when MODULE does not import; Debian's python3-* packages live in the
# system interpreter's path, so /usr/bin/python3 is tried for MODULE when
# the first python3 on PATH lacks it.
. "${AVILA_ROOT:-.}/tests/support/tap.sh"
python_peer() {
    peer_test "$1"
    command -v python3 >/dev/null 2>&1 || skip_all "$1" "python3 not installed"
    python_peer_py=python3
    if [ $# -ge 4 ] && ! python3 -c "import $4" >/dev/null 2>&1; then
        if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import $4" >/dev/null 2>&1; then
            python_peer_py=/usr/bin/python3
        else
            skip_all "$1" "python3 module $4 not installed"
        fi
    fi
    exec "$python_peer_py" "${AVILA_ROOT:-.}/$2" "${AVILA_BUILD:-build}/$3"
}
