//! Reader for rpm's sqlite database, `rpmdb.sqlite` (rpm ≥ 4.16: Fedora ≥
//! 33, RHEL/UBI/Rocky/Alma ≥ 9, Amazon Linux 2023, Azure Linux): table
//! `Packages (hnum INTEGER PRIMARY KEY, blob BLOB)`, one header blob per
//! row (rpm's `lib/backend/sqlite.c`).
//!
//! The file is handed to SQLite from memory (`sqlite3_deserialize`, read
//! only); nothing is written to disk. The file is hostile input, so the
//! connection is locked down before the query: defensive mode, no trusted
//! schema, blobs capped at [`MAX_BLOB_BYTES`], a bound on the virtual
//! machine steps the query may take (a `Packages` view over a recursive
//! query would otherwise never end), and `Packages` must be a table.

use rusqlite::limits::Limit;
use rusqlite::{config::DbConfig, Connection, OpenFlags, MAIN_DB};

use super::{header::MAX_BLOB_BYTES, Problems};

/// Every sqlite database starts with this.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Progress-handler calls allowed (each after [`OPS_PER_CALL`] virtual
/// machine steps). A real database of thousands of packages needs a few
/// hundred.
const MAX_PROGRESS_CALLS: u32 = 100_000;
const OPS_PER_CALL: i32 = 1_000;

/// True when `data` starts like a sqlite database.
pub(super) fn sniff(data: &[u8]) -> bool {
    data.get(..16) == Some(&MAGIC[..])
}

/// Calls `visit(hnum, blob)` for every row of `Packages`, in `hnum` order.
/// `Err` when the file cannot be read as an rpm sqlite database.
pub(super) fn read(
    data: &[u8],
    problems: &mut Problems,
    visit: &mut dyn FnMut(u64, &[u8]),
) -> Result<(), String> {
    read_bounded(data, MAX_PROGRESS_CALLS, problems, visit)
}

fn read_bounded(
    data: &[u8],
    max_calls: u32,
    problems: &mut Problems,
    visit: &mut dyn FnMut(u64, &[u8]),
) -> Result<(), String> {
    if !sniff(data) {
        return Err("not a sqlite database (bad magic)".to_owned());
    }
    if i32::try_from(data.len()).is_err() {
        return Err(format!("database is {} bytes, too large", data.len()));
    }
    let conn = open(data, max_calls).map_err(|e| format!("sqlite: {e}"))?;
    let kind: Option<String> = conn
        .query_row(
            "SELECT type FROM sqlite_schema WHERE name = 'Packages'",
            [],
            |r| r.get(0),
        )
        .ok();
    match kind.as_deref() {
        Some("table") => {}
        Some(other) => return Err(format!("`Packages` is a {other}, not a table")),
        None => return Err("no `Packages` table".to_owned()),
    }
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| format!("sqlite: {e}"))?;
    let mut rows = stmt.query([]).map_err(|e| format!("sqlite: {e}"))?;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                problems.push(format!("sqlite: {e}; the rest of the table was not read"));
                break;
            }
        };
        let hnum: i64 = row.get(0).unwrap_or(0);
        match row.get_ref(1) {
            Ok(rusqlite::types::ValueRef::Blob(b)) => {
                visit(u64::try_from(hnum).unwrap_or(0), b);
            }
            _ => problems.push(format!("row {hnum}: `blob` is not a blob; skipped")),
        }
    }
    Ok(())
}

/// A read-only in-memory connection holding a copy of `data`.
fn open(data: &[u8], max_calls: u32) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_limit(
        Limit::SQLITE_LIMIT_LENGTH,
        i32::try_from(MAX_BLOB_BYTES).unwrap_or(i32::MAX),
    )?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    // rpm keeps its database in WAL mode (header bytes 18 and 19 = 2); an
    // in-memory database has no shared memory for a WAL, so present the
    // same pages as a rollback-journal database (bytes = 1). Unflushed
    // `rpmdb.sqlite-wal` content is not read (rpm checkpoints on exit).
    let patched = data.get(18..20) == Some(&[2, 2][..]);
    let head: &[u8] = if patched {
        data.get(..18).unwrap_or_default()
    } else {
        &[]
    };
    let tail: &[u8] = if patched {
        data.get(20..).unwrap_or_default()
    } else {
        data
    };
    let mid: &[u8] = if patched { &[1, 1] } else { &[] };
    let reader = std::io::Read::chain(std::io::Read::chain(head, mid), tail);
    conn.deserialize_read_exact(MAIN_DB, reader, data.len(), true)?;
    let mut calls = 0u32;
    conn.progress_handler(
        OPS_PER_CALL,
        Some(move || {
            calls += 1;
            calls > max_calls
        }),
    )?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILT: &[u8] =
        include_bytes!("../../../testdata/rpm/built/root/var/lib/rpm/rpmdb.sqlite");

    fn run(data: &[u8]) -> (Result<(), String>, Vec<u64>, Vec<String>) {
        run_bounded(data, MAX_PROGRESS_CALLS)
    }

    fn run_bounded(data: &[u8], max_calls: u32) -> (Result<(), String>, Vec<u64>, Vec<String>) {
        let mut problems = Problems::default();
        let mut got = Vec::new();
        let r = read_bounded(data, max_calls, &mut problems, &mut |id, _| got.push(id));
        (r, got, problems.list)
    }

    /// A database made by the sqlite library itself from `sql`.
    fn db(sql: &str) -> Vec<u8> {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(sql).unwrap();
        conn.serialize(MAIN_DB).unwrap().to_vec()
    }

    #[test]
    fn reads_rows_of_a_database_rpm_wrote() {
        let (r, got, problems) = run(BUILT);
        assert_eq!(r, Ok(()));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(got, [1, 2, 3, 4]);
    }

    #[test]
    fn a_view_named_packages_is_refused_before_it_runs() {
        let d = db("CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) \
                    SELECT x AS hnum, zeroblob(10) AS blob FROM c;");
        assert_eq!(
            run(&d).0,
            Err("`Packages` is a view, not a table".to_owned())
        );
        assert_eq!(
            run(&db("CREATE TABLE x(a);")).0,
            Err("no `Packages` table".to_owned())
        );
    }

    #[test]
    fn an_endless_query_is_cut_by_the_step_bound() {
        // The same bound that ends a hostile query, made small: the query
        // stops part-way with a problem, and the rows read so far are kept.
        let d = db(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);\
                    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 20000) \
                    INSERT INTO Packages SELECT x, x'00' FROM c;",
        );
        assert_eq!(run(&d).1.len(), 20_000);
        let (r, got, problems) = run_bounded(&d, 10);
        assert_eq!(r, Ok(()));
        assert!(!got.is_empty() && got.len() < 20_000, "{}", got.len());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("interrupted"), "{problems:?}");
    }

    #[test]
    fn non_blob_rows_and_damaged_files_are_reported() {
        let d = db(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);\
                    INSERT INTO Packages VALUES (1, 'text'), (2, x'0000');",
        );
        let (r, got, problems) = run(&d);
        assert_eq!(r, Ok(()));
        assert_eq!(got, [2]);
        assert_eq!(problems, ["row 1: `blob` is not a blob; skipped"]);
        assert!(run(b"not sqlite").0.is_err());
        let cut = &BUILT[..BUILT.len() / 3];
        let (r, _, problems) = run(cut);
        assert!(r.is_err() || !problems.is_empty());
    }
}
