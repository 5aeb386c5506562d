//! Errors of the language, with the byte offset they point at, and their
//! `line L, column C: message` rendering with a caret under the culprit.

use std::fmt;

/// An error in a statement: a message and, when known, the byte offset in
/// the script where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LangError {
    /// Byte offset in the whole script (`None`: the statement as a whole).
    pub at: Option<usize>,
    /// What went wrong.
    pub msg: String,
}

impl LangError {
    /// An error at byte offset `at`.
    pub fn at(at: usize, msg: impl Into<String>) -> Self {
        LangError {
            at: Some(at),
            msg: msg.into(),
        }
    }
    /// An error without a position.
    pub fn msg(msg: impl Into<String>) -> Self {
        LangError {
            at: None,
            msg: msg.into(),
        }
    }
    /// Sets the position if none is known yet.
    pub fn or_at(mut self, at: usize) -> Self {
        if self.at.is_none() {
            self.at = Some(at);
        }
        self
    }
    /// `line L, column C: message`, then the source line and a caret.
    pub fn render(&self, src: &str) -> String {
        let at = self.at.unwrap_or(0).min(src.len());
        let (line, col) = line_col(src, at);
        let text = src.lines().nth(line - 1).unwrap_or("");
        let caret: String = text
            .chars()
            .take(col - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!(
            "line {line}, column {col}: {}\n  {text}\n  {caret}^",
            self.msg
        )
    }
}

impl fmt::Display for LangError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for LangError {}

impl From<String> for LangError {
    fn from(s: String) -> Self {
        LangError::msg(s)
    }
}

impl From<&str> for LangError {
    fn from(s: &str) -> Self {
        LangError::msg(s)
    }
}

/// The 1-based line and column (in characters) of byte offset `at` of `src`.
pub fn line_col(src: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let before = &src[..at];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map(|k| k + 1).unwrap_or(0);
    (line, src[start..at].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_and_caret() {
        let src = "show\nfoo bar\n";
        let e = LangError::at(9, "bad");
        assert_eq!(e.render(src), "line 2, column 5: bad\n  foo bar\n      ^");
    }
}
