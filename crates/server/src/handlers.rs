//! HTTP handlers for every TAXII 2.1 endpoint (T-22). Each one extracts, checks, calls the
//! state/store, and shapes the response; errors map to the TAXII error resource in one place
//! ([`crate::error::ApiError`]).

use std::sync::Arc;

use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, web};
use store::audit::{AuditEvent, AuditItem, AuditKind, hex, sha256_hex};
use store::{Collection, Page, PageRequest, StatusRecord, Store, VersionMatch, Visibility};
use taxii::cursor::{Cursor, resolve};
use taxii::error::TaxiiError;
use taxii::media::{self, STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE};
use taxii::query::{Endpoint, parse_query};
use taxii::resources;
use taxii::time::format_timestamp;
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::ingest;
use crate::redaction::{Delivery, Redactor};
use crate::state::AppState;

type Result<T> = std::result::Result<T, ApiError>;
type State<S> = web::Data<AppState<S>>;

const DATE_ADDED_FIRST: header::HeaderName =
    header::HeaderName::from_static("x-taxii-date-added-first");
const DATE_ADDED_LAST: header::HeaderName =
    header::HeaderName::from_static("x-taxii-date-added-last");

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Content negotiation (T-5, interop contract point 6).
fn negotiate(req: &HttpRequest) -> Result<()> {
    // Several Accept lines are one comma-separated list (RFC 9110 section 5.3).
    let accept: Vec<&str> = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .collect();
    media::check_accept((!accept.is_empty()).then(|| accept.join(", ")).as_deref())?;
    Ok(())
}

/// Content negotiation then authentication: the common prologue of every endpoint.
async fn begin<S: Store>(req: &HttpRequest, state: &AppState<S>) -> Result<Arc<Principal>> {
    negotiate(req)?;
    Ok(state
        .auth
        .authenticate(header_str(req.headers(), header::AUTHORIZATION))
        .await?)
}

fn taxii_ok(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, TAXII_MEDIA_TYPE))
        .body(body)
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| ApiError(TaxiiError::Internal(e.to_string())))
}

/// Base URL of this server as the client reached it, for absolute API root URLs (T-39).
/// Forwarding headers (`Forwarded`, `X-Forwarded-Proto/-Host`, from a TLS-terminating proxy in
/// front of a plain-HTTP listener) count only where they give a well-formed URL: over TLS the
/// scheme is always https, and a host that is not a bare `host[:port]` is ignored.
fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    let config = req.app_config();
    let scheme = if config.secure() || info.scheme().eq_ignore_ascii_case("https") {
        "https"
    } else {
        "http"
    };
    let authority = |h: &&str| {
        !h.is_empty()
            && h.len() <= 255
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b))
    };
    let host = [
        info.host(),
        header_str(req.headers(), header::HOST).unwrap_or_default(),
    ]
    .into_iter()
    .find(authority)
    .map_or_else(|| config.local_addr().to_string(), str::to_owned);
    format!("{scheme}://{host}")
}

/// `GET /taxii2/` (T-36 ... T-40).
pub async fn discovery<S: Store>(req: HttpRequest, state: State<S>) -> Result<HttpResponse> {
    let p = begin(&req, &state).await?;
    let roots = state.visible_roots(&p).await?;
    let base = base_url(&req);
    let urls: Vec<String> = roots
        .iter()
        .map(|r| format!("{base}/{}/", r.path))
        .collect();
    let default = state
        .settings
        .default_api_root
        .as_ref()
        .filter(|d| roots.iter().any(|r| &r.path == *d))
        .map(|d| format!("{base}/{d}/"));
    let body = resources::Discovery {
        title: state.settings.title.clone(),
        description: state.settings.description.clone(),
        contact: state.settings.contact.clone(),
        default,
        api_roots: urls,
    };
    Ok(taxii_ok(json(&body)?))
}

/// `GET /{api-root}/` (T-42 ... T-45).
pub async fn api_root<S: Store>(
    req: HttpRequest,
    state: State<S>,
    path: String,
) -> Result<HttpResponse> {
    let p = begin(&req, &state).await?;
    let root = state.api_root(&p, &path).await?;
    let body = resources::ApiRootResource {
        title: root.title,
        description: root.description,
        versions: vec![TAXII_MEDIA_TYPE.to_owned()],
        max_content_length: root.max_content_length,
    };
    Ok(taxii_ok(json(&body)?))
}

