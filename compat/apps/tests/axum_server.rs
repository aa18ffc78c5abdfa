//! An axum service as its author writes it: JSON in and out, a path extractor, tower-http's timeout,
//! `axum::serve` on a `TcpListener`, called by a reqwest client in the same program.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct User {
    id: u32,
    name: String,
}

#[derive(Deserialize)]
struct NewUser {
    name: String,
}

#[derive(Default)]
struct Db {
    users: Mutex<HashMap<u32, User>>,
}

async fn create_user(State(db): State<Arc<Db>>, Json(new): Json<NewUser>) -> (StatusCode, Json<User>) {
    let mut users = db.users.lock().unwrap();
    let user = User { id: users.len() as u32 + 1, name: new.name };
    users.insert(user.id, user.clone());
    (StatusCode::CREATED, Json(user))
}

async fn get_user(State(db): State<Arc<Db>>, Path(id): Path<u32>) -> Result<Json<User>, StatusCode> {
    db.users.lock().unwrap().get(&id).cloned().map(Json).ok_or(StatusCode::NOT_FOUND)
}

/// Waits on something that never comes: the timeout answers for it.
async fn slow_report() -> &'static str {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    "done"
}

fn app() -> Router {
    Router::new()
        .route("/users", post(create_user))
        .route("/users/{id}", get(get_user))
        .route(
            "/report",
            get(slow_report).layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                Duration::from_millis(200),
            )),
        )
        .with_state(Arc::new(Db::default()))
        // Generous for the other routes: they answer at once.
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(60)))
}

async fn start_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app()).await.unwrap() });
    format!("http://{addr}")
}

async fn json_and_path_extractors() {
    let base = start_server().await;
    let client = reqwest::Client::new();

    let created = client
        .post(format!("{base}/users"))
        .json(&serde_json::json!({ "name": "ferris" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);
    let user: User = created.json().await.unwrap();
    assert_eq!(user, User { id: 1, name: "ferris".into() });

    let fetched: User = client.get(format!("{base}/users/1")).send().await.unwrap().json().await.unwrap();
    assert_eq!(fetched, user);

    let missing = client.get(format!("{base}/users/7")).send().await.unwrap();
    assert_eq!(missing.status(), reqwest::StatusCode::NOT_FOUND);
    let bad_path = client.get(format!("{base}/users/seven")).send().await.unwrap();
    assert_eq!(bad_path.status(), reqwest::StatusCode::BAD_REQUEST);
    let bad_json = client
        .post(format!("{base}/users"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_json.status(), reqwest::StatusCode::BAD_REQUEST);
}

async fn a_slow_handler_gets_408() {
    let base = start_server().await;
    let started = tokio::time::Instant::now();
    let response = reqwest::get(format!("{base}/report")).await.unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::REQUEST_TIMEOUT);
    assert!(started.elapsed() >= Duration::from_millis(200));
    // The server goes on serving.
    let again = reqwest::get(format!("{base}/users/1")).await.unwrap();
    assert_eq!(again.status(), reqwest::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn json_and_path_extractors_current_thread() {
    json_and_path_extractors().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_path_extractors_multi_thread() {
    json_and_path_extractors().await;
}

#[tokio::test]
async fn a_slow_handler_gets_408_current_thread() {
    a_slow_handler_gets_408().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_gets_408_multi_thread() {
    a_slow_handler_gets_408().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn many_concurrent_clients() {
    let base = start_server().await;
    let client = reqwest::Client::new();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50 {
        let (client, base) = (client.clone(), base.clone());
        set.spawn(async move {
            let user: User = client
                .post(format!("{base}/users"))
                .json(&serde_json::json!({ "name": format!("user{i}") }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let fetched: User =
                client.get(format!("{base}/users/{}", user.id)).send().await.unwrap().json().await.unwrap();
            assert_eq!(fetched, user);
            user.id
        });
    }
    let mut ids: Vec<u32> = set.join_all().await;
    ids.sort();
    assert_eq!(ids, (1..=50).collect::<Vec<_>>());
}
