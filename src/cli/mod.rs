//! The binary's own modules: commands, rendering, signals.

pub mod signals;
