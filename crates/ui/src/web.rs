//! The web front-end: the files `npm run build` leaves in `ui.static_dir`,
//! served at `/`. Paths that name no file get `index.html` (the app routes
//! in the browser); hashed assets are cached for good, the rest revalidated.

use std::path::{Component, Path, PathBuf};

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|extension| extension.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("wav") => "audio/wav",
        _ => "application/octet-stream",
    }
}

/// The file a request path names inside `root`, refusing anything that
/// would leave it.
fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    let relative = Path::new(request_path.trim_start_matches('/'));
    if relative.components().any(|component| !matches!(component, Component::Normal(_))) {
        return None;
    }
    Some(root.join(relative))
}

pub(crate) async fn serve(State(state): State<AppState>, uri: Uri) -> Response {
    let Some(root) = state.static_dir.as_deref() else {
        return (StatusCode::NOT_FOUND, "the web UI is not configured (ui.static_dir)\n").into_response();
    };
    let requested = resolve(root, uri.path()).filter(|path| path.is_file());
    let (path, immutable) = match requested {
        Some(path) => {
            let immutable = uri.path().starts_with("/assets/");
            (path, immutable)
        }
        None => (root.join("index.html"), false),
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path))),
                    (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
                    (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                ],
                bytes,
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::NOT_FOUND,
            format!("the web UI is not built: run `npm ci && npm run build` in ui/ ({} is missing)\n", path.display()),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let root = Path::new("/srv/ui");
        assert_eq!(resolve(root, "/assets/app.js"), Some(PathBuf::from("/srv/ui/assets/app.js")));
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/assets/../../x"), None);
        assert_eq!(resolve(root, "/"), Some(PathBuf::from("/srv/ui/")));
    }
}
