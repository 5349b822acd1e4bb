#!/usr/bin/env bash
# Validates every scenario in scenarios/ (or the files given) against `journeysim schema`:
# each YAML file is converted to JSON with python3 + PyYAML and checked with the `jsonschema`
# package (Draft 2020-12). Exits 1 if any file does not validate, 2 if the tools are missing.
#
#   scripts/check-schema.sh                      # every scenarios/*.yaml
#   scripts/check-schema.sh my.yaml other.yaml
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c 'import yaml, jsonschema' 2>/dev/null || {
    echo "error: needs python3 with PyYAML and jsonschema (pip install pyyaml jsonschema)" >&2
    exit 2
}
BIN=${JOURNEYSIM:-}
if [[ -z "$BIN" ]]; then
    swift build --product journeysim >/dev/null 2>&1 || swift build --product journeysim
    BIN="$(swift build --show-bin-path)/journeysim"
fi
schema=$(mktemp)
trap 'rm -f "$schema"' EXIT
"$BIN" schema >"$schema"

if [[ $# -eq 0 ]]; then set -- scenarios/*.yaml; fi
python3 - "$schema" "$@" <<'PY'
import json, re, sys, datetime
import yaml
from jsonschema import Draft202012Validator

schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)

def plain(value):
    # YAML 1.1 (PyYAML) reads dates, times and mapping keys such as `1:` as non-strings;
    # the scenario parser sees them as text, so convert them the same way.
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value

# Read YAML as the scenario parser (Yams, YAML 1.2) does: only true/false are booleans, so
# `on:` (a branch key) and `reeligibility: off` stay words instead of YAML 1.1 booleans.
class Loader(yaml.SafeLoader):
    pass
Loader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

failed = 0
for path in sys.argv[2:]:
    with open(path) as f:
        document = plain(yaml.load(f, Loader=Loader))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        failed += 1
        for error in errors:
            where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
            print(f"{path}: {where}: {error.message}")
    else:
        print(f"{path}: valid")
sys.exit(1 if failed else 0)
PY
