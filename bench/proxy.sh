#!/usr/bin/env bash
# The validating proxy's benchmark (issue 9), every figure from the same run: nginx answering
# GET /api/fleet/agents/setup with a fixed body that Kibana's document accepts, measured direct,
# through nginx's own reverse proxy (keep-alive upstream, no checks: what forwarding alone costs
# on this machine), through `specgate proxy` (request and response checks on) and through Prism's
# proxy mode;
# prints req/s, p99 and peak resident memory of each and the ratios against the targets.
#   bench/proxy.sh [BUILD_DIR]        (bench/run.sh runs it last; alone it needs wrk and nginx)
# Loopback only, bounded in time: BENCH_DURATION (10s) per run, BENCH_PRISM_DURATION (5s) for
# Prism, which is slow; BENCH_CONNECTIONS (32).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SPEC=${SPECGATE_KIBANA_SPEC:-$(cd .. && pwd)/shared/specs/kibana.yaml}
DURATION=${BENCH_DURATION:-10s}
PRISM_DURATION=${BENCH_PRISM_DURATION:-5s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
NGINX_PORT=18090 PROXY_PORT=18091 NGINX_PROXY_PORT=18092 SINK_PORT=18093 PRISM_PORT=4011
PRISM=$BUILD/bench-tools/node_modules/.bin/prism
WORK=$(mktemp -d /tmp/specgate-proxy-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }  # pid: one server we started

source bench/lib.sh  # say, wait_ready, run_wrk, peak_rss_mb, write_nginx_conf
[[ -f "$SPEC" ]] || { echo "Kibana's document not found at $SPEC" >&2; exit 1; }
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "(proxy benchmark skipped: $tool not installed; make bench-setup installs it)"; exit 0; }
done
for port in $NGINX_PORT $PROXY_PORT $NGINX_PROXY_PORT $SINK_PORT $PRISM_PORT; do
  if curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/"; then echo "port $port is taken: stop what listens there" >&2; exit 1; fi
done

say "proxy: $CONNECTIONS connections, GET /api/fleet/agents/setup, $DURATION per run (Prism $PRISM_DURATION)"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

# What Kibana answers there (hapi's JSON content type, the version in a header), with a body that
# the 200 response's schema in Kibana's document accepts (required isReady, missing_requirements,
# missing_optional_features; no other properties than the declared ones).
BODY='{"isReady":true,"missing_requirements":[],"missing_optional_features":[],"is_secrets_storage_enabled":true,"is_space_awareness_enabled":false,"package_verification_key_id":"d2a182a7b0e00c14"}'
write_nginx_conf "$WORK/nginx" "$NGINX_PORT" "    location = /api/fleet/agents/setup {
      default_type \"application/json; charset=utf-8\";
      add_header elastic-api-version 2023-10-31 always;
      return 200 '$BODY';
    }
    location / { return 404; }"
nginx -c "$WORK/nginx/nginx.conf" &
NGINX=$!
PIDS+=("$NGINX")
[[ $(wait_ready "$NGINX_PORT" 10) != timeout ]] || { echo "nginx did not start: $(cat "$WORK/nginx/error.log")" >&2; exit 1; }

# How each answers one request (status, the headers that matter, violations): what is measured.
show_answer() {  # label port
  local headers=$WORK/answer.headers body=$WORK/answer.body
  curl -s -m 10 -D "$headers" -o "$body" -H "$AUTH" "http://127.0.0.1:$2/api/fleet/agents/setup" || true
  printf '%-16s %s; %s; %s; specgate-violations: %s; body %s bytes\n' "$1" \
    "$(head -1 "$headers" | tr -d '\r')" \
    "$(grep -i '^content-type:' "$headers" | tr -d '\r' || echo 'no content-type')" \
    "$(grep -i '^elastic-api-version:' "$headers" | tr -d '\r' || echo 'no elastic-api-version')" \
    "$(grep -i '^specgate-violations:' "$headers" | cut -d' ' -f2- | tr -d '\r' || echo none)" \
    "$(wc -c <"$body")"
  [[ $(head -1 "$headers") == *" 200"* ]] || echo "                 body: $(head -c 600 "$body")"
}

