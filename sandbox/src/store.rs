//! Records in SQLite (a file, or memory for tests): one row a record with its fields as JSON,
//! and an index of lookup keys (emails, phone digits, domains) so lookups stay fast at a
//! million records. Records read by id or key are kept parsed in memory (`kept`).

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use crate::SandboxError;
use crate::id::SfId;

mod fields;
mod kept;
pub use fields::Fields;
use kept::Kept;

/// A stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Its id.
    pub id: SfId,
    /// Its object's API name.
    pub object: String,
    /// Its fields by API name (`Id` included), shared with the store's kept copy until
    /// written ([`Record::fields_mut`]).
    pub fields: Arc<Map<String, Value>>,
    /// Deleted (still visible to `queryAll`).
    pub deleted: bool,
    /// Last modified, in ms since the epoch.
    pub modified_ms: i64,
}

impl Record {
    /// Its fields to change (copied first when the store's kept copy shares them).
    pub fn fields_mut(&mut self) -> &mut Map<String, Value> {
        Arc::make_mut(&mut self.fields)
    }
}

/// The record store.
#[derive(Debug)]
pub struct Store {
    inner: Mutex<Inner>,
    /// Added to every minted id's number: orgs with different bases never share an id.
    id_base: u64,
}

/// The connection and the records kept from it, under one lock: a read keeps what it read
/// before a write can forget it.
#[derive(Debug)]
struct Inner {
    conn: Connection,
    kept: Kept,
}

fn db(err: rusqlite::Error) -> SandboxError {
    SandboxError::Storage(err.to_string())
}

