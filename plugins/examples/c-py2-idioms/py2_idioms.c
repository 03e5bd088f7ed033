// A selfheal fix strategy written in C: Python 2 idioms in Python 3 code.
//
// Generated code often mixes in Python 2: `print x`, `xrange`, `raw_input`, `d.iteritems()`.
// Python 3 rejects each with its own error; this plugin answers those errors:
//
//   SyntaxError  Missing parentheses in call to 'print'      print x, y     -> print(x, y)
//                                                            print x,       -> print(x, end=" ")
//   TypeError    unsupported operand type(s) for >>: 'builtin_function_or_method' and ...
//                                                            print >>f, x   -> print(x, file=f)
//   NameError    name 'xrange' is not defined                xrange(n)      -> range(n)
//                (also raw_input, unicode, basestring, long, unichr; every use in the file)
//   AttributeError 'dict' object has no attribute 'iteritems'  d.iteritems() -> d.items()
//                (also iterkeys, itervalues; on the failing line)
//
// Built against C bindings that wit-bindgen generates from wit/plugin.wit (see build.sh).
// Ownership follows the canonical ABI: the arguments belong to us (freed before returning) and
// every returned string or list is heap-allocated (the generated post-return code frees it).

#include <stdlib.h>
#include <string.h>

#include "fix_strategy.h"

typedef fix_strategy_string_t string_t;
typedef selfheal_plugin_types_source_file_t source_file_t;
typedef selfheal_plugin_types_list_edit_t edit_list_t;

// ---- small helpers over (pointer, length) text ----

static string_t dup_n(const char *s, size_t n) {
  string_t out;
  fix_strategy_string_dup_n(&out, s, n);
  return out;
}

static string_t dup(const char *s) { return dup_n(s, strlen(s)); }

static int is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_';
}

static int equals(const string_t *s, const char *literal) {
  size_t n = strlen(literal);
  return s->len == n && memcmp(s->ptr, literal, n) == 0;
}

// The first occurrence of `needle` in `hay[0..len]`, or -1.
static long find(const char *hay, size_t len, const char *needle) {
  size_t n = strlen(needle);
  if (n > len) return -1;
  for (size_t i = 0; i + n <= len; i++) {
    if (memcmp(hay + i, needle, n) == 0) return (long)i;
  }
  return -1;
}

// The text between `before` and the next `after` in the message, e.g. the X of
// "name 'X' is not defined". Returns 0 when the message does not have that shape.
static int quoted(const string_t *message, const char *before, const char *after,
                  const char **start, size_t *len) {
  const char *text = (const char *)message->ptr;
  long at = find(text, message->len, before);
  if (at < 0) return 0;
  size_t from = (size_t)at + strlen(before);
  long end = find(text + from, message->len - from, after);
  if (end <= 0) return 0;
  *start = text + from;
  *len = (size_t)end;
  return 1;
}

// ---- Python lexing: which bytes are code (not strings or comments) ----

enum { STRING = 0, CODE = 1, COMMENT = 2 };

// What each byte of `text` is part of: CODE, STRING (literals, quotes included) or COMMENT.
static char *code_mask(const char *text, size_t len) {
  char *code = malloc(len + 1);
  if (!code) return NULL;
  size_t i = 0;
  while (i < len) {
    char c = text[i];
    if (c == '#') {
      while (i < len && text[i] != '\n') code[i++] = COMMENT;
      continue;
    }
    if (c == '\'' || c == '"') {
      int triple = i + 2 < len && text[i + 1] == c && text[i + 2] == c;
      size_t open = triple ? 3 : 1;
      for (size_t k = 0; k < open; k++) code[i++] = STRING;
      while (i < len) {
        if (text[i] == '\\' && i + 1 < len) {
          code[i++] = STRING;
          code[i++] = STRING;
          continue;
        }
        if (!triple && text[i] == '\n') break;  // unterminated: stop at the line's end
        if (text[i] == c && (!triple || (i + 2 < len && text[i + 1] == c && text[i + 2] == c))) {
          for (size_t k = 0; k < open; k++) code[i++] = STRING;
          break;
        }
        code[i++] = STRING;
      }
      continue;
    }
    code[i++] = CODE;
  }
  return code;
}

// Byte range [start, end) of 1-based `line`, without its newline. 0 when the file is shorter.
static int line_bounds(const char *text, size_t len, uint32_t line, size_t *start, size_t *end) {
  size_t i = 0;
  for (uint32_t current = 1; current < line; current++) {
    while (i < len && text[i] != '\n') i++;
    if (i == len) return 0;
    i++;
  }
  *start = i;
  while (i < len && text[i] != '\n') i++;
  *end = i;
  return 1;
}

// ---- building the result ----

