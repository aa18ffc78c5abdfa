//! `OwnedTasks`: every live task of one runtime, so that shutdown can find and cancel each of them.
//!
//! An intrusive doubly linked list (the links live in each task's trailer, so adding a task allocates
//! nothing), split into shards by task id so that workers spawning and completing tasks at the same
//! time rarely contend on one lock. Each shard has a cache line to itself: unpadded, four 16-byte
//! shards shared a line, and a thread spawning while workers completed tasks kept moving that line
//! between cores (`OwnedTasks::remove` was 8% of a 2-worker `timer_fire` profile, nearly all of it
//! the unlock). Once closed, the list accepts no task: a spawn that races with
//! shutdown cancels its task instead of leaking it.
//!
//! The list is also where diagnostics find tasks: a snapshot or a dump reads every record under its
//! shard's lock (the only way to read one: see `Shard::reads`), and a task leaving the list on
//! completion leaves a copy of its diagnostics record in its shard's bounded ring of finished tasks
//! (under the lock `remove` takes anyway), kept for
//! `FINISHED_KEPT_FOR` at most; while tasks finish fast, only a sample of the short-lived ones
//! (see `FinishedRing`).
//!
//! A scan that runs while the program does (the watchdog's lint pass, `OwnedTasks::scan_some`) holds
//! a shard's lock for at most `SCAN_CHUNK` tasks at a time and goes on from where it stopped: the
//! place is kept in the shard (`Shard::scan_next`), and a task that leaves moves it past itself. A
//! pass over a million tasks that held each shard for all of its tasks held up the workers' task
//! completions for tens of milliseconds every second (timer lateness p99 230 ms at 1M sleeping tasks
//! with diagnostics on, 3 ms with them off).

use super::core::{Header, Meta};
use super::raw::{Notified, RawTask, Task};
use super::state::StateWord;
use super::Id;
use super::{JoinHandle, Schedule};
use crate::loom::sync::atomic::{AtomicBool, Ordering};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::probe::clock::{self, Ticks};
use crate::probe::task_stats::{ShardLocked, TaskStatsRead, Timed, TimedRead};
use crossbeam_utils::CachePadded;
use std::future::Future;
use std::panic::Location;
use std::ptr::NonNull;
// The counts synchronize nothing (readers only add them up), so loom need not model them.
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct OwnedTasks {
    shards: Box<[CachePadded<ShardLock>]>,
    mask: usize,
    closed: AtomicBool,
    finished_cap: usize,
    /// `BUSY_TURNOVER`, in nanoseconds (tests change it).
    busy_turnover_ns: u64,
    /// The runtime's (or `LocalSet`'s) id: `runtime::Id`, as Tokio gives its owned-task lists one.
    id: std::num::NonZeroU64,
    /// Where the pass of `scan_some` is; locked for the whole of each call, so passes never
    /// interleave (each shard keeps one place).
    scan: std::sync::Mutex<ScanState>,
}

/// Tasks `scan_some` visits per hold of a shard's lock: about 10–50 µs of reads.
const SCAN_CHUNK: usize = 256;

/// Where `scan_some`'s pass over the list is.
#[derive(Default)]
struct ScanState {
    /// The pass it is in, or last finished.
    pass: u64,
    /// The shard it is in; `shards.len()` once the pass is done.
    shard: usize,
    /// Whether it has started on that shard (and goes on from its `scan_next`).
    in_shard: bool,
}

/// A shard's lock, and its counts for `RuntimeMetrics`, which reads them without the lock: they are
/// written under it, on the cache line a spawn and a completion write anyway (a load and a store,
/// no read-modify-write), so they cost no contention and a few instructions (about 12 per task
/// spawned and completed, callgrind).
struct ShardLock {
    shard: Mutex<Shard>,
    /// Tasks created in this shard so far.
    spawned: AtomicU64,
    /// Tasks in its list now: spawned, not yet completed (or cancelled at shutdown).
    alive: AtomicUsize,
}

