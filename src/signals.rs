//! Stopping on SIGINT/SIGTERM with clean-up, for command-line programs built on selfheal.
//!
//! Cancellation in selfheal is dropping a future: a dropped validation kills its sandboxed
//! processes and removes its work directory. [`block_on_until_signal`] runs a future on a
//! runtime and, on the first SIGINT or SIGTERM, drops it and every task of the runtime, waits
//! up to [`CLEANUP_GRACE`] for that clean-up, and returns which signal came; a second signal
//! ends the process at once. `selfheal` then exits with [`Stop::exit_code`] (130 or 143).

use std::future::Future;
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::signal::unix::{signal, SignalKind};

/// How long the runtime may take to drop the cancelled tasks (killing sandboxes, removing work
/// directories) before [`block_on_until_signal`] returns anyway.
pub const CLEANUP_GRACE: Duration = Duration::from_secs(5);

/// A run stopped by a signal, and whether its clean-up finished within [`CLEANUP_GRACE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    /// The signal that stopped the run.
    pub stop: Stop,
    /// `false` when the runtime's shutdown used all of [`CLEANUP_GRACE`]: some sandboxes or
    /// work directories may remain, and the caller must not claim they were removed.
    pub cleanup_finished: bool,
}

/// A signal that stopped the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
}

impl Stop {
    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
        }
    }

    /// The shell's convention: 128 + the signal number (130, 143).
    pub fn exit_code(self) -> u8 {
        128 + self.number() as u8
    }

    fn number(self) -> libc::c_int {
        match self {
            Stop::Interrupt => libc::SIGINT,
            Stop::Terminate => libc::SIGTERM,
        }
    }
}

/// Runs `future` on `runtime` until it finishes (`Ok`) or SIGINT/SIGTERM arrives (`Err`).
/// On a signal, another SIGINT or SIGTERM is set to end the process at once with 128 + its
/// number (even while the clean-up is blocked), then the future and every task of the runtime
/// are dropped and the runtime shut down, waiting up to [`CLEANUP_GRACE`]; the `Err` says
/// whether that clean-up finished in time. When the signal handlers cannot be installed, a
/// warning is logged and the future runs to its end.
///
/// The handlers are process-wide: call this once, from `main`.
pub fn block_on_until_signal<F: Future>(
    runtime: Runtime,
    future: F,
) -> Result<F::Output, Interrupted> {
    // Boxed so it can be dropped explicitly, after the second-signal handler is in place.
    let mut future = Box::pin(future);
    let finished = runtime.block_on(async {
        let streams = signal(SignalKind::interrupt())
            .and_then(|interrupt| Ok((interrupt, signal(SignalKind::terminate())?)));
        let (mut interrupt, mut terminate) = match streams {
            Ok(streams) => streams,
            Err(e) => {
                tracing::warn!("cannot listen for SIGINT/SIGTERM ({e}); an interrupted run may leave work directories behind");
                return Ok((&mut future).await);
            }
        };
        tokio::select! {
            output = &mut future => Ok(output),
            _ = interrupt.recv() => Err(Stop::Interrupt),
            _ = terminate.recv() => Err(Stop::Terminate),
        }
    });
    let stop = match finished {
        Ok(output) => return Ok(output),
        Err(stop) => stop,
    };
    // Before any clean-up: dropping the future may block (a sandbox whose processes take
    // long to die), and a second signal must end the process even then.
    exit_on_next_signal();
    // Cancels it: its sandboxes are killed and reaped, its work directories removed (in
    // the runtime's context, which drops of its IO resources may need).
    let entered = runtime.enter();
    drop(future);
    drop(entered);
    // Drops every task still alive (sandbox guards kill their processes, workspaces
    // remove their directories) and waits for them. It returns early once they are all
    // gone, so using the whole grace means some were still running.
    let started = std::time::Instant::now();
    runtime.shutdown_timeout(CLEANUP_GRACE);
    Err(Interrupted {
        stop,
        cleanup_finished: started.elapsed() < CLEANUP_GRACE,
    })
}

/// From now on, SIGINT or SIGTERM ends the process at once with 128 + the signal number.
fn exit_on_next_signal() {
    extern "C" fn exit_now(signal: libc::c_int) {
        // SAFETY: `_exit` is async-signal-safe.
        unsafe { libc::_exit(128 + signal) }
    }
    for stop in [Stop::Interrupt, Stop::Terminate] {
        // SAFETY: a zeroed sigaction is a valid starting value; the handler only calls `_exit`.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = exit_now as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(stop.number(), &action, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_shell_convention() {
        assert_eq!(Stop::Interrupt.exit_code(), 130);
        assert_eq!(Stop::Terminate.exit_code(), 143);
        assert_eq!(Stop::Terminate.name(), "SIGTERM");
    }

    #[test]
    fn a_future_that_finishes_is_returned() {
        let runtime = Runtime::new().unwrap();
        assert_eq!(block_on_until_signal(runtime, async { 7 }), Ok(7));
    }
}
