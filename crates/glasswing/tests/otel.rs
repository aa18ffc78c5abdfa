//! Feature `opentelemetry`: the runtime's figures reach an OpenTelemetry SDK through
//! `Diagnostics::register_opentelemetry`, collected as a program's exporter would get them.

use glasswing::diag::Verbosity;
use glasswing::runtime::Builder;
use opentelemetry::metrics::MeterProvider;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{SdkMeterProvider, Temporality};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One exported point: the instrument's name and its attributes, `key=value` sorted.
type Point = (String, BTreeMap<String, String>);

/// An exporter that keeps the last export's points, as numbers, and whether each was a sum
/// (counter) and monotonic.
#[derive(Clone, Default)]
struct Keep(Arc<Mutex<BTreeMap<Point, (f64, &'static str)>>>);

impl PushMetricExporter for Keep {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let mut kept = self.0.lock().unwrap();
        kept.clear();
        for scope in metrics.scope_metrics() {
            for metric in scope.metrics() {
                let mut put = |attributes: BTreeMap<String, String>, value: f64, kind: &'static str| {
                    kept.insert((metric.name().to_owned(), attributes), (value, kind));
                };
                let attrs = |a: &mut dyn Iterator<Item = &opentelemetry::KeyValue>| {
                    a.map(|kv| (kv.key.to_string(), kv.value.to_string())).collect::<BTreeMap<_, _>>()
                };
                match metric.data() {
                    AggregatedMetrics::U64(MetricData::Sum(s)) => {
                        let kind = if s.is_monotonic() { "counter" } else { "updown" };
                        s.data_points().for_each(|p| put(attrs(&mut p.attributes()), p.value() as f64, kind))
                    }
                    AggregatedMetrics::F64(MetricData::Sum(s)) => {
                        let kind = if s.is_monotonic() { "counter" } else { "updown" };
                        s.data_points().for_each(|p| put(attrs(&mut p.attributes()), p.value(), kind))
                    }
                    AggregatedMetrics::U64(MetricData::Gauge(g)) => g
                        .data_points()
                        .for_each(|p| put(attrs(&mut p.attributes()), p.value() as f64, "gauge")),
                    other => panic!("{}: unexpected data {other:?}", metric.name()),
                }
            }
        }
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

impl Keep {
    fn get(&self, name: &str, attributes: &[(&str, &str)]) -> (f64, &'static str) {
        let mut key: BTreeMap<String, String> =
            attributes.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        key.insert("runtime".into(), "otel-test".into());
        let kept = self.0.lock().unwrap();
        *kept
            .get(&(name.to_owned(), key.clone()))
            .unwrap_or_else(|| panic!("no {name} {key:?} among {:#?}", kept.keys().collect::<Vec<_>>()))
    }
}

#[test]
fn the_runtime_figures_arrive_through_an_sdk() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .name("otel-test")
        .diagnostics_verbosity(Verbosity::Off)
        .build()
        .unwrap();
    let exporter = Keep::default();
    let provider = SdkMeterProvider::builder().with_periodic_exporter(exporter.clone()).build();
    rt.handle().diagnostics().register_opentelemetry(&provider.meter("glasswing"));

    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let (started_tx, started) = std::sync::mpsc::channel();
    let waiter = {
        let _guard = rt.enter();
        glasswing::task::Builder::new()
            .name("waiter")
            .spawn(async move {
                glasswing::task::yield_now().await;
                started_tx.send(()).unwrap();
                let _ = rx.await;
            })
            .unwrap()
    };
    started.recv_timeout(Duration::from_secs(30)).expect("the waiter runs");
    for _ in 0..3 {
        rt.block_on(rt.spawn(async {})).unwrap();
    }
    provider.force_flush().unwrap();

    assert_eq!(exporter.get("glasswing.workers", &[]), (2.0, "gauge"));
    assert_eq!(exporter.get("glasswing.alive_tasks", &[]), (1.0, "gauge"));
    assert_eq!(exporter.get("glasswing.spawned_tasks", &[]), (4.0, "counter"));
    assert_eq!(exporter.get("glasswing.warnings", &[("kind", "long_poll")]), (0.0, "counter"));
    assert_eq!(exporter.get("glasswing.warnings", &[("kind", "deadlock")]), (0.0, "counter"));
    for worker in ["0", "1"] {
        assert_eq!(exporter.get("glasswing.worker_polls", &[("worker", worker)]).1, "counter");
        assert_eq!(exporter.get("glasswing.worker_busy", &[("worker", worker)]).1, "counter");
    }
    assert_eq!(exporter.get("glasswing.group_tasks", &[("group", "waiter")]), (1.0, "gauge"));
    // The waiter is in its second poll or idle after it: polls counts those started.
    assert_eq!(exporter.get("glasswing.task_polls", &[("group", "waiter")]), (2.0, "counter"));
    // Its histogram, as counters: cumulative buckets ending at the count.
    let group = ("group", "waiter");
    let count = exporter.get("glasswing.task_poll_duration.count", &[group]);
    assert_eq!(count.1, "counter");
    let all = exporter.get("glasswing.task_poll_duration.bucket", &[group, ("le", "+Inf")]);
    assert_eq!(all, count);
    assert!(exporter.get("glasswing.task_poll_duration.sum", &[group]).0 >= 0.0);

    // Later collections see the figures move.
    tx.send(()).unwrap();
    rt.block_on(waiter).unwrap();
    provider.force_flush().unwrap();
    assert_eq!(exporter.get("glasswing.alive_tasks", &[]), (0.0, "gauge"));
    assert_eq!(exporter.get("glasswing.task_polls", &[("group", "waiter")]), (3.0, "counter"));
    provider.shutdown().unwrap();
}
