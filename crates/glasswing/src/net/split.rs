//! Halves of a byte stream (TCP or Unix): borrowed ones from `split`, owned ones from `into_split`.
//!
//! One set of generic types serves every stream type; `net::tcp` and `net::unix` name them for their
//! stream (`tcp::OwnedReadHalf` is `OwnedReadHalf<TcpStream>`). Both halves read and write through one
//! shared `&Stream`, which is sound because the reactor keeps separate reader and writer wakers for
//! the io traits' `poll_*` methods.

use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// What a stream offers its halves: polling through a shared reference. Public only in name (the module
/// is private), so it bounds the public half types without being implementable outside.
pub trait Stream {
    fn poll_read_shared(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    /// Reads into memory that may be uninitialized (Tokio's and hyper's read buffers), so they need
    /// no zeroing first; returns how many bytes at the front are now initialized.
    fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [std::mem::MaybeUninit<u8>],
    ) -> Poll<io::Result<usize>>;
    fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    fn poll_write_vectored_shared(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>>;
    /// Shuts down the write side; already-disconnected counts as done.
    fn shutdown_write(&self) -> io::Result<()>;
}

/// The io traits for a type that reaches a `Stream` through `$this => $stream`: glasswing's
/// Tokio-shaped `AsyncRead`/`AsyncWrite` and the futures-io ones, and with `hyper` hyper's `Read`/`Write` (`poll_shutdown` = `poll_close`: the write side
/// only). Every read but the futures-io one goes straight into the caller's uninitialized buffer.
macro_rules! stream_io {
    ([$($generics:tt)*] $ty:ty, $this:ident => $stream:expr) => {
        impl<$($generics)*> AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                let $this = self.get_mut();
                $crate::net::split::Stream::poll_read_shared($stream, cx, buf)
            }
        }

        impl<$($generics)*> AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                let $this = self.get_mut();
                $crate::net::split::Stream::poll_write_shared($stream, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let $this = self.get_mut();
                $crate::net::split::Stream::poll_write_vectored_shared($stream, cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                // Nothing is buffered here; the kernel sends what was written.
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $this = self.get_mut();
                Poll::Ready($crate::net::split::Stream::shutdown_write($stream))
            }
        }

        impl<$($generics)*> $crate::io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut $crate::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                let $this = self.get_mut();
                // SAFETY: `poll_read_uninit` only writes to this memory, never reads it or de-initializes it.
                let unfilled = unsafe { buf.unfilled_mut() };
                let n = std::task::ready!($crate::net::split::Stream::poll_read_uninit($stream, cx, unfilled))?;
                // SAFETY: the reader initialized the first `n` bytes of the unfilled part.
                unsafe { buf.assume_init(n) };
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
        }

        impl<$($generics)*> $crate::io::AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                let $this = self.get_mut();
                $crate::net::split::Stream::poll_write_shared($stream, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let $this = self.get_mut();
                $crate::net::split::Stream::poll_write_vectored_shared($stream, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                // Nothing is buffered here; the kernel sends what was written.
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let $this = self.get_mut();
                Poll::Ready($crate::net::split::Stream::shutdown_write($stream))
            }
        }

        #[cfg(feature = "hyper")]
        impl<$($generics)*> ::hyper::rt::Read for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                mut buf: ::hyper::rt::ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                let $this = self.get_mut();
                // SAFETY: `poll_read_uninit` only writes to this memory, never reads it or de-initializes it.
                let unfilled = unsafe { buf.as_mut() };
                let n = std::task::ready!($crate::net::split::Stream::poll_read_uninit($stream, cx, unfilled))?;
                // SAFETY: the reader initialized the first `n` bytes of the cursor's memory.
                unsafe { buf.advance(n) };
                Poll::Ready(Ok(()))
            }
        }

        #[cfg(feature = "hyper")]
        impl<$($generics)*> ::hyper::rt::Write for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                $crate::io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                $crate::io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                $crate::io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                $crate::io::AsyncWrite::poll_shutdown(self, cx)
            }
        }
    };
}

