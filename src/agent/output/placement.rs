//! Where each item's samples go in the sound card's buffer: the pure core of the
//! device output, with no device in it.
//!
//! The card asks for a buffer it will play some time from now; the callback knows how
//! far ahead (cpal's `playback − callback`). Each item comes with the instant its first
//! sample must be heard, and a stop with the instant its last one must be; both are
//! turned into a frame inside the buffer, so an item starts on its planned instant to
//! the sample, whatever the buffer size, and the next one takes over mid-buffer with no
//! gap. It never waits: a feed that has nothing yet gives silence, a feed that ended
//! ends its item.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};

use crate::audio::OUTPUT_RATE;

/// The longest lead a device may claim over its callback; more is taken as a broken
/// timestamp.
const MAX_AHEAD: Duration = Duration::from_secs(2);

/// A change to what plays, sent to the callback.
pub(crate) enum Event {
    /// Play `feed` (48 kHz stereo chunks) from `at`; until the next item starts, a stop,
    /// or the feed's end.
    Start {
        /// Names the item in a later [`Event::Stop`].
        id: u64,
        /// When its first sample is to be heard.
        at: Instant,
        /// Its samples.
        feed: Receiver<Vec<f32>>,
    },
    /// Stop item `id` so that its last sample is heard just before `at`.
    Stop {
        /// The item.
        id: u64,
        /// When it is to fall silent.
        at: Instant,
    },
}

/// When the first frame of the buffer being filled will be heard: `now` (read in the
/// callback) plus how far the device says it plays ahead, or plus `fallback` (the
/// station's `--output-latency-ms`) when it gives no usable figure (`playback` not
/// after `callback`, or absurdly far).
pub(crate) fn heard_at(now: Instant, ahead: Option<Duration>, fallback: Duration) -> Instant {
    match ahead {
        Some(d) if !d.is_zero() && d <= MAX_AHEAD => now + d,
        _ => now + fallback,
    }
}

/// The frame of a buffer first heard at `heard` that is heard at `at`, at 48 kHz; 0
/// for an instant already past.
pub(crate) fn frame_of(heard: Instant, at: Instant) -> usize {
    let nanos = at.saturating_duration_since(heard).as_nanos();
    let frames = (nanos * u128::from(OUTPUT_RATE) + 500_000_000) / 1_000_000_000;
    usize::try_from(frames).unwrap_or(usize::MAX)
}

struct Entry {
    id: u64,
    at: Instant,
    stop_at: Option<Instant>,
    feed: Receiver<Vec<f32>>,
    chunk: Vec<f32>,
    pos: usize,
    started: bool,
}

impl Entry {
    /// Copies the feed into `out` (interleaved stereo); silence where it has nothing
    /// yet. Returns the frames written before the feed ended, or `None` if it did not.
    fn fill(&mut self, out: &mut [f32]) -> Option<usize> {
        let mut done = 0;
        while done < out.len() {
            if self.pos >= self.chunk.len() {
                match self.feed.try_recv() {
                    Ok(chunk) => {
                        self.chunk = chunk;
                        self.pos = 0;
                        continue;
                    }
                    // The decoder is behind (a slow network for a relay): silence now
                    // rather than a callback that waits.
                    Err(TryRecvError::Empty) => return None,
                    Err(TryRecvError::Disconnected) => return Some(done / 2),
                }
            }
            let n = (self.chunk.len() - self.pos).min(out.len() - done);
            out[done..done + n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
            self.pos += n;
            done += n;
        }
        None
    }
}

/// What is playing and what is placed to start, in order.
#[derive(Default)]
pub(crate) struct Placement {
    queue: VecDeque<Entry>,
    /// The latest any item started after its instant since last asked (a start that
    /// came too late for its buffer).
    late: Duration,
    /// The last item started since last asked, and how long after its instant its
    /// first sample is heard.
    started: Option<(u64, Duration)>,
}

impl Placement {
    /// Takes in a start or a stop.
    pub(crate) fn apply(&mut self, event: Event) {
        match event {
            Event::Start { id, at, feed } => self.queue.push_back(Entry {
                id,
                at,
                stop_at: None,
                feed,
                chunk: Vec::new(),
                pos: 0,
                started: false,
            }),
            Event::Stop { id, at } => {
                if let Some(e) = self.queue.iter_mut().find(|e| e.id == id) {
                    e.stop_at = Some(at);
                }
            }
        }
    }

