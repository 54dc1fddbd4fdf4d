#!/usr/bin/env bash
# BSON decode throughput on the store's order documents: LiveDash's codec vs pymongo's C extension,
# the same bytes, in one run. Prints docs/s (best of 7 passes each, after a warm-up pass).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
orders=${ORDERS:-10000}
python=${LIVEDASH_PYTHON:-python3}
[ -x /usr/bin/python3 ] && [ -z "${LIVEDASH_PYTHON:-}" ] && python=/usr/bin/python3  # Debian's, where python3-bson-ext lives
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet build "$here/MongoBson/LiveDash.Bench.MongoBson.csproj" -c Release -v q -nologo -clp:NoSummary >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
IFS=$'\t' read -r docs size ours < <(dotnet "$here/MongoBson/bin/Release/net10.0/LiveDash.Bench.MongoBson.dll" "$orders" "$work/orders.bson")

theirs=$("$python" - "$work/orders.bson" "$docs" <<'PY'
import sys, time, bson
assert bson.has_c(), "pymongo's C BSON extension is not installed (Debian: python3-bson-ext)"
data = open(sys.argv[1], "rb").read()
expected = int(sys.argv[2])
assert len(bson.decode_all(data)) == expected
best = min((lambda t: (bson.decode_all(data), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(7))
print("%.0f" % (expected / best))
PY
)

printf '%s orders with embedded lines, %s bytes of BSON\n' "$docs" "$size"
printf '%-36s %14s\n' "decoder" "docs/s"
printf '%-36s %14s\n' "LiveDash (C#, mongo/Bson)" "$ours"
printf '%-36s %14s\n' "pymongo $("$python" -c 'import pymongo; print(pymongo.version)') C extension" "$theirs"
