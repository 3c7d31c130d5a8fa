"""taxii2-client (taxii2client.v21) against a Schakel server seeded by crates/server/tests/interop.rs.

Collections (ids in the environment):
- SCHAKEL_BULK: SCHAKEL_BULK_COUNT indicators, indicator--{n:08x}-0000-4000-8000-000000000000
  for n = 1..count, posted in that order (so that is their date_added order).
- SCHAKEL_FILTERS: indicator A (3 versions), indicator B, malware M (2 versions), identity I,
  posted as A1, B, M1, I, A2, M2, A3.
- SCHAKEL_RW: empty; this suite adds and deletes objects there.
- SCHAKEL_PARTNERS: readable, not writable, by the Bearer-token account.
"""

import datetime
import json

import requests
from taxii2client.exceptions import AccessError, ValidationError
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from common import (BearerAuth, base, basic, bearer, collection_url, env,
                    expect_http_error, run)

TAXII = "application/taxii+json;version=2.1"

BULK = env("SCHAKEL_BULK")
BULK_COUNT = int(env("SCHAKEL_BULK_COUNT"))
FILTERS = env("SCHAKEL_FILTERS")
RW = env("SCHAKEL_RW")
PARTNERS = env("SCHAKEL_PARTNERS")
MAX_PAGE = int(env("SCHAKEL_MAX_PAGE"))
DEFAULT_PAGE = int(env("SCHAKEL_DEFAULT_PAGE"))
API_ROOT = env("SCHAKEL_API_ROOT")

A = "indicator--00000065-0000-4000-8000-000000000000"  # indicator(101)
B = "indicator--00000066-0000-4000-8000-000000000000"  # indicator(102)
M = "malware--a7e2c6f4-5b1d-4c3e-9f8a-2d4b6e8f0a1c"
I = "identity--3c5e7a9b-1d2f-4a6c-8e0b-5f7d9c1e3a5b"


def bulk_id(n):
    return "indicator--%08x-0000-4000-8000-000000000000" % n


def ids(envelope):
    return [o["id"] for o in envelope.get("objects", [])]


def modified(envelope):
    return [o["modified"] for o in envelope.get("objects", [])]


def collection(cid, **auth):
    return Collection(collection_url(cid), **(auth or basic()))


# --- discovery, API roots, collections, authentication -------------------------------------

def discovery_and_api_roots():
    server = Server(base() + "/taxii2/", **basic())
    assert server.title, server.title
    roots = [r.url for r in server.api_roots]
    assert roots == [base() + "/lds/", base() + "/other/"], roots
    assert server.default is not None and server.default.url == base() + "/lds/", server.default
    root = server.default
    assert root.title == "Landelijk Dekkend Stelsel", root.title
    assert root.description == "Test API root", root.description
    assert root.versions == [TAXII], root.versions
    assert root.max_content_length == int(env("SCHAKEL_MAX_CONTENT_LENGTH")), root.max_content_length


def api_root_collections():
    root = ApiRoot(base() + "/" + API_ROOT + "/", **basic())
    cols = root.collections
    titles = [c.title for c in cols]
    assert len(titles) == len(set(titles)), "titles must be unique within an API root: %s" % titles
    by_title = {c.title: c for c in cols}
    for title in ("lds-partners", "lds-inbox", "lds-secret", "interop-bulk", "interop-filters", "interop-rw"):
        assert title in by_title, (title, titles)
    assert by_title["interop-bulk"].id == BULK
    assert by_title["lds-partners"].alias == "partners"
    assert by_title["lds-partners"].can_read and by_title["lds-partners"].can_write
    assert by_title["interop-bulk"].media_types == ["application/stix+json;version=2.1"], by_title["interop-bulk"].media_types
    # The listing is stable between requests (T-32).
    again = [c.id for c in ApiRoot(base() + "/" + API_ROOT + "/", **basic()).collections]
    assert again == [c.id for c in cols]


def collection_by_id_title_and_alias():
    c = collection(BULK)
    assert c.id == BULK and c.title == "interop-bulk" and c.can_read and c.can_write
    root = ApiRoot(base() + "/" + API_ROOT + "/", **basic())
    chosen = [x for x in root.collections if x.title == "interop-filters"]
    assert len(chosen) == 1 and chosen[0].id == FILTERS
    # A collection chosen by title works like one made from its URL.
    assert ids(chosen[0].get_objects()) == ids(collection(FILTERS).get_objects())
    # Schakel also serves a collection under its alias (T-56), but taxii2client insists that
    # the id in a collection resource matches its URL: clients must use the id URL.
    r = requests.get(collection_url("partners"), headers={"Accept": TAXII},
                     auth=(env("SCHAKEL_USER"), env("SCHAKEL_PASSWORD")))
    assert r.status_code == 200 and r.json()["id"] == PARTNERS, r.text
    try:
        Collection(collection_url("partners"), **basic()).refresh()
    except ValidationError:
        pass
    else:
        raise AssertionError("taxii2client 2.3.0 refuses a collection URL that is not its id")


