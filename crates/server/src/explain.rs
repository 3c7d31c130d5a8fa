//! `explain`: whether an account can read an object, and which rule decides it, for every
//! collection that holds the object and every stored version. The same decision function the
//! read query is checked against ([`tlp::decide`]), over the classification stored at ingest.
//! Used by `schakel explain` and the operator-only `GET /schakel/explain` endpoint.

use std::fmt;

use serde::Serialize;
use store::Store;

/// The answer for one account and one object id.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Explanation {
    pub account: String,
    pub organisation: String,
    pub operator: bool,
    pub object: String,
    /// The day designations were evaluated on, and those valid then.
    pub day: String,
    pub designations: Vec<String>,
    /// One entry per collection (visible to the search) that holds a version of the object.
    pub collections: Vec<CollectionExplanation>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CollectionExplanation {
    pub api_root: String,
    pub collection: String,
    pub title: String,
    pub read_permission: bool,
    /// The account's relation to the collection (`direct-audience`, `community`, ...).
    pub relation: String,
    pub versions: Vec<VersionExplanation>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VersionExplanation {
    pub version: String,
    pub tlp: Option<String>,
    /// The TLP is the collection default, not a marking of the object.
    pub tlp_defaulted: bool,
    pub quarantined: bool,
    /// Organisation that posted this version.
    pub origin: Option<String>,
    pub recipients: Vec<String>,
    /// Personal-data class of the version as a whole.
    pub personal_data: String,
    /// Identities of the affected parties (may receive personal data about themselves).
    pub affected: Vec<String>,
    /// Selectors of the parts this account may not see: a visible version is served to it
    /// without them (or withheld, if one is required). References are checked on read.
    pub redacted_parts: Vec<String>,
    pub visible: bool,
    /// The rule (visible) or reason (withheld) code, as the audit records it.
    pub rule: String,
    pub why: String,
    /// How this version reached the collection when it was not posted here: pulled from an
    /// upstream, relayed by an intermediary (oldest first). Empty: posted.
    pub hops: Vec<String>,
}

/// One hop as a line: `pulled from <upstream> (ncsc) at <time>`, `relayed from <collection> by
/// dtc to company-b: affected-party at <time>`, with the collections that held it before.
pub fn describe_hop(h: &store::Hop) -> String {
    let mut s = match h.kind {
        store::HopKind::Pulled => format!("pulled from {}", h.from),
        store::HopKind::Relayed => format!("relayed from {}", h.from),
    };
    if let Some(by) = &h.by {
        s.push_str(&format!(" by {by}"));
    }
    if !h.to.is_empty() {
        s.push_str(&format!(" to {}", h.to.join(", ")));
    }
    if let Some(j) = &h.justification {
        s.push_str(&format!(" (justification: {j})"));
    }
    s.push_str(&format!(" at {}", taxii::time::format_timestamp(h.at)));
    if !h.held_before.is_empty() {
        s.push_str(&format!(
            "; already held here in {} (came back: never relayed again)",
            h.held_before.join(", ")
        ));
    }
    s
}

/// Why an explanation could not be given.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("no account named {0:?}")]
    UnknownAccount(String),
    #[error("no API root {0:?}")]
    UnknownApiRoot(String),
    #[error("no collection {0:?} in the API roots searched")]
    UnknownCollection(String),
    #[error("storage: {0}")]
    Store(#[from] store::StoreError),
}

/// Explains `object` for `account`, in the collections of `api_root` (all roots when `None`),
/// or only in `collection` (id or alias) when given, with the designations valid on `day`.
pub async fn explain<S: Store>(
    store: &S,
    account: &str,
    object: &str,
    api_root: Option<&str>,
    collection: Option<&str>,
    day: chrono::NaiveDate,
) -> Result<Explanation, ExplainError> {
    let acct = store
        .account(account)
        .await?
        .ok_or_else(|| ExplainError::UnknownAccount(account.to_owned()))?;
    let dir = store::directory(store).await?;
    let org = dir.organisation(&acct.organisation);
    let reader = tlp::Reader::Account {
        org: &org,
        identity: acct.identity.as_deref(),
        operator: acct.operator,
        personal: tlp::PersonalAccess::on(&org.designations, day),
    };
    let roots: Vec<String> = match api_root {
        Some(r) => {
            if !store.api_roots().await?.iter().any(|x| x.path == r) {
                return Err(ExplainError::UnknownApiRoot(r.to_owned()));
            }
            vec![r.to_owned()]
        }
        None => store
            .api_roots()
            .await?
            .into_iter()
            .map(|r| r.path)
            .collect(),
    };
    let mut out = Explanation {
        account: acct.name.clone(),
        organisation: acct.organisation.clone(),
        operator: acct.operator,
        object: object.to_owned(),
        day: day.to_string(),
        designations: org
            .designations
            .iter()
            .filter(|d| d.valid_on(day))
            .map(|d| format!("{}: {}", d.kind.as_str(), d.legal_basis))
            .collect(),
        collections: Vec::new(),
    };
    let mut found_collection = collection.is_none();
    for root in roots {
        let grants = store.grants(&acct.organisation, &root).await?;
        for c in store.collections(&root).await? {
            if let Some(want) = collection {
                if c.id.to_string() != want.to_ascii_lowercase() && c.alias.as_deref() != Some(want)
                {
                    continue;
                }
                found_collection = true;
            }
            let stored = store.object_access(&c, vec![object.to_owned()]).await?;
            if stored.is_empty() {
                continue;
            }
            let read = grants.iter().any(|g| g.collection_key == c.key && g.read);
            let relation = tlp::relation(&reader, &c.policy, read, &dir);
            let scope = tlp::ReadScope::of(&reader, &c.policy, read, &dir);
            let hops = store.hops(&c, object).await?;
            let versions = stored
                .iter()
                .map(|a| {
                    let d = tlp::decide(&reader, &c.policy, read, &dir, &a.class);
                    VersionExplanation {
                        version: a.version.clone(),
                        tlp: a.class.tlp.map(|t| t.to_string()),
                        tlp_defaulted: a.class.defaulted,
                        quarantined: a.class.quarantined,
                        origin: a.class.origin.clone(),
                        recipients: a.class.recipients.clone(),
                        personal_data: a.class.pii.as_str().to_owned(),
                        affected: a.class.affected.clone(),
                        redacted_parts: if d.is_visible() {
                            tlp::redact::unreadable_zones(&a.class, &scope)
                                .map(|z| z.selector.clone())
                                .collect()
                        } else {
                            Vec::new()
                        },
                        visible: d.is_visible(),
                        rule: d.code().to_owned(),
                        why: d.explain().to_owned(),
                        hops: hops
                            .iter()
                            .filter(|(v, _)| *v == a.version)
                            .map(|(_, h)| describe_hop(h))
                            .collect(),
                    }
                })
                .collect();
            out.collections.push(CollectionExplanation {
                api_root: root.clone(),
                collection: c.id.to_string(),
                title: c.title.clone(),
                read_permission: read || acct.operator,
                relation: relation.as_str().to_owned(),
                versions,
            });
        }
    }
    if !found_collection {
        return Err(ExplainError::UnknownCollection(
            collection.unwrap_or_default().to_owned(),
        ));
    }
    Ok(out)
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "account {} (organisation {}{}), object {}",
            self.account,
            self.organisation,
            if self.operator { ", operator" } else { "" },
            self.object
        )?;
        if self.designations.is_empty() {
            writeln!(f, "  designations on {}: none", self.day)?;
        } else {
            writeln!(
                f,
                "  designations on {}: {}",
                self.day,
                self.designations.join("; ")
            )?;
        }
        if self.collections.is_empty() {
            return writeln!(f, "  no collection searched holds this object");
        }
        for c in &self.collections {
            writeln!(
                f,
                "  collection {} ({}) in /{}/: {}, relation {}",
                c.title,
                c.collection,
                c.api_root,
                if c.read_permission {
                    "read permission"
                } else {
                    "no read permission"
                },
                c.relation
            )?;
            for v in &c.versions {
                writeln!(
                    f,
                    "    version {}: {} [{}] {}",
                    v.version,
                    if v.visible { "VISIBLE" } else { "WITHHELD" },
                    v.rule,
                    v.why
                )?;
                writeln!(
                    f,
                    "      tlp {}{}{}, posted by {}{}",
                    v.tlp.as_deref().unwrap_or("none"),
                    if v.tlp_defaulted {
                        " (collection default)"
                    } else {
                        ""
                    },
                    if v.quarantined { ", quarantined" } else { "" },
                    v.origin.as_deref().unwrap_or("(not recorded)"),
                    if v.recipients.is_empty() {
                        String::new()
                    } else {
                        format!(", recipients {}", v.recipients.join(", "))
                    }
                )?;
                writeln!(
                    f,
                    "      personal data {}{}",
                    v.personal_data,
                    if v.affected.is_empty() {
                        String::new()
                    } else {
                        format!(", affected {}", v.affected.join(", "))
                    }
                )?;
                for h in &v.hops {
                    writeln!(f, "      {h}")?;
                }
                if !v.redacted_parts.is_empty() {
                    writeln!(
                        f,
                        "      served without: {} (or withheld if one is required)",
                        v.redacted_parts.join(", ")
                    )?;
                }
            }
        }
        Ok(())
    }
}
