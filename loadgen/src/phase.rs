//! One phase: replies posted at a fixed rate (open loop) for a while, then
//! the wait for their frames, then, for every reply and every socket that
//! should show it, how long from the reply's scheduled send until it did.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::fleet::{self, Fleet, ID_FLAG};
use crate::report::percentile;
use crate::scenario::{Janitor, Layout, Posted, Poster};
use crate::{DELIVERY_STALL, DELIVERY_WAIT, HTTP_TIMEOUT};

#[derive(Default)]
pub struct Phase {
    pub rate: u32,
    pub sent: usize,
    pub ok: usize,
    pub post_error: Option<String>,
    /// Replies that landed on another page than the one watched.
    pub off_page: usize,
    pub expected: u64,
    pub delivered: u64,
    /// Frames showing a reply a socket had already shown (by its token: a
    /// message fragment twice on one socket), counted apart from `delivered`.
    pub duplicates: u64,
    pub p50: u32,
    pub p99: u32,
    pub max: u32,
    /// Per reply, until the last socket had it.
    pub all_p50: u32,
    pub all_p99: u32,
    pub achieved: f64,
    pub max_frame: usize,
    /// POST answer times.
    pub post_p50: u32,
    pub post_p99: u32,
    pub lost_during: usize,
    /// Deletions made by the janitor during the phase.
    pub deleted: usize,
    /// Seconds of CPU the server used, from the first POST to the last frame
    /// (summed over its instances).
    pub server_cpu: f64,
    /// The same for the database server (PostgreSQL's processes), when known.
    pub db_cpu: Option<f64>,
}

struct Sent {
    seq: u32,
    send_at: u32,
    done_at: u32,
    result: Result<Posted, String>,
}

pub struct Run<'a> {
    pub fleet: &'a Fleet,
    pub layout: &'a Layout,
    pub poster: &'a Arc<Poster>,
    pub janitor: Option<&'a Arc<Janitor>>,
    pub base: Instant,
}

