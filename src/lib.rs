//! Integration tests (`tests/`) and benchmarks (`benches/`) of the workspace; no code of its own.
