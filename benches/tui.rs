//! The TUI at scale, through its public API: a frame of `tui::view::render` into a ratatui
//! `TestBackend`, a key press (`tui::update` + a frame), typing a filter, and the 1 Hz tick,
//! with 1,000 and 10,000 domains. Run with `cargo bench --bench tui`; BENCHMARKS.md records
//! the results.
//!
//! The domains are built from the repository's AD FS and Okta fixtures (parsed once) with
//! distinct names; every seventh one's last refresh failed, so all statuses appear.

#![allow(clippy::cast_precision_loss)]

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use fedcert::config::DomainConfig;
use fedcert::domain::{DomainStatus, RefreshError, RefreshOutcome, Snapshot};
use fedcert::fleet::DomainId;
use fedcert::poller::PollEvent;
use fedcert::source::{FetchError, FetchErrorKind};
use fedcert::tui::{Action, App, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const FIXTURES: [&str; 3] = [
    "adfs_bom_crlf.xml",
    "okta_one_line.xml",
    "wrapped_indented.xml",
];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("a valid date")
}

fn domains(n: usize) -> Vec<DomainStatus> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/metadata");
    let facts: Vec<_> = FIXTURES
        .iter()
        .filter_map(|name| {
            let bytes = std::fs::read(dir.join(name)).expect("fixture");
            let doc = fedcert::metadata::parse_bytes(&bytes).expect("fixture parses");
            fedcert::assess::idp_facts(&doc, None).ok()
        })
        .collect();
    assert!(!facts.is_empty(), "the fixtures give identity providers");
    let now = now();
    (0..n)
        .map(|i| {
            let name = format!("tenant{i:05}.customer{}.example", i % 97);
            let url = format!(
                "https://fs.tenant{i:05}.example/FederationMetadata/2007-06/FederationMetadata.xml"
            );
            let mut status = DomainStatus::new(DomainConfig::new(name, url.clone()), now);
            let at = now - chrono::Duration::seconds(i64::try_from(i % 900).unwrap_or(0));
            let metadata = if i % 7 == 3 {
                Err(RefreshError::new(
                    at,
                    FetchError::new(url, FetchErrorKind::Connect, "connection refused"),
                ))
            } else {
                Ok(Snapshot {
                    fetched_at: at,
                    location: url,
                    facts: facts[i % facts.len()].clone(),
                    http_date: None,
                    clock_skew: None,
                    endpoints: fedcert::assess::EndpointFacts::default(),
                })
            };
            status.apply(RefreshOutcome {
                at,
                metadata,
                entra: None,
            });
            status.reassess(now);
            status
        })
        .collect()
}

