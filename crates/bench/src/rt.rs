//! The small runtime abstraction every workload is written against, and its three
//! implementations.
//!
//! Every method is statically dispatched (no boxing, no `dyn`), and each runtime goes
//! through the same kind of wrapper: a newtype around its native join handle and a direct
//! call to its native `spawn`. Spawning from inside a task uses the runtime's ambient
//! context the way its users do: `glasswing::spawn` / `tokio::spawn` read a thread-local
//! runtime context, and for smol we keep the executor in a thread-local too (set on each
//! executor thread, and on the bench thread for the duration of `block_on`), so no runtime
//! pays for an `Arc` clone per spawn that the others don't.
//!
//! Timers are each runtime's native ones: `glasswing::time::{sleep, timeout}`,
//! `tokio::time::{sleep, timeout}`, and for smol `async_io::Timer` (smol's own timer type).
//! smol has no `timeout` future; [`SmolTimeout`] is the same two-field shape as glasswing's
//! and tokio's (poll the inner future, then the timer). Our smol threads run
//! `futures_lite::future::block_on`, not `async_io::block_on`, so async-io's own background
//! thread ("async-io") drives its reactor and fires the timers; `smol::block_on` would let
//! a blocked thread drive the reactor itself.
//!
//! TCP is each runtime's native too: `glasswing::net` with `glasswing::io::{AsyncReadExt,
//! AsyncWriteExt}`, `tokio::net` with `tokio::io::{AsyncReadExt, AsyncWriteExt}`, and for
//! smol `async_io::Async<std::net::TcpListener>` / `Async<std::net::TcpStream>` (what
//! `smol::net` wraps) with `futures_lite::{AsyncReadExt, AsyncWriteExt}`. Each method is
//! one direct call to the native API. As with timers, smol's socket readiness comes from
//! async-io's reactor, driven by the "async-io" thread.
//!
//! Sync primitives are each runtime's own too: [`Rt::Sync`] names them (`glasswing::sync`,
//! `tokio::sync`, and smol's `async-channel` / `async-lock` / `async-broadcast`; see
//! [`crate::sync`]).
//!
//! So are the blocking pools (`glasswing::task::spawn_blocking`, `tokio::task::spawn_blocking`,
//! and for smol `blocking::unblock`, which `smol::unblock` re-exports) and the clocks ([`Rt::now`]:
//! each runtime's `Instant`, which outside paused time is the monotonic clock `std::time::Instant`
//! reads, so stamps taken on different threads compare).

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use async_executor::Executor;
use futures::channel::oneshot;

use crate::sync::{GlasswingSync, SmolSync, SyncPrims, TokioSync};

/// Which scheduler flavour to build.
#[derive(Clone, Copy, Debug)]
pub enum Flavor {
    /// Multi-thread scheduler with this many worker threads.
    MultiThread(usize),
    /// Current-thread scheduler, driven by `block_on` on the bench thread.
    CurrentThread,
}

