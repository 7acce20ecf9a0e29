//! The writer's group commit: writes queued together share one commit, each
//! in its own savepoint, and come out in order.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, mpsc};

use super::{Db, DbConfig};
use crate::error::AppError;

fn open() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let (db, created) = Db::open(&dir.path().join("t.db"), &DbConfig::default()).unwrap();
    assert!(created);
    (dir, db)
}

fn rows(db: &Db) -> Vec<i64> {
    db.between_writes(|c| {
        let mut s = c.prepare("SELECT x FROM t ORDER BY x")?;
        let xs = s.query_map((), |r| r.get(0))?.collect::<Result<_, _>>()?;
        Ok(xs)
    })
    .unwrap()
}

#[tokio::test]
async fn writes_queued_together_commit_once_and_fail_alone() {
    let (_dir, db) = open();
    db.write(|tx| Ok(tx.execute_batch("CREATE TABLE t (x INTEGER)")?))
        .await
        .unwrap();
    let commits = db.write_stats().commits.load(Ordering::Relaxed);

    // Hold the writer between two batches while five writes queue up.
    let (locked, is_locked) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let holder = {
        let db = db.clone();
        std::thread::spawn(move || {
            let released = std::sync::Mutex::new(released);
            db.between_writes(|_| {
                locked.send(()).unwrap();
                released.lock().unwrap().recv().unwrap();
                Ok(())
            })
        })
    };
    is_locked.recv().unwrap();
    let announced = Arc::new(Mutex::new(Vec::new()));
    let mut answers = Vec::new();
    for x in 1..=5i64 {
        let announced = announced.clone();
        let answer = db
            .queue(
                move |tx| {
                    tx.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
                    match x {
                        2 => Err(AppError::NotFound),
                        4 => panic!("a write that panics"),
                        _ => Ok(x),
                    }
                },
                |x| *x,
                move |_, x| announced.lock().unwrap().push(x),
            )
            .await
            .unwrap();
        answers.push(answer);
    }
    release.send(()).unwrap();
    holder.join().unwrap().unwrap();

    let mut got = Vec::new();
    for a in answers {
        got.push(a.await.unwrap());
    }
    assert!(matches!(got[0], Ok(1)));
    assert!(matches!(got[1], Err(AppError::NotFound)));
    assert!(matches!(got[2], Ok(3)));
    assert!(
        matches!(got[3], Err(AppError::Internal(_))),
        "the panic answered"
    );
    assert!(matches!(got[4], Ok(5)));
    // Only the failed writes are undone; one commit for the five.
    assert_eq!(rows(&db), vec![1, 3, 5]);
    assert_eq!(
        db.write_stats().commits.load(Ordering::Relaxed),
        commits + 1
    );
    assert_eq!(*announced.lock().unwrap(), vec![1, 3, 5], "in commit order");

    // The writer lives on after the panic.
    db.write(|tx| Ok(tx.execute("INSERT INTO t (x) VALUES (6)", ())?))
        .await
        .unwrap();
    assert_eq!(rows(&db), vec![1, 3, 5, 6]);
}

#[tokio::test]
async fn commits_are_synchronous_full() {
    let (_dir, db) = open();
    let level: i64 = db
        .between_writes(|c| {
            Ok(c.lite()
                .unwrap()
                .pragma_query_value(None, "synchronous", |r| r.get(0))?)
        })
        .unwrap();
    assert_eq!(level, 2, "FULL");
}

#[tokio::test]
async fn a_full_queue_makes_writers_wait() {
    use futures_util::FutureExt;

    let dir = tempfile::tempdir().unwrap();
    let config = DbConfig {
        queue_len: 1,
        ..DbConfig::default()
    };
    let (db, _) = Db::open(&dir.path().join("t.db"), &config).unwrap();
    let (locked, is_locked) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let holder = {
        let db = db.clone();
        std::thread::spawn(move || {
            let released = std::sync::Mutex::new(released);
            db.between_writes(|_| {
                locked.send(()).unwrap();
                released.lock().unwrap().recv().unwrap();
                Ok(())
            })
        })
    };
    is_locked.recv().unwrap();
    let write = || db.queue(|_| Ok(()), |_| (), |_, ()| {});
    let first = write().await.unwrap();
    // The writer takes it, then waits for the connection.
    while queue_capacity(&db) == 0 {
        tokio::task::yield_now().await;
    }
    let second = write().await.unwrap();
    let mut third = Box::pin(write());
    assert!(
        third.as_mut().now_or_never().is_none(),
        "the queue is full: the third writer waits"
    );
    release.send(()).unwrap();
    holder.join().unwrap().unwrap();
    let third = third.await.unwrap();
    for answer in [first, second, third] {
        answer.await.unwrap().unwrap();
    }
}

fn queue_capacity(db: &Db) -> usize {
    match &db.backend {
        super::Backend::Lite { writer, .. } => writer.queue.capacity(),
        super::Backend::Pg(_) => unreachable!("SQLite's writer"),
    }
}
