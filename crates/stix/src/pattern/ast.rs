//! Typed syntax tree of a STIX pattern (STIX 2.1 section 9) and its canonical printing.
//!
//! Chains of one binary operator are kept as lists (`a AND b AND c` is one [`ObservationExpr::And`]
//! of three items, read left to right, which is the grammar's left associativity). This keeps
//! the tree as shallow as the source's parentheses, so recursion over it (printing, checking,
//! dropping) is bounded by the nesting limit of the parser rather than by the pattern's length.
//!
//! Parentheses are kept ([`ObservationExpr::Group`], [`ComparisonExpr::Group`]): `(a AND b) AND c`
//! and `a AND b AND c` are different trees that mean the same. An operand of an operator list
//! is never itself an operator list with the same or lower precedence: the parser produces such
//! an operand only as a `Group`. Trees built by hand must follow that rule for printing and
//! re-parsing to give the same tree back.
//!
//! `Display` prints the canonical form: one space around binary operators and before
//! qualifiers, `=` for `==`, `!=` for `<>`, property names quoted only when they must be,
//! lowercase hex, padded base64, numbers and timestamps exactly as written.

use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};

use crate::StixTimestamp;

/// A byte range of the pattern text a node was parsed from.
///
/// Positions are for reporting only and are not part of a node's value: any two spans compare
/// equal, so a tree re-parsed from its printed form equals the original.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
}

impl Span {
    /// A span from byte offsets.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Span {}

impl Hash for Span {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

/// A parsed pattern: one observation expression tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    pub root: ObservationExpr,
}

/// An observation expression (grammar `observationExpressions` and below).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObservationExpr {
    /// `[ comparison-expression ]`, with the qualifiers applied directly to it, in source order.
    Observation {
        comparison: ComparisonExpr,
        qualifiers: Vec<Qualifier>,
        span: Span,
    },
    /// `( observation-expressions )`, with the qualifiers applied to the group.
    Group {
        inner: Box<ObservationExpr>,
        qualifiers: Vec<Qualifier>,
        span: Span,
    },
    /// Two or more operands joined by `AND` (binds tighter than `OR`).
    And(Vec<ObservationExpr>),
    /// Two or more operands joined by `OR` (binds tighter than `FOLLOWEDBY`).
    Or(Vec<ObservationExpr>),
    /// Two or more operands joined by `FOLLOWEDBY` (binds loosest).
    FollowedBy(Vec<ObservationExpr>),
}

/// An observation operator, as reported by [`ObservationExpr::operator`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObservationOperator {
    And,
    Or,
    FollowedBy,
}

impl ObservationOperator {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            ObservationOperator::And => "AND",
            ObservationOperator::Or => "OR",
            ObservationOperator::FollowedBy => "FOLLOWEDBY",
        }
    }
}

impl ObservationExpr {
    /// The operator of an operator list, `None` for an observation or a group.
    pub fn operator(&self) -> Option<ObservationOperator> {
        match self {
            ObservationExpr::And(_) => Some(ObservationOperator::And),
            ObservationExpr::Or(_) => Some(ObservationOperator::Or),
            ObservationExpr::FollowedBy(_) => Some(ObservationOperator::FollowedBy),
            _ => None,
        }
    }

    /// The qualifiers applied directly to this expression (empty for operator lists).
    pub fn qualifiers(&self) -> &[Qualifier] {
        match self {
            ObservationExpr::Observation { qualifiers, .. }
            | ObservationExpr::Group { qualifiers, .. } => qualifiers,
            _ => &[],
        }
    }

    /// Calls `f` on this expression and every observation expression below it, parents first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a ObservationExpr)) {
        f(self);
        match self {
            ObservationExpr::Observation { .. } => {}
            ObservationExpr::Group { inner, .. } => inner.walk(f),
            ObservationExpr::And(items)
            | ObservationExpr::Or(items)
            | ObservationExpr::FollowedBy(items) => items.iter().for_each(|i| i.walk(f)),
        }
    }

    /// Binding strength for printing: higher binds tighter.
    fn precedence(&self) -> u8 {
        match self {
            ObservationExpr::FollowedBy(_) => 0,
            ObservationExpr::Or(_) => 1,
            ObservationExpr::And(_) => 2,
            ObservationExpr::Observation { .. } | ObservationExpr::Group { .. } => 3,
        }
    }
}

/// A qualifier (STIX 2.1 section 9.5.1) with its position.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Qualifier {
    pub kind: QualifierKind,
    pub span: Span,
}

/// What a qualifier says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QualifierKind {
    /// `WITHIN x SECONDS` (x an integer or float literal, as written).
    Within(Number),
    /// `REPEATS x TIMES` (x an integer literal, as written).
    Repeats(Number),
    /// `START t'..' STOP t'..'`.
    StartStop { start: Timestamp, stop: Timestamp },
}

