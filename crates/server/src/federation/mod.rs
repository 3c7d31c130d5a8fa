//! Federation (DESIGN.md section 4 "Relay", docs/federation.md): pulling collections of
//! upstream TAXII 2.1 servers into local collections, and relaying ([`relay`]).
//!
//! A pull stores each upstream page with [`Store::add_arrival`]: the objects (bytes as the
//! upstream sent them, through the same validation and ingest rules as a POST), a hop beside
//! each stored version, and the subscription's position, in one transaction. The position is
//! just before the upstream's `X-TAXII-Date-Added-Last` of the last stored page, so a crash or a
//! restart resumes with that page's last instant: nothing is lost (also where the upstream's
//! `date_added` is not unique), and what is fetched again only finds duplicates (same id,
//! version and content), which are not stored twice.

pub mod relay;

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use store::audit::AuditKind;
use store::{AddOutcome, Arrival, Collection, Hop, HopKind, Store, StoreError};
use taxii::client::{Auth, Client, ClientCert, ClientConfig, ClientError, ObjectsRequest};
use tlp::ingest::Poster;

use crate::config::UpstreamEntry;
use crate::ingest;
use crate::state::Clock;

/// What can stop a pull or a relay.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    #[error("{0}")]
    Config(String),
    #[error("upstream: {0}")]
    Upstream(#[from] ClientError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
}

/// The saved position of a subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Position {
    /// The upstream's `X-TAXII-Date-Added-Last` of the last page stored.
    added_after: Option<String>,
}

/// Counts of one pull run (also its progress).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullReport {
    pub name: String,
    pub pages: u64,
    /// Objects the upstream sent.
    pub received: u64,
    pub stored: u64,
    /// Already held in the target (same id, version and content).
    pub duplicates: u64,
    /// Refused by validation or by the target collection's ingest rules (audited with the rule).
    pub refused: u64,
    /// Stored versions this server already held in another collection (they came back).
    pub returned: u64,
    /// The position after the run (`added_after` for the next one).
    pub position: Option<String>,
}

/// The `added_after` to resume from after a page whose last `date_added` is `last`: one
/// microsecond before it, so objects sharing that `date_added` (a server whose `date_added` is
/// not unique, split across two pages) are asked for again and found as duplicates instead of
/// being skipped. A value this server cannot read is kept as sent.
fn resume_point(last: &str) -> String {
    match taxii::time::parse_added_after(last) {
        Ok(us) => taxii::time::format_timestamp(us.saturating_sub(1)),
        Err(_) => last.to_owned(),
    }
}

/// An `added_after` as microseconds (`None`, and values this server cannot read, as the
/// beginning of time).
fn micros(added_after: Option<&str>) -> i64 {
    added_after
        .and_then(|a| taxii::time::parse_added_after(a).ok())
        .unwrap_or(i64::MIN)
}

/// The checkpoint name of a subscription.
pub fn checkpoint_name(subscription: &str) -> String {
    format!("pull:{subscription}")
}

/// A local collection by id, alias or title.
pub async fn local_collection<S: Store>(
    store: &S,
    api_root: &str,
    name: &str,
) -> Result<Collection, FederationError> {
    if let Some(c) = store.collection(api_root, name).await? {
        return Ok(c);
    }
    store
        .collections(api_root)
        .await?
        .into_iter()
        .find(|c| c.title == name)
        .ok_or_else(|| {
            FederationError::NotFound(format!(
                "no collection {name:?} in API root {api_root:?} (give its id, alias or title)"
            ))
        })
}

/// The HTTP client a subscription uses: its credentials (from the file or the environment),
/// CA and client certificate, timeouts and retries.
pub fn client_for(u: &UpstreamEntry) -> Result<Client, FederationError> {
    let what = format!("[[upstream]] {:?}", u.name);
    let secret = |inline: &Option<String>,
                  env: &Option<String>|
     -> Result<Option<String>, FederationError> {
        match (inline, env) {
            (Some(s), _) => Ok(Some(s.clone())),
            (None, Some(var)) => std::env::var(var).map(Some).map_err(|_| {
                FederationError::Config(format!("{what}: environment variable {var} is not set"))
            }),
            (None, None) => Ok(None),
        }
    };
    let auth = match (&u.username, secret(&u.password, &u.password_env)?) {
        (Some(username), Some(password)) => Auth::Basic {
            username: username.clone(),
            password,
        },
        _ => match secret(&u.token, &u.token_env)? {
            Some(t) => Auth::Bearer(t),
            None => Auth::None,
        },
    };
    let read = |p: &Path| {
        std::fs::read(p)
            .map_err(|e| FederationError::Config(format!("{what}: {}: {e}", p.display())))
    };
    let client_cert = match (&u.client_cert, &u.client_key) {
        (Some(c), Some(k)) => Some(ClientCert {
            cert_pem: read(c)?,
            key_pem: read(k)?,
        }),
        _ => None,
    };
    let config = ClientConfig {
        auth,
        ca_pem: u.ca.as_deref().map(read).transpose()?,
        client_cert,
        timeout: Duration::from_secs(u.timeout_secs),
        retries: u.retries,
        ..ClientConfig::default()
    };
    Client::new(config).map_err(|e| FederationError::Config(format!("{what}: {e}")))
}

