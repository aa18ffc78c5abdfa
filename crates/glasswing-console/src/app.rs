//! The UI's state and what each key does to it, apart from the terminal and the network so that it
//! can be tested as plain data: keys go in, the state changes, and the network work it needs comes
//! out as [`Effect`]s the main loop carries out.
//!
//! The task table is the live top rows the event stream keeps (`LiveTable`) followed, past them, by
//! pages of `/api/tasks` fetched for the rows on screen: with 20,000 tasks the client holds the top
//! rows and one screenful, never the whole table.

use crate::client::{self, Msg, Request};
use crate::model::{Groups, LiveTable, Overview, Row, TaskDetail, TaskPage};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

/// A screen of the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Tasks,
    Resources,
    Warnings,
    Groups,
    /// One task's detail.
    Task(u64),
    /// The whole runtime's dump, as text.
    Dump,
}

/// A sortable column of the task table: its header and the server's `sort` name.
pub struct SortColumn {
    pub header: &'static str,
    pub key: &'static str,
}

/// The task table's sortable columns, left to right as drawn.
pub const SORT_COLUMNS: [SortColumn; 7] = [
    SortColumn { header: "ID", key: "id" },
    SortColumn { header: "Busy", key: "busy" },
    SortColumn { header: "Polls", key: "polls" },
    SortColumn { header: "Poll p99", key: "poll_p99" },
    SortColumn { header: "Sched max", key: "max_scheduled" },
    SortColumn { header: "Idle", key: "idle" },
    SortColumn { header: "Age", key: "age" },
];

/// What the main loop must do for the state's sake.
#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    /// Follow a new event stream with this query (sort or filter changed).
    Reconnect(String),
    /// Ask the request thread.
    Fetch(Request),
}

/// The event stream's state, for the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Live,
    Lost(String),
}

/// How many top rows the event stream keeps (the server's `limit`): a screenful and then some; the
/// rest of the table comes in pages.
pub const STREAM_LIMIT: usize = 100;
/// Waits this long after the last key typed into the filter before asking the server for it.
const FILTER_SETTLE: Duration = Duration::from_millis(300);
/// How often the open view's own data (a task's detail, groups, a page) is asked for again.
const REFRESH: Duration = Duration::from_secs(1);

/// Everything the screen shows.
pub struct App {
    pub view: View,
    /// Where Esc goes back to from a task's detail or the dump.
    pub back: Vec<View>,
    /// Index into `SORT_COLUMNS`.
    pub sort: usize,
    pub descending: bool,
    /// The filter the server applies.
    pub filter: String,
    /// The filter being typed after `/` (`None` when not typing).
    pub editing: Option<String>,
    filter_typed_at: Option<Instant>,
    pub table: LiveTable,
    /// A page of rows past the live ones, and the query it answered.
    pub page: Option<(String, TaskPage)>,
    page_asked: Option<(String, Instant)>,
    page_at: Option<Instant>,
    /// The selected row of the current list view, and the first row on screen.
    pub selected: usize,
    pub scroll: usize,
    /// Rows the task table has room for (set by the drawing).
    pub table_height: usize,
    pub overview: Overview,
    pub link: Link,
    /// The stream generation whose ticks count.
    pub generation: u64,
    pub detail: Option<Box<TaskDetail>>,
    pub detail_error: Option<String>,
    detail_asked: Option<Instant>,
    pub groups: Groups,
    groups_asked: Option<Instant>,
    pub dump: Option<Result<String, String>>,
    /// The first line shown of a task's detail or of the dump.
    pub scroll_detail: usize,
    /// A one-line message for the footer (a request that failed).
    pub notice: Option<String>,
    pub quit: bool,
}

impl App {
    /// The state at start: the task table sorted by busy time, most first.
    pub fn new() -> App {
        App {
            view: View::Tasks,
            back: Vec::new(),
            sort: 1,
            descending: true,
            filter: String::new(),
            editing: None,
            filter_typed_at: None,
            table: LiveTable::default(),
            page: None,
            page_asked: None,
            page_at: None,
            selected: 0,
            scroll: 0,
            table_height: 20,
            overview: Overview::default(),
            link: Link::Connecting,
            generation: 0,
            detail: None,
            detail_error: None,
            detail_asked: None,
            groups: Groups::default(),
            groups_asked: None,
            dump: None,
            scroll_detail: 0,
            notice: None,
            quit: false,
        }
    }

    /// The event stream's query for the current sort and filter.
    pub fn stream_query(&self) -> String {
        format!(
            "{}&limit={STREAM_LIMIT}",
            client::query(SORT_COLUMNS[self.sort].key, self.descending, &self.filter)
        )
    }

