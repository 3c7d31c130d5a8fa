//! The one place where errors become HTTP responses: the TAXII error resource with the TAXII
//! media type (T-14, T-34), and `WWW-Authenticate` on 401 (T-7).

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use actix_web::{HttpResponse, ResponseError};
use taxii::error::TaxiiError;
use taxii::media::TAXII_MEDIA_TYPE;

/// A TAXII error on its way out.
#[derive(Debug)]
pub struct ApiError(pub TaxiiError);

impl From<TaxiiError> for ApiError {
    fn from(e: TaxiiError) -> Self {
        ApiError(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let body = serde_json::to_string(&self.0.resource())
            .unwrap_or_else(|_| r#"{"title":"error"}"#.to_owned());
        let mut resp = HttpResponse::build(self.status_code());
        resp.insert_header((CONTENT_TYPE, TAXII_MEDIA_TYPE));
        if let TaxiiError::Unauthorized { challenge, .. } = &self.0 {
            resp.insert_header((WWW_AUTHENTICATE, challenge.as_str()));
        }
        resp.body(body)
    }
}
