//! Telling runtimes and workers apart, as Tokio's API does: `Handle::id` (and `LocalSet::id`) is
//! the same for every handle of one runtime and differs between runtimes; `Builder::name` names a
//! runtime, `Handle::name` reads it (the attribute macros take `name = ".."` too); and
//! `runtime::worker_index` says which worker a thread is, `None` off the workers.

mod support;

use glasswing::runtime::{self, Builder, LocalRuntime};
use glasswing::task::LocalSet;
use std::sync::Arc;
use std::thread;

#[test]
fn handles_of_one_runtime_share_an_id_and_runtimes_differ() {
    for (_, rt1) in support::runtimes() {
        let rt2 = Builder::new_current_thread().build().unwrap();
        let inside = rt1.block_on(async { runtime::Handle::current().id() });
        assert_eq!(rt1.handle().id(), inside);
        assert_eq!(rt1.handle().clone().id(), rt1.handle().id());
        assert_ne!(rt1.handle().id(), rt2.handle().id());
        // Printable, for logs.
        assert!(!rt1.handle().id().to_string().is_empty());
    }
}

#[test]
fn local_sets_have_ids_of_their_own() {
    let rt = support::current_thread();
    let (a, b) = (LocalSet::new(), LocalSet::new());
    assert_ne!(a.id(), b.id());
    assert_ne!(a.id(), rt.handle().id());
    assert_eq!(a.id(), a.id());
}

#[test]
fn runtimes_are_unnamed_unless_named() {
    let unnamed = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    assert_eq!(unnamed.handle().name(), None);
    let named = Builder::new_multi_thread().worker_threads(1).name("ingest").build().unwrap();
    assert_eq!(named.handle().name(), Some("ingest"));
    let seen = named.block_on(async {
        glasswing::spawn(async { runtime::Handle::current().name().map(str::to_owned) }).await.unwrap()
    });
    assert_eq!(seen.as_deref(), Some("ingest"));
    let local = Builder::new_current_thread().name("local-one").build_local(Default::default()).unwrap();
    assert_eq!(local.handle().name(), Some("local-one"));
}

#[test]
#[should_panic(expected = "runtime name shouldn't be empty")]
fn a_blank_name_panics() {
    Builder::new_current_thread().name("  ");
}

#[glasswing::test(name = "named-by-the-attribute")]
async fn the_test_attribute_names_the_runtime() {
    assert_eq!(runtime::Handle::current().name(), Some("named-by-the-attribute"));
}

#[test]
fn worker_index_on_a_multi_thread_runtime() {
    let rt = Builder::new_multi_thread().worker_threads(3).build().unwrap();
    let metrics = rt.metrics();
    rt.block_on(async move {
        // The `block_on` thread is not a worker.
        assert_eq!(runtime::worker_index(), None);
        for _ in 0..20 {
            let (index, thread) = glasswing::spawn(async {
                (runtime::worker_index().expect("a task runs on a worker"), thread::current().id())
            })
            .await
            .unwrap();
            assert!(index < 3);
            // The same numbering as the metrics'.
            assert_eq!(metrics.worker_thread_id(index), Some(thread));
        }
        let blocking = glasswing::task::spawn_blocking(runtime::worker_index).await.unwrap();
        assert_eq!(blocking, None, "a blocking-pool thread is no worker");
    });
}

#[test]
fn worker_index_on_a_current_thread_runtime() {
    assert_eq!(runtime::worker_index(), None, "outside any runtime");
    let rt = Arc::new(support::current_thread());
    assert_eq!(rt.block_on(async { runtime::worker_index() }), Some(0));
    assert_eq!(
        rt.block_on(async { glasswing::spawn(async { runtime::worker_index() }).await.unwrap() }),
        Some(0)
    );
    // `Handle::block_on` does not drive the runtime.
    assert_eq!(rt.handle().block_on(async { runtime::worker_index() }), None);

    // A second thread in `block_on` while the first drives: it is not the worker.
    let (entered_tx, entered_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = glasswing::sync::oneshot::channel::<()>();
    let driver = {
        let rt = rt.clone();
        thread::spawn(move || {
            rt.block_on(async move {
                entered_tx.send(()).unwrap();
                release_rx.await.unwrap();
                runtime::worker_index()
            })
        })
    };
    entered_rx.recv().unwrap();
    let other = {
        let rt = rt.clone();
        thread::spawn(move || rt.block_on(async { runtime::worker_index() }))
    };
    assert_eq!(other.join().unwrap(), None);
    release_tx.send(()).unwrap();
    assert_eq!(driver.join().unwrap(), Some(0));

    let local = LocalRuntime::new().unwrap();
    assert_eq!(local.block_on(async { runtime::worker_index() }), Some(0));
}
