#!/usr/bin/env python3
"""What the app's wasm is made of: the size of every function body (code section) by the name
the name section gives it, grouped by crate and by module, and the data section.

Usage: python3 xtask/wasm_sizes.py FILE.wasm [TOP]

FILE must keep its name section: the shipped file has none (wasm-opt drops it), so measure a
copy optimised the same way with names kept — see docs/bundle.md for the commands. Sizes are
bytes of the function bodies as they stand in FILE; the shipped file's code is the same code
without the names.
"""

import re
import sys
from collections import defaultdict


def leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def name(data, pos):
    length, pos = leb(data, pos)
    return data[pos:pos + length].decode("utf-8", "replace"), pos + length


def sections(data):
    assert data[:4] == b"\0asm", "not a wasm module"
    pos = 8
    while pos < len(data):
        sid = data[pos]
        size, body = leb(data, pos + 1)
        yield sid, data[body:body + size]
        pos = body + size


def imported_functions(payload):
    count, pos = leb(payload, 0)
    functions = 0
    for _ in range(count):
        _, pos = name(payload, pos)
        _, pos = name(payload, pos)
        kind = payload[pos]
        pos += 1
        if kind == 0:  # function: type index
            _, pos = leb(payload, pos)
            functions += 1
        elif kind == 1:  # table: reftype, limits
            pos += 1
            flags, pos = leb(payload, pos + 0)
            _, pos = leb(payload, pos)
            if flags & 1:
                _, pos = leb(payload, pos)
        elif kind == 2:  # memory: limits
            flags, pos = leb(payload, pos)
            _, pos = leb(payload, pos)
            if flags & 1:
                _, pos = leb(payload, pos)
        elif kind == 3:  # global: valtype, mutability
            pos += 2
        elif kind == 4:  # tag
            pos += 1
            _, pos = leb(payload, pos)
    return functions


def body_sizes(payload):
    count, pos = leb(payload, 0)
    sizes = []
    for _ in range(count):
        size, start = leb(payload, pos)
        sizes.append(size + (start - pos))
        pos = start + size
    return sizes


def function_names(payload):
    names = {}
    pos = 0
    while pos < len(payload):
        kind = payload[pos]
        size, body = leb(payload, pos + 1)
        if kind == 1:
            count, p = leb(payload, body)
            for _ in range(count):
                index, p = leb(payload, p)
                raw, p = name(payload, p)
                names[index] = demangle(raw)
        pos = body + size
    return names


HASH = re.compile(r"::h[0-9a-f]{16}$")
# `core[c5930c85a12de822]::fmt`: the crate's disambiguator.
DISAMBIGUATOR = re.compile(r"\[[0-9a-f]{16}\]")
# An impl for a type parameter, a primitive or a slice (`<T as reactive_graph::traits::With>`,
# `<f64 as core::fmt::Display>`, `<() as tachys::...>`) is the trait's crate's code.
BLANKET = re.compile(r"^<(?:[A-Z]\w*|\(\)|&?(?:mut )?\[?[a-z0-9]+\]?|\[u8\]) as ")
ESCAPES = {"$LT$": "<", "$GT$": ">", "$RF$": "&", "$BP$": "*", "$C$": ",", "$SP$": "@",
           "$LP$": "(", "$RP$": ")", "$u20$": " ", "$u27$": "'", "$u5b$": "[", "$u5d$": "]",
           "$u7b$": "{", "$u7d$": "}", "$u7e$": "~", "$u3b$": ";", "$u2b$": "+",
           "$u22$": '"', "$u21$": "!", "$u3d$": "="}


def demangle(symbol):
    """Rust's legacy mangling (`_ZN` length-prefixed parts `E`) back to a path; other names
    as they are."""
    if not symbol.startswith("_ZN"):
        return symbol
    pos, parts = 3, []
    while pos < len(symbol) and symbol[pos] != "E":
        digits = re.match(r"\d+", symbol[pos:])
        if not digits:
            return symbol
        pos += len(digits.group())
        part = symbol[pos:pos + int(digits.group())]
        pos += int(digits.group())
        if part.startswith("_$"):
            part = part[1:]
        for escape, char in ESCAPES.items():
            part = part.replace(escape, char)
        parts.append(part.replace("..", "::"))
    return "::".join(parts)


