//! The router: every route, request IDs, metrics and tracing.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::metrics::RequestLabels;
use crate::routes::{assets, cdn, data, ops, prismic, projects};
use crate::state::AppState;

/// The header that carries a request's ID (echoed when the client sends one).
pub const REQUEST_ID: &str = "x-request-id";

/// Every route of the server over `state`, ready to serve or to mount in another app.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .route("/images/{project}/{dataset}/{file}", get(cdn::image))
        .route(
            "/images/{project}/{dataset}/{file}/{vanity}",
            get(cdn::image),
        )
        .route("/files/{project}/{dataset}/{file}", get(cdn::file))
        .route("/files/{project}/{dataset}/{file}/{vanity}", get(cdn::file))
        .route(
            "/{version}/assets/images/{dataset}",
            post(assets::upload_image),
        )
        .route(
            "/{version}/assets/files/{dataset}",
            post(assets::upload_file),
        )
        .route(
            "/{version}/projects/{project}/assets/images/{dataset}",
            post(assets::upload_image),
        )
        .route(
            "/{version}/projects/{project}/assets/files/{dataset}",
            post(assets::upload_file),
        )
        .route(
            "/{version}/data/doc/{dataset}/{ids}",
            get(data::get_documents),
        )
        .route(
            "/{version}/projects/{project}/data/doc/{dataset}/{ids}",
            get(data::get_documents),
        )
        .route("/{version}/data/mutate/{dataset}", post(data::mutate))
        .route(
            "/{version}/projects/{project}/data/mutate/{dataset}",
            post(data::mutate),
        )
        .merge(projects_api())
        .merge(prismic::routes(state.config().asset_api_rps))
        .route_layer(middleware::from_fn(label_route))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::cors::layer,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The Projects API. The dataset routes answer both under `/v{X}/projects/{project}/` and
/// under `/v{X}/` with the project from `X-Sanity-Project-ID` or the host.
fn projects_api() -> Router<AppState> {
    use projects as p;
    let mut router = Router::new()
        .route(
            "/{version}/projects",
            get(p::list_projects).post(p::create_project),
        )
        .route(
            "/{version}/projects/{project}",
            get(p::get_project)
                .patch(p::patch_project)
                .delete(p::delete_project),
        )
        .route(
            "/{version}/projects/{project}/cors",
            get(p::list_cors).post(p::create_cors),
        )
        .route(
            "/{version}/projects/{project}/cors/{cors}",
            axum::routing::delete(p::delete_cors),
        )
        .route(
            "/{version}/projects/{project}/signing-keys",
            get(p::list_signing_keys).post(p::create_signing_key),
        )
        .route(
            "/{version}/projects/{project}/signing-keys/{key}",
            axum::routing::delete(p::delete_signing_key),
        )
        .route("/{version}/projects/{project}/features", get(p::features))
        .route(
            "/{version}/projects/{project}/permissions",
            get(p::permissions),
        )
        .route(
            "/{version}/projects/{project}/users/{user}",
            get(p::get_user),
        )
        .route(
            "/{version}/projects/{project}/tokens",
            get(p::list_tokens).post(p::create_token),
        )
        .route(
            "/{version}/projects/{project}/tokens/{token}",
            axum::routing::delete(p::delete_token),
        )
        .route("/{version}/projects/{project}/tags", post(p::create_tag))
        .route(
            "/{version}/projects/{project}/tags/{tag}",
            put(p::update_tag).delete(p::delete_tag),
        );
    for prefix in ["/{version}/projects/{project}", "/{version}"] {
        router = router
            .route(&format!("{prefix}/datasets"), get(p::list_datasets))
            .route(
                &format!("{prefix}/datasets/{{name}}"),
                get(p::get_dataset)
                    .put(p::create_dataset)
                    .post(p::create_dataset)
                    .patch(p::edit_dataset)
                    .delete(p::delete_dataset),
            )
            .route(
                &format!("{prefix}/datasets/{{name}}/copy"),
                get(p::copy_jobs).put(p::copy_dataset),
            )
            .route(
                &format!("{prefix}/datasets/{{name}}/tags"),
                get(p::dataset_tags),
            )
            .route(
                &format!("{prefix}/datasets/{{name}}/tags/{{tag}}"),
                put(p::assign_tag).delete(p::unassign_tag),
            );
    }
    router
}

async fn fallback(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "No route for {} {}",
        request.method(),
        request.uri().path()
    ))
}

/// The route pattern a request matched, carried from the inner layer to the outer one.
#[derive(Debug, Clone)]
struct RouteLabel(String);

/// Runs inside routing, where the matched pattern is known; hands it outward.
async fn label_route(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteLabel(route));
    }
    response
}

/// Request ID (echoed or generated), JSON errors for unsupported methods, and the request
/// counter by route and status.
async fn observe(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::try_from(crate::auth::random_hex(16))
                .unwrap_or(HeaderValue::from_static("-"))
        });
    request.headers_mut().insert(REQUEST_ID, id.clone());
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map_or_else(|| "unmatched".to_owned(), |r| r.0.clone());
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        let before = std::mem::take(response.headers_mut());
        response = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Method {method} is not allowed on {path}"),
        )
        .into_response();
        // Keep what the inner layers said (CORS, `Allow`); the body is the JSON error's.
        for (name, value) in &before {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                response.headers_mut().append(name, value.clone());
            }
        }
    }
    response.headers_mut().insert(REQUEST_ID, id);
    state
        .metrics()
        .requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: response.status().as_u16(),
        })
        .inc();
    response
}
