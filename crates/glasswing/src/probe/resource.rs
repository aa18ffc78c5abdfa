//! Resources: what the `sync` primitives write about who holds them and who waits on them, for task
//! dumps, snapshots and the watchdog's deadlock search to read.
//!
//! Every primitive (a `Mutex`, a channel, ...) owns one [`ResourceRecord`], in an `Arc` of its own:
//! its kind, where it was created, its name, its **holders** (the tasks that hold its permits, where
//! they locked it and since when) and, for channels, **which tasks hold its senders**. The record is
//! the only part of a primitive the diagnostics read, and it is apart from the primitive for one
//! reason: a reader must never follow a pointer into a primitive that may have moved or gone (a
//! `Mutex` is not pinned, and a waiting future can be leaked). What points at a record owns a count
//! of it, so a record outlives every reader.
//!
//! **Waits** are kept in a process-wide registry ([`Waiting`]): a future that must wait (its
//! primitive is contended) registers the wait (the record, its task, since when, what it does),
//! and unregisters it when it stops waiting, served or dropped. The registry is sharded by thread, so
//! two workers registering waits do not meet on one lock.
//!
//! The costs follow from where they are paid. Holding (the uncontended path) writes a holder slot:
//! three stores for a sole holder (a `Mutex`'s), a compare-and-swap and two for one of many, the
//! task id and the time read from thread-locals (the start of the worker's timed poll, or its recent
//! time: no clock read), no lock and no allocation. Waiting (the contended path) takes its shard's
//! lock twice and counts on the record's `Arc`. A primitive's record is allocated when the primitive
//! is (a `const_new` one, a oneshot's and a `Notify`'s: when first needed).

use super::{clock, poll, TaskId};
use std::panic::Location;
use std::ptr;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, OnceLock};

/// Holders a record keeps by name; more at once are counted, not named (see [`ResourceRecord::untracked_holders`]).
pub(crate) const HOLDER_SLOTS: usize = 4;
/// Tasks a channel's senders are counted in by name; senders in more are counted as unplaced.
const SENDER_SLOTS: usize = 4;
/// The "task" of a holder or sender outside any task: a plain thread (`blocking_lock`).
pub(crate) const THREAD: u64 = u64::MAX;

/// What kind of primitive a resource is.
///
/// # Examples
///
/// A task waits on an empty channel; a snapshot says what it waits on:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::{ResourceKind, WaitOp};
///
/// let (tx, mut rx) = glasswing::sync::mpsc::channel::<u32>(4);
/// let task = glasswing::spawn(async move { rx.recv().await });
/// // Until the task has run and waits.
/// let snapshot = loop {
///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
///     if !snapshot.resources.is_empty() {
///         break snapshot;
///     }
///     glasswing::task::yield_now().await;
/// };
/// assert_eq!(snapshot.resources[0].kind, ResourceKind::Mpsc);
/// assert_eq!(snapshot.resources[0].waiters[0].op, WaitOp::Recv);
/// tx.send(1).await.unwrap();
/// assert_eq!(task.await.unwrap(), Some(1));
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[repr(u8)]
pub enum ResourceKind {
    /// A [`sync::Mutex`](crate::sync::Mutex).
    Mutex,
    /// A [`sync::RwLock`](crate::sync::RwLock).
    RwLock,
    /// A [`sync::Semaphore`](crate::sync::Semaphore).
    Semaphore,
    /// A [`sync::Notify`](crate::sync::Notify).
    Notify,
    /// A [`sync::Barrier`](crate::sync::Barrier).
    Barrier,
    /// A [`sync::OnceCell`](crate::sync::OnceCell).
    OnceCell,
    /// A [`sync::SetOnce`](crate::sync::SetOnce).
    SetOnce,
    /// A bounded `mpsc` channel.
    Mpsc,
    /// An unbounded `mpsc` channel.
    UnboundedMpsc,
    /// A `oneshot` channel.
    Oneshot,
    /// A `broadcast` channel.
    Broadcast,
    /// A `watch` channel.
    Watch,
}

