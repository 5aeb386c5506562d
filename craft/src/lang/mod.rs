//! The crafting language: parsing, building packets from named fields,
//! and the commands of the REPL and of `sctp-craft run`.
