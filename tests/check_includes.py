#!/usr/bin/env python3
"""check_includes.py — the include rules of the layers (docs/architecture.md), so they cannot
regress:

1. The tools' command files (tools/, not tools/convert/) include only the public header
   edgeml.h, their own headers (tools/...), the converter's one-call header
   (convert/edgeml_convert.h), the kernel module's UAPI (kmod/uapi/) and system headers.
   The exceptions still to be removed are listed in tests/include_allowlist.txt, one
   "FILE HEADER" pair a line; a listed pair that is gone must be taken off the list (so it
   only shrinks).
2. No file outside a backend's folder (runtime/src/cpu/, runtime/src/vulkan/) includes that
   backend's headers, except the converter's use of the reference kernels (listed too).
3. The headers of runtime/src and tools include no loop.
Exit status 1 with one line per violation."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
BACKENDS = ("cpu", "vulkan")


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
    for base in (os.path.dirname(path), "runtime/include", "runtime/src", "tools"):
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.exists(os.path.join(ROOT, cand)):
            return cand
    return None  # generated (build/gen) or outside the tree


def main():
    allow = set()
    with open(os.path.join(ROOT, "tests/include_allowlist.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if line:
                allow.add((line[0], line[1]))
    bad, used = [], set()
    files = list(sources("runtime")) + list(sources("tools"))
    for path in files:
        for inc in includes(path):
            target = resolve(path, inc)
            if target is None:
                continue
            key = (path, target)
            tool = path.startswith("tools/") and not path.startswith("tools/convert/")
            # The converter's internals (the IR) are not for the command files: they see
            # its one-call header only.
            internal = (not target.startswith(("tools/", "runtime/include/", "kmod/uapi/"))
                        or (target.startswith("tools/convert/")
                            and target != "tools/convert/edgeml_convert.h"))
            if tool and internal:
                if key in allow:
                    used.add(key)
                else:
                    bad.append(f"{path}: includes {target}: tools see only runtime/include "
                               f"(edgeml.h), tools/ and convert/edgeml_convert.h")
            for b in BACKENDS:
                folder = f"runtime/src/{b}/"
                if target.startswith(folder) and not path.startswith(folder):
                    if key in allow:
                        used.add(key)
                    elif not tool:
                        bad.append(f"{path}: includes {target}, a header of the {b} backend")
    for key in sorted(allow - used):
        bad.append(f"tests/include_allowlist.txt: '{key[0]} {key[1]}' no longer happens: "
                   f"take it off the list")
    # Header include loops (depth-first search over the header graph).
    graph = {p: [t for t in (resolve(p, i) for i in includes(p)) if t and t.endswith(".h")]
             for p in files if p.endswith(".h")}
    state = {}

    def visit(h, stack):
        state[h] = 1
        stack.append(h)
        for t in graph.get(h, []):
            if state.get(t) == 1:
                bad.append("include loop: " + " -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t, stack)
        stack.pop()
        state[h] = 2

    for h in sorted(graph):
        if h not in state:
            visit(h, [])
    for line in bad:
        print(line)
    print(f"check_includes: {len(files)} files, {len(used)} allowed exceptions, "
          f"{len(bad)} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
