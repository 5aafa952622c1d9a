//! Reading an upload body under `--max-upload-bytes`.

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::error::{ApiError, ApiResult};

fn too_large(size: u64, max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Upload of {size} bytes exceeds the limit of {max} bytes (--max-upload-bytes)"),
    )
}

/// The whole body, or 413 as soon as its `Content-Length` or the bytes received pass `max`.
pub async fn read_capped(headers: &HeaderMap, body: Body, max: u64) -> ApiResult<Bytes> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(len) = declared {
        if len > max {
            return Err(too_large(len, max));
        }
    }
    let initial = usize::try_from(declared.unwrap_or(64 * 1024).min(max)).unwrap_or(0);
    let mut buf = BytesMut::with_capacity(initial);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("Reading the request body: {e}")))?;
        let received = (buf.len() + chunk.len()) as u64;
        if received > max {
            return Err(too_large(received, max));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
