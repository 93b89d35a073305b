//! The events of a station's stream (`GET /api/v1/events`): their names and payloads,
//! one type the server writes and the agent reads.
//!
//! A server-sent event is a name (`event:`) and a text payload (`data:`, JSON here).
//! [`EventName`] is the closed list of names a station may receive; [`StationEvent`]
//! pairs each with its payload's shape. Names a newer server adds are skipped by an
//! older agent ([`StationEvent::parse`] answers `None`), so the list may grow.

use serde::{Deserialize, Serialize};

use super::EmergencyEventJson;

/// The name of an event a station's stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventName {
    /// First on every connection: the playlist the server holds for the station.
    Hello,
    /// The station's playlist was recompiled: fetch it (its ETag changed).
    PlaylistChanged,
    /// An emergency bulletin: fetch its audio and play it at once.
    Emergency,
}

impl EventName {
    /// Every name, in the order above.
    pub const ALL: [Self; 3] = [Self::Hello, Self::PlaylistChanged, Self::Emergency];

    /// The name on the wire (`event:`), also the `kind` the server stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hello => "hello",
            Self::PlaylistChanged => "playlist_changed",
            Self::Emergency => "emergency",
        }
    }

    /// The name written `text`, if it is one a station may receive.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.as_str() == text)
    }
}

/// The data of a `hello` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct HelloJson {
    /// The station the stream belongs to.
    pub station: String,
    /// The ETag of the station's current playlist (unquoted), if it has one; an agent
    /// holding another refetches.
    pub etag: Option<String>,
    /// The server's clock when it said hello, ms since the epoch.
    pub server_time_ms: i64,
}

/// The data of a `playlist_changed` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlaylistChangedJson {
    /// The ETag (unquoted) of the playlist just stored.
    pub etag: String,
}

/// One event of a station's stream, with its payload.
#[derive(Debug, Clone, PartialEq)]
pub enum StationEvent {
    /// `hello`.
    Hello(HelloJson),
    /// `playlist_changed`.
    PlaylistChanged(PlaylistChangedJson),
    /// `emergency`.
    Emergency(EmergencyEventJson),
}

impl StationEvent {
    /// Its name.
    pub fn name(&self) -> EventName {
        match self {
            Self::Hello(_) => EventName::Hello,
            Self::PlaylistChanged(_) => EventName::PlaylistChanged,
            Self::Emergency(_) => EventName::Emergency,
        }
    }

    /// Its payload as JSON (the `data:` of the event).
    pub fn data(&self) -> String {
        let json = match self {
            Self::Hello(h) => serde_json::to_string(h),
            Self::PlaylistChanged(p) => serde_json::to_string(p),
            Self::Emergency(e) => serde_json::to_string(e),
        };
        // Plain structs of strings and numbers always serialise.
        json.unwrap_or_default()
    }

    /// The event named `name` with payload `data`; `None` for a name this build does
    /// not know (a newer server's), an error for a known name with a payload that
    /// does not fit it.
    pub fn parse(name: &str, data: &str) -> Result<Option<Self>, serde_json::Error> {
        let Some(name) = EventName::parse(name) else {
            return Ok(None);
        };
        Ok(Some(match name {
            EventName::Hello => Self::Hello(serde_json::from_str(data)?),
            EventName::PlaylistChanged => Self::PlaylistChanged(serde_json::from_str(data)?),
            EventName::Emergency => Self::Emergency(serde_json::from_str(data)?),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back_as_written() {
        let events = [
            StationEvent::Hello(HelloJson {
                station: "05443".to_owned(),
                etag: None,
                server_time_ms: 1,
            }),
            StationEvent::PlaylistChanged(PlaylistChangedJson {
                etag: "abc".to_owned(),
            }),
            StationEvent::Emergency(EmergencyEventJson {
                emergency: "e1".to_owned(),
                segment: "s".to_owned(),
                title: "Bão".to_owned(),
                sha256: "00".repeat(32),
                size_bytes: 10,
                duration_ms: 1000,
                gain_db: -1.5,
                media: "/api/v1/media/x".to_owned(),
                sent_at: "2026-01-01T00:00:00.000Z".to_owned(),
            }),
        ];
        for e in events {
            let back = StationEvent::parse(e.name().as_str(), &e.data()).expect("parses");
            assert_eq!(back, Some(e));
        }
        assert_eq!(StationEvent::parse("tokens_revoked", "{}").ok(), Some(None));
        assert!(StationEvent::parse("hello", "{\"etag\": 5}").is_err());
    }
}
