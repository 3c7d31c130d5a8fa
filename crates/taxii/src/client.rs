//! A TAXII 2.1 client, for federation: reading collections from peer servers and pushing
//! objects to them. Behind the cargo feature `client`, the only I/O in this crate.
//!
//! Peers are other organisations' servers on the other side of proxies and flaky links, so
//! every request is retried on failures that are likely to go away (connection errors,
//! timeouts, a body cut off mid-way, HTTP 429/500/502/503/504) with capped exponential
//! backoff and full jitter, honouring `Retry-After`. Errors that will not go away by asking
//! again (other 4xx, a complete body that is not the expected JSON) are returned at once.
//!
//! TLS is rustls with the ring provider only (no aws-lc-rs in the tree, see
//! `docs/rust-notes.md` 1.2 point 5).
//!
//! Objects read from a peer are kept as the exact bytes the peer sent
//! ([`ObjectsPage::objects`]) so the store can keep them as received (DESIGN.md 2).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use ring::rand::SecureRandom;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::media::TAXII_MEDIA_TYPE;
use crate::resources::{
    ApiRoot, Collection, Collections, Discovery, ErrorResource, Status, StatusKind,
};

/// Response header with the `date_added` of the first object in an objects page (5.4).
const DATE_ADDED_FIRST: &str = "x-taxii-date-added-first";
/// Response header with the `date_added` of the last object in an objects page (5.4).
const DATE_ADDED_LAST: &str = "x-taxii-date-added-last";

/// How the client authenticates to a peer. TAXII servers mostly expect HTTP Basic; Bearer is
/// for servers behind an OAuth gateway. Client certificates are configured separately
/// ([`ClientConfig::client_cert`]) because they combine with either.
///
/// `Debug` never prints the password or token.
#[derive(Clone, Default)]
pub enum Auth {
    /// No `Authorization` header (public collections, or mutual TLS only).
    #[default]
    None,
    /// `Authorization: Basic ...`.
    Basic { username: String, password: String },
    /// `Authorization: Bearer <token>`.
    Bearer(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Auth::Bearer(_) => f.debug_tuple("Bearer").field(&"<redacted>").finish(),
        }
    }
}

