//! Diagnostics: every problem stackc finds, with a stable code, the exact span in the TOML and help.
//! They are collected (never thrown one at a time) and rendered by miette or as JSON.

mod code;
mod render;
mod suggest;

use std::ops::Range;

pub use code::Code;
pub use render::{render_human, render_json};
pub use suggest::did_you_mean;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Range<usize>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// The primary label comes first; its span is the diagnostic's location.
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// The environment overlay that was applied when the problem showed.
    pub env: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            env: None,
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    #[must_use]
    pub fn at(mut self, span: Range<usize>, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a did-you-mean hint when a candidate is close enough.
    #[must_use]
    pub fn suggest<'a>(self, wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Self {
        match did_you_mean(wrong, candidates) {
            Some(best) => self.help(format!("did you mean `{best}`?")),
            None => self,
        }
    }

    /// Sets the help text unless a suggestion already took its place.
    #[must_use]
    pub fn with_default_help(mut self, help: impl Into<String>) -> Self {
        if self.help.is_none() {
            self.help = Some(help.into());
        }
        self
    }

    #[must_use]
    pub fn span(&self) -> Option<Range<usize>> {
        self.labels.first().map(|l| l.span.clone())
    }

    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A growing list of diagnostics, the accumulator every stage writes into.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    #[must_use]
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Sorted by position, duplicates (the same finding reached twice, e.g. from two environments) removed.
    #[must_use]
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        // Borrowing keys: no message is copied per comparison.
        self.0.sort_by(|a, b| {
            let key = |d: &'_ Diagnostic| {
                (
                    d.labels.first().map(|l| (l.span.start, l.span.end)),
                    d.severity,
                    d.code,
                )
            };
            key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message))
        });
        self.0
            .dedup_by(|a, b| a.code == b.code && a.span() == b.span() && a.message == b.message);
        self.0
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Tags every diagnostic with the environment it was found under.
    pub fn set_env(&mut self, env: &str) {
        for d in &mut self.0 {
            d.env = Some(env.to_owned());
        }
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(v: Vec<Diagnostic>) -> Self {
        Self(v)
    }
}
