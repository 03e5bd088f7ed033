//! The OpenAPI 3.1 document of the service, served at `/v1/openapi.json` and checked in at
//! `openapi/selfheal.v1.json` (`selfheal serve openapi` prints it; a test keeps both equal and
//! every route documented).

use serde_json::{json, Value};

/// The version of the API (the `/v1` prefix).
pub const API_VERSION: &str = "1.0.0";

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn job_responses(extra: &[(&str, &str)]) -> Value {
    let mut r = json!({
        "200": {
            "description": "The job finished within the wait: its record with the result.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}
        },
        "202": {
            "description": "Accepted; still queued or running. Follow `Location` (`/v1/jobs/{id}`) or its events.",
            "headers": {"Location": {"schema": {"type": "string"}, "description": "The job's URL."}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}
        },
        "400": error_response("The body is not JSON (`invalid_json`)."),
        "401": error_response("No key or an unknown key (`unauthenticated`, `invalid_key`)."),
        "403": error_response("The tenant may not call this route (`forbidden`) or is not set up (`unknown_tenant`)."),
        "413": error_response("The body is over `max_body_bytes` (`body_too_large`) or the program over the tenant's `max_program_bytes` (`program_too_large`)."),
        "422": error_response("The request or the program is malformed (`invalid_request`, `invalid_program`, `invalid_spec`) or asks more than a limit (`limit_exceeded`)."),
        "429": {
            "description": "A quota is spent: `rate_limited` (`requests_per_minute`), `too_many_jobs` (`max_queued_jobs`) or `cpu_quota_spent` (`cpu_seconds_per_minute`).",
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        },
        "500": error_response("The job could not be persisted (`storage`) or the tenant not set up (`tenant_setup`)."),
        "503": error_response("The service is draining after SIGTERM (`draining`) or the host's sandboxes are all busy (`host_busy`)."),
    });
    if let Some(map) = r.as_object_mut() {
        for (code, description) in extra {
            map.insert(code.to_string(), error_response(description));
        }
    }
    r
}

fn work(summary: &str, description: &str, schema: &str) -> Value {
    json!({
        "post": {
            "summary": summary,
            "description": description,
            "security": [{"bearer": []}],
            "requestBody": {
                "required": true,
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}
            },
            "responses": job_responses(&[])
        }
    })
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "description": "The job id (`job_` and 32 hex digits)."})
}