impl ShardLock {
    fn lock(&self) -> MutexGuard<'_, Shard> {
        self.shard.lock()
    }
}

/// `counter += n` (n may be negative) for a counter written only under its shard's lock.
fn add_locked(counter: &AtomicUsize, n: isize) {
    counter.store(counter.load(Relaxed).wrapping_add_signed(n), Relaxed);
}

struct Shard {
    head: Option<NonNull<Header>>,
    /// The next task a `scan_some` pass that stopped in this shard visits (`None`: the end). Kept
    /// right by `unlink`, which moves it past a task that leaves; tasks added meanwhile go in
    /// front of it and are left for the next pass.
    scan_next: Option<NonNull<Header>>,
    /// Records of recently finished tasks, at most `finished_cap`.
    finished: FinishedRing,
}

/// A shard's finished-task records: a ring that overwrites its oldest slot in place once full (a
/// `VecDeque`'s `pop_front` + `push_back` moved the whole record twice, on every completion).
/// Records older than `FINISHED_KEPT_FOR` stay until overwritten but are never handed out.
///
/// **Short-lived tasks are sampled while the ring turns over fast.** Copying the record was half of
/// what diagnostics cost a task that is spawned, polled once and done (7-8 ns of 15 on the machine
/// we measure on), and while tasks finish that fast, a ring of every one of them holds less than
/// the last second anyway. So a task that finished within its first poll, and has no name, is kept
/// only one time in `SHORT_LIVED_KEPT_ONE_IN` while the ring turns over fast: while the record
/// that the last such task looked at (the last kept, or the first after the ring slowed down) was
/// younger than `BUSY_TURNOVER` when it was about to be overwritten. The others are counted
/// (`not_kept`) and need no clock reading (a completion read the time only to decide this: 20 of
/// the 67 instructions diagnostics added to a completion, callgrind), and the ring then spans a
/// longer time. Every task that polled more than once, or has a name, is kept, and when tasks
/// finish slowly, every one is, but for at most `SHORT_LIVED_KEPT_ONE_IN - 1` short-lived ones
/// right after a fast spell.
#[derive(Default)]
struct FinishedRing {
    slots: Vec<FinishedSlot>,
    /// The slot the next record overwrites, once the ring is full.
    next: usize,
    /// Short-lived tasks that finished with the ring full, and those of them not kept.
    short_lived: u32,
    not_kept: u64,
    /// Whether the ring turned over fast when a short-lived task last looked.
    busy: bool,
}

/// A finished task's record as kept: its figures copied, and its block of measured figures
/// (histograms included) taken over rather than copied (`TaskStats::take_timed`).
struct FinishedSlot {
    id: Id,
    name: Option<Arc<str>>,
    spawned_at: &'static std::panic::Location<'static>,
    stats: TaskStatsRead,
    timed: Option<Box<Timed>>,
    completed_at: clock::Ticks,
}