/// An async runtime, as seen by the workloads.
pub trait Rt: 'static {
    /// Name printed in reports.
    const NAME: &'static str;

    /// Join handle for a spawned task; resolves to the task's output.
    type Join<T: Send + 'static>: Future<Output = T> + Send + 'static;

    /// Builds the runtime. Never timed.
    fn build(flavor: Flavor) -> Self;

    /// Runs `f` to completion on the bench thread, driving the runtime if it needs it.
    fn block_on<F: Future>(&self, f: F) -> F::Output;

    /// Spawns from outside the runtime (the bench thread, not inside `block_on`).
    fn spawn_remote<F>(&self, f: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns from inside the runtime (a task, or the `block_on` future).
    fn spawn<F>(f: F) -> Self::Join<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Lets the task run on without anyone awaiting it.
    fn detach<T: Send + 'static>(join: Self::Join<T>);

    /// `spawn` + `detach`.
    #[inline]
    fn spawn_detached<F>(f: F)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Self::detach(Self::spawn(f));
    }

    /// The runtime's own `yield_now`.
    fn yield_now() -> impl Future<Output = ()> + Send;

    /// The runtime's own sleep future for `duration` (created now, registered with the
    /// timer driver on first poll). Must be created and polled inside the runtime.
    fn sleep(duration: Duration) -> impl Future + Send + 'static;

    /// The runtime's own clock, read as a task would (`Instant::now()` of its time module),
    /// converted to `std::time::Instant`.
    fn now() -> std::time::Instant;

    /// The runtime's own sleep until `deadline` (a `now()` value plus an offset).
    fn sleep_until(deadline: std::time::Instant) -> impl Future + Send + 'static;

    /// The runtime's own timeout: `future`, raced against a deadline `duration` from now.
    fn timeout<F: Future + Unpin + Send>(duration: Duration, future: F) -> impl Future + Send;

    /// The runtime's own sync primitives (see [`crate::sync`]).
    type Sync: SyncPrims;

    /// The runtime's own TCP listener.
    type TcpListener: Send + 'static;

    /// The runtime's own TCP stream.
    type TcpStream: Send + 'static;

    /// Binds a listener to `addr` and listens. Must be polled inside the runtime (glasswing's
    /// and tokio's register the socket with the runtime's I/O driver).
    fn tcp_bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpListener>> + Send;

    /// The listener's local address (with the port picked when bound to port 0).
    fn tcp_local_addr(listener: &Self::TcpListener) -> io::Result<SocketAddr>;

    /// Accepts one connection: the stream and the peer's address.
    fn tcp_accept(
        listener: &Self::TcpListener,
    ) -> impl Future<Output = io::Result<(Self::TcpStream, SocketAddr)>> + Send + '_;

    /// Connects to `addr`. Must be polled inside the runtime, as `tcp_bind`.
    fn tcp_connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpStream>> + Send;

    /// Sets `TCP_NODELAY` on `stream`.
    fn tcp_set_nodelay(stream: &Self::TcpStream, nodelay: bool) -> io::Result<()>;

    /// The runtime's own `read_exact`: fills `buf` from `stream`, or fails (`UnexpectedEof`
    /// at end of stream). Its `Ok` value is whatever the native one returns (tokio: the
    /// length; glasswing, smol: `()`).
    fn read_exact<'a>(
        stream: &'a mut Self::TcpStream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<impl Sized>> + Send + 'a;

    /// The runtime's own `write_all`: writes all of `buf` to `stream`.
    fn write_all<'a>(
        stream: &'a mut Self::TcpStream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;

    /// Whether the runtime has file I/O in this suite: smol's is the `async-fs` crate, which the
    /// suite does not depend on, so the fs rows have no smol column.
    const HAS_FS: bool = true;

    /// The runtime's own `fs::read`. Must be polled inside the runtime.
    fn fs_read(path: PathBuf) -> impl Future<Output = io::Result<Vec<u8>>> + Send;

    /// Opens `path` with the runtime's own `fs::File` and reads it to the end, `chunk` bytes per
    /// `read` call; the number of bytes read. Must be polled inside the runtime.
    fn fs_read_chunks(path: PathBuf, chunk: usize) -> impl Future<Output = io::Result<u64>> + Send;

    /// The runtime's own `spawn_blocking` (smol: `blocking::unblock`, what `smol::unblock` is):
    /// runs `f` on its blocking pool and resolves to its result. Must be called inside the runtime.
    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = T> + Send + 'static
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
}

// ---------------------------------------------------------------------------------------
// glasswing

/// Whether `GLASSWING_BENCH_BASELINE=no-recorder` asks for the second glasswing column to have its
/// diagnostics on and only the flight recorder off: its "diagnostics cost" is then the recorder's.
pub fn recorder_baseline() -> bool {
    std::env::var("GLASSWING_BENCH_BASELINE").is_ok_and(|v| v == "no-recorder")
}

