//! Relay: an intermediary re-shares stored versions it may read into its relay-target
//! collection, as [`tlp::relay`] decides, by hand (`schakel relay`, `POST /schakel/relay`) or
//! by a standing rule (`[[relay]]`, run by `schakel serve` or `schakel relay --rules`).
//!
//! The copy is the stored version unchanged (same id, bytes and markings) with the source's
//! classification, its recipients narrowed where need-to-know applies. Every relay and every
//! refusal is audited (kind `relay`), and each copy gets a hop naming the source collection,
//! the intermediary, the recipients with their need-to-know, and the justification.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use store::audit::AuditKind;
use store::{
    AddOutcome, Arrival, Collection, Hop, HopKind, ObjectFilter, PageRequest, Row, StatusDetail,
    Store, VersionMatch, Visibility,
};
use tlp::relay::{Readable, RelayRequest};
use tlp::{Directory, Organisation, ReadScope};

use super::{FederationError, envelope, local_collection};
use crate::config::RelayEntry;
use crate::state::Clock;

/// A relay asked for by hand.
#[derive(Debug, Clone, Default)]
pub struct RelayOrder {
    /// The intermediary, and the account acting for it (for the audit).
    pub organisation: String,
    pub account: Option<String>,
    pub api_root: String,
    /// Source and target collections: id, alias or title.
    pub from: String,
    pub to: String,
    /// Object ids: the last version of each that the intermediary may read is relayed.
    pub objects: Vec<String>,
    /// Constituents to name (empty: the rules choose).
    pub recipients: Vec<String>,
    pub justification: Option<String>,
}

/// What a relay did, per object version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RelayResult {
    pub relayed: Vec<Relayed>,
    pub refused: Vec<Refused>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relayed {
    pub id: String,
    pub version: String,
    /// `org: need-to-know` for each recipient the copy names; empty: the target's audience.
    pub to: Vec<String>,
    /// The target already held this version.
    pub duplicate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub id: String,
    pub version: Option<String>,
    /// The rule's code (`amber-strict`, `no-need-to-know`, ...).
    pub reason: String,
    pub message: String,
}

/// One relay step: versions of the source, and how to relay them.
struct Batch<'a> {
    rows: Vec<Row>,
    /// Constituents named (empty: the rules choose) and the justification.
    recipients: &'a [String],
    justification: Option<&'a str>,
    /// For the audit entry.
    account: Option<String>,
    endpoint: String,
    /// A rule's limit: rows above it are outside the rule, neither relayed nor refused.
    max_tlp: Option<tlp::Tlp>,
    checkpoint: Option<(String, String)>,
    /// Ids refused before (not found), audited with the arrival.
    refused_before: Vec<Refused>,
}

/// Who relays, from where to where, on which day.
struct Context<S> {
    store: S,
    dir: Directory,
    org: Organisation,
    scope: ReadScope,
    source: Collection,
    target: Collection,
    clock: Clock,
}

impl<S: Store> Context<S> {
    async fn new(
        store: &S,
        organisation: &str,
        api_root: &str,
        from: &str,
        to: &str,
        clock: &Clock,
    ) -> Result<Context<S>, FederationError> {
        let dir = store::directory(store).await?;
        let Some(org) = dir.get(organisation).cloned() else {
            return Err(FederationError::NotFound(format!(
                "no organisation {organisation:?}"
            )));
        };
        let source = local_collection(store, api_root, from).await?;
        let target = local_collection(store, api_root, to).await?;
        let read = store
            .grants(organisation, api_root)
            .await?
            .iter()
            .any(|g| g.collection_key == source.key && g.read);
        // The intermediary reads as its organisation (no individual identity, no operator
        // rights): what it passes on is what the organisation itself may receive.
        let reader = tlp::Reader::Account {
            org: &org,
            identity: None,
            operator: false,
            personal: tlp::PersonalAccess::on(&org.designations, clock.today()),
        };
        let scope = ReadScope::of(&reader, &source.policy, read, &dir);
        if scope == ReadScope::Nothing {
            return Err(FederationError::NotFound(format!(
                "organisation {organisation:?} may not read collection {from:?}"
            )));
        }
        Ok(Context {
            store: store.clone(),
            dir,
            org,
            scope,
            source,
            target,
            clock: clock.clone(),
        })
    }