    /// The rows the current list view has.
    pub fn list_len(&self) -> usize {
        match self.view {
            View::Tasks => self.table.matched as usize,
            View::Resources => self.overview.resources.len(),
            View::Warnings => self.overview.warnings.len(),
            View::Groups => self.groups.groups.len(),
            View::Task(_) | View::Dump => 0,
        }
    }

    /// The task table's row at `index`: from the live rows, else from the page.
    pub fn task_row(&self, index: usize) -> Option<&Row> {
        if index < self.table.len() {
            return self.table.get(index);
        }
        let (query, page) = self.page.as_ref()?;
        if *query != self.page_query() {
            return None;
        }
        let i = index.checked_sub(page.offset as usize)?;
        page.rows.get(i)
    }

    /// The page query for the rows on screen now.
    fn page_query(&self) -> String {
        format!(
            "{}&offset={}&limit={}",
            client::query(SORT_COLUMNS[self.sort].key, self.descending, &self.filter),
            self.scroll,
            self.table_height.clamp(1, 1000)
        )
    }

    /// Takes in one message from the background threads.
    pub fn on_msg(&mut self, msg: Msg) {
        match msg {
            Msg::Tick { generation, first, tick } => {
                if generation != self.generation {
                    return;
                }
                if first {
                    self.table.clear();
                }
                self.link = Link::Live;
                self.overview = tick.overview;
                self.table.apply(tick.tasks);
                self.clamp_selection();
            }
            Msg::StreamLost { generation, error } => {
                if generation == self.generation {
                    self.link = Link::Lost(error);
                }
            }
            Msg::Page { query, result } => {
                self.page_asked = self.page_asked.take().filter(|(q, _)| *q != query);
                match result {
                    Ok(page) => {
                        self.page_at = Some(Instant::now());
                        self.table.matched = self.table.matched.max(page.matched);
                        self.page = Some((query, page));
                    }
                    Err(e) => self.notice = Some(e),
                }
            }
            Msg::Detail { id, result } => {
                self.detail_asked = None;
                if self.view != View::Task(id) {
                    return;
                }
                match result {
                    Ok(d) => {
                        self.detail = Some(d);
                        self.detail_error = None;
                    }
                    Err(e) => self.detail_error = Some(e),
                }
            }
            Msg::Groups(result) => {
                self.groups_asked = None;
                match result {
                    Ok(g) => self.groups = g,
                    Err(e) => self.notice = Some(e),
                }
            }
            Msg::Dump(result) => self.dump = Some(result),
        }
    }

    /// What the open view needs from the network now (called each turn of the main loop).
    pub fn due(&mut self, now: Instant) -> Vec<Effect> {
        let mut effects = Vec::new();
        let stale = |asked: Option<Instant>| asked.is_none_or(|t| now.duration_since(t) >= REFRESH);
        if let Some(typed) = self.filter_typed_at {
            if now.duration_since(typed) >= FILTER_SETTLE {
                self.filter_typed_at = None;
                let text = self.editing.clone().unwrap_or_else(|| self.filter.clone());
                if text != self.filter {
                    self.filter = text;
                    effects.push(self.reconnect());
                }
            }
        }
        match self.view {
            View::Tasks => {
                // Rows on screen past the live ones come from a page, asked again each second.
                let last_shown = self.scroll + self.table_height;
                if last_shown > self.table.len() && (self.table.matched as usize) > self.table.len() {
                    let query = self.page_query();
                    let in_flight = self
                        .page_asked
                        .as_ref()
                        .is_some_and(|(q, t)| *q == query && now.duration_since(*t) < REFRESH * 5);
                    let fresh = self.page.as_ref().is_some_and(|(q, _)| *q == query)
                        && self.page_at.is_some_and(|t| now.duration_since(t) < REFRESH);
                    if !in_flight && !fresh {
                        self.page_asked = Some((query.clone(), now));
                        effects.push(Effect::Fetch(Request::Page(query)));
                    }
                }
            }
            View::Task(id) if stale(self.detail_asked) => {
                self.detail_asked = Some(now);
                effects.push(Effect::Fetch(Request::Detail(id)));
            }
            View::Groups if stale(self.groups_asked) => {
                self.groups_asked = Some(now);
                effects.push(Effect::Fetch(Request::Groups));
            }
            _ => {}
        }
        effects
    }

    fn reconnect(&mut self) -> Effect {
        self.generation += 1;
        self.link = Link::Connecting;
        self.page = None;
        self.page_asked = None;
        self.selected = 0;
        self.scroll = 0;
        Effect::Reconnect(self.stream_query())
    }

    fn clamp_selection(&mut self) {
        let len = self.list_len();
        if self.selected >= len {
            self.selected = len.saturating_sub(1);
        }
    }

