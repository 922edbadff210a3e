//! Cubby's SQLite files (the link register, the sync journals): opened the same way, migrated
//! by numbered, embedded steps recorded in `PRAGMA user_version`.

use std::path::Path;

use rusqlite::Connection;

use crate::{Error, Result};

/// Opens (creating) a database in WAL mode and applies the migrations it has not seen yet.
/// `what` names it in errors ("the sync journal").
pub fn open(path: &Path, migrations: &[&str], what: &str) -> Result<Connection> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let failed = |e: rusqlite::Error| Error::Storage(format!("{what} failed: {e}"));
    let mut conn = Connection::open(path).map_err(failed)?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(failed)?;
    // FULL: a state change is on disk before the next step acts on it, power loss included.
    conn.pragma_update(None, "synchronous", "FULL").map_err(failed)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(failed)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(failed)?;
    let done: usize = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(failed)?;
    if done > migrations.len() {
        return Err(Error::Config(format!(
            "{what} at {} was written by a newer Cubby (schema {done}): update Cubby",
            path.display()
        )));
    }
    for (index, sql) in migrations.iter().enumerate().skip(done) {
        let tx = conn.transaction().map_err(failed)?;
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", index + 1)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_newer_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.sqlite3");
        let steps = ["CREATE TABLE a (x INTEGER);", "CREATE TABLE b (y INTEGER);"];
        open(&path, &steps[..1], "the test db").unwrap();
        let conn = open(&path, &steps, "the test db").unwrap();
        let version: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 2);
        drop(conn);
        let err = open(&path, &steps[..1], "the test db").unwrap_err();
        assert!(err.to_string().contains("newer Cubby"), "{err}");
    }
}
