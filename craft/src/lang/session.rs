//! A session: variables, the current packet, the peer and the followed
//! association, and the statements that act on them. The REPL and
//! `sctp-craft run`/`-c` both feed statements to one [`Session`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::Path as FsPath;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sctp_codec::capture::CaptureReader;
use sctp_codec::checksum::{self, VerifyMode};
use sctp_codec::dialect::assoc_key;
use sctp_codec::link::{extract_sctp, Defragmenter, LinkConfig};
use sctp_codec::{lint, Decoder, Dialect, Packet};

use crate::assoc::{Assoc, Direction, Exchanged};
use crate::output::tree::{checksum_line, TreeWriter};
use crate::output::{hexdump::hexdump, summary};
use crate::wire::{Link, Path};

use super::build::{self, BuildCx};
use super::capture::{self, Format, Framing, ImportAs, LinkKind};
use super::decompile::decompile;
use super::error::LangError;
use super::expect::Pattern;
use super::help;
use super::lexer::{self, Tok};
use super::parser::{self, Parser, Stmt, Want};
use super::path;
use super::value::{Fixed, PacketSpec, Val};

/// Set when the user presses Ctrl-C while a statement runs (the REPL's
/// SIGINT handler): `sleep`, `recv`, `sr`, `expect`, `connect` (every wait
/// on the link) and the rest of the line stop, the session and its
/// variables stay.
pub use crate::wire::INTERRUPTED;

/// Fails with "interrupted" when Ctrl-C was pressed.
fn check_interrupt(at: usize) -> R<()> {
    if INTERRUPTED.swap(false, Ordering::SeqCst) {
        Err(bad(at, "interrupted (Ctrl-C)"))
    } else {
        Ok(())
    }
}

/// The name of the current packet.
pub const CURRENT: &str = "_";

/// Commands whose arguments are words (file names, addresses, `key=value`),
/// not expressions.
pub const WORD_COMMANDS: &[&str] = &[
    "help", "save", "load", "import", "peer", "assoc", "connect", "data", "recv", "abort",
    "shutdown", "sack", "vars", "dialect", "sleep", "echo", "del", "quit", "exit", "seed",
];

/// Commands whose arguments are expressions.
pub const EXPR_COMMANDS: &[&str] = &[
    "show", "hex", "hexraw", "repr", "send", "sr", "edit", "set", "expect",
];

/// One statement's outcome for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// `quit`/`exit`.
    Quit,
}

/// The state of a REPL or script run.
pub struct Session {
    /// Variables; `_` is the current packet.
    pub vars: BTreeMap<String, Val>,
    /// Feeds the random defaults of new items and new associations.
    pub seed: u64,
    /// The seed given with `--seed N` or `seed N` (`None`: from the clock).
    pub seeded: Option<u64>,
    /// Colour output (a terminal that supports it).
    pub color: bool,
    /// Print the summary of packets built by bare expressions/assignments.
    pub interactive: bool,
    /// The open path to the peer.
    pub link: Option<Link>,
    /// The followed association.
    pub assoc: Option<Assoc>,
    /// Dialect for `load`, `import` and received packets.
    pub dialect: Dialect,
    rx_decoder: Decoder,
}

type R<T> = Result<T, LangError>;

fn bad(at: usize, m: impl Into<String>) -> LangError {
    LangError::at(at, m)
}

/// A `key=value` or positional word of a word command, with its offset.
#[derive(Debug, Clone)]
struct Word {
    key: Option<String>,
    text: String,
    at: usize,
}

/// Splits a word command's arguments at whitespace, keeping quoted strings
/// together (quotes removed, escapes decoded).
fn words(text: &str, base: usize) -> R<Vec<Word>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut cur = Vec::new();
        let mut key = None;
        while i < b.len() && !b[i].is_ascii_whitespace() {
            if b[i] == b'"' || b[i] == b'\'' {
                let toks = lexer::lex(&text[i..], base + i)?;
                let Some(lexer::Token {
                    tok: Tok::Str(s), ..
                }) = toks.first()
                else {
                    return Err(bad(base + i, "bad string"));
                };
                cur.extend_from_slice(s);
                // Skip to the closing quote.
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            if b[i] == b'=' && key.is_none() && !cur.is_empty() {
                key = Some(String::from_utf8_lossy(&cur).into_owned());
                cur.clear();
                i += 1;
                continue;
            }
            cur.push(b[i]);
            i += 1;
        }
        out.push(Word {
            key,
            text: String::from_utf8_lossy(&cur).into_owned(),
            at: base + start,
        });
    }
    Ok(out)
}

fn num(w: &Word) -> R<u64> {
    lexer::parse_int(&w.text)
        .map(|x| x.0)
        .ok_or_else(|| bad(w.at, format!("{:?} is not a number", w.text)))
}

