//! Integration tests of the ingest rules (`tlp::ingest::classify`, access-model-research.md 4.4
//! and 4.5): effective TLP, unknown markings, `require_tlp` and its exemptions, the collection
//! default, `tlp_ceiling`, TLP:RED and audience markings, the creator rule, the origin and the
//! refusal messages. Every expected value is written out by hand from the rules, not derived
//! from the implementation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tlp::ingest::{Existing, GranularMarking, Incoming, MarkingKind, Poster, Refusal, classify};
use tlp::{Classification, CollectionPolicy, Organisation, Role, Tlp, UnknownMarkings};

// The TLP 2.0 marking-definitions of the OASIS CTI TC (their real ids).
const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
/// PAP:GREEN (a marking the server understands that is not an access marking).
const PAP_GREEN: &str = "marking-definition--c43594d1-4b11-4c59-93ab-1c9b14d53ce9";
/// A statement marking.
const STATEMENT: &str = "marking-definition--0a8f6e2c-3b1d-4c5e-9f7a-1b2c3d4e5f60";
/// A marking-definition nobody registered.
const UNKNOWN: &str = "marking-definition--deadbeef-0000-4000-8000-000000000001";
const UNKNOWN_2: &str = "marking-definition--deadbeef-0000-4000-8000-000000000002";
/// Audience markings (each distribution list is its own marking-definition).
const AUDIENCE_1: &str = "marking-definition--f3324c47-57a6-4876-b6de-841482263cb0";
const AUDIENCE_2: &str = "marking-definition--a1b2c3d4-0000-4000-8000-00000000aa02";
const AUDIENCE_3: &str = "marking-definition--a1b2c3d4-0000-4000-8000-00000000aa03";

/// The posting organisation's STIX identity and the posting account's individual identity.
const NCSC_ORG: &str = "identity--11111111-1111-4111-8111-111111111111";
const NCSC_ANALYST: &str = "identity--11111111-2222-4111-8111-111111111112";
/// Identities of others.
const ZCERT_ORG: &str = "identity--22222222-2222-4222-8222-222222222222";
const DTC_ANALYST: &str = "identity--5c7e2f4a-8b3d-4e6f-9a1c-0d2e4f6a8b02";
const C2T_ORG: &str = "identity--33333333-3333-4333-8333-333333333333";
const COMPANY_B: &str = "identity--44444444-4444-4444-8444-444444444444";
const COMPANY_C: &str = "identity--55555555-5555-4555-8555-555555555555";
const COMPANY_D: &str = "identity--66666666-6666-4666-8666-666666666666";

const INDICATOR: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const MARKING_DEF: &str = "marking-definition--77777777-7777-4777-8777-777777777777";
const EXTENSION_DEF: &str = "extension-definition--f1e46ded-6a0e-4c87-9700-1728263cc8f8";

type Marking = (&'static str, MarkingKind);

fn tlp_marking(id: &'static str, t: Tlp) -> Marking {
    (id, MarkingKind::Tlp(t))
}

fn clear() -> Marking {
    tlp_marking(TLP_CLEAR, Tlp::Clear)
}
fn green() -> Marking {
    tlp_marking(TLP_GREEN, Tlp::Green)
}
fn amber() -> Marking {
    tlp_marking(TLP_AMBER, Tlp::Amber)
}
fn amber_strict() -> Marking {
    tlp_marking(TLP_AMBER_STRICT, Tlp::AmberStrict)
}
fn red() -> Marking {
    tlp_marking(TLP_RED, Tlp::Red)
}
fn pap() -> Marking {
    (PAP_GREEN, MarkingKind::NonAccess)
}
fn statement() -> Marking {
    (STATEMENT, MarkingKind::NonAccess)
}
fn unknown(id: &'static str) -> Marking {
    (id, MarkingKind::Unknown)
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

fn audience(id: &'static str, recipients: Option<&[&str]>, affected: &[&str]) -> Marking {
    (
        id,
        MarkingKind::Audience {
            recipients: recipients.map(strings),
            affected: strings(affected),
        },
    )
}

fn object(
    type_name: &'static str,
    id: &'static str,
    object_markings: Vec<Marking>,
    granular_markings: Vec<Marking>,
) -> Incoming<'static> {
    Incoming {
        type_name,
        id,
        created_by_ref: None,
        object_markings,
        // Every granular marking here covers `description`.
        granular_markings: granular_markings
            .into_iter()
            .map(|(id, kind)| GranularMarking {
                id,
                kind,
                selectors: vec!["description".into()],
            })
            .collect(),
        body: "{}",
    }
}

fn indicator(object_markings: Vec<Marking>) -> Incoming<'static> {
    object("indicator", INDICATOR, object_markings, vec![])
}

