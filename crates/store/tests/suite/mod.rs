//! The behavioural suite every [`Store`] backend must pass, written once over `S: Store` (the
//! atuin `tests-database` pattern). A backend's test file does
//!
//! ```ignore
//! #[macro_use]
//! mod suite;
//! store_suite!(open_fresh_store().await);
//! ```
//!
//! and gets one `#[tokio::test]` per behaviour below, each on a fresh, empty store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use store::{
    Account, AddOutcome, ApiRoot, ApiToken, Collection, CollectionSpec, Micros, NewObject,
    ObjectFilter, Organisation, PageRequest, Provisioning, Row, StatusDetail, StatusRecord, Store,
    StoreError, Version, VersionMatch, VersionSelector, Visibility,
};
use uuid::Uuid;

/// One test per behaviour, each on a store `$open` produces (an expression, awaited inside an
/// async test; it must yield a fresh, empty store every time).
#[macro_export]
macro_rules! store_suite {
    ($open:expr) => {
        $crate::store_suite!(@tests $open;
            provisioning_is_idempotent,
            provisioning_conflicts_change_nothing,
            collections_by_id_alias_and_order,
            accounts_tokens_and_grants,
            organisations_and_collections_are_removed_only_when_unused,
            add_reports_added_duplicate_and_conflict,
            unversioned_objects_get_their_date_added_as_version,
            kept_date_added_must_move_forward,
            date_added_is_unique_and_increasing,
            a_failing_write_leaves_concurrent_writes_alone,
            version_filters_match_the_model,
            version_selection_happens_after_added_after,
            spec_version_defaults_to_the_latest,
            paging_reproduces_the_full_result,
            delete_all_and_selected_versions,
            status_round_trip,
            statuses_expire_by_age,
            bodies_are_byte_identical,
            manifests_have_no_bodies,
            reference_access_lists_every_version_of_the_ids,
            flagged_rows_bring_their_review,
            arrivals_keep_hops_and_checkpoint_with_their_objects,
            server_key_is_stable,
        );
    };
    (@tests $open:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = $open;
                suite::$name(&store).await;
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------------
// Fixtures

pub const ROOT: &str = "lds";
pub const ORG: &str = "ncsc";
pub const COLLECTION_ID: Uuid = Uuid::from_u128(0x9cfa669c_ee94_4ece_afd2_f8edac37d8fd);

pub fn base_provisioning() -> Provisioning {
    Provisioning {
        api_roots: vec![ApiRoot {
            path: ROOT.into(),
            title: "Landelijk Dekkend Stelsel".into(),
            description: None,
            max_content_length: 10 << 20,
        }],
        organisations: vec![
            Organisation {
                id: ORG.into(),
                name: "NCSC-NL".into(),
                identity: None,
                ..Default::default()
            },
            Organisation {
                id: "dtc".into(),
                name: "Digital Trust Center".into(),
                identity: Some("identity--x".into()),
                ..Default::default()
            },
        ],
        accounts: vec![Account {
            name: "feed".into(),
            organisation: ORG.into(),
            password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
            operator: false,
            identity: None,
        }],
        tokens: vec![ApiToken {
            sha256: [7; 32],
            account: "feed".into(),
            label: "misp-push".into(),
        }],
        collections: vec![CollectionSpec {
            api_root: ROOT.into(),
            id: COLLECTION_ID,
            title: "lds-partners".into(),
            description: Some("partners".into()),
            alias: Some("partners".into()),
            media_types: vec![],
            owner: Some(ORG.into()),
            policy: Default::default(),
        }],
        grants: vec![
            (ORG.into(), ROOT.into(), COLLECTION_ID, true, true),
            ("dtc".into(), ROOT.into(), COLLECTION_ID, true, false),
        ],
    }
}

/// Provisions the base declaration and returns its collection.
pub async fn setup<S: Store>(s: &S) -> Collection {
    s.provision(base_provisioning()).await.unwrap();
    s.collection(ROOT, &COLLECTION_ID.to_string())
        .await
        .unwrap()
        .unwrap()
}

pub fn micros(ts: &str) -> Micros {
    stix::StixTimestamp::parse(ts).unwrap().micros()
}

pub fn taxii(us: Micros) -> String {
    stix::StixTimestamp::from_micros(us).as_str().to_owned()
}

/// The STIX id `<type>--<uuid of n>`.
pub fn sid(ty: &str, n: u128) -> String {
    format!(
        "{ty}--{}",
        Uuid::from_u128(0x1000_0000_0000_4000_8000_0000_0000_0000 | n)
    )
}

fn type_of(id: &str) -> &str {
    id.split("--").next().unwrap()
}

/// A versioned object `id` at `modified`, with a `name` so different contents can be made.
pub fn versioned(id: &str, spec: &str, modified: &str, name: &str) -> NewObject {
    let ty = type_of(id);
    let body = format!(
        r#"{{"type":"{ty}","spec_version":"{spec}","id":"{id}","created":"2020-01-01T00:00:00.000Z","modified":"{modified}","name":"{name}"}}"#
    );
    NewObject {
        id: id.into(),
        type_name: ty.into(),
        spec_version: spec.into(),
        version: Some(Version {
            text: modified.into(),
            micros: micros(modified),
        }),
        body,
        access: store::Classification::default(),
        keep_date_added: None,
    }
}

/// An unversioned SCO with `value`.
pub fn unversioned(id: &str, value: &str) -> NewObject {
    let ty = type_of(id);
    NewObject {
        id: id.into(),
        type_name: ty.into(),
        spec_version: "2.1".into(),
        version: None,
        body: format!(r#"{{"type":"{ty}","spec_version":"2.1","id":"{id}","value":"{value}"}}"#),
        access: store::Classification {
            tlp: Some(store::Tlp::Clear),
            ..Default::default()
        },
        keep_date_added: None,
    }
}

pub fn status_for(n: usize) -> StatusRecord {
    StatusRecord {
        id: Uuid::new_v4(),
        api_root: ROOT.into(),
        account: "feed".into(),
        complete: false,
        request_timestamp: 1_600_000_000_000_000,
        total_count: n as u64,
        successes: vec![],
        failures: vec![],
        pendings: vec![],
    }
}

pub async fn add<S: Store>(s: &S, c: &Collection, objects: Vec<NewObject>) -> Vec<AddOutcome> {
    let n = objects.len();
    s.add_objects(c, objects, status_for(n)).await.unwrap().0
}

fn all_versions() -> ObjectFilter {
    ObjectFilter {
        versions: VersionMatch::All,
        ..ObjectFilter::default()
    }
}

/// Every row `f` selects, read as one page.
pub async fn everything<S: Store>(s: &S, c: &Collection, f: &ObjectFilter) -> Vec<Row> {
    let page = s
        .query(
            c,
            f,
            &Visibility::All,
            PageRequest {
                after: None,
                limit: 100_000,
            },
            true,
        )
        .await
        .unwrap();
    assert!(!page.more);
    page.rows
}

fn key(rows: &[Row]) -> Vec<(Micros, String, String)> {
    rows.iter()
        .map(|r| (r.date_added, r.id.clone(), r.version.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Provisioning and administrative reads

async fn snapshot<S: Store>(
    s: &S,
) -> (
    Vec<ApiRoot>,
    Vec<Collection>,
    Option<Account>,
    Option<Account>,
    Vec<store::Grant>,
) {
    (
        s.api_roots().await.unwrap(),
        s.collections(ROOT).await.unwrap(),
        s.account("feed").await.unwrap(),
        s.account_by_token([7; 32]).await.unwrap(),
        s.grants("dtc", ROOT).await.unwrap(),
    )
}

pub async fn provisioning_is_idempotent<S: Store>(s: &S) {
    s.provision(base_provisioning()).await.unwrap();
    let first = snapshot(s).await;
    s.provision(base_provisioning()).await.unwrap();
    assert_eq!(snapshot(s).await, first);
    assert_eq!(first.0.len(), 1);
    assert_eq!(first.1.len(), 1);

    // Updates apply; a missing password hash keeps the stored one.
    let mut p = base_provisioning();
    p.collections[0].title = "renamed".into();
    p.collections[0].description = None;
    p.accounts[0].password_hash = None;
    p.accounts[0].operator = true;
    p.grants[1].4 = true;
    s.provision(p).await.unwrap();
    let c = s.collection(ROOT, "partners").await.unwrap().unwrap();
    assert_eq!(
        (c.title.as_str(), c.description.as_deref(), c.key),
        ("renamed", None, first.1[0].key)
    );
    let a = s.account("feed").await.unwrap().unwrap();
    assert!(a.operator);
    assert_eq!(a.password_hash, first.2.as_ref().unwrap().password_hash);
    assert!(s.grants("dtc", ROOT).await.unwrap()[0].write);
}

pub async fn provisioning_conflicts_change_nothing<S: Store>(s: &S) {
    s.provision(base_provisioning()).await.unwrap();
    let before = snapshot(s).await;
    let other = Uuid::from_u128(42);
    let with_new_root = |mut p: Provisioning| {
        // Each failing declaration also carries a new API root, which must not appear.
        p.api_roots.push(ApiRoot {
            path: "new".into(),
            title: "New".into(),
            description: None,
            max_content_length: 1,
        });
        p
    };
    let spec = |title: &str, alias: Option<&str>, root: &str| CollectionSpec {
        api_root: root.into(),
        id: other,
        title: title.into(),
        description: None,
        alias: alias.map(Into::into),
        media_types: vec![],
        owner: None,
        policy: Default::default(),
    };
    let cases: Vec<(&str, Provisioning)> = vec![
        (
            "duplicate title",
            Provisioning {
                collections: vec![spec("lds-partners", None, ROOT)],
                ..Provisioning::default()
            },
        ),
        (
            "duplicate alias",
            Provisioning {
                collections: vec![spec("x", Some("partners"), ROOT)],
                ..Provisioning::default()
            },
        ),
        (
            "unknown API root",
            Provisioning {
                collections: vec![spec("x", None, "nowhere")],
                ..Provisioning::default()
            },
        ),
        (
            "collection moved to another API root",
            Provisioning {
                collections: vec![CollectionSpec {
                    api_root: "new".into(),
                    ..base_provisioning().collections[0].clone()
                }],
                ..Provisioning::default()
            },
        ),
        (
            "unknown organisation",
            Provisioning {
                accounts: vec![Account {
                    name: "x".into(),
                    organisation: "nobody".into(),
                    password_hash: None,
                    operator: false,
                    identity: None,
                }],
                ..Provisioning::default()
            },
        ),
        (
            "grant on unknown collection",
            Provisioning {
                grants: vec![(ORG.into(), ROOT.into(), other, true, true)],
                ..Provisioning::default()
            },
        ),
        (
            "token of another account",
            Provisioning {
                accounts: vec![Account {
                    name: "y".into(),
                    organisation: ORG.into(),
                    password_hash: None,
                    operator: false,
                    identity: None,
                }],
                tokens: vec![ApiToken {
                    sha256: [7; 32],
                    account: "y".into(),
                    label: "stolen".into(),
                }],
                ..Provisioning::default()
            },
        ),
    ];
    for (what, p) in cases {
        let err = s.provision(with_new_root(p)).await.expect_err(what);
        assert!(matches!(err, StoreError::Conflict(_)), "{what}: {err:?}");
        assert_eq!(snapshot(s).await, before, "{what} changed something");
        assert_eq!(s.account("y").await.unwrap(), None, "{what}");
    }
}

pub async fn collections_by_id_alias_and_order<S: Store>(s: &S) {
    let mut p = base_provisioning();
    for (n, title) in [(3u128, "zeta"), (1, "alpha"), (2, "mid")] {
        p.collections.push(CollectionSpec {
            api_root: ROOT.into(),
            id: Uuid::from_u128(n),
            title: title.into(),
            description: None,
            alias: None,
            media_types: vec!["application/stix+json;version=2.1".into()],
            owner: None,
            policy: Default::default(),
        });
    }
    s.provision(p).await.unwrap();
    let list = s.collections(ROOT).await.unwrap();
    let titles: Vec<_> = list.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["lds-partners", "zeta", "alpha", "mid"]);
    assert_eq!(s.collections(ROOT).await.unwrap(), list, "order is stable");
    assert_eq!(list[1].media_types, ["application/stix+json;version=2.1"]);
    assert_eq!(list[0].owner.as_deref(), Some(ORG));

    let by_id = s
        .collection(ROOT, &COLLECTION_ID.to_string())
        .await
        .unwrap()
        .unwrap();
    let by_upper = s
        .collection(ROOT, &COLLECTION_ID.to_string().to_uppercase())
        .await
        .unwrap()
        .unwrap();
    let by_alias = s.collection(ROOT, "partners").await.unwrap().unwrap();
    assert_eq!(by_id, list[0]);
    assert_eq!(by_upper, by_id);
    assert_eq!(by_alias, by_id);
    assert_eq!(
        s.collection(ROOT, "lds-partners").await.unwrap(),
        None,
        "titles are not lookup keys"
    );
    assert_eq!(s.collection("other", "partners").await.unwrap(), None);
    assert!(s.collections("other").await.unwrap().is_empty());
}

pub async fn accounts_tokens_and_grants<S: Store>(s: &S) {
    let c = setup(s).await;
    let a = s.account("feed").await.unwrap().unwrap();
    assert_eq!(a.organisation, ORG);
    assert_eq!(s.account_by_token([7; 32]).await.unwrap(), Some(a));
    assert_eq!(s.account_by_token([8; 32]).await.unwrap(), None);
    assert_eq!(s.account("nobody").await.unwrap(), None);
    let g = s.grants("dtc", ROOT).await.unwrap();
    assert_eq!(
        g,
        [store::Grant {
            collection_key: c.key,
            read: true,
            write: false
        }]
    );
    assert!(s.grants("dtc", "other").await.unwrap().is_empty());
    assert!(s.grants("nobody", ROOT).await.unwrap().is_empty());
    // A grant withdrawn is gone; withdrawing it again finds none.
    assert!(s.remove_grant("dtc", ROOT, COLLECTION_ID).await.unwrap());
    assert!(s.grants("dtc", ROOT).await.unwrap().is_empty());
    assert!(!s.remove_grant("dtc", ROOT, COLLECTION_ID).await.unwrap());
    assert!(!s.remove_grant("dtc", "other", COLLECTION_ID).await.unwrap());

    // Listing shows the token labels (never the tokens); removal takes the tokens with it.
    let all = s.accounts().await.unwrap();
    let feed = all.iter().find(|(a, _)| a.name == "feed").unwrap();
    assert_eq!(feed.1, vec!["misp-push".to_owned()]);
    assert!(s.remove_account("feed").await.unwrap());
    assert!(!s.remove_account("feed").await.unwrap(), "already gone");
    assert_eq!(s.account("feed").await.unwrap(), None);
    assert_eq!(s.account_by_token([7; 32]).await.unwrap(), None);
    assert!(
        s.accounts()
            .await
            .unwrap()
            .iter()
            .all(|(a, _)| a.name != "feed")
    );
}

pub async fn organisations_and_collections_are_removed_only_when_unused<S: Store>(s: &S) {
    let c = setup(s).await;
    // NCSC has an account, grants and owns the collection: each is named, nothing changes.
    let err = s.remove_organisation(ORG).await.unwrap_err().to_string();
    for part in [
        "accounts feed",
        "grants on collections lds/9cfa669c",
        "owned collections lds/9cfa669c",
    ] {
        assert!(err.contains(part), "{err}");
    }
    assert_eq!(s.organisations().await.unwrap().len(), 2);
    // A constituency naming the DTC keeps it too.
    let mut p = base_provisioning();
    p.organisations[0].serves = vec!["dtc".into()];
    s.provision(p).await.unwrap();
    assert!(s.remove_grant("dtc", ROOT, COLLECTION_ID).await.unwrap());
    let err = s.remove_organisation("dtc").await.unwrap_err().to_string();
    assert!(err.contains("the constituency of ncsc"), "{err}");
    // So does an audience naming it.
    let mut p = base_provisioning();
    p.grants.retain(|g| g.0 != "dtc");
    p.collections[0].policy.audience = vec![tlp::AudienceEntry::ConstituencyOf("dtc".into())];
    s.provision(p).await.unwrap();
    let err = s.remove_organisation("dtc").await.unwrap_err().to_string();
    assert!(
        err.contains("the audience of collections lds/9cfa669c"),
        "{err}"
    );
    assert!(!err.contains("constituency of"), "{err}");
    let mut p = base_provisioning();
    p.grants.retain(|g| g.0 != "dtc");
    s.provision(p).await.unwrap();
    assert!(s.remove_organisation("dtc").await.unwrap());
    assert!(!s.remove_organisation("dtc").await.unwrap(), "already gone");
    // An organisation that posted stored versions stays their originator.
    let mut posted = versioned(&sid("indicator", 2), "2.1", "2021-01-01T00:00:00.000Z", "b");
    posted.access.origin = Some(ORG.into());
    add(s, &c, vec![posted]).await;
    let err = s.remove_organisation(ORG).await.unwrap_err().to_string();
    assert!(err.contains("1 stored object versions it posted"), "{err}");

    // A collection holding objects is only removed with them.
    add(
        s,
        &c,
        vec![versioned(
            &sid("indicator", 1),
            "2.1",
            "2021-01-01T00:00:00.000Z",
            "a",
        )],
    )
    .await;
    let err = s
        .remove_collection(ROOT, COLLECTION_ID, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("holds 2 object versions"), "{err}");
    assert!(
        s.collection(ROOT, &COLLECTION_ID.to_string())
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        s.remove_collection("other", COLLECTION_ID, true)
            .await
            .unwrap(),
        None
    );
    // An import's position goes with the collection; other positions stay.
    for name in [
        format!("import:{ROOT}/{COLLECTION_ID}:0011"),
        "pull:ncsc".into(),
    ] {
        s.add_arrival(
            &c,
            store::Arrival {
                kind: store::audit::AuditKind::Import,
                organisation: None,
                account: None,
                endpoint: "import".into(),
                time: 1_700_000_000_000_000,
                objects: vec![],
                hops: vec![],
                refused: vec![],
                from: None,
                justification: None,
                checkpoint: Some((name, "0:5".into())),
                checkpoint_from: None,
            },
        )
        .await
        .unwrap();
    }
    assert_eq!(
        s.remove_collection(ROOT, COLLECTION_ID, true)
            .await
            .unwrap(),
        Some(2)
    );
    assert!(
        s.collection(ROOT, &COLLECTION_ID.to_string())
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.grants(ORG, ROOT).await.unwrap().is_empty());
    let import = format!("import:{ROOT}/{COLLECTION_ID}:0011");
    assert_eq!(s.checkpoint(&import).await.unwrap(), None);
    assert_eq!(
        s.checkpoint("pull:ncsc").await.unwrap().as_deref(),
        Some("0:5")
    );
    // Created again under the same id, it is empty.
    let c = setup(s).await;
    assert!(everything(s, &c, &ObjectFilter::default()).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Adding objects

pub async fn add_reports_added_duplicate_and_conflict<S: Store>(s: &S) {
    let c = setup(s).await;
    let id = sid("indicator", 1);
    let v = "2021-05-01T10:00:00.000Z";
    let o = versioned(&id, "2.1", v, "one");
    // Same members, other order and whitespace.
    let reordered = NewObject {
        body: format!(
            "{{ \"name\": \"one\",\n  \"modified\": \"{v}\", \"created\": \"2020-01-01T00:00:00.000Z\", \"id\": \"{id}\", \"spec_version\": \"2.1\", \"type\": \"indicator\" }}"
        ),
        ..o.clone()
    };
    let changed = versioned(&id, "2.1", v, "two");
    let out = add(s, &c, vec![o.clone(), o.clone(), reordered, changed]).await;
    assert!(
        matches!(&out[0], AddOutcome::Added { version, .. } if version == v),
        "{out:?}"
    );
    assert_eq!(
        out[1],
        AddOutcome::Duplicate { version: v.into() },
        "duplicate inside one request"
    );
    assert_eq!(
        out[2],
        AddOutcome::Duplicate { version: v.into() },
        "equal as JSON"
    );
    match &out[3] {
        AddOutcome::Rejected { version, reason } => {
            assert_eq!(version.as_deref(), Some(v));
            assert!(reason.contains("S-37"), "{reason}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    // In a later request too; and the stored body is the first one.
    assert_eq!(
        add(s, &c, vec![o.clone()]).await,
        [AddOutcome::Duplicate { version: v.into() }]
    );
    let rows = everything(s, &c, &all_versions()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].body.as_deref(), Some(o.body.as_str()));
}

pub async fn unversioned_objects_get_their_date_added_as_version<S: Store>(s: &S) {
    let c = setup(s).await;
    let id = sid("ipv4-addr", 1);
    let first = unversioned(&id, "198.51.100.1");
    let out = add(s, &c, vec![first.clone()]).await;
    let AddOutcome::Added {
        date_added,
        version,
    } = out[0].clone()
    else {
        panic!("{out:?}")
    };
    assert_eq!(version, taxii(date_added));
    assert_eq!(version.len(), "2021-01-01T00:00:00.000000Z".len());
    // Same content, other formatting: a duplicate reporting the stored version.
    let again = NewObject {
        body: first.body.replace(',', " ,\n"),
        ..first.clone()
    };
    assert_eq!(
        add(s, &c, vec![again]).await,
        [AddOutcome::Duplicate {
            version: version.clone()
        }]
    );
    // Other content: a new version of its own.
    let out = add(s, &c, vec![unversioned(&id, "198.51.100.2")]).await;
    let AddOutcome::Added {
        date_added: d2,
        version: v2,
    } = out[0].clone()
    else {
        panic!("{out:?}")
    };
    assert!(d2 > date_added);
    assert_eq!(v2, taxii(d2));
    let rows = everything(s, &c, &all_versions()).await;
    assert_eq!(
        key(&rows),
        [
            (date_added, id.clone(), version.clone()),
            (d2, id.clone(), v2.clone())
        ]
    );
    // Version filters see these versions like any others.
    let f = ObjectFilter {
        versions: VersionMatch::Any(vec![VersionSelector::At(date_added)]),
        ..ObjectFilter::default()
    };
    assert_eq!(
        key(&everything(s, &c, &f).await),
        [(date_added, id.clone(), version)]
    );
    assert_eq!(
        key(&everything(s, &c, &ObjectFilter::default()).await),
        [(d2, id, v2)]
    );
}

pub async fn kept_date_added_must_move_forward<S: Store>(s: &S) {
    let c = setup(s).await;
    let out = add(
        s,
        &c,
        vec![versioned(
            &sid("malware", 1),
            "2.1",
            "2021-01-01T00:00:00Z",
            "a",
        )],
    )
    .await;
    let AddOutcome::Added {
        date_added: now, ..
    } = out[0]
    else {
        panic!()
    };
    let future = now + 3_600_000_000;
    let keep = |mut o: NewObject, t: Micros| {
        o.keep_date_added = Some(t);
        o
    };
    let out = add(
        s,
        &c,
        vec![
            keep(
                versioned(&sid("malware", 2), "2.1", "2021-01-01T00:00:00Z", "b"),
                future,
            ),
            keep(
                versioned(&sid("malware", 3), "2.1", "2021-01-01T00:00:00Z", "c"),
                future,
            ),
            keep(unversioned(&sid("ipv4-addr", 3), "192.0.2.1"), future - 1),
            keep(
                versioned(&sid("malware", 4), "2.1", "2021-01-01T00:00:00Z", "d"),
                future + 1,
            ),
        ],
    )
    .await;
    assert_eq!(
        out[0],
        AddOutcome::Added {
            date_added: future,
            version: "2021-01-01T00:00:00Z".into()
        }
    );
    for o in &out[1..3] {
        let AddOutcome::Rejected { reason, .. } = o else {
            panic!("{out:?}")
        };
        assert!(reason.contains("date_added"), "{reason}");
    }
    assert!(matches!(out[3], AddOutcome::Added { date_added, .. } if date_added == future + 1));
    // The collection's clock follows the kept values.
    let out = add(
        s,
        &c,
        vec![versioned(
            &sid("malware", 5),
            "2.1",
            "2021-01-01T00:00:00Z",
            "e",
        )],
    )
    .await;
    assert!(
        matches!(out[0], AddOutcome::Added { date_added, .. } if date_added == future + 2),
        "{out:?}"
    );
}

pub async fn date_added_is_unique_and_increasing<S: Store>(s: &S) {
    let c = setup(s).await;
    let big: Vec<_> = (0..1000)
        .map(|n| versioned(&sid("indicator", n), "2.1", "2021-01-01T00:00:00Z", "x"))
        .collect();
    let out = add(s, &c, big).await;
    let dates: Vec<Micros> = out
        .iter()
        .map(|o| match o {
            AddOutcome::Added { date_added, .. } => *date_added,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(
        dates.windows(2).all(|w| w[0] < w[1]),
        "one batch: strictly increasing in input order"
    );

    let mut tasks = Vec::new();
    for t in 0..8u128 {
        let (s, c) = (s.clone(), c.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for b in 0..5u128 {
                let objs = (0..20)
                    .map(|n| {
                        versioned(
                            &sid("malware", t << 32 | b << 16 | n),
                            "2.1",
                            "2021-01-01T00:00:00Z",
                            "y",
                        )
                    })
                    .collect();
                for o in add(&s, &c, objs).await {
                    let AddOutcome::Added { date_added, .. } = o else {
                        panic!("{o:?}")
                    };
                    mine.push(date_added);
                }
            }
            mine
        }));
    }
    let mut all: Vec<Micros> = dates;
    for t in tasks {
        let mine = t.await.unwrap();
        assert!(
            mine.windows(2).all(|w| w[0] < w[1]),
            "a task's own writes are ordered"
        );
        all.extend(mine);
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "unique across concurrent batches");
    let rows = everything(s, &c, &all_versions()).await;
    assert_eq!(rows.len(), 1800);
    assert!(rows.windows(2).all(|w| w[0].date_added < w[1].date_added));
    all.sort_unstable();
    assert_eq!(rows.iter().map(|r| r.date_added).collect::<Vec<_>>(), all);
}

/// Writes that fail (here: conflicting provisioning) and writes that succeed, submitted at the
/// same time (so a backend that groups them into one transaction must isolate them).
pub async fn a_failing_write_leaves_concurrent_writes_alone<S: Store>(s: &S) {
    let c = setup(s).await;
    let mut tasks = Vec::new();
    for t in 0..24u128 {
        let (s, c) = (s.clone(), c.clone());
        tasks.push(tokio::spawn(async move {
            if t % 2 == 0 {
                let objs = (0..10)
                    .map(|n| versioned(&sid("malware", t << 8 | n), "2.1", T1, "m"))
                    .collect();
                let out = add(&s, &c, objs).await;
                assert!(
                    out.iter().all(|o| matches!(o, AddOutcome::Added { .. })),
                    "{out:?}"
                );
            } else {
                let mut p = base_provisioning();
                p.api_roots.push(ApiRoot {
                    path: format!("root{t}"),
                    title: "x".into(),
                    description: None,
                    max_content_length: 1,
                });
                p.collections.push(CollectionSpec {
                    id: Uuid::from_u128(t),
                    ..p.collections[0].clone()
                });
                let err = s.provision(p).await.expect_err("duplicate title");
                assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(everything(s, &c, &all_versions()).await.len(), 120);
    assert_eq!(s.api_roots().await.unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Queries, against a naive model of the TAXII rules

/// What the suite knows about a stored row.
#[derive(Debug, Clone)]
pub struct Stored {
    pub date_added: Micros,
    pub id: String,
    pub ty: String,
    pub spec: String,
    pub version_us: Micros,
    pub version: String,
}

/// The TAXII selection written as plainly as possible (T-84 ... T-90): row filters, then the
/// latest spec version per object unless spec versions are named, then the version selectors
/// over what is left, in date_added order.
pub fn model(rows: &[Stored], f: &ObjectFilter) -> Vec<(Micros, String, String)> {
    let passed: Vec<&Stored> = rows
        .iter()
        .filter(|r| f.ids.is_empty() || f.ids.contains(&r.id))
        .filter(|r| f.types.is_empty() || f.types.contains(&r.ty))
        .filter(|r| f.added_after.is_none_or(|t| r.date_added > t))
        .collect();
    let mut latest_spec: BTreeMap<&str, &str> = BTreeMap::new();
    for r in &passed {
        let e = latest_spec.entry(&r.id).or_insert(&r.spec);
        if r.spec.as_str() > *e {
            *e = &r.spec;
        }
    }
    let passed: Vec<&Stored> = passed
        .into_iter()
        .filter(|r| {
            if f.spec_versions.is_empty() {
                latest_spec[r.id.as_str()] == r.spec
            } else {
                f.spec_versions.contains(&r.spec)
            }
        })
        .collect();
    let mut bounds: BTreeMap<&str, (Micros, Micros)> = BTreeMap::new();
    for r in &passed {
        let e = bounds.entry(&r.id).or_insert((r.version_us, r.version_us));
        e.0 = e.0.min(r.version_us);
        e.1 = e.1.max(r.version_us);
    }
    let mut out: Vec<_> = passed
        .into_iter()
        .filter(|r| match &f.versions {
            VersionMatch::All => true,
            VersionMatch::Any(sels) => sels.iter().any(|s| match s {
                VersionSelector::First => r.version_us == bounds[r.id.as_str()].0,
                VersionSelector::Last => r.version_us == bounds[r.id.as_str()].1,
                VersionSelector::At(t) => r.version_us == *t,
            }),
        })
        .map(|r| (r.date_added, r.id.clone(), r.version.clone()))
        .collect();
    out.sort();
    out
}

/// Adds the objects one request each (so date_added order is the list order) and records them.
async fn load<S: Store>(s: &S, c: &Collection, objects: Vec<NewObject>) -> Vec<Stored> {
    let mut stored = Vec::new();
    for o in objects {
        let out = add(s, c, vec![o.clone()]).await;
        let AddOutcome::Added {
            date_added,
            version,
        } = out[0].clone()
        else {
            panic!("{out:?}")
        };
        stored.push(Stored {
            date_added,
            ty: o.type_name.clone(),
            spec: o.spec_version.clone(),
            version_us: o.version.as_ref().map_or(date_added, |v| v.micros),
            version,
            id: o.id,
        });
    }
    stored
}

const T1: &str = "2021-01-01T00:00:00.000Z";
const T2: &str = "2021-01-02T00:00:00.000Z";
const T3: &str = "2021-01-03T00:00:00.000Z";
const T4: &str = "2021-01-04T00:00:00.000Z";

/// Several objects whose versions arrive out of version order, interleaved, with an object
/// that exists in two spec versions (the newest `modified` in the older spec) and an
/// unversioned SCO.
async fn scenario<S: Store>(s: &S, c: &Collection) -> Vec<Stored> {
    let (a, b, cc, e) = (
        sid("indicator", 0xa),
        sid("malware", 0xb),
        sid("indicator", 0xc),
        sid("malware", 0xe),
    );
    let d = sid("ipv4-addr", 0xd);
    load(
        s,
        c,
        vec![
            versioned(&a, "2.1", T2, "a2"),
            versioned(&b, "2.1", T1, "b1"),
            versioned(&a, "2.1", T1, "a1"),
            versioned(&cc, "2.0", T1, "c1"),
            unversioned(&d, "192.0.2.1"),
            versioned(&cc, "2.1", T2, "c2"),
            versioned(&a, "2.1", T3, "a3"),
            versioned(&e, "2.1", T4, "e4"),
            versioned(&b, "2.1", T2, "b2"),
            versioned(&cc, "2.0", T3, "c3"),
            unversioned(&d, "192.0.2.2"),
            versioned(&cc, "2.1", T4, "c4"),
            versioned(&a, "2.1", T4, "a4"),
        ],
    )
    .await
}

fn version_matches() -> Vec<VersionMatch> {
    use VersionSelector::*;
    vec![
        VersionMatch::All,
        VersionMatch::Any(vec![Last]),
        VersionMatch::Any(vec![First]),
        VersionMatch::Any(vec![First, Last]),
        VersionMatch::Any(vec![At(micros(T2))]),
        VersionMatch::Any(vec![At(micros(T2)), Last]),
        VersionMatch::Any(vec![At(micros(T3)), First]),
        VersionMatch::Any(vec![At(micros(T1)), At(micros(T4))]),
        VersionMatch::Any(vec![At(micros("2030-01-01T00:00:00Z"))]),
    ]
}

pub async fn version_filters_match_the_model<S: Store>(s: &S) {
    let c = setup(s).await;
    let rows = scenario(s, &c).await;
    let mut positions: Vec<Option<Micros>> = vec![None, Some(0)];
    positions.extend(
        [1usize, 4, 6, 9, 12]
            .iter()
            .map(|&i| Some(rows[i].date_added)),
    );
    let ids = [
        vec![],
        vec![sid("indicator", 0xa)],
        vec![
            sid("indicator", 0xa),
            sid("indicator", 0xc),
            sid("nothing", 0),
        ],
    ];
    let types = [
        vec![],
        vec!["indicator".to_string()],
        vec!["malware".to_string(), "ipv4-addr".to_string()],
    ];
    let specs = [
        vec![],
        vec!["2.1".to_string()],
        vec!["2.0".to_string()],
        vec!["2.0".to_string(), "2.1".to_string()],
    ];
    let mut checked = 0;
    for versions in version_matches() {
        for added_after in &positions {
            for ids in &ids {
                for types in &types {
                    for spec_versions in &specs {
                        let f = ObjectFilter {
                            ids: ids.clone(),
                            types: types.clone(),
                            spec_versions: spec_versions.clone(),
                            versions: versions.clone(),
                            added_after: *added_after,
                        };
                        assert_eq!(key(&everything(s, &c, &f).await), model(&rows, &f), "{f:?}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 9 * 7 * 3 * 3 * 4);
}

pub async fn version_selection_happens_after_added_after<S: Store>(s: &S) {
    let c = setup(s).await;
    let a = sid("indicator", 1);
    let rows = load(
        s,
        &c,
        vec![
            versioned(&a, "2.1", T3, "3"),
            versioned(&a, "2.1", T1, "1"),
            versioned(&a, "2.1", T2, "2"),
        ],
    )
    .await;
    let only = |v: &str| {
        vec![(
            rows.iter().find(|r| r.version == v).unwrap().date_added,
            a.clone(),
            v.to_owned(),
        )]
    };
    let f = |sels: Vec<VersionSelector>, after: Option<Micros>| ObjectFilter {
        versions: VersionMatch::Any(sels),
        added_after: after,
        ..ObjectFilter::default()
    };
    use VersionSelector::*;
    assert_eq!(
        key(&everything(s, &c, &f(vec![Last], None)).await),
        only(T3)
    );
    assert_eq!(
        key(&everything(s, &c, &f(vec![First], None)).await),
        only(T1)
    );
    // Added after the T3 row: T1 and T2 remain; last of those is T2, first is T1.
    let after = Some(rows[0].date_added);
    assert_eq!(
        key(&everything(s, &c, &f(vec![Last], after)).await),
        only(T2)
    );
    assert_eq!(
        key(&everything(s, &c, &f(vec![First], after)).await),
        only(T1)
    );
    let after = Some(rows[1].date_added);
    assert_eq!(
        key(&everything(s, &c, &f(vec![First, Last], after)).await),
        only(T2)
    );
    assert!(
        everything(s, &c, &f(vec![Last], Some(rows[2].date_added)))
            .await
            .is_empty()
    );
}

pub async fn spec_version_defaults_to_the_latest<S: Store>(s: &S) {
    let c = setup(s).await;
    let rows = scenario(s, &c).await;
    let cc = sid("indicator", 0xc);
    let of_c = |f: ObjectFilter| ObjectFilter {
        ids: vec![cc.clone()],
        ..f
    };
    let versions = |rows: Vec<Row>| {
        rows.into_iter()
            .map(|r| (r.spec_version, r.version))
            .collect::<Vec<_>>()
    };
    // Only 2.1 rows without a spec_version filter, even though a 2.0 row has a later modified.
    assert_eq!(
        versions(everything(s, &c, &of_c(ObjectFilter::default())).await),
        [("2.1".to_string(), T4.to_string())]
    );
    assert_eq!(
        versions(everything(s, &c, &of_c(all_versions())).await),
        [("2.1".into(), T2.into()), ("2.1".into(), T4.into())]
    );
    let spec20 = of_c(ObjectFilter {
        spec_versions: vec!["2.0".into()],
        ..ObjectFilter::default()
    });
    assert_eq!(
        versions(everything(s, &c, &spec20).await),
        [("2.0".to_string(), T3.to_string())]
    );
    // Added after the last 2.1 row of C: nothing of C is left.
    let after = rows
        .iter()
        .filter(|r| r.id == cc && r.spec == "2.1")
        .map(|r| r.date_added)
        .max();
    let f = of_c(ObjectFilter {
        added_after: after,
        ..all_versions()
    });
    assert!(everything(s, &c, &f).await.is_empty());
    // Added after the first 2.1 row: the later 2.0 row and the T4 2.1 row remain; 2.1 wins.
    let after = rows
        .iter()
        .filter(|r| r.id == cc && r.spec == "2.1")
        .map(|r| r.date_added)
        .min();
    let f = of_c(ObjectFilter {
        added_after: after,
        ..all_versions()
    });
    assert_eq!(
        versions(everything(s, &c, &f).await),
        [("2.1".to_string(), T4.to_string())]
    );
}

pub async fn paging_reproduces_the_full_result<S: Store>(s: &S) {
    let c = setup(s).await;
    let rows = scenario(s, &c).await;
    let mut filters: Vec<ObjectFilter> = Vec::new();
    for versions in version_matches() {
        for added_after in [None, Some(rows[3].date_added)] {
            for types in [vec![], vec!["indicator".to_string()]] {
                filters.push(ObjectFilter {
                    versions: versions.clone(),
                    added_after,
                    types,
                    ..ObjectFilter::default()
                });
            }
        }
    }
    for f in &filters {
        let full = everything(s, &c, f).await;
        for limit in 1..=full.len() + 1 {
            for bodies in [true, false] {
                let mut got: Vec<Row> = Vec::new();
                let mut after = None;
                loop {
                    let page = s
                        .query(
                            &c,
                            f,
                            &Visibility::All,
                            PageRequest { after, limit },
                            bodies,
                        )
                        .await
                        .unwrap();
                    assert!(page.rows.len() <= limit);
                    let expect_more = got.len() + page.rows.len() < full.len();
                    assert_eq!(page.more, expect_more, "{f:?} limit {limit}");
                    after = page.rows.last().map(|r| r.date_added).or(after);
                    got.extend(page.rows);
                    if !page.more {
                        break;
                    }
                }
                let expected: Vec<Row> = full
                    .iter()
                    .cloned()
                    .map(|r| Row {
                        body: if bodies { r.body } else { None },
                        ..r
                    })
                    .collect();
                assert_eq!(got, expected, "{f:?} limit {limit}");
            }
        }
    }
}

pub async fn delete_all_and_selected_versions<S: Store>(s: &S) {
    let c = setup(s).await;
    let a = sid("indicator", 1);
    let b = sid("indicator", 2);
    let mut rows = load(
        s,
        &c,
        vec![
            versioned(&a, "2.1", T1, "1"),
            versioned(&a, "2.1", T3, "3"),
            versioned(&b, "2.1", T1, "b"),
            versioned(&a, "2.1", T2, "2"),
            versioned(&a, "2.0", T4, "4"),
        ],
    )
    .await;
    let at = |t: &str| ObjectFilter {
        versions: VersionMatch::Any(vec![VersionSelector::At(micros(t))]),
        ..ObjectFilter::default()
    };
    let check = |rows: &Vec<Stored>| {
        let rows = rows.clone();
        let (s, c) = (s.clone(), c.clone());
        async move {
            for f in [
                ObjectFilter::default(),
                all_versions(),
                ObjectFilter {
                    spec_versions: vec!["2.0".into()],
                    ..all_versions()
                },
            ] {
                assert_eq!(
                    key(&everything(&s, &c, &f).await),
                    model(&rows, &f),
                    "{f:?}"
                );
            }
        }
    };
    check(&rows).await;
    // The selection is the one a read makes: without a spec_version filter T4 (spec 2.0) is not
    // among the versions of the latest spec, so deleting it by version does nothing.
    assert_eq!(s.delete_object(&c, &a, &at(T4)).await.unwrap(), 0);
    let spec20 = ObjectFilter {
        spec_versions: vec!["2.0".into()],
        ..all_versions()
    };
    assert_eq!(s.delete_object(&c, &a, &spec20).await.unwrap(), 1);
    rows.retain(|r| r.spec != "2.0");
    check(&rows).await;
    // Deleting the last version makes the previous one the latest.
    assert_eq!(s.delete_object(&c, &a, &at(T3)).await.unwrap(), 1);
    rows.retain(|r| r.version != T3);
    check(&rows).await;
    let last = everything(
        s,
        &c,
        &ObjectFilter {
            ids: vec![a.clone()],
            ..ObjectFilter::default()
        },
    )
    .await;
    assert_eq!(last[0].version, T2);
    // `first` deletes the oldest; the ids of the filter are ignored.
    let first = ObjectFilter {
        ids: vec![b.clone()],
        versions: VersionMatch::Any(vec![VersionSelector::First]),
        ..ObjectFilter::default()
    };
    assert_eq!(s.delete_object(&c, &a, &first).await.unwrap(), 1);
    rows.retain(|r| !(r.id == a && r.version == T1));
    check(&rows).await;
    assert!(s.object_exists(&c, &a, &Visibility::All).await.unwrap());
    // All versions.
    assert_eq!(s.delete_object(&c, &a, &all_versions()).await.unwrap(), 1);
    rows.retain(|r| r.id != a);
    check(&rows).await;
    assert!(!s.object_exists(&c, &a, &Visibility::All).await.unwrap());
    assert!(s.object_exists(&c, &b, &Visibility::All).await.unwrap());
    assert_eq!(s.delete_object(&c, &a, &all_versions()).await.unwrap(), 0);
    // A deleted object can come back, with a new date_added after everything before.
    let out = add(s, &c, vec![versioned(&a, "2.1", T1, "1")]).await;
    assert!(
        matches!(out[0], AddOutcome::Added { date_added, .. } if date_added > rows.iter().map(|r| r.date_added).max().unwrap())
    );
}

pub async fn status_round_trip<S: Store>(s: &S) {
    let c = setup(s).await;
    let mut st = status_for(4);
    st.failures.push(StatusDetail {
        id: "bad--1".into(),
        version: "".into(),
        message: Some("invalid: S-2".into()),
    });
    let id = sid("indicator", 1);
    let objs = vec![
        versioned(&id, "2.1", T1, "x"),
        versioned(&id, "2.1", T1, "x"),
        versioned(&id, "2.1", T1, "y"),
    ];
    let (out, rec) = s.add_objects(&c, objs, st.clone()).await.unwrap();
    assert_eq!(out.len(), 3);
    assert!(rec.complete);
    assert_eq!(
        (rec.id, rec.total_count, rec.request_timestamp),
        (st.id, 4, st.request_timestamp)
    );
    assert_eq!(rec.successes.len(), 2);
    assert_eq!(rec.failures.len(), 2);
    assert_eq!(
        rec.failures[0], st.failures[0],
        "the caller's failures come first"
    );
    assert!(
        rec.successes
            .iter()
            .all(|d| d.id == id && d.version == T1 && d.message.is_some())
    );
    assert!(rec.failures[1].message.as_deref().unwrap().contains("S-37"));
    assert_eq!(s.status(ROOT, st.id).await.unwrap(), Some(rec));
    assert_eq!(s.status("other", st.id).await.unwrap(), None);
    assert_eq!(s.status(ROOT, Uuid::new_v4()).await.unwrap(), None);
}

pub async fn statuses_expire_by_age<S: Store>(s: &S) {
    let c = setup(s).await;
    let old = status_for(1);
    s.add_objects(
        &c,
        vec![versioned(&sid("indicator", 1), "2.1", T1, "a")],
        old.clone(),
    )
    .await
    .unwrap();
    let cut = store_now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let new = status_for(1);
    s.add_objects(
        &c,
        vec![versioned(&sid("indicator", 2), "2.1", T1, "b")],
        new.clone(),
    )
    .await
    .unwrap();
    assert_eq!(s.expire_statuses(cut - 3_600_000_000).await.unwrap(), 0);
    assert!(s.status(ROOT, old.id).await.unwrap().is_some());
    assert_eq!(s.expire_statuses(cut).await.unwrap(), 1);
    assert_eq!(s.status(ROOT, old.id).await.unwrap(), None);
    assert!(s.status(ROOT, new.id).await.unwrap().is_some());
    // The objects the expired status reported on stay.
    assert_eq!(everything(s, &c, &ObjectFilter::default()).await.len(), 2);
}

/// Now in microseconds since the epoch, as the store stamps what it writes.
fn store_now() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(d.as_micros()).unwrap()
}

pub async fn bodies_are_byte_identical<S: Store>(s: &S) {
    let c = setup(s).await;
    let id = sid("note", 1);
    let body = format!(
        "{{\n  \"type\" : \"note\",\t\"id\":\"{id}\", \"spec_version\":\"2.1\",\r\n \"modified\":\"{T1}\",\"created\":\"{T1}\", \
         \"content\": \"caf\\u00e9 \\/ \\\"quoted\\\" \\\\ tab\\t \u{0130}jsselmeer \u{65e5}\u{672c} \u{1F41F}\", \"n\": 1.50, \"e\": 1E3 }}  "
    );
    let o = NewObject {
        body: body.clone(),
        type_name: "note".into(),
        ..versioned(&id, "2.1", T1, "")
    };
    let o = NewObject {
        id: id.clone(),
        ..o
    };
    assert!(matches!(
        add(s, &c, vec![o]).await[0],
        AddOutcome::Added { .. }
    ));
    let rows = everything(s, &c, &ObjectFilter::default()).await;
    assert_eq!(rows[0].body.as_deref(), Some(body.as_str()));
    let one = everything(
        s,
        &c,
        &ObjectFilter {
            ids: vec![id],
            ..all_versions()
        },
    )
    .await;
    assert_eq!(
        one[0].body.as_deref().map(str::as_bytes),
        Some(body.as_bytes())
    );
}

/// `reference_access` (redaction's lookup of referenced objects): every stored version of
/// each id asked for, with its classification, whatever the number of ids; nothing for ids not
/// held.
pub async fn reference_access_lists_every_version_of_the_ids<S: Store>(s: &S) {
    let c = setup(s).await;
    let a = sid("indicator", 1);
    let b = sid("malware", 2);
    let mut objects = vec![
        versioned(&a, "2.1", "2024-01-01T00:00:00.000Z", "a1"),
        versioned(&a, "2.1", "2024-01-02T00:00:00.000Z", "a2"),
        versioned(&b, "2.1", "2024-01-01T00:00:00.000Z", "b1"),
    ];
    objects[1].access = tlp::Classification {
        tlp: Some(tlp::Tlp::Amber),
        pii: tlp::PiiClass::Present,
        affected: vec!["identity--x".into()],
        review: true,
        ..tlp::Classification::default()
    };
    add(s, &c, objects).await;
    let mut got = s
        .reference_access(&c, vec![a.clone(), b.clone(), sid("tool", 3)])
        .await
        .unwrap();
    got.sort_by_key(|r| (r.id.clone(), r.version_us));
    let seen: Vec<(&str, i64)> = got.iter().map(|r| (r.id.as_str(), r.version_us)).collect();
    assert_eq!(
        seen,
        vec![
            (a.as_str(), micros("2024-01-01T00:00:00.000Z")),
            (a.as_str(), micros("2024-01-02T00:00:00.000Z")),
            (b.as_str(), micros("2024-01-01T00:00:00.000Z")),
        ]
    );
    let second = &got[1].class;
    assert_eq!(second.tlp, Some(tlp::Tlp::Amber));
    assert_eq!(second.pii, tlp::PiiClass::Present);
    assert_eq!(second.affected, vec!["identity--x".to_owned()]);
    assert!(second.review && !got[0].class.review);
    assert_eq!(got[0].spec_version, "2.1");
    // Many ids in one call.
    let many: Vec<String> = (0..2000).map(|n| sid("tool", 10_000 + n)).collect();
    assert!(s.reference_access(&c, many).await.unwrap().is_empty());
}

/// A row flagged for review at ingest comes with its classification (zones included) and,
/// when the query was made without bodies, its bytes; other rows carry neither. A reader who
/// sees everything gets no review (redaction never applies to it).
pub async fn flagged_rows_bring_their_review<S: Store>(s: &S) {
    let c = setup(s).await;
    let mut flagged = versioned(&sid("report", 1), "2.1", "2024-01-01T00:00:00.000Z", "r");
    flagged.access = tlp::Classification {
        tlp: Some(tlp::Tlp::Green),
        zones: vec![tlp::Zone {
            selector: "name".into(),
            tlp: Some(tlp::Tlp::Red),
            recipients: vec!["identity--d".into()],
            pii: tlp::PiiClass::None,
        }],
        review: true,
        ..tlp::Classification::default()
    };
    let mut plain = versioned(&sid("indicator", 2), "2.1", "2024-01-01T00:00:00.000Z", "i");
    plain.access.tlp = Some(tlp::Tlp::Green);
    add(s, &c, vec![flagged.clone(), plain]).await;
    let reader = Visibility::Scoped(tlp::ReadScope::Reader {
        org: None,
        level: tlp::Tlp::Green,
        identity: None,
        org_identity: None,
        red_org: false,
        personal: tlp::PersonalAccess::default(),
    });
    for bodies in [false, true] {
        let page = s
            .query(
                &c,
                &ObjectFilter::default(),
                &reader,
                PageRequest {
                    after: None,
                    limit: 10,
                },
                bodies,
            )
            .await
            .unwrap();
        assert_eq!(page.rows.len(), 2);
        let review = page.rows[0].review.as_ref().expect("the report is flagged");
        assert_eq!(review.class.zones, flagged.access.zones);
        assert_eq!(
            review.body.is_some(),
            !bodies,
            "bytes once, where the row has none"
        );
        assert_eq!(page.rows[0].body.is_some(), bodies);
        assert!(page.rows[1].review.is_none());
        let all = s
            .query(
                &c,
                &ObjectFilter::default(),
                &Visibility::All,
                PageRequest {
                    after: None,
                    limit: 10,
                },
                bodies,
            )
            .await
            .unwrap();
        assert!(all.rows.iter().all(|r| r.review.is_none()));
    }
}

pub async fn manifests_have_no_bodies<S: Store>(s: &S) {
    let c = setup(s).await;
    scenario(s, &c).await;
    let page = s
        .query(
            &c,
            &all_versions(),
            &Visibility::All,
            PageRequest {
                after: None,
                limit: 5,
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 5);
    assert!(page.more);
    assert!(page.rows.iter().all(|r| r.body.is_none()));
}

pub async fn server_key_is_stable<S: Store>(s: &S) {
    let k = s.server_key().await.unwrap();
    assert_ne!(k, [0; 32]);
    assert_eq!(s.server_key().await.unwrap(), k);
    assert_eq!(s.clone().server_key().await.unwrap(), k);
}

// ---------------------------------------------------------------------------------------------
// Concurrent writers and pollers (driven by a proptest in each backend's test file)

/// What one reader does: its page size, whether it pages by `added_after` (the
/// `X-TAXII-Date-Added-Last` way) or by the cursor position, and where it starts (an index
/// into the preloaded rows; past the end = from the beginning).
#[derive(Debug, Clone)]
pub struct ReaderPlan {
    pub limit: usize,
    pub by_added_after: bool,
    pub start: usize,
}

#[derive(Debug, Clone)]
pub struct ConcurrencyPlan {
    /// Objects added before anything runs.
    pub preload: usize,
    /// Per writer, its batch sizes; each object is a new id or a new version of one of the
    /// writer's earlier ids.
    pub writers: Vec<Vec<usize>>,
    pub readers: Vec<ReaderPlan>,
}

/// Writers and pollers at the same time: every poller, once the writers have stopped and it
/// reached the end, has seen every row with `date_added` after its start exactly once, in
/// order.
pub async fn pollers_never_skip_or_repeat<S: Store>(s: &S, plan: ConcurrencyPlan) {
    let c = setup(s).await;
    let preload: Vec<_> = (0..plan.preload as u128)
        .map(|n| versioned(&sid("identity", n), "2.1", T1, "p"))
        .collect();
    let mut starts = Vec::new();
    if !preload.is_empty() {
        for o in add(s, &c, preload).await {
            let AddOutcome::Added { date_added, .. } = o else {
                panic!("{o:?}")
            };
            starts.push(date_added);
        }
    }
    let done = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for (w, batches) in plan.writers.iter().cloned().enumerate() {
        let (s, c) = (s.clone(), c.clone());
        writers.push(tokio::spawn(async move {
            let mut next_id = 0u128;
            let mut version = 0i64;
            for size in batches {
                let objs = (0..size)
                    .map(|i| {
                        version += 1;
                        let modified = taxii(micros(T1) + version);
                        // Every third object is a new version of the writer's latest id.
                        if i % 3 == 2 && next_id > 0 {
                            versioned(
                                &sid("indicator", (w as u128) << 64 | (next_id - 1)),
                                "2.1",
                                &modified,
                                "v",
                            )
                        } else {
                            next_id += 1;
                            versioned(
                                &sid("indicator", (w as u128) << 64 | (next_id - 1)),
                                "2.1",
                                &modified,
                                "n",
                            )
                        }
                    })
                    .collect();
                for o in add(&s, &c, objs).await {
                    assert!(matches!(o, AddOutcome::Added { .. }), "{o:?}");
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut readers = Vec::new();
    for r in plan.readers.clone() {
        let (s, c, done) = (s.clone(), c.clone(), done.clone());
        let start = starts.get(r.start).copied();
        readers.push(tokio::spawn(async move {
            let mut seen: Vec<Micros> = Vec::new();
            let mut pos = start;
            loop {
                // Read before querying: if the writers were done then, this page sees all.
                let finished = done.load(Ordering::SeqCst);
                let (filter, after) = if r.by_added_after {
                    (
                        ObjectFilter {
                            added_after: pos,
                            ..all_versions()
                        },
                        None,
                    )
                } else {
                    (all_versions(), pos)
                };
                let page = s
                    .query(
                        &c,
                        &filter,
                        &Visibility::All,
                        PageRequest {
                            after,
                            limit: r.limit,
                        },
                        false,
                    )
                    .await
                    .unwrap();
                if let Some(last) = page.rows.last() {
                    pos = Some(last.date_added);
                }
                seen.extend(page.rows.iter().map(|r| r.date_added));
                if finished && !page.more {
                    break;
                }
                tokio::task::yield_now().await;
            }
            (start, seen)
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let all: Vec<Micros> = everything(s, &c, &all_versions())
        .await
        .iter()
        .map(|r| r.date_added)
        .collect();
    for r in readers {
        let (start, seen) = r.await.unwrap();
        let entitled: Vec<Micros> = all
            .iter()
            .copied()
            .filter(|d| start.is_none_or(|s| *d > s))
            .collect();
        assert_eq!(seen, entitled, "reader starting after {start:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Access control: the read query against the decision function (driven by a proptest)

/// One stored version in a visibility plan.
#[derive(Debug, Clone)]
pub struct PlannedVersion {
    /// Which of a few ids (so several versions of one id occur).
    pub id: u8,
    /// TLP rank 0..=4, or `None` (unmarked without default).
    pub tlp: Option<u8>,
    pub quarantined: bool,
    /// Index into [`ORGS`] of the poster, or `None` (no recorded origin).
    pub origin: Option<u8>,
    /// Bit set over [`PEOPLE`] (0 = no audience marking).
    pub recipients: u8,
    /// Also name the organisation identity of [`ORGS`]`[1]` as a recipient.
    pub org_recipient: bool,
    /// Copy the classification of this id's previous version (with the lower of the two
    /// TLPs), so versions that shadow older ones are common.
    pub inherit: bool,
    /// Personal-data class rank 0..=3.
    pub pii: u8,
    /// The identity of [`ORGS`]`[1]` is an affected party.
    pub affected: bool,
}

/// A reader: organisation, individual identity, operator, read grant.
#[derive(Debug, Clone)]
pub struct PlannedReader {
    pub org: u8,
    pub person: Option<u8>,
    pub operator: bool,
    pub read: bool,
    /// Designations valid today: bit 0 personal data, bit 1 credentials.
    pub personal: u8,
}

#[derive(Debug, Clone)]
pub struct VisibilityPlan {
    pub versions: Vec<PlannedVersion>,
    pub readers: Vec<PlannedReader>,
    /// Audience: bit set over ORGS as direct members; `constituency` adds ORGS[1]'s.
    pub audience: u8,
    pub constituency: bool,
    pub red_org: bool,
    pub page_sizes: Vec<usize>,
    /// Objects whose newest version is deleted before a second round of checks.
    pub deletes: Vec<u8>,
}

pub const ORGS: [&str; 4] = ["ncsc", "dtc", "zcert", "company-b"];
pub const PEOPLE: [&str; 3] = [
    "identity--00000000-0000-4000-8000-0000000000d1",
    "identity--00000000-0000-4000-8000-0000000000d2",
    "identity--00000000-0000-4000-8000-0000000000d3",
];
const DTC_IDENTITY: &str = "identity--00000000-0000-4000-8000-0000000000dc";

fn directory() -> tlp::Directory {
    tlp::Directory::new(ORGS.iter().map(|o| tlp::Organisation {
        id: (*o).into(),
        identity: (*o == "dtc").then(|| DTC_IDENTITY.to_owned()),
        serves: if *o == "dtc" {
            vec!["company-b".into()]
        } else {
            vec![]
        },
        ..tlp::Organisation::default()
    }))
}

/// Follows pages of `limit` (as `next` does: the position after the last row) to the end.
async fn follow<S: Store>(
    s: &S,
    c: &Collection,
    f: &ObjectFilter,
    vis: &Visibility,
    limit: usize,
    bodies: bool,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .query(c, f, vis, PageRequest { after, limit }, bodies)
            .await
            .unwrap();
        assert!(page.rows.len() <= limit);
        assert_eq!(
            page.rows.iter().all(|r| r.body.is_some()),
            bodies || page.rows.is_empty()
        );
        out.extend(page.rows.iter().map(|r| (r.id.clone(), r.version.clone())));
        match (page.more, page.rows.last()) {
            (true, Some(last)) => after = Some(last.date_added),
            (true, None) => panic!("more without rows"),
            (false, _) => return out,
        }
    }
}

/// For random versions, markings, readers and page sizes: following the pages of objects,
/// manifest and versions yields exactly what `tlp::decide` allows that reader, never more,
/// never less (`last` = the last version the reader may see).
pub async fn visibility_matches_the_decision_function<S: Store>(s: &S, plan: VisibilityPlan) {
    let c = setup(s).await;
    let dir = directory();
    let policy = tlp::CollectionPolicy {
        audience: ORGS
            .iter()
            .enumerate()
            .filter(|(i, _)| plan.audience & (1 << i) != 0)
            .map(|(_, o)| tlp::AudienceEntry::Organisation((*o).into()))
            .chain(
                plan.constituency
                    .then(|| tlp::AudienceEntry::ConstituencyOf("dtc".into())),
            )
            .collect(),
        red_org_recipients: plan.red_org,
        ..tlp::CollectionPolicy::default()
    };
    // Store the versions; each id's versions get increasing `modified`.
    let mut stored: Vec<(String, String, tlp::Classification)> = Vec::new();
    let mut counts = [0u32; 8];
    for v in &plan.versions {
        let id = sid("indicator", u128::from(v.id));
        let n = counts[usize::from(v.id % 8)];
        counts[usize::from(v.id % 8)] += 1;
        let modified = format!("2024-01-01T00:00:{:02}.000Z", n.min(59));
        if n >= 60 {
            continue;
        }
        let mut recipients: Vec<String> = PEOPLE
            .iter()
            .enumerate()
            .filter(|(i, _)| v.recipients & (1 << i) != 0)
            .map(|(_, p)| (*p).to_owned())
            .collect();
        if v.org_recipient {
            recipients.push(DTC_IDENTITY.into());
        }
        let mut class = tlp::Classification {
            tlp: v.tlp.and_then(tlp::from_rank),
            quarantined: v.quarantined,
            origin: v
                .origin
                .map(|o| ORGS[usize::from(o) % ORGS.len()].to_owned()),
            recipients,
            pii: tlp::PiiClass::from_rank(v.pii),
            affected: if v.affected {
                vec![DTC_IDENTITY.to_owned()]
            } else {
                vec![]
            },
            ..tlp::Classification::default()
        };
        if v.inherit
            && let Some((_, _, prev)) = stored.iter().rev().find(|(i, _, _)| *i == id)
        {
            let lower = match (prev.tlp, class.tlp) {
                (Some(p), Some(t)) => Some(p.min(t)),
                (p, _) => p,
            };
            class = tlp::Classification {
                tlp: lower,
                ..prev.clone()
            };
        }
        let mut o = versioned(&id, "2.1", &modified, "v");
        o.access = class.clone();
        add(s, &c, vec![o]).await;
        stored.push((id, modified, class));
    }
    for round in 0..2 {
        if round == 1 {
            // Deleting the newest version of some objects: what it shadowed must reappear.
            for d in &plan.deletes {
                let id = sid("indicator", u128::from(*d));
                let Some(newest) = stored
                    .iter()
                    .filter(|(i, _, _)| *i == id)
                    .map(|(_, v, _)| v.clone())
                    .max()
                else {
                    continue;
                };
                let f = ObjectFilter {
                    versions: VersionMatch::Any(vec![VersionSelector::Last]),
                    ..ObjectFilter::default()
                };
                assert_eq!(s.delete_object(&c, &id, &f).await.unwrap(), 1);
                stored.retain(|(i, v, _)| !(*i == id && *v == newest));
            }
        }
        check_readers(s, &c, &plan, &dir, &policy, &stored).await;
    }
}

async fn check_readers<S: Store>(
    s: &S,
    c: &Collection,
    plan: &VisibilityPlan,
    dir: &tlp::Directory,
    policy: &tlp::CollectionPolicy,
    stored: &[(String, String, tlp::Classification)],
) {
    let ids: Vec<String> = {
        let mut v: Vec<String> = stored.iter().map(|(i, _, _)| i.clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    for r in &plan.readers {
        let org = dir.get(ORGS[usize::from(r.org) % ORGS.len()]).unwrap();
        let reader = tlp::Reader::Account {
            org,
            identity: r.person.map(|p| PEOPLE[usize::from(p) % PEOPLE.len()]),
            operator: r.operator,
            personal: tlp::PersonalAccess {
                personal_data: r.personal & 1 != 0,
                credential: r.personal & 2 != 0,
            },
        };
        let visible = |class: &tlp::Classification| {
            tlp::decide(&reader, policy, r.read, dir, class).is_visible()
        };
        let vis = Visibility::Scoped(tlp::ReadScope::of(&reader, policy, r.read, dir));
        // Expected: per id, the visible versions; `last` is the greatest of them.
        let mut all_visible: Vec<(String, String)> = Vec::new();
        let mut last_visible: BTreeMap<String, String> = BTreeMap::new();
        for (id, version, class) in stored {
            if visible(class) {
                all_visible.push((id.clone(), version.clone()));
                last_visible.insert(id.clone(), version.clone());
            }
        }
        let mut want_last: Vec<(String, String)> = last_visible.into_iter().collect();
        want_last.sort();
        for &limit in &plan.page_sizes {
            for bodies in [true, false] {
                // objects (bodies) and manifest (no bodies), match[version]=last
                let mut got = follow(s, c, &ObjectFilter::default(), &vis, limit, bodies).await;
                got.sort();
                assert_eq!(got, want_last, "{r:?} limit {limit} bodies {bodies}");
            }
            // versions of each id
            for id in &ids {
                let f = ObjectFilter {
                    ids: vec![id.clone()],
                    ..all_versions()
                };
                let got = follow(s, c, &f, &vis, limit, false).await;
                let want: Vec<(String, String)> = all_visible
                    .iter()
                    .filter(|(i, _)| i == id)
                    .cloned()
                    .collect();
                assert_eq!(got, want, "{r:?} versions of {id} limit {limit}");
                assert_eq!(
                    s.object_exists(c, id, &vis).await.unwrap(),
                    !want.is_empty(),
                    "{r:?} exists {id}"
                );
            }
        }
    }
}

/// An arrival stores its objects, their hops and its checkpoint together; a version already held
/// by another collection is reported (a loop); re-delivering the same page after a crash finds
/// duplicates, and the hop of the first arrival stays; deleting a version deletes its hop.
pub async fn arrivals_keep_hops_and_checkpoint_with_their_objects<S: Store>(s: &S) {
    use store::audit::{AuditFilter, AuditKind};
    use store::{Arrival, Hop, HopKind};
    let c = setup(s).await;
    let mut p = base_provisioning();
    let other = Uuid::from_u128(0x1111_2222_3333_4444_5555_6666_7777_8888);
    p.collections.push(CollectionSpec {
        id: other,
        title: "constituency".into(),
        alias: None,
        ..p.collections[0].clone()
    });
    s.provision(p).await.unwrap();
    let target = s
        .collection(ROOT, &other.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.checkpoint("pull:ncsc").await.unwrap(), None);

    let a = sid("indicator", 1);
    let b = sid("indicator", 2);
    let sco = sid("ipv4-addr", 3);
    add(s, &c, vec![versioned(&a, "2.1", T1, "a")]).await;
    let hop = |from: &str| Hop {
        kind: HopKind::Pulled,
        from: from.into(),
        by: Some("ncsc".into()),
        at: 1_700_000_000_000_000,
        to: vec![],
        justification: None,
        held_before: vec![],
    };
    let arrival = |objects: Vec<NewObject>, position: &str| Arrival {
        kind: AuditKind::Pull,
        organisation: Some("ncsc".into()),
        account: None,
        endpoint: "pull:ncsc".into(),
        time: 1_700_000_000_000_000,
        hops: objects
            .iter()
            .map(|_| hop("ncsc https://up/lds/"))
            .collect(),
        objects,
        refused: vec![StatusDetail {
            id: sid("indicator", 9),
            version: String::new(),
            message: Some("objects[3]: access rule unknown-marking: x".into()),
        }],
        from: Some("ncsc https://up/lds/".into()),
        justification: None,
        checkpoint: Some(("pull:ncsc".into(), position.into())),
        checkpoint_from: None,
    };
    let page = vec![
        versioned(&a, "2.1", T1, "a"),
        versioned(&b, "2.1", T1, "b"),
        unversioned(&sco, "192.0.2.1"),
    ];
    let first = s
        .add_arrival(&target, arrival(page.clone(), "p1"))
        .await
        .unwrap();
    assert!(
        first
            .iter()
            .all(|r| matches!(r.outcome, AddOutcome::Added { .. }))
    );
    let held = format!("{ROOT}/{COLLECTION_ID}");
    assert_eq!(first[0].held_before, vec![held.clone()], "a came back");
    assert!(first[1].held_before.is_empty());
    assert!(first[2].held_before.is_empty());
    assert_eq!(
        s.checkpoint("pull:ncsc").await.unwrap().as_deref(),
        Some("p1")
    );
    let hops = s.hops(&target, &a).await.unwrap();
    assert_eq!(hops.len(), 1);
    assert_eq!(hops[0].0, T1);
    assert_eq!(hops[0].1.held_before, vec![held]);
    assert_eq!(hops[0].1.from, "ncsc https://up/lds/");
    assert!(s.hops(&c, &a).await.unwrap().is_empty(), "posted: no hop");

    // The same page again (a restart before the next position was saved): duplicates only.
    let again = s.add_arrival(&target, arrival(page, "p1")).await.unwrap();
    assert!(
        again
            .iter()
            .all(|r| matches!(r.outcome, AddOutcome::Duplicate { .. }))
    );
    assert!(again.iter().all(|r| r.held_before.is_empty()));
    assert_eq!(s.hops(&target, &b).await.unwrap().len(), 1);
    assert_eq!(
        everything(s, &target, &all_versions()).await.len(),
        3,
        "nothing stored twice"
    );
    // A page with nothing new still moves the position.
    s.add_arrival(&target, arrival(vec![], "p2")).await.unwrap();
    assert_eq!(
        s.checkpoint("pull:ncsc").await.unwrap().as_deref(),
        Some("p2")
    );
    // An arrival that expects the position elsewhere stores nothing and moves nothing.
    let expecting = |from: &str| Arrival {
        checkpoint_from: Some(from.into()),
        ..arrival(vec![versioned(&sid("indicator", 7), "2.1", T1, "x")], "p4")
    };
    let err = s
        .add_arrival(&target, expecting("p3"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("is at p2, not at p3"), "{err}");
    assert_eq!(
        s.checkpoint("pull:ncsc").await.unwrap().as_deref(),
        Some("p2")
    );
    assert_eq!(everything(s, &target, &all_versions()).await.len(), 3);
    s.add_arrival(&target, expecting("p2")).await.unwrap();
    assert_eq!(
        s.checkpoint("pull:ncsc").await.unwrap().as_deref(),
        Some("p4")
    );
    assert_eq!(everything(s, &target, &all_versions()).await.len(), 4);

    // Audited: stored, duplicates and the refusal before storage, with its rule.
    let entries = s
        .audit_entries(AuditFilter {
            kind: Some(AuditKind::Pull),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        entries.len(),
        4,
        "three pages with something to report, and the expecting one"
    );
    let decisions: Vec<&str> = entries[0]
        .event
        .items
        .iter()
        .map(|i| i.decision.as_str())
        .collect();
    assert_eq!(
        decisions,
        ["stored", "stored", "stored", "refused:unknown-marking"]
    );
    assert_eq!(entries[0].event.collection, Some(other));
    assert_eq!(
        entries[0].event.from.as_deref(),
        Some("ncsc https://up/lds/")
    );
    // Duplicates of a pull changed nothing: not audited (the refusal is).
    let second: Vec<&str> = entries[1]
        .event
        .items
        .iter()
        .map(|i| i.decision.as_str())
        .collect();
    assert_eq!(second, ["refused:unknown-marking"]);

    // Deleting the version removes its hop.
    s.delete_object(&target, &b, &all_versions()).await.unwrap();
    assert!(s.hops(&target, &b).await.unwrap().is_empty());

    // A relay of a version the target holds adds its recipients (never removes any) and a hop.
    let relayed = |recipients: &[&str]| {
        let mut o = versioned(&sid("identity", 5), "2.1", T1, "company b");
        o.access.recipients = recipients.iter().map(|r| (*r).to_owned()).collect();
        Arrival {
            kind: AuditKind::Relay,
            endpoint: "relay".into(),
            hops: vec![Hop {
                kind: HopKind::Relayed,
                to: recipients.iter().map(|r| (*r).to_owned()).collect(),
                ..hop("lds/source")
            }],
            objects: vec![o],
            refused: vec![],
            checkpoint: None,
            checkpoint_from: None,
            ..arrival(vec![], "unused")
        }
    };
    let recipients_of = |s: S, c: Collection| async move {
        s.object_access(&c, vec![sid("identity", 5)]).await.unwrap()[0]
            .class
            .recipients
            .clone()
    };
    let first = s
        .add_arrival(&target, relayed(&["identity--b"]))
        .await
        .unwrap();
    assert!(!first[0].widened);
    let again = s
        .add_arrival(&target, relayed(&["identity--b"]))
        .await
        .unwrap();
    assert!(!again[0].widened, "same recipients: nothing to add");
    let wider = s
        .add_arrival(&target, relayed(&["identity--c"]))
        .await
        .unwrap();
    assert!(matches!(wider[0].outcome, AddOutcome::Duplicate { .. }) && wider[0].widened);
    assert_eq!(
        recipients_of(s.clone(), target.clone()).await,
        vec!["identity--b".to_owned(), "identity--c".to_owned()]
    );
    assert_eq!(s.hops(&target, &sid("identity", 5)).await.unwrap().len(), 2);
    s.add_arrival(&target, relayed(&[])).await.unwrap();
    assert!(
        recipients_of(s.clone(), target.clone()).await.is_empty(),
        "everyone"
    );

    // A row that did not arrive by relay (posted, here with an audience marking's recipients)
    // is never widened by a relay of the same version.
    let mut posted = versioned(&sid("note", 6), "2.1", T1, "posted");
    posted.access.recipients = vec!["identity--d".into()];
    add(s, &target, vec![posted.clone()]).await;
    posted.access.recipients = vec![];
    let open_up = Arrival {
        kind: AuditKind::Relay,
        endpoint: "relay".into(),
        hops: vec![Hop {
            kind: HopKind::Relayed,
            ..hop("lds/source")
        }],
        objects: vec![posted],
        refused: vec![],
        checkpoint: None,
        checkpoint_from: None,
        ..arrival(vec![], "unused")
    };
    let r = s.add_arrival(&target, open_up).await.unwrap();
    assert!(matches!(r[0].outcome, AddOutcome::Duplicate { .. }) && !r[0].widened);
    assert_eq!(
        s.object_access(&target, vec![sid("note", 6)])
            .await
            .unwrap()[0]
            .class
            .recipients,
        vec!["identity--d".to_owned()]
    );
}
