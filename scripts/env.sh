# Sourced by the scripts: tools on PATH (npm's wasm-opt 132 first), browser test settings.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
# Trunk must never download a tool (everything it needs is installed by scripts/setup); its
# offline mode also runs cargo offline, so the scripts `cargo fetch` first.
export TRUNK_OFFLINE=true
export TRUNK_SKIP_VERSION_CHECK=true