def owner(symbol):
    """The crate whose code this is: the first path of the symbol, or of the type in
    `<Type as Trait>::method`."""
    if symbol.startswith("(no name"):
        return symbol
    v0 = re.match(r"_R\w*?C[s]\w*?_(\d+)", symbol)
    if v0:
        start = v0.end()
        return symbol[start:start + int(v0.group(1))]
    symbol = BLANKET.sub("", DISAMBIGUATOR.sub("", symbol))
    symbol = HASH.sub("", symbol).lstrip("<&*").removeprefix("mut ").removeprefix("dyn ")
    symbol = symbol.lstrip("(<&")
    head = re.split(r"[^A-Za-z0-9_]", symbol, maxsplit=1)[0]
    return head or "?"


def module(symbol):
    if symbol.startswith(("_R", "(no name")):
        return owner(symbol)
    symbol = BLANKET.sub("", DISAMBIGUATOR.sub("", symbol))
    symbol = HASH.sub("", symbol).lstrip("<&*")
    parts = re.split(r"::|[^A-Za-z0-9_:]", symbol)
    parts = [p for p in parts if p]
    return "::".join(parts[:2]) if len(parts) >= 2 else (parts[0] if parts else "?")


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    data = open(path, "rb").read()
    imports = 0
    sizes, names, other = [], {}, defaultdict(int)
    for sid, payload in sections(data):
        if sid == 2:
            imports = imported_functions(payload)
        elif sid == 10:
            sizes = body_sizes(payload)
        elif sid == 0:
            section, _ = name(payload, 0)
            if section == "name":
                names = function_names(payload[len(section) + 1:])
            other["custom: " + section] += len(payload)
        else:
            other[{1: "type", 3: "function", 4: "table", 5: "memory", 6: "global",
                   7: "export", 8: "start", 9: "element", 11: "data",
                   12: "datacount"}.get(sid, str(sid))] += len(payload)
    if not names:
        sys.exit(f"{path} has no name section: measure a build that keeps names")
    # wasm-opt's own helpers (outlined and merged code) have no name.
    functions = [(size, names.get(imports + i, "(no name: made by wasm-opt)"))
                 for i, size in enumerate(sizes)]
    code = sum(size for size, _ in functions)
    total = len(data) - other.get("custom: name", 0)
    print(f"{path}: {total:,} bytes without the name section; code {code:,} bytes in "
          f"{len(functions):,} functions; data {other.get('data', 0):,} bytes\n")

    def table(title, groups, limit):
        print(f"| {title} | bytes | share of code | functions |")
        print("| --- | ---: | ---: | ---: |")
        ordered = sorted(groups.items(), key=lambda kv: -kv[1][0])
        for key, (size, count) in ordered[:limit]:
            print(f"| `{key}` | {size:,} | {100 * size / code:.1f}% | {count:,} |")
        print()

    def group(key):
        groups = defaultdict(lambda: [0, 0])
        for size, symbol in functions:
            g = groups[key(symbol)]
            g[0] += size
            g[1] += 1
        return groups

    table("crate", group(owner), top)
    table("module", group(module), top)
    serde = group(lambda s: "mentions serde" if "serde" in s else "no serde in the name")
    table("serde", serde, 2)
    print(f"| top {top} functions | bytes |")
    print("| --- | ---: |")
    for size, symbol in sorted(functions, reverse=True)[:top]:
        shown = HASH.sub("", symbol).replace("|", "\\|")
        if len(shown) > 140:
            shown = shown[:137] + "..."
        print(f"| `{shown}` | {size:,} |")


if __name__ == "__main__":
    main()
