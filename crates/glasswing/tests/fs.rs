//! `glasswing::fs` as a user sees it, on both flavors: whole-file round trips, directories and their
//! listing (more entries than one 32-entry batch), `File` reads, writes and seeks through the
//! futures-io traits, Tokio's `File` semantics (a write returns before it lands and `flush` waits
//! for it and reports its error, reads are buffered ahead and given back before a write or seek),
//! errors (`NotFound`, `AlreadyExists`), cancellation (a read dropped while its blocking call runs
//! loses no bytes; `into_std` waits for a write in flight). fs_fds.rs checks that no fd is left behind (alone in its binary: fds are counted
//! process-wide).
//!
//! The cancellation tests make "in flight" deterministic by holding the only blocking thread
//! (`max_blocking_threads(1)`) with a closure that waits on a channel: an operation started then
//! stays queued until the test lets the holder go.

mod support;

use futures::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use glasswing::fs::{self, DirBuilder, File, OpenOptions};
use glasswing::runtime::{Builder, Runtime};
use std::collections::BTreeSet;
use std::io::{ErrorKind, SeekFrom};
use std::sync::mpsc;
use support::{runtimes, TempDir};

/// 0, 1, 2, ... 250, 0, 1, ...: every offset's byte is known, so a misplaced read shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Both flavors with one blocking thread, for tests that hold it.
fn one_blocking_thread() -> Vec<(&'static str, Runtime)> {
    vec![
        ("current_thread", Builder::new_current_thread().max_blocking_threads(1).build().unwrap()),
        (
            "multi_thread",
            Builder::new_multi_thread().worker_threads(2).max_blocking_threads(1).build().unwrap(),
        ),
    ]
}

/// Occupies the runtime's only blocking thread until the returned sender is dropped or sent to;
/// returns once the holder runs, so that whatever is spawned next is queued behind it.
async fn hold_blocking_thread() -> mpsc::Sender<()> {
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let (running_tx, running_rx) = glasswing::sync::oneshot::channel::<()>();
    glasswing::task::spawn_blocking(move || {
        let _ = running_tx.send(());
        let _ = release_rx.recv();
    });
    running_rx.await.unwrap();
    release_tx
}

#[test]
fn whole_file_round_trips() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-round-trip");
        rt.block_on(async {
            let path = dir.path("data.bin");
            let data = pattern(100_000);
            fs::write(&path, &data).await.unwrap();
            assert_eq!(fs::read(&path).await.unwrap(), data, "{flavor}");

            fs::write(&path, "hello, file").await.unwrap();
            assert_eq!(fs::read_to_string(&path).await.unwrap(), "hello, file", "{flavor}");

            fs::write(&path, [0xff, 0xfe]).await.unwrap();
            let err = fs::read_to_string(&path).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidData, "{flavor}");
        });
    }
}

#[test]
fn file_write_flush_then_read_back() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-file-rw");
        rt.block_on(async {
            let path = dir.path("f.bin");
            let data = pattern(3 * 1024 * 1024 + 17); // more than one 2 MiB buffer
            let mut file = File::create(&path).await.unwrap();
            file.write_all(&data).await.unwrap();
            file.flush().await.unwrap();
            // Flushed: the bytes are in the file, for anyone who looks.
            assert_eq!(std::fs::read(&path).unwrap(), data, "{flavor}");
            drop(file);

            let mut file = File::open(&path).await.unwrap();
            let mut back = Vec::new();
            file.read_to_end(&mut back).await.unwrap();
            assert_eq!(back, data, "{flavor}");
        });
    }
}

#[test]
fn small_max_buf_size_splits_reads_and_writes() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-small-buf");
        rt.block_on(async {
            let path = dir.path("f.bin");
            let data = pattern(100_003);
            let mut file = File::create(&path).await.unwrap();
            file.set_max_buf_size(4096);
            // One write moves at most max_buf_size bytes.
            assert_eq!(file.write(&data).await.unwrap(), 4096, "{flavor}");
            file.write_all(&data[4096..]).await.unwrap();
            file.flush().await.unwrap();

            let mut file = File::open(&path).await.unwrap();
            file.set_max_buf_size(1000);
            let mut big = vec![0; 10_000];
            assert_eq!(file.read(&mut big).await.unwrap(), 1000, "{flavor}");
            let mut back = big[..1000].to_vec();
            file.read_to_end(&mut back).await.unwrap();
            assert_eq!(back, data, "{flavor}");
        });
    }
}

