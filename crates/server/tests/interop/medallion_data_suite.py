"""taxii2-client and stix2 against Schakel serving the reference server medallion's test data,
imported with server::import (crates/server/tests/interop.rs). The account is medallion's own
test user, in an organisation granted medallion's can_read/can_write.
"""

from stix2 import Filter, TAXIICollectionSource
from taxii2client.exceptions import AccessError
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from common import base, basic, collection_url, expect_http_error, run

HIGH_VALUE = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
WRITE_ONLY = "472c94ae-3113-4e3e-a4dd-a9f4ac7471d4"
READ_ONLY = "52892447-4d7e-4f70-b94d-d7f22742ff63"
SECRET = "64993447-4d7e-4f70-b94d-d7f33742ee63"
MALWARE = "malware--c0931cc6-c75e-47e5-9036-78fabc95d4ec"
INDICATOR = "indicator--6770298f-0fd8-471a-ab8c-1c658a46574e"


def collection(cid):
    return Collection(collection_url(cid), **basic())


def discovery():
    server = Server(base() + "/taxii2/", **basic())
    assert server.title == "Some TAXII Server", server.title
    assert server.description == "This TAXII Server contains a listing of"
    assert server.contact == "string containing contact information"
    assert server.default.url == base() + "/trustgroup1/", server.default.url
    # Only the API roots where the account's organisation has a grant.
    assert [r.url for r in server.api_roots] == [base() + "/trustgroup1/"]
    root = server.default
    assert root.title == "Malware Research Group"
    assert root.max_content_length == 9765625


def collections_and_permissions():
    root = ApiRoot(base() + "/trustgroup1/", **basic())
    cols = {c.id: c for c in root.collections}
    assert set(cols) == {WRITE_ONLY, "365fed99-08fa-fdcd-a1b3-fb247eb41d01", HIGH_VALUE, READ_ONLY}, sorted(cols)
    assert (cols[WRITE_ONLY].can_read, cols[WRITE_ONLY].can_write) == (False, True)
    assert (cols[READ_ONLY].can_read, cols[READ_ONLY].can_write) == (True, False)
    assert cols[HIGH_VALUE].media_types == ["application/stix+json;version=2.0", "application/stix+json;version=2.1"]
    chosen = [c for c in root.collections if c.title == "High Value Indicator Collection"]
    assert [c.id for c in chosen] == [HIGH_VALUE]
    try:
        cols[WRITE_ONLY].get_objects()
    except AccessError:
        pass
    else:
        raise AssertionError("the client must refuse to read a write-only collection")
    expect_http_error(404, Collection(collection_url(SECRET), **basic()).refresh)


def objects_and_spec_versions():
    c = collection(HIGH_VALUE)
    env = c.get_objects()
    assert [o["id"] for o in env["objects"]] == [
        "relationship--2f9a9aa9-108a-4333-83e2-4fb25add0463",
        "indicator--cd981c25-8042-4166-8945-51178443bdac",
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        MALWARE,
        INDICATOR,
    ]
    old = c.get_objects(spec_version="2.0")["objects"]
    assert len(old) == 1 and "spec_version" not in old[0] and old[0]["id"] == MALWARE
    both = {o["id"]: o for o in c.get_objects(spec_version=["2.0", "2.1"])["objects"]}
    assert len(both) == 5 and both[MALWARE]["modified"] == "2018-02-23T18:30:00.000Z"
    assert c.object_versions(MALWARE)["versions"] == ["2017-01-27T13:49:53.997Z"]
    assert c.object_versions(MALWARE, spec_version=["2.0", "2.1"])["versions"] == [
        "2017-01-27T13:49:53.997Z", "2018-02-23T18:30:00.000Z"]
    assert [o["modified"] for o in c.get_object(INDICATOR, version="all")["objects"]] == [
        "2016-11-03T12:30:59.000Z", "2016-12-25T12:30:59.444Z", "2017-01-27T13:49:53.935Z"]


def manifest_pages():
    c = collection(HIGH_VALUE)
    records = []
    for page in as_pages(c.get_manifest, per_request=3, version="all", spec_version=["2.0", "2.1"]):
        records.extend(page.get("objects", []))
    assert len(records) == 8, records
    dates = [r["date_added"] for r in records]
    assert dates == sorted(dates) and len(set(dates)) == 8
    assert dates[0] == "2014-05-08T09:00:00.000000Z" and dates[-1] == "2017-12-31T13:49:53.935000Z"
    media = [r["media_type"] for r in records if r["id"] == MALWARE]
    assert media == ["application/stix+json;version=2.1", "application/stix+json;version=2.0"], media


def imported_status():
    root = ApiRoot(base() + "/trustgroup1/", **basic())
    status = root.get_status("2d086da7-4bdc-4f91-900e-d77486753710")
    assert status.status == "pending"
    assert (status.total_count, status.success_count, status.failure_count, status.pending_count) == (4, 1, 1, 2)
    assert status.request_timestamp == "2016-11-02T12:34:34.123456Z"
    assert status.failures[0]["id"] == "malware--664fa29d-bf65-4f28-a667-bdb76f29ec98"


def stix2_source():
    source = TAXIICollectionSource(collection(HIGH_VALUE))
    assert [o.modified.year for o in source.all_versions(INDICATOR)] == [2016, 2016, 2017]
    indicators = source.query([Filter("type", "=", "indicator")])
    assert sorted(o.id for o in indicators) == sorted(["indicator--cd981c25-8042-4166-8945-51178443bdac", INDICATOR])
    assert source.get(MALWARE).name == "Poison Ivy"


def read_only_collection():
    c = collection(READ_ONLY)
    assert "objects" not in c.get_objects()
    try:
        c.add_objects({"objects": []})
    except AccessError:
        pass
    else:
        raise AssertionError("the client must refuse to write to a read-only collection")


if __name__ == "__main__":
    run([
        discovery,
        collections_and_permissions,
        objects_and_spec_versions,
        manifest_pages,
        imported_status,
        stix2_source,
        read_only_collection,
    ])