/// Glasswing, built with `glasswing::runtime::Builder`, with its diagnostics on (`DIAG`, the
/// default every user gets) or off: the suite runs both to measure what diagnostics cost.
pub struct GlasswingRt<const DIAG: bool> {
    rt: glasswing::runtime::Runtime,
}

/// Glasswing as shipped: diagnostics on.
pub type Glasswing = GlasswingRt<true>;
/// Glasswing with `Builder::diagnostics(false)`.
pub type GlasswingOff = GlasswingRt<false>;

/// Glasswing's `JoinHandle`, unwrapping the `JoinError`.
pub struct GlasswingJoin<T>(glasswing::task::JoinHandle<T>);

impl<T> Future for GlasswingJoin<T> {
    type Output = T;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Ready(res) => Poll::Ready(res.expect("glasswing task failed")),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<const DIAG: bool> GlasswingRt<DIAG> {
    /// A runtime built elsewhere, with settings the suite does not make (the console's cost,
    /// `bin/console_cost.rs`).
    #[allow(dead_code)]
    pub fn from_runtime(rt: glasswing::runtime::Runtime) -> Self {
        GlasswingRt { rt }
    }
}

impl<const DIAG: bool> Rt for GlasswingRt<DIAG> {
    const NAME: &'static str = if DIAG { "glasswing" } else { "gw-diag-off" };
    type Join<T: Send + 'static> = GlasswingJoin<T>;

    fn build(flavor: Flavor) -> Self {
        let mut builder = match flavor {
            Flavor::MultiThread(n) => {
                let mut b = glasswing::runtime::Builder::new_multi_thread();
                b.worker_threads(n);
                b
            }
            Flavor::CurrentThread => glasswing::runtime::Builder::new_current_thread(),
        };
        builder.diagnostics(DIAG);
        if !DIAG && recorder_baseline() {
            // The second column measures the flight recorder alone (see `recorder_baseline`).
            builder.diagnostics(true).flight_recorder_capacity(0);
        }
        let rt = builder.build().expect("build glasswing runtime");
        GlasswingRt { rt }
    }

    #[inline]
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    #[inline]
    fn spawn_remote<F>(&self, f: F) -> GlasswingJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        GlasswingJoin(self.rt.spawn(f))
    }

    #[inline]
    fn spawn<F>(f: F) -> GlasswingJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        GlasswingJoin(glasswing::spawn(f))
    }

    #[inline]
    fn detach<T: Send + 'static>(join: GlasswingJoin<T>) {
        drop(join);
    }

    #[inline]
    fn yield_now() -> impl Future<Output = ()> + Send {
        glasswing::task::yield_now()
    }

    #[inline]
    fn sleep(duration: Duration) -> impl Future + Send + 'static {
        glasswing::time::sleep(duration)
    }

    #[inline]
    fn now() -> std::time::Instant {
        glasswing::time::Instant::now().into_std()
    }

    #[inline]
    fn sleep_until(deadline: std::time::Instant) -> impl Future + Send + 'static {
        glasswing::time::sleep_until(glasswing::time::Instant::from_std(deadline))
    }

    #[inline]
    fn timeout<F: Future + Unpin + Send>(duration: Duration, future: F) -> impl Future + Send {
        glasswing::time::timeout(duration, future)
    }

    type Sync = GlasswingSync;
    type TcpListener = glasswing::net::TcpListener;
    type TcpStream = glasswing::net::TcpStream;

    #[inline]
    fn tcp_bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpListener>> + Send {
        glasswing::net::TcpListener::bind(addr)
    }

    #[inline]
    fn tcp_local_addr(listener: &Self::TcpListener) -> io::Result<SocketAddr> {
        listener.local_addr()
    }

    #[inline]
    fn tcp_accept(
        listener: &Self::TcpListener,
    ) -> impl Future<Output = io::Result<(Self::TcpStream, SocketAddr)>> + Send + '_ {
        listener.accept()
    }

    #[inline]
    fn tcp_connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpStream>> + Send {
        glasswing::net::TcpStream::connect(addr)
    }

    #[inline]
    fn tcp_set_nodelay(stream: &Self::TcpStream, nodelay: bool) -> io::Result<()> {
        stream.set_nodelay(nodelay)
    }

    #[inline]
    fn read_exact<'a>(
        stream: &'a mut Self::TcpStream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<impl Sized>> + Send + 'a {
        glasswing::io::AsyncReadExt::read_exact(stream, buf)
    }

    #[inline]
    fn write_all<'a>(
        stream: &'a mut Self::TcpStream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        glasswing::io::AsyncWriteExt::write_all(stream, buf)
    }
    fn fs_read(path: PathBuf) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
        glasswing::fs::read(path)
    }

    async fn fs_read_chunks(path: PathBuf, chunk: usize) -> io::Result<u64> {
        let mut file = glasswing::fs::File::open(path).await?;
        let mut buf = vec![0; chunk];
        let mut total = 0;
        loop {
            match glasswing::io::AsyncReadExt::read(&mut file, &mut buf).await? {
                0 => return Ok(total),
                n => total += n as u64,
            }
        }
    }

    #[inline]
    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = T> + Send + 'static
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        GlasswingJoin(glasswing::task::spawn_blocking(f))
    }
}

