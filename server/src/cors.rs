//! CORS on API responses, from each project's CORS entries.
//!
//! An entry is `scheme://host[:port]`, where `*` in the host stands for one or more
//! characters of a host name (`https://*.example.com` matches `https://a.example.com` and
//! `https://a.b.example.com`, not `https://example.com`) and a port `*` for any port or none.
//! A request whose `Origin` matches an entry of its project gets
//! `Access-Control-Allow-Origin: <origin>` (and `-Credentials: true` when the entry allows
//! credentials); any other origin gets no CORS headers. The Prismic Asset API (`/assets`)
//! follows the same rules, its project named by the `repository` header. The CDN routes are
//! not concerned: they answer `*` on public datasets by themselves.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::db::CorsRow;
use crate::error::ApiError;
use crate::sanity::{header_text, PROJECT_HEADER, REPOSITORY_HEADER};
use crate::state::AppState;

/// Longest origin pattern accepted.
const MAX_ORIGIN: usize = 300;

/// Methods a preflight allows.
const METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
/// Request headers a preflight allows when it asks for none in particular.
const HEADERS: &str = "Authorization, Content-Type, X-Sanity-Project-ID, X-Request-Id";
/// The same for the Prismic Asset API, which reads `repository` instead.
const PRISMIC_HEADERS: &str = "Authorization, Content-Type, Repository, X-Request-Id";
/// Response headers a page may read: `Retry-After` is not CORS-safelisted, and a client
/// told 429 or 503 needs it to know when to come back.
const EXPOSE: &str = "X-Request-Id, Retry-After";
/// How long a browser may keep a preflight's answer, in seconds.
const MAX_AGE: &str = "600";

/// The parts of an origin or pattern: scheme, host, port (as written).
fn split(origin: &str) -> Option<(&str, &str, Option<&str>)> {
    let (scheme, rest) = origin.split_once("://")?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    Some((scheme, host, port))
}

/// Checks a CORS entry's origin and returns it lowercased: 400's message when it is not
/// `scheme://host[:port]` (host of letters, digits, `.`, `-` and `*`; port digits or `*`).
pub fn normalize_pattern(origin: &str) -> Result<String, String> {
    let lower = origin.trim().to_ascii_lowercase();
    let expected = "expected scheme://host[:port], e.g. https://*.example.com or \
                    http://localhost:3333 (no path, * only in the host or as the port)";
    if lower.len() > MAX_ORIGIN {
        return Err(format!("origin: at most {MAX_ORIGIN} characters"));
    }
    let Some((scheme, host, port)) = split(&lower) else {
        return Err(format!("origin {origin:?}: {expected}"));
    };
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase())
        && scheme
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"+.-".contains(&c));
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b".-*".contains(&c));
    let port_ok = port.is_none_or(|p| {
        p == "*" || (!p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok_and(|n| n > 0))
    });
    if scheme_ok && host_ok && port_ok {
        Ok(lower)
    } else {
        Err(format!("origin {origin:?}: {expected}"))
    }
}

/// Whether `origin` (an `Origin` header) matches the entry `pattern`.
pub fn matches(pattern: &str, origin: &str) -> bool {
    if origin.len() > MAX_ORIGIN {
        return false;
    }
    let origin = origin.to_ascii_lowercase();
    let (Some((ps, ph, pp)), Some((os, oh, op))) = (split(pattern), split(&origin)) else {
        return false;
    };
    let port_ok = match pp {
        Some("*") => true,
        _ => pp == op,
    };
    ps == os && port_ok && glob(ph.as_bytes(), oh.as_bytes())
}

/// `*` matches one or more host characters; everything else itself. A table over the
/// text, bounded by [`MAX_ORIGIN`]², never exponential.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let host_char = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
    // `done[j]`: the pattern read so far matches `text[..j]`.
    let mut done = vec![false; text.len() + 1];
    done[0] = true;
    for &pc in pattern {
        let mut next = vec![false; text.len() + 1];
        for j in 1..=text.len() {
            let c = text[j - 1];
            next[j] = if pc == b'*' {
                host_char(c) && (done[j - 1] || next[j - 1])
            } else {
                done[j - 1] && c == pc
            };
        }
        done = next;
    }
    done[text.len()]
}

