# Sourced by the one-app-per-mode benchmarks (store-modes, mongo-modes): hey's figures, and stopping an app.

# hey_figures FILE: sets RPS, P50 and P99 (ms; empty when hey printed none) and ERRORS (non-200 answers plus
# transport errors, the "[count]  Get ...: reason" lines under "Error distribution") from hey's output.
hey_figures() {
    RPS=$(awk '/Requests\/sec:/ {printf "%.0f", $2}' "$1")
    P50=$(awk '$1 == "50%" && $2 == "in" {printf "%.1f", $3 * 1000}' "$1")
    P99=$(awk '$1 == "99%" && $2 == "in" {printf "%.1f", $3 * 1000}' "$1")
    ERRORS=$(awk '/Status code distribution/ {s = 1; next} /Error distribution/ {s = 0; e = 1; next}
                  s && /\[[0-9]+\]/ {code = $1; gsub(/[][]/, "", code); if (code != "200") n += $2}
                  e && /\[[0-9]+\]/ {c = $1; gsub(/[][]/, "", c); n += c}
                  END {print n + 0}' "$1")
}

# stop_app PID: a starved app may never finish a graceful shutdown; SIGTERM, 15 s, then SIGKILL.
stop_app() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true
}
