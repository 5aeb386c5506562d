//! Security requirements per listener and per outgoing association, after
//! ipsec(4)'s levels (shared/spec/policy-hooks.md): default, use, require,
//! unique, resolved against the endpoint-wide default.

/// How strongly an association must be secured by S-SCTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Requirement {
    /// The endpoint-wide default ([`super::SecureConfig::system_default`]).
    #[default]
    Default,
    /// Secure the association if the peer can; go on in the clear if not.
    Use,
    /// Only a secure association: refuse a peer that cannot or will not.
    Require,
    /// As `Require`; keys belong to this association alone (ours always do:
    /// every association runs its own handshake and rekeys on its own).
    Unique,
}

impl Requirement {
    /// The requirement in force: `Default` becomes `system` (and `Use` if
    /// `system` is `Default` too).
    pub fn resolve(self, system: Requirement) -> Requirement {
        match (self, system) {
            (Requirement::Default, Requirement::Default) => Requirement::Use,
            (Requirement::Default, s) => s,
            (r, _) => r,
        }
    }

    /// Whether a peer without S-SCTP is refused.
    pub fn mandatory(self) -> bool {
        matches!(self, Requirement::Require | Requirement::Unique)
    }

    /// Parses `default`, `use`, `require` or `unique`.
    pub fn parse(s: &str) -> Option<Requirement> {
        Some(match s {
            "default" => Requirement::Default,
            "use" => Requirement::Use,
            "require" => Requirement::Require,
            "unique" => Requirement::Unique,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Requirement::*;

    #[test]
    fn default_follows_the_system_default() {
        assert_eq!(Default.resolve(Require), Require);
        assert_eq!(Default.resolve(Default), Use);
        assert_eq!(Use.resolve(Require), Use);
        assert!(Unique.mandatory() && Require.mandatory() && !Use.mandatory());
    }
}
