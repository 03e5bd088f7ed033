"""A selfheal fix strategy written in Python: the abstract base classes that moved.

Python 3.10 removed the aliases `collections.Mapping`, `collections.Iterable`, ... that had
pointed at `collections.abc` since 3.3. Code generated from older examples still uses them and
fails with

    AttributeError: module 'collections' has no attribute 'Iterable'
    ImportError: cannot import name 'Mapping' from 'collections' (...)

This plugin rewrites such uses to `collections.abc`. Built into a WebAssembly component with
componentize-py (see build.sh); selfheal loads it with `--plugins DIR`.
"""

import io
import re
import tokenize
from typing import Iterator, List, Optional, Tuple

import wit_world
from wit_world.imports.types import (
    CodeError,
    Edit,
    Fix,
    Language,
    PluginInfo,
    Program,
    SourceFile,
)

# Every name `collections.abc` exports (Python 3.11). Importing any of them from `collections`
# fails on 3.10 and later.
ABC_NAMES = frozenset(
    """
    AsyncGenerator AsyncIterable AsyncIterator Awaitable ByteString Callable Collection
    Container Coroutine Generator Hashable ItemsView Iterable Iterator KeysView Mapping
    MappingView MutableMapping MutableSequence MutableSet Reversible Sequence Set Sized
    ValuesView
    """.split()
)

ATTRIBUTE_ERROR = re.compile(r"module 'collections' has no attribute '(\w+)'")
IMPORT_ERROR = re.compile(r"cannot import name '(\w+)' from 'collections'")
PLAIN_IMPORT = re.compile(r"^([ \t]*)import collections[ \t]*(#.*)?$", re.MULTILINE)
FROM_IMPORT = re.compile(r"^([ \t]*)from collections import ([^\n#]+?)[ \t]*(#.*)?$", re.MULTILINE)


class WitWorld(wit_world.WitWorld):
    def info(self) -> PluginInfo:
        return PluginInfo(
            name="python-abc-moves",
            version="1.0.0",
            description="Rewrites collections.Mapping & co. (removed in Python 3.10) to collections.abc",
            languages=[Language.PYTHON],
        )

    def suggest(self, error: CodeError, program: Program) -> List[Fix]:
        if error.location is None:
            return []
        source = find_file(program, error.location.file)
        if source is None or source.protected:
            return []
        attribute = ATTRIBUTE_ERROR.search(error.message)
        if attribute and attribute.group(1) in ABC_NAMES:
            return qualified_uses_fix(source)
        imported = IMPORT_ERROR.search(error.message)
        if imported and imported.group(1) in ABC_NAMES:
            return from_import_fix(source, error.location.line)
        return []


def find_file(program: Program, path: str) -> Optional[SourceFile]:
    for source in program.files:
        if source.path == path:
            return source
    return None


def byte_offset(text: str, index: int) -> int:
    """Edits index UTF-8 bytes; Python indexes code points."""
    return len(text[:index].encode("utf-8"))


def edit(source: SourceFile, start: int, end: int, replacement: str) -> Edit:
    text = source.contents
    return Edit(
        file=source.path,
        byte_start=byte_offset(text, start),
        byte_end=byte_offset(text, end),
        replacement=replacement,
    )


def qualified_uses_fix(source: SourceFile) -> List[Fix]:
    """`collections.Iterable` → `collections.abc.Iterable` everywhere in the file, and
    `import collections` → `import collections.abc` (a plain `import collections` does not load
    the `abc` submodule)."""
    text = source.contents
    uses = list(qualified_uses(text))
    if not uses:
        return []
    edits = [edit(source, start, end, f"collections.abc.{name}") for start, end, name in uses]
    if not re.search(r"^[ \t]*import collections\.abc\b", text, re.MULTILINE):
        plain = PLAIN_IMPORT.search(text)
        if plain:
            start = plain.start() + len(plain.group(1))
            edits.append(edit(source, start, start + len("import collections"), "import collections.abc"))
    names = sorted({name for _, _, name in uses})
    return [
        Fix(
            description="use " + ", ".join(f"collections.abc.{n}" for n in names) + " (moved in Python 3.10)",
            confidence=0.92,
            edits=sorted(edits, key=lambda e: e.byte_start),
        )
    ]


def qualified_uses(text: str) -> Iterator[Tuple[int, int, str]]:
    """(start, end, name) of each `collections.Name` in code, by tokens: uses inside strings and
    comments, and attributes such as `x.collections.Name`, are left alone."""
    line_starts = [0]
    for line in text.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def index(position: Tuple[int, int]) -> int:
        row, column = position
        return line_starts[row - 1] + column

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    for i in range(len(tokens) - 2):
        first, dot, name = tokens[i : i + 3]
        if (
            first.type == tokenize.NAME
            and first.string == "collections"
            and dot.string == "."
            and name.type == tokenize.NAME
            and name.string in ABC_NAMES
            and not (i > 0 and tokens[i - 1].string == ".")
        ):
            yield index(first.start), index(name.end), name.string


def from_import_fix(source: SourceFile, line: int) -> List[Fix]:
    """`from collections import Mapping, OrderedDict` on the error's line → the abstract base
    classes from `collections.abc`, the rest still from `collections`."""
    text = source.contents
    for statement in FROM_IMPORT.finditer(text):
        if text.count("\n", 0, statement.start()) + 1 != line:
            continue
        indent, names_text, comment = statement.group(1), statement.group(2), statement.group(3)
        if "(" in names_text or "\\" in names_text:
            return []  # multi-line imports: left to the other strategies
        names = [n.strip() for n in names_text.split(",") if n.strip()]
        moved = [n for n in names if n.split(" as ")[0].strip() in ABC_NAMES]
        kept = [n for n in names if n not in moved]
        if not moved:
            return []
        lines = []
        if kept:
            lines.append(f"{indent}from collections import {', '.join(kept)}")
        lines.append(f"{indent}from collections.abc import {', '.join(moved)}")
        if comment:
            lines[-1] += f"  {comment}"
        return [
            Fix(
                description=f"import {', '.join(moved)} from collections.abc (moved in Python 3.10)",
                confidence=0.95,
                edits=[edit(source, statement.start(), statement.end(), "\n".join(lines))],
            )
        ]
    return []
