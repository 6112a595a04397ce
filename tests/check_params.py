#!/usr/bin/env python3
"""check_params.py — the backends read typed op parameters (runtime/src/ops/op_params.h), not
node attributes or input slot numbers (docs/architecture.md, "Typed op parameters"):

1. No file of a backend's kernels (runtime/src/cpu/ref/, runtime/src/cpu/operators/,
   runtime/src/cpu/fast_*, runtime/src/vulkan/) calls an attribute accessor (eml_attr_*,
   eml_node_attr) or a decoder of runtime/src/ops/ that reads attributes (eml_window_geometry,
   eml_fused_activation, eml_pad_params, ...): runtime/src/ops/ decodes them once, at load.
2. No such file reads a scale or zero point by a bare slot number (eml_q_scales(ctx, 1, ...),
   eml_vk_zero_point(g, node, 2, ...)): the op's params name the slot.

The crossings still to be removed are listed in tests/params_allowlist.txt, one "FILE NAME"
pair a line (NAME: the function called); a listed pair that is gone must be taken off the list
(so it only shrinks). Exit status 1 with one line per violation."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALLOWLIST = "tests/params_allowlist.txt"

# Attribute accessors (graph.h) and the decoders of runtime/src/ops/ that read attributes.
ATTR = re.compile(r"\b(eml_attr_\w+|eml_node_attr|eml_window_geometry|eml_fused_activation|"
                  r"eml_pad_params|eml_reduce_params|eml_slice_params|eml_split_part|"
                  r"eml_resize_params_get|eml_rnn_params_get|eml_image_params_get|"
                  r"eml_convt_geometry|eml_qconv_shape_of|eml_fused_activation_fn)\s*\(")
# Quantization parameters read by slot number: the slot is the accessor's argument after
# the context (ctx) or the graph and node (g, node).
SLOT = re.compile(r"\b(eml_q_scales|eml_q_zero_point|eml_vk_scales|eml_vk_zero_point)\s*\("
                  r"(?:[^,()]+,){1,2}\s*\d+\s*,")


def backend_files():
    for top in ("runtime/src/cpu/ref", "runtime/src/cpu/operators", "runtime/src/vulkan"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, f), ROOT)
    cpu = os.path.join(ROOT, "runtime/src/cpu")
    for f in sorted(os.listdir(cpu)):
        if f.startswith("fast_") and f.endswith((".c", ".h")):
            yield f"runtime/src/cpu/{f}"


def strip_comments(text):
    """The text without comments (a line's number is kept: newlines stay)."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def main():
    allow = set()
    with open(os.path.join(ROOT, ALLOWLIST), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if line:
                allow.add((line[0], line[1]))
    bad, used, files = [], set(), list(backend_files())
    for path in files:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            text = strip_comments(f.read())
        for rule, what in ((ATTR, "reads node attributes"),
                           (SLOT, "reads a quantization input by its slot number")):
            for m in rule.finditer(text):
                key = (path, m.group(1))
                if key in allow:
                    used.add(key)
                    continue
                line = text.count("\n", 0, m.start()) + 1
                bad.append(f"{path}:{line}: {m.group(1)}() {what}: decode it in "
                           f"runtime/src/ops/op_params.c and read the node's params")
    for key in sorted(allow - used):
        bad.append(f"{ALLOWLIST}: '{key[0]} {key[1]}' no longer happens: take it off the list")
    for line in bad:
        print(line)
    print(f"check_params: {len(files)} files, {len(used)} allowed exceptions, "
          f"{len(bad)} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
