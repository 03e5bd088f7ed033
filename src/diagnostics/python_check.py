"""selfheal's static pass for Python programs (stdlib only, Python 3.9+).

Usage: python3 python_check.py FILE...   (run with the program directory as cwd)

The program is never executed and no module it names is imported. For each file this
1. compiles it (parser + symbol table, so `nonlocal`/`return` misuse is caught too) and reports
   SyntaxError / IndentationError / TabError with the exact position;
2. resolves every name the code reads against Python's scoping rules (module, class, function,
   lambda and comprehension scopes, global/nonlocal, builtins) and reports names bound nowhere;
3. checks imports: the top-level module must be a local module (a file or package in the program)
   or findable by importlib.util.find_spec, and `from local import name` must name something the
   local module defines at top level (or a submodule of a local package).

The analysis is deliberately flow-insensitive: a name bound anywhere in a scope counts as bound
everywhere in it, so it never reports code that can work. Whatever it cannot see through
(an unresolvable `import *`, exec/globals() tricks, injected builtins) turns the name check off for
that module rather than guess. Imports guarded by `try: ... except ImportError`, by
`if TYPE_CHECKING:` or by version/platform tests are optional and not reported.

Output: one JSON object per finding on stdout, with the keys kind ("syntax", "indentation", "tab",
"undefined_name", "import_error", "missing_module"), file, line, column (1-based, characters),
end_line, end_column (exclusive; null when unknown), message and name (null when not a name
finding), plus "suggestion" (a close defined name, or null). Exit status: 1 if anything was
found, 0 if not, 2 when a file cannot be read.
"""

import ast
import builtins
import difflib
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings

# The script's own directory is sys.path[0]; it must not make `import python_check` resolvable.
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

BUILTIN_NAMES = set(dir(builtins)) | {
    # Added by `site`, which may be disabled.
    "exit", "quit", "copyright", "credits", "license", "help",
}
# Names every module has at run time.
MODULE_DUNDERS = {
    "__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__", "__builtins__",
    "__cached__", "__annotations__", "__path__", "__dict__",
}
# Names every class body has.
CLASS_DUNDERS = {"__module__", "__qualname__"}
# Exceptions whose handlers make an import optional.
IMPORT_GUARDS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
# Reading any of these can define module names we cannot see statically.
DYNAMIC_NAMES = {"exec", "globals", "__builtins__"}
# Modules that exist only on other platforms or interpreters: code importing them is almost
# always behind a runtime platform test this pass cannot evaluate, so they are never reported.
PLATFORM_MODULES = {
    "nt", "_winapi", "winreg", "_winreg", "msvcrt", "winsound", "_overlapped", "_msi", "msilib",
    "_wmi", "win32api", "win32con", "win32file", "win32process", "pywintypes", "_scproxy",
    "java", "org", "vms_lib", "__main__",
}
MODULE_SUFFIXES = tuple(importlib.machinery.all_suffixes())
FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
COMPREHENSION_NODES = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def exception_names(handler_type):
    """The simple names of the exception classes an `except` clause catches."""
    if handler_type is None:
        return {"BaseException"}
    nodes = handler_type.elts if isinstance(handler_type, ast.Tuple) else [handler_type]
    names = set()
    for node in nodes:
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def is_type_checking(test):
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def is_environment_test(test):
    """`if sys.version_info >= ...`, `if sys.platform == ...`, `if os.name == ...` and the like."""
    for node in ast.walk(test):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("sys", "os", "platform")
        ):
            return True
        if isinstance(node, ast.Name) and node.id in ("PY2", "PY3", "PYPY", "WINDOWS", "IS_WINDOWS"):
            return True
    return False


class Scope:
    def __init__(self, kind, parent):
        self.kind = kind  # "module", "class", "function" or "comprehension"
        self.parent = parent
        self.bindings = set()
        self.globals = set()
        self.uses = []  # (name, node)


