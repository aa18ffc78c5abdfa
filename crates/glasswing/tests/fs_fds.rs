//! `glasswing::fs` leaves no file descriptor behind: Files and directory listings dropped with
//! nothing in flight close at once. Alone in its binary, since fds are counted process-wide.

#![cfg(target_os = "linux")]

mod support;

use futures::io::AsyncReadExt;
use glasswing::fs::{self, File};
use support::TempDir;

#[test]
fn opening_and_dropping_files_leaves_no_fd_behind() {
    fn open_fds() -> usize {
        std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
    }
    let rt = support::multi_thread();
    let dir = TempDir::new("fs-fds");
    rt.block_on(async {
        let path = dir.path("f.txt");
        fs::write(&path, "x").await.unwrap();
        drop(File::open(&path).await.unwrap());
        let before = open_fds();
        for _ in 0..500 {
            let mut file = File::open(&path).await.unwrap();
            let mut buf = Vec::new();
            file.read_to_end(&mut buf).await.unwrap();
            let mut entries = fs::read_dir(dir.path("")).await.unwrap();
            while entries.next_entry().await.unwrap().is_some() {}
        }
        // A File dropped with nothing in flight closes at once.
        assert_eq!(open_fds(), before);
    });
}
