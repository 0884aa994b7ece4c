#!/usr/bin/env python3
"""Lists C++ function bodies longer than a limit (default 80 lines).

    scripts/long-functions.py [--max N] DIR...

A function body is a top-level brace block (outside namespace/class/struct/
enum bodies and initialiser lists) whose opening line looks like a
function header. Comments and string literals are skipped. Exit 1 when
any body is longer than the limit. Crude on purpose: it reads our style,
not all of C++.
"""
import argparse
import pathlib
import re
import sys

CONTAINER = re.compile(r'\b(namespace|class|struct|enum|union)\b[^;()]*$')


def strip(text):
    """Blanks comments, strings and character literals, keeping newlines."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i)); i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(''.join('\n' if ch == '\n' else ' ' for ch in text[i:j])); i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(')' + (m.group(1) if m else '') + '"', i)
            j = n if end < 0 else end + len(m.group(1) if m else '') + 2
            out.append(''.join('\n' if ch == '\n' else ' ' for ch in text[i:j])); i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(c + ' ' * (min(j, n) - i - 1) + c); i = j + 1
        else:
            out.append(c); i += 1
    return ''.join(out)


def functions(path):
    text = strip(path.read_text(errors='replace'))
    stack = []  # (kind, start line)
    line = 1
    header = ''
    for ch in text:
        if ch == '\n':
            line += 1
        if ch == '{':
            inside_function = any(entry[0] == 'function' for entry in stack)
            h = header.strip()
            if inside_function:
                kind = 'block'
            elif CONTAINER.search(h) or h.endswith('=') or h.endswith(',') or h == '':
                kind = 'scope'
            elif h.endswith(')') or re.search(r'\)\s*(const|override|noexcept|final|->\s*[\w:<>&*\s]+)*\s*$', h) or \
                    re.search(r'\)\s*:\s*[\w:]+[({]', h):
                kind = 'function'
            else:
                kind = 'scope'
            stack.append((kind, line, h[-80:]))
            header = ''
        elif ch == '}':
            if stack:
                kind, start, h = stack.pop()
                if kind == 'function':
                    yield start, line, h
            header = ''
        elif ch == ';':
            header = ''
        else:
            header += ch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--max', type=int, default=80)
    ap.add_argument('dirs', nargs='+')
    a = ap.parse_args()
    bad = 0
    for d in a.dirs:
        for p in sorted(pathlib.Path(d).rglob('*.cpp')):
            for start, end, h in functions(p):
                if end - start + 1 > a.max:
                    bad += 1
                    print(f'{p}:{start}: {end - start + 1} lines: {" ".join(h.split())[-70:]}')
    print(f'{bad} function(s) over {a.max} lines')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
