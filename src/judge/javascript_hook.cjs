// selfheal's JavaScript judge: preloaded (`--require`) into every process that runs a test file.
//
// A test file must not end the process: `process.exit()` / `process.reallyExit()` write a marker
// with the caller's location to stderr (synchronously, through a `writeSync` captured before any
// program code runs) and throw instead of exiting, so node's test runner still reports every
// test. The marker only ever makes the verdict fail: a program that prints one fakes nothing.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const writeSync = fs.writeSync;
const MARK = 'selfheal-judge-exit:';
const runner = path.join(__dirname, 'javascript_runner.mjs');

if (process.argv[1] !== runner) {
  const work = process.cwd() + path.sep;
  const site = () => {
    // The first stack frame in the program's own files.
    const stack = String(new Error().stack).split('\n').slice(2);
    for (const line of stack) {
      const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line);
      if (!m) continue;
      const file = m[1].replace(/^file:\/\//, '');
      if (file.startsWith(work) && file !== __filename) {
        return { file: file.slice(work.length), line: Number(m[2]), column: Number(m[3]) };
      }
    }
    return {};
  };
  const stop = (how) => function exit(code) {
    const status = code === undefined ? process.exitCode : code;
    const record = Object.assign({ how: `${how}(${status === undefined ? '' : String(status)})` }, site());
    try {
      writeSync(2, `\n${MARK}${JSON.stringify(record)}\n`);
    } catch (_) {
      // stderr closed by the program: the missing test events still fail the run.
    }
    const error = new Error(
      `${record.how} was called${record.file ? ` at ${record.file}:${record.line}` : ''}: ` +
        'a test must not end the process (selfheal judges only tests that run to their end)',
    );
    error.code = 'ERR_SELFHEAL_EARLY_EXIT';
    throw error;
  };
  Object.defineProperty(process, 'exit', { value: stop('process.exit'), writable: false, configurable: false });
  Object.defineProperty(process, 'reallyExit', { value: stop('process.reallyExit'), writable: false, configurable: false });
}