const KINDS: [ResourceKind; 12] = [
    ResourceKind::Mutex,
    ResourceKind::RwLock,
    ResourceKind::Semaphore,
    ResourceKind::Notify,
    ResourceKind::Barrier,
    ResourceKind::OnceCell,
    ResourceKind::SetOnce,
    ResourceKind::Mpsc,
    ResourceKind::UnboundedMpsc,
    ResourceKind::Oneshot,
    ResourceKind::Broadcast,
    ResourceKind::Watch,
];
const OPS: [WaitOp; 11] = [
    WaitOp::Lock,
    WaitOp::Read,
    WaitOp::Write,
    WaitOp::Acquire,
    WaitOp::Recv,
    WaitOp::Send,
    WaitOp::Notified,
    WaitOp::Changed,
    WaitOp::Wait,
    WaitOp::Init,
    WaitOp::Closed,
];

/// A kind and an operation in one word, for the flight recorder.
pub(crate) fn pack(kind: ResourceKind, op: WaitOp) -> u64 {
    (kind as u64) << 8 | op as u64
}

/// The inverse of `pack`.
pub(crate) fn unpack(word: u64) -> Option<(ResourceKind, WaitOp)> {
    Some((*KINDS.get((word >> 8) as usize)?, *OPS.get((word & 0xff) as usize)?))
}

impl ResourceKind {
    /// The name a person reads: the type's (`Mutex`, `mpsc`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::ResourceKind;
    ///
    /// assert_eq!(ResourceKind::Mutex.as_str(), "Mutex");
    /// assert_eq!(ResourceKind::UnboundedMpsc.as_str(), "unbounded mpsc");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Mutex => "Mutex",
            ResourceKind::RwLock => "RwLock",
            ResourceKind::Semaphore => "Semaphore",
            ResourceKind::Notify => "Notify",
            ResourceKind::Barrier => "Barrier",
            ResourceKind::OnceCell => "OnceCell",
            ResourceKind::SetOnce => "SetOnce",
            ResourceKind::Mpsc => "mpsc",
            ResourceKind::UnboundedMpsc => "unbounded mpsc",
            ResourceKind::Oneshot => "oneshot",
            ResourceKind::Broadcast => "broadcast",
            ResourceKind::Watch => "watch",
        }
    }

    /// Whether its holders are who a waiter waits for (a lock's, a semaphore's), rather than its
    /// senders (a channel's) or anyone at all (a `Notify`'s).
    pub(crate) fn has_holders(self) -> bool {
        matches!(self, ResourceKind::Mutex | ResourceKind::RwLock | ResourceKind::Semaphore)
    }

    /// Whether a waiter waits for its senders.
    pub(crate) fn has_senders(self) -> bool {
        matches!(self, ResourceKind::Mpsc | ResourceKind::UnboundedMpsc | ResourceKind::Oneshot)
    }
}

/// What a waiting future does.
///
/// # Examples
///
/// A task waits for a lock that the main task holds:
///
/// ```
/// # #[glasswing::main(flavor = "current_thread")]
/// # async fn main() {
/// use glasswing::diag::WaitOp;
/// use std::sync::Arc;
///
/// let lock = Arc::new(glasswing::sync::Mutex::new(()));
/// let guard = lock.lock().await;
/// let task = glasswing::spawn({
///     let lock = lock.clone();
///     async move { drop(lock.lock().await) }
/// });
/// // Until the task has run and waits.
/// let snapshot = loop {
///     let snapshot = glasswing::runtime::Handle::current().diagnostics().snapshot();
///     if !snapshot.resources.is_empty() {
///         break snapshot;
///     }
///     glasswing::task::yield_now().await;
/// };
/// assert_eq!(snapshot.resources[0].waiters[0].op, WaitOp::Lock);
/// drop(guard);
/// task.await.unwrap();
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum WaitOp {
    /// `Mutex::lock` and its variants: waiting for the lock.
    Lock,
    /// `RwLock::read` and its variants: waiting for shared access.
    Read,
    /// `RwLock::write` and its variants: waiting for exclusive access.
    Write,
    /// `Semaphore::acquire` and its variants: waiting for permits.
    Acquire,
    /// A channel's `recv`: waiting for a message.
    Recv,
    /// A bounded `mpsc` channel's `send` or `reserve`: waiting for room.
    Send,
    /// `Notify::notified`: waiting for a notification.
    Notified,
    /// `watch::Receiver::changed`: waiting for a new value.
    Changed,
    /// `Barrier::wait` or `SetOnce::wait`: waiting for the others, or for the value.
    Wait,
    /// `OnceCell::get_or_init`: waiting while another task initializes the cell.
    Init,
    /// `Sender::closed`: waiting for the receiver to go.
    Closed,
}

