//! `--output wav:PATH` writes exactly what would have played: 48 kHz stereo float,
//! each aired item's full length, with the item's loudness gain applied.

use super::{AgentOptions, DAY_MS, STATION, drain, server_airings, spawn_agent};
use crate::both_backends;
use crate::server::TestApp;
use loa::agent::output::OutputKind;

both_backends!(the_wav_output_holds_every_aired_sample_with_its_gain);

fn rms(samples: &[f32]) -> f64 {
    let sum: f64 = samples.iter().map(|s| f64::from(*s) * f64::from(*s)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

async fn the_wav_output_holds_every_aired_sample_with_its_gain(app: TestApp) {
    let token = app.enroll(STATION).await;
    let wav = tempfile::NamedTempFile::new().expect("wav file");
    let agent = spawn_agent(
        &token,
        AgentOptions {
            server: app.base.clone(),
            output: OutputKind::Wav(wav.path().to_owned()),
        },
    )
    .await;
    agent.clock.run_until(agent.t0 + DAY_MS).await;
    drain(&agent).await;
    let held = agent.agent.held();
    agent.agent.shutdown().await;

    let bytes = std::fs::read(wav.path()).expect("wav written");
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..16], b"WAVEfmt ");
    assert_eq!(u16::from_le_bytes([bytes[20], bytes[21]]), 3, "IEEE float");
    assert_eq!(u16::from_le_bytes([bytes[22], bytes[23]]), 2, "stereo");
    assert_eq!(
        u32::from_le_bytes([bytes[24], bytes[25], bytes[26], bytes[27]]),
        48_000
    );
    let data_len = u32::from_le_bytes([bytes[40], bytes[41], bytes[42], bytes[43]]) as usize;
    assert_eq!(
        data_len,
        bytes.len() - 44,
        "the header's length is the file's"
    );
    let samples: Vec<f32> = bytes[44..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();

    let aired: Vec<_> = server_airings(&app, STATION)
        .await
        .into_iter()
        .filter(|a| a.outcome == "aired")
        .collect();
    assert!(aired.len() >= 4, "{aired:?}");
    let items: Vec<_> = aired
        .iter()
        .map(|a| {
            held.items
                .iter()
                .find(|i| i.id == a.item_id)
                .expect("aired item held")
        })
        .collect();
    let expected: usize = items.iter().map(|i| i.duration_ms as usize * 48).sum();
    let frames = samples.len() / 2;
    assert!(
        frames.abs_diff(expected) <= 48 * items.len(),
        "{frames} frames written for {expected} expected"
    );
    assert!(samples.iter().all(|s| s.abs() <= 1.0));

    // The first item, decoded from the cache at unity gain, against what was written.
    let first = items[0];
    let path = agent
        .data_dir
        .join("media")
        .join(&first.sha256[0..2])
        .join(&first.sha256[2..4])
        .join(&first.sha256);
    let source = loa::audio::SampleStream::open(&path, 0.0).expect("cached file decodes");
    let (ch, rate) = (source.channels(), source.sample_rate());
    let reference: Vec<f32> = loa::audio::ToStereo48k::new(source, ch, rate).collect();
    let written = &samples[..reference.len().min(samples.len())];
    let ratio = rms(written) / rms(&reference);
    let want = 10f64.powf(first.gain_db / 20.0);
    assert!(
        (ratio / want - 1.0).abs() < 0.02,
        "gain {} dB: written/ref RMS {ratio:.3}, want {want:.3}",
        first.gain_db
    );
}
