# Helpers bench/run.sh and bench/proxy.sh share (sourced, not run): headings, waiting for a
# server, one wrk run with its figures, peak resident memory. They read the caller's WORK,
# CONNECTIONS and DURATION.

AUTH='Authorization: ApiKey c29tZTprZXk='

say() { printf '\n== %s\n' "$*"; }

wait_ready() {  # port, timeout seconds -> prints ms until GET /api/fleet/agents/setup answers
  local port=$1 limit=$2 start now
  start=$(date +%s%N)
  while true; do
    if curl -s -o /dev/null -m 1 -H "$AUTH" "http://127.0.0.1:$port/api/fleet/agents/setup"; then
      now=$(date +%s%N); echo $(( (now - start) / 1000000 )); return 0
    fi
    now=$(date +%s%N)
    (( (now - start) / 1000000000 > limit )) && { echo timeout; return 1; }
    sleep 0.05
  done
}

latency_ms() {  # wrk's latency text ("541.00us", "4.20ms", "1.02s", "1.50m") -> milliseconds, "?" if none
  awk -v v="$1" 'BEGIN {
    if (v !~ /^[0-9.]+(us|ms|s|m)$/) { print "?"; exit }
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; else n *= 60000
    printf "%.3f", n }'
}

# One wrk run: prints a line and sets WRK_RPS, WRK_P99_MS, WRK_NON2XX, WRK_ERRORS ("?" when absent).
run_wrk() {  # label url [lua script] [duration]
  local label=$1 url=$2 script=${3:-} duration=${4:-$DURATION}
  local args=(-t2 -c"$CONNECTIONS" -d"$duration" --latency -H "$AUTH")
  [[ -n $script ]] && args+=(-s "$script")
  wrk "${args[@]}" "$url" >"$WORK/wrk.out" 2>&1 || true
  local p50 p99
  WRK_RPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.out")
  p50=$(awk '$1=="50%" {print $2}' "$WORK/wrk.out")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk.out")
  WRK_P99_MS=$(latency_ms "$p99")
  WRK_NON2XX=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.out")
  WRK_ERRORS=$(awk '/Socket errors/ {sub(/.*Socket errors: /, ""); print}' "$WORK/wrk.out")
  WRK_RPS=${WRK_RPS:-?}
  printf '%-44s %10s req/s   p50 %8s   p99 %8s   non-2xx: %s%s\n' "$label" "$WRK_RPS" "${p50:-?}" "${p99:-?}" \
    "${WRK_NON2XX:-0}" "${WRK_ERRORS:+   socket errors: $WRK_ERRORS}"
}

peak_rss_mb() {  # pid... -> the sum of their peak resident memory (VmHWM) in MB, with their children
  local total=0 pid kb
  for pid in "$@" $(for p in "$@"; do pgrep -P "$p" || true; done); do
    kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    total=$(( total + ${kb:-0} ))
  done
  echo $(( total / 1024 ))
}

write_nginx_conf() {  # dir port locations [http-lines] -> dir/nginx.conf: nginx in the foreground on 127.0.0.1:port, no logs
  mkdir -p "$1"
  cat >"$1/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $1; proxy_temp_path $1; fastcgi_temp_path $1;
  uwsgi_temp_path $1; scgi_temp_path $1;
${4:-}
  server {
    listen 127.0.0.1:$2;
$3
  }
}
CONF
}
