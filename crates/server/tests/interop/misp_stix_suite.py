"""misp-stix (PyPI) -> Schakel -> misp-stix: the TLP of every MISP attribute survives.

Run by crates/server/tests/interop.rs (misp_stix_round_trip). Builds a MISP event in code
(pymisp, no MISP instance) whose attributes each carry a different TLP tag (CLEAR, WHITE,
GREEN, AMBER, AMBER+STRICT, RED, none), an event-level tlp:green and a file object with one
TLP-tagged attribute; converts it to STIX 2.1 with misp-stix (MISPtoSTIX21Parser); posts the
objects with taxii2-client and checks the status resource; reads them back page by page
(as_pages); converts the read-back bundle to MISP with misp-stix's internal parser
(InternalSTIX2toMISPParser); and checks, per attribute value, that the value and its TLP
tags survive.

Schakel refuses TLP:RED without an audience marking that names recipients
(`red-without-recipients`, docs/access-model.md): the check asserts exactly that refusal
for the RED-marked objects, then posts them again with an audience marking naming the MISP
organisation (docs/interop.md, "MISP"), so that RED round-trips too.

What misp-stix itself does, which the comparison allows for and prints:
- an attribute tag equal to an event tag comes back on the event only;
- TLP tags of attributes inside a MISP object come back on every attribute of the object.

Environment: SCHAKEL_URL, SCHAKEL_API_ROOT, SCHAKEL_MISP (collection id), SCHAKEL_MISP_TOKEN
(Bearer token of the account posting for the MISP organisation), MISP_ORG_UUID (Schakel's
organisation has the identity identity--<MISP_ORG_UUID>).
"""
import json
import uuid

from pymisp import MISPEvent, MISPObject, MISPOrganisation
from taxii2client.v21 import Collection, as_pages
from misp_stix_converter import InternalSTIX2toMISPParser, MISPtoSTIX21Parser
from misp_stix_converter.tools import is_stix2_from_misp, load_stix2_content

from common import BearerAuth, collection_url, env, run

ORG_UUID = env("MISP_ORG_UUID")
ORG_IDENTITY = f"identity--{ORG_UUID}"
AUDIENCE_EXT = "extension-definition--f1e46ded-6a0e-4c87-9700-1728263cc8f8"
TLP_RED_IDS = {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",   # TLP 1.0
               "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"}   # TLP 2.0
EVENT_TAGS = ["tlp:green", "PAP:AMBER"]
TAG = uuid.uuid4().hex[:8]  # keeps values unique per run
ATTRIBUTES = [  # (type, value, tags)
    ("ip-dst", "198.51.100.7", ["tlp:clear"]),
    ("email-src", f"phish-{TAG}@bad.example.net", ["tlp:white"]),
    ("domain", f"c2-{TAG}.bad.example.com", ["tlp:green"]),
    ("url", f"http://c2-{TAG}.bad.example.com/gate.php", ["tlp:amber", "PAP:RED"]),
    ("ip-src", "203.0.113.9", ["tlp:amber+strict"]),
    ("sha256", uuid.uuid4().hex * 2, ["tlp:red"]),
    ("hostname", f"unmarked-{TAG}.bad.example.org", []),
]
FILE_OBJECT = [  # (relation, value, tags) of one MISP "file" object
    ("filename", f"dropper-{TAG}.exe", ["tlp:amber"]),
    ("md5", uuid.uuid4().hex, []),
]


def tlp(tags):
    return sorted(t for t in tags if t.lower().startswith("tlp:"))


def names(layer):
    return [t.name for t in layer.tags]


