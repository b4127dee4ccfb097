use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};

use super::{Diagnostic, Severity};
use crate::source::SourceFile;

/// A diagnostic bound to its source file: the form miette renders.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Window<'a>,
    /// Render without the source snippet (see [`LONGEST_SNIPPET_LINE`]).
    plain: bool,
}

/// Lines longer than this (in characters) are not drawn as snippets: miette's renderer formats
/// column widths that overflow past ~65,000 columns, and a snippet of a minified line helps nobody.
/// Such diagnostics get a location and a short excerpt instead.
const LONGEST_SNIPPET_LINE: usize = 2_000;

/// The spec as miette reads it. miette's own `SourceCode` for a string scans from the start of the
/// file for every span (quadratic over many diagnostics) and counts columns in bytes; this one finds
/// the lines around a span through the file's line index, lets miette cut the context from those
/// lines alone, and reports columns in characters, as the JSON output does.
struct Window<'a> {
    source: &'a SourceFile,
    name: String,
}

impl miette::SourceCode for Window<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text = self.source.text();
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        let first_line = self
            .source
            .line_of(start)
            .saturating_sub(context_lines_before);
        let last_line = self.source.line_of(end) + context_lines_after;
        let from = self.source.line_start(first_line).unwrap_or(0);
        let to = self.source.line_start(last_line + 1).unwrap_or(text.len());
        let window = &text.as_bytes()[from..to];
        let local = SourceSpan::from((start - from, span.len()));
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let offset = inner.span().offset() + from;
        let column = if context_lines_before == 0 {
            self.source.line_col(start).1 - 1
        } else {
            0
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::from((offset, inner.span().len())),
            inner.line() + first_line,
            column,
            inner.line_count() + first_line,
        )))
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.diagnostic.env {
            Some(env) => write!(f, "{} (with --env {env})", self.diagnostic.message),
            None => f.write_str(&self.diagnostic.message),
        }
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        (!self.plain && !self.diagnostic.labels.is_empty())
            .then_some(&self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.plain {
            return None;
        }
        let labels = self.diagnostic.labels.iter().enumerate().map(|(i, l)| {
            let span = SourceSpan::from(l.span.start..l.span.end.max(l.span.start));
            if i == 0 {
                LabeledSpan::new_primary_with_span(Some(l.text.clone()), span)
            } else {
                LabeledSpan::new_with_span(Some(l.text.clone()), span)
            }
        });
        Some(Box::new(labels))
    }
}

/// Renders diagnostics the way a person reads them, colored when `color` is set.
#[must_use]
pub fn render_human(source: &SourceFile, diagnostics: &[Diagnostic], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(110);
    let mut out = String::new();
    let name = source.display_name();
    for diagnostic in diagnostics {
        let plain = diagnostic
            .labels
            .iter()
            .any(|l| longest_line(source, &l.span) > LONGEST_SNIPPET_LINE);
        let report = Report {
            diagnostic,
            source: Window {
                source,
                name: name.clone(),
            },
            plain,
        };
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &report);
        if plain {
            for label in &diagnostic.labels {
                excerpt(&mut out, source, label);
            }
            out.push('\n');
        }
    }
    out
}

/// The length in bytes (an upper bound of characters) of the longest line a span touches; in bytes
/// so that it costs nothing per diagnostic, however long the line.
fn longest_line(source: &SourceFile, span: &std::ops::Range<usize>) -> usize {
    let len = source.text().len();
    (source.line_of(span.start)..=source.line_of(span.end))
        .map(|line| line_bounds(source, line, len))
        .map(|(start, end)| end - start)
        .max()
        .unwrap_or(0)
}

/// Byte range of 0-based `line`, without its line break.
fn line_bounds(source: &SourceFile, line: usize, len: usize) -> (usize, usize) {
    let start = source.line_start(line).unwrap_or(len);
    let end = source
        .line_start(line + 1)
        .map_or(len, |next| next.saturating_sub(1).max(start));
    (start, end)
}

/// `  at file:line:column` and the text around the span with a caret line under it. Only bytes
/// near the span are looked at, so thousands of diagnostics on one long line stay linear.
fn excerpt(out: &mut String, source: &SourceFile, label: &super::Label) {
    use std::fmt::Write as _;
    const AROUND: usize = 30;
    let text = source.text();
    let (line, column) = source.line_col(label.span.start);
    let (line_start, line_end) = line_bounds(source, line - 1, text.len());
    let start = label.span.start.clamp(line_start, line_end);
    let end = label.span.end.clamp(start, line_end);
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let ceil = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let lead_from = floor(start.saturating_sub(AROUND * 4).max(line_start));
    let lead: String = {
        let chars: Vec<char> = text[lead_from..start].chars().collect();
        chars[chars.len().saturating_sub(AROUND)..].iter().collect()
    };
    let marked: String = text[start..ceil(end.min(start + 320))]
        .chars()
        .take(80)
        .collect();
    let tail_to = ceil((end + AROUND * 4).min(line_end));
    let tail: String = text[end..tail_to].chars().take(AROUND).collect();
    let open = if start - lead.len() > line_start {
        "…"
    } else {
        ""
    };
    let close = if end + tail.len() < line_end {
        "…"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "  at {}:{line}:{column}\n    {open}{lead}{marked}{tail}{close}",
        source.display_name(),
    );
    let pad = open.chars().count() + lead.chars().count();
    let _ = writeln!(
        out,
        "    {}{} {}",
        " ".repeat(pad),
        "^".repeat(marked.chars().count().max(1)),
        label.text
    );
}

#[derive(serde::Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: Severity,
    message: &'a str,
    file: String,
    /// 1-based line and column (in characters) of the primary span's start; absent for file-level problems.
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    label: Option<&'a str>,
    help: Option<&'a str>,
    env: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct JsonReport<'a> {
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// Renders diagnostics as one JSON document for tools.
#[must_use]
pub fn render_json(source: &SourceFile, diagnostics: &[Diagnostic]) -> String {
    let items = diagnostics
        .iter()
        .map(|d| {
            let start = d.span().map(|s| source.line_col(s.start));
            let end = d.span().map(|s| source.line_col(s.end));
            JsonDiagnostic {
                code: d.code.as_str(),
                severity: d.severity,
                message: &d.message,
                file: source.display_name(),
                line: start.map(|p| p.0),
                column: start.map(|p| p.1),
                end_line: end.map(|p| p.0),
                end_column: end.map(|p| p.1),
                label: d.labels.first().map(|l| l.text.as_str()),
                help: d.help.as_deref(),
                env: d.env.as_deref(),
            }
        })
        .collect();
    let report = JsonReport {
        errors: diagnostics.iter().filter(|d| d.is_error()).count(),
        warnings: diagnostics.iter().filter(|d| !d.is_error()).count(),
        diagnostics: items,
    };
    serde_json::to_string_pretty(&report).expect("diagnostics serialize") + "\n"
}
