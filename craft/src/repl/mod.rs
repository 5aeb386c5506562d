//! The REPL: rustyline with persistent history, completion of commands,
//! chunk/parameter/cause names and their field names, hints, multi-line
//! input while brackets are open, and coloured output on terminals.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use sctp_codec::registry::Family;
use sctp_codec::wire::FieldKind;
use sctp_craft::lang::help::COMMANDS;
use sctp_craft::lang::names;
use sctp_craft::lang::parser::Seg;
use sctp_craft::lang::value::{ItemKind, Val};
use sctp_craft::lang::{path, Flow, Session};

/// Where the history is kept: `$SCTP_CRAFT_HISTORY`, else `~/.sctp_craft_history`.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SCTP_CRAFT_HISTORY") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".sctp_craft_history"))
}

/// Whether to colour: a terminal, `NO_COLOR` unset, `TERM` not dumb.
fn want_color() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none()
        && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(false)
}

/// Ctrl-C while a statement runs (`sleep`, `recv`, `sr`, a long script
/// line) must stop that statement, not the REPL with its packets: SIGINT
/// only raises [`INTERRUPTED`], which those commands poll. While rustyline
/// reads a line the terminal is raw and Ctrl-C is a key, not a signal.
mod sigint {
    use std::sync::atomic::Ordering;

    use sctp_craft::lang::session::INTERRUPTED;

    /// Installs the handler (the `ctrlc` crate's signal thread sets the flag).
    pub fn install() {
        // Without it Ctrl-C during a statement ends the REPL, as before
        // `install`: say so, keep going.
        if let Err(e) = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst)) {
            eprintln!("sctp-craft: Ctrl-C will end the REPL: {e}");
        }
    }

    /// Forgets a Ctrl-C pressed before the statement started.
    pub fn clear() {
        INTERRUPTED.store(false, Ordering::SeqCst);
    }
}

/// Completion, hints, highlighting and multi-line validation.
struct CraftHelper {
    color: bool,
    /// The session's variables (for their names, and for the members of
    /// a path into one).
    vars: BTreeMap<String, Val>,
    files: FilenameCompleter,
}

/// True when the cursor is on the file name of `load FILE` / `save FILE`.
fn at_file_name(line: &str, pos: usize) -> bool {
    let before = &line[..pos];
    let stmt = &before[before.rfind(';').map_or(0, |k| k + 1)..];
    let words: Vec<&str> = stmt.split_whitespace().collect();
    let typing_second = words.len() == 2 && !stmt.ends_with(char::is_whitespace);
    let starting_second = words.len() == 1 && stmt.ends_with(char::is_whitespace);
    matches!(words.first(), Some(&("load" | "save"))) && (typing_second || starting_second)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// What the word under the cursor may be.
enum Ctx {
    /// First word of a statement: commands, constructors, variables.
    Start,
    /// After `help`.
    Help,
    /// Inside `name(`: its fields, flags and overrides.
    Fields(String),
    /// Inside a list or call expecting items of a family (or any).
    Items(Option<Family>),
}

/// Finds the innermost unclosed `(` or `[` before `pos` and what it belongs to.
fn context(line: &str, start: usize) -> Ctx {
    let before = &line[..start];
    let stmt_start = before.rfind(';').map(|k| k + 1).unwrap_or(0);
    let stmt = &before[stmt_start..];
    if stmt.trim().is_empty() {
        return Ctx::Start;
    }
    let first = stmt.split_whitespace().next().unwrap_or("");
    if first == "help" {
        return Ctx::Help;
    }
    // Innermost open bracket.
    let b: Vec<char> = stmt.chars().collect();
    let mut depth = 0i32;
    let mut k = b.len();
    let mut in_quote = false;
    let _ = &mut in_quote;
    while k > 0 {
        k -= 1;
        match b[k] {
            ')' | ']' => depth += 1,
            '(' | '[' if depth > 0 => depth -= 1,
            '(' => {
                let name: String = b[..k]
                    .iter()
                    .rev()
                    .take_while(|c| is_ident(**c))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                return Ctx::Fields(name);
            }
            '[' => {
                // The field this list is given to: `field=[` inside `name(`.
                let head: String = b[..k].iter().collect();
                let head = head.trim_end().trim_end_matches('=');
                let field: String = head
                    .chars()
                    .rev()
                    .take_while(|c| is_ident(*c))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                if let Ctx::Fields(owner) =
                    context(&head[..head.len() - field.len()], head.len() - field.len())
                {
                    if let Some(n) = names::lookup(&owner, None) {
                        if let Ok(names::Slot::Field(i)) =
                            names::resolve_slot(Some(n.info), false, &field)
                        {
                            return Ctx::Items(match n.info.fields[i].kind {
                                FieldKind::Params => Some(Family::Param),
                                FieldKind::Causes => Some(Family::Cause),
                                _ => Some(Family::Chunk),
                            });
                        }
                    }
                }
                return Ctx::Items(None);
            }
            _ => {}
        }
    }
    Ctx::Items(Some(Family::Chunk))
}

/// The path before a `.` that ends at `dot` (`p.chunks[0]` in
/// `show p.chunks[0].`): its root name and steps, if it is one.
fn path_before(line: &str, dot: usize) -> Option<(String, Vec<Seg>)> {
    let before = &line[..dot];
    let from = before
        .rfind(|c: char| !(is_ident(c) || matches!(c, '.' | '[' | ']' | '-')))
        .map_or(0, |k| k + 1);
    let text = &before[from..];
    let root_len = text.find(|c: char| !is_ident(c)).unwrap_or(text.len());
    let root = &text[..root_len];
    if root.is_empty() || root.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut segs = Vec::new();
    let mut rest = &text[root_len..];
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.find(|c: char| !is_ident(c)).unwrap_or(r.len());
            if n == 0 {
                return None;
            }
            segs.push(Seg::Name(r[..n].to_string(), 0));
            rest = &r[n..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            segs.push(Seg::Index(r[..close].trim().parse().ok()?, 0));
            rest = &r[close + 1..];
        } else {
            return None;
        }
    }
    Some((root.to_string(), segs))
}

