//! The relay rules (access-model-research.md 4.7, DESIGN.md section 4 "Relay"): every TLP level
//! x target kind x recipient choice against a table written out by hand from those rules, the
//! role and ownership gates for every role, and the personal-data and loop rules of scenarios
//! 3 and 7 (access-model-research.md section 5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use tlp::relay::{NeedToKnow, Readable, RelayRefusal, RelayRequest, relay};
use tlp::{
    ALL_TLP, Classification, CollectionPolicy, Designation, DesignationKind, Directory,
    Organisation, PiiClass, Role, Tlp,
};

const B: &str = "identity--b0000000-0000-4000-8000-00000000000b";
const C: &str = "identity--c0000000-0000-4000-8000-00000000000c";
const DTC: &str = "identity--d0000000-0000-4000-8000-00000000000d";
const Z: &str = "identity--20000000-0000-4000-8000-000000000002";

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn org(id: &str, role: Role, identity: Option<&str>, serves: &[&str]) -> Organisation {
    Organisation {
        id: id.into(),
        identity: identity.map(str::to_owned),
        role,
        serves: serves.iter().map(|s| (*s).to_owned()).collect(),
        ..Organisation::default()
    }
}

fn dtc() -> Organisation {
    let mut o = org(
        "dtc",
        Role::Dtc,
        Some(DTC),
        &["company-b", "company-c", "no-identity"],
    );
    // Modelled: DTC designated for personal data and credentials from 2022-12-01.
    for kind in [DesignationKind::PersonalData, DesignationKind::Credential] {
        o.designations.push(Designation {
            kind,
            legal_basis: "Wbni art. 3 lid 2 sub a".into(),
            valid_from: day("2022-12-01"),
            valid_until: None,
        });
    }
    o
}

fn directory() -> Directory {
    let mut z = org("zcert", Role::DesignatedCert, Some(Z), &[]);
    z.designations.push(Designation {
        kind: DesignationKind::Credential,
        legal_basis: "Wbni".into(),
        valid_from: day("2020-01-13"),
        valid_until: None,
    });
    Directory::new([
        dtc(),
        z,
        org("company-b", Role::Constituent, Some(B), &[]),
        org("company-c", Role::Constituent, Some(C), &[]),
        org("no-identity", Role::Constituent, None, &[]),
        org(
            "elsewhere",
            Role::Constituent,
            Some("identity--e0000000-0000-4000-8000-00000000000e"),
            &[],
        ),
    ])
}

fn target(public: bool) -> CollectionPolicy {
    CollectionPolicy {
        relay_target: true,
        public,
        ..CollectionPolicy::default()
    }
}

fn object(tlp: Tlp) -> Classification {
    Classification {
        tlp: Some(tlp),
        origin: Some("ncsc".into()),
        ..Classification::default()
    }
}

struct Case<'a> {
    object: Classification,
    target: CollectionPolicy,
    recipients: &'a [&'a str],
    justification: Option<&'a str>,
    on: &'a str,
}

fn run(
    case: &Case<'_>,
    intermediary: &Organisation,
) -> Result<tlp::relay::RelayGrant, RelayRefusal> {
    let names: Vec<String> = case.recipients.iter().map(|s| (*s).to_owned()).collect();
    relay(
        &RelayRequest {
            intermediary,
            object: &case.object,
            readable: Readable::Whole,
            returned: false,
            unrelayed_references: 0,
            target: &case.target,
            target_owner: Some(&intermediary.id),
            recipients: &names,
            justification: case.justification,
            day: day(case.on),
        },
        &directory(),
    )
}

fn case(
    tlp: Tlp,
    public: bool,
    recipients: &'static [&'static str],
    justification: Option<&'static str>,
) -> Case<'static> {
    Case {
        object: object(tlp),
        target: target(public),
        recipients,
        justification,
        on: "2023-06-01",
    }
}