class ModuleInfo:
    """What one parsed module defines and reads."""

    def __init__(self, path, tree):
        self.path = path
        self.tree = tree
        self.module = Scope("module", None)
        self.scopes = [self.module]
        self.star_imports = []  # (module, level)
        self.imports = []  # (node, alias_or_None, module, level, guarded)
        self.dynamic = False
        self.uses_sys_modules = False
        self.future_annotations = False
        self.all_names = None  # literal __all__, or None
        self.all_dynamic = False
        self._guard_depth = 0
        self._name_guard_depth = 0
        self._skip_uses = 0
        self._builtins_aliases = set()
        self._collect(tree)

    # ---- collection -------------------------------------------------------------------
    def _collect(self, tree):
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
                if any(a.name == "annotations" for a in stmt.names):
                    self.future_annotations = True
        self._visit_body(tree.body, self.module)
        self._read_all(tree)

    def _read_all(self, tree):
        names = None
        for stmt in tree.body:
            targets = []
            if isinstance(stmt, ast.Assign):
                targets = stmt.targets
            elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
                targets = [stmt.target]
            if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                continue
            value = stmt.value
            if isinstance(value, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
            ):
                items = [e.value for e in value.elts]
                names = items if isinstance(stmt, ast.Assign) else (names or []) + items
            else:
                self.all_dynamic = True
        self.all_names = names

    def bind(self, scope, name):
        if scope.kind == "comprehension":
            # Only reached for walrus targets: they bind in the enclosing non-comprehension scope.
            while scope.kind == "comprehension":
                scope = scope.parent
        scope.bindings.add(name)

    def use(self, scope, name, node):
        if self._skip_uses or self._name_guard_depth:
            return
        scope.uses.append((name, node))

    def new_scope(self, kind, parent):
        scope = Scope(kind, parent)
        self.scopes.append(scope)
        return scope

    def _visit_body(self, stmts, scope):
        for stmt in stmts:
            self._visit(stmt, scope)

    def _visit_annotation(self, node, scope, evaluated):
        if node is None:
            return
        if evaluated and not self.future_annotations:
            self._visit(node, scope)
        else:
            self._skip_uses += 1
            self._visit(node, scope)
            self._skip_uses -= 1

    def _visit_arguments(self, args, outer, inner):
        """Defaults and annotations run in the outer scope; parameters bind in the inner one."""
        for default in list(args.defaults) + [d for d in args.kw_defaults if d is not None]:
            self._visit(default, outer)
        every = list(getattr(args, "posonlyargs", [])) + list(args.args) + list(args.kwonlyargs)
        if args.vararg:
            every.append(args.vararg)
        if args.kwarg:
            every.append(args.kwarg)
        for arg in every:
            inner.bindings.add(arg.arg)
            self._visit_annotation(arg.annotation, outer, evaluated=True)

    def _visit_targets_of_match(self, pattern, scope):
        for node in ast.walk(pattern):
            for field in ("name", "rest"):
                value = getattr(node, field, None)
                if isinstance(value, str) and node.__class__.__name__.startswith("Match"):
                    scope.bindings.add(value)

    def _visit(self, node, scope):  # noqa: C901 (one dispatch over the AST is the clearest)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                self._visit(decorator, scope)
            self.bind(scope, node.name)
            inner = self.new_scope("function", scope)
            self._visit_type_params(node, scope, inner)
            self._visit_arguments(node.args, scope, inner)
            self._visit_annotation(node.returns, scope, evaluated=True)
            self._visit_body(node.body, inner)
        elif isinstance(node, ast.Lambda):
            inner = self.new_scope("function", scope)
            self._visit_arguments(node.args, scope, inner)
            self._visit(node.body, inner)
        elif isinstance(node, ast.ClassDef):
            for decorator in node.decorator_list:
                self._visit(decorator, scope)
            inner = self.new_scope("class", scope)
            self._visit_type_params(node, scope, inner)
            for base in node.bases:
                self._visit(base, scope)
            for keyword in node.keywords:
                self._visit(keyword.value, scope)
            self.bind(scope, node.name)
            self._visit_body(node.body, inner)
        elif isinstance(node, COMPREHENSION_NODES):
            generators = node.generators
            # The first iterable is evaluated in the enclosing scope.
            self._visit(generators[0].iter, scope)
            inner = self.new_scope("comprehension", scope)
            for index, gen in enumerate(generators):
                self._bind_target(gen.target, inner)
                if index:
                    self._visit(gen.iter, inner)
                for cond in gen.ifs:
                    self._visit(cond, inner)
            if isinstance(node, ast.DictComp):
                self._visit(node.key, inner)
                self._visit(node.value, inner)
            else:
                self._visit(node.elt, inner)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                if node.id in DYNAMIC_NAMES:
                    self.dynamic = True
                self.use(scope, node.id, node)
            else:
                self.bind(scope, node.id)
        elif isinstance(node, ast.NamedExpr):
            self._visit(node.value, scope)
            self.bind(scope, node.target.id)
        elif isinstance(node, ast.Global):
            scope.globals.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            scope.bindings.update(node.names)
        elif isinstance(node, ast.Import):
            guarded = self._guard_depth > 0
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                self.bind(scope, bound)
                if alias.name in ("builtins", "__builtin__"):
                    self._builtins_aliases.add(bound)
                self.imports.append((node, alias, alias.name, 0, guarded))
        elif isinstance(node, ast.ImportFrom):
            guarded = self._guard_depth > 0
            module = node.module or ""
            if node.level == 1 and module and os.path.basename(self.path) == "__init__.py":
                # Importing a submodule sets it as an attribute of the package: a global here.
                self.module.bindings.add(module.split(".")[0])
            self.imports.append((node, None, module, node.level, guarded))
            for alias in node.names:
                if alias.name == "*":
                    self.star_imports.append((module, node.level))
                else:
                    self.bind(scope, alias.asname or alias.name)
                    self.imports.append((node, alias, module, node.level, guarded))
        elif isinstance(node, ast.Try) or node.__class__.__name__ == "TryStar":
            caught = set()
            for handler in node.handlers:
                caught |= exception_names(handler.type)
            import_guard = bool(caught & IMPORT_GUARDS)
            name_guard = bool(caught & {"NameError", "BaseException"})
            self._guard_depth += import_guard
            self._name_guard_depth += name_guard
            self._visit_body(node.body, scope)
            self._guard_depth -= import_guard
            self._name_guard_depth -= name_guard
            for handler in node.handlers:
                if handler.type is not None:
                    self._visit(handler.type, scope)
                if handler.name:
                    self.bind(scope, handler.name)
                self._visit_body(handler.body, scope)
            self._visit_body(node.orelse, scope)
            self._visit_body(node.finalbody, scope)
        elif isinstance(node, ast.If) and (is_type_checking(node.test) or is_environment_test(node.test)):
            type_checking = is_type_checking(node.test)
            self._visit(node.test, scope)
            self._guard_depth += 1
            self._skip_uses += type_checking
            self._visit_body(node.body, scope)
            self._skip_uses -= type_checking
            self._visit_body(node.orelse, scope)
            self._guard_depth -= 1
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self._visit(node.value, scope)
            self._bind_target(node.target, scope)
            if not isinstance(node.target, ast.Name):
                self._visit_expr_children(node.target, scope)
            # Annotations of locals are never evaluated; module and class ones are.
            self._visit_annotation(node.annotation, scope, evaluated=scope.kind != "function")
        elif isinstance(node, ast.arg):
            scope.bindings.add(node.arg)
        elif node.__class__.__name__ == "match_case":
            self._visit_targets_of_match(node.pattern, scope)
            self._visit_generic(node, scope)
        elif isinstance(node, ast.Attribute):
            if node.attr == "modules" and isinstance(node.value, ast.Name) and node.value.id == "sys":
                self.uses_sys_modules = True
            if node.attr in ("global_enum", "_convert_"):
                # enum helpers that write members into the module's globals.
                self.dynamic = True
            if (
                isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id in self._builtins_aliases
            ):
                self.dynamic = True
            self._visit_generic(node, scope)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "setattr" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Name) and first.id in self._builtins_aliases:
                    self.dynamic = True
            self._visit_generic(node, scope)
        else:
            self._visit_generic(node, scope)

    def _visit_type_params(self, node, outer, inner):
        for param in getattr(node, "type_params", None) or []:
            inner.bindings.add(param.name)
            bound = getattr(param, "bound", None)
            if bound is not None:
                self._visit(bound, inner)

    def _bind_target(self, target, scope):
        """Binds the names an assignment target stores; `a.b`/`a[i]` targets read `a` (and `i`)."""
        if isinstance(target, ast.Name):
            scope.bindings.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind_target(element, scope)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, scope)
        else:
            self._visit_expr_children(target, scope)

    def _visit_expr_children(self, node, scope):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr_context):
                continue
            self._visit(child, scope)

    def _visit_generic(self, node, scope):
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            self._bind_target(node.target, scope)
        for field, value in ast.iter_fields(node):
            if isinstance(node, (ast.For, ast.AsyncFor)) and field == "target":
                continue
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self._visit(item, scope)
            elif isinstance(value, ast.AST):
                self._visit(value, scope)

    # ---- queries ------------------------------------------------------------------------
    def module_names(self):
        """Every name bound at module level, including by `global` statements in functions."""
        names = set(self.module.bindings)
        for scope in self.scopes:
            names |= scope.bindings & scope.globals
        return names