/// One run of a subscription: fetches every page the upstream has after the saved position and
/// stores it. `progress` is called after each stored page.
pub async fn pull<S: Store>(
    store: &S,
    u: &UpstreamEntry,
    client: &Client,
    clock: &Clock,
    progress: &mut (dyn FnMut(&PullReport) + Send),
) -> Result<PullReport, FederationError> {
    let name = checkpoint_name(&u.name);
    let target = local_collection(store, &u.target_api_root, &u.target).await?;
    let dir = store::directory(store).await?;
    let Some(org) = dir.get(&u.organisation).cloned() else {
        return Err(FederationError::Config(format!(
            "[[upstream]] {:?}: organisation {:?} is not provisioned",
            u.name, u.organisation
        )));
    };
    let mut position: Position = store
        .checkpoint(&name)
        .await?
        .and_then(|p| serde_json::from_str(&p).ok())
        .unwrap_or_default();
    let upstream = client.collection(&u.url, &u.collection).await?;
    let from = format!(
        "{} {}/collections/{}/",
        u.name,
        u.url.trim_end_matches('/'),
        upstream.id
    );
    // Every version, not only the latest: the local collection is to equal the upstream one.
    let base = ObjectsRequest {
        added_after: position.added_after.clone(),
        next: None,
        limit: Some(u.page_size),
        filters: vec![("match[version]".into(), "all".into())],
    };
    let mut request = base.clone();
    let mut previous = None;
    let mut report = PullReport {
        name: u.name.clone(),
        position: position.added_after.clone(),
        ..PullReport::default()
    };
    loop {
        let page = client.objects(&u.url, &upstream.id, &request).await?;
        report.pages += 1;
        report.received += page.objects.len() as u64;
        if let Some(last) = &page.date_added_last {
            position.added_after = Some(resume_point(last));
        }
        let checkpoint = serde_json::to_string(&position)
            .map_err(|e| FederationError::Config(format!("position: {e}")))?;
        let cx = PageContext {
            store,
            target: &target,
            dir: &dir,
            org: &org,
            u,
            from: &from,
            clock,
            client,
            upstream_id: &upstream.id,
        };
        let arrival = cx
            .arrival(&page.objects, (name.clone(), checkpoint))
            .await?;
        let refused = arrival.refused.len() as u64;
        let arrived = store.add_arrival(&target, arrival).await?;
        report.refused += refused;
        for a in &arrived {
            match a.outcome {
                AddOutcome::Added { .. } => report.stored += 1,
                AddOutcome::Duplicate { .. } => report.duplicates += 1,
                AddOutcome::Rejected { .. } => report.refused += 1,
            }
            if !a.held_before.is_empty() {
                report.returned += 1;
            }
        }
        report.position = position.added_after.clone();
        progress(&report);
        if !page.more || page.objects.is_empty() {
            break;
        }
        // Within a run, the upstream's `next` (with the same filters) pages through one
        // consistent result; without it, `added_after` moves on from the last page.
        let next = match page.next {
            Some(next) => ObjectsRequest {
                next: Some(next),
                ..base.clone()
            },
            None if page.date_added_last.is_some() => ObjectsRequest {
                added_after: position.added_after.clone(),
                ..base.clone()
            },
            None => {
                return Err(FederationError::Upstream(ClientError::Decode {
                    url: from,
                    message: "the upstream says more objects follow but sends neither `next` nor \
                              X-TAXII-Date-Added-Last to page with"
                        .into(),
                }));
            }
        };
        // Paging must move on. A `next` token may stay the same through a paging session
        // (medallion's does), so a page identical to the one before is the sign that it does
        // not; an `added_after` must advance (a page of one `date_added` without `next`, or an
        // upstream that ignores `added_after`, would return the same page for ever).
        let signature = (
            page.date_added_first.clone(),
            page.date_added_last.clone(),
            page.objects.len(),
            page.objects.first().map(|o| o.get().to_owned()),
        );
        let moved = match &next.next {
            Some(_) => previous.as_ref() != Some(&signature),
            None => micros(next.added_after.as_deref()) > micros(request.added_after.as_deref()),
        };
        if !moved {
            return Err(FederationError::Upstream(ClientError::Decode {
                url: from,
                message: "the upstream says more objects follow but its paging does not move on \
                          (the same page again, or a page of a single date_added without `next`)"
                    .into(),
            }));
        }
        previous = Some(signature);
        request = next;
    }
    tracing::info!(
        subscription = %u.name,
        pages = report.pages,
        stored = report.stored,
        duplicates = report.duplicates,
        refused = report.refused,
        "pull finished"
    );
    Ok(report)
}

