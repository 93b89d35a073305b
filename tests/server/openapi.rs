//! The OpenAPI document the server serves describes its real routes.

use super::TestApp;
use crate::both_backends;

both_backends!(openapi_document_lists_the_station_api);

async fn openapi_document_lists_the_station_api(app: TestApp) {
    let res = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let doc: serde_json::Value = res.json().await.expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/enroll",
        "/api/v1/playlist",
        "/api/v1/media/{sha256}",
        "/api/v1/airings",
        "/api/v1/heartbeat",
        "/api/v1/events",
        "/healthz",
        "/metrics",
        "/api/v1/logout",
        "/api/v1/me/password",
        "/api/v1/accounts/{username}/password",
        "/api/v1/accounts/{username}/enable",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from {:?}",
            paths.keys().collect::<Vec<_>>()
        );
    }
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for schema in [
        "AiringJson",
        "AiringsBatch",
        "PlaylistJson",
        "HeartbeatJson",
        "EnrollRequest",
    ] {
        assert!(schemas.contains_key(schema), "{schema} missing");
    }
    assert!(doc["components"]["securitySchemes"]["station_token"].is_object());
    // Every documented path answers something other than 404 on this server (some need
    // credentials, which is fine).
    for path in paths.keys().filter(|p| !p.contains('{')) {
        let url = app.url(path);
        let methods = paths[path].as_object().expect("methods");
        let res = if methods.contains_key("get") {
            app.client.get(&url).send().await
        } else {
            app.client
                .post(&url)
                .json(&serde_json::json!({}))
                .send()
                .await
        }
        .expect("request");
        assert_ne!(res.status(), 404, "{path} is documented but not routed");
    }
}

/// Every `.route(path, get(..).post(..))` of the server's router, read from the source
/// that builds it (so this list cannot drift from the router): (full path, methods).
fn router_table() -> Vec<(String, Vec<&'static str>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server/api");
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read src/server/api") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut table = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        // ops.rs holds the routes outside /api/v1 (`/healthz`, `/metrics`).
        let prefix = if file.ends_with("ops.rs") {
            ""
        } else {
            "/api/v1"
        };
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            let call = &rest[at + ".route(".len()..];
            let mut depth = 1;
            let end = call
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .expect("balanced .route(");
            let args = &call[..end];
            let open = args.find('"').expect("route path literal");
            let close = open + 1 + args[open + 1..].find('"').expect("closing quote");
            let path = format!("{prefix}{}", &args[open + 1..close]);
            let after = &args[close..];
            let methods: Vec<&'static str> = ["get", "post", "put", "delete", "patch"]
                .into_iter()
                .filter(|m| {
                    after.match_indices(&format!("{m}(")).any(|(i, _)| {
                        i == 0
                            || !after.as_bytes()[i - 1].is_ascii_alphanumeric()
                                && after.as_bytes()[i - 1] != b'_'
                    })
                })
                .collect();
            assert!(
                !methods.is_empty(),
                "no method found for {path} in {file:?}"
            );
            table.push((path, methods));
            rest = &call[end..];
        }
    }
    table
}

both_backends!(openapi_document_lists_every_route_of_the_router);

async fn openapi_document_lists_every_route_of_the_router(app: TestApp) {
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    let table = router_table();
    assert!(table.len() > 30, "router table too small: {table:?}");
    let mut missing = Vec::new();
    for (path, methods) in &table {
        for method in methods {
            if paths.get(path).and_then(|p| p.get(*method)).is_none() {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(missing.is_empty(), "routed but not documented: {missing:?}");
    // And the other way: nothing documented that the router does not route.
    for (path, item) in paths {
        for method in item.as_object().expect("path item").keys() {
            assert!(
                table
                    .iter()
                    .any(|(p, ms)| p == path && ms.contains(&method.as_str())),
                "documented but not routed: {method} {path}"
            );
        }
    }
}

both_backends!(openapi_parameters_sit_where_the_server_reads_them);

async fn openapi_parameters_sit_where_the_server_reads_them(app: TestApp) {
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let paths = doc["paths"].as_object().expect("paths");
    let mut query_names = Vec::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in &params {
                let name = p["name"].as_str().expect("name");
                match p["in"].as_str().expect("in") {
                    "path" => assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path} declares path parameter `{name}` not in its template"
                    ),
                    "query" => query_names.push(format!("{path}?{name}")),
                    _ => {}
                }
            }
            // Every `{name}` of the template is declared as a path parameter.
            for piece in path.split('/').filter(|s| s.starts_with('{')) {
                let name = piece.trim_matches(|c| c == '{' || c == '}');
                assert!(
                    params
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path"),
                    "{method} {path} does not declare path parameter `{name}`"
                );
            }
            // Every error answer carries the error body.
            for code in ["400", "401", "403", "404", "409", "413", "422", "429"] {
                if let Some(r) = op["responses"].get(code) {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorJson",
                        "{method} {path} {code} has no error body"
                    );
                }
            }
            if op.get("security").is_some() {
                assert!(
                    op["responses"].get("401").is_some(),
                    "{method} {path} needs a token but documents no 401"
                );
            }
        }
    }
    for q in [
        "/api/v1/reports?from",
        "/api/v1/reports?until",
        "/api/v1/stations/{code}/plan?from",
        "/api/v1/stations/{code}/plan?until",
        "/api/v1/segments?approved",
    ] {
        assert!(
            query_names.iter().any(|n| n == q),
            "{q} is not a query parameter"
        );
    }
    let error = &doc["components"]["schemas"]["ErrorJson"];
    assert!(error["properties"]["message"].is_object(), "{error}");
}
