//! Validation findings: rule id (from `conformance-checklist.md`), JSON pointer, severity.

use std::fmt;

use serde::Serialize;

/// MUST-level problems are errors; SHOULD-level ones are warnings (fatal only in strict mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem found in a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Checklist rule id, e.g. `S-17` or `P-8`.
    pub rule: &'static str,
    pub severity: Severity,
    /// JSON pointer (RFC 6901) to the offending value, from the document root.
    pub pointer: String,
    pub message: String,
}

impl Finding {
    pub fn error(
        rule: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity: Severity::Error,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    pub fn warning(
        rule: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity: Severity::Warning,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ptr = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{} {} {}: {}",
            self.severity, self.rule, ptr, self.message
        )
    }
}