fn program_properties() -> Value {
    json!({
        "language": {"type": "string", "enum": ["rust", "python", "javascript", "go"]},
        "files": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Relative path → source text."},
        "protected": {"type": "array", "items": {"type": "string"}, "description": "Paths no fix may change (tests)."},
        "options": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Toolchain options, e.g. `edition`."},
        "data_files": {"type": "object", "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"base64": {"type": "string"}}, "required": ["base64"]}]}, "description": "Files the program reads: text, or `{\"base64\": …}`."},
        "wait_ms": {"type": "integer", "minimum": 0, "maximum": 60000, "description": "How long to wait for the result before answering 202 (default: the server's `sync_wait_ms`)."}
    })
}

fn budget_properties() -> Value {
    json!({
        "max_retries": {"type": "integer", "minimum": 0, "maximum": 20, "description": "Rounds of repair (default 5)."},
        "timeout_secs": {"type": "number", "exclusiveMinimum": 0, "description": "Wall-clock budget (default and maximum: the tenant's `max_job_seconds`)."},
        "beam": {"type": "integer", "minimum": 1, "maximum": 32, "description": "Candidates per round (default 8)."},
        "strategies": {"type": "array", "items": {"type": "string"}, "description": "Only these fix strategies, by id."}
    })
}

fn merge(parts: &[Value]) -> Value {
    let mut out = serde_json::Map::new();
    for p in parts {
        if let Some(map) = p.as_object() {
            out.extend(map.clone());
        }
    }
    Value::Object(out)
}

fn expect_property() -> Value {
    json!({"expect": {"type": "string", "enum": ["check", "test"], "description": "`check` compiles only; `test` also runs the tests (default: `test` when the program has tests)."}})
}

/// The document.
pub fn document() -> Value {
    let program_required = json!(["language", "files"]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "selfheal",
            "version": API_VERSION,
            "description": "Validate, run and repair machine-generated programs (Rust, Python, JavaScript, Go) in a sandbox, per tenant. Every work request is a job: answered at once with its result when it finishes within `wait_ms`, else 202 and followed at /v1/jobs/{id}. See docs/service.md."
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A tenant's API key (`sh_…`)."}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string", "description": "Stable: unauthenticated, invalid_key, forbidden, unknown_tenant, rate_limited, too_many_jobs, cpu_quota_spent, host_busy, body_too_large, program_too_large, too_many_cases, limit_exceeded, invalid_json, invalid_request, invalid_program, invalid_spec, job_not_found, job_finished, draining, storage, tenant_setup, no_route."},
                            "message": {"type": "string"},
                            "limit": {"type": "object", "properties": {"name": {"type": "string"}, "value": {}}, "description": "The limit that refused the request and its value."},
                            "retry_after_secs": {"type": "integer"}
                        }
                    }}
                },
                "Job": {
                    "type": "object",
                    "required": ["id", "kind", "state", "created_ms", "attempts"],
                    "properties": {
                        "id": {"type": "string"},
                        "kind": {"type": "string", "enum": ["check", "run", "heal", "generate", "eval"]},
                        "state": {"type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"]},
                        "created_ms": {"type": "integer"},
                        "started_ms": {"type": "integer"},
                        "finished_ms": {"type": "integer"},
                        "attempts": {"type": "integer", "description": "Starts of the job (more than 1 after a restart resumed it)."},
                        "result": {"description": "check: a ValidationResult; run: a RunReport; heal: a HealReport; generate: a GenerationReport; eval: {summary, results}. The shapes are the library's JSON (the CLI's `--format json`)."},
                        "error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}, "description": "Why a failed or cancelled job did not finish."}
                    }
                },
                "CheckRequest": {"type": "object", "required": program_required, "properties": merge(&[program_properties(), expect_property()])},
                "RunRequest": {"type": "object", "required": program_required, "properties": merge(&[program_properties(), json!({
                    "timeout_secs": {"type": "number", "exclusiveMinimum": 0, "description": "Wall-clock limit of the run (at most the tenant's `max_run_seconds`)."},
                    "memory_mib": {"type": "integer", "minimum": 1, "description": "Memory limit (at most the tenant's `max_memory_bytes`)."},
                    "stdin": {"type": "string", "description": "Fed to the program's standard input."}
                })])},
                "HealRequest": {"type": "object", "required": program_required, "properties": merge(&[program_properties(), expect_property(), budget_properties()])},
                "GenerateRequest": {"type": "object", "required": ["spec"], "properties": merge(&[json!({
                    "spec": {"type": "string", "description": "A spec in TOML (docs/generate.md), generated with the built-in templates."},
                    "max_generations": {"type": "integer", "minimum": 1, "maximum": 10},
                    "wait_ms": {"type": "integer", "minimum": 0, "maximum": 60000}
                }), budget_properties()])},
                "EvalRequest": {"type": "object", "required": ["cases"], "properties": merge(&[json!({
                    "cases": {"type": "array", "items": {"type": "object", "description": "A corpus case (docs/corpus-format.md)."}, "description": "At most the tenant's `max_eval_cases`."},
                    "wait_ms": {"type": "integer", "minimum": 0, "maximum": 60000}
                }), budget_properties()])}
            }
        },
        "paths": {
            "/v1/check": work("Validate a program", "Compile (and test) the program in the sandbox; the result lists its errors. Answered from the tenant's own validation cache when it has the verdict.", "CheckRequest"),
            "/v1/run": work("Run a program", "Build the program if needed and run it in the sandbox with the given input and limits.", "RunRequest"),
            "/v1/heal": work("Repair a program", "Validate, propose fixes, validate candidates, until it passes or the budget is spent. Progress events: one per validation.", "HealRequest"),
            "/v1/generate": work("Generate and heal from a spec", "Render the spec with the built-in templates, heal, regenerate with feedback while it fails.", "GenerateRequest"),
            "/v1/eval": work("Heal corpus cases", "Heal every case and summarize. Progress events: one per case.", "EvalRequest"),
            "/v1/jobs/{id}": {
                "get": {
                    "summary": "A job's state and result",
                    "security": [{"bearer": []}],
                    "parameters": [id_param()],
                    "responses": {
                        "200": {"description": "The job.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                        "401": error_response("No key or an unknown key."),
                        "404": error_response("No such job of this tenant (`job_not_found`); another tenant's job is not found either.")
                    }
                },
                "delete": {
                    "summary": "Cancel a job",
                    "description": "A queued job never starts; a running one is stopped (its sandboxes killed).",
                    "security": [{"bearer": []}],
                    "parameters": [id_param()],
                    "responses": {
                        "200": {"description": "Cancelled: the job's record.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                        "401": error_response("No key or an unknown key."),
                        "404": error_response("No such job of this tenant."),
                        "409": error_response("The job already ended (`job_finished`).")
                    }
                }
            },
            "/v1/jobs/{id}/events": {
                "get": {
                    "summary": "A job's progress as server-sent events",
                    "description": "Every event from the first (or after `Last-Event-ID`), then live ones until the job ends. Each has an `id` (1, 2, …), an `event` (`state`, `progress`, `notice`) and JSON `data` `{at_ms, data}`.",
                    "security": [{"bearer": []}],
                    "parameters": [id_param(), {"name": "Last-Event-ID", "in": "header", "required": false, "schema": {"type": "integer"}}],
                    "responses": {
                        "200": {"description": "The event stream.", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                        "401": error_response("No key or an unknown key."),
                        "404": error_response("No such job of this tenant.")
                    }
                }
            },
            "/v1/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}}}}
            },
            "/healthz": {
                "get": {"summary": "Liveness", "responses": {"200": {"description": "The process serves requests.", "content": {"application/json": {"schema": {"type": "object"}}}}}}
            },
            "/readyz": {
                "get": {"summary": "Readiness", "responses": {
                    "200": {"description": "Ready: jobs resumed, taking work.", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "503": {"description": "Starting or draining.", "content": {"application/json": {"schema": {"type": "object"}}}}
                }}
            },
            "/metrics": {
                "get": {"summary": "Metrics (Prometheus text format 0.0.4)", "responses": {"200": {"description": "Counters and gauges.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}
            }
        }
    })
}

/// The document as checked in: pretty JSON with a final newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_route_is_documented_and_nothing_else() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        let mut documented: Vec<(String, String)> = paths
            .iter()
            .flat_map(|(p, ops)| {
                ops.as_object()
                    .unwrap()
                    .keys()
                    .map(|m| (m.clone(), p.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        documented.sort();
        let mut registered: Vec<(String, String)> = super::super::http::routes()
            .list
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        registered.sort();
        assert_eq!(documented, registered);
    }

    #[test]
    fn the_checked_in_document_is_this_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/selfheal.v1.json");
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == document_text(),
            "openapi/selfheal.v1.json is out of date: run `selfheal serve openapi > openapi/selfheal.v1.json`"
        );
    }
}
