//! Import of STIX files into one collection (`schakel import`).
//!
//! What is read: STIX bundles and TAXII envelopes (every member of `objects`), JSON arrays of
//! objects, single objects, and JSON lines (one object, bundle or envelope per line; a file is
//! read as JSON lines when it is named `.jsonl`/`.ndjson` or holds more than one JSON value).
//! Directories are walked recursively for `.json`, `.jsonl` and `.ndjson` files, in path order.
//! `schakel export --with-date-added` writes lines `{"date_added": "...", "object": {...}}`:
//! such a line is read as its object, and with [`FileImport::keep_date_added`] the object is
//! stored with that `date_added` (which must then be later than everything in the collection,
//! and increasing).
//!
//! Every object is validated (the same validator and the same access rules as a TAXII POST by
//! the importing organisation, without the creator rule: the import is the operator's act, as
//! a pull is) and stored as the exact bytes of the file. An object that fails is reported with
//! its file, line and column and position in the file, audited as refused, and never stops the
//! others; a file or line that cannot be read as JSON is reported the same way (not audited:
//! it has no object id).
//!
//! Objects go to the store in batches, each committed together with the import's position
//! (a checkpoint named after the collection and the files' paths, sizes and modification
//! times). An import stopped at any point, even by SIGKILL, continues when run again with the
//! same files: the objects before the position are skipped, and the batch that was cut off
//! was either committed with its position or not at all. Objects stored twice are duplicates
//! in any case (T-69), so even an import of changed files never doubles an object.
//!
//! Reading, splitting and validation run on their own threads (validation in parallel), ahead
//! of the store: while one batch is written the next is validated.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::value::RawValue;
use stix::raw::{ShallowObject, offset_in, split_array};
use store::audit::AuditKind;
use store::{AddOutcome, Arrival, Arrived, Micros, NewObject, StatusDetail, Store, StoreError};

use crate::ingest::{self, Meta, Prepared};

/// Objects per stored batch unless the caller says otherwise. Each batch rewrites the pages of
/// the id indexes it touches, so bigger batches write less (a million objects: 24.2 s in batches
/// of 100,000, 27.4 s in batches of 50,000, 36.5 s in batches of 10,000).
pub const DEFAULT_BATCH: usize = 100_000;

/// Objects in the first batch (later ones double up to the batch size): the store waits for
/// nothing but the first batch's validation.
const FIRST_BATCH: usize = 2_000;

/// The checkpoint position of an import that ran to its end.
const COMPLETE: &str = "complete";

/// What to import, and where.
#[derive(Debug, Clone)]
pub struct FileImport {
    pub api_root: String,
    /// Collection id, alias or title.
    pub collection: String,
    /// Files and directories.
    pub paths: Vec<PathBuf>,
    /// The organisation the objects come from (their originator for the access rules, as if it
    /// had posted them). `None`: no originator (markings the server does not know quarantine or
    /// refuse the object as the collection's policy says; nobody sees a quarantined object but
    /// operators).
    pub organisation: Option<String>,
    /// Store each object with the `date_added` its line carries.
    pub keep_date_added: bool,
    /// Objects per stored batch (one transaction, one audit entry).
    pub batch: usize,
    /// Start from the first object even when an earlier run of this import stopped half-way.
    pub restart: bool,
    /// Validation threads (at least 1).
    pub threads: usize,
}

/// Counts so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub files: usize,
    pub files_done: usize,
    pub bytes_total: u64,
    pub bytes_done: u64,
    /// Objects read from the files, including the skipped ones.
    pub read: u64,
    /// Objects before the position of an interrupted earlier run (handled by that run).
    pub skipped: u64,
    pub stored: u64,
    /// Already in the collection with the same content.
    pub duplicates: u64,
    /// Objects invalid, refused by the collection's rules or refused by the store, and lines
    /// or files that are not JSON.
    pub failed: u64,
}

/// Why an object (or a file) was not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// The file, or a line of it, is not JSON (or not UTF-8).
    Unreadable,
    /// Not valid STIX 2.1.
    Invalid,
    /// Refused by the collection's access rules (TLP ceiling, unknown marking, ...).
    Refused,
    /// Refused by the store (the same version with other content, a `date_added` out of order).
    Rejected,
}