impl FinishedRing {
    /// Keeps the record of `task`, which completed about `now()` (read only if the record is kept,
    /// or to tell whether the ring turns over fast), writing it straight into its slot once the
    /// ring is full (built elsewhere and moved in, the record was copied three times per
    /// completion). Returns the block of measured figures that nobody keeps now: that of the record
    /// it overwrote, or the task's own if its record is not kept, for the caller to hand back to
    /// its worker (or free) once it has let go of the shard lock.
    ///
    /// # Safety
    /// As for `TaskStats::take_timed`: the task is complete and the caller holds its shard's lock.
    unsafe fn push(
        &mut self,
        task: RawTask,
        now: impl FnOnce() -> clock::Ticks,
        cap: usize,
        busy_turnover_ns: u64,
    ) -> Option<Box<Timed>> {
        let (header, trailer, stats) = (task.header(), task.trailer(), task.stats());
        let completed_at;
        if self.slots.len() == cap && stats.polls() <= 1 && trailer.name().is_none() {
            self.short_lived = self.short_lived.wrapping_add(1);
            let sampled = self.short_lived % SHORT_LIVED_KEPT_ONE_IN == 0;
            if self.busy && !sampled {
                self.not_kept += 1;
                // SAFETY: per this function's contract.
                return unsafe { stats.take_timed() };
            }
            completed_at = now();
            self.busy =
                clock::nanos_between(self.slots[self.next].completed_at, completed_at) < busy_turnover_ns;
            if self.busy && !sampled {
                self.not_kept += 1;
                // SAFETY: per this function's contract.
                return unsafe { stats.take_timed() };
            }
        } else {
            completed_at = now();
        }
        // SAFETY: per this function's contract.
        let timed = unsafe { stats.take_timed() };
        if self.slots.len() < cap {
            self.slots.push(FinishedSlot {
                id: header.id,
                name: trailer.name().cloned(),
                spawned_at: header.spawned_at,
                stats: stats.read(),
                timed,
                completed_at,
            });
            return None;
        }
        let slot = &mut self.slots[self.next];
        // Not `% cap`: a division, on every completion.
        self.next = if self.next + 1 == cap { 0 } else { self.next + 1 };
        slot.id = header.id;
        slot.name = trailer.name().cloned();
        slot.spawned_at = header.spawned_at;
        slot.stats = stats.read();
        slot.completed_at = completed_at;
        std::mem::replace(&mut slot.timed, timed)
    }
}

impl FinishedSlot {
    fn read(&self) -> FinishedRead {
        FinishedRead {
            task: TaskRecord {
                id: self.id,
                name: self.name.clone(),
                spawned_at: self.spawned_at,
                stats: self.stats,
                timed: self.timed.as_deref().map(Timed::read).unwrap_or_default(),
            },
            completed_at: self.completed_at,
        }
    }
}

/// How many finished tasks' records the whole list keeps, and for how long. Few enough that the
/// rings stay in cache: the slot a completion overwrites was last written `FINISHED_KEPT`
/// completions ago, and with 1024 it had mostly left the cache by then (`chained_spawn` paid
/// about 7% more for diagnostics than with 256 or 64).
const FINISHED_KEPT: usize = 256;
const FINISHED_KEPT_FOR: Duration = Duration::from_secs(60);
/// See `FinishedRing`.
const BUSY_TURNOVER: Duration = Duration::from_secs(1);
const SHORT_LIVED_KEPT_ONE_IN: u32 = 16;

// SAFETY: the raw pointers in a shard are only followed under that shard's lock, and tasks are shared
// across threads by design.
unsafe impl Send for Shard {}

impl OwnedTasks {
    /// `concurrency` is about how many threads spawn at once; shards are a power of two above it.
    pub(crate) fn new(concurrency: usize) -> OwnedTasks {
        let n = (concurrency * 4).next_power_of_two().clamp(1, 256);
        OwnedTasks {
            shards: (0..n)
                .map(|_| {
                    CachePadded::new(ShardLock {
                        shard: Mutex::new(Shard {
                            head: None,
                            scan_next: None,
                            finished: FinishedRing::default(),
                        }),
                        spawned: AtomicU64::new(0),
                        alive: AtomicUsize::new(0),
                    })
                })
                .collect(),
            mask: n - 1,
            closed: AtomicBool::new(false),
            finished_cap: (FINISHED_KEPT / n).max(8),
            busy_turnover_ns: BUSY_TURNOVER.as_nanos() as u64,
            id: crate::runtime::Id::next(),
            scan: std::sync::Mutex::new(ScanState::default()),
        }
    }

    /// The id of the runtime (or `LocalSet`) that owns this list.
    pub(crate) fn id(&self) -> crate::runtime::Id {
        crate::runtime::Id::new(self.id)
    }

    /// Creates a task owned by this list. Returns its JoinHandle and, unless the list is closed (then
    /// the task was cancelled on the spot), the `Notified` that must be scheduled.
    pub(crate) fn bind<F, S>(
        &self,
        future: F,
        scheduler: S,
        meta: Meta,
    ) -> (JoinHandle<F::Output>, Option<Notified>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        // SAFETY: the future and its output are `Send`: any thread may poll, cancel or drop them.
        unsafe { self.bind_inner(future, scheduler, meta) }
    }

