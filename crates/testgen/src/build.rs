//! Builders of valid objects, one per STIX 2.1 type: required properties always, optional
//! ones as random subsets with realistic values. Sources: the property tables of sections
//! 4-7 of the specification and the JSON Schemas of `fixtures/conformance/stix2-json-schemas`.

use serde_json::{Map, Value, json};

use crate::pattern;
use crate::rng::Rng;
use crate::values::{self as v, Instant};

type Obj = Map<String, Value>;

fn put(m: &mut Obj, k: &str, value: impl Into<Value>) {
    m.insert(k.to_owned(), value.into());
}

/// Puts `k` with probability `p`, computing the value only then.
fn maybe(m: &mut Obj, r: &mut Rng, p: f64, k: &str, f: impl FnOnce(&mut Rng) -> Value) {
    if r.chance(p) {
        let value = f(r);
        m.insert(k.to_owned(), value);
    }
}

/// An extension-definition id the corpus uses for property extensions.
pub const PROPERTY_EXT_ID: &str = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e";
/// An extension-definition id the corpus uses for top-level property extensions.
pub const TOPLEVEL_EXT_ID: &str = "extension-definition--71736db5-10db-43d3-b0e3-65cf81601fe1";
/// The TC's TLP 2.0 property extension.
pub const TLP2_EXT_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
/// The TLP 2.0 marking-definitions: (id, name, value of `tlp_2_0`).
pub const TLP2: [(&str, &str, &str); 5] = [
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "TLP:CLEAR",
        "clear",
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "TLP:GREEN",
        "green",
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "TLP:AMBER",
        "amber",
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "TLP:AMBER+STRICT",
        "amber+strict",
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        "TLP:RED",
        "red",
    ),
];

/// Builds a valid object of type `ty`; `None` for a type this generator does not know.
pub fn valid(ty: &str, r: &mut Rng) -> Option<Obj> {
    let m = match ty {
        "marking-definition" => marking_definition(r),
        "language-content" => language_content(r),
        "extension-definition" => extension_definition(r),
        _ if v::SCO_TYPES.contains(&ty) => {
            let mut m = Obj::new();
            put(&mut m, "type", ty);
            sco_body(ty, r, &mut m);
            sco_common(ty, r, &mut m);
            assign_sco_id(&mut m, r);
            m
        }
        _ => {
            let (mut m, created) = sdo_base(ty, r);
            match ty {
                "attack-pattern" => attack_pattern(r, &mut m),
                "campaign" => campaign(r, &mut m),
                "course-of-action" => {
                    put(&mut m, "name", v::name(r));
                    maybe(&mut m, r, 0.7, "description", |r| json!(v::sentence(r)));
                }
                "grouping" => grouping(r, &mut m),
                "identity" => identity(r, &mut m),
                "incident" => {
                    put(&mut m, "name", v::name(r));
                    maybe(&mut m, r, 0.6, "description", |r| json!(v::sentence(r)));
                }
                "indicator" => indicator(r, &mut m),
                "infrastructure" => infrastructure(r, &mut m),
                "intrusion-set" => intrusion_set(r, &mut m),
                "location" => location(r, &mut m),
                "malware" => malware(r, &mut m),
                "malware-analysis" => malware_analysis(r, &mut m),
                "note" => note(r, &mut m),
                "observed-data" => observed_data(r, &mut m),
                "opinion" => opinion(r, &mut m),
                "report" => report(r, &mut m),
                "threat-actor" => threat_actor(r, &mut m),
                "tool" => tool(r, &mut m),
                "vulnerability" => vulnerability(r, &mut m),
                "relationship" => relationship(r, &mut m),
                "sighting" => sighting(r, &mut m),
                _ => return None,
            }
            sdo_optionals(ty, r, &mut m, created);
            m
        }
    };
    Some(m)
}

// ---------------------------------------------------------------- common properties

fn sdo_base(ty: &str, r: &mut Rng) -> (Obj, Instant) {
    let mut m = Obj::new();
    let created = Instant::random(r);
    let modified = if r.chance(0.6) {
        created
    } else {
        created.strictly_later(r, 86_400 * 400)
    };
    put(&mut m, "type", ty);
    put(&mut m, "spec_version", "2.1");
    put(&mut m, "id", v::id(r, ty));
    put(&mut m, "created", created.ms(r));
    put(&mut m, "modified", modified.ms(r));
    (m, created)
}

/// Marking references: TLP 1.0 by their official ids, TLP 2.0, or a statement marking.
fn marking_refs(r: &mut Rng) -> Value {
    let mut refs = vec![match r.below(6) {
        0..=2 => json!(r.pick(&v::TLP).0),
        3 => json!(r.pick(&TLP2).0),
        _ => json!(v::id(r, "marking-definition")),
    }];
    if r.chance(0.15) {
        refs.push(json!(v::id(r, "marking-definition")));
    }
    Value::Array(refs)
}

fn custom_properties(r: &mut Rng, m: &mut Obj) {
    match r.below(3) {
        0 => put(m, "x_acme_score", r.range(0, 10)),
        1 => put(m, "x_acme_analyst", v::name(r)),
        _ => put(m, "x_acme_tags", json!(["triaged", "shared"])),
    }
}

/// A property extension (section 7.3) or a top-level property extension.
fn extension_entry(r: &mut Rng, m: &mut Obj) {
    let mut exts = Obj::new();
    if r.chance(0.7) {
        exts.insert(
            PROPERTY_EXT_ID.into(),
            json!({"extension_type": "property-extension", "rank": r.range(1, 5), "source_system": "sensor-net"}),
        );
    } else {
        exts.insert(
            TOPLEVEL_EXT_ID.into(),
            json!({"extension_type": "toplevel-property-extension"}),
        );
        put(m, "toplevel_priority", r.range(1, 3));
    }
    put(m, "extensions", Value::Object(exts));
}

fn sdo_optionals(ty: &str, r: &mut Rng, m: &mut Obj, created: Instant) {
    maybe(m, r, 0.4, "created_by_ref", |r| json!(v::id(r, "identity")));
    if r.chance(0.1) {
        // Revoking makes a new version (section 3.6), so a revoked object has modified > created.
        let revoked = r.chance(0.3);
        if revoked {
            let later = created.strictly_later(r, 86_400 * 30);
            put(m, "modified", later.ms(r));
        }
        put(m, "revoked", revoked);
    }
    // Labels that are no subtype of any vocabulary (S-29 reserves those for the dedicated
    // properties).
    maybe(m, r, 0.2, "labels", |r| {
        json!([r.pick(&["finance", "watchlist", "q3-review", "Customer A"])])
    });
    maybe(m, r, 0.25, "confidence", |r| json!(r.range(0, 100)));
    maybe(m, r, 0.2, "lang", |r| json!(v::lang(r)));
    if !m.contains_key("external_references") {
        maybe(m, r, 0.3, "external_references", |r| {
            let n = 1 + r.below(2);
            Value::Array((0..n).map(|_| v::external_reference(r)).collect())
        });
    }
    maybe(m, r, 0.35, "object_marking_refs", marking_refs);
    if r.chance(0.08) {
        custom_properties(r, m);
    }
    if r.chance(0.08) && ty != "relationship" {
        extension_entry(r, m);
    }
    if r.chance(0.12) {
        granular_markings(r, m);
    }
}