#[test]
fn sync_all_then_drop_and_reopen_sees_the_data() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-sync");
        rt.block_on(async {
            let path = dir.path("f.txt");
            let file = File::create(&path).await.unwrap();
            let mut file = file;
            file.write_all(b"durable").await.unwrap();
            // No flush: sync_all waits for the write in flight itself.
            file.sync_all().await.unwrap();
            file.sync_data().await.unwrap();
            drop(file);
            assert_eq!(fs::read(&path).await.unwrap(), b"durable", "{flavor}");
        });
    }
}

#[test]
fn seek_accounts_for_bytes_read_ahead() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-seek");
        rt.block_on(async {
            let path = dir.path("f.bin");
            let data = pattern(1000);
            fs::write(&path, &data).await.unwrap();
            let mut file = File::open(&path).await.unwrap();

            let mut buf = [0; 10];
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf[..], data[..10], "{flavor}");

            assert_eq!(file.seek(SeekFrom::Current(5)).await.unwrap(), 15, "{flavor}");
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf[..], data[15..25], "{flavor}");
            assert_eq!(file.stream_position().await.unwrap(), 25, "{flavor}");

            assert_eq!(file.seek(SeekFrom::Start(500)).await.unwrap(), 500, "{flavor}");
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf[..], data[500..510], "{flavor}");

            assert_eq!(file.seek(SeekFrom::End(-4)).await.unwrap(), 996, "{flavor}");
            let mut tail = Vec::new();
            file.read_to_end(&mut tail).await.unwrap();
            assert_eq!(tail[..], data[996..], "{flavor}");

            let err = file.seek(SeekFrom::Current(-5000)).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{flavor}");
        });
    }
}

#[test]
fn a_write_after_a_read_lands_where_the_reader_stopped() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-read-write");
        rt.block_on(async {
            let path = dir.path("f.txt");
            fs::write(&path, "abcdefghij").await.unwrap();
            let mut file = OpenOptions::new().read(true).write(true).open(&path).await.unwrap();
            let mut buf = [0; 3];
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"abc");
            file.write_all(b"XY").await.unwrap();
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"fgh", "{flavor}");
            file.flush().await.unwrap();
            assert_eq!(fs::read_to_string(&path).await.unwrap(), "abcXYfghij", "{flavor}");
        });
    }
}

#[test]
fn set_len_truncates_and_extends() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-set-len");
        rt.block_on(async {
            let path = dir.path("f.txt");
            let mut file = OpenOptions::new().read(true).write(true).create(true).open(&path).await.unwrap();
            file.write_all(b"0123456789").await.unwrap();
            // Waits for the write in flight before truncating.
            file.set_len(4).await.unwrap();
            assert_eq!(file.metadata().await.unwrap().len(), 4, "{flavor}");
            file.set_len(6).await.unwrap();
            assert_eq!(fs::read(&path).await.unwrap(), b"0123\0\0", "{flavor}");
        });
    }
}

#[test]
fn read_dir_lists_every_entry_across_batches() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-read-dir");
        rt.block_on(async {
            let root = dir.path("listing");
            fs::create_dir(&root).await.unwrap();
            let mut expected = BTreeSet::new();
            // 100 entries: the first batch of 32 comes with the open, the rest in three more.
            for i in 0..99 {
                let name = format!("file-{i:03}");
                fs::write(root.join(&name), vec![1; i]).await.unwrap();
                expected.insert(name);
            }
            fs::create_dir(root.join("sub")).await.unwrap();
            expected.insert("sub".to_string());

            let mut entries = fs::read_dir(&root).await.unwrap();
            let mut seen = BTreeSet::new();
            while let Some(entry) = entries.next_entry().await.unwrap() {
                let name = entry.file_name().into_string().unwrap();
                assert_eq!(entry.path(), root.join(&name), "{flavor}");
                let file_type = entry.file_type().await.unwrap();
                let metadata = entry.metadata().await.unwrap();
                if name == "sub" {
                    assert!(file_type.is_dir() && metadata.is_dir(), "{flavor}");
                } else {
                    let i: u64 = name["file-".len()..].parse().unwrap();
                    assert!(file_type.is_file(), "{flavor}");
                    assert_eq!(metadata.len(), i, "{flavor}");
                }
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    assert_eq!(entry.ino(), metadata.ino(), "{flavor}");
                }
                assert!(seen.insert(name), "{flavor}: an entry came twice");
            }
            assert_eq!(seen, expected, "{flavor}");
            // Done stays done.
            assert!(entries.next_entry().await.unwrap().is_none(), "{flavor}");
        });
    }
}