/// What TCP and Unix streams share, for a type `$ty { io: PollEvented<mio stream> }`: the readiness
/// methods, `split`/`into_split`, the `Stream` impl the halves use, and the io traits (`stream_io!`)
/// on the stream and on `&stream`.
macro_rules! byte_stream {
    ($ty:ident, $uses:literal, $pair:literal) => {
        impl $ty {
            /// Waits until the socket may be readable (data, EOF or an error). A following `try_read`
            /// can still say `WouldBlock`: readiness can be stale.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// server.writable().await?;
            /// server.try_write(b"ping")?;
            ///
            /// let mut buf = [0u8; 16];
            /// // Wait, then read without waiting; readiness can be stale, so go round on `WouldBlock`.
            /// let n = loop {
            ///     client.readable().await?;
            ///     match client.try_read(&mut buf) {
            ///         Ok(n) => break n,
            ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            ///         Err(e) => return Err(e),
            ///     }
            /// };
            /// assert_eq!(&buf[..n], b"ping");
            /// # Ok(())
            /// # }
            /// ```
            pub async fn readable(&self) -> io::Result<()> {
                self.ready(Interest::READABLE).await.map(drop)
            }

            /// Waits until the socket may be writable.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// // A fresh connection has room to write.
            /// client.writable().await?;
            /// let n = client.try_write(b"hello")?;
            /// assert_eq!(n, 5);
            /// # let _ = server;
            /// # Ok(())
            /// # }
            /// ```
            pub async fn writable(&self) -> io::Result<()> {
                self.ready(Interest::WRITABLE).await.map(drop)
            }

            /// Waits for readiness in one direction and returns what was seen. Any number of tasks
            /// may wait at once; each is woken.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use glasswing::io::Interest;
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// // Nothing to read yet, but room to write.
            /// let ready = client.ready(Interest::WRITABLE).await?;
            /// assert!(ready.is_writable());
            ///
            /// server.writable().await?;
            /// server.try_write(b"x")?;
            /// let ready = client.ready(Interest::READABLE).await?;
            /// assert!(ready.is_readable());
            /// # Ok(())
            /// # }
            /// ```
            pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
                Ok(self.io.readiness(interest).await?.ready)
            }

            /// Reads what is there without waiting; `WouldBlock` if nothing is. Pairs with `readable`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// // Nothing has been sent: the read would wait, so it fails at once.
            /// let mut buf = [0u8; 8];
            /// let err = client.try_read(&mut buf).unwrap_err();
            /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
            ///
            /// server.writable().await?;
            /// server.try_write(b"data")?;
            /// client.readable().await?;
            /// assert_eq!(client.try_read(&mut buf)?, 4);
            /// # Ok(())
            /// # }
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                self.io.try_io(Interest::READABLE, |mut s| std::io::Read::read(&mut s, buf))
            }

            /// Reads what is there into `buf`'s spare capacity without waiting, advancing it by what
            /// was read; `WouldBlock` if nothing is. Nothing is zeroed first on Unix.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// server.writable().await?;
            /// server.try_write(b"bytes")?;
            ///
            /// let mut buf = Vec::with_capacity(64);
            /// client.readable().await?;
            /// // Fills the `Vec`'s spare capacity and sets its length.
            /// let n = client.try_read_buf(&mut buf)?;
            /// assert_eq!(&buf[..n], b"bytes");
            /// # Ok(())
            /// # }
            /// ```
            pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
                self.io.try_io(Interest::READABLE, |s| {
                    let spare = buf.chunk_mut();
                    // SAFETY: `UninitSlice` is a `[MaybeUninit<u8>]` (same layout); the read only
                    // writes to it, so nothing initialized becomes uninitialized.
                    let spare = unsafe { spare.as_uninit_slice_mut() };
                    #[cfg(unix)]
                    let n = {
                        use std::os::unix::io::AsRawFd;
                        split::read_uninit(s.as_raw_fd(), spare)?
                    };
                    #[cfg(not(unix))]
                    let n = {
                        let mut s = s;
                        std::io::Read::read(&mut s, split::zeroed(spare))?
                    };
                    // SAFETY: the read initialized the first `n` bytes of the spare capacity.
                    unsafe { buf.advance_mut(n) };
                    Ok(n)
                })
            }

            /// Writes what fits without waiting; `WouldBlock` if nothing does. Pairs with `writable`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// server.writable().await?;
            /// let n = server.try_write(b"quick")?;
            /// assert_eq!(n, 5);
            ///
            /// let mut buf = [0u8; 5];
            /// client.readable().await?;
            /// client.try_read(&mut buf)?;
            /// assert_eq!(&buf, b"quick");
            /// # Ok(())
            /// # }
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                self.io.try_io(Interest::WRITABLE, |mut s| std::io::Write::write(&mut s, buf))
            }

            /// `try_read` into several buffers at once (`readv(2)`), filled in order.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use std::io::IoSliceMut;
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// server.writable().await?;
            /// server.try_write(b"headbody")?;
            ///
            /// let (mut head, mut body) = ([0u8; 4], [0u8; 4]);
            /// client.readable().await?;
            /// let n = client.try_read_vectored(&mut [IoSliceMut::new(&mut head), IoSliceMut::new(&mut body)])?;
            /// assert_eq!(n, 8);
            /// assert_eq!((&head, &body), (b"head", b"body"));
            /// # Ok(())
            /// # }
            /// ```
            pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
                self.io.try_io(Interest::READABLE, |mut s| std::io::Read::read_vectored(&mut s, bufs))
            }

            /// `try_write` from several buffers at once (`writev(2)`), taken in order.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use std::io::IoSlice;
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// server.writable().await?;
            /// let n = server.try_write_vectored(&[IoSlice::new(b"head"), IoSlice::new(b"body")])?;
            /// assert_eq!(n, 8);
            ///
            /// let mut buf = [0u8; 8];
            /// client.readable().await?;
            /// client.try_read(&mut buf)?;
            /// assert_eq!(&buf, b"headbody");
            /// # Ok(())
            /// # }
            /// ```
            pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
                self.io.try_io(Interest::WRITABLE, |mut s| std::io::Write::write_vectored(&mut s, bufs))
            }

            /// Polls for read readiness, for hand-written futures. It shares its waker slot with
            /// `poll_read` (the io traits): only the last task to poll for reading is woken.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// server.writable().await?;
            /// server.try_write(b"!")?;
            /// std::future::poll_fn(|cx| client.poll_read_ready(cx)).await?;
            /// let mut buf = [0u8; 1];
            /// assert_eq!(client.try_read(&mut buf)?, 1);
            /// # Ok(())
            /// # }
            /// ```
            pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.io.poll_ready(cx, Interest::READABLE).map(|r| r.map(drop))
            }

            /// Polls for write readiness; one waker slot, shared with `poll_write`.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// std::future::poll_fn(|cx| client.poll_write_ready(cx)).await?;
            /// assert_eq!(client.try_write(b"!")?, 1);
            /// # let _ = server;
            /// # Ok(())
            /// # }
            /// ```
            pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.io.poll_ready(cx, Interest::WRITABLE).map(|r| r.map(drop))
            }

            /// Runs `f`, an operation of the caller's on the socket (through its raw descriptor),
            /// if readiness for `interest` has been seen; `WouldBlock` without calling it otherwise.
            /// When `f` itself says `WouldBlock`, the readiness is cleared, so the next wait really
            /// waits. `f` must say `WouldBlock` only when the socket would block.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use glasswing::io::Interest;
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// server.writable().await?;
            /// server.try_write(b"raw")?;
            ///
            /// // A read the stream has no method for, through the socket itself (here with socket2).
            /// client.readable().await?;
            /// let mut buf = [0u8; 3];
            /// let n = client.try_io(Interest::READABLE, || {
            ///     let socket = socket2::SockRef::from(&client);
            ///     std::io::Read::read(&mut &*socket, &mut buf)
            /// })?;
            /// assert_eq!(&buf[..n], b"raw");
            /// # Ok(())
            /// # }
            /// ```
            pub fn try_io<R>(&self, interest: Interest, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
                self.io.try_io(interest, |_| f())
            }

            /// Waits for readiness for `interest` and runs `f`, again after each `WouldBlock`
            /// (clearing the readiness it saw), until it returns something else.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use glasswing::io::Interest;
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// server.writable().await?;
            /// server.try_write(b"raw")?;
            ///
            /// // Waits and retries by itself: no loop on `WouldBlock` here.
            /// let mut buf = [0u8; 3];
            /// let n = client
            ///     .async_io(Interest::READABLE, || {
            ///         let socket = socket2::SockRef::from(&client);
            ///         std::io::Read::read(&mut &*socket, &mut buf)
            ///     })
            ///     .await?;
            /// assert_eq!(&buf[..n], b"raw");
            /// # Ok(())
            /// # }
            /// ```
            pub async fn async_io<R>(
                &self,
                interest: Interest,
                mut f: impl FnMut() -> io::Result<R>,
            ) -> io::Result<R> {
                self.io.async_io(interest, |_| f()).await
            }

            /// Takes the pending error (`SO_ERROR`), if any.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// // A healthy connection has no error pending.
            /// assert!(client.take_error()?.is_none());
            /// # let _ = server;
            /// # Ok(())
            /// # }
            /// ```
            pub fn take_error(&self) -> io::Result<Option<io::Error>> {
                self.io.get_ref().take_error()
            }

            /// Borrowed halves: reading and writing from two futures of the same task (or `select!`).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// let mut client = client;
            /// let mut server = server;
            /// // An echo with the borrowed halves, in one task.
            /// let (mut reader, mut writer) = server.split();
            /// let echo = async {
            ///     let n = glasswing::io::copy(&mut reader, &mut writer).await?;
            ///     // `copy` does not shut the writer down: do it, so the client reads the end.
            ///     writer.shutdown().await?;
            ///     Ok::<_, std::io::Error>(n)
            /// };
            /// let talk = async {
            ///     client.write_all(b"echo").await?;
            ///     client.shutdown().await?;
            ///     let mut reply = Vec::new();
            ///     client.read_to_end(&mut reply).await.map(|_| reply)
            /// };
            /// let (echoed, reply) = glasswing::join!(echo, talk);
            /// assert_eq!(echoed?, 4);
            /// assert_eq!(reply?, b"echo");
            /// # Ok(())
            /// # }
            /// ```
            pub fn split(&mut self) -> (split::ReadHalf<'_, $ty>, split::WriteHalf<'_, $ty>) {
                (split::ReadHalf(self), split::WriteHalf(self))
            }

            /// Owned halves, to read in one task and write in another. Dropping the write half shuts
            /// down the write side, as in Tokio.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            /// let (mut reader, mut writer) = server.into_split();
            /// // The writer in its own task, the reader here.
            /// let writing = glasswing::spawn(async move { writer.write_all(b"from a task").await });
            /// let mut buf = [0u8; 11];
            /// let mut client = client;
            /// client.read_exact(&mut buf).await?;
            /// writing.await.unwrap()?;
            /// assert_eq!(&buf, b"from a task");
            /// client.write_all(b"back").await?;
            /// let mut back = [0u8; 4];
            /// reader.read_exact(&mut back).await?;
            /// assert_eq!(&back, b"back");
            /// # Ok(())
            /// # }
            /// ```
            pub fn into_split(self) -> (split::OwnedReadHalf<$ty>, split::OwnedWriteHalf<$ty>) {
                split::into_split(self)
            }
        }

        impl split::Stream for $ty {
            fn poll_read_shared(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                let len = buf.len();
                self.io.poll_transfer(cx, Interest::READABLE, len, |mut s| std::io::Read::read(&mut s, buf))
            }

            fn poll_read_uninit(
                &self,
                cx: &mut Context<'_>,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> Poll<io::Result<usize>> {
                #[cfg(unix)]
                {
                    use std::os::unix::io::AsRawFd;
                    let len = buf.len();
                    self.io.poll_transfer(cx, Interest::READABLE, len, |s| split::read_uninit(s.as_raw_fd(), buf))
                }
                #[cfg(not(unix))]
                {
                    split::Stream::poll_read_shared(self, cx, split::zeroed(buf))
                }
            }

            fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.io.poll_transfer(cx, Interest::WRITABLE, buf.len(), |mut s| std::io::Write::write(&mut s, buf))
            }

            fn poll_write_vectored_shared(
                &self,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.io.poll_io(cx, Interest::WRITABLE, |mut s| std::io::Write::write_vectored(&mut s, bufs))
            }

            fn shutdown_write(&self) -> io::Result<()> {
                match self.io.get_ref().shutdown(std::net::Shutdown::Write) {
                    // Already disconnected: the write side is as closed as it gets.
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
                    result => result,
                }
            }
        }

        split::stream_io!([] $ty, this => &*this);
        split::stream_io!(['a] &'a $ty, this => *this);
    };
}
pub(crate) use byte_stream;

