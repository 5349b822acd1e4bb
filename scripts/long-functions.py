#!/usr/bin/env python3
"""Lists Swift functions (func, init, subscript) longer than a limit, longest first.

    scripts/long-functions.py [--limit 80] [--top N] [PATH ...]    # default: Sources/

A function's length is the lines from its declaration to its closing brace, its doc comment
left out. The scanner matches braces outside comments and string literals (plain, multi-line
and raw), which is enough for this codebase's Swift; it is a review aid, not a parser. Exits 0
whatever it finds.
"""

import argparse
import os
import re
import sys

DECLARATION = re.compile(
    r"^\s*(?:@[\w.]+(?:\([^)]*\))?\s+)*"
    r"(?:(?:public|package|internal|private|fileprivate|open|static|class|final|override|mutating|"
    r"nonmutating|convenience|required|nonisolated(?:\(nonsending\))?|dynamic|indirect)\s+)*"
    r"(?:func\s+(?P<func>[^\s(<]+)|(?P<init>init)[?!]?\s*[(<]|(?P<subscript>subscript)\s*[(<])"
)
TYPE = re.compile(r"^\s*(?:[\w@()]+\s+)*(?:struct|class|enum|extension|actor|protocol)\s+([\w.]+)")


def code_only(text):
    """`text` with comments and string literals blanked (newlines kept), so braces are code."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"' or (c == "#" and re.match(r'#+"', text[i:])):
            hashes = len(re.match(r"#*", text[i:]).group(0))
            start = i + hashes
            delimiter = '"""' if text.startswith('"""', start) else '"'
            end_mark = delimiter + "#" * hashes
            j = start + len(delimiter)
            while j < n:
                if hashes == 0 and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(end_mark, j):
                    j += len(end_mark)
                    break
                j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    code = code_only(text)
    lines = code.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    owner = ""
    for number, line in enumerate(lines):
        kind = TYPE.match(line)
        if kind and not line.startswith(" "):
            owner = kind.group(1)
        match = DECLARATION.match(line)
        if not match:
            continue
        name = match.group("func") or match.group("init") or match.group("subscript")
        # The body opens at the first brace after the signature; a requirement has none before
        # the next declaration or the end of its line group.
        position = offsets[number] + match.end()
        depth_paren = 1 if line[match.end() - 1] == "(" else 0
        while position < len(code):
            ch = code[position]
            if ch in "([":
                depth_paren += 1
            elif ch in ")]":
                depth_paren -= 1
            elif ch == "{" and depth_paren == 0:
                break
            elif ch == "\n" and depth_paren == 0 and DECLARATION.match(code[position + 1 :].split("\n", 1)[0]):
                position = -1
                break
            position += 1
        if position < 0 or position >= len(code):
            continue
        depth = 0
        end = position
        while end < len(code):
            if code[end] == "{":
                depth += 1
            elif code[end] == "}":
                depth -= 1
                if depth == 0:
                    break
            end += 1
        last = code.count("\n", 0, end)
        yield (last - number + 1, f"{owner}.{name}" if owner else name, number + 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=80)
    parser.add_argument("--top", type=int, default=0, help="list the N longest whatever the limit")
    parser.add_argument("paths", nargs="*", default=["Sources"])
    args = parser.parse_args()
    found = []
    for root in args.paths:
        walk = [(root, [], [root])] if root.endswith(".swift") else os.walk(root)
        for folder, _, files in walk:
            for name in files:
                if name.endswith(".swift"):
                    path = name if folder == name else os.path.join(folder, name)
                    found += [(length, function, path, line) for length, function, line in functions(path)]
    found.sort(key=lambda item: -item[0])
    shown = found[: args.top] if args.top else [item for item in found if item[0] > args.limit]
    for length, function, path, line in shown:
        print(f"{length:5d}  {function}  {path}:{line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