const SCHEMA: &str = "
    -- Pages of 16 KiB hold a record's JSON whole (with 4 KiB, one over about 1 KiB continues
    -- on overflow pages, a second read for each). Only a new database takes it.
    PRAGMA page_size = 16384;
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    CREATE TABLE IF NOT EXISTS records (
        id TEXT PRIMARY KEY,
        object TEXT NOT NULL,
        data TEXT NOT NULL,
        modified_ms INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS records_by_object ON records(object, deleted);
    CREATE INDEX IF NOT EXISTS records_by_object_id ON records(object, id);
    CREATE TABLE IF NOT EXISTS lookup (key TEXT NOT NULL, id TEXT NOT NULL);
    -- The key and the id: a key's ids come from the index alone, in id order.
    CREATE INDEX IF NOT EXISTS lookup_by_key_id ON lookup(key, id);
    DROP INDEX IF EXISTS lookup_by_key;
    CREATE INDEX IF NOT EXISTS lookup_by_id ON lookup(id);
    CREATE TABLE IF NOT EXISTS counters (prefix TEXT PRIMARY KEY, next INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
";

impl Store {
    /// A store in the SQLite file at `path` (created if missing), or in memory for `None`.
    pub fn open(path: Option<&Path>) -> Result<Store, SandboxError> {
        let conn = match path {
            Some(path) => Connection::open(path),
            None => Connection::open_in_memory(),
        }
        .map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        Ok(Store {
            inner: Mutex::new(Inner {
                conn,
                kept: Kept::new(),
            }),
            id_base: 0,
        })
    }

    /// Mints ids from block `block` (0, the default, to 61): each block holds 62^8 ids, so
    /// two orgs on different blocks never mint the same id, as two Salesforce orgs never do.
    pub fn set_id_block(&mut self, block: u64) {
        self.id_base = block.min(61) * 62u64.pow(8);
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, SandboxError> {
        self.with_kept(|conn, _| f(conn).map_err(db))
    }

    /// Runs `f` on the connection and the kept records, those forgotten first when another
    /// connection has written since.
    fn with_kept<T>(
        &self,
        f: impl FnOnce(&mut Connection, &mut Kept) -> Result<T, SandboxError>,
    ) -> Result<T, SandboxError> {
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| SandboxError::Storage("the store's lock was poisoned".into()))?;
        let Inner { conn, kept } = &mut *inner;
        kept.check(conn).map_err(db)?;
        f(conn, kept)
    }

    /// A value kept beside the records (`seeded`...).
    pub fn meta(&self, key: &str) -> Result<Option<String>, SandboxError> {
        self.with(|c| {
            c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
        })
    }

    /// Sets a value kept beside the records.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), SandboxError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
                params![key, value],
            )
            .map(drop)
        })
    }

    /// Mints the next id for objects with `prefix`.
    pub fn next_id(&self, prefix: &str) -> Result<SfId, SandboxError> {
        Ok(SfId::mint(prefix, self.id_base + self.next_number(prefix)?))
    }

    /// The next value (1, 2, ...) of the counter `key` (id prefixes, auto-numbers).
    pub fn next_number(&self, key: &str) -> Result<u64, SandboxError> {
        let n: i64 = self.with(|c| {
            c.query_row(
                "INSERT INTO counters(prefix, next) VALUES (?1, 1)
                 ON CONFLICT(prefix) DO UPDATE SET next = next + 1 RETURNING next",
                [key],
                |r| r.get(0),
            )
        })?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Inserts or replaces records with their lookup keys, in one transaction.
    pub fn put_many(&self, records: &[(Record, Vec<String>)]) -> Result<(), SandboxError> {
        self.with_kept(|c, kept| {
            for (record, _) in records {
                kept.forget(record.id.as_str());
            }
            write_records(c, records).map_err(db)
        })
    }

    /// Inserts or replaces one record.
    pub fn put(&self, record: &Record, keys: Vec<String>) -> Result<(), SandboxError> {
        self.put_many(&[(record.clone(), keys)])
    }

    /// Removes a record and its keys for good (rolling back a create).
    pub fn remove(&self, id: &SfId) -> Result<(), SandboxError> {
        self.with_kept(|c, kept| {
            kept.forget(id.as_str());
            delete_record(c, id).map_err(db)
        })
    }

    /// A record by id, deleted or not.
    pub fn get(&self, id: &SfId) -> Result<Option<Record>, SandboxError> {
        self.with_kept(|c, kept| {
            if let Some(record) = kept.get(id.as_str()) {
                return Ok(Some(Record::clone(&record)));
            }
            let read = c
                .query_row(
                    "SELECT id, object, data, modified_ms, deleted FROM records WHERE id = ?1",
                    [id.as_str()],
                    |row| read_row(row, None),
                )
                .optional()
                .map_err(db)?
                .transpose()?;
            Ok(read.map(|record| Record::clone(&kept.keep(record))))
        })
    }

    /// Every record of `object` (deleted ones too when `all`), in id order.
    pub fn scan(&self, object: &str, all: bool) -> Result<Vec<Record>, SandboxError> {
        let rows = self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, object, data, modified_ms, deleted FROM records
                 WHERE object = ?1 AND (?2 OR deleted = 0) ORDER BY id",
            )?;
            let rows = stmt.query_map(params![object, all], |row| read_row(row, None))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        rows.into_iter().collect()
    }

    /// Up to `limit` records of `object` with an id after `after` (deleted ones too when
    /// `all`), in id order: a scan in bounded chunks, so a filter over a large object never
    /// holds all of it at once. Each chunk is a range of `records_by_object_id` (through
    /// `records_by_object` alone, SQLite sorted the whole object for every chunk: a filtered
    /// scan of 600,000 Contacts took minutes).
    pub fn scan_page(
        &self,
        object: &str,
        all: bool,
        after: &str,
        limit: usize,
    ) -> Result<Vec<Record>, SandboxError> {
        self.scan_page_of(object, all, after, limit, None)
    }

    /// [`Store::scan_page`], reading only `only`'s fields of each record when given.
    pub fn scan_page_of(
        &self,
        object: &str,
        all: bool,
        after: &str,
        limit: usize,
        only: Option<&Fields>,
    ) -> Result<Vec<Record>, SandboxError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, object, data, modified_ms, deleted FROM records
                 WHERE object = ?1 AND (?2 OR deleted = 0) AND id > ?3 ORDER BY id LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![object, all, after, limit], |row| {
                read_row(row, only)
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        rows.into_iter().collect()
    }

    /// The records of `object` with lookup `key` (deleted ones too when `all`), in id order,
    /// whole (kept in memory, so a record read again costs no read nor copy of its fields).
    pub fn by_key(&self, object: &str, key: &str, all: bool) -> Result<Vec<Record>, SandboxError> {
        self.by_key_in(object, None, key, all)
    }

    /// [`Store::by_key`], listing only the ids that start with `prefix` when given: `object`'s
    /// key prefix, which starts every id of its records (`Org::live` refuses an id of another
    /// prefix), so a key many objects' records share (`ref:<parent>`: a company's 2,400
    /// Contacts beside its 3 Cases) lists only this object's, from the index's range.
    pub fn by_key_in(
        &self,
        object: &str,
        prefix: Option<&str>,
        key: &str,
        all: bool,
    ) -> Result<Vec<Record>, SandboxError> {
        self.with_kept(|c, kept| {
            let ids = key_ids(c, key, prefix).map_err(db)?;
            kept_or_read(c, kept, &ids, object, all)
        })
    }

    /// The ids of the records with lookup `key` (any object, deleted or not; only those that
    /// start with `prefix` when given, as [`Store::by_key_in`]).
    pub fn ids_by_key(&self, key: &str, prefix: Option<&str>) -> Result<Vec<String>, SandboxError> {
        self.with(|c| key_ids(c, key, prefix))
    }

    /// The ids of the records with a lookup key that starts with `prefix` (which ends with
    /// `:`) and matches the GLOB `pattern`: a range of the key index, not a scan of it.
    pub fn ids_by_key_glob(
        &self,
        prefix: &str,
        pattern: &str,
    ) -> Result<Vec<String>, SandboxError> {
        let end = past(prefix);
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id FROM lookup WHERE key >= ?1 AND key < ?2 AND key GLOB ?3",
            )?;
            let rows = stmt.query_map(params![prefix, end, pattern], |r| r.get(0))?;
            rows.collect()
        })
    }

    /// The records of `object` among `ids` (deleted ones too when `all`), in id order, whole
    /// (kept in memory, as [`Store::by_key`]'s).
    pub fn by_ids(
        &self,
        object: &str,
        ids: &[String],
        all: bool,
    ) -> Result<Vec<Record>, SandboxError> {
        self.with_kept(|c, kept| kept_or_read(c, kept, ids, object, all))
    }

    /// Replaces the lookup keys of records (their data unchanged), in one transaction.
    pub fn replace_keys(&self, keys: &[(SfId, Vec<String>)]) -> Result<(), SandboxError> {
        self.with(|c| {
            let tx = c.transaction()?;
            {
                let mut clear = tx.prepare_cached("DELETE FROM lookup WHERE id = ?1")?;
                let mut key = tx.prepare_cached("INSERT INTO lookup(key, id) VALUES (?1, ?2)")?;
                for (id, keys) in keys {
                    clear.execute([id.as_str()])?;
                    for k in keys {
                        key.execute(params![k, id.as_str()])?;
                    }
                }
            }
            tx.commit()
        })
    }

    /// How many live records `object` has.
    pub fn count(&self, object: &str) -> Result<u64, SandboxError> {
        let n: i64 = self.with(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM records WHERE object = ?1 AND deleted = 0",
                [object],
                |r| r.get(0),
            )
        })?;
        Ok(u64::try_from(n).unwrap_or_default())
    }
}

