#!/usr/bin/env bash
# Past one machine: two app processes behind nginx (bench/nginx.conf), all on loopback, and a load
# test through it: SESSIONS (20) websocket sessions, each from its own source address 127.0.0.2...,
# each running the overview twice (no filter, then ?theme=economy). Shows how many sessions each
# process served (nginx access log, $upstream_addr), fails if any session failed or one process
# served none, and stops everything it started on exit.
#   bash bench/scale_nginx.sh            (installs Debian's nginx with apt-get when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
SESSIONS=${SESSIONS:-20}
START_TIMEOUT_S=120
LOAD_TIMEOUT_S=900

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    echo "installing nginx (Debian package) ..."
    # Do not let the package start its own service on port 80.
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
    fi
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx-light >/dev/null
    if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d /tmp/panprd-nginx.XXXXXX)
mkdir -p "$WORK/logs" "$WORK/tmp"
app_pids=()
nginx_pid=""

cleanup() {
    if [ -n "$nginx_pid" ]; then kill -TERM "$nginx_pid" 2>/dev/null || true; fi
    for pid in "${app_pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    for pid in "${app_pids[@]}" $nginx_pid; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_health() {  # url, seconds
    "$PY" - "$1" "$2" <<'PYEOF'
import sys, time, urllib.request
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
while time.monotonic() < deadline:
    try:
        with opener.open(url, timeout=2) as resp:
            if resp.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit(f"not healthy: {url}")
PYEOF
}
rss_mib() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

FRONT=$(free_port); APP1=$(free_port); APP2=$(free_port)
while [ "$APP1" = "$FRONT" ]; do APP1=$(free_port); done
while [ "$APP2" = "$FRONT" ] || [ "$APP2" = "$APP1" ]; do APP2=$(free_port); done
sed -e "s/127.0.0.1:8610/127.0.0.1:$FRONT/" -e "s/127.0.0.1:8611/127.0.0.1:$APP1/" \
    -e "s/127.0.0.1:8612/127.0.0.1:$APP2/" bench/nginx.conf > "$WORK/nginx.conf"

for port in "$APP1" "$APP2"; do
    PYTHONPATH="$PWD" setsid "$PY" -m streamlit run serve.py --server.headless true --server.port "$port" \
        --server.address 127.0.0.1 --browser.gatherUsageStats false --server.enableStaticServing true \
        --server.fileWatcherType none > "$WORK/logs/app-$port.log" 2>&1 &
    app_pids+=($!)
done
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for port in "$APP1" "$APP2" "$FRONT"; do wait_health "http://127.0.0.1:$port/_stcore/health" "$START_TIMEOUT_S"; done
echo "nginx 127.0.0.1:$FRONT -> app processes 127.0.0.1:$APP1 (pid ${app_pids[0]}), 127.0.0.1:$APP2 (pid ${app_pids[1]})"
# Warm each process with one direct session (loads the data), so both runs below start warm.
for port in "$APP1" "$APP2"; do
    timeout 300 "$PY" -m bench.wsclient --url "http://127.0.0.1:$port" --sessions 1 --queries "" >/dev/null
done
echo "RSS warm: $(rss_mib "${app_pids[0]}") MiB, $(rss_mib "${app_pids[1]}") MiB"

status=0
echo "through nginx, 2 processes:"
timeout "$LOAD_TIMEOUT_S" "$PY" -m bench.wsclient --url "http://127.0.0.1:$FRONT" --sessions "$SESSIONS" \
    --first-source 127.0.0.2 --queries ",theme=economy" || status=$?
echo "RSS after: $(rss_mib "${app_pids[0]}") MiB, $(rss_mib "${app_pids[1]}") MiB"
sleep 1  # nginx logs a websocket when it closes
echo "for comparison, the same load on one process directly (127.0.0.1:$APP1):"
timeout "$LOAD_TIMEOUT_S" "$PY" -m bench.wsclient --url "http://127.0.0.1:$APP1" --sessions "$SESSIONS" \
    --first-source 127.0.0.2 --queries ",theme=economy" || status=$?

echo "websocket sessions per app process (nginx access log, \$upstream_addr):"
grep '"GET /_stcore/stream' "$WORK/logs/access.log" | sed -E 's/.*" ([0-9]+) .*upstream=([^ ]+).*/\2 status \1/' \
    | sort | uniq -c | tee "$WORK/counts"
bad=$(sed -E 's/.*" ([0-9]{3}) [0-9]+ upstream=.*/\1/' "$WORK/logs/access.log" | awk '$1 >= 500' | grep -c . || true)
echo "nginx requests with status >= 500: $bad"
served=$(grep -c "status 101" "$WORK/counts" || true)
if [ "$status" -ne 0 ] || [ "$bad" -ne 0 ] || [ "$served" -lt 2 ]; then
    echo "FAIL (load test exit $status, $served process(es) served sessions)"
    exit 1
fi
echo "OK: $SESSIONS sessions, both processes served sessions, nothing failed"
