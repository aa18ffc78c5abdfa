//! The worker count a multi-thread runtime takes from the environment when the builder names none:
//! Tokio's `TOKIO_WORKER_THREADS` is honoured, so that a program moved from Tokio keeps its setting.
//! One test in a binary of its own, because the environment is the process's.

use glasswing::runtime::Builder;

#[test]
fn tokio_worker_threads_sets_the_default_and_the_builder_overrides_it() {
    std::env::remove_var("GLASSWING_WORKER_THREADS");
    std::env::set_var("TOKIO_WORKER_THREADS", "3");
    let rt = Builder::new_multi_thread().build().unwrap();
    assert_eq!(rt.metrics().num_workers(), 3);
    drop(rt);

    let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
    assert_eq!(rt.metrics().num_workers(), 2);
    drop(rt);

    // Glasswing's own name wins where both are set.
    std::env::set_var("GLASSWING_WORKER_THREADS", "1");
    let rt = Builder::new_multi_thread().build().unwrap();
    assert_eq!(rt.metrics().num_workers(), 1);
    drop(rt);
    std::env::remove_var("GLASSWING_WORKER_THREADS");

    std::env::set_var("TOKIO_WORKER_THREADS", "0");
    let err = std::panic::catch_unwind(|| Builder::new_multi_thread().build()).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("TOKIO_WORKER_THREADS must be a positive integer"), "{msg}");
}