    fn label(c: &Collection) -> String {
        format!("{}/{}", c.api_root, c.id)
    }

    /// Decides and stores the relay of a batch of versions of the source the intermediary may
    /// see, in one arrival with the batch's checkpoint.
    async fn relay_rows(&self, batch: Batch<'_>) -> Result<RelayResult, FederationError> {
        let Batch {
            mut rows,
            recipients,
            justification,
            account,
            endpoint,
            max_tlp,
            checkpoint,
            refused_before,
        } = batch;
        let now = self.clock.now_micros();
        let day = self.clock.today();
        let mut ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        ids.sort();
        ids.dedup();
        let mut classes: HashMap<(String, String), tlp::Classification> = HashMap::new();
        for a in self.store.object_access(&self.source, ids.clone()).await? {
            classes.insert((a.id, a.version), a.class);
        }
        // Objects without references first, so a batch may carry what its reports refer to.
        rows.sort_by_key(|r| {
            classes
                .get(&(r.id.clone(), r.version.clone()))
                .is_some_and(|c| c.review)
        });
        let mut relayed_ids: HashSet<String> = HashSet::new();
        let mut result = RelayResult {
            relayed: Vec::new(),
            refused: refused_before,
        };
        let mut bodies = Vec::new();
        let mut grants = Vec::new();
        for row in rows {
            let key = (row.id.clone(), row.version.clone());
            let Some(class) = classes.get(&key) else {
                continue;
            };
            if let Some(max) = max_tlp
                && class.tlp.is_some_and(|t| t > max)
            {
                continue;
            }
            let readable = if !self.scope.allows(class) {
                Readable::No
            } else if tlp::redact::unreadable_zones(class, &self.scope)
                .next()
                .is_some()
            {
                Readable::Partly
            } else {
                Readable::Whole
            };
            let returned = self
                .store
                .hops(&self.source, &row.id)
                .await?
                .iter()
                .any(|(v, h)| *v == row.version && !h.held_before.is_empty());
            let unrelayed = match (&row.body, class.review) {
                (Some(body), true) => self.unrelayed_references(body, &relayed_ids).await?,
                _ => 0,
            };
            let request = RelayRequest {
                intermediary: &self.org,
                object: class,
                readable,
                returned,
                unrelayed_references: unrelayed,
                target: &self.target.policy,
                target_owner: self.target.owner.as_deref(),
                recipients,
                justification,
                day,
            };
            match tlp::relay::relay(&request, &self.dir) {
                Ok(grant) => {
                    let Some(body) = row.body else { continue };
                    relayed_ids.insert(row.id.clone());
                    bodies.push(serde_json::value::RawValue::from_string(body).map_err(|e| {
                        FederationError::Config(format!("stored body of {}: {e}", row.id))
                    })?);
                    grants.push((row.version, grant));
                }
                Err(refusal) => result.refused.push(Refused {
                    id: row.id,
                    version: Some(row.version),
                    reason: refusal.code().into(),
                    message: refusal.to_string(),
                }),
            }
        }
        let mut arrival = Arrival {
            kind: AuditKind::Relay,
            organisation: Some(self.org.id.clone()),
            account,
            endpoint,
            time: now,
            objects: Vec::new(),
            hops: Vec::new(),
            refused: result
                .refused
                .iter()
                .map(|r| StatusDetail {
                    id: r.id.clone(),
                    version: r.version.clone().unwrap_or_default(),
                    message: Some(format!("relay rule {}", r.message)),
                })
                .collect(),
            from: Some(Self::label(&self.source)),
            justification: justification.map(str::to_owned),
            checkpoint,
        };
        // The marking-definitions the relayed objects name (other than the well-known TLP and
        // project ones) travel with them, readable by whoever may read the object: a reader
        // must be able to resolve every marking of what it receives.
        let markings = self.markings_of(&bodies).await?;
        let relayed_count = bodies.len();
        let mut classes_out: Vec<(tlp::Classification, Vec<String>)> = grants
            .iter()
            .map(|(_, g)| {
                let to =
                    g.to.iter()
                        .map(|(org, why)| format!("{org}: {}", why.as_str()))
                        .collect();
                (g.class.clone(), to)
            })
            .collect();
        for (index, body) in &markings {
            let (class, to) = classes_out[*index].clone();
            // Who may read it is the object's; what it is (no personal data, no parts) its own.
            let class = tlp::Classification {
                pii: tlp::PiiClass::None,
                zones: Vec::new(),
                review: false,
                ..class
            };
            classes_out.push((class, to));
            bodies.push(body.clone());
        }
        if !bodies.is_empty() {
            let body = envelope(&bodies);
            let prepared = crate::ingest::prepare(body.as_bytes())
                .map_err(|e| FederationError::Config(format!("relay: {e}")))?;
            if !prepared.failures.is_empty() || prepared.objects.len() != classes_out.len() {
                // Stored versions were valid when stored; a validator that changed its mind is
                // an operator matter, not a reason to relay a different set than decided.
                return Err(FederationError::Config(format!(
                    "relay: {} stored object(s) no longer validate",
                    prepared.failures.len()
                )));
            }
            for (mut o, (class, to)) in prepared.objects.into_iter().zip(classes_out) {
                arrival.hops.push(Hop {
                    kind: HopKind::Relayed,
                    from: Self::label(&self.source),
                    by: Some(self.org.id.clone()),
                    at: now,
                    to,
                    justification: justification.map(str::to_owned),
                    held_before: Vec::new(),
                });
                o.access = class;
                arrival.objects.push(o);
            }
        }
        let hops = arrival.hops.clone();
        let objects: Vec<(String, String)> = grants
            .iter()
            .zip(&arrival.objects)
            .map(|((v, _), o)| (o.id.clone(), v.clone()))
            .collect();
        let arrived = self.store.add_arrival(&self.target, arrival).await?;
        let arrived = arrived.into_iter().take(relayed_count);
        for (((id, version), a), hop) in objects.into_iter().zip(arrived).zip(hops) {
            match a.outcome {
                AddOutcome::Added { .. } | AddOutcome::Duplicate { .. } => {
                    result.relayed.push(Relayed {
                        id,
                        version,
                        to: hop.to,
                        duplicate: matches!(a.outcome, AddOutcome::Duplicate { .. }),
                    });
                }
                AddOutcome::Rejected { reason, .. } => result.refused.push(Refused {
                    id,
                    version: Some(version),
                    reason: "same-version-other-content".into(),
                    message: reason,
                }),
            }
        }
        Ok(result)
    }

