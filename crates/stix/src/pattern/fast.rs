//! A hand-written parser for the shape most indicator patterns have: one observation
//! expression of comparisons joined by AND / OR, with plain spaces between tokens, e.g.
//! `[ipv4-addr:value = '198.51.100.1']` or
//! `[file:hashes.MD5 = '...' OR file:hashes.'SHA-256' = '...']`.
//!
//! It exists for speed only (the pest parser costs several microseconds per pattern, the
//! validator's budget is about three). It is deliberately narrow: whenever the input leaves that
//! shape, or anything is unusual (other whitespace, comments, NOT, IN, qualifiers, binary / hex /
//! timestamp constants, `+` signs, keywords without a space around them), it returns `None` and
//! the pest grammar decides. When it returns a tree, that tree, spans included, is the one the
//! grammar builds: the `pattern` fuzz target and the unit tests compare the two.

use super::ast::*;
use super::grammar::unescape;

/// Words the grammar reads as keywords or booleans (identifiers cannot be these words).
const RESERVED: &[&[u8]] = &[
    b"AND",
    b"OR",
    b"NOT",
    b"FOLLOWEDBY",
    b"LIKE",
    b"MATCHES",
    b"ISSUPERSET",
    b"ISSUBSET",
    b"EXISTS",
    b"LAST",
    b"IN",
    b"START",
    b"STOP",
    b"SECONDS",
    b"true",
    b"false",
    b"WITHIN",
    b"REPEATS",
    b"TIMES",
];

struct Cursor<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn spaces(&mut self) -> usize {
        let start = self.i;
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
        self.i - start
    }

    /// A run of identifier characters (`hyphen`: object types may contain `-`) that is not a
    /// reserved word.
    fn identifier(&mut self, hyphen: bool) -> Option<&'a str> {
        let start = self.i;
        let first = self.peek()?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        self.i += 1;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || (hyphen && c == b'-') {
                self.i += 1;
            } else {
                break;
            }
        }
        // A `-` right after an unhyphenated identifier would make the grammar's lexer read a
        // longer token; leave such input to the grammar.
        if !hyphen && self.peek() == Some(b'-') {
            return None;
        }
        let word = &self.b[start..self.i];
        if RESERVED.contains(&word) {
            return None;
        }
        self.text.get(start..self.i)
    }

    /// A string literal with the grammar's two escapes; returns its unescaped value.
    fn string(&mut self) -> Option<Box<str>> {
        let start = self.i;
        self.eat(b'\'')?;
        loop {
            match self.peek()? {
                b'\'' => break,
                b'\\' => match self.b.get(self.i + 1)? {
                    b'\'' | b'\\' => self.i += 2,
                    _ => return None,
                },
                _ => self.i += 1,
            }
        }
        self.i += 1;
        Some(unescape(self.text.get(start..self.i)?))
    }

    fn name(&mut self) -> Option<Box<str>> {
        if self.peek()? == b'\'' {
            self.string()
        } else {
            self.identifier(false).map(Into::into)
        }
    }

    fn path(&mut self) -> Option<ObjectPath> {
        let start = self.i;
        let object_type = self.identifier(true)?;
        self.eat(b':')?;
        let first = self.name()?;
        let mut steps = Vec::new();
        loop {
            match self.peek()? {
                b'.' => {
                    self.i += 1;
                    steps.push(PathStep::Key(self.name()?));
                }
                b'[' => {
                    self.i += 1;
                    if self.eat(b'*').is_some() {
                        steps.push(PathStep::AnyIndex);
                    } else {
                        let n = self.integer()?;
                        steps.push(PathStep::Index(Number::new(n)));
                    }
                    self.eat(b']')?;
                }
                _ => break,
            }
        }
        Some(ObjectPath {
            object_type: object_type.into(),
            first,
            steps,
            span: Span::new(start, self.i),
        })
    }

    /// `-?(0|[1-9][0-9]*)`, as text.
    fn integer(&mut self) -> Option<&'a str> {
        let start = self.i;
        if self.peek()? == b'-' {
            self.i += 1;
        }
        self.digits_without_leading_zero()?;
        self.text.get(start..self.i)
    }

    fn digits_without_leading_zero(&mut self) -> Option<()> {
        let first = self.peek()?;
        if !first.is_ascii_digit() {
            return None;
        }
        self.i += 1;
        if first == b'0' {
            // `01` is two tokens for the grammar; leave it to the grammar.
            return (!self.peek().is_some_and(|c| c.is_ascii_digit())).then_some(());
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        Some(())
    }

    /// A string, number or boolean constant, which must be followed by ' ' or ']'.
    fn literal(&mut self) -> Option<Literal> {
        let start = self.i;
        let lit = match self.peek()? {
            b'\'' => Literal::String(self.string()?),
            b't' | b'f' => {
                let rest = &self.b[start..];
                if rest.starts_with(b"true") {
                    self.i += 4;
                    Literal::Bool(true)
                } else if rest.starts_with(b"false") {
                    self.i += 5;
                    Literal::Bool(false)
                } else {
                    return None;
                }
            }
            b'-' | b'0'..=b'9' | b'.' => {
                if self.peek()? == b'-' {
                    self.i += 1;
                }
                let int_part = self.peek()? != b'.';
                if int_part {
                    self.digits_without_leading_zero()?;
                }
                if self.peek() == Some(b'.') {
                    self.i += 1;
                    let digits = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.i += 1;
                    }
                    if self.i == digits {
                        return None;
                    }
                    Literal::Float(Number::new(self.text.get(start..self.i)?))
                } else {
                    Literal::Int(Number::new(self.text.get(start..self.i)?))
                }
            }
            _ => return None,
        };
        matches!(self.peek(), Some(b' ' | b']')).then_some(lit)
    }

    /// The operator after a path and the spaces following it.
    fn operator(&mut self) -> Option<Op> {
        let rest = &self.b[self.i..];
        let (op, len) = match rest {
            [b'=', b'=', ..] => (Op::Eq, 2),
            [b'!', b'=', ..] => (Op::Ne, 2),
            [b'<', b'>', ..] => (Op::Ne, 2),
            [b'<', b'=', ..] => (Op::Le, 2),
            [b'>', b'=', ..] => (Op::Ge, 2),
            [b'=', ..] => (Op::Eq, 1),
            [b'<', ..] => (Op::Lt, 1),
            [b'>', ..] => (Op::Gt, 1),
            _ if rest.starts_with(b"LIKE ") => (Op::Like, 4),
            _ if rest.starts_with(b"MATCHES ") => (Op::Matches, 7),
            _ if rest.starts_with(b"ISSUBSET ") => (Op::IsSubset, 8),
            _ if rest.starts_with(b"ISSUPERSET ") => (Op::IsSuperset, 10),
            _ => return None,
        };
        self.i += len;
        Some(op)
    }

    fn comparison(&mut self) -> Option<Comparison> {
        let start = self.i;
        let path = self.path()?;
        if self.spaces() == 0 {
            return None;
        }
        let op = self.operator()?;
        self.spaces();
        let value_start = self.i;
        let test = match op {
            Op::Like | Op::Matches | Op::IsSubset | Op::IsSuperset => {
                let s = self.string()?;
                if !matches!(self.peek(), Some(b' ' | b']')) {
                    return None;
                }
                match op {
                    Op::Like => Test::Like(s),
                    Op::Matches => Test::Matches(s),
                    Op::IsSubset => Test::IsSubset(s),
                    _ => Test::IsSuperset(s),
                }
            }
            _ => {
                let lit = self.literal()?;
                // Ordering operators take an orderableLiteral: no booleans.
                if matches!(lit, Literal::Bool(_)) && !matches!(op, Op::Eq | Op::Ne) {
                    return None;
                }
                match op {
                    Op::Eq => Test::Equal(lit),
                    Op::Ne => Test::NotEqual(lit),
                    Op::Lt => Test::Less(lit),
                    Op::Gt => Test::Greater(lit),
                    Op::Le => Test::LessOrEqual(lit),
                    _ => Test::GreaterOrEqual(lit),
                }
            }
        };
        Some(Comparison {
            path,
            negated: false,
            test,
            span: Span::new(start, self.i),
            value_span: Span::new(value_start, self.i),
        })
    }
}

