//! The crafting language: parsing, building packets from named fields,
//! and the commands of the REPL and of `sctp-craft run`.
//!
//! Modules, one job each: [`lexer`] (tokens), [`parser`] (statements and
//! expressions), [`names`] (constructor names from the registry), [`value`]
//! (values and packet descriptions), [`path`] (`p.chunks[0].tsn`),
//! [`defaults`] (what a field left out takes), [`build`] (description to
//! bytes), [`decompile`] (decoded packet to description), [`capture`]
//! (save/load/import framing), [`expect`] (patterns of received packets),
//! [`help`], [`session`] (the commands).
//! The language is documented in `craft/LANGUAGE.md`.

pub mod build;
pub mod capture;
pub mod decompile;
pub mod defaults;
pub mod error;
pub mod expect;
pub mod help;
pub mod lexer;
pub mod names;
pub mod parser;
pub mod path;
pub mod session;
pub mod value;

pub use error::LangError;
pub use session::{Flow, Session};