    /// `bind` for a future that is not `Send` (`task::spawn_local`).
    ///
    /// # Safety
    /// The future is polled, cancelled (`close_and_shutdown_all`) and dropped only on one thread, the
    /// one that spawns it: `scheduler` hands its `Notified`s to that thread alone, and refuses trace
    /// polls elsewhere (`Schedule::may_poll_here`); the output is dropped by whoever holds the
    /// `JoinHandle` (which is `Send` only if the output is) or on that thread.
    pub(crate) unsafe fn bind_local<F, S>(
        &self,
        future: F,
        scheduler: S,
        meta: Meta,
    ) -> (JoinHandle<F::Output>, Option<Notified>)
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        // SAFETY: per this function's contract.
        unsafe { self.bind_inner(future, scheduler, meta) }
    }

    /// # Safety
    /// As for `bind_local`, unless the future and its output are `Send`.
    unsafe fn bind_inner<F, S>(
        &self,
        future: F,
        scheduler: S,
        meta: Meta,
    ) -> (JoinHandle<F::Output>, Option<Notified>)
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        let raw = RawTask::new(future, scheduler, meta);
        // SAFETY: the three initial references go to the list, the `Notified` and the JoinHandle.
        let (task, notified, join) =
            unsafe { (Task::from_raw(raw), Notified::from_raw(raw), JoinHandle::from_raw(raw)) };
        let lock = self.shard(raw.header());
        let mut shard = lock.lock();
        lock.spawned.store(lock.spawned.load(Relaxed) + 1, Relaxed);
        // Checked under the shard lock: `close_and_shutdown_all` sets it before draining each shard.
        if self.closed.load(Ordering::Acquire) {
            drop(shard);
            drop(notified);
            task.shutdown();
            return (join, None);
        }
        shard.push_front(task);
        add_locked(&lock.alive, 1);
        drop(shard);
        (join, Some(notified))
    }

    /// Removes a completed task (`Harness::complete` releasing it: no poll will follow); returns the
    /// list's reference if the task was still in it.
    pub(crate) fn remove(&self, task: &Task) -> Option<Task> {
        let header = task.header();
        let lock = self.shard(header);
        if !header.stats.is_enabled() {
            let mut shard = lock.lock();
            let task = shard.remove(task.raw());
            if task.is_some() {
                add_locked(&lock.alive, -1);
            }
            return task;
        }
        let mut shard = lock.lock();
        // Under the lock, but cheap: the time needs no precision, and this thread's worker knows a
        // recent one (a clock reading only off the runtime's threads).
        let now = crate::probe::poll::recent_time;
        // SAFETY: the task is complete (see above) and we hold its shard's lock.
        let unkept =
            unsafe { shard.finished.push(task.raw(), now, self.finished_cap, self.busy_turnover_ns) };
        let task = shard.remove(task.raw());
        if task.is_some() {
            add_locked(&lock.alive, -1);
        }
        drop(shard);
        if let Some(block) = unkept {
            crate::probe::poll::recycle_timed(block);
        }
        task
    }

    /// Calls `f` with a racy read of every live task, one shard lock at a time.
    pub(crate) fn for_each_task(&self, mut f: impl FnMut(TaskRead)) {
        for shard in self.shards.iter() {
            shard.lock().reads().for_each(|(_, read)| f(read));
        }
    }

    /// Goes on with pass number `pass` over the live tasks (a new pass if the last call's was
    /// another): visits up to `budget` more of them, each under its shard's lock but no more than
    /// `SCAN_CHUNK` per hold, and takes what it visited off `budget`. For each, `pick` gets its id,
    /// state word and counters, and says whether `f` gets its whole read (name, measured figures),
    /// which costs more. Returns whether the pass is done (then later calls for it do nothing).
    /// A task is visited at most once per pass; one spawned during the pass may not be.
    pub(crate) fn scan_some(
        &self,
        pass: u64,
        budget: &mut usize,
        mut pick: impl FnMut(Id, StateWord, &TaskStatsRead) -> bool,
        mut f: impl FnMut(TaskRead),
    ) -> bool {
        let mut at = self.scan.lock().unwrap_or_else(|e| e.into_inner());
        if at.pass != pass {
            *at = ScanState { pass, shard: 0, in_shard: false };
        }
        while at.shard < self.shards.len() {
            if *budget == 0 {
                return false;
            }
            let mut shard = self.shards[at.shard].lock();
            let mut next = if at.in_shard { shard.scan_next } else { shard.head };
            {
                // SAFETY: `shard` is this shard's lock guard, held while the proof is used, and it
                // is used only with this shard's tasks.
                let locked = unsafe { ShardLocked::new(&shard) };
                let mut visited = 0;
                while let (Some(ptr), true) = (next, visited < SCAN_CHUNK.min(*budget)) {
                    // SAFETY: a task in the list is live (the list holds a reference), and its links
                    // are guarded by the lock we hold.
                    let task = unsafe { RawTask::from_raw(ptr) };
                    // The state word first, as `read` does.
                    let state = task.header().state.load();
                    let stats = task.stats().read();
                    if pick(task.header().id, state, &stats) {
                        f(TaskRead { record: record_with(task, stats, &locked), state });
                    }
                    // SAFETY: as above.
                    next = unsafe { links(ptr).with(|p| (*p).next) };
                    visited += 1;
                }
                *budget -= visited;
            }
            shard.scan_next = next;
            drop(shard);
            if next.is_none() {
                at.shard += 1;
                at.in_shard = false;
            } else {
                at.in_shard = true;
            }
        }
        true
    }

    /// Every live task with a racy read of it, read under its shard's lock, and a reference of its
    /// own (taken one shard lock at a time), so that the caller may poll it outside the locks.
    pub(crate) fn tasks(&self) -> Vec<(Task, TaskRead)> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            for (task, read) in shard.lock().reads() {
                task.ref_inc();
                // SAFETY: the reference just added is the new `Task`'s.
                out.push((unsafe { Task::from_raw(task) }, read));
            }
        }
        out
    }

    /// Tasks spawned so far (no lock taken).
    pub(crate) fn spawned(&self) -> u64 {
        self.shards.iter().map(|shard| shard.spawned.load(Relaxed)).sum()
    }

    /// Tasks alive now, spawned and not completed (no lock taken; each shard's count is exact as of
    /// its last spawn or completion).
    pub(crate) fn alive(&self) -> usize {
        self.shards.iter().map(|shard| shard.alive.load(Relaxed)).sum()
    }

    /// Finished short-lived tasks whose records were not kept (see `FinishedRing`).
    pub(crate) fn finished_not_kept(&self) -> u64 {
        self.shards.iter().map(|shard| shard.lock().finished.not_kept).sum()
    }

    /// Runs `f` while this thread holds every shard's lock.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn with_every_shard_locked<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guards: Vec<_> = self.shards.iter().map(|shard| shard.lock()).collect();
        f()
    }

    /// Makes the finished rings count as turning over fast (`Duration::MAX`) or never (`ZERO`).
    #[cfg(test)]
    pub(crate) fn set_busy_turnover(&mut self, turnover: Duration) {
        self.busy_turnover_ns = u64::try_from(turnover.as_nanos()).unwrap_or(u64::MAX);
    }

    /// Keeps `cap` finished records per shard, so that a model overwrites one in a few completions.
    #[cfg(test)]
    pub(crate) fn set_finished_cap(&mut self, cap: usize) {
        self.finished_cap = cap;
    }

    /// The records of tasks that finished within `FINISHED_KEPT_FOR` before `now`, oldest first.
    pub(crate) fn finished_tasks(&self, now: clock::Ticks) -> Vec<FinishedRead> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.lock();
            let recent =
                |f: &&FinishedSlot| clock::duration_between(f.completed_at, now) <= FINISHED_KEPT_FOR;
            out.extend(shard.finished.slots.iter().filter(recent).map(FinishedSlot::read));
        }
        out.sort_by_key(|f| f.completed_at);
        out
    }

    /// The live task `id`, with a reference of its own, if it is in the list.
    pub(crate) fn get(&self, id: Id) -> Option<Task> {
        let shard = self.shards[id.as_u64() as usize & self.mask].lock();
        let task = shard.iter().find(|task| task.header().id == id)?;
        task.ref_inc();
        // SAFETY: the reference just added is the new `Task`'s.
        Some(unsafe { Task::from_raw(task) })
    }

    /// The live task `id`, with a reference of its own and a racy read of it, if it is in the list.
    pub(crate) fn get_read(&self, id: Id) -> Option<(Task, TaskRead)> {
        let shard = self.shards[id.as_u64() as usize & self.mask].lock();
        let (task, read) = shard.reads().find(|(task, _)| task.header().id == id)?;
        task.ref_inc();
        // SAFETY: the reference just added is the new `Task`'s.
        Some((unsafe { Task::from_raw(task) }, read))
    }

    /// The name (if it has one) and the future's type of the live task `id`, if it is in the list.
    pub(crate) fn name_and_future_type(&self, id: Id) -> Option<(Option<Arc<str>>, &'static str)> {
        let shard = self.shards[id.as_u64() as usize & self.mask].lock();
        let task = shard.iter().find(|task| task.header().id == id)?;
        Some((task.trailer().name().cloned(), (task.header().vtable.future_type)()))
    }

    /// The name of the live task `id`, if it is in the list and has one.
    pub(crate) fn task_name(&self, id: Id) -> Option<Arc<str>> {
        let shard = self.shards[id.as_u64() as usize & self.mask].lock();
        let task = shard.iter().find(|task| task.header().id == id)?;
        task.trailer().name().cloned()
    }

    /// Closes the list and cancels every task in it. Safe to call from several threads at once; each
    /// task is shut down exactly once because it is popped under its shard's lock.
    pub(crate) fn close_and_shutdown_all(&self, start: usize) {
        self.closed.store(true, Ordering::Release);
        for i in 0..self.shards.len() {
            let lock = &self.shards[(start + i) & self.mask];
            loop {
                let task = {
                    let mut shard = lock.lock();
                    let task = shard.pop_front();
                    if task.is_some() {
                        add_locked(&lock.alive, -1);
                    }
                    task
                };
                match task {
                    Some(task) => {
                        task.shutdown();
                    }
                    None => break,
                }
            }
        }
    }

    fn shard(&self, header: &Header) -> &ShardLock {
        &self.shards[header.id.as_u64() as usize & self.mask]
    }
}