def bearer_token_account():
    server = Server(base() + "/taxii2/", **bearer())
    assert [r.url for r in server.api_roots] == [base() + "/lds/"]
    cols = {c.title: c for c in server.api_roots[0].collections}
    assert set(cols) == {"lds-partners", "interop-bulk", "interop-stix2"}, sorted(cols)
    partners = cols["lds-partners"]
    assert partners.can_read and not partners.can_write
    try:
        partners.add_objects({"objects": []})
    except AccessError:
        pass
    else:
        raise AssertionError("taxii2client must refuse to write to a read-only collection")


def wrong_credentials_get_401():
    server = Server(base() + "/taxii2/", user=env("SCHAKEL_USER"), password="wrong")
    resp = expect_http_error(401, server.refresh)
    assert "Basic" in resp.headers.get("WWW-Authenticate", ""), resp.headers
    server = Server(base() + "/taxii2/", auth=BearerAuth("not-a-token"))
    expect_http_error(401, server.refresh)
    # No credentials at all.
    expect_http_error(401, Server(base() + "/taxii2/").refresh)


def lowercase_basic_scheme():
    # MISP sends "basic <b64>" (interop contract point 5).
    import base64
    token = base64.b64encode(("%s:%s" % (env("SCHAKEL_USER"), env("SCHAKEL_PASSWORD"))).encode()).decode()
    r = requests.get(base() + "/taxii2/", headers={"Accept": TAXII, "Authorization": "basic " + token})
    assert r.status_code == 200, r.status_code


# --- paging ----------------------------------------------------------------------------------

def paged_ids(pages, per_request):
    got, sizes = [], []
    page_cap = min(per_request or DEFAULT_PAGE, MAX_PAGE)
    last = None
    for env_ in pages:
        objs = env_.get("objects", [])
        assert len(objs) <= page_cap, (per_request, len(objs), page_cap)
        sizes.append(len(objs))
        got.extend(o["id"] for o in objs)
        last = env_
    assert last is not None and last.get("more") is False, last and {k: v for k, v in last.items() if k != "objects"}
    assert "next" not in last, "no next on the last page"
    return got, sizes


def as_pages_over_bulk_collection():
    c = collection(BULK)
    expected = [bulk_id(n) for n in range(1, BULK_COUNT + 1)]
    # 0: no limit sent (server default); 1000: above the server maximum, the client adapts.
    for per_request in (7, 100, 333, MAX_PAGE, 1000, 0):
        got, sizes = paged_ids(as_pages(c.get_objects, per_request=per_request), per_request)
        assert len(got) == len(set(got)), "repeated objects with per_request=%s" % per_request
        assert got == expected, "lost or reordered objects with per_request=%s: %d of %d" % (per_request, len(got), len(expected))
        cap = min(per_request or DEFAULT_PAGE, MAX_PAGE)
        assert sizes[:-1] == [cap] * (len(sizes) - 1), (per_request, sizes[:3])


def as_pages_over_bulk_manifest():
    c = collection(BULK)
    records = []
    for page in as_pages(c.get_manifest, per_request=250):
        assert len(page.get("objects", [])) <= 250
        records.extend(page.get("objects", []))
    assert [r["id"] for r in records] == [bulk_id(n) for n in range(1, BULK_COUNT + 1)]
    dates = [r["date_added"] for r in records]
    assert all(len(d) == 27 and d.endswith("Z") for d in dates), dates[:3]
    assert dates == sorted(dates) and len(set(dates)) == len(dates), "date_added must be strictly increasing"
    assert all(r["media_type"] == "application/stix+json;version=2.1" for r in records)