#[test]
fn directory_and_link_operations() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-dirs");
        rt.block_on(async {
            let deep = dir.path("a/b/c");
            fs::create_dir_all(&deep).await.unwrap();
            assert!(fs::metadata(&deep).await.unwrap().is_dir(), "{flavor}");
            let err = fs::create_dir(dir.path("x/y")).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{flavor}");
            let err = fs::create_dir(&deep).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{flavor}");

            let mut builder = DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            builder.mode(0o700);
            builder.create(dir.path("d/e")).await.unwrap();
            builder.create(dir.path("d/e")).await.unwrap(); // recursive: existing is fine
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = fs::metadata(dir.path("d/e")).await.unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o700, "{flavor}");
            }

            let file = deep.join("f.txt");
            fs::write(&file, "content").await.unwrap();
            assert_eq!(fs::copy(&file, dir.path("copy.txt")).await.unwrap(), 7, "{flavor}");
            fs::rename(dir.path("copy.txt"), dir.path("moved.txt")).await.unwrap();
            assert!(!fs::try_exists(dir.path("copy.txt")).await.unwrap(), "{flavor}");
            assert_eq!(fs::read_to_string(dir.path("moved.txt")).await.unwrap(), "content", "{flavor}");
            fs::hard_link(dir.path("moved.txt"), dir.path("hard.txt")).await.unwrap();
            assert_eq!(fs::read(dir.path("hard.txt")).await.unwrap(), b"content", "{flavor}");

            #[cfg(unix)]
            {
                fs::symlink(&file, dir.path("link")).await.unwrap();
                assert_eq!(fs::read_link(dir.path("link")).await.unwrap(), file, "{flavor}");
                assert!(fs::symlink_metadata(dir.path("link")).await.unwrap().file_type().is_symlink());
                assert!(fs::metadata(dir.path("link")).await.unwrap().is_file(), "{flavor}");
                let canonical = fs::canonicalize(dir.path("link")).await.unwrap();
                assert_eq!(canonical, std::fs::canonicalize(&file).unwrap(), "{flavor}");
                fs::remove_file(dir.path("link")).await.unwrap();
            }

            let writable = fs::metadata(&file).await.unwrap().permissions();
            let mut perms = writable.clone();
            perms.set_readonly(true);
            fs::set_permissions(&file, perms).await.unwrap();
            assert!(fs::metadata(&file).await.unwrap().permissions().readonly(), "{flavor}");
            fs::set_permissions(&file, writable).await.unwrap();

            fs::remove_file(dir.path("hard.txt")).await.unwrap();
            let err = fs::remove_dir(dir.path("a")).await.unwrap_err();
            assert_ne!(err.kind(), ErrorKind::NotFound, "{flavor}: a is not empty");
            fs::remove_dir(dir.path("d/e")).await.unwrap();
            fs::remove_dir_all(dir.path("a")).await.unwrap();
            assert!(!fs::try_exists(dir.path("a")).await.unwrap(), "{flavor}");
            assert!(fs::try_exists(dir.path("moved.txt")).await.unwrap(), "{flavor}");
        });
    }
}

