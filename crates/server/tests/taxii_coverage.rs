//! Coverage of the TAXII checklist (docs: conformance-checklist.md Part 1, T-1 ... T-96) by the
//! HTTP integration tests in `crates/server/tests/taxii_*.rs`.
//!
//! One row per T-id: the tests that cover it (`file::test`), or "not applicable" with the
//! reason; the last column is a note (D = a design decision from DESIGN.md or the checklist).
//! The test below reads this table and the test files at test time and fails when a row is
//! missing, a named test does not exist or does not name its T-id (in its name or the comment
//! above it), or a test names a T-id without being listed in that row: the table cannot rot.
//!
//! | T-id | covered by | note |
//! |---|---|---|
//! | T-1 | taxii_transport::t1_t2_https_with_tls12_and_tls13, taxii_transport::t1_plain_http_and_missing_certificates_are_refused_off_loopback | HTTPS with the generated development certificate; plain HTTP only on loopback (D) |
//! | T-2 | taxii_transport::t1_t2_https_with_tls12_and_tls13 | reqwest + rustls clients restricted to TLS 1.2 and to TLS 1.3; negotiated version checked on a raw rustls connection |
//! | T-3 | taxii_transport::t3_no_tls13_early_data_on_resumption | TLS 1.3 resumption with early data enabled on the client: resumed, no 0-RTT offered or accepted |
//! | T-4 | taxii_transport::t4_blacklisted_tls12_cipher_suites_are_refused | hand-built TLS 1.2 ClientHellos offering only RFC 7540 App. A suites get a fatal alert; an ECDHE-GCM control gets a ServerHello |
//! | T-5 | taxii_auth::t5_basic_auth_with_case_insensitive_scheme | |
//! | T-6 | taxii_auth::t6_bearer_tokens_with_case_insensitive_scheme | token-only account has no Basic login; switching authentication off entirely is not offered (optional) |
//! | T-7 | taxii_auth::t7_bad_credentials_get_401_with_challenge | |
//! | T-8 | taxii_auth::t8_every_endpoint_requires_authentication, taxii_collections::t55_collections_status_codes | every endpoint answers 401 (not 404) before revealing existence; the one exception is a collection provisioned `public = true`, whose read endpoints serve TLP:CLEAR objects without credentials (access_http::anonymous_readers_see_clear_objects_of_public_collections_only) |
//! | T-9 | taxii_collections::t53_t54_t9_permissions_per_requester | collections without a grant are omitted from the list; objects a reader may not see are omitted from every read endpoint with exact paging (access_scenarios.rs, docs/access-model.md) |
//! | T-10 | not applicable | client-certificate authentication is not implemented (optional); the TLS config requests no client certificate |
//! | T-11 | taxii_transport::t11_no_user_agent_needed | |
//! | T-12 | taxii_transport::t12_no_cors_and_origin_does_not_bypass_auth | D: no CORS headers, an Origin never bypasses authentication |
//! | T-13 | taxii_media::t13_t16_t18_taxii_accept_variants_are_accepted | |
//! | T-14 | taxii_media::t14_every_response_has_the_taxii_content_type | |
//! | T-15 | taxii_media::t15_missing_or_wildcard_accept_is_served | |
//! | T-16 | taxii_media::t13_t16_t18_taxii_accept_variants_are_accepted | includes several Accept header lines (RFC 9110 5.3) |
//! | T-17 | taxii_media::t17_other_versions_and_types_are_406 | D (as medallion): version=2.0/2.2 and non-TAXII types are 406 |
//! | T-18 | taxii_media::t13_t16_t18_taxii_accept_variants_are_accepted | |
//! | T-19 | taxii_media::t19_post_content_type | D: 415 for anything but application/taxii+json[;version=2.1] |
//! | T-20 | taxii_media::t20_stix_media_type_in_accept_answers_taxii | |
//! | T-21 | taxii_media::t21_i_json_requests | duplicate top-level names refused (422); duplicates / out-of-range integers inside an object fail that object |
//! | T-22 | taxii_errors::t22_endpoint_table_and_methods | D: 405 with Allow header and TAXII error body; channels answer 404 |
//! | T-23 | taxii_errors::t23_paths_with_and_without_trailing_slash | interop contract 4 (DESIGN.md wins over the checklist D): both forms served for GET, POST, DELETE |
//! | T-24 | taxii_errors::t24_t26_t27_resource_shapes | |
//! | T-25 | taxii_errors::t25_t33_t34_error_resource | |
//! | T-26 | taxii_errors::t24_t26_t27_resource_shapes | |
//! | T-27 | taxii_errors::t24_t26_t27_resource_shapes | |
//! | T-28 | taxii_errors::t28_identifiers_are_uuid_v4 | |
//! | T-29 | taxii_errors::t29_timestamps_have_microsecond_precision | |
//! | T-30 | taxii_errors::t30_integers_and_booleans | |
//! | T-31 | taxii_errors::t31_sorted_by_date_added, taxii_objects::t93_object_and_versions_headers_match_the_page | |
//! | T-32 | taxii_collections::t32_stable_collection_order | |
//! | T-33 | taxii_errors::t25_t33_t34_error_resource | |
//! | T-34 | taxii_errors::t25_t33_t34_error_resource | |
//! | T-35 | taxii_errors::t35_invisible_is_indistinguishable_from_absent | hidden collection/root/status bodies are byte-identical to unknown ones |
//! | T-36 | taxii_discovery::t36_t37_t38_discovery_resource | |
//! | T-37 | taxii_discovery::t36_t37_t38_discovery_resource | |
//! | T-38 | taxii_discovery::t36_t37_t38_discovery_resource | |
//! | T-39 | taxii_discovery::t39_api_roots_are_absolute_and_filtered_per_client | also: forged X-Forwarded-* headers never yield a non-http(s) URL, a query or a fragment |
//! | T-40 | taxii_discovery::t40_discovery_status_codes | |
//! | T-41 | not applicable | DNS SRV records are published by the operator in DNS, not served by Schakel |
//! | T-42 | taxii_discovery::t42_t43_api_root_resource | |
//! | T-43 | taxii_discovery::t42_t43_api_root_resource | |
//! | T-44 | taxii_discovery::t44_413_above_max_content_length_never_below | bodies of max-1 and max octets accepted, max+1 refused, with Content-Length and chunked |
//! | T-45 | taxii_discovery::t45_api_root_status_codes | |
//! | T-46 | taxii_status::t46_t51_status_visibility_and_codes, taxii_status::t46_an_expired_status_is_gone | kept after later requests; expired by a sweep after `status_retention_secs` (default 7 days; the 24 h lower bound is a default, not time-tested), then 404 |
//! | T-47 | taxii_status::t47_t48_t49_t50_status_resource | |
//! | T-48 | taxii_status::t47_t48_t49_t50_status_resource | |
//! | T-49 | taxii_status::t47_t48_t49_t50_status_resource | |
//! | T-50 | taxii_status::t47_t48_t49_t50_status_resource | the server only ever reports complete (processing is synchronous) |
//! | T-51 | taxii_status::t46_t51_status_visibility_and_codes | |
//! | T-52 | taxii_collections::t52_no_collections_is_an_empty_object | |
//! | T-53 | taxii_collections::t53_t54_t9_permissions_per_requester | |
//! | T-54 | taxii_collections::t53_t54_t9_permissions_per_requester | |
//! | T-55 | taxii_collections::t55_collections_status_codes | |
//! | T-56 | taxii_collections::t56_lookup_by_id_or_alias | D: alias lookup; ids in any hex case |
//! | T-57 | taxii_objects::t57_t62_manifest_and_objects_agree_for_every_filter | |
//! | T-58 | taxii_objects::t58_t63_t73_t81_write_only_readers_get_403 | |
//! | T-59 | taxii_objects::t59_t60_manifest_records | |
//! | T-60 | taxii_filters::t89_match_spec_version, taxii_objects::t59_t60_manifest_records, taxii_objects::t60_manifest_media_type_is_one_of_the_collections | also with STIX 2.0 content stored directly (import path) and a provisioned media_types list |
//! | T-61 | taxii_objects::t61_t65_t74_t82_read_endpoint_status_codes | |
//! | T-62 | taxii_objects::t57_t62_manifest_and_objects_agree_for_every_filter | |
//! | T-63 | taxii_objects::t58_t63_t73_t81_write_only_readers_get_403 | |
//! | T-64 | taxii_objects::t64_envelope_and_empty_envelope | |
//! | T-65 | taxii_objects::t61_t65_t74_t82_read_endpoint_status_codes | |
//! | T-66 | taxii_post::t66_write_permission | |
//! | T-67 | taxii_post::t67_t70_request_level_errors_and_bundles | D decided by the interop work: a bundle with objects is read as an envelope (stix2 TAXIICollectionSink posts bundles); an empty one is 422 |
//! | T-68 | taxii_post::t68_202_with_status_resource, taxii_status::t47_t48_t49_t50_status_resource | |
//! | T-69 | taxii_post::t69_exact_duplicates_are_successes | byte-equal and JSON-equal (reordered, re-spaced) duplicates |
//! | T-70 | taxii_discovery::t44_413_above_max_content_length_never_below, taxii_post::t67_t70_request_level_errors_and_bundles, taxii_post::t70_per_object_failures_keep_the_valid_objects | |
//! | T-71 | taxii_post::t71_date_added_is_assigned_by_the_server | |
//! | T-72 | taxii_objects::t72_t73_get_one_object | |
//! | T-73 | taxii_objects::t58_t63_t73_t81_write_only_readers_get_403, taxii_objects::t72_t73_get_one_object | |
//! | T-74 | taxii_objects::t61_t65_t74_t82_read_endpoint_status_codes | |
//! | T-75 | taxii_delete::t75_t77_t78_default_deletes_every_version, taxii_delete::t75_match_version_deletes_only_the_selected_versions, taxii_delete::t75_t78_filters_that_select_nothing_are_404, taxii_delete::t75_both_readings_with_out_of_order_versions | D: no match[version] deletes every version; match[version]=last (medallion's reading) tested too; a filter that selects nothing is 404 (as medallion) |
//! | T-76 | taxii_delete::t76_t79_permission_matrix | |
//! | T-77 | taxii_delete::t75_t77_t78_default_deletes_every_version | |
//! | T-78 | taxii_delete::t75_t77_t78_default_deletes_every_version, taxii_delete::t75_t78_filters_that_select_nothing_are_404 | |
//! | T-79 | taxii_delete::t76_t79_permission_matrix, taxii_delete::t75_t78_filters_that_select_nothing_are_404, taxii_delete::t79_delete_error_codes | |
//! | T-80 | taxii_objects::t59_t60_manifest_records, taxii_objects::t80_t81_versions | |
//! | T-81 | taxii_objects::t58_t63_t73_t81_write_only_readers_get_403, taxii_objects::t80_t81_versions | |
//! | T-82 | taxii_objects::t61_t65_t74_t82_read_endpoint_status_codes | |
//! | T-83 | taxii_filters::t83_malformed_or_repeated_parameters_are_400 | |
//! | T-84 | taxii_concurrency::t94_concurrent_writers_and_pagers_see_every_version_once, taxii_filters::t84_added_after_is_strictly_after | |
//! | T-85 | taxii_filters::t85_limit_and_server_page_sizes | |
//! | T-86 | taxii_filters::t83_malformed_or_repeated_parameters_are_400, taxii_filters::t86_match_fields_and_values | |
//! | T-87 | taxii_filters::t87_match_id_and_type | |
//! | T-88 | taxii_filters::t88_match_version | |
//! | T-89 | taxii_filters::t89_match_spec_version | 2.0 content stored directly through the store (POST validates STIX 2.1 only) |
//! | T-90 | taxii_filters::t90_order_of_evaluation | D: id/type/spec_version/added_after, then match[version], then date_added order, then the page cut |
//! | T-91 | taxii_paging::t91_t92_next_alone_pages_through_everything | |
//! | T-92 | taxii_concurrency::t94_concurrent_writers_and_pagers_see_every_version_once, taxii_paging::t91_t92_next_alone_pages_through_everything, taxii_paging::t92_follow_up_after_deletions_may_be_empty | |
//! | T-93 | taxii_concurrency::t94_concurrent_writers_and_pagers_see_every_version_once, taxii_objects::t93_object_and_versions_headers_match_the_page, taxii_paging::t93_date_added_headers_on_every_page, taxii_paging::t93_empty_pages_echo_added_after_or_omit_the_headers | D (DESIGN.md 5.2): empty page asked with added_after echoes it (normalised), else no headers |
//! | T-94 | taxii_concurrency::t94_concurrent_writers_and_pagers_see_every_version_once, taxii_paging::t94_added_after_paging_with_the_last_header | plus the concurrent writers/readers property test (4 seeds) |
//! | T-95 | taxii_paging::t95_next_cannot_be_forged_or_moved | HMAC-sealed cursor: forged, truncated, foreign-key, cross-collection/endpoint/object and contradicting-filter tokens are 400; authorization re-applied per page |
//! | T-96 | taxii_post::t96_unknown_properties_in_requests_are_ignored | unknown envelope properties and query parameters ignored |
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed assumption fails the test"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The test functions of one file: name -> the T-ids its name and the comment block right
/// above it mention.
fn tests_in(text: &str) -> BTreeMap<String, BTreeSet<u32>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(rest) = t
            .strip_prefix("async fn ")
            .or_else(|| t.strip_prefix("fn "))
        else {
            continue;
        };
        let Some(name) = rest.split('(').next().filter(|n| !n.is_empty()) else {
            continue;
        };
        let mut block = vec![*line];
        let mut j = i;
        while j > 0
            && (lines[j - 1].trim_start().starts_with("//")
                || lines[j - 1].trim_start().starts_with("#["))
        {
            j -= 1;
            block.push(lines[j]);
        }
        if !block
            .iter()
            .any(|b| b.contains("#[tokio::test") || b.trim() == "#[test]")
        {
            continue;
        }
        let mut ids = t_ids(&block.join("\n"));
        for part in name.split('_') {
            if let Some(n) = part.strip_prefix('t').and_then(|d| d.parse::<u32>().ok()) {
                ids.insert(n);
            }
        }
        out.insert(name.to_owned(), ids);
    }
    out
}