    fn move_selection(&mut self, by: isize) {
        let len = self.list_len();
        if len == 0 {
            self.selected = 0;
            return;
        }
        self.selected = self.selected.saturating_add_signed(by).min(len - 1);
        let height = self.table_height.max(1);
        if self.selected < self.scroll {
            self.scroll = self.selected;
        } else if self.selected >= self.scroll + height {
            self.scroll = self.selected + 1 - height;
        }
    }

    fn switch(&mut self, view: View) {
        if self.view != view {
            self.view = view;
            self.back.clear();
            self.selected = 0;
            self.scroll = 0;
        }
    }

    fn open_task(&mut self, id: u64) {
        self.back.push(self.view);
        self.view = View::Task(id);
        self.detail = None;
        self.detail_error = None;
        self.detail_asked = None;
        self.scroll_detail = 0;
    }

    /// Handles one key; returns the network work it needs.
    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return Vec::new();
        }
        if let Some(text) = &mut self.editing {
            match key.code {
                KeyCode::Enter => {
                    let text = std::mem::take(text);
                    self.editing = None;
                    self.filter_typed_at = None;
                    if text != self.filter {
                        self.filter = text;
                        return vec![self.reconnect()];
                    }
                }
                KeyCode::Esc => {
                    self.editing = None;
                    self.filter_typed_at = None;
                    if !self.filter.is_empty() {
                        self.filter.clear();
                        return vec![self.reconnect()];
                    }
                }
                KeyCode::Backspace => {
                    text.pop();
                    self.filter_typed_at = Some(Instant::now());
                }
                KeyCode::Char(c) => {
                    text.push(c);
                    self.filter_typed_at = Some(Instant::now());
                }
                _ => {}
            }
            return Vec::new();
        }
        let mut effects = Vec::new();
        match key.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('t') => self.switch(View::Tasks),
            KeyCode::Char('r') => self.switch(View::Resources),
            KeyCode::Char('w') => self.switch(View::Warnings),
            KeyCode::Char('g') => {
                self.switch(View::Groups);
                self.groups_asked = None;
            }
            KeyCode::Char('d') => {
                if self.view != View::Dump {
                    self.back.push(self.view);
                    self.view = View::Dump;
                    self.dump = None;
                    self.scroll_detail = 0;
                }
                effects.push(Effect::Fetch(Request::Dump));
            }
            KeyCode::Esc | KeyCode::Backspace => {
                if let Some(v) = self.back.pop() {
                    self.view = v;
                    self.clamp_selection();
                } else if self.view == View::Tasks && !self.filter.is_empty() {
                    self.filter.clear();
                    effects.push(self.reconnect());
                }
            }
            KeyCode::Char('/') if self.view == View::Tasks => {
                self.editing = Some(self.filter.clone());
            }
            KeyCode::Left | KeyCode::Char('h') if self.view == View::Tasks => {
                self.sort = (self.sort + SORT_COLUMNS.len() - 1) % SORT_COLUMNS.len();
                effects.push(self.reconnect());
            }
            KeyCode::Right | KeyCode::Char('l') if self.view == View::Tasks => {
                self.sort = (self.sort + 1) % SORT_COLUMNS.len();
                effects.push(self.reconnect());
            }
            KeyCode::Char('i') if self.view == View::Tasks => {
                self.descending = !self.descending;
                effects.push(self.reconnect());
            }
            KeyCode::Down | KeyCode::Char('j') => self.scroll_by(1),
            KeyCode::Up | KeyCode::Char('k') => self.scroll_by(-1),
            KeyCode::PageDown => self.scroll_by(self.table_height.max(1) as isize),
            KeyCode::PageUp => self.scroll_by(-(self.table_height.max(1) as isize)),
            KeyCode::Home => self.scroll_by(isize::MIN / 2),
            KeyCode::End => self.scroll_by(isize::MAX / 2),
            KeyCode::Enter => match self.view {
                View::Tasks => {
                    if let Some(id) = self.task_row(self.selected).map(|r| r.id) {
                        self.open_task(id);
                    }
                }
                View::Warnings => {
                    if let Some(id) = self.overview.warnings.get(self.selected).and_then(|w| w.task) {
                        self.open_task(id);
                    }
                }
                View::Resources => {
                    let resource = self.overview.resources.get(self.selected);
                    if let Some(id) = resource.and_then(|r| r.waiters.first()).and_then(|w| w.task) {
                        self.open_task(id);
                    }
                }
                View::Groups => {
                    if let Some(g) = self.groups.groups.get(self.selected) {
                        self.filter = g.group.clone();
                        self.switch(View::Tasks);
                        effects.push(self.reconnect());
                    }
                }
                View::Task(_) | View::Dump => {}
            },
            _ => {}
        }
        effects
    }

    fn scroll_by(&mut self, by: isize) {
        match self.view {
            View::Task(_) | View::Dump => {
                self.scroll_detail = self.scroll_detail.saturating_add_signed(by);
            }
            _ => self.move_selection(by),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TasksDelta, Tick};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn rows(ids: &[u64]) -> Vec<Row> {
        ids.iter()
            .map(|&id| Row { id, name: Some(format!("task-{id}")), state: "idle".into(), ..Row::default() })
            .collect()
    }

    fn tick(app: &mut App, ids: &[u64], matched: u64, first: bool) {
        let tasks =
            TasksDelta { total: matched, matched, order: ids.to_vec(), changed: rows(ids), removed: vec![] };
        let tick = Box::new(Tick { tasks, ..Tick::default() });
        app.on_msg(Msg::Tick { generation: app.generation, first, tick });
    }

    #[test]
    fn sorting_reconnects_with_the_column_and_direction() {
        let mut app = App::new();
        assert_eq!(app.stream_query(), "sort=busy&dir=desc&limit=100");
        assert_eq!(
            app.on_key(key(KeyCode::Right)),
            [Effect::Reconnect("sort=polls&dir=desc&limit=100".into())]
        );
        assert_eq!(
            app.on_key(key(KeyCode::Char('i'))),
            [Effect::Reconnect("sort=polls&dir=asc&limit=100".into())]
        );
        app.on_key(key(KeyCode::Left));
        assert_eq!(
            app.on_key(key(KeyCode::Char('h'))),
            [Effect::Reconnect("sort=id&dir=asc&limit=100".into())]
        );
        assert_eq!(app.generation, 4);
        // A tick of an older stream is ignored.
        let old = Box::new(Tick::default());
        app.on_msg(Msg::Tick { generation: 3, first: true, tick: old });
        assert_eq!(app.link, Link::Connecting);
    }

    #[test]
    fn the_filter_applies_when_typing_settles_or_on_enter() {
        let mut app = App::new();
        assert!(app.on_key(key(KeyCode::Char('/'))).is_empty());
        for c in "alp".chars() {
            assert!(app.on_key(key(KeyCode::Char(c))).is_empty());
        }
        assert_eq!(app.editing.as_deref(), Some("alp"));
        // Typing settled: the server gets the filter, and typing goes on.
        let later = Instant::now() + FILTER_SETTLE;
        assert_eq!(app.due(later), [Effect::Reconnect("sort=busy&dir=desc&filter=alp&limit=100".into())]);
        app.on_key(key(KeyCode::Char('h')));
        assert_eq!(
            app.on_key(key(KeyCode::Enter)),
            [Effect::Reconnect("sort=busy&dir=desc&filter=alph&limit=100".into())]
        );
        assert_eq!((app.editing.as_deref(), app.filter.as_str()), (None, "alph"));
        // Esc in the table clears it.
        assert_eq!(app.on_key(key(KeyCode::Esc)), [Effect::Reconnect("sort=busy&dir=desc&limit=100".into())]);
    }

    #[test]
    fn moving_opening_a_task_and_back() {
        let mut app = App::new();
        tick(&mut app, &[7, 3, 9], 3, true);
        app.on_key(key(KeyCode::Down));
        app.on_key(key(KeyCode::Char('j')));
        app.on_key(key(KeyCode::Char('j')));
        assert_eq!(app.selected, 2);
        app.on_key(key(KeyCode::Char('k')));
        app.on_key(key(KeyCode::Enter));
        assert_eq!(app.view, View::Task(3));
        assert_eq!(app.due(Instant::now()), [Effect::Fetch(Request::Detail(3))]);
        // Asked already: not again until a second has passed.
        assert!(app.due(Instant::now()).is_empty());
        app.on_key(key(KeyCode::Backspace));
        assert_eq!((app.view, app.selected), (View::Tasks, 1));
        app.on_key(key(KeyCode::Char('q')));
        assert!(app.quit);
    }

    #[test]
    fn rows_past_the_live_ones_come_in_pages() {
        let mut app = App::new();
        app.table_height = 10;
        let live: Vec<u64> = (1..=100).collect();
        tick(&mut app, &live, 20_000, true);
        assert!(app.due(Instant::now()).is_empty(), "the screen shows live rows only");
        app.on_key(key(KeyCode::End));
        assert_eq!(app.selected, 19_999);
        let effects = app.due(Instant::now());
        let query = "sort=busy&dir=desc&offset=19990&limit=10".to_owned();
        assert_eq!(effects, [Effect::Fetch(Request::Page(query.clone()))]);
        assert!(app.task_row(19_995).is_none());
        let page = TaskPage {
            total: 20_000,
            matched: 20_000,
            offset: 19_990,
            rows: rows(&(30_000..30_010).collect::<Vec<_>>()),
        };
        app.on_msg(Msg::Page { query, result: Ok(page) });
        assert_eq!(app.task_row(19_995).map(|r| r.id), Some(30_005));
        assert_eq!(app.task_row(50).map(|r| r.id), Some(51));
    }
}