    /// For each relayed body (by index), the stored marking-definitions it names that are not
    /// well-known, as the intermediary may read them in the source.
    async fn markings_of(
        &self,
        bodies: &[Box<serde_json::value::RawValue>],
    ) -> Result<Vec<(usize, Box<serde_json::value::RawValue>)>, FederationError> {
        let mut wanted: Vec<(usize, String)> = Vec::new();
        for (i, b) in bodies.iter().enumerate() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(b.get()) else {
                continue;
            };
            let object = v["object_marking_refs"].as_array().into_iter().flatten();
            let granular = v["granular_markings"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|g| &g["marking_ref"]);
            for id in object.chain(granular).filter_map(|m| m.as_str()) {
                if stix::registry::well_known(id).is_none()
                    && !wanted.iter().any(|(j, w)| *j == i && w == id)
                {
                    wanted.push((i, id.to_owned()));
                }
            }
        }
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<String> = wanted.iter().map(|(_, id)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        let limit = ids.len();
        let page = self
            .store
            .query(
                &self.source,
                &ObjectFilter {
                    ids,
                    ..ObjectFilter::default()
                },
                &Visibility::Scoped(self.scope.clone()),
                PageRequest { after: None, limit },
                true,
            )
            .await?;
        let mut out = Vec::new();
        for (i, id) in wanted {
            if let Some(body) = page
                .rows
                .iter()
                .find(|r| r.id == id)
                .and_then(|r| r.body.clone())
            {
                out.push((
                    i,
                    serde_json::value::RawValue::from_string(body).map_err(|e| {
                        FederationError::Config(format!("stored body of {id}: {e}"))
                    })?,
                ));
            }
        }
        Ok(out)
    }

