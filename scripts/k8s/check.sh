#!/usr/bin/env bash
# Checks the manifests: `kubectl apply --dry-run=client` where kubectl is available, otherwise
# a schema check with kubeconform-style validation from PyPI (kubernetes-validate, which ships
# the Kubernetes schemas, so no network is needed beyond installing it).
set -euo pipefail
cd "$(dirname "$0")"
files=(configmap.yaml results-pvc.yaml shards-job.yaml merge-job.yaml)
if command -v kubectl >/dev/null 2>&1; then
  args=()
  for file in "${files[@]}"; do args+=(-f "$file"); done
  # Client-side dry run; without a reachable cluster kubectl cannot fetch the OpenAPI schema, so
  # validation is left to the schema check below.
  if kubectl apply --dry-run=client --validate=false "${args[@]}"; then
    echo "kubectl dry-run: ok"
  else
    echo "kubectl dry-run could not run here (no cluster context?); relying on the schema check" >&2
  fi
fi
if ! python3 -c "import kubernetes_validate" 2>/dev/null; then
  pip install --quiet kubernetes-validate >/dev/null
fi
python3 -m kubernetes_validate --strict --kubernetes-version 1.29.0 "${files[@]}"
echo "schema check (kubernetes-validate, Kubernetes 1.29, strict): ok"