    /// Whether nothing plays or waits to.
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The latest start after its instant since the last call, and resets it.
    pub(crate) fn take_late(&mut self) -> Duration {
        std::mem::take(&mut self.late)
    }

    /// The last item started since the last call (its id), and how long after its
    /// instant it is heard: zero when placed on it.
    pub(crate) fn take_started(&mut self) -> Option<(u64, Duration)> {
        self.started.take()
    }

    /// Fills `out` (interleaved stereo, 48 kHz), a buffer whose first frame is heard at
    /// `heard`.
    pub(crate) fn render(&mut self, out: &mut [f32], heard: Instant) {
        out.fill(0.0);
        let frames = out.len() / 2;
        let mut pos = 0;
        while let Some(front) = self.queue.front_mut() {
            if !front.started {
                let first = frame_of(heard, front.at).max(pos);
                if first >= frames {
                    break;
                }
                let heard_first = heard + frames_to_duration(first);
                let late = heard_first.saturating_duration_since(front.at);
                self.late = self.late.max(late);
                self.started = Some((front.id, late));
                front.started = true;
                pos = first;
            }
            let stop = front
                .stop_at
                .map_or(frames, |t| frame_of(heard, t).clamp(pos, frames));
            let next = self
                .queue
                .get(1)
                .map_or(frames, |e| frame_of(heard, e.at).clamp(pos, frames));
            let until = stop.min(next);
            let Some(front) = self.queue.front_mut() else {
                break;
            };
            match front.fill(&mut out[2 * pos..2 * until]) {
                Some(written) => {
                    // The feed ended: the next item (if it is due here) takes over.
                    pos += written;
                    self.queue.pop_front();
                }
                None if until < frames => {
                    pos = until;
                    self.queue.pop_front();
                }
                None => break,
            }
        }
    }
}

fn frames_to_duration(frames: usize) -> Duration {
    Duration::from_nanos(frames as u64 * 1_000_000_000 / u64::from(OUTPUT_RATE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, sync_channel};

    /// A feed of `frames` stereo frames of value `v`, already complete.
    fn feed(v: f32, frames: usize) -> Receiver<Vec<f32>> {
        let (tx, rx) = channel();
        let mut left = frames;
        while left > 0 {
            let n = left.min(480);
            tx.send(vec![v; 2 * n]).expect("room in the test feed");
            left -= n;
        }
        rx
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Frames of value `v` in `out` (left channel), as (first, count).
    fn span(out: &[f32], v: f32) -> (usize, usize) {
        let frames: Vec<usize> = (0..out.len() / 2).filter(|&i| out[2 * i] == v).collect();
        (frames.first().copied().unwrap_or(usize::MAX), frames.len())
    }

    #[test]
    fn the_first_frame_is_heard_as_far_ahead_as_the_device_says() {
        let now = Instant::now();
        assert_eq!(heard_at(now, Some(ms(85)), ms(40)), now + ms(85));
        // Playback equal to callback, a device with no timestamp, or an absurd one:
        // the station's configured latency.
        assert_eq!(heard_at(now, Some(Duration::ZERO), ms(40)), now + ms(40));
        assert_eq!(heard_at(now, None, ms(40)), now + ms(40));
        assert_eq!(heard_at(now, Some(ms(5_000)), ms(0)), now);
    }

    #[test]
    fn a_planned_instant_falls_on_its_frame_inside_the_buffer() {
        let heard = Instant::now() + ms(85);
        assert_eq!(frame_of(heard, heard), 0);
        assert_eq!(frame_of(heard, heard + ms(10)), 480);
        assert_eq!(frame_of(heard, heard + Duration::from_micros(20_833)), 1000);
        // Already past: at once.
        assert_eq!(frame_of(heard, heard - ms(3)), 0);
    }

    #[test]
    fn an_item_starts_on_its_frame_with_silence_before_it() {
        let heard = Instant::now() + ms(100);
        let mut p = Placement::default();
        p.apply(Event::Start {
            id: 1,
            at: heard + ms(30),
            feed: feed(0.5, 48_000),
        });
        let mut out = vec![9.0; 2 * 4800];
        p.render(&mut out, heard);
        assert_eq!(span(&out, 0.0), (0, 1440));
        assert_eq!(span(&out, 0.5), (1440, 4800 - 1440));
        assert_eq!(p.take_late(), Duration::ZERO);
    }

    #[test]
    fn an_item_placed_after_the_buffer_waits_for_a_later_one() {
        let heard = Instant::now();
        let mut p = Placement::default();
        p.apply(Event::Start {
            id: 1,
            at: heard + ms(150),
            feed: feed(0.5, 48_000),
        });
        let mut out = vec![0.0; 2 * 4800];
        p.render(&mut out, heard);
        assert_eq!(span(&out, 0.5).1, 0);
        p.render(&mut out, heard + ms(100));
        assert_eq!(span(&out, 0.5), (2400, 2400));
    }

    #[test]
    fn back_to_back_items_hand_over_mid_buffer_without_a_gap() {
        let heard = Instant::now();
        let mut p = Placement::default();
        // The first item's audio runs a little past its planned end; the second one's
        // start cuts it there, on its own frame.
        p.apply(Event::Start {
            id: 1,
            at: heard - ms(500),
            feed: feed(0.25, 48_000),
        });
        p.apply(Event::Stop {
            id: 1,
            at: heard + ms(40),
        });
        p.apply(Event::Start {
            id: 2,
            at: heard + ms(40),
            feed: feed(0.75, 480),
        });
        let mut out = vec![0.0; 2 * 4800];
        p.render(&mut out, heard);
        assert_eq!(span(&out, 0.25), (0, 1920));
        assert_eq!(span(&out, 0.75), (1920, 480));
        assert_eq!(
            span(&out, 0.0),
            (2400, 2400),
            "silence after the second ends"
        );
        assert!(p.is_empty());
    }

    #[test]
    fn a_feed_that_ends_early_leaves_silence_until_the_next_item() {
        let heard = Instant::now();
        let mut p = Placement::default();
        p.apply(Event::Start {
            id: 1,
            at: heard,
            feed: feed(0.25, 1000),
        });
        p.apply(Event::Start {
            id: 2,
            at: heard + ms(50),
            feed: feed(0.75, 48_000),
        });
        let mut out = vec![0.0; 2 * 4800];
        p.render(&mut out, heard);
        assert_eq!(span(&out, 0.25), (0, 1000));
        assert_eq!(span(&out, 0.0), (1000, 1400));
        assert_eq!(span(&out, 0.75), (2400, 2400));
    }

    #[test]
    fn a_start_too_late_for_its_buffer_plays_at_once_and_is_reported() {
        let heard = Instant::now() + ms(100);
        let mut p = Placement::default();
        p.apply(Event::Start {
            id: 1,
            at: heard - ms(20),
            feed: feed(0.5, 48_000),
        });
        let mut out = vec![0.0; 2 * 480];
        p.render(&mut out, heard);
        assert_eq!(span(&out, 0.5), (0, 480));
        assert_eq!(p.take_late(), ms(20));
        assert_eq!(p.take_late(), Duration::ZERO);
        assert_eq!(p.take_started(), Some((1, ms(20))), "that item, that late");
        assert_eq!(p.take_started(), None);
    }

    #[test]
    fn an_item_placed_on_its_instant_is_reported_started_on_time() {
        let heard = Instant::now();
        let mut p = Placement::default();
        p.apply(Event::Start {
            id: 4,
            at: heard + ms(30),
            feed: feed(0.5, 48_000),
        });
        let mut out = vec![0.0; 2 * 4800];
        p.render(&mut out, heard);
        assert_eq!(p.take_started(), Some((4, Duration::ZERO)));
    }

    #[test]
    fn a_stop_before_the_start_plays_nothing() {
        let heard = Instant::now();
        let mut p = Placement::default();
        p.apply(Event::Start {
            id: 7,
            at: heard + ms(50),
            feed: feed(0.5, 48_000),
        });
        p.apply(Event::Stop {
            id: 7,
            at: heard + ms(20),
        });
        let mut out = vec![0.0; 2 * 4800];
        p.render(&mut out, heard);
        assert_eq!(span(&out, 0.5).1, 0);
        assert!(p.is_empty());
    }

    #[test]
    fn a_feed_behind_gives_silence_and_the_item_goes_on() {
        let heard = Instant::now();
        let (tx, rx) = sync_channel(4);
        let mut p = Placement::default();
        p.apply(Event::Start {
            id: 1,
            at: heard,
            feed: rx,
        });
        tx.send(vec![0.5; 2 * 100]).expect("room");
        let mut out = vec![0.0; 2 * 480];
        p.render(&mut out, heard);
        assert_eq!(span(&out, 0.5), (0, 100));
        assert!(!p.is_empty());
        tx.send(vec![0.5; 2 * 480]).expect("room");
        p.render(&mut out, heard + ms(10));
        assert_eq!(span(&out, 0.5), (0, 480));
    }
}