/// `GET /{api-root}/status/{status-id}/` (T-46 ... T-51). A status is visible to the account
/// that made the request and to operators; to anyone else it does not exist.
pub async fn status<S: Store>(
    req: HttpRequest,
    state: State<S>,
    path: (String, String),
) -> Result<HttpResponse> {
    let p = begin(&req, &state).await?;
    let (root_path, status_id) = path;
    let root = state.api_root(&p, &root_path).await?;
    let not_found = || ApiError(TaxiiError::NotFound("no such status".into()));
    let id = Uuid::parse_str(&status_id).map_err(|_| not_found())?;
    let record = state
        .store
        .status(&root.path, id)
        .await
        .map_err(crate::state::internal)?
        .ok_or_else(not_found)?;
    if record.account != p.account && !p.operator {
        return Err(not_found());
    }
    Ok(taxii_ok(json(&status_resource(&record))?))
}

fn status_resource(r: &StatusRecord) -> resources::Status {
    let details = |v: &[store::StatusDetail]| {
        v.iter()
            .map(|d| resources::StatusDetails {
                id: d.id.clone(),
                version: d.version.clone(),
                message: d.message.clone(),
            })
            .collect::<Vec<_>>()
    };
    resources::Status {
        id: r.id.to_string(),
        status: if r.complete {
            resources::StatusKind::Complete
        } else {
            resources::StatusKind::Pending
        },
        request_timestamp: Some(format_timestamp(r.request_timestamp)),
        total_count: r.total_count,
        success_count: r.successes.len() as u64,
        successes: details(&r.successes),
        failure_count: r.failures.len() as u64,
        failures: details(&r.failures),
        pending_count: r.pendings.len() as u64,
        pendings: details(&r.pendings),
    }
}

fn collection_resource(
    c: &Collection,
    perms: crate::state::Permissions,
) -> resources::CollectionResource {
    resources::CollectionResource {
        id: c.id.to_string(),
        title: c.title.clone(),
        description: c.description.clone(),
        alias: c.alias.clone(),
        can_read: perms.read,
        can_write: perms.write,
        media_types: if c.media_types.is_empty() {
            vec![STIX_MEDIA_TYPE.to_owned()]
        } else {
            c.media_types.clone()
        },
    }
}

/// `GET /{api-root}/collections/` (T-52 ... T-55).
pub async fn collections<S: Store>(
    req: HttpRequest,
    state: State<S>,
    path: String,
) -> Result<HttpResponse> {
    let p = begin(&req, &state).await?;
    let root = state.api_root(&p, &path).await?;
    let list: Vec<_> = state
        .collections(&p, &root)
        .await?
        .iter()
        .map(|(c, perms)| collection_resource(c, *perms))
        .collect();
    Ok(taxii_ok(json(&resources::Collections {
        collections: list,
    })?))
}

/// `GET /{api-root}/collections/{id}/`.
pub async fn collection<S: Store>(
    req: HttpRequest,
    state: State<S>,
    path: (String, String),
) -> Result<HttpResponse> {
    let p = begin(&req, &state).await?;
    let (root_path, cid) = path;
    let root = state.api_root(&p, &root_path).await?;
    let (c, perms) = state.collection(&p, &root, &cid).await?;
    Ok(taxii_ok(json(&collection_resource(&c, perms))?))
}

/// The collection of a read endpoint; 403 when the requester may only write (T-58, T-63).
async fn readable<S: Store>(
    state: &AppState<S>,
    p: &Principal,
    root: &str,
    cid: &str,
) -> Result<(Collection, crate::state::Permissions)> {
    let root = state.api_root(p, root).await?;
    let (c, perms) = state.collection(p, &root, cid).await?;
    if !perms.read {
        return Err(ApiError(TaxiiError::Forbidden(
            "you may not read this collection".into(),
        )));
    }
    Ok((c, perms))
}

/// A resolved read request: filter, position and page size, with the cursor that produced it.
struct Read {
    filter: store::ObjectFilter,
    after: Option<i64>,
    limit: usize,
}

fn read_request<S: Store>(
    req: &HttpRequest,
    state: &AppState<S>,
    endpoint: Endpoint,
    c: &Collection,
    object_id: Option<&str>,
) -> Result<Read> {
    let query = parse_query(req.query_string(), endpoint)?;
    let mut resolved = resolve(query, &state.cursor_key, endpoint, c.id, object_id)?;
    if let Some(id) = object_id {
        resolved.filter.ids = vec![id.to_owned()];
    }
    Ok(Read {
        filter: resolved.filter,
        after: resolved.after,
        limit: state.page_size(resolved.limit),
    })
}

