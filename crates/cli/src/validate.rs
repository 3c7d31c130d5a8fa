//! `schakel validate`: checks STIX 2.1 documents (bundles, TAXII envelopes, single objects)
//! and STIX patterns, and reports one verdict per input with its findings, as text for people
//! or as JSON Lines for scripts. The format is documented in `docs/validate.md`.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use stix::Severity;
use stix::validate::{DocumentError, DocumentKind, DocumentReport, validate_document};

/// Command-line arguments of `schakel validate`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Exit status: 0 = every input valid, 1 = at least one input invalid, \
2 = usage error or at least one input could not be validated (unreadable, not JSON, not UTF-8)."
)]
pub struct Args {
    /// Treat SHOULD-level warnings as failures (like the OASIS validator's --strict).
    #[arg(long)]
    strict: bool,

    /// Output format: `text` for people, `json` for JSON Lines (one object per input).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Check one STIX pattern instead of (or besides) files; repeatable.
    #[arg(long = "pattern", value_name = "PATTERN")]
    patterns: Vec<String>,

    /// Files, directories (searched recursively for *.json, in sorted order) or `-` for
    /// standard input.
    #[arg(value_name = "PATH", required_unless_present = "patterns")]
    paths: Vec<PathBuf>,
}

/// How verdicts are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Runs the subcommand; the exit code says whether everything was valid (0), something was
/// invalid (1), or something could not be checked (2).
pub fn run(args: &Args) -> ExitCode {
    let stdout = io::stdout();
    let mut out = Output {
        w: BufWriter::new(stdout.lock()),
        format: args.format,
        strict: args.strict,
        tally: Tally::default(),
    };
    match run_all(args, &mut out) {
        Ok(()) => {}
        // The reader went away (`| head`): nobody is left to tell, stop quietly.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return ExitCode::from(2),
        Err(e) => {
            eprintln!("schakel validate: cannot write the report: {e}");
            return ExitCode::from(2);
        }
    }
    ExitCode::from(out.tally.exit_code())
}

fn run_all(args: &Args, out: &mut Output<impl Write>) -> io::Result<()> {
    let mut stdin_used = false;
    for path in &args.paths {
        if path.as_os_str() == "-" {
            if stdin_used {
                out.unreadable(
                    "<stdin>",
                    "standard input was given more than once; it can only be read once",
                )?;
                continue;
            }
            stdin_used = true;
            let mut bytes = Vec::new();
            match io::stdin().lock().read_to_end(&mut bytes) {
                Ok(_) => out.document("<stdin>", &bytes)?,
                Err(e) => out.unreadable("<stdin>", &format!("cannot read: {e}"))?,
            }
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let mut files = Vec::new();
                let mut problems = Vec::new();
                walk_dir(path, &mut files, &mut problems);
                if files.is_empty() && problems.is_empty() {
                    out.unreadable(
                        &path.display().to_string(),
                        "directory contains no *.json files",
                    )?;
                }
                for (p, msg) in problems {
                    out.unreadable(&p.display().to_string(), &msg)?;
                }
                for file in files {
                    out.file(&file)?;
                }
            }
            Ok(_) => out.file(path)?,
            Err(e) => out.unreadable(&path.display().to_string(), &format!("cannot read: {e}"))?,
        }
    }
    for (i, pattern) in args.patterns.iter().enumerate() {
        out.pattern(i + 1, pattern)?;
    }
    out.summary()?;
    out.w.flush()
}

/// Collects the `*.json` files under `dir`, depth first, entries sorted by name so runs are
/// reproducible. Symbolic links to files are followed; links to directories are not, so a
/// link cycle cannot make the walk endless.
fn walk_dir(dir: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<(PathBuf, String)>) {
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            problems.push((dir.to_path_buf(), format!("cannot read directory: {e}")));
            return;
        }
    };
    let mut listed = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => listed.push(entry),
            Err(e) => problems.push((dir.to_path_buf(), format!("cannot read directory: {e}"))),
        }
    }
    listed.sort_by_key(|e| e.file_name());
    for entry in listed {
        let path = entry.path();
        let file_type = match entry.file_type() {
            Ok(t) => t,
            Err(e) => {
                problems.push((path, format!("cannot read: {e}")));
                continue;
            }
        };
        if file_type.is_dir() {
            walk_dir(&path, files, problems);
        } else if is_json_name(&path) {
            if file_type.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
                continue;
            }
            files.push(path);
        }
    }
}

