//! Argon2id hashing, slow and memory-hungry on purpose (19 MiB a hash), so it
//! runs on a few threads of its own, one per core, behind a short queue:
//! pages and writes never wait behind hashes on the blocking pool, at most
//! one hash per core holds its memory at a time, and a hash that would wait
//! behind a full queue is refused (`AppError::Busy`, 503) rather than queued
//! without bound.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::oneshot;

use crate::error::{AppError, AppResult};

/// Hashes waiting, per hashing thread: about a quarter second's wait at most.
const QUEUE_PER_THREAD: usize = 4;

type Job = Box<dyn FnOnce() + Send>;

/// Handle to the hashing threads; cheap to clone. The threads end when the
/// last handle is dropped.
#[derive(Clone)]
pub struct Hasher {
    jobs: SyncSender<Job>,
}

impl Default for Hasher {
    fn default() -> Self {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(threads, threads * QUEUE_PER_THREAD)
    }
}

impl Hasher {
    /// `threads` hashing threads, and at most `queue` hashes waiting.
    pub fn new(threads: usize, queue: usize) -> Self {
        let (jobs, waiting) = sync_channel::<Job>(queue);
        let waiting = Arc::new(Mutex::new(waiting));
        for i in 0..threads.max(1) {
            let waiting = Arc::clone(&waiting);
            let spawned = std::thread::Builder::new()
                .name(format!("hash-{i}"))
                .spawn(move || work(&waiting));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        Self { jobs }
    }

    /// Runs `f` on a hashing thread, unless the queue is full (`Busy`).
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            // The request went away while this waited: spare the work.
            if !answer.is_closed() {
                let _ = answer.send(f());
            }
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(AppError::Busy),
            Err(TrySendError::Disconnected(_)) => {
                return Err(AppError::Internal("no hashing thread".into()));
            }
        }
        match answered.await {
            Ok(result) => result,
            Err(_) => Err(AppError::Internal("a hash failed".into())),
        }
    }

    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
        })
        .await
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown
    /// user) it still spends the same effort, so timing does not reveal
    /// which names exist.
    pub async fn verify(&self, password: String, stored: Option<String>) -> AppResult<bool> {
        self.run(move || {
            let argon = Argon2::default();
            match stored.as_deref().map(PasswordHash::new) {
                Some(Ok(parsed)) => Ok(argon.verify_password(password.as_bytes(), &parsed).is_ok()),
                Some(Err(e)) => Err(AppError::Internal(format!("stored hash unreadable: {e}"))),
                None => {
                    let _ = argon.hash_password(password.as_bytes());
                    Ok(false)
                }
            }
        })
        .await
    }
}

/// A hashing thread: takes jobs until every `Hasher` is dropped. A job that
/// panics drops its answer (the request gets a 500), not the thread.
fn work(waiting: &Mutex<Receiver<Job>>) {
    loop {
        let job = match waiting.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match job {
            Ok(job) => {
                let _ = catch_unwind(AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

/// A random password for the first admin when none is configured.
pub fn generate() -> String {
    use rand::Rng;
    use rand::distr::Alphanumeric;
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[tokio::test]
    async fn hashes_verify_and_a_full_queue_refuses() {
        let hasher = Hasher::new(1, 1);
        let hash = hasher.hash("correct horse".into()).await.unwrap();
        let ok = hasher.verify("correct horse".into(), Some(hash.clone()));
        assert!(ok.await.unwrap());
        let wrong = hasher.verify("wrong horse".into(), Some(hash));
        assert!(!wrong.await.unwrap());
        assert!(!hasher.verify("x".into(), None).await.unwrap());

        // The one thread held by a job that waits for us.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, running) = oneshot::channel::<()>();
        let blocker = tokio::spawn({
            let hasher = hasher.clone();
            async move {
                hasher
                    .run(move || {
                        let _ = started.send(());
                        let _ = held.recv();
                        Ok(1)
                    })
                    .await
            }
        });
        running.await.unwrap();
        // Polled once, the next job takes the one place in the queue; the
        // one after is refused at once.
        let mut queued = Box::pin(hasher.run(|| Ok(2)));
        assert!((&mut queued).now_or_never().is_none(), "it waits its turn");
        let refused = hasher.run(|| Ok(3)).await;
        assert!(matches!(refused, Err(AppError::Busy)), "{refused:?}");
        release.send(()).unwrap();
        assert_eq!(blocker.await.unwrap().unwrap(), 1);
        assert_eq!(queued.await.unwrap(), 2);
    }
}
