//! Counts this replica's open event streams, per station and in total, so one station
//! token (or everyone together) cannot hold more than the configured number open.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Open streams by station.
#[derive(Debug, Default)]
pub struct StreamSlots {
    open: Mutex<HashMap<String, u32>>,
}

/// One open stream; dropping it (the stream ends or the client goes) frees its slot.
#[derive(Debug)]
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    station: String,
}

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// The station already holds its most streams.
    Station(u32),
    /// The replica holds its most streams.
    Total(u32),
}

impl StreamSlots {
    /// Takes a slot for `station` unless it holds `per_station` or all hold `total`.
    pub fn take(
        self: &Arc<Self>,
        station: &str,
        per_station: u32,
        total: u32,
    ) -> Result<StreamSlot, Full> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let all: u32 = open.values().sum();
        if all >= total {
            return Err(Full::Total(total));
        }
        let mine = open.entry(station.to_owned()).or_default();
        if *mine >= per_station {
            return Err(Full::Station(per_station));
        }
        *mine += 1;
        Ok(StreamSlot {
            slots: Arc::clone(self),
            station: station.to_owned(),
        })
    }

    /// Streams open for `station`.
    pub fn open_for(&self, station: &str) -> u32 {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(station).copied().unwrap_or(0)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.station) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.station);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_station_and_in_total_and_freed_on_drop() {
        let slots = Arc::new(StreamSlots::default());
        let a1 = slots.take("a", 2, 3).expect("first");
        let _a2 = slots.take("a", 2, 3).expect("second");
        assert_eq!(slots.take("a", 2, 3).expect_err("third"), Full::Station(2));
        let _b1 = slots.take("b", 2, 3).expect("b");
        assert_eq!(slots.take("c", 2, 3).expect_err("total"), Full::Total(3));
        drop(a1);
        assert_eq!(slots.open_for("a"), 1);
        slots.take("c", 2, 3).expect("freed");
    }
}
