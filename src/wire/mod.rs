//! Wire types: the JSON shapes loa prints or sends, converted by hand from domain
//! values. The domain never derives `Serialize`; field names here are a contract
//! with other programs and change only with care.

mod campaign;
pub mod day;
mod emergency;
mod events;
mod plan;
mod playlist;
mod station;

pub use campaign::{CampaignSpec, RotationSpec};
pub use emergency::EmergencyEventJson;
pub use events::{EventName, HelloJson, PlaylistChangedJson, StationEvent as StationEventJson};
pub use plan::{DiagnosticJson, ItemJson, PlanJson};
pub use playlist::{PlaylistItemJson, PlaylistJson, gain_db};
pub use station::{
    AiringAck, AiringJson, AiringsBatch, AiringsResponse, EnrollRequest, EnrollResponse,
    HeartbeatJson, HeartbeatResponse,
};