/// One object (or file) that was not imported, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub file: PathBuf,
    /// 1-based line and column (in characters) where the object starts.
    pub line: usize,
    pub column: usize,
    /// The object's position in its file (0-based), when the failure is one object's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    pub kind: FailureKind,
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        if let Some(i) = self.index {
            write!(f, "object {i}")?;
            if !self.id.is_empty() {
                write!(f, " ({})", self.id)?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// What the import reports while it runs.
#[derive(Debug)]
pub enum ImportEvent<'a> {
    /// An earlier run stopped half-way: objects before this one are skipped.
    Resumed {
        file: &'a Path,
        index: u64,
    },
    Failed(&'a Failure),
    /// A batch was committed.
    Batch(&'a Progress),
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    #[serde(flatten)]
    pub progress: Progress,
    /// The checkpoint the import's position is saved under.
    pub checkpoint: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FileImportError {
    /// Unknown collection or organisation, no files.
    #[error("{0}")]
    Arguments(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

/// A file to read, with what identifies its content for the checkpoint.
#[derive(Debug, Clone)]
struct Source {
    path: PathBuf,
    size: u64,
    modified_ns: u128,
}

/// Files to import, in order: each path given, and for directories their `.json`, `.jsonl`
/// and `.ndjson` files (recursively, in path order; hidden entries and symbolic links to
/// directories are not followed).
fn expand(paths: &[PathBuf]) -> Result<Vec<Source>, FileImportError> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(std::fs::DirEntry::path);
        for e in entries {
            let path = e.path();
            if e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = e.file_type()?;
            if kind.is_dir() {
                walk(&path, out)?;
            } else if (kind.is_file() || kind.is_symlink() && path.is_file())
                && has_extension(&path, &["json", "jsonl", "ndjson"])
            {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p)
            .map_err(|e| FileImportError::Arguments(format!("{}: {e}", p.display())))?;
        if meta.is_dir() {
            let before = files.len();
            walk(p, &mut files)
                .map_err(|e| FileImportError::Arguments(format!("{}: {e}", p.display())))?;
            if files.len() == before {
                return Err(FileImportError::Arguments(format!(
                    "{}: no .json, .jsonl or .ndjson files in this directory",
                    p.display()
                )));
            }
        } else {
            files.push(p.clone());
        }
    }
    files
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(&path)
                .map_err(|e| FileImportError::Arguments(format!("{}: {e}", path.display())))?;
            let modified_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            Ok(Source {
                path,
                size: meta.len(),
                modified_ns,
            })
        })
        .collect()
}

/// The checkpoint of this import: the collection, the organisation, the date_added mode and
/// every file's absolute path, size and modification time. Another set of files, or a file
/// changed since, is another import (which starts at its beginning).
fn checkpoint_name(collection: &store::Collection, req: &FileImport, files: &[Source]) -> String {
    let mut key = format!(
        "{}\n{}\n{}\n",
        collection.key,
        req.organisation.as_deref().unwrap_or(""),
        req.keep_date_added
    );
    for f in files {
        let abs = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
        key.push_str(&format!(
            "{}\n{}\n{}\n",
            abs.display(),
            f.size,
            f.modified_ns
        ));
    }
    let hash = crate::auth::sha256(key.as_bytes());
    let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("import:{}/{}:{hex}", collection.api_root, collection.id)
}

fn has_extension(path: &Path, any_of: &[&str]) -> bool {
    path.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| any_of.iter().any(|k| x.eq_ignore_ascii_case(k)))
}

/// A position: the next object to import is object `index` of file `file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
struct Position {
    file: usize,
    index: u64,
}

impl Position {
    fn parse(s: &str) -> Option<Position> {
        let (file, index) = s.split_once(':')?;
        Some(Position {
            file: file.parse().ok()?,
            index: index.parse().ok()?,
        })
    }

    fn text(self) -> String {
        format!("{}:{}", self.file, self.index)
    }
}

/// Where an object of a batch is.
#[derive(Debug, Clone, Copy)]
struct Slot {
    file: usize,
    index: Option<u64>,
    line: usize,
    column: usize,
}

/// One batch, read and validated, for the store.
#[derive(Debug, Default)]
struct Parsed {
    /// Valid objects, and their metadata (`Meta::index` is the object's slot).
    objects: Vec<NewObject>,
    meta: Vec<Meta>,
    slots: Vec<Slot>,
    /// Invalid objects and unreadable files or lines, by slot.
    invalid: Vec<(usize, StatusDetail, FailureKind)>,
    /// The position after the batch, and whether it is the end of the import.
    next: Position,
    end: bool,
    read: u64,
    skipped: u64,
    bytes_done: u64,
    files_done: usize,
}

/// Imports the files into the collection, reporting failures and progress to `events`.
pub async fn import_files<S: Store>(
    store: &S,
    req: &FileImport,
    events: &mut (dyn FnMut(ImportEvent<'_>) + Send),
) -> Result<ImportSummary, FileImportError> {
    let collection = crate::federation::local_collection(store, &req.api_root, &req.collection)
        .await
        .map_err(|e| FileImportError::Arguments(e.to_string()))?;
    let dir = store::directory(store).await?;
    let nobody = tlp::Organisation::default();
    let org = match &req.organisation {
        Some(id) => {
            if !dir.iter().any(|o| &o.id == id) {
                return Err(FileImportError::Arguments(format!(
                    "no organisation {id:?}"
                )));
            }
            dir.organisation(id)
        }
        None => nobody.clone(),
    };
    let poster = tlp::ingest::Poster {
        org: &org,
        identity: None,
    };
    let files = expand(&req.paths)?;
    let name = checkpoint_name(&collection, req, &files);
    let resume = if req.restart {
        None
    } else {
        store
            .checkpoint(&name)
            .await?
            .filter(|p| p != COMPLETE)
            .and_then(|p| Position::parse(&p))
    };
    if let Some(at) = resume
        && let Some(f) = files.get(at.file)
    {
        events(ImportEvent::Resumed {
            file: &f.path,
            index: at.index,
        });
    }
    let mut progress = Progress {
        files: files.len(),
        bytes_total: files.iter().map(|f| f.size).sum(),
        ..Progress::default()
    };
    let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Parsed>(2);
    let reader = {
        let (keep, batch, threads) = (req.keep_date_added, req.batch.max(1), req.threads.max(1));
        let files = files.clone();
        std::thread::Builder::new()
            .name("import-reader".into())
            .spawn(move || {
                Reader {
                    files,
                    resume: resume.unwrap_or_default(),
                    keep,
                    batch,
                    threads,
                    tx,
                    current: Parsed::default(),
                    reported: 0,
                    limit: batch.min(FIRST_BATCH),
                }
                .run();
            })
            .map_err(|e| FileImportError::Internal(format!("cannot start the reader: {e}")))?
    };
    // The position as it stands, saved now: every batch moves it on from there (`Run`).
    let position = resume.unwrap_or_default().text();
    store
        .add_arrival(
            &collection,
            Arrival {
                kind: AuditKind::Import,
                organisation: req.organisation.clone(),
                account: None,
                endpoint: "import".into(),
                time: chrono::Utc::now().timestamp_micros(),
                objects: Vec::new(),
                hops: Vec::new(),
                refused: Vec::new(),
                from: None,
                justification: None,
                checkpoint: Some((name.clone(), position.clone())),
                checkpoint_from: None,
            },
        )
        .await?;
    let mut run = Run {
        store,
        collection: &collection,
        dir: &dir,
        poster: &poster,
        req,
        name: &name,
        paths: &paths,
        position,
        markings: HashMap::new(),
        in_flight: VecDeque::new(),
    };
    let mut ended = false;
    let mut outcome = Ok(());
    while let Some(parsed) = rx.recv().await {
        ended = parsed.end;
        outcome = run.batch(parsed, &mut progress, events).await;
        if outcome.is_err() {
            break;
        }
    }
    // Also after a failure: what was committed is reported and audited before returning.
    while !run.in_flight.is_empty() {
        let r = run.finish_oldest(&mut progress, events).await;
        outcome = outcome.and(r);
    }
    drop(rx);
    outcome?;
    reader
        .join()
        .map_err(|_| FileImportError::Internal("the reader thread failed".into()))?;
    if !ended {
        return Err(FileImportError::Internal(
            "the reader stopped before the end of the files".into(),
        ));
    }
    Ok(ImportSummary {
        progress,
        checkpoint: name,
    })
}

/// Writes handed to the store and not yet reported.
const IN_FLIGHT: usize = 2;

/// A batch handed to the store and not yet reported.
type InFlight = (
    tokio::task::JoinHandle<Result<Vec<Arrived>, StoreError>>,
    Written,
);

/// One import on its way through the store.
///
/// The next batch is classified while the previous ones are written; with two writes in flight
/// the store's writer starts on one while the audit entry of the other is appended. Each batch
/// moves the position on from where the batch before left it (`Arrival::checkpoint_from`), so
/// if one fails, the one written after it fails too and the position never passes objects that
/// were not stored.
struct Run<'r, S> {
    store: &'r S,
    collection: &'r store::Collection,
    dir: &'r tlp::Directory,
    poster: &'r tlp::ingest::Poster<'r>,
    req: &'r FileImport,
    name: &'r str,
    paths: &'r [PathBuf],
    /// Where the last batch handed to the store leaves the position.
    position: String,
    /// Marking-definitions of this import's batches, for batches classified before those are
    /// committed (the store's own definitions take precedence).
    markings: HashMap<String, String>,
    in_flight: VecDeque<InFlight>,
}

impl<S: Store> Run<'_, S> {
    async fn batch(
        &mut self,
        parsed: Parsed,
        progress: &mut Progress,
        events: &mut (dyn FnMut(ImportEvent<'_>) + Send),
    ) -> Result<(), FileImportError> {
        let (mut arrival, written) = self.classify(parsed).await?;
        let next = arrival
            .checkpoint
            .as_ref()
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        arrival.checkpoint_from = Some(std::mem::replace(&mut self.position, next));
        if self.in_flight.len() >= IN_FLIGHT {
            self.finish_oldest(progress, events).await?;
        }
        let (s, c) = (self.store.clone(), self.collection.clone());
        self.in_flight.push_back((
            tokio::spawn(async move { s.add_arrival(&c, arrival).await }),
            written,
        ));
        // Let the write start (hand its job to the store's writer) before the next batch.
        tokio::task::yield_now().await;
        Ok(())
    }

    /// Waits for the oldest write's commit and reports it.
    async fn finish_oldest(
        &mut self,
        progress: &mut Progress,
        events: &mut (dyn FnMut(ImportEvent<'_>) + Send),
    ) -> Result<(), FileImportError> {
        let Some((handle, written)) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let arrived = handle
            .await
            .map_err(|e| FileImportError::Internal(format!("the store task failed: {e}")))??;
        for id in written.finish(arrived, self.paths, progress, events) {
            self.markings.remove(&id);
        }
        Ok(())
    }

    /// Classifies a batch by the collection's rules: the arrival to store, and what to report.
    async fn classify(&mut self, parsed: Parsed) -> Result<(Arrival, Written), FileImportError> {
        let Parsed {
            objects,
            meta,
            slots,
            invalid,
            next,
            end,
            read,
            skipped,
            bytes_done,
            files_done,
        } = parsed;
        let mut failures: Vec<(usize, StatusDetail, FailureKind)> = invalid;
        let mut prepared = Prepared {
            total: objects.len() as u64,
            objects,
            meta,
            failures: Vec::new(),
        };
        let refused = ingest::classify_prepared(
            self.store,
            self.collection,
            self.dir,
            self.poster,
            &mut prepared,
            true,
            &self.markings,
        )
        .await?;
        failures.extend(
            refused
                .into_iter()
                .map(|(m, d)| (m.index, d, FailureKind::Refused)),
        );
        for o in &mut prepared.objects {
            if self.req.organisation.is_none() {
                o.access.origin = None;
            }
            if o.type_name == "marking-definition" {
                self.markings.insert(o.id.clone(), o.body.clone());
            }
        }
        let ids: Vec<(String, usize)> = prepared
            .objects
            .iter()
            .zip(&prepared.meta)
            .map(|(o, m)| (o.id.clone(), m.index))
            .collect();
        let from = {
            let mut files: Vec<usize> = slots.iter().map(|s| s.file).collect();
            files.dedup();
            let mut names: Vec<String> = files
                .iter()
                .take(10)
                .map(|&f| self.paths[f].display().to_string())
                .collect();
            if files.len() > 10 {
                names.push(format!("and {} more files", files.len() - 10));
            }
            names.join("; ")
        };
        let arrival = Arrival {
            kind: AuditKind::Import,
            organisation: self.req.organisation.clone(),
            account: None,
            endpoint: "import".into(),
            time: chrono::Utc::now().timestamp_micros(),
            objects: prepared.objects,
            hops: Vec::new(),
            // Unreadable lines and files have no id: reported, not audited.
            refused: failures
                .iter()
                .filter(|(_, d, _)| !d.id.is_empty())
                .map(|(_, d, _)| d.clone())
                .collect(),
            from: Some(from),
            justification: None,
            checkpoint: Some((
                self.name.to_owned(),
                if end { COMPLETE.into() } else { next.text() },
            )),
            // Set by `batch`, which knows where the batch before leaves the position.
            checkpoint_from: None,
        };
        let written = Written {
            slots,
            failures,
            ids,
            read,
            skipped,
            bytes_done,
            files_done,
        };
        Ok((arrival, written))
    }
}

/// A batch handed to the store, and what is reported once it is committed.
struct Written {
    slots: Vec<Slot>,
    /// Invalid, unreadable and refused parts, by slot.
    failures: Vec<(usize, StatusDetail, FailureKind)>,
    /// Id and slot of each object in the arrival.
    ids: Vec<(String, usize)>,
    read: u64,
    skipped: u64,
    bytes_done: u64,
    files_done: usize,
}

impl Written {
    /// Reports the batch; returns the ids the store refused (a marking-definition among them
    /// must not decide for later batches).
    fn finish(
        mut self,
        arrived: Vec<Arrived>,
        paths: &[PathBuf],
        progress: &mut Progress,
        events: &mut (dyn FnMut(ImportEvent<'_>) + Send),
    ) -> Vec<String> {
        let mut rejected = Vec::new();
        for (a, (id, slot)) in arrived.into_iter().zip(self.ids) {
            match a.outcome {
                AddOutcome::Added { .. } => progress.stored += 1,
                AddOutcome::Duplicate { .. } => progress.duplicates += 1,
                AddOutcome::Rejected { version, reason } => {
                    rejected.push(id.clone());
                    self.failures.push((
                        slot,
                        StatusDetail {
                            id,
                            version: version.unwrap_or_default(),
                            message: Some(reason),
                        },
                        FailureKind::Rejected,
                    ));
                }
            }
        }
        self.failures.sort_by_key(|(slot, _, _)| *slot);
        for (slot, detail, kind) in self.failures {
            let s = self.slots[slot];
            progress.failed += 1;
            let failure = Failure {
                file: paths[s.file].clone(),
                line: s.line,
                column: s.column,
                index: s.index,
                id: detail.id,
                version: detail.version,
                kind,
                message: detail.message.unwrap_or_default(),
            };
            events(ImportEvent::Failed(&failure));
        }
        progress.read += self.read;
        progress.skipped += self.skipped;
        progress.bytes_done += self.bytes_done;
        progress.files_done += self.files_done;
        events(ImportEvent::Batch(progress));
        rejected
    }
}

/// One item of a file: an object (with the `date_added` of its line, when it has one), or a
/// part that cannot be read.
enum Item<'a> {
    Object {
        raw: &'a RawValue,
        date_added: Option<&'a RawValue>,
    },
    Unreadable {
        offset: usize,
        message: String,
    },
}

/// The items of one file's text, in order.
fn items<'a>(text: &'a str, lines: bool, out: &mut Vec<Item<'a>>) {
    if !lines && let Some(objects) = container(text) {
        out.extend(objects.into_iter().map(|raw| Item::Object {
            raw,
            date_added: None,
        }));
        return;
    }
    if !lines {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
        match stream.next() {
            None => {
                return out.push(Item::Unreadable {
                    offset: 0,
                    message: "the file is empty".into(),
                });
            }
            Some(Ok(first)) => {
                if text[stream.byte_offset()..].trim().is_empty() {
                    return document(text, first, out);
                }
                // More than one JSON value: JSON lines.
            }
            Some(Err(e)) => {
                return out.push(Item::Unreadable {
                    offset: error_offset(text, &e),
                    message: format!("not JSON: {}", without_position(&e)),
                });
            }
        }
    }
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let offset = start;
        start += line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        match serde_json::from_str::<&RawValue>(line) {
            Ok(raw) => document(text, raw, out),
            // Reported where the line's value starts, like an object.
            Err(e) => out.push(Item::Unreadable {
                offset: offset + line.len() - line.trim_start().len(),
                message: format!("not JSON (line of JSON lines): {}", without_position(&e)),
            }),
        }
    }
}

/// The objects of a file that is one bundle or envelope, split in one pass over the text (a
/// million-object bundle: 0.3 s instead of 0.7 s for reading the document, then its members,
/// then `objects`; the store waits for the first batch). `None` for anything else, which
/// [`items`] then reads the general way.
fn container(text: &str) -> Option<Vec<&RawValue>> {
    struct Top<'a> {
        bundle: bool,
        typed: bool,
        objects: Option<Vec<&'a RawValue>>,
    }
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Top<'de>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a bundle or envelope")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Top<'de>, A::Error> {
            let mut top = Top {
                bundle: false,
                typed: false,
                objects: None,
            };
            while let Some(key) = map.next_key::<&'de str>()? {
                match key {
                    "type" => {
                        top.typed = true;
                        top.bundle = map.next_value::<&'de RawValue>()?.get() == "\"bundle\"";
                    }
                    "objects" if top.objects.is_none() => top.objects = Some(map.next_value()?),
                    _ => {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
            }
            Ok(top)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let top = serde::Deserializer::deserialize_map(&mut de, V).ok()?;
    de.end().ok()?;
    if top.typed && !top.bundle {
        return None;
    }
    top.objects
}

/// The objects of one JSON document `raw` of the file `file`: a bundle or envelope, an array of
/// objects, a line written with its `date_added`, or one object. Offsets are the file's.
fn document<'a>(file: &'a str, raw: &'a RawValue, out: &mut Vec<Item<'a>>) {
    let text = raw.get();
    if text.starts_with('[') {
        match split_array(raw) {
            Ok(all) => out.extend(all.into_iter().map(|raw| Item::Object {
                raw,
                date_added: None,
            })),
            Err(e) => out.push(Item::Unreadable {
                offset: offset_in(file, text).unwrap_or(0),
                message: without_position(&e),
            }),
        }
        return;
    }
    let Ok(top) = serde_json::from_str::<ShallowObject<'a>>(text) else {
        // Not an object: the validator says what it is.
        return out.push(Item::Object {
            raw,
            date_added: None,
        });
    };
    if top.get("type").is_none()
        && let (Some(object), Some(date_added)) = (top.get("object"), top.get("date_added"))
    {
        return out.push(Item::Object {
            raw: object,
            date_added: Some(date_added),
        });
    }
    let bundle = top.get("type").is_some_and(|t| t.get() == "\"bundle\"");
    match top.get("objects") {
        Some(objects) if bundle || top.get("type").is_none() => match split_array(objects) {
            Ok(all) => out.extend(all.into_iter().map(|raw| Item::Object {
                raw,
                date_added: None,
            })),
            Err(_) => out.push(Item::Unreadable {
                offset: offset_in(file, objects.get()).unwrap_or(0),
                message: "'objects' is not a list".into(),
            }),
        },
        _ => out.push(Item::Object {
            raw,
            date_added: None,
        }),
    }
}

fn without_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(at) => s[..at].to_owned(),
        None => s,
    }
}

/// Byte offset of a serde_json error's line and column (serde_json counts the column in bytes).
fn error_offset(text: &str, e: &serde_json::Error) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let mut at = (line_start + e.column().saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Line and column of increasing byte offsets in one text, in one pass over it.
struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
    column: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            text: text.as_bytes(),
            at: 0,
            line: 1,
            column: 1,
        }
    }

    fn advance(&mut self, to: usize) -> (usize, usize) {
        let to = to.clamp(self.at, self.text.len());
        let part = &self.text[self.at..to];
        match part.iter().rposition(|&b| b == b'\n') {
            Some(last) => {
                self.line += part.iter().filter(|&&b| b == b'\n').count();
                self.column = 1 + chars(&part[last + 1..]);
            }
            None => self.column += chars(part),
        }
        self.at = to;
        (self.line, self.column)
    }
}

