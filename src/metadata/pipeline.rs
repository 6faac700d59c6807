//! Certificate analysis off the reading thread. Entities are handed over in batches, with the
//! buffer holding their certificates' text, to worker threads (one per core besides the
//! reader's), decoded, analysed and passed through the caller's `prepare` there, and come back,
//! in document order, to the thread that reads the XML and calls `on_item`.
//!
//! ```text
//! reader thread: XML → PendingEntity ─ batch ─▶ worker k: decode, analyse, prepare ─▶ result ─┐
//!                on_item ◀────────────────────────────── front of the in-order queue ◀────────┘
//! ```
//!
//! Batches start at one entity and grow with the number of entities already delivered (up to
//! [`BATCH`]), so the first entity reaches `on_item` after a handful have been read, not after
//! a whole batch. The batches in flight are bounded, so memory does not grow with the
//! document. The first [`INLINE_FIRST`] entities are analysed on the reading thread, so a
//! single entity or a small aggregate never starts a thread. When every worker is busy with
//! its share, the reading thread analyses the next batch itself rather than wait: the work
//! balances itself whichever side is the slower.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::thread::Scope;

use super::Entity;
use super::entity::{CertCache, CertTexts, ParsedCert, PendingEntity, RawCert};

/// What the caller does to each entity on the analysing thread (`Fn(Entity) -> T`).
pub(super) trait Prepare<T>: Fn(Entity) -> T + Sync {}
impl<T, F: Fn(Entity) -> T + Sync> Prepare<T> for F {}

/// Entities per batch: big enough that the hand-over costs nothing next to the analysis of
/// their certificates, small enough to start the workers early.
const BATCH: usize = 64;
/// A batch is handed over early once its certificates' text is this long (entities with
/// many certificates), so that the batches in flight stay small.
const BATCH_TEXT: usize = 2 << 20;
/// Batches queued or being analysed per worker; past that the reader analyses batches itself.
/// While it does, the worker must not run dry: its queue has to outlast the reader's batch and
/// the reading of the next one (with two, the worker idled for ~6 % of the time on an
/// aggregate whose reading costs about as much as its analysis; four kept more batches live
/// than the caches hold, for nothing more).
const IN_FLIGHT_PER_WORKER: usize = 3;
/// Batches the reader analysed itself that may wait behind the workers' for their turn to be
/// delivered, before the reader waits for the oldest.
const READY_WAITING: usize = 4;
/// Past this many workers the reading thread, not the analysis, is the bottleneck.
const MAX_WORKERS: usize = 4;
/// The first entities are analysed on the reading thread: a small aggregate never pays for
/// starting threads (which costs more than analysing a few certificates).
const INLINE_FIRST: usize = 16;

struct Job<T> {
    batch: Vec<PendingEntity>,
    texts: Vec<u8>,
    done: mpsc::SyncSender<Vec<T>>,
}

/// A batch handed over: analysed by a worker (its result to come), or here (ready).
enum InFlight<T> {
    Worker(mpsc::Receiver<Vec<T>>),
    Ready(Vec<T>),
}

pub(super) struct Pipeline<'scope, 'env, T, P> {
    scope: &'scope Scope<'scope, 'env>,
    prepare: &'env P,
    /// One job queue per worker, fed in turn; empty until the first batch fills.
    workers: Vec<mpsc::Sender<Job<T>>>,
    next_worker: usize,
    /// Results of the batches handed over, oldest first.
    in_flight: VecDeque<InFlight<T>>,
    /// How many of `in_flight` are with a worker.
    with_workers: usize,
    batch: Vec<PendingEntity>,
    /// The text of the certificates of `batch` and of the entity being read.
    texts: CertTexts,
    /// Entities handed to `on_item` so far.
    delivered: usize,
    /// For the entities analysed on the reader's thread.
    cache: CertCache,
}

