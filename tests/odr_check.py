#!/usr/bin/env python3
"""Two classes with one fully qualified name break the One Definition Rule silently: the linker
keeps one instantiation of, say, std::vector<vpngw::EndpointRoute>::push_back and the other type's
callers write past their buffers (this shipped once and ASan caught it in CI only). The compiler
cannot see it across translation units, so this check reads the tree: every class, struct and enum
defined at namespace scope outside an anonymous namespace, keyed by its namespace path, must be
defined in exactly one file. Prints each clash with its files; exits 1 when there is one."""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
ROOMS = ["apps", "clientvpn", "common", "dataplane", "gateway", "lab", "measure", "nat", "proto",
         "router", "runtime", "s2s", "tun", "tests", "bench", "fuzz"]

NAMESPACE = re.compile(r"^\s*namespace\s*([A-Za-z_][\w:]*)?\s*\{")
TYPE = re.compile(r"^(?:struct|class|enum class|enum struct|enum)\s+(?:\[\[[^\]]*\]\]\s*)?"
                  r"([A-Z]\w*)(?:\s+final)?\s*(?:\{|:(?!:))")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def definitions(path):
    """Yields (qualified name, line) for namespace-scope types; tracks braces per line."""
    stack = []  # one entry per open brace: a namespace name, "" for anonymous, None for others
    for number, line in enumerate(strip_comments(path.read_text(errors="replace")).splitlines(), 1):
        ns = NAMESPACE.match(line)
        depth_ok = all(entry is not None for entry in stack)
        if depth_ok and not line.startswith((" ", "\t")):
            t = TYPE.match(line)
            if t and "" not in stack:
                yield "::".join([s for s in stack] + [t.group(1)]), number
        opened = line.count("{")
        closed = line.count("}")
        if ns:
            stack.append(ns.group(1) or "")
            opened -= 1
        for _ in range(opened):
            stack.append(None)
        for _ in range(closed):
            if stack:
                stack.pop()


def main():
    seen = {}
    for room in ROOMS:
        base = ROOT / room
        if not base.is_dir():
            continue
        for path in sorted(list(base.rglob("*.hpp")) + list(base.rglob("*.cpp"))):
            if "corpus" in path.parts:
                continue
            for name, line in definitions(path):
                seen.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{line}")
    clashes = {name: where for name, where in seen.items() if len({w.split(':')[0] for w in where}) > 1}
    for name, where in sorted(clashes.items()):
        print(f"odr: {name} is defined in more than one file: {', '.join(where)}")
    return 1 if clashes else 0


if __name__ == "__main__":
    sys.exit(main())
