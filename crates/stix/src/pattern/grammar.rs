//! The pest parser generated from `stix_pattern.pest` and the step from pest's untyped pairs to
//! the typed tree in [`super::ast`].

use base64::Engine as _;
use pest::iterators::{Pair, Pairs};
use pest_derive::Parser;

use super::ast::*;

/// The generated parser. Rule names follow the `.g4` rule names in snake case.
#[derive(Parser)]
#[grammar = "pattern/stix_pattern.pest"]
pub(crate) struct StixPatternParser;

/// A tree shape the grammar cannot produce. Reaching it is a bug in this module; it is
/// reported as a parse failure instead of a panic.
#[derive(Debug)]
pub(crate) struct Malformed(pub &'static str);

type Built<T> = Result<T, Malformed>;

/// Base64 as the grammar admits it: standard alphabet, padded, and (like the .g4, which only
/// checks the alphabet and the padding) without rejecting non-zero bits in the last character.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
);

/// The pair's span without trailing whitespace: pest keeps whitespace skipped before a
/// repetition that then matched nothing (e.g. after a path without further steps).
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let start = pair.as_span().start();
    Span::new(start, start + pair.as_str().trim_end().len())
}

fn next<'i>(pairs: &mut Pairs<'i, Rule>, what: &'static str) -> Built<Pair<'i, Rule>> {
    pairs.next().ok_or(Malformed(what))
}

/// Skips the punctuation and keyword tokens that carry no value.
fn significant<'i>(pairs: Pairs<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pairs.filter(|p| {
        !matches!(
            p.as_rule(),
            Rule::LBRACK
                | Rule::RBRACK
                | Rule::LPAREN
                | Rule::RPAREN
                | Rule::COLON
                | Rule::DOT
                | Rule::COMMA
                | Rule::AND
                | Rule::OR
                | Rule::FOLLOWEDBY
                | Rule::START
                | Rule::STOP
                | Rule::WITHIN
                | Rule::SECONDS
                | Rule::REPEATS
                | Rule::TIMES
        )
    })
}

/// Builds the tree from the `pattern` pair.
pub(crate) fn build_pattern(pattern: Pair<'_, Rule>) -> Built<Pattern> {
    let mut inner = pattern.into_inner();
    let exprs = next(&mut inner, "pattern")?;
    Ok(Pattern {
        root: observation_expressions(exprs)?,
    })
}

/// Binary operators of the flattened precedence ladders, loosest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    FollowedBy,
    Or,
    And,
}