/// What storing one upstream page needs.
struct PageContext<'a, S> {
    store: &'a S,
    target: &'a Collection,
    dir: &'a tlp::Directory,
    org: &'a tlp::Organisation,
    u: &'a UpstreamEntry,
    from: &'a str,
    clock: &'a Clock,
    client: &'a Client,
    upstream_id: &'a str,
}

impl<S: Store> PageContext<'_, S> {
    /// One upstream page as an arrival: validated and classified like a POST of the
    /// upstream's organisation (without the local creator rule: the upstream applied its own).
    async fn arrival(
        &self,
        objects: &[Box<serde_json::value::RawValue>],
        checkpoint: (String, String),
    ) -> Result<Arrival, FederationError> {
        let (store, target, dir, org, u, from, clock) = (
            self.store,
            self.target,
            self.dir,
            self.org,
            self.u,
            self.from,
            self.clock,
        );
        let now = clock.now_micros();
        let mut arrival = Arrival {
            kind: AuditKind::Pull,
            organisation: Some(u.organisation.clone()),
            account: None,
            endpoint: checkpoint.0.clone(),
            time: now,
            objects: Vec::new(),
            hops: Vec::new(),
            refused: Vec::new(),
            from: Some(from.to_owned()),
            justification: None,
            checkpoint: Some(checkpoint),
            checkpoint_from: None,
        };
        if objects.is_empty() {
            return Ok(arrival);
        }
        let mut body = envelope(objects);
        let mut prepared = ingest::prepare(body.as_bytes())
            .map_err(|e| FederationError::Config(format!("upstream page: {e}")))?;
        // Marking-definitions the page's objects name but neither the page nor the target
        // holds (an upstream may have added them later, so they come in a later page): asked
        // of the upstream now and stored first, so the objects' markings resolve.
        let missing = self.missing_markings(&prepared).await?;
        if !missing.is_empty() {
            let mut fetched = Vec::new();
            // Best effort, in chunks: an upstream that answers such a request with an error
            // (404 for no match, 414 for a long URL) leaves the objects to the target's rules
            // (refused or quarantined as unknown markings), and the pull goes on.
            for chunk in missing.chunks(50) {
                let request = ObjectsRequest {
                    filters: vec![("match[id]".into(), chunk.join(","))],
                    ..ObjectsRequest::default()
                };
                match self
                    .client
                    .objects(&u.url, self.upstream_id, &request)
                    .await
                {
                    Ok(page) => fetched.extend(page.objects),
                    Err(e) => {
                        tracing::warn!(subscription = %u.name, error = %e, "could not fetch marking-definitions the page names");
                    }
                }
            }
            let all: Vec<Box<serde_json::value::RawValue>> = fetched
                .into_iter()
                .filter(|m| {
                    // Only what was asked for: a server may ignore `match[id]`.
                    serde_json::from_str::<serde_json::Value>(m.get())
                        .ok()
                        .and_then(|v| v.get("id")?.as_str().map(str::to_owned))
                        .is_some_and(|id| missing.contains(&id))
                })
                .chain(objects.iter().cloned())
                .collect();
            body = envelope(&all);
            prepared = ingest::prepare(body.as_bytes())
                .map_err(|e| FederationError::Config(format!("upstream page: {e}")))?;
        }
        let poster = Poster {
            org,
            identity: None,
        };
        ingest::apply_access(
            store,
            target,
            dir,
            &poster,
            body.as_bytes(),
            &mut prepared,
            true,
        )
        .await?;
        let hop = Hop {
            kind: HopKind::Pulled,
            from: from.to_owned(),
            by: Some(u.organisation.clone()),
            at: now,
            to: Vec::new(),
            justification: None,
            held_before: Vec::new(),
        };
        arrival.hops = prepared.objects.iter().map(|_| hop.clone()).collect();
        arrival.objects = prepared.objects;
        arrival.refused = prepared.failures;
        Ok(arrival)
    }
}

