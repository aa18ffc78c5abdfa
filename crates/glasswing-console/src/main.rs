//! `glasswing-console`: a terminal UI for a running Glasswing program's console endpoint (what
//! `GLASSWING_CONSOLE=127.0.0.1:6669` or `runtime::Builder::console` starts), the terminal twin of
//! the web dashboard: the live task table, resources, warnings with the blocked worker's stack,
//! task groups, one task's figures, poll-time histogram and await chain, and the whole dump.
//!
//! Shaped as tokio-console is, so its users find their way: `t`/`r` views, arrows or `j`/`k` to
//! move, Enter for a task's detail, Esc back, `←`/`→` and `i` to sort, `q` to quit. The network
//! runs on background threads (`client`); the screen redraws from what they last sent.

mod app;
mod client;
mod fmt;
mod http;
mod model;
mod sse;
mod ui;

use app::{App, Effect};
use client::{Msg, Request, Stream};
use crossterm::event::{self, Event, KeyEventKind};
use http::{Error, Target};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const USAGE: &str = "\
glasswing-console: a terminal UI for a running Glasswing program's console

usage: glasswing-console [--token TOKEN] [URL]

  URL            where the program's console listens, as it printed it at start:
                 http://127.0.0.1:6669 (the default), 127.0.0.1:6669 or just 6669.
                 Turn it on in the program with GLASSWING_CONSOLE=127.0.0.1:6669
                 (or runtime::Builder::console).
  --token TOKEN  the bearer token of a console that allows remote clients
                 (Builder::console_allow_remote); also read from GLASSWING_CONSOLE_TOKEN.
  -h, --help     this help
  -V, --version  the version

keys: t tasks · r resources · w warnings · g groups · d dump of every task
      ↑↓ or j k move · Enter a task's detail · Esc/Backspace back
      ←→ or h l the sort column · i invert the sort · / filter by name or location · q quit";

fn main() {
    let target = match parse_args(std::env::args().skip(1)) {
        Ok(Some(t)) => t,
        Ok(None) => return,
        Err(e) => {
            eprintln!("glasswing-console: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    // One plain request first: a wrong address says so in the shell, not in a blank screen.
    if let Err(e) = preflight(&target) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    let mut terminal = ratatui::init();
    let result = run(&mut terminal, &target);
    ratatui::restore();
    if let Err(e) = result {
        eprintln!("glasswing-console: {e}");
        std::process::exit(1);
    }
}

/// The target, or `None` when the arguments asked for help or the version (printed here).
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Target>, String> {
    let mut url = None;
    let mut token = std::env::var("GLASSWING_CONSOLE_TOKEN").ok().filter(|t| !t.is_empty());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("glasswing-console {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "--token" => token = Some(args.next().ok_or("--token wants a value: --token TOKEN")?),
            a if a.starts_with("--token=") => token = Some(a["--token=".len()..].to_owned()),
            a if a.starts_with('-') => return Err(format!("unknown option {a}")),
            a if url.is_none() => url = Some(a.to_owned()),
            a => return Err(format!("one URL only: {a} is a second")),
        }
    }
    let url = url.unwrap_or_else(|| "http://127.0.0.1:6669".to_owned());
    Target::parse(&url, token).map(Some)
}

fn preflight(target: &Target) -> Result<(), String> {
    let url = target.url();
    let not_there = |why: String| {
        format!(
            "no Glasswing console at {url}: is the program running with \
             GLASSWING_CONSOLE={} set? ({why})",
            target.authority
        )
    };
    match target.get("/api/overview") {
        Ok(body) => serde_json::from_slice::<model::Overview>(&body)
            .map(drop)
            .map_err(|e| not_there(format!("/api/overview is not a Glasswing console's: {e}"))),
        Err(Error::Unauthorized) => Err(format!(
            "the Glasswing console at {url} wants a token: glasswing-console --token TOKEN {url}"
        )),
        Err(e) => Err(not_there(e.to_string())),
    }
}

fn run(terminal: &mut ratatui::DefaultTerminal, target: &Target) -> std::io::Result<()> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let (req_tx, req_rx) = mpsc::channel::<Request>();
    client::start_requests(target.clone(), req_rx, tx.clone());
    let mut app = App::new();
    let mut stream = Stream::start(target.clone(), app.stream_query(), app.generation, tx.clone());
    let url = target.url();
    // Drawn when something changed: news from the background threads, a key, a resize.
    let mut dirty = true;
    loop {
        let mut effects = app.due(Instant::now());
        while let Ok(msg) = rx.try_recv() {
            app.on_msg(msg);
            dirty = true;
        }
        if dirty {
            terminal.draw(|f| ui::draw(f, &mut app, &url))?;
            dirty = false;
        }
        // Input, or a tenth of a second: the background threads' news is drawn at that pace.
        if event::poll(Duration::from_millis(100))? {
            match event::read()? {
                Event::Key(key) if key.kind != KeyEventKind::Release => {
                    effects.extend(app.on_key(key));
                    dirty = true;
                }
                Event::Resize(..) => dirty = true,
                _ => {}
            }
        }
        for effect in effects {
            match effect {
                Effect::Reconnect(query) => {
                    // The old stream's thread ends when its socket closes (its drop does that).
                    stream = Stream::start(target.clone(), query, app.generation, tx.clone());
                }
                Effect::Fetch(request) => {
                    let _ = req_tx.send(request);
                }
            }
        }
        if app.quit {
            drop(stream);
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Option<Target>, String> {
        parse_args(a.iter().map(|s| s.to_string()))
    }

    #[test]
    fn arguments() {
        let t = args(&["--token", "abc", "http://127.0.0.1:7000"]).unwrap().unwrap();
        assert_eq!((t.authority.as_str(), t.token.as_deref()), ("127.0.0.1:7000", Some("abc")));
        assert_eq!(args(&[]).unwrap().unwrap().authority, "127.0.0.1:6669");
        assert_eq!(args(&["--token=x", "7000"]).unwrap().unwrap().token.as_deref(), Some("x"));
        assert!(args(&["--token"]).unwrap_err().contains("wants a value"));
        assert!(args(&["--nope"]).unwrap_err().contains("unknown option"));
        assert!(args(&["1", "2"]).unwrap_err().contains("one URL only"));
    }

    #[test]
    fn nothing_there_says_how_to_turn_it_on() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = preflight(&Target::parse(&port.to_string(), None).unwrap()).unwrap_err();
        let want = format!(
            "no Glasswing console at http://127.0.0.1:{port}: is the program running with \
             GLASSWING_CONSOLE=127.0.0.1:{port} set?"
        );
        assert!(e.starts_with(&want), "{e}");
    }
}