/// Granular markings whose selectors point at properties present in the object (S-75).
fn granular_markings(r: &mut Rng, m: &mut Obj) {
    let mut candidates: Vec<String> = m
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "type" | "id" | "spec_version"))
        .flat_map(|(k, val)| match val {
            Value::Array(items) if !items.is_empty() => {
                vec![k.clone(), format!("{k}.[{}]", items.len() - 1)]
            }
            Value::Object(o) => match o.keys().next() {
                Some(first) if v::is_selector_component(first) => {
                    vec![k.clone(), format!("{k}.{first}")]
                }
                _ => vec![k.clone()],
            },
            _ => vec![k.clone()],
        })
        .collect();
    candidates.sort();
    if candidates.is_empty() {
        return;
    }
    let n = 1 + r.below(2.min(candidates.len()));
    let selectors: Vec<String> = (0..n).map(|_| r.pick(&candidates).clone()).collect();
    let mut selectors_dedup = selectors.clone();
    selectors_dedup.dedup();
    let marking = if r.chance(0.9) {
        json!({"selectors": selectors_dedup, "marking_ref": r.pick(&v::TLP).0})
    } else {
        // Section 7.2.3: a granular marking carries exactly one of marking_ref and lang.
        json!({"selectors": selectors_dedup, "lang": v::lang(r)})
    };
    put(m, "granular_markings", json!([marking]));
}

fn sco_common(ty: &str, r: &mut Rng, m: &mut Obj) {
    maybe(m, r, 0.7, "spec_version", |_| json!("2.1"));
    maybe(m, r, 0.12, "object_marking_refs", marking_refs);
    maybe(m, r, 0.08, "defanged", |r| json!(r.chance(0.5)));
    if r.chance(0.04) {
        custom_properties(r, m);
    }
    if r.chance(0.05) && !m.contains_key("extensions") {
        let mut exts = Obj::new();
        exts.insert(
            PROPERTY_EXT_ID.into(),
            json!({"extension_type": "property-extension", "rank": r.range(1, 5)}),
        );
        put(m, "extensions", Value::Object(exts));
    }
    if r.chance(0.05) {
        granular_markings(r, m);
    }
    let _ = ty;
}

/// Sets the SCO id: the deterministic UUIDv5 of section 2.9 when the object has ID
/// contributing properties, else a UUIDv4 (S-17).
pub fn assign_sco_id(m: &mut Obj, r: &mut Rng) {
    let ty = m
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    m.remove("id");
    let text = Value::Object(m.clone()).to_string();
    let id = match stix::sco_id::deterministic_id(&text) {
        Ok(Some(id)) => id.as_str().to_owned(),
        _ => v::id(r, &ty),
    };
    put(m, "id", id);
}

// ---------------------------------------------------------------- SDOs

fn attack_pattern(r: &mut Rng, m: &mut Obj) {
    put(m, "name", v::name(r));
    maybe(m, r, 0.6, "description", |r| json!(v::sentence(r)));
    maybe(m, r, 0.3, "aliases", v::names);
    maybe(m, r, 0.5, "kill_chain_phases", v::kill_chain_phases);
    if r.chance(0.4) {
        put(
            m,
            "external_references",
            json!([{"source_name": "capec", "external_id": format!("CAPEC-{}", r.range(1, 700))}]),
        );
    }
}

fn seen_window(r: &mut Rng, m: &mut Obj, first: &str, last: &str) {
    let a = Instant::random(r);
    if r.chance(0.5) {
        put(m, first, a.any(r));
    }
    if r.chance(0.4) {
        let b = a.later(r, 86_400 * 300);
        put(m, last, b.any(r));
    }
}

fn campaign(r: &mut Rng, m: &mut Obj) {
    put(m, "name", v::name(r));
    maybe(m, r, 0.5, "description", |r| json!(v::sentence(r)));
    maybe(m, r, 0.3, "aliases", v::names);
    seen_window(r, m, "first_seen", "last_seen");
    maybe(m, r, 0.3, "objective", |r| json!(v::sentence(r)));
}

fn grouping(r: &mut Rng, m: &mut Obj) {
    put(m, "context", v::ov(r, v::GROUPING_CONTEXT));
    put(m, "object_refs", any_refs(r));
    maybe(m, r, 0.5, "name", |r| json!(v::name(r)));
    maybe(m, r, 0.4, "description", |r| json!(v::sentence(r)));
}

/// References to SDOs, SROs or SCOs (the targets of `object_refs`).
fn any_refs(r: &mut Rng) -> Value {
    let mut types: Vec<&str> = v::SDO_TYPES.to_vec();
    types.extend([
        "relationship",
        "sighting",
        "ipv4-addr",
        "file",
        "domain-name",
    ]);
    v::refs_to(r, &types, 4)
}

fn identity(r: &mut Rng, m: &mut Obj) {
    put(m, "name", v::name(r));
    maybe(m, r, 0.4, "description", |r| json!(v::sentence(r)));
    maybe(m, r, 0.3, "roles", |r| {
        json!([r.pick(&["analyst", "soc", "ciso"])])
    });
    maybe(m, r, 0.6, "identity_class", |r| {
        json!(v::ov(r, v::IDENTITY_CLASS))
    });
    maybe(m, r, 0.4, "sectors", |r| v::ov_list(r, v::INDUSTRY_SECTOR));
    maybe(m, r, 0.3, "contact_information", |r| json!(v::email(r)));
}

fn indicator(r: &mut Rng, m: &mut Obj) {
    let kind = if r.chance(0.8) {
        "stix"
    } else {
        *r.pick(&["pcre", "sigma", "snort", "suricata", "yara"])
    };
    put(m, "pattern", pattern::for_type(kind, r));
    put(m, "pattern_type", kind);
    if kind == "stix" && r.chance(0.3) {
        put(m, "pattern_version", "2.1");
    }
    let from = Instant::random(r);
    put(m, "valid_from", from.any(r));
    maybe(m, r, 0.3, "valid_until", |r| {
        json!(from.strictly_later(r, 86_400 * 365).any(r))
    });
    maybe(m, r, 0.6, "indicator_types", |r| {
        v::ov_list(r, v::INDICATOR_TYPE)
    });
    maybe(m, r, 0.7, "name", |r| json!(v::name(r)));
    maybe(m, r, 0.6, "description", |r| json!(v::sentence(r)));
    maybe(m, r, 0.3, "kill_chain_phases", v::kill_chain_phases);
}