impl<'scope, 'env, T: Send + 'static, P: Prepare<T>> Pipeline<'scope, 'env, T, P> {
    pub fn new(scope: &'scope Scope<'scope, 'env>, prepare: &'env P) -> Self {
        Self {
            scope,
            prepare,
            workers: Vec::new(),
            next_worker: 0,
            in_flight: VecDeque::new(),
            with_workers: 0,
            batch: Vec::new(),
            texts: CertTexts::default(),
            delivered: 0,
            cache: CertCache::default(),
        }
    }

    /// Where the reader puts certificate text.
    pub fn texts(&mut self) -> &mut CertTexts {
        &mut self.texts
    }

    /// Decode and analyse a certificate outside entities (the document's signer) right away.
    pub fn analyse_now(&mut self, raw: RawCert) -> ParsedCert {
        let parsed = raw.analyse(self.texts.bytes_mut(), &mut self.cache);
        // Its text, the last in the buffer, is not needed again.
        self.texts.discard();
        parsed
    }

    /// Analyse one entity right away, on this thread (a document's only entity).
    pub fn resolve_now(&mut self, entity: PendingEntity) -> Entity {
        entity.resolve(self.texts.bytes_mut(), &mut self.cache)
    }

    /// The caller's `prepare`, on this thread.
    pub fn prepare(&self, entity: Entity) -> T {
        (self.prepare)(entity)
    }

    /// Queue an entity that just closed; hand `on_item` every entity whose analysis is done,
    /// in order.
    pub fn push(&mut self, entity: PendingEntity, on_item: &mut impl FnMut(T)) {
        if self.workers.is_empty() && self.delivered < INLINE_FIRST {
            self.delivered += 1;
            let item = (self.prepare)(entity.resolve(self.texts.bytes_mut(), &mut self.cache));
            // Nothing else is waiting for analysis, so no other text is still needed.
            self.texts.clear();
            on_item(item);
            return;
        }
        self.batch.push(entity);
        let full =
            self.batch.len() >= BATCH.min(self.delivered.max(1)) || self.texts.len() >= BATCH_TEXT;
        if full {
            self.hand_over();
        }
        while self.in_flight.len() > self.worker_capacity() + READY_WAITING {
            self.emit_oldest(on_item);
        }
        while self.oldest_is_done(on_item) {}
    }

    /// Every entity queued, analysed and handed to `on_item`, in order.
    pub fn flush(&mut self, on_item: &mut impl FnMut(T)) {
        while !self.in_flight.is_empty() {
            self.emit_oldest(on_item);
        }
        let batch = std::mem::take(&mut self.batch);
        self.delivered += batch.len();
        for item in self.analyse_here(batch) {
            on_item(item);
        }
    }

    /// Batches the workers take before the reader analyses one itself.
    fn worker_capacity(&self) -> usize {
        self.workers.len() * IN_FLIGHT_PER_WORKER
    }

    /// Analyse and prepare a batch on this thread; its text is then no longer needed.
    fn analyse_here(&mut self, batch: Vec<PendingEntity>) -> Vec<T> {
        let items = analyse(self.prepare, batch, self.texts.bytes_mut(), &mut self.cache);
        self.texts.clear();
        items
    }

    fn hand_over(&mut self) {
        if self.workers.is_empty() {
            self.start_workers();
        }
        let batch = std::mem::take(&mut self.batch);
        if self.with_workers >= self.worker_capacity() {
            // Every worker has its share queued: this thread is ahead, so it lends a hand.
            let items = self.analyse_here(batch);
            self.in_flight.push_back(InFlight::Ready(items));
            return;
        }
        let texts = self.texts.take();
        let (done, result) = mpsc::sync_channel(1);
        let worker = &self.workers[self.next_worker];
        self.next_worker = (self.next_worker + 1) % self.workers.len();
        match worker.send(Job { batch, texts, done }) {
            Ok(()) => {
                self.with_workers += 1;
                self.in_flight.push_back(InFlight::Worker(result));
            }
            Err(mpsc::SendError(job)) => {
                // The worker is gone (it can only have panicked): analyse here instead.
                let Job {
                    batch, mut texts, ..
                } = job;
                let items = analyse(self.prepare, batch, &mut texts, &mut self.cache);
                self.in_flight.push_back(InFlight::Ready(items));
            }
        }
    }

    fn start_workers(&mut self) {
        // The reading thread keeps a core busy too: one worker per other core, at least one.
        let count = std::thread::available_parallelism()
            .map_or(1, |n| usize::from(n).saturating_sub(1))
            .clamp(1, MAX_WORKERS);
        for _ in 0..count {
            let (jobs, queue) = mpsc::channel::<Job<T>>();
            let prepare = self.prepare;
            self.scope.spawn(move || {
                let mut cache = CertCache::default();
                for mut job in queue {
                    let entities = analyse(prepare, job.batch, &mut job.texts, &mut cache);
                    // The reader may have stopped early (an error); nobody waits then.
                    let _ = job.done.send(entities);
                }
            });
            self.workers.push(jobs);
        }
    }

    /// Deliver the oldest batch, waiting for it if a worker still has it.
    fn emit_oldest(&mut self, on_item: &mut impl FnMut(T)) {
        let items = match self.in_flight.pop_front() {
            None => return,
            Some(InFlight::Ready(items)) => items,
            Some(InFlight::Worker(result)) => {
                self.with_workers -= 1;
                result
                    .recv()
                    .expect("a certificate analysis worker stopped (it panicked)")
            }
        };
        self.delivered += items.len();
        items.into_iter().for_each(on_item);
    }

    /// Deliver the oldest batch if it is done; whether it was.
    fn oldest_is_done(&mut self, on_item: &mut impl FnMut(T)) -> bool {
        let done = match self.in_flight.front() {
            None => return false,
            Some(InFlight::Ready(_)) => true,
            Some(InFlight::Worker(result)) => match result.try_recv() {
                Ok(items) => {
                    self.in_flight[0] = InFlight::Ready(items);
                    self.with_workers -= 1;
                    true
                }
                Err(mpsc::TryRecvError::Empty) => false,
                Err(mpsc::TryRecvError::Disconnected) => {
                    panic!("a certificate analysis worker stopped (it panicked)")
                }
            },
        };
        if done {
            self.emit_oldest(on_item);
        }
        done
    }
}

