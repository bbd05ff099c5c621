#!/usr/bin/env node
// Times an ONNX model in ONNX Runtime (the onnxruntime-node package) for
// tools/peers/bench_peers.py, and prints one JSON object on stdout:
//   {"ort_version", "session_ms", "warmup_runs", "times_ms": [...],
//    "outputs": {NAME: {"dims": [...], "file": PATH}}}
//
//   node tools/peers/ort_bench.js --ort DIR/node_modules/onnxruntime-node --model M.onnx
//        --threads T --repeat R [--input NAME=FILE.bin:1x3x224x224]... [--output-dir D]
//        [--warmup-runs 3] [--warmup-ms 50]
//
// The session uses the CPU execution provider, intraOpNumThreads = T, one inter-op
// thread, sequential execution and graphOptimizationLevel 'all'. Inputs are raw
// little-endian float32 files (random values when no --input names one); the first
// run's outputs are written to --output-dir as raw float32. Session creation (load,
// graph optimisation) is timed as session_ms; then warm-up (at least --warmup-runs
// runs and --warmup-ms ms), then R runs timed one by one.
'use strict';
const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const a = { inputs: [], threads: 1, repeat: 10, warmupRuns: 3, warmupMs: 50 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error('missing value for ' + k);
      return argv[++i];
    };
    if (k === '--ort') a.ort = v();
    else if (k === '--model') a.model = v();
    else if (k === '--threads') a.threads = parseInt(v(), 10);
    else if (k === '--repeat') a.repeat = parseInt(v(), 10);
    else if (k === '--input') a.inputs.push(v());
    else if (k === '--output-dir') a.outputDir = v();
    else if (k === '--warmup-runs') a.warmupRuns = parseInt(v(), 10);
    else if (k === '--warmup-ms') a.warmupMs = parseFloat(v());
    else throw new Error('unknown argument ' + k);
  }
  if (!a.ort || !a.model) throw new Error('--ort and --model are required');
  return a;
}

function ms(t0, t1) {
  return Number(t1 - t0) / 1e6;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const ort = require(path.resolve(a.ort));
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(a.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const sessionMs = ms(t0, process.hrtime.bigint());

  const given = {};
  for (const spec of a.inputs) {
    const m = /^([^=]+)=(.*):(\d+(?:x\d+)*)$/.exec(spec);
    if (!m) throw new Error('bad --input ' + spec + ' (NAME=FILE:DIMS)');
    given[m[1]] = { file: m[2], dims: m[3].split('x').map(Number) };
  }
  const feeds = {};
  for (const name of session.inputNames) {
    const g = given[name];
    if (!g) throw new Error('no --input for model input ' + name);
    const n = g.dims.reduce((x, y) => x * y, 1);
    const buf = fs.readFileSync(g.file);
    if (buf.length !== 4 * n) throw new Error(g.file + ': ' + buf.length + ' bytes, expected ' + 4 * n);
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(buf);
    feeds[name] = new ort.Tensor('float32', data, g.dims);
  }

  const first = await session.run(feeds);
  const outputs = {};
  if (a.outputDir) {
    session.outputNames.forEach((name, i) => {
      const t = first[name];
      const file = path.join(a.outputDir, 'ort.out.' + i + '.bin');
      fs.writeFileSync(file, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      outputs[name] = { dims: Array.from(t.dims), file };
    });
  }
  let runs = 1;
  const wEnd = process.hrtime.bigint() + BigInt(Math.round(a.warmupMs * 1e6));
  while (runs < a.warmupRuns || process.hrtime.bigint() < wEnd) {
    await session.run(feeds);
    runs++;
  }
  const times = [];
  for (let i = 0; i < a.repeat; i++) {
    const s = process.hrtime.bigint();
    await session.run(feeds);
    times.push(ms(s, process.hrtime.bigint()));
  }
  let version = null;
  try {
    version = ort.env.versions.node || ort.env.versions.common || null;
  } catch (e) { /* older packages have no env.versions */ }
  process.stdout.write(JSON.stringify({
    ort_version: version, session_ms: sessionMs, warmup_runs: runs, times_ms: times, outputs,
  }) + '\n');
  if (session.release) await session.release();
}

main().catch((e) => {
  process.stderr.write('ort_bench: ' + (e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
