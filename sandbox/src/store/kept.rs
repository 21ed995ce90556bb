//! Records kept parsed in memory, the most recently read first: a query that reads the same
//! records again (the 2,400 Contacts of a company, for every new sender at its domain) takes
//! them from here instead of SQLite's pages and their JSON.
//!
//! Kept in step with the database: the store forgets a record it writes or removes (under the
//! same lock as its reads), and everything when another connection has written to the file
//! since (`PRAGMA data_version` changes only for other connections' commits).

use std::sync::Arc;

use hashlink::LruCache;
use rusqlite::Connection;

use super::Record;

/// How many records are kept: a few tens of MB of parsed Contacts, Accounts and activities.
const CAPACITY: usize = 20_000;

/// The kept records, by id.
#[derive(Debug)]
pub(super) struct Kept {
    records: LruCache<String, Arc<Record>>,
    /// The file's `data_version` when last looked at.
    data_version: Option<i64>,
}

impl Kept {
    pub(super) fn new() -> Kept {
        Kept {
            records: LruCache::new(CAPACITY),
            data_version: None,
        }
    }

    /// Forgets every record when another connection has written since the last look.
    pub(super) fn check(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let version: i64 = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        if self.data_version != Some(version) {
            self.records.clear();
            self.data_version = Some(version);
        }
        Ok(())
    }

    /// The kept record with id `id`.
    pub(super) fn get(&mut self, id: &str) -> Option<Arc<Record>> {
        self.records.get(id).cloned()
    }

    /// Keeps `record` (read whole from the database); answers it.
    pub(super) fn keep(&mut self, record: Record) -> Arc<Record> {
        let record = Arc::new(record);
        self.records
            .insert(record.id.to_string(), Arc::clone(&record));
        record
    }

    /// Forgets the record with id `id` (written or removed).
    pub(super) fn forget(&mut self, id: &str) {
        self.records.remove(id);
    }
}