def as_pages_with_filters():
    c = collection(BULK)
    manifest = []
    for page in as_pages(c.get_manifest, per_request=MAX_PAGE):
        manifest.extend(page.get("objects", []))
    cut = BULK_COUNT // 3
    after = manifest[cut - 1]["date_added"]
    got, _ = paged_ids(as_pages(c.get_objects, per_request=128, added_after=after, type="indicator"), 128)
    assert got == [bulk_id(n) for n in range(cut + 1, BULK_COUNT + 1)], (len(got), got[:2])
    # A datetime added_after is formatted by the client (fewer than 6 digits): same result.
    dt = datetime.datetime.strptime(after, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    got2, _ = paged_ids(as_pages(c.get_objects, per_request=500, added_after=dt), 500)
    assert got2 == got
    few = [bulk_id(n) for n in (5, 1500, BULK_COUNT)]
    got3, _ = paged_ids(as_pages(c.get_objects, per_request=2, id=few), 2)
    assert got3 == few, got3


def as_pages_with_bearer_token():
    c = collection(BULK, **bearer())
    assert c.can_read and not c.can_write
    got, _ = paged_ids(as_pages(c.get_objects, per_request=MAX_PAGE), MAX_PAGE)
    assert got == [bulk_id(n) for n in range(1, BULK_COUNT + 1)]


def polling_by_date_added_header():
    # How Elastic and OpenCTI poll: added_after = the previous page's X-TAXII-Date-Added-Last.
    url = collection_url(BULK) + "objects/"
    session = requests.Session()
    session.auth = (env("SCHAKEL_USER"), env("SCHAKEL_PASSWORD"))
    got, added_after = [], None
    for _ in range(BULK_COUNT):
        params = {"limit": 450}
        if added_after:
            params["added_after"] = added_after
        r = session.get(url, params=params, headers={"Accept": TAXII})
        assert r.status_code == 200, r.text
        body = r.json()
        got.extend(ids(body))
        if not body.get("objects"):
            # An empty page asked with added_after echoes it (DESIGN.md 5.2).
            assert r.headers["X-TAXII-Date-Added-Last"] == added_after, r.headers
            break
        added_after = r.headers["X-TAXII-Date-Added-Last"]
    assert got == [bulk_id(n) for n in range(1, BULK_COUNT + 1)], len(got)


# --- filters ---------------------------------------------------------------------------------

def filters_on_objects():
    c = collection(FILTERS)
    default = c.get_objects()
    assert ids(default) == [B, I, M, A], ids(default)
    assert default["more"] is False
    objs = {o["id"]: o for o in default["objects"]}
    assert objs[A]["modified"] == "2024-03-01T00:00:00.000Z" and objs[M]["modified"] == "2024-04-01T00:00:00.000Z"

    assert ids(c.get_objects(version="first")) == [A, B, M, I]
    assert modified(c.get_objects(version="first", id=A)) == ["2024-01-01T00:00:00.000Z"]
    assert ids(c.get_objects(version="last")) == [B, I, M, A]
    everything = c.get_objects(version="all")
    assert ids(everything) == [A, B, M, I, A, M, A], ids(everything)
    assert modified(c.get_objects(version="2024-02-01T00:00:00.000Z")) == ["2024-02-01T00:00:00.000Z"]
    # A datetime version is formatted by the client without fractional digits.
    assert modified(c.get_objects(version=datetime.datetime(2024, 2, 1, tzinfo=datetime.timezone.utc))) == ["2024-02-01T00:00:00.000Z"]
    assert len(c.get_objects(version=["first", "last"])["objects"]) == 6
    assert ids(c.get_objects(version=["first", "2024-02-01T00:00:00.000Z"], id=A)) == [A, A]

    assert ids(c.get_objects(type="indicator")) == [B, A]
    assert ids(c.get_objects(type=["malware", "identity"])) == [I, M]
    assert ids(c.get_objects(type="campaign")) == []
    assert ids(c.get_objects(id=A)) == [A]
    assert ids(c.get_objects(id=[A, M])) == [M, A]
    assert ids(c.get_objects(id=M, type="indicator")) == []

    assert len(c.get_objects(spec_version="2.1")["objects"]) == 4
    none = c.get_objects(spec_version="2.0")
    assert "objects" not in none and none["more"] is False, none

    records = c.get_manifest(version="all")["objects"]
    dates = [r["date_added"] for r in records]
    assert ids(c.get_objects(added_after=dates[3])) == [M, A]
    assert ids(c.get_objects(added_after=dates[3], version="all")) == [A, M, A]
    assert ids(c.get_objects(added_after=dates[1], type="indicator", version="all")) == [A, A]
    assert "objects" not in c.get_objects(added_after=dates[6])

    page = c.get_objects(limit=2, version="all")
    assert ids(page) == [A, B] and page["more"] is True and page.get("next")
    rest = c.get_objects(limit=10, version="all", next=page["next"])
    assert ids(rest) == [M, I, A, M, A] and rest["more"] is False

    expect_http_error(400, c.get_objects, added_after="yesterday")
    expect_http_error(400, c.get_objects, version=["all", "first"])
    expect_http_error(400, c.get_objects, limit=-1)


def filters_on_manifest():
    c = collection(FILTERS)
    m = c.get_manifest()
    assert [r["id"] for r in m["objects"]] == [B, I, M, A]
    assert {r["id"]: r["version"] for r in m["objects"]}[A] == "2024-03-01T00:00:00.000Z"
    allv = c.get_manifest(version="all")["objects"]
    assert [r["id"] for r in allv] == [A, B, M, I, A, M, A]
    assert [r["date_added"] for r in allv] == sorted(r["date_added"] for r in allv)
    assert len({r["date_added"] for r in allv}) == 7
    mal = c.get_manifest(type="malware", version="all")["objects"]
    assert [r["version"] for r in mal] == ["2024-01-01T00:00:00.000Z", "2024-04-01T00:00:00.000Z"], mal
    assert [r["id"] for r in c.get_manifest(id=I)["objects"]] == [I]
    assert [r["version"] for r in c.get_manifest(version="first", id=A)["objects"]] == ["2024-01-01T00:00:00.000Z"]
    assert "objects" not in c.get_manifest(spec_version="2.0")
    first = c.get_manifest(limit=3, version="all")
    assert len(first["objects"]) == 3 and first["more"] is True
    rest = c.get_manifest(limit=3, version="all", next=first["next"])
    assert [r["id"] for r in rest["objects"]] == [I, A, M]


def get_object_and_versions():
    c = collection(FILTERS)
    assert modified(c.get_object(A)) == ["2024-03-01T00:00:00.000Z"]
    assert modified(c.get_object(A, version="all")) == [
        "2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"]
    assert modified(c.get_object(A, version="first")) == ["2024-01-01T00:00:00.000Z"]
    assert modified(c.get_object(A, version="2024-02-01T00:00:00.000Z")) == ["2024-02-01T00:00:00.000Z"]
    assert c.get_object(A, spec_version="2.1")["objects"][0]["spec_version"] == "2.1"
    dates = [r["date_added"] for r in c.get_manifest(version="all")["objects"]]
    assert modified(c.get_object(A, added_after=dates[4])) == ["2024-03-01T00:00:00.000Z"]
    assert "objects" not in c.get_object(A, added_after=dates[6])
    one = c.get_object(A, version="all", limit=1)
    assert len(one["objects"]) == 1 and one["more"] is True
    assert c.get_object(I)["objects"][0]["name"] == "Interop identity"
    v = c.object_versions(A)
    assert v["versions"] == ["2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"], v
    assert v["more"] is False
    assert c.object_versions(M)["versions"] == ["2024-01-01T00:00:00.000Z", "2024-04-01T00:00:00.000Z"]
    assert c.object_versions(A, added_after=dates[4])["versions"] == ["2024-03-01T00:00:00.000Z"]
    assert c.object_versions(A, limit=2)["more"] is True
    expect_http_error(404, c.get_object, "indicator--99999999-0000-4000-8000-000000000000")
    expect_http_error(404, c.object_versions, "indicator--99999999-0000-4000-8000-000000000000")


# --- writing ---------------------------------------------------------------------------------

def indicator(n, modified_at, **extra):
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--%08x-1111-4000-8000-000000000000" % n,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified_at,
        "name": "interop indicator %d" % n,
        "pattern": "[domain-name:value = 'example%d.test']" % n,
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }
    obj.update(extra)
    return obj


