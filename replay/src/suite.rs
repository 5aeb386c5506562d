//! Running script files: a sibling `NAME.exfail` marks a script expected to
//! fail (it needs features packetdrill lacks); such a script is XFAIL when it
//! fails and XPASS when it passes, and neither counts as a failure.

use std::path::{Path, PathBuf};

use crate::runner::{run_text, Outcome, RunOptions};

/// What became of one script file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Passed.
    Pass,
    /// Failed at a line.
    Fail {
        /// The line.
        line: usize,
        /// Expected vs got.
        message: String,
    },
    /// Failed, as its `.exfail` file says it will.
    XFail {
        /// The line.
        line: usize,
        /// Expected vs got.
        message: String,
    },
    /// Passed although an `.exfail` file says it fails.
    XPass,
    /// Could not be read or parsed (line and column of a syntax error).
    Error(String),
}

impl Status {
    /// Whether this counts as a failure of the run.
    pub fn is_failure(&self) -> bool {
        matches!(self, Status::Fail { .. } | Status::Error(_))
    }
}

/// One script's result.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The script.
    pub path: PathBuf,
    /// Its status.
    pub status: Status,
    /// Things the runner could not map onto the endpoint.
    pub warnings: Vec<String>,
}

/// The `.exfail` file beside a script.
pub fn exfail_path(path: &Path) -> PathBuf {
    path.with_extension("exfail")
}

/// Runs one script file.
pub fn run_file(path: &Path, opts: &RunOptions) -> FileResult {
    let expect_fail = exfail_path(path).exists();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return FileResult {
                path: path.to_path_buf(),
                status: Status::Error(format!("cannot read: {e}")),
                warnings: Vec::new(),
            }
        }
    };
    let (status, warnings) = match run_text(&text, opts) {
        Err(e) => (
            Status::Error(format!(
                "{}:{}: syntax error: {}",
                e.pos.line, e.pos.col, e.message
            )),
            Vec::new(),
        ),
        Ok(r) => (
            match (r.outcome, expect_fail) {
                (Outcome::Pass, false) => Status::Pass,
                (Outcome::Pass, true) => Status::XPass,
                (Outcome::Fail { line, message }, false) => Status::Fail { line, message },
                (Outcome::Fail { line, message }, true) => Status::XFail { line, message },
            },
            r.warnings,
        ),
    };
    FileResult {
        path: path.to_path_buf(),
        status,
        warnings,
    }
}

/// The text line for a result: `PASS path`, `FAIL path:LINE: message`, ...
pub fn text_line(r: &FileResult) -> String {
    let p = r.path.display();
    match &r.status {
        Status::Pass => format!("PASS {p}"),
        Status::XPass => format!("XPASS {p}"),
        Status::Fail { line, message } => format!("FAIL {p}:{line}: {message}"),
        Status::XFail { line, message } => format!("XFAIL {p}:{line}: {message}"),
        Status::Error(m) => format!("FAIL {p}:{m}"),
    }
}

/// The JSON object for a result.
pub fn json(r: &FileResult) -> serde_json::Value {
    let (status, line, message) = match &r.status {
        Status::Pass => ("pass", None, None),
        Status::XPass => ("xpass", None, None),
        Status::Fail { line, message } => ("fail", Some(*line), Some(message.clone())),
        Status::XFail { line, message } => ("xfail", Some(*line), Some(message.clone())),
        Status::Error(m) => ("fail", None, Some(m.clone())),
    };
    serde_json::json!({
        "script": r.path.display().to_string(),
        "status": status,
        "line": line,
        "message": message,
        "warnings": r.warnings,
    })
}
