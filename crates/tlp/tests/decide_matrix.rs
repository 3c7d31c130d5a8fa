//! Exhaustive tests of the read decision: every TLP level x every reader relation x the
//! collection settings that change the outcome, against a matrix written out by hand from the
//! TLP 2.0 rules in DESIGN.md section 4 (not derived from the implementation). Each cell string
//! lists CLEAR, GREEN, AMBER, AMBER+STRICT, RED: `V` visible, `-` withheld.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tlp::{
    ALL_TLP, AudienceEntry, Classification, CollectionPolicy, Decision, Directory, Organisation,
    ReadScope, Reader, Reason, Role, Rule, Tlp, decide,
};

const ORG_DTC: &str = "identity--0d7b8a6e-1c51-4d8c-9a4e-2f1f0e6b7d01";
const ANALYST_D: &str = "identity--5c7e2f4a-8b3d-4e6f-9a1c-0d2e4f6a8b02";
const DTC_OTHER: &str = "identity--7a9c1e3f-5b7d-4f9a-8c2e-4f6a8c0e2a03";

fn org(id: &str, identity: Option<&str>, serves: &[&str]) -> Organisation {
    Organisation {
        id: id.into(),
        identity: identity.map(str::to_owned),
        role: Role::Constituent,
        serves: serves.iter().map(|s| (*s).to_owned()).collect(),
        sectors: vec![],
        ..Organisation::default()
    }
}

fn directory() -> Directory {
    Directory::new([
        org(
            "ncsc",
            Some("identity--11111111-1111-4111-8111-111111111111"),
            &[],
        ),
        org("dtc", Some(ORG_DTC), &["company-b", "company-c"]),
        org(
            "zcert",
            Some("identity--22222222-2222-4222-8222-222222222222"),
            &[],
        ),
        org("c2t", None, &[]),
        org("company-b", None, &[]),
        org("outsider", None, &[]),
        org("ops", None, &[]),
    ])
}

/// The reader relations of the issue, in matrix column order.
#[derive(Debug, Clone, Copy)]
enum Who {
    Originator,
    AudienceMember,
    ConstituentOfAudienceMember,
    CommunityMember,
    Outsider,
    Anonymous,
    NamedRecipient,
    UnnamedColleague,
    Operator,
}

const WHO: [Who; 9] = [
    Who::Originator,
    Who::AudienceMember,
    Who::ConstituentOfAudienceMember,
    Who::CommunityMember,
    Who::Outsider,
    Who::Anonymous,
    Who::NamedRecipient,
    Who::UnnamedColleague,
    Who::Operator,
];

/// (reader, read grant) for a relation.
fn reader<'a>(dir: &'a Directory, who: Who) -> (Reader<'a>, bool) {
    let acct = |o: &str, identity: Option<&'a str>, operator: bool| Reader::Account {
        org: dir.get(o).unwrap(),
        identity,
        operator,
        personal: tlp::PersonalAccess::default(),
    };
    match who {
        Who::Originator => (acct("ncsc", None, false), true),
        Who::AudienceMember => (acct("zcert", None, false), true),
        Who::ConstituentOfAudienceMember => (acct("company-b", None, false), true),
        Who::CommunityMember => (acct("c2t", None, false), true),
        Who::Outsider => (acct("outsider", None, false), false),
        Who::Anonymous => (Reader::Anonymous, false),
        Who::NamedRecipient => (acct("dtc", Some(ANALYST_D), false), true),
        Who::UnnamedColleague => (acct("dtc", Some(DTC_OTHER), false), true),
        Who::Operator => (acct("ops", None, true), false),
    }
}

#[derive(Debug, Clone, Copy)]
enum Recipients {
    None,
    AnalystD,
    OrgDtc,
}

fn object(tlp: Option<Tlp>, r: Recipients) -> Classification {
    Classification {
        tlp,
        origin: Some("ncsc".into()),
        recipients: match r {
            Recipients::None => vec![],
            Recipients::AnalystD => vec![ANALYST_D.into()],
            Recipients::OrgDtc => vec![ORG_DTC.into()],
        },
        ..Classification::default()
    }
}

