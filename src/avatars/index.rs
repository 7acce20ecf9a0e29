//! Which members have a picture, in memory, so the header of every page a
//! member sees can show theirs without a database trip per request (the
//! session cache's rule). It is set inside the write that changes a picture,
//! before that write commits: a page rendered after the commit (and so
//! cached under the new write generation) can only have the new picture.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::queries;
use crate::db::Db;
use crate::error::AppResult;

#[derive(Clone, Debug, Default)]
pub struct Index {
    pictures: Arc<RwLock<HashMap<i64, Arc<str>>>>,
}

impl Index {
    /// Fills the map from the database, at start-up.
    pub async fn load(&self, db: &Db) -> AppResult<()> {
        let rows = db.read(|c| Ok(queries::in_use(c)?)).await?;
        let mut pictures = self.pictures.write().unwrap_or_else(|p| p.into_inner());
        pictures.clear();
        pictures.extend(rows.into_iter().map(|(id, hash)| (id, Arc::from(hash))));
        Ok(())
    }

    /// The hash of `user_id`'s picture, if they uploaded one.
    pub fn get(&self, user_id: i64) -> Option<String> {
        self.pictures
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&user_id)
            .map(|h| h.to_string())
    }

    pub fn set(&self, user_id: i64, hash: Option<&str>) {
        let mut pictures = self.pictures.write().unwrap_or_else(|p| p.into_inner());
        match hash {
            Some(h) => pictures.insert(user_id, Arc::from(h)),
            None => pictures.remove(&user_id),
        };
    }
}
