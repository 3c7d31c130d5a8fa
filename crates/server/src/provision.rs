//! Applying provisioning: the file (idempotently, at every start) or the embedded defaults
//! (once, into an empty store).

use store::{Account, ApiRoot, ApiToken, CollectionSpec, Organisation, Provisioning, Store};
use uuid::Uuid;

use crate::ServeError;
use crate::auth::{hash_password, random_secret, sha256, verify_password};
use crate::config::{CollectionEntry, DEFAULT_MAX_CONTENT_LENGTH, ProvisioningFile};

/// Credentials generated for the embedded defaults, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub api_root: String,
    pub collection: Uuid,
    pub account: String,
    pub password: String,
}

/// Applies a provisioning file. Passwords given in clear are re-hashed only when the stored
/// hash does not already match them, so applying the same file twice changes nothing.
pub async fn apply_file<S: Store>(store: &S, file: &ProvisioningFile) -> Result<(), ServeError> {
    let mut p = Provisioning {
        api_roots: file
            .api_roots
            .iter()
            .map(|r| ApiRoot {
                path: r.path.clone(),
                title: r.title.clone(),
                description: r.description.clone(),
                max_content_length: r.max_content_length,
            })
            .collect(),
        organisations: file
            .organisations
            .iter()
            .map(|o| Organisation {
                id: o.id.clone(),
                name: o.name.clone(),
                identity: o.identity.clone(),
                role: o.role,
                serves: o.serves.clone(),
                sectors: o.sectors.clone(),
                // Checked when the file was loaded.
                designations: o
                    .designations
                    .iter()
                    .filter_map(|d| d.designation().ok())
                    .collect(),
                asset_scope: o.asset_scope.clone(),
            })
            .collect(),
        ..Provisioning::default()
    };
    for a in &file.accounts {
        let password_hash = match (&a.password, &a.password_hash) {
            (Some(clear), _) => {
                let existing = store
                    .account(&a.name)
                    .await?
                    .and_then(|acc| acc.password_hash);
                match existing {
                    Some(h) if verify_password(&h, clear) => Some(h),
                    _ => Some(hash_password(clear).map_err(ServeError::Refused)?),
                }
            }
            (None, Some(h)) => Some(h.clone()),
            (None, None) => None,
        };
        p.accounts.push(Account {
            name: a.name.clone(),
            organisation: a.organisation.clone(),
            password_hash,
            operator: a.operator,
            identity: a.identity.clone(),
        });
        let token_hash = match (&a.token, &a.token_sha256) {
            (Some(t), _) => Some(sha256(t.as_bytes())),
            (None, Some(hex)) => Some(parse_hex32(hex).ok_or_else(|| {
                ServeError::Refused(format!("account {:?}: bad token_sha256", a.name))
            })?),
            (None, None) => None,
        };
        if let Some(sha) = token_hash {
            p.tokens.push(ApiToken {
                sha256: sha,
                account: a.name.clone(),
                label: "provisioning file".into(),
            });
        }
    }
    for c in &file.collections {
        let (spec, grants) = collection(c)
            .map_err(|e| ServeError::Refused(format!("[[collection]] {:?}: {e}", c.title)))?;
        p.collections.push(spec);
        p.grants.extend(grants);
    }
    store.provision(p).await?;
    Ok(())
}

/// A grant as [`Provisioning::grants`] holds it: (organisation, api root, collection, read, write).
pub type GrantSpec = (String, String, Uuid, bool, bool);

/// What a `[[collection]]` entry (of the file, or made by `schakel collection add`) provisions:
/// the collection with its policy, and one grant per organisation in `read` or `write`. Fails
/// when the policy contradicts itself.
pub fn collection(c: &CollectionEntry) -> Result<(CollectionSpec, Vec<GrantSpec>), String> {
    let spec = CollectionSpec {
        api_root: c.api_root.clone(),
        id: c.id,
        title: c.title.clone(),
        description: c.description.clone(),
        alias: c.alias.clone(),
        media_types: c.media_types.clone(),
        owner: c.owner.clone(),
        policy: c.policy()?,
    };
    let mut orgs: Vec<&String> = c.read.iter().chain(&c.write).collect();
    orgs.sort();
    orgs.dedup();
    let grants = orgs
        .into_iter()
        .map(|org| {
            (
                org.clone(),
                c.api_root.clone(),
                c.id,
                c.read.contains(org),
                c.write.contains(org),
            )
        })
        .collect();
    Ok((spec, grants))
}

/// On an empty store, creates an API root `api`, a collection `default`, an organisation
/// `operators` and an operator account `admin` with a generated password (returned, to be
/// printed once; only its hash is stored). Does nothing when any API root exists.
pub async fn ensure_defaults<S: Store>(store: &S) -> Result<Option<Created>, ServeError> {
    if !store.api_roots().await?.is_empty() {
        return Ok(None);
    }
    let password = random_secret(18).map_err(ServeError::Refused)?;
    let collection = Uuid::new_v4();
    let p = Provisioning {
        api_roots: vec![ApiRoot {
            path: "api".into(),
            title: "Schakel".into(),
            description: Some("Default API root created on first start".into()),
            max_content_length: DEFAULT_MAX_CONTENT_LENGTH,
        }],
        organisations: vec![Organisation {
            id: "operators".into(),
            name: "Operators".into(),
            role: tlp::Role::Operator,
            ..Organisation::default()
        }],
        accounts: vec![Account {
            name: "admin".into(),
            organisation: "operators".into(),
            password_hash: Some(hash_password(&password).map_err(ServeError::Refused)?),
            operator: true,
            identity: None,
        }],
        tokens: Vec::new(),
        collections: vec![CollectionSpec {
            api_root: "api".into(),
            id: collection,
            title: "default".into(),
            description: Some("Default collection created on first start".into()),
            alias: Some("default".into()),
            media_types: Vec::new(),
            owner: Some("operators".into()),
            policy: tlp::CollectionPolicy::default(),
        }],
        grants: vec![("operators".into(), "api".into(), collection, true, true)],
    };
    store.provision(p).await?;
    Ok(Some(Created {
        api_root: "api".into(),
        collection,
        account: "admin".into(),
        password,
    }))
}

fn parse_hex32(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex() {
        let h = "00ff".repeat(16);
        let v = parse_hex32(&h).unwrap();
        assert_eq!(v[0], 0);
        assert_eq!(v[1], 255);
        assert!(parse_hex32("zz").is_none());
    }
}
