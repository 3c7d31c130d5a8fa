//! STIX Patterning 2.1 (STIX 2.1 section 9; checklist P-1 ... P-18).
//!
//! - [`parse`]: the grammar (a pest transcription of the OASIS `STIXPattern.g4`, see
//!   `stix_pattern.pest`) and the typed tree of [`ast`].
//! - [`check_syntax`]: what the OASIS tools (stix2-patterns 2.1.2) check: the grammar, a missing
//!   leading bracket (P-4), a qualifier type repeated on one observation expression (P-8), the
//!   format of `hashes.<ALG>` values (P-16).
//! - [`validate`]: [`check_syntax`] plus the checks of the specification's prose that neither
//!   OASIS tool makes (P-17): START < STOP, positive WITHIN / REPEATS, ISSUBSET / ISSUPERSET on
//!   IP values with valid addresses, MATCHES regular expressions that compile, homogeneous IN
//!   sets, one object type per AND (P-5), calendar-valid timestamps, no `+` on numbers, and
//!   warnings for unknown object types and properties.
//!
//! Speed: the pest parser costs about 5 us for a short pattern, more than the validator's budget
//! for a whole indicator. `fast.rs` reads the shape most indicators have (one `[...]` of
//! comparisons joined by AND/OR) by hand, about 20 times faster, and defers everything else,
//! including every error, to the grammar; tests and the `pattern` fuzz target check that both
//! build the same tree.
//!
//! Findings carry 1-based line and column numbers counted in characters.

pub mod ast;
mod checks;
mod fast;
mod grammar;

use std::fmt;

use pest::Parser as _;

use crate::finding::Severity;
pub use ast::Pattern;
use grammar::{Rule, StixPatternParser};

/// Parentheses and brackets nested deeper than this are refused before parsing, which bounds
/// the recursion of the parser and of everything that walks the tree. Real patterns nest a
/// handful of levels.
pub const MAX_NESTING: usize = 64;

/// One problem in a pattern, with its position (1-based line and column, in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternFinding {
    /// Checklist rule id (`P-1` ... `P-17`).
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl PatternFinding {
    /// Whether the finding is an error (a MUST is broken).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for PatternFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} at {}:{}: {}",
            self.severity, self.rule, self.line, self.column, self.message
        )
    }
}

/// Why a pattern does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule} at {line}:{column}: {message}")]
pub struct PatternError {
    /// `P-1` (grammar), `P-3` (a keyword not in uppercase, a boolean not in lowercase), `P-4`
    /// (the pattern does not start with `[` or `(`) or `P-10` (a malformed constant).
    pub rule: &'static str,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte offset of the problem in the input.
    pub offset: usize,
    /// What was expected and what was found.
    pub message: String,
}

impl PatternError {
    fn at(input: &str, offset: usize, rule: &'static str, message: String) -> Self {
        let (line, column) = line_col(input, offset);
        PatternError {
            rule,
            line,
            column,
            offset,
            message,
        }
    }

    /// The error as a finding.
    pub fn to_finding(&self) -> PatternFinding {
        PatternFinding {
            rule: self.rule,
            severity: Severity::Error,
            message: self.message.clone(),
            line: self.line,
            column: self.column,
        }
    }
}

/// Parses a pattern under the grammar alone (no semantic checks) into the typed tree.
pub fn parse(input: &str) -> Result<Pattern, PatternError> {
    // Most indicator patterns have one simple shape that a hand-written parser reads several
    // times faster than pest; everything else, and every error, goes through the grammar.
    if let Some(pattern) = fast::parse(input) {
        return Ok(pattern);
    }
    parse_with_grammar(input)
}