class Checker:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.findings = []
        self._modules = {}  # path -> ModuleInfo or None
        self._spec_cache = {}

    # ---- local modules ------------------------------------------------------------------
    def parse_module(self, path):
        path = os.path.abspath(path)
        if path not in self._modules:
            info = None
            try:
                with open(path, "rb") as handle:
                    source = handle.read()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = compile(source, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
                info = ModuleInfo(path, tree)
            except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
                info = None
            self._modules[path] = info
        return self._modules[path]

    def find_local(self, dotted, search_dirs):
        """The file or directory a module name resolves to in the program, or None."""
        parts = dotted.split(".")
        top = None
        # Regular modules and packages win in sys.path order; a bare directory (namespace
        # package) only when nothing installed has the name, as in Python's own path scan.
        for base in search_dirs:
            candidate = self._find_part(base, parts[0], namespace=False)
            if candidate:
                top = candidate
                break
        if top is None and not self.installed(parts[0]):
            for base in search_dirs:
                candidate = self._find_part(base, parts[0], namespace=True)
                if candidate:
                    top = candidate
                    break
        if top is None or len(parts) == 1:
            return top
        if not os.path.isdir(top):
            return None
        return self._find_in(top, parts[1:])

    def _find_part(self, base, part, namespace):
        package = os.path.join(base, part)
        if os.path.isdir(package):
            if namespace or os.path.isfile(os.path.join(package, "__init__.py")):
                return package
        if not namespace:
            for suffix in MODULE_SUFFIXES:
                if os.path.isfile(package + suffix):
                    return package + suffix
        return None

    def _find_in(self, base, parts):
        """Resolves submodule names below a directory, or None."""
        current = base
        for index, part in enumerate(parts):
            found = self._find_part(current, part, namespace=False) or self._find_part(
                current, part, namespace=True)
            if found is None:
                return None
            if index < len(parts) - 1 and not os.path.isdir(found):
                return None
            current = found
        return current

    def module_file(self, found):
        """The source file holding a local module's top level (None for namespace packages)."""
        if os.path.isdir(found):
            init = os.path.join(found, "__init__.py")
            return init if os.path.isfile(init) else None
        return found if found.endswith(".py") else None

    def exported_names(self, found, seen=None):
        """Names `from found import *` brings in; None when they cannot be known statically."""
        seen = set() if seen is None else seen
        source = self.module_file(found)
        if source is None or source in seen:
            return None if source is None else set()
        seen.add(source)
        info = self.parse_module(source)
        if info is None or info.dynamic or info.all_dynamic:
            return None
        if info.all_names is not None:
            return set(info.all_names)
        names = {n for n in info.module_names() if not n.startswith("_")}
        for module, level in info.star_imports:
            target = self.resolve_import(source, module, level)
            if target is None:
                return None
            more = self.exported_names(target, seen)
            if more is None:
                return None
            names |= more
        return names

    def top_level_names(self, found):
        """Names `from found import x` may take; None when unknowable."""
        names = set(MODULE_DUNDERS)
        if os.path.isdir(found):
            for entry in os.listdir(found):
                stem = entry.split(".", 1)[0]
                if os.path.isdir(os.path.join(found, entry)) or entry.endswith(MODULE_SUFFIXES):
                    names.add(stem)
        source = self.module_file(found)
        if source is None:
            return names if os.path.isdir(found) else None
        info = self.parse_module(source)
        if info is None or info.dynamic or "__getattr__" in info.module_names():
            return None
        names |= info.module_names()
        for module, level in info.star_imports:
            target = self.resolve_import(source, module, level)
            more = self.exported_names(target) if target else None
            if more is None:
                return None
            names |= more
        return names

    def search_dirs(self, path):
        dirs = [os.path.dirname(os.path.abspath(path)), self.root]
        return list(dict.fromkeys(dirs))

    def resolve_import(self, path, module, level):
        """The local file/dir an import names, or None (not local or not found)."""
        if level:
            base = os.path.dirname(os.path.abspath(path))
            for _ in range(level - 1):
                base = os.path.dirname(base)
            if not module:
                return base
            return self._find_in(base, module.split("."))
        return self.find_local(module, self.search_dirs(path))

    def installed(self, top):
        if top not in self._spec_cache:
            if top in sys.builtin_module_names:
                self._spec_cache[top] = True
            else:
                try:
                    # A top-level name: find_spec searches sys.path without importing anything.
                    self._spec_cache[top] = importlib.util.find_spec(top) is not None
                except (ImportError, ValueError):
                    self._spec_cache[top] = False
        return self._spec_cache[top]

    # ---- reporting ----------------------------------------------------------------------
    def report(self, kind, display, lines, node, message, name=None, suggestion=None,
               position=None):
        if position is None:
            line, col = node.lineno, node.col_offset
            end_line = getattr(node, "end_lineno", None)
            end_col = getattr(node, "end_col_offset", None)
            column = char_column(lines, line, col) + 1
            end_column = char_column(lines, end_line, end_col) + 1 if end_line and end_col is not None else None
        else:
            line, column, end_line, end_column = position
        self.findings.append({
            "kind": kind, "file": display, "line": line, "column": column,
            "end_line": end_line if end_column is not None else None,
            "end_column": end_column, "message": message, "name": name,
            "suggestion": suggestion,
        })

    # ---- one file -----------------------------------------------------------------------
    def check_file(self, display):
        path = os.path.abspath(display)
        with open(path, "rb") as handle:
            source = handle.read()
        lines = source.split(b"\n")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = compile(source, display, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
                # Full compilation also runs the symbol table (nonlocal, return outside function...).
                compile(tree, display, "exec", dont_inherit=True)
        except SyntaxError as err:
            self.report_syntax(display, err)
            return
        except (ValueError, RecursionError, MemoryError) as err:
            # e.g. "source code string cannot contain null bytes"; too deeply nested code.
            self.report("syntax", display, lines, None, str(err), position=(1, 1, None, None))
            return
        try:
            info = ModuleInfo(path, tree)
            self._modules[path] = info
            self.check_imports(display, path, lines, info)
            self.check_names(display, path, lines, info)
        except RecursionError:
            # Pathologically nested code: the compiler accepted it, so report nothing.
            return

    def report_syntax(self, display, err):
        kind = "tab" if isinstance(err, TabError) else (
            "indentation" if isinstance(err, IndentationError) else "syntax")
        line = err.lineno or 1
        column = err.offset if err.offset and err.offset > 0 else 1
        end_line = getattr(err, "end_lineno", None)
        end_column = getattr(err, "end_offset", None)
        if not end_line or not end_column or end_column <= 0 or (end_line, end_column) <= (line, column):
            end_line = end_column = None
        message = err.msg or type(err).__name__
        self.findings.append({
            "kind": kind, "file": display, "line": line, "column": column,
            "end_line": end_line, "end_column": end_column,
            "message": message, "name": type(err).__name__, "suggestion": None,
        })

    def check_imports(self, display, path, lines, info):
        for node, alias, module, level, guarded in info.imports:
            if guarded:
                continue
            if isinstance(node, ast.Import):
                where = alias if hasattr(alias, "lineno") else node
                self.check_import_module(display, path, lines, where, module, 0)
            elif alias is None:
                if module == "__future__":
                    continue
                self.check_import_module(display, path, lines, node, module, level)
            else:
                self.check_from_name(display, path, lines, node, alias, module, level)

    def check_import_module(self, display, path, lines, node, module, level):
        if level:
            base = os.path.dirname(path)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            if not base.startswith(self.root) or not module:
                return  # beyond the program (or `from . import x`, checked per name)
            if self._find_in(base, module.split(".")) is None:
                self.report("missing_module", display, lines, node,
                            "No module named '%s'" % module, name=module)
            return
        top = module.split(".")[0]
        local = self.find_local(top, self.search_dirs(path))
        if local is not None:
            if not os.path.isdir(local):
                info = self.parse_module(local) if local.endswith(".py") else None
                if info is None or info.uses_sys_modules:
                    return  # a module can register submodules itself (os.path)
            if "." in module and self.find_local(module, self.search_dirs(path)) is None:
                self.report("missing_module", display, lines, node,
                            "No module named '%s'" % module, name=module)
            return
        if top not in PLATFORM_MODULES and not self.installed(top):
            self.report("missing_module", display, lines, node,
                        "No module named '%s'" % top, name=top)

    def check_from_name(self, display, path, lines, node, alias, module, level):
        target = self.resolve_import(path, module, level)
        if target is None:
            return  # not local: never import it to look inside; or reported as missing
        if level and not os.path.abspath(target).startswith(self.root):
            return
        names = self.top_level_names(target)
        if names is None or alias.name in names:
            return
        shown = module if not level else "." * level + module
        source = self.module_file(target) or target
        where = os.path.relpath(source, self.root)
        suggestion = closest(alias.name, names)
        message = "cannot import name '%s' from '%s' (%s)" % (alias.name, shown, where)
        self.report("import_error", display, lines, alias if hasattr(alias, "lineno") else node,
                    message, name=alias.name, suggestion=suggestion)

    def check_names(self, display, path, lines, info):
        if info.dynamic:
            return
        star_names = set()
        for module, level in info.star_imports:
            target = self.resolve_import(path, module, level)
            exported = self.exported_names(target) if target else None
            if exported is None:
                return  # an unknowable `import *`: any name could come from it
            star_names |= exported
        module_names = info.module_names() | star_names | MODULE_DUNDERS | BUILTIN_NAMES
        for scope in info.scopes:
            for name, node in scope.uses:
                if resolves(name, scope, module_names):
                    continue
                candidates = visible_names(scope, module_names)
                suggestion = closest(name, candidates)
                message = "name '%s' is not defined" % name
                if suggestion:
                    message += ". Did you mean: '%s'?" % suggestion
                self.report("undefined_name", display, lines, node, message, name=name,
                            suggestion=suggestion)


def resolves(name, scope, module_names):
    if name in scope.globals:
        return name in module_names
    if name in scope.bindings:
        return True
    if scope.kind == "class" and name in CLASS_DUNDERS:
        return True
    parent = scope.parent
    while parent is not None:
        if parent.kind == "class":
            if name == "__class__":
                return True  # the implicit cell methods get
        elif parent.kind == "module":
            break
        elif name in parent.bindings and name not in parent.globals:
            return True
        elif name in parent.globals:
            return name in module_names
        parent = parent.parent
    return name in module_names


def visible_names(scope, module_names):
    names = set(module_names)
    first = True
    while scope is not None:
        if first or scope.kind != "class":
            names |= scope.bindings
        first = False
        scope = scope.parent
    return {n for n in names if not n.startswith("__")}


def closest(name, candidates):
    lowered = [c for c in candidates if c.lower() == name.lower() and c != name]
    if lowered:
        return sorted(lowered)[0]
    matches = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.8)
    return matches[0] if matches else None


def char_column(lines, line, byte_offset):
    """ast columns are UTF-8 byte offsets; locations count characters."""
    if line is None or byte_offset is None:
        return 0
    if 1 <= line <= len(lines):
        return len(lines[line - 1][:byte_offset].decode("utf-8", errors="replace"))
    return byte_offset


def main(argv):
    if not argv:
        sys.stderr.write("usage: python_check.py FILE...\n")
        return 2
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    checker = Checker(os.getcwd())
    status = 0
    for display in argv:
        try:
            checker.check_file(display)
        except OSError as err:
            sys.stderr.write("python_check: cannot read %s: %s\n" % (display, err.strerror or err))
            status = 2
    for finding in checker.findings:
        sys.stdout.write(json.dumps(finding) + "\n")
    if status:
        return status
    return 1 if checker.findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