/// `recv(2)` into memory that may be uninitialized. Returns how many bytes at the front of `buf` the
/// kernel wrote. `recv` rather than `read`: on a socket it skips the file-position lock that `read`
/// takes (`fdget_pos` showed in a profile of the HTTP server), as mio's and Tokio's socket reads do.
#[cfg(unix)]
pub(crate) fn read_uninit(
    fd: std::os::unix::io::RawFd,
    buf: &mut [std::mem::MaybeUninit<u8>],
) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the duration of the call, and recv(2)
    // only writes to it; whether it was initialized does not matter to the kernel.
    let n = unsafe { libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}
pub(crate) use stream_io;

/// `buf`, zeroed, as initialized bytes: where there is no `recv(2)` to read into uninitialized
/// memory, a read goes through `std::io::Read`. (`MaybeUninit::fill` does this from Rust 1.93, past
/// our MSRV.)
#[cfg(not(unix))]
pub(crate) fn zeroed(buf: &mut [std::mem::MaybeUninit<u8>]) -> &mut [u8] {
    for byte in buf.iter_mut() {
        byte.write(0);
    }
    // SAFETY: every byte of `buf` was just written, and `MaybeUninit<u8>` has `u8`'s layout.
    unsafe { &mut *(buf as *mut [std::mem::MaybeUninit<u8>] as *mut [u8]) }
}