fn infrastructure(r: &mut Rng, m: &mut Obj) {
    put(m, "name", v::name(r));
    maybe(m, r, 0.4, "description", |r| json!(v::sentence(r)));
    maybe(m, r, 0.6, "infrastructure_types", |r| {
        v::ov_list(r, v::INFRASTRUCTURE_TYPE)
    });
    maybe(m, r, 0.2, "aliases", v::names);
    maybe(m, r, 0.3, "kill_chain_phases", v::kill_chain_phases);
    seen_window(r, m, "first_seen", "last_seen");
}

fn intrusion_set(r: &mut Rng, m: &mut Obj) {
    put(m, "name", v::name(r));
    maybe(m, r, 0.4, "description", |r| json!(v::sentence(r)));
    maybe(m, r, 0.3, "aliases", v::names);
    seen_window(r, m, "first_seen", "last_seen");
    maybe(m, r, 0.3, "goals", |r| json!([v::sentence(r)]));
    maybe(m, r, 0.3, "resource_level", |r| {
        json!(v::ov(r, v::ATTACK_RESOURCE_LEVEL))
    });
    maybe(m, r, 0.3, "primary_motivation", |r| {
        json!(v::ov(r, v::ATTACK_MOTIVATION))
    });
    maybe(m, r, 0.2, "secondary_motivations", |r| {
        v::ov_list(r, v::ATTACK_MOTIVATION)
    });
}

fn location(r: &mut Rng, m: &mut Obj) {
    maybe(m, r, 0.4, "name", |r| json!(v::name(r)));
    maybe(m, r, 0.3, "description", |r| json!(v::sentence(r)));
    let shape = r.below(4);
    if shape == 0 || r.chance(0.2) {
        put(m, "region", v::ov(r, v::REGION));
    }
    if shape == 1 || r.chance(0.2) {
        put(m, "country", *r.pick(v::COUNTRIES));
        maybe(m, r, 0.3, "administrative_area", |r| {
            json!(r.pick(&["US-CA", "DE-BY", "Zuid-Holland"]))
        });
        maybe(m, r, 0.3, "city", |r| {
            json!(r.pick(&["Berlin", "Zürich", "Den Haag", "東京"]))
        });
        maybe(m, r, 0.2, "street_address", |_| json!("1 Example Street"));
        maybe(m, r, 0.2, "postal_code", |_| json!("2511 AA"));
    }
    if shape >= 2 {
        let lat = (r.range(-90_000, 90_000) as f64) / 1000.0;
        let lon = (r.range(-180_000, 180_000) as f64) / 1000.0;
        put(m, "latitude", lat);
        put(m, "longitude", lon);
        maybe(m, r, 0.3, "precision", |r| json!(r.range(1, 5000) as f64));
    }
}

fn malware(r: &mut Rng, m: &mut Obj) {
    let family = r.chance(0.6);
    put(m, "is_family", family);
    if family || r.chance(0.5) {
        put(m, "name", v::name(r));
    }
    maybe(m, r, 0.4, "description", |r| json!(v::sentence(r)));
    maybe(m, r, 0.6, "malware_types", |r| {
        v::ov_list(r, v::MALWARE_TYPE)
    });
    if family {
        maybe(m, r, 0.3, "aliases", v::names);
    }
    seen_window(r, m, "first_seen", "last_seen");
    maybe(m, r, 0.2, "operating_system_refs", |r| {
        v::refs_to(r, &["software"], 2)
    });
    maybe(m, r, 0.2, "architecture_execution_envs", |r| {
        v::ov_list(r, v::PROCESSOR_ARCHITECTURE)
    });
    maybe(m, r, 0.2, "implementation_languages", |r| {
        v::ov_list(r, v::IMPLEMENTATION_LANGUAGE)
    });
    maybe(m, r, 0.3, "capabilities", |r| {
        v::ov_list(r, v::MALWARE_CAPABILITIES)
    });
    maybe(m, r, 0.2, "sample_refs", |r| {
        v::refs_to(r, &["file", "artifact"], 2)
    });
    maybe(m, r, 0.3, "kill_chain_phases", v::kill_chain_phases);
}

fn malware_analysis(r: &mut Rng, m: &mut Obj) {
    put(
        m,
        "product",
        *r.pick(&["cuckoo", "virustotal", "joe-sandbox", "anonymized", "capa"]),
    );
    maybe(m, r, 0.3, "version", |_| json!("2.0.7"));
    maybe(m, r, 0.2, "configuration_version", |_| json!("cfg-14"));
    maybe(m, r, 0.2, "modules", |_| json!(["static", "dynamic"]));
    maybe(m, r, 0.2, "analysis_engine_version", |_| json!("5.1"));
    maybe(m, r, 0.2, "analysis_definition_version", |_| {
        json!("2024-05-01")
    });
    let t = Instant::random(r);
    maybe(m, r, 0.4, "submitted", |r| json!(t.any(r)));
    maybe(m, r, 0.3, "analysis_started", |r| {
        json!(t.later(r, 600).any(r))
    });
    maybe(m, r, 0.3, "analysis_ended", |r| {
        json!(t.later(r, 3600).any(r))
    });
    maybe(m, r, 0.3, "result_name", |r| json!(v::name(r)));
    let has_result = r.chance(0.6);
    if has_result {
        put(m, "result", v::ov(r, v::MALWARE_RESULT));
    }
    if !has_result || r.chance(0.3) {
        put(
            m,
            "analysis_sco_refs",
            v::refs_to(r, &["file", "ipv4-addr", "domain-name", "url"], 3),
        );
    }
    maybe(m, r, 0.2, "host_vm_ref", |r| {
        json!(v::ref_to(r, &["software"]))
    });
    maybe(m, r, 0.2, "operating_system_ref", |r| {
        json!(v::ref_to(r, &["software"]))
    });
    maybe(m, r, 0.2, "installed_software_refs", |r| {
        v::refs_to(r, &["software"], 2)
    });
    maybe(m, r, 0.3, "sample_ref", |r| {
        json!(v::ref_to(r, &["file", "artifact", "network-traffic"]))
    });
}

fn note(r: &mut Rng, m: &mut Obj) {
    put(m, "content", v::sentence(r));
    put(m, "object_refs", any_refs(r));
    maybe(m, r, 0.4, "abstract", |r| json!(v::name(r)));
    maybe(m, r, 0.4, "authors", v::names);
}

fn observed_data(r: &mut Rng, m: &mut Obj) {
    let first = Instant::random(r);
    put(m, "first_observed", first.any(r));
    put(m, "last_observed", first.later(r, 86_400).any(r));
    put(
        m,
        "number_observed",
        r.range(1, 999_999_999)
            .min(if r.chance(0.8) { 500 } else { 999_999_999 }),
    );
    if r.chance(0.92) {
        let mut refs = vec![json!(v::ref_to(
            r,
            &["ipv4-addr", "domain-name", "file", "url", "network-traffic"]
        ))];
        if r.chance(0.3) {
            refs.push(json!(v::ref_to(r, &["ipv6-addr", "email-addr", "mutex"])));
        }
        if r.chance(0.2) {
            refs.push(json!(v::id(r, "relationship")));
        }
        put(m, "object_refs", Value::Array(refs));
    } else {
        // The deprecated observable container (section 2.13): still valid 2.1 content.
        put(
            m,
            "objects",
            json!({"0": {"type": "ipv4-addr", "value": v::ipv4(r)}, "1": {"type": "domain-name", "value": v::domain(r), "resolves_to_refs": ["0"]}}),
        );
    }
}