/// The names that may follow `VALUE.`: a packet's header fields (and their
/// short names) and `chunks`; a chunk's, parameter's or cause's fields, flag
/// bits, summary short names and overrides.
fn members(v: &Val) -> Vec<String> {
    let mut c: Vec<String> = Vec::new();
    match v {
        Val::Packet(_) => {
            c.push("chunks".into());
            for (full, alias) in names::HEADER_FIELDS {
                c.push(full.to_string());
                c.push(alias.to_string());
            }
        }
        Val::Item(i) => match (&i.kind, i.info) {
            (ItemKind::Typed, Some(info)) => {
                c.extend(info.fields.iter().map(|f| f.name.to_string()));
                c.extend(info.flags.iter().map(|f| f.name.to_string()));
                c.extend(names::summary_aliases(info).map(|(a, _)| a.to_string()));
                c.extend(names::OVERRIDES.iter().map(|o| o.to_string()));
            }
            (ItemKind::Generic, _) => {
                c.push("type".into());
                c.extend(names::OVERRIDES.iter().map(|o| o.to_string()));
            }
            _ => {}
        },
        _ => {}
    }
    c
}

impl CraftHelper {
    /// The members offered after `ROOT.steps.` (a path into a variable, or
    /// into the current packet `_` when the root is no variable), or `None`
    /// when the text before the dot is no path.
    fn path_members(&self, line: &str, dot: usize) -> Option<Vec<String>> {
        let (root, mut segs) = path_before(line, dot)?;
        let v = match self.vars.get(&root) {
            Some(v) => v,
            None => {
                let cur = self.vars.get(sctp_craft::lang::session::CURRENT)?;
                segs.insert(0, Seg::Name(root, 0));
                cur
            }
        };
        let at = path::get(v, &segs).ok()?;
        Some(members(&at))
    }

    fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let start = line[..pos]
            .rfind(|c: char| !is_ident(c))
            .map(|k| k + 1)
            .unwrap_or(0);
        let word = &line[start..pos];
        let mut c: Vec<String> = Vec::new();
        if start > 0 && line[..start].ends_with('.') {
            let mut c = self.path_members(line, start - 1).unwrap_or_default();
            c.retain(|x| x.starts_with(word));
            c.sort();
            c.dedup();
            return (start, c);
        }
        let ctors = |f: Option<Family>| -> Vec<String> {
            names::table()
                .iter()
                .filter(|n| f.is_none() || Some(n.info.family) == f)
                .map(|n| format!("{}(", n.key))
                .collect()
        };
        match context(line, start) {
            Ctx::Start => {
                c.extend(COMMANDS.iter().map(|x| x.0.to_string()));
                c.push("sctp(".into());
                c.extend(ctors(Some(Family::Chunk)));
                c.extend(self.vars.keys().cloned());
            }
            Ctx::Help => {
                c.extend(COMMANDS.iter().map(|x| x.0.to_string()));
                c.extend(names::table().iter().map(|n| n.key.clone()));
            }
            Ctx::Fields(owner) => {
                if owner == "sctp" {
                    for (full, alias) in names::HEADER_FIELDS {
                        c.push(format!("{full}="));
                        c.push(format!("{alias}="));
                    }
                } else if let Some(n) = names::lookup(&owner, None) {
                    c.extend(n.info.fields.iter().map(|f| format!("{}=", f.name)));
                    c.extend(n.info.flags.iter().map(|f| format!("{}=", f.name)));
                    c.extend(names::summary_aliases(n.info).map(|(a, _)| format!("{a}=")));
                    c.extend(names::OVERRIDES.iter().map(|o| format!("{o}=")));
                } else {
                    c.extend(ctors(None));
                }
            }
            Ctx::Items(f) => {
                c.extend(ctors(f));
                c.extend(
                    ["raw(", "chunk(", "param(", "cause(", "sctp("]
                        .iter()
                        .map(|s| s.to_string()),
                );
                c.extend(self.vars.keys().cloned());
            }
        }
        c.retain(|x| x.starts_with(word));
        c.sort();
        c.dedup();
        (start, c)
    }
}

impl Completer for CraftHelper {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        if at_file_name(line, pos) {
            return self.files.complete_path(line, pos);
        }
        let (start, c) = self.candidates(line, pos);
        Ok((
            start,
            c.into_iter()
                .map(|s| Pair {
                    display: s.clone(),
                    replacement: s,
                })
                .collect(),
        ))
    }
}

impl Hinter for CraftHelper {
    type Hint = String;
    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        if pos < line.len() || at_file_name(line, pos) {
            return None;
        }
        let (start, c) = self.candidates(line, pos);
        if pos == start {
            return None;
        }
        match c.as_slice() {
            [one] => Some(one[pos - start..].to_string()),
            _ => None,
        }
    }
}

impl Highlighter for CraftHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }
}

// Continuation lines are the REPL loop's own (with a `...` prompt), not
// rustyline's multi-line editing, which shows no prompt.
impl Validator for CraftHelper {}

impl Helper for CraftHelper {}

