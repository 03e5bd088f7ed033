// selfheal's telemetry collector for JavaScript (docs/telemetry.md).
//
// Preloaded (NODE_OPTIONS=--require) into every node process of the sandboxed test run of a
// program that has a telemetry contract. When SELFHEAL_OTEL_FILE is set it registers the
// OpenTelemetry SDK's tracer and meter providers (and an AsyncLocalStorage context manager, so
// that active spans become parents) as the global ones before any program code runs. Each
// finished span is appended at once, as one JSON line, to that file; metrics are collected from
// a pull reader when the event loop empties (`beforeExit`). Each record carries the first stack
// frame in the program's own files: the call that created the span or instrument.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const out = process.env.SELFHEAL_OTEL_FILE;
const runner = /javascript_runner\.mjs$/.test(process.argv[1] || '');

function install() {
  const api = require('@opentelemetry/api');
  const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics');

  const work = process.cwd() + path.sep;
  const fd = fs.openSync(out, 'a', 0o644);
  const emit = (record) => {
    try {
      fs.writeSync(fd, JSON.stringify(record) + '\n');
    } catch (_) {
      // The file is the only channel: a lost record shows up as a mismatch.
    }
  };
  const site = () => {
    const stack = String(new Error().stack).split('\n').slice(2);
    for (const line of stack) {
      const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line);
      if (!m) continue;
      const file = m[1].replace(/^file:\/\//, '');
      if (file.startsWith(work) && file !== __filename && !file.includes(`${path.sep}node_modules${path.sep}`)) {
        return { file: file.slice(work.length), line: Number(m[2]) };
      }
    }
    return {};
  };
  const wire = (value) => {
    if (typeof value === 'boolean') return 'boolean';
    if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
    if (typeof value === 'string') return 'string';
    if (Array.isArray(value)) {
      const inner = new Set(value.map(wire));
      return (inner.size === 1 ? [...inner][0] : 'string') + '[]';
    }
    return typeof value;
  };
  const typed = (attributes) => {
    const result = {};
    for (const [k, v] of Object.entries(attributes || {})) result[k] = wire(v);
    return result;
  };
  const kinds = ['internal', 'server', 'client', 'producer', 'consumer'];
  const statuses = ['unset', 'ok', 'error'];
  const sites = new Map();

  const collector = {
    onStart(span) {
      sites.set(span.spanContext().spanId, site());
    },
    onEnd(span) {
      const id = span.spanContext().spanId;
      const parent = span.parentSpanContext ? span.parentSpanContext.spanId : span.parentSpanId;
      emit(Object.assign({
        kind: 'span',
        name: span.name,
        span_id: id,
        parent_id: parent || null,
        span_kind: kinds[span.kind] || 'internal',
        status: statuses[span.status ? span.status.code : 0] || 'unset',
        attributes: typed(span.attributes),
        exception: (span.events || []).some((e) => e.name === 'exception'),
      }, sites.get(id) || {}));
      sites.delete(id);
    },
    forceFlush() { return Promise.resolve(); },
    shutdown() { return Promise.resolve(); },
  };
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [collector] }));

  class Reader extends MetricReader {
    onForceFlush() { return Promise.resolve(); }
    onShutdown() { return Promise.resolve(); }
  }
  const reader = new Reader();
  const provider = new MeterProvider({ readers: [reader] });
  const created = new Map();
  const factories = {
    createCounter: 'counter',
    createUpDownCounter: 'up_down_counter',
    createHistogram: 'histogram',
    createGauge: 'gauge',
    createObservableCounter: 'counter',
    createObservableUpDownCounter: 'up_down_counter',
    createObservableGauge: 'gauge',
  };
  const getMeter = provider.getMeter.bind(provider);
  provider.getMeter = (...args) => {
    const meter = getMeter(...args);
    for (const [method, instrument] of Object.entries(factories)) {
      const original = meter[method];
      if (typeof original !== 'function' || original.selfheal) continue;
      const factory = function (name, options) {
        if (!created.has(name)) {
          created.set(name, Object.assign({ instrument, unit: (options && options.unit) || '' }, site()));
        }
        return original.call(this, name, options);
      };
      factory.selfheal = true;
      meter[method] = factory;
    }
    return meter;
  };
  api.metrics.setGlobalMeterProvider(provider);

  let flushed = false;
  process.on('beforeExit', () => {
    if (flushed) return;
    flushed = true;
    reader.collect().then(({ resourceMetrics }) => {
      const points = new Map();
      for (const scope of (resourceMetrics && resourceMetrics.scopeMetrics) || []) {
        for (const metric of scope.metrics) {
          const list = points.get(metric.descriptor.name) || [];
          for (const point of metric.dataPoints) list.push(typed(point.attributes));
          points.set(metric.descriptor.name, list);
        }
      }
      for (const [name, info] of created) {
        emit(Object.assign({ kind: 'metric', name, points: points.get(name) || [] }, info));
      }
    }, (error) => {
      process.stderr.write(`selfheal telemetry: metrics not collected: ${error}\n`);
    });
  });
}

if (out && !runner) {
  try {
    install();
  } catch (error) {
    process.stderr.write(`selfheal telemetry: the OpenTelemetry SDK could not be set up: ${error && error.message}\n`);
  }
}