#[test]
fn missing_paths_are_not_found() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-missing");
        rt.block_on(async {
            let missing = dir.path("nope");
            let kinds = [
                fs::read(&missing).await.unwrap_err().kind(),
                fs::read_to_string(&missing).await.unwrap_err().kind(),
                File::open(&missing).await.unwrap_err().kind(),
                fs::read_dir(&missing).await.unwrap_err().kind(),
                fs::metadata(&missing).await.unwrap_err().kind(),
                fs::remove_file(&missing).await.unwrap_err().kind(),
                fs::remove_dir_all(&missing).await.unwrap_err().kind(),
                fs::rename(&missing, dir.path("other")).await.unwrap_err().kind(),
                fs::copy(&missing, dir.path("other")).await.unwrap_err().kind(),
                fs::canonicalize(&missing).await.unwrap_err().kind(),
            ];
            for (i, kind) in kinds.into_iter().enumerate() {
                assert_eq!(kind, ErrorKind::NotFound, "{flavor}: call {i}");
            }
            assert!(!fs::try_exists(&missing).await.unwrap(), "{flavor}");

            fs::write(&missing, "now it exists").await.unwrap();
            let err = File::create_new(&missing).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{flavor}");
            let err = OpenOptions::new().write(true).create_new(true).open(&missing).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{flavor}");
        });
    }
}

#[test]
fn a_failed_background_write_surfaces_at_flush() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-write-error");
        rt.block_on(async {
            let path = dir.path("read-only-handle.txt");
            fs::write(&path, "x").await.unwrap();
            // Opened for reading only: the write(2) fails, but only on the pool thread.
            let mut file = File::open(&path).await.unwrap();
            assert_eq!(file.write(b"data").await.unwrap(), 4, "{flavor}: a write returns before it runs");
            file.flush().await.unwrap_err();
            // Reported once.
            file.flush().await.unwrap();

            // A read between the write and the flush keeps the error for the flush.
            file.write_all(b"data").await.unwrap();
            let mut buf = [0; 1];
            assert_eq!(file.read(&mut buf).await.unwrap(), 1, "{flavor}");
            file.flush().await.unwrap_err();
        });
    }
}

/// Polls a read of `len` bytes once, while the pool is held, and drops it: its blocking read is
/// queued and will complete into the File's buffer, after which the File holds bytes read ahead.
async fn drop_a_read_in_flight(file: &mut File, len: usize, flavor: &str) {
    let release = hold_blocking_thread().await;
    let mut dropped = vec![0; len];
    let mut read = file.read(&mut dropped);
    assert!(futures::poll!(&mut read).is_pending(), "{flavor}: the pool is held");
    drop(read);
    drop(release);
}

#[test]
fn a_read_dropped_in_flight_loses_no_bytes() {
    for (flavor, rt) in one_blocking_thread() {
        let dir = TempDir::new("fs-cancel-read");
        rt.block_on(async {
            let path = dir.path("f.bin");
            let data = pattern(10_000);
            fs::write(&path, &data).await.unwrap();
            let mut file = File::open(&path).await.unwrap();
            let mut first = [0; 10];
            file.read_exact(&mut first).await.unwrap();
            drop_a_read_in_flight(&mut file, 50, flavor).await;

            // The next read waits for the dropped one and is served its bytes: everything after
            // the first 10 comes back once, in order.
            let mut small = [0; 20];
            file.read_exact(&mut small).await.unwrap();
            assert_eq!(small[..], data[10..30], "{flavor}");
            let mut rest = Vec::new();
            file.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest[..], data[30..], "{flavor}");
        });
    }
}

#[test]
fn bytes_read_ahead_are_given_back_before_a_seek_or_write() {
    for (flavor, rt) in one_blocking_thread() {
        let dir = TempDir::new("fs-read-ahead");
        rt.block_on(async {
            let path = dir.path("f.txt");
            fs::write(&path, "abcdefghijklmnopqrstuvwxyz").await.unwrap();
            let mut file = OpenOptions::new().read(true).write(true).open(&path).await.unwrap();
            let mut buf = [0; 2];
            file.read_exact(&mut buf).await.unwrap();
            // The File now holds "cdefghij", read ahead; the user is at 2.
            drop_a_read_in_flight(&mut file, 8, flavor).await;
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"cd", "{flavor}");
            // The std file is at 10; a relative seek counts from 4, where the user is.
            assert_eq!(file.seek(SeekFrom::Current(1)).await.unwrap(), 5, "{flavor}");
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"fg", "{flavor}");

            drop_a_read_in_flight(&mut file, 8, flavor).await;
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hi", "{flavor}");
            // A write goes where the user is (9), not after the bytes read ahead (15).
            file.write_all(b"XY").await.unwrap();
            file.flush().await.unwrap();
            assert_eq!(fs::read_to_string(&path).await.unwrap(), "abcdefghiXYlmnopqrstuvwxyz", "{flavor}");
            // set_len does the same before truncating, and the position stays.
            drop_a_read_in_flight(&mut file, 4, flavor).await;
            file.set_len(20).await.unwrap();
            assert_eq!(file.stream_position().await.unwrap(), 11, "{flavor}");
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"lm", "{flavor}");
        });
    }
}

