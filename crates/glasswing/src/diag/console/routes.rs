//! The console's routes (docs/console.md is their reference): each reads the runtime through the
//! views (`snapshot.rs`, `dump/`, `timeline.rs`, `model.rs`) on the connection's own thread.

use super::http::{self, Request};
use super::model::{self, TableQuery};
use super::Shared;
use crate::diag::snapshot::{self, TaskState};
use crate::diag::{dump, json, timeline, HistogramSnapshot};
use crate::probe::clock;
use crate::probe::histogram::BUCKETS;
use crate::scheduler::{Scheduler, WeakScheduler};
use crate::task::Id;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::TcpStream;
use std::num::NonZeroU64;
use std::time::Duration;

/// The dashboard, embedded: no file to ship, no build step.
const DASHBOARD: &str = include_str!("dashboard.html");

/// `/api/snapshot`'s tasks: by default, and at most.
const SNAPSHOT_LIMIT: (usize, usize) = (1000, 10_000);
/// `/api/tasks`' rows.
const TABLE_LIMIT: (usize, usize) = (100, 1000);
/// `/api/events`' rows.
const EVENTS_LIMIT: (usize, usize) = (50, 1000);
/// `/api/groups`' groups.
const GROUPS_LIMIT: (usize, usize) = (50, 1000);
/// Between two events of `/api/events`.
pub(crate) const EVENT_INTERVAL: Duration = Duration::from_secs(1);

/// Builds the answer to `req` (any route but the event stream) in `stream`, a buffer the caller
/// writes out. The runtime is upgraded from `weak` for the time it takes to build it, so a client
/// never keeps it alive.
pub(crate) fn serve(stream: &mut Vec<u8>, req: &Request, weak: &WeakScheduler, shared: &Shared) {
    // Writing into a Vec cannot fail.
    let _ = answer(stream, req, weak, shared);
}

fn answer(stream: &mut Vec<u8>, req: &Request, weak: &WeakScheduler, shared: &Shared) -> io::Result<()> {
    if req.method != "GET" {
        return http::respond_error(stream, 405, "the console answers GET only");
    }
    let Some(handle) = weak.upgrade() else {
        return http::respond_error(stream, 503, "the runtime has shut down");
    };
    let param = |name: &str| req.param(name).map(str::to_owned);
    let json = |stream: &mut Vec<u8>, body: String| {
        http::respond(stream, 200, "application/json", &[], body.as_bytes())
    };
    match req.path.as_str() {
        "/" | "/index.html" => {
            http::respond(stream, 200, "text/html; charset=utf-8", &[], DASHBOARD.as_bytes())
        }
        "/api/snapshot" => match limit(req, SNAPSHOT_LIMIT) {
            Ok(limit) => json(stream, snapshot_json(&handle, limit)),
            Err(e) => http::respond_error(stream, 400, &e),
        },
        "/api/overview" => json(stream, model::to_json(&model::overview(&handle, &shared.samples))),
        "/api/tasks" => match TableQuery::parse(param, TABLE_LIMIT.0, TABLE_LIMIT.1) {
            Ok(query) => json(stream, model::to_json(&model::table(&handle, &query))),
            Err(e) => http::respond_error(stream, 400, &e),
        },
        "/api/groups" => match limit(req, GROUPS_LIMIT) {
            Ok(limit) => {
                #[derive(Serialize)]
                struct Groups {
                    groups: Vec<model::Group>,
                }
                json(stream, model::to_json(&Groups { groups: model::groups(&handle, limit) }))
            }
            Err(e) => http::respond_error(stream, 400, &e),
        },
        "/api/dump" => {
            let dump = dump::take(&handle);
            match req.param("format") {
                Some("json") => json(stream, dump.to_json()),
                None | Some("text") => {
                    http::respond(stream, 200, "text/plain; charset=utf-8", &[], dump.to_string().as_bytes())
                }
                Some(other) => {
                    http::respond_error(stream, 400, &format!("format={other:?}: use text or json"))
                }
            }
        }
        "/api/trace" => http::respond(
            stream,
            200,
            "application/json",
            &[("Content-Disposition", "attachment; filename=\"glasswing-trace.json\"")],
            timeline::export(&handle).as_bytes(),
        ),
        "/metrics" => http::respond(
            stream,
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            &[],
            crate::diag::metrics::prometheus(&handle).as_bytes(),
        ),
        path => match path.strip_prefix("/api/task/") {
            Some(id) => match parse_id(id) {
                Some(id) => match task_json(&handle, id) {
                    Some(body) => json(stream, body),
                    None => {
                        http::respond_error(stream, 404, &format!("no task {id}: it finished, or never was"))
                    }
                },
                None => http::respond_error(stream, 400, &format!("{id:?} is not a task id")),
            },
            None => http::respond_error(stream, 404, &format!("no route {path}: see docs/console.md")),
        },
    }
}

