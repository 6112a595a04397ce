#!/usr/bin/env python3
"""check_includes.py — the include rules of the layers (docs/architecture.md), so they cannot
regress:

1. The tools (everything under tools/) include only the public headers (runtime/include:
   edgeml.h, edgeml_package.h, edgeml_convert.h), their own headers (tools/...), the kernel
   module's UAPI (kmod/uapi/) and system headers. The Makefile compiles them with
   -Iruntime/include -Itools only, so a crossing would not build either; this names it.
2. No file outside a backend's folder (runtime/src/cpu/, runtime/src/vulkan/) includes that
   backend's headers: the core reaches a backend through backend.h's table, the converter
   the reference kernels through node_eval.h.
3. The library and the converter (runtime/) include nothing of tools/.
4. No loop among the headers of runtime/ and tools, and none among the layers: the units of
   the drawing in docs/architecture.md (the core with ops/, quant/, each backend, the
   converter, the public headers, the tools) depend on each other one way only.
Exit status 1 with one line per violation."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
BACKENDS = ("cpu", "vulkan")
# The layers, longest prefix first: a file belongs to the first that its path starts with.
UNITS = (
    ("runtime/src/cpu/", "cpu backend"),
    ("runtime/src/vulkan/", "vulkan backend"),
    ("runtime/src/quant/", "quant"),
    ("runtime/src/", "core"),  # with ops/: the drawing's core layer
    ("runtime/convert/", "converter"),
    ("runtime/include/", "public headers"),
    ("tools/", "tools"),
    ("kmod/uapi/", "kmod uapi"),
)


def sources(top):
    for d, _, files in os.walk(os.path.join(ROOT, top)):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(d, f), ROOT)


def includes(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def resolve(path, inc):
    """The repository path an include names: beside the file, then each -I directory."""
    for base in (os.path.dirname(path), "runtime/include", "runtime/src", "runtime", "tools"):
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.exists(os.path.join(ROOT, cand)):
            return cand
    return None  # generated (build/gen) or outside the tree


def unit(path):
    for prefix, name in UNITS:
        if path.startswith(prefix):
            return name
    return path


def loops(graph, what):
    """One line per loop found by a depth-first search over graph."""
    found, state = [], {}

    def visit(h, stack):
        state[h] = 1
        stack.append(h)
        for t in sorted(graph.get(h, ())):
            if state.get(t) == 1:
                found.append(f"{what} loop: " + " -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t, stack)
        stack.pop()
        state[h] = 2

    for h in sorted(graph):
        if h not in state:
            visit(h, [])
    return found


def main():
    bad = []
    files = list(sources("runtime")) + list(sources("tools"))
    layers = {}
    for path in files:
        for inc in includes(path):
            target = resolve(path, inc)
            if target is None:
                continue
            if path.startswith("tools/") and not target.startswith(
                    ("tools/", "runtime/include/", "kmod/uapi/")):
                bad.append(f"{path}: includes {target}: tools see only runtime/include "
                           f"(the public headers), tools/ and kmod/uapi/")
            if path.startswith("runtime/") and target.startswith("tools/"):
                bad.append(f"{path}: includes {target}: the library and the converter do "
                           f"not use the tools' code")
            for b in BACKENDS:
                folder = f"runtime/src/{b}/"
                if target.startswith(folder) and not path.startswith(folder):
                    bad.append(f"{path}: includes {target}, a header of the {b} backend")
            if unit(path) != unit(target):
                layers.setdefault(unit(path), set()).add(unit(target))
    headers = {p: [t for t in (resolve(p, i) for i in includes(p)) if t and t.endswith(".h")]
               for p in files if p.endswith(".h")}
    bad += loops(headers, "include")
    bad += loops(layers, "layer")
    for line in bad:
        print(line)
    print(f"check_includes: {len(files)} files, {len(layers)} layers, {len(bad)} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
