//! [`InvalidRequest`]: a request refused before anything was sent.

use std::fmt;

/// A request the client refused to send, naming the field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidRequest {
    /// The wire name of the parameter or filter at fault (`limit`, `dsoFrom`, …).
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid request, nothing was sent: `{}` {}",
            self.field,
            crate::text::TerminalSafe::line(&self.reason)
        )
    }
}
