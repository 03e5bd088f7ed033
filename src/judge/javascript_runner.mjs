// selfheal's JavaScript test runner: node's own test runner (`node:test`'s `run()`), judged.
//
// Usage (inside the sandbox, cwd = the program's work directory):
//   node --require javascript_hook.cjs javascript_runner.mjs TEST_FILE...   (secret on stdin)
//
// This process never runs program code: each test file runs in a child process started by
// `run()` (which also preloads javascript_hook.cjs there). The per-run secret is read from stdin
// before any child starts; records go to this process's stdout, one per line, as the secret, a
// space and a JSON object (the same records as python_runner.py: `file`, `start`, `test`,
// `exit`, `done`). Children's output is forwarded to stderr. The host trusts only records
// carrying the secret (docs/testing.md).
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { run } from 'node:test';

const writeSync = fs.writeSync;
const secret = fs.readFileSync(0, 'utf8').split('\n', 1)[0].trim();
const MARK = 'selfheal-judge-exit:';
const LIMIT = 400;
const work = process.cwd();
const files = process.argv.slice(2);

function send(record) {
  const line = `${secret} ${JSON.stringify(record)}\n`;
  try {
    writeSync(1, line);
  } catch (_) {
    // Nothing else can carry the verdict: a missing `done` fails the run.
  }
}

function show(value) {
  const text = typeof value === 'string' ? JSON.stringify(value) : util.inspect(value, { depth: 4, breakLength: Infinity });
  return text.length > LIMIT ? `${text.slice(0, LIMIT)}...` : text;
}

const rel = (file) => path.relative(work, file);

// Per file: what node reported about it.
const state = new Map();
for (const file of files) {
  state.set(file, { names: [], enqueued: [], finished: 0, stderr: '', exits: [], usesNodeTest: false, reported: 0 });
  try {
    const source = fs.readFileSync(path.join(work, file), 'utf8');
    state.get(file).usesNodeTest = /['"`]node:test['"`]/.test(source);
  } catch (_) {
    // An unreadable file fails in its child with node's own message.
  }
}

// The test node creates for a whole file: named by its relative path (absolute when it failed).
const isFileTest = (data) =>
  data.nesting === 0 && data.file !== undefined && (data.name === rel(data.file) || data.name === data.file);

function failure(error) {
  const extra = {};
  if (!error) return extra;
  const cause = error.cause && typeof error.cause === 'object' && Object.keys(error.cause).length > 0 ? error.cause : error;
  if (cause instanceof Error || typeof cause.message === 'string') {
    extra.exception = cause.name || (cause.constructor && cause.constructor.name) || 'Error';
    extra.message = String(cause.message || '').split('\n').map((l) => l.trim()).filter((l) => l).join(' ').slice(0, 2000) || extra.exception;
    if (typeof cause.stack === 'string') {
      // Node's first stack line carries the class and the bracketed code.
      const head = cause.code === 'ERR_ASSERTION' ? `AssertionError [ERR_ASSERTION]: ${extra.message}` : `${extra.exception}: ${extra.message}`;
      const frames = cause.stack.split('\n').filter((l) => /^\s+at /.test(l));
      extra.stack = [head, ...frames].join('\n').slice(0, 20000);
    }
    if (cause.code) extra.code = String(cause.code);
    if ('expected' in cause || 'actual' in cause) {
      extra.expected = show(cause.expected);
      extra.actual = show(cause.actual);
    }
  } else {
    extra.exception = 'uncaught';
    extra.message = show(cause);
  }
  return extra;
}

send({ event: 'start_run', files });
const stream = run({ files: files.map((f) => path.join(work, f)), concurrency: 1 });

stream.on('data', ({ type, data }) => {
  const file = data && data.file !== undefined ? rel(data.file) : undefined;
  const st = file !== undefined ? state.get(file) : undefined;
  switch (type) {
    case 'test:stdout':
    case 'test:stderr': {
      const message = String(data.message);
      process.stderr.write(message);
      if (type === 'test:stderr' && st) {
        if (st.stderr.length < 100000) st.stderr += message;
        for (const line of message.split('\n')) {
          if (line.startsWith(MARK)) {
            try {
              st.exits.push(JSON.parse(line.slice(MARK.length)));
            } catch (_) {
              st.exits.push({ how: 'process.exit' });
            }
          }
        }
      }
      break;
    }
    case 'test:complete':
      if (st && isFileTest(data) && !st.done) {
        const details = data.details || {};
        st.done = true;
        finishFile(file, st, details.passed !== false && !details.error, details);
      }
      break;
    case 'test:enqueue':
      if (st && !isFileTest(data)) st.enqueued.push(data.name);
      break;
    case 'test:start':
      if (st && !isFileTest(data)) {
        st.names.length = data.nesting;
        st.names[data.nesting] = data.name;
      }
      break;
    case 'test:pass':
    case 'test:fail': {
      if (!st) break;
      const details = data.details || {};
      // The file's own node is judged at its `test:complete` (pass/fail is not always sent).
      if (isFileTest(data)) break;
      st.finished += 1;
      // A suite's own verdict repeats its tests' (reported one by one), unless a hook failed.
      const error = details.error || {};
      if (details.type === 'suite' && (type === 'test:pass' || error.failureType === 'subtestsFailed')) break;
      const names = st.names.slice(0, data.nesting);
      names.push(data.name);
      const name = `${file} > ${names.join(' > ')}`;
      const skipped = data.skip !== undefined || data.todo !== undefined;
      const record = {
        event: 'test',
        test: name,
        file,
        outcome: type === 'test:pass' ? (skipped ? 'skipped' : 'passed') : 'failed',
        duration_ms: details.duration_ms,
        line: data.line,
        column: data.column,
      };
      if (type === 'test:fail') Object.assign(record, failure(details.error));
      if (record.code === 'ERR_SELFHEAL_EARLY_EXIT') record.outcome = 'incomplete';
      st.reported += 1;
      send(record);
      break;
    }
    default:
      break;
  }
});

function finishFile(file, st, passed, details) {
  const inner = st.enqueued.length;
  const early = st.exits.length > 0;
  // A file that declared node:test tests but reported none never reached them.
  const silent = st.usesNodeTest && inner === 0;
  if (inner > 0 || silent) {
    send({ event: 'file', file, tests: [] , discovered: inner });
    for (const exit of st.exits) send(Object.assign({ event: 'exit' }, exit));
    if (silent) {
      send({ event: 'test', test: file, file, outcome: 'incomplete', message: 'the file uses node:test but reported no test' });
    } else if (st.finished < inner) {
      send({ event: 'unfinished', file, tests: st.enqueued.slice(st.finished) });
    } else if (!passed && st.reported === 0) {
      send(Object.assign({ event: 'test', test: file, file, outcome: 'failed', stderr: st.stderr.slice(-20000) }, failure(details.error)));
    }
    return;
  }
  // A plain script: the file is the test.
  send({ event: 'file', file, tests: [file] });
  for (const exit of st.exits) send(Object.assign({ event: 'exit' }, exit));
  const record = { event: 'test', test: file, file, duration_ms: details.duration_ms };
  if (early) {
    record.outcome = 'incomplete';
  } else if (passed) {
    record.outcome = 'passed';
  } else {
    record.outcome = 'failed';
    record.stderr = st.stderr.slice(-20000);
    Object.assign(record, failure(details.error));
  }
  send(record);
}

stream.on('end', () => {
  send({ event: 'done' });
});