stream_io!(['a, S: Stream] ReadHalf<'a, S>, this => this.0);
stream_io!(['a, S: Stream] WriteHalf<'a, S>, this => this.0);
stream_io!([S: Stream] OwnedReadHalf<S>, this => &*this.0);
stream_io!([S: Stream] OwnedWriteHalf<S>, this => &*this.stream);

/// The reading half of `split` (it can write too: both halves are views of one stream).
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
/// server.write_all(b"hi").await?;
/// let mut client = client;
/// let (mut reader, _writer) = client.split();
/// let mut buf = [0u8; 2];
/// reader.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ReadHalf<'a, S>(pub(crate) &'a S);

/// The writing half of `split`.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
/// let mut client = client;
/// let (_reader, mut writer) = client.split();
/// writer.write_all(b"hi").await?;
/// let mut buf = [0u8; 2];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct WriteHalf<'a, S>(pub(crate) &'a S);

/// The reading half of `into_split`.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
/// let (mut reader, writer) = client.into_split();
/// // The stream's options through `as_ref`.
/// assert!(!reader.as_ref().nodelay()?);
/// server.write_all(b"hi").await?;
/// let mut buf = [0u8; 2];
/// reader.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// # drop(writer);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct OwnedReadHalf<S>(Arc<S>);

/// The writing half of `into_split`; dropping it shuts down the write side, as in Tokio.
///
/// # Examples
///
/// ```
/// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
/// let (_reader, mut writer) = client.into_split();
/// writer.write_all(b"bye").await?;
/// // Dropping the write half shuts the write side down: the peer reads the end.
/// drop(writer);
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// assert_eq!(got, b"bye");
/// # Ok(())
/// # }
/// ```
pub struct OwnedWriteHalf<S: Stream> {
    stream: Arc<S>,
    shutdown_on_drop: bool,
}

pub(crate) fn into_split<S: Stream>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let shared = Arc::new(stream);
    (OwnedReadHalf(shared.clone()), OwnedWriteHalf { stream: shared, shutdown_on_drop: true })
}

impl<S: Stream> OwnedReadHalf<S> {
    /// Puts the stream back together with its own write half.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// let (reader, writer) = client.into_split();
    /// let mut client = reader.reunite(writer).expect("halves of one stream");
    /// client.write_all(b"whole").await?;
    /// let mut buf = [0u8; 5];
    /// server.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"whole");
    /// # Ok(())
    /// # }
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        reunite(self, other)
    }
}

