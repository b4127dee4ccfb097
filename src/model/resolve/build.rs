//! Build fields as text that lands in a Dockerfile, and build paths on disk.

use std::path::Path;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Runtime;
use crate::spec::{Sp, StackSpec};

/// Build contexts and user Dockerfiles on disk, relative to `dir` (the spec file's folder); run once
/// the spec itself is valid. Whether everything needed exists is returned (a missing Dockerfile is an
/// error).
///
/// A missing context is a warning, not an error: the spec is valid and the Kubernetes and ECS
/// artifacts need no sources (a deploy checkout, the contract specs), but `docker compose build` and
/// `docker build` will fail. A missing Dockerfile inside an existing context is a mistake: an error.
pub fn build_paths(spec: &StackSpec, dir: &Path, diags: &mut Diagnostics) -> bool {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let mut ok = true;
    let workloads = spec
        .services
        .iter()
        .map(|w| ("service", w))
        .chain(spec.jobs.iter().map(|w| ("job", w)));
    for (kind, (name, w)) in workloads {
        let Some(build) = &w.build else { continue };
        let context = build.context.as_ref().map_or(".", |c| c.get().as_str());
        let context_span = build.context.as_ref().map_or(build.span(), Sp::span);
        let folder = dir.join(context);
        if !folder.is_dir() {
            let siblings = subfolders(folder.parent().unwrap_or(dir));
            let last = Path::new(context)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            diags.push(
                Diagnostic::warning(
                    Code::MissingBuildContext,
                    format!(
                        "the build context `{}` of {kind} `{}` does not exist",
                        context.escape_debug(),
                        name.get()
                    ),
                )
                .at(context_span, format!("no folder `{}`", folder.display()))
                .suggest(&last, siblings.iter().map(String::as_str))
                .with_default_help("the context is relative to the spec file's folder; `docker compose build` and `docker build` fail until it exists (the Kubernetes and ECS artifacts do not need it)"),
            );
            continue;
        }
        if let Some(dockerfile) = &build.dockerfile
            && build.runtime.get() == Runtime::Dockerfile.as_str()
        {
            let file = folder.join(dockerfile.get());
            if !file.is_file() {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        Code::MissingDockerfile,
                        format!(
                            "the Dockerfile `{}` of {kind} `{}` does not exist in its build context",
                            dockerfile.get().escape_debug(),
                            name.get()
                        ),
                    )
                    .at(dockerfile.span(), format!("no file `{}`", file.display()))
                    .help("`dockerfile` is relative to the build context, as `docker build -f` reads it"),
                );
            }
        }
    }
    ok
}

fn subfolders(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// What no line of a Dockerfile can hold: a line break ends the instruction (the rest becomes
/// instructions of its own), and other control characters are nothing a build step means.
pub(super) fn control_character(text: &str) -> Option<String> {
    let c = text.chars().find(|&c| c.is_control() && c != '\t')?;
    Some(match c {
        '\n' | '\r' => "a line break".to_owned(),
        c => format!("the control character U+{:04X}", u32::from(c)),
    })
}

/// `build.command`: the text of a shell-form `RUN` line. The shell syntax in it is the user's; only
/// what would change the Dockerfile around it is refused.
pub(super) fn run_line(text: &str) -> Result<(), String> {
    if let Some(why) = control_character(text) {
        return Err(format!("contains {why}"));
    }
    if text.trim_end().ends_with('\\') {
        return Err(
            "ends with `\\`, which would continue the RUN line into the next instruction".into(),
        );
    }
    if text.trim_start().starts_with('-') {
        return Err(
            "starts with `-`, which Docker reads as a flag of RUN (`--mount`, `--network`)".into(),
        );
    }
    if text.contains("<<") {
        return Err("contains `<<`, which starts a heredoc in a Dockerfile: the instructions after it would become its text".into());
    }
    Ok(())
}

/// `build.entry`: one argument of a build step (quoted where it lands), or an argument of the image's
/// command.
pub(super) fn shell_argument(text: &str) -> Result<(), String> {
    if let Some(why) = control_character(text) {
        return Err(format!("contains {why}"));
    }
    if text.starts_with('-') {
        return Err("starts with `-`, which the build tool would read as an option".into());
    }
    Ok(())
}

/// `build.output`: a folder inside the build context, copied with `COPY --from=build /app/<output>`;
/// only characters with no meaning to COPY (no `$`, globs or spaces) and no way out of `/app`.
pub(super) fn folder_in_context(path: &str) -> Result<(), String> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let bad = trimmed.is_empty()
        || trimmed.split('/').any(|part| {
            part.is_empty()
                || part == "."
                || part == ".."
                || part.starts_with('-')
                || !part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '@'))
        });
    if bad {
        Err(format!(
            "`{}` is not a folder inside the build context",
            path.escape_debug()
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_lines_stay_one_instruction() {
        assert!(run_line("npm run build && npm test; echo done").is_ok());
        assert!(run_line("echo ${HOME} | tr a b").is_ok());
        for bad in [
            "npm run build\nUSER root",
            "a\rRUN touch /pwned",
            "a\0b",
            "make \\",
            "make \\  ",
            "--network=host make",
            "cat <<EOF",
        ] {
            assert!(run_line(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn entries_are_single_arguments() {
        assert!(shell_argument("target/*.jar").is_ok());
        assert!(
            shell_argument("; touch /pwned").is_ok(),
            "quoted where it lands"
        );
        assert!(shell_argument("x\nUSER root").is_err());
        assert!(shell_argument("-toolexec=x").is_err());
    }

    #[test]
    fn outputs_are_folders_inside_the_context() {
        for good in ["dist", "build/site", "out/", "v1.2_x-y+z@2"] {
            assert!(folder_in_context(good).is_ok(), "{good}");
        }
        for bad in [
            "../../etc",
            "/etc",
            "a/../b",
            ".",
            "./dist",
            "",
            "a//b",
            "dist $HOME",
            "*",
            "a\nb",
            "-x",
        ] {
            assert!(folder_in_context(bad).is_err(), "{bad:?}");
        }
    }
}