show_answer "nginx" "$NGINX_PORT"
run_wrk "nginx direct" "http://127.0.0.1:$NGINX_PORT/api/fleet/agents/setup"
NGINX_RPS=$WRK_RPS NGINX_P99=$WRK_P99_MS NGINX_RSS=$(peak_rss_mb "$NGINX")

# The forwarding yardstick: nginx as a keep-alive reverse proxy in front of the same nginx. Every
# request crosses two loopback connections and three processes share the cores, as with specgate.
write_nginx_conf "$WORK/nginx-proxy" "$NGINX_PROXY_PORT" \
  '    location / { proxy_pass http://upstream_nginx; proxy_http_version 1.1; proxy_set_header Connection ""; }' \
  "  upstream upstream_nginx { server 127.0.0.1:$NGINX_PORT; keepalive 64; }"
nginx -c "$WORK/nginx-proxy/nginx.conf" &
NGINX_PROXY=$!
PIDS+=("$NGINX_PROXY")
NP_RPS=
if [[ $(wait_ready "$NGINX_PROXY_PORT" 10) != timeout ]]; then
  show_answer "nginx proxy" "$NGINX_PROXY_PORT"
  run_wrk "nginx reverse proxy -> nginx (no checks)" "http://127.0.0.1:$NGINX_PROXY_PORT/api/fleet/agents/setup"
  NP_RPS=$WRK_RPS NP_P99=$WRK_P99_MS
else
  echo "nginx reverse proxy did not start: $(cat "$WORK/nginx-proxy/error.log")" >&2
fi
stop "$NGINX_PROXY"

SG_RPS=
if "$BUILD/specgate" proxy --help 2>/dev/null | grep -q '^Usage: specgate proxy'; then
  "$BUILD/specgate" proxy --upstream "http://127.0.0.1:$NGINX_PORT" --spec "$SPEC" --quiet --port "$PROXY_PORT" \
    2>"$WORK/specgate.log" &
  SG=$!
  PIDS+=("$SG")
  if [[ $(wait_ready "$PROXY_PORT" 30) == timeout ]]; then
    echo "specgate proxy did not start: $(tail -5 "$WORK/specgate.log")" >&2
  else
    show_answer "specgate proxy" "$PROXY_PORT"
    run_wrk "specgate proxy -> nginx (both checks)" "http://127.0.0.1:$PROXY_PORT/api/fleet/agents/setup"
    SG_RPS=$WRK_RPS SG_P99=$WRK_P99_MS SG_RSS=$(peak_rss_mb "$SG")
  fi
  stop "$SG"
  # A large upload streamed through the proxy (past --max-check-bytes: forwarded as it arrives)
  # against the same upload straight to the upstream, bench/upload_sink.py, which reads the body
  # to its end and discards it (nginx's `return` answers before reading a body).
  UPLOAD_MB=${BENCH_UPLOAD_MB:-200}
  python3 bench/upload_sink.py "$SINK_PORT" &
  SINK=$!
  PIDS+=("$SINK")
  "$BUILD/specgate" proxy --upstream "http://127.0.0.1:$SINK_PORT" --spec "$SPEC" --quiet --port "$PROXY_PORT" \
    2>"$WORK/specgate-upload.log" &
  SG=$!
  PIDS+=("$SG")
  if [[ $(wait_ready "$PROXY_PORT" 30) != timeout ]]; then
    head -c "$((UPLOAD_MB << 20))" /dev/zero >"$WORK/upload.bin"
    upload() { curl -s -o "$WORK/upload.out" -m 120 -H 'Expect:' -w '%{time_total} %{http_code}' --data-binary @"$WORK/upload.bin" "$1"; }
    UP_RSS0=$(peak_rss_mb "$SG")
    read -r UP_DIRECT UP_DIRECT_CODE <<<"$(upload "http://127.0.0.1:$SINK_PORT/upload" || true)"
    read -r UP_PROXY UP_PROXY_CODE <<<"$(upload "http://127.0.0.1:$PROXY_PORT/upload" || true)"
    UP_RSS=$(peak_rss_mb "$SG")
    echo "upload of $UPLOAD_MB MiB: direct ${UP_DIRECT}s ($UP_DIRECT_CODE), through specgate proxy ${UP_PROXY}s ($UP_PROXY_CODE, upstream got $(cat "$WORK/upload.out")); specgate peak RSS $UP_RSS0 -> $UP_RSS MB"
    rm -f "$WORK/upload.bin"
  fi
  stop "$SG"
  stop "$SINK"