/// The `next` token for the page after `page` (only when there is more, T-91/T-92).
fn next_token<S: Store>(
    state: &AppState<S>,
    endpoint: Endpoint,
    c: &Collection,
    object_id: Option<&str>,
    read: &Read,
    page: &Page,
) -> Option<String> {
    let last = page.rows.last()?;
    page.more.then(|| {
        state.cursor_key.seal(&Cursor {
            endpoint,
            collection: c.id,
            object_id: object_id.map(str::to_owned),
            filter: read.filter.clone(),
            after: last.date_added,
        })
    })
}

/// `X-TAXII-Date-Added-First/Last` (T-93, interop contract point 2): the first and last
/// `date_added` of this page; on an empty page asked with `added_after`, that value
/// (normalised) in both, so a client using the header as its cursor keeps its place.
///
/// Rows withheld by redaction count (a poller must move past them), except where the request
/// names ids (`match[id]`, objects/{id}): there a header would confirm that a withheld object
/// exists, a hash of its value for an SCO.
fn with_date_headers(
    mut resp: HttpResponse,
    read: &Read,
    page: &Page,
    served: &[Delivery],
) -> HttpResponse {
    let rows: Vec<&store::Row> = if read.filter.ids.is_empty() {
        page.rows.iter().collect()
    } else {
        page.rows
            .iter()
            .zip(served)
            .filter(|(_, d)| !matches!(d, Delivery::Withheld(_)))
            .map(|(r, _)| r)
            .collect()
    };
    let (first, last) = match (rows.first(), rows.last()) {
        (Some(f), Some(l)) => (Some(f.date_added), Some(l.date_added)),
        _ => {
            // The position the client is at: `added_after`, or further on when it followed `next`.
            let at = match (read.filter.added_after, read.after) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b).filter(|_| read.filter.added_after.is_some()),
            };
            (at, at)
        }
    };
    if let (Some(f), Some(l)) = (first, last) {
        let h = resp.headers_mut();
        if let (Ok(fv), Ok(lv)) = (format_timestamp(f).parse(), format_timestamp(l).parse()) {
            h.insert(DATE_ADDED_FIRST, fv);
            h.insert(DATE_ADDED_LAST, lv);
        }
    }
    resp
}

/// `GET .../objects/` (T-62 ... T-65).
pub async fn get_objects<S: Store>(
    req: HttpRequest,
    state: State<S>,
    path: (String, String),
) -> Result<HttpResponse> {
    let (root, cid) = path;
    let (c, read, page, served) =
        read_page(&req, &state, Endpoint::Objects, &root, &cid, None).await?;
    Ok(envelope_response(
        &state,
        Endpoint::Objects,
        &c,
        None,
        &read,
        &page,
        &served,
    ))
}

/// `GET .../objects/{object-id}/` (T-72 ... T-74): an envelope even for one version; 404 for an
/// id the collection does not hold.
pub async fn get_object<S: Store>(
    req: HttpRequest,
    state: State<S>,
    path: (String, String, String),
) -> Result<HttpResponse> {
    let (root, cid, oid) = path;
    let (c, read, page, served) =
        read_page(&req, &state, Endpoint::Object, &root, &cid, Some(&oid)).await?;
    Ok(envelope_response(
        &state,
        Endpoint::Object,
        &c,
        Some(&oid),
        &read,
        &page,
        &served,
    ))
}