/// Writes records with their lookup keys, in one transaction.
fn write_records(c: &mut Connection, records: &[(Record, Vec<String>)]) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    {
        let mut put = tx.prepare_cached(
            "INSERT INTO records(id, object, data, modified_ms, deleted) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(id) DO UPDATE SET data = ?3, modified_ms = ?4, deleted = ?5",
        )?;
        let mut clear = tx.prepare_cached("DELETE FROM lookup WHERE id = ?1")?;
        let mut key = tx.prepare_cached("INSERT INTO lookup(key, id) VALUES (?1, ?2)")?;
        for (record, keys) in records {
            let data = serde_json::to_string(&*record.fields)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            put.execute(params![
                record.id.as_str(),
                record.object,
                data,
                record.modified_ms,
                record.deleted
            ])?;
            clear.execute([record.id.as_str()])?;
            for k in keys {
                key.execute(params![k, record.id.as_str()])?;
            }
        }
    }
    tx.commit()
}

/// Deletes a record and its keys, in one transaction.
fn delete_record(c: &mut Connection, id: &SfId) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    tx.execute("DELETE FROM lookup WHERE id = ?1", [id.as_str()])?;
    tx.execute("DELETE FROM records WHERE id = ?1", [id.as_str()])?;
    tx.commit()
}