/// A TLS client certificate for peers that require mutual TLS. Both PEM: the chain (leaf
/// first) and its private key (PKCS#8, PKCS#1 or SEC1).
///
/// `Debug` never prints the key.
#[derive(Clone)]
pub struct ClientCert {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

impl fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCert")
            .field("cert_pem", &format_args!("<{} bytes>", self.cert_pem.len()))
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// Settings for one [`Client`], usually one per peer (each peer has its own credentials and
/// possibly its own CA).
#[derive(Clone)]
pub struct ClientConfig {
    pub auth: Auth,
    /// Trusted CA certificate(s), PEM. When set they replace the platform's roots: a peer on
    /// a private PKI should not also be trusted when presenting a public certificate.
    pub ca_pem: Option<Vec<u8>>,
    pub client_cert: Option<ClientCert>,
    /// The whole request, including reading the body; a stalled peer counts as a failed
    /// attempt and is retried.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Retries after the first attempt; 0 tries once.
    pub retries: u32,
    /// The backoff before retry `n` (0-based) is random in `[0, min(base * 2^n, max)]`.
    pub backoff_base: Duration,
    /// Caps the backoff and also `Retry-After`, so a peer cannot park a sync for hours.
    pub backoff_max: Duration,
    pub user_agent: String,
    /// The largest response body read, in bytes: a peer cannot make the client buffer
    /// without bound.
    pub max_body: usize,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            auth: Auth::None,
            ca_pem: None,
            client_cert: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retries: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
            user_agent: concat!("schakel/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_body: 256 << 20,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("auth", &self.auth)
            .field(
                "ca_pem",
                &self.ca_pem.as_ref().map(|p| format!("<{} bytes>", p.len())),
            )
            .field("client_cert", &self.client_cert)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retries", &self.retries)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_max", &self.backoff_max)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// Query for [`Client::objects`]. `next` and `added_after` are both sent when both are set;
/// servers that do not support `next` page by `added_after` (the `X-TAXII-Date-Added-Last`
/// of the previous page).
#[derive(Default, Clone, Debug)]
pub struct ObjectsRequest {
    pub added_after: Option<String>,
    pub next: Option<String>,
    pub limit: Option<u32>,
    /// Extra filters, sent as given, e.g. `("match[version]", "all")`.
    pub filters: Vec<(String, String)>,
}

/// One page of objects from a peer.
#[derive(Default, Clone, Debug)]
pub struct ObjectsPage {
    /// Each object exactly as the peer sent it (whitespace, key order and number spelling
    /// preserved), so it can be stored and served again byte for byte.
    pub objects: Vec<Box<RawValue>>,
    /// Absent in the envelope means false (T-91).
    pub more: bool,
    pub next: Option<String>,
    /// `X-TAXII-Date-Added-First`, when the peer sent it.
    pub date_added_first: Option<String>,
    /// `X-TAXII-Date-Added-Last`, when the peer sent it: the `added_after` for the next page
    /// on peers without `next`.
    pub date_added_last: Option<String>,
}

/// Why a request to a peer failed. Messages name the URL, the HTTP status and the peer's
/// TAXII error title/description when there is one, because they end up in sync logs read
/// by operators who did not write the request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The [`ClientConfig`] is unusable (bad PEM, zero timeout, invalid URL ...).
    #[error("TAXII client configuration: {0}")]
    Config(String),
    /// No complete response: connection refused/reset, TLS failure, timeout, body cut off.
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    /// The peer answered with a non-2xx status; `error` is its TAXII error resource if the
    /// body was one.
    #[error("{url}: HTTP {status}{}", describe_error(.error.as_deref()))]
    Http {
        url: String,
        status: u16,
        /// Boxed: it is large and rarely there, and errors travel through many `Result`s.
        error: Option<Box<ErrorResource>>,
    },
    /// A complete 2xx response whose body is not the expected TAXII resource. Not retried:
    /// asking again would get the same body.
    #[error("{url}: invalid TAXII response: {message}")]
    Decode { url: String, message: String },
    /// [`Client::collection`] found neither a collection with that id nor one with that
    /// title.
    #[error("{url}: no collection with id or title {id_or_title:?}")]
    NoSuchCollection { url: String, id_or_title: String },
    /// [`Client::collection`] found several collections with that title (and none with that
    /// id); use the id.
    #[error("{url}: {} collections are titled {title:?} ({}); use an id", ids.len(), ids.join(", "))]
    AmbiguousTitle {
        url: String,
        title: String,
        ids: Vec<String>,
    },
    /// Every attempt failed with a retryable error; `last` is the final one.
    #[error("{url}: giving up after {attempts} attempts: {last}")]
    RetriesExhausted {
        url: String,
        attempts: u32,
        last: Box<ClientError>,
    },
}

impl ClientError {
    /// The HTTP status the peer answered with, also when retries ran out on it; lets callers
    /// treat e.g. 401/403 (credentials) differently from 404 (gone) without matching deeply.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            ClientError::Http { status, .. } => Some(*status),
            ClientError::RetriesExhausted { last, .. } => last.http_status(),
            _ => None,
        }
    }
}

fn describe_error(error: Option<&ErrorResource>) -> String {
    match error {
        None => String::new(),
        Some(e) => match &e.description {
            Some(d) => format!(": {}: {}", e.title, d),
            None => format!(": {}", e.title),
        },
    }
}

/// A TAXII 2.1 client for one peer. Cheap to clone (the connection pool is shared).
///
/// `Debug` shows the settings but never credentials.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The config without CA/client certificate (those live in the TLS config now).
    config: Arc<ClientConfig>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A 2xx response, read completely.
