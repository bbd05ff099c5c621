#!/usr/bin/env python3
"""Keeps docs/errors.md, the catalogue of every message lgc prints, true.

    check_errors.py run      --lgc LGC [--catalogue docs/errors.md] [--only ID]... [--update]
                             [--jobs N]
    check_errors.py complete [--catalogue docs/errors.md] [--source-dir DIR] [--verbose]

`run` reads every entry of the catalogue, writes the entry's input files into
a fresh temporary directory, runs its `$ ` command lines there in order (with
`lgc` on PATH and `tests/` linked in, so `python3 tests/golden/Inputs/make_npy.py`
works) and checks that each prints exactly the lines shown under it (stdout
and stderr together) and exits with the entry's exit status if it runs lgc, 0
if it only prepares an input. `--update` rewrites those lines from what the
commands print now (read the result critically before committing it).

`complete` finds every error site in the source (compiler/, runtime/,
tools/lgc/): each call that makes a message (`Error::at`, `Error::inFile`,
`Error::internal`, `failAt`, `fail`, `layerError`, `note`, `usageError`,
`warnings.push_back`, `throw std::logic_error(...)`, `std::cerr << ...`), and
each `return "..."` of the helper functions in MESSAGE_FUNCTIONS below. From the
message argument it builds templates: the string literals in order, with a hole
for everything computed (`a ? "x" : "y"` gives two templates; a message built
in a variable, `std::string m = "..."; m += "..."; fail(m)`, is followed back
to its statements). A template is covered when some message in the catalogue
(a line a `console` block shows, or a line of a `text` block of an entry that
cannot be run) contains its literal pieces in order. Pieces without a letter or
digit (`": "`, `"'"`) are ignored, so how a message is split into literals
does not matter, only its words. Sites whose message is only forwarded from
elsewhere (`fail(what)` inside a helper) have no words of their own and are
skipped. Every uncovered template is an error: add a catalogue entry.

python3 standard library only.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

# ----------------------------------------------------------------------------
# The catalogue
# ----------------------------------------------------------------------------


class Step:
    """One `$ ` line of a console block and the lines shown under it."""

    def __init__(self, command, expected, span):
        self.command = command
        self.expected = expected  # the lines up to the next `$ ` line
        self.span = span          # (first, end) indexes of those lines in the file


class Entry:
    """One `### ` section of docs/errors.md."""

    def __init__(self, ident, line):
        self.ident = ident
        self.line = line          # 1-based line of the heading
        self.status = None        # the exit status of its lgc commands
        self.untestable = None    # why it cannot be run, or None
        self.files = []           # (name, text) written before the commands run
        self.steps = []           # Steps of its console blocks
        self.templates = []       # lines of its `text` blocks

    def messages(self):
        """All the text the entry shows lgc printing."""
        return "\n".join([line for step in self.steps for line in step.expected] +
                         self.templates)


FENCE = re.compile(r"^```(\S*)\s*(\S*)\s*$")
STATUS = re.compile(r"^- \*\*exit status:\*\* (\d+)")
UNTESTABLE = re.compile(r"^- \*\*cannot be run:\*\* (.+)")
FILE_LANGS = {"yaml", "text"}
# A command that runs lgc (rather than preparing its input).
RUNS_LGC = re.compile(r"(?:^|[\s;&|(])lgc(?:\s|$)")


def parse_catalogue(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    entries, entry, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("### "):
            entry = Entry(line[4:].strip().strip("`"), i + 1)
            entries.append(entry)
        elif line.startswith("## ") or line.startswith("# "):
            entry = None
        elif entry is not None and STATUS.match(line):
            entry.status = int(STATUS.match(line).group(1))
        elif entry is not None and UNTESTABLE.match(line):
            entry.untestable = UNTESTABLE.match(line).group(1)
        elif FENCE.match(line) and FENCE.match(line).group(1):
            lang, name = FENCE.match(line).groups()
            j = i + 1
            while j < len(lines) and lines[j] != "```":
                j += 1
            body = lines[i + 1:j]
            if entry is None:
                pass
            elif lang in FILE_LANGS and name:
                entry.files.append((name, "\n".join(body) + "\n"))
            elif lang == "console":
                starts = [k for k, b in enumerate(body) if b.startswith("$ ")]
                for n, k in enumerate(starts):
                    stop = starts[n + 1] if n + 1 < len(starts) else len(body)
                    entry.steps.append(Step(body[k][2:], body[k + 1:stop],
                                            (i + 1 + k + 1, i + 1 + stop)))
            elif lang == "text":
                entry.templates.extend(body)
            i = j
        i += 1
    return entries, lines


def check_entry_form(entry):
    """Problems with how an entry is written (before running anything)."""
    problems = []
    if entry.status is None:
        problems.append("no '- **exit status:** N' line")
    if entry.untestable is None and not any(RUNS_LGC.search(s.command) for s in entry.steps):
        problems.append("no console block with '$ lgc ...' (or a '- **cannot be run:**' line)")
    if entry.untestable is not None and not entry.templates:
        problems.append("cannot be run, so it needs a text block with the message template")
    return problems


def run_entry(entry, lgc, source_dir):
    """Runs the entry's commands in a fresh directory; returns [(status, lines)]."""
    results = []
    with tempfile.TemporaryDirectory(prefix="lgc-errors-") as tmp:
        os.symlink(os.path.join(source_dir, "tests"), os.path.join(tmp, "tests"))
        for name, text in entry.files:
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
        bindir = tempfile.mkdtemp(prefix="lgc-errors-bin-")
        try:
            os.symlink(os.path.abspath(lgc), os.path.join(bindir, "lgc"))
            env = dict(os.environ)
            env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
            env.pop("LGC_FAULT_INJECT", None)
            env["LC_ALL"] = "C"
            for step in entry.steps:
                # stderr into stdout's pipe: what a terminal shows. Commands
                # whose results go to stdout send them to /dev/null.
                done = subprocess.run(["sh", "-c", step.command], cwd=tmp, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      timeout=300)
                results.append((done.returncode,
                                done.stdout.decode("utf-8", errors="replace").splitlines()))
        finally:
            shutil.rmtree(bindir, ignore_errors=True)
    return results