/// The first text past every text that starts with `prefix`: its last character plus one
/// (`ref:` is followed by `ref;`, `003` by `004`).
fn past(prefix: &str) -> String {
    let mut end = prefix.to_owned();
    if let Some(last) = end.pop() {
        end.push(char::from_u32(u32::from(last) + 1).unwrap_or(char::MAX));
    }
    end
}

/// The ids with lookup `key`, from the index alone, in id order; only those that start with
/// `prefix` when given (a range of the index).
fn key_ids(c: &Connection, key: &str, prefix: Option<&str>) -> rusqlite::Result<Vec<String>> {
    match prefix {
        None => {
            let mut stmt = c.prepare_cached("SELECT id FROM lookup WHERE key = ?1")?;
            let rows = stmt.query_map([key], |r| r.get(0))?;
            rows.collect()
        }
        Some(prefix) => {
            let mut stmt =
                c.prepare_cached("SELECT id FROM lookup WHERE key = ?1 AND id >= ?2 AND id < ?3")?;
            let rows = stmt.query_map(params![key, prefix, past(prefix)], |r| r.get(0))?;
            rows.collect()
        }
    }
}

/// The records of `object` among `ids` (deleted ones too when `all`), in id order: each kept
/// one from memory, the others read whole in one statement (the ids as a JSON array, read by
/// `json_each`: a query per id cost more than reading the records) and kept. Each shares its
/// fields with the kept copy: answering it costs no copy of them.
fn kept_or_read(
    c: &Connection,
    kept: &mut Kept,
    ids: &[String],
    object: &str,
    all: bool,
) -> Result<Vec<Record>, SandboxError> {
    let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut found: Vec<Option<Arc<Record>>> = ids.iter().map(|id| kept.get(id)).collect();
    let missing: Vec<&str> = ids
        .iter()
        .zip(&found)
        .filter(|(_, kept)| kept.is_none())
        .map(|(id, _)| *id)
        .collect();
    if !missing.is_empty() {
        let list = serde_json::to_string(&missing)
            .map_err(|e| SandboxError::Storage(format!("ids to read: {e}")))?;
        let mut stmt = c
            .prepare_cached(
                "SELECT id, object, data, modified_ms, deleted FROM records
                 WHERE id IN (SELECT value FROM json_each(?1)) AND object = ?2",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![list, object], |row| read_row(row, None))
            .map_err(db)?;
        for row in rows {
            let record = kept.keep(row.map_err(db)??);
            if let Ok(at) = ids.binary_search(&record.id.as_str()) {
                found[at] = Some(record);
            }
        }
    }
    Ok(found
        .into_iter()
        .flatten()
        .filter(|r| r.object == object && (all || !r.deleted))
        .map(|r| Record::clone(&r))
        .collect())
}

/// A stored row as a record: every field, or only `only`'s (and `Id`), parsed from SQLite's
/// own copy of the data (not copied out first). The outer error is SQLite's, the inner one
/// the data's.
fn read_row(
    row: &rusqlite::Row<'_>,
    only: Option<&Fields>,
) -> rusqlite::Result<Result<Record, SandboxError>> {
    let id: String = row.get(0)?;
    let object: String = row.get(1)?;
    let data = row.get_ref(2)?;
    let modified_ms: i64 = row.get(3)?;
    let deleted: bool = row.get(4)?;
    let id = match SfId::parse(&id) {
        Ok(id) => id,
        Err(e) => return Ok(Err(SandboxError::Storage(format!("stored id {id}: {e}")))),
    };
    let Some(fields) = data
        .as_str()
        .ok()
        .and_then(|data| fields::parse(data, only))
    else {
        return Ok(Err(SandboxError::Storage(format!(
            "record {id} has unreadable data"
        ))));
    };
    Ok(Ok(Record {
        id,
        object,
        fields: fields.into(),
        deleted,
        modified_ms,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(store: &Store, object: &str, prefix: &str, fields: Value) -> Record {
        let id = store.next_id(prefix).unwrap();
        let mut fields = fields.as_object().unwrap().clone();
        fields.insert("Id".into(), Value::from(id.as_str()));
        Record {
            id,
            object: object.into(),
            fields: fields.into(),
            deleted: false,
            modified_ms: 1,
        }
    }

    fn indexes_and_page_size(store: &Store) -> (Vec<String>, i64) {
        store
            .with(|c| {
                let mut stmt = c.prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'lookup' ORDER BY name",
                )?;
                let names = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
                let page = c.query_row("PRAGMA page_size", [], |r| r.get(0))?;
                Ok((names, page))
            })
            .unwrap()
    }

    #[test]
    fn a_store_made_before_its_key_index_changed_opens_with_the_new_one() {
        let path = std::env::temp_dir().join(format!(
            "pane-sandbox-store-{:016x}.sqlite",
            rand::random::<u64>()
        ));
        let store = Store::open(Some(&path)).unwrap();
        let rose = record(&store, "Contact", "003", json!({"LastName": "Gonzalez"}));
        store
            .put(&rose, vec!["email:rose@edge.com".into()])
            .unwrap();
        // As a store made before: the key alone indexed.
        store
            .with(|c| {
                c.execute_batch(
                    "DROP INDEX lookup_by_key_id; CREATE INDEX lookup_by_key ON lookup(key);",
                )
            })
            .unwrap();
        drop(store);
        let store = Store::open(Some(&path)).unwrap();
        let (indexes, page) = indexes_and_page_size(&store);
        assert_eq!(indexes, ["lookup_by_id", "lookup_by_key_id"]);
        assert_eq!(page, 16384, "a new file took the page size");
        assert_eq!(
            store
                .by_key("Contact", "email:rose@edge.com", false)
                .unwrap(),
            vec![rose]
        );
        drop(store);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        assert_eq!(indexes_and_page_size(&Store::open(None).unwrap()).1, 16384);
    }

    #[test]
    fn put_get_scan_and_lookup() {
        let store = Store::open(None).unwrap();
        let rose = record(
            &store,
            "Contact",
            "003",
            json!({"LastName": "Gonzalez", "Email": "rose@edge.com"}),
        );
        let tim = record(&store, "Contact", "003", json!({"LastName": "Barr"}));
        store
            .put(
                &rose,
                vec!["email:rose@edge.com".into(), "domain:edge.com".into()],
            )
            .unwrap();
        store.put(&tim, vec![]).unwrap();
        assert_eq!(store.get(&rose.id).unwrap().unwrap(), rose);
        assert_eq!(store.scan("Contact", false).unwrap().len(), 2);
        assert_eq!(
            store
                .by_key("Contact", "email:rose@edge.com", false)
                .unwrap(),
            vec![rose.clone()]
        );
        assert!(
            store
                .by_key("Lead", "email:rose@edge.com", false)
                .unwrap()
                .is_empty()
        );

        // Keys are replaced on update; deleted records only show to `all`.
        let mut moved = rose.clone();
        moved.deleted = true;
        store
            .put(&moved, vec!["email:rose@new.com".into()])
            .unwrap();
        assert!(
            store
                .by_key("Contact", "email:rose@edge.com", true)
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .by_key("Contact", "email:rose@new.com", false)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .by_key("Contact", "email:rose@new.com", true)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(store.count("Contact").unwrap(), 1);
    }

    #[test]
    fn a_kept_record_is_read_again_after_it_is_written_or_removed() {
        let store = Store::open(None).unwrap();
        let mut rose = record(
            &store,
            "Contact",
            "003",
            json!({"LastName": "Gonzalez", "Email": "rose@edge.com", "Title": "CEO"}),
        );
        let keys = vec!["ref:001000000000001AAA".to_owned()];
        store.put(&rose, keys.clone()).unwrap();
        let by_key = || {
            store
                .by_key("Contact", "ref:001000000000001AAA", false)
                .unwrap()
        };
        // Read, then kept: the same answer, its fields shared with the kept copy.
        assert_eq!(by_key(), vec![rose.clone()]);
        let (first, again) = (by_key(), by_key());
        assert_eq!(again, vec![rose.clone()]);
        assert!(Arc::ptr_eq(&first[0].fields, &again[0].fields));
        assert_eq!(store.get(&rose.id).unwrap().unwrap(), rose);

        rose.fields_mut().insert("Title".into(), json!("CFO"));
        store.put(&rose, keys).unwrap();
        assert_eq!(by_key()[0].fields["Title"], "CFO");
        assert_eq!(store.get(&rose.id).unwrap().unwrap(), rose);
        assert_eq!(
            store
                .by_ids("Contact", &[rose.id.to_string()], false)
                .unwrap(),
            vec![rose.clone()]
        );

        store.remove(&rose.id).unwrap();
        assert!(by_key().is_empty());
        assert_eq!(store.get(&rose.id).unwrap(), None);
    }

    #[test]
    fn a_key_shared_by_objects_lists_only_the_prefix_asked() {
        let store = Store::open(None).unwrap();
        let key = "ref:001000000000001AAA";
        let contact = record(&store, "Contact", "003", json!({"LastName": "Barr"}));
        let case = record(&store, "Case", "500", json!({"Subject": "Broken"}));
        store.put(&contact, vec![key.into()]).unwrap();
        store.put(&case, vec![key.into()]).unwrap();
        assert_eq!(store.ids_by_key(key, None).unwrap().len(), 2);
        assert_eq!(
            store.ids_by_key(key, Some("500")).unwrap(),
            [case.id.to_string()]
        );
        assert_eq!(
            store.by_key_in("Case", Some("500"), key, false).unwrap(),
            vec![case.clone()]
        );
        assert!(
            store
                .by_key_in("Case", Some("003"), key, false)
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.by_key("Case", key, false).unwrap(), vec![case]);
    }

    #[test]
    fn a_write_through_another_connection_is_read_at_once() {
        let dir = std::env::temp_dir().join(format!("pane-kept-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("org.sqlite");
        let store = Store::open(Some(&path)).unwrap();
        let mut kim = record(&store, "Lead", "00Q", json!({"LastName": "Kim"}));
        store.put(&kim, vec!["email:kim@x.com".into()]).unwrap();
        assert_eq!(
            store.get(&kim.id).unwrap().unwrap().fields["LastName"],
            "Kim"
        );
        assert_eq!(
            store
                .by_key("Lead", "email:kim@x.com", false)
                .unwrap()
                .len(),
            1
        );

        // Another process (here another connection) writes the file.
        kim.fields_mut().insert("LastName".into(), json!("Park"));
        Store::open(Some(&path))
            .unwrap()
            .put(&kim, vec!["email:kim@x.com".into()])
            .unwrap();
        assert_eq!(
            store.get(&kim.id).unwrap().unwrap().fields["LastName"],
            "Park"
        );
        assert_eq!(
            store.by_key("Lead", "email:kim@x.com", false).unwrap()[0].fields["LastName"],
            "Park"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ids_count_up_per_prefix() {
        let store = Store::open(None).unwrap();
        assert_eq!(store.next_id("003").unwrap(), SfId::mint("003", 1));
        assert_eq!(store.next_id("003").unwrap(), SfId::mint("003", 2));
        assert_eq!(store.next_id("001").unwrap(), SfId::mint("001", 1));
    }

    #[test]
    fn a_file_store_survives_reopening() {
        let dir = std::env::temp_dir().join(format!("pane-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("org.sqlite");
        let id = {
            let store = Store::open(Some(&path)).unwrap();
            let r = record(&store, "Lead", "00Q", json!({"LastName": "Kim"}));
            store.put(&r, vec![]).unwrap();
            store.set_meta("seeded", "yes").unwrap();
            r.id
        };
        let store = Store::open(Some(&path)).unwrap();
        assert_eq!(store.get(&id).unwrap().unwrap().fields["LastName"], "Kim");
        assert_eq!(store.meta("seeded").unwrap().as_deref(), Some("yes"));
        assert_eq!(store.next_id("00Q").unwrap(), SfId::mint("00Q", 2));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