fn is_json_name(path: &Path) -> bool {
    path.extension()
        .and_then(OsStr::to_str)
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Counts over all inputs, for the summary line and the exit code.
#[derive(Debug, Default)]
struct Tally {
    inputs: usize,
    valid: usize,
    invalid: usize,
    unchecked: usize,
    errors: usize,
    warnings: usize,
}

impl Tally {
    fn exit_code(&self) -> u8 {
        if self.unchecked > 0 {
            2
        } else if self.invalid > 0 {
            1
        } else {
            0
        }
    }
}

/// One finding with the position a person can jump to.
#[derive(Debug, Serialize)]
struct Located<'a> {
    rule: &'a str,
    severity: Severity,
    /// JSON pointer from the document root; `None` for pattern findings and JSON errors.
    pointer: Option<&'a str>,
    message: &'a str,
    line: usize,
    column: usize,
}

/// Why an input could not be checked.
#[derive(Debug, Serialize)]
struct Unchecked<'a> {
    /// `io`, `encoding` or `json`.
    kind: &'a str,
    message: &'a str,
}

/// The JSON Lines record of one input (see docs/validate.md).
#[derive(Debug, Serialize)]
struct Record<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern: Option<&'a str>,
    /// `valid`, `invalid` or `error` (could not be checked).
    status: &'a str,
    valid: bool,
    /// `bundle`, `envelope`, `object` or `pattern`; `null` when the input was not checked.
    kind: Option<&'a str>,
    objects: Option<usize>,
    errors: usize,
    warnings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Unchecked<'a>>,
    findings: Vec<Located<'a>>,
}

struct Output<W: Write> {
    w: W,
    format: Format,
    strict: bool,
    tally: Tally,
}

impl<W: Write> Output<W> {
    fn file(&mut self, path: &Path) -> io::Result<()> {
        let name = path.display().to_string();
        match fs::read(path) {
            Ok(bytes) => self.document(&name, &bytes),
            Err(e) => self.unreadable(&name, &format!("cannot read: {e}")),
        }
    }

