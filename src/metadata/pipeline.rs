//! Certificate analysis off the reading thread. Entities are handed over in batches to worker
//! threads (one per core besides the reader's), decoded, analysed and passed through the caller's `prepare` there,
//! and come back, in document order, to the thread that reads the XML and calls `on_item`.
//!
//! ```text
//! reader thread: XML → PendingEntity ─ batch ─▶ worker k: decode, analyse, prepare ─▶ result ─┐
//!                on_item ◀────────────────────────────── front of the in-order queue ◀────────┘
//! ```
//!
//! Batches start at one entity and grow with the number of entities already delivered (up to
//! [`BATCH`]), so the first entity reaches `on_entity` after a handful have been read, not
//! after a whole batch. The batches in flight are bounded, so memory does not grow with the
//! document. The first [`INLINE_FIRST`] entities are analysed on the reading thread, so a
//! single entity or a small aggregate never starts a thread.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::thread::Scope;

use super::Entity;
use super::entity::{CertCache, PendingEntity};

/// What the caller does to each entity on the analysing thread (`Fn(Entity) -> T`).
pub(super) trait Prepare<T>: Fn(Entity) -> T + Sync {}
impl<T, F: Fn(Entity) -> T + Sync> Prepare<T> for F {}

/// Entities per batch: big enough that the hand-over costs nothing next to the analysis of
/// their certificates, small enough to start the workers early.
const BATCH: usize = 64;
/// Batches queued or being analysed per worker before the reader waits for the oldest.
const IN_FLIGHT_PER_WORKER: usize = 2;
/// Past this many workers the reading thread, not the analysis, is the bottleneck.
const MAX_WORKERS: usize = 4;
/// The first entities are analysed on the reading thread: a small aggregate never pays for
/// starting threads (which costs more than analysing a few certificates).
const INLINE_FIRST: usize = 16;

struct Job<T> {
    batch: Vec<PendingEntity>,
    done: mpsc::SyncSender<Vec<T>>,
}

pub(super) struct Pipeline<'scope, 'env, T, P> {
    scope: &'scope Scope<'scope, 'env>,
    prepare: &'env P,
    /// One job queue per worker, fed in turn; empty until the first batch fills.
    workers: Vec<mpsc::Sender<Job<T>>>,
    next_worker: usize,
    /// Results of the batches handed over, oldest first.
    in_flight: VecDeque<mpsc::Receiver<Vec<T>>>,
    batch: Vec<PendingEntity>,
    /// Entities handed to `on_entity` so far.
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
            batch: Vec::new(),
            delivered: 0,
            cache: CertCache::default(),
        }
    }

    /// The cache of the reader's thread, for certificates outside entities.
    pub fn cache(&mut self) -> &mut CertCache {
        &mut self.cache
    }

    /// Analyse one entity right away, on this thread (a document's only entity).
    pub fn resolve_now(&mut self, entity: PendingEntity) -> Entity {
        entity.resolve(&mut self.cache)
    }

    /// The caller's `prepare`, on this thread.
    pub fn prepare(&self, entity: Entity) -> T {
        (self.prepare)(entity)
    }

    /// Analyse and prepare one entity on this thread.
    fn inline(&mut self, entity: PendingEntity) -> T {
        (self.prepare)(entity.resolve(&mut self.cache))
    }

    /// Queue an entity; hand `on_item` every entity whose analysis is done, in order.
    pub fn push(&mut self, entity: PendingEntity, on_item: &mut impl FnMut(T)) {
        if self.workers.is_empty() && self.delivered < INLINE_FIRST {
            self.delivered += 1;
            let item = self.inline(entity);
            on_item(item);
            return;
        }
        self.batch.push(entity);
        if self.batch.len() >= BATCH.min(self.delivered.max(1)) {
            self.hand_over();
        }
        let limit = self.workers.len() * IN_FLIGHT_PER_WORKER;
        while self.in_flight.len() > limit {
            self.emit_oldest(on_item);
        }
        while self.oldest_is_done(on_item) {}
    }

    /// Every entity queued, analysed and handed to `on_item`, in order.
    pub fn flush(&mut self, on_item: &mut impl FnMut(T)) {
        while !self.in_flight.is_empty() {
            self.emit_oldest(on_item);
        }
        for entity in std::mem::take(&mut self.batch) {
            self.delivered += 1;
            let item = self.inline(entity);
            on_item(item);
        }
    }

    fn hand_over(&mut self) {
        if self.workers.is_empty() {
            self.start_workers();
        }
        let batch = std::mem::take(&mut self.batch);
        let (done, result) = mpsc::sync_channel(1);
        let worker = &self.workers[self.next_worker];
        self.next_worker = (self.next_worker + 1) % self.workers.len();
        if let Err(mpsc::SendError(job)) = worker.send(Job { batch, done }) {
            // The worker is gone (it can only have panicked): analyse here instead.
            let entities = job.batch.into_iter().map(|e| self.inline(e)).collect();
            let (done, result) = mpsc::sync_channel(1);
            let _ = done.send(entities);
            self.in_flight.push_back(result);
            return;
        }
        self.in_flight.push_back(result);
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
                for job in queue {
                    let entities = job
                        .batch
                        .into_iter()
                        .map(|e| prepare(e.resolve(&mut cache)))
                        .collect();
                    // The reader may have stopped early (an error); nobody waits then.
                    let _ = job.done.send(entities);
                }
            });
            self.workers.push(jobs);
        }
    }

    fn emit_oldest(&mut self, on_item: &mut impl FnMut(T)) {
        let Some(result) = self.in_flight.pop_front() else {
            return;
        };
        let entities = result
            .recv()
            .expect("a certificate analysis worker stopped (it panicked)");
        self.delivered += entities.len();
        entities.into_iter().for_each(on_item);
    }

    fn oldest_is_done(&mut self, on_item: &mut impl FnMut(T)) -> bool {
        let Some(result) = self.in_flight.front() else {
            return false;
        };
        match result.try_recv() {
            Ok(entities) => {
                self.in_flight.pop_front();
                self.delivered += entities.len();
                entities.into_iter().for_each(&mut *on_item);
                true
            }
            Err(mpsc::TryRecvError::Empty) => false,
            Err(mpsc::TryRecvError::Disconnected) => {
                panic!("a certificate analysis worker stopped (it panicked)")
            }
        }
    }
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
