//! hyper 1.x on glasswing (feature `hyper`): the runtime pieces hyper asks its user for.
//!
//! - [`GlasswingExecutor`]: `hyper::rt::Executor`, spawning hyper's background futures (HTTP/2
//!   connection tasks) as glasswing tasks;
//! - [`GlasswingTimer`]: `hyper::rt::Timer`, with glasswing's `Sleep` as `hyper::rt::Sleep`;
//! - `hyper::rt::Read` and `Write` on glasswing's own streams (`TcpStream`, `UnixStream`, their
//!   halves; see `net/split.rs`), reading straight into hyper's uninitialized buffer;
//! - [`GlasswingIo`]: the same for any other stream with glasswing's Tokio-shaped io traits (a TLS
//!   stream, a `DuplexStream`), which also reads straight into hyper's buffer.
//!
//! They mirror hyper-util's `TokioExecutor`, `TokioTimer` and `TokioIo`, so hyper's examples carry
//! over by renaming; examples/hello_http.rs serves HTTP with them.
//!
//! # Examples
//!
//! One HTTP/1.1 request served and answered over an in-memory stream:
//!
//! ```
//! use glasswing::hyper::GlasswingIo;
//! use hyper::body::Incoming;
//! use hyper::{Request, Response};
//!
//! # #[glasswing::main(flavor = "current_thread")]
//! # async fn main() {
//! let (client_end, server_end) = glasswing::io::duplex(4096);
//! let serve = hyper::service::service_fn(|request: Request<Incoming>| async move {
//!     let body = format!("you asked for {}", request.uri().path());
//!     Ok::<_, std::convert::Infallible>(Response::new(body))
//! });
//! glasswing::spawn(hyper::server::conn::http1::Builder::new().serve_connection(GlasswingIo::new(server_end), serve));
//!
//! let (mut sender, connection) = hyper::client::conn::http1::handshake::<_, String>(GlasswingIo::new(client_end))
//!     .await
//!     .unwrap();
//! glasswing::spawn(connection);
//! let response = sender.send_request(Request::get("/hello").body(String::new()).unwrap()).await.unwrap();
//! assert_eq!(response.status(), 200);
//! # }
//! ```

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Spawns hyper's background futures on the current glasswing runtime.
///
/// # Examples
///
/// ```
/// use glasswing::hyper::GlasswingExecutor;
/// use hyper::rt::Executor;
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, rx) = glasswing::sync::oneshot::channel();
/// // What hyper does with an HTTP/2 connection's background work: hand it to the executor.
/// GlasswingExecutor.execute(async move { tx.send("ran as a glasswing task").unwrap() });
/// assert_eq!(rx.await.unwrap(), "ran as a glasswing task");
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct GlasswingExecutor;

impl<F> ::hyper::rt::Executor<F> for GlasswingExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        drop(crate::spawn(future));
    }
}

/// hyper's timer (header read timeouts, HTTP/2 keep-alive) on glasswing's timer wheel.
///
/// # Examples
///
/// ```
/// use glasswing::hyper::GlasswingTimer;
/// use hyper::rt::Timer;
/// use std::time::Duration;
///
/// # #[glasswing::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let start = glasswing::time::Instant::now();
/// GlasswingTimer.sleep(Duration::from_secs(5)).await;
/// assert!(start.elapsed() >= Duration::from_secs(5));
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct GlasswingTimer;

impl ::hyper::rt::Timer for GlasswingTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(crate::time::sleep(duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn ::hyper::rt::Sleep>> {
        Box::pin(crate::time::sleep_until(deadline.into()))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn ::hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<crate::time::Sleep>() {
            Some(ours) => ours.reset(new_deadline.into()),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

impl ::hyper::rt::Sleep for crate::time::Sleep {}

/// A stream with glasswing's `AsyncRead`/`AsyncWrite` seen through hyper's `Read` and `Write`.
#[derive(Debug)]
pub struct GlasswingIo<T> {
    inner: T,
}

impl<T> GlasswingIo<T> {
    /// Wraps `inner` for hyper.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::hyper::GlasswingIo;
    ///
    /// let (stream, _other_end) = glasswing::io::duplex(64);
    /// let io = GlasswingIo::new(stream);
    /// // `io` is now a `hyper::rt::Read + hyper::rt::Write`, ready for `serve_connection` or `handshake`.
    /// # fn is_hyper_io<T: hyper::rt::Read + hyper::rt::Write>(_: &T) {}
    /// # is_hyper_io(&io);
    /// ```
    pub fn new(inner: T) -> GlasswingIo<T> {
        GlasswingIo { inner }
    }

    /// The wrapped stream.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::hyper::GlasswingIo;
    ///
    /// let io = GlasswingIo::new(std::io::Cursor::new(vec![1u8, 2, 3]));
    /// assert_eq!(io.inner().get_ref(), &[1, 2, 3]);
    /// ```
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// Unwraps the stream, for use without hyper again.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::hyper::GlasswingIo;
    ///
    /// let io = GlasswingIo::new(std::io::Cursor::new(vec![1u8, 2, 3]));
    /// assert_eq!(io.into_inner().into_inner(), [1, 2, 3]);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> ::hyper::rt::Read for GlasswingIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ::hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let n = {
            // SAFETY: the `ReadBuf` never de-initializes what it is lent, and neither does a reader
            // (its `unfilled_mut` is unsafe for that reason).
            let mut read_buf = ReadBuf::uninit(unsafe { buf.as_mut() });
            std::task::ready!(Pin::new(&mut self.get_mut().inner).poll_read(cx, &mut read_buf))?;
            read_buf.filled().len()
        };
        // SAFETY: the reader filled, and so initialized, the first `n` bytes of the cursor's memory.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> ::hyper::rt::Write for GlasswingIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
