//! The Schakel TAXII 2.1 server: actix-web routing, authentication, TLS, provisioning, wired to
//! the [`store::Store`] and the STIX validator.
//!
//! [`start`] runs a server and returns its address and a handle (tests bind `127.0.0.1:0`);
//! the `schakel serve` command calls it with the provisioning file or the embedded defaults.

#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
pub mod error;
pub mod explain;
pub mod export;
pub mod federation;
pub mod handlers;
pub mod import;
pub mod ingest;
pub mod metrics;
pub mod provision;
pub mod redaction;
pub mod state;
pub mod tls;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use store::Store;
use store::sqlite::{SqliteOptions, SqliteStore};
use taxii::cursor::CursorKey;

use crate::config::ProvisioningFile;
use crate::error::ApiError;
use crate::state::{AppState, Settings};

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("storage: {0}")]
    Store(#[from] store::StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// How the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// TLS with this certificate chain and key (PEM files).
    Tls { cert: PathBuf, key: PathBuf },
    /// Plain HTTP: loopback only.
    Plain,
}

/// The TAXII routes (T-22), each with and without the trailing slash (interop contract
/// point 4).
///
/// One hand-written dispatcher instead of actix resources: the router matches every pattern
/// with a regular expression in turn, which cost a fifth of the CPU of a point lookup; the
/// TAXII URL space is small enough to match by splitting the path.
pub fn routes<S: Store>(cfg: &mut web::ServiceConfig) {
    cfg.default_service(web::to(dispatch::<S>));
}

async fn dispatch<S: Store>(
    req: HttpRequest,
    state: web::Data<AppState<S>>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let started = std::time::Instant::now();
    let endpoint = endpoint_of(req.path(), req.method());
    let metrics = state.clone();
    let result = route(req, state, payload).await;
    let status = match &result {
        Ok(r) => r.status().as_u16(),
        Err(e) => actix_web::ResponseError::status_code(e).as_u16(),
    };
    metrics.metrics.request(endpoint, status, started.elapsed());
    result
}

/// The metrics label of a request: the TAXII endpoint (or operator endpoint) its path names.
fn endpoint_of(path: &str, method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    let trimmed = path.trim_matches('/');
    let s: Vec<&str> = if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    };
    match (s.as_slice(), method) {
        (["taxii2"], _) => "discovery",
        (["healthz"] | ["readyz"], _) => "health",
        (["metrics"], _) => "metrics",
        (["schakel", "explain"], _) => "explain",
        (["schakel", "relay"], _) => "relay",
        ([_], _) => "api_root",
        ([_, "status", _], _) => "status",
        ([_, "collections"], _) => "collections",
        ([_, "collections", _], _) => "collection",
        ([_, "collections", _, "manifest"], _) => "manifest",
        ([_, "collections", _, "objects"], m) if *m == Method::POST => "add_objects",
        ([_, "collections", _, "objects"], _) => "objects",
        ([_, "collections", _, "objects", _], m) if *m == Method::DELETE => "delete_object",
        ([_, "collections", _, "objects", _], _) => "object",
        ([_, "collections", _, "objects", _, "versions"], _) => "versions",
        _ => "unknown",
    }
}

