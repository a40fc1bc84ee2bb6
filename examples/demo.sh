#!/usr/bin/env bash
# Runs the shipped Snyk spec against the bundled fake Snyk API, offline,
# into ./demo.db, then shows what was loaded. Used by `make demo`.
set -euo pipefail
port="${1:-8765}"
cd "$(dirname "$0")/.."
rm -f demo.db
./bin/fakeapi -addr "127.0.0.1:$port" >/tmp/pipe-fakeapi.$$ 2>&1 &
fake=$!
trap 'kill $fake 2>/dev/null || true; rm -f /tmp/pipe-fakeapi.$$' EXIT
for _ in $(seq 50); do
  grep -q http /tmp/pipe-fakeapi.$$ 2>/dev/null && break
  sleep 0.1
done
export SNYK_TOKEN=demo-token
./bin/pipe run snyk --var "api_url=http://127.0.0.1:$port" --dest demo.db
echo
echo "Incremental rerun (only issues updated since the last run are fetched):"
./bin/pipe run snyk --var "api_url=http://127.0.0.1:$port" --dest demo.db -q
echo
./bin/pipe loads --dest demo.db
echo
echo "Explore: ./bin/pipe schema --dest demo.db, or sqlite3 demo.db 'SELECT attributes__title FROM issues LIMIT 5'"
