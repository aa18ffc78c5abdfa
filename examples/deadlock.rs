//! A bug diagnostics find: two tasks that take the same two locks in opposite order.
//!
//! `transfer` locks `accounts` then `ledger`; `audit` locks `ledger` then `accounts`. Each gets its
//! first lock, then waits forever for the other's. No runtime says anything about this: every task
//! is just "waiting". Glasswing's watchdog follows the waits (each task waits on a lock that the
//! other holds) and, about two seconds in (two looks a second apart, each wait older than half a
//! second), prints one `deadlock:` line on stderr that walks the cycle: each task, the line where it
//! waits, the lock (its name and the line that created it) and the line where the other task locked
//! it.
//!
//! `cargo run --example deadlock`

use glasswing::diag::WarningKind;
use glasswing::sync::{Barrier, Mutex};
use std::sync::Arc;
use std::time::Duration;

struct Bank {
    accounts: Mutex<Vec<u64>>,
    ledger: Mutex<Vec<String>>,
}

async fn transfer(bank: Arc<Bank>, both_locked_one: Arc<Barrier>) {
    let mut accounts = bank.accounts.lock().await;
    both_locked_one.wait().await;
    let mut ledger = bank.ledger.lock().await; // BUG: `audit` takes these in the other order
    accounts[0] -= 10;
    ledger.push("moved 10".into());
}

async fn audit(bank: Arc<Bank>, both_locked_one: Arc<Barrier>) {
    let ledger = bank.ledger.lock().await;
    both_locked_one.wait().await;
    let accounts = bank.accounts.lock().await;
    println!("{} entries, {} accounts", ledger.len(), accounts.len());
}

#[glasswing::main]
async fn main() {
    let bank = Arc::new(Bank {
        accounts: Mutex::new(vec![100, 0]).named("accounts"),
        ledger: Mutex::new(Vec::new()).named("ledger"),
    });
    // The barrier makes the bad interleaving certain: each task holds its first lock before either
    // asks for its second.
    let barrier = Arc::new(Barrier::new(2));
    let task = glasswing::task::Builder::new;
    task().name("transfer").spawn(transfer(bank.clone(), barrier.clone())).unwrap();
    task().name("audit").spawn(audit(bank.clone(), barrier.clone())).unwrap();
    // The watchdog has said it on stderr by now; the program reads it back to end the example.
    let diagnostics = glasswing::runtime::Handle::current().diagnostics();
    while !diagnostics.warnings().iter().any(|w| w.kind == WarningKind::Deadlock) {
        glasswing::time::sleep(Duration::from_millis(100)).await;
    }
    println!("the watchdog found the deadlock; a task dump shows the same waits:\n");
    println!("{}", glasswing::runtime::Handle::current().dump());
}