def build_event():
    event = MISPEvent()
    event.info = f"Schakel misp-stix TLP round trip {TAG}"
    org = MISPOrganisation()
    org.name, org.uuid = "Schakel Test MISP Org", ORG_UUID
    event.Orgc = org
    for tag in EVENT_TAGS:
        event.add_tag(tag)
    for kind, value, tags in ATTRIBUTES:
        attribute = event.add_attribute(kind, value, to_ids=kind != "hostname")
        for tag in tags:
            attribute.add_tag(tag)
    misp_object = MISPObject("file")
    for relation, value, tags in FILE_OBJECT:
        attribute = misp_object.add_attribute(relation, value)
        for tag in tags:
            attribute.add_tag(tag)
    event.add_object(misp_object)
    return event


def misp_to_stix(event):
    parser = MISPtoSTIX21Parser()
    parser.parse_misp_event(event)
    assert not parser.errors, f"misp-stix export errors: {dict(parser.errors)}"
    return json.loads(parser.bundle.serialize())["objects"]


def stix_to_misp(objects):
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
    assert is_stix2_from_misp(objects), "misp-stix does not detect the read-back as MISP content"
    parser = InternalSTIX2toMISPParser()
    parser.load_stix_bundle(load_stix2_content(bundle))
    parser.parse_stix_bundle()
    assert not parser.errors, f"misp-stix import errors: {dict(parser.errors)}"
    if parser.warnings:
        print(f"  misp-stix import warnings: {dict(parser.warnings)}")
    return parser.misp_event


def post(collection, objects, label):
    status = collection.add_objects({"objects": objects}, wait_for_completion=True,
                                    poll_interval=0.5, timeout=60)
    print(f"POST {label}: {len(objects)} objects -> status {status.status}, "
          f"{status.success_count} ok, {status.failure_count} failed, {status.pending_count} pending")
    assert status.status == "complete", f"status not complete: {status.status}"
    assert status.total_count == len(objects), status.total_count
    for failure in status.failures or []:
        print(f"  REFUSED {failure['id']}: {failure['message']}")
    return status


def is_red(obj):
    return bool(TLP_RED_IDS & set(obj.get("object_marking_refs", [])))


def with_audience(objects):
    """The RED-marked objects plus a Schakel audience marking naming the MISP org."""
    marking = {"type": "marking-definition", "spec_version": "2.1",
               "id": f"marking-definition--{uuid.uuid4()}",
               "created": "2026-01-01T00:00:00.000Z", "created_by_ref": ORG_IDENTITY,
               "name": f"Schakel audience: MISP round trip {TAG}",
               "extensions": {AUDIENCE_EXT: {"extension_type": "property-extension",
                                             "recipients": [ORG_IDENTITY]}}}
    marked = [dict(o, object_marking_refs=o["object_marking_refs"] + [marking["id"]])
              for o in objects]
    return [marking] + marked, marking["id"]


def read_all(collection, per_request=10):
    objects, pages = [], 0
    for envelope in as_pages(collection.get_objects, per_request=per_request):
        pages += 1
        objects.extend(envelope.get("objects", []))
    print(f"GET objects: {len(objects)} objects in {pages} pages of at most {per_request}")
    return objects


