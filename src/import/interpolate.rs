//! Compose's variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?error}`, `${VAR?error}`, `${VAR:+alternative}`, `${VAR+alternative}`, and `$$` for a
//! literal `$`. Defaults may themselves hold variables. The values come from the shell's
//! environment, then `.env` / `--env-file` (the environment wins, as in Compose).

use std::collections::BTreeMap;

/// The variables interpolation reads.
#[derive(Debug, Default, Clone)]
pub struct Variables {
    pub values: BTreeMap<String, String>,
    /// Names set by the shell: files do not override them.
    pub from_shell: std::collections::BTreeSet<String>,
}

impl Variables {
    fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// Interpolates `text`.
///
/// # Errors
/// A `${VAR?message}` whose variable is unset (or empty, with `:?`), or a `${` without its `}`.
pub fn interpolate(text: &str, vars: &Variables) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = closing_brace(body).ok_or_else(|| "a `${` without its `}`".to_owned())?;
            out.push_str(&braced(&body[..end], vars)?);
            rest = &body[end + 1..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len == 0 || after.starts_with(|c: char| c.is_ascii_digit()) {
                out.push('$');
                rest = after;
            } else {
                out.push_str(vars.get(&after[..len]).unwrap_or(""));
                rest = &after[len..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` closing a `${`, skipping nested `${…}` in defaults.
fn closing_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn braced(body: &str, vars: &Variables) -> Result<String, String> {
    let name_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let (name, op) = body.split_at(name_len);
    if name.is_empty() {
        return Err("a `${…}` that names no variable".to_owned());
    }
    let value = vars.get(name);
    let set = value.is_some();
    let non_empty = value.is_some_and(|v| !v.is_empty());
    let word = |w: &str| interpolate(w, vars);
    Ok(match op {
        "" => value.unwrap_or("").to_owned(),
        _ if op.starts_with(":-") => {
            if non_empty {
                value.unwrap_or("").to_owned()
            } else {
                word(&op[2..])?
            }
        }
        _ if op.starts_with('-') => {
            if set {
                value.unwrap_or("").to_owned()
            } else {
                word(&op[1..])?
            }
        }
        _ if op.starts_with(":+") => {
            if non_empty {
                word(&op[2..])?
            } else {
                String::new()
            }
        }
        _ if op.starts_with('+') => {
            if set {
                word(&op[1..])?
            } else {
                String::new()
            }
        }
        _ if op.starts_with(":?") || op.starts_with('?') => {
            let strict = op.starts_with(':');
            let message = &op[if strict { 2 } else { 1 }..];
            if (strict && !non_empty) || (!strict && !set) {
                let why = if message.is_empty() {
                    format!("required variable {name} is missing a value")
                } else {
                    format!(
                        "required variable {name} is missing a value: {}",
                        word(message)?
                    )
                };
                return Err(why);
            }
            value.unwrap_or("").to_owned()
        }
        _ => {
            return Err(format!(
                "`${{{name}…}}`: unknown substitution (Compose knows :- - :? ? :+ +)"
            ));
        }
    })
}

/// Reads a `.env` file as Compose does: `KEY=value`, `export KEY=value`, `#` comments, values
/// quoted with `'` (literal) or `"` (escapes `\n`, `\"`), unquoted values trimmed and cut at ` #`.
/// Unquoted and double-quoted values are interpolated with what was read before.
///
/// # Errors
/// A line that is not an assignment, with its number.
pub fn read_env_file(text: &str, vars: &mut Variables, file: &str) -> Result<(), String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut n = 0;
    while n < lines.len() {
        let raw = lines[n];
        let number = n + 1;
        n += 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        // Errors name the line, never its text: a .env holds credentials.
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("{file}:{number}: not KEY=value"));
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return Err(format!("{file}:{number}: not a variable name before `=`"));
        }
        let value = value.trim_start();
        let parsed = if let Some(inner) = value.strip_prefix('\'') {
            let mut whole = inner.to_owned();
            while !whole.contains('\'') && n < lines.len() {
                whole.push('\n');
                whole.push_str(lines[n]);
                n += 1;
            }
            whole
                .split_once('\'')
                .map_or(whole.as_str(), |(v, _)| v)
                .to_owned()
        } else if let Some(inner) = value.strip_prefix('"') {
            // A double-quoted value may span lines, up to its closing quote.
            let mut whole = inner.to_owned();
            while !closes(&whole) && n < lines.len() {
                whole.push('\n');
                whole.push_str(lines[n]);
                n += 1;
            }
            let mut out = String::new();
            let mut chars = whole.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(other) => out.push(other),
                        None => {}
                    },
                    c => out.push(c),
                }
            }
            interpolate(&out, vars).map_err(|e| format!("{file}:{number}: {e}"))?
        } else {
            let cut = value.find(" #").map_or(value, |i| &value[..i]);
            interpolate(cut.trim_end(), vars).map_err(|e| format!("{file}:{number}: {e}"))?
        };
        // The shell's environment wins; among files, the last value read wins (as in Compose).
        if !vars.from_shell.contains(key) {
            vars.values.insert(key.to_owned(), parsed);
        }
    }
    Ok(())
}

