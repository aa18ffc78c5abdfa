//! Drawing: the `App`'s state onto a ratatui frame. Nothing here changes the state but the task
//! table's height (how many rows the screen has room for decides which page to fetch).
//!
//! Layout, top to bottom: a title line (runtime, address, link state), a line of runtime figures
//! (workers' utilisation and queues, tasks, warnings by kind), the view tabs, the view, and a help
//! line that says which keys do what in this view.

use crate::app::{App, Link, View, SORT_COLUMNS};
use crate::fmt;
use crate::model::{Frame, Histogram, Row as TaskRow};
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame as Screen;
use std::collections::HashSet;

/// The colour of a task state, as the dashboard draws them.
pub fn state_style(state: &str) -> Style {
    match state {
        "running" => Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        "scheduled" => Style::new().fg(Color::Yellow),
        "idle" => Style::new().fg(Color::Cyan),
        "done" => Style::new().fg(Color::DarkGray),
        _ => Style::new(),
    }
}

fn warning_style(kind: &str) -> Style {
    match kind {
        "idle" => Style::new().fg(Color::Cyan),
        "stalled" | "self_wake_storm" => Style::new().fg(Color::Yellow),
        _ => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

/// Draws the whole screen.
pub fn draw(screen: &mut Screen, app: &mut App, url: &str) {
    let [title, figures, tabs, body, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(screen.area());
    draw_title(screen, title, app, url);
    draw_figures(screen, figures, app);
    draw_tabs(screen, tabs, app);
    match app.view {
        View::Tasks => draw_tasks(screen, body, app),
        View::Resources => draw_resources(screen, body, app),
        View::Warnings => draw_warnings(screen, body, app),
        View::Groups => draw_groups(screen, body, app),
        View::Task(id) => draw_task(screen, body, app, id),
        View::Dump => draw_dump(screen, body, app),
    }
    draw_help(screen, help, app);
}

fn draw_title(screen: &mut Screen, area: Rect, app: &App, url: &str) {
    let runtime = app.overview.runtime_name.as_deref().unwrap_or("(unnamed)");
    let link = match &app.link {
        Link::Connecting => Span::styled("○ connecting", Style::new().fg(Color::Yellow)),
        Link::Live => Span::styled("● live", Style::new().fg(Color::Green)),
        Link::Lost(e) => Span::styled(format!("○ reconnecting: {e}"), Style::new().fg(Color::Red)),
    };
    let line = Line::from(vec![
        Span::styled(" glasswing-console ", Style::new().bold().reversed()),
        Span::raw(format!("  runtime {runtime}  ")),
        Span::styled(url.to_owned(), Style::new().fg(Color::DarkGray)),
        Span::raw("  "),
        link,
    ]);
    screen.render_widget(Paragraph::new(line), area);
}

fn draw_figures(screen: &mut Screen, area: Rect, app: &App) {
    let o = &app.overview;
    let mut spans = vec![Span::raw(format!(" workers {}:", o.runtime.workers))];
    for w in &o.workers {
        let style = if w.utilization > 0.9 {
            Style::new().fg(Color::Red)
        } else if w.utilization > 0.5 {
            Style::new().fg(Color::Yellow)
        } else {
            Style::new().fg(Color::Green)
        };
        spans.push(Span::raw(format!(" w{} ", w.index)));
        spans.push(Span::styled(fmt::percent(w.utilization), style));
        if w.local_queue_depth > 0 {
            spans.push(Span::raw(format!(" q{}", w.local_queue_depth)));
        }
    }
    spans.push(Span::raw(format!(
        " │ tasks {} alive, {} spawned │ global queue {} │ blocking {} ({} idle) │ warnings:",
        o.runtime.alive_tasks,
        fmt::count(o.runtime.spawned_tasks),
        o.runtime.global_queue_depth,
        o.runtime.blocking_threads,
        o.runtime.idle_blocking_threads,
    )));
    let mut counts: Vec<(&String, &u64)> = o.warning_counts.iter().filter(|(_, n)| **n > 0).collect();
    counts.sort();
    if counts.is_empty() {
        spans.push(Span::styled(" none", Style::new().fg(Color::Green)));
    }
    for (kind, n) in counts {
        spans.push(Span::styled(format!(" {} {n}", kind.replace('_', " ")), warning_style(kind)));
    }
    screen.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_tabs(screen: &mut Screen, area: Rect, app: &App) {
    let tab = |key: &str, name: &str, count: Option<usize>, on: bool| {
        let text = match count {
            Some(n) => format!(" [{key}] {name} ({n}) "),
            None => format!(" [{key}] {name} "),
        };
        if on {
            Span::styled(text, Style::new().bold().reversed())
        } else {
            Span::raw(text)
        }
    };
    let v = app.view;
    let line = Line::from(vec![
        tab("t", "tasks", Some(app.table.matched as usize), v == View::Tasks),
        tab("r", "resources", Some(app.overview.resources.len()), v == View::Resources),
        tab("w", "warnings", Some(app.overview.warnings.len()), v == View::Warnings),
        tab("g", "groups", None, v == View::Groups),
        tab("d", "dump", None, v == View::Dump),
    ]);
    screen.render_widget(Paragraph::new(line), area);
}

fn draw_help(screen: &mut Screen, area: Rect, app: &App) {
    let line = if let Some(text) = &app.editing {
        Line::from(vec![
            Span::styled(" filter by name or location: ", Style::new().bold()),
            Span::raw(format!("{text}█")),
            Span::styled("   Enter keep · Esc clear", Style::new().fg(Color::DarkGray)),
        ])
    } else {
        let keys = match app.view {
            View::Tasks => {
                "↑↓/jk move · Enter detail · ←→/hl sort column · i invert · / filter · Esc clear filter · t r w g d views · q quit"
            }
            View::Resources | View::Warnings => {
                "↑↓/jk move · Enter the task's detail · t r w g d views · q quit"
            }
            View::Groups => "↑↓/jk move · Enter its tasks · t r w g d views · q quit",
            View::Task(_) | View::Dump => "↑↓/jk scroll · Esc/Backspace back · t r w g d views · q quit",
        };
        let mut spans = vec![Span::styled(format!(" {keys}"), Style::new().fg(Color::DarkGray))];
        if let Some(n) = &app.notice {
            spans.push(Span::styled(format!("  {n}"), Style::new().fg(Color::Red)));
        }
        Line::from(spans)
    };
    screen.render_widget(Paragraph::new(line), area);
}

/// Draws `rows` lines of a list from `app.scroll`, the selected one reversed.
fn list_window(app: &App, height: usize) -> std::ops::Range<usize> {
    let start = app.scroll;
    start..start + height
}

fn draw_tasks(screen: &mut Screen, area: Rect, app: &mut App) {
    // Borders and the header row.
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    app.table_height = height;
    if app.selected >= app.scroll + height {
        app.scroll = app.selected + 1 - height;
    }
    let warned: HashSet<u64> = app.overview.warnings.iter().filter_map(|w| w.task).collect();
    let sort_key = SORT_COLUMNS[app.sort].key;
    let arrow = if app.descending { "▼" } else { "▲" };
    let header_cell = |name: &str, key: Option<&str>| {
        if key == Some(sort_key) {
            Cell::from(format!("{name}{arrow}")).style(Style::new().bold().reversed())
        } else {
            Cell::from(name.to_owned()).style(Style::new().bold())
        }
    };
    let header = Row::new(vec![
        header_cell("ID", Some("id")),
        header_cell("State", None),
        header_cell("Name", None),
        header_cell("Busy", Some("busy")),
        header_cell("Polls", Some("polls")),
        header_cell("Poll p99", Some("poll_p99")),
        header_cell("Sched max", Some("max_scheduled")),
        header_cell("Idle", Some("idle")),
        header_cell("Age", Some("age")),
        header_cell("Wakers", None),
        header_cell("Location", None),
    ]);
    let widths = [
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(22),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(6),
        Constraint::Min(10),
    ];
    let location_width = usize::from(area.width).saturating_sub(8 + 9 + 22 + 9 + 8 + 9 + 10 + 9 + 9 + 6 + 12);
    let rows: Vec<Row> = list_window(app, height)
        .filter(|&i| i < app.table.matched as usize)
        .map(|i| match app.task_row(i) {
            Some(r) => task_row(r, warned.contains(&r.id), i == app.selected, location_width),
            None => {
                Row::new(vec![Cell::from("…"), Cell::from("loading")]).style(Style::new().fg(Color::DarkGray))
            }
        })
        .collect();
    let mut title = format!(
        " Tasks: {} of {} sorted by {} {}",
        app.table.matched,
        app.table.total,
        SORT_COLUMNS[app.sort].header,
        if app.descending { "(most first)" } else { "(least first)" }
    );
    if !app.filter.is_empty() {
        title.push_str(&format!(", filter \"{}\"", app.filter));
    }
    if app.table.matched > 0 {
        title.push_str(&format!(" · row {} ", app.selected + 1));
    }
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .block(Block::new().borders(Borders::ALL).title(title));
    screen.render_widget(table, area);
}

fn task_row(r: &TaskRow, warned: bool, selected: bool, location_width: usize) -> Row<'static> {
    let id = if warned { format!("{}!", r.id) } else { r.id.to_string() };
    let id_style = if warned { Style::new().fg(Color::Red).bold() } else { Style::new() };
    let row = Row::new(vec![
        Cell::from(id).style(id_style),
        Cell::from(r.state.clone()).style(state_style(&r.state)),
        Cell::from(fmt::truncate(r.name.as_deref().unwrap_or("-"), 22, false)),
        Cell::from(fmt::duration(r.busy)),
        Cell::from(fmt::count(r.polls)),
        Cell::from(fmt::opt_duration(r.poll_p99)),
        Cell::from(fmt::duration(r.max_scheduled)),
        Cell::from(fmt::duration(r.idle)),
        Cell::from(fmt::duration(r.age)),
        Cell::from(r.wakers.to_string()),
        Cell::from(fmt::truncate(&r.location, location_width.max(10), true))
            .style(Style::new().fg(Color::DarkGray)),
    ]);
    if selected {
        row.style(Style::new().reversed())
    } else {
        row
    }
}

fn selected_style(selected: bool) -> Style {
    if selected {
        Style::new().reversed()
    } else {
        Style::new()
    }
}

fn scroll_into_view(app: &mut App, height: usize) {
    if app.selected < app.scroll {
        app.scroll = app.selected;
    } else if app.selected >= app.scroll + height {
        app.scroll = app.selected + 1 - height;
    }
}

fn draw_resources(screen: &mut Screen, area: Rect, app: &mut App) {
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
    let height = usize::from(top.height.saturating_sub(3)).max(1);
    app.table_height = height;
    scroll_into_view(app, height);
    let resources = &app.overview.resources;
    let rows: Vec<Row> = list_window(app, height)
        .filter_map(|i| resources.get(i).map(|r| (i, r)))
        .map(|(i, r)| {
            let longest = r.waiters.iter().map(|w| w.waited_for).max().unwrap_or(0);
            let holders = r.holders.len() as u64 + r.other_holders;
            let mut ops: Vec<&str> = r.waiters.iter().map(|w| w.op.as_str()).collect();
            ops.dedup();
            Row::new(vec![
                Cell::from(r.kind.clone()).style(Style::new().fg(Color::Magenta)),
                Cell::from(r.name.clone().unwrap_or_else(|| "-".into())),
                Cell::from(r.waiters.len().to_string()),
                Cell::from(fmt::duration(longest)),
                Cell::from(holders.to_string()),
                Cell::from(ops.join(",")),
                Cell::from(r.location.clone()).style(Style::new().fg(Color::DarkGray)),
            ])
            .style(selected_style(i == app.selected))
        })
        .collect();
    let header = Row::new(["Kind", "Name", "Waiters", "Longest wait", "Holders", "Ops", "Created at"])
        .style(Style::new().bold());
    let widths = [
        Constraint::Length(14),
        Constraint::Length(18),
        Constraint::Length(8),
        Constraint::Length(13),
        Constraint::Length(8),
        Constraint::Length(14),
        Constraint::Min(10),
    ];
    let title = format!(" Resources waited on now: {} ", resources.len());
    screen.render_widget(
        Table::new(rows, widths).header(header).block(Block::new().borders(Borders::ALL).title(title)),
        top,
    );
    let mut lines = Vec::new();
    match resources.get(app.selected) {
        None => lines.push(Line::from("Nothing waits on a lock, a semaphore or a channel now.")),
        Some(r) => {
            lines.push(Line::from(format!(
                "{} {} created at {}",
                r.kind,
                r.name.as_deref().unwrap_or(""),
                r.location
            )));
            for h in &r.holders {
                lines.push(Line::from(format!(
                    "  held by {} at {} for {}",
                    h.task.map_or("a thread".into(), |t| format!("task {t}")),
                    h.location.as_deref().unwrap_or("?"),
                    fmt::opt_duration(h.held_for)
                )));
            }
            if r.other_holders > 0 {
                lines.push(Line::from(format!("  held by {} more (not tracked)", r.other_holders)));
            }
            for w in &r.waiters {
                lines.push(Line::from(format!(
                    "  {} waits to {} for {}",
                    w.task.map_or("a thread".into(), |t| format!("task {t}")),
                    w.op,
                    fmt::duration(w.waited_for)
                )));
            }
        }
    }
    screen.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::ALL).title(" Holders and waiters ")),
        bottom,
    );
}

