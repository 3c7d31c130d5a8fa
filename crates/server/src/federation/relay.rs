//! Relay: an intermediary re-shares stored versions it may read into its relay-target
//! collection, as [`tlp::relay`] decides, by hand (`schakel relay`, `POST /schakel/relay`) or
//! by a standing rule (`[[relay]]`, run by `schakel serve` or `schakel relay --rules`).
//!
//! The copy is the stored version unchanged (same id, bytes and markings) with the stricter of
//! the source's classification and the target's (the target's own ingest rules bind what it
//! receives), its recipients narrowed where need-to-know applies. Every relay and every
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
    /// It held it as a relayed copy and this relay added recipients to it.
    pub widened: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub id: String,
    pub version: Option<String>,
    /// The rule's code (`amber-strict`, `no-need-to-know`, ...).
    pub reason: String,
    pub message: String,
}

/// One copy to store: the prepared object, its classification, the recipients for its hop,
/// and (for a relayed version, not a marking-definition carried along) its id and version.
type Outgoing = (
    store::NewObject,
    tlp::Classification,
    Vec<String>,
    Option<(String, String)>,
);

/// A version prepared and classified by the target's ingest rules (the classification in its
/// `access`), or the rule's code and message.
type TargetClass = Result<store::NewObject, (String, String)>;

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
        // The same answer whether the source is missing or unreadable (no existence oracle).
        let unreadable = || {
            FederationError::NotFound(format!(
                "no collection {from:?} in API root {api_root:?} that organisation {organisation:?} may read"
            ))
        };
        let source = local_collection(store, api_root, from)
            .await
            .map_err(|e| match e {
                FederationError::NotFound(_) => unreadable(),
                other => other,
            })?;
        let target = local_collection(store, api_root, to).await?;
        // The intermediary reads as its organisation (no individual identity, no operator
        // rights): what it passes on is what the organisation itself may receive.
        let scope =
            crate::state::scope_in(store, &dir, &org, None, false, &source, clock.today()).await?;
        if scope == ReadScope::Nothing {
            return Err(unreadable());
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
    ///
    /// Each version is classified twice: as stored in the source, and as the target's own
    /// ingest rules would classify it (its `ip_personal_data`, `tlp_ceiling`, unknown-marking
    /// policy); the relay is decided on the stricter of the two, and a version the target's
    /// rules refuse is refused with that rule. The marking-definitions the relayed versions
    /// name travel with them, each as strict as its own classification and the object's.
    async fn relay_rows(&self, batch: Batch<'_>) -> Result<RelayResult, FederationError> {
        let Batch {
            rows,
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
        let mut result = RelayResult {
            relayed: Vec::new(),
            refused: refused_before,
        };
        let classes = self
            .source_classes(rows.iter().map(|r| r.id.clone()))
            .await?;
        let mut rows: Vec<(Row, tlp::Classification)> = rows
            .into_iter()
            .filter_map(|r| {
                let c = classes.get(&(r.id.clone(), r.version.clone()))?.clone();
                Some((r, c))
            })
            // A rule passes over what is above its limit: neither relayed nor refused.
            .filter(|(_, c)| max_tlp.is_none_or(|max| c.tlp.is_none_or(|t| t <= max)))
            .filter(|(r, _)| r.body.is_some())
            .collect();
        // Objects without references first (stable: otherwise in `date_added` order), so the
        // objects a report cites are usually decided before it.
        rows.sort_by_key(|(_, c)| c.review);
        let markings = self.markings_of(&rows).await?;
        let checked = self.target_classes(&rows, &markings).await?;

        // Decide; a version refused only because it refers to objects the target lacks is
        // decided again once others of the batch were granted (reports after what they cite).
        let mut relayed_ids: HashSet<String> = HashSet::new();
        let mut granted: Vec<(usize, tlp::relay::RelayGrant)> = Vec::new();
        let mut pending: Vec<usize> = (0..rows.len()).collect();
        let mut last_refusals: HashMap<usize, (String, String)> = HashMap::new();
        loop {
            let before = granted.len();
            let mut still = Vec::new();
            for i in pending {
                let (row, source) = &rows[i];
                // A marking it names that cannot go with it refuses it.
                if let Some((_, (_, m, _))) =
                    markings.iter().enumerate().find(|(k, (j, _, own))| {
                        *j == i
                            && (checked[rows.len() + k].is_err()
                                || tlp::redact::unreadable_zones(own, &self.scope)
                                    .next()
                                    .is_some())
                    })
                {
                    let refusal = tlp::relay::RelayRefusal::MarkingNotRelayable(m.id.clone());
                    last_refusals.insert(i, (refusal.code().into(), refusal.to_string()));
                    continue;
                }
                let class = match &checked[i] {
                    Ok(target) => match stricter(source, &target.access) {
                        Some(c) => c,
                        None => {
                            last_refusals.insert(
                                i,
                                (
                                    "no-common-recipient".into(),
                                    "no-common-recipient: the source and the target read \
                                     different recipients from the object's markings"
                                        .into(),
                                ),
                            );
                            continue;
                        }
                    },
                    Err((code, message)) => {
                        // The rules about who relays and what it may read come first.
                        let own = self
                            .decide(
                                row,
                                source,
                                source,
                                recipients,
                                justification,
                                &relayed_ids,
                                day,
                            )
                            .await?;
                        let (code, message) = match own {
                            Err(r)
                                if !matches!(
                                    r,
                                    tlp::relay::RelayRefusal::UnrelayedReferences(_)
                                ) =>
                            {
                                (r.code().to_owned(), r.to_string())
                            }
                            _ => (code.clone(), message.clone()),
                        };
                        last_refusals.insert(i, (code, message));
                        continue;
                    }
                };
                match self
                    .decide(
                        row,
                        source,
                        &class,
                        recipients,
                        justification,
                        &relayed_ids,
                        day,
                    )
                    .await?
                {
                    Ok(grant) => {
                        relayed_ids.insert(row.id.clone());
                        granted.push((i, grant));
                    }
                    Err(refusal) => {
                        let retry =
                            matches!(refusal, tlp::relay::RelayRefusal::UnrelayedReferences(_));
                        last_refusals.insert(i, (refusal.code().into(), refusal.to_string()));
                        if retry {
                            still.push(i);
                        }
                    }
                }
            }
            for (i, _) in &granted[before..] {
                last_refusals.remove(i);
            }
            pending = still;
            if granted.len() == before || pending.is_empty() {
                break;
            }
        }
        let mut refused_rows: Vec<usize> = last_refusals.keys().copied().collect();
        refused_rows.sort_unstable();
        for i in refused_rows {
            let (code, message) = &last_refusals[&i];
            result.refused.push(Refused {
                id: rows[i].0.id.clone(),
                version: Some(rows[i].0.version.clone()),
                reason: code.clone(),
                message: message.clone(),
            });
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
            checkpoint_from: None,
        };
        // The granted versions, then the marking-definitions they name (each once per
        // granted object naming it; a second copy of one marking widens the first), as the
        // target's rules prepared them, with the classification the relay decided.
        let mut out: Vec<Outgoing> = Vec::new();
        let hop_to = |g: &tlp::relay::RelayGrant| -> Vec<String> {
            g.to.iter()
                .map(|(org, why)| format!("{org}: {}", why.as_str()))
                .collect()
        };
        let prepared = |k: usize| -> Result<store::NewObject, FederationError> {
            checked[k].clone().map_err(|(_, m)| {
                FederationError::Config(format!("relay: a granted object was refused: {m}"))
            })
        };
        for (i, grant) in &granted {
            let (row, _) = &rows[*i];
            out.push((
                prepared(*i)?,
                grant.class.clone(),
                hop_to(grant),
                Some((row.id.clone(), row.version.clone())),
            ));
        }
        for (i, grant) in &granted {
            for (k, (_, _, own)) in markings.iter().enumerate().filter(|(_, (j, _, _))| j == i) {
                // None: none of the copy's readers is among the marking's own recipients, so
                // none of them may read it (as in the source).
                if let Some(class) = marking_copy(own, &grant.class) {
                    out.push((prepared(rows.len() + k)?, class, hop_to(grant), None));
                }
            }
        }
        for (o, class, to, _) in &out {
            arrival.hops.push(Hop {
                kind: HopKind::Relayed,
                from: Self::label(&self.source),
                by: Some(self.org.id.clone()),
                at: now,
                to: to.clone(),
                justification: justification.map(str::to_owned),
                held_before: Vec::new(),
            });
            arrival.objects.push(store::NewObject {
                access: class.clone(),
                ..o.clone()
            });
        }
        let arrived = self.store.add_arrival(&self.target, arrival).await?;
        for ((_, _, to, relayed), a) in out.into_iter().zip(arrived) {
            let Some((id, version)) = relayed else {
                // A marking-definition copy the target holds with other content: the object
                // went without it, which its readers notice (an unresolvable marking).
                if let AddOutcome::Rejected { reason, .. } = a.outcome {
                    tracing::warn!(%reason, "a marking-definition was not relayed with its object");
                }
                continue;
            };
            match a.outcome {
                AddOutcome::Added { .. } | AddOutcome::Duplicate { .. } => {
                    result.relayed.push(Relayed {
                        id,
                        version,
                        to,
                        duplicate: matches!(a.outcome, AddOutcome::Duplicate { .. }),
                        widened: a.widened,
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

    /// The relay decision for one version, with the facts only storage knows (loop, references).
    /// Whether the intermediary may read it is decided on its classification in the source;
    /// the rest on `class`, the stricter of the source's and the target's.
    #[allow(clippy::too_many_arguments)]
    async fn decide(
        &self,
        row: &Row,
        source: &tlp::Classification,
        class: &tlp::Classification,
        recipients: &[String],
        justification: Option<&str>,
        relayed_ids: &HashSet<String>,
        day: chrono::NaiveDate,
    ) -> Result<Result<tlp::relay::RelayGrant, tlp::relay::RelayRefusal>, FederationError> {
        let readable = if !self.scope.allows(source) {
            Readable::No
        } else if tlp::redact::unreadable_zones(source, &self.scope)
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
            (Some(body), true) => self.unrelayed_references(body, relayed_ids).await?,
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
        Ok(tlp::relay::relay(&request, &self.dir))
    }

    /// The stored classification of every version of `ids` in the source.
    async fn source_classes(
        &self,
        ids: impl Iterator<Item = String>,
    ) -> Result<HashMap<(String, String), tlp::Classification>, FederationError> {
        let mut ids: Vec<String> = ids.collect();
        ids.sort();
        ids.dedup();
        Ok(self
            .store
            .object_access(&self.source, ids)
            .await?
            .into_iter()
            .map(|a| ((a.id, a.version), a.class))
            .collect())
    }

    /// How the target's own ingest rules classify each of `rows` and then each of `markings`
    /// (given alongside, so audience markings resolve), or the rule that refuses it.
    async fn target_classes(
        &self,
        rows: &[(Row, tlp::Classification)],
        markings: &[(usize, Row, tlp::Classification)],
    ) -> Result<Vec<TargetClass>, FederationError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut bodies = Vec::with_capacity(rows.len() + markings.len());
        for (r, _) in rows {
            bodies.push(raw(r)?);
        }
        for (_, m, _) in markings {
            bodies.push(raw(m)?);
        }
        let body = envelope(&bodies);
        let mut prepared = crate::ingest::prepare(body.as_bytes())
            .map_err(|e| FederationError::Config(format!("relay: {e}")))?;
        let poster = tlp::ingest::Poster {
            org: &self.org,
            identity: None,
        };
        crate::ingest::apply_access(
            &self.store,
            &self.target,
            &self.dir,
            &poster,
            body.as_bytes(),
            &mut prepared,
            true,
        )
        .await?;
        let mut out: Vec<TargetClass> = (0..rows.len() + markings.len())
            .map(|_| {
                Err((
                    "invalid-stix".to_owned(),
                    "invalid-stix: no longer valid".to_owned(),
                ))
            })
            .collect();
        for (o, m) in prepared.objects.into_iter().zip(&prepared.meta) {
            if let Some(slot) = out.get_mut(m.index) {
                *slot = Ok(o);
            }
        }
        for f in &prepared.failures {
            let message = f.message.clone().unwrap_or_default();
            // "objects[i] (line l, column c): access rule CODE: ..."
            let index = message
                .strip_prefix("objects[")
                .and_then(|m| m.split(']').next())
                .and_then(|n| n.parse::<usize>().ok());
            let rule = message
                .split_once("): ")
                .map_or(message.as_str(), |(_, r)| r);
            let code = rule
                .strip_prefix("access rule ")
                .and_then(|r| r.split(':').next())
                .unwrap_or("invalid-stix");
            if let Some(slot) = index.and_then(|i| out.get_mut(i)) {
                *slot = Err((
                    code.to_owned(),
                    format!("{code}: the target collection's ingest rules refuse it ({rule})"),
                ));
            }
        }
        Ok(out)
    }

    /// The stored marking-definitions that `rows` name (other than the well-known ones), as
    /// the intermediary may read them in the source: (index of the row, marking, its class).
    async fn markings_of(
        &self,
        rows: &[(Row, tlp::Classification)],
    ) -> Result<Vec<(usize, Row, tlp::Classification)>, FederationError> {
        let mut wanted: Vec<(usize, String)> = Vec::new();
        for (i, (r, _)) in rows.iter().enumerate() {
            let Some(Ok(v)) = r
                .body
                .as_deref()
                .map(serde_json::from_str::<serde_json::Value>)
            else {
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
                    ids: ids.clone(),
                    ..ObjectFilter::default()
                },
                &Visibility::Scoped(self.scope.clone()),
                PageRequest { after: None, limit },
                true,
            )
            .await?;
        let classes = self.source_classes(ids.into_iter()).await?;
        let mut out = Vec::new();
        for (i, id) in wanted {
            if let Some(m) = page.rows.iter().find(|r| r.id == id && r.body.is_some())
                && let Some(c) = classes.get(&(m.id.clone(), m.version.clone()))
            {
                out.push((i, m.clone(), c.clone()));
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

/// A stored row's bytes as a raw JSON value.
fn raw(row: &Row) -> Result<Box<serde_json::value::RawValue>, FederationError> {
    serde_json::value::RawValue::from_string(row.body.clone().unwrap_or_default())
        .map_err(|e| FederationError::Config(format!("stored body of {}: {e}", row.id)))
}

/// The stricter of the source's classification of a version and the target's: the higher TLP
/// and personal-data class, every zone and affected party of both, quarantined or defaulted if
/// either says so, and the recipients both allow. `None` when both name recipients and none in
/// common (they read the object's markings differently: stored marking versions differ).
fn stricter(
    source: &tlp::Classification,
    target: &tlp::Classification,
) -> Option<tlp::Classification> {
    let mut c = source.clone();
    if !source.recipients.is_empty() && !target.recipients.is_empty() {
        c.recipients.retain(|r| target.recipients.contains(r));
        if c.recipients.is_empty() {
            return None;
        }
    } else if source.recipients.is_empty() {
        c.recipients.clone_from(&target.recipients);
    }
    c.tlp = match (source.tlp, target.tlp) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, _) => a,
    };
    c.defaulted |= target.defaulted;
    c.quarantined |= target.quarantined;
    c.pii = c.pii.max(target.pii);
    for z in &target.zones {
        if !c.zones.contains(z) {
            c.zones.push(z.clone());
        }
    }
    c.review |= target.review;
    for a in &target.affected {
        if !c.affected.contains(a) {
            c.affected.push(a.clone());
        }
    }
    Some(c)
}

/// The classification of a marking-definition copied with an object relayed as `object`: at
/// least the object's TLP and the marking's own (its collection's default included), for the
/// readers of the object copy that the marking's own recipients include (an audience
/// marking's list, with its affected parties, is for them only). `None` when no reader of the
/// copy is among them.
fn marking_copy(
    own: &tlp::Classification,
    object: &tlp::Classification,
) -> Option<tlp::Classification> {
    let recipients = match (own.recipients.is_empty(), object.recipients.is_empty()) {
        (true, _) => object.recipients.clone(),
        (false, true) => own.recipients.clone(),
        (false, false) => {
            let both: Vec<String> = own
                .recipients
                .iter()
                .filter(|r| object.recipients.contains(r))
                .cloned()
                .collect();
            if both.is_empty() {
                return None;
            }
            both
        }
    };
    Some(tlp::Classification {
        tlp: match (own.tlp, object.tlp) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => b.or(a),
        },
        defaulted: false,
        quarantined: false,
        origin: own.origin.clone(),
        recipients,
        affected: Vec::new(),
        pii: tlp::PiiClass::None,
        zones: Vec::new(),
        review: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tlp::{Classification, PiiClass, Tlp};

    fn class(tlp: Tlp, recipients: &[&str]) -> Classification {
        Classification {
            tlp: Some(tlp),
            recipients: recipients.iter().map(|r| (*r).to_owned()).collect(),
            ..Classification::default()
        }
    }

    #[test]
    fn a_marking_copy_is_for_the_readers_of_the_object_it_names_and_no_one_else() {
        // The marking's own list meets the object copy's narrowed list.
        let own = class(Tlp::Green, &["a", "b", "c"]);
        let object = class(Tlp::Amber, &["a", "dtc"]);
        let c = marking_copy(&own, &object).unwrap_or_default();
        assert_eq!(c.recipients, vec!["a".to_owned()]);
        assert_eq!(c.tlp, Some(Tlp::Amber), "at least the object's TLP");
        // No reader of the copy is among the marking's recipients: not carried.
        assert_eq!(marking_copy(&own, &class(Tlp::Amber, &["dtc"])), None);
        // A marking without recipients is for whoever reads the object copy.
        let open = class(Tlp::Clear, &[]);
        assert_eq!(
            marking_copy(&open, &object).map(|c| c.recipients),
            Some(vec!["a".to_owned(), "dtc".to_owned()])
        );
        // Its own TLP counts, even when only its collection's default.
        let defaulted = Classification {
            defaulted: true,
            ..class(Tlp::Amber, &[])
        };
        assert_eq!(
            marking_copy(&defaulted, &class(Tlp::Green, &[])).and_then(|c| c.tlp),
            Some(Tlp::Amber)
        );
        // What a marking is, is its own: no personal data, no parts.
        let personal = Classification {
            pii: PiiClass::Credential,
            ..class(Tlp::Amber, &[])
        };
        assert_eq!(
            marking_copy(&open, &personal).map(|c| c.pii),
            Some(PiiClass::None)
        );
    }

    #[test]
    fn the_stricter_classification_takes_the_higher_levels_and_the_common_recipients() {
        let source = class(Tlp::Green, &["a", "b"]);
        let target = Classification {
            pii: PiiClass::Possible,
            ..class(Tlp::Amber, &["b", "c"])
        };
        let c = stricter(&source, &target).unwrap_or_default();
        assert_eq!(c.tlp, Some(Tlp::Amber));
        assert_eq!(c.pii, PiiClass::Possible);
        assert_eq!(c.recipients, vec!["b".to_owned()]);
        assert_eq!(stricter(&source, &class(Tlp::Green, &["z"])), None);
        assert_eq!(
            stricter(&class(Tlp::Green, &[]), &class(Tlp::Green, &["z"])).map(|c| c.recipients),
            Some(vec!["z".to_owned()])
        );
    }
}