impl Shard {
    /// The tasks in this shard, newest first. Only reachable through the shard's lock guard, so the
    /// links are read under the lock for as long as the iterator borrows the shard.
    fn iter(&self) -> impl Iterator<Item = RawTask> + '_ {
        std::iter::successors(self.head, |&ptr| {
            // SAFETY: tasks in the list are live (the list holds a reference) and their links are
            // guarded by the shard lock the caller holds.
            unsafe { links(ptr).with(|p| (*p).next) }
        })
        // SAFETY: as above: a live task's header.
        .map(|ptr| unsafe { RawTask::from_raw(ptr) })
    }

    /// The tasks in this shard, newest first, each with a racy read of it. Records are read here
    /// only: their measured figures need the shard lock held (`ShardLocked`), and a `&Shard` is
    /// only reachable through the lock's guard.
    fn reads(&self) -> impl Iterator<Item = (RawTask, TaskRead)> + '_ {
        // SAFETY: `&self` borrows this shard through its lock's guard, held for as long as the
        // proof is used, and it is used only with the tasks of this shard.
        let locked = unsafe { ShardLocked::new(self) };
        self.iter().map(move |task| (task, read(task, &locked)))
    }

    fn push_front(&mut self, task: Task) {
        let ptr = task.into_raw().header_ptr();
        // SAFETY: the task is not in any list (it was just created) and we hold the shard lock, which
        // guards the links of every task in this shard.
        unsafe {
            links(ptr).with_mut(|p| {
                (*p).prev = None;
                (*p).next = self.head;
            });
            if let Some(head) = self.head {
                links(head).with_mut(|p| (*p).prev = Some(ptr));
            }
        }
        self.head = Some(ptr);
    }

    fn pop_front(&mut self) -> Option<Task> {
        let head = self.head?;
        // SAFETY: `head` is in this list, so it is live (the list holds a reference) and its links are
        // guarded by our lock.
        self.unlink(head);
        // SAFETY: the list's reference is handed to the caller.
        Some(unsafe { Task::from_raw(RawTask::from_raw(head)) })
    }

    fn remove(&mut self, raw: RawTask) -> Option<Task> {
        let ptr = raw.header_ptr();
        // SAFETY: the caller holds a reference, so the header is live; its links belong to this shard
        // (shards are chosen by id) and we hold the lock.
        let prev = unsafe { links(ptr).with(|p| (*p).prev) };
        if prev.is_none() && self.head != Some(ptr) {
            // Not in the list: shutdown already popped it.
            return None;
        }
        self.unlink(ptr);
        // SAFETY: the list's reference is handed to the caller.
        Some(unsafe { Task::from_raw(raw) })
    }

    fn unlink(&mut self, ptr: NonNull<Header>) {
        // SAFETY: `ptr` and its neighbours are in this list, so they are live, and we hold the lock.
        unsafe {
            let (prev, next) = links(ptr).with_mut(|p| ((*p).prev.take(), (*p).next.take()));
            if self.scan_next == Some(ptr) {
                self.scan_next = next;
            }
            match prev {
                Some(prev) => links(prev).with_mut(|p| (*p).next = next),
                None => self.head = next,
            }
            if let Some(next) = next {
                links(next).with_mut(|p| (*p).prev = prev);
            }
        }
    }
}