impl<S: Stream> OwnedWriteHalf<S> {
    /// Puts the stream back together with its own read half.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// let (reader, writer) = client.into_split();
    /// let client = writer.reunite(reader).expect("halves of one stream");
    /// assert_eq!(client.peer_addr()?, server.local_addr()?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn reunite(self, other: OwnedReadHalf<S>) -> Result<S, ReuniteError<S>> {
        reunite(other, self)
    }

    /// Drops the write half without shutting down the write side: the stream closes when the read
    /// half is dropped too.
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::io::{AsyncReadExt, AsyncWriteExt};
    /// use glasswing::net::{TcpListener, TcpStream};
    ///
    /// # #[glasswing::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (mut server, _) = listener.accept().await?;
    /// let (mut reader, writer) = client.into_split();
    /// // No shutdown: the server can still send, and its reads do not see the end yet.
    /// writer.forget();
    /// server.write_all(b"still open").await?;
    /// let mut buf = [0u8; 10];
    /// reader.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"still open");
    /// # Ok(())
    /// # }
    /// ```
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }
}

/// The stream the halves share, for its addresses and options (`as_ref().nodelay()`).
impl<S> AsRef<S> for OwnedReadHalf<S> {
    fn as_ref(&self) -> &S {
        &self.0
    }
}

