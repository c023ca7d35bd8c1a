#!/usr/bin/env bash
# Differential tests against a real ASL engine: builds the Step Functions
# machines of PROJECT (without its nurture.toml, so that property names are
# the source's) and runs each against the scripted leads of LEADS_DIR in the
# npm aws-local-stepfunctions pinned in tests/asl-engine/package.json,
# comparing every trace with `nurturec simulate`.
#
#   tests/asl-engine/run.sh NURTUREC PROJECT LEADS_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ "$#" -ne 3 ]; then
  echo "usage: $0 NURTUREC PROJECT LEADS_DIR" >&2
  exit 2
fi
nurturec="$(realpath "$1")"; project="$(realpath "$2")"; leads="$(realpath "$3")"
wanted="$(node -p "require('$here/package.json').devDependencies['aws-local-stepfunctions']")"
installed="$(node -p "try { require('$here/node_modules/aws-local-stepfunctions/package.json').version } catch (e) { '' }")"
if [ "$installed" != "$wanted" ]; then
  echo "installing aws-local-stepfunctions $wanted into $here/node_modules" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/project"
if [ -d "$project" ]; then cp "$project"/*.nurture "$work/project/"; else cp "$project" "$work/project/"; fi
"$nurturec" build "$work/project" --target ir,asl --placeholder-ids -o "$work/dist" >/dev/null
cd "$here"
node run.mjs "$nurturec" "$work/project" "$work/dist" "$leads"
