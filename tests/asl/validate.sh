#!/usr/bin/env bash
# Validates every *.json in a directory with the npm asl-validator pinned in
# tests/asl/package.json (installed into tests/asl/node_modules on first use).
#
#   tests/asl/validate.sh DIR
#
# Exit status: 0 every file is valid, 1 a file is invalid (or DIR has no
# *.json), 2 usage or installation problems.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ "$#" -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir="$1"
if [ ! -d "$dir" ]; then
  echo "$0: $dir is not a directory" >&2
  exit 2
fi

wanted="$(node -p "require('$here/package.json').devDependencies['asl-validator']")"
installed="$(node -p "try { require('$here/node_modules/asl-validator/package.json').version } catch (e) { '' }")"
if [ "$installed" != "$wanted" ]; then
  echo "installing asl-validator $wanted into $here/node_modules" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || exit 2
fi
validator="$here/node_modules/.bin/asl-validator"

shopt -s nullglob
files=("$dir"/*.json)
if [ "${#files[@]}" -eq 0 ]; then
  echo "$0: no *.json in $dir" >&2
  exit 1
fi

status=0
for file in "${files[@]}"; do
  if output="$("$validator" --json-path "$file" 2>&1)"; then
    echo "ok      $file"
  else
    echo "INVALID $file"
    echo "$output" | sed 's/^/        /'
    status=1
  fi
done
echo "asl-validator $wanted: ${#files[@]} file(s) checked"
exit "$status"