def add_objects_and_status():
    c = collection(RW)
    objs = [indicator(n, "2024-05-01T00:00:00.000Z") for n in (1, 2, 3)]
    status = c.add_objects({"objects": objs}, wait_for_completion=True, poll_interval=0.1, timeout=10)
    assert status.status == "complete", status.status
    assert (status.total_count, status.success_count, status.failure_count, status.pending_count) == (3, 3, 0, 0)
    assert sorted(s["id"] for s in status.successes) == sorted(o["id"] for o in objs)
    assert all(s["version"] == "2024-05-01T00:00:00.000Z" for s in status.successes), status.successes
    assert status.request_timestamp and status.request_timestamp.endswith("Z")
    # Poll the status resource the way the client does (its URL has no trailing slash).
    status.refresh()
    assert status.status == "complete" and status.success_count == 3
    status.wait_until_final(poll_interval=0.1, timeout=5)
    root = ApiRoot(base() + "/" + API_ROOT + "/", **basic())
    again = root.get_status(status.id)
    assert (again.total_count, again.success_count, again.failure_count, again.pending_count) == (3, 3, 0, 0)
    for o in objs:
        assert c.get_object(o["id"])["objects"] == [o]
    # Another account may not read this account's status.
    other = ApiRoot(base() + "/" + API_ROOT + "/", **bearer())
    expect_http_error(404, other.get_status, status.id)
    expect_http_error(404, root.get_status, "00000000-0000-4000-8000-000000000000")


