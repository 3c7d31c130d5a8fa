//! Export of a collection: every stored version as a STIX bundle or as JSON lines, or, with a
//! reader account, exactly what that account receives over TAXII (the same visibility
//! predicate, the same redaction, the same withholding). Used by `schakel export`.

use std::io::Write;

use store::{Collection, ObjectFilter, PageRequest, Store, VersionMatch, Visibility};

use crate::federation::local_collection;
use crate::redaction::{Delivery, Redactor, RefCache};

/// The output form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One STIX 2.1 bundle.
    Bundle,
    /// One object per line.
    JsonLines,
    /// One line per object with its `date_added`: `{"date_added": "...", "object": {...}}`
    /// (what `schakel import --keep-date-added` reads).
    JsonLinesWithDateAdded,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub api_root: String,
    /// Collection id, alias or title.
    pub collection: String,
    /// Only versions added after this `date_added` (microseconds).
    pub added_after: Option<i64>,
    /// Every version (default), or only the latest of each object (what `GET .../objects/`
    /// without `match[version]` serves).
    pub latest_only: bool,
    /// Export as this account would receive it.
    pub as_reader: Option<String>,
    /// `created_by_ref` of redacted objects (the server's `[server] identity`).
    pub identity: String,
    /// The day designations are evaluated on.
    pub day: chrono::NaiveDate,
    pub format: ExportFormat,
}

/// Counts of an export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportReport {
    pub written: u64,
    pub redacted: u64,
    pub withheld: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    NotFound(String),
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}

const PAGE: usize = 1000;

/// Writes the export to `out`.
pub async fn export<S: Store>(
    store: &S,
    req: &ExportRequest,
    out: &mut dyn Write,
) -> Result<ExportReport, ExportError> {
    let collection = local_collection(store, &req.api_root, &req.collection)
        .await
        .map_err(|e| ExportError::NotFound(e.to_string()))?;
    let scope = match &req.as_reader {
        None => tlp::ReadScope::All,
        Some(name) => reader_scope(store, &collection, name, req.day).await?,
    };
    let filter = ObjectFilter {
        versions: if req.latest_only {
            ObjectFilter::default().versions
        } else {
            VersionMatch::All
        },
        added_after: req.added_after,
        ..ObjectFilter::default()
    };
    let visibility = match scope {
        tlp::ReadScope::All => Visibility::All,
        ref s => Visibility::Scoped(s.clone()),
    };
    let cache = RefCache::default();
    let mut report = ExportReport::default();
    if req.format == ExportFormat::Bundle {
        write!(
            out,
            "{{\"type\":\"bundle\",\"id\":\"bundle--{}\",\"objects\":[",
            uuid::Uuid::new_v4()
        )?;
    }
    let mut after = None;
    loop {
        let page = store
            .query(
                &collection,
                &filter,
                &visibility,
                PageRequest { after, limit: PAGE },
                true,
            )
            .await?;
        let deliveries = Redactor::new(store, &cache, &collection, &scope, &req.identity)
            .deliveries(&page.rows)
            .await?;
        for (row, d) in page.rows.iter().zip(deliveries) {
            let body = match d {
                Delivery::Stored => row.body.clone().unwrap_or_default(),
                Delivery::Redacted(r) => {
                    report.redacted += 1;
                    r.body
                }
                Delivery::Withheld(_) => {
                    report.withheld += 1;
                    continue;
                }
            };
            match req.format {
                ExportFormat::Bundle => {
                    if report.written > 0 {
                        out.write_all(b",")?;
                    }
                    out.write_all(body.as_bytes())?;
                }
                ExportFormat::JsonLines | ExportFormat::JsonLinesWithDateAdded => {
                    if req.format == ExportFormat::JsonLinesWithDateAdded {
                        write!(
                            out,
                            "{{\"date_added\":\"{}\",\"object\":",
                            taxii::time::format_timestamp(row.date_added)
                        )?;
                    }
                    // One object per line: the bytes as stored, with line breaks as spaces (in
                    // JSON text a raw line break can only be whitespace: inside strings it is
                    // escaped), so members keep their order and everything else its bytes.
                    if body.contains(['\n', '\r']) {
                        out.write_all(body.replace(['\n', '\r'], " ").as_bytes())?;
                    } else {
                        out.write_all(body.as_bytes())?;
                    }
                    if req.format == ExportFormat::JsonLinesWithDateAdded {
                        out.write_all(b"}")?;
                    }
                    out.write_all(b"\n")?;
                }
            }
            report.written += 1;
        }
        match page.rows.last() {
            Some(last) if page.more => after = Some(last.date_added),
            _ => break,
        }
    }
    if req.format == ExportFormat::Bundle {
        out.write_all(b"]}\n")?;
    }
    out.flush()?;
    Ok(report)
}

/// What `account` may see in the collection, as the server computes it for its requests.
async fn reader_scope<S: Store>(
    store: &S,
    collection: &Collection,
    account: &str,
    day: chrono::NaiveDate,
) -> Result<tlp::ReadScope, ExportError> {
    let Some(acct) = store.account(account).await? else {
        return Err(ExportError::NotFound(format!("no account {account:?}")));
    };
    let dir = store::directory(store).await?;
    let org = dir.organisation(&acct.organisation);
    let scope = crate::state::scope_in(
        store,
        &dir,
        &org,
        acct.identity.as_deref(),
        acct.operator,
        collection,
        day,
    )
    .await?;
    match scope {
        tlp::ReadScope::Nothing => Err(ExportError::NotFound(format!(
            "account {account:?} may not read this collection"
        ))),
        s => Ok(s),
    }
}
