#!/usr/bin/env bash
# Runs every test: the .NET suites (real PostgreSQL, Redis, RabbitMQ started by the fixtures through the AppHost
# library), the widget's type check, production build and vitest suite, and the lint of the OpenAPI snapshot. Ends with
# one line "N passed, N failed" (", N skipped" when any) and exits non-zero on any failure, any skipped, timed-out or aborted test, and any test
# project that ran no test at all: a run that did not run everything is not green.
set -uo pipefail
cd "$(dirname "$0")"

results="$PWD/TestResults"
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build OmniChat.sln --nologo -v quiet -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0
failed=0
skipped=0

# A step that runs no test but must succeed (a type check, a build) counts as one failure when it does not.
step_failed() {
  echo "FAILED: $1"
  failed=$((failed + 1))
}

# tests/Deploy.Tests validates the generated Kubernetes manifests against their JSON schemas with the npm package
# kubernetes-models: installed here, before the .NET suites (the test installs it itself when run alone).
(cd tests/Deploy.Tests/schema && npm install --no-audit --no-fund --loglevel=error) ||
  step_failed "tests/Deploy.Tests/schema npm install"

# A hung test fails after 10 minutes with a mini dump of the test host (tens of MB, in TestResults) instead of using
# up CI's 90 minutes; a full heap dump per process could fill the disk.
run_dotnet_tests() {
  dotnet test "$1" --no-build --nologo --logger "trx" --results-directory "$results" \
    --blame-hang-timeout 10m --blame-hang-dump-type mini
}

# The portal's browser journeys run alone, after every other suite. Side by side with the Telegram and kill tests
# (dotnet test runs assemblies in parallel) a 2-core machine reached a load of 11, and each run a different Blazor
# circuit answered too late. Every other test project runs through a solution filter of the solution without it.
alone=tests/AdminPortal.BrowserTests/AdminPortal.BrowserTests.csproj
side_by_side="$results/side-by-side.slnf"
{
  printf '{"solution":{"path":"%s","projects":[' "$PWD/OmniChat.sln"
  dotnet sln OmniChat.sln list | grep '\.csproj$' | grep -vx "$alone" | sed 's/.*/"&"/' | paste -sd, | tr -d '\n'
  printf ']}}\n'
} >"$side_by_side"
run_dotnet_tests "$side_by_side"
dotnet_status=$?
run_dotnet_tests "$alone" || dotnet_status=$?

# `npm install` honours the lock file; `npm ci` trips over optional platform packages the registry mirror lacks.
# `npm run build` is the production bundle and starts with `tsc --noEmit`; both are checked on their own so a type
# error is named as such.
if (cd Widget && npm install --no-audit --no-fund --loglevel=error); then
  (cd Widget && npm run --silent typecheck) || step_failed "widget type check (npm run typecheck)"
  (cd Widget && npm run --silent build >/dev/null) || step_failed "widget production build (npm run build)"
  (cd Widget && npx vitest run --reporter=default --reporter=junit --outputFile="$results/widget-junit.xml") ||
    [ -f "$results/widget-junit.xml" ] || step_failed "widget tests (vitest wrote no report)"
else
  step_failed "widget npm install"
fi

# The committed OpenAPI snapshot (docs/api/openapi-v1.json; OpenApiDocumentShould keeps it equal to what the Api serves)
# passes Redocly's lint with the committed config (recommended-strict: any warning is an error).
if (cd docs/api && npm install --no-audit --no-fund --loglevel=error); then
  (cd docs/api && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npm run --silent lint) ||
    step_failed "OpenAPI lint of docs/api/openapi-v1.json (cd docs/api && npm run lint)"
else
  step_failed "docs/api npm install"
fi

# The value of attribute $1 in the XML start tag $2 (0 when absent).
attr() {
  local value
  value=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2")
  echo "${value:-0}"
}

# .NET: one TRX per test project. Counters (vstst.xsd CountersType) split a run into passed; failed, error, timeout,
# aborted, passedButRunAborted and disconnected (failures); notExecuted (xunit's skipped), inconclusive, notRunnable,
# pending, inProgress and warning (not a pass: counted as skipped). Whatever total leaves unexplained is a failure too.
shopt -s nullglob
ran_assemblies=""
reports=0
for trx in "$results"/*.trx "$results"/*/*.trx; do
  reports=$((reports + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  total=$(attr total "$counters")
  p=$(attr passed "$counters")
  f=0
  for name in failed error timeout aborted passedButRunAborted disconnected; do
    f=$((f + $(attr "$name" "$counters")))
  done
  s=0
  for name in notExecuted inconclusive notRunnable pending inProgress warning; do
    s=$((s + $(attr "$name" "$counters")))
  done
  if [ $((p + f + s)) -lt "$total" ]; then
    f=$((total - p - s))
  fi
  outcome=$(grep -o '<ResultSummary outcome="[A-Za-z]*"' "$trx" | head -n 1 | sed 's/.*outcome="\(.*\)"/\1/')
  if [ "$f" -eq 0 ] && [ "$outcome" != "Completed" ]; then
    echo "FAILED: $(basename "$trx"): the run ended '${outcome:-without a summary}'"
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
  # The test assemblies this report ran tests of (lower case: TRX writes paths as it likes).
  ran_assemblies+=$(grep -o 'storage="[^"]*"' "$trx" | sed 's/.*[\/\\]\([^\/\\]*\)\.dll"$/\1/' | tr 'A-Z' 'a-z' | sort -u)
  ran_assemblies+=$'\n'
done
# Every test project must have executed at least one test (a project that finds none, or whose report went missing,
# would otherwise pass by saying nothing).
for csproj in tests/*/*Tests.csproj; do
  assembly=$(sed -n 's/.*<AssemblyName>\(.*\)<\/AssemblyName>.*/\1/p' "$csproj")
  assembly=${assembly:-$(basename "$csproj" .csproj)}
  if ! grep -qx "$(tr 'A-Z' 'a-z' <<<"$assembly")" <<<"$ran_assemblies"; then
    step_failed "$(dirname "$csproj") executed no test"
  fi
done
if [ "$dotnet_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  step_failed "dotnet test exited with $dotnet_status ($reports TRX reports)"
fi

# Widget (JUnit): <testsuites> has tests (skipped included), failures and errors; skipped sits on each <testsuite>.
if [ -f "$results/widget-junit.xml" ]; then
  suites=$(grep -o '<testsuites [^>]*>' "$results/widget-junit.xml" | head -n 1)
  t=$(attr tests "$suites")
  f=$(($(attr failures "$suites") + $(attr errors "$suites")))
  s=0
  while read -r suite; do
    s=$((s + $(attr skipped "$suite")))
  done < <(grep -o '<testsuite [^>]*>' "$results/widget-junit.xml")
  if [ "$t" -eq 0 ]; then
    step_failed "the widget's vitest suite ran no test"
  fi
  passed=$((passed + t - f - s))
  failed=$((failed + f))
  skipped=$((skipped + s))
else
  step_failed "the widget's vitest suite wrote no report"
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
if [ "$passed" -eq 0 ] || [ "$failed" -gt 0 ] || [ "$skipped" -gt 0 ]; then
  exit 1
fi
exit 0
