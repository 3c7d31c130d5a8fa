"""The stix2 library's TAXII data store against Schakel (crates/server/tests/interop.rs).

SCHAKEL_STIX2 is an empty collection the Basic account reads and writes and the Bearer-token
account only reads.
"""

import json

from stix2 import (Filter, Identity, Indicator, Malware, Relationship,
                   TAXIICollectionSource, TAXIICollectionStore)
from stix2.datastore import DataSourceError
from taxii2client.v21 import Collection

from common import basic, bearer, collection_url, env, run

STIX2 = env("SCHAKEL_STIX2")


def as_dict(obj):
    return json.loads(obj.serialize())


def collection(**auth):
    return Collection(collection_url(STIX2), **(auth or basic()))


IDENTITY = Identity(name="Interop CERT", identity_class="organization")
INDICATOR = Indicator(
    name="C2 address",
    pattern="[ipv4-addr:value = '203.0.113.7']",
    pattern_type="stix",
    indicator_types=["malicious-activity"],
    created_by_ref=IDENTITY.id,
)
MALWARE = Malware(name="Interop RAT", is_family=True, malware_types=["remote-access-trojan"])
RELATIONSHIP = Relationship(INDICATOR, "indicates", MALWARE)


def add_and_get_round_trip():
    store = TAXIICollectionStore(collection())
    # add() posts what TAXIICollectionSink makes of each object: a STIX bundle.
    store.add([IDENTITY, INDICATOR, MALWARE])
    store.add(RELATIONSHIP)
    for obj in (IDENTITY, INDICATOR, MALWARE, RELATIONSHIP):
        got = store.get(obj.id)
        assert got is not None, obj.id
        assert as_dict(got) == as_dict(obj), (as_dict(got), as_dict(obj))
    assert store.get("indicator--00000000-0000-4000-8000-00000000dead") is None
    # Adding the same objects again is harmless (T-69).
    store.add([INDICATOR, MALWARE])
    assert len(store.all_versions(INDICATOR.id)) == 1


def new_versions_and_all_versions():
    store = TAXIICollectionStore(collection())
    v2 = INDICATOR.new_version(name="C2 address (confirmed)")
    v3 = v2.new_version(confidence=80)
    store.add(v2)
    store.add(v3)
    latest = store.get(INDICATOR.id)
    assert as_dict(latest) == as_dict(v3), as_dict(latest)
    versions = store.all_versions(INDICATOR.id)
    assert [as_dict(v) for v in versions] == [as_dict(INDICATOR), as_dict(v2), as_dict(v3)], [v.modified for v in versions]
    source = TAXIICollectionSource(collection())
    assert [v.modified for v in source.all_versions(INDICATOR.id)] == [INDICATOR.modified, v2.modified, v3.modified]


def query_with_filters():
    store = TAXIICollectionStore(collection())
    by_type = store.query([Filter("type", "=", "indicator")])
    assert [o.id for o in by_type] == [INDICATOR.id], [o.id for o in by_type]
    assert by_type[0].name == "C2 address (confirmed)"
    assert [o.id for o in store.query([Filter("type", "=", "malware")])] == [MALWARE.id]
    assert len(store.query([Filter("type", "=", "indicator"), Filter("version", "=", "all")])) == 3
    assert [o.id for o in store.query([Filter("id", "=", RELATIONSHIP.id)])] == [RELATIONSHIP.id]
    # A filter TAXII cannot express is applied by the library on what the server sent.
    named = store.query([Filter("name", "=", "Interop RAT")])
    assert [o.id for o in named] == [MALWARE.id]
    refs = store.query([Filter("type", "=", "relationship"), Filter("target_ref", "=", MALWARE.id)])
    assert [o.id for o in refs] == [RELATIONSHIP.id]
    everything = store.query()
    assert sorted(o.id for o in everything) == sorted([IDENTITY.id, INDICATOR.id, MALWARE.id, RELATIONSHIP.id])
    # Relationship helpers of the data store API.
    assert [r.id for r in store.relationships(MALWARE, "indicates", target_only=True)] == [RELATIONSHIP.id]
    assert [o.id for o in store.related_to(INDICATOR, relationship_type="indicates")] == [MALWARE.id]
    assert store.creator_of(INDICATOR).id == IDENTITY.id


def added_after_filter():
    c = collection()
    records = c.get_manifest(version="all")["objects"]
    last_but_one = records[-2]["date_added"]
    source = TAXIICollectionSource(c)
    newer = source.query([Filter("added_after", "=", last_but_one)])
    assert [o.id for o in newer] == [records[-1]["id"]], ([o.id for o in newer], records[-1])


def small_pages():
    # items_per_page below the number of objects: the source follows `next`.
    source = TAXIICollectionSource(collection(), items_per_page=2)
    assert len(source.query([Filter("version", "=", "all")])) == 6


def read_only_account():
    c = collection(**bearer())
    source = TAXIICollectionSource(c)
    assert as_dict(source.get(MALWARE.id)) == as_dict(MALWARE)
    try:
        TAXIICollectionStore(c)
    except DataSourceError:
        pass
    else:
        raise AssertionError("a store (with its sink) needs write access")


if __name__ == "__main__":
    run([
        add_and_get_round_trip,
        new_versions_and_all_versions,
        query_with_filters,
        added_after_filter,
        small_pages,
        read_only_account,
    ])