#[test]
fn a_seek_dropped_in_flight_then_retried() {
    for (flavor, rt) in one_blocking_thread() {
        let dir = TempDir::new("fs-cancel-seek");
        rt.block_on(async {
            let path = dir.path("f.bin");
            let data = pattern(1000);
            fs::write(&path, &data).await.unwrap();
            let mut file = File::open(&path).await.unwrap();

            let release = hold_blocking_thread().await;
            {
                let mut seek = file.seek(SeekFrom::Current(100));
                assert!(futures::poll!(&mut seek).is_pending(), "{flavor}");
            }
            drop(release);
            // The same seek again: it is the retry of the dropped one, not a second +100.
            assert_eq!(file.seek(SeekFrom::Current(100)).await.unwrap(), 100, "{flavor}");
            let mut buf = [0; 4];
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf[..], data[100..104], "{flavor}");

            // A seek dropped, then a read: the read waits for it and reads from where it went;
            // the same seek asked after that is a new one.
            let release = hold_blocking_thread().await;
            {
                let mut seek = file.seek(SeekFrom::Start(500));
                assert!(futures::poll!(&mut seek).is_pending(), "{flavor}");
            }
            drop(release);
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf[..], data[500..504], "{flavor}");
            assert_eq!(file.seek(SeekFrom::Start(500)).await.unwrap(), 500, "{flavor}");
            file.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf[..], data[500..504], "{flavor}");
        });
    }
}

#[test]
fn a_write_dropped_before_flush_still_lands_in_order() {
    for (flavor, rt) in one_blocking_thread() {
        let dir = TempDir::new("fs-cancel-write");
        rt.block_on(async {
            let path = dir.path("f.txt");
            let mut file = File::create(&path).await.unwrap();
            let release = hold_blocking_thread().await;
            file.write_all(b"first ").await.unwrap(); // queued behind the holder
            {
                // The next write waits for the first: dropped while it does.
                let mut write = file.write(b"second");
                assert!(futures::poll!(&mut write).is_pending(), "{flavor}");
            }
            drop(release);
            file.write_all(b"third").await.unwrap();
            file.flush().await.unwrap();
            assert_eq!(fs::read_to_string(&path).await.unwrap(), "first third", "{flavor}");
        });
    }
}

/// Blocks a pool thread until the pool has begun shutting down (from then on, work spawned on it
/// is cancelled on the spot). The probes spawned before that stay queued behind the test's work.
fn wait_for_pool_shutdown(handle: &glasswing::runtime::Handle) {
    loop {
        let probe = handle.spawn_blocking(|| ());
        if probe.is_finished() {
            if let Err(err) = futures::executor::block_on(probe) {
                assert!(err.is_cancelled());
                return;
            }
        }
        std::thread::yield_now();
    }
}

#[test]
fn a_write_queued_when_the_runtime_shuts_down_still_lands() {
    for (flavor, rt) in one_blocking_thread() {
        let dir = TempDir::new("fs-shutdown-write");
        let path = dir.path("f.txt");
        let handle = rt.handle().clone();
        let file = rt.block_on(async {
            let mut file = File::create(&path).await.unwrap();
            let (running_tx, running_rx) = glasswing::sync::oneshot::channel::<()>();
            glasswing::task::spawn_blocking(move || {
                let _ = running_tx.send(());
                wait_for_pool_shutdown(&handle);
            });
            running_rx.await.unwrap();
            // Accepted (Ok(n)) while the only thread is held: queued when shutdown comes.
            file.write_all(b"accepted").await.unwrap();
            file
        });
        drop(rt);
        drop(file);
        assert_eq!(std::fs::read(&path).unwrap(), b"accepted", "{flavor}");
    }
}