/// [`parse`] without the fast path for simple patterns: always the pest grammar. For tests and
/// fuzzing, which check that both give the same tree.
#[doc(hidden)]
pub fn parse_with_grammar(input: &str) -> Result<Pattern, PatternError> {
    if let Some(offset) = too_deep(input) {
        return Err(PatternError::at(
            input,
            offset,
            "P-1",
            format!("parentheses and brackets are nested more than {MAX_NESTING} levels deep"),
        ));
    }
    let mut pairs =
        StixPatternParser::parse(Rule::pattern, input).map_err(|e| errors::from_pest(input, e))?;
    let internal = |what: &str| {
        PatternError::at(
            input,
            0,
            "P-1",
            format!("internal error: unexpected parse tree ({what})"),
        )
    };
    let top = pairs.next().ok_or_else(|| internal("empty"))?;
    grammar::build_pattern(top).map_err(|grammar::Malformed(what)| internal(what))
}

/// The fast path of [`parse`] alone: `Some` only for the simple shape it reads. For tests and
/// fuzzing.
#[doc(hidden)]
pub fn parse_fast_path(input: &str) -> Option<Pattern> {
    fast::parse(input)
}

/// What the OASIS tools check: the grammar (P-1, P-3, P-4, P-10), the same qualifier type twice
/// on one observation expression (P-8) and `hashes.<ALG>` value formats (P-16). A pattern is
/// valid for them when no finding is an error.
pub fn check_syntax(input: &str) -> Vec<PatternFinding> {
    run(input, false)
}

/// [`check_syntax`] plus this project's semantic checks of the specification's prose (P-5, P-7,
/// P-9, P-10, P-17). Errors break a MUST; warnings a SHOULD, or flag what producers must not
/// emit although consumers accept it.
pub fn validate(input: &str) -> Vec<PatternFinding> {
    run(input, true)
}

fn run(input: &str, semantic: bool) -> Vec<PatternFinding> {
    match parse(input) {
        Ok(pattern) => {
            let mut findings = Vec::new();
            if let Some(offset) = comment_before_first_bracket(input) {
                findings.push(
                    PatternError::at(
                        input,
                        offset,
                        "P-4",
                        "a pattern starts with '[' (after any '('): stix2-patterns rejects a \
                         comment before it"
                            .to_owned(),
                    )
                    .to_finding(),
                );
            }
            findings.extend(checks::check(input, &pattern, semantic));
            findings
        }
        Err(e) => vec![e.to_finding()],
    }
}

/// stix2-patterns' "missing square brackets" check (P-16 a) skips whitespace and `(` and wants
/// `[` next. On a pattern the grammar accepts, that fails only when a comment comes first.
fn comment_before_first_bracket(input: &str) -> Option<usize> {
    let (offset, c) = input
        .char_indices()
        .find(|&(_, c)| c != '(' && !c.is_whitespace())?;
    (c != '[').then_some(offset)
}

