//! The HTTP layer: routes, authentication, limits at the door, the audit log.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, MethodRouter};
use axum::Router;
use futures_util::Stream;
use tokio::sync::{broadcast, watch};

use super::config::TenantConfig;
use super::exec::{Refusal, Request as WorkRequest};
use super::jobs::{now_ms, JobEvent, JobKind, JobRecord};
use super::service::{ActiveJob, CancelOutcome, Service};

/// What every handler reaches.
#[derive(Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    pub audit: Arc<Audit>,
    /// Turns true when the server shuts down: open event streams end.
    pub shutdown: watch::Receiver<bool>,
}

/// What the audit line of a request says beyond method, route, status and duration; put in
/// the response's extensions by handlers and errors.
#[derive(Clone, Default)]
struct AuditNote {
    tenant: Option<String>,
    code: Option<&'static str>,
    job: Option<String>,
}

/// An error answer: status, JSON body `{"error": {"code", "message", "limit"?}}`, and the
/// headers that go with it (`Retry-After`, `WWW-Authenticate`).
#[derive(Debug)]
pub struct HttpError {
    // Boxed: handlers return `Result<_, HttpError>` and the refusal is large.
    refusal: Box<Refusal>,
    retry_after: Option<u64>,
    tenant: Option<String>,
}

impl HttpError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> HttpError {
        HttpError {
            refusal: Box::new(Refusal::new(status, code, message)),
            retry_after: None,
            tenant: None,
        }
    }

    fn from_refusal(refusal: Refusal, tenant: &str) -> HttpError {
        HttpError {
            refusal: Box::new(refusal),
            retry_after: None,
            tenant: Some(tenant.to_string()),
        }
    }

    fn retry_after(mut self, seconds: Option<u64>) -> HttpError {
        self.retry_after = seconds;
        self
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let r = &self.refusal;
        let mut error = serde_json::json!({"code": r.code, "message": r.message});
        if let (Some((name, value)), Some(map)) = (&r.limit, error.as_object_mut()) {
            map.insert(
                "limit".into(),
                serde_json::json!({"name": name, "value": value}),
            );
        }
        if let (Some(s), Some(map)) = (self.retry_after, error.as_object_mut()) {
            map.insert("retry_after_secs".into(), s.into());
        }
        let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response =
            (status, axum::Json(serde_json::json!({ "error": error }))).into_response();
        if let Some(s) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"selfheal\""),
            );
        }
        response.extensions_mut().insert(AuditNote {
            tenant: self.tenant,
            code: Some(r.code),
            job: None,
        });
        response
    }
}

/// The audit log: one JSON line per request (time, tenant, method, route template, status,
/// outcome code, job id, duration). Never a program, a key or a request body.
pub struct Audit {
    out: Mutex<Box<dyn Write + Send>>,
}

impl Audit {
    /// Appends to `path` (created with its directory), or writes to stderr for `None`.
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn open(path: Option<&std::path::Path>) -> std::io::Result<Audit> {
        let out: Box<dyn Write + Send> = match path {
            Some(p) => {
                if let Some(dir) = p.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                Box::new(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(p)?,
                )
            }
            None => Box::new(std::io::stderr()),
        };
        Ok(Audit {
            out: Mutex::new(out),
        })
    }

    fn line(&self, value: &serde_json::Value) {
        let mut line = value.to_string();
        line.push('\n');
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        // One write per line (O_APPEND for a file): lines never interleave.
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
}

/// Writes the audit line and counts the request in the metrics.
async fn audit(State(state): State<AppState>, request: Request<Body>, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let response = next.run(request).await;
    let duration = started.elapsed();
    let status = response.status().as_u16();
    let note = response
        .extensions()
        .get::<AuditNote>()
        .cloned()
        .unwrap_or_default();
    state.service.metrics.request(&route, status, duration);
    if let (Some(tenant), Some(code)) = (&note.tenant, note.code) {
        if status >= 400 {
            state.service.metrics.refusal(tenant, code);
        }
    }
    state.audit.line(&serde_json::json!({
        "ts_ms": now_ms(),
        "tenant": note.tenant,
        "method": method.as_str(),
        "route": route,
        "status": status,
        "outcome": note.code.unwrap_or(if status < 400 { "ok" } else { "error" }),
        "job": note.job,
        "duration_ms": (duration.as_secs_f64() * 1e6).round() / 1e3,
    }));
    response
}

/// The tenant whose key the request carries (`Authorization: Bearer <key>`).
fn authenticate(service: &Service, headers: &HeaderMap) -> Result<TenantConfig, HttpError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(HttpError::new(
            401,
            "unauthenticated",
            "no API key: send `Authorization: Bearer <key>`",
        ));
    };
    let key = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            HttpError::new(
                401,
                "unauthenticated",
                "the Authorization header is not `Bearer <key>`",
            )
        })?;
    let tenants = service.tenants();
    let tenant = tenants
        .keys
        .tenant_of(key)
        .and_then(|id| tenants.by_id.get(id))
        .ok_or_else(|| {
            HttpError::new(
                401,
                "invalid_key",
                "the API key is not valid (unknown, revoked or rotated); ask the operator for a current key",
            )
        })?;
    Ok(tenant.clone())
}