fn frame_lines(frames: &[Frame], indent: &str) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut hidden = 0;
    for f in frames {
        if f.is_shown() {
            if hidden > 0 {
                lines.push(Line::styled(
                    format!("{indent}  ({hidden} runtime/std frames)"),
                    Style::new().fg(Color::DarkGray),
                ));
                hidden = 0;
            }
            let style = if f.origin == "program" { Style::new() } else { Style::new().fg(Color::Blue) };
            lines.push(Line::styled(format!("{indent}at {}", f.describe()), style));
        } else {
            hidden += 1;
        }
    }
    if hidden > 0 {
        lines.push(Line::styled(
            format!("{indent}  ({hidden} runtime/std frames)"),
            Style::new().fg(Color::DarkGray),
        ));
    }
    lines
}

fn draw_warnings(screen: &mut Screen, area: Rect, app: &mut App) {
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(area);
    let height = usize::from(top.height.saturating_sub(2)).max(1);
    app.table_height = height;
    scroll_into_view(app, height);
    let warnings = &app.overview.warnings;
    let rows: Vec<Row> = list_window(app, height)
        .filter_map(|i| warnings.get(i).map(|w| (i, w)))
        .map(|(i, w)| {
            let task = match (w.task, &w.task_name) {
                (Some(id), Some(name)) => format!("{id} {name}"),
                (Some(id), None) => id.to_string(),
                _ => "-".into(),
            };
            Row::new(vec![
                Cell::from(w.kind.replace('_', " ")).style(warning_style(&w.kind)),
                Cell::from(task),
                Cell::from(w.message.clone()),
            ])
            .style(selected_style(i == app.selected))
        })
        .collect();
    let widths = [Constraint::Length(16), Constraint::Length(24), Constraint::Min(20)];
    let title = format!(" Warnings: {} (newest last) ", warnings.len());
    let table = Table::new(rows, widths).block(Block::new().borders(Borders::ALL).title(title));
    screen.render_widget(table, top);

    let mut lines: Vec<Line> = Vec::new();
    let selected = warnings.get(app.selected);
    if let Some(w) = selected {
        lines.push(Line::styled(w.message.clone(), warning_style(&w.kind)));
    } else {
        lines.push(Line::styled("No warnings now.", Style::new().fg(Color::Green)));
    }
    // The long poll the selected warning is about, else the latest: with the worker's stack.
    let long_poll = selected
        .filter(|w| w.kind == "long_poll")
        .and_then(|w| app.overview.long_polls.iter().rev().find(|p| Some(p.task) == w.task))
        .or_else(|| app.overview.long_polls.last());
    if let Some(p) = long_poll {
        lines.push(Line::from(""));
        lines.push(Line::styled(
            format!(
                "the worker's stack: task {} {} blocked worker {} for {}{}, in {} spawned at {}",
                p.task,
                p.task_name.as_deref().unwrap_or(""),
                p.worker,
                fmt::duration(p.duration),
                if p.finished { "" } else { " so far (still running)" },
                p.future.as_deref().unwrap_or("?"),
                p.location
            ),
            Style::new().bold(),
        ));
        if let Some(why) = &p.stack_not_captured {
            lines.push(Line::from(format!("  no stack: {why}")));
        }
        lines.extend(frame_lines(&p.stack, "  "));
    }
    screen.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::new().borders(Borders::ALL).title(" Detail (long polls with the worker's stack) ")),
        bottom,
    );
}

