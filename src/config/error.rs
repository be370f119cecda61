//! Config errors and the collector that turns byte spans into `file:line:column` problems.
//!
//! This file owns how a problem is located and worded; it must never decide what is valid
//! (that is the readers' job) and never stop at the first problem: everything is collected.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::PathBuf;

/// Everything that can go wrong while loading the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The path that was tried.
        path: PathBuf,
        /// The underlying IO error.
        #[source]
        source: io::Error,
    },
    /// The file was read but is not a valid configuration; one problem per line.
    #[error("{}", join_lines(.problems))]
    Invalid {
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
    /// An environment override (`GOVWIRE_*`) holds an unusable value.
    #[error("environment variable {var}={value:?}: {reason}")]
    Env {
        /// The variable's name.
        var: &'static str,
        /// The value it held (lossily decoded).
        value: String,
        /// Why the value cannot be used.
        reason: String,
    },
}

impl ConfigError {
    /// The individual problems of an `Invalid` error; empty for other variants.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid { problems } => problems,
            _ => &[],
        }
    }
}

/// One located problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file name as given to [`parse`](super::parse).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// The entry the problem is in, e.g. `[[source]] "kommune21"`; empty at top level.
    pub context: String,
    /// The dotted field name, e.g. `list.item`; empty for TOML syntax errors.
    pub field: String,
    /// What is wrong and, where possible, what would be right.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.context.is_empty() {
            write!(f, "{}: ", self.context)?;
        }
        if !self.field.is_empty() {
            write!(f, "field `{}`: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

fn join_lines(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n")
}

/// Collects problems for one file and locates them.
pub(crate) struct Report<'a> {
    file: &'a str,
    text: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Report<'a> {
    /// A collector for `text`, read from `file`.
    pub(crate) fn new(file: &'a str, text: &'a str) -> Report<'a> {
        Report {
            file,
            text,
            problems: Vec::new(),
        }
    }

    /// Records a problem at `span` in `context`, about `field`.
    pub(crate) fn push(
        &mut self,
        span: &Range<usize>,
        context: &str,
        field: &str,
        message: impl Into<String>,
    ) {
        let (line, column) = line_column(self.text, span.start);
        self.problems.push(Problem {
            file: self.file.to_owned(),
            line,
            column,
            context: context.to_owned(),
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// The 1-based line of byte `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        line_column(self.text, offset).0
    }

    /// How many problems have been recorded so far (to tell whether one table added any).
    pub(crate) fn problem_count(&self) -> usize {
        self.problems.len()
    }

    /// True if no problem has been recorded.
    pub(crate) fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// `Ok(value)` if nothing was recorded, else every problem sorted by position.
    pub(crate) fn finish<T>(mut self, value: T) -> Result<T, ConfigError> {
        if self.problems.is_empty() {
            return Ok(value);
        }
        self.problems.sort_by_key(|p| (p.line, p.column));
        Err(ConfigError::Invalid {
            problems: self.problems,
        })
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`; clamps past the end.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let text = "ab\ncd\nü=x";
        let cases = [
            (0, (1, 1)),
            (1, (1, 2)),
            (3, (2, 1)),
            (6, (3, 1)),
            (8, (3, 2)), // after the two-byte ü
            (7, (3, 1)), // inside ü: clamps back to its start
            (999, (3, 4)),
        ];
        for (offset, want) in cases {
            assert_eq!(line_column(text, offset), want, "offset {offset}");
        }
    }

    #[test]
    fn problem_display_names_file_line_context_and_field() {
        let p = Problem {
            file: "sources.toml".into(),
            line: 12,
            column: 1,
            context: "[[source]] \"kommune21\"".into(),
            field: "land".into(),
            message: "unknown Land \"XY\"".into(),
        };
        assert_eq!(
            p.to_string(),
            "sources.toml:12:1: [[source]] \"kommune21\": field `land`: unknown Land \"XY\""
        );
    }
}