fn opinion(r: &mut Rng, m: &mut Obj) {
    put(m, "opinion", *r.pick(v::OPINION));
    put(m, "object_refs", any_refs(r));
    maybe(m, r, 0.5, "explanation", |r| json!(v::sentence(r)));
    maybe(m, r, 0.4, "authors", v::names);
}

fn report(r: &mut Rng, m: &mut Obj) {
    put(m, "name", v::name(r));
    put(m, "published", Instant::random(r).any(r));
    put(m, "object_refs", any_refs(r));
    maybe(m, r, 0.6, "report_types", |r| v::ov_list(r, v::REPORT_TYPE));
    maybe(m, r, 0.5, "description", |r| json!(v::sentence(r)));
}

fn threat_actor(r: &mut Rng, m: &mut Obj) {
    put(m, "name", v::name(r));
    maybe(m, r, 0.4, "description", |r| json!(v::sentence(r)));
    maybe(m, r, 0.6, "threat_actor_types", |r| {
        v::ov_list(r, v::THREAT_ACTOR_TYPE)
    });
    maybe(m, r, 0.3, "aliases", v::names);
    seen_window(r, m, "first_seen", "last_seen");
    maybe(m, r, 0.3, "roles", |r| v::ov_list(r, v::THREAT_ACTOR_ROLE));
    maybe(m, r, 0.2, "goals", |r| json!([v::sentence(r)]));
    maybe(m, r, 0.3, "sophistication", |r| {
        json!(v::ov(r, v::THREAT_ACTOR_SOPHISTICATION))
    });
    maybe(m, r, 0.3, "resource_level", |r| {
        json!(v::ov(r, v::ATTACK_RESOURCE_LEVEL))
    });
    maybe(m, r, 0.3, "primary_motivation", |r| {
        json!(v::ov(r, v::ATTACK_MOTIVATION))
    });
    maybe(m, r, 0.2, "secondary_motivations", |r| {
        v::ov_list(r, v::ATTACK_MOTIVATION)
    });
    maybe(m, r, 0.2, "personal_motivations", |r| {
        v::ov_list(r, v::ATTACK_MOTIVATION)
    });
}

fn tool(r: &mut Rng, m: &mut Obj) {
    put(m, "name", v::name(r));
    maybe(m, r, 0.4, "description", |r| json!(v::sentence(r)));
    maybe(m, r, 0.6, "tool_types", |r| v::ov_list(r, v::TOOL_TYPE));
    maybe(m, r, 0.3, "aliases", v::names);
    maybe(m, r, 0.3, "kill_chain_phases", v::kill_chain_phases);
    maybe(m, r, 0.3, "tool_version", |r| {
        json!(format!("{}.{}", r.range(1, 9), r.range(0, 20)))
    });
}

fn vulnerability(r: &mut Rng, m: &mut Obj) {
    put(
        m,
        "name",
        format!("CVE-{}-{}", r.range(2010, 2025), r.range(1000, 60000)),
    );
    maybe(m, r, 0.5, "description", |r| json!(v::sentence(r)));
    if r.chance(0.6) {
        put(
            m,
            "external_references",
            json!([{"source_name": "cve", "external_id": format!("CVE-{}-{}", r.range(2010, 2025), r.range(1000, 60000))}]),
        );
    }
}

/// Specification-defined relationships (section 5.1.1 and each SDO's relationship table).
const RELATIONSHIPS: &[(&str, &str, &str)] = &[
    ("indicator", "indicates", "malware"),
    ("indicator", "indicates", "campaign"),
    ("indicator", "indicates", "threat-actor"),
    ("indicator", "based-on", "observed-data"),
    ("malware", "uses", "attack-pattern"),
    ("malware", "targets", "identity"),
    ("malware", "communicates-with", "ipv4-addr"),
    ("malware", "drops", "file"),
    ("malware", "variant-of", "malware"),
    ("malware", "exploits", "vulnerability"),
    ("campaign", "attributed-to", "intrusion-set"),
    ("campaign", "targets", "vulnerability"),
    ("campaign", "uses", "tool"),
    ("threat-actor", "uses", "malware"),
    ("threat-actor", "located-at", "location"),
    ("threat-actor", "impersonates", "identity"),
    ("intrusion-set", "attributed-to", "threat-actor"),
    ("intrusion-set", "originates-from", "location"),
    ("course-of-action", "mitigates", "attack-pattern"),
    ("course-of-action", "remediates", "vulnerability"),
    ("attack-pattern", "targets", "identity"),
    ("attack-pattern", "delivers", "malware"),
    ("infrastructure", "communicates-with", "domain-name"),
    ("infrastructure", "consists-of", "ipv4-addr"),
    ("infrastructure", "located-at", "location"),
    ("tool", "targets", "infrastructure"),
    ("tool", "has", "vulnerability"),
    ("identity", "located-at", "location"),
    ("malware-analysis", "characterizes", "malware"),
    ("domain-name", "resolves-to", "ipv4-addr"),
    ("ipv4-addr", "belongs-to", "autonomous-system"),
];

fn relationship(r: &mut Rng, m: &mut Obj) {
    let (src, rel, tgt) = if r.chance(0.85) {
        *r.pick(RELATIONSHIPS)
    } else {
        // The common relationships of section 3.7, between objects of one type.
        let ty = *r.pick(&["malware", "indicator", "campaign", "tool"]);
        (
            ty,
            *r.pick(&["related-to", "derived-from", "duplicate-of"]),
            ty,
        )
    };
    put(m, "relationship_type", rel);
    put(m, "source_ref", v::ref_to(r, &[src]));
    put(m, "target_ref", v::ref_to(r, &[tgt]));
    maybe(m, r, 0.3, "description", |r| json!(v::sentence(r)));
    if r.chance(0.2) {
        let start = Instant::random(r);
        put(m, "start_time", start.any(r));
        maybe(m, r, 0.7, "stop_time", |r| {
            json!(start.strictly_later(r, 86_400 * 30).any(r))
        });
    }
}

fn sighting(r: &mut Rng, m: &mut Obj) {
    put(
        m,
        "sighting_of_ref",
        v::ref_to(
            r,
            &[
                "indicator",
                "malware",
                "threat-actor",
                "campaign",
                "tool",
                "infrastructure",
            ],
        ),
    );
    maybe(m, r, 0.3, "description", |r| json!(v::sentence(r)));
    seen_window(r, m, "first_seen", "last_seen");
    maybe(m, r, 0.4, "count", |r| json!(r.range(0, 5000)));
    maybe(m, r, 0.4, "observed_data_refs", |r| {
        v::refs_to(r, &["observed-data"], 2)
    });
    maybe(m, r, 0.4, "where_sighted_refs", |r| {
        v::refs_to(r, &["identity", "location"], 2)
    });
    maybe(m, r, 0.3, "summary", |r| json!(r.chance(0.5)));
}

