//! Step 4 of docs/build-your-own/: a reactor on epoll, and sockets that wait in it.
//!
//! A socket in non-blocking mode answers `WouldBlock` instead of making the thread wait. The leaf
//! futures here turn that answer into `Pending`, after leaving their waker with the reactor under the
//! socket's token. When the executor has no task left to poll, it sleeps in `epoll_wait` instead of
//! on its queue; the kernel ends that sleep when a registered socket becomes ready, and the reactor
//! wakes the tasks that wait on it.
//!
//! The demo echoes 1 MiB over TCP on 127.0.0.1 between three tasks on one thread: a server, and a
//! client that writes from one task and reads from another. Linux only: epoll is a Linux call.
//!
//! Run it with `cargo run -p glasswing-examples --example step4_reactor`; the walk-through is
//! `docs/build-your-own/04-a-reactor.md`.

fn main() {
    #[cfg(target_os = "linux")]
    linux::main();
    #[cfg(not(target_os = "linux"))]
    println!("step 4 calls epoll, which only Linux has: run it on Linux");
}

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashMap;
    use std::future::{poll_fn, Future};
    use std::io::{self, Read, Write};
    use std::net::{Shutdown, SocketAddr};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::pin::Pin;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
    use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Wake, Waker};

    /// Which way a task waits on a socket.
    #[derive(Clone, Copy)]
    enum Direction {
        Read,
        Write,
    }

    /// The tasks waiting on one registered socket: at most one per direction, so that one task can
    /// read a socket while another writes it.
    #[derive(Default)]
    struct Waiters {
        reader: Option<Waker>,
        writer: Option<Waker>,
    }

    /// One epoll instance, and who waits on each socket registered with it.
    struct Reactor {
        epoll: OwnedFd,
        /// Keyed by token: the number the kernel hands back with each event for the socket.
        waiters: Mutex<HashMap<u64, Waiters>>,
        next_token: AtomicU64,
        /// Figures for the demo: calls to `epoll_wait`, events they returned, and polls that found
        /// a socket not ready.
        turns: AtomicUsize,
        events: AtomicUsize,
        read_waits: AtomicUsize,
        write_waits: AtomicUsize,
    }

    impl Reactor {
        fn new() -> io::Result<Arc<Reactor>> {
            // SAFETY: epoll_create1 takes no pointers; a negative result is an error, checked here.
            let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `fd` is a descriptor the kernel just made for us, owned by nothing else.
            let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
            Ok(Arc::new(Reactor {
                epoll,
                waiters: Mutex::new(HashMap::new()),
                next_token: AtomicU64::new(0),
                turns: AtomicUsize::new(0),
                events: AtomicUsize::new(0),
                read_waits: AtomicUsize::new(0),
                write_waits: AtomicUsize::new(0),
            }))
        }

        /// Adds `fd` to the epoll set, for both directions, edge-triggered. Returns its token.
        fn register(&self, fd: RawFd) -> io::Result<u64> {
            let token = self.next_token.fetch_add(1, Relaxed);
            self.waiters.lock().unwrap().insert(token, Waiters::default());
            let flags = libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET;
            let mut event = libc::epoll_event { events: flags as u32, u64: token };
            // SAFETY: `event` is a valid epoll_event for the duration of the call; the kernel copies it.
            if unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event) } < 0 {
                self.waiters.lock().unwrap().remove(&token);
                return Err(io::Error::last_os_error());
            }
            Ok(token)
        }

        /// Takes `fd` out of the epoll set and drops whatever wakers still wait on it.
        fn deregister(&self, fd: RawFd, token: u64) {
            // SAFETY: EPOLL_CTL_DEL ignores the event argument, which may be null (Linux 2.6.9 on).
            // An error (the fd was never added) leaves nothing to undo.
            unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), libc::EPOLL_CTL_DEL, fd, std::ptr::null_mut()) };
            self.waiters.lock().unwrap().remove(&token);
        }

        /// Leaves `waker` to be woken when the socket of `token` is next ready in `direction`.
        fn wait_for(&self, token: u64, direction: Direction, waker: &Waker) {
            let mut waiters = self.waiters.lock().unwrap();
            let waiters = waiters.get_mut(&token).expect("the socket is registered");
            let slot = match direction {
                Direction::Read => &mut waiters.reader,
                Direction::Write => &mut waiters.writer,
            };
            // Clone only if the waker is new: a task polled again keeps the same one.
            if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *slot = Some(waker.clone());
            }
        }

        /// Sleeps in `epoll_wait` until at least one registered socket is ready, then wakes the
        /// tasks that wait on the ready sockets.
        fn turn(&self) -> io::Result<()> {
            let mut events = [libc::epoll_event { events: 0, u64: 0 }; 64];
            let n = loop {
                // SAFETY: `events` has room for `events.len()` entries, which is what we pass.
                let n = unsafe {
                    libc::epoll_wait(self.epoll.as_raw_fd(), events.as_mut_ptr(), events.len() as i32, -1)
                };
                if n >= 0 {
                    break n as usize;
                }
                let error = io::Error::last_os_error();
                // A signal handler ran during the wait: wait again.
                if error.kind() != io::ErrorKind::Interrupted {
                    return Err(error);
                }
            };
            self.turns.fetch_add(1, Relaxed);
            self.events.fetch_add(n, Relaxed);
            let mut to_wake = Vec::new();
            {
                let mut waiters = self.waiters.lock().unwrap();
                for event in &events[..n] {
                    // Copied out: `epoll_event` is a packed struct on x86_64, its fields cannot be borrowed.
                    let (token, flags) = (event.u64, event.events as i32);
                    // Deregistered since the kernel queued the event: nobody waits on it.
                    let Some(waiters) = waiters.get_mut(&token) else { continue };
                    // A hang-up or an error ends every wait: the next read or write reports it.
                    let done = libc::EPOLLHUP | libc::EPOLLERR;
                    if flags & (libc::EPOLLIN | libc::EPOLLRDHUP | done) != 0 {
                        to_wake.extend(waiters.reader.take());
                    }
                    if flags & (libc::EPOLLOUT | done) != 0 {
                        to_wake.extend(waiters.writer.take());
                    }
                }
            }
            // Outside the lock: a wake runs code we do not control, which may register a socket.
            for waker in to_wake {
                waker.wake();
            }
            Ok(())
        }
    }

    /// A socket's place in the reactor. Declared before the socket in the structs below, so that it
    /// is dropped first, while the descriptor it names is still open.
    struct Registration {
        reactor: Arc<Reactor>,
        token: u64,
        fd: RawFd,
    }

    impl Registration {
        fn new(reactor: &Arc<Reactor>, fd: RawFd) -> io::Result<Registration> {
            Ok(Registration { reactor: reactor.clone(), token: reactor.register(fd)?, fd })
        }

        /// The one rule of every leaf future on a reactor: try the operation first, and wait only
        /// after the socket said `WouldBlock`.
        fn poll_io<T>(
            &self,
            cx: &mut Context<'_>,
            direction: Direction,
            mut op: impl FnMut() -> io::Result<T>,
        ) -> Poll<io::Result<T>> {
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let counter = match direction {
                        Direction::Read => &self.reactor.read_waits,
                        Direction::Write => &self.reactor.write_waits,
                    };
                    counter.fetch_add(1, Relaxed);
                    self.reactor.wait_for(self.token, direction, cx.waker());
                    Poll::Pending
                }
                result => Poll::Ready(result),
            }
        }
    }

    impl Drop for Registration {
        fn drop(&mut self) {
            self.reactor.deregister(self.fd, self.token);
        }
    }

    struct TcpListener {
        registration: Registration,
        inner: std::net::TcpListener,
    }

    impl TcpListener {
        fn bind(addr: &str, reactor: &Arc<Reactor>) -> io::Result<TcpListener> {
            let inner = std::net::TcpListener::bind(addr)?;
            inner.set_nonblocking(true)?;
            Ok(TcpListener { registration: Registration::new(reactor, inner.as_raw_fd())?, inner })
        }

        fn local_addr(&self) -> io::Result<SocketAddr> {
            self.inner.local_addr()
        }

        async fn accept(&self) -> io::Result<TcpStream> {
            let (stream, _peer) =
                poll_fn(|cx| self.registration.poll_io(cx, Direction::Read, || self.inner.accept())).await?;
            TcpStream::new(stream, &self.registration.reactor)
        }
    }

    struct TcpStream {
        registration: Registration,
        inner: std::net::TcpStream,
    }

    impl TcpStream {
        /// Connects with std's blocking `connect`, which on loopback returns as soon as the kernel
        /// has completed the handshake, before anyone calls `accept`. A real runtime connects in
        /// non-blocking mode too; see the chapter.
        fn connect(addr: SocketAddr, reactor: &Arc<Reactor>) -> io::Result<TcpStream> {
            TcpStream::new(std::net::TcpStream::connect(addr)?, reactor)
        }

        fn new(inner: std::net::TcpStream, reactor: &Arc<Reactor>) -> io::Result<TcpStream> {
            inner.set_nonblocking(true)?;
            Ok(TcpStream { registration: Registration::new(reactor, inner.as_raw_fd())?, inner })
        }

        /// `&self`, not `&mut self`: std implements `Read` and `Write` for `&std::net::TcpStream`, so
        /// two tasks can share one stream, one reading and one writing.
        async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
            poll_fn(|cx| self.registration.poll_io(cx, Direction::Read, || (&self.inner).read(buf))).await
        }

        async fn write(&self, buf: &[u8]) -> io::Result<usize> {
            poll_fn(|cx| self.registration.poll_io(cx, Direction::Write, || (&self.inner).write(buf))).await
        }

        async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
            while !buf.is_empty() {
                let n = self.write(buf).await?;
                buf = &buf[n..];
            }
            Ok(())
        }

        /// Tells the peer that nothing more will be written: its reads return 0 once it has read
        /// everything before.
        fn shutdown_write(&self) -> io::Result<()> {
            self.inner.shutdown(Shutdown::Write)
        }
    }

    // The executor of step 2, unchanged but for `run`, which now sleeps in the reactor.

    struct Task {
        future: Mutex<Option<Pin<Box<dyn Future<Output = ()> + Send>>>>,
        queue: Sender<Arc<Task>>,
    }

    impl Wake for Task {
        fn wake(self: Arc<Self>) {
            let queue = self.queue.clone();
            let _ = queue.send(self);
        }
    }

    struct Spawner {
        queue: Sender<Arc<Task>>,
    }

    impl Spawner {
        fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
            let task =
                Arc::new(Task { future: Mutex::new(Some(Box::pin(future))), queue: self.queue.clone() });
            self.queue.send(task).expect("the executor is gone");
        }
    }

    struct Executor {
        ready: Receiver<Arc<Task>>,
        reactor: Arc<Reactor>,
    }

    fn new_executor(reactor: Arc<Reactor>) -> (Executor, Spawner) {
        let (queue, ready) = channel();
        (Executor { ready, reactor }, Spawner { queue })
    }

    impl Executor {
        /// Polls woken tasks; with none left to poll, waits in the reactor for sockets to become
        /// ready. Returns once the spawner and every task are gone.
        fn run(self) -> io::Result<()> {
            loop {
                let task = match self.ready.try_recv() {
                    Ok(task) => task,
                    Err(TryRecvError::Disconnected) => return Ok(()),
                    Err(TryRecvError::Empty) => {
                        // Every task waits. If any is to run again, a socket must become ready.
                        self.reactor.turn()?;
                        continue;
                    }
                };
                let mut slot = task.future.lock().unwrap();
                let Some(future) = slot.as_mut() else { continue };
                let waker = Waker::from(task.clone());
                let mut cx = Context::from_waker(&waker);
                if future.as_mut().poll(&mut cx).is_ready() {
                    *slot = None;
                }
            }
        }
    }

    /// Accepts one connection and sends back everything it reads, until the peer stops writing.
    async fn echo_one(listener: TcpListener) -> io::Result<()> {
        let stream = listener.accept().await?;
        let mut buf = vec![0; 64 * 1024];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return stream.shutdown_write();
            }
            stream.write_all(&buf[..n]).await?;
        }
    }

    const MESSAGE_LEN: usize = 1 << 20;

    /// Sets a socket buffer's size (`SO_SNDBUF` or `SO_RCVBUF`), which std has no method for.
    fn set_buffer_size(fd: RawFd, option: libc::c_int, bytes: libc::c_int) -> io::Result<()> {
        let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: the value pointer and its length describe `bytes`, which outlives the call.
        let rc = unsafe {
            libc::setsockopt(fd, libc::SOL_SOCKET, option, (&bytes as *const libc::c_int).cast(), len)
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    pub fn main() {
        let reactor = Reactor::new().expect("epoll_create1");
        let (executor, spawner) = new_executor(reactor.clone());

        let listener = TcpListener::bind("127.0.0.1:0", &reactor).unwrap();
        let addr = listener.local_addr().unwrap();
        // Small buffers between the client's writes and the server's reads (the accepted socket
        // inherits the listener's), so that 1 MiB cannot fit in them: the client's writer must
        // find the socket full and wait, as it would with a slow peer. The kernel rounds the sizes.
        set_buffer_size(listener.inner.as_raw_fd(), libc::SO_RCVBUF, 16 * 1024).unwrap();
        spawner.spawn(async move { echo_one(listener).await.unwrap() });

        let client = Arc::new(TcpStream::connect(addr, &reactor).unwrap());
        set_buffer_size(client.inner.as_raw_fd(), libc::SO_SNDBUF, 16 * 1024).unwrap();
        // Not all the same byte, so that a lost or reordered chunk would show.
        let message: Vec<u8> = (0..MESSAGE_LEN).map(|i| (i % 251) as u8).collect();
        let echoed = Arc::new(Mutex::new(Vec::new()));

        let (writer, sent) = (client.clone(), message.clone());
        spawner.spawn(async move {
            writer.write_all(&sent).await.unwrap();
            writer.shutdown_write().unwrap();
        });
        let (reader, received) = (client, echoed.clone());
        spawner.spawn(async move {
            let mut buf = vec![0; 64 * 1024];
            loop {
                let n = reader.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                received.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });

        drop(spawner);
        executor.run().unwrap();

        let echoed = echoed.lock().unwrap();
        println!("echoed {} of {} bytes", echoed.len(), message.len());
        println!(
            "{} epoll_wait calls returned {} events; reads found no data {} times, writes found no room {} times",
            reactor.turns.load(Relaxed),
            reactor.events.load(Relaxed),
            reactor.read_waits.load(Relaxed),
            reactor.write_waits.load(Relaxed),
        );
        assert!(*echoed == message, "the echo differs from what was sent");
        // The server's first read came before the client's first write, and the writer filled the
        // small buffers before the server could read: both had to wait, and epoll woke them.
        assert!(reactor.read_waits.load(Relaxed) >= 1);
        assert!(reactor.write_waits.load(Relaxed) >= 1);
        assert!(reactor.turns.load(Relaxed) >= 1);
        assert!(reactor.waiters.lock().unwrap().is_empty(), "every socket deregistered on drop");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_step_runs() {
        super::main();
    }
}