impl WaitOp {
    /// The name a person reads: the method's (`lock`, `recv`).
    ///
    /// # Examples
    ///
    /// ```
    /// use glasswing::diag::WaitOp;
    ///
    /// assert_eq!(WaitOp::Lock.as_str(), "lock");
    /// assert_eq!(WaitOp::Recv.as_str(), "recv");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            WaitOp::Lock => "lock",
            WaitOp::Read => "read",
            WaitOp::Write => "write",
            WaitOp::Acquire => "acquire",
            WaitOp::Recv => "recv",
            WaitOp::Send => "send",
            WaitOp::Notified => "notified",
            WaitOp::Changed => "changed",
            WaitOp::Wait => "wait",
            WaitOp::Init => "init",
            WaitOp::Closed => "closed",
        }
    }
}

/// One holder: a task (or [`THREAD`]) that holds permits, where it took them and since when. Free
/// when `task` is 0.
struct HolderSlot {
    task: AtomicU64,
    at: AtomicPtr<Location<'static>>,
    since: AtomicU64,
}

impl HolderSlot {
    const fn new() -> Self {
        HolderSlot { task: AtomicU64::new(0), at: AtomicPtr::new(ptr::null_mut()), since: AtomicU64::new(0) }
    }
}

/// Which slot a hold took, for its release: kept by the guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HolderToken(u8);

impl HolderToken {
    /// The first slot: the one a sole holder always takes.
    pub(crate) const FIRST: HolderToken = HolderToken(0);
    /// A hold not recorded at all (the permits of a guard made by splitting another).
    pub(crate) const UNTRACKED: HolderToken = HolderToken(u8::MAX - 1);
    /// A hold counted, holder not known (past the slots, or whose guard may move to another task).
    pub(crate) const COUNTED: HolderToken = HolderToken(u8::MAX);
}

/// A primitive's diagnostics record. See the module doc.
pub(crate) struct ResourceRecord {
    kind: ResourceKind,
    created_at: &'static Location<'static>,
    name: OnceLock<Box<str>>,
    holders: [HolderSlot; HOLDER_SLOTS],
    /// Holds that found every slot taken: who they are is not known.
    untracked_holders: AtomicUsize,
    /// Per slot: a task id (high 44 bits) and how many senders it holds (low 20 bits); 0 is free.
    sender_tasks: [AtomicU64; SENDER_SLOTS],
    /// Senders whose task is not known: not used in any task since they were made, or in a task
    /// that found no free slot.
    unplaced_senders: AtomicUsize,
}

const COUNT_BITS: u32 = 20;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;

impl ResourceRecord {
    fn new(kind: ResourceKind, created_at: &'static Location<'static>) -> ResourceRecord {
        ResourceRecord {
            kind,
            created_at,
            name: OnceLock::new(),
            holders: [const { HolderSlot::new() }; HOLDER_SLOTS],
            untracked_holders: AtomicUsize::new(0),
            sender_tasks: [const { AtomicU64::new(0) }; SENDER_SLOTS],
            unplaced_senders: AtomicUsize::new(0),
        }
    }

    pub(crate) fn kind(&self) -> ResourceKind {
        self.kind
    }

    pub(crate) fn created_at(&self) -> &'static Location<'static> {
        self.created_at
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.name.get().map(|n| &**n)
    }

    /// Records a hold by this thread's task (or by the thread, outside any task), taken at `at`.
    /// Lock-free and allocation-free: the uncontended path of every lock runs it.
    #[inline]
    pub(crate) fn hold(&self, at: &'static Location<'static>) -> HolderToken {
        let task = poll::current_task_id().map_or(THREAD, TaskId::get);
        for (i, slot) in self.holders.iter().enumerate() {
            if slot.task.load(Relaxed) == 0 && slot.task.compare_exchange(0, task, Acquire, Relaxed).is_ok() {
                slot.at.store(at as *const _ as *mut _, Relaxed);
                slot.since.store(poll::cheap_time(), Release);
                return HolderToken(i as u8);
            }
        }
        self.untracked_holders.fetch_add(1, Relaxed);
        HolderToken::COUNTED
    }