/// 1-based line and column (in characters) of a byte offset. Lines end at `\n`, as ANTLR counts.
pub(crate) fn line_col(input: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(input, offset);
    let before = &input[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Offset of the first `(` or `[` nested deeper than [`MAX_NESTING`], skipping literals and
/// comments the way the grammar reads them.
fn too_deep(input: &str) -> Option<usize> {
    let b = input.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

mod errors {
    //! Turning pest's errors into messages for people, with the rule a mistake breaks.

    use pest::error::{Error, ErrorVariant, InputLocation};

    use super::PatternError;
    use super::grammar::Rule;

    /// Keywords in the spelling the grammar wants (P-3).
    const KEYWORDS: &[&str] = &[
        "AND",
        "OR",
        "NOT",
        "FOLLOWEDBY",
        "LIKE",
        "MATCHES",
        "ISSUBSET",
        "ISSUPERSET",
        "EXISTS",
        "IN",
        "START",
        "STOP",
        "WITHIN",
        "SECONDS",
        "REPEATS",
        "TIMES",
    ];

    pub(super) fn from_pest(input: &str, e: Error<Rule>) -> PatternError {
        let offset = match e.location {
            InputLocation::Pos(p) => p,
            InputLocation::Span((s, _)) => s,
        };
        if let ErrorVariant::CustomError { message } = &e.variant {
            // pest's own limits (call count, native stack) end the parse this way.
            return PatternError::at(
                input,
                offset,
                "P-1",
                format!("pattern too complex: {message}"),
            );
        }
        let start = skip_trivia(input, 0);
        let found = describe(input, offset);
        if !matches!(input.as_bytes().get(start), Some(b'[' | b'(')) {
            return PatternError::at(
                input,
                start,
                "P-4",
                format!(
                    "a pattern starts with an observation expression in square brackets: \
                     expected '[' or '(', found {}",
                    describe(input, start)
                ),
            );
        }
        let expected = expected_message(e);
        let message = format!("{expected}, found {found}");
        let rest = input.get(offset..).unwrap_or("");
        if let Some(hint) = keyword_case(rest) {
            return PatternError::at(input, offset, "P-3", format!("{message} ({hint})"));
        }
        if let Some(why) = malformed_constant(rest) {
            return PatternError::at(input, offset, "P-10", format!("{message}: {why}"));
        }
        PatternError::at(input, offset, "P-1", message)
    }

    fn expected_message(mut e: Error<Rule>) -> String {
        // Several rules may carry the same user-facing name; name each once.
        if let ErrorVariant::ParsingError { positives, .. } = &mut e.variant {
            let mut seen: Vec<&'static str> = Vec::new();
            positives.retain(|r| {
                let n = rule_name(r);
                let fresh = !seen.contains(&n);
                seen.push(n);
                fresh
            });
        }
        e.renamed_rules(|r| rule_name(r).to_owned())
            .variant
            .message()
            .into_owned()
    }

    /// User-facing names of grammar rules, for "expected ..." messages.
    fn rule_name(rule: &Rule) -> &'static str {
        match rule {
            Rule::EOI => "end of input",
            Rule::pattern | Rule::observation_expressions | Rule::observation_expression => {
                "an observation expression ('[' or '(')"
            }
            Rule::observation_expression_simple => "'['",
            Rule::observation_expression_compound => "'('",
            Rule::comparison_expression | Rule::prop_test => "a comparison (object path)",
            Rule::prop_test_paren => "'('",
            Rule::prop_test_exists => "EXISTS",
            Rule::prop_test_operation
            | Rule::prop_test_equal
            | Rule::prop_test_order
            | Rule::prop_test_set
            | Rule::prop_test_like
            | Rule::prop_test_regex
            | Rule::prop_test_is_subset
            | Rule::prop_test_is_superset => {
                "a comparison operator (=, !=, <, >, <=, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)"
            }
            Rule::start_stop_qualifier => "START",
            Rule::within_qualifier => "WITHIN",
            Rule::repeated_qualifier => "REPEATS",
            Rule::object_path => "an object path (type:property)",
            Rule::object_type => "an object type",
            Rule::first_path_component => "a property name",
            Rule::key_path_step => "'.'",
            Rule::index_path_step => "'['",
            Rule::set_literal => "a set ('(' constants ')')",
            Rule::primitive_literal => {
                "a constant (number, 'string', b'..', h'..', t'..', true, false)"
            }
            Rule::orderable_literal => {
                "an orderable constant (number, 'string', b'..', h'..', t'..')"
            }
            Rule::int_neg_literal => "a negative integer",
            Rule::int_pos_literal => "a positive integer",
            Rule::float_neg_literal => "a negative float",
            Rule::float_pos_literal => "a positive float",
            Rule::hex_literal => "a hex constant h'..'",
            Rule::binary_literal => "a base64 constant b'..'",
            Rule::string_literal => "a string constant '...'",
            Rule::bool_literal => "true or false",
            Rule::timestamp_literal => "a timestamp t'YYYY-MM-DDTHH:MM:SS[.s]Z'",
            Rule::identifier_without_hyphen | Rule::identifier_with_hyphen => "an identifier",
            Rule::AND => "AND",
            Rule::OR => "OR",
            Rule::NOT => "NOT",
            Rule::FOLLOWEDBY => "FOLLOWEDBY",
            Rule::LIKE => "LIKE",
            Rule::MATCHES => "MATCHES",
            Rule::ISSUPERSET => "ISSUPERSET",
            Rule::ISSUBSET => "ISSUBSET",
            Rule::EXISTS => "EXISTS",
            Rule::IN => "IN",
            Rule::START => "START",
            Rule::STOP => "STOP",
            Rule::SECONDS => "SECONDS",
            Rule::WITHIN => "WITHIN",
            Rule::REPEATS => "REPEATS",
            Rule::TIMES => "TIMES",
            Rule::EQ => "'='",
            Rule::NEQ => "'!='",
            Rule::LT => "'<'",
            Rule::LE => "'<='",
            Rule::GT => "'>'",
            Rule::GE => "'>='",
            Rule::COLON => "':'",
            Rule::DOT => "'.'",
            Rule::COMMA => "','",
            Rule::LPAREN => "'('",
            Rule::RPAREN => "')'",
            Rule::LBRACK => "'['",
            Rule::RBRACK => "']'",
            Rule::ASTERISK => "'*'",
            // Silent rules never appear in errors.
            Rule::COMMENT
            | Rule::qualifier
            | Rule::observation_operator
            | Rule::comparison_operator
            | Rule::base64_char
            | Rule::ident_char
            | Rule::reserved_word => "a token",
        }
    }

    /// Skips whitespace (the grammar's WS set is Unicode White_Space, as `char::is_whitespace`)
    /// and comments.
    pub(super) fn skip_trivia(input: &str, mut pos: usize) -> usize {
        loop {
            let rest = &input[pos..];
            let trimmed = rest.trim_start();
            pos += rest.len() - trimmed.len();
            if let Some(body) = trimmed.strip_prefix("/*") {
                match body.find("*/") {
                    Some(end) => pos += 2 + end + 2,
                    None => return pos,
                }
            } else if let Some(body) = trimmed.strip_prefix("//") {
                pos += 2 + body.find(['\r', '\n']).unwrap_or(body.len());
            } else {
                return pos;
            }
        }
    }

    /// A short description of the token at `offset`.
    fn describe(input: &str, offset: usize) -> String {
        let rest = input.get(offset..).unwrap_or("");
        let Some(c) = rest.chars().next() else {
            return "end of input".to_owned();
        };
        let token: &str = if c == '\''
            || rest.starts_with(['h', 'b', 't']) && rest[1..].starts_with('\'')
        {
            // A quoted token up to its closing quote (escapes skipped).
            let open = rest.find('\'').unwrap_or(0);
            let bytes = rest.as_bytes();
            let mut i = open + 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            &rest[..(i + 1).min(rest.len())]
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
                .unwrap_or(rest.len());
            &rest[..end]
        } else if matches!(c, '+' | '-')
            && rest[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.')
        {
            let end = 1 + rest[1..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len() - 1);
            &rest[..end]
        } else {
            &rest[..c.len_utf8()]
        };
        let mut shown: String = token.chars().take(48).collect();
        if shown.len() < token.len() {
            shown.push_str("...");
        }
        if token.starts_with('\'') {
            format!("the string {shown}")
        } else if token.contains('\'') {
            shown
        } else if c.is_whitespace() {
            format!("{:?}", c)
        } else {
            format!("'{shown}'")
        }
    }

    /// A keyword written in the wrong case: the word at the start of `rest`, if it is one.
    fn keyword_case(rest: &str) -> Option<String> {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = &rest[..end];
        if word.is_empty() || rest[end..].starts_with('-') {
            return None;
        }
        if let Some(k) = KEYWORDS.iter().find(|k| k.eq_ignore_ascii_case(word))
            && *k != word
        {
            return Some(format!("keywords are uppercase: write {k}"));
        }
        for b in ["true", "false"] {
            if b.eq_ignore_ascii_case(word) && b != word {
                return Some(format!("booleans are lowercase: write {b}"));
            }
        }
        None
    }

    /// Why the constant at the start of `rest` is malformed, when it looks like one (P-10).
    fn malformed_constant(rest: &str) -> Option<String> {
        let body = |prefix_len: usize| -> Option<&str> {
            let after = &rest[prefix_len..];
            after.find('\'').map(|end| &after[..end])
        };
        if rest.starts_with("h'") {
            let digits = body(2)?;
            return Some(if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                "a hex constant holds only hex digits".to_owned()
            } else {
                format!(
                    "a hex constant needs an even number of hex digits (found {})",
                    digits.len()
                )
            });
        }
        if rest.starts_with("b'") {
            body(2)?;
            return Some(
                "a binary constant is base64: groups of 4 characters of A-Z a-z 0-9 + /, \
                 the last one padded with = (at least one group)"
                    .to_owned(),
            );
        }
        if rest.starts_with("t'") {
            body(2)?;
            return Some(
                "a timestamp constant is t'YYYY-MM-DDTHH:MM:SS[.fraction]Z' with month 01-12, \
                 day 01-31, hour 00-23, minute 00-59, second 00-60, uppercase T and Z"
                    .to_owned(),
            );
        }
        if rest.starts_with('\'') {
            let bytes = rest.as_bytes();
            let mut i = 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                if bytes[i] == b'\\' {
                    match bytes.get(i + 1) {
                        Some(b'\'' | b'\\') => i += 2,
                        _ => {
                            return Some(
                                "a string constant allows only the escapes \\' and \\\\".to_owned(),
                            );
                        }
                    }
                } else {
                    i += 1;
                }
            }
            if i >= bytes.len() {
                return Some("the string constant is not closed with '".to_owned());
            }
        }
        if rest.starts_with(['+', '-']) && rest[1..].starts_with([' ', '\t']) {
            return Some("a sign must be written right before the digits".to_owned());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::ast::*;
    use super::*;

    fn err(input: &str) -> PatternError {
        parse(input).expect_err(input)
    }

    fn rules(findings: &[PatternFinding]) -> Vec<(&'static str, Severity)> {
        findings.iter().map(|f| (f.rule, f.severity)).collect()
    }

    #[test]
    fn error_positions_are_one_based_characters() {
        let e = err("[file:name = 'x' AND ]");
        assert_eq!((e.rule, e.line, e.column), ("P-1", 1, 22));
        assert_eq!(e.message, "expected a comparison (object path), found ']'");
        // Columns count characters, not bytes; lines end at '\n'.
        let e = err("[file:name = 'ééé'\n  AND ]");
        assert_eq!((e.line, e.column), (2, 7));
        let e = err("[file:name = 'ééé' OR ☃]");
        assert_eq!((e.line, e.column, e.offset), (1, 23, 25));
        let e = err("[file:name = 'x'");
        assert_eq!(e.message, "expected AND, OR, or ']', found end of input");
        let e = err("[file.size = 1280]");
        assert_eq!(
            (e.column, e.message.as_str()),
            (6, "expected ':', found '.'")
        );
    }

    #[test]
    fn grammar_errors_name_the_rule_they_break() {
        assert_eq!(err("file:size = 1280").rule, "P-4");
        assert_eq!(err("").rule, "P-4");
        let e = err("[foo:bar = 1] within 2 seconds");
        assert_eq!((e.rule, e.column), ("P-3", 15));
        assert!(e.message.contains("write WITHIN"), "{}", e.message);
        assert_eq!(err("[a:b = 1 and a:c = 2]").rule, "P-3");
        assert_eq!(err("[a:b = TRUE]").rule, "P-3");
        assert_eq!(err("[a:b NotIn (1)]").rule, "P-1");
        for malformed in [
            "[a:b = h'abc']",
            "[a:b = h'zz']",
            "[a:b = b'====']",
            "[a:b = t'2024-13-01T00:00:00Z']",
            "[a:b = 'a\\nb']",
            "[a:b = 'open]",
        ] {
            assert_eq!(err(malformed).rule, "P-10", "{malformed}");
        }
        assert_eq!(err("[a:b = 'x'] WITHIN -5 SECONDS").rule, "P-1");
    }

    #[test]
    fn keywords_need_word_boundaries_and_reserved_words_are_not_identifiers() {
        assert!(parse("[a:b = 1AND a:c = 2]").is_ok());
        assert!(parse("[a:b = 'x'] WITHIN 5SECONDS").is_ok());
        assert!(parse("[a:b = trueAND a:c = 2]").is_err());
        assert!(parse("[a:b = 'x'] WITHIN 5 SECONDSX").is_err());
        assert!(parse("[ANDx:b = 1]").is_ok());
        assert!(parse("[AND-x:b = 1]").is_ok());
        assert!(parse("[AND:b = 1]").is_err());
        assert!(parse("[a:IN = 1]").is_err());
        assert!(parse("[a:'IN' = 1]").is_ok());
        assert!(parse("[a:b.true = 1]").is_err());
        assert!(parse("[a:b LAST 1]").is_err());
    }

    #[test]
    fn whitespace_and_comments_are_skipped() {
        let p = parse(
            "\u{a0}/* c */ ( [a : b . c [ 0 ] = 1 ]\u{3000}OR//x\n[c:d=2] ) WITHIN\t5 SECONDS",
        )
        .unwrap();
        assert_eq!(
            p.to_string(),
            "([a:b.c[0] = 1] OR [c:d = 2]) WITHIN 5 SECONDS"
        );
    }

    #[test]
    fn strings_have_only_two_escapes() {
        let p = parse(r"[a:b = 'it\'s \\ ok']").unwrap();
        let ObservationExpr::Observation { comparison, .. } = &p.root else {
            panic!("{p:?}")
        };
        let ComparisonExpr::Comparison(c) = comparison else {
            panic!("{p:?}")
        };
        assert_eq!(c.test, Test::Equal(Literal::String(r"it's \ ok".into())));
        assert_eq!(p.to_string(), r"[a:b = 'it\'s \\ ok']");
        assert!(parse(r"[a:b = 'a\tb']").is_err());
        assert!(parse(r"[a:b = '\']").is_err());
    }

    #[test]
    fn precedence_is_and_over_or_over_followedby_left_to_right() {
        let p =
            parse("[a:b=1] AND [c:d=2] OR [e:f=3] FOLLOWEDBY [g:h=4] FOLLOWEDBY [i:j=5]").unwrap();
        let ObservationExpr::FollowedBy(fb) = &p.root else {
            panic!("{p:?}")
        };
        assert_eq!(fb.len(), 3);
        let ObservationExpr::Or(or) = &fb[0] else {
            panic!("{p:?}")
        };
        assert!(matches!(&or[0], ObservationExpr::And(and) if and.len() == 2));
        let p = parse("[a:b=1 OR a:c=2 AND a:d=3 AND a:e=4 OR a:f=5]").unwrap();
        let ObservationExpr::Observation { comparison, .. } = &p.root else {
            panic!("{p:?}")
        };
        let ComparisonExpr::Or(or) = comparison else {
            panic!("{p:?}")
        };
        assert_eq!(or.len(), 3);
        assert!(matches!(&or[1], ComparisonExpr::And(and) if and.len() == 3));
        // Parentheses stay in the tree.
        let p = parse("([a:b=1] OR [c:d=2]) AND [e:f=3]").unwrap();
        assert!(
            matches!(&p.root, ObservationExpr::And(and) if matches!(and[0], ObservationExpr::Group { .. }))
        );
    }

    #[test]
    fn printing_is_canonical_and_round_trips() {
        for (input, canonical) in [
            ("[a:b==1]", "[a:b = 1]"),
            ("[a:b<>1]", "[a:b != 1]"),
            ("[a:'b'.'c'[*] NOT<=-.5]", "[a:b.c[*] NOT <= -.5]"),
            ("[a:'AND'.'c-d' = h'FFd8']", "[a:'AND'.'c-d' = h'ffd8']"),
            ("[a:b = b'AB==']", "[a:b = b'AA==']"),
            (
                "[NOT EXISTS a:b] REPEATS +2 TIMES",
                "[NOT EXISTS a:b] REPEATS +2 TIMES",
            ),
            ("[a:b IN ( 1,'x' ,true)]", "[a:b IN (1, 'x', true)]"),
            ("[a:b IN ()]", "[a:b IN ()]"),
            (
                "[a:b=t'2016-06-01T00:00:00Z']START t'2016-06-01T00:00:00Z'STOP t'2016-06-02T00:00:00.5Z'",
                "[a:b = t'2016-06-01T00:00:00Z'] START t'2016-06-01T00:00:00Z' STOP t'2016-06-02T00:00:00.5Z'",
            ),
        ] {
            let p = parse(input).unwrap();
            assert_eq!(p.to_string(), canonical, "{input}");
            assert_eq!(parse(canonical).unwrap(), p, "{input}");
        }
    }

    #[test]
    fn fast_path_takes_simple_patterns_and_agrees_with_the_grammar() {
        for input in [
            "[ipv4-addr:value = '198.51.100.1']",
            "  [a:b.c[0].'d-e'[*] >= -0.5 OR a:f = true AND a:g LIKE 'x%' ]  ",
            "[a:b != 'it\\'s' AND a:c MATCHES '^x' OR a:d ISSUBSET '10.0.0.0/8']",
        ] {
            let quick = fast::parse(input).expect(input);
            let full = parse_with_grammar(input).unwrap();
            assert_eq!(format!("{quick:?}"), format!("{full:?}"), "{input}");
        }
        // Anything unusual goes to the grammar.
        for input in [
            "[a:b = 1AND a:c = 2]",
            "[a:b = 01]",
            "[a:b = +1]",
            "[a:b\t= 1]",
            "[a:b = 1] WITHIN 5 SECONDS",
            "[a:AND = 1]",
            "[a:b-c = 1]",
            "[a:b = 'x'",
            "[a:b = 'x\\n']",
            "[a:b > true]",
            "[a:b <= false]",
        ] {
            assert!(fast::parse(input).is_none(), "{input}");
            assert_eq!(
                parse(input).is_ok(),
                parse_with_grammar(input).is_ok(),
                "{input}"
            );
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!(
            "{}[a:b = 1]{}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        assert!(parse(&deep).is_err());
        let ok = format!(
            "{}[a:b = 1]{}",
            "(".repeat(MAX_NESTING - 1),
            ")".repeat(MAX_NESTING - 1)
        );
        assert!(parse(&ok).is_ok());
        // Brackets inside strings and comments do not count.
        let quoted = format!("[a:b = '{}' /* {} */]", "(".repeat(100), "[".repeat(100));
        assert!(parse(&quoted).is_ok());
    }

    #[test]
    fn check_syntax_does_what_stix2_patterns_does() {
        let r = check_syntax("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS");
        assert_eq!(rules(&r), vec![("P-8", Severity::Error)]);
        assert_eq!(r[0].column, 28);
        assert!(check_syntax("([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS").is_empty());
        assert!(check_syntax("([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS").is_empty());
        assert_eq!(
            rules(&check_syntax("/* c */ [a:b = 1]")),
            vec![("P-4", Severity::Error)]
        );
        assert!(check_syntax("(([a:b = 1]))").is_empty());
        for bad in [
            "[file:hashes.MD5 = 'abc']",
            "[file:hashes.'sha-256' = 'aec0']",
            "[file:hashes.SHA256 = 'aec0']",
            "[file:hashes.'SHA3-512' NOT IN ('aa')]",
            "[file:hashes.SSDEEP = '']",
            "[file:hashes.TLSH = 'T1abc']",
            "[file:hashes.MD5 = 5]",
            "[file:extensions.x.hashes.'SHA-1' != 'x']",
        ] {
            assert_eq!(
                rules(&check_syntax(bad)),
                vec![("P-16", Severity::Error)],
                "{bad}"
            );
        }
        for good in [
            "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']",
            "[file:hashes.'SHA-256' LIKE 'aec0%']",
            "[file:hashes.SSDEEP = '96:s4Ud1Lj96tHHlZDrwciQmA+4uy1I0G4HYuL8N3TzS8QsO/wqWXLcMSx:sF1LjEtHHlZDrJzrhuyZvHYm8tKp/RWO'] ",
            "[file:hashes.'x-custom' = 'anything']",
            "[file:hashes[*] = 'abc']",
        ] {
            assert!(
                check_syntax(good).is_empty(),
                "{good}: {:?}",
                check_syntax(good)
            );
        }
        let tlsh = "f7d2a3b00c".repeat(7);
        assert!(check_syntax(&format!("[file:hashes.TLSH = '{tlsh}']")).is_empty());
        assert!(check_syntax(&format!("[file:hashes.TLSH = 'T1{tlsh}']")).is_empty());
    }

    #[test]
    fn validate_adds_the_semantic_checks() {
        let cases: &[(&str, &[(&str, Severity)])] = &[
            (
                "[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'",
                &[("P-7", Severity::Error)],
            ),
            (
                "[file:name = 'a'] WITHIN 0.0 SECONDS",
                &[("P-7", Severity::Error)],
            ),
            (
                "[file:name = 'a'] REPEATS 0 TIMES",
                &[("P-7", Severity::Error)],
            ),
            (
                "[ipv4-addr:value ISSUBSET '10.0.0.0/33']",
                &[("P-9", Severity::Error)],
            ),
            (
                "[ipv4-addr:value ISSUBSET '2001:db8::/32']",
                &[("P-9", Severity::Error)],
            ),
            ("[ipv6-addr:value ISSUPERSET '2001:db8::/32']", &[]),
            ("[network-traffic:src_ref.value ISSUBSET '10.0.0.0/8']", &[]),
            (
                "[domain-name:resolves_to_refs[*].value ISSUBSET '10.0.0.0/8']",
                &[],
            ),
            (
                "[file:name ISSUBSET '10.0.0.0/8']",
                &[("P-9", Severity::Error)],
            ),
            ("[file:name MATCHES '*a']", &[("P-9", Severity::Error)]),
            ("[file:name MATCHES 'a)']", &[("P-9", Severity::Error)]),
            (
                "[file:name MATCHES '(?|a|b)']",
                &[("P-9", Severity::Warning)],
            ),
            ("[file:name MATCHES '.+\\\\@example\\\\.com$']", &[]),
            ("[file:size IN (1, 2.5)]", &[]),
            ("[file:size IN (1, true)]", &[("P-9", Severity::Error)]),
            ("[file:size = +5]", &[("P-10", Severity::Warning)]),
            (
                "[file:ctime = t'2023-02-29T00:00:00Z']",
                &[("P-10", Severity::Error)],
            ),
            (
                "[file:name = 'a' AND (file:size = 1 OR ipv4-addr:value = '1.2.3.4')]",
                &[],
            ),
            (
                "[(file:name = 'a' OR ipv4-addr:value = 'x') AND ipv6-addr:value = '::1']",
                &[("P-5", Severity::Error)],
            ),
            ("[x-custom:anything = 1]", &[]),
            ("[foo:bar = 1]", &[("P-17", Severity::Warning)]),
            ("[indicator:name = 'x']", &[("P-17", Severity::Warning)]),
            (
                "[file:nonsense = 1 OR file:nonsense = 2]",
                &[("P-17", Severity::Warning)],
            ),
            ("[file:x_custom = 1]", &[]),
            (
                "([file:name = 'a']) WITHIN 5 SECONDS WITHIN 6 SECONDS",
                &[("P-8", Severity::Warning)],
            ),
        ];
        for (input, expected) in cases {
            let got = validate(input);
            assert_eq!(&rules(&got), expected, "{input}: {got:?}");
        }
    }
}