async fn route<S: Store>(
    req: HttpRequest,
    state: web::Data<AppState<S>>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    use actix_web::http::Method;
    use handlers as h;
    let raw = req.path();
    let trimmed = raw.strip_suffix('/').unwrap_or(raw);
    let Some(rest) = trimmed.strip_prefix('/') else {
        return h::not_found().await;
    };
    // A segment that does not percent-decode becomes empty: 404 like any unknown path.
    let segs: Vec<String> = rest
        .split('/')
        .map(|p| taxii::query::percent_decode(p).unwrap_or_default())
        .collect();
    if segs.iter().any(String::is_empty) {
        return h::not_found().await;
    }
    let m = req.method().clone();
    let get = m == Method::GET;
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let o = |v: &str| v.to_owned();
    match s.as_slice() {
        ["taxii2"] if get => h::discovery(req, state).await,
        ["taxii2"] => Ok(h::method_not_allowed("GET").await),
        // Operations: liveness and readiness (no credentials), metrics (operators).
        ["healthz"] if get => Ok(h::healthz()),
        ["readyz"] if get => h::readyz(state).await,
        ["metrics"] if get => h::metrics(req, state).await,
        ["healthz" | "readyz" | "metrics"] => Ok(h::method_not_allowed("GET").await),
        // Operator endpoints live under `/schakel/`, a name no API root may take.
        ["schakel", "explain"] if get => h::explain(req, state).await,
        ["schakel", "explain"] => Ok(h::method_not_allowed("GET").await),
        ["schakel", "relay"] if m == Method::POST => h::relay(req, state, payload).await,
        ["schakel", "relay"] => Ok(h::method_not_allowed("POST").await),
        [root] if get => h::api_root(req, state, o(root)).await,
        [_] => Ok(h::method_not_allowed("GET").await),
        [root, "status", id] if get => h::status(req, state, (o(root), o(id))).await,
        [_, "status", _] => Ok(h::method_not_allowed("GET").await),
        [root, "collections"] if get => h::collections(req, state, o(root)).await,
        [_, "collections"] => Ok(h::method_not_allowed("GET").await),
        [root, "collections", c] if get => h::collection(req, state, (o(root), o(c))).await,
        [_, "collections", _] => Ok(h::method_not_allowed("GET").await),
        [root, "collections", c, "manifest"] if get => {
            h::manifest(req, state, (o(root), o(c))).await
        }
        [_, "collections", _, "manifest"] => Ok(h::method_not_allowed("GET").await),
        [root, "collections", c, "objects"] if get => {
            h::get_objects(req, state, (o(root), o(c))).await
        }
        [root, "collections", c, "objects"] if m == Method::POST => {
            h::add_objects(req, state, (o(root), o(c)), payload).await
        }
        [_, "collections", _, "objects"] => Ok(h::method_not_allowed("GET, POST").await),
        [root, "collections", c, "objects", id] if get => {
            h::get_object(req, state, (o(root), o(c), o(id))).await
        }
        [root, "collections", c, "objects", id] if m == Method::DELETE => {
            h::delete_object(req, state, (o(root), o(c), o(id))).await
        }
        [_, "collections", _, "objects", _] => Ok(h::method_not_allowed("GET, DELETE").await),
        [root, "collections", c, "objects", id, "versions"] if get => {
            h::versions(req, state, (o(root), o(c), o(id))).await
        }
        [_, "collections", _, "objects", _, "versions"] => Ok(h::method_not_allowed("GET").await),
        _ => h::not_found().await,
    }
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub transport: Transport,
    pub handle: ServerHandle,
    /// Completes when the server has stopped.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Everything [`start`] needs.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub file: ProvisioningFile,
    /// Whether the provisioning came from a file (apply it) or is the embedded default
    /// (provision defaults into an empty store only).
    pub from_file: bool,
    /// The system clock, or a fixed one in tests.
    pub clock: state::Clock,
}

