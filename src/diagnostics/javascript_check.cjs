// selfheal's static pass for JavaScript: undefined names, Node built-in modules used without
// `require`/`import`, calls to undefined functions, found before anything runs.
//
// Usage: node --expose-internals javascript_check.cjs FILE...
//
// It parses each file with the acorn parser that node itself bundles (reachable with
// `--expose-internals`; no package to install) and resolves every identifier reference through
// the file's scopes (functions, blocks, catch clauses, classes, `var` hoisting, imports). A name
// no scope declares and that is not a global of this node (read from `globalThis`, so it matches
// the node that will run the program) nor a CommonJS wrapper name is reported.
//
// Output: one JSON object per finding on stdout: kind ("undefined_name" | "missing_import"),
// file, line, column, end_line, end_column (1-based, UTF-16 columns as node reports them),
// message (`NAME is not defined`, as V8 says it), name, and suggestion (a declared name close
// to it). Not reported, because they do not throw: `typeof x`, a plain assignment `x = 1` (a
// sloppy-mode global), names inside `with` blocks.
'use strict';
const fs = require('node:fs');
const { builtinModules } = require('node:module');

let acorn;
try {
  acorn = require('internal/deps/acorn/acorn/dist/acorn');
} catch (error) {
  process.stderr.write(`selfheal: this node bundles no JavaScript parser (${error.message}); static checks skipped\n`);
  process.exit(0);
}

const GLOBALS = new Set([
  ...Object.getOwnPropertyNames(globalThis),
  'require', 'module', 'exports', '__dirname', '__filename', 'arguments',
]);
// Node's own modules by the names programs bind them to (`path`, `fs`, `child_process`).
const BUILTINS = new Set(
  builtinModules.filter((m) => !m.startsWith('_') && !m.includes('/')).map((m) => m.replace(/^node:/, '')),
);

class Scope {
  constructor(parent, isFunction) {
    this.parent = parent;
    this.isFunction = isFunction;
    this.names = new Set();
  }
  has(name) {
    for (let s = this; s; s = s.parent) if (s.names.has(name)) return true;
    return false;
  }
  all() {
    const names = [];
    for (let s = this; s; s = s.parent) names.push(...s.names);
    return names;
  }
}

function declarePattern(p, scope) {
  if (!p) return;
  switch (p.type) {
    case 'Identifier': scope.names.add(p.name); break;
    case 'ObjectPattern':
      for (const prop of p.properties) declarePattern(prop.type === 'RestElement' ? prop.argument : prop.value, scope);
      break;
    case 'ArrayPattern': for (const e of p.elements) declarePattern(e, scope); break;
    case 'RestElement': declarePattern(p.argument, scope); break;
    case 'AssignmentPattern': declarePattern(p.left, scope); break;
    default: break;
  }
}

// `var` and function declarations anywhere in a function body belong to the function.
function hoist(node, scope) {
  if (!node || typeof node.type !== 'string') return;
  switch (node.type) {
    case 'FunctionDeclaration':
      if (node.id) scope.names.add(node.id.name);
      return;
    case 'FunctionExpression': case 'ArrowFunctionExpression': case 'ClassDeclaration':
    case 'ClassExpression':
      return;
    case 'VariableDeclaration':
      if (node.kind === 'var') for (const d of node.declarations) declarePattern(d.id, scope);
      break;
    default: break;
  }
  for (const key of Object.keys(node)) {
    if (key === 'loc') continue;
    const child = node[key];
    if (Array.isArray(child)) for (const c of child) hoist(c, scope);
    else if (child && typeof child.type === 'string' && !isExpression(child)) hoist(child, scope);
  }
}

function isExpression(node) {
  return /Expression$|^Literal$|^Identifier$|^TemplateLiteral$/.test(node.type) && node.type !== 'ExpressionStatement';
}

// Lexical declarations directly in a block (or a function body, or the program).
function declareBlock(statements, scope) {
  for (let s of statements) {
    if ((s.type === 'ExportNamedDeclaration' || s.type === 'ExportDefaultDeclaration') && s.declaration) s = s.declaration;
    if (s.type === 'VariableDeclaration' && s.kind !== 'var') for (const d of s.declarations) declarePattern(d.id, scope);
    else if ((s.type === 'ClassDeclaration' || s.type === 'FunctionDeclaration') && s.id) scope.names.add(s.id.name);
    else if (s.type === 'ImportDeclaration') for (const sp of s.specifiers) scope.names.add(sp.local.name);
  }
}

