#!/usr/bin/env python3
"""Import cycles between the proxy crate's top-level modules.

For each `proxy/src/**/*.rs`, collects the `crate::<module>` paths it names (in `use` lines
and inline), builds the graph of top-level modules (`src/panel.rs` and `src/rules/*.rs` are
`panel` and `rules`; `lib.rs` and `main.rs` are left out, they name everything), and prints
every strongly connected component of more than one module. Exits 1 when there is one.

    python3 scripts/cycles_proxy.py [proxy/src]
"""

import re
import sys
from pathlib import Path

USE = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
# `use crate::{a, b::c}`: the modules inside the braces.
GROUP = re.compile(r"\bcrate::\{([^}]*)\}", re.S)


def module_of(src: Path, path: Path) -> str | None:
    parts = path.relative_to(src).parts
    if len(parts) == 1:
        name = parts[0][:-3]
        return None if name in ("lib", "main") else name
    return parts[0]


def graph(src: Path) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in sorted(src.rglob("*.rs")):
        module = module_of(src, path)
        if module is None:
            continue
        text = path.read_text()
        # Comments name modules too (doc links); they are not imports.
        text = re.sub(r"//[^\n]*", "", text)
        targets = set(USE.findall(text))
        for group in GROUP.findall(text):
            targets.update(
                t.strip().split("::")[0] for t in group.split(",") if t.strip()
            )
        known = {t for t in targets if (src / f"{t}.rs").exists() or (src / t).is_dir()}
        edges.setdefault(module, set()).update(known - {module})
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main() -> int:
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "proxy/src")
    edges = graph(src)
    found = cycles(edges)
    for comp in found:
        inside = [f"{a} -> {b}" for a in comp for b in sorted(edges[a]) if b in comp]
        print("cycle {" + ", ".join(comp) + "}: " + "; ".join(inside))
    if not found:
        print(f"no cycles among {len(edges)} modules")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