/// The three qualifier types (a type may appear once per observation expression, P-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QualifierType {
    Within,
    Repeats,
    StartStop,
}

impl QualifierType {
    /// The name stix2-patterns uses in its messages.
    pub fn as_str(self) -> &'static str {
        match self {
            QualifierType::Within => "WITHIN",
            QualifierType::Repeats => "REPEATS",
            QualifierType::StartStop => "START/STOP",
        }
    }
}

impl QualifierKind {
    /// The qualifier's type.
    pub fn qualifier_type(&self) -> QualifierType {
        match self {
            QualifierKind::Within(_) => QualifierType::Within,
            QualifierKind::Repeats(_) => QualifierType::Repeats,
            QualifierKind::StartStop { .. } => QualifierType::StartStop,
        }
    }
}

/// A comparison expression inside `[ ]` (grammar `comparisonExpression` and below).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ComparisonExpr {
    /// One comparison (grammar `propTest`).
    Comparison(Comparison),
    /// `( comparison-expression )`.
    Group(Box<ComparisonExpr>),
    /// Two or more operands joined by `AND` (binds tighter than `OR`).
    And(Vec<ComparisonExpr>),
    /// Two or more operands joined by `OR`.
    Or(Vec<ComparisonExpr>),
}

impl ComparisonExpr {
    /// Calls `f` on every comparison below this expression, left to right.
    pub fn for_each_comparison<'a>(&'a self, f: &mut impl FnMut(&'a Comparison)) {
        match self {
            ComparisonExpr::Comparison(c) => f(c),
            ComparisonExpr::Group(inner) => inner.for_each_comparison(f),
            ComparisonExpr::And(items) | ComparisonExpr::Or(items) => {
                items.iter().for_each(|i| i.for_each_comparison(f))
            }
        }
    }

    fn precedence(&self) -> u8 {
        match self {
            ComparisonExpr::Or(_) => 0,
            ComparisonExpr::And(_) => 1,
            ComparisonExpr::Comparison(_) | ComparisonExpr::Group(_) => 2,
        }
    }
}

/// One comparison: `path [NOT] op value`, or `[NOT] EXISTS path`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Comparison {
    pub path: ObjectPath,
    /// `NOT` before the operator (or before `EXISTS`).
    pub negated: bool,
    pub test: Test,
    /// The whole comparison.
    pub span: Span,
    /// The operand (literal, set or string); the path for `EXISTS`.
    pub value_span: Span,
}

/// The operator of a comparison and its operand.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Test {
    /// `=` (also written `==`).
    Equal(Literal),
    /// `!=` (also written `<>`).
    NotEqual(Literal),
    Greater(Literal),
    Less(Literal),
    GreaterOrEqual(Literal),
    LessOrEqual(Literal),
    /// `IN (..)`: the set's members in source order (possibly none).
    In(Vec<Literal>),
    /// `LIKE '..'` (unescaped string).
    Like(Box<str>),
    /// `MATCHES '..'` (unescaped string: the regular expression).
    Matches(Box<str>),
    /// `ISSUBSET '..'`.
    IsSubset(Box<str>),
    /// `ISSUPERSET '..'`.
    IsSuperset(Box<str>),
    /// `EXISTS path`.
    Exists,
}

impl Test {
    /// The operator keyword or symbol in canonical spelling.
    pub fn operator(&self) -> &'static str {
        match self {
            Test::Equal(_) => "=",
            Test::NotEqual(_) => "!=",
            Test::Greater(_) => ">",
            Test::Less(_) => "<",
            Test::GreaterOrEqual(_) => ">=",
            Test::LessOrEqual(_) => "<=",
            Test::In(_) => "IN",
            Test::Like(_) => "LIKE",
            Test::Matches(_) => "MATCHES",
            Test::IsSubset(_) => "ISSUBSET",
            Test::IsSuperset(_) => "ISSUPERSET",
            Test::Exists => "EXISTS",
        }
    }

    /// The single literal operand of `=`, `!=`, `<`, `>`, `<=`, `>=`.
    pub fn literal(&self) -> Option<&Literal> {
        match self {
            Test::Equal(l)
            | Test::NotEqual(l)
            | Test::Greater(l)
            | Test::Less(l)
            | Test::GreaterOrEqual(l)
            | Test::LessOrEqual(l) => Some(l),
            _ => None,
        }
    }
}

/// An object path: `type:first(.key|[index]|[*])*` (STIX 2.1 section 9.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectPath {
    /// The SCO type, e.g. `file`.
    pub object_type: Box<str>,
    /// The first property name (unquoted and unescaped).
    pub first: Box<str>,
    /// Further steps.
    pub steps: Vec<PathStep>,
    pub span: Span,
}