function check(file, source, report) {
  const options = { ecmaVersion: 'latest', locations: true, allowHashBang: true };
  let tree;
  const moduleFirst = /\.mjs$/.test(file) || /^\s*(import|export)\s/m.test(source);
  const kinds = moduleFirst ? ['module', 'script'] : ['script', 'module'];
  for (const sourceType of kinds) {
    try {
      tree = acorn.parse(source, { ...options, sourceType, allowReturnOutsideFunction: sourceType === 'script', allowAwaitOutsideFunction: true });
      break;
    } catch (_) {
      // Syntax errors are `node --check`'s to report.
    }
  }
  if (!tree) return;

  const reference = (id, scope) => {
    if (scope.has(id.name) || GLOBALS.has(id.name)) return;
    const builtin = BUILTINS.has(id.name);
    const finding = {
      kind: builtin ? 'missing_import' : 'undefined_name',
      file,
      line: id.loc.start.line,
      column: id.loc.start.column + 1,
      end_line: id.loc.end.line,
      end_column: id.loc.end.column + 1,
      message: `${id.name} is not defined`,
      name: id.name,
    };
    if (!builtin) {
      const near = closest(id.name, scope.all());
      if (near) finding.suggestion = near;
    }
    report(finding);
  };

  const pattern = (p, scope) => {
    if (!p) return;
    switch (p.type) {
      case 'Identifier': return;
      case 'ObjectPattern':
        for (const prop of p.properties) {
          if (prop.type === 'RestElement') pattern(prop.argument, scope);
          else {
            if (prop.computed) visit(prop.key, scope);
            pattern(prop.value, scope);
          }
        }
        return;
      case 'ArrayPattern': for (const e of p.elements) pattern(e, scope); return;
      case 'RestElement': pattern(p.argument, scope); return;
      case 'AssignmentPattern': pattern(p.left, scope); visit(p.right, scope); return;
      default: visit(p, scope);
    }
  };

  const fn = (node, scope) => {
    const inner = new Scope(scope, true);
    if (node.type === 'FunctionExpression' && node.id) inner.names.add(node.id.name);
    for (const p of node.params) declarePattern(p, inner);
    for (const p of node.params) pattern(p, inner);
    if (node.body.type === 'BlockStatement') {
      hoist(node.body, inner);
      declareBlock(node.body.body, inner);
      for (const s of node.body.body) visit(s, inner);
    } else {
      visit(node.body, inner);
    }
  };

  const visit = (node, scope) => {
    if (!node || typeof node.type !== 'string') return;
    switch (node.type) {
      case 'Identifier': reference(node, scope); return;
      case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
        fn(node, scope); return;
      case 'BlockStatement': case 'StaticBlock': {
        const inner = new Scope(scope, node.type === 'StaticBlock');
        declareBlock(node.body, inner);
        for (const s of node.body) visit(s, inner);
        return;
      }
      case 'ForStatement': case 'ForInStatement': case 'ForOfStatement': {
        const inner = new Scope(scope, false);
        const head = node.type === 'ForStatement' ? node.init : node.left;
        if (head && head.type === 'VariableDeclaration') {
          if (head.kind !== 'var') for (const d of head.declarations) declarePattern(d.id, inner);
          visit(head, inner);
        } else if (head && head.type !== 'Identifier') {
          visit(head, inner);
        }
        visit(node.test, inner); visit(node.update, inner); visit(node.right, inner); visit(node.body, inner);
        return;
      }
      case 'SwitchStatement': {
        visit(node.discriminant, scope);
        const inner = new Scope(scope, false);
        declareBlock(node.cases.flatMap((c) => c.consequent), inner);
        for (const c of node.cases) { visit(c.test, inner); for (const s of c.consequent) visit(s, inner); }
        return;
      }
      case 'CatchClause': {
        const inner = new Scope(scope, false);
        declarePattern(node.param, inner);
        pattern(node.param, inner);
        visit(node.body, inner);
        return;
      }
      case 'ClassDeclaration': case 'ClassExpression': {
        visit(node.superClass, scope);
        const inner = new Scope(scope, false);
        if (node.id) inner.names.add(node.id.name);
        visit(node.body, inner);
        return;
      }
      case 'MethodDefinition': case 'PropertyDefinition': case 'Property':
        if (node.computed) visit(node.key, scope);
        visit(node.value, scope);
        return;
      case 'MemberExpression':
        visit(node.object, scope);
        if (node.computed) visit(node.property, scope);
        return;
      case 'VariableDeclarator': pattern(node.id, scope); visit(node.init, scope); return;
      case 'UnaryExpression':
        if (node.operator === 'typeof' && node.argument.type === 'Identifier') return;
        visit(node.argument, scope);
        return;
      case 'AssignmentExpression':
        if (node.left.type !== 'Identifier') pattern(node.left, scope);
        visit(node.right, scope);
        return;
      case 'LabeledStatement': visit(node.body, scope); return;
      case 'BreakStatement': case 'ContinueStatement': case 'MetaProperty': case 'ImportDeclaration':
      case 'ExportAllDeclaration': case 'WithStatement': case 'PrivateIdentifier':
        return;
      case 'ExportNamedDeclaration':
        if (node.declaration) visit(node.declaration, scope);
        else if (!node.source) for (const sp of node.specifiers) visit(sp.local, scope);
        return;
      case 'ExportDefaultDeclaration': visit(node.declaration, scope); return;
      default:
        for (const key of Object.keys(node)) {
          if (key === 'loc') continue;
          const child = node[key];
          if (Array.isArray(child)) for (const c of child) visit(c, scope);
          else if (child && typeof child.type === 'string') visit(child, scope);
        }
    }
  };

  const top = new Scope(null, true);
  hoist(tree, top);
  declareBlock(tree.body, top);
  for (const s of tree.body) visit(s, top);
}

/// The declared name closest to `name` (edit distance at most 2, and less than its length).
function closest(name, names) {
  let best = null;
  let bestDistance = 3;
  for (const candidate of new Set(names)) {
    if (candidate === name) continue;
    const d = distance(name, candidate);
    if (d < bestDistance && d < name.length) { best = candidate; bestDistance = d; }
  }
  return best;
}

function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

const out = [];
for (const file of process.argv.slice(2)) {
  let source;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (_) {
    continue;
  }
  check(file, source, (finding) => out.push(JSON.stringify(finding)));
}
if (out.length) fs.writeSync(1, `${out.join('\n')}\n`);
process.exitCode = out.length ? 1 : 0;