fn draw_groups(screen: &mut Screen, area: Rect, app: &mut App) {
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    app.table_height = height;
    scroll_into_view(app, height);
    let groups = &app.groups.groups;
    let rows: Vec<Row> = list_window(app, height)
        .filter_map(|i| groups.get(i).map(|g| (i, g)))
        .map(|(i, g)| {
            Row::new(vec![
                Cell::from(g.group.clone()),
                Cell::from(g.tasks.to_string()),
                Cell::from(g.running.to_string()).style(state_style("running")),
                Cell::from(g.scheduled.to_string()).style(state_style("scheduled")),
                Cell::from(g.idle.to_string()).style(state_style("idle")),
                Cell::from(fmt::duration(g.busy)),
                Cell::from(fmt::count(g.polls)),
                Cell::from(fmt::duration(g.max_poll)),
            ])
            .style(selected_style(i == app.selected))
        })
        .collect();
    let header = Row::new([
        "Group (name or spawn location)",
        "Tasks",
        "Running",
        "Sched",
        "Idle",
        "Busy",
        "Polls",
        "Max poll",
    ])
    .style(Style::new().bold());
    let widths = [
        Constraint::Min(30),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(8),
        Constraint::Length(9),
    ];
    let title = format!(" Groups: {} (by busy time) ", groups.len());
    screen.render_widget(
        Table::new(rows, widths).header(header).block(Block::new().borders(Borders::ALL).title(title)),
        area,
    );
}

