//! The crate's one error type and its mapping to the TAXII `error` resource (T-33, T-34).
//!
//! `Display` is meant for logs and may carry internal detail; what a client sees is only ever
//! [`TaxiiError::resource`], which keeps 5xx descriptions generic (T-35).

use crate::resources::ErrorResource;

/// Everything a TAXII request can fail with, one variant per HTTP status the server sends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxiiError {
    /// 400: a malformed query parameter (T-83), an invalid `next`, a body the server cannot read.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401 with `WWW-Authenticate: <challenge>` (T-7), e.g. `Basic realm="schakel", Bearer`.
    /// `message` is the description sent; keep it free of which part of the credentials
    /// failed.
    #[error("unauthorized: {message}")]
    Unauthorized { message: String, challenge: String },
    /// 403: authenticated but not allowed (T-58, T-66, T-76).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: unknown, or not visible to this requester (T-8, T-35).
    #[error("not found: {0}")]
    NotFound(String),
    /// 405: a method the endpoint does not define (T-22). The server adds the `Allow` header.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 406: no acceptable TAXII media range in `Accept` (T-17).
    #[error("not acceptable: {0}")]
    NotAcceptable(String),
    /// 413: the request body exceeds the API root's `max_content_length` (T-44, T-70).
    #[error("payload too large: limit is {limit} octets")]
    PayloadTooLarge { limit: u64 },
    /// 415: a POST `Content-Type` other than `application/taxii+json[;version=2.1]` (T-19).
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 422: a body that is understood but cannot be processed (T-67, T-70).
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// 500: the string is for the log only; clients get a generic text (T-35).
    #[error("internal error: {0}")]
    Internal(String),
    /// 503: the string is for the log only; clients get a generic text (T-35).
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl TaxiiError {
    /// The HTTP status code of this error.
    pub fn status(&self) -> u16 {
        match self {
            TaxiiError::BadRequest(_) => 400,
            TaxiiError::Unauthorized { .. } => 401,
            TaxiiError::Forbidden(_) => 403,
            TaxiiError::NotFound(_) => 404,
            TaxiiError::MethodNotAllowed => 405,
            TaxiiError::NotAcceptable(_) => 406,
            TaxiiError::PayloadTooLarge { .. } => 413,
            TaxiiError::UnsupportedMediaType(_) => 415,
            TaxiiError::Unprocessable(_) => 422,
            TaxiiError::Internal(_) => 500,
            TaxiiError::Unavailable(_) => 503,
        }
    }

    /// The value for the `WWW-Authenticate` header, present only on 401 (T-7).
    pub fn www_authenticate(&self) -> Option<&str> {
        match self {
            TaxiiError::Unauthorized { challenge, .. } => Some(challenge),
            _ => None,
        }
    }

    /// A stable, application-specific code for the `error_code` property.
    pub fn error_code(&self) -> &'static str {
        match self {
            TaxiiError::BadRequest(_) => "bad-request",
            TaxiiError::Unauthorized { .. } => "unauthorized",
            TaxiiError::Forbidden(_) => "forbidden",
            TaxiiError::NotFound(_) => "not-found",
            TaxiiError::MethodNotAllowed => "method-not-allowed",
            TaxiiError::NotAcceptable(_) => "not-acceptable",
            TaxiiError::PayloadTooLarge { .. } => "payload-too-large",
            TaxiiError::UnsupportedMediaType(_) => "unsupported-media-type",
            TaxiiError::Unprocessable(_) => "unprocessable",
            TaxiiError::Internal(_) => "internal-error",
            TaxiiError::Unavailable(_) => "unavailable",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            TaxiiError::BadRequest(_) => "Bad Request",
            TaxiiError::Unauthorized { .. } => "Unauthorized",
            TaxiiError::Forbidden(_) => "Forbidden",
            TaxiiError::NotFound(_) => "Not Found",
            TaxiiError::MethodNotAllowed => "Method Not Allowed",
            TaxiiError::NotAcceptable(_) => "Not Acceptable",
            TaxiiError::PayloadTooLarge { .. } => "Payload Too Large",
            TaxiiError::UnsupportedMediaType(_) => "Unsupported Media Type",
            TaxiiError::Unprocessable(_) => "Unprocessable Content",
            TaxiiError::Internal(_) => "Internal Server Error",
            TaxiiError::Unavailable(_) => "Service Unavailable",
        }
    }

    fn description(&self) -> String {
        match self {
            TaxiiError::BadRequest(m)
            | TaxiiError::Forbidden(m)
            | TaxiiError::NotFound(m)
            | TaxiiError::NotAcceptable(m)
            | TaxiiError::UnsupportedMediaType(m)
            | TaxiiError::Unprocessable(m) => m.clone(),
            TaxiiError::Unauthorized { message, .. } if !message.is_empty() => message.clone(),
            TaxiiError::Unauthorized { .. } => {
                "Authentication is required; see the WWW-Authenticate header.".to_owned()
            }
            TaxiiError::MethodNotAllowed => {
                "This endpoint does not support the request method.".to_owned()
            }
            TaxiiError::PayloadTooLarge { limit } => {
                format!("The request body exceeds max_content_length ({limit} octets).")
            }
            // The carried text may name files, SQL or peers; it belongs in the log only.
            TaxiiError::Internal(_) => "The server encountered an internal error.".to_owned(),
            TaxiiError::Unavailable(_) => {
                "The server is temporarily unable to handle the request; retry later.".to_owned()
            }
        }
    }

    /// The TAXII `error` resource for the response body (T-25, T-34): `http_status` is the
    /// status as a string, equal to the response status.
    pub fn resource(&self) -> ErrorResource {
        let details = match self {
            TaxiiError::PayloadTooLarge { limit } => {
                let mut d = serde_json::Map::new();
                d.insert("max_content_length".to_owned(), (*limit).into());
                Some(d)
            }
            _ => None,
        };
        ErrorResource {
            title: self.title().to_owned(),
            description: Some(self.description()),
            error_id: None,
            error_code: Some(self.error_code().to_owned()),
            http_status: Some(self.status().to_string()),
            external_details: None,
            details,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn all() -> Vec<TaxiiError> {
        vec![
            TaxiiError::BadRequest("bad limit".into()),
            TaxiiError::Unauthorized {
                message: "authentication required".into(),
                challenge: "Basic realm=\"schakel\"".into(),
            },
            TaxiiError::Forbidden("no write".into()),
            TaxiiError::NotFound("no such collection".into()),
            TaxiiError::MethodNotAllowed,
            TaxiiError::NotAcceptable("x".into()),
            TaxiiError::PayloadTooLarge { limit: 1024 },
            TaxiiError::UnsupportedMediaType("x".into()),
            TaxiiError::Unprocessable("x".into()),
            TaxiiError::Internal("sqlite: disk I/O error at /var/lib/schakel/db".into()),
            TaxiiError::Unavailable("writer queue full (512)".into()),
        ]
    }

    #[test]
    fn t34_http_status_is_a_string_equal_to_the_status() {
        let expected = [400, 401, 403, 404, 405, 406, 413, 415, 422, 500, 503];
        for (e, s) in all().iter().zip(expected) {
            assert_eq!(e.status(), s);
            let r = e.resource();
            assert_eq!(r.http_status.as_deref(), Some(s.to_string().as_str()));
            assert!(!r.title.is_empty());
            let json = serde_json::to_value(&r).unwrap();
            assert!(json["http_status"].is_string(), "{json}");
            assert!(json["title"].is_string());
            // T-27: no empty or null optional properties.
            assert!(json.get("error_id").is_none());
            assert!(json.get("external_details").is_none());
        }
    }

    #[test]
    fn t35_server_errors_do_not_leak_internals() {
        for e in all().into_iter().filter(|e| e.status() >= 500) {
            let body = serde_json::to_string(&e.resource()).unwrap();
            assert!(!body.contains("sqlite"), "{body}");
            assert!(!body.contains("/var/lib"), "{body}");
            assert!(!body.contains("512"), "{body}");
            // The log line still has the detail.
            assert!(e.to_string().contains(':'));
        }
    }

    #[test]
    fn t7_unauthorized_carries_the_challenge() {
        let e = TaxiiError::Unauthorized {
            message: String::new(),
            challenge: "Basic realm=\"schakel\", Bearer".into(),
        };
        assert_eq!(
            e.www_authenticate(),
            Some("Basic realm=\"schakel\", Bearer")
        );
        assert_eq!(TaxiiError::Forbidden("x".into()).www_authenticate(), None);
        // An empty message falls back to a generic description.
        let d = e.resource().description.unwrap();
        assert!(d.contains("WWW-Authenticate"), "{d}");
    }

    #[test]
    fn t44_payload_too_large_names_the_limit() {
        let r = TaxiiError::PayloadTooLarge { limit: 1024 }.resource();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["details"]["max_content_length"], 1024);
        assert!(r.description.unwrap().contains("1024"));
    }

    #[test]
    fn client_errors_keep_their_message() {
        let r = TaxiiError::BadRequest("limit must be an integer greater than 0".into()).resource();
        assert_eq!(
            r.description.as_deref(),
            Some("limit must be an integer greater than 0")
        );
        assert_eq!(r.error_code.as_deref(), Some("bad-request"));
    }
}
