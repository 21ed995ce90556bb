#!/usr/bin/env python3
"""Import cycles between the modules of one Rust crate.

Usage: scripts/cycles.py CRATE_SRC_DIR [--no-tests]

For every `.rs` file under the crate's `src/`, it collects the crate paths the file uses:
`crate::a::b` (in `use` items, grouped `use crate::{a, b::c}` included, and in code) and
`super::x` / `self::x` resolved against the file's module. Each path is mapped to the deepest
file that defines a prefix of it (`a/b.rs` or `a/b/mod.rs`, else `a.rs` or `a/mod.rs`).

It then looks for cycles (strongly connected components, Tarjan) at two granularities:
top-level modules (`records`, `rest`, ...) and files. It prints each cycle with the edges that
make it and exits 1 if there is any, 0 otherwise.

`--no-tests` drops `#[cfg(test)]` modules (`mod tests { .. }` blocks) before reading a file, to
see the cycles of the shipped code alone.

Not counted, by design: `mod x;` declarations, and paths relative to the current module
without `self::` (a parent naming its own child module, as `mod.rs` does in
`pub use child::Item`). A parent using its children is how Rust lays out a module; the
cycles worth breaking are the ones between siblings and across the crate.
"""

import os
import re
import sys
from collections import defaultdict

PATH_RE = re.compile(r"\b(crate|super|self)((?:\s*::\s*(?:[A-Za-z_][A-Za-z0-9_]*|\{))+)")


def strip_comments_and_strings(text):
    """Blanks out comments, string and char literals, keeping line structure."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if text[i] == "\n":
                        out.append("\n")
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out.append(" " + "\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]) or (c == "'" and text.startswith("'\\", i)):
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            if m:
                out.append("' '")
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def drop_test_modules(text):
    """Removes `#[cfg(test)] mod name { ... }` blocks (text already without comments/strings)."""
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", text)
        if not m:
            return text
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        text = text[: m.start()] + "\n" * text.count("\n", m.start(), i) + text[i:]


def split_inline_modules(text):
    """[(module path below the file's, text)]: the file's own text, and each inline
    `mod name { .. }` block (one level) as `(name,)`."""
    parts, outer, pos = [], [], 0
    for m in re.finditer(r"\bmod\s+(\w+)\s*\{", text):
        if m.start() < pos:
            continue
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        outer.append(text[pos : m.start()])
        parts.append(((m.group(1),), text[m.end() : i]))
        pos = i
    outer.append(text[pos:])
    return [((), "".join(outer))] + parts


def expand_group(rest):
    """`::a::{b, c::{d, e}}` -> [['a','b'], ['a','c','d'], ['a','c','e']] (rest starts after the root)."""
    rest = re.sub(r"\s+", "", rest)
    if rest.startswith("::"):
        rest = rest[2:]

    def parse(s, i):
        # returns (list of paths, index)
        paths, prefix = [], []
        while i < len(s):
            if s[i] == "{":
                i += 1
                subs = []
                while True:
                    sub, i = parse(s, i)
                    subs.extend(sub)
                    if i < len(s) and s[i] == ",":
                        i += 1
                        continue
                    break
                if i < len(s) and s[i] == "}":
                    i += 1
                paths.extend(prefix + p for p in subs) if subs else paths.append(prefix)
                return paths, i
            m = re.match(r"[A-Za-z_][A-Za-z0-9_]*|\*", s[i:])
            if not m:
                break
            prefix.append(m.group(0))
            i += len(m.group(0))
            if s.startswith("::", i):
                i += 2
            else:
                break
        # skip `as alias`
        m = re.match(r"as[A-Za-z_][A-Za-z0-9_]*", s[i:])
        paths.append(prefix)
        return paths, i

    out, _ = parse(rest, 0)
    return [p for p in out if p]


def use_bodies(text):
    """Yields the text of each `use ...;` item (with its root), so groups expand correctly."""
    for m in re.finditer(r"\buse\s+((?:crate|super|self)\s*::[^;]*);", text):
        yield m.group(1)


class Crate:
    def __init__(self, src):
        self.src = os.path.abspath(src)
        self.files = {}  # module path tuple -> relative file path
        for root, _, names in os.walk(self.src):
            for name in names:
                if not name.endswith(".rs"):
                    continue
                rel = os.path.relpath(os.path.join(root, name), self.src)
                self.files[self.module_of(rel)] = rel

    @staticmethod
    def module_of(rel):
        parts = rel[:-3].split(os.sep)
        if parts[-1] in ("mod",) or (len(parts) == 1 and parts[0] in ("lib", "main")):
            parts = parts[:-1]
        return tuple(parts)

    def file_for(self, path):
        """The deepest file whose module is a prefix of `path` (a tuple of segments)."""
        for k in range(len(path), -1, -1):
            if path[:k] in self.files:
                return self.files[path[:k]]
        return None

    def edges(self, no_tests):
        deps = defaultdict(set)
        for module, rel in self.files.items():
            with open(os.path.join(self.src, rel), encoding="utf-8") as f:
                text = strip_comments_and_strings(f.read())
            if no_tests:
                text = drop_test_modules(text)
            # An inline `mod name { .. }` (a file's tests) is a module one level down: its
            # `super::` is the file's own module.
            for inner, part in split_inline_modules(text):
                for segs in self.paths(part):
                    target = self.resolve(module + inner, segs)
                    if target is None:
                        continue
                    dest = self.file_for(target)
                    if dest and dest != rel:
                        deps[rel].add(dest)
        return deps

    @staticmethod
    def paths(text):
        paths = []
        for body in use_bodies(text):
            root = re.match(r"(crate|super|self)", body).group(1)
            for p in expand_group(body[len(root):]):
                paths.append([root] + p)
        code = re.sub(r"\buse\s+(?:crate|super|self)\s*::[^;]*;", " ", text)
        for m in PATH_RE.finditer(code):
            segs = [s for s in re.split(r"\s*::\s*", m.group(0)) if s and s != "{"]
            paths.append(segs)
        return paths

    def resolve(self, module, segs):
        root, rest = segs[0], [s for s in segs[1:] if s != "*"]
        if root == "crate":
            return tuple(rest)
        base = list(module)
        i = 0
        if root == "super":
            base = base[:-1]
            while i < len(rest) and rest[i] == "super":
                base, i = base[:-1], i + 1
        return tuple(base + rest[i:])


def top_level(rel):
    first = rel.split(os.sep)[0]
    return "crate root" if first in ("lib.rs", "main.rs") else first[:-3] if first.endswith(".rs") else first


def tarjan(graph):
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    nodes = set(graph) | {d for ds in graph.values() for d in ds}

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
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)


def report(title, graph):
    comps = tarjan(graph)
    print(f"{title}: {len(comps)} cycle(s)")
    for comp in comps:
        members = set(comp)
        print("  {" + ", ".join(comp) + "}")
        for a in comp:
            for b in sorted(graph.get(a, ())):
                if b in members:
                    print(f"    {a} -> {b}")
    return len(comps)


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    crate = Crate(args[0])
    files = crate.edges("--no-tests" in argv)
    modules = defaultdict(set)
    for a, ds in files.items():
        for b in ds:
            ta, tb = top_level(a), top_level(b)
            if ta != tb and ta != "crate root":
                modules[ta].add(tb)
    found = report("top-level modules", modules)
    found += report("files", files)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
