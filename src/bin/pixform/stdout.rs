//! Writing a command's result to standard output.

use std::io::{ErrorKind, Write};

/// Writes `text` and a newline to standard output and flushes it.
///
/// A reader that closed the pipe early (`pixform params | head -1`) has all it wants: the
/// command then ends quietly and successfully, as command-line tools do. Any other write error
/// is reported.
pub fn print_line(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("standard output: {e}")),
    }
}