struct Reply {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The outcome of one failed attempt.
enum Failure {
    Retry {
        error: ClientError,
        retry_after: Option<Duration>,
    },
    Fatal(ClientError),
}

/// The raw envelope of an objects page; objects keep their bytes.
#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(default)]
    more: Option<bool>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    objects: Vec<Box<RawValue>>,
}

impl Client {
    /// Builds the HTTP client and its TLS configuration. Fails on unusable settings (bad PEM,
    /// key not matching the certificate, zero timeouts) so a misconfigured peer is reported
    /// at startup rather than at the first sync.
    ///
    /// Without [`ClientConfig::ca_pem`] the platform's trusted roots are loaded; if there are
    /// none, `https` requests fail certificate verification (plain `http` still works).
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        if config.timeout.is_zero() || config.connect_timeout.is_zero() {
            return Err(ClientError::Config(
                "timeout and connect_timeout must be positive".into(),
            ));
        }
        let tls = tls_config(&config)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent.clone())
            // A redirect could move the exchange to plain HTTP or another host; a TAXII peer
            // is configured by its URL and has no reason to redirect.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Config(format!("building HTTP client: {}", chain(&e))))?;
        let config = ClientConfig {
            ca_pem: None,
            client_cert: None,
            ..config
        };
        Ok(Client {
            http,
            config: Arc::new(config),
        })
    }

    /// `GET` the discovery resource at `url` (the full URL, e.g. `https://host/taxii2/`).
    /// `api_roots` may be relative; resolve them against `url`.
    pub async fn discovery(&self, url: &str) -> Result<Discovery, ClientError> {
        self.get_json(url).await
    }

    /// `GET {api_root_url}/`.
    pub async fn api_root(&self, api_root_url: &str) -> Result<ApiRoot, ClientError> {
        self.get_json(&join(api_root_url, &[])).await
    }

    /// `GET {api_root_url}/collections/`; `{}` (no collections) is an empty list.
    pub async fn collections(&self, api_root_url: &str) -> Result<Vec<Collection>, ClientError> {
        let c: Collections = self.get_json(&join(api_root_url, &["collections"])).await?;
        Ok(c.collections)
    }

    /// The collection with id `id_or_title`, or else the one with exactly that title, so
    /// operators can configure peers by the title they see. Several collections sharing the
    /// title is an error ([`ClientError::AmbiguousTitle`]) rather than a guess.
    pub async fn collection(
        &self,
        api_root_url: &str,
        id_or_title: &str,
    ) -> Result<Collection, ClientError> {
        let url = join(api_root_url, &["collections"]);
        let c: Collections = self.get_json(&url).await?;
        pick_collection(c.collections, &url, id_or_title)
    }

    /// `GET {api_root_url}/collections/{collection_id}/objects/` with the query from `req`.
    pub async fn objects(
        &self,
        api_root_url: &str,
        collection_id: &str,
        req: &ObjectsRequest,
    ) -> Result<ObjectsPage, ClientError> {
        let url = join(api_root_url, &["collections", collection_id, "objects"]);
        let mut query: Vec<(&str, String)> = Vec::with_capacity(3 + req.filters.len());
        if let Some(a) = &req.added_after {
            query.push(("added_after", a.clone()));
        }
        if let Some(l) = req.limit {
            query.push(("limit", l.to_string()));
        }
        if let Some(n) = &req.next {
            query.push(("next", n.clone()));
        }
        for (k, v) in &req.filters {
            query.push((k, v.clone()));
        }
        let reply = self.execute(Method::GET, &url, &query, None).await?;
        let env: RawEnvelope = decode(&url, &reply.body)?;
        let header = |name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
        };
        Ok(ObjectsPage {
            objects: env.objects,
            more: env.more.unwrap_or(false),
            next: env.next,
            date_added_first: header(DATE_ADDED_FIRST),
            date_added_last: header(DATE_ADDED_LAST),
        })
    }

    /// `POST` an envelope (sent as given) to `{api_root_url}/collections/{collection_id}/objects/`
    /// and return the peer's status resource.
    ///
    /// Retried like reads: adding an object version that the peer already has is a no-op in
    /// TAXII (objects are keyed by id and version), so a repeat after a lost response does
    /// not duplicate anything.
    pub async fn add_objects(
        &self,
        api_root_url: &str,
        collection_id: &str,
        envelope_json: Vec<u8>,
    ) -> Result<Status, ClientError> {
        let url = join(api_root_url, &["collections", collection_id, "objects"]);
        let reply = self
            .execute(Method::POST, &url, &[], Some(&envelope_json))
            .await?;
        decode(&url, &reply.body)
    }

    /// `GET {api_root_url}/status/{status_id}/`.
    pub async fn status(&self, api_root_url: &str, status_id: &str) -> Result<Status, ClientError> {
        self.get_json(&join(api_root_url, &["status", status_id]))
            .await
    }

    /// Polls [`Client::status`] every `poll` until the status is `complete` or `max_wait` has
    /// passed; then returns the last status read (still `pending`), so the caller can report
    /// partial counts instead of just "timed out".
    pub async fn wait_status(
        &self,
        api_root_url: &str,
        status_id: &str,
        poll: Duration,
        max_wait: Duration,
    ) -> Result<Status, ClientError> {
        let deadline = tokio::time::Instant::now() + max_wait;
        loop {
            let s = self.status(api_root_url, status_id).await?;
            if s.status == StatusKind::Complete {
                return Ok(s);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Ok(s);
            }
            tokio::time::sleep(poll.min(deadline - now)).await;
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, ClientError> {
        let reply = self.execute(Method::GET, url, &[], None).await?;
        decode(url, &reply.body)
    }

    /// Sends the request, retrying retryable failures; returns the complete 2xx response.
    async fn execute(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply, ClientError> {
        let mut attempt: u32 = 0;
        loop {
            match self.attempt(method.clone(), url, query, body).await {
                Ok(reply) => return Ok(reply),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retry { error, retry_after }) => {
                    if attempt >= self.config.retries {
                        return Err(ClientError::RetriesExhausted {
                            url: url.to_owned(),
                            attempts: attempt.saturating_add(1),
                            last: Box::new(error),
                        });
                    }
                    let wait = retry_wait(attempt, retry_after, &self.config);
                    tracing::warn!(
                        url,
                        method = %method,
                        attempt = attempt + 1,
                        reason = %error,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "TAXII request failed; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(
        &self,
        method: Method,
        url: &str,
        query: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply, Failure> {
        let mut rb = self
            .http
            .request(method, url)
            .header(ACCEPT, TAXII_MEDIA_TYPE);
        if !query.is_empty() {
            rb = rb.query(query);
        }
        if let Some(b) = body {
            rb = rb.header(CONTENT_TYPE, TAXII_MEDIA_TYPE).body(b.to_vec());
        }
        rb = match &self.config.auth {
            Auth::None => rb,
            Auth::Basic { username, password } => rb.basic_auth(username, Some(password)),
            Auth::Bearer(token) => rb.bearer_auth(token),
        };
        let resp = match rb.send().await {
            Ok(r) => r,
            Err(e) if e.is_builder() => {
                return Err(Failure::Fatal(ClientError::Config(format!(
                    "invalid request to {url}: {}",
                    chain(&e)
                ))));
            }
            Err(e) if e.is_redirect() => {
                return Err(Failure::Fatal(transport(url, "redirect failed", &e)));
            }
            Err(e) => {
                return Err(Failure::Retry {
                    error: transport(url, "request failed", &e),
                    retry_after: None,
                });
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        // Read the whole body before parsing: a failure here is the connection (reset,
        // timeout, cut off before Content-Length) and worth retrying, while a parse failure
        // of a complete body is not.
        let mut resp = resp;
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > self.config.max_body {
                        return Err(Failure::Fatal(ClientError::Decode {
                            url: url.to_owned(),
                            message: format!(
                                "the response is larger than {} bytes (max_body)",
                                self.config.max_body
                            ),
                        }));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if status.is_success() || retryable(status) => {
                    return Err(Failure::Retry {
                        error: transport(url, "reading response body failed", &e),
                        retry_after: None,
                    });
                }
                Err(_) => {
                    body.clear();
                    break;
                }
            }
        }
        if status.is_success() {
            return Ok(Reply { headers, body });
        }
        let error = ClientError::Http {
            url: url.to_owned(),
            status: status.as_u16(),
            error: serde_json::from_slice::<ErrorResource>(&body)
                .ok()
                .map(Box::new),
        };
        if retryable(status) {
            let retry_after = if status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::SERVICE_UNAVAILABLE
            {
                headers
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now()))
            } else {
                None
            };
            Err(Failure::Retry { error, retry_after })
        } else {
            Err(Failure::Fatal(error))
        }
    }
}

/// Statuses that mean "try again later" rather than "this request is wrong".
fn retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

fn decode<T: DeserializeOwned>(url: &str, body: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(body).map_err(|e| ClientError::Decode {
        url: url.to_owned(),
        message: e.to_string(),
    })
}

fn transport(url: &str, what: &str, e: &reqwest::Error) -> ClientError {
    let what = if e.is_timeout() {
        format!("{what} (timed out)")
    } else {
        what.to_owned()
    };
    ClientError::Transport {
        url: url.to_owned(),
        message: format!("{what}: {}", chain(e)),
    }
}

/// An error and its sources, `a: b: c`: reqwest's own message ("error sending request") says
/// little; the cause (connection refused, certificate unknown, ...) is in the sources.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(c) = source {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        source = c.source();
    }
    s
}

fn pick_collection(
    collections: Vec<Collection>,
    url: &str,
    id_or_title: &str,
) -> Result<Collection, ClientError> {
    if let Some(c) = collections.iter().find(|c| c.id == id_or_title) {
        return Ok(c.clone());
    }
    let mut titled: Vec<Collection> = collections
        .into_iter()
        .filter(|c| c.title == id_or_title)
        .collect();
    match titled.len() {
        0 => Err(ClientError::NoSuchCollection {
            url: url.to_owned(),
            id_or_title: id_or_title.to_owned(),
        }),
        1 => Ok(titled.remove(0)),
        _ => Err(ClientError::AmbiguousTitle {
            url: url.to_owned(),
            title: id_or_title.to_owned(),
            ids: titled.into_iter().map(|c| c.id).collect(),
        }),
    }
}

/// `root` plus path segments with exactly one `/` between them and a trailing `/`, as TAXII
/// URLs end in `/`. Segments are percent-encoded: ids come from peers and are not always
/// UUIDs.
fn join(root: &str, segments: &[&str]) -> String {
    let mut url = root.trim_end_matches('/').to_owned();
    url.push('/');
    for s in segments {
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
                url.push(char::from(b));
            } else {
                url.push_str(&format!("%{b:02X}"));
            }
        }
        url.push('/');
    }
    url
}

/// Parses a `Retry-After` value (RFC 9110 10.2.3): delta-seconds, or an HTTP-date taken
/// relative to `now` (a date in the past means "now"). `None` if it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than u64 holds is still "a very long time".
        return Some(v.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// How long to wait before retry number `attempt` (0 for the first retry): a random duration
/// in `[0, min(backoff_base * 2^attempt, backoff_max)]` ("full jitter", so many clients
/// retrying against one peer spread out), but at least `retry_after` (the peer's
/// `Retry-After`) capped at `backoff_max`.
pub fn retry_wait(attempt: u32, retry_after: Option<Duration>, config: &ClientConfig) -> Duration {
    let mut bytes = [0u8; 8];
    // Without randomness, wait the full cap: slower, never faster than intended.
    let random = match ring::rand::SystemRandom::new().fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => u64::MAX,
    };
    retry_wait_with(attempt, retry_after, config, random)
}

/// [`retry_wait`] with the random draw given, so the bounds can be tested.
fn retry_wait_with(
    attempt: u32,
    retry_after: Option<Duration>,
    config: &ClientConfig,
    random: u64,
) -> Duration {
    let cap = backoff_cap(attempt, config);
    let cap_nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    let jitter = if random == u64::MAX || cap_nanos == u64::MAX {
        cap
    } else {
        Duration::from_nanos(random % (cap_nanos + 1))
    };
    let floor = retry_after.map_or(Duration::ZERO, |r| r.min(config.backoff_max));
    jitter.max(floor)
}

/// `min(backoff_base * 2^attempt, backoff_max)` without overflow.
fn backoff_cap(attempt: u32, config: &ClientConfig) -> Duration {
    2u32.checked_pow(attempt)
        .and_then(|m| config.backoff_base.checked_mul(m))
        .map_or(config.backoff_max, |d| d.min(config.backoff_max))
}

/// The rustls config: ring only, the given CA or the platform roots, optional client cert.
fn tls_config(config: &ClientConfig) -> Result<rustls::ClientConfig, ClientError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Config(format!("TLS protocol versions: {e}")))?
        .with_root_certificates(root_store(config.ca_pem.as_deref())?);
    let mut tls = match &config.client_cert {
        None => builder.with_no_client_auth(),
        Some(cc) => {
            let certs = CertificateDer::pem_slice_iter(&cc.cert_pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| ClientError::Config(format!("client certificate PEM: {e}")))?;
            if certs.is_empty() {
                return Err(ClientError::Config(
                    "client certificate PEM contains no certificate".into(),
                ));
            }
            let key = PrivateKeyDer::from_pem_slice(&cc.key_pem)
                .map_err(|e| ClientError::Config(format!("client private key PEM: {e}")))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| ClientError::Config(format!("client certificate: {e}")))?
        }
    };
    // reqwest uses a preconfigured rustls config as is; we speak HTTP/1.1 only.
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