static void push_edit(edit_list_t *edits, const string_t *file, size_t start, size_t end,
                      const char *replacement, size_t replacement_len) {
  edits->ptr = realloc(edits->ptr, (edits->len + 1) * sizeof(*edits->ptr));
  if (!edits->ptr) abort();
  selfheal_plugin_types_edit_t *edit = &edits->ptr[edits->len++];
  edit->file = dup_n((const char *)file->ptr, file->len);
  edit->byte_start = (uint32_t)start;
  edit->byte_end = (uint32_t)end;
  edit->replacement = dup_n(replacement, replacement_len);
}

static void push_fix(fix_strategy_list_fix_t *fixes, string_t description, double confidence,
                     edit_list_t edits) {
  if (edits.len == 0) {
    fix_strategy_string_free(&description);
    return;
  }
  fixes->ptr = realloc(fixes->ptr, (fixes->len + 1) * sizeof(*fixes->ptr));
  if (!fixes->ptr) abort();
  fix_strategy_fix_t *fix = &fixes->ptr[fixes->len++];
  fix->description = description;
  fix->confidence = confidence;
  fix->edits = edits;
}

// "`old` is `new` in Python 3"
static string_t renamed(const char *old, size_t old_len, const char *new_name) {
  size_t n = old_len + strlen(new_name) + 32;
  char *text = malloc(n);
  if (!text) abort();
  size_t used = 0;
  text[used++] = '`';
  memcpy(text + used, old, old_len);
  used += old_len;
  const char *middle = "` is `";
  memcpy(text + used, middle, strlen(middle));
  used += strlen(middle);
  memcpy(text + used, new_name, strlen(new_name));
  used += strlen(new_name);
  const char *tail = "` in Python 3";
  memcpy(text + used, tail, strlen(tail));
  used += strlen(tail);
  string_t out = dup_n(text, used);
  free(text);
  return out;
}

// ---- the three repairs ----

struct rename {
  const char *old;
  const char *new_name;
};

static const struct rename BUILTINS[] = {
    {"xrange", "range"}, {"raw_input", "input"}, {"unicode", "str"}, {"basestring", "str"},
    {"long", "int"},     {"unichr", "chr"},      {NULL, NULL},
};

static const struct rename DICT_METHODS[] = {
    {"iteritems", "items"}, {"iterkeys", "keys"}, {"itervalues", "values"}, {NULL, NULL},
};

static const char *lookup(const struct rename *table, const char *name, size_t len) {
  for (const struct rename *r = table; r->old; r++) {
    if (strlen(r->old) == len && memcmp(r->old, name, len) == 0) return r->new_name;
  }
  return NULL;
}

// Renames the whole word `name` in code (not inside strings or comments) within bytes
// [from, to) of the file: as an attribute (`x.name`) when `attribute`, else as a bare name.
static void rename_words(const source_file_t *file, size_t from, size_t to, const char *name,
                         size_t name_len, const char *replacement, int attribute,
                         double confidence, fix_strategy_list_fix_t *fixes) {
  const char *text = (const char *)file->contents.ptr;
  char *code = code_mask(text, file->contents.len);
  if (!code) return;
  edit_list_t edits = {NULL, 0};
  for (size_t i = from; i + name_len <= to; i++) {
    if (code[i] != CODE || memcmp(text + i, name, name_len) != 0) continue;
    char before = i > 0 ? text[i - 1] : ' ';
    if (is_word_char(before) || (before == '.') != attribute) continue;
    if (i + name_len < to && is_word_char(text[i + name_len])) continue;
    push_edit(&edits, &file->path, i, i + name_len, replacement, strlen(replacement));
    i += name_len - 1;
  }
  free(code);
  push_fix(fixes, renamed(name, name_len, replacement), confidence, edits);
}

