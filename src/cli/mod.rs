//! Command line: clap definitions, output formats and exit codes.

pub mod checklist_format;