    fn document(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            let (line, column) = end_position(bytes);
            return self.not_json(
                name,
                "json",
                "the document is empty: expected a JSON object",
                line,
                column,
            );
        }
        match validate_document(bytes) {
            Ok(report) => self.report(name, bytes, &report),
            Err(e) => {
                let (line, column) = e.position().unwrap_or((1, 1));
                // serde_json reports column 0 at the very start of a line; people count from 1.
                let column = column.max(1);
                match &e {
                    DocumentError::Encoding { message, .. } => {
                        self.not_json(name, "encoding", message, line, column)
                    }
                    DocumentError::Json { message, .. } => {
                        self.not_json(name, "json", message, line, column)
                    }
                    DocumentError::NotStix(message) => {
                        let (line, column) = start_position(bytes);
                        let finding = Located {
                            rule: "S-80",
                            severity: Severity::Error,
                            pointer: Some(""),
                            message,
                            line,
                            column,
                        };
                        self.checked(name, None, None, vec![finding])
                    }
                }
            }
        }
    }

    fn report(&mut self, name: &str, bytes: &[u8], report: &DocumentReport) -> io::Result<()> {
        let starts: HashMap<&str, (usize, usize)> = report
            .objects
            .iter()
            .map(|o| (o.pointer.as_str(), (o.line, o.column)))
            .collect();
        let doc_start = start_position(bytes);
        let mut findings: Vec<Located<'_>> = report
            .findings
            .iter()
            .map(|f| {
                let (line, column) = object_start(&starts, &f.pointer).unwrap_or(doc_start);
                Located {
                    rule: f.rule,
                    severity: f.severity,
                    pointer: Some(&f.pointer),
                    message: &f.message,
                    line,
                    column,
                }
            })
            .collect();
        // Cross-object findings come last from the library; in position order they sit
        // beside the object they are about.
        findings.sort_by_key(|f| (f.line, f.column));
        let kind = match report.kind {
            DocumentKind::Bundle => "bundle",
            DocumentKind::Envelope => "envelope",
            DocumentKind::Object => "object",
        };
        self.checked(name, Some(kind), Some(report.objects.len()), findings)
    }

    fn pattern(&mut self, number: usize, pattern: &str) -> io::Result<()> {
        let found = stix::pattern::validate(pattern);
        let mut findings: Vec<Located<'_>> = found
            .iter()
            .map(|f| Located {
                rule: f.rule,
                severity: f.severity,
                pointer: None,
                message: &f.message,
                line: f.line,
                column: f.column,
            })
            .collect();
        findings.sort_by_key(|f| (f.line, f.column));
        let label = format!("pattern#{number}");
        self.emit(&label, Some(pattern), Some("pattern"), None, None, findings)
    }

    fn checked(
        &mut self,
        name: &str,
        kind: Option<&str>,
        objects: Option<usize>,
        findings: Vec<Located<'_>>,
    ) -> io::Result<()> {
        self.emit(name, None, kind, objects, None, findings)
    }

    /// An input that is not JSON (or not UTF-8): reported with its position, exit code 2.
    fn not_json(
        &mut self,
        name: &str,
        kind: &str,
        message: &str,
        line: usize,
        column: usize,
    ) -> io::Result<()> {
        let finding = Located {
            rule: "S-1",
            severity: Severity::Error,
            pointer: None,
            message,
            line,
            column,
        };
        let why = Unchecked {
            kind,
            message: if kind == "encoding" {
                "not UTF-8 JSON"
            } else {
                "not valid JSON"
            },
        };
        self.emit(name, None, None, None, Some(why), vec![finding])
    }

    /// An input that could not be read at all.
    fn unreadable(&mut self, name: &str, message: &str) -> io::Result<()> {
        let why = Unchecked {
            kind: "io",
            message,
        };
        self.emit(name, None, None, None, Some(why), Vec::new())
    }

    fn emit(
        &mut self,
        name: &str,
        pattern: Option<&str>,
        kind: Option<&str>,
        objects: Option<usize>,
        unchecked: Option<Unchecked<'_>>,
        findings: Vec<Located<'_>>,
    ) -> io::Result<()> {
        let errors = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let warnings = findings.len() - errors;
        let status = if unchecked.is_some() {
            "error"
        } else if errors > 0 || (self.strict && warnings > 0) {
            "invalid"
        } else {
            "valid"
        };
        let t = &mut self.tally;
        t.inputs += 1;
        t.errors += errors;
        t.warnings += warnings;
        match status {
            "valid" => t.valid += 1,
            "invalid" => t.invalid += 1,
            _ => t.unchecked += 1,
        }
        match self.format {
            Format::Json => {
                let record = Record {
                    path: pattern.is_none().then_some(name),
                    pattern,
                    status,
                    valid: status == "valid",
                    kind: if unchecked.is_some() { None } else { kind },
                    objects,
                    errors,
                    warnings,
                    error: unchecked,
                    findings,
                };
                serde_json::to_writer(&mut self.w, &record).map_err(io::Error::from)?;
                self.w.write_all(b"\n")?;
            }
            Format::Text => {
                let mut tally = counts(errors, warnings);
                if status == "invalid" && errors == 0 {
                    tally.push_str(" (warnings fail with --strict)");
                }
                let mut line = String::new();
                match (&unchecked, pattern) {
                    (Some(why), _) => {
                        let _ = write!(line, "ERROR {name}: {}", why.message);
                    }
                    // The pattern goes last: it may contain any character.
                    (None, Some(p)) => {
                        let _ = write!(
                            line,
                            "{} {name}: {}; pattern: {}",
                            status.to_uppercase(),
                            tally,
                            one_line(p)
                        );
                    }
                    (None, None) => {
                        let _ = write!(line, "{} {name}: ", status.to_uppercase());
                        if let Some(kind) = kind {
                            line.push_str(kind);
                            line.push_str(", ");
                        }
                        if let Some(n) = objects {
                            let _ = write!(line, "{}, ", plural(n, "object"));
                        }
                        line.push_str(&tally);
                    }
                }
                writeln!(self.w, "{line}")?;
                for f in &findings {
                    write!(
                        self.w,
                        "{name}:{}:{}: {} {}",
                        f.line, f.column, f.severity, f.rule
                    )?;
                    if let Some(p) = f.pointer {
                        write!(self.w, " {}", if p.is_empty() { "/" } else { p })?;
                    }
                    writeln!(self.w, ": {}", one_line(f.message))?;
                }
            }
        }
        // Each verdict is flushed so a long run shows progress and a killed run keeps what
        // it printed.
        self.w.flush()
    }

    fn summary(&mut self) -> io::Result<()> {
        let t = &self.tally;
        if self.format == Format::Text && t.inputs > 1 {
            writeln!(
                self.w,
                "SUMMARY {}: {} valid, {} invalid, {} not checked; {}",
                plural(t.inputs, "input"),
                t.valid,
                t.invalid,
                t.unchecked,
                counts(t.errors, t.warnings)
            )?;
        }
        Ok(())
    }
}