/// Decode, analyse and `prepare` each entity of `batch`, whose certificate text is `texts`.
fn analyse<T>(
    prepare: &impl Prepare<T>,
    batch: Vec<PendingEntity>,
    texts: &mut [u8],
    cache: &mut CertCache,
) -> Vec<T> {
    batch
        .into_iter()
        .map(|e| prepare(e.resolve(texts, cache)))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::fmt::Write as _;

    use base64::Engine;

    use crate::cert::{self, Sha1};
    use crate::metadata::{MetadataError, parse_streaming};

    const CERTS: [&[u8]; 3] = [
        include_bytes!("../../tests/fixtures/metadata/certs/rsa_signing.pem"),
        include_bytes!("../../tests/fixtures/metadata/certs/ec_p256.pem"),
        include_bytes!("../../tests/fixtures/metadata/certs/rsa_encryption.pem"),
    ];

    /// An aggregate of `n` entities; entity `i` holds certificate `i % 3`. Returns the text
    /// and each entity's expected thumbprint.
    fn aggregate(n: usize) -> (String, Vec<Sha1>) {
        let ders: Vec<Vec<u8>> = CERTS
            .iter()
            .map(|pem| cert::read_certificates(pem).unwrap().remove(0))
            .collect();
        let mut xml = String::from(
            r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
        );
        let mut expected = Vec::new();
        for i in 0..n {
            let der = &ders[i % ders.len()];
            let b64 = base64::engine::general_purpose::STANDARD.encode(der);
            let _ = write!(
                xml,
                r#"<md:EntityDescriptor entityID="e{i}"><md:SPSSODescriptor protocolSupportEnumeration="p"><md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor></md:SPSSODescriptor></md:EntityDescriptor>"#
            );
            expected.push(Sha1::of(der));
        }
        xml.push_str("</md:EntitiesDescriptor>");
        (xml, expected)
    }

    #[test]
    fn entities_come_back_analysed_and_in_document_order() {
        // Enough entities for many batches on every worker, and a last partial batch.
        let (xml, expected) = aggregate(1_000);
        let mut seen = Vec::new();
        let info = parse_streaming(xml.as_bytes(), |entity| {
            let key = &entity.certificates[0];
            let analysed = key.cert.as_ref().unwrap();
            assert_eq!(Some(analysed.sha1), key.sha1);
            seen.push((entity.entity_id, analysed.sha1));
        })
        .unwrap();
        assert_eq!(info.entity_count, 1_000);
        let want: Vec<(String, Sha1)> = expected
            .iter()
            .enumerate()
            .map(|(i, sha1)| (format!("e{i}"), *sha1))
            .collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn entities_read_before_an_error_are_delivered_before_it() {
        let (xml, _) = aggregate(500);
        // Cut inside entity 400: entities 0..400 closed before the document breaks off.
        let cut = xml.find(r#"entityID="e400""#).unwrap() + 20;
        let mut seen = Vec::new();
        let result = parse_streaming(&xml.as_bytes()[..cut], |entity| {
            assert!(entity.certificates[0].cert.is_ok());
            seen.push(entity.entity_id);
        });
        assert_eq!(result, Err(MetadataError::Truncated));
        let want: Vec<String> = (0..400).map(|i| format!("e{i}")).collect();
        assert_eq!(seen, want);
    }
}