/// What every read endpoint does before it formats its page: authenticate, find a collection
/// the requester may read, resolve the query (and `next`), and fetch the page of what the access
/// rules let this reader see (the rules are part of the query, so paging stays exact). The
/// versions endpoint lists every version whatever the filter; the endpoints of one object
/// answer 404 for an id the collection does not hold or the reader may not see (the same
/// answer, so withheld objects cannot be probed; the denial is audited). Every page served is
/// audited before it is sent.
///
/// Rows flagged for review at ingest go through redaction ([`Redactor`]): each row comes with
/// its [`Delivery`]. A withheld row still counts for the paging position (`next`, the Date-Added
/// headers), so a client never fetches it again.
async fn read_page<S: Store>(
    req: &HttpRequest,
    state: &AppState<S>,
    endpoint: Endpoint,
    root: &str,
    cid: &str,
    oid: Option<&str>,
) -> Result<(Collection, Read, Page, Vec<Delivery>)> {
    let (who, c, scope, relation) = reader_of(req, state, root, cid).await?;
    let mut read = read_request(req, state, endpoint, &c, oid)?;
    if endpoint == Endpoint::Versions {
        read.filter.versions = VersionMatch::All;
    }
    let vis = Visibility::Scoped(scope.clone());
    let bodies = matches!(endpoint, Endpoint::Objects | Endpoint::Object);
    let page = query(state, &c, &read, &vis, bodies).await?;
    let served = Redactor::new(
        &state.store,
        &state.refs,
        &c,
        &scope,
        &state.settings.identity,
    )
    .deliveries(&page.rows)
    .await
    .map_err(|e| ApiError(crate::state::internal(e)))?;
    let all_withheld =
        !served.is_empty() && served.iter().all(|d| matches!(d, Delivery::Withheld(_)));
    // Without filters beyond the id, an empty first page already says that no version is
    // visible: the existence query is only needed when filters may have hidden them.
    let unfiltered = read.filter.added_after.is_none()
        && read.filter.spec_versions.is_empty()
        && read.filter.types.is_empty()
        && match &read.filter.versions {
            VersionMatch::All => true,
            VersionMatch::Any(sels) => sels.contains(&taxii::query::VersionSelector::Last),
        };
    if let Some(oid) = oid
        && (page.rows.is_empty() || (all_withheld && !page.more))
        && read.after.is_none()
        && (all_withheld || unfiltered || !exists(state, &c, oid, &vis).await?)
    {
        if all_withheld || exists(state, &c, oid, &Visibility::All).await? {
            let event = read_event(
                who.as_deref(),
                &c,
                endpoint,
                relation,
                AuditKind::Denial,
                |items| {
                    items.push(AuditItem {
                        id: oid.to_owned(),
                        version: String::new(),
                        sha256: None,
                        tlp: None,
                        decision: match served.iter().find_map(|d| match d {
                            Delivery::Withheld(code) => Some(*code),
                            _ => None,
                        }) {
                            Some(code) => format!("withheld:{code}"),
                            None => "withheld".into(),
                        },
                        pii: None,
                        derived_id: None,
                        removed: Vec::new(),
                        to: Vec::new(),
                    });
                },
            );
            let reason = event
                .items
                .first()
                .and_then(|i| i.decision.strip_prefix("withheld:"))
                .unwrap_or("not-visible")
                .to_owned();
            audit(state, event).await?;
            state.metrics.denial(&reason);
        }
        return Err(ApiError(TaxiiError::NotFound(
            "no such object in this collection".into(),
        )));
    }
    state.metrics.page(match endpoint {
        Endpoint::Objects => "objects",
        Endpoint::Manifest => "manifest",
        Endpoint::Object => "object",
        Endpoint::Versions => "versions",
        Endpoint::Delete => "delete_object",
    });
    if !page.rows.is_empty() {
        let mut event = read_event(
            who.as_deref(),
            &c,
            endpoint,
            relation,
            AuditKind::Disclosure,
            |items| {
                for (r, d) in page.rows.iter().zip(&served) {
                    let mut item = AuditItem {
                        id: r.id.clone(),
                        version: r.version.clone(),
                        // Only where content was sent; recorded at ingest, computed for
                        // rows stored before that.
                        sha256: r.body.as_deref().map(|b| {
                            r.sha256
                                .as_ref()
                                .map_or_else(|| sha256_hex(b.as_bytes()), |h| hex(h))
                        }),
                        tlp: r.tlp,
                        decision: "disclosed".into(),
                        pii: Some(served_pii(r, d))
                            .filter(|p| *p != tlp::PiiClass::None)
                            .map(|p| p.as_str().into()),
                        derived_id: None,
                        removed: Vec::new(),
                        to: Vec::new(),
                    };
                    match d {
                        Delivery::Stored => {}
                        Delivery::Redacted(x) => {
                            item.decision = "redacted".into();
                            item.sha256 = bodies.then(|| sha256_hex(x.body.as_bytes()));
                            item.derived_id = Some(x.id.clone());
                            item.removed = x.removed.clone();
                        }
                        Delivery::Withheld(code) => {
                            item.decision = format!("withheld:{code}");
                            item.sha256 = None;
                        }
                    }
                    items.push(item);
                }
            },
        );
        // The designations personal data went out under, valid at this moment.
        if let Some(p) = who.as_deref()
            && event.items.iter().any(|i| i.pii.is_some())
        {
            let today = state.clock.today();
            let dir = state.directory().await?;
            event.designations = dir
                .organisation(&p.organisation)
                .designations
                .iter()
                .filter(|d| d.valid_on(today))
                .map(|d| format!("{}: {}", d.kind.as_str(), d.legal_basis))
                .collect();
        }
        audit(state, event).await?;
    }
    Ok((c, read, page, served))
}

