//! A command run as a process: on a fresh tokio runtime, stopped by the first SIGINT or
//! SIGTERM unless the command handles them itself, ending in an exit code.

use std::future::Future;

use crate::signals::{block_on_until_signal, Interrupted, CLEANUP_GRACE};

/// Runs `command` to its end on a new multi-threaded runtime and returns the process's exit
/// code: the command's own, 2 for its error (printed on stderr as `error: …`, control
/// characters escaped) or a runtime that cannot start, 128 + the signal's number when SIGINT
/// or SIGTERM stopped it ([`block_on_until_signal`]: its sandboxes are stopped and its work
/// directories removed, or a warning says the clean-up did not finish in time). With `handles_signals` the command deals with signals itself (a
/// server draining its requests) and always runs to its end.
///
/// Call it once, from `main`: the signal handlers are process-wide.
pub fn run_command<F, E>(command: F, handles_signals: bool) -> u8
where
    F: Future<Output = Result<u8, E>>,
    E: std::fmt::Display,
{
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let outcome = if handles_signals {
        let output = runtime.block_on(command);
        runtime.shutdown_timeout(CLEANUP_GRACE);
        Ok(output)
    } else {
        block_on_until_signal(runtime, command)
    };
    exit_code(outcome)
}

/// `args` (the program's name first) parsed as `P`, or the exit code when they are not
/// arguments to run: `--help` and `--version` print their text and give 0, a usage error
/// prints itself and gives 2.
pub fn parse_args<P, I>(args: I) -> Result<P, u8>
where
    P: clap::Parser,
    I: IntoIterator,
    I::Item: Into<std::ffi::OsString> + Clone,
{
    P::try_parse_from(args).map_err(|e| {
        let _ = e.print();
        if e.use_stderr() {
            2
        } else {
            0
        }
    })
}

fn exit_code<E: std::fmt::Display>(outcome: Result<Result<u8, E>, Interrupted>) -> u8 {
    match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(message)) => {
            crate::terminal::eprint_escaped(&format!("error: {message}\n"));
            2
        }
        Err(Interrupted {
            stop,
            cleanup_finished: true,
        }) => {
            eprintln!(
                "selfheal: interrupted by {}; stopped the sandboxes and removed the work directories",
                stop.name()
            );
            stop.exit_code()
        }
        Err(Interrupted {
            stop,
            cleanup_finished: false,
        }) => {
            eprintln!(
                "selfheal: interrupted by {}; the clean-up did not finish within {} s: sandboxed \
                 processes or work directories (selfheal-* under the temporary directory) may remain",
                stop.name(),
                CLEANUP_GRACE.as_secs()
            );
            stop.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::Stop;

    #[test]
    fn the_exit_code_is_the_commands_or_2_for_its_error() {
        assert_eq!(run_command(async { Ok::<u8, String>(1) }, true), 1);
        assert_eq!(run_command(async { Err::<u8, _>("bad input") }, true), 2);
        assert_eq!(exit_code::<String>(Ok(Ok(0))), 0);
        let stopped = |stop, cleanup_finished| {
            Err(Interrupted {
                stop,
                cleanup_finished,
            })
        };
        assert_eq!(exit_code::<String>(stopped(Stop::Interrupt, true)), 130);
        assert_eq!(exit_code::<String>(stopped(Stop::Terminate, false)), 143);
    }

    #[derive(clap::Parser, Debug)]
    #[command(name = "t", version = "1")]
    struct Args {
        #[arg(long)]
        n: u8,
    }

    #[test]
    fn help_and_version_exit_0_and_bad_arguments_2() {
        assert_eq!(parse_args::<Args, _>(["t", "--n", "3"]).unwrap().n, 3);
        assert_eq!(parse_args::<Args, _>(["t", "--version"]).unwrap_err(), 0);
        assert_eq!(parse_args::<Args, _>(["t", "--n", "x"]).unwrap_err(), 2);
    }
}