/// Characters in UTF-8 bytes (every byte that does not continue a character).
fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// An object of the current file waiting for validation.
struct Pending<'a> {
    raw: &'a RawValue,
    date_added: Option<&'a RawValue>,
    slot: usize,
}

/// The reader thread: files to batches of validated objects.
struct Reader {
    files: Vec<Source>,
    resume: Position,
    keep: bool,
    batch: usize,
    threads: usize,
    tx: tokio::sync::mpsc::Sender<Parsed>,
    current: Parsed,
    /// Bytes of the current file counted in `bytes_done` so far.
    reported: u64,
    /// Size of the batch being filled: small at first so the store starts early, doubling up
    /// to `batch`.
    limit: usize,
}

impl Reader {
    fn run(mut self) {
        for f in 0..self.files.len() {
            if self.read_file(f).is_err() {
                return; // the receiver is gone: the import stopped
            }
        }
        self.current.next = Position {
            file: self.files.len(),
            index: 0,
        };
        self.current.end = true;
        let last = std::mem::take(&mut self.current);
        let _ = self.tx.blocking_send(last);
    }

    /// Reads one file into the current batch, sending every batch that fills up.
    fn read_file(&mut self, f: usize) -> Result<(), ()> {
        let source = self.files[f].clone();
        if f < self.resume.file {
            self.current.files_done += 1;
            self.current.bytes_done += source.size;
            return Ok(());
        }
        let bytes = match std::fs::read(&source.path) {
            Ok(b) => b,
            Err(e) => {
                self.unreadable(f, 1, 1, format!("cannot read the file: {e}"));
                return self.file_done(f, source.size);
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let prefix = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
                let (line, column) = Cursor::new(&prefix).advance(at);
                self.unreadable(f, line, column, "the file is not UTF-8".into());
                return self.file_done(f, source.size);
            }
        };
        let lines = has_extension(&source.path, &["jsonl", "ndjson"]);
        let mut all = Vec::new();
        items(&text, lines, &mut all);
        let mut cursor = Cursor::new(&text);
        let mut pending: Vec<Pending<'_>> = Vec::new();
        let mut index: u64 = 0;
        for item in all {
            match item {
                Item::Unreadable { offset, message } => {
                    // Before object `index`: reported by the interrupted run if that object is
                    // before the position.
                    if (Position { file: f, index }) < self.resume {
                        continue;
                    }
                    let (line, column) = cursor.advance(offset);
                    self.unreadable(f, line, column, message);
                }
                Item::Object { raw, date_added } => {
                    let i = index;
                    index += 1;
                    self.current.read += 1;
                    if (Position { file: f, index: i }) < self.resume {
                        self.current.skipped += 1;
                        continue;
                    }
                    let offset = offset_in(&text, raw.get()).unwrap_or(0);
                    let (line, column) = cursor.advance(offset);
                    let slot = self.current.slots.len();
                    self.current.slots.push(Slot {
                        file: f,
                        index: Some(i),
                        line,
                        column,
                    });
                    pending.push(Pending {
                        raw,
                        date_added,
                        slot,
                    });
                    if self.current.slots.len() >= self.limit {
                        self.validate(std::mem::take(&mut pending));
                        self.current.next = Position { file: f, index };
                        let at = offset as u64;
                        self.current.bytes_done += at.saturating_sub(self.reported);
                        self.reported = at;
                        self.send()?;
                    }
                }
            }
        }
        self.validate(pending);
        self.file_done(f, source.size)
    }