    /// `hold`, for a holder that is alone by construction (a `Mutex`'s, a `RwLock`'s writer): the
    /// first slot is free, as every earlier hold ended before its permits came back, so it is
    /// written without a compare-and-swap; the task last, so that a reader who sees it sees the
    /// rest.
    #[inline]
    pub(crate) fn hold_first(&self, at: &'static Location<'static>) {
        let slot = &self.holders[0];
        debug_assert_eq!(slot.task.load(Relaxed), 0, "a sole hold found another");
        slot.at.store(at as *const _ as *mut _, Relaxed);
        slot.since.store(poll::cheap_time(), Relaxed);
        slot.task.store(poll::current_task_id().map_or(THREAD, TaskId::get), Release);
    }

    /// Records a hold whose holder is not known: a guard or permit that owns its primitive
    /// (`lock_owned`, `acquire_owned`) is made to be moved into another task, so the task that took
    /// it says nothing of who holds it. Counted, so that a waiter is never thought to wait on the
    /// wrong task.
    #[inline]
    pub(crate) fn hold_unknown(&self) -> HolderToken {
        self.untracked_holders.fetch_add(1, Relaxed);
        HolderToken::COUNTED
    }

    /// Ends the hold `token` recorded.
    #[inline]
    pub(crate) fn release(&self, token: HolderToken) {
        match token {
            HolderToken::UNTRACKED => {}
            HolderToken::COUNTED => {
                self.untracked_holders.fetch_sub(1, Relaxed);
            }
            HolderToken(i) => self.holders[i as usize].task.store(0, Release),
        }
    }

    /// The holders recorded now, by the task that locked: a borrowed guard stays in it. (Owned
    /// guards and permits, which move between tasks, are counted by `hold_unknown` instead.)
    pub(crate) fn holders(&self) -> impl Iterator<Item = Holder> + '_ {
        self.holders.iter().filter_map(|slot| {
            let task = slot.task.load(Acquire);
            (task != 0).then(|| Holder {
                task: (task != THREAD).then(|| super::task_id(task)),
                // SAFETY: only `&'static Location`s are stored in `at` (by `hold`), or null.
                at: unsafe { slot.at.load(Relaxed).as_ref() },
                since: slot.since.load(Relaxed),
            })
        })
    }

    /// Holds whose holder is not known (more than the slots at once).
    pub(crate) fn untracked_holders(&self) -> usize {
        self.untracked_holders.load(Relaxed)
    }

    /// A new sender (a channel's creation, a clone): its task is not known until it is used.
    #[inline]
    pub(crate) fn add_sender(&self) -> SenderPlace {
        self.unplaced_senders.fetch_add(1, Relaxed);
        SenderPlace(AtomicU64::new(0))
    }

    /// The sender at `place` is used by this thread's task: it lives there now. Costs one
    /// thread-local read when it has not moved.
    #[inline]
    pub(crate) fn sender_used(&self, place: &SenderPlace) {
        let task = poll::current_task_id().map_or(0, TaskId::get);
        let cur = place.0.load(Relaxed);
        if task == cur || task == 0 || task >= (1 << (64 - COUNT_BITS)) {
            return;
        }
        // Used again in the task that found every slot taken: tried again only once one is free.
        // A fan-in's thousands of senders otherwise each retried on every send, with two
        // read-modify-writes of the record's counters, which every sender's task shares.
        // (A slot this task took meanwhile, through another sender, counts as free for it.)
        if cur == task | UNPLACED
            && self.sender_tasks.iter().all(|slot| {
                let held = slot.load(Relaxed);
                held != 0 && held >> COUNT_BITS != task
            })
        {
            return;
        }
        self.move_sender(place, task);
    }

    #[cold]
    fn move_sender(&self, place: &SenderPlace, task: u64) {
        let old = place.0.load(Relaxed);
        // Two threads using one sender at once: the one that marks it moving moves it.
        if old == MOVING || place.0.compare_exchange(old, MOVING, Relaxed, Relaxed).is_err() {
            return;
        }
        let placed = self.count_sender(task);
        self.uncount_sender(old);
        if !placed {
            self.unplaced_senders.fetch_add(1, Relaxed);
        }
        place.0.store(if placed { task } else { task | UNPLACED }, Relaxed);
    }

    fn count_sender(&self, task: u64) -> bool {
        let key = task << COUNT_BITS;
        for slot in &self.sender_tasks {
            let mut cur = slot.load(Relaxed);
            loop {
                let new = if cur >> COUNT_BITS == task && cur & COUNT_MASK < COUNT_MASK {
                    cur + 1
                } else if cur == 0 {
                    key | 1
                } else {
                    break;
                };
                match slot.compare_exchange_weak(cur, new, Relaxed, Relaxed) {
                    Ok(_) => return true,
                    Err(now) => cur = now,
                }
            }
        }
        false
    }

    /// The sender at `place` is dropped.
    pub(crate) fn remove_sender(&self, place: &SenderPlace) {
        self.uncount_sender(place.0.load(Relaxed));
    }

    /// Counts one sender of `task` (0 or `UNPLACED` set: unplaced) out.
    fn uncount_sender(&self, task: u64) {
        if task == 0 || task & UNPLACED != 0 {
            self.unplaced_senders.fetch_sub(1, Relaxed);
            return;
        }
        for slot in &self.sender_tasks {
            let cur = slot.load(Relaxed);
            if cur >> COUNT_BITS == task {
                // Counted down to 1 it frees the slot (0), as its count and task both go.
                let res = slot.fetch_update(Relaxed, Relaxed, |cur| {
                    (cur >> COUNT_BITS == task).then(|| if cur & COUNT_MASK == 1 { 0 } else { cur - 1 })
                });
                if res.is_ok() {
                    return;
                }
            }
        }
        debug_assert!(false, "a placed sender's task has no slot");
    }

    /// The tasks the channel's senders live in, with how many each; and how many senders live
    /// where it is not known.
    pub(crate) fn sender_tasks(&self) -> (Vec<(TaskId, usize)>, usize) {
        let placed = self
            .sender_tasks
            .iter()
            .map(|slot| slot.load(Relaxed))
            .filter(|&v| v != 0)
            .map(|v| (super::task_id(v >> COUNT_BITS), (v & COUNT_MASK) as usize))
            .collect();
        (placed, self.unplaced_senders.load(Relaxed))
    }
}