/// Runs the REPL until Ctrl-D or `quit`.
pub fn run(seed: Option<u64>) -> ExitCode {
    let color = want_color();
    let mut session = Session::new();
    if let Some(n) = seed {
        session.set_seed(n);
    }
    session.interactive = true;
    session.color = color;
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut rl: Editor<CraftHelper, rustyline::history::DefaultHistory> =
        match Editor::with_config(config) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("sctp-craft: cannot start the REPL: {e}");
                return ExitCode::from(2);
            }
        };
    rl.set_helper(Some(CraftHelper {
        color,
        vars: BTreeMap::new(),
        files: FilenameCompleter::new(),
    }));
    let hist = history_path();
    if let Some(h) = &hist {
        let _ = rl.load_history(h);
    }
    sigint::install();
    println!(
        "sctp-craft {} — `help` for the language, Tab completes, Ctrl-D leaves",
        env!("CARGO_PKG_VERSION")
    );
    let (prompt, more) = if color {
        ("\x1b[1msctp>\x1b[0m ", "\x1b[1m  ...\x1b[0m ")
    } else {
        ("sctp> ", "  ... ")
    };
    // The statement typed so far, while a bracket or quote is open (or the
    // line ends in `/`, `,` or `=`): the next line goes on with it.
    let mut pending = String::new();
    loop {
        if let Some(h) = rl.helper_mut() {
            h.vars = session.vars.clone();
        }
        let p = if pending.is_empty() { prompt } else { more };
        match rl.readline(p) {
            Ok(line) => {
                if pending.is_empty() && line.trim().is_empty() {
                    continue;
                }
                if !pending.is_empty() {
                    pending.push('\n');
                }
                pending.push_str(&line);
                if sctp_craft::lang::parser::incomplete(&pending) {
                    continue;
                }
                let stmt = std::mem::take(&mut pending);
                let _ = rl.add_history_entry(stmt.as_str());
                if let Some(h) = &hist {
                    let _ = rl.save_history(h);
                }
                sigint::clear();
                match session.run_script(&stmt) {
                    Ok(Flow::Quit) => break,
                    Ok(Flow::Continue) => {}
                    Err(e) => {
                        let msg = format!("error: {}", e.render(&stmt));
                        if color {
                            eprintln!("\x1b[31m{msg}\x1b[0m");
                        } else {
                            eprintln!("{msg}");
                        }
                    }
                }
            }
            Err(ReadlineError::Interrupted) if !pending.is_empty() => {
                pending.clear();
                println!("^C (dropped the open statement)");
            }
            Err(ReadlineError::Interrupted) => {
                println!("^C");
                continue;
            }
            Err(ReadlineError::Eof) => {
                if !pending.is_empty() {
                    println!("(dropped the open statement)");
                }
                break;
            }
            Err(e) => {
                eprintln!("sctp-craft: {e}");
                break;
            }
        }
    }
    if let Some(h) = &hist {
        let _ = rl.save_history(h);
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A helper whose session ran `script`.
    fn helper(script: &str) -> CraftHelper {
        let mut s = Session::new();
        s.run_script(script).unwrap();
        CraftHelper {
            color: false,
            vars: s.vars.clone(),
            files: FilenameCompleter::new(),
        }
    }

    fn complete(h: &CraftHelper, line: &str) -> Vec<String> {
        h.candidates(line, line.len()).1
    }

    #[test]
    fn header_short_names_complete_inside_sctp() {
        let h = helper("");
        assert_eq!(complete(&h, "sctp(sp"), ["sport="]);
        assert_eq!(complete(&h, "p = sctp(dp"), ["dport="]);
        assert_eq!(complete(&h, "sctp(sport=1, vt"), ["vtag="]);
        assert!(complete(&h, "sctp(").contains(&"source_port=".to_string()));
        // The summary's short names inside a chunk.
        assert_eq!(
            complete(&h, "sack(cum"),
            ["cum_ack=", "cumulative_tsn_ack="]
        );
    }

    #[test]
    fn a_path_completes_with_the_members_of_what_it_names() {
        let h = helper(
            "p = sctp(sport=1) / data(tsn=1, user_data=\"hi\") / init(params=[ipv4_address(10.0.0.1)])",
        );
        let c = complete(&h, "show p.chunks[0].");
        for f in [
            "tsn",
            "stream_identifier",
            "user_data",
            "e_bit",
            "sid",
            "length",
        ] {
            assert!(c.contains(&f.to_string()), "{f} missing: {c:?}");
        }
        assert!(!c.iter().any(|x| x.ends_with('(')), "constructors: {c:?}");
        assert_eq!(complete(&h, "show p.chunks[0].us"), ["user_data"]);
        // The last chunk, by a negative index: INIT's fields.
        let c = complete(&h, "p.chunks[-1].ini");
        assert_eq!(c, ["initial_tsn", "initiate_tag"]);
        // Into a parameter.
        assert_eq!(
            complete(&h, "hex p.chunks[1].params[0].ipv"),
            ["ipv4_address"]
        );
        // A packet: its header fields and chunks.
        let c = complete(&h, "p.");
        assert!(c.contains(&"chunks".to_string()) && c.contains(&"sport".to_string()));
        // Without a root variable: a path into the current packet `_`.
        assert_eq!(complete(&h, "edit chunks[0].ts"), ["tsn"]);
        // Nothing for a path that names nothing; never a panic.
        for l in [
            "q.",
            "p.chunks[9].",
            "p.chunks[x].",
            "p..",
            "10.0.0.",
            ".",
            "p.chunks[0].tsn.",
        ] {
            let _ = complete(&h, l);
        }
        assert!(complete(&h, "q.").is_empty());
        assert!(complete(&h, "p.chunks[9].").is_empty());
    }
}