fn base_policy() -> CollectionPolicy {
    CollectionPolicy {
        audience: vec![
            AudienceEntry::Organisation("dtc".into()),
            AudienceEntry::Organisation("zcert".into()),
        ],
        ..CollectionPolicy::default()
    }
}

/// Checks one setting: `expected[i]` is the row of `WHO[i]`.
fn check(name: &str, policy: &CollectionPolicy, r: Recipients, expected: [&str; 9]) {
    let dir = directory();
    for (who, row) in WHO.iter().zip(expected) {
        let (reader, grant) = reader(&dir, *who);
        let scope = ReadScope::of(&reader, policy, grant, &dir);
        for (tlp, want) in ALL_TLP.iter().zip(row.chars()) {
            let c = object(Some(*tlp), r);
            let d = decide(&reader, policy, grant, &dir, &c);
            assert_eq!(
                d.is_visible(),
                want == 'V',
                "{name}, {r:?}: {who:?} reading {tlp}: got {d:?}"
            );
            assert_eq!(
                scope.allows(&c),
                d.is_visible(),
                "{name}, {r:?}: scope and decision differ for {who:?} at {tlp}"
            );
        }
    }
}

//                       Orig     Aud      Const    Comm     Outs     Anon     Named    Colleague Oper
#[test]
fn audience_of_organisations() {
    let p = base_policy();
    #[rustfmt::skip]
    check("A", &p, Recipients::None,     ["VVVVV", "VVVV-", "VV---", "VV---", "-----", "-----", "VVVV-", "VVVV-", "VVVVV"]);
    #[rustfmt::skip]
    check("A", &p, Recipients::AnalystD, ["VVVVV", "-----", "-----", "-----", "-----", "-----", "VVVVV", "-----", "VVVVV"]);
    #[rustfmt::skip]
    check("A", &p, Recipients::OrgDtc,   ["VVVVV", "-----", "-----", "-----", "-----", "-----", "VVVV-", "VVVV-", "VVVVV"]);
}

#[test]
fn audience_with_a_constituency() {
    let mut p = base_policy();
    p.audience.push(AudienceEntry::ConstituencyOf("dtc".into()));
    #[rustfmt::skip]
    check("B", &p, Recipients::None,     ["VVVVV", "VVVV-", "VVV--", "VV---", "-----", "-----", "VVVV-", "VVVV-", "VVVVV"]);
    #[rustfmt::skip]
    check("B", &p, Recipients::OrgDtc,   ["VVVVV", "-----", "-----", "-----", "-----", "-----", "VVVV-", "VVVV-", "VVVVV"]);
}

#[test]
fn public_collection() {
    let mut p = base_policy();
    p.public = true;
    #[rustfmt::skip]
    check("C", &p, Recipients::None,     ["VVVVV", "VVVV-", "VV---", "VV---", "-----", "V----", "VVVV-", "VVVV-", "VVVVV"]);
    #[rustfmt::skip]
    check("C", &p, Recipients::AnalystD, ["VVVVV", "-----", "-----", "-----", "-----", "-----", "VVVVV", "-----", "VVVVV"]);
}

#[test]
fn organisation_recipients_for_red_enabled() {
    let mut p = base_policy();
    p.red_org_recipients = true;
    #[rustfmt::skip]
    check("D", &p, Recipients::OrgDtc,   ["VVVVV", "-----", "-----", "-----", "-----", "-----", "VVVVV", "VVVVV", "VVVVV"]);
    #[rustfmt::skip]
    check("D", &p, Recipients::AnalystD, ["VVVVV", "-----", "-----", "-----", "-----", "-----", "VVVVV", "-----", "VVVVV"]);
}