// ---------------------------------------------------------------- meta objects

fn marking_definition(r: &mut Rng) -> Obj {
    match r.below(10) {
        // The four TLP 1.0 objects, exactly as section 7.2.1.4 fixes them.
        0..=1 => {
            let (id, name, colour) = *r.pick(&v::TLP);
            let mut m = Obj::new();
            put(&mut m, "type", "marking-definition");
            put(&mut m, "spec_version", "2.1");
            put(&mut m, "id", id);
            put(&mut m, "created", "2017-01-20T00:00:00.000Z");
            put(&mut m, "definition_type", "tlp");
            put(&mut m, "name", name);
            put(&mut m, "definition", json!({"tlp": colour}));
            m
        }
        // The TC's TLP 2.0 objects (extension-based marking).
        2 => {
            let (id, name, value) = *r.pick(&TLP2);
            let mut m = Obj::new();
            put(&mut m, "type", "marking-definition");
            put(&mut m, "spec_version", "2.1");
            put(&mut m, "id", id);
            put(&mut m, "created", "2022-10-01T00:00:00.000Z");
            put(&mut m, "name", name);
            put(
                &mut m,
                "extensions",
                json!({TLP2_EXT_ID: {"extension_type": "property-extension", "tlp_2_0": value}}),
            );
            m
        }
        _ => {
            let mut m = Obj::new();
            put(&mut m, "type", "marking-definition");
            put(&mut m, "spec_version", "2.1");
            put(&mut m, "id", v::id(r, "marking-definition"));
            put(&mut m, "created", Instant::random(r).ms(r));
            if r.chance(0.85) {
                put(&mut m, "definition_type", "statement");
                put(
                    &mut m,
                    "definition",
                    json!({"statement": format!("Copyright {} {}", r.range(2015, 2025), v::name(r))}),
                );
            } else {
                put(
                    &mut m,
                    "extensions",
                    json!({PROPERTY_EXT_ID: {"extension_type": "property-extension", "handling": "internal-only"}}),
                );
            }
            maybe(&mut m, r, 0.5, "name", |r| {
                json!(format!("Handling: {}", v::name(r)))
            });
            maybe(&mut m, r, 0.4, "created_by_ref", |r| {
                json!(v::id(r, "identity"))
            });
            maybe(&mut m, r, 0.15, "external_references", |r| {
                json!([v::external_reference(r)])
            });
            maybe(&mut m, r, 0.1, "object_marking_refs", |r| {
                json!([r.pick(&v::TLP).0])
            });
            if r.chance(0.05) {
                granular_markings(r, &mut m);
            }
            m
        }
    }
}

fn language_content(r: &mut Rng) -> Obj {
    let (mut m, _) = sdo_base("language-content", r);
    let target = *r.pick(&["campaign", "malware", "indicator", "report", "threat-actor"]);
    put(&mut m, "object_ref", v::id(r, target));
    maybe(&mut m, r, 0.6, "object_modified", |r| {
        json!(Instant::random(r).ms(r))
    });
    let mut contents = Obj::new();
    for tag in r.subset(&["de", "fr", "es", "ja", "nl", "pt-BR"], 1) {
        let mut t = Obj::new();
        t.insert("name".into(), json!(v::name(r)));
        if r.chance(0.5) {
            t.insert("description".into(), json!(v::sentence(r)));
        }
        if r.chance(0.2) {
            t.insert("aliases".into(), json!(["", v::name(r)]));
        }
        contents.insert((*tag).to_owned(), Value::Object(t));
    }
    put(&mut m, "contents", Value::Object(contents));
    maybe(&mut m, r, 0.3, "created_by_ref", |r| {
        json!(v::id(r, "identity"))
    });
    maybe(&mut m, r, 0.2, "object_marking_refs", marking_refs);
    maybe(&mut m, r, 0.1, "labels", |_| json!(["translation"]));
    maybe(&mut m, r, 0.1, "confidence", |r| json!(r.range(0, 100)));
    m
}

fn extension_definition(r: &mut Rng) -> Obj {
    let (mut m, _) = sdo_base("extension-definition", r);
    put(&mut m, "created_by_ref", v::id(r, "identity"));
    put(&mut m, "name", format!("{} extension", v::name(r)));
    maybe(&mut m, r, 0.8, "description", |r| json!(v::sentence(r)));
    put(
        &mut m,
        "schema",
        if r.chance(0.7) {
            json!(format!(
                "https://{}/schemas/ext-{}.json",
                v::domain(r),
                r.range(1, 99)
            ))
        } else {
            json!(
                "The properties follow the JSON Schema draft 2020-12 document in the description."
            )
        },
    );
    put(
        &mut m,
        "version",
        format!("{}.{}.{}", r.range(1, 3), r.range(0, 9), r.range(0, 9)),
    );
    let types: Vec<&str> = r
        .subset(v::EXTENSION_TYPE, 1)
        .into_iter()
        .copied()
        .collect();
    if types.contains(&"toplevel-property-extension") && r.chance(0.8) {
        put(
            &mut m,
            "extension_properties",
            json!(["toplevel_priority", "x_acme_flag"]),
        );
    }
    put(&mut m, "extension_types", json!(types));
    maybe(&mut m, r, 0.2, "external_references", |r| {
        json!([v::external_reference(r)])
    });
    maybe(&mut m, r, 0.2, "object_marking_refs", marking_refs);
    maybe(&mut m, r, 0.1, "labels", |_| json!(["extension"]));
    m
}

// ---------------------------------------------------------------- SCOs