/// The project a request names without touching the database: the path's
/// `/v{X}/projects/{id}/…`, else `X-Sanity-Project-ID`, else the host's first label.
fn named_project(path: &str, headers: &HeaderMap) -> Option<String> {
    let mut segments = path.trim_start_matches('/').split('/');
    let _version = segments.next();
    if segments.next() == Some("projects") {
        if let Some(id) = segments.next().filter(|s| !s.is_empty()) {
            return Some(id.to_owned());
        }
    }
    if let Some(id) = header_text(headers, PROJECT_HEADER) {
        return Some(id.to_owned());
    }
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.split(['.', ':']).next())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
}

/// Whether the path is a Prismic Asset API route (`/assets`, `/assets/{id}`).
fn is_prismic(path: &str) -> bool {
    path == "/assets" || path.starts_with("/assets/")
}

/// Whether the path is a Sanity API route (`/v1/…`, `/vYYYY-MM-DD/…`).
fn is_api(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    crate::sanity::check_version(first).is_ok()
}

/// The middleware: answers preflights and adds the CORS headers to API responses.
///
/// A preflight carries no custom headers, so with `X-Sanity-Project-ID` or `repository`
/// (rather than the path or host) naming the project it is allowed when any project lists the
/// origin; the actual request is then answered with CORS headers only if its own project does.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let Some(origin) = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return next.run(request).await;
    };
    let prismic = is_prismic(&path);
    if !prismic && !is_api(&path) {
        return next.run(request).await;
    }
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let (project, named) = if prismic {
        let project = header_text(request.headers(), REPOSITORY_HEADER).map(str::to_owned);
        let named = project.is_some();
        (project, named)
    } else {
        (
            named_project(&path, request.headers()),
            path_names_project(&path) || request.headers().contains_key(PROJECT_HEADER),
        )
    };
    let entries = if preflight && !named {
        state.db().all_cors_origins().await
    } else if let Some(p) = &project {
        state.db().cors_entries(p).await
    } else {
        Ok(Vec::new())
    };
    let entries = match entries {
        Ok(rows) => rows,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let allowed: Vec<&CorsRow> = entries
        .iter()
        .filter(|e| matches(&e.origin, &origin))
        .collect();
    let credentials = allowed.iter().any(|e| e.allow_credentials);
    if preflight {
        if allowed.is_empty() {
            let mut response = ApiError::forbidden(format!(
                "Origin {origin:?} is not allowed: add it to the project's CORS origins"
            ))
            .into_response();
            response
                .headers_mut()
                .append(header::VARY, HeaderValue::from_static("Origin"));
            return response;
        }
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let asked = request
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned();
        let h = response.headers_mut();
        allow(h, &origin, credentials);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(METHODS),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            asked.unwrap_or(HeaderValue::from_static(if prismic {
                PRISMIC_HEADERS
            } else {
                HEADERS
            })),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(MAX_AGE),
        );
        return response;
    }
    let mut response = next.run(request).await;
    if !allowed.is_empty() {
        allow(response.headers_mut(), &origin, credentials);
    } else {
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

fn path_names_project(path: &str) -> bool {
    path.trim_start_matches('/').split('/').nth(1) == Some("projects")
}

fn allow(h: &mut HeaderMap, origin: &str, credentials: bool) {
    if let Ok(v) = HeaderValue::try_from(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    if credentials {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE),
    );
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("https://*.example.com", "https://a.example.com"));
        assert!(matches("https://*.example.com", "https://a.b.example.com"));
        assert!(!matches("https://*.example.com", "https://example.com"));
        assert!(!matches("https://*.example.com", "http://a.example.com"));
        assert!(!matches("https://*.example.com", "https://a.example.org"));
        assert!(matches("http://localhost:*", "http://localhost:3333"));
        assert!(matches("http://localhost:3333", "http://LOCALHOST:3333"));
        assert!(!matches("http://localhost:3333", "http://localhost:3334"));
        assert!(!matches("http://localhost:3333", "http://localhost"));
        assert!(matches("https://*", "https://anything.io"));
        assert!(!matches("https://a*b.com", "https://ab.com"));
        assert!(matches("https://a*b.com", "https://axxb.com"));
    }
}
