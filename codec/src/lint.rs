//! Lints (filled in below).
