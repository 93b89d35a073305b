//! Report aggregation as a pure function: hand-computed numbers from cells, no
//! database (`domain::report`).

mod aggregate;