// ---------------------------------------------------------------------------------------
// tokio

/// Tokio, built with `tokio::runtime::Builder` and `enable_all()` (glasswing's I/O and
/// time drivers are always on, so tokio gets its drivers too).
pub struct Tokio {
    rt: tokio::runtime::Runtime,
}

/// Tokio's `JoinHandle`, unwrapping the `JoinError`.
pub struct TokioJoin<T>(tokio::task::JoinHandle<T>);

impl<T> Future for TokioJoin<T> {
    type Output = T;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match Pin::new(&mut self.0).poll(cx) {
            Poll::Ready(res) => Poll::Ready(res.expect("tokio task failed")),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Join<T: Send + 'static> = TokioJoin<T>;

    fn build(flavor: Flavor) -> Self {
        let rt = match flavor {
            Flavor::MultiThread(n) => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(n)
                .enable_all()
                .build()
                .expect("build tokio runtime"),
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("build tokio runtime"),
        };
        Tokio { rt }
    }

    #[inline]
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    #[inline]
    fn spawn_remote<F>(&self, f: F) -> TokioJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TokioJoin(self.rt.spawn(f))
    }

    #[inline]
    fn spawn<F>(f: F) -> TokioJoin<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        TokioJoin(tokio::spawn(f))
    }

    #[inline]
    fn detach<T: Send + 'static>(join: TokioJoin<T>) {
        drop(join);
    }

    #[inline]
    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }

    #[inline]
    fn sleep(duration: Duration) -> impl Future + Send + 'static {
        tokio::time::sleep(duration)
    }

    #[inline]
    fn now() -> std::time::Instant {
        tokio::time::Instant::now().into_std()
    }

    #[inline]
    fn sleep_until(deadline: std::time::Instant) -> impl Future + Send + 'static {
        tokio::time::sleep_until(tokio::time::Instant::from_std(deadline))
    }

    #[inline]
    fn timeout<F: Future + Unpin + Send>(duration: Duration, future: F) -> impl Future + Send {
        tokio::time::timeout(duration, future)
    }

    type Sync = TokioSync;
    type TcpListener = tokio::net::TcpListener;
    type TcpStream = tokio::net::TcpStream;

    #[inline]
    fn tcp_bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpListener>> + Send {
        tokio::net::TcpListener::bind(addr)
    }

    #[inline]
    fn tcp_local_addr(listener: &Self::TcpListener) -> io::Result<SocketAddr> {
        listener.local_addr()
    }

    #[inline]
    fn tcp_accept(
        listener: &Self::TcpListener,
    ) -> impl Future<Output = io::Result<(Self::TcpStream, SocketAddr)>> + Send + '_ {
        listener.accept()
    }

    #[inline]
    fn tcp_connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpStream>> + Send {
        tokio::net::TcpStream::connect(addr)
    }

    #[inline]
    fn tcp_set_nodelay(stream: &Self::TcpStream, nodelay: bool) -> io::Result<()> {
        stream.set_nodelay(nodelay)
    }

    #[inline]
    fn read_exact<'a>(
        stream: &'a mut Self::TcpStream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<impl Sized>> + Send + 'a {
        tokio::io::AsyncReadExt::read_exact(stream, buf)
    }

    #[inline]
    fn write_all<'a>(
        stream: &'a mut Self::TcpStream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        tokio::io::AsyncWriteExt::write_all(stream, buf)
    }
    fn fs_read(path: PathBuf) -> impl Future<Output = io::Result<Vec<u8>>> + Send {
        tokio::fs::read(path)
    }

    async fn fs_read_chunks(path: PathBuf, chunk: usize) -> io::Result<u64> {
        let mut file = tokio::fs::File::open(path).await?;
        let mut buf = vec![0; chunk];
        let mut total = 0;
        loop {
            match tokio::io::AsyncReadExt::read(&mut file, &mut buf).await? {
                0 => return Ok(total),
                n => total += n as u64,
            }
        }
    }

    #[inline]
    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = T> + Send + 'static
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        TokioJoin(tokio::task::spawn_blocking(f))
    }
}