/// The upper bound of a histogram bucket, short: `1µs`, `524µs`, `268ms`, `more`.
fn bucket_label(bound: Option<u64>) -> String {
    match bound {
        None => "more".into(),
        Some(ns) => {
            let d = fmt::duration(ns);
            // Three significant digits are too many under a 5-column bar: `1.02µs` is `1µs`.
            match d.split_once('.') {
                Some((int, rest)) => {
                    let unit: String = rest.chars().skip_while(char::is_ascii_digit).collect();
                    format!("{int}{unit}")
                }
                None => d,
            }
        }
    }
}

/// A quantile of a histogram, as the upper bound of its bucket capped by the maximum.
pub fn quantile(h: &Histogram, bounds: &[Option<u64>], q: f64, max: u64) -> Option<u64> {
    let total: u64 = h.counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = ((q * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    for (i, c) in h.counts.iter().enumerate() {
        seen += c;
        if seen >= rank {
            return Some(bounds.get(i).copied().flatten().map_or(max, |b| b.min(max)));
        }
    }
    Some(max)
}

fn histogram_chart<'a>(title: String, h: &Histogram, bounds: &[Option<u64>], width: u16) -> BarChart<'a> {
    // From the first bucket with a count to the last, widened to at least 8 buckets.
    let first = h.counts.iter().position(|&c| c > 0).unwrap_or(0);
    let last = h.counts.iter().rposition(|&c| c > 0).unwrap_or(0);
    let (mut lo, mut hi) = (first, last);
    while hi - lo + 1 < 8 && (lo > 0 || hi + 1 < h.counts.len()) {
        if hi + 1 < h.counts.len() {
            hi += 1;
        }
        if hi - lo + 1 < 8 && lo > 0 {
            lo -= 1;
        }
    }
    let n = (hi + 1).saturating_sub(lo).max(1) as u16;
    let bar_width = (width.saturating_sub(2) / n).saturating_sub(1).clamp(3, 7);
    let bars: Vec<Bar> = (lo..=hi.min(h.counts.len().saturating_sub(1)))
        .filter(|_| !h.counts.is_empty())
        .map(|i| {
            Bar::default()
                .value(h.counts[i])
                .text_value(if h.counts[i] > 0 { fmt::count(h.counts[i]) } else { String::new() })
                .label(Line::from(bucket_label(bounds.get(i).copied().flatten())))
                .style(Style::new().fg(Color::Cyan))
        })
        .collect();
    BarChart::default()
        .block(Block::new().borders(Borders::ALL).title(title))
        .data(BarGroup::default().bars(&bars))
        .bar_width(bar_width)
        .bar_gap(1)
        .value_style(Style::new().fg(Color::Black).bg(Color::Cyan))
}

fn draw_task(screen: &mut Screen, area: Rect, app: &mut App, id: u64) {
    let Some(d) = app.detail.as_deref() else {
        let text = match &app.detail_error {
            Some(e) => format!("task {id}: {e}"),
            None => format!("task {id}: loading…"),
        };
        screen.render_widget(Paragraph::new(text).block(Block::new().borders(Borders::ALL)), area);
        return;
    };
    let t = &d.task;
    let [figures_area, charts_area, dump_area] =
        Layout::vertical([Constraint::Length(8), Constraint::Length(12), Constraint::Min(4)]).areas(area);

    let p50 = quantile(&t.poll_times, &d.bucket_bounds, 0.5, t.max_poll);
    let p99 = quantile(&t.poll_times, &d.bucket_bounds, 0.99, t.max_poll);
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:>16} "), Style::new().fg(Color::DarkGray)),
            Span::raw(value),
        ])
    };
    let now = match (t.idle_for, t.running_for) {
        (_, Some(r)) => format!("running for {}", fmt::duration(r)),
        (Some(i), _) => format!("idle for {}", fmt::duration(i)),
        _ => String::new(),
    };
    let left = vec![
        Line::from(vec![
            Span::styled(format!("{:>16} ", "state"), Style::new().fg(Color::DarkGray)),
            Span::styled(t.state.clone(), state_style(&t.state)),
            Span::raw(format!("  {now}")),
        ]),
        field("spawned at", t.location.clone()),
        field("parent", t.parent.map_or("-".into(), |p| p.to_string())),
        field("age", fmt::duration(t.age)),
        field("first poll after", fmt::opt_duration(t.first_poll_delay)),
        field("last worker", t.last_worker.map_or("-".into(), |w| w.to_string())),
    ];
    let right = vec![
        field(
            "busy",
            format!(
                "{}   scheduled {}   idle {}",
                fmt::duration(t.busy),
                fmt::duration(t.scheduled),
                fmt::duration(t.idle)
            ),
        ),
        field("polls", format!("{} ({} timed)", fmt::count(t.polls), fmt::count(t.timed_polls))),
        field(
            "poll time",
            format!(
                "p50 {}   p99 {}   max {}",
                fmt::opt_duration(p50),
                fmt::opt_duration(p99),
                fmt::duration(t.max_poll)
            ),
        ),
        field("scheduled max", fmt::duration(t.max_scheduled)),
        field(
            "wakes",
            format!(
                "{} ({} self, {} yields)   last {}",
                t.wakes,
                t.self_wakes,
                t.yields,
                t.last_wake.map_or("never".into(), |d| format!("{} ago", fmt::duration(d)))
            ),
        ),
        field("wakers alive", t.wakers.to_string()),
    ];
    let title =
        format!(" Task {} {} ", t.id, t.name.as_deref().map(|n| format!("\"{n}\"")).unwrap_or_default());
    let block = Block::new().borders(Borders::ALL).title(Span::styled(title, Style::new().bold()));
    let inner = block.inner(figures_area);
    screen.render_widget(block, figures_area);
    let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(inner);
    screen.render_widget(Paragraph::new(left), l);
    screen.render_widget(Paragraph::new(right), r);

    let [poll_area, sched_area] =
        Layout::new(Direction::Horizontal, [Constraint::Percentage(60), Constraint::Percentage(40)])
            .areas(charts_area);
    let polls: u64 = t.poll_times.counts.iter().sum();
    screen.render_widget(
        histogram_chart(
            format!(" Poll times histogram ({polls} timed polls) "),
            &t.poll_times,
            &d.bucket_bounds,
            poll_area.width,
        ),
        poll_area,
    );
    let sched: u64 = t.scheduled_times.counts.iter().sum();
    screen.render_widget(
        histogram_chart(
            format!(" Scheduled times ({sched}) "),
            &t.scheduled_times,
            &d.bucket_bounds,
            sched_area.width,
        ),
        sched_area,
    );

    let mut lines: Vec<Line> = Vec::new();
    match &d.dump {
        None => lines.push(Line::from("(no dump: the task has finished, or the console did not trace it)")),
        Some(dump) => {
            if let Some(p) = &dump.trace_panic {
                lines.push(Line::styled(format!("tracing it panicked: {p}"), Style::new().fg(Color::Red)));
            }
            if dump.waits_on.is_empty() && dump.stack.is_empty() {
                lines.push(Line::from(if dump.traced {
                    "waits on nothing the trace could see"
                } else {
                    "not traced (running or scheduled now: its stack is the worker's)"
                }));
            }
            for leaf in &dump.waits_on {
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("waits on {}: ", leaf.kind.replace('_', " ")),
                        Style::new().fg(Color::Yellow).bold(),
                    ),
                    Span::raw(leaf.detail.clone()),
                ]));
                lines.extend(frame_lines(&leaf.frames, "  "));
            }
            if !dump.stack.is_empty() {
                lines.push(Line::styled("running now, its worker's stack:", Style::new().bold()));
                lines.extend(frame_lines(&dump.stack, "  "));
            }
        }
    }
    let max_scroll = lines.len().saturating_sub(usize::from(dump_area.height.saturating_sub(2)));
    app.scroll_detail = app.scroll_detail.min(max_scroll);
    screen.render_widget(
        Paragraph::new(Text::from(lines)).scroll((app.scroll_detail as u16, 0)).block(
            Block::new()
                .borders(Borders::ALL)
                .title(" Dump: what it waits on, the await chain from its root "),
        ),
        dump_area,
    );
}