#[derive(Clone, Copy)]
enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Like,
    Matches,
    IsSubset,
    IsSuperset,
}

/// Parses `[c1 (AND|OR) c2 ...]` with plain spaces, or returns `None` to defer to the grammar.
pub(crate) fn parse(text: &str) -> Option<Pattern> {
    let mut c = Cursor {
        text,
        b: text.as_bytes(),
        i: 0,
    };
    c.spaces();
    let open = c.i;
    c.eat(b'[')?;
    c.spaces();
    // Operands grouped as the grammar groups them: AND binds tighter than OR.
    let mut or_items: Vec<ComparisonExpr> = Vec::new();
    let mut and_items: Vec<ComparisonExpr> = Vec::new();
    let close_and = |and_items: &mut Vec<ComparisonExpr>| match and_items.len() {
        1 => and_items.pop(),
        _ => Some(ComparisonExpr::And(std::mem::take(and_items))),
    };
    loop {
        and_items.push(ComparisonExpr::Comparison(c.comparison()?));
        let spaces = c.spaces();
        if c.peek()? == b']' {
            break;
        }
        if spaces == 0 {
            return None;
        }
        let rest = &c.b[c.i..];
        if rest.starts_with(b"AND ") {
            c.i += 3;
        } else if rest.starts_with(b"OR ") {
            c.i += 2;
            or_items.push(close_and(&mut and_items)?);
        } else {
            return None;
        }
        c.spaces();
    }
    c.i += 1;
    let close = c.i;
    c.spaces();
    if c.i != c.b.len() {
        return None;
    }
    let last = close_and(&mut and_items)?;
    let comparison = if or_items.is_empty() {
        last
    } else {
        or_items.push(last);
        ComparisonExpr::Or(or_items)
    };
    Some(Pattern {
        root: ObservationExpr::Observation {
            comparison,
            qualifiers: Vec::new(),
            span: Span::new(open, close),
        },
    })
}