impl<S: Stream> AsRef<S> for OwnedWriteHalf<S> {
    fn as_ref(&self) -> &S {
        &self.stream
    }
}

impl<S> AsRef<S> for ReadHalf<'_, S> {
    fn as_ref(&self) -> &S {
        self.0
    }
}

impl<S> AsRef<S> for WriteHalf<'_, S> {
    fn as_ref(&self) -> &S {
        self.0
    }
}

/// Tokio's methods on the halves of `$ty`, each the stream's own: the read side's on the read halves,
/// the write side's on the write halves, the addresses on both.
macro_rules! half_methods {
    // `$uses`, `$pair`: a doc test's imports and a connected `client` and `server`; `$read_addr`,
    // `$write_addr`: assertions on the addresses of a `reader` and a `writer` half of `client`.
    ($ty:ty, $addr:ty, $uses:literal, $pair:literal, $read_addr:literal, $write_addr:literal) => {
        $crate::net::split::half_methods!(@read [] split::OwnedReadHalf<$ty>, $ty, $addr, $uses, $pair,
            "let (reader, writer) = client.into_split();", $read_addr);
        $crate::net::split::half_methods!(@read ['a] split::ReadHalf<'a, $ty>, $ty, $addr, $uses, $pair,
            "let mut client = client;\nlet (reader, writer) = client.split();", $read_addr);
        $crate::net::split::half_methods!(@write [] split::OwnedWriteHalf<$ty>, $ty, $addr, $uses, $pair,
            "let (reader, writer) = client.into_split();", $write_addr);
        $crate::net::split::half_methods!(@write ['a] split::WriteHalf<'a, $ty>, $ty, $addr, $uses, $pair,
            "let mut client = client;\nlet (reader, writer) = client.split();", $write_addr);
    };
    (@read [$($lt:tt)*] $half:ty, $ty:ty, $addr:ty, $uses:literal, $pair:literal, $halves:literal, $addr_check:literal) => {
        impl<$($lt)*> $half {
            /// The stream's `ready`, for this half's side.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use glasswing::io::Interest;
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            /// server.writable().await?;
            /// server.try_write(b"x")?;
            /// let ready = reader.ready(Interest::READABLE).await?;
            /// assert!(ready.is_readable());
            /// # drop(writer);
            /// # Ok(())
            /// # }
            /// ```
            pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
                <$ty>::ready(self.as_ref(), interest).await
            }

            /// Waits until the stream may be readable.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            /// server.writable().await?;
            /// server.try_write(b"x")?;
            /// reader.readable().await?;
            /// let mut buf = [0u8; 1];
            /// assert_eq!(reader.try_read(&mut buf)?, 1);
            /// # drop(writer);
            /// # Ok(())
            /// # }
            /// ```
            pub async fn readable(&self) -> io::Result<()> {
                <$ty>::readable(self.as_ref()).await
            }

            /// Reads what is there without waiting; `WouldBlock` if nothing is.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            /// let mut buf = [0u8; 4];
            /// // Nothing sent yet.
            /// assert_eq!(reader.try_read(&mut buf).unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
            /// server.writable().await?;
            /// server.try_write(b"data")?;
            /// reader.readable().await?;
            /// assert_eq!(reader.try_read(&mut buf)?, 4);
            /// # drop(writer);
            /// # Ok(())
            /// # }
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                <$ty>::try_read(self.as_ref(), buf)
            }

            /// `try_read` into several buffers.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use std::io::IoSliceMut;
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            /// server.writable().await?;
            /// server.try_write(b"abcd")?;
            /// let (mut a, mut b) = ([0u8; 2], [0u8; 2]);
            /// reader.readable().await?;
            /// assert_eq!(reader.try_read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])?, 4);
            /// assert_eq!((&a, &b), (b"ab", b"cd"));
            /// # drop(writer);
            /// # Ok(())
            /// # }
            /// ```
            pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
                <$ty>::try_read_vectored(self.as_ref(), bufs)
            }

            /// The peer's address.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            #[doc = $addr_check]
            /// # drop(writer);
            /// # Ok(())
            /// # }
            /// ```
            pub fn peer_addr(&self) -> io::Result<$addr> {
                <$ty>::peer_addr(self.as_ref())
            }

            /// This end's address.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            #[doc = $addr_check]
            /// # drop(writer);
            /// # Ok(())
            /// # }
            /// ```
            pub fn local_addr(&self) -> io::Result<$addr> {
                <$ty>::local_addr(self.as_ref())
            }
        }
    };

    (@write [$($lt:tt)*] $half:ty, $ty:ty, $addr:ty, $uses:literal, $pair:literal, $halves:literal, $addr_check:literal) => {
        impl<$($lt)*> $half {
            /// The stream's `ready`, for this half's side.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use glasswing::io::Interest;
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            /// let ready = writer.ready(Interest::WRITABLE).await?;
            /// assert!(ready.is_writable());
            /// # drop((reader, server));
            /// # Ok(())
            /// # }
            /// ```
            pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
                <$ty>::ready(self.as_ref(), interest).await
            }

            /// Waits until the stream may be writable.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            /// writer.writable().await?;
            /// assert_eq!(writer.try_write(b"hi")?, 2);
            /// # drop((reader, server));
            /// # Ok(())
            /// # }
            /// ```
            pub async fn writable(&self) -> io::Result<()> {
                <$ty>::writable(self.as_ref()).await
            }

            /// Writes what fits without waiting; `WouldBlock` if nothing does.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            /// writer.writable().await?;
            /// let n = writer.try_write(b"hello")?;
            /// let mut buf = [0u8; 5];
            /// server.readable().await?;
            /// assert_eq!(server.try_read(&mut buf)?, n);
            /// assert_eq!(&buf, b"hello");
            /// # drop(reader);
            /// # Ok(())
            /// # }
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                <$ty>::try_write(self.as_ref(), buf)
            }

            /// `try_write` from several buffers.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            /// use std::io::IoSlice;
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            /// writer.writable().await?;
            /// let n = writer.try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])?;
            /// assert_eq!(n, 4);
            /// # drop((reader, server));
            /// # Ok(())
            /// # }
            /// ```
            pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
                <$ty>::try_write_vectored(self.as_ref(), bufs)
            }

            /// The peer's address.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            #[doc = $addr_check]
            /// # drop(reader);
            /// # Ok(())
            /// # }
            /// ```
            pub fn peer_addr(&self) -> io::Result<$addr> {
                <$ty>::peer_addr(self.as_ref())
            }

            /// This end's address.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = $uses]
            ///
            /// # #[glasswing::main(flavor = "current_thread")]
            /// # async fn main() -> std::io::Result<()> {
            #[doc = $pair]
            #[doc = $halves]
            #[doc = $addr_check]
            /// # drop(reader);
            /// # Ok(())
            /// # }
            /// ```
            pub fn local_addr(&self) -> io::Result<$addr> {
                <$ty>::local_addr(self.as_ref())
            }
        }
    };
}
pub(crate) use half_methods;