    fn file_done(&mut self, f: usize, size: u64) -> Result<(), ()> {
        self.current.files_done += 1;
        self.current.bytes_done += size.saturating_sub(self.reported);
        self.reported = 0;
        self.current.next = Position {
            file: f + 1,
            index: 0,
        };
        if self.current.slots.len() >= self.limit {
            self.send()?;
        }
        Ok(())
    }

    fn unreadable(&mut self, f: usize, line: usize, column: usize, message: String) {
        let slot = self.current.slots.len();
        self.current.slots.push(Slot {
            file: f,
            index: None,
            line,
            column,
        });
        self.current.invalid.push((
            slot,
            StatusDetail {
                id: String::new(),
                version: String::new(),
                message: Some(message),
            },
            FailureKind::Unreadable,
        ));
    }

    /// Sends the current batch to the store.
    fn send(&mut self) -> Result<(), ()> {
        self.limit = self.limit.saturating_mul(2).min(self.batch);
        let batch = std::mem::take(&mut self.current);
        self.tx.blocking_send(batch).map_err(|_| ())
    }

    /// Validates objects of the current file (in parallel) into the current batch.
    fn validate(&mut self, pending: Vec<Pending<'_>>) {
        if pending.is_empty() {
            return;
        }
        let keep = self.keep;
        let threads = self.threads.min(pending.len().div_ceil(64)).max(1);
        let chunk = pending.len().div_ceil(threads);
        let results: Vec<Vec<Result<(NewObject, Meta), StatusDetail>>> = if threads == 1 {
            vec![pending.iter().map(|p| prepare(p, keep)).collect()]
        } else {
            std::thread::scope(|s| {
                let handles: Vec<_> = pending
                    .chunks(chunk)
                    .map(|part| s.spawn(move || part.iter().map(|p| prepare(p, keep)).collect()))
                    .collect();
                handles
                    .into_iter()
                    // A panic in the validator must stop the import: an empty result would
                    // lose the chunk's objects and shift the rest onto the wrong slots.
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        for (p, r) in pending.iter().zip(results.into_iter().flatten()) {
            match r {
                Ok((o, mut m)) => {
                    m.index = p.slot;
                    self.current.objects.push(o);
                    self.current.meta.push(m);
                }
                Err(d) => self.current.invalid.push((p.slot, d, FailureKind::Invalid)),
            }
        }
    }
}

/// Validates one object and, when asked, takes the `date_added` of its line.
fn prepare(p: &Pending<'_>, keep: bool) -> Result<(NewObject, Meta), StatusDetail> {
    let (mut o, m) = ingest::prepare_one(p.raw)?;
    if keep {
        let kept: Result<Micros, String> = match p.date_added {
            None => Err(
                "no date_added to keep: with --keep-date-added every object must be a \
                         line {\"date_added\": ..., \"object\": ...} (as `schakel export \
                         --with-date-added` writes)"
                    .into(),
            ),
            Some(raw) => serde_json::from_str::<&str>(raw.get())
                .map_err(|_| "date_added is not a string".to_owned())
                .and_then(|s| {
                    taxii::time::parse_added_after(s)
                        .map_err(|_| format!("date_added {s:?} is not a TAXII timestamp"))
                }),
        };
        match kept {
            Ok(t) => o.keep_date_added = Some(t),
            Err(message) => {
                return Err(StatusDetail {
                    id: o.id,
                    version: o.version.map(|v| v.text).unwrap_or_default(),
                    message: Some(message),
                });
            }
        }
    }
    Ok((o, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(text: &str, lines: bool) -> Vec<Result<String, (usize, String)>> {
        let mut out = Vec::new();
        items(text, lines, &mut out);
        out.into_iter()
            .map(|i| match i {
                Item::Object { raw, .. } => Ok(raw.get().to_owned()),
                Item::Unreadable { offset, message } => Err((offset, message)),
            })
            .collect()
    }

    #[test]
    fn documents_of_every_form_are_split_into_objects() {
        let bundle = r#"{"type":"bundle","id":"bundle--1","objects":[{"a":1},{"b":2}]}"#;
        assert_eq!(
            objects(bundle, false),
            [Ok(r#"{"a":1}"#.into()), Ok(r#"{"b":2}"#.into())]
        );
        let envelope = r#"{"more":false,"objects":[{"a":1}]}"#;
        assert_eq!(objects(envelope, false), [Ok(r#"{"a":1}"#.into())]);
        let array = r#"[{"a":1}, {"b":2}]"#;
        assert_eq!(objects(array, false).len(), 2);
        let single = r#"{"type":"indicator","id":"x"}"#;
        assert_eq!(objects(single, false), [Ok(single.into())]);
        // Two values: JSON lines, one of which is a bundle.
        let lines = format!("{single}\n\n{bundle}\n");
        assert_eq!(objects(&lines, false).len(), 3);
        // A line with its date_added is its object.
        let dated = r#"{"date_added":"2026-01-01T00:00:00.000000Z","object":{"a":1}}"#;
        assert_eq!(objects(dated, true), [Ok(r#"{"a":1}"#.into())]);
    }

    #[test]
    fn unreadable_parts_have_their_offset() {
        // A bad line of JSON lines does not stop the lines after it.
        let text = "{\"a\":1}\n{\"a\":\n{\"b\":2}\n";
        let got = objects(text, true);
        assert_eq!(got.len(), 3);
        assert!(matches!(&got[1], Err((8, m)) if m.contains("not JSON")));
        assert_eq!(got[2], Ok(r#"{"b":2}"#.into()));
        // A single document that is not JSON.
        let got = objects("{\"objects\": [1, }", false);
        assert!(matches!(&got[0], Err((16, _))), "{got:?}");
        assert!(matches!(&objects("  ", false)[0], Err((0, m)) if m.contains("empty")));
    }

    #[test]
    fn the_cursor_counts_lines_and_characters() {
        let text = "ab\ncé d\n\nx";
        let mut c = Cursor::new(text);
        assert_eq!(c.advance(1), (1, 2));
        assert_eq!(c.advance(4), (2, 2));
        // "é" is two bytes, one character.
        assert_eq!(c.advance(7), (2, 4));
        assert_eq!(c.advance(text.len() - 1), (4, 1));
        // Never backwards.
        assert_eq!(c.advance(0), (4, 1));
    }

    #[test]
    fn positions_order_and_round_trip() {
        let p = Position { file: 2, index: 41 };
        assert_eq!(Position::parse(&p.text()), Some(p));
        assert!(Position { file: 1, index: 99 } < p);
        assert!(Position { file: 2, index: 40 } < p);
        assert_eq!(Position::parse("complete"), None);
    }
}