// SyntaxError "Missing parentheses in call to 'print'": the statement on the failing line
// becomes a call. Handles `print`, `print x, y`, a trailing comma and `print >>f, x`.
static void parenthesize_print(const source_file_t *file, uint32_t line,
                               fix_strategy_list_fix_t *fixes) {
  const char *text = (const char *)file->contents.ptr;
  size_t len = file->contents.len, start, end;
  if (!line_bounds(text, len, line, &start, &end)) return;
  char *code = code_mask(text, len);
  if (!code) return;
  size_t at = start;
  while (at < end && (text[at] == ' ' || text[at] == '\t')) at++;
  if (end - at < 5 || memcmp(text + at, "print", 5) != 0 ||
      (at + 5 < end && is_word_char(text[at + 5]))) {
    free(code);
    return;
  }
  // The arguments run to a comment or the end of the line; a `;` ends the statement.
  size_t args = at + 5, args_end = args;
  for (size_t i = args; i < end && code[i] != COMMENT && !(code[i] == CODE && text[i] == ';');
       i++) {
    args_end = i + 1;
  }
  while (args < args_end && (text[args] == ' ' || text[args] == '\t')) args++;
  while (args_end > args && (text[args_end - 1] == ' ' || text[args_end - 1] == '\t')) args_end--;
  size_t statement_end = args_end;

  const char *target = NULL;
  size_t target_len = 0;
  if (args_end - args >= 2 && text[args] == '>' && text[args + 1] == '>') {
    // `print >>stream, values`: the stream runs to the first comma outside brackets.
    size_t depth = 0, i = args + 2;
    for (; i < args_end; i++) {
      if (code[i] != CODE) continue;
      if (text[i] == '(' || text[i] == '[' || text[i] == '{') depth++;
      if ((text[i] == ')' || text[i] == ']' || text[i] == '}') && depth > 0) depth--;
      if (text[i] == ',' && depth == 0) break;
    }
    target = text + args + 2;
    target_len = i - (args + 2);
    while (target_len > 0 && (*target == ' ' || *target == '\t')) target++, target_len--;
    while (target_len > 0 && (target[target_len - 1] == ' ' || target[target_len - 1] == '\t'))
      target_len--;
    args = i < args_end ? i + 1 : args_end;
    while (args < args_end && (text[args] == ' ' || text[args] == '\t')) args++;
  }
  int trailing_comma = args_end > args && text[args_end - 1] == ',' && code[args_end - 1] == CODE;
  size_t values_end = trailing_comma ? args_end - 1 : args_end;
  free(code);

  size_t values_len = values_end - args;
  char *call = malloc(values_len + target_len + 32);
  if (!call) abort();
  size_t used = 0;
  memcpy(call + used, "print(", 6);
  used += 6;
  memcpy(call + used, text + args, values_len);
  used += values_len;
  if (trailing_comma) {
    memcpy(call + used, ", end=\" \"", 9);
    used += 9;
  }
  if (target) {
    if (values_len > 0 || trailing_comma) call[used++] = ',', call[used++] = ' ';
    memcpy(call + used, "file=", 5);
    used += 5;
    memcpy(call + used, target, target_len);
    used += target_len;
  }
  call[used++] = ')';
  edit_list_t edits = {NULL, 0};
  // The whole statement, from `print` to its last argument, becomes the call.
  push_edit(&edits, &file->path, at, statement_end, call, used);
  free(call);
  push_fix(fixes, dup("call print() with parentheses (Python 3)"), 0.95, edits);
}

// ---- the exports ----

void exports_fix_strategy_info(fix_strategy_plugin_info_t *ret) {
  ret->name = dup("py2-idioms");
  ret->version = dup("1.0.0");
  ret->description = dup("Python 2 idioms in Python 3 code: print statements, xrange, iteritems");
  ret->languages.len = 1;
  ret->languages.ptr = malloc(sizeof(*ret->languages.ptr));
  if (!ret->languages.ptr) abort();
  ret->languages.ptr[0] = SELFHEAL_PLUGIN_TYPES_LANGUAGE_PYTHON;
}

bool exports_fix_strategy_suggest(fix_strategy_code_error_t *error,
                                  fix_strategy_program_t *program, fix_strategy_list_fix_t *ret,
                                  fix_strategy_string_t *err) {
  (void)err;  // nothing here can fail: an error we do not know gets no fixes
  ret->ptr = NULL;
  ret->len = 0;
  const source_file_t *file = NULL;
  if (error->location.is_some) {
    for (size_t i = 0; i < program->files.len; i++) {
      if (program->files.ptr[i].path.len == error->location.val.file.len &&
          memcmp(program->files.ptr[i].path.ptr, error->location.val.file.ptr,
                 error->location.val.file.len) == 0) {
        file = &program->files.ptr[i];
      }
    }
  }
  if (file && !file->protected_) {
    const string_t *message = &error->message;
    uint32_t line = error->location.val.line;
    const char *name;
    size_t name_len;
    const char *replacement;
    if (error->code.is_some && equals(&error->code.val, "NameError") &&
        quoted(message, "name '", "' is not defined", &name, &name_len) &&
        (replacement = lookup(BUILTINS, name, name_len))) {
      // NameError for a Python 2 builtin: every use in the file.
      rename_words(file, 0, file->contents.len, name, name_len, replacement, 0, 0.9, ret);
    } else if (error->code.is_some && equals(&error->code.val, "AttributeError") &&
               find((const char *)message->ptr, message->len, "dict' object") >= 0 &&
               quoted(message, "has no attribute '", "'", &name, &name_len) &&
               (replacement = lookup(DICT_METHODS, name, name_len))) {
      // AttributeError on a dict: `.iteritems(` -> `.items(` on the failing line only.
      size_t start, end;
      if (line_bounds((const char *)file->contents.ptr, file->contents.len, line, &start, &end)) {
        rename_words(file, start, end, name, name_len, replacement, 1, 0.85, ret);
      }
    } else if (find((const char *)message->ptr, message->len,
                    "Missing parentheses in call to 'print'") >= 0 ||
               find((const char *)message->ptr, message->len,
                    "for >>: 'builtin_function_or_method'") >= 0) {
      // `print x` does not parse; `print >>f, x` parses (a tuple) and fails when it runs.
      parenthesize_print(file, line, ret);
    }
  }
  fix_strategy_code_error_free(error);
  fix_strategy_program_free(program);
  return true;
}