impl<S: Store> PageContext<'_, S> {
    /// The ids of marking-definitions the prepared objects name that are not well-known and
    /// neither among them nor stored in the target.
    async fn missing_markings(
        &self,
        prepared: &ingest::Prepared,
    ) -> Result<Vec<String>, FederationError> {
        let mut ids: Vec<String> = prepared
            .meta
            .iter()
            .flat_map(|m| {
                m.object_markings
                    .iter()
                    .chain(m.granular_markings.iter().map(|(id, _)| id))
            })
            .filter(|id| stix::registry::well_known(id).is_none())
            .filter(|id| !prepared.objects.iter().any(|o| &o.id == *id))
            .cloned()
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(ids);
        }
        let held: Vec<String> = self
            .store
            .object_access(self.target, ids.clone())
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        ids.retain(|id| !held.contains(id));
        Ok(ids)
    }
}

/// `{"objects":[...]}` around raw objects, their bytes unchanged.
pub(crate) fn envelope(objects: &[Box<serde_json::value::RawValue>]) -> String {
    let len: usize = objects.iter().map(|o| o.get().len() + 1).sum();
    let mut body = String::with_capacity(len + 16);
    body.push_str("{\"objects\":[");
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(o.get());
    }
    body.push_str("]}");
    body
}

/// Objects a scheduled pull or relay rule stored in a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub collection: i64,
    pub pulled: u64,
    pub relayed: u64,
}

/// Runs every subscription and relay rule of the provisioning file on its interval, for as long
/// as the returned future is polled (the server drops it when it stops). Errors are logged and
/// the run is tried again at the next interval; the saved positions make that safe.
/// `on_stored` is called when a collection received objects (the server drops its cached
/// reference decisions for it and counts them).
pub async fn run_scheduled<S: Store>(
    store: S,
    file: crate::config::ProvisioningFile,
    clock: Clock,
    on_stored: std::sync::Arc<dyn Fn(Delivered) + Send + Sync>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for u in file.upstreams.clone() {
        let (store, clock, on_stored) = (store.clone(), clock.clone(), on_stored.clone());
        tasks.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(u.interval_secs));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut client = None;
            loop {
                tick.tick().await;
                // Built (again) until it succeeds: a secret set or a certificate installed
                // later starts the subscription without a restart.
                if client.is_none() {
                    match client_for(&u) {
                        Ok(c) => client = Some(c),
                        Err(e) => {
                            tracing::error!(subscription = %u.name, error = %e, "subscription cannot run; tried again at the next interval");
                            continue;
                        }
                    }
                }
                let Some(client) = &client else { continue };
                let target = match local_collection(&store, &u.target_api_root, &u.target).await {
                    Ok(c) => c.key,
                    Err(e) => {
                        tracing::warn!(subscription = %u.name, error = %e, "pull target not found; tried again at the next interval");
                        continue;
                    }
                };
                let mut counted = 0;
                let mut progress = |r: &PullReport| {
                    if r.stored > counted {
                        on_stored(Delivered {
                            collection: target,
                            pulled: r.stored - counted,
                            relayed: 0,
                        });
                        counted = r.stored;
                    }
                };
                if let Err(e) = pull(&store, &u, client, &clock, &mut progress).await {
                    tracing::warn!(subscription = %u.name, error = %e, "pull failed; retried at the next interval");
                }
            }
        });
    }
    for r in file.relays.clone() {
        let (store, clock, on_stored) = (store.clone(), clock.clone(), on_stored.clone());
        tasks.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(r.interval_secs));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match relay::run_rule(&store, &r, &clock).await {
                    Ok(n) if !n.relayed.is_empty() => {
                        if let Ok(c) = local_collection(&store, &r.api_root, &r.to).await {
                            on_stored(Delivered {
                                collection: c.key,
                                pulled: 0,
                                relayed: n.relayed.len() as u64,
                            });
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(rule = %r.name, error = %e, "relay rule failed; retried at the next interval");
                    }
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    std::future::pending::<()>().await;
}