/// Line and column of the object a pointer falls in: the longest pointer prefix (at `/`
/// boundaries) that is an object of the document. A hash lookup per prefix keeps this linear
/// in the number of findings, whatever the number of objects.
fn object_start(starts: &HashMap<&str, (usize, usize)>, pointer: &str) -> Option<(usize, usize)> {
    let mut prefix = pointer;
    loop {
        if let Some(pos) = starts.get(prefix) {
            return Some(*pos);
        }
        match prefix.rfind('/') {
            Some(i) => prefix = &prefix[..i],
            None => return None,
        }
    }
}

/// Where the document's first JSON token starts (after a UTF-8 BOM and whitespace).
fn start_position(bytes: &[u8]) -> (usize, usize) {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let ws = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    end_position(&body[..ws])
}

/// Line and column just past the end of whitespace-only text.
fn end_position(ws: &[u8]) -> (usize, usize) {
    let line = ws.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = ws.len() - ws.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

fn counts(errors: usize, warnings: usize) -> String {
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Keeps one finding on one line whatever the message or pattern contains.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_start_takes_longest_object_prefix() {
        let mut starts = HashMap::new();
        starts.insert("/objects/1", (3, 5));
        starts.insert("/objects/10", (9, 2));
        assert_eq!(object_start(&starts, "/objects/1/id"), Some((3, 5)));
        assert_eq!(object_start(&starts, "/objects/10/a/0"), Some((9, 2)));
        assert_eq!(object_start(&starts, "/objects"), None);
        assert_eq!(object_start(&starts, "/id"), None);
        starts.insert("", (1, 1));
        assert_eq!(object_start(&starts, "/name"), Some((1, 1)));
    }

    #[test]
    fn positions_of_whitespace() {
        assert_eq!(start_position(b"{}"), (1, 1));
        assert_eq!(start_position(b"\n\n  {}"), (3, 3));
        assert_eq!(start_position(b"\xEF\xBB\xBF {"), (1, 2));
        assert_eq!(end_position(b""), (1, 1));
        assert_eq!(end_position(b" \n "), (2, 2));
    }

    #[test]
    fn exit_code_prefers_errors() {
        let mut t = Tally {
            invalid: 1,
            ..Tally::default()
        };
        assert_eq!(t.exit_code(), 1);
        t.unchecked = 1;
        assert_eq!(t.exit_code(), 2);
        assert_eq!(Tally::default().exit_code(), 0);
    }
}
