//! Wire types: the JSON shapes loa prints or sends, converted by hand from domain
//! values. The domain never derives `Serialize`; field names here are a contract
//! with other programs and change only with care.

mod plan;

pub use plan::{DiagnosticJson, ItemJson, PlanJson};