/// One step after the first property of an object path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// `.name` or `.'quoted-name'` (unescaped).
    Key(Box<str>),
    /// `[n]` (an integer literal as written; may be negative).
    Index(Number),
    /// `[*]`.
    AnyIndex,
}

/// A constant (STIX 2.1 section 9.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Literal {
    /// Integer as written (`42`, `-1`, `+5`).
    Int(Number),
    /// Float as written (`7.0`, `.5`, `-1.25`).
    Float(Number),
    /// `'..'`, unescaped.
    String(Box<str>),
    /// `b'..'`, decoded.
    Binary(Box<[u8]>),
    /// `h'..'`, decoded.
    Hex(Box<[u8]>),
    /// `t'..'`.
    Timestamp(Timestamp),
    /// `true` / `false`.
    Bool(bool),
}

/// The kind of a literal, for the homogeneity rule of `IN` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiteralKind {
    /// Integers and floats (both numbers).
    Number,
    String,
    Binary,
    Hex,
    Timestamp,
    Bool,
}

impl Literal {
    /// The kind of value.
    pub fn kind(&self) -> LiteralKind {
        match self {
            Literal::Int(_) | Literal::Float(_) => LiteralKind::Number,
            Literal::String(_) => LiteralKind::String,
            Literal::Binary(_) => LiteralKind::Binary,
            Literal::Hex(_) => LiteralKind::Hex,
            Literal::Timestamp(_) => LiteralKind::Timestamp,
            Literal::Bool(_) => LiteralKind::Bool,
        }
    }
}

impl LiteralKind {
    /// A name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            LiteralKind::Number => "number",
            LiteralKind::String => "string",
            LiteralKind::Binary => "binary",
            LiteralKind::Hex => "hex",
            LiteralKind::Timestamp => "timestamp",
            LiteralKind::Bool => "boolean",
        }
    }
}

/// A numeric literal exactly as written (optional sign, digits, optional fraction), so that
/// printing reproduces it and a leading `+` (invalid for producers, P-10) stays visible.
/// Integers of any length are accepted, as the grammar does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number(Box<str>);

impl Number {
    /// Wraps the text of a grammar-valid numeric literal.
    pub(crate) fn new(text: &str) -> Self {
        Number(text.into())
    }

    /// A number from its text, if the grammar reads the text as one integer or float literal
    /// (`42`, `-1`, `+5`, `7.0`, `.5`, `-1.25`).
    pub fn from_text(text: &str) -> Option<Self> {
        let unsigned = text
            .strip_prefix('-')
            .or_else(|| text.strip_prefix('+'))
            .unwrap_or(text);
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let ok = match unsigned.split_once('.') {
            Some((int, frac)) => digits(int) && !frac.is_empty() && digits(frac),
            None => {
                !unsigned.is_empty()
                    && digits(unsigned)
                    && (unsigned == "0" || !unsigned.starts_with('0'))
            }
        };
        ok.then(|| Number::new(text))
    }

    /// Whether the literal is an integer (no fraction).
    pub fn is_integer(&self) -> bool {
        !self.0.contains('.')
    }

    /// The literal as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the literal is written with a leading `+`.
    pub fn has_plus(&self) -> bool {
        self.0.starts_with('+')
    }

    /// The value as `i64`, if it is an integer literal in range.
    pub fn to_i64(&self) -> Option<i64> {
        self.0.strip_prefix('+').unwrap_or(&self.0).parse().ok()
    }

    /// The value as `f64` (rounded; `None` only for text that is not a number).
    pub fn to_f64(&self) -> Option<f64> {
        self.0.strip_prefix('+').unwrap_or(&self.0).parse().ok()
    }

    /// Whether the value is greater than zero (exact, from the digits: no rounding).
    pub fn is_positive(&self) -> bool {
        !self.0.starts_with('-') && self.0.bytes().any(|b| (b'1'..=b'9').contains(&b))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A timestamp literal: valid per the calendar, or only per the grammar's ranges.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Timestamp {
    /// A real instant.
    Valid(StixTimestamp),
    /// Matches the grammar's digit ranges but is not a calendar date (`2024-02-30`): an
    /// error for [`super::validate`], accepted by the grammar.
    NotCalendar(Box<str>),
}

impl Timestamp {
    /// Classifies the text between `t'` and `'` (which the grammar has already checked).
    pub fn from_text(text: &str) -> Self {
        match StixTimestamp::parse(text) {
            Ok(ts) => Timestamp::Valid(ts),
            Err(_) => Timestamp::NotCalendar(text.into()),
        }
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        match self {
            Timestamp::Valid(ts) => ts.as_str(),
            Timestamp::NotCalendar(text) => text,
        }
    }
}

// -------------------------------------------------------------------------------------------
// Printing

/// Words the lexer reads as keywords or booleans: a property with such a name must be quoted.
const RESERVED: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUPERSET",
    "ISSUBSET",
    "EXISTS",
    "LAST",
    "IN",
    "START",
    "STOP",
    "SECONDS",
    "true",
    "false",
    "WITHIN",
    "REPEATS",
    "TIMES",
];