/// The `limit` parameter, `(default, at most)`.
fn limit(req: &Request, (default, at_most): (usize, usize)) -> Result<usize, String> {
    match req.param("limit") {
        None => Ok(default),
        Some(v) => {
            v.parse::<usize>().map(|n| n.min(at_most)).map_err(|_| format!("limit={v:?} is not a number"))
        }
    }
}

fn parse_id(s: &str) -> Option<Id> {
    s.parse::<u64>().ok().and_then(NonZeroU64::new).map(Id)
}

/// The snapshot with its `limit` busiest tasks, `limit` longest-waited resources and `limit` newest
/// warnings, and how many of each were left out (`"tasks_omitted"`, `"resources_omitted"`,
/// `"warnings_omitted"`).
fn snapshot_json(handle: &Scheduler, limit: usize) -> String {
    let mut snap = snapshot::take(handle);
    let omitted = snap.tasks.len().saturating_sub(limit);
    if omitted > 0 {
        snap.tasks.sort_by(|a, b| b.busy.cmp(&a.busy).then(a.id.cmp(&b.id)));
        snap.tasks.truncate(limit);
    }
    // A program with a wait per task has as many resources: capped alike.
    let resources_omitted = snap.resources.len().saturating_sub(limit);
    snap.resources.truncate(limit);
    // And a lint per task (20,000 stalled connections): the newest kept, as the overview does.
    let warnings_omitted = snap.warnings.len().saturating_sub(limit);
    snap.warnings.drain(..warnings_omitted);
    let mut out = json::to_string(&snap).expect("a snapshot always serializes");
    // The snapshot is an object: its closing brace makes way for more members.
    out.pop();
    let _ = write!(out, ",\"tasks_omitted\":{omitted},\"resources_omitted\":{resources_omitted},\"warnings_omitted\":{warnings_omitted}}}");
    out
}

/// `/api/task/<id>`: its record, the histograms' bounds, and its dump (a live task only).
fn task_json(handle: &Scheduler, id: Id) -> Option<String> {
    #[derive(Serialize)]
    struct Detail {
        task: snapshot::TaskSnapshot,
        bucket_bounds: Vec<Option<u64>>,
        dump: Option<dump::TaskDump>,
    }
    let now = clock::now();
    let (task, dump) = match handle.all_tasks().get_read(id) {
        Some((task, read)) => {
            drop(task);
            let mut snap = snapshot::live_task_snapshot(read, now);
            if snap.state == TaskState::Running {
                snap.running_for = snapshot::workers(handle, now)
                    .into_iter()
                    .find(|w| w.polling == Some(id))
                    .and_then(|w| w.polling_for);
            }
            (snap, dump::take_one(handle, id))
        }
        None => {
            let finished = handle.all_tasks().finished_tasks(now).into_iter().find(|f| f.task.id == id)?;
            (
                snapshot::task_snapshot(&finished.task, TaskState::Done, 0, now, Some(finished.completed_at)),
                None,
            )
        }
    };
    let bucket_bounds =
        (0..BUCKETS).map(|i| HistogramSnapshot::bucket_upper_bound(i).map(|d| d.as_nanos() as u64)).collect();
    Some(model::to_json(&Detail { task, bucket_bounds, dump }))
}

/// `/api/events`: an event now, then one every `EVENT_INTERVAL`, until the client goes, the
/// runtime shuts down or the console stops.
/// `/api/events`: the stream of ticks, written as they are built (each within `WRITE_TIMEOUT`).
pub(crate) fn events(
    stream: &mut TcpStream,
    req: &Request,
    weak: &WeakScheduler,
    shared: &Shared,
) -> io::Result<()> {
    let fail = |stream: &mut TcpStream, status, message: &str| {
        let mut answer = Vec::new();
        http::respond_error(&mut answer, status, message)?;
        http::send(stream, &answer)
    };
    if req.method != "GET" {
        return fail(stream, 405, "the console answers GET only");
    }
    let param = |name: &str| req.param(name).map(str::to_owned);
    let query = match TableQuery::parse(param, EVENTS_LIMIT.0, EVENTS_LIMIT.1) {
        Ok(query) => TableQuery { offset: 0, ..query },
        Err(e) => return fail(stream, 400, &e),
    };
    let query = &query;
    if weak.upgrade().is_none() {
        return fail(stream, 503, "the runtime has shut down");
    }
    http::start_event_stream(stream)?;
    let mut sent = model::Sent::default();
    loop {
        let Some(handle) = weak.upgrade() else { return Ok(()) };
        let tick = model::Tick {
            overview: model::overview(&handle, &shared.samples),
            tasks: sent.delta(model::table(&handle, query)),
        };
        drop(handle);
        let event = format!("event: tick\ndata: {}\n\n", model::to_json(&tick));
        stream.write_all(event.as_bytes())?;
        stream.flush()?;
        if shared.wait_stopped(EVENT_INTERVAL) {
            return Ok(());
        }
    }
}