    /// How many objects `body` refers to that the source holds and the target neither holds
    /// nor receives in this batch.
    async fn unrelayed_references(
        &self,
        body: &str,
        batch: &HashSet<String>,
    ) -> Result<usize, FederationError> {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
            return Ok(0);
        };
        let mut ids: Vec<String> = tlp::redact::references(&value)
            .into_iter()
            .map(|(_, id)| id)
            .filter(|id| !batch.contains(id))
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return Ok(0);
        }
        let held: HashSet<String> = self
            .store
            .reference_access(&self.source, ids.clone())
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let in_target: HashSet<String> = self
            .store
            .reference_access(&self.target, ids)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        Ok(held.difference(&in_target).count())
    }
}

/// Relays the last version the intermediary may read of each object of the order. Unknown or
/// unreadable ids are refused (`not-found`), without saying which of the two.
pub async fn relay_objects<S: Store>(
    store: &S,
    order: &RelayOrder,
    clock: &Clock,
) -> Result<RelayResult, FederationError> {
    let cx = Context::new(
        store,
        &order.organisation,
        &order.api_root,
        &order.from,
        &order.to,
        clock,
    )
    .await?;
    let mut ids = order.objects.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Err(FederationError::Config("no objects to relay".into()));
    }
    let filter = ObjectFilter {
        ids: ids.clone(),
        ..ObjectFilter::default()
    };
    let page = store
        .query(
            &cx.source,
            &filter,
            &Visibility::Scoped(cx.scope.clone()),
            PageRequest {
                after: None,
                limit: ids.len(),
            },
            true,
        )
        .await?;
    let found: HashSet<String> = page.rows.iter().map(|r| r.id.clone()).collect();
    let not_found = ids
        .into_iter()
        .filter(|id| !found.contains(id))
        .map(|id| Refused {
            id,
            version: None,
            reason: "not-found".into(),
            message: "not-found: no such object, or the relaying organisation may not read it"
                .into(),
        })
        .collect();
    cx.relay_rows(Batch {
        rows: page.rows,
        recipients: &order.recipients,
        justification: order.justification.as_deref(),
        account: order.account.clone(),
        endpoint: "relay".into(),
        max_tlp: None,
        checkpoint: None,
        refused_before: not_found,
    })
    .await
}

/// Rows per run step of a relay rule.
const RULE_PAGE: usize = 500;

/// Runs a relay rule over everything that arrived in its source since its saved position
/// (every version, in `date_added` order), saving the position with each page's relays.
pub async fn run_rule<S: Store>(
    store: &S,
    rule: &RelayEntry,
    clock: &Clock,
) -> Result<RelayResult, FederationError> {
    let cx = Context::new(
        store,
        &rule.organisation,
        &rule.api_root,
        &rule.from,
        &rule.to,
        clock,
    )
    .await?;
    let name = format!("relay:{}", rule.name);
    let mut after: Option<i64> = store.checkpoint(&name).await?.and_then(|p| p.parse().ok());
    let filter = ObjectFilter {
        versions: VersionMatch::All,
        ..ObjectFilter::default()
    };
    let mut total = RelayResult::default();
    loop {
        let page = store
            .query(
                &cx.source,
                &filter,
                &Visibility::Scoped(cx.scope.clone()),
                PageRequest {
                    after,
                    limit: RULE_PAGE,
                },
                true,
            )
            .await?;
        let Some(last) = page.rows.last().map(|r| r.date_added) else {
            break;
        };
        let r = cx
            .relay_rows(Batch {
                rows: page.rows,
                recipients: &[],
                justification: None,
                account: None,
                endpoint: format!("relay-rule:{}", rule.name),
                max_tlp: Some(rule.max_tlp),
                checkpoint: Some((name.clone(), last.to_string())),
                refused_before: Vec::new(),
            })
            .await?;
        total.relayed.extend(r.relayed);
        total.refused.extend(r.refused);
        after = Some(last);
        if !page.more {
            break;
        }
    }
    Ok(total)
}