def misp_event_round_trip_keeps_the_tlp_of_every_attribute():
    collection = Collection(collection_url(env("SCHAKEL_MISP")),
                            auth=BearerAuth(env("SCHAKEL_MISP_TOKEN")))
    assert collection.can_read and collection.can_write, "account needs read and write"

    event = build_event()
    objects = misp_to_stix(event)
    markings = sorted({(o["id"], o["name"]) for o in objects if o["type"] == "marking-definition"})
    print(f"misp-stix: {len(objects)} STIX 2.1 objects; marking-definitions:")
    for marking_id, name in markings:
        print(f"  {name:18} {marking_id}")

    # 1. everything as misp-stix wrote it: only the TLP:RED objects may be refused
    status = post(collection, objects, "misp-stix output")
    red = {o["id"] for o in objects if is_red(o)}
    refused = {f["id"]: f["message"] for f in status.failures or []}
    assert set(refused) == red, f"refused {sorted(refused)}, expected the RED ones {sorted(red)}"
    assert all("red-without-recipients" in m for m in refused.values()), refused
    assert status.success_count == len(objects) - len(red)

    # 2. workaround: the RED objects again, with an audience marking naming the MISP org
    resent, audience_id = with_audience([o for o in objects if is_red(o)])
    status = post(collection, resent, "RED objects + audience marking")
    assert status.success_count == len(resent) and not status.failures

    # 3. read back (as the poster) and compare the stored objects with what was sent
    sent = {o["id"]: o for o in objects if o["id"] not in red}
    sent.update({o["id"]: o for o in resent})
    back = [o for o in read_all(collection) if o["id"] in sent]
    by_id = {o["id"]: o for o in back}
    missing = sorted(set(sent) - set(by_id))
    assert not missing, f"posted but not read back: {missing}"
    changed = [i for i in sent if by_id[i] != sent[i]]
    assert not changed, f"read back differently: {changed}"
    print(f"read back all {len(sent)} posted objects unchanged")

    # 4. back to MISP; the audience marking is Schakel's, not MISP's: leave it out
    for obj in back:
        if audience_id in obj.get("object_marking_refs", []):
            obj["object_marking_refs"] = [m for m in obj["object_marking_refs"] if m != audience_id]
    event2 = stix_to_misp([o for o in back if o["id"] != audience_id])
    compare(event, event2)


def compare(before, after):
    ev_before, ev_after = tlp(names(before)), tlp(names(after))
    print(f"\nevent TLP tags: before {ev_before} after {ev_after}")
    assert ev_before == ev_after, "event-level TLP tag lost"
    assert set(names(before)) <= set(names(after)), "event tags lost"
    assert before.uuid == after.uuid, "event uuid changed"
    rows = []  # (where, value, tags before, tags after, expected after, note)
    after_attrs = {a.value: a for a in after.attributes}
    for a in before.attributes:
        b = after_attrs.get(a.value)
        assert b is not None, f"attribute {a.type} {a.value} lost"
        assert (b.type, b.uuid) == (a.type, a.uuid), f"{a.value}: {b.type}/{b.uuid}"
        own = tlp(names(a))
        inherited = [t for t in own if t in ev_before]
        expected = [t for t in own if t not in ev_before]
        note = f"{inherited} kept on the event only" if inherited else ""
        rows.append((f"attribute {a.type}", a.value, own, tlp(names(b)), expected, note))
        assert set(names(a)) - set(inherited) <= set(names(b)), f"{a.value}: tags lost"
    for obj in before.objects:
        matches = [o for o in after.objects if o.name == obj.name and o.uuid == obj.uuid]
        assert len(matches) == 1, f"object {obj.name} {obj.uuid} not found once"
        lifted = sorted({t for x in obj.attributes for t in tlp(names(x))} - set(ev_before))
        values = {x.value: x for x in matches[0].attributes}
        for x in obj.attributes:
            y = values.get(x.value)
            assert y is not None and y.object_relation == x.object_relation, x.value
            note = "object-level TLP (misp-stix lifts it)" if tlp(names(x)) != lifted else ""
            rows.append((f"{obj.name}.{x.object_relation}", x.value, tlp(names(x)),
                         tlp(names(y)), lifted, note))
    print(f"{'where':22} {'value':48} {'TLP before':24} {'TLP after':24} note")
    bad = []
    for where, value, tags_before, tags_after, expected, note in rows:
        verdict = "ok" if tags_after == expected else f"FAIL (expected {expected})"
        print(f"{where:22} {value[:48]:48} {str(tags_before):24} {str(tags_after):24} "
              f"{verdict}{'; ' + note if note else ''}")
        if tags_after != expected:
            bad.append(value)
    assert not bad, f"TLP tags not preserved for {bad}"
    print(f"\nPASS: {len(rows)} attribute values and their TLP tags round-tripped through Schakel")


if __name__ == "__main__":
    run([misp_event_round_trip_keeps_the_tlp_of_every_attribute])
