//! The playlist compiler's guarantees, checked through `loa::domain::compile` on
//! inputs built in code: examples for each guarantee, then properties over random
//! inputs.

mod diagnostics;
mod guarantees;
mod invariants;
mod properties;
mod selection;
mod sequence;