#[test]
fn into_std_waits_for_the_write_in_flight() {
    for (flavor, rt) in one_blocking_thread() {
        let dir = TempDir::new("fs-into-std");
        rt.block_on(async {
            let path = dir.path("f.txt");
            let mut file = File::create(&path).await.unwrap();
            let release = hold_blocking_thread().await;
            file.write_all(b"in flight").await.unwrap();
            let file = match file.try_into_std() {
                Ok(_) => panic!("{flavor}: try_into_std gave the file with a write in flight"),
                Err(file) => file,
            };
            let mut into_std = Box::pin(file.into_std());
            assert!(futures::poll!(into_std.as_mut()).is_pending(), "{flavor}");
            drop(release);
            let std = into_std.await;
            assert_eq!(std.metadata().unwrap().len(), 9, "{flavor}");

            // Idle: try_into_std gives it at once; from_std wraps it back.
            let file = File::from_std(std);
            let std = file.try_into_std().expect("idle");
            drop(std);
        });
    }
}

/// A background write's error, picked up by a read and kept for the next flush, must not let
/// `into_std` stop waiting: the read that followed is still in flight and holds the file.
#[test]
fn into_std_waits_for_the_operation_in_flight_after_a_failed_write() {
    for (flavor, rt) in one_blocking_thread() {
        let dir = TempDir::new("fs-into-std-err");
        rt.block_on(async {
            let path = dir.path("f.txt");
            fs::write(&path, "abc").await.unwrap();
            // Opened for reading only: the write fails on the pool thread.
            let mut file = File::open(&path).await.unwrap();
            assert_eq!(file.write(b"data").await.unwrap(), 4, "{flavor}");
            // The write runs (and fails) before the holder does.
            let release = hold_blocking_thread().await;
            // A read takes the write's result (keeping its error for a flush) and starts its own
            // blocking read, queued behind the holder; then it is dropped.
            let mut buf = [0; 3];
            let mut read = file.read(&mut buf);
            assert!(futures::poll!(&mut read).is_pending(), "{flavor}: the pool is held");
            drop(read);
            let mut into_std = Box::pin(file.into_std());
            assert!(futures::poll!(into_std.as_mut()).is_pending(), "{flavor}: the read is in flight");
            drop(release);
            let std = into_std.await;
            assert_eq!(std.metadata().unwrap().len(), 3, "{flavor}");
        });
    }
}

#[test]
fn open_options_modes() {
    for (flavor, rt) in runtimes() {
        let dir = TempDir::new("fs-open-options");
        rt.block_on(async {
            let path = dir.path("log.txt");
            for line in ["one\n", "two\n"] {
                let mut file = OpenOptions::new().append(true).create(true).open(&path).await.unwrap();
                file.write_all(line.as_bytes()).await.unwrap();
                file.flush().await.unwrap();
            }
            assert_eq!(fs::read_to_string(&path).await.unwrap(), "one\ntwo\n", "{flavor}");

            let mut file = OpenOptions::new().write(true).truncate(true).open(&path).await.unwrap();
            file.write_all(b"t").await.unwrap();
            file.flush().await.unwrap();
            assert_eq!(fs::read_to_string(&path).await.unwrap(), "t", "{flavor}");

            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let path = dir.path("private");
                let file = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .mode(0o600)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&path)
                    .await
                    .unwrap();
                let mode = file.metadata().await.unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{flavor}");
                let mut perms = file.metadata().await.unwrap().permissions();
                perms.set_mode(0o640);
                file.set_permissions(perms).await.unwrap();
                let mode = fs::metadata(&path).await.unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o640, "{flavor}");
            }

            let clone = File::open(&path).await.unwrap().try_clone().await.unwrap();
            assert_eq!(clone.metadata().await.unwrap().len(), 1, "{flavor}");
        });
    }
}

#[test]
fn outside_a_runtime_the_panic_names_the_call() {
    let err = std::panic::catch_unwind(|| futures::executor::block_on(fs::read("/nonexistent")))
        .expect_err("fs::read outside a runtime must panic");
    let message = support::panic_message(&*err);
    assert!(message.contains("fs::read"), "{message}");
}