fn sco_body(ty: &str, r: &mut Rng, m: &mut Obj) {
    match ty {
        "artifact" => {
            if r.chance(0.6) {
                put(m, "payload_bin", v::payload(r));
                maybe(m, r, 0.4, "hashes", v::hashes);
            } else {
                put(m, "url", v::url(r));
                put(m, "hashes", v::hashes(r));
            }
            maybe(m, r, 0.5, "mime_type", |r| json!(r.pick(v::MIME_TYPES)));
            if r.chance(0.2) {
                put(m, "encryption_algorithm", *r.pick(v::ENCRYPTION_ALGORITHM));
                maybe(m, r, 0.6, "decryption_key", |_| json!("infected"));
            }
        }
        "autonomous-system" => {
            put(m, "number", r.range(1, 4_294_967_295));
            maybe(m, r, 0.5, "name", |r| {
                json!(format!("{} Networks", v::name(r)))
            });
            maybe(m, r, 0.4, "rir", |r| {
                json!(r.pick(&["ARIN", "RIPE NCC", "APNIC", "LACNIC", "AFRINIC"]))
            });
        }
        "directory" => {
            put(
                m,
                "path",
                *r.pick(&[
                    "C:\\Windows\\System32",
                    "/var/tmp",
                    "/home/alice/.cache",
                    "C:\\Users\\Public\\Документы",
                ]),
            );
            maybe(m, r, 0.2, "path_enc", |r| json!(r.pick(v::CHARSETS)));
            times(r, m, &["ctime", "mtime", "atime"]);
            maybe(m, r, 0.3, "contains_refs", |r| {
                v::refs_to(r, &["file", "directory"], 3)
            });
        }
        "domain-name" => {
            put(m, "value", v::domain(r));
            maybe(m, r, 0.3, "resolves_to_refs", |r| {
                v::refs_to(r, &["ipv4-addr", "ipv6-addr", "domain-name"], 2)
            });
        }
        "email-addr" => {
            put(m, "value", v::email(r));
            maybe(m, r, 0.4, "display_name", |r| json!(v::name(r)));
            maybe(m, r, 0.2, "belongs_to_ref", |r| {
                json!(v::ref_to(r, &["user-account"]))
            });
        }
        "email-message" => email_message(r, m),
        "file" => file(r, m),
        "ipv4-addr" | "ipv6-addr" => {
            put(
                m,
                "value",
                if ty == "ipv4-addr" {
                    v::ipv4(r)
                } else {
                    v::ipv6(r)
                },
            );
            maybe(m, r, 0.2, "resolves_to_refs", |r| {
                v::refs_to(r, &["mac-addr"], 2)
            });
            maybe(m, r, 0.2, "belongs_to_refs", |r| {
                v::refs_to(r, &["autonomous-system"], 1)
            });
        }
        "mac-addr" => put(m, "value", v::mac(r)),
        "mutex" => put(
            m,
            "name",
            *r.pick(&[
                "Global\\MsWinZonesCacheCounterMutexA",
                "__SYSTEM__91C38905__",
                "qazwsxedc",
                "Local\\{5D1A0F42}",
            ]),
        ),
        "network-traffic" => network_traffic(r, m),
        "process" => process(r, m),
        "software" => {
            put(
                m,
                "name",
                *r.pick(&["Word", "Acrobat Reader", "OpenSSH", "nginx", "Windows 10"]),
            );
            maybe(m, r, 0.3, "cpe", |r| {
                json!(format!(
                    "cpe:2.3:a:{}:{}:{}.{}:*:*:*:*:*:*:*",
                    r.pick(&["microsoft", "adobe", "openbsd", "f5"]),
                    r.pick(&["word", "acrobat_reader", "openssh", "nginx"]),
                    r.range(1, 20),
                    r.range(0, 9)
                ))
            });
            maybe(m, r, 0.1, "swid", |_| json!("com.acme.tool-1.2.3"));
            maybe(m, r, 0.3, "languages", |r| {
                json!(r.subset(&["en", "fr", "de", "ja"], 1))
            });
            maybe(m, r, 0.4, "vendor", |r| {
                json!(r.pick(&["Microsoft", "Adobe", "OpenBSD", "F5"]))
            });
            maybe(m, r, 0.4, "version", |r| {
                json!(format!("{}.{}", r.range(1, 20), r.range(0, 9)))
            });
        }
        "url" => put(m, "value", v::url(r)),
        "user-account" => user_account(r, m),
        "windows-registry-key" => {
            let hive = *r.pick(&[
                "HKEY_LOCAL_MACHINE",
                "HKEY_CURRENT_USER",
                "HKEY_USERS",
                "HKEY_CLASSES_ROOT",
            ]);
            if r.chance(0.9) {
                put(
                    m,
                    "key",
                    format!("{hive}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"),
                );
            }
            if r.chance(0.5) || !m.contains_key("key") {
                put(
                    m,
                    "values",
                    json!([{"name": "Updater", "data": "C:\\Users\\Public\\upd.exe", "data_type": r.pick(v::WINDOWS_REGISTRY_DATATYPE)}]),
                );
            }
            times(r, m, &["modified_time"]);
            maybe(m, r, 0.2, "creator_user_ref", |r| {
                json!(v::ref_to(r, &["user-account"]))
            });
            maybe(m, r, 0.3, "number_of_subkeys", |r| json!(r.range(0, 40)));
        }
        "x509-certificate" => x509(r, m),
        _ => {}
    }
}

fn times(r: &mut Rng, m: &mut Obj, props: &[&str]) {
    for p in props {
        maybe(m, r, 0.3, p, |r| json!(Instant::random(r).any(r)));
    }
}

fn email_message(r: &mut Rng, m: &mut Obj) {
    let multipart = r.chance(0.35);
    put(m, "is_multipart", multipart);
    if multipart {
        let mut parts =
            vec![json!({"content_type": "text/plain; charset=utf-8", "body": v::sentence(r)})];
        if r.chance(0.6) {
            parts.push(json!({
                "content_type": "application/pdf",
                "content_disposition": "attachment; filename=\"invoice.pdf\"",
                "body_raw_ref": v::ref_to(r, &["artifact", "file"])
            }));
        }
        put(m, "body_multipart", json!(parts));
    } else {
        maybe(m, r, 0.6, "body", |r| json!(v::sentence(r)));
    }
    maybe(m, r, 0.5, "date", |r| json!(Instant::random(r).any(r)));
    maybe(m, r, 0.3, "content_type", |_| json!("text/plain"));
    maybe(m, r, 0.6, "from_ref", |r| {
        json!(v::ref_to(r, &["email-addr"]))
    });
    maybe(m, r, 0.2, "sender_ref", |r| {
        json!(v::ref_to(r, &["email-addr"]))
    });
    maybe(m, r, 0.5, "to_refs", |r| v::refs_to(r, &["email-addr"], 3));
    maybe(m, r, 0.2, "cc_refs", |r| v::refs_to(r, &["email-addr"], 2));
    maybe(m, r, 0.1, "bcc_refs", |r| v::refs_to(r, &["email-addr"], 1));
    maybe(m, r, 0.3, "message_id", |r| {
        json!(format!("<{}@{}>", v::hex(r, 12), v::domain(r)))
    });
    maybe(m, r, 0.6, "subject", |r| json!(v::name(r)));
    maybe(m, r, 0.2, "received_lines", |r| {
        json!([format!("from mx.{} by mail.example.com", v::domain(r))])
    });
    maybe(m, r, 0.2, "additional_header_fields", |r| {
        if r.chance(0.5) {
            json!({"X-Mailer": ["Outlook 16.0"], "Reply-To": [v::email(r)]})
        } else {
            json!({"X-Filter": ["spam", "bulk"]})
        }
    });
    maybe(m, r, 0.1, "raw_email_ref", |r| {
        json!(v::ref_to(r, &["artifact"]))
    });
}

