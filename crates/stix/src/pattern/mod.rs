//! STIX Patterning (STIX 2.1 section 9). Under construction in this working tree.

use crate::finding::Severity;

/// One problem in a pattern, with its position (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternFinding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// Checks a pattern: grammar, then the semantic rules P-1 ... P-18.
pub fn validate(_input: &str) -> Vec<PatternFinding> {
    Vec::new()
}