fn draw_dump(screen: &mut Screen, area: Rect, app: &mut App) {
    let text = match &app.dump {
        None => "asking the console for a dump…".to_owned(),
        Some(Ok(t)) => t.clone(),
        Some(Err(e)) => format!("the dump failed: {e}"),
    };
    let lines = text.lines().count();
    let max_scroll = lines.saturating_sub(usize::from(area.height.saturating_sub(2)));
    app.scroll_detail = app.scroll_detail.min(max_scroll);
    screen.render_widget(
        Paragraph::new(text)
            .scroll((app.scroll_detail as u16, 0))
            .block(Block::new().borders(Borders::ALL).title(" Dump of every task (d again to refresh) ")),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Msg;
    use crate::model::{Leaf, TaskDetail, TaskDump, TaskFull, TasksDelta, Tick};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn render(app: &mut App) -> String {
        let mut terminal = Terminal::new(TestBackend::new(160, 45)).unwrap();
        terminal.draw(|f| draw(f, app, "http://127.0.0.1:6669")).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let mut text = String::new();
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                text.push_str(buffer[(x, y)].symbol());
            }
            text.push('\n');
        }
        text
    }

    #[test]
    fn the_task_table_and_a_tasks_detail_draw() {
        let mut app = App::new();
        let changed = vec![
            TaskRow {
                id: 1,
                name: Some("alpha".into()),
                state: "running".into(),
                busy: 2_500_000,
                ..TaskRow::default()
            },
            TaskRow { id: 2, location: "src/lib.rs:4:1".into(), state: "idle".into(), ..TaskRow::default() },
        ];
        let tasks = TasksDelta { total: 2, matched: 2, order: vec![1, 2], changed, removed: vec![] };
        app.on_msg(Msg::Tick {
            generation: 0,
            first: true,
            tick: Box::new(Tick { tasks, ..Tick::default() }),
        });
        let screen = render(&mut app);
        assert!(screen.contains("Busy▼"), "{screen}");
        assert!(
            screen.contains("alpha") && screen.contains("2.50ms") && screen.contains("src/lib.rs:4:1"),
            "{screen}"
        );
        assert!(screen.contains("● live"), "{screen}");
        assert_eq!(app.table_height, 45 - 4 - 3);

        app.view = View::Task(1);
        let frames = vec![Frame {
            function: Some("app::wait_here".into()),
            file: Some("/src/app/main.rs".into()),
            line: Some(7),
            origin: "program".into(),
        }];
        let mut counts = vec![0; 20];
        counts[3] = 5;
        app.detail = Some(Box::new(TaskDetail {
            task: TaskFull {
                id: 1,
                name: Some("alpha".into()),
                poll_times: Histogram { counts },
                ..TaskFull::default()
            },
            bucket_bounds: (0..19).map(|i| Some(1024 << i)).chain([None]).collect(),
            dump: Some(TaskDump {
                traced: true,
                waits_on: vec![Leaf { kind: "sleep".into(), detail: "sleep, 3s left".into(), frames }],
                ..TaskDump::default()
            }),
        }));
        let screen = render(&mut app);
        assert!(screen.contains("Task 1 \"alpha\""), "{screen}");
        assert!(screen.contains("Poll times histogram (5 timed polls)"), "{screen}");
        assert!(screen.contains("8µs"), "the bucket's label: {screen}");
        assert!(screen.contains("waits on sleep: sleep, 3s left"), "{screen}");
        assert!(screen.contains("at app::wait_here (app/main.rs:7)"), "{screen}");
    }

    #[test]
    fn bucket_labels_fit_under_a_bar() {
        assert_eq!(bucket_label(Some(1024)), "1µs");
        assert_eq!(bucket_label(Some(524_288)), "524µs");
        assert_eq!(bucket_label(Some(268_435_456)), "268ms");
        assert_eq!(bucket_label(None), "more");
    }

    #[test]
    fn quantiles_from_buckets() {
        let h = Histogram { counts: vec![1, 0, 98, 1] };
        let bounds = [Some(1024), Some(2048), Some(4096), None];
        assert_eq!(quantile(&h, &bounds, 0.5, 10_000), Some(4096));
        assert_eq!(quantile(&h, &bounds, 0.99, 10_000), Some(4096));
        assert_eq!(quantile(&h, &bounds, 1.0, 10_000), Some(10_000));
        assert_eq!(quantile(&h, &bounds, 0.5, 3000), Some(3000));
        assert_eq!(quantile(&Histogram::default(), &bounds, 0.5, 0), None);
    }
}
