//! Authentication: HTTP Basic (argon2 password hashes) and Bearer API tokens (SHA-256).
//!
//! A verified `Authorization` header is cached by its SHA-256 for a short time, so a client
//! that sends Basic credentials on every request (all TAXII clients do) costs one argon2
//! verification per minute, not one per request (OpenTAXII loses ~100 ms per request there).
//! Failures are cached briefly too, so replaying one wrong header cannot burn CPU.
//! Scheme names are case-insensitive (interop contract point 5).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use store::{Account, Store};
use taxii::error::TaxiiError;

/// An authenticated requester.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account: String,
    pub organisation: String,
    pub operator: bool,
    /// The person's individual STIX identity, when provisioned.
    pub identity: Option<String>,
}

impl From<Account> for Principal {
    fn from(a: Account) -> Self {
        Principal {
            account: a.name,
            organisation: a.organisation,
            operator: a.operator,
            identity: a.identity,
        }
    }
}

/// The `WWW-Authenticate` challenge sent with every 401 (T-7).
pub const CHALLENGE: &str = "Basic realm=\"schakel\", Bearer realm=\"schakel\"";

const SUCCESS_TTL: Duration = Duration::from_secs(60);
const FAILURE_TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 10_000;

/// SHA-256 of an `Authorization` header -> its principal (`None`: rejected) and expiry.
type CredentialCache = HashMap<[u8; 32], (Option<Arc<Principal>>, Instant)>;

/// Verifies `Authorization` headers against the store, with the cache described above.
#[derive(Debug, Clone)]
pub struct Authenticator<S> {
    store: S,
    cache: Arc<Mutex<CredentialCache>>,
}

impl<S: Store> Authenticator<S> {
    pub fn new(store: S) -> Self {
        Authenticator {
            store,
            cache: Arc::default(),
        }
    }

    /// The principal of a request, or 401 with the challenge.
    pub async fn authenticate(&self, header: Option<&str>) -> Result<Arc<Principal>, TaxiiError> {
        let header = header.ok_or_else(|| unauthorized("authentication required"))?;
        let key = sha256(header.as_bytes());
        if let Some(hit) = self.cached(&key) {
            return hit.ok_or_else(|| unauthorized("invalid credentials"));
        }
        let verified = self.verify(header).await?;
        let ttl = if verified.is_some() {
            SUCCESS_TTL
        } else {
            FAILURE_TTL
        };
        let entry = verified.map(Arc::new);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= MAX_ENTRIES {
                let now = Instant::now();
                cache.retain(|_, (_, expires)| *expires > now);
                if cache.len() >= MAX_ENTRIES {
                    cache.clear();
                }
            }
            cache.insert(key, (entry.clone(), Instant::now() + ttl));
        }
        entry.ok_or_else(|| unauthorized("invalid credentials"))
    }

    fn cached(&self, key: &[u8; 32]) -> Option<Option<Arc<Principal>>> {
        let cache = self.cache.lock().ok()?;
        let (principal, expires) = cache.get(key)?;
        (*expires > Instant::now()).then(|| principal.clone())
    }

    /// `Ok(None)`: well-formed but wrong credentials.
    async fn verify(&self, header: &str) -> Result<Option<Principal>, TaxiiError> {
        let (scheme, value) = header
            .trim()
            .split_once(' ')
            .ok_or_else(|| unauthorized("malformed Authorization header"))?;
        let value = value.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(value)
                .map_err(|_| unauthorized("malformed Basic credentials"))?;
            let decoded = String::from_utf8(decoded)
                .map_err(|_| unauthorized("malformed Basic credentials"))?;
            let (name, password) = decoded
                .split_once(':')
                .ok_or_else(|| unauthorized("malformed Basic credentials"))?;
            let account = self.store.account(name).await.map_err(store_error)?;
            let Some(account) = account else {
                // Spend the same time as a real check so names cannot be probed by timing.
                let _ = verify_password_blocking(DUMMY_HASH.to_owned(), password.to_owned()).await;
                return Ok(None);
            };
            let Some(hash) = account.password_hash.clone() else {
                return Ok(None);
            };
            let ok = verify_password_blocking(hash, password.to_owned()).await;
            Ok(ok.then(|| account.into()))
        } else if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") {
            // `Token` is what taxii2-client's TokenAuth and the OpenCTI taxii2 connector send.
            let account = self
                .store
                .account_by_token(sha256(value.as_bytes()))
                .await
                .map_err(store_error)?;
            Ok(account.map(Into::into))
        } else {
            Err(unauthorized(
                "unsupported authentication scheme: use Basic or Bearer (or Token)",
            ))
        }
    }
}

/// A valid argon2id hash of a random string, verified against when the account does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2NoYWtlbGR1bW15c2FsdA$3b1WbzVuDOcM0zxTgm2D1ifDJaMOt5NYnHDWcpYxhPE";

async fn verify_password_blocking(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false)
}

/// Checks a password against an argon2 PHC string.
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Hashes a password to an argon2id PHC string with a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(hash.to_string())
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// A fresh random secret (passwords and tokens generated for operators), URL-safe base64.
pub fn random_secret(bytes: usize) -> Result<String, String> {
    use ring::rand::SecureRandom;
    let mut buf = vec![0u8; bytes];
    ring::rand::SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| "no system randomness".to_string())?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

fn unauthorized(message: &str) -> TaxiiError {
    TaxiiError::Unauthorized {
        message: message.into(),
        challenge: CHALLENGE.into(),
    }
}

fn store_error(e: store::StoreError) -> TaxiiError {
    tracing::error!(error = %e, "store error during authentication");
    TaxiiError::Unavailable("the server cannot check credentials right now".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify() {
        let h = hash_password("s3cret").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "s3cret"));
        assert!(!verify_password(&h, "s3cret!"));
        assert!(!verify_password("not a hash", "s3cret"));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn random_secrets_differ() {
        let a = random_secret(24).unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_secret(24).unwrap());
    }
}