fn file(r: &mut Rng, m: &mut Obj) {
    let shape = r.below(3);
    if shape != 1 {
        put(m, "hashes", v::hashes(r));
    }
    if shape != 0 {
        put(
            m,
            "name",
            *r.pick(&[
                "invoice.pdf.exe",
                "report.docx",
                "svchost.exe",
                "Документ.pdf",
                "a",
            ]),
        );
    }
    maybe(m, r, 0.4, "size", |r| json!(r.range(0, 50_000_000)));
    if m.contains_key("name") {
        // S-4: an `_enc` property never appears without its base property.
        maybe(m, r, 0.1, "name_enc", |r| json!(r.pick(v::CHARSETS)));
    }
    maybe(m, r, 0.2, "magic_number_hex", |_| json!("4d5a"));
    maybe(m, r, 0.3, "mime_type", |r| json!(r.pick(v::MIME_TYPES)));
    times(r, m, &["ctime", "mtime", "atime"]);
    maybe(m, r, 0.2, "parent_directory_ref", |r| {
        json!(v::ref_to(r, &["directory"]))
    });
    maybe(m, r, 0.1, "contains_refs", |r| {
        v::refs_to(r, &["file", "url", "ipv4-addr"], 2)
    });
    maybe(m, r, 0.1, "content_ref", |r| {
        json!(v::ref_to(r, &["artifact"]))
    });
    if r.chance(0.35) {
        let mut exts = Obj::new();
        match r.below(5) {
            0 => {
                let mut e = json!({"contains_refs": v::refs_to(r, &["file", "directory"], 3)});
                if r.chance(0.5) {
                    e["comment"] = json!("password: infected");
                }
                exts.insert("archive-ext".into(), e);
            }
            1 => {
                let e = if r.chance(0.5) {
                    json!({"sid": "S-1-5-21-1004336348-1177238915-682003330-512"})
                } else {
                    json!({"alternate_data_streams": [{"name": "second.stream", "size": 25536, "hashes": {"SHA-256": v::hex(r, 64)}}]})
                };
                exts.insert("ntfs-ext".into(), e);
            }
            2 => {
                exts.insert(
                    "pdf-ext".into(),
                    json!({"version": "1.7", "is_optimized": r.chance(0.5), "document_info_dict": {"Title": "Invoice", "Author": v::name(r)}, "pdfid0": v::hex(r, 32)}),
                );
            }
            3 => {
                exts.insert(
                    "raster-image-ext".into(),
                    json!({"image_height": r.range(1, 4000), "image_width": r.range(1, 4000), "bits_per_pixel": 24, "exif_tags": {"Make": "Nikon", "Model": "D7000", "XResolution": 4928}}),
                );
            }
            _ => {
                let mut e = json!({
                    "pe_type": v::ov(r, v::WINDOWS_PEBINARY_TYPE),
                    "machine_hex": "014c",
                    "number_of_sections": r.range(1, 8),
                    "time_date_stamp": Instant::random(r).format(v::Precision::Seconds),
                });
                if r.chance(0.5) {
                    e["imphash"] = json!(v::hex(r, 32));
                    e["characteristics_hex"] = json!("818f");
                }
                if r.chance(0.4) {
                    e["optional_header"] = json!({"magic_hex": "010b", "size_of_code": 4096, "address_of_entry_point": 4096, "hashes": {"SHA-256": v::hex(r, 64)}});
                }
                if r.chance(0.4) {
                    e["sections"] = json!([{"name": ".text", "size": 4096, "entropy": 6.2}, {"name": ".data", "hashes": {"SHA-256": v::hex(r, 64)}}]);
                }
                exts.insert("windows-pebinary-ext".into(), e);
            }
        }
        put(m, "extensions", Value::Object(exts));
    }
}

fn network_traffic(r: &mut Rng, m: &mut Obj) {
    let protocols: Vec<&str> = match r.below(4) {
        0 => vec!["ipv4", "tcp"],
        1 => vec!["ipv4", "tcp", "http"],
        2 => vec!["ipv6", "udp", "dns"],
        _ => vec!["tcp", "ssl"],
    };
    put(m, "protocols", json!(protocols));
    let endpoints: &[&str] = &["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"];
    match r.below(3) {
        0 => put(m, "src_ref", v::ref_to(r, endpoints)),
        1 => put(m, "dst_ref", v::ref_to(r, endpoints)),
        _ => {
            put(m, "src_ref", v::ref_to(r, endpoints));
            put(m, "dst_ref", v::ref_to(r, endpoints));
        }
    }
    maybe(m, r, 0.6, "src_port", |r| json!(r.range(1024, 65535)));
    maybe(m, r, 0.7, "dst_port", |r| {
        json!(*r.pick(&[0, 22, 53, 80, 443, 8080, 65535]))
    });
    let active = if r.chance(0.4) {
        Some(r.chance(0.4))
    } else {
        None
    };
    if let Some(a) = active {
        put(m, "is_active", a);
    }
    let start = Instant::random(r);
    if r.chance(0.5) {
        put(m, "start", start.any(r));
        if active != Some(true) && r.chance(0.6) {
            put(m, "end", start.later(r, 3600).any(r));
        }
    }
    maybe(m, r, 0.3, "src_byte_count", |r| {
        json!(r.range(0, 1_000_000))
    });
    maybe(m, r, 0.3, "dst_byte_count", |r| {
        json!(r.range(0, 1_000_000))
    });
    maybe(m, r, 0.2, "src_packets", |r| json!(r.range(0, 1000)));
    maybe(m, r, 0.2, "dst_packets", |r| json!(r.range(0, 1000)));
    maybe(
        m,
        r,
        0.1,
        "ipfix",
        |_| json!({"minimumIpTotalLength": 32, "maximumIpTotalLength": 2556}),
    );
    maybe(m, r, 0.1, "src_payload_ref", |r| {
        json!(v::ref_to(r, &["artifact"]))
    });
    maybe(m, r, 0.1, "dst_payload_ref", |r| {
        json!(v::ref_to(r, &["artifact"]))
    });
    maybe(m, r, 0.1, "encapsulates_refs", |r| {
        v::refs_to(r, &["network-traffic"], 2)
    });
    maybe(m, r, 0.1, "encapsulated_by_ref", |r| {
        json!(v::ref_to(r, &["network-traffic"]))
    });
    if r.chance(0.3) {
        let mut exts = Obj::new();
        // Each predefined extension names its protocol (section 6.12): keep `protocols`
        // consistent with the extension chosen.
        let add_protocol = |m: &mut Obj, p: &str| {
            if let Some(Value::Array(list)) = m.get_mut("protocols")
                && !list.iter().any(|x| x == p)
            {
                list.push(json!(p));
            }
        };
        match r.below(4) {
            0 => {
                add_protocol(m, "http");
                // Section 6.12.2: each value is a list of strings (a header may repeat).
                let header = if r.chance(0.7) {
                    json!({"Host": [v::domain(r)], "User-Agent": ["Mozilla/5.0"]})
                } else {
                    json!({"Accept-Encoding": ["gzip", "deflate"]})
                };
                exts.insert(
                    "http-request-ext".into(),
                    json!({"request_method": r.pick(&["get", "post"]), "request_value": "/download.php?id=7", "request_version": "http/1.1", "request_header": header}),
                );
            }
            1 => {
                add_protocol(m, "tcp");
                exts.insert("tcp-ext".into(), json!({"src_flags_hex": "00000002"}));
            }
            2 => {
                m.insert("protocols".into(), json!(["ipv4", "icmp"]));
                exts.insert(
                    "icmp-ext".into(),
                    json!({"icmp_type_hex": "08", "icmp_code_hex": "00"}),
                );
            }
            _ => {
                // The address family matches the endpoints' address types.
                let ends: Vec<&str> = ["src_ref", "dst_ref"]
                    .iter()
                    .filter_map(|k| m.get(*k).and_then(Value::as_str))
                    .collect();
                let v6 = ends.iter().any(|e| e.starts_with("ipv6-addr--"));
                let v4 = ends.iter().any(|e| e.starts_with("ipv4-addr--"));
                let family = match (v4, v6) {
                    (true, true) => "AF_UNSPEC",
                    (false, true) => "AF_INET6",
                    (true, false) => "AF_INET",
                    _ => *r.pick(v::SOCKET_ADDRESS_FAMILY),
                };
                let mut e = json!({"address_family": family});
                if r.chance(0.5) {
                    e["socket_type"] = json!(r.pick(v::SOCKET_TYPE));
                    e["is_listening"] = json!(true);
                }
                if r.chance(0.3) {
                    e["options"] = json!({"SO_RCVBUF": 8192});
                    e["socket_descriptor"] = json!(3);
                }
                exts.insert("socket-ext".into(), e);
            }
        }
        put(m, "extensions", Value::Object(exts));
    }
}