def command_run(args):
    entries, lines = parse_catalogue(args.catalogue)
    failures, seen, updates, runnable = 0, set(), [], []
    for entry in entries:
        where = "%s:%d: entry '%s'" % (args.catalogue, entry.line, entry.ident)
        if entry.ident in seen:
            print("%s: duplicate entry name" % where)
            failures += 1
        seen.add(entry.ident)
        for problem in check_entry_form(entry):
            print("%s: %s" % (where, problem))
            failures += 1
        if entry.untestable is None and entry.steps and (not args.only
                                                         or entry.ident in args.only):
            runnable.append(entry)
    unknown = set(args.only) - seen
    if unknown:
        print("no entries named: " + ", ".join(sorted(unknown)))
        failures += 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        all_results = list(pool.map(lambda e: run_entry(e, args.lgc, args.source_dir), runnable))
    for entry, results in zip(runnable, all_results):
        where = "%s:%d: entry '%s'" % (args.catalogue, entry.line, entry.ident)
        for step, (status, output) in zip(entry.steps, results):
            want = entry.status if RUNS_LGC.search(step.command) else 0
            if args.update:
                updates.append((step.span, output))
            if status == want and (output == step.expected or args.update):
                continue
            failures += 1
            print("%s: FAILED: $ %s" % (where, step.command))
            print("  expected exit status %s, got %s" % (want, status))
            if output != step.expected:
                print("  expected output:")
                for line in step.expected:
                    print("    | " + line)
                print("  actual output:")
                for line in output:
                    print("    | " + line)
    if args.update:
        for (first, end), output in sorted(updates, reverse=True):
            lines[first:end] = output
        with open(args.catalogue, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        print("updated the output of %d commands" % len(updates))
    print("%d catalogue entries, %d run, %d failed" % (len(entries), len(runnable), failures))
    return 1 if failures else 0


# ----------------------------------------------------------------------------
# The source
# ----------------------------------------------------------------------------

SOURCE_DIRS = ["compiler", "runtime", "tools/lgc"]

# Calls whose last argument is a message. Helpers that wrap these (a function
# or lambda whose last parameter is a std::string and that makes an Error,
# such as `layerError` or `auto bad = [&](const std::string &why) {...}`) are
# found by wrapper_names() and added for calls in the file defining them.
MESSAGE_CALLS = ["Error::at", "Error::inFile", "Error::internal", "failAt", "fail", "note",
                 "usageError", "warnings.push_back", "std::logic_error", "std::invalid_argument",
                 "std::runtime_error"]
# A function or lambda definition whose last parameter is a std::string.
WRAPPER = re.compile(r"(?:\b(?:Error|void)\s+(?:\w+::)*(\w+)|\bauto\s+(\w+)\s*=\s*\[[^\]]*\])"
                     r"\s*\(((?:[^()]*,)?\s*(?:const\s+)?std::string\s*&?\s*\w+)\)[^;{()]*\{")
MAKES_ERROR = re.compile(r"\bError::(?:at|inFile|internal)\s*\(|\bfailAt\s*\(")


def site_call(names):
    alternatives = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    return re.compile(r"(?<![\w.>:])(?:\w+\s*(?:\.|->)\s*)?(" + alternatives + r")\s*\(")
# A definition or declaration rather than a call: a type before the name.
DEFINITION = re.compile(r"(?:\b(?:Error|void|bool|int|auto|std::string)\s*[&*]?|\]\])\s*"
                        r"(?:\w+::)*$")
CERR = re.compile(r"std::cerr\s*<<")
# Functions that return message text which callers pass on whole.
MESSAGE_FUNCTIONS = {
    "runtime/Image.cpp": ["bmpTruncation"],
    "tools/lgc/Main.cpp": ["integerIn"],
}

TOKEN = re.compile(r'''
    (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<chr>'(?:[^'\\\n]|\\.)+')
  | (?P<op><<|::|->|[()+?:,;\[\]{}<>=!&|*/%-])
  | (?P<word>[\w.]+)
  | (?P<space>\s+)
''', re.X)


def strip_comments(text):
    """Blanks out // and /* */ comments, keeping strings and line numbers."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def unescape(literal):
    body = literal[1:-1]
    simple = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "0": "\0"}
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(simple.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def tokenize(text):
    tokens = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "space":
            continue
        value = m.group(kind)
        if kind == "str":
            tokens.append(("str", unescape(value)))
        elif kind == "op" and value in ("+", "<<"):
            tokens.append(("plus", value))
        elif kind == "op":
            tokens.append((value, value))
        else:
            tokens.append(("other", value))
    return tokens


HOLE = None


def split_top(tokens, kinds):
    """Indexes of tokens of the given kinds at parenthesis depth 0."""
    depth, found = 0, []
    for i, (kind, _) in enumerate(tokens):
        if kind in ("(", "[", "{"):
            depth += 1
        elif kind in (")", "]", "}"):
            depth -= 1
        elif depth == 0 and kind in kinds:
            found.append(i)
    return found


def templates_of(tokens):
    """The message templates an expression can produce: lists of literals and HOLEs."""
    if not tokens:
        return [[HOLE]]
    questions = split_top(tokens, {"?"})
    if questions:
        q = questions[0]
        nested = 0
        for i in range(q + 1, len(tokens)):
            kind = tokens[i][0]
            if kind == "?":
                nested += 1
            elif kind == ":" and tokens[i - 1][0] != ":" and (i + 1 == len(tokens)
                                                              or tokens[i + 1][0] != ":"):
                if nested == 0 and i in split_top(tokens, {":"}):
                    return templates_of(tokens[q + 1:i]) + templates_of(tokens[i + 1:])
                nested -= 1
        return [[HOLE]]
    plus = split_top(tokens, {"plus"})
    if plus:
        parts, start = [], 0
        for p in plus + [len(tokens)]:
            parts.append(tokens[start:p])
            start = p + 1
        result = [[]]
        for part in parts:
            result = [a + b for a in result for b in templates_of(part)]
        return result
    if all(kind == "str" for kind, _ in tokens):
        return [["".join(value for _, value in tokens)]]
    if tokens[0][0] == "(" and tokens[-1][0] == ")" and split_top(tokens, {"("}) == [0]:
        return templates_of(tokens[1:-1])
    if (len(tokens) >= 3 and tokens[0] == ("other", "std") and tokens[1][0] == "::"
            and tokens[2][1] == "string" and len(tokens) > 3 and tokens[3][0] == "("
            and tokens[-1][0] == ")"):
        return templates_of(tokens[4:-1])
    return [[HOLE]]


def words_of(template):
    """The literal pieces that carry words (a letter or digit), line by line."""
    return [line for p in template if p is not HOLE for line in p.split("\n")
            if re.search(r"[A-Za-z0-9]", line)]


def matching_paren(text, open_index):
    depth, i = 0, open_index
    while i < len(text):
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def split_args(text):
    """The source text of each top-level comma-separated argument."""
    args, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            args.append(text[start:i])
            start = i + 1
        i += 1
    args.append(text[start:])
    return args


def function_start(text, pos):
    """Where the function around `pos` begins: after the last top-level '}'."""
    m = None
    for m in re.finditer(r"^\}.*$", text[:pos], re.M):
        pass
    return m.end() if m else 0


def statement_end(text, start):
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == ";" and depth <= 0:
            return i
        i += 1
    return len(text)


def resolve_variable(text, pos, name):
    """Templates of a message built in variable `name` before `pos`."""
    body_start = function_start(text, pos)
    body = text[body_start:pos]
    decl = None
    for m in re.finditer(r"(?:std::string|std::ostringstream)\s+" + re.escape(name) +
                         r"\b\s*(=|;|\{|\()", body):
        decl = m
    if decl is None:
        return None  # a parameter: forwarded from the caller
    found = []
    if decl.group(1) == "=":
        end = statement_end(body, decl.end())
        found.append(templates_of(tokenize(body[decl.end():end])))
    for m in re.finditer(r"(?<![\w.])" + re.escape(name) + r"\s*(\+=|<<)", body[decl.end():]):
        start = decl.end() + m.end()
        end = statement_end(body, start)
        found.append([[HOLE] + t + [HOLE] for t in templates_of(tokenize(body[start:end]))])
    # The whole variable: the declaration's text, then whatever is appended.
    result = [t + [HOLE] for t in (found[0] if decl.group(1) == "=" else [[HOLE]])]
    for extra in found[1:] if decl.group(1) == "=" else found:
        result.extend(extra)
    return result


VARIABLE = re.compile(r"^(?:std::move\(\s*(\w+)\s*\)|(\w+)(?:\.str\(\))?)$")


class Site:
    def __init__(self, path, line, kind, text, templates):
        self.path, self.line, self.kind, self.text, self.templates = (
            path, line, kind, text, templates)


def block_end(text, open_brace):
    """The index of the '}' closing the '{' at `open_brace`."""
    depth, i = 0, open_brace
    while i < len(text):
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text)


def wrapper_names(text):
    """Functions and lambdas in `text` that make an Error from their last argument."""
    names = set()
    for m in WRAPPER.finditer(text):
        body = text[m.end():block_end(text, m.end() - 1)]
        if MAKES_ERROR.search(body):
            names.add(m.group(1) or m.group(2))
    return names


def sites_in_file(text, rel, call):
    sites = []

    def add(pos, kind, arg_text):
        line = text.count("\n", 0, pos) + 1
        tokens = tokenize(arg_text)
        templates = templates_of(tokens)
        plus = split_top(tokens, {"plus"})
        # Variables in the message: `message`, `std::move(message)`,
        # `range.str() + ", got " + ...`.
        pieces = []
        start = 0
        for p in plus + [len(tokens)]:
            pieces.append(tokens[start:p])
            start = p + 1
        resolved = []
        for piece in pieces:
            src = "".join(v for _, v in piece)
            m = VARIABLE.match(src)
            if m and piece and all(k in ("other", "(", ")") for k, _ in piece):
                more = resolve_variable(text, pos, m.group(1) or m.group(2))
                if more:
                    resolved.extend(more)
        templates = [t for t in templates + resolved if words_of(t)]
        sites.append(Site(rel, line, kind, " ".join(arg_text.split()), templates))

    for m in call.finditer(text):
        if DEFINITION.search(text[max(0, m.start() - 80):m.start()]):
            continue
        open_index = m.end() - 1
        close = matching_paren(text, open_index)
        if close < 0:
            continue
        add(m.start(), m.group(1), split_args(text[open_index + 1:close])[-1])

    for m in CERR.finditer(text):
        end = statement_end(text, m.end())
        add(m.start(), "std::cerr", text[m.end():end])

    for name in MESSAGE_FUNCTIONS.get(rel, []):
        d = re.search(r"\b" + re.escape(name) + r"\s*\([^;{]*\)\s*\{", text)
        if not d:
            continue
        i = block_end(text, d.end() - 1)
        for r in re.finditer(r"\breturn\b", text[d.end():i]):
            start = d.end() + r.end()
            end = statement_end(text, start)
            add(d.end() + r.start(), "return in " + name, text[start:end])
    return sites


def find_sites(source_dir):
    files = []
    for top in SOURCE_DIRS:
        for root, dirs, names in os.walk(os.path.join(source_dir, top)):
            dirs.sort()
            for name in sorted(names):
                if name.endswith((".cpp", ".h")):
                    path = os.path.join(root, name)
                    with open(path, encoding="utf-8", errors="replace") as f:
                        files.append((os.path.relpath(path, source_dir), strip_comments(f.read())))
    sites = []
    for rel, text in files:
        sites.extend(sites_in_file(text, rel, site_call(MESSAGE_CALLS + sorted(wrapper_names(text)))))
    return sites


def template_regex(template):
    return re.compile(".*?".join(re.escape(w) for w in words_of(template)), re.S)


def show_template(template):
    return "".join("…" if p is HOLE else p for p in template)


def command_complete(args):
    entries, _ = parse_catalogue(args.catalogue)
    texts = [(entry, entry.messages()) for entry in entries]
    sites = find_sites(args.source_dir)
    missing, counted, forwarded = 0, 0, 0
    covered_entries = set()
    for site in sites:
        if not site.templates:
            forwarded += 1
            if args.verbose:
                print("%s:%d: %s(%s): forwards a message, skipped"
                      % (site.path, site.line, site.kind, site.text))
            continue
        counted += 1
        for template in site.templates:
            regex = template_regex(template)
            hits = [entry for entry, text in texts if regex.search(text)]
            covered_entries.update(e.ident for e in hits)
            if not hits:
                missing += 1
                print("%s:%d: error: no catalogue entry prints \"%s\" (from %s(%s))"
                      % (site.path, site.line, show_template(template), site.kind, site.text))
            elif args.verbose:
                print("%s:%d: \"%s\" covered by %s" % (site.path, site.line,
                                                     show_template(template),
                                                     ", ".join(e.ident for e in hits[:3])))
    print("%d error sites in the source (%d with text of their own, %d forwarding), "
          "%d catalogue entries, %d uncovered message templates"
          % (len(sites), counted, forwarded, len(entries), missing))
    if missing:
        print("add an entry for each to %s (its top says how)" % args.catalogue)
    return 1 if missing else 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_source = os.path.dirname(os.path.dirname(here))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run every catalogue entry through lgc")
    run.add_argument("--lgc", required=True)
    run.add_argument("--only", action="append", default=[])
    run.add_argument("--update", action="store_true")
    run.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    complete = sub.add_parser("complete", help="check every error site has an entry")
    complete.add_argument("--verbose", action="store_true")
    for p in (run, complete):
        p.add_argument("--source-dir", default=default_source)
        p.add_argument("--catalogue", default=None)
    args = parser.parse_args()
    if args.catalogue is None:
        args.catalogue = os.path.join(args.source_dir, "docs", "errors.md")
    return command_run(args) if args.command == "run" else command_complete(args)


if __name__ == "__main__":
    sys.exit(main())
