#!/usr/bin/env bash
# The dependency rule of docs/architecture.md, checked on the #include lines of src/:
#   core <- domain <- policy <- ledger <- app <- {store, hardware, api} <- apps
# plus: database headers only in src/store/, OpenSSL and libsodium only in src/ledger/*.cc,
# src/store/*.cc (PIN hashing) and src/api/*.cc (session tokens, TLS), Boost only in src/api/,
# toml++ only in src/store/*.cc (the config file: store/config_file.h is plain structs).
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root/src" || exit 2

declare -A allowed=(
  [core]="core"
  [domain]="core domain"
  [policy]="core domain policy"
  [ledger]="core domain policy ledger"
  [app]="core domain policy ledger app"
  [store]="core domain policy ledger app store"
  [hardware]="core domain policy ledger app hardware"
  [api]="core domain policy ledger app api"
)
bad=0
checked=0
for layer in "${!allowed[@]}"; do
  [[ -d $layer ]] || continue
  while IFS= read -r -d '' file; do
    checked=$((checked + 1))
    while IFS= read -r line; do
      inc=${line#*\"}
      inc=${inc%%\"*}
      top=${inc%%/*}
      if [[ " ${allowed[$layer]} " != *" $top "* ]]; then
        echo "layering: $layer/ may not include \"$inc\" ($file)"
        bad=1
      fi
    done < <(grep -E '^#include "' "$file")
    if [[ $layer != store ]] && grep -qE '^#include <(sqlite3|pqxx|libpq-fe)' "$file"; then
      echo "layering: database headers belong in src/store/ only ($file)"
      bad=1
    fi
    if [[ ($layer != ledger && $layer != store && $layer != api) || $file == *.h ]] &&
      grep -qE '^#include <(openssl|sodium)' "$file"; then
      echo "layering: OpenSSL/libsodium belong in src/ledger/*.cc, src/store/*.cc and" \
        "src/api/*.cc only ($file)"
      bad=1
    fi
    if [[ $layer != store || $file == *.h ]] && grep -qE '^#include <toml\+\+/' "$file"; then
      echo "layering: toml++ belongs in src/store/*.cc only ($file)"
      bad=1
    fi
    if [[ $layer != api ]] && grep -qE '^#include <boost/' "$file"; then
      echo "layering: Boost (Asio, Beast) belongs in src/api/ only ($file)"
      bad=1
    fi
  done < <(find "$layer" -name '*.h' -print0 -o -name '*.cc' -print0)
done
if ((checked == 0)); then
  echo "layering: no sources found under $root/src"
  exit 2
fi
if ((bad == 0)); then echo "layering: ok ($checked files)"; fi
exit $bad