/// A racy read of a live task in the shard that `locked` holds (`Shard::reads`).
fn read(task: RawTask, locked: &ShardLocked<'_>) -> TaskRead {
    // The state word first (Acquire): a task seen idle after a poll is seen with that poll's
    // figures, which its poller wrote before the transition to idle.
    let state = task.header().state.load();
    TaskRead { record: record(task, locked), state }
}

/// A live task's identity and a racy read of its diagnostics record (the name, the only part not
/// read racily, never changes).
fn record(task: RawTask, locked: &ShardLocked<'_>) -> TaskRecord {
    record_with(task, task.stats().read(), locked)
}

/// `record`, with its counters already read.
fn record_with(task: RawTask, stats: TaskStatsRead, locked: &ShardLocked<'_>) -> TaskRecord {
    TaskRecord {
        id: task.header().id,
        name: task.trailer().name().cloned(),
        spawned_at: task.header().spawned_at,
        stats,
        timed: task.stats().read_timed(locked),
    }
}

/// # Safety
/// `ptr` is a task header that stays live for `'a`.
unsafe fn links<'a>(ptr: NonNull<Header>) -> &'a crate::loom::cell::UnsafeCell<super::core::Pointers> {
    // SAFETY: per this function's contract.
    unsafe { &Header::trailer(ptr).owned }
}

/// A task's identity and a racy read of its record.
pub(crate) struct TaskRecord {
    pub(crate) id: Id,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) spawned_at: &'static Location<'static>,
    pub(crate) stats: TaskStatsRead,
    pub(crate) timed: TimedRead,
}

/// What the owned-tasks list hands out about one live task: its record and state word.
pub(crate) struct TaskRead {
    pub(crate) record: TaskRecord,
    pub(crate) state: StateWord,
}

/// A finished task's record, kept for a while after it completed.
pub(crate) struct FinishedRead {
    pub(crate) task: TaskRecord,
    pub(crate) completed_at: Ticks,
}