/// Whether `name` can be written without quotes as a property name (IdentifierWithoutHyphen).
pub(crate) fn is_plain_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !RESERVED.contains(&name)
}

/// Writes a string literal with the two escapes the grammar has.
fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    let mut rest = s;
    while let Some(i) = rest.find(['\'', '\\']) {
        f.write_str(&rest[..i])?;
        f.write_char('\\')?;
        f.write_str(&rest[i..i + 1])?;
        rest = &rest[i + 1..];
    }
    f.write_str(rest)?;
    f.write_char('\'')
}

fn write_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    if is_plain_identifier(name) {
        f.write_str(name)
    } else {
        write_quoted(f, name)
    }
}

fn write_joined<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    sep: &str,
    needs_parens: impl Fn(&T) -> bool,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        if needs_parens(item) {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.root.fmt(f)
    }
}

impl fmt::Display for ObservationExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (items, sep, own) = match self {
            ObservationExpr::Observation {
                comparison,
                qualifiers,
                ..
            } => {
                write!(f, "[{comparison}]")?;
                return qualifiers.iter().try_for_each(|q| write!(f, " {q}"));
            }
            ObservationExpr::Group {
                inner, qualifiers, ..
            } => {
                write!(f, "({inner})")?;
                return qualifiers.iter().try_for_each(|q| write!(f, " {q}"));
            }
            ObservationExpr::And(items) => (items, " AND ", 2),
            ObservationExpr::Or(items) => (items, " OR ", 1),
            ObservationExpr::FollowedBy(items) => (items, " FOLLOWEDBY ", 0),
        };
        // An operand list nested without a Group breaks the tree invariant; parenthesising
        // keeps the printed pattern meaning what the tree means.
        write_joined(f, items, sep, |i| i.precedence() <= own)
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl fmt::Display for QualifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QualifierKind::Within(n) => write!(f, "WITHIN {n} SECONDS"),
            QualifierKind::Repeats(n) => write!(f, "REPEATS {n} TIMES"),
            QualifierKind::StartStop { start, stop } => {
                write!(f, "START t'{}' STOP t'{}'", start.as_str(), stop.as_str())
            }
        }
    }
}

impl fmt::Display for ComparisonExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComparisonExpr::Comparison(c) => c.fmt(f),
            ComparisonExpr::Group(inner) => write!(f, "({inner})"),
            ComparisonExpr::And(items) => write_joined(f, items, " AND ", |i| i.precedence() <= 1),
            ComparisonExpr::Or(items) => write_joined(f, items, " OR ", |i| i.precedence() == 0),
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Test::Exists = self.test {
            if self.negated {
                f.write_str("NOT ")?;
            }
            return write!(f, "EXISTS {}", self.path);
        }
        write!(f, "{}", self.path)?;
        if self.negated {
            f.write_str(" NOT")?;
        }
        write!(f, " {} ", self.test.operator())?;
        match &self.test {
            Test::Equal(l)
            | Test::NotEqual(l)
            | Test::Greater(l)
            | Test::Less(l)
            | Test::GreaterOrEqual(l)
            | Test::LessOrEqual(l) => l.fmt(f),
            Test::In(items) => {
                f.write_char('(')?;
                write_joined(f, items, ", ", |_| false)?;
                f.write_char(')')
            }
            Test::Like(s) | Test::Matches(s) | Test::IsSubset(s) | Test::IsSuperset(s) => {
                write_quoted(f, s)
            }
            Test::Exists => Ok(()),
        }
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        write_name(f, &self.first)?;
        self.steps.iter().try_for_each(|s| s.fmt(f))
    }
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Key(k) => {
                f.write_char('.')?;
                write_name(f, k)
            }
            PathStep::Index(n) => write!(f, "[{n}]"),
            PathStep::AnyIndex => f.write_str("[*]"),
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(n) | Literal::Float(n) => n.fmt(f),
            Literal::String(s) => write_quoted(f, s),
            Literal::Binary(bytes) => {
                use base64::Engine as _;
                write!(
                    f,
                    "b'{}'",
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                )
            }
            Literal::Hex(bytes) => {
                f.write_str("h'")?;
                bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))?;
                f.write_char('\'')
            }
            Literal::Timestamp(ts) => write!(f, "t'{}'", ts.as_str()),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}
