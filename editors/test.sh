#!/usr/bin/env bash
# Tests the editor support in editors/: the VS Code grammar (snapshot and
# assertion tests), the Markdown injection, the extension (its diagnostics code
# and how it starts the language server), the Vim runtime files, and, with
# NURTUREC naming a nurturec binary, the language server through a real client:
# headless Neovim. Run from anywhere: bash editors/test.sh
# Needs node and npm (the npm registry must be reachable for `npm ci`); installs
# vim and neovim with apt-get when they are missing (as root).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
vscode="$root/editors/vscode"
passed=0
failed=0
failures=()

step() {
  local name="$1"
  shift
  echo "==> $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "FAILED: $name" >&2
  fi
}

# vscode-tmgrammar-snap writes a missing .snap file and passes: make sure every case has one.
snapshots_committed() {
  local missing=0 f
  for f in "$vscode"/tests/snap/*.nurture "$vscode"/tests/markdown/*.md; do
    if [[ ! -f "$f.snap" ]]; then
      echo "missing snapshot: ${f#"$root"/}.snap (run: cd editors/vscode && npm run test:update)" >&2
      missing=1
    fi
  done
  return "$missing"
}

vim_test() {
  vim -Nu NONE -i NONE -es -S "$root/editors/vim/test.vim" | cat
}

step "npm ci" npm ci --prefix "$vscode" --no-audit --no-fund
step "snapshots committed" snapshots_committed
step "grammar: snapshot and unit tests (npm test)" npm test --prefix "$vscode"
step "grammar: Markdown injection" npm run --prefix "$vscode" test:markdown
step "extension: diagnostics from nurturec JSON" npm run --prefix "$vscode" test:extension

# vim.tiny has no syntax highlighting or Vim script: it does not count.
vim_features="$(vim --version 2>/dev/null || true)"
if [[ "$vim_features" != *"+syntax"* || "$vim_features" != *"+eval"* ]]; then
  echo "==> installing vim"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq vim-nox >/dev/null
fi
step "vim: ftdetect, syntax, ftplugin, indent, compiler" vim_test

# The committed parser is what grammar.js generates, with the pinned
# tree-sitter CLI (TREE_SITTER names it; .ci/run installs it from crates.io,
# since the npm package downloads its binary from GitHub).
tree_sitter_generated() {
  local copy
  copy="$(mktemp -d)"
  cp -r "$root/editors/tree-sitter/." "$copy/"
  rm -rf "$copy/src"
  (cd "$copy" && "$TREE_SITTER" generate --abi 14) || return 1
  diff -r "$root/editors/tree-sitter/src" "$copy/src" >/dev/null || {
    echo "editors/tree-sitter/src is not what grammar.js generates: run \`npm run generate\` (tree-sitter-cli $(cd "$root/editors/tree-sitter" && node -p "require('./package.json').devDependencies['tree-sitter-cli']")) in editors/tree-sitter" >&2
    diff -r "$root/editors/tree-sitter/src" "$copy/src" | head -20 >&2
    return 1
  }
  rm -rf "$copy"
}
if [[ -n "${TREE_SITTER:-}" ]]; then
  step "tree-sitter: the committed parser is generated from grammar.js" tree_sitter_generated
else
  echo "==> skipped: tree-sitter parser regeneration (set TREE_SITTER to a tree-sitter CLI)"
fi

# Neovim's own LSP client against `nurturec lsp`: it needs the real compiler.
neovim_test() {
  (cd "$root" && nvim --headless -n -u NONE -i NONE -c 'luafile editors/neovim/lsp_test.lua' </dev/null | cat; exit "${PIPESTATUS[0]}")
}
if [[ -n "${NURTUREC:-}" ]]; then
  if ! command -v nvim >/dev/null 2>&1; then
    echo "==> installing neovim"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
  fi
  NURTUREC="$(cd "${INIT_CWD:-$PWD}" && realpath "$NURTUREC")"
  export NURTUREC
  step "neovim: nurturec lsp (diagnostics while editing unsaved, completion, definition, rename)" neovim_test
else
  echo "==> skipped: neovim with nurturec lsp (set NURTUREC to a nurturec binary)"
fi

echo
for name in "${failures[@]+"${failures[@]}"}"; do
  echo "failed: $name"
done
echo "editors: $passed passed, $failed failed"
[[ "$failed" -eq 0 ]]
