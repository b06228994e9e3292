#!/bin/bash
# Checks the Terraform files without providers (no `terraform init` here: it downloads them):
# `terraform fmt -check` (Terraform's own parser and canonical layout) when terraform is installed,
# and hclcheck (HashiCorp's HCL parser: syntax, references, templatefile variables) with Go.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
status=0
if command -v terraform >/dev/null; then
  terraform fmt -check -diff "$here" && echo "terraform fmt -check: ok ($(terraform version | head -1))" || status=1
else
  echo "terraform not installed: terraform fmt -check not run"
fi
if command -v go >/dev/null; then
  (cd "$here/hclcheck" && go run . "$here") && echo "hclcheck (github.com/hashicorp/hcl/v2): ok" || status=1
else
  echo "go not installed: hclcheck not run"
fi
exit $status
