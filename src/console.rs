//! Writing to the terminal without panicking: `print!` panics when stdout is a closed pipe
//! (`stackc graph | head -1`) or a full disk (`stackc schema > /dev/full`). Every line stackc prints
//! goes through [`stdout`] or [`stderr`] instead (via the `say!` / `tell!` macros).

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout's reader has gone away: later output is dropped.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Prints to stdout. A reader that went away (a broken pipe: `stackc graph | head -1`) is not an
/// error: output stops, and the command still ends with its own exit code (so `build --check |
/// head` still fails when the folder is out of date). Any other failure (a full disk) ends the
/// process with exit 1 and says why.
pub fn stdout(args: fmt::Arguments<'_>) {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
        Err(e) => {
            stderr(format_args!(
                "error: cannot write to standard output: {e}\n"
            ));
            std::process::exit(1);
        }
    }
}

/// Prints to stderr; a failure is ignored, since there is nowhere left to report it and the
/// command's work (an apply half-way through) must not stop because its log cannot be shown.
pub fn stderr(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.flush());
}

/// `println!` to stdout through [`stdout`].
#[macro_export]
macro_rules! say {
    () => { $crate::console::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::console::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` to stdout through [`stdout`], without a newline.
#[macro_export]
macro_rules! say_raw {
    ($($arg:tt)*) => { $crate::console::stdout(format_args!($($arg)*)) };
}

/// `eprintln!` through [`stderr`].
#[macro_export]
macro_rules! tell {
    () => { $crate::console::stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::console::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` through [`stderr`], without a newline.
#[macro_export]
macro_rules! tell_raw {
    ($($arg:tt)*) => { $crate::console::stderr(format_args!($($arg)*)) };
}