#[test]
fn no_declared_audience_means_every_reader_is_direct() {
    let p = CollectionPolicy::default();
    #[rustfmt::skip]
    check("E", &p, Recipients::None,     ["VVVVV", "VVVV-", "VVVV-", "VVVV-", "-----", "-----", "VVVV-", "VVVV-", "VVVVV"]);
}

#[test]
fn quarantined_and_unmarked_objects_reach_the_originator_only() {
    let dir = directory();
    for p in [
        base_policy(),
        CollectionPolicy {
            public: true,
            ..CollectionPolicy::default()
        },
    ] {
        for who in WHO {
            let (reader, grant) = reader(&dir, who);
            let scope = ReadScope::of(&reader, &p, grant, &dir);
            let mut cases = vec![object(None, Recipients::None)];
            for t in ALL_TLP {
                let mut q = object(Some(t), Recipients::None);
                q.quarantined = true;
                cases.push(q);
            }
            for c in cases {
                let d = decide(&reader, &p, grant, &dir, &c);
                let want = matches!(who, Who::Originator | Who::Operator);
                assert_eq!(d.is_visible(), want, "{who:?} {c:?}: {d:?}");
                assert_eq!(scope.allows(&c), want, "{who:?} {c:?}");
            }
        }
    }
}

#[test]
fn objects_without_a_recorded_origin_have_no_originator() {
    let dir = directory();
    let p = base_policy();
    let (reader, grant) = reader(&dir, Who::Originator);
    let mut c = object(Some(Tlp::Red), Recipients::None);
    c.origin = None;
    assert_eq!(
        decide(&reader, &p, grant, &dir, &c),
        Decision::Withheld(Reason::RedOriginatorOnly)
    );
    assert!(!ReadScope::of(&reader, &p, grant, &dir).allows(&c));
}

#[test]
fn reasons_name_the_rule() {
    let dir = directory();
    let p = base_policy();
    let d = |who, tlp, r| {
        let (reader, grant) = reader(&dir, who);
        decide(&reader, &p, grant, &dir, &object(tlp, r))
    };
    use Recipients as R;
    assert_eq!(
        d(Who::Originator, Some(Tlp::Red), R::None),
        Decision::Visible(Rule::Originator)
    );
    assert_eq!(
        d(Who::Operator, Some(Tlp::Red), R::None),
        Decision::Visible(Rule::Operator)
    );
    assert_eq!(
        d(Who::AudienceMember, Some(Tlp::Red), R::None),
        Decision::Withheld(Reason::RedOriginatorOnly)
    );
    assert_eq!(
        d(Who::NamedRecipient, Some(Tlp::Red), R::AnalystD),
        Decision::Visible(Rule::NamedRecipient)
    );
    assert_eq!(
        d(Who::UnnamedColleague, Some(Tlp::Red), R::AnalystD),
        Decision::Withheld(Reason::NotARecipient)
    );
    assert_eq!(
        d(Who::AudienceMember, Some(Tlp::AmberStrict), R::None),
        Decision::Visible(Rule::DirectAudience)
    );
    assert_eq!(
        d(Who::CommunityMember, Some(Tlp::AmberStrict), R::None),
        Decision::Withheld(Reason::NotDirectAudience)
    );
    assert_eq!(
        d(Who::CommunityMember, Some(Tlp::Amber), R::None),
        Decision::Withheld(Reason::NotInAudience)
    );
    assert_eq!(
        d(Who::CommunityMember, Some(Tlp::Green), R::None),
        Decision::Visible(Rule::Community)
    );
    assert_eq!(
        d(Who::CommunityMember, Some(Tlp::Clear), R::None),
        Decision::Visible(Rule::Clear)
    );
    assert_eq!(
        d(Who::Outsider, Some(Tlp::Clear), R::None),
        Decision::Withheld(Reason::NoReadPermission)
    );
    assert_eq!(
        d(Who::Anonymous, Some(Tlp::Clear), R::None),
        Decision::Withheld(Reason::NoReadPermission)
    );
    assert_eq!(
        d(Who::AudienceMember, None, R::None),
        Decision::Withheld(Reason::Unmarked)
    );

    let public = CollectionPolicy {
        public: true,
        ..base_policy()
    };
    let anon = |tlp| {
        decide(
            &Reader::Anonymous,
            &public,
            false,
            &dir,
            &object(Some(tlp), R::None),
        )
    };
    assert_eq!(anon(Tlp::Clear), Decision::Visible(Rule::PublicClear));
    assert_eq!(
        anon(Tlp::Green),
        Decision::Withheld(Reason::AnonymousClearOnly)
    );

    let mut q = object(Some(Tlp::Clear), R::None);
    q.quarantined = true;
    let (reader, grant) = reader(&dir, Who::AudienceMember);
    assert_eq!(
        decide(&reader, &p, grant, &dir, &q),
        Decision::Withheld(Reason::Quarantined)
    );
}

