//! How extractor failures (a body that is not the JSON expected, a bad query string or path)
//! become problem bodies.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::HttpRequest;

use crate::ApiError;

pub(crate) fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    match err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::BodyTooLarge { limit },
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        // serde_json stops at 128 levels of arrays and objects (its recursion limit).
        JsonPayloadError::Deserialize(e) if e.to_string().contains("recursion limit") => {
            ApiError::MalformedBody(format!(
                "the body nests arrays and objects deeper than 128 levels, the limit ({e})"
            ))
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::MalformedBody(format!("the body is not the JSON expected: {e}"))
        }
        other => ApiError::MalformedBody(other.to_string()),
    }
    .into()
}

pub(crate) fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadParameter(format!("query string: {err}")).into()
}

pub(crate) fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadParameter(format!("path: {err}")).into()
}
