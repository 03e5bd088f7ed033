"""selfheal's telemetry collector for Python (docs/telemetry.md).

Imported by the interpreter at start-up (`sitecustomize`, found on PYTHONPATH) in the sandboxed
test run of a program that has a telemetry contract. When SELFHEAL_OTEL_FILE is set it installs
the OpenTelemetry SDK's TracerProvider and MeterProvider as the global providers, before any
program code runs, so that `trace.get_tracer(...)` and `metrics.get_meter(...)` in the program
reach them. Each finished span is written at once, as one JSON line, to that file; metrics are
collected from an in-memory reader when the process ends (atexit, and `os._exit`, which test
runners use). Each record carries the first stack frame in the program's own files: the call
that created the span or instrument.
"""

import json
import os
import sys


def _install(path):
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics import Meter as _Meter
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.trace import SpanKind, StatusCode

    work = os.getcwd().rstrip(os.sep) + os.sep
    here = os.path.abspath(__file__)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    write = os.write

    def emit(record):
        try:
            write(fd, (json.dumps(record, separators=(",", ":")) + "\n").encode("utf-8"))
        except OSError:
            pass

    def site(depth):
        frame = sys._getframe(depth)
        while frame is not None:
            name = os.path.abspath(frame.f_code.co_filename)
            if name.startswith(work) and name != here:
                return {"file": name[len(work):], "line": frame.f_lineno}
            frame = frame.f_back
        return {}

    def wire(value):
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int):
            return "int"
        if isinstance(value, float):
            return "double"
        if isinstance(value, str):
            return "string"
        if isinstance(value, (list, tuple)):
            inner = {wire(v) for v in value}
            return (inner.pop() if len(inner) == 1 else "string") + "[]"
        return type(value).__name__

    kinds = {
        SpanKind.INTERNAL: "internal",
        SpanKind.SERVER: "server",
        SpanKind.CLIENT: "client",
        SpanKind.PRODUCER: "producer",
        SpanKind.CONSUMER: "consumer",
    }
    statuses = {StatusCode.UNSET: "unset", StatusCode.OK: "ok", StatusCode.ERROR: "error"}
    sites = {}

    class Collector(SpanProcessor):
        def on_start(self, span, parent_context=None):
            # on_start runs inside start_span: skip the SDK's frames to the program's call.
            sites[span.context.span_id] = site(1)

        def on_end(self, span):
            record = {
                "kind": "span",
                "name": span.name,
                "span_id": format(span.context.span_id, "016x"),
                "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
                "span_kind": kinds.get(span.kind, "internal"),
                "status": statuses.get(span.status.status_code, "unset"),
                "attributes": {k: wire(v) for k, v in (span.attributes or {}).items()},
                "exception": any(e.name == "exception" for e in span.events),
            }
            record.update(sites.pop(span.context.span_id, {}))
            emit(record)

    provider = TracerProvider()
    provider.add_span_processor(Collector())
    trace.set_tracer_provider(provider)

    # Instruments: where each was created, and its kind, from the SDK meter's factories.
    created = {}
    factories = {
        "create_counter": "counter",
        "create_up_down_counter": "up_down_counter",
        "create_histogram": "histogram",
        "create_gauge": "gauge",
        "create_observable_counter": "counter",
        "create_observable_up_down_counter": "up_down_counter",
        "create_observable_gauge": "gauge",
    }

    def wrap(method, instrument):
        original = getattr(_Meter, method, None)
        if original is None:
            return

        def factory(self, name, *args, **kwargs):
            pos = 1 if method.startswith("create_observable") else 0
            unit = kwargs.get("unit", args[pos] if len(args) > pos else "")
            entry = {"instrument": instrument, "unit": unit or ""}
            entry.update(site(2))
            created.setdefault(name, entry)
            return original(self, name, *args, **kwargs)

        setattr(_Meter, method, factory)

    for method, instrument in factories.items():
        wrap(method, instrument)

    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    flushed = []

    def flush():
        if flushed:
            return
        flushed.append(True)
        points = {}
        try:
            data = reader.get_metrics_data()
            for rm in (data.resource_metrics if data else []):
                for sm in rm.scope_metrics:
                    for metric in sm.metrics:
                        entry = points.setdefault(metric.name, {"unit": metric.unit or "", "points": []})
                        for point in metric.data.data_points:
                            entry["points"].append({k: wire(v) for k, v in (point.attributes or {}).items()})
        except Exception as error:  # a broken reader must not hide the spans already written
            sys.stderr.write("selfheal telemetry: metrics not collected: %s\n" % error)
        for name, info in created.items():
            record = {"kind": "metric", "name": name, "instrument": info["instrument"],
                      "unit": info["unit"], "points": points.get(name, {}).get("points", [])}
            for key in ("file", "line"):
                if key in info:
                    record[key] = info[key]
            emit(record)

    import atexit

    atexit.register(flush)
    real_exit = os._exit

    def _exit(status):
        flush()
        real_exit(status)

    os._exit = _exit


_path = os.environ.get("SELFHEAL_OTEL_FILE")
if _path:
    try:
        _install(_path)
    except Exception as _error:
        sys.stderr.write("selfheal telemetry: the OpenTelemetry SDK could not be set up: %s\n" % _error)