/// Groups `operand (op operand)*` by precedence: AND binds tighter than OR, OR tighter than
/// FOLLOWEDBY (comparison expressions only have AND and OR). Chains of one operator become
/// one list, read left to right (the grammar's left associativity).
fn ladder<T>(
    pair: Pair<'_, Rule>,
    mut operand: impl FnMut(Pair<'_, Rule>) -> Built<T>,
    list: impl Fn(Level, Vec<T>) -> T,
) -> Built<T> {
    // Open lists of the three levels; the innermost (AND) receives operands.
    let mut open: [Vec<T>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let close = |items: &mut Vec<T>, level: Level| -> Built<T> {
        match items.len() {
            0 => Err(Malformed("empty operand list")),
            1 => items.pop().ok_or(Malformed("empty operand list")),
            _ => Ok(list(level, std::mem::take(items))),
        }
    };
    for p in pair.into_inner() {
        let op = match p.as_rule() {
            Rule::AND => Level::And,
            Rule::OR => Level::Or,
            Rule::FOLLOWEDBY => Level::FollowedBy,
            _ => {
                open[2].push(operand(p)?);
                continue;
            }
        };
        // An operator closes the open lists of the levels that bind tighter than it.
        if op <= Level::Or {
            let and = close(&mut open[2], Level::And)?;
            open[1].push(and);
        }
        if op == Level::FollowedBy {
            let or = close(&mut open[1], Level::Or)?;
            open[0].push(or);
        }
    }
    let and = close(&mut open[2], Level::And)?;
    open[1].push(and);
    let or = close(&mut open[1], Level::Or)?;
    open[0].push(or);
    close(&mut open[0], Level::FollowedBy)
}

fn observation_expressions(pair: Pair<'_, Rule>) -> Built<ObservationExpr> {
    ladder(pair, observation_expression, |level, items| match level {
        Level::And => ObservationExpr::And(items),
        Level::Or => ObservationExpr::Or(items),
        Level::FollowedBy => ObservationExpr::FollowedBy(items),
    })
}

fn observation_expression(pair: Pair<'_, Rule>) -> Built<ObservationExpr> {
    let mut inner = pair.into_inner();
    let base = next(&mut inner, "observation expression")?;
    let mut qualifiers = Vec::new();
    for q in inner {
        qualifiers.push(qualifier(q)?);
    }
    let span = span_of(&base);
    let mut parts = significant(base.clone().into_inner());
    let content = parts
        .next()
        .ok_or(Malformed("empty observation expression"))?;
    match base.as_rule() {
        Rule::observation_expression_simple => Ok(ObservationExpr::Observation {
            comparison: comparison_expression(content)?,
            qualifiers,
            span,
        }),
        Rule::observation_expression_compound => Ok(ObservationExpr::Group {
            inner: Box::new(observation_expressions(content)?),
            qualifiers,
            span,
        }),
        _ => Err(Malformed("observation expression")),
    }
}

fn qualifier(pair: Pair<'_, Rule>) -> Built<Qualifier> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut parts = significant(pair.into_inner());
    let mut value = || parts.next().ok_or(Malformed("qualifier"));
    let kind = match rule {
        Rule::within_qualifier => QualifierKind::Within(Number::new(value()?.as_str())),
        Rule::repeated_qualifier => QualifierKind::Repeats(Number::new(value()?.as_str())),
        Rule::start_stop_qualifier => QualifierKind::StartStop {
            start: timestamp(value()?.as_str())?,
            stop: timestamp(value()?.as_str())?,
        },
        _ => return Err(Malformed("qualifier")),
    };
    Ok(Qualifier { kind, span })
}

fn comparison_expression(pair: Pair<'_, Rule>) -> Built<ComparisonExpr> {
    // The grammar has no FOLLOWEDBY between comparisons, so that level is never opened.
    ladder(pair, prop_test, |level, items| match level {
        Level::And => ComparisonExpr::And(items),
        Level::Or | Level::FollowedBy => ComparisonExpr::Or(items),
    })
}

fn prop_test(pair: Pair<'_, Rule>) -> Built<ComparisonExpr> {
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let first = next(&mut inner, "comparison")?;
    match first.as_rule() {
        Rule::prop_test_paren => {
            let content = significant(first.into_inner())
                .next()
                .ok_or(Malformed("parenthesised comparison"))?;
            Ok(ComparisonExpr::Group(Box::new(comparison_expression(
                content,
            )?)))
        }
        Rule::prop_test_exists => {
            let mut negated = false;
            let mut path = None;
            for p in first.into_inner() {
                match p.as_rule() {
                    Rule::NOT => negated = true,
                    Rule::object_path => path = Some(p),
                    _ => {}
                }
            }
            let path = path.ok_or(Malformed("EXISTS without path"))?;
            let value_span = span_of(&path);
            Ok(ComparisonExpr::Comparison(Comparison {
                path: object_path(path)?,
                negated,
                test: Test::Exists,
                span,
                value_span,
            }))
        }
        Rule::object_path => {
            let path = object_path(first)?;
            let mut op = next(&mut inner, "comparison operator")?;
            let negated = op.as_rule() == Rule::NOT;
            if negated {
                op = next(&mut inner, "comparison operator")?;
            }
            let (test, value_span) = operation(op)?;
            Ok(ComparisonExpr::Comparison(Comparison {
                path,
                negated,
                test,
                span,
                value_span,
            }))
        }
        _ => Err(Malformed("comparison")),
    }
}

/// `prop_test_operation`: the operator and its operand.
fn operation(pair: Pair<'_, Rule>) -> Built<(Test, Span)> {
    let op = pair
        .into_inner()
        .next()
        .ok_or(Malformed("comparison operator"))?;
    let rule = op.as_rule();
    let mut parts = op.into_inner();
    let symbol = next(&mut parts, "operator")?;
    let operand = next(&mut parts, "operand")?;
    let value_span = span_of(&operand);
    let test = match rule {
        Rule::prop_test_equal | Rule::prop_test_order => {
            let lit = literal(operand)?;
            match symbol.as_rule() {
                Rule::EQ => Test::Equal(lit),
                Rule::NEQ => Test::NotEqual(lit),
                Rule::GT => Test::Greater(lit),
                Rule::LT => Test::Less(lit),
                Rule::GE => Test::GreaterOrEqual(lit),
                Rule::LE => Test::LessOrEqual(lit),
                _ => return Err(Malformed("operator")),
            }
        }
        Rule::prop_test_set => {
            let mut items = Vec::new();
            for item in significant(operand.into_inner()) {
                items.push(literal(item)?);
            }
            Test::In(items)
        }
        Rule::prop_test_like => Test::Like(unescape(operand.as_str())),
        Rule::prop_test_regex => Test::Matches(unescape(operand.as_str())),
        Rule::prop_test_is_subset => Test::IsSubset(unescape(operand.as_str())),
        Rule::prop_test_is_superset => Test::IsSuperset(unescape(operand.as_str())),
        _ => return Err(Malformed("comparison operator")),
    };
    Ok((test, value_span))
}

fn object_path(pair: Pair<'_, Rule>) -> Built<ObjectPath> {
    let span = span_of(&pair);
    let mut parts = significant(pair.into_inner());
    let object_type = parts.next().ok_or(Malformed("object type"))?;
    let first = parts.next().ok_or(Malformed("first path component"))?;
    let mut steps = Vec::new();
    for step in parts {
        let rule = step.as_rule();
        let value = significant(step.into_inner())
            .next()
            .ok_or(Malformed("path step"))?;
        steps.push(match (rule, value.as_rule()) {
            (Rule::key_path_step, _) => PathStep::Key(name(&value)),
            (Rule::index_path_step, Rule::ASTERISK) => PathStep::AnyIndex,
            (Rule::index_path_step, _) => PathStep::Index(Number::new(value.as_str())),
            _ => return Err(Malformed("path step")),
        });
    }
    let first = first
        .into_inner()
        .next()
        .ok_or(Malformed("first path component"))?;
    Ok(ObjectPath {
        object_type: object_type.as_str().into(),
        first: name(&first),
        steps,
        span,
    })
}

/// A property name: an identifier as is, a string literal unescaped.
fn name(pair: &Pair<'_, Rule>) -> Box<str> {
    if pair.as_rule() == Rule::string_literal {
        unescape(pair.as_str())
    } else {
        pair.as_str().into()
    }
}

/// Unescapes a grammar-valid string literal (quotes included): only `\'` and `\\` exist.
pub(crate) fn unescape(quoted: &str) -> Box<str> {
    let body = quoted
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or(quoted);
    if !body.contains('\\') {
        return body.into();
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Text between `x'` and the closing `'` of a prefixed literal.
fn prefixed_body(text: &str) -> &str {
    text.get(2..text.len().saturating_sub(1)).unwrap_or("")
}

fn timestamp(text: &str) -> Built<Timestamp> {
    Ok(Timestamp::from_text(prefixed_body(text)))
}

/// A `primitive_literal` / `orderable_literal` (wrappers) or a literal token itself.
fn literal(pair: Pair<'_, Rule>) -> Built<Literal> {
    let mut pair = pair;
    while matches!(
        pair.as_rule(),
        Rule::primitive_literal | Rule::orderable_literal
    ) {
        pair = pair.into_inner().next().ok_or(Malformed("literal"))?;
    }
    let text = pair.as_str();
    Ok(match pair.as_rule() {
        Rule::int_pos_literal | Rule::int_neg_literal => Literal::Int(Number::new(text)),
        Rule::float_pos_literal | Rule::float_neg_literal => Literal::Float(Number::new(text)),
        Rule::string_literal => Literal::String(unescape(text)),
        Rule::bool_literal => Literal::Bool(text == "true"),
        Rule::timestamp_literal => Literal::Timestamp(timestamp(text)?),
        Rule::hex_literal => Literal::Hex(decode_hex(prefixed_body(text))?.into()),
        Rule::binary_literal => Literal::Binary(
            BASE64
                .decode(prefixed_body(text))
                .map_err(|_| Malformed("base64"))?
                .into(),
        ),
        _ => return Err(Malformed("literal")),
    })
}

fn decode_hex(digits: &str) -> Built<Vec<u8>> {
    fn nibble(b: u8) -> Built<u8> {
        match b {
            b'0'..=b'9' => Ok(b - b'0'),
            b'a'..=b'f' => Ok(b - b'a' + 10),
            b'A'..=b'F' => Ok(b - b'A' + 10),
            _ => Err(Malformed("hex digit")),
        }
    }
    digits
        .as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Ok(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => Err(Malformed("odd hex")),
        })
        .collect()
}
