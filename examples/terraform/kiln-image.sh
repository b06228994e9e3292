#!/bin/bash
# The external data source of main.tf: the newest good image of an image name, from
# `kiln images --json` (the bake records). Reads {"image_name": "..."} on stdin (Terraform's
# external protocol), prints {"image_id": "ami-..."}. Skips failed bakes and images the fleet
# marked bad (markedBad). Needs kiln and jq; KILN (default `kiln`) and KILN_IMAGES_ARGS
# (e.g. "--es-url https://es:9200") say how to reach the bake records.
set -euo pipefail

query="$(cat)"
name="$(jq -r '.image_name // empty' <<<"$query")"
# shellcheck disable=SC2086 # KILN and KILN_IMAGES_ARGS are word lists on purpose.
rows="$(${KILN:-kiln} images --json ${KILN_IMAGES_ARGS:-})"
image="$(jq -r --arg name "$name" '
  [ .[]
    | select(.status == "succeeded" and (.markedBad | not) and (.artifacts | length) > 0)
    | select($name == "" or .imageName == $name) ]
  | sort_by(.startedAt) | last
  | if . == null then empty else (.artifacts[0] | split(":") | last) end
' <<<"$rows")"
if [ -z "$image" ]; then
  echo "kiln-image.sh: no succeeded, unmarked bake of image name '$name' in kiln images --json" >&2
  exit 1
fi
jq -n --arg id "$image" '{image_id: $id}'