/// Opens the store, applies provisioning, and starts listening. Must run inside a tokio
/// runtime (actix's `System` or `#[tokio::main]`).
pub async fn start(
    opts: StartOptions,
) -> Result<(Running, Option<provision::Created>), ServeError> {
    let server = &opts.file.server;
    let addr: SocketAddr = server
        .listen
        .parse()
        .map_err(|e| ServeError::Refused(format!("listen address {:?}: {e}", server.listen)))?;
    let transport = transport_for(&opts.file, addr)?;
    std::fs::create_dir_all(&server.data)?;
    let store = SqliteStore::open(
        &server.data.join("schakel.db"),
        SqliteOptions {
            synchronous_full: server.synchronous_full,
            mmap_size: i64::try_from(server.mmap_mib.saturating_mul(1 << 20)).unwrap_or(i64::MAX),
            ..SqliteOptions::default()
        },
    )?;
    let created = if opts.from_file {
        provision::apply_file(&store, &opts.file).await?;
        None
    } else {
        provision::ensure_defaults(&store).await?
    };
    let key = CursorKey::new(store.server_key().await?);
    let sweeper = store.clone();
    let settings = Settings {
        title: server.title.clone(),
        description: server.description.clone(),
        contact: server.contact.clone(),
        default_api_root: server.default_api_root.clone(),
        default_page_size: server.default_page_size,
        max_page_size: server.max_page_size,
        identity: server
            .identity
            .clone()
            .unwrap_or_else(|| stix::registry::PROJECT_IDENTITY.to_owned()),
        store_files: {
            let db = store.path().to_path_buf();
            let audit = store.audit_path().to_path_buf();
            let wal = |p: &std::path::Path| {
                let mut s = p.as_os_str().to_owned();
                s.push("-wal");
                std::path::PathBuf::from(s)
            };
            vec![wal(&db), wal(&audit), db, audit]
        },
    };
    let state = web::Data::new(AppState::new(store, settings, key, opts.clock.clone()));
    let federation = {
        let st = state.clone();
        federation::run_scheduled(
            st.store.clone(),
            opts.file.clone(),
            opts.clock.clone(),
            std::sync::Arc::new(move |d: federation::Delivered| {
                st.refs.invalidate(d.collection);
                st.metrics.pulled(d.pulled);
                st.metrics.relayed(d.relayed);
            }),
        )
    };
    let workers = server
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let listener = TcpListener::bind(addr)?;
    let bound = listener.local_addr()?;
    let http = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(routes::<SqliteStore>)
    })
    .workers(workers)
    .shutdown_timeout(30);
    let http = match &transport {
        Transport::Plain => http.listen(listener)?,
        Transport::Tls { cert, key } => {
            http.listen_rustls_0_23(listener, tls::server_config(cert, key)?)?
        }
    };
    let srv = http.run();
    let handle = srv.handle();
    let retention = Duration::from_secs(server.status_retention_secs);
    if retention < Duration::from_secs(24 * 3600) {
        tracing::warn!(
            seconds = server.status_retention_secs,
            "status_retention_secs is below the 24 hours TAXII recommends (T-46)"
        );
    }
    // The sweep and the federation tasks (subscriptions, relay rules) live as long as the
    // HTTP server: they are dropped when it stops.
    let task = tokio::spawn(async move {
        tokio::select! {
            r = srv => r,
            never = sweep_statuses(sweeper, retention) => match never {},
            () = federation => Ok(()),
        }
    });
    tracing::info!(address = %bound, tls = matches!(transport, Transport::Tls { .. }), "Schakel is listening");
    Ok((
        Running {
            addr: bound,
            transport,
            handle,
            task,
        },
        created,
    ))
}

/// Deletes status resources older than `retention`, every quarter of it (at least every
/// second, at most every hour). Errors are logged and retried at the next round.
async fn sweep_statuses<S: Store>(store: S, retention: Duration) -> std::convert::Infallible {
    let every = (retention / 4).clamp(Duration::from_secs(1), Duration::from_secs(3600));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        // Out of range can only mean a broken clock: then delete nothing.
        let cut = i64::try_from(now.saturating_sub(retention).as_micros()).unwrap_or(0);
        match store.expire_statuses(cut).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "expired status resources"),
            Err(e) => tracing::warn!(error = %e, "status expiry sweep failed"),
        }
    }
}

/// TLS unless plain HTTP was asked for on loopback; a development certificate on loopback when
/// no certificate is configured; never plain HTTP or a missing certificate elsewhere.
fn transport_for(file: &ProvisioningFile, addr: SocketAddr) -> Result<Transport, ServeError> {
    let s = &file.server;
    let loopback = addr.ip().is_loopback();
    if s.plain_http {
        if !loopback {
            return Err(ServeError::Refused(format!(
                "refusing plain HTTP on {addr}: plain_http is only allowed on a loopback address; configure tls_cert and tls_key"
            )));
        }
        return Ok(Transport::Plain);
    }
    match (&s.tls_cert, &s.tls_key) {
        (Some(cert), Some(key)) => Ok(Transport::Tls {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ if loopback => {
            std::fs::create_dir_all(&s.data)?;
            let (cert, key) = tls::development_certificate(&s.data)?;
            Ok(Transport::Tls { cert, key })
        }
        _ => Err(ServeError::Refused(format!(
            "refusing to listen on {addr} without TLS: configure tls_cert and tls_key (a development certificate is only generated for loopback addresses)"
        ))),
    }
}