impl<S: Stream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = self.stream.shutdown_write();
        }
    }
}

impl<S: Stream + fmt::Debug> fmt::Debug for OwnedWriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedWriteHalf").field(&self.stream).finish()
    }
}

fn reunite<S: Stream>(read: OwnedReadHalf<S>, mut write: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
    if !Arc::ptr_eq(&read.0, &write.stream) {
        return Err(ReuniteError(read, write));
    }
    write.shutdown_on_drop = false;
    let stream = write.stream.clone();
    drop(write);
    drop(read);
    Ok(Arc::try_unwrap(stream).ok().expect("both halves were just dropped"))
}

/// `reunite` was given halves of two different streams; both come back.
///
/// # Examples
///
/// ```
/// use glasswing::net::{TcpListener, TcpStream};
///
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let a = TcpStream::connect(listener.local_addr()?).await?;
/// let b = TcpStream::connect(listener.local_addr()?).await?;
/// let (a_read, _a_write) = a.into_split();
/// let (_b_read, b_write) = b.into_split();
/// let err = a_read.reunite(b_write).unwrap_err();
/// // Its `Display` says what went wrong; the halves are in `.0` and `.1`.
/// assert!(!err.to_string().is_empty());
/// # Ok(())
/// # }
/// ```
pub struct ReuniteError<S: Stream>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

impl<S: Stream + fmt::Debug> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReuniteError").field(&self.0).field(&self.1).finish()
    }
}

impl<S: Stream> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same stream")
    }
}

impl<S: Stream + fmt::Debug> std::error::Error for ReuniteError<S> {}
