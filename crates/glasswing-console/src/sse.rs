//! Server-Sent Events framing: bytes in, `(event, data)` pairs out.
//!
//! Kept apart from the socket so that it can be fed any split of the stream (a TCP read ends
//! anywhere, in the middle of a line or of a UTF-8 character) and tested without one. Follows the
//! WHATWG rules the console's events need: `event:` and `data:` fields (several `data:` lines
//! joined by `\n`), comments (`:` lines, the server's keep-alives) ignored, `\n`, `\r\n` or `\r` line
//! ends, an event dispatched at a blank line.

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The `event:` field; `message` when the server gave none.
    pub event: String,
    /// The `data:` lines, joined by `\n`.
    pub data: String,
}

/// The parser's state between reads.
#[derive(Default)]
pub struct Parser {
    /// Bytes of a line not yet ended.
    line: Vec<u8>,
    /// The last byte seen was a `\r`, so a `\n` right after it ends nothing more.
    after_cr: bool,
    event: Option<String>,
    data: Option<String>,
}

/// A line longer than this is not the console's (its ticks are bounded well under it): the
/// parser drops the connection's data rather than grow without end.
const MAX_LINE: usize = 64 << 20;

impl Parser {
    /// A parser at the start of a stream.
    pub fn new() -> Parser {
        Parser::default()
    }

    /// Feeds `bytes`, appending each event they complete to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Event>) {
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&line, out);
                }
                _ => {
                    self.after_cr = false;
                    if self.line.len() < MAX_LINE {
                        self.line.push(b);
                    }
                }
            }
        }
    }

    fn line_done(&mut self, line: &[u8], out: &mut Vec<Event>) {
        if line.is_empty() {
            if let Some(data) = self.data.take() {
                let event = self.event.take().unwrap_or_else(|| "message".to_owned());
                out.push(Event { event, data });
            }
            self.event = None;
            return;
        }
        let line = String::from_utf8_lossy(line);
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (&*line, ""),
        };
        match field {
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_pieces(text: &str, piece: usize) -> Vec<Event> {
        let mut p = Parser::new();
        let mut out = Vec::new();
        for chunk in text.as_bytes().chunks(piece) {
            p.feed(chunk, &mut out);
        }
        out
    }

    #[test]
    fn events_whatever_the_reads_split() {
        let text = ": keep-alive\n\nevent: tick\ndata: {\"a\":1}\n\nevent: tick\r\ndata: x\r\ndata: y\r\n\r\ndata: plain\n\n";
        let want = vec![
            Event { event: "tick".into(), data: "{\"a\":1}".into() },
            Event { event: "tick".into(), data: "x\ny".into() },
            Event { event: "message".into(), data: "plain".into() },
        ];
        for piece in 1..text.len() {
            assert_eq!(parse_in_pieces(text, piece), want, "read in pieces of {piece} bytes");
        }
    }

    #[test]
    fn an_unfinished_event_waits_for_its_blank_line() {
        let mut p = Parser::new();
        let mut out = Vec::new();
        p.feed(b"event: tick\ndata: 1\n", &mut out);
        assert!(out.is_empty());
        p.feed(b"\n", &mut out);
        assert_eq!(out, vec![Event { event: "tick".into(), data: "1".into() }]);
    }

    #[test]
    fn lone_cr_line_ends_and_utf8_split_across_reads() {
        let text = "event: tick\rdata: caf\u{e9} \u{2014} ok\r\r";
        for piece in 1..6 {
            assert_eq!(
                parse_in_pieces(text, piece),
                vec![Event { event: "tick".into(), data: "caf\u{e9} \u{2014} ok".into() }]
            );
        }
    }
}
