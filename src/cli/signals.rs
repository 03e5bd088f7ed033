//! SIGINT/SIGTERM: the first cancels the command (dropping its future stops the sandboxes and
//! removes the work directories); a second one exits at once.

use std::future::Future;
use std::time::Duration;

use tokio::signal::unix::{signal, Signal, SignalKind};

/// How long the runtime may take to drop the cancelled tasks (killing sandboxes, removing work
/// directories) before the process exits anyway.
pub const CLEANUP_GRACE: Duration = Duration::from_secs(5);

/// A signal that stopped the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
}

impl Stop {
    pub fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
        }
    }

    /// The shell's convention: 128 + the signal number.
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

/// Listens for SIGINT and SIGTERM from now on (call inside the runtime, before the command
/// starts). `None`, with a warning, when the handlers cannot be installed.
pub fn listen() -> Option<impl Future<Output = Stop>> {
    let streams = (|| -> std::io::Result<(Signal, Signal)> {
        Ok((
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        ))
    })();
    match streams {
        Ok((mut interrupt, mut terminate)) => Some(async move {
            tokio::select! {
                _ = interrupt.recv() => Stop::Interrupt,
                _ = terminate.recv() => Stop::Terminate,
            }
        }),
        Err(e) => {
            eprintln!("warning: cannot listen for SIGINT/SIGTERM ({e}); an interrupted run may leave work directories behind");
            None
        }
    }
}

/// From now on, SIGINT or SIGTERM ends the process at once with 128 + the signal number
/// (while the first one's clean-up runs).
pub fn exit_on_next_signal() {
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