/// The personal-data class of what went out of `row`: the object's, and that of every part
/// (zone) that was sent, not removed.
fn served_pii(row: &store::Row, delivery: &Delivery) -> tlp::PiiClass {
    let zones = row.review.as_ref().map_or(&[][..], |r| &r.class.zones[..]);
    let removed: Vec<tlp::selector::Path> = match delivery {
        Delivery::Stored => Vec::new(),
        Delivery::Redacted(x) => x
            .removed
            .iter()
            .filter_map(|s| tlp::selector::Path::parse(s))
            .collect(),
        Delivery::Withheld(_) => return tlp::PiiClass::None,
    };
    zones
        .iter()
        .filter(|z| {
            tlp::selector::Path::parse(&z.selector)
                .is_some_and(|p| !removed.iter().any(|r| r.covers(&p)))
        })
        .map(|z| z.pii)
        .fold(row.pii, tlp::PiiClass::max)
}

/// Who reads a collection, and what they may see. A request without credentials reads a
/// public collection anonymously (TLP:CLEAR only); anywhere else it gets the usual 401.
async fn reader_of<S: Store>(
    req: &HttpRequest,
    state: &AppState<S>,
    root: &str,
    cid: &str,
) -> Result<(
    Option<Arc<Principal>>,
    Collection,
    tlp::ReadScope,
    tlp::Relation,
)> {
    if req.headers().get(header::AUTHORIZATION).is_none()
        && let Some(c) = state.public_collection(root, cid).await?
    {
        negotiate(req)?;
        let dir = state.directory().await?;
        let (scope, relation) =
            tlp::ReadScope::with_relation(&tlp::Reader::Anonymous, &c.policy, false, &dir);
        return Ok((None, c, scope, relation));
    }
    let p = begin(req, state).await?;
    let (c, perms) = readable(state, &p, root, cid).await?;
    let (scope, relation) = state.read_scope(&p, &c, perms).await?;
    Ok((Some(p), c, scope, relation))
}

fn endpoint_name(e: Endpoint) -> &'static str {
    match e {
        Endpoint::Objects => "objects",
        Endpoint::Object => "object",
        Endpoint::Manifest => "manifest",
        Endpoint::Versions => "versions",
        Endpoint::Delete => "delete",
    }
}

fn read_event(
    p: Option<&Principal>,
    c: &Collection,
    endpoint: Endpoint,
    relation: tlp::Relation,
    kind: AuditKind,
    fill: impl FnOnce(&mut Vec<AuditItem>),
) -> AuditEvent {
    let mut items = Vec::new();
    fill(&mut items);
    AuditEvent {
        time_us: now_micros(),
        kind,
        account: p.map(|p| p.account.clone()),
        organisation: p.map(|p| p.organisation.clone()),
        api_root: Some(c.api_root.clone()),
        collection: Some(c.id),
        endpoint: Some(endpoint_name(endpoint).into()),
        relation: Some(relation.as_str().into()),
        designations: Vec::new(),
        items,
        from: None,
        justification: None,
    }
}

/// Records an audit event; a disclosure that cannot be recorded is not made (503).
async fn audit<S: Store>(state: &AppState<S>, event: AuditEvent) -> Result<()> {
    state
        .store
        .audit(vec![event])
        .await
        .map_err(|e| ApiError(crate::state::internal(e)))
}

async fn query<S: Store>(
    state: &AppState<S>,
    c: &Collection,
    read: &Read,
    vis: &Visibility,
    bodies: bool,
) -> Result<Page> {
    state
        .store
        .query(
            c,
            &read.filter,
            vis,
            PageRequest {
                after: read.after,
                limit: read.limit,
            },
            bodies,
        )
        .await
        .map_err(|e| ApiError(crate::state::internal(e)))
}

async fn exists<S: Store>(
    state: &AppState<S>,
    c: &Collection,
    id: &str,
    vis: &Visibility,
) -> Result<bool> {
    state
        .store
        .object_exists(c, id, vis)
        .await
        .map_err(|e| ApiError(crate::state::internal(e)))
}

fn envelope_response<S: Store>(
    state: &AppState<S>,
    endpoint: Endpoint,
    c: &Collection,
    oid: Option<&str>,
    read: &Read,
    page: &Page,
    served: &[Delivery],
) -> HttpResponse {
    let next = next_token(state, endpoint, c, oid, read, page);
    let bodies: Vec<&str> = page
        .rows
        .iter()
        .zip(served)
        .filter_map(|(r, d)| match d {
            Delivery::Stored => r.body.as_deref(),
            Delivery::Redacted(x) => Some(x.body.as_str()),
            Delivery::Withheld(_) => None,
        })
        .collect();
    let body = resources::envelope(page.more, next.as_deref(), &bodies);
    with_date_headers(taxii_ok(body), read, page, served)
}

