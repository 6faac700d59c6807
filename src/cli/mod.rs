//! Command line: clap definitions, output formats and exit codes.