/// Personal data (issue 5; research 4.6), every class x every combination of designations x
/// affected party or not x originator or not, for an audience member whose TLP allows the
/// object. Written out: `V` visible, `P` withheld for lack of a personal-data designation, `C`
/// for lack of a credential designation. Rows: classes none, possible, present, credential;
/// columns: designations none, personal data, credentials, both.
#[test]
fn personal_data_needs_a_designation_of_the_day_or_an_affected_party() {
    use tlp::{PersonalAccess, PiiClass};
    let dir = directory();
    let policy = base_policy();
    let classes = [
        PiiClass::None,
        PiiClass::Possible,
        PiiClass::Present,
        PiiClass::Credential,
    ];
    let accesses = [(false, false), (true, false), (false, true), (true, true)];
    // Not affected, not the originator.
    let expected = ["VVVV", "PVPV", "PVPV", "CCVV"];
    for (affected, originator) in [(false, false), (true, false), (false, true)] {
        for (class, row) in classes.iter().zip(expected) {
            for ((pd, cred), cell) in accesses.iter().zip(row.chars()) {
                let reader = Reader::Account {
                    org: dir.get("dtc").unwrap(),
                    identity: None,
                    operator: false,
                    personal: PersonalAccess {
                        personal_data: *pd,
                        credential: *cred,
                    },
                };
                let c = Classification {
                    tlp: Some(Tlp::Amber),
                    origin: Some(if originator { "dtc" } else { "ncsc" }.into()),
                    affected: if affected {
                        vec![ORG_DTC.to_owned()]
                    } else {
                        vec![]
                    },
                    pii: *class,
                    ..Classification::default()
                };
                let d = decide(&reader, &policy, true, &dir, &c);
                let want = if affected || originator { 'V' } else { cell };
                let got = match d {
                    Decision::Visible(_) => 'V',
                    Decision::Withheld(Reason::NoPersonalDataDesignation) => 'P',
                    Decision::Withheld(Reason::NoCredentialDesignation) => 'C',
                    other => panic!("{class:?} {pd} {cred}: {other:?}"),
                };
                assert_eq!(
                    got, want,
                    "{class:?} designations ({pd}, {cred}) affected {affected} originator {originator}"
                );
                // The page query's predicate agrees.
                let scope = ReadScope::of(&reader, &policy, true, &dir);
                assert_eq!(scope.allows(&c), got == 'V', "{class:?} ({pd}, {cred})");
            }
        }
    }
    // Being affected never widens TLP: DTC is not named for TLP:RED, so its own leaked data
    // under RED for someone else stays withheld from it.
    let reader = Reader::Account {
        org: dir.get("dtc").unwrap(),
        identity: None,
        operator: false,
        personal: PersonalAccess::default(),
    };
    let c = Classification {
        tlp: Some(Tlp::Red),
        origin: Some("ncsc".into()),
        recipients: vec![ANALYST_D.into()],
        affected: vec![ORG_DTC.into()],
        pii: PiiClass::Credential,
        ..Classification::default()
    };
    assert_eq!(
        decide(&reader, &policy, true, &dir, &c),
        Decision::Withheld(Reason::NotARecipient)
    );
}