/// `GET .../manifest/` (T-57 ... T-61).
pub async fn manifest<S: Store>(
    req: HttpRequest,
    state: State<S>,
    path: (String, String),
) -> Result<HttpResponse> {
    let (root, cid) = path;
    let (c, read, page, served) =
        read_page(&req, &state, Endpoint::Manifest, &root, &cid, None).await?;
    let next = next_token(&state, Endpoint::Manifest, &c, None, &read, &page);
    let records = page
        .rows
        .iter()
        .zip(&served)
        .filter_map(|(r, d)| match d {
            Delivery::Stored => Some((r, r.id.clone())),
            Delivery::Redacted(x) => Some((r, x.id.clone())),
            Delivery::Withheld(_) => None,
        })
        .map(|(r, id)| resources::ManifestRecord {
            id,
            date_added: format_timestamp(r.date_added),
            version: r.version.clone(),
            media_type: Some(format!("application/stix+json;version={}", r.spec_version)),
        })
        .collect();
    let body = resources::Manifest {
        more: Some(page.more),
        next,
        objects: records,
    };
    Ok(with_date_headers(
        taxii_ok(json(&body)?),
        &read,
        &page,
        &served,
    ))
}

/// `GET .../objects/{object-id}/versions/` (T-80 ... T-82).
pub async fn versions<S: Store>(
    req: HttpRequest,
    state: State<S>,
    path: (String, String, String),
) -> Result<HttpResponse> {
    let (root, cid, oid) = path;
    let (c, read, page, served) =
        read_page(&req, &state, Endpoint::Versions, &root, &cid, Some(&oid)).await?;
    let next = next_token(&state, Endpoint::Versions, &c, Some(&oid), &read, &page);
    let body = resources::Versions {
        more: Some(page.more),
        next,
        versions: page
            .rows
            .iter()
            .zip(&served)
            .filter(|(_, d)| !matches!(d, Delivery::Withheld(_)))
            .map(|(r, _)| r.version.clone())
            .collect(),
    };
    Ok(with_date_headers(
        taxii_ok(json(&body)?),
        &read,
        &page,
        &served,
    ))
}

/// `POST .../objects/` (T-66 ... T-71): 202 with a complete status resource whose successes
/// and failures are per object.
pub async fn add_objects<S: Store>(
    req: HttpRequest,
    state: State<S>,
    path: (String, String),
    payload: web::Payload,
) -> Result<HttpResponse> {
    let p = begin(&req, &state).await?;
    let (root_path, cid) = path;
    let root = state.api_root(&p, &root_path).await?;
    let (c, perms) = state.collection(&p, &root, &cid).await?;
    if !perms.write {
        return Err(ApiError(TaxiiError::Forbidden(
            "you may not add objects to this collection".into(),
        )));
    }
    media::check_content_type(header_str(req.headers(), header::CONTENT_TYPE))?;
    let declared = header_str(req.headers(), header::CONTENT_LENGTH)
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = ingest::read_body(payload, root.max_content_length, declared).await?;
    let request_timestamp = now_micros();
    // Bytes are reference-counted: the clone keeps the body for the positions of refusals.
    let kept = body.clone();
    let mut prepared = web::block(move || ingest::prepare(&body))
        .await
        .map_err(|e| ApiError(TaxiiError::Internal(e.to_string())))??;
    let dir = state.directory().await?;
    let org = dir.organisation(&p.organisation);
    let poster = tlp::ingest::Poster {
        org: &org,
        identity: p.identity.as_deref(),
    };
    ingest::apply_access(&state.store, &c, &dir, &poster, &kept, &mut prepared, false)
        .await
        .map_err(|e| ApiError(crate::state::internal(e)))?;
    let status = StatusRecord {
        id: Uuid::new_v4(),
        api_root: root.path.clone(),
        account: p.account.clone(),
        complete: false,
        request_timestamp,
        total_count: prepared.total,
        successes: Vec::new(),
        failures: prepared.failures,
        pendings: Vec::new(),
    };
    let added = state.store.add_objects(&c, prepared.objects, status).await;
    // Whatever the outcome: what redaction cached about this collection may be stale now.
    state.refs.invalidate(c.key);
    let (outcomes, status) = added.map_err(|e| ApiError(crate::state::internal(e)))?;
    state.metrics.ingested(
        outcomes
            .iter()
            .filter(|o| matches!(o, store::AddOutcome::Added { .. }))
            .count() as u64,
    );
    tracing::info!(account = %p.account, collection = %c.id, total = status.total_count, failures = status.failures.len(), "objects added");
    Ok(HttpResponse::Accepted()
        .insert_header((header::CONTENT_TYPE, TAXII_MEDIA_TYPE))
        .body(json(&status_resource(&status))?))
}