impl ResourceRecord {
    /// `Mutex "config" (created at src/state.rs:12)`: the resource as every report names it.
    pub(crate) fn title(&self) -> String {
        let at = self.created_at;
        match self.name() {
            Some(name) => {
                format!("{} \"{name}\" (created at {}:{})", self.kind.as_str(), at.file(), at.line())
            }
            None => format!("{} (created at {}:{})", self.kind.as_str(), at.file(), at.line()),
        }
    }

    /// `, held by task 7 since 3.2s (locked at src/reload.rs:40)`, one clause per holder (and a
    /// count of those not known); empty when nobody holds it.
    pub(crate) fn holders_clause(&self) -> String {
        let now = clock::now();
        let verb = match self.kind {
            ResourceKind::Semaphore => "acquired",
            _ => "locked",
        };
        let mut clauses: Vec<String> = self
            .holders()
            .map(|h| {
                let who = match h.task {
                    Some(task) => format!("task {task}"),
                    None => "a thread outside the runtime".to_string(),
                };
                // 0: taken on a worker that times nothing (diagnostics off there).
                let since = match h.since {
                    0 => String::new(),
                    t => format!(" since {}", clock::fmt_duration(clock::duration_between(t, now))),
                };
                match h.at {
                    Some(at) => format!("{who}{since} ({verb} at {}:{})", at.file(), at.line()),
                    None => format!("{who}{since}"),
                }
            })
            .collect();
        let untracked = self.untracked_holders();
        if untracked > 0 {
            clauses.push(format!("{untracked} more"));
        }
        if clauses.is_empty() {
            String::new()
        } else {
            format!(", held by {}", clauses.join(", "))
        }
    }

    /// `2 senders alive in tasks 3, 9` (with those whose task is not known counted apart).
    pub(crate) fn senders_clause(&self) -> String {
        let (placed, unplaced) = self.sender_tasks();
        let alive = placed.iter().map(|(_, n)| n).sum::<usize>() + unplaced;
        let mut out = format!("{alive} sender{} alive", if alive == 1 { "" } else { "s" });
        if !placed.is_empty() {
            let tasks: Vec<String> = placed.iter().map(|(t, _)| t.to_string()).collect();
            out += &format!(" in task{} {}", if tasks.len() == 1 { "" } else { "s" }, tasks.join(", "));
            if unplaced > 0 {
                out += &format!(" and {unplaced} not used in any task yet");
            }
        }
        out
    }

    /// What a waiting leaf says in a task dump: `lock on Mutex "config" (created at ...), held by
    /// task 7 since 3.2s (locked at ...)`.
    pub(crate) fn describe_wait(&self, op: WaitOp) -> String {
        format!("{} on {}{}", op.as_str(), self.title(), self.holders_clause())
    }
}

