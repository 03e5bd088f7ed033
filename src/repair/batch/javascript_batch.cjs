// selfheal's batched test driver for JavaScript candidates (Node's standard library only).
//
// Usage (inside the sandbox, cwd = the batch's work directory):
//
//     node javascript_batch.cjs PLAN.json   (one secret per candidate on stdin, one line each)
//
// PLAN.json: {"runner": [argv of the judged test runner], "candidates": [directory, ...],
// "wall": seconds, "cpu": seconds, "results": path}. For each candidate in turn, the driver
// starts the judged runner in the candidate's directory (a process of its own, so each
// candidate's modules load fresh; the runner runs each test file in a child of its own, as the
// test step does), gives it that candidate's secret on stdin and captures its record channel.
// A candidate that runs past `wall` seconds is killed with its process group (CPU time is
// bounded per process by the sandbox's RLIMIT_CPU): a looping candidate costs one limit. The
// driver stops after the first candidate whose records say it passed. At the end the driver
// writes one JSON line per candidate to `results`. This is a filter: a candidate
// that passes here is validated again alone before anyone believes it.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');

const OUTPUT_LIMIT = 16 << 20;

function readSecrets(count) {
  const text = fs.readFileSync(0, 'utf8');
  return text.split('\n').slice(0, count).map((line) => line.trim());
}

// Whether the runner's records say every test passed and the run reached its end (the host
// judges for itself; this only decides whether the driver may stop).
function looksPassed(result, secret) {
  if (result.ended !== 'exited') return false;
  const prefix = secret + ' ';
  let done = false;
  let tests = 0;
  for (const line of result.stdout.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    let record;
    try {
      record = JSON.parse(line.slice(prefix.length));
    } catch (_) {
      return false;
    }
    if (record.event === 'done') done = true;
    else if (record.event === 'test') {
      tests += 1;
      if (record.outcome !== 'passed' && record.outcome !== 'skipped') return false;
    } else if (record.event === 'exit') return false;
  }
  return done && tests > 0;
}

function run(index, runner, directory, secret, wallSeconds) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(runner[0], runner.slice(1), {
      cwd: directory,
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const chunks = [];
    let size = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (_) {
        // already gone
      }
    }, wallSeconds * 1000);
    child.stdout.on('data', (chunk) => {
      if (size < OUTPUT_LIMIT) {
        chunks.push(chunk);
        size += chunk.length;
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(secret + '\n');
    child.on('error', () => {});
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (_) {
        // the group is empty
      }
      let ended = 'exited';
      if (timedOut) ended = 'timeout';
      else if (signal === 'SIGXCPU' || signal === 'SIGKILL') ended = 'cpu';
      else if (signal) ended = 'signal';
      resolve({
        index,
        ended,
        exit_code: code,
        signal: null,
        wall_ms: Number(process.hrtime.bigint() - started) / 1e6,
        stdout: Buffer.concat(chunks).toString('utf8'),
      });
    });
  });
}

async function main() {
  const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const secrets = readSecrets(plan.candidates.length);
  const results = [];
  for (let i = 0; i < plan.candidates.length; i++) {
    const result = await run(i, plan.runner, plan.candidates[i], secrets[i] || '', plan.wall);
    results.push(result);
    // Candidates come best-ranked first: once one looks passed, the rest are not needed
    // unless the host disagrees (it then validates them alone).
    if (looksPassed(result, secrets[i] || '')) break;
  }
  // Written only once every candidate is gone, so none can touch another's result.
  fs.writeFileSync(plan.results, results.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

main();