/// Whether a double-quoted value's text has its closing quote (not escaped).
fn closes(text: &str) -> bool {
    let mut escaped = false;
    for c in text.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return true,
            _ => escaped = false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Variables {
        Variables {
            values: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            from_shell: pairs.iter().map(|(k, _)| (*k).to_owned()).collect(),
        }
    }

    #[test]
    fn every_form_compose_knows() {
        let v = vars(&[("TAG", "1.2"), ("EMPTY", ""), ("HOST", "db")]);
        let cases = [
            ("app:${TAG}", "app:1.2"),
            ("app:$TAG", "app:1.2"),
            ("${MISSING:-16}", "16"),
            ("${EMPTY:-x}", "x"),
            ("${EMPTY-x}", ""),
            ("${MISSING-x}", "x"),
            ("${TAG:+set}", "set"),
            ("${EMPTY:+set}", ""),
            ("${EMPTY+set}", "set"),
            ("$$HOME and $${TAG}", "$HOME and ${TAG}"),
            ("${MISSING:-postgres://${HOST}:5432}", "postgres://db:5432"),
            ("cost $5", "cost $5"),
            ("${MISSING}", ""),
        ];
        for (input, want) in cases {
            assert_eq!(interpolate(input, &v).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn required_variables_fail_with_their_message() {
        let v = vars(&[("EMPTY", "")]);
        let err = interpolate("${DB_PASS:?set DB_PASS first}", &v).unwrap_err();
        assert!(
            err.contains("DB_PASS") && err.contains("set DB_PASS first"),
            "{err}"
        );
        assert!(interpolate("${EMPTY?x}", &v).is_ok());
        assert!(interpolate("${EMPTY:?x}", &v).is_err());
        assert!(interpolate("${OPEN", &v).is_err());
    }

    #[test]
    fn env_files_read_like_compose() {
        let mut v = vars(&[("SHELL_WINS", "shell")]);
        read_env_file(
            "# comment\nexport A=1\nB = two words # note\nC='lit $A'\nD=\"x\\ny $A\"\nSHELL_WINS=file\nE=\n",
            &mut v,
            ".env",
        )
        .unwrap();
        assert_eq!(v.get("A"), Some("1"));
        assert_eq!(v.get("B"), Some("two words"));
        assert_eq!(v.get("C"), Some("lit $A"));
        assert_eq!(v.get("D"), Some("x\ny 1"));
        assert_eq!(v.get("SHELL_WINS"), Some("shell"));
        assert_eq!(v.get("E"), Some(""));
        assert!(read_env_file("nonsense\n", &mut v, ".env").is_err());
        let mut w = Variables::default();
        read_env_file(
            "A=1\nA=2\nPEM=\"-----BEGIN\nMIIB\n-----END\"\nB=3\n",
            &mut w,
            ".env",
        )
        .unwrap();
        assert_eq!(w.get("A"), Some("2"));
        assert_eq!(w.get("PEM"), Some("-----BEGIN\nMIIB\n-----END"));
        assert_eq!(w.get("B"), Some("3"));
        let err = read_env_file("SECRETLINE\n", &mut w, ".env").unwrap_err();
        assert!(!err.contains("SECRETLINE"), "{err}");
    }
}
