//! STIX patterns: parsing and checking never panic; the fast path and the pest grammar build
//! the same tree (spans included) whenever the fast path accepts; a parsed pattern prints to
//! text that parses back to the same tree and prints identically; a parse error is reported by
//! `validate` and `check_syntax` as an error at a 1-based position.

#![no_main]

use libfuzzer_sys::fuzz_target;
use stix::pattern::{check_syntax, parse, parse_fast_path, parse_with_grammar, validate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let grammar = parse_with_grammar(text);
    if let Some(quick) = parse_fast_path(text) {
        match &grammar {
            Ok(full) => assert_eq!(format!("{quick:?}"), format!("{full:?}"), "{text:?}"),
            Err(e) => panic!("fast path accepted {text:?}, grammar says {e}"),
        }
    }
    let syntax = check_syntax(text);
    let all = validate(text);
    for f in syntax.iter().chain(&all) {
        assert!(f.line >= 1 && f.column >= 1, "{f}");
    }
    match grammar {
        Ok(pattern) => {
            let printed = pattern.to_string();
            let again = parse(&printed)
                .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?} does not parse: {e}"));
            assert_eq!(again, pattern, "{text:?} printed as {printed:?}");
            assert_eq!(again.to_string(), printed);
            // Everything check_syntax reports, validate reports too.
            for f in &syntax {
                assert!(all.contains(f), "{text:?}: {f} missing from validate");
            }
        }
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1);
            assert_eq!(syntax, vec![e.to_finding()]);
            assert_eq!(all, vec![e.to_finding()]);
        }
    }
});