impl Run<'_> {
    pub async fn phase(&self, rate: u32, duration: u32, seq0: u32) -> Phase {
        let fleet = self.fleet;
        let alive = fleet.begin_phase();
        let sockets = alive.iter().filter(|a| **a).count();
        let lost_before = fleet.lost();
        let deleted_before = self.janitor.map_or(0, |j| j.deleted());
        let count = rate * duration;
        println!("-- {rate} replies/s for {duration} s ({count} replies) to {sockets} sockets");

        // Open loop: each POST leaves on schedule, whatever earlier ones are
        // doing. Latencies count from the scheduled time, not from when a busy
        // runtime got round to sending (no coordinated omission).
        let interval = Duration::from_secs(1) / rate;
        let start = Instant::now() + Duration::from_millis(100);
        let mut tasks = tokio::task::JoinSet::new();
        let mut sent = Vec::with_capacity(count as usize);
        for i in 0..count {
            let scheduled = start + interval * i;
            tokio::time::sleep_until(scheduled.into()).await;
            let poster = self.poster.clone();
            let seq = seq0 + i;
            let send_at = fleet::micros_at(self.base, scheduled);
            let base = self.base;
            let janitor = self.janitor.cloned();
            tasks.spawn(async move {
                if let Some(j) = &janitor {
                    j.make_room(seq).await;
                }
                let result = poster.post(seq).await;
                if let Some(j) = &janitor {
                    j.record(seq, result.as_ref().ok().map(|p| p.handle), poster.clone());
                }
                Sent {
                    seq,
                    send_at,
                    done_at: fleet::micros_since(base),
                    result,
                }
            });
            while let Some(Ok(s)) = tasks.try_join_next() {
                sent.push(s);
            }
        }
        // Each request has its own timeout; this bound is a second belt.
        let _ = tokio::time::timeout(HTTP_TIMEOUT + Duration::from_secs(5), async {
            while let Some(r) = tasks.join_next().await {
                if let Ok(s) = r {
                    sent.push(s);
                }
            }
        })
        .await;
        tasks.abort_all();
        sent.sort_by_key(|s| s.seq);

        let mut phase = Phase {
            rate,
            sent: count as usize,
            ..Phase::default()
        };
        let ok: Vec<(&Sent, &Posted)> = sent
            .iter()
            .filter_map(|s| s.result.as_ref().ok().map(|p| (s, p)))
            .collect();
        phase.ok = ok.len();
        phase.off_page = ok.iter().filter(|(_, p)| !p.on_watched_page).count();
        phase.post_error = sent.iter().find_map(|s| s.result.as_ref().err().cloned());
        // Answered replies per second, over the nominal phase or, when the
        // answers lag behind it, from the first send to the last answer.
        if let (Some(first), Some(last)) = (
            sent.iter().map(|s| s.send_at).min(),
            ok.iter().map(|(s, _)| s.done_at).max(),
        ) {
            let window = (f64::from(last.saturating_sub(first)) / 1e6).max(f64::from(duration));
            phase.achieved = ok.len() as f64 / window;
        }
        let mut answer: Vec<u32> = ok
            .iter()
            .map(|(s, _)| s.done_at.saturating_sub(s.send_at))
            .collect();
        answer.sort_unstable();
        phase.post_p50 = percentile(&answer, 0.50);
        phase.post_p99 = percentile(&answer, 0.99);

        // Who must see each reply: the sockets of its rooms.
        let mut in_room: HashMap<u32, u64> = HashMap::new();
        for (i, w) in self.layout.watchers.iter().enumerate() {
            if alive[i] {
                *in_room.entry(w.room).or_default() += 1;
            }
        }
        let reach = |seq: u32| -> u64 {
            self.layout
                .rooms(seq)
                .map(|r| in_room.get(&r).copied().unwrap_or(0))
                .sum()
        };
        phase.expected = ok.iter().map(|(s, _)| reach(s.seq)).sum();
        self.wait_for_frames(phase.expected).await;
        phase.lost_during = fleet.lost() - lost_before;
        phase.max_frame = fleet.max_frame();
        phase.deleted = self.janitor.map_or(0, |j| j.deleted()) - deleted_before;
        self.latencies(&mut phase, &alive, &ok, seq0, count);
        phase
    }

    /// Waits for `expected` frames, or until they stop coming.
    async fn wait_for_frames(&self, expected: u64) {
        let fleet = self.fleet;
        let waited = Instant::now();
        let (mut last_frames, mut last_progress) = (fleet.frames(), Instant::now());
        while fleet.frames() < expected && waited.elapsed() < DELIVERY_WAIT {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let f = fleet.frames();
            if f != last_frames {
                (last_frames, last_progress) = (f, Instant::now());
            } else if last_progress.elapsed() > DELIVERY_STALL {
                break;
            }
        }
        // Frames in flight for a socket that is behind still count if they land now.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    fn latencies(
        &self,
        phase: &mut Phase,
        alive: &[bool],
        ok: &[(&Sent, &Posted)],
        seq0: u32,
        count: u32,
    ) {
        // A frame names a reply by its token (sequence number) or, on a
        // causerie forum page, by its message id.
        let by_id: HashMap<i64, usize> = ok
            .iter()
            .enumerate()
            .map(|(r, (_, p))| (p.handle, r))
            .collect();
        let by_seq: HashMap<u32, usize> = ok
            .iter()
            .enumerate()
            .map(|(r, (s, _))| (s.seq, r))
            .collect();
        let mut for_room: HashMap<u32, Vec<usize>> = HashMap::new();
        for (r, (s, _)) in ok.iter().enumerate() {
            for room in self.layout.rooms(s.seq) {
                for_room.entry(room).or_default().push(r);
            }
        }
        let mut latencies: Vec<u32> = Vec::with_capacity(phase.expected as usize);
        let mut last_arrival = vec![0u32; ok.len()];
        let mut reached = vec![0u64; ok.len()];
        let mut at = vec![u32::MAX; ok.len()];
        for (i, w) in self.layout.watchers.iter().enumerate() {
            if !alive[i] {
                continue;
            }
            at.fill(u32::MAX);
            for e in self.fleet.take_events(i) {
                let r = if e.tag & ID_FLAG != 0 {
                    by_id.get(&i64::from(e.tag & !ID_FLAG))
                } else if e.tag.checked_sub(seq0).is_some_and(|k| k < count) {
                    by_seq.get(&e.tag)
                } else {
                    None
                };
                if let Some(&r) = r {
                    if at[r] != u32::MAX && e.tag & ID_FLAG == 0 {
                        phase.duplicates += 1;
                    }
                    at[r] = at[r].min(e.at);
                }
            }
            for &r in for_room.get(&w.room).map_or(&[][..], Vec::as_slice) {
                if at[r] == u32::MAX {
                    continue;
                }
                phase.delivered += 1;
                latencies.push(at[r].saturating_sub(ok[r].0.send_at));
                last_arrival[r] = last_arrival[r].max(at[r]);
                reached[r] += 1;
            }
        }
        latencies.sort_unstable();
        phase.p50 = percentile(&latencies, 0.50);
        phase.p99 = percentile(&latencies, 0.99);
        phase.max = latencies.last().copied().unwrap_or(0);
        let mut in_rooms: HashMap<u32, u64> = HashMap::new();
        for (i, w) in self.layout.watchers.iter().enumerate() {
            if alive[i] {
                *in_rooms.entry(w.room).or_default() += 1;
            }
        }
        let mut all: Vec<u32> = ok
            .iter()
            .enumerate()
            .filter(|(r, (s, _))| {
                let want: u64 = self
                    .layout
                    .rooms(s.seq)
                    .map(|room| in_rooms.get(&room).copied().unwrap_or(0))
                    .sum();
                reached[*r] == want
            })
            .map(|(r, (s, _))| last_arrival[r].saturating_sub(s.send_at))
            .collect();
        all.sort_unstable();
        phase.all_p50 = percentile(&all, 0.50);
        phase.all_p99 = percentile(&all, 0.99);
    }
}