else
  echo "specgate proxy: skipped: no proxy verb"
fi

PRISM_RPS=
if [[ -x $PRISM ]]; then
  "$PRISM" proxy "$SPEC" "http://127.0.0.1:$NGINX_PORT" --errors -p "$PRISM_PORT" >"$WORK/prism.log" 2>&1 &
  PR=$!
  PIDS+=("$PR")
  ready=$(wait_ready "$PRISM_PORT" 90 || true)
  if [[ $ready == timeout ]]; then
    echo "prism proxy did not start: $(tail -5 "$WORK/prism.log")" >&2
  else
    echo "prism proxy ready in $ready ms"
    show_answer "prism proxy" "$PRISM_PORT"
    run_wrk "prism proxy -> nginx (--errors)" "http://127.0.0.1:$PRISM_PORT/api/fleet/agents/setup" "" "$PRISM_DURATION"
    PRISM_RPS=$WRK_RPS PRISM_P99=$WRK_P99_MS PRISM_RSS=$(peak_rss_mb "$PR")
  fi
  stop "$PR"
else
  echo "prism proxy: skipped: Prism not installed (make bench-setup installs it under $BUILD/bench-tools)"
fi

say "proxy: summary (same run)"
row() { printf '%-16s %10s req/s   p99 %9s ms   peak RSS %5s MB\n' "$@"; }
row "nginx direct" "$NGINX_RPS" "$NGINX_P99" "$NGINX_RSS"
[[ -n $NP_RPS ]] && row "nginx proxy" "$NP_RPS" "$NP_P99" "-"
[[ -n $SG_RPS ]] && row "specgate proxy" "$SG_RPS" "$SG_P99" "$SG_RSS"
[[ -n $PRISM_RPS ]] && row "prism proxy" "$PRISM_RPS" "$PRISM_P99" "$PRISM_RSS"
ratio() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf f, a / b; else printf "?" }'; }
if [[ -n $SG_RPS ]]; then
  echo "specgate proxy / nginx direct throughput: $(ratio "$SG_RPS" "$NGINX_RPS" '%.2f') (target at least 0.50)"
  [[ -n $NP_RPS ]] && echo "specgate proxy / nginx reverse proxy throughput: $(ratio "$SG_RPS" "$NP_RPS" '%.2f') (forwarding alone, no checks: nginx proxy / direct $(ratio "$NP_RPS" "$NGINX_RPS" '%.2f'))"
  echo "p99 added by specgate proxy: $(awk -v a="$SG_P99" -v b="$NGINX_P99" 'BEGIN { if (a == "?" || b == "?") print "?"; else printf "%.3f", a - b }') ms (target under 1 ms)"
  [[ -n $PRISM_RPS ]] && echo "specgate proxy / prism proxy throughput: $(ratio "$SG_RPS" "$PRISM_RPS" '%.1f')x (target at least 100x); memory prism / specgate: $(ratio "$PRISM_RSS" "$SG_RSS" '%.1f')x"
fi
[[ -n ${UP_PROXY:-} ]] && echo "upload $UPLOAD_MB MiB through specgate proxy: $(ratio "$UPLOAD_MB" "$UP_PROXY" '%.0f') MiB/s, $(ratio "$UP_PROXY" "$UP_DIRECT" '%.2f')x the direct time; peak RSS grew $((UP_RSS - UP_RSS0)) MB (held whole it would grow $UPLOAD_MB MB)"
[[ -n $PRISM_RPS ]] && echo "prism proxy / nginx direct throughput: $(ratio "$PRISM_RPS" "$NGINX_RPS" '%.4f')"
exit 0