/// `DELETE .../objects/{object-id}/` (T-75 ... T-79). Without `match[version]` every version is
/// deleted (the object is deleted); with it, only the selected versions (docs/taxii.md).
pub async fn delete_object<S: Store>(
    req: HttpRequest,
    state: State<S>,
    path: (String, String, String),
) -> Result<HttpResponse> {
    let p = begin(&req, &state).await?;
    let (root_path, cid, oid) = path;
    let root = state.api_root(&p, &root_path).await?;
    let (c, perms) = state.collection(&p, &root, &cid).await?;
    // T-76: both false -> 404 (handled by `collection`), exactly one false -> 403.
    if !(perms.read && perms.write) {
        return Err(ApiError(TaxiiError::Forbidden(
            "deleting needs both read and write permission on the collection".into(),
        )));
    }
    // Without match[version], parse_query selects every version for DELETE (docs/taxii.md).
    let filter = parse_query(req.query_string(), Endpoint::Delete)?.filter;
    let (scope, _) = state.read_scope(&p, &c, perms).await?;
    if !exists(&state, &c, &oid, &Visibility::Scoped(scope)).await? {
        return Err(ApiError(TaxiiError::NotFound(
            "no such object in this collection".into(),
        )));
    }
    // Only the originating organisation, the collection's owner or an operator may delete: a
    // member with write permission must not remove what another organisation shared (the
    // creator-only rule for versions, access-model-research.md 4.4, applied to removal).
    if !p.operator && c.owner.as_deref() != Some(p.organisation.as_str()) {
        let stored = state
            .store
            .object_access(&c, vec![oid.clone()])
            .await
            .map_err(|e| ApiError(crate::state::internal(e)))?;
        if stored.iter().any(|a| {
            a.class
                .origin
                .as_deref()
                .is_some_and(|o| o != p.organisation)
        }) {
            return Err(ApiError(TaxiiError::Forbidden(
                "only the organisation that posted this object (or the collection's owner) may delete it".into(),
            )));
        }
    }
    let deleted = state.store.delete_object(&c, &oid, &filter).await;
    state.refs.invalidate(c.key);
    let deleted = deleted.map_err(|e| ApiError(crate::state::internal(e)))?;
    // A 200 means the selected versions are gone (T-78); a filter that selects none is 404
    // (as medallion), not a 200 that deleted nothing.
    if deleted == 0 {
        return Err(ApiError(TaxiiError::NotFound(
            "no version of this object matches the filter".into(),
        )));
    }
    tracing::info!(account = %p.account, collection = %c.id, object = %oid, deleted, "object deleted");
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, TAXII_MEDIA_TYPE))
        .finish())
}

/// Query of `GET /schakel/explain`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainQuery {
    account: String,
    object: String,
    api_root: Option<String>,
    collection: Option<String>,
}

/// `GET /schakel/explain?account=A&object=ID[&api_root=R][&collection=C]`: operators only
/// (403 for anyone else); the JSON form of `schakel explain`.
pub async fn explain<S: Store>(req: HttpRequest, state: State<S>) -> Result<HttpResponse> {
    let p = begin(&req, &state).await?;
    if !p.operator {
        return Err(ApiError(TaxiiError::Forbidden(
            "explain is an operator endpoint".into(),
        )));
    }
    let q = web::Query::<ExplainQuery>::from_query(req.query_string()).map_err(|e| {
        ApiError(TaxiiError::BadRequest(format!(
            "explain takes account=NAME&object=ID[&api_root=R][&collection=C]: {e}"
        )))
    })?;
    let out = crate::explain::explain(
        &state.store,
        &q.account,
        &q.object,
        q.api_root.as_deref(),
        q.collection.as_deref(),
        state.clock.today(),
    )
    .await
    .map_err(|e| match e {
        crate::explain::ExplainError::Store(e) => ApiError(crate::state::internal(e)),
        other => ApiError(TaxiiError::NotFound(other.to_string())),
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(json(&out)?))
}

/// Unknown paths: the TAXII error resource, never an HTML page.
pub async fn not_found() -> Result<HttpResponse> {
    Err(ApiError(TaxiiError::NotFound(
        "no such TAXII endpoint".into(),
    )))
}

/// Known paths with a method TAXII does not define there (D: 405 with an error body), with the
/// `Allow` header a 405 must carry (RFC 9110 section 15.5.6).
pub async fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut resp =
        actix_web::ResponseError::error_response(&ApiError(TaxiiError::MethodNotAllowed));
    resp.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allow));
    resp
}

fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Body of `POST /schakel/relay`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RelayBody {
    api_root: String,
    /// Source and relay-target collections (id, alias or title).
    from: String,
    to: String,
    objects: Vec<String>,
    #[serde(default)]
    recipients: Vec<String>,
    justification: Option<String>,
}

/// `POST /schakel/relay`: an account of an intermediary relays objects into a relay-target
/// collection its organisation may write to (DESIGN.md section 4 "Relay"). 200 with what was
/// relayed and what was refused (each with its rule); 403 when everything was refused, with the
/// reasons; 404 for a target the account's organisation may not write to and a source it may
/// not read (whether or not they exist). Every relay and refusal is audited.
pub async fn relay<S: Store>(
    req: HttpRequest,
    state: State<S>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let p = state
        .auth
        .authenticate(header_str(req.headers(), header::AUTHORIZATION))
        .await?;
    let body = ingest::read_body(payload, 1 << 20, None).await?;
    let order: RelayBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError(TaxiiError::BadRequest(format!(
            "relay takes a JSON object {{api_root, from, to, objects: [ids], recipients?: [organisations], justification?}}: {e}"
        )))
    })?;
    // One answer for "no such collection" and "not yours to write": no existence oracle.
    let not_found = || {
        ApiError(TaxiiError::NotFound(format!(
            "no relay target {:?} in API root {:?} that this account may write to",
            order.to, order.api_root
        )))
    };
    let target = crate::federation::local_collection(&state.store, &order.api_root, &order.to)
        .await
        .map_err(|e| match e {
            crate::federation::FederationError::NotFound(_) => not_found(),
            other => federation_error(other),
        })?;
    let writes = state
        .store
        .grants(&p.organisation, &order.api_root)
        .await
        .map_err(|e| ApiError(crate::state::internal(e)))?
        .iter()
        .any(|g| g.collection_key == target.key && g.write);
    if !writes && !p.operator {
        return Err(not_found());
    }
    let result = crate::federation::relay::relay_objects(
        &state.store,
        &crate::federation::relay::RelayOrder {
            organisation: p.organisation.clone(),
            account: Some(p.account.clone()),
            api_root: order.api_root,
            from: order.from,
            to: order.to,
            objects: order.objects,
            recipients: order.recipients,
            justification: order.justification,
        },
        &state.clock,
    )
    .await
    .map_err(federation_error)?;
    // New copies, and copies whose recipients widened, change what readers may resolve.
    if !result.relayed.is_empty() {
        state.refs.invalidate(target.key);
    }
    state.metrics.relayed(
        result
            .relayed
            .iter()
            .filter(|r| !r.duplicate || r.widened)
            .count() as u64,
    );
    if result.relayed.is_empty() {
        let reasons: Vec<String> = result
            .refused
            .iter()
            .map(|r| format!("{}: {}", r.id, r.message))
            .collect();
        return Err(ApiError(TaxiiError::Forbidden(format!(
            "nothing relayed: {}",
            reasons.join("; ")
        ))));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(json(&result)?))
}

fn federation_error(e: crate::federation::FederationError) -> ApiError {
    use crate::federation::FederationError as F;
    ApiError(match e {
        F::NotFound(m) => TaxiiError::NotFound(m),
        F::Forbidden(m) => TaxiiError::Forbidden(m),
        F::Config(m) => TaxiiError::BadRequest(m),
        F::Store(e) => crate::state::internal(e),
        F::Upstream(e) => TaxiiError::Unavailable(e.to_string()),
    })
}

/// `GET /healthz`: the process answers (liveness; no credentials, no store access).
pub fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(r#"{"status":"ok"}"#)
}

/// `GET /readyz`: the store answers a query (readiness; no credentials). 503 with the TAXII
/// error resource when it does not.
pub async fn readyz<S: Store>(state: State<S>) -> Result<HttpResponse> {
    state.store.api_roots().await.map_err(|e| {
        ApiError(TaxiiError::Unavailable(format!(
            "the store does not answer: {e}"
        )))
    })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(r#"{"status":"ready"}"#))
}

/// `GET /metrics`: Prometheus text exposition, for operator accounts (a scraper uses HTTP
/// Basic or a token of one); 403 for other accounts.
pub async fn metrics<S: Store>(req: HttpRequest, state: State<S>) -> Result<HttpResponse> {
    let p = state
        .auth
        .authenticate(header_str(req.headers(), header::AUTHORIZATION))
        .await?;
    if !p.operator {
        return Err(ApiError(TaxiiError::Forbidden(
            "metrics are for operator accounts".into(),
        )));
    }
    let bytes = state
        .settings
        .store_files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/plain; version=0.0.4"))
        .body(state.metrics.render(bytes)))
}