/// The outcome as a short code: `all` (the whole audience), `to:<orgs>`, or the refusal code.
fn outcome(r: &Result<tlp::relay::RelayGrant, RelayRefusal>) -> String {
    match r {
        Ok(g) if g.to.is_empty() => "all".into(),
        Ok(g) => format!(
            "to:{}",
            g.to.iter()
                .map(|(o, _)| o.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Err(e) => e.code().into(),
    }
}

/// Rows: (target public?, recipients, justification); columns CLEAR, GREEN, AMBER,
/// AMBER+STRICT, RED. The object is not personal data and names no affected party.
#[test]
fn tlp_matrix_written_from_the_rules() {
    type Row = (
        bool,
        &'static [&'static str],
        Option<&'static str>,
        [&'static str; 5],
    );
    let rows: [Row; 7] = [
        (
            false,
            &[],
            None,
            ["all", "all", "no-need-to-know", "amber-strict", "red"],
        ),
        (
            true,
            &[],
            None,
            [
                "all",
                "public-target",
                "public-target",
                "amber-strict",
                "red",
            ],
        ),
        (
            false,
            &["company-c"],
            None,
            [
                "to:company-c",
                "to:company-c",
                "justification-required",
                "amber-strict",
                "red",
            ],
        ),
        (
            false,
            &["company-c"],
            Some("runs the same VPN appliance"),
            [
                "to:company-c",
                "to:company-c",
                "to:company-c",
                "amber-strict",
                "red",
            ],
        ),
        (
            false,
            &["company-c"],
            Some("   "),
            [
                "to:company-c",
                "to:company-c",
                "justification-required",
                "amber-strict",
                "red",
            ],
        ),
        (
            false,
            &["elsewhere"],
            Some("asked nicely"),
            [
                "to:elsewhere",
                "to:elsewhere",
                "not-a-constituent",
                "amber-strict",
                "red",
            ],
        ),
        (
            false,
            &["no-identity"],
            Some("j"),
            [
                "recipient-without-identity",
                "recipient-without-identity",
                "recipient-without-identity",
                "amber-strict",
                "red",
            ],
        ),
    ];
    let i = dtc();
    for (public, recipients, justification, expected) in rows {
        for (tlp, want) in ALL_TLP.into_iter().zip(expected) {
            let got = outcome(&run(&case(tlp, public, recipients, justification), &i));
            assert_eq!(
                got, want,
                "{tlp:?} public={public} recipients={recipients:?} justification={justification:?}"
            );
        }
    }
}

#[test]
fn amber_reaches_affected_constituents_automatically_and_only_them() {
    // Scenario 7: identity "Company B", TLP:AMBER, affected_parties = [B].
    let mut c = case(Tlp::Amber, false, &[], None);
    c.object.affected = vec![B.into()];
    let g = run(&c, &dtc()).unwrap();
    assert_eq!(g.to, vec![("company-b".to_owned(), NeedToKnow::Affected)]);
    assert_eq!(
        g.class.recipients,
        vec![B.to_owned(), DTC.to_owned()],
        "the copy names B (and the intermediary) only"
    );
    assert_eq!(
        g.class.origin.as_deref(),
        Some("ncsc"),
        "the origin is kept for audit"
    );
    // C with a justification: allowed, and recorded as justified.
    let mut c2 = case(
        Tlp::Amber,
        false,
        &["company-b", "company-c"],
        Some("same supplier"),
    );
    c2.object.affected = vec![B.into()];
    let g = run(&c2, &dtc()).unwrap();
    assert_eq!(
        g.to,
        vec![
            ("company-b".to_owned(), NeedToKnow::Affected),
            ("company-c".to_owned(), NeedToKnow::Justified)
        ]
    );
    assert_eq!(
        g.class.recipients,
        vec![B.to_owned(), C.to_owned(), DTC.to_owned()]
    );
    // Named for GREEN: the copy is narrowed to it; no need-to-know claimed.
    let g = run(&case(Tlp::Green, false, &["company-c"], None), &dtc()).unwrap();
    assert_eq!(g.to, vec![("company-c".to_owned(), NeedToKnow::Named)]);
    // An affected party outside the constituency does not count.
    let mut c3 = case(Tlp::Amber, false, &[], None);
    c3.object.affected = vec!["identity--e0000000-0000-4000-8000-00000000000e".into()];
    assert_eq!(run(&c3, &dtc()).unwrap_err(), RelayRefusal::NoNeedToKnow);
}

#[test]
fn credentials_go_to_the_affected_party_and_designated_organisations_only() {
    // Scenario 3: B's leaked credential, TLP:AMBER + NL-PII:CREDENTIAL, affected = [B].
    let cred = |recipients: &'static [&'static str], j: Option<&'static str>, on: &'static str| {
        let mut c = case(Tlp::Amber, false, recipients, j);
        c.object.pii = PiiClass::Credential;
        c.object.affected = vec![B.into()];
        c.on = on;
        c
    };
    let g = run(&cred(&[], None, "2023-06-01"), &dtc()).unwrap();
    assert_eq!(g.to, vec![("company-b".to_owned(), NeedToKnow::Affected)]);
    assert_eq!(
        run(
            &cred(&["company-c"], Some("same VPN"), "2023-06-01"),
            &dtc()
        )
        .unwrap_err(),
        RelayRefusal::PersonalData {
            org: "company-c".into(),
            class: PiiClass::Credential
        }
    );
    // B and C together: all or nothing.
    assert_eq!(
        run(
            &cred(&["company-b", "company-c"], Some("x"), "2023-06-01"),
            &dtc()
        )
        .unwrap_err()
        .code(),
        "personal-data-recipient"
    );
    // GREEN personal data is never relayed to a whole collection either.
    let mut green = case(Tlp::Green, false, &[], None);
    green.object.pii = PiiClass::Present;
    assert_eq!(run(&green, &dtc()).unwrap_err(), RelayRefusal::NoNeedToKnow);
    green.object.affected = vec![C.into()];
    assert_eq!(outcome(&run(&green, &dtc())), "to:company-c");
    // Public targets never receive personal data, whatever the TLP.
    let mut clear = case(Tlp::Clear, true, &[], None);
    clear.object.pii = PiiClass::Possible;
    clear.object.affected = vec![C.into()];
    assert_eq!(run(&clear, &dtc()).unwrap_err().code(), "public-target");
}

#[test]
fn designated_recipients_may_receive_personal_data_on_the_days_of_their_designation() {
    // A designated CERT relays to DTC (itself an intermediary it serves).
    let z = org("zc", Role::DesignatedCert, Some(Z), &["dtc"]);
    let mut c = case(Tlp::Amber, false, &["dtc"], Some("national coordination"));
    c.object.pii = PiiClass::Credential;
    c.on = "2021-06-01";
    assert_eq!(run(&c, &z).unwrap_err().code(), "personal-data-recipient");
    c.on = "2022-12-01";
    let g = run(&c, &z).unwrap();
    assert_eq!(g.to, vec![("dtc".to_owned(), NeedToKnow::Designated)]);
}

#[test]
fn only_intermediaries_relay_into_their_own_relay_targets() {
    for role in Role::ALL {
        let mut i = dtc();
        i.role = role;
        let r = run(&case(Tlp::Clear, false, &[], None), &i);
        let relays = matches!(
            role,
            Role::NationalCsirt | Role::DesignatedCert | Role::LinkingOrg | Role::Dtc
        );
        assert_eq!(r.is_ok(), relays, "{role:?}");
        if !relays {
            assert_eq!(r.unwrap_err(), RelayRefusal::NotIntermediary(role));
        }
    }
    let i = dtc();
    let obj = object(Tlp::Clear);
    let not_target = CollectionPolicy::default();
    let t = target(false);
    for (policy, owner, want) in [
        (&not_target, Some("dtc"), "not-a-relay-target"),
        (&t, Some("zcert"), "not-the-target-owner"),
        (&t, None, "not-the-target-owner"),
    ] {
        let r = relay(
            &RelayRequest {
                intermediary: &i,
                object: &obj,
                readable: Readable::Whole,
                returned: false,
                unrelayed_references: 0,
                target: policy,
                target_owner: owner,
                recipients: &[],
                justification: None,
                day: day("2023-01-01"),
            },
            &directory(),
        );
        assert_eq!(r.unwrap_err().code(), want);
    }
}

#[test]
fn unreadable_returned_quarantined_and_unmarked_objects_are_never_relayed() {
    let i = dtc();
    let t = target(false);
    let dir = directory();
    let go = |obj: &Classification, readable: Readable, returned: bool| {
        relay(
            &RelayRequest {
                intermediary: &i,
                object: obj,
                readable,
                returned,
                unrelayed_references: 0,
                target: &t,
                target_owner: Some("dtc"),
                recipients: &[],
                justification: None,
                day: day("2023-01-01"),
            },
            &dir,
        )
        .map(|_| ())
        .map_err(|e| e.code())
    };
    let clear = object(Tlp::Clear);
    assert_eq!(go(&clear, Readable::Whole, false), Ok(()));
    assert_eq!(
        go(&clear, Readable::Partly, false),
        Err("not-readable-by-intermediary")
    );
    assert_eq!(
        go(&clear, Readable::No, false),
        Err("not-readable-by-intermediary")
    );
    assert_eq!(go(&clear, Readable::Whole, true), Err("loop"));
    let unrelayed = relay(
        &RelayRequest {
            intermediary: &i,
            object: &clear,
            readable: Readable::Whole,
            returned: false,
            unrelayed_references: 1,
            target: &t,
            target_owner: Some("dtc"),
            recipients: &[],
            justification: None,
            day: day("2023-01-01"),
        },
        &dir,
    );
    assert_eq!(unrelayed.unwrap_err().code(), "references-not-relayed");
    let q = Classification {
        quarantined: true,
        ..object(Tlp::Clear)
    };
    assert_eq!(go(&q, Readable::Whole, false), Err("quarantined"));
    let defaulted = Classification {
        defaulted: true,
        ..object(Tlp::Clear)
    };
    assert_eq!(
        go(&defaulted, Readable::Whole, false),
        Err("unmarked-or-defaulted")
    );
    let unmarked = Classification {
        tlp: None,
        ..object(Tlp::Clear)
    };
    assert_eq!(
        go(&unmarked, Readable::Whole, false),
        Err("unmarked-or-defaulted")
    );
}

#[test]
fn an_audience_marking_stays_a_hard_allow_list() {
    let mut c = case(Tlp::Green, false, &["company-b"], None);
    c.object.recipients = vec![C.into()];
    assert_eq!(
        run(&c, &dtc()).unwrap_err(),
        RelayRefusal::NotAmongRecipients("company-b".into())
    );
    c.recipients = &["company-c"];
    assert_eq!(
        run(&c, &dtc()).unwrap().class.recipients,
        vec![C.to_owned()]
    );
    // Without a choice, a GREEN copy keeps the marking's recipients unchanged.
    c.recipients = &[];
    let g = run(&c, &dtc()).unwrap();
    assert!(g.to.is_empty());
    assert_eq!(g.class.recipients, vec![C.to_owned()]);
    // Unknown names are an error, not silently dropped.
    c.recipients = &["nobody"];
    assert_eq!(run(&c, &dtc()).unwrap_err().code(), "unknown-organisation");
}

#[test]
fn every_refusal_explains_itself_with_its_code() {
    let refusals = [
        RelayRefusal::NotIntermediary(Role::Constituent),
        RelayRefusal::NotRelayTarget,
        RelayRefusal::NotTargetOwner,
        RelayRefusal::NotReadable { partly: true },
        RelayRefusal::NotReadable { partly: false },
        RelayRefusal::Loop,
        RelayRefusal::UnrelayedReferences(2),
        RelayRefusal::Quarantined,
        RelayRefusal::Unmarked { defaulted: true },
        RelayRefusal::Unmarked { defaulted: false },
        RelayRefusal::AmberStrict,
        RelayRefusal::Red,
        RelayRefusal::Public(Tlp::Green),
        RelayRefusal::NoNeedToKnow,
        RelayRefusal::NotConstituent("x".into()),
        RelayRefusal::NoJustification("x".into()),
        RelayRefusal::NoIdentity("x".into()),
        RelayRefusal::NotAmongRecipients("x".into()),
        RelayRefusal::PersonalData {
            org: "x".into(),
            class: PiiClass::Present,
        },
        RelayRefusal::UnknownOrganisation("x".into()),
        RelayRefusal::MarkingNotRelayable("marking-definition--x".into()),
    ];
    for r in &refusals {
        assert!(RelayRefusal::CODES.contains(&r.code()), "{}", r.code());
    }
    for r in refusals {
        let text = r.to_string();
        assert!(text.starts_with(&format!("{}: ", r.code())), "{text}");
        assert!(text.len() > r.code().len() + 10, "{text}");
    }
}
