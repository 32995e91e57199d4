#!/usr/bin/env bash
# Runs every test: the .NET suites (real PostgreSQL, Redis, RabbitMQ started by the fixtures through the AppHost
# library) and the widget's vitest suite. Ends with one line "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"

results="$PWD/TestResults"
rm -rf "$results"
mkdir -p "$results"

status=0
if ! dotnet build OmniChat.sln --nologo -v quiet -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test OmniChat.sln --no-build --nologo --logger "trx" --results-directory "$results" || status=1

# `npm install` honours the lock file; `npm ci` trips over optional platform packages the registry mirror lacks.
(
  cd Widget &&
    npm install --no-audit --no-fund --loglevel=error &&
    npx vitest run --reporter=default --reporter=junit --outputFile="$results/widget-junit.xml"
) || status=1

passed=0
failed=0
skipped=0
shopt -s nullglob
for trx in "$results"/*.trx "$results"/*/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
  skipped=$((skipped + ${n:-0}))
done
# One TRX per test project, or a result went missing (for example two files written in the same second).
projects=$(ls tests/*/*.Tests.csproj | wc -l)
reports=$(ls "$results"/*.trx "$results"/*/*.trx 2>/dev/null | wc -l)
if [ "$reports" -ne "$projects" ]; then
  echo "expected $projects TRX reports, found $reports"
  failed=$((failed + 1))
fi
if [ -f "$results/widget-junit.xml" ]; then
  suites=$(grep -o '<testsuites [^>]*>' "$results/widget-junit.xml" | head -n 1)
  t=$(sed -n 's/.* tests="\([0-9]*\)".*/\1/p' <<<"$suites")
  f=$(sed -n 's/.* failures="\([0-9]*\)".*/\1/p' <<<"$suites")
  e=$(sed -n 's/.* errors="\([0-9]*\)".*/\1/p' <<<"$suites")
  s=$(sed -n 's/.* skipped="\([0-9]*\)".*/\1/p' <<<"$suites")
  passed=$((passed + ${t:-0} - ${f:-0} - ${e:-0} - ${s:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
  skipped=$((skipped + ${s:-0}))
fi

if [ "$passed" -eq 0 ] || [ "$failed" -gt 0 ]; then
  status=1
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit $status