fn process(r: &mut Rng, m: &mut Obj) {
    maybe(m, r, 0.2, "is_hidden", |r| json!(r.chance(0.5)));
    maybe(m, r, 0.6, "pid", |r| json!(r.range(1, 65535)));
    times(r, m, &["created_time"]);
    maybe(m, r, 0.3, "cwd", |_| json!("C:\\Windows\\System32"));
    maybe(m, r, 0.5, "command_line", |_| {
        json!("powershell.exe -nop -w hidden -enc SQBFAFgA")
    });
    maybe(
        m,
        r,
        0.2,
        "environment_variables",
        |_| json!({"PATH": "C:\\Windows", "TEMP": "C:\\Temp"}),
    );
    maybe(m, r, 0.2, "opened_connection_refs", |r| {
        v::refs_to(r, &["network-traffic"], 2)
    });
    maybe(m, r, 0.2, "creator_user_ref", |r| {
        json!(v::ref_to(r, &["user-account"]))
    });
    maybe(m, r, 0.3, "image_ref", |r| json!(v::ref_to(r, &["file"])));
    maybe(m, r, 0.2, "parent_ref", |r| json!(v::id(r, "process")));
    maybe(m, r, 0.1, "child_refs", |r| json!([v::id(r, "process")]));
    if r.chance(0.25) || m.len() == 1 {
        let mut exts = Obj::new();
        if r.chance(0.5) {
            exts.insert(
                "windows-process-ext".into(),
                json!({"aslr_enabled": true, "dep_enabled": r.chance(0.5), "priority": "HIGH_PRIORITY_CLASS", "owner_sid": "S-1-5-21-186985262-1144665072-74031268-1309", "integrity_level": r.pick(v::WINDOWS_INTEGRITY_LEVEL)}),
            );
        } else {
            exts.insert(
                "windows-service-ext".into(),
                json!({"service_name": "sirvizio", "display_name": "Sirvizio", "start_type": r.pick(v::WINDOWS_SERVICE_START_TYPE), "service_type": r.pick(v::WINDOWS_SERVICE_TYPE), "service_status": r.pick(v::WINDOWS_SERVICE_STATUS), "service_dll_refs": [v::ref_to(r, &["file"])]}),
            );
        }
        put(m, "extensions", Value::Object(exts));
    }
}

fn user_account(r: &mut Rng, m: &mut Obj) {
    maybe(m, r, 0.6, "user_id", |r| {
        json!(r.range(0, 60000).to_string())
    });
    maybe(m, r, 0.1, "credential", |_| json!("Password1"));
    maybe(m, r, 0.5, "account_login", |r| {
        json!(r.pick(&["jdoe", "root", "svc_backup", "alice"]))
    });
    maybe(m, r, 0.5, "account_type", |r| {
        json!(v::ov(r, v::ACCOUNT_TYPE))
    });
    maybe(m, r, 0.3, "display_name", |r| json!(v::name(r)));
    for b in [
        "is_service_account",
        "is_privileged",
        "can_escalate_privs",
        "is_disabled",
    ] {
        maybe(m, r, 0.15, b, |r| json!(r.chance(0.5)));
    }
    times(
        r,
        m,
        &[
            "account_created",
            "account_expires",
            "credential_last_changed",
            "account_first_login",
            "account_last_login",
        ],
    );
    if r.chance(0.2) || m.len() == 1 {
        put(
            m,
            "extensions",
            json!({"unix-account-ext": {"gid": 1001, "groups": ["wheel"], "home_dir": "/home/jdoe", "shell": "/bin/bash"}}),
        );
    }
}

fn x509(r: &mut Rng, m: &mut Obj) {
    maybe(m, r, 0.3, "is_self_signed", |r| json!(r.chance(0.5)));
    maybe(m, r, 0.4, "hashes", v::hashes);
    maybe(m, r, 0.3, "version", |_| json!("3"));
    maybe(m, r, 0.5, "serial_number", |r| {
        json!((0..8).map(|_| v::hex(r, 2)).collect::<Vec<_>>().join(":"))
    });
    maybe(m, r, 0.3, "signature_algorithm", |_| {
        json!("sha256WithRSAEncryption")
    });
    maybe(m, r, 0.4, "issuer", |_| {
        json!("C=US, O=Example CA, CN=Example Issuing CA")
    });
    let nb = Instant::random(r);
    maybe(m, r, 0.3, "validity_not_before", |r| json!(nb.any(r)));
    maybe(m, r, 0.3, "validity_not_after", |r| {
        json!(nb.later(r, 86_400 * 800).any(r))
    });
    maybe(m, r, 0.4, "subject", |r| {
        json!(format!("CN={}", v::domain(r)))
    });
    maybe(m, r, 0.2, "subject_public_key_algorithm", |_| {
        json!("rsaEncryption")
    });
    maybe(m, r, 0.1, "subject_public_key_modulus", |r| {
        json!(v::hex(r, 64))
    });
    maybe(m, r, 0.2, "subject_public_key_exponent", |_| json!(65537));
    maybe(
        m,
        r,
        0.2,
        "x509_v3_extensions",
        |_| json!({"basic_constraints": "critical,CA:TRUE, pathlen:0", "key_usage": "critical, keyCertSign"}),
    );
    if m.len() == 1 {
        put(
            m,
            "serial_number",
            "36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49",
        );
    }
}