def add_objects_without_waiting_and_as_text():
    c = collection(RW)
    text = json.dumps({"objects": [indicator(10, "2024-05-01T00:00:00.000Z")]})
    status = c.add_objects(text, wait_for_completion=False)
    assert status.status == "complete" and status.success_count == 1
    status = c.add_objects(json.dumps({"objects": [indicator(11, "2024-05-01T00:00:00.000Z")]}).encode(), wait_for_completion=False)
    assert status.success_count == 1


def add_objects_partial_failure_and_duplicates():
    c = collection(RW)
    good = indicator(20, "2024-05-01T00:00:00.000Z")
    bad = indicator(21, "2024-05-01T00:00:00.000Z")
    del bad["pattern"]
    status = c.add_objects({"objects": [good, bad]})
    assert (status.total_count, status.success_count, status.failure_count, status.pending_count) == (2, 1, 1, 0)
    assert status.failures[0]["id"] == bad["id"] and status.failures[0].get("message"), status.failures
    expect_http_error(404, c.get_object, bad["id"])
    # The same object again is a success, not an error (T-69).
    status = c.add_objects({"objects": [good]})
    assert (status.success_count, status.failure_count) == (1, 0)
    assert len(c.get_object(good["id"], version="all")["objects"]) == 1
    # Other content under the same id and version is refused (STIX versions are immutable).
    changed = dict(good, name="changed")
    status = c.add_objects({"objects": [changed]})
    assert (status.success_count, status.failure_count) == (0, 1), (status.successes, status.failures)
    assert c.get_object(good["id"])["objects"] == [good]


def delete_objects():
    c = collection(RW)
    x = indicator(30, "2024-05-01T00:00:00.000Z")
    y = [indicator(31, "2024-05-0%dT00:00:00.000Z" % d) for d in (1, 2, 3)]
    assert c.add_objects({"objects": [x] + y}).success_count == 4
    # taxii2client does not read the body of a DELETE response.
    assert c.delete_object(x["id"]) is None
    expect_http_error(404, c.get_object, x["id"])
    expect_http_error(404, c.object_versions, x["id"])
    assert "objects" not in c.get_manifest(id=x["id"])
    assert x["id"] not in ids(c.get_objects(version="all"))
    # With match[version] only the selected versions go.
    c.delete_object(y[0]["id"], version="last")
    assert c.object_versions(y[0]["id"])["versions"] == ["2024-05-01T00:00:00.000Z", "2024-05-02T00:00:00.000Z"]
    assert modified(c.get_object(y[0]["id"])) == ["2024-05-02T00:00:00.000Z"]
    c.delete_object(y[0]["id"], version="2024-05-01T00:00:00.000Z")
    assert c.object_versions(y[0]["id"])["versions"] == ["2024-05-02T00:00:00.000Z"]
    # Without match[version] the object goes, every version of it (T-75, docs/taxii.md).
    assert c.add_objects({"objects": y}).success_count == 3
    assert len(c.object_versions(y[0]["id"])["versions"]) == 3
    c.delete_object(y[0]["id"])
    expect_http_error(404, c.get_object, y[0]["id"])
    expect_http_error(404, c.delete_object, y[0]["id"])
    # What a DELETE answers, as seen without the client.
    z = indicator(32, "2024-05-01T00:00:00.000Z")
    c.add_objects({"objects": [z]})
    r = requests.delete(c.objects_url + z["id"] + "/", headers={"Accept": TAXII},
                        auth=(env("SCHAKEL_USER"), env("SCHAKEL_PASSWORD")))
    assert r.status_code == 200, r.status_code
    assert r.headers["Content-Type"] == TAXII, r.headers
    # No body is defined for DELETE (TAXII 2.1 section 5.7).
    assert r.content == b"", r.content


if __name__ == "__main__":
    run([
        discovery_and_api_roots,
        api_root_collections,
        collection_by_id_title_and_alias,
        bearer_token_account,
        wrong_credentials_get_401,
        lowercase_basic_scheme,
        as_pages_over_bulk_collection,
        as_pages_over_bulk_manifest,
        as_pages_with_filters,
        as_pages_with_bearer_token,
        polling_by_date_added_header,
        filters_on_objects,
        filters_on_manifest,
        get_object_and_versions,
        add_objects_and_status,
        add_objects_without_waiting_and_as_text,
        add_objects_partial_failure_and_duplicates,
        delete_objects,
    ])
