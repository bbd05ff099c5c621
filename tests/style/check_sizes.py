#!/usr/bin/env python3
"""Checks the size rules of the product code: no file over 500 lines, no
function over 80 lines.

    check_sizes.py ROOT [FOLDER...]

reads every .cpp and .h file below ROOT/FOLDER (by default ROOT/compiler and
ROOT/runtime) and prints one line per file or function over its limit,

    FILE:LINE: error: file is N lines (limit 500)
    FILE:LINE: error: function NAME is N lines (limit 80)

exiting 1 if it printed any, 0 if none.

A function's length is the lines from the line of its body's opening brace to
the line of its closing brace, both counted. It finds definitions without
parsing C++, a heuristic that is good enough for this tree:

1. Comments, string literals (raw strings too), character literals and
   preprocessor lines become blanks, newlines kept, so braces inside them do
   not count (a `'` between digits is a digit separator, not a literal).
2. Braces are matched. The text before an opening brace, back to the last `;`,
   `{` or `}`, is its header. At file level, and directly inside a namespace,
   `extern "C"`, class, struct or union, an opening brace starts
   - a scope to look inside, when its header starts with `namespace`,
     `extern`, `class`, `struct` or `union` (after any `template <...>`);
   - a function, when its header holds a parenthesis and no `=` outside
     parentheses (so not an initialised variable); a constructor's braced
     member initialisers (`: a{1}, b{2} {`) are joined to its body;
   - anything else (an enum, a braced initialiser) is skipped whole.
3. Everything inside a function (blocks, lambdas, local classes) counts toward
   that function; a function's NAME is the (qualified) name before the first
   parenthesis of its header.

Lambdas assigned at namespace level (`auto f = [] {...};`) are initialisers,
and macros that define functions are not seen; neither is used in product code.
"""
import os
import re
import sys

FILE_LIMIT = 500
FUNCTION_LIMIT = 80
SOURCE_ENDINGS = (".cpp", ".h")


def blank(text):
    """`text` with comments, literals and preprocessor lines made spaces."""
    out = list(text)
    n = len(text)
    i = 0
    line_start = True

    def clear(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if line_start and c in " \t":
            i += 1
            continue
        if line_start and c == "#":  # a directive, with its continuations
            j = i
            while j < n and not (text[j] == "\n" and text[j - 1] != "\\"):
                j += 1
            clear(i, j)
            i = j
            continue
        line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            clear(i, j)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            clear(i, j)
            i = j
        elif c == '"':
            raw = RAW_PREFIX.search(text[max(0, i - 4) : i])
            if raw:  # R"delim( ... )delim"
                delim = re.match(r'"([^(\s]*)\(', text[i:])
                close = ")" + (delim.group(1) if delim else "") + '"'
                end = text.find(close, i + 1)
                j = n if end < 0 else end + len(close)
            else:
                j = i + 1
                while j < n and text[j] != '"' and text[j] != "\n":
                    j += 2 if text[j] == "\\" else 1
                j += 1
            clear(i + 1, min(j, n) - 1)
            i = j
        elif c == "'":
            token = re.search(r"[\w.']*$", text[:i]).group(0)
            if token[:1].isdigit():  # a digit separator: 1'000
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != "'" and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            clear(i + 1, min(j, n))
            i = j + 1
        else:
            i += 1
    return "".join(out)


# The encoding prefix and R of a raw string, not the end of a longer name.
RAW_PREFIX = re.compile(r"(?<!\w)(?:u8|u|U|L)?R$")
SCOPE_HEADER = re.compile(
    r"^(?:template\s*<.*>\s*)?(?:namespace|extern|class|struct|union)\b", re.S
)
# After a braced member initialiser: another one, or the body.
INITIALISER_GOES_ON = re.compile(r"\s*[,{]")
# A (qualified) name at the end of a header's text before its parenthesis.
FUNCTION_NAME = re.compile(
    r"((?:[A-Za-z_]\w*\s*::\s*)*~?(?:operator\s*[^\s(]+|[A-Za-z_]\w*))\s*$"
)


def outside_parens(header):
    """`header` with whatever stands inside parentheses dropped."""
    depth, kept = 0, []
    for c in header:
        if c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            kept.append(c)
    return "".join(kept)


def is_function_header(header):
    if "(" not in header:
        return False
    flat = outside_parens(header)
    flat = re.sub(r"operator\s*[^\s\w(]*", "", flat)  # operator=, operator<=...
    # `=` that is an initialiser, not part of ==, <=, >= or !=.
    return re.search(r"(?<![=!<>])=(?!=)", flat) is None


def function_name(header):
    before = header[: header.find("(")]
    if re.search(r"operator\s*$", before):  # operator()(...)
        before = header[: header.find("(", header.find("(") + 1)]
    m = FUNCTION_NAME.search(before)
    return re.sub(r"\s+", "", m.group(1)) if m else "?"


def functions(code):
    """(name, header line, body first line, body last line) per definition."""
    found = []
    line_of = []
    line = 1
    for c in code:
        line_of.append(line)
        if c == "\n":
            line += 1

    def match(i):
        """Index of the brace closing the one at `i`."""
        depth = 0
        for j in range(i, len(code)):
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
                if depth == 0:
                    return j
        return len(code) - 1

    def scan(start, stop):
        header_start = start
        i = start
        while i < stop:
            c = code[i]
            if c in ";}":
                header_start = i + 1
            elif c == "{":
                header = code[header_start:i].strip()
                header = re.sub(r"^(?:public|private|protected)\s*:", "", header).strip()
                close = match(i)
                if SCOPE_HEADER.match(header):
                    scan(i + 1, close)
                elif is_function_header(header):
                    body_open = i
                    # Braced member initialisers, `: a{1}, b{2} {`: the body is the last group.
                    while INITIALISER_GOES_ON.match(code, close + 1):
                        body_open = code.find("{", close + 1)
                        close = match(body_open)
                    name_pos = header_start + code[header_start:i].find(header)
                    name = function_name(header)
                    found.append((name, line_of[name_pos], line_of[body_open], line_of[close]))
                i = close
                header_start = close + 1
            i += 1

    scan(0, len(code))
    return found


def check(root, folders):
    problems = []
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(SOURCE_ENDINGS):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
                if lines > FILE_LIMIT:
                    problems.append(f"{path}:1: error: file is {lines} lines (limit {FILE_LIMIT})")
                for fname, at, first, last in functions(blank(text)):
                    length = last - first + 1
                    if length > FUNCTION_LIMIT:
                        problems.append(
                            f"{path}:{at}: error: function {fname} is {length} lines"
                            f" (limit {FUNCTION_LIMIT})"
                        )
    return problems


def main(argv):
    if len(argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    root = argv[1]
    folders = argv[2:] or ["compiler", "runtime"]
    problems = check(root, folders)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