fn root_store(ca_pem: Option<&[u8]>) -> Result<rustls::RootCertStore, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_pem {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| ClientError::Config(format!("CA PEM: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| ClientError::Config(format!("CA certificate: {e}")))?;
            }
            if roots.is_empty() {
                return Err(ClientError::Config("CA PEM contains no certificate".into()));
            }
        }
        None => {
            let native = rustls_native_certs::load_native_certs();
            for e in &native.errors {
                tracing::warn!(error = %e, "loading platform CA certificates");
            }
            let (added, ignored) = roots.add_parsable_certificates(native.certs);
            if ignored > 0 {
                tracing::warn!(ignored, "unparsable platform CA certificates ignored");
            }
            if added == 0 {
                tracing::warn!("no platform CA certificates found; https peers will fail");
            }
        }
    }
    Ok(roots)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn cfg() -> ClientConfig {
        ClientConfig {
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
            ..ClientConfig::default()
        }
    }

    #[test]
    fn join_has_one_slash_between_segments_and_a_trailing_one() {
        for root in ["https://h/api1", "https://h/api1/", "https://h/api1//"] {
            assert_eq!(join(root, &[]), "https://h/api1/");
            assert_eq!(
                join(root, &["collections", "abc", "objects"]),
                "https://h/api1/collections/abc/objects/"
            );
        }
        assert_eq!(
            join("http://h/r", &["status", "a b/c"]),
            "http://h/r/status/a%20b%2Fc/"
        );
    }

    #[test]
    fn backoff_is_exponential_and_capped() {
        let c = cfg();
        assert_eq!(backoff_cap(0, &c), Duration::from_millis(500));
        assert_eq!(backoff_cap(1, &c), Duration::from_secs(1));
        assert_eq!(backoff_cap(3, &c), Duration::from_secs(4));
        assert_eq!(backoff_cap(7, &c), Duration::from_secs(60));
        assert_eq!(backoff_cap(40, &c), Duration::from_secs(60));
        assert_eq!(backoff_cap(u32::MAX, &c), Duration::from_secs(60));
    }

    #[test]
    fn full_jitter_stays_within_zero_and_cap() {
        let c = cfg();
        assert_eq!(retry_wait_with(2, None, &c, 0), Duration::ZERO);
        assert_eq!(
            retry_wait_with(2, None, &c, u64::MAX),
            Duration::from_secs(2)
        );
        assert_eq!(
            retry_wait_with(2, None, &c, 2_000_000_000),
            Duration::from_secs(2)
        );
        assert_eq!(retry_wait_with(2, None, &c, 2_000_000_001), Duration::ZERO);
        for _ in 0..100 {
            let w = retry_wait(3, None, &c);
            assert!(w <= Duration::from_secs(4), "{w:?}");
        }
    }

    #[test]
    fn retry_after_is_a_floor_capped_by_backoff_max() {
        let c = cfg();
        let ra = Some(Duration::from_secs(1));
        assert_eq!(retry_wait_with(0, ra, &c, 0), Duration::from_secs(1));
        let big = Some(Duration::from_secs(3600));
        assert_eq!(retry_wait_with(0, big, &c, 0), Duration::from_secs(60));
        assert_eq!(
            retry_wait_with(0, Some(Duration::MAX), &c, 0),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::MAX)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        // RFC 850 and asctime forms must be accepted too (RFC 9110 5.6.7).
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun Nov  6 08:49:57 1994", now),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn debug_never_prints_secrets() {
        let c = ClientConfig {
            auth: Auth::Basic {
                username: "alice".into(),
                password: "hunter2".into(),
            },
            client_cert: Some(ClientCert {
                cert_pem: b"CERT".to_vec(),
                key_pem: b"-----BEGIN PRIVATE KEY-----SECRET".to_vec(),
            }),
            ..cfg()
        };
        let s = format!("{c:?}");
        assert!(s.contains("alice"));
        assert!(!s.contains("hunter2") && !s.contains("SECRET"), "{s}");
        let s = format!("{:?}", Auth::Bearer("tok3n".into()));
        assert!(!s.contains("tok3n"), "{s}");
        let client = Client::new(ClientConfig {
            auth: Auth::Bearer("tok3n".into()),
            ..cfg()
        })
        .unwrap();
        assert!(!format!("{client:?}").contains("tok3n"));
    }

    #[test]
    fn collection_by_id_then_unique_title() {
        let col = |id: &str, title: &str| Collection {
            id: id.into(),
            title: title.into(),
            description: None,
            alias: None,
            can_read: true,
            can_write: false,
            media_types: vec![],
        };
        let list = vec![col("1", "a"), col("2", "b"), col("3", "b"), col("b", "c")];
        assert_eq!(pick_collection(list.clone(), "u", "2").unwrap().id, "2");
        assert_eq!(pick_collection(list.clone(), "u", "a").unwrap().id, "1");
        // An id match wins over titles.
        assert_eq!(pick_collection(list.clone(), "u", "b").unwrap().id, "b");
        let list = vec![col("1", "a"), col("2", "b"), col("3", "b")];
        match pick_collection(list.clone(), "u", "b") {
            Err(ClientError::AmbiguousTitle { ids, .. }) => assert_eq!(ids, ["2", "3"]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            pick_collection(list, "u", "zz"),
            Err(ClientError::NoSuchCollection { .. })
        ));
    }
}