/// Where one sender lives: a task id; 0 when not known; the task that last used it with `UNPLACED`
/// set when that task found no free slot (the sender is counted as unplaced); `MOVING` while a use
/// moves it. Kept by the sender (atomic: a sender is used through `&self`, from any thread).
#[derive(Debug, Default)]
pub(crate) struct SenderPlace(AtomicU64);

/// In a `SenderPlace`: its task found no free slot. Task ids are below `1 << (64 - COUNT_BITS)`.
const UNPLACED: u64 = 1 << 63;
/// In a `SenderPlace`: a use is moving it.
const MOVING: u64 = u64::MAX;

/// One holder, as read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Holder {
    /// `None`: a thread outside any task.
    pub(crate) task: Option<TaskId>,
    pub(crate) at: Option<&'static Location<'static>>,
    pub(crate) since: clock::Ticks,
}

/// The resource part of a primitive: its kind and creation site, and its record, made with it (or,
/// for a `const` primitive, when first used).
pub(crate) struct Resource {
    kind: ResourceKind,
    created_at: &'static Location<'static>,
    record: OnceLock<Arc<ResourceRecord>>,
}

impl Resource {
    /// A resource created at the caller's location, with its record.
    #[track_caller]
    pub(crate) fn new(kind: ResourceKind) -> Resource {
        Resource::new_at(kind, Location::caller())
    }

    /// A resource created at `created_at`, with its record: for a primitive that remakes its core
    /// (an emptied `OnceCell`) and stays, to the diagnostics, where it was first created.
    pub(crate) fn new_at(kind: ResourceKind, created_at: &'static Location<'static>) -> Resource {
        Resource { kind, created_at, record: OnceLock::from(Arc::new(ResourceRecord::new(kind, created_at))) }
    }

    /// A resource for a `const` primitive: its record is made when first needed.
    #[track_caller]
    pub(crate) const fn const_new(kind: ResourceKind) -> Resource {
        Resource { kind, created_at: Location::caller(), record: OnceLock::new() }
    }

    #[inline]
    pub(crate) fn record(&self) -> &Arc<ResourceRecord> {
        match self.record.get() {
            Some(record) => record,
            None => self.make_record(),
        }
    }

    #[cold]
    fn make_record(&self) -> &Arc<ResourceRecord> {
        self.record.get_or_init(|| Arc::new(ResourceRecord::new(self.kind, self.created_at)))
    }

    /// Another handle to the same record: for a primitive made of parts (a bounded channel's
    /// capacity semaphore and its queue) that the diagnostics see as one.
    pub(crate) fn share(&self) -> Resource {
        Resource {
            kind: self.kind,
            created_at: self.created_at,
            record: OnceLock::from(self.record().clone()),
        }
    }

    /// Names the resource for diagnostics; a second name is ignored.
    pub(crate) fn set_name(&self, name: impl Into<String>) {
        let _ = self.record().name.set(name.into().into_boxed_str());
    }

    pub(crate) fn kind(&self) -> ResourceKind {
        self.kind
    }

    pub(crate) fn created_at(&self) -> &'static Location<'static> {
        self.created_at
    }

    /// Starts a wait on this resource by this thread's task; it ends when the returned value is
    /// dropped.
    pub(crate) fn wait(&self, op: WaitOp) -> Waiting {
        Waiting::start(self.record(), op)
    }
}

impl std::fmt::Debug for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resource").field("kind", &self.kind).field("created_at", &self.created_at).finish()
    }
}

/// One registered wait.
pub(crate) struct WaitEntry {
    pub(crate) record: Arc<ResourceRecord>,
    /// `None`: a plain thread (a `blocking_*` call).
    pub(crate) task: Option<TaskId>,
    pub(crate) op: WaitOp,
    pub(crate) since: clock::Ticks,
    /// Distinguishes this wait from a later one of the same task on the same resource.
    pub(crate) serial: u64,
}

/// A power of two no larger than 8: a serial number keeps the shard in its low 3 bits.
const SHARDS: usize = 8;

struct Shard {
    entries: Vec<Option<WaitEntry>>,
    free: Vec<u32>,
    /// The next wait's serial number in this shard (the shard in its low bits makes it unique).
    next_serial: u64,
}