/// Reads the body, refusing it past `max_body_bytes` (413 naming the limit).
async fn read_body(
    service: &Service,
    tenant: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<serde_json::Value, HttpError> {
    let max = service.config().max_body_bytes;
    let too_large = |size: Option<u64>| {
        let size = size.map_or_else(|| "more".to_string(), |s| s.to_string());
        HttpError::from_refusal(
            Refusal::limit(
                413,
                "body_too_large",
                format!("the request body is {size} bytes, over max_body_bytes = {max}"),
                "max_body_bytes",
                max,
            ),
            tenant,
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(len) = declared {
        if len > max as u64 {
            return Err(too_large(Some(len)));
        }
    }
    let bytes = axum::body::to_bytes(body, max)
        .await
        .map_err(|_| too_large(None))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        HttpError::from_refusal(
            Refusal::new(
                400,
                "invalid_json",
                format!("the request body is not JSON: {e}"),
            ),
            tenant,
        )
    })
}

fn job_response(status: StatusCode, record: &JobRecord, tenant: &str) -> Response {
    let mut response = (status, axum::Json(record.public_view())).into_response();
    if status == StatusCode::ACCEPTED {
        if let Ok(v) = HeaderValue::from_str(&format!("/v1/jobs/{}", record.id)) {
            response.headers_mut().insert(header::LOCATION, v);
        }
    }
    response.extensions_mut().insert(AuditNote {
        tenant: Some(tenant.to_string()),
        code: None,
        job: Some(record.id.clone()),
    });
    response
}

/// `POST /v1/{check,run,heal,generate,eval}`.
async fn work(
    service: Arc<Service>,
    kind: JobKind,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, HttpError> {
    let tenant = authenticate(&service, &headers)?;
    if !tenant.routes.contains(kind.name()) {
        return Err(HttpError::from_refusal(
            Refusal::new(
                403,
                "forbidden",
                format!(
                    "tenant {:?} may not call /v1/{}; its routes: {}",
                    tenant.id,
                    kind.name(),
                    tenant.routes.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            ),
            &tenant.id,
        ));
    }
    service
        .take_rate(&tenant)
        .map_err(|(r, wait)| HttpError::from_refusal(r, &tenant.id).retry_after(Some(wait)))?;
    let body = read_body(&service, &tenant.id, &headers, body).await?;
    let config = service.config();
    let wait = match body.get("wait_ms") {
        None | Some(serde_json::Value::Null) => config.sync_wait,
        Some(v) => {
            let ms = v.as_u64().ok_or_else(|| {
                HttpError::from_refusal(
                    Refusal::new(
                        422,
                        "invalid_request",
                        "wait_ms: give a number of milliseconds",
                    ),
                    &tenant.id,
                )
            })?;
            let max = super::config::MAX_SYNC_WAIT;
            if ms > max.as_millis() as u64 {
                return Err(HttpError::from_refusal(
                    Refusal::limit(
                        422,
                        "limit_exceeded",
                        format!("wait_ms = {ms} is over {} ms", max.as_millis()),
                        "wait_ms",
                        max.as_millis() as u64,
                    ),
                    &tenant.id,
                ));
            }
            std::time::Duration::from_millis(ms)
        }
    };
    let request = WorkRequest::parse(kind, &body, &tenant)
        .map_err(|r| HttpError::from_refusal(r, &tenant.id))?;
    let job = service
        .accept(&tenant, kind, body, &request)
        .map_err(|(r, wait)| HttpError::from_refusal(r, &tenant.id).retry_after(wait))?;
    drop(request);
    let finished = tokio::time::timeout(wait, job.finished()).await.is_ok();
    let record = job.snapshot();
    let status = if finished {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok(job_response(status, &record, &tenant.id))
}

fn not_found(tenant: &str, id: &str) -> HttpError {
    HttpError::from_refusal(
        Refusal::new(
            404,
            "job_not_found",
            format!("no job {id:?} of this tenant"),
        ),
        tenant,
    )
}

/// `GET /v1/jobs/{id}`.
async fn get_job(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let tenant = authenticate(&state.service, &headers)?;
    let record = state
        .service
        .job(&tenant.id, &id)
        .ok_or_else(|| not_found(&tenant.id, &id))?;
    Ok(job_response(StatusCode::OK, &record, &tenant.id))
}

/// `DELETE /v1/jobs/{id}`.
async fn cancel_job(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let tenant = authenticate(&state.service, &headers)?;
    match state.service.cancel(&tenant.id, &id) {
        CancelOutcome::Cancelled(record) => Ok(job_response(StatusCode::OK, &record, &tenant.id)),
        CancelOutcome::AlreadyFinished(record) => Err(HttpError::from_refusal(
            Refusal::new(
                409,
                "job_finished",
                format!(
                    "job {id} already ended ({}); there is nothing to cancel",
                    record.state.name()
                ),
            ),
            &tenant.id,
        )),
        CancelOutcome::NotFound => Err(not_found(&tenant.id, &id)),
    }
}

/// An event as SSE: `id` the sequence number, `event` the kind, `data` JSON.
fn sse_event(e: &JobEvent) -> Event {
    let data = serde_json::json!({"at_ms": e.at_ms, "data": e.data});
    Event::default()
        .id(e.seq.to_string())
        .event(e.event.clone())
        .data(data.to_string())
}

fn is_final_event(e: &JobEvent) -> bool {
    e.event == "state"
        && matches!(
            e.data.get("state").and_then(|s| s.as_str()),
            Some("succeeded" | "failed" | "cancelled")
        )
}

struct Follow {
    backlog: VecDeque<JobEvent>,
    rx: Option<broadcast::Receiver<JobEvent>>,
    job: Option<Arc<ActiveJob>>,
    last: u64,
    shutdown: watch::Receiver<bool>,
}

fn follow(f: Follow) -> impl Stream<Item = Result<Event, std::convert::Infallible>> {
    futures_util::stream::unfold(f, |mut f| async move {
        loop {
            if let Some(e) = f.backlog.pop_front() {
                if e.seq <= f.last {
                    continue;
                }
                f.last = e.seq;
                if is_final_event(&e) {
                    f.rx = None;
                    f.backlog.clear();
                }
                return Some((Ok(sse_event(&e)), f));
            }
            if *f.shutdown.borrow() {
                return None;
            }
            let rx = f.rx.as_mut()?;
            tokio::select! {
                r = rx.recv() => match r {
                    Ok(e) => f.backlog.push_back(e),
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        if let Some(job) = &f.job {
                            f.backlog.extend(job.events_after(f.last));
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = f.shutdown.changed() => return None,
            }
        }
    })
}

/// `GET /v1/jobs/{id}/events`: the job's events from the first (or after `Last-Event-ID`),
/// then live until the job ends.
async fn job_events(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let tenant = authenticate(&state.service, &headers)?;
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let follow_state = match state.service.active_job(&tenant.id, &id) {
        Some(job) => {
            let (events, rx) = job.subscribe();
            Follow {
                backlog: events.into(),
                rx: Some(rx),
                job: Some(job),
                last,
                shutdown: state.shutdown.clone(),
            }
        }
        None => {
            state
                .service
                .job(&tenant.id, &id)
                .ok_or_else(|| not_found(&tenant.id, &id))?;
            Follow {
                backlog: state.service.store.events(&id).into(),
                rx: None,
                job: None,
                last,
                shutdown: state.shutdown.clone(),
            }
        }
    };
    let mut response = Sse::new(follow(follow_state))
        .keep_alive(KeepAlive::default())
        .into_response();
    response.extensions_mut().insert(AuditNote {
        tenant: Some(tenant.id.clone()),
        code: None,
        job: Some(id),
    });
    Ok(response)
}

async fn healthz() -> Response {
    axum::Json(serde_json::json!({"status": "ok"})).into_response()
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.service.is_ready() {
        axum::Json(serde_json::json!({"status": "ready"})).into_response()
    } else {
        let why = if state.service.is_draining() {
            "draining"
        } else {
            "starting"
        };
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": why})),
        )
            .into_response()
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.service.metrics.render(&state.service.gauges());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn openapi() -> Response {
    axum::Json(super::openapi::document()).into_response()
}

async fn fallback(method: Method) -> HttpError {
    HttpError::new(
        404,
        "no_route",
        format!("no route for this {method} request; the API is described at /v1/openapi.json"),
    )
}

/// The router with every route recorded as it is added (the OpenAPI test compares them).
pub struct Routes {
    router: Router<AppState>,
    /// (method, path) in the order added.
    pub list: Vec<(&'static str, &'static str)>,
}

impl Routes {
    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        self.list.push((method, path));
        self.router = self.router.route(path, handler);
        self
    }
}

fn work_route(kind: JobKind) -> MethodRouter<AppState> {
    post(
        move |State(state): State<AppState>, headers: HeaderMap, body: Body| async move {
            work(state.service, kind, headers, body).await
        },
    )
}

/// Every route of the service.
pub fn routes() -> Routes {
    Routes {
        router: Router::new(),
        list: Vec::new(),
    }
    .add("post", "/v1/check", work_route(JobKind::Check))
    .add("post", "/v1/run", work_route(JobKind::Run))
    .add("post", "/v1/heal", work_route(JobKind::Heal))
    .add("post", "/v1/generate", work_route(JobKind::Generate))
    .add("post", "/v1/eval", work_route(JobKind::Eval))
    .add("get", "/v1/jobs/{id}", get(get_job))
    .add("delete", "/v1/jobs/{id}", delete(cancel_job))
    .add("get", "/v1/jobs/{id}/events", get(job_events))
    .add("get", "/v1/openapi.json", get(openapi))
    .add("get", "/healthz", get(healthz))
    .add("get", "/readyz", get(readyz))
    .add("get", "/metrics", get(metrics))
}

/// The service's router over `state`.
pub fn app(state: AppState) -> Router {
    routes()
        .router
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), audit))
        .with_state(state)
}
