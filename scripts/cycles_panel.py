#!/usr/bin/env python3
"""Import cycles between the panel crate's files.

For each `src/**/*.rs`, collects the `crate::a::b::...` paths it uses (in `use` items and in
code, including `use crate::{a, b::c}` groups and `super::x` paths), resolves each to the file
that defines the longest matching module, and prints every cycle of the file graph (its
strongly connected components of more than one file). Exits 1 if there is one.

Usage: scripts/cycles_panel.py [SRC_DIR]   (default: src next to this script's parent)
"""

import re
import sys
from pathlib import Path


def module_of(path: Path, src: Path) -> tuple:
    """The module path of a file: src/a/b.rs and src/a/b/mod.rs are ("a", "b")."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "mod" or (len(parts) == 1 and parts[0] in ("lib", "main")):
        parts = parts[:-1]
    return tuple(parts)


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def expand_groups(prefix: str, body: str) -> list:
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"] (prefix without the braces)."""
    out, depth, start = [], 0, 0
    items = []
    for i, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(body[start:i])
            start = i + 1
    items.append(body[start:])
    for item in items:
        item = item.strip()
        if not item:
            continue
        m = re.match(r"^([\w:]*?)::\{(.*)\}$", item, flags=re.S)
        if m:
            out += expand_groups(f"{prefix}::{m.group(1)}", m.group(2))
        elif item.startswith("{") and item.endswith("}"):
            out += expand_groups(prefix, item[1:-1])
        else:
            out.append(f"{prefix}::{item}")
    return out


def used_paths(text: str) -> list:
    """Absolute-ish paths a file uses: ("crate"|"super"|"self", segments...)."""
    paths = []
    for m in re.finditer(r"\buse\s+((?:crate|super|self)::[^;]*);", text, flags=re.S):
        spec = re.sub(r"\s+", "", m.group(1))
        g = re.match(r"^([\w:]*?)::\{(.*)\}$", spec, flags=re.S)
        specs = expand_groups(g.group(1), g.group(2)) if g else [spec]
        for s in specs:
            s = re.sub(r"\bas\w+$", "", s.split(" as ")[0])
            paths.append(tuple(x for x in s.split("::") if x and x != "*"))
    for m in re.finditer(r"\b((?:crate|super)(?:::\w+)+)", text):
        paths.append(tuple(m.group(1).split("::")))
    return paths


def resolve(path: tuple, here: tuple, is_mod_file: bool, modules: dict):
    """The file defining the longest module prefix of `path`, seen from module `here`."""
    head, rest = path[0], list(path[1:])
    if head == "crate":
        base = []
    else:
        # `super` in a.rs (module a) is the parent; in a/mod.rs too. `self` is the module.
        base = list(here)
        while rest and head in ("super", "self"):
            if head == "super" and base:
                base.pop()
            head, rest = rest[0], rest[1:]
            if head not in ("super", "self"):
                rest = [head] + rest
                break
        else:
            if head == "super" and base:
                base.pop()
    full = tuple(base + rest)
    for n in range(len(full), 0, -1):
        if full[:n] in modules:
            return modules[full[:n]]
    return None


def sccs(graph: dict) -> list:
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main() -> int:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "src"
    files = sorted(src.rglob("*.rs"))
    modules = {module_of(f, src): f for f in files}
    graph = {}
    for f in files:
        here = module_of(f, src)
        text = strip_comments(f.read_text())
        edges = set()
        for p in used_paths(text):
            target = resolve(p, here, f.name == "mod.rs", modules)
            # A module's own parent file (its `mod` declaration) is not an import.
            if target is not None and target != f and module_of(target, src) != ():
                edges.add(target)
        graph[f] = edges
    cycles = [c for c in sccs(graph) if len(c) > 1]
    rel = lambda f: str(f.relative_to(src.parent))
    for comp in cycles:
        members = set(comp)
        print("cycle: " + ", ".join(rel(f) for f in comp))
        for f in comp:
            for t in sorted(graph[f] & members):
                print(f"  {rel(f)} -> {rel(t)}")
    edges = sum(len(e) for e in graph.values())
    print(f"{len(files)} files, {edges} edges, {len(cycles)} cycle(s)")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