static REGISTRY: [Mutex<Shard>; SHARDS] =
    [const { Mutex::new(Shard { entries: Vec::new(), free: Vec::new(), next_serial: 0 }) }; SHARDS];
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's shard of the registry, handed out round-robin.
    static SHARD: usize = NEXT_SHARD.fetch_add(1, Relaxed) % SHARDS;
}

fn lock(shard: usize) -> std::sync::MutexGuard<'static, Shard> {
    // The registry's own code does not panic while holding a shard; a poisoned one is still whole.
    REGISTRY[shard].lock().unwrap_or_else(|e| e.into_inner())
}

/// A registered wait: unregistered when dropped. Lives in the waiting future.
#[derive(Debug)]
pub(crate) struct Waiting {
    shard: u8,
    index: u32,
}

/// When a wait starts or ends: the start of the worker's timed poll (a wait begins and ends in a
/// poll, so this is at most one poll early), else a clock reading.
fn now() -> clock::Ticks {
    match poll::cheap_time() {
        0 => clock::now(),
        t => t,
    }
}

/// Records the start or the end of a wait in this thread's worker's flight recorder, if it is one.
fn record_event(entry: &WaitEntry, ended: bool, at: clock::Ticks) {
    let Some(task) = entry.task else { return };
    let what = pack(entry.record.kind, entry.op);
    poll::with_worker(|w| {
        if let Some(w) = w {
            w.recorder().wait(task.get(), ended, at, entry.record.created_at, what);
        }
    });
}

impl Waiting {
    fn start(record: &Arc<ResourceRecord>, op: WaitOp) -> Waiting {
        let shard = SHARD.with(|s| *s);
        let mut entry =
            WaitEntry { record: record.clone(), task: poll::current_task_id(), op, since: now(), serial: 0 };
        record_event(&entry, false, entry.since);
        let mut guard = lock(shard);
        guard.next_serial += 1;
        entry.serial = guard.next_serial << 3 | shard as u64;
        let index = match guard.free.pop() {
            Some(i) => {
                guard.entries[i as usize] = Some(entry);
                i
            }
            None => {
                guard.entries.push(Some(entry));
                (guard.entries.len() - 1) as u32
            }
        };
        Waiting { shard: shard as u8, index }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let entry = {
            let mut guard = lock(self.shard as usize);
            let entry = guard.entries[self.index as usize].take();
            guard.free.push(self.index);
            entry
        };
        // The record may go with its last count here: outside the lock.
        if let Some(entry) = entry {
            record_event(&entry, true, now());
        }
    }
}