// ---------------------------------------------------------------------------------------
// smol

thread_local! {
    /// The smol executor this thread is running, if any (smol's own `smol::spawn` uses a
    /// global static; a thread-local keeps several executors apart in one process).
    static SMOL_CURRENT: RefCell<Option<Arc<Executor<'static>>>> = const { RefCell::new(None) };
}

/// Sets `SMOL_CURRENT` for a scope and restores the previous value on drop.
struct SmolEnter(Option<Arc<Executor<'static>>>);

impl SmolEnter {
    fn new(ex: &Arc<Executor<'static>>) -> Self {
        SmolEnter(SMOL_CURRENT.with(|c| c.replace(Some(ex.clone()))))
    }
}

impl Drop for SmolEnter {
    fn drop(&mut self) {
        let prev = self.0.take();
        SMOL_CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

/// smol: an `async_executor::Executor`. Multi-thread: `n` threads each run
/// `future::block_on(ex.run(shutdown))`, and the bench thread's `block_on` also runs tasks
/// (`future::block_on(ex.run(f))`), as smol applications usually do. Current-thread: no
/// extra threads; the bench thread's `block_on` drives the executor.
pub struct Smol {
    ex: Arc<Executor<'static>>,
    shutdown: Vec<oneshot::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Rt for Smol {
    const NAME: &'static str = "smol";
    type Join<T: Send + 'static> = async_executor::Task<T>;

    fn build(flavor: Flavor) -> Self {
        let ex = Arc::new(Executor::new());
        let mut shutdown = Vec::new();
        let mut threads = Vec::new();
        if let Flavor::MultiThread(n) = flavor {
            for i in 0..n {
                let (tx, rx) = oneshot::channel::<()>();
                let ex = ex.clone();
                let t = thread::Builder::new()
                    .name(format!("smol-worker-{i}"))
                    .spawn(move || {
                        let _enter = SmolEnter::new(&ex);
                        futures_lite::future::block_on(ex.run(async move {
                            let _ = rx.await;
                        }));
                    })
                    .expect("spawn smol thread");
                shutdown.push(tx);
                threads.push(t);
            }
        }
        Smol { ex, shutdown, threads }
    }

    #[inline]
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        let _enter = SmolEnter::new(&self.ex);
        futures_lite::future::block_on(self.ex.run(f))
    }

    #[inline]
    fn spawn_remote<F>(&self, f: F) -> async_executor::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.ex.spawn(f)
    }

    #[inline]
    fn spawn<F>(f: F) -> async_executor::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        SMOL_CURRENT.with(|c| c.borrow().as_ref().expect("smol spawn outside of the executor").spawn(f))
    }

    #[inline]
    fn detach<T: Send + 'static>(join: async_executor::Task<T>) {
        join.detach();
    }

    #[inline]
    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }

    #[inline]
    fn sleep(duration: Duration) -> impl Future + Send + 'static {
        async_io::Timer::after(duration)
    }

    /// async-io's timers are on `std::time::Instant` itself.
    #[inline]
    fn now() -> std::time::Instant {
        std::time::Instant::now()
    }

    #[inline]
    fn sleep_until(deadline: std::time::Instant) -> impl Future + Send + 'static {
        async_io::Timer::at(deadline)
    }

    #[inline]
    fn timeout<F: Future + Unpin + Send>(duration: Duration, future: F) -> impl Future + Send {
        SmolTimeout { value: future, timer: async_io::Timer::after(duration) }
    }

    type Sync = SmolSync;
    type TcpListener = async_io::Async<std::net::TcpListener>;
    type TcpStream = async_io::Async<std::net::TcpStream>;

    /// `Async::<TcpListener>::bind` is synchronous; `ready` gives it the trait's shape.
    #[inline]
    fn tcp_bind(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpListener>> + Send {
        std::future::ready(async_io::Async::<std::net::TcpListener>::bind(addr))
    }

    #[inline]
    fn tcp_local_addr(listener: &Self::TcpListener) -> io::Result<SocketAddr> {
        listener.get_ref().local_addr()
    }

    #[inline]
    fn tcp_accept(
        listener: &Self::TcpListener,
    ) -> impl Future<Output = io::Result<(Self::TcpStream, SocketAddr)>> + Send + '_ {
        listener.accept()
    }

    #[inline]
    fn tcp_connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::TcpStream>> + Send {
        async_io::Async::<std::net::TcpStream>::connect(addr)
    }

    #[inline]
    fn tcp_set_nodelay(stream: &Self::TcpStream, nodelay: bool) -> io::Result<()> {
        stream.get_ref().set_nodelay(nodelay)
    }

    #[inline]
    fn read_exact<'a>(
        stream: &'a mut Self::TcpStream,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<impl Sized>> + Send + 'a {
        futures_lite::AsyncReadExt::read_exact(stream, buf)
    }

    #[inline]
    fn write_all<'a>(
        stream: &'a mut Self::TcpStream,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a {
        futures_lite::AsyncWriteExt::write_all(stream, buf)
    }
    const HAS_FS: bool = false;

    async fn fs_read(_path: PathBuf) -> io::Result<Vec<u8>> {
        unreachable!("the fs rows skip smol (HAS_FS is false)")
    }

    async fn fs_read_chunks(_path: PathBuf, _chunk: usize) -> io::Result<u64> {
        unreachable!("the fs rows skip smol (HAS_FS is false)")
    }

    #[inline]
    fn spawn_blocking<F, T>(f: F) -> impl Future<Output = T> + Send + 'static
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        blocking::unblock(f)
    }
}

/// `timeout` for smol, shaped like glasswing's and tokio's `Timeout`: the inner future
/// and a timer side by side; each poll polls the future first, then the timer.
/// Resolves to `None` on timeout.
pub struct SmolTimeout<F> {
    value: F,
    timer: async_io::Timer,
}

impl<F: Future + Unpin> Future for SmolTimeout<F> {
    type Output = Option<F::Output>;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        if let Poll::Ready(out) = Pin::new(&mut self.value).poll(cx) {
            return Poll::Ready(Some(out));
        }
        Pin::new(&mut self.timer).poll(cx).map(|_| None)
    }
}

impl Drop for Smol {
    fn drop(&mut self) {
        // Dropping the senders resolves every executor thread's shutdown future.
        self.shutdown.clear();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        // The executor itself drops (and cancels whatever is left) with the last Arc.
    }
}