/// The Tokio-shaped traits (`glasswing::io::{AsyncRead, AsyncWrite, AsyncSeek}`), driven by hand
/// the way Tokio's extension futures drive them.
mod tokio_shaped {
    use super::*;
    use glasswing::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
    use std::future::poll_fn;
    use std::io;
    use std::pin::Pin;
    use std::task::{ready, Poll};

    async fn read(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| {
            let mut read_buf = ReadBuf::new(buf);
            ready!(Pin::new(&mut *file).poll_read(cx, &mut read_buf))?;
            Poll::Ready(Ok(read_buf.filled().len()))
        })
        .await
    }

    async fn write_all(file: &mut File, mut src: &[u8]) -> io::Result<()> {
        while !src.is_empty() {
            let n = poll_fn(|cx| Pin::new(&mut *file).poll_write(cx, src)).await?;
            src = &src[n..];
        }
        Ok(())
    }

    /// As Tokio's `AsyncSeekExt::seek`: completes what is in flight, starts, completes.
    async fn seek(file: &mut File, pos: SeekFrom) -> io::Result<u64> {
        poll_fn(|cx| Pin::new(&mut *file).poll_complete(cx)).await?;
        Pin::new(&mut *file).start_seek(pos)?;
        poll_fn(|cx| Pin::new(&mut *file).poll_complete(cx)).await
    }

    #[test]
    fn write_seek_read_through_the_tokio_traits() {
        for (flavor, rt) in runtimes() {
            let dir = TempDir::new("fs-tokio-traits");
            rt.block_on(async {
                let path = dir.path("f.bin");
                let data = pattern(200_000);
                let mut file =
                    OpenOptions::new().read(true).write(true).create(true).open(&path).await.unwrap();
                write_all(&mut file, &data).await.unwrap();
                assert!(file.is_write_vectored());
                let bufs = [io::IoSlice::new(b"ab"), io::IoSlice::new(b"cd")];
                let n = poll_fn(|cx| Pin::new(&mut file).poll_write_vectored(cx, &bufs)).await.unwrap();
                assert_eq!(n, 4, "{flavor}");
                poll_fn(|cx| Pin::new(&mut file).poll_shutdown(cx)).await.unwrap();
                assert_eq!(std::fs::metadata(&path).unwrap().len(), 200_004, "{flavor}");

                assert_eq!(seek(&mut file, SeekFrom::Start(0)).await.unwrap(), 0, "{flavor}");
                let mut back = vec![0; data.len()];
                let mut filled = 0;
                while filled < back.len() {
                    filled += read(&mut file, &mut back[filled..]).await.unwrap();
                }
                assert_eq!(back, data, "{flavor}");
                let mut tail = [0; 8];
                assert_eq!(read(&mut file, &mut tail).await.unwrap(), 4, "{flavor}");
                assert_eq!(&tail[..4], b"abcd", "{flavor}");
                assert_eq!(read(&mut file, &mut tail).await.unwrap(), 0, "{flavor}: end of file");

                assert_eq!(seek(&mut file, SeekFrom::End(-2)).await.unwrap(), 200_002, "{flavor}");
                // No seek started: poll_complete gives the last position a seek returned.
                assert_eq!(poll_fn(|cx| Pin::new(&mut file).poll_complete(cx)).await.unwrap(), 200_002);
            });
        }
    }

    #[test]
    fn start_seek_with_an_operation_in_flight_is_an_error() {
        for (flavor, rt) in one_blocking_thread() {
            let dir = TempDir::new("fs-tokio-seek-busy");
            rt.block_on(async {
                let mut file = File::create(dir.path("f.txt")).await.unwrap();
                let release = hold_blocking_thread().await;
                write_all(&mut file, b"queued").await.unwrap();
                let err = Pin::new(&mut file).start_seek(SeekFrom::Start(0)).unwrap_err();
                assert_eq!(err.kind(), io::ErrorKind::Other, "{flavor}");
                drop(release);
                // The way Tokio's seek goes: complete, then start.
                assert_eq!(seek(&mut file, SeekFrom::Current(0)).await.unwrap(), 6, "{flavor}");
            });
        }
    }
}