/// Calls `f` with every wait registered now, shard by shard (each under its lock: `f` must not
/// start or end a wait).
pub(crate) fn for_each_wait(mut f: impl FnMut(&WaitEntry)) {
    for shard in 0..SHARDS {
        let guard = lock(shard);
        guard.entries.iter().flatten().for_each(&mut f);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn holds_fill_the_slots_then_are_counted() {
        let resource = Resource::new(ResourceKind::Semaphore);
        let record = resource.record();
        let here = Location::caller();
        let tokens: Vec<_> = (0..HOLDER_SLOTS + 2).map(|_| record.hold(here)).collect();
        assert_eq!(record.holders().count(), HOLDER_SLOTS);
        assert_eq!(record.untracked_holders(), 2);
        assert!(record.holders().all(|h| h.task.is_none() && h.at == Some(here)), "held from a thread");
        for token in tokens {
            record.release(token);
        }
        assert_eq!(record.holders().count(), 0);
        assert_eq!(record.untracked_holders(), 0);
    }

    #[test]
    fn a_const_resource_makes_its_record_when_first_used() {
        static R: Resource = Resource::const_new(ResourceKind::Mutex);
        assert_eq!(R.record().kind(), ResourceKind::Mutex);
        assert!(R.created_at().file().ends_with("resource.rs"));
        R.set_name("config");
        R.set_name("ignored");
        assert_eq!(R.record().name(), Some("config"));
    }

    #[test]
    fn senders_are_unplaced_until_used_in_a_task() {
        let resource = Resource::new(ResourceKind::Mpsc);
        let record = resource.record();
        let a = record.add_sender();
        let b = record.add_sender();
        assert_eq!(record.sender_tasks(), (vec![], 2));
        // Used outside any task: still not placed.
        record.sender_used(&a);
        assert_eq!(record.sender_tasks(), (vec![], 2));
        let seven = super::super::task_id(7);
        poll::with_current_task_id(seven, || record.sender_used(&a));
        assert_eq!(record.sender_tasks(), (vec![(seven, 1)], 1));
        // Used again in the same task: nothing moves.
        poll::with_current_task_id(seven, || record.sender_used(&a));
        assert_eq!(record.sender_tasks(), (vec![(seven, 1)], 1));
        record.remove_sender(&a);
        record.remove_sender(&b);
        assert_eq!(record.sender_tasks(), (vec![], 0));
    }

    #[test]
    fn a_sender_that_found_no_slot_is_placed_once_one_frees() {
        let resource = Resource::new(ResourceKind::Mpsc);
        let record = resource.record();
        let places: Vec<_> = (0..=SENDER_SLOTS).map(|_| record.add_sender()).collect();
        let task = |i: usize| super::super::task_id(i as u64 + 1);
        for (i, place) in places.iter().enumerate() {
            poll::with_current_task_id(task(i), || record.sender_used(place));
        }
        let (placed, unplaced) = record.sender_tasks();
        assert_eq!((placed.len(), unplaced), (SENDER_SLOTS, 1), "the last sender's task found no slot");
        // Used again in its task while every slot is taken: still counted once, as unplaced.
        let last = &places[SENDER_SLOTS];
        poll::with_current_task_id(task(SENDER_SLOTS), || record.sender_used(last));
        assert_eq!(record.sender_tasks().1, 1);
        // A slot frees: its next use places it.
        record.remove_sender(&places[0]);
        poll::with_current_task_id(task(SENDER_SLOTS), || record.sender_used(last));
        let (placed, unplaced) = record.sender_tasks();
        assert!(placed.contains(&(task(SENDER_SLOTS), 1)), "{placed:?}");
        assert_eq!(unplaced, 0);
        // A new sender whose task finds no slot, dropped while unplaced, is counted out.
        let extra = record.add_sender();
        poll::with_current_task_id(task(99), || record.sender_used(&extra));
        assert_eq!(record.sender_tasks().1, 1);
        record.remove_sender(&extra);
        assert_eq!(record.sender_tasks().1, 0);
        for place in &places[1..] {
            record.remove_sender(place);
        }
        assert_eq!(record.sender_tasks(), (vec![], 0));
    }

    /// A sender whose task found no slot, used again after another sender of the same task took a
    /// slot that freed, joins that slot, though every slot is taken again.
    #[test]
    fn an_unplaced_sender_joins_the_slot_its_task_took_meanwhile() {
        let resource = Resource::new(ResourceKind::Mpsc);
        let record = resource.record();
        let task = |i: usize| super::super::task_id(i as u64 + 1);
        let others: Vec<_> = (0..SENDER_SLOTS).map(|_| record.add_sender()).collect();
        for (i, place) in others.iter().enumerate() {
            poll::with_current_task_id(task(i), || record.sender_used(place));
        }
        let ours = task(SENDER_SLOTS);
        let first = record.add_sender();
        poll::with_current_task_id(ours, || record.sender_used(&first));
        assert_eq!(record.sender_tasks().1, 1, "every slot was taken");
        record.remove_sender(&others[0]);
        let second = record.add_sender();
        poll::with_current_task_id(ours, || record.sender_used(&second));
        poll::with_current_task_id(ours, || record.sender_used(&first));
        let (placed, unplaced) = record.sender_tasks();
        assert!(placed.contains(&(ours, 2)), "{placed:?}");
        assert_eq!(unplaced, 0);
        for place in others[1..].iter().chain([&first, &second]) {
            record.remove_sender(place);
        }
        assert_eq!(record.sender_tasks(), (vec![], 0));
    }

    #[test]
    fn a_wait_is_registered_until_dropped() {
        let resource = Resource::new(ResourceKind::Notify);
        let waits = |r: &Arc<ResourceRecord>| {
            let mut n = 0;
            for_each_wait(|w| n += usize::from(Arc::ptr_eq(&w.record, r)));
            n
        };
        let first = resource.wait(WaitOp::Notified);
        let second = resource.wait(WaitOp::Notified);
        assert_eq!(waits(resource.record()), 2);
        drop(first);
        assert_eq!(waits(resource.record()), 1);
        drop(second);
        assert_eq!(waits(resource.record()), 0);
        assert_eq!(Arc::strong_count(resource.record()), 1, "the registry let its counts go");
    }
}