/// Best and median of `runs` timings of `f` (the best is the cost without the other jobs on a
/// shared machine; the median includes them).
fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[runs / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn main() {
    let now = now();
    println!("| domains | terminal | what | best (ms) | median (ms) |");
    println!("|---:|---|---|---:|---:|");
    for n in [1_000, 10_000] {
        let mut app = App::new(domains(n));
        for (width, height) in [(80u16, 24u16), (200, 60)] {
            let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
            update(&mut app, Action::Resize { width, height }, now);
            let size = format!("{width}x{height}");
            let mut frame = || {
                terminal
                    .draw(|f| fedcert::tui::view::render(f, &app, now))
                    .expect("draw");
            };
            let (best, median) = measure(200, &mut frame);
            println!(
                "| {n} | {size} | frame (list) | {} | {} |",
                ms(best),
                ms(median)
            );
            let mut down = 0usize;
            let (best, median) = measure(200, || {
                down += 1;
                let key = if down % 50 < 25 {
                    Action::Down
                } else {
                    Action::Up
                };
                update(&mut app, key, now);
                fedcert::tui::event_loop::draw(&mut terminal, &mut app, now).expect("draw");
            });
            println!(
                "| {n} | {size} | key press (j/k) + frame | {} | {} |",
                ms(best),
                ms(median)
            );
            update(&mut app, Action::OpenDetails, now);
            let (best, median) = measure(100, || {
                terminal
                    .draw(|f| fedcert::tui::view::render(f, &app, now))
                    .expect("draw");
            });
            println!(
                "| {n} | {size} | frame (details) | {} | {} |",
                ms(best),
                ms(median)
            );
            update(&mut app, Action::Back, now);
            // The checklist: a step key builds the runbook once, at the end of the update.
            update(&mut app, Action::OpenChecklist, now);
            let mut moved = 0usize;
            let (best, median) = measure(100, || {
                moved += 1;
                let key = if moved % 10 < 5 {
                    Action::Down
                } else {
                    Action::Up
                };
                update(&mut app, key, now);
                fedcert::tui::event_loop::draw(&mut terminal, &mut app, now).expect("draw");
            });
            println!(
                "| {n} | {size} | checklist key (j/k) + frame | {} | {} |",
                ms(best),
                ms(median)
            );
            update(&mut app, Action::Back, now);
        }
        // Typing a filter: each character refilters every domain.
        update(&mut app, Action::StartFilter, now);
        let text: Vec<char> = "customer4".chars().collect();
        let mut typed = 0usize;
        let (best, median) = measure(100, || {
            if typed == text.len() {
                for _ in 0..typed {
                    update(&mut app, Action::FilterBackspace, now);
                }
                typed = 0;
            }
            update(&mut app, Action::FilterChar(text[typed]), now);
            typed += 1;
        });
        println!(
            "| {n} | 200x60 | filter keystroke (update) | {} | {} |",
            ms(best),
            ms(median)
        );
        update(&mut app, Action::ClearFilter, now);
        refresh_results(&mut app, n, now);
        ticks(&mut app, n, now);
    }
}

/// The 1 Hz tick: a minute of them, then the worst one.
fn ticks(app: &mut App, n: usize, now: DateTime<Utc>) {
    // A minute of ticks, a second apart: each re-assesses the domains whose verdict may
    // have changed since.
    let mut second = 0;
    let (best, median) = measure(60, || {
        second += 1;
        update(app, Action::Tick, now + chrono::Duration::seconds(second));
    });
    println!(
        "| {n} | 200x60 | 1 Hz tick (re-assessments due) | {} | {} |",
        ms(best),
        ms(median)
    );
    // The worst tick: every verdict due at once (a milestone the whole fleet shares).
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            for index in 0..n {
                app.domain_mut(DomainId::from_index(index));
            }
            second += 1;
            let started = Instant::now();
            update(app, Action::Tick, now + chrono::Duration::seconds(second));
            started.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "| {n} | 200x60 | tick re-assessing every domain | {} | {} |",
        ms(times[0]),
        ms(times[2])
    );
}

/// A refresh result arriving from the poller (thousands of them while a big fleet is first
/// read): the update, then the frame the event loop draws after it.
fn refresh_results(app: &mut App, n: usize, now: DateTime<Utc>) {
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let mut next = 0usize;
    let (best, median) = measure(200, || {
        let index = next % n;
        next += 7;
        let outcome = RefreshOutcome {
            at: now,
            metadata: app.domains()[DomainId::from_index(index)]
                .last_good
                .as_deref()
                .cloned()
                .ok_or_else(|| {
                    RefreshError::new(now, FetchError::new("", FetchErrorKind::Connect, "refused"))
                }),
            entra: None,
        };
        let event = PollEvent::Finished {
            domain: DomainId::from_index(index),
            outcome: Box::new(outcome),
        };
        update(app, Action::Poll(event), now);
        terminal
            .draw(|f| fedcert::tui::view::render(f, app, now))
            .expect("draw");
    });
    println!(
        "| {n} | 200x60 | refresh result (update + frame) | {} | {} |",
        ms(best),
        ms(median)
    );
}