/// Every `T-<n>` in `text` (not followed by another digit).
fn t_ids(text: &str) -> BTreeSet<u32> {
    let mut out = BTreeSet::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i + 2 < b.len() {
        if b[i] == b'T' && b[i + 1] == b'-' && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let digits: String = text[i + 2..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(n) = digits.parse() {
                out.insert(n);
            }
        }
        i += 1;
    }
    out
}

fn test_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

#[test]
fn every_checklist_item_is_covered_or_not_applicable() {
    let dir = test_dir();
    let this = std::fs::read_to_string(dir.join("taxii_coverage.rs")).unwrap();
    // The table.
    // T-id -> ((file, test) pairs, not-applicable reason).
    type Row = (Vec<(String, String)>, Option<String>);
    let mut rows: BTreeMap<u32, Row> = BTreeMap::new();
    for line in this
        .lines()
        .filter(|l| l.starts_with("//! | T-") && !l.starts_with("//! | T-id"))
    {
        let cells: Vec<&str> = line
            .trim_start_matches("//!")
            .split('|')
            .map(str::trim)
            .collect();
        let n: u32 = cells[1]
            .trim_start_matches("T-")
            .parse()
            .unwrap_or_else(|_| panic!("bad row: {line}"));
        let entry = if cells[2] == "not applicable" {
            assert!(
                cells.get(3).is_some_and(|r| r.len() > 10),
                "T-{n}: not applicable needs a reason"
            );
            (Vec::new(), Some(cells[3].to_owned()))
        } else {
            let tests = cells[2]
                .split(',')
                .map(|t| {
                    let (file, name) = t
                        .trim()
                        .split_once("::")
                        .unwrap_or_else(|| panic!("T-{n}: '{t}' is not file::test"));
                    (file.to_owned(), name.to_owned())
                })
                .collect();
            (tests, None)
        };
        assert!(rows.insert(n, entry).is_none(), "T-{n} has two rows");
    }
    let want: Vec<u32> = (1..=96).collect();
    assert_eq!(
        rows.keys().copied().collect::<Vec<_>>(),
        want,
        "one row for each of T-1 ... T-96"
    );

    // The test files.
    let mut files: BTreeMap<String, (String, BTreeMap<String, BTreeSet<u32>>)> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name.starts_with("taxii_")
            && name != "taxii_coverage"
            && path.extension().is_some_and(|e| e == "rs")
        {
            let text = std::fs::read_to_string(&path).unwrap();
            let tests = tests_in(&text);
            files.insert(name, (text, tests));
        }
    }
    assert!(files.len() >= 10, "test files found: {:?}", files.keys());

    // Every row's tests exist and name their T-id; every id appears in a file or is n/a.
    for (n, (tests, na)) in &rows {
        if na.is_some() {
            continue;
        }
        assert!(
            !tests.is_empty(),
            "T-{n}: no test and not marked not applicable"
        );
        for (file, name) in tests {
            let (_, found) = files
                .get(file)
                .unwrap_or_else(|| panic!("T-{n}: no file {file}.rs"));
            let ids = found
                .get(name)
                .unwrap_or_else(|| panic!("T-{n}: no test {file}::{name}"));
            assert!(
                ids.contains(n),
                "T-{n}: {file}::{name} does not name T-{n} in its name or comment"
            );
        }
        let mentioned = files.values().any(|(text, _)| t_ids(text).contains(n));
        assert!(mentioned, "T-{n} appears in no taxii_*.rs file");
    }

    // Every test that names a T-id is listed in that row (new tests must be added here).
    let listed: BTreeSet<(u32, String, String)> = rows
        .iter()
        .flat_map(|(n, (tests, _))| tests.iter().map(move |(f, t)| (*n, f.clone(), t.clone())))
        .collect();
    let mut unlisted = Vec::new();
    for (file, (_, tests)) in &files {
        for (name, ids) in tests {
            for n in ids {
                assert!(
                    (1..=96).contains(n),
                    "{file}::{name} names T-{n}, which does not exist"
                );
                if !listed.contains(&(*n, file.clone(), name.clone())) {
                    unlisted.push(format!("T-{n}: {file}::{name}"));
                }
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "tests missing from the coverage table:\n{}",
        unlisted.join("\n")
    );
}

#[test]
fn t_id_scanner() {
    assert_eq!(
        t_ids("T-1, T-10 and T-96; not XT-5; T-"),
        BTreeSet::from([1, 10, 96])
    );
    let text = "// T-3: x\n#[tokio::test]\nasync fn t1_t2_a() {}\n\nfn helper_t4() {}\n#[test]\nfn plain() {}\n";
    let tests = tests_in(text);
    assert_eq!(tests["t1_t2_a"], BTreeSet::from([1, 2, 3]));
    assert!(!tests.contains_key("helper_t4"));
    assert!(tests["plain"].is_empty());
}