fn indicator_by(created_by: &'static str, object_markings: Vec<Marking>) -> Incoming<'static> {
    Incoming {
        created_by_ref: Some(created_by),
        ..indicator(object_markings)
    }
}

/// The posting organisation, `ncsc`, with its STIX identity provisioned.
fn ncsc() -> Organisation {
    Organisation {
        id: "ncsc".into(),
        identity: Some(NCSC_ORG.into()),
        role: Role::NationalCsirt,
        serves: vec![],
        sectors: vec![],
        ..Organisation::default()
    }
}

/// An organisation without a provisioned identity.
fn c2t_unprovisioned() -> Organisation {
    Organisation {
        id: "c2t".into(),
        identity: None,
        role: Role::LinkingOrg,
        serves: vec![],
        sectors: vec![],
        ..Organisation::default()
    }
}

/// Policy: default GREEN, `require_tlp` off, ceiling RED, reject unknown markings.
fn open() -> CollectionPolicy {
    CollectionPolicy::default()
}

fn strict() -> CollectionPolicy {
    CollectionPolicy {
        require_tlp: true,
        ..CollectionPolicy::default()
    }
}

/// Classifies as the NCSC analyst (org identity and account identity both set).
fn run(
    o: &Incoming<'_>,
    policy: &CollectionPolicy,
    existing: Existing<'_>,
) -> Result<Classification, Refusal> {
    let org = ncsc();
    let poster = Poster {
        org: &org,
        identity: Some(NCSC_ANALYST),
    };
    classify(o, policy, &poster, existing)
}

fn accepted(o: &Incoming<'_>, policy: &CollectionPolicy) -> Classification {
    match run(o, policy, Existing::New) {
        Ok(c) => c,
        Err(r) => panic!("expected {} to be accepted, refused: {r}", o.id),
    }
}

fn refused(o: &Incoming<'_>, policy: &CollectionPolicy) -> Refusal {
    match run(o, policy, Existing::New) {
        Ok(c) => panic!("expected {} to be refused, accepted as {c:?}", o.id),
        Err(r) => r,
    }
}

/// A classification with the given TLP, marked by the object itself, posted by `ncsc`.
fn marked(tlp: Tlp) -> Classification {
    Classification {
        tlp: Some(tlp),
        defaulted: false,
        quarantined: false,
        origin: Some("ncsc".into()),
        recipients: vec![],
        affected: vec![],
        ..Classification::default()
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------------
// Effective TLP
// ---------------------------------------------------------------------------------------------

#[test]
fn effective_tlp_is_the_most_restrictive_object_marking() {
    assert_eq!(
        accepted(&indicator(vec![green(), amber()]), &open()),
        marked(Tlp::Amber)
    );
    // Order does not matter.
    assert_eq!(
        accepted(&indicator(vec![amber(), green()]), &open()),
        marked(Tlp::Amber)
    );
    assert_eq!(
        accepted(&indicator(vec![amber_strict(), clear(), amber()]), &open()),
        marked(Tlp::AmberStrict)
    );
    assert_eq!(
        accepted(&indicator(vec![clear(), green()]), &open()),
        marked(Tlp::Green)
    );
}

#[test]
fn a_single_tlp_marking_is_the_effective_tlp() {
    assert_eq!(
        accepted(&indicator(vec![clear()]), &open()),
        marked(Tlp::Clear)
    );
    assert_eq!(
        accepted(&indicator(vec![green()]), &open()),
        marked(Tlp::Green)
    );
    assert_eq!(
        accepted(&indicator(vec![amber()]), &open()),
        marked(Tlp::Amber)
    );
    assert_eq!(
        accepted(&indicator(vec![amber_strict()]), &open()),
        marked(Tlp::AmberStrict)
    );
}

/// `marked(object)` with one zone over `description` at `part`.
fn zoned(object: Tlp, part: Tlp) -> Classification {
    Classification {
        zones: vec![tlp::Zone {
            selector: "description".into(),
            tlp: Some(part),
            recipients: vec![],
            pii: tlp::PiiClass::None,
        }],
        review: true,
        ..marked(object)
    }
}

#[test]
fn granular_tlp_more_restrictive_than_the_object_restricts_only_its_part() {
    // Issue 5: a property's level is the strictest of the object marking and the granular
    // markings covering it; the rest of the object keeps the object's level.
    let o = object("indicator", INDICATOR, vec![green()], vec![amber_strict()]);
    assert_eq!(accepted(&o, &open()), zoned(Tlp::Green, Tlp::AmberStrict));
}

#[test]
fn granular_tlp_less_restrictive_than_the_object_does_not_lower_it() {
    let o = object("indicator", INDICATOR, vec![amber()], vec![clear()]);
    assert_eq!(accepted(&o, &open()), marked(Tlp::Amber));
}

#[test]
fn granular_tlp_alone_marks_the_object() {
    let o = object("indicator", INDICATOR, vec![], vec![amber()]);
    assert_eq!(accepted(&o, &open()), marked(Tlp::Amber));
}

#[test]
fn several_granular_tlp_markings_take_the_most_restrictive() {
    let o = object(
        "indicator",
        INDICATOR,
        vec![clear()],
        vec![green(), amber_strict(), amber()],
    );
    assert_eq!(accepted(&o, &open()), zoned(Tlp::Clear, Tlp::AmberStrict));
}

#[test]
fn non_access_markings_are_ignored_beside_a_tlp_marking() {
    assert_eq!(
        accepted(&indicator(vec![pap(), amber(), statement()]), &open()),
        marked(Tlp::Amber)
    );
    let o = object("indicator", INDICATOR, vec![green()], vec![pap()]);
    assert_eq!(accepted(&o, &open()), marked(Tlp::Green));
}

#[test]
fn non_access_markings_alone_leave_the_object_unmarked() {
    // Defaulted to the collection default, exactly as if unmarked.
    let policy = CollectionPolicy {
        default_tlp: Some(Tlp::Amber),
        ..open()
    };
    assert_eq!(
        accepted(&indicator(vec![pap(), statement()]), &policy),
        Classification {
            tlp: Some(Tlp::Amber),
            defaulted: true,
            quarantined: false,
            origin: Some("ncsc".into()),
            recipients: vec![],
            affected: vec![],
            ..Classification::default()
        }
    );
}

#[test]
fn non_access_markings_do_not_satisfy_require_tlp() {
    assert_eq!(
        refused(&indicator(vec![pap(), statement()]), &strict()),
        Refusal::Unmarked
    );
}

// ---------------------------------------------------------------------------------------------
// Unknown markings
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_object_marking_is_rejected_naming_it() {
    assert_eq!(
        refused(&indicator(vec![unknown(UNKNOWN)]), &open()),
        Refusal::UnknownMarking(UNKNOWN.into())
    );
}

#[test]
fn unknown_marking_is_rejected_even_beside_a_tlp_marking() {
    assert_eq!(
        refused(&indicator(vec![green(), unknown(UNKNOWN)]), &open()),
        Refusal::UnknownMarking(UNKNOWN.into())
    );
    assert_eq!(
        refused(&indicator(vec![unknown(UNKNOWN), amber()]), &open()),
        Refusal::UnknownMarking(UNKNOWN.into())
    );
}

#[test]
fn unknown_granular_marking_is_rejected_naming_it() {
    let o = object(
        "indicator",
        INDICATOR,
        vec![green()],
        vec![unknown(UNKNOWN_2)],
    );
    assert_eq!(
        refused(&o, &open()),
        Refusal::UnknownMarking(UNKNOWN_2.into())
    );
}

#[test]
fn reject_is_the_default_unknown_marking_policy() {
    assert_eq!(
        CollectionPolicy::default().unknown_markings,
        UnknownMarkings::Reject
    );
}

#[test]
fn unknown_marking_is_quarantined_with_the_tlp_of_the_known_markings() {
    let policy = CollectionPolicy {
        unknown_markings: UnknownMarkings::Quarantine,
        ..open()
    };
    assert_eq!(
        accepted(&indicator(vec![amber(), unknown(UNKNOWN)]), &policy),
        Classification {
            tlp: Some(Tlp::Amber),
            defaulted: false,
            quarantined: true,
            origin: Some("ncsc".into()),
            recipients: vec![],
            affected: vec![],
            ..Classification::default()
        }
    );
    // Granular unknown marking, granular known TLP above the object's.
    let o = object(
        "indicator",
        INDICATOR,
        vec![green(), unknown(UNKNOWN)],
        vec![amber_strict(), unknown(UNKNOWN_2)],
    );
    assert_eq!(
        accepted(&o, &policy),
        Classification {
            quarantined: true,
            ..zoned(Tlp::Green, Tlp::AmberStrict)
        }
    );
}

#[test]
fn quarantined_object_without_a_known_tlp_gets_the_collection_default() {
    let policy = CollectionPolicy {
        unknown_markings: UnknownMarkings::Quarantine,
        default_tlp: Some(Tlp::Amber),
        ..open()
    };
    assert_eq!(
        accepted(&indicator(vec![unknown(UNKNOWN)]), &policy),
        Classification {
            tlp: Some(Tlp::Amber),
            defaulted: true,
            quarantined: true,
            origin: Some("ncsc".into()),
            recipients: vec![],
            affected: vec![],
            ..Classification::default()
        }
    );
}

#[test]
fn quarantine_does_not_bypass_the_other_rules() {
    let policy = CollectionPolicy {
        unknown_markings: UnknownMarkings::Quarantine,
        require_tlp: true,
        tlp_ceiling: Tlp::Amber,
        ..open()
    };
    // An unknown marking is no TLP marking.
    assert_eq!(
        refused(&indicator(vec![unknown(UNKNOWN)]), &policy),
        Refusal::Unmarked
    );
    assert_eq!(
        refused(&indicator(vec![unknown(UNKNOWN), amber_strict()]), &policy),
        Refusal::AboveCeiling {
            tlp: Tlp::AmberStrict,
            ceiling: Tlp::Amber
        }
    );
}

#[test]
fn known_markings_are_not_quarantined() {
    let policy = CollectionPolicy {
        unknown_markings: UnknownMarkings::Quarantine,
        ..open()
    };
    assert_eq!(
        accepted(&indicator(vec![green(), pap()]), &policy),
        marked(Tlp::Green)
    );
}

// ---------------------------------------------------------------------------------------------
// require_tlp and its exemptions
// ---------------------------------------------------------------------------------------------

#[test]
fn require_tlp_refuses_an_unmarked_indicator() {
    assert_eq!(refused(&indicator(vec![]), &strict()), Refusal::Unmarked);
    // Even when the collection has a default to give it.
    let policy = CollectionPolicy {
        default_tlp: Some(Tlp::Amber),
        ..strict()
    };
    assert_eq!(refused(&indicator(vec![]), &policy), Refusal::Unmarked);
}

#[test]
fn require_tlp_refuses_other_unmarked_object_types() {
    for (type_name, id) in [
        ("malware", "malware--31b940d4-6f7f-459a-80ea-9c1f17b58abc"),
        (
            "relationship",
            "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
        ),
        (
            "ipv4-addr",
            "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
        ),
        ("report", "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3"),
    ] {
        assert_eq!(
            refused(&object(type_name, id, vec![], vec![]), &strict()),
            Refusal::Unmarked,
            "{type_name}"
        );
    }
}

#[test]
fn require_tlp_accepts_a_marked_indicator() {
    assert_eq!(
        accepted(&indicator(vec![green()]), &strict()),
        marked(Tlp::Green)
    );
}

/// A classification whose TLP came from the collection (default or the exemption's GREEN).
fn defaulted_to(tlp: Tlp) -> Classification {
    Classification {
        tlp: Some(tlp),
        defaulted: true,
        quarantined: false,
        origin: Some("ncsc".into()),
        recipients: vec![],
        affected: vec![],
        ..Classification::default()
    }
}

/// Marking and extension definitions are exempt from `require_tlp`: they get the collection
/// default, or GREEN without one.
#[test]
fn definitions_are_exempt_and_get_the_default_or_green() {
    for (type_name, id) in [
        ("marking-definition", MARKING_DEF),
        ("extension-definition", EXTENSION_DEF),
    ] {
        for (default, expected) in [
            (Some(Tlp::Clear), Tlp::Clear),
            (Some(Tlp::Amber), Tlp::Amber),
            (None, Tlp::Green),
        ] {
            let policy = CollectionPolicy {
                default_tlp: default,
                ..strict()
            };
            let o = object(type_name, id, vec![], vec![]);
            assert_eq!(
                accepted(&o, &policy),
                defaulted_to(expected),
                "{type_name}, default {default:?}"
            );
        }
    }
}

#[test]
fn the_poster_organisations_own_identity_is_exempt() {
    let o = object("identity", NCSC_ORG, vec![], vec![]);
    let with_default = CollectionPolicy {
        default_tlp: Some(Tlp::Clear),
        ..strict()
    };
    assert_eq!(accepted(&o, &with_default), defaulted_to(Tlp::Clear));
    let without_default = CollectionPolicy {
        default_tlp: None,
        ..strict()
    };
    assert_eq!(accepted(&o, &without_default), defaulted_to(Tlp::Green));
}

#[test]
fn the_posting_accounts_own_identity_is_exempt() {
    let o = object("identity", NCSC_ANALYST, vec![], vec![]);
    let with_default = CollectionPolicy {
        default_tlp: Some(Tlp::Green),
        ..strict()
    };
    assert_eq!(accepted(&o, &with_default), defaulted_to(Tlp::Green));
    let without_default = CollectionPolicy {
        default_tlp: None,
        ..strict()
    };
    assert_eq!(accepted(&o, &without_default), defaulted_to(Tlp::Green));
}

#[test]
fn another_identity_is_not_exempt() {
    for other in [ZCERT_ORG, DTC_ANALYST, COMPANY_B] {
        let o = object("identity", other, vec![], vec![]);
        assert_eq!(refused(&o, &strict()), Refusal::Unmarked, "{other}");
    }
}

#[test]
fn identity_exemption_needs_a_matching_identity_on_the_poster() {
    // An organisation without a provisioned identity and an account without one: no identity
    // object is the poster's own.
    let org = c2t_unprovisioned();
    let poster = Poster {
        org: &org,
        identity: None,
    };
    let o = object("identity", C2T_ORG, vec![], vec![]);
    assert_eq!(
        classify(&o, &strict(), &poster, Existing::New),
        Err(Refusal::Unmarked)
    );
}

#[test]
fn only_the_exact_types_are_exempt() {
    // The exemption is by type: an unmarked indicator whose id is the poster's identity string
    // would be malformed STIX, but it must not ride on the identity exemption either.
    let o = object("indicator", NCSC_ORG, vec![], vec![]);
    assert_eq!(refused(&o, &strict()), Refusal::Unmarked);
    let o = object("marking-definition-x", MARKING_DEF, vec![], vec![]);
    assert_eq!(refused(&o, &strict()), Refusal::Unmarked);
}

#[test]
fn exempt_objects_with_a_tlp_marking_keep_it() {
    let policy = CollectionPolicy {
        default_tlp: Some(Tlp::Amber),
        ..strict()
    };
    let o = object("marking-definition", MARKING_DEF, vec![clear()], vec![]);
    assert_eq!(accepted(&o, &policy), marked(Tlp::Clear));
    let o = object("identity", NCSC_ORG, vec![green()], vec![]);
    assert_eq!(accepted(&o, &policy), marked(Tlp::Green));
}

// ---------------------------------------------------------------------------------------------
// require_tlp = false: the collection default
// ---------------------------------------------------------------------------------------------

#[test]
fn unmarked_object_gets_the_default_and_is_recorded_as_defaulted() {
    for default in [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict] {
        let policy = CollectionPolicy {
            default_tlp: Some(default),
            require_tlp: false,
            ..open()
        };
        assert_eq!(
            accepted(&indicator(vec![]), &policy),
            Classification {
                tlp: Some(default),
                defaulted: true,
                quarantined: false,
                origin: Some("ncsc".into()),
                recipients: vec![],
                affected: vec![],
                ..Classification::default()
            },
            "default {default}"
        );
    }
}

#[test]
fn unmarked_object_without_a_default_stays_unmarked() {
    let policy = CollectionPolicy {
        default_tlp: None,
        require_tlp: false,
        ..open()
    };
    assert_eq!(
        accepted(&indicator(vec![]), &policy),
        Classification {
            tlp: None,
            defaulted: false,
            quarantined: false,
            origin: Some("ncsc".into()),
            recipients: vec![],
            affected: vec![],
            ..Classification::default()
        }
    );
}

#[test]
fn marked_object_is_not_defaulted() {
    let policy = CollectionPolicy {
        default_tlp: Some(Tlp::AmberStrict),
        ..open()
    };
    // GREEN below the default stays GREEN: the default only fills in a missing marking.
    assert_eq!(
        accepted(&indicator(vec![green()]), &policy),
        marked(Tlp::Green)
    );
}

// ---------------------------------------------------------------------------------------------
// tlp_ceiling
// ---------------------------------------------------------------------------------------------

fn ceiling(t: Tlp) -> CollectionPolicy {
    CollectionPolicy {
        tlp_ceiling: t,
        ..open()
    }
}

#[test]
fn tlp_above_the_ceiling_is_refused_naming_both_levels() {
    assert_eq!(
        refused(&indicator(vec![amber_strict()]), &ceiling(Tlp::Amber)),
        Refusal::AboveCeiling {
            tlp: Tlp::AmberStrict,
            ceiling: Tlp::Amber
        }
    );
    assert_eq!(
        refused(
            &indicator(vec![red(), audience(AUDIENCE_1, Some(&[DTC_ANALYST]), &[])]),
            &ceiling(Tlp::Amber)
        ),
        Refusal::AboveCeiling {
            tlp: Tlp::Red,
            ceiling: Tlp::Amber
        }
    );
    // A public collection's ceiling CLEAR.
    assert_eq!(
        refused(&indicator(vec![green()]), &ceiling(Tlp::Clear)),
        Refusal::AboveCeiling {
            tlp: Tlp::Green,
            ceiling: Tlp::Clear
        }
    );
}

#[test]
fn tlp_equal_to_the_ceiling_is_accepted() {
    assert_eq!(
        accepted(&indicator(vec![amber()]), &ceiling(Tlp::Amber)),
        marked(Tlp::Amber)
    );
    assert_eq!(
        accepted(&indicator(vec![clear()]), &ceiling(Tlp::Clear)),
        marked(Tlp::Clear)
    );
    assert_eq!(
        accepted(&indicator(vec![amber_strict()]), &ceiling(Tlp::AmberStrict)),
        marked(Tlp::AmberStrict)
    );
}

#[test]
fn tlp_below_the_ceiling_is_accepted() {
    assert_eq!(
        accepted(&indicator(vec![green()]), &ceiling(Tlp::Amber)),
        marked(Tlp::Green)
    );
}

#[test]
fn granular_tlp_above_the_ceiling_is_refused() {
    let o = object("indicator", INDICATOR, vec![green()], vec![amber_strict()]);
    assert_eq!(
        refused(&o, &ceiling(Tlp::Amber)),
        Refusal::AboveCeiling {
            tlp: Tlp::AmberStrict,
            ceiling: Tlp::Amber
        }
    );
    let o = object(
        "indicator",
        INDICATOR,
        vec![clear(), audience(AUDIENCE_1, Some(&[DTC_ANALYST]), &[])],
        vec![red()],
    );
    assert_eq!(
        refused(&o, &ceiling(Tlp::Green)),
        Refusal::AboveCeiling {
            tlp: Tlp::Red,
            ceiling: Tlp::Green
        }
    );
}

#[test]
fn granular_tlp_equal_to_the_ceiling_is_accepted() {
    let o = object("indicator", INDICATOR, vec![green()], vec![amber()]);
    assert_eq!(
        accepted(&o, &ceiling(Tlp::Amber)),
        zoned(Tlp::Green, Tlp::Amber)
    );
}

// ---------------------------------------------------------------------------------------------
// TLP:RED and audience markings
// ---------------------------------------------------------------------------------------------

#[test]
fn red_without_an_audience_marking_is_refused() {
    assert_eq!(
        refused(&indicator(vec![red()]), &open()),
        Refusal::RedWithoutRecipients
    );
    assert_eq!(
        refused(&indicator(vec![red(), pap(), statement()]), &open()),
        Refusal::RedWithoutRecipients
    );
}

#[test]
fn granular_red_without_an_audience_marking_is_refused() {
    let o = object("indicator", INDICATOR, vec![green()], vec![red()]);
    assert_eq!(refused(&o, &open()), Refusal::RedWithoutRecipients);
}

#[test]
fn red_with_an_audience_marking_of_affected_parties_only_is_refused() {
    let o = indicator(vec![red(), audience(AUDIENCE_1, None, &[COMPANY_B])]);
    assert_eq!(refused(&o, &open()), Refusal::RedWithoutRecipients);
}

#[test]
fn red_with_recipients_is_accepted_and_stores_them() {
    let o = indicator(vec![
        red(),
        audience(AUDIENCE_1, Some(&[DTC_ANALYST, ZCERT_ORG]), &[COMPANY_B]),
    ]);
    assert_eq!(
        accepted(&o, &open()),
        Classification {
            tlp: Some(Tlp::Red),
            defaulted: false,
            quarantined: false,
            origin: Some("ncsc".into()),
            recipients: vec![DTC_ANALYST.into(), ZCERT_ORG.into()],
            affected: vec![COMPANY_B.into()],
            ..Classification::default()
        }
    );
}

#[test]
fn red_part_with_recipients_in_a_granular_audience_marking_is_accepted() {
    // Scenario 6 of access-model-research.md: an AMBER indicator whose pattern is TLP:RED for
    // analyst D. The recipients restrict the part, not the object.
    let o = object(
        "indicator",
        INDICATOR,
        vec![amber()],
        vec![red(), audience(AUDIENCE_1, Some(&[DTC_ANALYST]), &[])],
    );
    assert_eq!(
        accepted(&o, &open()),
        Classification {
            zones: vec![tlp::Zone {
                selector: "description".into(),
                tlp: Some(Tlp::Red),
                recipients: vec![DTC_ANALYST.into()],
                pii: tlp::PiiClass::None,
            }],
            review: true,
            ..marked(Tlp::Amber)
        }
    );
}

#[test]
fn red_object_with_recipients_only_on_a_part_is_refused() {
    // The rest of a TLP:RED object would have no recipients.
    let o = object(
        "indicator",
        INDICATOR,
        vec![red()],
        vec![audience(AUDIENCE_1, Some(&[DTC_ANALYST]), &[])],
    );
    assert_eq!(refused(&o, &open()), Refusal::RedWithoutRecipients);
}

#[test]
fn audience_marking_on_amber_stores_recipients_and_affected_parties() {
    let o = indicator(vec![
        amber(),
        audience(AUDIENCE_1, Some(&[ZCERT_ORG]), &[COMPANY_B, COMPANY_C]),
    ]);
    assert_eq!(
        accepted(&o, &open()),
        Classification {
            tlp: Some(Tlp::Amber),
            defaulted: false,
            quarantined: false,
            origin: Some("ncsc".into()),
            recipients: vec![ZCERT_ORG.into()],
            affected: vec![COMPANY_B.into(), COMPANY_C.into()],
            ..Classification::default()
        }
    );
}

#[test]
fn audience_marking_is_not_a_tlp_marking() {
    let o = indicator(vec![audience(AUDIENCE_1, Some(&[ZCERT_ORG]), &[])]);
    assert_eq!(refused(&o, &strict()), Refusal::Unmarked);
}

#[test]
fn several_audience_markings_intersect_their_recipients() {
    let o = indicator(vec![
        red(),
        audience(AUDIENCE_1, Some(&[DTC_ANALYST, ZCERT_ORG, C2T_ORG]), &[]),
        audience(AUDIENCE_2, Some(&[C2T_ORG, COMPANY_D, DTC_ANALYST]), &[]),
    ]);
    let c = accepted(&o, &open());
    assert_eq!(c.tlp, Some(Tlp::Red));
    assert_eq!(
        sorted(c.recipients),
        sorted(vec![DTC_ANALYST.into(), C2T_ORG.into()])
    );
}

#[test]
fn three_audience_markings_intersect_down_to_the_common_recipient() {
    let o = object(
        "indicator",
        INDICATOR,
        vec![
            amber(),
            audience(AUDIENCE_1, Some(&[DTC_ANALYST, ZCERT_ORG, C2T_ORG]), &[]),
            audience(AUDIENCE_2, Some(&[ZCERT_ORG, C2T_ORG]), &[]),
        ],
        vec![audience(AUDIENCE_3, Some(&[ZCERT_ORG, COMPANY_D]), &[])],
    );
    let c = accepted(&o, &open());
    // The object: the two object markings; its granular part: all three.
    assert_eq!(
        sorted(c.recipients),
        sorted(vec![ZCERT_ORG.into(), C2T_ORG.into()])
    );
    assert_eq!(c.zones[0].recipients, vec![ZCERT_ORG.to_owned()]);
}

#[test]
fn an_audience_marking_without_recipients_does_not_narrow_the_others() {
    let o = indicator(vec![
        red(),
        audience(AUDIENCE_1, Some(&[DTC_ANALYST, ZCERT_ORG]), &[]),
        audience(AUDIENCE_2, None, &[COMPANY_B]),
    ]);
    let c = accepted(&o, &open());
    assert_eq!(
        sorted(c.recipients),
        sorted(vec![DTC_ANALYST.into(), ZCERT_ORG.into()])
    );
    assert_eq!(c.affected, vec![COMPANY_B.to_owned()]);
    // The marking without recipients first.
    let o = indicator(vec![
        red(),
        audience(AUDIENCE_2, None, &[COMPANY_B]),
        audience(AUDIENCE_1, Some(&[DTC_ANALYST, ZCERT_ORG]), &[]),
    ]);
    let c = accepted(&o, &open());
    assert_eq!(
        sorted(c.recipients),
        sorted(vec![DTC_ANALYST.into(), ZCERT_ORG.into()])
    );
}

#[test]
fn disjoint_recipient_lists_are_refused() {
    // On RED ...
    let o = indicator(vec![
        red(),
        audience(AUDIENCE_1, Some(&[DTC_ANALYST]), &[]),
        audience(AUDIENCE_2, Some(&[ZCERT_ORG]), &[]),
    ]);
    assert_eq!(refused(&o, &open()), Refusal::NoRecipients);
    // ... and on AMBER: storing "nobody" as "no restriction" would widen the object.
    let o = indicator(vec![
        amber(),
        audience(AUDIENCE_1, Some(&[DTC_ANALYST, C2T_ORG]), &[]),
        audience(AUDIENCE_2, Some(&[ZCERT_ORG, COMPANY_D]), &[]),
    ]);
    assert_eq!(refused(&o, &open()), Refusal::NoRecipients);
    // Disjoint across object and granular markings.
    let o = object(
        "indicator",
        INDICATOR,
        vec![green(), audience(AUDIENCE_1, Some(&[DTC_ANALYST]), &[])],
        vec![audience(AUDIENCE_2, Some(&[ZCERT_ORG]), &[])],
    );
    assert_eq!(refused(&o, &open()), Refusal::NoRecipients);
}

#[test]
fn an_empty_recipient_list_is_refused() {
    let o = indicator(vec![amber(), audience(AUDIENCE_1, Some(&[]), &[COMPANY_B])]);
    assert_eq!(refused(&o, &open()), Refusal::NoRecipients);
}

#[test]
fn affected_parties_are_the_union_without_duplicates() {
    let o = indicator(vec![
        amber(),
        audience(AUDIENCE_1, None, &[COMPANY_B, COMPANY_C]),
        audience(AUDIENCE_2, Some(&[ZCERT_ORG]), &[COMPANY_C, COMPANY_D]),
    ]);
    let c = accepted(&o, &open());
    assert_eq!(
        sorted(c.affected.clone()),
        sorted(vec![COMPANY_B.into(), COMPANY_C.into(), COMPANY_D.into()])
    );
    assert_eq!(c.affected.len(), 3, "no duplicates: {:?}", c.affected);
    assert_eq!(c.recipients, vec![ZCERT_ORG.to_owned()]);
}

#[test]
fn affected_parties_of_granular_markings_are_not_affected_by_the_whole_object() {
    // D is named affected by a marking of one part only: counting it for the whole object
    // would give it every personal part of the object (issue 5 review).
    let o = object(
        "indicator",
        INDICATOR,
        vec![green(), audience(AUDIENCE_1, None, &[COMPANY_B])],
        vec![audience(AUDIENCE_2, None, &[COMPANY_B, COMPANY_D])],
    );
    let c = accepted(&o, &open());
    assert_eq!(c.affected, vec![COMPANY_B.to_owned()]);
    // Affected parties alone restrict nobody.
    assert!(c.recipients.is_empty());
}

#[test]
fn no_audience_marking_means_no_recipients_and_no_affected_parties() {
    let c = accepted(&indicator(vec![amber_strict()]), &open());
    assert!(c.recipients.is_empty());
    assert!(c.affected.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Creator rule
// ---------------------------------------------------------------------------------------------

#[test]
fn a_version_of_another_organisations_object_is_refused_naming_the_origin() {
    let o = indicator_by(NCSC_ORG, vec![green()]);
    assert_eq!(
        run(&o, &open(), Existing::PostedBy(Some("other-org"))),
        Err(Refusal::NotCreator {
            origin: "organisation 'other-org'".into()
        })
    );
    // Without created_by_ref too.
    let o = indicator(vec![green()]);
    assert_eq!(
        run(&o, &open(), Existing::PostedBy(Some("zcert"))),
        Err(Refusal::NotCreator {
            origin: "organisation 'zcert'".into()
        })
    );
}

#[test]
fn the_stored_creator_not_the_first_poster_may_add_versions() {
    // C2T posted a copy of NCSC's object first (created_by_ref NCSC): NCSC may still add
    // versions, C2T may not.
    let existing = Existing::CreatedBy {
        creator: NCSC_ORG,
        origin: Some("c2t"),
    };
    let o = indicator_by(NCSC_ORG, vec![green()]);
    assert_eq!(run(&o, &open(), existing), Ok(marked(Tlp::Green)));
    let org = Organisation {
        id: "c2t".into(),
        identity: Some(ZCERT_ORG.into()),
        ..Organisation::default()
    };
    let poster = Poster {
        org: &org,
        identity: None,
    };
    assert_eq!(
        classify(&indicator(vec![green()]), &open(), &poster, existing),
        Err(Refusal::NotCreator {
            origin: NCSC_ORG.into()
        })
    );
    // A poster without any provisioned identity falls back to the organisation that posted.
    let bare = c2t_unprovisioned();
    let poster = Poster {
        org: &bare,
        identity: None,
    };
    assert!(classify(&indicator(vec![green()]), &open(), &poster, existing).is_ok());
}

#[test]
fn a_version_of_the_posters_own_object_is_accepted() {
    let o = indicator_by(NCSC_ORG, vec![green()]);
    assert_eq!(
        run(&o, &open(), Existing::PostedBy(Some("ncsc"))),
        Ok(marked(Tlp::Green))
    );
    let o = indicator(vec![amber()]);
    assert_eq!(
        run(&o, &open(), Existing::PostedBy(Some("ncsc"))),
        Ok(marked(Tlp::Amber))
    );
}

#[test]
fn a_version_of_a_legacy_object_without_recorded_origin_is_accepted() {
    let o = indicator(vec![green()]);
    assert_eq!(
        run(&o, &open(), Existing::PostedBy(None)),
        Ok(marked(Tlp::Green))
    );
    let o = indicator_by(NCSC_ANALYST, vec![green()]);
    assert_eq!(
        run(&o, &open(), Existing::PostedBy(None)),
        Ok(marked(Tlp::Green))
    );
}

#[test]
fn a_new_version_created_by_someone_else_is_refused() {
    for existing in [Existing::PostedBy(Some("ncsc")), Existing::PostedBy(None)] {
        let o = indicator_by(ZCERT_ORG, vec![green()]);
        assert_eq!(
            run(&o, &open(), existing),
            Err(Refusal::CreatedByNotPoster {
                created_by: ZCERT_ORG.into()
            }),
            "{existing:?}"
        );
        let o = indicator_by(DTC_ANALYST, vec![green()]);
        assert_eq!(
            run(&o, &open(), existing),
            Err(Refusal::CreatedByNotPoster {
                created_by: DTC_ANALYST.into()
            }),
            "{existing:?}"
        );
    }
}

#[test]
fn a_new_version_created_by_the_poster_org_identity_is_accepted() {
    let o = indicator_by(NCSC_ORG, vec![amber()]);
    assert_eq!(
        run(&o, &open(), Existing::PostedBy(Some("ncsc"))),
        Ok(marked(Tlp::Amber))
    );
}

#[test]
fn a_new_version_created_by_the_posting_account_identity_is_accepted() {
    let o = indicator_by(NCSC_ANALYST, vec![amber()]);
    assert_eq!(
        run(&o, &open(), Existing::PostedBy(Some("ncsc"))),
        Ok(marked(Tlp::Amber))
    );
}

#[test]
fn created_by_ref_matches_the_account_identity_when_the_org_has_none() {
    // The organisation has no identity provisioned, the account does.
    let org = c2t_unprovisioned();
    let poster = Poster {
        org: &org,
        identity: Some(DTC_ANALYST),
    };
    let o = indicator_by(DTC_ANALYST, vec![green()]);
    assert_eq!(
        classify(&o, &open(), &poster, Existing::PostedBy(Some("c2t"))),
        Ok(Classification {
            origin: Some("c2t".into()),
            ..marked(Tlp::Green)
        })
    );
}

#[test]
fn created_by_ref_is_not_checked_without_any_provisioned_identity() {
    let org = c2t_unprovisioned();
    let poster = Poster {
        org: &org,
        identity: None,
    };
    let o = indicator_by(ZCERT_ORG, vec![green()]);
    assert_eq!(
        classify(&o, &open(), &poster, Existing::PostedBy(Some("c2t"))),
        Ok(Classification {
            origin: Some("c2t".into()),
            ..marked(Tlp::Green)
        })
    );
}

#[test]
fn created_by_ref_is_not_checked_for_a_first_version() {
    // The creator rule is about versions: a first version may carry anyone's created_by_ref
    // (e.g. an NCSC analyst posting an object created by a partner).
    let o = indicator_by(ZCERT_ORG, vec![green()]);
    assert_eq!(run(&o, &open(), Existing::New), Ok(marked(Tlp::Green)));
    let o = indicator_by(DTC_ANALYST, vec![amber()]);
    assert_eq!(run(&o, &open(), Existing::New), Ok(marked(Tlp::Amber)));
}

#[test]
fn a_new_version_without_created_by_ref_is_accepted() {
    let o = indicator(vec![green()]);
    assert_eq!(
        run(&o, &open(), Existing::PostedBy(Some("ncsc"))),
        Ok(marked(Tlp::Green))
    );
}

#[test]
fn the_creator_rule_is_checked_before_the_marking_rules() {
    // Another organisation's object: NotCreator, whatever the markings say.
    let o = indicator(vec![unknown(UNKNOWN)]);
    assert_eq!(
        run(&o, &strict(), Existing::PostedBy(Some("other-org"))),
        Err(Refusal::NotCreator {
            origin: "organisation 'other-org'".into()
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Origin
// ---------------------------------------------------------------------------------------------

#[test]
fn origin_is_always_the_posters_organisation() {
    let cases: Vec<(Incoming<'static>, CollectionPolicy, Existing<'static>)> = vec![
        (indicator(vec![green()]), open(), Existing::New),
        (indicator(vec![]), open(), Existing::New),
        (
            indicator(vec![]),
            CollectionPolicy {
                default_tlp: None,
                ..open()
            },
            Existing::New,
        ),
        (
            indicator(vec![amber(), unknown(UNKNOWN)]),
            CollectionPolicy {
                unknown_markings: UnknownMarkings::Quarantine,
                ..open()
            },
            Existing::New,
        ),
        (
            indicator(vec![red(), audience(AUDIENCE_1, Some(&[DTC_ANALYST]), &[])]),
            open(),
            Existing::New,
        ),
        (
            object("marking-definition", MARKING_DEF, vec![], vec![]),
            strict(),
            Existing::New,
        ),
        (
            indicator_by(NCSC_ORG, vec![green()]),
            open(),
            Existing::PostedBy(Some("ncsc")),
        ),
        (indicator(vec![green()]), open(), Existing::PostedBy(None)),
        // The created_by_ref names a partner: the origin is still the poster.
        (
            indicator_by(ZCERT_ORG, vec![green()]),
            open(),
            Existing::New,
        ),
    ];
    for (o, policy, existing) in &cases {
        let c = run(o, policy, *existing).unwrap();
        assert_eq!(c.origin.as_deref(), Some("ncsc"), "{o:?} {existing:?}");
    }
}

#[test]
fn origin_follows_the_poster_not_the_object() {
    let org = c2t_unprovisioned();
    let poster = Poster {
        org: &org,
        identity: None,
    };
    let o = indicator_by(NCSC_ORG, vec![green()]);
    assert_eq!(
        classify(&o, &open(), &poster, Existing::New)
            .unwrap()
            .origin
            .as_deref(),
        Some("c2t")
    );
}

// ---------------------------------------------------------------------------------------------
// Refusal messages
// ---------------------------------------------------------------------------------------------

/// One refusal of every variant with its code, written out by hand. The match has no wildcard,
/// so a new variant fails to compile here until it is added.
fn every_refusal() -> Vec<(Refusal, &'static str)> {
    let all = vec![
        (Refusal::UnknownMarking(UNKNOWN.into()), "unknown-marking"),
        (Refusal::Unmarked, "require-tlp"),
        (
            Refusal::AboveCeiling {
                tlp: Tlp::AmberStrict,
                ceiling: Tlp::Amber,
            },
            "tlp-ceiling",
        ),
        (Refusal::RedWithoutRecipients, "red-without-recipients"),
        (Refusal::NoRecipients, "no-common-recipient"),
        (
            Refusal::NotCreator {
                origin: "other-org".into(),
            },
            "not-creator",
        ),
        (
            Refusal::CreatedByNotPoster {
                created_by: ZCERT_ORG.into(),
            },
            "created-by-not-poster",
        ),
        (
            Refusal::PersonalDataNone {
                type_name: "user-account".into(),
            },
            "personal-data-none",
        ),
        (
            Refusal::UnreadableSelector {
                selector: "labels.[+1]".into(),
            },
            "unreadable-selector",
        ),
    ];
    for (r, _) in &all {
        match r {
            Refusal::UnknownMarking(_)
            | Refusal::Unmarked
            | Refusal::AboveCeiling { .. }
            | Refusal::RedWithoutRecipients
            | Refusal::NoRecipients
            | Refusal::NotCreator { .. }
            | Refusal::CreatedByNotPoster { .. }
            | Refusal::PersonalDataNone { .. }
            | Refusal::UnreadableSelector { .. } => {}
        }
    }
    all
}

#[test]
fn refusal_codes_are_the_documented_ones_and_distinct() {
    let all = every_refusal();
    for (r, code) in &all {
        assert_eq!(r.code(), *code, "{r:?}");
    }
    let mut codes: Vec<&str> = all.iter().map(|(r, _)| r.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len(), "codes are not distinct: {codes:?}");
}

fn message_prefix_mismatch(r: &Refusal, code: &str) -> Option<String> {
    let msg = r.to_string();
    let prefix = format!("access rule {code}:");
    (!msg.starts_with(&prefix)).then(|| format!("{r:?}: {msg:?} does not start with {prefix:?}"))
}

#[test]
fn refusal_messages_start_with_access_rule_and_the_code() {
    let wrong: Vec<String> = every_refusal()
        .iter()
        .filter_map(|(r, code)| message_prefix_mismatch(r, code))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn created_by_not_poster_message_starts_with_access_rule_and_its_code() {
    let r = Refusal::CreatedByNotPoster {
        created_by: ZCERT_ORG.into(),
    };
    assert_eq!(r.code(), "created-by-not-poster");
    if let Some(wrong) = message_prefix_mismatch(&r, "created-by-not-poster") {
        panic!("{wrong}");
    }
}

#[test]
fn refusal_messages_name_the_offending_values() {
    assert!(
        Refusal::UnknownMarking(UNKNOWN.into())
            .to_string()
            .contains(UNKNOWN)
    );
    let m = Refusal::AboveCeiling {
        tlp: Tlp::Red,
        ceiling: Tlp::Amber,
    }
    .to_string();
    assert!(m.contains("TLP:RED") && m.contains("TLP:AMBER"), "{m}");
    assert!(
        Refusal::NotCreator {
            origin: "organisation 'other-org'".into()
        }
        .to_string()
        .contains("created by organisation 'other-org'")
    );
    assert!(
        Refusal::CreatedByNotPoster {
            created_by: ZCERT_ORG.into()
        }
        .to_string()
        .contains(ZCERT_ORG)
    );
}

// ---------------------------------------------------------------------------------------------
// Personal data (access-model-research.md 4.6; issue 5)
// ---------------------------------------------------------------------------------------------

fn pii(kind: tlp::ingest::Pii) -> Marking {
    (
        match kind {
            tlp::ingest::Pii::Present => "marking-definition--a8f50efe-949c-4fe6-b5fc-4d1684f8fb0d",
            tlp::ingest::Pii::Credential => {
                "marking-definition--3a7f8d07-0408-4ce0-98d5-8cac5339e74d"
            }
            tlp::ingest::Pii::None => "marking-definition--89a92d23-c725-4a11-aa67-4cfafc56d784",
        },
        MarkingKind::Personal(kind),
    )
}

fn with_body(
    type_name: &'static str,
    body: &'static str,
    object_markings: Vec<Marking>,
    granular: Vec<(Marking, &[&str])>,
) -> Incoming<'static> {
    Incoming {
        type_name,
        id: INDICATOR,
        created_by_ref: None,
        object_markings,
        granular_markings: granular
            .into_iter()
            .map(|((id, kind), sels)| GranularMarking {
                id,
                kind,
                selectors: sels.iter().map(|s| (*s).to_owned()).collect(),
            })
            .collect(),
        body,
    }
}

fn zone(selector: &str, tlp: Tlp, pii: tlp::PiiClass) -> tlp::Zone {
    tlp::Zone {
        selector: selector.into(),
        tlp: Some(tlp),
        recipients: vec![],
        pii,
    }
}

#[test]
fn personal_data_markings_set_the_object_class() {
    use tlp::PiiClass;
    use tlp::ingest::Pii;
    let c = accepted(&indicator(vec![amber(), pii(Pii::Present)]), &open());
    assert_eq!(c.pii, PiiClass::Present);
    let c = accepted(
        &indicator(vec![amber(), pii(Pii::Present), pii(Pii::Credential)]),
        &open(),
    );
    assert_eq!(c.pii, PiiClass::Credential, "the strictest class wins");
    let c = accepted(&indicator(vec![amber(), pii(Pii::None)]), &open());
    assert_eq!(c.pii, PiiClass::None);
    assert!(c.zones.is_empty() && !c.review);
}

#[test]
fn always_personal_types_are_personal_whatever_the_markings() {
    use tlp::PiiClass;
    use tlp::ingest::Pii;
    for ty in ["user-account", "email-addr", "email-message", "mac-addr"] {
        let c = accepted(&with_body(ty, "{}", vec![green()], vec![]), &open());
        assert_eq!(c.pii, PiiClass::Present, "{ty}");
        let r = refused(
            &with_body(ty, "{}", vec![green(), pii(Pii::None)], vec![]),
            &open(),
        );
        assert_eq!(
            r,
            Refusal::PersonalDataNone {
                type_name: ty.into()
            },
            "{ty}"
        );
        assert!(r.to_string().contains(ty));
    }
    let person = with_body(
        "identity",
        r#"{"identity_class":"individual","name":"Jan"}"#,
        vec![green(), pii(Pii::None)],
        vec![],
    );
    assert_eq!(refused(&person, &open()).code(), "personal-data-none");
    // A credential marking on an always-personal type raises it; NONE beside it is moot.
    let c = accepted(
        &with_body(
            "user-account",
            "{}",
            vec![green(), pii(Pii::Credential), pii(Pii::None)],
            vec![],
        ),
        &open(),
    );
    assert_eq!(c.pii, PiiClass::Credential);
}

#[test]
fn ip_addresses_are_possible_personal_data_where_the_collection_says_so() {
    use tlp::PiiClass;
    use tlp::ingest::Pii;
    let ip = |m| with_body("ipv4-addr", r#"{"value":"198.51.100.10"}"#, m, vec![]);
    assert_eq!(accepted(&ip(vec![amber()]), &open()).pii, PiiClass::None);
    let policy = CollectionPolicy {
        ip_personal_data: true,
        ..open()
    };
    assert_eq!(
        accepted(&ip(vec![amber()]), &policy).pii,
        PiiClass::Possible
    );
    // The producer knows it is the attacker's address.
    assert_eq!(
        accepted(&ip(vec![amber(), pii(Pii::None)]), &policy).pii,
        PiiClass::None
    );
}

#[test]
fn granular_personal_data_marking_makes_a_zone() {
    use tlp::PiiClass;
    use tlp::ingest::Pii;
    let o = with_body(
        "report",
        "{}",
        vec![amber()],
        vec![(pii(Pii::Present), &["description"])],
    );
    let c = accepted(&o, &open());
    assert_eq!(c.pii, PiiClass::None);
    assert_eq!(
        c.zones,
        vec![zone("description", Tlp::Amber, PiiClass::Present)]
    );
    assert!(c.review);
}

#[test]
fn detected_personal_properties_make_zones_unless_marked_none() {
    use tlp::PiiClass;
    use tlp::ingest::Pii;
    let body =
        r#"{"identity_class":"organization","name":"B","contact_information":"Jan, 06-12345678"}"#;
    let c = accepted(&with_body("identity", body, vec![green()], vec![]), &open());
    assert_eq!(
        c.zones,
        vec![zone("contact_information", Tlp::Green, PiiClass::Possible)]
    );
    // NONE on the object, or on the property, says it is not personal (a CERT's hotline).
    let c = accepted(
        &with_body("identity", body, vec![green(), pii(Pii::None)], vec![]),
        &open(),
    );
    assert!(c.zones.is_empty(), "{:?}", c.zones);
    let c = accepted(
        &with_body(
            "identity",
            body,
            vec![green()],
            vec![(pii(Pii::None), &["contact_information"])],
        ),
        &open(),
    );
    assert!(c.zones.is_empty(), "{:?}", c.zones);
    // A leaked account's password is credentials, the rest of it personal data.
    let c = accepted(
        &with_body(
            "user-account",
            r#"{"account_login":"jan","credential":"x"}"#,
            vec![amber()],
            vec![],
        ),
        &open(),
    );
    assert_eq!(c.pii, PiiClass::Present);
    assert_eq!(
        c.zones,
        vec![zone("credential", Tlp::Amber, PiiClass::Credential)]
    );
}

#[test]
fn a_part_combines_every_marking_that_covers_it() {
    use tlp::PiiClass;
    use tlp::ingest::Pii;
    // `kill_chain_phases` covers `kill_chain_phases.[0].phase_name`: that part is AMBER+STRICT
    // and personal; the list as a whole only AMBER+STRICT.
    let o = with_body(
        "indicator",
        "{}",
        vec![green()],
        vec![
            (amber_strict(), &["kill_chain_phases"]),
            (pii(Pii::Present), &["kill_chain_phases.[0].phase_name"]),
        ],
    );
    let c = accepted(&o, &open());
    assert_eq!(
        c.zones,
        vec![
            zone("kill_chain_phases", Tlp::AmberStrict, PiiClass::None),
            zone(
                "kill_chain_phases.[0].phase_name",
                Tlp::AmberStrict,
                PiiClass::Present
            ),
        ]
    );
}

#[test]
fn objects_with_references_are_flagged_for_review() {
    let plain = with_body(
        "indicator",
        r#"{"created_by_ref":"identity--x"}"#,
        vec![green()],
        vec![],
    );
    assert!(!accepted(&plain, &open()).review);
    let report = with_body(
        "report",
        r#"{"object_refs":["indicator--x"]}"#,
        vec![green()],
        vec![],
    );
    let c = accepted(&report, &open());
    assert!(c.review && c.zones.is_empty());
}

#[test]
fn a_restricted_required_or_id_property_restricts_the_whole_object() {
    use tlp::PiiClass;
    use tlp::ingest::Pii;
    // Scenario 6: the pattern (required) is TLP:RED for analyst D: whoever may not see it may
    // not see the indicator, so the restriction is the object's (the page query leaves it out,
    // no paging header hints at it).
    let o = with_body(
        "indicator",
        "{}",
        vec![amber()],
        vec![
            (red(), &["pattern"]),
            (
                audience(AUDIENCE_1, Some(&[DTC_ANALYST]), &[]),
                &["pattern"],
            ),
            (pii(Pii::Present), &["description"]),
        ],
    );
    let c = accepted(&o, &open());
    assert_eq!(c.tlp, Some(Tlp::Red));
    assert_eq!(c.recipients, vec![DTC_ANALYST.to_owned()]);
    // The description stays a part, tightened to the new object level.
    assert_eq!(c.zones.len(), 1, "{:?}", c.zones);
    assert_eq!(c.zones[0].selector, "description");
    assert_eq!(c.zones[0].tlp, Some(Tlp::Red));
    assert_eq!(c.zones[0].recipients, vec![DTC_ANALYST.to_owned()]);
    assert_eq!(c.zones[0].pii, PiiClass::Present);
    // An id-contributing property of an SCO (ipv4-addr.value), at any depth of it.
    let ip = with_body(
        "ipv4-addr",
        r#"{"value":"198.51.100.1"}"#,
        vec![green()],
        vec![(pii(Pii::Present), &["value"])],
    );
    let c = accepted(&ip, &open());
    assert_eq!((c.pii, c.zones.len()), (PiiClass::Present, 0));
    let file = with_body(
        "file",
        "{}",
        vec![green()],
        vec![(amber(), &["hashes.MD5"])],
    );
    let c = accepted(&file, &open());
    assert_eq!((c.tlp, c.zones.len()), (Some(Tlp::Amber), 0));
    // Meta objects are never redacted: any part restricts the whole.
    let m = with_body(
        "marking-definition",
        "{}",
        vec![],
        vec![(amber(), &["name"])],
    );
    assert_eq!(accepted(&m, &open()).tlp, Some(Tlp::Amber));
}

#[test]
fn granular_markings_with_unreadable_selectors_are_refused() {
    for sel in ["labels.[+1]", "", "a..b", "labels.[]"] {
        let o = with_body("indicator", "{}", vec![green()], vec![(red(), &[sel])]);
        assert_eq!(
            refused(&o, &open()),
            Refusal::UnreadableSelector {
                selector: sel.into()
            },
            "{sel:?}"
        );
    }
}

#[test]
fn personal_data_none_cancels_possible_detections_only() {
    use tlp::PiiClass;
    use tlp::ingest::Pii;
    // A pattern over e-mail addresses is personal data whatever NONE says (research 4.6: NONE
    // overrides what is only *possible*).
    let ind = with_body(
        "indicator",
        r#"{"pattern":"[email-addr:value = 'jan@example.nl']"}"#,
        vec![green(), pii(Pii::None)],
        vec![],
    );
    assert_eq!(accepted(&ind, &open()).pii, PiiClass::Present);
    // A password stays credentials beside NL-PII:PRESENT + NONE.
    let acct = with_body(
        "user-account",
        r#"{"account_login":"jan","credential":"x"}"#,
        vec![amber(), pii(Pii::Present), pii(Pii::None)],
        vec![],
    );
    let c = accepted(&acct, &open());
    assert_eq!(c.pii, PiiClass::Present);
    assert_eq!(
        c.zones,
        vec![zone("credential", Tlp::Amber, PiiClass::Credential)]
    );
}