/// A number that must fit in `bits` bits (ports, stream numbers, PPIDs).
fn num_bits(w: &Word, bits: u32) -> R<u64> {
    let v = num(w)?;
    if bits < 64 && v >> bits != 0 {
        let name = w.key.as_deref().unwrap_or("value");
        return Err(bad(w.at, format!("{name}={v} does not fit in {bits} bits")));
    }
    Ok(v)
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A fresh session.
    pub fn new() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            ^ (std::process::id() as u64) << 32;
        Session {
            vars: BTreeMap::new(),
            seed,
            seeded: None,
            color: false,
            interactive: false,
            link: None,
            assoc: None,
            dialect: Dialect::Auto,
            rx_decoder: Decoder::new(Dialect::Auto),
        }
    }

    /// Makes every random default from here on repeatable: the same seed
    /// and the same statements give the same bytes (tags, TSNs, cookies,
    /// random parameters, the association's tag and initial TSN).
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
        self.seeded = Some(seed);
    }

    /// A new association whose tag and initial TSN come from the session's
    /// seed (repeatable under `--seed`).
    fn new_assoc(&mut self, local_port: u16, peer_port: u16) -> Assoc {
        let s = parser::next_random(&mut self.seed);
        Assoc::with_seed(local_port, peer_port, s)
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    /// Runs a whole script; stops at the first error (returned with its position).
    pub fn run_script(&mut self, src: &str) -> R<Flow> {
        for st in parser::split(src) {
            check_interrupt(st.at)?;
            // An open bracket or quote took the rest of the script into this
            // statement: say where it opens.
            if let Some((k, c)) = parser::unclosed(st.text) {
                let what = match c {
                    '(' | '[' => "bracket",
                    _ => "quote",
                };
                return Err(bad(
                    st.at + k,
                    format!("this {c} is never closed (the {what} takes in everything after it)"),
                ));
            }
            if self.exec(&st).map_err(|e| e.or_at(st.at))? == Flow::Quit {
                return Ok(Flow::Quit);
            }
        }
        Ok(Flow::Continue)
    }

    /// Runs one statement.
    pub fn exec(&mut self, st: &Stmt<'_>) -> R<Flow> {
        let text = st.text;
        let first_end = text.find(|c: char| c.is_whitespace()).unwrap_or(text.len());
        let first = &text[..first_end];
        let rest_at = st.at + first_end;
        let rest = &text[first_end..];
        let is_assign = rest.trim_start().starts_with('=') && !rest.trim_start().starts_with("==");
        // `abort (t_bit=1)`, `sack (cum_tsn_ack=5)`: the chunk, not the command.
        let is_call = rest.trim_start().starts_with('(')
            && super::names::lookup(first, Some(sctp_codec::registry::Family::Chunk)).is_some();
        if WORD_COMMANDS.contains(&first) && !is_assign && !is_call {
            let w = words(rest, rest_at)?;
            return self.word_command(first, w, st.at);
        }
        // `shwo p`: a first word that is no command, variable or constructor
        // but close to a command is a typo of it.
        let bare_word = !first.is_empty()
            && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !is_assign
            && !rest.trim_start().starts_with(['(', '.', '[', '/']);
        if bare_word
            && !self.vars.contains_key(first)
            && !EXPR_COMMANDS.contains(&first)
            && super::names::lookup(first, None).is_none()
        {
            let commands = WORD_COMMANDS.iter().chain(EXPR_COMMANDS).copied();
            if let Some(c) = super::names::nearest(first, commands) {
                return Err(bad(
                    st.at,
                    format!("unknown command {first:?}; did you mean {c}?"),
                ));
            }
            // A lone word that names nothing (`garbge`) is not echoed back
            // as a value, which read as if it had done something.
            if rest.trim().is_empty() && !["true", "false", "none", "empty"].contains(&first) {
                return Err(bad(
                    st.at,
                    format!(
                        "unknown command or variable {first:?} (`help` lists the commands, `vars` the variables)"
                    ),
                ));
            }
        }
        let toks = lexer::lex(text, st.at)?;
        let end = st.at + text.len();
        let vars = self.vars.clone();
        let lookup = move |n: &str| vars.get(n).cloned();
        let mut seed = self.seed;
        let r = {
            let mut p = Parser::new(&toks, end, &lookup, &mut seed);
            self.expr_statement(first, &mut p, st.at)
        };
        self.seed = seed.wrapping_add(1);
        r
    }

    fn expr_statement(&mut self, first: &str, p: &mut Parser<'_>, at: usize) -> R<Flow> {
        if EXPR_COMMANDS.contains(&first) && !p.at_keyword() {
            p.ident()?;
            return self.expr_command(first, p, at);
        }
        // `name = expr` or `path = expr`.
        if p.is_path_assign() {
            return self.assign(p);
        }
        let v = p.expr(Want::Any)?;
        p.finish()?;
        let mut v = as_packet(v);
        self.freeze(&mut v);
        if let Val::Packet(spec) = &v {
            let line = self.summary_of(spec)?;
            println!("{line}");
        } else {
            println!("{}", v.render());
        }
        self.vars.insert(CURRENT.into(), v);
        Ok(Flow::Continue)
    }

    fn assign(&mut self, p: &mut Parser<'_>) -> R<Flow> {
        let (root, root_at, segs) = p.path()?;
        p.finish_until_eq()?;
        if segs.is_empty() {
            let mut v = as_packet(p.expr(Want::Any)?);
            p.finish()?;
            self.freeze(&mut v);
            if self.interactive {
                if let Val::Packet(spec) = &v {
                    println!("{root} = {}", self.summary_of(spec)?);
                }
            }
            if matches!(v, Val::Packet(_)) {
                self.vars.insert(CURRENT.into(), v.clone());
            }
            self.vars.insert(root, v);
            return Ok(Flow::Continue);
        }
        self.edit_path(root, root_at, segs, p)
    }

    fn edit_path(
        &mut self,
        root: String,
        root_at: usize,
        segs: Vec<parser::Seg>,
        p: &mut Parser<'_>,
    ) -> R<Flow> {
        let (name, segs) = if self.vars.contains_key(&root) {
            (root, segs)
        } else {
            let mut s = vec![parser::Seg::Name(root, root_at)];
            s.extend(segs);
            (CURRENT.to_string(), s)
        };
        let Some(mut target) = self.vars.get(&name).cloned() else {
            return Err(bad(root_at, "no current packet: build one first"));
        };
        let want = path::want_at(&target, &segs);
        let v = p.expr(want)?;
        p.finish()?;
        path::set(&mut target, &segs, v)?;
        parser::check_depth(&target, root_at)?;
        self.freeze(&mut target);
        if let Val::Packet(spec) = &target {
            let line = self.summary_of(spec)?;
            if self.interactive {
                println!("{line}");
            }
        }
        self.vars.insert(name, target);
        Ok(Flow::Continue)
    }

    /// The packet named by an optional expression argument (default: current).
    fn packet_arg(&mut self, p: &mut Parser<'_>, at: usize) -> R<PacketSpec> {
        let v = if p.done() || p.at_keyword() {
            self.vars
                .get(CURRENT)
                .cloned()
                .ok_or_else(|| bad(at, "no current packet: build, load or import one first"))?
        } else {
            p.expr(Want::Any)?
        };
        match as_packet(v) {
            Val::Packet(s) => Ok(*s),
            o => Err(bad(
                at,
                format!("expected a packet, got {} {}", o.kind(), o.render()),
            )),
        }
    }

    fn expr_command(&mut self, cmd: &str, p: &mut Parser<'_>, at: usize) -> R<Flow> {
        match cmd {
            "edit" | "set" => {
                if p.done() {
                    return Err(bad(
                        at,
                        format!("usage: {cmd} PATH = VALUE (e.g. {cmd} chunks[0].length = 3)"),
                    ));
                }
                let (root, root_at, segs) = p.path()?;
                p.finish_until_eq()?;
                self.edit_path(root, root_at, segs, p)
            }
            "show" | "hex" | "hexraw" | "repr" => {
                let spec = self.packet_arg(p, at)?;
                p.finish()?;
                let bytes = self.build(&spec)?;
                let mut s = String::new();
                match cmd {
                    "show" => self.tree(&mut s, &bytes, spec.is_ssctp())?,
                    "hex" => hexdump(&mut s, &bytes, ""),
                    "hexraw" => {
                        s.push_str(&hex::encode(&bytes));
                        s.push('\n');
                    }
                    _ => {
                        // Every field written out, random defaults included, so
                        // that running the text again gives the same bytes.
                        let ssctp = spec.is_ssctp();
                        let mut d = Decoder::new(if ssctp {
                            Dialect::SecureSctp
                        } else {
                            Dialect::Standard
                        });
                        let explicit = match d.decode(&bytes, None) {
                            Ok(pk) => decompile(&pk, &bytes, ssctp),
                            Err(_) => spec,
                        };
                        s.push_str(&explicit.render());
                        s.push('\n');
                    }
                }
                print!("{s}");
                Ok(Flow::Continue)
            }
            "send" | "sr" => {
                let spec = self.packet_arg(p, at)?;
                let kw = p.keywords()?;
                let mut timeout = 1000u64;
                for (k, v, kat) in kw {
                    match k.as_str() {
                        "timeout" if cmd == "sr" => {
                            timeout = build::to_uint(&v, 32).map_err(|m| bad(kat, m))?
                        }
                        _ => return Err(bad(kat, format!("{cmd} takes no {k}="))),
                    }
                }
                let bytes = self.build(&spec)?;
                if let Some(n) = self.other_assoc_note(&spec) {
                    println!("{}", self.paint("33", &n));
                }
                if cmd == "sr" {
                    // Only what comes after the send is a reply.
                    self.drain_queued(at)?;
                }
                self.send_bytes(&bytes, spec.is_ssctp(), at)?;
                if cmd == "sr" {
                    self.receive(timeout, true, at)?;
                }
                Ok(Flow::Continue)
            }
            "expect" => {
                let usage = "usage: expect PATTERN [timeout=MS] (e.g. expect sack, expect init_ack(os=10) timeout=2000)";
                if p.done() || p.at_keyword() {
                    return Err(bad(at, usage));
                }
                let pat_at = p.at();
                let v = p.expr(Want::Family(sctp_codec::registry::Family::Chunk))?;
                let pat = Pattern::from_val(v).map_err(|m| bad(pat_at, m))?;
                let mut timeout = 1000u64;
                for (k, v, kat) in p.keywords()? {
                    match k.as_str() {
                        "timeout" => timeout = build::to_uint(&v, 32).map_err(|m| bad(kat, m))?,
                        _ => return Err(bad(kat, format!("expect takes no {k}= ({usage})"))),
                    }
                }
                self.expect(&pat, timeout, at)?;
                Ok(Flow::Continue)
            }
            _ => Err(bad(at, format!("unknown command {cmd}"))),
        }
    }

    /// Builds a packet: the fields left out take the defaults of the
    /// association the packet was stored with ([`PacketSpec::fixed`]), or,
    /// for a packet not stored yet, of the current one.
    pub fn build(&self, spec: &PacketSpec) -> R<Vec<u8>> {
        let assoc = match &spec.fixed {
            Some(f) => f.assoc.as_deref(),
            None => self.assoc.as_ref(),
        };
        build::build_packet(spec, &BuildCx { assoc })
    }

    /// Fixes the defaults of the packets in `v` (a packet, or a list
    /// holding packets) to the current association, so that what the user
    /// sees now is what is shown, saved and sent later. Packets already
    /// fixed keep theirs.
    pub fn freeze(&self, v: &mut Val) {
        match v {
            Val::Packet(p) if p.fixed.is_none() => {
                p.fixed = Some(Fixed {
                    assoc: self.assoc.clone().map(Arc::new),
                });
            }
            Val::List(l) => l.iter_mut().for_each(|x| self.freeze(x)),
            _ => {}
        }
    }

    /// Stores `v` in variable `name`, its packets fixed ([`Session::freeze`]).
    fn keep(&mut self, name: &str, mut v: Val) {
        self.freeze(&mut v);
        self.vars.insert(name.to_string(), v);
    }

    /// A note when `spec` was stored outside the current association (before
    /// it, or in one since replaced): it goes out as it was shown, not with
    /// this association's tag and TSN.
    fn other_assoc_note(&self, spec: &PacketSpec) -> Option<String> {
        let now = self.assoc.as_ref()?;
        let fixed = spec.fixed.as_ref()?;
        let when = match &fixed.assoc {
            None => "before the association",
            Some(a) if a.local_tag != now.local_tag || a.local_port != now.local_port => {
                "in an earlier association"
            }
            Some(_) => return None,
        };
        let live = build::build_packet(spec, &BuildCx { assoc: Some(now) }).ok()?;
        if Some(&live) == self.build(spec).ok().as_ref() {
            return None;
        }
        Some(format!(
            "note: this packet was built {when}: it goes out as it was shown (its tag, TSN and ports then); build it again to take the association's"
        ))
    }

    /// The one-line summary of a packet (as `sctp-craft dissect` prints it).
    pub fn summary_of(&self, spec: &PacketSpec) -> R<String> {
        let bytes = self.build(spec)?;
        Ok(summary_line(&bytes, spec.is_ssctp()))
    }

    fn tree(&self, s: &mut String, bytes: &[u8], ssctp: bool) -> R<()> {
        let p = build::decode(bytes, ssctp)?;
        s.push_str(&summary_line(bytes, ssctp));
        s.push('\n');
        let rep = checksum::verify(bytes, VerifyMode::Any);
        checksum_line(s, &rep);
        let mut w = TreeWriter::new(s, 1);
        p.describe(&mut w);
        for l in lint::lint(&p, Some(&rep)) {
            let _ = writeln!(s, "    lint @{} {}: {}", l.offset, l.code, l.message);
        }
        Ok(())
    }

    fn word_command(&mut self, cmd: &str, w: Vec<Word>, at: usize) -> R<Flow> {
        let pos: Vec<&Word> = w.iter().filter(|x| x.key.is_none()).collect();
        let kw = |k: &str| kw_of(&w, k);
        for x in &w {
            if let Some(k) = &x.key {
                let ok = match cmd {
                    "save" => ["link", "format", "src", "dst", "udp", "mode"].contains(&k.as_str()),
                    "load" | "import" => ["as", "link"].contains(&k.as_str()),
                    "peer" => k == "local",
                    "assoc" => ["sport", "dport"].contains(&k.as_str()),
                    "connect" | "recv" => k == "timeout",
                    "data" => ["stream", "ppid"].contains(&k.as_str()),
                    _ => false,
                };
                if !ok {
                    return Err(bad(x.at, format!("{cmd} takes no {k}=")));
                }
            }
        }
        match cmd {
            "quit" | "exit" => return Ok(Flow::Quit),
            "help" => {
                let topic = pos.first().map(|x| x.text.as_str());
                match help::help(topic) {
                    Ok(t) => print!("{t}"),
                    Err(m) => return Err(bad(pos.first().map(|x| x.at).unwrap_or(at), m)),
                }
            }
            "seed" => match pos.as_slice() {
                [] => match self.seeded {
                    Some(n) => println!("seed {n} (random defaults repeat from where it was set)"),
                    None => println!(
                        "no seed: random defaults come from the clock; `seed N` (or sctp-craft --seed N) makes them repeatable"
                    ),
                },
                [n] => {
                    let v = num(n)?;
                    self.set_seed(v);
                }
                [_, extra, ..] => return Err(bad(extra.at, "usage: seed [N]")),
            },
            "echo" => println!(
                "{}",
                pos.iter()
                    .map(|x| x.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "sleep" => {
                let ms = pos.first().map(|x| num(x)).transpose()?.unwrap_or(100);
                let end = Instant::now().checked_add(Duration::from_millis(ms));
                loop {
                    check_interrupt(at)?;
                    let left = match end {
                        Some(e) => e.saturating_duration_since(Instant::now()),
                        None => Duration::from_millis(50),
                    };
                    if left.is_zero() {
                        break;
                    }
                    std::thread::sleep(left.min(Duration::from_millis(50)));
                }
            }
            "vars" => {
                for (k, v) in &self.vars {
                    let line = match v {
                        Val::Packet(s) => self
                            .summary_of(s)
                            .unwrap_or_else(|e| format!("(cannot build: {e})")),
                        o => o.render(),
                    };
                    println!("{k:>8}  {line}");
                }
            }
            "del" => {
                for x in pos {
                    if self.vars.remove(&x.text).is_none() {
                        return Err(bad(x.at, format!("no variable {}", x.text)));
                    }
                }
            }
            "dialect" => match pos.first() {
                Some(x) => {
                    self.dialect = x.text.parse().map_err(|m: String| bad(x.at, m))?;
                    self.rx_decoder = Decoder::new(self.dialect);
                }
                None => println!("{:?}", self.dialect),
            },
            "save" => self.save(&pos, &w, at)?,
            "load" => self.load(&pos, kw("as"), at)?,
            "import" => self.import(&pos, kw("as"), kw("link"), at)?,
            "peer" => self.peer(&pos, kw("local"), at)?,
            "assoc" => {
                // `assoc` shows the association (or starts one when there is
                // none); `assoc new ...` replaces it; ports given while one
                // exists are refused rather than silently replacing it.
                let mut new = false;
                for w in &pos {
                    if w.text != "new" || std::mem::replace(&mut new, true) {
                        return Err(bad(
                            w.at,
                            format!(
                                "assoc takes no {:?}: assoc [new] [sport=N] [dport=N]",
                                w.text
                            ),
                        ));
                    }
                }
                let port = |k: &str| kw(k).map(|w| num_bits(w, 16)).transpose();
                let (sport, dport) = (port("sport")?, port("dport")?);
                match (&self.assoc, new) {
                    (Some(a), false) if sport.is_none() && dport.is_none() => {
                        println!("{}", a.describe());
                        return Ok(Flow::Continue);
                    }
                    (Some(a), false) => {
                        return Err(bad(
                            at,
                            format!(
                                "an association is already followed ({} → {}, {}): `assoc` shows it, `assoc new sport=N dport=N` replaces it",
                                a.local_port, a.peer_port, a.state()
                            ),
                        ))
                    }
                    _ => {}
                }
                let a = self.new_assoc(sport.unwrap_or(5000) as u16, dport.unwrap_or(5000) as u16);
                let replaced = match &self.assoc {
                    Some(old) => format!(
                        " (replaces {} → {}, {})",
                        old.local_port,
                        old.peer_port,
                        old.state()
                    ),
                    None => String::new(),
                };
                println!(
                    "assoc new: local port {}, peer port {}, local tag 0x{:08x}, next TSN {}{replaced}",
                    a.local_port, a.peer_port, a.local_tag, a.next_tsn
                );
                self.assoc = Some(a);
            }
            "connect" => {
                let timeout = kw("timeout").map(num).transpose()?.unwrap_or(1000);
                if self.link.is_none() {
                    return Err(bad(
                        at,
                        "no peer: use `peer udp ADDR:PORT` or `peer ip ADDR` first",
                    ));
                }
                if self.assoc.is_none() {
                    self.assoc = Some(self.new_assoc(5000, 5000));
                }
                let (Some(link), Some(assoc)) = (self.link.as_mut(), self.assoc.as_mut()) else {
                    return Err(bad(at, "internal: no peer or association"));
                };
                let mut log = Vec::new();
                let r = assoc.connect_logged(link, Duration::from_millis(timeout), &mut log);
                let ssctp = self.dialect == Dialect::SecureSctp;
                // What went out and came in, also when the handshake failed
                // or Ctrl-C stopped it.
                self.print_exchanged(&log, ssctp);
                let state = self.assoc.as_ref().map(|a| a.state());
                match r {
                    Ok(()) => {
                        if let Some(s) = state {
                            println!("assoc: {}", format!("{s:?}").to_lowercase());
                        }
                    }
                    Err(e) if crate::wire::is_interrupted(&e) => {
                        let s = state.map(|s| format!(" (association {s})")).unwrap_or_default();
                        return Err(bad(at, format!("connect: interrupted (Ctrl-C){s}")));
                    }
                    Err(e) => return Err(bad(at, format!("connect: {e:#}"))),
                }
            }
            "data" => {
                let text = pos
                    .first()
                    .ok_or_else(|| bad(at, "usage: data \"text\" [stream=N] [ppid=N]"))?;
                let stream = kw("stream")
                    .map(|w| num_bits(w, 16))
                    .transpose()?
                    .unwrap_or(0) as u16;
                let ppid = kw("ppid")
                    .map(|w| num_bits(w, 32))
                    .transpose()?
                    .unwrap_or(0) as u32;
                let a = self
                    .assoc
                    .as_ref()
                    .ok_or_else(|| bad(at, "no association: use `assoc` and `connect` first"))?;
                let p = a.data_packet(text.text.as_bytes(), stream, ppid);
                self.send_packet(&p, at)?;
            }
            "abort" | "shutdown" | "sack" => {
                let a = self
                    .assoc
                    .as_ref()
                    .ok_or_else(|| bad(at, "no association: use `assoc` first"))?;
                let p = match cmd {
                    "abort" => a.abort_packet(),
                    "shutdown" => a.shutdown_packet(),
                    _ => a.sack_packet(),
                };
                self.send_packet(&p, at)?;
            }
            "recv" => {
                let timeout = kw("timeout").map(num).transpose()?.unwrap_or(1000);
                self.receive(timeout, false, at)?;
            }
            _ => return Err(bad(at, format!("unknown command {cmd}"))),
        }
        Ok(Flow::Continue)
    }

    fn print_exchanged(&mut self, ex: &[Exchanged], ssctp: bool) {
        for e in ex {
            let (mark, code) = match e.dir {
                Direction::Sent => (">", "32"),
                Direction::Received => ("<", "36"),
            };
            let line = format!("{mark} {}", summary_line(&e.sctp, ssctp));
            println!("{}", self.paint(code, &line));
        }
        if let Some(last) = ex.iter().rev().find(|e| e.dir == Direction::Received) {
            if let Ok(p) = build::decode(&last.sctp, ssctp) {
                let spec = decompile(&p, &last.sctp, ssctp);
                self.keep("rx", Val::Packet(Box::new(spec)));
            }
        }
        if let Some(last) = ex.iter().rev().find(|e| e.dir == Direction::Sent) {
            self.set_current_sent(&last.sctp, ssctp);
        }
    }

    /// `_` becomes the packet just sent, as it went out (every field
    /// explicit), so that a bare `send`, `show` or `save` means it and not
    /// an older packet.
    fn set_current_sent(&mut self, bytes: &[u8], ssctp: bool) {
        if let Ok(p) = build::decode(bytes, ssctp) {
            let spec = decompile(&p, bytes, ssctp);
            self.keep(CURRENT, Val::Packet(Box::new(spec)));
        }
    }

    fn send_packet(&mut self, p: &Packet<'_>, at: usize) -> R<()> {
        let bytes = p.encode();
        self.send_bytes(&bytes, false, at)
    }

    fn send_bytes(&mut self, bytes: &[u8], ssctp: bool, at: usize) -> R<()> {
        let link = self.link.as_mut().ok_or_else(|| {
            bad(
                at,
                "no peer: use `peer udp ADDR:PORT` or `peer ip ADDR` first",
            )
        })?;
        link.send(bytes)
            .map_err(|e| bad(at, format!("send: {e:#}")))?;
        if let Some(a) = self.assoc.as_mut() {
            if let Ok(p) = build::decode(bytes, ssctp) {
                a.on_sent(&p);
            }
        }
        self.set_current_sent(bytes, ssctp);
        let line = format!("> {}", summary_line(bytes, ssctp));
        println!("{}", self.paint("32", &line));
        let _ = std::io::stdout().flush();
        Ok(())
    }

    /// Takes the packets that arrived before a send (they update the
    /// association and `rx` as usual) and prints them as such, so that what
    /// `sr` prints after its send are replies only.
    fn drain_queued(&mut self, at: usize) -> R<()> {
        loop {
            check_interrupt(at)?;
            let Some(link) = self.link.as_mut() else {
                return Ok(());
            };
            let rx = link
                .recv(Duration::from_millis(1))
                .map_err(|e| bad(at, format!("recv: {e:#}")))?;
            let Some(rx) = rx else { return Ok(()) };
            let (line, _) = self.take_received(&rx, " (arrived before the send: not a reply)");
            println!("{}", self.paint("36", &line));
        }
    }

    /// Decodes a received packet, updates the association and `rx`, and
    /// returns its `<` line (with `note` after it) and its description
    /// (`None` when it could not be decoded).
    fn take_received(
        &mut self,
        rx: &crate::wire::Received,
        note: &str,
    ) -> (String, Option<PacketSpec>) {
        let local = self.link.as_ref().map(|l| l.local_ip());
        let ports = if rx.sctp.len() >= 4 {
            (
                u16::from_be_bytes([rx.sctp[0], rx.sctp[1]]),
                u16::from_be_bytes([rx.sctp[2], rx.sctp[3]]),
            )
        } else {
            (0, 0)
        };
        let local = local.unwrap_or(rx.from.ip());
        let key = assoc_key((rx.from.ip(), ports.0), (local, ports.1));
        match self.rx_decoder.decode(&rx.sctp, Some(key)) {
            Ok(p) => {
                let ssctp = p.chunks.iter().any(|c| {
                    c.info()
                        .map(|i| i.dialect == sctp_codec::registry::DialectTag::Ssctp)
                        .unwrap_or(false)
                });
                if let Some(a) = self.assoc.as_mut() {
                    a.on_received(&p);
                }
                let spec = decompile(&p, &rx.sctp, ssctp);
                self.keep("rx", Val::Packet(Box::new(spec.clone())));
                (
                    format!("< {}{note}", summary_line(&rx.sctp, ssctp)),
                    Some(spec),
                )
            }
            Err(e) => (
                format!("< {} bytes from {}: {e}{note}", rx.sctp.len(), rx.from),
                None,
            ),
        }
    }

    /// The next packet from the peer, waiting until `deadline` (`None`: a
    /// wait too long to name, in practice forever) in slices, so that
    /// Ctrl-C stops a long wait.
    fn next_packet(
        &mut self,
        deadline: Option<Instant>,
        at: usize,
    ) -> R<Option<crate::wire::Received>> {
        loop {
            check_interrupt(at)?;
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => crate::wire::INTERRUPT_POLL,
            };
            if left.is_zero() {
                return Ok(None);
            }
            let link = self.link.as_mut().ok_or_else(|| {
                bad(
                    at,
                    "no peer: use `peer udp ADDR:PORT` or `peer ip ADDR` first",
                )
            })?;
            if let Some(rx) = link
                .recv(left.min(crate::wire::INTERRUPT_POLL))
                .map_err(|e| bad(at, format!("recv: {e:#}")))?
            {
                return Ok(Some(rx));
            }
        }
    }

    /// `expect PATTERN [timeout=MS]`: waits for a packet holding what the
    /// pattern asks for, printing every packet that comes (`<` lines, as
    /// `recv` does); fails, naming what came instead, when none does.
    fn expect(&mut self, pat: &Pattern, timeout_ms: u64, at: usize) -> R<()> {
        if self.link.is_none() {
            return Err(bad(
                at,
                "no peer: use `peer udp ADDR:PORT` or `peer ip ADDR` first",
            ));
        }
        let deadline = Instant::now().checked_add(Duration::from_millis(timeout_ms));
        let mut instead: Vec<String> = Vec::new();
        while let Some(rx) = self.next_packet(deadline, at)? {
            let (line, spec) = self.take_received(&rx, "");
            println!("{}", self.paint("36", &line));
            let _ = std::io::stdout().flush();
            let summary = line.trim_start_matches("< ").to_string();
            match spec.as_ref().map(|s| pat.check(s)) {
                Some(Ok(())) => {
                    println!("expect {}: ok", pat.text);
                    return Ok(());
                }
                Some(Err(why)) => instead.push(format!("{summary} ({why})")),
                None => instead.push(summary),
            }
        }
        let came = if instead.is_empty() {
            "nothing came".to_string()
        } else {
            const SHOWN: usize = 5;
            let more = instead.len().saturating_sub(SHOWN);
            let mut s = format!(
                "came instead: {}",
                instead[..instead.len().min(SHOWN)].join("; ")
            );
            if more > 0 {
                s.push_str(&format!("; and {more} more"));
            }
            s
        };
        Err(bad(
            at,
            format!(
                "expect {}: no matching packet within {timeout_ms} ms; {came}",
                pat.text
            ),
        ))
    }

    /// Waits for packets: the first up to `timeout_ms`; with `drain`, more
    /// while they keep coming (up to 200 ms apart).
    fn receive(&mut self, timeout_ms: u64, drain: bool, at: usize) -> R<()> {
        let mut wait = Duration::from_millis(timeout_ms);
        let mut got = 0;
        loop {
            let deadline = Instant::now().checked_add(wait);
            let Some(rx) = self.next_packet(deadline, at)? else {
                break;
            };
            got += 1;
            let (line, _) = self.take_received(&rx, "");
            println!("{}", self.paint("36", &line));
            let _ = std::io::stdout().flush();
            if !drain {
                break;
            }
            wait = Duration::from_millis(timeout_ms.min(200));
        }
        if got == 0 {
            println!("(nothing received within {timeout_ms} ms)");
        }
        Ok(())
    }

    fn peer(&mut self, pos: &[&Word], local: Option<&Word>, at: usize) -> R<()> {
        let usage = "usage: peer udp ADDR:PORT [local=ADDR:PORT] | peer ip ADDR [local=ADDR]";
        let (Some(kind), Some(addr)) = (pos.first(), pos.get(1)) else {
            return Err(bad(at, usage));
        };
        let path =
            match kind.text.as_str() {
                "udp" => {
                    let remote: SocketAddr = addr
                        .text
                        .parse()
                        .map_err(|_| bad(addr.at, format!("{:?} is not ADDR:PORT", addr.text)))?;
                    let local: SocketAddr = match local {
                        Some(l) => l
                            .text
                            .parse()
                            .map_err(|_| bad(l.at, format!("{:?} is not ADDR:PORT", l.text)))?,
                        None if remote.is_ipv4() => {
                            "0.0.0.0:0".parse().map_err(|_| bad(at, "internal"))?
                        }
                        None => "[::]:0".parse().map_err(|_| bad(at, "internal"))?,
                    };
                    Path::Udp { local, remote }
                }
                "ip" => {
                    let remote: IpAddr = addr.text.parse().map_err(|_| {
                        bad(addr.at, format!("{:?} is not an IP address", addr.text))
                    })?;
                    let local = match local {
                        Some(l) => Some(l.text.parse().map_err(|_| {
                            bad(l.at, format!("{:?} is not an IP address", l.text))
                        })?),
                        None => None,
                    };
                    Path::RawIp { local, remote }
                }
                _ => return Err(bad(kind.at, usage)),
            };
        let link = Link::open(&path).map_err(|e| bad(at, format!("peer: {e:#}")))?;
        println!("peer: {}", link.path());
        self.link = Some(link);
        Ok(())
    }

    fn packets_named(&self, names: &[&Word], at: usize) -> R<Vec<PacketSpec>> {
        let mut out = Vec::new();
        if names.is_empty() {
            match self.vars.get(CURRENT).cloned().map(as_packet) {
                Some(Val::Packet(p)) => out.push(*p),
                _ => return Err(bad(at, "no current packet to save")),
            }
        }
        for n in names {
            match self.vars.get(&n.text).cloned().map(as_packet) {
                Some(Val::Packet(p)) => out.push(*p),
                Some(Val::List(l)) => {
                    for x in l {
                        match as_packet(x) {
                            Val::Packet(p) => out.push(*p),
                            o => {
                                return Err(bad(
                                    n.at,
                                    format!("{} holds a {}, not packets", n.text, o.kind()),
                                ))
                            }
                        }
                    }
                }
                Some(o) => {
                    return Err(bad(
                        n.at,
                        format!("{} is a {}, not a packet", n.text, o.kind()),
                    ))
                }
                None => return Err(bad(n.at, format!("no variable {}", n.text))),
            }
        }
        Ok(out)
    }

    fn save(&mut self, pos: &[&Word], all: &[Word], at: usize) -> R<()> {
        let kw = |k: &str| kw_of(all, k);
        let file = pos.first().ok_or_else(|| bad(at, "usage: save FILE [VAR...] [link=raw|ether] [format=pcap|pcapng] [src=IP] [dst=IP] [udp=PORT] [mode=append|new]"))?;
        let specs = self.packets_named(&pos[1..], at)?;
        let link = match kw("link").map(|w| (w.text.as_str(), w.at)) {
            None | Some(("raw" | "ip", _)) => LinkKind::Raw,
            Some(("ether" | "ethernet" | "eth", _)) => LinkKind::Ethernet,
            Some((o, a)) => return Err(bad(a, format!("link={o}: use raw or ether"))),
        };
        let format = match kw("format").map(|w| (w.text.as_str(), w.at)) {
            Some(("pcap", _)) => (Format::Pcap, true),
            Some(("pcapng", _)) => (Format::Pcapng, true),
            Some((o, a)) => return Err(bad(a, format!("format={o}: use pcap or pcapng"))),
            None if file.text.ends_with(".pcapng") => (Format::Pcapng, false),
            None => (Format::Pcap, false),
        };
        let fresh = match kw("mode").map(|w| (w.text.as_str(), w.at)) {
            None | Some(("append", _)) => false,
            Some(("new", _)) => true,
            Some((o, a)) => return Err(bad(a, format!("mode={o}: use append or new"))),
        };
        let addr = |k: &str, dflt: IpAddr| -> R<IpAddr> {
            match kw(k) {
                Some(w) => w
                    .text
                    .parse()
                    .map_err(|_| bad(w.at, format!("{k}={}: not an IP address", w.text))),
                None => Ok(dflt),
            }
        };
        let link_addrs: Option<(IpAddr, IpAddr)> =
            self.link.as_ref().map(|l| (l.local_ip(), l.remote_ip()));
        let udp = match kw("udp") {
            Some(w) => {
                let p = num_bits(w, 16)? as u16;
                Some((p, p))
            }
            None => None,
        };
        let mut frames = Vec::new();
        for s in &specs {
            // Addresses: given ones, else the packet's own (loaded from a
            // capture), else the peer link's, else documentation addresses.
            let (ds, dd) = s
                .addrs
                .or(link_addrs)
                .unwrap_or(([192, 0, 2, 1].into(), [192, 0, 2, 2].into()));
            let src = addr("src", ds)?;
            let mut dst = addr("dst", dd)?;
            if src.is_ipv6() != dst.is_ipv6() && kw("dst").is_none() {
                dst = if src.is_ipv6() {
                    "2001:db8::2".parse().map_err(|_| bad(at, "internal"))?
                } else {
                    [192, 0, 2, 2].into()
                };
            }
            let framing = Framing {
                src,
                dst,
                udp,
                link,
                ip_id: 0,
            };
            let bytes = self.build(s)?;
            frames.push(capture::frame(&bytes, &framing).map_err(|m| bad(at, m))?);
        }
        let (f, how) = capture::save(FsPath::new(&file.text), &frames, link, format, fresh)
            .map_err(|m| bad(file.at, m))?;
        if self.interactive {
            println!(
                "saved {} packet(s) to {} ({}, {}; {})",
                frames.len(),
                file.text,
                format!("{f:?}").to_lowercase(),
                match link {
                    LinkKind::Raw => "raw IP",
                    LinkKind::Ethernet => "Ethernet",
                },
                how.describe()
            );
        }
        Ok(())
    }

    fn load(&mut self, pos: &[&Word], as_var: Option<&Word>, at: usize) -> R<()> {
        let file = pos
            .first()
            .ok_or_else(|| bad(at, "usage: load FILE [N] [as=VAR]"))?;
        let want = pos.get(1).map(|w| num(w)).transpose()?;
        if let Err(e) = std::fs::metadata(&file.text) {
            return Err(bad(file.at, format!("{}: {e}", file.text)));
        }
        crate::files::capture_precheck(FsPath::new(&file.text)).map_err(|m| bad(file.at, m))?;
        let mut reader = CaptureReader::open(FsPath::new(&file.text))
            .map_err(|e| bad(file.at, format!("{}: {e}", file.text)))?;
        let cfg = LinkConfig::default();
        let mut defrag = Defragmenter::default();
        let mut decoder = Decoder::new(self.dialect);
        while let Some(fr) = reader.next_frame() {
            let fr = fr.map_err(|e| {
                let why = crate::files::describe_read_error(Some(FsPath::new(&file.text)), &e);
                bad(file.at, format!("{}: {why}", file.text))
            })?;
            let number = fr.number;
            let Ok(Some(seg)) = extract_sctp(fr.link_type, fr.data, &cfg, &mut defrag) else {
                if want == Some(number) {
                    return Err(bad(at, format!("frame {number} holds no SCTP packet")));
                }
                continue;
            };
            let bytes = seg.sctp.to_vec();
            let key = seg.assoc_key();
            let decoded = decoder.decode(&bytes, Some(key));
            if want.is_some() && want != Some(number) {
                continue;
            }
            let p = decoded.map_err(|e| bad(at, format!("frame {number}: {e}")))?;
            self.adopt(&p, &bytes, Some((seg.src, seg.dst)), as_var)?;
            return Ok(());
        }
        Err(bad(
            at,
            match want {
                Some(n) => format!("{} has no frame {n}", file.text),
                None => format!("{} holds no SCTP packet", file.text),
            },
        ))
    }

    fn import(
        &mut self,
        pos: &[&Word],
        as_var: Option<&Word>,
        link: Option<&Word>,
        at: usize,
    ) -> R<()> {
        if pos.is_empty() {
            return Err(bad(
                at,
                "usage: import HEX [link=auto|sctp|ip|ether] [as=VAR]",
            ));
        }
        let text: String = pos
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join("");
        let b = lexer::parse_hex(&text).map_err(|m| bad(pos[0].at, m))?;
        let how = match link.map(|w| w.text.as_str()) {
            None | Some("auto") => ImportAs::Auto,
            Some("sctp") => ImportAs::Sctp,
            Some("ip") | Some("raw") => ImportAs::Ip,
            Some("ether") | Some("ethernet") | Some("eth") => ImportAs::Ether,
            Some(o) => {
                return Err(bad(
                    link.map(|w| w.at).unwrap_or(at),
                    format!("link={o}: use auto, sctp, ip or ether"),
                ))
            }
        };
        let sctp = capture::find_sctp(&b, how).map_err(|m| bad(at, m))?;
        let mut d = Decoder::new(self.dialect);
        let p = d
            .decode(&sctp, None)
            .map_err(|e| bad(at, format!("not an SCTP packet: {e}")))?;
        self.adopt(&p, &sctp, None, as_var)
    }

    fn adopt(
        &mut self,
        p: &Packet<'_>,
        bytes: &[u8],
        addrs: Option<(IpAddr, IpAddr)>,
        as_var: Option<&Word>,
    ) -> R<()> {
        let ssctp = p.chunks.iter().any(|c| {
            c.info()
                .map(|i| i.dialect == sctp_codec::registry::DialectTag::Ssctp)
                .unwrap_or(false)
        });
        let mut spec = decompile(p, bytes, ssctp);
        let rebuilt = self.build(&spec).ok();
        spec.addrs = addrs;
        if rebuilt.as_deref() != Some(bytes) {
            return Err(LangError::msg(
                "internal: the loaded packet does not rebuild to the same bytes",
            ));
        }
        println!("{}", summary_line(bytes, ssctp));
        let v = Val::Packet(Box::new(spec));
        if let Some(w) = as_var {
            self.keep(&w.text, v.clone());
        }
        self.keep(CURRENT, v);
        Ok(())
    }
}

/// `x` as a packet when it is a chunk (a bare chunk is a packet with default header).
pub fn as_packet(v: Val) -> Val {
    match v {
        Val::Item(i)
            if i.family == sctp_codec::registry::Family::Chunk
                && i.kind != super::value::ItemKind::Record =>
        {
            Val::Packet(Box::new(PacketSpec {
                chunks: vec![*i],
                ..Default::default()
            }))
        }
        v => v,
    }
}

/// The `sctp-craft dissect`-style summary of an SCTP packet.
pub fn summary_line(bytes: &[u8], ssctp: bool) -> String {
    let mut s = String::new();
    match build::decode(bytes, ssctp) {
        Ok(p) => {
            let h = p.header;
            let _ = write!(
                s,
                "{} → {} vtag=0x{:08x} ",
                h.source_port, h.destination_port, h.verification_tag
            );
            for (k, c) in p.chunks.iter().enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                summary::chunk(&mut s, c);
            }
            if !p.trailing.is_empty() {
                let _ = write!(s, " +{} trailing byte(s)", p.trailing.len());
            }
            let rep = checksum::verify(bytes, VerifyMode::Any);
            // Why the chunks stopped (a forced bad length, a truncated chunk).
            for l in lint::lint(&p, Some(&rep)) {
                if l.code == "malformed" {
                    let _ = write!(s, " [malformed: {}]", l.message);
                }
            }
            if !matches!(rep.status, checksum::ChecksumStatus::Good) {
                let _ = write!(s, " [checksum {}]", rep.status.as_str());
            } else if !matches!(rep.algorithm, checksum::ChecksumAlgorithm::Crc32c) {
                let _ = write!(s, " [checksum {}]", rep.algorithm.as_str());
            }
        }
        Err(e) => {
            let _ = write!(s, "{} bytes: {e}", bytes.len());
        }
    }
    s
}

fn kw_of<'a>(w: &'a [Word], k: &str) -> Option<&'a Word> {
    w.iter().find(|x| x.key.as_deref() == Some(k))
}
